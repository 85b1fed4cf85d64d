/* supa-file-preview.h — a preview and the details of one storage object
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "supa-storage.h"

G_BEGIN_DECLS

/* Images up to this size are downloaded into memory and shown. */
#define SUPA_FILE_PREVIEW_IMAGE_LIMIT (10 * 1000 * 1000)
/* Text-like objects show at most this many bytes (a Range request). */
#define SUPA_FILE_PREVIEW_TEXT_LIMIT  65536

#define SUPA_TYPE_FILE_PREVIEW (supa_file_preview_get_type ())

G_DECLARE_FINAL_TYPE (SupaFilePreview, supa_file_preview, SUPA, FILE_PREVIEW, GtkWidget)

/* Shows one object: images (scaled to fit), the start of text-like files
 * in monospace, audio and video streamed from a signed URL when GIO can
 * stream it, and the object's details (size, type, dates, cache-control,
 * ETag, user metadata). Other types, or images too large to load, offer
 * the storage.download action of an enclosing widget instead. */
GtkWidget      *supa_file_preview_new          (void);

/* Previews @path of @bucket, cancelling whatever was loading; a NULL
 * @storage, @bucket or @path clears the preview. Setting the object already
 * shown does nothing. */
void            supa_file_preview_set_file     (SupaFilePreview *self,
                                                SupaStorage     *storage,
                                                SupaBucket      *bucket,
                                                const char      *path);
const char     *supa_file_preview_get_path     (SupaFilePreview *self);
/* TRUE until the details and the content have arrived (or failed). */
gboolean        supa_file_preview_get_loading  (SupaFilePreview *self);
/* The visible page: "none", "loading", "image", "text", "media" or
 * "message" (no preview, too large, or an error). */
const char     *supa_file_preview_get_page     (SupaFilePreview *self);
/* The image shown, or NULL. */
GdkTexture     *supa_file_preview_get_texture  (SupaFilePreview *self);
/* The text shown (a new string), or NULL. */
char           *supa_file_preview_dup_text     (SupaFilePreview *self);
/* TRUE when only the first SUPA_FILE_PREVIEW_TEXT_LIMIT bytes are shown. */
gboolean        supa_file_preview_get_truncated (SupaFilePreview *self);
/* The text of the "message" page, or NULL. */
const char     *supa_file_preview_get_message  (SupaFilePreview *self);
/* The object details (the info of the last load), or NULL. */
SupaObjectInfo *supa_file_preview_get_info     (SupaFilePreview *self);
/* The grid of detail rows (labels: name, value). */
GtkWidget      *supa_file_preview_get_details  (SupaFilePreview *self);
/* The cancellable of the current load (cancelled on the next change). */
GCancellable   *supa_file_preview_get_cancellable (SupaFilePreview *self);

G_END_DECLS
