/* supa-transfer-list.c — header-bar button and popover of transfers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "supa-transfer-list"

#include "config.h"

#include <glib/gi18n.h>

#include "supa-resources.h"
#include "supa-storage-path.h"
#include "supa-transfer-list.h"

struct _SupaTransferList
{
  GtkWidget          parent_instance;

  SupaTransferQueue *queue;
  guint              tick_id;

  GtkMenuButton     *button;
  GtkLabel          *badge;
  GtkPopover        *popover;
  GtkListBox        *list_box;
  GtkButton         *clear_button;
};

G_DEFINE_FINAL_TYPE (SupaTransferList, supa_transfer_list, GTK_TYPE_WIDGET)

typedef struct
{
  SupaTransfer   *transfer;
  GtkImage       *icon;
  GtkLabel       *name;
  GtkProgressBar *progress;
  GtkLabel       *status;
  GtkButton      *pause;
  GtkButton      *resume;
  GtkButton      *cancel;
  GtkButton      *retry;
} RowWidgets;

static void
row_widgets_free (gpointer data)
{
  RowWidgets *w = data;

  g_clear_object (&w->transfer);
  g_free (w);
}

static char *
format_eta (gint64 seconds)
{
  if (seconds < 60)
    /* Translators: time left of a transfer, in seconds */
    return g_strdup_printf (_("%d s left"), (int) seconds);
  if (seconds < 3600)
    /* Translators: time left of a transfer, in minutes */
    return g_strdup_printf (_("%d min left"), (int) ((seconds + 59) / 60));
  /* Translators: time left of a transfer, in hours */
  return g_strdup_printf (_("%d h left"), (int) ((seconds + 3599) / 3600));
}

char *
supa_transfer_format_status (SupaTransfer *transfer)
{
  SupaTransferState state;
  gint64 done;
  gint64 total;
  g_autofree char *done_text = NULL;
  g_autofree char *total_text = NULL;
  g_autofree char *amount = NULL;

  g_return_val_if_fail (SUPA_IS_TRANSFER (transfer), NULL);

  state = supa_transfer_get_state (transfer);
  done = supa_transfer_get_bytes_done (transfer);
  total = supa_transfer_get_bytes_total (transfer);
  done_text = g_format_size (MAX (done, 0));

  if (total >= 0)
    {
      total_text = g_format_size (total);
      /* Translators: "3.2 MB of 10 MB" */
      amount = g_strdup_printf (_("%s of %s"), done_text, total_text);
    }
  else
    amount = g_strdup (done_text);

  switch (state)
    {
    case SUPA_TRANSFER_QUEUED:
      /* Translators: %s is an amount like "0 bytes of 10 MB" */
      return g_strdup_printf (_("%s — Waiting"), amount);
    case SUPA_TRANSFER_PAUSED:
      return g_strdup_printf (_("%s — Paused"), amount);
    case SUPA_TRANSFER_DONE:
      return g_strdup_printf (_("%s — Done"), total_text != NULL ? total_text : done_text);
    case SUPA_TRANSFER_CANCELLED:
      return g_strdup (_("Cancelled"));
    case SUPA_TRANSFER_FAILED:
      {
        const GError *error = supa_transfer_get_error (transfer);

        /* Translators: %s is the reason a transfer failed */
        return g_strdup_printf (_("Failed: %s"), error != NULL ? error->message : _("unknown error"));
      }
    case SUPA_TRANSFER_RUNNING:
    default:
      {
        GString *text = g_string_new (amount);
        double speed = supa_transfer_get_speed (transfer);
        gint64 eta = supa_transfer_get_eta (transfer);

        if (speed > 0)
          {
            g_autofree char *speed_size = g_format_size ((guint64) speed);

            g_string_append (text, " — ");
            /* Translators: a transfer speed, %s is a size like "1.1 MB" */
            g_string_append_printf (text, _("%s/s"), speed_size);
          }
        if (eta >= 0)
          {
            g_autofree char *eta_text = format_eta (eta);

            g_string_append (text, " — ");
            g_string_append (text, eta_text);
          }
        return g_string_free (text, FALSE);
      }
    }
}

static void
update_row (GtkWidget *row)
{
  RowWidgets *w = g_object_get_data (G_OBJECT (row), "supa-row-widgets");
  SupaTransferState state = supa_transfer_get_state (w->transfer);
  gint64 done = supa_transfer_get_bytes_done (w->transfer);
  gint64 total = supa_transfer_get_bytes_total (w->transfer);
  g_autofree char *status = supa_transfer_format_status (w->transfer);

  if (state == SUPA_TRANSFER_DONE)
    gtk_progress_bar_set_fraction (w->progress, 1.0);
  else if (total > 0)
    gtk_progress_bar_set_fraction (w->progress, CLAMP ((double) done / (double) total, 0.0, 1.0));
  else
    gtk_progress_bar_set_fraction (w->progress, 0.0);

  gtk_label_set_label (w->status, status);
  gtk_widget_set_tooltip_text (GTK_WIDGET (w->status), status);
  gtk_widget_set_visible (GTK_WIDGET (w->pause), state == SUPA_TRANSFER_RUNNING || state == SUPA_TRANSFER_QUEUED);
  gtk_widget_set_visible (GTK_WIDGET (w->resume), state == SUPA_TRANSFER_PAUSED);
  gtk_widget_set_visible (GTK_WIDGET (w->cancel),
                          state == SUPA_TRANSFER_RUNNING || state == SUPA_TRANSFER_QUEUED || state == SUPA_TRANSFER_PAUSED);
  gtk_widget_set_visible (GTK_WIDGET (w->retry), state == SUPA_TRANSFER_FAILED || state == SUPA_TRANSFER_CANCELLED);

  if (state == SUPA_TRANSFER_FAILED)
    gtk_widget_add_css_class (GTK_WIDGET (w->status), "error");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (w->status), "error");
}

static void
transfer_notify_cb (GtkWidget *row)
{
  update_row (row);
}

static SupaTransferList *
row_list (GtkWidget *widget)
{
  return SUPA_TRANSFER_LIST (gtk_widget_get_ancestor (widget, SUPA_TYPE_TRANSFER_LIST));
}

static RowWidgets *
row_widgets_of (GtkWidget *button)
{
  GtkWidget *row = gtk_widget_get_ancestor (button, GTK_TYPE_LIST_BOX_ROW);

  return g_object_get_data (G_OBJECT (row), "supa-row-widgets");
}

static void
pause_clicked_cb (GtkButton *button)
{
  SupaTransferList *self = row_list (GTK_WIDGET (button));

  supa_transfer_queue_pause (self->queue, row_widgets_of (GTK_WIDGET (button))->transfer);
}

static void
resume_clicked_cb (GtkButton *button)
{
  SupaTransferList *self = row_list (GTK_WIDGET (button));

  supa_transfer_queue_resume (self->queue, row_widgets_of (GTK_WIDGET (button))->transfer);
}

static void
cancel_clicked_cb (GtkButton *button)
{
  SupaTransferList *self = row_list (GTK_WIDGET (button));

  supa_transfer_queue_cancel (self->queue, row_widgets_of (GTK_WIDGET (button))->transfer);
}

static void
retry_clicked_cb (GtkButton *button)
{
  SupaTransferList *self = row_list (GTK_WIDGET (button));

  supa_transfer_queue_retry (self->queue, row_widgets_of (GTK_WIDGET (button))->transfer);
}

static GtkButton *
row_button (const char *icon,
            const char *label,
            GCallback   callback)
{
  GtkWidget *button = gtk_button_new_from_icon_name (icon);

  gtk_widget_set_valign (button, GTK_ALIGN_CENTER);
  gtk_widget_set_tooltip_text (button, label);
  gtk_accessible_update_property (GTK_ACCESSIBLE (button), GTK_ACCESSIBLE_PROPERTY_LABEL, label, -1);
  gtk_widget_add_css_class (button, "flat");
  gtk_widget_add_css_class (button, "circular");
  g_signal_connect (button, "clicked", callback, NULL);
  return GTK_BUTTON (button);
}

static GtkWidget *
create_row (gpointer item,
            gpointer user_data)
{
  SupaTransfer *transfer = item;
  RowWidgets *w = g_new0 (RowWidgets, 1);
  GtkWidget *row = gtk_list_box_row_new ();
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 4);
  GtkWidget *top = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  g_autofree char *name = supa_storage_path_basename (supa_transfer_get_path (transfer));
  g_autofree char *tooltip = NULL;
  gboolean upload = supa_transfer_get_kind (transfer) == SUPA_TRANSFER_UPLOAD;

  w->transfer = g_object_ref (transfer);
  gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (row), FALSE);
  gtk_widget_set_margin_start (box, 10);
  gtk_widget_set_margin_end (box, 6);
  gtk_widget_set_margin_top (box, 6);
  gtk_widget_set_margin_bottom (box, 6);

  w->icon = GTK_IMAGE (gtk_image_new_from_icon_name (upload ? "go-up-symbolic" : "go-down-symbolic"));
  gtk_accessible_update_property (GTK_ACCESSIBLE (w->icon), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  upload ? _("Upload") : _("Download"), -1);
  gtk_box_append (GTK_BOX (top), GTK_WIDGET (w->icon));

  w->name = GTK_LABEL (gtk_label_new (name));
  gtk_label_set_xalign (w->name, 0);
  gtk_label_set_ellipsize (w->name, PANGO_ELLIPSIZE_MIDDLE);
  gtk_widget_set_hexpand (GTK_WIDGET (w->name), TRUE);
  /* Translators: tooltip of a transfer, bucket and object key */
  tooltip = g_strdup_printf ("%s/%s", supa_transfer_get_bucket (transfer), supa_transfer_get_path (transfer));
  gtk_widget_set_tooltip_text (GTK_WIDGET (w->name), tooltip);
  gtk_box_append (GTK_BOX (top), GTK_WIDGET (w->name));

  w->pause = row_button ("media-playback-pause-symbolic", _("Pause"), G_CALLBACK (pause_clicked_cb));
  w->resume = row_button ("media-playback-start-symbolic", _("Resume"), G_CALLBACK (resume_clicked_cb));
  w->retry = row_button ("view-refresh-symbolic", _("Retry"), G_CALLBACK (retry_clicked_cb));
  w->cancel = row_button ("process-stop-symbolic", _("Cancel"), G_CALLBACK (cancel_clicked_cb));
  gtk_box_append (GTK_BOX (top), GTK_WIDGET (w->pause));
  gtk_box_append (GTK_BOX (top), GTK_WIDGET (w->resume));
  gtk_box_append (GTK_BOX (top), GTK_WIDGET (w->retry));
  gtk_box_append (GTK_BOX (top), GTK_WIDGET (w->cancel));
  gtk_box_append (GTK_BOX (box), top);

  w->progress = GTK_PROGRESS_BAR (gtk_progress_bar_new ());
  gtk_accessible_update_property (GTK_ACCESSIBLE (w->progress), GTK_ACCESSIBLE_PROPERTY_LABEL, name, -1);
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (w->progress));

  w->status = GTK_LABEL (gtk_label_new (NULL));
  gtk_label_set_xalign (w->status, 0);
  gtk_label_set_ellipsize (w->status, PANGO_ELLIPSIZE_END);
  gtk_widget_add_css_class (GTK_WIDGET (w->status), "caption");
  gtk_widget_add_css_class (GTK_WIDGET (w->status), "dim-label");
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (w->status));

  gtk_list_box_row_set_child (GTK_LIST_BOX_ROW (row), box);
  g_object_set_data_full (G_OBJECT (row), "supa-row-widgets", w, row_widgets_free);
  g_signal_connect_object (transfer, "notify", G_CALLBACK (transfer_notify_cb), row, G_CONNECT_SWAPPED);
  update_row (row);

  return row;
}

/* The button shows the number of unfinished transfers and their overall
 * progress; refreshed on a timer while anything runs rather than on every
 * byte-count notification. */
static guint
update_summary (SupaTransferList *self)
{
  GListModel *model = G_LIST_MODEL (self->queue);
  guint n = self->queue != NULL ? g_list_model_get_n_items (model) : 0;
  guint active = 0;
  guint finished = 0;
  gint64 done = 0;
  gint64 total = 0;

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(SupaTransfer) transfer = g_list_model_get_item (model, i);
      SupaTransferState state = supa_transfer_get_state (transfer);

      if (state == SUPA_TRANSFER_RUNNING || state == SUPA_TRANSFER_QUEUED)
        {
          active++;
          done += MAX (supa_transfer_get_bytes_done (transfer), 0);
          total += MAX (supa_transfer_get_bytes_total (transfer), 0);
        }
      else if (state == SUPA_TRANSFER_DONE || state == SUPA_TRANSFER_CANCELLED)
        finished++;
    }

  if (active > 0)
    {
      guint percent = total > 0 ? (guint) CLAMP (done * 100 / total, 0, 100) : 0;
      g_autofree char *count = NULL;
      g_autofree char *a11y = NULL;

      /* Translators: badge on the transfers button: active transfers and overall percentage */
      count = active > 1 ? g_strdup_printf (_("%u · %u%%"), active, percent) : g_strdup_printf (_("%u%%"), percent);
      gtk_label_set_label (self->badge, count);
      /* Translators: tooltip and accessible label of the transfers button */
      a11y = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u transfer active, %u%% done",
                                           "%u transfers active, %u%% done", active), active, percent);
      gtk_accessible_update_property (GTK_ACCESSIBLE (self->button), GTK_ACCESSIBLE_PROPERTY_LABEL, a11y, -1);
      gtk_widget_set_tooltip_text (GTK_WIDGET (self->button), a11y);
    }
  else
    {
      gtk_accessible_update_property (GTK_ACCESSIBLE (self->button), GTK_ACCESSIBLE_PROPERTY_LABEL, _("Transfers"), -1);
      gtk_widget_set_tooltip_text (GTK_WIDGET (self->button), _("Transfers"));
    }

  gtk_widget_set_visible (GTK_WIDGET (self->badge), active > 0);
  gtk_widget_set_sensitive (GTK_WIDGET (self->clear_button), finished > 0);

  if (active > 0)
    gtk_widget_add_css_class (GTK_WIDGET (self->button), "suggested-action");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (self->button), "suggested-action");

  return active;
}

static gboolean
tick_cb (gpointer user_data)
{
  SupaTransferList *self = user_data;

  if (update_summary (self) == 0)
    {
      self->tick_id = 0;
      return G_SOURCE_REMOVE;
    }
  return G_SOURCE_CONTINUE;
}

static void
ensure_tick (SupaTransferList *self)
{
  if (update_summary (self) > 0 && self->tick_id == 0)
    self->tick_id = g_timeout_add (250, tick_cb, self);
}

static void
items_changed_cb (SupaTransferList *self)
{
  ensure_tick (self);
}

static void
queue_finished_cb (SupaTransferList *self)
{
  ensure_tick (self);
}

static void
clear_clicked_cb (SupaTransferList *self)
{
  if (self->queue != NULL)
    supa_transfer_queue_clear_finished (self->queue);
}

static void
supa_transfer_list_dispose (GObject *object)
{
  SupaTransferList *self = SUPA_TRANSFER_LIST (object);

  g_clear_handle_id (&self->tick_id, g_source_remove);
  if (self->list_box != NULL)
    gtk_list_box_bind_model (self->list_box, NULL, NULL, NULL, NULL);
  g_clear_object (&self->queue);
  gtk_widget_dispose_template (GTK_WIDGET (self), SUPA_TYPE_TRANSFER_LIST);

  G_OBJECT_CLASS (supa_transfer_list_parent_class)->dispose (object);
}

static void
supa_transfer_list_class_init (SupaTransferListClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = supa_transfer_list_dispose;

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  supa_resources_ensure ();
  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/supadesk/Supadesk/supa-transfer-list.ui");
  gtk_widget_class_bind_template_child (widget_class, SupaTransferList, button);
  gtk_widget_class_bind_template_child (widget_class, SupaTransferList, badge);
  gtk_widget_class_bind_template_child (widget_class, SupaTransferList, popover);
  gtk_widget_class_bind_template_child (widget_class, SupaTransferList, list_box);
  gtk_widget_class_bind_template_child (widget_class, SupaTransferList, clear_button);
  gtk_widget_class_bind_template_callback (widget_class, clear_clicked_cb);
}

static void
supa_transfer_list_init (SupaTransferList *self)
{
  GtkWidget *placeholder;

  gtk_widget_init_template (GTK_WIDGET (self));

  placeholder = gtk_label_new (_("No transfers"));
  gtk_widget_add_css_class (placeholder, "dim-label");
  gtk_widget_set_margin_top (placeholder, 18);
  gtk_widget_set_margin_bottom (placeholder, 18);
  gtk_list_box_set_placeholder (self->list_box, placeholder);
  update_summary (self);
}

GtkWidget *
supa_transfer_list_new (void)
{
  return g_object_new (SUPA_TYPE_TRANSFER_LIST, NULL);
}

void
supa_transfer_list_set_queue (SupaTransferList  *self,
                              SupaTransferQueue *queue)
{
  g_return_if_fail (SUPA_IS_TRANSFER_LIST (self));
  g_return_if_fail (queue == NULL || SUPA_IS_TRANSFER_QUEUE (queue));

  if (self->queue == queue)
    return;

  if (self->queue != NULL)
    g_signal_handlers_disconnect_by_data (self->queue, self);
  g_clear_handle_id (&self->tick_id, g_source_remove);
  g_set_object (&self->queue, queue);

  gtk_list_box_bind_model (self->list_box, G_LIST_MODEL (queue), queue != NULL ? create_row : NULL, NULL, NULL);

  if (queue != NULL)
    {
      g_signal_connect_object (queue, "items-changed", G_CALLBACK (items_changed_cb), self, G_CONNECT_SWAPPED);
      g_signal_connect_object (queue, "finished", G_CALLBACK (queue_finished_cb), self, G_CONNECT_SWAPPED);
    }

  ensure_tick (self);
}

SupaTransferQueue *
supa_transfer_list_get_queue (SupaTransferList *self)
{
  g_return_val_if_fail (SUPA_IS_TRANSFER_LIST (self), NULL);

  return self->queue;
}

GtkListBox *
supa_transfer_list_get_list_box (SupaTransferList *self)
{
  g_return_val_if_fail (SUPA_IS_TRANSFER_LIST (self), NULL);

  return self->list_box;
}

GtkMenuButton *
supa_transfer_list_get_button (SupaTransferList *self)
{
  g_return_val_if_fail (SUPA_IS_TRANSFER_LIST (self), NULL);

  return self->button;
}
