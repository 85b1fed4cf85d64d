-- seed-demo-20-auth.sql — a dozen demo users for supabase-local --seed demo.
-- SPDX-License-Identifier: GPL-3.0-or-later
--
-- Alice, Bob and Carol keep the fixed ids of public.profiles from
-- seed-demo-10-public.sql. Everyone gets an email identity; Grace also signed
-- in with GitHub; Dave is banned; Erin never confirmed her email; Alice has a
-- verified TOTP factor. Passwords and the TOTP secret are random per run and
-- exist only as hashes/rows in the database: sign in as a demo user through
-- the admin API (generate_link, or set a password with PUT
-- /auth/v1/admin/users/{id}) or a magic link read from /__local/outbox.

create temporary table demo_users (
  n          int primary key,
  id         uuid not null,
  email      text not null,
  username   text not null,
  full_name  text not null,
  confirmed  boolean not null,
  banned     boolean not null,
  created    timestamptz not null
);

insert into demo_users values
  (1,  '00000000-0000-4000-8000-000000000001', 'alice@example.com',   'alice',   'Alice Liddell',   true,  false, now () - interval '210 days'),
  (2,  '00000000-0000-4000-8000-000000000002', 'bob@example.com',     'bob',     'Bob Builder',     true,  false, now () - interval '180 days'),
  (3,  '00000000-0000-4000-8000-000000000003', 'carol@example.com',   'carol',   'Carol Danvers',   true,  false, now () - interval '150 days'),
  (4,  '00000000-0000-4000-8000-000000000004', 'dave@example.com',    'dave',    'Dave Lister',     true,  true,  now () - interval '120 days'),
  (5,  '00000000-0000-4000-8000-000000000005', 'erin@example.com',    'erin',    'Erin Brockovich', false, false, now () - interval '2 days'),
  (6,  '00000000-0000-4000-8000-000000000006', 'frank@example.com',   'frank',   'Frank Castle',    true,  false, now () - interval '95 days'),
  (7,  '00000000-0000-4000-8000-000000000007', 'grace@example.com',   'grace',   'Grace Hopper',    true,  false, now () - interval '80 days'),
  (8,  '00000000-0000-4000-8000-000000000008', 'heidi@example.com',   'heidi',   'Heidi Klum',      true,  false, now () - interval '61 days'),
  (9,  '00000000-0000-4000-8000-000000000009', 'ivan@example.com',    'ivan',    'Ivan Petrov',     true,  false, now () - interval '40 days'),
  (10, '00000000-0000-4000-8000-00000000000a', 'judy@example.com',    'judy',    'Judy Hopps',      true,  false, now () - interval '21 days'),
  (11, '00000000-0000-4000-8000-00000000000b', 'mallory@example.com', 'mallory', 'Mallory Knox',    true,  false, now () - interval '9 days'),
  (12, '00000000-0000-4000-8000-00000000000c', 'oscar@example.com',   'oscar',   'Oscar Wilde',     true,  false, now () - interval '1 day');

insert into auth.users (instance_id, id, aud, role, email, encrypted_password, email_confirmed_at,
                        confirmation_token, confirmation_sent_at, last_sign_in_at,
                        raw_app_meta_data, raw_user_meta_data, created_at, updated_at, banned_until, phone,
                        phone_confirmed_at)
select '00000000-0000-0000-0000-000000000000', d.id, 'authenticated', 'authenticated', d.email,
       extensions.crypt (encode (extensions.gen_random_bytes (18), 'base64'), extensions.gen_salt ('bf', 10)),
       case when d.confirmed then d.created + interval '5 minutes' end,
       case when d.confirmed then ''
            else sl_auth.token_hash (d.email, lpad ((floor (random () * 1000000))::int::text, 6, '0')) end,
       d.created,
       case when d.confirmed then now () - (d.n || ' hours')::interval end,
       case when d.username = 'grace'
            then '{"provider": "email", "providers": ["email", "github"]}'::jsonb
            else '{"provider": "email", "providers": ["email"]}'::jsonb end
         || case when d.username = 'alice' then '{"plan": "pro"}'::jsonb else '{}'::jsonb end,
       jsonb_build_object ('full_name', d.full_name,
                           'avatar_url', 'https://i.pravatar.cc/150?u=' || d.username),
       d.created, d.created + interval '1 day',
       case when d.banned then timestamptz '2099-01-01 00:00:00+00' end,
       case when d.username = 'bob' then '15550001002' end,
       case when d.username = 'bob' then d.created + interval '10 minutes' end
from demo_users d;

insert into auth.identities (provider_id, user_id, identity_data, provider, last_sign_in_at, created_at, updated_at)
select d.id::text, d.id,
       jsonb_build_object ('sub', d.id::text, 'email', d.email, 'email_verified', d.confirmed, 'phone_verified', false),
       'email', d.created, d.created, d.created
from demo_users d;

insert into auth.identities (provider_id, user_id, identity_data, provider, last_sign_in_at, created_at, updated_at)
select '15550001002', d.id,
       jsonb_build_object ('sub', d.id::text, 'phone', '15550001002', 'email_verified', false, 'phone_verified', true),
       'phone', d.created, d.created, d.created
from demo_users d where d.username = 'bob';

insert into auth.identities (provider_id, user_id, identity_data, provider, last_sign_in_at, created_at, updated_at)
select '583231', d.id,
       jsonb_build_object ('iss', 'https://api.github.com', 'sub', '583231', 'name', d.full_name,
                           'email', d.email, 'full_name', d.full_name, 'user_name', 'ghopper',
                           'avatar_url', 'https://avatars.githubusercontent.com/u/583231?v=4',
                           'provider_id', '583231', 'email_verified', true, 'phone_verified', false,
                           'preferred_username', 'ghopper'),
       'github', now () - interval '3 days', d.created + interval '2 days', d.created + interval '2 days'
from demo_users d where d.username = 'grace';

-- Alice's authenticator app: a verified TOTP factor with a random secret.
insert into auth.mfa_factors (id, user_id, friendly_name, factor_type, status, created_at, updated_at, secret)
select '00000000-0000-4000-8000-0000000f0001', d.id, 'Authenticator app', 'totp', 'verified',
       d.created + interval '1 day', d.created + interval '1 day',
       (select string_agg (substr ('ABCDEFGHIJKLMNOPQRSTUVWXYZ234567', (get_byte (b, i) % 32) + 1, 1), '')
          from (select extensions.gen_random_bytes (32) as b) r, generate_series (0, 31) as i)
from demo_users d where d.username = 'alice';

-- Matching public profiles (public.profiles comes from the REST demo seed).
do $$
begin
  if to_regclass ('public.profiles') is not null then
    insert into public.profiles (id, username, full_name)
    select d.id, d.username, d.full_name from demo_users d
    on conflict (id) do nothing;
  end if;
end
$$;

drop table demo_users;
