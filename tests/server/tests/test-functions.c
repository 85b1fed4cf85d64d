/* test-functions.c — supabase-local's built-in Edge Functions.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "supa-test-server.h"

#include <string.h>

static SupaTestServer *server;

static JsonObject *
body (SupaTestResponse *r)
{
  g_assert_nonnull (r->json);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (r->json));
  return json_node_get_object (r->json);
}

static SupaTestResponse *
invoke (const char *method,
        const char *path,
        const char *token,
        const char *content_type,
        const char *data,
        const char *extra_name,
        const char *extra_value)
{
  g_autofree char *bearer = token ? g_strconcat ("Bearer ", token, NULL) : NULL;
  const char *headers[9] = { "apikey", server->anon_key, "X-Client-Info", "supadesk-test/1.0", NULL };
  guint n = 4;

  if (bearer != NULL)
    {
      headers[n++] = "Authorization";
      headers[n++] = bearer;
    }
  if (extra_name != NULL)
    {
      headers[n++] = extra_name;
      headers[n++] = extra_value;
    }
  return supa_test_request (server, method, path, headers, content_type, data, data ? -1 : 0);
}

static void
test_echo (void)
{
  g_autoptr(SupaTestResponse) r = invoke ("POST", "/functions/v1/echo/sub?a=1&b=two", server->anon_key,
                                          "application/json", "{\"hello\":\"world\",\"n\":3}",
                                          "x-custom-thing", "yes");
  JsonObject *o, *headers, *query;
  g_autofree char *text = NULL;

  g_assert_cmpuint (r->status, ==, 200);
  o = body (r);
  g_assert_cmpstr (json_object_get_string_member (o, "method"), ==, "POST");
  g_assert_cmpstr (json_object_get_string_member (o, "path"), ==, "/sub");
  query = json_object_get_object_member (o, "query");
  g_assert_cmpstr (json_object_get_string_member (query, "b"), ==, "two");
  headers = json_object_get_object_member (o, "headers");
  g_assert_cmpstr (json_object_get_string_member (headers, "x-custom-thing"), ==, "yes");
  g_assert_cmpstr (json_object_get_string_member (headers, "x-client-info"), ==, "supadesk-test/1.0");
  g_assert_false (json_object_has_member (headers, "authorization"));
  g_assert_cmpstr (json_object_get_string_member (o, "role"), ==, "anon");
  g_assert_true (json_object_get_boolean_member (o, "apikey"));
  g_assert_cmpint (json_object_get_int_member (json_object_get_object_member (o, "body"), "n"), ==, 3);

  /* The token itself never comes back. */
  text = g_strndup (g_bytes_get_data (r->body, NULL), g_bytes_get_size (r->body));
  g_assert_null (strstr (text, server->anon_key));
}

static void
test_echo_methods_and_bodies (void)
{
  static const char * const methods[] = { "GET", "PUT", "PATCH", "DELETE" };
  g_autoptr(SupaTestResponse) text = invoke ("POST", "/functions/v1/echo", server->service_role_key,
                                             "text/plain", "plain words", NULL, NULL);
  g_autoptr(SupaTestResponse) bin = NULL;
  const char raw[] = { 0x00, (char) 0xff, 0x10, 0x41 };

  g_assert_cmpstr (json_object_get_string_member (body (text), "body"), ==, "plain words");
  g_assert_cmpstr (json_object_get_string_member (body (text), "role"), ==, "service_role");

  {
    g_autofree char *bearer = g_strconcat ("Bearer ", server->anon_key, NULL);
    const char * const headers[] = { "Authorization", bearer, NULL };

    bin = supa_test_request (server, "POST", "/functions/v1/echo", headers,
                             "application/octet-stream", raw, sizeof raw);
  }
  g_assert_cmpuint (bin->status, ==, 200);
  g_assert_cmpstr (json_object_get_string_member (body (bin), "body_encoding"), ==, "base64");
  g_assert_cmpstr (json_object_get_string_member (body (bin), "body"), ==, "AP8QQQ==");

  for (guint i = 0; i < G_N_ELEMENTS (methods); i++)
    {
      g_autoptr(SupaTestResponse) r = invoke (methods[i], "/functions/v1/echo", server->anon_key, NULL, NULL, NULL, NULL);

      g_assert_cmpuint (r->status, ==, 200);
      g_assert_cmpstr (json_object_get_string_member (body (r), "method"), ==, methods[i]);
    }
}

static void
test_region (void)
{
  g_autoptr(SupaTestResponse) r = invoke ("POST", "/functions/v1/echo?forceFunctionRegion=eu-central-1",
                                          server->anon_key, NULL, NULL, "x-region", "eu-central-1");

  g_assert_cmpuint (r->status, ==, 200);
  g_assert_cmpstr (json_object_get_string_member (body (r), "region"), ==, "eu-central-1");
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (body (r), "headers"), "x-region"),
                   ==, "eu-central-1");
  g_assert_cmpstr (supa_test_response_header (r, "x-sb-edge-region"), ==, "eu-central-1");
}

static void
test_slow (void)
{
  gint64 start = g_get_monotonic_time ();
  g_autoptr(SupaTestResponse) r = invoke ("POST", "/functions/v1/slow", server->anon_key,
                                          "application/json", "{\"ms\":300}", NULL, NULL);
  g_autoptr(SupaTestResponse) q = NULL;

  g_assert_cmpuint (r->status, ==, 200);
  g_assert_cmpint (json_object_get_int_member (body (r), "slept_ms"), ==, 300);
  g_assert_cmpint (g_get_monotonic_time () - start, >=, 300 * 1000);

  q = invoke ("GET", "/functions/v1/slow?ms=50", server->anon_key, NULL, NULL, NULL, NULL);
  g_assert_cmpint (json_object_get_int_member (body (q), "slept_ms"), ==, 50);
}

static void
test_fail (void)
{
  g_autoptr(SupaTestResponse) r = invoke ("POST", "/functions/v1/fail?status=418", server->anon_key,
                                          NULL, NULL, NULL, NULL);
  g_autoptr(SupaTestResponse) b = invoke ("POST", "/functions/v1/fail", server->anon_key,
                                          "application/json", "{\"status\":422,\"message\":\"bad input\"}", NULL, NULL);
  g_autoptr(SupaTestResponse) relay = invoke ("POST", "/functions/v1/fail?status=502&relay=1", server->anon_key,
                                              NULL, NULL, NULL, NULL);

  g_assert_cmpuint (r->status, ==, 418);
  g_assert_null (supa_test_response_header (r, "x-relay-error"));
  g_assert_cmpuint (b->status, ==, 422);
  g_assert_cmpstr (json_object_get_string_member (body (b), "error"), ==, "bad input");
  g_assert_cmpuint (relay->status, ==, 502);
  g_assert_cmpstr (supa_test_response_header (relay, "x-relay-error"), ==, "true");
}

static void
test_not_found_and_auth (void)
{
  g_autoptr(SupaTestResponse) missing = invoke ("POST", "/functions/v1/nope", server->anon_key, NULL, NULL, NULL, NULL);
  g_autoptr(SupaTestResponse) noauth = invoke ("POST", "/functions/v1/echo", NULL, NULL, NULL, NULL, NULL);
  g_autoptr(SupaTestResponse) badjwt = invoke ("POST", "/functions/v1/echo", "definitely-not-a-jwt", NULL, NULL, NULL, NULL);

  g_assert_cmpuint (missing->status, ==, 404);
  g_assert_cmpstr (json_object_get_string_member (body (missing), "code"), ==, "NOT_FOUND");
  g_assert_cmpstr (json_object_get_string_member (body (missing), "message"), ==, "Requested function was not found");
  g_assert_cmpuint (noauth->status, ==, 401);
  g_assert_cmpstr (json_object_get_string_member (body (noauth), "code"), ==, "UNAUTHORIZED_NO_AUTH_HEADER");
  g_assert_cmpstr (json_object_get_string_member (body (noauth), "message"), ==, "Missing authorization header");
  g_assert_cmpuint (badjwt->status, ==, 401);
  g_assert_cmpstr (json_object_get_string_member (body (badjwt), "code"), ==, "UNAUTHORIZED_INVALID_JWT_FORMAT");
}

int
main (int    argc,
      char **argv)
{
  int ret;

  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  server = supa_test_server_start ("empty", NULL);

  g_test_add_func ("/functions/echo", test_echo);
  g_test_add_func ("/functions/echo-methods-bodies", test_echo_methods_and_bodies);
  g_test_add_func ("/functions/region", test_region);
  g_test_add_func ("/functions/slow", test_slow);
  g_test_add_func ("/functions/fail", test_fail);
  g_test_add_func ("/functions/not-found-and-auth", test_not_found_and_auth);

  ret = g_test_run ();
  supa_test_server_stop (server);
  return ret;
}
