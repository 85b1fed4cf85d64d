/* supa-export-dialog.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "supa-export-dialog"

#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "supa-export-dialog.h"
#include "supa-resources.h"

struct _SupaExportDialog
{
  AdwWindow         parent_instance;

  SupaDatabase     *db;
  SupaTableInfo    *table;
  SupaQuery        *query;
  char             *order;
  gint64            row_count;

  SupaExport       *export;
  GFile            *file;
  GCancellable     *cancellable;
  GtkFileChooserNative *chooser;

  AdwWindowTitle   *window_title;
  GtkStack         *stack;
  AdwComboRow      *format_row;
  AdwActionRow     *rows_row;
  GtkLabel         *options_message;
  GtkLabel         *progress_title;
  GtkProgressBar   *progress_bar;
  GtkLabel         *progress_label;
  AdwStatusPage    *done_page;
  AdwStatusPage    *error_page;
};

G_DEFINE_FINAL_TYPE (SupaExportDialog, supa_export_dialog, ADW_TYPE_WINDOW)

enum {
  PROP_0,
  PROP_DATABASE,
  PROP_TABLE,
  PROP_QUERY,
  PROP_ORDER,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static char *
format_count (guint64 n)
{
  /* %' groups thousands as the locale does ("60,000"). */
  return g_strdup_printf ("%'" G_GUINT64_FORMAT, n);
}

static SupaExportFormat
selected_format (SupaExportDialog *self)
{
  return adw_combo_row_get_selected (self->format_row) == 1 ? SUPA_EXPORT_FORMAT_JSON
                                                            : SUPA_EXPORT_FORMAT_CSV;
}

static void
update_rows_row (SupaExportDialog *self)
{
  g_autofree char *count = NULL;
  g_autofree char *subtitle = NULL;

  if (self->row_count < 0)
    {
      adw_action_row_set_subtitle (self->rows_row,
                                   self->query != NULL ? _("The rows matching the current filters")
                                                       : _("All rows of the table"));
      return;
    }

  count = format_count ((guint64) self->row_count);
  if (self->query != NULL)
    subtitle = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "Only the %s matching row",
                                             "Only the %s matching rows", (gulong) self->row_count),
                                count);
  else
    subtitle = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "All %s row", "All %s rows",
                                             (gulong) self->row_count),
                                count);
  adw_action_row_set_subtitle (self->rows_row, subtitle);
}

/* Adds each item of a PostgREST order ("a.desc.nullslast,b") to @export. */
static void
apply_order (SupaExport *export,
             const char *order)
{
  g_auto(GStrv) items = NULL;

  if (order == NULL || *order == '\0')
    return;

  items = g_strsplit (order, ",", -1);
  for (guint i = 0; items[i] != NULL; i++)
    {
      g_autofree char *column = g_strstrip (g_strdup (items[i]));
      gboolean ascending = TRUE;
      SupaNullsOrder nulls = SUPA_NULLS_DEFAULT;

      /* Modifiers are the trailing dot-separated words, so a column name
       * with a dot in it survives. */
      for (;;)
        {
          char *dot = strrchr (column, '.');

          if (dot == NULL)
            break;
          if (g_str_equal (dot + 1, "asc"))
            ascending = TRUE;
          else if (g_str_equal (dot + 1, "desc"))
            ascending = FALSE;
          else if (g_str_equal (dot + 1, "nullsfirst"))
            nulls = SUPA_NULLS_FIRST;
          else if (g_str_equal (dot + 1, "nullslast"))
            nulls = SUPA_NULLS_LAST;
          else
            break;
          *dot = '\0';
        }

      if (column[0] == '"')
        {
          gsize len = strlen (column);

          if (len >= 2 && column[len - 1] == '"')
            {
              column[len - 1] = '\0';
              memmove (column, column + 1, len - 1);
            }
        }

      if (*column != '\0')
        supa_export_add_order (export, column, ascending, nulls);
    }
}

static void
update_progress (SupaExportDialog *self)
{
  guint64 written;
  gint64 total;
  g_autofree char *written_text = NULL;
  g_autofree char *text = NULL;

  if (self->export == NULL)
    return;

  written = supa_export_get_rows_written (self->export);
  total = supa_export_get_total_rows (self->export);
  written_text = format_count (written);

  if (total >= 0)
    {
      g_autofree char *total_text = format_count ((guint64) total);

      /* Translators: "12,500 of 60,000 rows" */
      text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%s of %s row", "%s of %s rows", (gulong) total),
                              written_text, total_text);
      gtk_progress_bar_set_fraction (self->progress_bar,
                                     total > 0 ? MIN (1.0, (double) written / (double) total) : 1.0);
    }
  else
    {
      text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%s row", "%s rows", (gulong) written),
                              written_text);
      gtk_progress_bar_pulse (self->progress_bar);
    }

  gtk_label_set_label (self->progress_label, text);
}

static void
export_progress_cb (SupaExportDialog *self)
{
  update_progress (self);
}

static void
export_done_cb (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(SupaExportDialog) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *basename = NULL;
  guint64 n_rows = 0;

  if (!supa_export_to_file_finish (SUPA_EXPORT (object), result, &n_rows, &error))
    {
      /* The window was closed meanwhile. */
      if (self->stack == NULL)
        return;
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          gtk_label_set_label (self->options_message, _("The export was cancelled; no file was written."));
          gtk_widget_set_visible (GTK_WIDGET (self->options_message), TRUE);
          gtk_stack_set_visible_child_name (self->stack, "options");
        }
      else
        {
          g_autofree char *text = supa_error_dup_display_text (error);

          adw_status_page_set_description (self->error_page, text);
          gtk_stack_set_visible_child_name (self->stack, "error");
        }
      g_clear_object (&self->cancellable);
      return;
    }

  g_clear_object (&self->cancellable);
  if (self->stack == NULL)
    return;
  basename = g_file_get_basename (self->file);
  {
    g_autofree char *count = format_count (n_rows);
    g_autofree char *text =
      /* Translators: "Exported 60,000 rows to orders.csv" */
      g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "Exported %s row to %s", "Exported %s rows to %s", (gulong) n_rows),
                       count, basename);

    adw_status_page_set_description (self->done_page, text);
  }
  gtk_stack_set_visible_child_name (self->stack, "done");
}

static void
chooser_response_cb (SupaExportDialog *self,
                     int               response,
                     GtkNativeDialog  *chooser)
{
  g_autoptr(GFile) file = NULL;
  SupaExportFormat format = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (chooser), "format"));

  if (response == GTK_RESPONSE_ACCEPT)
    file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (chooser));
  gtk_native_dialog_destroy (chooser);
  g_clear_object (&self->chooser);

  if (file != NULL)
    supa_export_dialog_export_to_file (self, file, format);
}

static void
export_clicked_cb (SupaExportDialog *self)
{
  SupaExportFormat format = selected_format (self);
  g_autofree char *name = NULL;
  g_autoptr(GtkFileFilter) filter = gtk_file_filter_new ();

  if (self->chooser != NULL)
    return;

  name = g_strconcat (supa_table_info_get_name (self->table),
                      format == SUPA_EXPORT_FORMAT_JSON ? ".json" : ".csv", NULL);
  self->chooser = gtk_file_chooser_native_new (_("Export Rows"), GTK_WINDOW (self),
                                               GTK_FILE_CHOOSER_ACTION_SAVE,
                                               _("_Export"), _("_Cancel"));
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (self->chooser), TRUE);
  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (self->chooser), name);
  if (format == SUPA_EXPORT_FORMAT_JSON)
    {
      gtk_file_filter_set_name (filter, _("JSON files"));
      gtk_file_filter_add_mime_type (filter, "application/json");
      gtk_file_filter_add_pattern (filter, "*.json");
    }
  else
    {
      gtk_file_filter_set_name (filter, _("CSV files"));
      gtk_file_filter_add_mime_type (filter, "text/csv");
      gtk_file_filter_add_pattern (filter, "*.csv");
    }
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (self->chooser), filter);
  g_object_set_data (G_OBJECT (self->chooser), "format", GINT_TO_POINTER (format));
  g_signal_connect_object (self->chooser, "response", G_CALLBACK (chooser_response_cb), self, G_CONNECT_SWAPPED);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (self->chooser));
}

static void
cancel_clicked_cb (SupaExportDialog *self)
{
  supa_export_dialog_cancel (self);
}

static void
back_clicked_cb (SupaExportDialog *self)
{
  gtk_widget_set_visible (GTK_WIDGET (self->options_message), FALSE);
  gtk_stack_set_visible_child_name (self->stack, "options");
}

static void
open_folder_clicked_cb (SupaExportDialog *self)
{
  g_autoptr(GFile) parent = NULL;
  g_autofree char *uri = NULL;

  if (self->file == NULL || (parent = g_file_get_parent (self->file)) == NULL)
    return;

  uri = g_file_get_uri (parent);
  gtk_show_uri (GTK_WINDOW (self), uri, GDK_CURRENT_TIME);
}

static void
count_done_cb (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(SupaExportDialog) self = user_data;
  g_autoptr(SupaResult) res = NULL;
  g_autoptr(GError) error = NULL;

  res = supa_database_execute_finish (SUPA_DATABASE (object), result, &error);
  if (res == NULL)
    {
      /* Only a nicety: the export itself reports real problems. */
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_debug ("Counting rows failed: %s", error->message);
      return;
    }

  if (self->stack != NULL && self->row_count < 0 && supa_result_get_count (res) >= 0)
    supa_export_dialog_set_row_count (self, supa_result_get_count (res));
}

static gboolean
close_request_cb (SupaExportDialog *self)
{
  /* Closing the window while exporting cancels (and removes the partial
   * file, which SupaExport does). */
  supa_export_dialog_cancel (self);
  return FALSE;
}

static void
supa_export_dialog_constructed (GObject *object)
{
  SupaExportDialog *self = (SupaExportDialog *)object;

  G_OBJECT_CLASS (supa_export_dialog_parent_class)->constructed (object);

  adw_window_title_set_subtitle (self->window_title, supa_table_info_get_name (self->table));
  update_rows_row (self);

  if (self->query == NULL)
    {
      g_autoptr(SupaQuery) count = supa_query_new (supa_table_info_get_name (self->table));
      g_autoptr(GCancellable) cancellable = g_cancellable_new ();

      supa_query_set_schema (count, supa_table_info_get_schema (self->table));
      supa_query_select (count, NULL, SUPA_COUNT_EXACT, TRUE);
      g_object_set_data_full (G_OBJECT (self), "count-cancellable", g_object_ref (cancellable), g_object_unref);
      supa_database_execute_async (self->db, count, cancellable, count_done_cb, g_object_ref (self));
    }
}

static void
supa_export_dialog_dispose (GObject *object)
{
  SupaExportDialog *self = (SupaExportDialog *)object;
  GCancellable *count_cancellable = g_object_get_data (object, "count-cancellable");

  if (count_cancellable != NULL)
    g_cancellable_cancel (count_cancellable);
  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
  if (self->chooser != NULL)
    gtk_native_dialog_destroy (GTK_NATIVE_DIALOG (self->chooser));
  g_clear_object (&self->chooser);

  gtk_widget_dispose_template (GTK_WIDGET (self), SUPA_TYPE_EXPORT_DIALOG);

  G_OBJECT_CLASS (supa_export_dialog_parent_class)->dispose (object);
}

static void
supa_export_dialog_finalize (GObject *object)
{
  SupaExportDialog *self = (SupaExportDialog *)object;

  g_clear_object (&self->export);
  g_clear_object (&self->file);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->db);
  g_clear_object (&self->table);
  g_clear_object (&self->query);
  g_clear_pointer (&self->order, g_free);

  G_OBJECT_CLASS (supa_export_dialog_parent_class)->finalize (object);
}

static void
supa_export_dialog_get_property (GObject    *object,
                                 guint       prop_id,
                                 GValue     *value,
                                 GParamSpec *pspec)
{
  SupaExportDialog *self = SUPA_EXPORT_DIALOG (object);

  switch (prop_id)
    {
    case PROP_DATABASE:
      g_value_set_object (value, self->db);
      break;
    case PROP_TABLE:
      g_value_set_object (value, self->table);
      break;
    case PROP_QUERY:
      g_value_set_object (value, self->query);
      break;
    case PROP_ORDER:
      g_value_set_string (value, self->order);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
supa_export_dialog_set_property (GObject      *object,
                                 guint         prop_id,
                                 const GValue *value,
                                 GParamSpec   *pspec)
{
  SupaExportDialog *self = SUPA_EXPORT_DIALOG (object);

  switch (prop_id)
    {
    case PROP_DATABASE:
      self->db = g_value_dup_object (value);
      break;
    case PROP_TABLE:
      self->table = g_value_dup_object (value);
      break;
    case PROP_QUERY:
      self->query = g_value_dup_object (value);
      break;
    case PROP_ORDER:
      self->order = g_value_dup_string (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
supa_export_dialog_class_init (SupaExportDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->constructed = supa_export_dialog_constructed;
  object_class->dispose = supa_export_dialog_dispose;
  object_class->finalize = supa_export_dialog_finalize;
  object_class->get_property = supa_export_dialog_get_property;
  object_class->set_property = supa_export_dialog_set_property;

  properties[PROP_DATABASE] =
    g_param_spec_object ("database", NULL, NULL, SUPA_TYPE_DATABASE,
                         (G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS));
  properties[PROP_TABLE] =
    g_param_spec_object ("table", NULL, NULL, SUPA_TYPE_TABLE_INFO,
                         (G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS));
  properties[PROP_QUERY] =
    g_param_spec_object ("query", NULL, NULL, SUPA_TYPE_QUERY,
                         (G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS));
  properties[PROP_ORDER] =
    g_param_spec_string ("order", NULL, NULL, NULL,
                         (G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS));
  g_object_class_install_properties (object_class, N_PROPS, properties);

  supa_resources_ensure ();
  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/supadesk/Supadesk/supa-export-dialog.ui");
  gtk_widget_class_bind_template_child (widget_class, SupaExportDialog, window_title);
  gtk_widget_class_bind_template_child (widget_class, SupaExportDialog, stack);
  gtk_widget_class_bind_template_child (widget_class, SupaExportDialog, format_row);
  gtk_widget_class_bind_template_child (widget_class, SupaExportDialog, rows_row);
  gtk_widget_class_bind_template_child (widget_class, SupaExportDialog, options_message);
  gtk_widget_class_bind_template_child (widget_class, SupaExportDialog, progress_title);
  gtk_widget_class_bind_template_child (widget_class, SupaExportDialog, progress_bar);
  gtk_widget_class_bind_template_child (widget_class, SupaExportDialog, progress_label);
  gtk_widget_class_bind_template_child (widget_class, SupaExportDialog, done_page);
  gtk_widget_class_bind_template_child (widget_class, SupaExportDialog, error_page);
  gtk_widget_class_bind_template_callback (widget_class, export_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, cancel_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, back_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, open_folder_clicked_cb);
}

static void
supa_export_dialog_init (SupaExportDialog *self)
{
  self->row_count = -1;
  gtk_widget_init_template (GTK_WIDGET (self));
  g_signal_connect (self, "close-request", G_CALLBACK (close_request_cb), NULL);
}

SupaExportDialog *
supa_export_dialog_new (GtkWindow     *parent,
                        SupaDatabase  *db,
                        SupaTableInfo *table,
                        SupaQuery     *query,
                        const char    *order)
{
  g_return_val_if_fail (!parent || GTK_IS_WINDOW (parent), NULL);
  g_return_val_if_fail (SUPA_IS_DATABASE (db), NULL);
  g_return_val_if_fail (SUPA_IS_TABLE_INFO (table), NULL);
  g_return_val_if_fail (!query || SUPA_IS_QUERY (query), NULL);

  return g_object_new (SUPA_TYPE_EXPORT_DIALOG,
                       "transient-for", parent,
                       "database", db,
                       "table", table,
                       "query", query,
                       "order", order,
                       NULL);
}

void
supa_export_dialog_set_row_count (SupaExportDialog *self,
                                  gint64            n_rows)
{
  g_return_if_fail (SUPA_IS_EXPORT_DIALOG (self));

  self->row_count = MAX (n_rows, -1);
  update_rows_row (self);
}

void
supa_export_dialog_export_to_file (SupaExportDialog *self,
                                   GFile            *file,
                                   SupaExportFormat  format)
{
  g_autoptr(SupaQuery) whole_table = NULL;
  g_autofree char *basename = NULL;
  g_autofree char *title = NULL;
  SupaQuery *query;

  g_return_if_fail (SUPA_IS_EXPORT_DIALOG (self));
  g_return_if_fail (G_IS_FILE (file));
  g_return_if_fail (self->cancellable == NULL);

  adw_combo_row_set_selected (self->format_row, format == SUPA_EXPORT_FORMAT_JSON ? 1 : 0);
  g_set_object (&self->file, file);

  query = self->query;
  if (query == NULL)
    {
      whole_table = supa_query_new (supa_table_info_get_name (self->table));
      supa_query_set_schema (whole_table, supa_table_info_get_schema (self->table));
      query = whole_table;
    }

  if (self->export != NULL)
    g_signal_handlers_disconnect_by_data (self->export, self);
  g_clear_object (&self->export);
  self->export = supa_export_new (supa_database_get_client (self->db), query, format);
  if (supa_table_info_get_primary_key (self->table)[0] != NULL)
    supa_export_set_primary_key (self->export, supa_table_info_get_primary_key (self->table));
  apply_order (self->export, self->order);

  /* With the whole table the header is known even when there are no rows;
   * a view's select may name fewer columns, which the first row tells. */
  if (self->query == NULL && format == SUPA_EXPORT_FORMAT_CSV)
    {
      GListModel *columns = supa_table_info_get_columns (self->table);
      guint n = g_list_model_get_n_items (columns);
      g_autofree const char **names = g_new0 (const char *, n + 1);

      for (guint i = 0; i < n; i++)
        {
          g_autoptr(SupaColumnInfo) column = g_list_model_get_item (columns, i);

          names[i] = supa_column_info_get_name (column);
        }
      supa_export_set_columns (self->export, names);
    }

  g_signal_connect_object (self->export, "notify::rows-written", G_CALLBACK (export_progress_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->export, "notify::total-rows", G_CALLBACK (export_progress_cb), self, G_CONNECT_SWAPPED);

  basename = g_file_get_basename (file);
  /* Translators: "Exporting to orders.csv…" */
  title = g_strdup_printf (_("Exporting to %s…"), basename);
  gtk_label_set_label (self->progress_title, title);
  gtk_progress_bar_set_fraction (self->progress_bar, 0.0);
  update_progress (self);
  gtk_widget_set_visible (GTK_WIDGET (self->options_message), FALSE);
  gtk_stack_set_visible_child_name (self->stack, "progress");

  self->cancellable = g_cancellable_new ();
  supa_export_to_file_async (self->export, file, self->cancellable, export_done_cb, g_object_ref (self));
}

const char *
supa_export_dialog_get_page (SupaExportDialog *self)
{
  g_return_val_if_fail (SUPA_IS_EXPORT_DIALOG (self), NULL);

  return gtk_stack_get_visible_child_name (self->stack);
}

void
supa_export_dialog_cancel (SupaExportDialog *self)
{
  g_return_if_fail (SUPA_IS_EXPORT_DIALOG (self));

  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
}
