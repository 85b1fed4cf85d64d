/* app-bench-view.c — what the user sees of a GtkColumnView, frame by frame.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "app-bench"

#include "config.h"

#include "app-bench-view.h"

#include <math.h>

struct _AppBenchView
{
  GtkWindow             *window;
  GtkColumnView         *column_view;
  GtkWidget             *list;          /* the GtkListView inside: the rows' area */
  GtkAdjustment         *vadjustment;
  GdkFrameClock         *clock;
  gulong                 after_paint_id;
  AppBenchRowClassifier  classify;
  gpointer               data;
  AppBenchFrame          frame;
  gint64                 max_frame_gap;
};

static GtkWidget *
find_descendant (GtkWidget *root,
                 GType      type)
{
  if (G_TYPE_CHECK_INSTANCE_TYPE (root, type))
    return root;
  for (GtkWidget *child = gtk_widget_get_first_child (root); child != NULL; child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_descendant (child, type);

      if (found != NULL)
        return found;
    }
  return NULL;
}

static void
scan (AppBenchView  *view,
      GtkWidget     *widget,
      AppBenchFrame *frame,
      double         list_height)
{
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL; child = gtk_widget_get_next_sibling (child))
    {
      guint position = 0;
      gboolean loaded = FALSE, correct = FALSE;
      graphene_rect_t bounds;

      if (!gtk_widget_get_mapped (child))
        continue;
      if (!view->classify (child, &position, &loaded, &correct, view->data))
        {
          scan (view, child, frame, list_height);
          continue;
        }
      /* Inside the list area, not just realized around it. */
      if (!gtk_widget_compute_bounds (child, view->list, &bounds) ||
          bounds.origin.y + bounds.size.height <= 0.5 || bounds.origin.y >= list_height - 0.5)
        continue;
      frame->n_visible++;
      if (loaded)
        frame->n_loaded++;
      if (loaded && !correct)
        frame->n_wrong++;
      frame->top = MIN (frame->top, position);
      frame->bottom = MAX (frame->bottom, position);
    }
}

static void
after_paint_cb (GdkFrameClock *clock,
                AppBenchView  *view)
{
  AppBenchFrame frame = { 0 };
  gint64 now = g_get_monotonic_time ();

  if (view->frame.serial > 0)
    view->max_frame_gap = MAX (view->max_frame_gap, now - view->frame.time);
  frame.time = now;
  frame.serial = view->frame.serial + 1;
  frame.top = G_MAXUINT;
  scan (view, view->list, &frame, gtk_widget_get_height (view->list));
  /* Rows are consecutive: a hole or a duplicate is a wrong row. */
  if (frame.n_visible > 0 && frame.bottom - frame.top + 1 != frame.n_visible)
    frame.n_wrong++;
  frame.value = gtk_adjustment_get_value (view->vadjustment);
  frame.upper = gtk_adjustment_get_upper (view->vadjustment);
  frame.page = gtk_adjustment_get_page_size (view->vadjustment);
  view->frame = frame;
}

AppBenchView *
app_bench_view_new (GtkWindow             *window,
                    GtkColumnView         *column_view,
                    AppBenchRowClassifier  classify,
                    gpointer               data)
{
  AppBenchView *view = g_new0 (AppBenchView, 1);

  g_return_val_if_fail (gtk_widget_get_realized (GTK_WIDGET (window)), NULL);

  view->window = g_object_ref (window);
  view->column_view = g_object_ref (column_view);
  view->list = find_descendant (GTK_WIDGET (column_view), GTK_TYPE_LIST_VIEW);
  if (view->list == NULL)
    view->list = GTK_WIDGET (column_view);
  view->vadjustment = g_object_ref (gtk_scrollable_get_vadjustment (GTK_SCROLLABLE (column_view)));
  view->classify = classify;
  view->data = data;
  view->clock = g_object_ref (gtk_widget_get_frame_clock (GTK_WIDGET (window)));
  view->after_paint_id = g_signal_connect (view->clock, "after-paint", G_CALLBACK (after_paint_cb), view);
  return view;
}

void
app_bench_view_free (AppBenchView *view)
{
  if (view == NULL)
    return;
  g_clear_signal_handler (&view->after_paint_id, view->clock);
  g_clear_object (&view->clock);
  g_clear_object (&view->vadjustment);
  g_clear_object (&view->column_view);
  g_clear_object (&view->window);
  g_free (view);
}

GtkAdjustment *
app_bench_view_get_vadjustment (AppBenchView *view)
{
  return view->vadjustment;
}

const AppBenchFrame *
app_bench_view_last_frame (AppBenchView *view)
{
  return &view->frame;
}

static gboolean
wake_cb (gpointer data)
{
  return G_SOURCE_CONTINUE;
}

static gboolean
frame_shows (const AppBenchFrame *frame,
             gint64               since,
             guint                want_top,
             guint                tolerance)
{
  if (frame->time <= since || frame->n_visible == 0 || frame->n_loaded != frame->n_visible)
    return FALSE;
  if (want_top == G_MAXUINT)
    return TRUE;
  return frame->top + tolerance >= want_top && frame->top <= want_top + tolerance;
}

gint64
app_bench_view_wait_rows (AppBenchView *view,
                          gint64        since,
                          guint         want_top,
                          guint         tolerance,
                          double        timeout_s)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) (timeout_s * G_USEC_PER_SEC);
  guint wake = g_timeout_add (20, wake_cb, NULL);
  gint64 result = -1;

  while (g_get_monotonic_time () < deadline)
    {
      if (frame_shows (&view->frame, since, want_top, tolerance))
        {
          result = view->frame.time;
          break;
        }
      g_main_context_iteration (NULL, TRUE);
    }
  g_source_remove (wake);
  return result;
}

gboolean
app_bench_view_wait_frames (AppBenchView *view,
                            guint         n,
                            double        timeout_s)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) (timeout_s * G_USEC_PER_SEC);
  guint until = view->frame.serial + n;
  guint wake = g_timeout_add (20, wake_cb, NULL);
  gboolean ok = TRUE;

  while (view->frame.serial < until)
    {
      if (g_get_monotonic_time () > deadline)
        {
          ok = FALSE;
          break;
        }
      gtk_widget_queue_draw (GTK_WIDGET (view->window));
      g_main_context_iteration (NULL, TRUE);
    }
  g_source_remove (wake);
  return ok;
}

void
app_bench_view_scroll_to (AppBenchView *view,
                          double        fraction)
{
  double lower = gtk_adjustment_get_lower (view->vadjustment);
  double range = gtk_adjustment_get_upper (view->vadjustment) - gtk_adjustment_get_page_size (view->vadjustment) - lower;

  gtk_adjustment_set_value (view->vadjustment, lower + CLAMP (fraction, 0.0, 1.0) * MAX (range, 0));
}

guint
app_bench_view_top_for (AppBenchView *view,
                        guint         n_items)
{
  double upper = gtk_adjustment_get_upper (view->vadjustment);
  double value = gtk_adjustment_get_value (view->vadjustment) - gtk_adjustment_get_lower (view->vadjustment);
  double row;

  if (n_items == 0 || upper <= 0)
    return 0;
  row = (upper - gtk_adjustment_get_lower (view->vadjustment)) / n_items;
  return (guint) MIN (floor (value / row), (double) (n_items - 1));
}

gint64
app_bench_view_take_frame_gap (AppBenchView *view)
{
  gint64 gap = view->max_frame_gap;

  view->max_frame_gap = 0;
  return gap;
}

gboolean
app_bench_view_check_frame (AppBenchView *view,
                            Bench        *bench,
                            const char   *view_name,
                            const char   *what)
{
  const AppBenchFrame *frame = app_bench_view_last_frame (view);

  if (frame->n_wrong > 0)
    {
      bench_miss (bench, "%s: the %s showed wrong rows (rows %u…%u, %u visible, %u wrong)",
                  what, view_name, frame->top, frame->bottom, frame->n_visible, frame->n_wrong);
      return FALSE;
    }
  return TRUE;
}
