/* test-database.c — SupaQuery + SupaDatabase + SupaSchema against
 * supabase-local: every filter must find exactly the intended row through
 * the server's own parsing.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "supa-database.h"
#include "supa-schema.h"
#include "supa-test-server.h"
#include "test-util.h"

static SupaTestServer *server;
static SupaClient *client;
static SupaDatabase *db;

/* id → label; the labels are what break naive encoders. */
static const struct { int id; const char *label; } labels[] = {
  { 1, "plain" },
  { 2, "Hebdon,John" },
  { 3, "(paren)" },
  { 4, "say \"hi\"" },
  { 5, "back\\slash" },
  { 6, "a.b" },
  { 7, "ünïcødé ✓" },
  { 8, "" },
  { 9, NULL },
  { 10, " pad" },
  { 11, "null" },
  { 12, "a+b c:d" },
};

static SupaResult *
execute (SupaQuery *query,
         GError   **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  supa_database_execute_async (db, query, NULL, test_store_result_cb, &result);
  test_wait_result (&result);

  return supa_database_execute_finish (db, result, error);
}

static SupaResult *
execute_ok (SupaQuery *query)
{
  g_autoptr(GError) error = NULL;
  SupaResult *result = execute (query, &error);

  g_assert_no_error (error);
  g_assert_nonnull (result);
  return result;
}

/* The ids of the returned rows, "1,2,3". */
static char *
ids_of (SupaResult *result)
{
  JsonNode *rows = supa_result_get_rows (result);
  GString *out = g_string_new (NULL);
  JsonArray *array;

  g_assert_nonnull (rows);
  g_assert_true (JSON_NODE_HOLDS_ARRAY (rows));
  array = json_node_get_array (rows);
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonObject *row = json_array_get_object_element (array, i);

      if (i > 0)
        g_string_append_c (out, ',');
      g_string_append_printf (out, "%" G_GINT64_FORMAT, json_object_get_int_member (row, "id"));
    }

  return g_string_free (out, FALSE);
}

static SupaQuery *
new_select (void)
{
  SupaQuery *q = supa_query_new ("dbtest");

  supa_query_select (q, "id,label", SUPA_COUNT_NONE, FALSE);
  supa_query_order (q, "id", TRUE, SUPA_NULLS_DEFAULT, NULL);
  return q;
}

static void
assert_ids (SupaQuery  *query,
            const char *expected)
{
  g_autoptr(SupaResult) result = execute_ok (query);
  g_autofree char *ids = ids_of (result);

  g_assert_cmpstr (ids, ==, expected);
}

static char *
sql (const char *statement)
{
  return supa_test_server_sql (server, statement);
}

static void
wait_for_table (const char *path)
{
  const char *headers[] = { "apikey", server->service_role_key, NULL, NULL, NULL };
  g_autofree char *bearer = g_strconcat ("Bearer ", server->service_role_key, NULL);

  headers[2] = "Authorization";
  headers[3] = bearer;

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
setup_schema (void)
{
  g_free (sql ("create table public.dbtest ("
               "  id int primary key,"
               "  label text,"
               "  code text unique,"
               "  n int default 7,"
               "  tags text[],"
               "  r int4range,"
               "  body text,"
               "  meta jsonb)"));
  g_free (sql ("grant all on public.dbtest to anon, authenticated, service_role"));
  g_free (sql ("create function public.dbtest_add(a int, b int) returns int"
               " language sql immutable as $$ select a + b $$"));
  g_free (sql ("create function public.dbtest_bump(amount int) returns setof public.dbtest"
               " language sql volatile as $$ update public.dbtest set n = n + amount where id = 1 returning * $$"));
  g_free (sql ("grant execute on function public.dbtest_add(int, int), public.dbtest_bump(int)"
               " to anon, authenticated, service_role"));
  g_free (sql ("create table public.dbtest_child ("
               "  id int primary key,"
               "  parent int references public.dbtest(id),"
               "  name text)"));
  g_free (sql ("grant all on public.dbtest_child to anon, authenticated, service_role"));
  g_free (sql ("create table public.dbtest_big (id int primary key, payload text)"));
  g_free (sql ("grant all on public.dbtest_big to anon, authenticated, service_role"));
  g_free (sql ("insert into public.dbtest_big select g, repeat('x', 100) || g from generate_series(1, 5000) g"));
  g_free (sql ("notify pgrst, 'reload schema'"));
  wait_for_table ("/rest/v1/dbtest?select=id");
  wait_for_table ("/rest/v1/dbtest_child?select=id");
  wait_for_table ("/rest/v1/dbtest_big?select=id&limit=1");
  wait_for_table ("/rest/v1/rpc/dbtest_add?a=1&b=2");
}

/* Bulk insert through SupaQuery: `columns=` lets rows omit keys. */
static void
test_insert (void)
{
  g_autoptr(JsonArray) rows = json_array_new ();
  g_autoptr(JsonNode) node = json_node_new (JSON_NODE_ARRAY);
  g_autoptr(SupaQuery) q = supa_query_new ("dbtest");
  g_autoptr(SupaResult) result = NULL;
  g_autoptr(SupaQuery) check = new_select ();
  g_autoptr(SupaResult) all = NULL;
  g_autofree char *n_of_1 = NULL;
  g_autofree char *n_of_2 = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (labels); i++)
    {
      JsonObject *row = json_object_new ();
      g_autofree char *code = g_strdup_printf ("c%d", labels[i].id);

      json_object_set_int_member (row, "id", labels[i].id);
      if (labels[i].label != NULL)
        json_object_set_string_member (row, "label", labels[i].label);
      else
        json_object_set_null_member (row, "label");
      json_object_set_string_member (row, "code", code);
      /* Only the first row names n: the others take its DEFAULT. */
      if (i == 0)
        json_object_set_int_member (row, "n", 1);
      json_array_add_object_element (rows, row);
    }
  json_node_set_array (node, rows);

  supa_query_insert (q, node, SUPA_COUNT_EXACT, FALSE);
  supa_query_returning (q, "id");
  result = execute_ok (q);
  g_assert_cmpuint (supa_result_get_status (result), ==, 201);
  g_assert_cmpint (supa_result_get_count (result), ==, G_N_ELEMENTS (labels));
  g_assert_cmpuint (json_array_get_length (json_node_get_array (supa_result_get_rows (result))), ==, G_N_ELEMENTS (labels));

  all = execute_ok (check);
  g_assert_cmpuint (json_array_get_length (json_node_get_array (supa_result_get_rows (all))), ==, G_N_ELEMENTS (labels));

  n_of_1 = sql ("select n from public.dbtest where id = 1");
  n_of_2 = sql ("select n from public.dbtest where id = 2");
  g_assert_cmpstr (n_of_1, ==, "1");
  g_assert_cmpstr (n_of_2, ==, "7");   /* missing=default */

  /* Values that filters below look for. */
  g_free (sql ("update public.dbtest set tags = '{red,\"dark blue\",\"x,y\"}', r = '[18,21)',"
               " body = 'The fat cats sat on the mat', meta = '{\"kind\":\"a,b\",\"v\":1}' where id = 2"));
  g_free (sql ("update public.dbtest set tags = '{green}', r = '[30,35]', body = 'A dog barked'"
               " where id = 3"));
}

/* Every label through eq, in and an or-tree finds exactly its own row. */
static void
test_quoting_round_trip (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (labels); i++)
    {
      g_autoptr(SupaQuery) eq = new_select ();
      g_autoptr(SupaQuery) in = new_select ();
      g_autoptr(SupaQuery) tree = new_select ();
      g_autoptr(SupaQuery) and_tree = new_select ();
      g_autoptr(SupaFilterGroup) group = supa_filter_group_new (SUPA_FILTER_OR, FALSE);
      g_autoptr(SupaFilterGroup) all = supa_filter_group_new (SUPA_FILTER_AND, FALSE);
      g_autofree char *id = g_strdup_printf ("%d", labels[i].id);
      const char *values[] = { labels[i].label, "no such label" };

      g_test_message ("label %d: %s", labels[i].id, labels[i].label ? labels[i].label : "(NULL)");

      if (labels[i].label != NULL)
        {
          supa_query_eq (eq, "label", labels[i].label);
          assert_ids (eq, id);

          supa_query_in (in, "label", values, G_N_ELEMENTS (values));
          assert_ids (in, id);
        }
      else
        {
          supa_query_is (eq, "label", NULL);
          assert_ids (eq, id);
        }

      supa_filter_group_add_condition (group, "id", "eq", "-1");
      supa_filter_group_add_condition (group, "label", labels[i].label ? "eq" : "is", labels[i].label);
      supa_query_add_group (tree, group, NULL);
      assert_ids (tree, id);

      if (labels[i].label != NULL)
        supa_filter_group_add_in (all, "label", FALSE, values, G_N_ELEMENTS (values));
      else
        supa_filter_group_add_condition (all, "label", "is", NULL);
      supa_filter_group_add_condition (all, "id", "gte", "0");
      supa_query_add_group (and_tree, all, NULL);
      assert_ids (and_tree, id);
    }
}

static void
test_operators (void)
{
  g_autoptr(SupaQuery) q = NULL;
  g_autoptr(JsonNode) tags = json_from_string ("[\"x,y\", \"red\"]", NULL);
  g_autoptr(JsonNode) some = json_from_string ("[\"green\", \"dark blue\"]", NULL);
  g_autoptr(JsonNode) period = json_from_string ("\"[20,30)\"", NULL);
  g_autoptr(JsonNode) meta = json_from_string ("{\"kind\": \"a,b\"}", NULL);
  g_autoptr(JsonNode) match = json_from_string ("{\"label\": \"Hebdon,John\", \"n\": 7}", NULL);
  g_autoptr(SupaFilterGroup) nested = supa_filter_group_new (SUPA_FILTER_OR, FALSE);
  g_autoptr(SupaFilterGroup) inner = supa_filter_group_new (SUPA_FILTER_AND, FALSE);
  g_autoptr(SupaFilterGroup) negated = supa_filter_group_new (SUPA_FILTER_AND, TRUE);

#define CASE(expected, ...) G_STMT_START {            \
    g_clear_object (&q);                               \
    q = new_select ();                                 \
    __VA_ARGS__;                                       \
    assert_ids (q, expected);                          \
  } G_STMT_END

  CASE ("1,2,3,4,5,7,8,10,11,12", supa_query_neq (q, "label", "a.b"); supa_query_neq (q, "id", "6"));
  CASE ("10,11,12", supa_query_gt (q, "id", "9"));
  CASE ("9,10,11,12", supa_query_gte (q, "id", "9"));
  CASE ("1", supa_query_lt (q, "id", "2"));
  CASE ("1,2", supa_query_lte (q, "id", "2"));
  CASE ("2", supa_query_like (q, "label", "*,John"));
  CASE ("2", supa_query_ilike (q, "label", "hebdon*"));
  CASE ("4", supa_query_like_all_of (q, "label", (const char *[]) { "say*", "*\"hi\"", NULL }));
  CASE ("2,3", supa_query_like_any_of (q, "label", (const char *[]) { "*,J*", "(*", NULL }));
  CASE ("5,6,12", supa_query_ilike_all_of (q, "label", (const char *[]) { "*A*", "*b*", NULL }));
  CASE ("2,5", supa_query_ilike_any_of (q, "label", (const char *[]) { "HEB*", "*\\\\*", NULL }));
  CASE ("6", supa_query_regex_match (q, "label", "^a\\.b$"));
  CASE ("1", supa_query_regex_imatch (q, "label", "^PL"));
  CASE ("9", supa_query_is (q, "label", "null"));
  CASE ("1,2,3,4,5,6,7,8,10,11,12", supa_query_not (q, "label", "is", "null"));
  CASE ("1,2,3,4,5,6,7,8,9,10,11", supa_query_is_distinct (q, "label", "a+b c:d"));
  CASE ("1,3,4,5,6,7,8,9,10,11,12", supa_query_not_in (q, "id", (const char *[]) { "2", NULL }, -1));
  CASE ("2", supa_query_contains (q, "tags", tags));
  CASE ("3", supa_query_contained_by (q, "tags", some));
  CASE ("2,3", supa_query_overlaps (q, "tags", some));
  CASE ("2", supa_query_contains (q, "meta", meta));
  CASE ("2", supa_query_range_lt (q, "r", "[22,25]"));
  CASE ("3", supa_query_range_gt (q, "r", "[22,25]"));
  CASE ("2", supa_query_range_lte (q, "r", "[10,22)"));
  CASE ("3", supa_query_range_gte (q, "r", "[25,40)"));
  CASE ("2", supa_query_range_adjacent (q, "r", "[21,25)"));
  CASE ("2", supa_query_overlaps (q, "r", period));
  CASE ("2", supa_query_text_search (q, "body", "fat & cat", SUPA_TEXT_SEARCH_TSQUERY, "english"));
  CASE ("2", supa_query_text_search (q, "body", "fat cats", SUPA_TEXT_SEARCH_PLAIN, "english"));
  CASE ("2", supa_query_text_search (q, "body", "fat cats", SUPA_TEXT_SEARCH_PHRASE, "english"));
  CASE ("3", supa_query_text_search (q, "body", "dog -cat", SUPA_TEXT_SEARCH_WEBSEARCH, "english"));
  CASE ("2", supa_query_match (q, json_node_get_object (match)));
  CASE ("3,4", supa_query_filter (q, "id", "in", "(3,4)"));
  CASE ("1,2,3", supa_query_or (q, "id.eq.1,label.eq.\"Hebdon,John\",label.eq.\"(paren)\"", NULL));

  supa_filter_group_add_condition (inner, "id", "gt", "10");
  supa_filter_group_add_condition (inner, "label", "like", "a*");
  supa_filter_group_add_condition (negated, "id", "neq", "1");
  supa_filter_group_add_condition (negated, "id", "neq", "2");
  supa_filter_group_add_group (nested, inner);
  supa_filter_group_add_group (nested, negated);
  CASE ("1,2,12", supa_query_add_group (q, nested, NULL));

#undef CASE
}

static void
test_counts_and_ranges (void)
{
  g_autoptr(SupaQuery) page = new_select ();
  g_autoptr(SupaQuery) head = supa_query_new ("dbtest");
  g_autoptr(SupaQuery) plain = new_select ();
  g_autoptr(SupaResult) r1 = NULL;
  g_autoptr(SupaResult) r2 = NULL;
  g_autoptr(SupaResult) r3 = NULL;
  g_autofree char *ids = NULL;

  supa_query_select (page, "id", SUPA_COUNT_EXACT, FALSE);
  supa_query_range (page, 2, 4, NULL);
  r1 = execute_ok (page);
  ids = ids_of (r1);
  g_assert_cmpstr (ids, ==, "3,4,5");
  g_assert_cmpint (supa_result_get_count (r1), ==, G_N_ELEMENTS (labels));
  g_assert_cmpuint (supa_result_get_status (r1), ==, 206);
  g_assert_cmpint (supa_result_get_range_start (r1), ==, 2);
  g_assert_cmpint (supa_result_get_range_end (r1), ==, 4);

  supa_query_select (head, "*", SUPA_COUNT_EXACT, TRUE);
  supa_query_gt (head, "id", "6");
  r2 = execute_ok (head);
  g_assert_cmpint (supa_result_get_count (r2), ==, 6);
  g_assert_null (supa_result_get_rows (r2));

  /* No count asked: none reported even though Content-Range has a range. */
  supa_query_limit (plain, 1, NULL);
  r3 = execute_ok (plain);
  g_assert_cmpint (supa_result_get_count (r3), ==, -1);
  g_assert_cmpint (supa_result_get_range_start (r3), ==, 0);
  g_assert_cmpint (supa_result_get_range_end (r3), ==, 0);
}

static void
test_single (void)
{
  g_autoptr(SupaQuery) one = new_select ();
  g_autoptr(SupaQuery) none = new_select ();
  g_autoptr(SupaQuery) maybe_none = new_select ();
  g_autoptr(SupaQuery) maybe_one = new_select ();
  g_autoptr(SupaQuery) maybe_many = new_select ();
  g_autoptr(SupaResult) r1 = NULL;
  g_autoptr(SupaResult) r3 = NULL;
  g_autoptr(SupaResult) r4 = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GError) error2 = NULL;
  SupaResult *fail;
  JsonNode *row;

  supa_query_eq (one, "id", "4");
  supa_query_single (one);
  r1 = execute_ok (one);
  row = supa_result_get_rows (r1);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (row));
  g_assert_cmpstr (json_object_get_string_member (json_node_get_object (row), "label"), ==, "say \"hi\"");

  supa_query_eq (none, "id", "999");
  supa_query_single (none);
  fail = execute (none, &error);
  g_assert_null (fail);
  g_assert_error (error, SUPA_ERROR, SUPA_ERROR_INVALID_INPUT);
  g_assert_cmpuint (supa_error_get_http_status (error), ==, 406);
  g_assert_cmpstr (supa_error_get_server_code (error), ==, "PGRST116");

  supa_query_eq (maybe_none, "id", "999");
  supa_query_maybe_single (maybe_none);
  r3 = execute_ok (maybe_none);
  g_assert_null (supa_result_get_rows (r3));

  supa_query_eq (maybe_one, "id", "7");
  supa_query_maybe_single (maybe_one);
  r4 = execute_ok (maybe_one);
  g_assert_cmpstr (json_object_get_string_member (json_node_get_object (supa_result_get_rows (r4)), "label"),
                   ==, "ünïcødé ✓");

  supa_query_lt (maybe_many, "id", "3");
  supa_query_maybe_single (maybe_many);
  fail = execute (maybe_many, &error2);
  g_assert_null (fail);
  g_assert_cmpuint (supa_error_get_http_status (error2), ==, 406);
  g_assert_cmpstr (supa_error_get_server_code (error2), ==, "PGRST116");
  g_assert_cmpstr (supa_error_get_details (error2), ==,
                   "Results contain 2 rows, application/vnd.pgrst.object+json requires 1 row");
}

static void
test_csv (void)
{
  g_autoptr(SupaQuery) q = new_select ();
  g_autoptr(SupaResult) r = NULL;

  supa_query_in (q, "id", (const char *[]) { "1", "2", NULL }, -1);
  supa_query_csv (q);
  r = execute_ok (q);
  g_assert_null (supa_result_get_rows (r));
  g_assert_cmpstr (supa_result_get_text (r), ==, "id,label\n1,plain\n2,\"Hebdon,John\"");
}

static void
test_upsert (void)
{
  g_autoptr(JsonNode) merge_rows = json_from_string ("[{\"id\": 1, \"label\": \"plain\", \"code\": \"c1\", \"n\": 42},"
                                                     " {\"id\": 100, \"label\": \"new\", \"code\": \"c100\"}]", NULL);
  g_autoptr(JsonNode) ignore_rows = json_from_string ("[{\"id\": 1, \"code\": \"c1\", \"n\": 99}]", NULL);
  g_autoptr(JsonNode) by_code = json_from_string ("{\"id\": 100, \"code\": \"c100\", \"label\": \"renamed\"}", NULL);
  g_autoptr(SupaQuery) merge = supa_query_new ("dbtest");
  g_autoptr(SupaQuery) ignore = supa_query_new ("dbtest");
  g_autoptr(SupaQuery) conflict = supa_query_new ("dbtest");
  g_autoptr(SupaQuery) cleanup = supa_query_new ("dbtest");
  g_autoptr(SupaResult) r1 = NULL;
  g_autoptr(SupaResult) r2 = NULL;
  g_autoptr(SupaResult) r3 = NULL;
  g_autoptr(SupaResult) r4 = NULL;
  g_autofree char *n1 = NULL;
  g_autofree char *n1b = NULL;
  g_autofree char *label100 = NULL;

  supa_query_upsert (merge, merge_rows, NULL, FALSE, SUPA_COUNT_NONE, TRUE);
  supa_query_returning (merge, "id");
  r1 = execute_ok (merge);
  g_assert_cmpuint (json_array_get_length (json_node_get_array (supa_result_get_rows (r1))), ==, 2);
  n1 = sql ("select n from public.dbtest where id = 1");
  g_assert_cmpstr (n1, ==, "42");

  supa_query_upsert (ignore, ignore_rows, NULL, TRUE, SUPA_COUNT_NONE, TRUE);
  supa_query_returning (ignore, "id");
  r2 = execute_ok (ignore);
  g_assert_cmpuint (json_array_get_length (json_node_get_array (supa_result_get_rows (r2))), ==, 0);
  n1b = sql ("select n from public.dbtest where id = 1");
  g_assert_cmpstr (n1b, ==, "42");

  supa_query_upsert (conflict, by_code, "code", FALSE, SUPA_COUNT_NONE, TRUE);
  r3 = execute_ok (conflict);
  label100 = sql ("select label from public.dbtest where id = 100");
  g_assert_cmpstr (label100, ==, "renamed");

  supa_query_delete (cleanup, SUPA_COUNT_EXACT);
  supa_query_eq (cleanup, "id", "100");
  r4 = execute_ok (cleanup);
  g_assert_cmpint (supa_result_get_count (r4), ==, 1);
}

static void
test_rpc (void)
{
  g_autoptr(JsonNode) args = json_from_string ("{\"a\": 2, \"b\": 3}", NULL);
  g_autoptr(JsonNode) bump_args = json_from_string ("{\"amount\": 1}", NULL);
  g_autoptr(SupaQuery) post = supa_query_new ("rpc/dbtest_add");
  g_autoptr(SupaQuery) get = supa_query_new ("rpc/dbtest_add");
  g_autoptr(SupaQuery) bump = supa_query_new ("rpc/dbtest_bump");
  g_autoptr(SupaQuery) bump_get = supa_query_new ("rpc/dbtest_bump");
  g_autoptr(SupaResult) r1 = NULL;
  g_autoptr(SupaResult) r2 = NULL;
  g_autoptr(SupaResult) r3 = NULL;
  g_autoptr(GError) error = NULL;
  SupaResult *fail;

  supa_query_rpc (post, json_node_get_object (args), SUPA_RPC_POST, SUPA_COUNT_NONE);
  r1 = execute_ok (post);
  g_assert_cmpint (json_node_get_int (supa_result_get_rows (r1)), ==, 5);

  supa_query_rpc (get, json_node_get_object (args), SUPA_RPC_GET, SUPA_COUNT_NONE);
  r2 = execute_ok (get);
  g_assert_cmpint (json_node_get_int (supa_result_get_rows (r2)), ==, 5);

  supa_query_rpc (bump, json_node_get_object (bump_args), SUPA_RPC_POST, SUPA_COUNT_NONE);
  supa_query_returning (bump, "id,n");
  r3 = execute_ok (bump);
  g_assert_cmpint (json_object_get_int_member (json_array_get_object_element (json_node_get_array (supa_result_get_rows (r3)), 0), "n"), ==, 43);

  /* A volatile function through GET is a read-only transaction. */
  supa_query_rpc (bump_get, json_node_get_object (bump_args), SUPA_RPC_GET, SUPA_COUNT_NONE);
  fail = execute (bump_get, &error);
  g_assert_null (fail);
  g_assert_cmpuint (supa_error_get_http_status (error), ==, 405);
  g_assert_cmpstr (supa_error_get_server_code (error), ==, "25006");
}

static void
test_errors (void)
{
  g_autoptr(JsonNode) dup = json_from_string ("{\"id\": 200, \"code\": \"c1\"}", NULL);
  g_autoptr(SupaQuery) unique = supa_query_new ("dbtest");
  g_autoptr(SupaQuery) bad_type = new_select ();
  g_autoptr(SupaQuery) bad_column = supa_query_new ("dbtest");
  g_autoptr(GError) e1 = NULL;
  g_autoptr(GError) e2 = NULL;
  g_autoptr(GError) e3 = NULL;
  SupaResult *fail;

  supa_query_insert (unique, dup, SUPA_COUNT_NONE, TRUE);
  fail = execute (unique, &e1);
  g_assert_null (fail);
  g_assert_error (e1, SUPA_ERROR, SUPA_ERROR_CONFLICT);
  g_assert_cmpuint (supa_error_get_http_status (e1), ==, 409);
  g_assert_cmpstr (supa_error_get_server_code (e1), ==, "23505");
  g_assert_cmpstr (e1->message, ==, "duplicate key value violates unique constraint \"dbtest_code_key\"");
  g_assert_cmpstr (supa_error_get_details (e1), ==, "Key (code)=(c1) already exists.");

  supa_query_eq (bad_type, "id", "abc");
  fail = execute (bad_type, &e2);
  g_assert_null (fail);
  g_assert_error (e2, SUPA_ERROR, SUPA_ERROR_INVALID_INPUT);
  g_assert_cmpuint (supa_error_get_http_status (e2), ==, 400);
  g_assert_cmpstr (supa_error_get_server_code (e2), ==, "22P02");
  g_assert_cmpstr (e2->message, ==, "invalid input syntax for type integer: \"abc\"");

  supa_query_select (bad_column, "id,nope", SUPA_COUNT_NONE, FALSE);
  fail = execute (bad_column, &e3);
  g_assert_null (fail);
  g_assert_error (e3, SUPA_ERROR, SUPA_ERROR_INVALID_INPUT);
  g_assert_cmpuint (supa_error_get_http_status (e3), ==, 400);
  g_assert_cmpstr (supa_error_get_server_code (e3), ==, "42703");
  g_assert_cmpstr (e3->message, ==, "column dbtest.nope does not exist");
}

static void
test_refuse_unfiltered (void)
{
  g_autoptr(JsonNode) values = json_from_string ("{\"label\": \"oops\"}", NULL);
  g_autoptr(SupaQuery) update = supa_query_new ("dbtest");
  g_autoptr(SupaQuery) del = supa_query_new ("dbtest");
  g_autoptr(SupaQuery) update_ok = supa_query_new ("dbtest");
  g_autoptr(GError) e1 = NULL;
  g_autoptr(GError) e2 = NULL;
  g_autoptr(SupaResult) ok = NULL;
  g_autofree char *oops = NULL;
  g_autofree char *rows = NULL;
  g_autofree char *label = NULL;
  SupaResult *fail;

  supa_query_update (update, json_node_get_object (values), SUPA_COUNT_NONE);
  fail = execute (update, &e1);
  g_assert_null (fail);
  g_assert_error (e1, SUPA_ERROR, SUPA_ERROR_INVALID_INPUT);
  g_assert_cmpstr (e1->message, ==, "Refusing to update every row: add a filter");

  supa_query_delete (del, SUPA_COUNT_NONE);
  supa_query_limit (del, 1, NULL);
  fail = execute (del, &e2);
  g_assert_null (fail);
  g_assert_error (e2, SUPA_ERROR, SUPA_ERROR_INVALID_INPUT);
  g_assert_cmpstr (e2->message, ==, "Refusing to delete every row: add a filter");

  oops = sql ("select count(*) from public.dbtest where label = 'oops'");
  rows = sql ("select count(*) from public.dbtest");
  g_assert_cmpstr (oops, ==, "0");
  g_assert_cmpint (g_ascii_strtoll (rows, NULL, 10), ==, G_N_ELEMENTS (labels));

  supa_query_update (update_ok, json_node_get_object (values), SUPA_COUNT_NONE);
  supa_query_eq (update_ok, "label", "a.b");
  supa_query_returning (update_ok, "id,label");
  ok = execute_ok (update_ok);
  g_assert_cmpuint (supa_result_get_status (ok), ==, 200);
  label = sql ("select label from public.dbtest where id = 6");
  g_assert_cmpstr (label, ==, "oops");
  g_free (sql ("update public.dbtest set label = 'a.b' where id = 6"));
}

static const char *
label_of (SupaResult *result)
{
  return json_object_get_string_member (json_node_get_object (supa_result_get_rows (result)), "label");
}

static SupaQuery *
label_query (const char *id)
{
  SupaQuery *q = new_select ();

  supa_query_eq (q, "id", id);
  supa_query_single (q);
  return q;
}

static void
test_cache (void)
{
  g_autoptr(JsonNode) values = json_from_string ("{\"n\": 5}", NULL);
  g_autoptr(SupaQuery) read = label_query ("1");
  g_autoptr(SupaQuery) write = supa_query_new ("dbtest");
  g_autoptr(SupaQuery) other = supa_query_new ("rpc/dbtest_add");
  g_autoptr(SupaResult) r1 = NULL, r2 = NULL, r3 = NULL, r4 = NULL, r5 = NULL, r6 = NULL;
  g_autoptr(JsonNode) args = json_from_string ("{\"a\": 1, \"b\": 1}", NULL);

  /* Off by default: every read goes to the server. */
  r1 = execute_ok (read);
  g_assert_false (supa_result_get_from_cache (r1));
  g_clear_object (&r1);
  r1 = execute_ok (read);
  g_assert_false (supa_result_get_from_cache (r1));
  g_clear_object (&r1);

  supa_database_set_cache_ttl (db, 60 * 1000);
  r1 = execute_ok (read);
  g_assert_false (supa_result_get_from_cache (r1));
  g_assert_cmpstr (label_of (r1), ==, "plain");

  /* Changed behind our back: the cache still answers. */
  g_free (sql ("update public.dbtest set label = 'changed' where id = 1"));
  r2 = execute_ok (read);
  g_assert_true (supa_result_get_from_cache (r2));
  g_assert_cmpstr (label_of (r2), ==, "plain");
  /* The cached copy is the caller's to change. */
  json_object_set_string_member (json_node_get_object (supa_result_get_rows (r2)), "label", "edited");

  /* A read-only rpc is not a write and does not invalidate. */
  supa_query_rpc (other, json_node_get_object (args), SUPA_RPC_GET, SUPA_COUNT_NONE);
  g_clear_object (&r3);
  r3 = execute_ok (other);
  g_clear_object (&r3);
  r3 = execute_ok (read);
  g_assert_true (supa_result_get_from_cache (r3));
  g_assert_cmpstr (label_of (r3), ==, "plain");

  /* Any write to the table drops its cached reads. */
  supa_query_update (write, json_node_get_object (values), SUPA_COUNT_NONE);
  supa_query_eq (write, "id", "2");
  r4 = execute_ok (write);
  r5 = execute_ok (read);
  g_assert_false (supa_result_get_from_cache (r5));
  g_assert_cmpstr (label_of (r5), ==, "changed");

  /* And entries expire. */
  supa_database_set_cache_ttl (db, 150);
  g_clear_object (&r5);
  r5 = execute_ok (read);
  g_assert_false (supa_result_get_from_cache (r5));
  g_clear_object (&r5);
  r5 = execute_ok (read);
  g_assert_true (supa_result_get_from_cache (r5));
  g_usleep (300 * 1000);
  r6 = execute_ok (read);
  g_assert_false (supa_result_get_from_cache (r6));

  supa_database_set_cache_ttl (db, 0);
  g_free (sql ("update public.dbtest set label = 'plain' where id = 1"));
}

static void
test_embedded (void)
{
  g_autoptr(SupaQuery) q = supa_query_new ("dbtest");
  g_autoptr(SupaQuery) write = supa_query_new ("dbtest_child");
  g_autoptr(JsonNode) rows = json_from_string ("[{\"id\": 1, \"parent\": 2, \"name\": \"b, first\"},"
                                               " {\"id\": 2, \"parent\": 2, \"name\": \"a (second)\"},"
                                               " {\"id\": 3, \"parent\": 2, \"name\": \"c\"},"
                                               " {\"id\": 4, \"parent\": 3, \"name\": \"other\"}]", NULL);
  g_autoptr(SupaQuery) insert = supa_query_new ("dbtest_child");
  g_autoptr(SupaFilterGroup) group = supa_filter_group_new (SUPA_FILTER_OR, FALSE);
  g_autoptr(SupaResult) r1 = NULL, r2 = NULL, r3 = NULL, r4 = NULL;
  g_autoptr(JsonNode) rename = json_from_string ("{\"name\": \"renamed\"}", NULL);
  JsonArray *children;

  supa_query_insert (insert, rows, SUPA_COUNT_NONE, TRUE);
  r1 = execute_ok (insert);
  g_assert_cmpuint (supa_result_get_status (r1), ==, 201);

  /* Embedded rows filtered, ordered and limited on the referenced table. */
  supa_query_select (q, "id, label, children:dbtest_child(id, name)", SUPA_COUNT_NONE, FALSE);
  supa_query_eq (q, "id", "2");
  supa_filter_group_add_condition (group, "name", "eq", "b, first");
  supa_filter_group_add_condition (group, "name", "eq", "a (second)");
  supa_query_add_group (q, group, "dbtest_child");
  supa_query_order (q, "name", TRUE, SUPA_NULLS_DEFAULT, "dbtest_child");
  supa_query_limit (q, 1, "dbtest_child");
  supa_query_single (q);

  supa_database_set_cache_ttl (db, 60 * 1000);
  r2 = execute_ok (q);
  children = json_object_get_array_member (json_node_get_object (supa_result_get_rows (r2)), "children");
  g_assert_cmpuint (json_array_get_length (children), ==, 1);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (children, 0), "name"), ==, "a (second)");

  /* A write to the embedded table drops the parent's cached read. */
  r3 = execute_ok (q);
  g_assert_true (supa_result_get_from_cache (r3));
  supa_query_update (write, json_node_get_object (rename), SUPA_COUNT_NONE);
  supa_query_eq (write, "name", "a (second)");
  supa_query_maybe_single (write);
  supa_query_returning (write, "id");
  g_clear_object (&r3);
  r3 = execute_ok (write);
  g_assert_cmpint (json_object_get_int_member (json_node_get_object (supa_result_get_rows (r3)), "id"), ==, 2);
  r4 = execute_ok (q);
  g_assert_false (supa_result_get_from_cache (r4));
  children = json_object_get_array_member (json_node_get_object (supa_result_get_rows (r4)), "children");
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (children, 0), "name"), ==, "b, first");
  supa_database_set_cache_ttl (db, 0);

  /* A maybe-single write that touches nothing is not an error. */
  g_clear_object (&r3);
  r3 = execute_ok (write);
  g_assert_null (supa_result_get_rows (r3));
}

static void
test_large_result (void)
{
  g_autoptr(SupaQuery) q = supa_query_new ("dbtest_big");
  g_autoptr(SupaResult) r = NULL;
  JsonArray *rows;

  supa_query_select (q, "*", SUPA_COUNT_EXACT, FALSE);
  supa_query_order (q, "id", FALSE, SUPA_NULLS_DEFAULT, NULL);
  r = execute_ok (q);
  rows = json_node_get_array (supa_result_get_rows (r));
  /* Supabase caps a response at db-max-rows (1000); the count still
   * tells the whole story, and the status says the page is partial. */
  g_assert_cmpuint (json_array_get_length (rows), ==, 1000);
  g_assert_cmpint (supa_result_get_count (r), ==, 5000);
  g_assert_cmpuint (supa_result_get_status (r), ==, 206);
  g_assert_cmpint (json_object_get_int_member (json_array_get_object_element (rows, 0), "id"), ==, 5000);
  g_assert_cmpint (supa_result_get_range_start (r), ==, 0);
  g_assert_cmpint (supa_result_get_range_end (r), ==, 999);
}

static void
test_cancel_and_bad_schema (void)
{
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(SupaQuery) q = new_select ();
  g_autoptr(SupaQuery) other = new_select ();
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GError) error2 = NULL;
  SupaResult *fail;

  g_cancellable_cancel (cancellable);
  supa_database_execute_async (db, q, cancellable, test_store_result_cb, &result);
  test_wait_result (&result);
  fail = supa_database_execute_finish (db, result, &error);
  g_assert_null (fail);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);

  supa_query_set_schema (other, "no_such_schema");
  fail = execute (other, &error2);
  g_assert_null (fail);
  g_assert_cmpuint (supa_error_get_http_status (error2), ==, 406);
  g_assert_cmpstr (supa_error_get_server_code (error2), ==, "PGRST106");
  g_assert_nonnull (supa_error_get_hint (error2));
}

static void
set_faults (const char *faults_json)
{
  const char *headers[] = { "apikey", server->service_role_key, NULL };
  g_autoptr(SupaTestResponse) r = NULL;

  r = supa_test_request (server, "POST", "/__local/faults", headers, "application/json",
                         faults_json, -1);
  g_assert_cmpuint (r->status, ==, 200);
}

static gint64
faults_fired (void)
{
  const char *headers[] = { "apikey", server->service_role_key, NULL };
  g_autoptr(SupaTestResponse) r = NULL;
  JsonArray *fired;

  r = supa_test_request (server, "GET", "/__local/faults", headers, NULL, NULL, 0);
  g_assert_cmpuint (r->status, ==, 200);
  fired = json_object_get_array_member (json_node_get_object (r->json), "fired");
  return json_array_get_int_element (fired, 0);
}

/* Reads are retried on 503 like postgrest-js does; writes never are. */
static void
test_retry (void)
{
  g_autoptr(SupaQuery) read = label_query ("3");
  g_autoptr(SupaQuery) write = supa_query_new ("dbtest");
  g_autoptr(JsonNode) values = json_from_string ("{\"n\": 8}", NULL);
  g_autoptr(SupaResult) r1 = NULL;
  g_autoptr(SupaResult) r2 = NULL;
  g_autoptr(GError) error = NULL;
  SupaResult *fail;

  set_faults ("{\"faults\": [\"status:code=503,count=2,retry-after=1,prefix=/rest/v1/dbtest\"]}");
  r1 = execute_ok (read);
  g_assert_cmpstr (label_of (r1), ==, "(paren)");
  g_assert_cmpint (faults_fired (), ==, 2);

  set_faults ("{\"faults\": [\"status:code=503,count=1,retry-after=1,prefix=/rest/v1/dbtest,method=PATCH\"]}");
  supa_query_update (write, json_node_get_object (values), SUPA_COUNT_NONE);
  supa_query_eq (write, "id", "3");
  fail = execute (write, &error);
  g_assert_null (fail);
  g_assert_error (error, SUPA_ERROR, SUPA_ERROR_SERVER);
  g_assert_cmpuint (supa_error_get_http_status (error), ==, 503);
  g_assert_cmpint (faults_fired (), ==, 1);

  set_faults ("{\"faults\": []}");
  r2 = execute_ok (write);
  g_assert_cmpuint (supa_result_get_status (r2), ==, 204);
}

static void
test_schema_load (void)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GAsyncResult) result2 = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(SupaSchema) schema = NULL;
  g_autoptr(SupaSchema) refused = NULL;
  g_autoptr(SupaClient) anon = supa_client_new (server->url, server->anon_key, NULL);
  SupaTableInfo *table;
  SupaColumnInfo *column;
  SupaFunctionInfo *fn;
  const char *pk[] = { "id", NULL };

  supa_schema_load_async (client, "public", NULL, test_store_result_cb, &result);
  test_wait_result (&result);
  schema = supa_schema_load_finish (result, &error);
  g_assert_no_error (error);

  table = supa_schema_lookup_table (schema, "dbtest");
  g_assert_nonnull (table);
  g_assert_cmpstrv (supa_table_info_get_primary_key (table), pk);
  g_assert_true (supa_table_info_get_writable (table));
  column = supa_table_info_lookup_column (table, "n");
  g_assert_cmpstr (supa_column_info_get_type_name (column), ==, "integer");
  g_assert_true (supa_column_info_get_has_default (column));
  column = supa_table_info_lookup_column (table, "tags");
  g_assert_true (supa_column_info_get_is_array (column));
  column = supa_table_info_lookup_column (table, "meta");
  g_assert_true (supa_column_info_get_is_json (column));
  column = supa_table_info_lookup_column (table, "id");
  g_assert_false (supa_column_info_get_nullable (column));

  fn = supa_schema_lookup_function (schema, "dbtest_add");
  g_assert_nonnull (fn);
  g_assert_true (supa_function_info_get_allows_get (fn));
  g_assert_cmpuint (g_list_model_get_n_items (supa_function_info_get_parameters (fn)), ==, 2);
  fn = supa_schema_lookup_function (schema, "dbtest_bump");
  g_assert_nonnull (fn);
  g_assert_false (supa_function_info_get_allows_get (fn));

  supa_schema_load_async (anon, "public", NULL, test_store_result_cb, &result2);
  test_wait_result (&result2);
  refused = supa_schema_load_finish (result2, &error);
  g_assert_null (refused);
  g_assert_error (error, SUPA_ERROR, SUPA_ERROR_FORBIDDEN);
  g_assert_cmpstr (error->message, ==, "Reading the table list needs a service role or secret key");
  g_assert_cmpuint (supa_error_get_http_status (error), ==, 403);
}

int
main (int   argc,
      char *argv[])
{
  int ret;

  test_init (&argc, &argv);

  server = supa_test_server_start ("demo", NULL);
  client = supa_client_new (server->url, server->service_role_key, NULL);
  db = supa_database_new (client);
  setup_schema ();

  /* Order matters: later tests rely on the rows inserted first. */
  g_test_add_func ("/database/insert", test_insert);
  g_test_add_func ("/database/quoting-round-trip", test_quoting_round_trip);
  g_test_add_func ("/database/operators", test_operators);
  g_test_add_func ("/database/counts-and-ranges", test_counts_and_ranges);
  g_test_add_func ("/database/single", test_single);
  g_test_add_func ("/database/csv", test_csv);
  g_test_add_func ("/database/upsert", test_upsert);
  g_test_add_func ("/database/rpc", test_rpc);
  g_test_add_func ("/database/errors", test_errors);
  g_test_add_func ("/database/refuse-unfiltered", test_refuse_unfiltered);
  g_test_add_func ("/database/cache", test_cache);
  g_test_add_func ("/database/embedded", test_embedded);
  g_test_add_func ("/database/large-result", test_large_result);
  g_test_add_func ("/database/cancel-and-bad-schema", test_cancel_and_bad_schema);
  g_test_add_func ("/database/retry", test_retry);
  g_test_add_func ("/database/schema-load", test_schema_load);

  ret = g_test_run ();

  g_clear_object (&db);
  g_clear_object (&client);
  supa_test_server_stop (server);

  return ret;
}
