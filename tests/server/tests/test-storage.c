/* test-storage.c — supabase-local's Storage API over raw HTTP (PROTOCOL.md §4).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include <string.h>
#include <glib/gstdio.h>

#include "supa-test-server.h"

static SupaTestServer *server;

#define MIB (1024 * 1024)

/* ------------------------------------------------------------ Helpers */

static char *
b64url (const guchar *data,
        gsize         len)
{
  g_autofree char *b64 = g_base64_encode (data, len);
  GString *out = g_string_new (NULL);

  for (const char *p = b64; *p; p++)
    {
      if (*p == '+')
        g_string_append_c (out, '-');
      else if (*p == '/')
        g_string_append_c (out, '_');
      else if (*p != '=')
        g_string_append_c (out, *p);
    }
  return g_string_free (out, FALSE);
}

/* An HS256 JWT signed with the server's secret (made at run time). */
static char *
make_jwt (const char *payload_json)
{
  static const char header[] = "{\"alg\":\"HS256\",\"typ\":\"JWT\"}";
  g_autofree char *h = b64url ((const guchar *) header, strlen (header));
  g_autofree char *p = b64url ((const guchar *) payload_json, strlen (payload_json));
  g_autofree char *input = g_strdup_printf ("%s.%s", h, p);
  g_autoptr(GHmac) hmac = g_hmac_new (G_CHECKSUM_SHA256, (const guchar *) server->jwt_secret,
                                      strlen (server->jwt_secret));
  guint8 digest[32];
  gsize digest_len = sizeof digest;
  g_autofree char *sig = NULL;

  g_hmac_update (hmac, (const guchar *) input, strlen (input));
  g_hmac_get_digest (hmac, digest, &digest_len);
  sig = b64url (digest, digest_len);
  return g_strdup_printf ("%s.%s", input, sig);
}

static char *
user_jwt (const char *sub)
{
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;
  g_autofree char *payload = g_strdup_printf ("{\"sub\":\"%s\",\"role\":\"authenticated\","
                                              "\"aud\":\"authenticated\",\"iat\":%" G_GINT64_FORMAT
                                              ",\"exp\":%" G_GINT64_FORMAT "}",
                                              sub, now, now + 3600);
  return make_jwt (payload);
}

/* A request as @key (apikey + bearer); NULL key = no credentials. Extra
 * headers: NULL-terminated name/value pairs. */
static SupaTestResponse *
request_full (const char         *method,
              const char         *path,
              const char         *key,
              const char         *bearer,
              const char         *content_type,
              const char         *body,
              gssize              len,
              const char * const *extra)
{
  g_autoptr(GPtrArray) headers = g_ptr_array_new_with_free_func (g_free);

  if (key != NULL)
    {
      g_ptr_array_add (headers, g_strdup ("apikey"));
      g_ptr_array_add (headers, g_strdup (key));
    }
  if (bearer != NULL)
    {
      g_ptr_array_add (headers, g_strdup ("Authorization"));
      g_ptr_array_add (headers, g_strdup_printf ("Bearer %s", bearer));
    }
  for (guint i = 0; extra != NULL && extra[i] != NULL && extra[i + 1] != NULL; i += 2)
    {
      g_ptr_array_add (headers, g_strdup (extra[i]));
      g_ptr_array_add (headers, g_strdup (extra[i + 1]));
    }
  g_ptr_array_add (headers, NULL);
  return supa_test_request (server, method, path, (const char * const *) headers->pdata,
                            content_type, body, len);
}

static SupaTestResponse *
service (const char *method,
         const char *path,
         const char *content_type,
         const char *body)
{
  return request_full (method, path, server->service_role_key, server->service_role_key,
                       content_type, body, -1, NULL);
}

static SupaTestResponse *
service_json (const char *method,
              const char *path,
              const char *json)
{
  return service (method, path, "application/json", json);
}

static void
assert_storage_error (SupaTestResponse *resp,
                      guint             http_status,
                      const char       *status_code,
                      const char       *code,
                      const char       *message)
{
  JsonObject *obj;

  if (resp->status != http_status || resp->json == NULL)
    g_test_message ("unexpected response %u: %s", resp->status, supa_test_response_text (resp));
  g_assert_cmpuint (resp->status, ==, http_status);
  g_assert_nonnull (resp->json);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (resp->json));
  obj = json_node_get_object (resp->json);
  g_assert_cmpstr (json_object_get_string_member (obj, "statusCode"), ==, status_code);
  g_assert_cmpstr (json_object_get_string_member (obj, "code"), ==, code);
  g_assert_true (json_object_has_member (obj, "error"));
  if (message != NULL)
    g_assert_cmpstr (json_object_get_string_member (obj, "message"), ==, message);
}

static void
assert_ok (SupaTestResponse *resp)
{
  if (resp->status != 200)
    g_test_message ("unexpected response %u: %s", resp->status, supa_test_response_text (resp));
  g_assert_cmpuint (resp->status, ==, 200);
}

static void
create_bucket (const char *json)
{
  g_autoptr(SupaTestResponse) resp = service_json ("POST", "/storage/v1/bucket", json);

  assert_ok (resp);
}

static SupaTestResponse *
upload (const char *bucket,
        const char *path,
        const char *content_type,
        const char *data,
        gssize      len)
{
  g_autofree char *url = g_strdup_printf ("/storage/v1/object/%s/%s", bucket, path);

  return request_full ("POST", url, server->service_role_key, server->service_role_key,
                       content_type, data, len, NULL);
}

static GBytes *
download (const char *bucket,
          const char *path)
{
  g_autofree char *url = g_strdup_printf ("/storage/v1/object/%s/%s", bucket, path);
  g_autoptr(SupaTestResponse) resp = service ("GET", url, NULL, NULL);

  assert_ok (resp);
  return g_bytes_ref (resp->body);
}

static guint
json_array_length_of (SupaTestResponse *resp)
{
  g_assert_nonnull (resp->json);
  g_assert_true (JSON_NODE_HOLDS_ARRAY (resp->json));
  return json_array_get_length (json_node_get_array (resp->json));
}

static const char *
list_name (SupaTestResponse *resp,
           guint             i)
{
  JsonObject *o = json_array_get_object_element (json_node_get_array (resp->json), i);

  return json_object_get_string_member (o, "name");
}

static char *
storage_count (const char *where)
{
  g_autofree char *sql = g_strdup_printf ("SELECT count(*) FROM storage.objects WHERE %s", where);

  return supa_test_server_sql (server, sql);
}

/* Deterministic pseudo-random bytes. */
static GBytes *
make_data (gsize   len,
           guint32 seed)
{
  guint8 *data = g_malloc (len);
  guint32 x = seed | 1;

  for (gsize i = 0; i < len; i++)
    {
      x ^= x << 13;
      x ^= x >> 17;
      x ^= x << 5;
      data[i] = x & 0xff;
    }
  return g_bytes_new_take (data, len);
}

/* ------------------------------------------------------------ Buckets */

static void
test_buckets (void)
{
  g_autoptr(SupaTestResponse) list = NULL;
  g_autoptr(SupaTestResponse) get = NULL;
  g_autoptr(SupaTestResponse) dup = NULL;
  g_autoptr(SupaTestResponse) bad = NULL;
  g_autoptr(SupaTestResponse) upd = NULL;
  g_autoptr(SupaTestResponse) missing = NULL;
  g_autoptr(SupaTestResponse) nonempty = NULL;
  g_autoptr(SupaTestResponse) anon_empty = NULL;
  g_autoptr(SupaTestResponse) empty = NULL;
  g_autoptr(SupaTestResponse) del = NULL;
  g_autoptr(SupaTestResponse) up = NULL;
  g_autoptr(SupaTestResponse) noname = NULL;
  JsonObject *b;

  create_bucket ("{\"id\":\"b-photos\",\"name\":\"b-photos\",\"public\":true,"
                 "\"file_size_limit\":\"1.5MB\",\"allowed_mime_types\":[\"image/png\",\"image/*\"]}");
  create_bucket ("{\"name\":\"b-archive\",\"file_size_limit\":1024}");

  get = service ("GET", "/storage/v1/bucket/b-photos", NULL, NULL);
  assert_ok (get);
  b = json_node_get_object (get->json);
  g_assert_cmpstr (json_object_get_string_member (b, "id"), ==, "b-photos");
  g_assert_true (json_object_get_boolean_member (b, "public"));
  g_assert_cmpint (json_object_get_int_member (b, "file_size_limit"), ==, 1500000);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (b, "allowed_mime_types")), ==, 2);
  g_assert_cmpstr (json_object_get_string_member (b, "type"), ==, "STANDARD");
  g_assert_cmpstr (json_object_get_string_member (b, "owner"), ==, "");

  list = service ("GET", "/storage/v1/bucket?search=b-&sortColumn=name&sortOrder=desc&limit=1&offset=1",
                  NULL, NULL);
  assert_ok (list);
  g_assert_cmpuint (json_array_length_of (list), ==, 1);
  g_assert_cmpstr (list_name (list, 0), ==, "b-archive");

  dup = service_json ("POST", "/storage/v1/bucket", "{\"name\":\"b-photos\"}");
  assert_storage_error (dup, 400, "409", "BucketAlreadyExists", "The resource already exists");
  bad = service_json ("POST", "/storage/v1/bucket", "{\"name\":\"bad/name\"}");
  assert_storage_error (bad, 400, "400", "InvalidBucketName", "Bucket name invalid");
  noname = service_json ("POST", "/storage/v1/bucket", "{\"public\":true}");
  assert_storage_error (noname, 400, "400", "InvalidRequest", "body must have required property 'name'");

  upd = service_json ("PUT", "/storage/v1/bucket/b-archive",
                      "{\"public\":true,\"file_size_limit\":\"2KB\",\"allowed_mime_types\":[\"text/*\"]}");
  assert_ok (upd);
  g_assert_cmpstr (json_object_get_string_member (json_node_get_object (upd->json), "message"), ==,
                   "Successfully updated");
  {
    g_autofree char *limit = supa_test_server_sql (server,
      "SELECT file_size_limit::text || public::text || array_to_string(allowed_mime_types, ',') "
      "FROM storage.buckets WHERE id = 'b-archive'");
    g_assert_cmpstr (limit, ==, "2000truetext/*");
  }

  missing = service ("GET", "/storage/v1/bucket/no-such-bucket", NULL, NULL);
  assert_storage_error (missing, 400, "404", "NoSuchBucket", "Bucket not found");

  up = upload ("b-archive", "note.txt", "text/plain", "hello", -1);
  assert_ok (up);
  nonempty = service_json ("DELETE", "/storage/v1/bucket/b-archive", "{}");
  assert_storage_error (nonempty, 400, "409", "ResourceNotEmpty",
                        "The bucket you tried to delete is not empty");

  anon_empty = request_full ("POST", "/storage/v1/bucket/b-archive/empty", server->anon_key,
                             server->anon_key, "application/json", "{}", -1, NULL);
  assert_storage_error (anon_empty, 403, "403", "AccessDenied", "Access denied: Invalid role");

  empty = service_json ("POST", "/storage/v1/bucket/b-archive/empty", "{}");
  assert_ok (empty);
  {
    g_autofree char *n = storage_count ("bucket_id = 'b-archive'");
    g_assert_cmpstr (n, ==, "0");
  }
  del = service_json ("DELETE", "/storage/v1/bucket/b-archive", "{}");
  assert_ok (del);
  g_assert_cmpstr (json_object_get_string_member (json_node_get_object (del->json), "message"), ==,
                   "Successfully deleted");
}

/* ------------------------------------------------- Upload / download */

static void
test_upload_download (void)
{
  static const char text[] = "The quick brown fox jumps over the lazy dog";
  g_autofree char *md5 = g_compute_checksum_for_string (G_CHECKSUM_MD5, text, -1);
  g_autofree char *etag = g_strdup_printf ("\"%s\"", md5);
  g_autofree char *meta = g_base64_encode ((const guchar *) "{\"owner\":\"qa\"}", 14);
  const char *extra[] = { "cache-control", "max-age=60", "x-metadata", meta, NULL };
  g_autoptr(SupaTestResponse) up = NULL;
  g_autoptr(SupaTestResponse) dup = NULL;
  g_autoptr(SupaTestResponse) ups = NULL;
  g_autoptr(SupaTestResponse) put = NULL;
  g_autoptr(SupaTestResponse) get = NULL;
  g_autoptr(SupaTestResponse) info = NULL;
  g_autoptr(SupaTestResponse) head = NULL;
  g_autoptr(SupaTestResponse) head_missing = NULL;
  g_autoptr(SupaTestResponse) missing = NULL;
  g_autoptr(SupaTestResponse) dl = NULL;
  g_autoptr(SupaTestResponse) nobucket = NULL;
  g_autoptr(SupaTestResponse) mp = NULL;
  g_autoptr(GBytes) got = NULL;
  JsonObject *o;

  create_bucket ("{\"name\":\"u-files\"}");

  up = request_full ("POST", "/storage/v1/object/u-files/docs/fox.txt", server->service_role_key,
                     server->service_role_key, "text/plain", text, -1, extra);
  assert_ok (up);
  o = json_node_get_object (up->json);
  g_assert_true (g_uuid_string_is_valid (json_object_get_string_member (o, "Id")));
  g_assert_cmpstr (json_object_get_string_member (o, "Key"), ==, "u-files/docs/fox.txt");

  dup = upload ("u-files", "docs/fox.txt", "text/plain", "other", -1);
  assert_storage_error (dup, 400, "409", "KeyAlreadyExists", "The resource already exists");

  nobucket = upload ("u-nowhere", "a.txt", "text/plain", "x", -1);
  assert_storage_error (nobucket, 400, "404", "NoSuchBucket", "Bucket not found");

  get = service ("GET", "/storage/v1/object/u-files/docs/fox.txt", NULL, NULL);
  assert_ok (get);
  g_assert_cmpstr (supa_test_response_text (get), ==, text);
  g_assert_cmpstr (supa_test_response_header (get, "Content-Type"), ==, "text/plain");
  g_assert_cmpstr (supa_test_response_header (get, "ETag"), ==, etag);
  g_assert_cmpstr (supa_test_response_header (get, "Cache-Control"), ==, "max-age=60");
  g_assert_cmpstr (supa_test_response_header (get, "Accept-Ranges"), ==, "bytes");
  g_assert_nonnull (supa_test_response_header (get, "Last-Modified"));
  g_assert_cmpstr (supa_test_response_header (get, "Content-Length"), ==, "43");

  info = service ("GET", "/storage/v1/object/info/u-files/docs/fox.txt", NULL, NULL);
  assert_ok (info);
  o = json_node_get_object (info->json);
  g_assert_cmpstr (json_object_get_string_member (o, "name"), ==, "docs/fox.txt");
  g_assert_cmpstr (json_object_get_string_member (o, "bucket_id"), ==, "u-files");
  g_assert_cmpint (json_object_get_int_member (o, "size"), ==, 43);
  g_assert_cmpstr (json_object_get_string_member (o, "content_type"), ==, "text/plain");
  g_assert_cmpstr (json_object_get_string_member (o, "etag"), ==, etag);
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (o, "metadata"), "owner"),
                   ==, "qa");

  head = service ("HEAD", "/storage/v1/object/u-files/docs/fox.txt", NULL, NULL);
  g_assert_cmpuint (head->status, ==, 200);
  head_missing = service ("HEAD", "/storage/v1/object/u-files/docs/nope.txt", NULL, NULL);
  g_assert_cmpuint (head_missing->status, ==, 400);

  missing = service ("GET", "/storage/v1/object/u-files/docs/nope.txt", NULL, NULL);
  assert_storage_error (missing, 400, "404", "NoSuchKey", "Object not found");

  dl = service ("GET", "/storage/v1/object/u-files/docs/fox.txt?download=my%20fox.txt", NULL, NULL);
  assert_ok (dl);
  g_assert_cmpstr (supa_test_response_header (dl, "Content-Disposition"), ==,
                   "attachment; filename=my%20fox.txt; filename*=UTF-8''my%20fox.txt");

  ups = request_full ("POST", "/storage/v1/object/u-files/docs/fox.txt", server->service_role_key,
                      server->service_role_key, "text/plain", "upserted", -1,
                      (const char *[]) { "x-upsert", "true", NULL });
  assert_ok (ups);
  got = download ("u-files", "docs/fox.txt");
  g_assert_cmpmem (g_bytes_get_data (got, NULL), g_bytes_get_size (got), "upserted", 8);
  g_clear_pointer (&got, g_bytes_unref);

  put = service ("PUT", "/storage/v1/object/u-files/docs/fox.txt", "application/json", "{\"v\":2}");
  assert_ok (put);
  g_assert_cmpstr (json_object_get_string_member (json_node_get_object (put->json), "Key"), ==,
                   "u-files/docs/fox.txt");
  got = download ("u-files", "docs/fox.txt");
  g_assert_cmpmem (g_bytes_get_data (got, NULL), g_bytes_get_size (got), "{\"v\":2}", 7);
  g_clear_pointer (&got, g_bytes_unref);
  {
    /* The replaced versions' files are gone: one file per object. */
    g_autofree char *dir = g_build_filename (server->workdir, "storage", "u-files", NULL);
    g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
    guint n = 0;
    while (d != NULL && g_dir_read_name (d) != NULL)
      n++;
    g_assert_cmpuint (n, ==, 1);
  }

  /* multipart/form-data, as storage-js sends Blobs */
  {
    static const char body[] =
      "--XyZ\r\nContent-Disposition: form-data; name=\"cacheControl\"\r\n\r\n120\r\n"
      "--XyZ\r\nContent-Disposition: form-data; name=\"metadata\"\r\n\r\n{\"k\":\"v\"}\r\n"
      "--XyZ\r\nContent-Disposition: form-data; name=\"\"; filename=\"blob\"\r\n"
      "Content-Type: text/csv\r\n\r\na,b\r\n1,2\r\n--XyZ--\r\n";
    g_autoptr(SupaTestResponse) mpget = NULL;

    mp = service ("POST", "/storage/v1/object/u-files/table.csv",
                  "multipart/form-data; boundary=XyZ", body);
    assert_ok (mp);
    mpget = service ("GET", "/storage/v1/object/u-files/table.csv", NULL, NULL);
    assert_ok (mpget);
    g_assert_cmpstr (supa_test_response_text (mpget), ==, "a,b\r\n1,2");
    g_assert_cmpstr (supa_test_response_header (mpget, "Content-Type"), ==, "text/csv");
    g_assert_cmpstr (supa_test_response_header (mpget, "Cache-Control"), ==, "max-age=120");
  }
}

static void
test_range (void)
{
  g_autoptr(SupaTestResponse) up = NULL;
  g_autoptr(SupaTestResponse) r1 = NULL;
  g_autoptr(SupaTestResponse) r2 = NULL;
  g_autoptr(SupaTestResponse) r3 = NULL;
  g_autoptr(SupaTestResponse) bad = NULL;
  g_autoptr(SupaTestResponse) bad2 = NULL;

  create_bucket ("{\"name\":\"r-files\"}");
  up = upload ("r-files", "digits.txt", "text/plain", "0123456789", -1);
  assert_ok (up);

  r1 = request_full ("GET", "/storage/v1/object/r-files/digits.txt", server->service_role_key,
                     server->service_role_key, NULL, NULL, 0,
                     (const char *[]) { "Range", "bytes=2-5", NULL });
  g_assert_cmpuint (r1->status, ==, 206);
  g_assert_cmpstr (supa_test_response_text (r1), ==, "2345");
  g_assert_cmpstr (supa_test_response_header (r1, "Content-Range"), ==, "bytes 2-5/10");

  r2 = request_full ("GET", "/storage/v1/object/r-files/digits.txt", server->service_role_key,
                     server->service_role_key, NULL, NULL, 0,
                     (const char *[]) { "Range", "bytes=-3", NULL });
  g_assert_cmpuint (r2->status, ==, 206);
  g_assert_cmpstr (supa_test_response_text (r2), ==, "789");

  r3 = request_full ("GET", "/storage/v1/object/r-files/digits.txt", server->service_role_key,
                     server->service_role_key, NULL, NULL, 0,
                     (const char *[]) { "Range", "bytes=7-", NULL });
  g_assert_cmpuint (r3->status, ==, 206);
  g_assert_cmpstr (supa_test_response_text (r3), ==, "789");
  g_assert_cmpstr (supa_test_response_header (r3, "Content-Range"), ==, "bytes 7-9/10");

  bad = request_full ("GET", "/storage/v1/object/r-files/digits.txt", server->service_role_key,
                      server->service_role_key, NULL, NULL, 0,
                      (const char *[]) { "Range", "bytes=20-30", NULL });
  assert_storage_error (bad, 416, "416", "InvalidRange", "invalid range provided");
  bad2 = request_full ("GET", "/storage/v1/object/r-files/digits.txt", server->service_role_key,
                       server->service_role_key, NULL, NULL, 0,
                       (const char *[]) { "Range", "bytes=5-2", NULL });
  g_assert_cmpuint (bad2->status, ==, 416);
}

static void
test_keys (void)
{
  g_autoptr(SupaTestResponse) up = NULL;
  g_autoptr(SupaTestResponse) uni = NULL;
  g_autoptr(SupaTestResponse) pct = NULL;
  g_autoptr(SupaTestResponse) info = NULL;
  g_autoptr(SupaTestResponse) get = NULL;

  create_bucket ("{\"name\":\"k-files\"}");

  /* Percent-encoded segments arrive decoded. */
  up = upload ("k-files", "my%20folder/report%20(final)%2C%20v2.txt", "text/plain", "v2", -1);
  assert_ok (up);
  g_assert_cmpstr (json_object_get_string_member (json_node_get_object (up->json), "Key"), ==,
                   "k-files/my folder/report (final), v2.txt");
  info = service ("GET", "/storage/v1/object/info/k-files/my%20folder/report%20(final)%2C%20v2.txt",
                  NULL, NULL);
  assert_ok (info);
  g_assert_cmpstr (json_object_get_string_member (json_node_get_object (info->json), "name"), ==,
                   "my folder/report (final), v2.txt");
  get = service ("GET", "/storage/v1/object/k-files/my%20folder/report%20(final)%2C%20v2.txt", NULL, NULL);
  assert_ok (get);
  g_assert_cmpstr (supa_test_response_text (get), ==, "v2");

  /* Storage only accepts S3-safe characters: raw Unicode and '%' are
   * refused with InvalidKey, as on Supabase. */
  uni = upload ("k-files", "%E6%97%A5%E6%9C%AC/caf%C3%A9.txt", "text/plain", "x", -1);
  assert_storage_error (uni, 400, "400", "InvalidKey", "Invalid key: 日本/café.txt");
  pct = upload ("k-files", "100%25.txt", "text/plain", "x", -1);
  assert_storage_error (pct, 400, "400", "InvalidKey", "Invalid key: 100%.txt");
}

static void
test_limits (void)
{
  g_autoptr(SupaTestResponse) mime = NULL;
  g_autoptr(SupaTestResponse) big = NULL;
  g_autoptr(SupaTestResponse) ok = NULL;
  g_autoptr(GBytes) data = make_data (5 * 1000 * 1000 + 1, 7);
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;
  g_autofree char *dir = g_build_filename (server->workdir, "storage", "avatars", NULL);
  guint files_before = 0;
  guint files_after = 0;
  g_autoptr(GDir) d1 = NULL;
  g_autoptr(GDir) d2 = NULL;

  /* The demo bucket: public, images only, 5 MB. */
  mime = upload ("avatars", "x/readme.txt", "text/plain", "not an image", -1);
  assert_storage_error (mime, 400, "415", "InvalidMimeType", "mime type text/plain is not supported");

  ok = upload ("avatars", "x/ok.png", "image/png", "\x89PNG", 4);
  assert_ok (ok);

  d1 = g_dir_open (dir, 0, NULL);
  while (d1 != NULL && g_dir_read_name (d1) != NULL)
    files_before++;
  before = storage_count ("bucket_id = 'avatars'");

  big = upload ("avatars", "x/huge.png", "image/png", g_bytes_get_data (data, NULL),
                g_bytes_get_size (data));
  assert_storage_error (big, 400, "413", "EntityTooLarge", "The object exceeded the maximum allowed size");

  after = storage_count ("bucket_id = 'avatars'");
  g_assert_cmpstr (before, ==, after);
  d2 = g_dir_open (dir, 0, NULL);
  while (d2 != NULL && g_dir_read_name (d2) != NULL)
    files_after++;
  g_assert_cmpuint (files_before, ==, files_after);
}

/* ---------------------------------------------------------- Security */

static void
test_rls (void)
{
  g_autofree char *uid = g_uuid_string_random ();
  g_autofree char *other = g_uuid_string_random ();
  g_autofree char *jwt = user_jwt (uid);
  g_autofree char *own_path = g_strdup_printf ("/storage/v1/object/documents/%s/plan.txt", uid);
  g_autofree char *other_path = g_strdup_printf ("/storage/v1/object/documents/%s/plan.txt", other);
  g_autoptr(SupaTestResponse) anon_get = NULL;
  g_autoptr(SupaTestResponse) anon_up = NULL;
  g_autoptr(SupaTestResponse) anon_list = NULL;
  g_autoptr(SupaTestResponse) anon_public = NULL;
  g_autoptr(SupaTestResponse) public_ok = NULL;
  g_autoptr(SupaTestResponse) own_up = NULL;
  g_autoptr(SupaTestResponse) own_get = NULL;
  g_autoptr(SupaTestResponse) other_up = NULL;
  g_autoptr(SupaTestResponse) svc_list = NULL;
  g_autoptr(SupaTestResponse) bad_jwt = NULL;

  /* Private bucket, no policy for anon: invisible and read-only. */
  anon_get = request_full ("GET", "/storage/v1/object/documents/README.md", server->anon_key,
                           server->anon_key, NULL, NULL, 0, NULL);
  assert_storage_error (anon_get, 400, "404", "NoSuchKey", "Object not found");
  anon_up = request_full ("POST", "/storage/v1/object/documents/anon.txt", server->anon_key,
                          server->anon_key, "text/plain", "x", -1, NULL);
  assert_storage_error (anon_up, 400, "403", "AccessDenied", "new row violates row-level security policy");
  anon_list = request_full ("POST", "/storage/v1/object/list/documents", server->anon_key,
                            server->anon_key, "application/json", "{\"prefix\":\"\"}", -1, NULL);
  assert_ok (anon_list);
  g_assert_cmpuint (json_array_length_of (anon_list), ==, 0);
  svc_list = service_json ("POST", "/storage/v1/object/list/documents", "{\"prefix\":\"\"}");
  assert_ok (svc_list);
  g_assert_cmpuint (json_array_length_of (svc_list), >, 0);

  /* Public URLs only for public buckets. */
  anon_public = supa_test_request (server, "GET", "/storage/v1/object/public/documents/README.md",
                                   NULL, NULL, NULL, 0);
  assert_storage_error (anon_public, 400, "404", "NoSuchBucket", "Bucket not found");
  public_ok = supa_test_request (server, "GET", "/storage/v1/object/public/avatars/alice.png",
                                 NULL, NULL, NULL, 0);
  assert_ok (public_ok);
  g_assert_cmpstr (supa_test_response_header (public_ok, "Content-Type"), ==, "image/png");
  g_assert_cmpmem (g_bytes_get_data (public_ok->body, NULL), 4, "\x89PNG", 4);

  /* The demo policies: documents/<uid>/… belongs to that user. */
  own_up = request_full ("POST", own_path, server->anon_key, jwt, "text/plain", "mine", -1, NULL);
  assert_ok (own_up);
  own_get = request_full ("GET", own_path, server->anon_key, jwt, NULL, NULL, 0, NULL);
  assert_ok (own_get);
  g_assert_cmpstr (supa_test_response_text (own_get), ==, "mine");
  {
    g_autofree char *sql = g_strdup_printf ("SELECT owner::text || '|' || owner_id FROM storage.objects "
                                            "WHERE bucket_id = 'documents' AND name = '%s/plan.txt'", uid);
    g_autofree char *owner = supa_test_server_sql (server, sql);
    g_autofree char *expected = g_strdup_printf ("%s|%s", uid, uid);
    g_assert_cmpstr (owner, ==, expected);
  }
  other_up = request_full ("POST", other_path, server->anon_key, jwt, "text/plain", "theirs", -1, NULL);
  assert_storage_error (other_up, 400, "403", "AccessDenied", "new row violates row-level security policy");

  /* A bad JWT on the plain download route counts as anon: RLS hides it. */
  {
    g_autoptr(SupaTestResponse) bad_dl = request_full ("GET", "/storage/v1/object/documents/README.md",
                                                       server->anon_key, "not.a.jwt", NULL, NULL, 0, NULL);
    assert_storage_error (bad_dl, 400, "404", "NoSuchKey", NULL);
  }

  /* A bad JWT on an authenticated route. */
  bad_jwt = request_full ("POST", "/storage/v1/object/list/documents", server->anon_key,
                          "not.a.jwt", "application/json", "{\"prefix\":\"\"}", -1, NULL);
  g_assert_cmpuint (bad_jwt->status, ==, 400);
  g_assert_cmpstr (json_object_get_string_member (json_node_get_object (bad_jwt->json), "code"), ==,
                   "AccessDenied");
  g_assert_cmpstr (json_object_get_string_member (json_node_get_object (bad_jwt->json), "statusCode"), ==,
                   "403");
}

/* ----------------------------------------------------------- Listing */

static void
test_list (void)
{
  static const char *names[] = {
    "Alpha.txt", "beta.txt", "docs/a.md", "docs/b.md", "docs/deep/c.md", "images/cat.png",
    "images/Cow.png", "zeta.txt",
  };
  g_autoptr(SupaTestResponse) root = NULL;
  g_autoptr(SupaTestResponse) docs = NULL;
  g_autoptr(SupaTestResponse) search = NULL;
  g_autoptr(SupaTestResponse) desc = NULL;
  g_autoptr(SupaTestResponse) page = NULL;
  g_autoptr(SupaTestResponse) noprefix = NULL;
  JsonObject *o;

  create_bucket ("{\"name\":\"l-files\"}");
  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autoptr(SupaTestResponse) up = upload ("l-files", names[i], "text/plain", names[i], -1);
      assert_ok (up);
    }

  root = service_json ("POST", "/storage/v1/object/list/l-files",
                       "{\"prefix\":\"\",\"limit\":100,\"offset\":0,\"sortBy\":{\"column\":\"name\",\"order\":\"asc\"}}");
  assert_ok (root);
  g_assert_cmpuint (json_array_length_of (root), ==, 5);
  g_assert_cmpstr (list_name (root, 0), ==, "Alpha.txt");
  g_assert_cmpstr (list_name (root, 1), ==, "beta.txt");
  g_assert_cmpstr (list_name (root, 2), ==, "docs");
  g_assert_cmpstr (list_name (root, 3), ==, "images");
  g_assert_cmpstr (list_name (root, 4), ==, "zeta.txt");
  o = json_array_get_object_element (json_node_get_array (root->json), 2);
  g_assert_true (json_object_get_null_member (o, "id"));
  g_assert_true (json_object_get_null_member (o, "metadata"));
  g_assert_true (json_object_get_null_member (o, "updated_at"));
  o = json_array_get_object_element (json_node_get_array (root->json), 0);
  g_assert_cmpint (json_object_get_int_member (json_object_get_object_member (o, "metadata"), "size"), ==, 9);
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (o, "metadata"), "mimetype"),
                   ==, "text/plain");

  docs = service_json ("POST", "/storage/v1/object/list/l-files", "{\"prefix\":\"docs\"}");
  assert_ok (docs);
  g_assert_cmpuint (json_array_length_of (docs), ==, 3);
  g_assert_cmpstr (list_name (docs, 0), ==, "a.md");
  g_assert_cmpstr (list_name (docs, 2), ==, "deep");

  search = service_json ("POST", "/storage/v1/object/list/l-files",
                         "{\"prefix\":\"images/\",\"search\":\"c\"}");
  assert_ok (search);
  g_assert_cmpuint (json_array_length_of (search), ==, 2);
  g_assert_cmpstr (list_name (search, 0), ==, "cat.png");
  g_assert_cmpstr (list_name (search, 1), ==, "Cow.png");

  desc = service_json ("POST", "/storage/v1/object/list/l-files",
                       "{\"prefix\":\"\",\"sortBy\":{\"column\":\"name\",\"order\":\"desc\"}}");
  assert_ok (desc);
  g_assert_cmpstr (list_name (desc, 0), ==, "zeta.txt");

  page = service_json ("POST", "/storage/v1/object/list/l-files",
                       "{\"prefix\":\"\",\"limit\":2,\"offset\":2}");
  assert_ok (page);
  g_assert_cmpuint (json_array_length_of (page), ==, 2);
  g_assert_cmpstr (list_name (page, 0), ==, "docs");

  noprefix = service_json ("POST", "/storage/v1/object/list/l-files", "{\"limit\":10}");
  assert_storage_error (noprefix, 400, "400", "InvalidRequest", "body must have required property 'prefix'");
}

static void
test_list_large (void)
{
  g_autoptr(SupaTestResponse) capped = NULL;
  g_autoptr(SupaTestResponse) tail = NULL;
  g_autoptr(SupaTestResponse) root = NULL;
  g_autofree char *inserted = NULL;
  gint64 start;

  create_bucket ("{\"name\":\"big\"}");
  g_free (supa_test_server_sql (server,
    "INSERT INTO storage.objects (bucket_id, name, version, metadata) "
    "SELECT 'big', 'flat/file-' || lpad(i::text, 5, '0') || '.txt', gen_random_uuid()::text, "
    "       jsonb_build_object('size', 1, 'mimetype', 'text/plain') "
    "FROM generate_series(1, 10000) i"));
  inserted = storage_count ("bucket_id = 'big'");
  g_assert_cmpstr (inserted, ==, "10000");

  start = g_get_monotonic_time ();
  capped = service_json ("POST", "/storage/v1/object/list/big", "{\"prefix\":\"flat\",\"limit\":5000}");
  assert_ok (capped);
  g_assert_cmpuint (json_array_length_of (capped), ==, 1500);
  g_assert_cmpstr (list_name (capped, 0), ==, "file-00001.txt");
  g_assert_cmpstr (list_name (capped, 1499), ==, "file-01500.txt");

  tail = service_json ("POST", "/storage/v1/object/list/big",
                       "{\"prefix\":\"flat/\",\"limit\":100,\"offset\":9990}");
  assert_ok (tail);
  g_assert_cmpuint (json_array_length_of (tail), ==, 10);
  g_assert_cmpstr (list_name (tail, 9), ==, "file-10000.txt");

  root = service_json ("POST", "/storage/v1/object/list/big", "{\"prefix\":\"\"}");
  assert_ok (root);
  g_assert_cmpuint (json_array_length_of (root), ==, 1);
  g_assert_cmpstr (list_name (root, 0), ==, "flat");
  /* Three listings of 10,000 rows well within a second each. */
  g_assert_cmpint (g_get_monotonic_time () - start, <, 3 * G_USEC_PER_SEC);
}

/* ------------------------------------------------------ Move / copy */

static void
test_move_copy_remove (void)
{
  g_autoptr(SupaTestResponse) up1 = NULL;
  g_autoptr(SupaTestResponse) up2 = NULL;
  g_autoptr(SupaTestResponse) move = NULL;
  g_autoptr(SupaTestResponse) move_x = NULL;
  g_autoptr(SupaTestResponse) move_missing = NULL;
  g_autoptr(SupaTestResponse) move_dup = NULL;
  g_autoptr(SupaTestResponse) copy = NULL;
  g_autoptr(SupaTestResponse) copy_dup = NULL;
  g_autoptr(SupaTestResponse) copy_up = NULL;
  g_autoptr(SupaTestResponse) old = NULL;
  g_autoptr(SupaTestResponse) rm = NULL;
  g_autoptr(SupaTestResponse) rm1 = NULL;
  g_autoptr(SupaTestResponse) rm_missing = NULL;
  g_autoptr(GBytes) got = NULL;
  JsonObject *o;

  create_bucket ("{\"name\":\"m-src\"}");
  create_bucket ("{\"name\":\"m-dst\"}");
  up1 = upload ("m-src", "a/one.txt", "text/plain", "one", -1);
  assert_ok (up1);
  up2 = upload ("m-src", "a/two.txt", "text/plain", "two", -1);
  assert_ok (up2);

  move = service_json ("POST", "/storage/v1/object/move",
                       "{\"bucketId\":\"m-src\",\"sourceKey\":\"a/one.txt\",\"destinationKey\":\"b/uno.txt\"}");
  assert_ok (move);
  g_assert_cmpstr (json_object_get_string_member (json_node_get_object (move->json), "message"), ==,
                   "Successfully moved");
  old = service ("GET", "/storage/v1/object/m-src/a/one.txt", NULL, NULL);
  assert_storage_error (old, 400, "404", "NoSuchKey", NULL);
  got = download ("m-src", "b/uno.txt");
  g_assert_cmpmem (g_bytes_get_data (got, NULL), g_bytes_get_size (got), "one", 3);
  g_clear_pointer (&got, g_bytes_unref);

  move_x = service_json ("POST", "/storage/v1/object/move",
                         "{\"bucketId\":\"m-src\",\"sourceKey\":\"b/uno.txt\",\"destinationKey\":\"moved.txt\","
                         "\"destinationBucket\":\"m-dst\"}");
  assert_ok (move_x);
  got = download ("m-dst", "moved.txt");
  g_assert_cmpmem (g_bytes_get_data (got, NULL), g_bytes_get_size (got), "one", 3);
  g_clear_pointer (&got, g_bytes_unref);

  move_missing = service_json ("POST", "/storage/v1/object/move",
                               "{\"bucketId\":\"m-src\",\"sourceKey\":\"nope.txt\",\"destinationKey\":\"x.txt\"}");
  assert_storage_error (move_missing, 400, "404", "NoSuchKey", "Object not found");
  move_dup = service_json ("POST", "/storage/v1/object/move",
                           "{\"bucketId\":\"m-src\",\"sourceKey\":\"a/two.txt\",\"destinationKey\":\"moved.txt\","
                           "\"destinationBucket\":\"m-dst\"}");
  assert_storage_error (move_dup, 400, "409", "KeyAlreadyExists", NULL);

  copy = service_json ("POST", "/storage/v1/object/copy",
                       "{\"bucketId\":\"m-src\",\"sourceKey\":\"a/two.txt\",\"destinationKey\":\"copy/two.txt\","
                       "\"destinationBucket\":\"m-dst\"}");
  assert_ok (copy);
  o = json_node_get_object (copy->json);
  g_assert_cmpstr (json_object_get_string_member (o, "Key"), ==, "m-dst/copy/two.txt");
  g_assert_true (g_uuid_string_is_valid (json_object_get_string_member (o, "Id")));
  g_assert_cmpstr (json_object_get_string_member (o, "name"), ==, "copy/two.txt");
  g_assert_cmpstr (json_object_get_string_member (o, "bucket_id"), ==, "m-dst");
  got = download ("m-dst", "copy/two.txt");
  g_assert_cmpmem (g_bytes_get_data (got, NULL), g_bytes_get_size (got), "two", 3);
  g_clear_pointer (&got, g_bytes_unref);
  got = download ("m-src", "a/two.txt");
  g_assert_cmpmem (g_bytes_get_data (got, NULL), g_bytes_get_size (got), "two", 3);
  g_clear_pointer (&got, g_bytes_unref);

  copy_dup = service_json ("POST", "/storage/v1/object/copy",
                           "{\"bucketId\":\"m-src\",\"sourceKey\":\"a/two.txt\",\"destinationKey\":\"moved.txt\","
                           "\"destinationBucket\":\"m-dst\"}");
  assert_storage_error (copy_dup, 400, "409", "KeyAlreadyExists", NULL);
  copy_up = request_full ("POST", "/storage/v1/object/copy", server->service_role_key,
                          server->service_role_key, "application/json",
                          "{\"bucketId\":\"m-src\",\"sourceKey\":\"a/two.txt\",\"destinationKey\":\"moved.txt\","
                          "\"destinationBucket\":\"m-dst\",\"copyMetadata\":false,"
                          "\"metadata\":{\"mimetype\":\"text/markdown\",\"cacheControl\":\"max-age=5\"}}",
                          -1, (const char *[]) { "x-upsert", "true", NULL });
  assert_ok (copy_up);
  {
    g_autoptr(SupaTestResponse) get = service ("GET", "/storage/v1/object/m-dst/moved.txt", NULL, NULL);
    assert_ok (get);
    g_assert_cmpstr (supa_test_response_text (get), ==, "two");
    g_assert_cmpstr (supa_test_response_header (get, "Content-Type"), ==, "text/markdown");
    g_assert_cmpstr (supa_test_response_header (get, "Cache-Control"), ==, "max-age=5");
  }

  rm = service_json ("DELETE", "/storage/v1/object/m-dst",
                     "{\"prefixes\":[\"moved.txt\",\"copy/two.txt\",\"not-there.txt\"]}");
  assert_ok (rm);
  g_assert_cmpuint (json_array_length_of (rm), ==, 2);
  o = json_array_get_object_element (json_node_get_array (rm->json), 0);
  g_assert_cmpstr (json_object_get_string_member (o, "bucket_id"), ==, "m-dst");
  g_assert_true (json_object_has_member (o, "metadata"));
  {
    g_autofree char *n = storage_count ("bucket_id = 'm-dst'");
    g_assert_cmpstr (n, ==, "0");
  }

  rm1 = service ("DELETE", "/storage/v1/object/m-src/a/two.txt", NULL, NULL);
  assert_ok (rm1);
  g_assert_cmpstr (json_object_get_string_member (json_node_get_object (rm1->json), "message"), ==,
                   "Successfully deleted");
  rm_missing = service ("DELETE", "/storage/v1/object/m-src/a/two.txt", NULL, NULL);
  assert_storage_error (rm_missing, 400, "404", "NoSuchKey", NULL);
}

/* ------------------------------------------------------- Signed URLs */

static void
test_signed_urls (void)
{
  g_autoptr(SupaTestResponse) up = NULL;
  g_autoptr(SupaTestResponse) sign = NULL;
  g_autoptr(SupaTestResponse) sign_missing = NULL;
  g_autoptr(SupaTestResponse) batch = NULL;
  g_autoptr(SupaTestResponse) get = NULL;
  g_autoptr(SupaTestResponse) wrong = NULL;
  g_autoptr(SupaTestResponse) expired = NULL;
  g_autoptr(SupaTestResponse) garbage = NULL;
  g_autofree char *url = NULL;
  g_autofree char *dl_url = NULL;
  g_autofree char *expired_token = NULL;
  g_autofree char *expired_url = NULL;
  g_autofree char *token = NULL;
  g_autofree char *wrong_url = NULL;
  JsonObject *e;
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;

  create_bucket ("{\"name\":\"s-files\"}");
  up = upload ("s-files", "dir/secret.txt", "text/plain", "classified", -1);
  assert_ok (up);

  sign = service_json ("POST", "/storage/v1/object/sign/s-files/dir/secret.txt", "{\"expiresIn\":60}");
  assert_ok (sign);
  url = g_strdup (json_object_get_string_member (json_node_get_object (sign->json), "signedURL"));
  g_assert_true (g_str_has_prefix (url, "/object/sign/s-files/dir/secret.txt?token="));

  dl_url = g_strdup_printf ("/storage/v1%s&download=", url);
  get = supa_test_request (server, "GET", dl_url, NULL, NULL, NULL, 0);
  assert_ok (get);
  g_assert_cmpstr (supa_test_response_text (get), ==, "classified");
  g_assert_cmpstr (supa_test_response_header (get, "Content-Disposition"), ==, "attachment;");

  /* The token is bound to its path. */
  token = g_strdup (strstr (url, "token=") + 6);
  wrong_url = g_strdup_printf ("/storage/v1/object/sign/s-files/other.txt?token=%s", token);
  wrong = supa_test_request (server, "GET", wrong_url, NULL, NULL, NULL, 0);
  assert_storage_error (wrong, 400, "400", "InvalidSignature", "Invalid signature");

  {
    g_autofree char *payload = g_strdup_printf ("{\"url\":\"s-files/dir/secret.txt\",\"scope\":\"download\","
                                                "\"iat\":%" G_GINT64_FORMAT ",\"exp\":%" G_GINT64_FORMAT "}",
                                                now - 120, now - 60);
    expired_token = make_jwt (payload);
  }
  expired_url = g_strdup_printf ("/storage/v1/object/sign/s-files/dir/secret.txt?token=%s", expired_token);
  expired = supa_test_request (server, "GET", expired_url, NULL, NULL, NULL, 0);
  assert_storage_error (expired, 400, "400", "InvalidJWT", NULL);
  garbage = supa_test_request (server, "GET", "/storage/v1/object/sign/s-files/dir/secret.txt?token=abc",
                               NULL, NULL, NULL, 0);
  assert_storage_error (garbage, 400, "400", "InvalidJWT", NULL);

  sign_missing = service_json ("POST", "/storage/v1/object/sign/s-files/nope.txt", "{\"expiresIn\":60}");
  assert_storage_error (sign_missing, 400, "404", "NoSuchKey", "Object not found");

  batch = service_json ("POST", "/storage/v1/object/sign/s-files",
                        "{\"expiresIn\":60,\"paths\":[\"dir/secret.txt\",\"nope.txt\"]}");
  assert_ok (batch);
  g_assert_cmpuint (json_array_length_of (batch), ==, 2);
  e = json_array_get_object_element (json_node_get_array (batch->json), 0);
  g_assert_true (json_object_get_null_member (e, "error"));
  g_assert_cmpstr (json_object_get_string_member (e, "path"), ==, "dir/secret.txt");
  g_assert_true (g_str_has_prefix (json_object_get_string_member (e, "signedURL"),
                                   "/object/sign/s-files/dir/secret.txt?token="));
  e = json_array_get_object_element (json_node_get_array (batch->json), 1);
  g_assert_cmpstr (json_object_get_string_member (e, "error"), ==,
                   "Either the object does not exist or you do not have access to it");
  g_assert_true (json_object_get_null_member (e, "signedURL"));

  /* Render routes keep their shape and serve the original bytes. */
  {
    g_autoptr(SupaTestResponse) render = supa_test_request (server, "GET",
      "/storage/v1/render/image/public/avatars/alice.png?width=16&height=16", NULL, NULL, NULL, 0);
    assert_ok (render);
    g_assert_cmpstr (supa_test_response_header (render, "Content-Type"), ==, "image/png");
  }
}

static void
test_signed_upload (void)
{
  g_autoptr(SupaTestResponse) sign = NULL;
  g_autoptr(SupaTestResponse) put = NULL;
  g_autoptr(SupaTestResponse) again = NULL;
  g_autoptr(SupaTestResponse) other = NULL;
  g_autoptr(SupaTestResponse) sign_dup = NULL;
  g_autoptr(SupaTestResponse) sign_up = NULL;
  g_autoptr(SupaTestResponse) put_up = NULL;
  g_autoptr(GBytes) got = NULL;
  g_autofree char *put_url = NULL;
  g_autofree char *other_url = NULL;
  g_autofree char *up_url = NULL;
  const char *url;
  const char *token;

  create_bucket ("{\"name\":\"su-files\"}");
  sign = service_json ("POST", "/storage/v1/object/upload/sign/su-files/in/box.txt", "{}");
  assert_ok (sign);
  url = json_object_get_string_member (json_node_get_object (sign->json), "url");
  token = json_object_get_string_member (json_node_get_object (sign->json), "token");
  g_assert_nonnull (token);
  g_assert_true (g_str_has_prefix (url, "/object/upload/sign/su-files/in/box.txt?token="));
  g_assert_true (g_str_has_suffix (url, token));

  put_url = g_strdup_printf ("/storage/v1%s", url);
  put = supa_test_request (server, "PUT", put_url, NULL, "text/plain", "delivered", -1);
  assert_ok (put);
  g_assert_cmpstr (json_object_get_string_member (json_node_get_object (put->json), "Key"), ==,
                   "su-files/in/box.txt");
  got = download ("su-files", "in/box.txt");
  g_assert_cmpmem (g_bytes_get_data (got, NULL), g_bytes_get_size (got), "delivered", 9);

  /* Without upsert baked in, the same token cannot overwrite. */
  again = supa_test_request (server, "PUT", put_url, NULL, "text/plain", "again", -1);
  assert_storage_error (again, 400, "409", "KeyAlreadyExists", NULL);

  other_url = g_strdup_printf ("/storage/v1/object/upload/sign/su-files/other.txt?token=%s", token);
  other = supa_test_request (server, "PUT", other_url, NULL, "text/plain", "x", -1);
  assert_storage_error (other, 400, "400", "InvalidSignature", NULL);

  sign_dup = service_json ("POST", "/storage/v1/object/upload/sign/su-files/in/box.txt", "{}");
  assert_storage_error (sign_dup, 400, "409", "KeyAlreadyExists", NULL);

  sign_up = request_full ("POST", "/storage/v1/object/upload/sign/su-files/in/box.txt",
                          server->service_role_key, server->service_role_key, "application/json", "{}", -1,
                          (const char *[]) { "x-upsert", "true", NULL });
  assert_ok (sign_up);
  up_url = g_strdup_printf ("/storage/v1%s",
                            json_object_get_string_member (json_node_get_object (sign_up->json), "url"));
  put_up = supa_test_request (server, "PUT", up_url, NULL, "text/plain", "replaced", -1);
  assert_ok (put_up);
  g_clear_pointer (&got, g_bytes_unref);
  got = download ("su-files", "in/box.txt");
  g_assert_cmpmem (g_bytes_get_data (got, NULL), g_bytes_get_size (got), "replaced", 8);
}

/* ------------------------------------------------------------------ TUS */

static char *
tus_metadata (const char *bucket,
              const char *object,
              const char *content_type)
{
  g_autofree char *b = g_base64_encode ((const guchar *) bucket, strlen (bucket));
  g_autofree char *o = g_base64_encode ((const guchar *) object, strlen (object));
  g_autofree char *c = g_base64_encode ((const guchar *) content_type, strlen (content_type));
  g_autofree char *cc = g_base64_encode ((const guchar *) "3600", 4);

  return g_strdup_printf ("bucketName %s,objectName %s,contentType %s,cacheControl %s",
                          b, o, c, cc);
}

/* POST …/upload/resumable; returns the Location path (below the URL). */
static SupaTestResponse *
tus_create (const char *bucket,
            const char *object,
            const char *content_type,
            gsize       length,
            gboolean    upsert)
{
  g_autofree char *meta = tus_metadata (bucket, object, content_type);
  g_autofree char *len = g_strdup_printf ("%" G_GSIZE_FORMAT, length);
  const char *extra[] = {
    "Tus-Resumable", "1.0.0", "Upload-Length", len, "Upload-Metadata", meta,
    upsert ? "x-upsert" : NULL, "true", NULL,
  };

  return request_full ("POST", "/storage/v1/upload/resumable", server->service_role_key,
                       server->service_role_key, NULL, NULL, 0, extra);
}

static char *
location_path (SupaTestResponse *resp)
{
  const char *loc = supa_test_response_header (resp, "Location");

  g_assert_nonnull (loc);
  g_assert_true (g_str_has_prefix (loc, server->url));
  return g_strdup (loc + strlen (server->url));
}

static SupaTestResponse *
tus_patch (const char *path,
           gsize       offset,
           const char *data,
           gsize       len)
{
  g_autofree char *off = g_strdup_printf ("%" G_GSIZE_FORMAT, offset);
  const char *extra[] = { "Tus-Resumable", "1.0.0", "Upload-Offset", off, NULL };

  return request_full ("PATCH", path, server->service_role_key, server->service_role_key,
                       "application/offset+octet-stream", data, len, extra);
}

static gint64
tus_head_offset (const char *path)
{
  const char *extra[] = { "Tus-Resumable", "1.0.0", NULL };
  g_autoptr(SupaTestResponse) head = request_full ("HEAD", path, server->service_role_key,
                                                   server->service_role_key, NULL, NULL, 0, extra);

  g_assert_cmpuint (head->status, ==, 200);
  g_assert_cmpstr (supa_test_response_header (head, "Cache-Control"), ==, "no-store");
  g_assert_nonnull (supa_test_response_header (head, "Upload-Length"));
  return g_ascii_strtoll (supa_test_response_header (head, "Upload-Offset"), NULL, 10);
}

static void
assert_download_md5 (const char *bucket,
                     const char *object,
                     GBytes     *expected)
{
  g_autoptr(GBytes) got = download (bucket, object);
  g_autofree char *a = g_compute_checksum_for_bytes (G_CHECKSUM_MD5, got);
  g_autofree char *b = g_compute_checksum_for_bytes (G_CHECKSUM_MD5, expected);

  g_assert_cmpuint (g_bytes_get_size (got), ==, g_bytes_get_size (expected));
  g_assert_cmpstr (a, ==, b);
}

static void
test_tus_full (void)
{
  g_autoptr(GBytes) data = make_data (20 * MIB + 12345, 42);
  g_autoptr(SupaTestResponse) created = NULL;
  g_autofree char *path = NULL;
  const char *bytes = g_bytes_get_data (data, NULL);
  gsize total = g_bytes_get_size (data);
  gsize offset = 0;
  g_autofree char *md5 = g_compute_checksum_for_bytes (G_CHECKSUM_MD5, data);
  g_autofree char *etag = g_strdup_printf ("\"%s\"", md5);

  create_bucket ("{\"name\":\"t-files\"}");
  created = tus_create ("t-files", "big/blob.bin", "application/octet-stream", total, FALSE);
  g_assert_cmpuint (created->status, ==, 201);
  g_assert_cmpstr (supa_test_response_header (created, "Tus-Resumable"), ==, "1.0.0");
  g_assert_nonnull (supa_test_response_header (created, "Upload-Expires"));
  path = location_path (created);
  g_assert_true (g_str_has_prefix (path, "/storage/v1/upload/resumable/"));
  {
    /* id = base64url(bucket/object/version) */
    g_autofree char *id = g_strdup (path + strlen ("/storage/v1/upload/resumable/"));
    GString *b64 = g_string_new (id);
    g_autofree guchar *raw = NULL;
    gsize len = 0;

    g_assert_null (strchr (id, '='));
    for (gsize i = 0; i < b64->len; i++)
      b64->str[i] = b64->str[i] == '-' ? '+' : b64->str[i] == '_' ? '/' : b64->str[i];
    while (b64->len % 4)
      g_string_append_c (b64, '=');
    raw = g_base64_decode (b64->str, &len);
    g_string_free (b64, TRUE);
    g_assert_true (g_str_has_prefix ((const char *) raw, "t-files/big/blob.bin/"));
  }

  while (offset < total)
    {
      gsize n = MIN (6 * MIB, total - offset);
      g_autoptr(SupaTestResponse) patch = tus_patch (path, offset, bytes + offset, n);
      g_autofree char *expected = g_strdup_printf ("%" G_GSIZE_FORMAT, offset + n);

      g_assert_cmpuint (patch->status, ==, 204);
      g_assert_cmpstr (supa_test_response_header (patch, "Upload-Offset"), ==, expected);
      offset += n;
      if (offset == total)
        g_assert_cmpstr (supa_test_response_header (patch, "Tus-Complete"), ==, "1");
      else
        g_assert_cmpint (tus_head_offset (path), ==, (gint64) offset);
    }

  assert_download_md5 ("t-files", "big/blob.bin", data);
  {
    g_autoptr(SupaTestResponse) info = service ("GET", "/storage/v1/object/info/t-files/big/blob.bin",
                                                NULL, NULL);
    assert_ok (info);
    g_assert_cmpstr (json_object_get_string_member (json_node_get_object (info->json), "etag"), ==, etag);
    g_assert_cmpstr (json_object_get_string_member (json_node_get_object (info->json), "cache_control"),
                     ==, "max-age=3600");
  }
}

static void
test_tus_resume_and_errors (void)
{
  g_autoptr(GBytes) data = make_data (7 * MIB, 3);
  const char *bytes = g_bytes_get_data (data, NULL);
  gsize total = g_bytes_get_size (data);
  g_autoptr(SupaTestResponse) options = NULL;
  g_autoptr(SupaTestResponse) created = NULL;
  g_autoptr(SupaTestResponse) p1 = NULL;
  g_autoptr(SupaTestResponse) conflict = NULL;
  g_autoptr(SupaTestResponse) p2 = NULL;
  g_autoptr(SupaTestResponse) dup = NULL;
  g_autoptr(SupaTestResponse) upsert = NULL;
  g_autoptr(SupaTestResponse) too_big = NULL;
  g_autoptr(SupaTestResponse) bad_mime = NULL;
  g_autoptr(SupaTestResponse) no_bucket = NULL;
  g_autoptr(SupaTestResponse) term = NULL;
  g_autoptr(SupaTestResponse) del = NULL;
  g_autoptr(SupaTestResponse) gone = NULL;
  g_autofree char *path = NULL;
  g_autofree char *term_path = NULL;
  gint64 offset;

  options = supa_test_request (server, "OPTIONS", "/storage/v1/upload/resumable", NULL, NULL, NULL, 0);
  g_assert_cmpuint (options->status, ==, 204);
  g_assert_cmpstr (supa_test_response_header (options, "Tus-Version"), ==, "1.0.0");
  g_assert_nonnull (strstr (supa_test_response_header (options, "Tus-Extension"), "creation-with-upload"));
  g_assert_nonnull (strstr (supa_test_response_header (options, "Tus-Extension"), "termination"));
  g_assert_nonnull (supa_test_response_header (options, "Tus-Max-Size"));

  create_bucket ("{\"name\":\"tr-files\"}");
  created = tus_create ("tr-files", "resume.bin", "application/octet-stream", total, FALSE);
  g_assert_cmpuint (created->status, ==, 201);
  path = location_path (created);

  p1 = tus_patch (path, 0, bytes, 3 * MIB);
  g_assert_cmpuint (p1->status, ==, 204);

  /* A client that lost track asks HEAD, and a wrong offset is refused. */
  offset = tus_head_offset (path);
  g_assert_cmpint (offset, ==, 3 * MIB);
  conflict = tus_patch (path, 1 * MIB, bytes + MIB, MIB);
  g_assert_cmpuint (conflict->status, ==, 409);
  g_assert_cmpint (tus_head_offset (path), ==, 3 * MIB);

  p2 = tus_patch (path, offset, bytes + offset, total - offset);
  g_assert_cmpuint (p2->status, ==, 204);
  assert_download_md5 ("tr-files", "resume.bin", data);

  /* Creating over an existing object needs x-upsert. */
  dup = tus_create ("tr-files", "resume.bin", "application/octet-stream", 10, FALSE);
  g_assert_cmpuint (dup->status, ==, 409);
  g_assert_cmpstr (supa_test_response_text (dup), ==, "The resource already exists");
  upsert = tus_create ("tr-files", "resume.bin", "text/plain", 5, TRUE);
  g_assert_cmpuint (upsert->status, ==, 201);
  {
    g_autofree char *up_path = location_path (upsert);
    g_autoptr(SupaTestResponse) p = tus_patch (up_path, 0, "hello", 5);
    g_autoptr(GBytes) got = NULL;

    g_assert_cmpuint (p->status, ==, 204);
    got = download ("tr-files", "resume.bin");
    g_assert_cmpmem (g_bytes_get_data (got, NULL), g_bytes_get_size (got), "hello", 5);
  }

  /* Bucket limits at creation: plain-text bodies with the logical status. */
  too_big = tus_create ("avatars", "x/big.png", "image/png", 6 * 1000 * 1000, FALSE);
  g_assert_cmpuint (too_big->status, ==, 413);
  bad_mime = tus_create ("avatars", "x/doc.txt", "text/plain", 10, FALSE);
  g_assert_cmpuint (bad_mime->status, ==, 415);
  g_assert_cmpstr (supa_test_response_text (bad_mime), ==, "mime type text/plain is not supported");
  no_bucket = tus_create ("tr-nowhere", "x.bin", "application/octet-stream", 10, FALSE);
  g_assert_cmpuint (no_bucket->status, ==, 404);

  /* Termination */
  term = tus_create ("tr-files", "terminated.bin", "application/octet-stream", 100, FALSE);
  g_assert_cmpuint (term->status, ==, 201);
  term_path = location_path (term);
  del = request_full ("DELETE", term_path, server->service_role_key, server->service_role_key, NULL, NULL, 0,
                      (const char *[]) { "Tus-Resumable", "1.0.0", NULL });
  g_assert_cmpuint (del->status, ==, 204);
  gone = request_full ("HEAD", term_path, server->service_role_key, server->service_role_key, NULL, NULL, 0,
                       (const char *[]) { "Tus-Resumable", "1.0.0", NULL });
  g_assert_cmpuint (gone->status, ==, 404);
}

static void
test_tus_fault (void)
{
  g_autoptr(GBytes) data = make_data (14 * MIB, 99);
  const char *bytes = g_bytes_get_data (data, NULL);
  gsize total = g_bytes_get_size (data);
  g_autoptr(SupaTestResponse) created = NULL;
  g_autoptr(SupaTestResponse) faults = NULL;
  g_autoptr(SupaTestResponse) p1 = NULL;
  g_autoptr(SupaTestResponse) cut = NULL;
  g_autoptr(SupaTestResponse) clear = NULL;
  g_autofree char *path = NULL;
  gint64 offset = 0;
  gint64 previous = -1;

  create_bucket ("{\"name\":\"tf-files\"}");
  created = tus_create ("tf-files", "flaky.bin", "application/octet-stream", total, FALSE);
  g_assert_cmpuint (created->status, ==, 201);
  path = location_path (created);

  p1 = tus_patch (path, 0, bytes, 6 * MIB);
  g_assert_cmpuint (p1->status, ==, 204);

  /* The next PATCH loses its connection after 2 MiB of its 3 MiB body.
   * (A small remainder: the core's reset shuts the socket down without an
   * RST, so a client with megabytes still to send can stall for minutes.) */
  faults = service_json ("POST", "/__local/faults",
                         "{\"faults\":[\"reset-request:after=2097152,prefix=/storage/v1/upload/resumable,"
                         "method=PATCH,count=1\"]}");
  g_assert_cmpuint (faults->status, ==, 200);
  cut = tus_patch (path, 6 * MIB, bytes + 6 * MIB, 3 * MIB);
  g_assert_cmpuint (cut->status, ==, 0);
  clear = service_json ("POST", "/__local/faults", "{\"faults\":[]}");
  g_assert_cmpuint (clear->status, ==, 200);

  /* HEAD is truthful once the cut-off request has been dealt with: what
   * it reports is what the file holds, somewhere in the lost chunk. */
  for (int i = 0; i < 50; i++)
    {
      offset = tus_head_offset (path);
      if (offset == previous)
        break;
      previous = offset;
      g_usleep (100 * 1000);
    }
  /* The bytes that made it before the reset are kept, as tusd does. */
  g_test_message ("offset after the reset: %" G_GINT64_FORMAT, offset);
  g_assert_cmpint (offset, >=, 8 * MIB);
  g_assert_cmpint (offset, <=, 9 * MIB);

  /* Resume as a TUS client does: from HEAD's offset, re-asking on 409. */
  while ((gsize) offset < total)
    {
      gsize n = MIN (6 * MIB, total - offset);
      g_autoptr(SupaTestResponse) p = tus_patch (path, offset, bytes + offset, n);

      if (p->status == 409)
        {
          offset = tus_head_offset (path);
          continue;
        }
      g_assert_cmpuint (p->status, ==, 204);
      offset = g_ascii_strtoll (supa_test_response_header (p, "Upload-Offset"), NULL, 10);
    }
  assert_download_md5 ("tf-files", "flaky.bin", data);
}

static void
test_tus_signed_and_with_upload (void)
{
  g_autoptr(SupaTestResponse) sign = NULL;
  g_autoptr(SupaTestResponse) created = NULL;
  g_autoptr(SupaTestResponse) patch = NULL;
  g_autoptr(SupaTestResponse) no_sig = NULL;
  g_autoptr(SupaTestResponse) one_shot = NULL;
  g_autoptr(SupaTestResponse) info = NULL;
  g_autoptr(GBytes) got = NULL;
  g_autofree char *meta = tus_metadata ("ts-files", "signed/part.txt", "text/plain");
  g_autofree char *path = NULL;
  g_autofree char *b_bucket = g_base64_encode ((const guchar *) "ts-files", 8);
  g_autofree char *b_object = g_base64_encode ((const guchar *) "direct.txt", 10);
  g_autofree char *b_type = g_base64_encode ((const guchar *) "text/plain", 10);
  g_autofree char *b_meta = g_base64_encode ((const guchar *) "{\"tag\":\"one-shot\"}", 18);
  g_autofree char *direct_meta = g_strdup_printf ("bucketName %s,objectName %s,contentType %s,metadata %s",
                                                  b_bucket, b_object, b_type, b_meta);
  const char *token;

  create_bucket ("{\"name\":\"ts-files\"}");

  /* /upload/resumable/sign with the token of createSignedUploadUrl. */
  sign = service_json ("POST", "/storage/v1/object/upload/sign/ts-files/signed/part.txt", "{}");
  assert_ok (sign);
  token = json_object_get_string_member (json_node_get_object (sign->json), "token");

  no_sig = supa_test_request (server, "POST", "/storage/v1/upload/resumable/sign",
                              (const char *[]) { "Tus-Resumable", "1.0.0", "Upload-Length", "11",
                                                 "Upload-Metadata", meta, NULL },
                              NULL, NULL, 0);
  g_assert_cmpuint (no_sig->status, ==, 400);

  created = supa_test_request (server, "POST", "/storage/v1/upload/resumable/sign",
                               (const char *[]) { "Tus-Resumable", "1.0.0", "Upload-Length", "11",
                                                  "Upload-Metadata", meta, "x-signature", token,
                                                  "X-Forwarded-Host", "files.example.test",
                                                  "X-Forwarded-Proto", "https",
                                                  "X-Forwarded-Prefix", "/storage/v1/", NULL },
                               NULL, NULL, 0);
  g_assert_cmpuint (created->status, ==, 201);
  g_assert_true (g_str_has_prefix (supa_test_response_header (created, "Location"),
                                   "https://files.example.test/storage/v1/upload/resumable/sign/"));
  path = g_strdup (supa_test_response_header (created, "Location") + strlen ("https://files.example.test"));
  patch = supa_test_request (server, "PATCH", path,
                             (const char *[]) { "Tus-Resumable", "1.0.0", "Upload-Offset", "0",
                                                "x-signature", token, NULL },
                             "application/offset+octet-stream", "signed part", 11);
  g_assert_cmpuint (patch->status, ==, 204);
  got = download ("ts-files", "signed/part.txt");
  g_assert_cmpmem (g_bytes_get_data (got, NULL), g_bytes_get_size (got), "signed part", 11);

  /* creation-with-upload: the whole file in the POST. */
  one_shot = request_full ("POST", "/storage/v1/upload/resumable", server->service_role_key,
                           server->service_role_key, "application/offset+octet-stream", "all at once", 11,
                           (const char *[]) { "Tus-Resumable", "1.0.0", "Upload-Length", "11",
                                              "Upload-Metadata", direct_meta, NULL });
  g_assert_cmpuint (one_shot->status, ==, 201);
  g_assert_cmpstr (supa_test_response_header (one_shot, "Upload-Offset"), ==, "11");
  info = service ("GET", "/storage/v1/object/info/ts-files/direct.txt", NULL, NULL);
  assert_ok (info);
  g_assert_cmpint (json_object_get_int_member (json_node_get_object (info->json), "size"), ==, 11);
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (
                     json_node_get_object (info->json), "metadata"), "tag"), ==, "one-shot");
}

typedef struct
{
  const char *path;
  GBytes     *chunk;
  guint       status;
} ConcurrentPatch;

/* One PATCH on its own session and thread. */
static gpointer
concurrent_patch_thread (gpointer data)
{
  ConcurrentPatch *cp = data;
  g_autoptr(GMainContext) context = g_main_context_new ();
  g_autoptr(SoupSession) session = NULL;
  g_autoptr(SoupMessage) msg = NULL;
  g_autoptr(GBytes) body = NULL;
  g_autofree char *uri = g_strconcat (server->url, cp->path, NULL);
  g_autofree char *bearer = g_strdup_printf ("Bearer %s", server->service_role_key);
  SoupMessageHeaders *h;

  g_main_context_push_thread_default (context);
  session = soup_session_new ();
  msg = soup_message_new ("PATCH", uri);
  h = soup_message_get_request_headers (msg);
  soup_message_headers_append (h, "apikey", server->service_role_key);
  soup_message_headers_append (h, "Authorization", bearer);
  soup_message_headers_append (h, "Tus-Resumable", "1.0.0");
  soup_message_headers_append (h, "Upload-Offset", "0");
  soup_message_set_request_body_from_bytes (msg, "application/offset+octet-stream", cp->chunk);
  body = soup_session_send_and_read (session, msg, NULL, NULL);
  cp->status = soup_message_get_status (msg);
  g_main_context_pop_thread_default (context);
  return NULL;
}

static void
test_tus_concurrent (void)
{
  g_autoptr(GBytes) data = make_data (12 * MIB, 5);
  g_autoptr(GBytes) first = g_bytes_new_from_bytes (data, 0, 6 * MIB);
  g_autoptr(SupaTestResponse) created = NULL;
  g_autofree char *path = NULL;
  ConcurrentPatch a = { 0 };
  ConcurrentPatch b = { 0 };
  GThread *ta;
  GThread *tb;

  create_bucket ("{\"name\":\"tc-files\"}");
  created = tus_create ("tc-files", "race.bin", "application/octet-stream", 12 * MIB, FALSE);
  g_assert_cmpuint (created->status, ==, 201);
  path = location_path (created);

  /* Two writers at the same offset: one wins, the other gets 409 (the
   * upload is locked, or its offset is stale by then). */
  a.path = b.path = path;
  a.chunk = b.chunk = first;
  ta = g_thread_new ("patch-a", concurrent_patch_thread, &a);
  tb = g_thread_new ("patch-b", concurrent_patch_thread, &b);
  g_thread_join (ta);
  g_thread_join (tb);
  g_assert_true ((a.status == 204 && b.status == 409) || (a.status == 409 && b.status == 204));
  g_assert_cmpint (tus_head_offset (path), ==, 6 * MIB);

  {
    g_autoptr(SupaTestResponse) rest = tus_patch (path, 6 * MIB,
                                                  (const char *) g_bytes_get_data (data, NULL) + 6 * MIB,
                                                  6 * MIB);
    g_assert_cmpuint (rest->status, ==, 204);
  }
  assert_download_md5 ("tc-files", "race.bin", data);
}

/* Reads one response head from @in; its Upload-Offset value, or NULL. */
static char *
read_response_head (GDataInputStream *in,
                    guint            *status)
{
  char *offset = NULL;

  *status = 0;
  for (;;)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *line = g_data_input_stream_read_line (in, NULL, NULL, &error);

      g_assert_no_error (error);
      g_assert_nonnull (line);
      g_strchomp (line);
      if (*status == 0)
        {
          g_assert_true (g_str_has_prefix (line, "HTTP/1.1 "));
          *status = (guint) g_ascii_strtoull (line + 9, NULL, 10);
        }
      else if (*line == '\0')
        return offset;
      else if (g_ascii_strncasecmp (line, "Upload-Offset:", 14) == 0)
        {
          g_free (offset);
          offset = g_strstrip (g_strdup (line + 14));
        }
      else
        g_assert_false (g_ascii_strncasecmp (line, "Content-Length:", 15) == 0 &&
                        g_ascii_strtoull (line + 15, NULL, 10) != 0);
    }
}

/* Real TUS clients (tus-js-client, curl --next) send every PATCH on one
 * kept-alive connection. libsoup 3.2's server closed it after each 204, so
 * the next PATCH met a reset. Nine back-to-back PATCHes on one connection
 * must all succeed. */
static void
test_tus_keepalive (void)
{
  g_autoptr(GBytes) data = make_data (10 * MIB + 777, 11);
  const char *bytes = g_bytes_get_data (data, NULL);
  gsize total = g_bytes_get_size (data);
  gsize chunk = MIB + MIB / 4;
  g_autoptr(SupaTestResponse) created = NULL;
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autoptr(GSocketConnection) conn = NULL;
  g_autoptr(GDataInputStream) in = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;
  GOutputStream *out;
  guint n_patches = 0;
  gsize offset = 0;

  create_bucket ("{\"name\":\"tk-files\"}");
  created = tus_create ("tk-files", "keepalive.bin", "application/octet-stream", total, FALSE);
  g_assert_cmpuint (created->status, ==, 201);
  path = location_path (created);

  conn = g_socket_client_connect_to_uri (client, server->url, 80, NULL, &error);
  g_assert_no_error (error);
  in = g_data_input_stream_new (g_io_stream_get_input_stream (G_IO_STREAM (conn)));
  g_data_input_stream_set_newline_type (in, G_DATA_STREAM_NEWLINE_TYPE_CR_LF);
  out = g_io_stream_get_output_stream (G_IO_STREAM (conn));

  while (offset < total)
    {
      gsize n = MIN (chunk, total - offset);
      g_autofree char *head = g_strdup_printf ("PATCH %s HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                                               "apikey: %s\r\nAuthorization: Bearer %s\r\n"
                                               "Tus-Resumable: 1.0.0\r\nUpload-Offset: %" G_GSIZE_FORMAT "\r\n"
                                               "Content-Type: application/offset+octet-stream\r\n"
                                               "Content-Length: %" G_GSIZE_FORMAT "\r\n\r\n",
                                               path, server->service_role_key,
                                               server->service_role_key, offset, n);
      g_autofree char *expected = g_strdup_printf ("%" G_GSIZE_FORMAT, offset + n);
      g_autofree char *got = NULL;
      guint status = 0;

      g_output_stream_write_all (out, head, strlen (head), NULL, NULL, &error);
      g_assert_no_error (error);
      g_output_stream_write_all (out, bytes + offset, n, NULL, NULL, &error);
      g_assert_no_error (error);
      got = read_response_head (in, &status);
      g_assert_cmpuint (status, ==, 204);
      g_assert_cmpstr (got, ==, expected);
      offset += n;
      n_patches++;
    }
  g_assert_cmpuint (n_patches, ==, 9);
  g_io_stream_close (G_IO_STREAM (conn), NULL, NULL);
  assert_download_md5 ("tk-files", "keepalive.bin", data);
}

int
main (int    argc,
      char **argv)
{
  int ret;

  /* Loopback only: keep GIO from loading a desktop proxy module whose
   * GSettings schema the isolated test directories do not have. */
  g_setenv ("GIO_USE_PROXY_RESOLVER", "dummy", TRUE);
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  server = supa_test_server_start ("demo", NULL);

  g_test_add_func ("/storage/buckets", test_buckets);
  g_test_add_func ("/storage/upload-download", test_upload_download);
  g_test_add_func ("/storage/range", test_range);
  g_test_add_func ("/storage/keys", test_keys);
  g_test_add_func ("/storage/limits", test_limits);
  g_test_add_func ("/storage/rls", test_rls);
  g_test_add_func ("/storage/list", test_list);
  g_test_add_func ("/storage/list-large", test_list_large);
  g_test_add_func ("/storage/move-copy-remove", test_move_copy_remove);
  g_test_add_func ("/storage/signed-urls", test_signed_urls);
  g_test_add_func ("/storage/signed-upload", test_signed_upload);
  g_test_add_func ("/storage/tus/full", test_tus_full);
  g_test_add_func ("/storage/tus/resume-and-errors", test_tus_resume_and_errors);
  g_test_add_func ("/storage/tus/fault", test_tus_fault);
  g_test_add_func ("/storage/tus/signed-and-with-upload", test_tus_signed_and_with_upload);
  g_test_add_func ("/storage/tus/concurrent", test_tus_concurrent);
  g_test_add_func ("/storage/tus/keepalive", test_tus_keepalive);

  ret = g_test_run ();
  supa_test_server_stop (server);
  return ret;
}
