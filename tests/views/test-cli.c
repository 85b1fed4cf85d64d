/* test-cli.c — the supadesk command line: refused options exit with
 * status 2 and say why on stderr; the key is only read from SUPADESK_KEY.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "views-test-util.h"

static const char *supadesk_path;

static int
run (const char * const *args,
     const char         *key,
     char              **out,
     char              **err)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_auto(GStrv) envp = g_get_environ ();
  g_autoptr(GError) error = NULL;
  int status = 0;

  g_ptr_array_add (argv, (char *) supadesk_path);
  for (guint i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, (char *) args[i]);
  g_ptr_array_add (argv, NULL);

  envp = g_environ_unsetenv (envp, "SUPADESK_KEY");
  if (key != NULL)
    envp = g_environ_setenv (envp, "SUPADESK_KEY", key, TRUE);

  g_assert_true (g_spawn_sync (NULL, (char **) argv->pdata, envp, G_SPAWN_DEFAULT,
                               NULL, NULL, out, err, &status, &error));
  g_assert_no_error (error);
  g_assert_true (WIFEXITED (status));

  return WEXITSTATUS (status);
}

static void
test_bad_section (void)
{
  const char *args[] = { "--section", "functions", NULL };
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;

  g_assert_cmpint (run (args, NULL, &out, &err), ==, 2);
  g_assert_nonnull (strstr (err, "functions"));
  g_assert_nonnull (strstr (err, "tables, storage, users, realtime"));
}

static void
test_url_without_key (void)
{
  const char *args[] = { "--url", "https://abcdefghijklmnopqrst.supabase.co", NULL };
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;

  g_assert_cmpint (run (args, NULL, &out, &err), ==, 2);
  g_assert_nonnull (strstr (err, "SUPADESK_KEY"));
}

static void
test_url_bad (void)
{
  const char *args[] = { "--url", "ftp://example.com", NULL };
  g_autofree char *key = views_test_make_jwt ("anon", NULL, 3600);
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;

  g_assert_cmpint (run (args, key, &out, &err), ==, 2);
  g_assert_nonnull (strstr (err, "--url"));
  g_assert_null (strstr (err, key));
}

static void
test_bad_key (void)
{
  const char *args[] = { "--url", "https://abcdefghijklmnopqrst.supabase.co", NULL };
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;

  g_assert_cmpint (run (args, "not.a-key", &out, &err), ==, 2);
  g_assert_nonnull (strstr (err, "SUPADESK_KEY"));
  g_assert_null (strstr (err, "not.a-key"));
}

static void
test_help_and_version (void)
{
  const char *help[] = { "--help", NULL };
  const char *version[] = { "--version", NULL };
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;

  g_assert_cmpint (run (help, NULL, &out, &err), ==, 0);
  g_assert_nonnull (strstr (out, "--url"));
  g_assert_nonnull (strstr (out, "--section"));
  g_assert_nonnull (strstr (out, "--profile"));
  /* The only way in for a key, documented where people look. */
  g_assert_nonnull (strstr (out, "SUPADESK_KEY"));
  g_assert_null (strstr (out, "--key"));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  g_assert_cmpint (run (version, NULL, &out, &err), ==, 0);
  g_assert_nonnull (strstr (out, PACKAGE_VERSION));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  /* What g_test_init leaves: the supadesk binary to run. */
  if (argc < 2)
    {
      g_printerr ("usage: %s [TEST OPTIONS] PATH-TO-SUPADESK\n", argv[0]);
      return 1;
    }
  supadesk_path = argv[argc - 1];

  g_test_add_func ("/cli/bad-section", test_bad_section);
  g_test_add_func ("/cli/url-without-key", test_url_without_key);
  g_test_add_func ("/cli/bad-url", test_url_bad);
  g_test_add_func ("/cli/bad-key", test_bad_key);
  g_test_add_func ("/cli/help-and-version", test_help_and_version);

  return g_test_run ();
}
