/* sl-functions.c — Edge Functions for supabase-local (PROTOCOL.md §6).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * There is no Deno here: three built-in functions cover what a client has
 * to handle. `echo` describes the request it got (method, path, query, the
 * headers that matter, the caller's role — never the token — and the body),
 * `slow` answers after a delay, `fail` answers with a chosen status and can
 * pose as a relay error. Like the platform with verify_jwt on, every call
 * needs `Authorization: Bearer <JWT>`.
 */

#define G_LOG_DOMAIN "sl-functions"

#include "config.h"

#include "sl-server.h"

#include <string.h>

#define PREFIX      "/functions/v1"
#define MAX_SLEEP_MS 60000

static void
set_error (SlResponse *resp,
           guint       status,
           const char *code,
           const char *message)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "code");
  json_builder_add_string_value (b, code);
  json_builder_set_member_name (b, "message");
  json_builder_add_string_value (b, message);
  json_builder_end_object (b);
  root = json_builder_get_root (b);
  sl_response_set_json (resp, status, root);
}

/* An integer from ?@name= or the JSON body's @name, else @fallback. */
static gint64
int_param (SlRequest  *req,
           JsonObject *body,
           const char *name,
           gint64      fallback)
{
  const char *q = sl_request_get_query (req, name);

  if (q != NULL)
    {
      char *end = NULL;
      gint64 v = g_ascii_strtoll (q, &end, 10);
      return end != q ? v : fallback;
    }
  if (body != NULL && json_object_has_member (body, name))
    {
      JsonNode *n = json_object_get_member (body, name);

      if (JSON_NODE_HOLDS_VALUE (n))
        {
          GType t = json_node_get_value_type (n);
          if (t == G_TYPE_INT64)
            return json_node_get_int (n);
          if (t == G_TYPE_DOUBLE)
            return (gint64) json_node_get_double (n);
          if (t == G_TYPE_STRING)
            return g_ascii_strtoll (json_node_get_string (n), NULL, 10);
        }
    }
  return fallback;
}

static JsonObject *
body_object (SlRequest *req)
{
  g_autoptr(JsonNode) node = NULL;

  if (req->body == NULL || g_bytes_get_size (req->body) == 0)
    return NULL;
  node = sl_request_parse_json (req, NULL);
  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    return NULL;
  return json_object_ref (json_node_get_object (node));
}

static const char *
requested_region (SlRequest *req)
{
  const char *region = sl_request_get_query (req, "forceFunctionRegion");

  if (region == NULL)
    region = sl_request_get_header (req, "x-region");
  return region;
}

static void
add_body (JsonBuilder *b,
          SlRequest   *req)
{
  const char *ctype = sl_request_get_header (req, "content-type");
  gsize len = 0;
  const char *data = req->body ? g_bytes_get_data (req->body, &len) : NULL;
  g_autofree char *mime = NULL;

  json_builder_set_member_name (b, "body");
  if (data == NULL || len == 0)
    {
      json_builder_add_null_value (b);
      return;
    }
  mime = g_ascii_strdown (ctype ? ctype : "text/plain", -1);
  if (strchr (mime, ';') != NULL)
    *strchr (mime, ';') = '\0';
  g_strstrip (mime);

  if (g_str_has_suffix (mime, "json"))
    {
      g_autoptr(JsonNode) node = sl_request_parse_json (req, NULL);
      if (node != NULL)
        {
          json_builder_add_value (b, g_steal_pointer (&node));
          return;
        }
    }
  if (g_strcmp0 (mime, "application/octet-stream") != 0 && g_utf8_validate (data, len, NULL))
    {
      g_autofree char *text = g_strndup (data, len);
      json_builder_add_string_value (b, text);
      return;
    }
  {
    g_autofree char *b64 = g_base64_encode ((const guchar *) data, len);
    json_builder_add_string_value (b, b64);
    json_builder_set_member_name (b, "body_encoding");
    json_builder_add_string_value (b, "base64");
  }
}

static void
fn_echo (SlRequest  *req,
         SlResponse *resp,
         const char *role,
         const char *rest_path)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;
  SoupMessageHeadersIter iter;
  const char *name, *value;
  const char *region = requested_region (req);
  static const char * const plain[] = { "content-type", "x-client-info", "x-region", "accept", NULL };

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "function");
  json_builder_add_string_value (b, "echo");
  json_builder_set_member_name (b, "method");
  json_builder_add_string_value (b, req->method);
  json_builder_set_member_name (b, "path");
  json_builder_add_string_value (b, rest_path);

  json_builder_set_member_name (b, "query");
  json_builder_begin_object (b);
  for (guint i = 0; req->query != NULL && i + 1 < req->query->len; i += 2)
    {
      json_builder_set_member_name (b, g_ptr_array_index (req->query, i));
      json_builder_add_string_value (b, g_ptr_array_index (req->query, i + 1));
    }
  json_builder_end_object (b);

  /* Headers a function would look at; credentials are never echoed. */
  json_builder_set_member_name (b, "headers");
  json_builder_begin_object (b);
  soup_message_headers_iter_init (&iter, req->headers);
  while (soup_message_headers_iter_next (&iter, &name, &value))
    {
      g_autofree char *lower = g_ascii_strdown (name, -1);

      if (!g_strv_contains (plain, lower) && !g_str_has_prefix (lower, "x-"))
        continue;
      if (g_strcmp0 (lower, "x-api-key") == 0)
        continue;
      json_builder_set_member_name (b, lower);
      json_builder_add_string_value (b, value);
    }
  json_builder_end_object (b);

  json_builder_set_member_name (b, "role");
  json_builder_add_string_value (b, role);
  json_builder_set_member_name (b, "apikey");
  json_builder_add_boolean_value (b, sl_request_get_header (req, "apikey") != NULL);
  json_builder_set_member_name (b, "region");
  if (region != NULL)
    json_builder_add_string_value (b, region);
  else
    json_builder_add_null_value (b);
  add_body (b, req);
  json_builder_end_object (b);

  root = json_builder_get_root (b);
  sl_response_set_json (resp, 200, root);
}

static void
fn_slow (SlRequest  *req,
         SlResponse *resp)
{
  g_autoptr(JsonObject) body = body_object (req);
  gint64 ms = CLAMP (int_param (req, body, "ms", 1000), 0, MAX_SLEEP_MS);
  g_autofree char *json = NULL;

  /* Handlers run on a worker thread; blocking it is what a slow function does. */
  g_usleep (ms * 1000);
  json = g_strdup_printf ("{\"slept_ms\":%" G_GINT64_FORMAT "}", ms);
  sl_response_set_json_text (resp, 200, json);
}

static void
fn_fail (SlRequest  *req,
         SlResponse *resp)
{
  g_autoptr(JsonObject) body = body_object (req);
  gint64 status = int_param (req, body, "status", 500);
  const char *message = sl_request_get_query (req, "message");
  const char *relay = sl_request_get_query (req, "relay");
  g_autoptr(JsonBuilder) b = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;

  if (status < 200 || status > 599)
    status = 500;
  if (message == NULL && body != NULL)
    message = json_object_get_string_member_with_default (body, "message", NULL);
  if (message == NULL)
    message = "Function failed";

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "error");
  json_builder_add_string_value (b, message);
  json_builder_end_object (b);
  root = json_builder_get_root (b);
  sl_response_set_json (resp, (guint) status, root);
  if (relay != NULL && (g_strcmp0 (relay, "1") == 0 || g_strcmp0 (relay, "true") == 0))
    sl_response_add_header (resp, "x-relay-error", "true");
}

static void
functions_handler (SlRequest  *req,
                   SlResponse *resp,
                   gpointer    user_data)
{
  static const char * const methods[] = { "GET", "POST", "PUT", "PATCH", "DELETE", NULL };
  const char *auth = sl_request_get_header (req, "authorization");
  const char *sub = req->subpath ? req->subpath : "";
  g_autofree char *fn = NULL;
  g_autoptr(JsonObject) claims = NULL;
  g_autoptr(GError) error = NULL;
  const char *slash, *role, *region;

  while (*sub == '/')
    sub++;
  slash = strchr (sub, '/');
  fn = slash ? g_strndup (sub, slash - sub) : g_strdup (sub);

  if (!g_strv_contains (methods, req->method))
    {
      set_error (resp, 405, "METHOD_NOT_ALLOWED", "Method not allowed");
      return;
    }
  if (auth == NULL || *auth == '\0')
    {
      set_error (resp, 401, "UNAUTHORIZED_NO_AUTH_HEADER", "Missing authorization header");
      return;
    }
  if (g_ascii_strncasecmp (auth, "Bearer ", 7) != 0)
    {
      set_error (resp, 401, "UNAUTHORIZED_INVALID_JWT_FORMAT", "Invalid JWT");
      return;
    }
  claims = sl_jwt_verify (req->server->jwt_secret, auth + 7, &error);
  if (claims == NULL)
    {
      if (g_error_matches (error, SL_JWT_ERROR, SL_JWT_ERROR_MALFORMED))
        set_error (resp, 401, "UNAUTHORIZED_INVALID_JWT_FORMAT", "Invalid JWT");
      else
        set_error (resp, 401, "UNAUTHORIZED_LEGACY_JWT", "Invalid JWT");
      return;
    }
  role = json_object_get_string_member_with_default (claims, "role", "anon");

  region = requested_region (req);
  if (region != NULL)
    sl_response_add_header (resp, "x-sb-edge-region", region);

  if (g_strcmp0 (fn, "echo") == 0)
    fn_echo (req, resp, role, slash ? slash : "/");
  else if (g_strcmp0 (fn, "slow") == 0)
    fn_slow (req, resp);
  else if (g_strcmp0 (fn, "fail") == 0)
    fn_fail (req, resp);
  else
    set_error (resp, 404, "NOT_FOUND", "Requested function was not found");
}

void
sl_functions_register (SlServer *server)
{
  sl_server_add_route (server, PREFIX, SL_ROUTE_DEFAULT, functions_handler, NULL);
}

void
sl_functions_shutdown (SlServer *server)
{
}
