/* supa-storage.h — Storage buckets, objects, signed and public URLs
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "supa-client.h"

G_BEGIN_DECLS

/* Progress of a transfer; @total is -1 when unknown. */
typedef void (*SupaProgressFunc) (goffset  current,
                                  goffset  total,
                                  gpointer user_data);

/* ---------------------------------------------------------------- SupaBucket */

#define SUPA_TYPE_BUCKET (supa_bucket_get_type ())
G_DECLARE_FINAL_TYPE (SupaBucket, supa_bucket, SUPA, BUCKET, GObject)

const char          *supa_bucket_get_id                 (SupaBucket *self);
const char          *supa_bucket_get_name               (SupaBucket *self);
const char          *supa_bucket_get_owner              (SupaBucket *self);
gboolean             supa_bucket_get_public             (SupaBucket *self);
/* 0 when the bucket has no limit of its own (the global limit applies). */
gint64               supa_bucket_get_file_size_limit    (SupaBucket *self);
/* NULL when any type is allowed. */
const char * const  *supa_bucket_get_allowed_mime_types (SupaBucket *self);
GDateTime           *supa_bucket_get_created_at         (SupaBucket *self);
GDateTime           *supa_bucket_get_updated_at         (SupaBucket *self);

/* ------------------------------------------------------------ SupaObjectInfo */

#define SUPA_TYPE_OBJECT_INFO (supa_object_info_get_type ())
G_DECLARE_FINAL_TYPE (SupaObjectInfo, supa_object_info, SUPA, OBJECT_INFO, GObject)

/* For a listing, the name relative to the listed folder; for info, the key. */
const char  *supa_object_info_get_name             (SupaObjectInfo *self);
/* NULL for folders. */
const char  *supa_object_info_get_id               (SupaObjectInfo *self);
gboolean     supa_object_info_get_is_folder        (SupaObjectInfo *self);
gint64       supa_object_info_get_size             (SupaObjectInfo *self);
const char  *supa_object_info_get_mimetype         (SupaObjectInfo *self);
const char  *supa_object_info_get_etag             (SupaObjectInfo *self);
const char  *supa_object_info_get_cache_control    (SupaObjectInfo *self);
GDateTime   *supa_object_info_get_created_at       (SupaObjectInfo *self);
GDateTime   *supa_object_info_get_updated_at       (SupaObjectInfo *self);
GDateTime   *supa_object_info_get_last_accessed_at (SupaObjectInfo *self);
/* The listing's metadata object, or the user metadata for info; may be NULL. */
JsonObject  *supa_object_info_get_metadata         (SupaObjectInfo *self);

/* ------------------------------------------------------------ option structs */

typedef enum
{
  SUPA_BUCKET_FIELD_PUBLIC             = 1 << 0,
  SUPA_BUCKET_FIELD_FILE_SIZE_LIMIT    = 1 << 1,
  SUPA_BUCKET_FIELD_ALLOWED_MIME_TYPES = 1 << 2,
} SupaBucketFields;

/* Settings for create (unset fields take the server's defaults) and update
 * (only the fields in @fields are sent). */
typedef struct
{
  SupaBucketFields     fields;
  gboolean             is_public;
  /* bytes ("1048576") or a decimal size ("10MB"); NULL or "" = no limit */
  const char          *file_size_limit;
  /* NULL or empty = any type; entries like "image/png", or a family such as "image/" plus a star */
  const char * const  *allowed_mime_types;
} SupaBucketSettings;

typedef enum
{
  SUPA_SORT_NAME,
  SUPA_SORT_UPDATED_AT,
  SUPA_SORT_CREATED_AT,
  SUPA_SORT_LAST_ACCESSED_AT,
} SupaSortColumn;

typedef struct
{
  const char     *search;       /* name prefix inside the folder, or NULL */
  SupaSortColumn  sort_column;
  gboolean        descending;
  guint           limit;        /* 0 = 100 */
  guint           offset;
} SupaListOptions;

typedef enum
{
  SUPA_RESIZE_DEFAULT,
  SUPA_RESIZE_COVER,
  SUPA_RESIZE_CONTAIN,
  SUPA_RESIZE_FILL,
} SupaResizeMode;

/* Image transformation; zero fields are left out. */
typedef struct
{
  guint           width;
  guint           height;
  SupaResizeMode  resize;
  const char     *format;       /* "origin", "webp", "avif" or NULL */
  guint           quality;      /* 20–100, 0 = server default */
} SupaTransformOptions;

/* ------------------------------------------------------------ result structs */

typedef struct
{
  char *path;
  char *signed_url;   /* absolute, or NULL when @error is set */
  char *error;        /* the server's reason, or NULL */
} SupaSignedUrl;

void supa_signed_url_free (SupaSignedUrl *entry);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SupaSignedUrl, supa_signed_url_free)

typedef struct
{
  char *signed_url;   /* absolute, includes the token */
  char *token;
  char *path;
} SupaSignedUpload;

void supa_signed_upload_free (SupaSignedUpload *upload);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SupaSignedUpload, supa_signed_upload_free)

/* Called after each batch of a removal: @removed holds the keys the server
 * reported deleted (keys that did not exist are absent); @error is set when
 * the batch failed. */
typedef void (*SupaRemoveBatchFunc) (guint               batch,
                                     const char * const *requested,
                                     const char * const *removed,
                                     const GError       *error,
                                     gpointer            user_data);

/* One key a move or copy of many could not handle, with the server's
 * reason (after the retries). */
typedef struct
{
  char   *from_key;
  char   *to_key;
  GError *error;
} SupaObjectFailure;

void supa_object_failure_free (SupaObjectFailure *failure);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SupaObjectFailure, supa_object_failure_free)

/* Called after each key of a move or copy of many: @done of @total keys
 * are finished; @error is set when @from_key failed for good. */
typedef void (*SupaManyProgressFunc) (guint         done,
                                      guint         total,
                                      const char   *from_key,
                                      const GError *error,
                                      gpointer      user_data);

/* --------------------------------------------------------------- SupaStorage */

#define SUPA_TYPE_STORAGE (supa_storage_get_type ())
G_DECLARE_FINAL_TYPE (SupaStorage, supa_storage, SUPA, STORAGE, GObject)

SupaStorage *supa_storage_new               (SupaClient *client);
SupaClient  *supa_storage_get_client        (SupaStorage *self);

/* Buckets */
void         supa_storage_list_buckets_async   (SupaStorage          *self,
                                                GCancellable         *cancellable,
                                                GAsyncReadyCallback   callback,
                                                gpointer              user_data);
/* element-type SupaBucket */
GPtrArray   *supa_storage_list_buckets_finish  (SupaStorage          *self,
                                                GAsyncResult         *result,
                                                GError              **error);
void         supa_storage_get_bucket_async     (SupaStorage          *self,
                                                const char           *id,
                                                GCancellable         *cancellable,
                                                GAsyncReadyCallback   callback,
                                                gpointer              user_data);
SupaBucket  *supa_storage_get_bucket_finish    (SupaStorage          *self,
                                                GAsyncResult         *result,
                                                GError              **error);
/* @settings may be NULL. Refuses an invalid size before any request. */
void         supa_storage_create_bucket_async  (SupaStorage              *self,
                                                const char               *id,
                                                const SupaBucketSettings *settings,
                                                GCancellable             *cancellable,
                                                GAsyncReadyCallback       callback,
                                                gpointer                  user_data);
gboolean     supa_storage_create_bucket_finish (SupaStorage          *self,
                                                GAsyncResult         *result,
                                                GError              **error);
void         supa_storage_update_bucket_async  (SupaStorage              *self,
                                                const char               *id,
                                                const SupaBucketSettings *settings,
                                                GCancellable             *cancellable,
                                                GAsyncReadyCallback       callback,
                                                gpointer                  user_data);
gboolean     supa_storage_update_bucket_finish (SupaStorage          *self,
                                                GAsyncResult         *result,
                                                GError              **error);
void         supa_storage_empty_bucket_async   (SupaStorage          *self,
                                                const char           *id,
                                                GCancellable         *cancellable,
                                                GAsyncReadyCallback   callback,
                                                gpointer              user_data);
gboolean     supa_storage_empty_bucket_finish  (SupaStorage          *self,
                                                GAsyncResult         *result,
                                                GError              **error);
void         supa_storage_delete_bucket_async  (SupaStorage          *self,
                                                const char           *id,
                                                GCancellable         *cancellable,
                                                GAsyncReadyCallback   callback,
                                                gpointer              user_data);
gboolean     supa_storage_delete_bucket_finish (SupaStorage          *self,
                                                GAsyncResult         *result,
                                                GError              **error);

/* Objects. @prefix is a folder ("" or NULL = bucket root); @options may be
 * NULL. Folders are entries with is_folder set; empty-folder placeholders
 * are hidden. */
void         supa_storage_list_async           (SupaStorage           *self,
                                                const char            *bucket,
                                                const char            *prefix,
                                                const SupaListOptions *options,
                                                GCancellable          *cancellable,
                                                GAsyncReadyCallback    callback,
                                                gpointer               user_data);
/* element-type SupaObjectInfo */
GPtrArray   *supa_storage_list_finish          (SupaStorage          *self,
                                                GAsyncResult         *result,
                                                GError              **error);
/* Pages through the whole folder (1000 entries per request); limit and
 * offset of @options are ignored. Finish with supa_storage_list_finish(). */
void         supa_storage_list_all_async       (SupaStorage           *self,
                                                const char            *bucket,
                                                const char            *prefix,
                                                const SupaListOptions *options,
                                                GCancellable          *cancellable,
                                                GAsyncReadyCallback    callback,
                                                gpointer               user_data);

void         supa_storage_info_async           (SupaStorage          *self,
                                                const char           *bucket,
                                                const char           *path,
                                                GCancellable         *cancellable,
                                                GAsyncReadyCallback   callback,
                                                gpointer              user_data);
SupaObjectInfo *supa_storage_info_finish       (SupaStorage          *self,
                                                GAsyncResult         *result,
                                                GError              **error);

/* Finishes with TRUE/FALSE; a missing object is FALSE without an error. */
void         supa_storage_exists_async         (SupaStorage          *self,
                                                const char           *bucket,
                                                const char           *path,
                                                GCancellable         *cancellable,
                                                GAsyncReadyCallback   callback,
                                                gpointer              user_data);
gboolean     supa_storage_exists_finish        (SupaStorage          *self,
                                                GAsyncResult         *result,
                                                GError              **error);

/* Streams the object into @output from byte @start_offset (a Range
 * request when non-zero; the output is then expected to hold the first
 * @start_offset bytes already). @progress is called from the main context
 * with absolute positions. The output is not closed. */
void         supa_storage_download_async       (SupaStorage          *self,
                                                const char           *bucket,
                                                const char           *path,
                                                GOutputStream        *output,
                                                goffset               start_offset,
                                                SupaProgressFunc      progress,
                                                gpointer              progress_data,
                                                GCancellable         *cancellable,
                                                GAsyncReadyCallback   callback,
                                                gpointer              user_data);
/* With @resume, bytes already in @file are kept and the rest is appended
 * (a fresh download when the file does not exist); otherwise @file is
 * replaced. Finish with supa_storage_download_finish(). */
void         supa_storage_download_to_file_async (SupaStorage        *self,
                                                  const char         *bucket,
                                                  const char         *path,
                                                  GFile              *file,
                                                  gboolean            resume,
                                                  SupaProgressFunc    progress,
                                                  gpointer            progress_data,
                                                  GCancellable       *cancellable,
                                                  GAsyncReadyCallback callback,
                                                  gpointer            user_data);
/* Returns the object's total size. */
gboolean     supa_storage_download_finish      (SupaStorage          *self,
                                                GAsyncResult         *result,
                                                goffset              *total_size,
                                                GError              **error);

/* @to_bucket NULL = the same bucket. */
void         supa_storage_move_async           (SupaStorage          *self,
                                                const char           *bucket,
                                                const char           *from_path,
                                                const char           *to_bucket,
                                                const char           *to_path,
                                                GCancellable         *cancellable,
                                                GAsyncReadyCallback   callback,
                                                gpointer              user_data);
gboolean     supa_storage_move_finish          (SupaStorage          *self,
                                                GAsyncResult         *result,
                                                GError              **error);
void         supa_storage_copy_async           (SupaStorage          *self,
                                                const char           *bucket,
                                                const char           *from_path,
                                                const char           *to_bucket,
                                                const char           *to_path,
                                                GCancellable         *cancellable,
                                                GAsyncReadyCallback   callback,
                                                gpointer              user_data);
/* Returns the new object's "bucket/key". */
char        *supa_storage_copy_finish          (SupaStorage          *self,
                                                GAsyncResult         *result,
                                                GError              **error);

/* Moves or copies @from_keys[i] to @to_keys[i] (same length) one key at
 * a time; each request is retried on its own (rate limits, 502–504,
 * dropped connections) and a key that still fails does not stop the
 * others. @to_bucket NULL = the same bucket. With @upsert a copy replaces
 * an existing object. */
void         supa_storage_move_many_async      (SupaStorage          *self,
                                                const char           *bucket,
                                                const char * const   *from_keys,
                                                const char           *to_bucket,
                                                const char * const   *to_keys,
                                                SupaManyProgressFunc  progress,
                                                gpointer              progress_data,
                                                GCancellable         *cancellable,
                                                GAsyncReadyCallback   callback,
                                                gpointer              user_data);
void         supa_storage_copy_many_async      (SupaStorage          *self,
                                                const char           *bucket,
                                                const char * const   *from_keys,
                                                const char           *to_bucket,
                                                const char * const   *to_keys,
                                                gboolean              upsert,
                                                SupaManyProgressFunc  progress,
                                                gpointer              progress_data,
                                                GCancellable         *cancellable,
                                                GAsyncReadyCallback   callback,
                                                gpointer              user_data);
/* element-type SupaObjectFailure: empty when every key went through; NULL
 * with an error only when cancelled. */
GPtrArray   *supa_storage_many_finish          (SupaStorage          *self,
                                                GAsyncResult         *result,
                                                GError              **error);

/* Retry policy of moves, copies and removals: @max_attempts per request
 * (first included), pauses of Retry-After when the server sends one, else
 * @base_delay_ms doubled per attempt, never above @max_delay_ms. Default
 * 5, 500 ms, 30 s. */
void         supa_storage_set_retry_policy     (SupaStorage          *self,
                                                guint                 max_attempts,
                                                guint                 base_delay_ms,
                                                guint                 max_delay_ms);
/* The pause (ms) before the attempt after @attempt failed ones. */
guint        supa_storage_retry_delay          (SupaStorage          *self,
                                                guint                 attempt,
                                                const GError         *error);
/* Each pause is announced with the signal "retrying" (guint delay_ms,
 * const char *message) so a progress display can say why it waits. */
/* 429, 502–504 and connection failures: worth sending again. */
gboolean     supa_storage_error_is_transient   (const GError         *error);

/* Removes @paths in requests of @batch_size keys (0 = 100). Every batch is
 * tried (and retried like moves); the finish returns the removed keys, or
 * the first batch error. */
void         supa_storage_remove_async         (SupaStorage          *self,
                                                const char           *bucket,
                                                const char * const   *paths,
                                                guint                 batch_size,
                                                SupaRemoveBatchFunc   batch_func,
                                                gpointer              batch_data,
                                                GCancellable         *cancellable,
                                                GAsyncReadyCallback   callback,
                                                gpointer              user_data);
/* element-type utf8 */
GPtrArray   *supa_storage_remove_finish        (SupaStorage          *self,
                                                GAsyncResult         *result,
                                                GError              **error);

/* @download: NULL = inline, "" = attachment, else the file name to save
 * as. @transform may be NULL. Finishes with an absolute URL. */
void         supa_storage_create_signed_url_async  (SupaStorage                *self,
                                                    const char                 *bucket,
                                                    const char                 *path,
                                                    guint                       expires_in,
                                                    const char                 *download,
                                                    const SupaTransformOptions *transform,
                                                    GCancellable               *cancellable,
                                                    GAsyncReadyCallback         callback,
                                                    gpointer                    user_data);
char        *supa_storage_create_signed_url_finish (SupaStorage          *self,
                                                    GAsyncResult         *result,
                                                    GError              **error);
void         supa_storage_create_signed_urls_async (SupaStorage          *self,
                                                    const char           *bucket,
                                                    const char * const   *paths,
                                                    guint                 expires_in,
                                                    const char           *download,
                                                    GCancellable         *cancellable,
                                                    GAsyncReadyCallback   callback,
                                                    gpointer              user_data);
/* element-type SupaSignedUrl, in the order of the paths */
GPtrArray   *supa_storage_create_signed_urls_finish (SupaStorage         *self,
                                                     GAsyncResult        *result,
                                                     GError             **error);

void         supa_storage_create_signed_upload_url_async  (SupaStorage         *self,
                                                           const char          *bucket,
                                                           const char          *path,
                                                           gboolean             upsert,
                                                           GCancellable        *cancellable,
                                                           GAsyncReadyCallback  callback,
                                                           gpointer             user_data);
SupaSignedUpload *supa_storage_create_signed_upload_url_finish (SupaStorage   *self,
                                                                GAsyncResult  *result,
                                                                GError       **error);
/* Streams @length bytes of @input to a signed upload URL. @content_type
 * NULL = application/octet-stream; @cache_control_seconds 0 = server
 * default. Finishes with "bucket/key". */
void         supa_storage_upload_to_signed_url_async  (SupaStorage         *self,
                                                       const char          *signed_url,
                                                       GInputStream        *input,
                                                       goffset              length,
                                                       const char          *content_type,
                                                       guint                cache_control_seconds,
                                                       GCancellable        *cancellable,
                                                       GAsyncReadyCallback  callback,
                                                       gpointer             user_data);
char        *supa_storage_upload_to_signed_url_finish (SupaStorage         *self,
                                                       GAsyncResult        *result,
                                                       GError             **error);

/* Built client side, no request. Returns NULL for an invalid path. */
char        *supa_storage_get_public_url       (SupaStorage                *self,
                                                const char                 *bucket,
                                                const char                 *path,
                                                const char                 *download,
                                                const SupaTransformOptions *transform);

G_END_DECLS
