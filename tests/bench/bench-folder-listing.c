/* bench-folder-listing.c — SupaFolderModel over a folder of 10,000 objects.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The bucket file manager's target: "A folder of 10,000 objects lists in
 * under 2 s". The objects are rows inserted into storage.objects (a
 * listing never reads the bytes), in folder `big/` of a bucket made with
 * SupaStorage. Timed: supa_folder_model_new() until "complete" with all
 * 10,000 entries (judged, three times: cold, then twice more; the worst
 * counts), the first entries' arrival (report only), and a re-sort by size
 * (report only; must be correct). The main-loop stall monitor runs during
 * the listing (report only).
 */

#define G_LOG_DOMAIN "bench-folder-listing"

#include "config.h"

#include "app-bench.h"
#include "bench-common.h"
#include "supa-folder-model.h"
#include "supa-storage.h"
#include "supa-test-server.h"

#include <stdio.h>

#define N_OBJECTS  10000
#define N_ROUNDS   3
#define BUCKET     "listing"
#define TARGET_S   2.0
#define WAIT_S     60.0

typedef struct
{
  SupaFolderModel *model;
  double           t0;
  double           first_items_s;
  guint            n_changes;
} Listing;

static void
items_changed_cb (GListModel *list,
                  guint       position,
                  guint       removed,
                  guint       added,
                  Listing    *listing)
{
  if (listing->n_changes++ == 0)
    listing->first_items_s = bench_now () - listing->t0;
}

static gboolean
listing_done (gpointer data)
{
  SupaFolderModel *model = data;

  return !supa_folder_model_get_loading (model) &&
         (supa_folder_model_get_complete (model) || supa_folder_model_get_error (model) != NULL);
}

static gboolean
setup_objects (Bench          *bench,
               SupaTestServer *server,
               SupaStorage    *storage)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *count = NULL;

  supa_storage_create_bucket_async (storage, BUCKET, NULL, NULL, app_bench_store_result_cb, &result);
  if (!supa_storage_create_bucket_finish (storage, app_bench_wait_result (&result), &error))
    {
      bench_miss (bench, "cannot create the bucket: %s", error->message);
      return FALSE;
    }
  count = supa_test_server_sql (server,
    "INSERT INTO storage.objects (bucket_id, name, version, metadata, updated_at) "
    "SELECT '" BUCKET "', format('big/file-%s.%s', lpad(i::text, 5, '0'), (ARRAY['txt','png','json'])[i % 3 + 1]), "
    "       gen_random_uuid()::text, "
    "       jsonb_build_object('size', (i * 7919) % 1000003, "
    "                          'mimetype', (ARRAY['text/plain','image/png','application/json'])[i % 3 + 1], "
    "                          'eTag', md5(i::text), 'cacheControl', 'max-age=3600'), "
    "       now() - make_interval(secs => (i * 37) % 10007) "
    "FROM generate_series(0, 9999) AS i;"
    "ANALYZE storage.objects;"
    "SELECT count(*) FROM storage.objects WHERE bucket_id = '" BUCKET "' AND name LIKE 'big/%'");
  if (g_strcmp0 (count, "10000") != 0)
    {
      bench_miss (bench, "inserting the objects gave %s rows", count ? count : "no");
      return FALSE;
    }
  return TRUE;
}

/* The listing holds exactly file-00000 … file-09999 (by name). */
static gboolean
check_listing (Bench           *bench,
               SupaFolderModel *model)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (model));
  g_autoptr(GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  if (supa_folder_model_get_error (model) != NULL)
    {
      bench_miss (bench, "the listing failed: %s", supa_folder_model_get_error (model)->message);
      return FALSE;
    }
  if (n != N_OBJECTS)
    {
      bench_miss (bench, "the listing has %u entries, expected %d", n, N_OBJECTS);
      return FALSE;
    }
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(SupaObjectInfo) info = g_list_model_get_item (G_LIST_MODEL (model), i);
      const char *name = supa_object_info_get_name (info);

      if (supa_object_info_get_is_folder (info) || !g_str_has_prefix (name, "file-") ||
          !g_hash_table_add (seen, g_strndup (name, 10)))
        {
          bench_miss (bench, "entry %u (%s) is not one of the 10,000 files, or a duplicate", i, name);
          return FALSE;
        }
    }
  return TRUE;
}

static gboolean
check_size_order (Bench           *bench,
                  SupaFolderModel *model)
{
  gint64 previous = -1;

  for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (model)); i++)
    {
      g_autoptr(SupaObjectInfo) info = g_list_model_get_item (G_LIST_MODEL (model), i);
      gint64 size = supa_object_info_get_size (info);

      if (size < previous)
        {
          bench_miss (bench, "after sorting by size, entry %u (%" G_GINT64_FORMAT " bytes) follows %"
                      G_GINT64_FORMAT " bytes", i, size, previous);
          return FALSE;
        }
      previous = size;
    }
  return TRUE;
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(Bench) bench = bench_new ("folder-listing");
  g_autoptr(SupaClient) client = NULL;
  g_autoptr(SupaStorage) storage = NULL;
  g_autoptr(JsonBuilder) builder = NULL;
  g_autoptr(GArray) times = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GArray) firsts = g_array_new (FALSE, FALSE, sizeof (double));
  SupaTestServer *server;
  double sort_s = -1, sort_back_s = -1, worst = 0, stall_wall = 0, stall_app = 0;
  guint n_over = 0, n_changes = 0;

  g_setenv ("GIO_USE_PROXY_RESOLVER", "dummy", TRUE);
  setvbuf (stdout, NULL, _IOLBF, 0);

  server = supa_test_server_start ("empty", NULL);
  client = supa_client_new (server->url, server->service_role_key, NULL);
  storage = supa_storage_new (client);
  if (!setup_objects (bench, server, storage))
    goto out;

  for (guint round = 0; round < N_ROUNDS; round++)
    {
      g_autoptr(AppBenchStall) stall = app_bench_stall_start ();
      g_autoptr(SupaFolderModel) model = NULL;
      Listing listing = { 0 };
      double elapsed, wall, app;
      guint over;

      listing.t0 = bench_now ();
      model = supa_folder_model_new (storage, BUCKET, "big");
      listing.model = model;
      g_signal_connect (model, "items-changed", G_CALLBACK (items_changed_cb), &listing);
      if (!app_bench_wait (listing_done, model, WAIT_S))
        {
          bench_miss (bench, "the listing did not complete within %.0f s", WAIT_S);
          goto out;
        }
      elapsed = bench_now () - listing.t0;
      app_bench_stall_take (stall, &wall, &app, &over);
      stall_wall = MAX (stall_wall, wall);
      stall_app = MAX (stall_app, app);
      n_over += over;
      if (!check_listing (bench, model))
        goto out;
      g_array_append_val (times, elapsed);
      g_array_append_val (firsts, listing.first_items_s);
      n_changes = listing.n_changes;
      printf ("listing %u%s: %u entries complete after %.0f ms (first entries after %.0f ms, "
              "%u items-changed); longest main-loop stall %.1f ms (%.1f ms wall clock)\n",
              round + 1, round == 0 ? " (cold)" : "", g_list_model_get_n_items (G_LIST_MODEL (model)),
              elapsed * 1000, listing.first_items_s * 1000, listing.n_changes, app * 1000, wall * 1000);

      if (round == N_ROUNDS - 1)
        {
          double t0 = bench_now ();

          supa_folder_model_set_sort (model, SUPA_FOLDER_SORT_SIZE, FALSE);
          sort_s = bench_now () - t0;
          if (!check_size_order (bench, model) || !check_listing (bench, model))
            goto out;
          t0 = bench_now ();
          supa_folder_model_set_sort (model, SUPA_FOLDER_SORT_NAME, FALSE);
          sort_back_s = bench_now () - t0;
          printf ("re-sort of %d entries by size: %.1f ms; back by name: %.1f ms\n",
                  N_OBJECTS, sort_s * 1000, sort_back_s * 1000);
        }
    }

  worst = bench_max (times);
  if (worst >= TARGET_S)
    bench_miss (bench, "a listing of %d objects took %.0f ms (target < %.0f ms)", N_OBJECTS,
                worst * 1000, TARGET_S * 1000);

out:
  builder = bench_json_begin (bench);
  bench_json_int (builder, "objects", N_OBJECTS);
  bench_json_ms (builder, "list_cold_ms", times->len > 0 ? g_array_index (times, double, 0) : 0);
  bench_json_ms (builder, "list_max_ms", bench_max (times));
  bench_json_ms (builder, "first_entries_max_ms", bench_max (firsts));
  bench_json_int (builder, "items_changed", n_changes);
  bench_json_ms (builder, "sort_by_size_ms", sort_s);
  bench_json_ms (builder, "sort_by_name_ms", sort_back_s);
  bench_json_ms (builder, "stall_max_ms", stall_app);
  bench_json_ms (builder, "stall_wall_max_ms", stall_wall);
  bench_json_int (builder, "stalls_over_50ms", n_over);

  g_clear_object (&storage);
  g_clear_object (&client);
  supa_test_server_stop (server);
  return bench_finish (bench, builder);
}
