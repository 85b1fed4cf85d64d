/* test-core.c — supabase-local's core: start-up, keys, gateway auth,
 * routing, streaming, faults, request log, database and clean shutdown.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define _GNU_SOURCE
#define G_LOG_DOMAIN "test-core"

#include "supa-test-server.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gstdio.h>
#include <libpq-fe.h>

static SupaTestServer *server;
static char *request_log_path;

/* ------------------------------------------------------------ helpers */

static GBytes *
b64url_decode (const char *s,
               gsize       len)
{
  g_autoptr(GString) b = g_string_new_len (s, len);
  gsize out_len = 0;
  guchar *out;

  for (gsize i = 0; i < b->len; i++)
    {
      if (b->str[i] == '-')
        b->str[i] = '+';
      else if (b->str[i] == '_')
        b->str[i] = '/';
    }
  while (b->len % 4 != 0)
    g_string_append_c (b, '=');
  out = g_base64_decode (b->str, &out_len);
  return g_bytes_new_take (out, out_len);
}

static char *
b64url_encode (const guchar *data,
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

/* Verifies an HS256 JWT independently of the server's code; returns its
 * payload. */
static JsonObject *
verify_jwt (const char *token,
            const char *secret)
{
  g_auto(GStrv) parts = g_strsplit (token, ".", -1);
  g_autoptr(GHmac) hmac = NULL;
  g_autofree char *input = NULL;
  g_autofree char *sig = NULL;
  g_autoptr(GBytes) header = NULL;
  g_autoptr(GBytes) payload = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  guint8 digest[32];
  gsize digest_len = sizeof digest;
  gsize len;
  const char *data;

  g_assert_cmpuint (g_strv_length (parts), ==, 3);
  input = g_strconcat (parts[0], ".", parts[1], NULL);
  hmac = g_hmac_new (G_CHECKSUM_SHA256, (const guchar *) secret, strlen (secret));
  g_hmac_update (hmac, (const guchar *) input, -1);
  g_hmac_get_digest (hmac, digest, &digest_len);
  sig = b64url_encode (digest, digest_len);
  g_assert_cmpstr (sig, ==, parts[2]);

  header = b64url_decode (parts[0], strlen (parts[0]));
  data = g_bytes_get_data (header, &len);
  g_assert_true (json_parser_load_from_data (parser, data, len, NULL));
  g_assert_cmpstr (json_object_get_string_member (json_node_get_object (json_parser_get_root (parser)), "alg"),
                   ==, "HS256");

  payload = b64url_decode (parts[1], strlen (parts[1]));
  data = g_bytes_get_data (payload, &len);
  g_assert_true (json_parser_load_from_data (parser, data, len, NULL));
  return json_object_ref (json_node_get_object (json_parser_get_root (parser)));
}

static char *
sign_jwt (const char *secret,
          const char *payload_json)
{
  static const char header[] = "{\"alg\":\"HS256\",\"typ\":\"JWT\"}";
  g_autofree char *h = b64url_encode ((const guchar *) header, strlen (header));
  g_autofree char *p = b64url_encode ((const guchar *) payload_json, strlen (payload_json));
  g_autofree char *input = g_strconcat (h, ".", p, NULL);
  g_autoptr(GHmac) hmac = g_hmac_new (G_CHECKSUM_SHA256, (const guchar *) secret, strlen (secret));
  guint8 digest[32];
  gsize digest_len = sizeof digest;
  g_autofree char *sig = NULL;

  g_hmac_update (hmac, (const guchar *) input, -1);
  g_hmac_get_digest (hmac, digest, &digest_len);
  sig = b64url_encode (digest, digest_len);
  return g_strconcat (input, ".", sig, NULL);
}

static SupaTestResponse *
set_faults (const char *faults_json)
{
  const char *headers[] = { "apikey", server->service_role_key, NULL };
  g_autofree char *body = g_strdup_printf ("{\"faults\":%s}", faults_json);

  return supa_test_request (server, "POST", "/__local/faults", headers,
                            "application/json", body, -1);
}

static void
clear_faults (void)
{
  const char *headers[] = { "apikey", server->service_role_key, NULL };
  g_autoptr(SupaTestResponse) r = supa_test_request (server, "DELETE", "/__local/faults",
                                                     headers, NULL, NULL, 0);

  g_assert_cmpuint (r->status, ==, 200);
}

/* -------------------------------------------------------------- tests */

static void
test_ready_line (void)
{
  g_autoptr(JsonObject) anon = NULL;
  g_autoptr(JsonObject) service = NULL;
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;

  g_assert_true (g_str_has_prefix (server->url, "http://127.0.0.1:"));
  g_assert_true (g_str_has_prefix (server->db_url, "postgresql://postgres:"));
  /* ≥ 32 random bytes, base64url. */
  g_assert_cmpuint (strlen (server->jwt_secret), >=, 43);
  g_assert_cmpstr (server->anon_key, !=, server->service_role_key);

  anon = verify_jwt (server->anon_key, server->jwt_secret);
  service = verify_jwt (server->service_role_key, server->jwt_secret);
  g_assert_cmpstr (json_object_get_string_member (anon, "role"), ==, "anon");
  g_assert_cmpstr (json_object_get_string_member (service, "role"), ==, "service_role");
  g_assert_cmpstr (json_object_get_string_member (anon, "iss"), ==, "supabase-local");
  g_assert_cmpstr (json_object_get_string_member (anon, "ref"), ==, "local");
  g_assert_cmpint (json_object_get_int_member (anon, "exp"), >, now + 9 * 365 * 24 * 3600);
  g_assert_cmpint (json_object_get_int_member (anon, "iat"), <=, now + 5);
}

static void
test_health_and_404 (void)
{
  g_autoptr(SupaTestResponse) health = supa_test_request (server, "GET", "/__local/health",
                                                          NULL, NULL, NULL, 0);
  g_autoptr(SupaTestResponse) missing = supa_test_request (server, "GET", "/no/such/route",
                                                           NULL, NULL, NULL, 0);
  g_autoptr(SupaTestResponse) head = supa_test_request (server, "HEAD", "/no/such/route",
                                                        NULL, NULL, NULL, 0);
  g_autoptr(SupaTestResponse) preflight = NULL;
  const char *preflight_headers[] = {
    "Origin", "http://example.org",
    "Access-Control-Request-Method", "POST",
    "Access-Control-Request-Headers", "apikey, authorization, content-type",
    NULL
  };

  g_assert_cmpuint (health->status, ==, 200);
  g_assert_cmpstr (supa_test_response_text (health), ==, "{\"status\":\"ok\"}");

  g_assert_cmpuint (missing->status, ==, 404);
  g_assert_nonnull (missing->json);
  g_assert_cmpstr (json_object_get_string_member (json_node_get_object (missing->json), "message"),
                   ==, "no Route matched with those values");

  g_assert_cmpuint (head->status, ==, 404);
  g_assert_cmpuint (g_bytes_get_size (head->body), ==, 0);

  preflight = supa_test_request (server, "OPTIONS", "/rest/v1/todos", preflight_headers,
                                 NULL, NULL, 0);
  g_assert_cmpuint (preflight->status, ==, 200);
  g_assert_cmpstr (supa_test_response_header (preflight, "Access-Control-Allow-Origin"), ==, "*");
  g_assert_nonnull (strstr (supa_test_response_header (preflight, "Access-Control-Allow-Headers"),
                            "apikey"));
  g_assert_nonnull (strstr (supa_test_response_header (preflight, "Access-Control-Allow-Headers"),
                            "tus-resumable"));
}

static void
test_gateway_auth (void)
{
  const char *anon_headers[] = { "apikey", server->anon_key, NULL };
  const char *bad_headers[] = { "apikey", "not-a-key", NULL };
  g_autofree char *forged = sign_jwt ("some-other-secret-that-is-long-enough-xx",
                                      "{\"role\":\"service_role\"}");
  const char *forged_headers[] = { "apikey", forged, NULL };
  g_autofree char *bearer = g_strconcat ("Bearer ", server->service_role_key, NULL);
  const char *bearer_only[] = { "Authorization", bearer, NULL };
  g_autofree char *query_path = g_strconcat ("/__local/faults?apikey=", server->service_role_key, NULL);
  g_autoptr(SupaTestResponse) none = NULL;
  g_autoptr(SupaTestResponse) bad = NULL;
  g_autoptr(SupaTestResponse) forged_r = NULL;
  g_autoptr(SupaTestResponse) anon = NULL;
  g_autoptr(SupaTestResponse) bearer_r = NULL;
  g_autoptr(SupaTestResponse) query_r = NULL;

  /* /__local/faults sits behind the same gateway check as /rest/v1. */
  none = supa_test_request (server, "GET", "/__local/faults", NULL, NULL, NULL, 0);
  g_assert_cmpuint (none->status, ==, 401);
  g_assert_cmpstr (supa_test_response_text (none), ==, "{\"message\":\"No API key found in request\"}");

  bearer_r = supa_test_request (server, "GET", "/__local/faults", bearer_only, NULL, NULL, 0);
  g_assert_cmpuint (bearer_r->status, ==, 401);
  g_assert_cmpstr (supa_test_response_text (bearer_r), ==, "{\"message\":\"No API key found in request\"}");

  bad = supa_test_request (server, "GET", "/__local/faults", bad_headers, NULL, NULL, 0);
  g_assert_cmpuint (bad->status, ==, 401);
  g_assert_cmpstr (supa_test_response_text (bad), ==, "{\"message\":\"Invalid authentication credentials\"}");

  forged_r = supa_test_request (server, "GET", "/__local/faults", forged_headers, NULL, NULL, 0);
  g_assert_cmpuint (forged_r->status, ==, 401);
  g_assert_cmpstr (supa_test_response_text (forged_r), ==, "{\"message\":\"Invalid authentication credentials\"}");

  /* A valid key of the wrong role gets past the gateway but not the route. */
  anon = supa_test_request (server, "GET", "/__local/faults", anon_headers, NULL, NULL, 0);
  g_assert_cmpuint (anon->status, ==, 403);

  query_r = supa_test_request (server, "GET", query_path, NULL, NULL, NULL, 0);
  g_assert_cmpuint (query_r->status, ==, 200);
  g_assert_nonnull (query_r->json);
  g_assert_true (JSON_NODE_HOLDS_ARRAY (json_object_get_member (json_node_get_object (query_r->json), "faults")));
}

static void
test_spooled_upload (void)
{
  const char *headers[] = { "apikey", server->service_role_key, NULL };
  gsize size = 8 * 1024 * 1024 + 17;
  g_autofree char *data = g_malloc (size);
  g_autofree char *expected = NULL;
  g_autoptr(SupaTestResponse) r = NULL;
  JsonObject *o;

  for (gsize i = 0; i < size; i++)
    data[i] = (char) (i * 7 + (i >> 13));
  expected = g_compute_checksum_for_data (G_CHECKSUM_SHA256, (const guchar *) data, size);

  r = supa_test_request (server, "POST", "/__local/selftest/spool", headers,
                         "application/octet-stream", data, size);
  g_assert_cmpuint (r->status, ==, 200);
  g_assert_nonnull (r->json);
  o = json_node_get_object (r->json);
  g_assert_cmpint (json_object_get_int_member (o, "bytes"), ==, size);
  g_assert_cmpint (json_object_get_int_member (o, "body_length"), ==, size);
  g_assert_cmpstr (json_object_get_string_member (o, "sha256"), ==, expected);
  g_assert_false (json_object_get_boolean_member (o, "in_memory"));
}

static void
test_streamed_file (void)
{
  const char *headers[] = { "apikey", server->service_role_key, NULL };
  g_autoptr(SupaTestResponse) full = NULL;
  g_autoptr(SupaTestResponse) part = NULL;
  g_autoptr(SupaTestResponse) head = NULL;
  const guchar *data;
  gsize len;

  full = supa_test_request (server, "GET", "/__local/selftest/file?size=5000000", headers,
                            NULL, NULL, 0);
  g_assert_cmpuint (full->status, ==, 200);
  g_assert_cmpstr (supa_test_response_header (full, "Content-Length"), ==, "5000000");
  data = g_bytes_get_data (full->body, &len);
  g_assert_cmpuint (len, ==, 5000000);
  for (gsize i = 0; i < len; i += 4093)
    g_assert_cmpuint (data[i], ==, i % 251);
  g_assert_cmpuint (data[len - 1], ==, (len - 1) % 251);

  part = supa_test_request (server, "GET", "/__local/selftest/file?size=5000000&offset=1000000&length=300000",
                            headers, NULL, NULL, 0);
  g_assert_cmpuint (part->status, ==, 206);
  data = g_bytes_get_data (part->body, &len);
  g_assert_cmpuint (len, ==, 300000);
  g_assert_cmpuint (data[0], ==, 1000000 % 251);
  g_assert_cmpuint (data[len - 1], ==, (1000000 + len - 1) % 251);

  head = supa_test_request (server, "HEAD", "/__local/selftest/file?size=5000000", headers,
                            NULL, NULL, 0);
  g_assert_cmpuint (head->status, ==, 200);
  g_assert_cmpstr (supa_test_response_header (head, "Content-Length"), ==, "5000000");
  g_assert_cmpuint (g_bytes_get_size (head->body), ==, 0);
}

static void
test_fault_latency (void)
{
  g_autoptr(SupaTestResponse) set = set_faults ("[\"latency:ms=600,prefix=/slow\"]");
  g_autoptr(SupaTestResponse) slow = NULL;
  g_autoptr(SupaTestResponse) fast = NULL;
  gint64 t0, slow_ms, fast_ms;

  g_assert_cmpuint (set->status, ==, 200);

  t0 = g_get_monotonic_time ();
  slow = supa_test_request (server, "GET", "/slow/x", NULL, NULL, NULL, 0);
  slow_ms = (g_get_monotonic_time () - t0) / 1000;
  t0 = g_get_monotonic_time ();
  fast = supa_test_request (server, "GET", "/fast/x", NULL, NULL, NULL, 0);
  fast_ms = (g_get_monotonic_time () - t0) / 1000;

  g_assert_cmpuint (slow->status, ==, 404);
  g_assert_cmpuint (fast->status, ==, 404);
  g_assert_cmpint (slow_ms, >=, 550);
  g_assert_cmpint (fast_ms, <, 500);
  clear_faults ();
}

static void
test_fault_status (void)
{
  g_autoptr(SupaTestResponse) set = set_faults ("[\"status:code=503,retry-after=2,prefix=/flaky,share=0.5\"]");
  guint statuses[4];

  g_assert_cmpuint (set->status, ==, 200);
  for (guint i = 0; i < G_N_ELEMENTS (statuses); i++)
    {
      g_autoptr(SupaTestResponse) r = supa_test_request (server, "GET", "/flaky/thing", NULL,
                                                         NULL, NULL, 0);
      statuses[i] = r->status;
      if (r->status == 503)
        g_assert_cmpstr (supa_test_response_header (r, "Retry-After"), ==, "2");
    }
  /* share=0.5 is deterministic: every other matching request. */
  g_assert_cmpuint (statuses[0], ==, 503);
  g_assert_cmpuint (statuses[1], ==, 404);
  g_assert_cmpuint (statuses[2], ==, 503);
  g_assert_cmpuint (statuses[3], ==, 404);

  {
    g_autoptr(SupaTestResponse) bad = set_faults ("[\"status:code=abc\"]");
    g_autoptr(SupaTestResponse) unknown = set_faults ("[\"explode:now=1\"]");

    g_assert_cmpuint (bad->status, ==, 400);
    g_assert_cmpuint (unknown->status, ==, 400);
  }
  {
    /* A rejected set leaves the old one in place. */
    const char *headers[] = { "apikey", server->service_role_key, NULL };
    g_autoptr(SupaTestResponse) list = supa_test_request (server, "GET", "/__local/faults", headers,
                                                          NULL, NULL, 0);
    JsonArray *arr = json_object_get_array_member (json_node_get_object (list->json), "faults");

    g_assert_cmpuint (json_array_get_length (arr), ==, 1);
    g_assert_cmpstr (json_array_get_string_element (arr, 0), ==,
                     "status:code=503,retry-after=2,prefix=/flaky,share=0.5");
  }
  clear_faults ();
}

static void
test_fault_reset_response (void)
{
  const char *headers[] = { "apikey", server->service_role_key, NULL };
  g_autoptr(SupaTestResponse) set = set_faults ("[\"reset-response:after=65536,prefix=/__local/selftest/file,count=1\"]");
  g_autoptr(SupaTestResponse) broken = NULL;
  g_autoptr(SupaTestResponse) whole = NULL;
  g_autoptr(SupaTestResponse) small = NULL;

  g_assert_cmpuint (set->status, ==, 200);
  broken = supa_test_request (server, "GET", "/__local/selftest/file?size=1000000", headers,
                              NULL, NULL, 0);
  /* The transfer breaks off: libsoup reports an error, no status. */
  g_assert_cmpuint (broken->status, ==, 0);

  /* count=1: the next one goes through. */
  whole = supa_test_request (server, "GET", "/__local/selftest/file?size=1000000", headers,
                             NULL, NULL, 0);
  g_assert_cmpuint (whole->status, ==, 200);
  g_assert_cmpuint (g_bytes_get_size (whole->body), ==, 1000000);

  /* Core-made bodies are cut too. */
  g_clear_pointer (&set, supa_test_response_free);
  set = set_faults ("[\"reset-response:after=10,prefix=/cut\"]");
  small = supa_test_request (server, "GET", "/cut/x", NULL, NULL, NULL, 0);
  g_assert_cmpuint (small->status, ==, 0);
  clear_faults ();
}

static void
test_fault_reset_request (void)
{
  const char *headers[] = { "apikey", server->service_role_key, NULL };
  gsize size = 4 * 1024 * 1024;
  g_autofree char *data = g_malloc0 (size);
  g_autoptr(SupaTestResponse) set = set_faults ("[\"reset-request:after=1048576,prefix=/__local/selftest/spool,method=POST,count=1\"]");
  g_autoptr(SupaTestResponse) broken = NULL;
  g_autoptr(SupaTestResponse) partial = NULL;
  g_autoptr(SupaTestResponse) ok = NULL;
  gint64 got = -1;

  g_assert_cmpuint (set->status, ==, 200);
  broken = supa_test_request (server, "POST", "/__local/selftest/spool", headers,
                              "application/octet-stream", data, size);
  g_assert_cmpuint (broken->status, ==, 0);

  /* A PARTIAL_BODY route saw what arrived: at least the threshold, not
   * everything. The partial run is asynchronous: poll briefly. */
  for (guint i = 0; i < 100 && got < 0; i++)
    {
      g_clear_pointer (&partial, supa_test_response_free);
      partial = supa_test_request (server, "GET", "/__local/selftest/spool", headers, NULL, NULL, 0);
      got = json_object_get_int_member (json_node_get_object (partial->json), "last_partial_bytes");
      if (got < 0)
        g_usleep (50 * 1000);
    }
  g_assert_cmpint (got, >=, 1048576);
  g_assert_cmpint (got, <, size);

  ok = supa_test_request (server, "POST", "/__local/selftest/spool", headers,
                          "application/octet-stream", data, size);
  g_assert_cmpuint (ok->status, ==, 200);
  clear_faults ();
}

static void
test_request_log (void)
{
  g_autofree char *contents = NULL;
  g_auto(GStrv) lines = NULL;
  g_autofree char *path = g_strdup_printf ("/no/such/logged?apikey=%s&select=id&token=abc", server->anon_key);
  g_autofree char *bearer = g_strconcat ("Bearer ", server->anon_key, NULL);
  const char *headers[] = {
    "apikey", server->anon_key,
    "Authorization", bearer,
    "X-Client-Info", "test-core/1",
    NULL
  };
  gboolean found = FALSE;
  g_autoptr(SupaTestResponse) r = supa_test_request (server, "GET", path, headers, NULL, NULL, 0);

  g_assert_cmpuint (r->status, ==, 404);
  /* The line is written once the server has finished the message, which
   * may be just after we got the response. */
  for (guint i = 0; i < 100; i++)
    {
      g_clear_pointer (&contents, g_free);
      g_assert_true (g_file_get_contents (request_log_path, &contents, NULL, NULL));
      if (strstr (contents, "\"path\":\"/no/such/logged\"") != NULL)
        break;
      g_usleep (20 * 1000);
    }

  /* No key, secret or password ever reaches the log. */
  g_assert_null (strstr (contents, server->anon_key));
  g_assert_null (strstr (contents, server->service_role_key));
  g_assert_null (strstr (contents, server->jwt_secret));

  lines = g_strsplit (contents, "\n", -1);
  for (guint i = 0; lines[i]; i++)
    {
      g_autoptr(JsonParser) parser = json_parser_new ();
      JsonObject *o, *h;

      if (lines[i][0] == '\0')
        continue;
      g_assert_true (json_parser_load_from_data (parser, lines[i], -1, NULL));
      o = json_node_get_object (json_parser_get_root (parser));
      g_assert_true (json_object_has_member (o, "time"));
      g_assert_true (g_str_has_suffix (json_object_get_string_member (o, "time"), "Z"));
      g_assert_true (json_object_has_member (o, "duration_ms"));
      if (g_strcmp0 (json_object_get_string_member (o, "path"), "/no/such/logged") != 0)
        continue;
      found = TRUE;
      g_assert_cmpstr (json_object_get_string_member (o, "method"), ==, "GET");
      g_assert_cmpint (json_object_get_int_member (o, "status"), ==, 404);
      g_assert_cmpstr (json_object_get_string_member (o, "query"), ==,
                       "apikey=REDACTED&select=id&token=REDACTED");
      h = json_object_get_object_member (o, "request_headers");
      g_assert_cmpstr (json_object_get_string_member (h, "apikey"), ==, "anon");
      g_assert_cmpstr (json_object_get_string_member (h, "authorization"), ==, "anon");
      g_assert_cmpstr (json_object_get_string_member (h, "x-client-info"), ==, "test-core/1");
      g_assert_cmpint (json_object_get_int_member (o, "response_body_bytes"), ==,
                       g_bytes_get_size (r->body));
    }
  g_assert_true (found);

  /* The spooled upload from test_spooled_upload was logged with its size
   * and the role of its key. */
  g_assert_nonnull (strstr (contents, "\"path\":\"/__local/selftest/spool\""));
  g_assert_nonnull (strstr (contents, "\"apikey\":\"service_role\""));
}

static void
ws_connected_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  SoupWebsocketConnection **out = user_data;
  g_autoptr(GError) error = NULL;

  *out = soup_session_websocket_connect_finish (SOUP_SESSION (source), result, &error);
  g_assert_no_error (error);
}

static void
ws_message_cb (SoupWebsocketConnection *conn,
               gint                     type,
               GBytes                  *message,
               gpointer                 user_data)
{
  char **out = user_data;
  gsize len = 0;
  const char *data = g_bytes_get_data (message, &len);

  *out = g_strndup (data, len);
}

static void
test_websocket_logged (void)
{
  g_autofree char *ws_url = g_strconcat ("ws", server->url + 4, "/__local/selftest/ws?apikey=",
                                         server->anon_key, NULL);
  g_autoptr(SoupMessage) msg = soup_message_new ("GET", ws_url);
  g_autoptr(SoupWebsocketConnection) conn = NULL;
  g_autofree char *echo = NULL;
  g_autofree char *contents = NULL;
  gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;

  soup_session_websocket_connect_async (server->session, msg, NULL, NULL, G_PRIORITY_DEFAULT,
                                        NULL, ws_connected_cb, &conn);
  while (conn == NULL && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  g_assert_nonnull (conn);
  g_signal_connect (conn, "message", G_CALLBACK (ws_message_cb), &echo);
  soup_websocket_connection_send_text (conn, "ping");
  while (echo == NULL && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpstr (echo, ==, "ping");
  soup_websocket_connection_close (conn, SOUP_WEBSOCKET_CLOSE_NORMAL, NULL);
  while (soup_websocket_connection_get_state (conn) != SOUP_WEBSOCKET_STATE_CLOSED &&
         g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);

  /* The handshake is in the request log, with the key's role only. */
  g_assert_true (g_file_get_contents (request_log_path, &contents, NULL, NULL));
  g_assert_nonnull (strstr (contents, "\"path\":\"/__local/selftest/ws\",\"query\":\"apikey=REDACTED\",\"status\":101"));
  g_assert_null (strstr (contents, server->anon_key));
}

static void
test_database (void)
{
  g_autofree char *roles = supa_test_server_sql (server,
    "SELECT string_agg(rolname || ':' || rolcanlogin || ':' || rolbypassrls, ',' ORDER BY rolname) "
    "FROM pg_roles WHERE rolname IN ('anon','authenticated','service_role','authenticator')");
  g_autofree char *member = supa_test_server_sql (server,
    "SELECT pg_has_role('authenticator', 'anon', 'MEMBER') AND pg_has_role('authenticator', 'service_role', 'MEMBER')");
  g_autofree char *schemas = supa_test_server_sql (server,
    "SELECT string_agg(nspname, ',' ORDER BY nspname) FROM pg_namespace "
    "WHERE nspname IN ('public','auth','storage','extensions','graphql_public')");
  g_autofree char *ext = supa_test_server_sql (server,
    "SELECT string_agg(e.extname || '@' || n.nspname, ',' ORDER BY e.extname) FROM pg_extension e "
    "JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname IN ('pgcrypto','uuid-ossp')");
  g_autofree char *uid = supa_test_server_sql (server,
    "SELECT set_config('request.jwt.claims', "
    "'{\"sub\":\"6f1f4c44-9b0a-4d4e-8f57-1f0c2b9f5a11\",\"role\":\"authenticated\",\"email\":\"ann@example.org\"}', false);"
    "SELECT auth.uid()::text || '|' || auth.role() || '|' || auth.email() || '|' || (auth.jwt() ->> 'sub')");
  g_autofree char *old_style = supa_test_server_sql (server,
    "SELECT set_config('request.jwt.claim.sub', '0b5d5d6e-2c43-4f5e-a1d9-6c0d7f0f4e22', false);"
    "SELECT auth.uid()::text");
  g_autofree char *no_claims = supa_test_server_sql (server, "SELECT coalesce(auth.uid()::text, 'null')");
  g_autofree char *as_anon = supa_test_server_sql (server,
    "CREATE TABLE public.core_probe (id int); SET ROLE anon; "
    "INSERT INTO public.core_probe VALUES (1); SELECT current_user || ':' || count(*) FROM public.core_probe");
  g_autofree char *uuid = supa_test_server_sql (server, "SELECT length(extensions.uuid_generate_v4()::text)");
  g_autofree char *search_path = supa_test_server_sql (server,
    "SELECT length(uuid_generate_v4()::text) || ':' || length(crypt('x', gen_salt('bf', 4)))");

  g_assert_cmpstr (roles, ==, "anon:false:false,authenticated:false:false,authenticator:true:false,service_role:false:true");
  g_assert_cmpstr (member, ==, "t");
  g_assert_cmpstr (schemas, ==, "auth,extensions,graphql_public,public,storage");
  g_assert_cmpstr (ext, ==, "pgcrypto@extensions,uuid-ossp@extensions");
  g_assert_cmpstr (uid, ==, "6f1f4c44-9b0a-4d4e-8f57-1f0c2b9f5a11|authenticated|ann@example.org|"
                   "6f1f4c44-9b0a-4d4e-8f57-1f0c2b9f5a11");
  g_assert_cmpstr (old_style, ==, "0b5d5d6e-2c43-4f5e-a1d9-6c0d7f0f4e22");
  g_assert_cmpstr (no_claims, ==, "null");
  /* Default privileges expose new public tables to the API roles. */
  g_assert_cmpstr (as_anon, ==, "anon:1");
  g_assert_cmpstr (uuid, ==, "36");
  /* "$user", public, extensions for everyone. */
  g_assert_cmpstr (search_path, ==, "36:60");
}

static void
test_db_url_password (void)
{
  /* db_url authenticates with its password over TCP; a wrong one fails. */
  g_autoptr(GUri) uri = g_uri_parse (server->db_url, G_URI_FLAGS_NONE, NULL);
  g_autofree char *wrong = NULL;
  PGconn *conn;

  g_assert_nonnull (uri);
  g_assert_cmpstr (g_uri_get_host (uri), ==, "127.0.0.1");
  wrong = g_strdup_printf ("postgresql://postgres:wrong-password@127.0.0.1:%d/postgres",
                           g_uri_get_port (uri));
  conn = PQconnectdb (wrong);
  g_assert_cmpint (PQstatus (conn), !=, CONNECTION_OK);
  PQfinish (conn);

  conn = PQconnectdb (server->db_url);
  g_assert_cmpint (PQstatus (conn), ==, CONNECTION_OK);
  PQfinish (conn);
}

/* ------------------------------------------ lifecycle (own servers) */

typedef struct
{
  GSubprocess *proc;
  char        *tmpdir;
  char        *line;
} Bare;

/* supabase-local without --workdir, with TMPDIR pointing at a directory we
 * watch, so we can see its temporary work directory come and go. */
static void
bare_start (Bare *b)
{
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  g_autoptr(GDataInputStream) out = NULL;
  g_autoptr(GError) error = NULL;
  const char *argv[] = { g_getenv ("SUPABASE_LOCAL"), "--port", "0", NULL };

  b->tmpdir = g_dir_make_tmp ("core-lifecycle-XXXXXX", &error);
  g_assert_no_error (error);
  /* The postgres user must be able to traverse it when we are root. */
  g_assert_cmpint (g_chmod (b->tmpdir, 0755), ==, 0);
  g_subprocess_launcher_setenv (launcher, "TMPDIR", b->tmpdir, TRUE);
  b->proc = g_subprocess_launcher_spawnv (launcher, argv, &error);
  g_assert_no_error (error);
  out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (b->proc));
  b->line = g_data_input_stream_read_line_utf8 (out, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (b->line);
}

static char *
bare_workdir (Bare *b)
{
  g_autoptr(GDir) dir = g_dir_open (b->tmpdir, 0, NULL);
  const char *name;

  while (dir && (name = g_dir_read_name (dir)) != NULL)
    if (g_str_has_prefix (name, "supabase-local-"))
      return g_build_filename (b->tmpdir, name, NULL);
  return NULL;
}

static pid_t
bare_postmaster (Bare *b)
{
  g_autofree char *workdir = bare_workdir (b);
  g_autofree char *pidfile = NULL;
  g_autofree char *contents = NULL;

  g_assert_nonnull (workdir);
  pidfile = g_build_filename (workdir, "pg", "data", "postmaster.pid", NULL);
  g_assert_true (g_file_get_contents (pidfile, &contents, NULL, NULL));
  return (pid_t) g_ascii_strtoll (contents, NULL, 10);
}

static gboolean
pid_gone (pid_t pid)
{
  g_autofree char *path = g_strdup_printf ("/proc/%d/comm", (int) pid);
  g_autofree char *comm = NULL;

  if (kill (pid, 0) != 0 && errno == ESRCH)
    return TRUE;
  /* A recycled pid is not our postmaster. */
  return !g_file_get_contents (path, &comm, NULL, NULL) || !g_str_has_prefix (comm, "postgres");
}

static void
bare_free (Bare *b)
{
  g_clear_object (&b->proc);
  g_free (b->line);
  g_free (b->tmpdir);
}

static void
test_sigterm_cleans_up (void)
{
  Bare b = { 0 };
  g_autoptr(GError) error = NULL;
  g_autoptr(GDir) dir = NULL;
  pid_t postmaster;

  bare_start (&b);
  postmaster = bare_postmaster (&b);
  g_assert_cmpint (postmaster, >, 1);
  g_assert_false (pid_gone (postmaster));

  g_subprocess_send_signal (b.proc, SIGTERM);
  g_assert_true (g_subprocess_wait (b.proc, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_if_exited (b.proc));
  g_assert_cmpint (g_subprocess_get_exit_status (b.proc), ==, 0);

  g_assert_true (pid_gone (postmaster));
  /* The temporary work directory went with it. */
  dir = g_dir_open (b.tmpdir, 0, &error);
  g_assert_no_error (error);
  g_assert_null (g_dir_read_name (dir));
  g_rmdir (b.tmpdir);
  bare_free (&b);
}

static void
test_sigkill_takes_postgres_along (void)
{
  Bare b = { 0 };
  g_autoptr(GError) error = NULL;
  g_autofree char *workdir = NULL;
  g_autofree char *cmd = NULL;
  pid_t postmaster;
  guint waited;

  bare_start (&b);
  postmaster = bare_postmaster (&b);
  workdir = bare_workdir (&b);

  /* No chance to clean up: PostgreSQL must still not outlive us. */
  g_subprocess_force_exit (b.proc);
  g_assert_true (g_subprocess_wait (b.proc, NULL, &error));
  for (waited = 0; waited < 15000 && !pid_gone (postmaster); waited += 50)
    g_usleep (50 * 1000);
  g_assert_true (pid_gone (postmaster));

  cmd = g_strdup_printf ("rm -rf '%s'", b.tmpdir);
  g_assert_true (g_spawn_command_line_sync (cmd, NULL, NULL, NULL, NULL));
  bare_free (&b);
}

int
main (int   argc,
      char *argv[])
{
  g_autofree char *log_arg = NULL;
  g_autofree char *log_dir = NULL;
  const char *extra[2];
  int ret;

  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  log_dir = g_dir_make_tmp ("core-log-XXXXXX", NULL);
  request_log_path = g_build_filename (log_dir, "requests.jsonl", NULL);
  log_arg = g_strdup_printf ("--request-log=%s", request_log_path);
  extra[0] = log_arg;
  extra[1] = NULL;
  server = supa_test_server_start ("empty", extra);

  g_test_add_func ("/core/ready-line", test_ready_line);
  g_test_add_func ("/core/health-and-404", test_health_and_404);
  g_test_add_func ("/core/gateway-auth", test_gateway_auth);
  g_test_add_func ("/core/spooled-upload", test_spooled_upload);
  g_test_add_func ("/core/streamed-file", test_streamed_file);
  g_test_add_func ("/core/fault/latency", test_fault_latency);
  g_test_add_func ("/core/fault/status", test_fault_status);
  g_test_add_func ("/core/fault/reset-response", test_fault_reset_response);
  g_test_add_func ("/core/fault/reset-request", test_fault_reset_request);
  g_test_add_func ("/core/request-log", test_request_log);
  g_test_add_func ("/core/websocket-logged", test_websocket_logged);
  g_test_add_func ("/core/database", test_database);
  g_test_add_func ("/core/db-url-password", test_db_url_password);
  g_test_add_func ("/core/sigterm-cleans-up", test_sigterm_cleans_up);
  g_test_add_func ("/core/sigkill-takes-postgres-along", test_sigkill_takes_postgres_along);

  ret = g_test_run ();

  supa_test_server_stop (server);
  g_unlink (request_log_path);
  g_rmdir (log_dir);
  g_free (request_log_path);
  return ret;
}
