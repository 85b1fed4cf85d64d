-- seed-large-20-auth.sql — 100,000 extra users for --seed demo-large.
-- SPDX-License-Identifier: GPL-3.0-or-later
--
-- Generated set-wise in a few seconds: every user shares one bcrypt hash of
-- a random password computed once (cost 4), so no row pays for crypt().
-- The one-time-token sync trigger is skipped: no user has a pending token.

alter table auth.users disable trigger sl_sync_one_time_tokens;

with pw as (
  select extensions.crypt (encode (extensions.gen_random_bytes (18), 'base64'), extensions.gen_salt ('bf', 4)) as hash
), first_names (a) as (
  select array['Ada', 'Ben', 'Chloe', 'Dmitri', 'Elena', 'Farid', 'Gwen', 'Hiro', 'Ines', 'Jonas',
               'Kemal', 'Lena', 'Mateo', 'Nadia', 'Omar', 'Priya', 'Quentin', 'Rosa', 'Sven', 'Tara']
), last_names (a) as (
  select array['Almeida', 'Brown', 'Chen', 'Dubois', 'Eriksen', 'Fischer', 'García', 'Hansen', 'Ivanova',
               'Jones', 'Kowalski', 'López', 'Müller', 'Nakamura', 'Okafor', 'Popescu', 'Rossi', 'Smith',
               'Tanaka', 'Weber']
), g as (
  select i,
         md5 ('sl-large-user-' || i)::uuid as id,
         f.a[1 + i % 20] || ' ' || l.a[1 + (i / 20) % 20] as full_name,
         'user' || lpad (i::text, 6, '0') || '@example.org' as email,
         now () - ((100000 - i) || ' minutes')::interval - interval '30 days' as created
  from generate_series (1, 100000) as i, first_names f, last_names l
), ins as (
insert into auth.users (instance_id, id, aud, role, email, encrypted_password, email_confirmed_at,
                        confirmation_sent_at, last_sign_in_at, raw_app_meta_data, raw_user_meta_data,
                        created_at, updated_at, banned_until)
select '00000000-0000-0000-0000-000000000000', g.id, 'authenticated', 'authenticated', g.email, pw.hash,
       case when g.i % 17 <> 0 then g.created + interval '3 minutes' end,
       g.created,
       case when g.i % 3 = 0 then g.created + ((g.i % 500) || ' hours')::interval end,
       '{"provider": "email", "providers": ["email"]}'::jsonb,
       jsonb_build_object ('full_name', g.full_name,
                           'avatar_url', 'https://i.pravatar.cc/150?u=' || g.i),
       g.created, g.created,
       case when g.i % 997 = 0 then timestamptz '2099-01-01 00:00:00+00' end
from g, pw
returning id, email, email_confirmed_at, created_at
)
insert into auth.identities (provider_id, user_id, identity_data, provider, last_sign_in_at, created_at, updated_at)
select u.id::text, u.id,
       jsonb_build_object ('sub', u.id::text, 'email', u.email, 'email_verified', u.email_confirmed_at is not null,
                           'phone_verified', false),
       'email', u.created_at, u.created_at, u.created_at
from ins u;

alter table auth.users enable trigger sl_sync_one_time_tokens;

analyze auth.users;
analyze auth.identities;
