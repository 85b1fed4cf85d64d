/* test-realtime.c — supabase-local's Realtime against a WebSocket client.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Speaks Phoenix (vsn 1.0.0 objects and 2.0.0 arrays/binary) to the server
 * the way realtime-js does and checks what a subscriber would see.
 */

#include "supa-test-server.h"

#include <string.h>

static SupaTestServer *server;
static SoupSession *ws_session;

#define WAIT_MS 10000

/* ------------------------------------------------------------- a client */

typedef struct
{
  char     *join_ref;
  char     *ref;
  char     *topic;
  char     *event;
  JsonNode *payload;
  gboolean  has_join_ref_member;   /* V1: the object carried "join_ref" */
} Msg;

static void
msg_free (Msg *m)
{
  if (m == NULL)
    return;
  g_free (m->join_ref);
  g_free (m->ref);
  g_free (m->topic);
  g_free (m->event);
  if (m->payload)
    json_node_unref (m->payload);
  g_free (m);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC (Msg, msg_free)

typedef struct
{
  SoupWebsocketConnection *conn;
  int                      vsn;
  GQueue                   inbox;     /* Msg* */
  GQueue                   binary;    /* GBytes* */
  guint                    ref;
  gboolean                 closed;
} Ws;

static char *
dup_string_or_null (JsonNode *n)
{
  if (n == NULL || !JSON_NODE_HOLDS_VALUE (n) || json_node_get_value_type (n) != G_TYPE_STRING)
    return NULL;
  return g_strdup (json_node_get_string (n));
}

static void
ws_message_cb (SoupWebsocketConnection *conn,
               gint                     type,
               GBytes                  *message,
               gpointer                 user_data)
{
  Ws *ws = user_data;
  g_autoptr(JsonParser) parser = json_parser_new ();
  gsize len;
  const char *data = g_bytes_get_data (message, &len);
  JsonNode *root;
  Msg *m;

  if (type == SOUP_WEBSOCKET_DATA_BINARY)
    {
      g_queue_push_tail (&ws->binary, g_bytes_ref (message));
      return;
    }
  g_assert_true (json_parser_load_from_data (parser, data, len, NULL));
  root = json_parser_get_root (parser);
  m = g_new0 (Msg, 1);
  if (ws->vsn == 2)
    {
      JsonArray *a;

      g_assert_true (JSON_NODE_HOLDS_ARRAY (root));
      a = json_node_get_array (root);
      g_assert_cmpuint (json_array_get_length (a), ==, 5);
      m->join_ref = dup_string_or_null (json_array_get_element (a, 0));
      m->ref = dup_string_or_null (json_array_get_element (a, 1));
      m->topic = dup_string_or_null (json_array_get_element (a, 2));
      m->event = dup_string_or_null (json_array_get_element (a, 3));
      m->payload = json_node_copy (json_array_get_element (a, 4));
    }
  else
    {
      JsonObject *o;

      g_assert_true (JSON_NODE_HOLDS_OBJECT (root));
      o = json_node_get_object (root);
      m->has_join_ref_member = json_object_has_member (o, "join_ref");
      m->ref = dup_string_or_null (json_object_get_member (o, "ref"));
      m->topic = dup_string_or_null (json_object_get_member (o, "topic"));
      m->event = dup_string_or_null (json_object_get_member (o, "event"));
      m->payload = json_node_copy (json_object_get_member (o, "payload"));
    }
  g_queue_push_tail (&ws->inbox, m);
}

static void
ws_closed_cb (SoupWebsocketConnection *conn,
              gpointer                 user_data)
{
  Ws *ws = user_data;
  ws->closed = TRUE;
}

static void
connect_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  GAsyncResult **out = user_data;
  *out = g_object_ref (result);
}

static Ws *
ws_connect (int         vsn,
            const char *key,
            gboolean    key_in_query)
{
  g_autofree char *url = NULL;
  g_autoptr(SoupMessage) msg = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  Ws *ws = g_new0 (Ws, 1);

  ws->vsn = vsn;
  g_queue_init (&ws->inbox);
  g_queue_init (&ws->binary);
  if (key_in_query)
    {
      g_autofree char *escaped = g_uri_escape_string (key, NULL, TRUE);
      url = g_strdup_printf ("%s/realtime/v1/websocket?apikey=%s&vsn=%d.0.0", server->url, escaped, vsn);
    }
  else
    url = g_strdup_printf ("%s/realtime/v1/websocket?vsn=%d.0.0", server->url, vsn);
  msg = soup_message_new ("GET", url);
  if (!key_in_query)
    soup_message_headers_append (soup_message_get_request_headers (msg), "x-api-key", key);
  soup_session_websocket_connect_async (ws_session, msg, NULL, NULL, G_PRIORITY_DEFAULT, NULL,
                                        connect_cb, &result);
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);
  ws->conn = soup_session_websocket_connect_finish (ws_session, result, &error);
  g_assert_no_error (error);
  g_signal_connect (ws->conn, "message", G_CALLBACK (ws_message_cb), ws);
  g_signal_connect (ws->conn, "closed", G_CALLBACK (ws_closed_cb), ws);
  return ws;
}

static void
ws_free (Ws *ws)
{
  if (soup_websocket_connection_get_state (ws->conn) == SOUP_WEBSOCKET_STATE_OPEN)
    {
      soup_websocket_connection_close (ws->conn, SOUP_WEBSOCKET_CLOSE_NORMAL, NULL);
      while (!ws->closed)
        g_main_context_iteration (NULL, TRUE);
    }
  g_signal_handlers_disconnect_by_data (ws->conn, ws);
  g_object_unref (ws->conn);
  g_queue_clear_full (&ws->inbox, (GDestroyNotify) msg_free);
  g_queue_clear_full (&ws->binary, (GDestroyNotify) g_bytes_unref);
  g_free (ws);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC (Ws, ws_free)

/* Sends a message; returns its ref. */
static char *
ws_push (Ws         *ws,
         const char *join_ref,
         const char *topic,
         const char *event,
         const char *payload_json)
{
  char *ref = g_strdup_printf ("%u", ++ws->ref);
  g_autofree char *frame = NULL;

  if (ws->vsn == 2)
    {
      g_autofree char *jr = join_ref ? g_strdup_printf ("\"%s\"", join_ref) : g_strdup ("null");
      frame = g_strdup_printf ("[%s,\"%s\",\"%s\",\"%s\",%s]", jr, ref, topic, event, payload_json);
    }
  else if (join_ref != NULL)
    frame = g_strdup_printf ("{\"topic\":\"%s\",\"event\":\"%s\",\"payload\":%s,\"ref\":\"%s\",\"join_ref\":\"%s\"}",
                             topic, event, payload_json, ref, join_ref);
  else
    frame = g_strdup_printf ("{\"topic\":\"%s\",\"event\":\"%s\",\"payload\":%s,\"ref\":\"%s\"}",
                             topic, event, payload_json, ref);
  soup_websocket_connection_send_text (ws->conn, frame);
  return ref;
}

static gboolean
timeout_cb (gpointer data)
{
  gboolean *flag = data;
  *flag = TRUE;
  return G_SOURCE_REMOVE;
}

/* The first queued message with @topic and @event (and @ref when not
 * NULL), waiting up to @ms for it; NULL on timeout. Other messages stay
 * queued. */
static Msg *
ws_wait (Ws         *ws,
         const char *topic,
         const char *event,
         const char *ref,
         guint       ms)
{
  gboolean timed_out = FALSE;
  guint id = g_timeout_add (ms, timeout_cb, &timed_out);

  for (;;)
    {
      for (GList *l = ws->inbox.head; l != NULL; l = l->next)
        {
          Msg *m = l->data;

          if (g_strcmp0 (m->topic, topic) == 0 && g_strcmp0 (m->event, event) == 0 &&
              (ref == NULL || g_strcmp0 (m->ref, ref) == 0))
            {
              g_queue_delete_link (&ws->inbox, l);
              if (!timed_out)
                g_source_remove (id);
              return m;
            }
        }
      if (timed_out)
        return NULL;
      g_main_context_iteration (NULL, TRUE);
    }
}

static GBytes *
ws_wait_binary (Ws    *ws,
                guint  ms)
{
  gboolean timed_out = FALSE;
  guint id = g_timeout_add (ms, timeout_cb, &timed_out);

  while (g_queue_is_empty (&ws->binary) && !timed_out)
    g_main_context_iteration (NULL, TRUE);
  if (!timed_out)
    g_source_remove (id);
  return g_queue_pop_head (&ws->binary);
}

/* Lets the main loop run for @ms (to prove something does NOT arrive). */
static void
spin (guint ms)
{
  gboolean done = FALSE;

  g_timeout_add (ms, timeout_cb, &done);
  while (!done)
    g_main_context_iteration (NULL, TRUE);
}

static JsonObject *
payload_obj (Msg *m)
{
  g_assert_nonnull (m);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (m->payload));
  return json_node_get_object (m->payload);
}

static const char *
reply_status (Msg *m)
{
  return json_object_get_string_member (payload_obj (m), "status");
}

static JsonObject *
reply_response (Msg *m)
{
  return json_object_get_object_member (payload_obj (m), "response");
}

/* Joins @topic; asserts an ok reply; returns the join ref. */
static char *
join_ok (Ws         *ws,
         const char *topic,
         const char *config_json,
         const char *token)
{
  g_autofree char *payload = g_strdup_printf ("{\"config\":%s,\"access_token\":\"%s\",\"version\":\"realtime-js/2.15.0\"}",
                                              config_json, token);
  char *ref = g_strdup_printf ("%u", ws->ref + 1);
  g_autofree char *sent = ws_push (ws, ref, topic, "phx_join", payload);
  g_autoptr(Msg) reply = ws_wait (ws, topic, "phx_reply", sent, WAIT_MS);

  g_assert_nonnull (reply);
  g_assert_cmpstr (reply_status (reply), ==, "ok");
  return ref;
}

/* Joins with postgres_changes and waits for "Subscribed to PostgreSQL". */
static char *
join_pg (Ws         *ws,
         const char *topic,
         const char *pg_changes_json,
         const char *token,
         JsonArray **ids_out)
{
  g_autofree char *config = g_strdup_printf ("{\"broadcast\":{\"ack\":false,\"self\":false},"
                                             "\"presence\":{\"key\":\"\",\"enabled\":false},"
                                             "\"postgres_changes\":%s,\"private\":false}", pg_changes_json);
  g_autofree char *payload = g_strdup_printf ("{\"config\":%s,\"access_token\":\"%s\"}", config, token);
  char *ref = g_strdup_printf ("%u", ws->ref + 1);
  g_autofree char *sent = ws_push (ws, ref, topic, "phx_join", payload);
  g_autoptr(Msg) reply = ws_wait (ws, topic, "phx_reply", sent, WAIT_MS);
  g_autoptr(Msg) sys = NULL;
  JsonObject *sp;

  g_assert_nonnull (reply);
  g_assert_cmpstr (reply_status (reply), ==, "ok");
  if (ids_out != NULL)
    *ids_out = json_array_ref (json_object_get_array_member (reply_response (reply), "postgres_changes"));
  sys = ws_wait (ws, topic, "system", NULL, WAIT_MS);
  sp = payload_obj (sys);
  g_assert_cmpstr (json_object_get_string_member (sp, "extension"), ==, "postgres_changes");
  g_assert_cmpstr (json_object_get_string_member (sp, "message"), ==, "Subscribed to PostgreSQL");
  g_assert_cmpstr (json_object_get_string_member (sp, "status"), ==, "ok");
  return ref;
}

static void
sql (const char *statement)
{
  g_free (supa_test_server_sql (server, statement));
}

static JsonObject *
change_data (Msg *m)
{
  return json_object_get_object_member (payload_obj (m), "data");
}

static gint64
binding (JsonArray *ids,
         guint      index)
{
  return json_object_get_int_member (json_array_get_object_element (ids, index), "id");
}

/* HS256 JWT for test tokens (expired ones, wrong roles). */
static char *
b64url (const guchar *data,
        gsize         len)
{
  char *s = g_base64_encode (data, len);
  char *p;

  for (p = s; *p; p++)
    {
      if (*p == '+')
        *p = '-';
      else if (*p == '/')
        *p = '_';
    }
  while (p > s && p[-1] == '=')
    *--p = '\0';
  return s;
}

static char *
make_jwt (const char *claims_json)
{
  static const char header[] = "{\"alg\":\"HS256\",\"typ\":\"JWT\"}";
  g_autofree char *h = b64url ((const guchar *) header, strlen (header));
  g_autofree char *c = b64url ((const guchar *) claims_json, strlen (claims_json));
  g_autofree char *signing = g_strconcat (h, ".", c, NULL);
  g_autoptr(GHmac) hmac = g_hmac_new (G_CHECKSUM_SHA256, (const guchar *) server->jwt_secret,
                                      strlen (server->jwt_secret));
  guint8 digest[32];
  gsize dlen = sizeof digest;
  g_autofree char *sig = NULL;

  g_hmac_update (hmac, (const guchar *) signing, -1);
  g_hmac_get_digest (hmac, digest, &dlen);
  sig = b64url (digest, dlen);
  return g_strconcat (signing, ".", sig, NULL);
}

/* ------------------------------------------------------------------ tests */

static void
test_handshake_errors (void)
{
  const char * const bad_key[] = { "x-api-key", "not-a-jwt", NULL };
  g_autoptr(SupaTestResponse) missing = supa_test_request (server, "GET", "/realtime/v1/websocket?vsn=1.0.0",
                                                           NULL, NULL, NULL, 0);
  g_autoptr(SupaTestResponse) invalid = supa_test_request (server, "GET", "/realtime/v1/websocket?vsn=1.0.0",
                                                           bad_key, NULL, NULL, 0);

  g_assert_cmpuint (missing->status, ==, 401);
  g_assert_nonnull (missing->json);
  g_assert_cmpstr (json_object_get_string_member (json_node_get_object (missing->json), "error"), ==,
                   "API key is missing");
  g_assert_cmpuint (invalid->status, ==, 401);
  g_assert_cmpstr (json_object_get_string_member (json_node_get_object (invalid->json), "error"), ==,
                   "The token provided is not a valid JWT");
}

static void
test_join_heartbeat (gconstpointer data)
{
  int vsn = GPOINTER_TO_INT (data);
  g_autoptr(Ws) ws = ws_connect (vsn, server->anon_key, vsn == 1);
  g_autofree char *hb = NULL;
  g_autofree char *bad = NULL;
  g_autoptr(Msg) hb_reply = NULL;
  g_autoptr(Msg) bad_reply = NULL;
  g_autofree char *payload = g_strdup_printf ("{\"config\":{\"broadcast\":{\"ack\":false,\"self\":false},"
                                              "\"presence\":{\"key\":\"\",\"enabled\":false},"
                                              "\"postgres_changes\":[],\"private\":false},"
                                              "\"access_token\":\"%s\"}", server->anon_key);
  g_autofree char *sent = ws_push (ws, "1", "realtime:room-hb", "phx_join", payload);
  g_autoptr(Msg) reply = ws_wait (ws, "realtime:room-hb", "phx_reply", sent, WAIT_MS);

  g_assert_nonnull (reply);
  g_assert_cmpstr (reply_status (reply), ==, "ok");
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (reply_response (reply),
                                                                         "postgres_changes")), ==, 0);
  if (vsn == 1)
    g_assert_false (reply->has_join_ref_member);
  else
    g_assert_cmpstr (reply->join_ref, ==, "1");

  hb = ws_push (ws, NULL, "phoenix", "heartbeat", "{}");
  hb_reply = ws_wait (ws, "phoenix", "phx_reply", hb, WAIT_MS);
  g_assert_nonnull (hb_reply);
  g_assert_cmpstr (reply_status (hb_reply), ==, "ok");
  g_assert_null (hb_reply->join_ref);

  bad = ws_push (ws, "9", "room-without-prefix", "phx_join", "{}");
  bad_reply = ws_wait (ws, "room-without-prefix", "phx_reply", bad, WAIT_MS);
  g_assert_cmpstr (reply_status (bad_reply), ==, "error");
  g_assert_cmpstr (json_object_get_string_member (reply_response (bad_reply), "reason"), ==, "unmatched topic");
}

static void
test_join_expired_token (void)
{
  g_autoptr(Ws) ws = ws_connect (1, server->anon_key, FALSE);
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;
  g_autofree char *claims = g_strdup_printf ("{\"role\":\"authenticated\",\"sub\":\"u1\",\"exp\":%" G_GINT64_FORMAT "}",
                                             now - 120);
  g_autofree char *token = make_jwt (claims);
  g_autofree char *payload = g_strdup_printf ("{\"config\":{},\"access_token\":\"%s\"}", token);
  g_autofree char *sent = ws_push (ws, "1", "realtime:expired", "phx_join", payload);
  g_autoptr(Msg) reply = ws_wait (ws, "realtime:expired", "phx_reply", sent, WAIT_MS);
  const char *reason;

  g_assert_cmpstr (reply_status (reply), ==, "error");
  reason = json_object_get_string_member (reply_response (reply), "reason");
  g_assert_true (g_str_has_prefix (reason, "InvalidJWTToken: Token has expired "));
  g_assert_true (g_str_has_suffix (reason, " seconds ago"));
}

static void
test_postgres_changes (gconstpointer data)
{
  int vsn = GPOINTER_TO_INT (data);
  g_autoptr(Ws) ws = ws_connect (vsn, server->service_role_key, FALSE);
  g_autoptr(JsonArray) ids = NULL;
  g_autofree char *join_ref = NULL;
  g_autofree char *table = g_strdup_printf ("rt_items_v%d", vsn);
  g_autofree char *changes = g_strdup_printf (
    "[{\"event\":\"*\",\"schema\":\"public\",\"table\":\"%s\",\"filter\":\"id=eq.1\"},"
    "{\"event\":\"INSERT\",\"schema\":\"public\",\"table\":\"%s\",\"filter\":\"id=in.(2,3)\"}]", table, table);
  g_autofree char *ddl = g_strdup_printf ("CREATE TABLE public.%s (id int PRIMARY KEY, name text, tags text[], "
                                          "meta jsonb, at timestamptz);"
                                          "ALTER PUBLICATION supabase_realtime ADD TABLE public.%s", table, table);
  g_autofree char *dml = g_strdup_printf ("INSERT INTO public.%s VALUES (1, 'one', '{a,\"b c\"}', '{\"k\":[1,2]}', '2024-05-01 10:11:12.5+00');"
                                          "INSERT INTO public.%s (id, name) VALUES (2, 'two'), (3, 'three'), (4, 'four');"
                                          "UPDATE public.%s SET name = 'uno' WHERE id = 1;"
                                          "UPDATE public.%s SET name = 'dos' WHERE id = 2;"
                                          "DELETE FROM public.%s WHERE id = 1", table, table, table, table, table);
  g_autofree char *topic = g_strdup_printf ("realtime:pg-%d", vsn);
  JsonObject *d, *rec, *old;
  JsonArray *cols, *got_ids;
  g_autoptr(Msg) m1 = NULL, m2 = NULL, m3 = NULL, m4 = NULL, m5 = NULL, extra = NULL;

  sql (ddl);
  join_ref = join_pg (ws, topic, changes, server->service_role_key, &ids);
  g_assert_cmpuint (json_array_get_length (ids), ==, 2);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (ids, 0), "filter"), ==, "id=eq.1");
  g_assert_true (binding (ids, 0) >= 0 && binding (ids, 0) < (1 << 27));
  sql (dml);

  /* INSERT id 1: matches the first binding only. */
  m1 = ws_wait (ws, topic, "postgres_changes", NULL, WAIT_MS);
  g_assert_nonnull (m1);
  g_assert_null (m1->ref);
  g_assert_null (m1->join_ref);
  got_ids = json_object_get_array_member (payload_obj (m1), "ids");
  g_assert_cmpuint (json_array_get_length (got_ids), ==, 1);
  g_assert_cmpint (json_array_get_int_element (got_ids, 0), ==, binding (ids, 0));
  d = change_data (m1);
  g_assert_cmpstr (json_object_get_string_member (d, "type"), ==, "INSERT");
  g_assert_cmpstr (json_object_get_string_member (d, "table"), ==, table);
  g_assert_true (json_object_get_null_member (d, "errors"));
  g_assert_true (g_regex_match_simple ("^\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z$",
                                       json_object_get_string_member (d, "commit_timestamp"), 0, 0));
  cols = json_object_get_array_member (d, "columns");
  g_assert_cmpuint (json_array_get_length (cols), ==, 5);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (cols, 0), "type"), ==, "int4");
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (cols, 2), "type"), ==, "_text");
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (cols, 4), "type"), ==, "timestamptz");
  rec = json_object_get_object_member (d, "record");
  g_assert_cmpint (json_object_get_int_member (rec, "id"), ==, 1);
  g_assert_cmpstr (json_object_get_string_member (rec, "name"), ==, "one");
  g_assert_cmpstr (json_array_get_string_element (json_object_get_array_member (rec, "tags"), 1), ==, "b c");
  g_assert_cmpint (json_array_get_length (json_object_get_array_member (json_object_get_object_member (rec, "meta"), "k")), ==, 2);
  g_assert_cmpstr (json_object_get_string_member (rec, "at"), ==, "2024-05-01T10:11:12.5+00:00");
  g_assert_false (json_object_has_member (d, "old_record"));

  /* INSERT 2 and 3 through the `in` binding; 4 matches nothing. */
  m2 = ws_wait (ws, topic, "postgres_changes", NULL, WAIT_MS);
  g_assert_cmpint (json_object_get_int_member (json_object_get_object_member (change_data (m2), "record"), "id"), ==, 2);
  g_assert_cmpint (json_array_get_int_element (json_object_get_array_member (payload_obj (m2), "ids"), 0), ==, binding (ids, 1));
  m3 = ws_wait (ws, topic, "postgres_changes", NULL, WAIT_MS);
  g_assert_cmpint (json_object_get_int_member (json_object_get_object_member (change_data (m3), "record"), "id"), ==, 3);

  /* UPDATE 1: old_record has the primary key only (default replica identity). */
  m4 = ws_wait (ws, topic, "postgres_changes", NULL, WAIT_MS);
  d = change_data (m4);
  g_assert_cmpstr (json_object_get_string_member (d, "type"), ==, "UPDATE");
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (d, "record"), "name"), ==, "uno");
  old = json_object_get_object_member (d, "old_record");
  g_assert_cmpuint (json_object_get_size (old), ==, 1);
  g_assert_cmpint (json_object_get_int_member (old, "id"), ==, 1);

  /* The UPDATE of 2 matches no UPDATE binding; next is the DELETE of 1. */
  m5 = ws_wait (ws, topic, "postgres_changes", NULL, WAIT_MS);
  d = change_data (m5);
  g_assert_cmpstr (json_object_get_string_member (d, "type"), ==, "DELETE");
  g_assert_false (json_object_has_member (d, "record"));
  g_assert_cmpint (json_object_get_int_member (json_object_get_object_member (d, "old_record"), "id"), ==, 1);

  spin (300);
  extra = ws_wait (ws, topic, "postgres_changes", NULL, 1);
  g_assert_null (extra);
}

static void
test_replica_identity_full (void)
{
  g_autoptr(Ws) ws = ws_connect (2, server->service_role_key, FALSE);
  g_autofree char *join_ref = NULL;
  g_autoptr(Msg) upd = NULL, del = NULL;
  JsonObject *old;

  sql ("CREATE TABLE public.rt_full (id int PRIMARY KEY, name text, qty int);"
       "ALTER TABLE public.rt_full REPLICA IDENTITY FULL;"
       "ALTER PUBLICATION supabase_realtime ADD TABLE public.rt_full;"
       "INSERT INTO public.rt_full VALUES (1, 'a', 5)");
  join_ref = join_pg (ws, "realtime:full", "[{\"event\":\"UPDATE\",\"schema\":\"public\",\"table\":\"rt_full\"},"
                                           "{\"event\":\"DELETE\",\"schema\":\"public\",\"table\":\"rt_full\"}]",
                      server->service_role_key, NULL);
  sql ("UPDATE public.rt_full SET qty = 6 WHERE id = 1; DELETE FROM public.rt_full WHERE id = 1");

  upd = ws_wait (ws, "realtime:full", "postgres_changes", NULL, WAIT_MS);
  old = json_object_get_object_member (change_data (upd), "old_record");
  g_assert_cmpstr (json_object_get_string_member (old, "name"), ==, "a");
  g_assert_cmpint (json_object_get_int_member (old, "qty"), ==, 5);
  g_assert_cmpint (json_object_get_int_member (json_object_get_object_member (change_data (upd), "record"), "qty"), ==, 6);
  del = ws_wait (ws, "realtime:full", "postgres_changes", NULL, WAIT_MS);
  old = json_object_get_object_member (change_data (del), "old_record");
  g_assert_cmpstr (json_object_get_string_member (change_data (del), "type"), ==, "DELETE");
  g_assert_cmpint (json_object_get_int_member (old, "qty"), ==, 6);
}

static void
test_large_row (void)
{
  g_autoptr(Ws) ws = ws_connect (1, server->service_role_key, FALSE);
  g_autofree char *join_ref = NULL;
  g_autoptr(Msg) m = NULL;
  const char *body;

  sql ("CREATE TABLE public.rt_big (id int PRIMARY KEY, body text);"
       "ALTER PUBLICATION supabase_realtime ADD TABLE public.rt_big");
  join_ref = join_pg (ws, "realtime:big", "[{\"event\":\"INSERT\",\"schema\":\"public\",\"table\":\"rt_big\"}]",
                      server->service_role_key, NULL);
  /* 50 000 characters of incompressible text: far above pg_notify's 8000 bytes. */
  sql ("INSERT INTO public.rt_big SELECT 1, string_agg(md5(i::text), '') FROM generate_series(1, 1563) i");
  m = ws_wait (ws, "realtime:big", "postgres_changes", NULL, WAIT_MS);
  g_assert_nonnull (m);
  body = json_object_get_string_member (json_object_get_object_member (change_data (m), "record"), "body");
  g_assert_cmpuint (strlen (body), ==, 1563 * 32);
  g_assert_true (g_str_has_prefix (body, "c4ca4238a0b923820dcc509a6f75849b"));
}

static void
test_publication_change (void)
{
  g_autoptr(Ws) ws = ws_connect (2, server->service_role_key, FALSE);
  g_autofree char *payload = g_strdup_printf ("{\"config\":{\"postgres_changes\":[{\"event\":\"*\",\"schema\":\"public\","
                                              "\"table\":\"rt_later\"}]},\"access_token\":\"%s\"}",
                                              server->service_role_key);
  g_autofree char *sent = NULL;
  g_autofree char *join_ref = NULL;
  g_autoptr(Msg) reply = NULL, sys = NULL, m = NULL;

  sql ("CREATE TABLE public.rt_later (id int PRIMARY KEY)");
  sent = ws_push (ws, "1", "realtime:later", "phx_join", payload);
  reply = ws_wait (ws, "realtime:later", "phx_reply", sent, WAIT_MS);
  g_assert_cmpstr (reply_status (reply), ==, "ok");
  sys = ws_wait (ws, "realtime:later", "system", NULL, WAIT_MS);
  g_assert_cmpstr (json_object_get_string_member (payload_obj (sys), "status"), ==, "error");
  g_assert_true (g_str_has_prefix (json_object_get_string_member (payload_obj (sys), "message"),
                                   "Unable to subscribe to changes with given parameters."));

  sql ("ALTER PUBLICATION supabase_realtime ADD TABLE public.rt_later");
  join_ref = join_pg (ws, "realtime:later", "[{\"event\":\"*\",\"schema\":\"public\",\"table\":\"rt_later\"}]",
                      server->service_role_key, NULL);
  sql ("INSERT INTO public.rt_later VALUES (7)");
  m = ws_wait (ws, "realtime:later", "postgres_changes", NULL, WAIT_MS);
  g_assert_nonnull (m);
  g_assert_cmpint (json_object_get_int_member (json_object_get_object_member (change_data (m), "record"), "id"), ==, 7);

  /* Dropped from the publication: no more events. */
  sql ("ALTER PUBLICATION supabase_realtime DROP TABLE public.rt_later; INSERT INTO public.rt_later VALUES (8)");
  spin (500);
  g_clear_pointer (&m, msg_free);
  m = ws_wait (ws, "realtime:later", "postgres_changes", NULL, 1);
  g_assert_null (m);
}

static void
test_rls (void)
{
  g_autoptr(Ws) anon = ws_connect (1, server->anon_key, FALSE);
  g_autoptr(Ws) admin = ws_connect (1, server->anon_key, FALSE);
  g_autofree char *r1 = NULL, *r2 = NULL;
  g_autoptr(Msg) a1 = NULL, a2 = NULL, s1 = NULL, s2 = NULL;
  const char *changes = "[{\"event\":\"INSERT\",\"schema\":\"public\",\"table\":\"rt_secret\"}]";

  sql ("CREATE TABLE public.rt_secret (id int PRIMARY KEY, public boolean NOT NULL);"
       "ALTER TABLE public.rt_secret ENABLE ROW LEVEL SECURITY;"
       "CREATE POLICY rt_public ON public.rt_secret FOR SELECT TO anon USING (public);"
       "GRANT SELECT ON public.rt_secret TO anon;"
       "ALTER PUBLICATION supabase_realtime ADD TABLE public.rt_secret");
  /* The anon socket's channel uses the anon key; the other one a service token. */
  r1 = join_pg (anon, "realtime:secret", changes, server->anon_key, NULL);
  r2 = join_pg (admin, "realtime:secret", changes, server->service_role_key, NULL);
  sql ("INSERT INTO public.rt_secret VALUES (1, false); INSERT INTO public.rt_secret VALUES (2, true)");

  s1 = ws_wait (admin, "realtime:secret", "postgres_changes", NULL, WAIT_MS);
  s2 = ws_wait (admin, "realtime:secret", "postgres_changes", NULL, WAIT_MS);
  g_assert_cmpint (json_object_get_int_member (json_object_get_object_member (change_data (s1), "record"), "id"), ==, 1);
  g_assert_cmpint (json_object_get_int_member (json_object_get_object_member (change_data (s2), "record"), "id"), ==, 2);

  a1 = ws_wait (anon, "realtime:secret", "postgres_changes", NULL, WAIT_MS);
  g_assert_nonnull (a1);
  g_assert_cmpint (json_object_get_int_member (json_object_get_object_member (change_data (a1), "record"), "id"), ==, 2);
  spin (200);
  a2 = ws_wait (anon, "realtime:secret", "postgres_changes", NULL, 1);
  g_assert_null (a2);
}

static void
test_broadcast (void)
{
  g_autoptr(Ws) a = ws_connect (2, server->anon_key, FALSE);
  g_autoptr(Ws) b = ws_connect (2, server->anon_key, FALSE);
  g_autoptr(Ws) c = ws_connect (1, server->anon_key, FALSE);
  g_autofree char *ja = join_ok (a, "realtime:room", "{\"broadcast\":{\"ack\":true,\"self\":true}}", server->anon_key);
  g_autofree char *jb = join_ok (b, "realtime:room", "{\"broadcast\":{\"ack\":false,\"self\":false}}", server->anon_key);
  g_autofree char *jc = join_ok (c, "realtime:room", "{}", server->anon_key);

  g_assert_nonnull (jc);
  g_autofree char *sent = ws_push (a, ja, "realtime:room", "broadcast",
                                   "{\"type\":\"broadcast\",\"event\":\"cursor\",\"payload\":{\"x\":1}}");
  g_autoptr(Msg) ack = ws_wait (a, "realtime:room", "phx_reply", sent, WAIT_MS);
  g_autoptr(Msg) own = ws_wait (a, "realtime:room", "broadcast", NULL, WAIT_MS);
  g_autoptr(Msg) got_b = ws_wait (b, "realtime:room", "broadcast", NULL, WAIT_MS);
  g_autoptr(Msg) got_c = ws_wait (c, "realtime:room", "broadcast", NULL, WAIT_MS);
  g_autoptr(Msg) none = NULL;
  g_autoptr(GBytes) bin = NULL;
  g_autoptr(Msg) from_bin = NULL;
  g_autoptr(SupaTestResponse) rest = NULL;
  g_autoptr(Msg) from_rest = NULL;
  const char * const headers[] = { "apikey", server->anon_key, "Authorization", NULL, NULL };
  g_autofree char *bearer = g_strconcat ("Bearer ", server->anon_key, NULL);
  GByteArray *frame;
  const guint8 *bd;
  gsize blen;

  g_assert_cmpstr (reply_status (ack), ==, "ok");
  g_assert_cmpint (json_object_get_int_member (json_object_get_object_member (payload_obj (own), "payload"), "x"), ==, 1);
  g_assert_cmpstr (json_object_get_string_member (payload_obj (got_b), "event"), ==, "cursor");
  g_assert_null (got_b->ref);
  g_assert_cmpstr (json_object_get_string_member (payload_obj (got_c), "type"), ==, "broadcast");

  /* B does not get its own messages (self: false) and gets no ack. */
  g_clear_pointer (&sent, g_free);
  sent = ws_push (b, jb, "realtime:room", "broadcast", "{\"type\":\"broadcast\",\"event\":\"e2\",\"payload\":{}}");
  g_clear_pointer (&own, msg_free);
  own = ws_wait (a, "realtime:room", "broadcast", NULL, WAIT_MS);
  g_assert_cmpstr (json_object_get_string_member (payload_obj (own), "event"), ==, "e2");
  g_clear_pointer (&got_c, msg_free);
  got_c = ws_wait (c, "realtime:room", "broadcast", NULL, WAIT_MS);
  g_assert_cmpstr (json_object_get_string_member (payload_obj (got_c), "event"), ==, "e2");
  spin (200);
  none = ws_wait (b, "realtime:room", "broadcast", NULL, 1);
  g_assert_null (none);
  g_clear_pointer (&none, msg_free);
  none = ws_wait (b, "realtime:room", "phx_reply", sent, 1);
  g_assert_null (none);

  /* V2 binary user broadcast (kind 3) → kind 4 for V2, JSON for V1. */
  frame = g_byte_array_new ();
  {
    const char *payload = "{\"n\":42}";
    guint8 header[7] = { 3, (guint8) strlen (jb), 2, (guint8) strlen ("realtime:room"), 4, 0, 1 };

    g_byte_array_append (frame, header, 7);
    g_byte_array_append (frame, (const guint8 *) jb, strlen (jb));
    g_byte_array_append (frame, (const guint8 *) "77", 2);
    g_byte_array_append (frame, (const guint8 *) "realtime:room", 13);
    g_byte_array_append (frame, (const guint8 *) "ping", 4);
    g_byte_array_append (frame, (const guint8 *) payload, strlen (payload));
  }
  soup_websocket_connection_send_binary (b->conn, frame->data, frame->len);
  g_byte_array_unref (frame);
  bin = ws_wait_binary (a, WAIT_MS);
  g_assert_nonnull (bin);
  bd = g_bytes_get_data (bin, &blen);
  g_assert_cmpuint (bd[0], ==, 4);
  g_assert_cmpuint (bd[1], ==, 13);
  g_assert_cmpuint (bd[2], ==, 4);
  g_assert_cmpuint (bd[4], ==, 1);
  g_assert_cmpmem (bd + 5, 13, "realtime:room", 13);
  g_assert_cmpmem (bd + 18, 4, "ping", 4);
  g_assert_cmpmem (bd + 22 + bd[3], blen - 22 - bd[3], "{\"n\":42}", 8);
  from_bin = ws_wait (c, "realtime:room", "broadcast", NULL, WAIT_MS);
  g_assert_cmpstr (json_object_get_string_member (payload_obj (from_bin), "event"), ==, "ping");
  g_assert_cmpint (json_object_get_int_member (json_object_get_object_member (payload_obj (from_bin), "payload"), "n"), ==, 42);

  /* REST broadcast. */
  ((const char **) headers)[3] = bearer;
  rest = supa_test_request (server, "POST", "/realtime/v1/api/broadcast", headers, "application/json",
                            "{\"messages\":[{\"topic\":\"room\",\"event\":\"rest\",\"payload\":{\"ok\":true},\"private\":false}]}", -1);
  g_assert_cmpuint (rest->status, ==, 202);
  from_rest = ws_wait (c, "realtime:room", "broadcast", NULL, WAIT_MS);
  g_assert_cmpstr (json_object_get_string_member (payload_obj (from_rest), "event"), ==, "rest");
}

static void
test_presence (void)
{
  g_autoptr(Ws) a = ws_connect (1, server->anon_key, FALSE);
  g_autoptr(Ws) b = ws_connect (2, server->anon_key, FALSE);
  g_autofree char *ja = join_ok (a, "realtime:lobby", "{\"presence\":{\"key\":\"alice\",\"enabled\":true}}", server->anon_key);
  g_autoptr(Msg) state_a = ws_wait (a, "realtime:lobby", "presence_state", NULL, WAIT_MS);
  g_autofree char *track = ws_push (a, ja, "realtime:lobby", "presence",
                                    "{\"type\":\"presence\",\"event\":\"track\",\"payload\":{\"user\":\"alice\"}}");
  g_autoptr(Msg) track_reply = ws_wait (a, "realtime:lobby", "phx_reply", track, WAIT_MS);
  g_autoptr(Msg) diff_a = ws_wait (a, "realtime:lobby", "presence_diff", NULL, WAIT_MS);
  g_autofree char *jb = NULL;
  g_autoptr(Msg) state_b = NULL, leave_diff = NULL;
  JsonObject *metas_owner, *meta;
  g_autofree char *leave = NULL;
  g_autoptr(Msg) leave_reply = NULL, close_msg = NULL;

  g_assert_cmpuint (json_object_get_size (payload_obj (state_a)), ==, 0);
  g_assert_cmpstr (reply_status (track_reply), ==, "ok");
  metas_owner = json_object_get_object_member (json_object_get_object_member (payload_obj (diff_a), "joins"), "alice");
  meta = json_array_get_object_element (json_object_get_array_member (metas_owner, "metas"), 0);
  g_assert_cmpstr (json_object_get_string_member (meta, "user"), ==, "alice");
  g_assert_nonnull (json_object_get_string_member (meta, "phx_ref"));

  jb = join_ok (b, "realtime:lobby", "{\"presence\":{\"key\":\"bob\",\"enabled\":true}}", server->anon_key);
  state_b = ws_wait (b, "realtime:lobby", "presence_state", NULL, WAIT_MS);
  g_assert_true (json_object_has_member (payload_obj (state_b), "alice"));
  g_assert_cmpstr (state_b->join_ref, ==, jb);

  /* A leaves: ok reply, phx_close, and B sees alice leave. */
  leave = ws_push (a, ja, "realtime:lobby", "phx_leave", "{}");
  leave_reply = ws_wait (a, "realtime:lobby", "phx_reply", leave, WAIT_MS);
  g_assert_cmpstr (reply_status (leave_reply), ==, "ok");
  close_msg = ws_wait (a, "realtime:lobby", "phx_close", NULL, WAIT_MS);
  g_assert_nonnull (close_msg);
  g_assert_cmpstr (close_msg->ref, ==, ja);
  leave_diff = ws_wait (b, "realtime:lobby", "presence_diff", NULL, WAIT_MS);
  g_assert_true (json_object_has_member (json_object_get_object_member (payload_obj (leave_diff), "leaves"), "alice"));
}

static void
test_access_token_invalid (void)
{
  g_autoptr(Ws) ws = ws_connect (2, server->anon_key, FALSE);
  g_autofree char *jr = join_ok (ws, "realtime:tok", "{}", server->anon_key);
  g_autofree char *sent = ws_push (ws, jr, "realtime:tok", "access_token", "{\"access_token\":\"garbage\"}");
  g_autoptr(Msg) sys = ws_wait (ws, "realtime:tok", "system", NULL, WAIT_MS);
  g_autoptr(Msg) closed = ws_wait (ws, "realtime:tok", "phx_close", NULL, WAIT_MS);

  g_assert_nonnull (sent);
  g_assert_nonnull (sys);
  g_assert_cmpstr (json_object_get_string_member (payload_obj (sys), "status"), ==, "error");
  g_assert_cmpstr (json_object_get_string_member (payload_obj (sys), "extension"), ==, "system");
  g_assert_cmpstr (json_object_get_string_member (payload_obj (sys), "message"), ==,
                   "The token provided is not a valid JWT");
  g_assert_cmpstr (json_object_get_string_member (payload_obj (sys), "channel"), ==, "tok");
  g_assert_nonnull (closed);
  g_assert_cmpstr (closed->join_ref, ==, jr);
}

static void
test_duplicate_join (void)
{
  g_autoptr(Ws) ws = ws_connect (2, server->anon_key, FALSE);
  g_autofree char *first = join_ok (ws, "realtime:dup", "{}", server->anon_key);
  g_autofree char *second = join_ok (ws, "realtime:dup", "{}", server->anon_key);
  g_autoptr(Msg) closed = ws_wait (ws, "realtime:dup", "phx_close", NULL, WAIT_MS);

  g_assert_nonnull (closed);
  g_assert_cmpstr (closed->join_ref, ==, first);
  g_assert_cmpstr (second, !=, first);
}

static void
test_burst (void)
{
  g_autoptr(Ws) ws = ws_connect (2, server->service_role_key, FALSE);
  g_autofree char *jr = NULL;
  const int n = 10000;
  gboolean timed_out = FALSE;
  guint timer;
  int next = 1;

  sql ("CREATE TABLE public.rt_burst (id int PRIMARY KEY, v text);"
       "ALTER PUBLICATION supabase_realtime ADD TABLE public.rt_burst");
  jr = join_pg (ws, "realtime:burst", "[{\"event\":\"INSERT\",\"schema\":\"public\",\"table\":\"rt_burst\"}]",
                server->service_role_key, NULL);
  sql ("INSERT INTO public.rt_burst SELECT i, 'row ' || i FROM generate_series(1, 5000) i");
  sql ("INSERT INTO public.rt_burst SELECT i, 'row ' || i FROM generate_series(5001, 10000) i");

  timer = g_timeout_add (120000, timeout_cb, &timed_out);
  while (next <= n && !timed_out)
    {
      Msg *m = g_queue_pop_head (&ws->inbox);

      if (m == NULL)
        {
          g_main_context_iteration (NULL, TRUE);
          continue;
        }
      if (g_strcmp0 (m->event, "postgres_changes") == 0)
        {
          gint64 id = json_object_get_int_member (json_object_get_object_member (change_data (m), "record"), "id");
          g_assert_cmpint (id, ==, next);
          next++;
        }
      msg_free (m);
    }
  g_assert_false (timed_out);
  g_source_remove (timer);
  g_assert_cmpint (next, ==, n + 1);
}

int
main (int    argc,
      char **argv)
{
  int ret;

  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  server = supa_test_server_start ("empty", NULL);
  /* Loopback only: never consult the desktop proxy settings. */
  ws_session = soup_session_new_with_options ("proxy-resolver", NULL, NULL);

  g_test_add_func ("/realtime/handshake-errors", test_handshake_errors);
  g_test_add_data_func ("/realtime/join-heartbeat/v1", GINT_TO_POINTER (1), test_join_heartbeat);
  g_test_add_data_func ("/realtime/join-heartbeat/v2", GINT_TO_POINTER (2), test_join_heartbeat);
  g_test_add_func ("/realtime/join-expired-token", test_join_expired_token);
  g_test_add_func ("/realtime/duplicate-join", test_duplicate_join);
  g_test_add_data_func ("/realtime/postgres-changes/v1", GINT_TO_POINTER (1), test_postgres_changes);
  g_test_add_data_func ("/realtime/postgres-changes/v2", GINT_TO_POINTER (2), test_postgres_changes);
  g_test_add_func ("/realtime/replica-identity-full", test_replica_identity_full);
  g_test_add_func ("/realtime/large-row", test_large_row);
  g_test_add_func ("/realtime/publication-change", test_publication_change);
  g_test_add_func ("/realtime/rls", test_rls);
  g_test_add_func ("/realtime/broadcast", test_broadcast);
  g_test_add_func ("/realtime/presence-leave", test_presence);
  g_test_add_func ("/realtime/access-token-invalid", test_access_token_invalid);
  g_test_add_func ("/realtime/burst", test_burst);

  ret = g_test_run ();

  g_object_unref (ws_session);
  supa_test_server_stop (server);
  return ret;
}
