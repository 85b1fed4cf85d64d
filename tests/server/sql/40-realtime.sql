-- 40-realtime.sql — what supabase/realtime expects in a project database.
-- SPDX-License-Identifier: GPL-3.0-or-later
--
-- postgres_changes are delivered for the tables of the `supabase_realtime`
-- publication (empty at first, as on a new project; add tables with
-- ALTER PUBLICATION supabase_realtime ADD TABLE …). The logical replication
-- slot that feeds it is created by sl-realtime.c at start-up, outside any
-- transaction.

CREATE SCHEMA IF NOT EXISTS realtime;
GRANT USAGE ON SCHEMA realtime TO anon, authenticated, service_role;

DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_publication WHERE pubname = 'supabase_realtime') THEN
    CREATE PUBLICATION supabase_realtime;
  END IF;
END
$$;
