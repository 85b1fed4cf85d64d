/* supa-function-panel.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "supa-function-panel"

#include "config.h"

#include <errno.h>
#include <glib/gi18n.h>

#include "supa-function-panel.h"
#include "supa-resources.h"

typedef struct
{
  SupaColumnInfo *param;
  GtkWidget      *row;
  GtkWidget      *editor;   /* GtkEditable, or GtkSwitch for booleans */
} Param;

struct _SupaFunctionPanel
{
  GtkWidget           parent_instance;

  SupaDatabase       *db;
  SupaSchema         *schema;
  SupaFunctionInfo   *function;
  GArray             *params;       /* Param */
  GCancellable       *cancellable;
  GtkStringFilter    *filter;
  GtkSingleSelection *selection;
  char               *status;
  char               *error;
  gint64              result_rows;
  gint64              started;

  GtkSearchEntry     *search_entry;
  GtkListView        *function_list;
  GtkStack           *stack;
  GtkLabel           *name_label;
  GtkLabel           *comment_label;
  GtkListBox         *param_list;
  GtkLabel           *form_message;
  GtkWidget          *get_box;
  GtkSwitch          *get_switch;
  GtkButton          *call_button;
  GtkSpinner         *spinner;
  GtkLabel           *status_label;
  GtkStack           *result_stack;
  GtkColumnView      *result_table;
  GtkTextView        *result_text;
  GtkLabel           *error_label;
};

G_DEFINE_FINAL_TYPE (SupaFunctionPanel, supa_function_panel, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_DATABASE,
  PROP_SCHEMA,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
param_clear (gpointer data)
{
  Param *param = data;

  g_clear_object (&param->param);
}

static char *
format_count (guint64 n)
{
  return g_strdup_printf ("%'" G_GUINT64_FORMAT, n);
}

static void
set_status (SupaFunctionPanel *self,
            const char        *status)
{
  g_free (self->status);
  self->status = g_strdup (status);
  gtk_label_set_label (self->status_label, status != NULL ? status : "");
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

/* --- the form ----------------------------------------------------------- */

/* The JSON value of @param's editor: NULL with *problem unset when it is
 * empty (the argument is left out), NULL with *problem set when invalid. */
static JsonNode *
param_value (Param  *param,
             char  **problem)
{
  SupaColumnKind kind = supa_column_info_get_kind (param->param);
  const char *text;
  JsonNode *node;

  *problem = NULL;

  if (GTK_IS_SWITCH (param->editor))
    {
      node = json_node_new (JSON_NODE_VALUE);
      json_node_set_boolean (node, gtk_switch_get_active (GTK_SWITCH (param->editor)));
      return node;
    }

  text = gtk_editable_get_text (GTK_EDITABLE (param->editor));
  if (*text == '\0')
    return NULL;

  if (supa_column_info_get_is_array (param->param) || kind == SUPA_COLUMN_KIND_ARRAY ||
      supa_column_info_get_is_json (param->param) || kind == SUPA_COLUMN_KIND_JSON)
    {
      g_autoptr(JsonParser) parser = json_parser_new ();
      g_autoptr(GError) error = NULL;
      gboolean want_array = supa_column_info_get_is_array (param->param) || kind == SUPA_COLUMN_KIND_ARRAY;

      if (!json_parser_load_from_data (parser, text, -1, &error))
        {
          *problem = g_strdup_printf (_("%s is not valid JSON: %s"), supa_column_info_get_name (param->param), error->message);
          return NULL;
        }
      if (want_array && !JSON_NODE_HOLDS_ARRAY (json_parser_get_root (parser)))
        {
          *problem = g_strdup_printf (_("%s must be a JSON array, like [1, 2]"), supa_column_info_get_name (param->param));
          return NULL;
        }
      return json_node_copy (json_parser_get_root (parser));
    }

  if (kind == SUPA_COLUMN_KIND_INTEGER)
    {
      g_autofree char *trimmed = g_strstrip (g_strdup (text));
      gint64 value;

      if (!g_ascii_string_to_signed (trimmed, 10, G_MININT64, G_MAXINT64, &value, NULL))
        {
          *problem = g_strdup_printf (_("%s must be a whole number"), supa_column_info_get_name (param->param));
          return NULL;
        }
      node = json_node_new (JSON_NODE_VALUE);
      json_node_set_int (node, value);
      return node;
    }

  if (kind == SUPA_COLUMN_KIND_NUMBER)
    {
      char *end = NULL;

      errno = 0;
      g_ascii_strtod (text, &end);
      if (end == text || *end != '\0' || errno != 0)
        {
          *problem = g_strdup_printf (_("%s must be a number"), supa_column_info_get_name (param->param));
          return NULL;
        }
      /* PostgreSQL parses numeric text exactly; a double could round. */
      node = json_node_new (JSON_NODE_VALUE);
      json_node_set_string (node, text);
      return node;
    }

  node = json_node_new (JSON_NODE_VALUE);
  json_node_set_string (node, text);
  return node;
}

static gboolean
param_is_required (Param *param)
{
  return !supa_column_info_get_nullable (param->param) && !supa_column_info_get_has_default (param->param);
}

/* Builds the arguments; FALSE with the problems shown when invalid. */
static gboolean
collect_arguments (SupaFunctionPanel  *self,
                   JsonObject        **out)
{
  g_autoptr(JsonObject) args = json_object_new ();
  g_autoptr(GString) problems = g_string_new (NULL);

  for (guint i = 0; i < self->params->len; i++)
    {
      Param *param = &g_array_index (self->params, Param, i);
      g_autofree char *problem = NULL;
      JsonNode *node = param_value (param, &problem);

      if (problem == NULL && node == NULL && param_is_required (param))
        problem = g_strdup_printf (_("%s is required"), supa_column_info_get_name (param->param));

      if (problem != NULL)
        {
          gtk_widget_add_css_class (param->row, "error");
          g_string_append_printf (problems, "%s%s", problems->len > 0 ? "\n" : "", problem);
        }
      else
        gtk_widget_remove_css_class (param->row, "error");

      if (node != NULL)
        json_object_set_member (args, supa_column_info_get_name (param->param), node);
    }

  gtk_label_set_label (self->form_message, problems->str);
  if (problems->len > 0)
    return FALSE;

  *out = g_steal_pointer (&args);
  return TRUE;
}

static void
editor_changed_cb (SupaFunctionPanel *self)
{
  /* Live validation, but without nagging about empty required fields
   * before the first call. */
  g_autoptr(GString) problems = g_string_new (NULL);

  for (guint i = 0; i < self->params->len; i++)
    {
      Param *param = &g_array_index (self->params, Param, i);
      g_autofree char *problem = NULL;
      JsonNode *node = param_value (param, &problem);

      g_clear_pointer (&node, json_node_unref);
      if (problem != NULL)
        {
          gtk_widget_add_css_class (param->row, "error");
          g_string_append_printf (problems, "%s%s", problems->len > 0 ? "\n" : "", problem);
        }
      else
        gtk_widget_remove_css_class (param->row, "error");
    }
  gtk_label_set_label (self->form_message, problems->str);
}

static const char *
kind_hint (SupaColumnInfo *param)
{
  if (supa_column_info_get_is_array (param) || supa_column_info_get_kind (param) == SUPA_COLUMN_KIND_ARRAY)
    return _("JSON array");
  if (supa_column_info_get_is_json (param) || supa_column_info_get_kind (param) == SUPA_COLUMN_KIND_JSON)
    return _("JSON");
  return NULL;
}

static void
build_form (SupaFunctionPanel *self)
{
  GtkWidget *child;
  GListModel *params;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->param_list))) != NULL)
    gtk_list_box_remove (self->param_list, child);
  g_array_set_size (self->params, 0);
  gtk_label_set_label (self->form_message, "");
  set_status (self, NULL);
  g_clear_pointer (&self->error, g_free);
  self->result_rows = -1;
  gtk_stack_set_visible_child_name (self->result_stack, "none");

  if (self->function == NULL)
    {
      gtk_stack_set_visible_child_name (self->stack, "empty");
      return;
    }

  gtk_label_set_label (self->name_label, supa_function_info_get_name (self->function));
  gtk_label_set_label (self->comment_label, supa_function_info_get_comment (self->function) != NULL
                                              ? supa_function_info_get_comment (self->function) : "");
  gtk_widget_set_visible (GTK_WIDGET (self->comment_label), supa_function_info_get_comment (self->function) != NULL);
  gtk_widget_set_visible (self->get_box, supa_function_info_get_allows_get (self->function));
  gtk_switch_set_active (self->get_switch, supa_function_info_get_allows_get (self->function));

  params = supa_function_info_get_parameters (self->function);
  for (guint i = 0; i < g_list_model_get_n_items (params); i++)
    {
      Param param = { 0 };
      g_autofree char *suffix = NULL;
      const char *hint;
      GtkWidget *suffix_label;

      param.param = g_list_model_get_item (params, i);
      hint = kind_hint (param.param);
      suffix = g_strdup_printf ("%s%s%s", supa_column_info_get_type_name (param.param),
                                param_is_required (&param) ? " · " : "",
                                param_is_required (&param) ? _("required") : "");
      suffix_label = gtk_label_new (suffix);
      gtk_widget_add_css_class (suffix_label, "dim-label");
      gtk_widget_add_css_class (suffix_label, "caption");

      if (supa_column_info_get_kind (param.param) == SUPA_COLUMN_KIND_BOOLEAN &&
          !supa_column_info_get_is_array (param.param))
        {
          param.row = adw_action_row_new ();
          param.editor = gtk_switch_new ();
          gtk_widget_set_valign (param.editor, GTK_ALIGN_CENTER);
          adw_action_row_add_suffix (ADW_ACTION_ROW (param.row), suffix_label);
          adw_action_row_add_suffix (ADW_ACTION_ROW (param.row), param.editor);
          adw_action_row_set_activatable_widget (ADW_ACTION_ROW (param.row), param.editor);
        }
      else
        {
          g_autofree char *default_text = supa_column_info_dup_default_text (param.param);

          param.row = adw_entry_row_new ();
          param.editor = param.row;
          adw_entry_row_add_suffix (ADW_ENTRY_ROW (param.row), suffix_label);
          if (supa_column_info_get_kind (param.param) == SUPA_COLUMN_KIND_INTEGER)
            adw_entry_row_set_input_purpose (ADW_ENTRY_ROW (param.row), GTK_INPUT_PURPOSE_NUMBER);
          g_signal_connect_object (param.row, "changed", G_CALLBACK (editor_changed_cb), self, G_CONNECT_SWAPPED);
          if (default_text != NULL || hint != NULL)
            {
              g_autofree char *tooltip = default_text != NULL
                ? g_strdup_printf (_("Empty: the default (%s)"), default_text)
                : g_strdup_printf (_("A %s value"), hint);

              gtk_widget_set_tooltip_text (param.row, tooltip);
            }
        }

      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (param.row), supa_column_info_get_name (param.param));
      adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (param.row), FALSE);
      gtk_widget_set_name (param.row, supa_column_info_get_name (param.param));
      gtk_list_box_append (self->param_list, param.row);
      g_array_append_val (self->params, param);
    }
  gtk_widget_set_visible (GTK_WIDGET (self->param_list), self->params->len > 0);

  gtk_stack_set_visible_child_name (self->stack, "function");
}

/* --- the result --------------------------------------------------------- */

static void
cell_setup_cb (GtkSignalListItemFactory *factory,
               GtkListItem              *item,
               gpointer                  data)
{
  GtkWidget *label = gtk_label_new (NULL);

  gtk_label_set_xalign (GTK_LABEL (label), 0.0f);
  gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_END);
  gtk_label_set_max_width_chars (GTK_LABEL (label), 40);
  gtk_list_item_set_child (item, label);
}

static void
cell_bind_cb (GtkSignalListItemFactory *factory,
              GtkListItem              *item,
              gpointer                  data)
{
  const char *column = data;
  GObject *row = gtk_list_item_get_item (item);
  JsonObject *object = g_object_get_data (row, "json-object");
  GtkWidget *label = gtk_list_item_get_child (item);
  g_autofree char *text = NULL;

  if (object != NULL && json_object_has_member (object, column))
    text = node_text (json_object_get_member (object, column));

  gtk_label_set_label (GTK_LABEL (label), text != NULL ? text : "NULL");
  if (text == NULL)
    gtk_widget_add_css_class (label, "dim-label");
  else
    gtk_widget_remove_css_class (label, "dim-label");
  gtk_widget_set_tooltip_text (label, text);
}

static gboolean
is_array_of_objects (JsonNode *node)
{
  JsonArray *array;

  if (node == NULL || !JSON_NODE_HOLDS_ARRAY (node))
    return FALSE;
  array = json_node_get_array (node);
  if (json_array_get_length (array) == 0)
    return FALSE;
  for (guint i = 0; i < json_array_get_length (array); i++)
    if (!JSON_NODE_HOLDS_OBJECT (json_array_get_element (array, i)))
      return FALSE;
  return TRUE;
}

static void
show_table (SupaFunctionPanel *self,
            JsonArray         *array)
{
  GListModel *columns = gtk_column_view_get_columns (self->result_table);
  g_autoptr(GListStore) store = g_list_store_new (G_TYPE_OBJECT);
  g_autoptr(GPtrArray) keys = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  GtkNoSelection *selection;

  while (g_list_model_get_n_items (columns) > 0)
    {
      g_autoptr(GtkColumnViewColumn) column = g_list_model_get_item (columns, 0);

      gtk_column_view_remove_column (self->result_table, column);
    }

  /* Columns in order of first appearance over all rows. */
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonObject *object = json_array_get_object_element (array, i);
      g_autoptr(GList) members = json_object_get_members (object);
      g_autoptr(GObject) row = g_object_new (G_TYPE_OBJECT, NULL);

      for (GList *l = members; l != NULL; l = l->next)
        if (!g_hash_table_contains (seen, l->data))
          {
            char *key = g_strdup (l->data);

            g_ptr_array_add (keys, key);
            g_hash_table_add (seen, key);
          }

      g_object_set_data_full (row, "json-object", json_object_ref (object), (GDestroyNotify) json_object_unref);
      g_list_store_append (store, row);
    }

  for (guint i = 0; i < keys->len; i++)
    {
      GtkListItemFactory *factory = gtk_signal_list_item_factory_new ();
      g_autoptr(GtkColumnViewColumn) column = NULL;
      char *key = g_strdup (keys->pdata[i]);

      g_signal_connect (factory, "setup", G_CALLBACK (cell_setup_cb), NULL);
      g_signal_connect_data (factory, "bind", G_CALLBACK (cell_bind_cb), key, (GClosureNotify) g_free, 0);
      column = gtk_column_view_column_new (key, factory);
      gtk_column_view_column_set_resizable (column, TRUE);
      gtk_column_view_append_column (self->result_table, column);
    }

  selection = gtk_no_selection_new (G_LIST_MODEL (g_steal_pointer (&store)));
  gtk_column_view_set_model (self->result_table, GTK_SELECTION_MODEL (selection));
  g_object_unref (selection);
  gtk_stack_set_visible_child_name (self->result_stack, "table");
}

static void
show_json (SupaFunctionPanel *self,
           JsonNode          *node)
{
  g_autofree char *text = NULL;

  if (node == NULL)
    text = g_strdup ("null");
  else
    {
      g_autoptr(JsonGenerator) generator = json_generator_new ();

      json_generator_set_pretty (generator, TRUE);
      json_generator_set_indent (generator, 2);
      json_generator_set_root (generator, node);
      text = json_generator_to_data (generator, NULL);
    }

  gtk_text_buffer_set_text (gtk_text_view_get_buffer (self->result_text), text, -1);
  gtk_stack_set_visible_child_name (self->result_stack, "json");
}

static void
set_busy (SupaFunctionPanel *self,
          gboolean           busy)
{
  gtk_spinner_set_spinning (self->spinner, busy);
  gtk_widget_set_visible (GTK_WIDGET (self->spinner), busy);
  gtk_widget_set_sensitive (GTK_WIDGET (self->call_button), !busy);
}

static void
call_done_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(SupaFunctionPanel) self = user_data;
  g_autoptr(SupaResult) res = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *elapsed = NULL;
  g_autofree char *status = NULL;
  JsonNode *rows;

  res = supa_database_execute_finish (SUPA_DATABASE (object), result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) || self->stack == NULL)
    return;

  g_clear_object (&self->cancellable);
  set_busy (self, FALSE);
  /* Translators: the duration of a call, "45 ms" */
  elapsed = g_strdup_printf (_("%" G_GINT64_FORMAT " ms"), (g_get_monotonic_time () - self->started) / 1000);

  if (res == NULL)
    {
      g_autofree char *text = supa_error_dup_display_text (error);

      self->error = g_strdup (text);
      gtk_label_set_label (self->error_label, text);
      gtk_stack_set_visible_child_name (self->result_stack, "error");
      status = supa_error_get_http_status (error) != 0
        ? g_strdup_printf (_("Failed · HTTP %u · %s"), supa_error_get_http_status (error), elapsed)
        : g_strdup_printf (_("Failed · %s"), elapsed);
      set_status (self, status);
      return;
    }

  rows = supa_result_get_rows (res);
  if (is_array_of_objects (rows))
    {
      guint n = json_array_get_length (json_node_get_array (rows));
      g_autofree char *count = format_count (n);

      self->result_rows = n;
      show_table (self, json_node_get_array (rows));
      status = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%s row · %s", "%s rows · %s", n), count, elapsed);
    }
  else
    {
      show_json (self, rows);
      if (rows != NULL && JSON_NODE_HOLDS_ARRAY (rows))
        {
          guint n = json_array_get_length (json_node_get_array (rows));
          g_autofree char *count = format_count (n);

          status = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%s item · %s", "%s items · %s", n), count, elapsed);
        }
      else if (rows == NULL)
        /* Translators: a void function returned */
        status = g_strdup_printf (_("No result · %s"), elapsed);
      else
        status = g_strdup_printf (_("Success · %s"), elapsed);
    }
  set_status (self, status);
}

static void
call_clicked_cb (SupaFunctionPanel *self)
{
  supa_function_panel_call (self);
}

/* --- the list ----------------------------------------------------------- */

static char *
function_name_cb (SupaFunctionInfo *function)
{
  return g_strdup (supa_function_info_get_name (function));
}

static void
list_setup_cb (GtkSignalListItemFactory *factory,
               GtkListItem              *item,
               gpointer                  data)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 2);
  GtkWidget *name = gtk_label_new (NULL);
  GtkWidget *detail = gtk_label_new (NULL);

  gtk_label_set_xalign (GTK_LABEL (name), 0.0f);
  gtk_label_set_ellipsize (GTK_LABEL (name), PANGO_ELLIPSIZE_END);
  gtk_label_set_xalign (GTK_LABEL (detail), 0.0f);
  gtk_label_set_ellipsize (GTK_LABEL (detail), PANGO_ELLIPSIZE_END);
  gtk_widget_add_css_class (detail, "dim-label");
  gtk_widget_add_css_class (detail, "caption");
  gtk_box_append (GTK_BOX (box), name);
  gtk_box_append (GTK_BOX (box), detail);
  gtk_list_item_set_child (item, box);
}

static void
list_bind_cb (GtkSignalListItemFactory *factory,
              GtkListItem              *item,
              gpointer                  data)
{
  SupaFunctionInfo *function = gtk_list_item_get_item (item);
  GtkWidget *box = gtk_list_item_get_child (item);
  GtkWidget *name = gtk_widget_get_first_child (box);
  GtkWidget *detail = gtk_widget_get_next_sibling (name);
  GListModel *params = supa_function_info_get_parameters (function);
  g_autoptr(GString) signature = g_string_new ("(");

  for (guint i = 0; i < g_list_model_get_n_items (params); i++)
    {
      g_autoptr(SupaColumnInfo) param = g_list_model_get_item (params, i);

      g_string_append_printf (signature, "%s%s", i > 0 ? ", " : "", supa_column_info_get_name (param));
    }
  g_string_append_c (signature, ')');

  gtk_label_set_label (GTK_LABEL (name), supa_function_info_get_name (function));
  gtk_label_set_label (GTK_LABEL (detail), signature->str);
  gtk_widget_set_tooltip_text (box, supa_function_info_get_comment (function));
}

static void
selection_changed_cb (SupaFunctionPanel *self)
{
  SupaFunctionInfo *function = gtk_single_selection_get_selected_item (self->selection);

  if (function == self->function)
    return;

  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  set_busy (self, FALSE);

  g_set_object (&self->function, function);
  build_form (self);
}

static void
search_changed_cb (SupaFunctionPanel *self)
{
  gtk_string_filter_set_search (self->filter, gtk_editable_get_text (GTK_EDITABLE (self->search_entry)));
}

/* --- GObject ------------------------------------------------------------ */

static void
supa_function_panel_constructed (GObject *object)
{
  SupaFunctionPanel *self = (SupaFunctionPanel *)object;
  g_autoptr(GtkListItemFactory) factory = gtk_signal_list_item_factory_new ();
  GtkExpression *expression;
  GtkFilterListModel *filtered;

  G_OBJECT_CLASS (supa_function_panel_parent_class)->constructed (object);

  expression = gtk_cclosure_expression_new (G_TYPE_STRING, NULL, 0, NULL,
                                            G_CALLBACK (function_name_cb), NULL, NULL);
  self->filter = gtk_string_filter_new (expression);
  gtk_string_filter_set_match_mode (self->filter, GTK_STRING_FILTER_MATCH_MODE_SUBSTRING);
  gtk_string_filter_set_ignore_case (self->filter, TRUE);

  filtered = gtk_filter_list_model_new (g_object_ref (supa_schema_get_functions (self->schema)),
                                        GTK_FILTER (g_object_ref (self->filter)));
  self->selection = gtk_single_selection_new (G_LIST_MODEL (filtered));
  gtk_single_selection_set_autoselect (self->selection, FALSE);
  gtk_single_selection_set_can_unselect (self->selection, TRUE);
  gtk_single_selection_set_selected (self->selection, GTK_INVALID_LIST_POSITION);
  g_signal_connect_object (self->selection, "notify::selected-item", G_CALLBACK (selection_changed_cb), self, G_CONNECT_SWAPPED);

  g_signal_connect (factory, "setup", G_CALLBACK (list_setup_cb), NULL);
  g_signal_connect (factory, "bind", G_CALLBACK (list_bind_cb), NULL);
  gtk_list_view_set_factory (self->function_list, factory);
  gtk_list_view_set_model (self->function_list, GTK_SELECTION_MODEL (self->selection));

  build_form (self);
}

static void
supa_function_panel_dispose (GObject *object)
{
  SupaFunctionPanel *self = (SupaFunctionPanel *)object;
  GtkWidget *child;

  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);

  gtk_widget_dispose_template (GTK_WIDGET (self), SUPA_TYPE_FUNCTION_PANEL);
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self))) != NULL)
    gtk_widget_unparent (child);
  g_clear_object (&self->selection);
  g_clear_object (&self->filter);
  g_clear_object (&self->function);
  if (self->params != NULL)
    g_array_set_size (self->params, 0);

  G_OBJECT_CLASS (supa_function_panel_parent_class)->dispose (object);
}

static void
supa_function_panel_finalize (GObject *object)
{
  SupaFunctionPanel *self = (SupaFunctionPanel *)object;

  g_clear_pointer (&self->params, g_array_unref);
  g_clear_object (&self->db);
  g_clear_object (&self->schema);
  g_clear_pointer (&self->status, g_free);
  g_clear_pointer (&self->error, g_free);

  G_OBJECT_CLASS (supa_function_panel_parent_class)->finalize (object);
}

static void
supa_function_panel_get_property (GObject    *object,
                                  guint       prop_id,
                                  GValue     *value,
                                  GParamSpec *pspec)
{
  SupaFunctionPanel *self = SUPA_FUNCTION_PANEL (object);

  switch (prop_id)
    {
    case PROP_DATABASE:
      g_value_set_object (value, self->db);
      break;
    case PROP_SCHEMA:
      g_value_set_object (value, self->schema);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
supa_function_panel_set_property (GObject      *object,
                                  guint         prop_id,
                                  const GValue *value,
                                  GParamSpec   *pspec)
{
  SupaFunctionPanel *self = SUPA_FUNCTION_PANEL (object);

  switch (prop_id)
    {
    case PROP_DATABASE:
      self->db = g_value_dup_object (value);
      break;
    case PROP_SCHEMA:
      self->schema = g_value_dup_object (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
supa_function_panel_class_init (SupaFunctionPanelClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->constructed = supa_function_panel_constructed;
  object_class->dispose = supa_function_panel_dispose;
  object_class->finalize = supa_function_panel_finalize;
  object_class->get_property = supa_function_panel_get_property;
  object_class->set_property = supa_function_panel_set_property;

  properties[PROP_DATABASE] =
    g_param_spec_object ("database", NULL, NULL, SUPA_TYPE_DATABASE,
                         (G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS));
  properties[PROP_SCHEMA] =
    g_param_spec_object ("schema", NULL, NULL, SUPA_TYPE_SCHEMA,
                         (G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS));
  g_object_class_install_properties (object_class, N_PROPS, properties);

  supa_resources_ensure ();
  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/supadesk/Supadesk/supa-function-panel.ui");
  gtk_widget_class_bind_template_child (widget_class, SupaFunctionPanel, search_entry);
  gtk_widget_class_bind_template_child (widget_class, SupaFunctionPanel, function_list);
  gtk_widget_class_bind_template_child (widget_class, SupaFunctionPanel, stack);
  gtk_widget_class_bind_template_child (widget_class, SupaFunctionPanel, name_label);
  gtk_widget_class_bind_template_child (widget_class, SupaFunctionPanel, comment_label);
  gtk_widget_class_bind_template_child (widget_class, SupaFunctionPanel, param_list);
  gtk_widget_class_bind_template_child (widget_class, SupaFunctionPanel, form_message);
  gtk_widget_class_bind_template_child (widget_class, SupaFunctionPanel, get_box);
  gtk_widget_class_bind_template_child (widget_class, SupaFunctionPanel, get_switch);
  gtk_widget_class_bind_template_child (widget_class, SupaFunctionPanel, call_button);
  gtk_widget_class_bind_template_child (widget_class, SupaFunctionPanel, spinner);
  gtk_widget_class_bind_template_child (widget_class, SupaFunctionPanel, status_label);
  gtk_widget_class_bind_template_child (widget_class, SupaFunctionPanel, result_stack);
  gtk_widget_class_bind_template_child (widget_class, SupaFunctionPanel, result_table);
  gtk_widget_class_bind_template_child (widget_class, SupaFunctionPanel, result_text);
  gtk_widget_class_bind_template_child (widget_class, SupaFunctionPanel, error_label);
  gtk_widget_class_bind_template_callback (widget_class, search_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, call_clicked_cb);
}

static void
supa_function_panel_init (SupaFunctionPanel *self)
{
  self->result_rows = -1;
  self->params = g_array_new (FALSE, TRUE, sizeof (Param));
  g_array_set_clear_func (self->params, param_clear);
  gtk_widget_init_template (GTK_WIDGET (self));
}

/* --- public API --------------------------------------------------------- */

GtkWidget *
supa_function_panel_new (SupaDatabase *db,
                         SupaSchema   *schema)
{
  g_return_val_if_fail (SUPA_IS_DATABASE (db), NULL);
  g_return_val_if_fail (SUPA_IS_SCHEMA (schema), NULL);

  return g_object_new (SUPA_TYPE_FUNCTION_PANEL,
                       "database", db,
                       "schema", schema,
                       NULL);
}

gboolean
supa_function_panel_select_function (SupaFunctionPanel *self,
                                     const char        *name)
{
  GListModel *model;

  g_return_val_if_fail (SUPA_IS_FUNCTION_PANEL (self), FALSE);
  g_return_val_if_fail (name != NULL, FALSE);

  model = gtk_single_selection_get_model (self->selection);
  for (guint i = 0; i < g_list_model_get_n_items (model); i++)
    {
      g_autoptr(SupaFunctionInfo) function = g_list_model_get_item (model, i);

      if (g_str_equal (supa_function_info_get_name (function), name))
        {
          gtk_single_selection_set_selected (self->selection, i);
          return TRUE;
        }
    }

  return FALSE;
}

gboolean
supa_function_panel_set_argument (SupaFunctionPanel *self,
                                  const char        *name,
                                  const char        *text)
{
  g_return_val_if_fail (SUPA_IS_FUNCTION_PANEL (self), FALSE);
  g_return_val_if_fail (name != NULL, FALSE);

  for (guint i = 0; i < self->params->len; i++)
    {
      Param *param = &g_array_index (self->params, Param, i);

      if (!g_str_equal (supa_column_info_get_name (param->param), name))
        continue;

      if (GTK_IS_SWITCH (param->editor))
        gtk_switch_set_active (GTK_SWITCH (param->editor), g_strcmp0 (text, "true") == 0);
      else
        gtk_editable_set_text (GTK_EDITABLE (param->editor), text != NULL ? text : "");
      return TRUE;
    }

  return FALSE;
}

void
supa_function_panel_set_use_get (SupaFunctionPanel *self,
                                 gboolean           use_get)
{
  g_return_if_fail (SUPA_IS_FUNCTION_PANEL (self));

  gtk_switch_set_active (self->get_switch, use_get);
}

gboolean
supa_function_panel_call (SupaFunctionPanel *self)
{
  g_autoptr(JsonObject) args = NULL;
  g_autoptr(SupaQuery) query = NULL;
  g_autofree char *relation = NULL;
  gboolean use_get;

  g_return_val_if_fail (SUPA_IS_FUNCTION_PANEL (self), FALSE);

  if (self->function == NULL || self->cancellable != NULL)
    return FALSE;
  if (!collect_arguments (self, &args))
    return FALSE;

  use_get = supa_function_info_get_allows_get (self->function) && gtk_switch_get_active (self->get_switch);
  relation = g_strconcat ("rpc/", supa_function_info_get_name (self->function), NULL);
  query = supa_query_new (relation);
  supa_query_set_schema (query, supa_schema_get_name (self->schema));
  supa_query_rpc (query, args, use_get ? SUPA_RPC_GET : SUPA_RPC_POST, SUPA_COUNT_NONE);

  g_clear_pointer (&self->error, g_free);
  self->result_rows = -1;
  set_status (self, use_get ? _("Calling with GET…") : _("Calling with POST…"));
  set_busy (self, TRUE);
  self->started = g_get_monotonic_time ();
  self->cancellable = g_cancellable_new ();
  supa_database_execute_async (self->db, query, self->cancellable, call_done_cb, g_object_ref (self));

  return TRUE;
}

gboolean
supa_function_panel_get_busy (SupaFunctionPanel *self)
{
  g_return_val_if_fail (SUPA_IS_FUNCTION_PANEL (self), FALSE);

  return self->cancellable != NULL;
}

gint64
supa_function_panel_get_result_rows (SupaFunctionPanel *self)
{
  g_return_val_if_fail (SUPA_IS_FUNCTION_PANEL (self), -1);

  return self->result_rows;
}

char *
supa_function_panel_dup_result_text (SupaFunctionPanel *self)
{
  GtkTextBuffer *buffer;
  GtkTextIter start, end;

  g_return_val_if_fail (SUPA_IS_FUNCTION_PANEL (self), NULL);

  if (!g_str_equal (gtk_stack_get_visible_child_name (self->result_stack), "json"))
    return NULL;

  buffer = gtk_text_view_get_buffer (self->result_text);
  gtk_text_buffer_get_bounds (buffer, &start, &end);
  return gtk_text_buffer_get_text (buffer, &start, &end, FALSE);
}

const char *
supa_function_panel_get_status (SupaFunctionPanel *self)
{
  g_return_val_if_fail (SUPA_IS_FUNCTION_PANEL (self), NULL);

  return self->status;
}

const char *
supa_function_panel_get_error (SupaFunctionPanel *self)
{
  g_return_val_if_fail (SUPA_IS_FUNCTION_PANEL (self), NULL);

  return self->error;
}
