-- seed-demo-40-realtime.sql — the demo's tables publish their changes.
-- SPDX-License-Identifier: GPL-3.0-or-later
--
-- The tables come from the REST seed (seed-demo-10-*.sql); only those that
-- exist are added, so this file never fails when that seed changes.

DO $$
DECLARE
  t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['public.profiles', 'public.orders', 'public.cities',
                           'public.todos', 'public.messages']
  LOOP
    IF to_regclass(t) IS NOT NULL AND NOT EXISTS (
         SELECT 1 FROM pg_publication_tables
          WHERE pubname = 'supabase_realtime'
            AND format('%I.%I', schemaname, tablename)::regclass = to_regclass(t)) THEN
      EXECUTE format('ALTER PUBLICATION supabase_realtime ADD TABLE %s', to_regclass(t));
    END IF;
  END LOOP;

  -- Old values of every column for updates and deletes on orders.
  IF to_regclass('public.orders') IS NOT NULL THEN
    ALTER TABLE public.orders REPLICA IDENTITY FULL;
  END IF;
END
$$;
