/* test-redact.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "supa-client.h"
#include "test-util.h"

static void
assert_redacted (const char *text,
                 const char *secret,
                 const char *expected)
{
  g_autofree char *out = supa_redact (text);

  g_test_message ("%s", out);
  if (secret != NULL)
    g_assert_null (strstr (out, secret));
  if (expected != NULL)
    g_assert_cmpstr (out, ==, expected);
}

static void
test_query_values (void)
{
  g_autofree char *jwt = test_make_role_jwt ("anon");
  g_autofree char *url = g_strdup_printf ("wss://abc.supabase.co/realtime/v1/websocket?apikey=%s&vsn=1.0.0", jwt);
  g_autofree char *refresh = test_make_sb_key ("r");
  g_autofree char *text2 = g_strdup_printf ("POST /auth/v1/verify?token=%s&type=signup", refresh);
  g_autofree char *text3 = g_strdup_printf ("https://x.example/cb#access_token=%s&refresh_token=%s&expires_in=3600", jwt, refresh);

  assert_redacted (url, jwt, "wss://abc.supabase.co/realtime/v1/websocket?apikey=[redacted]&vsn=1.0.0");
  assert_redacted (text2, refresh, "POST /auth/v1/verify?token=[redacted]&type=signup");
  assert_redacted (text3, jwt, "https://x.example/cb#access_token=[redacted]&refresh_token=[redacted]&expires_in=3600");
  assert_redacted (text3, refresh, NULL);
  assert_redacted ("GET /rest/v1/todos?select=*&id=eq.3", NULL, "GET /rest/v1/todos?select=*&id=eq.3");
}

static void
test_headers_and_bearer (void)
{
  g_autofree char *secret = test_make_sb_key ("sb_secret_");
  g_autofree char *jwt = test_make_role_jwt ("service_role");
  g_autofree char *t1 = g_strdup_printf ("Authorization: Bearer %s", jwt);
  g_autofree char *t2 = g_strdup_printf ("apikey: %s\r\nX-Client-Info: supadesk/0.1.0", secret);
  g_autofree char *t3 = g_strdup_printf ("using Bearer %s now", "opaque-token-value");

  assert_redacted (t1, jwt, "Authorization: [redacted]");
  assert_redacted (t2, secret, "apikey: [redacted]\r\nX-Client-Info: supadesk/0.1.0");
  assert_redacted (t3, "opaque-token-value", "using Bearer [redacted] now");
}

static void
test_bare_keys (void)
{
  g_autofree char *jwt = test_make_role_jwt ("anon");
  g_autofree char *publishable = test_make_sb_key ("sb_publishable_");
  g_autofree char *secret = test_make_sb_key ("sb_secret_");
  g_autofree char *t1 = g_strdup_printf ("key was %s.", jwt);
  g_autofree char *t2 = g_strdup_printf ("[%s] and (%s)", publishable, secret);
  g_autofree char *t3 = g_strdup_printf ("{\"access_token\":\"%s\"}", jwt);

  assert_redacted (t1, jwt, "key was [redacted].");
  assert_redacted (t2, publishable, "[[redacted]] and ([redacted])");
  assert_redacted (t2, secret, NULL);
  assert_redacted (t3, jwt, "{\"access_token\":\"[redacted]\"}");
  assert_redacted ("eyJ alone is fine", NULL, "eyJ alone is fine");
  g_assert_null (supa_redact (NULL));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/redact/query-values", test_query_values);
  g_test_add_func ("/redact/headers-and-bearer", test_headers_and_bearer);
  g_test_add_func ("/redact/bare-keys", test_bare_keys);

  return g_test_run ();
}
