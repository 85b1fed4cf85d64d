/* app-bench-view.h — what the user sees of a GtkColumnView, frame by frame
 * (the GTK benchmarks: bench-table-view, bench-folder-scroll).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * After every frame the window paints (GdkFrameClock::after-paint), the
 * rows of the column view that lie inside its list area are found by
 * walking its widgets: a benchmark's classifier names the row a widget
 * shows. The snapshot of the last painted frame tells whether every
 * visible row showed real values, which row was at the top and whether
 * the rows were the right ones.
 */

#pragma once

#include <gtk/gtk.h>

#include "bench-common.h"

G_BEGIN_DECLS

/* Whether @widget is the key cell of a row (one per row, e.g. the id
 * column's cell); if so *position is the row it shows, *loaded whether it
 * shows a real value (not a placeholder), and *correct whether that value
 * is the right one for *position. */
typedef gboolean (*AppBenchRowClassifier) (GtkWidget *widget,
                                           guint     *position,
                                           gboolean  *loaded,
                                           gboolean  *correct,
                                           gpointer   data);

typedef struct
{
  gint64  time;        /* g_get_monotonic_time () of the after-paint */
  guint   serial;      /* frames painted so far */
  guint   n_visible;   /* key cells inside the list area */
  guint   n_loaded;
  guint   n_wrong;     /* loaded but not correct, or not consecutive */
  guint   top;         /* the smallest visible position */
  guint   bottom;
  double  value;       /* the vertical adjustment then */
  double  upper;
  double  page;
} AppBenchFrame;

typedef struct _AppBenchView AppBenchView;

AppBenchView  *app_bench_view_new        (GtkWindow             *window,
                                          GtkColumnView         *column_view,
                                          AppBenchRowClassifier  classify,
                                          gpointer               data);
void           app_bench_view_free       (AppBenchView          *view);
GtkAdjustment *app_bench_view_get_vadjustment (AppBenchView     *view);
/* The last painted frame. */
const AppBenchFrame *app_bench_view_last_frame (AppBenchView    *view);
/* Whether the last painted frame showed only right rows; when not, @bench
 * misses with "@what: the @view_name showed wrong rows (…)". */
gboolean       app_bench_view_check_frame (AppBenchView         *view,
                                           Bench                *bench,
                                           const char           *view_name,
                                           const char           *what);
/* Waits for a frame painted after @since (monotonic µs) in which rows are
 * visible, all of them loaded, and (when @want_top is not G_MAXUINT) the
 * top row is within @tolerance of @want_top. The frame's time, or -1
 * after @timeout_s. */
gint64         app_bench_view_wait_rows  (AppBenchView          *view,
                                          gint64                 since,
                                          guint                  want_top,
                                          guint                  tolerance,
                                          double                 timeout_s);
/* Waits for @n more frames (or @timeout_s); FALSE on timeout. */
gboolean       app_bench_view_wait_frames (AppBenchView         *view,
                                           guint                 n,
                                           double                timeout_s);
/* Sets the vertical adjustment to @fraction (0…1) of its range. */
void           app_bench_view_scroll_to  (AppBenchView          *view,
                                          double                 fraction);
/* The row a fraction of the range puts at the top, from the adjustment's
 * geometry (rows of equal height) and @n_items. */
guint          app_bench_view_top_for    (AppBenchView          *view,
                                          guint                  n_items);
/* The longest gap between two painted frames since the last call (µs),
 * while frames were wanted (report only); starts over. */
gint64         app_bench_view_take_frame_gap (AppBenchView      *view);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (AppBenchView, app_bench_view_free)

G_END_DECLS
