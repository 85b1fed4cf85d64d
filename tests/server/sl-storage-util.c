/* sl-storage-util.c — errors, validation, object storing for the Storage module.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "sl-storage"

#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <glib/gstdio.h>

#include "sl-storage-private.h"

/* ------------------------------------------------------------- Errors */

SlStorageError *
sl_storage_error_new (guint       status,
                      const char *code,
                      const char *error,
                      const char *message)
{
  SlStorageError *err = g_new0 (SlStorageError, 1);

  err->status = status;
  err->code = g_strdup (code);
  err->error = g_strdup (error);
  err->message = g_strdup (message);
  return err;
}

void
sl_storage_error_free (SlStorageError *err)
{
  if (err == NULL)
    return;
  g_free (err->code);
  g_free (err->error);
  g_free (err->message);
  g_free (err);
}

void
sl_storage_error_respond (SlResponse           *resp,
                          const SlStorageError *err)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) node = NULL;
  g_autofree char *status = g_strdup_printf ("%u", err->status);
  guint http_status = err->http_status;

  if (http_status == 0)
    http_status = err->status == 500 ? 500 : 400;

  /* Key order as storage's error handler renders it. */
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "statusCode");
  json_builder_add_string_value (builder, status);
  json_builder_set_member_name (builder, "code");
  json_builder_add_string_value (builder, err->code);
  json_builder_set_member_name (builder, "error");
  json_builder_add_string_value (builder, err->error != NULL ? err->error : err->code);
  json_builder_set_member_name (builder, "message");
  json_builder_add_string_value (builder, err->message);
  json_builder_end_object (builder);
  node = json_builder_get_root (builder);
  sl_response_set_json (resp, http_status, node);
}

SlStorageError *
sl_storage_err_no_bucket (void)
{
  return sl_storage_error_new (404, "NoSuchBucket", "Bucket not found", "Bucket not found");
}

SlStorageError *
sl_storage_err_no_key (void)
{
  return sl_storage_error_new (404, "NoSuchKey", "not_found", "Object not found");
}

SlStorageError *
sl_storage_err_invalid_key (const char *key)
{
  g_autofree char *message = g_strdup_printf ("Invalid key: %s", key != NULL ? key : "");

  return sl_storage_error_new (400, "InvalidKey", NULL, message);
}

SlStorageError *
sl_storage_err_invalid_bucket_name (void)
{
  return sl_storage_error_new (400, "InvalidBucketName", "Invalid Input", "Bucket name invalid");
}

SlStorageError *
sl_storage_err_too_large (void)
{
  return sl_storage_error_new (413, "EntityTooLarge", "Payload too large",
                               "The object exceeded the maximum allowed size");
}

SlStorageError *
sl_storage_err_mime (const char *mime)
{
  g_autofree char *message = g_strdup_printf ("mime type %s is not supported", mime);

  return sl_storage_error_new (415, "InvalidMimeType", "invalid_mime_type", message);
}

SlStorageError *
sl_storage_err_request (const char *message)
{
  return sl_storage_error_new (400, "InvalidRequest", NULL, message);
}

SlStorageError *
sl_storage_err_internal (const char *detail)
{
  if (detail != NULL)
    g_warning ("storage: internal error: %s", detail);
  return sl_storage_error_new (500, "InternalError", "Internal", "Internal server error");
}

SlStorageError *
sl_storage_err_from_db (const GError *error,
                        const char   *what)
{
  const char *state = sl_db_error_sqlstate (error);

  if (g_strcmp0 (state, "42501") == 0)
    {
      if (strstr (error->message, "row-level security") != NULL)
        return sl_storage_error_new (403, "AccessDenied", "Unauthorized",
                                     "new row violates row-level security policy");
      return sl_storage_error_new (403, "AccessDenied", "Unauthorized", error->message);
    }
  if (g_strcmp0 (state, "23505") == 0)
    return sl_storage_error_new (409,
                                 g_strcmp0 (what, "bucket") == 0 ? "BucketAlreadyExists" : "KeyAlreadyExists",
                                 "Duplicate", "The resource already exists");
  if (g_strcmp0 (state, "23503") == 0)
    {
      if (g_strcmp0 (what, "bucket") == 0)
        return sl_storage_error_new (409, "ResourceNotEmpty", NULL,
                                     "The bucket you tried to delete is not empty");
      return sl_storage_err_no_bucket ();
    }
  if (g_strcmp0 (state, "22P02") == 0 || g_strcmp0 (state, "22023") == 0)
    return sl_storage_error_new (400, "InvalidParameter", NULL, error->message);
  return sl_storage_err_internal (error->message);
}

const char *
sl_storage_jwt_message (const GError *error)
{
  if (error->domain == SL_JWT_ERROR)
    {
      switch ((SlJwtError) error->code)
        {
        case SL_JWT_ERROR_EXPIRED:
          return "\"exp\" claim timestamp check failed";
        case SL_JWT_ERROR_SIGNATURE:
          return "signature verification failed";
        case SL_JWT_ERROR_MALFORMED:
          return "Invalid Compact JWS";
        case SL_JWT_ERROR_CLAIMS:
        default:
          break;
        }
    }
  return error->message;
}

/* --------------------------------------------------------- Validation */

/* S3-safe characters, as storage's key charset (no Unicode, no '%'). */
static gboolean
key_char_ok (char c,
             gboolean allow_slash)
{
  if (g_ascii_isalnum (c))
    return TRUE;
  if (c == '/')
    return allow_slash;
  return strchr ("_!.*'() &$=@;:+,?-", c) != NULL;
}

gboolean
sl_storage_key_is_valid (const char *key)
{
  if (key == NULL || *key == '\0')
    return FALSE;
  for (const char *p = key; *p != '\0'; p++)
    if (!key_char_ok (*p, TRUE))
      return FALSE;
  return TRUE;
}

gboolean
sl_storage_bucket_name_is_valid (const char *name)
{
  gsize len;

  if (name == NULL)
    return FALSE;
  len = strlen (name);
  if (len == 0 || len > 100)
    return FALSE;
  for (const char *p = name; *p != '\0'; p++)
    if (!key_char_ok (*p, FALSE))
      return FALSE;
  return TRUE;
}

gboolean
sl_storage_mime_allowed (const char  *mime,
                         char       **allowed)
{
  g_auto(GStrv) requested = NULL;

  if (allowed == NULL || allowed[0] == NULL)
    return TRUE;
  if (mime == NULL)
    return FALSE;

  requested = g_strsplit (mime, "/", 2);
  if (g_strv_length (requested) < 2)
    return FALSE;

  for (guint i = 0; allowed[i] != NULL; i++)
    {
      g_auto(GStrv) pattern = g_strsplit (allowed[i], "/", 2);

      if (g_strv_length (pattern) < 2)
        continue;
      if (g_strcmp0 (pattern[0], requested[0]) != 0)
        continue;
      if (g_strcmp0 (pattern[1], "*") == 0 || g_strcmp0 (pattern[1], requested[1]) == 0)
        return TRUE;
    }
  return FALSE;
}

/* -------------------------------------------------------------- Files */

char *
sl_storage_object_path (SlStorage  *self,
                        const char *bucket,
                        const char *version)
{
  return g_build_filename (self->root, bucket, version, NULL);
}

char *
sl_storage_md5_file (const char *path,
                     goffset    *size_out,
                     GError    **error)
{
  g_autoptr(GChecksum) sum = g_checksum_new (G_CHECKSUM_MD5);
  g_autofree guchar *buf = g_malloc (1 << 20);
  goffset total = 0;
  FILE *f;

  f = g_fopen (path, "rb");
  if (f == NULL)
    {
      int saved = errno;
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                   "Cannot open %s: %s", path, g_strerror (saved));
      return NULL;
    }
  for (;;)
    {
      size_t n = fread (buf, 1, 1 << 20, f);

      if (n > 0)
        {
          g_checksum_update (sum, buf, n);
          total += n;
        }
      if (n < (1 << 20))
        break;
    }
  if (ferror (f))
    {
      fclose (f);
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "Cannot read %s", path);
      return NULL;
    }
  fclose (f);
  if (size_out != NULL)
    *size_out = total;
  return g_strdup (g_checksum_get_string (sum));
}

/* Moves @src to @dest: rename when possible, else a streamed copy. */
static gboolean
move_file (const char *src,
           const char *dest,
           GError    **error)
{
  g_autoptr(GFile) from = NULL;
  g_autoptr(GFile) to = NULL;

  if (g_rename (src, dest) == 0)
    return TRUE;
  if (errno != EXDEV)
    {
      int saved = errno;
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                   "Cannot move the upload into place: %s", g_strerror (saved));
      return FALSE;
    }
  from = g_file_new_for_path (src);
  to = g_file_new_for_path (dest);
  if (!g_file_copy (from, to, G_FILE_COPY_OVERWRITE, NULL, NULL, NULL, error))
    return FALSE;
  g_unlink (src);
  return TRUE;
}

/* ---------------------------------------------------------------- DB */

void
sl_bucket_info_clear (SlBucketInfo *info)
{
  g_clear_pointer (&info->allowed_mime_types, g_strfreev);
}

gint64
sl_storage_effective_limit (const SlBucketInfo *info)
{
  if (info->file_size_limit > 0 && info->file_size_limit < SL_STORAGE_GLOBAL_FILE_LIMIT)
    return info->file_size_limit;
  return SL_STORAGE_GLOBAL_FILE_LIMIT;
}

gboolean
sl_storage_get_bucket (PGconn          *conn,
                       const char      *bucket,
                       SlBucketInfo    *info,
                       SlStorageError **err)
{
  g_autoptr(GError) error = NULL;
  const char *params[] = { bucket };
  PGresult *res;

  memset (info, 0, sizeof *info);
  res = sl_db_exec (conn, &error,
                    "SELECT public, coalesce(file_size_limit, 0), "
                    "       coalesce(array_to_json(allowed_mime_types)::text, '[]') "
                    "FROM storage.buckets WHERE id = $1",
                    1, params);
  if (res == NULL)
    {
      *err = sl_storage_err_from_db (error, "bucket");
      return FALSE;
    }
  if (PQntuples (res) == 0)
    {
      PQclear (res);
      *err = sl_storage_err_no_bucket ();
      return FALSE;
    }

  info->is_public = g_strcmp0 (PQgetvalue (res, 0, 0), "t") == 0;
  info->file_size_limit = g_ascii_strtoll (PQgetvalue (res, 0, 1), NULL, 10);
  {
    g_autoptr(JsonNode) node = json_from_string (PQgetvalue (res, 0, 2), NULL);
    GPtrArray *types = g_ptr_array_new ();

    if (node != NULL && JSON_NODE_HOLDS_ARRAY (node))
      {
        JsonArray *array = json_node_get_array (node);

        for (guint i = 0; i < json_array_get_length (array); i++)
          g_ptr_array_add (types, g_strdup (json_array_get_string_element (array, i)));
      }
    g_ptr_array_add (types, NULL);
    info->allowed_mime_types = (char **) g_ptr_array_free (types, FALSE);
  }
  PQclear (res);
  return TRUE;
}

gboolean
sl_storage_begin (PGconn         *conn,
                  const SlActor  *actor,
                  GError        **error)
{
  PGresult *res;

  if (actor->role != NULL)
    return sl_db_begin_as (conn, actor->role, actor->claims, error);

  res = sl_db_exec (conn, error, "BEGIN", 0, NULL);
  if (res == NULL)
    return FALSE;
  PQclear (res);
  return TRUE;
}

static gboolean
is_uuid (const char *s)
{
  return s != NULL && g_uuid_string_is_valid (s);
}

gboolean
sl_storage_can_upload (SlStorage       *self,
                       const SlActor   *actor,
                       const char      *bucket,
                       const char      *name,
                       gboolean         upsert,
                       SlStorageError **err)
{
  g_autoptr(GError) error = NULL;
  const char *params[] = { bucket, name, is_uuid (actor->owner) ? actor->owner : NULL, actor->owner };
  PGconn *conn = sl_db_acquire (self->server);
  PGresult *res;
  gboolean ok = FALSE;

  if (!sl_storage_begin (conn, actor, &error))
    {
      *err = sl_storage_err_from_db (error, "object");
      sl_db_release (self->server, conn);
      return FALSE;
    }

  res = sl_db_exec (conn, &error,
                    upsert
                    ? "INSERT INTO storage.objects (bucket_id, name, owner, owner_id, version, metadata) "
                      "VALUES ($1, $2, $3::uuid, $4, '1', '{}') "
                      "ON CONFLICT (bucket_id, name) DO UPDATE SET version = '1' RETURNING id"
                    : "INSERT INTO storage.objects (bucket_id, name, owner, owner_id, version, metadata) "
                      "VALUES ($1, $2, $3::uuid, $4, '1', '{}') RETURNING id",
                    G_N_ELEMENTS (params), params);
  if (res == NULL)
    *err = sl_storage_err_from_db (error, "object");
  else
    {
      PQclear (res);
      ok = TRUE;
    }
  sl_db_rollback (conn);
  sl_db_release (self->server, conn);
  return ok;
}

static char *
now_iso (void)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  g_autofree char *base = g_date_time_format (now, "%Y-%m-%dT%H:%M:%S");

  return g_strdup_printf ("%s.%03dZ", base, g_date_time_get_microsecond (now) / 1000);
}

char *
sl_storage_store_object (SlStorage          *self,
                         const SlActor      *actor,
                         const SlUploadSpec *spec,
                         SlStorageError    **err)
{
  g_autoptr(GError) error = NULL;
  g_auto(SlBucketInfo) info = { 0 };
  g_autofree char *md5 = NULL;
  g_autofree char *version = NULL;
  g_autofree char *dest = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *old_version = NULL;
  g_autofree char *metadata = NULL;
  g_autofree char *id = NULL;
  goffset size = 0;
  PGconn *conn;
  PGresult *res;

  if (!sl_storage_key_is_valid (spec->name))
    {
      *err = sl_storage_err_invalid_key (spec->name);
      return NULL;
    }

  conn = sl_db_acquire (self->server);
  if (!sl_storage_get_bucket (conn, spec->bucket, &info, err))
    goto fail;

  if (!g_str_has_suffix (spec->name, ".emptyFolderPlaceholder") &&
      !sl_storage_mime_allowed (spec->mimetype, info.allowed_mime_types))
    {
      *err = sl_storage_err_mime (spec->mimetype);
      goto fail;
    }

  md5 = sl_storage_md5_file (spec->src_path, &size, &error);
  if (md5 == NULL)
    {
      *err = sl_storage_err_internal (error->message);
      goto fail;
    }
  if (size > sl_storage_effective_limit (&info))
    {
      *err = sl_storage_err_too_large ();
      goto fail;
    }

  version = g_uuid_string_random ();
  dest = sl_storage_object_path (self, spec->bucket, version);
  dir = g_path_get_dirname (dest);
  g_mkdir_with_parents (dir, 0700);
  if (!move_file (spec->src_path, dest, &error))
    {
      *err = sl_storage_err_internal (error->message);
      goto fail;
    }

  {
    const char *params[] = { spec->bucket, spec->name };

    res = sl_db_exec (conn, &error,
                      "SELECT version FROM storage.objects WHERE bucket_id = $1 AND name = $2",
                      2, params);
    if (res != NULL)
      {
        if (PQntuples (res) > 0 && !PQgetisnull (res, 0, 0))
          old_version = g_strdup (PQgetvalue (res, 0, 0));
        PQclear (res);
      }
    g_clear_error (&error);
  }

  {
    g_autoptr(JsonBuilder) b = json_builder_new ();
    g_autoptr(JsonNode) node = NULL;
    g_autofree char *etag = g_strdup_printf ("\"%s\"", md5);
    g_autofree char *modified = now_iso ();

    json_builder_begin_object (b);
    json_builder_set_member_name (b, "eTag");
    json_builder_add_string_value (b, etag);
    json_builder_set_member_name (b, "size");
    json_builder_add_int_value (b, size);
    json_builder_set_member_name (b, "mimetype");
    json_builder_add_string_value (b, spec->mimetype);
    json_builder_set_member_name (b, "cacheControl");
    json_builder_add_string_value (b, spec->cache_control);
    json_builder_set_member_name (b, "lastModified");
    json_builder_add_string_value (b, modified);
    json_builder_set_member_name (b, "contentLength");
    json_builder_add_int_value (b, size);
    json_builder_set_member_name (b, "httpStatusCode");
    json_builder_add_int_value (b, 200);
    json_builder_end_object (b);
    node = json_builder_get_root (b);
    metadata = json_to_string (node, FALSE);
  }

  if (!sl_storage_begin (conn, actor, &error))
    {
      *err = sl_storage_err_from_db (error, "object");
      g_unlink (dest);
      goto fail;
    }

  {
    const char *params[] = {
      spec->bucket, spec->name,
      is_uuid (actor->owner) ? actor->owner : NULL, actor->owner,
      version, metadata,
      spec->user_metadata != NULL ? spec->user_metadata : "{}",
    };

    res = sl_db_exec (conn, &error,
                      spec->upsert
                      ? "INSERT INTO storage.objects (bucket_id, name, owner, owner_id, version, metadata, user_metadata) "
                        "VALUES ($1, $2, $3::uuid, $4, $5, $6::jsonb, $7::jsonb) "
                        "ON CONFLICT (bucket_id, name) DO UPDATE SET owner = excluded.owner, "
                        "  owner_id = excluded.owner_id, version = excluded.version, "
                        "  metadata = excluded.metadata, user_metadata = excluded.user_metadata, "
                        "  last_accessed_at = now() "
                        "RETURNING id"
                      : "INSERT INTO storage.objects (bucket_id, name, owner, owner_id, version, metadata, user_metadata) "
                        "VALUES ($1, $2, $3::uuid, $4, $5, $6::jsonb, $7::jsonb) RETURNING id",
                      G_N_ELEMENTS (params), params);
  }
  if (res == NULL)
    {
      sl_db_rollback (conn);
      *err = sl_storage_err_from_db (error, "object");
      g_unlink (dest);
      goto fail;
    }
  if (PQntuples (res) == 1)
    id = g_strdup (PQgetvalue (res, 0, 0));
  PQclear (res);

  if (id == NULL || !sl_db_commit (conn, &error))
    {
      sl_db_rollback (conn);
      *err = error != NULL ? sl_storage_err_from_db (error, "object")
                           : sl_storage_error_new (403, "AccessDenied", "Unauthorized",
                                                   "new row violates row-level security policy");
      g_unlink (dest);
      goto fail;
    }
  sl_db_release (self->server, conn);

  if (old_version != NULL && g_strcmp0 (old_version, version) != 0)
    {
      g_autofree char *old_path = sl_storage_object_path (self, spec->bucket, old_version);
      g_unlink (old_path);
    }
  return g_steal_pointer (&id);

fail:
  sl_db_release (self->server, conn);
  return NULL;
}

/* ------------------------------------------------------- Signed URLs */

JsonObject *
sl_storage_verify_signed (SlStorage       *self,
                          const char      *token,
                          const char      *bucket,
                          const char      *name,
                          const char      *scope,
                          SlStorageError **err)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) claims = NULL;
  g_autofree char *url = NULL;
  const char *token_scope;

  if (token == NULL || *token == '\0')
    {
      *err = sl_storage_err_request ("querystring must have required property 'token'");
      return NULL;
    }
  claims = sl_jwt_verify (self->server->jwt_secret, token, &error);
  if (claims == NULL)
    {
      *err = sl_storage_error_new (400, "InvalidJWT", NULL, sl_storage_jwt_message (error));
      return NULL;
    }

  token_scope = json_object_get_string_member_with_default (claims, "scope", NULL);
  if (token_scope != NULL ? g_strcmp0 (token_scope, scope) != 0
                          : (g_strcmp0 (scope, "upload") == 0) != json_object_has_member (claims, "upsert"))
    {
      g_autofree char *message = g_strdup_printf ("Token is not scoped for %s", scope);
      *err = sl_storage_error_new (400, "InvalidSignature", NULL, message);
      return NULL;
    }

  url = g_strdup_printf ("%s/%s", bucket, name);
  if (g_strcmp0 (json_object_get_string_member_with_default (claims, "url", ""), url) != 0)
    {
      *err = sl_storage_error_new (400, "InvalidSignature", NULL, "Invalid signature");
      return NULL;
    }
  return g_steal_pointer (&claims);
}

/* ---------------------------------------------------- Authentication */

gboolean
sl_storage_authenticate (SlRequest  *req,
                         SlResponse *resp,
                         gboolean    allow_invalid,
                         SlActor    *actor)
{
  g_autoptr(GError) jwt_error = NULL;
  gboolean ok;

  memset (actor, 0, sizeof *actor);
  ok = sl_request_authenticate (req, SL_AUTH_ALLOW_NO_JWT, resp, &jwt_error);

  if (jwt_error != NULL)
    {
      if (!allow_invalid)
        {
          g_autoptr(SlStorageError) err =
            sl_storage_error_new (403, "AccessDenied", "Unauthorized",
                                  sl_storage_jwt_message (jwt_error));
          sl_storage_error_respond (resp, err);
          return FALSE;
        }
      actor->role = "anon";
      return TRUE;
    }
  if (!ok)
    return FALSE;

  actor->role = req->role != NULL ? req->role : "anon";
  actor->claims = req->claims;
  if (req->claims != NULL)
    actor->owner = json_object_get_string_member_with_default (req->claims, "sub", NULL);
  return TRUE;
}
