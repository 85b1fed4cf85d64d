/* test-client.c — SupaClient against an in-process SoupServer
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "supa-client.h"
#include "test-util.h"

#define BIG_ROWS 40000

static GString *log_capture;
/* the blocking sends log from worker threads */
static GMutex log_lock;

typedef struct
{
  SoupServer *server;
  char       *base_url;
  GHashTable *last_headers;   /* lower-case name → value, of the last request */
  guint       n_requests;
} Fixture;

static GLogWriterOutput
capture_writer (GLogLevelFlags   log_level,
                const GLogField *fields,
                gsize            n_fields,
                gpointer         user_data)
{
  g_mutex_lock (&log_lock);
  for (gsize i = 0; i < n_fields; i++)
    if (g_strcmp0 (fields[i].key, "MESSAGE") == 0)
      {
        if (fields[i].length < 0)
          g_string_append (log_capture, fields[i].value);
        else
          g_string_append_len (log_capture, fields[i].value, fields[i].length);
        g_string_append_c (log_capture, '\n');
      }
  g_mutex_unlock (&log_lock);

  if (log_level & G_LOG_LEVEL_DEBUG)
    return G_LOG_WRITER_HANDLED;

  return g_log_writer_default (log_level, fields, n_fields, user_data);
}

static void
record_header (const char *name,
               const char *value,
               gpointer    user_data)
{
  g_hash_table_insert (user_data, g_ascii_strdown (name, -1), g_strdup (value));
}

static void
respond_json (SoupServerMessage *msg,
              guint              status,
              const char        *json)
{
  soup_server_message_set_status (msg, status, NULL);
  soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_COPY, json, strlen (json));
}

static void
server_cb (SoupServer        *server,
           SoupServerMessage *msg,
           const char        *path,
           GHashTable        *query,
           gpointer           user_data)
{
  Fixture *fixture = user_data;
  SoupMessageHeaders *response_headers = soup_server_message_get_response_headers (msg);

  fixture->n_requests++;
  g_hash_table_remove_all (fixture->last_headers);
  soup_message_headers_foreach (soup_server_message_get_request_headers (msg), record_header,
                                fixture->last_headers);

  if (g_str_equal (path, "/rest/v1/echo") || g_str_equal (path, "/auth/v1/echo") ||
      g_str_equal (path, "/storage/v1/echo") || g_str_equal (path, "/functions/v1/echo"))
    respond_json (msg, 200, "{\"ok\":true}");
  else if (g_str_equal (path, "/rest/v1/conflict"))
    respond_json (msg, 409, "{\"code\":\"23505\",\"details\":\"Key (id)=(1) already exists.\",\"hint\":null,"
                            "\"message\":\"duplicate key value violates unique constraint \\\"todos_pkey\\\"\"}");
  else if (g_str_equal (path, "/storage/v1/object/files/missing.txt"))
    respond_json (msg, 400, "{\"statusCode\":\"404\",\"error\":\"not_found\",\"message\":\"Object not found\",\"code\":\"NoSuchKey\"}");
  else if (g_str_equal (path, "/auth/v1/user"))
    {
      soup_message_headers_replace (response_headers, "x-sb-error-code", "no_authorization");
      respond_json (msg, 401, "{\"code\":\"no_authorization\",\"message\":\"This endpoint requires a valid Bearer token\"}");
    }
  else if (g_str_equal (path, "/auth/v1/otp"))
    {
      soup_message_headers_replace (response_headers, "Retry-After", "17");
      respond_json (msg, 429, "{\"code\":\"over_email_send_rate_limit\",\"message\":\"email rate limit exceeded\"}");
    }
  else if (g_str_equal (path, "/functions/v1/relay"))
    {
      soup_message_headers_replace (response_headers, "x-relay-error", "true");
      respond_json (msg, 502, "{\"message\":\"Function is not reachable\"}");
    }
  else if (g_str_equal (path, "/rest/v1/gateway"))
    respond_json (msg, 401, "{\"message\":\"No API key found in request\"}");
  else if (g_str_equal (path, "/rest/v1/html"))
    {
      const char *html = "<html><body>bad gateway</body></html>";
      soup_server_message_set_status (msg, 502, NULL);
      soup_server_message_set_response (msg, "text/html", SOUP_MEMORY_STATIC, html, strlen (html));
    }
  else if (g_str_equal (path, "/rest/v1/notjson"))
    {
      soup_server_message_set_status (msg, 200, NULL);
      soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_STATIC, "{oops", 5);
    }
  else if (g_str_equal (path, "/rest/v1/empty"))
    soup_server_message_set_status (msg, 204, NULL);
  else if (g_str_equal (path, "/rest/v1/big"))
    {
      GString *big = g_string_new ("[");
      gsize len;
      char *data;

      for (guint i = 0; i < BIG_ROWS; i++)
        g_string_append_printf (big, "%s{\"id\":%u,\"title\":\"row number %u\",\"done\":%s}",
                                i ? "," : "", i, i, i % 2 ? "true" : "false");
      g_string_append_c (big, ']');
      len = big->len;
      data = g_string_free (big, FALSE);
      soup_server_message_set_status (msg, 200, NULL);
      soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_TAKE, data, len);
    }
  else if (g_str_equal (path, "/rest/v1/slow"))
    soup_server_message_pause (msg);   /* never answers: the client cancels */
  else
    respond_json (msg, 404, "{\"code\":\"PGRST125\",\"details\":null,\"hint\":null,\"message\":\"Invalid path specified in request URL\"}");
}

static void
fixture_setup (Fixture       *fixture,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  GSList *uris;
  g_autofree char *uri_string = NULL;
  gsize len;

  fixture->last_headers = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  fixture->server = soup_server_new (NULL, NULL);
  soup_server_add_handler (fixture->server, NULL, server_cb, fixture, NULL);
  soup_server_listen_local (fixture->server, 0, SOUP_SERVER_LISTEN_IPV4_ONLY, &error);
  g_assert_no_error (error);

  uris = soup_server_get_uris (fixture->server);
  g_assert_nonnull (uris);
  uri_string = g_uri_to_string (uris->data);
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);

  len = strlen (uri_string);
  if (len > 0 && uri_string[len - 1] == '/')
    uri_string[len - 1] = '\0';
  fixture->base_url = g_steal_pointer (&uri_string);
}

static void
fixture_teardown (Fixture       *fixture,
                  gconstpointer  data)
{
  soup_server_disconnect (fixture->server);
  g_clear_object (&fixture->server);
  g_clear_pointer (&fixture->base_url, g_free);
  g_clear_pointer (&fixture->last_headers, g_hash_table_unref);
}

static const char *
last_header (Fixture    *fixture,
             const char *name)
{
  return g_hash_table_lookup (fixture->last_headers, name);
}

static GBytes *
send_sync (SupaClient    *client,
           SupaService    service,
           const char    *method,
           const char    *path,
           GCancellable  *cancellable,
           GError       **error)
{
  g_autoptr(SoupMessage) msg = supa_client_new_message (client, service, method, path, NULL);
  g_autoptr(GAsyncResult) result = NULL;

  supa_client_send_async (client, msg, service, cancellable, test_store_result_cb, &result);
  test_wait_result (&result);

  return supa_client_send_finish (client, result, error);
}

static JsonNode *
send_json_sync (SupaClient    *client,
                SupaService    service,
                const char    *path,
                GError       **error)
{
  g_autoptr(SoupMessage) msg = supa_client_new_message (client, service, "GET", path, NULL);
  g_autoptr(GAsyncResult) result = NULL;

  supa_client_send_json_async (client, msg, service, NULL, test_store_result_cb, &result);
  test_wait_result (&result);

  return supa_client_send_json_finish (client, result, error);
}

static void
assert_sent (Fixture     *fixture,
             SupaClient  *client,
             SupaService  service,
             const char  *path,
             const char  *apikey,
             const char  *bearer)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) body = send_sync (client, service, "GET", path, NULL, &error);
  g_autofree char *expected_auth = bearer ? g_strconcat ("Bearer ", bearer, NULL) : NULL;

  g_assert_no_error (error);
  g_assert_nonnull (body);
  g_assert_cmpstr (last_header (fixture, "apikey"), ==, apikey);
  g_assert_cmpstr (last_header (fixture, "authorization"), ==, expected_auth);
  g_assert_cmpstr (last_header (fixture, "x-client-info"), ==, "supadesk/" PACKAGE_VERSION);
  if (service == SUPA_SERVICE_AUTH)
    g_assert_cmpstr (last_header (fixture, "x-supabase-api-version"), ==, "2024-01-01");
  else
    g_assert_null (last_header (fixture, "x-supabase-api-version"));
  g_assert_null (last_header (fixture, "accept-profile"));
  g_assert_null (last_header (fixture, "content-profile"));
}

static void
test_headers_legacy_key (Fixture       *fixture,
                         gconstpointer  data)
{
  g_autofree char *key = test_make_role_jwt ("anon");
  g_autofree char *token = test_make_role_jwt ("authenticated");
  g_autoptr(SupaClient) client = supa_client_new (fixture->base_url, key, NULL);

  g_assert_cmpstr (supa_key_info_get_role (supa_client_get_key_info (client)), ==, "anon");

  assert_sent (fixture, client, SUPA_SERVICE_REST, "rest/v1/echo", key, key);
  assert_sent (fixture, client, SUPA_SERVICE_AUTH, "auth/v1/echo", key, key);
  assert_sent (fixture, client, SUPA_SERVICE_STORAGE, "storage/v1/echo", key, key);
  assert_sent (fixture, client, SUPA_SERVICE_FUNCTIONS, "functions/v1/echo", key, key);

  /* a signed-in user's token replaces the key as Bearer, apikey stays */
  supa_client_set_access_token (client, token);
  assert_sent (fixture, client, SUPA_SERVICE_REST, "rest/v1/echo", key, token);
  assert_sent (fixture, client, SUPA_SERVICE_AUTH, "auth/v1/echo", key, token);
  assert_sent (fixture, client, SUPA_SERVICE_FUNCTIONS, "functions/v1/echo", key, token);

  supa_client_set_access_token (client, NULL);
  assert_sent (fixture, client, SUPA_SERVICE_REST, "rest/v1/echo", key, key);
}

static void
test_headers_new_keys (Fixture       *fixture,
                       gconstpointer  data)
{
  g_autofree char *key = test_make_sb_key ("sb_publishable_");
  g_autofree char *secret = test_make_sb_key ("sb_secret_");
  g_autofree char *token = test_make_role_jwt ("authenticated");
  g_autoptr(SupaClient) client = supa_client_new (fixture->base_url, key, NULL);
  g_autoptr(SupaClient) admin = supa_client_new (fixture->base_url, secret, NULL);

  assert_sent (fixture, client, SUPA_SERVICE_REST, "rest/v1/echo", key, key);
  assert_sent (fixture, client, SUPA_SERVICE_STORAGE, "storage/v1/echo", key, key);
  /* never an sb_ key as Bearer to Edge Functions */
  assert_sent (fixture, client, SUPA_SERVICE_FUNCTIONS, "functions/v1/echo", key, NULL);
  assert_sent (fixture, admin, SUPA_SERVICE_FUNCTIONS, "functions/v1/echo", secret, NULL);
  assert_sent (fixture, admin, SUPA_SERVICE_AUTH, "auth/v1/echo", secret, secret);

  supa_client_set_access_token (client, token);
  assert_sent (fixture, client, SUPA_SERVICE_FUNCTIONS, "functions/v1/echo", key, token);
}

static void
test_key_not_readable (Fixture       *fixture,
                       gconstpointer  data)
{
  g_autoptr(GTypeClass) klass = g_type_class_ref (SUPA_TYPE_CLIENT);
  GParamSpec *pspec = g_object_class_find_property (G_OBJECT_CLASS (klass), "api-key");

  g_assert_nonnull (pspec);
  g_assert_false (pspec->flags & G_PARAM_READABLE);
}

static void
test_error_mapping (Fixture       *fixture,
                    gconstpointer  data)
{
  g_autofree char *key = test_make_role_jwt ("anon");
  g_autoptr(SupaClient) client = supa_client_new (fixture->base_url, key, NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) body = NULL;

  body = send_sync (client, SUPA_SERVICE_REST, "POST", "rest/v1/conflict", NULL, &error);
  g_assert_null (body);
  g_assert_error (error, SUPA_ERROR, SUPA_ERROR_CONFLICT);
  g_assert_cmpstr (error->message, ==, "duplicate key value violates unique constraint \"todos_pkey\"");
  g_assert_cmpstr (supa_error_get_server_code (error), ==, "23505");
  g_assert_cmpstr (supa_error_get_details (error), ==, "Key (id)=(1) already exists.");
  g_clear_error (&error);

  body = send_sync (client, SUPA_SERVICE_STORAGE, "GET", "storage/v1/object/files/missing.txt", NULL, &error);
  g_assert_error (error, SUPA_ERROR, SUPA_ERROR_NOT_FOUND);
  g_assert_cmpuint (supa_error_get_http_status (error), ==, 400);
  g_assert_cmpuint (supa_error_get_logical_status (error), ==, 404);
  g_assert_cmpstr (supa_error_get_server_code (error), ==, "NoSuchKey");
  g_assert_cmpstr (error->message, ==, "Object not found");
  g_clear_error (&error);

  body = send_sync (client, SUPA_SERVICE_AUTH, "GET", "auth/v1/user", NULL, &error);
  g_assert_error (error, SUPA_ERROR, SUPA_ERROR_UNAUTHORIZED);
  g_assert_cmpstr (error->message, ==, "This endpoint requires a valid Bearer token");
  g_assert_cmpstr (supa_error_get_server_code (error), ==, "no_authorization");
  g_clear_error (&error);

  body = send_sync (client, SUPA_SERVICE_AUTH, "POST", "auth/v1/otp", NULL, &error);
  g_assert_error (error, SUPA_ERROR, SUPA_ERROR_RATE_LIMITED);
  g_assert_cmpfloat (supa_error_get_retry_after (error), ==, 17);
  g_clear_error (&error);

  body = send_sync (client, SUPA_SERVICE_FUNCTIONS, "POST", "functions/v1/relay", NULL, &error);
  g_assert_error (error, SUPA_ERROR, SUPA_ERROR_SERVER);
  g_assert_cmpstr (error->message, ==, "The function could not be reached: Function is not reachable");
  g_clear_error (&error);

  body = send_sync (client, SUPA_SERVICE_REST, "GET", "rest/v1/gateway", NULL, &error);
  g_assert_error (error, SUPA_ERROR, SUPA_ERROR_UNAUTHORIZED);
  g_assert_cmpstr (error->message, ==, "No API key found in request");
  g_clear_error (&error);

  body = send_sync (client, SUPA_SERVICE_REST, "GET", "rest/v1/html", NULL, &error);
  g_assert_error (error, SUPA_ERROR, SUPA_ERROR_SERVER);
  g_assert_cmpstr (error->message, ==, "The server answered 502 Bad Gateway.");
  g_clear_error (&error);
}

static void
test_json (Fixture       *fixture,
           gconstpointer  data)
{
  g_autofree char *key = test_make_role_jwt ("anon");
  g_autoptr(SupaClient) client = supa_client_new (fixture->base_url, key, NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) echo = NULL;
  g_autoptr(JsonNode) empty = NULL;
  g_autoptr(JsonNode) broken = NULL;
  g_autoptr(JsonNode) big = NULL;
  JsonArray *rows;

  echo = send_json_sync (client, SUPA_SERVICE_REST, "rest/v1/echo", &error);
  g_assert_no_error (error);
  g_assert_true (json_object_get_boolean_member (json_node_get_object (echo), "ok"));

  empty = send_json_sync (client, SUPA_SERVICE_REST, "rest/v1/empty", &error);
  g_assert_no_error (error);
  g_assert_true (JSON_NODE_HOLDS_NULL (empty));

  broken = send_json_sync (client, SUPA_SERVICE_REST, "rest/v1/notjson", &error);
  g_assert_null (broken);
  g_assert_error (error, SUPA_ERROR, SUPA_ERROR_PROTOCOL);
  g_assert_true (g_str_has_prefix (error->message, "The server sent an answer that is not valid JSON"));
  g_clear_error (&error);

  /* above the inline limit: parsed in a worker thread */
  big = send_json_sync (client, SUPA_SERVICE_REST, "rest/v1/big", &error);
  g_assert_no_error (error);
  rows = json_node_get_array (big);
  g_assert_cmpuint (json_array_get_length (rows), ==, BIG_ROWS);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (rows, BIG_ROWS - 1), "title"),
                   ==, "row number 39999");
  g_assert_true (json_object_get_boolean_member (json_array_get_object_element (rows, 1), "done"));
}

static gboolean
cancel_cb (gpointer user_data)
{
  g_cancellable_cancel (user_data);
  return G_SOURCE_REMOVE;
}

static void
test_cancellation (Fixture       *fixture,
                   gconstpointer  data)
{
  g_autofree char *key = test_make_role_jwt ("anon");
  g_autoptr(SupaClient) client = supa_client_new (fixture->base_url, key, NULL);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) body = NULL;

  g_timeout_add (100, cancel_cb, cancellable);
  body = send_sync (client, SUPA_SERVICE_REST, "GET", "rest/v1/slow", cancellable, &error);
  g_assert_null (body);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpuint (fixture->n_requests, ==, 1);
}

typedef struct
{
  GThread *thread;           /* where wrote-body-data was emitted */
  gint     wrote;            /* atomic */
} WroteLog;

static void
wrote_body_data_cb (SoupMessage *msg,
                    guint        chunk_size,
                    WroteLog    *log)
{
  g_atomic_pointer_set (&log->thread, g_thread_self ());
  g_atomic_int_add (&log->wrote, (gint) chunk_size);
}

static GBytes *
send_in_thread (SupaClient    *client,
                SupaService    service,
                const char    *method,
                const char    *path,
                GBytes        *body,
                WroteLog      *log,
                GCancellable  *cancellable,
                GError       **error)
{
  g_autoptr(SoupMessage) msg = supa_client_new_message (client, service, method, path, NULL);
  g_autoptr(GAsyncResult) result = NULL;

  if (body != NULL)
    soup_message_set_request_body_from_bytes (msg, "application/octet-stream", body);
  if (log != NULL)
    g_signal_connect (msg, "wrote-body-data", G_CALLBACK (wrote_body_data_cb), log);
  supa_client_send_in_thread_async (client, msg, service, cancellable, test_store_result_cb, &result);
  test_wait_result (&result);

  return supa_client_send_in_thread_finish (client, result, error);
}

/* The error a request gets through the main-loop send and through the
 * blocking one in a worker thread: the same code, message and details. */
static void
assert_same_error (SupaClient  *client,
                   SupaService  service,
                   const char  *method,
                   const char  *path,
                   GQuark       domain,
                   int          code)
{
  g_autoptr(GError) async_error = NULL;
  g_autoptr(GError) thread_error = NULL;
  g_autoptr(GBytes) a = send_sync (client, service, method, path, NULL, &async_error);
  g_autoptr(GBytes) b = send_in_thread (client, service, method, path, NULL, NULL, NULL, &thread_error);

  g_assert_null (a);
  g_assert_null (b);
  g_assert_error (async_error, domain, code);
  g_assert_error (thread_error, domain, code);
  g_assert_cmpstr (thread_error->message, ==, async_error->message);
  if (domain == SUPA_ERROR)
    {
      g_assert_cmpuint (supa_error_get_http_status (thread_error), ==, supa_error_get_http_status (async_error));
      g_assert_cmpstr (supa_error_get_server_code (thread_error), ==, supa_error_get_server_code (async_error));
      g_assert_cmpstr (supa_error_get_details (thread_error), ==, supa_error_get_details (async_error));
      g_assert_cmpfloat (supa_error_get_retry_after (thread_error), ==, supa_error_get_retry_after (async_error));
    }
}

typedef struct
{
  SupaClient   *client;
  SoupMessage  *msg;
  GBytes       *bytes;
  GError       *error;
  gint          done;    /* atomic */
} SyncCall;

static gpointer
sync_call_thread (gpointer user_data)
{
  SyncCall *call = user_data;

  call->bytes = supa_client_send_sync (call->client, call->msg, SUPA_SERVICE_REST, NULL, &call->error);
  g_atomic_int_set (&call->done, 1);
  g_main_context_wakeup (NULL);
  return NULL;
}

static void
test_send_in_thread (Fixture       *fixture,
                     gconstpointer  data)
{
  g_autofree char *key = test_make_role_jwt ("anon");
  g_autoptr(SupaClient) client = supa_client_new (fixture->base_url, key, NULL);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) body = NULL;
  g_autoptr(GBytes) payload = NULL;
  g_autofree guchar *raw = g_malloc (256 * 1024);
  WroteLog wrote = { 0 };
  gint64 started;

  /* a body goes out from the worker thread, whose signals say so */
  memset (raw, 'x', 256 * 1024);
  payload = g_bytes_new (raw, 256 * 1024);
  body = send_in_thread (client, SUPA_SERVICE_REST, "POST", "rest/v1/echo", payload, &wrote, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpmem (g_bytes_get_data (body, NULL), g_bytes_get_size (body), "{\"ok\":true}", 11);
  g_assert_cmpint (g_atomic_int_get (&wrote.wrote), ==, 256 * 1024);
  g_assert_nonnull (wrote.thread);
  g_assert_true (wrote.thread != g_thread_self ());
  g_assert_cmpstr (last_header (fixture, "apikey"), ==, key);
  g_clear_pointer (&body, g_bytes_unref);

  /* an empty 204 is an empty body, not an error */
  body = send_in_thread (client, SUPA_SERVICE_REST, "GET", "rest/v1/empty", NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_bytes_get_size (body), ==, 0);
  g_clear_pointer (&body, g_bytes_unref);

  assert_same_error (client, SUPA_SERVICE_REST, "POST", "rest/v1/conflict", SUPA_ERROR, SUPA_ERROR_CONFLICT);
  assert_same_error (client, SUPA_SERVICE_STORAGE, "GET", "storage/v1/object/files/missing.txt",
                     SUPA_ERROR, SUPA_ERROR_NOT_FOUND);
  assert_same_error (client, SUPA_SERVICE_AUTH, "POST", "auth/v1/otp", SUPA_ERROR, SUPA_ERROR_RATE_LIMITED);
  assert_same_error (client, SUPA_SERVICE_FUNCTIONS, "POST", "functions/v1/relay", SUPA_ERROR, SUPA_ERROR_SERVER);
  assert_same_error (client, SUPA_SERVICE_REST, "GET", "rest/v1/html", SUPA_ERROR, SUPA_ERROR_SERVER);

  /* cancelled from the main thread while the worker waits for the answer */
  g_timeout_add (100, cancel_cb, cancellable);
  started = g_get_monotonic_time ();
  body = send_in_thread (client, SUPA_SERVICE_REST, "GET", "rest/v1/slow", NULL, NULL, cancellable, &error);
  g_assert_null (body);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpint (g_get_monotonic_time () - started, <, G_USEC_PER_SEC);
  g_clear_error (&error);

  /* the blocking call itself, from a thread of the caller's own */
  {
    g_autoptr(SoupMessage) msg = supa_client_new_message (client, SUPA_SERVICE_REST, "POST", "rest/v1/conflict", NULL);
    SyncCall call = { client, msg, NULL, NULL, 0 };
    GThread *thread = g_thread_new ("send-sync", sync_call_thread, &call);

    while (!g_atomic_int_get (&call.done))
      g_main_context_iteration (NULL, TRUE);
    g_thread_join (thread);
    g_assert_null (call.bytes);
    g_assert_error (call.error, SUPA_ERROR, SUPA_ERROR_CONFLICT);
    g_assert_cmpstr (supa_error_get_server_code (call.error), ==, "23505");
    g_clear_error (&call.error);
  }
}

static void
test_connection_refused (void)
{
  g_autoptr(GSocketListener) listener = g_socket_listener_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *key = test_make_role_jwt ("anon");
  g_autofree char *url = NULL;
  g_autoptr(SupaClient) client = NULL;
  g_autoptr(GBytes) body = NULL;
  guint16 port;

  /* a port nobody listens on */
  port = g_socket_listener_add_any_inet_port (listener, NULL, &error);
  g_assert_no_error (error);
  g_socket_listener_close (listener);

  url = g_strdup_printf ("http://127.0.0.1:%u", port);
  client = supa_client_new (url, key, NULL);
  body = send_sync (client, SUPA_SERVICE_REST, "GET", "rest/v1/", NULL, &error);
  g_assert_null (body);
  g_assert_error (error, SUPA_ERROR, SUPA_ERROR_NETWORK);
  g_assert_cmpstr (error->message, ==, "Could not reach 127.0.0.1: connection refused");
}

static void
test_log_has_no_secrets (Fixture       *fixture,
                         gconstpointer  data)
{
  g_autofree char *key = test_make_sb_key ("sb_secret_");
  g_autofree char *token = test_make_role_jwt ("authenticated");
  g_autoptr(SupaClient) client = supa_client_new (fixture->base_url, key, NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) body = NULL;

  g_string_truncate (log_capture, 0);

  body = send_sync (client, SUPA_SERVICE_REST, "GET", "rest/v1/echo", NULL, &error);
  g_assert_no_error (error);
  g_clear_pointer (&body, g_bytes_unref);

  supa_client_set_access_token (client, token);
  body = send_sync (client, SUPA_SERVICE_AUTH, "GET", "auth/v1/user", NULL, &error);
  g_assert_error (error, SUPA_ERROR, SUPA_ERROR_UNAUTHORIZED);
  g_clear_error (&error);

  /* a secret in the query string, as the realtime URL has */
  {
    g_autofree char *escaped = g_uri_escape_string (token, NULL, FALSE);
    g_autofree char *q = g_strdup_printf ("apikey=%s&token=%s", key, escaped);
    g_autoptr(SoupMessage) msg = supa_client_new_message (client, SUPA_SERVICE_REST, "GET", "rest/v1/echo", q);
    g_autoptr(GAsyncResult) result = NULL;

    supa_client_send_async (client, msg, SUPA_SERVICE_REST, NULL, test_store_result_cb, &result);
    test_wait_result (&result);
    body = supa_client_send_finish (client, result, &error);
    g_assert_no_error (error);
  }

  g_test_message ("captured log:\n%s", log_capture->str);
  g_assert_nonnull (strstr (log_capture->str, "GET "));
  g_assert_nonnull (strstr (log_capture->str, "/rest/v1/echo"));
  g_assert_nonnull (strstr (log_capture->str, "→ 200"));
  g_assert_nonnull (strstr (log_capture->str, "→ 401"));
  g_assert_nonnull (strstr (log_capture->str, "apikey=[redacted]"));
  g_assert_null (strstr (log_capture->str, key));
  g_assert_null (strstr (log_capture->str, key + strlen ("sb_secret_")));
  g_assert_null (strstr (log_capture->str, token));
}

int
main (int   argc,
      char *argv[])
{
  test_init (&argc, &argv);

  log_capture = g_string_new (NULL);
  g_log_set_writer_func (capture_writer, NULL, NULL);

  g_test_add ("/client/headers/legacy-key", Fixture, NULL, fixture_setup, test_headers_legacy_key, fixture_teardown);
  g_test_add ("/client/headers/new-keys", Fixture, NULL, fixture_setup, test_headers_new_keys, fixture_teardown);
  g_test_add ("/client/key-not-readable", Fixture, NULL, fixture_setup, test_key_not_readable, fixture_teardown);
  g_test_add ("/client/error-mapping", Fixture, NULL, fixture_setup, test_error_mapping, fixture_teardown);
  g_test_add ("/client/json", Fixture, NULL, fixture_setup, test_json, fixture_teardown);
  g_test_add ("/client/cancellation", Fixture, NULL, fixture_setup, test_cancellation, fixture_teardown);
  g_test_add_func ("/client/connection-refused", test_connection_refused);
  g_test_add ("/client/send-in-thread", Fixture, NULL, fixture_setup, test_send_in_thread, fixture_teardown);
  g_test_add ("/client/log-has-no-secrets", Fixture, NULL, fixture_setup, test_log_has_no_secrets, fixture_teardown);

  return g_test_run ();
}
