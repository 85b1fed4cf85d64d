/* supa-folder-model.h — one folder of a storage bucket
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "supa-storage.h"

G_BEGIN_DECLS

typedef enum
{
  SUPA_FOLDER_SORT_NAME,
  SUPA_FOLDER_SORT_SIZE,
  SUPA_FOLDER_SORT_TYPE,
  SUPA_FOLDER_SORT_MODIFIED,
} SupaFolderSort;

#define SUPA_TYPE_FOLDER_SORT (supa_folder_sort_get_type ())
GType supa_folder_sort_get_type (void) G_GNUC_CONST;

#define SUPA_TYPE_FOLDER_MODEL (supa_folder_model_get_type ())

G_DECLARE_FINAL_TYPE (SupaFolderModel, supa_folder_model, SUPA, FOLDER_MODEL, GObject)

/* A GListModel of SupaObjectInfo for @prefix ("" for the bucket root, else
 * a folder path without leading or trailing slash) of @bucket: folders
 * first, then files, each sorted by "sort" ("descending" reverses within
 * each group). Loads page after page (1000 per request) without a ceiling,
 * appending as pages arrive; `.emptyFolderPlaceholder` is hidden (but makes
 * an otherwise empty folder exist). "search" filters by name prefix on the
 * server (case-insensitive, like Storage's `search`).
 *
 * Properties: "storage", "bucket", "prefix" (construct-only), "sort",
 * "descending", "search", "loading", "complete" (every page loaded),
 * "error" (GError, boxed: the last failure; the rows loaded so far stay). */
SupaFolderModel *supa_folder_model_new          (SupaStorage     *storage,
                                                 const char      *bucket,
                                                 const char      *prefix);

SupaStorage     *supa_folder_model_get_storage  (SupaFolderModel *self);
const char      *supa_folder_model_get_bucket   (SupaFolderModel *self);
const char      *supa_folder_model_get_prefix   (SupaFolderModel *self);
/* "prefix/name" of an item of this folder (its object key in the bucket). */
char            *supa_folder_model_dup_path     (SupaFolderModel *self,
                                                 SupaObjectInfo  *item);

SupaFolderSort   supa_folder_model_get_sort     (SupaFolderModel *self);
gboolean         supa_folder_model_get_descending (SupaFolderModel *self);
void             supa_folder_model_set_sort     (SupaFolderModel *self,
                                                 SupaFolderSort   sort,
                                                 gboolean         descending);
const char      *supa_folder_model_get_search   (SupaFolderModel *self);
void             supa_folder_model_set_search   (SupaFolderModel *self,
                                                 const char      *search);

gboolean         supa_folder_model_get_loading  (SupaFolderModel *self);
gboolean         supa_folder_model_get_complete (SupaFolderModel *self);
const GError    *supa_folder_model_get_error    (SupaFolderModel *self);

/* Loads again from the first page (keeps sort and search). */
void             supa_folder_model_reload       (SupaFolderModel *self);
/* Cancels loading (e.g. when the view goes away). */
void             supa_folder_model_cancel       (SupaFolderModel *self);

G_END_DECLS
