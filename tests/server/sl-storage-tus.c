/* sl-storage-tus.c — TUS 1.0.0 resumable uploads (PROTOCOL.md §4.9).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * An upload in progress is a .part file plus an in-memory record; the
 * offset reported by HEAD is always the number of bytes in that file. A
 * PATCH appends the bytes it received — including the bytes of a request
 * whose connection dropped, when the core hands the truncated body over, as
 * tusd keeps what it read — and if writing fails the file is truncated back
 * so HEAD stays truthful. When the last byte arrives the object row is
 * created as the caller's role and the file moved into place.
 */

#define G_LOG_DOMAIN "sl-storage"

#ifndef _GNU_SOURCE
#define _GNU_SOURCE   /* copy_file_range */
#endif

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include <glib/gstdio.h>

#include "sl-storage-private.h"

#define TUS_EXTENSIONS "creation,creation-with-upload,termination,expiration"
#define TUS_ALLOWED_HEADERS \
  "Authorization, Content-Type, Location, Tus-Extension, Tus-Max-Size, Tus-Resumable, " \
  "Tus-Version, Upload-Concat, Upload-Defer-Length, Upload-Length, Upload-Metadata, " \
  "Upload-Offset, X-HTTP-Method-Override, X-Requested-With, X-Forwarded-Host, " \
  "X-Forwarded-Proto, Forwarded, X-Upsert, Upload-Expires, ApiKey, x-signature"

struct _SlTusUpload
{
  char     *id;
  char     *bucket;
  char     *name;
  char     *version;
  char     *part_path;
  char     *content_type;
  char     *cache_control;
  char     *user_metadata;     /* JSON text or NULL */
  char     *raw_metadata;      /* the Upload-Metadata header, echoed by HEAD */
  char     *owner;             /* from an upload-signing token */
  gint64    length;
  gint64    offset;
  gint64    expires;           /* unix seconds */
  gboolean  upsert;
  gboolean  busy;
  gboolean  complete;
};

static void
tus_upload_free (SlTusUpload *u)
{
  if (u == NULL)
    return;
  g_free (u->id);
  g_free (u->bucket);
  g_free (u->name);
  g_free (u->version);
  g_free (u->part_path);
  g_free (u->content_type);
  g_free (u->cache_control);
  g_free (u->user_metadata);
  g_free (u->raw_metadata);
  g_free (u->owner);
  g_free (u);
}

void
sl_storage_tus_init (SlStorage *self)
{
  g_mutex_init (&self->tus_lock);
  self->tus_uploads = g_hash_table_new_full (g_str_hash, g_str_equal, NULL,
                                             (GDestroyNotify) tus_upload_free);
}

void
sl_storage_tus_clear (SlStorage *self)
{
  g_clear_pointer (&self->tus_uploads, g_hash_table_unref);
  g_mutex_clear (&self->tus_lock);
}

/* ----------------------------------------------------------- Helpers */

static void
tus_headers (SlResponse *resp)
{
  sl_response_add_header (resp, "Tus-Resumable", "1.0.0");
  sl_response_add_header (resp, "Access-Control-Expose-Headers",
                          "Location, Upload-Offset, Upload-Length, Upload-Expires, "
                          "Upload-Metadata, Tus-Resumable, Tus-Version, Tus-Extension, Tus-Max-Size");
}

/* TUS errors are plain text with the logical status. */
static void
tus_error (SlResponse *resp,
           guint       status,
           const char *message)
{
  sl_response_set_text (resp, status, "text/plain", message);
  tus_headers (resp);
}

static void
tus_storage_error (SlResponse     *resp,
                   SlStorageError *err)
{
  tus_error (resp, err->status, err->message);
  sl_storage_error_free (err);
}

static char *
base64url_encode (const char *text)
{
  g_autofree char *b64 = g_base64_encode ((const guchar *) text, strlen (text));
  GString *out = g_string_new (NULL);

  for (const char *p = b64; *p; p++)
    {
      if (*p == '+')
        g_string_append_c (out, '-');
      else if (*p == '/')
        g_string_append_c (out, '_');
      else if (*p != '=')
        g_string_append_c (out, *p);
    }
  return g_string_free (out, FALSE);
}

static char *
base64url_decode (const char *text)
{
  GString *b64 = g_string_new (NULL);
  g_autofree guchar *raw = NULL;
  gsize len = 0;

  for (const char *p = text; *p; p++)
    {
      if (*p == '-')
        g_string_append_c (b64, '+');
      else if (*p == '_')
        g_string_append_c (b64, '/');
      else if (g_ascii_isalnum (*p))
        g_string_append_c (b64, *p);
      else
        {
          g_string_free (b64, TRUE);
          return NULL;
        }
    }
  while (b64->len % 4 != 0)
    g_string_append_c (b64, '=');
  raw = g_base64_decode (b64->str, &len);
  g_string_free (b64, TRUE);
  if (!g_utf8_validate ((const char *) raw, len, NULL))
    return NULL;
  return g_strndup ((const char *) raw, len);
}

static char *
http_date (gint64 unix_seconds)
{
  g_autoptr(GDateTime) dt = g_date_time_new_from_unix_utc (unix_seconds);

  return soup_date_time_to_string (dt, SOUP_DATE_HTTP);
}

/* "key base64,key base64,key" → table (values decoded; bare keys → ""). */
static GHashTable *
parse_upload_metadata (const char *header)
{
  g_autoptr(GHashTable) table = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_auto(GStrv) pairs = NULL;

  if (header == NULL)
    return g_steal_pointer (&table);
  pairs = g_strsplit (header, ",", -1);
  for (guint i = 0; pairs[i] != NULL; i++)
    {
      g_auto(GStrv) kv = g_strsplit (g_strstrip (pairs[i]), " ", -1);
      guint n = g_strv_length (kv);
      g_autofree guchar *raw = NULL;
      gsize len = 0;

      if (n == 0 || *kv[0] == '\0' || n > 2)
        return NULL;
      if (n == 1)
        {
          g_hash_table_replace (table, g_strdup (kv[0]), g_strdup (""));
          continue;
        }
      for (const char *p = kv[1]; *p; p++)
        if (!g_ascii_isalnum (*p) && *p != '+' && *p != '/' && *p != '=')
          return NULL;
      raw = g_base64_decode (kv[1], &len);
      g_hash_table_replace (table, g_strdup (kv[0]), g_strndup ((const char *) raw, len));
    }
  return g_steal_pointer (&table);
}

static char *
location_for (SlStorage  *self,
              SlRequest  *req,
              gboolean    is_signed,
              const char *id)
{
  const char *fwd_host = sl_request_get_header (req, "x-forwarded-host");
  const char *fwd_proto = sl_request_get_header (req, "x-forwarded-proto");
  const char *fwd_port = sl_request_get_header (req, "x-forwarded-port");
  const char *fwd_prefix = sl_request_get_header (req, "x-forwarded-prefix");
  g_autofree char *origin = NULL;
  g_autofree char *path = NULL;

  if (fwd_host != NULL && *fwd_host != '\0')
    {
      if (fwd_port != NULL && *fwd_port != '\0' && strchr (fwd_host, ':') == NULL &&
          !g_str_equal (fwd_port, "80") && !g_str_equal (fwd_port, "443"))
        origin = g_strdup_printf ("%s://%s:%s", fwd_proto != NULL ? fwd_proto : "http",
                                  fwd_host, fwd_port);
      else
        origin = g_strdup_printf ("%s://%s", fwd_proto != NULL ? fwd_proto : "http", fwd_host);
    }
  else
    origin = g_strdup (self->server->base_url);

  if (fwd_prefix != NULL)
    {
      g_autofree char *trimmed = g_strdup (fwd_prefix);
      gsize len = strlen (trimmed);

      while (len > 0 && trimmed[len - 1] == '/')
        trimmed[--len] = '\0';
      path = g_strdup_printf ("%s/upload/resumable", trimmed);
    }
  else
    path = g_strdup ("/storage/v1/upload/resumable");

  return g_strdup_printf ("%s%s%s/%s", origin, path, is_signed ? "/sign" : "", id);
}

#define COPY_BLOCK (4 << 20)

/* Appends the spooled body file @in to @out (at its current position):
 * in the kernel with copy_file_range() (no trip through user space), with
 * large read/write blocks where that is not supported. Returns the bytes
 * appended, or -1 with errno set. */
static gint64
append_file (int in,
             int out)
{
  g_autofree char *buf = NULL;
  gint64 total = 0;

  for (;;)
    {
      ssize_t n = copy_file_range (in, NULL, out, NULL, COPY_BLOCK, 0);

      if (n > 0)
        {
          total += n;
          continue;
        }
      if (n == 0)
        return total;
      if (errno == EINTR)
        continue;
      if (errno != ENOSYS && errno != EXDEV && errno != EINVAL && errno != EOPNOTSUPP)
        return -1;
      break;   /* not supported here: copy by hand from where we are */
    }

  buf = g_malloc (COPY_BLOCK);
  for (;;)
    {
      ssize_t r = read (in, buf, COPY_BLOCK);
      ssize_t done = 0;

      if (r < 0 && errno == EINTR)
        continue;
      if (r < 0)
        return -1;
      if (r == 0)
        return total;
      while (done < r)
        {
          ssize_t w = write (out, buf + done, r - done);

          if (w < 0 && errno == EINTR)
            continue;
          if (w <= 0)
            return -1;
          done += w;
        }
      total += r;
    }
}

/* Appends the request body to the part file at @u->offset; on a write
 * error the file is cut back so the offset stays what HEAD reports. */
static gboolean
append_body (SlTusUpload *u,
             SlRequest   *req,
             gint64      *appended,
             GError     **error)
{
  gint64 total = 0;
  int out;

  *appended = 0;
  out = g_open (u->part_path, O_WRONLY | O_CREAT, 0600);
  if (out < 0 || lseek (out, u->offset, SEEK_SET) < 0)
    {
      int saved = errno;
      if (out >= 0)
        close (out);
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved), "%s", g_strerror (saved));
      return FALSE;
    }

  if (req->body != NULL)
    {
      gsize len = 0;
      const char *data = g_bytes_get_data (req->body, &len);

      while (total < (gint64) len)
        {
          ssize_t w = write (out, data + total, len - total);
          if (w <= 0)
            goto fail;
          total += w;
        }
    }
  else if (req->body_path != NULL)
    {
      int in = g_open (req->body_path, O_RDONLY, 0);

      if (in < 0)
        goto fail;
      total = append_file (in, out);
      if (total < 0)
        {
          int saved = errno;

          close (in);
          errno = saved;
          goto fail;
        }
      close (in);
    }

  if (close (out) != 0)
    {
      out = -1;
      goto fail;
    }
  *appended = total;
  return TRUE;

fail:
  {
    int saved = errno;

    if (out >= 0)
      {
        if (ftruncate (out, u->offset) != 0)
          g_warning ("storage: cannot cut back %s", u->part_path);
        close (out);
      }
    else if (truncate (u->part_path, u->offset) != 0)
      g_warning ("storage: cannot cut back %s", u->part_path);
    g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                 "Cannot write the upload: %s", g_strerror (saved));
    return FALSE;
  }
}

/* Creates the object from a finished upload; FALSE with @resp filled. */
static gboolean
finish_upload (SlStorage     *self,
               SlTusUpload   *u,
               const SlActor *actor,
               gboolean       upsert,
               SlResponse    *resp)
{
  SlStorageError *err = NULL;
  g_autofree char *id = NULL;
  SlUploadSpec spec = {
    .bucket = u->bucket,
    .name = u->name,
    .src_path = u->part_path,
    .mimetype = u->content_type,
    .cache_control = u->cache_control,
    .user_metadata = u->user_metadata,
    .upsert = upsert,
  };

  id = sl_storage_store_object (self, actor, &spec, &err);
  if (id == NULL)
    {
      tus_storage_error (resp, err);
      return FALSE;
    }
  u->complete = TRUE;
  return TRUE;
}

/* Looks an upload up and marks it busy (the lock); fills @resp on error. */
static SlTusUpload *
acquire_upload (SlStorage  *self,
                const char *id,
                gboolean    lock,
                SlResponse *resp)
{
  SlTusUpload *u;
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;

  g_mutex_lock (&self->tus_lock);
  u = g_hash_table_lookup (self->tus_uploads, id);
  if (u == NULL)
    {
      g_mutex_unlock (&self->tus_lock);
      tus_error (resp, 404, "The file for this url was not found\n");
      return NULL;
    }
  if (!u->complete && u->expires < now)
    {
      g_mutex_unlock (&self->tus_lock);
      tus_error (resp, 410, "The file for this url no longer exists\n");
      return NULL;
    }
  if (lock)
    {
      if (u->busy)
        {
          g_mutex_unlock (&self->tus_lock);
          tus_error (resp, 409, "The upload is locked by another request\n");
          return NULL;
        }
      u->busy = TRUE;
    }
  g_mutex_unlock (&self->tus_lock);
  return u;
}

static void
release_upload (SlStorage   *self,
                SlTusUpload *u)
{
  g_mutex_lock (&self->tus_lock);
  u->busy = FALSE;
  g_mutex_unlock (&self->tus_lock);
}

/* Resolves who acts: the JWT (plain route) or the x-signature token. */
static gboolean
tus_actor (SlStorage  *self,
           SlRequest  *req,
           SlResponse *resp,
           gboolean    is_signed,
           const char *bucket,
           const char *name,
           SlActor    *actor,
           gboolean   *token_upsert,
           char      **token_owner)
{
  *token_upsert = FALSE;
  *token_owner = NULL;
  if (is_signed)
    {
      const char *signature = sl_request_get_header (req, "x-signature");
      g_autoptr(JsonObject) claims = NULL;
      SlStorageError *err = NULL;

      memset (actor, 0, sizeof *actor);
      if (signature == NULL || *signature == '\0')
        {
          tus_error (resp, 400, "Missing x-signature header");
          return FALSE;
        }
      claims = sl_storage_verify_signed (self, signature, bucket, name, "upload", &err);
      if (claims == NULL)
        {
          tus_storage_error (resp, err);
          return FALSE;
        }
      *token_upsert = json_object_get_boolean_member_with_default (claims, "upsert", FALSE);
      *token_owner = g_strdup (json_object_get_string_member_with_default (claims, "owner", NULL));
      actor->owner = *token_owner;
      return TRUE;
    }

  if (!sl_storage_authenticate (req, resp, FALSE, actor))
    {
      tus_headers (resp);
      return FALSE;
    }
  return TRUE;
}

static gboolean
header_true (SlRequest  *req,
             const char *name)
{
  const char *v = sl_request_get_header (req, name);

  return v != NULL && g_ascii_strcasecmp (v, "true") == 0;
}

static gboolean
is_offset_stream (SlRequest *req)
{
  const char *ct = sl_request_get_header (req, "content-type");

  return ct != NULL && g_ascii_strncasecmp (ct, "application/offset+octet-stream", 31) == 0;
}

/* Forgets uploads whose URL expired (and their bytes); finished ones are
 * kept for HEAD until then too. */
static void
prune_expired (SlStorage *self)
{
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;
  GHashTableIter iter;
  gpointer value;

  g_mutex_lock (&self->tus_lock);
  g_hash_table_iter_init (&iter, self->tus_uploads);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      SlTusUpload *u = value;

      if (!u->busy && u->expires + SL_STORAGE_TUS_EXPIRY < now)
        {
          if (!u->complete)
            g_unlink (u->part_path);
          g_hash_table_iter_remove (&iter);
        }
    }
  g_mutex_unlock (&self->tus_lock);
}

/* ------------------------------------------------------------ Methods */

static void
tus_options (SlResponse *resp)
{
  g_autofree char *max = g_strdup_printf ("%" G_GINT64_FORMAT, SL_STORAGE_GLOBAL_FILE_LIMIT);

  sl_response_set_text (resp, 204, NULL, NULL);
  tus_headers (resp);
  sl_response_add_header (resp, "Tus-Version", "1.0.0");
  sl_response_add_header (resp, "Tus-Extension", TUS_EXTENSIONS);
  sl_response_add_header (resp, "Tus-Max-Size", max);
  sl_response_add_header (resp, "Access-Control-Allow-Methods", "POST, HEAD, PATCH, OPTIONS, DELETE");
  sl_response_add_header (resp, "Access-Control-Allow-Headers", TUS_ALLOWED_HEADERS);
  sl_response_add_header (resp, "Access-Control-Max-Age", "86400");
}

static void
tus_create (SlStorage  *self,
            SlRequest  *req,
            SlResponse *resp,
            gboolean    is_signed)
{
  const char *length_header = sl_request_get_header (req, "upload-length");
  const char *meta_header = sl_request_get_header (req, "upload-metadata");
  g_autoptr(GHashTable) meta = NULL;
  g_auto(SlBucketInfo) info = { 0 };
  g_autofree char *token_owner = NULL;
  g_autofree char *raw_id = NULL;
  g_autofree char *location = NULL;
  g_autofree char *expires = NULL;
  g_autofree char *offset_text = NULL;
  gboolean complete;
  SlStorageError *err = NULL;
  const char *bucket;
  const char *name;
  const char *cache;
  const char *user_md;
  gboolean token_upsert;
  gboolean upsert;
  SlTusUpload *u;
  SlActor actor;
  gint64 length;
  char *end = NULL;
  PGconn *conn;
  gboolean found;

  if (length_header == NULL)
    {
      tus_error (resp, 400, "Upload-Length or Upload-Defer-Length header required\n");
      return;
    }
  length = g_ascii_strtoll (length_header, &end, 10);
  if (*length_header == '\0' || *end != '\0' || length < 0)
    {
      tus_error (resp, 400, "Invalid Upload-Length header\n");
      return;
    }
  if (meta_header == NULL)
    {
      tus_error (resp, 400, "Metadata header is required");
      return;
    }
  meta = parse_upload_metadata (meta_header);
  if (meta == NULL)
    {
      tus_error (resp, 400, "Invalid Upload-Metadata header");
      return;
    }
  bucket = g_hash_table_lookup (meta, "bucketName");
  name = g_hash_table_lookup (meta, "objectName");
  if (!sl_storage_bucket_name_is_valid (bucket))
    {
      tus_error (resp, 400, "Bucket name invalid");
      return;
    }
  if (!sl_storage_key_is_valid (name))
    {
      g_autofree char *message = g_strdup_printf ("Invalid key: %s", name != NULL ? name : "");
      tus_error (resp, 400, message);
      return;
    }

  if (!tus_actor (self, req, resp, is_signed, bucket, name, &actor, &token_upsert, &token_owner))
    return;
  upsert = is_signed ? token_upsert : header_true (req, "x-upsert");

  conn = sl_db_acquire (self->server);
  found = sl_storage_get_bucket (conn, bucket, &info, &err);
  sl_db_release (self->server, conn);
  if (!found)
    {
      tus_storage_error (resp, err);
      return;
    }
  if (length > sl_storage_effective_limit (&info))
    {
      tus_error (resp, 413, "Maximum size exceeded\n");
      return;
    }
  if (!sl_storage_can_upload (self, &actor, bucket, name, upsert, &err))
    {
      tus_storage_error (resp, err);
      return;
    }
  {
    const char *ct = g_hash_table_lookup (meta, "contentType");
    if (ct != NULL && !sl_storage_mime_allowed (ct, info.allowed_mime_types))
      {
        tus_storage_error (resp, sl_storage_err_mime (ct));
        return;
      }
  }

  u = g_new0 (SlTusUpload, 1);
  u->bucket = g_strdup (bucket);
  u->name = g_strdup (name);
  u->version = g_uuid_string_random ();
  raw_id = g_strdup_printf ("%s/%s/%s", bucket, name, u->version);
  u->id = base64url_encode (raw_id);
  u->part_path = g_strdup_printf ("%s/%s.part", self->tus_dir, u->version);
  u->length = length;
  u->content_type = g_strdup (g_hash_table_lookup (meta, "contentType") != NULL
                              ? g_hash_table_lookup (meta, "contentType")
                              : "application/octet-stream");
  cache = g_hash_table_lookup (meta, "cacheControl");
  {
    gboolean numeric = cache != NULL && *cache != '\0';
    for (const char *p = cache != NULL && *cache == '-' ? cache + 1 : cache; numeric && *p; p++)
      numeric = g_ascii_isdigit (*p);
    u->cache_control = numeric ? g_strdup_printf ("max-age=%s", cache) : g_strdup ("no-cache");
  }
  user_md = g_hash_table_lookup (meta, "metadata");
  if (user_md != NULL)
    {
      g_autoptr(JsonNode) node = json_from_string (user_md, NULL);
      if (node != NULL && JSON_NODE_HOLDS_OBJECT (node))
        u->user_metadata = json_to_string (node, FALSE);
    }
  u->raw_metadata = g_strdup (meta_header);
  u->owner = g_strdup (token_owner);
  u->upsert = upsert;
  u->expires = g_get_real_time () / G_USEC_PER_SEC + SL_STORAGE_TUS_EXPIRY;
  u->busy = TRUE;

  {
    FILE *f = g_fopen (u->part_path, "wb");
    if (f == NULL)
      {
        tus_error (resp, 500, "Internal server error");
        tus_upload_free (u);
        return;
      }
    fclose (f);
  }

  g_mutex_lock (&self->tus_lock);
  g_hash_table_replace (self->tus_uploads, u->id, u);
  g_mutex_unlock (&self->tus_lock);

  location = location_for (self, req, is_signed, u->id);
  expires = http_date (u->expires);

  /* creation-with-upload */
  if (is_offset_stream (req) && req->body_length > 0)
    {
      g_autoptr(GError) error = NULL;
      gint64 appended = 0;

      if (req->body_length > length)
        {
          release_upload (self, u);
          tus_error (resp, 413, "upload's size exceeded\n");
          return;
        }
      if (!append_body (u, req, &appended, &error))
        {
          release_upload (self, u);
          tus_error (resp, 500, "Internal server error");
          return;
        }
      u->offset += appended;
    }

  if (u->offset == u->length && !finish_upload (self, u, &actor, upsert, resp))
    {
      release_upload (self, u);
      return;
    }
  complete = u->complete;
  offset_text = g_strdup_printf ("%" G_GINT64_FORMAT, u->offset);
  release_upload (self, u);

  sl_response_set_text (resp, 201, NULL, NULL);
  tus_headers (resp);
  sl_response_add_header (resp, "Location", location);
  sl_response_add_header (resp, "Upload-Expires", expires);
  if (is_offset_stream (req) || complete)
    sl_response_add_header (resp, "Upload-Offset", offset_text);
  if (complete)
    sl_response_add_header (resp, "Tus-Complete", "1");
}

static gboolean
split_upload_id (const char  *id,
                 char       **bucket,
                 char       **name)
{
  g_autofree char *raw = base64url_decode (id);
  const char *first;
  const char *last;

  if (raw == NULL)
    return FALSE;
  first = strchr (raw, '/');
  last = strrchr (raw, '/');
  if (first == NULL || last == first)
    return FALSE;
  *bucket = g_strndup (raw, first - raw);
  *name = g_strndup (first + 1, last - first - 1);
  return TRUE;
}

static void
tus_head (SlStorage  *self,
          SlRequest  *req,
          SlResponse *resp,
          gboolean    is_signed,
          const char *id)
{
  g_autofree char *bucket = NULL;
  g_autofree char *name = NULL;
  g_autofree char *token_owner = NULL;
  g_autofree char *offset = NULL;
  g_autofree char *length = NULL;
  g_autofree char *expires = NULL;
  g_autofree char *metadata = NULL;
  gboolean token_upsert;
  SlTusUpload *u;
  SlActor actor;

  if (!split_upload_id (id, &bucket, &name))
    {
      tus_error (resp, 404, "The file for this url was not found\n");
      return;
    }
  if (!tus_actor (self, req, resp, is_signed, bucket, name, &actor, &token_upsert, &token_owner))
    return;
  g_mutex_lock (&self->tus_lock);
  u = g_hash_table_lookup (self->tus_uploads, id);
  if (u == NULL || (!u->complete && u->expires < g_get_real_time () / G_USEC_PER_SEC))
    {
      g_mutex_unlock (&self->tus_lock);
      if (u == NULL)
        tus_error (resp, 404, "The file for this url was not found\n");
      else
        tus_error (resp, 410, "The file for this url no longer exists\n");
      return;
    }
  offset = g_strdup_printf ("%" G_GINT64_FORMAT, u->offset);
  length = g_strdup_printf ("%" G_GINT64_FORMAT, u->length);
  expires = http_date (u->expires);
  metadata = g_strdup (u->raw_metadata);
  g_mutex_unlock (&self->tus_lock);

  sl_response_set_text (resp, 200, NULL, NULL);
  tus_headers (resp);
  sl_response_add_header (resp, "Upload-Offset", offset);
  sl_response_add_header (resp, "Upload-Length", length);
  sl_response_add_header (resp, "Cache-Control", "no-store");
  sl_response_add_header (resp, "Upload-Expires", expires);
  if (metadata != NULL)
    sl_response_add_header (resp, "Upload-Metadata", metadata);
}

static void
tus_patch (SlStorage  *self,
           SlRequest  *req,
           SlResponse *resp,
           gboolean    is_signed,
           const char *id)
{
  const char *offset_header = sl_request_get_header (req, "upload-offset");
  g_autofree char *bucket = NULL;
  g_autofree char *name = NULL;
  g_autofree char *token_owner = NULL;
  g_autofree char *offset_text = NULL;
  g_autofree char *expires = NULL;
  g_autoptr(GError) error = NULL;
  SlStorageError *err = NULL;
  gboolean token_upsert;
  gboolean upsert;
  SlTusUpload *u;
  SlActor actor;
  gint64 offset;
  gint64 appended = 0;
  char *end = NULL;

  if (!is_offset_stream (req))
    {
      tus_error (resp, 415, "Invalid or missing Content-Type header\n");
      return;
    }
  if (offset_header == NULL)
    {
      tus_error (resp, 403, "Upload-Offset header required\n");
      return;
    }
  offset = g_ascii_strtoll (offset_header, &end, 10);
  if (*offset_header == '\0' || *end != '\0' || offset < 0)
    {
      tus_error (resp, 403, "Upload-Offset header required\n");
      return;
    }
  if (!split_upload_id (id, &bucket, &name))
    {
      tus_error (resp, 404, "The file for this url was not found\n");
      return;
    }
  if (!tus_actor (self, req, resp, is_signed, bucket, name, &actor, &token_upsert, &token_owner))
    return;

  u = acquire_upload (self, id, TRUE, resp);
  if (u == NULL)
    return;

  upsert = is_signed ? token_upsert : (u->upsert || header_true (req, "x-upsert"));
  if (is_signed)
    actor.owner = token_owner;
  else if (!u->complete && !sl_storage_can_upload (self, &actor, u->bucket, u->name, upsert, &err))
    {
      release_upload (self, u);
      tus_storage_error (resp, err);
      return;
    }

  if (offset != u->offset)
    {
      release_upload (self, u);
      tus_error (resp, 409, "Upload-Offset conflict\n");
      return;
    }
  if (u->offset + req->body_length > u->length)
    {
      release_upload (self, u);
      tus_error (resp, 413, "upload's size exceeded\n");
      return;
    }

  if (!u->complete)
    {
      if (!append_body (u, req, &appended, &error))
        {
          g_warning ("storage: TUS append failed: %s", error->message);
          release_upload (self, u);
          tus_error (resp, 500, "Internal server error");
          return;
        }
      g_mutex_lock (&self->tus_lock);
      u->offset += appended;
      g_mutex_unlock (&self->tus_lock);

      if (u->offset == u->length && !finish_upload (self, u, &actor, upsert, resp))
        {
          release_upload (self, u);
          return;
        }
    }

  offset_text = g_strdup_printf ("%" G_GINT64_FORMAT, u->offset);
  expires = http_date (u->expires);
  sl_response_set_text (resp, 204, NULL, NULL);
  tus_headers (resp);
  sl_response_add_header (resp, "Upload-Offset", offset_text);
  sl_response_add_header (resp, "Upload-Expires", expires);
  if (u->complete)
    sl_response_add_header (resp, "Tus-Complete", "1");
  release_upload (self, u);
  prune_expired (self);
}

static void
tus_delete (SlStorage  *self,
            SlRequest  *req,
            SlResponse *resp,
            gboolean    is_signed,
            const char *id)
{
  g_autofree char *bucket = NULL;
  g_autofree char *name = NULL;
  g_autofree char *token_owner = NULL;
  gboolean token_upsert;
  SlTusUpload *u;
  SlActor actor;

  if (!split_upload_id (id, &bucket, &name))
    {
      tus_error (resp, 404, "The file for this url was not found\n");
      return;
    }
  if (!tus_actor (self, req, resp, is_signed, bucket, name, &actor, &token_upsert, &token_owner))
    return;
  u = acquire_upload (self, id, TRUE, resp);
  if (u == NULL)
    return;
  if (u->complete)
    {
      release_upload (self, u);
      tus_error (resp, 400, "Cannot terminate an already completed upload");
      return;
    }

  g_unlink (u->part_path);
  g_mutex_lock (&self->tus_lock);
  g_hash_table_remove (self->tus_uploads, id);
  g_mutex_unlock (&self->tus_lock);

  sl_response_set_text (resp, 204, NULL, NULL);
  tus_headers (resp);
}

void
sl_storage_tus_handle (SlStorage  *self,
                       SlRequest  *req,
                       SlResponse *resp,
                       const char *subpath)
{
  const char *method = req->method;
  gboolean is_signed = FALSE;
  const char *id;

  if (g_str_equal (subpath, "/sign") || g_str_has_prefix (subpath, "/sign/"))
    {
      is_signed = TRUE;
      subpath += 5;
    }
  id = subpath;
  while (*id == '/')
    id++;

  /* A request cut off mid-body: only a PATCH keeps what arrived (tusd
   * does the same); its response goes nowhere. */
  if (req->body_incomplete && !g_str_equal (method, "PATCH"))
    return;

  if (g_str_equal (method, "OPTIONS"))
    {
      tus_options (resp);
      return;
    }
  if (sl_request_get_header (req, "tus-resumable") == NULL)
    {
      tus_error (resp, 412, "Unsupported TUS version\n");
      sl_response_add_header (resp, "Tus-Version", "1.0.0");
      return;
    }

  if (*id == '\0')
    {
      if (g_str_equal (method, "POST"))
        tus_create (self, req, resp, is_signed);
      else
        tus_error (resp, 404, "Not found\n");
      return;
    }
  if (strchr (id, '/') != NULL)
    {
      tus_error (resp, 404, "The file for this url was not found\n");
      return;
    }

  if (g_str_equal (method, "HEAD"))
    tus_head (self, req, resp, is_signed, id);
  else if (g_str_equal (method, "PATCH"))
    tus_patch (self, req, resp, is_signed, id);
  else if (g_str_equal (method, "DELETE"))
    tus_delete (self, req, resp, is_signed, id);
  else if (g_str_equal (method, "POST"))
    tus_error (resp, 404, "Not found\n");
  else
    tus_error (resp, 405, "Method not allowed\n");
}
