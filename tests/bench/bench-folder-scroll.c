/* bench-folder-scroll.c — a 10,000-object folder in the bucket browser.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Issue #5: "A folder of 10,000 objects lists in under 2 s and scrolls
 * without stalls". A real SupaBucketBrowser in a 1100×700 window (Xvfb,
 * through tests/harness/display-session) against supabase-local; the
 * objects are rows inserted into storage.objects (`big/file-00000.txt` …,
 * varied size, type and date, as bench-folder-listing does).
 *
 * 1. listing: supa_bucket_browser_open_folder ("big") until a frame is
 *    painted after the folder model completed, showing the first rows
 *    (judged < 2 s; the first painted rows are report only).
 * 2. scrolling: the vertical adjustment moved down by one page per frame
 *    from the top to the end, then up by a fifth of a page per frame over
 *    the last 2,000 rows, then 20 jumps to pseudo-random positions, the
 *    end and the start, each waited for and checked: the name at the top
 *    is the one the scrollbar position stands for, names are consecutive
 *    and each is the folder model's item at its row.
 * The main-loop stall monitor (app-bench.h) judges the scrolling (≤ 50 ms);
 * the listing's stall and the longest gap between painted frames while
 * scrolling are reported. Report only, to tell the app's own work from
 * waiting: the main thread's CPU time of each frame phase, of moving the
 * scrollbar and of the folder model's items-changed, and the longest
 * stall split into time on a CPU and time blocked (on X11: GDK's
 * synchronous requests waiting for the X server's replies).
 */

#define G_LOG_DOMAIN "bench-folder-scroll"

#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "app-bench.h"
#include "app-bench-view.h"
#include "bench-common.h"
#include "supa-bucket-browser.h"
#include "supa-test-server.h"

#define N_OBJECTS       10000
#define BUCKET          "scroll"
#define N_JUMPS         20
#define TOP_TOLERANCE   2
#define TARGET_LIST_S   2.0
#define TARGET_STALL_MS 50.0
#define WAIT_S          60.0

static gboolean
setup_objects (Bench          *bench,
               SupaTestServer *server)
{
  g_autofree char *count = NULL;

  count = supa_test_server_sql (server,
    "INSERT INTO storage.buckets (id, name) VALUES ('" BUCKET "', '" BUCKET "');"
    "INSERT INTO storage.objects (bucket_id, name, version, metadata, updated_at) "
    "SELECT '" BUCKET "', format('big/file-%s.%s', lpad(i::text, 5, '0'), (ARRAY['txt','png','json'])[i % 3 + 1]), "
    "       gen_random_uuid()::text, "
    "       jsonb_build_object('size', (i * 7919) % 1000003, "
    "                          'mimetype', (ARRAY['text/plain','image/png','application/json'])[i % 3 + 1], "
    "                          'eTag', md5(i::text), 'cacheControl', 'max-age=3600'), "
    "       now() - make_interval(secs => (i * 37) % 10007) "
    "FROM generate_series(0, 9999) AS i;"
    "ANALYZE storage.objects;"
    "SELECT count(*) FROM storage.objects WHERE bucket_id = '" BUCKET "' AND name LIKE 'big/%'");
  if (g_strcmp0 (count, "10000") != 0)
    {
      bench_miss (bench, "inserting the objects gave %s rows", count ? count : "no");
      return FALSE;
    }
  return TRUE;
}

/* The name column's cell (a box: icon, then the name as a GtkInscription)
 * is the key cell of a row;
 * file-NNNNN is row NNNNN, and must be the item the view has there. */
static gboolean
classify_name (GtkWidget *widget,
               guint     *position,
               gboolean  *loaded,
               gboolean  *correct,
               gpointer   data)
{
  /* The browser sets a new model for every folder: ask each time. */
  GListModel *items = G_LIST_MODEL (gtk_column_view_get_model (data));
  GtkWidget *name;
  const char *text;
  char *end = NULL;
  guint64 number;

  if (!GTK_IS_BOX (widget) || g_object_get_data (G_OBJECT (widget), "supa-item") == NULL)
    return FALSE;
  name = gtk_widget_get_last_child (widget);
  text = GTK_IS_INSCRIPTION (name) ? gtk_inscription_get_text (GTK_INSCRIPTION (name)) : NULL;
  if (text == NULL || !g_str_has_prefix (text, "file-"))
    {
      *position = 0;
      *loaded = FALSE;
      *correct = FALSE;
      return TRUE;
    }
  number = g_ascii_strtoull (text + 5, &end, 10);
  *position = (guint) number;
  *loaded = TRUE;
  *correct = FALSE;
  if (items != NULL && end == text + 10 && number < g_list_model_get_n_items (items))
    {
      g_autoptr(GObject) item = g_list_model_get_item (items, (guint) number);

      *correct = SUPA_IS_OBJECT_INFO (item) &&
                 g_strcmp0 (supa_object_info_get_name (SUPA_OBJECT_INFO (item)), text) == 0;
    }
  return TRUE;
}

/* Where the main thread's time goes (report only, CPU time of the main
 * thread, so waits for a CPU are left out): the frame clock's layout phase
 * (widgets measured and allocated, list rows bound), its paint phase
 * (snapshot and rendering) and moving the scrollbar (the list view binds
 * the rows at the new position at once), the longest of each. */
typedef struct
{
  gint64 update_end;
  gint64 layout_end;
  gint64 layout_max;
  gint64 paint_max;
  gint64 scroll_max;
  gint64 changed_start;
  gint64 changed_max;
} FramePhases;

static gint64
thread_cpu_us (void)
{
  struct timespec ts;

  if (clock_gettime (CLOCK_THREAD_CPUTIME_ID, &ts) != 0)
    return g_get_monotonic_time ();
  return (gint64) ts.tv_sec * G_USEC_PER_SEC + ts.tv_nsec / 1000;
}

/* gtk_adjustment_set_value() timed. */
static void
scroll_timed (FramePhases   *phases,
              GtkAdjustment *adj,
              double         value)
{
  gint64 start = thread_cpu_us ();

  gtk_adjustment_set_value (adj, value);
  phases->scroll_max = MAX (phases->scroll_max, thread_cpu_us () - start);
}

static void
update_end_cb (GdkFrameClock *clock,
               FramePhases   *phases)
{
  phases->update_end = thread_cpu_us ();
}

static void
layout_end_cb (GdkFrameClock *clock,
               FramePhases   *phases)
{
  phases->layout_end = thread_cpu_us ();
  if (phases->update_end > 0)
    phases->layout_max = MAX (phases->layout_max, phases->layout_end - phases->update_end);
}

static void
paint_end_cb (GdkFrameClock *clock,
              FramePhases   *phases)
{
  if (phases->layout_end > 0)
    phases->paint_max = MAX (phases->paint_max, thread_cpu_us () - phases->layout_end);
  phases->update_end = phases->layout_end = 0;
}

/* The folder model's items-changed, handled by the view (CPU time, from
 * the emission's start to its last handler). */
static gboolean
items_changed_hook (GSignalInvocationHint *hint,
                    guint                  n_values,
                    const GValue          *values,
                    gpointer               data)
{
  FramePhases *phases = data;

  if (SUPA_IS_FOLDER_MODEL (g_value_get_object (&values[0])))
    phases->changed_start = thread_cpu_us ();
  return TRUE;
}

static void
items_changed_end_cb (GListModel  *model,
                      guint        position,
                      guint        removed,
                      guint        added,
                      FramePhases *phases)
{
  if (phases->changed_start > 0)
    phases->changed_max = MAX (phases->changed_max, thread_cpu_us () - phases->changed_start);
  phases->changed_start = 0;
}

static void
phases_take (FramePhases *phases,
             double      *layout_s,
             double      *paint_s,
             double      *scroll_s)
{
  *layout_s = phases->layout_max / 1e6;
  *paint_s = phases->paint_max / 1e6;
  *scroll_s = phases->scroll_max / 1e6;
  phases->layout_max = phases->paint_max = phases->scroll_max = 0;
}

/* What the longest main-loop stall was made of (report only): a second
 * 5 ms tick, like app-bench's, splits each gap with the main thread's
 * schedstat into time on a CPU, time waiting for a CPU (run_delay) and
 * the rest, time blocked (in this program: waiting for the X server's
 * replies to GDK's synchronous requests). */
typedef struct
{
  guint  source_id;
  gint64 last;
  gint64 last_cpu;       /* ns, schedstat field 1 */
  gint64 last_delay;     /* ns, schedstat field 2 */
  gint64 worst_app;      /* µs: the longest gap minus run_delay… */
  gint64 worst_cpu;      /* …of which on a CPU */
  gint64 worst_blocked;  /* …and blocked */
  gint64 max_cpu;        /* µs: the most CPU time of any gap */
} StallSplit;

static void
schedstat_ns (gint64 *cpu,
              gint64 *delay)
{
  g_autofree char *text = NULL;
  char *end = NULL;

  *cpu = *delay = 0;
  if (!g_file_get_contents ("/proc/thread-self/schedstat", &text, NULL, NULL))
    return;
  *cpu = g_ascii_strtoll (text, &end, 10);
  if (end != NULL)
    *delay = g_ascii_strtoll (end, NULL, 10);
}

static gboolean
split_tick_cb (gpointer data)
{
  StallSplit *split = data;
  gint64 now = g_get_monotonic_time ();
  gint64 cpu, delay, app, on_cpu;

  schedstat_ns (&cpu, &delay);
  app = now - split->last - 5000 - (delay - split->last_delay) / 1000;
  on_cpu = (cpu - split->last_cpu) / 1000;
  split->max_cpu = MAX (split->max_cpu, on_cpu);
  if (app > split->worst_app)
    {
      split->worst_app = app;
      split->worst_cpu = on_cpu;
      split->worst_blocked = MAX (app + 5000 - on_cpu, 0);
    }
  split->last = g_get_monotonic_time ();
  split->last_cpu = cpu;
  split->last_delay = delay;
  return G_SOURCE_CONTINUE;
}

static void
split_start (StallSplit *split)
{
  split->last = g_get_monotonic_time ();
  schedstat_ns (&split->last_cpu, &split->last_delay);
  split->source_id = g_timeout_add_full (G_PRIORITY_HIGH, 5, split_tick_cb, split, NULL);
}

static void
split_take (StallSplit *split,
            double     *cpu_s,
            double     *blocked_s,
            double     *max_cpu_s)
{
  *cpu_s = split->worst_cpu / 1e6;
  *blocked_s = split->worst_blocked / 1e6;
  *max_cpu_s = split->max_cpu / 1e6;
  split->worst_app = split->worst_cpu = split->worst_blocked = split->max_cpu = 0;
}

static gboolean
buckets_listed (gpointer data)
{
  return !supa_bucket_browser_get_loading_buckets (data) &&
         g_list_model_get_n_items (supa_bucket_browser_get_buckets (data)) > 0;
}

static gboolean
folder_done (gpointer data)
{
  SupaFolderModel *model = supa_bucket_browser_get_folder_model (data);

  return model != NULL && !supa_folder_model_get_loading (model) &&
         (supa_folder_model_get_complete (model) || supa_folder_model_get_error (model) != NULL);
}

static gboolean
is_mapped (gpointer data)
{
  return gtk_widget_get_mapped (data);
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(Bench) bench = bench_new ("folder-scroll");
  SupaTestServer *server;
  g_autoptr(SupaClient) client = NULL;
  g_autoptr(SupaProfile) profile = NULL;
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(AppBenchStall) stall = NULL;
  g_autoptr(AppBenchView) view = NULL;
  g_autoptr(GRand) rand = g_rand_new_with_seed (20261122);
  g_autoptr(GArray) jumps = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(JsonBuilder) builder = NULL;
  GtkWindow *window;
  SupaBucketBrowser *browser;
  GtkAdjustment *adj;
  GListModel *items;
  gint64 t0, shown;
  double first_s = -1, list_s = -1, scroll_s = 0;
  double list_wall = 0, list_app = 0, scroll_wall = 0, scroll_app = 0;
  double steps_wall = 0, steps_app = 0, jumps_wall = 0, jumps_app = 0;
  gint64 frame_gap = 0;
  FramePhases phases = { 0 };
  StallSplit split = { 0 };
  double steps_cpu = 0, steps_blocked = 0, steps_max_cpu = 0, jumps_cpu = 0, jumps_blocked = 0, jumps_max_cpu = 0;
  double list_cpu = 0, list_blocked = 0, list_max_cpu = 0;
  double list_layout = 0, list_paint = 0, list_scroll = 0, list_changed = 0;
  gulong hook_id = 0;
  GdkFrameClock *clock = NULL;
  double steps_layout = 0, steps_paint = 0, steps_scroll = 0, jumps_layout = 0, jumps_paint = 0, jumps_scroll = 0;
  guint n_over = 0, n = 0, n_items = 0, n_steps = 0;

  g_setenv ("GIO_USE_PROXY_RESOLVER", "dummy", TRUE);
  g_setenv ("GSK_RENDERER", "cairo", FALSE);
  setvbuf (stdout, NULL, _IOLBF, 0);
  gtk_init ();
  adw_init ();

  server = supa_test_server_start ("empty", NULL);
  if (!setup_objects (bench, server))
    goto stop;
  client = supa_client_new (server->url, server->service_role_key, NULL);
  profile = supa_profile_new ("bench");
  supa_profile_set_name (profile, "Bench");
  supa_profile_set_url (profile, server->url);

  window = GTK_WINDOW (gtk_window_new ());
  gtk_window_set_default_size (window, 1100, 700);
  browser = SUPA_BUCKET_BROWSER (supa_bucket_browser_new ());
  gtk_window_set_child (window, GTK_WIDGET (browser));
  gtk_window_present (window);
  supa_bucket_browser_set_client (browser, client, profile, cancellable);
  if (!app_bench_wait (buckets_listed, browser, WAIT_S) || !app_bench_wait (is_mapped, window, WAIT_S))
    {
      bench_miss (bench, "the buckets were not listed");
      goto out;
    }
  if (!supa_bucket_browser_open_bucket (browser, BUCKET) || !app_bench_wait (folder_done, browser, WAIT_S))
    {
      bench_miss (bench, "the bucket did not open");
      goto out;
    }
  view = app_bench_view_new (window, supa_bucket_browser_get_column_view (browser), classify_name,
                             supa_bucket_browser_get_column_view (browser));
  adj = app_bench_view_get_vadjustment (view);
  /* As in bench-table-view, the first map and realize of the window
   * (a one-time cost of starting the app) is left out of the stall. */
  app_bench_view_wait_frames (view, 3, WAIT_S);
  app_bench_run_for (0.3);
  stall = app_bench_stall_start ();
  split_start (&split);
  clock = g_object_ref (gtk_widget_get_frame_clock (GTK_WIDGET (window)));
  g_signal_connect_after (clock, "update", G_CALLBACK (update_end_cb), &phases);
  g_signal_connect_after (clock, "layout", G_CALLBACK (layout_end_cb), &phases);
  g_signal_connect_after (clock, "paint", G_CALLBACK (paint_end_cb), &phases);

  /* 1. listing */
  hook_id = g_signal_add_emission_hook (g_signal_lookup ("items-changed", G_TYPE_LIST_MODEL), 0,
                                        items_changed_hook, &phases, NULL);
  t0 = g_get_monotonic_time ();
  supa_bucket_browser_open_folder (browser, "big");
  g_signal_connect_after (supa_bucket_browser_get_folder_model (browser), "items-changed",
                          G_CALLBACK (items_changed_end_cb), &phases);
  shown = app_bench_view_wait_rows (view, t0, 0, 0, WAIT_S);
  if (shown < 0)
    {
      bench_miss (bench, "listing: no rows were shown within %.0f s", WAIT_S);
      goto out;
    }
  first_s = (shown - t0) / 1e6;
  if (!app_bench_wait (folder_done, browser, WAIT_S) ||
      supa_folder_model_get_error (supa_bucket_browser_get_folder_model (browser)) != NULL)
    {
      bench_miss (bench, "listing: the folder did not list");
      goto out;
    }
  shown = app_bench_view_wait_rows (view, g_get_monotonic_time (), 0, 0, WAIT_S);
  if (shown < 0)
    {
      /* Nothing changed on screen after the last page: the frame that
       * showed it counts. */
      app_bench_view_wait_frames (view, 1, WAIT_S);
      shown = app_bench_view_last_frame (view)->time;
    }
  list_s = (shown - t0) / 1e6;
  if (!app_bench_view_check_frame (view, bench, "folder view", "listing"))
    goto out;
  items = G_LIST_MODEL (gtk_column_view_get_model (supa_bucket_browser_get_column_view (browser)));
  n_items = g_list_model_get_n_items (items);
  printf ("listing: first rows painted after %.0f ms, all %u entries listed and painted after %.0f ms\n",
          first_s * 1000, n_items, list_s * 1000);
  if (n_items != N_OBJECTS)
    bench_miss (bench, "listing: %u entries, expected %d", n_items, N_OBJECTS);
  if (list_s > TARGET_LIST_S)
    bench_miss (bench, "listing took %.2f s (target < %.0f s)", list_s, TARGET_LIST_S);
  app_bench_stall_take (stall, &list_wall, &list_app, &n);
  split_take (&split, &list_cpu, &list_blocked, &list_max_cpu);
  list_changed = phases.changed_max / 1e6;
  phases_take (&phases, &list_layout, &list_paint, &list_scroll);

  /* 2. scrolling: page by page down, small steps up, then jumps */
  t0 = g_get_monotonic_time ();
  app_bench_view_take_frame_gap (view);
  phases_take (&phases, &steps_layout, &steps_paint, &steps_scroll);
  while (gtk_adjustment_get_value (adj) + gtk_adjustment_get_page_size (adj) < gtk_adjustment_get_upper (adj) - 1)
    {
      scroll_timed (&phases, adj, gtk_adjustment_get_value (adj) + gtk_adjustment_get_page_size (adj));
      if (!app_bench_view_wait_frames (view, 1, WAIT_S) ||
          !app_bench_view_check_frame (view, bench, "folder view", "scrolling down"))
        goto out;
      n_steps++;
    }
  for (guint i = 0; i < 2000 && gtk_adjustment_get_value (adj) > 0; i++)
    {
      scroll_timed (&phases, adj, gtk_adjustment_get_value (adj) - gtk_adjustment_get_page_size (adj) / 5);
      if (!app_bench_view_wait_frames (view, 1, WAIT_S) ||
          !app_bench_view_check_frame (view, bench, "folder view", "scrolling up"))
        goto out;
      n_steps++;
      if (app_bench_view_last_frame (view)->top + 2000 < N_OBJECTS - app_bench_view_last_frame (view)->n_visible)
        break;
    }
  frame_gap = app_bench_view_take_frame_gap (view);
  scroll_s = (g_get_monotonic_time () - t0) / 1e6;
  app_bench_stall_take (stall, &steps_wall, &steps_app, &n);
  n_over += n;
  phases_take (&phases, &steps_layout, &steps_paint, &steps_scroll);
  split_take (&split, &steps_cpu, &steps_blocked, &steps_max_cpu);
  printf ("scrolling: %u steps (one page per frame down, a fifth of a page per frame up) in %.1f s; "
          "longest gap between painted frames %.1f ms\n", n_steps, scroll_s, frame_gap / 1000.0);

  for (guint i = 0; i < N_JUMPS + 2; i++)
    {
      double fraction = i < N_JUMPS ? g_rand_double (rand) : (i == N_JUMPS ? 1.0 : 0.0);
      gint64 t1 = g_get_monotonic_time ();
      double s;

      {
        gint64 start = thread_cpu_us ();

        app_bench_view_scroll_to (view, fraction);
        phases.scroll_max = MAX (phases.scroll_max, thread_cpu_us () - start);
      }
      shown = app_bench_view_wait_rows (view, t1, app_bench_view_top_for (view, n_items), TOP_TOLERANCE, WAIT_S);
      if (shown < 0)
        {
          bench_miss (bench, "jump to %.3f: the rows there (%u) were not shown", fraction,
                      app_bench_view_top_for (view, n_items));
          goto out;
        }
      if (!app_bench_view_check_frame (view, bench, "folder view", "jump"))
        goto out;
      s = (shown - t1) / 1e6;
      g_array_append_val (jumps, s);
    }
  if (app_bench_view_last_frame (view)->top != 0)
    bench_miss (bench, "back at the start the top row is %u", app_bench_view_last_frame (view)->top);
  printf ("jumps: %u (random, the end, the start), painted after p50 %.0f ms, max %.0f ms\n",
          N_JUMPS + 2, bench_percentile (jumps, 50) * 1000, bench_max (jumps) * 1000);

  app_bench_stall_take (stall, &jumps_wall, &jumps_app, &n);
  n_over += n;
  phases_take (&phases, &jumps_layout, &jumps_paint, &jumps_scroll);
  split_take (&split, &jumps_cpu, &jumps_blocked, &jumps_max_cpu);
  scroll_app = MAX (steps_app, jumps_app);
  scroll_wall = MAX (steps_wall, jumps_wall);
  printf ("main loop, listing: longest stall %.1f ms (%.1f ms wall clock, including waits for a CPU)\n",
          list_app * 1000, list_wall * 1000);
  printf ("main loop, scrolling in steps: longest stall %.1f ms (%.1f ms wall clock, including waits for a CPU)\n",
          steps_app * 1000, steps_wall * 1000);
  printf ("main loop, jumps: longest stall %.1f ms (%.1f ms wall clock, including waits for a CPU)\n",
          jumps_app * 1000, jumps_wall * 1000);
  printf ("longest main-thread CPU time, listing: a page's items-changed %.1f ms, layout %.1f ms, paint %.1f ms\n",
          list_changed * 1000, list_layout * 1000, list_paint * 1000);
  printf ("longest main-thread CPU time, steps: moving the scrollbar %.1f ms, layout %.1f ms, paint %.1f ms; "
          "jumps: moving the scrollbar %.1f ms, layout %.1f ms, paint %.1f ms\n",
          steps_scroll * 1000, steps_layout * 1000, steps_paint * 1000,
          jumps_scroll * 1000, jumps_layout * 1000, jumps_paint * 1000);
  printf ("longest stall split (main thread): listing %.1f ms on a CPU + %.1f ms blocked, "
          "steps %.1f + %.1f ms, jumps %.1f + %.1f ms; most CPU time in one gap: "
          "listing %.1f ms, steps %.1f ms, jumps %.1f ms\n",
          list_cpu * 1000, list_blocked * 1000, steps_cpu * 1000, steps_blocked * 1000,
          jumps_cpu * 1000, jumps_blocked * 1000, list_max_cpu * 1000, steps_max_cpu * 1000, jumps_max_cpu * 1000);
  if (scroll_app * 1000 > TARGET_STALL_MS)
    bench_miss (bench, "scrolling stalled the main loop for %.1f ms, %u times over %.0f ms (target ≤ %.0f ms)",
                scroll_app * 1000, n_over, TARGET_STALL_MS, TARGET_STALL_MS);

out:
  if (hook_id != 0)
    g_signal_remove_emission_hook (g_signal_lookup ("items-changed", G_TYPE_LIST_MODEL), hook_id);
  g_clear_handle_id (&split.source_id, g_source_remove);
  if (clock != NULL)
    g_signal_handlers_disconnect_by_data (clock, &phases);
  g_clear_object (&clock);
  g_clear_pointer (&view, app_bench_view_free);
  g_clear_pointer (&stall, app_bench_stall_free);
  g_cancellable_cancel (cancellable);
  app_bench_run_for (0.05);
  gtk_window_destroy (window);
  app_bench_run_for (0.05);
stop:
  builder = bench_json_begin (bench);
  bench_json_int (builder, "entries", n_items);
  bench_json_ms (builder, "first_rows_ms", first_s);
  bench_json_ms (builder, "listing_ms", list_s);
  bench_json_int (builder, "scroll_steps", n_steps);
  bench_json_ms (builder, "scroll_ms", scroll_s);
  bench_json_ms (builder, "frame_gap_max_ms", frame_gap / 1e6);
  bench_json_ms (builder, "jump_p50_ms", bench_percentile (jumps, 50));
  bench_json_ms (builder, "jump_max_ms", bench_max (jumps));
  bench_json_ms (builder, "listing_stall_ms", list_app);
  bench_json_ms (builder, "listing_stall_wall_ms", list_wall);
  bench_json_ms (builder, "steps_stall_ms", steps_app);
  bench_json_ms (builder, "jumps_stall_ms", jumps_app);
  bench_json_ms (builder, "stall_max_ms", scroll_app);
  bench_json_ms (builder, "stall_wall_max_ms", scroll_wall);
  bench_json_ms (builder, "listing_items_changed_max_ms", list_changed);
  bench_json_ms (builder, "steps_stall_cpu_ms", steps_cpu);
  bench_json_ms (builder, "steps_stall_blocked_ms", steps_blocked);
  bench_json_ms (builder, "jumps_stall_cpu_ms", jumps_cpu);
  bench_json_ms (builder, "jumps_stall_blocked_ms", jumps_blocked);
  bench_json_ms (builder, "steps_gap_cpu_max_ms", steps_max_cpu);
  bench_json_ms (builder, "jumps_gap_cpu_max_ms", jumps_max_cpu);
  bench_json_ms (builder, "steps_scroll_max_ms", steps_scroll);
  bench_json_ms (builder, "steps_layout_max_ms", steps_layout);
  bench_json_ms (builder, "steps_paint_max_ms", steps_paint);
  bench_json_ms (builder, "jumps_scroll_max_ms", jumps_scroll);
  bench_json_ms (builder, "jumps_layout_max_ms", jumps_layout);
  bench_json_ms (builder, "jumps_paint_max_ms", jumps_paint);
  g_clear_object (&client);
  supa_test_server_stop (server);
  return bench_finish (bench, builder);
}
