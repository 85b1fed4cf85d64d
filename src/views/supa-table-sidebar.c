/* supa-table-sidebar.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "supa-table-sidebar"

#include "config.h"

#include <string.h>
#include <glib/gi18n.h>

#include "supa-table-sidebar.h"

struct _SupaTableSidebar
{
  GtkWidget           parent_instance;

  GtkFilterListModel *filter_model;
  GtkSingleSelection *selection;
  GtkCustomFilter    *filter;
  char               *search;
  gboolean            selecting;

  GtkStringList      *schema_names;
  gboolean            setting_schemas;

  /* Row counts by relation name (each a g_new'd gint64), and the count
   * label of each bound row by name. */
  GHashTable         *estimates;
  GHashTable         *count_labels;

  GtkDropDown        *schema_dropdown;
  GtkLabel           *schema_note;
  GtkSearchEntry     *search_entry;
  GtkStack           *stack;
  GtkListView        *list_view;
  AdwStatusPage      *empty_page;
  GtkButton          *functions_button;
};

G_DEFINE_FINAL_TYPE (SupaTableSidebar, supa_table_sidebar, GTK_TYPE_WIDGET)

enum {
  TABLE_SELECTED,
  OVERVIEW_REQUESTED,
  FUNCTIONS_REQUESTED,
  SCHEMA_SELECTED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

/* OpenAPI does not say which relations are views; a relation that takes no
 * POST is shown as a view (read-only). */
static gboolean
table_is_view (SupaTableInfo *table)
{
  return !supa_table_info_get_insertable (table);
}

static gboolean
filter_func (gpointer item,
             gpointer user_data)
{
  SupaTableSidebar *self = user_data;
  g_autofree char *name = NULL;

  if (self->search == NULL || *self->search == '\0')
    return TRUE;

  name = g_utf8_casefold (supa_table_info_get_name (SUPA_TABLE_INFO (item)), -1);
  return strstr (name, self->search) != NULL;
}

static void
update_page (SupaTableSidebar *self)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->filter_model));

  if (g_strcmp0 (gtk_stack_get_visible_child_name (self->stack), "loading") == 0)
    return;

  if (n > 0)
    gtk_stack_set_visible_child_name (self->stack, "list");
  else
    {
      adw_status_page_set_title (self->empty_page,
                                 self->search != NULL && *self->search != '\0'
                                 ? _("No Matching Tables") : _("No Tables"));
      gtk_stack_set_visible_child_name (self->stack, "empty");
    }
}

static void
search_changed_cb (SupaTableSidebar *self)
{
  g_free (self->search);
  self->search = g_utf8_casefold (gtk_editable_get_text (GTK_EDITABLE (self->search_entry)), -1);
  gtk_filter_changed (GTK_FILTER (self->filter), GTK_FILTER_CHANGE_DIFFERENT);
  update_page (self);
}

static void
selected_changed_cb (SupaTableSidebar *self)
{
  SupaTableInfo *table = gtk_single_selection_get_selected_item (self->selection);

  if (table != NULL && !self->selecting)
    g_signal_emit (self, signals[TABLE_SELECTED], 0, table);
}

static void
overview_clicked_cb (SupaTableSidebar *self)
{
  self->selecting = TRUE;
  gtk_single_selection_set_selected (self->selection, GTK_INVALID_LIST_POSITION);
  self->selecting = FALSE;
  g_signal_emit (self, signals[OVERVIEW_REQUESTED], 0);
}

static void
functions_clicked_cb (SupaTableSidebar *self)
{
  self->selecting = TRUE;
  gtk_single_selection_set_selected (self->selection, GTK_INVALID_LIST_POSITION);
  self->selecting = FALSE;
  g_signal_emit (self, signals[FUNCTIONS_REQUESTED], 0);
}

static void
schema_changed_cb (SupaTableSidebar *self)
{
  const char *schema = supa_table_sidebar_get_schema (self);

  if (!self->setting_schemas && schema != NULL)
    g_signal_emit (self, signals[SCHEMA_SELECTED], 0, schema);
}

/* "812", "9,999", "12K", "1.2M": short enough for the sidebar. */
static char *
format_estimate (gint64 rows)
{
  if (rows < 10000)
    return g_strdup_printf ("%'" G_GINT64_FORMAT, rows);
  /* Not "1000K": from 999,500 it rounds to the millions' form. */
  if (rows < 999500)
    /* Translators: a row count in thousands in the table list, e.g. "12K" */
    return g_strdup_printf (_("%.0fK"), rows / 1000.0);
  /* Translators: a row count in millions in the table list, e.g. "1.2M" */
  return g_strdup_printf (_("%.1fM"), rows / 1000000.0);
}

static void
show_estimate (SupaTableSidebar *self,
               GtkWidget        *count_label,
               const char       *name)
{
  gint64 *rows = self->estimates != NULL ? g_hash_table_lookup (self->estimates, name) : NULL;
  g_autofree char *text = NULL;
  g_autofree char *number = NULL;
  g_autofree char *spoken = NULL;

  gtk_widget_set_visible (count_label, rows != NULL);
  if (rows == NULL)
    return;

  text = format_estimate (*rows);
  gtk_label_set_label (GTK_LABEL (count_label), text);
  number = g_strdup_printf ("%'" G_GINT64_FORMAT, *rows);
  /* Translators: what a screen reader says for the row count beside a
   * table; %s is a number such as "1,204,311" */
  spoken = g_strdup_printf (ngettext ("About %s row", "About %s rows", (gulong) *rows),
                            number);
  gtk_accessible_update_property (GTK_ACCESSIBLE (count_label),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, spoken, -1);
}

static void
setup_item_cb (GtkSignalListItemFactory *factory,
               GtkListItem              *item)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 8);
  GtkWidget *image = gtk_image_new ();
  GtkWidget *label = gtk_label_new (NULL);
  GtkWidget *count = gtk_label_new (NULL);

  gtk_accessible_update_property (GTK_ACCESSIBLE (image),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, "", -1);
  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_END);
  gtk_widget_set_hexpand (label, TRUE);
  gtk_widget_add_css_class (count, "dim-label");
  gtk_widget_add_css_class (count, "caption");
  gtk_widget_add_css_class (count, "numeric");
  gtk_widget_set_name (count, "row-estimate");
  gtk_widget_set_visible (count, FALSE);
  gtk_box_append (GTK_BOX (box), image);
  gtk_box_append (GTK_BOX (box), label);
  gtk_box_append (GTK_BOX (box), count);
  gtk_list_item_set_child (item, box);
}

static void
bind_item_cb (GtkSignalListItemFactory *factory,
              GtkListItem              *item,
              SupaTableSidebar         *self)
{
  SupaTableInfo *table = gtk_list_item_get_item (item);
  GtkWidget *box = gtk_list_item_get_child (item);
  GtkWidget *image = gtk_widget_get_first_child (box);
  GtkWidget *label = gtk_widget_get_next_sibling (image);
  GtkWidget *count = gtk_widget_get_next_sibling (label);
  gboolean view = table_is_view (table);
  const char *comment = supa_table_info_get_comment (table);
  g_autofree char *tooltip = NULL;

  gtk_image_set_from_icon_name (GTK_IMAGE (image), view ? "view-reveal-symbolic" : "view-grid-symbolic");
  gtk_label_set_label (GTK_LABEL (label), supa_table_info_get_name (table));

  /* Translators: tooltip of a relation in the table list; first %s is "Table" or "View", second its comment */
  tooltip = g_strdup_printf (_("%s — %s"), view ? _("View") : _("Table"),
                             comment != NULL && *comment != '\0' ? comment : supa_table_info_get_name (table));
  gtk_widget_set_tooltip_text (box, tooltip);
  gtk_accessible_update_property (GTK_ACCESSIBLE (image),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, view ? _("View") : _("Table"),
                                  -1);

  g_hash_table_replace (self->count_labels, g_strdup (supa_table_info_get_name (table)), count);
  show_estimate (self, count, supa_table_info_get_name (table));
}

static void
unbind_item_cb (GtkSignalListItemFactory *factory,
                GtkListItem              *item,
                SupaTableSidebar         *self)
{
  SupaTableInfo *table = gtk_list_item_get_item (item);
  GtkWidget *box = gtk_list_item_get_child (item);
  GtkWidget *count = gtk_widget_get_last_child (box);
  const char *name = supa_table_info_get_name (table);

  if (g_hash_table_lookup (self->count_labels, name) == count)
    g_hash_table_remove (self->count_labels, name);
}

static void
supa_table_sidebar_dispose (GObject *object)
{
  SupaTableSidebar *self = SUPA_TABLE_SIDEBAR (object);
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self))) != NULL)
    gtk_widget_unparent (child);

  g_clear_object (&self->selection);
  g_clear_object (&self->filter);
  g_clear_object (&self->schema_names);
  g_clear_pointer (&self->estimates, g_hash_table_unref);
  g_clear_pointer (&self->count_labels, g_hash_table_unref);
  self->filter_model = NULL;
  g_clear_pointer (&self->search, g_free);

  G_OBJECT_CLASS (supa_table_sidebar_parent_class)->dispose (object);
}

static void
supa_table_sidebar_class_init (SupaTableSidebarClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = supa_table_sidebar_dispose;

  signals[TABLE_SELECTED] =
    g_signal_new ("table-selected", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, SUPA_TYPE_TABLE_INFO);
  signals[OVERVIEW_REQUESTED] =
    g_signal_new ("overview-requested", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  signals[FUNCTIONS_REQUESTED] =
    g_signal_new ("functions-requested", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  signals[SCHEMA_SELECTED] =
    g_signal_new ("schema-selected", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BOX_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "supa-table-sidebar");
}

static void
supa_table_sidebar_init (SupaTableSidebar *self)
{
  g_autoptr(GtkListItemFactory) factory = NULL;
  GtkWidget *overview;
  GtkWidget *overview_box;
  GtkWidget *scrolled;
  GtkWidget *spinner;
  GtkWidget *separator;
  GtkWidget *functions_box;

  gtk_orientable_set_orientation (GTK_ORIENTABLE (gtk_widget_get_layout_manager (GTK_WIDGET (self))),
                                  GTK_ORIENTATION_VERTICAL);
  gtk_widget_set_size_request (GTK_WIDGET (self), 160, -1);

  /* Hidden until the project exposes more than one schema. */
  self->schema_names = gtk_string_list_new (NULL);
  self->schema_dropdown = GTK_DROP_DOWN (gtk_drop_down_new (G_LIST_MODEL (g_object_ref (self->schema_names)), NULL));
  gtk_widget_set_name (GTK_WIDGET (self->schema_dropdown), "schema-dropdown");
  gtk_drop_down_set_expression (self->schema_dropdown,
                                gtk_property_expression_new (GTK_TYPE_STRING_OBJECT, NULL, "string"));
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->schema_dropdown), _("Database schema"));
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->schema_dropdown),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, _("Schema"), -1);
  gtk_widget_set_margin_start (GTK_WIDGET (self->schema_dropdown), 6);
  gtk_widget_set_margin_end (GTK_WIDGET (self->schema_dropdown), 6);
  gtk_widget_set_margin_top (GTK_WIDGET (self->schema_dropdown), 6);
  gtk_widget_set_visible (GTK_WIDGET (self->schema_dropdown), FALSE);
  g_signal_connect_swapped (self->schema_dropdown, "notify::selected", G_CALLBACK (schema_changed_cb), self);
  gtk_widget_set_parent (GTK_WIDGET (self->schema_dropdown), GTK_WIDGET (self));

  self->schema_note = GTK_LABEL (gtk_label_new (NULL));
  gtk_widget_set_name (GTK_WIDGET (self->schema_note), "schema-note");
  gtk_label_set_xalign (self->schema_note, 0);
  gtk_label_set_wrap (self->schema_note, TRUE);
  gtk_widget_add_css_class (GTK_WIDGET (self->schema_note), "caption");
  gtk_widget_add_css_class (GTK_WIDGET (self->schema_note), "dim-label");
  gtk_widget_set_margin_start (GTK_WIDGET (self->schema_note), 6);
  gtk_widget_set_margin_end (GTK_WIDGET (self->schema_note), 6);
  gtk_widget_set_margin_top (GTK_WIDGET (self->schema_note), 6);
  gtk_widget_set_visible (GTK_WIDGET (self->schema_note), FALSE);
  gtk_widget_set_parent (GTK_WIDGET (self->schema_note), GTK_WIDGET (self));

  self->search_entry = GTK_SEARCH_ENTRY (gtk_search_entry_new ());
  g_object_set (self->search_entry, "placeholder-text", _("Search tables"), NULL);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->search_entry),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, _("Search tables and views"),
                                  -1);
  gtk_widget_set_margin_start (GTK_WIDGET (self->search_entry), 6);
  gtk_widget_set_margin_end (GTK_WIDGET (self->search_entry), 6);
  gtk_widget_set_margin_top (GTK_WIDGET (self->search_entry), 6);
  gtk_widget_set_margin_bottom (GTK_WIDGET (self->search_entry), 6);
  g_signal_connect_swapped (self->search_entry, "search-changed", G_CALLBACK (search_changed_cb), self);
  gtk_widget_set_parent (GTK_WIDGET (self->search_entry), GTK_WIDGET (self));

  overview = gtk_button_new ();
  overview_box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 8);
  gtk_box_append (GTK_BOX (overview_box), gtk_image_new_from_icon_name ("go-home-symbolic"));
  gtk_box_append (GTK_BOX (overview_box), gtk_label_new_with_mnemonic (_("Project _Overview")));
  gtk_button_set_child (GTK_BUTTON (overview), overview_box);
  gtk_widget_set_name (overview, "overview-button");
  gtk_widget_add_css_class (overview, "flat");
  gtk_widget_set_margin_start (overview, 6);
  gtk_widget_set_margin_end (overview, 6);
  gtk_widget_set_margin_bottom (overview, 6);
  gtk_widget_set_tooltip_text (overview, _("Show the project's keys and service checks"));
  g_signal_connect_swapped (overview, "clicked", G_CALLBACK (overview_clicked_cb), self);
  gtk_widget_set_parent (overview, GTK_WIDGET (self));

  separator = gtk_separator_new (GTK_ORIENTATION_HORIZONTAL);
  gtk_widget_set_parent (separator, GTK_WIDGET (self));

  self->filter = gtk_custom_filter_new (filter_func, self, NULL);
  self->filter_model = gtk_filter_list_model_new (NULL, GTK_FILTER (g_object_ref (self->filter)));
  self->selection = gtk_single_selection_new (G_LIST_MODEL (self->filter_model));
  gtk_single_selection_set_autoselect (self->selection, FALSE);
  gtk_single_selection_set_can_unselect (self->selection, TRUE);
  g_signal_connect_swapped (self->selection, "notify::selected-item", G_CALLBACK (selected_changed_cb), self);
  g_signal_connect_swapped (self->filter_model, "items-changed", G_CALLBACK (update_page), self);

  factory = gtk_signal_list_item_factory_new ();
  self->estimates = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->count_labels = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_signal_connect (factory, "setup", G_CALLBACK (setup_item_cb), NULL);
  g_signal_connect (factory, "bind", G_CALLBACK (bind_item_cb), self);
  g_signal_connect (factory, "unbind", G_CALLBACK (unbind_item_cb), self);

  self->list_view = GTK_LIST_VIEW (gtk_list_view_new (GTK_SELECTION_MODEL (g_object_ref (self->selection)),
                                                      g_object_ref (factory)));
  gtk_widget_set_name (GTK_WIDGET (self->list_view), "tables-list");
  gtk_widget_add_css_class (GTK_WIDGET (self->list_view), "navigation-sidebar");
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->list_view),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, _("Tables and views"),
                                  -1);

  scrolled = gtk_scrolled_window_new ();
  gtk_scrolled_window_set_policy (GTK_SCROLLED_WINDOW (scrolled), GTK_POLICY_NEVER, GTK_POLICY_AUTOMATIC);
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scrolled), GTK_WIDGET (self->list_view));

  spinner = gtk_spinner_new ();
  gtk_spinner_set_spinning (GTK_SPINNER (spinner), TRUE);
  gtk_widget_set_size_request (spinner, 24, 24);
  gtk_widget_set_halign (spinner, GTK_ALIGN_CENTER);
  gtk_widget_set_valign (spinner, GTK_ALIGN_CENTER);
  gtk_accessible_update_property (GTK_ACCESSIBLE (spinner),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, _("Loading tables"), -1);

  self->empty_page = ADW_STATUS_PAGE (adw_status_page_new ());
  adw_status_page_set_title (self->empty_page, _("No Tables"));
  gtk_widget_add_css_class (GTK_WIDGET (self->empty_page), "compact");

  self->stack = GTK_STACK (gtk_stack_new ());
  gtk_widget_set_vexpand (GTK_WIDGET (self->stack), TRUE);
  gtk_stack_add_named (self->stack, scrolled, "list");
  gtk_stack_add_named (self->stack, GTK_WIDGET (self->empty_page), "empty");
  gtk_stack_add_named (self->stack, spinner, "loading");
  gtk_stack_set_visible_child_name (self->stack, "empty");
  gtk_widget_set_parent (GTK_WIDGET (self->stack), GTK_WIDGET (self));

  separator = gtk_separator_new (GTK_ORIENTATION_HORIZONTAL);
  gtk_widget_set_parent (separator, GTK_WIDGET (self));

  self->functions_button = GTK_BUTTON (gtk_button_new ());
  functions_box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 8);
  gtk_box_append (GTK_BOX (functions_box), gtk_image_new_from_icon_name ("system-run-symbolic"));
  gtk_box_append (GTK_BOX (functions_box), gtk_label_new_with_mnemonic (_("_Functions")));
  gtk_button_set_child (self->functions_button, functions_box);
  gtk_widget_set_name (GTK_WIDGET (self->functions_button), "functions-button");
  gtk_widget_add_css_class (GTK_WIDGET (self->functions_button), "flat");
  gtk_widget_set_margin_start (GTK_WIDGET (self->functions_button), 6);
  gtk_widget_set_margin_end (GTK_WIDGET (self->functions_button), 6);
  gtk_widget_set_margin_top (GTK_WIDGET (self->functions_button), 6);
  gtk_widget_set_margin_bottom (GTK_WIDGET (self->functions_button), 6);
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->functions_button), _("Call the database's rpc functions"));
  gtk_widget_set_sensitive (GTK_WIDGET (self->functions_button), FALSE);
  g_signal_connect_swapped (self->functions_button, "clicked", G_CALLBACK (functions_clicked_cb), self);
  gtk_widget_set_parent (GTK_WIDGET (self->functions_button), GTK_WIDGET (self));
}

GtkWidget *
supa_table_sidebar_new (void)
{
  return g_object_new (SUPA_TYPE_TABLE_SIDEBAR, NULL);
}

void
supa_table_sidebar_set_tables (SupaTableSidebar *self,
                               GListModel       *tables)
{
  g_return_if_fail (SUPA_IS_TABLE_SIDEBAR (self));
  g_return_if_fail (!tables || G_IS_LIST_MODEL (tables));

  gtk_widget_set_sensitive (GTK_WIDGET (self->functions_button), tables != NULL);
  g_hash_table_remove_all (self->estimates);
  self->selecting = TRUE;
  gtk_filter_list_model_set_model (self->filter_model, tables);
  gtk_single_selection_set_selected (self->selection, GTK_INVALID_LIST_POSITION);
  self->selecting = FALSE;
  update_page (self);
}

void
supa_table_sidebar_set_loading (SupaTableSidebar *self,
                                gboolean          loading)
{
  g_return_if_fail (SUPA_IS_TABLE_SIDEBAR (self));

  if (loading)
    gtk_stack_set_visible_child_name (self->stack, "loading");
  else
    {
      gtk_stack_set_visible_child_name (self->stack, "empty");
      update_page (self);
    }
}

GListModel *
supa_table_sidebar_get_visible_tables (SupaTableSidebar *self)
{
  g_return_val_if_fail (SUPA_IS_TABLE_SIDEBAR (self), NULL);

  return G_LIST_MODEL (self->filter_model);
}

SupaTableInfo *
supa_table_sidebar_get_selected (SupaTableSidebar *self)
{
  g_return_val_if_fail (SUPA_IS_TABLE_SIDEBAR (self), NULL);

  return gtk_single_selection_get_selected_item (self->selection);
}

gboolean
supa_table_sidebar_select (SupaTableSidebar *self,
                           const char       *name)
{
  GListModel *model;

  g_return_val_if_fail (SUPA_IS_TABLE_SIDEBAR (self), FALSE);

  if (name == NULL)
    {
      gtk_single_selection_set_selected (self->selection, GTK_INVALID_LIST_POSITION);
      return TRUE;
    }

  model = G_LIST_MODEL (self->filter_model);
  for (guint i = 0; i < g_list_model_get_n_items (model); i++)
    {
      g_autoptr(SupaTableInfo) table = g_list_model_get_item (model, i);

      if (g_strcmp0 (supa_table_info_get_name (table), name) == 0)
        {
          gtk_single_selection_set_selected (self->selection, i);
          return TRUE;
        }
    }

  return FALSE;
}

void
supa_table_sidebar_set_search_text (SupaTableSidebar *self,
                                    const char       *text)
{
  g_return_if_fail (SUPA_IS_TABLE_SIDEBAR (self));

  gtk_editable_set_text (GTK_EDITABLE (self->search_entry), text != NULL ? text : "");
  search_changed_cb (self);
}

/* Shows the functions as if the Functions row was clicked (emitting
 * "functions-requested"); FALSE while no schema is loaded. */
gboolean
supa_table_sidebar_request_functions (SupaTableSidebar *self)
{
  g_return_val_if_fail (SUPA_IS_TABLE_SIDEBAR (self), FALSE);

  if (!gtk_widget_get_sensitive (GTK_WIDGET (self->functions_button)))
    return FALSE;

  functions_clicked_cb (self);
  return TRUE;
}

void
supa_table_sidebar_set_schemas (SupaTableSidebar   *self,
                                const char * const *schemas,
                                const char         *current)
{
  guint n = 0;
  guint selected = 0;

  g_return_if_fail (SUPA_IS_TABLE_SIDEBAR (self));

  self->setting_schemas = TRUE;
  gtk_string_list_splice (self->schema_names, 0,
                          g_list_model_get_n_items (G_LIST_MODEL (self->schema_names)),
                          (const char * const *) schemas);
  for (; schemas != NULL && schemas[n] != NULL; n++)
    if (g_strcmp0 (schemas[n], current) == 0)
      selected = n;
  gtk_drop_down_set_selected (self->schema_dropdown, n > 0 ? selected : GTK_INVALID_LIST_POSITION);
  self->setting_schemas = FALSE;

  gtk_widget_set_visible (GTK_WIDGET (self->schema_dropdown), n > 1);
}

const char *
supa_table_sidebar_get_schema (SupaTableSidebar *self)
{
  GtkStringObject *item;

  g_return_val_if_fail (SUPA_IS_TABLE_SIDEBAR (self), NULL);

  item = gtk_drop_down_get_selected_item (self->schema_dropdown);
  return item != NULL ? gtk_string_object_get_string (item) : NULL;
}

char **
supa_table_sidebar_dup_schemas (SupaTableSidebar *self)
{
  GListModel *names;
  GPtrArray *out;

  g_return_val_if_fail (SUPA_IS_TABLE_SIDEBAR (self), NULL);

  names = G_LIST_MODEL (self->schema_names);
  out = g_ptr_array_new ();
  for (guint i = 0; i < g_list_model_get_n_items (names); i++)
    g_ptr_array_add (out, g_strdup (gtk_string_list_get_string (self->schema_names, i)));
  g_ptr_array_add (out, NULL);
  return (char **) g_ptr_array_free (out, FALSE);
}

gboolean
supa_table_sidebar_select_schema (SupaTableSidebar *self,
                                  const char       *name)
{
  GListModel *names;

  g_return_val_if_fail (SUPA_IS_TABLE_SIDEBAR (self), FALSE);
  g_return_val_if_fail (name != NULL, FALSE);

  names = G_LIST_MODEL (self->schema_names);
  for (guint i = 0; i < g_list_model_get_n_items (names); i++)
    if (g_strcmp0 (gtk_string_list_get_string (self->schema_names, i), name) == 0)
      {
        gtk_drop_down_set_selected (self->schema_dropdown, i);
        return TRUE;
      }

  return FALSE;
}

gboolean
supa_table_sidebar_get_schemas_visible (SupaTableSidebar *self)
{
  g_return_val_if_fail (SUPA_IS_TABLE_SIDEBAR (self), FALSE);

  return gtk_widget_get_visible (GTK_WIDGET (self->schema_dropdown));
}

void
supa_table_sidebar_set_schema_note (SupaTableSidebar *self,
                                    const char       *note,
                                    const char       *details)
{
  g_return_if_fail (SUPA_IS_TABLE_SIDEBAR (self));

  gtk_label_set_label (self->schema_note, note != NULL ? note : "");
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->schema_note), details);
  gtk_widget_set_visible (GTK_WIDGET (self->schema_note), note != NULL);
}

const char *
supa_table_sidebar_get_schema_note (SupaTableSidebar *self)
{
  g_return_val_if_fail (SUPA_IS_TABLE_SIDEBAR (self), NULL);

  return gtk_widget_get_visible (GTK_WIDGET (self->schema_note)) ? gtk_label_get_label (self->schema_note) : NULL;
}

/* Shows @rows (−1: unknown) beside @name in the list. */
void
supa_table_sidebar_set_row_estimate (SupaTableSidebar *self,
                                     const char       *name,
                                     gint64            rows)
{
  GtkWidget *count;

  g_return_if_fail (SUPA_IS_TABLE_SIDEBAR (self));
  g_return_if_fail (name != NULL);

  if (rows < 0)
    g_hash_table_remove (self->estimates, name);
  else
    {
      gint64 *slot = g_new (gint64, 1);

      *slot = rows;
      g_hash_table_replace (self->estimates, g_strdup (name), slot);
    }

  count = g_hash_table_lookup (self->count_labels, name);
  if (count != NULL)
    show_estimate (self, count, name);
}

/* The row count shown beside @name, or −1. */
gint64
supa_table_sidebar_get_row_estimate (SupaTableSidebar *self,
                                     const char       *name)
{
  gint64 *rows;

  g_return_val_if_fail (SUPA_IS_TABLE_SIDEBAR (self), -1);

  rows = g_hash_table_lookup (self->estimates, name);
  return rows != NULL ? *rows : -1;
}
