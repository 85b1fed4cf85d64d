/* supa-bucket-dialog.h — create or edit a Storage bucket
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "supa-storage.h"

G_BEGIN_DECLS

#define SUPA_TYPE_BUCKET_DIALOG (supa_bucket_dialog_get_type ())

G_DECLARE_FINAL_TYPE (SupaBucketDialog, supa_bucket_dialog, SUPA, BUCKET_DIALOG, AdwWindow)

/* A dialog that creates a bucket (@bucket NULL) or edits @bucket's public
 * flag, file size limit and allowed MIME types through @storage. Emits
 * "saved" (const char *bucket id) once the server accepted the change,
 * then closes. */
SupaBucketDialog *supa_bucket_dialog_new          (SupaStorage      *storage,
                                                   SupaBucket       *bucket);

/* Parses a comma-separated list of MIME types ("image/png, image/jpeg");
 * returns an empty vector for blank text, NULL with a translated message
 * in @error for an entry that is not type/subtype. */
char            **supa_bucket_dialog_parse_mime_types (const char   *text,
                                                       GError      **error);

/* Fills the form (for tests and callers that know the values). @unit is
 * 0 = KB, 1 = MB, 2 = GB; @size 0 = no limit. */
void              supa_bucket_dialog_set_values   (SupaBucketDialog *self,
                                                   const char       *name,
                                                   gboolean          is_public,
                                                   double            size,
                                                   guint             unit,
                                                   const char       *mime_types);
/* Validates and sends the form, like the Create/Save button. */
void              supa_bucket_dialog_save         (SupaBucketDialog *self);
/* The message shown under the form, or NULL. */
const char       *supa_bucket_dialog_get_error_text (SupaBucketDialog *self);

G_END_DECLS
