/* supa-table-browser.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "supa-table-browser"

#include "config.h"

#include <string.h>
#include <glib/gi18n.h>

#include "supa-cell-widgets.h"
#include "supa-csv.h"
#include "supa-database.h"
#include "supa-error.h"
#include "supa-export-dialog.h"
#include "supa-function-panel.h"
#include "supa-import-dialog.h"
#include "supa-row-editor.h"
#include "supa-table-browser.h"

typedef struct
{
  SupaRow         *row;
  SupaColumnInfo  *column;
  GtkPopover      *popover;
  SupaValueEditor *editor;
  GtkLabel        *error_label;
  GtkButton       *save_button;
  GtkWidget       *conflict_box;
  GtkWidget       *buttons_box;
  JsonNode        *pending;
  gboolean         busy;
} EditState;

struct _SupaTableBrowser
{
  GtkWidget          parent_instance;

  SupaClient        *client;
  SupaProfile       *profile;
  GCancellable      *parent_cancellable; /* the window's */
  gulong             parent_cancel_id;   /* it cancels ours */
  GCancellable      *cancellable;        /* this connection's */
  GCancellable      *table_cancellable;  /* the open table's writes */
  GSettings         *settings;
  SupaSchema        *schema;
  SupaDatabase      *database;
  SupaRowModel      *model;
  GtkMultiSelection *selection;
  GObject           *probe_a;
  GObject           *probe_b;
  GtkColumnViewColumn *probed_column;
  EditState         *edit;
  GWeakRef           last_cell;          /* the SupaCell clicked last */
  char              *error_text;
  guint              deleting;
  gboolean           bulk_running;       /* a bulk update is under way */
  GPtrArray         *sort_keys;          /* SortKey, primary first */
  char              *schema_name;        /* the schema shown */
  GHashTable        *session_schemas;    /* project URL → schema last chosen */
  GCancellable      *schema_cancellable; /* the schema load under way */
  gulong             schema_cancel_id;   /* on self->cancellable: it follows */
  gboolean           shift_click;        /* Shift held in the event being dispatched */
  gboolean           syncing_sorter;
  guint              forget_modifiers_id;
  GtkLabel          *sort_label;
  GtkWidget         *bulk_button;

  GtkWidget         *paned;
  SupaTableSidebar  *sidebar;
  GtkStack          *stack;
  AdwBin            *overview_bin;
  AdwBin            *functions_bin;
  AdwStatusPage     *schema_error_page;
  GtkWidget         *table_page;
  GtkLabel          *table_title;
  GtkLabel          *table_subtitle;
  GtkRevealer       *filter_revealer;
  GtkToggleButton   *filter_button;
  GtkDropDown       *filter_column;
  GtkDropDown       *filter_op;
  GtkEntry          *filter_value;
  GtkEntry          *filter_advanced;
  GtkLabel          *filter_error;
  GtkRevealer       *error_revealer;
  GtkLabel          *error_label;
  GtkColumnView     *column_view;
  GtkLabel          *count_label;
  GtkButton         *count_button;
  GtkLabel          *readonly_label;
  GtkLabel          *delete_label;       /* "Deleting 300 of 5,000 rows…" */
  GtkButton         *delete_stop_button;
  struct _DeleteJob *delete_job;         /* the deletion under way */
  GtkSpinner        *spinner;
  GtkWidget         *row_menu;           /* the cells' context menu */
  AdwFlap           *details_flap;       /* row details beside the grid */
  GtkBox            *details_box;
  GtkLabel          *details_title;
  SupaRow           *details_row;
};

G_DEFINE_FINAL_TYPE (SupaTableBrowser, supa_table_browser, GTK_TYPE_WIDGET)

static const char * const filter_ops[] = {
  "eq", "neq", "gt", "gte", "lt", "lte", "like", "ilike", "is null", "is not null", "in", "cs", NULL
};

static const char * const known_ops[] = {
  "eq", "neq", "gt", "gte", "lt", "lte", "like", "ilike", "match", "imatch", "is",
  "isdistinct", "in", "cs", "cd", "ov", "sl", "sr", "nxl", "nxr", "adj", "fts",
  "plfts", "phfts", "wfts", NULL
};

/* Loaded pages the row model keeps for the grid. */
#define BROWSER_MAX_PAGES 6

static void update_actions (SupaTableBrowser *self);
static void update_status  (SupaTableBrowser *self);
static void open_table     (SupaTableBrowser *self,
                            SupaTableInfo    *table);
static GPtrArray *selected_rows (SupaTableBrowser *self);
static SupaCell  *dup_action_cell (SupaTableBrowser *self);
static int        probe_compare_cb (gconstpointer a, gconstpointer b, gpointer user_data);

/* --- helpers ------------------------------------------------------------ */

static void
set_str (char       **dest,
         const char  *value)
{
  if (g_strcmp0 (*dest, value) == 0)
    return;
  g_free (*dest);
  *dest = g_strdup (value);
}

static GtkWindow *
get_window (SupaTableBrowser *self)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));

  return GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL;
}

static void
show_error (SupaTableBrowser *self,
            const char       *text)
{
  set_str (&self->error_text, text);
  gtk_label_set_label (self->error_label, text != NULL ? text : "");
  gtk_revealer_set_reveal_child (self->error_revealer, text != NULL);
}

static SupaTableInfo *
current_table (SupaTableBrowser *self)
{
  return self->model != NULL ? supa_row_model_get_table (self->model) : NULL;
}

static gboolean
table_has_primary_key (SupaTableInfo *table)
{
  const char * const *pk = supa_table_info_get_primary_key (table);

  return pk != NULL && pk[0] != NULL;
}

static gboolean
can_edit (SupaTableBrowser *self)
{
  SupaTableInfo *table = current_table (self);

  return table != NULL && supa_table_info_get_updatable (table) && table_has_primary_key (table);
}

/* Production profiles confirm destructive work by typing the table name
 * into a confirm_entry_new(); deletes and bulk updates share these. */
static gboolean
confirm_by_typing (SupaTableBrowser *self)
{
  return self->profile != NULL && supa_profile_is_production (self->profile) &&
         g_settings_get_boolean (self->settings, "confirm-production-by-typing");
}

static GtkWidget *
confirm_entry_new (void)
{
  GtkWidget *entry = gtk_entry_new ();

  gtk_widget_set_name (entry, "confirm-entry");
  gtk_accessible_update_property (GTK_ACCESSIBLE (entry),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, _("Table name"), -1);
  return entry;
}

static gboolean
confirm_entry_matches (GtkWidget  *entry,
                       const char *table_name)
{
  return g_strcmp0 (gtk_editable_get_text (GTK_EDITABLE (entry)), table_name) == 0;
}

/* A column name as `select=` takes it. */
static char *
quoted_column (const char *name)
{
  gboolean plain = name[0] != '\0' && !g_ascii_isdigit (name[0]);

  for (const char *p = name; plain && *p != '\0'; p++)
    plain = g_ascii_isalnum (*p) || *p == '_';
  if (plain)
    return g_strdup (name);
  return g_strdup_printf ("\"%s\"", name);
}

static SupaQuery *
table_query (SupaTableInfo *table)
{
  SupaQuery *query = supa_query_new (supa_table_info_get_name (table));

  supa_query_set_schema (query, supa_table_info_get_schema (table));
  return query;
}

/* --- advanced filter parsing -------------------------------------------- */

/* Splits @text at @sep outside parentheses, braces and double quotes. */
static GPtrArray *
split_top_level (const char  *text,
                 char         sep,
                 GError     **error)
{
  g_autoptr(GPtrArray) parts = g_ptr_array_new_with_free_func (g_free);
  const char *start = text;
  int depth = 0;
  gboolean quoted = FALSE;

  for (const char *p = text; ; p++)
    {
      if (*p == '\0' || (*p == sep && depth == 0 && !quoted))
        {
          g_autofree char *part = g_strstrip (g_strndup (start, p - start));

          if (*part != '\0')
            g_ptr_array_add (parts, g_steal_pointer (&part));
          if (*p == '\0')
            break;
          start = p + 1;
          continue;
        }

      if (quoted)
        {
          if (*p == '\\' && p[1] != '\0')
            p++;
          else if (*p == '"')
            quoted = FALSE;
        }
      else if (*p == '"')
        quoted = TRUE;
      else if (*p == '(' || *p == '{')
        depth++;
      else if (*p == ')' || *p == '}')
        depth--;

      if (depth < 0)
        break;
    }

  if (depth != 0 || quoted)
    {
      g_set_error (error, SUPA_ERROR, SUPA_ERROR_INVALID_INPUT,
                   _("Unbalanced parentheses or quotes in “%s”"), text);
      return NULL;
    }

  return g_steal_pointer (&parts);
}

/* "op.value" or "not.op.value" → op (with not.) and value. */
static gboolean
split_operator (const char  *text,
                char       **op,
                char       **value,
                GError     **error)
{
  gboolean negated = g_str_has_prefix (text, "not.");
  const char *rest = negated ? text + 4 : text;
  const char *dot = strchr (rest, '.');
  g_autofree char *name = NULL;

  name = dot != NULL ? g_strndup (rest, dot - rest) : g_strdup (rest);
  if (dot == NULL || !g_strv_contains (known_ops, name))
    {
      g_set_error (error, SUPA_ERROR, SUPA_ERROR_INVALID_INPUT,
                   _("“%s” does not start with a known operator such as eq. or ilike."), text);
      return FALSE;
    }

  *op = negated ? g_strconcat ("not.", name, NULL) : g_steal_pointer (&name);
  *value = g_strdup (dot + 1);
  return TRUE;
}

static gboolean parse_list (const char *inner, SupaFilterGroup *group, GError **error);

/* "or(…)", "not.and(…)" → a nested group; FALSE when @item is no group. */
static gboolean
parse_group_item (const char       *key,
                  const char       *list,
                  SupaFilterGroup  *group,
                  gboolean         *is_group,
                  GError          **error)
{
  g_autoptr(SupaFilterGroup) child = NULL;
  g_autofree char *inner = NULL;
  gboolean negated = g_str_has_prefix (key, "not.");
  const char *logic = negated ? key + 4 : key;
  gsize len;

  *is_group = g_str_equal (logic, "or") || g_str_equal (logic, "and");
  if (!*is_group)
    return TRUE;

  len = strlen (list);
  if (len < 2 || list[0] != '(' || list[len - 1] != ')')
    {
      g_set_error (error, SUPA_ERROR, SUPA_ERROR_INVALID_INPUT,
                   _("“%s” must be followed by a list in parentheses, e.g. or=(a.eq.1,b.gt.2)"), key);
      return FALSE;
    }

  inner = g_strndup (list + 1, len - 2);
  child = supa_filter_group_new (g_str_equal (logic, "or") ? SUPA_FILTER_OR : SUPA_FILTER_AND, negated);
  if (!parse_list (inner, child, error))
    return FALSE;
  supa_filter_group_add_group (group, child);
  return TRUE;
}

static gboolean
parse_list (const char       *inner,
            SupaFilterGroup  *group,
            GError          **error)
{
  g_autoptr(GPtrArray) items = split_top_level (inner, ',', error);

  if (items == NULL)
    return FALSE;

  if (items->len == 0)
    {
      g_set_error_literal (error, SUPA_ERROR, SUPA_ERROR_INVALID_INPUT, _("An empty list of conditions"));
      return FALSE;
    }

  for (guint i = 0; i < items->len; i++)
    {
      const char *item = g_ptr_array_index (items, i);
      const char *paren = strchr (item, '(');
      const char *dot = strchr (item, '.');
      g_autofree char *column = NULL;
      g_autofree char *op = NULL;
      g_autofree char *value = NULL;
      gboolean is_group = FALSE;

      if (paren != NULL && (dot == NULL || paren < dot || g_str_has_prefix (item, "not.")))
        {
          g_autofree char *key = g_strndup (item, paren - item);

          if (!parse_group_item (key, paren, group, &is_group, error))
            return FALSE;
          if (is_group)
            continue;
        }

      if (dot == NULL)
        {
          g_set_error (error, SUPA_ERROR, SUPA_ERROR_INVALID_INPUT,
                       _("“%s” is not a condition: write column.operator.value"), item);
          return FALSE;
        }

      column = g_strndup (item, dot - item);
      if (!split_operator (dot + 1, &op, &value, error))
        return FALSE;
      supa_filter_group_add_raw (group, column, op, value);
    }

  return TRUE;
}

gboolean
supa_table_browser_parse_filter (const char       *text,
                                 SupaFilterGroup  *group,
                                 GError          **error)
{
  g_autoptr(GPtrArray) parts = NULL;

  g_return_val_if_fail (text != NULL, FALSE);
  g_return_val_if_fail (group != NULL, FALSE);

  parts = split_top_level (text, '&', error);
  if (parts == NULL)
    return FALSE;

  for (guint i = 0; i < parts->len; i++)
    {
      const char *part = g_ptr_array_index (parts, i);
      const char *eq = strchr (part, '=');
      g_autofree char *key = NULL;
      g_autofree char *op = NULL;
      g_autofree char *value = NULL;
      gboolean is_group = FALSE;

      if (eq == NULL || eq == part)
        {
          g_set_error (error, SUPA_ERROR, SUPA_ERROR_INVALID_INPUT,
                       _("“%s” is not a filter: write column=operator.value or or=(…)"), part);
          return FALSE;
        }

      key = g_strstrip (g_strndup (part, eq - part));
      if (!parse_group_item (key, eq + 1, group, &is_group, error))
        return FALSE;
      if (is_group)
        continue;

      if (!split_operator (eq + 1, &op, &value, error))
        return FALSE;
      supa_filter_group_add_raw (group, key, op, value);
    }

  return TRUE;
}

/* GTK 4.8 asks the X server for the pointer (a synchronous round trip)
 * on every gtk_widget_set_tooltip_text(), even for the same text; the
 * status and the actions are updated whenever a page request starts or
 * ends. */
static void
set_tooltip (GtkWidget  *widget,
             const char *text)
{
  if (text != NULL && *text == '\0')
    text = NULL;
  if (g_strcmp0 (gtk_widget_get_tooltip_text (widget), text) != 0)
    gtk_widget_set_tooltip_text (widget, text);
}

/* --- status ------------------------------------------------------------- */

static void
update_status (SupaTableBrowser *self)
{
  const GError *error;
  const char *reason;
  gint64 count;
  gboolean estimate;
  g_autofree char *text = NULL;

  if (self->model == NULL)
    return;

  count = supa_row_model_get_count (self->model);
  estimate = supa_row_model_get_count_is_estimate (self->model);

  if (count < 0)
    text = g_strdup (_("Counting rows…"));
  else if (estimate)
    /* Translators: an estimated number of rows, e.g. "≈ 1000000 rows" */
    text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "≈ %'" G_GINT64_FORMAT " row", "≈ %'" G_GINT64_FORMAT " rows", (gulong) count), count);
  else
    text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%'" G_GINT64_FORMAT " row", "%'" G_GINT64_FORMAT " rows", (gulong) count), count);

  gtk_label_set_label (self->count_label, text);
  gtk_widget_set_visible (GTK_WIDGET (self->count_button), count >= 0 && estimate);

  reason = supa_row_model_get_read_only_reason (self->model);
  gtk_label_set_label (self->readonly_label, reason != NULL ? reason : "");
  set_tooltip (GTK_WIDGET (self->readonly_label), reason);
  gtk_widget_set_visible (GTK_WIDGET (self->readonly_label), reason != NULL && *reason != '\0');

  gtk_spinner_set_spinning (self->spinner, supa_row_model_get_loading (self->model) || self->deleting > 0);

  error = supa_row_model_get_error (self->model);
  if (error != NULL)
    {
      g_autofree char *message = supa_error_dup_display_text (error);

      show_error (self, message);
    }
  else if (self->deleting == 0)
    show_error (self, NULL);

  update_actions (self);
}

static void
update_actions (SupaTableBrowser *self)
{
  SupaTableInfo *table = current_table (self);
  gboolean open = table != NULL && g_strcmp0 (gtk_stack_get_visible_child_name (self->stack), "table") == 0;
  gboolean selected = FALSE;

  if (self->selection != NULL)
    {
      g_autoptr(GtkBitset) set = gtk_selection_model_get_selection (GTK_SELECTION_MODEL (self->selection));

      selected = !gtk_bitset_is_empty (set);
    }

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "table.find", open);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "table.refresh", open);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "table.apply-filter", open);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "table.clear-filter", open);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "table.no-op", FALSE);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "table.insert",
                                 open && supa_table_info_get_insertable (table));
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "table.delete",
                                 open && selected && self->deleting == 0 &&
                                 supa_table_info_get_deletable (table) && table_has_primary_key (table));
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "table.count-exact",
                                 open && supa_row_model_get_count_is_estimate (self->model));
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "table.copy", open && selected);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "table.sort-column", open);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "table.sort-add", open);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "table.clear-sort", open && self->sort_keys->len > 0);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "table.bulk-update",
                                 open && selected && !self->bulk_running && can_edit (self));
  if (self->bulk_button != NULL)
    {
      const char *reason = self->model != NULL ? supa_row_model_get_read_only_reason (self->model) : NULL;

      /* A disabled button still shows its tooltip: say why. */
      if (open && !can_edit (self))
        set_tooltip (self->bulk_button,
                     reason != NULL && *reason != '\0' ? reason
                     : _("This relation cannot be updated: it has no primary key or takes no updates"));
      else if (open && !selected)
        set_tooltip (self->bulk_button, _("Select rows to set a column on them (Ctrl+Shift+E)"));
      else
        set_tooltip (self->bulk_button, _("Set a Column on the Selected Rows (Ctrl+Shift+E)"));
    }
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "table.details", open);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "table.follow-fk", open);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "table.duplicate",
                                 open && selected && supa_table_info_get_insertable (table));
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "table.export", open);
  /* Views take no POST (the sidebar shows them read-only). */
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "table.import",
                                 open && supa_table_info_get_insertable (table));
}

/* --- cell editing ------------------------------------------------------- */

static void
edit_state_free (EditState *state)
{
  g_clear_object (&state->row);
  g_clear_object (&state->column);
  g_clear_pointer (&state->pending, json_node_unref);
  g_free (state);
}

static void
close_edit (SupaTableBrowser *self)
{
  EditState *state = self->edit;

  if (state == NULL)
    return;

  self->edit = NULL;
  if (state->popover != NULL)
    {
      g_signal_handlers_disconnect_by_data (state->popover, self);
      gtk_popover_popdown (state->popover);
      gtk_widget_unparent (GTK_WIDGET (state->popover));
    }
  edit_state_free (state);
}

static void
close_edit_and_refocus (SupaTableBrowser *self)
{
  close_edit (self);
  if (gtk_widget_get_mapped (GTK_WIDGET (self->column_view)))
    gtk_widget_grab_focus (GTK_WIDGET (self->column_view));
}

static gboolean
close_edit_idle_cb (gpointer user_data)
{
  SupaTableBrowser *self = user_data;

  if (self->edit != NULL && !self->edit->busy)
    close_edit_and_refocus (self);
  return G_SOURCE_REMOVE;
}

static void
edit_popover_closed_cb (SupaTableBrowser *self)
{
  /* Escape or a click outside: nothing is sent. A request in flight still
   * finishes and updates the row. */
  if (self->edit != NULL && !self->edit->busy)
    g_idle_add_full (G_PRIORITY_DEFAULT_IDLE, G_SOURCE_FUNC (close_edit_idle_cb),
                     g_object_ref (self), g_object_unref);
}

static void
edit_show_error (EditState  *state,
                 const char *text)
{
  gtk_label_set_label (state->error_label, text != NULL ? text : "");
  gtk_widget_set_visible (GTK_WIDGET (state->error_label), text != NULL);
}

static void send_edit (SupaTableBrowser *self, gboolean match_original);

static void
update_cb (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(SupaTableBrowser) self = user_data;
  g_autoptr(SupaResult) res = NULL;
  g_autoptr(GError) error = NULL;
  EditState *state = self->edit;
  JsonNode *rows;

  res = supa_database_execute_finish (SUPA_DATABASE (object), result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) || state == NULL)
    return;

  state->busy = FALSE;
  gtk_widget_set_sensitive (GTK_WIDGET (state->save_button), TRUE);

  if (res == NULL)
    {
      g_autofree char *text = supa_error_dup_display_text (error);

      edit_show_error (state, text);
      gtk_button_set_label (state->save_button, _("_Retry"));
      return;
    }

  rows = supa_result_get_rows (res);
  if (rows == NULL || !JSON_NODE_HOLDS_ARRAY (rows) || json_array_get_length (json_node_get_array (rows)) == 0)
    {
      edit_show_error (state, _("The row was changed or deleted by someone else since it was loaded. Reload to see the current values, or overwrite them with yours."));
      gtk_widget_set_visible (state->conflict_box, TRUE);
      gtk_widget_set_visible (state->buttons_box, FALSE);
      return;
    }

  supa_row_model_update_row (self->model, state->row,
                             json_array_get_object_element (json_node_get_array (rows), 0));
  close_edit_and_refocus (self);
}

static void
send_edit (SupaTableBrowser *self,
           gboolean          match_original)
{
  EditState *state = self->edit;
  g_autoptr(SupaQuery) query = NULL;
  g_autoptr(JsonObject) values = NULL;
  g_autoptr(GError) error = NULL;

  if (state == NULL || state->pending == NULL || state->busy)
    return;

  values = json_object_new ();
  json_object_set_member (values, supa_column_info_get_name (state->column), json_node_copy (state->pending));

  query = table_query (current_table (self));
  supa_query_update (query, values, SUPA_COUNT_NONE);
  supa_query_returning (query, "*");
  if (!supa_row_model_filter_row (self->model, state->row, query, match_original, &error))
    {
      edit_show_error (state, error->message);
      return;
    }

  state->busy = TRUE;
  edit_show_error (state, NULL);
  gtk_widget_set_visible (state->conflict_box, FALSE);
  gtk_widget_set_visible (state->buttons_box, TRUE);
  gtk_widget_set_sensitive (GTK_WIDGET (state->save_button), FALSE);
  supa_database_execute_async (self->database, query, self->table_cancellable,
                               update_cb, g_object_ref (self));
}

static void
commit_value (SupaTableBrowser *self,
              JsonNode         *value)
{
  EditState *state = self->edit;

  if (state == NULL || state->busy)
    return;

  g_clear_pointer (&state->pending, json_node_unref);
  state->pending = value;
  send_edit (self, TRUE);
}

static void
edit_save_cb (SupaTableBrowser *self)
{
  g_autoptr(GError) error = NULL;
  JsonNode *value;

  if (self->edit == NULL)
    return;

  value = supa_value_editor_get_value (self->edit->editor, &error);
  if (value == NULL)
    {
      edit_show_error (self->edit, error->message);
      return;
    }

  commit_value (self, value);
}

static void
edit_set_null_cb (SupaTableBrowser *self)
{
  commit_value (self, json_node_new (JSON_NODE_NULL));
}

static void
edit_cancel_cb (SupaTableBrowser *self)
{
  close_edit_and_refocus (self);
}

static void
edit_reload_cb (SupaTableBrowser *self)
{
  close_edit (self);
  if (self->model != NULL)
    supa_row_model_reload (self->model);
}

static void
edit_overwrite_cb (SupaTableBrowser *self)
{
  send_edit (self, FALSE);
}

static GtkWidget *
begin_edit (SupaTableBrowser *self,
            GtkWidget        *anchor,
            SupaRow          *row,
            SupaColumnInfo   *column)
{
  EditState *state;
  GtkWidget *box;
  GtkWidget *title;
  GtkWidget *button;
  graphene_rect_t bounds;
  g_autofree char *heading = NULL;

  close_edit (self);

  if (!can_edit (self) || row == NULL || !supa_row_get_loaded (row))
    return NULL;

  state = g_new0 (EditState, 1);
  state->row = g_object_ref (row);
  state->column = g_object_ref (column);
  self->edit = state;

  box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 8);
  gtk_widget_set_size_request (box, 300, -1);

  /* Translators: heading of the cell editor, %s is a column name */
  heading = g_strdup_printf (_("Edit “%s”"), supa_column_info_get_name (column));
  title = gtk_label_new (heading);
  gtk_label_set_xalign (GTK_LABEL (title), 0);
  gtk_widget_add_css_class (title, "heading");
  gtk_box_append (GTK_BOX (box), title);

  state->editor = SUPA_VALUE_EDITOR (supa_value_editor_new (column));
  supa_value_editor_set_value (state->editor, supa_row_get_value (row, supa_column_info_get_name (column)));
  g_signal_connect_swapped (state->editor, "activate", G_CALLBACK (edit_save_cb), self);
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (state->editor));

  state->error_label = GTK_LABEL (gtk_label_new (NULL));
  gtk_label_set_wrap (state->error_label, TRUE);
  gtk_label_set_xalign (state->error_label, 0);
  gtk_label_set_max_width_chars (state->error_label, 40);
  gtk_label_set_selectable (state->error_label, TRUE);
  gtk_widget_add_css_class (GTK_WIDGET (state->error_label), "error");
  gtk_widget_set_visible (GTK_WIDGET (state->error_label), FALSE);
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (state->error_label));

  state->buttons_box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  if (supa_column_info_get_nullable (column))
    {
      button = gtk_button_new_with_mnemonic (_("Set _NULL"));
      gtk_widget_set_name (button, "set-null-button");
      g_signal_connect_swapped (button, "clicked", G_CALLBACK (edit_set_null_cb), self);
      gtk_box_append (GTK_BOX (state->buttons_box), button);
    }
  button = gtk_button_new_with_mnemonic (_("_Cancel"));
  gtk_widget_set_hexpand (button, TRUE);
  gtk_widget_set_halign (button, GTK_ALIGN_END);
  g_signal_connect_swapped (button, "clicked", G_CALLBACK (edit_cancel_cb), self);
  gtk_box_append (GTK_BOX (state->buttons_box), button);
  state->save_button = GTK_BUTTON (gtk_button_new_with_mnemonic (_("_Save")));
  gtk_widget_set_name (GTK_WIDGET (state->save_button), "save-button");
  gtk_widget_add_css_class (GTK_WIDGET (state->save_button), "suggested-action");
  g_signal_connect_swapped (state->save_button, "clicked", G_CALLBACK (edit_save_cb), self);
  gtk_box_append (GTK_BOX (state->buttons_box), GTK_WIDGET (state->save_button));
  gtk_box_append (GTK_BOX (box), state->buttons_box);

  state->conflict_box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  gtk_widget_set_halign (state->conflict_box, GTK_ALIGN_END);
  button = gtk_button_new_with_mnemonic (_("_Reload"));
  gtk_widget_set_name (button, "reload-button");
  g_signal_connect_swapped (button, "clicked", G_CALLBACK (edit_reload_cb), self);
  gtk_box_append (GTK_BOX (state->conflict_box), button);
  button = gtk_button_new_with_mnemonic (_("_Overwrite"));
  gtk_widget_set_name (button, "overwrite-button");
  gtk_widget_add_css_class (button, "destructive-action");
  g_signal_connect_swapped (button, "clicked", G_CALLBACK (edit_overwrite_cb), self);
  gtk_box_append (GTK_BOX (state->conflict_box), button);
  gtk_widget_set_visible (state->conflict_box, FALSE);
  gtk_box_append (GTK_BOX (box), state->conflict_box);

  state->popover = GTK_POPOVER (gtk_popover_new ());
  gtk_popover_set_child (state->popover, box);
  gtk_popover_set_position (state->popover, GTK_POS_BOTTOM);
  gtk_widget_set_parent (GTK_WIDGET (state->popover), self->table_page);
  if (anchor != NULL && gtk_widget_compute_bounds (anchor, self->table_page, &bounds))
    gtk_popover_set_pointing_to (state->popover, &(GdkRectangle) {
                                   (int) bounds.origin.x, (int) bounds.origin.y,
                                   MAX (1, (int) bounds.size.width), MAX (1, (int) bounds.size.height) });
  g_signal_connect_swapped (state->popover, "closed", G_CALLBACK (edit_popover_closed_cb), self);
  gtk_popover_popup (state->popover);
  supa_value_editor_focus (state->editor);

  return GTK_WIDGET (state->popover);
}

static void
cell_edit_requested_cb (SupaCell         *cell,
                        SupaTableBrowser *self)
{
  begin_edit (self, GTK_WIDGET (cell), supa_cell_get_row (cell), supa_cell_get_column (cell));
}

static void
cell_pressed_cb (SupaCell         *cell,
                 SupaTableBrowser *self)
{
  g_weak_ref_set (&self->last_cell, cell);
}

/* Double click or Enter on a row: edit the cell that was clicked (or has
 * the focus), else the row's first column. */
static void
row_activate_cb (SupaTableBrowser *self,
                 guint             position)
{
  g_autoptr(SupaCell) last = g_weak_ref_get (&self->last_cell);
  g_autoptr(SupaRow) row = NULL;
  g_autoptr(GtkColumnViewColumn) first = NULL;
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
  GtkWidget *focus = root != NULL ? gtk_root_get_focus (root) : NULL;
  SupaCell *cell = NULL;

  if (self->model == NULL)
    return;

  while (focus != NULL && !SUPA_IS_CELL (focus))
    focus = gtk_widget_get_parent (focus);

  if (focus != NULL && supa_cell_get_row (SUPA_CELL (focus)) != NULL &&
      supa_row_get_position (supa_cell_get_row (SUPA_CELL (focus))) == position)
    cell = SUPA_CELL (focus);
  else if (last != NULL && supa_cell_get_row (last) != NULL &&
           supa_row_get_position (supa_cell_get_row (last)) == position)
    cell = last;

  if (cell != NULL)
    {
      begin_edit (self, GTK_WIDGET (cell), supa_cell_get_row (cell), supa_cell_get_column (cell));
      return;
    }

  row = g_list_model_get_item (G_LIST_MODEL (self->model), position);
  first = g_list_model_get_item (gtk_column_view_get_columns (self->column_view), 0);
  if (row != NULL && first != NULL)
    begin_edit (self, NULL, row, g_object_get_data (G_OBJECT (first), "supa-column"));
}

/* --- row context menu --------------------------------------------------- */

static GMenuModel *
row_menu_model (void)
{
  GMenu *menu = g_menu_new ();
  g_autoptr(GMenu) section = g_menu_new ();

  g_menu_append (section, _("_Duplicate Row"), "table.duplicate");
  g_menu_append (section, _("Row _Details"), "table.details");
  g_menu_append (section, _("_Go to Referenced Row"), "table.follow-fk");
  g_menu_append_section (menu, NULL, G_MENU_MODEL (section));
  g_clear_object (&section);
  section = g_menu_new ();
  g_menu_append (section, _("Copy Selection as _TSV"), "table.copy::tsv");
  g_menu_append (section, _("Copy Selection as _JSON"), "table.copy::json");
  g_menu_append_section (menu, NULL, G_MENU_MODEL (section));
  g_clear_object (&section);
  section = g_menu_new ();
  g_menu_append (section, _("_Set Column on Selected Rows…"), "table.bulk-update");
  g_menu_append (section, _("De_lete Selected Rows"), "table.delete");
  g_menu_append_section (menu, NULL, G_MENU_MODEL (section));

  return G_MENU_MODEL (menu);
}

/* A right click selects the row under the pointer (keeping a selection
 * that holds it) and opens the row menu there. */
static void
cell_context_pressed_cb (GtkGestureClick  *gesture,
                         int               n_press,
                         double            x,
                         double            y,
                         SupaTableBrowser *self)
{
  GtkWidget *cell = gtk_event_controller_get_widget (GTK_EVENT_CONTROLLER (gesture));
  SupaRow *row = supa_cell_get_row (SUPA_CELL (cell));
  graphene_point_t point;

  if (row == NULL || self->selection == NULL || self->row_menu == NULL)
    return;

  gtk_gesture_set_state (GTK_GESTURE (gesture), GTK_EVENT_SEQUENCE_CLAIMED);
  g_weak_ref_set (&self->last_cell, cell);
  if (!gtk_selection_model_is_selected (GTK_SELECTION_MODEL (self->selection), supa_row_get_position (row)))
    gtk_selection_model_select_item (GTK_SELECTION_MODEL (self->selection), supa_row_get_position (row), TRUE);

  /* After the selection changed (which enables the actions again). */
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "table.follow-fk",
                                 supa_column_info_get_fk_table (supa_cell_get_column (SUPA_CELL (cell))) != NULL);

  if (!gtk_widget_compute_point (cell, self->table_page, &GRAPHENE_POINT_INIT ((float) x, (float) y), &point))
    return;
  gtk_popover_set_pointing_to (GTK_POPOVER (self->row_menu),
                               &(GdkRectangle) { (int) point.x, (int) point.y, 1, 1 });
  gtk_popover_popup (GTK_POPOVER (self->row_menu));
}

/* --- columns ------------------------------------------------------------ */

static void
cell_setup_cb (GtkSignalListItemFactory *factory,
               GtkListItem              *item,
               SupaTableBrowser         *self)
{
  SupaColumnInfo *column = g_object_get_data (G_OBJECT (factory), "supa-column");
  GtkWidget *cell = supa_cell_new (column);
  GtkGesture *gesture;

  g_signal_connect_object (cell, "edit-requested", G_CALLBACK (cell_edit_requested_cb), self, 0);
  g_signal_connect_object (cell, "pressed", G_CALLBACK (cell_pressed_cb), self, 0);
  gesture = gtk_gesture_click_new ();
  gtk_gesture_single_set_button (GTK_GESTURE_SINGLE (gesture), GDK_BUTTON_SECONDARY);
  g_signal_connect_object (gesture, "pressed", G_CALLBACK (cell_context_pressed_cb), self, 0);
  gtk_widget_add_controller (cell, GTK_EVENT_CONTROLLER (gesture));
  gtk_list_item_set_child (item, cell);
}

static void
cell_bind_cb (GtkSignalListItemFactory *factory,
              GtkListItem              *item)
{
  supa_cell_set_row (SUPA_CELL (gtk_list_item_get_child (item)), gtk_list_item_get_item (item));
}

static void
cell_unbind_cb (GtkSignalListItemFactory *factory,
                GtkListItem              *item)
{
  supa_cell_set_row (SUPA_CELL (gtk_list_item_get_child (item)), NULL);
}

static char *
column_title (SupaColumnInfo *column)
{
  GString *title = g_string_new (supa_column_info_get_name (column));

  if (supa_column_info_get_is_primary_key (column))
    /* Translators: marks a primary key column in the grid header */
    g_string_append_printf (title, " (%s)", C_("primary key", "PK"));
  if (supa_column_info_get_fk_table (column) != NULL)
    g_string_append_printf (title, " → %s", supa_column_info_get_fk_table (column));
  g_string_append_printf (title, " · %s", supa_column_info_get_type_name (column));

  return g_string_free (title, FALSE);
}

/* GTK 4.8 gives no access to a column header, so the comment, the
 * foreign key and "Hide" live in the header's context menu. */
static GMenuModel *
column_menu (SupaColumnInfo *column)
{
  GMenu *menu = g_menu_new ();
  g_autoptr(GMenu) about = g_menu_new ();
  g_autoptr(GMenu) actions = g_menu_new ();
  g_autoptr(GMenuItem) hide = NULL;
  const char *comment = supa_column_info_get_comment (column);
  g_autofree char *type = NULL;

  /* Translators: in a column's header menu; %s is a PostgreSQL type */
  type = g_strdup_printf (_("Type: %s"), supa_column_info_get_type_name (column));
  g_menu_append (about, type, "table.no-op");
  if (supa_column_info_get_fk_table (column) != NULL)
    {
      g_autofree char *fk = NULL;

      /* Translators: in a column's header menu; table.column a foreign key points to */
      fk = g_strdup_printf (_("References %s.%s"), supa_column_info_get_fk_table (column),
                            supa_column_info_get_fk_column (column) != NULL ? supa_column_info_get_fk_column (column) : "");
      g_menu_append (about, fk, "table.no-op");
    }
  if (comment != NULL && *comment != '\0')
    g_menu_append (about, comment, "table.no-op");
  g_menu_append_section (menu, NULL, G_MENU_MODEL (about));

  {
    g_autoptr(GMenu) sorting = g_menu_new ();
    g_autoptr(GMenuItem) item = NULL;
    const char *name = supa_column_info_get_name (column);

    item = g_menu_item_new (_("Sort _Ascending"), NULL);
    g_menu_item_set_action_and_target_value (item, "table.sort-column", g_variant_new ("(sb)", name, TRUE));
    g_menu_append_item (sorting, item);
    g_clear_object (&item);
    item = g_menu_item_new (_("Sort _Descending"), NULL);
    g_menu_item_set_action_and_target_value (item, "table.sort-column", g_variant_new ("(sb)", name, FALSE));
    g_menu_append_item (sorting, item);
    g_clear_object (&item);
    /* Shift+click on a header does the same. */
    item = g_menu_item_new (_("Add to Sort or _Reverse It"), NULL);
    g_menu_item_set_action_and_target (item, "table.sort-add", "s", name);
    g_menu_append_item (sorting, item);
    g_menu_append (sorting, _("_Clear Sort"), "table.clear-sort");
    g_menu_append_section (menu, NULL, G_MENU_MODEL (sorting));
  }

  hide = g_menu_item_new (_("_Hide Column"), NULL);
  g_menu_item_set_action_and_target (hide, "table.hide-column", "s", supa_column_info_get_name (column));
  g_menu_append_item (actions, hide);
  g_menu_append (actions, _("_Show All Columns"), "table.show-all-columns");
  g_menu_append_section (menu, NULL, G_MENU_MODEL (actions));

  return G_MENU_MODEL (menu);
}

static void
no_op_action (GtkWidget  *widget,
              const char *action_name,
              GVariant   *parameter)
{
}

static GtkColumnViewColumn *
find_view_column (SupaTableBrowser *self,
                  const char       *name)
{
  GListModel *columns = gtk_column_view_get_columns (self->column_view);

  for (guint i = 0; i < g_list_model_get_n_items (columns); i++)
    {
      g_autoptr(GtkColumnViewColumn) column = g_list_model_get_item (columns, i);
      SupaColumnInfo *info = g_object_get_data (G_OBJECT (column), "supa-column");

      if (info != NULL && g_strcmp0 (supa_column_info_get_name (info), name) == 0)
        return column;
    }

  return NULL;
}

static void
hide_column_action (GtkWidget  *widget,
                    const char *action_name,
                    GVariant   *parameter)
{
  SupaTableBrowser *self = SUPA_TABLE_BROWSER (widget);
  GtkColumnViewColumn *column = find_view_column (self, g_variant_get_string (parameter, NULL));

  if (column != NULL)
    gtk_column_view_column_set_visible (column, FALSE);
}

static void
show_all_columns_action (GtkWidget  *widget,
                         const char *action_name,
                         GVariant   *parameter)
{
  SupaTableBrowser *self = SUPA_TABLE_BROWSER (widget);
  GListModel *columns = gtk_column_view_get_columns (self->column_view);

  for (guint i = 0; i < g_list_model_get_n_items (columns); i++)
    {
      g_autoptr(GtkColumnViewColumn) column = g_list_model_get_item (columns, i);

      gtk_column_view_column_set_visible (column, TRUE);
    }
}

static void
remove_columns (SupaTableBrowser *self)
{
  GListModel *columns = gtk_column_view_get_columns (self->column_view);

  while (g_list_model_get_n_items (columns) > 0)
    {
      g_autoptr(GtkColumnViewColumn) column = g_list_model_get_item (columns, 0);

      gtk_column_view_remove_column (self->column_view, column);
    }
}

/* Characters a column's values usually need, by type. */
static int
column_chars (SupaColumnInfo *column)
{
  const char *type = supa_column_info_get_type_name (column);
  gint64 max_length = supa_column_info_get_max_length (column);

  if (type != NULL && g_str_has_prefix (type, "timestamp"))
    return 19;                                    /* 2024-05-01 12:11:12 */
  if (g_strcmp0 (type, "date") == 0)
    return 10;
  if (type != NULL && g_str_has_prefix (type, "time"))
    return 15;
  if (g_strcmp0 (type, "uuid") == 0)
    return 36;

  switch (supa_column_info_get_kind (column))
    {
    case SUPA_COLUMN_KIND_BOOLEAN:
      return 5;
    case SUPA_COLUMN_KIND_INTEGER:
      return g_strcmp0 (type, "smallint") == 0 ? 6 : g_strcmp0 (type, "integer") == 0 ? 10 : 14;
    case SUPA_COLUMN_KIND_NUMBER:
      return 14;
    case SUPA_COLUMN_KIND_ENUM:
      return 14;
    case SUPA_COLUMN_KIND_JSON:
    case SUPA_COLUMN_KIND_ARRAY:
      return 28;
    case SUPA_COLUMN_KIND_TEXT:
    default:
      return max_length > 0 ? (int) CLAMP (max_length, 4, 20) : 20;
    }
}

/* Columns get a fixed (user-resizable) width from their type and title
 * instead of the widest value: GTK 4.8's column view otherwise measures
 * every bound cell of a column (about 200 rows) whenever one cell's text
 * changes, so each arriving page cost a full relayout of the grid, and
 * the columns jumped in width while scrolling. */
static int
column_width (PangoFontMetrics *metrics,
              SupaColumnInfo   *column,
              const char       *title)
{
  SupaColumnKind kind = supa_column_info_get_kind (column);
  int char_width = pango_font_metrics_get_approximate_char_width (metrics);
  int value_width = kind == SUPA_COLUMN_KIND_INTEGER || kind == SUPA_COLUMN_KIND_NUMBER
                    ? pango_font_metrics_get_approximate_digit_width (metrics) : char_width;
  /* The header also holds the sort arrow. */
  int width = MAX (column_chars (column) * value_width, ((int) g_utf8_strlen (title, -1) + 2) * char_width);

  return CLAMP (PANGO_PIXELS (width) + 24, 60, 400);
}

static void
build_columns (SupaTableBrowser *self,
               SupaTableInfo    *table)
{
  GListModel *columns = supa_table_info_get_columns (table);
  g_autoptr(GtkStringList) names = gtk_string_list_new (NULL);
  /* Once for all columns: Pango measures a sample text for it. */
  PangoFontMetrics *metrics = pango_context_get_metrics (gtk_widget_get_pango_context (GTK_WIDGET (self)),
                                                         NULL, NULL);

  remove_columns (self);

  for (guint i = 0; i < g_list_model_get_n_items (columns); i++)
    {
      g_autoptr(SupaColumnInfo) info = g_list_model_get_item (columns, i);
      g_autoptr(GtkListItemFactory) factory = gtk_signal_list_item_factory_new ();
      g_autoptr(GtkColumnViewColumn) column = NULL;
      g_autoptr(GtkSorter) sorter = NULL;
      g_autoptr(GMenuModel) menu = NULL;
      g_autofree char *title = column_title (info);

      g_object_set_data_full (G_OBJECT (factory), "supa-column", g_object_ref (info), g_object_unref);
      g_signal_connect (factory, "setup", G_CALLBACK (cell_setup_cb), self);
      g_signal_connect (factory, "bind", G_CALLBACK (cell_bind_cb), NULL);
      g_signal_connect (factory, "unbind", G_CALLBACK (cell_unbind_cb), NULL);

      column = gtk_column_view_column_new (title, g_object_ref (factory));
      gtk_column_view_column_set_resizable (column, TRUE);
      gtk_column_view_column_set_fixed_width (column, column_width (metrics, info, title));
      menu = column_menu (info);
      gtk_column_view_column_set_header_menu (column, menu);
      g_object_set_data_full (G_OBJECT (column), "supa-column", g_object_ref (info), g_object_unref);
      g_object_set_data (G_OBJECT (column), "supa-browser", self);
      sorter = GTK_SORTER (gtk_custom_sorter_new (probe_compare_cb, column, NULL));
      gtk_column_view_column_set_sorter (column, sorter);
      gtk_column_view_append_column (self->column_view, column);

      gtk_string_list_append (names, supa_column_info_get_name (info));
    }

  pango_font_metrics_unref (metrics);
  gtk_drop_down_set_model (self->filter_column, G_LIST_MODEL (names));
}

/* --- sorting ------------------------------------------------------------ */

/* The order is a list of keys kept here, primary first, because GTK 4.8's
 * GtkColumnViewSorter cannot tell its secondary columns (that API is
 * 4.10), nor whether Shift was held. Only its primary column can be read:
 * each column's sorter marks itself when asked to compare two probe
 * objects, and the view's sorter asks its primary column first.
 *
 * A header click makes the clicked column GTK's primary one (toggling
 * its direction when it already was). Shift is caught by a capture-phase
 * legacy controller on the column view that notes the modifiers of every
 * button event before the header's own gesture sees it, and forgets them
 * from a high-priority idle once the event has been dispatched: the
 * sorter's "changed" is emitted synchronously inside the header's
 * handler, so when it fires the note belongs to that very click. With
 * Shift the clicked column is appended to the keys (or its direction
 * toggled) and the view's sorter is set back to the primary key so the
 * arrow stays on it; without Shift the click's column replaces the list.
 * The keyboard gets the same through table.sort-add (Ctrl+Shift+S on a
 * cell, or the header menu). */

typedef struct
{
  char     *column;
  gboolean  ascending;
} SortKey;

static void
sort_key_free (SortKey *key)
{
  g_free (key->column);
  g_free (key);
}

static int
find_sort_key (SupaTableBrowser *self,
               const char       *column)
{
  for (guint i = 0; i < self->sort_keys->len; i++)
    {
      SortKey *key = g_ptr_array_index (self->sort_keys, i);

      if (g_str_equal (key->column, column))
        return (int) i;
    }
  return -1;
}

static void
add_sort_key (SupaTableBrowser *self,
              const char       *column,
              gboolean          ascending)
{
  SortKey *key = g_new0 (SortKey, 1);

  key->column = g_strdup (column);
  key->ascending = ascending;
  g_ptr_array_add (self->sort_keys, key);
}

/* The headers number the keys when there are several ("name · text ↑1");
 * the status bar spells the order out. */
static void
show_sort (SupaTableBrowser *self)
{
  GListModel *columns = gtk_column_view_get_columns (self->column_view);
  g_autoptr(GString) text = g_string_new (NULL);

  for (guint i = 0; i < g_list_model_get_n_items (columns); i++)
    {
      g_autoptr(GtkColumnViewColumn) column = g_list_model_get_item (columns, i);
      SupaColumnInfo *info = g_object_get_data (G_OBJECT (column), "supa-column");
      g_autofree char *title = NULL;
      int index;

      if (info == NULL)
        continue;
      title = column_title (info);
      index = find_sort_key (self, supa_column_info_get_name (info));
      if (index >= 0 && self->sort_keys->len > 1)
        {
          SortKey *key = g_ptr_array_index (self->sort_keys, index);
          g_autofree char *numbered = g_strdup_printf ("%s %s%d", title, key->ascending ? "↑" : "↓", index + 1);

          gtk_column_view_column_set_title (column, numbered);
        }
      else
        gtk_column_view_column_set_title (column, title);
    }

  for (guint i = 0; i < self->sort_keys->len; i++)
    {
      SortKey *key = g_ptr_array_index (self->sort_keys, i);

      if (i > 0)
        g_string_append (text, ", ");
      g_string_append_printf (text, "%s %s", key->column, key->ascending ? "↑" : "↓");
    }

  if (text->len > 0)
    {
      g_autofree char *label = NULL;

      /* Translators: the grid's order, %s is e.g. "continent ↑, name ↓" */
      label = g_strdup_printf (_("Sorted by %s"), text->str);
      gtk_label_set_label (self->sort_label, label);
    }
  else
    gtk_label_set_label (self->sort_label, "");
  gtk_widget_set_visible (GTK_WIDGET (self->sort_label), text->len > 0);
}

/* Sends the keys to the model (which appends the key as tie-breaker). */
static void
apply_sort (SupaTableBrowser *self)
{
  g_autoptr(GString) sort = g_string_new (NULL);

  for (guint i = 0; i < self->sort_keys->len; i++)
    {
      SortKey *key = g_ptr_array_index (self->sort_keys, i);
      g_autofree char *column = quoted_column (key->column);

      if (i > 0)
        g_string_append_c (sort, ',');
      g_string_append_printf (sort, "%s.%s", column, key->ascending ? "asc" : "desc");
    }

  show_sort (self);
  if (self->model != NULL)
    {
      close_edit (self);
      supa_row_model_set_sort (self->model, sort->len > 0 ? sort->str : NULL);
    }
  update_actions (self);
}

/* Makes the view's sorter show the primary key (its arrow), without
 * reacting to the change it causes. */
static void
sync_view_sorter (SupaTableBrowser *self)
{
  GtkColumnViewColumn *column = NULL;
  SortKey *primary = self->sort_keys->len > 0 ? g_ptr_array_index (self->sort_keys, 0) : NULL;

  if (primary != NULL)
    column = find_view_column (self, primary->column);

  self->syncing_sorter = TRUE;
  gtk_column_view_sort_by_column (self->column_view, column,
                                  primary == NULL || primary->ascending ? GTK_SORT_ASCENDING : GTK_SORT_DESCENDING);
  self->syncing_sorter = FALSE;
}

/* Adds @column as the last key, or toggles its direction when it is one. */
static void
add_or_toggle_sort_key (SupaTableBrowser *self,
                        const char       *column)
{
  int index = find_sort_key (self, column);

  if (index >= 0)
    {
      SortKey *key = g_ptr_array_index (self->sort_keys, index);

      key->ascending = !key->ascending;
    }
  else
    add_sort_key (self, column, TRUE);

  sync_view_sorter (self);
  apply_sort (self);
}

static int
probe_compare_cb (gconstpointer a,
                  gconstpointer b,
                  gpointer      user_data)
{
  GtkColumnViewColumn *column = user_data;
  SupaTableBrowser *self = g_object_get_data (G_OBJECT (column), "supa-browser");

  if (self != NULL && self->probed_column == NULL)
    self->probed_column = column;

  return a == b ? GTK_ORDERING_EQUAL : GTK_ORDERING_SMALLER;
}

static void
sorter_changed_cb (SupaTableBrowser *self)
{
  GtkSorter *sorter = gtk_column_view_get_sorter (self->column_view);
  SupaColumnInfo *info = NULL;
  GtkOrdering order;

  if (self->model == NULL || sorter == NULL || self->syncing_sorter)
    return;

  self->probed_column = NULL;
  order = gtk_sorter_compare (sorter, self->probe_a, self->probe_b);
  if (self->probed_column != NULL && order != GTK_ORDERING_EQUAL)
    info = g_object_get_data (G_OBJECT (self->probed_column), "supa-column");
  self->probed_column = NULL;

  if (info != NULL && self->shift_click && self->sort_keys->len > 0)
    {
      add_or_toggle_sort_key (self, supa_column_info_get_name (info));
      return;
    }

  g_ptr_array_set_size (self->sort_keys, 0);
  if (info != NULL)
    add_sort_key (self, supa_column_info_get_name (info), order == GTK_ORDERING_SMALLER);
  apply_sort (self);
}

static gboolean
forget_modifiers_cb (gpointer user_data)
{
  SupaTableBrowser *self = user_data;

  self->shift_click = FALSE;
  self->forget_modifiers_id = 0;
  return G_SOURCE_REMOVE;
}

static gboolean
column_view_event_cb (GtkEventControllerLegacy *controller,
                      GdkEvent                 *event,
                      SupaTableBrowser         *self)
{
  GdkEventType type = gdk_event_get_event_type (event);

  if (type == GDK_BUTTON_PRESS || type == GDK_BUTTON_RELEASE ||
      type == GDK_TOUCH_BEGIN || type == GDK_TOUCH_END)
    {
      self->shift_click = (gdk_event_get_modifier_state (event) & GDK_SHIFT_MASK) != 0;
      if (self->forget_modifiers_id == 0)
        self->forget_modifiers_id = g_idle_add_full (G_PRIORITY_HIGH, forget_modifiers_cb, self, NULL);
    }

  return GDK_EVENT_PROPAGATE;
}

static void
sort_add_action (GtkWidget  *widget,
                 const char *action_name,
                 GVariant   *parameter)
{
  SupaTableBrowser *self = SUPA_TABLE_BROWSER (widget);
  const char *column = g_variant_get_string (parameter, NULL);

  if (self->model == NULL)
    return;

  /* "" from the keyboard: the focused (or last clicked) cell's column. */
  if (*column == '\0')
    {
      g_autoptr(SupaCell) cell = dup_action_cell (self);

      if (cell == NULL)
        return;
      column = supa_column_info_get_name (supa_cell_get_column (cell));
    }

  if (find_view_column (self, column) == NULL)
    return;
  add_or_toggle_sort_key (self, column);
}

static void
sort_column_action (GtkWidget  *widget,
                    const char *action_name,
                    GVariant   *parameter)
{
  SupaTableBrowser *self = SUPA_TABLE_BROWSER (widget);
  const char *column = NULL;
  gboolean ascending = TRUE;

  g_variant_get (parameter, "(&sb)", &column, &ascending);
  if (self->model == NULL || find_view_column (self, column) == NULL)
    return;

  g_ptr_array_set_size (self->sort_keys, 0);
  add_sort_key (self, column, ascending);
  sync_view_sorter (self);
  apply_sort (self);
}

static void
clear_sort_action (GtkWidget  *widget,
                   const char *action_name,
                   GVariant   *parameter)
{
  SupaTableBrowser *self = SUPA_TABLE_BROWSER (widget);

  g_ptr_array_set_size (self->sort_keys, 0);
  sync_view_sorter (self);
  apply_sort (self);
}

/* --- row details -------------------------------------------------------- */

/* The whole value, as a user reads it: text as it is, JSON indented. */
static char *
detail_text (JsonNode *value,
             gboolean *is_null)
{
  *is_null = FALSE;

  if (value == NULL)
    return g_strdup ("");
  if (JSON_NODE_HOLDS_NULL (value))
    {
      *is_null = TRUE;
      return g_strdup ("NULL");
    }
  if (JSON_NODE_HOLDS_VALUE (value) && json_node_get_value_type (value) == G_TYPE_STRING)
    return g_strdup (json_node_get_string (value));
  if (JSON_NODE_HOLDS_VALUE (value))
    return supa_cell_format_value (value, NULL);

  return json_to_string (value, TRUE);
}

static void
update_details (SupaTableBrowser *self)
{
  SupaTableInfo *table = current_table (self);
  g_autoptr(GPtrArray) rows = NULL;
  SupaRow *row = NULL;
  GListModel *columns;
  GtkWidget *child;

  if (self->details_box == NULL)
    return;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->details_box))) != NULL)
    gtk_box_remove (self->details_box, child);

  rows = selected_rows (self);
  if (rows->len > 0)
    row = g_ptr_array_index (rows, 0);

  /* Follow the shown row: a reload or an edit changes its values. */
  if (self->details_row != row)
    {
      if (self->details_row != NULL)
        g_signal_handlers_disconnect_by_data (self->details_row, self);
      g_set_object (&self->details_row, row);
      if (row != NULL)
        {
          g_signal_connect_object (row, "notify::values", G_CALLBACK (update_details), self, G_CONNECT_SWAPPED);
          g_signal_connect_object (row, "notify::loaded", G_CALLBACK (update_details), self, G_CONNECT_SWAPPED);
        }
    }

  if (row == NULL || table == NULL)
    {
      GtkWidget *empty = gtk_label_new (_("Select a row to see all of its values."));

      gtk_label_set_wrap (GTK_LABEL (empty), TRUE);
      gtk_widget_add_css_class (empty, "dim-label");
      gtk_box_append (self->details_box, empty);
      gtk_label_set_label (self->details_title, _("Row Details"));
      return;
    }

  {
    g_autofree char *title = NULL;

    /* Translators: heading of the row details panel, %u is a row number */
    title = g_strdup_printf (_("Row %u"), supa_row_get_position (row) + 1);
    gtk_label_set_label (self->details_title, title);
  }

  columns = supa_table_info_get_columns (table);
  for (guint i = 0; i < g_list_model_get_n_items (columns); i++)
    {
      g_autoptr(SupaColumnInfo) column = g_list_model_get_item (columns, i);
      const char *name = supa_column_info_get_name (column);
      g_autofree char *text = NULL;
      gboolean is_null;
      GtkWidget *heading = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
      GtkWidget *label;
      GtkWidget *value;

      label = gtk_label_new (name);
      gtk_widget_add_css_class (label, "heading");
      gtk_label_set_xalign (GTK_LABEL (label), 0);
      gtk_box_append (GTK_BOX (heading), label);
      label = gtk_label_new (supa_column_info_get_type_name (column));
      gtk_widget_add_css_class (label, "caption");
      gtk_widget_add_css_class (label, "dim-label");
      gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_END);
      gtk_label_set_xalign (GTK_LABEL (label), 0);
      gtk_box_append (GTK_BOX (heading), label);
      gtk_box_append (self->details_box, heading);

      text = supa_row_get_loaded (row) ? detail_text (supa_row_get_value (row, name), &is_null)
                                       : (is_null = FALSE, g_strdup ("…"));
      value = gtk_label_new (text);
      g_object_set_data_full (G_OBJECT (value), "supa-column", g_strdup (name), g_free);
      gtk_widget_set_name (value, "detail-value");
      gtk_label_set_selectable (GTK_LABEL (value), TRUE);
      gtk_label_set_wrap (GTK_LABEL (value), TRUE);
      gtk_label_set_wrap_mode (GTK_LABEL (value), PANGO_WRAP_WORD_CHAR);
      gtk_label_set_max_width_chars (GTK_LABEL (value), 36);
      gtk_label_set_xalign (GTK_LABEL (value), 0);
      gtk_widget_set_margin_bottom (value, 6);
      if (is_null)
        gtk_widget_add_css_class (value, "dim-label");
      if (supa_column_info_get_kind (column) == SUPA_COLUMN_KIND_JSON ||
          supa_column_info_get_kind (column) == SUPA_COLUMN_KIND_ARRAY)
        gtk_widget_add_css_class (value, "monospace");
      gtk_accessible_update_property (GTK_ACCESSIBLE (value),
                                      GTK_ACCESSIBLE_PROPERTY_LABEL, name, -1);
      gtk_box_append (self->details_box, value);
    }
}

static void
details_action (GtkWidget  *widget,
                const char *action_name,
                GVariant   *parameter)
{
  SupaTableBrowser *self = SUPA_TABLE_BROWSER (widget);

  adw_flap_set_reveal_flap (self->details_flap, !adw_flap_get_reveal_flap (self->details_flap));
}

static GtkWidget *
build_details_panel (SupaTableBrowser *self)
{
  GtkWidget *panel = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  GtkWidget *scrolled = gtk_scrolled_window_new ();

  gtk_widget_add_css_class (panel, "background");
  gtk_widget_set_size_request (panel, 300, -1);
  gtk_widget_set_name (panel, "row-details");
  gtk_accessible_update_property (GTK_ACCESSIBLE (panel),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, _("Row details"), -1);

  self->details_title = GTK_LABEL (gtk_label_new (_("Row Details")));
  gtk_widget_add_css_class (GTK_WIDGET (self->details_title), "heading");
  gtk_label_set_xalign (self->details_title, 0);
  gtk_widget_set_margin_start (GTK_WIDGET (self->details_title), 12);
  gtk_widget_set_margin_end (GTK_WIDGET (self->details_title), 12);
  gtk_widget_set_margin_top (GTK_WIDGET (self->details_title), 8);
  gtk_widget_set_margin_bottom (GTK_WIDGET (self->details_title), 8);
  gtk_box_append (GTK_BOX (panel), GTK_WIDGET (self->details_title));
  gtk_box_append (GTK_BOX (panel), gtk_separator_new (GTK_ORIENTATION_HORIZONTAL));

  self->details_box = GTK_BOX (gtk_box_new (GTK_ORIENTATION_VERTICAL, 2));
  gtk_widget_set_margin_start (GTK_WIDGET (self->details_box), 12);
  gtk_widget_set_margin_end (GTK_WIDGET (self->details_box), 12);
  gtk_widget_set_margin_top (GTK_WIDGET (self->details_box), 8);
  gtk_widget_set_margin_bottom (GTK_WIDGET (self->details_box), 8);
  gtk_scrolled_window_set_policy (GTK_SCROLLED_WINDOW (scrolled), GTK_POLICY_NEVER, GTK_POLICY_AUTOMATIC);
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scrolled), GTK_WIDGET (self->details_box));
  gtk_widget_set_vexpand (scrolled, TRUE);
  gtk_box_append (GTK_BOX (panel), scrolled);

  return panel;
}

/* --- opening a table ---------------------------------------------------- */

static void
model_notify_cb (SupaTableBrowser *self)
{
  SupaTableInfo *table = current_table (self);

  update_status (self);

  /* Unfiltered, the grid's count is the table's: keep the sidebar's in
   * step after inserts and deletes. */
  if (table != NULL && supa_row_model_get_filter (self->model) == NULL &&
      supa_row_model_get_count (self->model) >= 0 && !supa_row_model_get_loading (self->model))
    supa_table_sidebar_set_row_estimate (self->sidebar, supa_table_info_get_name (table),
                                         supa_row_model_get_count (self->model));
}

static void
selection_changed_cb (SupaTableBrowser *self)
{
  update_actions (self);
  if (self->details_flap != NULL && adw_flap_get_reveal_flap (self->details_flap))
    update_details (self);
}

static void
clear_table (SupaTableBrowser *self)
{
  close_edit (self);
  g_cancellable_cancel (self->table_cancellable);
  g_clear_object (&self->table_cancellable);
  gtk_column_view_set_model (self->column_view, NULL);
  if (self->model != NULL)
    g_signal_handlers_disconnect_by_data (self->model, self);
  if (self->selection != NULL)
    g_signal_handlers_disconnect_by_data (self->selection, self);
  g_clear_object (&self->selection);
  g_clear_object (&self->model);
  if (self->details_row != NULL)
    g_signal_handlers_disconnect_by_data (self->details_row, self);
  g_clear_object (&self->details_row);
  /* After the model is gone, so the sorter's "changed" reaches nothing. */
  remove_columns (self);
  g_ptr_array_set_size (self->sort_keys, 0);
  show_sort (self);
  show_error (self, NULL);
  gtk_label_set_label (self->filter_error, "");
  gtk_widget_set_visible (GTK_WIDGET (self->filter_error), FALSE);
}

static void
open_table (SupaTableBrowser *self,
            SupaTableInfo    *table)
{
  const char *comment = supa_table_info_get_comment (table);

  g_debug ("Opening table %s", supa_table_info_get_name (table));
  clear_table (self);

  self->table_cancellable = g_cancellable_new ();
  self->model = supa_row_model_new (self->database, table);
  /* Preferences → Rows per request; changing it reloads the open table. */
  g_settings_bind (self->settings, "row-page-size", self->model, "page-size", G_SETTINGS_BIND_GET);
  /* The grid binds about 200 rows (GTK 4.8 keeps that many list items),
   * two or three pages of the smallest page size: a few more pages make
   * scrolling back free without holding thousands of rows' JSON while the
   * user jumps around a large table. */
  supa_row_model_set_max_pages (self->model, BROWSER_MAX_PAGES);
  self->selection = gtk_multi_selection_new (G_LIST_MODEL (g_object_ref (self->model)));

  g_signal_connect_swapped (self->model, "notify::count", G_CALLBACK (model_notify_cb), self);
  g_signal_connect_swapped (self->model, "notify::count-is-estimate", G_CALLBACK (model_notify_cb), self);
  g_signal_connect_swapped (self->model, "notify::loading", G_CALLBACK (model_notify_cb), self);
  g_signal_connect_swapped (self->model, "notify::error", G_CALLBACK (model_notify_cb), self);
  g_signal_connect_swapped (self->model, "notify::read-only-reason", G_CALLBACK (model_notify_cb), self);
  g_signal_connect_swapped (self->selection, "selection-changed", G_CALLBACK (selection_changed_cb), self);
  g_signal_connect_swapped (self->selection, "items-changed", G_CALLBACK (selection_changed_cb), self);

  build_columns (self, table);
  gtk_column_view_set_model (self->column_view, GTK_SELECTION_MODEL (self->selection));

  gtk_label_set_label (self->table_title, supa_table_info_get_name (table));
  gtk_label_set_label (self->table_subtitle, comment != NULL ? comment : "");
  gtk_widget_set_visible (GTK_WIDGET (self->table_subtitle), comment != NULL && *comment != '\0');
  gtk_editable_set_text (GTK_EDITABLE (self->filter_value), "");
  gtk_editable_set_text (GTK_EDITABLE (self->filter_advanced), "");

  gtk_stack_set_visible_child_name (self->stack, "table");
  update_status (self);
}

static void
table_selected_cb (SupaTableBrowser *self,
                   SupaTableInfo    *table)
{
  if (table != current_table (self) || g_strcmp0 (gtk_stack_get_visible_child_name (self->stack), "table") != 0)
    open_table (self, table);
}

static void
overview_requested_cb (SupaTableBrowser *self)
{
  clear_table (self);
  gtk_stack_set_visible_child_name (self->stack, "overview");
  update_actions (self);
}

static GtkWidget *
show_functions (SupaTableBrowser *self)
{
  GtkWidget *panel;

  if (self->schema == NULL || self->database == NULL)
    return NULL;

  clear_table (self);
  panel = adw_bin_get_child (self->functions_bin);
  if (panel == NULL)
    {
      panel = supa_function_panel_new (self->database, self->schema);
      adw_bin_set_child (self->functions_bin, panel);
    }
  gtk_stack_set_visible_child_name (self->stack, "functions");
  update_actions (self);
  return panel;
}

static void
functions_requested_cb (SupaTableBrowser *self)
{
  show_functions (self);
}

/* --- schema ------------------------------------------------------------- */

static void load_schema (SupaTableBrowser *self);

/* --- row counts in the sidebar ------------------------------------------ */

/* Counts asked for at once: a schema of hundreds of tables is counted a
 * few at a time rather than flooding the server. */
#define ESTIMATE_CONCURRENCY 4

typedef struct {
  GWeakRef      browser;
  SupaDatabase *database;
  GCancellable *cancellable;  /* the schema load's: a new schema stops it */
  GQueue        pending;      /* SupaTableInfo */
  guint         in_flight;
} EstimateRun;

typedef struct {
  EstimateRun   *run;
  SupaTableInfo *table;
} EstimateRequest;

static void
estimate_run_free (EstimateRun *run)
{
  g_weak_ref_clear (&run->browser);
  g_clear_object (&run->database);
  g_clear_object (&run->cancellable);
  g_queue_clear_full (&run->pending, g_object_unref);
  g_free (run);
}

static void estimate_cb (GObject      *object,
                         GAsyncResult *result,
                         gpointer      user_data);

/* Starts counts up to the limit; frees @run once nothing is left to do. */
static void
estimate_next (EstimateRun *run)
{
  gboolean stopped = g_cancellable_is_cancelled (run->cancellable);

  while (!stopped && run->in_flight < ESTIMATE_CONCURRENCY && !g_queue_is_empty (&run->pending))
    {
      EstimateRequest *request = g_new0 (EstimateRequest, 1);
      g_autoptr(SupaQuery) query = NULL;

      request->run = run;
      request->table = g_queue_pop_head (&run->pending);
      query = table_query (request->table);
      /* PostgREST counts exactly up to its row limit and takes the
       * planner's estimate above it: cheap on any table size. */
      supa_query_select (query, NULL, SUPA_COUNT_ESTIMATED, TRUE);
      run->in_flight++;
      supa_database_execute_async (run->database, query, run->cancellable, estimate_cb, request);
    }

  if (run->in_flight == 0 && (stopped || g_queue_is_empty (&run->pending)))
    estimate_run_free (run);
}

static void
estimate_cb (GObject      *object,
             GAsyncResult *result,
             gpointer      user_data)
{
  EstimateRequest *request = user_data;
  EstimateRun *run = request->run;
  g_autoptr(SupaTableInfo) table = request->table;
  g_autoptr(SupaResult) answer = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(SupaTableBrowser) self = g_weak_ref_get (&run->browser);

  g_free (request);
  run->in_flight--;
  answer = supa_database_execute_finish (SUPA_DATABASE (object), result, &error);

  if (self == NULL)
    g_cancellable_cancel (run->cancellable);
  else if (answer != NULL && supa_result_get_count (answer) >= 0)
    supa_table_sidebar_set_row_estimate (self->sidebar, supa_table_info_get_name (table),
                                         supa_result_get_count (answer));
  else if (error != NULL && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    g_debug ("No row count for %s: %s", supa_table_info_get_name (table), error->message);

  estimate_next (run);
}

/* Counts the rows of every relation of @schema for the sidebar. */
static void
start_estimates (SupaTableBrowser *self,
                 SupaSchema       *schema)
{
  GListModel *tables = supa_schema_get_tables (schema);
  EstimateRun *run;

  if (self->database == NULL || self->schema_cancellable == NULL || tables == NULL)
    return;

  run = g_new0 (EstimateRun, 1);
  g_weak_ref_init (&run->browser, self);
  run->database = g_object_ref (self->database);
  run->cancellable = g_object_ref (self->schema_cancellable);
  g_queue_init (&run->pending);
  for (guint i = 0; i < g_list_model_get_n_items (tables); i++)
    g_queue_push_tail (&run->pending, g_list_model_get_item (tables, i));
  estimate_next (run);
}

static void
schema_loaded_cb (GObject      *object,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(SupaTableBrowser) self = user_data;
  g_autoptr(SupaSchema) schema = NULL;
  g_autoptr(GError) error = NULL;

  schema = supa_schema_load_finish (result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  supa_table_sidebar_set_loading (self->sidebar, FALSE);

  if (schema == NULL)
    {
      g_autofree char *message = supa_error_dup_display_text (error);

      /* Set only now: a large symbolic icon is loaded when measured. */
      adw_status_page_set_icon_name (self->schema_error_page, "dialog-error-symbolic");
      if (g_error_matches (error, SUPA_ERROR, SUPA_ERROR_FORBIDDEN) ||
          g_error_matches (error, SUPA_ERROR, SUPA_ERROR_UNAUTHORIZED))
        {
          g_autofree char *text = NULL;

          adw_status_page_set_title (self->schema_error_page, _("This Key Cannot List Tables"));
          /* Translators: %s is the server's error message */
          text = g_strdup_printf (_("The server refused to describe the database (%s). Anon and publishable keys cannot read the API's OpenAPI document: connect with the service_role or a secret key to browse tables."),
                                  message);
          adw_status_page_set_description (self->schema_error_page, text);
        }
      else
        {
          adw_status_page_set_title (self->schema_error_page, _("Could Not Load the Tables"));
          adw_status_page_set_description (self->schema_error_page, message);
        }
      gtk_stack_set_visible_child_name (self->stack, "schema-error");
      return;
    }

  g_set_object (&self->schema, schema);
  /* The panel lists the old schema's functions. */
  adw_bin_set_child (self->functions_bin, NULL);
  if (g_strcmp0 (gtk_stack_get_visible_child_name (self->stack), "functions") == 0)
    gtk_stack_set_visible_child_name (self->stack, "overview");
  supa_table_sidebar_set_tables (self->sidebar, supa_schema_get_tables (schema));
  start_estimates (self, schema);
  if (g_strcmp0 (gtk_stack_get_visible_child_name (self->stack), "table") != 0)
    gtk_stack_set_visible_child_name (self->stack, "overview");
}

/* Cancels the schema load under way, if any. */
static void
drop_schema_load (SupaTableBrowser *self)
{
  /* Before self->cancellable is replaced (set_client, dispose). */
  if (self->schema_cancel_id != 0)
    g_cancellable_disconnect (self->cancellable, self->schema_cancel_id);
  self->schema_cancel_id = 0;
  if (self->schema_cancellable != NULL)
    g_cancellable_cancel (self->schema_cancellable);
  g_clear_object (&self->schema_cancellable);
}

static void
load_schema (SupaTableBrowser *self)
{
  if (self->client == NULL)
    return;

  /* A newer choice of schema wins over a load still under way. */
  drop_schema_load (self);
  self->schema_cancellable = g_cancellable_new ();
  if (self->cancellable != NULL)
    self->schema_cancel_id = g_cancellable_connect (self->cancellable, G_CALLBACK (g_cancellable_cancel),
                                                    g_object_ref (self->schema_cancellable), g_object_unref);

  supa_table_sidebar_set_loading (self->sidebar, TRUE);
  supa_schema_load_async (self->client, self->schema_name != NULL ? self->schema_name : "public",
                          self->schema_cancellable, schema_loaded_cb, g_object_ref (self));
}

/* graphql_public is where Supabase exposes pg_graphql's one function; it
 * holds no data of the project, so it is offered only when it is all
 * there is. */
static gboolean
schema_is_internal (const char *name)
{
  return g_strcmp0 (name, "graphql_public") == 0;
}

static void
schemas_listed_cb (GObject      *object,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(SupaTableBrowser) self = user_data;
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) listed = supa_schema_list_exposed_finish (result, &error);
  g_autoptr(GPtrArray) usable = g_ptr_array_new ();
  const char *remembered = NULL;
  const char *current;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) || self->client == NULL ||
      (SupaClient *) object != self->client)
    return;

  if (listed == NULL)
    {
      g_autofree char *message = supa_error_dup_display_text (error);

      /* Never an empty sidebar: show the default schema, and say so. */
      g_ptr_array_add (usable, (gpointer) "public");
      supa_table_sidebar_set_schema_note (self->sidebar,
                                          _("Other schemas could not be listed; showing “public”."),
                                          message);
    }
  else
    {
      for (guint i = 0; listed[i] != NULL; i++)
        if (!schema_is_internal (listed[i]))
          g_ptr_array_add (usable, listed[i]);
      if (usable->len == 0)
        g_ptr_array_add (usable, listed[0]);
      supa_table_sidebar_set_schema_note (self->sidebar, NULL, NULL);
    }

  /* The schema chosen earlier in this session, if still exposed; else
   * the server's default. */
  if (self->session_schemas != NULL)
    remembered = g_hash_table_lookup (self->session_schemas, supa_client_get_url (self->client));
  current = g_ptr_array_index (usable, 0);
  for (guint i = 0; remembered != NULL && i < usable->len; i++)
    if (g_str_equal (g_ptr_array_index (usable, i), remembered))
      current = remembered;

  set_str (&self->schema_name, current);
  g_ptr_array_add (usable, NULL);
  supa_table_sidebar_set_schemas (self->sidebar, (const char * const *) usable->pdata, self->schema_name);
  load_schema (self);
}

static void
list_schemas (SupaTableBrowser *self)
{
  supa_table_sidebar_set_loading (self->sidebar, TRUE);
  supa_schema_list_exposed_async (self->client, self->cancellable, schemas_listed_cb, g_object_ref (self));
}

static void
schema_selected_cb (SupaTableBrowser *self,
                    const char       *schema)
{
  if (self->client == NULL || g_strcmp0 (schema, self->schema_name) == 0)
    return;

  set_str (&self->schema_name, schema);
  if (self->session_schemas == NULL)
    self->session_schemas = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_hash_table_replace (self->session_schemas, g_strdup (supa_client_get_url (self->client)), g_strdup (schema));

  /* The open table belongs to the old schema. */
  clear_table (self);
  g_clear_object (&self->schema);
  adw_bin_set_child (self->functions_bin, NULL);
  supa_table_sidebar_set_tables (self->sidebar, NULL);
  gtk_stack_set_visible_child_name (self->stack, "overview");
  update_actions (self);
  load_schema (self);
}

static void
retry_schema_cb (SupaTableBrowser *self)
{
  gtk_stack_set_visible_child_name (self->stack, "overview");
  load_schema (self);
}

/* --- filter ------------------------------------------------------------- */

static void
show_filter_error (SupaTableBrowser *self,
                   const char       *text)
{
  gtk_label_set_label (self->filter_error, text != NULL ? text : "");
  gtk_widget_set_visible (GTK_WIDGET (self->filter_error), text != NULL);
  set_str (&self->error_text, text);
}

static gboolean
apply_filter (SupaTableBrowser *self)
{
  g_autoptr(SupaFilterGroup) group = supa_filter_group_new (SUPA_FILTER_AND, FALSE);
  g_autoptr(GError) error = NULL;
  GtkStringObject *column_item;
  const char *value = gtk_editable_get_text (GTK_EDITABLE (self->filter_value));
  const char *advanced = gtk_editable_get_text (GTK_EDITABLE (self->filter_advanced));
  guint op_index = gtk_drop_down_get_selected (self->filter_op);
  const char *op = op_index < G_N_ELEMENTS (filter_ops) - 1 ? filter_ops[op_index] : "eq";
  gboolean empty = TRUE;

  if (self->model == NULL)
    return FALSE;

  column_item = gtk_drop_down_get_selected_item (self->filter_column);

  if (column_item != NULL)
    {
      const char *column = gtk_string_object_get_string (column_item);

      if (g_str_equal (op, "is null"))
        {
          supa_filter_group_add_condition (group, column, "is", "null");
          empty = FALSE;
        }
      else if (g_str_equal (op, "is not null"))
        {
          supa_filter_group_add_condition (group, column, "not.is", "null");
          empty = FALSE;
        }
      else if (*value != '\0')
        {
          if (g_str_equal (op, "in"))
            {
              g_auto(GStrv) items = g_strsplit (value, ",", -1);

              for (guint i = 0; items[i] != NULL; i++)
                g_strstrip (items[i]);
              supa_filter_group_add_in (group, column, FALSE, (const char * const *) items, -1);
            }
          else
            supa_filter_group_add_condition (group, column, op, value);
          empty = FALSE;
        }
    }

  if (*advanced != '\0')
    {
      if (!supa_table_browser_parse_filter (advanced, group, &error))
        {
          show_filter_error (self, error->message);
          return FALSE;
        }
      empty = FALSE;
    }

  show_filter_error (self, NULL);
  close_edit (self);
  supa_row_model_set_filter (self->model, empty ? NULL : group);
  return TRUE;
}

static void
filter_activate_cb (SupaTableBrowser *self)
{
  apply_filter (self);
}

static void
filter_op_changed_cb (SupaTableBrowser *self)
{
  guint op_index = gtk_drop_down_get_selected (self->filter_op);
  gboolean needs_value = op_index != 8 && op_index != 9;

  gtk_widget_set_sensitive (GTK_WIDGET (self->filter_value), needs_value);
  if (op_index == 10)
    gtk_entry_set_placeholder_text (self->filter_value, _("Values, separated by commas"));
  else if (op_index == 11)
    gtk_entry_set_placeholder_text (self->filter_value, _("Array literal, e.g. {a,b}"));
  else
    gtk_entry_set_placeholder_text (self->filter_value, _("Value"));
}

/* --- delete ------------------------------------------------------------- */

/* Rows per DELETE or bulk PATCH request: keeps the URL (uuid keys take
 * ~40 bytes each) well under the 8 KiB many proxies allow. */
#define KEY_BATCH 100

/* Selected rows worked through by key, a batch a request: deletes and
 * bulk updates share it (key_batches_next). */
typedef struct
{
  GPtrArray *rows;   /* SupaRow */
  guint      next;   /* the first row not sent yet */
  guint      start;  /* the batch under way: rows start to start + size */
  guint      size;
} KeyBatches;

typedef struct _DeleteJob
{
  SupaTableBrowser *self;
  KeyBatches        batches;
  guint             deleted;
  gboolean          stop;     /* after the batch under way */
  GError           *error;
} DeleteJob;

/* The status bar while rows are deleted: how far, and a way to stop. */
static void
show_delete_progress (SupaTableBrowser *self)
{
  DeleteJob *job = self->delete_job;
  g_autofree char *text = NULL;
  g_autofree char *done = NULL;
  g_autofree char *total = NULL;

  if (self->delete_label == NULL)
    return;
  gtk_widget_set_visible (GTK_WIDGET (self->delete_label), job != NULL);
  gtk_widget_set_visible (GTK_WIDGET (self->delete_stop_button), job != NULL);
  if (job == NULL)
    return;

  done = g_strdup_printf ("%'u", job->deleted);
  total = g_strdup_printf ("%'u", job->batches.rows->len);
  /* Translators: "Deleting 300 of 5,000 rows…"; both %s are numbers */
  text = g_strdup_printf (_("Deleting %s of %s rows…"), done, total);
  gtk_label_set_label (self->delete_label, text);
  gtk_widget_set_sensitive (GTK_WIDGET (self->delete_stop_button), !job->stop);
}

static void
stop_delete_action (GtkWidget  *widget,
                    const char *action_name,
                    GVariant   *parameter)
{
  SupaTableBrowser *self = SUPA_TABLE_BROWSER (widget);

  if (self->delete_job == NULL)
    return;
  self->delete_job->stop = TRUE;
  show_delete_progress (self);
}

static void delete_next (DeleteJob *job);

static void
delete_job_finish (DeleteJob *job)
{
  SupaTableBrowser *self = job->self;

  self->deleting--;
  if (self->delete_job == job)
    self->delete_job = NULL;
  show_delete_progress (self);
  if (self->model != NULL)
    supa_row_model_reload (self->model);

  update_status (self);
  if (job->error != NULL)
    {
      g_autofree char *message = supa_error_dup_display_text (job->error);
      g_autofree char *text = NULL;

      /* Translators: %u rows were deleted before the error %s */
      text = g_strdup_printf (_("Deleted %u of %u rows, then: %s"), job->deleted, job->batches.rows->len, message);
      show_error (self, text);
    }
  else if (job->stop && job->deleted < job->batches.rows->len)
    {
      g_autofree char *text = NULL;

      /* Translators: the user stopped a deletion; both %u are numbers */
      text = g_strdup_printf (_("Stopped after deleting %u of %u rows."), job->deleted, job->batches.rows->len);
      show_error (self, text);
    }

  g_ptr_array_unref (job->batches.rows);
  g_clear_error (&job->error);
  g_object_unref (job->self);
  g_free (job);
}

static void
delete_cb (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  DeleteJob *job = user_data;
  g_autoptr(SupaResult) res = NULL;

  res = supa_database_execute_finish (SUPA_DATABASE (object), result, &job->error);
  if (res == NULL)
    {
      delete_job_finish (job);
      return;
    }

  job->deleted += job->batches.size;
  show_delete_progress (job->self);
  delete_next (job);
}

/* A key value as PostgREST filters take it, or NULL when unusable. */
static char *
key_text (JsonNode *node)
{
  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node))
    return NULL;

  switch (json_node_get_value_type (node))
    {
    case G_TYPE_STRING:
      return g_strdup (json_node_get_string (node));
    case G_TYPE_INT64:
      return g_strdup_printf ("%" G_GINT64_FORMAT, json_node_get_int (node));
    case G_TYPE_DOUBLE:
      {
        char buf[G_ASCII_DTOSTR_BUF_SIZE];

        return g_strdup (g_ascii_dtostr (buf, sizeof buf, json_node_get_double (node)));
      }
    case G_TYPE_BOOLEAN:
      return g_strdup (json_node_get_boolean (node) ? "true" : "false");
    default:
      return NULL;
    }
}

/* Adds to @query a filter matching @rows @from to @to (exclusive) by
 * key: `pk=in.(…)` for a single-column key, else
 * `or=(and(a.eq.1,b.eq.2),…)`. Deletes and bulk updates share it. */
static gboolean
filter_batch (SupaTableInfo  *table,
              GPtrArray      *rows,
              SupaQuery      *query,
              guint           from,
              guint           to,
              GError        **error)
{
  const char * const *pk = supa_table_info_get_primary_key (table);
  g_autoptr(GPtrArray) values = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(SupaFilterGroup) any = supa_filter_group_new (SUPA_FILTER_OR, FALSE);
  guint n_pk = pk != NULL ? g_strv_length ((char **) pk) : 0;

  if (n_pk == 0)
    {
      g_set_error_literal (error, SUPA_ERROR, SUPA_ERROR_INVALID_INPUT,
                           _("Rows of a relation without a primary key cannot be changed here"));
      return FALSE;
    }

  for (guint r = from; r < to; r++)
    {
      SupaRow *row = g_ptr_array_index (rows, r);
      g_autoptr(SupaFilterGroup) all = supa_filter_group_new (SUPA_FILTER_AND, FALSE);

      for (guint k = 0; k < n_pk; k++)
        {
          g_autofree char *text = key_text (supa_row_get_value (row, pk[k]));

          if (text == NULL)
            {
              /* Translators: %s is a column name */
              g_set_error (error, SUPA_ERROR, SUPA_ERROR_INVALID_INPUT,
                           _("The row has no usable value for its key column “%s”"), pk[k]);
              return FALSE;
            }
          if (n_pk == 1)
            g_ptr_array_add (values, g_steal_pointer (&text));
          else
            supa_filter_group_add_condition (all, pk[k], "eq", text);
        }
      if (n_pk > 1)
        supa_filter_group_add_group (any, all);
    }

  if (n_pk == 1)
    supa_query_in (query, pk[0], (const char * const *) values->pdata, values->len);
  else
    supa_query_add_group (query, any, NULL);
  return TRUE;
}

/* Narrows @query to the next batch of @batches by key and moves past it
 * (also when it fails: those rows cannot be matched). */
static gboolean
key_batches_next (KeyBatches     *batches,
                  SupaTableInfo  *table,
                  SupaQuery      *query,
                  GError        **error)
{
  batches->start = batches->next;
  batches->size = MIN (KEY_BATCH, batches->rows->len - batches->next);
  batches->next += batches->size;
  return filter_batch (table, batches->rows, query, batches->start, batches->next, error);
}

static void
delete_next (DeleteJob *job)
{
  SupaTableBrowser *self = job->self;
  g_autoptr(SupaQuery) query = NULL;

  if (job->batches.next >= job->batches.rows->len || self->model == NULL || job->stop ||
      g_cancellable_is_cancelled (self->table_cancellable))
    {
      delete_job_finish (job);
      return;
    }

  query = table_query (current_table (self));
  supa_query_delete (query, SUPA_COUNT_NONE);
  if (!key_batches_next (&job->batches, current_table (self), query, &job->error))
    {
      delete_job_finish (job);
      return;
    }

  supa_database_execute_async (self->database, query, self->table_cancellable, delete_cb, job);
}

static GPtrArray *
selected_rows (SupaTableBrowser *self)
{
  GPtrArray *rows = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GtkBitset) set = NULL;
  GtkBitsetIter iter;
  guint position;

  if (self->selection == NULL)
    return rows;

  set = gtk_selection_model_get_selection (GTK_SELECTION_MODEL (self->selection));
  for (gboolean ok = gtk_bitset_iter_init_first (&iter, set, &position);
       ok;
       ok = gtk_bitset_iter_next (&iter, &position))
    {
      SupaRow *row = g_list_model_get_item (G_LIST_MODEL (self->model), position);

      if (row != NULL && supa_row_get_loaded (row))
        g_ptr_array_add (rows, row);
      else
        g_clear_object (&row);
    }

  return rows;
}

static void
delete_response_cb (AdwMessageDialog *dialog,
                    const char       *response,
                    SupaTableBrowser *self)
{
  GPtrArray *rows = g_object_get_data (G_OBJECT (dialog), "supa-rows");
  DeleteJob *job;

  if (g_strcmp0 (response, "delete") != 0 || self->model == NULL || rows == NULL)
    return;

  job = g_new0 (DeleteJob, 1);
  job->self = g_object_ref (self);
  job->batches.rows = g_ptr_array_ref (rows);
  self->deleting++;
  self->delete_job = job;
  show_delete_progress (self);
  update_status (self);
  delete_next (job);
}

static void
confirm_entry_changed_cb (GtkEditable      *entry,
                          AdwMessageDialog *dialog)
{
  const char *name = g_object_get_data (G_OBJECT (dialog), "supa-table-name");

  adw_message_dialog_set_response_enabled (dialog, "delete", confirm_entry_matches (GTK_WIDGET (entry), name));
}

static void
delete_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  SupaTableBrowser *self = SUPA_TABLE_BROWSER (widget);
  g_autoptr(GPtrArray) rows = selected_rows (self);
  SupaTableInfo *table = current_table (self);
  const char *name;
  g_autofree char *heading = NULL;
  AdwMessageDialog *dialog;

  if (table == NULL || rows->len == 0)
    return;

  name = supa_table_info_get_name (table);
  /* Translators: first %u is a number of rows, %s a table name */
  heading = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "Delete %u row from “%s”?", "Delete %u rows from “%s”?", rows->len),
                             rows->len, name);
  dialog = ADW_MESSAGE_DIALOG (adw_message_dialog_new (get_window (self), heading,
                                                        _("This cannot be undone.")));
  adw_message_dialog_add_responses (dialog,
                                    "cancel", _("_Cancel"),
                                    "delete", _("_Delete"),
                                    NULL);
  adw_message_dialog_set_response_appearance (dialog, "delete", ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_default_response (dialog, "cancel");
  adw_message_dialog_set_close_response (dialog, "cancel");
  g_object_set_data_full (G_OBJECT (dialog), "supa-rows", g_ptr_array_ref (rows), (GDestroyNotify) g_ptr_array_unref);
  g_object_set_data_full (G_OBJECT (dialog), "supa-table-name", g_strdup (name), g_free);

  if (confirm_by_typing (self))
    {
      GtkWidget *entry = confirm_entry_new ();
      g_autofree char *body = NULL;

      /* Translators: %s is a table name */
      body = g_strdup_printf (_("This is a production project and this cannot be undone. Type “%s” to confirm."), name);
      adw_message_dialog_set_body (dialog, body);
      g_signal_connect (entry, "changed", G_CALLBACK (confirm_entry_changed_cb), dialog);
      adw_message_dialog_set_extra_child (dialog, entry);
      adw_message_dialog_set_response_enabled (dialog, "delete", FALSE);
    }

  g_signal_connect_object (dialog, "response", G_CALLBACK (delete_response_cb), self, 0);
  gtk_window_present (GTK_WINDOW (dialog));
}

/* --- bulk update -------------------------------------------------------- */

/* The state of one "Set Column" dialog; it lives as long as its window
 * (data on the window object), requests in flight hold a window ref. */
typedef struct
{
  SupaTableBrowser *self;
  SupaDatabase     *database;
  SupaTableInfo    *table;
  KeyBatches        batches;       /* the selection when opened */
  GPtrArray        *columns;       /* SupaColumnInfo: the ones offered */
  GCancellable     *cancellable;
  GCancellable     *table_cancellable;
  gulong            table_cancel_id;

  GtkWindow        *window;
  GtkLabel         *heading;
  GtkDropDown      *column_dropdown;
  AdwBin           *editor_bin;
  SupaValueEditor  *editor;
  GtkCheckButton   *null_check;
  GtkWidget        *confirm_entry; /* production only */
  GtkProgressBar   *progress;
  GtkLabel         *report;
  GtkButton        *apply_button;
  GtkButton        *cancel_button;

  JsonNode         *value;
  char             *column_name;
  GString          *failures;
  guint             updated;
  guint             missing;
  gboolean          running;
  gboolean          closed;
} BulkUpdate;

/* FALSE once the browser is disposed (its widgets are gone) while a
 * bulk update still finishes. */
static gboolean
browser_alive (SupaTableBrowser *self)
{
  return self->paned != NULL;
}

static void
bulk_update_free (BulkUpdate *bulk)
{
  if (bulk->table_cancel_id != 0)
    g_cancellable_disconnect (bulk->table_cancellable, bulk->table_cancel_id);
  g_clear_object (&bulk->table_cancellable);
  g_clear_object (&bulk->cancellable);
  g_clear_object (&bulk->database);
  g_clear_object (&bulk->table);
  g_clear_pointer (&bulk->batches.rows, g_ptr_array_unref);
  g_clear_pointer (&bulk->columns, g_ptr_array_unref);
  g_clear_pointer (&bulk->value, json_node_unref);
  g_clear_pointer (&bulk->column_name, g_free);
  if (bulk->failures != NULL)
    g_string_free (bulk->failures, TRUE);
  if (bulk->self != NULL)
    {
      bulk->self->bulk_running = FALSE;
      if (browser_alive (bulk->self))
        update_actions (bulk->self);
    }
  g_clear_object (&bulk->self);
  g_free (bulk);
}

static SupaColumnInfo *
bulk_selected_column (BulkUpdate *bulk)
{
  guint index = gtk_drop_down_get_selected (bulk->column_dropdown);

  return index < bulk->columns->len ? g_ptr_array_index (bulk->columns, index) : NULL;
}

static void
bulk_update_sensitivity (BulkUpdate *bulk)
{
  gboolean confirmed = TRUE;

  if (bulk->closed)
    return;

  if (bulk->confirm_entry != NULL)
    confirmed = confirm_entry_matches (bulk->confirm_entry, supa_table_info_get_name (bulk->table));

  gtk_widget_set_sensitive (GTK_WIDGET (bulk->apply_button),
                            !bulk->running && confirmed && bulk_selected_column (bulk) != NULL);
  gtk_widget_set_sensitive (GTK_WIDGET (bulk->column_dropdown), !bulk->running);
  gtk_widget_set_sensitive (GTK_WIDGET (bulk->null_check), !bulk->running);
  if (bulk->editor != NULL)
    gtk_widget_set_sensitive (GTK_WIDGET (bulk->editor),
                              !bulk->running && !gtk_check_button_get_active (bulk->null_check));
  if (bulk->confirm_entry != NULL)
    gtk_widget_set_sensitive (bulk->confirm_entry, !bulk->running);
}

static void
bulk_show_report (BulkUpdate *bulk,
                  const char *text,
                  gboolean    is_error)
{
  if (bulk->closed)
    return;

  gtk_label_set_label (bulk->report, text != NULL ? text : "");
  gtk_widget_set_visible (GTK_WIDGET (bulk->report), text != NULL);
  if (is_error)
    gtk_widget_add_css_class (GTK_WIDGET (bulk->report), "error");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (bulk->report), "error");
}

static void bulk_apply_cb (BulkUpdate *bulk);

static void
bulk_column_changed_cb (BulkUpdate *bulk)
{
  SupaColumnInfo *column = bulk_selected_column (bulk);
  g_autofree char *heading = NULL;
  g_autofree char *apply = NULL;

  if (column == NULL)
    return;

  /* Translators: %s is a column name, %u a number of rows */
  heading = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "Set column “%s” on %u row", "Set column “%s” on %u rows",
                                          bulk->batches.rows->len),
                             supa_column_info_get_name (column), bulk->batches.rows->len);
  gtk_label_set_label (bulk->heading, heading);

  bulk->editor = SUPA_VALUE_EDITOR (supa_value_editor_new (column));
  gtk_widget_set_name (GTK_WIDGET (bulk->editor), "bulk-value");
  gtk_accessible_update_property (GTK_ACCESSIBLE (bulk->editor),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, _("New value"), -1);
  adw_bin_set_child (bulk->editor_bin, GTK_WIDGET (bulk->editor));
  /* Enter in the value applies, as in the cell editor (the typed
   * confirmation, when asked for, still has to match). */
  g_signal_connect_swapped (bulk->editor, "activate", G_CALLBACK (bulk_apply_cb), bulk);

  gtk_check_button_set_active (bulk->null_check, FALSE);
  gtk_widget_set_visible (GTK_WIDGET (bulk->null_check), supa_column_info_get_nullable (column));
  bulk_show_report (bulk, NULL, FALSE);

  /* Translators: button of the bulk update dialog, %u a number of rows */
  apply = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "_Update %u Row", "_Update %u Rows", bulk->batches.rows->len),
                           bulk->batches.rows->len);
  gtk_button_set_label (bulk->apply_button, apply);
  bulk_update_sensitivity (bulk);
}

static void bulk_run_next (BulkUpdate *bulk);

static void
bulk_finish (BulkUpdate *bulk)
{
  SupaTableBrowser *self = bulk->self;
  /* Each batch's rows are counted updated, missing or (in failures) not done. */
  gboolean complete = bulk->updated == bulk->batches.rows->len;
  g_autoptr(GString) report = g_string_new (NULL);

  bulk->running = FALSE;
  self->bulk_running = FALSE;

  /* The grid shows what the server has now, whatever happened. */
  if (self->model != NULL && current_table (self) == bulk->table)
    supa_row_model_reload (self->model);
  if (browser_alive (self))
    update_status (self);

  if (complete)
    {
      if (!bulk->closed)
        gtk_window_destroy (bulk->window);
      return;
    }

  /* Translators: a bulk update's result; first %u rows updated, second the rows selected */
  g_string_append_printf (report, g_dngettext (GETTEXT_PACKAGE, "Updated %u of %u row.", "Updated %u of %u rows.",
                                               bulk->batches.rows->len),
                          bulk->updated, bulk->batches.rows->len);
  if (bulk->missing > 0)
    {
      g_string_append_c (report, '\n');
      g_string_append_printf (report,
                              /* Translators: %u is a number of rows */
                              g_dngettext (GETTEXT_PACKAGE,
                                           "%u row was not found: deleted meanwhile, or hidden by row level security.",
                                           "%u rows were not found: deleted meanwhile, or hidden by row level security.",
                                           bulk->missing),
                              bulk->missing);
    }
  if (bulk->failures->len > 0)
    g_string_append (report, bulk->failures->str);

  bulk_show_report (bulk, report->str, TRUE);
  if (browser_alive (self))
    show_error (self, report->str);
  if (!bulk->closed)
    {
      gtk_widget_set_visible (GTK_WIDGET (bulk->progress), FALSE);
      gtk_button_set_label (bulk->cancel_button, _("_Close"));
      bulk_update_sensitivity (bulk);
    }
}

static void
bulk_record_failure (BulkUpdate   *bulk,
                     guint         from,
                     guint         to,
                     const GError *error)
{
  g_autofree char *message = supa_error_dup_display_text (error);

  g_string_append_c (bulk->failures, '\n');
  /* Translators: a failed batch of a bulk update: rows %u to %u of the
   * selection (1-based), then the server's message */
  g_string_append_printf (bulk->failures, _("Rows %u–%u were not updated: %s"), from + 1, to, message);
}

static void
bulk_update_cb (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(GtkWindow) window = user_data;
  BulkUpdate *bulk = g_object_get_data (G_OBJECT (window), "supa-bulk-update");
  g_autoptr(SupaResult) res = NULL;
  g_autoptr(GError) error = NULL;

  res = supa_database_execute_finish (SUPA_DATABASE (object), result, &error);
  if (bulk == NULL)
    return;

  if (res == NULL)
    bulk_record_failure (bulk, bulk->batches.start, bulk->batches.next, error);
  else
    {
      JsonNode *rows = supa_result_get_rows (res);
      guint n = rows != NULL && JSON_NODE_HOLDS_ARRAY (rows) ? json_array_get_length (json_node_get_array (rows)) : 0;

      bulk->updated += MIN (n, bulk->batches.size);
      bulk->missing += bulk->batches.size - MIN (n, bulk->batches.size);
    }

  if (!bulk->closed)
    gtk_progress_bar_set_fraction (bulk->progress, (double) bulk->batches.next / MAX (1, bulk->batches.rows->len));
  bulk_run_next (bulk);
}

static void
bulk_run_next (BulkUpdate *bulk)
{
  g_autoptr(SupaQuery) query = NULL;
  g_autoptr(JsonObject) values = NULL;
  g_autoptr(GString) returning = g_string_new (NULL);
  g_autoptr(GError) error = NULL;
  const char * const *pk = supa_table_info_get_primary_key (bulk->table);

  if (g_cancellable_is_cancelled (bulk->cancellable) && bulk->batches.next < bulk->batches.rows->len)
    {
      g_autoptr(GError) cancelled = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED, _("Cancelled"));

      bulk_record_failure (bulk, bulk->batches.next, bulk->batches.rows->len, cancelled);
      bulk->batches.next = bulk->batches.rows->len;
    }

  if (bulk->batches.next >= bulk->batches.rows->len)
    {
      bulk_finish (bulk);
      return;
    }

  values = json_object_new ();
  json_object_set_member (values, bulk->column_name, json_node_copy (bulk->value));

  query = table_query (bulk->table);
  supa_query_update (query, values, SUPA_COUNT_NONE);
  /* Only the keys come back: enough to count the rows really updated. */
  for (guint i = 0; pk != NULL && pk[i] != NULL; i++)
    {
      g_autofree char *name = quoted_column (pk[i]);

      if (i > 0)
        g_string_append_c (returning, ',');
      g_string_append (returning, name);
    }
  supa_query_returning (query, returning->str);

  if (!key_batches_next (&bulk->batches, bulk->table, query, &error))
    {
      bulk_record_failure (bulk, bulk->batches.start, bulk->batches.next, error);
      bulk_run_next (bulk);
      return;
    }

  supa_database_execute_async (bulk->database, query, bulk->cancellable,
                               bulk_update_cb, g_object_ref (bulk->window));
}

static void
bulk_apply_cb (BulkUpdate *bulk)
{
  SupaColumnInfo *column = bulk_selected_column (bulk);
  g_autoptr(GError) error = NULL;
  JsonNode *value;

  if (bulk->running || column == NULL || bulk->batches.next > 0)
    return;
  if (!gtk_widget_get_sensitive (GTK_WIDGET (bulk->apply_button)))
    return;

  if (gtk_check_button_get_active (bulk->null_check))
    value = json_node_new (JSON_NODE_NULL);
  else
    value = supa_value_editor_get_value (bulk->editor, &error);
  if (value == NULL)
    {
      bulk_show_report (bulk, error->message, TRUE);
      return;
    }

  g_clear_pointer (&bulk->value, json_node_unref);
  bulk->value = value;
  g_free (bulk->column_name);
  bulk->column_name = g_strdup (supa_column_info_get_name (column));
  bulk->running = TRUE;
  bulk->self->bulk_running = TRUE;
  if (browser_alive (bulk->self))
    update_actions (bulk->self);
  bulk_show_report (bulk, NULL, FALSE);
  gtk_progress_bar_set_fraction (bulk->progress, 0.0);
  gtk_widget_set_visible (GTK_WIDGET (bulk->progress), TRUE);
  gtk_widget_set_visible (GTK_WIDGET (bulk->apply_button), FALSE);
  bulk_update_sensitivity (bulk);
  bulk_run_next (bulk);
}

static void
bulk_window_destroy_cb (GtkWidget  *window,
                        BulkUpdate *bulk)
{
  /* Closing stops after the request in flight; bulk_finish reports. */
  bulk->closed = TRUE;
  g_cancellable_cancel (bulk->cancellable);
}

/* @text with a mnemonic above @widget, which gets @accessible_name. */
static GtkWidget *
bulk_labelled (const char *text,
               const char *accessible_name,
               GtkWidget  *widget)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);
  GtkWidget *label = gtk_label_new_with_mnemonic (text);

  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_label_set_wrap (GTK_LABEL (label), TRUE);
  gtk_widget_add_css_class (label, "heading");
  gtk_label_set_mnemonic_widget (GTK_LABEL (label), widget);
  gtk_box_append (GTK_BOX (box), label);
  gtk_box_append (GTK_BOX (box), widget);
  gtk_accessible_update_property (GTK_ACCESSIBLE (widget),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, accessible_name, -1);
  return box;
}

static GtkWidget *
open_bulk_update_dialog (SupaTableBrowser *self)
{
  SupaTableInfo *table = current_table (self);
  g_autoptr(GPtrArray) rows = NULL;
  g_autoptr(GtkStringList) names = NULL;
  g_autoptr(SupaCell) cell = NULL;
  BulkUpdate *bulk;
  GListModel *columns;
  GtkWidget *content;
  GtkWidget *header;
  GtkWidget *body;
  GtkWidget *note;
  guint64 n_selected;
  guint preselect = 0;

  if (table == NULL || !can_edit (self) || self->bulk_running)
    return NULL;

  rows = selected_rows (self);
  if (rows->len == 0)
    return NULL;
  {
    g_autoptr(GtkBitset) set = gtk_selection_model_get_selection (GTK_SELECTION_MODEL (self->selection));

    n_selected = gtk_bitset_get_size (set);
  }

  bulk = g_new0 (BulkUpdate, 1);
  bulk->self = g_object_ref (self);
  bulk->database = g_object_ref (self->database);
  bulk->table = g_object_ref (table);
  bulk->batches.rows = g_steal_pointer (&rows);
  bulk->columns = g_ptr_array_new_with_free_func (g_object_unref);
  bulk->failures = g_string_new (NULL);
  bulk->cancellable = g_cancellable_new ();
  /* Closing the table (or the connection) stops the remaining batches. */
  if (self->table_cancellable != NULL)
    {
      bulk->table_cancellable = g_object_ref (self->table_cancellable);
      bulk->table_cancel_id = g_cancellable_connect (bulk->table_cancellable, G_CALLBACK (g_cancellable_cancel),
                                                     g_object_ref (bulk->cancellable), g_object_unref);
    }

  /* Key columns are left out: one value on several rows can only break
   * their uniqueness, and a single row's key is the cell editor's job. */
  names = gtk_string_list_new (NULL);
  cell = dup_action_cell (self);
  columns = supa_table_info_get_columns (table);
  for (guint i = 0; i < g_list_model_get_n_items (columns); i++)
    {
      g_autoptr(SupaColumnInfo) column = g_list_model_get_item (columns, i);

      if (supa_column_info_get_is_primary_key (column))
        continue;
      if (cell != NULL && supa_cell_get_column (cell) == column)
        preselect = bulk->columns->len;
      g_ptr_array_add (bulk->columns, g_object_ref (column));
      gtk_string_list_append (names, supa_column_info_get_name (column));
    }

  /* The heading below names the column and the count; a title naming the
   * table too would be cut off beside the two header buttons. */
  bulk->window = GTK_WINDOW (g_object_new (ADW_TYPE_WINDOW,
                                           "transient-for", get_window (self),
                                           "modal", TRUE,
                                           "destroy-with-parent", TRUE,
                                           "title", _("Set Column"),
                                           "default-width", 480,
                                           NULL));
  gtk_widget_set_name (GTK_WIDGET (bulk->window), "bulk-update-dialog");
  g_object_set_data_full (G_OBJECT (bulk->window), "supa-bulk-update", bulk, (GDestroyNotify) bulk_update_free);
  g_signal_connect (bulk->window, "destroy", G_CALLBACK (bulk_window_destroy_cb), bulk);
  {
    GtkEventController *shortcuts = gtk_shortcut_controller_new ();

    gtk_shortcut_controller_add_shortcut (GTK_SHORTCUT_CONTROLLER (shortcuts),
                                          gtk_shortcut_new (gtk_keyval_trigger_new (GDK_KEY_Escape, 0),
                                                            gtk_named_action_new ("window.close")));
    gtk_widget_add_controller (GTK_WIDGET (bulk->window), shortcuts);
  }

  content = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  header = adw_header_bar_new ();
  adw_header_bar_set_show_end_title_buttons (ADW_HEADER_BAR (header), FALSE);
  adw_header_bar_set_show_start_title_buttons (ADW_HEADER_BAR (header), FALSE);
  bulk->cancel_button = GTK_BUTTON (gtk_button_new_with_mnemonic (_("_Cancel")));
  gtk_actionable_set_action_name (GTK_ACTIONABLE (bulk->cancel_button), "window.close");
  adw_header_bar_pack_start (ADW_HEADER_BAR (header), GTK_WIDGET (bulk->cancel_button));
  bulk->apply_button = GTK_BUTTON (gtk_button_new_with_mnemonic (_("_Update")));
  gtk_widget_set_name (GTK_WIDGET (bulk->apply_button), "bulk-apply-button");
  gtk_widget_add_css_class (GTK_WIDGET (bulk->apply_button), "destructive-action");
  g_signal_connect_swapped (bulk->apply_button, "clicked", G_CALLBACK (bulk_apply_cb), bulk);
  adw_header_bar_pack_end (ADW_HEADER_BAR (header), GTK_WIDGET (bulk->apply_button));
  gtk_box_append (GTK_BOX (content), header);

  body = gtk_box_new (GTK_ORIENTATION_VERTICAL, 18);
  gtk_widget_set_margin_top (body, 18);
  gtk_widget_set_margin_bottom (body, 18);
  gtk_widget_set_margin_start (body, 18);
  gtk_widget_set_margin_end (body, 18);

  bulk->heading = GTK_LABEL (gtk_label_new (NULL));
  gtk_widget_set_name (GTK_WIDGET (bulk->heading), "bulk-heading");
  gtk_label_set_wrap (bulk->heading, TRUE);
  gtk_label_set_xalign (bulk->heading, 0);
  gtk_widget_add_css_class (GTK_WIDGET (bulk->heading), "title-4");
  gtk_box_append (GTK_BOX (body), GTK_WIDGET (bulk->heading));

  bulk->column_dropdown = GTK_DROP_DOWN (gtk_drop_down_new (G_LIST_MODEL (g_object_ref (names)), NULL));
  gtk_widget_set_name (GTK_WIDGET (bulk->column_dropdown), "bulk-column");
  gtk_drop_down_set_expression (bulk->column_dropdown,
                                gtk_property_expression_new (GTK_TYPE_STRING_OBJECT, NULL, "string"));
  gtk_drop_down_set_enable_search (bulk->column_dropdown, TRUE);
  gtk_box_append (GTK_BOX (body), bulk_labelled (_("C_olumn"), _("Column"), GTK_WIDGET (bulk->column_dropdown)));

  bulk->editor_bin = ADW_BIN (adw_bin_new ());
  {
    GtkWidget *value_box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);
    GtkWidget *label = gtk_label_new (_("New Value"));

    gtk_label_set_xalign (GTK_LABEL (label), 0);
    gtk_widget_add_css_class (label, "heading");
    gtk_box_append (GTK_BOX (value_box), label);
    gtk_box_append (GTK_BOX (value_box), GTK_WIDGET (bulk->editor_bin));
    bulk->null_check = GTK_CHECK_BUTTON (gtk_check_button_new_with_mnemonic (_("Set to _NULL")));
    gtk_widget_set_name (GTK_WIDGET (bulk->null_check), "bulk-null");
    g_signal_connect_swapped (bulk->null_check, "toggled", G_CALLBACK (bulk_update_sensitivity), bulk);
    gtk_box_append (GTK_BOX (value_box), GTK_WIDGET (bulk->null_check));
    gtk_box_append (GTK_BOX (body), value_box);
  }

  note = gtk_label_new (_("Only the selected rows are changed, matched by their primary key. This cannot be undone."));
  gtk_label_set_wrap (GTK_LABEL (note), TRUE);
  gtk_label_set_xalign (GTK_LABEL (note), 0);
  gtk_widget_add_css_class (note, "dim-label");
  gtk_box_append (GTK_BOX (body), note);

  /* Rows of the selection whose page is not loaded have no key to match:
   * say so rather than change fewer rows than selected in silence. */
  if (n_selected > bulk->batches.rows->len)
    {
      g_autofree char *text = NULL;
      guint left_out = (guint) MIN (n_selected - bulk->batches.rows->len, G_MAXUINT);

      /* Translators: %u is a number of rows */
      text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                           "%u selected row is not loaded yet and is left out: scroll to it first, or narrow the selection with a filter.",
                                           "%u selected rows are not loaded yet and are left out: scroll to them first, or narrow the selection with a filter.",
                                           left_out),
                              left_out);
      note = gtk_label_new (text);
      gtk_widget_set_name (note, "bulk-left-out");
      gtk_label_set_wrap (GTK_LABEL (note), TRUE);
      gtk_label_set_xalign (GTK_LABEL (note), 0);
      gtk_widget_add_css_class (note, "warning");
      gtk_box_append (GTK_BOX (body), note);
    }

  if (confirm_by_typing (self))
    {
      g_autofree char *prompt = NULL;

      bulk->confirm_entry = confirm_entry_new ();
      g_signal_connect_swapped (bulk->confirm_entry, "changed", G_CALLBACK (bulk_update_sensitivity), bulk);
      g_auto(GStrv) parts = g_strsplit (supa_table_info_get_name (table), "_", -1);
      g_autofree char *escaped = g_strjoinv ("__", parts);

      /* Translators: %s is a table name; the label has a mnemonic */
      prompt = g_strdup_printf (_("This is a production project. _Type “%s” to confirm"), escaped);
      gtk_box_append (GTK_BOX (body), bulk_labelled (prompt, _("Table name"), bulk->confirm_entry));
    }

  bulk->progress = GTK_PROGRESS_BAR (gtk_progress_bar_new ());
  gtk_widget_set_name (GTK_WIDGET (bulk->progress), "bulk-progress");
  gtk_accessible_update_property (GTK_ACCESSIBLE (bulk->progress),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, _("Update progress"), -1);
  gtk_widget_set_visible (GTK_WIDGET (bulk->progress), FALSE);
  gtk_box_append (GTK_BOX (body), GTK_WIDGET (bulk->progress));

  bulk->report = GTK_LABEL (gtk_label_new (NULL));
  gtk_widget_set_name (GTK_WIDGET (bulk->report), "bulk-report");
  gtk_label_set_wrap (bulk->report, TRUE);
  gtk_label_set_wrap_mode (bulk->report, PANGO_WRAP_WORD_CHAR);
  gtk_label_set_xalign (bulk->report, 0);
  gtk_label_set_selectable (bulk->report, TRUE);
  gtk_widget_set_visible (GTK_WIDGET (bulk->report), FALSE);
  gtk_box_append (GTK_BOX (body), GTK_WIDGET (bulk->report));

  gtk_box_append (GTK_BOX (content), body);
  adw_window_set_content (ADW_WINDOW (bulk->window), content);

  g_signal_connect_swapped (bulk->column_dropdown, "notify::selected", G_CALLBACK (bulk_column_changed_cb), bulk);
  if (bulk->columns->len > 0)
    {
      gtk_drop_down_set_selected (bulk->column_dropdown, preselect);
      bulk_column_changed_cb (bulk);
    }
  else
    {
      gtk_label_set_label (bulk->heading, _("This table has no columns besides its primary key."));
      bulk_update_sensitivity (bulk);
    }

  gtk_window_present (bulk->window);
  if (bulk->editor != NULL)
    supa_value_editor_focus (bulk->editor);
  return GTK_WIDGET (bulk->window);
}

static void
bulk_update_action (GtkWidget  *widget,
                    const char *action_name,
                    GVariant   *parameter)
{
  open_bulk_update_dialog (SUPA_TABLE_BROWSER (widget));
}

/* --- copy --------------------------------------------------------------- */

/* The columns shown, in the grid's (possibly reordered) order. */
static GPtrArray *
visible_columns (SupaTableBrowser *self)
{
  GListModel *columns = gtk_column_view_get_columns (self->column_view);
  GPtrArray *infos = g_ptr_array_new_with_free_func (g_object_unref);

  for (guint i = 0; i < g_list_model_get_n_items (columns); i++)
    {
      g_autoptr(GtkColumnViewColumn) column = g_list_model_get_item (columns, i);
      SupaColumnInfo *info = g_object_get_data (G_OBJECT (column), "supa-column");

      if (info != NULL && gtk_column_view_column_get_visible (column))
        g_ptr_array_add (infos, g_object_ref (info));
    }

  return infos;
}

/* A cell as text: strings whole (the grid shows their first line only),
 * everything else as the grid shows it; NULL for SQL NULL. */
static char *
cell_text (JsonNode *value)
{
  gboolean is_null = FALSE;
  char *text;

  if (value == NULL || JSON_NODE_HOLDS_NULL (value))
    return NULL;
  if (JSON_NODE_HOLDS_VALUE (value) && json_node_get_value_type (value) == G_TYPE_STRING)
    return g_strdup (json_node_get_string (value));

  text = supa_cell_format_value (value, &is_null);
  if (is_null)
    g_clear_pointer (&text, g_free);
  return text;
}

/* A TSV field: as it is, unless a tab, line break or quote needs CSV-style
 * quoting (what spreadsheets accept when pasting). NULL is empty. */
static void
append_tsv_field (GString    *out,
                  const char *value)
{
  if (value == NULL)
    return;

  if (strpbrk (value, "\t\r\n\"") == NULL)
    {
      g_string_append (out, value);
      return;
    }

  g_string_append_c (out, '"');
  for (const char *p = value; *p != '\0'; p++)
    {
      if (*p == '"')
        g_string_append_c (out, '"');
      g_string_append_c (out, *p);
    }
  g_string_append_c (out, '"');
}

/* The selected rows' visible cells: "tsv" (no header, for pasting into a
 * spreadsheet), "csv" (a header line, RFC 4180, NULL as an empty field)
 * or "json" (an array of objects, NULL as null). */
static char *
format_selection (SupaTableBrowser *self,
                  const char       *format)
{
  g_autoptr(GPtrArray) rows = selected_rows (self);
  g_autoptr(GPtrArray) columns = NULL;
  g_autoptr(GString) out = g_string_new (NULL);

  if (rows->len == 0)
    return NULL;

  columns = visible_columns (self);

  if (g_str_equal (format, "json"))
    {
      g_autoptr(JsonBuilder) builder = json_builder_new ();
      g_autoptr(JsonNode) root = NULL;

      json_builder_begin_array (builder);
      for (guint r = 0; r < rows->len; r++)
        {
          SupaRow *row = g_ptr_array_index (rows, r);

          json_builder_begin_object (builder);
          for (guint c = 0; c < columns->len; c++)
            {
              const char *name = supa_column_info_get_name (g_ptr_array_index (columns, c));
              JsonNode *value = supa_row_get_value (row, name);

              json_builder_set_member_name (builder, name);
              if (value != NULL)
                json_builder_add_value (builder, json_node_copy (value));
              else
                json_builder_add_null_value (builder);
            }
          json_builder_end_object (builder);
        }
      json_builder_end_array (builder);
      root = json_builder_get_root (builder);
      return json_to_string (root, TRUE);
    }

  if (g_str_equal (format, "csv"))
    for (guint c = 0; c < columns->len; c++)
      {
        if (c > 0)
          g_string_append_c (out, ',');
        supa_csv_append_field (out, supa_column_info_get_name (g_ptr_array_index (columns, c)));
      }
  if (g_str_equal (format, "csv") && columns->len > 0)
    g_string_append (out, "\r\n");

  for (guint r = 0; r < rows->len; r++)
    {
      SupaRow *row = g_ptr_array_index (rows, r);

      for (guint c = 0; c < columns->len; c++)
        {
          const char *name = supa_column_info_get_name (g_ptr_array_index (columns, c));
          g_autofree char *text = cell_text (supa_row_get_value (row, name));

          if (g_str_equal (format, "csv"))
            {
              if (c > 0)
                g_string_append_c (out, ',');
              supa_csv_append_field (out, text);
            }
          else
            {
              if (c > 0)
                g_string_append_c (out, '\t');
              append_tsv_field (out, text);
            }
        }
      g_string_append (out, g_str_equal (format, "csv") ? "\r\n" : "\n");
    }

  return g_string_free (g_steal_pointer (&out), FALSE);
}

static void
copy_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  SupaTableBrowser *self = SUPA_TABLE_BROWSER (widget);
  const char *format = parameter != NULL ? g_variant_get_string (parameter, NULL) : "tsv";
  g_autofree char *text = NULL;

  if (self->model == NULL)
    return;
  if (!g_str_equal (format, "tsv") && !g_str_equal (format, "csv") && !g_str_equal (format, "json"))
    return;

  text = format_selection (self, format);
  if (text != NULL)
    gdk_clipboard_set_text (gtk_widget_get_clipboard (widget), text);
}

/* --- export and import -------------------------------------------------- */

static GtkWidget *
open_export_dialog (SupaTableBrowser *self)
{
  SupaTableInfo *table = current_table (self);
  SupaFilterGroup *filter;
  g_autoptr(SupaQuery) query = NULL;
  SupaExportDialog *dialog;

  if (table == NULL || self->database == NULL)
    return NULL;

  /* The rows the grid shows: its filter and its sort. Without a filter the
   * dialog counts the whole table itself. */
  filter = supa_row_model_get_filter (self->model);
  if (filter != NULL)
    {
      query = table_query (current_table (self));
      supa_query_add_group (query, filter, NULL);
    }

  dialog = supa_export_dialog_new (get_window (self), self->database, table, query,
                                   supa_row_model_get_sort (self->model));
  if (query != NULL && !supa_row_model_get_count_is_estimate (self->model))
    supa_export_dialog_set_row_count (dialog, supa_row_model_get_count (self->model));
  gtk_window_present (GTK_WINDOW (dialog));
  return GTK_WIDGET (dialog);
}

static void
export_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  open_export_dialog (SUPA_TABLE_BROWSER (widget));
}

static void
imported_cb (SupaTableBrowser *self,
             guint64           n_rows,
             SupaImportDialog *dialog)
{
  SupaTableInfo *table = g_object_get_data (G_OBJECT (dialog), "supa-table");

  if (self->model != NULL && current_table (self) == table)
    supa_row_model_reload (self->model);
}

static GtkWidget *
open_import_dialog (SupaTableBrowser *self)
{
  SupaTableInfo *table = current_table (self);
  SupaImportDialog *dialog;

  if (table == NULL || self->database == NULL || !supa_table_info_get_insertable (table))
    return NULL;

  dialog = supa_import_dialog_new (get_window (self), self->database, table);
  g_object_set_data_full (G_OBJECT (dialog), "supa-table", g_object_ref (table), g_object_unref);
  g_signal_connect_object (dialog, "imported", G_CALLBACK (imported_cb), self, G_CONNECT_SWAPPED);
  gtk_window_present (GTK_WINDOW (dialog));
  return GTK_WIDGET (dialog);
}

static void
import_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  open_import_dialog (SUPA_TABLE_BROWSER (widget));
}

/* --- other actions ------------------------------------------------------ */

static void
find_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  SupaTableBrowser *self = SUPA_TABLE_BROWSER (widget);

  gtk_toggle_button_set_active (self->filter_button, TRUE);
  gtk_widget_grab_focus (GTK_WIDGET (self->filter_value));
}

static void
refresh_action (GtkWidget  *widget,
                const char *action_name,
                GVariant   *parameter)
{
  SupaTableBrowser *self = SUPA_TABLE_BROWSER (widget);

  close_edit (self);
  if (self->model != NULL)
    supa_row_model_reload (self->model);
}

static void
row_inserted_cb (SupaTableBrowser *self)
{
  if (self->model != NULL)
    supa_row_model_reload (self->model);
}

static void
insert_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  SupaTableBrowser *self = SUPA_TABLE_BROWSER (widget);
  GtkWidget *editor;

  if (current_table (self) == NULL)
    return;

  editor = supa_row_editor_new (get_window (self), self->database, current_table (self), self->table_cancellable);
  supa_row_editor_set_schema (SUPA_ROW_EDITOR (editor), self->schema);
  g_signal_connect_object (editor, "inserted", G_CALLBACK (row_inserted_cb), self, G_CONNECT_SWAPPED);
  gtk_window_present (GTK_WINDOW (editor));
}

/* The row an action on "the row" applies to: the first selected one. */
static SupaRow *
dup_action_row (SupaTableBrowser *self)
{
  g_autoptr(GPtrArray) rows = selected_rows (self);

  if (rows->len == 0)
    return NULL;

  return g_object_ref (g_ptr_array_index (rows, 0));
}

/* The cell an action on "this cell" applies to: the focused one, else the
 * one clicked last (a right click opens the menu without moving focus). */
static SupaCell *
dup_action_cell (SupaTableBrowser *self)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
  GtkWidget *focus = root != NULL ? gtk_root_get_focus (root) : NULL;

  while (focus != NULL && !SUPA_IS_CELL (focus))
    focus = gtk_widget_get_parent (focus);
  if (focus != NULL && gtk_widget_is_ancestor (focus, GTK_WIDGET (self->column_view)))
    return g_object_ref (SUPA_CELL (focus));

  return g_weak_ref_get (&self->last_cell);
}

static gboolean
follow_foreign_key (SupaTableBrowser *self,
                    SupaRow          *row,
                    SupaColumnInfo   *column)
{
  const char *fk_table = supa_column_info_get_fk_table (column);
  const char *fk_column = supa_column_info_get_fk_column (column);
  g_autofree char *value = NULL;
  g_autofree char *table = NULL;
  g_autofree char *target_column = NULL;

  if (fk_table == NULL || fk_column == NULL || row == NULL || !supa_row_get_loaded (row))
    return FALSE;

  value = key_text (supa_row_get_value (row, supa_column_info_get_name (column)));
  if (value == NULL)
    return FALSE;

  /* Opening the table replaces the column (and its schema): keep copies. */
  table = g_strdup (fk_table);
  target_column = g_strdup (fk_column);

  /* A search in the sidebar may hide the referenced table. */
  supa_table_sidebar_set_search_text (self->sidebar, "");
  if (!supa_table_sidebar_select (self->sidebar, table))
    {
      g_autofree char *message = NULL;

      /* Translators: %s is a table name */
      message = g_strdup_printf (_("The referenced table “%s” is not available"), table);
      show_error (self, message);
      return FALSE;
    }

  return supa_table_browser_set_filter (self, target_column, "eq", value, NULL);
}

static void
follow_fk_action (GtkWidget  *widget,
                  const char *action_name,
                  GVariant   *parameter)
{
  SupaTableBrowser *self = SUPA_TABLE_BROWSER (widget);
  g_autoptr(SupaCell) cell = dup_action_cell (self);
  g_autoptr(SupaRow) row = NULL;
  g_autoptr(SupaColumnInfo) column = NULL;

  if (cell == NULL || current_table (self) == NULL)
    return;

  /* The cell is recycled when the table changes: hold on to its data. */
  row = supa_cell_get_row (cell) != NULL ? g_object_ref (supa_cell_get_row (cell)) : NULL;
  column = g_object_ref (supa_cell_get_column (cell));
  follow_foreign_key (self, row, column);
}

static void
duplicate_action (GtkWidget  *widget,
                  const char *action_name,
                  GVariant   *parameter)
{
  SupaTableBrowser *self = SUPA_TABLE_BROWSER (widget);
  g_autoptr(SupaRow) row = NULL;
  GtkWidget *editor;

  if (current_table (self) == NULL || !supa_table_info_get_insertable (current_table (self)))
    return;

  row = dup_action_row (self);
  if (row == NULL || supa_row_get_values (row) == NULL)
    return;

  editor = supa_row_editor_new (get_window (self), self->database, current_table (self), self->table_cancellable);
  supa_row_editor_set_schema (SUPA_ROW_EDITOR (editor), self->schema);
  supa_row_editor_set_values (SUPA_ROW_EDITOR (editor), supa_row_get_values (row));
  g_signal_connect_object (editor, "inserted", G_CALLBACK (row_inserted_cb), self, G_CONNECT_SWAPPED);
  gtk_window_present (GTK_WINDOW (editor));
}

static void
count_exact_cb (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(SupaTableBrowser) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!supa_row_model_count_exact_finish (SUPA_ROW_MODEL (object), result, &error) &&
      !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_autofree char *message = supa_error_dup_display_text (error);

      show_error (self, message);
    }
}

static void
count_exact_action (GtkWidget  *widget,
                    const char *action_name,
                    GVariant   *parameter)
{
  SupaTableBrowser *self = SUPA_TABLE_BROWSER (widget);

  if (self->model != NULL)
    supa_row_model_count_exact_async (self->model, self->table_cancellable,
                                      count_exact_cb, g_object_ref (self));
}

static void
apply_filter_action (GtkWidget  *widget,
                     const char *action_name,
                     GVariant   *parameter)
{
  apply_filter (SUPA_TABLE_BROWSER (widget));
}

static void
clear_filter_action (GtkWidget  *widget,
                     const char *action_name,
                     GVariant   *parameter)
{
  SupaTableBrowser *self = SUPA_TABLE_BROWSER (widget);

  gtk_editable_set_text (GTK_EDITABLE (self->filter_value), "");
  gtk_editable_set_text (GTK_EDITABLE (self->filter_advanced), "");
  gtk_drop_down_set_selected (self->filter_op, 0);
  show_filter_error (self, NULL);
  if (self->model != NULL)
    supa_row_model_set_filter (self->model, NULL);
}

static void
filter_toggled_cb (SupaTableBrowser *self)
{
  gboolean active = gtk_toggle_button_get_active (self->filter_button);

  gtk_revealer_set_reveal_child (self->filter_revealer, active);
}

static gboolean
filter_key_pressed_cb (GtkEventControllerKey *controller,
                       guint                  keyval,
                       guint                  keycode,
                       GdkModifierType        state,
                       SupaTableBrowser      *self)
{
  if (keyval == GDK_KEY_Escape)
    {
      gtk_toggle_button_set_active (self->filter_button, FALSE);
      gtk_widget_grab_focus (GTK_WIDGET (self->column_view));
      return TRUE;
    }

  return FALSE;
}

/* --- construction ------------------------------------------------------- */

static GtkWidget *
icon_button (const char *icon,
             const char *tooltip,
             const char *action)
{
  GtkWidget *button = gtk_button_new_from_icon_name (icon);

  gtk_widget_set_tooltip_text (button, tooltip);
  gtk_accessible_update_property (GTK_ACCESSIBLE (button), GTK_ACCESSIBLE_PROPERTY_LABEL, tooltip, -1);
  gtk_actionable_set_action_name (GTK_ACTIONABLE (button), action);
  gtk_widget_add_css_class (button, "flat");
  return button;
}

static GtkWidget *
build_filter_bar (SupaTableBrowser *self)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);
  GtkWidget *row = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  GtkWidget *button;
  GtkEventController *key;

  gtk_widget_set_margin_start (box, 6);
  gtk_widget_set_margin_end (box, 6);
  gtk_widget_set_margin_top (box, 6);
  gtk_widget_set_margin_bottom (box, 6);

  self->filter_column = GTK_DROP_DOWN (gtk_drop_down_new (NULL, NULL));
  gtk_drop_down_set_expression (self->filter_column,
                                gtk_property_expression_new (GTK_TYPE_STRING_OBJECT, NULL, "string"));
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->filter_column), _("Column"));
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->filter_column),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, _("Filter column"), -1);
  gtk_box_append (GTK_BOX (row), GTK_WIDGET (self->filter_column));

  self->filter_op = GTK_DROP_DOWN (gtk_drop_down_new_from_strings (filter_ops));
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->filter_op), _("Operator"));
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->filter_op),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, _("Filter operator"), -1);
  g_signal_connect_swapped (self->filter_op, "notify::selected", G_CALLBACK (filter_op_changed_cb), self);
  gtk_box_append (GTK_BOX (row), GTK_WIDGET (self->filter_op));

  /* Narrow minimum widths: the window's sidebar folds only below 820 px. */
  self->filter_value = GTK_ENTRY (gtk_entry_new ());
  gtk_editable_set_width_chars (GTK_EDITABLE (self->filter_value), 6);
  gtk_entry_set_placeholder_text (self->filter_value, _("Value"));
  gtk_widget_set_hexpand (GTK_WIDGET (self->filter_value), TRUE);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->filter_value),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, _("Filter value"), -1);
  g_signal_connect_swapped (self->filter_value, "activate", G_CALLBACK (filter_activate_cb), self);
  gtk_box_append (GTK_BOX (row), GTK_WIDGET (self->filter_value));
  gtk_box_append (GTK_BOX (box), row);

  row = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  self->filter_advanced = GTK_ENTRY (gtk_entry_new ());
  gtk_editable_set_width_chars (GTK_EDITABLE (self->filter_advanced), 6);
  gtk_widget_set_hexpand (GTK_WIDGET (self->filter_advanced), TRUE);
  gtk_entry_set_placeholder_text (self->filter_advanced, _("Advanced: PostgREST filter, e.g. or=(a.eq.1,b.gt.2) or name=ilike.*foo*"));
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->filter_advanced),
                               _("Advanced filter in PostgREST syntax, ANDed with the one above: column=operator.value, or=(…), and=(…), joined with &"));
  gtk_widget_add_css_class (GTK_WIDGET (self->filter_advanced), "monospace");
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->filter_advanced),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, _("Advanced filter in PostgREST syntax"), -1);
  g_signal_connect_swapped (self->filter_advanced, "activate", G_CALLBACK (filter_activate_cb), self);
  gtk_box_append (GTK_BOX (row), GTK_WIDGET (self->filter_advanced));

  button = gtk_button_new_with_mnemonic (_("_Apply"));
  gtk_actionable_set_action_name (GTK_ACTIONABLE (button), "table.apply-filter");
  gtk_widget_add_css_class (button, "suggested-action");
  gtk_box_append (GTK_BOX (row), button);
  button = gtk_button_new_with_mnemonic (_("C_lear"));
  gtk_actionable_set_action_name (GTK_ACTIONABLE (button), "table.clear-filter");
  gtk_box_append (GTK_BOX (row), button);
  gtk_box_append (GTK_BOX (box), row);

  self->filter_error = GTK_LABEL (gtk_label_new (NULL));
  gtk_label_set_xalign (self->filter_error, 0);
  gtk_label_set_wrap (self->filter_error, TRUE);
  gtk_label_set_selectable (self->filter_error, TRUE);
  gtk_widget_add_css_class (GTK_WIDGET (self->filter_error), "error");
  gtk_widget_set_visible (GTK_WIDGET (self->filter_error), FALSE);
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (self->filter_error));

  key = gtk_event_controller_key_new ();
  g_signal_connect (key, "key-pressed", G_CALLBACK (filter_key_pressed_cb), self);
  gtk_widget_add_controller (box, key);

  self->filter_revealer = GTK_REVEALER (gtk_revealer_new ());
  gtk_revealer_set_child (self->filter_revealer, box);
  return GTK_WIDGET (self->filter_revealer);
}

static GtkWidget *
build_table_page (SupaTableBrowser *self)
{
  GtkWidget *page = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  GtkWidget *toolbar = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  GtkWidget *titles = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  GtkWidget *scrolled;
  GtkWidget *status;
  GtkWidget *error_box;
  GtkWidget *more;
  g_autoptr(GMenu) menu = NULL;
  g_autoptr(GMenu) section = NULL;
  g_autoptr(GMenuModel) row_menu = NULL;
  GtkWidget *details_button;

  gtk_widget_set_margin_start (toolbar, 12);
  gtk_widget_set_margin_end (toolbar, 6);
  gtk_widget_set_margin_top (toolbar, 6);
  gtk_widget_set_margin_bottom (toolbar, 6);

  self->table_title = GTK_LABEL (gtk_label_new (NULL));
  gtk_label_set_xalign (self->table_title, 0);
  gtk_label_set_ellipsize (self->table_title, PANGO_ELLIPSIZE_END);
  gtk_widget_add_css_class (GTK_WIDGET (self->table_title), "heading");
  self->table_subtitle = GTK_LABEL (gtk_label_new (NULL));
  gtk_label_set_xalign (self->table_subtitle, 0);
  gtk_label_set_ellipsize (self->table_subtitle, PANGO_ELLIPSIZE_END);
  gtk_widget_add_css_class (GTK_WIDGET (self->table_subtitle), "caption");
  gtk_widget_add_css_class (GTK_WIDGET (self->table_subtitle), "dim-label");
  gtk_box_append (GTK_BOX (titles), GTK_WIDGET (self->table_title));
  gtk_box_append (GTK_BOX (titles), GTK_WIDGET (self->table_subtitle));
  gtk_widget_set_hexpand (titles, TRUE);
  gtk_widget_set_valign (titles, GTK_ALIGN_CENTER);
  gtk_box_append (GTK_BOX (toolbar), titles);

  self->filter_button = GTK_TOGGLE_BUTTON (gtk_toggle_button_new ());
  gtk_button_set_icon_name (GTK_BUTTON (self->filter_button), "edit-find-symbolic");
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->filter_button), _("Filter Rows (Ctrl+F)"));
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->filter_button),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, _("Filter rows"), -1);
  gtk_widget_add_css_class (GTK_WIDGET (self->filter_button), "flat");
  g_signal_connect_swapped (self->filter_button, "toggled", G_CALLBACK (filter_toggled_cb), self);
  gtk_box_append (GTK_BOX (toolbar), GTK_WIDGET (self->filter_button));
  gtk_box_append (GTK_BOX (toolbar), icon_button ("view-refresh-symbolic", _("Reload Rows (Ctrl+R)"), "table.refresh"));
  gtk_box_append (GTK_BOX (toolbar), icon_button ("list-add-symbolic", _("Insert Row (Ctrl+N)"), "table.insert"));
  self->bulk_button = icon_button ("document-edit-symbolic", _("Set a Column on the Selected Rows (Ctrl+Shift+E)"),
                                   "table.bulk-update");
  gtk_widget_set_name (self->bulk_button, "bulk-update-button");
  gtk_box_append (GTK_BOX (toolbar), self->bulk_button);
  gtk_box_append (GTK_BOX (toolbar), icon_button ("user-trash-symbolic", _("Delete Selected Rows (Delete)"), "table.delete"));
  details_button = gtk_toggle_button_new ();
  gtk_widget_set_name (details_button, "details-button");
  gtk_button_set_icon_name (GTK_BUTTON (details_button), "sidebar-show-right-symbolic");
  gtk_widget_set_tooltip_text (details_button, _("Row Details (Ctrl+I)"));
  gtk_accessible_update_property (GTK_ACCESSIBLE (details_button),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, _("Row details"), -1);
  gtk_widget_add_css_class (details_button, "flat");
  gtk_box_append (GTK_BOX (toolbar), details_button);

  menu = g_menu_new ();
  section = g_menu_new ();
  g_menu_append (section, _("_Duplicate Row"), "table.duplicate");
  g_menu_append (section, _("_Set Column on Selected Rows…"), "table.bulk-update");
  g_menu_append_section (menu, NULL, G_MENU_MODEL (section));
  g_clear_object (&section);
  section = g_menu_new ();
  g_menu_append (section, _("_Export…"), "table.export");
  g_menu_append (section, _("_Import CSV…"), "table.import");
  g_menu_append_section (menu, NULL, G_MENU_MODEL (section));
  g_clear_object (&section);
  section = g_menu_new ();
  g_menu_append (section, _("Copy Selection as _TSV"), "table.copy::tsv");
  g_menu_append (section, _("Copy Selection as _CSV"), "table.copy::csv");
  g_menu_append (section, _("Copy Selection as _JSON"), "table.copy::json");
  g_menu_append_section (menu, NULL, G_MENU_MODEL (section));
  more = gtk_menu_button_new ();
  gtk_widget_set_name (more, "table-menu-button");
  gtk_menu_button_set_icon_name (GTK_MENU_BUTTON (more), "view-more-symbolic");
  gtk_menu_button_set_menu_model (GTK_MENU_BUTTON (more), G_MENU_MODEL (menu));
  gtk_widget_set_tooltip_text (more, _("Export, Import and Copy"));
  gtk_accessible_update_property (GTK_ACCESSIBLE (more),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, _("Export, import and copy"), -1);
  gtk_widget_add_css_class (more, "flat");
  gtk_box_append (GTK_BOX (toolbar), more);
  gtk_box_append (GTK_BOX (page), toolbar);
  gtk_box_append (GTK_BOX (page), build_filter_bar (self));

  error_box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  gtk_widget_add_css_class (error_box, "rls-warning");
  gtk_widget_set_margin_start (error_box, 6);
  gtk_widget_set_margin_end (error_box, 6);
  gtk_widget_set_margin_bottom (error_box, 6);
  gtk_box_append (GTK_BOX (error_box), gtk_image_new_from_icon_name ("dialog-warning-symbolic"));
  self->error_label = GTK_LABEL (gtk_label_new (NULL));
  gtk_label_set_wrap (self->error_label, TRUE);
  gtk_label_set_xalign (self->error_label, 0);
  gtk_label_set_selectable (self->error_label, TRUE);
  gtk_widget_set_hexpand (GTK_WIDGET (self->error_label), TRUE);
  gtk_box_append (GTK_BOX (error_box), GTK_WIDGET (self->error_label));
  self->error_revealer = GTK_REVEALER (gtk_revealer_new ());
  gtk_revealer_set_child (self->error_revealer, error_box);
  gtk_box_append (GTK_BOX (page), GTK_WIDGET (self->error_revealer));

  self->column_view = GTK_COLUMN_VIEW (gtk_column_view_new (NULL));
  gtk_widget_set_name (GTK_WIDGET (self->column_view), "rows-view");
  gtk_column_view_set_reorderable (self->column_view, TRUE);
  gtk_column_view_set_show_column_separators (self->column_view, TRUE);
  gtk_column_view_set_show_row_separators (self->column_view, TRUE);
  gtk_widget_add_css_class (GTK_WIDGET (self->column_view), "data-table");
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->column_view),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, _("Rows"), -1);
  g_signal_connect_swapped (self->column_view, "activate", G_CALLBACK (row_activate_cb), self);
  g_signal_connect_swapped (gtk_column_view_get_sorter (self->column_view), "changed",
                            G_CALLBACK (sorter_changed_cb), self);
  {
    GtkEventController *legacy = gtk_event_controller_legacy_new ();

    /* Notes Shift on header clicks; see "sorting" above. */
    gtk_event_controller_set_propagation_phase (legacy, GTK_PHASE_CAPTURE);
    g_signal_connect (legacy, "event", G_CALLBACK (column_view_event_cb), self);
    gtk_widget_add_controller (GTK_WIDGET (self->column_view), legacy);
  }

  scrolled = gtk_scrolled_window_new ();
  gtk_widget_set_vexpand (scrolled, TRUE);
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scrolled), GTK_WIDGET (self->column_view));

  /* Beside the grid when there is room, over it when narrow. */
  self->details_flap = ADW_FLAP (adw_flap_new ());
  adw_flap_set_flap_position (self->details_flap, GTK_PACK_END);
  adw_flap_set_reveal_flap (self->details_flap, FALSE);
  adw_flap_set_swipe_to_open (self->details_flap, FALSE);
  adw_flap_set_content (self->details_flap, scrolled);
  adw_flap_set_separator (self->details_flap, gtk_separator_new (GTK_ORIENTATION_VERTICAL));
  adw_flap_set_flap (self->details_flap, build_details_panel (self));
  gtk_widget_set_vexpand (GTK_WIDGET (self->details_flap), TRUE);
  g_signal_connect_swapped (self->details_flap, "notify::reveal-flap", G_CALLBACK (update_details), self);
  gtk_box_append (GTK_BOX (page), GTK_WIDGET (self->details_flap));

  status = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 12);
  gtk_widget_set_margin_start (status, 12);
  gtk_widget_set_margin_end (status, 12);
  gtk_widget_set_margin_top (status, 4);
  gtk_widget_set_margin_bottom (status, 4);
  self->count_label = GTK_LABEL (gtk_label_new (NULL));
  gtk_widget_set_name (GTK_WIDGET (self->count_label), "count-label");
  gtk_box_append (GTK_BOX (status), GTK_WIDGET (self->count_label));
  self->count_button = GTK_BUTTON (gtk_button_new_with_mnemonic (_("Count _Exactly")));
  gtk_actionable_set_action_name (GTK_ACTIONABLE (self->count_button), "table.count-exact");
  gtk_widget_add_css_class (GTK_WIDGET (self->count_button), "flat");
  gtk_box_append (GTK_BOX (status), GTK_WIDGET (self->count_button));
  self->sort_label = GTK_LABEL (gtk_label_new (NULL));
  gtk_widget_set_name (GTK_WIDGET (self->sort_label), "sort-label");
  gtk_label_set_ellipsize (self->sort_label, PANGO_ELLIPSIZE_END);
  gtk_widget_add_css_class (GTK_WIDGET (self->sort_label), "dim-label");
  gtk_widget_set_visible (GTK_WIDGET (self->sort_label), FALSE);
  gtk_box_append (GTK_BOX (status), GTK_WIDGET (self->sort_label));
  self->readonly_label = GTK_LABEL (gtk_label_new (NULL));
  gtk_label_set_ellipsize (self->readonly_label, PANGO_ELLIPSIZE_END);
  gtk_widget_add_css_class (GTK_WIDGET (self->readonly_label), "dim-label");
  gtk_widget_set_hexpand (GTK_WIDGET (self->readonly_label), TRUE);
  gtk_label_set_xalign (self->readonly_label, 1);
  gtk_box_append (GTK_BOX (status), GTK_WIDGET (self->readonly_label));
  self->delete_label = GTK_LABEL (gtk_label_new (NULL));
  gtk_widget_set_name (GTK_WIDGET (self->delete_label), "delete-progress");
  gtk_widget_add_css_class (GTK_WIDGET (self->delete_label), "numeric");
  gtk_widget_set_visible (GTK_WIDGET (self->delete_label), FALSE);
  gtk_box_append (GTK_BOX (status), GTK_WIDGET (self->delete_label));
  self->delete_stop_button = GTK_BUTTON (gtk_button_new_with_mnemonic (_("_Stop")));
  gtk_widget_set_name (GTK_WIDGET (self->delete_stop_button), "delete-stop");
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->delete_stop_button), _("Stop after the batch under way"));
  gtk_widget_add_css_class (GTK_WIDGET (self->delete_stop_button), "flat");
  gtk_actionable_set_action_name (GTK_ACTIONABLE (self->delete_stop_button), "table.stop-delete");
  gtk_widget_set_visible (GTK_WIDGET (self->delete_stop_button), FALSE);
  gtk_box_append (GTK_BOX (status), GTK_WIDGET (self->delete_stop_button));
  self->spinner = GTK_SPINNER (gtk_spinner_new ());
  gtk_widget_set_halign (GTK_WIDGET (self->spinner), GTK_ALIGN_END);
  gtk_widget_set_hexpand (GTK_WIDGET (self->spinner), TRUE);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->spinner),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, _("Loading rows"), -1);
  gtk_box_append (GTK_BOX (status), GTK_WIDGET (self->spinner));
  gtk_box_append (GTK_BOX (page), gtk_separator_new (GTK_ORIENTATION_HORIZONTAL));
  gtk_box_append (GTK_BOX (page), status);

  g_object_bind_property (self->details_flap, "reveal-flap", details_button, "active",
                          G_BINDING_BIDIRECTIONAL | G_BINDING_SYNC_CREATE);

  row_menu = row_menu_model ();
  self->row_menu = gtk_popover_menu_new_from_model (row_menu);
  gtk_popover_set_has_arrow (GTK_POPOVER (self->row_menu), FALSE);
  gtk_widget_set_halign (self->row_menu, GTK_ALIGN_START);
  gtk_widget_set_parent (self->row_menu, page);
  g_signal_connect_swapped (self->row_menu, "closed", G_CALLBACK (update_actions), self);

  return page;
}

static void
supa_table_browser_dispose (GObject *object)
{
  SupaTableBrowser *self = SUPA_TABLE_BROWSER (object);

  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
  if (self->table_cancellable != NULL)
    clear_table (self);
  close_edit (self);
  g_clear_pointer (&self->row_menu, gtk_widget_unparent);
  if (self->details_row != NULL)
    g_signal_handlers_disconnect_by_data (self->details_row, self);
  g_clear_object (&self->details_row);
  g_clear_pointer (&self->paned, gtk_widget_unparent);
  self->bulk_button = NULL;
  /* A deletion still running ends without them. */
  self->delete_label = NULL;
  self->delete_stop_button = NULL;

  drop_schema_load (self);
  g_clear_object (&self->cancellable);
  if (self->parent_cancel_id != 0)
    g_cancellable_disconnect (self->parent_cancellable, self->parent_cancel_id);
  self->parent_cancel_id = 0;
  g_clear_object (&self->parent_cancellable);
  g_clear_pointer (&self->schema_name, g_free);
  g_clear_pointer (&self->session_schemas, g_hash_table_unref);
  g_clear_object (&self->settings);
  g_clear_object (&self->schema);
  g_clear_object (&self->database);
  g_clear_object (&self->client);
  g_clear_object (&self->profile);
  g_clear_object (&self->probe_a);
  g_clear_object (&self->probe_b);
  g_clear_handle_id (&self->forget_modifiers_id, g_source_remove);
  g_clear_pointer (&self->sort_keys, g_ptr_array_unref);
  g_clear_pointer (&self->error_text, g_free);
  g_weak_ref_set (&self->last_cell, NULL);

  G_OBJECT_CLASS (supa_table_browser_parent_class)->dispose (object);
}

static void
supa_table_browser_finalize (GObject *object)
{
  SupaTableBrowser *self = SUPA_TABLE_BROWSER (object);

  g_weak_ref_clear (&self->last_cell);

  G_OBJECT_CLASS (supa_table_browser_parent_class)->finalize (object);
}

static void
supa_table_browser_class_init (SupaTableBrowserClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = supa_table_browser_dispose;
  object_class->finalize = supa_table_browser_finalize;

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "supa-table-browser");

  gtk_widget_class_install_action (widget_class, "table.find", NULL, find_action);
  gtk_widget_class_install_action (widget_class, "table.refresh", NULL, refresh_action);
  gtk_widget_class_install_action (widget_class, "table.insert", NULL, insert_action);
  gtk_widget_class_install_action (widget_class, "table.duplicate", NULL, duplicate_action);
  gtk_widget_class_install_action (widget_class, "table.details", NULL, details_action);
  gtk_widget_class_install_action (widget_class, "table.follow-fk", NULL, follow_fk_action);
  gtk_widget_class_install_action (widget_class, "table.delete", NULL, delete_action);
  gtk_widget_class_install_action (widget_class, "table.stop-delete", NULL, stop_delete_action);
  gtk_widget_class_install_action (widget_class, "table.bulk-update", NULL, bulk_update_action);
  gtk_widget_class_install_action (widget_class, "table.count-exact", NULL, count_exact_action);
  gtk_widget_class_install_action (widget_class, "table.copy", "s", copy_action);
  gtk_widget_class_install_action (widget_class, "table.export", NULL, export_action);
  gtk_widget_class_install_action (widget_class, "table.import", NULL, import_action);
  gtk_widget_class_install_action (widget_class, "table.apply-filter", NULL, apply_filter_action);
  gtk_widget_class_install_action (widget_class, "table.clear-filter", NULL, clear_filter_action);
  gtk_widget_class_install_action (widget_class, "table.hide-column", "s", hide_column_action);
  gtk_widget_class_install_action (widget_class, "table.show-all-columns", NULL, show_all_columns_action);
  gtk_widget_class_install_action (widget_class, "table.sort-column", "(sb)", sort_column_action);
  gtk_widget_class_install_action (widget_class, "table.sort-add", "s", sort_add_action);
  gtk_widget_class_install_action (widget_class, "table.clear-sort", NULL, clear_sort_action);
  /* Informational menu items: never enabled, shown dimmed. */
  gtk_widget_class_install_action (widget_class, "table.no-op", NULL, no_op_action);

  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_f, GDK_CONTROL_MASK, "table.find", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_n, GDK_CONTROL_MASK, "table.insert", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_d, GDK_CONTROL_MASK, "table.duplicate", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_i, GDK_CONTROL_MASK, "table.details", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Return, GDK_ALT_MASK, "table.follow-fk", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_KP_Enter, GDK_ALT_MASK, "table.follow-fk", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_r, GDK_CONTROL_MASK, "table.refresh", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Delete, 0, "table.delete", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_E, GDK_CONTROL_MASK | GDK_SHIFT_MASK, "table.bulk-update", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_S, GDK_CONTROL_MASK | GDK_SHIFT_MASK, "table.sort-add", "s", "");
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_c, GDK_CONTROL_MASK, "table.copy", "s", "tsv");
}

static void
supa_table_browser_init (SupaTableBrowser *self)
{
  GtkWidget *button;

  g_weak_ref_init (&self->last_cell, NULL);
  self->probe_a = g_object_new (G_TYPE_OBJECT, NULL);
  self->probe_b = g_object_new (G_TYPE_OBJECT, NULL);
  self->sort_keys = g_ptr_array_new_with_free_func ((GDestroyNotify) sort_key_free);
  self->settings = g_settings_new (BASE_APPLICATION_ID);

  self->sidebar = SUPA_TABLE_SIDEBAR (supa_table_sidebar_new ());
  g_signal_connect_swapped (self->sidebar, "table-selected", G_CALLBACK (table_selected_cb), self);
  g_signal_connect_swapped (self->sidebar, "overview-requested", G_CALLBACK (overview_requested_cb), self);
  g_signal_connect_swapped (self->sidebar, "functions-requested", G_CALLBACK (functions_requested_cb), self);
  g_signal_connect_swapped (self->sidebar, "schema-selected", G_CALLBACK (schema_selected_cb), self);

  self->overview_bin = ADW_BIN (adw_bin_new ());
  self->functions_bin = ADW_BIN (adw_bin_new ());

  self->schema_error_page = ADW_STATUS_PAGE (adw_status_page_new ());
  gtk_widget_set_name (GTK_WIDGET (self->schema_error_page), "schema-error-page");
  button = gtk_button_new_with_mnemonic (_("_Retry"));
  gtk_widget_set_halign (button, GTK_ALIGN_CENTER);
  gtk_widget_add_css_class (button, "pill");
  g_signal_connect_swapped (button, "clicked", G_CALLBACK (retry_schema_cb), self);
  adw_status_page_set_child (self->schema_error_page, button);

  self->table_page = build_table_page (self);

  self->stack = GTK_STACK (gtk_stack_new ());
  gtk_stack_add_named (self->stack, GTK_WIDGET (self->overview_bin), "overview");
  gtk_stack_add_named (self->stack, GTK_WIDGET (self->schema_error_page), "schema-error");
  gtk_stack_add_named (self->stack, self->table_page, "table");
  gtk_stack_add_named (self->stack, GTK_WIDGET (self->functions_bin), "functions");
  gtk_stack_set_visible_child_name (self->stack, "overview");
  g_signal_connect_swapped (self->stack, "notify::visible-child", G_CALLBACK (update_actions), self);

  self->paned = gtk_paned_new (GTK_ORIENTATION_HORIZONTAL);
  gtk_paned_set_start_child (GTK_PANED (self->paned), GTK_WIDGET (self->sidebar));
  gtk_paned_set_end_child (GTK_PANED (self->paned), GTK_WIDGET (self->stack));
  gtk_paned_set_resize_start_child (GTK_PANED (self->paned), FALSE);
  gtk_paned_set_shrink_start_child (GTK_PANED (self->paned), FALSE);
  gtk_paned_set_shrink_end_child (GTK_PANED (self->paned), FALSE);
  gtk_paned_set_position (GTK_PANED (self->paned), 210);
  gtk_widget_set_parent (self->paned, GTK_WIDGET (self));

  update_actions (self);
}

/* --- public API --------------------------------------------------------- */

GtkWidget *
supa_table_browser_new (void)
{
  return g_object_new (SUPA_TYPE_TABLE_BROWSER, NULL);
}

void
supa_table_browser_set_client (SupaTableBrowser *self,
                               SupaClient       *client,
                               SupaProfile      *profile,
                               GCancellable     *cancellable)
{
  g_return_if_fail (SUPA_IS_TABLE_BROWSER (self));
  g_return_if_fail (!client || SUPA_IS_CLIENT (client));
  g_return_if_fail (!profile || SUPA_IS_PROFILE (profile));

  clear_table (self);
  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
  drop_schema_load (self);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->schema);
  g_clear_object (&self->database);
  adw_bin_set_child (self->functions_bin, NULL);
  g_set_object (&self->client, client);
  g_set_object (&self->profile, profile);
  if (self->parent_cancel_id != 0)
    g_cancellable_disconnect (self->parent_cancellable, self->parent_cancel_id);
  self->parent_cancel_id = 0;
  g_set_object (&self->parent_cancellable, cancellable);
  supa_table_sidebar_set_tables (self->sidebar, NULL);
  supa_table_sidebar_set_schemas (self->sidebar, NULL, NULL);
  supa_table_sidebar_set_schema_note (self->sidebar, NULL, NULL);
  g_clear_pointer (&self->schema_name, g_free);
  gtk_stack_set_visible_child_name (self->stack, "overview");

  if (client == NULL)
    {
      supa_table_sidebar_set_loading (self->sidebar, FALSE);
      return;
    }

  /* Cancelled with the window's, or on the next connection. */
  self->cancellable = g_cancellable_new ();
  if (cancellable != NULL)
    self->parent_cancel_id = g_cancellable_connect (cancellable, G_CALLBACK (g_cancellable_cancel),
                                                    g_object_ref (self->cancellable), g_object_unref);
  self->database = supa_database_new (client);
  list_schemas (self);
}

void
supa_table_browser_set_overview (SupaTableBrowser *self,
                                 GtkWidget        *overview)
{
  g_return_if_fail (SUPA_IS_TABLE_BROWSER (self));

  adw_bin_set_child (self->overview_bin, overview);
}

const char *
supa_table_browser_get_page (SupaTableBrowser *self)
{
  g_return_val_if_fail (SUPA_IS_TABLE_BROWSER (self), NULL);

  return gtk_stack_get_visible_child_name (self->stack);
}

SupaSchema *
supa_table_browser_get_schema (SupaTableBrowser *self)
{
  g_return_val_if_fail (SUPA_IS_TABLE_BROWSER (self), NULL);

  return self->schema;
}

SupaTableSidebar *
supa_table_browser_get_sidebar (SupaTableBrowser *self)
{
  g_return_val_if_fail (SUPA_IS_TABLE_BROWSER (self), NULL);

  return self->sidebar;
}

SupaRowModel *
supa_table_browser_get_row_model (SupaTableBrowser *self)
{
  g_return_val_if_fail (SUPA_IS_TABLE_BROWSER (self), NULL);

  return self->model;
}

GtkColumnView *
supa_table_browser_get_column_view (SupaTableBrowser *self)
{
  g_return_val_if_fail (SUPA_IS_TABLE_BROWSER (self), NULL);

  return self->column_view;
}

gboolean
supa_table_browser_open_table (SupaTableBrowser *self,
                               const char       *name)
{
  g_return_val_if_fail (SUPA_IS_TABLE_BROWSER (self), FALSE);

  return supa_table_sidebar_select (self->sidebar, name);
}

char *
supa_table_browser_dup_status (SupaTableBrowser *self)
{
  g_return_val_if_fail (SUPA_IS_TABLE_BROWSER (self), NULL);

  if (gtk_widget_get_visible (GTK_WIDGET (self->readonly_label)))
    return g_strdup_printf ("%s %s", gtk_label_get_label (self->count_label),
                            gtk_label_get_label (self->readonly_label));

  return g_strdup (gtk_label_get_label (self->count_label));
}

const char *
supa_table_browser_get_error_text (SupaTableBrowser *self)
{
  g_return_val_if_fail (SUPA_IS_TABLE_BROWSER (self), NULL);

  return self->error_text;
}

gboolean
supa_table_browser_set_filter (SupaTableBrowser *self,
                               const char       *column,
                               const char       *op,
                               const char       *value,
                               const char       *advanced)
{
  GListModel *columns;

  g_return_val_if_fail (SUPA_IS_TABLE_BROWSER (self), FALSE);

  columns = gtk_drop_down_get_model (self->filter_column);
  for (guint i = 0; column != NULL && columns != NULL && i < g_list_model_get_n_items (columns); i++)
    {
      g_autoptr(GtkStringObject) item = g_list_model_get_item (columns, i);

      if (g_strcmp0 (gtk_string_object_get_string (item), column) == 0)
        gtk_drop_down_set_selected (self->filter_column, i);
    }

  for (guint i = 0; op != NULL && filter_ops[i] != NULL; i++)
    if (g_str_equal (filter_ops[i], op))
      gtk_drop_down_set_selected (self->filter_op, i);

  gtk_editable_set_text (GTK_EDITABLE (self->filter_value), value != NULL ? value : "");
  gtk_editable_set_text (GTK_EDITABLE (self->filter_advanced), advanced != NULL ? advanced : "");
  gtk_toggle_button_set_active (self->filter_button, TRUE);

  return apply_filter (self);
}

GtkWidget *
supa_table_browser_edit_cell (SupaTableBrowser *self,
                              guint             position,
                              const char       *column)
{
  g_autoptr(SupaRow) row = NULL;
  SupaColumnInfo *info;
  GtkWidget *anchor = NULL;

  g_return_val_if_fail (SUPA_IS_TABLE_BROWSER (self), NULL);

  if (self->model == NULL)
    return NULL;

  info = supa_table_info_lookup_column (current_table (self), column);
  row = g_list_model_get_item (G_LIST_MODEL (self->model), position);
  if (info == NULL || row == NULL)
    return NULL;

  /* Point at the visible cell when there is one. */
  for (GtkWidget *w = GTK_WIDGET (self->column_view); w != NULL; )
    {
      GtkWidget *next;

      if (SUPA_IS_CELL (w) && supa_cell_get_row (SUPA_CELL (w)) == row &&
          supa_cell_get_column (SUPA_CELL (w)) == info)
        {
          anchor = w;
          break;
        }

      next = gtk_widget_get_first_child (w);
      while (next == NULL && w != GTK_WIDGET (self->column_view))
        {
          next = gtk_widget_get_next_sibling (w);
          if (next == NULL)
            w = gtk_widget_get_parent (w);
        }
      if (next == NULL)
        break;
      w = next;
    }

  return begin_edit (self, anchor, row, info);
}

GtkWidget *
supa_table_browser_open_export_dialog (SupaTableBrowser *self)
{
  g_return_val_if_fail (SUPA_IS_TABLE_BROWSER (self), NULL);

  if (self->model == NULL)
    return NULL;

  return open_export_dialog (self);
}

GtkWidget *
supa_table_browser_open_import_dialog (SupaTableBrowser *self)
{
  g_return_val_if_fail (SUPA_IS_TABLE_BROWSER (self), NULL);

  if (self->model == NULL)
    return NULL;

  return open_import_dialog (self);
}

GtkWidget *
supa_table_browser_show_functions (SupaTableBrowser *self)
{
  g_return_val_if_fail (SUPA_IS_TABLE_BROWSER (self), NULL);

  if (!supa_table_sidebar_request_functions (self->sidebar))
    return NULL;

  return adw_bin_get_child (self->functions_bin);
}

gboolean
supa_table_browser_get_details_visible (SupaTableBrowser *self)
{
  g_return_val_if_fail (SUPA_IS_TABLE_BROWSER (self), FALSE);

  return self->details_flap != NULL && adw_flap_get_reveal_flap (self->details_flap);
}

const char *
supa_table_browser_get_detail_text (SupaTableBrowser *self,
                                    const char       *column)
{
  g_return_val_if_fail (SUPA_IS_TABLE_BROWSER (self), NULL);

  if (self->details_box == NULL)
    return NULL;

  for (GtkWidget *child = gtk_widget_get_first_child (GTK_WIDGET (self->details_box));
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    if (GTK_IS_LABEL (child) &&
        g_strcmp0 (g_object_get_data (G_OBJECT (child), "supa-column"), column) == 0)
      return gtk_label_get_label (GTK_LABEL (child));

  return NULL;
}

GtkWidget *
supa_table_browser_open_bulk_update_dialog (SupaTableBrowser *self)
{
  g_return_val_if_fail (SUPA_IS_TABLE_BROWSER (self), NULL);

  return open_bulk_update_dialog (self);
}

const char *
supa_table_browser_get_sort_text (SupaTableBrowser *self)
{
  g_return_val_if_fail (SUPA_IS_TABLE_BROWSER (self), NULL);

  return gtk_widget_get_visible (GTK_WIDGET (self->sort_label)) ? gtk_label_get_label (self->sort_label) : NULL;
}
