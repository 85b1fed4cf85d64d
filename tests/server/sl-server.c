/* sl-server.c — HTTP side of supabase-local: routing, worker threads,
 * streamed bodies, authentication, the request log and fault application.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * One catch-all SoupServer handler dispatches by longest route prefix. The
 * message is paused while a worker thread runs the module's handler on a
 * plain copy of the request; the response is written back on the main
 * thread. Per-message bookkeeping (timing, byte counts, the fault plan, the
 * spool file) lives in a MsgState attached to the message from the
 * request-started signal on.
 */

#define G_LOG_DOMAIN "supabase-local"

#include "sl-core-private.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <sys/stat.h>

#include <glib/gstdio.h>
#include <gio/gunixoutputstream.h>

#define N_WORKERS        16
#define FILE_CHUNK_SIZE  (256 * 1024)
#define FILE_QUEUE_MAX   (1024 * 1024)

static const char cors_allow_headers[] =
  "apikey, authorization, x-client-info, content-type, x-upsert, range, prefer, "
  "accept-profile, content-profile, tus-resumable, upload-length, upload-offset, "
  "upload-metadata, upload-defer-length, upload-concat, x-supabase-api-version, "
  "x-region, cache-control, if-none-match, if-match, x-http-method-override";
static const char cors_expose_headers[] =
  "Content-Range, Content-Length, Content-Type, Content-Location, Location, ETag, "
  "Range-Unit, Preference-Applied, X-Total-Count, Link, Upload-Offset, Upload-Length, "
  "Tus-Resumable, Tus-Version, Tus-Max-Size, Tus-Extension, Retry-After";

typedef struct
{
  char         *prefix;
  gsize         len;
  SlRouteFlags  flags;
  SlHandler     handler;
  gpointer      user_data;
} SlRoute;

typedef struct
{
  SlServer          *server;
  SoupServerMessage *msg;            /* not a ref: the state is the message's data */
  gint64             start_us;
  GDateTime         *start_time;
  goffset            req_bytes;
  goffset            resp_bytes;
  SlFaultPlan        plan;
  gboolean           planned;
  SlRoute           *route;
  /* spooled request body */
  char              *spool_path;
  GOutputStream     *spool;
  gboolean           spool_failed;
  /* lifecycle */
  gboolean           dispatched;     /* the main handler ran */
  gboolean           finished;
  gboolean           logged;
  gboolean           reset_fired;
  gboolean           body_written;   /* wrote-body: the response went out whole */
  /* streamed response body */
  GInputStream      *file_in;
  goffset            file_remaining;
  goffset            file_appended;
  gboolean           file_reading;
  goffset            resp_limit;     /* reset-response: bytes to send, -1 = all */
} MsgState;

typedef struct
{
  SlServer          *server;
  SlRoute           *route;
  SoupServerMessage *msg;            /* a ref, or NULL for partial-body runs */
  SlRequest         *req;
  SlResponse        *resp;
} Job;

static const char state_key[] = "sl-msg-state";

/* ----------------------------------------------------------- helpers */

static MsgState *
msg_state (SoupServerMessage *msg)
{
  return g_object_get_data (G_OBJECT (msg), state_key);
}

static void
msg_state_free (gpointer data)
{
  MsgState *st = data;

  if (st->spool != NULL)
    g_output_stream_close (st->spool, NULL, NULL);
  g_clear_object (&st->spool);
  if (st->spool_path != NULL)
    g_unlink (st->spool_path);
  g_free (st->spool_path);
  g_clear_object (&st->file_in);
  g_clear_pointer (&st->start_time, g_date_time_unref);
  g_free (st);
}

static gboolean
route_matches (const SlRoute *route,
               const char    *path)
{
  if (strncmp (path, route->prefix, route->len) != 0)
    return FALSE;
  return path[route->len] == '\0' || path[route->len] == '/' ||
         (route->len > 0 && route->prefix[route->len - 1] == '/');
}

static SlRoute *
find_route (SlServer   *server,
            const char *path)
{
  GPtrArray *routes = sl_core (server)->routes;

  /* Sorted longest first. */
  for (guint i = 0; i < routes->len; i++)
    if (route_matches (routes->pdata[i], path))
      return routes->pdata[i];
  return NULL;
}

static int
compare_routes (gconstpointer a,
                gconstpointer b)
{
  const SlRoute *ra = *(const SlRoute * const *) a;
  const SlRoute *rb = *(const SlRoute * const *) b;

  if (ra->len != rb->len)
    return ra->len > rb->len ? -1 : 1;
  return strcmp (ra->prefix, rb->prefix);
}

static char *
decode_query_part (const char *s,
                   gssize      len)
{
  g_autofree char *plus = g_strndup (s, len < 0 ? strlen (s) : (gsize) len);
  char *decoded;

  for (char *p = plus; *p; p++)
    if (*p == '+')
      *p = ' ';
  decoded = g_uri_unescape_string (plus, NULL);
  return decoded ? decoded : g_steal_pointer (&plus);
}

static GPtrArray *
parse_query (const char *raw_query)
{
  GPtrArray *q = g_ptr_array_new_with_free_func (g_free);
  g_auto(GStrv) parts = NULL;

  if (raw_query == NULL || *raw_query == '\0')
    return q;
  parts = g_strsplit (raw_query, "&", -1);
  for (guint i = 0; parts[i]; i++)
    {
      const char *eq;

      if (parts[i][0] == '\0')
        continue;
      eq = strchr (parts[i], '=');
      if (eq != NULL)
        {
          g_ptr_array_add (q, decode_query_part (parts[i], eq - parts[i]));
          g_ptr_array_add (q, decode_query_part (eq + 1, -1));
        }
      else
        {
          g_ptr_array_add (q, decode_query_part (parts[i], -1));
          g_ptr_array_add (q, g_strdup (""));
        }
    }
  return q;
}

static SoupMessageHeaders *
copy_headers (SoupMessageHeaders *src)
{
  SoupMessageHeaders *dst = soup_message_headers_new (SOUP_MESSAGE_HEADERS_REQUEST);
  SoupMessageHeadersIter iter;
  const char *name, *value;

  soup_message_headers_iter_init (&iter, src);
  while (soup_message_headers_iter_next (&iter, &name, &value))
    soup_message_headers_append (dst, name, value);
  return dst;
}

static void
add_cors_headers (SoupMessageHeaders *h)
{
  soup_message_headers_replace (h, "Access-Control-Allow-Origin", "*");
  if (soup_message_headers_get_one (h, "Access-Control-Expose-Headers") == NULL)
    soup_message_headers_replace (h, "Access-Control-Expose-Headers", cors_expose_headers);
}

static void
set_json_message (SoupServerMessage *msg,
                  guint              status,
                  const char        *json)
{
  soup_server_message_set_status (msg, status, NULL);
  soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_COPY,
                                    json, strlen (json));
  add_cors_headers (soup_server_message_get_response_headers (msg));
}

/* ------------------------------------------------------ SlRequest */

const char *
sl_request_get_query (SlRequest  *req,
                      const char *name)
{
  g_return_val_if_fail (req != NULL, NULL);

  for (guint i = 0; req->query && i + 1 < req->query->len; i += 2)
    if (strcmp (req->query->pdata[i], name) == 0)
      return req->query->pdata[i + 1];
  return NULL;
}

const char *
sl_request_get_header (SlRequest  *req,
                       const char *name)
{
  g_return_val_if_fail (req != NULL, NULL);

  return req->headers ? soup_message_headers_get_one (req->headers, name) : NULL;
}

JsonNode *
sl_request_parse_json (SlRequest  *req,
                       GError    **error)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonNode *root;

  g_return_val_if_fail (req != NULL, NULL);

  if (req->body_path != NULL)
    {
      if (!json_parser_load_from_file (parser, req->body_path, error))
        return NULL;
    }
  else
    {
      gsize len = 0;
      const char *data = req->body ? g_bytes_get_data (req->body, &len) : NULL;

      if (data == NULL || len == 0)
        {
          g_set_error_literal (error, JSON_PARSER_ERROR, JSON_PARSER_ERROR_PARSE,
                               "Empty request body");
          return NULL;
        }
      if (!json_parser_load_from_data (parser, data, len, error))
        return NULL;
    }
  root = json_parser_get_root (parser);
  if (root == NULL)
    {
      g_set_error_literal (error, JSON_PARSER_ERROR, JSON_PARSER_ERROR_PARSE,
                           "Empty request body");
      return NULL;
    }
  return json_node_copy (root);
}

static JsonObject *
role_claims (const char *role)
{
  JsonObject *o = json_object_new ();

  json_object_set_string_member (o, "role", role);
  return o;
}

static void
set_role_from_claims (SlRequest  *req,
                      JsonObject *claims)
{
  JsonNode *role = json_object_get_member (claims, "role");

  g_clear_pointer (&req->claims, json_object_unref);
  g_clear_pointer (&req->role, g_free);
  req->claims = json_object_ref (claims);
  if (role != NULL && JSON_NODE_HOLDS_VALUE (role) &&
      json_node_get_value_type (role) == G_TYPE_STRING)
    req->role = g_strdup (json_node_get_string (role));
  else
    req->role = g_strdup ("anon");
}

gboolean
sl_request_authenticate (SlRequest    *req,
                         SlAuthFlags   flags,
                         SlResponse   *resp,
                         GError      **jwt_error_out)
{
  SlServer *server;
  const char *apikey;
  const char *authorization;
  const char *token;
  g_autoptr(GError) local_error = NULL;
  g_autoptr(JsonObject) claims = NULL;

  g_return_val_if_fail (req != NULL, FALSE);
  g_return_val_if_fail (resp != NULL, FALSE);
  server = req->server;

  g_clear_pointer (&req->apikey, g_free);
  g_clear_pointer (&req->bearer, g_free);
  g_clear_pointer (&req->role, g_free);
  g_clear_pointer (&req->claims, json_object_unref);

  apikey = sl_request_get_header (req, "apikey");
  if (apikey == NULL || *apikey == '\0')
    apikey = sl_request_get_query (req, "apikey");
  if (apikey != NULL && *apikey == '\0')
    apikey = NULL;
  req->apikey = g_strdup (apikey);

  authorization = sl_request_get_header (req, "Authorization");
  if (authorization != NULL && g_ascii_strncasecmp (authorization, "Bearer ", 7) == 0)
    {
      g_autofree char *b = g_strstrip (g_strdup (authorization + 7));

      if (*b != '\0')
        req->bearer = g_steal_pointer (&b);
    }

  if (apikey == NULL && (flags & SL_AUTH_REQUIRE_APIKEY))
    {
      sl_response_set_json_text (resp, 401, "{\"message\":\"No API key found in request\"}");
      return FALSE;
    }

  if (apikey != NULL &&
      g_strcmp0 (apikey, server->anon_key) != 0 &&
      g_strcmp0 (apikey, server->service_role_key) != 0)
    {
      g_autoptr(JsonObject) key_claims = sl_jwt_verify (server->jwt_secret, apikey, NULL);

      if (key_claims == NULL)
        {
          sl_response_set_json_text (resp, 401, "{\"message\":\"Invalid authentication credentials\"}");
          return FALSE;
        }
    }

  token = req->bearer ? req->bearer : apikey;
  if (token == NULL)
    {
      if (flags & SL_AUTH_ALLOW_NO_JWT)
        {
          g_autoptr(JsonObject) anon = role_claims ("anon");

          set_role_from_claims (req, anon);
        }
      return TRUE;
    }

  claims = sl_jwt_verify (server->jwt_secret, token, &local_error);
  if (claims == NULL)
    {
      g_propagate_error (jwt_error_out, g_steal_pointer (&local_error));
      return TRUE;
    }
  set_role_from_claims (req, claims);
  return TRUE;
}

static SlRequest *
request_new (SlServer          *server,
             SoupServerMessage *msg,
             const char        *prefix_or_null,
             gsize              prefix_len)
{
  SlRequest *req = g_new0 (SlRequest, 1);
  GUri *uri = soup_server_message_get_uri (msg);
  const char *raw_path = g_uri_get_path (uri);
  const char *raw_query = g_uri_get_query (uri);
  char *path;

  req->server = server;
  req->method = g_strdup (soup_server_message_get_method (msg));
  req->raw_path = g_strdup (raw_path && *raw_path ? raw_path : "/");
  req->raw_query = g_strdup (raw_query);
  path = g_uri_unescape_string (req->raw_path, NULL);
  req->path = path ? path : g_strdup (req->raw_path);
  if (prefix_or_null != NULL && strncmp (req->path, prefix_or_null, prefix_len) == 0)
    req->subpath = g_strdup (req->path + prefix_len);
  else
    req->subpath = g_strdup (prefix_or_null ? "" : req->path);
  req->query = parse_query (raw_query);
  req->headers = copy_headers (soup_server_message_get_request_headers (msg));
  req->remote_host = g_strdup (soup_server_message_get_remote_host (msg));
  return req;
}

SlRequest *
sl_request_new_for_message (SlServer          *server,
                            SoupServerMessage *msg,
                            const char        *prefix)
{
  SlRequest *req;
  SoupMessageBody *body;

  g_return_val_if_fail (server != NULL, NULL);
  g_return_val_if_fail (SOUP_IS_SERVER_MESSAGE (msg), NULL);

  req = request_new (server, msg, prefix, prefix ? strlen (prefix) : 0);
  body = soup_server_message_get_request_body (msg);
  if (body != NULL && body->length > 0)
    {
      req->body = soup_message_body_flatten (body);
      req->body_length = g_bytes_get_size (req->body);
    }
  return req;
}

void
sl_request_free (SlRequest *req)
{
  if (req == NULL)
    return;
  g_free (req->method);
  g_free (req->path);
  g_free (req->subpath);
  g_free (req->raw_path);
  g_free (req->raw_query);
  g_clear_pointer (&req->query, g_ptr_array_unref);
  g_clear_pointer (&req->headers, soup_message_headers_unref);
  g_clear_pointer (&req->body, g_bytes_unref);
  if (req->body_path != NULL)
    g_unlink (req->body_path);
  g_free (req->body_path);
  g_free (req->remote_host);
  g_free (req->apikey);
  g_free (req->bearer);
  g_free (req->role);
  g_clear_pointer (&req->claims, json_object_unref);
  g_free (req);
}

/* ----------------------------------------------------- SlResponse */

SlResponse *
sl_response_new (void)
{
  SlResponse *resp = g_new0 (SlResponse, 1);

  resp->status = 500;
  resp->headers = soup_message_headers_new (SOUP_MESSAGE_HEADERS_RESPONSE);
  resp->file_length = -1;
  return resp;
}

void
sl_response_free (SlResponse *resp)
{
  if (resp == NULL)
    return;
  g_clear_pointer (&resp->headers, soup_message_headers_unref);
  g_clear_pointer (&resp->body, g_bytes_unref);
  g_free (resp->content_type);
  g_free (resp->file_path);
  g_free (resp);
}

static void
response_reset_body (SlResponse *resp)
{
  g_clear_pointer (&resp->body, g_bytes_unref);
  g_clear_pointer (&resp->file_path, g_free);
  g_clear_pointer (&resp->content_type, g_free);
  resp->file_offset = 0;
  resp->file_length = -1;
}

void
sl_response_set_json (SlResponse *resp,
                      guint       status,
                      JsonNode   *node)
{
  g_autofree char *text = NULL;

  g_return_if_fail (resp != NULL);

  text = node ? json_to_string (node, FALSE) : g_strdup ("null");
  sl_response_set_json_text (resp, status, text);
}

void
sl_response_set_json_text (SlResponse *resp,
                           guint       status,
                           const char *json_text)
{
  sl_response_set_text (resp, status, "application/json; charset=utf-8", json_text);
}

void
sl_response_set_text (SlResponse *resp,
                      guint       status,
                      const char *content_type,
                      const char *text)
{
  g_autoptr(GBytes) bytes = NULL;

  g_return_if_fail (resp != NULL);

  bytes = text ? g_bytes_new (text, strlen (text)) : NULL;
  sl_response_set_bytes (resp, status, content_type, bytes);
}

void
sl_response_set_bytes (SlResponse *resp,
                       guint       status,
                       const char *content_type,
                       GBytes     *bytes)
{
  g_return_if_fail (resp != NULL);

  response_reset_body (resp);
  resp->status = status;
  resp->content_type = g_strdup (content_type);
  resp->body = bytes ? g_bytes_ref (bytes) : NULL;
}

void
sl_response_set_file (SlResponse *resp,
                      guint       status,
                      const char *content_type,
                      const char *path,
                      goffset     offset,
                      goffset     length)
{
  g_return_if_fail (resp != NULL);
  g_return_if_fail (path != NULL);

  response_reset_body (resp);
  resp->status = status;
  resp->content_type = g_strdup (content_type);
  resp->file_path = g_strdup (path);
  resp->file_offset = MAX (offset, 0);
  resp->file_length = length;
}

void
sl_response_add_header (SlResponse *resp,
                        const char *name,
                        const char *value)
{
  g_return_if_fail (resp != NULL);

  soup_message_headers_append (resp->headers, name, value);
}

static void
copy_response_headers (SlResponse        *resp,
                       SoupServerMessage *msg)
{
  SoupMessageHeaders *h = soup_server_message_get_response_headers (msg);
  SoupMessageHeadersIter iter;
  const char *name, *value;

  soup_message_headers_iter_init (&iter, resp->headers);
  while (soup_message_headers_iter_next (&iter, &name, &value))
    {
      /* Framing is ours to decide. */
      if (g_ascii_strcasecmp (name, "Content-Length") == 0 ||
          g_ascii_strcasecmp (name, "Transfer-Encoding") == 0)
        continue;
      soup_message_headers_append (h, name, value);
    }
  if (resp->content_type != NULL)
    soup_message_headers_replace (h, "Content-Type", resp->content_type);
  add_cors_headers (h);
}

void
sl_response_apply (SlResponse        *resp,
                   SoupServerMessage *msg)
{
  SoupMessageBody *body;

  g_return_if_fail (resp != NULL);
  g_return_if_fail (SOUP_IS_SERVER_MESSAGE (msg));

  soup_server_message_set_status (msg, resp->status, NULL);
  copy_response_headers (resp, msg);
  body = soup_server_message_get_response_body (msg);
  soup_message_body_truncate (body);
  if (resp->body != NULL && g_bytes_get_size (resp->body) > 0)
    soup_message_body_append_bytes (body, resp->body);
  soup_message_body_complete (body);
}

/* ------------------------------------------------------ resets */

/* Drops the connection: what a client sees when a proxy or the network
 * fails mid-transfer. libsoup notices on its next read or write and
 * aborts the message. */
static void
reset_connection (MsgState *st)
{
  GSocket *sock;

  if (st->reset_fired || st->finished)
    return;
  st->reset_fired = TRUE;
  sock = soup_server_message_get_socket (st->msg);
  if (sock != NULL)
    {
      /* A zero linger turns the close into a TCP RST, as a real dropped
       * connection looks to the peer; a plain shutdown leaves a client that
       * still has megabytes to send blocked until its write times out. */
      struct linger lg = { .l_onoff = 1, .l_linger = 0 };

      setsockopt (g_socket_get_fd (sock), SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
      g_socket_close (sock, NULL);
    }
}

/* --------------------------------------------------- file streaming */

static void file_read_next (MsgState *st);

static void
file_read_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(SoupServerMessage) msg = user_data;
  MsgState *st = msg_state (msg);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = g_input_stream_read_bytes_finish (G_INPUT_STREAM (source), result, &error);
  SoupMessageBody *body;
  gsize n;

  if (st == NULL || st->finished)
    return;
  st->file_reading = FALSE;
  if (bytes == NULL || g_bytes_get_size (bytes) == 0)
    {
      /* The file shrank or failed under us: the promised Content-Length
       * cannot be honoured, so the connection must go. */
      g_printerr ("supabase-local: streaming a file failed: %s\n",
                  error ? error->message : "unexpected end of file");
      reset_connection (st);
      soup_message_body_append (soup_server_message_get_response_body (msg),
                                SOUP_MEMORY_STATIC, "\0", 1);
      soup_server_message_unpause (msg);
      return;
    }
  n = MIN ((goffset) g_bytes_get_size (bytes), st->file_remaining);
  body = soup_server_message_get_response_body (msg);
  if (n < g_bytes_get_size (bytes))
    {
      g_autoptr(GBytes) part = g_bytes_new_from_bytes (bytes, 0, n);
      soup_message_body_append_bytes (body, part);
    }
  else
    soup_message_body_append_bytes (body, bytes);
  st->file_remaining -= n;
  st->file_appended += n;
  if (st->file_remaining == 0)
    {
      g_clear_object (&st->file_in);
      /* A reset-response fault closes the connection once the truncated
       * body is out instead of completing it. */
      if (st->resp_limit < 0)
        soup_message_body_complete (body);
    }
  soup_server_message_unpause (msg);
  file_read_next (st);
}

static void
file_read_next (MsgState *st)
{
  if (st->file_in == NULL || st->file_reading || st->file_remaining <= 0 || st->finished)
    return;
  if (st->file_appended - st->resp_bytes >= FILE_QUEUE_MAX)
    return;
  st->file_reading = TRUE;
  g_input_stream_read_bytes_async (st->file_in,
                                   MIN (FILE_CHUNK_SIZE, st->file_remaining),
                                   G_PRIORITY_DEFAULT, NULL,
                                   file_read_cb, g_object_ref (st->msg));
}

/* ------------------------------------------------------ responses */

static gboolean
apply_file_response (MsgState          *st,
                     SlResponse        *resp,
                     SoupServerMessage *msg)
{
  g_autoptr(GFile) file = g_file_new_for_path (resp->file_path);
  g_autoptr(GFileInputStream) in = NULL;
  g_autoptr(GFileInfo) info = NULL;
  g_autoptr(GError) error = NULL;
  SoupMessageHeaders *h = soup_server_message_get_response_headers (msg);
  goffset size, length;

  in = g_file_read (file, NULL, &error);
  if (in != NULL)
    info = g_file_input_stream_query_info (in, G_FILE_ATTRIBUTE_STANDARD_SIZE, NULL, &error);
  if (info == NULL)
    {
      g_printerr ("supabase-local: cannot serve %s: %s\n", resp->file_path, error->message);
      return FALSE;
    }
  size = g_file_info_get_size (info);
  length = resp->file_length < 0 ? size - resp->file_offset : resp->file_length;
  if (resp->file_offset > size || length < 0 || resp->file_offset + length > size)
    {
      g_printerr ("supabase-local: file region out of range for %s\n", resp->file_path);
      return FALSE;
    }
  if (resp->file_offset > 0 &&
      !g_seekable_seek (G_SEEKABLE (in), resp->file_offset, G_SEEK_SET, NULL, &error))
    {
      g_printerr ("supabase-local: cannot seek %s: %s\n", resp->file_path, error->message);
      return FALSE;
    }

  soup_server_message_set_status (msg, resp->status, NULL);
  copy_response_headers (resp, msg);
  soup_message_headers_set_encoding (h, SOUP_ENCODING_CONTENT_LENGTH);
  soup_message_headers_set_content_length (h, length);

  if (g_strcmp0 (soup_server_message_get_method (msg), "HEAD") == 0 ||
      resp->status == 204 || resp->status == 304)
    {
      soup_message_body_complete (soup_server_message_get_response_body (msg));
      return TRUE;
    }

  st->file_in = G_INPUT_STREAM (g_steal_pointer (&in));
  st->file_remaining = length;
  if (st->resp_limit >= 0 && st->resp_limit < length)
    st->file_remaining = st->resp_limit;
  else
    st->resp_limit = -1;
  if (st->file_remaining == 0)
    {
      g_clear_object (&st->file_in);
      if (st->resp_limit < 0)
        soup_message_body_complete (soup_server_message_get_response_body (msg));
      return TRUE;
    }
  file_read_next (st);
  return TRUE;
}

static void
apply_response (MsgState          *st,
                SlResponse        *resp,
                SoupServerMessage *msg)
{
  SoupMessageBody *body = soup_server_message_get_response_body (msg);

  if (resp->status < 100 || resp->status > 599)
    {
      g_printerr ("supabase-local: handler for %s set no valid status\n",
                  g_uri_get_path (soup_server_message_get_uri (msg)));
      resp->status = 500;
    }

  if (resp->file_path != NULL)
    {
      if (!apply_file_response (st, resp, msg))
        set_json_message (msg, 500, "{\"message\":\"internal error: cannot read file\"}");
      return;
    }

  soup_server_message_set_status (msg, resp->status, NULL);
  copy_response_headers (resp, msg);
  soup_message_body_truncate (body);

  if (st->resp_limit >= 0 && resp->body != NULL &&
      (goffset) g_bytes_get_size (resp->body) > st->resp_limit &&
      g_strcmp0 (soup_server_message_get_method (msg), "HEAD") != 0)
    {
      /* reset-response: promise the whole body, send only the start. */
      g_autoptr(GBytes) part = g_bytes_new_from_bytes (resp->body, 0, st->resp_limit);
      SoupMessageHeaders *h = soup_server_message_get_response_headers (msg);

      soup_message_headers_set_encoding (h, SOUP_ENCODING_CONTENT_LENGTH);
      soup_message_headers_set_content_length (h, g_bytes_get_size (resp->body));
      if (st->resp_limit > 0)
        soup_message_body_append_bytes (body, part);
      return;
    }
  st->resp_limit = -1;
  if (resp->body != NULL && g_bytes_get_size (resp->body) > 0)
    soup_message_body_append_bytes (body, resp->body);
  soup_message_body_complete (body);
}

/* --------------------------------------------------------- workers */

static void
job_free (Job *job)
{
  g_clear_object (&job->msg);
  sl_request_free (job->req);
  sl_response_free (job->resp);
  g_free (job);
}

static gboolean
job_done_cb (gpointer data)
{
  Job *job = data;
  MsgState *st = job->msg ? msg_state (job->msg) : NULL;

  if (st != NULL && !st->finished)
    {
      apply_response (st, job->resp, job->msg);
      soup_server_message_unpause (job->msg);
    }
  job_free (job);
  return G_SOURCE_REMOVE;
}

static void
worker_func (gpointer data,
             gpointer pool_data)
{
  Job *job = data;

  job->route->handler (job->req, job->resp, job->route->user_data);
  g_main_context_invoke (job->server->main_context, job_done_cb, job);
}

static void
push_job (SlServer          *server,
          SlRoute           *route,
          SoupServerMessage *msg,
          SlRequest         *req)
{
  Job *job = g_new0 (Job, 1);

  job->server = server;
  job->route = route;
  job->msg = msg ? g_object_ref (msg) : NULL;
  job->req = req;
  job->resp = sl_response_new ();
  g_thread_pool_push (sl_core (server)->workers, job, NULL);
}

static SlRequest *
request_for_state (MsgState *st)
{
  SlRequest *req = request_new (st->server, st->msg, st->route->prefix, st->route->len);

  if (st->spool_path != NULL)
    {
      if (st->spool != NULL)
        {
          g_output_stream_close (st->spool, NULL, NULL);
          g_clear_object (&st->spool);
        }
      req->body_path = g_steal_pointer (&st->spool_path);
      req->body_length = st->req_bytes;
    }
  else
    {
      SoupMessageBody *body = soup_server_message_get_request_body (st->msg);

      req->body = soup_message_body_flatten (body);
      req->body_length = g_bytes_get_size (req->body);
    }
  return req;
}

static void
dispatch (MsgState *st)
{
  SlRequest *req = request_for_state (st);

  push_job (st->server, st->route, st->msg, req);
}

/* ------------------------------------------------- signal handlers */

static void
got_chunk_cb (SoupServerMessage *msg,
              GBytes            *chunk,
              gpointer           user_data)
{
  MsgState *st = user_data;
  gsize n = g_bytes_get_size (chunk);

  st->req_bytes += n;
  if (st->spool != NULL && !st->spool_failed)
    {
      g_autoptr(GError) error = NULL;

      if (!g_output_stream_write_all (st->spool, g_bytes_get_data (chunk, NULL), n,
                                      NULL, NULL, &error))
        {
          g_printerr ("supabase-local: cannot spool a request body: %s\n", error->message);
          st->spool_failed = TRUE;
        }
    }
  if (st->planned && st->plan.reset_request_after >= 0 &&
      st->req_bytes >= st->plan.reset_request_after)
    reset_connection (st);
}

static void
wrote_body_data_cb (SoupServerMessage *msg,
                    guint              chunk_size,
                    gpointer           user_data)
{
  MsgState *st = user_data;

  st->resp_bytes += chunk_size;
}

static void
wrote_chunk_cb (SoupServerMessage *msg,
                gpointer           user_data)
{
  MsgState *st = user_data;

  if (st->resp_limit >= 0 && st->resp_bytes >= st->resp_limit)
    {
      reset_connection (st);
      /* Give libsoup something to write so it trips over the closed
       * socket instead of waiting for more body forever. */
      soup_message_body_append (soup_server_message_get_response_body (msg),
                                SOUP_MEMORY_STATIC, "\0", 1);
      return;
    }
  file_read_next (st);
}

static void
wrote_headers_cb (SoupServerMessage *msg,
                  gpointer           user_data)
{
  MsgState *st = user_data;

  /* libsoup 3.2 drops the Content-Length of a 204 as it writes the
   * headers, which leaves them claiming "body until EOF": it then closes
   * the connection instead of keeping it alive, and a client that sends
   * its next request on it (curl --next, tus-js-client in browsers) gets a
   * reset. A 204 has no body; say so, and the connection stays. */
  if (soup_server_message_get_status (msg) == SOUP_STATUS_NO_CONTENT)
    soup_message_headers_set_encoding (soup_server_message_get_response_headers (msg),
                                       SOUP_ENCODING_NONE);

  if (st->resp_limit == 0)
    {
      reset_connection (st);
      soup_message_body_append (soup_server_message_get_response_body (msg),
                                SOUP_MEMORY_STATIC, "\0", 1);
      soup_server_message_unpause (msg);
    }
}

static void log_request (SlServer          *server,
                         SoupServerMessage *msg,
                         gboolean           aborted);

static void
wrote_body_cb (SoupServerMessage *msg,
               gpointer           user_data)
{
  MsgState *st = user_data;

  st->body_written = TRUE;
}

/* A WebSocket handshake steals the connection after the 101: libsoup then
 * emits neither request-finished nor request-aborted, so log it here. */
static void
wrote_informational_cb (SoupServerMessage *msg,
                        gpointer           user_data)
{
  MsgState *st = user_data;

  if (soup_server_message_get_status (msg) == SOUP_STATUS_SWITCHING_PROTOCOLS)
    log_request (st->server, msg, FALSE);
}

static void
finished_cb (SoupServerMessage *msg,
             gpointer           user_data)
{
  MsgState *st = user_data;

  if (st->finished)
    return;
  st->finished = TRUE;

  /* A spooled upload that broke off: let a PARTIAL_BODY handler keep the
   * bytes that arrived. */
  if (!st->dispatched && st->route != NULL && st->spool_path != NULL &&
      (st->route->flags & SL_ROUTE_PARTIAL_BODY) &&
      !g_atomic_int_get (&sl_core (st->server)->shutting_down))
    {
      SlRequest *req = request_for_state (st);

      req->body_incomplete = TRUE;
      push_job (st->server, st->route, NULL, req);
    }
}

static void
request_started_cb (SoupServer        *soup,
                    SoupServerMessage *msg,
                    gpointer           user_data)
{
  SlServer *server = user_data;
  MsgState *st = g_new0 (MsgState, 1);

  st->server = server;
  st->msg = msg;
  st->start_us = g_get_monotonic_time ();
  st->start_time = g_date_time_new_now_utc ();
  st->resp_limit = -1;
  st->plan.reset_request_after = -1;
  st->plan.reset_response_after = -1;
  g_object_set_data_full (G_OBJECT (msg), state_key, st, msg_state_free);

  g_signal_connect (msg, "got-chunk", G_CALLBACK (got_chunk_cb), st);
  g_signal_connect (msg, "wrote-body-data", G_CALLBACK (wrote_body_data_cb), st);
  g_signal_connect (msg, "wrote-chunk", G_CALLBACK (wrote_chunk_cb), st);
  g_signal_connect (msg, "wrote-headers", G_CALLBACK (wrote_headers_cb), st);
  g_signal_connect (msg, "wrote-body", G_CALLBACK (wrote_body_cb), st);
  g_signal_connect (msg, "wrote-informational", G_CALLBACK (wrote_informational_cb), st);
  g_signal_connect (msg, "finished", G_CALLBACK (finished_cb), st);
}

/* ---------------------------------------------------- request log */

static char *
redact_query (const char *raw_query)
{
  static const char * const secret_names[] = {
    "apikey", "token", "access_token", "refresh_token", "password", NULL
  };
  g_auto(GStrv) parts = NULL;
  GString *out;

  if (raw_query == NULL)
    return NULL;
  out = g_string_new (NULL);
  parts = g_strsplit (raw_query, "&", -1);
  for (guint i = 0; parts[i]; i++)
    {
      const char *eq = strchr (parts[i], '=');
      g_autofree char *name = eq ? g_strndup (parts[i], eq - parts[i]) : g_strdup (parts[i]);
      g_autofree char *decoded = decode_query_part (name, -1);

      if (i > 0)
        g_string_append_c (out, '&');
      if (eq != NULL && g_strv_contains (secret_names, decoded))
        g_string_append_printf (out, "%s=REDACTED", name);
      else
        g_string_append (out, parts[i]);
    }
  return g_string_free (out, FALSE);
}

static char *
key_role (SlServer   *server,
          const char *value)
{
  char *role = NULL;
  const char *v = value;

  if (g_ascii_strncasecmp (v, "Bearer ", 7) == 0)
    v += 7;
  while (*v == ' ')
    v++;
  if (g_strcmp0 (v, server->anon_key) == 0)
    return g_strdup ("anon");
  if (g_strcmp0 (v, server->service_role_key) == 0)
    return g_strdup ("service_role");
  sl_jwt_describe_role (server->jwt_secret, v, &role);
  return role;
}

static void
log_request (SlServer          *server,
             SoupServerMessage *msg,
             gboolean           aborted)
{
  SlCore *core = sl_core (server);
  MsgState *st = msg_state (msg);
  g_autoptr(JsonBuilder) b = NULL;
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *line = NULL;
  g_autofree char *stamp = NULL;
  g_autofree char *query = NULL;
  GUri *uri;
  SoupMessageHeadersIter iter;
  const char *name, *value;

  if (st == NULL || st->logged)
    return;
  st->logged = TRUE;
  if (core->request_log == NULL)
    return;
  uri = soup_server_message_get_uri (msg);
  if (soup_server_message_get_method (msg) == NULL || uri == NULL)
    return; /* the connection closed before a request line arrived */

  {
    g_autofree char *base = g_date_time_format (st->start_time, "%Y-%m-%dT%H:%M:%S");
    stamp = g_strdup_printf ("%s.%03dZ", base, g_date_time_get_microsecond (st->start_time) / 1000);
  }
  query = redact_query (g_uri_get_query (uri));

  b = json_builder_new ();
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "time");
  json_builder_add_string_value (b, stamp);
  json_builder_set_member_name (b, "method");
  json_builder_add_string_value (b, soup_server_message_get_method (msg));
  json_builder_set_member_name (b, "path");
  json_builder_add_string_value (b, g_uri_get_path (uri));
  json_builder_set_member_name (b, "query");
  if (query != NULL)
    json_builder_add_string_value (b, query);
  else
    json_builder_add_null_value (b);
  json_builder_set_member_name (b, "status");
  json_builder_add_int_value (b, soup_server_message_get_status (msg));
  json_builder_set_member_name (b, "duration_ms");
  json_builder_add_int_value (b, (g_get_monotonic_time () - st->start_us + 500) / 1000);
  json_builder_set_member_name (b, "request_headers");
  json_builder_begin_object (b);
  soup_message_headers_iter_init (&iter, soup_server_message_get_request_headers (msg));
  while (soup_message_headers_iter_next (&iter, &name, &value))
    {
      g_autofree char *lower = g_ascii_strdown (name, -1);

      json_builder_set_member_name (b, lower);
      if (g_str_equal (lower, "apikey") || g_str_equal (lower, "authorization") ||
          g_str_equal (lower, "x-api-key"))
        {
          g_autofree char *role = key_role (server, value);
          json_builder_add_string_value (b, role);
        }
      else if (g_str_equal (lower, "cookie"))
        json_builder_add_string_value (b, "REDACTED");
      else
        json_builder_add_string_value (b, value);
    }
  json_builder_end_object (b);
  json_builder_set_member_name (b, "request_body_bytes");
  json_builder_add_int_value (b, st->req_bytes);
  json_builder_set_member_name (b, "response_body_bytes");
  json_builder_add_int_value (b, st->resp_bytes);
  /* libsoup reports plain 500 responses as aborted too: judge by what
   * was written. */
  if (st->reset_fired ||
      (aborted && !st->body_written &&
       soup_server_message_get_status (msg) != SOUP_STATUS_SWITCHING_PROTOCOLS))
    {
      json_builder_set_member_name (b, "aborted");
      json_builder_add_boolean_value (b, TRUE);
    }
  json_builder_end_object (b);

  root = json_builder_get_root (b);
  line = json_to_string (root, FALSE);
  fputs (line, core->request_log);
  fputc ('\n', core->request_log);
  fflush (core->request_log);
}

static void
request_finished_cb (SoupServer        *soup,
                     SoupServerMessage *msg,
                     gpointer           user_data)
{
  log_request (user_data, msg, FALSE);
}

static void
request_aborted_cb (SoupServer        *soup,
                    SoupServerMessage *msg,
                    gpointer           user_data)
{
  log_request (user_data, msg, TRUE);
}

/* ------------------------------------------------------- handlers */

static void
early_handler_cb (SoupServer        *soup,
                  SoupServerMessage *msg,
                  const char        *path,
                  GHashTable        *query,
                  gpointer           user_data)
{
  SlServer *server = user_data;
  MsgState *st = msg_state (msg);
  g_autofree char *decoded = NULL;

  if (st == NULL)
    return;
  decoded = g_uri_unescape_string (path, NULL);
  st->route = find_route (server, decoded ? decoded : path);

  /* The control routes stay reachable whatever the faults. */
  if (!g_str_has_prefix (path, "/__local/faults") && !g_str_has_prefix (path, "/__local/health"))
    {
      sl_faults_plan (sl_core (server)->faults, soup_server_message_get_method (msg),
                      path, &st->plan);
      st->planned = TRUE;
      if (st->plan.reset_response_after >= 0)
        st->resp_limit = st->plan.reset_response_after;
    }

  if (st->route != NULL && (st->route->flags & SL_ROUTE_SPOOL_BODY))
    {
      g_autofree char *tmpl = g_build_filename (sl_core (server)->spool_dir, "body-XXXXXX", NULL);
      int fd = g_mkstemp (tmpl);

      if (fd < 0)
        {
          g_printerr ("supabase-local: cannot create a spool file: %s\n", g_strerror (errno));
          return;
        }
      soup_message_body_set_accumulate (soup_server_message_get_request_body (msg), FALSE);
      st->spool = g_unix_output_stream_new (fd, TRUE);
      st->spool_path = g_steal_pointer (&tmpl);
    }
}

/* A response made by the core itself (faults, 404, …), subject to the
 * reset-response fault like any other. */
static void
respond_now (MsgState   *st,
             guint       status,
             const char *json,
             guint       retry_after)
{
  g_autoptr(SlResponse) resp = sl_response_new ();

  sl_response_set_json_text (resp, status, json);
  if (retry_after > 0)
    {
      g_autofree char *ra = g_strdup_printf ("%u", retry_after);
      sl_response_add_header (resp, "Retry-After", ra);
    }
  apply_response (st, resp, st->msg);
}

/* After any injected latency: the fault status, a 404, or the route. The
 * message is paused when @paused. */
static void
continue_request (MsgState *st,
                  gboolean  paused)
{
  if (st->plan.status != 0)
    {
      g_autofree char *body = g_strdup_printf ("{\"message\":\"supabase-local fault: status %u\",\"code\":\"%u\"}",
                                               st->plan.status, st->plan.status);

      respond_now (st, st->plan.status, body, st->plan.retry_after);
    }
  else if (st->route == NULL)
    respond_now (st, 404, "{\"message\":\"no Route matched with those values\"}", 0);
  else if (st->spool_failed)
    respond_now (st, 500, "{\"message\":\"internal error: cannot store the request body\"}", 0);
  else
    {
      if (!paused)
        soup_server_message_pause (st->msg);
      dispatch (st);
      return;
    }
  if (paused)
    soup_server_message_unpause (st->msg);
}

static gboolean
latency_done_cb (gpointer data)
{
  g_autoptr(SoupServerMessage) msg = data;
  MsgState *st = msg_state (msg);

  if (st != NULL && !st->finished)
    continue_request (st, TRUE);
  return G_SOURCE_REMOVE;
}

static void
server_handler_cb (SoupServer        *soup,
                   SoupServerMessage *msg,
                   const char        *path,
                   GHashTable        *query,
                   gpointer           user_data)
{
  MsgState *st = msg_state (msg);
  SoupMessageHeaders *req_headers = soup_server_message_get_request_headers (msg);
  const char *method = soup_server_message_get_method (msg);

  soup_message_body_set_accumulate (soup_server_message_get_response_body (msg), FALSE);

  if (st == NULL)
    {
      set_json_message (msg, 500, "{\"message\":\"internal error\"}");
      return;
    }
  st->dispatched = TRUE;

  if (g_strcmp0 (method, "OPTIONS") == 0 &&
      soup_message_headers_get_one (req_headers, "Access-Control-Request-Method") != NULL)
    {
      SoupMessageHeaders *h = soup_server_message_get_response_headers (msg);

      soup_server_message_set_status (msg, 200, NULL);
      soup_message_headers_replace (h, "Access-Control-Allow-Origin", "*");
      soup_message_headers_replace (h, "Access-Control-Allow-Methods",
                                    "GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS");
      soup_message_headers_replace (h, "Access-Control-Allow-Headers", cors_allow_headers);
      soup_message_headers_replace (h, "Access-Control-Max-Age", "86400");
      soup_server_message_set_response (msg, "text/plain", SOUP_MEMORY_STATIC, "", 0);
      return;
    }

  if (st->plan.latency_ms > 0)
    {
      soup_server_message_pause (msg);
      g_timeout_add (st->plan.latency_ms, latency_done_cb, g_object_ref (msg));
      return;
    }
  continue_request (st, FALSE);
}

/* ---------------------------------------------------- core routes */

static void
health_handler (SlRequest  *req,
                SlResponse *resp,
                gpointer    user_data)
{
  sl_response_set_json_text (resp, 200, "{\"status\":\"ok\"}");
}

/* /__local/selftest/…: exercise the core's streaming paths from the core's
 * own tests (service_role only). */
static gint64 selftest_last_partial = -1;
G_LOCK_DEFINE_STATIC (selftest);

static gboolean
selftest_authorized (SlRequest  *req,
                     SlResponse *resp)
{
  g_autoptr(GError) jwt_error = NULL;

  if (!sl_request_authenticate (req, SL_AUTH_REQUIRE_APIKEY, resp, &jwt_error))
    return FALSE;
  if (jwt_error != NULL || g_strcmp0 (req->role, "service_role") != 0)
    {
      sl_response_set_json_text (resp, 403, "{\"message\":\"service_role only\"}");
      return FALSE;
    }
  return TRUE;
}

static void
selftest_spool_handler (SlRequest  *req,
                        SlResponse *resp,
                        gpointer    user_data)
{
  g_autoptr(GChecksum) sum = g_checksum_new (G_CHECKSUM_SHA256);
  g_autofree char *json = NULL;
  g_autoptr(GFile) file = NULL;
  g_autoptr(GFileInputStream) in = NULL;
  g_autofree guchar *buf = NULL;
  goffset total = 0;
  gssize n;

  if (req->body_incomplete)
    {
      struct stat stbuf;

      if (req->body_path != NULL && g_stat (req->body_path, &stbuf) == 0)
        {
          G_LOCK (selftest);
          selftest_last_partial = stbuf.st_size;
          G_UNLOCK (selftest);
        }
      return;
    }
  if (!selftest_authorized (req, resp))
    return;
  if (g_str_equal (req->method, "GET"))
    {
      G_LOCK (selftest);
      json = g_strdup_printf ("{\"last_partial_bytes\":%" G_GINT64_FORMAT "}",
                              selftest_last_partial);
      G_UNLOCK (selftest);
      sl_response_set_json_text (resp, 200, json);
      return;
    }
  if (req->body_path == NULL)
    {
      sl_response_set_json_text (resp, 500, "{\"message\":\"body was not spooled\"}");
      return;
    }
  file = g_file_new_for_path (req->body_path);
  in = g_file_read (file, NULL, NULL);
  if (in == NULL)
    {
      sl_response_set_json_text (resp, 500, "{\"message\":\"cannot read the spool file\"}");
      return;
    }
  buf = g_malloc (65536);
  while ((n = g_input_stream_read (G_INPUT_STREAM (in), buf, 65536, NULL, NULL)) > 0)
    {
      g_checksum_update (sum, buf, n);
      total += n;
    }
  json = g_strdup_printf ("{\"bytes\":%" G_GINT64_FORMAT ",\"body_length\":%" G_GINT64_FORMAT
                          ",\"sha256\":\"%s\",\"in_memory\":%s}",
                          (gint64) total, (gint64) req->body_length,
                          g_checksum_get_string (sum), req->body ? "true" : "false");
  sl_response_set_json_text (resp, 200, json);
}

static void
selftest_file_handler (SlRequest  *req,
                       SlResponse *resp,
                       gpointer    user_data)
{
  const char *size_s = sl_request_get_query (req, "size");
  const char *offset_s = sl_request_get_query (req, "offset");
  const char *length_s = sl_request_get_query (req, "length");
  guint64 size = 0, offset = 0, length = 0;
  g_autofree char *name = NULL;
  g_autofree char *path = NULL;

  if (!selftest_authorized (req, resp))
    return;
  if (size_s == NULL || !g_ascii_string_to_unsigned (size_s, 10, 0, G_GINT64_CONSTANT (1) << 32, &size, NULL) ||
      (offset_s && !g_ascii_string_to_unsigned (offset_s, 10, 0, size, &offset, NULL)) ||
      (length_s && !g_ascii_string_to_unsigned (length_s, 10, 0, size - offset, &length, NULL)))
    {
      sl_response_set_json_text (resp, 400, "{\"message\":\"bad size/offset/length\"}");
      return;
    }
  name = g_strdup_printf ("selftest-%" G_GUINT64_FORMAT ".bin", size);
  path = g_build_filename (req->server->workdir, name, NULL);
  if (!g_file_test (path, G_FILE_TEST_EXISTS))
    {
      g_autofree char *tmp = g_strconcat (path, ".tmp", NULL);
      g_autoptr(GFile) file = g_file_new_for_path (tmp);
      g_autoptr(GFileOutputStream) out = g_file_replace (file, NULL, FALSE, G_FILE_CREATE_NONE, NULL, NULL);
      guchar buf[4096];
      guint64 written = 0;

      if (out == NULL)
        {
          sl_response_set_json_text (resp, 500, "{\"message\":\"cannot create the file\"}");
          return;
        }
      /* Byte i is i mod 251: any misplaced chunk shows. */
      while (written < size)
        {
          gsize n = MIN (sizeof buf, size - written);

          for (gsize i = 0; i < n; i++)
            buf[i] = (guchar) ((written + i) % 251);
          if (!g_output_stream_write_all (G_OUTPUT_STREAM (out), buf, n, NULL, NULL, NULL))
            break;
          written += n;
        }
      g_output_stream_close (G_OUTPUT_STREAM (out), NULL, NULL);
      g_rename (tmp, path);
    }
  sl_response_set_file (resp, (offset_s || length_s) ? 206 : 200, "application/octet-stream",
                        path, offset, length_s ? (goffset) length : -1);
}

static void
selftest_ws_message_cb (SoupWebsocketConnection *conn,
                        gint                     type,
                        GBytes                  *message,
                        gpointer                 user_data)
{
  if (type == SOUP_WEBSOCKET_DATA_TEXT)
    {
      gsize len = 0;
      const char *data = g_bytes_get_data (message, &len);
      g_autofree char *text = g_strndup (data, len);

      soup_websocket_connection_send_text (conn, text);
    }
}

static void
selftest_ws_closed_cb (SoupWebsocketConnection *conn,
                       gpointer                 user_data)
{
  g_object_unref (conn);
}

/* An echo WebSocket (no auth: it only echoes). */
static void
selftest_ws_cb (SoupServer              *soup,
                SoupServerMessage       *msg,
                const char              *path,
                SoupWebsocketConnection *conn,
                gpointer                 user_data)
{
  g_object_ref (conn);
  g_signal_connect (conn, "message", G_CALLBACK (selftest_ws_message_cb), NULL);
  g_signal_connect (conn, "closed", G_CALLBACK (selftest_ws_closed_cb), NULL);
}

/* ------------------------------------------------------------ API */

void
sl_server_add_route (SlServer     *server,
                     const char   *prefix,
                     SlRouteFlags  flags,
                     SlHandler     handler,
                     gpointer      user_data)
{
  SlRoute *route;
  SlCore *core;

  g_return_if_fail (server != NULL);
  g_return_if_fail (prefix != NULL && prefix[0] == '/');
  g_return_if_fail (handler != NULL);

  core = sl_core (server);
  route = g_new0 (SlRoute, 1);
  route->prefix = g_strdup (prefix);
  route->len = strlen (prefix);
  /* "/x/" and "/x" are the same route; keep "/" as is. */
  while (route->len > 1 && route->prefix[route->len - 1] == '/')
    route->prefix[--route->len] = '\0';
  route->flags = flags;
  route->handler = handler;
  route->user_data = user_data;
  g_ptr_array_add (core->routes, route);
  g_ptr_array_sort (core->routes, compare_routes);
}

static void
route_free (gpointer data)
{
  SlRoute *route = data;

  g_free (route->prefix);
  g_free (route);
}

gboolean
sl_server_listen (SlServer  *server,
                  guint      port,
                  GError   **error)
{
  SlCore *core = sl_core (server);
  GSList *uris;

  core->routes = g_ptr_array_new_with_free_func (route_free);
  core->spool_dir = g_build_filename (server->workdir, "spool", NULL);
  if (g_mkdir_with_parents (core->spool_dir, 0700) != 0)
    {
      int saved = errno;
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                   "Cannot create %s: %s", core->spool_dir, g_strerror (saved));
      return FALSE;
    }
  core->workers = g_thread_pool_new (worker_func, server, N_WORKERS, FALSE, error);
  if (core->workers == NULL)
    return FALSE;

  server->soup = soup_server_new ("server-header", "supabase-local ", NULL);
  g_signal_connect (server->soup, "request-started", G_CALLBACK (request_started_cb), server);
  g_signal_connect (server->soup, "request-finished", G_CALLBACK (request_finished_cb), server);
  g_signal_connect (server->soup, "request-aborted", G_CALLBACK (request_aborted_cb), server);
  soup_server_add_early_handler (server->soup, NULL, early_handler_cb, server, NULL);
  soup_server_add_handler (server->soup, NULL, server_handler_cb, server, NULL);

  sl_server_add_route (server, "/__local/health", SL_ROUTE_DEFAULT, health_handler, NULL);
  sl_server_add_route (server, "/__local/faults", SL_ROUTE_DEFAULT, sl_faults_handle,
                       core->faults);
  sl_server_add_route (server, "/__local/selftest/spool",
                       SL_ROUTE_SPOOL_BODY | SL_ROUTE_PARTIAL_BODY, selftest_spool_handler, NULL);
  sl_server_add_route (server, "/__local/selftest/file", SL_ROUTE_DEFAULT,
                       selftest_file_handler, NULL);
  soup_server_add_websocket_handler (server->soup, "/__local/selftest/ws", NULL, NULL,
                                     selftest_ws_cb, NULL, NULL);

  if (!soup_server_listen_local (server->soup, port, SOUP_SERVER_LISTEN_IPV4_ONLY, error))
    return FALSE;
  uris = soup_server_get_uris (server->soup);
  if (uris == NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_FAILED, "The server has no listening address");
      return FALSE;
    }
  server->port = g_uri_get_port (uris->data);
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);
  server->base_url = g_strdup_printf ("http://127.0.0.1:%u", server->port);
  return TRUE;
}

gboolean
sl_server_open_request_log (SlServer    *server,
                            const char  *path,
                            GError     **error)
{
  SlCore *core = sl_core (server);

  core->request_log = fopen (path, "ae");
  if (core->request_log == NULL)
    {
      int saved = errno;
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                   "Cannot open the request log %s: %s", path, g_strerror (saved));
      return FALSE;
    }
  return TRUE;
}

void
sl_server_stop_listening (SlServer *server)
{
  if (server->soup != NULL)
    soup_server_disconnect (server->soup);
}

void
sl_server_close (SlServer *server)
{
  SlCore *core = sl_core (server);

  if (core->workers != NULL)
    {
      /* Let running handlers finish (they may hold pooled connections). */
      g_thread_pool_free (core->workers, TRUE, TRUE);
      core->workers = NULL;
    }
  g_clear_object (&server->soup);
  g_clear_pointer (&core->routes, g_ptr_array_unref);
  if (core->request_log != NULL)
    {
      fclose (core->request_log);
      core->request_log = NULL;
    }
  g_clear_pointer (&core->spool_dir, g_free);
}
