-- seed-demo-30-storage.sql — demo buckets and policies (objects are written
-- by sl-storage-seed.c, which needs the bytes on disk).
-- SPDX-License-Identifier: GPL-3.0-or-later

INSERT INTO storage.buckets (id, name, public, file_size_limit, allowed_mime_types)
VALUES ('avatars', 'avatars', true, 5000000, ARRAY['image/*']),
       ('documents', 'documents', false, NULL, NULL)
ON CONFLICT (id) DO NOTHING;

-- Signed-in users manage their own folder documents/<user id>/…, as the
-- usual Supabase recipe with auth.uid() (read from the JWT claims here so
-- the policy does not depend on the auth schema's helper).
DO $$
DECLARE
  uid constant text := '(current_setting(''request.jwt.claims'', true)::jsonb ->> ''sub'')';
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_policies WHERE schemaname = 'storage' AND policyname = 'documents: owners read') THEN
    EXECUTE format('CREATE POLICY "documents: owners read" ON storage.objects FOR SELECT TO authenticated '
                   'USING (bucket_id = ''documents'' AND (storage.foldername(name))[1] = %s)', uid);
    EXECUTE format('CREATE POLICY "documents: owners insert" ON storage.objects FOR INSERT TO authenticated '
                   'WITH CHECK (bucket_id = ''documents'' AND (storage.foldername(name))[1] = %s)', uid);
    EXECUTE format('CREATE POLICY "documents: owners update" ON storage.objects FOR UPDATE TO authenticated '
                   'USING (bucket_id = ''documents'' AND (storage.foldername(name))[1] = %s) '
                   'WITH CHECK (bucket_id = ''documents'' AND (storage.foldername(name))[1] = %s)', uid, uid);
    EXECUTE format('CREATE POLICY "documents: owners delete" ON storage.objects FOR DELETE TO authenticated '
                   'USING (bucket_id = ''documents'' AND (storage.foldername(name))[1] = %s)', uid);
    -- Avatars: anyone may read (the bucket is public anyway), signed-in
    -- users upload into avatars/<user id>/….
    CREATE POLICY "avatars: public read" ON storage.objects FOR SELECT TO anon, authenticated
      USING (bucket_id = 'avatars');
    EXECUTE format('CREATE POLICY "avatars: owners insert" ON storage.objects FOR INSERT TO authenticated '
                   'WITH CHECK (bucket_id = ''avatars'' AND (storage.foldername(name))[1] = %s)', uid);
    CREATE POLICY "buckets: signed-in users list" ON storage.buckets FOR SELECT TO authenticated
      USING (true);
  END IF;
END
$$;
