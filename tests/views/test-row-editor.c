/* test-row-editor.c — the insert dialog's foreign-key picker against
 * supabase-local (seed "demo"): it asks the server for matches, so rows
 * beyond the first 200 of the referenced table can be found and picked.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "supa-row-editor.h"
#include "supa-test-server.h"
#include "views-test-util.h"

static SupaTestServer *server;

typedef struct
{
  GtkWindow     *window;
  SupaClient    *client;
  SupaDatabase  *database;
  SupaSchema    *schema;
  SupaDatabase  *editor_database;  /* the editor's, when not @database */
  gboolean       give_schema;      /* hand the editor the loaded schema */
  GCancellable  *cancellable;
  SupaRowEditor *editor;
  GtkWidget     *popover;
  GtkWidget     *search;
  GtkWidget     *list;
  GtkWidget     *status;
  GtkWidget     *spinner;
  GtkWidget     *placeholder;
} Fixture;

static void
store_result_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  GAsyncResult **out = user_data;

  *out = g_object_ref (result);
}

/* A row editor for @schema_name.@table_name, its picker for @column open. */
static void
open_picker (Fixture    *f,
             const char *schema_name,
             const char *table_name,
             const char *column)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  SupaTableInfo *table;

  supa_schema_load_async (f->client, schema_name, NULL, store_result_cb, &result);
  views_test_wait_until (result != NULL);
  f->schema = supa_schema_load_finish (result, &error);
  g_assert_no_error (error);
  table = supa_schema_lookup_table (f->schema, table_name);
  g_assert_nonnull (table);

  f->editor = SUPA_ROW_EDITOR (supa_row_editor_new (f->window,
                                                    f->editor_database != NULL ? f->editor_database : f->database,
                                                    table, f->cancellable));
  if (f->give_schema)
    supa_row_editor_set_schema (f->editor, f->schema);
  g_object_add_weak_pointer (G_OBJECT (f->editor), (gpointer *) &f->editor);
  gtk_window_present (GTK_WINDOW (f->editor));

  f->popover = supa_row_editor_open_picker (f->editor, column);
  g_assert_nonnull (f->popover);
  f->search = views_test_find_widget (f->popover, GTK_TYPE_SEARCH_ENTRY, "pick-search");
  f->list = views_test_find_widget (f->popover, GTK_TYPE_LIST_BOX, "pick-list");
  f->status = views_test_find_widget (f->popover, GTK_TYPE_LABEL, "pick-status");
  f->spinner = views_test_find_widget (f->popover, GTK_TYPE_SPINNER, "pick-spinner");
  f->placeholder = views_test_find_widget (f->popover, GTK_TYPE_LABEL, "pick-placeholder");
  g_assert_nonnull (f->search);
  g_assert_nonnull (f->list);
  g_assert_nonnull (f->status);
  g_assert_nonnull (f->spinner);
  g_assert_nonnull (f->placeholder);
}

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  f->cancellable = g_cancellable_new ();
  f->client = supa_client_new (server->url, server->service_role_key, NULL);
  f->database = supa_database_new (f->client);
  f->window = GTK_WINDOW (gtk_window_new ());
  gtk_window_present (f->window);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  g_cancellable_cancel (f->cancellable);
  if (f->editor != NULL)
    {
      /* Closed first, so no pending popover or pointer work (GTK asks
       * the pointer position from a timeout) finds a surface gone. */
      gtk_popover_popdown (GTK_POPOVER (f->popover));
      gtk_widget_set_visible (GTK_WIDGET (f->editor), FALSE);
      views_test_spin (100);
      if (f->editor != NULL)
        gtk_window_destroy (GTK_WINDOW (f->editor));
    }
  views_test_spin (50);
  gtk_window_destroy (f->window);
  views_test_spin (50);
  g_clear_object (&f->schema);
  g_clear_object (&f->editor_database);
  g_clear_object (&f->database);
  g_clear_object (&f->client);
  g_clear_object (&f->cancellable);
}

/* --- helpers ------------------------------------------------------------ */

static guint
count_rows (Fixture *f)
{
  guint n = 0;

  for (GtkWidget *child = gtk_widget_get_first_child (f->list); child != NULL; child = gtk_widget_get_next_sibling (child))
    if (GTK_IS_LIST_BOX_ROW (child) && gtk_widget_get_child_visible (child))
      n++;

  return n;
}

static const char *
row_value (Fixture *f,
           int      index)
{
  GtkListBoxRow *row = gtk_list_box_get_row_at_index (GTK_LIST_BOX (f->list), index);

  g_assert_nonnull (row);
  return g_object_get_data (G_OBJECT (row), "supa-value");
}

static gboolean
has_value (Fixture    *f,
           const char *value)
{
  for (int i = 0; gtk_list_box_get_row_at_index (GTK_LIST_BOX (f->list), i) != NULL; i++)
    if (g_strcmp0 (row_value (f, i), value) == 0)
      return TRUE;

  return FALSE;
}

static gboolean
loading (Fixture *f)
{
  return gtk_spinner_get_spinning (GTK_SPINNER (f->spinner));
}

static const char *
status_text (Fixture *f)
{
  if (!gtk_widget_get_visible (f->status))
    return NULL;
  return gtk_label_get_label (GTK_LABEL (f->status));
}

/* Delivers a key press to @widget's own key controllers, as GTK does for
 * the focused widget. TRUE when one handled it. */
static gboolean
send_key (GtkWidget *widget,
          guint      keyval)
{
  g_autoptr(GListModel) controllers = gtk_widget_observe_controllers (widget);
  gboolean handled = FALSE;

  for (guint i = 0; i < g_list_model_get_n_items (controllers) && !handled; i++)
    {
      g_autoptr(GObject) controller = g_list_model_get_item (controllers, i);

      if (GTK_IS_EVENT_CONTROLLER_KEY (controller))
        g_signal_emit_by_name (controller, "key-pressed", keyval, 0, (GdkModifierType) 0, &handled);
    }

  return handled;
}

static void
set_faults (const char *json)
{
  const char *headers[] = { "apikey", server->service_role_key, NULL };
  g_autoptr(SupaTestResponse) response = NULL;

  if (json != NULL)
    response = supa_test_request (server, "POST", "/__local/faults", headers, "application/json", json, -1);
  else
    response = supa_test_request (server, "DELETE", "/__local/faults", headers, NULL, NULL, 0);
  g_assert_cmpuint (response->status, <, 300);
}

/* --- tests -------------------------------------------------------------- */

/* analytics.sites has 240 rows: the picker lists the first 200 and says
 * so; site 231 is found by searching its name, picked with Enter, and the
 * row inserted refers to it. */
static void
test_search_beyond_limit (Fixture       *f,
                          gconstpointer  data)
{
  g_autoptr(JsonObject) values = NULL;
  g_autofree char *site_id = NULL;

  open_picker (f, "analytics", "page_views", "site_id");

  views_test_wait_until (count_rows (f) == 200 && !loading (f));
  g_assert_cmpstr (row_value (f, 0), ==, "1");
  g_assert_cmpstr (row_value (f, 199), ==, "200");
  g_assert_false (has_value (f, "231"));
  g_assert_cmpstr (status_text (f), ==, "Showing the first 200 rows — search to find others");

  /* Typing goes to the search, which asks the server. */
  g_assert_true (gtk_widget_has_focus (f->search) || gtk_widget_is_focus (f->search) ||
                 gtk_widget_get_focus_child (f->search) != NULL);
  gtk_editable_set_text (GTK_EDITABLE (f->search), "LightHouse");
  views_test_wait_until (count_rows (f) == 1 && !loading (f));
  g_assert_cmpstr (row_value (f, 0), ==, "231");
  g_assert_null (status_text (f));

  /* Enter picks the first match and closes the picker. */
  g_signal_emit_by_name (f->search, "activate");
  views_test_wait_until (!gtk_widget_get_visible (f->popover));
  values = supa_row_editor_dup_values (f->editor, NULL);
  g_assert_nonnull (values);
  g_assert_cmpint (json_object_get_int_member (values, "site_id"), ==, 231);

  /* The row goes in with that key. */
  g_assert_true (supa_row_editor_set_text (f->editor, "path", "/picker-test"));
  supa_row_editor_save (f->editor);
  views_test_wait_until (f->editor == NULL);
  site_id = supa_test_server_sql (server, "SELECT site_id FROM analytics.page_views WHERE path = '/picker-test'");
  g_assert_cmpstr (site_id, ==, "231");
  g_free (supa_test_server_sql (server, "DELETE FROM analytics.page_views WHERE path = '/picker-test'"));
}

/* The browser hands the editor its loaded schema: the picker finds the
 * referenced table's text columns there instead of loading the schema
 * description again, which an anon key may not read at all. */
static void
test_search_given_schema (Fixture       *f,
                          gconstpointer  data)
{
  g_autoptr(SupaClient) anon = supa_client_new (server->url, server->anon_key, NULL);

  f->editor_database = supa_database_new (anon);
  f->give_schema = TRUE;
  open_picker (f, "analytics", "page_views", "site_id");
  views_test_wait_until (count_rows (f) == 200 && !loading (f));

  gtk_editable_set_text (GTK_EDITABLE (f->search), "LightHouse");
  views_test_wait_until (count_rows (f) == 1 && !loading (f));
  g_assert_cmpstr (row_value (f, 0), ==, "231");
}

/* Without it, an anon key cannot describe the table: the search compares
 * the key only, and the name finds nothing. */
static void
test_search_anon_without_schema (Fixture       *f,
                                 gconstpointer  data)
{
  g_autoptr(SupaClient) anon = supa_client_new (server->url, server->anon_key, NULL);

  f->editor_database = supa_database_new (anon);
  open_picker (f, "analytics", "page_views", "site_id");
  views_test_wait_until (count_rows (f) == 200 && !loading (f));

  gtk_editable_set_text (GTK_EDITABLE (f->search), "LightHouse");
  views_test_wait_until (count_rows (f) == 0 && !loading (f));
  g_assert_true (gtk_widget_get_visible (f->placeholder));
}

/* More than 200 matches: the first 200 by key, and a hint to refine. */
static void
test_search_limit_hint (Fixture       *f,
                        gconstpointer  data)
{
  open_picker (f, "analytics", "page_views", "site_id");
  views_test_wait_until (count_rows (f) == 200 && !loading (f));

  /* Every domain but one is site-NNN.example.com. */
  gtk_editable_set_text (GTK_EDITABLE (f->search), "site-");
  views_test_wait_until (g_strcmp0 (status_text (f), "Showing the first 200 matches — refine the search") == 0 &&
                         !loading (f));
  g_assert_cmpuint (count_rows (f), ==, 200);
  g_assert_cmpstr (row_value (f, 0), ==, "1");

  /* Refined: 9 matches (site-230 … site-239 but 231, renamed). */
  gtk_editable_set_text (GTK_EDITABLE (f->search), "site-23");
  views_test_wait_until (count_rows (f) == 9 && !loading (f));
  g_assert_null (status_text (f));
  g_assert_cmpstr (row_value (f, 0), ==, "230");
  g_assert_cmpstr (row_value (f, 8), ==, "239");
  g_assert_false (has_value (f, "231"));
}

/* A number is compared with the key (eq), text with the text columns. */
static void
test_search_key (Fixture       *f,
                 gconstpointer  data)
{
  g_autofree char *japan = supa_test_server_sql (server, "SELECT id FROM public.countries WHERE name = 'Japan'");
  g_autoptr(JsonObject) values = NULL;
  GtkWidget *first;

  open_picker (f, "public", "cities", "country_id");
  views_test_wait_until (count_rows (f) == 20 && !loading (f));
  g_assert_null (status_text (f));

  gtk_editable_set_text (GTK_EDITABLE (f->search), japan);
  views_test_wait_until (count_rows (f) == 1 && !loading (f));
  g_assert_cmpstr (row_value (f, 0), ==, japan);

  /* Down moves from the search to the list, where Enter picks. */
  g_assert_true (send_key (f->search, GDK_KEY_Down));
  first = GTK_WIDGET (gtk_list_box_get_row_at_index (GTK_LIST_BOX (f->list), 0));
  g_assert_true (gtk_widget_has_focus (first));
  g_assert_true (gtk_widget_activate (first));
  views_test_wait_until (!gtk_widget_get_visible (f->popover));
  values = supa_row_editor_dup_values (f->editor, NULL);
  g_assert_cmpint (json_object_get_int_member (values, "country_id"), ==, g_ascii_strtoll (japan, NULL, 10));
  f->popover = supa_row_editor_open_picker (f->editor, "country_id");
  views_test_wait_until (gtk_widget_get_visible (f->popover));

  /* ISO code and continent are text columns too. */
  gtk_editable_set_text (GTK_EDITABLE (f->search), "oceania");
  views_test_wait_until (count_rows (f) == 2 && !loading (f));

  /* Emptied: the first rows again. */
  gtk_editable_set_text (GTK_EDITABLE (f->search), "");
  views_test_wait_until (count_rows (f) == 20 && !loading (f));
}

/* No match, and text full of PostgREST's reserved characters: quoted, so
 * the server answers (with nothing) instead of refusing the filter. */
static void
test_search_no_matches (Fixture       *f,
                        gconstpointer  data)
{
  open_picker (f, "analytics", "page_views", "site_id");
  views_test_wait_until (count_rows (f) == 200 && !loading (f));

  gtk_editable_set_text (GTK_EDITABLE (f->search), "no, such (site) \"here\" 100%_\\");
  views_test_wait_until (count_rows (f) == 0 && !loading (f));
  g_assert_null (status_text (f));
  g_assert_true (gtk_widget_get_visible (f->placeholder));
  g_assert_cmpstr (gtk_label_get_label (GTK_LABEL (f->placeholder)), ==, "No matches");

  /* LIKE's wildcards are literal: "_" matches no site. */
  gtk_editable_set_text (GTK_EDITABLE (f->search), "site_0");
  views_test_wait_until (!loading (f) && count_rows (f) == 0);

  /* A comma and parentheses find the name that has them. */
  g_free (supa_test_server_sql (server, "UPDATE analytics.sites SET name = 'Books, Maps (and more)' WHERE id = 240"));
  gtk_editable_set_text (GTK_EDITABLE (f->search), "books, maps (and");
  views_test_wait_until (count_rows (f) == 1 && !loading (f));
  g_assert_cmpstr (row_value (f, 0), ==, "240");
  g_free (supa_test_server_sql (server, "UPDATE analytics.sites SET name = 'Wild Travel' WHERE id = 240"));
}

/* The server's error shows in the picker; the next search recovers. */
static void
test_search_error (Fixture       *f,
                   gconstpointer  data)
{
  open_picker (f, "analytics", "page_views", "site_id");
  views_test_wait_until (count_rows (f) == 200 && !loading (f));

  set_faults ("{\"faults\":[\"status:code=503,prefix=/rest/v1/sites,method=GET\"]}");
  gtk_editable_set_text (GTK_EDITABLE (f->search), "lighthouse");
  views_test_wait_until (status_text (f) != NULL && !loading (f) &&
                         gtk_widget_has_css_class (f->status, "error"));
  g_assert_nonnull (strstr (status_text (f), "503"));
  g_assert_cmpuint (count_rows (f), ==, 0);
  set_faults (NULL);

  gtk_editable_set_text (GTK_EDITABLE (f->search), "lighthouse coffee");
  views_test_wait_until (count_rows (f) == 1 && !loading (f));
  g_assert_null (status_text (f));
}

/* Typing fast asks once the typing pauses; an answer to an older search
 * never replaces the newer one. */
static void
test_search_debounce (Fixture       *f,
                      gconstpointer  data)
{
  open_picker (f, "analytics", "page_views", "site_id");
  views_test_wait_until (count_rows (f) == 200 && !loading (f));

  /* Slow answers, so a newer search overtakes an older one. */
  set_faults ("{\"faults\":[\"latency:ms=300,prefix=/rest/v1/sites\"]}");
  gtk_editable_set_text (GTK_EDITABLE (f->search), "site-");
  views_test_wait_until (loading (f));
  gtk_editable_set_text (GTK_EDITABLE (f->search), "lighthouse");
  views_test_spin (100);
  /* The older search has not answered; it is cancelled when the newer
   * one is sent, so its 200 rows never replace the list. */
  g_assert_cmpuint (count_rows (f), ==, 200);
  views_test_wait_until (count_rows (f) == 1 && !loading (f));
  g_assert_cmpstr (row_value (f, 0), ==, "231");
  views_test_spin (700);
  g_assert_cmpuint (count_rows (f), ==, 1);
  set_faults (NULL);
}

int
main (int   argc,
      char *argv[])
{
  int ret;

  views_test_init (&argc, &argv);

  server = supa_test_server_start ("demo", NULL);

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_setup, func, fixture_teardown)

  ADD ("/row-editor/picker/search-beyond-limit", test_search_beyond_limit);
  ADD ("/row-editor/picker/given-schema", test_search_given_schema);
  ADD ("/row-editor/picker/anon-without-schema", test_search_anon_without_schema);
  ADD ("/row-editor/picker/limit-hint", test_search_limit_hint);
  ADD ("/row-editor/picker/key", test_search_key);
  ADD ("/row-editor/picker/no-matches", test_search_no_matches);
  ADD ("/row-editor/picker/error", test_search_error);
  ADD ("/row-editor/picker/debounce", test_search_debounce);

  ret = g_test_run ();
  supa_test_server_stop (server);
  return ret;
}
