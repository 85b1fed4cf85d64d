/* test-export.c — SupaExport against supabase-local: every row of a
 * 2,500-row table (more than the server's 1,000-row cap) comes out exactly,
 * in CSV and JSON, and a cancelled export leaves nothing behind.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "supa-csv.h"
#include "supa-export.h"
#include "supa-test-server.h"
#include "test-util.h"

#include <glib/gstdio.h>

#define N_ROWS 2500

static SupaTestServer *server;
static SupaClient *client;
static char *workdir;

static void
wait_for_table (const char *path)
{
  g_autofree char *bearer = g_strconcat ("Bearer ", server->service_role_key, NULL);
  const char *headers[] = { "apikey", server->service_role_key, "Authorization", bearer, NULL };

  for (guint i = 0; i < 100; i++)
    {
      g_autoptr(SupaTestResponse) r = supa_test_request (server, "GET", path, headers, NULL, NULL, 0);

      if (r->status == 200)
        return;
      g_usleep (100 * 1000);
    }
  g_error ("%s never became visible through the REST API", path);
}

static void
setup_table (void)
{
  g_free (supa_test_server_sql (server,
    "create table public.xport ("
    "  id int primary key,"
    "  label text,"
    "  n int,"
    "  flag boolean,"
    "  meta jsonb,"
    "  tags text[],"
    "  amount numeric)"));
  g_free (supa_test_server_sql (server,
    "insert into public.xport select g,"
    "  case g % 7 when 0 then null when 1 then 'comma, here ' || g when 2 then 'say \"hi\" ' || g"
    "    when 3 then E'two\\nlines ' || g when 4 then '' when 5 then E'crlf\\r\\nend ' || g"
    "    else ' padded ' || g end,"
    "  case when g % 11 = 0 then null else g * 3 end,"
    "  case g % 3 when 0 then true when 1 then false else null end,"
    "  case when g % 5 = 0 then null else jsonb_build_object('k', g, 's', 'v,\"' || g, 'a', jsonb_build_array(1, null)) end,"
    "  case when g % 4 = 0 then null when g % 4 = 1 then '{}'::text[] else array['a' || g, 'b,c', 'q\"x', null] end,"
    "  case when g % 2 = 0 then null else g + 0.25 end"
    " from generate_series(1, 2500) g"));
  g_free (supa_test_server_sql (server, "grant all on public.xport to anon, authenticated, service_role"));
  /* A composite key whose text part needs quoting inside a logic tree. */
  g_free (supa_test_server_sql (server,
    "create table public.xport_pair (a int, b text, v int, primary key (a, b));"
    "insert into public.xport_pair select g % 7, 'k,(' || g || ')', g from generate_series(1, 2500) g;"
    "grant all on public.xport_pair to anon, authenticated, service_role"));
  g_free (supa_test_server_sql (server, "notify pgrst, 'reload schema'"));
  wait_for_table ("/rest/v1/xport?select=id&limit=1");
  wait_for_table ("/rest/v1/xport_pair?select=a&limit=1");
}

/* The table as the database itself renders it, one JSON array per row:
 * [id, label, n, flag, meta, tags as JSON, amount]. */
static JsonArray *
expected_rows (const char *where,
               const char *order)
{
  g_autofree char *statement = NULL;
  g_autofree char *text = NULL;
  JsonNode *node;
  JsonArray *array;

  statement = g_strdup_printf ("select coalesce(json_agg(json_build_array(id, label, n, flag, meta, to_jsonb(tags), amount)"
                               " order by %s), '[]')::text from public.xport %s", order, where);
  text = supa_test_server_sql (server, statement);
  g_assert_nonnull (text);
  node = json_from_string (text, NULL);
  g_assert_nonnull (node);
  array = json_array_ref (json_node_get_array (node));
  json_node_unref (node);

  return array;
}

static char *
tmp_path (const char *name)
{
  return g_build_filename (workdir, name, NULL);
}

static guint
count_dir_entries (void)
{
  g_autoptr(GDir) dir = g_dir_open (workdir, 0, NULL);
  guint n = 0;

  g_assert_nonnull (dir);
  while (g_dir_read_name (dir) != NULL)
    n++;

  return n;
}

typedef struct
{
  guint64       max_written;
  guint         notifications;
  GCancellable *cancel_at_1000;
} Progress;

static void
progress_cb (SupaExport *export,
             GParamSpec *pspec,
             gpointer    user_data)
{
  Progress *progress = user_data;
  guint64 written = supa_export_get_rows_written (export);

  g_assert_cmpuint (written, >=, progress->max_written);
  progress->max_written = written;
  progress->notifications++;

  if (progress->cancel_at_1000 != NULL && written >= 1000)
    g_cancellable_cancel (progress->cancel_at_1000);
}

static gboolean
run_export (SupaExport    *export,
            const char    *path,
            GCancellable  *cancellable,
            guint64       *n_rows,
            GError       **error)
{
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GAsyncResult) result = NULL;

  supa_export_to_file_async (export, file, cancellable, test_store_result_cb, &result);
  test_wait_result (&result);

  return supa_export_to_file_finish (export, result, n_rows, error);
}

static SupaExport *
new_export (SupaExportFormat format,
            SupaQuery       *query)
{
  static const char *pk[] = { "id", NULL };
  SupaExport *export = supa_export_new (client, query, format);

  supa_export_set_primary_key (export, pk);
  return export;
}

static GPtrArray *
read_csv (const char *path)
{
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GFileInputStream) in = g_file_read (file, NULL, NULL);
  g_autoptr(SupaCsvReader) reader = NULL;
  GPtrArray *records = g_ptr_array_new_with_free_func ((GDestroyNotify) supa_csv_record_free);
  SupaCsvRecord *record;
  g_autoptr(GError) error = NULL;

  g_assert_nonnull (in);
  reader = supa_csv_reader_new (G_INPUT_STREAM (in));
  while ((record = supa_csv_reader_read_record (reader, NULL, &error)) != NULL)
    g_ptr_array_add (records, record);
  g_assert_no_error (error);

  return records;
}

/* A CSV cell against the database's value: NULL is an unquoted empty
 * field, '' a quoted one, json and arrays their JSON text. */
static void
assert_cell (const SupaCsvRecord *record,
             guint                i,
             JsonNode            *expected)
{
  const char *cell = record->fields[i];

  if (JSON_NODE_HOLDS_NULL (expected))
    {
      g_assert_cmpstr (cell, ==, "");
      g_assert_false (record->quoted[i]);
      return;
    }

  if (JSON_NODE_HOLDS_VALUE (expected))
    {
      GType type = json_node_get_value_type (expected);

      if (type == G_TYPE_STRING)
        {
          g_assert_cmpstr (cell, ==, json_node_get_string (expected));
          if (*cell == '\0')
            g_assert_true (record->quoted[i]);
        }
      else if (type == G_TYPE_BOOLEAN)
        g_assert_cmpstr (cell, ==, json_node_get_boolean (expected) ? "true" : "false");
      else if (type == G_TYPE_INT64)
        g_assert_cmpint (g_ascii_strtoll (cell, NULL, 10), ==, json_node_get_int (expected));
      else
        g_assert_cmpfloat (g_ascii_strtod (cell, NULL), ==, json_node_get_double (expected));
      return;
    }

  {
    g_autoptr(JsonNode) got = json_from_string (cell, NULL);

    g_assert_nonnull (got);
    g_assert_true (json_node_equal (got, expected));
  }
}

static const char *columns[] = { "id", "label", "n", "flag", "meta", "tags", "amount", NULL };

static void
assert_csv_matches (const char *path,
                    const char *where,
                    const char *order)
{
  g_autoptr(GPtrArray) records = read_csv (path);
  g_autoptr(JsonArray) expected = expected_rows (where, order);
  SupaCsvRecord *header;

  g_assert_cmpuint (records->len, ==, json_array_get_length (expected) + 1);
  header = g_ptr_array_index (records, 0);
  g_assert_cmpuint (header->n_fields, ==, g_strv_length ((char **) columns));
  for (guint c = 0; columns[c] != NULL; c++)
    g_assert_cmpstr (header->fields[c], ==, columns[c]);

  for (guint r = 0; r < json_array_get_length (expected); r++)
    {
      SupaCsvRecord *record = g_ptr_array_index (records, r + 1);
      JsonArray *row = json_array_get_array_element (expected, r);

      g_assert_cmpuint (record->n_fields, ==, json_array_get_length (row));
      for (guint c = 0; c < record->n_fields; c++)
        assert_cell (record, c, json_array_get_element (row, c));
    }
}

static void
test_csv (void)
{
  g_autoptr(SupaQuery) query = supa_query_new ("xport");
  g_autoptr(SupaExport) export = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *path = tmp_path ("all.csv");
  Progress progress = { 0 };
  guint64 n_rows = 0;

  supa_query_select (query, "id,label,n,flag,meta,tags,amount", SUPA_COUNT_NONE, FALSE);
  export = new_export (SUPA_EXPORT_FORMAT_CSV, query);
  g_signal_connect (export, "notify::rows-written", G_CALLBACK (progress_cb), &progress);

  g_assert_true (run_export (export, path, NULL, &n_rows, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (n_rows, ==, N_ROWS);
  g_assert_cmpint (supa_export_get_total_rows (export), ==, N_ROWS);
  g_assert_cmpuint (progress.max_written, ==, N_ROWS);
  /* One notification per page: the file was written as pages arrived. */
  g_assert_cmpuint (progress.notifications, >=, 3);

  assert_csv_matches (path, "", "id");
  /* Only the finished file: no temporary file left next to it. */
  g_assert_cmpuint (count_dir_entries (), ==, 1);
}

/* Pages larger than the server's max_rows (1000) come back short; the
 * export must keep going instead of taking a short page for the end. */
static void
test_csv_server_cap (void)
{
  g_autoptr(SupaQuery) query = supa_query_new ("xport");
  g_autoptr(SupaExport) export = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *path = tmp_path ("capped.csv");
  guint64 n_rows = 0;

  supa_query_select (query, "id,label,n,flag,meta,tags,amount", SUPA_COUNT_NONE, FALSE);
  export = new_export (SUPA_EXPORT_FORMAT_CSV, query);
  supa_export_set_page_size (export, 1700);
  supa_export_set_count_method (export, SUPA_COUNT_NONE);

  g_assert_true (run_export (export, path, NULL, &n_rows, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (n_rows, ==, N_ROWS);
  assert_csv_matches (path, "", "id");
}

static void
test_json (void)
{
  g_autoptr(SupaQuery) query = supa_query_new ("xport");
  g_autoptr(SupaExport) export = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *path = tmp_path ("all.json");
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(JsonArray) expected = expected_rows ("", "id");
  JsonArray *rows;
  guint64 n_rows = 0;

  /* select=* : the columns come from the rows themselves. */
  export = new_export (SUPA_EXPORT_FORMAT_JSON, query);
  g_assert_true (run_export (export, path, NULL, &n_rows, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (n_rows, ==, N_ROWS);

  g_assert_true (json_parser_load_from_mapped_file (parser, path, &error));
  g_assert_no_error (error);
  rows = json_node_get_array (json_parser_get_root (parser));
  g_assert_cmpuint (json_array_get_length (rows), ==, N_ROWS);

  for (guint r = 0; r < N_ROWS; r++)
    {
      JsonObject *row = json_array_get_object_element (rows, r);
      JsonArray *want = json_array_get_array_element (expected, r);

      g_assert_cmpuint (json_object_get_size (row), ==, 7);
      for (guint c = 0; columns[c] != NULL; c++)
        {
          JsonNode *got = json_object_get_member (row, columns[c]);
          JsonNode *value = json_array_get_element (want, c);

          g_assert_nonnull (got);
          if (JSON_NODE_HOLDS_VALUE (value) && json_node_get_value_type (value) == G_TYPE_DOUBLE)
            g_assert_cmpfloat (json_node_get_double (got), ==, json_node_get_double (value));
          else
            g_assert_true (json_node_equal (got, value));
        }
    }
}

static void
test_cancel (void)
{
  g_autoptr(SupaQuery) query = supa_query_new ("xport");
  g_autoptr(SupaExport) export = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autofree char *path = tmp_path ("cancelled.csv");
  g_autofree char *contents = NULL;
  Progress progress = { 0 };
  guint before;

  /* An earlier file of the same name must survive the cancelled export. */
  g_assert_true (g_file_set_contents (path, "old", -1, NULL));
  before = count_dir_entries ();

  export = new_export (SUPA_EXPORT_FORMAT_CSV, query);
  progress.cancel_at_1000 = cancellable;
  g_signal_connect (export, "notify::rows-written", G_CALLBACK (progress_cb), &progress);

  g_assert_false (run_export (export, path, cancellable, NULL, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpuint (progress.max_written, >=, 1000);
  g_assert_cmpuint (progress.max_written, <, N_ROWS);

  g_assert_true (g_file_get_contents (path, &contents, NULL, NULL));
  g_assert_cmpstr (contents, ==, "old");
  g_assert_cmpuint (count_dir_entries (), ==, before);

  /* And without an earlier file, nothing at all is left. */
  g_clear_error (&error);
  g_clear_object (&cancellable);
  g_clear_object (&export);
  g_free (path);
  path = tmp_path ("cancelled-new.json");
  cancellable = g_cancellable_new ();
  progress = (Progress) { 0, 0, cancellable };
  export = new_export (SUPA_EXPORT_FORMAT_JSON, query);
  g_signal_connect (export, "notify::rows-written", G_CALLBACK (progress_cb), &progress);
  g_assert_false (run_export (export, path, cancellable, NULL, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));
  g_assert_cmpuint (count_dir_entries (), ==, before);
}

/* Cancelling right after the start (the temporary file being created on a
 * worker thread meanwhile) or before it leaves neither a .part file nor the
 * target; repeated, as the race is one of timing. */
static void
test_cancel_immediately (void)
{
  g_autoptr(SupaQuery) query = supa_query_new ("xport");
  g_autofree char *path = tmp_path ("cancelled-at-once.csv");
  guint before = count_dir_entries ();

  for (guint i = 0; i < 40; i++)
    {
      g_autoptr(SupaExport) export = new_export (SUPA_EXPORT_FORMAT_CSV, query);
      g_autoptr(GCancellable) cancellable = g_cancellable_new ();
      g_autoptr(GFile) file = g_file_new_for_path (path);
      g_autoptr(GAsyncResult) result = NULL;
      g_autoptr(GError) error = NULL;

      if (i % 4 == 3)
        g_cancellable_cancel (cancellable);
      supa_export_to_file_async (export, file, cancellable, test_store_result_cb, &result);
      /* Every other round, let the worker thread start first. */
      if (i % 2 == 1)
        g_usleep (i * 50);
      g_cancellable_cancel (cancellable);
      test_wait_result (&result);

      g_assert_false (supa_export_to_file_finish (export, result, NULL, &error));
      g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
      g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));
      g_assert_cmpuint (count_dir_entries (), ==, before);
    }
}

/* A filter and a user sort (offset paging with the key as tie-breaker). */
static void
test_filter_and_order (void)
{
  g_autoptr(SupaQuery) query = supa_query_new ("xport");
  g_autoptr(SupaExport) export = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *path = tmp_path ("filtered.csv");
  g_autofree char *want_count = NULL;
  g_autofree char *want_ids = NULL;
  g_autoptr(GPtrArray) records = NULL;
  g_autoptr(GString) ids = g_string_new (NULL);
  guint64 n_rows = 0;

  supa_query_select (query, "id,label,n,flag,meta,tags,amount", SUPA_COUNT_NONE, FALSE);
  supa_query_eq (query, "flag", "true");
  export = new_export (SUPA_EXPORT_FORMAT_CSV, query);
  /* Many equal values: only the tie-breaker keeps the pages apart. */
  supa_export_add_order (export, "amount", FALSE, SUPA_NULLS_LAST);
  supa_export_set_page_size (export, 300);

  g_assert_true (run_export (export, path, NULL, &n_rows, &error));
  g_assert_no_error (error);

  want_count = supa_test_server_sql (server, "select count(*) from public.xport where flag");
  want_ids = supa_test_server_sql (server,
                                   "select string_agg(id::text, ',' order by amount desc nulls last, id)"
                                   " from public.xport where flag");
  g_assert_cmpuint (n_rows, ==, g_ascii_strtoull (want_count, NULL, 10));
  g_assert_cmpint (supa_export_get_total_rows (export), ==, (gint64) n_rows);

  records = read_csv (path);
  g_assert_cmpuint (records->len, ==, n_rows + 1);
  for (guint r = 1; r < records->len; r++)
    {
      SupaCsvRecord *record = g_ptr_array_index (records, r);

      g_assert_cmpstr (record->fields[3], ==, "true");
      if (ids->len > 0)
        g_string_append_c (ids, ',');
      g_string_append (ids, record->fields[0]);
    }
  g_assert_cmpstr (ids->str, ==, want_ids);

  /* The same filtered rows, checked cell by cell. */
  assert_csv_matches (path, "where flag", "amount desc nulls last, id");
}

/* Keyset paging over a two-column key: `(a, b) > (x, y)` as a logic tree. */
static void
test_composite_key (void)
{
  static const char *pk[] = { "a", "b", NULL };
  g_autoptr(SupaQuery) query = supa_query_new ("xport_pair");
  g_autoptr(SupaExport) export = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *path = tmp_path ("pair.csv");
  g_autofree char *want = NULL;
  g_autoptr(GPtrArray) records = NULL;
  g_autoptr(GString) got = g_string_new (NULL);
  guint64 n_rows = 0;

  supa_query_select (query, "v", SUPA_COUNT_NONE, FALSE);
  export = supa_export_new (client, query, SUPA_EXPORT_FORMAT_CSV);
  supa_export_set_primary_key (export, pk);
  supa_export_set_page_size (export, 400);

  /* The key is not selected: keyset paging cannot go on, offset must. */
  g_assert_true (run_export (export, path, NULL, &n_rows, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (n_rows, ==, N_ROWS);

  g_clear_object (&query);
  g_clear_object (&export);
  query = supa_query_new ("xport_pair");
  supa_query_select (query, "a,b,v", SUPA_COUNT_NONE, FALSE);
  export = supa_export_new (client, query, SUPA_EXPORT_FORMAT_CSV);
  supa_export_set_primary_key (export, pk);
  supa_export_set_page_size (export, 400);
  g_assert_true (run_export (export, path, NULL, &n_rows, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (n_rows, ==, N_ROWS);

  records = read_csv (path);
  g_assert_cmpuint (records->len, ==, N_ROWS + 1);
  for (guint r = 1; r < records->len; r++)
    {
      SupaCsvRecord *record = g_ptr_array_index (records, r);

      if (got->len > 0)
        g_string_append_c (got, ',');
      g_string_append (got, record->fields[2]);
    }
  want = supa_test_server_sql (server, "select string_agg(v::text, ',' order by a, b) from public.xport_pair");
  g_assert_cmpstr (got->str, ==, want);
}

int
main (int   argc,
      char *argv[])
{
  int ret;

  test_init (&argc, &argv);

  server = supa_test_server_start ("empty", NULL);
  client = supa_client_new (server->url, server->service_role_key, NULL);
  workdir = g_dir_make_tmp ("supadesk-export-XXXXXX", NULL);
  g_assert_nonnull (workdir);
  setup_table ();

  g_test_add_func ("/export/csv", test_csv);
  g_test_add_func ("/export/csv-server-cap", test_csv_server_cap);
  g_test_add_func ("/export/json", test_json);
  g_test_add_func ("/export/cancel", test_cancel);
  g_test_add_func ("/export/cancel-immediately", test_cancel_immediately);
  g_test_add_func ("/export/filter-and-order", test_filter_and_order);
  g_test_add_func ("/export/composite-key", test_composite_key);

  ret = g_test_run ();

  {
    g_autoptr(GDir) dir = g_dir_open (workdir, 0, NULL);
    const char *name;

    while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
      {
        g_autofree char *path = tmp_path (name);
        g_unlink (path);
      }
    g_rmdir (workdir);
  }
  g_clear_pointer (&workdir, g_free);
  g_clear_object (&client);
  supa_test_server_stop (server);

  return ret;
}
