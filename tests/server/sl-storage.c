/* sl-storage.c — the Storage API of supabase-local (PROTOCOL.md §4).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Everything under /storage/v1 arrives here with its body spooled to a file,
 * so uploads never sit in memory; small JSON bodies are read back from the
 * spool. Rows live in storage.buckets/storage.objects and every object
 * operation runs in a transaction as the caller's role, so RLS policies
 * decide as on Supabase; public and signed routes run as the superuser.
 */

#define G_LOG_DOMAIN "sl-storage"

#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <glib/gstdio.h>

#include "sl-storage-private.h"

#define MAX_JSON_BODY (8 * 1024 * 1024)

/* Row → JSON in storage's shapes (timestamps as JavaScript renders them). */
#define OBJECT_ROW_JSON \
  "json_build_object('name', o.name, 'bucket_id', o.bucket_id, 'owner', o.owner, " \
  "'owner_id', o.owner_id, 'id', o.id, 'version', o.version, " \
  "'updated_at', storage.sl_iso(o.updated_at), 'created_at', storage.sl_iso(o.created_at), " \
  "'last_accessed_at', storage.sl_iso(o.last_accessed_at), 'metadata', o.metadata, " \
  "'user_metadata', o.user_metadata)"

#define BUCKET_ROW_JSON \
  "json_build_object('id', b.id, 'name', b.name, 'owner', coalesce(b.owner::text, ''), " \
  "'public', b.public, 'type', b.type, 'file_size_limit', b.file_size_limit, " \
  "'allowed_mime_types', b.allowed_mime_types, " \
  "'created_at', storage.sl_iso(b.created_at), 'updated_at', storage.sl_iso(b.updated_at))"

static SlStorage *
storage_of (SlRequest *req)
{
  return req->server->storage;
}

/* ------------------------------------------------------------ Helpers */

static void
respond_error (SlResponse     *resp,
               SlStorageError *err)
{
  sl_storage_error_respond (resp, err);
  sl_storage_error_free (err);
}

static void
respond_message (SlResponse *resp,
                 const char *message)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();
  g_autoptr(JsonNode) node = NULL;

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "message");
  json_builder_add_string_value (b, message);
  json_builder_end_object (b);
  node = json_builder_get_root (b);
  sl_response_set_json (resp, 200, node);
}

static void
respond_not_found (SlRequest  *req,
                   SlResponse *resp)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();
  g_autoptr(JsonNode) node = NULL;
  g_autofree char *message = g_strdup_printf ("Route %s:%s not found", req->method,
                                              req->subpath);

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "message");
  json_builder_add_string_value (b, message);
  json_builder_set_member_name (b, "error");
  json_builder_add_string_value (b, "Not Found");
  json_builder_set_member_name (b, "statusCode");
  json_builder_add_int_value (b, 404);
  json_builder_end_object (b);
  node = json_builder_get_root (b);
  sl_response_set_json (resp, 404, node);
}

/* The body as JSON: from memory or from the spool. An empty body is {}. */
static JsonNode *
read_json_body (SlRequest       *req,
                SlStorageError **err)
{
  g_autofree char *text = NULL;
  gsize len = 0;
  g_autoptr(GError) error = NULL;
  JsonNode *node;

  if (req->body != NULL)
    {
      const char *data = g_bytes_get_data (req->body, &len);
      text = g_strndup (data, len);
    }
  else if (req->body_path != NULL && req->body_length > 0)
    {
      if (req->body_length > MAX_JSON_BODY)
        {
          *err = sl_storage_err_request ("Request body is too large");
          return NULL;
        }
      if (!g_file_get_contents (req->body_path, &text, &len, &error))
        {
          *err = sl_storage_err_internal (error->message);
          return NULL;
        }
    }

  if (text == NULL || *g_strstrip (text) == '\0')
    return json_node_init_object (json_node_alloc (), json_object_new ());

  node = json_from_string (text, &error);
  if (node == NULL)
    {
      *err = sl_storage_error_new (400, "InvalidRequest", "Bad Request",
                                   "Body is not valid JSON");
      return NULL;
    }
  if (!JSON_NODE_HOLDS_OBJECT (node))
    {
      json_node_unref (node);
      *err = sl_storage_error_new (400, "InvalidRequest", "Bad Request",
                                   "body must be object");
      return NULL;
    }
  return node;
}

static SlStorageError *
err_required (const char *where,
              const char *property)
{
  g_autofree char *message = g_strdup_printf ("%s must have required property '%s'",
                                              where, property);

  return sl_storage_error_new (400, "InvalidRequest", "Bad Request", message);
}

static SlStorageError *
err_schema (const char *message)
{
  return sl_storage_error_new (400, "InvalidRequest", "Bad Request", message);
}

/* A string member, or NULL when absent/null; FALSE when of another type. */
static gboolean
member_string (JsonObject  *obj,
               const char  *name,
               const char **out)
{
  JsonNode *node = json_object_get_member (obj, name);

  *out = NULL;
  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return TRUE;
  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    return FALSE;
  *out = json_node_get_string (node);
  return TRUE;
}

/* An integer member; FALSE when present but not an integer. */
static gboolean
member_int (JsonObject *obj,
            const char *name,
            gboolean   *present,
            gint64     *out)
{
  JsonNode *node = json_object_get_member (obj, name);

  *present = FALSE;
  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return TRUE;
  if (!JSON_NODE_HOLDS_VALUE (node))
    return FALSE;
  if (json_node_get_value_type (node) == G_TYPE_INT64)
    *out = json_node_get_int (node);
  else if (json_node_get_value_type (node) == G_TYPE_DOUBLE &&
           json_node_get_double (node) == (double) (gint64) json_node_get_double (node))
    *out = (gint64) json_node_get_double (node);
  else
    return FALSE;
  *present = TRUE;
  return TRUE;
}

static gboolean
header_is_true (SlRequest  *req,
                const char *name)
{
  const char *value = sl_request_get_header (req, name);

  return value != NULL && g_ascii_strcasecmp (value, "true") == 0;
}

/* x-metadata: base64 of a JSON object → JSON text (NULL if absent/invalid). */
static char *
decode_x_metadata (SlRequest *req)
{
  const char *value = sl_request_get_header (req, "x-metadata");
  g_autofree guchar *raw = NULL;
  g_autofree char *text = NULL;
  g_autoptr(JsonNode) node = NULL;
  gsize len = 0;

  if (value == NULL || *value == '\0')
    return NULL;
  raw = g_base64_decode (value, &len);
  text = g_strndup ((const char *) raw, len);
  node = json_from_string (text, NULL);
  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    return NULL;
  return json_to_string (node, FALSE);
}

/* Splits "bucket/rest/of/key" at the first '/'. */
static void
split_bucket_path (const char  *s,
                   char       **bucket,
                   char       **name)
{
  const char *slash = strchr (s, '/');

  if (slash == NULL)
    {
      *bucket = g_strdup (s);
      *name = g_strdup ("");
    }
  else
    {
      *bucket = g_strndup (s, slash - s);
      *name = g_strdup (slash + 1);
    }
}

/* Runs one statement returning a single text column, as @actor, in its own
 * transaction. Returns the PGresult (caller clears) or NULL with @err. */
static PGresult *
exec_as (SlStorage          *self,
         const SlActor      *actor,
         const char         *what,
         const char         *sql,
         int                 n_params,
         const char * const *params,
         SlStorageError    **err)
{
  g_autoptr(GError) error = NULL;
  PGconn *conn = sl_db_acquire (self->server);
  PGresult *res;

  if (!sl_storage_begin (conn, actor, &error))
    {
      *err = sl_storage_err_from_db (error, what);
      sl_db_release (self->server, conn);
      return NULL;
    }
  res = sl_db_exec (conn, &error, sql, n_params, params);
  if (res == NULL)
    {
      sl_db_rollback (conn);
      *err = sl_storage_err_from_db (error, what);
      sl_db_release (self->server, conn);
      return NULL;
    }
  if (!sl_db_commit (conn, &error))
    {
      PQclear (res);
      sl_db_rollback (conn);
      *err = sl_storage_err_from_db (error, what);
      sl_db_release (self->server, conn);
      return NULL;
    }
  sl_db_release (self->server, conn);
  return res;
}

static void
unlink_version (SlStorage  *self,
                const char *bucket,
                const char *version)
{
  g_autofree char *path = NULL;

  if (version == NULL || *version == '\0')
    return;
  path = sl_storage_object_path (self, bucket, version);
  g_unlink (path);
}

static gboolean
require_actor (SlRequest  *req,
               SlResponse *resp,
               SlActor    *actor)
{
  return sl_storage_authenticate (req, resp, FALSE, actor);
}

/* ------------------------------------------------------------ Buckets */

/* "10MB"-style sizes, decimal units, three significant digits as storage. */
static gboolean
parse_size_limit (JsonNode *node,
                  gboolean *is_null,
                  gint64   *out)
{
  *is_null = FALSE;
  if (JSON_NODE_HOLDS_NULL (node))
    {
      *is_null = TRUE;
      return TRUE;
    }
  if (!JSON_NODE_HOLDS_VALUE (node))
    return FALSE;
  if (json_node_get_value_type (node) == G_TYPE_INT64)
    {
      *out = json_node_get_int (node);
      return *out >= 0;
    }
  if (json_node_get_value_type (node) == G_TYPE_STRING)
    {
      g_autoptr(GRegex) re = g_regex_new ("^([0-9]+(?:\\.[0-9]+)?)(gb|mb|kb|b)$",
                                          G_REGEX_CASELESS, 0, NULL);
      g_autoptr(GMatchInfo) match = NULL;
      g_autofree char *number = NULL;
      g_autofree char *unit = NULL;
      g_autofree char *rounded = NULL;
      double value;
      double factor = 1;

      if (!g_regex_match (re, json_node_get_string (node), 0, &match))
        return FALSE;
      number = g_match_info_fetch (match, 1);
      unit = g_ascii_strdown (g_match_info_fetch (match, 2), -1);
      rounded = g_strdup_printf ("%.3g", g_ascii_strtod (number, NULL));
      value = g_ascii_strtod (rounded, NULL);
      if (g_str_equal (unit, "gb"))
        factor = 1e9;
      else if (g_str_equal (unit, "mb"))
        factor = 1e6;
      else if (g_str_equal (unit, "kb"))
        factor = 1e3;
      *out = (gint64) (value * factor + 0.5);
      return TRUE;
    }
  return FALSE;
}

/* allowed_mime_types → JSON array text, NULL for null. */
static gboolean
parse_mime_list (JsonNode  *node,
                 char     **json_out)
{
  JsonArray *array;

  *json_out = NULL;
  if (JSON_NODE_HOLDS_NULL (node))
    return TRUE;
  if (!JSON_NODE_HOLDS_ARRAY (node))
    return FALSE;
  array = json_node_get_array (node);
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonNode *item = json_array_get_element (array, i);
      if (!JSON_NODE_HOLDS_VALUE (item) || json_node_get_value_type (item) != G_TYPE_STRING)
        return FALSE;
    }
  *json_out = json_to_string (node, FALSE);
  return TRUE;
}

static void
bucket_list (SlStorage     *self,
             SlRequest     *req,
             SlResponse    *resp,
             const SlActor *actor)
{
  const char *limit = sl_request_get_query (req, "limit");
  const char *offset = sl_request_get_query (req, "offset");
  const char *column = sl_request_get_query (req, "sortColumn");
  const char *order = sl_request_get_query (req, "sortOrder");
  const char *search = sl_request_get_query (req, "search");
  g_autoptr(GString) sql = g_string_new (NULL);
  g_autofree char *pattern = NULL;
  SlStorageError *err = NULL;
  const char *params[1];
  int n_params = 0;
  PGresult *res;
  char *end = NULL;

  if (column != NULL && !g_strv_contains ((const char *[]) { "id", "name", "created_at", "updated_at", NULL }, column))
    {
      respond_error (resp, err_schema ("querystring/sortColumn must be equal to one of the allowed values"));
      return;
    }
  if (order != NULL && !g_strv_contains ((const char *[]) { "asc", "desc", NULL }, order))
    {
      respond_error (resp, err_schema ("querystring/sortOrder must be equal to one of the allowed values"));
      return;
    }
  if (limit != NULL && (g_ascii_strtoll (limit, &end, 10) < 1 || *end != '\0'))
    {
      respond_error (resp, err_schema ("querystring/limit must be >= 1"));
      return;
    }
  if (offset != NULL && (g_ascii_strtoll (offset, &end, 10) < 0 || *end != '\0'))
    {
      respond_error (resp, err_schema ("querystring/offset must be >= 0"));
      return;
    }

  g_string_append (sql, "SELECT coalesce(json_agg(" BUCKET_ROW_JSON " ORDER BY n), '[]')::text FROM ("
                        " SELECT b.*, row_number() OVER () AS n FROM (SELECT * FROM storage.buckets b");
  if (search != NULL && *search != '\0')
    {
      GString *escaped = g_string_new (NULL);
      for (const char *p = search; *p; p++)
        {
          if (*p == '%' || *p == '_' || *p == '\\')
            g_string_append_c (escaped, '\\');
          g_string_append_c (escaped, *p);
        }
      pattern = g_strdup_printf ("%%%s%%", escaped->str);
      g_string_free (escaped, TRUE);
      params[n_params++] = pattern;
      g_string_append (sql, " WHERE b.name ILIKE $1");
    }
  g_string_append_printf (sql, " ORDER BY %s %s", column != NULL ? column : "name",
                          g_strcmp0 (order, "desc") == 0 ? "DESC" : "ASC");
  if (limit != NULL)
    g_string_append_printf (sql, " LIMIT %" G_GINT64_FORMAT, g_ascii_strtoll (limit, NULL, 10));
  if (offset != NULL)
    g_string_append_printf (sql, " OFFSET %" G_GINT64_FORMAT, g_ascii_strtoll (offset, NULL, 10));
  g_string_append (sql, ") b) b");

  res = exec_as (self, actor, "bucket", sql->str, n_params, params, &err);
  if (res == NULL)
    {
      respond_error (resp, err);
      return;
    }
  sl_response_set_json_text (resp, 200, PQgetvalue (res, 0, 0));
  PQclear (res);
}

static void
bucket_get (SlStorage     *self,
            SlResponse    *resp,
            const SlActor *actor,
            const char    *id)
{
  const char *params[] = { id };
  SlStorageError *err = NULL;
  PGresult *res;

  res = exec_as (self, actor, "bucket",
                 "SELECT " BUCKET_ROW_JSON "::text FROM storage.buckets b WHERE b.id = $1",
                 1, params, &err);
  if (res == NULL)
    {
      respond_error (resp, err);
      return;
    }
  if (PQntuples (res) == 0)
    respond_error (resp, sl_storage_err_no_bucket ());
  else
    sl_response_set_json_text (resp, 200, PQgetvalue (res, 0, 0));
  PQclear (res);
}

static void
bucket_create (SlStorage     *self,
               SlRequest     *req,
               SlResponse    *resp,
               const SlActor *actor)
{
  g_autoptr(JsonNode) body = NULL;
  g_autofree char *limit_text = NULL;
  g_autofree char *mimes = NULL;
  SlStorageError *err = NULL;
  JsonObject *obj;
  JsonNode *node;
  const char *name = NULL;
  const char *id = NULL;
  const char *type = NULL;
  gboolean is_public = FALSE;
  PGresult *res;

  body = read_json_body (req, &err);
  if (body == NULL)
    {
      respond_error (resp, err);
      return;
    }
  obj = json_node_get_object (body);

  if (!member_string (obj, "name", &name) || !member_string (obj, "id", &id) ||
      !member_string (obj, "type", &type))
    {
      respond_error (resp, err_schema ("body/name must be string"));
      return;
    }
  if (name == NULL)
    {
      respond_error (resp, err_required ("body", "name"));
      return;
    }
  if (id == NULL)
    id = name;
  if (!sl_storage_bucket_name_is_valid (id) || !sl_storage_bucket_name_is_valid (name))
    {
      respond_error (resp, sl_storage_err_invalid_bucket_name ());
      return;
    }
  if (type != NULL && !g_str_equal (type, "STANDARD") && !g_str_equal (type, "ANALYTICS"))
    {
      respond_error (resp, err_schema ("body/type must be equal to one of the allowed values"));
      return;
    }

  node = json_object_get_member (obj, "public");
  if (node != NULL && !JSON_NODE_HOLDS_NULL (node))
    {
      if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_BOOLEAN)
        {
          respond_error (resp, err_schema ("body/public must be boolean"));
          return;
        }
      is_public = json_node_get_boolean (node);
    }

  node = json_object_get_member (obj, "file_size_limit");
  if (node != NULL)
    {
      gboolean is_null;
      gint64 limit = 0;

      if (!parse_size_limit (node, &is_null, &limit))
        {
          respond_error (resp, sl_storage_err_request ("Invalid file size format, hint: use 20GB / 20MB / 30KB / 3B"));
          return;
        }
      if (!is_null)
        limit_text = g_strdup_printf ("%" G_GINT64_FORMAT, limit);
    }

  node = json_object_get_member (obj, "allowed_mime_types");
  if (node != NULL && !parse_mime_list (node, &mimes))
    {
      respond_error (resp, err_schema ("body/allowed_mime_types must be array"));
      return;
    }

  {
    const char *params[] = {
      id, name,
      actor->owner != NULL && g_uuid_string_is_valid (actor->owner) ? actor->owner : NULL,
      actor->owner,
      is_public ? "true" : "false",
      limit_text, mimes,
      type != NULL ? type : "STANDARD",
    };

    res = exec_as (self, actor, "bucket",
                   "INSERT INTO storage.buckets (id, name, owner, owner_id, public, file_size_limit, "
                   "  allowed_mime_types, type) "
                   "VALUES ($1, $2, $3::uuid, $4, $5::boolean, $6::bigint, "
                   "  CASE WHEN $7::jsonb IS NULL THEN NULL "
                   "       ELSE ARRAY(SELECT jsonb_array_elements_text($7::jsonb)) END, "
                   "  $8::storage.buckettype)",
                   G_N_ELEMENTS (params), params, &err);
  }
  if (res == NULL)
    {
      respond_error (resp, err);
      return;
    }
  PQclear (res);

  {
    g_autoptr(JsonBuilder) b = json_builder_new ();
    g_autoptr(JsonNode) out = NULL;

    json_builder_begin_object (b);
    json_builder_set_member_name (b, "name");
    json_builder_add_string_value (b, id);
    json_builder_end_object (b);
    out = json_builder_get_root (b);
    sl_response_set_json (resp, 200, out);
  }
}

static void
bucket_update (SlStorage     *self,
               SlRequest     *req,
               SlResponse    *resp,
               const SlActor *actor,
               const char    *id)
{
  g_autoptr(JsonNode) body = NULL;
  g_autoptr(GString) sql = g_string_new ("UPDATE storage.buckets SET updated_at = now()");
  g_autofree char *limit_text = NULL;
  g_autofree char *mimes = NULL;
  const char *params[4] = { id, NULL, NULL, NULL };
  int n_params = 1;
  gboolean any = FALSE;
  SlStorageError *err = NULL;
  JsonObject *obj;
  JsonNode *node;
  PGresult *res;

  body = read_json_body (req, &err);
  if (body == NULL)
    {
      respond_error (resp, err);
      return;
    }
  obj = json_node_get_object (body);

  node = json_object_get_member (obj, "public");
  if (node != NULL && !JSON_NODE_HOLDS_NULL (node))
    {
      if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_BOOLEAN)
        {
          respond_error (resp, err_schema ("body/public must be boolean"));
          return;
        }
      params[n_params++] = json_node_get_boolean (node) ? "true" : "false";
      g_string_append_printf (sql, ", public = $%d::boolean", n_params);
      any = TRUE;
    }

  node = json_object_get_member (obj, "file_size_limit");
  if (node != NULL)
    {
      gboolean is_null;
      gint64 limit = 0;

      if (!parse_size_limit (node, &is_null, &limit))
        {
          respond_error (resp, sl_storage_err_request ("Invalid file size format, hint: use 20GB / 20MB / 30KB / 3B"));
          return;
        }
      if (!is_null)
        limit_text = g_strdup_printf ("%" G_GINT64_FORMAT, limit);
      params[n_params++] = limit_text;
      g_string_append_printf (sql, ", file_size_limit = $%d::bigint", n_params);
      any = TRUE;
    }

  node = json_object_get_member (obj, "allowed_mime_types");
  if (node != NULL)
    {
      if (!parse_mime_list (node, &mimes))
        {
          respond_error (resp, err_schema ("body/allowed_mime_types must be array"));
          return;
        }
      params[n_params++] = mimes;
      g_string_append_printf (sql, ", allowed_mime_types = CASE WHEN $%d::jsonb IS NULL THEN NULL "
                                   "ELSE ARRAY(SELECT jsonb_array_elements_text($%d::jsonb)) END",
                              n_params, n_params);
      any = TRUE;
    }

  if (!any)
    {
      respond_error (resp, err_required ("body", "public"));
      return;
    }
  g_string_append (sql, " WHERE id = $1 RETURNING id");

  res = exec_as (self, actor, "bucket", sql->str, n_params, params, &err);
  if (res == NULL)
    {
      respond_error (resp, err);
      return;
    }
  if (PQntuples (res) == 0)
    respond_error (resp, sl_storage_err_no_bucket ());
  else
    respond_message (resp, "Successfully updated");
  PQclear (res);
}

/* Deletes every object row of @bucket (as the superuser) and their files. */
static gboolean
empty_bucket_rows (SlStorage       *self,
                   const char      *bucket,
                   SlStorageError **err)
{
  const char *params[] = { bucket };
  SlActor super = { NULL, NULL, NULL };
  PGresult *res;

  res = exec_as (self, &super, "object",
                 "DELETE FROM storage.objects WHERE bucket_id = $1 RETURNING version",
                 1, params, err);
  if (res == NULL)
    return FALSE;
  for (int i = 0; i < PQntuples (res); i++)
    unlink_version (self, bucket, PQgetvalue (res, i, 0));
  PQclear (res);
  return TRUE;
}

static void
bucket_empty (SlStorage     *self,
              SlResponse    *resp,
              const SlActor *actor,
              const char    *id)
{
  SlStorageError *err = NULL;
  g_auto(SlBucketInfo) info = { 0 };
  PGconn *conn;
  gboolean found;

  if (g_strcmp0 (actor->role, "service_role") != 0)
    {
      err = sl_storage_error_new (403, "AccessDenied", "Unauthorized", "Access denied: Invalid role");
      err->http_status = 403;
      respond_error (resp, err);
      return;
    }

  conn = sl_db_acquire (self->server);
  found = sl_storage_get_bucket (conn, id, &info, &err);
  sl_db_release (self->server, conn);
  if (!found || !empty_bucket_rows (self, id, &err))
    {
      respond_error (resp, err);
      return;
    }
  respond_message (resp, "Empty bucket has been queued. Completion may take up to an hour.");
}

static void
bucket_delete (SlStorage     *self,
               SlResponse    *resp,
               const SlActor *actor,
               const char    *id)
{
  const char *params[] = { id };
  SlStorageError *err = NULL;
  g_autoptr(GError) error = NULL;
  PGconn *conn;
  PGresult *res;
  gboolean has_objects = FALSE;

  conn = sl_db_acquire (self->server);
  res = sl_db_exec (conn, &error,
                    "SELECT EXISTS (SELECT 1 FROM storage.objects WHERE bucket_id = $1)", 1, params);
  if (res != NULL)
    {
      has_objects = g_strcmp0 (PQgetvalue (res, 0, 0), "t") == 0;
      PQclear (res);
    }
  sl_db_release (self->server, conn);

  if (has_objects)
    {
      res = exec_as (self, actor, "bucket",
                     "SELECT 1 FROM storage.buckets WHERE id = $1", 1, params, &err);
      if (res == NULL)
        {
          respond_error (resp, err);
          return;
        }
      if (PQntuples (res) == 0)
        respond_error (resp, sl_storage_err_no_bucket ());
      else
        respond_error (resp, sl_storage_error_new (409, "ResourceNotEmpty", NULL,
                                                   "The bucket you tried to delete is not empty"));
      PQclear (res);
      return;
    }

  res = exec_as (self, actor, "bucket",
                 "DELETE FROM storage.buckets WHERE id = $1 RETURNING id", 1, params, &err);
  if (res == NULL)
    {
      respond_error (resp, err);
      return;
    }
  if (PQntuples (res) == 0)
    respond_error (resp, sl_storage_err_no_bucket ());
  else
    {
      g_autofree char *dir = g_build_filename (self->root, id, NULL);
      g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
      const char *entry;

      /* Only orphaned versions can remain; the rows are gone. */
      while (d != NULL && (entry = g_dir_read_name (d)) != NULL)
        {
          g_autofree char *path = g_build_filename (dir, entry, NULL);
          g_unlink (path);
        }
      g_rmdir (dir);
      respond_message (resp, "Successfully deleted");
    }
  PQclear (res);
}

static void
handle_bucket (SlStorage  *self,
               SlRequest  *req,
               SlResponse *resp,
               const char *rest)
{
  SlActor actor;
  g_auto(GStrv) parts = NULL;
  guint n;

  if (!require_actor (req, resp, &actor))
    return;

  while (*rest == '/')
    rest++;
  parts = g_strsplit (rest, "/", -1);
  n = *rest == '\0' ? 0 : g_strv_length (parts);
  if (n > 0 && *parts[n - 1] == '\0')
    n--;

  if (n == 0 && g_str_equal (req->method, "GET"))
    bucket_list (self, req, resp, &actor);
  else if (n == 0 && g_str_equal (req->method, "POST"))
    bucket_create (self, req, resp, &actor);
  else if (n == 1 && g_str_equal (req->method, "GET"))
    bucket_get (self, resp, &actor, parts[0]);
  else if (n == 1 && g_str_equal (req->method, "PUT"))
    bucket_update (self, req, resp, &actor, parts[0]);
  else if (n == 1 && g_str_equal (req->method, "DELETE"))
    bucket_delete (self, resp, &actor, parts[0]);
  else if (n == 2 && g_str_equal (parts[1], "empty") && g_str_equal (req->method, "POST"))
    bucket_empty (self, resp, &actor, parts[0]);
  else
    respond_not_found (req, resp);
}

/* ------------------------------------------------------------ Uploads */

/* Writes @len bytes of @data to a new file below the storage root. */
static char *
write_temp (SlStorage   *self,
            const char  *data,
            gsize        len,
            GError     **error)
{
  g_autofree char *dir = g_strdup (self->tmp_dir);
  g_autofree char *name = g_uuid_string_random ();
  char *path = g_build_filename (dir, name, NULL);
  FILE *f;

  g_mkdir_with_parents (dir, 0700);
  f = g_fopen (path, "wb");
  if (f == NULL)
    {
      int saved = errno;
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved), "%s", g_strerror (saved));
      g_free (path);
      return NULL;
    }
  while (len > 0)
    {
      gsize chunk = MIN (len, (gsize) 1 << 20);
      if (fwrite (data, 1, chunk, f) != chunk)
        {
          fclose (f);
          g_unlink (path);
          g_free (path);
          g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_FAILED, "Cannot write the upload");
          return NULL;
        }
      data += chunk;
      len -= chunk;
    }
  if (fclose (f) != 0)
    {
      g_unlink (path);
      g_free (path);
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_FAILED, "Cannot write the upload");
      return NULL;
    }
  return path;
}

static const char *
find_bytes (const char *hay,
            gsize       hay_len,
            const char *needle,
            gsize       needle_len)
{
  const char *end = hay + hay_len;
  const char *p = hay;

  if (needle_len == 0 || hay_len < needle_len)
    return NULL;
  while (p + needle_len <= end)
    {
      p = memchr (p, needle[0], end - p - needle_len + 1);
      if (p == NULL)
        return NULL;
      if (memcmp (p, needle, needle_len) == 0)
        return p;
      p++;
    }
  return NULL;
}

/* A parameter of a part header such as name="x" (quoted or not). */
static char *
header_param (const char *header,
              const char *param)
{
  g_autofree char *key = g_strdup_printf ("%s=", param);
  const char *p = header;

  while ((p = strstr (p, key)) != NULL)
    {
      if (p == header || p[-1] == ';' || p[-1] == ' ' || p[-1] == '\t')
        {
          p += strlen (key);
          if (*p == '"')
            {
              const char *end = strchr (p + 1, '"');
              return end != NULL ? g_strndup (p + 1, end - p - 1) : NULL;
            }
          return g_strndup (p, strcspn (p, ";\r\n"));
        }
      p++;
    }
  return NULL;
}

typedef struct
{
  char *file_path;            /* the file part, written to its own file */
  char *file_type;            /* its Content-Type */
  char *cache_control;        /* field cacheControl */
  char *content_type;         /* field contentType */
  char *metadata;             /* field metadata (JSON text) */
} MultipartUpload;

static void
multipart_upload_clear (MultipartUpload *m)
{
  if (m->file_path != NULL)
    g_unlink (m->file_path);
  g_clear_pointer (&m->file_path, g_free);
  g_clear_pointer (&m->file_type, g_free);
  g_clear_pointer (&m->cache_control, g_free);
  g_clear_pointer (&m->content_type, g_free);
  g_clear_pointer (&m->metadata, g_free);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (MultipartUpload, multipart_upload_clear)

/* Parses a multipart/form-data body mapped from the spool: up to 10 fields,
 * the first file part copied to its own file. */
static gboolean
parse_multipart (SlStorage       *self,
                 const char      *data,
                 gsize            len,
                 const char      *boundary,
                 MultipartUpload *out,
                 SlStorageError **err)
{
  g_autofree char *open = g_strdup_printf ("--%s", boundary);
  g_autofree char *delim = g_strdup_printf ("\r\n--%s", boundary);
  const char *end = data + len;
  const char *p;
  guint n_fields = 0;

  p = find_bytes (data, len, open, strlen (open));
  if (p == NULL)
    goto bad;
  p += strlen (open);

  for (;;)
    {
      const char *headers_end;
      const char *body_end;
      g_autofree char *headers = NULL;
      g_autofree char *name = NULL;
      g_autofree char *filename = NULL;
      char *disposition;

      if (end - p >= 2 && p[0] == '-' && p[1] == '-')
        break;
      if (end - p < 2 || p[0] != '\r' || p[1] != '\n')
        goto bad;
      p += 2;

      headers_end = find_bytes (p, end - p, "\r\n\r\n", 4);
      if (headers_end == NULL)
        goto bad;
      headers = g_strndup (p, headers_end - p);
      p = headers_end + 4;
      body_end = find_bytes (p, end - p, delim, strlen (delim));
      if (body_end == NULL)
        goto bad;

      disposition = g_strstr_len (headers, -1, "form-data");
      if (disposition != NULL)
        {
          name = header_param (disposition, "name");
          filename = header_param (disposition, "filename");
        }

      if (filename != NULL)
        {
          if (out->file_path == NULL)
            {
              g_autoptr(GError) error = NULL;
              g_auto(GStrv) lines = g_strsplit (headers, "\r\n", -1);

              out->file_path = write_temp (self, p, body_end - p, &error);
              if (out->file_path == NULL)
                {
                  *err = sl_storage_err_internal (error->message);
                  return FALSE;
                }
              for (guint i = 0; lines[i] != NULL; i++)
                if (g_ascii_strncasecmp (lines[i], "content-type:", 13) == 0)
                  out->file_type = g_strdup (g_strstrip (lines[i] + 13));
            }
        }
      else if (name != NULL)
        {
          g_autofree char *value = g_strndup (p, body_end - p);

          if (++n_fields > 10)
            {
              *err = sl_storage_err_request ("reach fields limit");
              return FALSE;
            }
          if (g_str_equal (name, "cacheControl"))
            {
              g_free (out->cache_control);
              out->cache_control = g_steal_pointer (&value);
            }
          else if (g_str_equal (name, "contentType"))
            {
              g_free (out->content_type);
              out->content_type = g_steal_pointer (&value);
            }
          else if (g_str_equal (name, "metadata") || g_str_equal (name, "userMetadata"))
            {
              g_free (out->metadata);
              out->metadata = g_steal_pointer (&value);
            }
        }
      p = body_end + strlen (delim);
    }

  if (out->file_path == NULL)
    {
      *err = sl_storage_err_request ("No content provided");
      return FALSE;
    }
  return TRUE;

bad:
  *err = sl_storage_err_request ("No content provided");
  return FALSE;
}

/* Reads the request body of an upload (raw or multipart) and stores it as
 * @bucket/@name. Returns the object id. */
static char *
upload_from_request (SlStorage       *self,
                     SlRequest       *req,
                     const SlActor   *actor,
                     const char      *bucket,
                     const char      *name,
                     gboolean         upsert,
                     SlStorageError **err)
{
  g_auto(SlBucketInfo) info = { 0 };
  g_auto(MultipartUpload) multipart = { 0 };
  g_autofree char *raw_copy = NULL;
  g_autofree char *user_metadata = NULL;
  g_autofree char *cache_control = NULL;
  g_autofree char *mimetype = NULL;
  g_autoptr(GError) error = NULL;
  const char *content_type = sl_request_get_header (req, "content-type");
  const char *content_length = sl_request_get_header (req, "content-length");
  SlUploadSpec spec = { 0 };
  PGconn *conn;
  gboolean found;
  char *id;

  conn = sl_db_acquire (self->server);
  found = sl_storage_get_bucket (conn, bucket, &info, err);
  sl_db_release (self->server, conn);
  if (!found)
    return NULL;

  if (!sl_storage_key_is_valid (name))
    {
      *err = sl_storage_err_invalid_key (name);
      return NULL;
    }
  if (!sl_storage_can_upload (self, actor, bucket, name, upsert, err))
    return NULL;

  /* The declared size first, as storage does before reading the body. */
  if (content_length != NULL &&
      g_ascii_strtoll (content_length, NULL, 10) > sl_storage_effective_limit (&info) &&
      (content_type == NULL || !g_str_has_prefix (content_type, "multipart/form-data")))
    {
      *err = sl_storage_err_too_large ();
      return NULL;
    }

  if (content_type != NULL && g_str_has_prefix (content_type, "multipart/form-data"))
    {
      g_autoptr(GHashTable) params = NULL;
      g_autoptr(GMappedFile) mapped = NULL;
      const char *boundary = NULL;
      const char *data = NULL;
      gsize len = 0;

      soup_message_headers_get_content_type (req->headers, &params);
      if (params != NULL)
        boundary = g_hash_table_lookup (params, "boundary");
      if (boundary == NULL)
        {
          *err = sl_storage_err_request ("No content provided");
          return NULL;
        }
      if (req->body != NULL)
        data = g_bytes_get_data (req->body, &len);
      else if (req->body_path != NULL)
        {
          mapped = g_mapped_file_new (req->body_path, FALSE, &error);
          if (mapped == NULL)
            {
              *err = sl_storage_err_internal (error->message);
              return NULL;
            }
          data = g_mapped_file_get_contents (mapped);
          len = g_mapped_file_get_length (mapped);
        }
      if (!parse_multipart (self, data, len, boundary, &multipart, err))
        return NULL;

      spec.src_path = multipart.file_path;
      mimetype = g_strdup (multipart.content_type != NULL ? multipart.content_type
                           : multipart.file_type != NULL ? multipart.file_type
                           : "application/octet-stream");
      cache_control = multipart.cache_control != NULL && *multipart.cache_control != '\0'
                      ? g_strdup_printf ("max-age=%s", multipart.cache_control)
                      : g_strdup ("no-cache");
      if (multipart.metadata != NULL)
        {
          g_autoptr(JsonNode) node = json_from_string (multipart.metadata, NULL);
          if (node != NULL && JSON_NODE_HOLDS_OBJECT (node))
            user_metadata = json_to_string (node, FALSE);
        }
    }
  else
    {
      if (req->body_path != NULL)
        spec.src_path = req->body_path;
      else
        {
          gsize len = 0;
          const char *data = req->body != NULL ? g_bytes_get_data (req->body, &len) : "";

          raw_copy = write_temp (self, data, len, &error);
          if (raw_copy == NULL)
            {
              *err = sl_storage_err_internal (error->message);
              return NULL;
            }
          spec.src_path = raw_copy;
        }
      mimetype = g_strdup (content_type != NULL ? content_type : "application/octet-stream");
      cache_control = g_strdup (sl_request_get_header (req, "cache-control") != NULL
                                ? sl_request_get_header (req, "cache-control") : "no-cache");
      user_metadata = decode_x_metadata (req);
    }

  spec.bucket = bucket;
  spec.name = name;
  spec.mimetype = mimetype;
  spec.cache_control = cache_control;
  spec.user_metadata = user_metadata;
  spec.upsert = upsert;
  id = sl_storage_store_object (self, actor, &spec, err);
  if (raw_copy != NULL)
    g_unlink (raw_copy);
  return id;
}

static void
respond_id_key (SlResponse *resp,
                const char *id,
                const char *bucket,
                const char *name)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();
  g_autoptr(JsonNode) node = NULL;
  g_autofree char *key = g_strdup_printf ("%s/%s", bucket, name);

  json_builder_begin_object (b);
  if (id != NULL)
    {
      json_builder_set_member_name (b, "Id");
      json_builder_add_string_value (b, id);
    }
  json_builder_set_member_name (b, "Key");
  json_builder_add_string_value (b, key);
  json_builder_end_object (b);
  node = json_builder_get_root (b);
  sl_response_set_json (resp, 200, node);
}

static void
object_upload (SlStorage  *self,
               SlRequest  *req,
               SlResponse *resp,
               const char *bucket,
               const char *name,
               gboolean    upsert)
{
  SlStorageError *err = NULL;
  g_autofree char *id = NULL;
  SlActor actor;

  if (!require_actor (req, resp, &actor))
    return;
  id = upload_from_request (self, req, &actor, bucket, name, upsert, &err);
  if (id == NULL)
    {
      respond_error (resp, err);
      return;
    }
  respond_id_key (resp, id, bucket, name);
}

/* ---------------------------------------------------------- Downloads */

/* encodeURIComponent */
static char *
encode_uri_component (const char *s)
{
  GString *out = g_string_new (NULL);

  for (const guchar *p = (const guchar *) s; *p; p++)
    {
      if (g_ascii_isalnum (*p) || strchr ("-_.!~*'()", *p) != NULL)
        g_string_append_c (out, *p);
      else
        g_string_append_printf (out, "%%%02X", *p);
    }
  return g_string_free (out, FALSE);
}

/* Range parsing as storage: 0 = none, 1 = valid, -1 = unsatisfiable. */
static int
parse_range (const char *header,
             goffset     size,
             goffset    *from,
             goffset    *to)
{
  const char *spec;
  const char *dash;
  g_autofree char *start = NULL;
  g_autofree char *end = NULL;

  if (header == NULL)
    return 0;
  if (!g_str_has_prefix (header, "bytes=") || size <= 0)
    return -1;
  spec = header + 6;
  dash = strchr (spec, '-');
  if (dash == NULL)
    return -1;
  start = g_strndup (spec, dash - spec);
  end = g_strdup (dash + 1);
  for (const char *p = start; *p; p++)
    if (!g_ascii_isdigit (*p))
      return -1;
  for (const char *p = end; *p; p++)
    if (!g_ascii_isdigit (*p))
      return -1;
  if (*start == '\0' && *end == '\0')
    return -1;

  if (*start == '\0')
    {
      gint64 suffix = g_ascii_strtoll (end, NULL, 10);
      if (suffix <= 0)
        return -1;
      *from = MAX (size - suffix, 0);
      *to = size - 1;
      return 1;
    }

  *from = g_ascii_strtoll (start, NULL, 10);
  *to = *end != '\0' ? g_ascii_strtoll (end, NULL, 10) : size - 1;
  if (*from < 0 || *to < *from || *from >= size)
    return -1;
  *to = MIN (*to, size - 1);
  return 1;
}

static void
add_http_date (SlResponse *resp,
               const char *iso)
{
  g_autoptr(GDateTime) dt = NULL;
  g_autofree char *text = NULL;

  if (iso == NULL)
    return;
  dt = g_date_time_new_from_iso8601 (iso, NULL);
  if (dt == NULL)
    return;
  text = soup_date_time_to_string (dt, SOUP_DATE_HTTP);
  sl_response_add_header (resp, "Last-Modified", text);
}

static void
serve_object (SlStorage     *self,
              SlRequest     *req,
              SlResponse    *resp,
              const SlActor *actor,
              const char    *bucket,
              const char    *name,
              gboolean       info_only,
              gboolean       require_public)
{
  const char *params[] = { bucket, name };
  g_autoptr(JsonNode) meta_node = NULL;
  g_autoptr(JsonNode) user_node = NULL;
  g_autofree char *path = NULL;
  SlStorageError *err = NULL;
  JsonObject *meta;
  const char *etag;
  const char *mimetype;
  const char *cache_control;
  const char *last_modified;
  const char *download;
  GStatBuf st;
  PGresult *res;

  if (require_public)
    {
      g_auto(SlBucketInfo) info = { 0 };
      PGconn *conn = sl_db_acquire (self->server);
      gboolean found = sl_storage_get_bucket (conn, bucket, &info, &err);

      sl_db_release (self->server, conn);
      if (!found || !info.is_public)
        {
          sl_storage_error_free (err);
          respond_error (resp, sl_storage_err_no_bucket ());
          return;
        }
    }

  res = exec_as (self, actor, "object",
                 "SELECT o.id, o.version, coalesce(o.metadata, '{}')::text, "
                 "       coalesce(o.user_metadata::text, 'null'), storage.sl_iso(o.created_at), "
                 "       storage.sl_iso(o.updated_at) "
                 "FROM storage.objects o WHERE o.bucket_id = $1 AND o.name = $2",
                 2, params, &err);
  if (res == NULL)
    {
      respond_error (resp, err);
      return;
    }
  if (PQntuples (res) == 0)
    {
      PQclear (res);
      respond_error (resp, sl_storage_err_no_key ());
      return;
    }

  path = sl_storage_object_path (self, bucket, PQgetvalue (res, 0, 1));
  meta_node = json_from_string (PQgetvalue (res, 0, 2), NULL);
  if (meta_node == NULL || !JSON_NODE_HOLDS_OBJECT (meta_node))
    {
      g_clear_pointer (&meta_node, json_node_unref);
      meta_node = json_node_init_object (json_node_alloc (), json_object_new ());
    }
  meta = json_node_get_object (meta_node);
  etag = json_object_get_string_member_with_default (meta, "eTag", NULL);
  mimetype = json_object_get_string_member_with_default (meta, "mimetype", "application/octet-stream");
  cache_control = json_object_get_string_member_with_default (meta, "cacheControl", NULL);
  last_modified = json_object_get_string_member_with_default (meta, "lastModified", NULL);

  if (g_stat (path, &st) != 0)
    {
      g_autoptr(JsonBuilder) b = json_builder_new ();
      g_autoptr(JsonNode) node = NULL;

      PQclear (res);
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "error");
      json_builder_add_string_value (b, "Not found");
      json_builder_set_member_name (b, "message");
      json_builder_add_string_value (b, "The resource was not found");
      json_builder_set_member_name (b, "statusCode");
      json_builder_add_string_value (b, "404");
      json_builder_set_member_name (b, "code");
      json_builder_add_string_value (b, "NoSuchKey");
      json_builder_end_object (b);
      node = json_builder_get_root (b);
      sl_response_set_json (resp, 400, node);
      sl_response_add_header (resp, "Cache-Control", "no-store");
      return;
    }

  if (info_only)
    {
      g_autoptr(JsonBuilder) b = json_builder_new ();
      g_autoptr(JsonNode) node = NULL;

      user_node = json_from_string (PQgetvalue (res, 0, 3), NULL);
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "id");
      json_builder_add_string_value (b, PQgetvalue (res, 0, 0));
      json_builder_set_member_name (b, "name");
      json_builder_add_string_value (b, name);
      json_builder_set_member_name (b, "version");
      json_builder_add_string_value (b, PQgetvalue (res, 0, 1));
      json_builder_set_member_name (b, "bucket_id");
      json_builder_add_string_value (b, bucket);
      json_builder_set_member_name (b, "size");
      json_builder_add_int_value (b, st.st_size);
      json_builder_set_member_name (b, "content_type");
      json_builder_add_string_value (b, mimetype);
      json_builder_set_member_name (b, "cache_control");
      if (cache_control != NULL)
        json_builder_add_string_value (b, cache_control);
      else
        json_builder_add_null_value (b);
      json_builder_set_member_name (b, "etag");
      if (etag != NULL)
        json_builder_add_string_value (b, etag);
      else
        json_builder_add_null_value (b);
      json_builder_set_member_name (b, "metadata");
      if (user_node != NULL)
        json_builder_add_value (b, g_steal_pointer (&user_node));
      else
        json_builder_add_null_value (b);
      json_builder_set_member_name (b, "last_modified");
      json_builder_add_string_value (b, PQgetvalue (res, 0, 5));
      json_builder_set_member_name (b, "created_at");
      json_builder_add_string_value (b, PQgetvalue (res, 0, 4));
      json_builder_end_object (b);
      node = json_builder_get_root (b);
      sl_response_set_json (resp, 200, node);
      if (etag != NULL)
        sl_response_add_header (resp, "ETag", etag);
      add_http_date (resp, last_modified);
      if (cache_control != NULL)
        sl_response_add_header (resp, "Cache-Control", cache_control);
      PQclear (res);
      return;
    }
  PQclear (res);

  {
    const char *if_none_match = sl_request_get_header (req, "if-none-match");

    if (etag != NULL && if_none_match != NULL && g_str_equal (if_none_match, etag))
      {
        sl_response_set_text (resp, 304, NULL, NULL);
        sl_response_add_header (resp, "ETag", etag);
        return;
      }
  }

  {
    goffset from = 0;
    goffset to = 0;
    int range = parse_range (sl_request_get_header (req, "range"), st.st_size, &from, &to);

    if (range < 0)
      {
        SlStorageError *rerr = sl_storage_error_new (416, "InvalidRange", "invalid_range",
                                                     "invalid range provided");
        rerr->http_status = 416;
        respond_error (resp, rerr);
        return;
      }

    if (g_str_has_prefix (mimetype, "text/html"))
      mimetype = "text/plain";

    if (range > 0)
      {
        g_autofree char *content_range =
          g_strdup_printf ("bytes %" G_GOFFSET_FORMAT "-%" G_GOFFSET_FORMAT "/%" G_GOFFSET_FORMAT,
                           from, to, (goffset) st.st_size);
        sl_response_set_file (resp, 206, mimetype, path, from, to - from + 1);
        sl_response_add_header (resp, "Content-Range", content_range);
      }
    else
      sl_response_set_file (resp, 200, mimetype, path, 0, -1);
  }

  sl_response_add_header (resp, "Accept-Ranges", "bytes");
  if (etag != NULL)
    sl_response_add_header (resp, "ETag", etag);
  sl_response_add_header (resp, "X-Robots-Tag", "none");
  add_http_date (resp, last_modified);
  if (cache_control != NULL && *cache_control != '\0')
    sl_response_add_header (resp, "Cache-Control", cache_control);

  download = sl_request_get_query (req, "download");
  if (download != NULL)
    {
      if (*download == '\0')
        sl_response_add_header (resp, "Content-Disposition", "attachment;");
      else
        {
          g_autofree char *encoded = encode_uri_component (download);
          g_autofree char *value = g_strdup_printf ("attachment; filename=%s; filename*=UTF-8''%s",
                                                    encoded, encoded);
          sl_response_add_header (resp, "Content-Disposition", value);
        }
    }
}

static void
serve_signed (SlStorage  *self,
              SlRequest  *req,
              SlResponse *resp,
              const char *rest)
{
  g_autofree char *bucket = NULL;
  g_autofree char *name = NULL;
  g_autoptr(JsonObject) claims = NULL;
  SlStorageError *err = NULL;
  SlActor super = { NULL, NULL, NULL };

  split_bucket_path (rest, &bucket, &name);
  claims = sl_storage_verify_signed (self, sl_request_get_query (req, "token"), bucket, name,
                                     "download", &err);
  if (claims == NULL)
    {
      respond_error (resp, err);
      return;
    }
  serve_object (self, req, resp, &super, bucket, name, FALSE, FALSE);
}

/* ------------------------------------------------------------ Objects */

static void
object_list (SlStorage     *self,
             SlRequest     *req,
             SlResponse    *resp,
             const SlActor *actor,
             const char    *bucket)
{
  g_autoptr(JsonNode) body = NULL;
  g_autofree char *prefix_slash = NULL;
  g_autofree char *limit_text = NULL;
  g_autofree char *offset_text = NULL;
  SlStorageError *err = NULL;
  const char *prefix = NULL;
  const char *search = NULL;
  const char *column = "name";
  const char *order = "asc";
  gboolean present;
  gint64 limit = 100;
  gint64 offset = 0;
  JsonObject *obj;
  JsonNode *sort;
  PGresult *res;

  body = read_json_body (req, &err);
  if (body == NULL)
    {
      respond_error (resp, err);
      return;
    }
  obj = json_node_get_object (body);

  if (!member_string (obj, "prefix", &prefix))
    {
      respond_error (resp, err_schema ("body/prefix must be string"));
      return;
    }
  if (prefix == NULL)
    {
      respond_error (resp, err_required ("body", "prefix"));
      return;
    }
  if (!member_string (obj, "search", &search))
    {
      respond_error (resp, err_schema ("body/search must be string"));
      return;
    }
  if (!member_int (obj, "limit", &present, &limit) || (present && limit < 1))
    {
      respond_error (resp, err_schema ("body/limit must be >= 1"));
      return;
    }
  if (!present)
    limit = 100;
  if (!member_int (obj, "offset", &present, &offset) || (present && offset < 0))
    {
      respond_error (resp, err_schema ("body/offset must be >= 0"));
      return;
    }
  if (!present)
    offset = 0;

  sort = json_object_get_member (obj, "sortBy");
  if (sort != NULL && JSON_NODE_HOLDS_OBJECT (sort))
    {
      JsonObject *s = json_node_get_object (sort);
      const char *c = NULL;
      const char *o = NULL;

      if (!member_string (s, "column", &c) || !member_string (s, "order", &o))
        {
          respond_error (resp, err_schema ("body/sortBy/column must be string"));
          return;
        }
      if (c == NULL)
        {
          respond_error (resp, err_required ("body/sortBy", "column"));
          return;
        }
      if (!g_strv_contains ((const char *[]) { "name", "updated_at", "created_at", "last_accessed_at", NULL }, c))
        {
          respond_error (resp, err_schema ("body/sortBy/column must be equal to one of the allowed values"));
          return;
        }
      if (o != NULL && !g_strv_contains ((const char *[]) { "asc", "desc", NULL }, o))
        {
          respond_error (resp, err_schema ("body/sortBy/order must be equal to one of the allowed values"));
          return;
        }
      column = c;
      if (o != NULL)
        order = o;
    }

  if (*prefix != '\0' && !g_str_has_suffix (prefix, "/"))
    prefix_slash = g_strdup_printf ("%s/", prefix);
  else
    prefix_slash = g_strdup (prefix);
  limit_text = g_strdup_printf ("%" G_GINT64_FORMAT, MIN (limit, 1500));
  offset_text = g_strdup_printf ("%" G_GINT64_FORMAT, MIN (offset, G_MAXINT32));

  {
    const char *params[] = { prefix_slash, bucket, limit_text, offset_text,
                             search != NULL ? search : "", column, order };

    res = exec_as (self, actor, "object",
                   "SELECT coalesce(json_agg(json_build_object("
                   "  'name', s.name, 'id', s.id, 'updated_at', storage.sl_iso(s.updated_at), "
                   "  'created_at', storage.sl_iso(s.created_at), "
                   "  'last_accessed_at', storage.sl_iso(s.last_accessed_at), "
                   "  'metadata', s.metadata) ORDER BY s.n), '[]')::text "
                   "FROM storage.search($1, $2, $3::int, 1, $4::int, $5, $6, $7) "
                   "  WITH ORDINALITY AS s(name, id, updated_at, created_at, last_accessed_at, metadata, n)",
                   G_N_ELEMENTS (params), params, &err);
  }
  if (res == NULL)
    {
      respond_error (resp, err);
      return;
    }
  sl_response_set_json_text (resp, 200, PQgetvalue (res, 0, 0));
  PQclear (res);
}

/* Hard-links (or copies) one immutable version file to another place. */
static gboolean
link_version (SlStorage  *self,
              const char *src_bucket,
              const char *src_version,
              const char *dst_bucket,
              const char *dst_version,
              GError    **error)
{
  g_autofree char *src = sl_storage_object_path (self, src_bucket, src_version);
  g_autofree char *dst = sl_storage_object_path (self, dst_bucket, dst_version);
  g_autofree char *dir = g_path_get_dirname (dst);
  g_autoptr(GFile) from = NULL;
  g_autoptr(GFile) to = NULL;

  g_mkdir_with_parents (dir, 0700);
  if (link (src, dst) == 0)
    return TRUE;
  from = g_file_new_for_path (src);
  to = g_file_new_for_path (dst);
  return g_file_copy (from, to, G_FILE_COPY_OVERWRITE, NULL, NULL, NULL, error);
}

typedef struct
{
  const char *bucket;
  const char *source;
  const char *destination;
  const char *dest_bucket;
} MoveArgs;

static gboolean
parse_move_args (JsonObject      *obj,
                 MoveArgs        *args,
                 SlStorageError **err)
{
  static const char *required[] = { "bucketId", "sourceKey", "destinationKey" };

  memset (args, 0, sizeof *args);
  for (guint i = 0; i < G_N_ELEMENTS (required); i++)
    {
      const char *value = NULL;
      if (!member_string (obj, required[i], &value) || value == NULL)
        {
          *err = err_required ("body", required[i]);
          return FALSE;
        }
    }
  member_string (obj, "bucketId", &args->bucket);
  member_string (obj, "sourceKey", &args->source);
  member_string (obj, "destinationKey", &args->destination);
  if (!member_string (obj, "destinationBucket", &args->dest_bucket))
    {
      *err = err_schema ("body/destinationBucket must be string");
      return FALSE;
    }
  if (args->dest_bucket == NULL || *args->dest_bucket == '\0')
    args->dest_bucket = args->bucket;
  if (!sl_storage_key_is_valid (args->destination))
    {
      *err = sl_storage_err_invalid_key (args->destination);
      return FALSE;
    }
  return TRUE;
}

static void
object_move (SlStorage     *self,
             SlRequest     *req,
             SlResponse    *resp,
             const SlActor *actor)
{
  g_autoptr(JsonNode) body = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(SlBucketInfo) info = { 0 };
  g_autofree char *version = NULL;
  SlStorageError *err = NULL;
  gboolean cross;
  MoveArgs args;
  PGconn *conn;
  PGresult *res;

  body = read_json_body (req, &err);
  if (body == NULL || !parse_move_args (json_node_get_object (body), &args, &err))
    {
      respond_error (resp, err);
      return;
    }
  cross = g_strcmp0 (args.bucket, args.dest_bucket) != 0;

  conn = sl_db_acquire (self->server);
  if (!sl_storage_get_bucket (conn, args.dest_bucket, &info, &err))
    goto fail;
  if (!sl_storage_begin (conn, actor, &error))
    {
      err = sl_storage_err_from_db (error, "object");
      goto fail;
    }

  {
    const char *params[] = { args.bucket, args.source, args.dest_bucket, args.destination };

    res = sl_db_exec (conn, &error,
                      "UPDATE storage.objects SET bucket_id = $3, name = $4, last_accessed_at = now() "
                      "WHERE bucket_id = $1 AND name = $2 RETURNING version",
                      G_N_ELEMENTS (params), params);
  }
  if (res == NULL)
    {
      sl_db_rollback (conn);
      err = sl_storage_err_from_db (error, "object");
      goto fail;
    }
  if (PQntuples (res) == 0)
    {
      PQclear (res);
      sl_db_rollback (conn);
      err = sl_storage_err_no_key ();
      goto fail;
    }
  version = g_strdup (PQgetvalue (res, 0, 0));
  PQclear (res);

  if (cross && !link_version (self, args.bucket, version, args.dest_bucket, version, &error))
    {
      sl_db_rollback (conn);
      err = sl_storage_err_internal (error->message);
      goto fail;
    }
  if (!sl_db_commit (conn, &error))
    {
      sl_db_rollback (conn);
      if (cross)
        unlink_version (self, args.dest_bucket, version);
      err = sl_storage_err_from_db (error, "object");
      goto fail;
    }
  sl_db_release (self->server, conn);
  if (cross)
    unlink_version (self, args.bucket, version);
  respond_message (resp, "Successfully moved");
  return;

fail:
  sl_db_release (self->server, conn);
  respond_error (resp, err);
}

static char *
now_iso (void)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  g_autofree char *base = g_date_time_format (now, "%Y-%m-%dT%H:%M:%S");

  return g_strdup_printf ("%s.%03dZ", base, g_date_time_get_microsecond (now) / 1000);
}

static void
object_copy (SlStorage     *self,
             SlRequest     *req,
             SlResponse    *resp,
             const SlActor *actor)
{
  g_autoptr(JsonNode) body = NULL;
  g_autoptr(JsonNode) meta_node = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(SlBucketInfo) info = { 0 };
  g_autofree char *src_version = NULL;
  g_autofree char *src_user = NULL;
  g_autofree char *old_version = NULL;
  g_autofree char *new_version = NULL;
  g_autofree char *metadata = NULL;
  g_autofree char *user_metadata = NULL;
  g_autofree char *modified = NULL;
  g_autofree char *row = NULL;
  SlStorageError *err = NULL;
  gboolean copy_metadata = TRUE;
  gboolean upsert = header_is_true (req, "x-upsert");
  JsonObject *obj;
  JsonObject *meta;
  JsonNode *node;
  MoveArgs args;
  PGconn *conn;
  PGresult *res;

  body = read_json_body (req, &err);
  if (body == NULL || !parse_move_args (json_node_get_object (body), &args, &err))
    {
      respond_error (resp, err);
      return;
    }
  obj = json_node_get_object (body);
  node = json_object_get_member (obj, "copyMetadata");
  if (node != NULL && JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_BOOLEAN)
    copy_metadata = json_node_get_boolean (node);

  conn = sl_db_acquire (self->server);
  if (!sl_storage_get_bucket (conn, args.dest_bucket, &info, &err))
    goto fail;

  {
    const char *params[] = { args.dest_bucket, args.destination };

    res = sl_db_exec (conn, &error,
                      "SELECT version FROM storage.objects WHERE bucket_id = $1 AND name = $2",
                      2, params);
    if (res != NULL)
      {
        if (PQntuples (res) > 0)
          old_version = g_strdup (PQgetvalue (res, 0, 0));
        PQclear (res);
      }
    g_clear_error (&error);
  }

  if (!sl_storage_begin (conn, actor, &error))
    {
      err = sl_storage_err_from_db (error, "object");
      goto fail;
    }

  {
    const char *params[] = { args.bucket, args.source };

    res = sl_db_exec (conn, &error,
                      "SELECT version, coalesce(metadata, '{}')::text, user_metadata::text "
                      "FROM storage.objects WHERE bucket_id = $1 AND name = $2",
                      2, params);
  }
  if (res == NULL || PQntuples (res) == 0)
    {
      err = res == NULL ? sl_storage_err_from_db (error, "object") : sl_storage_err_no_key ();
      g_clear_pointer (&res, PQclear);
      sl_db_rollback (conn);
      goto fail;
    }
  src_version = g_strdup (PQgetvalue (res, 0, 0));
  meta_node = json_from_string (PQgetvalue (res, 0, 1), NULL);
  if (!PQgetisnull (res, 0, 2))
    src_user = g_strdup (PQgetvalue (res, 0, 2));
  PQclear (res);

  if (meta_node == NULL || !JSON_NODE_HOLDS_OBJECT (meta_node))
    {
      g_clear_pointer (&meta_node, json_node_unref);
      meta_node = json_node_init_object (json_node_alloc (), json_object_new ());
    }
  meta = json_node_get_object (meta_node);
  if (!copy_metadata)
    {
      JsonNode *given = json_object_get_member (obj, "metadata");

      json_object_remove_member (meta, "cacheControl");
      json_object_remove_member (meta, "mimetype");
      if (given != NULL && JSON_NODE_HOLDS_OBJECT (given))
        {
          JsonObject *g = json_node_get_object (given);
          const char *value = NULL;

          if (member_string (g, "cacheControl", &value) && value != NULL)
            json_object_set_string_member (meta, "cacheControl", value);
          if (member_string (g, "mimetype", &value) && value != NULL)
            json_object_set_string_member (meta, "mimetype", value);
        }
      user_metadata = decode_x_metadata (req);
    }
  else
    user_metadata = g_strdup (src_user);
  modified = now_iso ();
  json_object_set_string_member (meta, "lastModified", modified);
  metadata = json_to_string (meta_node, FALSE);

  new_version = g_uuid_string_random ();
  if (!link_version (self, args.bucket, src_version, args.dest_bucket, new_version, &error))
    {
      sl_db_rollback (conn);
      err = sl_storage_err_internal (error->message);
      goto fail;
    }

  {
    const char *params[] = {
      args.dest_bucket, args.destination,
      actor->owner != NULL && g_uuid_string_is_valid (actor->owner) ? actor->owner : NULL,
      actor->owner, new_version, metadata, user_metadata,
    };

    res = sl_db_exec (conn, &error,
                      upsert
                      ? "INSERT INTO storage.objects AS o (bucket_id, name, owner, owner_id, version, metadata, user_metadata) "
                        "VALUES ($1, $2, $3::uuid, $4, $5, $6::jsonb, $7::jsonb) "
                        "ON CONFLICT (bucket_id, name) DO UPDATE SET owner = excluded.owner, "
                        "  owner_id = excluded.owner_id, version = excluded.version, "
                        "  metadata = excluded.metadata, user_metadata = excluded.user_metadata "
                        "RETURNING (jsonb_build_object('Id', o.id, 'Key', o.bucket_id || '/' || o.name) || "
                        OBJECT_ROW_JSON "::jsonb)::text"
                      : "INSERT INTO storage.objects AS o (bucket_id, name, owner, owner_id, version, metadata, user_metadata) "
                        "VALUES ($1, $2, $3::uuid, $4, $5, $6::jsonb, $7::jsonb) "
                        "RETURNING (jsonb_build_object('Id', o.id, 'Key', o.bucket_id || '/' || o.name) || "
                        OBJECT_ROW_JSON "::jsonb)::text",
                      G_N_ELEMENTS (params), params);
  }
  if (res == NULL)
    {
      sl_db_rollback (conn);
      unlink_version (self, args.dest_bucket, new_version);
      err = sl_storage_err_from_db (error, "object");
      goto fail;
    }
  row = g_strdup (PQgetvalue (res, 0, 0));
  PQclear (res);
  if (!sl_db_commit (conn, &error))
    {
      sl_db_rollback (conn);
      unlink_version (self, args.dest_bucket, new_version);
      err = sl_storage_err_from_db (error, "object");
      goto fail;
    }
  sl_db_release (self->server, conn);
  if (old_version != NULL && g_strcmp0 (old_version, new_version) != 0)
    unlink_version (self, args.dest_bucket, old_version);
  sl_response_set_json_text (resp, 200, row);
  return;

fail:
  sl_db_release (self->server, conn);
  respond_error (resp, err);
}

static void
object_remove_many (SlStorage     *self,
                    SlRequest     *req,
                    SlResponse    *resp,
                    const SlActor *actor,
                    const char    *bucket)
{
  g_autoptr(JsonNode) body = NULL;
  g_autofree char *names = NULL;
  g_autoptr(GString) out = g_string_new ("[");
  SlStorageError *err = NULL;
  JsonNode *prefixes;
  PGresult *res;

  body = read_json_body (req, &err);
  if (body == NULL)
    {
      respond_error (resp, err);
      return;
    }
  prefixes = json_object_get_member (json_node_get_object (body), "prefixes");
  if (prefixes == NULL)
    {
      respond_error (resp, err_required ("body", "prefixes"));
      return;
    }
  if (!JSON_NODE_HOLDS_ARRAY (prefixes))
    {
      respond_error (resp, err_schema ("body/prefixes must be array"));
      return;
    }
  if (json_array_get_length (json_node_get_array (prefixes)) < 1)
    {
      respond_error (resp, err_schema ("body/prefixes must NOT have fewer than 1 items"));
      return;
    }
  if (json_array_get_length (json_node_get_array (prefixes)) > 1000)
    {
      respond_error (resp, sl_storage_err_request ("Bulk object requests are limited to 1000 objects per request."));
      return;
    }
  names = json_to_string (prefixes, FALSE);

  {
    const char *params[] = { bucket, names };

    res = exec_as (self, actor, "object",
                   "DELETE FROM storage.objects o WHERE o.bucket_id = $1 "
                   "  AND o.name IN (SELECT jsonb_array_elements_text($2::jsonb)) "
                   "RETURNING " OBJECT_ROW_JSON "::text, o.version",
                   2, params, &err);
  }
  if (res == NULL)
    {
      respond_error (resp, err);
      return;
    }
  for (int i = 0; i < PQntuples (res); i++)
    {
      if (i > 0)
        g_string_append_c (out, ',');
      g_string_append (out, PQgetvalue (res, i, 0));
      unlink_version (self, bucket, PQgetvalue (res, i, 1));
    }
  g_string_append_c (out, ']');
  PQclear (res);
  sl_response_set_json_text (resp, 200, out->str);
}

static void
object_remove_one (SlStorage     *self,
                   SlResponse    *resp,
                   const SlActor *actor,
                   const char    *bucket,
                   const char    *name)
{
  const char *params[] = { bucket, name };
  SlStorageError *err = NULL;
  PGresult *res;

  res = exec_as (self, actor, "object",
                 "SELECT 1 FROM storage.objects WHERE bucket_id = $1 AND name = $2",
                 2, params, &err);
  if (res == NULL)
    {
      respond_error (resp, err);
      return;
    }
  if (PQntuples (res) == 0)
    {
      PQclear (res);
      respond_error (resp, sl_storage_err_no_key ());
      return;
    }
  PQclear (res);

  res = exec_as (self, actor, "object",
                 "DELETE FROM storage.objects WHERE bucket_id = $1 AND name = $2 RETURNING version",
                 2, params, &err);
  if (res == NULL)
    {
      respond_error (resp, err);
      return;
    }
  if (PQntuples (res) == 0)
    respond_error (resp, sl_storage_error_new (403, "AccessDenied", "Unauthorized", "Access denied"));
  else
    {
      unlink_version (self, bucket, PQgetvalue (res, 0, 0));
      respond_message (resp, "Successfully deleted");
    }
  PQclear (res);
}

static char *
sign_token (SlStorage   *self,
            JsonObject  *claims,
            gint64       expires_in)
{
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;

  json_object_set_int_member (claims, "iat", now);
  json_object_set_int_member (claims, "exp", now + expires_in);
  return sl_jwt_sign (self->server->jwt_secret, claims);
}

static gboolean
parse_expires_in (JsonObject      *obj,
                  gint64          *out,
                  SlStorageError **err)
{
  gboolean present;

  if (!member_int (obj, "expiresIn", &present, out))
    {
      *err = err_schema ("body/expiresIn must be integer");
      return FALSE;
    }
  if (!present)
    {
      *err = err_required ("body", "expiresIn");
      return FALSE;
    }
  if (*out < 1)
    {
      *err = err_schema ("body/expiresIn must be >= 1");
      return FALSE;
    }
  return TRUE;
}

static void
object_sign_one (SlStorage     *self,
                 SlRequest     *req,
                 SlResponse    *resp,
                 const SlActor *actor,
                 const char    *bucket,
                 const char    *name)
{
  g_autoptr(JsonNode) body = NULL;
  g_autoptr(JsonObject) claims = json_object_new ();
  g_autofree char *url = NULL;
  g_autofree char *token = NULL;
  g_autofree char *signed_url = NULL;
  const char *params[] = { bucket, name };
  SlStorageError *err = NULL;
  JsonNode *transform;
  gint64 expires_in = 0;
  PGresult *res;

  body = read_json_body (req, &err);
  if (body == NULL || !parse_expires_in (json_node_get_object (body), &expires_in, &err))
    {
      respond_error (resp, err);
      return;
    }

  res = exec_as (self, actor, "object",
                 "SELECT 1 FROM storage.objects WHERE bucket_id = $1 AND name = $2",
                 2, params, &err);
  if (res == NULL)
    {
      respond_error (resp, err);
      return;
    }
  if (PQntuples (res) == 0)
    {
      PQclear (res);
      respond_error (resp, sl_storage_err_no_key ());
      return;
    }
  PQclear (res);

  url = g_strdup_printf ("%s/%s", bucket, name);
  transform = json_object_get_member (json_node_get_object (body), "transform");
  if (transform != NULL && JSON_NODE_HOLDS_OBJECT (transform))
    {
      g_autoptr(GString) t = g_string_new (NULL);
      JsonObject *tobj = json_node_get_object (transform);
      g_autoptr(GList) members = json_object_get_members (tobj);

      for (GList *l = members; l != NULL; l = l->next)
        {
          JsonNode *v = json_object_get_member (tobj, l->data);
          g_autofree char *text = JSON_NODE_HOLDS_VALUE (v) && json_node_get_value_type (v) == G_TYPE_STRING
                                  ? g_strdup (json_node_get_string (v)) : json_to_string (v, FALSE);
          g_string_append_printf (t, "%s%s:%s", t->len > 0 ? "," : "", (const char *) l->data, text);
        }
      if (t->len > 0)
        json_object_set_string_member (claims, "transformations", t->str);
    }
  json_object_set_string_member (claims, "url", url);
  json_object_set_string_member (claims, "scope", "download");
  token = sign_token (self, claims, expires_in);
  signed_url = g_strdup_printf ("/%s/sign/%s?token=%s",
                                json_object_has_member (claims, "transformations") ? "render/image" : "object",
                                url, token);

  {
    g_autoptr(JsonBuilder) b = json_builder_new ();
    g_autoptr(JsonNode) node = NULL;

    json_builder_begin_object (b);
    json_builder_set_member_name (b, "signedURL");
    json_builder_add_string_value (b, signed_url);
    json_builder_end_object (b);
    node = json_builder_get_root (b);
    sl_response_set_json (resp, 200, node);
  }
}

static void
object_sign_many (SlStorage     *self,
                  SlRequest     *req,
                  SlResponse    *resp,
                  const SlActor *actor,
                  const char    *bucket)
{
  g_autoptr(JsonNode) body = NULL;
  g_autoptr(JsonNode) found_node = NULL;
  g_autoptr(GHashTable) found = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(JsonBuilder) b = json_builder_new ();
  g_autoptr(JsonNode) out = NULL;
  g_autofree char *names = NULL;
  SlStorageError *err = NULL;
  gint64 expires_in = 0;
  JsonNode *paths;
  JsonArray *array;
  PGresult *res;

  body = read_json_body (req, &err);
  if (body == NULL || !parse_expires_in (json_node_get_object (body), &expires_in, &err))
    {
      respond_error (resp, err);
      return;
    }
  paths = json_object_get_member (json_node_get_object (body), "paths");
  if (paths == NULL)
    {
      respond_error (resp, err_required ("body", "paths"));
      return;
    }
  if (!JSON_NODE_HOLDS_ARRAY (paths) || json_array_get_length (json_node_get_array (paths)) < 1)
    {
      respond_error (resp, err_schema ("body/paths must NOT have fewer than 1 items"));
      return;
    }
  array = json_node_get_array (paths);
  names = json_to_string (paths, FALSE);

  {
    const char *params[] = { bucket, names };

    res = exec_as (self, actor, "object",
                   "SELECT coalesce(json_agg(name), '[]')::text FROM storage.objects "
                   "WHERE bucket_id = $1 AND name IN (SELECT jsonb_array_elements_text($2::jsonb))",
                   2, params, &err);
  }
  if (res == NULL)
    {
      respond_error (resp, err);
      return;
    }
  found_node = json_from_string (PQgetvalue (res, 0, 0), NULL);
  PQclear (res);
  if (found_node != NULL && JSON_NODE_HOLDS_ARRAY (found_node))
    {
      JsonArray *fa = json_node_get_array (found_node);
      for (guint i = 0; i < json_array_get_length (fa); i++)
        g_hash_table_add (found, (gpointer) json_array_get_string_element (fa, i));
    }

  json_builder_begin_array (b);
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonNode *item = json_array_get_element (array, i);
      const char *path = JSON_NODE_HOLDS_VALUE (item) && json_node_get_value_type (item) == G_TYPE_STRING
                         ? json_node_get_string (item) : "";

      json_builder_begin_object (b);
      json_builder_set_member_name (b, "error");
      if (g_hash_table_contains (found, path))
        {
          g_autoptr(JsonObject) claims = json_object_new ();
          g_autofree char *url = g_strdup_printf ("%s/%s", bucket, path);
          g_autofree char *token = NULL;
          g_autofree char *signed_url = NULL;

          json_object_set_string_member (claims, "url", url);
          json_object_set_string_member (claims, "scope", "download");
          token = sign_token (self, claims, expires_in);
          signed_url = g_strdup_printf ("/object/sign/%s?token=%s", url, token);
          json_builder_add_null_value (b);
          json_builder_set_member_name (b, "path");
          json_builder_add_string_value (b, path);
          json_builder_set_member_name (b, "signedURL");
          json_builder_add_string_value (b, signed_url);
        }
      else
        {
          json_builder_add_string_value (b, "Either the object does not exist or you do not have access to it");
          json_builder_set_member_name (b, "path");
          json_builder_add_string_value (b, path);
          json_builder_set_member_name (b, "signedURL");
          json_builder_add_null_value (b);
        }
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
  out = json_builder_get_root (b);
  sl_response_set_json (resp, 200, out);
}

static void
object_sign_upload (SlStorage     *self,
                    SlRequest     *req,
                    SlResponse    *resp,
                    const SlActor *actor,
                    const char    *bucket,
                    const char    *name)
{
  g_auto(SlBucketInfo) info = { 0 };
  g_autoptr(JsonObject) claims = json_object_new ();
  g_autofree char *url = NULL;
  g_autofree char *token = NULL;
  g_autofree char *signed_url = NULL;
  gboolean upsert = header_is_true (req, "x-upsert");
  SlStorageError *err = NULL;
  PGconn *conn;
  gboolean found;

  conn = sl_db_acquire (self->server);
  found = sl_storage_get_bucket (conn, bucket, &info, &err);
  sl_db_release (self->server, conn);
  if (!found)
    {
      respond_error (resp, err);
      return;
    }
  if (!sl_storage_key_is_valid (name))
    {
      respond_error (resp, sl_storage_err_invalid_key (name));
      return;
    }
  if (!sl_storage_can_upload (self, actor, bucket, name, upsert, &err))
    {
      respond_error (resp, err);
      return;
    }

  url = g_strdup_printf ("%s/%s", bucket, name);
  if (actor->owner != NULL)
    json_object_set_string_member (claims, "owner", actor->owner);
  json_object_set_string_member (claims, "url", url);
  json_object_set_boolean_member (claims, "upsert", upsert);
  json_object_set_string_member (claims, "scope", "upload");
  token = sign_token (self, claims, SL_STORAGE_UPLOAD_SIGN_EXPIRY);
  signed_url = g_strdup_printf ("/object/upload/sign/%s?token=%s", url, token);

  {
    g_autoptr(JsonBuilder) b = json_builder_new ();
    g_autoptr(JsonNode) node = NULL;

    json_builder_begin_object (b);
    json_builder_set_member_name (b, "url");
    json_builder_add_string_value (b, signed_url);
    json_builder_set_member_name (b, "token");
    json_builder_add_string_value (b, token);
    json_builder_end_object (b);
    node = json_builder_get_root (b);
    sl_response_set_json (resp, 200, node);
  }
}

static void
object_upload_signed (SlStorage  *self,
                      SlRequest  *req,
                      SlResponse *resp,
                      const char *rest)
{
  g_autofree char *bucket = NULL;
  g_autofree char *name = NULL;
  g_autofree char *id = NULL;
  g_autoptr(JsonObject) claims = NULL;
  SlStorageError *err = NULL;
  SlActor super = { NULL, NULL, NULL };
  gboolean upsert;

  split_bucket_path (rest, &bucket, &name);
  claims = sl_storage_verify_signed (self, sl_request_get_query (req, "token"), bucket, name,
                                     "upload", &err);
  if (claims == NULL)
    {
      respond_error (resp, err);
      return;
    }
  upsert = json_object_get_boolean_member_with_default (claims, "upsert", FALSE);
  super.owner = json_object_get_string_member_with_default (claims, "owner", NULL);

  id = upload_from_request (self, req, &super, bucket, name, upsert, &err);
  if (id == NULL)
    {
      respond_error (resp, err);
      return;
    }
  respond_id_key (resp, NULL, bucket, name);
}

/* GET/HEAD of /object/{authenticated/,public/,}… and /render/image/… */
static void
serve_route (SlStorage  *self,
             SlRequest  *req,
             SlResponse *resp,
             const char *rest,
             gboolean    info_only)
{
  g_autofree char *bucket = NULL;
  g_autofree char *name = NULL;
  SlActor actor;

  if (g_str_has_prefix (rest, "public/"))
    {
      SlActor super = { NULL, NULL, NULL };

      split_bucket_path (rest + 7, &bucket, &name);
      serve_object (self, req, resp, &super, bucket, name, info_only, TRUE);
      return;
    }
  if (g_str_has_prefix (rest, "authenticated/"))
    {
      if (!require_actor (req, resp, &actor))
        return;
      split_bucket_path (rest + 14, &bucket, &name);
      serve_object (self, req, resp, &actor, bucket, name, info_only, FALSE);
      return;
    }
  if (g_str_has_prefix (rest, "sign/"))
    {
      serve_signed (self, req, resp, rest + 5);
      return;
    }
  /* Plain /object/{bucket}/{path}: a bad JWT counts as anon, RLS decides. */
  if (!sl_storage_authenticate (req, resp, TRUE, &actor))
    return;
  split_bucket_path (rest, &bucket, &name);
  serve_object (self, req, resp, &actor, bucket, name, info_only, FALSE);
}

static void
handle_object (SlStorage  *self,
               SlRequest  *req,
               SlResponse *resp,
               const char *rest)
{
  const char *method = req->method;
  gboolean is_get = g_str_equal (method, "GET") || g_str_equal (method, "HEAD");
  g_autofree char *bucket = NULL;
  g_autofree char *name = NULL;
  SlActor actor;

  if (g_str_equal (method, "POST") && g_str_has_prefix (rest, "list/"))
    {
      if (require_actor (req, resp, &actor))
        object_list (self, req, resp, &actor, rest + 5);
      return;
    }
  if (g_str_equal (method, "POST") && g_str_equal (rest, "move"))
    {
      if (require_actor (req, resp, &actor))
        object_move (self, req, resp, &actor);
      return;
    }
  if (g_str_equal (method, "POST") && g_str_equal (rest, "copy"))
    {
      if (require_actor (req, resp, &actor))
        object_copy (self, req, resp, &actor);
      return;
    }
  if (g_str_has_prefix (rest, "upload/sign/"))
    {
      if (g_str_equal (method, "PUT"))
        object_upload_signed (self, req, resp, rest + 12);
      else if (g_str_equal (method, "POST"))
        {
          split_bucket_path (rest + 12, &bucket, &name);
          if (require_actor (req, resp, &actor))
            object_sign_upload (self, req, resp, &actor, bucket, name);
        }
      else
        respond_not_found (req, resp);
      return;
    }
  if (g_str_has_prefix (rest, "sign/") && g_str_equal (method, "POST"))
    {
      if (!require_actor (req, resp, &actor))
        return;
      if (strchr (rest + 5, '/') == NULL)
        object_sign_many (self, req, resp, &actor, rest + 5);
      else
        {
          split_bucket_path (rest + 5, &bucket, &name);
          object_sign_one (self, req, resp, &actor, bucket, name);
        }
      return;
    }
  if (is_get && g_str_has_prefix (rest, "info/"))
    {
      serve_route (self, req, resp, rest + 5, TRUE);
      return;
    }
  if (is_get)
    {
      serve_route (self, req, resp, rest, FALSE);
      return;
    }

  split_bucket_path (rest, &bucket, &name);
  if (*bucket == '\0')
    {
      respond_not_found (req, resp);
      return;
    }
  if (g_str_equal (method, "POST"))
    object_upload (self, req, resp, bucket, name, header_is_true (req, "x-upsert"));
  else if (g_str_equal (method, "PUT"))
    object_upload (self, req, resp, bucket, name, TRUE);
  else if (g_str_equal (method, "DELETE"))
    {
      if (!require_actor (req, resp, &actor))
        return;
      if (*name == '\0')
        object_remove_many (self, req, resp, &actor, bucket);
      else
        object_remove_one (self, resp, &actor, bucket, name);
    }
  else
    respond_not_found (req, resp);
}

/* ------------------------------------------------------------- Entry */

static void
storage_handler (SlRequest  *req,
                 SlResponse *resp,
                 gpointer    user_data)
{
  SlStorage *self = storage_of (req);
  const char *sub = req->subpath != NULL ? req->subpath : "";

  if (g_str_equal (sub, "/bucket") || g_str_has_prefix (sub, "/bucket/"))
    handle_bucket (self, req, resp, sub + 7);
  else if (g_str_has_prefix (sub, "/object/"))
    handle_object (self, req, resp, sub + 8);
  else if (g_str_has_prefix (sub, "/render/image/") &&
           (g_str_equal (req->method, "GET") || g_str_equal (req->method, "HEAD")))
    serve_route (self, req, resp, sub + 14, FALSE);
  else if (g_str_equal (sub, "/status") || g_str_equal (sub, "/health"))
    sl_response_set_text (resp, 200, "text/plain", "");
  else
    respond_not_found (req, resp);
}

/* TUS has its own route so a PATCH cut off mid-body still reaches it. */
static void
tus_handler (SlRequest  *req,
             SlResponse *resp,
             gpointer    user_data)
{
  sl_storage_tus_handle (storage_of (req), req, resp, req->subpath != NULL ? req->subpath : "");
}

void
sl_storage_register (SlServer *server)
{
  SlStorage *self = g_new0 (SlStorage, 1);

  self->server = server;
  self->root = g_build_filename (server->workdir, "storage", NULL);
  self->tus_dir = g_build_filename (server->workdir, "storage-work", "tus", NULL);
  self->tmp_dir = g_build_filename (server->workdir, "storage-work", "tmp", NULL);
  g_mkdir_with_parents (self->root, 0700);
  g_mkdir_with_parents (self->tus_dir, 0700);
  g_mkdir_with_parents (self->tmp_dir, 0700);
  server->storage = self;
  sl_storage_tus_init (self);

  if (g_strcmp0 (server->seed, "demo") == 0 || g_strcmp0 (server->seed, "demo-large") == 0)
    sl_storage_seed_demo (self);

  sl_server_add_route (server, "/storage/v1", SL_ROUTE_SPOOL_BODY, storage_handler, self);
  sl_server_add_route (server, "/storage/v1/upload/resumable",
                       SL_ROUTE_SPOOL_BODY | SL_ROUTE_PARTIAL_BODY, tus_handler, self);
}

void
sl_storage_shutdown (SlServer *server)
{
  SlStorage *self = server->storage;

  if (self == NULL)
    return;
  sl_storage_tus_clear (self);
  g_free (self->root);
  g_free (self->tus_dir);
  g_free (self->tmp_dir);
  g_free (self);
  server->storage = NULL;
}
