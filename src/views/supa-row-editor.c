/* supa-row-editor.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "supa-row-editor"

#include "config.h"

#include <string.h>
#include <glib/gi18n.h>

#include "supa-cell-widgets.h"
#include "supa-row-editor.h"

typedef struct
{
  SupaColumnInfo  *column;
  SupaValueEditor *editor;
  GtkCheckButton  *null_check;     /* nullable columns */
  GtkCheckButton  *default_check;  /* columns with a default */
  gboolean         prefilled;      /* sent even when left untouched */
  /* Foreign keys: a picker over the referenced table. */
  SupaRowEditor   *editor_window;
  GtkMenuButton   *pick_button;
  GtkListBox      *pick_list;
  GtkSearchEntry  *pick_search;
  GtkSpinner      *pick_spinner;
  GtkLabel        *pick_status;
  GtkLabel        *pick_placeholder;
  GCancellable    *pick_cancellable;
  gboolean         pick_loaded;
  gboolean         pick_loading;
  /* The referenced table as the server describes it (its text columns
   * are searched); loaded once, NULL when that failed. */
  GCancellable    *pick_schema_cancellable;
  SupaTableInfo   *pick_table;
  gboolean         pick_schema_done;
  gboolean         pick_search_pending;
} Field;

struct _SupaRowEditor
{
  AdwWindow      parent_instance;

  SupaDatabase  *database;
  SupaTableInfo *table;
  SupaSchema    *schema;        /* the caller's, or NULL: pickers load it */
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
  if (field->pick_cancellable != NULL)
    g_cancellable_cancel (field->pick_cancellable);
  g_clear_object (&field->pick_cancellable);
  if (field->pick_schema_cancellable != NULL)
    g_cancellable_cancel (field->pick_schema_cancellable);
  g_clear_object (&field->pick_schema_cancellable);
  g_clear_object (&field->pick_table);
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
  g_clear_object (&self->schema);
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

/* --- foreign-key picker ------------------------------------------------- */

/* The picker shows at most this many rows of the referenced table, ordered
 * by the referenced column; its search asks the server for matches. */
#define PICK_LIMIT 200
/* The search waits for a pause in typing before it asks (ms). */
#define PICK_SEARCH_DELAY 250

static char *
pick_value_text (JsonNode *node)
{
  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node))
    return NULL;
  if (json_node_get_value_type (node) == G_TYPE_STRING)
    return g_strdup (json_node_get_string (node));
  if (json_node_get_value_type (node) == G_TYPE_INT64)
    return g_strdup_printf ("%" G_GINT64_FORMAT, json_node_get_int (node));

  return supa_cell_format_value (node, NULL);
}

/* "3 · Japan": the key, then the row's other short text values. */
static char *
pick_row_label (JsonObject *row,
                const char *key_column,
                const char *key)
{
  GString *label = g_string_new (key);
  g_autoptr(GList) members = json_object_get_members (row);
  guint extra = 0;

  for (GList *l = members; l != NULL && extra < 2; l = l->next)
    {
      JsonNode *node = json_object_get_member (row, l->data);

      if (g_strcmp0 (l->data, key_column) == 0 || !JSON_NODE_HOLDS_VALUE (node) ||
          json_node_get_value_type (node) != G_TYPE_STRING ||
          g_utf8_strlen (json_node_get_string (node), -1) > 60)
        continue;

      g_string_append (label, " · ");
      g_string_append (label, json_node_get_string (node));
      extra++;
    }

  return g_string_free (label, FALSE);
}

/* Columns ilike can search: character types, not arrays (uuid, dates or
 * enums would make PostgreSQL refuse the operator). */
static gboolean
column_is_text_like (SupaColumnInfo *column)
{
  static const char * const text_types[] = {
    "text", "character varying", "character", "citext", "name", NULL
  };
  const char *type = supa_column_info_get_type_name (column);

  return !supa_column_info_get_is_array (column) && !supa_column_info_get_is_json (column) &&
         type != NULL && g_strv_contains (text_types, type);
}

/* Can @text be compared with eq to a column like @column without the
 * server refusing the value? */
static gboolean
text_fits_column (SupaColumnInfo *column,
                  const char     *text)
{
  const char *type = supa_column_info_get_type_name (column);

  if (supa_column_info_get_is_array (column) || supa_column_info_get_is_json (column))
    return FALSE;

  switch (supa_column_info_get_kind (column))
    {
    case SUPA_COLUMN_KIND_INTEGER:
      {
        gint64 value;
        return g_ascii_string_to_signed (text, 10, G_MININT64, G_MAXINT64, &value, NULL);
      }
    case SUPA_COLUMN_KIND_NUMBER:
      {
        char *end = NULL;

        if (*text == '\0' || g_ascii_isspace (*text))
          return FALSE;
        g_ascii_strtod (text, &end);
        return end != NULL && *end == '\0';
      }
    case SUPA_COLUMN_KIND_TEXT:
      if (g_strcmp0 (type, "uuid") == 0)
        return g_uuid_string_is_valid (text);
      return column_is_text_like (column);
    case SUPA_COLUMN_KIND_BOOLEAN:
    case SUPA_COLUMN_KIND_JSON:
    case SUPA_COLUMN_KIND_ARRAY:
    case SUPA_COLUMN_KIND_ENUM:
    default:
      return FALSE;
    }
}

/* `*text*` for ilike, with LIKE's own wildcards (and the escape
 * character) escaped; PostgREST turns every `*` into `%`, so a `*` typed
 * by the user can only be matched as any one character. */
static char *
ilike_contains_pattern (const char *text)
{
  GString *pattern = g_string_new ("*");

  for (const char *p = text; *p != '\0'; p++)
    {
      switch (*p)
        {
        case '%':
        case '_':
        case '\\':
          g_string_append_c (pattern, '\\');
          g_string_append_c (pattern, *p);
          break;
        case '*':
          g_string_append_c (pattern, '_');
          break;
        default:
          g_string_append_c (pattern, *p);
        }
    }
  g_string_append_c (pattern, '*');
  return g_string_free (pattern, FALSE);
}

static void
pick_set_status (Field      *field,
                 const char *text,
                 gboolean    is_error)
{
  gtk_label_set_label (field->pick_status, text != NULL ? text : "");
  gtk_widget_set_visible (GTK_WIDGET (field->pick_status), text != NULL);
  if (is_error)
    gtk_widget_add_css_class (GTK_WIDGET (field->pick_status), "error");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (field->pick_status), "error");
}

static void
pick_set_loading (Field    *field,
                  gboolean  loading)
{
  field->pick_loading = loading;
  gtk_spinner_set_spinning (field->pick_spinner, loading);
  gtk_widget_set_visible (GTK_WIDGET (field->pick_spinner), loading);
  /* "No matches" is an answer, not something to show while asking. */
  gtk_widget_set_visible (GTK_WIDGET (field->pick_placeholder), !loading);
}

static void
pick_clear_list (Field *field)
{
  GtkListBoxRow *row;

  /* Rows only: the placeholder is a child of the list too. */
  while ((row = gtk_list_box_get_row_at_index (field->pick_list, 0)) != NULL)
    gtk_list_box_remove (field->pick_list, GTK_WIDGET (row));
}

static void
pick_loaded_cb (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  Field *field = user_data;
  g_autoptr(SupaResult) res = NULL;
  g_autoptr(GError) error = NULL;
  const char *search;
  const char *key_column;
  JsonNode *rows;
  guint n = 0;

  res = supa_database_execute_finish (SUPA_DATABASE (object), result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  pick_set_loading (field, FALSE);
  pick_clear_list (field);

  if (res == NULL)
    {
      pick_set_status (field, error->message, TRUE);
      return;
    }

  key_column = supa_column_info_get_fk_column (field->column);
  rows = supa_result_get_rows (res);
  if (rows != NULL && JSON_NODE_HOLDS_ARRAY (rows))
    {
      JsonArray *array = json_node_get_array (rows);

      n = json_array_get_length (array);
      for (guint i = 0; i < n; i++)
        {
          JsonObject *row = json_array_get_object_element (array, i);
          g_autofree char *key = row != NULL ? pick_value_text (json_object_get_member (row, key_column)) : NULL;
          g_autofree char *text = NULL;
          GtkWidget *item;
          GtkWidget *label;

          if (key == NULL)
            continue;

          text = pick_row_label (row, key_column, key);
          label = gtk_label_new (text);
          gtk_label_set_xalign (GTK_LABEL (label), 0);
          gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_END);
          gtk_widget_set_margin_start (label, 6);
          gtk_widget_set_margin_end (label, 6);
          gtk_widget_set_margin_top (label, 4);
          gtk_widget_set_margin_bottom (label, 4);
          item = gtk_list_box_row_new ();
          gtk_list_box_row_set_child (GTK_LIST_BOX_ROW (item), label);
          g_object_set_data_full (G_OBJECT (item), "supa-value", g_steal_pointer (&key), g_free);
          gtk_list_box_append (field->pick_list, item);
        }
    }

  field->pick_loaded = TRUE;
  search = gtk_editable_get_text (GTK_EDITABLE (field->pick_search));
  gtk_label_set_label (field->pick_placeholder,
                       search != NULL && *search != '\0' ? _("No matches") : _("No rows"));
  if (n >= PICK_LIMIT)
    {
      g_autofree char *text = NULL;

      if (search != NULL && *search != '\0')
        /* Translators: %d is the most rows the picker shows (200) */
        text = g_strdup_printf (_("Showing the first %d matches — refine the search"), PICK_LIMIT);
      else
        /* Translators: %d is the most rows the picker shows (200) */
        text = g_strdup_printf (_("Showing the first %d rows — search to find others"), PICK_LIMIT);
      pick_set_status (field, text, FALSE);
    }
  else
    pick_set_status (field, NULL, FALSE);
}

/* Adds to @group what matches @text: eq on the referenced column when
 * @text is a value of its type, ilike on the referenced table's text
 * columns. FALSE when nothing could match. */
static gboolean
pick_add_conditions (Field           *field,
                     SupaFilterGroup *group,
                     const char      *text)
{
  const char *key_column = supa_column_info_get_fk_column (field->column);
  g_autofree char *pattern = ilike_contains_pattern (text);
  gboolean any = FALSE;
  gboolean key_searched = FALSE;

  if (field->pick_table != NULL)
    {
      GListModel *columns = supa_table_info_get_columns (field->pick_table);

      for (guint i = 0; i < g_list_model_get_n_items (columns); i++)
        {
          g_autoptr(SupaColumnInfo) column = g_list_model_get_item (columns, i);
          const char *name = supa_column_info_get_name (column);

          if (!column_is_text_like (column))
            continue;
          supa_filter_group_add_condition (group, name, "ilike", pattern);
          any = TRUE;
          if (g_strcmp0 (name, key_column) == 0)
            key_searched = TRUE;
        }
    }

  /* The referencing column has the referenced column's type. */
  if (!key_searched && text_fits_column (field->column, text))
    {
      if (column_is_text_like (field->column))
        supa_filter_group_add_condition (group, key_column, "ilike", pattern);
      else
        supa_filter_group_add_condition (group, key_column, "eq", text);
      any = TRUE;
    }

  return any;
}

/* Lists the referenced table's rows matching the search (all when it is
 * empty), replacing a request still under way. */
static void
pick_load (Field *field)
{
  SupaRowEditor *self = field->editor_window;
  g_autoptr(SupaQuery) query = NULL;
  g_autofree char *text = NULL;

  if (field->pick_cancellable != NULL)
    g_cancellable_cancel (field->pick_cancellable);
  g_clear_object (&field->pick_cancellable);
  field->pick_search_pending = FALSE;

  text = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (field->pick_search))));

  query = supa_query_new (supa_column_info_get_fk_table (field->column));
  supa_query_set_schema (query, supa_table_info_get_schema (self->table));
  supa_query_select (query, NULL, SUPA_COUNT_NONE, FALSE);
  if (*text != '\0')
    {
      g_autoptr(SupaFilterGroup) group = supa_filter_group_new (SUPA_FILTER_OR, FALSE);

      if (!pick_add_conditions (field, group, text))
        {
          /* e.g. letters for an integer key of a table without text. */
          pick_set_loading (field, FALSE);
          pick_clear_list (field);
          pick_set_status (field, NULL, FALSE);
          gtk_label_set_label (field->pick_placeholder, _("No matches"));
          return;
        }
      supa_query_add_group (query, group, NULL);
    }
  supa_query_order (query, supa_column_info_get_fk_column (field->column), TRUE, SUPA_NULLS_DEFAULT, NULL);
  supa_query_limit (query, PICK_LIMIT, NULL);

  field->pick_cancellable = g_cancellable_new ();
  pick_set_loading (field, TRUE);
  /* Freed with the dialog, which the cancellable cancels: @field lives
   * as long as the request can answer. */
  supa_database_execute_async (self->database, query, field->pick_cancellable, pick_loaded_cb, field);
}

static void
pick_schema_loaded_cb (GObject      *object,
                       GAsyncResult *result,
                       gpointer      user_data)
{
  Field *field = user_data;
  g_autoptr(SupaSchema) schema = NULL;
  g_autoptr(GError) error = NULL;

  schema = supa_schema_load_finish (result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  field->pick_schema_done = TRUE;
  if (schema != NULL)
    {
      SupaTableInfo *table = supa_schema_lookup_table (schema, supa_column_info_get_fk_table (field->column));

      g_set_object (&field->pick_table, table);
    }
  else
    /* The search then only compares the key. */
    g_debug ("Cannot describe the referenced table: %s", error->message);

  if (field->pick_search_pending)
    pick_load (field);
}

/* The referenced table's columns, to know which ones hold text: from the
 * schema the caller gave, else loaded once for the field. */
static void
pick_load_schema (Field *field)
{
  SupaRowEditor *self = field->editor_window;

  if (field->pick_schema_done || field->pick_schema_cancellable != NULL)
    return;

  if (self->schema != NULL)
    {
      g_set_object (&field->pick_table,
                    supa_schema_lookup_table (self->schema, supa_column_info_get_fk_table (field->column)));
      field->pick_schema_done = TRUE;
      if (field->pick_search_pending)
        pick_load (field);
      return;
    }

  field->pick_schema_cancellable = g_cancellable_new ();
  supa_schema_load_async (supa_database_get_client (self->database),
                          supa_table_info_get_schema (self->table),
                          field->pick_schema_cancellable,
                          pick_schema_loaded_cb, field);
}

static GtkListBoxRow *
pick_first_row (Field *field)
{
  return gtk_list_box_get_row_at_index (field->pick_list, 0);
}

static void
pick_row_activated_cb (GtkListBox    *list,
                       GtkListBoxRow *row,
                       Field         *field)
{
  const char *value = g_object_get_data (G_OBJECT (row), "supa-value");

  if (value == NULL)
    return;

  supa_row_editor_set_text (field->editor_window, supa_column_info_get_name (field->column), value);
  gtk_menu_button_popdown (field->pick_button);
}

static void
pick_search_changed_cb (Field *field)
{
  const char *text = gtk_editable_get_text (GTK_EDITABLE (field->pick_search));

  /* Matching text columns needs their names: wait for them (once). */
  if (text != NULL && *text != '\0' && !field->pick_schema_done)
    {
      if (field->pick_cancellable != NULL)
        g_cancellable_cancel (field->pick_cancellable);
      field->pick_search_pending = TRUE;
      pick_set_loading (field, TRUE);
      pick_load_schema (field);
      return;
    }

  pick_load (field);
}

/* Enter in the search picks the first match, once it is the answer to
 * what was typed. */
static void
pick_search_activate_cb (Field *field)
{
  GtkListBoxRow *row;

  if (field->pick_loading || field->pick_search_pending)
    return;

  row = pick_first_row (field);
  if (row != NULL)
    pick_row_activated_cb (field->pick_list, row, field);
}

/* Down in the search moves to the list. */
static gboolean
pick_search_key_pressed_cb (GtkEventControllerKey *controller,
                            guint                  keyval,
                            guint                  keycode,
                            GdkModifierType        state,
                            Field                 *field)
{
  GtkListBoxRow *row;

  if (keyval != GDK_KEY_Down && keyval != GDK_KEY_KP_Down)
    return GDK_EVENT_PROPAGATE;

  row = pick_first_row (field);
  if (row == NULL)
    return GDK_EVENT_PROPAGATE;

  gtk_widget_grab_focus (GTK_WIDGET (row));
  return GDK_EVENT_STOP;
}

static void
pick_popover_show_cb (Field *field)
{
  if (!field->pick_loaded && !field->pick_loading)
    pick_load (field);
  pick_load_schema (field);
  gtk_widget_grab_focus (GTK_WIDGET (field->pick_search));
}

static GtkWidget *
build_picker (Field *field)
{
  GtkWidget *popover = gtk_popover_new ();
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);
  GtkWidget *search_box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  GtkWidget *scrolled = gtk_scrolled_window_new ();
  GtkEventController *keys;
  g_autofree char *tooltip = NULL;

  field->pick_search = GTK_SEARCH_ENTRY (gtk_search_entry_new ());
  gtk_widget_set_name (GTK_WIDGET (field->pick_search), "pick-search");
  gtk_widget_set_hexpand (GTK_WIDGET (field->pick_search), TRUE);
  gtk_search_entry_set_search_delay (field->pick_search, PICK_SEARCH_DELAY);
  g_signal_connect_swapped (field->pick_search, "search-changed", G_CALLBACK (pick_search_changed_cb), field);
  g_signal_connect_swapped (field->pick_search, "activate", G_CALLBACK (pick_search_activate_cb), field);
  keys = gtk_event_controller_key_new ();
  gtk_event_controller_set_propagation_phase (keys, GTK_PHASE_CAPTURE);
  g_signal_connect (keys, "key-pressed", G_CALLBACK (pick_search_key_pressed_cb), field);
  gtk_widget_add_controller (GTK_WIDGET (field->pick_search), keys);
  gtk_box_append (GTK_BOX (search_box), GTK_WIDGET (field->pick_search));

  field->pick_spinner = GTK_SPINNER (gtk_spinner_new ());
  gtk_widget_set_name (GTK_WIDGET (field->pick_spinner), "pick-spinner");
  gtk_widget_set_visible (GTK_WIDGET (field->pick_spinner), FALSE);
  gtk_accessible_update_property (GTK_ACCESSIBLE (field->pick_spinner),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, _("Loading"), -1);
  gtk_box_append (GTK_BOX (search_box), GTK_WIDGET (field->pick_spinner));
  gtk_box_append (GTK_BOX (box), search_box);

  field->pick_list = GTK_LIST_BOX (gtk_list_box_new ());
  gtk_widget_set_name (GTK_WIDGET (field->pick_list), "pick-list");
  gtk_list_box_set_selection_mode (field->pick_list, GTK_SELECTION_NONE);
  gtk_list_box_set_activate_on_single_click (field->pick_list, TRUE);
  field->pick_placeholder = GTK_LABEL (gtk_label_new (_("No rows")));
  gtk_widget_set_name (GTK_WIDGET (field->pick_placeholder), "pick-placeholder");
  gtk_widget_add_css_class (GTK_WIDGET (field->pick_placeholder), "dim-label");
  gtk_widget_set_margin_top (GTK_WIDGET (field->pick_placeholder), 12);
  gtk_widget_set_margin_bottom (GTK_WIDGET (field->pick_placeholder), 12);
  gtk_widget_set_visible (GTK_WIDGET (field->pick_placeholder), FALSE);
  gtk_list_box_set_placeholder (field->pick_list, GTK_WIDGET (field->pick_placeholder));
  g_signal_connect (field->pick_list, "row-activated", G_CALLBACK (pick_row_activated_cb), field);
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scrolled), GTK_WIDGET (field->pick_list));
  gtk_scrolled_window_set_policy (GTK_SCROLLED_WINDOW (scrolled), GTK_POLICY_NEVER, GTK_POLICY_AUTOMATIC);
  gtk_scrolled_window_set_min_content_height (GTK_SCROLLED_WINDOW (scrolled), 240);
  gtk_scrolled_window_set_min_content_width (GTK_SCROLLED_WINDOW (scrolled), 260);
  gtk_box_append (GTK_BOX (box), scrolled);

  field->pick_status = GTK_LABEL (gtk_label_new (NULL));
  gtk_widget_set_name (GTK_WIDGET (field->pick_status), "pick-status");
  gtk_label_set_wrap (field->pick_status, TRUE);
  gtk_label_set_xalign (field->pick_status, 0);
  gtk_label_set_max_width_chars (field->pick_status, 40);
  gtk_label_set_selectable (field->pick_status, TRUE);
  gtk_widget_add_css_class (GTK_WIDGET (field->pick_status), "caption");
  gtk_widget_set_visible (GTK_WIDGET (field->pick_status), FALSE);
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (field->pick_status));

  gtk_popover_set_child (GTK_POPOVER (popover), box);
  g_signal_connect_swapped (popover, "show", G_CALLBACK (pick_popover_show_cb), field);
  /* Typing while the list has the focus goes on in the search. */
  gtk_search_entry_set_key_capture_widget (field->pick_search, popover);

  field->pick_button = GTK_MENU_BUTTON (gtk_menu_button_new ());
  gtk_menu_button_set_icon_name (field->pick_button, "edit-find-symbolic");
  gtk_menu_button_set_popover (field->pick_button, popover);
  gtk_widget_add_css_class (GTK_WIDGET (field->pick_button), "flat");
  /* Translators: %s is the table a foreign key refers to */
  tooltip = g_strdup_printf (_("Choose a Row of “%s”"), supa_column_info_get_fk_table (field->column));
  gtk_widget_set_tooltip_text (GTK_WIDGET (field->pick_button), tooltip);
  gtk_accessible_update_property (GTK_ACCESSIBLE (field->pick_button),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, tooltip, -1);

  return GTK_WIDGET (field->pick_button);
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
  field->editor_window = self;
  g_ptr_array_add (self->fields, field);

  gtk_widget_add_css_class (name, "heading");
  gtk_label_set_xalign (GTK_LABEL (name), 0);
  gtk_box_append (GTK_BOX (header), name);
  gtk_widget_add_css_class (type, "dim-label");
  gtk_widget_add_css_class (type, "caption");
  gtk_widget_set_hexpand (type, TRUE);
  gtk_label_set_xalign (GTK_LABEL (type), 0);
  gtk_box_append (GTK_BOX (header), type);

  if (supa_column_info_get_fk_table (column) != NULL && supa_column_info_get_fk_column (column) != NULL)
    gtk_box_append (GTK_BOX (header), build_picker (field));

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
      if (!field->prefilled && !supa_value_editor_get_modified (field->editor))
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

/* Keys and sequence-fed columns (identity, serial) are the database's to
 * choose for the copy. */
static gboolean
column_is_generated_key (SupaColumnInfo *column)
{
  g_autofree char *def = NULL;

  if (supa_column_info_get_is_primary_key (column))
    return TRUE;
  if (!supa_column_info_get_has_default (column))
    return FALSE;

  def = supa_column_info_dup_default_text (column);
  return def != NULL && strstr (def, "nextval(") != NULL;
}

void
supa_row_editor_set_values (SupaRowEditor *self,
                            JsonObject    *values)
{
  g_autofree char *title = NULL;

  g_return_if_fail (SUPA_IS_ROW_EDITOR (self));
  g_return_if_fail (values != NULL);

  /* Translators: title of the insert dialog when it copies a row, %s is a
   * table name */
  title = g_strdup_printf (_("Duplicate Row in “%s”"), supa_table_info_get_name (self->table));
  gtk_window_set_title (GTK_WINDOW (self), title);

  for (guint i = 0; i < self->fields->len; i++)
    {
      Field *field = g_ptr_array_index (self->fields, i);
      JsonNode *value = json_object_get_member (values, supa_column_info_get_name (field->column));

      if (value == NULL || column_is_generated_key (field->column))
        continue;

      /* A NULL in a column that takes none (it cannot happen, but a
       * column may have changed since): leave the field alone. */
      if (JSON_NODE_HOLDS_NULL (value) && field->null_check == NULL)
        continue;

      if (field->default_check != NULL)
        gtk_check_button_set_active (field->default_check, FALSE);

      if (JSON_NODE_HOLDS_NULL (value))
        gtk_check_button_set_active (field->null_check, TRUE);
      else
        {
          if (field->null_check != NULL)
            gtk_check_button_set_active (field->null_check, FALSE);
          supa_value_editor_set_value (field->editor, value);
        }
      field->prefilled = TRUE;
      field_update_sensitivity (field);
    }
}

GtkWidget *
supa_row_editor_open_picker (SupaRowEditor *self,
                             const char    *column)
{
  g_return_val_if_fail (SUPA_IS_ROW_EDITOR (self), NULL);

  for (guint i = 0; i < self->fields->len; i++)
    {
      Field *field = g_ptr_array_index (self->fields, i);

      if (field->pick_button != NULL &&
          g_strcmp0 (supa_column_info_get_name (field->column), column) == 0)
        {
          gtk_menu_button_popup (field->pick_button);
          return GTK_WIDGET (gtk_menu_button_get_popover (field->pick_button));
        }
    }

  return NULL;
}

const char *
supa_row_editor_get_error (SupaRowEditor *self)
{
  g_return_val_if_fail (SUPA_IS_ROW_EDITOR (self), NULL);

  return self->error_text;
}

/**
 * supa_row_editor_set_schema:
 * @schema: (nullable): the loaded schema @self's table belongs to
 *
 * Lets the foreign-key pickers find the referenced tables' columns there
 * instead of loading the schema description again.
 */
void
supa_row_editor_set_schema (SupaRowEditor *self,
                            SupaSchema    *schema)
{
  g_return_if_fail (SUPA_IS_ROW_EDITOR (self));
  g_return_if_fail (schema == NULL || SUPA_IS_SCHEMA (schema));

  g_set_object (&self->schema, schema);
}
