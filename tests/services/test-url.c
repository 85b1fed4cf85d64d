/* test-url.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "supa-client.h"
#include "test-util.h"

static void
test_normalize (void)
{
  struct {
    const char      *input;
    const char      *output;
    SupaUrlSecurity  security;
  } cases[] = {
    { "https://abcdefghijklmnopqrst.supabase.co", "https://abcdefghijklmnopqrst.supabase.co", SUPA_URL_HTTPS },
    { "  https://abcdefghijklmnopqrst.supabase.co/  \n", "https://abcdefghijklmnopqrst.supabase.co", SUPA_URL_HTTPS },
    { "https://abc.supabase.co/rest/v1", "https://abc.supabase.co", SUPA_URL_HTTPS },
    { "https://abc.supabase.co/rest/v1/", "https://abc.supabase.co", SUPA_URL_HTTPS },
    { "https://abc.supabase.co/rest/v1/todos", "https://abc.supabase.co", SUPA_URL_HTTPS },
    { "https://abc.supabase.co/auth/v1", "https://abc.supabase.co", SUPA_URL_HTTPS },
    { "https://abc.supabase.co/storage/v1/", "https://abc.supabase.co", SUPA_URL_HTTPS },
    { "https://abc.supabase.co/realtime/v1", "https://abc.supabase.co", SUPA_URL_HTTPS },
    { "https://abc.supabase.co/functions/v1/hello", "https://abc.supabase.co", SUPA_URL_HTTPS },
    { "https://example.com/supabase/rest/v1", "https://example.com/supabase", SUPA_URL_HTTPS },
    { "https://example.com/supabase//", "https://example.com/supabase", SUPA_URL_HTTPS },
    { "https://example.com/restful/v1x", "https://example.com/restful/v1x", SUPA_URL_HTTPS },
    { "HTTPS://Example.COM:8443/", "https://example.com:8443", SUPA_URL_HTTPS },
    { "https://example.com:443", "https://example.com", SUPA_URL_HTTPS },
    { "http://localhost:54321", "http://localhost:54321", SUPA_URL_LOOPBACK_HTTP },
    { "http://LocalHost:54321/", "http://localhost:54321", SUPA_URL_LOOPBACK_HTTP },
    { "http://127.0.0.1:54321", "http://127.0.0.1:54321", SUPA_URL_LOOPBACK_HTTP },
    { "http://127.8.9.10", "http://127.8.9.10", SUPA_URL_LOOPBACK_HTTP },
    { "http://[::1]:54321/rest/v1/", "http://[::1]:54321", SUPA_URL_LOOPBACK_HTTP },
    { "http://192.168.1.20:8000", "http://192.168.1.20:8000", SUPA_URL_INSECURE_HTTP },
    { "http://supabase.example.com", "http://supabase.example.com", SUPA_URL_INSECURE_HTTP },
    { "http://localhost.example.com", "http://localhost.example.com", SUPA_URL_INSECURE_HTTP },
    { "https://bücher.example", "https://xn--bcher-kva.example", SUPA_URL_HTTPS },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *url = NULL;
      SupaUrlSecurity security = (SupaUrlSecurity) -1;

      g_test_message ("input: %s", cases[i].input);
      url = supa_project_url_normalize (cases[i].input, &security, &error);
      g_assert_no_error (error);
      g_assert_cmpstr (url, ==, cases[i].output);
      g_assert_cmpint (security, ==, cases[i].security);
    }

  /* security is optional */
  {
    g_autofree char *url = supa_project_url_normalize ("https://a.example", NULL, NULL);
    g_assert_cmpstr (url, ==, "https://a.example");
  }
}

static void
test_normalize_errors (void)
{
  struct {
    const char *input;
    const char *expected_part;
  } cases[] = {
    { "", "Enter the URL" },
    { "   ", "Enter the URL" },
    { NULL, "Enter the URL" },
    { "abc.supabase.co", "must start with https://" },
    { "ftp://example.com", "“ftp:” URLs are not supported" },
    { "file:///etc/passwd", "“file:” URLs are not supported" },
    { "https://", "no host name" },
    { "https://user:password@example.com", "user name and password" },
    { "https://example.com/?apikey=x", "after “?”" },
    { "https://example.com/#top", "after “#”" },
    { "https://exa mple.com", "not a valid URL" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *url = NULL;

      g_test_message ("input: %s", cases[i].input);
      url = supa_project_url_normalize (cases[i].input, NULL, &error);
      g_assert_null (url);
      g_assert_error (error, SUPA_ERROR, SUPA_ERROR_INVALID_INPUT);
      if (strstr (error->message, cases[i].expected_part) == NULL)
        g_error ("“%s” lacks “%s”", error->message, cases[i].expected_part);
    }
}

static void
test_loopback (void)
{
  const char *yes[] = { "localhost", "LOCALHOST", "localhost.", "127.0.0.1", "127.1.2.3", "::1", "[::1]" };
  const char *no[] = { "", "example.com", "128.0.0.1", "10.0.0.1", "::2", "localhost.example.com", "mylocalhost" };

  for (guint i = 0; i < G_N_ELEMENTS (yes); i++)
    g_assert_true (supa_host_is_loopback (yes[i]));
  for (guint i = 0; i < G_N_ELEMENTS (no); i++)
    g_assert_false (supa_host_is_loopback (no[i]));
  g_assert_false (supa_host_is_loopback (NULL));
}

static void
test_project_ref (void)
{
  struct {
    const char *url;
    const char *ref;
  } cases[] = {
    { "https://abcdefghijklmnopqrst.supabase.co", "abcdefghijklmnopqrst" },
    { "https://ABCDEFGHIJKLMNOPQRST.supabase.co/", "abcdefghijklmnopqrst" },
    { "https://abc.supabase.co.evil.example", NULL },
    { "https://a.b.supabase.co", NULL },
    { "https://supabase.co", NULL },
    { "http://localhost:54321", NULL },
    { "not a url", NULL },
    { NULL, NULL },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *ref = supa_project_ref_from_url (cases[i].url);
      g_assert_cmpstr (ref, ==, cases[i].ref);
    }
}

static void
test_build_urls (void)
{
  g_autofree char *key = test_make_role_jwt ("anon");
  g_autoptr(SupaClient) client = supa_client_new ("https://abc.supabase.co", key, NULL);
  g_autoptr(SupaClient) local = supa_client_new ("http://127.0.0.1:54321/", key, NULL);
  g_autofree char *rest = supa_client_build_url (client, "rest/v1/todos", "select=*");
  g_autofree char *storage = supa_client_build_url (client, "/storage/v1/bucket", NULL);
  g_autofree char *rt = supa_client_build_realtime_url (client, "1.0.0");
  g_autofree char *rt_local = supa_client_build_realtime_url (local, "2.0.0");
  g_autofree char *expected_rt = g_strdup_printf ("wss://abc.supabase.co/realtime/v1/websocket?apikey=%s&vsn=1.0.0", key);
  g_autofree char *expected_local = g_strdup_printf ("ws://127.0.0.1:54321/realtime/v1/websocket?apikey=%s&vsn=2.0.0", key);

  g_assert_cmpstr (rest, ==, "https://abc.supabase.co/rest/v1/todos?select=*");
  g_assert_cmpstr (storage, ==, "https://abc.supabase.co/storage/v1/bucket");
  g_assert_cmpstr (rt, ==, expected_rt);
  g_assert_cmpstr (rt_local, ==, expected_local);
  g_assert_cmpstr (supa_client_get_url (local), ==, "http://127.0.0.1:54321");
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/url/normalize", test_normalize);
  g_test_add_func ("/url/normalize-errors", test_normalize_errors);
  g_test_add_func ("/url/loopback", test_loopback);
  g_test_add_func ("/url/project-ref", test_project_ref);
  g_test_add_func ("/url/build", test_build_urls);

  return g_test_run ();
}
