/* test-keyring.c — SupaKeyring against a private gnome-keyring
 *
 * Runs under tests/harness/keyring-session.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "supa-keyring.h"
#include "supa-error.h"
#include "test-util.h"

static gboolean
store_sync (SupaKeyring  *keyring,
            const char   *profile,
            const char   *kind,
            const char   *secret,
            GError      **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  supa_keyring_store_async (keyring, profile, kind, "Supadesk test secret", secret, NULL,
                            test_store_result_cb, &result);
  return supa_keyring_store_finish (keyring, test_wait_result (&result), error);
}

static char *
lookup_sync (SupaKeyring  *keyring,
             const char   *profile,
             const char   *kind,
             GError      **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  supa_keyring_lookup_async (keyring, profile, kind, NULL, test_store_result_cb, &result);
  return supa_keyring_lookup_finish (keyring, test_wait_result (&result), error);
}

static gboolean
clear_sync (SupaKeyring  *keyring,
            const char   *profile,
            const char   *kind,
            GError      **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  supa_keyring_clear_async (keyring, profile, kind, NULL, test_store_result_cb, &result);
  return supa_keyring_clear_finish (keyring, test_wait_result (&result), error);
}

/* Reads a secret with libsecret directly, bypassing SupaKeyring. */
static char *
direct_lookup (const char *profile,
               const char *kind)
{
  g_autoptr(GError) error = NULL;
  char *secret;

  if (kind != NULL)
    secret = secret_password_lookup_sync (supa_keyring_get_schema (), NULL, &error,
                                          "profile", profile, "kind", kind, NULL);
  else
    secret = secret_password_lookup_sync (supa_keyring_get_schema (), NULL, &error,
                                          "profile", profile, NULL);
  g_assert_no_error (error);
  return secret;
}

static void
test_round_trip (void)
{
  g_autoptr(SupaKeyring) keyring = supa_keyring_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *profile = g_uuid_string_random ();
  g_autofree char *other = g_uuid_string_random ();
  g_autofree char *key = test_make_role_jwt ("service_role");
  g_autofree char *key2 = test_make_sb_key ("sb_secret_");
  g_autofree char *password = test_make_sb_key ("pw-");
  char *found;

  /* nothing stored yet: NULL without an error */
  found = lookup_sync (keyring, profile, SUPA_SECRET_API_KEY, &error);
  g_assert_no_error (error);
  g_assert_null (found);

  g_assert_true (store_sync (keyring, profile, SUPA_SECRET_API_KEY, key, &error));
  g_assert_no_error (error);
  g_assert_true (store_sync (keyring, profile, SUPA_SECRET_PASSWORD, password, &error));
  g_assert_true (store_sync (keyring, other, SUPA_SECRET_API_KEY, key2, &error));
  g_assert_no_error (error);

  found = lookup_sync (keyring, profile, SUPA_SECRET_API_KEY, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (found, ==, key);
  supa_keyring_free_secret (found);

  /* storing again replaces */
  g_assert_true (store_sync (keyring, profile, SUPA_SECRET_API_KEY, key2, &error));
  found = lookup_sync (keyring, profile, SUPA_SECRET_API_KEY, &error);
  g_assert_cmpstr (found, ==, key2);
  supa_keyring_free_secret (found);

  /* one kind */
  g_assert_true (clear_sync (keyring, profile, SUPA_SECRET_API_KEY, &error));
  g_assert_no_error (error);
  g_assert_null (direct_lookup (profile, SUPA_SECRET_API_KEY));
  found = direct_lookup (profile, SUPA_SECRET_PASSWORD);
  g_assert_cmpstr (found, ==, password);
  secret_password_free (found);

  /* every kind of a profile, and only that profile */
  g_assert_true (clear_sync (keyring, profile, NULL, &error));
  g_assert_no_error (error);
  g_assert_null (direct_lookup (profile, NULL));
  found = direct_lookup (other, SUPA_SECRET_API_KEY);
  g_assert_cmpstr (found, ==, key2);
  secret_password_free (found);

  /* clearing what is not there is fine */
  g_assert_true (clear_sync (keyring, profile, NULL, &error));
  g_assert_no_error (error);
}

static void
test_default_collection (void)
{
  g_autoptr(SupaKeyring) keyring = supa_keyring_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(SecretService) service = NULL;
  g_autoptr(SecretCollection) collection = NULL;
  g_autofree char *profile = g_uuid_string_random ();
  g_autofree char *key = test_make_sb_key ("sb_publishable_");
  g_autoptr(GHashTable) attributes = NULL;
  GList *items;
  const char *collection_path;

  g_assert_true (store_sync (keyring, profile, SUPA_SECRET_API_KEY, key, &error));
  g_assert_no_error (error);

  service = secret_service_get_sync (SECRET_SERVICE_NONE, NULL, &error);
  g_assert_no_error (error);
  collection = secret_collection_for_alias_sync (service, SECRET_COLLECTION_DEFAULT,
                                                 SECRET_COLLECTION_NONE, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (collection);
  collection_path = g_dbus_proxy_get_object_path (G_DBUS_PROXY (collection));

  attributes = g_hash_table_new (g_str_hash, g_str_equal);
  g_hash_table_insert (attributes, "profile", profile);
  items = secret_service_search_sync (service, supa_keyring_get_schema (), attributes,
                                      SECRET_SEARCH_ALL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_list_length (items), ==, 1);
  g_assert_true (g_str_has_prefix (g_dbus_proxy_get_object_path (items->data), collection_path));
  g_assert_cmpstr (secret_item_get_schema_name (items->data), ==, SUPA_KEYRING_SCHEMA_NAME);
  g_list_free_full (items, g_object_unref);
}

static void
test_map_error (void)
{
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  struct {
    int         code;
    const char *expected_part;
  } cases[] = {
    { G_DBUS_ERROR_SERVICE_UNKNOWN, "No keyring service is running" },
    { G_DBUS_ERROR_NAME_HAS_NO_OWNER, "No keyring service is running" },
    { G_DBUS_ERROR_SPAWN_EXEC_FAILED, "No keyring service is running" },
    { G_DBUS_ERROR_ACCESS_DENIED, "refused the request" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) in = g_error_new_literal (G_DBUS_ERROR, cases[i].code, "raw");
      g_autoptr(GError) out = supa_keyring_map_error (in, NULL);

      g_assert_error (out, SUPA_ERROR, SUPA_ERROR_KEYRING);
      g_assert_nonnull (strstr (out->message, cases[i].expected_part));
    }

  {
    g_autoptr(GError) in = g_error_new_literal (SECRET_ERROR, SECRET_ERROR_IS_LOCKED, "Cannot create an item in a locked collection");
    g_autoptr(GError) out = supa_keyring_map_error (in, NULL);
    g_assert_error (out, SUPA_ERROR, SUPA_ERROR_KEYRING);
    g_assert_cmpstr (out->message, ==, "The system keyring is locked. Unlock it (for example in Passwords and Keys) and try again.");
  }

  {
    g_autoptr(GError) in = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED, "The operation was cancelled");
    g_autoptr(GError) dismissed = supa_keyring_map_error (in, cancellable);
    g_autoptr(GError) cancelled = NULL;

    /* not our cancellable: the unlock prompt was dismissed */
    g_assert_error (dismissed, SUPA_ERROR, SUPA_ERROR_KEYRING);
    g_assert_nonnull (strstr (dismissed->message, "dismissed"));

    g_cancellable_cancel (cancellable);
    cancelled = supa_keyring_map_error (in, cancellable);
    g_assert_error (cancelled, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  }

  {
    g_autoptr(GError) in = g_dbus_error_new_for_dbus_error ("org.freedesktop.DBus.Error.ServiceUnknown",
                                                            "The name org.freedesktop.secrets was not provided by any .service files");
    g_autoptr(GError) out = supa_keyring_map_error (in, NULL);
    g_assert_error (out, SUPA_ERROR, SUPA_ERROR_KEYRING);
    g_assert_nonnull (strstr (out->message, "No keyring service is running"));
  }
}

/* Runs in a subprocess on a bus without any Secret Service. */
static void
test_no_service (void)
{
  if (g_test_subprocess ())
    {
      g_autoptr(GTestDBus) bus = g_test_dbus_new (G_TEST_DBUS_NONE);
      g_autoptr(SupaKeyring) keyring = NULL;
      g_autoptr(GError) error = NULL;
      char *found;

      g_test_dbus_up (bus);
      keyring = supa_keyring_new ();

      g_assert_false (store_sync (keyring, "p", SUPA_SECRET_API_KEY, "not-a-real-secret", &error));
      g_assert_error (error, SUPA_ERROR, SUPA_ERROR_KEYRING);
      g_assert_cmpstr (error->message, ==,
                       "No keyring service is running, so API keys cannot be stored safely. "
                       "Start GNOME Keyring (or another Secret Service provider) and try again.");
      g_clear_error (&error);

      found = lookup_sync (keyring, "p", SUPA_SECRET_API_KEY, &error);
      g_assert_null (found);
      g_assert_error (error, SUPA_ERROR, SUPA_ERROR_KEYRING);
      g_assert_nonnull (strstr (error->message, "No keyring service is running"));

      g_clear_object (&keyring);
      g_test_dbus_down (bus);
      return;
    }

  g_test_trap_subprocess (NULL, 30 * G_USEC_PER_SEC, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
}

/* Last: the collection cannot be unlocked again without a prompter. */
static void
test_locked (void)
{
  g_autoptr(SupaKeyring) keyring = supa_keyring_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(SecretService) service = NULL;
  g_autoptr(SecretCollection) collection = NULL;
  g_autofree char *profile = g_uuid_string_random ();
  g_autofree char *key = test_make_role_jwt ("anon");
  GList *to_lock = NULL;
  char *found;
  int n;

  g_assert_true (store_sync (keyring, profile, SUPA_SECRET_API_KEY, key, &error));
  g_assert_no_error (error);

  service = secret_service_get_sync (SECRET_SERVICE_NONE, NULL, &error);
  g_assert_no_error (error);
  collection = secret_collection_for_alias_sync (service, SECRET_COLLECTION_DEFAULT,
                                                 SECRET_COLLECTION_NONE, NULL, &error);
  g_assert_no_error (error);
  to_lock = g_list_append (NULL, collection);
  n = secret_service_lock_sync (service, to_lock, NULL, NULL, &error);
  g_list_free (to_lock);
  g_assert_no_error (error);
  g_assert_cmpint (n, ==, 1);

  g_assert_false (store_sync (keyring, profile, SUPA_SECRET_PASSWORD, "x-not-stored", &error));
  g_assert_error (error, SUPA_ERROR, SUPA_ERROR_KEYRING);
  g_assert_cmpstr (error->message, ==, "The system keyring is locked. Unlock it (for example in Passwords and Keys) and try again.");
  g_clear_error (&error);

  found = lookup_sync (keyring, profile, SUPA_SECRET_API_KEY, &error);
  g_assert_null (found);
  g_assert_error (error, SUPA_ERROR, SUPA_ERROR_KEYRING);
  g_assert_nonnull (strstr (error->message, "locked"));
  g_clear_error (&error);

  g_assert_false (clear_sync (keyring, profile, NULL, &error));
  g_assert_error (error, SUPA_ERROR, SUPA_ERROR_KEYRING);
  g_assert_nonnull (strstr (error->message, "locked"));
}

int
main (int   argc,
      char *argv[])
{
  /* keep the bus and keyring of keyring-session (ISOLATE_DIRS does not
   * touch DBUS_SESSION_BUS_ADDRESS) */
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/keyring/round-trip", test_round_trip);
  g_test_add_func ("/keyring/default-collection", test_default_collection);
  g_test_add_func ("/keyring/map-error", test_map_error);
  g_test_add_func ("/keyring/no-service", test_no_service);
  g_test_add_func ("/keyring/zz-locked", test_locked);

  return g_test_run ();
}
