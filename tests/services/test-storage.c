/* test-storage.c — SupaStorage against supabase-local (seed "empty")
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "supa-storage.h"
#include "supa-storage-path.h"
#include "supa-upload.h"
#include "supa-test-server.h"
#include "test-util.h"

#include <glib/gstdio.h>

static SupaTestServer *server;
static SupaClient *client;
static SupaStorage *storage;

/* ------------------------------------------------------------------ helpers */

#define WAIT(res) test_wait_result (&(res))

static void
create_bucket (const char               *id,
               const SupaBucketSettings *settings)
{
  g_autoptr(GAsyncResult) res = NULL;
  g_autoptr(GError) error = NULL;

  supa_storage_create_bucket_async (storage, id, settings, NULL, test_store_result_cb, &res);
  g_assert_true (supa_storage_create_bucket_finish (storage, WAIT (res), &error));
  g_assert_no_error (error);
}

static SupaBucket *
get_bucket (const char  *id,
            GError     **error)
{
  g_autoptr(GAsyncResult) res = NULL;

  supa_storage_get_bucket_async (storage, id, NULL, test_store_result_cb, &res);
  return supa_storage_get_bucket_finish (storage, WAIT (res), error);
}

/* Uploads @len bytes through SupaUpload (one request below 6 MiB). */
static char *
upload_bytes (const char  *bucket,
              const char  *path,
              const void  *data,
              gsize        len,
              const char  *content_type,
              GError     **error)
{
  g_autoptr(GInputStream) input = g_memory_input_stream_new_from_data (g_memdup2 (data, len), len, g_free);
  g_autoptr(SupaUpload) upload = supa_upload_new_for_stream (client, bucket, path, input, len);
  g_autoptr(GAsyncResult) res = NULL;

  if (content_type != NULL)
    supa_upload_set_content_type (upload, content_type);
  supa_upload_start_async (upload, NULL, test_store_result_cb, &res);
  return supa_upload_start_finish (upload, WAIT (res), error);
}

static GPtrArray *
list_folder (const char            *bucket,
             const char            *prefix,
             const SupaListOptions *options,
             gboolean               all)
{
  g_autoptr(GAsyncResult) res = NULL;
  g_autoptr(GError) error = NULL;
  GPtrArray *items;

  if (all)
    supa_storage_list_all_async (storage, bucket, prefix, options, NULL, test_store_result_cb, &res);
  else
    supa_storage_list_async (storage, bucket, prefix, options, NULL, test_store_result_cb, &res);
  items = supa_storage_list_finish (storage, WAIT (res), &error);
  g_assert_no_error (error);
  g_assert_nonnull (items);
  return items;
}

static SupaObjectInfo *
find_item (GPtrArray  *items,
           const char *name)
{
  for (guint i = 0; i < items->len; i++)
    if (g_str_equal (supa_object_info_get_name (items->pdata[i]), name))
      return items->pdata[i];
  return NULL;
}

static gboolean
exists (const char *bucket,
        const char *path)
{
  g_autoptr(GAsyncResult) res = NULL;
  g_autoptr(GError) error = NULL;
  gboolean found;

  supa_storage_exists_async (storage, bucket, path, NULL, test_store_result_cb, &res);
  found = supa_storage_exists_finish (storage, WAIT (res), &error);
  g_assert_no_error (error);
  return found;
}

typedef struct
{
  goffset last;
  goffset total;
  guint   calls;
} Progress;

static void
progress_cb (goffset  current,
             goffset  total,
             gpointer user_data)
{
  Progress *p = user_data;

  g_assert_cmpint (current, >=, p->last);
  p->last = current;
  p->total = total;
  p->calls++;
}

static GBytes *
download_bytes (const char  *bucket,
                const char  *path,
                Progress    *progress,
                GError     **error)
{
  g_autoptr(GOutputStream) out = g_memory_output_stream_new_resizable ();
  g_autoptr(GAsyncResult) res = NULL;
  goffset total = -1;

  supa_storage_download_async (storage, bucket, path, out, 0, progress ? progress_cb : NULL, progress,
                               NULL, test_store_result_cb, &res);
  if (!supa_storage_download_finish (storage, WAIT (res), &total, error))
    return NULL;
  g_assert_true (g_output_stream_close (out, NULL, NULL));
  g_assert_cmpint (total, ==, g_memory_output_stream_get_data_size (G_MEMORY_OUTPUT_STREAM (out)));
  return g_memory_output_stream_steal_as_bytes (G_MEMORY_OUTPUT_STREAM (out));
}

static GBytes *
random_bytes (gsize len)
{
  guint8 *data = g_malloc (len);

  for (gsize i = 0; i < len; i++)
    data[i] = (guint8) g_random_int_range (0, 256);
  return g_bytes_new_take (data, len);
}

static GBytes *
http_get (const char *url,
          guint      *status,
          char      **disposition)
{
  g_autoptr(SoupMessage) msg = soup_message_new ("GET", url);
  g_autoptr(GError) error = NULL;
  GBytes *body;

  g_assert_nonnull (msg);
  body = soup_session_send_and_read (server->session, msg, NULL, &error);
  g_assert_no_error (error);
  *status = soup_message_get_status (msg);
  if (disposition != NULL)
    *disposition = g_strdup (soup_message_headers_get_one (soup_message_get_response_headers (msg),
                                                           "Content-Disposition"));
  return body;
}

/* -------------------------------------------------------------------- tests */

static void
test_buckets (void)
{
  const char * const mimes[] = { "image/png", "text/plain", NULL };
  const char * const png_only[] = { "image/png", NULL };
  SupaBucketSettings settings = {
    .fields = SUPA_BUCKET_FIELD_PUBLIC | SUPA_BUCKET_FIELD_FILE_SIZE_LIMIT | SUPA_BUCKET_FIELD_ALLOWED_MIME_TYPES,
    .is_public = FALSE,
    .file_size_limit = "1.5MB",
    .allowed_mime_types = mimes,
  };
  SupaBucketSettings update = {
    .fields = SUPA_BUCKET_FIELD_PUBLIC | SUPA_BUCKET_FIELD_FILE_SIZE_LIMIT | SUPA_BUCKET_FIELD_ALLOWED_MIME_TYPES,
    .is_public = TRUE,
    .file_size_limit = "2048",
    .allowed_mime_types = png_only,
  };
  SupaBucketSettings bad_size = {
    .fields = SUPA_BUCKET_FIELD_FILE_SIZE_LIMIT,
    .file_size_limit = "lots",
  };
  g_autoptr(SupaBucket) bucket = NULL;
  g_autoptr(SupaBucket) updated = NULL;
  g_autoptr(SupaBucket) gone = NULL;
  g_autoptr(GPtrArray) buckets = NULL;
  g_autoptr(GAsyncResult) res = NULL;
  g_autoptr(GError) error = NULL;
  gboolean listed = FALSE;

  create_bucket ("limits", &settings);

  bucket = get_bucket ("limits", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (supa_bucket_get_id (bucket), ==, "limits");
  g_assert_cmpstr (supa_bucket_get_name (bucket), ==, "limits");
  g_assert_false (supa_bucket_get_public (bucket));
  g_assert_cmpint (supa_bucket_get_file_size_limit (bucket), ==, 1500000);
  g_assert_nonnull (supa_bucket_get_allowed_mime_types (bucket));
  g_assert_cmpstrv (supa_bucket_get_allowed_mime_types (bucket), mimes);
  g_assert_nonnull (supa_bucket_get_created_at (bucket));

  supa_storage_list_buckets_async (storage, NULL, test_store_result_cb, &res);
  buckets = supa_storage_list_buckets_finish (storage, WAIT (res), &error);
  g_assert_no_error (error);
  for (guint i = 0; i < buckets->len; i++)
    listed |= g_str_equal (supa_bucket_get_id (buckets->pdata[i]), "limits");
  g_assert_true (listed);
  g_clear_object (&res);

  supa_storage_update_bucket_async (storage, "limits", &update, NULL, test_store_result_cb, &res);
  g_assert_true (supa_storage_update_bucket_finish (storage, WAIT (res), &error));
  g_assert_no_error (error);
  g_clear_object (&res);

  updated = get_bucket ("limits", &error);
  g_assert_no_error (error);
  g_assert_true (supa_bucket_get_public (updated));
  g_assert_cmpint (supa_bucket_get_file_size_limit (updated), ==, 2048);
  g_assert_cmpstrv (supa_bucket_get_allowed_mime_types (updated), png_only);

  /* a duplicate is a conflict, as Storage's logical 409 */
  supa_storage_create_bucket_async (storage, "limits", NULL, NULL, test_store_result_cb, &res);
  g_assert_false (supa_storage_create_bucket_finish (storage, WAIT (res), &error));
  g_assert_error (error, SUPA_ERROR, SUPA_ERROR_CONFLICT);
  g_assert_cmpuint (supa_error_get_logical_status (error), ==, 409);
  g_clear_error (&error);
  g_clear_object (&res);

  /* an unreadable size is refused before anything is sent */
  supa_storage_create_bucket_async (storage, "never", &bad_size, NULL, test_store_result_cb, &res);
  g_assert_false (supa_storage_create_bucket_finish (storage, WAIT (res), &error));
  g_assert_error (error, SUPA_ERROR, SUPA_ERROR_INVALID_INPUT);
  g_assert_nonnull (strstr (error->message, "lots"));
  g_clear_error (&error);
  g_clear_object (&res);

  supa_storage_delete_bucket_async (storage, "limits", NULL, test_store_result_cb, &res);
  g_assert_true (supa_storage_delete_bucket_finish (storage, WAIT (res), &error));
  g_assert_no_error (error);
  g_clear_object (&res);

  gone = get_bucket ("limits", &error);
  g_assert_null (gone);
  g_assert_error (error, SUPA_ERROR, SUPA_ERROR_NOT_FOUND);
  g_assert_cmpuint (supa_error_get_logical_status (error), ==, 404);
}

static void
test_objects (void)
{
  SupaBucketSettings public_settings = { .fields = SUPA_BUCKET_FIELD_PUBLIC, .is_public = TRUE };
  const char *text = "Hello, storage!\nSecond line.\n";
  g_autoptr(GBytes) big = random_bytes (300 * 1024);
  g_autoptr(GPtrArray) items = NULL;
  g_autoptr(SupaObjectInfo) info = NULL;
  g_autoptr(GBytes) got = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GAsyncResult) res = NULL;
  g_autofree char *key = NULL;
  g_autofree char *tmpdir = NULL;
  SupaObjectInfo *item;
  Progress progress = { 0 };

  create_bucket ("files", NULL);
  create_bucket ("archive", &public_settings);

  /* a file upload: type guessed from the name, cache and metadata kept */
  {
    g_autoptr(GFile) file = NULL;
    g_autoptr(SupaUpload) upload = NULL;
    g_autoptr(JsonObject) meta = json_object_new ();

    tmpdir = g_dir_make_tmp ("storage-XXXXXX", &error);
    g_assert_no_error (error);
    file = g_file_new_build_filename (tmpdir, "readme.txt", NULL);
    g_assert_true (g_file_replace_contents (file, text, strlen (text), NULL, FALSE,
                                            G_FILE_CREATE_NONE, NULL, NULL, &error));
    g_assert_no_error (error);

    json_object_set_string_member (meta, "owner", "tests");
    upload = supa_upload_new (client, "files", "/docs//readme.txt", file);
    supa_upload_set_cache_control (upload, 60);
    supa_upload_set_metadata (upload, meta);
    supa_upload_start_async (upload, NULL, test_store_result_cb, &res);
    key = supa_upload_start_finish (upload, WAIT (res), &error);
    g_assert_no_error (error);
    g_assert_cmpstr (key, ==, "files/docs/readme.txt");
    g_assert_cmpstr (supa_upload_get_content_type (upload), ==, "text/plain");
    g_assert_cmpint (supa_upload_get_bytes_sent (upload), ==, strlen (text));
    g_assert_null (supa_upload_get_upload_url (upload));
    g_clear_object (&res);
    g_clear_pointer (&key, g_free);
  }

  key = upload_bytes ("files", "docs/sub/deep.bin", "\x00\x01\x02", 3, NULL, &error);
  g_assert_no_error (error);
  g_clear_pointer (&key, g_free);
  key = upload_bytes ("files", "docs/.emptyFolderPlaceholder", "", 0, NULL, &error);
  g_assert_no_error (error);
  g_clear_pointer (&key, g_free);
  key = upload_bytes ("files", "docs/big data.bin", g_bytes_get_data (big, NULL), g_bytes_get_size (big),
                      "application/octet-stream", &error);
  g_assert_no_error (error);
  g_clear_pointer (&key, g_free);
  key = upload_bytes ("files", "my file (1)?.txt", "special", 7, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (key, ==, "files/my file (1)?.txt");
  g_clear_pointer (&key, g_free);

  /* Storage refuses keys outside its character set (non-ASCII, "#"):
   * the server's reason reaches the caller */
  key = upload_bytes ("files", "ünï #1.txt", "unicode", 7, NULL, &error);
  g_assert_null (key);
  g_assert_error (error, SUPA_ERROR, SUPA_ERROR_INVALID_INPUT);
  g_assert_cmpstr (supa_error_get_server_code (error), ==, "InvalidKey");
  g_clear_error (&error);

  /* an existing object is a conflict without upsert */
  key = upload_bytes ("files", "docs/sub/deep.bin", "x", 1, NULL, &error);
  g_assert_null (key);
  g_assert_error (error, SUPA_ERROR, SUPA_ERROR_CONFLICT);
  g_clear_error (&error);

  /* list: the folder first-class, the placeholder hidden */
  items = list_folder ("files", "docs", NULL, FALSE);
  g_assert_cmpuint (items->len, ==, 3);
  item = find_item (items, "sub");
  g_assert_nonnull (item);
  g_assert_true (supa_object_info_get_is_folder (item));
  g_assert_null (supa_object_info_get_id (item));
  item = find_item (items, "readme.txt");
  g_assert_nonnull (item);
  g_assert_false (supa_object_info_get_is_folder (item));
  g_assert_nonnull (supa_object_info_get_id (item));
  g_assert_cmpint (supa_object_info_get_size (item), ==, strlen (text));
  g_assert_cmpstr (supa_object_info_get_mimetype (item), ==, "text/plain");
  g_assert_nonnull (supa_object_info_get_updated_at (item));
  g_assert_nonnull (supa_object_info_get_etag (item));
  g_assert_null (find_item (items, ".emptyFolderPlaceholder"));
  g_clear_pointer (&items, g_ptr_array_unref);

  /* search and sort */
  {
    SupaListOptions opts = { .search = "READ" };
    SupaListOptions desc = { .sort_column = SUPA_SORT_NAME, .descending = TRUE };

    items = list_folder ("files", "docs/", &opts, FALSE);
    g_assert_cmpuint (items->len, ==, 1);
    g_assert_cmpstr (supa_object_info_get_name (items->pdata[0]), ==, "readme.txt");
    g_clear_pointer (&items, g_ptr_array_unref);

    g_autoptr(GPtrArray) asc = list_folder ("files", "docs", NULL, FALSE);

    /* descending is the ascending order reversed */
    items = list_folder ("files", "docs", &desc, FALSE);
    g_assert_cmpuint (items->len, ==, 3);
    g_assert_cmpuint (asc->len, ==, 3);
    for (guint i = 0; i < items->len; i++)
      g_assert_cmpstr (supa_object_info_get_name (items->pdata[i]), ==,
                       supa_object_info_get_name (asc->pdata[asc->len - 1 - i]));
    g_assert_cmpstr (supa_object_info_get_name (asc->pdata[0]), ==, "big data.bin");
    g_clear_pointer (&items, g_ptr_array_unref);
  }

  items = list_folder ("files", "", NULL, FALSE);
  g_assert_nonnull (find_item (items, "docs"));
  g_assert_nonnull (find_item (items, "my file (1)?.txt"));
  g_clear_pointer (&items, g_ptr_array_unref);

  /* info */
  supa_storage_info_async (storage, "files", "docs/readme.txt", NULL, test_store_result_cb, &res);
  info = supa_storage_info_finish (storage, WAIT (res), &error);
  g_assert_no_error (error);
  g_assert_cmpint (supa_object_info_get_size (info), ==, strlen (text));
  g_assert_cmpstr (supa_object_info_get_mimetype (info), ==, "text/plain");
  g_assert_cmpstr (supa_object_info_get_cache_control (info), ==, "max-age=60");
  g_assert_nonnull (supa_object_info_get_metadata (info));
  g_assert_cmpstr (json_object_get_string_member (supa_object_info_get_metadata (info), "owner"), ==, "tests");
  g_clear_object (&res);

  supa_storage_info_async (storage, "files", "docs/nothing.txt", NULL, test_store_result_cb, &res);
  g_assert_null (supa_storage_info_finish (storage, WAIT (res), &error));
  g_assert_error (error, SUPA_ERROR, SUPA_ERROR_NOT_FOUND);
  g_assert_cmpuint (supa_error_get_logical_status (error), ==, 404);
  g_clear_error (&error);
  g_clear_object (&res);

  /* exists */
  g_assert_true (exists ("files", "docs/readme.txt"));
  g_assert_true (exists ("files", "my file (1)?.txt"));
  g_assert_false (exists ("files", "docs/nothing.txt"));

  /* download, bytes equal, progress reaches the total */
  got = download_bytes ("files", "docs/big data.bin", &progress, &error);
  g_assert_no_error (error);
  g_assert_true (g_bytes_equal (got, big));
  g_assert_cmpint (progress.last, ==, g_bytes_get_size (big));
  g_assert_cmpint (progress.total, ==, g_bytes_get_size (big));
  g_assert_cmpuint (progress.calls, >, 1);
  g_clear_pointer (&got, g_bytes_unref);

  got = download_bytes ("files", "my file (1)?.txt", NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpmem (g_bytes_get_data (got, NULL), g_bytes_get_size (got), "special", 7);
  g_clear_pointer (&got, g_bytes_unref);

  got = download_bytes ("files", "docs/nothing.txt", NULL, &error);
  g_assert_null (got);
  g_assert_error (error, SUPA_ERROR, SUPA_ERROR_NOT_FOUND);
  g_assert_cmpstr (supa_error_get_server_code (error), ==, "NoSuchKey");
  g_clear_error (&error);

  /* Range resume: half on disk, the rest appended */
  {
    g_autoptr(GFile) partial = g_file_new_build_filename (tmpdir, "partial.bin", NULL);
    g_autofree char *contents = NULL;
    gsize half = g_bytes_get_size (big) / 2 + 7;
    gsize len = 0;
    goffset total = -1;
    Progress resumed = { 0 };

    g_assert_true (g_file_replace_contents (partial, g_bytes_get_data (big, NULL), half, NULL, FALSE,
                                            G_FILE_CREATE_NONE, NULL, NULL, &error));
    g_assert_no_error (error);

    supa_storage_download_to_file_async (storage, "files", "docs/big data.bin", partial, TRUE,
                                         progress_cb, &resumed, NULL, test_store_result_cb, &res);
    supa_storage_download_finish (storage, WAIT (res), &total, &error);
    g_assert_no_error (error);
    g_assert_cmpint (total, ==, g_bytes_get_size (big));
    g_clear_object (&res);

    g_assert_true (g_file_load_contents (partial, NULL, &contents, &len, NULL, &error));
    g_assert_cmpmem (contents, len, g_bytes_get_data (big, NULL), g_bytes_get_size (big));
    g_clear_pointer (&contents, g_free);

    /* the first progress report is where it resumed */
    g_assert_cmpuint (resumed.calls, >, 0);
    g_assert_cmpint (resumed.last, ==, g_bytes_get_size (big));

    /* resuming a complete file changes nothing */
    supa_storage_download_to_file_async (storage, "files", "docs/big data.bin", partial, TRUE,
                                         NULL, NULL, NULL, test_store_result_cb, &res);
    supa_storage_download_finish (storage, WAIT (res), &total, &error);
    g_assert_no_error (error);
    g_clear_object (&res);
    g_assert_true (g_file_load_contents (partial, NULL, &contents, &len, NULL, &error));
    g_assert_cmpmem (contents, len, g_bytes_get_data (big, NULL), g_bytes_get_size (big));
    g_assert_true (g_file_delete (partial, NULL, NULL));
  }

  /* move across buckets, then copy back */
  supa_storage_move_async (storage, "files", "docs/readme.txt", "archive", "moved/readme.txt",
                           NULL, test_store_result_cb, &res);
  g_assert_true (supa_storage_move_finish (storage, WAIT (res), &error));
  g_assert_no_error (error);
  g_clear_object (&res);
  g_assert_false (exists ("files", "docs/readme.txt"));
  g_assert_true (exists ("archive", "moved/readme.txt"));

  supa_storage_move_async (storage, "files", "docs/sub/deep.bin", NULL, "docs/deep-renamed.bin",
                           NULL, test_store_result_cb, &res);
  g_assert_true (supa_storage_move_finish (storage, WAIT (res), &error));
  g_assert_no_error (error);
  g_clear_object (&res);
  g_assert_true (exists ("files", "docs/deep-renamed.bin"));

  supa_storage_copy_async (storage, "archive", "moved/readme.txt", "files", "copy.txt",
                           NULL, test_store_result_cb, &res);
  key = supa_storage_copy_finish (storage, WAIT (res), &error);
  g_assert_no_error (error);
  g_assert_cmpstr (key, ==, "files/copy.txt");
  g_clear_pointer (&key, g_free);
  g_clear_object (&res);
  g_assert_true (exists ("archive", "moved/readme.txt"));

  got = download_bytes ("files", "copy.txt", NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpmem (g_bytes_get_data (got, NULL), g_bytes_get_size (got), text, strlen (text));
  g_clear_pointer (&got, g_bytes_unref);

  supa_storage_move_async (storage, "files", "docs/nothing.txt", NULL, "x.txt",
                           NULL, test_store_result_cb, &res);
  g_assert_false (supa_storage_move_finish (storage, WAIT (res), &error));
  g_assert_error (error, SUPA_ERROR, SUPA_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_clear_object (&res);

  /* signed URL: fetchable without a key, bytes equal */
  {
    g_autofree char *url = NULL;
    g_autofree char *disposition = NULL;
    g_autoptr(GBytes) body = NULL;
    guint status = 0;

    supa_storage_create_signed_url_async (storage, "files", "copy.txt", 60, NULL, NULL,
                                          NULL, test_store_result_cb, &res);
    url = supa_storage_create_signed_url_finish (storage, WAIT (res), &error);
    g_assert_no_error (error);
    g_clear_object (&res);
    g_assert_true (g_str_has_prefix (url, server->url));
    g_assert_nonnull (strstr (url, "/storage/v1/object/sign/files/copy.txt?token="));

    body = http_get (url, &status, NULL);
    g_assert_cmpuint (status, ==, 200);
    g_assert_cmpmem (g_bytes_get_data (body, NULL), g_bytes_get_size (body), text, strlen (text));
    g_clear_pointer (&body, g_bytes_unref);
    g_clear_pointer (&url, g_free);

    /* as an attachment with a name */
    supa_storage_create_signed_url_async (storage, "files", "my file (1)?.txt", 60, "saved copy.txt", NULL,
                                          NULL, test_store_result_cb, &res);
    url = supa_storage_create_signed_url_finish (storage, WAIT (res), &error);
    g_assert_no_error (error);
    g_clear_object (&res);
    body = http_get (url, &status, &disposition);
    g_assert_cmpuint (status, ==, 200);
    g_assert_cmpmem (g_bytes_get_data (body, NULL), g_bytes_get_size (body), "special", 7);
    g_assert_nonnull (disposition);
    g_assert_true (g_str_has_prefix (disposition, "attachment"));

    /* with an image transformation the link goes through the renderer */
    {
      SupaTransformOptions transform = { .width = 64, .height = 64, .resize = SUPA_RESIZE_CONTAIN };
      g_autofree char *render_url = NULL;
      g_autoptr(GBytes) rendered = NULL;

      supa_storage_create_signed_url_async (storage, "files", "copy.txt", 60, NULL, &transform,
                                            NULL, test_store_result_cb, &res);
      render_url = supa_storage_create_signed_url_finish (storage, WAIT (res), &error);
      g_assert_no_error (error);
      g_clear_object (&res);
      g_assert_nonnull (strstr (render_url, "/storage/v1/render/image/sign/files/copy.txt?token="));
      rendered = http_get (render_url, &status, NULL);
      g_assert_cmpuint (status, ==, 200);
    }

    /* a missing object cannot be signed */
    supa_storage_create_signed_url_async (storage, "files", "nope.txt", 60, NULL, NULL,
                                          NULL, test_store_result_cb, &res);
    g_assert_null (supa_storage_create_signed_url_finish (storage, WAIT (res), &error));
    g_assert_error (error, SUPA_ERROR, SUPA_ERROR_NOT_FOUND);
    g_clear_error (&error);
    g_clear_object (&res);
  }

  /* batch signing: the missing path gets an error, not the batch */
  {
    const char * const paths[] = { "copy.txt", "missing.txt", NULL };
    g_autoptr(GPtrArray) entries = NULL;
    g_autoptr(GBytes) body = NULL;
    SupaSignedUrl *ok, *missing;
    guint status = 0;

    supa_storage_create_signed_urls_async (storage, "files", paths, 60, NULL, NULL, test_store_result_cb, &res);
    entries = supa_storage_create_signed_urls_finish (storage, WAIT (res), &error);
    g_assert_no_error (error);
    g_clear_object (&res);
    g_assert_cmpuint (entries->len, ==, 2);
    ok = entries->pdata[0];
    missing = entries->pdata[1];
    g_assert_cmpstr (ok->path, ==, "copy.txt");
    g_assert_null (ok->error);
    g_assert_nonnull (ok->signed_url);
    g_assert_cmpstr (missing->path, ==, "missing.txt");
    g_assert_null (missing->signed_url);
    g_assert_nonnull (missing->error);

    body = http_get (ok->signed_url, &status, NULL);
    g_assert_cmpuint (status, ==, 200);
    g_assert_cmpmem (g_bytes_get_data (body, NULL), g_bytes_get_size (body), text, strlen (text));
  }

  /* public URL of a public bucket, built client side */
  {
    g_autofree char *url = supa_storage_get_public_url (storage, "archive", "moved/readme.txt", NULL, NULL);
    g_autofree char *dl = supa_storage_get_public_url (storage, "archive", "a b.png", "", NULL);
    SupaTransformOptions transform = { .width = 100, .height = 50, .resize = SUPA_RESIZE_COVER, .quality = 80 };
    g_autofree char *rendered = supa_storage_get_public_url (storage, "archive", "a b.png", NULL, &transform);
    g_autofree char *expected = g_strconcat (server->url, "/storage/v1/object/public/archive/moved/readme.txt", NULL);
    g_autofree char *expected_dl = g_strconcat (server->url, "/storage/v1/object/public/archive/a%20b.png?download=", NULL);
    g_autofree char *expected_render = g_strconcat (server->url, "/storage/v1/render/image/public/archive/a%20b.png"
                                                    "?width=100&height=50&resize=cover&quality=80", NULL);
    g_autoptr(GBytes) body = NULL;
    guint status = 0;

    g_assert_cmpstr (url, ==, expected);
    g_assert_cmpstr (dl, ==, expected_dl);
    g_assert_cmpstr (rendered, ==, expected_render);
    g_assert_null (supa_storage_get_public_url (storage, "archive", "../x", NULL, NULL));

    body = http_get (url, &status, NULL);
    g_assert_cmpuint (status, ==, 200);
    g_assert_cmpmem (g_bytes_get_data (body, NULL), g_bytes_get_size (body), text, strlen (text));
  }

  /* signed upload URL, then an upload to it */
  {
    g_autoptr(SupaSignedUpload) signed_upload = NULL;
    g_autoptr(GInputStream) input = g_memory_input_stream_new_from_data ("signed!", 7, NULL);

    supa_storage_create_signed_upload_url_async (storage, "files", "/uploads//signed.txt", FALSE,
                                                 NULL, test_store_result_cb, &res);
    signed_upload = supa_storage_create_signed_upload_url_finish (storage, WAIT (res), &error);
    g_assert_no_error (error);
    g_clear_object (&res);
    g_assert_cmpstr (signed_upload->path, ==, "uploads/signed.txt");
    g_assert_nonnull (signed_upload->token);
    g_assert_true (g_str_has_prefix (signed_upload->signed_url, server->url));
    g_assert_nonnull (strstr (signed_upload->signed_url, "token="));

    supa_storage_upload_to_signed_url_async (storage, signed_upload->signed_url, input, 7, "text/plain", 0,
                                             NULL, test_store_result_cb, &res);
    key = supa_storage_upload_to_signed_url_finish (storage, WAIT (res), &error);
    g_assert_no_error (error);
    g_assert_cmpstr (key, ==, "files/uploads/signed.txt");
    g_clear_pointer (&key, g_free);
    g_clear_object (&res);

    got = download_bytes ("files", "uploads/signed.txt", NULL, &error);
    g_assert_no_error (error);
    g_assert_cmpmem (g_bytes_get_data (got, NULL), g_bytes_get_size (got), "signed!", 7);
    g_clear_pointer (&got, g_bytes_unref);
  }

  /* a bucket that still holds objects is not deleted */
  supa_storage_delete_bucket_async (storage, "archive", NULL, test_store_result_cb, &res);
  g_assert_false (supa_storage_delete_bucket_finish (storage, WAIT (res), &error));
  g_assert_error (error, SUPA_ERROR, SUPA_ERROR_CONFLICT);
  g_clear_error (&error);
  g_clear_object (&res);

  /* invalid paths never reach the server */
  supa_storage_info_async (storage, "files", "a/../b", NULL, test_store_result_cb, &res);
  g_assert_null (supa_storage_info_finish (storage, WAIT (res), &error));
  g_assert_error (error, SUPA_ERROR, SUPA_ERROR_INVALID_INPUT);
  g_clear_error (&error);
  g_clear_object (&res);

  g_rmdir (tmpdir);
}

static void
test_limits (void)
{
  const char * const png_only[] = { "image/png", NULL };
  SupaBucketSettings strict = {
    .fields = SUPA_BUCKET_FIELD_FILE_SIZE_LIMIT | SUPA_BUCKET_FIELD_ALLOWED_MIME_TYPES,
    .file_size_limit = "1KB",
    .allowed_mime_types = png_only,
  };
  static const guchar png_header[] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n' };
  g_autoptr(GByteArray) big_png = g_byte_array_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *key = NULL;

  create_bucket ("strict", &strict);

  /* 415: text into a PNG-only bucket */
  key = upload_bytes ("strict", "notes.txt", "plain text", 10, NULL, &error);
  g_assert_null (key);
  g_assert_error (error, SUPA_ERROR, SUPA_ERROR_UNSUPPORTED_MEDIA);
  g_assert_cmpuint (supa_error_get_logical_status (error), ==, 415);
  g_assert_cmpstr (supa_error_get_server_code (error), ==, "InvalidMimeType");
  g_assert_nonnull (strstr (error->message, "text/plain"));
  g_clear_error (&error);

  /* 413: a PNG over the 1 KB limit */
  g_byte_array_append (big_png, png_header, sizeof png_header);
  while (big_png->len < 4096)
    g_byte_array_append (big_png, (const guint8 *) "pixels", 6);
  key = upload_bytes ("strict", "large.png", big_png->data, big_png->len, NULL, &error);
  g_assert_null (key);
  g_assert_error (error, SUPA_ERROR, SUPA_ERROR_TOO_LARGE);
  g_assert_cmpuint (supa_error_get_logical_status (error), ==, 413);
  g_assert_cmpstr (supa_error_get_server_code (error), ==, "EntityTooLarge");
  g_assert_nonnull (strstr (error->message, "maximum allowed size"));
  g_clear_error (&error);

  /* a small PNG passes: the type was sniffed from the bytes */
  key = upload_bytes ("strict", "tiny.png", png_header, sizeof png_header, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (key, ==, "strict/tiny.png");
}

typedef struct
{
  guint  batches;
  guint  removed;
  guint  sizes[8];
} BatchLog;

static void
remove_batch_cb (guint               batch,
                 const char * const *requested,
                 const char * const *removed,
                 const GError       *error,
                 gpointer            user_data)
{
  BatchLog *log = user_data;

  g_assert_no_error ((GError *) error);
  g_assert_cmpuint (batch, ==, log->batches);
  g_assert_cmpuint (batch, <, G_N_ELEMENTS (log->sizes));
  log->sizes[batch] = g_strv_length ((GStrv) requested);
  log->removed += g_strv_length ((GStrv) removed);
  log->batches++;
}

typedef struct
{
  guint     pending;
  guint     next;
  guint     total;
  const char *bucket;
  const char *prefix;
  GError   *error;
} BulkUpload;

static void bulk_start_one (BulkUpload *bulk);

static void
bulk_done_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  BulkUpload *bulk = user_data;
  g_autofree char *key = supa_upload_start_finish (SUPA_UPLOAD (source), result,
                                                   bulk->error ? NULL : &bulk->error);

  /* Only the first failure is kept; the key is not needed here. */
  (void) key;

  bulk->pending--;
  bulk_start_one (bulk);
}

static void
bulk_start_one (BulkUpload *bulk)
{
  g_autofree char *path = NULL;
  g_autoptr(GInputStream) input = NULL;
  g_autoptr(SupaUpload) upload = NULL;

  if (bulk->next >= bulk->total)
    return;

  path = g_strdup_printf ("%s%05u.txt", bulk->prefix, bulk->next);
  bulk->next++;
  input = g_memory_input_stream_new_from_data (g_strdup (path), strlen (path), g_free);
  upload = supa_upload_new_for_stream (client, bulk->bucket, path, input, strlen (path));
  supa_upload_set_content_type (upload, "text/plain");
  bulk->pending++;
  supa_upload_start_async (upload, NULL, bulk_done_cb, bulk);
}

/* Uploads @total small objects named @prefix + "00042.txt", 16 at a time. */
static void
bulk_upload (const char *bucket,
             const char *prefix,
             guint       total)
{
  BulkUpload bulk = { .total = total, .bucket = bucket, .prefix = prefix };

  for (guint i = 0; i < 16; i++)
    bulk_start_one (&bulk);
  while (bulk.pending > 0)
    g_main_context_iteration (NULL, TRUE);
  g_assert_no_error (bulk.error);
  g_assert_cmpuint (bulk.next, ==, total);
}

static void
test_remove_batches (void)
{
  g_autoptr(GPtrArray) paths = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) removed = NULL;
  g_autoptr(GPtrArray) items = NULL;
  g_autoptr(GAsyncResult) res = NULL;
  g_autoptr(GError) error = NULL;
  BatchLog log = { 0 };

  create_bucket ("bulk", NULL);
  bulk_upload ("bulk", "batch/item-", 250);

  items = list_folder ("bulk", "batch", NULL, TRUE);
  g_assert_cmpuint (items->len, ==, 250);
  g_clear_pointer (&items, g_ptr_array_unref);

  for (guint i = 0; i < 250; i++)
    g_ptr_array_add (paths, g_strdup_printf ("batch/item-%05u.txt", i));
  g_ptr_array_add (paths, g_strdup ("batch/not-there.txt"));
  g_ptr_array_add (paths, NULL);

  supa_storage_remove_async (storage, "bulk", (const char * const *) paths->pdata, 100,
                             remove_batch_cb, &log, NULL, test_store_result_cb, &res);
  removed = supa_storage_remove_finish (storage, WAIT (res), &error);
  g_assert_no_error (error);
  g_assert_cmpuint (removed->len, ==, 250);
  g_assert_cmpuint (log.batches, ==, 3);
  g_assert_cmpuint (log.sizes[0], ==, 100);
  g_assert_cmpuint (log.sizes[1], ==, 100);
  g_assert_cmpuint (log.sizes[2], ==, 51);
  g_assert_cmpuint (log.removed, ==, 250);

  items = list_folder ("bulk", "batch", NULL, TRUE);
  g_assert_cmpuint (items->len, ==, 0);
}

static void
test_list_all (void)
{
  g_autoptr(GPtrArray) items = NULL;
  g_autoptr(GAsyncResult) res = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(SupaBucket) gone = NULL;
  SupaListOptions page = { .limit = 100, .offset = 2450 };
  g_autofree char *key = NULL;

  create_bucket ("many", NULL);
  bulk_upload ("many", "f/", 2500);
  key = upload_bytes ("many", "f/.emptyFolderPlaceholder", "", 0, NULL, &error);
  g_assert_no_error (error);

  /* 2,501 rows on the server: three pages of 1000, the placeholder hidden */
  items = list_folder ("many", "f", NULL, TRUE);
  g_assert_cmpuint (items->len, ==, 2500);
  for (guint i = 0; i < items->len; i++)
    {
      g_autofree char *expected = g_strdup_printf ("%05u.txt", i);
      g_assert_cmpstr (supa_object_info_get_name (items->pdata[i]), ==, expected);
    }
  g_clear_pointer (&items, g_ptr_array_unref);

  /* one page of an explicit window: the server counts the placeholder
   * (sorted first), so row 2450 is file 02449 */
  items = list_folder ("many", "f", &page, FALSE);
  g_assert_cmpuint (items->len, ==, 51);
  g_assert_cmpstr (supa_object_info_get_name (items->pdata[0]), ==, "02449.txt");
  g_assert_cmpstr (supa_object_info_get_name (items->pdata[50]), ==, "02499.txt");
  g_clear_pointer (&items, g_ptr_array_unref);

  supa_storage_empty_bucket_async (storage, "many", NULL, test_store_result_cb, &res);
  g_assert_true (supa_storage_empty_bucket_finish (storage, WAIT (res), &error));
  g_assert_no_error (error);
  g_clear_object (&res);

  items = list_folder ("many", "f", NULL, TRUE);
  g_assert_cmpuint (items->len, ==, 0);

  supa_storage_delete_bucket_async (storage, "many", NULL, test_store_result_cb, &res);
  g_assert_true (supa_storage_delete_bucket_finish (storage, WAIT (res), &error));
  g_assert_no_error (error);
  g_clear_object (&res);

  gone = get_bucket ("many", &error);
  g_assert_null (gone);
  g_assert_error (error, SUPA_ERROR, SUPA_ERROR_NOT_FOUND);
}

/* ------------------------------------------------ retries and many moves */

static void
set_faults (const char *faults_json)
{
  const char *headers[] = { "apikey", server->service_role_key, NULL };
  g_autoptr(SupaTestResponse) r = NULL;

  r = supa_test_request (server, "POST", "/__local/faults", headers, "application/json", faults_json, -1);
  g_assert_cmpuint (r->status, ==, 200);
}

static void
clear_faults (void)
{
  const char *headers[] = { "apikey", server->service_role_key, NULL };
  g_autoptr(SupaTestResponse) r = NULL;

  r = supa_test_request (server, "DELETE", "/__local/faults", headers, NULL, NULL, 0);
  g_assert_cmpuint (r->status, <, 300);
}

/* How often the first fault fired. */
static gint64
fault_fired (void)
{
  const char *headers[] = { "apikey", server->service_role_key, NULL };
  g_autoptr(SupaTestResponse) r = NULL;
  JsonArray *fired;

  r = supa_test_request (server, "GET", "/__local/faults", headers, NULL, NULL, 0);
  g_assert_cmpuint (r->status, ==, 200);
  g_assert_nonnull (r->json);
  fired = json_object_get_array_member (json_node_get_object (r->json), "fired");
  g_assert_cmpuint (json_array_get_length (fired), >=, 1);
  return json_array_get_int_element (fired, 0);
}

typedef struct
{
  guint last_done;
  guint calls;
  guint failed;
} ManyLog;

static void
many_progress_cb (guint         done,
                  guint         total,
                  const char   *from_key,
                  const GError *error,
                  gpointer      user_data)
{
  ManyLog *log = user_data;

  /* Progress moves one key at a time and never past the total. */
  g_assert_cmpuint (done, ==, log->last_done + 1);
  g_assert_cmpuint (done, <=, total);
  g_assert_nonnull (from_key);
  log->last_done = done;
  log->calls++;
  if (error != NULL)
    log->failed++;
}

static void
upload_text_objects (const char *bucket,
                     const char *prefix,
                     guint       n,
                     GPtrArray  *from,
                     GPtrArray  *to,
                     const char *to_prefix)
{
  for (guint i = 0; i < n; i++)
    {
      g_autofree char *path = g_strdup_printf ("%s/file-%u.txt", prefix, i);
      g_autofree char *key = NULL;
      g_autoptr(GError) error = NULL;

      key = upload_bytes (bucket, path, path, strlen (path), "text/plain", &error);
      g_assert_no_error (error);
      g_ptr_array_add (from, g_steal_pointer (&path));
      if (to != NULL)
        g_ptr_array_add (to, g_strdup_printf ("%s/file-%u.txt", to_prefix, i));
    }
  g_ptr_array_add (from, NULL);
  if (to != NULL)
    g_ptr_array_add (to, NULL);
}

static void
test_retry_policy (void)
{
  g_autoptr(GError) limited = supa_error_new_from_response (SUPA_SERVICE_STORAGE, 429, "Too Many Requests",
                                                            "2", NULL, NULL);
  g_autoptr(GError) overloaded = supa_error_new_from_response (SUPA_SERVICE_STORAGE, 503, "Service Unavailable",
                                                               NULL, NULL, NULL);
  g_autoptr(GError) missing = g_error_new_literal (SUPA_ERROR, SUPA_ERROR_NOT_FOUND, "Object not found");
  g_autoptr(SupaStorage) policy = supa_storage_new (client);

  g_assert_true (supa_storage_error_is_transient (limited));
  g_assert_true (supa_storage_error_is_transient (overloaded));
  g_assert_false (supa_storage_error_is_transient (missing));

  /* Retry-After wins; without it the pause doubles; 30 s at most. */
  g_assert_cmpuint (supa_storage_retry_delay (policy, 1, limited), ==, 2000);
  g_assert_cmpuint (supa_storage_retry_delay (policy, 1, overloaded), ==, 500);
  g_assert_cmpuint (supa_storage_retry_delay (policy, 3, overloaded), ==, 2000);
  g_assert_cmpuint (supa_storage_retry_delay (policy, 12, overloaded), ==, 30000);
  supa_storage_set_retry_policy (policy, 3, 10, 1000);
  g_assert_cmpuint (supa_storage_retry_delay (policy, 2, overloaded), ==, 20);
  g_assert_cmpuint (supa_storage_retry_delay (policy, 1, limited), ==, 1000);
}

typedef struct
{
  guint  count;
  guint  last_delay;
  char  *last_message;
} RetryLog;

static void
retrying_cb (SupaStorage *source,
             guint        delay_ms,
             const char  *message,
             RetryLog    *log)
{
  log->count++;
  log->last_delay = delay_ms;
  g_free (log->last_message);
  log->last_message = g_strdup (message);
}

static void
test_move_many_retry (void)
{
  RetryLog retries = { 0 };
  g_autoptr(GPtrArray) from = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) to = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) failures = NULL;
  g_autoptr(GAsyncResult) res = NULL;
  g_autoptr(GError) error = NULL;
  ManyLog log = { 0 };
  gint64 started;

  create_bucket ("retry-move", NULL);
  upload_text_objects ("retry-move", "src", 4, from, to, "dst");

  /* The first two moves are rate limited with Retry-After: 1. */
  g_signal_connect (storage, "retrying", G_CALLBACK (retrying_cb), &retries);
  set_faults ("{\"faults\":[\"status:code=429,retry-after=1,count=2,prefix=/storage/v1/object/move\"]}");
  started = g_get_monotonic_time ();
  supa_storage_move_many_async (storage, "retry-move", (const char * const *) from->pdata, NULL,
                                (const char * const *) to->pdata, many_progress_cb, &log,
                                NULL, test_store_result_cb, &res);
  failures = supa_storage_many_finish (storage, WAIT (res), &error);
  g_assert_no_error (error);
  g_assert_cmpuint (failures->len, ==, 0);
  g_assert_cmpint (fault_fired (), ==, 2);
  /* Retry-After was honoured: two pauses of a second. */
  g_assert_cmpint (g_get_monotonic_time () - started, >=, 1900 * 1000);
  g_assert_cmpuint (log.calls, ==, 4);
  g_assert_cmpuint (log.failed, ==, 0);
  /* Each pause was announced, with the server's Retry-After. */
  g_assert_cmpuint (retries.count, ==, 2);
  g_assert_cmpuint (retries.last_delay, ==, 1000);
  g_assert_nonnull (strstr (retries.last_message, "supabase-local fault"));
  g_signal_handlers_disconnect_by_data (storage, &retries);
  g_free (retries.last_message);
  clear_faults ();

  for (guint i = 0; i < 4; i++)
    {
      g_assert_false (exists ("retry-move", from->pdata[i]));
      g_assert_true (exists ("retry-move", to->pdata[i]));
    }
}

static void
test_move_many_gives_up (void)
{
  g_autoptr(GPtrArray) from = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) to = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) failures = NULL;
  g_autoptr(GAsyncResult) res = NULL;
  g_autoptr(GError) error = NULL;
  ManyLog log = { 0 };

  create_bucket ("retry-stuck", NULL);
  upload_text_objects ("retry-stuck", "src", 3, from, to, "dst");

  /* Always rate limited: every key is tried 3 times, then reported. */
  supa_storage_set_retry_policy (storage, 3, 10, 200);
  set_faults ("{\"faults\":[\"status:code=429,prefix=/storage/v1/object/move\"]}");
  supa_storage_move_many_async (storage, "retry-stuck", (const char * const *) from->pdata, NULL,
                                (const char * const *) to->pdata, many_progress_cb, &log,
                                NULL, test_store_result_cb, &res);
  failures = supa_storage_many_finish (storage, WAIT (res), &error);
  g_assert_no_error (error);
  g_assert_cmpint (fault_fired (), ==, 9);
  clear_faults ();
  supa_storage_set_retry_policy (storage, 5, 500, 30000);

  g_assert_cmpuint (failures->len, ==, 3);
  g_assert_cmpuint (log.failed, ==, 3);
  g_assert_cmpuint (log.last_done, ==, 3);
  for (guint i = 0; i < 3; i++)
    {
      SupaObjectFailure *failure = g_ptr_array_index (failures, i);

      g_assert_cmpstr (failure->from_key, ==, from->pdata[i]);
      g_assert_cmpstr (failure->to_key, ==, to->pdata[i]);
      g_assert_error (failure->error, SUPA_ERROR, SUPA_ERROR_RATE_LIMITED);
      /* The server's own message is kept for the report. */
      g_assert_nonnull (strstr (failure->error->message, "supabase-local fault"));
      g_assert_true (exists ("retry-stuck", from->pdata[i]));
      g_assert_false (exists ("retry-stuck", to->pdata[i]));
    }
}

static gboolean
cancel_later_cb (gpointer user_data)
{
  g_cancellable_cancel (user_data);
  return G_SOURCE_REMOVE;
}

static void
test_many_cancel_during_pause (void)
{
  g_autoptr(GPtrArray) from = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) to = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) failures = NULL;
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GAsyncResult) res = NULL;
  g_autoptr(GError) error = NULL;
  gint64 started;

  create_bucket ("retry-cancel", NULL);
  upload_text_objects ("retry-cancel", "src", 2, from, to, "dst");

  /* A 30 s Retry-After does not hold a cancel back. */
  set_faults ("{\"faults\":[\"status:code=503,retry-after=30,prefix=/storage/v1/object/copy\"]}");
  started = g_get_monotonic_time ();
  g_timeout_add (300, cancel_later_cb, cancellable);
  supa_storage_copy_many_async (storage, "retry-cancel", (const char * const *) from->pdata, NULL,
                                (const char * const *) to->pdata, FALSE, NULL, NULL,
                                cancellable, test_store_result_cb, &res);
  failures = supa_storage_many_finish (storage, WAIT (res), &error);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_null (failures);
  g_assert_cmpint (g_get_monotonic_time () - started, <, 3 * G_USEC_PER_SEC);
  clear_faults ();
  g_assert_false (exists ("retry-cancel", to->pdata[0]));
}

static void
test_copy_many_across_buckets (void)
{
  g_autoptr(GPtrArray) from = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) to = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) failures = NULL;
  g_autoptr(GAsyncResult) res = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) copied = NULL;

  create_bucket ("copy-from", NULL);
  create_bucket ("copy-to", NULL);
  upload_text_objects ("copy-from", "a", 3, from, to, "b/c");

  /* One transient 503 on the way; the copy still completes. */
  supa_storage_set_retry_policy (storage, 5, 20, 1000);
  set_faults ("{\"faults\":[\"status:code=503,count=1,prefix=/storage/v1/object/copy\"]}");
  supa_storage_copy_many_async (storage, "copy-from", (const char * const *) from->pdata, "copy-to",
                                (const char * const *) to->pdata, FALSE, NULL, NULL,
                                NULL, test_store_result_cb, &res);
  failures = supa_storage_many_finish (storage, WAIT (res), &error);
  g_assert_no_error (error);
  g_assert_cmpuint (failures->len, ==, 0);
  g_assert_cmpint (fault_fired (), ==, 1);
  clear_faults ();
  g_clear_object (&res);
  g_clear_pointer (&failures, g_ptr_array_unref);

  for (guint i = 0; i < 3; i++)
    {
      g_assert_true (exists ("copy-from", from->pdata[i]));
      g_assert_true (exists ("copy-to", to->pdata[i]));
    }
  copied = download_bytes ("copy-to", "b/c/file-1.txt", NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpmem (g_bytes_get_data (copied, NULL), g_bytes_get_size (copied), "a/file-1.txt", 12);

  /* Again: existing destinations are conflicts, unless upserting. */
  supa_storage_copy_many_async (storage, "copy-from", (const char * const *) from->pdata, "copy-to",
                                (const char * const *) to->pdata, FALSE, NULL, NULL,
                                NULL, test_store_result_cb, &res);
  failures = supa_storage_many_finish (storage, WAIT (res), &error);
  g_assert_no_error (error);
  g_assert_cmpuint (failures->len, ==, 3);
  g_assert_error (((SupaObjectFailure *) failures->pdata[0])->error, SUPA_ERROR, SUPA_ERROR_CONFLICT);
  g_clear_object (&res);
  g_clear_pointer (&failures, g_ptr_array_unref);

  supa_storage_copy_many_async (storage, "copy-from", (const char * const *) from->pdata, "copy-to",
                                (const char * const *) to->pdata, TRUE, NULL, NULL,
                                NULL, test_store_result_cb, &res);
  failures = supa_storage_many_finish (storage, WAIT (res), &error);
  g_assert_no_error (error);
  g_assert_cmpuint (failures->len, ==, 0);
  supa_storage_set_retry_policy (storage, 5, 500, 30000);
}

static void
test_remove_retry (void)
{
  g_autoptr(GPtrArray) from = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) removed = NULL;
  g_autoptr(GAsyncResult) res = NULL;
  g_autoptr(GError) error = NULL;
  BatchLog log = { 0 };

  create_bucket ("retry-remove", NULL);
  upload_text_objects ("retry-remove", "x", 5, from, NULL, NULL);

  /* The first batch of two is rate limited three times (Retry-After: 1 s,
   * capped to 50 ms here), then goes through with the others. */
  supa_storage_set_retry_policy (storage, 5, 20, 50);
  set_faults ("{\"faults\":[\"status:code=429,retry-after=1,count=3,method=DELETE,prefix=/storage/v1/object/retry-remove\"]}");
  supa_storage_remove_async (storage, "retry-remove", (const char * const *) from->pdata, 2,
                             remove_batch_cb, &log, NULL, test_store_result_cb, &res);
  removed = supa_storage_remove_finish (storage, WAIT (res), &error);
  g_assert_no_error (error);
  g_assert_cmpint (fault_fired (), ==, 3);
  clear_faults ();
  supa_storage_set_retry_policy (storage, 5, 500, 30000);

  g_assert_cmpuint (removed->len, ==, 5);
  g_assert_cmpuint (log.batches, ==, 3);
  g_assert_cmpuint (log.removed, ==, 5);
  for (guint i = 0; i < 5; i++)
    g_assert_false (exists ("retry-remove", from->pdata[i]));
}

int
main (int   argc,
      char *argv[])
{
  int ret;

  test_init (&argc, &argv);

  server = supa_test_server_start ("empty", NULL);
  client = supa_client_new (server->url, server->service_role_key, NULL);
  storage = supa_storage_new (client);

  g_test_add_func ("/storage/buckets", test_buckets);
  g_test_add_func ("/storage/objects", test_objects);
  g_test_add_func ("/storage/limits", test_limits);
  g_test_add_func ("/storage/remove-batches", test_remove_batches);
  g_test_add_func ("/storage/list-all", test_list_all);
  g_test_add_func ("/storage/retry-policy", test_retry_policy);
  g_test_add_func ("/storage/move-many-retry", test_move_many_retry);
  g_test_add_func ("/storage/move-many-gives-up", test_move_many_gives_up);
  g_test_add_func ("/storage/many-cancel-during-pause", test_many_cancel_during_pause);
  g_test_add_func ("/storage/copy-many-across-buckets", test_copy_many_across_buckets);
  g_test_add_func ("/storage/remove-retry", test_remove_retry);

  ret = g_test_run ();

  g_clear_object (&storage);
  g_clear_object (&client);
  supa_test_server_stop (server);
  return ret;
}
