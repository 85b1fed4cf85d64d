/* sl-auth-mfa.c — TOTP multi-factor authentication (/auth/v1/factors).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * RFC 6238 with GoTrue's parameters: SHA1, 6 digits, 30 s steps, one step
 * of skew either way; challenges expire after 300 s.
 */

#define G_LOG_DOMAIN "sl-auth"

#include "sl-auth-private.h"

#include <string.h>

#define CHALLENGE_EXPIRY 300

static const char b32_alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

static char *
base32_encode (const guint8 *data,
               gsize         len)
{
  GString *out = g_string_new (NULL);
  guint32 buffer = 0;
  int bits = 0;

  for (gsize i = 0; i < len; i++)
    {
      buffer = (buffer << 8) | data[i];
      bits += 8;
      while (bits >= 5)
        {
          g_string_append_c (out, b32_alphabet[(buffer >> (bits - 5)) & 31]);
          bits -= 5;
        }
    }
  if (bits > 0)
    g_string_append_c (out, b32_alphabet[(buffer << (5 - bits)) & 31]);
  return g_string_free (out, FALSE);
}

static GBytes *
base32_decode (const char *text)
{
  GByteArray *out = g_byte_array_new ();
  guint32 buffer = 0;
  int bits = 0;

  for (const char *p = text; *p; p++)
    {
      const char *pos;
      char ch = g_ascii_toupper (*p);

      if (ch == '=' || ch == ' ')
        continue;
      pos = strchr (b32_alphabet, ch);
      if (pos == NULL || ch == '\0')
        {
          g_byte_array_unref (out);
          return NULL;
        }
      buffer = (buffer << 5) | (guint32) (pos - b32_alphabet);
      bits += 5;
      if (bits >= 8)
        {
          guint8 byte = (buffer >> (bits - 8)) & 0xff;

          g_byte_array_append (out, &byte, 1);
          bits -= 8;
        }
    }
  return g_byte_array_free_to_bytes (out);
}

char *
sl_auth_totp_code (const char *base32_secret,
                   gint64      unix_time)
{
  g_autoptr(GBytes) key = base32_decode (base32_secret);
  g_autoptr(GHmac) hmac = NULL;
  guint64 counter = (guint64) (unix_time / 30);
  guint8 msg[8];
  guint8 digest[20];
  gsize digest_len = sizeof digest;
  guint32 bin;
  int offset;

  if (key == NULL)
    return NULL;
  for (int i = 7; i >= 0; i--)
    {
      msg[i] = counter & 0xff;
      counter >>= 8;
    }
  hmac = g_hmac_new (G_CHECKSUM_SHA1, g_bytes_get_data (key, NULL), g_bytes_get_size (key));
  g_hmac_update (hmac, msg, sizeof msg);
  g_hmac_get_digest (hmac, digest, &digest_len);
  offset = digest[19] & 0x0f;
  bin = ((guint32) (digest[offset] & 0x7f) << 24) |
        ((guint32) digest[offset + 1] << 16) |
        ((guint32) digest[offset + 2] << 8) |
        (guint32) digest[offset + 3];
  return g_strdup_printf ("%06u", bin % 1000000);
}

static gboolean
totp_valid (const char *secret,
            const char *code)
{
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;

  if (code == NULL || strlen (code) != 6)
    return FALSE;
  for (int skew = -1; skew <= 1; skew++)
    {
      g_autofree char *expected = sl_auth_totp_code (secret, now + skew * 30);

      if (expected && g_str_equal (expected, code))
        return TRUE;
    }
  return FALSE;
}

/* Go's URL path escaping (url.URL.EscapedPath) for the otpauth label. */
static char *
path_escape (const char *s)
{
  GString *out = g_string_new (NULL);

  for (const unsigned char *p = (const unsigned char *) s; *p; p++)
    {
      if (g_ascii_isalnum (*p) || strchr ("-_.~:@!$&'()*+,;=/", *p))
        g_string_append_c (out, *p);
      else
        g_string_append_printf (out, "%%%02X", *p);
    }
  return g_string_free (out, FALSE);
}

static char *
session_aal (SlAuthCall *c,
             const char *session_id,
             gboolean   *failed)
{
  const char *p[] = { session_id };

  if (session_id == NULL)
    {
      *failed = FALSE;
      return g_strdup ("aal1");
    }
  return sl_auth_exec_value (c, "Database error finding session", failed,
                             "select aal::text from auth.sessions where id = $1::uuid", 1, p);
}

static void
enroll (SlAuthCall *c,
        const char *user_id,
        const char *session_id)
{
  JsonObject *body = sl_auth_body (c);
  const char *type, *friendly, *issuer_in;
  g_autofree char *email = NULL;
  g_autofree char *aal = NULL;
  g_autofree char *verified = NULL;
  g_autofree char *secret = NULL;
  g_autofree char *issuer = NULL;
  g_autofree char *uri = NULL;
  g_autofree char *factor_id = g_uuid_string_random ();
  guint8 raw[20];
  gboolean failed = FALSE;

  if (body == NULL)
    return;
  type = sl_auth_obj_string (body, "factor_type");
  friendly = sl_auth_obj_string (body, "friendly_name");
  issuer_in = sl_auth_obj_string (body, "issuer");
  if (g_strcmp0 (type, "phone") == 0)
    {
      sl_auth_error (c, 422, "mfa_phone_enroll_not_enabled", "MFA enroll is disabled for Phone");
      return;
    }
  if (g_strcmp0 (type, "webauthn") == 0)
    {
      sl_auth_error (c, 422, "mfa_webauthn_enroll_not_enabled", "MFA enroll is disabled for WebAuthn");
      return;
    }
  if (g_strcmp0 (type, "totp") != 0)
    {
      sl_auth_error (c, 400, "validation_failed", "factor_type needs to be totp, phone, or webauthn");
      return;
    }
  {
    const char *p[] = { user_id };

    verified = sl_auth_exec_value (c, "Database error finding factors", &failed,
                                   "select 1 from auth.mfa_factors where user_id = $1::uuid and status = 'verified' limit 1",
                                   1, p);
    if (failed)
      return;
    email = sl_auth_exec_value (c, "Database error finding user", &failed,
                                "select coalesce (email, '') from auth.users where id = $1::uuid", 1, p);
    if (failed)
      return;
  }
  aal = session_aal (c, session_id, &failed);
  if (failed)
    return;
  if (verified != NULL && g_strcmp0 (aal, "aal2") != 0)
    {
      sl_auth_error (c, 403, "insufficient_aal", "AAL2 required to enroll a new factor");
      return;
    }
  if (friendly && *friendly)
    {
      const char *p[] = { user_id, friendly };
      g_autofree char *dup = sl_auth_exec_value (c, "Database error finding factors", &failed,
                                                 "select 1 from auth.mfa_factors where user_id = $1::uuid and friendly_name = $2",
                                                 2, p);
      if (failed)
        return;
      if (dup)
        {
          sl_auth_error (c, 422, "mfa_factor_name_conflict",
                         "A factor with the friendly name \"%s\" for this user already exists", friendly);
          return;
        }
    }

  for (gsize i = 0; i < sizeof raw; i++)
    raw[i] = (guint8) g_random_int_range (0, 256);
  secret = base32_encode (raw, sizeof raw);
  if (issuer_in && *issuer_in)
    issuer = g_strdup (issuer_in);
  else
    {
      g_autoptr(GUri) u = g_uri_parse (c->server->base_url, G_URI_FLAGS_NONE, NULL);

      if (u && g_uri_get_port (u) > 0)
        issuer = g_strdup_printf ("%s:%d", g_uri_get_host (u), g_uri_get_port (u));
      else
        issuer = g_strdup (u ? g_uri_get_host (u) : "localhost");
    }
  {
    g_autofree char *label = g_strdup_printf ("%s:%s", issuer, email ? email : "");
    g_autofree char *path = path_escape (label);
    g_autofree char *qissuer = sl_auth_query_escape (issuer);

    uri = g_strdup_printf ("otpauth://totp/%s?algorithm=SHA1&digits=6&issuer=%s&period=30&secret=%s",
                           path, qissuer, secret);
  }
  {
    const char *p[] = { factor_id, user_id, (friendly && *friendly) ? friendly : NULL, secret };
    PGresult *res = sl_auth_exec (c, "Database error creating factor",
                                  "insert into auth.mfa_factors (id, user_id, friendly_name, factor_type, status,"
                                  " created_at, updated_at, secret) values ($1::uuid, $2::uuid, $3, 'totp', 'unverified',"
                                  " now (), now (), $4)", 4, p);
    if (res == NULL)
      return;
    PQclear (res);
  }
  {
    g_autoptr(JsonBuilder) b = json_builder_new ();
    g_autoptr(JsonNode) node = NULL;

    json_builder_begin_object (b);
    json_builder_set_member_name (b, "id");
    json_builder_add_string_value (b, factor_id);
    json_builder_set_member_name (b, "type");
    json_builder_add_string_value (b, "totp");
    json_builder_set_member_name (b, "friendly_name");
    json_builder_add_string_value (b, friendly ? friendly : "");
    json_builder_set_member_name (b, "totp");
    json_builder_begin_object (b);
    json_builder_set_member_name (b, "secret");
    json_builder_add_string_value (b, secret);
    json_builder_set_member_name (b, "uri");
    json_builder_add_string_value (b, uri);
    json_builder_end_object (b);
    json_builder_end_object (b);
    node = json_builder_get_root (b);
    sl_auth_send_node (c, 200, node);
  }
}

/* Loads the factor if @user_id owns it: returns its status and secret. */
static gboolean
load_factor (SlAuthCall *c,
             const char *user_id,
             const char *factor_id,
             char      **status,
             char      **secret)
{
  const char *p[] = { factor_id, user_id };
  PGresult *res;

  if (!sl_auth_is_uuid (factor_id))
    {
      sl_auth_error (c, 404, "validation_failed", "factor_id must be an UUID");
      return FALSE;
    }
  res = sl_auth_exec (c, "Database error loading factor",
                      "select status::text, coalesce (secret, '') from auth.mfa_factors"
                      " where id = $1::uuid and user_id = $2::uuid", 2, p);
  if (res == NULL)
    return FALSE;
  if (PQntuples (res) != 1)
    {
      PQclear (res);
      sl_auth_error (c, 404, "mfa_factor_not_found", "Factor not found");
      return FALSE;
    }
  *status = g_strdup (PQgetvalue (res, 0, 0));
  *secret = g_strdup (PQgetvalue (res, 0, 1));
  PQclear (res);
  return TRUE;
}

static void
challenge (SlAuthCall *c,
           const char *user_id,
           const char *factor_id)
{
  g_autofree char *status = NULL;
  g_autofree char *secret = NULL;
  g_autofree char *challenge_id = g_uuid_string_random ();
  const char *p[] = { challenge_id, factor_id };
  PGresult *res;
  g_autofree char *text = NULL;

  if (!load_factor (c, user_id, factor_id, &status, &secret))
    return;
  res = sl_auth_exec (c, "Database error creating challenge",
                      "with ch as (insert into auth.mfa_challenges (id, factor_id, created_at, ip_address)"
                      " values ($1::uuid, $2::uuid, now (), '127.0.0.1') returning created_at),"
                      " f as (update auth.mfa_factors set last_challenged_at = clock_timestamp (), updated_at = now ()"
                      " where id = $2::uuid) "
                      "select extract (epoch from created_at)::bigint + " G_STRINGIFY (CHALLENGE_EXPIRY) " from ch",
                      2, p);
  if (res == NULL)
    return;
  text = g_strdup_printf ("{\"id\":\"%s\",\"type\":\"totp\",\"expires_at\":%s}",
                          challenge_id, PQgetvalue (res, 0, 0));
  PQclear (res);
  sl_auth_send_text (c, 200, text);
}

static void
verify (SlAuthCall *c,
        const char *user_id,
        const char *session_id,
        const char *factor_id)
{
  JsonObject *body;
  const char *challenge_id, *code;
  g_autofree char *status = NULL;
  g_autofree char *secret = NULL;
  g_autofree char *refresh = NULL;
  g_autoptr(JsonNode) tokens = NULL;
  PGresult *res;
  gboolean expired;

  if (!load_factor (c, user_id, factor_id, &status, &secret))
    return;
  body = sl_auth_body (c);
  if (body == NULL)
    return;
  challenge_id = sl_auth_obj_string (body, "challenge_id");
  code = sl_auth_obj_string (body, "code");
  if (!sl_auth_is_uuid (challenge_id))
    {
      sl_auth_error (c, 422, "mfa_factor_not_found", "MFA factor with the provided challenge ID not found");
      return;
    }
  {
    const char *p[] = { challenge_id, factor_id };

    res = sl_auth_exec (c, "Database error finding Challenge",
                        "select verified_at is not null or created_at + interval '" G_STRINGIFY (CHALLENGE_EXPIRY)
                        " seconds' < now () from auth.mfa_challenges where id = $1::uuid and factor_id = $2::uuid",
                        2, p);
  }
  if (res == NULL)
    return;
  if (PQntuples (res) != 1)
    {
      PQclear (res);
      sl_auth_error (c, 422, "mfa_factor_not_found", "MFA factor with the provided challenge ID not found");
      return;
    }
  expired = g_str_equal (PQgetvalue (res, 0, 0), "t");
  PQclear (res);
  if (expired)
    {
      sl_auth_error (c, 422, "mfa_challenge_expired",
                     "MFA challenge %s has expired, verify against another challenge or create a new challenge.",
                     challenge_id);
      return;
    }
  if (!totp_valid (secret, code))
    {
      sl_auth_error (c, 422, "mfa_verification_failed", "Invalid TOTP code entered");
      return;
    }
  if (session_id == NULL)
    {
      sl_auth_error (c, 403, "session_not_found", "Session from session_id claim in JWT does not exist");
      return;
    }
  {
    const char *p[] = { challenge_id, factor_id, user_id, session_id };

    res = sl_auth_exec (c, "Failed to update sessions",
                        "with ch as (update auth.mfa_challenges set verified_at = now () where id = $1::uuid),"
                        " f as (update auth.mfa_factors set status = 'verified', updated_at = now () where id = $2::uuid),"
                        " d as (delete from auth.mfa_factors where user_id = $3::uuid and status = 'unverified' and id <> $2::uuid),"
                        " s as (update auth.sessions set aal = 'aal2', factor_id = $2::uuid, updated_at = now () where id = $4::uuid),"
                        " a as (insert into auth.mfa_amr_claims (session_id, created_at, updated_at, authentication_method, id)"
                        "       values ($4::uuid, now (), now (), 'totp', gen_random_uuid ())"
                        "       on conflict (session_id, authentication_method) do update set updated_at = now ()),"
                        " old as (update auth.refresh_tokens set revoked = true, updated_at = now ()"
                        "       where session_id = $4::uuid and not revoked returning token, id) "
                        "insert into auth.refresh_tokens (instance_id, token, user_id, revoked, created_at, updated_at, parent, session_id)"
                        " values ('00000000-0000-0000-0000-000000000000', sl_auth.new_refresh_token (), $3::text, false, now (), now (),"
                        "  (select token from old order by id desc limit 1), $4::uuid) returning token",
                        4, p);
  }
  if (res == NULL)
    return;
  refresh = g_strdup (PQgetvalue (res, 0, 0));
  PQclear (res);
  tokens = sl_auth_token_response (c, user_id, session_id, refresh);
  if (tokens)
    sl_auth_send_node (c, 200, tokens);
}

static void
unenroll (SlAuthCall *c,
          const char *user_id,
          const char *session_id,
          const char *factor_id)
{
  g_autofree char *status = NULL;
  g_autofree char *secret = NULL;
  g_autofree char *aal = NULL;
  g_autofree char *text = NULL;
  gboolean failed = FALSE;
  const char *p[] = { factor_id };
  PGresult *res;

  if (!load_factor (c, user_id, factor_id, &status, &secret))
    return;
  aal = session_aal (c, session_id, &failed);
  if (failed)
    return;
  if (g_str_equal (status, "verified") && g_strcmp0 (aal, "aal2") != 0)
    {
      sl_auth_error (c, 403, "insufficient_aal", "AAL2 required to unenroll verified factor");
      return;
    }
  res = sl_auth_exec (c, "Database error deleting factor",
                      "with d as (delete from auth.mfa_factors where id = $1::uuid) "
                      "update auth.sessions set aal = 'aal1', factor_id = null, updated_at = now ()"
                      " where factor_id = $1::uuid", 1, p);
  if (res == NULL)
    return;
  PQclear (res);
  text = g_strdup_printf ("{\"id\":\"%s\"}", factor_id);
  sl_auth_send_text (c, 200, text);
}

void
sl_auth_factors_route (SlAuthCall *c,
                       const char *path)
{
  const char *m = c->req->method;
  g_autofree char *user_id = NULL;
  g_autofree char *session_id = NULL;
  g_auto(GStrv) parts = NULL;
  guint n;

  if (!sl_auth_require_user (c, &user_id, &session_id))
    return;
  if (*path == '\0')
    {
      if (g_str_equal (m, "POST"))
        enroll (c, user_id, session_id);
      else
        sl_auth_error (c, 405, NULL, "Method Not Allowed");
      return;
    }
  parts = g_strsplit (path + 1, "/", -1);
  n = g_strv_length (parts);
  if (n == 1 && g_str_equal (m, "DELETE"))
    unenroll (c, user_id, session_id, parts[0]);
  else if (n == 2 && g_str_equal (parts[1], "challenge") && g_str_equal (m, "POST"))
    challenge (c, user_id, parts[0]);
  else if (n == 2 && g_str_equal (parts[1], "verify") && g_str_equal (m, "POST"))
    verify (c, user_id, session_id, parts[0]);
  else
    sl_auth_error (c, 404, NULL, "Not Found");
}
