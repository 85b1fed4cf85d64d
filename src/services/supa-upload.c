/* supa-upload.c — streaming and resumable (TUS) uploads to Storage
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * PROTOCOL.md §4.3 and §4.9. Small files go as one raw-body request whose
 * body is streamed from the input. Larger files use TUS 1.0.0: create,
 * then PATCH one 6 MiB chunk at a time, holding only that chunk in memory;
 * after a dropped connection or an offset conflict the server's offset is
 * read back with HEAD and sending continues from there.
 *
 * Each PATCH is sent from a worker thread (supa_client_send_in_thread_async):
 * libsoup's async path writes a request body 8 KiB per main-loop round
 * trip, which made the client, not the network, the limit. The message's
 * signals then fire in that thread and only bump an atomic counter; the
 * properties and ::progress are set in the upload's main context, throttled.
 */

#define G_LOG_DOMAIN "supa-upload"

#include "config.h"

#include "supa-upload.h"
#include "supa-storage-path.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#define SNIFF_SIZE             4096
#define DEFAULT_CACHE_SECONDS  3600
#define DEFAULT_MAX_RETRIES    5
#define RETRY_BASE_MS          250
#define RETRY_MAX_MS           4000
#define TUS_VERSION            "1.0.0"
/* bytes-sent and ::progress are published at most this often while a
 * request body is on the wire (and once when it ends). */
#define PROGRESS_INTERVAL_MS   100

struct _SupaUpload
{
  GObject        parent_instance;

  SupaClient    *client;
  char          *bucket;
  char          *path;
  GFile         *file;
  GInputStream  *input;
  char          *upload_url;
  char          *content_type;
  JsonObject    *metadata;

  /* the chunk in memory and where it sits in the input */
  GBytes        *chunk;
  gint64         chunk_start;
  gint64         stream_pos;  /* relative to stream_base */
  gint64         stream_base; /* where the data starts in a caller's stream */

  /* Two chunk buffers, reused for the whole run: the chunk being sent
   * (self->chunk points into buffers[current]) and the next one, read
   * while the current one is on the wire. */
  guchar        *buffers[2];
  guint          current;
  gint64         ahead_start; /* input offset of the read-ahead chunk */
  gsize          ahead_wanted;
  gsize          ahead_len;   /* > 0: buffers[1 - current] holds it */
  GError        *ahead_error;
  GTask         *ahead_waiter; /* the step waiting for the read ahead */

  SoupMessage   *msg;         /* the request in flight */
  /* Body bytes the request in flight has written (from offset on). TUS
   * PATCHes are sent from a worker thread, whose message signals only add
   * to this; the main context publishes it every PROGRESS_INTERVAL_MS. */
  gint           wire_sent;   /* atomic */
  GSource       *progress_source;
  gint64         total;
  gint64         offset;      /* confirmed by the server */
  gint64         bytes_sent;
  guint          cache_seconds;
  guint          max_retries;
  guint          retries;
  GError        *last_error;  /* why the current step is being retried */

  guint          upsert  : 1;
  guint          update  : 1;
  guint          resume  : 1;
  guint          running : 1;
  guint          ahead_pending : 1;
};

G_DEFINE_FINAL_TYPE (SupaUpload, supa_upload, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_CLIENT,
  PROP_BUCKET,
  PROP_PATH,
  PROP_FILE,
  PROP_UPLOAD_URL,
  PROP_CONTENT_TYPE,
  PROP_BYTES_SENT,
  PROP_SERVER_OFFSET,
  PROP_TOTAL_BYTES,
  N_PROPS
};

enum {
  SIGNAL_PROGRESS,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

static void tus_next_chunk (GTask *task);

/* ------------------------------------------------------------------ helpers */

static void
set_bytes_sent (SupaUpload *self,
                gint64      sent)
{
  if (self->bytes_sent == sent)
    return;
  self->bytes_sent = sent;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_BYTES_SENT]);
  g_signal_emit (self, signals[SIGNAL_PROGRESS], 0, self->bytes_sent, self->total);
}

static void
set_offset (SupaUpload *self,
            gint64      offset)
{
  if (self->offset != offset)
    {
      self->offset = offset;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SERVER_OFFSET]);
    }
  set_bytes_sent (self, offset);
}

static void
set_upload_url (SupaUpload *self,
                const char *url)
{
  if (g_strcmp0 (self->upload_url, url) == 0)
    return;
  g_free (self->upload_url);
  self->upload_url = g_strdup (url);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_UPLOAD_URL]);
}

static char *
object_key (SupaUpload *self)
{
  return g_strconcat (self->bucket, "/", self->path, NULL);
}

static char *
b64 (const char *text)
{
  return g_base64_encode ((const guchar *) text, strlen (text));
}

/* Any thread (the one sending the message): no GObject state here. */
static void
wrote_body_data_cb (SoupMessage *msg,
                    guint        chunk_size,
                    SupaUpload  *self)
{
  g_atomic_int_add (&self->wire_sent, (gint) chunk_size);
}

/* libsoup resends a restartable message whose pooled connection turned out
 * to be closed: count the body from where it started again. Any thread. */
static void
patch_restarted_cb (SoupMessage *msg,
                    SupaUpload  *self)
{
  g_atomic_int_set (&self->wire_sent, 0);
}

/* Main context: what the request in flight has written so far. */
static void
publish_wire_progress (SupaUpload *self)
{
  gint64 sent = MAX (self->offset, 0) + g_atomic_int_get (&self->wire_sent);

  set_bytes_sent (self, self->total >= 0 ? MIN (sent, self->total) : sent);
}

static gboolean
progress_tick_cb (gpointer user_data)
{
  publish_wire_progress (user_data);
  return G_SOURCE_CONTINUE;
}

/* Before a request with a body: counts from zero and publishes on a timer
 * in @task's main context. */
static void
start_wire_progress (SupaUpload *self,
                     GTask      *task)
{
  g_atomic_int_set (&self->wire_sent, 0);
  if (self->progress_source != NULL)
    return;

  self->progress_source = g_timeout_source_new (PROGRESS_INTERVAL_MS);
  g_source_set_name (self->progress_source, "[supadesk] upload progress");
  /* Not owning: the source is destroyed before the upload can go away
   * (the running task holds the upload). */
  g_source_set_callback (self->progress_source, progress_tick_cb, self, NULL);
  g_source_attach (self->progress_source, g_task_get_context (task));
}

/* The request ended (either way): publish its last count, stop the timer. */
static void
stop_wire_progress (SupaUpload *self)
{
  if (self->progress_source == NULL)
    return;

  g_source_destroy (self->progress_source);
  g_clear_pointer (&self->progress_source, g_source_unref);
  publish_wire_progress (self);
  g_atomic_int_set (&self->wire_sent, 0);
}

static void
clear_msg (SupaUpload *self)
{
  if (self->msg != NULL)
    {
      g_signal_handlers_disconnect_by_func (self->msg, wrote_body_data_cb, self);
      g_signal_handlers_disconnect_by_func (self->msg, patch_restarted_cb, self);
    }
  g_clear_object (&self->msg);
}

static SoupMessage *
tus_message (SupaUpload  *self,
             const char  *method,
             GError     **error)
{
  g_autoptr(GUri) uri = g_uri_parse (self->upload_url, SOUP_HTTP_URI_FLAGS, NULL);
  SoupMessage *msg;

  if (uri == NULL)
    {
      g_set_error_literal (error, SUPA_ERROR, SUPA_ERROR_INVALID_INPUT,
                           _("The saved upload address is not valid."));
      return NULL;
    }

  msg = soup_message_new_from_uri (method, uri);
  supa_client_apply_headers (self->client, msg, SUPA_SERVICE_STORAGE);
  soup_message_headers_replace (soup_message_get_request_headers (msg), "Tus-Resumable", TUS_VERSION);
  return msg;
}

static gboolean
header_offset (SoupMessage *msg,
               const char  *name,
               gint64      *out)
{
  const char *value = soup_message_headers_get_one (soup_message_get_response_headers (msg), name);

  return value != NULL && g_ascii_string_to_signed (value, 10, 0, G_MAXINT64, out, NULL);
}

/* Upload-Metadata "key b64,key b64": the value for @key, decoded. */
static char *
tus_metadata_value (const char *header,
                    const char *key)
{
  g_auto(GStrv) pairs = NULL;

  if (header == NULL)
    return NULL;

  pairs = g_strsplit (header, ",", -1);
  for (guint i = 0; pairs[i] != NULL; i++)
    {
      g_auto(GStrv) kv = g_strsplit (g_strstrip (pairs[i]), " ", 2);

      if (kv[0] != NULL && g_str_equal (kv[0], key) && kv[1] != NULL)
        {
          gsize len = 0;
          guchar *raw = g_base64_decode (kv[1], &len);
          char *text = g_strndup ((const char *) raw, len);

          g_free (raw);
          if (!g_utf8_validate (text, -1, NULL))
            {
              g_free (text);
              return NULL;
            }
          return text;
        }
    }
  return NULL;
}

/* Storage's upload id is base64url("bucket/object/version"). */
static gboolean
names_from_upload_url (const char  *url,
                       char       **bucket,
                       char       **path)
{
  g_autoptr(GUri) uri = g_uri_parse (url, SOUP_HTTP_URI_FLAGS, NULL);
  g_autoptr(GString) id = NULL;
  g_autofree guchar *raw = NULL;
  g_autofree char *text = NULL;
  const char *last;
  const char *first_slash;
  const char *last_slash;
  gsize len = 0;

  if (uri == NULL)
    return FALSE;
  last = strrchr (g_uri_get_path (uri), '/');
  if (last == NULL || last[1] == '\0')
    return FALSE;

  id = g_string_new (last + 1);
  g_string_replace (id, "-", "+", 0);
  g_string_replace (id, "_", "/", 0);
  while (id->len % 4 != 0)
    g_string_append_c (id, '=');

  raw = g_base64_decode (id->str, &len);
  text = g_strndup ((const char *) raw, len);
  if (!g_utf8_validate (text, -1, NULL))
    return FALSE;

  first_slash = strchr (text, '/');
  last_slash = strrchr (text, '/');
  if (first_slash == NULL || last_slash == first_slash)
    return FALSE;

  *bucket = g_strndup (text, first_slash - text);
  *path = g_strndup (first_slash + 1, last_slash - first_slash - 1);
  return TRUE;
}

static gboolean
is_retryable (const GError *error)
{
  if (error->domain != SUPA_ERROR)
    return FALSE;

  switch (error->code)
    {
    case SUPA_ERROR_NETWORK:
    case SUPA_ERROR_CONFLICT:     /* offset mismatch or a lock still held */
    case SUPA_ERROR_SERVER:
    case SUPA_ERROR_RATE_LIMITED:
      return TRUE;
    default:
      return supa_error_get_http_status (error) == 423;
    }
}

/* ------------------------------------------------------------- single shot */

static void
single_sent_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  SupaUpload *self = g_task_get_source_object (task);
  g_autoptr(JsonNode) node = NULL;
  GError *error = NULL;
  const char *key = NULL;

  stop_wire_progress (self);
  clear_msg (self);
  node = supa_client_send_json_finish (SUPA_CLIENT (source), result, &error);
  if (node == NULL)
    {
      g_task_return_error (task, error);
      return;
    }

  if (JSON_NODE_HOLDS_OBJECT (node))
    {
      JsonObject *obj = json_node_get_object (node);
      if (json_object_has_member (obj, "Key") &&
          json_node_get_value_type (json_object_get_member (obj, "Key")) == G_TYPE_STRING)
        key = json_object_get_string_member (obj, "Key");
    }

  set_offset (self, self->total);
  g_task_return_pointer (task, key ? g_strdup (key) : object_key (self), g_free);
}

static void
single_start (GTask *task)
{
  SupaUpload *self = g_task_get_source_object (task);
  g_autofree char *route = supa_storage_path_route (self->bucket, self->path);
  g_autofree char *service_path = g_strconcat ("storage/v1/object/", route, NULL);
  g_autofree char *cache = g_strdup_printf ("max-age=%u", self->cache_seconds);
  SoupMessageHeaders *headers;

  self->msg = supa_client_new_message (self->client, SUPA_SERVICE_STORAGE,
                                       self->update ? "PUT" : "POST", service_path, NULL);
  headers = soup_message_get_request_headers (self->msg);
  soup_message_headers_replace (headers, "cache-control", cache);
  if (!self->update)
    soup_message_headers_replace (headers, "x-upsert", self->upsert ? "true" : "false");
  if (self->metadata != NULL)
    {
      g_autoptr(JsonNode) node = json_node_init_object (json_node_alloc (), self->metadata);
      g_autofree char *json = json_to_string (node, FALSE);
      g_autofree char *encoded = b64 (json);

      soup_message_headers_replace (headers, "x-metadata", encoded);
    }

  /* streamed from the input, never read whole into memory */
  soup_message_set_request_body (self->msg, self->content_type, self->input, self->total);
  g_signal_connect (self->msg, "wrote-body-data", G_CALLBACK (wrote_body_data_cb), self);
  start_wire_progress (self, task);

  supa_client_send_json_async (self->client, self->msg, SUPA_SERVICE_STORAGE,
                               g_task_get_cancellable (task), single_sent_cb, task);
}

/* ---------------------------------------------------------------------- TUS */

static void tus_head (GTask *task);

static guchar *
chunk_buffer (SupaUpload *self,
              guint       index)
{
  if (self->buffers[index] == NULL)
    self->buffers[index] = g_malloc ((gsize) MIN ((gint64) SUPA_UPLOAD_CHUNK_SIZE, MAX (self->total, 1)));
  return self->buffers[index];
}

static void
free_chunk_buffers (SupaUpload *self)
{
  g_assert (!self->ahead_pending);

  g_clear_pointer (&self->chunk, g_bytes_unref);
  g_clear_pointer (&self->buffers[0], g_free);
  g_clear_pointer (&self->buffers[1], g_free);
  self->ahead_len = 0;
  g_clear_error (&self->ahead_error);
}

/* A chunk over buffers[@index]; the buffer outlives it (freed only when no
 * request is in flight). */
static void
set_chunk (SupaUpload *self,
           guint       index,
           gint64      start,
           gsize       len)
{
  g_clear_pointer (&self->chunk, g_bytes_unref);
  self->chunk = g_bytes_new_static (self->buffers[index], len);
  self->chunk_start = start;
  self->current = index;
}

static void
read_ahead_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  SupaUpload *self = user_data;
  GTask *waiter = g_steal_pointer (&self->ahead_waiter);
  GError *error = NULL;
  gsize n_read = 0;
  gboolean ok;

  ok = g_input_stream_read_all_finish (G_INPUT_STREAM (source), result, &n_read, &error);
  self->ahead_pending = FALSE;
  g_clear_error (&self->ahead_error);
  self->ahead_len = 0;

  /* A run started since (a file opened anew) does not want it. */
  if (G_INPUT_STREAM (source) == self->input)
    {
      self->stream_pos += n_read;
      if (ok && n_read == self->ahead_wanted)
        self->ahead_len = n_read;
      else if (ok)
        self->ahead_error = g_error_new_literal (SUPA_ERROR, SUPA_ERROR_INVALID_INPUT,
                                                 _("The file became shorter while it was being uploaded."));
      /* Cancelled says nothing about the data: a later run reads it anew. */
      else if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        self->ahead_error = g_steal_pointer (&error);
    }
  g_clear_error (&error);

  if (waiter != NULL)
    tus_next_chunk (waiter);
  else if (!self->running)
    free_chunk_buffers (self);

  g_object_unref (self);
}

/* While the current chunk is on the wire (in a worker thread), read the
 * next one into the other buffer. */
static void
start_read_ahead (SupaUpload *self,
                  GTask      *task)
{
  gint64 next = self->chunk_start + (gint64) g_bytes_get_size (self->chunk);
  guint index = 1 - self->current;

  if (self->ahead_pending || self->ahead_len > 0 || self->ahead_error != NULL ||
      self->stream_pos != next || next >= self->total)
    return;

  self->ahead_start = next;
  self->ahead_wanted = (gsize) MIN ((gint64) SUPA_UPLOAD_CHUNK_SIZE, self->total - next);
  self->ahead_pending = TRUE;
  g_input_stream_read_all_async (self->input, chunk_buffer (self, index), self->ahead_wanted,
                                 G_PRIORITY_DEFAULT, g_task_get_cancellable (task),
                                 read_ahead_cb, g_object_ref (self));
}

static gboolean
retry_timeout_cb (gpointer user_data)
{
  GTask *task = user_data;

  if (!g_task_return_error_if_cancelled (task))
    tus_head (g_object_ref (task));
  g_object_unref (task);
  return G_SOURCE_REMOVE;
}

/* Takes @error; retries through HEAD with backoff, or fails @task. */
static void
tus_retry_or_fail (GTask  *task,
                   GError *error)
{
  SupaUpload *self = g_task_get_source_object (task);
  guint delay;

  if (!is_retryable (error) || self->retries >= self->max_retries)
    {
      g_task_return_error (task, error);
      g_object_unref (task);
      return;
    }

  delay = MIN (RETRY_BASE_MS << self->retries, RETRY_MAX_MS);
  self->retries++;
  g_debug ("Upload step failed (%s); asking the server for its offset in %u ms (attempt %u of %u)",
           error->message, delay, self->retries, self->max_retries);
  g_clear_error (&self->last_error);
  self->last_error = error;

  g_timeout_add (delay, retry_timeout_cb, task);
}

static void
tus_patch_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  GTask *task = user_data;
  SupaUpload *self = g_task_get_source_object (task);
  g_autoptr(GBytes) body = NULL;
  GError *error = NULL;
  gint64 new_offset = -1;

  /* What went on the wire, before the server's word replaces it. */
  stop_wire_progress (self);

  body = supa_client_send_in_thread_finish (SUPA_CLIENT (source), result, &error);
  if (body == NULL)
    {
      clear_msg (self);
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          g_task_return_error (task, error);
          g_object_unref (task);
          return;
        }
      tus_retry_or_fail (task, error);
      return;
    }

  if (!header_offset (self->msg, "Upload-Offset", &new_offset) ||
      new_offset <= self->offset || new_offset > self->total)
    {
      clear_msg (self);
      g_task_return_new_error (task, SUPA_ERROR, SUPA_ERROR_PROTOCOL,
                               "%s", _("The storage service answered an upload step without a valid offset."));
      g_object_unref (task);
      return;
    }

  clear_msg (self);
  self->retries = 0;
  g_clear_error (&self->last_error);
  set_offset (self, new_offset);
  tus_next_chunk (task);
}

static void
tus_send_chunk (GTask *task)
{
  SupaUpload *self = g_task_get_source_object (task);
  g_autoptr(GBytes) slice = NULL;
  g_autofree char *offset_text = NULL;
  gsize chunk_len = g_bytes_get_size (self->chunk);
  GError *error = NULL;

  g_assert (self->offset >= self->chunk_start && self->offset < self->chunk_start + (gint64) chunk_len);

  self->msg = tus_message (self, "PATCH", &error);
  if (self->msg == NULL)
    {
      g_task_return_error (task, error);
      g_object_unref (task);
      return;
    }

  /* After a partial write the server keeps what it got: send the rest of
   * the chunk, so later chunks stay on 6 MiB boundaries. */
  slice = g_bytes_new_from_bytes (self->chunk, self->offset - self->chunk_start,
                                  chunk_len - (gsize) (self->offset - self->chunk_start));
  offset_text = g_strdup_printf ("%" G_GINT64_FORMAT, self->offset);
  soup_message_headers_replace (soup_message_get_request_headers (self->msg), "Upload-Offset", offset_text);
  soup_message_set_request_body_from_bytes (self->msg, "application/offset+octet-stream", slice);
  /* libsoup opens a new connection for every request whose method is not
   * idempotent, which for PATCH means a TCP (and TLS) handshake per chunk.
   * A TUS PATCH names the offset it writes at, and the server refuses one
   * that does not match (409), so sending it again is harmless: mark it
   * idempotent and the chunks share one kept-alive connection. */
  soup_message_add_flags (self->msg, SOUP_MESSAGE_IDEMPOTENT);
  /* Both handlers run in the sending (worker) thread. */
  g_signal_connect (self->msg, "wrote-body-data", G_CALLBACK (wrote_body_data_cb), self);
  g_signal_connect (self->msg, "restarted", G_CALLBACK (patch_restarted_cb), self);
  set_bytes_sent (self, self->offset);
  start_wire_progress (self, task);

  supa_client_send_in_thread_async (self->client, self->msg, SUPA_SERVICE_STORAGE,
                                    g_task_get_cancellable (task), tus_patch_cb, task);
  start_read_ahead (self, task);
}

static void
tus_read_cb (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  GTask *task = user_data;
  SupaUpload *self = g_task_get_source_object (task);
  GError *error = NULL;
  gsize n_read = 0;
  gsize wanted = (gsize) MIN ((gint64) SUPA_UPLOAD_CHUNK_SIZE, self->total - self->stream_pos);

  if (!g_input_stream_read_all_finish (G_INPUT_STREAM (source), result, &n_read, &error))
    {
      g_task_return_error (task, error);
      g_object_unref (task);
      return;
    }

  if (n_read != wanted)
    {
      g_task_return_new_error (task, SUPA_ERROR, SUPA_ERROR_INVALID_INPUT,
                               "%s", _("The file became shorter while it was being uploaded."));
      g_object_unref (task);
      return;
    }

  set_chunk (self, self->current, self->stream_pos, n_read);
  self->stream_pos += n_read;

  tus_send_chunk (task);
}

static void
tus_next_chunk (GTask *task)
{
  SupaUpload *self = g_task_get_source_object (task);
  gsize wanted;

  if (self->offset >= self->total)
    {
      g_clear_pointer (&self->chunk, g_bytes_unref);
      g_task_return_pointer (task, object_key (self), g_free);
      g_object_unref (task);
      return;
    }

  if (g_task_return_error_if_cancelled (task))
    {
      g_object_unref (task);
      return;
    }

  /* The rest of the chunk in memory, when the server stopped inside it. */
  if (self->chunk != NULL && self->offset >= self->chunk_start &&
      self->offset < self->chunk_start + (gint64) g_bytes_get_size (self->chunk))
    {
      tus_send_chunk (task);
      return;
    }

  /* The next chunk is (being) read ahead: take it, or learn that the file
   * could not be read there. */
  if (self->ahead_pending)
    {
      g_assert (self->ahead_waiter == NULL);
      self->ahead_waiter = task;
      return;
    }
  if (self->ahead_start == self->offset && (self->ahead_len > 0 || self->ahead_error != NULL))
    {
      if (self->ahead_error != NULL)
        {
          g_task_return_error (task, g_steal_pointer (&self->ahead_error));
          g_object_unref (task);
          return;
        }
      set_chunk (self, 1 - self->current, self->ahead_start, self->ahead_len);
      self->ahead_len = 0;
      tus_send_chunk (task);
      return;
    }
  /* elsewhere (the server stopped inside an earlier chunk): read anew */
  self->ahead_len = 0;
  g_clear_error (&self->ahead_error);
  g_clear_pointer (&self->chunk, g_bytes_unref);

  if (self->stream_pos != self->offset)
    {
      GError *error = NULL;

      if (!G_IS_SEEKABLE (self->input) || !g_seekable_can_seek (G_SEEKABLE (self->input)))
        {
          g_task_return_new_error (task, SUPA_ERROR, SUPA_ERROR_INVALID_INPUT,
                                   "%s", _("The upload cannot continue: the data cannot be read again from where the server stopped."));
          g_object_unref (task);
          return;
        }
      if (!g_seekable_seek (G_SEEKABLE (self->input), self->stream_base + self->offset, G_SEEK_SET,
                            g_task_get_cancellable (task), &error))
        {
          g_task_return_error (task, error);
          g_object_unref (task);
          return;
        }
      self->stream_pos = self->offset;
    }

  wanted = (gsize) MIN ((gint64) SUPA_UPLOAD_CHUNK_SIZE, self->total - self->stream_pos);
  g_input_stream_read_all_async (self->input, chunk_buffer (self, self->current), wanted, G_PRIORITY_DEFAULT,
                                 g_task_get_cancellable (task), tus_read_cb, task);
}

static void
tus_head_cb (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  GTask *task = user_data;
  SupaUpload *self = g_task_get_source_object (task);
  g_autoptr(GBytes) body = NULL;
  GError *error = NULL;
  gint64 offset = -1;
  gint64 length = -1;

  body = supa_client_send_finish (SUPA_CLIENT (source), result, &error);
  if (body == NULL)
    {
      clear_msg (self);
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          g_task_return_error (task, error);
          g_object_unref (task);
          return;
        }
      /* 404/410: the upload expired or was never there */
      if (g_error_matches (error, SUPA_ERROR, SUPA_ERROR_NOT_FOUND) ||
          supa_error_get_http_status (error) == 410)
        {
          g_clear_error (&error);
          g_task_return_new_error (task, SUPA_ERROR, SUPA_ERROR_NOT_FOUND,
                                   "%s", _("The unfinished upload is no longer on the server; start it again."));
          g_object_unref (task);
          return;
        }
      tus_retry_or_fail (task, error);
      return;
    }

  if (!header_offset (self->msg, "Upload-Offset", &offset))
    {
      clear_msg (self);
      g_task_return_new_error (task, SUPA_ERROR, SUPA_ERROR_PROTOCOL,
                               "%s", _("The storage service did not say how much of the upload it has."));
      g_object_unref (task);
      return;
    }

  if (header_offset (self->msg, "Upload-Length", &length) && self->total >= 0 && length != self->total)
    {
      clear_msg (self);
      g_task_return_new_error (task, SUPA_ERROR, SUPA_ERROR_INVALID_INPUT,
                               "%s", _("The file is not the one this upload was started with: its size differs."));
      g_object_unref (task);
      return;
    }

  if (self->bucket == NULL || self->path == NULL)
    {
      const char *header = soup_message_headers_get_one (soup_message_get_response_headers (self->msg),
                                                         "Upload-Metadata");
      g_autofree char *bucket = tus_metadata_value (header, "bucketName");
      g_autofree char *path = tus_metadata_value (header, "objectName");

      if (bucket != NULL && path != NULL)
        {
          g_free (self->bucket);
          g_free (self->path);
          self->bucket = g_steal_pointer (&bucket);
          self->path = g_steal_pointer (&path);
        }
    }

  clear_msg (self);

  if (offset > self->total)
    {
      g_task_return_new_error (task, SUPA_ERROR, SUPA_ERROR_PROTOCOL,
                               "%s", _("The storage service reports more bytes than the file has."));
      g_object_unref (task);
      return;
    }

  g_debug ("Server has %" G_GINT64_FORMAT " of %" G_GINT64_FORMAT " bytes", offset, self->total);
  self->offset = -1;  /* always notify what the server says */
  set_offset (self, offset);
  tus_next_chunk (task);
}

static void
tus_head (GTask *task)
{
  SupaUpload *self = g_task_get_source_object (task);
  GError *error = NULL;

  self->msg = tus_message (self, "HEAD", &error);
  if (self->msg == NULL)
    {
      g_task_return_error (task, error);
      g_object_unref (task);
      return;
    }

  supa_client_send_async (self->client, self->msg, SUPA_SERVICE_STORAGE,
                          g_task_get_cancellable (task), tus_head_cb, task);
}

static void
tus_create_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  GTask *task = user_data;
  SupaUpload *self = g_task_get_source_object (task);
  g_autoptr(GBytes) body = NULL;
  g_autoptr(GUri) location = NULL;
  g_autofree char *url = NULL;
  GError *error = NULL;
  const char *header;

  body = supa_client_send_finish (SUPA_CLIENT (source), result, &error);
  if (body == NULL)
    {
      clear_msg (self);
      g_task_return_error (task, error);
      g_object_unref (task);
      return;
    }

  header = soup_message_headers_get_one (soup_message_get_response_headers (self->msg), "Location");
  if (header != NULL)
    location = g_uri_parse_relative (soup_message_get_uri (self->msg), header, SOUP_HTTP_URI_FLAGS, NULL);
  clear_msg (self);

  if (location == NULL)
    {
      g_task_return_new_error (task, SUPA_ERROR, SUPA_ERROR_PROTOCOL,
                               "%s", _("The storage service did not say where to send the upload."));
      g_object_unref (task);
      return;
    }

  url = g_uri_to_string (location);
  set_upload_url (self, url);
  set_offset (self, 0);
  tus_next_chunk (task);
}

static void
tus_create (GTask *task)
{
  SupaUpload *self = g_task_get_source_object (task);
  g_autoptr(GString) metadata = g_string_new (NULL);
  g_autofree char *length = g_strdup_printf ("%" G_GINT64_FORMAT, self->total);
  g_autofree char *cache = g_strdup_printf ("%u", self->cache_seconds);
  g_autofree char *bucket64 = b64 (self->bucket);
  g_autofree char *path64 = b64 (self->path);
  g_autofree char *type64 = b64 (self->content_type);
  g_autofree char *cache64 = b64 (cache);
  g_autoptr(GBytes) empty = g_bytes_new_static ("", 0);
  SoupMessageHeaders *headers;

  g_string_append_printf (metadata, "bucketName %s,objectName %s,contentType %s,cacheControl %s",
                          bucket64, path64, type64, cache64);
  if (self->metadata != NULL)
    {
      g_autoptr(JsonNode) node = json_node_init_object (json_node_alloc (), self->metadata);
      g_autofree char *json = json_to_string (node, FALSE);
      g_autofree char *json64 = b64 (json);

      g_string_append_printf (metadata, ",metadata %s", json64);
    }

  self->msg = supa_client_new_message (self->client, SUPA_SERVICE_STORAGE, "POST",
                                       "storage/v1/upload/resumable", NULL);
  headers = soup_message_get_request_headers (self->msg);
  soup_message_headers_replace (headers, "Tus-Resumable", TUS_VERSION);
  soup_message_headers_replace (headers, "Upload-Length", length);
  soup_message_headers_replace (headers, "Upload-Metadata", metadata->str);
  if (self->upsert || self->update)
    soup_message_headers_replace (headers, "x-upsert", "true");
  soup_message_set_request_body_from_bytes (self->msg, NULL, empty);

  supa_client_send_async (self->client, self->msg, SUPA_SERVICE_STORAGE,
                          g_task_get_cancellable (task), tus_create_cb, task);
}

/* ------------------------------------------------------------ preparation */

static void
begin_transfer (GTask *task)
{
  SupaUpload *self = g_task_get_source_object (task);

  self->retries = 0;

  if (self->resume)
    tus_head (task);
  else if (self->total <= SUPA_UPLOAD_SINGLE_LIMIT)
    single_start (task);
  else
    tus_create (task);
}

/* Used when GIO cannot tell (no shared-mime-info database, as in some
 * containers): the signatures and names of the most common uploads. */
static const char *
fallback_content_type (const char   *name,
                       const guchar *data,
                       gsize         len)
{
  static const struct { const char *magic; gsize magic_len; const char *type; } magic[] = {
    { "\x89PNG\r\n\x1a\n", 8, "image/png" },
    { "\xff\xd8\xff", 3, "image/jpeg" },
    { "GIF87a", 6, "image/gif" },
    { "GIF89a", 6, "image/gif" },
    { "%PDF-", 5, "application/pdf" },
    { "PK\x03\x04", 4, "application/zip" },
    { "\x1f\x8b", 2, "application/gzip" },
  };
  static const struct { const char *suffix; const char *type; } names[] = {
    { ".png", "image/png" }, { ".jpg", "image/jpeg" }, { ".jpeg", "image/jpeg" },
    { ".gif", "image/gif" }, { ".webp", "image/webp" }, { ".svg", "image/svg+xml" },
    { ".avif", "image/avif" }, { ".pdf", "application/pdf" }, { ".json", "application/json" },
    { ".csv", "text/csv" }, { ".txt", "text/plain" }, { ".md", "text/markdown" },
    { ".html", "text/html" }, { ".css", "text/css" }, { ".js", "text/javascript" },
    { ".mp4", "video/mp4" }, { ".webm", "video/webm" }, { ".mp3", "audio/mpeg" },
    { ".zip", "application/zip" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (magic); i++)
    if (len >= magic[i].magic_len && memcmp (data, magic[i].magic, magic[i].magic_len) == 0)
      return magic[i].type;

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    if (g_str_has_suffix (name, names[i].suffix))
      return names[i].type;

  /* readable text with no telling name */
  if (len > 0 && memchr (data, 0, len) == NULL && g_utf8_validate ((const char *) data, (gssize) len, NULL))
    return "text/plain";

  return NULL;
}

static void
guess_content_type (SupaUpload   *self,
                    const guchar *data,
                    gsize         len)
{
  g_autofree char *name = supa_storage_path_basename (self->path);
  g_autofree char *lower = g_ascii_strdown (name, -1);
  g_autofree char *type = NULL;
  gboolean uncertain = FALSE;
  char *mime;

  type = g_content_type_guess (name, data, len, &uncertain);
  mime = type ? g_content_type_get_mime_type (type) : NULL;

  if (mime == NULL || g_str_equal (mime, "application/octet-stream"))
    {
      const char *fallback = fallback_content_type (lower, data, len);

      g_free (mime);
      mime = g_strdup (fallback ? fallback : "application/octet-stream");
    }

  g_free (self->content_type);
  self->content_type = mime;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CONTENT_TYPE]);
}

static void
sniff_read_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  GTask *task = user_data;
  SupaUpload *self = g_task_get_source_object (task);
  guchar *head = g_object_steal_data (G_OBJECT (task), "supa-sniff-buffer");
  GError *error = NULL;
  gsize n_read = 0;

  if (!g_input_stream_read_all_finish (G_INPUT_STREAM (source), result, &n_read, &error) ||
      !g_seekable_seek (G_SEEKABLE (self->input), self->stream_base, G_SEEK_SET, NULL, &error))
    {
      g_free (head);
      g_task_return_error (task, error);
      g_object_unref (task);
      return;
    }

  guess_content_type (self, head, n_read);
  g_free (head);
  begin_transfer (task);
}

static void
sniff_fill_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  GTask *task = user_data;
  SupaUpload *self = g_task_get_source_object (task);
  GError *error = NULL;
  const void *head;
  gsize len = 0;

  if (g_buffered_input_stream_fill_finish (G_BUFFERED_INPUT_STREAM (source), result, &error) < 0)
    {
      g_task_return_error (task, error);
      g_object_unref (task);
      return;
    }

  head = g_buffered_input_stream_peek_buffer (G_BUFFERED_INPUT_STREAM (source), &len);
  guess_content_type (self, head, len);
  begin_transfer (task);
}

static void
prepare (GTask *task)
{
  SupaUpload *self = g_task_get_source_object (task);
  gsize want = (gsize) MIN ((gint64) SNIFF_SIZE, MAX (self->total, 0));

  if (self->resume || self->content_type != NULL)
    {
      begin_transfer (task);
      return;
    }

  if (G_IS_SEEKABLE (self->input) && g_seekable_can_seek (G_SEEKABLE (self->input)))
    {
      guchar *head = g_malloc (MAX (want, 1));

      g_object_set_data (G_OBJECT (task), "supa-sniff-buffer", head);
      g_input_stream_read_all_async (self->input, head, want, G_PRIORITY_DEFAULT,
                                     g_task_get_cancellable (task), sniff_read_cb, task);
      return;
    }

  /* Peek without consuming, so the bytes still go out. */
  if (!G_IS_BUFFERED_INPUT_STREAM (self->input))
    {
      GInputStream *buffered = g_buffered_input_stream_new_sized (self->input, SNIFF_SIZE);

      g_filter_input_stream_set_close_base_stream (G_FILTER_INPUT_STREAM (buffered), FALSE);
      g_set_object (&self->input, buffered);
      g_object_unref (buffered);
    }
  g_buffered_input_stream_fill_async (G_BUFFERED_INPUT_STREAM (self->input), (gssize) want,
                                      G_PRIORITY_DEFAULT, g_task_get_cancellable (task),
                                      sniff_fill_cb, task);
}

static void
file_info_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  GTask *task = user_data;
  SupaUpload *self = g_task_get_source_object (task);
  g_autoptr(GFileInfo) info = NULL;
  GError *error = NULL;

  info = g_file_input_stream_query_info_finish (G_FILE_INPUT_STREAM (source), result, &error);
  if (info == NULL)
    {
      g_task_return_error (task, error);
      g_object_unref (task);
      return;
    }

  self->total = g_file_info_get_size (info);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TOTAL_BYTES]);
  prepare (task);
}

static void
file_read_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  GTask *task = user_data;
  SupaUpload *self = g_task_get_source_object (task);
  GFileInputStream *stream;
  GError *error = NULL;

  stream = g_file_read_finish (G_FILE (source), result, &error);
  if (stream == NULL)
    {
      g_task_return_error (task, error);
      g_object_unref (task);
      return;
    }

  g_clear_object (&self->input);
  self->input = G_INPUT_STREAM (stream);
  self->stream_pos = 0;
  self->stream_base = 0;
  g_file_input_stream_query_info_async (stream, G_FILE_ATTRIBUTE_STANDARD_SIZE, G_PRIORITY_DEFAULT,
                                        g_task_get_cancellable (task), file_info_cb, task);
}

static void
task_done_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  GTask *outer = user_data;
  SupaUpload *self = SUPA_UPLOAD (source);
  GError *error = NULL;
  char *key;

  self->running = FALSE;
  stop_wire_progress (self);
  clear_msg (self);
  /* a read ahead still running frees them when it ends */
  if (!self->ahead_pending)
    free_chunk_buffers (self);

  key = g_task_propagate_pointer (G_TASK (result), &error);
  if (key == NULL)
    {
      if (self->last_error != NULL)
        g_debug ("Upload failed after %u retries; the previous failure was: %s",
                 self->retries, self->last_error->message);
      g_clear_error (&self->last_error);
      g_task_return_error (outer, error);
    }
  else
    g_task_return_pointer (outer, key, g_free);

  g_object_unref (outer);
}

/* ------------------------------------------------------------------ GObject */

static void
supa_upload_dispose (GObject *object)
{
  SupaUpload *self = (SupaUpload *) object;

  if (self->progress_source != NULL)
    g_source_destroy (self->progress_source);
  g_clear_pointer (&self->progress_source, g_source_unref);
  clear_msg (self);
  g_clear_object (&self->client);
  g_clear_object (&self->file);
  g_clear_object (&self->input);
  /* a pending read ahead holds a reference, so this only runs early
   * through g_object_run_dispose(); finalize frees them then */
  if (!self->ahead_pending)
    free_chunk_buffers (self);
  g_clear_pointer (&self->metadata, json_object_unref);

  G_OBJECT_CLASS (supa_upload_parent_class)->dispose (object);
}

static void
supa_upload_finalize (GObject *object)
{
  SupaUpload *self = (SupaUpload *) object;

  g_free (self->bucket);
  g_free (self->path);
  g_free (self->upload_url);
  g_free (self->content_type);
  g_clear_error (&self->last_error);
  g_clear_error (&self->ahead_error);
  g_clear_pointer (&self->chunk, g_bytes_unref);
  g_free (self->buffers[0]);
  g_free (self->buffers[1]);

  G_OBJECT_CLASS (supa_upload_parent_class)->finalize (object);
}

static void
supa_upload_get_property (GObject    *object,
                          guint       prop_id,
                          GValue     *value,
                          GParamSpec *pspec)
{
  SupaUpload *self = (SupaUpload *) object;

  switch (prop_id)
    {
    case PROP_CLIENT:
      g_value_set_object (value, self->client);
      break;
    case PROP_BUCKET:
      g_value_set_string (value, self->bucket);
      break;
    case PROP_PATH:
      g_value_set_string (value, self->path);
      break;
    case PROP_FILE:
      g_value_set_object (value, self->file);
      break;
    case PROP_UPLOAD_URL:
      g_value_set_string (value, self->upload_url);
      break;
    case PROP_CONTENT_TYPE:
      g_value_set_string (value, self->content_type);
      break;
    case PROP_BYTES_SENT:
      g_value_set_int64 (value, self->bytes_sent);
      break;
    case PROP_SERVER_OFFSET:
      g_value_set_int64 (value, self->offset);
      break;
    case PROP_TOTAL_BYTES:
      g_value_set_int64 (value, self->total);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
supa_upload_set_property (GObject      *object,
                          guint         prop_id,
                          const GValue *value,
                          GParamSpec   *pspec)
{
  SupaUpload *self = (SupaUpload *) object;

  switch (prop_id)
    {
    case PROP_CLIENT:
      self->client = g_value_dup_object (value);
      break;
    case PROP_BUCKET:
      self->bucket = g_value_dup_string (value);
      break;
    case PROP_PATH:
      self->path = g_value_dup_string (value);
      break;
    case PROP_FILE:
      self->file = g_value_dup_object (value);
      break;
    case PROP_CONTENT_TYPE:
      supa_upload_set_content_type (self, g_value_get_string (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
supa_upload_class_init (SupaUploadClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = supa_upload_dispose;
  object_class->finalize = supa_upload_finalize;
  object_class->get_property = supa_upload_get_property;
  object_class->set_property = supa_upload_set_property;

  properties[PROP_CLIENT] =
    g_param_spec_object ("client", NULL, NULL, SUPA_TYPE_CLIENT,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_BUCKET] =
    g_param_spec_string ("bucket", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_PATH] =
    g_param_spec_string ("path", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_FILE] =
    g_param_spec_object ("file", NULL, NULL, G_TYPE_FILE,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  /**
   * SupaUpload:upload-url:
   *
   * The TUS upload address; persist it to resume with
   * supa_upload_new_resume() after a restart.
   */
  properties[PROP_UPLOAD_URL] =
    g_param_spec_string ("upload-url", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_CONTENT_TYPE] =
    g_param_spec_string ("content-type", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_BYTES_SENT] =
    g_param_spec_int64 ("bytes-sent", NULL, NULL, 0, G_MAXINT64, 0,
                        G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_SERVER_OFFSET] =
    g_param_spec_int64 ("server-offset", NULL, NULL, -1, G_MAXINT64, 0,
                        G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_TOTAL_BYTES] =
    g_param_spec_int64 ("total-bytes", NULL, NULL, -1, G_MAXINT64, -1,
                        G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * SupaUpload::progress:
   * @sent: bytes written so far (may go back after a resume)
   * @total: the file size
   */
  signals[SIGNAL_PROGRESS] =
    g_signal_new ("progress", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 2, G_TYPE_INT64, G_TYPE_INT64);
}

static void
supa_upload_init (SupaUpload *self)
{
  self->total = -1;
  self->cache_seconds = DEFAULT_CACHE_SECONDS;
  self->max_retries = DEFAULT_MAX_RETRIES;
}

/* A saved upload URL is only trusted on the project's own origin: resuming
 * sends the API key to it, and the state file it came from could have been
 * edited. */
static gboolean
upload_url_is_on_project (SupaClient *client,
                          const char *upload_url)
{
  g_autoptr(GUri) project = g_uri_parse (supa_client_get_url (client), G_URI_FLAGS_NONE, NULL);
  g_autoptr(GUri) target = g_uri_parse (upload_url, G_URI_FLAGS_NONE, NULL);

  if (project == NULL || target == NULL)
    return FALSE;
  if (g_uri_get_userinfo (target) != NULL || g_uri_get_query (target) != NULL ||
      g_uri_get_fragment (target) != NULL)
    return FALSE;
  return g_ascii_strcasecmp (g_uri_get_scheme (project), g_uri_get_scheme (target)) == 0 &&
         g_ascii_strcasecmp (g_uri_get_host (project), g_uri_get_host (target)) == 0 &&
         g_uri_get_port (project) == g_uri_get_port (target);
}

/* ---------------------------------------------------------------- public */

/**
 * supa_upload_new:
 *
 * Returns: (transfer full): an upload of @file, started with
 *   supa_upload_start_async()
 */
SupaUpload *
supa_upload_new (SupaClient *client,
                 const char *bucket,
                 const char *path,
                 GFile      *file)
{
  g_return_val_if_fail (SUPA_IS_CLIENT (client), NULL);
  g_return_val_if_fail (bucket != NULL, NULL);
  g_return_val_if_fail (G_IS_FILE (file), NULL);

  return g_object_new (SUPA_TYPE_UPLOAD, "client", client, "bucket", bucket,
                       "path", path, "file", file, NULL);
}

/**
 * supa_upload_new_for_stream:
 *
 * Returns: (transfer full): an upload of @size bytes from @stream
 */
SupaUpload *
supa_upload_new_for_stream (SupaClient   *client,
                            const char   *bucket,
                            const char   *path,
                            GInputStream *stream,
                            goffset       size)
{
  SupaUpload *self;

  g_return_val_if_fail (SUPA_IS_CLIENT (client), NULL);
  g_return_val_if_fail (bucket != NULL, NULL);
  g_return_val_if_fail (G_IS_INPUT_STREAM (stream), NULL);
  g_return_val_if_fail (size >= 0, NULL);

  self = g_object_new (SUPA_TYPE_UPLOAD, "client", client, "bucket", bucket, "path", path, NULL);
  self->input = g_object_ref (stream);
  self->total = size;
  self->stream_base = G_IS_SEEKABLE (stream) ? g_seekable_tell (G_SEEKABLE (stream)) : 0;
  return self;
}

/**
 * supa_upload_new_resume:
 *
 * Returns: (transfer full): an upload that continues the TUS upload at
 *   @upload_url from the server's offset
 */
SupaUpload *
supa_upload_new_resume (SupaClient *client,
                        const char *upload_url,
                        GFile      *file)
{
  g_autofree char *bucket = NULL;
  g_autofree char *path = NULL;
  SupaUpload *self;

  g_return_val_if_fail (SUPA_IS_CLIENT (client), NULL);
  g_return_val_if_fail (upload_url != NULL, NULL);
  g_return_val_if_fail (G_IS_FILE (file), NULL);

  names_from_upload_url (upload_url, &bucket, &path);
  self = g_object_new (SUPA_TYPE_UPLOAD, "client", client, "bucket", bucket,
                       "path", path, "file", file, NULL);
  self->upload_url = g_strdup (upload_url);
  self->resume = TRUE;
  return self;
}

void
supa_upload_set_content_type (SupaUpload *self,
                              const char *content_type)
{
  g_return_if_fail (SUPA_IS_UPLOAD (self));

  if (content_type != NULL && *content_type == '\0')
    content_type = NULL;
  if (g_strcmp0 (self->content_type, content_type) == 0)
    return;
  g_free (self->content_type);
  self->content_type = g_strdup (content_type);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CONTENT_TYPE]);
}

const char *
supa_upload_get_content_type (SupaUpload *self)
{
  g_return_val_if_fail (SUPA_IS_UPLOAD (self), NULL);
  return self->content_type;
}

void
supa_upload_set_cache_control (SupaUpload *self,
                               guint       seconds)
{
  g_return_if_fail (SUPA_IS_UPLOAD (self));
  self->cache_seconds = seconds;
}

void
supa_upload_set_upsert (SupaUpload *self,
                        gboolean    upsert)
{
  g_return_if_fail (SUPA_IS_UPLOAD (self));
  self->upsert = !!upsert;
}

void
supa_upload_set_update (SupaUpload *self,
                        gboolean    update)
{
  g_return_if_fail (SUPA_IS_UPLOAD (self));
  self->update = !!update;
}

void
supa_upload_set_metadata (SupaUpload *self,
                          JsonObject *metadata)
{
  g_return_if_fail (SUPA_IS_UPLOAD (self));

  if (metadata != NULL)
    json_object_ref (metadata);
  g_clear_pointer (&self->metadata, json_object_unref);
  self->metadata = metadata;
}

void
supa_upload_set_max_retries (SupaUpload *self,
                             guint       max_retries)
{
  g_return_if_fail (SUPA_IS_UPLOAD (self));
  self->max_retries = max_retries;
}

const char *
supa_upload_get_bucket (SupaUpload *self)
{
  g_return_val_if_fail (SUPA_IS_UPLOAD (self), NULL);
  return self->bucket;
}

const char *
supa_upload_get_path (SupaUpload *self)
{
  g_return_val_if_fail (SUPA_IS_UPLOAD (self), NULL);
  return self->path;
}

const char *
supa_upload_get_upload_url (SupaUpload *self)
{
  g_return_val_if_fail (SUPA_IS_UPLOAD (self), NULL);
  return self->upload_url;
}

gint64
supa_upload_get_bytes_sent (SupaUpload *self)
{
  g_return_val_if_fail (SUPA_IS_UPLOAD (self), 0);
  return self->bytes_sent;
}

gint64
supa_upload_get_server_offset (SupaUpload *self)
{
  g_return_val_if_fail (SUPA_IS_UPLOAD (self), 0);
  return self->offset;
}

gint64
supa_upload_get_total_bytes (SupaUpload *self)
{
  g_return_val_if_fail (SUPA_IS_UPLOAD (self), -1);
  return self->total;
}

/**
 * supa_upload_start_async:
 *
 * Sends the data. A cancelled TUS upload keeps its upload URL and can be
 * continued with a new supa_upload_new_resume().
 */
void
supa_upload_start_async (SupaUpload          *self,
                         GCancellable        *cancellable,
                         GAsyncReadyCallback  callback,
                         gpointer             user_data)
{
  GTask *outer;
  GTask *task;

  g_return_if_fail (SUPA_IS_UPLOAD (self));

  outer = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (outer, supa_upload_start_async);

  if (self->running)
    {
      g_task_return_new_error (outer, SUPA_ERROR, SUPA_ERROR_INVALID_INPUT,
                               "%s", _("This upload is already running."));
      g_object_unref (outer);
      return;
    }

  if (self->resume && !upload_url_is_on_project (self->client, self->upload_url))
    {
      g_task_return_new_error (outer, SUPA_ERROR, SUPA_ERROR_INVALID_INPUT,
                               "%s", _("The saved upload address is not on this project’s server, so the upload cannot be resumed. Start it again."));
      g_object_unref (outer);
      return;
    }

  if (!self->resume || self->path != NULL)
    {
      GError *error = NULL;
      char *normalized;

      if (self->bucket == NULL || *self->bucket == '\0' || strchr (self->bucket, '/') != NULL)
        {
          g_task_return_new_error (outer, SUPA_ERROR, SUPA_ERROR_INVALID_INPUT,
                                   "%s", _("A bucket name is needed and cannot contain “/”."));
          g_object_unref (outer);
          return;
        }
      normalized = supa_storage_path_normalize (self->path, FALSE, &error);
      if (normalized == NULL)
        {
          g_task_return_error (outer, error);
          g_object_unref (outer);
          return;
        }
      g_free (self->path);
      self->path = normalized;
    }

  self->running = TRUE;
  g_clear_error (&self->last_error);

  /* Started again after a failure or a cancel: continue the same TUS
   * upload from the server's offset rather than sending it all again. */
  if (self->upload_url != NULL)
    self->resume = TRUE;

  /* The inner task carries the steps; the outer one is what the caller
   * sees, so state is reset in one place whatever way it ends. */
  task = g_task_new (self, cancellable, task_done_cb, outer);
  g_task_set_source_tag (task, supa_upload_start_async);

  if (self->file != NULL)
    g_file_read_async (self->file, G_PRIORITY_DEFAULT, cancellable, file_read_cb, task);
  else
    prepare (task);
}

/**
 * supa_upload_start_finish:
 *
 * Returns: (transfer full): "bucket/key" of the stored object
 */
char *
supa_upload_start_finish (SupaUpload    *self,
                          GAsyncResult  *result,
                          GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}
