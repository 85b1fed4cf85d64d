/* supa-import-dialog.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "supa-import-dialog"

#include "config.h"

#include <glib/gi18n.h>

#include "supa-import-dialog.h"
#include "supa-resources.h"

#define PREVIEW_ROWS 20

struct _SupaImportDialog
{
  AdwWindow             parent_instance;

  SupaDatabase         *db;
  SupaTableInfo        *table;

  SupaImport           *import;
  GFile                *file;
  GCancellable         *cancellable;    /* file, header and preview */
  GCancellable         *run_cancellable;
  GtkFileChooserNative *chooser;
  GPtrArray            *combos;         /* AdwComboRow per CSV column */
  GPtrArray            *preview;        /* SupaImportRow */
  char                 *mapping_error;
  char                 *report_text;
  guint                 previewing : 1;
  guint                 preview_again : 1;
  guint                 updating : 1;

  AdwWindowTitle       *window_title;
  GtkButton            *import_button;
  GtkStack             *stack;
  GtkListBox           *mapping_list;
  GtkLabel             *mapping_message;
  GtkLabel             *preview_title;
  GtkGrid              *preview_grid;
  GtkLabel             *progress_title;
  GtkProgressBar       *progress_bar;
  GtkLabel             *progress_label;
  GtkImage             *report_icon;
  GtkLabel             *report_summary;
  GtkLabel             *report_message;
  GtkListBox           *failure_list;
  AdwStatusPage        *error_page;
};

G_DEFINE_FINAL_TYPE (SupaImportDialog, supa_import_dialog, ADW_TYPE_WINDOW)

enum {
  PROP_0,
  PROP_DATABASE,
  PROP_TABLE,
  N_PROPS
};

enum {
  IMPORTED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

static void start_preview (SupaImportDialog *self);

static char *
format_count (guint64 n)
{
  return g_strdup_printf ("%'" G_GUINT64_FORMAT, n);
}

static void
show_error (SupaImportDialog *self,
            const char       *title,
            const GError     *error)
{
  g_autofree char *text = supa_error_dup_display_text (error);

  adw_status_page_set_title (self->error_page, title);
  adw_status_page_set_description (self->error_page, text);
  gtk_widget_set_visible (GTK_WIDGET (self->import_button), FALSE);
  gtk_stack_set_visible_child_name (self->stack, "error");
}

static void
remove_children (GtkWidget *parent)
{
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (parent)) != NULL)
    {
      if (GTK_IS_LIST_BOX (parent))
        gtk_list_box_remove (GTK_LIST_BOX (parent), child);
      else if (GTK_IS_GRID (parent))
        gtk_grid_remove (GTK_GRID (parent), child);
      else
        gtk_widget_unparent (child);
    }
}

static char *
node_text (JsonNode *node)
{
  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return NULL;
  if (JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING)
    return g_strdup (json_node_get_string (node));
  return json_to_string (node, FALSE);
}

/* "Line 12" or "Lines 10–20". */
static char *
lines_text (guint64 first,
            guint64 last)
{
  g_autofree char *a = format_count (first);
  g_autofree char *b = format_count (last);

  if (first == last)
    return g_strdup_printf (_("Line %s"), a);
  /* Translators: a range of lines of a file */
  return g_strdup_printf (_("Lines %s–%s"), a, b);
}

/* --- mapping ------------------------------------------------------------ */

static void
update_validity (SupaImportDialog *self)
{
  g_autoptr(GError) error = NULL;
  gboolean valid;

  valid = supa_import_check_mapping (self->import, &error);
  g_clear_pointer (&self->mapping_error, g_free);
  if (!valid)
    self->mapping_error = g_strdup (error->message);

  gtk_label_set_label (self->mapping_message, self->mapping_error != NULL ? self->mapping_error : "");
  gtk_widget_set_visible (GTK_WIDGET (self->mapping_message), self->mapping_error != NULL);
  gtk_widget_set_sensitive (GTK_WIDGET (self->import_button), valid && !self->previewing);
}

static void
combo_selected_cb (SupaImportDialog *self,
                   GParamSpec       *pspec,
                   AdwComboRow      *combo)
{
  guint index = GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (combo), "csv-index"));
  guint selected = adw_combo_row_get_selected (combo);
  const char *column = NULL;

  if (self->updating || self->import == NULL)
    return;

  if (selected != GTK_INVALID_LIST_POSITION && selected > 0)
    column = gtk_string_list_get_string (GTK_STRING_LIST (adw_combo_row_get_model (combo)), selected);

  supa_import_set_mapping (self->import, index, column);
  update_validity (self);
  start_preview (self);
}

static void
build_mapping (SupaImportDialog *self)
{
  const char * const *headers = supa_import_get_headers (self->import);
  GListModel *columns = supa_table_info_get_columns (self->table);
  guint n_columns = g_list_model_get_n_items (columns);

  remove_children (GTK_WIDGET (self->mapping_list));
  g_ptr_array_set_size (self->combos, 0);

  self->updating = TRUE;
  for (guint i = 0; headers != NULL && headers[i] != NULL; i++)
    {
      g_autoptr(GtkStringList) model = gtk_string_list_new (NULL);
      const char *mapped = supa_import_get_mapping (self->import, i);
      AdwComboRow *combo;
      guint selected = 0;

      /* Translators: the choice that leaves a CSV column out */
      gtk_string_list_append (model, _("Skip"));
      for (guint j = 0; j < n_columns; j++)
        {
          g_autoptr(SupaColumnInfo) column = g_list_model_get_item (columns, j);

          gtk_string_list_append (model, supa_column_info_get_name (column));
          if (mapped != NULL && g_str_equal (mapped, supa_column_info_get_name (column)))
            selected = j + 1;
        }

      combo = ADW_COMBO_ROW (adw_combo_row_new ());
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (combo), headers[i]);
      adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (combo), FALSE);
      adw_combo_row_set_model (combo, G_LIST_MODEL (model));
      adw_combo_row_set_selected (combo, selected);
      g_object_set_data (G_OBJECT (combo), "csv-index", GUINT_TO_POINTER (i));
      g_signal_connect_object (combo, "notify::selected", G_CALLBACK (combo_selected_cb), self, G_CONNECT_SWAPPED);
      gtk_list_box_append (self->mapping_list, GTK_WIDGET (combo));
      g_ptr_array_add (self->combos, combo);
    }
  self->updating = FALSE;

  update_validity (self);
}

/* --- preview ------------------------------------------------------------ */

static GtkWidget *
cell_label (const char *text,
            const char *css_class)
{
  GtkWidget *label = gtk_label_new (text);

  gtk_label_set_xalign (GTK_LABEL (label), 0.0f);
  gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_END);
  gtk_label_set_max_width_chars (GTK_LABEL (label), 28);
  gtk_label_set_single_line_mode (GTK_LABEL (label), TRUE);
  if (css_class != NULL)
    gtk_widget_add_css_class (label, css_class);

  return label;
}

static void
build_preview (SupaImportDialog *self)
{
  const char * const *headers = supa_import_get_headers (self->import);
  g_autoptr(GPtrArray) mapped = g_ptr_array_new ();
  g_autofree char *title = NULL;
  int col = 1;

  remove_children (GTK_WIDGET (self->preview_grid));

  for (guint i = 0; headers != NULL && headers[i] != NULL; i++)
    if (supa_import_get_mapping (self->import, i) != NULL)
      g_ptr_array_add (mapped, (gpointer) supa_import_get_mapping (self->import, i));

  /* Translators: the column of line numbers in the preview */
  gtk_grid_attach (self->preview_grid, cell_label (_("Line"), "heading"), 0, 0, 1, 1);
  for (guint i = 0; i < mapped->len; i++)
    gtk_grid_attach (self->preview_grid, cell_label (mapped->pdata[i], "heading"), col++, 0, 1, 1);

  for (guint r = 0; self->preview != NULL && r < self->preview->len; r++)
    {
      SupaImportRow *row = self->preview->pdata[r];
      g_autofree char *line = format_count (row->line);

      gtk_grid_attach (self->preview_grid, cell_label (line, "dim-label"), 0, (int) r + 1, 1, 1);

      if (row->row_error != NULL)
        {
          GtkWidget *label = cell_label (row->row_error, "error");

          gtk_widget_set_tooltip_text (label, row->row_error);
          gtk_grid_attach (self->preview_grid, label, 1, (int) r + 1, MAX (1, (int) mapped->len), 1);
          continue;
        }

      for (guint i = 0; i < mapped->len; i++)
        {
          const char *column = mapped->pdata[i];
          const char *error = supa_import_row_get_error (row, column);
          GtkWidget *label;

          if (error != NULL)
            {
              label = cell_label (error, "error");
              gtk_widget_set_tooltip_text (label, error);
            }
          else
            {
              JsonNode *node = row->values != NULL && json_object_has_member (row->values, column)
                ? json_object_get_member (row->values, column) : NULL;
              g_autofree char *text = node_text (node);

              if (text == NULL)
                label = cell_label ("NULL", "dim-label");
              else
                {
                  label = cell_label (text, NULL);
                  gtk_widget_set_tooltip_text (label, text);
                }
            }
          gtk_grid_attach (self->preview_grid, label, (int) i + 1, (int) r + 1, 1, 1);
        }
    }

  if (self->preview == NULL || self->preview->len == 0)
    title = g_strdup (_("Preview (the file has no data rows)"));
  else
    title = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "Preview of the first row", "Preview of the first %u rows",
                                          self->preview->len),
                             self->preview->len);
  gtk_label_set_label (self->preview_title, title);
}

static void
preview_done_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(SupaImportDialog) self = user_data;
  g_autoptr(GPtrArray) rows = NULL;
  g_autoptr(GError) error = NULL;

  rows = supa_import_preview_finish (SUPA_IMPORT (object), result, &error);
  if (self->stack == NULL || SUPA_IMPORT (object) != self->import)
    return;

  self->previewing = FALSE;
  if (rows == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        show_error (self, _("Cannot Read the File"), error);
      return;
    }

  if (self->preview_again)
    {
      self->preview_again = FALSE;
      start_preview (self);
      return;
    }

  g_clear_pointer (&self->preview, g_ptr_array_unref);
  self->preview = g_steal_pointer (&rows);
  build_preview (self);
  update_validity (self);
}

static void
start_preview (SupaImportDialog *self)
{
  if (self->previewing)
    {
      self->preview_again = TRUE;
      return;
    }

  self->previewing = TRUE;
  gtk_widget_set_sensitive (GTK_WIDGET (self->import_button), FALSE);
  supa_import_preview_async (self->import, PREVIEW_ROWS, self->cancellable, preview_done_cb, g_object_ref (self));
}

static void
header_done_cb (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(SupaImportDialog) self = user_data;
  g_autoptr(GError) error = NULL;
  gboolean ok;

  ok = supa_import_read_header_finish (SUPA_IMPORT (object), result, &error);
  if (self->stack == NULL || SUPA_IMPORT (object) != self->import)
    return;

  if (!ok)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        show_error (self, _("Cannot Read the File"), error);
      return;
    }

  build_mapping (self);
  g_clear_pointer (&self->preview, g_ptr_array_unref);
  build_preview (self);
  gtk_widget_set_visible (GTK_WIDGET (self->import_button), TRUE);
  gtk_stack_set_visible_child_name (self->stack, "mapping");
  start_preview (self);
}

static void
file_read_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(SupaImportDialog) self = user_data;
  g_autoptr(GFileInputStream) stream = NULL;
  g_autoptr(GFileInfo) info = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *basename = NULL;

  stream = g_file_read_finish (G_FILE (object), result, &error);
  if (self->stack == NULL || G_FILE (object) != self->file)
    return;
  if (stream == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        show_error (self, _("Cannot Read the File"), error);
      return;
    }

  g_clear_object (&self->import);
  self->import = supa_import_new (self->db, self->table, G_INPUT_STREAM (stream));
  info = g_file_input_stream_query_info (stream, G_FILE_ATTRIBUTE_STANDARD_SIZE, NULL, NULL);
  if (info != NULL && g_file_info_has_attribute (info, G_FILE_ATTRIBUTE_STANDARD_SIZE))
    supa_import_set_input_size (self->import, (guint64) g_file_info_get_size (info));

  basename = g_file_get_basename (self->file);
  adw_window_title_set_subtitle (self->window_title, basename);
  supa_import_read_header_async (self->import, self->cancellable, header_done_cb, g_object_ref (self));
}

/* --- the run ------------------------------------------------------------ */

static void
update_progress (SupaImportDialog *self)
{
  guint64 inserted, failed, size;
  g_autofree char *inserted_text = NULL;
  g_autofree char *failed_text = NULL;
  g_autofree char *text = NULL;

  if (self->import == NULL || self->stack == NULL)
    return;

  inserted = supa_import_get_rows_inserted (self->import);
  failed = supa_import_get_rows_failed (self->import);
  size = supa_import_get_input_size (self->import);
  inserted_text = format_count (inserted);
  failed_text = format_count (failed);

  /* Translators: progress, "1,000 rows inserted, 3 failed" */
  text = g_strdup_printf (_("%s rows inserted, %s failed"), inserted_text, failed_text);
  gtk_label_set_label (self->progress_label, text);

  if (size > 0)
    gtk_progress_bar_set_fraction (self->progress_bar,
                                   MIN (1.0, (double) supa_import_get_bytes_read (self->import) / (double) size));
  else
    gtk_progress_bar_pulse (self->progress_bar);
}

static void
build_report (SupaImportDialog *self,
              SupaImportReport *report,
              const GError     *error)
{
  guint64 inserted = report != NULL ? supa_import_report_get_rows_inserted (report) : 0;
  guint64 failed = report != NULL ? supa_import_report_get_rows_failed (report) : 0;
  GPtrArray *failures = report != NULL ? supa_import_report_get_failures (report) : NULL;
  g_autofree char *inserted_text = format_count (inserted);
  g_autofree char *failed_text = format_count (failed);
  g_autofree char *inserted_part = NULL;
  g_autofree char *failed_part = NULL;
  g_autofree char *summary = NULL;
  g_autofree char *basename = g_file_get_basename (self->file);
  GString *text = g_string_new (NULL);

  inserted_part = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%s row inserted", "%s rows inserted", (gulong) inserted),
                                   inserted_text);
  failed_part = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%s row failed", "%s rows failed", (gulong) failed),
                                 failed_text);
  /* Translators: "2,497 rows inserted, 3 rows failed" */
  summary = g_strdup_printf (_("%s, %s"), inserted_part, failed_part);
  gtk_label_set_label (self->report_summary, summary);

  g_string_append_printf (text, _("Import of %s into %s"), basename, supa_table_info_get_name (self->table));
  g_string_append_printf (text, "\n%s\n", summary);

  if (error != NULL)
    {
      g_autofree char *message = supa_error_dup_display_text (error);
      g_autofree char *stopped = NULL;

      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        stopped = g_strdup (_("The import was cancelled. The rows inserted before stay in the table; the rest of the file was not imported."));
      else
        stopped = g_strdup_printf (_("The import stopped: %s\nThe rows inserted before stay in the table; the rest of the file was not imported."),
                                   message);
      gtk_label_set_label (self->report_message, stopped);
      gtk_widget_set_visible (GTK_WIDGET (self->report_message), TRUE);
      g_string_append_printf (text, "%s\n", stopped);
    }
  else
    gtk_widget_set_visible (GTK_WIDGET (self->report_message), FALSE);

  gtk_image_set_from_icon_name (self->report_icon,
                                error != NULL || failed > 0 ? "dialog-warning-symbolic" : "emblem-ok-symbolic");

  remove_children (GTK_WIDGET (self->failure_list));
  for (guint i = 0; failures != NULL && i < failures->len; i++)
    {
      SupaImportFailure *failure = failures->pdata[i];
      g_autofree char *lines = lines_text (failure->first_line, failure->last_line);
      g_autofree char *title = NULL;
      GString *subtitle = g_string_new (failure->message);
      GtkWidget *row;

      if (failure->n_rows > 1)
        title = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%s (%u row)", "%s (%u rows)", failure->n_rows),
                                 lines, failure->n_rows);
      else
        title = g_strdup (lines);

      if (failure->details != NULL && *failure->details != '\0')
        g_string_append_printf (subtitle, "\n%s", failure->details);
      if (failure->hint != NULL && *failure->hint != '\0')
        g_string_append_printf (subtitle, "\n%s %s", _("Hint:"), failure->hint);
      if (failure->code != NULL && *failure->code != '\0')
        g_string_append_printf (subtitle, "\n%s %s", _("Code:"), failure->code);

      g_string_append_printf (text, "\n%s: %s\n", title, subtitle->str);

      row = adw_action_row_new ();
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
      adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
      adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle->str);
      adw_action_row_set_subtitle_lines (ADW_ACTION_ROW (row), 0);
      adw_action_row_set_icon_name (ADW_ACTION_ROW (row), "dialog-warning-symbolic");
      gtk_list_box_append (self->failure_list, row);
      g_string_free (subtitle, TRUE);
    }
  gtk_widget_set_visible (GTK_WIDGET (self->failure_list), failures != NULL && failures->len > 0);

  g_free (self->report_text);
  self->report_text = g_string_free (text, FALSE);
  gtk_widget_set_visible (GTK_WIDGET (self->import_button), FALSE);
  gtk_stack_set_visible_child_name (self->stack, "report");
}

static void
run_done_cb (GObject      *object,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(SupaImportDialog) self = user_data;
  g_autoptr(SupaImportReport) report = NULL;
  g_autoptr(GError) error = NULL;
  SupaImportReport *partial;
  guint64 inserted;

  report = supa_import_run_finish (SUPA_IMPORT (object), result, &error);
  if (self->stack == NULL)
    return;

  g_clear_object (&self->run_cancellable);
  partial = report != NULL ? report : supa_import_get_report (SUPA_IMPORT (object));
  build_report (self, partial, error);

  inserted = partial != NULL ? supa_import_report_get_rows_inserted (partial) : 0;
  if (inserted > 0)
    g_signal_emit (self, signals[IMPORTED], 0, inserted);
}

/* --- callbacks ---------------------------------------------------------- */

static void
chooser_response_cb (SupaImportDialog *self,
                     int               response,
                     GtkNativeDialog  *chooser)
{
  g_autoptr(GFile) file = NULL;

  if (response == GTK_RESPONSE_ACCEPT)
    file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (chooser));
  gtk_native_dialog_destroy (chooser);
  g_clear_object (&self->chooser);

  if (file != NULL)
    supa_import_dialog_open_file (self, file);
}

static void
choose_clicked_cb (SupaImportDialog *self)
{
  g_autoptr(GtkFileFilter) csv = gtk_file_filter_new ();
  g_autoptr(GtkFileFilter) all = gtk_file_filter_new ();

  if (self->chooser != NULL)
    return;

  self->chooser = gtk_file_chooser_native_new (_("Import CSV"), GTK_WINDOW (self),
                                               GTK_FILE_CHOOSER_ACTION_OPEN,
                                               _("_Open"), _("_Cancel"));
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (self->chooser), TRUE);
  gtk_file_filter_set_name (csv, _("CSV files"));
  gtk_file_filter_add_mime_type (csv, "text/csv");
  gtk_file_filter_add_pattern (csv, "*.csv");
  gtk_file_filter_set_name (all, _("All files"));
  gtk_file_filter_add_pattern (all, "*");
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (self->chooser), csv);
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (self->chooser), all);
  g_signal_connect_object (self->chooser, "response", G_CALLBACK (chooser_response_cb), self, G_CONNECT_SWAPPED);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (self->chooser));
}

static void
import_clicked_cb (SupaImportDialog *self)
{
  supa_import_dialog_start (self);
}

static void
cancel_clicked_cb (SupaImportDialog *self)
{
  if (self->run_cancellable != NULL)
    g_cancellable_cancel (self->run_cancellable);
}

static void
copy_report_clicked_cb (SupaImportDialog *self)
{
  if (self->report_text != NULL)
    gdk_clipboard_set_text (gtk_widget_get_clipboard (GTK_WIDGET (self)), self->report_text);
}

/* --- GObject ------------------------------------------------------------ */

static void
supa_import_dialog_constructed (GObject *object)
{
  SupaImportDialog *self = (SupaImportDialog *)object;
  g_autofree char *description = NULL;

  G_OBJECT_CLASS (supa_import_dialog_parent_class)->constructed (object);

  /* Translators: the title of the dialog, "Import CSV into orders" */
  description = g_strdup_printf (_("Import CSV into %s"), supa_table_info_get_name (self->table));
  adw_window_title_set_title (self->window_title, description);
}

static void
supa_import_dialog_dispose (GObject *object)
{
  SupaImportDialog *self = (SupaImportDialog *)object;

  g_cancellable_cancel (self->cancellable);
  if (self->run_cancellable != NULL)
    g_cancellable_cancel (self->run_cancellable);
  if (self->chooser != NULL)
    gtk_native_dialog_destroy (GTK_NATIVE_DIALOG (self->chooser));
  g_clear_object (&self->chooser);
  if (self->combos != NULL)
    g_ptr_array_set_size (self->combos, 0);

  gtk_widget_dispose_template (GTK_WIDGET (self), SUPA_TYPE_IMPORT_DIALOG);

  G_OBJECT_CLASS (supa_import_dialog_parent_class)->dispose (object);
}

static void
supa_import_dialog_finalize (GObject *object)
{
  SupaImportDialog *self = (SupaImportDialog *)object;

  g_clear_object (&self->import);
  g_clear_object (&self->file);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->run_cancellable);
  g_clear_object (&self->db);
  g_clear_object (&self->table);
  g_clear_pointer (&self->combos, g_ptr_array_unref);
  g_clear_pointer (&self->preview, g_ptr_array_unref);
  g_clear_pointer (&self->mapping_error, g_free);
  g_clear_pointer (&self->report_text, g_free);

  G_OBJECT_CLASS (supa_import_dialog_parent_class)->finalize (object);
}

static void
supa_import_dialog_get_property (GObject    *object,
                                 guint       prop_id,
                                 GValue     *value,
                                 GParamSpec *pspec)
{
  SupaImportDialog *self = SUPA_IMPORT_DIALOG (object);

  switch (prop_id)
    {
    case PROP_DATABASE:
      g_value_set_object (value, self->db);
      break;
    case PROP_TABLE:
      g_value_set_object (value, self->table);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
supa_import_dialog_set_property (GObject      *object,
                                 guint         prop_id,
                                 const GValue *value,
                                 GParamSpec   *pspec)
{
  SupaImportDialog *self = SUPA_IMPORT_DIALOG (object);

  switch (prop_id)
    {
    case PROP_DATABASE:
      self->db = g_value_dup_object (value);
      break;
    case PROP_TABLE:
      self->table = g_value_dup_object (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
supa_import_dialog_class_init (SupaImportDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->constructed = supa_import_dialog_constructed;
  object_class->dispose = supa_import_dialog_dispose;
  object_class->finalize = supa_import_dialog_finalize;
  object_class->get_property = supa_import_dialog_get_property;
  object_class->set_property = supa_import_dialog_set_property;

  properties[PROP_DATABASE] =
    g_param_spec_object ("database", NULL, NULL, SUPA_TYPE_DATABASE,
                         (G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS));
  properties[PROP_TABLE] =
    g_param_spec_object ("table", NULL, NULL, SUPA_TYPE_TABLE_INFO,
                         (G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS));
  g_object_class_install_properties (object_class, N_PROPS, properties);

  signals[IMPORTED] =
    g_signal_new ("imported",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, G_TYPE_UINT64);

  supa_resources_ensure ();
  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/supadesk/Supadesk/supa-import-dialog.ui");
  gtk_widget_class_bind_template_child (widget_class, SupaImportDialog, window_title);
  gtk_widget_class_bind_template_child (widget_class, SupaImportDialog, import_button);
  gtk_widget_class_bind_template_child (widget_class, SupaImportDialog, stack);
  gtk_widget_class_bind_template_child (widget_class, SupaImportDialog, mapping_list);
  gtk_widget_class_bind_template_child (widget_class, SupaImportDialog, mapping_message);
  gtk_widget_class_bind_template_child (widget_class, SupaImportDialog, preview_title);
  gtk_widget_class_bind_template_child (widget_class, SupaImportDialog, preview_grid);
  gtk_widget_class_bind_template_child (widget_class, SupaImportDialog, progress_title);
  gtk_widget_class_bind_template_child (widget_class, SupaImportDialog, progress_bar);
  gtk_widget_class_bind_template_child (widget_class, SupaImportDialog, progress_label);
  gtk_widget_class_bind_template_child (widget_class, SupaImportDialog, report_icon);
  gtk_widget_class_bind_template_child (widget_class, SupaImportDialog, report_summary);
  gtk_widget_class_bind_template_child (widget_class, SupaImportDialog, report_message);
  gtk_widget_class_bind_template_child (widget_class, SupaImportDialog, failure_list);
  gtk_widget_class_bind_template_child (widget_class, SupaImportDialog, error_page);
  gtk_widget_class_bind_template_callback (widget_class, choose_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, import_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, cancel_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, copy_report_clicked_cb);
}

static void
supa_import_dialog_init (SupaImportDialog *self)
{
  self->cancellable = g_cancellable_new ();
  self->combos = g_ptr_array_new ();
  gtk_widget_init_template (GTK_WIDGET (self));
}

/* --- public API --------------------------------------------------------- */

SupaImportDialog *
supa_import_dialog_new (GtkWindow     *parent,
                        SupaDatabase  *db,
                        SupaTableInfo *table)
{
  g_return_val_if_fail (!parent || GTK_IS_WINDOW (parent), NULL);
  g_return_val_if_fail (SUPA_IS_DATABASE (db), NULL);
  g_return_val_if_fail (SUPA_IS_TABLE_INFO (table), NULL);

  return g_object_new (SUPA_TYPE_IMPORT_DIALOG,
                       "transient-for", parent,
                       "database", db,
                       "table", table,
                       NULL);
}

void
supa_import_dialog_open_file (SupaImportDialog *self,
                              GFile            *file)
{
  g_return_if_fail (SUPA_IS_IMPORT_DIALOG (self));
  g_return_if_fail (G_IS_FILE (file));
  g_return_if_fail (self->run_cancellable == NULL);

  /* A new file: whatever the previous one was doing is moot. */
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();
  self->previewing = FALSE;
  self->preview_again = FALSE;
  g_clear_object (&self->import);
  g_clear_pointer (&self->preview, g_ptr_array_unref);
  g_clear_pointer (&self->report_text, g_free);
  g_set_object (&self->file, file);

  g_file_read_async (file, G_PRIORITY_DEFAULT, self->cancellable, file_read_cb, g_object_ref (self));
}

void
supa_import_dialog_set_mapping (SupaImportDialog *self,
                                guint             index,
                                const char       *column)
{
  AdwComboRow *combo;
  GListModel *model;
  guint selected = 0;

  g_return_if_fail (SUPA_IS_IMPORT_DIALOG (self));
  g_return_if_fail (index < self->combos->len);

  combo = self->combos->pdata[index];
  model = adw_combo_row_get_model (combo);
  for (guint i = 1; column != NULL && i < g_list_model_get_n_items (model); i++)
    if (g_str_equal (gtk_string_list_get_string (GTK_STRING_LIST (model), i), column))
      selected = i;
  g_return_if_fail (column == NULL || selected > 0);

  adw_combo_row_set_selected (combo, selected);
}

gboolean
supa_import_dialog_get_can_import (SupaImportDialog *self)
{
  g_return_val_if_fail (SUPA_IS_IMPORT_DIALOG (self), FALSE);

  return gtk_widget_get_visible (GTK_WIDGET (self->import_button)) &&
         gtk_widget_get_sensitive (GTK_WIDGET (self->import_button));
}

const char *
supa_import_dialog_get_mapping_error (SupaImportDialog *self)
{
  g_return_val_if_fail (SUPA_IS_IMPORT_DIALOG (self), NULL);

  return self->mapping_error;
}

GPtrArray *
supa_import_dialog_get_preview (SupaImportDialog *self)
{
  g_return_val_if_fail (SUPA_IS_IMPORT_DIALOG (self), NULL);

  return self->preview;
}

void
supa_import_dialog_start (SupaImportDialog *self)
{
  g_autofree char *basename = NULL;
  g_autofree char *title = NULL;

  g_return_if_fail (SUPA_IS_IMPORT_DIALOG (self));
  g_return_if_fail (self->import != NULL);

  if (self->run_cancellable != NULL || !supa_import_dialog_get_can_import (self))
    return;

  basename = g_file_get_basename (self->file);
  /* Translators: "Importing orders.csv…" */
  title = g_strdup_printf (_("Importing %s…"), basename);
  gtk_label_set_label (self->progress_title, title);
  gtk_progress_bar_set_fraction (self->progress_bar, 0.0);
  gtk_widget_set_visible (GTK_WIDGET (self->import_button), FALSE);
  gtk_stack_set_visible_child_name (self->stack, "progress");

  g_signal_connect_object (self->import, "notify::rows-inserted", G_CALLBACK (update_progress), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->import, "notify::rows-failed", G_CALLBACK (update_progress), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->import, "notify::bytes-read", G_CALLBACK (update_progress), self, G_CONNECT_SWAPPED);
  update_progress (self);

  self->run_cancellable = g_cancellable_new ();
  supa_import_run_async (self->import, self->run_cancellable, run_done_cb, g_object_ref (self));
}

const char *
supa_import_dialog_get_page (SupaImportDialog *self)
{
  g_return_val_if_fail (SUPA_IS_IMPORT_DIALOG (self), NULL);

  return gtk_stack_get_visible_child_name (self->stack);
}

const char *
supa_import_dialog_get_report_text (SupaImportDialog *self)
{
  g_return_val_if_fail (SUPA_IS_IMPORT_DIALOG (self), NULL);

  return self->report_text;
}
