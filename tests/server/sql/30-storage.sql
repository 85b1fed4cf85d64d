-- 30-storage.sql — the storage schema of supabase-local (PROTOCOL.md §4).
-- SPDX-License-Identifier: GPL-3.0-or-later
--
-- Same tables, columns, helper functions, grants and row level security as
-- Supabase's storage migrations, written afresh. storage.buckets and
-- storage.objects have RLS enabled and no default policies: only
-- service_role (BYPASSRLS) and the superuser see everything; projects add
-- policies for anon/authenticated.

CREATE EXTENSION IF NOT EXISTS pgcrypto;

CREATE SCHEMA IF NOT EXISTS storage;

DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
                 WHERE n.nspname = 'storage' AND t.typname = 'buckettype') THEN
    CREATE TYPE storage.buckettype AS ENUM ('STANDARD', 'ANALYTICS');
  END IF;
END
$$;

CREATE TABLE IF NOT EXISTS storage.buckets (
  id                 text PRIMARY KEY,
  name               text NOT NULL,
  owner              uuid,
  owner_id           text,
  public             boolean NOT NULL DEFAULT false,
  avif_autodetection boolean DEFAULT false,
  file_size_limit    bigint,
  allowed_mime_types text[],
  type               storage.buckettype NOT NULL DEFAULT 'STANDARD',
  created_at         timestamptz DEFAULT now(),
  updated_at         timestamptz DEFAULT now()
);
CREATE UNIQUE INDEX IF NOT EXISTS bname ON storage.buckets (name);

CREATE TABLE IF NOT EXISTS storage.objects (
  id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  bucket_id        text REFERENCES storage.buckets (id),
  name             text,
  owner            uuid,
  owner_id         text,
  version          text,
  metadata         jsonb,
  user_metadata    jsonb,
  path_tokens      text[] GENERATED ALWAYS AS (string_to_array(name, '/')) STORED,
  created_at       timestamptz DEFAULT now(),
  updated_at       timestamptz DEFAULT now(),
  last_accessed_at timestamptz DEFAULT now()
);
CREATE UNIQUE INDEX IF NOT EXISTS bucketid_objname ON storage.objects (bucket_id, name);
CREATE INDEX IF NOT EXISTS name_prefix_search ON storage.objects (name text_pattern_ops);
CREATE INDEX IF NOT EXISTS idx_objects_bucket_id_lower_name
  ON storage.objects (bucket_id, lower(name) COLLATE "C");

ALTER TABLE storage.buckets ENABLE ROW LEVEL SECURITY;
ALTER TABLE storage.objects ENABLE ROW LEVEL SECURITY;

-- updated_at maintenance, as storage's update_updated_at_column trigger.
CREATE OR REPLACE FUNCTION storage.update_updated_at_column()
RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.updated_at = now();
  RETURN NEW;
END
$$;

DROP TRIGGER IF EXISTS update_objects_updated_at ON storage.objects;
CREATE TRIGGER update_objects_updated_at BEFORE UPDATE ON storage.objects
  FOR EACH ROW EXECUTE FUNCTION storage.update_updated_at_column();

-- Path helpers used in policies: storage.foldername('a/b/c.png') = {a,b},
-- filename = 'c.png', extension = 'png'.
CREATE OR REPLACE FUNCTION storage.foldername(name text)
RETURNS text[] LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE
  parts text[];
BEGIN
  parts := string_to_array(name, '/');
  RETURN parts[1:array_length(parts, 1) - 1];
END
$$;

CREATE OR REPLACE FUNCTION storage.filename(name text)
RETURNS text LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE
  parts text[];
BEGIN
  parts := string_to_array(name, '/');
  RETURN parts[array_length(parts, 1)];
END
$$;

CREATE OR REPLACE FUNCTION storage.extension(name text)
RETURNS text LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE
  fname text;
  parts text[];
BEGIN
  fname := storage.filename(name);
  IF fname IS NULL OR position('.' IN fname) = 0 THEN
    RETURN '';
  END IF;
  parts := string_to_array(fname, '.');
  RETURN parts[array_length(parts, 1)];
END
$$;

-- Size helper of the original migrations.
CREATE OR REPLACE FUNCTION storage.get_size_by_bucket()
RETURNS TABLE (size bigint, bucket_id text) LANGUAGE plpgsql STABLE AS $$
BEGIN
  RETURN QUERY
    SELECT sum((o.metadata->>'size')::bigint)::bigint AS size, o.bucket_id
    FROM storage.objects o GROUP BY o.bucket_id;
END
$$;

-- JavaScript's Date#toJSON form, which storage's responses carry.
CREATE OR REPLACE FUNCTION storage.sl_iso(ts timestamptz)
RETURNS text LANGUAGE sql IMMUTABLE AS $$
  SELECT to_char(ts AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')
$$;

-- Listing one folder level (POST /object/list). Entries are the first
-- path segment below prefix of every object whose name starts with
-- prefix || search (case-insensitively); a segment that has more below it
-- is a folder row whose other columns are NULL. Name sorting interleaves
-- folders and files by lower(name) in byte order; the other sort columns
-- put folders first. SECURITY INVOKER: the caller's RLS applies.
CREATE OR REPLACE FUNCTION storage.search(
  prefix     text,
  bucketname text,
  limits     int  DEFAULT 100,
  levels     int  DEFAULT 1,
  offsets    int  DEFAULT 0,
  search     text DEFAULT '',
  sortcolumn text DEFAULT 'name',
  sortorder  text DEFAULT 'asc'
)
RETURNS TABLE (
  name             text,
  id               uuid,
  updated_at       timestamptz,
  created_at       timestamptz,
  last_accessed_at timestamptz,
  metadata         jsonb
)
LANGUAGE plpgsql STABLE SECURITY INVOKER AS $func$
DECLARE
  v_prefix  text := coalesce(prefix, '');
  v_full    text := lower(coalesce(prefix, '') || coalesce(search, ''));
  v_limit   int  := LEAST(GREATEST(coalesce(limits, 100), 0), 1500);
  v_offset  int  := GREATEST(coalesce(offsets, 0), 0);
  v_column  text;
  v_order   text;
BEGIN
  v_order := CASE WHEN lower(coalesce(sortorder, 'asc')) = 'desc' THEN 'DESC' ELSE 'ASC' END;
  v_column := CASE lower(coalesce(sortcolumn, 'name'))
                WHEN 'updated_at' THEN 'updated_at'
                WHEN 'created_at' THEN 'created_at'
                WHEN 'last_accessed_at' THEN 'last_accessed_at'
                ELSE 'name' END;

  RETURN QUERY EXECUTE format($q$
    WITH matched AS (
      SELECT o.id, o.updated_at, o.created_at, o.last_accessed_at, o.metadata,
             substr(o.name, length($1) + 1) AS rest
      FROM storage.objects o
      WHERE o.bucket_id = $2
        AND starts_with(lower(o.name) COLLATE "C", $3)
    ),
    entries AS (
      SELECT DISTINCT split_part(m.rest, '/', 1) AS name,
             NULL::uuid AS id, NULL::timestamptz AS updated_at,
             NULL::timestamptz AS created_at, NULL::timestamptz AS last_accessed_at,
             NULL::jsonb AS metadata, true AS is_folder
      FROM matched m WHERE position('/' IN m.rest) > 0
      UNION ALL
      SELECT m.rest, m.id, m.updated_at, m.created_at, m.last_accessed_at, m.metadata, false
      FROM matched m WHERE position('/' IN m.rest) = 0
    )
    SELECT e.name, e.id, e.updated_at, e.created_at, e.last_accessed_at, e.metadata
    FROM entries e
    ORDER BY %s
    LIMIT $4 OFFSET $5
  $q$,
    CASE WHEN v_column = 'name'
      THEN format('lower(e.name) COLLATE "C" %1$s, e.name COLLATE "C" %1$s', v_order)
      ELSE format('e.is_folder DESC, e.%1$I %2$s NULLS LAST, e.name COLLATE "C" %2$s', v_column, v_order)
    END)
  USING v_prefix, bucketname, v_full, v_limit, v_offset;
END
$func$;

-- Grants as on Supabase: the API roles may use the schema and its tables,
-- RLS decides which rows.
GRANT USAGE ON SCHEMA storage TO anon, authenticated, service_role;
GRANT ALL ON ALL TABLES IN SCHEMA storage TO anon, authenticated, service_role;
GRANT ALL ON ALL FUNCTIONS IN SCHEMA storage TO anon, authenticated, service_role;
GRANT ALL ON ALL SEQUENCES IN SCHEMA storage TO anon, authenticated, service_role;
