/* test-profile-store.c — SupaProfileStore with a private gnome-keyring
 *
 * Runs under tests/harness/keyring-session.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "supa-profile-store.h"
#include "supa-error.h"
#include "test-util.h"

#include <glib/gstdio.h>
#include <sys/stat.h>

typedef struct
{
  guint position;
  guint removed;
  guint added;
} Change;

typedef struct
{
  SupaKeyring      *keyring;
  SupaProfileStore *store;
  char             *path;
  GArray           *changes;
} Fixture;

static void
items_changed_cb (GListModel *model,
                  guint       position,
                  guint       removed,
                  guint       added,
                  gpointer    user_data)
{
  Fixture *fixture = user_data;
  Change change = { position, removed, added };

  g_array_append_val (fixture->changes, change);
}

static void
fixture_setup (Fixture       *fixture,
               gconstpointer  data)
{
  fixture->keyring = supa_keyring_new ();
  fixture->path = g_build_filename (g_get_user_config_dir (), "supadesk", "profiles.ini", NULL);
  fixture->store = supa_profile_store_new (NULL, fixture->keyring);
  fixture->changes = g_array_new (FALSE, TRUE, sizeof (Change));
  g_signal_connect (fixture->store, "items-changed", G_CALLBACK (items_changed_cb), fixture);
}

static void
fixture_teardown (Fixture       *fixture,
                  gconstpointer  data)
{
  g_clear_object (&fixture->store);
  g_clear_object (&fixture->keyring);
  g_clear_pointer (&fixture->path, g_free);
  g_clear_pointer (&fixture->changes, g_array_unref);
}

static gboolean
save_sync (SupaProfileStore  *store,
           SupaProfile       *profile,
           const char        *key,
           GError           **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  supa_profile_store_save_async (store, profile, key, NULL, test_store_result_cb, &result);
  return supa_profile_store_save_finish (store, test_wait_result (&result), error);
}

static gboolean
remove_sync (SupaProfileStore  *store,
             SupaProfile       *profile,
             GError           **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  supa_profile_store_remove_async (store, profile, NULL, test_store_result_cb, &result);
  return supa_profile_store_remove_finish (store, test_wait_result (&result), error);
}

static SupaProfile *
duplicate_sync (SupaProfileStore  *store,
                SupaProfile       *profile,
                GError           **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  supa_profile_store_duplicate_async (store, profile, NULL, test_store_result_cb, &result);
  return supa_profile_store_duplicate_finish (store, test_wait_result (&result), error);
}

static char *
lookup_key_sync (SupaProfileStore  *store,
                 SupaProfile       *profile,
                 GError           **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  supa_profile_store_lookup_key_async (store, profile, NULL, test_store_result_cb, &result);
  return supa_profile_store_lookup_key_finish (store, test_wait_result (&result), error);
}

static char *
direct_lookup_any (const char *profile_id)
{
  g_autoptr(GError) error = NULL;
  char *secret = secret_password_lookup_sync (supa_keyring_get_schema (), NULL, &error,
                                              "profile", profile_id, NULL);
  g_assert_no_error (error);
  return secret;
}

static SupaProfile *
new_profile (const char *name,
             const char *url)
{
  SupaProfile *profile = supa_profile_new (NULL);

  supa_profile_set_name (profile, name);
  supa_profile_set_url (profile, url);
  return profile;
}

static char *
read_file (const char *path)
{
  g_autoptr(GError) error = NULL;
  char *contents = NULL;

  g_file_get_contents (path, &contents, NULL, &error);
  g_assert_no_error (error);
  return contents;
}

static void
assert_names (SupaProfileStore *store,
              const char       *first,
              ...)
{
  va_list args;
  const char *name = first;
  guint i = 0;

  va_start (args, first);
  for (; name != NULL; name = va_arg (args, const char *), i++)
    {
      g_autoptr(SupaProfile) profile = g_list_model_get_item (G_LIST_MODEL (store), i);
      g_assert_nonnull (profile);
      g_assert_cmpstr (supa_profile_get_name (profile), ==, name);
    }
  va_end (args);

  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (store)), ==, i);
}

static void
test_save_and_lookup (Fixture       *fixture,
                      gconstpointer  data)
{
  g_autoptr(SupaProfile) staging = new_profile ("Staging", "https://abcdefghijklmnopqrst.supabase.co");
  g_autoptr(SupaProfile) local = new_profile ("alpha local", "http://127.0.0.1:54321");
  g_autofree char *key = test_make_role_jwt ("service_role");
  g_autofree char *key2 = test_make_sb_key ("sb_publishable_");
  g_autofree char *contents = NULL;
  g_autofree char *dir = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) key_parts = NULL;
  GStatBuf st;
  char *found;

  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (fixture->store)), ==, 0);
  g_assert_true (supa_profile_store_load (fixture->store, &error));   /* missing file: empty */
  g_assert_no_error (error);

  supa_profile_set_tag (staging, SUPA_PROFILE_TAG_PRODUCTION);
  supa_profile_set_color (staging, "red");
  g_assert_true (save_sync (fixture->store, staging, key, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (fixture->changes->len, ==, 1);
  g_assert_cmpuint (g_array_index (fixture->changes, Change, 0).position, ==, 0);
  g_assert_cmpuint (g_array_index (fixture->changes, Change, 0).added, ==, 1);
  /* the role comes from the key that was saved */
  g_assert_cmpstr (supa_profile_get_role (staging), ==, "service_role");
  g_assert_true (supa_profile_bypasses_rls (staging));
  g_assert_true (supa_profile_is_production (staging));

  /* sorted by name, case-insensitively: "alpha local" goes first */
  g_assert_true (save_sync (fixture->store, local, key2, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (fixture->changes->len, ==, 2);
  g_assert_cmpuint (g_array_index (fixture->changes, Change, 1).position, ==, 0);
  assert_names (fixture->store, "alpha local", "Staging", NULL);
  g_assert_cmpstr (supa_profile_get_role (local), ==, "publishable");
  g_assert_true (supa_profile_store_find_by_name (fixture->store, "STAGING") == staging);
  g_assert_true (supa_profile_store_find_by_id (fixture->store, supa_profile_get_id (local)) == local);

  /* the file: private, complete, and without any secret */
  g_assert_cmpint (g_stat (fixture->path, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0600);
  dir = g_path_get_dirname (fixture->path);
  g_assert_cmpint (g_stat (dir, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0700);

  contents = read_file (fixture->path);
  g_test_message ("%s", contents);
  g_assert_nonnull (strstr (contents, "[profile "));
  g_assert_nonnull (strstr (contents, supa_profile_get_id (staging)));
  g_assert_nonnull (strstr (contents, "Name=Staging"));
  g_assert_nonnull (strstr (contents, "Url=https://abcdefghijklmnopqrst.supabase.co"));
  g_assert_nonnull (strstr (contents, "Role=service_role"));
  g_assert_nonnull (strstr (contents, "Tag=production"));
  g_assert_nonnull (strstr (contents, "Color=red"));
  g_assert_null (strstr (contents, key));
  g_assert_null (strstr (contents, key2));
  key_parts = g_strsplit (key, ".", -1);
  for (guint i = 0; key_parts[i]; i++)
    g_assert_null (strstr (contents, key_parts[i]));
  g_assert_null (strstr (contents, key2 + strlen ("sb_publishable_")));

  found = lookup_key_sync (fixture->store, staging, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (found, ==, key);
  supa_keyring_free_secret (found);
  found = lookup_key_sync (fixture->store, local, &error);
  g_assert_cmpstr (found, ==, key2);
  supa_keyring_free_secret (found);

  /* rename through an edited copy; the object in the model follows */
  {
    g_autoptr(SupaProfile) edit = supa_profile_copy (staging, NULL);

    g_array_set_size (fixture->changes, 0);
    supa_profile_set_name (edit, "Beta");
    g_assert_true (save_sync (fixture->store, edit, NULL, &error));
    g_assert_no_error (error);
    g_assert_cmpstr (supa_profile_get_name (staging), ==, "Beta");
    assert_names (fixture->store, "alpha local", "Beta", NULL);
    /* still second: no move */
    g_assert_cmpuint (fixture->changes->len, ==, 0);

    supa_profile_set_name (edit, "0 first");
    g_assert_true (save_sync (fixture->store, edit, NULL, &error));
    assert_names (fixture->store, "0 first", "alpha local", NULL);
    g_assert_cmpuint (fixture->changes->len, ==, 2);
    g_assert_cmpuint (g_array_index (fixture->changes, Change, 0).position, ==, 1);
    g_assert_cmpuint (g_array_index (fixture->changes, Change, 0).removed, ==, 1);
    g_assert_cmpuint (g_array_index (fixture->changes, Change, 1).position, ==, 0);
    g_assert_cmpuint (g_array_index (fixture->changes, Change, 1).added, ==, 1);

    /* the key survived the rename, and the role was kept */
    found = lookup_key_sync (fixture->store, staging, &error);
    g_assert_cmpstr (found, ==, key);
    supa_keyring_free_secret (found);
    g_assert_cmpstr (supa_profile_get_role (staging), ==, "service_role");
  }
}

static void
test_unique_names (Fixture       *fixture,
                   gconstpointer  data)
{
  g_autoptr(SupaProfile) first = new_profile ("Production", "https://a.example");
  g_autoptr(SupaProfile) second = new_profile ("PRODUCTION", "https://b.example");
  g_autoptr(SupaProfile) unnamed = new_profile (NULL, "https://c.example");
  g_autofree char *key = test_make_role_jwt ("anon");
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;
  g_autoptr(GError) error = NULL;
  char *leftover;

  g_assert_true (save_sync (fixture->store, first, key, &error));
  before = read_file (fixture->path);

  g_assert_false (save_sync (fixture->store, second, key, &error));
  g_assert_error (error, SUPA_ERROR, SUPA_ERROR_CONFLICT);
  g_assert_cmpstr (error->message, ==, "A connection named “PRODUCTION” already exists. Choose another name.");
  g_clear_error (&error);

  /* nothing happened: no item, no keyring entry, same file */
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (fixture->store)), ==, 1);
  leftover = direct_lookup_any (supa_profile_get_id (second));
  g_assert_null (leftover);
  after = read_file (fixture->path);
  g_assert_cmpstr (before, ==, after);

  g_assert_false (save_sync (fixture->store, unnamed, NULL, &error));
  g_assert_error (error, SUPA_ERROR, SUPA_ERROR_INVALID_INPUT);

  /* saving a profile under its own name again is not a conflict */
  g_clear_error (&error);
  g_assert_true (save_sync (fixture->store, first, NULL, &error));
  g_assert_no_error (error);
}

static void
test_duplicate_and_remove (Fixture       *fixture,
                           gconstpointer  data)
{
  g_autoptr(SupaProfile) original = new_profile ("Dev", "https://dev.example");
  g_autoptr(SupaProfile) copy1 = NULL;
  g_autoptr(SupaProfile) copy2 = NULL;
  g_autofree char *key = test_make_sb_key ("sb_secret_");
  g_autofree char *refresh = test_make_sb_key ("rt-");
  g_autofree char *contents = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  char *found;

  supa_profile_set_color (original, "green");
  g_assert_true (save_sync (fixture->store, original, key, &error));

  copy1 = duplicate_sync (fixture->store, original, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (supa_profile_get_name (copy1), ==, "Dev (copy)");
  g_assert_cmpstr (supa_profile_get_url (copy1), ==, "https://dev.example");
  g_assert_cmpstr (supa_profile_get_color (copy1), ==, "green");
  g_assert_cmpstr (supa_profile_get_role (copy1), ==, "secret");
  g_assert_cmpstr (supa_profile_get_id (copy1), !=, supa_profile_get_id (original));
  found = lookup_key_sync (fixture->store, copy1, &error);
  g_assert_cmpstr (found, ==, key);
  supa_keyring_free_secret (found);

  copy2 = duplicate_sync (fixture->store, original, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (supa_profile_get_name (copy2), ==, "Dev (copy 2)");
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (fixture->store)), ==, 3);
  g_assert_true (supa_profile_store_find_by_name (fixture->store, "Dev (copy)") == copy1);
  g_assert_true (supa_profile_store_find_by_name (fixture->store, "Dev (copy 2)") == copy2);

  /* remove takes every secret of the profile with it */
  supa_keyring_store_async (fixture->keyring, supa_profile_get_id (copy1), SUPA_SECRET_REFRESH_TOKEN,
                            "test refresh token", refresh, NULL, test_store_result_cb, &result);
  g_assert_true (supa_keyring_store_finish (fixture->keyring, test_wait_result (&result), &error));

  {
    guint position = G_MAXUINT;

    for (guint i = 0; i < 3; i++)
      {
        g_autoptr(SupaProfile) p = g_list_model_get_item (G_LIST_MODEL (fixture->store), i);
        if (p == copy1)
          position = i;
      }

    g_array_set_size (fixture->changes, 0);
    g_assert_true (remove_sync (fixture->store, copy1, &error));
    g_assert_no_error (error);
    g_assert_cmpuint (fixture->changes->len, ==, 1);
    g_assert_cmpuint (g_array_index (fixture->changes, Change, 0).position, ==, position);
  }
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (fixture->store)), ==, 2);
  g_assert_null (supa_profile_store_find_by_name (fixture->store, "Dev (copy)"));
  g_assert_cmpuint (g_array_index (fixture->changes, Change, 0).removed, ==, 1);
  g_assert_null (direct_lookup_any (supa_profile_get_id (copy1)));
  contents = read_file (fixture->path);
  g_assert_null (strstr (contents, supa_profile_get_id (copy1)));
  g_assert_nonnull (strstr (contents, supa_profile_get_id (copy2)));

  /* the others keep their keys */
  found = lookup_key_sync (fixture->store, copy2, &error);
  g_assert_cmpstr (found, ==, key);
  supa_keyring_free_secret (found);

  /* a profile without a key says so */
  g_assert_true (remove_sync (fixture->store, original, &error));
  found = lookup_key_sync (fixture->store, original, &error);
  g_assert_null (found);
  g_assert_error (error, SUPA_ERROR, SUPA_ERROR_KEYRING);
  g_assert_cmpstr (error->message, ==, "No API key is stored for “Dev”. Edit the connection and enter the key again.");
}

static void
test_load (Fixture       *fixture,
           gconstpointer  data)
{
  g_autoptr(SupaProfileStore) reloaded = NULL;
  g_autoptr(SupaProfile) a = new_profile ("zeta", "https://z.example");
  g_autoptr(SupaProfile) b = new_profile ("Eta", "https://e.example");
  g_autoptr(GError) error = NULL;
  g_autofree char *key = test_make_role_jwt ("anon");
  SupaProfile *loaded;
  char *found;

  supa_profile_set_tag (a, "staging");
  g_assert_true (save_sync (fixture->store, a, key, &error));
  g_assert_true (save_sync (fixture->store, b, NULL, &error));
  g_assert_no_error (error);

  reloaded = supa_profile_store_new (fixture->path, fixture->keyring);
  g_signal_connect (reloaded, "items-changed", G_CALLBACK (items_changed_cb), fixture);
  g_array_set_size (fixture->changes, 0);
  g_assert_true (supa_profile_store_load (reloaded, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (fixture->changes->len, ==, 1);
  g_assert_cmpuint (g_array_index (fixture->changes, Change, 0).added, ==, 2);
  assert_names (reloaded, "Eta", "zeta", NULL);

  loaded = supa_profile_store_find_by_id (reloaded, supa_profile_get_id (a));
  g_assert_nonnull (loaded);
  g_assert_cmpstr (supa_profile_get_url (loaded), ==, "https://z.example");
  g_assert_cmpstr (supa_profile_get_tag (loaded), ==, "staging");
  g_assert_cmpstr (supa_profile_get_role (loaded), ==, "anon");
  g_assert_null (supa_profile_get_color (loaded));

  found = lookup_key_sync (reloaded, loaded, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (found, ==, key);
  supa_keyring_free_secret (found);
}

static void
test_corrupt_file (Fixture       *fixture,
                   gconstpointer  data)
{
  const char *garbage = "[profile 1234\nName=broken\n\x01\x02 not a key file";
  g_autofree char *dir = g_path_get_dirname (fixture->path);
  g_autofree char *after = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
  g_assert_true (g_file_set_contents (fixture->path, garbage, -1, NULL));

  g_assert_false (supa_profile_store_load (fixture->store, &error));
  g_assert_error (error, SUPA_ERROR, SUPA_ERROR_INVALID_INPUT);
  g_assert_true (g_str_has_prefix (error->message, "The saved connections in "));
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (fixture->store)), ==, 0);

  after = read_file (fixture->path);
  g_assert_cmpstr (after, ==, garbage);
}

/* Last in the program: a locked collection cannot be unlocked again
 * without a prompter. */
static void
test_locked_keyring (Fixture       *fixture,
                     gconstpointer  data)
{
  g_autoptr(SupaProfile) kept = new_profile ("Kept", "https://kept.example");
  g_autoptr(SupaProfile) refused = new_profile ("Refused", "https://refused.example");
  g_autofree char *key = test_make_role_jwt ("anon");
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(SecretService) service = NULL;
  g_autoptr(SecretCollection) collection = NULL;
  GList *to_lock;

  g_assert_true (save_sync (fixture->store, kept, key, &error));
  g_assert_no_error (error);
  before = read_file (fixture->path);

  service = secret_service_get_sync (SECRET_SERVICE_NONE, NULL, &error);
  g_assert_no_error (error);
  collection = secret_collection_for_alias_sync (service, SECRET_COLLECTION_DEFAULT,
                                                 SECRET_COLLECTION_NONE, NULL, &error);
  g_assert_no_error (error);
  to_lock = g_list_append (NULL, collection);
  g_assert_cmpint (secret_service_lock_sync (service, to_lock, NULL, NULL, &error), ==, 1);
  g_list_free (to_lock);

  g_array_set_size (fixture->changes, 0);
  g_assert_false (save_sync (fixture->store, refused, key, &error));
  g_assert_error (error, SUPA_ERROR, SUPA_ERROR_KEYRING);
  g_assert_cmpstr (error->message, ==, "The system keyring is locked. Unlock it (for example in Passwords and Keys) and try again.");
  g_clear_error (&error);
  g_assert_cmpuint (fixture->changes->len, ==, 0);
  assert_names (fixture->store, "Kept", NULL);
  g_assert_null (supa_profile_store_find_by_id (fixture->store, supa_profile_get_id (refused)));
  after = read_file (fixture->path);
  g_assert_cmpstr (before, ==, after);

  /* removing needs the keyring too: the profile stays */
  g_assert_false (remove_sync (fixture->store, kept, &error));
  g_assert_error (error, SUPA_ERROR, SUPA_ERROR_KEYRING);
  g_assert_true (g_str_has_prefix (error->message, "The connection “Kept” was kept because its secrets could not be removed."));
  g_assert_nonnull (strstr (error->message, "locked"));
  g_clear_error (&error);
  assert_names (fixture->store, "Kept", NULL);
  g_clear_pointer (&after, g_free);
  after = read_file (fixture->path);
  g_assert_cmpstr (before, ==, after);

  /* duplicating reads the key first: refused as well */
  {
    g_autoptr(SupaProfile) dup = duplicate_sync (fixture->store, kept, &error);
    g_assert_null (dup);
    g_assert_error (error, SUPA_ERROR, SUPA_ERROR_KEYRING);
    assert_names (fixture->store, "Kept", NULL);
  }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add ("/profile-store/save-and-lookup", Fixture, NULL, fixture_setup, test_save_and_lookup, fixture_teardown);
  g_test_add ("/profile-store/unique-names", Fixture, NULL, fixture_setup, test_unique_names, fixture_teardown);
  g_test_add ("/profile-store/duplicate-and-remove", Fixture, NULL, fixture_setup, test_duplicate_and_remove, fixture_teardown);
  g_test_add ("/profile-store/load", Fixture, NULL, fixture_setup, test_load, fixture_teardown);
  g_test_add ("/profile-store/corrupt-file", Fixture, NULL, fixture_setup, test_corrupt_file, fixture_teardown);
  g_test_add ("/profile-store/zz-locked-keyring", Fixture, NULL, fixture_setup, test_locked_keyring, fixture_teardown);

  return g_test_run ();
}
