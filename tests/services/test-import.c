/* test-import.c — SupaImport against supabase-local: 2,500 rows with three
 * bad ones; every row of the file is either in the table or in the report
 * with its line and the server's reason.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "supa-csv.h"
#include "supa-import.h"
#include "supa-test-server.h"
#include "test-util.h"

#define N_ROWS 2500

static SupaTestServer *server;
static SupaClient *client;
static SupaDatabase *db;
static SupaTableInfo *table;

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

static char *
sql (const char *statement)
{
  return supa_test_server_sql (server, statement);
}

static void
setup_table (void)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(SupaSchema) schema = NULL;
  g_autoptr(GError) error = NULL;

  g_free (sql ("create table public.ximport ("
               "  id int primary key,"
               "  name text not null,"
               "  qty int,"
               "  price numeric,"
               "  active boolean,"
               "  meta jsonb,"
               "  tags text[],"
               "  note text default 'none')"));
  g_free (sql ("grant all on public.ximport to anon, authenticated, service_role"));
  /* Rows named 'skip' vanish without an error. */
  g_free (sql ("create function public.ximport_skip() returns trigger language plpgsql as"
               " $$ begin if new.name = 'skip' then return null; end if; return new; end $$;"
               "create trigger ximport_skip before insert on public.ximport"
               " for each row execute function public.ximport_skip()"));
  g_free (sql ("notify pgrst, 'reload schema'"));
  wait_for_table ("/rest/v1/ximport?select=id&limit=1");

  supa_schema_load_async (client, "public", NULL, test_store_result_cb, &result);
  test_wait_result (&result);
  schema = supa_schema_load_finish (result, &error);
  g_assert_no_error (error);
  table = supa_schema_lookup_table (schema, "ximport");
  g_assert_nonnull (table);
  g_object_ref (table);
}

static SupaImport *
new_import (const char *csv,
            gsize       len)
{
  g_autoptr(GInputStream) in = g_memory_input_stream_new_from_data (g_memdup2 (csv, len), (gssize) len, g_free);
  SupaImport *import = supa_import_new (db, table, in);

  supa_import_set_input_size (import, len);
  return import;
}

static SupaImportReport *
run_import (SupaImport  *import,
            GError     **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  supa_import_run_async (import, NULL, test_store_result_cb, &result);
  test_wait_result (&result);

  return supa_import_run_finish (import, result, error);
}

static guint64
sql_count (const char *statement)
{
  g_autofree char *text = sql (statement);

  g_assert_nonnull (text);
  return g_ascii_strtoull (text, NULL, 10);
}

static guint64
count_newlines (const char * const *fields,
                guint               n)
{
  guint64 lines = 0;

  for (guint i = 0; i < n; i++)
    for (const char *p = fields[i]; p != NULL && *p; p++)
      lines += *p == '\n';

  return lines;
}

static const SupaImportFailure *
failure_at (SupaImportReport *report,
            guint64           line)
{
  GPtrArray *failures = supa_import_report_get_failures (report);

  for (guint i = 0; i < failures->len; i++)
    {
      const SupaImportFailure *failure = g_ptr_array_index (failures, i);

      if (failure->first_line == line)
        return failure;
    }

  g_error ("no failure reported for line %" G_GUINT64_FORMAT, line);
  return NULL;
}

static void
test_bad_rows (void)
{
  g_autoptr(GString) csv = g_string_new ("\xEF\xBB\xBF");
  g_autoptr(SupaImport) import = NULL;
  g_autoptr(SupaImportReport) report = NULL;
  g_autoptr(GError) error = NULL;
  const char *header[] = { "ID", "Name", "qty", "price", "active", "meta", "tags", "note" };
  guint64 line = 1;
  guint64 bad_int_line = 0, not_null_line = 0, duplicate_line = 0;
  guint64 n_null_notes = 0, n_empty_notes = 0;
  const SupaImportFailure *failure;
  g_autofree char *name_7 = NULL;
  g_autofree char *meta_8 = NULL;
  g_autofree char *tags_9 = NULL;
  guint64 last_inserted = 0;

  supa_csv_append_record (csv, header, G_N_ELEMENTS (header));
  line++;

  for (guint k = 1; k <= N_ROWS; k++)
    {
      g_autofree char *id = g_strdup_printf ("%u", k == 2200 ? 10 : k);
      g_autofree char *name = NULL;
      g_autofree char *qty = g_strdup_printf ("%u", k * 2);
      g_autofree char *price = g_strdup_printf ("%u.%02u", k, k % 100);
      g_autofree char *meta = g_strdup_printf ("{\"k\": %u, \"s\": \"a,\\\"b\"}", k);
      const char *fields[8];

      switch (k % 4)
        {
        case 0: name = g_strdup_printf ("comma, %u", k); break;
        case 1: name = g_strdup_printf ("say \"hi\" %u", k); break;
        case 2: name = g_strdup_printf ("two\nlines %u", k); break;
        default: name = g_strdup_printf ("plain %u", k); break;
        }

      fields[0] = id;
      fields[1] = k == 1500 ? NULL : name;       /* NOT NULL violation */
      fields[2] = k == 500 ? "abc" : qty;        /* not an integer */
      fields[3] = price;
      fields[4] = (k % 3 == 0) ? "yes" : (k % 3 == 1) ? "f" : NULL;
      fields[5] = k % 5 == 0 ? NULL : meta;
      fields[6] = k % 2 == 0 ? "{x,\"y,z\"}" : "[\"p\", \"q\"]";
      fields[7] = k % 10 == 0 ? NULL : k % 10 == 1 ? "" : "n";

      if (k == 500)
        bad_int_line = line;
      else if (k == 1500)
        not_null_line = line;
      else if (k == 2200)
        duplicate_line = line;
      else
        {
          n_null_notes += k % 10 == 0;
          n_empty_notes += k % 10 == 1;
        }

      supa_csv_append_record (csv, fields, G_N_ELEMENTS (fields));
      line += 1 + count_newlines (fields, G_N_ELEMENTS (fields));
    }

  import = new_import (csv->str, csv->len);
  report = run_import (import, &error);
  g_assert_no_error (error);
  g_assert_nonnull (report);

  g_assert_cmpuint (supa_import_report_get_rows_inserted (report), ==, N_ROWS - 3);
  g_assert_cmpuint (supa_import_report_get_rows_failed (report), ==, 3);
  g_assert_cmpuint (supa_import_report_get_rows_read (report), ==, N_ROWS);
  g_assert_cmpuint (supa_import_report_get_failures (report)->len, ==, 3);
  g_assert_cmpuint (supa_import_get_bytes_read (import), ==, csv->len);
  g_object_get (import, "rows-inserted", &last_inserted, NULL);
  g_assert_cmpuint (last_inserted, ==, N_ROWS - 3);

  /* Each bad row by its own line, with its reason. */
  failure = failure_at (report, bad_int_line);
  g_assert_cmpuint (failure->n_rows, ==, 1);
  g_assert_null (failure->code);
  g_assert_nonnull (strstr (failure->message, "abc"));
  g_assert_nonnull (strstr (failure->message, "qty"));

  failure = failure_at (report, not_null_line);
  g_assert_cmpuint (failure->n_rows, ==, 1);
  g_assert_cmpuint (failure->last_line, ==, not_null_line);
  g_assert_cmpstr (failure->code, ==, "23502");
  g_assert_nonnull (strstr (failure->message, "name"));

  failure = failure_at (report, duplicate_line);
  g_assert_cmpuint (failure->n_rows, ==, 1);
  g_assert_cmpstr (failure->code, ==, "23505");
  g_assert_nonnull (failure->message);
  g_assert_nonnull (failure->details);
  g_assert_nonnull (strstr (failure->details, "(id)=(10)"));

  /* The table holds exactly the good rows, with their exact values. */
  g_assert_cmpuint (sql_count ("select count(*) from public.ximport"), ==, N_ROWS - 3);
  g_assert_cmpuint (sql_count ("select count(*) from public.ximport where id in (500, 1500, 2200)"), ==, 0);
  name_7 = sql ("select name from public.ximport where id = 6");
  g_assert_cmpstr (name_7, ==, "two\nlines 6");
  meta_8 = sql ("select meta::text from public.ximport where id = 8");
  g_assert_cmpstr (meta_8, ==, "{\"k\": 8, \"s\": \"a,\\\"b\"}");
  tags_9 = sql ("select tags::text || '|' || (select tags::text from public.ximport where id = 10) from public.ximport where id = 9");
  g_assert_cmpstr (tags_9, ==, "{p,q}|{x,\"y,z\"}");
  g_assert_cmpuint (sql_count ("select count(*) from public.ximport where qty = id * 2 and price = id + (id % 100) / 100.0"),
                    ==, N_ROWS - 3);
  g_assert_cmpuint (sql_count ("select count(*) from public.ximport where active is null"), ==,
                    sql_count ("select count(*) from public.ximport where id % 3 = 2"));
  g_assert_cmpuint (sql_count ("select count(*) from public.ximport where active and id % 3 = 0"), ==,
                    sql_count ("select count(*) from public.ximport where id % 3 = 0"));
  /* `,,` is NULL, `,"",` the empty string. */
  g_assert_cmpuint (sql_count ("select count(*) from public.ximport where note is null"), ==, n_null_notes);
  g_assert_cmpuint (sql_count ("select count(*) from public.ximport where note = ''"), ==, n_empty_notes);
}

/* Without isolation a failed batch is reported whole, by line range. */
static void
test_batch_failure (void)
{
  g_autoptr(GString) csv = g_string_new ("id,name\n");
  g_autoptr(SupaImport) import = NULL;
  g_autoptr(SupaImportReport) report = NULL;
  g_autoptr(GError) error = NULL;
  const SupaImportFailure *failure;

  /* 30001..30010 in batches of 4: the second batch repeats an id. */
  for (guint k = 1; k <= 10; k++)
    g_string_append_printf (csv, "%u,row %u\n", k == 6 ? 30005 : 30000 + k, k);

  import = new_import (csv->str, csv->len);
  supa_import_set_batch_size (import, 4);
  supa_import_set_isolate_failures (import, FALSE);
  report = run_import (import, &error);
  g_assert_no_error (error);

  g_assert_cmpuint (supa_import_report_get_rows_inserted (report), ==, 6);
  g_assert_cmpuint (supa_import_report_get_rows_failed (report), ==, 4);
  g_assert_cmpuint (supa_import_report_get_failures (report)->len, ==, 1);
  failure = g_ptr_array_index (supa_import_report_get_failures (report), 0);
  g_assert_cmpuint (failure->first_line, ==, 6);
  g_assert_cmpuint (failure->last_line, ==, 9);
  g_assert_cmpuint (failure->n_rows, ==, 4);
  g_assert_cmpstr (failure->code, ==, "23505");
  g_assert_cmpuint (sql_count ("select count(*) from public.ximport where id between 30001 and 30010"), ==, 6);
}

/* Rows a trigger silently drops are reported, not counted as inserted. */
static void
test_skipped_rows (void)
{
  const char *csv = "id,name\n50001,kept\n50002,skip\n50003,skip\n50004,kept\n";
  g_autoptr(SupaImport) import = new_import (csv, strlen (csv));
  g_autoptr(SupaImportReport) report = NULL;
  g_autoptr(GError) error = NULL;
  const SupaImportFailure *failure;

  report = run_import (import, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (supa_import_report_get_rows_inserted (report), ==, 2);
  g_assert_cmpuint (supa_import_report_get_rows_failed (report), ==, 2);
  g_assert_cmpuint (supa_import_report_get_failures (report)->len, ==, 1);
  failure = g_ptr_array_index (supa_import_report_get_failures (report), 0);
  g_assert_cmpuint (failure->n_rows, ==, 2);
  g_assert_cmpuint (failure->first_line, ==, 2);
  g_assert_cmpuint (failure->last_line, ==, 5);
  g_assert_cmpuint (sql_count ("select count(*) from public.ximport where id between 50001 and 50004"), ==, 2);
}

static void
read_header (SupaImport *import)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;

  supa_import_read_header_async (import, NULL, test_store_result_cb, &result);
  test_wait_result (&result);
  g_assert_true (supa_import_read_header_finish (import, result, &error));
  g_assert_no_error (error);
}

static void
test_mapping (void)
{
  const char *csv = "Identifier,Full name,Quantity,Remarks\r\n"
                    "20001,Ada,3,ignored\r\n"
                    "20002,\"Grace, H.\",,ignored too\r\n";
  g_autoptr(SupaImport) import = new_import (csv, strlen (csv));
  g_autoptr(SupaImportReport) report = NULL;
  g_autoptr(GError) error = NULL;
  const char * const *headers;
  g_autofree char *names = NULL;

  read_header (import);
  headers = supa_import_get_headers (import);
  g_assert_cmpuint (g_strv_length ((char **) headers), ==, 4);
  g_assert_cmpstr (headers[1], ==, "Full name");
  for (guint i = 0; i < 4; i++)
    g_assert_null (supa_import_get_mapping (import, i));

  /* Nothing fills name: said before anything is sent. The integer key is
   * not listed (it could be an identity, see test_identity_key()). */
  supa_import_set_mapping (import, 2, "qty");
  g_assert_false (supa_import_check_mapping (import, &error));
  g_assert_error (error, SUPA_ERROR, SUPA_ERROR_INVALID_INPUT);
  g_assert_true (g_str_has_suffix (error->message, ": name."));
  g_clear_error (&error);

  report = run_import (import, &error);
  g_assert_null (report);
  g_assert_error (error, SUPA_ERROR, SUPA_ERROR_INVALID_INPUT);
  g_clear_error (&error);
  g_assert_cmpuint (sql_count ("select count(*) from public.ximport where id > 20000 and id < 30000"), ==, 0);

  /* A column mapped twice is refused too. */
  supa_import_set_mapping (import, 0, "qty");
  g_assert_false (supa_import_check_mapping (import, &error));
  g_clear_error (&error);

  supa_import_set_mapping (import, 0, "id");
  supa_import_set_mapping (import, 1, "name");
  g_assert_true (supa_import_check_mapping (import, &error));
  g_assert_no_error (error);

  report = run_import (import, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (supa_import_report_get_rows_inserted (report), ==, 2);
  g_assert_cmpuint (supa_import_report_get_rows_failed (report), ==, 0);

  names = sql ("select string_agg(name || ':' || coalesce(qty::text, 'null') || ':' || coalesce(note, 'null'), '|' order by id)"
               " from public.ximport where id > 20000 and id < 30000");
  /* The unmapped note took its DEFAULT; the empty qty is NULL. */
  g_assert_cmpstr (names, ==, "Ada:3:none|Grace, H.:null:none");
}

static void
test_preview (void)
{
  const char *csv = "id,name,qty,active,meta,tags,price,note\n"
                    "40001,first,5,yes,\"{\"\"a\"\": [1, 2]}\",\"{a,b}\",1.5e3,\n"
                    "40002,second,12x,maybe,{bad,nope,abc,\"\"\n"
                    "40003,short row\n"
                    "40004,fourth,7,0,null,[],-2,x\n";
  g_autoptr(SupaImport) import = new_import (csv, strlen (csv));
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GPtrArray) rows = NULL;
  g_autoptr(SupaImportReport) report = NULL;
  g_autoptr(GError) error = NULL;
  SupaImportRow *row;
  JsonNode *node;
  g_autofree char *stored = NULL;

  supa_import_preview_async (import, 3, NULL, test_store_result_cb, &result);
  test_wait_result (&result);
  rows = supa_import_preview_finish (import, result, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (rows->len, ==, 3);

  /* Defaults by name, converted by column type. */
  g_assert_cmpstr (supa_import_get_mapping (import, 2), ==, "qty");
  row = g_ptr_array_index (rows, 0);
  g_assert_cmpuint (row->line, ==, 2);
  g_assert_cmpuint (g_hash_table_size (row->errors), ==, 0);
  g_assert_null (row->row_error);
  g_assert_cmpint (json_object_get_int_member (row->values, "id"), ==, 40001);
  g_assert_cmpint (json_object_get_int_member (row->values, "qty"), ==, 5);
  g_assert_true (json_object_get_boolean_member (row->values, "active"));
  node = json_object_get_member (row->values, "meta");
  g_assert_true (JSON_NODE_HOLDS_OBJECT (node));
  g_assert_cmpstr (json_object_get_string_member (row->values, "tags"), ==, "{a,b}");
  g_assert_cmpstr (json_object_get_string_member (row->values, "price"), ==, "1.5e3");
  /* An unquoted empty text field is NULL. */
  g_assert_true (json_object_get_null_member (row->values, "note"));

  row = g_ptr_array_index (rows, 1);
  g_assert_cmpuint (row->line, ==, 3);
  g_assert_nonnull (strstr (supa_import_row_get_error (row, "qty"), "12x"));
  g_assert_nonnull (strstr (supa_import_row_get_error (row, "active"), "maybe"));
  g_assert_nonnull (supa_import_row_get_error (row, "meta"));
  g_assert_nonnull (strstr (supa_import_row_get_error (row, "tags"), "nope"));
  g_assert_nonnull (strstr (supa_import_row_get_error (row, "price"), "abc"));
  g_assert_null (supa_import_row_get_error (row, "name"));
  g_assert_false (json_object_has_member (row->values, "qty"));
  g_assert_cmpstr (json_object_get_string_member (row->values, "note"), ==, "");

  row = g_ptr_array_index (rows, 2);
  g_assert_cmpuint (row->line, ==, 4);
  g_assert_nonnull (row->row_error);

  /* The previewed rows are imported as well, none twice. */
  report = run_import (import, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (supa_import_report_get_rows_inserted (report), ==, 2);
  g_assert_cmpuint (supa_import_report_get_rows_failed (report), ==, 2);
  g_assert_cmpuint (failure_at (report, 3)->n_rows, ==, 1);
  g_assert_cmpuint (failure_at (report, 4)->n_rows, ==, 1);
  stored = sql ("select string_agg(id || ':' || qty || ':' || active || ':' || coalesce(meta::text, 'NULL') || ':' || tags::text || ':' || price, '|' order by id)"
                " from public.ximport where id between 40001 and 40004");
  g_assert_cmpstr (stored, ==, "40001:5:true:{\"a\": [1, 2]}:{a,b}:1500"
                               "|40004:7:false:NULL:{}:-2");
}

static SupaTableInfo *
load_table (const char *name)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(SupaSchema) schema = NULL;
  g_autoptr(GError) error = NULL;
  SupaTableInfo *info;

  supa_schema_load_async (client, "public", NULL, test_store_result_cb, &result);
  test_wait_result (&result);
  schema = supa_schema_load_finish (result, &error);
  g_assert_no_error (error);
  info = supa_schema_lookup_table (schema, name);
  g_assert_nonnull (info);
  return g_object_ref (info);
}

/* PostgREST's OpenAPI lists an identity key as required without a default
 * (PostgREST#2527); a CSV without the key must still import, the server
 * numbering the rows. */
static void
test_identity_key (void)
{
  const char *csv = "name,qty\r\nfirst,1\r\nsecond,\r\n";
  g_autoptr(SupaTableInfo) ident = NULL;
  g_autoptr(GInputStream) in = NULL;
  g_autoptr(SupaImport) import = NULL;
  g_autoptr(SupaImportReport) report = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *stored = NULL;

  g_free (sql ("create table public.ximport_ident ("
               "  id bigint generated always as identity primary key,"
               "  name text not null,"
               "  qty int)"));
  g_free (sql ("grant all on public.ximport_ident to anon, authenticated, service_role"));
  g_free (sql ("notify pgrst, 'reload schema'"));
  wait_for_table ("/rest/v1/ximport_ident?select=id&limit=1");
  ident = load_table ("ximport_ident");

  in = g_memory_input_stream_new_from_data (g_strdup (csv), (gssize) strlen (csv), g_free);
  import = supa_import_new (db, ident, in);
  read_header (import);
  g_assert_cmpstr (supa_import_get_mapping (import, 0), ==, "name");
  g_assert_cmpstr (supa_import_get_mapping (import, 1), ==, "qty");
  g_assert_true (supa_import_check_mapping (import, &error));
  g_assert_no_error (error);

  report = run_import (import, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (supa_import_report_get_rows_inserted (report), ==, 2);
  g_assert_cmpuint (supa_import_report_get_rows_failed (report), ==, 0);
  stored = sql ("select string_agg(id || ':' || name || ':' || coalesce(qty::text, 'null'), '|' order by id)"
                " from public.ximport_ident");
  g_assert_cmpstr (stored, ==, "1:first:1|2:second:null");
}

/* An integer key without a default (no identity) that the CSV does not
 * fill passes the mapping check; the server's refusal is in the report,
 * with its code. */
static void
test_missing_key_reported (void)
{
  const char *csv = "name\r\nkeyless\r\n";
  g_autoptr(SupaImport) import = new_import (csv, strlen (csv));
  g_autoptr(SupaImportReport) report = NULL;
  g_autoptr(GError) error = NULL;
  const SupaImportFailure *failure;

  read_header (import);
  g_assert_true (supa_import_check_mapping (import, &error));
  g_assert_no_error (error);

  report = run_import (import, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (supa_import_report_get_rows_inserted (report), ==, 0);
  g_assert_cmpuint (supa_import_report_get_rows_failed (report), ==, 1);
  failure = failure_at (report, 2);
  g_assert_cmpstr (failure->code, ==, "23502");
  g_assert_cmpuint (sql_count ("select count(*) from public.ximport where name = 'keyless'"), ==, 0);
}

int
main (int   argc,
      char *argv[])
{
  int ret;

  test_init (&argc, &argv);

  server = supa_test_server_start ("empty", NULL);
  client = supa_client_new (server->url, server->service_role_key, NULL);
  db = supa_database_new (client);
  setup_table ();

  g_test_add_func ("/import/bad-rows", test_bad_rows);
  g_test_add_func ("/import/batch-failure", test_batch_failure);
  g_test_add_func ("/import/identity-key", test_identity_key);
  g_test_add_func ("/import/mapping", test_mapping);
  g_test_add_func ("/import/missing-key-reported", test_missing_key_reported);
  g_test_add_func ("/import/preview", test_preview);
  g_test_add_func ("/import/skipped-rows", test_skipped_rows);

  ret = g_test_run ();

  g_clear_object (&table);
  g_clear_object (&db);
  g_clear_object (&client);
  supa_test_server_stop (server);

  return ret;
}
