/* test-error.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "supa-error.h"
#include "test-util.h"

#include <libsoup/soup.h>

static GError *
from_body (SupaService  service,
           guint        status,
           const char  *retry_after,
           const char  *x_sb_error_code,
           const char  *body)
{
  g_autoptr(GBytes) bytes = body ? g_bytes_new (body, strlen (body)) : NULL;

  return supa_error_new_from_response (service, status, soup_status_get_phrase (status),
                                       retry_after, x_sb_error_code, bytes);
}

static void
test_postgrest (void)
{
  g_autoptr(GError) e1 = NULL;
  g_autoptr(GError) e2 = NULL;
  g_autoptr(GError) e3 = NULL;
  g_autoptr(GError) e4 = NULL;
  g_autoptr(GError) e5 = NULL;

  e1 = from_body (SUPA_SERVICE_REST, 409, NULL, NULL,
                  "{\"code\":\"23505\",\"details\":\"Key (email)=(a@b.c) already exists.\",\"hint\":null,"
                  "\"message\":\"duplicate key value violates unique constraint \\\"users_email_key\\\"\"}");
  g_assert_error (e1, SUPA_ERROR, SUPA_ERROR_CONFLICT);
  g_assert_cmpstr (e1->message, ==, "duplicate key value violates unique constraint \"users_email_key\"");
  g_assert_cmpstr (supa_error_get_server_code (e1), ==, "23505");
  g_assert_cmpstr (supa_error_get_details (e1), ==, "Key (email)=(a@b.c) already exists.");
  g_assert_null (supa_error_get_hint (e1));
  g_assert_cmpuint (supa_error_get_http_status (e1), ==, 409);
  g_assert_cmpuint (supa_error_get_logical_status (e1), ==, 409);

  /* minimal verbosity, hint present, 404 */
  e2 = from_body (SUPA_SERVICE_REST, 404, NULL, NULL,
                  "{\"code\":\"PGRST205\",\"details\":null,\"hint\":\"Perhaps you meant the table 'public.todo'\","
                  "\"message\":\"Could not find the table 'public.todos' in the schema cache\"}");
  g_assert_error (e2, SUPA_ERROR, SUPA_ERROR_NOT_FOUND);
  g_assert_cmpstr (supa_error_get_hint (e2), ==, "Perhaps you meant the table 'public.todo'");
  g_assert_null (supa_error_get_details (e2));

  /* details can be an array (PGRST201) */
  e3 = from_body (SUPA_SERVICE_REST, 300, NULL, NULL,
                  "{\"code\":\"PGRST201\",\"details\":[{\"cardinality\":\"many-to-one\"}],\"hint\":\"Try changing\","
                  "\"message\":\"Could not embed because more than one relationship was found\"}");
  g_assert_error (e3, SUPA_ERROR, SUPA_ERROR_PROTOCOL);
  g_assert_cmpstr (supa_error_get_details (e3), ==, "[{\"cardinality\":\"many-to-one\"}]");

  /* non-JSON body: the raw text is the message (postgrest-js does that) */
  e4 = from_body (SUPA_SERVICE_REST, 400, NULL, NULL, "  upstream said no\n");
  g_assert_error (e4, SUPA_ERROR, SUPA_ERROR_INVALID_INPUT);
  g_assert_cmpstr (e4->message, ==, "upstream said no");

  /* 401 and 403 */
  e5 = from_body (SUPA_SERVICE_REST, 401, NULL, NULL,
                  "{\"code\":\"PGRST301\",\"details\":null,\"hint\":null,\"message\":\"JWT expired\"}");
  g_assert_error (e5, SUPA_ERROR, SUPA_ERROR_UNAUTHORIZED);
  g_assert_cmpstr (e5->message, ==, "JWT expired");
}

static void
test_gotrue (void)
{
  g_autoptr(GError) modern = NULL;
  g_autoptr(GError) legacy = NULL;
  g_autoptr(GError) oauth = NULL;
  g_autoptr(GError) header_only = NULL;
  g_autoptr(GError) weak = NULL;
  g_autoptr(GError) limited = NULL;

  modern = from_body (SUPA_SERVICE_AUTH, 400, NULL, "invalid_credentials",
                      "{\"code\":\"invalid_credentials\",\"message\":\"Invalid login credentials\"}");
  g_assert_error (modern, SUPA_ERROR, SUPA_ERROR_INVALID_INPUT);
  g_assert_cmpstr (modern->message, ==, "Invalid login credentials");
  g_assert_cmpstr (supa_error_get_server_code (modern), ==, "invalid_credentials");

  legacy = from_body (SUPA_SERVICE_AUTH, 403, NULL, NULL,
                      "{\"code\":403,\"error_code\":\"not_admin\",\"msg\":\"User not allowed\"}");
  g_assert_error (legacy, SUPA_ERROR, SUPA_ERROR_FORBIDDEN);
  g_assert_cmpstr (legacy->message, ==, "User not allowed");
  g_assert_cmpstr (supa_error_get_server_code (legacy), ==, "not_admin");

  oauth = from_body (SUPA_SERVICE_AUTH, 400, NULL, NULL,
                     "{\"error\":\"invalid_grant\",\"error_description\":\"Invalid Refresh Token\"}");
  g_assert_error (oauth, SUPA_ERROR, SUPA_ERROR_INVALID_INPUT);
  g_assert_cmpstr (oauth->message, ==, "Invalid Refresh Token");
  g_assert_cmpstr (supa_error_get_server_code (oauth), ==, "invalid_grant");

  /* msg wins over message */
  header_only = from_body (SUPA_SERVICE_AUTH, 404, NULL, "user_not_found",
                           "{\"msg\":\"User not found\",\"message\":\"other\"}");
  g_assert_error (header_only, SUPA_ERROR, SUPA_ERROR_NOT_FOUND);
  g_assert_cmpstr (header_only->message, ==, "User not found");
  g_assert_cmpstr (supa_error_get_server_code (header_only), ==, "user_not_found");

  weak = from_body (SUPA_SERVICE_AUTH, 422, NULL, NULL,
                    "{\"code\":422,\"error_code\":\"weak_password\",\"msg\":\"Password should be at least 6 characters.\","
                    "\"weak_password\":{\"reasons\":[\"length\"]}}");
  g_assert_error (weak, SUPA_ERROR, SUPA_ERROR_INVALID_INPUT);
  g_assert_cmpstr (supa_error_get_server_code (weak), ==, "weak_password");

  limited = from_body (SUPA_SERVICE_AUTH, 429, "30", "over_email_send_rate_limit",
                       "{\"code\":\"over_email_send_rate_limit\",\"message\":\"email rate limit exceeded\"}");
  g_assert_error (limited, SUPA_ERROR, SUPA_ERROR_RATE_LIMITED);
  g_assert_cmpfloat (supa_error_get_retry_after (limited), ==, 30.0);
  g_assert_cmpstr (limited->message, ==, "email rate limit exceeded");
}

static void
test_storage (void)
{
  struct {
    const char    *body;
    guint          http;
    guint          logical;
    SupaErrorCode  code;
    const char    *server_code;
    const char    *message;
  } cases[] = {
    { "{\"statusCode\":\"404\",\"error\":\"not_found\",\"message\":\"Object not found\",\"code\":\"NoSuchKey\"}",
      400, 404, SUPA_ERROR_NOT_FOUND, "NoSuchKey", "Object not found" },
    { "{\"statusCode\":\"404\",\"error\":\"Bucket not found\",\"message\":\"Bucket not found\",\"code\":\"NoSuchBucket\"}",
      400, 404, SUPA_ERROR_NOT_FOUND, "NoSuchBucket", "Bucket not found" },
    { "{\"statusCode\":\"409\",\"error\":\"Duplicate\",\"message\":\"The resource already exists\",\"code\":\"KeyAlreadyExists\"}",
      400, 409, SUPA_ERROR_CONFLICT, "KeyAlreadyExists", "The resource already exists" },
    { "{\"statusCode\":\"413\",\"error\":\"Payload too large\",\"message\":\"The object exceeded the maximum allowed size\",\"code\":\"EntityTooLarge\"}",
      400, 413, SUPA_ERROR_TOO_LARGE, "EntityTooLarge", "The object exceeded the maximum allowed size" },
    { "{\"statusCode\":\"415\",\"error\":\"invalid_mime_type\",\"message\":\"mime type text/html is not supported\",\"code\":\"InvalidMimeType\"}",
      400, 415, SUPA_ERROR_UNSUPPORTED_MEDIA, "InvalidMimeType", "mime type text/html is not supported" },
    { "{\"statusCode\":\"403\",\"error\":\"Unauthorized\",\"message\":\"new row violates row-level security policy\",\"code\":\"AccessDenied\"}",
      400, 403, SUPA_ERROR_FORBIDDEN, "AccessDenied", "new row violates row-level security policy" },
    { "{\"statusCode\":\"400\",\"error\":\"InvalidRequest\",\"message\":\"body must have required property 'name'\",\"code\":\"InvalidRequest\"}",
      400, 400, SUPA_ERROR_INVALID_INPUT, "InvalidRequest", "body must have required property 'name'" },
    { "{\"statusCode\":\"500\",\"error\":\"InternalError\",\"message\":\"Internal server error\",\"code\":\"InternalError\"}",
      500, 500, SUPA_ERROR_SERVER, "InternalError", "Internal server error" },
    { "{\"statusCode\":\"429\",\"error\":\"too_many_connections\",\"message\":\"Too many connections\",\"code\":\"SlowDown\"}",
      429, 429, SUPA_ERROR_RATE_LIMITED, "SlowDown", "Too many connections" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = from_body (SUPA_SERVICE_STORAGE, cases[i].http, NULL, NULL, cases[i].body);

      g_assert_error (error, SUPA_ERROR, (int) cases[i].code);
      g_assert_cmpuint (supa_error_get_http_status (error), ==, cases[i].http);
      g_assert_cmpuint (supa_error_get_logical_status (error), ==, cases[i].logical);
      g_assert_cmpstr (supa_error_get_server_code (error), ==, cases[i].server_code);
      g_assert_cmpstr (error->message, ==, cases[i].message);
    }

  /* Non-JSON storage body */
  {
    g_autoptr(GError) error = from_body (SUPA_SERVICE_STORAGE, 502, NULL, NULL,
                                         "<html><body><h1>502 Bad Gateway</h1></body></html>");
    g_assert_error (error, SUPA_ERROR, SUPA_ERROR_SERVER);
    g_assert_cmpstr (error->message, ==, "The server answered 502 Bad Gateway.");
  }
}

static void
test_realtime_functions_gateway (void)
{
  g_autoptr(GError) rt = NULL;
  g_autoptr(GError) fn = NULL;
  g_autoptr(GError) fn_auth = NULL;
  g_autoptr(GError) gateway = NULL;
  g_autoptr(GError) invalid = NULL;

  rt = from_body (SUPA_SERVICE_REALTIME, 401, NULL, NULL, "{\"error\":\"API key is missing\"}");
  g_assert_error (rt, SUPA_ERROR, SUPA_ERROR_UNAUTHORIZED);
  g_assert_cmpstr (rt->message, ==, "API key is missing");

  fn = from_body (SUPA_SERVICE_FUNCTIONS, 404, NULL, NULL,
                  "{\"code\":\"NOT_FOUND\",\"message\":\"Requested function was not found\"}");
  g_assert_error (fn, SUPA_ERROR, SUPA_ERROR_NOT_FOUND);
  g_assert_cmpstr (fn->message, ==, "Requested function was not found");
  g_assert_cmpstr (supa_error_get_server_code (fn), ==, "NOT_FOUND");

  fn_auth = from_body (SUPA_SERVICE_FUNCTIONS, 401, NULL, NULL,
                       "{\"code\":\"UNAUTHORIZED_NO_AUTH_HEADER\",\"message\":\"Missing authorization header\"}");
  g_assert_error (fn_auth, SUPA_ERROR, SUPA_ERROR_UNAUTHORIZED);
  g_assert_cmpstr (supa_error_get_server_code (fn_auth), ==, "UNAUTHORIZED_NO_AUTH_HEADER");

  /* the gateway's own rejection, whatever the service */
  for (SupaService s = SUPA_SERVICE_REST; s <= SUPA_SERVICE_FUNCTIONS; s++)
    {
      g_clear_error (&gateway);
      gateway = from_body (s, 401, NULL, NULL, "{\"message\":\"No API key found in request\"}");
      g_assert_error (gateway, SUPA_ERROR, SUPA_ERROR_UNAUTHORIZED);
      g_assert_cmpstr (gateway->message, ==, "No API key found in request");
    }

  invalid = from_body (SUPA_SERVICE_REST, 401, NULL, NULL, "{\"message\":\"Invalid authentication credentials\"}");
  g_assert_cmpstr (invalid->message, ==, "Invalid authentication credentials");
}

static void
test_status_mapping (void)
{
  struct { guint status; SupaErrorCode code; } cases[] = {
    { 400, SUPA_ERROR_INVALID_INPUT }, { 401, SUPA_ERROR_UNAUTHORIZED }, { 403, SUPA_ERROR_FORBIDDEN },
    { 404, SUPA_ERROR_NOT_FOUND }, { 405, SUPA_ERROR_INVALID_INPUT }, { 406, SUPA_ERROR_INVALID_INPUT },
    { 409, SUPA_ERROR_CONFLICT }, { 413, SUPA_ERROR_TOO_LARGE }, { 415, SUPA_ERROR_UNSUPPORTED_MEDIA },
    { 416, SUPA_ERROR_INVALID_INPUT }, { 422, SUPA_ERROR_INVALID_INPUT }, { 429, SUPA_ERROR_RATE_LIMITED },
    { 500, SUPA_ERROR_SERVER }, { 502, SUPA_ERROR_SERVER }, { 503, SUPA_ERROR_SERVER },
    { 546, SUPA_ERROR_SERVER }, { 300, SUPA_ERROR_PROTOCOL }, { 200, SUPA_ERROR_PROTOCOL },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    g_assert_cmpint (supa_error_code_for_status (cases[i].status), ==, cases[i].code);
}

static void
test_empty_bodies (void)
{
  g_autoptr(GError) e1 = from_body (SUPA_SERVICE_REST, 502, NULL, NULL, NULL);
  g_autoptr(GError) e2 = from_body (SUPA_SERVICE_AUTH, 503, NULL, NULL, "");
  g_autoptr(GError) e3 = NULL;
  g_autoptr(GError) e4 = NULL;
  g_autoptr(GError) e5 = NULL;
  g_autoptr(GBytes) nothing = g_bytes_new (NULL, 0);
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  g_autoptr(GDateTime) later = g_date_time_add_seconds (now, 120);
  g_autofree char *http_date = soup_date_time_to_string (later, SOUP_DATE_HTTP);

  g_assert_error (e1, SUPA_ERROR, SUPA_ERROR_SERVER);
  g_assert_cmpstr (e1->message, ==, "The server answered 502 Bad Gateway.");
  g_assert_cmpstr (e2->message, ==, "The server answered 503 Service Unavailable.");

  e3 = supa_error_new_from_response (SUPA_SERVICE_REST, 599, NULL, NULL, NULL, nothing);
  g_assert_error (e3, SUPA_ERROR, SUPA_ERROR_SERVER);
  g_assert_cmpstr (e3->message, ==, "The server answered 599.");

  /* a JSON object without any message member */
  e4 = from_body (SUPA_SERVICE_STORAGE, 400, NULL, NULL, "{\"statusCode\":\"404\"}");
  g_assert_error (e4, SUPA_ERROR, SUPA_ERROR_NOT_FOUND);
  g_assert_cmpstr (e4->message, ==, "The server answered 400 Bad Request.");

  /* Retry-After as an HTTP date */
  e5 = from_body (SUPA_SERVICE_REST, 429, http_date, NULL, NULL);
  g_assert_error (e5, SUPA_ERROR, SUPA_ERROR_RATE_LIMITED);
  g_assert_cmpfloat (supa_error_get_retry_after (e5), >, 100);
  g_assert_cmpfloat (supa_error_get_retry_after (e5), <=, 121);
}

static void
test_secrets_in_bodies (void)
{
  g_autofree char *jwt = test_make_role_jwt ("service_role");
  g_autofree char *body = g_strdup_printf ("{\"message\":\"bad key %s\"}", jwt);
  g_autoptr(GError) error = from_body (SUPA_SERVICE_REST, 401, NULL, NULL, body);

  g_assert_null (strstr (error->message, jwt));
  g_assert_nonnull (strstr (error->message, "[redacted]"));
}

static void
test_extended_fields_copy (void)
{
  g_autoptr(GError) error = supa_error_new_full (SUPA_ERROR_CONFLICT, 400, 409, "KeyAlreadyExists",
                                                 "d", "h", "The resource already exists");
  g_autoptr(GError) copy = g_error_copy (error);
  g_autoptr(GError) other = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_FAILED, "x");

  g_assert_cmpuint (supa_error_get_http_status (copy), ==, 400);
  g_assert_cmpuint (supa_error_get_logical_status (copy), ==, 409);
  g_assert_cmpstr (supa_error_get_server_code (copy), ==, "KeyAlreadyExists");
  g_assert_cmpstr (supa_error_get_details (copy), ==, "d");
  g_assert_cmpstr (supa_error_get_hint (copy), ==, "h");

  g_assert_cmpuint (supa_error_get_http_status (other), ==, 0);
  g_assert_null (supa_error_get_server_code (other));
  g_assert_null (supa_error_get_server_code (NULL));
}

static void
test_display_text (void)
{
  g_autoptr(GError) full = supa_error_new_full (SUPA_ERROR_CONFLICT, 409, 409, "23505",
                                                "Key (id)=(1) already exists.", "Pick another id",
                                                "duplicate key value violates unique constraint");
  g_autoptr(GError) bare = supa_error_new_full (SUPA_ERROR_INVALID_INPUT, 400, 400, NULL,
                                                "", NULL, "bad input");
  g_autoptr(GError) other = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_FAILED, "disk full");
  g_autofree char *full_text = supa_error_dup_display_text (full);
  g_autofree char *bare_text = supa_error_dup_display_text (bare);
  g_autofree char *other_text = supa_error_dup_display_text (other);

  g_assert_cmpstr (full_text, ==,
                   "duplicate key value violates unique constraint\n"
                   "Key (id)=(1) already exists.\n"
                   "Hint: Pick another id\n"
                   "Code: 23505");
  g_assert_cmpstr (bare_text, ==, "bad input");
  g_assert_cmpstr (other_text, ==, "disk full");
}

static void
test_transport (void)
{
  struct {
    int            code;
    const char    *message;
    SupaErrorCode  expected;
    const char    *expected_message;
  } cases[] = {
    { G_IO_ERROR_CONNECTION_REFUSED, "Connection refused", SUPA_ERROR_NETWORK, "Could not reach example.com: connection refused" },
    { G_IO_ERROR_HOST_NOT_FOUND, "x", SUPA_ERROR_NETWORK, "Could not reach example.com: host not found" },
    { G_IO_ERROR_TIMED_OUT, "x", SUPA_ERROR_NETWORK, "Could not reach example.com: the connection timed out" },
    { G_IO_ERROR_CONNECTION_CLOSED, "x", SUPA_ERROR_NETWORK, "Could not reach example.com: the connection was reset" },
    { G_IO_ERROR_NETWORK_UNREACHABLE, "x", SUPA_ERROR_NETWORK, "Could not reach example.com: the network is unreachable" },
    { G_IO_ERROR_FAILED, "Something odd", SUPA_ERROR_NETWORK, "Could not reach example.com: Something odd" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) in = g_error_new_literal (G_IO_ERROR, cases[i].code, cases[i].message);
      g_autoptr(GError) out = supa_error_new_from_transport (in, "example.com");

      g_assert_error (out, SUPA_ERROR, (int) cases[i].expected);
      g_assert_cmpstr (out->message, ==, cases[i].expected_message);
    }

  {
    g_autoptr(GError) in = g_error_new_literal (G_RESOLVER_ERROR, G_RESOLVER_ERROR_NOT_FOUND, "Name or service not known");
    g_autoptr(GError) out = supa_error_new_from_transport (in, "nope.invalid");
    g_assert_error (out, SUPA_ERROR, SUPA_ERROR_NETWORK);
    g_assert_cmpstr (out->message, ==, "Could not reach nope.invalid: host not found");
  }

  {
    g_autoptr(GError) in = g_error_new_literal (G_TLS_ERROR, G_TLS_ERROR_BAD_CERTIFICATE, "Unacceptable TLS certificate");
    g_autoptr(GError) out = supa_error_new_from_transport (in, "example.com");
    g_assert_error (out, SUPA_ERROR, SUPA_ERROR_TLS);
    g_assert_cmpstr (out->message, ==, "The TLS certificate of example.com is not trusted: Unacceptable TLS certificate");
  }

  {
    g_autoptr(GError) in = g_error_new_literal (G_TLS_ERROR, G_TLS_ERROR_HANDSHAKE, "handshake failed");
    g_autoptr(GError) out = supa_error_new_from_transport (in, "example.com");
    g_assert_error (out, SUPA_ERROR, SUPA_ERROR_TLS);
    g_assert_cmpstr (out->message, ==, "The secure connection to example.com failed: handshake failed");
  }

  {
    g_autoptr(GError) in = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED, "Operation was cancelled");
    g_autoptr(GError) out = supa_error_new_from_transport (in, "example.com");
    g_assert_error (out, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  }

  {
    g_autoptr(GError) in = g_error_new_literal (SOUP_SESSION_ERROR, SOUP_SESSION_ERROR_PARSING, "Could not parse HTTP response");
    g_autoptr(GError) out = supa_error_new_from_transport (in, NULL);
    g_assert_error (out, SUPA_ERROR, SUPA_ERROR_PROTOCOL);
    g_assert_cmpstr (out->message, ==, "The answer from the server could not be read: Could not parse HTTP response");
  }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/error/postgrest", test_postgrest);
  g_test_add_func ("/error/gotrue", test_gotrue);
  g_test_add_func ("/error/storage", test_storage);
  g_test_add_func ("/error/realtime-functions-gateway", test_realtime_functions_gateway);
  g_test_add_func ("/error/status-mapping", test_status_mapping);
  g_test_add_func ("/error/empty-bodies", test_empty_bodies);
  g_test_add_func ("/error/secrets-in-bodies", test_secrets_in_bodies);
  g_test_add_func ("/error/extended-fields", test_extended_fields_copy);
  g_test_add_func ("/error/display-text", test_display_text);
  g_test_add_func ("/error/transport", test_transport);

  return g_test_run ();
}
