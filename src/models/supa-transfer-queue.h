/* supa-transfer-queue.h — uploads and downloads, persisted across restarts
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "supa-client.h"
#include "supa-storage.h"

G_BEGIN_DECLS

typedef enum
{
  SUPA_TRANSFER_UPLOAD,
  SUPA_TRANSFER_DOWNLOAD,
} SupaTransferKind;

typedef enum
{
  SUPA_TRANSFER_QUEUED,
  SUPA_TRANSFER_RUNNING,
  SUPA_TRANSFER_PAUSED,
  SUPA_TRANSFER_DONE,
  SUPA_TRANSFER_FAILED,
  SUPA_TRANSFER_CANCELLED,
} SupaTransferState;

#define SUPA_TYPE_TRANSFER_KIND  (supa_transfer_kind_get_type ())
#define SUPA_TYPE_TRANSFER_STATE (supa_transfer_state_get_type ())
GType supa_transfer_kind_get_type  (void) G_GNUC_CONST;
GType supa_transfer_state_get_type (void) G_GNUC_CONST;

#define SUPA_TYPE_TRANSFER (supa_transfer_get_type ())

G_DECLARE_FINAL_TYPE (SupaTransfer, supa_transfer, SUPA, TRANSFER, GObject)

/* One upload (local file → bucket/path) or download (bucket/path → local
 * file). Properties, all notifying on the main thread: "id" (a UUID),
 * "kind", "state", "bucket", "path" (object key), "local-file" (GFile),
 * "bytes-done", "bytes-total" (-1 unknown), "speed" (bytes/s, smoothed),
 * "eta" (seconds, -1 unknown), "error" (GError, boxed, when FAILED),
 * "content-type", "upsert". */
const char        *supa_transfer_get_id          (SupaTransfer *self);
SupaTransferKind   supa_transfer_get_kind        (SupaTransfer *self);
SupaTransferState  supa_transfer_get_state       (SupaTransfer *self);
const char        *supa_transfer_get_bucket      (SupaTransfer *self);
const char        *supa_transfer_get_path        (SupaTransfer *self);
GFile             *supa_transfer_get_local_file  (SupaTransfer *self);
gint64             supa_transfer_get_bytes_done  (SupaTransfer *self);
gint64             supa_transfer_get_bytes_total (SupaTransfer *self);
double             supa_transfer_get_speed       (SupaTransfer *self);
gint64             supa_transfer_get_eta         (SupaTransfer *self);
const GError      *supa_transfer_get_error       (SupaTransfer *self);
/* Added: "content-type" (NULL = guessed), "upsert", "upload-url" (the TUS
 * upload being resumed, NULL for none) and "fraction" (0…1 for a progress
 * bar, 0 while the total is unknown, 1 when DONE). */
const char        *supa_transfer_get_content_type (SupaTransfer *self);
gboolean           supa_transfer_get_upsert      (SupaTransfer *self);
const char        *supa_transfer_get_upload_url  (SupaTransfer *self);
double             supa_transfer_get_fraction    (SupaTransfer *self);

#define SUPA_TYPE_TRANSFER_QUEUE (supa_transfer_queue_get_type ())

G_DECLARE_FINAL_TYPE (SupaTransferQueue, supa_transfer_queue, SUPA, TRANSFER_QUEUE, GObject)

/* A GListModel of SupaTransfer for one project (@profile_id keys the
 * persisted state), running at most "concurrency" transfers at once
 * (default 4). Uploads use SupaUpload (raw ≤ 6 MiB, TUS above, resuming
 * from the server's offset); downloads use SupaStorage with Range resume
 * into a partial file. The queue is persisted (no secrets: kind, bucket,
 * path, local path, content type, upsert, TUS upload URL, bytes done,
 * state) to @state_file (NULL: $XDG_STATE_HOME/supadesk/transfers-<profile>.json)
 * on every state change, so unfinished transfers reappear after a restart
 * (as PAUSED) and continue from where the server has them when resumed.
 * Signals: "finished" (SupaTransfer*) for each transfer that reaches DONE,
 * FAILED or CANCELLED; "batch-finished" (guint done, guint failed) when the
 * queue becomes idle after having work. */
SupaTransferQueue *supa_transfer_queue_new        (SupaClient         *client,
                                                   const char         *profile_id,
                                                   const char         *state_file);

guint              supa_transfer_queue_get_concurrency (SupaTransferQueue *self);
void               supa_transfer_queue_set_concurrency (SupaTransferQueue *self,
                                                        guint              concurrency);

/* The file the queue is persisted to. */
const char        *supa_transfer_queue_get_state_file (SupaTransferQueue *self);

/* Writes the state file now (it is also written on every state change). */
gboolean           supa_transfer_queue_save       (SupaTransferQueue  *self,
                                                   GError            **error);

/* Reads the persisted queue (call once after construction). */
gboolean           supa_transfer_queue_load       (SupaTransferQueue  *self,
                                                   GError            **error);

SupaTransfer      *supa_transfer_queue_add_upload   (SupaTransferQueue *self,
                                                     GFile             *file,
                                                     const char        *bucket,
                                                     const char        *path,
                                                     const char        *content_type,
                                                     gboolean           upsert);
SupaTransfer      *supa_transfer_queue_add_download (SupaTransferQueue *self,
                                                     const char        *bucket,
                                                     const char        *path,
                                                     GFile             *destination);

void               supa_transfer_queue_pause      (SupaTransferQueue *self,
                                                   SupaTransfer      *transfer);
void               supa_transfer_queue_resume     (SupaTransferQueue *self,
                                                   SupaTransfer      *transfer);
void               supa_transfer_queue_cancel     (SupaTransferQueue *self,
                                                   SupaTransfer      *transfer);
/* Starts a FAILED or CANCELLED transfer again (resuming where possible). */
void               supa_transfer_queue_retry      (SupaTransferQueue *self,
                                                   SupaTransfer      *transfer);
/* Removes finished (DONE/CANCELLED) transfers from the list. */
void               supa_transfer_queue_clear_finished (SupaTransferQueue *self);

/* QUEUED + RUNNING ("n-active"), and RUNNING only ("n-running"). */
guint              supa_transfer_queue_get_n_active (SupaTransferQueue *self);
guint              supa_transfer_queue_get_n_running (SupaTransferQueue *self);

G_END_DECLS
