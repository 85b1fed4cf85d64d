/* supa-upload.h — streaming and resumable (TUS) uploads to Storage
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "supa-client.h"

G_BEGIN_DECLS

/* Files up to this size go as one request; larger ones use TUS. */
#define SUPA_UPLOAD_SINGLE_LIMIT  (6 * 1024 * 1024)
/* Supabase requires every TUS chunk but the last to be exactly 6 MiB. */
#define SUPA_UPLOAD_CHUNK_SIZE    (6 * 1024 * 1024)

#define SUPA_TYPE_UPLOAD (supa_upload_get_type ())
G_DECLARE_FINAL_TYPE (SupaUpload, supa_upload, SUPA, UPLOAD, GObject)

/* Uploads @file to @bucket at @path (normalised; an invalid path fails at
 * start). */
SupaUpload   *supa_upload_new             (SupaClient   *client,
                                           const char   *bucket,
                                           const char   *path,
                                           GFile        *file);
/* Uploads @size bytes read from @stream. A stream that is not seekable can
 * still resume within the chunk being sent. */
SupaUpload   *supa_upload_new_for_stream  (SupaClient   *client,
                                           const char   *bucket,
                                           const char   *path,
                                           GInputStream *stream,
                                           goffset       size);
/* Continues a TUS upload created earlier (possibly by another run of the
 * program) from the offset the server reports. @upload_url is the value of
 * the "upload-url" property saved then; @file is the same file. */
SupaUpload   *supa_upload_new_resume      (SupaClient   *client,
                                           const char   *upload_url,
                                           GFile        *file);

/* NULL (the default) guesses the type from the name and the first bytes. */
void          supa_upload_set_content_type  (SupaUpload *self,
                                             const char *content_type);
const char   *supa_upload_get_content_type  (SupaUpload *self);
/* Seconds for "cache-control: max-age=N"; default 3600. */
void          supa_upload_set_cache_control (SupaUpload *self,
                                             guint       seconds);
/* Overwrite an existing object instead of failing with a conflict. */
void          supa_upload_set_upsert        (SupaUpload *self,
                                             gboolean    upsert);
/* Replace an existing object (PUT for one-request uploads). */
void          supa_upload_set_update        (SupaUpload *self,
                                             gboolean    update);
/* User metadata stored with the object; NULL for none. */
void          supa_upload_set_metadata      (SupaUpload *self,
                                             JsonObject *metadata);
/* How often one failed TUS step is retried (default 5). */
void          supa_upload_set_max_retries   (SupaUpload *self,
                                             guint       max_retries);

const char   *supa_upload_get_bucket        (SupaUpload *self);
const char   *supa_upload_get_path          (SupaUpload *self);
/* The TUS upload URL once created (NULL for one-request uploads): save it
 * to resume after a restart. */
const char   *supa_upload_get_upload_url    (SupaUpload *self);
/* Bytes written to the wire. "bytes-sent" and ::progress are emitted in
 * the thread-default main context of supa_upload_start_async() (TUS chunks
 * go out from a worker thread, but never notify from there), at most every
 * 100 ms while a request body is being written and once when it ends. */
gint64        supa_upload_get_bytes_sent    (SupaUpload *self);
/* Bytes the server has confirmed. */
gint64        supa_upload_get_server_offset (SupaUpload *self);
/* -1 until known. */
gint64        supa_upload_get_total_bytes   (SupaUpload *self);

void          supa_upload_start_async       (SupaUpload          *self,
                                             GCancellable        *cancellable,
                                             GAsyncReadyCallback  callback,
                                             gpointer             user_data);
/* Returns the stored object's "bucket/key". */
char         *supa_upload_start_finish      (SupaUpload          *self,
                                             GAsyncResult        *result,
                                             GError             **error);

G_END_DECLS
