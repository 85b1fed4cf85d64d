/* supa-client.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "Supadesk"

#include "config.h"

#include "supa-client.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#define API_VERSION        "2024-01-01"
#define CLIENT_INFO        "supadesk/" PACKAGE_VERSION
/* Bodies above this are parsed in a worker thread so the main loop never
 * stalls on a large table page or OpenAPI document. */
#define INLINE_PARSE_LIMIT (32 * 1024)

struct _SupaClient
{
  GObject       parent_instance;

  char         *url;
  char         *api_key;
  char         *access_token;
  SupaKeyInfo  *key_info;
  SoupSession  *session;
};

G_DEFINE_FINAL_TYPE (SupaClient, supa_client, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_URL,
  PROP_API_KEY,
  PROP_SESSION,
  PROP_KEY_INFO,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* The service prefixes a person may paste along with the project URL. */
static const char * const service_prefixes[] = {
  "/rest/v1", "/auth/v1", "/storage/v1", "/realtime/v1", "/functions/v1", "/graphql/v1",
};

typedef struct
{
  SoupMessage *msg;
  SupaService  service;
  gint64       started_at;
  char        *log_url;
  char        *host;
} SendData;

static void
send_data_free (SendData *data)
{
  g_clear_object (&data->msg);
  g_clear_pointer (&data->log_url, g_free);
  g_clear_pointer (&data->host, g_free);
  g_free (data);
}

/* Overwrites a secret before it is freed. */
static void
wipe_string (char **s)
{
  if (*s != NULL)
    {
      explicit_bzero (*s, strlen (*s));
      g_clear_pointer (s, g_free);
    }
}

static gboolean
is_new_format_key (const char *key)
{
  return key != NULL &&
         (g_str_has_prefix (key, "sb_publishable_") || g_str_has_prefix (key, "sb_secret_"));
}

static GError *
invalid_url_error (const char *message)
{
  return supa_error_new_full (SUPA_ERROR_INVALID_INPUT, 0, 0, NULL, NULL, NULL, message);
}

/* Cuts a pasted "/rest/v1…" (or other service path) off a project path. */
static char *
strip_service_path (const char *path)
{
  g_autofree char *result = g_strdup (path ? path : "");
  gsize len;

  for (guint i = 0; i < G_N_ELEMENTS (service_prefixes); i++)
    {
      const char *prefix = service_prefixes[i];
      gsize plen = strlen (prefix);
      const char *p = result;

      while ((p = strstr (p, prefix)) != NULL)
        {
          if (p[plen] == '\0' || p[plen] == '/')
            {
              result[p - result] = '\0';
              break;
            }
          p += plen;
        }
    }

  len = strlen (result);
  while (len > 0 && result[len - 1] == '/')
    result[--len] = '\0';

  return g_steal_pointer (&result);
}

gboolean
supa_host_is_loopback (const char *host)
{
  g_autofree char *bare = NULL;
  g_autoptr(GInetAddress) address = NULL;
  gsize len;

  if (host == NULL || *host == '\0')
    return FALSE;

  bare = g_strdup (host);
  len = strlen (bare);
  if (bare[0] == '[' && len > 2 && bare[len - 1] == ']')
    {
      memmove (bare, bare + 1, len - 2);
      bare[len - 2] = '\0';
      len -= 2;
    }
  if (len > 0 && bare[len - 1] == '.')
    bare[--len] = '\0';

  if (g_ascii_strcasecmp (bare, "localhost") == 0)
    return TRUE;

  address = g_inet_address_new_from_string (bare);
  return address != NULL && g_inet_address_get_is_loopback (address);
}

char *
supa_project_url_normalize (const char       *text,
                            SupaUrlSecurity  *security,
                            GError          **error)
{
  g_autoptr(GUri) uri = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autofree char *trimmed = NULL;
  g_autofree char *scheme = NULL;
  g_autofree char *host = NULL;
  g_autofree char *path = NULL;
  const char *peeked;
  SupaUrlSecurity sec;
  int port;

  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  trimmed = g_strstrip (g_strdup (text ? text : ""));
  if (*trimmed == '\0')
    {
      g_propagate_error (error, invalid_url_error (_("Enter the URL of the project, for example https://abcdefghijklmnopqrst.supabase.co.")));
      return NULL;
    }

  peeked = g_uri_peek_scheme (trimmed);
  if (peeked == NULL || strstr (trimmed, "://") == NULL)
    {
      g_propagate_error (error, invalid_url_error (_("The URL must start with https:// (or http:// for a server on this computer).")));
      return NULL;
    }

  scheme = g_ascii_strdown (peeked, -1);
  if (g_strcmp0 (scheme, "https") != 0 && g_strcmp0 (scheme, "http") != 0)
    {
      g_autofree char *message = NULL;
      /* Translators: %s is a URL scheme such as "ftp" */
      message = g_strdup_printf (_("“%s:” URLs are not supported; the project URL starts with https://."), scheme);
      g_propagate_error (error, invalid_url_error (message));
      return NULL;
    }

  uri = g_uri_parse (trimmed, G_URI_FLAGS_ENCODED | G_URI_FLAGS_SCHEME_NORMALIZE, &local_error);
  if (uri == NULL)
    {
      g_autofree char *message = NULL;
      /* Translators: %s is the parser's explanation */
      message = g_strdup_printf (_("This is not a valid URL: %s"), local_error->message);
      g_propagate_error (error, invalid_url_error (message));
      return NULL;
    }

  if (g_uri_get_host (uri) == NULL || *g_uri_get_host (uri) == '\0')
    {
      g_propagate_error (error, invalid_url_error (_("The URL has no host name.")));
      return NULL;
    }

  if (g_uri_get_userinfo (uri) != NULL)
    {
      g_propagate_error (error, invalid_url_error (_("Remove the user name and password from the URL; the API key is entered separately.")));
      return NULL;
    }

  if (g_uri_get_query (uri) != NULL)
    {
      g_propagate_error (error, invalid_url_error (_("Remove the part after “?” from the URL.")));
      return NULL;
    }

  if (g_uri_get_fragment (uri) != NULL)
    {
      g_propagate_error (error, invalid_url_error (_("Remove the part after “#” from the URL.")));
      return NULL;
    }

  host = g_ascii_strdown (g_uri_get_host (uri), -1);
  if (!g_hostname_is_ip_address (host))
    {
      for (const char *p = host; *p; p++)
        if (!g_ascii_isalnum (*p) && *p != '-' && *p != '.' && *p != '_')
          {
            g_autofree char *message = NULL;
            /* Translators: %s is what was typed as the host name */
            message = g_strdup_printf (_("This is not a valid URL: “%s” is not a host name."), g_uri_get_host (uri));
            g_propagate_error (error, invalid_url_error (message));
            return NULL;
          }
    }

  path = strip_service_path (g_uri_get_path (uri));

  if (g_strcmp0 (scheme, "https") == 0)
    sec = SUPA_URL_HTTPS;
  else if (supa_host_is_loopback (host))
    sec = SUPA_URL_LOOPBACK_HTTP;
  else
    sec = SUPA_URL_INSECURE_HTTP;

  if (security != NULL)
    *security = sec;

  /* SCHEME_NORMALIZE reports the default port even when none was typed. */
  port = g_uri_get_port (uri);
  if ((port == 443 && sec == SUPA_URL_HTTPS) || (port == 80 && sec != SUPA_URL_HTTPS))
    port = -1;

  return g_uri_join (G_URI_FLAGS_ENCODED, scheme, NULL, host, port, path, NULL, NULL);
}

char *
supa_project_ref_from_url (const char *url)
{
  g_autoptr(GUri) uri = NULL;
  g_autofree char *host = NULL;
  static const char suffix[] = ".supabase.co";
  gsize len;

  if (url == NULL)
    return NULL;

  uri = g_uri_parse (url, G_URI_FLAGS_NONE, NULL);
  if (uri == NULL || g_uri_get_host (uri) == NULL)
    return NULL;

  host = g_ascii_strdown (g_uri_get_host (uri), -1);
  if (!g_str_has_suffix (host, suffix))
    return NULL;

  len = strlen (host) - strlen (suffix);
  if (len == 0)
    return NULL;

  for (gsize i = 0; i < len; i++)
    if (!g_ascii_isalnum (host[i]))
      return NULL;

  return g_strndup (host, len);
}

/* ------------------------------------------------------------------------ */

typedef struct
{
  GRegex *query;
  GRegex *bearer;
  GRegex *header;
  GRegex *jwt;
  GRegex *sb_key;
} Redactors;

static const Redactors *
get_redactors (void)
{
  static Redactors redactors;
  static gsize initialized = 0;

  if (g_once_init_enter (&initialized))
    {
      redactors.query = g_regex_new ("\\b(apikey|api_key|token|access_token|refresh_token|password)=[^&\\s#\"']*",
                                     G_REGEX_CASELESS | G_REGEX_OPTIMIZE, 0, NULL);
      redactors.bearer = g_regex_new ("\\b(Bearer)\\s+[A-Za-z0-9._~+/=-]{16,}",
                                      G_REGEX_CASELESS | G_REGEX_OPTIMIZE, 0, NULL);
      redactors.header = g_regex_new ("\\b(apikey|authorization|x-api-key)(\\s*:\\s*)[^\\r\\n]+",
                                      G_REGEX_CASELESS | G_REGEX_OPTIMIZE, 0, NULL);
      redactors.jwt = g_regex_new ("eyJ[A-Za-z0-9_-]{2,}\\.[A-Za-z0-9_-]+(?:\\.[A-Za-z0-9_-]*)?",
                                   G_REGEX_OPTIMIZE, 0, NULL);
      redactors.sb_key = g_regex_new ("sb_(?:secret|publishable)_[A-Za-z0-9_-]*",
                                      G_REGEX_OPTIMIZE, 0, NULL);
      g_assert (redactors.query && redactors.bearer && redactors.header &&
                redactors.jwt && redactors.sb_key);
      g_once_init_leave (&initialized, 1);
    }

  return &redactors;
}

static char *
replace_all (GRegex     *regex,
             char       *text,
             const char *replacement)
{
  char *result = g_regex_replace (regex, text, -1, 0, replacement, 0, NULL);

  if (result == NULL)
    return text;

  g_free (text);
  return result;
}

char *
supa_redact (const char *text)
{
  const Redactors *r;
  char *result;

  if (text == NULL)
    return NULL;

  r = get_redactors ();
  result = g_utf8_make_valid (text, -1);
  result = replace_all (r->query, result, "\\1=[redacted]");
  result = replace_all (r->bearer, result, "\\1 [redacted]");
  result = replace_all (r->header, result, "\\1\\2[redacted]");
  result = replace_all (r->jwt, result, "[redacted]");
  result = replace_all (r->sb_key, result, "[redacted]");

  return result;
}

/* ------------------------------------------------------------------------ */

static void
supa_client_dispose (GObject *object)
{
  SupaClient *self = (SupaClient *) object;

  g_clear_object (&self->session);
  g_clear_object (&self->key_info);

  G_OBJECT_CLASS (supa_client_parent_class)->dispose (object);
}

static void
supa_client_finalize (GObject *object)
{
  SupaClient *self = (SupaClient *) object;

  g_clear_pointer (&self->url, g_free);
  wipe_string (&self->api_key);
  wipe_string (&self->access_token);

  G_OBJECT_CLASS (supa_client_parent_class)->finalize (object);
}

static void
supa_client_get_property (GObject    *object,
                          guint       prop_id,
                          GValue     *value,
                          GParamSpec *pspec)
{
  SupaClient *self = SUPA_CLIENT (object);

  switch (prop_id)
    {
    case PROP_URL:
      g_value_set_string (value, self->url);
      break;
    case PROP_SESSION:
      g_value_set_object (value, self->session);
      break;
    case PROP_KEY_INFO:
      g_value_set_object (value, self->key_info);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
supa_client_set_property (GObject      *object,
                          guint         prop_id,
                          const GValue *value,
                          GParamSpec   *pspec)
{
  SupaClient *self = SUPA_CLIENT (object);

  switch (prop_id)
    {
    case PROP_URL:
      {
        const char *url = g_value_get_string (value);
        gsize len;

        self->url = g_strdup (url ? url : "");
        len = strlen (self->url);
        while (len > 0 && self->url[len - 1] == '/')
          self->url[--len] = '\0';
      }
      break;
    case PROP_API_KEY:
      wipe_string (&self->api_key);
      self->api_key = g_value_dup_string (value);
      break;
    case PROP_SESSION:
      self->session = g_value_dup_object (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
supa_client_constructed (GObject *object)
{
  SupaClient *self = (SupaClient *) object;

  G_OBJECT_CLASS (supa_client_parent_class)->constructed (object);

  if (self->session == NULL)
    self->session = soup_session_new ();

  /* A key we cannot parse is still sent: the server has the last word. */
  if (self->api_key != NULL)
    self->key_info = supa_key_info_parse (self->api_key, NULL);
}

static void
supa_client_class_init (SupaClientClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = supa_client_dispose;
  object_class->finalize = supa_client_finalize;
  object_class->constructed = supa_client_constructed;
  object_class->get_property = supa_client_get_property;
  object_class->set_property = supa_client_set_property;

  properties[PROP_URL] =
    g_param_spec_string ("url", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  /* Write-only on purpose: nothing can read the key back out of a client. */
  properties[PROP_API_KEY] =
    g_param_spec_string ("api-key", NULL, NULL, NULL,
                         G_PARAM_WRITABLE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_SESSION] =
    g_param_spec_object ("session", NULL, NULL, SOUP_TYPE_SESSION,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_KEY_INFO] =
    g_param_spec_object ("key-info", NULL, NULL, SUPA_TYPE_KEY_INFO,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
supa_client_init (SupaClient *self)
{
}

SupaClient *
supa_client_new (const char  *url,
                 const char  *api_key,
                 SoupSession *session)
{
  g_return_val_if_fail (url != NULL, NULL);
  g_return_val_if_fail (api_key != NULL, NULL);
  g_return_val_if_fail (session == NULL || SOUP_IS_SESSION (session), NULL);

  return g_object_new (SUPA_TYPE_CLIENT,
                       "url", url,
                       "api-key", api_key,
                       "session", session,
                       NULL);
}

const char *
supa_client_get_url (SupaClient *self)
{
  g_return_val_if_fail (SUPA_IS_CLIENT (self), NULL);
  return self->url;
}

SoupSession *
supa_client_get_session (SupaClient *self)
{
  g_return_val_if_fail (SUPA_IS_CLIENT (self), NULL);
  return self->session;
}

SupaKeyInfo *
supa_client_get_key_info (SupaClient *self)
{
  g_return_val_if_fail (SUPA_IS_CLIENT (self), NULL);
  return self->key_info;
}

void
supa_client_set_access_token (SupaClient *self,
                              const char *access_token)
{
  g_return_if_fail (SUPA_IS_CLIENT (self));

  wipe_string (&self->access_token);
  if (access_token != NULL && *access_token != '\0')
    self->access_token = g_strdup (access_token);
}

char *
supa_client_build_url (SupaClient *self,
                       const char *service_path,
                       const char *query)
{
  g_return_val_if_fail (SUPA_IS_CLIENT (self), NULL);
  g_return_val_if_fail (service_path != NULL, NULL);

  while (*service_path == '/')
    service_path++;

  return g_strconcat (self->url, "/", service_path,
                      (query && *query) ? "?" : "",
                      (query && *query) ? query : "",
                      NULL);
}

char *
supa_client_build_realtime_url (SupaClient *self,
                                const char *vsn)
{
  g_autofree char *escaped_key = NULL;
  g_autofree char *escaped_vsn = NULL;
  const char *rest;
  const char *scheme;

  g_return_val_if_fail (SUPA_IS_CLIENT (self), NULL);

  if (g_str_has_prefix (self->url, "https"))
    {
      scheme = "wss";
      rest = self->url + strlen ("https");
    }
  else if (g_str_has_prefix (self->url, "http"))
    {
      scheme = "ws";
      rest = self->url + strlen ("http");
    }
  else
    {
      scheme = "";
      rest = self->url;
    }

  escaped_key = g_uri_escape_string (self->api_key ? self->api_key : "", NULL, FALSE);
  escaped_vsn = g_uri_escape_string (vsn ? vsn : "1.0.0", NULL, FALSE);

  return g_strconcat (scheme, rest, "/realtime/v1/websocket?apikey=", escaped_key,
                      "&vsn=", escaped_vsn, NULL);
}

/**
 * supa_client_apply_headers:
 * @self: a #SupaClient
 * @msg: a message to this client's project
 * @service: the service @msg goes to
 *
 * Added: applies the header policy of supa_client_new_message() to a
 * message built elsewhere (for example a WebSocket handshake).
 */
void
supa_client_apply_headers (SupaClient  *self,
                           SoupMessage *msg,
                           SupaService  service)
{
  SoupMessageHeaders *headers;
  const char *bearer = NULL;

  g_return_if_fail (SUPA_IS_CLIENT (self));
  g_return_if_fail (SOUP_IS_MESSAGE (msg));

  headers = soup_message_get_request_headers (msg);

  if (self->api_key != NULL)
    soup_message_headers_replace (headers, "apikey", self->api_key);

  if (self->access_token != NULL)
    bearer = self->access_token;
  else if (!(service == SUPA_SERVICE_FUNCTIONS && is_new_format_key (self->api_key)))
    bearer = self->api_key;

  if (bearer != NULL)
    {
      g_autofree char *value = g_strconcat ("Bearer ", bearer, NULL);
      soup_message_headers_replace (headers, "Authorization", value);
      explicit_bzero (value, strlen (value));
    }
  else
    soup_message_headers_remove (headers, "Authorization");

  soup_message_headers_replace (headers, "X-Client-Info", CLIENT_INFO);

  if (service == SUPA_SERVICE_AUTH)
    soup_message_headers_replace (headers, "X-Supabase-Api-Version", API_VERSION);
}

SoupMessage *
supa_client_new_message (SupaClient  *self,
                         SupaService  service,
                         const char  *method,
                         const char  *service_path,
                         const char  *query)
{
  g_autofree char *url = NULL;
  g_autoptr(GUri) uri = NULL;
  SoupMessage *msg;

  g_return_val_if_fail (SUPA_IS_CLIENT (self), NULL);
  g_return_val_if_fail (method != NULL, NULL);
  g_return_val_if_fail (service_path != NULL, NULL);

  url = supa_client_build_url (self, service_path, query);
  uri = g_uri_parse (url, SOUP_HTTP_URI_FLAGS, NULL);
  g_return_val_if_fail (uri != NULL, NULL);

  msg = soup_message_new_from_uri (method, uri);
  supa_client_apply_headers (self, msg, service);

  return msg;
}

static char *
message_log_url (SoupMessage *msg)
{
  g_autofree char *url = g_uri_to_string_partial (soup_message_get_uri (msg), G_URI_HIDE_PASSWORD);
  return supa_redact (url);
}

static double
elapsed_ms (gint64 started_at)
{
  return (g_get_monotonic_time () - started_at) / 1000.0;
}

/* The bookkeeping of one request, made in the caller's thread: only
 * copies, so the outcome can be logged and mapped in whatever thread the
 * message is sent from. */
static SendData *
send_data_new (SoupMessage *msg,
               SupaService  service)
{
  SendData *data = g_new0 (SendData, 1);

  data->msg = g_object_ref (msg);
  data->service = service;
  data->started_at = g_get_monotonic_time ();
  data->log_url = message_log_url (msg);
  data->host = g_strdup (g_uri_get_host (soup_message_get_uri (msg)));

  g_debug ("%s %s", soup_message_get_method (msg), data->log_url);
  return data;
}

/* The one place a finished exchange is logged and mapped, for the async and
 * the blocking sends alike: the body on a 2xx, otherwise a SUPA_ERROR in
 * @data->service's format (or the transport failure, cancellation kept as
 * G_IO_ERROR_CANCELLED). Takes @bytes and @transport_error. Thread-safe: it
 * only reads @data and the finished message. */
static GBytes *
complete_send (SendData  *data,
               GBytes    *bytes,
               GError    *transport_error,
               GError   **error)
{
  g_autoptr(GBytes) body = bytes;
  g_autoptr(GError) local_error = transport_error;
  SoupMessageHeaders *headers;
  guint status;

  if (body == NULL)
    {
      g_debug ("%s %s failed after %.0f ms: %s",
               soup_message_get_method (data->msg), data->log_url,
               elapsed_ms (data->started_at), local_error->message);
      g_propagate_error (error, supa_error_new_from_transport (local_error, data->host));
      return NULL;
    }

  status = soup_message_get_status (data->msg);
  g_debug ("%s %s → %u %s (%.0f ms, %" G_GSIZE_FORMAT " bytes)",
           soup_message_get_method (data->msg), data->log_url, status,
           soup_message_get_reason_phrase (data->msg) ? soup_message_get_reason_phrase (data->msg) : "",
           elapsed_ms (data->started_at), g_bytes_get_size (body));

  if (SOUP_STATUS_IS_SUCCESSFUL (status))
    return g_steal_pointer (&body);

  headers = soup_message_get_response_headers (data->msg);
  local_error = supa_error_new_from_response (data->service, status,
                                              soup_message_get_reason_phrase (data->msg),
                                              soup_message_headers_get_one (headers, "Retry-After"),
                                              soup_message_headers_get_one (headers, "x-sb-error-code"),
                                              body);

  /* The Functions gateway marks its own failures (the function could not
   * be reached) so they are not mistaken for the function's answer. */
  if (data->service == SUPA_SERVICE_FUNCTIONS &&
      g_strcmp0 (soup_message_headers_get_one (headers, "x-relay-error"), "true") == 0)
    g_prefix_error (&local_error, "%s", _("The function could not be reached: "));

  g_propagate_error (error, g_steal_pointer (&local_error));
  return NULL;
}

static void
send_and_read_cb (GObject      *object,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  SoupSession *session = (SoupSession *) object;
  g_autoptr(GTask) task = user_data;
  SendData *data = g_task_get_task_data (task);
  GError *transport_error = NULL;
  GError *error = NULL;
  GBytes *bytes;

  bytes = soup_session_send_and_read_finish (session, result, &transport_error);
  bytes = complete_send (data, bytes, transport_error, &error);
  if (bytes == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, bytes, (GDestroyNotify) g_bytes_unref);
}

void
supa_client_send_async (SupaClient          *self,
                        SoupMessage         *msg,
                        SupaService          service,
                        GCancellable        *cancellable,
                        GAsyncReadyCallback  callback,
                        gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (SUPA_IS_CLIENT (self));
  g_return_if_fail (SOUP_IS_MESSAGE (msg));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, supa_client_send_async);
  g_task_set_task_data (task, send_data_new (msg, service), (GDestroyNotify) send_data_free);

  soup_session_send_and_read_async (self->session, msg, G_PRIORITY_DEFAULT,
                                    cancellable, send_and_read_cb,
                                    g_steal_pointer (&task));
}

GBytes *
supa_client_send_finish (SupaClient    *self,
                         GAsyncResult  *result,
                         GError       **error)
{
  g_return_val_if_fail (SUPA_IS_CLIENT (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/* Blocking: libsoup (3.2+) then writes the body and reads the answer with
 * blocking I/O in the calling thread, without a main-loop round trip per
 * 8 KiB. */
static GBytes *
send_blocking (SupaClient    *self,
               SendData      *data,
               GCancellable  *cancellable,
               GError       **error)
{
  GError *transport_error = NULL;
  GBytes *bytes;

  bytes = soup_session_send_and_read (self->session, data->msg, cancellable, &transport_error);
  return complete_send (data, bytes, transport_error, error);
}

/**
 * supa_client_send_sync:
 * @self: a #SupaClient
 * @msg: the message, not sent before and not used by another thread meanwhile
 * @service: the service @msg goes to (for the error format)
 * @cancellable: (nullable): aborts the exchange, from any thread
 * @error: return location for a #GError
 *
 * Like supa_client_send_async() (same logging, same error mapping), but
 * blocks. Meant for worker threads; see the header for the thread rules.
 *
 * Returns: (transfer full): the body (possibly empty), or %NULL with @error
 */
GBytes *
supa_client_send_sync (SupaClient    *self,
                       SoupMessage   *msg,
                       SupaService    service,
                       GCancellable  *cancellable,
                       GError       **error)
{
  SendData *data;
  GBytes *bytes;

  g_return_val_if_fail (SUPA_IS_CLIENT (self), NULL);
  g_return_val_if_fail (SOUP_IS_MESSAGE (msg), NULL);
  g_return_val_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  data = send_data_new (msg, service);
  bytes = send_blocking (self, data, cancellable, error);
  send_data_free (data);
  return bytes;
}

static void
send_in_thread (GTask        *task,
                gpointer      source_object,
                gpointer      task_data,
                GCancellable *cancellable)
{
  GError *error = NULL;
  GBytes *bytes;

  bytes = send_blocking (source_object, task_data, cancellable, &error);
  if (bytes == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, bytes, (GDestroyNotify) g_bytes_unref);
}

/**
 * supa_client_send_in_thread_async:
 * @self: a #SupaClient
 * @msg: the message
 * @service: the service @msg goes to
 * @cancellable: (nullable): a #GCancellable
 * @callback: called in the thread-default main context of this call
 * @user_data: data for @callback
 *
 * supa_client_send_sync() in a worker thread: for large request bodies,
 * which libsoup's async path writes 8 KiB per main-loop iteration. The
 * message's own signals (wrote-body-data, restarted, …) are emitted in
 * the worker thread.
 */
void
supa_client_send_in_thread_async (SupaClient          *self,
                                  SoupMessage         *msg,
                                  SupaService          service,
                                  GCancellable        *cancellable,
                                  GAsyncReadyCallback  callback,
                                  gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (SUPA_IS_CLIENT (self));
  g_return_if_fail (SOUP_IS_MESSAGE (msg));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, supa_client_send_in_thread_async);
  g_task_set_task_data (task, send_data_new (msg, service), (GDestroyNotify) send_data_free);
  g_task_run_in_thread (task, send_in_thread);
}

GBytes *
supa_client_send_in_thread_finish (SupaClient    *self,
                                   GAsyncResult  *result,
                                   GError       **error)
{
  g_return_val_if_fail (SUPA_IS_CLIENT (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

static JsonNode *
parse_json_bytes (GBytes       *bytes,
                  guint         http_status,
                  GError      **error)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) local_error = NULL;
  const char *data;
  gsize size = 0;
  JsonNode *root;

  data = g_bytes_get_data (bytes, &size);
  if (size == 0)
    return json_node_new (JSON_NODE_NULL);

  if (!json_parser_load_from_data (parser, data, (gssize) size, &local_error))
    {
      g_autofree char *message = NULL;

      /* Translators: %s is the JSON parser's explanation */
      message = g_strdup_printf (_("The server sent an answer that is not valid JSON: %s"),
                                 local_error->message);
      g_propagate_error (error, supa_error_new_full (SUPA_ERROR_PROTOCOL, http_status, http_status,
                                                     NULL, NULL, NULL, message));
      return NULL;
    }

  root = json_parser_get_root (parser);
  if (root == NULL)
    return json_node_new (JSON_NODE_NULL);

  return json_node_copy (root);
}

typedef struct
{
  GBytes *bytes;
  guint   status;
} ParseData;

static void
parse_data_free (ParseData *data)
{
  g_clear_pointer (&data->bytes, g_bytes_unref);
  g_free (data);
}

static void
parse_in_thread (GTask        *task,
                 gpointer      source_object,
                 gpointer      task_data,
                 GCancellable *cancellable)
{
  ParseData *data = task_data;
  GError *error = NULL;
  JsonNode *node;

  node = parse_json_bytes (data->bytes, data->status, &error);
  if (node == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, node, (GDestroyNotify) json_node_unref);
}

static void
send_for_json_cb (GObject      *object,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  SupaClient *self = (SupaClient *) object;
  g_autoptr(GTask) task = user_data;
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GError) error = NULL;
  SoupMessage *msg = g_task_get_task_data (task);
  guint status = soup_message_get_status (msg);
  ParseData *data;
  JsonNode *node;

  bytes = supa_client_send_finish (self, result, &error);
  if (bytes == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  if (g_bytes_get_size (bytes) <= INLINE_PARSE_LIMIT)
    {
      node = parse_json_bytes (bytes, status, &error);
      if (node == NULL)
        g_task_return_error (task, g_steal_pointer (&error));
      else
        g_task_return_pointer (task, node, (GDestroyNotify) json_node_unref);
      return;
    }

  data = g_new0 (ParseData, 1);
  data->bytes = g_steal_pointer (&bytes);
  data->status = status;
  g_task_set_task_data (task, data, (GDestroyNotify) parse_data_free);
  g_task_run_in_thread (task, parse_in_thread);
}

void
supa_client_send_json_async (SupaClient          *self,
                             SoupMessage         *msg,
                             SupaService          service,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (SUPA_IS_CLIENT (self));
  g_return_if_fail (SOUP_IS_MESSAGE (msg));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, supa_client_send_json_async);
  g_task_set_task_data (task, g_object_ref (msg), g_object_unref);

  supa_client_send_async (self, msg, service, cancellable, send_for_json_cb, g_steal_pointer (&task));
}

JsonNode *
supa_client_send_json_finish (SupaClient    *self,
                              GAsyncResult  *result,
                              GError       **error)
{
  g_return_val_if_fail (SUPA_IS_CLIENT (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}
