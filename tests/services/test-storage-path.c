/* test-storage-path.c — object key normalisation and encoding
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "supa-storage-path.h"
#include "supa-error.h"
#include "test-util.h"

static void
test_normalize (void)
{
  static const struct { const char *in; const char *out; } cases[] = {
    { "a.txt", "a.txt" },
    { "/a.txt", "a.txt" },
    { "///folder//sub///file.png", "folder/sub/file.png" },
    { "folder/", "folder" },
    { "folder/sub/", "folder/sub" },
    { "ünïcødé/日本語 ファイル.txt", "ünïcødé/日本語 ファイル.txt" },
    { "with space/and#hash?.txt", "with space/and#hash?.txt" },
    { ".hidden/..dots..", ".hidden/..dots.." },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *out = supa_storage_path_normalize (cases[i].in, FALSE, &error);

      g_assert_no_error (error);
      g_assert_cmpstr (out, ==, cases[i].out);
    }
}

static void
test_refuse (void)
{
  static const char * const bad[] = { "", "/", "///", "a/../b", "..", "./a", "a/./b", "a/.." };

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *out = supa_storage_path_normalize (bad[i], FALSE, &error);

      g_assert_null (out);
      g_assert_error (error, SUPA_ERROR, SUPA_ERROR_INVALID_INPUT);
      /* a sentence a person can read, not a code */
      g_assert_cmpuint (strlen (error->message), >, 10);
    }

  {
    g_autoptr(GError) error = NULL;
    g_autofree char *out = supa_storage_path_normalize ("a/../b", FALSE, &error);
    g_assert_null (out);
    g_assert_nonnull (strstr (error->message, ".."));
  }
}

static void
test_root_prefix (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *root = supa_storage_path_normalize ("//", TRUE, &error);
  g_autofree char *null_root = supa_storage_path_normalize (NULL, TRUE, &error);

  g_assert_no_error (error);
  g_assert_cmpstr (root, ==, "");
  g_assert_cmpstr (null_root, ==, "");
}

static void
test_encode (void)
{
  static const struct { const char *in; const char *out; } cases[] = {
    { "plain/file.txt", "plain/file.txt" },
    { "my folder/my file.txt", "my%20folder/my%20file.txt" },
    { "a#b/c?d", "a%23b/c%3Fd" },
    { "100%/done", "100%25/done" },
    { "ünï/日本", "%C3%BCn%C3%AF/%E6%97%A5%E6%9C%AC" },
    { "a+b&c=d", "a%2Bb%26c%3Dd" },
    { "tilde~dash-under_dot.", "tilde~dash-under_dot." },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *out = supa_storage_path_encode (cases[i].in);
      g_autofree char *back = g_uri_unescape_string (out, NULL);

      g_assert_cmpstr (out, ==, cases[i].out);
      g_assert_cmpstr (back, ==, cases[i].in);
    }
}

static void
test_route (void)
{
  g_autofree char *route = supa_storage_path_route ("my bucket", "a b/c#d");
  g_autofree char *bucket_only = supa_storage_path_route ("docs", "");

  g_assert_cmpstr (route, ==, "my%20bucket/a%20b/c%23d");
  g_assert_cmpstr (bucket_only, ==, "docs");
}

static void
test_join_basename (void)
{
  g_autofree char *a = supa_storage_path_join ("", "x.png");
  g_autofree char *b = supa_storage_path_join ("folder", "x.png");
  g_autofree char *c = supa_storage_path_join ("folder/", "x.png");
  g_autofree char *d = supa_storage_path_basename ("a/b/c.txt");
  g_autofree char *e = supa_storage_path_basename ("c.txt");

  g_assert_cmpstr (a, ==, "x.png");
  g_assert_cmpstr (b, ==, "folder/x.png");
  g_assert_cmpstr (c, ==, "folder/x.png");
  g_assert_cmpstr (d, ==, "c.txt");
  g_assert_cmpstr (e, ==, "c.txt");
}

static void
test_parse_size (void)
{
  static const struct { const char *in; gint64 bytes; } good[] = {
    { "1048576", 1048576 },
    { "10MB", 10000000 },
    { "10mb", 10000000 },
    { "1.5GB", 1500000000 },
    { "512KB", 512000 },
    { "20B", 20 },
    { "0", 0 },
  };
  static const char * const bad[] = { "", "MB", "-5", "1.5", "10 MiB", "ten", "1.MB", "10TB" };

  for (guint i = 0; i < G_N_ELEMENTS (good); i++)
    {
      g_autoptr(GError) error = NULL;
      gint64 bytes = -1;

      g_assert_true (supa_storage_parse_size (good[i].in, &bytes, &error));
      g_assert_no_error (error);
      g_assert_cmpint (bytes, ==, good[i].bytes);
    }

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GError) error = NULL;
      gint64 bytes = -1;

      g_assert_false (supa_storage_parse_size (bad[i], &bytes, &error));
      g_assert_error (error, SUPA_ERROR, SUPA_ERROR_INVALID_INPUT);
    }
}

int
main (int   argc,
      char *argv[])
{
  test_init (&argc, &argv);

  g_test_add_func ("/storage-path/normalize", test_normalize);
  g_test_add_func ("/storage-path/refuse", test_refuse);
  g_test_add_func ("/storage-path/root-prefix", test_root_prefix);
  g_test_add_func ("/storage-path/encode", test_encode);
  g_test_add_func ("/storage-path/route", test_route);
  g_test_add_func ("/storage-path/join-basename", test_join_basename);
  g_test_add_func ("/storage-path/parse-size", test_parse_size);

  return g_test_run ();
}
