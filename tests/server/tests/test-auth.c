/* test-auth.c — supabase-local's Auth (GoTrue) module over raw HTTP.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * One server is shared by every case; each case uses its own email
 * addresses so the cases stay independent.
 */

#include "supa-test-server.h"

#include <string.h>

static SupaTestServer *server;

#define PASSWORD "correct-horse-7"

/* ------------------------------------------------------------- helpers */

typedef enum
{
  AS_ANON,
  AS_SERVICE,
  AS_NONE,       /* no apikey, no Authorization */
} Key;

static SupaTestResponse *
call_full (const char *method,
           const char *path,
           Key         key,
           const char *bearer,
           gboolean    new_errors,
           const char *body)
{
  const char *apikey = key == AS_SERVICE ? server->service_role_key : server->anon_key;
  g_autofree char *auth = NULL;
  g_autoptr(GPtrArray) h = g_ptr_array_new ();

  if (key != AS_NONE)
    {
      auth = g_strdup_printf ("Bearer %s", bearer ? bearer : apikey);
      g_ptr_array_add (h, (gpointer) "apikey");
      g_ptr_array_add (h, (gpointer) apikey);
      g_ptr_array_add (h, (gpointer) "Authorization");
      g_ptr_array_add (h, auth);
    }
  if (new_errors)
    {
      g_ptr_array_add (h, (gpointer) "X-Supabase-Api-Version");
      g_ptr_array_add (h, (gpointer) "2024-01-01");
    }
  g_ptr_array_add (h, NULL);
  return supa_test_request (server, method, path, (const char * const *) h->pdata,
                            body ? "application/json;charset=UTF-8" : NULL, body, -1);
}

static SupaTestResponse *
call (const char *method,
      const char *path,
      const char *bearer,
      const char *body)
{
  return call_full (method, path, AS_ANON, bearer, TRUE, body);
}

static SupaTestResponse *
admin (const char *method,
       const char *path,
       const char *body)
{
  return call_full (method, path, AS_SERVICE, NULL, TRUE, body);
}

static JsonObject *
obj (SupaTestResponse *r)
{
  g_assert_nonnull (r->json);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (r->json));
  return json_node_get_object (r->json);
}

static const char *
str (SupaTestResponse *r,
     const char       *name)
{
  return json_object_get_string_member_with_default (obj (r), name, NULL);
}

static void
assert_status (SupaTestResponse *r,
               guint             status)
{
  if (r->status != status)
    g_test_message ("unexpected %u: %s", r->status, supa_test_response_text (r));
  g_assert_cmpuint (r->status, ==, status);
}

static void
assert_error (SupaTestResponse *r,
              guint             status,
              const char       *code,
              const char       *message)
{
  assert_status (r, status);
  g_assert_cmpstr (str (r, "code"), ==, code);
  if (message)
    g_assert_cmpstr (str (r, "message"), ==, message);
  g_assert_cmpstr (supa_test_response_header (r, "x-sb-error-code"), ==, code);
  g_assert_cmpstr (supa_test_response_header (r, "X-Supabase-Api-Version"), ==, "2024-01-01");
}

static char *
unique_email (const char *tag)
{
  static int n;

  return g_strdup_printf ("%s-%d-%u@example.com", tag, ++n, g_random_int ());
}

static char *
json_body (const char *first_key,
           ...) G_GNUC_NULL_TERMINATED;

/* Builds {"k":"v",…} from string pairs. */
static char *
json_body (const char *first_key,
           ...)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();
  g_autoptr(JsonGenerator) gen = json_generator_new ();
  g_autoptr(JsonNode) root = NULL;
  va_list ap;

  json_builder_begin_object (b);
  va_start (ap, first_key);
  for (const char *k = first_key; k; k = va_arg (ap, const char *))
    {
      json_builder_set_member_name (b, k);
      json_builder_add_string_value (b, va_arg (ap, const char *));
    }
  va_end (ap);
  json_builder_end_object (b);
  root = json_builder_get_root (b);
  json_generator_set_root (gen, root);
  return json_generator_to_data (gen, NULL);
}

/* The newest outbox message to @to (of @kind), as a new JsonObject. */
static JsonObject *
outbox_last (const char *to,
             const char *kind)
{
  g_autofree char *esc = g_uri_escape_string (to, NULL, TRUE);
  g_autofree char *path = g_strdup_printf ("/__local/outbox?to=%s", esc);
  g_autoptr(SupaTestResponse) r = call_full ("GET", path, AS_SERVICE, NULL, FALSE, NULL);
  JsonArray *a;
  JsonObject *found = NULL;

  assert_status (r, 200);
  a = json_node_get_array (r->json);
  for (guint i = 0; i < json_array_get_length (a); i++)
    {
      JsonObject *m = json_array_get_object_element (a, i);

      g_assert_cmpstr (json_object_get_string_member (m, "to"), ==, to);
      if (g_str_equal (json_object_get_string_member (m, "kind"), kind))
        found = m;
    }
  g_assert_nonnull (found);
  return json_object_ref (found);
}

static JsonObject *
jwt_claims (const char *jwt)
{
  g_auto(GStrv) parts = g_strsplit (jwt, ".", -1);
  g_autoptr(GString) b64 = NULL;
  g_autofree guchar *raw = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  gsize len;

  g_assert_cmpuint (g_strv_length (parts), ==, 3);
  b64 = g_string_new (parts[1]);
  g_strdelimit (b64->str, "-", '+');
  g_strdelimit (b64->str, "_", '/');
  while (b64->len % 4)
    g_string_append_c (b64, '=');
  raw = g_base64_decode (b64->str, &len);
  g_assert_true (json_parser_load_from_data (parser, (const char *) raw, len, NULL));
  return json_object_ref (json_node_get_object (json_parser_get_root (parser)));
}

/* Signs up and confirms @email through the outbox; returns the session. */
static SupaTestResponse *
signup_confirmed (const char *email)
{
  g_autofree char *body = json_body ("email", email, "password", PASSWORD, NULL);
  g_autoptr(SupaTestResponse) r = call ("POST", "/auth/v1/signup", NULL, body);
  g_autoptr(JsonObject) mail = NULL;
  g_autofree char *verify = NULL;

  assert_status (r, 200);
  mail = outbox_last (email, "signup");
  verify = json_body ("type", "signup", "email", email,
                      "token", json_object_get_string_member (mail, "otp"), NULL);
  return call ("POST", "/auth/v1/verify", NULL, verify);
}

static SupaTestResponse *
password_login (const char *email,
                const char *password)
{
  g_autofree char *body = json_body ("email", email, "password", password, NULL);

  return call ("POST", "/auth/v1/token?grant_type=password", NULL, body);
}

/* ----------------------------------------------------------- the cases */

static void
test_settings_health (void)
{
  g_autoptr(SupaTestResponse) s = call ("GET", "/auth/v1/settings", NULL, NULL);
  g_autoptr(SupaTestResponse) h = call ("GET", "/auth/v1/health", NULL, NULL);
  JsonObject *ext;

  assert_status (s, 200);
  ext = json_object_get_object_member (obj (s), "external");
  g_assert_true (json_object_get_boolean_member (ext, "email"));
  g_assert_true (json_object_get_boolean_member (ext, "anonymous_users"));
  g_assert_false (json_object_get_boolean_member (ext, "github"));
  g_assert_false (json_object_get_boolean_member (obj (s), "mailer_autoconfirm"));
  g_assert_false (json_object_get_boolean_member (obj (s), "disable_signup"));
  g_assert_cmpstr (str (s, "sms_provider"), ==, "twilio");

  assert_status (h, 200);
  g_assert_cmpstr (str (h, "name"), ==, "GoTrue");
  g_assert_true (g_str_has_prefix (str (h, "version"), "v2."));
  g_assert_cmpstr (str (h, "description"), ==, "GoTrue is a user registration and authentication API");
}

static void
test_apikey_required (void)
{
  g_autoptr(SupaTestResponse) r = call_full ("GET", "/auth/v1/settings", AS_NONE, NULL, TRUE, NULL);
  g_autoptr(SupaTestResponse) v = NULL;
  g_autoptr(SupaTestResponse) j = NULL;

  assert_status (r, 401);
  g_assert_cmpstr (str (r, "message"), ==, "No API key found in request");

  /* Open routes work without a key. */
  v = call_full ("POST", "/auth/v1/verify", AS_NONE, NULL, TRUE,
                 "{\"type\":\"signup\",\"token_hash\":\"deadbeef\"}");
  assert_error (v, 403, "otp_expired", "Email link is invalid or has expired");
  j = call_full ("GET", "/auth/v1/.well-known/jwks.json", AS_NONE, NULL, TRUE, NULL);
  assert_status (j, 200);
  g_assert_true (json_object_has_member (obj (j), "keys"));
}

static void
test_signup_verify (void)
{
  g_autofree char *email = unique_email ("signup");
  g_autofree char *body = json_body ("email", email, "password", PASSWORD, NULL);
  g_autoptr(SupaTestResponse) r = call ("POST", "/auth/v1/signup", NULL, body);
  g_autoptr(SupaTestResponse) early = NULL;
  g_autoptr(SupaTestResponse) v = NULL;
  g_autoptr(SupaTestResponse) again = NULL;
  g_autoptr(SupaTestResponse) login = NULL;
  g_autoptr(JsonObject) mail = NULL;
  g_autofree char *verify = NULL;
  g_autoptr(JsonObject) claims = NULL;
  JsonObject *user;
  g_autoptr(GList) keys = NULL;

  /* Confirmation required: a bare user, no session. */
  assert_status (r, 200);
  g_assert_cmpstr (str (r, "email"), ==, email);
  g_assert_cmpstr (str (r, "phone"), ==, "");
  g_assert_false (json_object_has_member (obj (r), "access_token"));
  g_assert_nonnull (str (r, "confirmation_sent_at"));
  g_assert_false (json_object_has_member (obj (r), "email_confirmed_at"));
  keys = json_object_get_members (obj (r));
  g_assert_cmpstr (keys->data, ==, "id");
  g_assert_cmpstr (keys->next->data, ==, "aud");

  early = password_login (email, PASSWORD);
  assert_error (early, 400, "email_not_confirmed", "Email not confirmed");

  mail = outbox_last (email, "signup");
  g_assert_cmpstr (json_object_get_string_member (mail, "subject"), ==, "Confirm your email address");
  g_assert_true (g_str_has_prefix (json_object_get_string_member (mail, "action_link"), server->url));
  g_assert_nonnull (strstr (json_object_get_string_member (mail, "action_link"), "/auth/v1/verify?token="));
  g_assert_cmpuint (strlen (json_object_get_string_member (mail, "otp")), ==, 6);

  verify = json_body ("type", "signup", "email", email,
                      "token", json_object_get_string_member (mail, "otp"), NULL);
  v = call ("POST", "/auth/v1/verify", NULL, verify);
  assert_status (v, 200);
  g_assert_cmpstr (str (v, "token_type"), ==, "bearer");
  g_assert_cmpint (json_object_get_int_member (obj (v), "expires_in"), ==, 3600);
  g_assert_cmpint (json_object_get_int_member (obj (v), "expires_at"), >, g_get_real_time () / G_USEC_PER_SEC);
  g_assert_cmpuint (strlen (str (v, "refresh_token")), >=, 12);
  user = json_object_get_object_member (obj (v), "user");
  g_assert_cmpstr (json_object_get_string_member (user, "email"), ==, email);
  g_assert_true (json_object_has_member (user, "email_confirmed_at"));
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (user, "identities")), ==, 1);

  claims = jwt_claims (str (v, "access_token"));
  g_assert_cmpstr (json_object_get_string_member (claims, "sub"), ==, json_object_get_string_member (user, "id"));
  g_assert_cmpstr (json_object_get_string_member (claims, "role"), ==, "authenticated");
  g_assert_cmpstr (json_object_get_string_member (claims, "aal"), ==, "aal1");
  g_assert_cmpstr (json_object_get_string_member (claims, "email"), ==, email);
  g_assert_true (json_object_has_member (claims, "session_id"));
  g_assert_true (g_str_has_suffix (json_object_get_string_member (claims, "iss"), "/auth/v1"));

  /* The token is single-use. */
  again = call ("POST", "/auth/v1/verify", NULL, verify);
  assert_error (again, 403, "otp_expired", "Token has expired or is invalid");

  login = password_login (email, PASSWORD);
  assert_status (login, 200);
}

/* GET /verify (the link in the mail) redirects with the session in the
 * fragment; the helper follows redirects, so use a session that does not. */
static void
test_verify_link_redirect (void)
{
  g_autofree char *email = unique_email ("link");
  g_autofree char *body = json_body ("email", email, "password", PASSWORD, NULL);
  g_autoptr(SupaTestResponse) r = call ("POST", "/auth/v1/signup?redirect_to=https%3A%2F%2Fapp.example%2Fcb", NULL, body);
  g_autoptr(JsonObject) mail = NULL;
  g_autoptr(SoupSession) session = soup_session_new ();
  g_autoptr(SoupMessage) msg = NULL;
  g_autoptr(GBytes) reply = NULL;
  g_autoptr(SoupMessage) msg2 = NULL;
  g_autoptr(GBytes) reply2 = NULL;
  const char *location;
  const char *link;

  assert_status (r, 200);
  mail = outbox_last (email, "signup");
  link = json_object_get_string_member (mail, "action_link");
  g_assert_nonnull (strstr (link, "type=signup&redirect_to=https://app.example/cb"));

  msg = soup_message_new ("GET", link);
  soup_message_add_flags (msg, SOUP_MESSAGE_NO_REDIRECT);
  reply = soup_session_send_and_read (session, msg, NULL, NULL);
  g_assert_cmpuint (soup_message_get_status (msg), ==, 303);
  location = soup_message_headers_get_one (soup_message_get_response_headers (msg), "Location");
  g_assert_true (g_str_has_prefix (location, "https://app.example/cb#access_token="));
  g_assert_nonnull (strstr (location, "&expires_in=3600&refresh_token="));
  g_assert_nonnull (strstr (location, "&sb=&token_type=bearer&type=signup"));

  /* Used again: an error redirect. */
  msg2 = soup_message_new ("GET", link);
  soup_message_add_flags (msg2, SOUP_MESSAGE_NO_REDIRECT);
  reply2 = soup_session_send_and_read (session, msg2, NULL, NULL);
  g_assert_cmpuint (soup_message_get_status (msg2), ==, 303);
  location = soup_message_headers_get_one (soup_message_get_response_headers (msg2), "Location");
  g_assert_cmpstr (location, ==, "https://app.example/cb#error=access_denied&error_code=otp_expired"
                   "&error_description=Email+link+is+invalid+or+has+expired&sb=");
}

static void
test_password_errors (void)
{
  g_autofree char *email = unique_email ("pw");
  g_autoptr(SupaTestResponse) s = signup_confirmed (email);
  g_autoptr(SupaTestResponse) bad = NULL;
  g_autoptr(SupaTestResponse) legacy = NULL;
  g_autoptr(SupaTestResponse) unknown = NULL;
  g_autoptr(SupaTestResponse) grant = NULL;
  g_autofree char *body = json_body ("email", email, "password", "wrong-password", NULL);

  assert_status (s, 200);
  bad = password_login (email, "wrong-password");
  assert_error (bad, 400, "invalid_credentials", "Invalid login credentials");
  g_assert_cmpuint (json_object_get_size (obj (bad)), ==, 2);

  legacy = call_full ("POST", "/auth/v1/token?grant_type=password", AS_ANON, NULL, FALSE, body);
  assert_status (legacy, 400);
  g_assert_cmpint (json_object_get_int_member (obj (legacy), "code"), ==, 400);
  g_assert_cmpstr (str (legacy, "error_code"), ==, "invalid_credentials");
  g_assert_cmpstr (str (legacy, "msg"), ==, "Invalid login credentials");
  g_assert_false (json_object_has_member (obj (legacy), "error_id"));
  g_assert_cmpstr (supa_test_response_header (legacy, "x-sb-error-code"), ==, "invalid_credentials");
  g_assert_null (supa_test_response_header (legacy, "X-Supabase-Api-Version"));

  unknown = password_login ("nobody-here@example.com", PASSWORD);
  assert_error (unknown, 400, "invalid_credentials", "Invalid login credentials");

  grant = call ("POST", "/auth/v1/token?grant_type=magic", NULL, "{}");
  assert_error (grant, 400, "invalid_credentials", "unsupported_grant_type");
}

static void
test_refresh_rotation (void)
{
  g_autofree char *email = unique_email ("refresh");
  g_autoptr(SupaTestResponse) s = signup_confirmed (email);
  g_autofree char *first = NULL;
  g_autofree char *b1 = NULL;
  g_autofree char *b2 = NULL;
  g_autoptr(SupaTestResponse) r1 = NULL;
  g_autoptr(SupaTestResponse) r2 = NULL;
  g_autoptr(SupaTestResponse) reuse = NULL;
  g_autoptr(SupaTestResponse) after = NULL;
  g_autoptr(SupaTestResponse) bogus = NULL;
  g_autoptr(SupaTestResponse) invalid = NULL;

  assert_status (s, 200);
  first = g_strdup (str (s, "refresh_token"));
  b1 = json_body ("refresh_token", first, NULL);
  r1 = call ("POST", "/auth/v1/token?grant_type=refresh_token", NULL, b1);
  assert_status (r1, 200);
  g_assert_cmpstr (str (r1, "refresh_token"), !=, first);

  b2 = json_body ("refresh_token", str (r1, "refresh_token"), NULL);
  r2 = call ("POST", "/auth/v1/token?grant_type=refresh_token", NULL, b2);
  assert_status (r2, 200);

  /* The first token is two generations old: reuse revokes the family. */
  reuse = call ("POST", "/auth/v1/token?grant_type=refresh_token", NULL, b1);
  assert_error (reuse, 400, "refresh_token_already_used", "Invalid Refresh Token: Already Used");
  {
    g_autofree char *b3 = json_body ("refresh_token", str (r2, "refresh_token"), NULL);

    after = call ("POST", "/auth/v1/token?grant_type=refresh_token", NULL, b3);
    assert_error (after, 400, "refresh_token_already_used", NULL);
  }

  bogus = call ("POST", "/auth/v1/token?grant_type=refresh_token", NULL, "{\"refresh_token\":\"abcdefghijkl\"}");
  assert_error (bogus, 400, "refresh_token_not_found", "Invalid Refresh Token: Refresh Token Not Found");
  invalid = call ("POST", "/auth/v1/token?grant_type=refresh_token", NULL, "{\"refresh_token\":\"short\"}");
  assert_error (invalid, 400, "validation_failed", "Refresh token is not valid");
}

static void
test_user_get_put (void)
{
  g_autofree char *email = unique_email ("user");
  g_autofree char *new_email = unique_email ("user-new");
  g_autoptr(SupaTestResponse) s = signup_confirmed (email);
  g_autoptr(SupaTestResponse) get = NULL;
  g_autoptr(SupaTestResponse) put = NULL;
  g_autoptr(SupaTestResponse) put2 = NULL;
  g_autoptr(SupaTestResponse) same = NULL;
  g_autoptr(SupaTestResponse) app = NULL;
  g_autoptr(SupaTestResponse) change = NULL;
  g_autoptr(SupaTestResponse) anon = NULL;
  g_autoptr(SupaTestResponse) nobearer = NULL;
  g_autoptr(SupaTestResponse) garbage = NULL;
  g_autoptr(SupaTestResponse) newpw = NULL;
  g_autoptr(SupaTestResponse) login = NULL;
  g_autoptr(JsonObject) mail = NULL;
  g_autofree char *token = NULL;
  g_autofree char *pwbody = NULL;
  JsonObject *meta;

  assert_status (s, 200);
  token = g_strdup (str (s, "access_token"));
  get = call ("GET", "/auth/v1/user", token, NULL);
  assert_status (get, 200);
  g_assert_cmpstr (str (get, "email"), ==, email);

  put = call ("PUT", "/auth/v1/user", token, "{\"data\":{\"full_name\":\"Ada\",\"plan\":\"free\"}}");
  assert_status (put, 200);
  put2 = call ("PUT", "/auth/v1/user", token, "{\"data\":{\"plan\":null,\"city\":\"Paris\"}}");
  assert_status (put2, 200);
  meta = json_object_get_object_member (obj (put2), "user_metadata");
  g_assert_cmpstr (json_object_get_string_member (meta, "full_name"), ==, "Ada");
  g_assert_cmpstr (json_object_get_string_member (meta, "city"), ==, "Paris");
  g_assert_false (json_object_has_member (meta, "plan"));

  same = call ("PUT", "/auth/v1/user", token, "{\"password\":\"" PASSWORD "\"}");
  assert_error (same, 422, "same_password", "New password should be different from the old password.");
  app = call ("PUT", "/auth/v1/user", token, "{\"app_metadata\":{\"role\":\"x\"}}");
  assert_error (app, 403, "not_admin", "Updating app_metadata requires admin privileges");

  {
    g_autofree char *b = json_body ("email", new_email, NULL);

    change = call ("PUT", "/auth/v1/user", token, b);
  }
  assert_status (change, 200);
  g_assert_cmpstr (str (change, "new_email"), ==, new_email);
  g_assert_nonnull (str (change, "email_change_sent_at"));
  g_assert_cmpstr (str (change, "email"), ==, email);
  mail = outbox_last (new_email, "email_change");
  g_assert_nonnull (json_object_get_string_member (mail, "otp"));

  anon = call ("GET", "/auth/v1/user", NULL, NULL);
  assert_error (anon, 403, "bad_jwt", "invalid claim: missing sub claim");
  nobearer = supa_test_request (server, "GET", "/auth/v1/user",
                                (const char * const[]) { "apikey", server->anon_key,
                                                         "X-Supabase-Api-Version", "2024-01-01", NULL },
                                NULL, NULL, 0);
  assert_error (nobearer, 401, "no_authorization", "This endpoint requires a valid Bearer token");
  garbage = call ("GET", "/auth/v1/user", "not.a.jwt", NULL);
  assert_error (garbage, 403, "bad_jwt", NULL);
  g_assert_true (g_str_has_prefix (str (garbage, "message"), "invalid JWT: unable to parse or verify signature, "));

  pwbody = json_body ("password", "another-horse-8", NULL);
  newpw = call ("PUT", "/auth/v1/user", token, pwbody);
  assert_status (newpw, 200);
  login = password_login (email, "another-horse-8");
  assert_status (login, 200);
}

static void
test_logout (void)
{
  g_autofree char *email = unique_email ("logout");
  g_autoptr(SupaTestResponse) s = signup_confirmed (email);
  g_autoptr(SupaTestResponse) out = NULL;
  g_autoptr(SupaTestResponse) refresh = NULL;
  g_autoptr(SupaTestResponse) user = NULL;
  g_autoptr(SupaTestResponse) scope = NULL;
  g_autofree char *b = NULL;

  assert_status (s, 200);
  scope = call ("POST", "/auth/v1/logout?scope=everything", str (s, "access_token"), NULL);
  assert_error (scope, 400, "validation_failed", "Unsupported logout scope \"everything\"");

  out = call ("POST", "/auth/v1/logout?scope=global", str (s, "access_token"), NULL);
  assert_status (out, 204);
  g_assert_cmpuint (g_bytes_get_size (out->body), ==, 0);

  b = json_body ("refresh_token", str (s, "refresh_token"), NULL);
  refresh = call ("POST", "/auth/v1/token?grant_type=refresh_token", NULL, b);
  assert_error (refresh, 400, "refresh_token_not_found", NULL);
  user = call ("GET", "/auth/v1/user", str (s, "access_token"), NULL);
  assert_error (user, 403, "session_not_found", "Session from session_id claim in JWT does not exist");
}

static void
test_otp_magiclink (void)
{
  g_autofree char *email = unique_email ("otp");
  g_autoptr(SupaTestResponse) s = signup_confirmed (email);
  g_autoptr(SupaTestResponse) otp = NULL;
  g_autoptr(SupaTestResponse) v = NULL;
  g_autoptr(SupaTestResponse) nocreate = NULL;
  g_autoptr(JsonObject) mail = NULL;
  g_autofree char *b = json_body ("email", email, NULL);
  g_autofree char *verify = NULL;

  assert_status (s, 200);
  otp = call ("POST", "/auth/v1/otp", NULL, b);
  assert_status (otp, 200);
  g_assert_cmpstr (supa_test_response_text (otp), ==, "{}");
  mail = outbox_last (email, "magiclink");
  g_assert_nonnull (strstr (json_object_get_string_member (mail, "action_link"), "type=magiclink"));

  verify = json_body ("type", "email", "email", email,
                      "token", json_object_get_string_member (mail, "otp"), NULL);
  v = call ("POST", "/auth/v1/verify", NULL, verify);
  assert_status (v, 200);
  g_assert_nonnull (str (v, "access_token"));

  nocreate = call ("POST", "/auth/v1/otp", NULL, "{\"email\":\"ghost-otp@example.com\",\"create_user\":false}");
  assert_error (nocreate, 422, "otp_disabled", "Signups not allowed for otp");
}

static void
test_recover (void)
{
  g_autofree char *email = unique_email ("recover");
  g_autoptr(SupaTestResponse) s = signup_confirmed (email);
  g_autoptr(SupaTestResponse) rec = NULL;
  g_autoptr(SupaTestResponse) unknown = NULL;
  g_autoptr(SupaTestResponse) v = NULL;
  g_autoptr(SupaTestResponse) put = NULL;
  g_autoptr(SupaTestResponse) login = NULL;
  g_autoptr(JsonObject) mail = NULL;
  g_autofree char *b = json_body ("email", email, NULL);
  g_autofree char *verify = NULL;

  assert_status (s, 200);
  rec = call ("POST", "/auth/v1/recover", NULL, b);
  assert_status (rec, 200);
  g_assert_cmpstr (supa_test_response_text (rec), ==, "{}");
  unknown = call ("POST", "/auth/v1/recover", NULL, "{\"email\":\"nobody-recover@example.com\"}");
  assert_status (unknown, 200);

  mail = outbox_last (email, "recovery");
  g_assert_cmpstr (json_object_get_string_member (mail, "subject"), ==, "Reset your password");
  verify = json_body ("type", "recovery", "email", email,
                      "token", json_object_get_string_member (mail, "otp"), NULL);
  v = call ("POST", "/auth/v1/verify", NULL, verify);
  assert_status (v, 200);
  put = call ("PUT", "/auth/v1/user", str (v, "access_token"), "{\"password\":\"recovered-pass-9\"}");
  assert_status (put, 200);
  login = password_login (email, "recovered-pass-9");
  assert_status (login, 200);
}

static void
test_anonymous (void)
{
  g_autoptr(SupaTestResponse) r = call ("POST", "/auth/v1/signup", NULL, "{\"data\":{\"theme\":\"dark\"}}");
  g_autoptr(JsonObject) claims = NULL;
  JsonObject *user;

  assert_status (r, 200);
  user = json_object_get_object_member (obj (r), "user");
  g_assert_true (json_object_get_boolean_member (user, "is_anonymous"));
  g_assert_cmpstr (json_object_get_string_member (user, "email"), ==, "");
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (user, "identities")), ==, 0);
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (user, "user_metadata"), "theme"),
                   ==, "dark");
  claims = jwt_claims (str (r, "access_token"));
  g_assert_true (json_object_get_boolean_member (claims, "is_anonymous"));
  g_assert_cmpstr (json_object_get_string_member (claims, "role"), ==, "authenticated");
}

/* An independent RFC 6238 implementation for the test. */
static char *
totp_now (const char *secret,
          gint64      t)
{
  static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  g_autoptr(GByteArray) key = g_byte_array_new ();
  g_autoptr(GHmac) hmac = NULL;
  guint64 counter = (guint64) t / 30;
  guint8 msg[8], digest[20];
  gsize dlen = sizeof digest;
  guint32 acc = 0, code;
  int bits = 0, off;

  for (const char *p = secret; *p; p++)
    {
      const char *pos = strchr (alphabet, *p);

      g_assert_nonnull (pos);
      acc = (acc << 5) | (guint32) (pos - alphabet);
      bits += 5;
      if (bits >= 8)
        {
          guint8 byte = (acc >> (bits - 8)) & 0xff;
          g_byte_array_append (key, &byte, 1);
          bits -= 8;
        }
    }
  for (int i = 7; i >= 0; i--, counter >>= 8)
    msg[i] = counter & 0xff;
  hmac = g_hmac_new (G_CHECKSUM_SHA1, key->data, key->len);
  g_hmac_update (hmac, msg, 8);
  g_hmac_get_digest (hmac, digest, &dlen);
  off = digest[19] & 0xf;
  code = (((guint32) digest[off] & 0x7f) << 24 | (guint32) digest[off + 1] << 16 |
          (guint32) digest[off + 2] << 8 | digest[off + 3]) % 1000000;
  return g_strdup_printf ("%06u", code);
}

static void
test_mfa (void)
{
  g_autofree char *email = unique_email ("mfa");
  g_autoptr(SupaTestResponse) s = signup_confirmed (email);
  g_autoptr(SupaTestResponse) enroll = NULL;
  g_autoptr(SupaTestResponse) ch = NULL;
  g_autoptr(SupaTestResponse) wrong = NULL;
  g_autoptr(SupaTestResponse) ok = NULL;
  g_autoptr(SupaTestResponse) user = NULL;
  g_autoptr(SupaTestResponse) list = NULL;
  g_autoptr(SupaTestResponse) del = NULL;
  g_autoptr(SupaTestResponse) del2 = NULL;
  g_autoptr(JsonObject) claims = NULL;
  g_autofree char *factor_id = NULL;
  g_autofree char *secret = NULL;
  g_autofree char *path = NULL;
  g_autofree char *code = NULL;
  g_autofree char *body = NULL;
  const char *uri;
  const char *user_id;
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;

  assert_status (s, 200);
  user_id = json_object_get_string_member (json_object_get_object_member (obj (s), "user"), "id");
  enroll = call ("POST", "/auth/v1/factors", str (s, "access_token"),
                 "{\"factor_type\":\"totp\",\"friendly_name\":\"Phone app\"}");
  assert_status (enroll, 200);
  g_assert_cmpstr (str (enroll, "type"), ==, "totp");
  g_assert_cmpstr (str (enroll, "friendly_name"), ==, "Phone app");
  factor_id = g_strdup (str (enroll, "id"));
  secret = g_strdup (json_object_get_string_member (json_object_get_object_member (obj (enroll), "totp"), "secret"));
  uri = json_object_get_string_member (json_object_get_object_member (obj (enroll), "totp"), "uri");
  g_assert_true (g_str_has_prefix (uri, "otpauth://totp/"));
  g_assert_nonnull (strstr (uri, secret));
  g_assert_cmpuint (strlen (secret), ==, 32);

  path = g_strdup_printf ("/auth/v1/factors/%s/challenge", factor_id);
  ch = call ("POST", path, str (s, "access_token"), "{}");
  assert_status (ch, 200);
  g_assert_cmpint (json_object_get_int_member (obj (ch), "expires_at"), >, now);

  g_free (path);
  path = g_strdup_printf ("/auth/v1/factors/%s/verify", factor_id);
  body = g_strdup_printf ("{\"challenge_id\":\"%s\",\"code\":\"%s\"}", str (ch, "id"), "000000");
  code = totp_now (secret, now);
  if (g_str_equal (code, "000000"))
    {
      g_free (body);
      body = g_strdup_printf ("{\"challenge_id\":\"%s\",\"code\":\"%s\"}", str (ch, "id"), "111111");
    }
  wrong = call ("POST", path, str (s, "access_token"), body);
  assert_error (wrong, 422, "mfa_verification_failed", "Invalid TOTP code entered");

  g_free (body);
  body = g_strdup_printf ("{\"challenge_id\":\"%s\",\"code\":\"%s\"}", str (ch, "id"), code);
  ok = call ("POST", path, str (s, "access_token"), body);
  assert_status (ok, 200);
  claims = jwt_claims (str (ok, "access_token"));
  g_assert_cmpstr (json_object_get_string_member (claims, "aal"), ==, "aal2");

  user = call ("GET", "/auth/v1/user", str (ok, "access_token"), NULL);
  assert_status (user, 200);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (obj (user), "factors")), ==, 1);

  /* Admin view of the factor, then delete it. */
  g_free (path);
  path = g_strdup_printf ("/auth/v1/admin/users/%s/factors", user_id);
  list = admin ("GET", path, NULL);
  assert_status (list, 200);
  g_assert_true (JSON_NODE_HOLDS_ARRAY (list->json));
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (json_node_get_array (list->json), 0), "status"),
                   ==, "verified");
  g_free (path);
  path = g_strdup_printf ("/auth/v1/admin/users/%s/factors/%s", user_id, factor_id);
  del = admin ("DELETE", path, NULL);
  assert_status (del, 200);
  g_assert_cmpstr (str (del, "id"), ==, factor_id);
  g_assert_cmpstr (str (del, "factor_type"), ==, "totp");
  del2 = admin ("DELETE", path, NULL);
  assert_error (del2, 404, "mfa_factor_not_found", "Factor not found");
}

static void
test_admin_list (void)
{
  g_autofree char *tag = g_strdup_printf ("pager%u", g_random_int ());
  g_autoptr(SupaTestResponse) all = NULL;
  g_autoptr(SupaTestResponse) p1 = NULL;
  g_autoptr(SupaTestResponse) p3 = NULL;
  g_autoptr(SupaTestResponse) filtered = NULL;
  g_autoptr(SupaTestResponse) bad = NULL;
  g_autoptr(SupaTestResponse) anon = NULL;
  g_autofree char *expected = NULL;
  guint64 total;

  for (int i = 0; i < 7; i++)
    {
      g_autofree char *b = g_strdup_printf ("{\"email\":\"%s-%d@example.com\",\"password\":\"" PASSWORD "\","
                                            "\"user_metadata\":{\"full_name\":\"Pager %d\"}}", tag, i, i);
      g_autoptr(SupaTestResponse) r = admin ("POST", "/auth/v1/admin/users", b);

      assert_status (r, 200);
    }

  all = admin ("GET", "/auth/v1/admin/users?page=&per_page=", NULL);
  assert_status (all, 200);
  g_assert_cmpstr (str (all, "aud"), ==, "authenticated");
  total = g_ascii_strtoull (supa_test_response_header (all, "X-Total-Count"), NULL, 10);
  g_assert_cmpuint (total, >=, 7);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (obj (all), "users")), ==, MIN (total, 50));

  p1 = admin ("GET", "/auth/v1/admin/users?page=1&per_page=3", NULL);
  assert_status (p1, 200);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (obj (p1), "users")), ==, 3);
  expected = g_strdup_printf ("</admin/users?page=2&per_page=3>; rel=\"next\", "
                              "</admin/users?page=%" G_GUINT64_FORMAT "&per_page=3>; rel=\"last\"",
                              (total + 2) / 3);
  g_assert_cmpstr (supa_test_response_header (p1, "Link"), ==, expected);

  {
    g_autofree char *path = g_strdup_printf ("/auth/v1/admin/users?per_page=3&page=%" G_GUINT64_FORMAT, (total + 2) / 3);
    g_autofree char *last = g_strdup_printf ("</admin/users?page=%" G_GUINT64_FORMAT "&per_page=3>; rel=\"last\"",
                                             (total + 2) / 3);

    p3 = admin ("GET", path, NULL);
    assert_status (p3, 200);
    g_assert_cmpstr (supa_test_response_header (p3, "Link"), ==, last);
  }

  {
    g_autofree char *path = g_strdup_printf ("/auth/v1/admin/users?filter=%s&page=&per_page=", tag);

    filtered = admin ("GET", path, NULL);
  }
  assert_status (filtered, 200);
  g_assert_cmpstr (supa_test_response_header (filtered, "X-Total-Count"), ==, "7");
  {
    g_autofree char *link = g_strdup_printf ("</admin/users?filter=%s&page=1&per_page=>; rel=\"last\"", tag);

    g_assert_cmpstr (supa_test_response_header (filtered, "Link"), ==, link);
  }

  bad = admin ("GET", "/auth/v1/admin/users?page=abc&per_page=", NULL);
  assert_error (bad, 400, "validation_failed", "Bad Pagination Parameters: strconv.ParseUint: parsing \"abc\": invalid syntax");

  anon = call ("GET", "/auth/v1/admin/users", NULL, NULL);
  assert_error (anon, 403, "not_admin", "User not allowed");
}

static void
test_admin_crud (void)
{
  g_autofree char *email = unique_email ("crud");
  g_autofree char *body = g_strdup_printf ("{\"email\":\"%s\",\"password\":\"" PASSWORD "\",\"email_confirm\":true,"
                                           "\"user_metadata\":{\"full_name\":\"Crud User\",\"a\":1},"
                                           "\"app_metadata\":{\"plan\":\"pro\"},\"role\":\"authenticated\"}", email);
  g_autoptr(SupaTestResponse) created = admin ("POST", "/auth/v1/admin/users", body);
  g_autoptr(SupaTestResponse) dup = NULL;
  g_autoptr(SupaTestResponse) get = NULL;
  g_autoptr(SupaTestResponse) upd = NULL;
  g_autoptr(SupaTestResponse) ban = NULL;
  g_autoptr(SupaTestResponse) banned_login = NULL;
  g_autoptr(SupaTestResponse) unban = NULL;
  g_autoptr(SupaTestResponse) login = NULL;
  g_autoptr(SupaTestResponse) badban = NULL;
  g_autoptr(SupaTestResponse) baduuid = NULL;
  g_autoptr(SupaTestResponse) missing = NULL;
  g_autoptr(SupaTestResponse) soft = NULL;
  g_autoptr(SupaTestResponse) after_soft = NULL;
  g_autoptr(SupaTestResponse) hard = NULL;
  g_autoptr(SupaTestResponse) after_hard = NULL;
  g_autoptr(SupaTestResponse) noemail = NULL;
  g_autoptr(SupaTestResponse) withid = NULL;
  g_autofree char *path = NULL;
  g_autofree char *id = NULL;
  JsonObject *app, *meta;

  assert_status (created, 200);
  id = g_strdup (str (created, "id"));
  g_assert_nonnull (str (created, "email_confirmed_at"));
  app = json_object_get_object_member (obj (created), "app_metadata");
  g_assert_cmpstr (json_object_get_string_member (app, "provider"), ==, "email");
  g_assert_cmpstr (json_object_get_string_member (app, "plan"), ==, "pro");
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (obj (created), "identities")), ==, 1);

  dup = admin ("POST", "/auth/v1/admin/users", body);
  assert_error (dup, 422, "email_exists", "A user with this email address has already been registered");
  noemail = admin ("POST", "/auth/v1/admin/users", "{\"password\":\"x\"}");
  assert_error (noemail, 400, "validation_failed", "Cannot create a user without either an email or phone");

  {
    g_autofree char *e2 = unique_email ("withid");
    g_autofree char *b2 = g_strdup_printf ("{\"email\":\"%s\",\"id\":\"0b6e8a3e-4a4b-4d7e-9a57-2c1d5e9f0a11\","
                                           "\"ban_duration\":\"1h30m\"}", e2);

    withid = admin ("POST", "/auth/v1/admin/users", b2);
    assert_status (withid, 200);
    g_assert_cmpstr (str (withid, "id"), ==, "0b6e8a3e-4a4b-4d7e-9a57-2c1d5e9f0a11");
    g_assert_nonnull (str (withid, "banned_until"));
  }

  path = g_strdup_printf ("/auth/v1/admin/users/%s", id);
  get = admin ("GET", path, NULL);
  assert_status (get, 200);
  g_assert_cmpstr (str (get, "email"), ==, email);

  upd = admin ("PUT", path, "{\"user_metadata\":{\"a\":null,\"b\":2},\"app_metadata\":{\"plan\":\"team\"}}");
  assert_status (upd, 200);
  meta = json_object_get_object_member (obj (upd), "user_metadata");
  g_assert_false (json_object_has_member (meta, "a"));
  g_assert_cmpint (json_object_get_int_member (meta, "b"), ==, 2);
  g_assert_cmpstr (json_object_get_string_member (meta, "full_name"), ==, "Crud User");
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (obj (upd), "app_metadata"), "plan"),
                   ==, "team");

  ban = admin ("PUT", path, "{\"ban_duration\":\"24h\"}");
  assert_status (ban, 200);
  g_assert_nonnull (str (ban, "banned_until"));
  banned_login = password_login (email, PASSWORD);
  assert_error (banned_login, 400, "user_banned", "User is banned");
  badban = admin ("PUT", path, "{\"ban_duration\":\"3 days\"}");
  assert_error (badban, 400, "validation_failed", NULL);
  g_assert_true (g_str_has_prefix (str (badban, "message"), "invalid format for ban duration: time: "));
  unban = admin ("PUT", path, "{\"ban_duration\":\"none\"}");
  assert_status (unban, 200);
  g_assert_false (json_object_has_member (obj (unban), "banned_until"));
  login = password_login (email, PASSWORD);
  assert_status (login, 200);

  baduuid = admin ("GET", "/auth/v1/admin/users/not-a-uuid", NULL);
  assert_error (baduuid, 404, "validation_failed", "user_id must be an UUID");
  missing = admin ("GET", "/auth/v1/admin/users/5d1f9a2e-0000-4000-8000-000000000000", NULL);
  assert_error (missing, 404, "user_not_found", "User not found");

  soft = admin ("DELETE", path, "{\"should_soft_delete\":true}");
  assert_status (soft, 200);
  g_assert_cmpstr (supa_test_response_text (soft), ==, "{}");
  after_soft = admin ("GET", path, NULL);
  assert_status (after_soft, 200);
  g_assert_nonnull (str (after_soft, "deleted_at"));
  g_assert_cmpstr (str (after_soft, "email"), !=, email);

  hard = admin ("DELETE", path, "{\"should_soft_delete\":false}");
  assert_status (hard, 200);
  after_hard = admin ("GET", path, NULL);
  assert_error (after_hard, 404, "user_not_found", "User not found");
}

static void
test_invite (void)
{
  g_autofree char *email = unique_email ("invite");
  g_autofree char *body = g_strdup_printf ("{\"email\":\"%s\",\"data\":{\"team\":\"blue\"}}", email);
  g_autoptr(SupaTestResponse) r = admin ("POST", "/auth/v1/invite", body);
  g_autoptr(SupaTestResponse) v = NULL;
  g_autoptr(SupaTestResponse) again = NULL;
  g_autoptr(SupaTestResponse) notadmin = NULL;
  g_autoptr(JsonObject) mail = NULL;
  g_autofree char *verify = NULL;

  assert_status (r, 200);
  g_assert_nonnull (str (r, "invited_at"));
  g_assert_nonnull (str (r, "confirmation_sent_at"));
  mail = outbox_last (email, "invite");
  g_assert_cmpstr (json_object_get_string_member (mail, "subject"), ==, "You've been invited");
  verify = json_body ("type", "invite", "email", email,
                      "token", json_object_get_string_member (mail, "otp"), NULL);
  v = call ("POST", "/auth/v1/verify", NULL, verify);
  assert_status (v, 200);
  again = admin ("POST", "/auth/v1/invite", body);
  assert_error (again, 422, "email_exists", NULL);
  notadmin = call ("POST", "/auth/v1/invite", NULL, body);
  assert_error (notadmin, 403, "not_admin", "User not allowed");
}

static void
check_link (SupaTestResponse *r,
            const char       *verification_type,
            const char       *link_type)
{
  g_autofree char *prefix = g_strdup_printf ("%s/auth/v1/verify?token=", server->url);
  g_autofree char *frag = g_strdup_printf ("&type=%s&redirect_to=", link_type);
  const char *link;

  assert_status (r, 200);
  link = str (r, "action_link");
  g_assert_true (g_str_has_prefix (link, prefix));
  g_assert_nonnull (strstr (link, frag));
  g_assert_cmpstr (str (r, "verification_type"), ==, verification_type);
  g_assert_cmpuint (strlen (str (r, "email_otp")), ==, 6);
  g_assert_cmpuint (strlen (str (r, "hashed_token")), ==, 56);
  g_assert_nonnull (str (r, "redirect_to"));
  g_assert_nonnull (str (r, "id"));
  g_assert_true (json_object_has_member (obj (r), "email"));
}

static void
test_generate_link (void)
{
  g_autofree char *fresh = unique_email ("gl-signup");
  g_autofree char *ml = unique_email ("gl-magic");
  g_autofree char *inv = unique_email ("gl-invite");
  g_autofree char *newmail = unique_email ("gl-new");
  g_autofree char *b = NULL;
  g_autoptr(SupaTestResponse) signup = NULL;
  g_autoptr(SupaTestResponse) signup_dup = NULL;
  g_autoptr(SupaTestResponse) magic_new = NULL;
  g_autoptr(SupaTestResponse) magic = NULL;
  g_autoptr(SupaTestResponse) recovery = NULL;
  g_autoptr(SupaTestResponse) recovery_404 = NULL;
  g_autoptr(SupaTestResponse) invite = NULL;
  g_autoptr(SupaTestResponse) ecn = NULL;
  g_autoptr(SupaTestResponse) ecc = NULL;
  g_autoptr(SupaTestResponse) badtype = NULL;
  g_autoptr(SupaTestResponse) v = NULL;
  g_autofree char *verify = NULL;

  b = g_strdup_printf ("{\"type\":\"signup\",\"email\":\"%s\",\"password\":\"" PASSWORD "\","
                       "\"redirect_to\":\"https://app.example/welcome\"}", fresh);
  signup = admin ("POST", "/auth/v1/admin/generate_link", b);
  check_link (signup, "signup", "signup");
  g_assert_cmpstr (str (signup, "redirect_to"), ==, "https://app.example/welcome");
  g_assert_true (g_str_has_suffix (str (signup, "action_link"), "redirect_to=https://app.example/welcome"));
  /* The OTP verifies the generated signup. */
  verify = json_body ("type", "signup", "email", fresh, "token", str (signup, "email_otp"), NULL);
  v = call ("POST", "/auth/v1/verify", NULL, verify);
  assert_status (v, 200);
  signup_dup = admin ("POST", "/auth/v1/admin/generate_link", b);
  assert_error (signup_dup, 422, "email_exists", NULL);

  g_free (b);
  b = g_strdup_printf ("{\"type\":\"magiclink\",\"email\":\"%s\"}", ml);
  magic_new = admin ("POST", "/auth/v1/admin/generate_link", b);
  check_link (magic_new, "signup", "signup");
  {
    g_autofree char *vb = json_body ("type", "signup", "token_hash", str (magic_new, "hashed_token"), NULL);
    g_autoptr(SupaTestResponse) vv = call ("POST", "/auth/v1/verify", NULL, vb);

    assert_status (vv, 200);
  }
  magic = admin ("POST", "/auth/v1/admin/generate_link", b);
  check_link (magic, "magiclink", "magiclink");

  g_free (b);
  b = g_strdup_printf ("{\"type\":\"recovery\",\"email\":\"%s\"}", ml);
  recovery = admin ("POST", "/auth/v1/admin/generate_link", b);
  check_link (recovery, "recovery", "recovery");
  recovery_404 = admin ("POST", "/auth/v1/admin/generate_link", "{\"type\":\"recovery\",\"email\":\"nobody-gl@example.com\"}");
  assert_error (recovery_404, 404, "user_not_found", "User with this email not found");

  g_free (b);
  b = g_strdup_printf ("{\"type\":\"invite\",\"email\":\"%s\",\"data\":{\"x\":1}}", inv);
  invite = admin ("POST", "/auth/v1/admin/generate_link", b);
  check_link (invite, "invite", "invite");
  g_assert_nonnull (str (invite, "invited_at"));

  g_free (b);
  b = g_strdup_printf ("{\"type\":\"email_change_new\",\"email\":\"%s\",\"new_email\":\"%s\"}", ml, newmail);
  ecn = admin ("POST", "/auth/v1/admin/generate_link", b);
  check_link (ecn, "email_change_new", "email_change");
  g_assert_cmpstr (str (ecn, "new_email"), ==, newmail);
  g_free (b);
  b = g_strdup_printf ("{\"type\":\"email_change_current\",\"email\":\"%s\",\"new_email\":\"%s\"}", ml, newmail);
  ecc = admin ("POST", "/auth/v1/admin/generate_link", b);
  check_link (ecc, "email_change_current", "email_change");

  badtype = admin ("POST", "/auth/v1/admin/generate_link", "{\"type\":\"bogus\",\"email\":\"x@example.com\"}");
  assert_error (badtype, 400, "validation_failed", "Invalid email action link type requested: bogus");
}

int
main (int    argc,
      char **argv)
{
  int ret;

  /* No desktop proxy settings in the test environment (the build-tree
   * GSettings schemas lack org.gnome.system.proxy). */
  g_setenv ("GIO_USE_PROXY_RESOLVER", "dummy", TRUE);
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  server = supa_test_server_start ("empty", NULL);

  g_test_add_func ("/auth/settings-health", test_settings_health);
  g_test_add_func ("/auth/apikey-required", test_apikey_required);
  g_test_add_func ("/auth/signup-verify", test_signup_verify);
  g_test_add_func ("/auth/verify-link-redirect", test_verify_link_redirect);
  g_test_add_func ("/auth/password-errors", test_password_errors);
  g_test_add_func ("/auth/refresh-rotation", test_refresh_rotation);
  g_test_add_func ("/auth/user-get-put", test_user_get_put);
  g_test_add_func ("/auth/logout", test_logout);
  g_test_add_func ("/auth/otp-magiclink", test_otp_magiclink);
  g_test_add_func ("/auth/recover", test_recover);
  g_test_add_func ("/auth/anonymous", test_anonymous);
  g_test_add_func ("/auth/mfa", test_mfa);
  g_test_add_func ("/auth/admin-list", test_admin_list);
  g_test_add_func ("/auth/admin-crud", test_admin_crud);
  g_test_add_func ("/auth/invite", test_invite);
  g_test_add_func ("/auth/generate-link", test_generate_link);

  ret = g_test_run ();
  supa_test_server_stop (server);
  return ret;
}
