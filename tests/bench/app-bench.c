/* app-bench.c — helpers shared by Supadesk's own benchmarks.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "app-bench"

#include "config.h"

#include "app-bench.h"

#include <string.h>

#define STALL_PERIOD_MS   5
#define STALL_REPORT_MS   50

gint64
app_bench_status_kb (const char *field)
{
  g_autofree char *text = NULL;
  g_autofree char *key = g_strconcat (field, ":", NULL);
  const char *line;

  if (!g_file_get_contents ("/proc/self/status", &text, NULL, NULL))
    return -1;
  for (line = text; line != NULL && *line != '\0'; )
    {
      const char *next = strchr (line, '\n');

      if (g_str_has_prefix (line, key))
        return g_ascii_strtoll (line + strlen (key), NULL, 10);
      line = next != NULL ? next + 1 : NULL;
    }
  return -1;
}

gboolean
app_bench_reset_peak_rss (void)
{
  return g_file_set_contents ("/proc/self/clear_refs", "5", 1, NULL);
}

static gboolean
wake_cb (gpointer data)
{
  return G_SOURCE_CONTINUE;
}

gboolean
app_bench_wait (AppBenchCondition cond,
                gpointer          data,
                double            timeout_s)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) (timeout_s * G_USEC_PER_SEC);
  guint wake = g_timeout_add (50, wake_cb, NULL);
  gboolean ok = TRUE;

  while (!cond (data))
    {
      if (g_get_monotonic_time () > deadline)
        {
          ok = FALSE;
          break;
        }
      g_main_context_iteration (NULL, TRUE);
    }
  g_source_remove (wake);
  return ok;
}

void
app_bench_store_result_cb (GObject      *object,
                           GAsyncResult *result,
                           gpointer      user_data)
{
  GAsyncResult **out = user_data;

  *out = g_object_ref (result);
}

GAsyncResult *
app_bench_wait_result (GAsyncResult **result)
{
  while (*result == NULL)
    g_main_context_iteration (NULL, TRUE);
  return *result;
}

static gboolean
time_passed (gpointer data)
{
  return g_get_monotonic_time () >= *(gint64 *) data;
}

void
app_bench_run_for (double seconds)
{
  gint64 until = g_get_monotonic_time () + (gint64) (seconds * G_USEC_PER_SEC);
  guint wake = g_timeout_add (MAX (1, (guint) (seconds * 1000)), wake_cb, NULL);

  while (!time_passed (&until))
    g_main_context_iteration (NULL, TRUE);
  g_source_remove (wake);
}

struct _AppBenchStall
{
  guint  source_id;
  gint64 last;
  gint64 last_run_delay;  /* ns waiting for a CPU, from schedstat */
  gint64 max_gap;         /* µs beyond the period, wall clock */
  gint64 max_app_gap;     /* …minus the time spent waiting for a CPU */
  guint  n_over;          /* app stalls over STALL_REPORT_MS */
};

/* The main thread's time spent runnable but waiting for a CPU, in ns
 * (/proc/thread-self/schedstat, second field); 0 when unavailable. */
static gint64
run_delay_ns (void)
{
  g_autofree char *text = NULL;
  char *end = NULL;

  if (!g_file_get_contents ("/proc/thread-self/schedstat", &text, NULL, NULL))
    return 0;
  g_ascii_strtoll (text, &end, 10);
  return end != NULL ? g_ascii_strtoll (end, NULL, 10) : 0;
}

static gboolean
stall_tick_cb (gpointer data)
{
  AppBenchStall *stall = data;
  gint64 now = g_get_monotonic_time ();
  gint64 delay = run_delay_ns ();
  gint64 gap = now - stall->last - STALL_PERIOD_MS * 1000;
  gint64 app_gap = gap - (delay - stall->last_run_delay) / 1000;

  stall->max_gap = MAX (stall->max_gap, gap);
  stall->max_app_gap = MAX (stall->max_app_gap, app_gap);
  if (app_gap > STALL_REPORT_MS * 1000)
    stall->n_over++;
  stall->last = g_get_monotonic_time ();
  stall->last_run_delay = delay;
  return G_SOURCE_CONTINUE;
}

AppBenchStall *
app_bench_stall_start (void)
{
  AppBenchStall *stall = g_new0 (AppBenchStall, 1);

  app_bench_stall_skip (stall);
  stall->source_id = g_timeout_add_full (G_PRIORITY_HIGH, STALL_PERIOD_MS, stall_tick_cb, stall, NULL);
  return stall;
}

void
app_bench_stall_skip (AppBenchStall *stall)
{
  stall->last_run_delay = run_delay_ns ();
  stall->last = g_get_monotonic_time ();
}

void
app_bench_stall_take (AppBenchStall *stall,
                      double        *wall_s,
                      double        *app_s,
                      guint         *n_over)
{
  *wall_s = MAX (stall->max_gap, 0) / 1e6;
  *app_s = MAX (stall->max_app_gap, 0) / 1e6;
  *n_over = stall->n_over;
  stall->max_gap = 0;
  stall->max_app_gap = 0;
  stall->n_over = 0;
}

void
app_bench_stall_free (AppBenchStall *stall)
{
  if (stall == NULL)
    return;
  g_source_remove (stall->source_id);
  g_free (stall);
}
