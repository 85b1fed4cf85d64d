/* sl-realtime.c — Realtime (Phoenix channels over WebSocket) for supabase-local.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Speaks what supabase/realtime speaks (PROTOCOL.md §5): the handshake on
 * /realtime/v1/websocket with the key from `x-api-key` or `?apikey=`,
 * Phoenix serializers 1.0.0 (objects) and 2.0.0 (arrays plus the binary
 * user-broadcast kinds 3 and 4), heartbeats, phx_join with the config
 * object, postgres_changes (sl-realtime-cdc.c), broadcast, presence,
 * access_token refresh, phx_leave, the 60 s idle timeout and the ws-kill
 * fault. Everything here runs on the main thread; database work happens in
 * the change decoder's thread or in GTask threads.
 */

#define G_LOG_DOMAIN "sl-realtime"

#include "config.h"

#include "sl-realtime-private.h"

#include <string.h>

#define WS_PATH            "/realtime/v1/websocket"
#define IDLE_TIMEOUT_S     60
#define MAX_FRAME_BYTES    (5 * 1024 * 1024)

typedef struct _RtSocket  RtSocket;
typedef struct _RtChannel RtChannel;

typedef struct
{
  SlServer   *server;
  SlRtCdc    *cdc;
  GHashTable *sockets;     /* RtSocket* set (owned) */
  GHashTable *channels;    /* guint64* id → RtChannel* (borrowed) */
  GHashTable *topics;      /* topic key → GPtrArray<RtChannel*> (borrowed) */
  GHashTable *presence;    /* topic key → GPtrArray<PresenceMeta*> */
  guint64     next_id;
  guint       tick_id;
  gint64      last_kill;
} SlRealtime;

struct _RtSocket
{
  SlRealtime              *rt;
  SoupWebsocketConnection *conn;
  int                      vsn;
  char                    *apikey;
  GHashTable              *channels;    /* topic → RtChannel* (owned) */
  gint64                   last_inbound;
};

struct _RtChannel
{
  RtSocket     *socket;
  guint64       id;
  char         *topic;          /* realtime:room1 */
  char         *sub_topic;      /* room1 */
  char         *topic_key;      /* public:room1 / private:room1 */
  char         *join_ref;
  gboolean      ack;
  gboolean      self_broadcast;
  gboolean      is_private;
  char         *presence_key;
  char         *access_token;
  char         *role;
  char         *claims_json;
  gboolean      has_pg;
  GCancellable *cancellable;
};

typedef struct
{
  guint64     channel_id;
  char       *key;
  char       *phx_ref;
  char       *phx_ref_prev;
  JsonObject *payload;
} PresenceMeta;

static void
presence_meta_free (gpointer data)
{
  PresenceMeta *m = data;

  g_free (m->key);
  g_free (m->phx_ref);
  g_free (m->phx_ref_prev);
  json_object_unref (m->payload);
  g_free (m);
}

/* ------------------------------------------------------------ helpers */

static guint
binding_id (JsonNode *entry)
{
  g_autofree char *text = sl_rt_node_to_string (entry);
  guint32 h = 2166136261u;

  /* A stable hash of the entry as sent, like :erlang.phash2/1's range. */
  for (const unsigned char *p = (const unsigned char *) text; *p; p++)
    {
      h ^= *p;
      h *= 16777619u;
    }
  return h & ((1u << 27) - 1);
}

static char *
random_ref (void)
{
  guint8 bytes[12];

  for (guint i = 0; i < sizeof bytes; i++)
    bytes[i] = (guint8) g_random_int_range (0, 256);
  {
    g_autofree char *b64 = g_base64_encode (bytes, sizeof bytes);
    return g_strconcat ("F", b64, NULL);
  }
}

/* Claims of a JWT without verifying it (to word an expiry). */
static JsonObject *
peek_claims (const char *token)
{
  const char *dot1 = strchr (token, '.');
  const char *dot2 = dot1 ? strchr (dot1 + 1, '.') : NULL;
  g_autoptr(GString) b64 = NULL;
  g_autofree guchar *raw = NULL;
  g_autofree char *text = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  gsize len;

  if (dot2 == NULL)
    return NULL;
  b64 = g_string_new_len (dot1 + 1, dot2 - dot1 - 1);
  for (gsize i = 0; i < b64->len; i++)
    {
      if (b64->str[i] == '-')
        b64->str[i] = '+';
      else if (b64->str[i] == '_')
        b64->str[i] = '/';
    }
  while (b64->len % 4 != 0)
    g_string_append_c (b64, '=');
  raw = g_base64_decode (b64->str, &len);
  text = g_strndup ((const char *) raw, len);
  if (!json_parser_load_from_data (parser, text, -1, NULL) ||
      !JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    return NULL;
  return json_object_ref (json_node_get_object (json_parser_get_root (parser)));
}

typedef enum
{
  TOKEN_OK,
  TOKEN_MALFORMED,
  TOKEN_SIGNATURE,
  TOKEN_EXPIRED,
  TOKEN_CLAIMS,
} TokenStatus;

/* Verifies @token like Realtime's ChannelsAuthorization.authorize_conn:
 * signature, exp, and the required `role` and `exp` claims. */
static TokenStatus
check_token (SlServer    *server,
             const char  *token,
             JsonObject **claims_out,
             gint64      *expired_ago)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) claims = sl_jwt_verify (server->jwt_secret, token, &error);

  if (claims == NULL)
    {
      if (g_error_matches (error, SL_JWT_ERROR, SL_JWT_ERROR_EXPIRED))
        {
          g_autoptr(JsonObject) peeked = peek_claims (token);
          gint64 exp = peeked ? json_object_get_int_member_with_default (peeked, "exp", 0) : 0;

          if (expired_ago != NULL)
            *expired_ago = g_get_real_time () / G_USEC_PER_SEC - exp;
          return TOKEN_EXPIRED;
        }
      if (g_error_matches (error, SL_JWT_ERROR, SL_JWT_ERROR_SIGNATURE))
        return TOKEN_SIGNATURE;
      if (g_error_matches (error, SL_JWT_ERROR, SL_JWT_ERROR_CLAIMS))
        return TOKEN_CLAIMS;
      return TOKEN_MALFORMED;
    }
  if (!json_object_has_member (claims, "role") || !json_object_has_member (claims, "exp"))
    return TOKEN_CLAIMS;
  if (claims_out != NULL)
    *claims_out = g_steal_pointer (&claims);
  return TOKEN_OK;
}

static char *
object_to_string (JsonObject *obj)
{
  g_autoptr(JsonNode) node = json_node_new (JSON_NODE_OBJECT);

  json_node_set_object (node, obj);
  return sl_rt_node_to_string (node);
}

/* ------------------------------------------------------------ sending */

static void
socket_send_text (RtSocket   *sock,
                  const char *frame)
{
  if (sock->conn != NULL &&
      soup_websocket_connection_get_state (sock->conn) == SOUP_WEBSOCKET_STATE_OPEN)
    soup_websocket_connection_send_text (sock->conn, frame);
}

static void
socket_push (RtSocket   *sock,
             const char *join_ref,
             const char *ref,
             const char *topic,
             const char *event,
             const char *payload_json)
{
  g_autofree char *frame = sl_rt_encode_frame (sock->vsn, join_ref, ref, topic, event, payload_json);

  socket_send_text (sock, frame);
}

static void
socket_reply (RtSocket   *sock,
              const char *join_ref,
              const char *ref,
              const char *topic,
              const char *status,
              const char *response_json)
{
  g_autofree char *payload = NULL;
  GString *s = g_string_new ("{\"status\":");

  sl_rt_append_json_string (s, status);
  g_string_append (s, ",\"response\":");
  g_string_append (s, response_json);
  g_string_append_c (s, '}');
  payload = g_string_free (s, FALSE);
  socket_push (sock, join_ref, ref, topic, "phx_reply", payload);
}

static void
reply_error_reason (RtSocket   *sock,
                    const char *join_ref,
                    const char *ref,
                    const char *topic,
                    const char *reason)
{
  g_autoptr(GString) s = g_string_new ("{\"reason\":");

  sl_rt_append_json_string (s, reason);
  g_string_append_c (s, '}');
  socket_reply (sock, join_ref, ref, topic, "error", s->str);
}

static void
channel_push_system (RtChannel  *ch,
                     const char *extension,
                     const char *status,
                     const char *message)
{
  g_autoptr(GString) s = g_string_new ("{\"channel\":");

  sl_rt_append_json_string (s, ch->sub_topic);
  g_string_append (s, ",\"extension\":");
  sl_rt_append_json_string (s, extension);
  g_string_append (s, ",\"message\":");
  sl_rt_append_json_string (s, message);
  g_string_append (s, ",\"status\":");
  sl_rt_append_json_string (s, status);
  g_string_append_c (s, '}');
  socket_push (ch->socket, ch->join_ref, NULL, ch->topic, "system", s->str);
}

/* ----------------------------------------------------------- presence */

static GPtrArray *
topic_presence (SlRealtime *rt,
                const char *topic_key)
{
  GPtrArray *metas = g_hash_table_lookup (rt->presence, topic_key);

  if (metas == NULL)
    {
      metas = g_ptr_array_new_with_free_func (presence_meta_free);
      g_hash_table_insert (rt->presence, g_strdup (topic_key), metas);
    }
  return metas;
}

static void
append_meta (GString      *s,
             PresenceMeta *m)
{
  g_autoptr(JsonObject) obj = json_object_new ();
  g_autofree char *text = NULL;
  GList *members = json_object_get_members (m->payload);

  for (GList *l = members; l != NULL; l = l->next)
    json_object_set_member (obj, l->data,
                            json_node_copy (json_object_get_member (m->payload, l->data)));
  g_list_free (members);
  json_object_set_string_member (obj, "phx_ref", m->phx_ref);
  if (m->phx_ref_prev != NULL)
    json_object_set_string_member (obj, "phx_ref_prev", m->phx_ref_prev);
  text = object_to_string (obj);
  g_string_append (s, text);
}

/* {key: {metas: [...]}, …} for @metas (grouped by key, in order). */
static char *
presence_group (GPtrArray *metas)
{
  g_autoptr(GPtrArray) keys = g_ptr_array_new ();
  GString *s = g_string_new ("{");

  for (guint i = 0; i < metas->len; i++)
    {
      PresenceMeta *m = g_ptr_array_index (metas, i);
      gboolean seen = FALSE;

      for (guint k = 0; k < keys->len && !seen; k++)
        seen = g_strcmp0 (g_ptr_array_index (keys, k), m->key) == 0;
      if (!seen)
        g_ptr_array_add (keys, m->key);
    }
  for (guint k = 0; k < keys->len; k++)
    {
      const char *key = g_ptr_array_index (keys, k);
      gboolean first = TRUE;

      if (k > 0)
        g_string_append_c (s, ',');
      sl_rt_append_json_string (s, key);
      g_string_append (s, ":{\"metas\":[");
      for (guint i = 0; i < metas->len; i++)
        {
          PresenceMeta *m = g_ptr_array_index (metas, i);

          if (g_strcmp0 (m->key, key) != 0)
            continue;
          if (!first)
            g_string_append_c (s, ',');
          first = FALSE;
          append_meta (s, m);
        }
      g_string_append (s, "]}");
    }
  g_string_append_c (s, '}');
  return g_string_free (s, FALSE);
}

static void
broadcast_presence_diff (SlRealtime *rt,
                         const char *topic_key,
                         GPtrArray  *joins,
                         GPtrArray  *leaves)
{
  GPtrArray *chans = g_hash_table_lookup (rt->topics, topic_key);
  g_autofree char *j = presence_group (joins);
  g_autofree char *l = presence_group (leaves);
  g_autofree char *payload = g_strdup_printf ("{\"joins\":%s,\"leaves\":%s}", j, l);

  for (guint i = 0; chans != NULL && i < chans->len; i++)
    {
      RtChannel *ch = g_ptr_array_index (chans, i);
      socket_push (ch->socket, NULL, NULL, ch->topic, "presence_diff", payload);
    }
}

/* Removes @ch's metas from its topic; announces the leaves. */
static void
presence_untrack (RtChannel *ch)
{
  SlRealtime *rt = ch->socket->rt;
  GPtrArray *metas = g_hash_table_lookup (rt->presence, ch->topic_key);
  g_autoptr(GPtrArray) leaves = g_ptr_array_new_with_free_func (presence_meta_free);

  if (metas == NULL)
    return;
  for (guint i = 0; i < metas->len;)
    {
      PresenceMeta *m = g_ptr_array_index (metas, i);

      if (m->channel_id == ch->id)
        g_ptr_array_add (leaves, g_ptr_array_steal_index (metas, i));
      else
        i++;
    }
  if (leaves->len > 0)
    {
      g_autoptr(GPtrArray) none = g_ptr_array_new ();
      broadcast_presence_diff (rt, ch->topic_key, none, leaves);
    }
}

static const char *
presence_track (RtChannel  *ch,
                JsonNode   *payload)
{
  SlRealtime *rt = ch->socket->rt;
  GPtrArray *metas = topic_presence (rt, ch->topic_key);
  g_autoptr(GPtrArray) joins = g_ptr_array_new ();
  g_autoptr(GPtrArray) leaves = g_ptr_array_new_with_free_func (presence_meta_free);
  PresenceMeta *old = NULL, *m;
  guint old_index = 0;

  if (payload == NULL)
    {
      g_autoptr(JsonNode) empty = json_node_new (JSON_NODE_OBJECT);
      json_node_take_object (empty, json_object_new ());
      return presence_track (ch, empty);
    }
  if (!JSON_NODE_HOLDS_OBJECT (payload))
    return "Presence track payload must be a map";

  for (guint i = 0; i < metas->len; i++)
    {
      PresenceMeta *x = g_ptr_array_index (metas, i);
      if (x->channel_id == ch->id)
        {
          old = x;
          old_index = i;
        }
    }
  if (old != NULL)
    {
      g_autoptr(JsonNode) old_node = json_node_new (JSON_NODE_OBJECT);

      json_node_set_object (old_node, old->payload);
      if (json_node_equal (payload, old_node))
        return NULL;   /* unchanged: no-op */
    }

  m = g_new0 (PresenceMeta, 1);
  m->channel_id = ch->id;
  m->key = g_strdup (ch->presence_key);
  m->phx_ref = random_ref ();
  m->payload = json_object_ref (json_node_get_object (payload));
  if (old != NULL)
    {
      m->phx_ref_prev = g_strdup (old->phx_ref);
      g_ptr_array_add (leaves, g_ptr_array_steal_index (metas, old_index));
    }
  g_ptr_array_add (metas, m);
  g_ptr_array_add (joins, m);
  broadcast_presence_diff (rt, ch->topic_key, joins, leaves);
  return NULL;
}

/* ----------------------------------------------------------- channels */

static void
channel_free (gpointer data)
{
  RtChannel *ch = data;

  g_cancellable_cancel (ch->cancellable);
  g_clear_object (&ch->cancellable);
  g_free (ch->topic);
  g_free (ch->sub_topic);
  g_free (ch->topic_key);
  g_free (ch->join_ref);
  g_free (ch->presence_key);
  g_free (ch->access_token);
  g_free (ch->role);
  g_free (ch->claims_json);
  g_free (ch);
}

/* Detaches @ch from every registry; the socket's table still owns it. */
static void
channel_detach (RtChannel *ch)
{
  SlRealtime *rt = ch->socket->rt;
  GPtrArray *chans = g_hash_table_lookup (rt->topics, ch->topic_key);

  g_cancellable_cancel (ch->cancellable);
  if (ch->has_pg)
    sl_rt_cdc_unsubscribe (rt->cdc, ch->id);
  g_hash_table_remove (rt->channels, &ch->id);
  if (chans != NULL)
    {
      g_ptr_array_remove (chans, ch);
      if (chans->len == 0)
        g_hash_table_remove (rt->topics, ch->topic_key);
    }
  presence_untrack (ch);
}

static void
channel_close (RtChannel *ch,
               gboolean   send_close)
{
  RtSocket *sock = ch->socket;

  channel_detach (ch);
  if (send_close)
    socket_push (sock, ch->join_ref, ch->join_ref, ch->topic, "phx_close", "{}");
  g_hash_table_remove (sock->channels, ch->topic);
}

typedef struct
{
  SlRealtime *rt;
  guint64     channel_id;
} SubscribeCtx;

static void
subscribe_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autofree SubscribeCtx *ctx = user_data;
  g_autoptr(GError) error = NULL;
  RtChannel *ch;
  gboolean ok;

  if (g_task_had_error (G_TASK (result)) &&
      g_cancellable_is_cancelled (g_task_get_cancellable (G_TASK (result))))
    {
      g_autoptr(GError) ignored = NULL;
      g_task_propagate_boolean (G_TASK (result), &ignored);
      return;
    }
  ch = g_hash_table_lookup (ctx->rt->channels, &ctx->channel_id);
  if (ch == NULL)
    {
      /* The channel went away meanwhile: do not activate it. */
      g_autoptr(GError) ignored = NULL;
      g_task_propagate_boolean (G_TASK (result), &ignored);
      return;
    }
  ok = sl_rt_cdc_subscribe_finish (ctx->rt->cdc, result, &error);
  if (ok)
    channel_push_system (ch, "postgres_changes", "ok", "Subscribed to PostgreSQL");
  else
    channel_push_system (ch, "postgres_changes", "error", error->message);
}

static char *
token_error_text (TokenStatus status,
                  gint64      ago,
                  gboolean    for_join)
{
  switch (status)
    {
    case TOKEN_EXPIRED:
      return g_strdup_printf ("%sToken has expired %" G_GINT64_FORMAT " seconds ago",
                              for_join ? "InvalidJWTToken: " : "", ago);
    case TOKEN_CLAIMS:
      return g_strdup_printf ("%sFields `role` and `exp` are required in JWT",
                              for_join ? "InvalidJWTToken: " : "");
    case TOKEN_SIGNATURE:
      return g_strdup (for_join ? "JwtSignatureError: Failed to validate JWT signature" : ":signature_error");
    case TOKEN_MALFORMED:
      return g_strdup_printf ("%sThe token provided is not a valid JWT",
                              for_join ? "MalformedJWT: " : "");
    case TOKEN_OK:
    default:
      return NULL;
    }
}

static gboolean
config_bool (JsonObject *config,
             const char *section,
             const char *member)
{
  JsonNode *node;

  if (config == NULL || !json_object_has_member (config, section))
    return FALSE;
  node = json_object_get_member (config, section);
  if (!JSON_NODE_HOLDS_OBJECT (node))
    return FALSE;
  node = json_object_get_member (json_node_get_object (node), member);
  return node != NULL && JSON_NODE_HOLDS_VALUE (node) &&
         json_node_get_value_type (node) == G_TYPE_BOOLEAN && json_node_get_boolean (node);
}

static void
handle_join (RtSocket   *sock,
             const char *join_ref,
             const char *ref,
             const char *topic,
             JsonNode   *payload)
{
  SlRealtime *rt = sock->rt;
  JsonObject *params = payload && JSON_NODE_HOLDS_OBJECT (payload) ? json_node_get_object (payload) : NULL;
  JsonObject *config = NULL;
  const char *token = NULL;
  g_autoptr(JsonObject) claims = NULL;
  g_autoptr(JsonArray) pg_changes = json_array_new ();
  g_autoptr(GArray) ids = g_array_new (FALSE, FALSE, sizeof (guint));
  GString *response;
  RtChannel *ch, *old;
  TokenStatus status;
  gint64 ago = 0;
  GPtrArray *chans;

  /* Joining an already joined topic closes the old incarnation. */
  old = g_hash_table_lookup (sock->channels, topic);
  if (old != NULL)
    channel_close (old, TRUE);

  if (strcmp (topic, "realtime:") == 0)
    {
      reply_error_reason (sock, join_ref, ref, topic, "TopicNameRequired: You must provide a topic name");
      return;
    }

  if (params != NULL)
    {
      JsonNode *c = json_object_get_member (params, "config");
      JsonNode *t = json_object_get_member (params, "access_token");

      if (t == NULL || JSON_NODE_HOLDS_NULL (t))
        t = json_object_get_member (params, "user_token");
      if (c != NULL && JSON_NODE_HOLDS_OBJECT (c))
        config = json_node_get_object (c);
      if (t != NULL && JSON_NODE_HOLDS_VALUE (t) && json_node_get_value_type (t) == G_TYPE_STRING)
        token = json_node_get_string (t);
    }
  if (token == NULL || g_str_has_prefix (token, "sb_"))
    token = sock->apikey;

  status = check_token (rt->server, token, &claims, &ago);
  if (status != TOKEN_OK)
    {
      g_autofree char *reason = token_error_text (status, ago, TRUE);
      reply_error_reason (sock, join_ref, ref, topic, reason);
      return;
    }

  ch = g_new0 (RtChannel, 1);
  ch->socket = sock;
  ch->id = ++rt->next_id;
  ch->topic = g_strdup (topic);
  ch->sub_topic = g_strdup (topic + strlen ("realtime:"));
  ch->join_ref = g_strdup (join_ref != NULL ? join_ref : ref);
  ch->ack = config_bool (config, "broadcast", "ack");
  ch->self_broadcast = config_bool (config, "broadcast", "self");
  ch->is_private = config != NULL && json_object_get_boolean_member_with_default (config, "private", FALSE);
  ch->topic_key = g_strconcat (ch->is_private ? "private:" : "public:", ch->sub_topic, NULL);
  ch->access_token = g_strdup (token);
  ch->role = g_strdup (json_object_get_string_member_with_default (claims, "role", "anon"));
  ch->claims_json = object_to_string (claims);
  ch->cancellable = g_cancellable_new ();
  {
    JsonNode *pn = config ? json_object_get_member (config, "presence") : NULL;
    const char *key = NULL;

    if (pn != NULL && JSON_NODE_HOLDS_OBJECT (pn))
      key = json_object_get_string_member_with_default (json_node_get_object (pn), "key", NULL);
    ch->presence_key = key != NULL && *key ? g_strdup (key) : g_uuid_string_random ();
  }

  /* Reply: the postgres_changes entries as sent, each with its id. */
  response = g_string_new ("{\"postgres_changes\":[");
  if (config != NULL && json_object_has_member (config, "postgres_changes") &&
      JSON_NODE_HOLDS_ARRAY (json_object_get_member (config, "postgres_changes")))
    {
      JsonArray *entries = json_object_get_array_member (config, "postgres_changes");

      for (guint i = 0; i < json_array_get_length (entries); i++)
        {
          JsonNode *entry = json_array_get_element (entries, i);
          g_autoptr(JsonObject) echo = NULL;
          g_autofree char *text = NULL;
          guint id;
          GList *members;

          if (!JSON_NODE_HOLDS_OBJECT (entry))
            continue;
          id = binding_id (entry);
          echo = json_object_new ();
          members = json_object_get_members (json_node_get_object (entry));
          for (GList *l = members; l != NULL; l = l->next)
            json_object_set_member (echo, l->data,
                                    json_node_copy (json_object_get_member (json_node_get_object (entry), l->data)));
          g_list_free (members);
          json_object_set_int_member (echo, "id", id);
          text = object_to_string (echo);
          if (ids->len > 0)
            g_string_append_c (response, ',');
          g_string_append (response, text);
          g_array_append_val (ids, id);
          json_array_add_element (pg_changes, json_node_copy (entry));
        }
    }
  g_string_append (response, "]}");

  g_hash_table_insert (sock->channels, ch->topic, ch);
  g_hash_table_insert (rt->channels, &ch->id, ch);
  chans = g_hash_table_lookup (rt->topics, ch->topic_key);
  if (chans == NULL)
    {
      chans = g_ptr_array_new ();
      g_hash_table_insert (rt->topics, g_strdup (ch->topic_key), chans);
    }
  g_ptr_array_add (chans, ch);

  socket_reply (sock, ch->join_ref, ref, topic, "ok", response->str);
  g_string_free (response, TRUE);

  if (config_bool (config, "presence", "enabled"))
    {
      g_autofree char *state = presence_group (topic_presence (rt, ch->topic_key));
      socket_push (sock, ch->join_ref, NULL, topic, "presence_state", state);
    }

  if (ids->len > 0)
    {
      SubscribeCtx *ctx = g_new0 (SubscribeCtx, 1);

      ctx->rt = rt;
      ctx->channel_id = ch->id;
      ch->has_pg = TRUE;
      sl_rt_cdc_subscribe_async (rt->cdc, ch->id, sock->vsn, ch->topic, pg_changes,
                                 (const guint *) ids->data, ch->role, ch->claims_json,
                                 ch->cancellable, subscribe_cb, ctx);
    }
}

/* Fan-out of a broadcast to the channels of @topic_key. @from is skipped
 * unless it asked for its own messages. Binary payloads (V2 kind 3) go to
 * V2 sockets as kind 4 and, when JSON, to V1 sockets as JSON. */
static void
fan_out_broadcast (SlRealtime *rt,
                   const char *topic_key,
                   RtChannel  *from,
                   const char *user_event,
                   const char *json_payload,    /* the whole {type,event,payload} */
                   GBytes     *binary_payload,
                   gboolean    binary_is_json)
{
  GPtrArray *chans = g_hash_table_lookup (rt->topics, topic_key);
  g_autoptr(GPtrArray) targets = g_ptr_array_new ();

  if (chans == NULL)
    return;
  g_ptr_array_extend (targets, chans, NULL, NULL);
  for (guint i = 0; i < targets->len; i++)
    {
      RtChannel *ch = g_ptr_array_index (targets, i);

      if (ch == from && !ch->self_broadcast)
        continue;
      if (binary_payload == NULL)
        {
          socket_push (ch->socket, NULL, NULL, ch->topic, "broadcast", json_payload);
        }
      else if (ch->socket->vsn == 2)
        {
          gsize plen;
          const guint8 *pdata = g_bytes_get_data (binary_payload, &plen);
          gsize tlen = strlen (ch->topic), elen = strlen (user_event);
          g_autoptr(GByteArray) frame = g_byte_array_sized_new (5 + tlen + elen + plen);
          guint8 header[5] = { 4, (guint8) tlen, (guint8) elen, 0, binary_is_json ? 1 : 0 };

          if (tlen > 255 || elen > 255)
            continue;
          g_byte_array_append (frame, header, 5);
          g_byte_array_append (frame, (const guint8 *) ch->topic, tlen);
          g_byte_array_append (frame, (const guint8 *) user_event, elen);
          g_byte_array_append (frame, pdata, plen);
          if (soup_websocket_connection_get_state (ch->socket->conn) == SOUP_WEBSOCKET_STATE_OPEN)
            soup_websocket_connection_send_binary (ch->socket->conn, frame->data, frame->len);
        }
      else if (binary_is_json)
        {
          gsize plen;
          const char *pdata = g_bytes_get_data (binary_payload, &plen);
          g_autoptr(GString) s = g_string_new ("{\"event\":");

          sl_rt_append_json_string (s, user_event);
          g_string_append (s, ",\"payload\":");
          g_string_append_len (s, pdata, plen);
          g_string_append (s, ",\"type\":\"broadcast\"}");
          socket_push (ch->socket, NULL, NULL, ch->topic, "broadcast", s->str);
        }
    }
}

static void
handle_access_token (RtChannel *ch,
                     JsonNode  *payload)
{
  JsonObject *obj = payload && JSON_NODE_HOLDS_OBJECT (payload) ? json_node_get_object (payload) : NULL;
  JsonNode *t = obj ? json_object_get_member (obj, "access_token") : NULL;
  g_autoptr(JsonObject) claims = NULL;
  const char *token;
  TokenStatus status;
  gint64 ago = 0;

  if (t == NULL || !JSON_NODE_HOLDS_VALUE (t) || json_node_get_value_type (t) != G_TYPE_STRING)
    return;
  token = json_node_get_string (t);
  if (g_str_has_prefix (token, "sb_") || g_strcmp0 (token, ch->access_token) == 0)
    return;

  status = check_token (ch->socket->rt->server, token, &claims, &ago);
  if (status != TOKEN_OK)
    {
      g_autofree char *message = token_error_text (status, ago, FALSE);

      channel_push_system (ch, "system", "error", message);
      channel_close (ch, TRUE);
      return;
    }
  g_free (ch->access_token);
  ch->access_token = g_strdup (token);
  g_free (ch->role);
  ch->role = g_strdup (json_object_get_string_member_with_default (claims, "role", "anon"));
  g_free (ch->claims_json);
  ch->claims_json = object_to_string (claims);
  if (ch->has_pg)
    sl_rt_cdc_update_claims (ch->socket->rt->cdc, ch->id, ch->role, ch->claims_json);
}

static void
handle_message (RtSocket   *sock,
                const char *join_ref,
                const char *ref,
                const char *topic,
                const char *event,
                JsonNode   *payload)
{
  RtChannel *ch;

  if (g_strcmp0 (topic, "phoenix") == 0 && g_strcmp0 (event, "heartbeat") == 0)
    {
      socket_reply (sock, NULL, ref, "phoenix", "ok", "{}");
      return;
    }
  if (g_strcmp0 (event, "phx_join") == 0)
    {
      if (!g_str_has_prefix (topic, "realtime:"))
        reply_error_reason (sock, join_ref, ref, topic, "unmatched topic");
      else
        handle_join (sock, join_ref, ref, topic, payload);
      return;
    }

  ch = g_hash_table_lookup (sock->channels, topic);
  if (ch == NULL || (join_ref != NULL && g_strcmp0 (join_ref, ch->join_ref) != 0))
    {
      /* Phoenix answers pushes to channels it does not know. */
      if (ref != NULL)
        reply_error_reason (sock, join_ref, ref, topic, "unmatched topic");
      return;
    }

  if (g_strcmp0 (event, "phx_leave") == 0)
    {
      socket_reply (sock, ch->join_ref, ref, topic, "ok", "{}");
      channel_close (ch, TRUE);
    }
  else if (g_strcmp0 (event, "broadcast") == 0)
    {
      g_autofree char *text = payload ? sl_rt_node_to_string (payload) : g_strdup ("{}");
      const char *user_event = "";

      if (payload != NULL && JSON_NODE_HOLDS_OBJECT (payload))
        user_event = json_object_get_string_member_with_default (json_node_get_object (payload), "event", "");
      fan_out_broadcast (sock->rt, ch->topic_key, ch, user_event, text, NULL, FALSE);
      if (ch->ack)
        socket_reply (sock, ch->join_ref, ref, topic, "ok", "{}");
    }
  else if (g_strcmp0 (event, "presence") == 0)
    {
      JsonObject *obj = payload && JSON_NODE_HOLDS_OBJECT (payload) ? json_node_get_object (payload) : NULL;
      const char *what = obj ? json_object_get_string_member_with_default (obj, "event", "") : "";
      g_autofree char *lower = g_ascii_strdown (what, -1);

      if (g_strcmp0 (lower, "track") == 0)
        {
          const char *err;

          /* Reply before the diff reaches anyone, as realtime-js expects. */
          err = NULL;
          if (json_object_has_member (obj, "payload") &&
              !JSON_NODE_HOLDS_OBJECT (json_object_get_member (obj, "payload")))
            err = "Presence track payload must be a map";
          if (err != NULL)
            {
              reply_error_reason (sock, ch->join_ref, ref, topic, err);
              return;
            }
          socket_reply (sock, ch->join_ref, ref, topic, "ok", "{}");
          presence_track (ch, json_object_get_member (obj, "payload"));
        }
      else if (g_strcmp0 (lower, "untrack") == 0)
        {
          socket_reply (sock, ch->join_ref, ref, topic, "ok", "{}");
          presence_untrack (ch);
        }
      else
        socket_reply (sock, ch->join_ref, ref, topic, "error", "{}");
    }
  else if (g_strcmp0 (event, "access_token") == 0)
    {
      handle_access_token (ch, payload);
    }
  /* Anything else is ignored, as Realtime does. */
}

static const char *
node_string_or_null (JsonNode *node)
{
  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (node);
}

static void
handle_text (RtSocket   *sock,
             const char *text,
             gsize       len)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonNode *root;

  if (!json_parser_load_from_data (parser, text, len, NULL))
    return;
  root = json_parser_get_root (parser);
  if (sock->vsn == 2 && JSON_NODE_HOLDS_ARRAY (root))
    {
      JsonArray *a = json_node_get_array (root);

      if (json_array_get_length (a) < 5)
        return;
      handle_message (sock,
                      node_string_or_null (json_array_get_element (a, 0)),
                      node_string_or_null (json_array_get_element (a, 1)),
                      node_string_or_null (json_array_get_element (a, 2)),
                      node_string_or_null (json_array_get_element (a, 3)),
                      json_array_get_element (a, 4));
    }
  else if (sock->vsn == 1 && JSON_NODE_HOLDS_OBJECT (root))
    {
      JsonObject *o = json_node_get_object (root);

      handle_message (sock,
                      node_string_or_null (json_object_get_member (o, "join_ref")),
                      node_string_or_null (json_object_get_member (o, "ref")),
                      node_string_or_null (json_object_get_member (o, "topic")),
                      node_string_or_null (json_object_get_member (o, "event")),
                      json_object_get_member (o, "payload"));
    }
}

/* V2 binary kind 3: user broadcast push. */
static void
handle_binary (RtSocket     *sock,
               const guint8 *data,
               gsize         len)
{
  g_autofree char *join_ref = NULL, *ref = NULL, *topic = NULL, *user_event = NULL;
  g_autoptr(GBytes) payload = NULL;
  gsize off = 7, lens[5];
  RtChannel *ch;
  gboolean is_json;

  if (sock->vsn != 2 || len < 7 || data[0] != 3)
    return;
  for (int i = 0; i < 5; i++)
    lens[i] = data[1 + i];
  is_json = data[6] == 1;
  if (off + lens[0] + lens[1] + lens[2] + lens[3] + lens[4] > len)
    return;
  join_ref = g_strndup ((const char *) data + off, lens[0]); off += lens[0];
  ref = g_strndup ((const char *) data + off, lens[1]); off += lens[1];
  topic = g_strndup ((const char *) data + off, lens[2]); off += lens[2];
  user_event = g_strndup ((const char *) data + off, lens[3]); off += lens[3];
  off += lens[4];   /* metadata: not used, as in Realtime */
  payload = g_bytes_new (data + off, len - off);

  ch = g_hash_table_lookup (sock->channels, topic);
  if (ch == NULL || (*join_ref && g_strcmp0 (join_ref, ch->join_ref) != 0))
    {
      if (*ref)
        reply_error_reason (sock, *join_ref ? join_ref : NULL, ref, topic, "unmatched topic");
      return;
    }
  fan_out_broadcast (sock->rt, ch->topic_key, ch, user_event, NULL, payload, is_json);
  if (ch->ack)
    socket_reply (sock, ch->join_ref, *ref ? ref : NULL, topic, "ok", "{}");
}

/* ------------------------------------------------------------ sockets */

static void
socket_free (gpointer data)
{
  RtSocket *sock = data;
  g_autoptr(GList) chans = g_hash_table_get_values (sock->channels);

  for (GList *l = chans; l != NULL; l = l->next)
    channel_detach (l->data);
  g_hash_table_unref (sock->channels);
  if (sock->conn != NULL)
    {
      g_signal_handlers_disconnect_by_data (sock->conn, sock);
      if (soup_websocket_connection_get_state (sock->conn) == SOUP_WEBSOCKET_STATE_OPEN)
        soup_websocket_connection_close (sock->conn, SOUP_WEBSOCKET_CLOSE_GOING_AWAY, NULL);
      g_clear_object (&sock->conn);
    }
  g_free (sock->apikey);
  g_free (sock);
}

static void
ws_message_cb (SoupWebsocketConnection *conn,
               gint                     type,
               GBytes                  *message,
               gpointer                 user_data)
{
  RtSocket *sock = user_data;
  gsize len;
  const char *data = g_bytes_get_data (message, &len);

  sock->last_inbound = g_get_monotonic_time ();
  if (type == SOUP_WEBSOCKET_DATA_TEXT)
    handle_text (sock, data, len);
  else
    handle_binary (sock, (const guint8 *) data, len);
}

static void
ws_closed_cb (SoupWebsocketConnection *conn,
              gpointer                 user_data)
{
  RtSocket *sock = user_data;

  g_hash_table_remove (sock->rt->sockets, sock);
}

static const char *
handshake_key (SoupServerMessage *msg)
{
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (msg);
  const char *key = soup_message_headers_get_one (headers, "x-api-key");

  return key;
}

/* The `apikey` (or @name) query parameter, decoded. */
static char *
query_param (SoupServerMessage *msg,
             const char        *name)
{
  GUri *uri = soup_server_message_get_uri (msg);
  const char *q = g_uri_get_query (uri);
  g_autoptr(GHashTable) form = NULL;

  if (q == NULL)
    return NULL;
  form = soup_form_decode (q);
  return g_strdup (g_hash_table_lookup (form, name));
}

static int
requested_vsn (SoupServerMessage *msg)
{
  g_autofree char *vsn = query_param (msg, "vsn");

  if (vsn == NULL || g_str_has_prefix (vsn, "1."))
    return 1;
  if (g_str_has_prefix (vsn, "2."))
    return 2;
  return 0;
}

static void
respond_error (SoupServerMessage *msg,
               guint              status,
               const char        *message)
{
  g_autoptr(GString) body = g_string_new ("{\"error\":");

  sl_rt_append_json_string (body, message);
  g_string_append_c (body, '}');
  soup_server_message_set_status (msg, status, NULL);
  soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_COPY, body->str, body->len);
}

/* Runs before the WebSocket upgrade: refusing here (by setting a status)
 * stops libsoup from upgrading, so the client sees Realtime's HTTP error. */
static void
handshake_check_cb (SoupServer        *soup,
                    SoupServerMessage *msg,
                    const char        *path,
                    GHashTable        *query,
                    gpointer           user_data)
{
  SlRealtime *rt = user_data;
  g_autofree char *key = g_strdup (handshake_key (msg));
  TokenStatus status;

  if (key == NULL)
    key = query_param (msg, "apikey");
  if (key == NULL)
    {
      respond_error (msg, SOUP_STATUS_UNAUTHORIZED, "API key is missing");
      return;
    }
  status = check_token (rt->server, key, NULL, NULL);
  switch (status)
    {
    case TOKEN_EXPIRED:
      respond_error (msg, SOUP_STATUS_UNAUTHORIZED, "Token has expired");
      return;
    case TOKEN_CLAIMS:
      respond_error (msg, SOUP_STATUS_UNAUTHORIZED, "Fields `role` and `exp` are required in JWT");
      return;
    case TOKEN_SIGNATURE:
      respond_error (msg, SOUP_STATUS_UNAUTHORIZED, "Failed to validate JWT signature");
      return;
    case TOKEN_MALFORMED:
      respond_error (msg, SOUP_STATUS_UNAUTHORIZED, "The token provided is not a valid JWT");
      return;
    case TOKEN_OK:
    default:
      break;
    }
  if (requested_vsn (msg) == 0)
    {
      respond_error (msg, SOUP_STATUS_FORBIDDEN, "Unsupported serializer version");
      return;
    }
  /* No status: libsoup goes on with the WebSocket handshake. */
}

static void
websocket_cb (SoupServer              *soup,
              SoupServerMessage       *msg,
              const char              *path,
              SoupWebsocketConnection *conn,
              gpointer                 user_data)
{
  SlRealtime *rt = user_data;
  RtSocket *sock = g_new0 (RtSocket, 1);

  sock->rt = rt;
  sock->conn = g_object_ref (conn);
  sock->vsn = requested_vsn (msg);
  sock->apikey = g_strdup (handshake_key (msg));
  if (sock->apikey == NULL)
    sock->apikey = query_param (msg, "apikey");
  sock->channels = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, channel_free);
  sock->last_inbound = g_get_monotonic_time ();
  g_object_set (conn, "max-incoming-payload-size", (guint64) MAX_FRAME_BYTES, NULL);
  g_signal_connect (conn, "message", G_CALLBACK (ws_message_cb), sock);
  g_signal_connect (conn, "closed", G_CALLBACK (ws_closed_cb), sock);
  g_hash_table_add (rt->sockets, sock);
}

/* Every second: idle sockets (60 s without a frame) and the ws-kill fault. */
static gboolean
tick_cb (gpointer user_data)
{
  SlRealtime *rt = user_data;
  gint64 now = g_get_monotonic_time ();
  guint kill = sl_faults_get_ws_kill_interval (rt->server);
  gboolean kill_all = FALSE;
  g_autoptr(GList) socks = g_hash_table_get_keys (rt->sockets);

  if (kill > 0)
    {
      if (rt->last_kill == 0)
        rt->last_kill = now;
      else if (now - rt->last_kill >= (gint64) kill * G_USEC_PER_SEC)
        {
          kill_all = TRUE;
          rt->last_kill = now;
        }
    }
  else
    rt->last_kill = 0;

  for (GList *l = socks; l != NULL; l = l->next)
    {
      RtSocket *sock = l->data;

      if (soup_websocket_connection_get_state (sock->conn) != SOUP_WEBSOCKET_STATE_OPEN)
        continue;
      if (kill_all)
        soup_websocket_connection_close (sock->conn, SOUP_WEBSOCKET_CLOSE_GOING_AWAY, "fault injection: ws-kill");
      else if (now - sock->last_inbound > (gint64) IDLE_TIMEOUT_S * G_USEC_PER_SEC)
        soup_websocket_connection_close (sock->conn, SOUP_WEBSOCKET_CLOSE_NORMAL, "idle timeout");
    }
  return G_SOURCE_CONTINUE;
}

static void
deliver_cb (GPtrArray *deliveries,
            gpointer   user_data)
{
  SlRealtime *rt = user_data;

  for (guint i = 0; i < deliveries->len; i++)
    {
      SlRtDelivery *d = g_ptr_array_index (deliveries, i);
      RtChannel *ch = g_hash_table_lookup (rt->channels, &d->channel_id);

      if (ch != NULL)
        socket_send_text (ch->socket, d->frame);
    }
  sl_rt_cdc_delivered (rt->cdc, deliveries->len);
}

/* ---------------------------------------------------- REST broadcast */

typedef struct
{
  SlRealtime *rt;
  GPtrArray  *messages;   /* JsonNode* {topic, event, payload, private} */
} RestBroadcast;

static gboolean
rest_broadcast_on_main (gpointer data)
{
  RestBroadcast *rb = data;

  for (guint i = 0; i < rb->messages->len; i++)
    {
      JsonObject *m = json_node_get_object (g_ptr_array_index (rb->messages, i));
      const char *topic = json_object_get_string_member_with_default (m, "topic", "");
      const char *event = json_object_get_string_member_with_default (m, "event", "");
      gboolean is_private = json_object_get_boolean_member_with_default (m, "private", FALSE);
      g_autofree char *key = NULL;
      g_autoptr(JsonObject) out = json_object_new ();
      g_autofree char *text = NULL;

      if (g_str_has_prefix (topic, "realtime:"))
        topic += strlen ("realtime:");
      key = g_strconcat (is_private ? "private:" : "public:", topic, NULL);
      json_object_set_string_member (out, "event", event);
      if (json_object_has_member (m, "payload"))
        json_object_set_member (out, "payload", json_node_copy (json_object_get_member (m, "payload")));
      else
        json_object_set_object_member (out, "payload", json_object_new ());
      json_object_set_string_member (out, "type", "broadcast");
      text = object_to_string (out);
      fan_out_broadcast (rb->rt, key, NULL, event, text, NULL, FALSE);
    }
  g_ptr_array_unref (rb->messages);
  g_free (rb);
  return G_SOURCE_REMOVE;
}

static void
rest_broadcast_handler (SlRequest  *req,
                        SlResponse *resp,
                        gpointer    user_data)
{
  SlRealtime *rt = user_data;
  g_autoptr(GError) jwt_error = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) body = NULL;
  g_autoptr(GPtrArray) messages = g_ptr_array_new_with_free_func ((GDestroyNotify) json_node_unref);
  g_auto(GStrv) parts = NULL;
  RestBroadcast *rb;

  if (g_strcmp0 (req->method, "POST") != 0)
    {
      sl_response_set_json_text (resp, 405, "{\"error\":\"Method not allowed\"}");
      return;
    }
  if (!sl_request_authenticate (req, SL_AUTH_REQUIRE_APIKEY, resp, &jwt_error))
    return;
  if (jwt_error != NULL)
    {
      sl_response_set_json_text (resp, 401, "{\"message\":\"Invalid authentication credentials\"}");
      return;
    }

  /* httpSend form: /api/broadcast/<topic>/events/<event> with the payload as body. */
  parts = g_strsplit (req->subpath, "/", -1);
  if (g_strv_length (parts) == 5 && g_strcmp0 (parts[3], "events") == 0 && *parts[2] && *parts[4])
    {
      g_autoptr(JsonObject) m = json_object_new ();
      JsonNode *node = json_node_new (JSON_NODE_OBJECT);
      const char *priv = sl_request_get_query (req, "private");

      json_object_set_string_member (m, "topic", parts[2]);
      json_object_set_string_member (m, "event", parts[4]);
      json_object_set_boolean_member (m, "private", g_strcmp0 (priv, "true") == 0);
      body = sl_request_parse_json (req, NULL);
      if (body != NULL)
        json_object_set_member (m, "payload", g_steal_pointer (&body));
      json_node_set_object (node, m);
      g_ptr_array_add (messages, node);
    }
  else
    {
      JsonNode *list;

      body = sl_request_parse_json (req, &error);
      if (body == NULL || !JSON_NODE_HOLDS_OBJECT (body) ||
          (list = json_object_get_member (json_node_get_object (body), "messages")) == NULL ||
          !JSON_NODE_HOLDS_ARRAY (list))
        {
          sl_response_set_json_text (resp, 400, "{\"error\":\"Invalid body\"}");
          return;
        }
      for (guint i = 0; i < json_array_get_length (json_node_get_array (list)); i++)
        {
          JsonNode *m = json_array_get_element (json_node_get_array (list), i);
          if (JSON_NODE_HOLDS_OBJECT (m))
            g_ptr_array_add (messages, json_node_copy (m));
        }
    }

  rb = g_new0 (RestBroadcast, 1);
  rb->rt = rt;
  rb->messages = g_steal_pointer (&messages);
  g_main_context_invoke (req->server->main_context, rest_broadcast_on_main, rb);
  sl_response_set_text (resp, 202, NULL, "");
}

/* ------------------------------------------------------------- module */

void
sl_realtime_register (SlServer *server)
{
  g_autoptr(GError) error = NULL;
  SlRealtime *rt = g_new0 (SlRealtime, 1);

  rt->server = server;
  rt->sockets = g_hash_table_new_full (g_direct_hash, g_direct_equal, socket_free, NULL);
  rt->channels = g_hash_table_new (g_int64_hash, g_int64_equal);
  rt->topics = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) g_ptr_array_unref);
  rt->presence = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) g_ptr_array_unref);
  rt->cdc = sl_rt_cdc_new (server, deliver_cb, rt, &error);
  if (rt->cdc == NULL)
    g_error ("realtime: cannot start change capture: %s", error->message);
  server->realtime = rt;

  soup_server_add_handler (server->soup, WS_PATH, handshake_check_cb, rt, NULL);
  soup_server_add_websocket_handler (server->soup, WS_PATH, NULL, NULL, websocket_cb, rt, NULL);
  sl_server_add_route (server, "/realtime/v1/api/broadcast", SL_ROUTE_DEFAULT, rest_broadcast_handler, rt);

  {
    GSource *source = g_timeout_source_new_seconds (1);

    g_source_set_callback (source, tick_cb, rt, NULL);
    rt->tick_id = g_source_attach (source, server->main_context);
    g_source_unref (source);
  }
}

void
sl_realtime_shutdown (SlServer *server)
{
  SlRealtime *rt = server->realtime;

  if (rt == NULL)
    return;
  if (rt->tick_id != 0)
    {
      GSource *source = g_main_context_find_source_by_id (server->main_context, rt->tick_id);
      if (source != NULL)
        g_source_destroy (source);
    }
  soup_server_remove_handler (server->soup, WS_PATH);
  g_hash_table_remove_all (rt->sockets);
  sl_rt_cdc_free (rt->cdc);
  g_hash_table_unref (rt->sockets);
  g_hash_table_unref (rt->channels);
  g_hash_table_unref (rt->topics);
  g_hash_table_unref (rt->presence);
  g_free (rt);
  server->realtime = NULL;
}
