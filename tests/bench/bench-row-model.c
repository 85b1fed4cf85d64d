/* bench-row-model.c — SupaRowModel over the 1,000,000-row `events` table.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The table browser's targets, at the model level (no GTK): "opening the
 * 1,000,000-row table shows its first rows within 300 ms of the request;
 * dragging the scrollbar anywhere shows rows within 300 ms of stopping;
 * resident memory stays under 150 MB while scrolling end to end; no
 * main-loop stall over 50 ms while pages arrive".
 *
 * 1. open: supa_row_model_new() → the count arrives → get_item(0) →
 *    "loaded" (the schema is loaded before, as the app has it by then).
 * 2. jumps: a viewport of VIEWPORT rows at 20 pseudo-random positions and
 *    at the last row, each timed from the request until every row of it
 *    is loaded; then a scrollbar drag (one viewport per 16 ms frame from
 *    the top to the bottom, not waiting) timed from the stop.
 * 3. walk: one viewport per page from the first row to the last, waiting
 *    for each, keeping only the current viewport referenced; peak RSS
 *    (VmHWM) and VmRSS after every step.
 * The 5 ms stall monitor runs throughout 1–3. Every row shown must be
 * event position+1 (ids 1…1,000,000 in primary-key order).
 */

#define G_LOG_DOMAIN "bench-row-model"

#include "config.h"

#include "app-bench.h"
#include "bench-common.h"
#include "supa-row-model.h"
#include "supa-test-server.h"

#include <stdio.h>

#define TOTAL_ROWS      1000000
#define VIEWPORT        40
#define N_JUMPS         20
#define DRAG_FRAMES     120
#define FRAME_S         0.016
#define TARGET_SHOW_MS  300.0
#define TARGET_RSS_MB   150.0
#define TARGET_STALL_MS 50.0
#define WAIT_S          30.0

typedef struct
{
  SupaRowModel *model;
  GPtrArray    *rows;       /* the viewport's SupaRow, referenced */
  guint         first;
  guint         n_wanted;
} Viewport;

static gboolean
has_items (gpointer data)
{
  return g_list_model_get_n_items (G_LIST_MODEL (data)) > 0 ||
         supa_row_model_get_error (data) != NULL;
}

/* (Re)asks for the viewport's rows; clamps it to the model's length. */
static void
viewport_request (Viewport *vp,
                  guint     first)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (vp->model));

  g_ptr_array_set_size (vp->rows, 0);
  if (n == 0)
    return;
  vp->first = MIN (first, n - 1);
  vp->n_wanted = MIN (VIEWPORT, n - vp->first);
  for (guint i = 0; i < vp->n_wanted; i++)
    g_ptr_array_add (vp->rows, g_list_model_get_item (G_LIST_MODEL (vp->model), vp->first + i));
}

static gboolean
viewport_loaded (gpointer data)
{
  Viewport *vp = data;
  guint n = g_list_model_get_n_items (G_LIST_MODEL (vp->model));

  if (supa_row_model_get_error (vp->model) != NULL)
    return TRUE;
  /* An estimated count that was too high shrinks when the end is read:
   * the view would then ask for the rows that are really there. */
  if (vp->first + vp->n_wanted > n)
    viewport_request (vp, vp->first);
  for (guint i = 0; i < vp->rows->len; i++)
    if (!supa_row_get_loaded (g_ptr_array_index (vp->rows, i)))
      return FALSE;
  return vp->rows->len > 0;
}

/* Checks that the loaded viewport shows events first+1 … in order. */
static gboolean
viewport_check (Bench    *bench,
                Viewport *vp,
                const char *what)
{
  const GError *error = supa_row_model_get_error (vp->model);

  if (error != NULL)
    {
      bench_miss (bench, "%s: the model failed: %s", what, error->message);
      return FALSE;
    }
  for (guint i = 0; i < vp->rows->len; i++)
    {
      SupaRow *row = g_ptr_array_index (vp->rows, i);
      JsonNode *id = supa_row_get_value (row, "id");
      guint position = supa_row_get_position (row);

      if (position != vp->first + i || id == NULL || JSON_NODE_TYPE (id) != JSON_NODE_VALUE ||
          json_node_get_int (id) != (gint64) position + 1 ||
          supa_row_get_value (row, "payload") == NULL)
        {
          bench_miss (bench, "%s: row %u is not event %u with all columns", what, position, position + 1);
          return FALSE;
        }
    }
  return TRUE;
}

/* Shows the viewport at @first and waits for it; the time in seconds, or
 * a negative value (reported) when it never loads or is wrong. */
static double
show_at (Bench      *bench,
         Viewport   *vp,
         guint       first,
         const char *what)
{
  double t0 = bench_now ();
  double elapsed;

  viewport_request (vp, first);
  if (!app_bench_wait (viewport_loaded, vp, WAIT_S))
    {
      bench_miss (bench, "%s: rows at %u did not load within %.0f s", what, first, WAIT_S);
      return -1;
    }
  elapsed = bench_now () - t0;
  if (!viewport_check (bench, vp, what))
    return -1;
  return elapsed;
}

static SupaSchema *
load_schema (SupaClient *client,
             GError    **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  supa_schema_load_async (client, "public", NULL, app_bench_store_result_cb, &result);
  return supa_schema_load_finish (app_bench_wait_result (&result), error);
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(Bench) bench = bench_new ("row-model");
  SupaTestServer *server;
  g_autoptr(SupaClient) client = NULL;
  g_autoptr(SupaDatabase) db = NULL;
  g_autoptr(SupaSchema) schema = NULL;
  g_autoptr(SupaRowModel) model = NULL;
  g_autoptr(AppBenchStall) stall = NULL;
  g_autoptr(GArray) jumps = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GError) error = NULL;
  g_autoptr(GRand) rand = g_rand_new_with_seed (20261122);
  g_autoptr(JsonBuilder) builder = NULL;
  Viewport vp = { 0 };
  SupaTableInfo *table;
  double t0, schema_s, open_s = -1, drag_stop_s = -1, walk_s = 0, jump_max;
  gint64 rss_start_kb, rss_max_kb = 0, hwm_kb = 0;
  guint n_items = 0, walk_steps = 0, page_size, drag_requests = 0, n_over = 0;
  double stall_wall[3] = { 0 }, stall_app[3] = { 0 }, stall_app_max = 0, stall_wall_max = 0;
  static const char * const phase_names[3] = { "open and jumps", "drag", "walk" };
  static const guint drags[][2] = { { 0, 912345 }, { 912345, 123456 } };
  gint64 count = -1;
  guint n;
  gboolean estimate = FALSE;

  g_setenv ("GIO_USE_PROXY_RESOLVER", "dummy", TRUE);
  setvbuf (stdout, NULL, _IOLBF, 0);

  server = supa_test_server_start ("demo-large", NULL);
  /* The admin's view of a project: the service-role key. */
  client = supa_client_new (server->url, server->service_role_key, NULL);
  db = supa_database_new (client);

  t0 = bench_now ();
  schema = load_schema (client, &error);
  schema_s = bench_now () - t0;
  if (schema == NULL)
    {
      bench_miss (bench, "the schema did not load: %s", error->message);
      goto out;
    }
  table = supa_schema_lookup_table (schema, "events");
  if (table == NULL)
    {
      bench_miss (bench, "the schema has no public.events");
      goto out;
    }

  rss_start_kb = app_bench_status_kb ("VmRSS");
  stall = app_bench_stall_start ();

  /* 1. open */
  t0 = bench_now ();
  model = supa_row_model_new (db, table);
  vp.model = model;
  vp.rows = g_ptr_array_new_with_free_func (g_object_unref);
  if (!app_bench_wait (has_items, model, WAIT_S) || supa_row_model_get_error (model) != NULL)
    {
      bench_miss (bench, "open: the model never counted the rows%s%s",
                  supa_row_model_get_error (model) ? ": " : "",
                  supa_row_model_get_error (model) ? supa_row_model_get_error (model)->message : "");
      goto out;
    }
  open_s = show_at (bench, &vp, 0, "open");
  if (open_s >= 0)
    open_s = bench_now () - t0;
  count = supa_row_model_get_count (model);
  estimate = supa_row_model_get_count_is_estimate (model);
  n_items = g_list_model_get_n_items (G_LIST_MODEL (model));
  page_size = supa_row_model_get_page_size (model);
  if (count < TOTAL_ROWS * 0.9 || count > TOTAL_ROWS * 1.1)
    bench_miss (bench, "open: the model counts %" G_GINT64_FORMAT " rows, expected about %d", count, TOTAL_ROWS);
  printf ("open: first rows after %.0f ms (count %" G_GINT64_FORMAT "%s, schema loaded before in %.0f ms)\n",
          open_s * 1000, count, estimate ? ", estimated" : "", schema_s * 1000);
  if (open_s > TARGET_SHOW_MS / 1000)
    bench_miss (bench, "open: first rows took %.0f ms (target %.0f ms)", open_s * 1000, TARGET_SHOW_MS);

  /* 2. jumps: random positions, then the last row */
  for (guint i = 0; i <= N_JUMPS; i++)
    {
      guint len = g_list_model_get_n_items (G_LIST_MODEL (model));
      guint first = i < N_JUMPS ? (guint) g_rand_int_range (rand, 0, (gint32) len) : len - 1;
      double s = show_at (bench, &vp, first, i < N_JUMPS ? "jump" : "jump to the last row");

      if (s < 0)
        goto out;
      g_array_append_val (jumps, s);
      printf ("jump %2u to row %7u: %.0f ms\n", i + 1, first, s * 1000);
    }
  n_items = g_list_model_get_n_items (G_LIST_MODEL (model));
  if (supa_row_get_position (g_ptr_array_index (vp.rows, vp.rows->len - 1)) != n_items - 1 ||
      n_items != TOTAL_ROWS)
    bench_miss (bench, "the model ends at row %u, expected %d", n_items, TOTAL_ROWS);

  app_bench_stall_take (stall, &stall_wall[0], &stall_app[0], &n);
  n_over += n;

  /* Scrollbar drags: a frame every 16 ms from one row to another, then
   * stop; the stops are rows no jump has shown (their pages are not
   * cached). */
  for (guint d = 0; d < G_N_ELEMENTS (drags); d++)
    {
      guint from = drags[d][0], to = drags[d][1];
      guint sent = supa_row_model_get_n_page_requests (model);
      double s;

      for (guint f = 0; f <= DRAG_FRAMES; f++)
        {
          viewport_request (&vp, (guint) (from + ((gint64) to - from) * f / DRAG_FRAMES));
          app_bench_run_for (FRAME_S);
        }
      t0 = bench_now ();
      if (!app_bench_wait (viewport_loaded, &vp, WAIT_S) || !viewport_check (bench, &vp, "drag"))
        {
          bench_miss (bench, "drag: the rows where it stopped (%u) did not load", to);
          goto out;
        }
      s = bench_now () - t0;
      sent = supa_row_model_get_n_page_requests (model) - sent;
      drag_requests += sent;
      drag_stop_s = MAX (drag_stop_s, s);
      g_array_append_val (jumps, s);
      printf ("drag from row %u to row %u over %u frames (%.1f s): rows %.0f ms after stopping; "
              "%u page requests sent\n", from, to, DRAG_FRAMES, DRAG_FRAMES * FRAME_S, s * 1000, sent);
    }

  jump_max = bench_max (jumps);
  if (jump_max > TARGET_SHOW_MS / 1000)
    bench_miss (bench, "rows took %.0f ms to show after a jump or drag (target %.0f ms each)",
                jump_max * 1000, TARGET_SHOW_MS);

  app_bench_stall_take (stall, &stall_wall[1], &stall_app[1], &n);
  n_over += n;

  /* 3. walk end to end, one viewport per page */
  t0 = bench_now ();
  for (guint first = 0; first < n_items; first += page_size)
    {
      gint64 rss;

      if (show_at (bench, &vp, first, "walk") < 0)
        goto out;
      walk_steps++;
      rss = app_bench_status_kb ("VmRSS");
      rss_max_kb = MAX (rss_max_kb, rss);
      if (walk_steps % 200 == 0)
        printf ("walk: row %u, VmRSS %.1f MB, cached pages %u\n", first, rss / 1024.0,
                supa_row_model_get_n_cached_pages (model));
    }
  walk_s = bench_now () - t0;
  hwm_kb = app_bench_status_kb ("VmHWM");
  printf ("walk: %u steps in %.1f s; VmRSS at start %.1f MB, max %.1f MB, VmHWM %.1f MB; %u page requests\n",
          walk_steps, walk_s, rss_start_kb / 1024.0, rss_max_kb / 1024.0, hwm_kb / 1024.0,
          supa_row_model_get_n_page_requests (model));
  if (hwm_kb / 1024.0 >= TARGET_RSS_MB)
    bench_miss (bench, "resident memory peaked at %.1f MB (target < %.0f MB)", hwm_kb / 1024.0, TARGET_RSS_MB);
  app_bench_stall_take (stall, &stall_wall[2], &stall_app[2], &n);
  n_over += n;
  for (guint i = 0; i < 3; i++)
    {
      printf ("main loop, %s: longest stall %.1f ms (%.1f ms wall clock, including waits for a CPU)\n",
              phase_names[i], stall_app[i] * 1000, stall_wall[i] * 1000);
      stall_app_max = MAX (stall_app_max, stall_app[i]);
      stall_wall_max = MAX (stall_wall_max, stall_wall[i]);
    }
  if (stall_app_max * 1000 > TARGET_STALL_MS)
    bench_miss (bench, "the main loop stalled for %.1f ms, %u times over %.0f ms (target ≤ %.0f ms)",
                stall_app_max * 1000, n_over, TARGET_STALL_MS, TARGET_STALL_MS);

out:
  builder = bench_json_begin (bench);
  bench_json_ms (builder, "schema_ms", schema_s);
  bench_json_ms (builder, "open_ms", open_s);
  bench_json_int (builder, "count", count);
  json_builder_set_member_name (builder, "count_is_estimate");
  json_builder_add_boolean_value (builder, estimate);
  bench_json_ms (builder, "jump_p50_ms", bench_percentile (jumps, 50));
  bench_json_ms (builder, "jump_max_ms", bench_max (jumps));
  bench_json_ms (builder, "drag_stop_ms", drag_stop_s);
  bench_json_int (builder, "walk_steps", walk_steps);
  bench_json_ms (builder, "walk_ms", walk_s);
  bench_json_int (builder, "rss_max_kb", rss_max_kb);
  bench_json_int (builder, "hwm_kb", hwm_kb);
  bench_json_int (builder, "drag_requests", drag_requests);
  bench_json_ms (builder, "stall_max_ms", stall_app_max);
  bench_json_ms (builder, "stall_wall_max_ms", stall_wall_max);

  if (vp.rows != NULL)
    g_ptr_array_unref (vp.rows);
  g_clear_object (&model);
  g_clear_pointer (&stall, app_bench_stall_free);
  g_clear_object (&schema);
  g_clear_object (&db);
  g_clear_object (&client);
  supa_test_server_stop (server);
  return bench_finish (bench, builder);
}
