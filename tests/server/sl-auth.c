/* sl-auth.c — supabase-local's Auth (GoTrue) module: /auth/v1 and the
 * local mail outbox /__local/outbox.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Wire behaviour follows PROTOCOL.md §3 and supabase/auth. Users, sessions
 * and tokens live in the auth schema (sql/20-auth.sql); most row-level work
 * is done by the sl_auth.* SQL helpers so that a request is a handful of
 * statements inside one transaction.
 */

#define G_LOG_DOMAIN "sl-auth"

#include "sl-auth-private.h"

#include <stdarg.h>
#include <string.h>

/* ------------------------------------------------------------ responses */

void
sl_auth_send_node (SlAuthCall *c,
                   guint       status,
                   JsonNode   *node)
{
  sl_response_set_json (c->resp, status, node);
}

void
sl_auth_send_text (SlAuthCall *c,
                   guint       status,
                   const char *json_text)
{
  sl_response_set_json_text (c->resp, status, json_text);
}

static char *
random_uuid (void)
{
  return g_uuid_string_random ();
}

static void
send_error_object (SlAuthCall  *c,
                   guint        status,
                   const char  *code,
                   const char  *message,
                   JsonNode    *weak_password)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();
  g_autoptr(JsonNode) node = NULL;

  json_builder_begin_object (b);
  if (c->api_2024)
    {
      const char *c2 = code ? code : (status == 500 ? "unexpected_failure" : "unknown");

      json_builder_set_member_name (b, "code");
      json_builder_add_string_value (b, c2);
      json_builder_set_member_name (b, "message");
      json_builder_add_string_value (b, message);
    }
  else
    {
      const char *c2 = code ? code : (status == 500 ? "unexpected_failure" : "unknown");

      json_builder_set_member_name (b, "code");
      json_builder_add_int_value (b, status);
      json_builder_set_member_name (b, "error_code");
      json_builder_add_string_value (b, c2);
      json_builder_set_member_name (b, "msg");
      json_builder_add_string_value (b, message);
      if (status >= 500)
        {
          g_autofree char *id = random_uuid ();

          json_builder_set_member_name (b, "error_id");
          json_builder_add_string_value (b, id);
        }
    }
  if (weak_password != NULL)
    {
      json_builder_set_member_name (b, "weak_password");
      json_builder_add_value (b, json_node_copy (weak_password));
    }
  json_builder_end_object (b);
  node = json_builder_get_root (b);
  sl_response_set_json (c->resp, status, node);
  if (c->api_2024)
    sl_response_add_header (c->resp, "X-Supabase-Api-Version", "2024-01-01");
  if (code != NULL)
    sl_response_add_header (c->resp, "x-sb-error-code", code);
}

void
sl_auth_error (SlAuthCall *c,
               guint       status,
               const char *code,
               const char *format,
               ...)
{
  g_autofree char *message = NULL;
  va_list ap;

  va_start (ap, format);
  message = g_strdup_vprintf (format, ap);
  va_end (ap);
  send_error_object (c, status, code, message, NULL);
}

void
sl_auth_weak_password (SlAuthCall *c,
                       const char *message)
{
  g_autoptr(JsonNode) wp = sl_auth_parse ("{\"reasons\":[\"length\"]}");

  send_error_object (c, 422, "weak_password", message, wp);
}

/* ------------------------------------------------------------- database */

PGresult *
sl_auth_exec (SlAuthCall         *c,
              const char         *what,
              const char         *sql,
              int                 n_params,
              const char * const *params)
{
  g_autoptr(GError) error = NULL;
  PGresult *res = sl_db_exec (c->conn, &error, sql, n_params, params);

  if (res == NULL)
    {
      g_message ("%s: %s", what, error->message);
      if (g_strcmp0 (sl_db_error_sqlstate (error), "23505") == 0)
        sl_auth_error (c, 422, "conflict", "%s", what);
      else
        sl_auth_error (c, 500, "unexpected_failure", "%s", what);
    }
  return res;
}

char *
sl_auth_exec_value (SlAuthCall         *c,
                    const char         *what,
                    gboolean           *failed,
                    const char         *sql,
                    int                 n_params,
                    const char * const *params)
{
  PGresult *res = sl_auth_exec (c, what, sql, n_params, params);
  char *value = NULL;

  if (failed != NULL)
    *failed = (res == NULL);
  if (res == NULL)
    return NULL;
  if (PQntuples (res) > 0 && PQnfields (res) > 0 && !PQgetisnull (res, 0, 0))
    value = g_strdup (PQgetvalue (res, 0, 0));
  PQclear (res);
  return value;
}

/* ----------------------------------------------------------------- JSON */

char *
sl_auth_node_to_string (JsonNode *node)
{
  g_autoptr(JsonGenerator) gen = json_generator_new ();

  json_generator_set_root (gen, node);
  return json_generator_to_data (gen, NULL);
}

JsonNode *
sl_auth_parse (const char *json_text)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonNode *root;

  if (json_text == NULL || !json_parser_load_from_data (parser, json_text, -1, NULL))
    return NULL;
  root = json_parser_get_root (parser);
  return root ? json_node_copy (root) : NULL;
}

JsonObject *
sl_auth_body (SlAuthCall *c)
{
  g_autoptr(GError) error = NULL;

  if (c->body_node != NULL)
    return json_node_get_object (c->body_node);

  if (c->req->body == NULL || g_bytes_get_size (c->req->body) == 0)
    {
      sl_auth_error (c, 400, "bad_json", "Could not parse request body as JSON: unexpected end of JSON input");
      return NULL;
    }
  c->body_node = sl_request_parse_json (c->req, &error);
  if (c->body_node == NULL || !JSON_NODE_HOLDS_OBJECT (c->body_node))
    {
      g_clear_pointer (&c->body_node, json_node_unref);
      sl_auth_error (c, 400, "bad_json", "Could not parse request body as JSON: %s",
                     error ? error->message : "json: cannot unmarshal into Go value of type object");
      return NULL;
    }
  return json_node_get_object (c->body_node);
}

const char *
sl_auth_obj_string (JsonObject *obj,
                    const char *name)
{
  JsonNode *n;

  if (obj == NULL || (n = json_object_get_member (obj, name)) == NULL)
    return NULL;
  if (JSON_NODE_HOLDS_VALUE (n) && json_node_get_value_type (n) == G_TYPE_STRING)
    return json_node_get_string (n);
  return NULL;
}

gboolean
sl_auth_obj_bool (JsonObject *obj,
                  const char *name)
{
  JsonNode *n;

  if (obj == NULL || (n = json_object_get_member (obj, name)) == NULL)
    return FALSE;
  if (JSON_NODE_HOLDS_VALUE (n) && json_node_get_value_type (n) == G_TYPE_BOOLEAN)
    return json_node_get_boolean (n);
  return FALSE;
}

JsonObject *
sl_auth_obj_object (JsonObject *obj,
                    const char *name)
{
  JsonNode *n;

  if (obj == NULL || (n = json_object_get_member (obj, name)) == NULL)
    return NULL;
  return JSON_NODE_HOLDS_OBJECT (n) ? json_node_get_object (n) : NULL;
}

char *
sl_auth_obj_json (JsonObject *obj,
                  const char *name)
{
  JsonNode *n;

  if (obj == NULL || (n = json_object_get_member (obj, name)) == NULL || JSON_NODE_HOLDS_NULL (n))
    return NULL;
  return sl_auth_node_to_string (n);
}

/* ------------------------------------------------------------ utilities */

gboolean
sl_auth_is_uuid (const char *s)
{
  return s != NULL && g_uuid_string_is_valid (s);
}

char *
sl_auth_query_escape (const char *s)
{
  GString *out = g_string_new (NULL);

  for (const unsigned char *p = (const unsigned char *) s; p && *p; p++)
    {
      if (g_ascii_isalnum (*p) || *p == '-' || *p == '_' || *p == '.' || *p == '~')
        g_string_append_c (out, *p);
      else if (*p == ' ')
        g_string_append_c (out, '+');
      else
        g_string_append_printf (out, "%%%02X", *p);
    }
  return g_string_free (out, FALSE);
}

char *
sl_auth_generate_otp (void)
{
  return g_strdup_printf ("%06d", g_random_int_range (0, 1000000));
}

char *
sl_auth_validate_email (SlAuthCall *c,
                        const char *email)
{
  static GRegex *re;

  if (g_once_init_enter (&re))
    {
      GRegex *r = g_regex_new ("^[a-zA-Z0-9.!#$%&'*+/=?^_`{|}~-]+@[a-zA-Z0-9]"
                               "(?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?"
                               "(?:\\.[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)*$",
                               G_REGEX_OPTIMIZE, 0, NULL);
      g_once_init_leave (&re, r);
    }

  if (email == NULL || *email == '\0')
    {
      sl_auth_error (c, 400, "validation_failed", "An email address is required");
      return NULL;
    }
  if (strlen (email) > 255)
    {
      sl_auth_error (c, 400, "validation_failed", "An email address is too long");
      return NULL;
    }
  if (!g_regex_match (re, email, 0, NULL))
    {
      sl_auth_error (c, 400, "validation_failed", "Unable to validate email address: invalid format");
      return NULL;
    }
  return g_ascii_strdown (email, -1);
}

gboolean
sl_auth_check_password (SlAuthCall *c,
                        const char *password)
{
  if (password == NULL || g_utf8_strlen (password, -1) < SL_AUTH_MIN_PASSWORD)
    {
      g_autofree char *msg = g_strdup_printf ("Password should be at least %d characters.",
                                              SL_AUTH_MIN_PASSWORD);
      sl_auth_weak_password (c, msg);
      return FALSE;
    }
  return TRUE;
}

static char *
site_url (SlAuthCall *c)
{
  return g_strdup (c->server->base_url);
}

static gboolean
redirect_allowed (const char *url)
{
  /* The local server allow-lists every http(s) URL and custom schemes. */
  return url != NULL && *url != '\0' && strstr (url, "://") != NULL;
}

char *
sl_auth_redirect_url (SlAuthCall *c,
                      const char *body_redirect)
{
  const char *q = sl_request_get_query (c->req, "redirect_to");
  const char *referer = sl_request_get_header (c->req, "Referer");

  if (redirect_allowed (body_redirect))
    return g_strdup (body_redirect);
  if (redirect_allowed (q))
    return g_strdup (q);
  if (redirect_allowed (referer))
    return g_strdup (referer);
  return site_url (c);
}

char *
sl_auth_action_link (SlAuthCall *c,
                     const char *hashed_token,
                     const char *type,
                     const char *redirect)
{
  g_autofree char *tok = sl_auth_query_escape (hashed_token);
  g_autofree char *typ = sl_auth_query_escape (type);
  g_autofree char *red = NULL;

  /* GoTrue escapes the redirect only when it looks unescaped. */
  if (redirect != NULL && strpbrk (redirect, "&=#") != NULL)
    red = sl_auth_query_escape (redirect);
  else
    red = g_strdup (redirect ? redirect : "");
  return g_strdup_printf ("%s/auth/v1/verify?token=%s&type=%s&redirect_to=%s",
                          c->server->base_url, tok, typ, red);
}

gboolean
sl_auth_outbox_add (SlAuthCall *c,
                    const char *to,
                    const char *kind,
                    const char *subject,
                    const char *body,
                    const char *action_link,
                    const char *otp)
{
  const char *p[] = { to, kind, subject, body, action_link, otp };
  PGresult *res = sl_auth_exec (c, "Error sending email",
                                "insert into sl_auth.outbox (\"to\", kind, subject, body, action_link, otp) "
                                "values ($1, $2, $3, $4, $5, $6)", 6, p);

  if (res == NULL)
    return FALSE;
  PQclear (res);
  return TRUE;
}

typedef struct
{
  const char *kind;
  const char *subject;
  const char *heading;
  const char *link_text;
  const char *sql;
} MailKind;

static const MailKind mail_kinds[] = {
  { "signup", "Confirm your email address", "Confirm your signup",
    "Follow this link to confirm your user:",
    "update auth.users set confirmation_token = $2, confirmation_sent_at = now (), updated_at = now () where id = $1" },
  { "invite", "You've been invited", "You have been invited",
    "You have been invited to create a user. Follow this link to accept the invite:",
    "update auth.users set confirmation_token = $2, confirmation_sent_at = now (), invited_at = now (), updated_at = now () where id = $1" },
  { "magiclink", "Your sign-in link", "Magic Link",
    "Follow this link to login:",
    "update auth.users set recovery_token = $2, recovery_sent_at = now (), updated_at = now () where id = $1" },
  { "recovery", "Reset your password", "Reset Password",
    "Follow this link to reset the password for your user:",
    "update auth.users set recovery_token = $2, recovery_sent_at = now (), updated_at = now () where id = $1" },
  { "reauthentication", NULL, "Confirm reauthentication",
    "Enter the code:",
    "update auth.users set reauthentication_token = $2, reauthentication_sent_at = now (), updated_at = now () where id = $1" },
};

static char *
mail_body (const MailKind *k,
           const char     *link,
           const char     *otp)
{
  if (link == NULL)
    return g_strdup_printf ("<h2>%s</h2>\n<p>%s</p>\n<p>%s</p>\n", k->heading, k->link_text, otp);
  return g_strdup_printf ("<h2>%s</h2>\n<p>%s</p>\n<p><a href=\"%s\">%s</a></p>\n"
                          "<p>Alternatively, enter the code: %s</p>\n",
                          k->heading, k->link_text, link, link, otp);
}

static char *
token_hash (SlAuthCall *c,
            const char *who,
            const char *otp)
{
  const char *p[] = { who, otp };

  return sl_auth_exec_value (c, "Error hashing token", NULL,
                             "select sl_auth.token_hash ($1, $2)", 2, p);
}

gboolean
sl_auth_send_token_mail (SlAuthCall *c,
                         const char *user_id,
                         const char *email,
                         const char *kind,
                         const char *link_type,
                         const char *redirect,
                         char      **otp_out,
                         char      **hash_out)
{
  const MailKind *k = NULL;
  g_autofree char *otp = sl_auth_generate_otp ();
  g_autofree char *hash = NULL;
  g_autofree char *link = NULL;
  g_autofree char *body = NULL;
  g_autofree char *subject = NULL;
  PGresult *res;

  for (gsize i = 0; i < G_N_ELEMENTS (mail_kinds); i++)
    if (g_str_equal (mail_kinds[i].kind, kind))
      k = &mail_kinds[i];
  g_return_val_if_fail (k != NULL, FALSE);

  hash = token_hash (c, email, otp);
  if (hash == NULL)
    return FALSE;
  {
    const char *p[] = { user_id, hash };

    res = sl_auth_exec (c, "Database error updating user", k->sql, 2, p);
    if (res == NULL)
      return FALSE;
    PQclear (res);
  }
  if (link_type != NULL)
    link = sl_auth_action_link (c, hash, link_type, redirect);
  body = mail_body (k, link, otp);
  subject = k->subject ? g_strdup (k->subject) : g_strdup_printf ("%s is your verification code", otp);
  if (!sl_auth_outbox_add (c, email, kind, subject, body, link, otp))
    return FALSE;
  if (otp_out)
    *otp_out = g_steal_pointer (&otp);
  if (hash_out)
    *hash_out = g_steal_pointer (&hash);
  return TRUE;
}

/* Go's time.ParseDuration. */
gboolean
sl_auth_parse_duration (const char *s,
                        double     *seconds,
                        char      **error_text)
{
  static const struct { const char *unit; double mul; } units[] = {
    { "ns", 1e-9 }, { "us", 1e-6 }, { "µs", 1e-6 }, { "μs", 1e-6 },
    { "ms", 1e-3 }, { "s", 1 }, { "m", 60 }, { "h", 3600 },
  };
  const char *p = s;
  double total = 0;
  gboolean neg = FALSE;

  if (*p == '-' || *p == '+')
    {
      neg = (*p == '-');
      p++;
    }
  if (g_str_equal (p, "0"))
    {
      *seconds = 0;
      return TRUE;
    }
  if (*p == '\0')
    goto invalid;
  while (*p)
    {
      const char *start = p;
      g_autofree char *num = NULL;
      g_autofree char *unit = NULL;
      const char *ustart;
      gboolean found = FALSE;
      double v;

      if (!(g_ascii_isdigit (*p) || *p == '.'))
        goto invalid;
      while (g_ascii_isdigit (*p) || *p == '.')
        p++;
      num = g_strndup (start, p - start);
      if (g_str_equal (num, ".") || strchr (strchr (num, '.') ? strchr (num, '.') + 1 : "", '.'))
        goto invalid;
      v = g_ascii_strtod (num, NULL);
      ustart = p;
      while (*p && !(g_ascii_isdigit (*p) || *p == '.'))
        p++;
      unit = g_strndup (ustart, p - ustart);
      if (*unit == '\0')
        {
          *error_text = g_strdup_printf ("time: missing unit in duration \"%s\"", s);
          return FALSE;
        }
      for (gsize i = 0; i < G_N_ELEMENTS (units); i++)
        if (g_str_equal (units[i].unit, unit))
          {
            total += v * units[i].mul;
            found = TRUE;
          }
      if (!found)
        {
          *error_text = g_strdup_printf ("time: unknown unit \"%s\" in duration \"%s\"", unit, s);
          return FALSE;
        }
    }
  *seconds = neg ? -total : total;
  return TRUE;

invalid:
  *error_text = g_strdup_printf ("time: invalid duration \"%s\"", s);
  return FALSE;
}

/* ------------------------------------------------------------ users/JWT */

JsonNode *
sl_auth_user_node (SlAuthCall *c,
                   const char *user_id,
                   gboolean   *failed)
{
  const char *p[] = { user_id };
  g_autofree char *text = sl_auth_exec_value (c, "Database error finding user", failed,
                                              "select sl_auth.user_json ($1::uuid)", 1, p);

  return text ? sl_auth_parse (text) : NULL;
}

static const char *
bearer_token (SlAuthCall *c)
{
  const char *auth = sl_request_get_header (c->req, "Authorization");

  if (auth == NULL || g_ascii_strncasecmp (auth, "Bearer ", 7) != 0)
    return NULL;
  auth += 7;
  if (*auth == '\0' || strpbrk (auth, " \t") != NULL)
    return NULL;
  return auth;
}

static JsonObject *
verify_bearer (SlAuthCall *c)
{
  const char *token = bearer_token (c);
  g_autoptr(GError) error = NULL;
  JsonObject *claims;

  if (token == NULL)
    {
      sl_auth_error (c, 401, "no_authorization", "This endpoint requires a valid Bearer token");
      return NULL;
    }
  claims = sl_jwt_verify (c->server->jwt_secret, token, &error);
  if (claims == NULL)
    {
      const char *detail = "token is malformed: could not parse token";

      if (g_error_matches (error, SL_JWT_ERROR, SL_JWT_ERROR_EXPIRED))
        detail = "token has invalid claims: token is expired";
      else if (g_error_matches (error, SL_JWT_ERROR, SL_JWT_ERROR_SIGNATURE))
        detail = "token signature is invalid: signature is invalid";
      else if (g_error_matches (error, SL_JWT_ERROR, SL_JWT_ERROR_CLAIMS))
        detail = "token has invalid claims: token is missing required claim";
      sl_auth_error (c, 403, "bad_jwt", "invalid JWT: unable to parse or verify signature, %s", detail);
      return NULL;
    }
  return claims;
}

gboolean
sl_auth_require_admin (SlAuthCall *c)
{
  g_autoptr(JsonObject) claims = verify_bearer (c);
  const char *role;

  if (claims == NULL)
    return FALSE;
  role = json_object_get_string_member_with_default (claims, "role", "");
  if (!g_str_equal (role, "service_role") && !g_str_equal (role, "supabase_admin"))
    {
      sl_auth_error (c, 403, "not_admin", "User not allowed");
      return FALSE;
    }
  return TRUE;
}

gboolean
sl_auth_require_user (SlAuthCall *c,
                      char      **user_id,
                      char      **session_id)
{
  g_autoptr(JsonObject) claims = verify_bearer (c);
  const char *sub;
  const char *sid;
  gboolean failed = FALSE;

  if (claims == NULL)
    return FALSE;
  sub = json_object_get_string_member_with_default (claims, "sub", "");
  if (*sub == '\0')
    {
      sl_auth_error (c, 403, "bad_jwt", "invalid claim: missing sub claim");
      return FALSE;
    }
  if (!sl_auth_is_uuid (sub))
    {
      sl_auth_error (c, 400, "bad_jwt", "invalid claim: sub claim must be a UUID");
      return FALSE;
    }
  {
    const char *p[] = { sub };
    g_autofree char *found = sl_auth_exec_value (c, "Database error finding user", &failed,
                                                 "select 1 from auth.users where id = $1::uuid", 1, p);
    if (failed)
      return FALSE;
    if (found == NULL)
      {
        sl_auth_error (c, 403, "user_not_found", "User from sub claim in JWT does not exist");
        return FALSE;
      }
  }
  sid = json_object_get_string_member_with_default (claims, "session_id", "");
  if (*sid != '\0')
    {
      const char *p[] = { sid, sub };
      g_autofree char *found = NULL;

      if (!sl_auth_is_uuid (sid))
        {
          sl_auth_error (c, 403, "bad_jwt", "invalid claim: session_id claim must be a UUID");
          return FALSE;
        }
      found = sl_auth_exec_value (c, "Database error finding session", &failed,
                                  "select 1 from auth.sessions where id = $1::uuid and user_id = $2::uuid",
                                  2, p);
      if (failed)
        return FALSE;
      if (found == NULL)
        {
          sl_auth_error (c, 403, "session_not_found", "Session from session_id claim in JWT does not exist");
          return FALSE;
        }
    }
  *user_id = g_strdup (sub);
  if (session_id)
    *session_id = *sid ? g_strdup (sid) : NULL;
  return TRUE;
}

static void
copy_member (JsonObject *to,
             JsonObject *from,
             const char *name)
{
  JsonNode *n = json_object_get_member (from, name);

  if (n != NULL)
    json_object_set_member (to, name, json_node_copy (n));
}

JsonNode *
sl_auth_token_response (SlAuthCall *c,
                        const char *user_id,
                        const char *session_id,
                        const char *refresh_token)
{
  g_autoptr(JsonNode) user = NULL;
  g_autoptr(JsonObject) claims = json_object_new ();
  g_autoptr(JsonBuilder) b = json_builder_new ();
  g_autoptr(JsonNode) amr = NULL;
  g_autofree char *iss = NULL;
  g_autofree char *jwt = NULL;
  const char *p[] = { session_id };
  JsonObject *u;
  PGresult *res;
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;
  gboolean failed = FALSE;
  char aal[8] = "aal1";

  user = sl_auth_user_node (c, user_id, &failed);
  if (user == NULL)
    {
      if (!failed)
        sl_auth_error (c, 500, "unexpected_failure", "Database error finding user");
      return NULL;
    }
  u = json_node_get_object (user);

  res = sl_auth_exec (c, "Database error finding session",
                      "select s.aal::text, coalesce ((select json_agg (json_build_object ("
                      "  'method', m.authentication_method,"
                      "  'timestamp', extract (epoch from m.created_at)::bigint) order by m.created_at desc)"
                      "  from auth.mfa_amr_claims m where m.session_id = s.id), '[]')::text "
                      "from auth.sessions s where s.id = $1::uuid", 1, p);
  if (res == NULL)
    return NULL;
  if (PQntuples (res) == 1)
    {
      g_strlcpy (aal, PQgetvalue (res, 0, 0), sizeof aal);
      amr = sl_auth_parse (PQgetvalue (res, 0, 1));
    }
  PQclear (res);
  if (amr == NULL)
    amr = sl_auth_parse ("[]");

  iss = g_strdup_printf ("%s/auth/v1", c->server->base_url);
  json_object_set_string_member (claims, "iss", iss);
  json_object_set_string_member (claims, "sub", user_id);
  copy_member (claims, u, "aud");
  json_object_set_int_member (claims, "exp", now + SL_AUTH_JWT_EXP);
  json_object_set_int_member (claims, "iat", now);
  copy_member (claims, u, "email");
  copy_member (claims, u, "phone");
  copy_member (claims, u, "app_metadata");
  copy_member (claims, u, "user_metadata");
  copy_member (claims, u, "role");
  json_object_set_string_member (claims, "aal", aal);
  json_object_set_member (claims, "amr", json_node_copy (amr));
  json_object_set_string_member (claims, "session_id", session_id);
  copy_member (claims, u, "is_anonymous");
  jwt = sl_jwt_sign (c->server->jwt_secret, claims);

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "access_token");
  json_builder_add_string_value (b, jwt);
  json_builder_set_member_name (b, "token_type");
  json_builder_add_string_value (b, "bearer");
  json_builder_set_member_name (b, "expires_in");
  json_builder_add_int_value (b, SL_AUTH_JWT_EXP);
  json_builder_set_member_name (b, "expires_at");
  json_builder_add_int_value (b, now + SL_AUTH_JWT_EXP);
  json_builder_set_member_name (b, "refresh_token");
  json_builder_add_string_value (b, refresh_token);
  json_builder_set_member_name (b, "user");
  json_builder_add_value (b, g_steal_pointer (&user));
  json_builder_end_object (b);
  return json_builder_get_root (b);
}

static JsonNode *
start_session (SlAuthCall *c,
               const char *user_id,
               const char *method)
{
  const char *agent = sl_request_get_header (c->req, "User-Agent");
  const char *p[] = { user_id, method, agent };
  PGresult *res = sl_auth_exec (c, "Database error granting user",
                                "select session_id::text, refresh_token from sl_auth.issue_session ($1::uuid, $2, $3)",
                                3, p);
  JsonNode *tokens;

  if (res == NULL)
    return NULL;
  tokens = sl_auth_token_response (c, user_id, PQgetvalue (res, 0, 0), PQgetvalue (res, 0, 1));
  PQclear (res);
  return tokens;
}

gboolean
sl_auth_sign_in (SlAuthCall *c,
                 const char *user_id,
                 const char *method)
{
  g_autoptr(JsonNode) tokens = start_session (c, user_id, method);

  if (tokens == NULL)
    return FALSE;
  sl_auth_send_node (c, 200, tokens);
  return TRUE;
}

/* ------------------------------------------------------------ /token */

static void
grant_password (SlAuthCall *c)
{
  JsonObject *body = sl_auth_body (c);
  const char *email, *phone, *password;
  g_autofree char *lower = NULL;
  PGresult *res;
  gboolean banned, valid, confirmed;
  g_autofree char *user_id = NULL;

  if (body == NULL)
    return;
  email = sl_auth_obj_string (body, "email");
  phone = sl_auth_obj_string (body, "phone");
  password = sl_auth_obj_string (body, "password");
  if (email && *email && phone && *phone)
    {
      sl_auth_error (c, 400, "validation_failed", "Only an email address or phone number should be provided on login.");
      return;
    }
  if (phone && *phone)
    {
      sl_auth_error (c, 422, "phone_provider_disabled", "Phone logins are disabled");
      return;
    }
  if (email == NULL || *email == '\0')
    {
      sl_auth_error (c, 400, "validation_failed", "missing email or phone");
      return;
    }
  lower = g_ascii_strdown (email, -1);
  {
    const char *p[] = { lower, password ? password : "" };

    res = sl_auth_exec (c, "Database error querying schema",
                        "select id::text,"
                        " coalesce (banned_until > now (), false),"
                        " coalesce (encrypted_password like '$2%' and encrypted_password = extensions.crypt ($2, encrypted_password), false),"
                        " email_confirmed_at is not null "
                        "from auth.users where email = $1 and is_sso_user = false", 2, p);
  }
  if (res == NULL)
    return;
  if (PQntuples (res) != 1)
    {
      PQclear (res);
      sl_auth_error (c, 400, "invalid_credentials", "Invalid login credentials");
      return;
    }
  user_id = g_strdup (PQgetvalue (res, 0, 0));
  banned = g_str_equal (PQgetvalue (res, 0, 1), "t");
  valid = g_str_equal (PQgetvalue (res, 0, 2), "t");
  confirmed = g_str_equal (PQgetvalue (res, 0, 3), "t");
  PQclear (res);

  if (banned)
    sl_auth_error (c, 400, "user_banned", "User is banned");
  else if (!valid || password == NULL || *password == '\0')
    sl_auth_error (c, 400, "invalid_credentials", "Invalid login credentials");
  else if (!confirmed)
    sl_auth_error (c, 400, "email_not_confirmed", "Email not confirmed");
  else
    sl_auth_sign_in (c, user_id, "password");
}

static gboolean
legacy_refresh_token_valid (const char *t)
{
  if (t == NULL || strlen (t) != 12)
    return FALSE;
  for (const char *p = t; *p; p++)
    if (!(g_ascii_islower (*p) || g_ascii_isdigit (*p)))
      return FALSE;
  return TRUE;
}

static void
grant_refresh (SlAuthCall *c)
{
  JsonObject *body = sl_auth_body (c);
  const char *token;
  PGresult *res;
  g_autofree char *status = NULL;
  g_autoptr(JsonNode) tokens = NULL;

  if (body == NULL)
    return;
  token = sl_auth_obj_string (body, "refresh_token");
  if (!legacy_refresh_token_valid (token))
    {
      sl_auth_error (c, 400, "validation_failed", "Refresh token is not valid");
      return;
    }
  {
    const char *p[] = { token };
    res = sl_auth_exec (c, "Database error refreshing token",
                        "select status, user_id::text, session_id::text, refresh_token from sl_auth.refresh ($1)",
                        1, p);
  }
  if (res == NULL)
    return;
  status = g_strdup (PQgetvalue (res, 0, 0));
  if (g_str_equal (status, "ok"))
    {
      tokens = sl_auth_token_response (c, PQgetvalue (res, 0, 1), PQgetvalue (res, 0, 2),
                                       PQgetvalue (res, 0, 3));
      if (tokens)
        sl_auth_send_node (c, 200, tokens);
    }
  else if (g_str_equal (status, "banned"))
    sl_auth_error (c, 400, "user_banned", "Invalid Refresh Token: User Banned");
  else if (g_str_equal (status, "no_session"))
    sl_auth_error (c, 400, "session_not_found", "Invalid Refresh Token: No Valid Session Found");
  else if (g_str_equal (status, "already_used"))
    sl_auth_error (c, 400, "refresh_token_already_used", "Invalid Refresh Token: Already Used");
  else
    sl_auth_error (c, 400, "refresh_token_not_found", "Invalid Refresh Token: Refresh Token Not Found");
  PQclear (res);
}

static void
handle_token (SlAuthCall *c)
{
  const char *grant = sl_request_get_query (c->req, "grant_type");

  if (g_strcmp0 (grant, "password") == 0)
    grant_password (c);
  else if (g_strcmp0 (grant, "refresh_token") == 0)
    grant_refresh (c);
  else if (g_strcmp0 (grant, "pkce") == 0)
    sl_auth_error (c, 404, "flow_state_not_found", "invalid flow state, no valid flow state found");
  else
    sl_auth_error (c, 400, "invalid_credentials", "unsupported_grant_type");
}

/* ------------------------------------------------------------- /signup */

static char *
find_user_by_email (SlAuthCall *c,
                    const char *email,
                    gboolean   *confirmed,
                    gboolean   *failed)
{
  const char *p[] = { email };
  PGresult *res = sl_auth_exec (c, "Database error finding user",
                                "select id::text, email_confirmed_at is not null from auth.users "
                                "where email = $1 and is_sso_user = false", 1, p);
  char *id = NULL;

  *failed = (res == NULL);
  if (res == NULL)
    return NULL;
  if (PQntuples (res) == 1)
    {
      id = g_strdup (PQgetvalue (res, 0, 0));
      if (confirmed)
        *confirmed = g_str_equal (PQgetvalue (res, 0, 1), "t");
    }
  PQclear (res);
  return id;
}

static char *
create_user (SlAuthCall *c,
             const char *email,
             const char *password,
             const char *user_meta_json,
             gboolean    anonymous)
{
  const char *p[] = { email, password, user_meta_json, anonymous ? "t" : "f" };

  return sl_auth_exec_value (c, "Database error saving new user", NULL,
                             "select sl_auth.create_user (null, $1, null, $2, null, $3::jsonb, null, $4::boolean, null, null)::text",
                             4, p);
}

static void
send_user (SlAuthCall *c,
           const char *user_id)
{
  gboolean failed = FALSE;
  g_autoptr(JsonNode) user = sl_auth_user_node (c, user_id, &failed);

  if (user != NULL)
    sl_auth_send_node (c, 200, user);
  else if (!failed)
    sl_auth_error (c, 404, "user_not_found", "User not found");
}

static void
handle_signup (SlAuthCall *c)
{
  JsonObject *body = sl_auth_body (c);
  const char *email, *phone, *password, *body_redirect;
  g_autofree char *data = NULL;
  g_autofree char *lower = NULL;
  g_autofree char *user_id = NULL;
  g_autofree char *redirect = NULL;
  gboolean confirmed = FALSE, failed = FALSE;

  if (body == NULL)
    return;
  email = sl_auth_obj_string (body, "email");
  phone = sl_auth_obj_string (body, "phone");
  password = sl_auth_obj_string (body, "password");
  body_redirect = NULL;
  data = sl_auth_obj_object (body, "data") ? sl_auth_obj_json (body, "data") : NULL;

  if ((email == NULL || *email == '\0') && (phone == NULL || *phone == '\0'))
    {
      /* Anonymous sign-in (enabled on the local server). */
      user_id = create_user (c, NULL, NULL, data, TRUE);
      if (user_id != NULL)
        sl_auth_sign_in (c, user_id, "anonymous");
      return;
    }
  if (email == NULL || *email == '\0')
    {
      sl_auth_error (c, 422, "phone_provider_disabled", "Phone signups are disabled");
      return;
    }
  if (password == NULL || *password == '\0')
    {
      sl_auth_error (c, 400, "validation_failed", "Signup requires a valid password");
      return;
    }
  if (!sl_auth_check_password (c, password))
    return;
  lower = sl_auth_validate_email (c, email);
  if (lower == NULL)
    return;
  redirect = sl_auth_redirect_url (c, body_redirect);

  user_id = find_user_by_email (c, lower, &confirmed, &failed);
  if (failed)
    return;
  if (user_id != NULL && confirmed)
    {
      const char *p[] = { user_id, data };
      g_autofree char *text = sl_auth_exec_value (c, "Database error finding user", &failed,
                                                  "select sl_auth.sanitized_user_json ($1::uuid, $2::jsonb)", 2, p);
      if (text != NULL)
        sl_auth_send_text (c, 200, text);
      return;
    }
  if (user_id != NULL)
    {
      const char *p[] = { user_id, password, data };
      PGresult *res = sl_auth_exec (c, "Database error updating user",
                                    "update auth.users set encrypted_password = extensions.crypt ($2, extensions.gen_salt ('bf', 10)),"
                                    " raw_user_meta_data = coalesce (sl_auth.merge_meta (raw_user_meta_data, $3::jsonb), raw_user_meta_data),"
                                    " updated_at = now () where id = $1::uuid", 3, p);
      if (res == NULL)
        return;
      PQclear (res);
    }
  else
    {
      user_id = create_user (c, lower, password, data, FALSE);
      if (user_id == NULL)
        return;
    }
  if (!sl_auth_send_token_mail (c, user_id, lower, "signup", "signup", redirect, NULL, NULL))
    return;
  send_user (c, user_id);
}

/* ---------------------------------------------------------------- /otp */

static void
handle_otp (SlAuthCall *c)
{
  JsonObject *body = sl_auth_body (c);
  const char *email, *phone;
  g_autofree char *lower = NULL;
  g_autofree char *user_id = NULL;
  g_autofree char *data = NULL;
  g_autofree char *redirect = NULL;
  gboolean create = TRUE, confirmed = FALSE, failed = FALSE;

  if (body == NULL)
    return;
  email = sl_auth_obj_string (body, "email");
  phone = sl_auth_obj_string (body, "phone");
  if (json_object_has_member (body, "create_user"))
    create = sl_auth_obj_bool (body, "create_user");
  data = sl_auth_obj_object (body, "data") ? sl_auth_obj_json (body, "data") : NULL;
  if (email && *email && phone && *phone)
    {
      sl_auth_error (c, 400, "validation_failed", "Only an email address or phone number should be provided");
      return;
    }
  if (phone && *phone)
    {
      sl_auth_error (c, 400, "phone_provider_disabled", "Unsupported phone provider");
      return;
    }
  if (email == NULL || *email == '\0')
    {
      sl_auth_error (c, 400, "validation_failed", "One of email or phone must be set");
      return;
    }
  lower = sl_auth_validate_email (c, email);
  if (lower == NULL)
    return;
  redirect = sl_auth_redirect_url (c, NULL);
  user_id = find_user_by_email (c, lower, &confirmed, &failed);
  if (failed)
    return;
  if (user_id == NULL)
    {
      if (!create)
        {
          sl_auth_error (c, 422, "otp_disabled", "Signups not allowed for otp");
          return;
        }
      user_id = create_user (c, lower, NULL, data, FALSE);
      if (user_id == NULL)
        return;
    }
  if (!confirmed)
    {
      if (!sl_auth_send_token_mail (c, user_id, lower, "signup", "signup", redirect, NULL, NULL))
        return;
    }
  else if (!sl_auth_send_token_mail (c, user_id, lower, "magiclink", "magiclink", redirect, NULL, NULL))
    return;
  sl_auth_send_text (c, 200, "{}");
}

/* ------------------------------------------------------------- /verify */

typedef enum
{
  VERIFY_OK,
  VERIFY_SINGLE_CONFIRMATION,
  VERIFY_FAILED,       /* response already set (error) */
} VerifyOutcome;

static gboolean
is_email_type (const char *type)
{
  return g_str_equal (type, "signup") || g_str_equal (type, "invite") ||
         g_str_equal (type, "magiclink") || g_str_equal (type, "recovery") ||
         g_str_equal (type, "email_change") || g_str_equal (type, "email");
}

/* Finds the user owning @hash for @type, applies the verification, and
 * returns the user id in @user_id_out (or answers the error). */
static VerifyOutcome
verify_token_hash (SlAuthCall *c,
                   const char *type,
                   const char *hash,
                   gboolean    from_token_hash,
                   char      **user_id_out)
{
  const char *p[] = { hash, type };
  PGresult *res;
  g_autofree char *user_id = NULL;
  g_autofree char *column = NULL;
  gboolean has_current = FALSE, has_new = FALSE;
  int status = 0;

  if (!is_email_type (type))
    {
      if (g_str_equal (type, "sms") || g_str_equal (type, "phone_change"))
        sl_auth_error (c, 403, "otp_expired", "Token has expired or is invalid");
      else
        sl_auth_error (c, 400, "validation_failed", "Unsupported verification type");
      return VERIFY_FAILED;
    }

  res = sl_auth_exec (c, "Database error finding user",
                      "select u.id::text, v.col, u.email_change_token_current <> '', u.email_change_token_new <> '',"
                      "       u.email_change_confirm_status "
                      "from auth.users u cross join lateral (values"
                      "   ('confirmation', u.confirmation_token, u.confirmation_sent_at),"
                      "   ('recovery', u.recovery_token, u.recovery_sent_at),"
                      "   ('current', u.email_change_token_current, u.email_change_sent_at),"
                      "   ('new', u.email_change_token_new, u.email_change_sent_at)) v (col, tok, sent) "
                      "where v.tok = $1 and v.tok <> ''"
                      "  and coalesce (v.sent, 'epoch') + interval '" G_STRINGIFY (SL_AUTH_OTP_EXP) " seconds' > now ()"
                      "  and case $2 when 'signup' then v.col = 'confirmation'"
                      "             when 'invite' then v.col = 'confirmation'"
                      "             when 'magiclink' then v.col = 'recovery'"
                      "             when 'recovery' then v.col = 'recovery'"
                      "             when 'email' then v.col in ('confirmation', 'recovery')"
                      "             when 'email_change' then v.col in ('current', 'new')"
                      "             else false end "
                      "limit 1", 2, p);
  if (res == NULL)
    return VERIFY_FAILED;
  if (PQntuples (res) == 0)
    {
      PQclear (res);
      if (from_token_hash)
        sl_auth_error (c, 403, "otp_expired", "Email link is invalid or has expired");
      else
        sl_auth_error (c, 403, "otp_expired", "Token has expired or is invalid");
      return VERIFY_FAILED;
    }
  user_id = g_strdup (PQgetvalue (res, 0, 0));
  column = g_strdup (PQgetvalue (res, 0, 1));
  has_current = g_str_equal (PQgetvalue (res, 0, 2), "t");
  has_new = g_str_equal (PQgetvalue (res, 0, 3), "t");
  status = atoi (PQgetvalue (res, 0, 4));
  PQclear (res);

  {
    const char *q[] = { user_id };
    const char *sql = NULL;

    if (g_str_equal (column, "confirmation"))
      sql = "select sl_auth.confirm_email ($1::uuid)";
    else if (g_str_equal (column, "recovery"))
      sql = "update auth.users set recovery_token = '', updated_at = now (),"
            " email_confirmed_at = coalesce (email_confirmed_at, now ()) where id = $1::uuid";
    else if (has_current && has_new && status == 0)
      {
        /* Secure email change: the first of two confirmations. */
        sql = g_str_equal (column, "current")
          ? "update auth.users set email_change_token_current = '', email_change_confirm_status = 1 where id = $1::uuid"
          : "update auth.users set email_change_token_new = '', email_change_confirm_status = 1 where id = $1::uuid";
        res = sl_auth_exec (c, "Database error updating user", sql, 1, q);
        if (res == NULL)
          return VERIFY_FAILED;
        PQclear (res);
        *user_id_out = g_steal_pointer (&user_id);
        return VERIFY_SINGLE_CONFIRMATION;
      }
    else
      sql = "with u as (update auth.users set email = email_change, email_change = '',"
            "   email_change_token_current = '', email_change_token_new = '', email_change_confirm_status = 0,"
            "   email_change_sent_at = null, email_confirmed_at = coalesce (email_confirmed_at, now ()),"
            "   is_anonymous = false, updated_at = now (),"
            "   raw_app_meta_data = case when raw_app_meta_data ? 'provider' then raw_app_meta_data"
            "     else coalesce (raw_app_meta_data, '{}') || '{\"provider\": \"email\", \"providers\": [\"email\"]}' end"
            "   where id = $1::uuid returning id, email) "
            "insert into auth.identities (provider_id, user_id, identity_data, provider, last_sign_in_at, created_at, updated_at) "
            "select u.id::text, u.id, jsonb_build_object ('sub', u.id::text, 'email', u.email, 'email_verified', true,"
            " 'phone_verified', false), 'email', now (), now (), now () from u "
            "on conflict (provider_id, provider) do update set identity_data = auth.identities.identity_data"
            " || jsonb_build_object ('email', excluded.identity_data->>'email', 'email_verified', true), updated_at = now ()";
    res = sl_auth_exec (c, "Database error updating user", sql, 1, q);
    if (res == NULL)
      return VERIFY_FAILED;
    PQclear (res);
  }
  *user_id_out = g_steal_pointer (&user_id);
  return VERIFY_OK;
}

static const char *
verify_method (const char *type)
{
  if (g_str_equal (type, "recovery"))
    return "recovery";
  if (g_str_equal (type, "magiclink"))
    return "magiclink";
  if (g_str_equal (type, "email_change"))
    return "email_change";
  return "otp";
}

static void
verify_post (SlAuthCall *c)
{
  JsonObject *body = sl_auth_body (c);
  const char *type, *token, *token_hash_in, *email, *phone, *redirect;
  g_autofree char *hash = NULL;
  g_autofree char *user_id = NULL;
  VerifyOutcome outcome;

  if (body == NULL)
    return;
  type = sl_auth_obj_string (body, "type");
  token = sl_auth_obj_string (body, "token");
  token_hash_in = sl_auth_obj_string (body, "token_hash");
  email = sl_auth_obj_string (body, "email");
  phone = sl_auth_obj_string (body, "phone");
  redirect = sl_auth_obj_string (body, "redirect_to");
  if (token && !*token)
    token = NULL;
  if (token_hash_in && !*token_hash_in)
    token_hash_in = NULL;
  if (email && !*email)
    email = NULL;
  if (phone && !*phone)
    phone = NULL;

  if (type == NULL || *type == '\0')
    {
      sl_auth_error (c, 400, "validation_failed", "Verify requires a verification type");
      return;
    }
  if ((token == NULL) == (token_hash_in == NULL))
    {
      sl_auth_error (c, 400, "validation_failed", "Verify requires either a token or a token hash");
      return;
    }
  if (token != NULL)
    {
      if (phone != NULL && email == NULL)
        hash = token_hash (c, phone, token);
      else if (email != NULL && phone == NULL)
        {
          g_autofree char *lower = NULL;

          if (!g_regex_match_simple ("^[^@\\s]+@[^@\\s]+$", email, 0, 0))
            {
              sl_auth_error (c, 422, "validation_failed", "Invalid email format");
              return;
            }
          lower = g_ascii_strdown (email, -1);
          hash = token_hash (c, lower, token);
        }
      else
        {
          sl_auth_error (c, 400, "validation_failed", "Only an email address or phone number should be provided on verify");
          return;
        }
      if (hash == NULL)
        return;
    }
  else
    {
      if (email || phone || (redirect && *redirect))
        {
          sl_auth_error (c, 400, "validation_failed", "Only the token_hash and type should be provided");
          return;
        }
      hash = g_strdup (token_hash_in);
    }

  outcome = verify_token_hash (c, type, hash, token == NULL, &user_id);
  if (outcome == VERIFY_SINGLE_CONFIRMATION)
    sl_auth_send_text (c, 200, "{\"msg\":\"Confirmation link accepted. Please proceed to confirm link sent to the other email\",\"code\":\"200\"}");
  else if (outcome == VERIFY_OK)
    sl_auth_sign_in (c, user_id, verify_method (type));
}

static void
redirect_to (SlAuthCall *c,
             const char *location)
{
  sl_response_set_text (c->resp, 303, "text/html; charset=utf-8", "");
  sl_response_add_header (c->resp, "Location", location);
}

/* Go's url.Values.Encode of sorted pairs. */
static void
append_pair (GString    *s,
             const char *k,
             const char *v)
{
  g_autofree char *ek = sl_auth_query_escape (k);
  g_autofree char *ev = sl_auth_query_escape (v);

  if (s->len > 0)
    g_string_append_c (s, '&');
  g_string_append_printf (s, "%s=%s", ek, ev);
}

static void
verify_get (SlAuthCall *c)
{
  const char *token = sl_request_get_query (c->req, "token");
  const char *type = sl_request_get_query (c->req, "type");
  g_autofree char *redirect = sl_auth_redirect_url (c, NULL);
  g_autofree char *user_id = NULL;
  g_autoptr(GString) frag = g_string_new (NULL);
  g_autofree char *location = NULL;
  VerifyOutcome outcome;

  if (type == NULL || *type == '\0')
    {
      sl_auth_error (c, 400, "validation_failed", "Verify requires a verification type");
      return;
    }
  if (token == NULL || *token == '\0')
    {
      sl_auth_error (c, 400, "validation_failed", "Verify requires a token or a token hash");
      return;
    }

  outcome = verify_token_hash (c, type, token, TRUE, &user_id);
  if (outcome == VERIFY_FAILED)
    {
      g_autoptr(JsonNode) err = NULL;
      JsonObject *o;
      const char *code = NULL, *msg = NULL;
      guint status = c->resp->status;

      if (status >= 500)
        return;
      /* Turn the error just produced into GoTrue's error redirect. */
      if (c->resp->body)
        {
          g_autofree char *text = g_strndup (g_bytes_get_data (c->resp->body, NULL),
                                             g_bytes_get_size (c->resp->body));
          err = sl_auth_parse (text);
        }
      o = err ? json_node_get_object (err) : NULL;
      if (o)
        {
          code = c->api_2024 ? sl_auth_obj_string (o, "code") : sl_auth_obj_string (o, "error_code");
          msg = c->api_2024 ? sl_auth_obj_string (o, "message") : sl_auth_obj_string (o, "msg");
        }
      if (status == 400)
        append_pair (frag, "error", "invalid_request");
      else if (status == 401)
        append_pair (frag, "error", "unauthorized_client");
      else if (status == 403)
        append_pair (frag, "error", "access_denied");
      append_pair (frag, "error_code", code ? code : "");
      append_pair (frag, "error_description", msg ? msg : "");
      append_pair (frag, "sb", "");
      location = g_strdup_printf ("%s#%s", redirect, frag->str);
      g_clear_pointer (&c->resp->body, g_bytes_unref);
      redirect_to (c, location);
      return;
    }
  if (outcome == VERIFY_SINGLE_CONFIRMATION)
    {
      append_pair (frag, "message", "Confirmation link accepted. Please proceed to confirm link sent to the other email");
      append_pair (frag, "sb", "");
      location = g_strdup_printf ("%s#%s", redirect, frag->str);
      redirect_to (c, location);
      return;
    }
  {
    g_autoptr(JsonNode) tokens = start_session (c, user_id, verify_method (type));
    JsonObject *t;
    g_autofree char *expires_at = NULL;
    g_autofree char *expires_in = NULL;

    if (tokens == NULL)
      return;
    t = json_node_get_object (tokens);
    expires_at = g_strdup_printf ("%" G_GINT64_FORMAT, json_object_get_int_member (t, "expires_at"));
    expires_in = g_strdup_printf ("%" G_GINT64_FORMAT, json_object_get_int_member (t, "expires_in"));
    append_pair (frag, "access_token", json_object_get_string_member (t, "access_token"));
    append_pair (frag, "expires_at", expires_at);
    append_pair (frag, "expires_in", expires_in);
    append_pair (frag, "refresh_token", json_object_get_string_member (t, "refresh_token"));
    append_pair (frag, "sb", "");
    append_pair (frag, "token_type", "bearer");
    append_pair (frag, "type", type);
    location = g_strdup_printf ("%s#%s", redirect, frag->str);
    redirect_to (c, location);
  }
}

/* ------------------------------------------------------ /recover, /resend */

static void
handle_recover (SlAuthCall *c)
{
  JsonObject *body = sl_auth_body (c);
  const char *email;
  g_autofree char *lower = NULL;
  g_autofree char *user_id = NULL;
  g_autofree char *redirect = NULL;
  gboolean failed = FALSE;

  if (body == NULL)
    return;
  email = sl_auth_obj_string (body, "email");
  if (email == NULL || *email == '\0')
    {
      sl_auth_error (c, 400, "validation_failed", "Password recovery requires an email");
      return;
    }
  lower = sl_auth_validate_email (c, email);
  if (lower == NULL)
    return;
  redirect = sl_auth_redirect_url (c, NULL);
  user_id = find_user_by_email (c, lower, NULL, &failed);
  if (failed)
    return;
  if (user_id != NULL &&
      !sl_auth_send_token_mail (c, user_id, lower, "recovery", "recovery", redirect, NULL, NULL))
    return;
  sl_auth_send_text (c, 200, "{}");
}

static gboolean
send_email_change_mails (SlAuthCall *c,
                         const char *user_id,
                         const char *current,
                         const char *new_email,
                         const char *redirect)
{
  g_autofree char *otp_new = sl_auth_generate_otp ();
  g_autofree char *otp_cur = sl_auth_generate_otp ();
  g_autofree char *hash_new = token_hash (c, new_email, otp_new);
  g_autofree char *hash_cur = (current && *current) ? token_hash (c, current, otp_cur) : g_strdup ("");
  const char *p[] = { user_id, new_email, hash_new, hash_cur };
  PGresult *res;

  if (hash_new == NULL || hash_cur == NULL)
    return FALSE;
  res = sl_auth_exec (c, "Database error updating user",
                      "update auth.users set email_change = $2, email_change_token_new = $3,"
                      " email_change_token_current = $4, email_change_confirm_status = 0,"
                      " email_change_sent_at = now (), updated_at = now () where id = $1::uuid", 4, p);
  if (res == NULL)
    return FALSE;
  PQclear (res);
  {
    g_autofree char *link = sl_auth_action_link (c, hash_new, "email_change", redirect);
    g_autofree char *body = g_strdup_printf ("<h2>Confirm Change of Email</h2>\n"
                                             "<p>Follow this link to confirm the update of your email to %s:</p>\n"
                                             "<p><a href=\"%s\">%s</a></p>\n<p>Alternatively, enter the code: %s</p>\n",
                                             new_email, link, link, otp_new);
    if (!sl_auth_outbox_add (c, new_email, "email_change", "Confirm your new email address", body, link, otp_new))
      return FALSE;
  }
  if (current && *current)
    {
      g_autofree char *link = sl_auth_action_link (c, hash_cur, "email_change", redirect);
      g_autofree char *body = g_strdup_printf ("<h2>Confirm Change of Email</h2>\n"
                                               "<p>Follow this link to confirm the update of your email from %s to %s:</p>\n"
                                               "<p><a href=\"%s\">%s</a></p>\n<p>Alternatively, enter the code: %s</p>\n",
                                               current, new_email, link, link, otp_cur);
      if (!sl_auth_outbox_add (c, current, "email_change", "Confirm your new email address", body, link, otp_cur))
        return FALSE;
    }
  return TRUE;
}

static void
handle_resend (SlAuthCall *c)
{
  JsonObject *body = sl_auth_body (c);
  const char *type, *email, *phone;
  g_autofree char *lower = NULL;
  g_autofree char *redirect = NULL;
  PGresult *res;

  if (body == NULL)
    return;
  type = sl_auth_obj_string (body, "type");
  email = sl_auth_obj_string (body, "email");
  phone = sl_auth_obj_string (body, "phone");
  if (email && !*email)
    email = NULL;
  if (phone && !*phone)
    phone = NULL;
  if (type == NULL || !(g_str_equal (type, "signup") || g_str_equal (type, "email_change") ||
                        g_str_equal (type, "sms") || g_str_equal (type, "phone_change")))
    {
      sl_auth_error (c, 400, "validation_failed", "Missing one of these types: signup, email_change, sms, phone_change");
      return;
    }
  if ((g_str_equal (type, "signup") || g_str_equal (type, "email_change")) && email == NULL)
    {
      sl_auth_error (c, 400, "validation_failed", "Type provided requires an email address");
      return;
    }
  if ((g_str_equal (type, "sms") || g_str_equal (type, "phone_change")) && phone == NULL)
    {
      sl_auth_error (c, 400, "validation_failed", "Type provided requires a phone number");
      return;
    }
  if (email && phone)
    {
      sl_auth_error (c, 400, "validation_failed", "Only an email address or phone number should be provided.");
      return;
    }
  if (phone)
    {
      sl_auth_error (c, 400, "phone_provider_disabled", "Phone logins are disabled");
      return;
    }
  lower = sl_auth_validate_email (c, email);
  if (lower == NULL)
    return;
  redirect = sl_auth_redirect_url (c, NULL);
  {
    const char *p[] = { lower };
    const char *sql = g_str_equal (type, "signup")
      ? "select id::text, email, email_confirmed_at is not null, email_change from auth.users where email = $1"
      : "select id::text, email, false, email_change from auth.users where email_change = $1 or (email = $1 and email_change <> '')";
    res = sl_auth_exec (c, "Database error finding user", sql, 1, p);
  }
  if (res == NULL)
    return;
  if (PQntuples (res) == 1)
    {
      g_autofree char *id = g_strdup (PQgetvalue (res, 0, 0));
      g_autofree char *cur = g_strdup (PQgetvalue (res, 0, 1));
      gboolean confirmed = g_str_equal (PQgetvalue (res, 0, 2), "t");
      g_autofree char *change = g_strdup (PQgetvalue (res, 0, 3));

      PQclear (res);
      if (g_str_equal (type, "signup") && !confirmed)
        {
          if (!sl_auth_send_token_mail (c, id, lower, "signup", "signup", redirect, NULL, NULL))
            return;
        }
      else if (g_str_equal (type, "email_change") && *change)
        {
          if (!send_email_change_mails (c, id, cur, change, redirect))
            return;
        }
    }
  else
    PQclear (res);
  sl_auth_send_text (c, 200, "{}");
}

/* --------------------------------------------------------------- /user */

static void
handle_user_update (SlAuthCall *c,
                    const char *user_id,
                    const char *session_id)
{
  JsonObject *body = sl_auth_body (c);
  const char *password, *email, *phone;
  g_autofree char *data = NULL;
  PGresult *res;

  if (body == NULL)
    return;
  password = sl_auth_obj_string (body, "password");
  email = sl_auth_obj_string (body, "email");
  phone = sl_auth_obj_string (body, "phone");
  if (json_object_has_member (body, "app_metadata") &&
      !JSON_NODE_HOLDS_NULL (json_object_get_member (body, "app_metadata")))
    {
      sl_auth_error (c, 403, "not_admin", "Updating app_metadata requires admin privileges");
      return;
    }
  if (phone && *phone)
    {
      sl_auth_error (c, 422, "phone_provider_disabled", "Phone logins are disabled");
      return;
    }
  if (password != NULL)
    {
      const char *p[] = { user_id, password, session_id };
      g_autofree char *same = NULL;
      gboolean failed = FALSE;

      if (!sl_auth_check_password (c, password))
        return;
      same = sl_auth_exec_value (c, "Database error finding user", &failed,
                                 "select 1 from auth.users where id = $1::uuid and encrypted_password like '$2%'"
                                 " and encrypted_password = extensions.crypt ($2, encrypted_password)", 2, p);
      if (failed)
        return;
      if (same != NULL)
        {
          sl_auth_error (c, 422, "same_password", "New password should be different from the old password.");
          return;
        }
      /* GoTrue signs out every other session when the password changes. */
      res = sl_auth_exec (c, "Database error updating user",
                          "with u as (update auth.users set encrypted_password = extensions.crypt ($2, extensions.gen_salt ('bf', 10)),"
                          " updated_at = now () where id = $1::uuid returning id) "
                          "delete from auth.sessions s using u where s.user_id = u.id"
                          " and ($3::uuid is null or s.id <> $3::uuid)", 3, p);
      if (res == NULL)
        return;
      PQclear (res);
    }
  if (sl_auth_obj_object (body, "data") != NULL)
    {
      data = sl_auth_obj_json (body, "data");
      {
        const char *p[] = { user_id, data };

        res = sl_auth_exec (c, "Database error updating user",
                            "update auth.users set raw_user_meta_data = sl_auth.merge_meta (raw_user_meta_data, $2::jsonb),"
                            " updated_at = now () where id = $1::uuid", 2, p);
      }
      if (res == NULL)
        return;
      PQclear (res);
    }
  if (email && *email)
    {
      g_autofree char *lower = sl_auth_validate_email (c, email);
      g_autofree char *current = NULL;
      g_autofree char *dup = NULL;
      g_autofree char *redirect = NULL;
      gboolean failed = FALSE;

      if (lower == NULL)
        return;
      {
        const char *p[] = { user_id };
        current = sl_auth_exec_value (c, "Database error finding user", &failed,
                                      "select coalesce (email, '') from auth.users where id = $1::uuid", 1, p);
        if (failed)
          return;
      }
      if (current == NULL || !g_str_equal (current, lower))
        {
          const char *p[] = { lower, user_id };

          dup = sl_auth_exec_value (c, "Database error checking email", &failed,
                                    "select 1 from auth.users where email = $1 and id <> $2::uuid", 2, p);
          if (failed)
            return;
          if (dup != NULL)
            {
              sl_auth_error (c, 422, "email_exists", "A user with this email address has already been registered");
              return;
            }
          redirect = sl_auth_redirect_url (c, NULL);
          if (!send_email_change_mails (c, user_id, current, lower, redirect))
            return;
        }
    }
  send_user (c, user_id);
}

static void
handle_user (SlAuthCall *c)
{
  g_autofree char *user_id = NULL;
  g_autofree char *session_id = NULL;

  if (!sl_auth_require_user (c, &user_id, &session_id))
    return;
  if (g_str_equal (c->req->method, "GET"))
    send_user (c, user_id);
  else
    handle_user_update (c, user_id, session_id);
}

static void
handle_logout (SlAuthCall *c)
{
  const char *scope = sl_request_get_query (c->req, "scope");
  g_autofree char *user_id = NULL;
  g_autofree char *session_id = NULL;
  const char *sql;
  PGresult *res;

  if (scope == NULL || *scope == '\0' || g_str_equal (scope, "global"))
    sql = "delete from auth.sessions where user_id = $1::uuid";
  else if (g_str_equal (scope, "local"))
    sql = "delete from auth.sessions where user_id = $1::uuid and id = $2::uuid";
  else if (g_str_equal (scope, "others"))
    sql = "delete from auth.sessions where user_id = $1::uuid and ($2::uuid is null or id <> $2::uuid)";
  else
    {
      sl_auth_error (c, 400, "validation_failed", "Unsupported logout scope \"%s\"", scope);
      return;
    }
  if (!sl_auth_require_user (c, &user_id, &session_id))
    return;
  {
    const char *p[] = { user_id, session_id };

    res = sl_auth_exec (c, "Error logging out user", sql, strstr (sql, "$2") ? 2 : 1, p);
  }
  if (res == NULL)
    return;
  PQclear (res);
  sl_response_set_bytes (c->resp, 204, NULL, NULL);
}

static void
handle_reauthenticate (SlAuthCall *c)
{
  g_autofree char *user_id = NULL;
  g_autofree char *email = NULL;
  gboolean failed = FALSE;

  if (!sl_auth_require_user (c, &user_id, NULL))
    return;
  {
    const char *p[] = { user_id };
    email = sl_auth_exec_value (c, "Database error finding user", &failed,
                                "select nullif (email, '') from auth.users where id = $1::uuid", 1, p);
  }
  if (failed)
    return;
  if (email == NULL)
    {
      sl_auth_error (c, 422, "validation_failed", "Reauthentication requires the user to have an email or a phone number");
      return;
    }
  if (!sl_auth_send_token_mail (c, user_id, email, "reauthentication", NULL, NULL, NULL, NULL))
    return;
  sl_auth_send_text (c, 200, "{}");
}

/* ------------------------------------------------------------- static */

static const char settings_json[] =
  "{\"external\":{\"anonymous_users\":true,\"apple\":false,\"azure\":false,\"bitbucket\":false,"
  "\"discord\":false,\"facebook\":false,\"snapchat\":false,\"figma\":false,\"fly\":false,"
  "\"github\":false,\"gitlab\":false,\"google\":false,\"keycloak\":false,\"kakao\":false,"
  "\"linkedin\":false,\"linkedin_oidc\":false,\"notion\":false,\"spotify\":false,\"slack\":false,"
  "\"slack_oidc\":false,\"workos\":false,\"twitch\":false,\"twitter\":false,\"email\":true,"
  "\"phone\":false,\"zoom\":false},\"disable_signup\":false,\"mailer_autoconfirm\":false,"
  "\"phone_autoconfirm\":false,\"sms_provider\":\"twilio\",\"saml_enabled\":false,"
  "\"saml_private_key_next_configured\":false,\"passkeys_enabled\":false}";

static const char health_json[] =
  "{\"version\":\"" SL_AUTH_VERSION "\",\"name\":\"GoTrue\","
  "\"description\":\"GoTrue is a user registration and authentication API\"}";

/* ------------------------------------------------------------ dispatch */

static gboolean
is_open_route (const char *path)
{
  return g_str_equal (path, "/verify") || g_str_equal (path, "/callback") ||
         g_str_equal (path, "/authorize") || g_str_equal (path, "/.well-known/jwks.json");
}

static void
method_not_allowed (SlAuthCall *c)
{
  sl_auth_error (c, 405, NULL, "Method Not Allowed");
}

static void
dispatch (SlAuthCall *c,
          const char *path)
{
  const char *m = c->req->method;
  gboolean get = g_str_equal (m, "GET") || g_str_equal (m, "HEAD");
  gboolean post = g_str_equal (m, "POST");

  if (g_str_equal (path, "/token"))
    post ? handle_token (c) : method_not_allowed (c);
  else if (g_str_equal (path, "/signup"))
    post ? handle_signup (c) : method_not_allowed (c);
  else if (g_str_equal (path, "/otp") || g_str_equal (path, "/magiclink"))
    post ? handle_otp (c) : method_not_allowed (c);
  else if (g_str_equal (path, "/verify"))
    {
      if (post)
        verify_post (c);
      else if (get)
        verify_get (c);
      else
        method_not_allowed (c);
    }
  else if (g_str_equal (path, "/recover"))
    post ? handle_recover (c) : method_not_allowed (c);
  else if (g_str_equal (path, "/resend"))
    post ? handle_resend (c) : method_not_allowed (c);
  else if (g_str_equal (path, "/user"))
    (get || g_str_equal (m, "PUT")) ? handle_user (c) : method_not_allowed (c);
  else if (g_str_equal (path, "/logout"))
    post ? handle_logout (c) : method_not_allowed (c);
  else if (g_str_equal (path, "/reauthenticate"))
    get ? handle_reauthenticate (c) : method_not_allowed (c);
  else if (g_str_equal (path, "/settings"))
    get ? sl_auth_send_text (c, 200, settings_json) : method_not_allowed (c);
  else if (g_str_equal (path, "/health"))
    get ? sl_auth_send_text (c, 200, health_json) : method_not_allowed (c);
  else if (g_str_equal (path, "/.well-known/jwks.json"))
    get ? sl_auth_send_text (c, 200, "{\"keys\":[]}") : method_not_allowed (c);
  else if (g_str_equal (path, "/authorize"))
    {
      const char *provider = sl_request_get_query (c->req, "provider");

      sl_auth_error (c, 400, "validation_failed", "Unsupported provider: Provider %s could not be found",
                     provider ? provider : "");
    }
  else if (g_str_equal (path, "/callback"))
    sl_auth_error (c, 400, "validation_failed", "Unsupported provider: Provider  could not be found");
  else if (g_str_equal (path, "/invite"))
    post ? sl_auth_invite (c) : method_not_allowed (c);
  else if (g_str_has_prefix (path, "/admin/"))
    sl_auth_admin_route (c, path + strlen ("/admin"));
  else if (g_str_equal (path, "/factors") || g_str_has_prefix (path, "/factors/"))
    sl_auth_factors_route (c, path + strlen ("/factors"));
  else
    sl_auth_error (c, 404, NULL, "Not Found");
}

static gboolean
api_version_2024 (SlRequest *req)
{
  const char *v = sl_request_get_header (req, "X-Supabase-Api-Version");
  int y, mo, d;

  if (v == NULL || sscanf (v, "%4d-%2d-%2d", &y, &mo, &d) != 3 || strlen (v) != 10)
    return FALSE;
  return (y * 10000 + mo * 100 + d) >= 20240101;
}

static void
auth_handler (SlRequest  *req,
              SlResponse *resp,
              gpointer    user_data)
{
  SlServer *server = user_data;
  SlAuthCall call = { server, req, resp, NULL, FALSE, NULL };
  const char *path = (req->subpath && *req->subpath) ? req->subpath : "/";
  g_autofree char *trimmed = NULL;
  g_autoptr(GError) jwt_error = NULL;
  g_autoptr(GError) error = NULL;
  PGresult *res;

  /* Tolerate a trailing slash, as chi's StripSlashes does. */
  if (strlen (path) > 1 && g_str_has_suffix (path, "/"))
    {
      trimmed = g_strndup (path, strlen (path) - 1);
      path = trimmed;
    }
  call.api_2024 = api_version_2024 (req);

  if (!is_open_route (path) &&
      !sl_request_authenticate (req, SL_AUTH_REQUIRE_APIKEY, resp, &jwt_error))
    return;

  if (g_str_equal (path, "/settings") || g_str_equal (path, "/health") ||
      g_str_equal (path, "/.well-known/jwks.json"))
    {
      dispatch (&call, path);
      return;
    }

  call.conn = sl_db_acquire (server);
  res = sl_db_exec (call.conn, &error, "begin", 0, NULL);
  if (res == NULL)
    {
      sl_auth_error (&call, 500, "unexpected_failure", "Database error: %s", "could not start transaction");
      sl_db_release (server, call.conn);
      return;
    }
  PQclear (res);

  dispatch (&call, path);

  if (resp->status != 0 && resp->status < 500)
    {
      if (!sl_db_commit (call.conn, &error))
        {
          g_message ("commit failed: %s", error->message);
          g_clear_pointer (&resp->body, g_bytes_unref);
          sl_auth_error (&call, 500, "unexpected_failure", "Database error committing transaction");
        }
    }
  else
    sl_db_rollback (call.conn);
  sl_db_release (server, call.conn);
  g_clear_pointer (&call.body_node, json_node_unref);
}

/* ---------------------------------------------------------- the outbox */

static void
outbox_handler (SlRequest  *req,
                SlResponse *resp,
                gpointer    user_data)
{
  SlServer *server = user_data;
  g_autoptr(GError) jwt_error = NULL;
  g_autoptr(GError) error = NULL;
  const char *to = sl_request_get_query (req, "to");
  const char *p[] = { to };
  PGconn *conn;
  PGresult *res;

  if (!sl_request_authenticate (req, SL_AUTH_REQUIRE_APIKEY, resp, &jwt_error))
    return;
  if (g_strcmp0 (req->role, "service_role") != 0)
    {
      sl_response_set_json_text (resp, 403, "{\"message\":\"The outbox requires the service_role key\"}");
      return;
    }
  if (!g_str_equal (req->method, "GET") && !g_str_equal (req->method, "DELETE"))
    {
      sl_response_set_json_text (resp, 405, "{\"message\":\"Method Not Allowed\"}");
      return;
    }
  conn = sl_db_acquire (server);
  if (g_str_equal (req->method, "DELETE"))
    res = sl_db_exec (conn, &error,
                      "delete from sl_auth.outbox where $1::text is null or lower (\"to\") = lower ($1)", 1, p);
  else
    res = sl_db_exec (conn, &error,
                      "select coalesce (json_agg (json_strip_nulls (json_build_object ("
                      "  'id', id, 'to', \"to\", 'kind', kind, 'subject', subject, 'body', body,"
                      "  'action_link', action_link, 'otp', otp, 'created_at', sl_auth.ts (created_at)))"
                      "  order by id), '[]')::text "
                      "from sl_auth.outbox where $1::text is null or lower (\"to\") = lower ($1)", 1, p);
  sl_db_release (server, conn);
  if (res == NULL)
    {
      g_autofree char *msg = g_strdup_printf ("{\"message\":\"outbox: %s\"}", "database error");
      sl_response_set_json_text (resp, 500, msg);
      return;
    }
  if (g_str_equal (req->method, "DELETE"))
    sl_response_set_bytes (resp, 204, NULL, NULL);
  else
    sl_response_set_json_text (resp, 200, PQgetvalue (res, 0, 0));
  PQclear (res);
}

/* ----------------------------------------------------------- the module */

void
sl_auth_register (SlServer *server)
{
  sl_server_add_route (server, "/auth/v1", SL_ROUTE_DEFAULT, auth_handler, server);
  sl_server_add_route (server, "/__local/outbox", SL_ROUTE_DEFAULT, outbox_handler, server);
}

void
sl_auth_shutdown (SlServer *server)
{
}
