/* test-schema.c — SupaSchema reads PostgREST's OpenAPI document (§2.12)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "supa-schema.h"
#include "test-util.h"

/* %s: the integer formats, so one fixture serves both PostgREST styles
 * (≤ 14.7: "integer"/"bigint"; ≥ 14.8: "int32"/"int64"). */
static const char document_template[] =
  "{"
  " \"swagger\": \"2.0\","
  " \"info\": {\"title\": \"PostgREST API\", \"version\": \"12.2.3\"},"
  " \"host\": \"0.0.0.0:3000\", \"basePath\": \"/\","
  " \"paths\": {"
  "  \"/\": {\"get\": {\"tags\": [\"Introspection\"]}},"
  "  \"/todos\": {\"get\": {}, \"post\": {}, \"patch\": {}, \"delete\": {}},"
  "  \"/users\": {\"get\": {}, \"post\": {}},"
  "  \"/enrolments\": {\"get\": {}, \"patch\": {}},"
  "  \"/todo_summary\": {\"get\": {}},"
  "  \"/rpc/add\": {"
  "    \"get\": {\"parameters\": [{\"name\": \"a\", \"in\": \"query\", \"type\": \"integer\", \"format\": \"%s\", \"required\": true}]},"
  "    \"post\": {\"summary\": \"Adds two numbers\", \"parameters\": ["
  "      {\"name\": \"args\", \"in\": \"body\", \"required\": true, \"schema\": {"
  "        \"type\": \"object\", \"required\": [\"a\"],"
  "        \"properties\": {\"a\": {\"type\": \"integer\", \"format\": \"%s\"},"
  "                         \"b\": {\"type\": \"integer\", \"format\": \"%s\"}}}},"
  "      {\"$ref\": \"#/parameters/preferParams\"}]}},"
  "  \"/rpc/bump\": {\"post\": {\"parameters\": ["
  "      {\"name\": \"args\", \"in\": \"body\", \"required\": true, \"schema\": {"
  "        \"type\": \"object\", \"properties\": {}}}]}}"
  " },"
  " \"definitions\": {"
  "  \"todos\": {\"type\": \"object\", \"description\": \"Things to do\","
  "   \"required\": [\"id\", \"task\", \"done\"],"
  "   \"properties\": {"
  "    \"id\": {\"type\": \"integer\", \"format\": \"%s\", \"description\": \"Note:\\nThis is a Primary Key.<pk/>\"},"
  "    \"task\": {\"type\": \"string\", \"format\": \"text\", \"description\": \"What to do\"},"
  "    \"done\": {\"type\": \"boolean\", \"format\": \"boolean\", \"default\": false},"
  "    \"owner\": {\"type\": \"string\", \"format\": \"uuid\", \"description\": \"Who owns it\\n\\nNote:\\nThis is a Foreign Key to `users.id`.<fk table='users' column='id'/>\"},"
  "    \"tags\": {\"type\": \"array\", \"format\": \"text[]\", \"items\": {\"type\": \"string\"}},"
  "    \"status\": {\"type\": \"string\", \"format\": \"status\", \"enum\": [\"draft\", \"live\"], \"default\": \"draft\"},"
  "    \"title\": {\"type\": \"string\", \"format\": \"character varying\", \"maxLength\": 120},"
  "    \"meta\": {\"format\": \"jsonb\"},"
  "    \"price\": {\"type\": \"number\", \"format\": \"numeric\"},"
  "    \"rank\": {\"type\": \"integer\", \"format\": \"%s\"},"
  "    \"inserted_at\": {\"type\": \"string\", \"format\": \"timestamp with time zone\", \"default\": \"now()\"}"
  "   }},"
  "  \"users\": {\"type\": \"object\", \"required\": [\"id\"], \"properties\": {"
  "    \"id\": {\"type\": \"string\", \"format\": \"uuid\", \"description\": \"Note:\\nThis is a Primary Key.<pk/>\"},"
  "    \"email\": {\"type\": \"string\", \"format\": \"text\"}}},"
  "  \"enrolments\": {\"type\": \"object\", \"required\": [\"student\", \"course\"], \"properties\": {"
  "    \"student\": {\"type\": \"integer\", \"format\": \"%s\", \"description\": \"Note:\\nThis is a Primary Key.<pk/>\\nThis is a Foreign Key to `students.id`.<fk table='students' column='id'/>\"},"
  "    \"course\": {\"type\": \"integer\", \"format\": \"%s\", \"description\": \"Note:\\nThis is a Primary Key.<pk/>\"}}},"
  "  \"todo_summary\": {\"type\": \"object\", \"properties\": {"
  "    \"owner\": {\"type\": \"string\", \"format\": \"uuid\"},"
  "    \"n\": {\"type\": \"integer\", \"format\": \"%s\"}}}"
  " }"
  "}";

static SupaSchema *
load (const char *int32,
      const char *int64)
{
  g_autofree char *text = NULL;
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(GError) error = NULL;
  SupaSchema *schema = supa_schema_new ("public");

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
  text = g_strdup_printf (document_template, int32, int32, int32, int64, int32, int32, int32, int64);
#pragma GCC diagnostic pop

  node = json_from_string (text, &error);
  g_assert_no_error (error);
  g_assert_true (supa_schema_load_from_json (schema, node, &error));
  g_assert_no_error (error);

  return schema;
}

static void
check_document (const char *int32,
                const char *int64)
{
  g_autoptr(SupaSchema) schema = load (int32, int64);
  GListModel *tables = supa_schema_get_tables (schema);
  GListModel *functions = supa_schema_get_functions (schema);
  const char *names[] = { "enrolments", "todo_summary", "todos", "users" };
  const char *todo_columns[] = { "id", "task", "done", "owner", "tags", "status", "title",
                                 "meta", "price", "rank", "inserted_at" };
  const char *pk[] = { "id", NULL };
  const char *composite_pk[] = { "student", "course", NULL };
  const char *status_values[] = { "draft", "live", NULL };
  SupaTableInfo *todos, *view, *enrolments, *users;
  SupaColumnInfo *c;
  SupaFunctionInfo *add, *bump;
  g_autoptr(SupaColumnInfo) param = NULL;
  g_autofree char *done_default = NULL;
  g_autofree char *now_default = NULL;

  /* Tables sorted by name; "/" and rpc paths are not tables. */
  g_assert_cmpuint (g_list_model_get_n_items (tables), ==, G_N_ELEMENTS (names));
  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autoptr(SupaTableInfo) t = g_list_model_get_item (tables, i);
      g_assert_cmpstr (supa_table_info_get_name (t), ==, names[i]);
      g_assert_cmpstr (supa_table_info_get_schema (t), ==, "public");
    }

  todos = supa_schema_lookup_table (schema, "todos");
  g_assert_nonnull (todos);
  g_assert_cmpstr (supa_table_info_get_comment (todos), ==, "Things to do");
  g_assert_true (supa_table_info_get_insertable (todos));
  g_assert_true (supa_table_info_get_updatable (todos));
  g_assert_true (supa_table_info_get_deletable (todos));
  g_assert_cmpstrv (supa_table_info_get_primary_key (todos), pk);

  /* Column order is the document's. */
  g_assert_cmpuint (g_list_model_get_n_items (supa_table_info_get_columns (todos)), ==, G_N_ELEMENTS (todo_columns));
  for (guint i = 0; i < G_N_ELEMENTS (todo_columns); i++)
    {
      g_autoptr(SupaColumnInfo) col = g_list_model_get_item (supa_table_info_get_columns (todos), i);
      g_assert_cmpstr (supa_column_info_get_name (col), ==, todo_columns[i]);
    }

  c = supa_table_info_lookup_column (todos, "id");
  g_assert_cmpstr (supa_column_info_get_type_name (c), ==, "bigint");
  g_assert_cmpstr (supa_column_info_get_format (c), ==, int64);
  g_assert_cmpint (supa_column_info_get_kind (c), ==, SUPA_COLUMN_KIND_INTEGER);
  g_assert_true (supa_column_info_get_is_primary_key (c));
  g_assert_false (supa_column_info_get_nullable (c));
  g_assert_null (supa_column_info_get_comment (c));
  g_assert_false (supa_column_info_get_has_default (c));

  c = supa_table_info_lookup_column (todos, "rank");
  g_assert_cmpstr (supa_column_info_get_type_name (c), ==, "integer");
  g_assert_cmpint (supa_column_info_get_kind (c), ==, SUPA_COLUMN_KIND_INTEGER);
  g_assert_true (supa_column_info_get_nullable (c));
  g_assert_false (supa_column_info_get_is_primary_key (c));

  c = supa_table_info_lookup_column (todos, "task");
  g_assert_cmpstr (supa_column_info_get_type_name (c), ==, "text");
  g_assert_cmpstr (supa_column_info_get_comment (c), ==, "What to do");
  g_assert_false (supa_column_info_get_nullable (c));
  g_assert_cmpint (supa_column_info_get_kind (c), ==, SUPA_COLUMN_KIND_TEXT);

  c = supa_table_info_lookup_column (todos, "done");
  g_assert_cmpint (supa_column_info_get_kind (c), ==, SUPA_COLUMN_KIND_BOOLEAN);
  g_assert_true (supa_column_info_get_has_default (c));
  done_default = supa_column_info_dup_default_text (c);
  g_assert_cmpstr (done_default, ==, "false");

  c = supa_table_info_lookup_column (todos, "owner");
  g_assert_cmpstr (supa_column_info_get_type_name (c), ==, "uuid");
  g_assert_cmpstr (supa_column_info_get_comment (c), ==, "Who owns it");
  g_assert_cmpstr (supa_column_info_get_fk_table (c), ==, "users");
  g_assert_cmpstr (supa_column_info_get_fk_column (c), ==, "id");
  g_assert_false (supa_column_info_get_is_primary_key (c));
  g_assert_true (supa_column_info_get_nullable (c));

  c = supa_table_info_lookup_column (todos, "tags");
  g_assert_true (supa_column_info_get_is_array (c));
  g_assert_cmpstr (supa_column_info_get_type_name (c), ==, "text[]");
  g_assert_cmpint (supa_column_info_get_kind (c), ==, SUPA_COLUMN_KIND_ARRAY);

  c = supa_table_info_lookup_column (todos, "status");
  g_assert_cmpstrv (supa_column_info_get_enum_values (c), status_values);
  g_assert_cmpint (supa_column_info_get_kind (c), ==, SUPA_COLUMN_KIND_ENUM);

  c = supa_table_info_lookup_column (todos, "title");
  g_assert_cmpint (supa_column_info_get_max_length (c), ==, 120);
  g_assert_cmpstr (supa_column_info_get_type_name (c), ==, "character varying");
  g_assert_null (supa_column_info_get_enum_values (c));

  c = supa_table_info_lookup_column (todos, "meta");
  g_assert_true (supa_column_info_get_is_json (c));
  g_assert_false (supa_column_info_get_is_array (c));
  g_assert_cmpstr (supa_column_info_get_type_name (c), ==, "jsonb");
  g_assert_cmpint (supa_column_info_get_kind (c), ==, SUPA_COLUMN_KIND_JSON);
  g_assert_cmpint (supa_column_info_get_max_length (c), ==, -1);

  c = supa_table_info_lookup_column (todos, "price");
  g_assert_cmpint (supa_column_info_get_kind (c), ==, SUPA_COLUMN_KIND_NUMBER);

  c = supa_table_info_lookup_column (todos, "inserted_at");
  now_default = supa_column_info_dup_default_text (c);
  g_assert_cmpstr (now_default, ==, "now()");
  g_assert_null (supa_table_info_lookup_column (todos, "nope"));

  /* A composite key marks each column; a column can be PK and FK. */
  enrolments = supa_schema_lookup_table (schema, "enrolments");
  g_assert_cmpstrv (supa_table_info_get_primary_key (enrolments), composite_pk);
  c = supa_table_info_lookup_column (enrolments, "student");
  g_assert_cmpstr (supa_column_info_get_fk_table (c), ==, "students");
  g_assert_true (supa_column_info_get_is_primary_key (c));
  g_assert_false (supa_table_info_get_insertable (enrolments));
  g_assert_true (supa_table_info_get_updatable (enrolments));
  g_assert_true (supa_table_info_get_writable (enrolments));

  users = supa_schema_lookup_table (schema, "users");
  g_assert_true (supa_table_info_get_insertable (users));
  g_assert_false (supa_table_info_get_deletable (users));

  /* A read-only view: no key, nothing required, not writable. */
  view = supa_schema_lookup_table (schema, "todo_summary");
  g_assert_false (supa_table_info_get_writable (view));
  g_assert_cmpstrv (supa_table_info_get_primary_key (view), ((const char *[]) { NULL }));
  g_assert_true (supa_column_info_get_nullable (supa_table_info_lookup_column (view, "n")));

  /* Functions. */
  g_assert_cmpuint (g_list_model_get_n_items (functions), ==, 2);
  add = supa_schema_lookup_function (schema, "add");
  bump = supa_schema_lookup_function (schema, "bump");
  g_assert_nonnull (add);
  g_assert_nonnull (bump);
  g_assert_true (supa_function_info_get_allows_get (add));
  g_assert_false (supa_function_info_get_allows_get (bump));
  g_assert_cmpstr (supa_function_info_get_comment (add), ==, "Adds two numbers");
  g_assert_cmpuint (g_list_model_get_n_items (supa_function_info_get_parameters (add)), ==, 2);
  g_assert_cmpuint (g_list_model_get_n_items (supa_function_info_get_parameters (bump)), ==, 0);
  param = g_list_model_get_item (supa_function_info_get_parameters (add), 0);
  g_assert_cmpstr (supa_column_info_get_name (param), ==, "a");
  g_assert_cmpstr (supa_column_info_get_type_name (param), ==, "integer");
  g_assert_false (supa_column_info_get_nullable (param));
  g_assert_true (supa_column_info_get_nullable (supa_table_info_lookup_column (todos, "owner")));
}

static void
test_formats_postgrest_12 (void)
{
  check_document ("integer", "bigint");
}

static void
test_formats_postgrest_14_8 (void)
{
  check_document ("int32", "int64");
}

static void
items_changed_cb (GListModel *model,
                  guint       position,
                  guint       removed,
                  guint       added,
                  gpointer    user_data)
{
  guint *calls = user_data;
  (*calls)++;
}

static void
test_reload_replaces (void)
{
  g_autoptr(SupaSchema) schema = load ("int32", "int64");
  g_autoptr(JsonNode) small = json_from_string ("{\"paths\": {\"/only\": {\"get\": {}}}, \"definitions\": {}}", NULL);
  g_autoptr(JsonNode) bogus = json_from_string ("[1, 2]", NULL);
  g_autoptr(GError) error = NULL;
  GListModel *tables = supa_schema_get_tables (schema);
  guint calls = 0;

  g_signal_connect (tables, "items-changed", G_CALLBACK (items_changed_cb), &calls);
  g_assert_true (supa_schema_load_from_json (schema, small, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (calls, ==, 1);
  g_assert_cmpuint (g_list_model_get_n_items (tables), ==, 1);
  g_assert_null (supa_schema_lookup_table (schema, "todos"));
  g_assert_nonnull (supa_schema_lookup_table (schema, "only"));

  g_assert_false (supa_schema_load_from_json (schema, bogus, &error));
  g_assert_error (error, SUPA_ERROR, SUPA_ERROR_PROTOCOL);
  g_assert_cmpuint (g_list_model_get_n_items (tables), ==, 1);
  g_signal_handlers_disconnect_by_func (tables, items_changed_cb, &calls);
}

int
main (int   argc,
      char *argv[])
{
  test_init (&argc, &argv);

  g_test_add_func ("/schema/formats/postgrest-12", test_formats_postgrest_12);
  g_test_add_func ("/schema/formats/postgrest-14.8", test_formats_postgrest_14_8);
  g_test_add_func ("/schema/reload-replaces", test_reload_replaces);

  return g_test_run ();
}
