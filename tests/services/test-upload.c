/* test-upload.c — SupaUpload (TUS) against supabase-local
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "supa-storage.h"
#include "supa-upload.h"
#include "supa-test-server.h"
#include "test-util.h"

#include <glib/gstdio.h>

#define MiB (1024 * 1024)

static SupaTestServer *server;
static GThread *main_thread;
static SupaClient *client;
static SupaStorage *storage;
static char *tmpdir;

/* A file of @size pseudo-random bytes; returns its SHA-256. */
static GFile *
make_file (const char  *name,
           gsize        size,
           char       **sha256)
{
  g_autoptr(GFile) file = g_file_new_build_filename (tmpdir, name, NULL);
  g_autoptr(GFileOutputStream) out = NULL;
  g_autoptr(GChecksum) checksum = g_checksum_new (G_CHECKSUM_SHA256);
  g_autoptr(GError) error = NULL;
  g_autofree guint32 *block = g_new (guint32, 64 * 1024 / 4);
  GRand *rand = g_rand_new_with_seed ((guint32) size);
  gsize written = 0;

  out = g_file_replace (file, NULL, FALSE, G_FILE_CREATE_NONE, NULL, &error);
  g_assert_no_error (error);
  while (written < size)
    {
      gsize n = MIN (size - written, 64 * 1024);

      for (guint i = 0; i < 64 * 1024 / 4; i++)
        block[i] = g_rand_int (rand);
      g_assert_true (g_output_stream_write_all (G_OUTPUT_STREAM (out), block, n, NULL, NULL, &error));
      g_checksum_update (checksum, (const guchar *) block, n);
      written += n;
    }
  g_assert_true (g_output_stream_close (G_OUTPUT_STREAM (out), NULL, &error));
  g_rand_free (rand);

  *sha256 = g_strdup (g_checksum_get_string (checksum));
  return g_steal_pointer (&file);
}

/* Downloads through SupaStorage into a file and hashes it. */
static char *
download_sha256 (const char *bucket,
                 const char *path,
                 goffset    *size)
{
  g_autoptr(GFile) file = g_file_new_build_filename (tmpdir, "downloaded.bin", NULL);
  g_autoptr(GAsyncResult) res = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = NULL;

  supa_storage_download_to_file_async (storage, bucket, path, file, FALSE, NULL, NULL,
                                       NULL, test_store_result_cb, &res);
  g_assert_true (supa_storage_download_finish (storage, test_wait_result (&res), size, &error));
  g_assert_no_error (error);

  bytes = g_file_load_bytes (file, NULL, NULL, &error);
  g_assert_no_error (error);
  g_file_delete (file, NULL, NULL);
  return g_compute_checksum_for_bytes (G_CHECKSUM_SHA256, bytes);
}

static void
create_bucket (const char *id)
{
  g_autoptr(GAsyncResult) res = NULL;
  g_autoptr(GError) error = NULL;

  supa_storage_create_bucket_async (storage, id, NULL, NULL, test_store_result_cb, &res);
  supa_storage_create_bucket_finish (storage, test_wait_result (&res), &error);
  if (!g_error_matches (error, SUPA_ERROR, SUPA_ERROR_CONFLICT))
    g_assert_no_error (error);
}

static void
record_offset_cb (SupaUpload *upload,
                  GParamSpec *pspec,
                  GArray     *offsets)
{
  gint64 offset = supa_upload_get_server_offset (upload);
  g_array_append_val (offsets, offset);
}

typedef struct
{
  gint64 last_sent;
  gint64 total;
  guint  calls;
  gboolean went_back;
  gboolean off_main_thread;
} ProgressLog;

static void
progress_cb (SupaUpload  *upload,
             gint64       sent,
             gint64       total,
             ProgressLog *log)
{
  /* the chunks go out from a worker thread; progress must not */
  if (g_thread_self () != main_thread || !g_main_context_is_owner (g_main_context_default ()))
    log->off_main_thread = TRUE;
  if (sent < log->last_sent)
    log->went_back = TRUE;
  log->last_sent = sent;
  log->total = total;
  log->calls++;
}

static void
test_tus_20mib (void)
{
  g_autofree char *sha = NULL;
  g_autofree char *got_sha = NULL;
  g_autofree char *key = NULL;
  g_autofree char *prefix = NULL;
  g_autoptr(GFile) file = make_file ("big.bin", 20 * MiB, &sha);
  g_autoptr(SupaUpload) upload = supa_upload_new (client, "big", "video/big.bin", file);
  g_autoptr(GArray) offsets = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr(GAsyncResult) res = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(SupaObjectInfo) info = NULL;
  g_autoptr(JsonObject) meta = json_object_new ();
  ProgressLog log = { 0 };
  goffset size = 0;
  gint64 started;
  double elapsed_ms;

  create_bucket ("big");

  g_signal_connect (upload, "notify::server-offset", G_CALLBACK (record_offset_cb), offsets);
  g_signal_connect (upload, "progress", G_CALLBACK (progress_cb), &log);
  json_object_set_string_member (meta, "camera", "test rig");
  supa_upload_set_metadata (upload, meta);
  started = g_get_monotonic_time ();
  supa_upload_start_async (upload, NULL, test_store_result_cb, &res);
  key = supa_upload_start_finish (upload, test_wait_result (&res), &error);
  elapsed_ms = (g_get_monotonic_time () - started) / 1000.0;
  g_assert_no_error (error);
  g_assert_cmpstr (key, ==, "big/video/big.bin");

  /* TUS with an upload URL a queue can keep */
  prefix = g_strconcat (server->url, "/storage/v1/upload/resumable/", NULL);
  g_assert_nonnull (supa_upload_get_upload_url (upload));
  g_assert_true (g_str_has_prefix (supa_upload_get_upload_url (upload), prefix));
  g_assert_cmpint (supa_upload_get_total_bytes (upload), ==, 20 * MiB);

  /* every chunk but the last is exactly 6 MiB */
  g_assert_cmpuint (offsets->len, ==, 4);
  g_assert_cmpint (g_array_index (offsets, gint64, 0), ==, 6 * MiB);
  g_assert_cmpint (g_array_index (offsets, gint64, 1), ==, 12 * MiB);
  g_assert_cmpint (g_array_index (offsets, gint64, 2), ==, 18 * MiB);
  g_assert_cmpint (g_array_index (offsets, gint64, 3), ==, 20 * MiB);

  /* progress: on the main thread, at least once per chunk, never more
   * often than every 100 ms plus once per chunk end (not per 8 KiB write:
   * that would be 2,560), never backwards, ending at the total */
  g_assert_false (log.off_main_thread);
  g_assert_cmpuint (log.calls, >=, 4);
  g_assert_cmpuint (log.calls, <=, 4 + 2 + (guint) (elapsed_ms / 100));
  g_assert_false (log.went_back);
  g_assert_cmpint (log.last_sent, ==, 20 * MiB);
  g_assert_cmpint (log.total, ==, 20 * MiB);

  got_sha = download_sha256 ("big", "video/big.bin", &size);
  g_assert_cmpint (size, ==, 20 * MiB);
  g_assert_cmpstr (got_sha, ==, sha);
  g_clear_object (&res);

  supa_storage_info_async (storage, "big", "video/big.bin", NULL, test_store_result_cb, &res);
  info = supa_storage_info_finish (storage, test_wait_result (&res), &error);
  g_assert_no_error (error);
  g_assert_cmpint (supa_object_info_get_size (info), ==, 20 * MiB);
  g_assert_cmpstr (supa_object_info_get_mimetype (info), ==, "application/octet-stream");
  g_assert_cmpstr (supa_object_info_get_cache_control (info), ==, "max-age=3600");
  /* user metadata travelled in Upload-Metadata */
  g_assert_nonnull (supa_object_info_get_metadata (info));
  g_assert_cmpstr (json_object_get_string_member (supa_object_info_get_metadata (info), "camera"), ==, "test rig");

  g_file_delete (file, NULL, NULL);
}

static void
set_faults (const char *json)
{
  g_autofree char *bearer = g_strconcat ("Bearer ", server->service_role_key, NULL);
  const char * const headers[] = { "apikey", server->service_role_key, "Authorization", bearer, NULL };
  g_autoptr(SupaTestResponse) resp = NULL;

  if (json != NULL)
    resp = supa_test_request (server, "POST", "/__local/faults", headers, "application/json", json, -1);
  else
    resp = supa_test_request (server, "DELETE", "/__local/faults", headers, NULL, NULL, 0);
  g_assert_cmpuint (resp->status, ==, 200);
}

static gint64
fault_fired (void)
{
  g_autofree char *bearer = g_strconcat ("Bearer ", server->service_role_key, NULL);
  const char * const headers[] = { "apikey", server->service_role_key, "Authorization", bearer, NULL };
  g_autoptr(SupaTestResponse) resp = supa_test_request (server, "GET", "/__local/faults", headers, NULL, NULL, 0);
  JsonArray *fired;

  g_assert_cmpuint (resp->status, ==, 200);
  g_assert_nonnull (resp->json);
  fired = json_object_get_array_member (json_node_get_object (resp->json), "fired");
  g_assert_cmpuint (json_array_get_length (fired), ==, 1);
  return json_array_get_int_element (fired, 0);
}

static void
test_tus_reset (void)
{
  g_autofree char *sha = NULL;
  g_autofree char *got_sha = NULL;
  g_autofree char *key = NULL;
  g_autoptr(GFile) file = make_file ("reset.bin", 14 * MiB + 123, &sha);
  g_autoptr(SupaUpload) upload = supa_upload_new (client, "big", "reset/file.bin", file);
  g_autoptr(GAsyncResult) res = NULL;
  g_autoptr(GError) error = NULL;
  ProgressLog log = { 0 };
  goffset size = 0;

  create_bucket ("big");

  /* the connection drops 3 MiB into the first PATCH */
  set_faults ("{\"faults\":[\"reset-request:after=3145728,prefix=/storage/v1/upload/resumable,method=PATCH,count=1\"]}");

  g_signal_connect (upload, "progress", G_CALLBACK (progress_cb), &log);
  supa_upload_start_async (upload, NULL, test_store_result_cb, &res);
  key = supa_upload_start_finish (upload, test_wait_result (&res), &error);
  g_assert_no_error (error);
  g_assert_cmpstr (key, ==, "big/reset/file.bin");

  g_assert_cmpint (fault_fired (), ==, 1);
  set_faults (NULL);

  /* the sender went back to the server's offset and carried on */
  g_assert_true (log.went_back);
  g_assert_cmpint (supa_upload_get_server_offset (upload), ==, 14 * MiB + 123);

  got_sha = download_sha256 ("big", "reset/file.bin", &size);
  g_assert_cmpint (size, ==, 14 * MiB + 123);
  g_assert_cmpstr (got_sha, ==, sha);

  g_file_delete (file, NULL, NULL);
}

static void
cancel_after_first_chunk_cb (SupaUpload   *upload,
                             GParamSpec   *pspec,
                             GCancellable *cancellable)
{
  if (supa_upload_get_server_offset (upload) >= 6 * MiB)
    g_cancellable_cancel (cancellable);
}

static void
test_resume_after_restart (void)
{
  g_autofree char *sha = NULL;
  g_autofree char *got_sha = NULL;
  g_autofree char *key = NULL;
  g_autofree char *saved_url = NULL;
  g_autoptr(GFile) file = make_file ("restart.bin", 13 * MiB + 5, &sha);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GArray) offsets = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr(GAsyncResult) res = NULL;
  g_autoptr(GError) error = NULL;
  goffset size = 0;

  create_bucket ("big");

  /* the first run: one chunk, then the app "quits" */
  {
    g_autoptr(SupaUpload) upload = supa_upload_new (client, "big", "resume/file.bin", file);

    g_signal_connect (upload, "notify::server-offset", G_CALLBACK (cancel_after_first_chunk_cb), cancellable);
    supa_upload_start_async (upload, cancellable, test_store_result_cb, &res);
    key = supa_upload_start_finish (upload, test_wait_result (&res), &error);
    g_assert_null (key);
    g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
    g_clear_error (&error);
    g_clear_object (&res);

    g_assert_cmpint (supa_upload_get_server_offset (upload), ==, 6 * MiB);
    saved_url = g_strdup (supa_upload_get_upload_url (upload));
    g_assert_nonnull (saved_url);
  }

  /* not there yet */
  {
    g_autoptr(GAsyncResult) exists_res = NULL;

    supa_storage_exists_async (storage, "big", "resume/file.bin", NULL, test_store_result_cb, &exists_res);
    g_assert_false (supa_storage_exists_finish (storage, test_wait_result (&exists_res), &error));
    g_assert_no_error (error);
  }

  /* the next run: a new object from the saved URL */
  {
    g_autoptr(SupaUpload) resumed = supa_upload_new_resume (client, saved_url, file);

    g_assert_cmpstr (supa_upload_get_bucket (resumed), ==, "big");
    g_assert_cmpstr (supa_upload_get_path (resumed), ==, "resume/file.bin");

    g_signal_connect (resumed, "notify::server-offset", G_CALLBACK (record_offset_cb), offsets);
    supa_upload_start_async (resumed, NULL, test_store_result_cb, &res);
    key = supa_upload_start_finish (resumed, test_wait_result (&res), &error);
    g_assert_no_error (error);
    g_assert_cmpstr (key, ==, "big/resume/file.bin");
  }

  /* it continued from the server's 6 MiB instead of starting over */
  g_assert_cmpuint (offsets->len, ==, 3);
  g_assert_cmpint (g_array_index (offsets, gint64, 0), ==, 6 * MiB);
  g_assert_cmpint (g_array_index (offsets, gint64, 1), ==, 12 * MiB);
  g_assert_cmpint (g_array_index (offsets, gint64, 2), ==, 13 * MiB + 5);

  got_sha = download_sha256 ("big", "resume/file.bin", &size);
  g_assert_cmpint (size, ==, 13 * MiB + 5);
  g_assert_cmpstr (got_sha, ==, sha);

  g_file_delete (file, NULL, NULL);
}

static void
test_stream_tus_and_update (void)
{
  g_autofree char *sha = NULL;
  g_autofree char *got_sha = NULL;
  g_autofree char *key = NULL;
  g_autoptr(GFile) file = make_file ("stream.bin", 7 * MiB, &sha);
  g_autoptr(GInputStream) input = NULL;
  g_autoptr(SupaUpload) upload = NULL;
  g_autoptr(SupaUpload) replace = NULL;
  g_autoptr(GAsyncResult) res = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) small = NULL;
  g_autofree char *small_sha = NULL;
  goffset size = 0;

  create_bucket ("big");

  /* a stream, content type given, over the single-request limit */
  input = G_INPUT_STREAM (g_file_read (file, NULL, &error));
  g_assert_no_error (error);
  upload = supa_upload_new_for_stream (client, "big", "stream/data.bin", input, 7 * MiB);
  g_assert_cmpint (supa_upload_get_total_bytes (upload), ==, 7 * MiB);
  supa_upload_set_content_type (upload, "application/x-test");
  supa_upload_start_async (upload, NULL, test_store_result_cb, &res);
  key = supa_upload_start_finish (upload, test_wait_result (&res), &error);
  g_assert_no_error (error);
  g_assert_cmpstr (key, ==, "big/stream/data.bin");
  g_assert_nonnull (supa_upload_get_upload_url (upload));
  g_clear_object (&res);
  g_clear_pointer (&key, g_free);

  got_sha = download_sha256 ("big", "stream/data.bin", &size);
  g_assert_cmpstr (got_sha, ==, sha);
  g_clear_pointer (&got_sha, g_free);

  /* replacing it with a small body uses one PUT */
  small = g_bytes_new_static ("now small", 9);
  g_clear_object (&input);
  input = g_memory_input_stream_new_from_bytes (small);
  replace = supa_upload_new_for_stream (client, "big", "stream/data.bin", input, 9);
  supa_upload_set_update (replace, TRUE);
  supa_upload_start_async (replace, NULL, test_store_result_cb, &res);
  key = supa_upload_start_finish (replace, test_wait_result (&res), &error);
  g_assert_no_error (error);
  g_assert_null (supa_upload_get_upload_url (replace));

  got_sha = download_sha256 ("big", "stream/data.bin", &size);
  g_assert_cmpint (size, ==, 9);
  small_sha = g_compute_checksum_for_bytes (G_CHECKSUM_SHA256, small);
  g_assert_cmpstr (got_sha, ==, small_sha);

  g_file_delete (file, NULL, NULL);
}

/* A pipe cannot seek: the type is sniffed by peeking, and a dropped PATCH
 * resumes from the chunk held in memory. */
static void
test_non_seekable_stream (void)
{
  g_autofree char *sha = NULL;
  g_autofree char *got_sha = NULL;
  g_autofree char *key = NULL;
  g_autofree char *path = NULL;
  g_autoptr(GFile) file = make_file ("pipe.bin", 8 * MiB + 3, &sha);
  g_autoptr(GSubprocess) cat = NULL;
  g_autoptr(SupaUpload) upload = NULL;
  g_autoptr(GAsyncResult) res = NULL;
  g_autoptr(GError) error = NULL;
  GInputStream *input;
  ProgressLog log = { 0 };
  goffset size = 0;

  create_bucket ("big");

  path = g_file_get_path (file);
  cat = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE, &error, "cat", path, NULL);
  g_assert_no_error (error);
  input = g_subprocess_get_stdout_pipe (cat);
  g_assert_false (G_IS_SEEKABLE (input) && g_seekable_can_seek (G_SEEKABLE (input)));

  set_faults ("{\"faults\":[\"reset-request:after=2097152,prefix=/storage/v1/upload/resumable,method=PATCH,count=1\"]}");

  upload = supa_upload_new_for_stream (client, "big", "pipe/data.bin", input, 8 * MiB + 3);
  g_signal_connect (upload, "progress", G_CALLBACK (progress_cb), &log);
  supa_upload_start_async (upload, NULL, test_store_result_cb, &res);
  key = supa_upload_start_finish (upload, test_wait_result (&res), &error);
  g_assert_no_error (error);
  g_assert_cmpstr (key, ==, "big/pipe/data.bin");
  g_assert_cmpstr (supa_upload_get_content_type (upload), ==, "application/octet-stream");

  g_assert_cmpint (fault_fired (), ==, 1);
  set_faults (NULL);
  g_assert_true (log.went_back);

  got_sha = download_sha256 ("big", "pipe/data.bin", &size);
  g_assert_cmpint (size, ==, 8 * MiB + 3);
  g_assert_cmpstr (got_sha, ==, sha);

  g_assert_true (g_subprocess_wait_check (cat, NULL, &error));
  g_file_delete (file, NULL, NULL);
}

/* A 409 (offset conflict) makes the sender ask for the offset and go on;
 * a failure that persists ends after the bounded retries. */
static void
test_conflict_and_give_up (void)
{
  g_autofree char *sha = NULL;
  g_autofree char *got_sha = NULL;
  g_autofree char *key = NULL;
  g_autoptr(GFile) file = make_file ("conflict.bin", 7 * MiB + 1, &sha);
  g_autoptr(SupaUpload) upload = supa_upload_new (client, "big", "conflict/file.bin", file);
  g_autoptr(SupaUpload) doomed = supa_upload_new (client, "big", "conflict/doomed.bin", file);
  g_autoptr(GAsyncResult) res = NULL;
  g_autoptr(GError) error = NULL;
  goffset size = 0;

  create_bucket ("big");

  set_faults ("{\"faults\":[\"status:code=409,prefix=/storage/v1/upload/resumable,method=PATCH,count=2\"]}");
  supa_upload_start_async (upload, NULL, test_store_result_cb, &res);
  key = supa_upload_start_finish (upload, test_wait_result (&res), &error);
  g_assert_no_error (error);
  g_assert_cmpstr (key, ==, "big/conflict/file.bin");
  g_assert_cmpint (fault_fired (), ==, 2);
  g_clear_object (&res);

  got_sha = download_sha256 ("big", "conflict/file.bin", &size);
  g_assert_cmpstr (got_sha, ==, sha);

  /* every PATCH fails: two retries, then the server's error */
  set_faults ("{\"faults\":[\"status:code=503,prefix=/storage/v1/upload/resumable,method=PATCH\"]}");
  supa_upload_set_max_retries (doomed, 2);
  supa_upload_start_async (doomed, NULL, test_store_result_cb, &res);
  g_assert_null (supa_upload_start_finish (doomed, test_wait_result (&res), &error));
  g_assert_error (error, SUPA_ERROR, SUPA_ERROR_SERVER);
  g_assert_cmpint (fault_fired (), ==, 3);
  g_assert_cmpint (supa_upload_get_server_offset (doomed), ==, 0);
  g_assert_nonnull (supa_upload_get_upload_url (doomed));
  set_faults (NULL);
  g_clear_error (&error);
  g_clear_object (&res);

  /* starting the same object again continues that upload */
  {
    g_autofree char *url = g_strdup (supa_upload_get_upload_url (doomed));
    g_autofree char *doomed_key = NULL;
    g_autofree char *doomed_sha = NULL;

    supa_upload_start_async (doomed, NULL, test_store_result_cb, &res);
    doomed_key = supa_upload_start_finish (doomed, test_wait_result (&res), &error);
    g_assert_no_error (error);
    g_assert_cmpstr (doomed_key, ==, "big/conflict/doomed.bin");
    g_assert_cmpstr (supa_upload_get_upload_url (doomed), ==, url);
    doomed_sha = download_sha256 ("big", "conflict/doomed.bin", &size);
    g_assert_cmpstr (doomed_sha, ==, sha);
    g_clear_object (&res);
  }

  /* an upload the server does not know cannot be resumed */
  {
    const char *raw_id = "big/never/00000000-0000-0000-0000-000000000000";
    g_autofree char *id = test_base64url (raw_id, strlen (raw_id));
    g_autofree char *bogus = g_strconcat (server->url, "/storage/v1/upload/resumable/", id, NULL);
    g_autoptr(SupaUpload) unknown = supa_upload_new_resume (client, bogus, file);

    g_assert_cmpstr (supa_upload_get_bucket (unknown), ==, "big");
    g_assert_cmpstr (supa_upload_get_path (unknown), ==, "never");
    supa_upload_start_async (unknown, NULL, test_store_result_cb, &res);
    g_assert_null (supa_upload_start_finish (unknown, test_wait_result (&res), &error));
    g_assert_error (error, SUPA_ERROR, SUPA_ERROR_NOT_FOUND);
    g_clear_error (&error);
    g_clear_object (&res);
  }

  /* a saved URL pointing elsewhere (an edited state file) is refused before
   * any request carries the key to it */
  {
    const char *raw_id = "big/never/00000000-0000-0000-0000-000000000000";
    g_autofree char *id = test_base64url (raw_id, strlen (raw_id));
    g_autofree char *foreign = g_strconcat ("http://127.0.0.2:9/storage/v1/upload/resumable/", id, NULL);
    g_autoptr(SupaUpload) elsewhere = supa_upload_new_resume (client, foreign, file);

    supa_upload_start_async (elsewhere, NULL, test_store_result_cb, &res);
    g_assert_null (supa_upload_start_finish (elsewhere, test_wait_result (&res), &error));
    g_assert_error (error, SUPA_ERROR, SUPA_ERROR_INVALID_INPUT);
    g_assert_nonnull (strstr (error->message, "not on this project"));
    g_clear_error (&error);
    g_clear_object (&res);
  }

  g_file_delete (file, NULL, NULL);
}

typedef struct
{
  SupaUpload   *upload;
  GCancellable *cancellable;  /* cancelled once a PATCH is on the wire */
  guint         notifies;
  guint         ahead;        /* notifies showing bytes the server has not confirmed */
  gboolean      off_main_thread;
  gint64        last;
  gboolean      went_back;
  gint64        cancelled_at;
} NotifyLog;

static void
bytes_sent_notify_cb (SupaUpload *upload,
                      GParamSpec *pspec,
                      NotifyLog  *log)
{
  gint64 sent = supa_upload_get_bytes_sent (upload);

  if (g_thread_self () != main_thread || !g_main_context_is_owner (g_main_context_default ()))
    log->off_main_thread = TRUE;
  log->notifies++;
  if (sent < log->last)
    log->went_back = TRUE;
  log->last = sent;
  if (sent > supa_upload_get_server_offset (upload))
    {
      log->ahead++;
      if (log->cancellable != NULL && log->cancelled_at == 0)
        {
          log->cancelled_at = g_get_monotonic_time ();
          g_cancellable_cancel (log->cancellable);
        }
    }
}

/* Each PATCH is answered 400 ms after its body arrived: the chunk is then
 * all on the wire but not yet confirmed, and the progress shows it, from
 * the main thread, throttled to ~100 ms. */
static void
test_progress_main_thread_throttled (void)
{
  g_autofree char *sha = NULL;
  g_autofree char *got_sha = NULL;
  g_autofree char *key = NULL;
  g_autoptr(GFile) file = make_file ("slowpatch.bin", 13 * MiB + 17, &sha);
  g_autoptr(SupaUpload) upload = supa_upload_new (client, "big", "progress/file.bin", file);
  g_autoptr(GAsyncResult) res = NULL;
  g_autoptr(GError) error = NULL;
  NotifyLog log = { 0 };
  goffset size = 0;
  gint64 started;
  double elapsed_ms;

  create_bucket ("big");
  set_faults ("{\"faults\":[\"latency:ms=400,prefix=/storage/v1/upload/resumable,method=PATCH\"]}");

  g_signal_connect (upload, "notify::bytes-sent", G_CALLBACK (bytes_sent_notify_cb), &log);
  started = g_get_monotonic_time ();
  supa_upload_start_async (upload, NULL, test_store_result_cb, &res);
  key = supa_upload_start_finish (upload, test_wait_result (&res), &error);
  elapsed_ms = (g_get_monotonic_time () - started) / 1000.0;
  g_assert_no_error (error);
  g_assert_cmpstr (key, ==, "big/progress/file.bin");
  set_faults (NULL);

  g_assert_false (log.off_main_thread);
  g_assert_false (log.went_back);
  g_assert_cmpint (log.last, ==, 13 * MiB + 17);
  /* 3 PATCHes of ≥ 400 ms: the bar moved ahead of the server's word */
  g_assert_cmpfloat (elapsed_ms, >=, 1200);
  g_assert_cmpuint (log.ahead, >=, 3);
  /* throttled: ~one notify per 100 ms plus one per chunk, far from one per
   * 8 KiB written (1,664) */
  g_assert_cmpuint (log.notifies, <=, 3 + 2 + (guint) (elapsed_ms / 100));
  g_assert_cmpuint (log.notifies, <, 13 * MiB / (8 * 1024) / 10);

  got_sha = download_sha256 ("big", "progress/file.bin", &size);
  g_assert_cmpint (size, ==, 13 * MiB + 17);
  g_assert_cmpstr (got_sha, ==, sha);
  g_file_delete (file, NULL, NULL);
}

static gboolean
quit_wait_cb (gpointer user_data)
{
  *(gboolean *) user_data = TRUE;
  return G_SOURCE_REMOVE;
}

/* Cancelling while a PATCH is in flight in the worker thread ends the
 * upload at once (the server would take 3 s to answer), and it can be
 * started again afterwards and completes. */
static void
test_cancel_during_patch (void)
{
  g_autofree char *sha = NULL;
  g_autofree char *got_sha = NULL;
  g_autofree char *key = NULL;
  g_autoptr(GFile) file = make_file ("cancelpatch.bin", 9 * MiB + 1, &sha);
  g_autoptr(SupaUpload) upload = supa_upload_new (client, "big", "cancel/file.bin", file);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GAsyncResult) res = NULL;
  g_autoptr(GError) error = NULL;
  NotifyLog log = { 0 };
  goffset size = 0;
  double after_cancel_ms;
  gboolean waited = FALSE;

  create_bucket ("big");
  set_faults ("{\"faults\":[\"latency:ms=3000,prefix=/storage/v1/upload/resumable,method=PATCH,count=1\"]}");

  log.cancellable = cancellable;
  g_signal_connect (upload, "notify::bytes-sent", G_CALLBACK (bytes_sent_notify_cb), &log);
  supa_upload_start_async (upload, cancellable, test_store_result_cb, &res);
  g_assert_null (supa_upload_start_finish (upload, test_wait_result (&res), &error));
  after_cancel_ms = (g_get_monotonic_time () - log.cancelled_at) / 1000.0;
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&error);
  g_clear_object (&res);

  g_assert_cmpint (log.cancelled_at, >, 0);
  g_assert_false (log.off_main_thread);
  g_assert_cmpfloat (after_cancel_ms, <, 1000);
  g_assert_cmpint (supa_upload_get_server_offset (upload), ==, 0);
  g_assert_nonnull (supa_upload_get_upload_url (upload));

  /* let the server finish with the abandoned PATCH, then go on */
  g_timeout_add (3200, quit_wait_cb, &waited);
  while (!waited)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpint (fault_fired (), ==, 1);
  set_faults (NULL);

  log.cancellable = NULL;
  supa_upload_start_async (upload, NULL, test_store_result_cb, &res);
  key = supa_upload_start_finish (upload, test_wait_result (&res), &error);
  g_assert_no_error (error);
  g_assert_cmpstr (key, ==, "big/cancel/file.bin");
  g_assert_false (log.off_main_thread);

  got_sha = download_sha256 ("big", "cancel/file.bin", &size);
  g_assert_cmpint (size, ==, 9 * MiB + 1);
  g_assert_cmpstr (got_sha, ==, sha);
  g_file_delete (file, NULL, NULL);
}

/* A stream that remembers how far reading ran ahead of what the server had
 * confirmed: the uploader must never hold more than one chunk. */
#define TEST_TYPE_COUNTING_STREAM (test_counting_stream_get_type ())
G_DECLARE_FINAL_TYPE (TestCountingStream, test_counting_stream, TEST, COUNTING_STREAM, GFilterInputStream)

struct _TestCountingStream
{
  GFilterInputStream parent_instance;
  GMutex             lock;
  gint64             read_total;
  gint64             confirmed;
  gint64             max_ahead;
};

G_DEFINE_FINAL_TYPE (TestCountingStream, test_counting_stream, G_TYPE_FILTER_INPUT_STREAM)

static gssize
test_counting_stream_read (GInputStream  *stream,
                           void          *buffer,
                           gsize          count,
                           GCancellable  *cancellable,
                           GError       **error)
{
  TestCountingStream *self = (TestCountingStream *) stream;
  GInputStream *base = g_filter_input_stream_get_base_stream (G_FILTER_INPUT_STREAM (stream));
  gssize n = g_input_stream_read (base, buffer, count, cancellable, error);

  if (n > 0)
    {
      g_mutex_lock (&self->lock);
      self->read_total += n;
      self->max_ahead = MAX (self->max_ahead, self->read_total - self->confirmed);
      g_mutex_unlock (&self->lock);
    }
  return n;
}

static void
test_counting_stream_finalize (GObject *object)
{
  g_mutex_clear (&((TestCountingStream *) object)->lock);
  G_OBJECT_CLASS (test_counting_stream_parent_class)->finalize (object);
}

static void
test_counting_stream_class_init (TestCountingStreamClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = test_counting_stream_finalize;
  G_INPUT_STREAM_CLASS (klass)->read_fn = test_counting_stream_read;
}

static void
test_counting_stream_init (TestCountingStream *self)
{
  g_mutex_init (&self->lock);
}

static void
counting_confirmed_cb (SupaUpload         *upload,
                       GParamSpec         *pspec,
                       TestCountingStream *counter)
{
  g_mutex_lock (&counter->lock);
  counter->confirmed = supa_upload_get_server_offset (upload);
  g_mutex_unlock (&counter->lock);
}

static void
test_bounded_memory (void)
{
  g_autofree char *sha = NULL;
  g_autofree char *got_sha = NULL;
  g_autofree char *key = NULL;
  g_autoptr(GFile) file = make_file ("bounded.bin", 20 * MiB, &sha);
  g_autoptr(GFileInputStream) base = NULL;
  g_autoptr(TestCountingStream) counter = NULL;
  g_autoptr(SupaUpload) upload = NULL;
  g_autoptr(GAsyncResult) res = NULL;
  g_autoptr(GError) error = NULL;
  goffset size = 0;

  create_bucket ("big");

  base = g_file_read (file, NULL, &error);
  g_assert_no_error (error);
  counter = g_object_new (TEST_TYPE_COUNTING_STREAM, "base-stream", base, NULL);
  upload = supa_upload_new_for_stream (client, "big", "bounded/data.bin", G_INPUT_STREAM (counter), 20 * MiB);
  g_signal_connect (upload, "notify::server-offset", G_CALLBACK (counting_confirmed_cb), counter);
  supa_upload_start_async (upload, NULL, test_store_result_cb, &res);
  key = supa_upload_start_finish (upload, test_wait_result (&res), &error);
  g_assert_no_error (error);

  g_assert_cmpint (counter->read_total, ==, 20 * MiB);
  /* the chunk on the wire, the next one read ahead while it is sent, and
   * the few bytes peeked for the content type: never more */
  g_assert_cmpint (counter->max_ahead, <=, 12 * MiB + 4096);

  got_sha = download_sha256 ("big", "bounded/data.bin", &size);
  g_assert_cmpstr (got_sha, ==, sha);
  g_file_delete (file, NULL, NULL);
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SoupSession) session = NULL;
  int ret;

  test_init (&argc, &argv);
  main_thread = g_thread_self ();

  server = supa_test_server_start ("empty", NULL);
  /* supabase-local's reset-request fault half-closes the socket: a client
   * still writing the body only notices through its I/O timeout, so keep
   * that short here (libsoup's default is 60 s). */
  session = soup_session_new_with_options ("timeout", 10, NULL);
  client = supa_client_new (server->url, server->service_role_key, session);
  storage = supa_storage_new (client);
  tmpdir = g_dir_make_tmp ("upload-XXXXXX", &error);
  g_assert_no_error (error);

  g_test_add_func ("/upload/tus-20mib", test_tus_20mib);
  g_test_add_func ("/upload/tus-connection-reset", test_tus_reset);
  g_test_add_func ("/upload/resume-after-restart", test_resume_after_restart);
  g_test_add_func ("/upload/stream-and-update", test_stream_tus_and_update);
  g_test_add_func ("/upload/non-seekable-stream", test_non_seekable_stream);
  g_test_add_func ("/upload/conflict-and-give-up", test_conflict_and_give_up);
  g_test_add_func ("/upload/bounded-memory", test_bounded_memory);
  g_test_add_func ("/upload/progress-main-thread-throttled", test_progress_main_thread_throttled);
  g_test_add_func ("/upload/cancel-during-patch", test_cancel_during_patch);

  ret = g_test_run ();

  g_rmdir (tmpdir);
  g_free (tmpdir);
  g_clear_object (&storage);
  g_clear_object (&client);
  supa_test_server_stop (server);
  return ret;
}
