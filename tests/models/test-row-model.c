/* test-row-model.c — SupaRowModel against supabase-local: counts, lazy
 * pages, a total order, the LRU, invalidation, cancellation, editing
 * filters.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "supa-row-model.h"
#include "supa-test-server.h"
#include "../services/test-util.h"

#define N_SMALL   2345
#define N_BIG     60000
#define TIMEOUT_S 90

static SupaTestServer *server;
static SupaClient *client;
static SupaDatabase *db;
static SupaSchema *schema;

/* --- helpers ------------------------------------------------------------ */

static char *
sql (const char *statement)
{
  return supa_test_server_sql (server, statement);
}

static void
wait_for_table (const char *path)
{
  g_autofree char *bearer = g_strconcat ("Bearer ", server->service_role_key, NULL);
  const char *headers[] = { "apikey", server->service_role_key, "Authorization", bearer, NULL };

  for (guint i = 0; i < 300; i++)
    {
      g_autoptr(SupaTestResponse) r = supa_test_request (server, "GET", path, headers, NULL, NULL, 0);

      if (r->status == 200)
        return;
      g_usleep (100 * 1000);
    }
  g_error ("%s never became visible through the REST API", path);
}

static gboolean
wake_cb (gpointer data)
{
  return G_SOURCE_CONTINUE;
}

typedef gboolean (*Condition) (gpointer data);

/* Iterates the main context until @cond holds; fails after TIMEOUT_S. */
static void
wait_until (Condition   cond,
            gpointer    data,
            const char *what)
{
  gint64 deadline = g_get_monotonic_time () + TIMEOUT_S * G_USEC_PER_SEC;
  guint wake = g_timeout_add (100, wake_cb, NULL);

  while (!cond (data))
    {
      if (g_get_monotonic_time () > deadline)
        g_error ("timed out waiting for %s", what);
      g_main_context_iteration (NULL, TRUE);
    }
  g_source_remove (wake);
}

static gboolean
model_settled (gpointer data)
{
  SupaRowModel *model = data;

  return supa_row_model_get_count (model) >= 0 && !supa_row_model_get_loading (model);
}

static gboolean
row_loaded (gpointer data)
{
  return supa_row_get_loaded (data);
}

static gboolean
not_loading (gpointer data)
{
  return !supa_row_model_get_loading (data);
}

typedef struct
{
  guint n_emissions;
  guint position;
  guint removed;
  guint added;
} ItemsChanged;

static void
items_changed_cb (GListModel   *model,
                  guint         position,
                  guint         removed,
                  guint         added,
                  ItemsChanged *record)
{
  record->n_emissions++;
  record->position = position;
  record->removed = removed;
  record->added = added;
}

static gboolean
emitted (gpointer data)
{
  return ((ItemsChanged *) data)->n_emissions > 0;
}

static SupaTableInfo *
table (const char *name)
{
  SupaTableInfo *info = supa_schema_lookup_table (schema, name);

  g_assert_nonnull (info);
  return info;
}

static SupaRowModel *
new_model (const char *name,
           guint       page_size)
{
  SupaRowModel *model = supa_row_model_new (db, table (name));

  supa_row_model_set_page_size (model, page_size);
  wait_until (model_settled, model, "the first count");
  return model;
}

/* The row at @position once loaded. */
static SupaRow *
load_row (SupaRowModel *model,
          guint         position)
{
  SupaRow *row = g_list_model_get_item (G_LIST_MODEL (model), position);

  g_assert_nonnull (row);
  g_assert_cmpuint (supa_row_get_position (row), ==, position);
  if (!supa_row_get_loaded (row))
    wait_until (row_loaded, row, "a page");
  return row;
}

static gint64
int_value (SupaRow    *row,
           const char *column)
{
  JsonNode *node = supa_row_get_value (row, column);

  g_assert_nonnull (node);
  return json_node_get_int (node);
}

static const char *
string_value (SupaRow    *row,
              const char *column)
{
  JsonNode *node = supa_row_get_value (row, column);

  g_assert_nonnull (node);
  return json_node_get_string (node);
}

static void
count_notify_cb (GObject    *object,
                 GParamSpec *pspec,
                 guint      *counter)
{
  (*counter)++;
}

/* --- tests -------------------------------------------------------------- */

static void
test_count_exact (void)
{
  g_autoptr(SupaRowModel) model = new_model ("rm_small", 100);

  g_assert_cmpint (supa_row_model_get_count (model), ==, N_SMALL);
  g_assert_false (supa_row_model_get_count_is_estimate (model));
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (model)), ==, N_SMALL);
  g_assert_null (supa_row_model_get_read_only_reason (model));
  g_assert_null (supa_row_model_get_error (model));
  g_assert_true (g_list_model_get_item_type (G_LIST_MODEL (model)) == SUPA_TYPE_ROW);
  g_assert_null (g_list_model_get_item (G_LIST_MODEL (model), N_SMALL));
}

/* Every id exactly once and in order; placeholders fill in place; the LRU
 * stays bounded. */
static void
test_walk (void)
{
  g_autoptr(SupaRowModel) model = new_model ("rm_small", 100);
  guint n = g_list_model_get_n_items (G_LIST_MODEL (model));
  guint placeholders = 0;
  guint loaded_notifications = 0;
  guint values_notifications = 0;

  supa_row_model_set_max_pages (model, 4);
  g_assert_cmpuint (supa_row_model_get_n_cached_pages (model), <=, 4);

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(SupaRow) row = g_list_model_get_item (G_LIST_MODEL (model), i);

      if (!supa_row_get_loaded (row))
        {
          SupaRow *same = row;

          placeholders++;
          g_assert_null (supa_row_get_values (row));
          g_assert_null (supa_row_get_value (row, "id"));
          g_signal_connect (row, "notify::loaded", G_CALLBACK (count_notify_cb), &loaded_notifications);
          g_signal_connect (row, "notify::values", G_CALLBACK (count_notify_cb), &values_notifications);
          wait_until (row_loaded, row, "a page of the walk");
          g_signal_handlers_disconnect_by_data (row, &loaded_notifications);
          g_signal_handlers_disconnect_by_data (row, &values_notifications);

          /* Filled in place: asking again gives the same object. */
          {
            g_autoptr(SupaRow) again = g_list_model_get_item (G_LIST_MODEL (model), i);
            g_assert_true (again == same);
          }
        }

      g_assert_cmpint (int_value (row, "id"), ==, i + 1);
      g_assert_cmpuint (supa_row_get_position (row), ==, i);
    }

  /* Page 0 came with the count; every later page started as placeholders. */
  g_assert_cmpuint (placeholders, ==, (N_SMALL + 99) / 100 - 1);
  g_assert_cmpuint (loaded_notifications, ==, placeholders);
  g_assert_cmpuint (values_notifications, ==, placeholders);

  wait_until (not_loading, model, "the walk to settle");
  g_assert_cmpuint (supa_row_model_get_n_cached_pages (model), <=, 4);
  g_assert_cmpuint (supa_row_model_get_n_cached_pages (model), >=, 1);
}

/* A sort on a column with many equal values still pages without skips or
 * repeats: the primary key breaks the ties. */
static void
test_sort_tie_breaker (void)
{
  g_autoptr(SupaRowModel) model = new_model ("rm_small", 100);
  g_autofree gboolean *seen = g_new0 (gboolean, N_SMALL + 1);
  ItemsChanged record = { 0, };
  gint64 last_grp = G_MAXINT64;
  gint64 last_id = 0;
  guint n;

  g_signal_connect (model, "items-changed", G_CALLBACK (items_changed_cb), &record);
  supa_row_model_set_sort (model, "grp.desc");
  g_assert_cmpstr (supa_row_model_get_sort (model), ==, "grp.desc");
  /* The old rows stay until the new count is known: no empty flash. */
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (model)), ==, N_SMALL);
  wait_until (emitted, &record, "items-changed after the sort");
  g_assert_cmpuint (record.n_emissions, ==, 1);
  g_assert_cmpuint (record.position, ==, 0);
  g_assert_cmpuint (record.removed, ==, N_SMALL);
  g_assert_cmpuint (record.added, ==, N_SMALL);

  n = g_list_model_get_n_items (G_LIST_MODEL (model));
  g_assert_cmpuint (n, ==, N_SMALL);
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(SupaRow) row = load_row (model, i);
      gint64 grp = int_value (row, "grp");
      gint64 id = int_value (row, "id");

      g_assert_cmpint (id, >=, 1);
      g_assert_cmpint (id, <=, N_SMALL);
      g_assert_false (seen[id]);
      seen[id] = TRUE;

      g_assert_cmpint (grp, <=, last_grp);
      if (grp == last_grp)
        g_assert_cmpint (id, >, last_id);
      last_grp = grp;
      last_id = id;
    }
  for (guint id = 1; id <= N_SMALL; id++)
    g_assert_true (seen[id]);
}

static void
test_filter (void)
{
  g_autoptr(SupaRowModel) model = new_model ("rm_small", 100);
  g_autoptr(SupaFilterGroup) filter = supa_filter_group_new (SUPA_FILTER_AND, FALSE);
  ItemsChanged record = { 0, };
  guint expected = 0;

  for (guint id = 1; id <= N_SMALL; id++)
    if (id % 7 == 3)
      expected++;

  g_signal_connect (model, "items-changed", G_CALLBACK (items_changed_cb), &record);
  supa_filter_group_add_condition (filter, "grp", "eq", "3");
  supa_row_model_set_filter (model, filter);
  g_assert_true (supa_row_model_get_filter (model) == filter);
  wait_until (emitted, &record, "items-changed after the filter");
  wait_until (not_loading, model, "the filtered count");

  g_assert_cmpuint (record.n_emissions, ==, 1);
  g_assert_cmpuint (record.position, ==, 0);
  g_assert_cmpuint (record.removed, ==, N_SMALL);
  g_assert_cmpuint (record.added, ==, expected);
  g_assert_cmpint (supa_row_model_get_count (model), ==, expected);
  g_assert_false (supa_row_model_get_count_is_estimate (model));

  for (guint i = 0; i < expected; i++)
    {
      g_autoptr(SupaRow) row = load_row (model, i);

      g_assert_cmpint (int_value (row, "grp"), ==, 3);
      g_assert_cmpint (int_value (row, "id"), ==, 3 + 7 * i);
    }

  /* Back to everything. */
  record.n_emissions = 0;
  supa_row_model_set_filter (model, NULL);
  wait_until (emitted, &record, "items-changed after clearing the filter");
  g_assert_cmpuint (record.removed, ==, expected);
  g_assert_cmpuint (record.added, ==, N_SMALL);
}

/* A filter the server refuses shows the error and an empty table. */
static void
test_bad_filter (void)
{
  g_autoptr(SupaRowModel) model = new_model ("rm_small", 100);
  g_autoptr(SupaFilterGroup) filter = supa_filter_group_new (SUPA_FILTER_AND, FALSE);
  ItemsChanged record = { 0, };

  g_signal_connect (model, "items-changed", G_CALLBACK (items_changed_cb), &record);
  supa_filter_group_add_condition (filter, "no_such_column", "eq", "1");
  supa_row_model_set_filter (model, filter);
  wait_until (emitted, &record, "items-changed after a bad filter");
  g_assert_nonnull (supa_row_model_get_error (model));
  g_assert_true (supa_row_model_get_error (model)->domain == SUPA_ERROR);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (model)), ==, 0);

  record.n_emissions = 0;
  supa_row_model_set_filter (model, NULL);
  wait_until (emitted, &record, "items-changed after clearing it");
  wait_until (not_loading, model, "the count");
  g_assert_null (supa_row_model_get_error (model));
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (model)), ==, N_SMALL);
}

static void
test_reload (void)
{
  g_autoptr(SupaRowModel) model = new_model ("rm_reload", 100);
  ItemsChanged record = { 0, };
  g_autoptr(SupaRow) last = NULL;

  g_assert_cmpint (supa_row_model_get_count (model), ==, 10);

  g_free (sql ("insert into public.rm_reload select g, 'new ' || g from generate_series(11, 15) g"));
  g_signal_connect (model, "items-changed", G_CALLBACK (items_changed_cb), &record);
  supa_row_model_reload (model);
  wait_until (emitted, &record, "items-changed after the reload");
  g_assert_cmpuint (record.removed, ==, 10);
  g_assert_cmpuint (record.added, ==, 15);
  g_assert_cmpint (supa_row_model_get_count (model), ==, 15);

  last = load_row (model, 14);
  g_assert_cmpstr (string_value (last, "label"), ==, "new 15");
}

static void
test_no_primary_key (void)
{
  g_autoptr(SupaRowModel) model = new_model ("rm_nopk", 4);
  g_autoptr(SupaQuery) query = supa_query_new ("rm_nopk");
  g_autoptr(GError) error = NULL;
  g_autoptr(SupaRow) row = NULL;
  g_autoptr(GString) walk = g_string_new (NULL);
  g_autoptr(JsonObject) values = json_object_new ();
  const char *reason = supa_row_model_get_read_only_reason (model);

  g_assert_nonnull (reason);
  g_assert_nonnull (strstr (reason, "primary key"));
  g_assert_cmpint (supa_row_model_get_count (model), ==, 10);

  /* Browsable: every row once, in a stable order over all columns. */
  for (guint i = 0; i < 10; i++)
    {
      g_autoptr(SupaRow) r = load_row (model, i);

      g_string_append_printf (walk, "%" G_GINT64_FORMAT "%s;", int_value (r, "a"), string_value (r, "b"));
    }
  g_assert_cmpstr (walk->str, ==, "1x;1y;2x;2y;3x;3y;4x;4y;5x;5y;");

  row = load_row (model, 0);
  json_object_set_string_member (values, "b", "z");
  supa_query_update (query, values, SUPA_COUNT_NONE);
  g_assert_false (supa_row_model_filter_row (model, row, query, FALSE, &error));
  g_assert_error (error, SUPA_ERROR, SUPA_ERROR_INVALID_INPUT);
  g_assert_nonnull (strstr (error->message, "primary key"));
  g_assert_nonnull (strstr (error->message, "rm_nopk"));
}

static SupaResult *
execute_ok (SupaQuery *query)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  SupaResult *answer;

  supa_database_execute_async (db, query, NULL, test_store_result_cb, &result);
  test_wait_result (&result);
  answer = supa_database_execute_finish (db, result, &error);
  g_assert_no_error (error);
  g_assert_nonnull (answer);
  return answer;
}

static guint
n_rows (SupaResult *result)
{
  JsonNode *rows = supa_result_get_rows (result);

  g_assert_nonnull (rows);
  return json_array_get_length (json_node_get_array (rows));
}

static SupaQuery *
new_patch (SupaRowModel *model,
           SupaRow      *row,
           gboolean      match_original,
           const char   *label)
{
  SupaQuery *query = supa_query_new ("rm_edit");
  g_autoptr(JsonObject) values = json_object_new ();
  g_autoptr(GError) error = NULL;

  json_object_set_string_member (values, "label", label);
  supa_query_update (query, values, SUPA_COUNT_NONE);
  supa_query_returning (query, "*");
  g_assert_true (supa_row_model_filter_row (model, row, query, match_original, &error));
  g_assert_no_error (error);
  return query;
}

/* Optimistic concurrency: a PATCH built with match_original finds the row
 * only while nobody else has changed it. */
static void
test_match_original (void)
{
  g_autoptr(SupaRowModel) model = new_model ("rm_edit", 100);
  g_autoptr(SupaRow) row = load_row (model, 0);
  g_autoptr(SupaQuery) first = NULL;
  g_autoptr(SupaQuery) stale = NULL;
  g_autoptr(SupaQuery) forced = NULL;
  g_autoptr(SupaResult) result = NULL;
  g_autoptr(SupaResult) stale_result = NULL;
  g_autoptr(SupaResult) forced_result = NULL;
  JsonObject *returned;
  guint values_notifications = 0;

  g_assert_null (supa_row_model_get_read_only_reason (model));
  g_assert_cmpint (int_value (row, "id"), ==, 1);

  /* Unchanged (with a numeric, a float, a null and a timestamp): matches. */
  first = new_patch (model, row, TRUE, "mine");
  result = execute_ok (first);
  g_assert_cmpuint (n_rows (result), ==, 1);

  /* The view hands the server's row back: shown in place. */
  returned = json_array_get_object_element (json_node_get_array (supa_result_get_rows (result)), 0);
  g_signal_connect (row, "notify::values", G_CALLBACK (count_notify_cb), &values_notifications);
  supa_row_model_update_row (model, row, returned);
  g_assert_cmpuint (values_notifications, ==, 1);
  g_assert_cmpstr (string_value (row, "label"), ==, "mine");
  {
    g_autoptr(SupaRow) again = g_list_model_get_item (G_LIST_MODEL (model), 0);
    g_assert_true (again == row);
    g_assert_cmpstr (string_value (again, "label"), ==, "mine");
  }

  /* Someone else changes the row meanwhile. */
  g_free (sql ("update public.rm_edit set n = n + 1 where id = 1"));
  stale = new_patch (model, row, TRUE, "overwrite");
  stale_result = execute_ok (stale);
  g_assert_cmpuint (n_rows (stale_result), ==, 0);
  {
    g_autofree char *label = sql ("select label from public.rm_edit where id = 1");
    g_assert_cmpstr (label, ==, "mine");
  }

  /* By primary key only, it goes through. */
  forced = new_patch (model, row, FALSE, "forced");
  forced_result = execute_ok (forced);
  g_assert_cmpuint (n_rows (forced_result), ==, 1);
}

/* A table above the exact-count threshold shows the planner's estimate
 * until asked for COUNT(*). */
static void
test_estimate (void)
{
  g_autoptr(SupaRowModel) model = new_model ("rm_big", 500);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  ItemsChanged record = { 0, };
  gint64 estimate = supa_row_model_get_count (model);

  g_assert_true (supa_row_model_get_count_is_estimate (model));
  g_assert_cmpint (estimate, >=, N_BIG / 2);
  g_assert_cmpint (estimate, <=, N_BIG * 2);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (model)), ==, estimate);

  g_signal_connect (model, "items-changed", G_CALLBACK (items_changed_cb), &record);
  supa_row_model_count_exact_async (model, NULL, test_store_result_cb, &result);
  test_wait_result (&result);
  g_assert_true (supa_row_model_count_exact_finish (model, result, &error));
  g_assert_no_error (error);

  g_assert_cmpint (supa_row_model_get_count (model), ==, N_BIG);
  g_assert_false (supa_row_model_get_count_is_estimate (model));
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (model)), ==, N_BIG);
  if (estimate != N_BIG)
    {
      /* Only the end moved. */
      g_assert_cmpuint (record.n_emissions, ==, 1);
      g_assert_cmpuint (record.position, ==, MIN (estimate, N_BIG));
    }

  {
    g_autoptr(SupaRow) last = load_row (model, N_BIG - 1);
    g_assert_cmpint (int_value (last, "id"), ==, N_BIG);
  }
}

/* Jumping from the top to the end drops the pages queued on the way, and a
 * page in flight that the view scrolled away from is cancelled. */
static void
test_cancel (void)
{
  g_autoptr(SupaRowModel) model = new_model ("rm_small", 100);
  g_autoptr(GPtrArray) middle = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(SupaRow) last = NULL;
  g_autoptr(SupaRow) far = NULL;
  g_autoptr(SupaRow) back = NULL;
  guint base = supa_row_model_get_n_page_requests (model);
  guint n = g_list_model_get_n_items (G_LIST_MODEL (model));

  g_assert_cmpuint (n, ==, N_SMALL);
  supa_row_model_set_max_pages (model, 16);

  /* Pages 1…5 are asked for, then the view jumps to the last page before
   * any of them was sent. */
  for (guint page = 1; page <= 5; page++)
    g_ptr_array_add (middle, g_list_model_get_item (G_LIST_MODEL (model), page * 100 + 50));
  last = load_row (model, n - 1);
  g_assert_cmpint (int_value (last, "id"), ==, N_SMALL);
  wait_until (not_loading, model, "the last page");

  g_assert_cmpuint (supa_row_model_get_n_page_requests (model) - base, ==, 1);
  for (guint i = 0; i < middle->len; i++)
    g_assert_false (supa_row_get_loaded (g_ptr_array_index (middle, i)));

  /* Page 12 is sent; before its answer can arrive the view jumps back to
   * page 1, nine pages away. */
  base = supa_row_model_get_n_page_requests (model);
  far = g_list_model_get_item (G_LIST_MODEL (model), 1250);
  while (supa_row_model_get_n_page_requests (model) == base)
    g_main_context_iteration (NULL, TRUE);
  g_assert_false (supa_row_get_loaded (far));

  back = load_row (model, 150);
  /* The placeholder the view kept from before is the one filled. */
  g_assert_true (back == g_ptr_array_index (middle, 0));
  g_assert_cmpint (int_value (back, "id"), ==, 151);
  wait_until (not_loading, model, "page 1");
  g_assert_false (supa_row_get_loaded (far));
  g_assert_cmpuint (supa_row_model_get_n_page_requests (model) - base, ==, 2);

  /* Asked again, the cancelled page loads into the same object. */
  {
    g_autoptr(SupaRow) again = load_row (model, 1250);
    g_assert_true (again == far);
    g_assert_cmpint (int_value (far, "id"), ==, 1251);
  }
}

static gboolean
flag_cb (gpointer data)
{
  *(gboolean *) data = TRUE;
  return G_SOURCE_REMOVE;
}

/* Runs the main loop for @ms, as the frames of a view would. */
static void
run_for (guint ms)
{
  gboolean done = FALSE;

  g_timeout_add (ms, flag_cb, &done);
  while (!done)
    g_main_context_iteration (NULL, TRUE);
}

/* A scrollbar drag asks for a new page on nearly every frame: the model
 * shows placeholders at once but sends only a few requests (every request
 * sent costs the server a query, even cancelled), and the rows where the
 * drag stops load. A single jump once the model is quiet is sent at once,
 * without waiting for the view to settle. */
static void
test_drag (void)
{
  g_autoptr(SupaRowModel) model = new_model ("rm_big", 100);
  g_autoptr(SupaRow) stop = NULL;
  g_autoptr(SupaRow) jump = NULL;
  guint base = supa_row_model_get_n_page_requests (model);
  /* The count is the planner's estimate: stay inside the real rows. */
  guint n = MIN (g_list_model_get_n_items (G_LIST_MODEL (model)), N_BIG);
  guint final = 0;
  guint sent;
  gint64 start = g_get_monotonic_time ();

  g_assert_cmpuint (n, >, 20100);

  /* 100 different pages, about six apart, about 10 ms apart. */
  for (guint i = 1; i <= 100; i++)
    {
      g_autoptr(SupaRow) row = NULL;

      final = (guint) ((guint64) i * (n - 100) / 100);
      row = g_list_model_get_item (G_LIST_MODEL (model), final);
      g_assert_nonnull (row);
      g_assert_cmpuint (supa_row_get_position (row), ==, final);
      g_assert_false (supa_row_get_loaded (row));
      run_for (10);
    }

  g_test_message ("the drag took %" G_GINT64_FORMAT " ms", (g_get_monotonic_time () - start) / 1000);
  stop = load_row (model, final);
  g_assert_cmpint (int_value (stop, "id"), ==, final + 1);
  wait_until (not_loading, model, "the drag to settle");
  sent = supa_row_model_get_n_page_requests (model) - base;
  g_test_message ("a drag over 100 pages sent %u page requests", sent);
  g_assert_cmpuint (sent, >=, 1);
  g_assert_cmpuint (sent, <=, 15);

  /* Quiet again: a jump is sent right away (from the next idle, not
   * after a settling delay). */
  run_for (300);
  base = supa_row_model_get_n_page_requests (model);
  jump = g_list_model_get_item (G_LIST_MODEL (model), 20050);
  g_assert_false (supa_row_get_loaded (jump));
  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_assert_cmpuint (supa_row_model_get_n_page_requests (model) - base, ==, 1);
  wait_until (row_loaded, jump, "the jump");
  g_assert_cmpint (int_value (jump, "id"), ==, 20051);
}

/* What the server is asked: a viewport across a page boundary costs one
 * request (one OFFSET scan), and a page the view let go of before it was
 * sent (it scrolled past) is not asked at all. */
static void
test_page_requests (void)
{
  g_autoptr(SupaRowModel) model = new_model ("rm_big", 100);
  g_autoptr(SupaRow) before = NULL;
  g_autoptr(SupaRow) after = NULL;
  g_autoptr(SupaRow) kept = NULL;
  g_autoptr(SupaRow) again = NULL;
  guint base;

  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (model)), >, 20100);

  /* Rows 5090…5110: the end of page 50 and the start of page 51. */
  base = supa_row_model_get_n_page_requests (model);
  before = g_list_model_get_item (G_LIST_MODEL (model), 5090);
  after = g_list_model_get_item (G_LIST_MODEL (model), 5110);
  wait_until (row_loaded, before, "the end of page 50");
  wait_until (row_loaded, after, "the start of page 51");
  g_assert_cmpint (int_value (before, "id"), ==, 5091);
  g_assert_cmpint (int_value (after, "id"), ==, 5111);
  g_assert_cmpuint (supa_row_model_get_n_page_requests (model) - base, ==, 1);
  wait_until (not_loading, model, "the pages");

  /* Quiet again; row 10050 is shown and scrolled past before its page is
   * sent, row 20050 is where the view stays. */
  run_for (300);
  base = supa_row_model_get_n_page_requests (model);
  g_object_unref (g_list_model_get_item (G_LIST_MODEL (model), 10050));
  kept = g_list_model_get_item (G_LIST_MODEL (model), 20050);
  wait_until (row_loaded, kept, "the page the view stayed on");
  wait_until (not_loading, model, "the requests");
  g_assert_cmpint (int_value (kept, "id"), ==, 20051);
  g_assert_cmpuint (supa_row_model_get_n_page_requests (model) - base, ==, 1);

  /* Not fetched: asked again, it is a placeholder and is sent now. */
  again = g_list_model_get_item (G_LIST_MODEL (model), 10050);
  g_assert_false (supa_row_get_loaded (again));
  wait_until (row_loaded, again, "the page asked again");
  g_assert_cmpint (int_value (again, "id"), ==, 10051);
  g_assert_cmpuint (supa_row_model_get_n_page_requests (model) - base, ==, 2);
}

/* --- setup -------------------------------------------------------------- */

static void
setup_schema (void)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;

  g_free (sql ("create table public.rm_small (id int primary key, grp int not null, label text)"));
  g_free (sql ("insert into public.rm_small select g, g % 7, 'row ' || g from generate_series(1, 2345) g"));
  g_free (sql ("create table public.rm_reload (id int primary key, label text)"));
  g_free (sql ("insert into public.rm_reload select g, 'old ' || g from generate_series(1, 10) g"));
  g_free (sql ("create table public.rm_nopk (a int, b text)"));
  g_free (sql ("insert into public.rm_nopk select (g + 1) / 2, case when g % 2 = 1 then 'x' else 'y' end"
               " from generate_series(10, 1, -1) g"));
  g_free (sql ("create table public.rm_edit (id int primary key, label text, n int not null,"
               " price numeric(10,2), ratio float8, note text, created timestamptz not null default now(),"
               " meta jsonb)"));
  g_free (sql ("insert into public.rm_edit values"
               " (1, 'first', 1, 19.90, 0.1, null, default, '{\"a\":1}'),"
               " (2, 'second', 2, 5.00, 2.5, 'n', default, null)"));
  g_free (sql ("create table public.rm_big (id int primary key, payload text)"));
  g_free (sql ("insert into public.rm_big select g, 'p' || g from generate_series(1, 60000) g"));
  g_free (sql ("analyze public.rm_small; analyze public.rm_big; analyze public.rm_nopk"));
  g_free (sql ("grant all on public.rm_small, public.rm_reload, public.rm_nopk, public.rm_edit, public.rm_big"
               " to anon, authenticated, service_role"));
  g_free (sql ("notify pgrst, 'reload schema'"));

  wait_for_table ("/rest/v1/rm_small?select=id&limit=1");
  wait_for_table ("/rest/v1/rm_reload?select=id&limit=1");
  wait_for_table ("/rest/v1/rm_nopk?select=a&limit=1");
  wait_for_table ("/rest/v1/rm_edit?select=id&limit=1");
  wait_for_table ("/rest/v1/rm_big?select=id&limit=1");

  supa_schema_load_async (client, "public", NULL, test_store_result_cb, &result);
  test_wait_result (&result);
  schema = supa_schema_load_finish (result, &error);
  g_assert_no_error (error);
  g_assert_nonnull (schema);
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
  setup_schema ();

  g_test_add_func ("/row-model/count-exact", test_count_exact);
  g_test_add_func ("/row-model/walk", test_walk);
  g_test_add_func ("/row-model/sort-tie-breaker", test_sort_tie_breaker);
  g_test_add_func ("/row-model/filter", test_filter);
  g_test_add_func ("/row-model/bad-filter", test_bad_filter);
  g_test_add_func ("/row-model/reload", test_reload);
  g_test_add_func ("/row-model/no-primary-key", test_no_primary_key);
  g_test_add_func ("/row-model/match-original", test_match_original);
  g_test_add_func ("/row-model/estimate", test_estimate);
  g_test_add_func ("/row-model/cancel", test_cancel);
  g_test_add_func ("/row-model/drag", test_drag);
  g_test_add_func ("/row-model/page-requests", test_page_requests);

  ret = g_test_run ();

  g_clear_object (&schema);
  g_clear_object (&db);
  g_clear_object (&client);
  supa_test_server_stop (server);

  return ret;
}
