/* sl-storage-private.h — what the files of the Storage module share.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Object bytes live in <workdir>/storage/<bucket>/<version>; a version is
 * written once and never modified, so copies may hard-link it. TUS uploads
 * in progress live in <workdir>/storage-work/tus/<version>.part and other
 * scratch files in <workdir>/storage-work/tmp, outside the bucket names.
 */

#pragma once

#include "sl-server.h"

G_BEGIN_DECLS

/* Uploads above this are refused even when the bucket has no limit. */
#define SL_STORAGE_GLOBAL_FILE_LIMIT ((gint64) 50 * 1024 * 1024 * 1024)
/* Lifetime of an upload-signing token and of a TUS upload URL. */
#define SL_STORAGE_UPLOAD_SIGN_EXPIRY 7200
#define SL_STORAGE_TUS_EXPIRY         (24 * 3600)

typedef struct _SlTusUpload SlTusUpload;

typedef struct
{
  SlServer   *server;
  char       *root;          /* <workdir>/storage */
  char       *tus_dir;       /* <workdir>/storage-work/tus */
  char       *tmp_dir;       /* <workdir>/storage-work/tmp */
  GMutex      tus_lock;
  GHashTable *tus_uploads;   /* upload id → SlTusUpload* */
} SlStorage;

/* A storage error as the real server renders it. */
typedef struct
{
  guint  status;             /* logical status (the body's statusCode) */
  guint  http_status;        /* 0 = derived: 500 stays 500, others → 400 */
  char  *code;
  char  *error;              /* legacy "error" label; NULL = same as code */
  char  *message;
} SlStorageError;

SlStorageError *sl_storage_error_new        (guint        status,
                                             const char  *code,
                                             const char  *error,
                                             const char  *message);
void            sl_storage_error_free       (SlStorageError *err);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SlStorageError, sl_storage_error_free)

/* Fills @resp with the JSON body and HTTP status of §1.4.3. */
void            sl_storage_error_respond    (SlResponse     *resp,
                                             const SlStorageError *err);

SlStorageError *sl_storage_err_no_bucket    (void);
SlStorageError *sl_storage_err_no_key       (void);
SlStorageError *sl_storage_err_invalid_key  (const char *key);
SlStorageError *sl_storage_err_invalid_bucket_name (void);
SlStorageError *sl_storage_err_too_large    (void);
SlStorageError *sl_storage_err_mime         (const char *mime);
SlStorageError *sl_storage_err_request      (const char *message);
SlStorageError *sl_storage_err_internal     (const char *detail);
/* Maps a GError from sl_db_* (SQLSTATE) to storage's error; @what is
 * "object" or "bucket" for unique violations. */
SlStorageError *sl_storage_err_from_db      (const GError *error,
                                             const char   *what);
/* Maps an sl_jwt_verify error to jose's wording. */
const char     *sl_storage_jwt_message      (const GError *error);

gboolean        sl_storage_key_is_valid     (const char *key);
gboolean        sl_storage_bucket_name_is_valid (const char *name);
/* Whether @mime is allowed by @allowed (NULL or empty = everything). */
gboolean        sl_storage_mime_allowed     (const char *mime,
                                             char      **allowed);

/* "<root>/<bucket>/<version>". */
char           *sl_storage_object_path      (SlStorage  *self,
                                             const char *bucket,
                                             const char *version);

/* md5 hex of a file, read in chunks. */
char           *sl_storage_md5_file         (const char *path,
                                             goffset    *size_out,
                                             GError    **error);

/* Bucket facts read as the superuser. Returns FALSE + NoSuchBucket. */
typedef struct
{
  gboolean  is_public;
  gint64    file_size_limit;   /* 0 = none */
  char    **allowed_mime_types;
} SlBucketInfo;

void            sl_bucket_info_clear        (SlBucketInfo *info);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (SlBucketInfo, sl_bucket_info_clear)
gboolean        sl_storage_get_bucket       (PGconn         *conn,
                                             const char     *bucket,
                                             SlBucketInfo   *info,
                                             SlStorageError **err);
/* Effective limit of a bucket (bucket limit or the global one). */
gint64          sl_storage_effective_limit  (const SlBucketInfo *info);

/* Who performs an operation: a JWT role with claims, or the superuser
 * (public and signed routes, as storage's dbSuperUser). */
typedef struct
{
  const char *role;          /* NULL = superuser */
  JsonObject *claims;
  const char *owner;         /* JWT sub, or NULL */
} SlActor;

gboolean        sl_storage_begin            (PGconn         *conn,
                                             const SlActor  *actor,
                                             GError        **error);

/* Stores a finished file as object @bucket/@name: checks the bucket's limit
 * and mime types, computes the md5, moves @src_path into place (rename, or
 * copy across file systems) and inserts/upserts the row as @actor so RLS
 * decides. On success returns the new object id; @src_path is consumed. */
typedef struct
{
  const char *bucket;
  const char *name;
  const char *src_path;
  const char *mimetype;
  const char *cache_control;
  const char *user_metadata;  /* JSON text or NULL */
  gboolean    upsert;
} SlUploadSpec;

char           *sl_storage_store_object     (SlStorage      *self,
                                             const SlActor  *actor,
                                             const SlUploadSpec *spec,
                                             SlStorageError **err);

/* Whether @actor may create (or upsert) @bucket/@name: a test insert rolled
 * back, as storage's canUpload. */
gboolean        sl_storage_can_upload       (SlStorage      *self,
                                             const SlActor  *actor,
                                             const char     *bucket,
                                             const char     *name,
                                             gboolean        upsert,
                                             SlStorageError **err);

/* TUS (sl-storage-tus.c). @subpath is below /upload/resumable. */
void            sl_storage_tus_init         (SlStorage  *self);
void            sl_storage_tus_clear        (SlStorage  *self);
void            sl_storage_tus_handle       (SlStorage  *self,
                                             SlRequest  *req,
                                             SlResponse *resp,
                                             const char *subpath);

/* Seed files (sl-storage-seed.c). */
void            sl_storage_seed_demo        (SlStorage  *self);

/* Verifies a signed-URL token for @bucket/@name and @scope ("download" or
 * "upload"); returns its claims. */
JsonObject     *sl_storage_verify_signed    (SlStorage      *self,
                                             const char     *token,
                                             const char     *bucket,
                                             const char     *name,
                                             const char     *scope,
                                             SlStorageError **err);

/* Resolves the actor of an authenticated route; FALSE with @resp filled
 * (AccessDenied) when the JWT is missing or invalid. */
gboolean        sl_storage_authenticate     (SlRequest  *req,
                                             SlResponse *resp,
                                             gboolean    allow_invalid,
                                             SlActor    *actor);

G_END_DECLS
