/* supa-health.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "Supadesk"

#include "config.h"

#include "supa-health.h"

#include <glib/gi18n-lib.h>
#include <string.h>

/* How long we wait for the body of a refused WebSocket handshake. */
#define HANDSHAKE_BODY_TIMEOUT_SECONDS 5

/* --- SupaServiceHealth --------------------------------------------------- */

struct _SupaServiceHealth
{
  GObject          parent_instance;

  SupaService      service;
  char            *title;
  char            *endpoint;
  SupaHealthState  state;
  gint64           rtt_ms;
  char            *message;
  GError          *error;
};

G_DEFINE_FINAL_TYPE (SupaServiceHealth, supa_service_health, G_TYPE_OBJECT)

enum {
  HEALTH_PROP_0,
  HEALTH_PROP_SERVICE,
  HEALTH_PROP_TITLE,
  HEALTH_PROP_ENDPOINT,
  HEALTH_PROP_STATE,
  HEALTH_PROP_RTT_MS,
  HEALTH_PROP_MESSAGE,
  HEALTH_PROP_ERROR,
  HEALTH_N_PROPS
};

static GParamSpec *health_properties[HEALTH_N_PROPS];

static void
supa_service_health_finalize (GObject *object)
{
  SupaServiceHealth *self = (SupaServiceHealth *) object;

  g_clear_pointer (&self->title, g_free);
  g_clear_pointer (&self->endpoint, g_free);
  g_clear_pointer (&self->message, g_free);
  g_clear_error (&self->error);

  G_OBJECT_CLASS (supa_service_health_parent_class)->finalize (object);
}

static void
supa_service_health_get_property (GObject    *object,
                                  guint       prop_id,
                                  GValue     *value,
                                  GParamSpec *pspec)
{
  SupaServiceHealth *self = SUPA_SERVICE_HEALTH (object);

  switch (prop_id)
    {
    case HEALTH_PROP_SERVICE:
      g_value_set_int (value, self->service);
      break;
    case HEALTH_PROP_TITLE:
      g_value_set_string (value, self->title);
      break;
    case HEALTH_PROP_ENDPOINT:
      g_value_set_string (value, self->endpoint);
      break;
    case HEALTH_PROP_STATE:
      g_value_set_int (value, self->state);
      break;
    case HEALTH_PROP_RTT_MS:
      g_value_set_int64 (value, self->rtt_ms);
      break;
    case HEALTH_PROP_MESSAGE:
      g_value_set_string (value, self->message);
      break;
    case HEALTH_PROP_ERROR:
      g_value_set_boxed (value, self->error);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
supa_service_health_class_init (SupaServiceHealthClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = supa_service_health_finalize;
  object_class->get_property = supa_service_health_get_property;

  /* SupaService and SupaHealthState have no registered GTypes: ints. */
  health_properties[HEALTH_PROP_SERVICE] =
    g_param_spec_int ("service", NULL, NULL,
                      SUPA_SERVICE_REST, SUPA_SERVICE_FUNCTIONS, SUPA_SERVICE_REST,
                      G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  health_properties[HEALTH_PROP_TITLE] =
    g_param_spec_string ("title", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  health_properties[HEALTH_PROP_ENDPOINT] =
    g_param_spec_string ("endpoint", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  health_properties[HEALTH_PROP_STATE] =
    g_param_spec_int ("state", NULL, NULL,
                      SUPA_HEALTH_PENDING, SUPA_HEALTH_FAILED, SUPA_HEALTH_PENDING,
                      G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  health_properties[HEALTH_PROP_RTT_MS] =
    g_param_spec_int64 ("rtt-ms", NULL, NULL, -1, G_MAXINT64, -1,
                        G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  health_properties[HEALTH_PROP_MESSAGE] =
    g_param_spec_string ("message", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  health_properties[HEALTH_PROP_ERROR] =
    g_param_spec_boxed ("error", NULL, NULL, G_TYPE_ERROR,
                        G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, HEALTH_N_PROPS, health_properties);
}

static void
supa_service_health_init (SupaServiceHealth *self)
{
  self->state = SUPA_HEALTH_PENDING;
  self->rtt_ms = -1;
}

static SupaServiceHealth *
service_health_new (SupaService  service,
                    const char  *title,
                    const char  *endpoint)
{
  SupaServiceHealth *self = g_object_new (SUPA_TYPE_SERVICE_HEALTH, NULL);

  self->service = service;
  self->title = g_strdup (title);
  self->endpoint = g_strdup (endpoint);

  return self;
}

static void
service_health_set_rtt (SupaServiceHealth *self,
                        gint64             rtt_ms)
{
  if (self->rtt_ms == rtt_ms)
    return;

  self->rtt_ms = rtt_ms;
  g_object_notify_by_pspec (G_OBJECT (self), health_properties[HEALTH_PROP_RTT_MS]);
}

/* Updates the result in one go so a view never shows a state with the
 * previous message. */
static void
service_health_update (SupaServiceHealth *self,
                       SupaHealthState    state,
                       const char        *message,
                       const GError      *error)
{
  g_object_freeze_notify (G_OBJECT (self));

  if (self->state != state)
    {
      self->state = state;
      g_object_notify_by_pspec (G_OBJECT (self), health_properties[HEALTH_PROP_STATE]);
    }

  if (g_strcmp0 (self->message, message) != 0)
    {
      g_free (self->message);
      self->message = g_strdup (message);
      g_object_notify_by_pspec (G_OBJECT (self), health_properties[HEALTH_PROP_MESSAGE]);
    }

  if (self->error != NULL || error != NULL)
    {
      g_clear_error (&self->error);
      if (error != NULL)
        self->error = g_error_copy (error);
      g_object_notify_by_pspec (G_OBJECT (self), health_properties[HEALTH_PROP_ERROR]);
    }

  g_object_thaw_notify (G_OBJECT (self));
}

SupaService
supa_service_health_get_service (SupaServiceHealth *self)
{
  g_return_val_if_fail (SUPA_IS_SERVICE_HEALTH (self), SUPA_SERVICE_REST);
  return self->service;
}

const char *
supa_service_health_get_title (SupaServiceHealth *self)
{
  g_return_val_if_fail (SUPA_IS_SERVICE_HEALTH (self), NULL);
  return self->title;
}

const char *
supa_service_health_get_endpoint (SupaServiceHealth *self)
{
  g_return_val_if_fail (SUPA_IS_SERVICE_HEALTH (self), NULL);
  return self->endpoint;
}

SupaHealthState
supa_service_health_get_state (SupaServiceHealth *self)
{
  g_return_val_if_fail (SUPA_IS_SERVICE_HEALTH (self), SUPA_HEALTH_PENDING);
  return self->state;
}

gint64
supa_service_health_get_rtt_ms (SupaServiceHealth *self)
{
  g_return_val_if_fail (SUPA_IS_SERVICE_HEALTH (self), -1);
  return self->rtt_ms;
}

const char *
supa_service_health_get_message (SupaServiceHealth *self)
{
  g_return_val_if_fail (SUPA_IS_SERVICE_HEALTH (self), NULL);
  return self->message;
}

const GError *
supa_service_health_get_error (SupaServiceHealth *self)
{
  g_return_val_if_fail (SUPA_IS_SERVICE_HEALTH (self), NULL);
  return self->error;
}

/* --- SupaHealthCheck ----------------------------------------------------- */

struct _SupaHealthCheck
{
  GObject     parent_instance;

  SupaClient *client;
  GPtrArray  *items;      /* of SupaServiceHealth, REST/Auth/Storage/Realtime */
  guint       running : 1;
};

static void list_model_iface_init (GListModelInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (SupaHealthCheck, supa_health_check, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL, list_model_iface_init))

enum {
  PROP_0,
  PROP_CLIENT,
  PROP_RUNNING,
  PROP_ALL_REACHABLE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

enum {
  ITEM_REST,
  ITEM_AUTH,
  ITEM_STORAGE,
  ITEM_REALTIME,
  N_ITEMS
};

typedef struct
{
  guint pending;
} RunData;

/* One probe in flight. */
typedef struct
{
  GTask             *task;      /* the run task */
  SupaServiceHealth *item;
  gint64             started_at;
  char              *version;   /* auth: from /health */
  char              *name;      /* auth: from /health */
  SoupMessage       *msg;       /* realtime handshake */
  GCancellable      *body_cancellable;
  guint              body_timeout_id;
} Probe;

static void
probe_free (Probe *probe)
{
  g_clear_object (&probe->task);
  g_clear_object (&probe->item);
  g_clear_pointer (&probe->version, g_free);
  g_clear_pointer (&probe->name, g_free);
  g_clear_object (&probe->msg);
  g_clear_handle_id (&probe->body_timeout_id, g_source_remove);
  g_clear_object (&probe->body_cancellable);
  g_free (probe);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Probe, probe_free)

static gint64
probe_elapsed_ms (Probe *probe)
{
  return (g_get_monotonic_time () - probe->started_at) / 1000;
}

static void
set_running (SupaHealthCheck *self,
             gboolean         running)
{
  if (self->running == !!running)
    return;

  self->running = !!running;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RUNNING]);
}

/* Records the end of one probe and finishes the run after the last one. */
static void
probe_done (Probe           *probe,
            SupaHealthState  state,
            const char      *message,
            const GError    *error)
{
  GTask *task = probe->task;
  SupaHealthCheck *self = g_task_get_source_object (task);
  RunData *data = g_task_get_task_data (task);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    service_health_update (probe->item, SUPA_HEALTH_FAILED, _("Check cancelled"), error);
  else
    service_health_update (probe->item, state, message, error);

  g_assert (data->pending > 0);
  if (--data->pending > 0)
    return;

  set_running (self, FALSE);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ALL_REACHABLE]);

  /* check-cancellable turns this into G_IO_ERROR_CANCELLED if needed */
  g_task_return_boolean (task, TRUE);
}

static Probe *
probe_new (GTask             *task,
           SupaServiceHealth *item)
{
  Probe *probe = g_new0 (Probe, 1);

  probe->task = g_object_ref (task);
  probe->item = g_object_ref (item);
  probe->started_at = g_get_monotonic_time ();

  return probe;
}

/* REST: the OpenAPI root lists every table and view the key can see. */
static guint
count_relations (JsonNode *root)
{
  JsonObject *obj;
  JsonNode *paths_node;
  g_autoptr(GList) members = NULL;
  guint n = 0;

  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    return 0;

  obj = json_node_get_object (root);
  paths_node = json_object_get_member (obj, "paths");
  if (paths_node == NULL || !JSON_NODE_HOLDS_OBJECT (paths_node))
    return 0;

  members = json_object_get_members (json_node_get_object (paths_node));
  for (GList *l = members; l; l = l->next)
    {
      const char *path = l->data;

      if (strcmp (path, "/") == 0 || g_str_has_prefix (path, "/rpc/"))
        continue;
      n++;
    }

  return n;
}

static void
rest_cb (GObject      *object,
         GAsyncResult *result,
         gpointer      user_data)
{
  g_autoptr(Probe) probe = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *message = NULL;
  guint n;

  root = supa_client_send_json_finish (SUPA_CLIENT (object), result, &error);
  service_health_set_rtt (probe->item, probe_elapsed_ms (probe));

  if (root == NULL)
    {
      if (g_error_matches (error, SUPA_ERROR, SUPA_ERROR_FORBIDDEN))
        probe_done (probe, SUPA_HEALTH_DEGRADED,
                    _("Reachable; this key cannot read the schema (needs a service role or secret key)"),
                    error);
      else
        probe_done (probe, SUPA_HEALTH_FAILED, error->message, error);
      return;
    }

  n = count_relations (root);
  /* Translators: %u is a number of database tables and views */
  message = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                          "Schema readable, %u table or view",
                                          "Schema readable, %u tables and views", n),
                             n);
  probe_done (probe, SUPA_HEALTH_OK, message, NULL);
}

static void
probe_rest (SupaHealthCheck *self,
            GTask           *task,
            GCancellable    *cancellable)
{
  g_autoptr(SoupMessage) msg = NULL;
  Probe *probe = probe_new (task, g_ptr_array_index (self->items, ITEM_REST));

  msg = supa_client_new_message (self->client, SUPA_SERVICE_REST, "GET", "rest/v1/", NULL);
  soup_message_headers_replace (soup_message_get_request_headers (msg), "Accept",
                                "application/openapi+json, application/json;q=0.9");
  supa_client_send_json_async (self->client, msg, SUPA_SERVICE_REST, cancellable, rest_cb, probe);
}

/* Auth: /health gives the version, /settings whether sign-ups are open. */
static void
auth_settings_cb (GObject      *object,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(Probe) probe = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *message = NULL;
  const char *name = probe->name ? probe->name : "GoTrue";
  const char *version = probe->version ? probe->version : "";
  gboolean disabled = FALSE;

  root = supa_client_send_json_finish (SUPA_CLIENT (object), result, &error);
  if (root == NULL)
    {
      /* Translators: "%s %s" is the auth server's name and version (e.g. "GoTrue v2.170.0"), the last %s the reason */
      message = g_strdup_printf (_("%s %s; the settings could not be read: %s"), name, version, error->message);
      probe_done (probe, SUPA_HEALTH_DEGRADED, message, error);
      return;
    }

  if (JSON_NODE_HOLDS_OBJECT (root))
    disabled = json_object_get_boolean_member_with_default (json_node_get_object (root), "disable_signup", FALSE);

  if (disabled)
    /* Translators: "%s %s" is the auth server's name and version, e.g. "GoTrue v2.170.0" */
    message = g_strdup_printf (_("%s %s, sign-ups disabled"), name, version);
  else
    /* Translators: "%s %s" is the auth server's name and version, e.g. "GoTrue v2.170.0" */
    message = g_strdup_printf (_("%s %s, sign-ups enabled"), name, version);

  probe_done (probe, SUPA_HEALTH_OK, message, NULL);
}

static void
auth_health_cb (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(Probe) probe = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(SoupMessage) msg = NULL;
  SupaClient *client = SUPA_CLIENT (object);
  GCancellable *cancellable;

  root = supa_client_send_json_finish (client, result, &error);
  service_health_set_rtt (probe->item, probe_elapsed_ms (probe));

  if (root == NULL)
    {
      probe_done (probe, SUPA_HEALTH_FAILED, error->message, error);
      return;
    }

  if (JSON_NODE_HOLDS_OBJECT (root))
    {
      JsonObject *obj = json_node_get_object (root);
      probe->version = g_strdup (json_object_get_string_member_with_default (obj, "version", NULL));
      probe->name = g_strdup (json_object_get_string_member_with_default (obj, "name", NULL));
    }

  cancellable = g_task_get_cancellable (probe->task);
  msg = supa_client_new_message (client, SUPA_SERVICE_AUTH, "GET", "auth/v1/settings", NULL);
  supa_client_send_json_async (client, msg, SUPA_SERVICE_AUTH, cancellable,
                               auth_settings_cb, g_steal_pointer (&probe));
}

static void
probe_auth (SupaHealthCheck *self,
            GTask           *task,
            GCancellable    *cancellable)
{
  g_autoptr(SoupMessage) msg = NULL;
  Probe *probe = probe_new (task, g_ptr_array_index (self->items, ITEM_AUTH));

  msg = supa_client_new_message (self->client, SUPA_SERVICE_AUTH, "GET", "auth/v1/health", NULL);
  supa_client_send_json_async (self->client, msg, SUPA_SERVICE_AUTH, cancellable, auth_health_cb, probe);
}

/* Storage: the buckets this key may see (none is fine for an anon key). */
static void
storage_cb (GObject      *object,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(Probe) probe = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *message = NULL;
  guint n;

  root = supa_client_send_json_finish (SUPA_CLIENT (object), result, &error);
  service_health_set_rtt (probe->item, probe_elapsed_ms (probe));

  if (root == NULL)
    {
      if (g_error_matches (error, SUPA_ERROR, SUPA_ERROR_FORBIDDEN))
        probe_done (probe, SUPA_HEALTH_DEGRADED,
                    _("Reachable; this key cannot list buckets"), error);
      else
        probe_done (probe, SUPA_HEALTH_FAILED, error->message, error);
      return;
    }

  if (!JSON_NODE_HOLDS_ARRAY (root))
    {
      g_autoptr(GError) protocol_error = NULL;

      protocol_error = supa_error_new_full (SUPA_ERROR_PROTOCOL, 200, 200, NULL, NULL, NULL,
                                            _("The storage service did not answer with a list of buckets."));
      probe_done (probe, SUPA_HEALTH_FAILED, protocol_error->message, protocol_error);
      return;
    }

  n = json_array_get_length (json_node_get_array (root));
  /* Translators: %u is a number of storage buckets */
  message = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                          "%u bucket visible to this key",
                                          "%u buckets visible to this key", n),
                             n);
  probe_done (probe, SUPA_HEALTH_OK, message, NULL);
}

static void
probe_storage (SupaHealthCheck *self,
               GTask           *task,
               GCancellable    *cancellable)
{
  g_autoptr(SoupMessage) msg = NULL;
  Probe *probe = probe_new (task, g_ptr_array_index (self->items, ITEM_STORAGE));

  msg = supa_client_new_message (self->client, SUPA_SERVICE_STORAGE, "GET", "storage/v1/bucket", NULL);
  supa_client_send_json_async (self->client, msg, SUPA_SERVICE_STORAGE, cancellable, storage_cb, probe);
}

/* Realtime: a WebSocket handshake, closed right away. */
static void
websocket_closed_cb (SoupWebsocketConnection *conn,
                     gpointer                 user_data)
{
  /* drops the reference kept until the close handshake is over */
  g_object_unref (conn);
}

static gboolean
body_timeout_cb (gpointer user_data)
{
  Probe *probe = user_data;

  probe->body_timeout_id = 0;
  g_cancellable_cancel (probe->body_cancellable);

  return G_SOURCE_REMOVE;
}

static void
handshake_body_cb (GObject      *object,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(Probe) probe = user_data;
  g_autoptr(GError) read_error = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) body = NULL;
  SoupMessage *msg = soup_session_get_async_result_message (SOUP_SESSION (object), result);
  guint status = soup_message_get_status (probe->msg);
  const char *reason = soup_message_get_reason_phrase (probe->msg);

  body = soup_session_send_and_read_finish (SOUP_SESSION (object), result, &read_error);

  /* Use the second answer when it is a refusal too; otherwise describe the
   * first one from its status alone. */
  if (body != NULL && msg != NULL && soup_message_get_status (msg) >= 400)
    {
      status = soup_message_get_status (msg);
      reason = soup_message_get_reason_phrase (msg);
    }
  else
    g_clear_pointer (&body, g_bytes_unref);

  if (g_cancellable_is_cancelled (g_task_get_cancellable (probe->task)))
    {
      error = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED, _("Check cancelled"));
      probe_done (probe, SUPA_HEALTH_FAILED, error->message, error);
      return;
    }

  error = supa_error_new_from_response (SUPA_SERVICE_REALTIME, status, reason,
                                        msg ? soup_message_headers_get_one (soup_message_get_response_headers (msg), "Retry-After") : NULL,
                                        NULL, body);
  probe_done (probe, SUPA_HEALTH_FAILED, error->message, error);
}

/* libsoup drops the body of a refused handshake; ask again without
 * following the upgrade to read the server's {"error": …}. */
static void
fetch_handshake_body (SupaHealthCheck *self,
                      Probe           *probe)
{
  g_autoptr(SoupMessage) msg = NULL;
  g_autoptr(GUri) uri = NULL;
  GUri *ws_uri = soup_message_get_uri (probe->msg);
  const char *scheme = g_uri_get_scheme (ws_uri);

  uri = soup_uri_copy (ws_uri,
                       SOUP_URI_SCHEME, g_strcmp0 (scheme, "wss") == 0 ? "https" : "http",
                       SOUP_URI_NONE);
  msg = soup_message_new_from_uri ("GET", uri);
  soup_websocket_client_prepare_handshake (msg, NULL, NULL, NULL);
  soup_message_headers_replace (soup_message_get_request_headers (msg), "X-Client-Info",
                                "supadesk/" PACKAGE_VERSION);

  probe->body_cancellable = g_cancellable_new ();
  probe->body_timeout_id = g_timeout_add_seconds (HANDSHAKE_BODY_TIMEOUT_SECONDS, body_timeout_cb, probe);

  soup_session_send_and_read_async (supa_client_get_session (self->client), msg,
                                    G_PRIORITY_DEFAULT, probe->body_cancellable,
                                    handshake_body_cb, probe);
}

static void
websocket_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(Probe) probe = user_data;
  g_autoptr(GError) error = NULL;
  SoupWebsocketConnection *conn;
  SupaHealthCheck *self = g_task_get_source_object (probe->task);
  guint status;

  conn = soup_session_websocket_connect_finish (SOUP_SESSION (object), result, &error);
  service_health_set_rtt (probe->item, probe_elapsed_ms (probe));

  if (conn != NULL)
    {
      g_signal_connect (conn, "closed", G_CALLBACK (websocket_closed_cb), NULL);
      soup_websocket_connection_close (conn, SOUP_WEBSOCKET_CLOSE_NORMAL, NULL);
      probe_done (probe, SUPA_HEALTH_OK, _("WebSocket handshake completed"), NULL);
      return;
    }

  status = soup_message_get_status (probe->msg);
  g_debug ("Realtime handshake failed (HTTP %u): %s", status, error->message);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      probe_done (probe, SUPA_HEALTH_FAILED, error->message, error);
      return;
    }

  if (g_error_matches (error, SOUP_WEBSOCKET_ERROR, SOUP_WEBSOCKET_ERROR_NOT_WEBSOCKET) &&
      status >= 400)
    {
      fetch_handshake_body (self, g_steal_pointer (&probe));
      return;
    }

  if (error->domain == SOUP_WEBSOCKET_ERROR)
    {
      g_autoptr(GError) mapped = NULL;
      g_autofree char *message = NULL;

      /* Translators: %s is the WebSocket library's explanation */
      message = g_strdup_printf (_("The Realtime service did not accept the WebSocket connection: %s"), error->message);
      mapped = supa_error_new_full (SUPA_ERROR_PROTOCOL, status, status, NULL, NULL, NULL, message);
      probe_done (probe, SUPA_HEALTH_FAILED, mapped->message, mapped);
      return;
    }

  {
    g_autoptr(GError) mapped = supa_error_new_from_transport (error, g_uri_get_host (soup_message_get_uri (probe->msg)));
    probe_done (probe, SUPA_HEALTH_FAILED, mapped->message, mapped);
  }
}

static void
probe_realtime (SupaHealthCheck *self,
                GTask           *task,
                GCancellable    *cancellable)
{
  g_autofree char *url = NULL;
  g_autoptr(GUri) uri = NULL;
  Probe *probe = probe_new (task, g_ptr_array_index (self->items, ITEM_REALTIME));

  /* The URL carries the key: it is never logged. */
  url = supa_client_build_realtime_url (self->client, "1.0.0");
  uri = g_uri_parse (url, SOUP_HTTP_URI_FLAGS, NULL);
  g_assert (uri != NULL);

  probe->msg = soup_message_new_from_uri ("GET", uri);
  soup_message_headers_replace (soup_message_get_request_headers (probe->msg), "X-Client-Info",
                                "supadesk/" PACKAGE_VERSION);

  soup_session_websocket_connect_async (supa_client_get_session (self->client), probe->msg,
                                        NULL, NULL, G_PRIORITY_DEFAULT, cancellable,
                                        websocket_cb, probe);
}

/* --- GListModel ---------------------------------------------------------- */

static GType
list_model_get_item_type (GListModel *model)
{
  return SUPA_TYPE_SERVICE_HEALTH;
}

static guint
list_model_get_n_items (GListModel *model)
{
  return SUPA_HEALTH_CHECK (model)->items->len;
}

static gpointer
list_model_get_item (GListModel *model,
                     guint       position)
{
  SupaHealthCheck *self = SUPA_HEALTH_CHECK (model);

  if (position >= self->items->len)
    return NULL;

  return g_object_ref (g_ptr_array_index (self->items, position));
}

static void
list_model_iface_init (GListModelInterface *iface)
{
  iface->get_item_type = list_model_get_item_type;
  iface->get_n_items = list_model_get_n_items;
  iface->get_item = list_model_get_item;
}

static void
supa_health_check_dispose (GObject *object)
{
  SupaHealthCheck *self = (SupaHealthCheck *) object;

  g_clear_object (&self->client);

  G_OBJECT_CLASS (supa_health_check_parent_class)->dispose (object);
}

static void
supa_health_check_finalize (GObject *object)
{
  SupaHealthCheck *self = (SupaHealthCheck *) object;

  g_clear_pointer (&self->items, g_ptr_array_unref);

  G_OBJECT_CLASS (supa_health_check_parent_class)->finalize (object);
}

static void
supa_health_check_get_property (GObject    *object,
                                guint       prop_id,
                                GValue     *value,
                                GParamSpec *pspec)
{
  SupaHealthCheck *self = SUPA_HEALTH_CHECK (object);

  switch (prop_id)
    {
    case PROP_CLIENT:
      g_value_set_object (value, self->client);
      break;
    case PROP_RUNNING:
      g_value_set_boolean (value, self->running);
      break;
    case PROP_ALL_REACHABLE:
      g_value_set_boolean (value, supa_health_check_get_all_reachable (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
supa_health_check_set_property (GObject      *object,
                                guint         prop_id,
                                const GValue *value,
                                GParamSpec   *pspec)
{
  SupaHealthCheck *self = SUPA_HEALTH_CHECK (object);

  switch (prop_id)
    {
    case PROP_CLIENT:
      self->client = g_value_dup_object (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
supa_health_check_class_init (SupaHealthCheckClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = supa_health_check_dispose;
  object_class->finalize = supa_health_check_finalize;
  object_class->get_property = supa_health_check_get_property;
  object_class->set_property = supa_health_check_set_property;

  properties[PROP_CLIENT] =
    g_param_spec_object ("client", NULL, NULL, SUPA_TYPE_CLIENT,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_RUNNING] =
    g_param_spec_boolean ("running", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  /* Added: notifies when a run ends. */
  properties[PROP_ALL_REACHABLE] =
    g_param_spec_boolean ("all-reachable", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
supa_health_check_init (SupaHealthCheck *self)
{
  self->items = g_ptr_array_new_with_free_func (g_object_unref);

  g_ptr_array_add (self->items, service_health_new (SUPA_SERVICE_REST, _("Database (REST)"), "/rest/v1/"));
  g_ptr_array_add (self->items, service_health_new (SUPA_SERVICE_AUTH, _("Auth"), "/auth/v1/health"));
  g_ptr_array_add (self->items, service_health_new (SUPA_SERVICE_STORAGE, _("Storage"), "/storage/v1/bucket"));
  g_ptr_array_add (self->items, service_health_new (SUPA_SERVICE_REALTIME, _("Realtime"), "/realtime/v1/websocket"));
}

SupaHealthCheck *
supa_health_check_new (SupaClient *client)
{
  g_return_val_if_fail (SUPA_IS_CLIENT (client), NULL);

  return g_object_new (SUPA_TYPE_HEALTH_CHECK, "client", client, NULL);
}

SupaClient *
supa_health_check_get_client (SupaHealthCheck *self)
{
  g_return_val_if_fail (SUPA_IS_HEALTH_CHECK (self), NULL);
  return self->client;
}

gboolean
supa_health_check_get_running (SupaHealthCheck *self)
{
  g_return_val_if_fail (SUPA_IS_HEALTH_CHECK (self), FALSE);
  return self->running;
}

gboolean
supa_health_check_get_all_reachable (SupaHealthCheck *self)
{
  g_return_val_if_fail (SUPA_IS_HEALTH_CHECK (self), FALSE);

  for (guint i = 0; i < self->items->len; i++)
    {
      SupaHealthState state = supa_service_health_get_state (g_ptr_array_index (self->items, i));

      if (state != SUPA_HEALTH_OK && state != SUPA_HEALTH_DEGRADED)
        return FALSE;
    }

  return TRUE;
}

void
supa_health_check_run_async (SupaHealthCheck     *self,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  RunData *data;

  g_return_if_fail (SUPA_IS_HEALTH_CHECK (self));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, supa_health_check_run_async);

  if (self->running)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_PENDING,
                               "%s", _("A check is already running."));
      return;
    }

  data = g_new0 (RunData, 1);
  data->pending = N_ITEMS;
  g_task_set_task_data (task, data, g_free);

  for (guint i = 0; i < self->items->len; i++)
    {
      SupaServiceHealth *item = g_ptr_array_index (self->items, i);

      g_object_freeze_notify (G_OBJECT (item));
      service_health_update (item, SUPA_HEALTH_PENDING, _("Checking…"), NULL);
      service_health_set_rtt (item, -1);
      g_object_thaw_notify (G_OBJECT (item));
    }

  set_running (self, TRUE);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ALL_REACHABLE]);

  probe_rest (self, task, cancellable);
  probe_auth (self, task, cancellable);
  probe_storage (self, task, cancellable);
  probe_realtime (self, task, cancellable);
}

gboolean
supa_health_check_run_finish (SupaHealthCheck  *self,
                              GAsyncResult     *result,
                              GError          **error)
{
  g_return_val_if_fail (SUPA_IS_HEALTH_CHECK (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}
