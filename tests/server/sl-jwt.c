/* sl-jwt.c — HS256 JSON Web Tokens for supabase-local.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "supabase-local"

#include "sl-core-private.h"

#include <string.h>

G_DEFINE_QUARK (sl-jwt-error-quark, sl_jwt_error)

static char *
base64url_encode (const guchar *data,
                  gsize         len)
{
  char *s = g_base64_encode (data, len);
  gsize n = strlen (s);

  for (gsize i = 0; i < n; i++)
    {
      if (s[i] == '+')
        s[i] = '-';
      else if (s[i] == '/')
        s[i] = '_';
    }
  while (n > 0 && s[n - 1] == '=')
    s[--n] = '\0';
  return s;
}

/* Strict: only the base64url alphabet, no padding required. */
static guchar *
base64url_decode (const char *s,
                  gsize       len,
                  gsize      *out_len)
{
  g_autoptr(GString) b = g_string_sized_new (len + 4);

  for (gsize i = 0; i < len; i++)
    {
      char c = s[i];

      if (c == '-')
        c = '+';
      else if (c == '_')
        c = '/';
      else if (c == '=')
        break;
      else if (!g_ascii_isalnum (c))
        return NULL;
      g_string_append_c (b, c);
    }
  if (b->len % 4 == 1)
    return NULL;
  while (b->len % 4 != 0)
    g_string_append_c (b, '=');
  return g_base64_decode (b->str, out_len);
}

static char *
hs256 (const char *secret,
       const char *input,
       gsize       input_len)
{
  g_autoptr(GHmac) hmac = g_hmac_new (G_CHECKSUM_SHA256, (const guchar *) secret,
                                      strlen (secret));
  guint8 digest[32];
  gsize digest_len = sizeof digest;

  g_hmac_update (hmac, (const guchar *) input, input_len);
  g_hmac_get_digest (hmac, digest, &digest_len);
  return base64url_encode (digest, digest_len);
}

static gboolean
constant_time_equal (const char *a,
                     const char *b)
{
  gsize la = strlen (a), lb = strlen (b);
  guchar diff = la != lb;

  for (gsize i = 0; i < la && i < lb; i++)
    diff |= (guchar) a[i] ^ (guchar) b[i];
  return diff == 0;
}

char *
sl_jwt_sign (const char *secret,
             JsonObject *claims)
{
  g_autoptr(JsonNode) node = json_node_new (JSON_NODE_OBJECT);
  g_autofree char *payload_json = NULL;
  g_autofree char *header = NULL;
  g_autofree char *payload = NULL;
  g_autofree char *signing_input = NULL;
  g_autofree char *signature = NULL;
  static const char header_json[] = "{\"alg\":\"HS256\",\"typ\":\"JWT\"}";

  g_return_val_if_fail (secret != NULL, NULL);
  g_return_val_if_fail (claims != NULL, NULL);

  json_node_set_object (node, claims);
  payload_json = json_to_string (node, FALSE);
  header = base64url_encode ((const guchar *) header_json, strlen (header_json));
  payload = base64url_encode ((const guchar *) payload_json, strlen (payload_json));
  signing_input = g_strconcat (header, ".", payload, NULL);
  signature = hs256 (secret, signing_input, strlen (signing_input));
  return g_strconcat (signing_input, ".", signature, NULL);
}

static JsonObject *
decode_json_object (const char *part,
                    gsize       len)
{
  g_autofree guchar *raw = NULL;
  g_autofree char *text = NULL;
  g_autoptr(JsonParser) parser = NULL;
  gsize raw_len = 0;
  JsonNode *root;

  raw = base64url_decode (part, len, &raw_len);
  if (raw == NULL)
    return NULL;
  text = g_strndup ((const char *) raw, raw_len);
  if (strlen (text) != raw_len || !g_utf8_validate (text, -1, NULL))
    return NULL;
  parser = json_parser_new ();
  if (!json_parser_load_from_data (parser, text, -1, NULL))
    return NULL;
  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    return NULL;
  return json_object_ref (json_node_get_object (root));
}

static gboolean
claim_number (JsonObject *claims,
              const char *name,
              gint64     *out)
{
  JsonNode *n = json_object_get_member (claims, name);

  if (n == NULL || !JSON_NODE_HOLDS_VALUE (n))
    return FALSE;
  switch (json_node_get_value_type (n))
    {
    case G_TYPE_INT64:
      *out = json_node_get_int (n);
      return TRUE;
    case G_TYPE_DOUBLE:
      *out = (gint64) json_node_get_double (n);
      return TRUE;
    default:
      return FALSE;
    }
}

JsonObject *
sl_jwt_verify (const char  *secret,
               const char  *token,
               GError     **error)
{
  g_autoptr(JsonObject) header = NULL;
  g_autoptr(JsonObject) claims = NULL;
  g_autofree char *expected = NULL;
  const char *dot1, *dot2;
  guint parts = 1;
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;
  gint64 exp, nbf;

  g_return_val_if_fail (secret != NULL, NULL);

  if (token == NULL)
    token = "";
  for (const char *p = token; *p; p++)
    if (*p == '.')
      parts++;
  if (parts != 3)
    {
      g_set_error (error, SL_JWT_ERROR, SL_JWT_ERROR_MALFORMED,
                   "Expected 3 parts in JWT; got %u", parts);
      return NULL;
    }
  dot1 = strchr (token, '.');
  dot2 = strchr (dot1 + 1, '.');

  header = decode_json_object (token, dot1 - token);
  claims = decode_json_object (dot1 + 1, dot2 - dot1 - 1);
  if (header == NULL || claims == NULL)
    {
      g_set_error_literal (error, SL_JWT_ERROR, SL_JWT_ERROR_MALFORMED,
                           "JWSError (CompactDecodeError Invalid number of parts: Expected 3 parts; got 2)");
      return NULL;
    }
  if (g_strcmp0 (json_object_get_string_member_with_default (header, "alg", ""), "HS256") != 0)
    {
      g_set_error_literal (error, SL_JWT_ERROR, SL_JWT_ERROR_SIGNATURE,
                           "JWSError JWSInvalidSignature");
      return NULL;
    }

  expected = hs256 (secret, token, dot2 - token);
  if (!constant_time_equal (expected, dot2 + 1))
    {
      g_set_error_literal (error, SL_JWT_ERROR, SL_JWT_ERROR_SIGNATURE,
                           "JWSError JWSInvalidSignature");
      return NULL;
    }

  if (json_object_has_member (claims, "exp"))
    {
      if (!claim_number (claims, "exp", &exp))
        {
          g_set_error_literal (error, SL_JWT_ERROR, SL_JWT_ERROR_CLAIMS,
                               "JWTClaimsSetDecodeError \"exp\" is not a number");
          return NULL;
        }
      if (exp <= now)
        {
          g_set_error_literal (error, SL_JWT_ERROR, SL_JWT_ERROR_EXPIRED,
                               "JWT expired");
          return NULL;
        }
    }
  if (json_object_has_member (claims, "nbf"))
    {
      if (!claim_number (claims, "nbf", &nbf) || nbf > now + 30)
        {
          g_set_error_literal (error, SL_JWT_ERROR, SL_JWT_ERROR_CLAIMS,
                               "JWTNotYetValid");
          return NULL;
        }
    }

  return g_steal_pointer (&claims);
}

char *
sl_jwt_random_secret (gsize n_bytes)
{
  g_autofree guchar *buf = g_malloc (n_bytes);
  g_autoptr(GError) error = NULL;
  g_autoptr(GFile) urandom = g_file_new_for_path ("/dev/urandom");
  g_autoptr(GFileInputStream) in = g_file_read (urandom, NULL, &error);
  gsize got = 0;

  if (in == NULL ||
      !g_input_stream_read_all (G_INPUT_STREAM (in), buf, n_bytes, &got, NULL, &error) ||
      got != n_bytes)
    {
      /* GRand is seeded from /dev/urandom too; only a fallback. */
      for (gsize i = 0; i < n_bytes; i++)
        buf[i] = (guchar) g_random_int_range (0, 256);
    }
  return base64url_encode (buf, n_bytes);
}

char *
sl_jwt_make_key (const char *secret,
                 const char *role)
{
  g_autoptr(JsonObject) claims = json_object_new ();
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;

  json_object_set_string_member (claims, "iss", "supabase-local");
  json_object_set_string_member (claims, "ref", "local");
  json_object_set_string_member (claims, "role", role);
  json_object_set_int_member (claims, "iat", now);
  json_object_set_int_member (claims, "exp", now + (gint64) 10 * 365 * 24 * 3600);
  return sl_jwt_sign (secret, claims);
}

const char *
sl_jwt_describe_role (const char  *secret,
                      const char  *token,
                      char       **role_out)
{
  g_autoptr(JsonObject) claims = NULL;
  const char *t = token;

  if (g_ascii_strncasecmp (t, "Bearer ", 7) == 0)
    t += 7;
  claims = sl_jwt_verify (secret, t, NULL);
  if (claims != NULL &&
      json_object_has_member (claims, "role") &&
      JSON_NODE_HOLDS_VALUE (json_object_get_member (claims, "role")) &&
      json_node_get_value_type (json_object_get_member (claims, "role")) == G_TYPE_STRING)
    {
      *role_out = g_strdup (json_object_get_string_member (claims, "role"));
      return *role_out;
    }
  *role_out = g_strdup ("invalid");
  return *role_out;
}
