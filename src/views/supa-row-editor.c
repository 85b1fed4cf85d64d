/* supa-row-editor.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "supa-row-editor"

#include "config.h"

#include <glib/gi18n.h>

#include "supa-cell-widgets.h"
#include "supa-row-editor.h"

typedef struct
{
  SupaColumnInfo  *column;
  SupaValueEditor *editor;
  GtkCheckButton  *null_check;     /* nullable columns */
  GtkCheckButton  *default_check;  /* columns with a default */
} Field;

struct _SupaRowEditor
{
  AdwWindow      parent_instance;

  SupaDatabase  *database;
  SupaTableInfo *table;
  GCancellable  *cancellable;
  GPtrArray     *fields;
  char          *error_text;
  gboolean       busy;

  GtkButton     *insert_button;
  GtkLabel      *error_label;
};

G_DEFINE_FINAL_TYPE (SupaRowEditor, supa_row_editor, ADW_TYPE_WINDOW)

enum {
  INSERTED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void
field_free (Field *field)
{
  g_clear_object (&field->column);
  g_free (field);
}

static void
show_error (SupaRowEditor *self,
            const char    *text)
{
  g_free (self->error_text);
  self->error_text = g_strdup (text);
  gtk_label_set_label (self->error_label, text != NULL ? text : "");
  gtk_widget_set_visible (GTK_WIDGET (self->error_label), text != NULL);
}

static void
field_update_sensitivity (Field *field)
{
  gboolean is_default = field->default_check != NULL && gtk_check_button_get_active (field->default_check);
  gboolean is_null = field->null_check != NULL && gtk_check_button_get_active (field->null_check);

  gtk_widget_set_sensitive (GTK_WIDGET (field->editor), !is_default && !is_null);
  if (field->null_check != NULL)
    gtk_widget_set_sensitive (GTK_WIDGET (field->null_check), !is_default);
}

static void
editor_changed_cb (SupaValueEditor *editor,
                   Field           *field)
{
  /* Typing a value means "use mine, not the default". */
  if (field->default_check != NULL)
    gtk_check_button_set_active (field->default_check, FALSE);
}

static void
check_toggled_cb (GtkCheckButton *check,
                  Field          *field)
{
  field_update_sensitivity (field);
}

static void
insert_cb (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(SupaRowEditor) self = user_data;
  g_autoptr(SupaResult) res = NULL;
  g_autoptr(GError) error = NULL;
  JsonNode *rows;
  JsonObject *row = NULL;

  res = supa_database_execute_finish (SUPA_DATABASE (object), result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  self->busy = FALSE;
  gtk_widget_set_sensitive (GTK_WIDGET (self->insert_button), TRUE);

  if (res == NULL)
    {
      show_error (self, error->message);
      return;
    }

  rows = supa_result_get_rows (res);
  if (rows != NULL && JSON_NODE_HOLDS_ARRAY (rows) && json_array_get_length (json_node_get_array (rows)) > 0)
    row = json_array_get_object_element (json_node_get_array (rows), 0);
  else if (rows != NULL && JSON_NODE_HOLDS_OBJECT (rows))
    row = json_node_get_object (rows);

  g_signal_emit (self, signals[INSERTED], 0, row);
  gtk_window_destroy (GTK_WINDOW (self));
}

static void
insert_clicked_cb (SupaRowEditor *self)
{
  g_autoptr(JsonObject) values = NULL;
  g_autoptr(SupaQuery) query = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = NULL;

  if (self->busy)
    return;

  values = supa_row_editor_dup_values (self, &error);
  if (values == NULL)
    {
      show_error (self, error->message);
      return;
    }

  node = json_node_new (JSON_NODE_OBJECT);
  json_node_set_object (node, values);

  query = supa_query_new (supa_table_info_get_name (self->table));
  supa_query_set_schema (query, supa_table_info_get_schema (self->table));
  supa_query_insert (query, node, SUPA_COUNT_NONE, FALSE);
  supa_query_returning (query, "*");

  self->busy = TRUE;
  show_error (self, NULL);
  gtk_widget_set_sensitive (GTK_WIDGET (self->insert_button), FALSE);
  supa_database_execute_async (self->database, query, self->cancellable, insert_cb, g_object_ref (self));
}

static void
supa_row_editor_dispose (GObject *object)
{
  SupaRowEditor *self = SUPA_ROW_EDITOR (object);

  g_clear_pointer (&self->fields, g_ptr_array_unref);
  g_clear_object (&self->database);
  g_clear_object (&self->table);
  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->error_text, g_free);

  G_OBJECT_CLASS (supa_row_editor_parent_class)->dispose (object);
}

static void
supa_row_editor_class_init (SupaRowEditorClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = supa_row_editor_dispose;

  signals[INSERTED] =
    g_signal_new ("inserted", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, JSON_TYPE_OBJECT);

  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
supa_row_editor_init (SupaRowEditor *self)
{
  self->fields = g_ptr_array_new_with_free_func ((GDestroyNotify) field_free);
}

static GtkWidget *
build_field (SupaRowEditor  *self,
             SupaColumnInfo *column)
{
  Field *field = g_new0 (Field, 1);
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 4);
  GtkWidget *header = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  GtkWidget *name = gtk_label_new (supa_column_info_get_name (column));
  GtkWidget *type = gtk_label_new (supa_column_info_get_type_name (column));
  const char *comment = supa_column_info_get_comment (column);

  field->column = g_object_ref (column);
  g_ptr_array_add (self->fields, field);

  gtk_widget_add_css_class (name, "heading");
  gtk_label_set_xalign (GTK_LABEL (name), 0);
  gtk_box_append (GTK_BOX (header), name);
  gtk_widget_add_css_class (type, "dim-label");
  gtk_widget_add_css_class (type, "caption");
  gtk_widget_set_hexpand (type, TRUE);
  gtk_label_set_xalign (GTK_LABEL (type), 0);
  gtk_box_append (GTK_BOX (header), type);

  if (supa_column_info_get_has_default (column))
    {
      g_autofree char *def = supa_column_info_dup_default_text (column);
      g_autofree char *label = NULL;

      /* Translators: %s is a column's default value, e.g. now() */
      label = g_strdup_printf (_("Default (%s)"), def != NULL ? def : "");
      field->default_check = GTK_CHECK_BUTTON (gtk_check_button_new_with_label (label));
      gtk_check_button_set_active (field->default_check, TRUE);
      g_signal_connect (field->default_check, "toggled", G_CALLBACK (check_toggled_cb), field);
      gtk_box_append (GTK_BOX (header), GTK_WIDGET (field->default_check));
    }
  if (supa_column_info_get_nullable (column))
    {
      field->null_check = GTK_CHECK_BUTTON (gtk_check_button_new_with_label ("NULL"));
      gtk_accessible_update_property (GTK_ACCESSIBLE (field->null_check),
                                      GTK_ACCESSIBLE_PROPERTY_LABEL, _("Set to NULL"), -1);
      g_signal_connect (field->null_check, "toggled", G_CALLBACK (check_toggled_cb), field);
      gtk_box_append (GTK_BOX (header), GTK_WIDGET (field->null_check));
    }
  gtk_box_append (GTK_BOX (box), header);

  field->editor = SUPA_VALUE_EDITOR (supa_value_editor_new (column));
  g_signal_connect (field->editor, "changed", G_CALLBACK (editor_changed_cb), field);
  g_signal_connect_swapped (field->editor, "activate", G_CALLBACK (insert_clicked_cb), self);
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (field->editor));

  if (comment != NULL && *comment != '\0')
    {
      GtkWidget *label = gtk_label_new (comment);

      gtk_label_set_xalign (GTK_LABEL (label), 0);
      gtk_label_set_wrap (GTK_LABEL (label), TRUE);
      gtk_widget_add_css_class (label, "dim-label");
      gtk_widget_add_css_class (label, "caption");
      gtk_box_append (GTK_BOX (box), label);
    }

  field_update_sensitivity (field);
  return box;
}

GtkWidget *
supa_row_editor_new (GtkWindow     *parent,
                     SupaDatabase  *database,
                     SupaTableInfo *table,
                     GCancellable  *cancellable)
{
  SupaRowEditor *self;
  GListModel *columns;
  GtkWidget *content;
  GtkWidget *header;
  GtkWidget *cancel;
  GtkWidget *scrolled;
  GtkWidget *clamp;
  GtkWidget *list;
  g_autofree char *title = NULL;

  g_return_val_if_fail (SUPA_IS_DATABASE (database), NULL);
  g_return_val_if_fail (SUPA_IS_TABLE_INFO (table), NULL);

  /* Translators: title of the insert dialog, %s is a table name */
  title = g_strdup_printf (_("Insert Row into “%s”"), supa_table_info_get_name (table));
  self = g_object_new (SUPA_TYPE_ROW_EDITOR,
                       "transient-for", parent,
                       "modal", TRUE,
                       "title", title,
                       "default-width", 520,
                       "default-height", 600,
                       NULL);
  self->database = g_object_ref (database);
  self->table = g_object_ref (table);
  self->cancellable = cancellable != NULL ? g_object_ref (cancellable) : NULL;

  content = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  header = adw_header_bar_new ();
  adw_header_bar_set_show_end_title_buttons (ADW_HEADER_BAR (header), FALSE);
  adw_header_bar_set_show_start_title_buttons (ADW_HEADER_BAR (header), FALSE);
  cancel = gtk_button_new_with_mnemonic (_("_Cancel"));
  gtk_actionable_set_action_name (GTK_ACTIONABLE (cancel), "window.close");
  adw_header_bar_pack_start (ADW_HEADER_BAR (header), cancel);
  self->insert_button = GTK_BUTTON (gtk_button_new_with_mnemonic (_("_Insert")));
  gtk_widget_add_css_class (GTK_WIDGET (self->insert_button), "suggested-action");
  g_signal_connect_swapped (self->insert_button, "clicked", G_CALLBACK (insert_clicked_cb), self);
  adw_header_bar_pack_end (ADW_HEADER_BAR (header), GTK_WIDGET (self->insert_button));
  gtk_box_append (GTK_BOX (content), header);

  list = gtk_box_new (GTK_ORIENTATION_VERTICAL, 18);
  gtk_widget_set_margin_top (list, 18);
  gtk_widget_set_margin_bottom (list, 18);
  gtk_widget_set_margin_start (list, 12);
  gtk_widget_set_margin_end (list, 12);

  self->error_label = GTK_LABEL (gtk_label_new (NULL));
  gtk_label_set_wrap (self->error_label, TRUE);
  gtk_label_set_xalign (self->error_label, 0);
  gtk_label_set_selectable (self->error_label, TRUE);
  gtk_widget_add_css_class (GTK_WIDGET (self->error_label), "error");
  gtk_widget_set_visible (GTK_WIDGET (self->error_label), FALSE);
  gtk_box_append (GTK_BOX (list), GTK_WIDGET (self->error_label));

  columns = supa_table_info_get_columns (table);
  for (guint i = 0; i < g_list_model_get_n_items (columns); i++)
    {
      g_autoptr(SupaColumnInfo) column = g_list_model_get_item (columns, i);

      gtk_box_append (GTK_BOX (list), build_field (self, column));
    }

  clamp = adw_clamp_new ();
  adw_clamp_set_child (ADW_CLAMP (clamp), list);
  scrolled = gtk_scrolled_window_new ();
  gtk_widget_set_vexpand (scrolled, TRUE);
  gtk_scrolled_window_set_policy (GTK_SCROLLED_WINDOW (scrolled), GTK_POLICY_NEVER, GTK_POLICY_AUTOMATIC);
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scrolled), clamp);
  gtk_box_append (GTK_BOX (content), scrolled);

  adw_window_set_content (ADW_WINDOW (self), content);

  return GTK_WIDGET (self);
}

gboolean
supa_row_editor_set_text (SupaRowEditor *self,
                          const char    *column,
                          const char    *text)
{
  g_return_val_if_fail (SUPA_IS_ROW_EDITOR (self), FALSE);

  for (guint i = 0; i < self->fields->len; i++)
    {
      Field *field = g_ptr_array_index (self->fields, i);

      if (g_strcmp0 (supa_column_info_get_name (field->column), column) == 0)
        {
          if (field->default_check != NULL)
            gtk_check_button_set_active (field->default_check, FALSE);
          if (field->null_check != NULL)
            gtk_check_button_set_active (field->null_check, FALSE);
          supa_value_editor_set_text (field->editor, text);
          return TRUE;
        }
    }

  return FALSE;
}

JsonObject *
supa_row_editor_dup_values (SupaRowEditor  *self,
                            GError        **error)
{
  g_autoptr(JsonObject) values = json_object_new ();

  g_return_val_if_fail (SUPA_IS_ROW_EDITOR (self), NULL);

  for (guint i = 0; i < self->fields->len; i++)
    {
      Field *field = g_ptr_array_index (self->fields, i);
      const char *name = supa_column_info_get_name (field->column);
      g_autoptr(GError) local_error = NULL;
      JsonNode *value;

      if (field->default_check != NULL && gtk_check_button_get_active (field->default_check))
        continue;

      if (field->null_check != NULL && gtk_check_button_get_active (field->null_check))
        {
          json_object_set_member (values, name, json_node_new (JSON_NODE_NULL));
          continue;
        }

      /* A field the user never touched is left to the database: its
       * default, an identity, NULL, or the server's "not null" message. */
      if (!supa_value_editor_get_modified (field->editor))
        continue;

      value = supa_value_editor_get_value (field->editor, &local_error);
      if (value == NULL)
        {
          /* Translators: first %s is a column name, second the problem */
          g_set_error (error, local_error->domain, local_error->code,
                       _("%s: %s"), name, local_error->message);
          return NULL;
        }
      json_object_set_member (values, name, value);
    }

  return g_steal_pointer (&values);
}

void
supa_row_editor_save (SupaRowEditor *self)
{
  g_return_if_fail (SUPA_IS_ROW_EDITOR (self));

  insert_clicked_cb (self);
}

const char *
supa_row_editor_get_error (SupaRowEditor *self)
{
  g_return_val_if_fail (SUPA_IS_ROW_EDITOR (self), NULL);

  return self->error_text;
}
