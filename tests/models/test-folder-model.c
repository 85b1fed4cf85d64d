/* test-folder-model.c — SupaFolderModel against supabase-local: a folder
 * of 2,503 entries over several pages, folders first, the placeholder
 * hidden, every sort order both ways, search, reload and errors.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "supa-folder-model.h"
#include "supa-test-server.h"
#include "supa-upload.h"
#include "../services/test-util.h"

#define N_FILES   2500
#define TIMEOUT_S 90

static SupaTestServer *server;
static SupaClient *client;
static SupaStorage *storage;

static gboolean
wake_cb (gpointer data)
{
  return G_SOURCE_CONTINUE;
}

static void
wait_loaded (SupaFolderModel *model)
{
  gint64 deadline = g_get_monotonic_time () + TIMEOUT_S * G_USEC_PER_SEC;
  guint wake = g_timeout_add (100, wake_cb, NULL);

  while (supa_folder_model_get_loading (model))
    {
      if (g_get_monotonic_time () > deadline)
        g_error ("timed out loading the folder");
      g_main_context_iteration (NULL, TRUE);
    }
  g_source_remove (wake);
}

typedef struct
{
  guint n_emissions;
  guint max_changed;
} Changes;

static void
items_changed_cb (GListModel *model,
                  guint       position,
                  guint       removed,
                  guint       added,
                  Changes    *changes)
{
  changes->n_emissions++;
  changes->max_changed = MAX (changes->max_changed, MAX (removed, added));
}

static SupaObjectInfo *
item (SupaFolderModel *model,
      guint            position)
{
  SupaObjectInfo *info = g_list_model_get_item (G_LIST_MODEL (model), position);

  g_assert_nonnull (info);
  g_object_unref (info);  /* the model keeps it */
  return info;
}

static gint64
modified (SupaObjectInfo *info)
{
  GDateTime *dt = supa_object_info_get_updated_at (info);

  g_assert_nonnull (dt);
  return g_date_time_to_unix (dt) * G_USEC_PER_SEC + g_date_time_get_microsecond (dt);
}

/* <0, 0, >0 as @a sorts before, with or after @b (ascending). */
static int
compare (SupaObjectInfo *a,
         SupaObjectInfo *b,
         SupaFolderSort  sort)
{
  g_autofree char *ka = g_utf8_collate_key_for_filename (supa_object_info_get_name (a), -1);
  g_autofree char *kb = g_utf8_collate_key_for_filename (supa_object_info_get_name (b), -1);
  gint64 x = 0, y = 0;
  int r = 0;

  switch (sort)
    {
    case SUPA_FOLDER_SORT_SIZE:
      x = supa_object_info_get_size (a);
      y = supa_object_info_get_size (b);
      break;
    case SUPA_FOLDER_SORT_MODIFIED:
      x = modified (a);
      y = modified (b);
      break;
    case SUPA_FOLDER_SORT_TYPE:
      r = g_strcmp0 (supa_object_info_get_mimetype (a), supa_object_info_get_mimetype (b));
      break;
    case SUPA_FOLDER_SORT_NAME:
    default:
      break;
    }
  if (r == 0)
    r = x < y ? -1 : x > y ? 1 : 0;
  if (r == 0)
    r = strcmp (ka, kb);
  return r;
}

/* Folders (by name) first, then files strictly ordered by @sort. */
static void
assert_order (SupaFolderModel *model,
              SupaFolderSort   sort,
              gboolean         descending,
              guint            n_folders)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (model));

  for (guint i = 0; i < n_folders; i++)
    g_assert_true (supa_object_info_get_is_folder (item (model, i)));
  for (guint i = n_folders; i < n; i++)
    g_assert_false (supa_object_info_get_is_folder (item (model, i)));

  for (guint i = 1; i < n; i++)
    {
      SupaObjectInfo *a = item (model, i - 1);
      SupaObjectInfo *b = item (model, i);
      int r;

      if (i == n_folders)
        continue;
      r = compare (a, b, i < n_folders ? SUPA_FOLDER_SORT_NAME : sort);
      if (descending)
        r = -r;
      if (r >= 0)
        g_error ("entries %u (%s) and %u (%s) out of order", i - 1, supa_object_info_get_name (a),
                 i, supa_object_info_get_name (b));
    }
}

static void
create_bucket (const char *id)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;

  supa_storage_create_bucket_async (storage, id, NULL, NULL, test_store_result_cb, &result);
  g_assert_true (supa_storage_create_bucket_finish (storage, test_wait_result (&result), &error));
  g_assert_no_error (error);
}

static void
setup_folder (void)
{
  g_autofree char *count = NULL;

  create_bucket ("fm");
  /* The bytes are never read here: rows are enough for a listing. */
  count = supa_test_server_sql (server,
    "INSERT INTO storage.objects (bucket_id, name, version, metadata, updated_at) "
    "SELECT 'fm', format('dir/file-%s.%s', lpad(i::text, 4, '0'), (ARRAY['txt','png','json'])[i % 3 + 1]), "
    "       gen_random_uuid()::text, "
    "       jsonb_build_object('size', (i * 7919) % 100003, "
    "                          'mimetype', (ARRAY['text/plain','image/png','application/json'])[i % 3 + 1], "
    "                          'eTag', md5(i::text), 'cacheControl', 'max-age=3600'), "
    "       now() - make_interval(secs => (i * 37) % 2503) "
    "FROM generate_series(0, 2499) AS i;"
    "INSERT INTO storage.objects (bucket_id, name, version, metadata) VALUES "
    "  ('fm', 'dir/.emptyFolderPlaceholder', 'v', '{\"size\":0,\"mimetype\":\"application/octet-stream\"}'),"
    "  ('fm', 'dir/sub-a/one.txt', 'v', '{\"size\":3,\"mimetype\":\"text/plain\"}'),"
    "  ('fm', 'dir/sub-b/two.txt', 'v', '{\"size\":3,\"mimetype\":\"text/plain\"}'),"
    "  ('fm', 'dir/sub-c/.emptyFolderPlaceholder', 'v', '{\"size\":0,\"mimetype\":\"application/octet-stream\"}');"
    "SELECT count(*) FROM storage.objects WHERE bucket_id = 'fm'");
  g_assert_cmpstr (count, ==, "2504");
}

/* --- tests -------------------------------------------------------------- */

static void
test_all_pages (void)
{
  g_autoptr(SupaFolderModel) model = supa_folder_model_new (storage, "fm", "/dir/");
  g_autoptr(GHashTable) names = g_hash_table_new (g_str_hash, g_str_equal);
  Changes changes = { 0, };
  guint n;

  g_signal_connect (model, "items-changed", G_CALLBACK (items_changed_cb), &changes);
  g_assert_true (supa_folder_model_get_loading (model));
  wait_loaded (model);

  g_assert_no_error ((GError *) supa_folder_model_get_error (model));
  g_assert_true (supa_folder_model_get_complete (model));
  g_assert_cmpstr (supa_folder_model_get_prefix (model), ==, "dir");
  n = g_list_model_get_n_items (G_LIST_MODEL (model));
  g_assert_cmpuint (n, ==, N_FILES + 3);
  /* Appended page after page: a few emissions, not one per entry. */
  g_assert_cmpuint (changes.n_emissions, >=, 3);
  g_assert_cmpuint (changes.n_emissions, <=, 4);

  g_assert_cmpstr (supa_object_info_get_name (item (model, 0)), ==, "sub-a");
  g_assert_cmpstr (supa_object_info_get_name (item (model, 1)), ==, "sub-b");
  g_assert_cmpstr (supa_object_info_get_name (item (model, 2)), ==, "sub-c");
  for (guint i = 0; i < n; i++)
    {
      const char *name = supa_object_info_get_name (item (model, i));

      g_assert_cmpstr (name, !=, ".emptyFolderPlaceholder");
      g_assert_false (g_hash_table_contains (names, name));
      g_hash_table_add (names, (gpointer) name);
    }
  assert_order (model, SUPA_FOLDER_SORT_NAME, FALSE, 3);

  {
    g_autofree char *path = supa_folder_model_dup_path (model, item (model, 3));

    g_assert_cmpstr (path, ==, "dir/file-0000.txt");
  }
}

static void
test_sort (void)
{
  g_autoptr(SupaFolderModel) model = supa_folder_model_new (storage, "fm", "dir");
  const SupaFolderSort sorts[] = { SUPA_FOLDER_SORT_SIZE, SUPA_FOLDER_SORT_TYPE,
                                   SUPA_FOLDER_SORT_MODIFIED, SUPA_FOLDER_SORT_NAME };

  wait_loaded (model);
  for (guint s = 0; s < G_N_ELEMENTS (sorts); s++)
    for (guint d = 0; d < 2; d++)
      {
        Changes changes = { 0, };
        gulong id = g_signal_connect (model, "items-changed", G_CALLBACK (items_changed_cb), &changes);

        supa_folder_model_set_sort (model, sorts[s], d == 1);
        g_signal_handler_disconnect (model, id);
        g_assert_cmpint (supa_folder_model_get_sort (model), ==, sorts[s]);
        g_assert_cmpint (supa_folder_model_get_descending (model), ==, d == 1);
        g_assert_cmpuint (changes.n_emissions, ==, 1);
        g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (model)), ==, N_FILES + 3);
        assert_order (model, sorts[s], d == 1, 3);
      }

  /* Sorted by size descending before loading: pages merge in that order. */
  {
    g_autoptr(SupaFolderModel) sized = supa_folder_model_new (storage, "fm", "dir");

    supa_folder_model_set_sort (sized, SUPA_FOLDER_SORT_SIZE, TRUE);
    wait_loaded (sized);
    g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (sized)), ==, N_FILES + 3);
    assert_order (sized, SUPA_FOLDER_SORT_SIZE, TRUE, 3);
  }
}

static void
test_search_and_reload (void)
{
  g_autoptr(SupaFolderModel) model = supa_folder_model_new (storage, "fm", "dir");
  g_autoptr(GFile) file = NULL;
  g_autoptr(GFileIOStream) stream = NULL;
  g_autoptr(SupaUpload) upload = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *key = NULL;
  gboolean found = FALSE;
  guint n;

  wait_loaded (model);

  supa_folder_model_set_search (model, "FILE-00");
  g_assert_cmpstr (supa_folder_model_get_search (model), ==, "FILE-00");
  g_assert_true (supa_folder_model_get_loading (model));
  wait_loaded (model);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (model)), ==, 100);
  for (guint i = 0; i < 100; i++)
    g_assert_true (g_str_has_prefix (supa_object_info_get_name (item (model, i)), "file-00"));

  supa_folder_model_set_search (model, "sub");
  wait_loaded (model);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (model)), ==, 3);

  supa_folder_model_set_search (model, "");
  g_assert_null (supa_folder_model_get_search (model));
  wait_loaded (model);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (model)), ==, N_FILES + 3);

  /* Upload a file through the API, then reload. */
  file = g_file_new_tmp ("fm-XXXXXX.txt", &stream, &error);
  g_assert_no_error (error);
  g_assert_true (g_file_replace_contents (file, "hello", 5, NULL, FALSE, 0, NULL, NULL, &error));
  upload = supa_upload_new (client, "fm", "dir/Zebra new.txt", file);
  supa_upload_start_async (upload, NULL, test_store_result_cb, &result);
  key = supa_upload_start_finish (upload, test_wait_result (&result), &error);
  g_assert_no_error (error);

  supa_folder_model_reload (model);
  wait_loaded (model);
  n = g_list_model_get_n_items (G_LIST_MODEL (model));
  g_assert_cmpuint (n, ==, N_FILES + 4);
  for (guint i = 0; i < n; i++)
    if (g_str_equal (supa_object_info_get_name (item (model, i)), "Zebra new.txt"))
      {
        g_assert_cmpint (supa_object_info_get_size (item (model, i)), ==, 5);
        found = TRUE;
      }
  g_assert_true (found);
  assert_order (model, SUPA_FOLDER_SORT_NAME, FALSE, 3);
  g_file_delete (file, NULL, NULL);
}

static void
test_root_and_subfolder (void)
{
  g_autoptr(SupaFolderModel) root = supa_folder_model_new (storage, "fm", NULL);
  g_autoptr(SupaFolderModel) empty = supa_folder_model_new (storage, "fm", "dir/sub-c");

  wait_loaded (root);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (root)), ==, 1);
  g_assert_true (supa_object_info_get_is_folder (item (root, 0)));
  g_assert_cmpstr (supa_object_info_get_name (item (root, 0)), ==, "dir");

  /* Only a placeholder: an existing, empty folder. */
  wait_loaded (empty);
  g_assert_no_error ((GError *) supa_folder_model_get_error (empty));
  g_assert_true (supa_folder_model_get_complete (empty));
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (empty)), ==, 0);
}

static void
set_faults (const char *body)
{
  const char *headers[] = { "apikey", server->service_role_key, NULL };
  g_autoptr(SupaTestResponse) r = NULL;

  r = supa_test_request (server, body != NULL ? "POST" : "DELETE", "/__local/faults", headers,
                         body != NULL ? "application/json" : NULL, body, -1);
  g_assert_cmpuint (r->status, ==, 200);
}

/* A failed reload keeps the rows on screen and reports the server's
 * message; the next reload recovers. (Storage lists a missing bucket as
 * empty, so the failure is injected.) */
static gboolean
quit_cb (gpointer data)
{
  *(gboolean *) data = TRUE;
  return G_SOURCE_REMOVE;
}

/* A view dropping the model mid-load: the paging stops, nothing touches
 * the freed model, and a cancelled model keeps its rows. */
static void
test_drop_and_cancel (void)
{
  SupaFolderModel *dropped = supa_folder_model_new (storage, "fm", "dir");
  g_autoptr(SupaFolderModel) cancelled = supa_folder_model_new (storage, "fm", "dir");
  GWeakRef weak;
  gboolean done = FALSE;

  g_weak_ref_init (&weak, dropped);
  g_assert_true (supa_folder_model_get_loading (dropped));
  g_object_unref (dropped);
  g_assert_null (g_weak_ref_get (&weak));
  g_weak_ref_clear (&weak);

  supa_folder_model_cancel (cancelled);
  g_assert_false (supa_folder_model_get_loading (cancelled));
  g_assert_false (supa_folder_model_get_complete (cancelled));

  g_timeout_add (500, quit_cb, &done);
  while (!done)
    g_main_context_iteration (NULL, TRUE);
  g_assert_false (supa_folder_model_get_loading (cancelled));
  g_assert_false (supa_folder_model_get_complete (cancelled));
  g_assert_null (supa_folder_model_get_error (cancelled));

  supa_folder_model_reload (cancelled);
  wait_loaded (cancelled);
  g_assert_true (supa_folder_model_get_complete (cancelled));
}

static void
test_error (void)
{
  g_autoptr(SupaFolderModel) model = supa_folder_model_new (storage, "fm", "dir");
  const GError *error;

  wait_loaded (model);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (model)), ==, N_FILES + 4);

  set_faults ("{\"faults\":[\"status:code=503,prefix=/storage/v1/object/list,count=1\"]}");
  supa_folder_model_reload (model);
  wait_loaded (model);
  set_faults (NULL);

  error = supa_folder_model_get_error (model);
  g_assert_nonnull (error);
  g_assert_true (error->domain == SUPA_ERROR);
  g_assert_cmpstr (error->message, ==, "supabase-local fault: status 503");
  g_assert_false (supa_folder_model_get_complete (model));
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (model)), ==, N_FILES + 4);

  supa_folder_model_reload (model);
  wait_loaded (model);
  g_assert_null (supa_folder_model_get_error (model));
  g_assert_true (supa_folder_model_get_complete (model));
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (model)), ==, N_FILES + 4);
}

int
main (int   argc,
      char *argv[])
{
  int ret;

  test_init (&argc, &argv);

  server = supa_test_server_start ("empty", NULL);
  client = supa_client_new (server->url, server->service_role_key, NULL);
  storage = supa_storage_new (client);
  setup_folder ();

  g_test_add_func ("/folder-model/all-pages", test_all_pages);
  g_test_add_func ("/folder-model/sort", test_sort);
  g_test_add_func ("/folder-model/search-and-reload", test_search_and_reload);
  g_test_add_func ("/folder-model/root-and-subfolder", test_root_and_subfolder);
  g_test_add_func ("/folder-model/drop-and-cancel", test_drop_and_cancel);
  g_test_add_func ("/folder-model/error", test_error);

  ret = g_test_run ();

  g_clear_object (&storage);
  g_clear_object (&client);
  supa_test_server_stop (server);

  return ret;
}
