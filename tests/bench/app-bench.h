/* app-bench.h — helpers shared by Supadesk's own benchmarks (tests/bench).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Complements supabase-local's bench-common.h (Bench, JSON line, exit
 * status) with what measuring the app itself needs: resident memory, the
 * longest main-loop stall, and waiting on the default main context.
 */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* A field of /proc/self/status in kB ("VmRSS", "VmHWM"); -1 if missing. */
gint64   app_bench_status_kb        (const char *field);
/* Resets VmHWM to the current VmRSS (/proc/self/clear_refs); FALSE when
 * the kernel does not allow it. */
gboolean app_bench_reset_peak_rss   (void);

typedef gboolean (*AppBenchCondition) (gpointer data);

/* Iterates the default main context until @cond holds (TRUE) or
 * @timeout_s passes (FALSE). */
gboolean app_bench_wait             (AppBenchCondition cond,
                                     gpointer          data,
                                     double            timeout_s);
/* The async idiom: a GAsyncReadyCallback storing a reference to the
 * result in *(GAsyncResult **) @user_data, and the wait for it. */
void          app_bench_store_result_cb (GObject       *object,
                                         GAsyncResult  *result,
                                         gpointer       user_data);
GAsyncResult *app_bench_wait_result     (GAsyncResult **result);

/* Iterates the default main context for @seconds. */
void     app_bench_run_for          (double            seconds);

/* The longest main-loop stall: a 5 ms timeout (high priority) records
 * the largest gap between two of its dispatches, minus the 5 ms. The
 * "app" figure also subtracts the time the main thread was runnable but
 * waiting for a CPU (/proc/thread-self/schedstat), i.e. what the machine's
 * other load cost rather than the code under test. */
typedef struct _AppBenchStall AppBenchStall;

AppBenchStall *app_bench_stall_start  (void);
/* Forgets the gap since the last dispatch (call after blocking on purpose,
 * e.g. a synchronous SQL statement of the benchmark itself). */
void           app_bench_stall_skip   (AppBenchStall *stall);
/* The longest stall (wall clock and app, in seconds) and how many app
 * stalls exceeded 50 ms since the start or the last take; starts over. */
void           app_bench_stall_take   (AppBenchStall *stall,
                                       double        *wall_s,
                                       double        *app_s,
                                       guint         *n_over);
void           app_bench_stall_free   (AppBenchStall *stall);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (AppBenchStall, app_bench_stall_free)

G_END_DECLS
