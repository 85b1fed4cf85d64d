/* supa-storage-path.h — object key helpers for Storage
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Normalises an object key typed or composed by a person: leading and
 * trailing slashes are dropped and runs of slashes collapse to one. A
 * segment "." or "..", or a key that is empty after normalisation, is
 * refused with SUPA_ERROR_INVALID_INPUT and a translated message (Storage
 * would store such names literally, which no file manager can show).
 * Unicode names are kept as they are. With @allow_empty the empty key (the
 * bucket root, used as a listing prefix) is accepted and returns "". */
char     *supa_storage_path_normalize (const char  *path,
                                       gboolean     allow_empty,
                                       GError     **error);

/* Percent-encodes each segment of a normalised key for use in a URL path,
 * keeping the "/" separators. */
char     *supa_storage_path_encode    (const char  *path);

/* "bucket/encoded-key" for a Storage route; the bucket id is encoded as a
 * segment too. */
char     *supa_storage_path_route     (const char  *bucket,
                                       const char  *path);

/* Joins a folder prefix (may be "" or NULL) and a name. */
char     *supa_storage_path_join      (const char  *prefix,
                                       const char  *name);

/* The last segment of @path (a new string). */
char     *supa_storage_path_basename  (const char  *path);

/* Parses a bucket file size limit as Storage does: whole bytes ("1048576")
 * or a number with a decimal unit ("10MB", "1.5GB", "512kb"; KB = 1000).
 * Returns FALSE with SUPA_ERROR_INVALID_INPUT otherwise. */
gboolean  supa_storage_parse_size     (const char  *text,
                                       gint64      *bytes,
                                       GError     **error);

G_END_DECLS
