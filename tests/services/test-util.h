/* test-util.h — helpers shared by the services tests
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>
#include <string.h>

G_BEGIN_DECLS

/* base64url without padding */
static inline char *
test_base64url (const char *data,
                gsize       len)
{
  char *b64 = g_base64_encode ((const guchar *) data, len);
  gsize n = strlen (b64);

  while (n > 0 && b64[n - 1] == '=')
    b64[--n] = '\0';
  for (char *p = b64; *p; p++)
    {
      if (*p == '+')
        *p = '-';
      else if (*p == '/')
        *p = '_';
    }

  return b64;
}

/* A JWT-shaped key with @payload_json as claims and a random signature,
 * made at run time so no key lives in the repository. */
static inline char *
test_make_jwt (const char *payload_json)
{
  const char *header = "{\"alg\":\"HS256\",\"typ\":\"JWT\"}";
  g_autofree char *h = test_base64url (header, strlen (header));
  g_autofree char *p = test_base64url (payload_json, strlen (payload_json));
  guchar sig[32];
  g_autofree char *s = NULL;

  for (guint i = 0; i < sizeof sig; i++)
    sig[i] = (guchar) g_random_int_range (0, 256);
  s = test_base64url ((const char *) sig, sizeof sig);

  return g_strconcat (h, ".", p, ".", s, NULL);
}

static inline char *
test_make_role_jwt (const char *role)
{
  g_autofree char *payload = NULL;
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;

  payload = g_strdup_printf ("{\"iss\":\"supabase-test\",\"role\":\"%s\",\"iat\":%" G_GINT64_FORMAT ",\"exp\":%" G_GINT64_FORMAT "}",
                             role, now, now + 3600);
  return test_make_jwt (payload);
}

/* A new-format key with a random body. */
static inline char *
test_make_sb_key (const char *prefix)
{
  GString *s = g_string_new (prefix);
  static const char alphabet[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

  for (guint i = 0; i < 32; i++)
    g_string_append_c (s, alphabet[g_random_int_range (0, sizeof alphabet - 1)]);

  return g_string_free (s, FALSE);
}

/* The async idiom: iterate the default context until *result is set. */
static inline GAsyncResult *
test_wait_result (GAsyncResult **result)
{
  while (*result == NULL)
    g_main_context_iteration (NULL, TRUE);
  return *result;
}

static inline void
test_store_result_cb (GObject      *object,
                      GAsyncResult *result,
                      gpointer      user_data)
{
  GAsyncResult **out = user_data;
  *out = g_object_ref (result);
}

/* g_test_init with isolated dirs, and no GNOME proxy settings lookup: the
 * isolated XDG_DATA_DIRS hide the system GSettings schemas that the GNOME
 * proxy resolver module needs, and these tests only talk to 127.0.0.1. */
#define test_init(argc, argv)                                   \
  G_STMT_START {                                                \
    g_setenv ("GIO_USE_PROXY_RESOLVER", "dummy", TRUE);         \
    g_test_init ((argc), (argv), G_TEST_OPTION_ISOLATE_DIRS, NULL); \
  } G_STMT_END

G_END_DECLS
