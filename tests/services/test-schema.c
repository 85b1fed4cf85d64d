/* test-schema.c — SupaSchema reads PostgREST's OpenAPI document (§2.12)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "supa-schema.h"
#include "test-util.h"

#include <signal.h>

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

/* --- exposed schemas: a fake PostgREST ----------------------------------- */

typedef struct
{
  guint  status;
  char  *body;
  char  *profile;   /* the Accept-Profile the client sent */
  guint  requests;
} FakeServer;

static void
fake_server_cb (SoupServer        *server,
                SoupServerMessage *msg,
                const char        *path,
                GHashTable        *query,
                gpointer           user_data)
{
  FakeServer *fake = user_data;
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (msg);

  fake->requests++;
  g_free (fake->profile);
  fake->profile = g_strdup (soup_message_headers_get_one (headers, "Accept-Profile"));
  g_assert_cmpstr (path, ==, "/rest/v1/");
  soup_server_message_set_status (msg, fake->status, NULL);
  soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_COPY,
                                    fake->body, strlen (fake->body));
}

/* Runs supa_schema_list_exposed against a server answering @status @body. */
static char **
list_exposed_from (guint        status,
                   const char  *body,
                   GError     **error)
{
  g_autoptr(SoupServer) server = soup_server_new (NULL, NULL);
  g_autoptr(SupaClient) client = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) listen_error = NULL;
  g_autofree char *url = NULL;
  g_autofree char *key = test_make_role_jwt ("service_role");
  GSList *uris;
  FakeServer fake = { status, g_strdup (body), NULL, 0 };
  char **names;

  soup_server_add_handler (server, NULL, fake_server_cb, &fake, NULL);
  soup_server_listen_local (server, 0, SOUP_SERVER_LISTEN_IPV4_ONLY, &listen_error);
  g_assert_no_error (listen_error);
  uris = soup_server_get_uris (server);
  url = g_strdup_printf ("http://127.0.0.1:%d", g_uri_get_port (uris->data));
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);

  client = supa_client_new (url, key, NULL);
  supa_schema_list_exposed_async (client, NULL, test_store_result_cb, &result);
  names = supa_schema_list_exposed_finish (test_wait_result (&result), error);

  /* The probe names a schema no PostgreSQL database can have. */
  g_assert_cmpuint (fake.requests, ==, 1);
  g_assert_nonnull (fake.profile);
  g_assert_cmpuint (strlen (fake.profile), >, 63);

  soup_server_disconnect (server);
  g_free (fake.body);
  g_free (fake.profile);
  return names;
}

static void
assert_exposed (guint                status,
                const char          *body,
                const char * const  *expected)
{
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) names = list_exposed_from (status, body, &error);

  g_assert_no_error (error);
  g_assert_cmpstrv (names, expected);
}

static void
test_exposed_hint (void)
{
  /* PostgREST ≥ 12: the list is in the hint. */
  assert_exposed (406,
                  "{\"code\":\"PGRST106\",\"details\":null,"
                  "\"hint\":\"Only the following schemas are exposed: public, graphql_public, analytics\","
                  "\"message\":\"Invalid schema: x\"}",
                  (const char * const[]) { "public", "graphql_public", "analytics", NULL });
  /* The first one is the default, whatever it is. */
  assert_exposed (406,
                  "{\"code\":\"PGRST106\",\"details\":null,"
                  "\"hint\":\"Only the following schemas are exposed: api\","
                  "\"message\":\"Invalid schema: x\"}",
                  (const char * const[]) { "api", NULL });
}

static void
test_exposed_message (void)
{
  /* Older PostgREST: the list is the message; defensively parsed. */
  assert_exposed (406,
                  "{\"code\":\"PGRST106\",\"details\":null,\"hint\":null,"
                  "\"message\":\"The schema must be one of the following: api, ,  \\\"My \\\"\\\"big\\\"\\\" schema\\\" ,api,public \"}",
                  (const char * const[]) { "api", "My \"big\" schema", "public", NULL });
}

static void
test_exposed_fallback (void)
{
  const char * const public_only[] = { "public", NULL };

  /* The schema was accepted: not a PostgREST that checks profiles. */
  assert_exposed (200, "{\"swagger\":\"2.0\",\"paths\":{}}", public_only);
  /* PGRST106 without a list we understand. */
  assert_exposed (406, "{\"code\":\"PGRST106\",\"message\":\"Invalid schema: x\",\"hint\":\"Ask your admin\"}",
                  public_only);
  assert_exposed (406, "{\"code\":\"PGRST106\",\"message\":\"Invalid schema: x\","
                  "\"hint\":\"Only the following schemas are exposed: , ,\"}", public_only);
  /* A proxy in front that knows no such path, or another 406. */
  assert_exposed (404, "{\"message\":\"no Route matched with those values\"}", public_only);
  assert_exposed (406, "{\"code\":\"PGRST107\",\"message\":\"None of these media types are available: x\"}",
                  public_only);
}

static void
test_exposed_capped (void)
{
  g_autoptr(GString) body = g_string_new ("{\"code\":\"PGRST106\",\"message\":\"Invalid schema: x\","
                                          "\"hint\":\"Only the following schemas are exposed: ");
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) names = NULL;

  for (guint i = 0; i < 5000; i++)
    g_string_append_printf (body, "%ss%u", i ? ", " : "", i);
  g_string_append (body, "\"}");

  names = list_exposed_from (406, body->str, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_strv_length (names), >, 0);
  g_assert_cmpuint (g_strv_length (names), <=, 256);
  g_assert_cmpstr (names[0], ==, "s0");
}

static void
test_exposed_errors (void)
{
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) names = NULL;

  names = list_exposed_from (401, "{\"code\":\"PGRST301\",\"message\":\"JWSError JWSInvalidSignature\"}", &error);
  g_assert_null (names);
  g_assert_error (error, SUPA_ERROR, SUPA_ERROR_UNAUTHORIZED);
  g_clear_error (&error);

  names = list_exposed_from (503, "{\"code\":\"PGRST002\",\"message\":\"Could not query the database for the schema cache. Retrying.\"}", &error);
  g_assert_null (names);
  g_assert_error (error, SUPA_ERROR, SUPA_ERROR_SERVER);
  g_clear_error (&error);

  names = list_exposed_from (429, "{\"message\":\"Too many requests\"}", &error);
  g_assert_null (names);
  g_assert_error (error, SUPA_ERROR, SUPA_ERROR_RATE_LIMITED);
}

static void
test_exposed_network_error (void)
{
  g_autoptr(GSocket) socket = NULL;
  g_autoptr(GSocketAddress) address = NULL;
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) bound = NULL;
  g_autoptr(SupaClient) client = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *url = NULL;
  g_autofree char *key = test_make_role_jwt ("service_role");
  g_auto(GStrv) names = NULL;

  /* A port that was free a moment ago: connection refused. */
  socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, &error);
  g_assert_no_error (error);
  address = g_inet_socket_address_new (loopback, 0);
  g_assert_true (g_socket_bind (socket, address, FALSE, &error));
  bound = g_socket_get_local_address (socket, &error);
  g_assert_no_error (error);
  url = g_strdup_printf ("http://127.0.0.1:%u", g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound)));
  g_socket_close (socket, NULL);

  client = supa_client_new (url, key, NULL);
  supa_schema_list_exposed_async (client, NULL, test_store_result_cb, &result);
  names = supa_schema_list_exposed_finish (test_wait_result (&result), &error);
  g_assert_null (names);
  g_assert_error (error, SUPA_ERROR, SUPA_ERROR_NETWORK);
}

/* --- exposed schemas: supabase-local ------------------------------------ */

typedef struct
{
  GSubprocess *process;
  char        *url;
  char        *anon_key;
  char        *service_role_key;
} LocalServer;

/* Starts $SUPABASE_LOCAL (set by meson when the server is built) with
 * @args and reads its JSON line; NULL (test skipped) without it. */
static LocalServer *
local_server_start (const char * const *args)
{
  const char *exe = g_getenv ("SUPABASE_LOCAL");
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GDataInputStream) out = NULL;
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *line = NULL;
  LocalServer *local;
  JsonObject *o;

  if (exe == NULL || !g_file_test (exe, G_FILE_TEST_IS_EXECUTABLE))
    {
      g_test_skip ("supabase-local is not built (-Dserver=enabled)");
      return NULL;
    }

  g_ptr_array_add (argv, (gpointer) exe);
  g_ptr_array_add (argv, (gpointer) "--port");
  g_ptr_array_add (argv, (gpointer) "0");
  for (guint i = 0; args != NULL && args[i] != NULL; i++)
    g_ptr_array_add (argv, (gpointer) args[i]);
  g_ptr_array_add (argv, NULL);

  local = g_new0 (LocalServer, 1);
  local->process = g_subprocess_newv ((const char * const *) argv->pdata,
                                      G_SUBPROCESS_FLAGS_STDOUT_PIPE, &error);
  g_assert_no_error (error);
  out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (local->process));
  line = g_data_input_stream_read_line_utf8 (out, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (line);
  node = json_from_string (line, &error);
  g_assert_no_error (error);
  o = json_node_get_object (node);
  local->url = g_strdup (json_object_get_string_member (o, "url"));
  local->anon_key = g_strdup (json_object_get_string_member (o, "anon_key"));
  local->service_role_key = g_strdup (json_object_get_string_member (o, "service_role_key"));
  return local;
}

static void
local_server_stop (LocalServer *local)
{
  if (local == NULL)
    return;
  g_subprocess_send_signal (local->process, SIGTERM);
  g_subprocess_wait (local->process, NULL, NULL);
  g_object_unref (local->process);
  g_free (local->url);
  g_free (local->anon_key);
  g_free (local->service_role_key);
  g_free (local);
}

static char **
local_list_exposed (LocalServer  *local,
                    const char   *key,
                    GError      **error)
{
  g_autoptr(SupaClient) client = supa_client_new (local->url, key, NULL);
  g_autoptr(GAsyncResult) result = NULL;

  supa_schema_list_exposed_async (client, NULL, test_store_result_cb, &result);
  return supa_schema_list_exposed_finish (test_wait_result (&result), error);
}

static void
test_exposed_supabase_local (void)
{
  const char * const demo[] = { "--seed", "demo", NULL };
  LocalServer *local = local_server_start (demo);
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) names = NULL;
  g_auto(GStrv) anon_names = NULL;
  g_autofree char *forged = test_make_role_jwt ("service_role");

  if (local == NULL)
    return;

  /* The demo seed exposes a second schema. */
  names = local_list_exposed (local, local->service_role_key, &error);
  g_assert_no_error (error);
  g_assert_cmpstrv (names, ((const char * const[]) { "public", "graphql_public", "analytics", NULL }));

  /* The probe needs no privileged key: the schema is checked first. */
  anon_names = local_list_exposed (local, local->anon_key, &error);
  g_assert_no_error (error);
  g_assert_cmpstrv (anon_names, (const char * const *) names);

  /* A key the server did not sign is an error, not a silent "public". */
  g_assert_null (local_list_exposed (local, forged, &error));
  g_assert_error (error, SUPA_ERROR, SUPA_ERROR_UNAUTHORIZED);

  local_server_stop (local);
}

static void
test_exposed_supabase_local_configured (void)
{
  const char * const args[] = { "--seed", "empty", "--db-schemas", "api,public", NULL };
  LocalServer *local = local_server_start (args);
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) names = NULL;

  if (local == NULL)
    return;

  names = local_list_exposed (local, local->service_role_key, &error);
  g_assert_no_error (error);
  g_assert_cmpstrv (names, ((const char * const[]) { "api", "public", NULL }));

  local_server_stop (local);
}

int
main (int   argc,
      char *argv[])
{
  test_init (&argc, &argv);

  g_test_add_func ("/schema/formats/postgrest-12", test_formats_postgrest_12);
  g_test_add_func ("/schema/formats/postgrest-14.8", test_formats_postgrest_14_8);
  g_test_add_func ("/schema/reload-replaces", test_reload_replaces);
  g_test_add_func ("/schema/exposed/hint", test_exposed_hint);
  g_test_add_func ("/schema/exposed/message", test_exposed_message);
  g_test_add_func ("/schema/exposed/fallback", test_exposed_fallback);
  g_test_add_func ("/schema/exposed/capped", test_exposed_capped);
  g_test_add_func ("/schema/exposed/errors", test_exposed_errors);
  g_test_add_func ("/schema/exposed/network-error", test_exposed_network_error);
  g_test_add_func ("/schema/exposed/supabase-local", test_exposed_supabase_local);
  g_test_add_func ("/schema/exposed/supabase-local-configured", test_exposed_supabase_local_configured);

  return g_test_run ();
}
