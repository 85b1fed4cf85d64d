/* test-dialogs.c — the export and import dialogs and the function panel
 * against supabase-local (seed "demo"): exported files compared with the
 * rows REST returns, a cancelled export leaves no file, a CSV with a bad
 * row is reported line by line, and rpc calls with GET and POST.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>
#include <glib/gstdio.h>

#include "supa-export-dialog.h"
#include "supa-function-panel.h"
#include "supa-import-dialog.h"
#include "supa-test-server.h"
#include "views-test-util.h"

static SupaTestServer *server;

typedef struct
{
  GtkWindow    *window;
  SupaClient   *client;
  SupaDatabase *db;
  SupaSchema   *schema;
  char         *tmpdir;
} Fixture;

static void
schema_loaded_cb (GObject      *object,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  Fixture *f = user_data;
  g_autoptr(GError) error = NULL;

  f->schema = supa_schema_load_finish (result, &error);
  g_assert_no_error (error);
}

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  f->client = supa_client_new (server->url, server->service_role_key, NULL);
  f->db = supa_database_new (f->client);
  f->tmpdir = g_dir_make_tmp ("dialogs-XXXXXX", NULL);
  g_assert_nonnull (f->tmpdir);

  supa_schema_load_async (f->client, "public", NULL, schema_loaded_cb, f);
  views_test_wait_until (f->schema != NULL);

  f->window = GTK_WINDOW (gtk_window_new ());
  gtk_window_set_default_size (f->window, 900, 650);
  gtk_window_present (f->window);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  GtkWindow *dialog;

  while ((dialog = views_test_find_toplevel (SUPA_TYPE_EXPORT_DIALOG, NULL)) != NULL ||
         (dialog = views_test_find_toplevel (SUPA_TYPE_IMPORT_DIALOG, NULL)) != NULL)
    gtk_window_destroy (dialog);
  gtk_window_destroy (f->window);
  views_test_spin (50);
  g_clear_object (&f->schema);
  g_clear_object (&f->db);
  g_clear_object (&f->client);
  g_clear_pointer (&f->tmpdir, g_free);
}

/* --- helpers ------------------------------------------------------------ */

/* With SUPA_TEST_SCREENSHOTS=<dir>, saves what @widget shows as a PNG so a
 * person can look at each state. */
static void
snapshot (GtkWidget  *widget,
          const char *name)
{
  const char *dir = g_getenv ("SUPA_TEST_SCREENSHOTS");
  g_autoptr(GdkPaintable) paintable = NULL;
  g_autoptr(GtkSnapshot) snap = NULL;
  g_autoptr(GskRenderNode) node = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  g_autofree char *path = NULL;
  GskRenderer *renderer;
  int width, height;

  if (dir == NULL)
    return;

  views_test_spin (300);
  width = gtk_widget_get_width (widget);
  height = gtk_widget_get_height (widget);
  paintable = gtk_widget_paintable_new (widget);
  snap = gtk_snapshot_new ();
  gdk_paintable_snapshot (paintable, snap, width, height);
  node = gtk_snapshot_free_to_node (g_steal_pointer (&snap));
  if (node == NULL)
    return;
  renderer = gtk_native_get_renderer (gtk_widget_get_native (widget));
  texture = gsk_renderer_render_texture (renderer, node, &GRAPHENE_RECT_INIT (0, 0, width, height));
  path = g_strdup_printf ("%s/%s.png", dir, name);
  gdk_texture_save_to_png (texture, path);
}

static JsonNode *
rest_get (const char *path_and_query)
{
  g_autofree char *bearer = g_strconcat ("Bearer ", server->service_role_key, NULL);
  const char *headers[] = { "apikey", server->service_role_key, "Authorization", bearer, NULL };
  g_autoptr(SupaTestResponse) response = supa_test_request (server, "GET", path_and_query, headers, NULL, NULL, 0);

  g_assert_cmpuint (response->status, ==, 200);
  g_assert_nonnull (response->json);
  return json_node_copy (response->json);
}

static gint64
sql_count (const char *sql)
{
  g_autofree char *text = supa_test_server_sql (server, sql);

  g_assert_nonnull (text);
  return g_ascii_strtoll (text, NULL, 10);
}

static char *
read_text (const char *path)
{
  g_autofree char *contents = NULL;
  g_autoptr(GError) error = NULL;

  g_file_get_contents (path, &contents, NULL, &error);
  g_assert_no_error (error);
  return g_steal_pointer (&contents);
}

static gboolean
text_contains (GtkWidget  *root,
               const char *needle)
{
  g_autofree char *text = views_test_collect_text (root);

  return strstr (text, needle) != NULL;
}

static SupaExportDialog *
new_export_dialog (Fixture    *f,
                   const char *table_name,
                   SupaQuery  *query,
                   const char *order)
{
  SupaTableInfo *table = supa_schema_lookup_table (f->schema, table_name);
  SupaExportDialog *dialog;

  g_assert_nonnull (table);
  dialog = supa_export_dialog_new (f->window, f->db, table, query, order);
  gtk_window_present (GTK_WINDOW (dialog));
  g_assert_cmpstr (supa_export_dialog_get_page (dialog), ==, "options");
  return dialog;
}

/* --- export ------------------------------------------------------------- */

static void
test_export_json (Fixture       *f,
                  gconstpointer  data)
{
  SupaExportDialog *dialog = new_export_dialog (f, "cities", NULL, "id.asc");
  g_autofree char *path = g_build_filename (f->tmpdir, "cities.json", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(JsonNode) expected = rest_get ("/rest/v1/cities?select=*&order=id.asc");
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *contents = NULL;
  g_autofree char *done = NULL;
  guint n = json_array_get_length (json_node_get_array (expected));

  /* Without a query the dialog counts the table itself. */
  views_test_wait_until (text_contains (GTK_WIDGET (dialog), "All 60 rows"));
  snapshot (GTK_WIDGET (dialog), "export-options");

  supa_export_dialog_export_to_file (dialog, file, SUPA_EXPORT_FORMAT_JSON);
  g_assert_cmpstr (supa_export_dialog_get_page (dialog), ==, "progress");
  views_test_wait_until (g_str_equal (supa_export_dialog_get_page (dialog), "done"));
  snapshot (GTK_WIDGET (dialog), "export-done");

  done = g_strdup_printf ("Exported %u rows to cities.json", n);
  g_assert_true (text_contains (GTK_WIDGET (dialog), done));

  contents = read_text (path);
  json_parser_load_from_data (parser, contents, -1, &error);
  g_assert_no_error (error);
  g_assert_true (json_node_equal (json_parser_get_root (parser), expected));
}

static void
test_export_csv_filtered (Fixture       *f,
                          gconstpointer  data)
{
  g_autoptr(SupaQuery) query = supa_query_new ("cities");
  g_autofree char *path = g_build_filename (f->tmpdir, "french-cities.csv", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autofree char *contents = NULL;
  SupaExportDialog *dialog;

  supa_query_select (query, "name,population,is_capital", SUPA_COUNT_NONE, FALSE);
  supa_query_eq (query, "country_id", "1");
  dialog = new_export_dialog (f, "cities", query, "population.desc.nullslast,name");
  supa_export_dialog_set_row_count (dialog, 3);
  g_assert_true (text_contains (GTK_WIDGET (dialog), "Only the 3 matching rows"));

  supa_export_dialog_export_to_file (dialog, file, SUPA_EXPORT_FORMAT_CSV);
  views_test_wait_until (g_str_equal (supa_export_dialog_get_page (dialog), "done"));
  g_assert_true (text_contains (GTK_WIDGET (dialog), "Exported 3 rows to french-cities.csv"));

  /* The view's columns, filter and order. */
  contents = read_text (path);
  g_assert_cmpstr (contents, ==,
                   "name,population,is_capital\r\n"
                   "Paris,2102650,true\r\n"
                   "Marseille,873076,false\r\n"
                   "Lyon,522250,false\r\n");
}

static void
test_export_error (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(SupaQuery) query = supa_query_new ("cities");
  g_autofree char *path = g_build_filename (f->tmpdir, "broken.csv", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (path);
  SupaExportDialog *dialog;

  /* A column the table does not have: the server's message is shown. */
  supa_query_select (query, "name,no_such_column", SUPA_COUNT_NONE, FALSE);
  dialog = new_export_dialog (f, "cities", query, NULL);
  supa_export_dialog_export_to_file (dialog, file, SUPA_EXPORT_FORMAT_CSV);
  views_test_wait_until (g_str_equal (supa_export_dialog_get_page (dialog), "error"));
  snapshot (GTK_WIDGET (dialog), "export-error");
  g_assert_true (text_contains (GTK_WIDGET (dialog), "no_such_column"));
  g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));
}

static void
test_export_cancel (Fixture       *f,
                    gconstpointer  data)
{
  g_autofree char *path = g_build_filename (f->tmpdir, "cancelled.csv", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GDir) dir = NULL;
  g_autofree char *inserted = NULL;
  SupaExportDialog *dialog;
  GtkProgressBar *bar;

  /* Enough rows (many pages) to press Cancel in the middle. */
  inserted = supa_test_server_sql (server,
                                   "INSERT INTO public.cities (name, country_id, population) "
                                   "SELECT 'Town ' || i, 20, i FROM generate_series(1, 30000) i; "
                                   "SELECT count(*) FROM public.cities");
  g_assert_nonnull (inserted);

  dialog = new_export_dialog (f, "cities", NULL, NULL);
  supa_export_dialog_export_to_file (dialog, file, SUPA_EXPORT_FORMAT_CSV);
  g_assert_cmpstr (supa_export_dialog_get_page (dialog), ==, "progress");
  bar = GTK_PROGRESS_BAR (views_test_find_widget (GTK_WIDGET (dialog), GTK_TYPE_PROGRESS_BAR, NULL));
  views_test_wait_until (gtk_progress_bar_get_fraction (bar) > 0.0);
  g_assert_true (text_contains (GTK_WIDGET (dialog), "rows"));
  g_assert_true (text_contains (GTK_WIDGET (dialog), inserted));
  snapshot (GTK_WIDGET (dialog), "export-progress");

  supa_export_dialog_cancel (dialog);
  views_test_wait_until (g_str_equal (supa_export_dialog_get_page (dialog), "options"));
  g_assert_true (text_contains (GTK_WIDGET (dialog), "cancelled"));

  /* Neither the file nor the temporary next to it. */
  g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));
  dir = g_dir_open (f->tmpdir, 0, NULL);
  g_assert_nonnull (dir);
  {
    const char *left = g_dir_read_name (dir);

    if (left != NULL)
      g_test_message ("left over: %s", left);
    g_assert_null (left);
  }

  g_free (supa_test_server_sql (server, "DELETE FROM public.cities WHERE name LIKE 'Town %'; SELECT 1"));
}

/* --- import ------------------------------------------------------------- */

static SupaImportDialog *
open_import (Fixture    *f,
             const char *table_name,
             const char *csv)
{
  SupaTableInfo *table = supa_schema_lookup_table (f->schema, table_name);
  g_autofree char *path = g_build_filename (f->tmpdir, "import.csv", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GError) error = NULL;
  SupaImportDialog *dialog;

  g_assert_nonnull (table);
  g_file_set_contents (path, csv, -1, &error);
  g_assert_no_error (error);

  dialog = supa_import_dialog_new (f->window, f->db, table);
  gtk_window_present (GTK_WINDOW (dialog));
  g_assert_cmpstr (supa_import_dialog_get_page (dialog), ==, "choose");
  snapshot (GTK_WIDGET (dialog), "import-choose");

  supa_import_dialog_open_file (dialog, file);
  views_test_wait_until (g_str_equal (supa_import_dialog_get_page (dialog), "mapping") &&
                         supa_import_dialog_get_preview (dialog) != NULL);
  return dialog;
}

/* profiles: the key is a uuid without a default, so it must be mapped.
 * (Integer keys are not required: PostgREST's OpenAPI shows identity
 * columns without a default, so the server decides for those.) */
static void
test_import_mapping (Fixture       *f,
                     gconstpointer  data)
{
  SupaImportDialog *dialog = open_import (f, "profiles",
                                          "uuid,username,credits,notes\n"
                                          "00000000-0000-4000-8000-000000000101,mapping1,5,first\n"
                                          "00000000-0000-4000-8000-000000000102,mapping2,abc,second\n");
  GPtrArray *preview;
  SupaImportRow *row;

  /* "uuid" matches no column, so the required id is not filled. */
  g_assert_false (supa_import_dialog_get_can_import (dialog));
  g_assert_nonnull (supa_import_dialog_get_mapping_error (dialog));
  g_assert_nonnull (strstr (supa_import_dialog_get_mapping_error (dialog), "id"));
  g_assert_true (text_contains (GTK_WIDGET (dialog), supa_import_dialog_get_mapping_error (dialog)));
  snapshot (GTK_WIDGET (dialog), "import-mapping-invalid");

  supa_import_dialog_set_mapping (dialog, 0, "id");
  views_test_wait_until (supa_import_dialog_get_can_import (dialog));
  g_assert_null (supa_import_dialog_get_mapping_error (dialog));

  /* The preview follows the mapping and shows the conversion error. */
  preview = supa_import_dialog_get_preview (dialog);
  g_assert_cmpuint (preview->len, ==, 2);
  row = preview->pdata[0];
  g_assert_cmpuint (row->line, ==, 2);
  g_assert_cmpstr (json_object_get_string_member (row->values, "id"), ==, "00000000-0000-4000-8000-000000000101");
  g_assert_null (supa_import_row_get_error (row, "credits"));
  row = preview->pdata[1];
  g_assert_nonnull (supa_import_row_get_error (row, "credits"));
  g_assert_true (text_contains (GTK_WIDGET (dialog), "mapping1"));
  g_assert_true (text_contains (GTK_WIDGET (dialog), supa_import_row_get_error (row, "credits")));
  snapshot (GTK_WIDGET (dialog), "import-mapping");

  /* Mapping a column twice is refused before anything is sent. */
  supa_import_dialog_set_mapping (dialog, 3, "username");
  views_test_wait_until (!supa_import_dialog_get_can_import (dialog) &&
                         supa_import_dialog_get_mapping_error (dialog) != NULL);
  supa_import_dialog_set_mapping (dialog, 3, NULL);
  views_test_wait_until (supa_import_dialog_get_can_import (dialog));
}

static void
imported_cb (SupaImportDialog *dialog,
             guint64           n_inserted,
             guint64          *out)
{
  *out = n_inserted;
}

static void
test_import_report (Fixture       *f,
                    gconstpointer  data)
{
  gint64 before = sql_count ("SELECT count(*) FROM public.profiles");
  SupaImportDialog *dialog = open_import (f, "profiles",
                                          "id,username,full_name,credits\n"
                                          "00000000-0000-4000-8000-000000000201,csv_dave,Dave Bowman,10\n"
                                          "00000000-0000-4000-8000-000000000202,csv_erin,Erin Brockovich,20\n"
                                          "00000000-0000-4000-8000-000000000203,csv_frank,Frank Poole,-5\n"
                                          "00000000-0000-4000-8000-000000000204,csv_grace,Grace Hopper,30\n");
  guint64 imported = 0;
  const char *report;

  g_signal_connect (dialog, "imported", G_CALLBACK (imported_cb), &imported);
  g_assert_true (supa_import_dialog_get_can_import (dialog));
  supa_import_dialog_start (dialog);
  views_test_wait_until (g_str_equal (supa_import_dialog_get_page (dialog), "report"));
  snapshot (GTK_WIDGET (dialog), "import-report");

  g_assert_cmpuint (imported, ==, 3);
  g_assert_true (text_contains (GTK_WIDGET (dialog), "3 rows inserted, 1 row failed"));
  g_assert_true (text_contains (GTK_WIDGET (dialog), "Line 4"));
  g_assert_true (text_contains (GTK_WIDGET (dialog), "violates check constraint"));

  report = supa_import_dialog_get_report_text (dialog);
  g_assert_nonnull (report);
  g_assert_nonnull (strstr (report, "3 rows inserted, 1 row failed"));
  g_assert_nonnull (strstr (report, "Line 4"));
  g_assert_nonnull (strstr (report, "violates check constraint"));
  g_assert_nonnull (strstr (report, "23514"));
  g_assert_null (strstr (report, "Lines"));

  g_assert_cmpint (sql_count ("SELECT count(*) FROM public.profiles"), ==, before + 3);
  g_assert_cmpint (sql_count ("SELECT count(*) FROM public.profiles WHERE username IN ('csv_dave','csv_erin','csv_grace')"), ==, 3);
  g_assert_cmpint (sql_count ("SELECT count(*) FROM public.profiles WHERE username = 'csv_frank'"), ==, 0);

  /* Copy Report puts the same text on the clipboard. */
  {
    GtkWidget *button = views_test_find_widget (GTK_WIDGET (dialog), GTK_TYPE_BUTTON, "copy-report-button");
    GdkClipboard *clipboard = gtk_widget_get_clipboard (GTK_WIDGET (dialog));
    GValue text = G_VALUE_INIT;

    g_assert_nonnull (button);
    g_signal_emit_by_name (button, "clicked");
    g_assert_true (gdk_clipboard_is_local (clipboard));
    g_value_init (&text, G_TYPE_STRING);
    g_assert_true (gdk_content_provider_get_value (gdk_clipboard_get_content (clipboard), &text, NULL));
    g_assert_cmpstr (g_value_get_string (&text), ==, report);
    g_value_unset (&text);
  }

  g_free (supa_test_server_sql (server, "DELETE FROM public.profiles WHERE username IN ('csv_dave','csv_erin','csv_grace'); SELECT 1"));
}

/* --- function panel ----------------------------------------------------- */

static SupaFunctionPanel *
new_panel (Fixture *f)
{
  GtkWidget *panel = supa_function_panel_new (f->db, f->schema);

  gtk_window_set_child (f->window, panel);
  views_test_spin (50);
  return SUPA_FUNCTION_PANEL (panel);
}

static void
test_function_get (Fixture       *f,
                   gconstpointer  data)
{
  SupaFunctionPanel *panel = new_panel (f);
  GtkWidget *search = views_test_find_widget (GTK_WIDGET (panel), GTK_TYPE_SEARCH_ENTRY, "function-search");
  GtkListView *list = GTK_LIST_VIEW (views_test_find_widget (GTK_WIDGET (panel), GTK_TYPE_LIST_VIEW, "function-list"));
  GListModel *model = G_LIST_MODEL (gtk_list_view_get_model (list));

  g_assert_cmpuint (g_list_model_get_n_items (model), ==, 4);
  gtk_editable_set_text (GTK_EDITABLE (search), "CIT");
  views_test_wait_until (g_list_model_get_n_items (model) == 1);
  gtk_editable_set_text (GTK_EDITABLE (search), "");
  views_test_wait_until (g_list_model_get_n_items (model) == 4);

  g_assert_true (supa_function_panel_select_function (panel, "cities_in"));
  g_assert_true (supa_function_panel_set_argument (panel, "country", "France"));
  supa_function_panel_set_use_get (panel, TRUE);
  g_assert_true (supa_function_panel_call (panel));
  views_test_wait_until (!supa_function_panel_get_busy (panel));
  snapshot (GTK_WIDGET (f->window), "function-table");

  g_assert_null (supa_function_panel_get_error (panel));
  g_assert_cmpint (supa_function_panel_get_result_rows (panel), ==, 3);
  g_assert_true (g_str_has_prefix (supa_function_panel_get_status (panel), "3 rows"));
  g_assert_true (text_contains (GTK_WIDGET (panel), "Marseille"));

  /* A country with no cities: an empty array, shown as JSON. */
  supa_function_panel_set_argument (panel, "country", "Atlantis");
  g_assert_true (supa_function_panel_call (panel));
  views_test_wait_until (!supa_function_panel_get_busy (panel));
  g_assert_cmpint (supa_function_panel_get_result_rows (panel), ==, -1);
  g_assert_true (g_str_has_prefix (supa_function_panel_get_status (panel), "0 items"));

  /* hello's argument has a default: left empty it is not sent. */
  g_assert_true (supa_function_panel_select_function (panel, "hello"));
  g_assert_true (supa_function_panel_call (panel));
  views_test_wait_until (!supa_function_panel_get_busy (panel));
  {
    g_autofree char *text = supa_function_panel_dup_result_text (panel);

    g_assert_cmpstr (text, ==, "\"Hello guest!\"");
  }
  snapshot (GTK_WIDGET (f->window), "function-json");
}

static void
test_function_post (Fixture       *f,
                    gconstpointer  data)
{
  SupaFunctionPanel *panel = new_panel (f);
  g_autofree char *credits = supa_test_server_sql (server, "SELECT credits FROM public.profiles WHERE username = 'bob'");
  g_autofree char *expected = g_strdup_printf ("%" G_GINT64_FORMAT, g_ascii_strtoll (credits, NULL, 10) + 7);
  g_autofree char *text = NULL;
  g_autofree char *after = NULL;
  GtkWidget *get_switch;

  g_assert_true (supa_function_panel_select_function (panel, "add_credits"));
  /* Volatile: no GET. */
  get_switch = views_test_find_widget (GTK_WIDGET (panel), GTK_TYPE_SWITCH, "get-switch");
  g_assert_false (gtk_widget_is_visible (get_switch));

  /* Refused before sending: a required argument missing, a bad integer. */
  g_assert_false (supa_function_panel_call (panel));
  g_assert_true (text_contains (GTK_WIDGET (panel), "profile_id is required"));
  supa_function_panel_set_argument (panel, "profile_id", "00000000-0000-4000-8000-000000000002");
  supa_function_panel_set_argument (panel, "amount", "seven");
  g_assert_false (supa_function_panel_call (panel));
  g_assert_true (text_contains (GTK_WIDGET (panel), "amount must be a whole number"));
  snapshot (GTK_WIDGET (f->window), "function-invalid");

  supa_function_panel_set_argument (panel, "amount", "7");
  g_assert_true (supa_function_panel_call (panel));
  views_test_wait_until (!supa_function_panel_get_busy (panel));
  g_assert_null (supa_function_panel_get_error (panel));
  text = supa_function_panel_dup_result_text (panel);
  g_assert_cmpstr (text, ==, expected);
  after = supa_test_server_sql (server, "SELECT credits FROM public.profiles WHERE username = 'bob'");
  g_assert_cmpstr (after, ==, expected);

  /* The server's error, with its code. */
  supa_function_panel_set_argument (panel, "profile_id", "not-a-uuid");
  g_assert_true (supa_function_panel_call (panel));
  views_test_wait_until (!supa_function_panel_get_busy (panel));
  g_assert_nonnull (supa_function_panel_get_error (panel));
  g_assert_nonnull (strstr (supa_function_panel_get_error (panel), "invalid input syntax for type uuid"));
  g_assert_nonnull (strstr (supa_function_panel_get_error (panel), "22P02"));
  g_assert_true (text_contains (GTK_WIDGET (panel), "invalid input syntax for type uuid"));
  g_assert_true (g_str_has_prefix (supa_function_panel_get_status (panel), "Failed"));
  snapshot (GTK_WIDGET (f->window), "function-error");
}

int
main (int   argc,
      char *argv[])
{
  int ret;

  views_test_init (&argc, &argv);
  server = supa_test_server_start ("demo", NULL);

#define ADD(path, func) g_test_add (path, Fixture, NULL, fixture_setup, func, fixture_teardown)
  ADD ("/dialogs/export/json", test_export_json);
  ADD ("/dialogs/export/csv-filtered", test_export_csv_filtered);
  ADD ("/dialogs/export/error", test_export_error);
  ADD ("/dialogs/export/cancel", test_export_cancel);
  ADD ("/dialogs/import/mapping", test_import_mapping);
  ADD ("/dialogs/import/report", test_import_report);
  ADD ("/dialogs/function/get", test_function_get);
  ADD ("/dialogs/function/post", test_function_post);
#undef ADD

  ret = g_test_run ();
  supa_test_server_stop (server);
  return ret;
}
