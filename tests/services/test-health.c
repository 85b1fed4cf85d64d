/* test-health.c — SupaHealthCheck against an in-process SoupServer
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "supa-health.h"
#include "test-util.h"

typedef struct
{
  SoupServer *server;
  char       *base_url;
  char       *key;
  GPtrArray  *sockets;     /* server-side WebSocket connections */
  gboolean    rest_forbidden;
  gboolean    auth_unauthorized;
  gboolean    realtime_refuse;
  gboolean    signups_disabled;
  char       *realtime_apikey;  /* the key the handshake carried */
} Fixture;

static void
respond_json (SoupServerMessage *msg,
              guint              status,
              const char        *json)
{
  soup_server_message_set_status (msg, status, NULL);
  soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_COPY, json, strlen (json));
}

static void
http_cb (SoupServer        *server,
         SoupServerMessage *msg,
         const char        *path,
         GHashTable        *query,
         gpointer           user_data)
{
  Fixture *fixture = user_data;
  const char *apikey = soup_message_headers_get_one (soup_server_message_get_request_headers (msg), "apikey");

  if (g_str_equal (path, "/realtime/v1/websocket"))
    {
      const char *query_key = query ? g_hash_table_lookup (query, "apikey") : NULL;

      g_free (fixture->realtime_apikey);
      fixture->realtime_apikey = g_strdup (query_key);
      /* refusing here stops the WebSocket upgrade, like Realtime does */
      if (fixture->realtime_refuse || query_key == NULL)
        respond_json (msg, 401, "{\"error\":\"API key is missing\"}");
      return;
    }

  if (g_strcmp0 (apikey, fixture->key) != 0)
    {
      respond_json (msg, 401, "{\"message\":\"No API key found in request\"}");
      return;
    }

  if (g_str_equal (path, "/rest/v1/"))
    {
      if (fixture->rest_forbidden)
        respond_json (msg, 403, "{\"code\":\"42501\",\"details\":null,\"hint\":null,\"message\":\"permission denied for schema public\"}");
      else
        respond_json (msg, 200, "{\"swagger\":\"2.0\",\"info\":{\"title\":\"PostgREST API\"},"
                                "\"paths\":{\"/\":{\"get\":{}},\"/todos\":{\"get\":{}},\"/profiles\":{\"get\":{}},"
                                "\"/rpc/hello\":{\"post\":{}}},\"definitions\":{}}");
    }
  else if (g_str_equal (path, "/auth/v1/health"))
    {
      if (fixture->auth_unauthorized)
        respond_json (msg, 401, "{\"message\":\"Invalid authentication credentials\"}");
      else
        respond_json (msg, 200, "{\"version\":\"v2.170.0\",\"name\":\"GoTrue\",\"description\":\"GoTrue is a user registration and authentication API\"}");
    }
  else if (g_str_equal (path, "/auth/v1/settings"))
    respond_json (msg, 200, fixture->signups_disabled
                              ? "{\"external\":{\"email\":true},\"disable_signup\":true,\"mailer_autoconfirm\":false}"
                              : "{\"external\":{\"email\":true},\"disable_signup\":false,\"mailer_autoconfirm\":false}");
  else if (g_str_equal (path, "/storage/v1/bucket"))
    respond_json (msg, 200, "[{\"id\":\"avatars\",\"name\":\"avatars\",\"public\":false},"
                            "{\"id\":\"docs\",\"name\":\"docs\",\"public\":true}]");
  else
    respond_json (msg, 404, "{\"message\":\"not found\"}");
}

static void
websocket_cb (SoupServer              *server,
              SoupServerMessage       *msg,
              const char              *path,
              SoupWebsocketConnection *connection,
              gpointer                 user_data)
{
  Fixture *fixture = user_data;

  g_ptr_array_add (fixture->sockets, g_object_ref (connection));
}

static void
fixture_setup (Fixture       *fixture,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *uri_string = NULL;
  GSList *uris;
  gsize len;

  fixture->key = test_make_role_jwt ("anon");
  fixture->sockets = g_ptr_array_new_with_free_func (g_object_unref);
  fixture->server = soup_server_new (NULL, NULL);
  soup_server_add_handler (fixture->server, NULL, http_cb, fixture, NULL);
  /* the same path's plain handler runs first and may refuse the upgrade */
  soup_server_add_handler (fixture->server, "/realtime/v1/websocket", http_cb, fixture, NULL);
  soup_server_add_websocket_handler (fixture->server, "/realtime/v1/websocket", NULL, NULL,
                                     websocket_cb, fixture, NULL);
  soup_server_listen_local (fixture->server, 0, SOUP_SERVER_LISTEN_IPV4_ONLY, &error);
  g_assert_no_error (error);

  uris = soup_server_get_uris (fixture->server);
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
  g_clear_pointer (&fixture->sockets, g_ptr_array_unref);
  soup_server_disconnect (fixture->server);
  g_clear_object (&fixture->server);
  g_clear_pointer (&fixture->base_url, g_free);
  g_clear_pointer (&fixture->key, g_free);
  g_clear_pointer (&fixture->realtime_apikey, g_free);
}

static void
count_notify_cb (GObject    *object,
                 GParamSpec *pspec,
                 gpointer    user_data)
{
  (*(guint *) user_data)++;
}

static SupaServiceHealth *
item (SupaHealthCheck *check,
      guint            position)
{
  g_autoptr(SupaServiceHealth) health = g_list_model_get_item (G_LIST_MODEL (check), position);
  /* the model keeps its own reference */
  return health;
}

static SupaHealthCheck *
run_check (Fixture       *fixture,
           GCancellable  *cancellable,
           GError       **error)
{
  g_autoptr(SupaClient) client = supa_client_new (fixture->base_url, fixture->key, NULL);
  g_autoptr(SupaHealthCheck) check = supa_health_check_new (client);
  g_autoptr(GAsyncResult) result = NULL;
  guint running_notifies = 0;
  gboolean ok;

  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (check)), ==, 4);
  g_assert_true (g_list_model_get_item_type (G_LIST_MODEL (check)) == SUPA_TYPE_SERVICE_HEALTH);
  for (guint i = 0; i < 4; i++)
    {
      g_assert_cmpint (supa_service_health_get_state (item (check, i)), ==, SUPA_HEALTH_PENDING);
      g_assert_cmpint (supa_service_health_get_rtt_ms (item (check, i)), ==, -1);
    }

  g_signal_connect (check, "notify::running", G_CALLBACK (count_notify_cb), &running_notifies);
  supa_health_check_run_async (check, cancellable, test_store_result_cb, &result);
  g_assert_true (supa_health_check_get_running (check));
  test_wait_result (&result);

  ok = supa_health_check_run_finish (check, result, error);
  g_assert_false (supa_health_check_get_running (check));
  g_assert_cmpuint (running_notifies, ==, 2);
  g_assert_true (supa_health_check_get_client (check) == client);

  return ok ? g_steal_pointer (&check) : NULL;
}

static void
test_all_ok (Fixture       *fixture,
             gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SupaHealthCheck) check = NULL;
  const char *titles[] = { "Database (REST)", "Auth", "Storage", "Realtime" };
  SupaService services[] = { SUPA_SERVICE_REST, SUPA_SERVICE_AUTH, SUPA_SERVICE_STORAGE, SUPA_SERVICE_REALTIME };

  check = run_check (fixture, NULL, &error);
  g_assert_no_error (error);

  for (guint i = 0; i < 4; i++)
    {
      SupaServiceHealth *h = item (check, i);

      g_test_message ("%s: %s", supa_service_health_get_title (h), supa_service_health_get_message (h));
      g_assert_cmpstr (supa_service_health_get_title (h), ==, titles[i]);
      g_assert_cmpint (supa_service_health_get_service (h), ==, services[i]);
      g_assert_cmpint (supa_service_health_get_state (h), ==, SUPA_HEALTH_OK);
      g_assert_cmpint (supa_service_health_get_rtt_ms (h), >=, 0);
      g_assert_null (supa_service_health_get_error (h));
      g_assert_nonnull (supa_service_health_get_endpoint (h));
    }

  g_assert_cmpstr (supa_service_health_get_endpoint (item (check, 0)), ==, "/rest/v1/");
  g_assert_cmpstr (supa_service_health_get_message (item (check, 0)), ==, "Schema readable, 2 tables and views");
  g_assert_cmpstr (supa_service_health_get_message (item (check, 1)), ==, "GoTrue v2.170.0, sign-ups enabled");
  g_assert_cmpstr (supa_service_health_get_message (item (check, 2)), ==, "2 buckets visible to this key");
  g_assert_cmpstr (supa_service_health_get_message (item (check, 3)), ==, "WebSocket handshake completed");
  g_assert_true (supa_health_check_get_all_reachable (check));

  /* the handshake carried the key in the query, as realtime-js does */
  g_assert_cmpstr (fixture->realtime_apikey, ==, fixture->key);
  g_assert_cmpuint (fixture->sockets->len, ==, 1);
}

static void
test_rest_forbidden (Fixture       *fixture,
                     gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SupaHealthCheck) check = NULL;
  SupaServiceHealth *rest;

  fixture->rest_forbidden = TRUE;
  fixture->signups_disabled = TRUE;
  check = run_check (fixture, NULL, &error);
  g_assert_no_error (error);

  rest = item (check, 0);
  g_assert_cmpint (supa_service_health_get_state (rest), ==, SUPA_HEALTH_DEGRADED);
  g_assert_cmpstr (supa_service_health_get_message (rest), ==,
                   "Reachable; this key cannot read the schema (needs a service role or secret key)");
  g_assert_error ((GError *) supa_service_health_get_error (rest), SUPA_ERROR, SUPA_ERROR_FORBIDDEN);
  g_assert_cmpstr (supa_service_health_get_message (item (check, 1)), ==, "GoTrue v2.170.0, sign-ups disabled");
  g_assert_true (supa_health_check_get_all_reachable (check));
}

static void
test_auth_unauthorized (Fixture       *fixture,
                        gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SupaHealthCheck) check = NULL;
  SupaServiceHealth *auth;

  fixture->auth_unauthorized = TRUE;
  check = run_check (fixture, NULL, &error);
  g_assert_no_error (error);

  auth = item (check, 1);
  g_assert_cmpint (supa_service_health_get_state (auth), ==, SUPA_HEALTH_FAILED);
  g_assert_cmpstr (supa_service_health_get_message (auth), ==, "Invalid authentication credentials");
  g_assert_error ((GError *) supa_service_health_get_error (auth), SUPA_ERROR, SUPA_ERROR_UNAUTHORIZED);
  g_assert_cmpint (supa_service_health_get_rtt_ms (auth), >=, 0);
  g_assert_cmpint (supa_service_health_get_state (item (check, 0)), ==, SUPA_HEALTH_OK);
  g_assert_false (supa_health_check_get_all_reachable (check));
}

static void
test_realtime_refused (Fixture       *fixture,
                       gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SupaHealthCheck) check = NULL;
  SupaServiceHealth *rt;

  fixture->realtime_refuse = TRUE;
  check = run_check (fixture, NULL, &error);
  g_assert_no_error (error);

  rt = item (check, 3);
  g_assert_cmpint (supa_service_health_get_state (rt), ==, SUPA_HEALTH_FAILED);
  g_assert_cmpstr (supa_service_health_get_message (rt), ==, "API key is missing");
  g_assert_error ((GError *) supa_service_health_get_error (rt), SUPA_ERROR, SUPA_ERROR_UNAUTHORIZED);
  g_assert_cmpint (supa_service_health_get_rtt_ms (rt), >=, 0);
  g_assert_cmpuint (fixture->sockets->len, ==, 0);
  g_assert_false (supa_health_check_get_all_reachable (check));
}

static void
test_live_notify (Fixture       *fixture,
                  gconstpointer  data)
{
  g_autoptr(SupaClient) client = supa_client_new (fixture->base_url, fixture->key, NULL);
  g_autoptr(SupaHealthCheck) check = supa_health_check_new (client);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  SupaServiceHealth *storage = item (check, 2);
  guint state_notifies = 0, message_notifies = 0, rtt_notifies = 0;

  g_signal_connect (storage, "notify::state", G_CALLBACK (count_notify_cb), &state_notifies);
  g_signal_connect (storage, "notify::message", G_CALLBACK (count_notify_cb), &message_notifies);
  g_signal_connect (storage, "notify::rtt-ms", G_CALLBACK (count_notify_cb), &rtt_notifies);

  supa_health_check_run_async (check, NULL, test_store_result_cb, &result);
  test_wait_result (&result);
  g_assert_true (supa_health_check_run_finish (check, result, &error));
  g_assert_no_error (error);

  /* PENDING → OK once; "Checking…" then the result */
  g_assert_cmpuint (state_notifies, ==, 1);
  g_assert_cmpuint (message_notifies, ==, 2);
  g_assert_cmpuint (rtt_notifies, ==, 1);

  /* a second run goes through PENDING again */
  g_clear_object (&result);
  state_notifies = 0;
  supa_health_check_run_async (check, NULL, test_store_result_cb, &result);
  g_assert_cmpint (supa_service_health_get_state (storage), ==, SUPA_HEALTH_PENDING);
  g_assert_cmpint (supa_service_health_get_rtt_ms (storage), ==, -1);
  test_wait_result (&result);
  g_assert_true (supa_health_check_run_finish (check, result, &error));
  g_assert_cmpuint (state_notifies, ==, 2);
}

static void
test_cancelled (Fixture       *fixture,
                gconstpointer  data)
{
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(SupaHealthCheck) check = NULL;

  g_cancellable_cancel (cancellable);
  check = run_check (fixture, cancellable, &error);
  g_assert_null (check);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
}

int
main (int   argc,
      char *argv[])
{
  test_init (&argc, &argv);

  g_test_add ("/health/all-ok", Fixture, NULL, fixture_setup, test_all_ok, fixture_teardown);
  g_test_add ("/health/rest-forbidden", Fixture, NULL, fixture_setup, test_rest_forbidden, fixture_teardown);
  g_test_add ("/health/auth-unauthorized", Fixture, NULL, fixture_setup, test_auth_unauthorized, fixture_teardown);
  g_test_add ("/health/realtime-refused", Fixture, NULL, fixture_setup, test_realtime_refused, fixture_teardown);
  g_test_add ("/health/live-notify", Fixture, NULL, fixture_setup, test_live_notify, fixture_teardown);
  g_test_add ("/health/cancelled", Fixture, NULL, fixture_setup, test_cancelled, fixture_teardown);

  return g_test_run ();
}
