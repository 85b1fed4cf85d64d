/* bench-upload.c — SupaUpload of a 1 GiB file against curl.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The bucket file manager's target: "Uploading a 1 GiB file to
 * supabase-local: throughput at least 0.9× that of curl uploading the same
 * file to the same endpoint in the same run; resident memory grows by at
 * most 32 MB".
 *
 * A 1 GiB file of pseudo-random data (a 4 MiB random block, varied per
 * copy; not sparse) goes to one bucket several times:
 *   1. SupaUpload (what the app does: > 6 MiB goes by TUS in 6 MiB
 *      chunks) — judged: wall time and peak RSS growth (VmHWM, reset just
 *      before, against VmRSS then);
 *   2. curl on the SAME endpoint, the baseline: POST
 *      /storage/v1/upload/resumable (TUS creation), then the same 6 MiB
 *      chunks as PATCHes in one curl process, each answer checked
 *      (the file is split into chunk files once, untimed). The key is only
 *      in 0600 config files, never on argv;
 *   3. report only: curl's one streamed POST /storage/v1/object/… (`curl
 *      -T file -X POST`), a different endpoint without chunking;
 *   4. SupaStorage's single-request streaming upload to a signed upload URL
 *      — report only, to separate protocol cost (TUS round trips) from
 *      client cost. SupaUpload itself has no way to force one request.
 * Every stored object must be 1 GiB with the file's MD5 as its ETag.
 * The temp dir (file, chunk files, curl configs) is removed on every path.
 */

#define G_LOG_DOMAIN "bench-upload"

#include "config.h"

#include "app-bench.h"
#include "bench-common.h"
#include "supa-storage.h"
#include "supa-test-server.h"
#include "supa-upload.h"

#include <fcntl.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#define MiB              (1024 * 1024)
#define FILE_SIZE        ((goffset) 1024 * MiB)
#define BLOCK            (4 * MiB)
#define BUCKET           "bench"
#define TARGET_RATIO     0.9
#define TARGET_GROWTH_MB 32.0
#define N_ROUNDS         2

typedef struct
{
  double  seconds;
  double  growth_mb;     /* peak RSS over RSS at the start */
  double  cpu_s;         /* user + system CPU of the uploading process */
  gboolean ok;
} Run;

static double
cpu_seconds (int who)
{
  struct rusage usage;

  if (getrusage (who, &usage) != 0)
    return 0;
  return usage.ru_utime.tv_sec + usage.ru_utime.tv_usec / 1e6 +
         usage.ru_stime.tv_sec + usage.ru_stime.tv_usec / 1e6;
}

static char *
make_file (const char *dir,
           GError    **error)
{
  g_autofree char *path = g_build_filename (dir, "1gib.bin", NULL);
  g_autoptr(GChecksum) md5 = g_checksum_new (G_CHECKSUM_MD5);
  g_autofree guint32 *block = g_new (guint32, BLOCK / 4);
  g_autoptr(GRand) rand = g_rand_new_with_seed (1122);
  FILE *f;

  for (gsize i = 0; i < BLOCK / 4; i++)
    block[i] = g_rand_int (rand);

  f = g_fopen (path, "wb");
  if (f == NULL)
    {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_FAILED, "cannot create %s", path);
      return NULL;
    }
  for (guint copy = 0; copy < FILE_SIZE / BLOCK; copy++)
    {
      block[0] = copy;   /* no two blocks alike */
      g_checksum_update (md5, (const guchar *) block, BLOCK);
      if (fwrite (block, 1, BLOCK, f) != BLOCK)
        {
          fclose (f);
          g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_NOSPC, "cannot write %s", path);
          return NULL;
        }
    }
  if (fclose (f) != 0)
    {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_FAILED, "cannot write %s", path);
      return NULL;
    }
  return g_strdup (g_checksum_get_string (md5));
}

/* Size and ETag (MD5) of the stored object. */
static void
check_object (Bench       *bench,
              SupaStorage *storage,
              const char  *path,
              const char  *md5,
              const char  *what)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(SupaObjectInfo) info = NULL;
  g_autofree char *etag = NULL;

  supa_storage_info_async (storage, BUCKET, path, NULL, app_bench_store_result_cb, &result);
  info = supa_storage_info_finish (storage, app_bench_wait_result (&result), &error);
  if (info == NULL)
    {
      bench_miss (bench, "%s: no info for the stored object: %s", what, error->message);
      return;
    }
  if (supa_object_info_get_size (info) != FILE_SIZE)
    bench_miss (bench, "%s: the stored object has %" G_GINT64_FORMAT " bytes, expected %" G_GINT64_FORMAT,
                what, supa_object_info_get_size (info), (gint64) FILE_SIZE);
  etag = g_strdup (supa_object_info_get_etag (info) ? supa_object_info_get_etag (info) : "");
  g_strdelimit (etag, "\"", ' ');
  g_strstrip (etag);
  if (!g_str_equal (etag, md5))
    bench_miss (bench, "%s: the stored object's ETag is %s, the file's MD5 %s", what, etag, md5);
}

static void
measure_start (Run    *run,
               double *t0,
               gint64 *rss_kb)
{
  app_bench_reset_peak_rss ();
  *rss_kb = app_bench_status_kb ("VmRSS");
  run->cpu_s = cpu_seconds (RUSAGE_SELF);
  *t0 = bench_now ();
}

static void
measure_end (Run    *run,
             double  t0,
             gint64  rss_kb)
{
  run->seconds = bench_now () - t0;
  run->cpu_s = cpu_seconds (RUSAGE_SELF) - run->cpu_s;
  run->growth_mb = (app_bench_status_kb ("VmHWM") - rss_kb) / 1024.0;
}

static Run
upload_with_supa_upload (Bench       *bench,
                         SupaClient  *client,
                         const char  *file_path,
                         const char  *key_path)
{
  g_autoptr(GFile) file = g_file_new_for_path (file_path);
  g_autoptr(SupaUpload) upload = supa_upload_new (client, BUCKET, key_path, file);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *key = NULL;
  Run run = { 0 };
  double t0;
  gint64 rss;

  supa_upload_set_content_type (upload, "application/octet-stream");
  measure_start (&run, &t0, &rss);
  supa_upload_start_async (upload, NULL, app_bench_store_result_cb, &result);
  key = supa_upload_start_finish (upload, app_bench_wait_result (&result), &error);
  measure_end (&run, t0, rss);
  if (key == NULL)
    bench_miss (bench, "SupaUpload failed: %s", error->message);
  else if (supa_upload_get_upload_url (upload) == NULL)
    bench_miss (bench, "SupaUpload did not use TUS for 1 GiB");
  run.ok = key != NULL;
  return run;
}

static Run
upload_with_signed_url (Bench       *bench,
                        SupaStorage *storage,
                        const char  *file_path)
{
  g_autoptr(GFile) file = g_file_new_for_path (file_path);
  g_autoptr(GFileInputStream) input = NULL;
  g_autoptr(SupaSignedUpload) signed_upload = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GAsyncResult) result2 = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *key = NULL;
  Run run = { 0 };
  double t0;
  gint64 rss;

  supa_storage_create_signed_upload_url_async (storage, BUCKET, "signed/1gib.bin", FALSE, NULL,
                                               app_bench_store_result_cb, &result);
  signed_upload = supa_storage_create_signed_upload_url_finish (storage, app_bench_wait_result (&result), &error);
  if (signed_upload == NULL || (input = g_file_read (file, NULL, &error)) == NULL)
    {
      bench_miss (bench, "signed upload: %s", error->message);
      return run;
    }
  measure_start (&run, &t0, &rss);
  supa_storage_upload_to_signed_url_async (storage, signed_upload->signed_url, G_INPUT_STREAM (input),
                                           FILE_SIZE, "application/octet-stream", 0, NULL,
                                           app_bench_store_result_cb, &result2);
  key = supa_storage_upload_to_signed_url_finish (storage, app_bench_wait_result (&result2), &error);
  measure_end (&run, t0, rss);
  if (key == NULL)
    bench_miss (bench, "the signed-URL upload failed: %s", error->message);
  run.ok = key != NULL;
  return run;
}

/* curl -T file -X POST …/storage/v1/object/bench/curl/1gib.bin, the key in
 * a 0600 config file that is deleted at once. */
static Run
upload_with_curl (Bench          *bench,
                  SupaTestServer *server,
                  const char     *dir,
                  const char     *file_path,
                  const char     *key_path)
{
  g_autofree char *config_path = g_build_filename (dir, "curl.cfg", NULL);
  g_autofree char *url = g_strconcat (server->url, "/storage/v1/object/" BUCKET "/", key_path, NULL);
  g_autofree char *config = g_strdup_printf ("header = \"apikey: %s\"\n"
                                             "header = \"Authorization: Bearer %s\"\n",
                                             server->service_role_key, server->service_role_key);
  g_autoptr(GSubprocess) curl = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  Run run = { 0 };
  double t0;
  int fd;

  fd = g_open (config_path, O_WRONLY | O_CREAT | O_EXCL, 0600);
  if (fd < 0 || write (fd, config, strlen (config)) != (gssize) strlen (config))
    {
      if (fd >= 0)
        close (fd);
      g_unlink (config_path);
      bench_miss (bench, "cannot write the curl config");
      return run;
    }
  close (fd);

  run.cpu_s = cpu_seconds (RUSAGE_CHILDREN);
  t0 = bench_now ();
  curl = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE, &error,
                           "curl", "-sS", "-K", config_path, "-T", file_path, "-X", "POST",
                           "-H", "Content-Type: application/octet-stream", "-H", "Expect:",
                           "-o", "/dev/null", "-w", "%{http_code}", url, NULL);
  if (curl != NULL)
    g_subprocess_communicate_utf8 (curl, NULL, NULL, &out, &err, &error);
  run.seconds = bench_now () - t0;
  run.cpu_s = cpu_seconds (RUSAGE_CHILDREN) - run.cpu_s;
  g_unlink (config_path);

  if (curl == NULL || error != NULL)
    bench_miss (bench, "curl did not run: %s", error ? error->message : "?");
  else if (!g_subprocess_get_successful (curl) || g_strcmp0 (out, "200") != 0)
    bench_miss (bench, "curl failed: HTTP %s %s", out ? out : "?", err ? err : "");
  else
    run.ok = TRUE;
  return run;
}

static void
remove_chunks (const char *dir,
               guint       n_chunks)
{
  for (guint i = 0; i < n_chunks; i++)
    {
      g_autofree char *name = g_strdup_printf ("chunk-%03u.bin", i);
      g_autofree char *path = g_build_filename (dir, name, NULL);

      g_unlink (path);
    }
}

/* The file cut into 6 MiB files chunk-000.bin …, once, before any timing,
 * so curl can send each TUS chunk with `upload-file`. */
static guint
split_file (const char *dir,
            const char *file_path,
            GError    **error)
{
  g_autofree char *buf = g_malloc (SUPA_UPLOAD_CHUNK_SIZE);
  guint n = 0;
  FILE *in = g_fopen (file_path, "rb");

  if (in == NULL)
    {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_FAILED, "cannot read %s", file_path);
      return 0;
    }
  for (;;)
    {
      size_t got = fread (buf, 1, SUPA_UPLOAD_CHUNK_SIZE, in);
      g_autofree char *name = NULL;
      g_autofree char *path = NULL;

      if (got == 0)
        break;
      name = g_strdup_printf ("chunk-%03u.bin", n);
      path = g_build_filename (dir, name, NULL);
      if (!g_file_set_contents (path, buf, got, error))
        {
          fclose (in);
          remove_chunks (dir, n);
          return 0;
        }
      n++;
    }
  fclose (in);
  return n;
}

static char *
b64 (const char *text)
{
  return g_base64_encode ((const guchar *) text, strlen (text));
}

/* A 0600 curl config file (it holds the key); FALSE if it cannot be
 * written (then it does not exist). */
static gboolean
write_config (const char *path,
              const char *text)
{
  int fd = g_open (path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
  gsize len = strlen (text);
  gsize done = 0;

  if (fd < 0)
    return FALSE;
  while (done < len)
    {
      ssize_t w = write (fd, text + done, len - done);

      if (w <= 0)
        {
          close (fd);
          g_unlink (path);
          return FALSE;
        }
      done += w;
    }
  if (close (fd) != 0)
    {
      g_unlink (path);
      return FALSE;
    }
  return TRUE;
}

/* Runs curl -K @config_path; its stdout in *out. */
static gboolean
run_curl (const char  *config_path,
          char       **out,
          char       **err,
          GError     **error)
{
  g_autoptr(GSubprocess) curl = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE,
                                                  error, "curl", "-K", config_path, NULL);

  if (curl == NULL || !g_subprocess_communicate_utf8 (curl, NULL, NULL, out, err, error))
    return FALSE;
  if (!g_subprocess_get_successful (curl))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "curl exited with status %d: %s",
                   g_subprocess_get_exit_status (curl), *err ? *err : "");
      return FALSE;
    }
  return TRUE;
}

/* curl on the same endpoint as SupaUpload: POST /storage/v1/upload/resumable
 * (creation), then the 6 MiB chunks as PATCHes, all in ONE curl process
 * (config `next` sections, one kept-alive connection), every answer
 * checked for 204. (This failed intermittently with "Connection reset by
 * peer" while supabase-local closed connections after a 204; it keeps them
 * alive since, see tests/bench/README.md.) The key is only in the 0600
 * config file in the private temp dir, deleted right after. */
static Run
upload_with_curl_tus (Bench          *bench,
                      SupaTestServer *server,
                      const char     *dir,
                      guint           n_chunks,
                      const char     *key_path)
{
  g_autofree char *config_path = g_build_filename (dir, "curl-tus.cfg", NULL);
  g_autofree char *url = g_strconcat (server->url, "/storage/v1/upload/resumable", NULL);
  g_autofree char *bucket64 = b64 (BUCKET);
  g_autofree char *name64 = b64 (key_path);
  g_autofree char *type64 = b64 ("application/octet-stream");
  g_autofree char *auth = g_strdup_printf ("header = \"apikey: %s\"\n"
                                           "header = \"Authorization: Bearer %s\"\n"
                                           "header = \"Tus-Resumable: 1.0.0\"\n"
                                           "silent\nshow-error\n",
                                           server->service_role_key, server->service_role_key);
  g_autofree char *create = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autofree char *location = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) lines = NULL;
  Run run = { 0 };
  double t0;

  create = g_strdup_printf ("%s"
                            "request = \"POST\"\n"
                            "header = \"Upload-Length: %" G_GINT64_FORMAT "\"\n"
                            "header = \"Upload-Metadata: bucketName %s,objectName %s,contentType %s\"\n"
                            "dump-header = \"-\"\n"
                            "output = \"/dev/null\"\n"
                            "url = \"%s\"\n",
                            auth, (gint64) FILE_SIZE, bucket64, name64, type64, url);
  if (!write_config (config_path, create))
    {
      bench_miss (bench, "cannot write the curl config");
      return run;
    }

  run.cpu_s = cpu_seconds (RUSAGE_CHILDREN);
  t0 = bench_now ();
  if (!run_curl (config_path, &out, &err, &error))
    {
      g_unlink (config_path);
      bench_miss (bench, "curl (TUS create) failed: %s", error->message);
      return run;
    }
  lines = g_strsplit (out, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    if (g_ascii_strncasecmp (lines[i], "location:", 9) == 0)
      {
        g_free (location);
        location = g_strstrip (g_strdup (lines[i] + 9));
      }
  if (location == NULL)
    {
      g_unlink (config_path);
      bench_miss (bench, "curl (TUS create): no Location in the answer");
      return run;
    }

  /* All the PATCHes in ONE curl process, one config section each
   * (`next`), on one kept-alive connection: curl writes each answer's code
   * on its own line; every one must be 204. */
  {
    g_autoptr(GString) patches = g_string_new (NULL);
    g_auto(GStrv) codes = NULL;
    guint n_204 = 0;

    for (guint i = 0; i < n_chunks; i++)
      {
        g_autofree char *name = g_strdup_printf ("chunk-%03u.bin", i);
        g_autofree char *path = g_build_filename (dir, name, NULL);

        if (i > 0)
          g_string_append (patches, "next\n");
        g_string_append_printf (patches,
                                "%s"
                                "request = \"PATCH\"\n"
                                "header = \"Upload-Offset: %" G_GINT64_FORMAT "\"\n"
                                "header = \"Content-Type: application/offset+octet-stream\"\n"
                                "header = \"Expect:\"\n"
                                "upload-file = \"%s\"\n"
                                "output = \"/dev/null\"\n"
                                "write-out = \"%%{http_code}\\n\"\n"
                                "url = \"%s\"\n",
                                auth, (gint64) i * SUPA_UPLOAD_CHUNK_SIZE, path, location);
      }
    g_clear_pointer (&out, g_free);
    g_clear_pointer (&err, g_free);
    if (!write_config (config_path, patches->str))
      {
        bench_miss (bench, "cannot write the curl config");
        return run;
      }
    if (!run_curl (config_path, &out, &err, &error))
      {
        g_unlink (config_path);
        bench_miss (bench, "curl (TUS PATCHes) failed: %s", error->message);
        return run;
      }
    codes = g_strsplit (g_strstrip (out), "\n", -1);
    for (guint i = 0; codes[i] != NULL; i++)
      {
        if (g_strcmp0 (codes[i], "204") != 0)
          {
            g_unlink (config_path);
            bench_miss (bench, "curl (TUS): PATCH %u of %u was answered %s, not 204", i + 1, n_chunks, codes[i]);
            return run;
          }
        n_204++;
      }
    if (n_204 != n_chunks)
      {
        g_unlink (config_path);
        bench_miss (bench, "curl (TUS): %u of %u PATCHes answered", n_204, n_chunks);
        return run;
      }
  }
  run.seconds = bench_now () - t0;
  run.cpu_s = cpu_seconds (RUSAGE_CHILDREN) - run.cpu_s;
  g_unlink (config_path);
  run.ok = TRUE;
  return run;
}

/* Server-side time of the TUS PATCH requests logged since line @from of
 * supabase-local's request log; sets *n to how many, *lines to the log's
 * line count (for the next call). */
static double
patch_server_seconds (const char *log_path,
                      guint       from,
                      guint      *n,
                      guint      *lines)
{
  g_autofree char *text = NULL;
  g_auto(GStrv) split = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  gint64 total_ms = 0;
  guint n_bad = 0;
  guint i;

  *n = 0;
  if (!g_file_get_contents (log_path, &text, NULL, NULL))
    return 0;
  split = g_strsplit (text, "\n", -1);
  for (i = from; split[i] != NULL && i < g_strv_length (split); i++)
    {
      JsonNode *root;
      JsonObject *o;

      if (*split[i] == '\0' || !json_parser_load_from_data (parser, split[i], -1, NULL) ||
          (root = json_parser_get_root (parser)) == NULL || !JSON_NODE_HOLDS_OBJECT (root))
        continue;
      o = json_node_get_object (root);
      if (g_strcmp0 (json_object_get_string_member_with_default (o, "method", ""), "PATCH") != 0)
        continue;
      total_ms += json_object_get_int_member_with_default (o, "duration_ms", 0);
      (*n)++;
      if (json_object_get_int_member_with_default (o, "status", 0) != 204)
        {
          if (n_bad == 0)
            printf ("         first PATCH not answered 204: #%u status %" G_GINT64_FORMAT ", %" G_GINT64_FORMAT
                    " body bytes received, %" G_GINT64_FORMAT " ms\n", *n,
                    json_object_get_int_member_with_default (o, "status", 0),
                    json_object_get_int_member_with_default (o, "request_body_bytes", 0),
                    json_object_get_int_member_with_default (o, "duration_ms", 0));
          n_bad++;
        }
    }
  *lines = i;
  if (n_bad > 0)
    printf ("         %u PATCH requests were not answered 204\n", n_bad);
  return total_ms / 1000.0;
}

/* Frees the server's disk between rounds (best effort). */
static void
remove_object (SupaStorage *storage,
               const char  *path)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GPtrArray) removed = NULL;
  const char *paths[] = { path, NULL };

  supa_storage_remove_async (storage, BUCKET, paths, 0, NULL, NULL, NULL, app_bench_store_result_cb, &result);
  removed = supa_storage_remove_finish (storage, app_bench_wait_result (&result), NULL);
}

static gboolean
create_bucket (Bench       *bench,
               SupaStorage *storage)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;

  supa_storage_create_bucket_async (storage, BUCKET, NULL, NULL, app_bench_store_result_cb, &result);
  if (!supa_storage_create_bucket_finish (storage, app_bench_wait_result (&result), &error))
    {
      bench_miss (bench, "cannot create the bucket: %s", error->message);
      return FALSE;
    }
  return TRUE;
}

static double
mib_per_s (const Run *run)
{
  return run->ok && run->seconds > 0 ? FILE_SIZE / (double) MiB / run->seconds : 0;
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(Bench) bench = bench_new ("upload");
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonBuilder) builder = NULL;
  g_autoptr(SoupSession) session = NULL;
  g_autoptr(SupaClient) client = NULL;
  g_autoptr(SupaStorage) storage = NULL;
  g_autoptr(AppBenchStall) stall = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *file_path = NULL;
  g_autofree char *md5 = NULL;
  g_autofree char *log_path = NULL;
  guint log_lines = 0;
  SupaTestServer *server = NULL;
  Run supa = { 0 }, curl = { 0 }, post = { 0 }, signed_run = { 0 };
  guint n_chunks = 0;
  double ratio = 0, stall_wall = 0, stall_app = 0, t0;
  double growth_max = 0;

  g_setenv ("GIO_USE_PROXY_RESOLVER", "dummy", TRUE);
  setvbuf (stdout, NULL, _IOLBF, 0);

  dir = g_dir_make_tmp ("bench-upload-XXXXXX", &error);
  if (dir == NULL)
    {
      bench_miss (bench, "no temp dir: %s", error->message);
      goto out;
    }
  file_path = g_build_filename (dir, "1gib.bin", NULL);
  t0 = bench_now ();
  md5 = make_file (dir, &error);
  if (md5 == NULL)
    {
      bench_miss (bench, "%s", error->message);
      goto out;
    }
  printf ("wrote the 1 GiB file in %.1f s (md5 %s)\n", bench_now () - t0, md5);
  t0 = bench_now ();
  n_chunks = split_file (dir, file_path, &error);
  if (n_chunks == 0)
    {
      bench_miss (bench, "cannot split the file for curl: %s", error ? error->message : "empty");
      goto out;
    }
  printf ("split it into %u chunk files of 6 MiB for curl in %.1f s (not timed)\n",
          n_chunks, bench_now () - t0);

  log_path = g_build_filename (dir, "requests.log", NULL);
  {
    const char * const extra[] = { "--request-log", log_path, NULL };

    server = supa_test_server_start ("empty", extra);
  }
  session = soup_session_new ();
  client = supa_client_new (server->url, server->service_role_key, session);
  storage = supa_storage_new (client);
  if (!create_bucket (bench, storage))
    goto out;

  /* Two rounds in opposite orders (SupaUpload first, then curl first),
   * so neither profits from going second; the best of each counts. */
  for (guint round = 0; round < N_ROUNDS; round++)
    {
      for (guint k = 0; k < 2; k++)
        {
          gboolean do_supa = (k == 0) == (round % 2 == 0);
          g_autofree char *key_path = g_strdup_printf ("%s/%u/1gib.bin", do_supa ? "supa-upload" : "curl", round);
          guint n_patch;
          double patch_s;
          Run run;

          if (do_supa)
            {
              double wall, app;
              guint over;

              stall = app_bench_stall_start ();
              run = upload_with_supa_upload (bench, client, file_path, key_path);
              app_bench_stall_take (stall, &wall, &app, &over);
              g_clear_pointer (&stall, app_bench_stall_free);
              stall_wall = MAX (stall_wall, wall);
              stall_app = MAX (stall_app, app);
              printf ("round %u: SupaUpload (TUS, 6 MiB chunks): %.2f s, %.1f MiB/s, CPU %.2f s, "
                      "peak RSS +%.1f MB; main loop: longest stall %.1f ms (%.1f ms wall clock)\n",
                      round + 1, run.seconds, mib_per_s (&run), run.cpu_s, run.growth_mb, app * 1000, wall * 1000);
              patch_s = patch_server_seconds (log_path, log_lines, &n_patch, &log_lines);
              printf ("         server side: %u PATCH requests took %.2f s in all (%.1f ms each)\n",
                      n_patch, patch_s, n_patch ? patch_s * 1000 / n_patch : 0);
              if (run.ok)
                check_object (bench, storage, key_path, md5, "SupaUpload");
              if (run.ok && (!supa.ok || run.seconds < supa.seconds))
                supa = run;
              growth_max = MAX (growth_max, run.growth_mb);
            }
          else
            {
              run = upload_with_curl_tus (bench, server, dir, n_chunks, key_path);
              printf ("round %u: curl (TUS, same 6 MiB chunks):    %.2f s, %.1f MiB/s, CPU %.2f s\n",
                      round + 1, run.seconds, mib_per_s (&run), run.cpu_s);
              patch_s = patch_server_seconds (log_path, log_lines, &n_patch, &log_lines);
              printf ("         server side: %u PATCH requests took %.2f s in all (%.1f ms each)\n",
                      n_patch, patch_s, n_patch ? patch_s * 1000 / n_patch : 0);
              if (run.ok)
                check_object (bench, storage, key_path, md5, "curl");
              if (run.ok && (!curl.ok || run.seconds < curl.seconds))
                curl = run;
            }
          if (!run.ok)
            goto out;
          remove_object (storage, key_path);
        }
    }

  /* Report only: curl's one streamed POST to /storage/v1/object — a
   * different endpoint (no chunking), the old baseline. */
  post = upload_with_curl (bench, server, dir, file_path, "curl-post/1gib.bin");
  printf ("curl one streamed POST /storage/v1/object (report only): %.2f s, %.1f MiB/s, CPU %.2f s\n",
          post.seconds, mib_per_s (&post), post.cpu_s);
  if (post.ok)
    {
      check_object (bench, storage, "curl-post/1gib.bin", md5, "curl POST");
      remove_object (storage, "curl-post/1gib.bin");
    }

  signed_run = upload_with_signed_url (bench, storage, file_path);
  printf ("SupaStorage signed URL (one streamed PUT, report only): %.2f s, %.1f MiB/s, CPU %.2f s, "
          "peak RSS +%.1f MB\n", signed_run.seconds, mib_per_s (&signed_run), signed_run.cpu_s,
          signed_run.growth_mb);
  if (signed_run.ok)
    {
      check_object (bench, storage, "signed/1gib.bin", md5, "signed URL");
      remove_object (storage, "signed/1gib.bin");
    }

  if (supa.ok && curl.ok)
    {
      ratio = mib_per_s (&supa) / mib_per_s (&curl);
      printf ("best SupaUpload / best curl (TUS) throughput: %.2f (target ≥ %.1f)\n", ratio, TARGET_RATIO);
      if (post.ok)
        printf ("best SupaUpload / curl one POST (report only): %.2f\n", mib_per_s (&supa) / mib_per_s (&post));
      if (ratio < TARGET_RATIO)
        bench_miss (bench, "SupaUpload reached %.2f× curl's TUS throughput (%.1f vs %.1f MiB/s; target ≥ %.1f×)",
                    ratio, mib_per_s (&supa), mib_per_s (&curl), TARGET_RATIO);
    }
  if (growth_max > TARGET_GROWTH_MB)
    bench_miss (bench, "resident memory grew by %.1f MB during SupaUpload (target ≤ %.0f MB)",
                growth_max, TARGET_GROWTH_MB);

out:
  if (file_path != NULL)
    g_unlink (file_path);
  if (dir != NULL)
    remove_chunks (dir, n_chunks);

  builder = bench_json_begin (bench);
  bench_json_ms (builder, "supa_upload_ms", supa.seconds);
  bench_json_int (builder, "supa_upload_mib_s", (gint64) mib_per_s (&supa));
  bench_json_int (builder, "supa_upload_rss_growth_kb", (gint64) (growth_max * 1024));
  bench_json_ms (builder, "supa_upload_cpu_ms", supa.cpu_s);
  bench_json_ms (builder, "curl_cpu_ms", curl.cpu_s);
  bench_json_ms (builder, "curl_tus_ms", curl.seconds);
  bench_json_int (builder, "curl_tus_mib_s", (gint64) mib_per_s (&curl));
  bench_json_ms (builder, "curl_post_ms", post.seconds);
  bench_json_int (builder, "curl_post_mib_s", (gint64) mib_per_s (&post));
  bench_json_ms (builder, "signed_url_ms", signed_run.seconds);
  bench_json_int (builder, "signed_url_mib_s", (gint64) mib_per_s (&signed_run));
  bench_json_int (builder, "signed_url_rss_growth_kb", (gint64) (signed_run.growth_mb * 1024));
  bench_json_int (builder, "ratio_percent", (gint64) (ratio * 100));
  bench_json_ms (builder, "stall_max_ms", stall_app);
  bench_json_ms (builder, "stall_wall_max_ms", stall_wall);

  g_clear_object (&storage);
  g_clear_object (&client);
  if (server != NULL)
    supa_test_server_stop (server);
  if (log_path != NULL)
    g_unlink (log_path);
  if (dir != NULL)
    g_rmdir (dir);
  return bench_finish (bench, builder);
}
