-- seed-large-10-events.sql — a 1,000,000-row table for paging tests.
-- SPDX-License-Identifier: GPL-3.0-or-later

CREATE TYPE public.event_kind AS ENUM ('view', 'click', 'purchase', 'signup', 'error');

CREATE TABLE public.events (
  id      bigint PRIMARY KEY,
  ts      timestamptz NOT NULL,
  kind    public.event_kind NOT NULL,
  payload jsonb NOT NULL DEFAULT '{}',
  amount  numeric(12,2)
);
COMMENT ON TABLE public.events IS 'Synthetic analytics events (1,000,000 rows)';

-- Generated without the primary key index, which is built once afterwards.
ALTER TABLE public.events DROP CONSTRAINT events_pkey;
INSERT INTO public.events (id, ts, kind, payload, amount)
SELECT g,
       timestamptz '2024-01-01 00:00:00+00' + g * interval '31 seconds',
       (ARRAY['view','click','purchase','signup','error']::public.event_kind[])[1 + (g * 7919) % 5],
       jsonb_build_object('session', g % 9973, 'page', '/p/' || (g % 211)),
       CASE WHEN g % 5 = 2 THEN ((g * 37) % 50000) / 100.0 END
  FROM generate_series(1::bigint, 1000000::bigint) AS g;
ALTER TABLE public.events ADD PRIMARY KEY (id);
CREATE INDEX events_ts_idx ON public.events (ts);
ANALYZE public.events;

GRANT ALL ON public.events TO anon, authenticated, service_role;
