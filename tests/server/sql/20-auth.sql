-- 20-auth.sql — the auth (GoTrue) schema of supabase-local.
-- SPDX-License-Identifier: GPL-3.0-or-later
--
-- Tables are shaped like supabase/auth's migrations so that the demo's RLS
-- policies and triggers can refer to them. Helpers used only by sl-auth.c
-- live in the private schema sl_auth (JSON rendering in GoTrue's key order,
-- session issuing, refresh-token rotation, the local mail outbox).

create schema if not exists auth;
create schema if not exists extensions;
create extension if not exists pgcrypto with schema extensions;

do $$
begin
  if not exists (select 1 from pg_type t join pg_namespace n on n.oid = t.typnamespace
                 where n.nspname = 'auth' and t.typname = 'aal_level') then
    create type auth.aal_level as enum ('aal1', 'aal2', 'aal3');
  end if;
  if not exists (select 1 from pg_type t join pg_namespace n on n.oid = t.typnamespace
                 where n.nspname = 'auth' and t.typname = 'factor_type') then
    create type auth.factor_type as enum ('totp', 'webauthn', 'phone');
  end if;
  if not exists (select 1 from pg_type t join pg_namespace n on n.oid = t.typnamespace
                 where n.nspname = 'auth' and t.typname = 'factor_status') then
    create type auth.factor_status as enum ('unverified', 'verified');
  end if;
  if not exists (select 1 from pg_type t join pg_namespace n on n.oid = t.typnamespace
                 where n.nspname = 'auth' and t.typname = 'one_time_token_type') then
    create type auth.one_time_token_type as enum (
      'confirmation_token', 'reauthentication_token', 'recovery_token',
      'email_change_token_new', 'email_change_token_current', 'phone_change_token');
  end if;
end
$$;

create table if not exists auth.users (
  instance_id                 uuid,
  id                          uuid primary key default gen_random_uuid (),
  aud                         varchar(255),
  role                        varchar(255),
  email                       varchar(255),
  encrypted_password          varchar(255),
  email_confirmed_at          timestamptz,
  invited_at                  timestamptz,
  confirmation_token          varchar(255) default '',
  confirmation_sent_at        timestamptz,
  recovery_token              varchar(255) default '',
  recovery_sent_at            timestamptz,
  email_change_token_new      varchar(255) default '',
  email_change                varchar(255) default '',
  email_change_sent_at        timestamptz,
  last_sign_in_at             timestamptz,
  raw_app_meta_data           jsonb,
  raw_user_meta_data          jsonb,
  is_super_admin              boolean,
  created_at                  timestamptz,
  updated_at                  timestamptz,
  phone                       text unique default null,
  phone_confirmed_at          timestamptz,
  phone_change                text default '',
  phone_change_token          varchar(255) default '',
  phone_change_sent_at        timestamptz,
  confirmed_at                timestamptz generated always as (least (email_confirmed_at, phone_confirmed_at)) stored,
  email_change_token_current  varchar(255) default '',
  email_change_confirm_status smallint default 0 check (email_change_confirm_status >= 0 and email_change_confirm_status <= 2),
  banned_until                timestamptz,
  reauthentication_token      varchar(255) default '',
  reauthentication_sent_at    timestamptz,
  is_sso_user                 boolean not null default false,
  deleted_at                  timestamptz,
  is_anonymous                boolean not null default false
);
create unique index if not exists users_email_partial_key on auth.users (email) where (is_sso_user = false);
create index if not exists users_instance_id_idx on auth.users (instance_id);
create index if not exists users_created_at_idx on auth.users (created_at desc, id desc);
create index if not exists users_is_anonymous_idx on auth.users (is_anonymous);
create index if not exists confirmation_token_idx on auth.users (confirmation_token) where confirmation_token !~ '^[0-9 ]*$';
create index if not exists recovery_token_idx on auth.users (recovery_token) where recovery_token !~ '^[0-9 ]*$';
create index if not exists email_change_token_current_idx on auth.users (email_change_token_current) where email_change_token_current !~ '^[0-9 ]*$';
create index if not exists email_change_token_new_idx on auth.users (email_change_token_new) where email_change_token_new !~ '^[0-9 ]*$';
create index if not exists reauthentication_token_idx on auth.users (reauthentication_token) where reauthentication_token !~ '^[0-9 ]*$';
comment on table auth.users is 'Auth: Stores user login data within a secure schema.';

create table if not exists auth.identities (
  provider_id     text not null,
  user_id         uuid not null references auth.users (id) on delete cascade,
  identity_data   jsonb not null,
  provider        text not null,
  last_sign_in_at timestamptz,
  created_at      timestamptz,
  updated_at      timestamptz,
  email           text generated always as (lower (identity_data->>'email')) stored,
  id              uuid primary key default gen_random_uuid (),
  constraint identities_provider_id_provider_unique unique (provider_id, provider)
);
create index if not exists identities_user_id_idx on auth.identities (user_id);
create index if not exists identities_email_idx on auth.identities (email text_pattern_ops);

create table if not exists auth.mfa_factors (
  id                 uuid primary key,
  user_id            uuid not null references auth.users (id) on delete cascade,
  friendly_name      text,
  factor_type        auth.factor_type not null,
  status             auth.factor_status not null,
  created_at         timestamptz not null,
  updated_at         timestamptz not null,
  secret             text,
  phone              text,
  last_challenged_at timestamptz unique,
  web_authn_credential jsonb,
  web_authn_aaguid   uuid
);
create unique index if not exists mfa_factors_user_friendly_name_unique
  on auth.mfa_factors (friendly_name, user_id) where trim (friendly_name) <> '';
create index if not exists factor_id_created_at_idx on auth.mfa_factors (user_id, created_at);

create table if not exists auth.sessions (
  id           uuid primary key,
  user_id      uuid not null references auth.users (id) on delete cascade,
  created_at   timestamptz,
  updated_at   timestamptz,
  factor_id    uuid,
  aal          auth.aal_level,
  not_after    timestamptz,
  refreshed_at timestamp,
  user_agent   text,
  ip           inet,
  tag          text
);
create index if not exists sessions_user_id_idx on auth.sessions (user_id);

create table if not exists auth.refresh_tokens (
  instance_id uuid,
  id          bigserial primary key,
  token       varchar(255) unique,
  user_id     varchar(255),
  revoked     boolean,
  created_at  timestamptz,
  updated_at  timestamptz,
  parent      varchar(255),
  session_id  uuid references auth.sessions (id) on delete cascade
);
create index if not exists refresh_tokens_session_id_revoked_idx on auth.refresh_tokens (session_id, revoked);
create index if not exists refresh_tokens_parent_idx on auth.refresh_tokens (parent);

create table if not exists auth.mfa_amr_claims (
  session_id            uuid not null references auth.sessions (id) on delete cascade,
  created_at            timestamptz not null,
  updated_at            timestamptz not null,
  authentication_method text not null,
  id                    uuid primary key,
  constraint mfa_amr_claims_session_id_authentication_method_pkey unique (session_id, authentication_method)
);

create table if not exists auth.mfa_challenges (
  id          uuid primary key,
  factor_id   uuid not null references auth.mfa_factors (id) on delete cascade,
  created_at  timestamptz not null,
  verified_at timestamptz,
  ip_address  inet not null,
  otp_code    text,
  web_authn_session_data jsonb
);

create table if not exists auth.one_time_tokens (
  id         uuid primary key,
  user_id    uuid not null references auth.users (id) on delete cascade,
  token_type auth.one_time_token_type not null,
  token_hash text not null check (char_length (token_hash) > 0),
  relates_to text not null,
  created_at timestamp without time zone not null default now (),
  updated_at timestamp without time zone not null default now ()
);
create unique index if not exists one_time_tokens_user_id_token_type_key on auth.one_time_tokens (user_id, token_type);
create index if not exists one_time_tokens_token_hash_hash_idx on auth.one_time_tokens using hash (token_hash);

create table if not exists auth.audit_log_entries (
  instance_id uuid,
  id          uuid primary key,
  payload     json,
  created_at  timestamptz,
  ip_address  varchar(64) not null default ''
);

-- Keep auth.one_time_tokens in step with the token columns of auth.users, as
-- GoTrue does from Go.
create or replace function auth.sl_sync_one_time_tokens () returns trigger
language plpgsql as $$
declare
  r record;
begin
  for r in select * from (values
      ('confirmation_token'::auth.one_time_token_type, new.confirmation_token, new.email::text),
      ('recovery_token', new.recovery_token, new.email),
      ('email_change_token_current', new.email_change_token_current, new.email),
      ('email_change_token_new', new.email_change_token_new, new.email_change),
      ('reauthentication_token', new.reauthentication_token, new.email),
      ('phone_change_token', new.phone_change_token, new.phone_change)) v (kind, hash, relates)
  loop
    if coalesce (r.hash, '') = '' then
      delete from auth.one_time_tokens where user_id = new.id and token_type = r.kind;
    else
      insert into auth.one_time_tokens (id, user_id, token_type, token_hash, relates_to)
      values (gen_random_uuid (), new.id, r.kind, r.hash, coalesce (r.relates, ''))
      on conflict (user_id, token_type) do update
        set token_hash = excluded.token_hash, relates_to = excluded.relates_to, updated_at = now ();
    end if;
  end loop;
  return null;
end
$$;
drop trigger if exists sl_sync_one_time_tokens on auth.users;
create trigger sl_sync_one_time_tokens
  after insert or update of confirmation_token, recovery_token, email_change_token_current,
                            email_change_token_new, reauthentication_token, phone_change_token
  on auth.users for each row execute function auth.sl_sync_one_time_tokens ();

-- Supabase grants: the API roles see nothing in auth directly.
do $$
begin
  if exists (select 1 from pg_roles where rolname = 'supabase_auth_admin') then
    execute 'grant all on all tables in schema auth to supabase_auth_admin';
  end if;
  if exists (select 1 from pg_roles where rolname = 'service_role') then
    execute 'grant usage on schema auth to service_role';
  end if;
end
$$;

-------------------------------------------------------------------- helpers

create schema if not exists sl_auth;
revoke all on schema sl_auth from public;

-- Go's time.Time JSON: RFC 3339 in UTC, trailing zeros of the fraction trimmed.
create or replace function sl_auth.ts (t timestamptz) returns text
language sql immutable as $$
  select case when t is null then null
         else regexp_replace (to_char (t at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US'), '\.?0+$', '') || 'Z'
         end
$$;

-- Builds a JSON object from (key, json text) pairs in order, leaving out
-- pairs whose value is SQL NULL (Go's omitempty).
create or replace function sl_auth.obj (variadic kv text[]) returns text
language sql immutable as $$
  select '{' || coalesce (string_agg (to_json (kv[i])::text || ':' || kv[i + 1], ',' order by i), '') || '}'
  from generate_subscripts (kv, 1) as i
  where i % 2 = 1 and kv[i + 1] is not null
$$;

create or replace function sl_auth.jts (t timestamptz) returns text
language sql immutable as $$ select to_json (sl_auth.ts (t))::text $$;

create or replace function sl_auth.identity_json (i auth.identities) returns text
language sql stable as $$
  select sl_auth.obj (
    'identity_id', to_json (i.id)::text,
    'id', to_json (i.provider_id)::text,
    'user_id', to_json (i.user_id)::text,
    'identity_data', case when i.identity_data is null or i.identity_data = '{}'::jsonb then null else i.identity_data::text end,
    'provider', to_json (i.provider)::text,
    'last_sign_in_at', sl_auth.jts (i.last_sign_in_at),
    'created_at', sl_auth.jts (i.created_at),
    'updated_at', sl_auth.jts (i.updated_at),
    'email', case when coalesce (i.email, '') = '' then null else to_json (i.email)::text end)
$$;

create or replace function sl_auth.factor_json (f auth.mfa_factors) returns text
language sql stable as $$
  select sl_auth.obj (
    'id', to_json (f.id)::text,
    'created_at', sl_auth.jts (f.created_at),
    'updated_at', sl_auth.jts (f.updated_at),
    'status', to_json (f.status::text)::text,
    'friendly_name', case when coalesce (f.friendly_name, '') = '' then null else to_json (f.friendly_name)::text end,
    'factor_type', to_json (f.factor_type::text)::text,
    'phone', to_json (coalesce (f.phone, ''))::text,
    'last_challenged_at', coalesce (sl_auth.jts (f.last_challenged_at), 'null'),
    'web_authn_aaguid', to_json (f.web_authn_aaguid)::text)
$$;

create or replace function sl_auth.user_json (u auth.users) returns text
language sql stable as $$
  select sl_auth.obj (
    'id', to_json (u.id)::text,
    'aud', to_json (coalesce (u.aud, ''))::text,
    'role', to_json (coalesce (u.role, ''))::text,
    'email', to_json (coalesce (u.email, ''))::text,
    'email_confirmed_at', sl_auth.jts (u.email_confirmed_at),
    'invited_at', sl_auth.jts (u.invited_at),
    'phone', to_json (coalesce (u.phone, ''))::text,
    'phone_confirmed_at', sl_auth.jts (u.phone_confirmed_at),
    'confirmation_sent_at', sl_auth.jts (u.confirmation_sent_at),
    'confirmed_at', sl_auth.jts (u.confirmed_at),
    'recovery_sent_at', sl_auth.jts (u.recovery_sent_at),
    'new_email', case when coalesce (u.email_change, '') = '' then null else to_json (u.email_change)::text end,
    'email_change_sent_at', sl_auth.jts (u.email_change_sent_at),
    'new_phone', case when coalesce (u.phone_change, '') = '' then null else to_json (u.phone_change)::text end,
    'phone_change_sent_at', sl_auth.jts (u.phone_change_sent_at),
    'reauthentication_sent_at', sl_auth.jts (u.reauthentication_sent_at),
    'last_sign_in_at', sl_auth.jts (u.last_sign_in_at),
    'app_metadata', coalesce (u.raw_app_meta_data, '{}'::jsonb)::text,
    'user_metadata', coalesce (u.raw_user_meta_data, '{}'::jsonb)::text,
    'factors', (select '[' || string_agg (sl_auth.factor_json (f), ',' order by f.created_at) || ']'
                from auth.mfa_factors f where f.user_id = u.id),
    'identities', (select '[' || coalesce (string_agg (sl_auth.identity_json (i), ',' order by i.created_at, i.id), '') || ']'
                   from auth.identities i where i.user_id = u.id),
    'created_at', sl_auth.jts (u.created_at),
    'updated_at', sl_auth.jts (u.updated_at),
    'banned_until', sl_auth.jts (u.banned_until),
    'deleted_at', sl_auth.jts (u.deleted_at),
    'is_anonymous', to_json (u.is_anonymous)::text)
$$;

create or replace function sl_auth.user_json (uid uuid) returns text
language sql stable as $$
  select sl_auth.user_json (u) from auth.users u where u.id = uid
$$;

-- JSON metadata merge as GoTrue does it: keys set to null are removed.
create or replace function sl_auth.jsonb_strip_nulls_top (j jsonb) returns jsonb
language sql immutable as $$
  select coalesce ((select jsonb_object_agg (key, value) from jsonb_each (j) where value <> 'null'::jsonb), '{}'::jsonb)
$$;

create or replace function sl_auth.merge_meta (base jsonb, updates jsonb) returns jsonb
language sql immutable as $$
  select case
    when updates is null or jsonb_typeof (updates) <> 'object' then base
    when base is null then sl_auth.jsonb_strip_nulls_top (updates)
    else (select coalesce (jsonb_object_agg (k, v), '{}'::jsonb)
          from (select key as k, value as v from jsonb_each (base)
                where not (updates ? key)
                union all
                select key, value from jsonb_each (updates) where value <> 'null'::jsonb) s)
  end
$$;

-- Refresh tokens in GoTrue's legacy format: 12 characters [a-z0-9].
create or replace function sl_auth.new_refresh_token () returns text
language sql volatile as $$
  select string_agg (substr ('abcdefghijklmnopqrstuvwxyz0123456789', (get_byte (b, i) % 36) + 1, 1), '')
  from (select extensions.gen_random_bytes (12) as b) r, generate_series (0, 11) as i
$$;

-- Starts a session for @uid authenticated by @method; returns the session id
-- and its first refresh token.
create or replace function sl_auth.issue_session (uid uuid, method text, agent text, out session_id uuid, out refresh_token text)
language plpgsql volatile as $$
begin
  session_id := gen_random_uuid ();
  refresh_token := sl_auth.new_refresh_token ();
  insert into auth.sessions (id, user_id, created_at, updated_at, aal, user_agent, ip)
  values (session_id, uid, now (), now (), 'aal1', agent, '127.0.0.1');
  insert into auth.refresh_tokens (instance_id, token, user_id, revoked, created_at, updated_at, session_id)
  values ('00000000-0000-0000-0000-000000000000', refresh_token, uid::text, false, now (), now (), session_id);
  insert into auth.mfa_amr_claims (session_id, created_at, updated_at, authentication_method, id)
  values (session_id, now (), now (), method, gen_random_uuid ());
  update auth.users set last_sign_in_at = now (), updated_at = now () where id = uid;
  update auth.identities set last_sign_in_at = now ()
   where user_id = uid and (provider = method or (method in ('password', 'otp', 'magiclink') and provider = 'email'));
end
$$;

-- Refresh-token rotation with GoTrue's reuse detection. status is one of
-- ok, not_found, banned, no_session, already_used.
create or replace function sl_auth.refresh (tok text, out status text, out user_id uuid, out session_id uuid, out refresh_token text)
language plpgsql volatile as $$
declare
  t  auth.refresh_tokens;
  a  auth.refresh_tokens;
  u  auth.users;
begin
  select * into t from auth.refresh_tokens r where r.token = tok;
  if not found then
    status := 'not_found';
    return;
  end if;
  select * into u from auth.users x where x.id = t.user_id::uuid;
  if not found then
    status := 'not_found';
    return;
  end if;
  user_id := u.id;
  if u.banned_until is not null and u.banned_until > now () then
    status := 'banned';
    return;
  end if;
  perform 1 from auth.sessions s where s.id = t.session_id for update;
  if t.session_id is null or not found then
    delete from auth.refresh_tokens r where r.id = t.id;
    status := 'no_session';
    return;
  end if;
  session_id := t.session_id;
  if t.revoked then
    select * into a from auth.refresh_tokens r
     where r.session_id = t.session_id and not r.revoked order by r.id desc limit 1;
    if found and a.parent = t.token then
      -- The client lost the answer of its last refresh: hand the active token back.
      status := 'ok';
      refresh_token := a.token;
      return;
    end if;
    update auth.refresh_tokens r set revoked = true, updated_at = now ()
     where r.session_id = t.session_id and not r.revoked;
    status := 'already_used';
    return;
  end if;
  update auth.refresh_tokens r set revoked = true, updated_at = now () where r.id = t.id;
  refresh_token := sl_auth.new_refresh_token ();
  insert into auth.refresh_tokens (instance_id, token, user_id, revoked, created_at, updated_at, parent, session_id)
  values (t.instance_id, refresh_token, t.user_id, false, now (), now (), t.token, t.session_id);
  update auth.sessions s set refreshed_at = now () at time zone 'UTC', updated_at = now () where s.id = t.session_id;
  status := 'ok';
end
$$;

-- The local mail/SMS outbox (GET /__local/outbox).
create table if not exists sl_auth.outbox (
  id          bigserial primary key,
  "to"        text not null,
  kind        text not null,
  subject     text not null,
  body        text not null,
  action_link text,
  otp         text,
  created_at  timestamptz not null default now ()
);

-- go-style base64url without padding of sha256(id || value), GoTrue's
-- obfuscation of soft-deleted users' addresses.
create or replace function sl_auth.obfuscate (uid uuid, value text) returns text
language sql immutable as $$
  select rtrim (translate (encode (extensions.digest (uid::text || coalesce (value, ''), 'sha256'), 'base64'), E'+/\n', '-_'), '=')
$$;

-- sha224(value || otp) in hex: GoTrue's crypto.GenerateTokenHash.
create or replace function sl_auth.token_hash (who text, otp text) returns text
language sql immutable as $$
  select encode (extensions.digest (coalesce (who, '') || coalesce (otp, ''), 'sha224'), 'hex')
$$;

-- Creates a user with GoTrue's defaults and its identities. password_hash is
-- stored as given; with neither password nor hash a random password is set
-- (anonymous users get none).
create or replace function sl_auth.create_user (p_id uuid, p_email text, p_phone text,
                                               p_password text, p_password_hash text,
                                               p_user_meta jsonb, p_app_meta jsonb,
                                               p_anonymous boolean, p_role text, p_aud text)
returns uuid
language plpgsql volatile as $$
declare
  uid  uuid := coalesce (p_id, gen_random_uuid ());
  enc  text;
  provs jsonb := '[]'::jsonb;
begin
  if p_anonymous then
    enc := '';
  elsif p_password_hash is not null then
    enc := p_password_hash;
  else
    enc := extensions.crypt (coalesce (p_password, encode (extensions.gen_random_bytes (32), 'hex')),
                             extensions.gen_salt ('bf', 10));
  end if;
  if nullif (p_email, '') is not null then provs := provs || '"email"'::jsonb; end if;
  if nullif (p_phone, '') is not null then provs := provs || '"phone"'::jsonb; end if;
  insert into auth.users (instance_id, id, aud, role, email, phone, encrypted_password,
                          raw_app_meta_data, raw_user_meta_data, created_at, updated_at, is_anonymous)
  values ('00000000-0000-0000-0000-000000000000', uid, coalesce (p_aud, 'authenticated'),
          coalesce (p_role, 'authenticated'), nullif (p_email, ''), nullif (p_phone, ''), enc,
          case when p_anonymous then '{}'::jsonb
               else sl_auth.merge_meta (jsonb_build_object ('provider', provs->>0, 'providers', provs), p_app_meta) end,
          coalesce (sl_auth.jsonb_strip_nulls_top (p_user_meta), '{}'::jsonb), now (), now (), p_anonymous);
  if nullif (p_email, '') is not null then
    insert into auth.identities (provider_id, user_id, identity_data, provider, last_sign_in_at, created_at, updated_at)
    values (uid::text, uid, jsonb_build_object ('sub', uid::text, 'email', p_email, 'email_verified', false, 'phone_verified', false),
            'email', now (), now (), now ());
  end if;
  if nullif (p_phone, '') is not null then
    insert into auth.identities (provider_id, user_id, identity_data, provider, last_sign_in_at, created_at, updated_at)
    values (uid::text, uid, jsonb_build_object ('sub', uid::text, 'phone', p_phone, 'email_verified', false, 'phone_verified', false),
            'phone', now (), now (), now ());
  end if;
  return uid;
end
$$;

-- Marks the email confirmed, as GoTrue's user.Confirm.
create or replace function sl_auth.confirm_email (uid uuid) returns void
language sql volatile as $$
  update auth.users set email_confirmed_at = coalesce (email_confirmed_at, now ()),
                        confirmation_token = '', updated_at = now ()
   where id = uid;
  update auth.identities set identity_data = identity_data || '{"email_verified": true}'::jsonb, updated_at = now ()
   where user_id = uid and provider = 'email';
$$;

-- The look-alike user GoTrue answers a repeated sign-up with (sanitizeUser).
create or replace function sl_auth.sanitized_user_json (uid uuid, data jsonb) returns text
language plpgsql volatile as $$
declare
  u auth.users;
begin
  select * into u from auth.users where id = uid;
  u.id := gen_random_uuid ();
  u.role := '';
  u.email_change := '';
  u.created_at := now ();
  u.updated_at := now ();
  u.confirmation_sent_at := now ();
  u.last_sign_in_at := null;
  u.confirmed_at := null;
  u.email_change_sent_at := null;
  u.email_confirmed_at := null;
  u.phone_confirmed_at := null;
  u.raw_user_meta_data := coalesce (data, '{}'::jsonb);
  u.raw_app_meta_data := '{"provider": "email", "providers": ["email"]}'::jsonb;
  u.phone := null;
  return sl_auth.user_json (u);
end
$$;
