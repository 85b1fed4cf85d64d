/* supa-error.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "Supadesk"

#include "config.h"

#include "supa-error.h"
#include "supa-client.h"

#include <glib/gi18n-lib.h>
#include <json-glib/json-glib.h>
#include <libsoup/soup.h>
#include <string.h>

/* Server bodies that are not JSON are shown as they are, but a whole HTML
 * error page is no message: keep it short. */
#define MAX_RAW_MESSAGE_CHARS 300

typedef struct
{
  guint   http_status;
  guint   logical_status;
  char   *server_code;
  char   *details;
  char   *hint;
  double  retry_after;
} SupaErrorPrivate;

static void
supa_error_private_init (SupaErrorPrivate *priv)
{
  priv->http_status = 0;
  priv->logical_status = 0;
  priv->server_code = NULL;
  priv->details = NULL;
  priv->hint = NULL;
  priv->retry_after = 0;
}

static void
supa_error_private_copy (const SupaErrorPrivate *src,
                         SupaErrorPrivate       *dest)
{
  dest->http_status = src->http_status;
  dest->logical_status = src->logical_status;
  dest->server_code = g_strdup (src->server_code);
  dest->details = g_strdup (src->details);
  dest->hint = g_strdup (src->hint);
  dest->retry_after = src->retry_after;
}

static void
supa_error_private_clear (SupaErrorPrivate *priv)
{
  g_clear_pointer (&priv->server_code, g_free);
  g_clear_pointer (&priv->details, g_free);
  g_clear_pointer (&priv->hint, g_free);
}

G_DEFINE_EXTENDED_ERROR (SupaError, supa_error)

static SupaErrorPrivate *
get_priv (const GError *error)
{
  if (error == NULL || error->domain != SUPA_ERROR)
    return NULL;
  return supa_error_get_private (error);
}

guint
supa_error_get_http_status (const GError *error)
{
  SupaErrorPrivate *priv = get_priv (error);
  return priv ? priv->http_status : 0;
}

guint
supa_error_get_logical_status (const GError *error)
{
  SupaErrorPrivate *priv = get_priv (error);
  return priv ? priv->logical_status : 0;
}

const char *
supa_error_get_server_code (const GError *error)
{
  SupaErrorPrivate *priv = get_priv (error);
  return priv ? priv->server_code : NULL;
}

const char *
supa_error_get_details (const GError *error)
{
  SupaErrorPrivate *priv = get_priv (error);
  return priv ? priv->details : NULL;
}

const char *
supa_error_get_hint (const GError *error)
{
  SupaErrorPrivate *priv = get_priv (error);
  return priv ? priv->hint : NULL;
}

double
supa_error_get_retry_after (const GError *error)
{
  SupaErrorPrivate *priv = get_priv (error);
  return priv ? priv->retry_after : 0;
}

char *
supa_error_dup_display_text (const GError *error)
{
  GString *text;
  const char *details = supa_error_get_details (error);
  const char *hint = supa_error_get_hint (error);
  const char *code = supa_error_get_server_code (error);

  g_return_val_if_fail (error != NULL, NULL);

  text = g_string_new (error->message);
  if (details != NULL && *details != '\0')
    g_string_append_printf (text, "\n%s", details);
  if (hint != NULL && *hint != '\0')
    g_string_append_printf (text, "\n%s %s", _("Hint:"), hint);
  if (code != NULL && *code != '\0')
    g_string_append_printf (text, "\n%s %s", _("Code:"), code);

  return g_string_free (text, FALSE);
}

static char *
non_empty_dup (const char *s)
{
  return (s != NULL && *s != '\0') ? g_strdup (s) : NULL;
}

GError *
supa_error_new_full (SupaErrorCode  code,
                     guint          http_status,
                     guint          logical_status,
                     const char    *server_code,
                     const char    *details,
                     const char    *hint,
                     const char    *message)
{
  GError *error;
  SupaErrorPrivate *priv;

  error = g_error_new_literal (SUPA_ERROR, code, message ? message : "");
  priv = supa_error_get_private (error);
  priv->http_status = http_status;
  priv->logical_status = logical_status;
  priv->server_code = non_empty_dup (server_code);
  priv->details = non_empty_dup (details);
  priv->hint = non_empty_dup (hint);

  return error;
}

/**
 * supa_error_code_for_status:
 * @status: an HTTP status (real, or the logical one of a Storage body)
 *
 * Returns: the SupaErrorCode a person would expect for @status.
 */
SupaErrorCode
supa_error_code_for_status (guint status)
{
  switch (status)
    {
    case SOUP_STATUS_UNAUTHORIZED:
      return SUPA_ERROR_UNAUTHORIZED;
    case SOUP_STATUS_FORBIDDEN:
      return SUPA_ERROR_FORBIDDEN;
    case SOUP_STATUS_NOT_FOUND:
      return SUPA_ERROR_NOT_FOUND;
    case SOUP_STATUS_CONFLICT:
      return SUPA_ERROR_CONFLICT;
    case SOUP_STATUS_REQUEST_ENTITY_TOO_LARGE:
      return SUPA_ERROR_TOO_LARGE;
    case SOUP_STATUS_UNSUPPORTED_MEDIA_TYPE:
      return SUPA_ERROR_UNSUPPORTED_MEDIA;
    case 429:
      return SUPA_ERROR_RATE_LIMITED;
    default:
      break;
    }

  if (status >= 400 && status < 500)
    return SUPA_ERROR_INVALID_INPUT;
  if (status >= 500 && status < 600)
    return SUPA_ERROR_SERVER;

  return SUPA_ERROR_PROTOCOL;
}

/* Retry-After is either delta-seconds or an HTTP date. */
static double
parse_retry_after (const char *value)
{
  g_autoptr(GDateTime) when = NULL;
  g_autoptr(GDateTime) now = NULL;
  const char *end = NULL;
  guint64 seconds;

  if (value == NULL)
    return 0;

  while (g_ascii_isspace (*value))
    value++;
  if (*value == '\0')
    return 0;

  if (g_ascii_isdigit (*value))
    {
      seconds = g_ascii_strtoull (value, (char **) &end, 10);
      while (end && g_ascii_isspace (*end))
        end++;
      if (end && *end == '\0')
        return (double) seconds;
      return 0;
    }

  when = soup_date_time_new_from_http_string (value);
  if (when == NULL)
    return 0;

  now = g_date_time_new_now_utc ();
  return MAX (0.0, g_date_time_difference (when, now) / (double) G_TIME_SPAN_SECOND);
}

static const char *
object_get_string (JsonObject *obj,
                   const char *member)
{
  JsonNode *node;

  if (obj == NULL || !json_object_has_member (obj, member))
    return NULL;

  node = json_object_get_member (obj, member);
  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) ||
      json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;

  return json_node_get_string (node);
}

/* A member as text whatever its JSON type: strings as they are, numbers
 * printed, arrays and objects serialised (PostgREST puts an array of
 * candidate relationships in `details` for PGRST201). */
static char *
object_dup_text (JsonObject *obj,
                 const char *member)
{
  JsonNode *node;

  if (obj == NULL || !json_object_has_member (obj, member))
    return NULL;

  node = json_object_get_member (obj, member);
  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return NULL;

  if (JSON_NODE_HOLDS_VALUE (node))
    {
      GType type = json_node_get_value_type (node);

      if (type == G_TYPE_STRING)
        return non_empty_dup (json_node_get_string (node));
      if (type == G_TYPE_INT64)
        return g_strdup_printf ("%" G_GINT64_FORMAT, json_node_get_int (node));
      if (type == G_TYPE_DOUBLE)
        {
          char buf[G_ASCII_DTOSTR_BUF_SIZE];
          return g_strdup (g_ascii_dtostr (buf, sizeof buf, json_node_get_double (node)));
        }
      if (type == G_TYPE_BOOLEAN)
        return g_strdup (json_node_get_boolean (node) ? "true" : "false");
      return NULL;
    }

  return json_to_string (node, FALSE);
}

/* Parses @body as a JSON object; NULL if it is anything else. */
static JsonObject *
parse_body_object (GBytes *body)
{
  g_autoptr(JsonParser) parser = NULL;
  const char *data;
  gsize size = 0;
  JsonNode *root;

  if (body == NULL)
    return NULL;

  data = g_bytes_get_data (body, &size);
  if (data == NULL || size == 0)
    return NULL;

  parser = json_parser_new ();
  if (!json_parser_load_from_data (parser, data, (gssize) size, NULL))
    return NULL;

  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    return NULL;

  return json_object_ref (json_node_get_object (root));
}

/* A non-JSON body as a message: plain text only, trimmed and shortened. */
static char *
raw_body_message (GBytes *body)
{
  g_autofree char *text = NULL;
  const char *data;
  gsize size = 0;
  char *stripped;

  if (body == NULL)
    return NULL;

  data = g_bytes_get_data (body, &size);
  if (data == NULL || size == 0)
    return NULL;

  text = g_utf8_make_valid (data, (gssize) size);
  stripped = g_strstrip (text);

  if (*stripped == '\0' || *stripped == '<' || *stripped == '{' || *stripped == '[')
    return NULL;

  if (g_utf8_strlen (stripped, -1) > MAX_RAW_MESSAGE_CHARS)
    {
      g_autofree char *cut = g_utf8_substring (stripped, 0, MAX_RAW_MESSAGE_CHARS);
      return g_strconcat (cut, "…", NULL);
    }

  return g_strdup (stripped);
}

/* First string among the members auth-js and storage-js look at. */
static char *
first_message (JsonObject *obj)
{
  static const char * const members[] = { "msg", "message", "error_description", "error" };

  for (guint i = 0; i < G_N_ELEMENTS (members); i++)
    {
      const char *s = object_get_string (obj, members[i]);
      if (s != NULL && *s != '\0')
        return g_strdup (s);
    }

  /* storage-js also reads error.message */
  if (obj != NULL && json_object_has_member (obj, "error"))
    {
      JsonNode *node = json_object_get_member (obj, "error");
      if (JSON_NODE_HOLDS_OBJECT (node))
        {
          const char *s = object_get_string (json_node_get_object (node), "message");
          if (s != NULL && *s != '\0')
            return g_strdup (s);
        }
    }

  return NULL;
}

static char *
generic_status_message (guint       http_status,
                        const char *reason_phrase)
{
  const char *phrase = reason_phrase;

  if (phrase == NULL || *phrase == '\0')
    phrase = soup_status_get_phrase (http_status);
  /* libsoup's placeholder for statuses it does not know */
  if (g_strcmp0 (phrase, "Unknown Error") == 0)
    phrase = NULL;

  if (phrase == NULL || *phrase == '\0')
    /* Translators: %u is an HTTP status code such as 502 */
    return g_strdup_printf (_("The server answered %u."), http_status);

  /* Translators: %u is an HTTP status code and %s its reason, e.g. "502 Bad Gateway" */
  return g_strdup_printf (_("The server answered %u %s."), http_status, phrase);
}

GError *
supa_error_new_from_response (SupaService  service,
                              guint        http_status,
                              const char  *reason_phrase,
                              const char  *retry_after,
                              const char  *x_sb_error_code,
                              GBytes      *body)
{
  g_autoptr(JsonObject) obj = NULL;
  g_autofree char *message = NULL;
  g_autofree char *server_code = NULL;
  g_autofree char *details = NULL;
  g_autofree char *hint = NULL;
  g_autofree char *safe_message = NULL;
  guint logical_status = http_status;
  GError *error;

  obj = parse_body_object (body);

  switch (service)
    {
    case SUPA_SERVICE_REST:
      if (obj != NULL)
        {
          message = object_dup_text (obj, "message");
          server_code = object_dup_text (obj, "code");
          details = object_dup_text (obj, "details");
          hint = object_dup_text (obj, "hint");
        }
      break;

    case SUPA_SERVICE_AUTH:
      if (obj != NULL)
        {
          const char *code = object_get_string (obj, "code");

          message = first_message (obj);
          /* New format: "code" is the string code; legacy: "code" is the
           * integer status and "error_code" the string. OAuth-style bodies
           * carry the code in "error" next to "error_description". */
          if (code != NULL)
            server_code = g_strdup (code);
          else if (object_get_string (obj, "error_code") != NULL)
            server_code = g_strdup (object_get_string (obj, "error_code"));
          else if (object_get_string (obj, "error_description") != NULL)
            server_code = non_empty_dup (object_get_string (obj, "error"));
        }
      if (server_code == NULL)
        server_code = non_empty_dup (x_sb_error_code);
      break;

    case SUPA_SERVICE_STORAGE:
      if (obj != NULL)
        {
          g_autofree char *status_code = object_dup_text (obj, "statusCode");
          guint64 parsed = 0;

          message = first_message (obj);
          server_code = object_dup_text (obj, "code");
          if (server_code == NULL)
            server_code = non_empty_dup (object_get_string (obj, "error"));

          /* Storage answers HTTP 400 for most errors and puts the real
           * status in the body, as a string. */
          if (status_code != NULL &&
              g_ascii_string_to_unsigned (status_code, 10, 100, 599, &parsed, NULL))
            logical_status = (guint) parsed;
        }
      break;

    case SUPA_SERVICE_REALTIME:
    case SUPA_SERVICE_FUNCTIONS:
    default:
      if (obj != NULL)
        {
          message = first_message (obj);
          server_code = non_empty_dup (object_get_string (obj, "code"));
          if (server_code == NULL && object_get_string (obj, "message") != NULL)
            server_code = non_empty_dup (object_get_string (obj, "error"));
        }
      break;
    }

  /* A gateway rejection ({"message": …}) or any other JSON object that
   * carries a message in a shape we did not expect. */
  if (message == NULL && obj != NULL)
    message = first_message (obj);

  if (message == NULL && obj == NULL)
    message = raw_body_message (body);

  if (message == NULL)
    message = generic_status_message (http_status, reason_phrase);

  /* Server text is shown to people and logged: make sure no key or token
   * echoed back by a server ends up there. */
  safe_message = supa_redact (message);

  error = supa_error_new_full (supa_error_code_for_status (logical_status),
                               http_status, logical_status,
                               server_code, details, hint, safe_message);
  supa_error_get_private (error)->retry_after = parse_retry_after (retry_after);

  return error;
}

static const char *
transport_reason (const GError *error)
{
  if (error->domain == G_RESOLVER_ERROR)
    {
      if (error->code == G_RESOLVER_ERROR_NOT_FOUND)
        return _("host not found");
      return _("the host name could not be resolved");
    }

  if (error->domain == G_IO_ERROR)
    {
      switch (error->code)
        {
        case G_IO_ERROR_CONNECTION_REFUSED:
          return _("connection refused");
        case G_IO_ERROR_HOST_NOT_FOUND:
          return _("host not found");
        case G_IO_ERROR_TIMED_OUT:
          return _("the connection timed out");
        case G_IO_ERROR_BROKEN_PIPE: /* == G_IO_ERROR_CONNECTION_CLOSED */
        case G_IO_ERROR_NOT_CONNECTED:
          return _("the connection was reset");
        case G_IO_ERROR_NETWORK_UNREACHABLE:
          return _("the network is unreachable");
        case G_IO_ERROR_HOST_UNREACHABLE:
          return _("the host is unreachable");
        case G_IO_ERROR_PROXY_FAILED:
        case G_IO_ERROR_PROXY_AUTH_FAILED:
        case G_IO_ERROR_PROXY_NEED_AUTH:
        case G_IO_ERROR_PROXY_NOT_ALLOWED:
          return _("the proxy refused the connection");
        default:
          break;
        }
    }

  return NULL;
}

static gboolean
is_tls_error (const GError *error)
{
  if (error->domain == G_TLS_ERROR)
    return TRUE;

  return FALSE;
}

GError *
supa_error_new_from_transport (const GError *transport_error,
                               const char   *host)
{
  g_autofree char *message = NULL;
  g_autofree char *detail = NULL;
  const char *reason;
  const char *where;

  g_return_val_if_fail (transport_error != NULL, NULL);

  if (g_error_matches (transport_error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return g_error_copy (transport_error);

  if (transport_error->domain == SUPA_ERROR)
    return g_error_copy (transport_error);

  where = (host != NULL && *host != '\0') ? host : _("the server");
  detail = supa_redact (transport_error->message);

  if (is_tls_error (transport_error))
    {
      if (transport_error->code == G_TLS_ERROR_BAD_CERTIFICATE)
        /* Translators: the first %s is a host name, the second the reason given by the TLS library */
        message = g_strdup_printf (_("The TLS certificate of %s is not trusted: %s"), where, detail);
      else
        /* Translators: the first %s is a host name, the second the reason given by the TLS library */
        message = g_strdup_printf (_("The secure connection to %s failed: %s"), where, detail);

      return supa_error_new_full (SUPA_ERROR_TLS, 0, 0, NULL, NULL, NULL, message);
    }

  if (transport_error->domain == SOUP_SESSION_ERROR &&
      (transport_error->code == SOUP_SESSION_ERROR_PARSING ||
       transport_error->code == SOUP_SESSION_ERROR_ENCODING))
    {
      /* Translators: the first %s is a host name, the second a technical reason */
      message = g_strdup_printf (_("The answer from %s could not be read: %s"), where, detail);
      return supa_error_new_full (SUPA_ERROR_PROTOCOL, 0, 0, NULL, NULL, NULL, message);
    }

  reason = transport_reason (transport_error);
  /* Translators: the first %s is a host name, the second the reason, e.g. "connection refused" */
  message = g_strdup_printf (_("Could not reach %s: %s"), where, reason ? reason : detail);

  return supa_error_new_full (SUPA_ERROR_NETWORK, 0, 0, NULL, NULL, NULL, message);
}
