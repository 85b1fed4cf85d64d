/* test-key-info.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "supa-key-info.h"
#include "supa-error.h"
#include "test-util.h"

static void
test_anon_jwt (void)
{
  g_autoptr(SupaKeyInfo) info = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GDateTime) before = NULL;
  g_autoptr(GDateTime) after = NULL;
  g_autofree char *key = NULL;
  g_autofree char *redacted = NULL;

  key = test_make_jwt ("{\"iss\":\"supabase\",\"ref\":\"abcdefghijklmnopqrst\",\"role\":\"anon\",\"iat\":1700000000,\"exp\":2000000000}");
  info = supa_key_info_parse (key, &error);
  g_assert_no_error (error);
  g_assert_nonnull (info);

  g_assert_cmpint (supa_key_info_get_kind (info), ==, SUPA_KEY_KIND_LEGACY_JWT);
  g_assert_cmpstr (supa_key_info_get_role (info), ==, "anon");
  g_assert_cmpstr (supa_key_info_get_role_label (info), ==, "Anonymous (public)");
  g_assert_false (supa_key_info_bypasses_rls (info));
  g_assert_cmpstr (supa_key_info_get_ref (info), ==, "abcdefghijklmnopqrst");
  g_assert_cmpint (g_date_time_to_unix (supa_key_info_get_issued_at (info)), ==, 1700000000);
  g_assert_cmpint (g_date_time_to_unix (supa_key_info_get_expires_at (info)), ==, 2000000000);

  before = g_date_time_new_from_unix_utc (1999999999);
  after = g_date_time_new_from_unix_utc (2000000001);
  g_assert_false (supa_key_info_is_expired (info, before));
  g_assert_true (supa_key_info_is_expired (info, after));
  g_assert_false (supa_key_info_is_expired (info, NULL));

  redacted = supa_key_info_redact (info);
  g_assert_cmpstr (redacted, ==, "eyJ…(anon)");
}

static void
test_admin_roles (void)
{
  const char *roles[] = { "service_role", "supabase_admin" };

  for (guint i = 0; i < G_N_ELEMENTS (roles); i++)
    {
      g_autofree char *key = test_make_role_jwt (roles[i]);
      g_autoptr(GError) error = NULL;
      g_autoptr(SupaKeyInfo) info = supa_key_info_parse (key, &error);

      g_assert_no_error (error);
      g_assert_cmpstr (supa_key_info_get_role (info), ==, roles[i]);
      g_assert_true (supa_key_info_bypasses_rls (info));
      g_assert_true (g_str_has_suffix (supa_key_info_get_role_label (info), "bypasses row level security"));
      g_assert_null (supa_key_info_get_ref (info));
    }

  {
    g_autofree char *key = test_make_jwt ("{\"role\":\"authenticated\",\"exp\":1.5e9}");
    g_autoptr(SupaKeyInfo) info = supa_key_info_parse (key, NULL);

    g_assert_nonnull (info);
    g_assert_false (supa_key_info_bypasses_rls (info));
    g_assert_cmpstr (supa_key_info_get_role_label (info), ==, "Signed-in user");
    g_assert_cmpint (g_date_time_to_unix (supa_key_info_get_expires_at (info)), ==, 1500000000);
    g_assert_null (supa_key_info_get_issued_at (info));
    g_assert_true (supa_key_info_is_expired (info, NULL));
  }

  {
    g_autofree char *key = test_make_jwt ("{\"role\":\"reporting\"}");
    g_autoptr(SupaKeyInfo) info = supa_key_info_parse (key, NULL);

    g_assert_nonnull (info);
    g_assert_cmpstr (supa_key_info_get_role_label (info), ==, "Custom role “reporting”");
    g_assert_null (supa_key_info_get_expires_at (info));
    g_assert_false (supa_key_info_is_expired (info, NULL));
  }
}

static void
test_new_keys (void)
{
  g_autofree char *publishable = test_make_sb_key ("sb_publishable_");
  g_autofree char *secret = test_make_sb_key ("sb_secret_");
  g_autoptr(SupaKeyInfo) pinfo = NULL;
  g_autoptr(SupaKeyInfo) sinfo = NULL;
  g_autofree char *pred = NULL;
  g_autofree char *sred = NULL;
  g_autoptr(GError) error = NULL;

  pinfo = supa_key_info_parse (publishable, &error);
  g_assert_no_error (error);
  g_assert_cmpint (supa_key_info_get_kind (pinfo), ==, SUPA_KEY_KIND_PUBLISHABLE);
  g_assert_cmpstr (supa_key_info_get_role (pinfo), ==, "publishable");
  g_assert_false (supa_key_info_bypasses_rls (pinfo));
  g_assert_null (supa_key_info_get_expires_at (pinfo));
  pred = supa_key_info_redact (pinfo);
  g_assert_cmpstr (pred, ==, "sb_publishable_…");

  sinfo = supa_key_info_parse (secret, &error);
  g_assert_no_error (error);
  g_assert_cmpint (supa_key_info_get_kind (sinfo), ==, SUPA_KEY_KIND_SECRET);
  g_assert_cmpstr (supa_key_info_get_role (sinfo), ==, "secret");
  g_assert_true (supa_key_info_bypasses_rls (sinfo));
  sred = supa_key_info_redact (sinfo);
  g_assert_cmpstr (sred, ==, "sb_secret_…");
  g_assert_null (strstr (sred, secret + strlen ("sb_secret_")));

  g_assert_true (supa_key_role_bypasses_rls ("secret"));
  g_assert_false (supa_key_role_bypasses_rls (NULL));
}

typedef struct
{
  const char *label;
  char       *key;
  const char *expected_part;
} BadKey;

static void
test_bad_keys (void)
{
  g_autofree char *payload_hello = test_base64url ("hello", 5);
  g_autofree char *secret_body = test_make_sb_key ("x");
  BadKey cases[] = {
    { "empty", g_strdup (""), "it is empty" },
    { "space", g_strdup_printf ("eyJhbGciOi %s", secret_body), "spaces or line breaks" },
    { "newline", g_strdup_printf ("%s\n", secret_body), "spaces or line breaks" },
    { "one part", g_strdup_printf ("not-a-key-%s", secret_body), "three parts" },
    { "two parts", g_strdup_printf ("eyJhbGciOiJIUzI1NiJ9.%s", secret_body), "this has 2" },
    { "bad base64", g_strdup_printf ("eyJhbGciOiJIUzI1NiJ9.%%%%%s.sig", secret_body), "not base64url" },
    { "bad base64 length", g_strdup ("eyJhbGciOiJIUzI1NiJ9.abcde.sig"), "not valid base64url" },
    { "payload not json", g_strdup_printf ("eyJhbGciOiJIUzI1NiJ9.%s.sig", payload_hello), "not a JSON object" },
    { "missing role", test_make_jwt ("{\"sub\":\"1234\"}"), "no “role” claim" },
    { "role not a string", test_make_jwt ("{\"role\":5}"), "no “role” claim" },
    { "empty sb body", g_strdup ("sb_secret_"), "nothing follows" },
    { "sb bad chars", g_strdup_printf ("sb_publishable_%s!", secret_body), "characters" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(SupaKeyInfo) info = NULL;

      g_test_message ("case: %s", cases[i].label);
      info = supa_key_info_parse (cases[i].key, &error);
      g_assert_null (info);
      g_assert_error (error, SUPA_ERROR, SUPA_ERROR_INVALID_INPUT);
      g_assert_true (g_str_has_prefix (error->message, "This is not an API key: "));
      if (strstr (error->message, cases[i].expected_part) == NULL)
        g_error ("“%s” lacks “%s”", error->message, cases[i].expected_part);
      /* The key itself never appears in the message. */
      if (strlen (cases[i].key) > 12)
        g_assert_null (strstr (error->message, cases[i].key));
      g_assert_null (strstr (error->message, secret_body));
      g_free (cases[i].key);
    }

  {
    g_autoptr(GError) error = NULL;
    g_assert_null (supa_key_info_parse (NULL, &error));
    g_assert_error (error, SUPA_ERROR, SUPA_ERROR_INVALID_INPUT);
  }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/key-info/anon-jwt", test_anon_jwt);
  g_test_add_func ("/key-info/admin-roles", test_admin_roles);
  g_test_add_func ("/key-info/new-keys", test_new_keys);
  g_test_add_func ("/key-info/bad-keys", test_bad_keys);

  return g_test_run ();
}
