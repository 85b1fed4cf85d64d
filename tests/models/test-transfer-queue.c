/* test-transfer-queue.c — SupaTransferQueue against supabase-local:
 * concurrency, byte-exact uploads and downloads, pause / restart / resume
 * from the server's offset, cancel, failure and retry, no secrets on disk.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "supa-transfer-queue.h"

#include <glib/gstdio.h>
#include "supa-upload.h"
#include "supa-test-server.h"
#include "../services/test-util.h"

#define BIG_SIZE  (13 * 1024 * 1024 + 12345)
#define TIMEOUT_S 120

static SupaTestServer *server;
static SupaClient *client;
static SupaStorage *storage;
static char *tmpdir;
static char *request_log;
static char *state_path;

/* --- helpers ------------------------------------------------------------ */

static gboolean
wake_cb (gpointer data)
{
  return G_SOURCE_CONTINUE;
}

typedef gboolean (*Condition) (gpointer data);

static void
wait_until (Condition   cond,
            gpointer    data,
            const char *what)
{
  gint64 deadline = g_get_monotonic_time () + TIMEOUT_S * G_USEC_PER_SEC;
  guint wake = g_timeout_add (50, wake_cb, NULL);

  while (!cond (data))
    {
      if (g_get_monotonic_time () > deadline)
        g_error ("timed out waiting for %s", what);
      g_main_context_iteration (NULL, TRUE);
    }
  g_source_remove (wake);
}

typedef struct
{
  SupaTransfer      *transfer;
  SupaTransferState  state;
} StateWait;

static gboolean
has_state (gpointer data)
{
  StateWait *w = data;

  return supa_transfer_get_state (w->transfer) == w->state;
}

static void
wait_state (SupaTransfer      *transfer,
            SupaTransferState  state)
{
  StateWait w = { transfer, state };

  wait_until (has_state, &w, "a transfer state");
}

static gboolean
tus_midway (gpointer data)
{
  SupaTransfer *t = data;

  /* Past the first 6 MiB chunk: the server confirmed it. */
  return supa_transfer_get_upload_url (t) != NULL &&
         supa_transfer_get_bytes_done (t) > SUPA_UPLOAD_CHUNK_SIZE;
}

static GFile *
make_file (const char *name,
           gsize       size)
{
  g_autofree char *path = g_build_filename (tmpdir, name, NULL);
  g_autofree guint8 *data = g_malloc (size);
  GRand *rand = g_rand_new_with_seed (size);
  g_autoptr(GError) error = NULL;

  for (gsize i = 0; i < size; i++)
    data[i] = (guint8) g_rand_int (rand);
  g_rand_free (rand);
  g_assert_true (g_file_set_contents (path, (const char *) data, size, &error));
  g_assert_no_error (error);
  return g_file_new_for_path (path);
}

static char *
file_checksum (GFile *file)
{
  g_autofree char *data = NULL;
  gsize len = 0;

  g_assert_true (g_file_load_contents (file, NULL, &data, &len, NULL, NULL));
  return g_compute_checksum_for_data (G_CHECKSUM_SHA256, (const guchar *) data, len);
}

static SupaTestResponse *
object_request (const char *method,
                const char *bucket,
                const char *path)
{
  g_autofree char *bearer = g_strconcat ("Bearer ", server->service_role_key, NULL);
  g_autofree char *url = g_strdup_printf ("/storage/v1/object/%s/%s", bucket, path);
  const char *headers[] = { "apikey", server->service_role_key, "Authorization", bearer, NULL };

  return supa_test_request (server, method, url, headers, NULL, NULL, 0);
}

static void
assert_same_bytes (GFile      *file,
                   const char *bucket,
                   const char *path)
{
  g_autoptr(SupaTestResponse) r = object_request ("GET", bucket, path);
  g_autofree char *local = file_checksum (file);
  g_autofree char *remote = NULL;

  g_assert_cmpuint (r->status, ==, 200);
  remote = g_compute_checksum_for_bytes (G_CHECKSUM_SHA256, r->body);
  g_assert_cmpstr (local, ==, remote);
}

static void
set_faults (const char *body)
{
  const char *headers[] = { "apikey", server->service_role_key, NULL };
  g_autoptr(SupaTestResponse) r = NULL;

  r = supa_test_request (server, body != NULL ? "POST" : "DELETE", "/__local/faults", headers,
                         body != NULL ? "application/json" : NULL, body, -1);
  g_assert_cmpuint (r->status, ==, 200);
}

static void
create_bucket (const char         *id,
               const char * const *mime_types)
{
  SupaBucketSettings settings = { 0, };
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;

  if (mime_types != NULL)
    {
      settings.fields = SUPA_BUCKET_FIELD_ALLOWED_MIME_TYPES;
      settings.allowed_mime_types = mime_types;
    }
  supa_storage_create_bucket_async (storage, id, &settings, NULL, test_store_result_cb, &result);
  g_assert_true (supa_storage_create_bucket_finish (storage, test_wait_result (&result), &error));
  g_assert_no_error (error);
}

static SupaTransferQueue *
new_queue (void)
{
  g_autoptr(GError) error = NULL;
  SupaTransferQueue *queue = supa_transfer_queue_new (client, "test-profile", state_path);

  g_assert_true (supa_transfer_queue_load (queue, &error));
  g_assert_no_error (error);
  return queue;
}

/* --- concurrency -------------------------------------------------------- */

typedef struct
{
  SupaTransferQueue *queue;
  GPtrArray         *transfers;
  guint              max_running;
  guint              batches;
  guint              batch_done;
  guint              batch_failed;
} Watch;

static void
state_cb (SupaTransfer *transfer,
          GParamSpec   *pspec,
          Watch        *watch)
{
  guint running = 0;

  for (guint i = 0; i < watch->transfers->len; i++)
    if (supa_transfer_get_state (watch->transfers->pdata[i]) == SUPA_TRANSFER_RUNNING)
      running++;
  watch->max_running = MAX (watch->max_running, running);
}

static void
batch_cb (SupaTransferQueue *queue,
          guint              done,
          guint              failed,
          Watch             *watch)
{
  watch->batches++;
  watch->batch_done = done;
  watch->batch_failed = failed;
}

static gboolean
batch_over (gpointer data)
{
  return ((Watch *) data)->batches > 0;
}

static void
test_concurrency (void)
{
  g_autoptr(SupaTransferQueue) queue = new_queue ();
  g_autoptr(GPtrArray) files = g_ptr_array_new_with_free_func (g_object_unref);
  Watch watch = { queue, g_ptr_array_new (), 0, };
  const gsize sizes[] = { 1, 1024, 70000, 300000, 2000000, BIG_SIZE };

  supa_transfer_queue_set_concurrency (queue, 2);
  g_assert_cmpuint (supa_transfer_queue_get_concurrency (queue), ==, 2);
  g_signal_connect (queue, "batch-finished", G_CALLBACK (batch_cb), &watch);

  for (guint i = 0; i < G_N_ELEMENTS (sizes); i++)
    {
      g_autofree char *name = g_strdup_printf ("up-%u.bin", i);
      g_autofree char *key = g_strdup_printf ("batch/up-%u.bin", i);
      GFile *file = make_file (name, sizes[i]);
      SupaTransfer *t;

      g_ptr_array_add (files, file);
      t = supa_transfer_queue_add_upload (queue, file, "tq", key, "application/octet-stream", FALSE);
      g_assert_nonnull (t);
      g_signal_connect (t, "notify::state", G_CALLBACK (state_cb), &watch);
      g_ptr_array_add (watch.transfers, t);
    }
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (queue)), ==, 6);
  g_assert_cmpuint (supa_transfer_queue_get_n_running (queue), ==, 2);
  g_assert_cmpuint (supa_transfer_queue_get_n_active (queue), ==, 6);

  wait_until (batch_over, &watch, "the batch");
  g_assert_cmpuint (watch.max_running, ==, 2);
  g_assert_cmpuint (watch.batches, ==, 1);
  g_assert_cmpuint (watch.batch_done, ==, 6);
  g_assert_cmpuint (watch.batch_failed, ==, 0);
  g_assert_cmpuint (supa_transfer_queue_get_n_active (queue), ==, 0);

  for (guint i = 0; i < G_N_ELEMENTS (sizes); i++)
    {
      SupaTransfer *t = watch.transfers->pdata[i];

      g_assert_cmpint (supa_transfer_get_state (t), ==, SUPA_TRANSFER_DONE);
      g_assert_cmpint (supa_transfer_get_bytes_done (t), ==, sizes[i]);
      g_assert_cmpint (supa_transfer_get_bytes_total (t), ==, sizes[i]);
      g_assert_cmpfloat (supa_transfer_get_fraction (t), ==, 1.0);
      assert_same_bytes (files->pdata[i], "tq", supa_transfer_get_path (t));
    }

  supa_transfer_queue_clear_finished (queue);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (queue)), ==, 0);
  g_ptr_array_unref (watch.transfers);
}

/* --- download ----------------------------------------------------------- */

static void
count_cb (GObject    *object,
          GParamSpec *pspec,
          guint      *counter)
{
  (*counter)++;
}

static void
test_download (void)
{
  g_autoptr(SupaTransferQueue) queue = new_queue ();
  g_autofree char *dest_path = g_build_filename (tmpdir, "downloaded.bin", NULL);
  g_autofree char *part_path = g_strconcat (dest_path, ".part", NULL);
  g_autoptr(GFile) dest = g_file_new_for_path (dest_path);
  g_autoptr(GFile) original = NULL;
  g_autofree char *original_path = g_build_filename (tmpdir, "up-5.bin", NULL);
  guint progress = 0;
  SupaTransfer *t;

  t = supa_transfer_queue_add_download (queue, "tq", "batch/up-5.bin", dest);
  g_signal_connect (t, "notify::bytes-done", G_CALLBACK (count_cb), &progress);
  g_assert_cmpint (supa_transfer_get_kind (t), ==, SUPA_TRANSFER_DOWNLOAD);
  wait_state (t, SUPA_TRANSFER_DONE);

  g_assert_cmpuint (progress, >, 1);
  g_assert_cmpint (supa_transfer_get_bytes_total (t), ==, BIG_SIZE);
  g_assert_cmpint (supa_transfer_get_bytes_done (t), ==, BIG_SIZE);
  g_assert_false (g_file_test (part_path, G_FILE_TEST_EXISTS));
  original = g_file_new_for_path (original_path);
  {
    g_autofree char *a = file_checksum (original);
    g_autofree char *b = file_checksum (dest);

    g_assert_cmpstr (a, ==, b);
  }
}

/* Response body bytes of the object GETs logged after line @from. */
static gint64 downloaded_bytes_since (guint from);
static guint  log_lines (void);

/* A download cut off mid-way fails with the partial file kept; retry
 * asks only for the rest (Range) and renames the part file at the end. */
static void
test_download_resume (void)
{
  g_autoptr(SupaTransferQueue) queue = new_queue ();
  g_autofree char *dest_path = g_build_filename (tmpdir, "resumed-download.bin", NULL);
  g_autofree char *part_path = g_strconcat (dest_path, ".part", NULL);
  g_autofree char *original_path = g_build_filename (tmpdir, "up-5.bin", NULL);
  g_autoptr(GFile) dest = g_file_new_for_path (dest_path);
  g_autoptr(GFile) original = g_file_new_for_path (original_path);
  g_autofree char *a = NULL;
  g_autofree char *b = NULL;
  SupaTransfer *t;
  gint64 partial;
  guint mark;

  set_faults ("{\"faults\":[\"reset-response:after=4194304,prefix=/storage/v1/object/tq,method=GET,count=1\"]}");
  t = supa_transfer_queue_add_download (queue, "tq", "batch/up-5.bin", dest);
  wait_state (t, SUPA_TRANSFER_FAILED);
  set_faults (NULL);
  g_assert_nonnull (supa_transfer_get_error (t));
  partial = supa_transfer_get_bytes_done (t);
  g_assert_cmpint (partial, >, 0);
  g_assert_true (g_file_test (part_path, G_FILE_TEST_EXISTS));
  g_assert_false (g_file_test (dest_path, G_FILE_TEST_EXISTS));

  mark = log_lines ();
  supa_transfer_queue_retry (queue, t);
  wait_state (t, SUPA_TRANSFER_DONE);
  g_assert_cmpint (downloaded_bytes_since (mark), ==, BIG_SIZE - partial);
  g_assert_false (g_file_test (part_path, G_FILE_TEST_EXISTS));
  a = file_checksum (original);
  b = file_checksum (dest);
  g_assert_cmpstr (a, ==, b);
}

/* --- pause, restart, resume --------------------------------------------- */

static guint
log_lines (void)
{
  g_autofree char *text = NULL;
  guint n = 0;

  if (!g_file_get_contents (request_log, &text, NULL, NULL))
    return 0;
  for (const char *p = text; *p; p++)
    if (*p == '\n')
      n++;
  return n;
}

/* Body bytes of the TUS PATCH requests logged after line @from. */
static gint64
patched_bytes_since (guint from)
{
  g_autofree char *text = NULL;
  g_auto(GStrv) lines = NULL;
  gint64 sum = 0;

  g_assert_true (g_file_get_contents (request_log, &text, NULL, NULL));
  lines = g_strsplit (text, "\n", -1);
  for (guint i = from; lines[i] != NULL; i++)
    {
      g_autoptr(JsonParser) parser = json_parser_new ();
      JsonObject *obj;

      if (*lines[i] == '\0' || !json_parser_load_from_data (parser, lines[i], -1, NULL))
        continue;
      obj = json_node_get_object (json_parser_get_root (parser));
      if (g_str_equal (json_object_get_string_member (obj, "method"), "PATCH") &&
          g_str_has_prefix (json_object_get_string_member (obj, "path"), "/storage/v1/upload/resumable"))
        sum += json_object_get_int_member (obj, "request_body_bytes");
    }
  return sum;
}

typedef struct
{
  double max_speed;
  gint64 max_eta;
} SpeedSeen;

static void
speed_cb (SupaTransfer *t,
          GParamSpec   *pspec,
          SpeedSeen    *seen)
{
  seen->max_speed = MAX (seen->max_speed, supa_transfer_get_speed (t));
  seen->max_eta = MAX (seen->max_eta, supa_transfer_get_eta (t));
}

static gint64
downloaded_bytes_since (guint from)
{
  g_autofree char *text = NULL;
  g_auto(GStrv) lines = NULL;
  gint64 sum = 0;

  g_assert_true (g_file_get_contents (request_log, &text, NULL, NULL));
  lines = g_strsplit (text, "\n", -1);
  for (guint i = from; lines[i] != NULL; i++)
    {
      g_autoptr(JsonParser) parser = json_parser_new ();
      JsonObject *obj;

      if (*lines[i] == '\0' || !json_parser_load_from_data (parser, lines[i], -1, NULL))
        continue;
      obj = json_node_get_object (json_parser_get_root (parser));
      if (g_str_equal (json_object_get_string_member (obj, "method"), "GET") &&
          g_str_has_prefix (json_object_get_string_member (obj, "path"), "/storage/v1/object/"))
        sum += json_object_get_int_member (obj, "response_body_bytes");
    }
  return sum;
}

static void
test_pause_restart_resume (void)
{
  SpeedSeen seen = { 0, -1 };
  g_autoptr(GFile) file = make_file ("resume.bin", BIG_SIZE);
  g_autoptr(SupaTransferQueue) first = new_queue ();
  g_autoptr(SupaTransferQueue) second = NULL;
  g_autoptr(SupaTransfer) restored = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *id = NULL;
  SupaTransfer *t;
  gint64 saved;
  guint mark;

  /* Slow acknowledgements, so that the pause lands mid-way. */
  set_faults ("{\"faults\":[\"latency:ms=700,prefix=/storage/v1/upload/resumable,method=PATCH\"]}");
  t = supa_transfer_queue_add_upload (first, file, "tq", "resume/big.bin", NULL, FALSE);
  id = g_strdup (supa_transfer_get_id (t));
  g_signal_connect (t, "notify::speed", G_CALLBACK (speed_cb), &seen);
  wait_until (tus_midway, t, "the first chunk");
  supa_transfer_queue_pause (first, t);
  wait_state (t, SUPA_TRANSFER_PAUSED);
  set_faults (NULL);
  g_signal_handlers_disconnect_by_data (t, &seen);

  /* A smoothed speed and an ETA were shown while it ran; none now. */
  g_assert_cmpfloat (seen.max_speed, >, 0);
  g_assert_cmpint (seen.max_eta, >=, 0);
  g_assert_cmpfloat (supa_transfer_get_speed (t), ==, 0);
  g_assert_cmpint (supa_transfer_get_eta (t), ==, -1);

  saved = supa_transfer_get_bytes_done (t);
  g_assert_cmpint (saved, >=, SUPA_UPLOAD_CHUNK_SIZE);
  g_assert_cmpint (saved, <, BIG_SIZE);
  g_assert_true (supa_transfer_queue_save (first, &error));
  g_assert_no_error (error);
  g_clear_object (&first);

  /* "After a restart". */
  second = new_queue ();
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (second)), ==, 1);
  restored = g_list_model_get_item (G_LIST_MODEL (second), 0);
  g_assert_cmpstr (supa_transfer_get_id (restored), ==, id);
  g_assert_cmpint (supa_transfer_get_state (restored), ==, SUPA_TRANSFER_PAUSED);
  g_assert_cmpint (supa_transfer_get_bytes_done (restored), ==, saved);
  g_assert_cmpint (supa_transfer_get_bytes_total (restored), ==, BIG_SIZE);
  g_assert_cmpstr (supa_transfer_get_bucket (restored), ==, "tq");
  g_assert_cmpstr (supa_transfer_get_path (restored), ==, "resume/big.bin");
  g_assert_nonnull (supa_transfer_get_upload_url (restored));
  g_assert_true (g_file_equal (supa_transfer_get_local_file (restored), file));

  mark = log_lines ();
  supa_transfer_queue_resume (second, restored);
  wait_state (restored, SUPA_TRANSFER_DONE);
  g_assert_null (supa_transfer_get_error (restored));
  assert_same_bytes (file, "tq", "resume/big.bin");

  /* The server got only the rest. */
  {
    gint64 patched = patched_bytes_since (mark);

    g_assert_cmpint (patched, >, 0);
    g_assert_cmpint (patched, <=, BIG_SIZE - saved);
  }
}

/* --- cancel ------------------------------------------------------------- */

static void
finished_cb (SupaTransferQueue *queue,
             SupaTransfer      *transfer,
             guint             *counter)
{
  g_assert_true (supa_transfer_get_state (transfer) == SUPA_TRANSFER_CANCELLED);
  (*counter)++;
}

static void
test_cancel (void)
{
  g_autoptr(GFile) file = make_file ("cancel.bin", BIG_SIZE);
  g_autoptr(SupaTransferQueue) queue = new_queue ();
  g_autoptr(SupaTestResponse) r = NULL;
  g_autofree char *state = NULL;
  SupaTransfer *t;
  guint finished = 0;

  g_signal_connect (queue, "finished", G_CALLBACK (finished_cb), &finished);
  set_faults ("{\"faults\":[\"latency:ms=700,prefix=/storage/v1/upload/resumable,method=PATCH\"]}");
  t = supa_transfer_queue_add_upload (queue, file, "tq", "cancel/big.bin", NULL, FALSE);
  wait_until (tus_midway, t, "the first chunk");
  supa_transfer_queue_cancel (queue, t);
  wait_state (t, SUPA_TRANSFER_CANCELLED);
  set_faults (NULL);

  g_assert_cmpuint (finished, ==, 1);
  g_assert_null (supa_transfer_get_upload_url (t));
  r = object_request ("GET", "tq", "cancel/big.bin");
  g_assert_cmpuint (r->status, !=, 200);

  /* Not to be resumed after a restart. */
  g_assert_true (g_file_get_contents (state_path, &state, NULL, NULL));
  g_assert_null (strstr (state, "cancel/big.bin"));
}

/* --- failure and retry -------------------------------------------------- */

static void
test_fail_retry (void)
{
  const char * const png_only[] = { "image/png", NULL };
  g_autoptr(GFile) file = make_file ("note.txt", 4000);
  g_autoptr(SupaTransferQueue) queue = new_queue ();
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  SupaBucketSettings settings = { SUPA_BUCKET_FIELD_ALLOWED_MIME_TYPES, FALSE, NULL, NULL };
  const GError *failure;
  SupaTransfer *t;

  create_bucket ("strict", png_only);
  t = supa_transfer_queue_add_upload (queue, file, "strict", "notes/note.txt", "text/plain", FALSE);
  wait_state (t, SUPA_TRANSFER_FAILED);
  failure = supa_transfer_get_error (t);
  g_assert_nonnull (failure);
  g_assert_true (g_error_matches (failure, SUPA_ERROR, SUPA_ERROR_UNSUPPORTED_MEDIA));
  g_assert_nonnull (strstr (failure->message, "text/plain"));

  /* Allow any type, then retry. */
  supa_storage_update_bucket_async (storage, "strict", &settings, NULL, test_store_result_cb, &result);
  g_assert_true (supa_storage_update_bucket_finish (storage, test_wait_result (&result), &error));
  g_assert_no_error (error);

  supa_transfer_queue_retry (queue, t);
  wait_state (t, SUPA_TRANSFER_DONE);
  g_assert_null (supa_transfer_get_error (t));
  assert_same_bytes (file, "strict", "notes/note.txt");
}

/* --- no secrets ----------------------------------------------------------- */

static void
test_no_secrets (void)
{
  g_autoptr(GFile) file = make_file ("secret-check.bin", BIG_SIZE);
  g_autoptr(SupaTransferQueue) queue = new_queue ();
  g_autofree char *state = NULL;
  GStatBuf st;
  SupaTransfer *t;

  /* A state file with an upload URL in it. */
  set_faults ("{\"faults\":[\"latency:ms=700,prefix=/storage/v1/upload/resumable,method=PATCH\"]}");
  t = supa_transfer_queue_add_upload (queue, file, "tq", "secret/big.bin", NULL, FALSE);
  wait_until (tus_midway, t, "the first chunk");
  supa_transfer_queue_pause (queue, t);
  wait_state (t, SUPA_TRANSFER_PAUSED);
  set_faults (NULL);

  g_assert_true (g_file_get_contents (state_path, &state, NULL, NULL));
  g_assert_nonnull (strstr (state, "secret/big.bin"));
  g_assert_nonnull (strstr (state, supa_transfer_get_upload_url (t)));
  g_assert_null (strstr (state, server->service_role_key));
  g_assert_null (strstr (state, server->anon_key));
  g_assert_null (strstr (state, "eyJ"));
  g_assert_cmpint (g_stat (state_path, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0600);

  supa_transfer_queue_cancel (queue, t);
  g_assert_cmpint (supa_transfer_get_state (t), ==, SUPA_TRANSFER_CANCELLED);
}

/* --- a damaged state file ------------------------------------------------ */

static void
test_damaged_state (void)
{
  g_autofree char *path = g_build_filename (tmpdir, "damaged", "transfers.json", NULL);
  g_autofree char *aside = g_strconcat (path, ".damaged", NULL);
  g_autofree char *dir = g_path_get_dirname (path);
  g_autofree char *kept = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(SupaTransferQueue) queue = NULL;

  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
  g_assert_true (g_file_set_contents (path, "{\"transfers\": [ {\"kind\": ", -1, NULL));

  queue = supa_transfer_queue_new (client, "damaged-profile", path);
  g_assert_false (supa_transfer_queue_load (queue, &error));
  g_assert_error (error, SUPA_ERROR, SUPA_ERROR_INVALID_INPUT);
  g_assert_nonnull (strstr (error->message, aside));
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (queue)), ==, 0);

  /* The unreadable bytes are kept aside, and a save does not touch them. */
  g_assert_true (supa_transfer_queue_save (queue, NULL));
  g_assert_true (g_file_get_contents (aside, &kept, NULL, NULL));
  g_assert_cmpstr (kept, ==, "{\"transfers\": [ {\"kind\": ");
}

int
main (int   argc,
      char *argv[])
{
  const char *extra[3] = { "--request-log", NULL, NULL };
  g_autoptr(GError) error = NULL;
  int ret;

  test_init (&argc, &argv);

  tmpdir = g_dir_make_tmp ("test-transfer-queue-XXXXXX", &error);
  g_assert_no_error (error);
  request_log = g_build_filename (tmpdir, "requests.jsonl", NULL);
  state_path = g_build_filename (tmpdir, "state", "transfers.json", NULL);
  extra[1] = request_log;

  server = supa_test_server_start ("empty", extra);
  client = supa_client_new (server->url, server->service_role_key, NULL);
  storage = supa_storage_new (client);
  create_bucket ("tq", NULL);

  g_test_add_func ("/transfer-queue/concurrency", test_concurrency);
  g_test_add_func ("/transfer-queue/download", test_download);
  g_test_add_func ("/transfer-queue/download-resume", test_download_resume);
  g_test_add_func ("/transfer-queue/pause-restart-resume", test_pause_restart_resume);
  g_test_add_func ("/transfer-queue/cancel", test_cancel);
  g_test_add_func ("/transfer-queue/fail-retry", test_fail_retry);
  g_test_add_func ("/transfer-queue/no-secrets", test_no_secrets);
  g_test_add_func ("/transfer-queue/damaged-state", test_damaged_state);

  ret = g_test_run ();

  g_clear_object (&storage);
  g_clear_object (&client);
  supa_test_server_stop (server);
  {
    g_autoptr(GFile) dir = g_file_new_for_path (tmpdir);
    g_autoptr(GFileEnumerator) e = g_file_enumerate_children (dir, G_FILE_ATTRIBUTE_STANDARD_NAME,
                                                             G_FILE_QUERY_INFO_NONE, NULL, NULL);
    GFileInfo *info;

    while (e != NULL && (info = g_file_enumerator_next_file (e, NULL, NULL)) != NULL)
      {
        g_autoptr(GFile) child = g_file_get_child (dir, g_file_info_get_name (info));

        if (!g_file_delete (child, NULL, NULL))
          {
            g_autoptr(GFile) inner = g_file_get_child (child, "transfers.json");

            g_file_delete (inner, NULL, NULL);
            g_file_delete (child, NULL, NULL);
          }
        g_object_unref (info);
      }
    g_file_delete (dir, NULL, NULL);
  }
  g_free (state_path);
  g_free (request_log);
  g_free (tmpdir);

  return ret;
}
