/* bench-rest-paging.c — pages of the 1,000,000-row `events` table over REST.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * For the table browser's targets ("opening the 1,000,000-row table shows
 * its first rows within 300 ms; dragging the scrollbar anywhere shows rows
 * within 300 ms"): pages of 500 rows ordered by id, with
 * `Prefer: count=planned` as the browser sends them, at offsets 0, 250000,
 * 500000 and 999500 (five rounds, the first one cold) plus a few
 * pseudo-random offsets. Every page must be correct (500 rows, the right
 * ids, a Content-Range with a plausible planned total) and take under
 * 300 ms server-side (duration_ms in supabase-local's request log).
 * One `count=exact` request is timed for contrast, not judged.
 */

#define G_LOG_DOMAIN "bench-rest-paging"

#include "config.h"

#include "bench-common.h"
#include "supa-test-server.h"

#include <glib/gstdio.h>
#include <stdio.h>
#include <string.h>

#define TOTAL_ROWS     1000000
#define PAGE           500
#define ROUNDS         5
#define N_RANDOM       8
#define TARGET_MS      300.0

typedef struct
{
  gint64  offset;
  char   *count;         /* "planned" or "exact" */
  double  client_ms;
  double  server_ms;     /* from the request log; -1 until known */
  gboolean ok;
} Sample;

static void
sample_free (gpointer data)
{
  Sample *s = data;

  g_free (s->count);
  g_free (s);
}

/* Checks one page; returns FALSE (and reports) when it is wrong. */
static gboolean
check_page (Bench            *bench,
            Sample           *s,
            SupaTestResponse *r)
{
  const char *range = supa_test_response_header (r, "Content-Range");
  g_autofree char *want_prefix = g_strdup_printf ("%" G_GINT64_FORMAT "-%" G_GINT64_FORMAT "/",
                                                  s->offset, s->offset + PAGE - 1);
  JsonArray *rows;
  gint64 total;

  if (r->status != 200 && r->status != 206)
    {
      bench_miss (bench, "offset %" G_GINT64_FORMAT " (count=%s): HTTP %u %.200s",
                  s->offset, s->count, r->status, supa_test_response_text (r));
      return FALSE;
    }
  if (r->json == NULL || !JSON_NODE_HOLDS_ARRAY (r->json) ||
      json_array_get_length ((rows = json_node_get_array (r->json))) != PAGE)
    {
      bench_miss (bench, "offset %" G_GINT64_FORMAT ": the body is not an array of %d rows", s->offset, PAGE);
      return FALSE;
    }
  for (guint i = 0; i < PAGE; i++)
    {
      JsonObject *row = json_array_get_object_element (rows, i);

      if (row == NULL || json_object_get_int_member_with_default (row, "id", -1) != s->offset + 1 + i ||
          !json_object_has_member (row, "ts") || !json_object_has_member (row, "kind") ||
          !json_object_has_member (row, "payload") || !json_object_has_member (row, "amount"))
        {
          bench_miss (bench, "offset %" G_GINT64_FORMAT ": row %u is not event %" G_GINT64_FORMAT
                      " with all columns", s->offset, i, s->offset + 1 + i);
          return FALSE;
        }
    }
  if (range == NULL || !g_str_has_prefix (range, want_prefix))
    {
      bench_miss (bench, "offset %" G_GINT64_FORMAT ": Content-Range is %s, expected %s<total>",
                  s->offset, range ? range : "missing", want_prefix);
      return FALSE;
    }
  total = g_ascii_strtoll (range + strlen (want_prefix), NULL, 10);
  if (g_str_equal (s->count, "exact") ? total != TOTAL_ROWS
                                      : (total < TOTAL_ROWS * 0.9 || total > TOTAL_ROWS * 1.1))
    {
      bench_miss (bench, "offset %" G_GINT64_FORMAT ": count=%s total is %" G_GINT64_FORMAT
                  ", expected %s%d", s->offset, s->count, total,
                  g_str_equal (s->count, "exact") ? "" : "about ", TOTAL_ROWS);
      return FALSE;
    }
  return TRUE;
}

static Sample *
fetch_page (Bench          *bench,
            SupaTestServer *server,
            const char     *bearer,
            gint64          offset,
            const char     *count)
{
  Sample *s = g_new0 (Sample, 1);
  g_autofree char *prefer = g_strdup_printf ("count=%s", count);
  g_autofree char *path = g_strdup_printf ("/rest/v1/events?select=*&order=id.asc&offset=%" G_GINT64_FORMAT
                                           "&limit=%d", offset, PAGE);
  const char * const headers[] = {
    "apikey", server->anon_key,
    "Authorization", bearer,
    "Prefer", prefer,
    "Accept", "application/json",
    NULL,
  };
  g_autoptr(SupaTestResponse) r = NULL;
  double t0;

  s->offset = offset;
  s->count = g_strdup (count);
  s->server_ms = -1;
  t0 = bench_now ();
  r = supa_test_request (server, "GET", path, headers, NULL, NULL, 0);
  s->client_ms = (bench_now () - t0) * 1000.0;
  s->ok = check_page (bench, s, r);
  return s;
}

/* Fills server_ms from the request log: the k-th GET /rest/v1/events line
 * belongs to the k-th request (they were sent one after another). */
static void
read_server_times (Bench      *bench,
                   const char *log_path,
                   GPtrArray  *samples)
{
  g_autofree char *text = NULL;
  g_auto(GStrv) lines = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  guint k = 0;

  if (!g_file_get_contents (log_path, &text, NULL, &error))
    {
      bench_miss (bench, "cannot read the request log: %s", error->message);
      return;
    }
  lines = g_strsplit (text, "\n", -1);
  for (guint i = 0; lines[i] != NULL && k < samples->len; i++)
    {
      Sample *s = g_ptr_array_index (samples, k);
      g_autofree char *want = g_strdup_printf ("offset=%" G_GINT64_FORMAT "&", s->offset);
      JsonObject *o;
      JsonNode *root;

      if (*lines[i] == '\0' || !json_parser_load_from_data (parser, lines[i], -1, NULL) ||
          (root = json_parser_get_root (parser)) == NULL || !JSON_NODE_HOLDS_OBJECT (root))
        continue;
      o = json_node_get_object (root);
      if (g_strcmp0 (json_object_get_string_member_with_default (o, "method", ""), "GET") != 0 ||
          g_strcmp0 (json_object_get_string_member_with_default (o, "path", ""), "/rest/v1/events") != 0)
        continue;
      if (strstr (json_object_get_string_member_with_default (o, "query", ""), want) == NULL)
        {
          bench_miss (bench, "the request log is out of step at offset %" G_GINT64_FORMAT, s->offset);
          return;
        }
      s->server_ms = json_object_get_int_member_with_default (o, "duration_ms", -1);
      k++;
    }
  if (k < samples->len)
    bench_miss (bench, "the request log has %u of %u page requests", k, samples->len);
}

static void
report_offset (JsonBuilder *json,
               GPtrArray   *samples,
               gint64       offset,
               gboolean     random_offsets)
{
  g_autoptr(GArray) server = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GArray) client = g_array_new (FALSE, FALSE, sizeof (double));
  double first_client = -1;

  for (guint i = 0; i < samples->len; i++)
    {
      Sample *s = g_ptr_array_index (samples, i);
      gboolean fixed = s->offset == 0 || s->offset == 250000 || s->offset == 500000 || s->offset == 999500;

      if (!g_str_equal (s->count, "planned") ||
          (random_offsets ? fixed : s->offset != offset))
        continue;
      if (first_client < 0)
        first_client = s->client_ms;
      g_array_append_val (client, s->client_ms);
      if (s->server_ms >= 0)
        g_array_append_val (server, s->server_ms);
    }

  if (random_offsets)
    printf ("  %-14s", "random ×8");
  else
    printf ("  offset %-7" G_GINT64_FORMAT, offset);
  printf ("  server p50 %5.0f ms  max %5.0f ms   client p50 %6.1f ms  max %6.1f ms  (first %6.1f ms)\n",
          bench_percentile (server, 50), bench_max (server),
          bench_percentile (client, 50), bench_max (client), first_client);

  json_builder_begin_object (json);
  if (random_offsets)
    {
      json_builder_set_member_name (json, "offset");
      json_builder_add_string_value (json, "random");
    }
  else
    bench_json_int (json, "offset", offset);
  bench_json_int (json, "samples", client->len);
  bench_json_ms (json, "server_ms_p50", bench_percentile (server, 50) / 1000.0);
  bench_json_ms (json, "server_ms_max", bench_max (server) / 1000.0);
  bench_json_ms (json, "client_ms_p50", bench_percentile (client, 50) / 1000.0);
  bench_json_ms (json, "client_ms_max", bench_max (client) / 1000.0);
  bench_json_ms (json, "client_ms_first", first_client / 1000.0);
  json_builder_end_object (json);
}

int
main (int    argc,
      char **argv)
{
  static const gint64 offsets[] = { 0, 250000, 500000, 999500 };
  g_autoptr(Bench) bench = bench_new ("rest-paging");
  g_autoptr(JsonBuilder) json = bench_json_begin (bench);
  g_autoptr(GPtrArray) samples = g_ptr_array_new_with_free_func (sample_free);
  g_autoptr(GRand) rand = g_rand_new_with_seed (20240501);
  g_autoptr(GError) error = NULL;
  g_autofree char *logdir = NULL;
  g_autofree char *log_path = NULL;
  g_autofree char *bearer = NULL;
  g_autofree char *count = NULL;
  g_autoptr(GArray) all_server = g_array_new (FALSE, FALSE, sizeof (double));
  SupaTestServer *server;
  Sample *exact = NULL;
  double t0;

  setvbuf (stdout, NULL, _IOLBF, 0);
  logdir = g_dir_make_tmp ("bench-rest-paging-XXXXXX", &error);
  if (logdir == NULL)
    {
      bench_miss (bench, "cannot create a temporary directory: %s", error->message);
      return bench_finish (bench, json);
    }
  log_path = g_build_filename (logdir, "requests.jsonl", NULL);

  {
    const char * const extra[] = { "--request-log", log_path, NULL };

    t0 = bench_now ();
    server = supa_test_server_start ("demo-large", extra);
    printf ("supabase-local (seed demo-large) ready in %.2f s\n", bench_now () - t0);
    bench_json_ms (json, "server_start_ms", bench_now () - t0);
  }
  bearer = g_strdup_printf ("Bearer %s", server->anon_key);

  count = supa_test_server_sql (server, "SELECT count(*) FROM public.events");
  if (g_strcmp0 (count, G_STRINGIFY (TOTAL_ROWS)) != 0)
    bench_miss (bench, "public.events has %s rows, expected %d", count ? count : "no", TOTAL_ROWS);
  else
    {
      /* The browser's pages, as a user opens the table and drags around. */
      for (guint round = 0; round < ROUNDS; round++)
        for (guint i = 0; i < G_N_ELEMENTS (offsets); i++)
          g_ptr_array_add (samples, fetch_page (bench, server, bearer, offsets[i], "planned"));
      for (guint i = 0; i < N_RANDOM; i++)
        g_ptr_array_add (samples, fetch_page (bench, server, bearer,
                                              g_rand_int_range (rand, 0, TOTAL_ROWS - PAGE + 1), "planned"));
      exact = fetch_page (bench, server, bearer, 500000, "exact");
      g_ptr_array_add (samples, exact);
    }

  supa_test_server_stop (server);   /* also flushes and closes the request log */

  if (samples->len > 0)
    {
      guint over = 0;

      read_server_times (bench, log_path, samples);
      printf ("GET /rest/v1/events?select=*&order=id.asc&offset=X&limit=%d, Prefer: count=planned "
              "(%d rounds, the first cold):\n", PAGE, ROUNDS);
      json_builder_set_member_name (json, "pages");
      json_builder_begin_array (json);
      for (guint i = 0; i < G_N_ELEMENTS (offsets); i++)
        report_offset (json, samples, offsets[i], FALSE);
      report_offset (json, samples, -1, TRUE);
      json_builder_end_array (json);

      for (guint i = 0; i < samples->len; i++)
        {
          Sample *s = g_ptr_array_index (samples, i);

          if (s == exact)
            continue;
          if (s->server_ms >= 0)
            g_array_append_val (all_server, s->server_ms);
          if (s->server_ms >= TARGET_MS)
            over++;
        }
      if (over > 0)
        bench_miss (bench, "%u of %u pages took %.0f ms or more server-side (max %.0f ms)",
                    over, all_server->len, TARGET_MS, bench_max (all_server));
      bench_json_ms (json, "server_ms_p50", bench_percentile (all_server, 50) / 1000.0);
      bench_json_ms (json, "server_ms_max", bench_max (all_server) / 1000.0);
      bench_json_ms (json, "target_ms", TARGET_MS / 1000.0);
      printf ("  all pages: server p50 %.0f ms, max %.0f ms (target < %.0f ms)\n",
              bench_percentile (all_server, 50), bench_max (all_server), TARGET_MS);
      if (exact != NULL)
        {
          printf ("  contrast: offset 500000 with count=exact: server %.0f ms, client %.1f ms\n",
                  exact->server_ms, exact->client_ms);
          bench_json_ms (json, "exact_count_server_ms", exact->server_ms / 1000.0);
          bench_json_ms (json, "exact_count_client_ms", exact->client_ms / 1000.0);
        }
    }

  g_unlink (log_path);
  g_rmdir (logdir);
  return bench_finish (bench, json);
}
