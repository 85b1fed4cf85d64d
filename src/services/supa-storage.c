/* supa-storage.c — Storage buckets, objects, signed and public URLs
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * PROTOCOL.md §4. Every route is under BASE/storage/v1; errors come back as
 * HTTP 400 with the logical status in the body, which SupaClient maps.
 */

#define G_LOG_DOMAIN "supa-storage"

#include "config.h"

#include "supa-storage.h"
#include "supa-storage-path.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#define PLACEHOLDER_NAME      ".emptyFolderPlaceholder"
#define LIST_ALL_PAGE_SIZE    1000
#define DEFAULT_LIST_LIMIT    100
#define DEFAULT_REMOVE_BATCH  100
#define DOWNLOAD_CHUNK        (64 * 1024)
#define ERROR_BODY_LIMIT      (64 * 1024)
#define DEFAULT_RETRY_ATTEMPTS 5
#define DEFAULT_RETRY_BASE_MS  500
#define DEFAULT_RETRY_MAX_MS   30000

/* ------------------------------------------------------------- JSON helpers */

static const char *
json_get_string (JsonObject *obj,
                 const char *member)
{
  JsonNode *node;

  if (obj == NULL || !json_object_has_member (obj, member))
    return NULL;
  node = json_object_get_member (obj, member);
  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (node);
}

static gint64
json_get_int (JsonObject *obj,
              const char *member,
              gint64      fallback)
{
  JsonNode *node;
  GType type;

  if (obj == NULL || !json_object_has_member (obj, member))
    return fallback;
  node = json_object_get_member (obj, member);
  if (!JSON_NODE_HOLDS_VALUE (node))
    return fallback;
  type = json_node_get_value_type (node);
  if (type == G_TYPE_INT64)
    return json_node_get_int (node);
  if (type == G_TYPE_DOUBLE)
    return (gint64) json_node_get_double (node);
  if (type == G_TYPE_STRING)
    {
      gint64 v;
      if (g_ascii_string_to_signed (json_node_get_string (node), 10, G_MININT64, G_MAXINT64, &v, NULL))
        return v;
    }
  return fallback;
}

static gboolean
json_get_bool (JsonObject *obj,
               const char *member)
{
  JsonNode *node;

  if (obj == NULL || !json_object_has_member (obj, member))
    return FALSE;
  node = json_object_get_member (obj, member);
  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_BOOLEAN)
    return FALSE;
  return json_node_get_boolean (node);
}

static JsonObject *
json_get_object (JsonObject *obj,
                 const char *member)
{
  JsonNode *node;

  if (obj == NULL || !json_object_has_member (obj, member))
    return NULL;
  node = json_object_get_member (obj, member);
  return JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
}

static GDateTime *
json_get_time (JsonObject *obj,
               const char *member)
{
  const char *text = json_get_string (obj, member);

  if (text == NULL)
    return NULL;
  return g_date_time_new_from_iso8601 (text, NULL);
}

/* {} — Storage wants a JSON body on some routes that take no input. */
static JsonNode *
empty_object_node (void)
{
  g_autoptr(JsonObject) obj = json_object_new ();

  return json_node_init_object (json_node_alloc (), obj);
}

static GError *
protocol_error (const char *what)
{
  /* Translators: %s names what was expected, e.g. "a list of buckets" */
  return g_error_new (SUPA_ERROR, SUPA_ERROR_PROTOCOL,
                      _("The storage service did not answer with %s."), what);
}

/* ---------------------------------------------------------------- SupaBucket */

struct _SupaBucket
{
  GObject     parent_instance;

  char       *id;
  char       *name;
  char       *owner;
  GStrv       allowed_mime_types;
  GDateTime  *created_at;
  GDateTime  *updated_at;
  gint64      file_size_limit;
  gboolean    is_public;
};

G_DEFINE_FINAL_TYPE (SupaBucket, supa_bucket, G_TYPE_OBJECT)

enum {
  BUCKET_PROP_0,
  BUCKET_PROP_ID,
  BUCKET_PROP_NAME,
  BUCKET_PROP_PUBLIC,
  BUCKET_PROP_FILE_SIZE_LIMIT,
  BUCKET_N_PROPS
};

static GParamSpec *bucket_properties[BUCKET_N_PROPS];

static void
supa_bucket_finalize (GObject *object)
{
  SupaBucket *self = (SupaBucket *) object;

  g_clear_pointer (&self->id, g_free);
  g_clear_pointer (&self->name, g_free);
  g_clear_pointer (&self->owner, g_free);
  g_clear_pointer (&self->allowed_mime_types, g_strfreev);
  g_clear_pointer (&self->created_at, g_date_time_unref);
  g_clear_pointer (&self->updated_at, g_date_time_unref);

  G_OBJECT_CLASS (supa_bucket_parent_class)->finalize (object);
}

static void
supa_bucket_get_property (GObject    *object,
                          guint       prop_id,
                          GValue     *value,
                          GParamSpec *pspec)
{
  SupaBucket *self = (SupaBucket *) object;

  switch (prop_id)
    {
    case BUCKET_PROP_ID:
      g_value_set_string (value, self->id);
      break;
    case BUCKET_PROP_NAME:
      g_value_set_string (value, self->name);
      break;
    case BUCKET_PROP_PUBLIC:
      g_value_set_boolean (value, self->is_public);
      break;
    case BUCKET_PROP_FILE_SIZE_LIMIT:
      g_value_set_int64 (value, self->file_size_limit);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
supa_bucket_class_init (SupaBucketClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = supa_bucket_finalize;
  object_class->get_property = supa_bucket_get_property;

  bucket_properties[BUCKET_PROP_ID] =
    g_param_spec_string ("id", NULL, NULL, NULL, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  bucket_properties[BUCKET_PROP_NAME] =
    g_param_spec_string ("name", NULL, NULL, NULL, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  bucket_properties[BUCKET_PROP_PUBLIC] =
    g_param_spec_boolean ("public", NULL, NULL, FALSE, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  bucket_properties[BUCKET_PROP_FILE_SIZE_LIMIT] =
    g_param_spec_int64 ("file-size-limit", NULL, NULL, 0, G_MAXINT64, 0,
                        G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, BUCKET_N_PROPS, bucket_properties);
}

static void
supa_bucket_init (SupaBucket *self)
{
}

static SupaBucket *
bucket_new_from_json (JsonObject *obj)
{
  SupaBucket *self;
  JsonNode *types;

  if (json_get_string (obj, "id") == NULL)
    return NULL;

  self = g_object_new (SUPA_TYPE_BUCKET, NULL);
  self->id = g_strdup (json_get_string (obj, "id"));
  self->name = g_strdup (json_get_string (obj, "name") ? json_get_string (obj, "name") : self->id);
  self->owner = g_strdup (json_get_string (obj, "owner"));
  self->is_public = json_get_bool (obj, "public");
  self->file_size_limit = MAX (0, json_get_int (obj, "file_size_limit", 0));
  self->created_at = json_get_time (obj, "created_at");
  self->updated_at = json_get_time (obj, "updated_at");

  types = json_object_has_member (obj, "allowed_mime_types")
            ? json_object_get_member (obj, "allowed_mime_types") : NULL;
  if (types != NULL && JSON_NODE_HOLDS_ARRAY (types))
    {
      JsonArray *array = json_node_get_array (types);
      g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();

      for (guint i = 0; i < json_array_get_length (array); i++)
        {
          JsonNode *element = json_array_get_element (array, i);
          if (JSON_NODE_HOLDS_VALUE (element) && json_node_get_value_type (element) == G_TYPE_STRING)
            g_strv_builder_add (builder, json_node_get_string (element));
        }
      self->allowed_mime_types = g_strv_builder_end (builder);
    }

  return self;
}

const char *
supa_bucket_get_id (SupaBucket *self)
{
  g_return_val_if_fail (SUPA_IS_BUCKET (self), NULL);
  return self->id;
}

const char *
supa_bucket_get_name (SupaBucket *self)
{
  g_return_val_if_fail (SUPA_IS_BUCKET (self), NULL);
  return self->name;
}

const char *
supa_bucket_get_owner (SupaBucket *self)
{
  g_return_val_if_fail (SUPA_IS_BUCKET (self), NULL);
  return self->owner;
}

gboolean
supa_bucket_get_public (SupaBucket *self)
{
  g_return_val_if_fail (SUPA_IS_BUCKET (self), FALSE);
  return self->is_public;
}

gint64
supa_bucket_get_file_size_limit (SupaBucket *self)
{
  g_return_val_if_fail (SUPA_IS_BUCKET (self), 0);
  return self->file_size_limit;
}

const char * const *
supa_bucket_get_allowed_mime_types (SupaBucket *self)
{
  g_return_val_if_fail (SUPA_IS_BUCKET (self), NULL);
  return (const char * const *) self->allowed_mime_types;
}

GDateTime *
supa_bucket_get_created_at (SupaBucket *self)
{
  g_return_val_if_fail (SUPA_IS_BUCKET (self), NULL);
  return self->created_at;
}

GDateTime *
supa_bucket_get_updated_at (SupaBucket *self)
{
  g_return_val_if_fail (SUPA_IS_BUCKET (self), NULL);
  return self->updated_at;
}

/* ------------------------------------------------------------ SupaObjectInfo */

struct _SupaObjectInfo
{
  GObject     parent_instance;

  char       *name;
  char       *id;
  char       *mimetype;
  char       *etag;
  char       *cache_control;
  GDateTime  *created_at;
  GDateTime  *updated_at;
  GDateTime  *last_accessed_at;
  JsonObject *metadata;
  gint64      size;
};

G_DEFINE_FINAL_TYPE (SupaObjectInfo, supa_object_info, G_TYPE_OBJECT)

enum {
  INFO_PROP_0,
  INFO_PROP_NAME,
  INFO_PROP_IS_FOLDER,
  INFO_PROP_SIZE,
  INFO_PROP_MIMETYPE,
  INFO_PROP_UPDATED_AT,
  INFO_N_PROPS
};

static GParamSpec *info_properties[INFO_N_PROPS];

static void
supa_object_info_finalize (GObject *object)
{
  SupaObjectInfo *self = (SupaObjectInfo *) object;

  g_clear_pointer (&self->name, g_free);
  g_clear_pointer (&self->id, g_free);
  g_clear_pointer (&self->mimetype, g_free);
  g_clear_pointer (&self->etag, g_free);
  g_clear_pointer (&self->cache_control, g_free);
  g_clear_pointer (&self->created_at, g_date_time_unref);
  g_clear_pointer (&self->updated_at, g_date_time_unref);
  g_clear_pointer (&self->last_accessed_at, g_date_time_unref);
  g_clear_pointer (&self->metadata, json_object_unref);

  G_OBJECT_CLASS (supa_object_info_parent_class)->finalize (object);
}

static void
supa_object_info_get_property (GObject    *object,
                               guint       prop_id,
                               GValue     *value,
                               GParamSpec *pspec)
{
  SupaObjectInfo *self = (SupaObjectInfo *) object;

  switch (prop_id)
    {
    case INFO_PROP_NAME:
      g_value_set_string (value, self->name);
      break;
    case INFO_PROP_IS_FOLDER:
      g_value_set_boolean (value, self->id == NULL);
      break;
    case INFO_PROP_SIZE:
      g_value_set_int64 (value, self->size);
      break;
    case INFO_PROP_MIMETYPE:
      g_value_set_string (value, self->mimetype);
      break;
    case INFO_PROP_UPDATED_AT:
      g_value_set_boxed (value, self->updated_at);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
supa_object_info_class_init (SupaObjectInfoClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = supa_object_info_finalize;
  object_class->get_property = supa_object_info_get_property;

  info_properties[INFO_PROP_NAME] =
    g_param_spec_string ("name", NULL, NULL, NULL, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  info_properties[INFO_PROP_IS_FOLDER] =
    g_param_spec_boolean ("is-folder", NULL, NULL, FALSE, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  info_properties[INFO_PROP_SIZE] =
    g_param_spec_int64 ("size", NULL, NULL, -1, G_MAXINT64, -1, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  info_properties[INFO_PROP_MIMETYPE] =
    g_param_spec_string ("mimetype", NULL, NULL, NULL, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  info_properties[INFO_PROP_UPDATED_AT] =
    g_param_spec_boxed ("updated-at", NULL, NULL, G_TYPE_DATE_TIME, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, INFO_N_PROPS, info_properties);
}

static void
supa_object_info_init (SupaObjectInfo *self)
{
  self->size = -1;
}

/* A row of POST /object/list: folders have every field null. */
static SupaObjectInfo *
object_info_new_from_listing (JsonObject *obj)
{
  SupaObjectInfo *self;
  JsonObject *metadata;

  if (json_get_string (obj, "name") == NULL)
    return NULL;

  self = g_object_new (SUPA_TYPE_OBJECT_INFO, NULL);
  self->name = g_strdup (json_get_string (obj, "name"));
  self->id = g_strdup (json_get_string (obj, "id"));
  self->created_at = json_get_time (obj, "created_at");
  self->updated_at = json_get_time (obj, "updated_at");
  self->last_accessed_at = json_get_time (obj, "last_accessed_at");

  metadata = json_get_object (obj, "metadata");
  if (metadata != NULL)
    {
      self->metadata = json_object_ref (metadata);
      self->size = json_get_int (metadata, "size", json_get_int (metadata, "contentLength", -1));
      self->mimetype = g_strdup (json_get_string (metadata, "mimetype"));
      self->etag = g_strdup (json_get_string (metadata, "eTag"));
      self->cache_control = g_strdup (json_get_string (metadata, "cacheControl"));
    }

  return self;
}

/* The body of GET /object/info/…: flat fields, user metadata apart. */
static SupaObjectInfo *
object_info_new_from_info (JsonObject *obj)
{
  SupaObjectInfo *self;
  JsonObject *metadata;

  if (json_get_string (obj, "name") == NULL)
    return NULL;

  self = g_object_new (SUPA_TYPE_OBJECT_INFO, NULL);
  self->name = g_strdup (json_get_string (obj, "name"));
  self->id = g_strdup (json_get_string (obj, "id"));
  self->size = json_get_int (obj, "size", -1);
  self->mimetype = g_strdup (json_get_string (obj, "content_type"));
  self->etag = g_strdup (json_get_string (obj, "etag"));
  self->cache_control = g_strdup (json_get_string (obj, "cache_control"));
  self->created_at = json_get_time (obj, "created_at");
  self->updated_at = json_get_time (obj, "last_modified");
  if (self->updated_at == NULL)
    self->updated_at = json_get_time (obj, "updated_at");
  self->last_accessed_at = json_get_time (obj, "last_accessed_at");

  metadata = json_get_object (obj, "metadata");
  if (metadata != NULL)
    self->metadata = json_object_ref (metadata);

  return self;
}

const char *
supa_object_info_get_name (SupaObjectInfo *self)
{
  g_return_val_if_fail (SUPA_IS_OBJECT_INFO (self), NULL);
  return self->name;
}

const char *
supa_object_info_get_id (SupaObjectInfo *self)
{
  g_return_val_if_fail (SUPA_IS_OBJECT_INFO (self), NULL);
  return self->id;
}

gboolean
supa_object_info_get_is_folder (SupaObjectInfo *self)
{
  g_return_val_if_fail (SUPA_IS_OBJECT_INFO (self), FALSE);
  return self->id == NULL;
}

gint64
supa_object_info_get_size (SupaObjectInfo *self)
{
  g_return_val_if_fail (SUPA_IS_OBJECT_INFO (self), -1);
  return self->size;
}

const char *
supa_object_info_get_mimetype (SupaObjectInfo *self)
{
  g_return_val_if_fail (SUPA_IS_OBJECT_INFO (self), NULL);
  return self->mimetype;
}

const char *
supa_object_info_get_etag (SupaObjectInfo *self)
{
  g_return_val_if_fail (SUPA_IS_OBJECT_INFO (self), NULL);
  return self->etag;
}

const char *
supa_object_info_get_cache_control (SupaObjectInfo *self)
{
  g_return_val_if_fail (SUPA_IS_OBJECT_INFO (self), NULL);
  return self->cache_control;
}

GDateTime *
supa_object_info_get_created_at (SupaObjectInfo *self)
{
  g_return_val_if_fail (SUPA_IS_OBJECT_INFO (self), NULL);
  return self->created_at;
}

GDateTime *
supa_object_info_get_updated_at (SupaObjectInfo *self)
{
  g_return_val_if_fail (SUPA_IS_OBJECT_INFO (self), NULL);
  return self->updated_at;
}

GDateTime *
supa_object_info_get_last_accessed_at (SupaObjectInfo *self)
{
  g_return_val_if_fail (SUPA_IS_OBJECT_INFO (self), NULL);
  return self->last_accessed_at;
}

JsonObject *
supa_object_info_get_metadata (SupaObjectInfo *self)
{
  g_return_val_if_fail (SUPA_IS_OBJECT_INFO (self), NULL);
  return self->metadata;
}

/* ------------------------------------------------------------ result structs */

void
supa_signed_url_free (SupaSignedUrl *entry)
{
  if (entry == NULL)
    return;
  g_free (entry->path);
  g_free (entry->signed_url);
  g_free (entry->error);
  g_free (entry);
}

void
supa_signed_upload_free (SupaSignedUpload *upload)
{
  if (upload == NULL)
    return;
  g_free (upload->signed_url);
  if (upload->token != NULL)
    explicit_bzero (upload->token, strlen (upload->token));
  g_free (upload->token);
  g_free (upload->path);
  g_free (upload);
}

/* --------------------------------------------------------------- SupaStorage */

struct _SupaStorage
{
  GObject     parent_instance;

  SupaClient *client;
  guint       retry_attempts;
  guint       retry_base_ms;
  guint       retry_max_ms;
};

G_DEFINE_FINAL_TYPE (SupaStorage, supa_storage, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_CLIENT,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

enum {
  SIGNAL_RETRYING,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static GTask *
storage_task (SupaStorage         *self,
              GCancellable        *cancellable,
              GAsyncReadyCallback  callback,
              gpointer             user_data,
              gpointer             source_tag)
{
  GTask *task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, source_tag);
  return task;
}

static SoupMessage *
storage_message (SupaStorage *self,
                 const char  *method,
                 const char  *route,
                 const char  *query,
                 JsonNode    *body)
{
  g_autofree char *service_path = g_strconcat ("storage/v1/", route, NULL);
  SoupMessage *msg;

  msg = supa_client_new_message (self->client, SUPA_SERVICE_STORAGE, method, service_path, query);

  if (body != NULL)
    {
      g_autofree char *text = json_to_string (body, FALSE);
      gsize len = strlen (text);

      g_autoptr(GBytes) bytes = g_bytes_new_take (g_steal_pointer (&text), len);

      soup_message_set_request_body_from_bytes (msg, "application/json", bytes);
    }

  return msg;
}

/* Sends @msg as JSON; @task is stolen and handed to @callback. */
static void
storage_send_json (SupaStorage         *self,
                   SoupMessage         *msg,
                   GTask               *task,
                   GAsyncReadyCallback  callback)
{
  supa_client_send_json_async (self->client, msg, SUPA_SERVICE_STORAGE,
                               g_task_get_cancellable (task), callback, task);
}

static gboolean
normalize_or_fail (GTask       *task,
                   const char  *path,
                   gboolean     allow_empty,
                   char       **out)
{
  GError *error = NULL;

  *out = supa_storage_path_normalize (path, allow_empty, &error);
  if (*out == NULL)
    {
      g_task_return_error (task, error);
      return FALSE;
    }
  return TRUE;
}

static gboolean
bucket_id_check (const char  *bucket,
                 GError     **error)
{
  if (bucket == NULL || *bucket == '\0' || strchr (bucket, '/') != NULL)
    {
      g_set_error_literal (error, SUPA_ERROR, SUPA_ERROR_INVALID_INPUT,
                           _("A bucket name is needed and cannot contain “/”."));
      return FALSE;
    }
  return TRUE;
}

static gboolean
bucket_id_or_fail (GTask      *task,
                   const char *bucket)
{
  GError *error = NULL;

  if (!bucket_id_check (bucket, &error))
    {
      g_task_return_error (task, error);
      return FALSE;
    }
  return TRUE;
}

/* Ends with the JSON body, or the error. */
static JsonNode *
finish_json (GObject      *source,
             GAsyncResult *result,
             GTask        *task)
{
  GError *error = NULL;
  JsonNode *node = supa_client_send_json_finish (SUPA_CLIENT (source), result, &error);

  if (node == NULL)
    g_task_return_error (task, error);
  return node;
}

static void
json_success_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(JsonNode) node = finish_json (source, result, task);

  if (node != NULL)
    g_task_return_boolean (task, TRUE);
}

/* ------------------------------------------------------ retried requests */

/* A JSON request that is sent again, after a pause, when the server says
 * it is overloaded (429, 502–504) or the connection failed: the folder
 * operations send hundreds of requests in a row and rate limits are
 * normal there. The body is kept so each attempt is a fresh message. */
typedef struct
{
  char     *method;
  char     *route;
  JsonNode *body;
  gboolean  upsert;
  guint     attempt;        /* attempts made so far */
  GSource  *timer;
} RetryData;

static void
retry_data_free (RetryData *data)
{
  g_free (data->method);
  g_free (data->route);
  g_clear_pointer (&data->body, json_node_unref);
  if (data->timer != NULL)
    {
      g_source_destroy (data->timer);
      g_source_unref (data->timer);
    }
  g_free (data);
}

static void retry_send (GTask *task);

/* The pause is over, or the task was cancelled during it (the timer has
 * the cancellable as a child source, so a cancel during a 30 s pause is
 * answered at once). */
static gboolean
retry_timer_cb (gpointer user_data)
{
  GTask *task = user_data;
  RetryData *data = g_task_get_task_data (task);

  g_clear_pointer (&data->timer, g_source_unref);
  if (!g_task_return_error_if_cancelled (task))
    retry_send (g_object_ref (task));
  return G_SOURCE_REMOVE;
}

static void
retry_sent_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  SupaStorage *self = g_task_get_source_object (task);
  RetryData *data = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  JsonNode *node;
  guint delay_ms;

  node = supa_client_send_json_finish (SUPA_CLIENT (source), result, &error);
  if (node != NULL)
    {
      g_task_return_pointer (task, node, (GDestroyNotify) json_node_unref);
      return;
    }

  if (!supa_storage_error_is_transient (error) || data->attempt >= MAX (self->retry_attempts, 1))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  delay_ms = supa_storage_retry_delay (self, data->attempt, error);
  g_signal_emit (self, signals[SIGNAL_RETRYING], 0, delay_ms, error->message);
  g_debug ("Retrying %s %s in %u ms (attempt %u of %u): %s", data->method, data->route,
           delay_ms, data->attempt + 1, self->retry_attempts, error->message);
  data->timer = g_timeout_source_new (delay_ms);
  g_source_set_static_name (data->timer, "[supadesk] storage retry");
  if (g_task_get_cancellable (task) != NULL)
    {
      g_autoptr(GSource) cancelled = g_cancellable_source_new (g_task_get_cancellable (task));

      /* Its callback is never called: being ready dispatches the parent. */
      g_source_set_dummy_callback (cancelled);
      g_source_add_child_source (data->timer, cancelled);
    }
  g_source_set_callback (data->timer, retry_timer_cb, g_object_ref (task), g_object_unref);
  g_source_attach (data->timer, g_task_get_context (task));
}

static void
retry_send (GTask *task)
{
  SupaStorage *self = g_task_get_source_object (task);
  RetryData *data = g_task_get_task_data (task);
  g_autoptr(SoupMessage) msg = storage_message (self, data->method, data->route, NULL, data->body);

  if (data->upsert)
    soup_message_headers_replace (soup_message_get_request_headers (msg), "x-upsert", "true");
  data->attempt++;
  supa_client_send_json_async (self->client, msg, SUPA_SERVICE_STORAGE,
                               g_task_get_cancellable (task), retry_sent_cb, task);
}

static void
storage_request_json_async (SupaStorage         *self,
                            const char          *method,
                            const char          *route,
                            JsonNode            *body,
                            gboolean             upsert,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  GTask *task = storage_task (self, cancellable, callback, user_data, storage_request_json_async);
  RetryData *data = g_new0 (RetryData, 1);

  data->method = g_strdup (method);
  data->route = g_strdup (route);
  data->body = body != NULL ? json_node_ref (body) : NULL;
  data->upsert = upsert;
  g_task_set_task_data (task, data, (GDestroyNotify) retry_data_free);
  retry_send (task);
}

static JsonNode *
storage_request_json_finish (SupaStorage   *self,
                             GAsyncResult  *result,
                             GError       **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

static char *
storage_base_url (SupaStorage *self)
{
  return supa_client_build_url (self->client, "storage/v1", NULL);
}

/* encodeURI semantics, except that an existing %XX escape is kept (the
 * server may already have encoded the key). */
static char *
encode_uri (const char *text)
{
  static const char keep[] = ";,/?:@&=+$-_.!~*'()#";
  GString *out = g_string_new (NULL);

  for (const guchar *p = (const guchar *) text; *p != '\0'; p++)
    {
      if (g_ascii_isalnum (*p) || strchr (keep, *p) != NULL)
        g_string_append_c (out, (char) *p);
      else if (*p == '%' && g_ascii_isxdigit (p[1]) && g_ascii_isxdigit (p[2]))
        g_string_append_c (out, '%');
      else
        g_string_append_printf (out, "%%%02X", *p);
    }

  return g_string_free (out, FALSE);
}

static char *
absolute_signed_url (SupaStorage *self,
                     const char  *relative,
                     const char  *download)
{
  g_autofree char *base = storage_base_url (self);
  g_autofree char *joined = NULL;
  g_autofree char *encoded = NULL;

  if (relative == NULL)
    return NULL;
  if (g_str_has_prefix (relative, "http://") || g_str_has_prefix (relative, "https://"))
    encoded = encode_uri (relative);
  else
    {
      /* The key inside is as stored and may hold "?" itself: split at the
       * token and encode the path per segment, so the link stays usable
       * whatever the name. */
      const char *token = g_strrstr (relative, "?token=");
      g_autofree char *path = token ? g_strndup (relative, token - relative) : g_strdup (relative);
      g_autofree char *unescaped = g_uri_unescape_string (path, NULL);
      g_autofree char *path_encoded = supa_storage_path_encode (unescaped ? unescaped : path);
      g_autofree char *query = token ? encode_uri (token) : g_strdup ("");

      joined = g_strconcat (base, path_encoded[0] == '/' ? "" : "/", path_encoded, query, NULL);
      encoded = g_steal_pointer (&joined);
    }

  if (download != NULL)
    {
      g_autofree char *escaped = g_uri_escape_string (download, NULL, FALSE);
      return g_strconcat (encoded, strchr (encoded, '?') ? "&" : "?", "download=", escaped, NULL);
    }

  return g_steal_pointer (&encoded);
}

static const char *
resize_name (SupaResizeMode mode)
{
  switch (mode)
    {
    case SUPA_RESIZE_COVER:   return "cover";
    case SUPA_RESIZE_CONTAIN: return "contain";
    case SUPA_RESIZE_FILL:    return "fill";
    case SUPA_RESIZE_DEFAULT:
    default:                  return NULL;
    }
}

static gboolean
transform_is_set (const SupaTransformOptions *t)
{
  return t != NULL && (t->width || t->height || resize_name (t->resize) || t->format || t->quality);
}

static void
transform_to_query (const SupaTransformOptions *t,
                    GString                    *query)
{
  /* the order storage-js uses */
  if (t->width)
    g_string_append_printf (query, "%swidth=%u", query->len ? "&" : "", t->width);
  if (t->height)
    g_string_append_printf (query, "%sheight=%u", query->len ? "&" : "", t->height);
  if (resize_name (t->resize))
    g_string_append_printf (query, "%sresize=%s", query->len ? "&" : "", resize_name (t->resize));
  if (t->format)
    {
      g_autofree char *format = g_uri_escape_string (t->format, NULL, FALSE);
      g_string_append_printf (query, "%sformat=%s", query->len ? "&" : "", format);
    }
  if (t->quality)
    g_string_append_printf (query, "%squality=%u", query->len ? "&" : "", t->quality);
}

static void
transform_to_json (const SupaTransformOptions *t,
                   JsonBuilder                *b)
{
  json_builder_begin_object (b);
  if (t->width)
    {
      json_builder_set_member_name (b, "width");
      json_builder_add_int_value (b, t->width);
    }
  if (t->height)
    {
      json_builder_set_member_name (b, "height");
      json_builder_add_int_value (b, t->height);
    }
  if (resize_name (t->resize))
    {
      json_builder_set_member_name (b, "resize");
      json_builder_add_string_value (b, resize_name (t->resize));
    }
  if (t->format)
    {
      json_builder_set_member_name (b, "format");
      json_builder_add_string_value (b, t->format);
    }
  if (t->quality)
    {
      json_builder_set_member_name (b, "quality");
      json_builder_add_int_value (b, t->quality);
    }
  json_builder_end_object (b);
}

/* --------------------------------------------------------------- GObject */

static void
supa_storage_dispose (GObject *object)
{
  SupaStorage *self = (SupaStorage *) object;

  g_clear_object (&self->client);

  G_OBJECT_CLASS (supa_storage_parent_class)->dispose (object);
}

static void
supa_storage_get_property (GObject    *object,
                           guint       prop_id,
                           GValue     *value,
                           GParamSpec *pspec)
{
  SupaStorage *self = (SupaStorage *) object;

  switch (prop_id)
    {
    case PROP_CLIENT:
      g_value_set_object (value, self->client);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
supa_storage_set_property (GObject      *object,
                           guint         prop_id,
                           const GValue *value,
                           GParamSpec   *pspec)
{
  SupaStorage *self = (SupaStorage *) object;

  switch (prop_id)
    {
    case PROP_CLIENT:
      self->client = g_value_dup_object (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
supa_storage_class_init (SupaStorageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = supa_storage_dispose;
  object_class->get_property = supa_storage_get_property;
  object_class->set_property = supa_storage_set_property;

  properties[PROP_CLIENT] =
    g_param_spec_object ("client", NULL, NULL, SUPA_TYPE_CLIENT,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * SupaStorage::retrying:
   * @delay_ms: the pause before the next attempt
   * @message: the server's reason for the failed attempt
   *
   * A move, copy or removal was refused for now (rate limit, overload)
   * and will be sent again after @delay_ms, so a progress display can say
   * why it stalls.
   */
  signals[SIGNAL_RETRYING] =
    g_signal_new ("retrying", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 2, G_TYPE_UINT, G_TYPE_STRING);
}

static void
supa_storage_init (SupaStorage *self)
{
  self->retry_attempts = DEFAULT_RETRY_ATTEMPTS;
  self->retry_base_ms = DEFAULT_RETRY_BASE_MS;
  self->retry_max_ms = DEFAULT_RETRY_MAX_MS;
}

/**
 * supa_storage_new:
 * @client: the project connection
 *
 * Returns: (transfer full): the Storage API of @client's project
 */
SupaStorage *
supa_storage_new (SupaClient *client)
{
  g_return_val_if_fail (SUPA_IS_CLIENT (client), NULL);

  return g_object_new (SUPA_TYPE_STORAGE, "client", client, NULL);
}

SupaClient *
supa_storage_get_client (SupaStorage *self)
{
  g_return_val_if_fail (SUPA_IS_STORAGE (self), NULL);
  return self->client;
}

/* ------------------------------------------------------------------ buckets */

static void
list_buckets_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(JsonNode) node = finish_json (source, result, task);
  g_autoptr(GPtrArray) buckets = NULL;
  JsonArray *array;

  if (node == NULL)
    return;
  if (!JSON_NODE_HOLDS_ARRAY (node))
    {
      g_task_return_error (task, protocol_error (_("a list of buckets")));
      return;
    }

  array = json_node_get_array (node);
  buckets = g_ptr_array_new_with_free_func (g_object_unref);
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonNode *element = json_array_get_element (array, i);
      SupaBucket *bucket = JSON_NODE_HOLDS_OBJECT (element)
                             ? bucket_new_from_json (json_node_get_object (element)) : NULL;
      if (bucket != NULL)
        g_ptr_array_add (buckets, bucket);
    }

  g_task_return_pointer (task, g_steal_pointer (&buckets), (GDestroyNotify) g_ptr_array_unref);
}

/**
 * supa_storage_list_buckets_async:
 *
 * Lists the project's buckets (`GET /bucket`).
 */
void
supa_storage_list_buckets_async (SupaStorage         *self,
                                 GCancellable        *cancellable,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data)
{
  g_autoptr(SoupMessage) msg = NULL;
  GTask *task;

  g_return_if_fail (SUPA_IS_STORAGE (self));

  task = storage_task (self, cancellable, callback, user_data, supa_storage_list_buckets_async);
  msg = storage_message (self, "GET", "bucket", NULL, NULL);
  storage_send_json (self, msg, task, list_buckets_cb);
}

/**
 * supa_storage_list_buckets_finish:
 *
 * Returns: (transfer full) (element-type SupaBucket): the buckets
 */
GPtrArray *
supa_storage_list_buckets_finish (SupaStorage   *self,
                                  GAsyncResult  *result,
                                  GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
get_bucket_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(JsonNode) node = finish_json (source, result, task);
  SupaBucket *bucket;

  if (node == NULL)
    return;

  bucket = JSON_NODE_HOLDS_OBJECT (node) ? bucket_new_from_json (json_node_get_object (node)) : NULL;
  if (bucket == NULL)
    g_task_return_error (task, protocol_error (_("a bucket")));
  else
    g_task_return_pointer (task, bucket, g_object_unref);
}

void
supa_storage_get_bucket_async (SupaStorage         *self,
                               const char          *id,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  g_autoptr(SoupMessage) msg = NULL;
  g_autofree char *route = NULL;
  g_autofree char *escaped = NULL;
  GTask *task;

  g_return_if_fail (SUPA_IS_STORAGE (self));

  task = storage_task (self, cancellable, callback, user_data, supa_storage_get_bucket_async);
  if (!bucket_id_or_fail (task, id))
    {
      g_object_unref (task);
      return;
    }

  escaped = g_uri_escape_string (id, NULL, FALSE);
  route = g_strconcat ("bucket/", escaped, NULL);
  msg = storage_message (self, "GET", route, NULL, NULL);
  storage_send_json (self, msg, task, get_bucket_cb);
}

/**
 * supa_storage_get_bucket_finish:
 *
 * Returns: (transfer full): the bucket
 */
SupaBucket *
supa_storage_get_bucket_finish (SupaStorage   *self,
                                GAsyncResult  *result,
                                GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* Writes the bucket body; FALSE with @error for an unreadable size. */
static gboolean
bucket_body (JsonBuilder              *b,
             const char               *id,
             const SupaBucketSettings *settings,
             GError                  **error)
{
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "id");
  json_builder_add_string_value (b, id);
  json_builder_set_member_name (b, "name");
  json_builder_add_string_value (b, id);

  if (settings != NULL && (settings->fields & SUPA_BUCKET_FIELD_PUBLIC))
    {
      json_builder_set_member_name (b, "public");
      json_builder_add_boolean_value (b, settings->is_public);
    }

  if (settings != NULL && (settings->fields & SUPA_BUCKET_FIELD_FILE_SIZE_LIMIT))
    {
      json_builder_set_member_name (b, "file_size_limit");
      if (settings->file_size_limit == NULL || *settings->file_size_limit == '\0')
        json_builder_add_null_value (b);
      else
        {
          gint64 bytes = 0;

          if (!supa_storage_parse_size (settings->file_size_limit, &bytes, error))
            return FALSE;
          json_builder_add_int_value (b, bytes);
        }
    }

  if (settings != NULL && (settings->fields & SUPA_BUCKET_FIELD_ALLOWED_MIME_TYPES))
    {
      json_builder_set_member_name (b, "allowed_mime_types");
      if (settings->allowed_mime_types == NULL || settings->allowed_mime_types[0] == NULL)
        json_builder_add_null_value (b);
      else
        {
          json_builder_begin_array (b);
          for (guint i = 0; settings->allowed_mime_types[i] != NULL; i++)
            json_builder_add_string_value (b, settings->allowed_mime_types[i]);
          json_builder_end_array (b);
        }
    }

  json_builder_end_object (b);
  return TRUE;
}

static void
bucket_write_async (SupaStorage              *self,
                    const char               *method,
                    const char               *id,
                    const SupaBucketSettings *settings,
                    GCancellable             *cancellable,
                    GAsyncReadyCallback       callback,
                    gpointer                  user_data,
                    gpointer                  source_tag)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();
  g_autoptr(JsonNode) body = NULL;
  g_autoptr(SoupMessage) msg = NULL;
  g_autofree char *route = NULL;
  GError *error = NULL;
  GTask *task;

  task = storage_task (self, cancellable, callback, user_data, source_tag);
  if (!bucket_id_or_fail (task, id))
    {
      g_object_unref (task);
      return;
    }

  if (!bucket_body (b, id, settings, &error))
    {
      g_task_return_error (task, error);
      g_object_unref (task);
      return;
    }
  body = json_builder_get_root (b);

  if (g_str_equal (method, "POST"))
    route = g_strdup ("bucket");
  else
    {
      g_autofree char *escaped = g_uri_escape_string (id, NULL, FALSE);
      route = g_strconcat ("bucket/", escaped, NULL);
    }

  msg = storage_message (self, method, route, NULL, body);
  storage_send_json (self, msg, task, json_success_cb);
}

/**
 * supa_storage_create_bucket_async:
 *
 * Creates a bucket (`POST /bucket`).
 */
void
supa_storage_create_bucket_async (SupaStorage              *self,
                                  const char               *id,
                                  const SupaBucketSettings *settings,
                                  GCancellable             *cancellable,
                                  GAsyncReadyCallback       callback,
                                  gpointer                  user_data)
{
  g_return_if_fail (SUPA_IS_STORAGE (self));
  bucket_write_async (self, "POST", id, settings, cancellable, callback, user_data,
                      supa_storage_create_bucket_async);
}

gboolean
supa_storage_create_bucket_finish (SupaStorage   *self,
                                   GAsyncResult  *result,
                                   GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

/**
 * supa_storage_update_bucket_async:
 *
 * Changes the fields of @settings named in its `fields` (`PUT /bucket/{id}`).
 */
void
supa_storage_update_bucket_async (SupaStorage              *self,
                                  const char               *id,
                                  const SupaBucketSettings *settings,
                                  GCancellable             *cancellable,
                                  GAsyncReadyCallback       callback,
                                  gpointer                  user_data)
{
  g_return_if_fail (SUPA_IS_STORAGE (self));
  g_return_if_fail (settings != NULL);
  bucket_write_async (self, "PUT", id, settings, cancellable, callback, user_data,
                      supa_storage_update_bucket_async);
}

gboolean
supa_storage_update_bucket_finish (SupaStorage   *self,
                                   GAsyncResult  *result,
                                   GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
bucket_action_async (SupaStorage         *self,
                     const char          *method,
                     const char          *id,
                     const char          *suffix,
                     GCancellable        *cancellable,
                     GAsyncReadyCallback  callback,
                     gpointer             user_data,
                     gpointer             source_tag)
{
  g_autoptr(SoupMessage) msg = NULL;
  g_autoptr(JsonNode) body = NULL;
  g_autofree char *escaped = NULL;
  g_autofree char *route = NULL;
  GTask *task;

  task = storage_task (self, cancellable, callback, user_data, source_tag);
  if (!bucket_id_or_fail (task, id))
    {
      g_object_unref (task);
      return;
    }

  escaped = g_uri_escape_string (id, NULL, FALSE);
  route = g_strconcat ("bucket/", escaped, suffix, NULL);
  body = empty_object_node ();
  msg = storage_message (self, method, route, NULL, body);
  storage_send_json (self, msg, task, json_success_cb);
}

/**
 * supa_storage_empty_bucket_async:
 *
 * Removes every object of a bucket (`POST /bucket/{id}/empty`). Hosted
 * Storage may finish this in the background.
 */
void
supa_storage_empty_bucket_async (SupaStorage         *self,
                                 const char          *id,
                                 GCancellable        *cancellable,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data)
{
  g_return_if_fail (SUPA_IS_STORAGE (self));
  bucket_action_async (self, "POST", id, "/empty", cancellable, callback, user_data,
                       supa_storage_empty_bucket_async);
}

gboolean
supa_storage_empty_bucket_finish (SupaStorage   *self,
                                  GAsyncResult  *result,
                                  GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

/**
 * supa_storage_delete_bucket_async:
 *
 * Deletes an empty bucket (`DELETE /bucket/{id}`); a bucket that still
 * holds objects fails with %SUPA_ERROR_CONFLICT.
 */
void
supa_storage_delete_bucket_async (SupaStorage         *self,
                                  const char          *id,
                                  GCancellable        *cancellable,
                                  GAsyncReadyCallback  callback,
                                  gpointer             user_data)
{
  g_return_if_fail (SUPA_IS_STORAGE (self));
  bucket_action_async (self, "DELETE", id, "", cancellable, callback, user_data,
                       supa_storage_delete_bucket_async);
}

gboolean
supa_storage_delete_bucket_finish (SupaStorage   *self,
                                   GAsyncResult  *result,
                                   GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

/* ------------------------------------------------------------------ listing */

typedef struct
{
  char            *bucket;
  char            *prefix;
  char            *search;
  SupaSortColumn   sort_column;
  gboolean         descending;
  guint            limit;
  guint            offset;
  gboolean         all;
  GPtrArray       *items;    /* SupaObjectInfo */
} ListData;

static void
list_data_free (ListData *data)
{
  g_free (data->bucket);
  g_free (data->prefix);
  g_free (data->search);
  g_clear_pointer (&data->items, g_ptr_array_unref);
  g_free (data);
}

static const char *
sort_column_name (SupaSortColumn column)
{
  switch (column)
    {
    case SUPA_SORT_UPDATED_AT:       return "updated_at";
    case SUPA_SORT_CREATED_AT:       return "created_at";
    case SUPA_SORT_LAST_ACCESSED_AT: return "last_accessed_at";
    case SUPA_SORT_NAME:
    default:                         return "name";
    }
}

static void list_page_cb (GObject      *source,
                          GAsyncResult *result,
                          gpointer      user_data);

static void
list_send_page (GTask *task)
{
  SupaStorage *self = g_task_get_source_object (task);
  ListData *data = g_task_get_task_data (task);
  g_autoptr(JsonBuilder) b = json_builder_new ();
  g_autoptr(JsonNode) body = NULL;
  g_autoptr(SoupMessage) msg = NULL;
  g_autofree char *escaped = g_uri_escape_string (data->bucket, NULL, FALSE);
  g_autofree char *route = g_strconcat ("object/list/", escaped, NULL);

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "prefix");
  json_builder_add_string_value (b, data->prefix);
  json_builder_set_member_name (b, "limit");
  json_builder_add_int_value (b, data->limit);
  json_builder_set_member_name (b, "offset");
  json_builder_add_int_value (b, data->offset);
  json_builder_set_member_name (b, "sortBy");
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "column");
  json_builder_add_string_value (b, sort_column_name (data->sort_column));
  json_builder_set_member_name (b, "order");
  json_builder_add_string_value (b, data->descending ? "desc" : "asc");
  json_builder_end_object (b);
  if (data->search != NULL && *data->search != '\0')
    {
      json_builder_set_member_name (b, "search");
      json_builder_add_string_value (b, data->search);
    }
  json_builder_end_object (b);
  body = json_builder_get_root (b);

  msg = storage_message (self, "POST", route, NULL, body);
  storage_send_json (self, msg, task, list_page_cb);
}

static void
list_page_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(JsonNode) node = finish_json (source, result, task);
  ListData *data = g_task_get_task_data (task);
  JsonArray *array;
  guint n;

  if (node == NULL)
    return;
  if (!JSON_NODE_HOLDS_ARRAY (node))
    {
      g_task_return_error (task, protocol_error (_("a list of files")));
      return;
    }

  array = json_node_get_array (node);
  n = json_array_get_length (array);
  for (guint i = 0; i < n; i++)
    {
      JsonNode *element = json_array_get_element (array, i);
      SupaObjectInfo *info;

      if (!JSON_NODE_HOLDS_OBJECT (element))
        continue;
      info = object_info_new_from_listing (json_node_get_object (element));
      if (info == NULL)
        continue;
      /* Studio's marker that keeps an empty folder alive */
      if (g_str_equal (info->name, PLACEHOLDER_NAME))
        {
          g_object_unref (info);
          continue;
        }
      g_ptr_array_add (data->items, info);
    }

  /* A short page is the last one (the count includes hidden rows). */
  if (data->all && n >= data->limit && !g_task_return_error_if_cancelled (task))
    {
      data->offset += n;
      list_send_page (g_steal_pointer (&task));
      return;
    }

  if (data->all && n >= data->limit)
    return;  /* cancelled, already returned */

  g_task_return_pointer (task, g_steal_pointer (&data->items), (GDestroyNotify) g_ptr_array_unref);
}

static void
list_start (SupaStorage           *self,
            const char            *bucket,
            const char            *prefix,
            const SupaListOptions *options,
            gboolean               all,
            GCancellable          *cancellable,
            GAsyncReadyCallback    callback,
            gpointer               user_data,
            gpointer               source_tag)
{
  GTask *task;
  ListData *data;
  char *normalized = NULL;

  task = storage_task (self, cancellable, callback, user_data, source_tag);
  if (!bucket_id_or_fail (task, bucket) || !normalize_or_fail (task, prefix, TRUE, &normalized))
    {
      g_object_unref (task);
      return;
    }

  data = g_new0 (ListData, 1);
  data->bucket = g_strdup (bucket);
  data->prefix = normalized;
  data->all = all;
  data->items = g_ptr_array_new_with_free_func (g_object_unref);
  if (options != NULL)
    {
      data->search = g_strdup (options->search);
      data->sort_column = options->sort_column;
      data->descending = options->descending;
      data->limit = options->limit;
      data->offset = options->offset;
    }
  if (all)
    {
      data->limit = LIST_ALL_PAGE_SIZE;
      data->offset = 0;
    }
  else if (data->limit == 0)
    data->limit = DEFAULT_LIST_LIMIT;
  g_task_set_task_data (task, data, (GDestroyNotify) list_data_free);

  list_send_page (task);
}

/**
 * supa_storage_list_async:
 * @bucket: the bucket id
 * @prefix: (nullable): the folder to list, "" or %NULL for the root
 * @options: (nullable): search, sort and paging
 *
 * Lists one page of a folder (`POST /object/list/{bucket}`).
 */
void
supa_storage_list_async (SupaStorage           *self,
                         const char            *bucket,
                         const char            *prefix,
                         const SupaListOptions *options,
                         GCancellable          *cancellable,
                         GAsyncReadyCallback    callback,
                         gpointer               user_data)
{
  g_return_if_fail (SUPA_IS_STORAGE (self));
  list_start (self, bucket, prefix, options, FALSE, cancellable, callback, user_data,
              supa_storage_list_async);
}

void
supa_storage_list_all_async (SupaStorage           *self,
                             const char            *bucket,
                             const char            *prefix,
                             const SupaListOptions *options,
                             GCancellable          *cancellable,
                             GAsyncReadyCallback    callback,
                             gpointer               user_data)
{
  g_return_if_fail (SUPA_IS_STORAGE (self));
  list_start (self, bucket, prefix, options, TRUE, cancellable, callback, user_data,
              supa_storage_list_async);
}

/**
 * supa_storage_list_finish:
 *
 * Returns: (transfer full) (element-type SupaObjectInfo): folders and files
 */
GPtrArray *
supa_storage_list_finish (SupaStorage   *self,
                          GAsyncResult  *result,
                          GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* ------------------------------------------------------------- info/exists */

static void
info_cb (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(JsonNode) node = finish_json (source, result, task);
  SupaObjectInfo *info;

  if (node == NULL)
    return;

  info = JSON_NODE_HOLDS_OBJECT (node) ? object_info_new_from_info (json_node_get_object (node)) : NULL;
  if (info == NULL)
    g_task_return_error (task, protocol_error (_("the file’s details")));
  else
    g_task_return_pointer (task, info, g_object_unref);
}

/* Makes the "prefix/bucket/key" route, or fails @task. */
static char *
object_route_or_fail (GTask      *task,
                      const char *prefix,
                      const char *bucket,
                      const char *path)
{
  g_autofree char *normalized = NULL;
  g_autofree char *route = NULL;

  if (!bucket_id_or_fail (task, bucket) || !normalize_or_fail (task, path, FALSE, &normalized))
    return NULL;

  route = supa_storage_path_route (bucket, normalized);
  return g_strconcat (prefix, route, NULL);
}

/**
 * supa_storage_info_async:
 *
 * Reads one object's details (`GET /object/info/{bucket}/{path}`).
 */
void
supa_storage_info_async (SupaStorage         *self,
                         const char          *bucket,
                         const char          *path,
                         GCancellable        *cancellable,
                         GAsyncReadyCallback  callback,
                         gpointer             user_data)
{
  g_autoptr(SoupMessage) msg = NULL;
  g_autofree char *route = NULL;
  GTask *task;

  g_return_if_fail (SUPA_IS_STORAGE (self));

  task = storage_task (self, cancellable, callback, user_data, supa_storage_info_async);
  route = object_route_or_fail (task, "object/info/", bucket, path);
  if (route == NULL)
    {
      g_object_unref (task);
      return;
    }

  msg = storage_message (self, "GET", route, NULL, NULL);
  storage_send_json (self, msg, task, info_cb);
}

/**
 * supa_storage_info_finish:
 *
 * Returns: (transfer full): the object's details; its name is the full key
 */
SupaObjectInfo *
supa_storage_info_finish (SupaStorage   *self,
                          GAsyncResult  *result,
                          GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
exists_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GError) error = NULL;

  bytes = supa_client_send_finish (SUPA_CLIENT (source), result, &error);
  if (bytes != NULL)
    {
      g_task_return_boolean (task, TRUE);
      return;
    }

  /* HEAD has no body, so a missing object is a bare 400 (or 404). */
  if (g_error_matches (error, SUPA_ERROR, SUPA_ERROR_NOT_FOUND) ||
      supa_error_get_http_status (error) == 400 ||
      supa_error_get_http_status (error) == 404)
    {
      g_task_return_boolean (task, FALSE);
      return;
    }

  g_task_return_error (task, g_steal_pointer (&error));
}

/**
 * supa_storage_exists_async:
 *
 * Checks whether an object exists (`HEAD /object/{bucket}/{path}`).
 */
void
supa_storage_exists_async (SupaStorage         *self,
                           const char          *bucket,
                           const char          *path,
                           GCancellable        *cancellable,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  g_autoptr(SoupMessage) msg = NULL;
  g_autofree char *route = NULL;
  GTask *task;

  g_return_if_fail (SUPA_IS_STORAGE (self));

  task = storage_task (self, cancellable, callback, user_data, supa_storage_exists_async);
  route = object_route_or_fail (task, "object/", bucket, path);
  if (route == NULL)
    {
      g_object_unref (task);
      return;
    }

  msg = storage_message (self, "HEAD", route, NULL, NULL);
  supa_client_send_async (self->client, msg, SUPA_SERVICE_STORAGE, cancellable, exists_cb, task);
}

gboolean
supa_storage_exists_finish (SupaStorage   *self,
                            GAsyncResult  *result,
                            GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

/* ----------------------------------------------------------------- download */

typedef struct
{
  SoupMessage      *msg;
  GInputStream     *input;
  GOutputStream    *output;
  GFile            *file;
  GBytes           *chunk;
  GError           *range_error;
  SupaProgressFunc  progress;
  gpointer          progress_data;
  char             *route;
  gboolean          resume;
  goffset           start;
  goffset           position;
  goffset           total;
} DownloadData;

static void
download_data_free (DownloadData *data)
{
  g_clear_object (&data->msg);
  g_clear_object (&data->input);
  g_clear_object (&data->output);
  g_clear_object (&data->file);
  g_clear_pointer (&data->chunk, g_bytes_unref);
  g_clear_error (&data->range_error);
  g_free (data->route);
  g_free (data);
}

static void download_read_cb (GObject      *source,
                              GAsyncResult *result,
                              gpointer      user_data);

static void
download_finish_ok (GTask *task)
{
  DownloadData *data = g_task_get_task_data (task);

  if (data->total >= 0 && data->position != data->total)
    {
      g_task_return_new_error (task, SUPA_ERROR, SUPA_ERROR_NETWORK,
                               "%s", _("The download ended before the whole file arrived."));
      return;
    }
  g_task_return_int (task, data->position);
}

static void
download_read_next (GTask *task)
{
  DownloadData *data = g_task_get_task_data (task);

  g_input_stream_read_bytes_async (data->input, DOWNLOAD_CHUNK, G_PRIORITY_DEFAULT,
                                   g_task_get_cancellable (task), download_read_cb, task);
}

static void
download_write_cb (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  DownloadData *data = g_task_get_task_data (task);
  GError *error = NULL;
  gsize written = 0;

  if (!g_output_stream_write_all_finish (G_OUTPUT_STREAM (source), result, &written, &error))
    {
      g_task_return_error (task, error);
      return;
    }

  data->position += written;
  g_clear_pointer (&data->chunk, g_bytes_unref);
  if (data->progress != NULL)
    data->progress (data->position, data->total, data->progress_data);

  download_read_next (g_steal_pointer (&task));
}

static void
download_read_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GCancellable *cancellable = g_task_get_cancellable (task);
  DownloadData *data = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  GBytes *bytes;

  bytes = g_input_stream_read_bytes_finish (G_INPUT_STREAM (source), result, &error);
  if (bytes == NULL)
    {
      const char *host = g_uri_get_host (soup_message_get_uri (data->msg));
      g_task_return_error (task, supa_error_new_from_transport (error, host));
      return;
    }

  if (g_bytes_get_size (bytes) == 0)
    {
      g_bytes_unref (bytes);
      download_finish_ok (task);
      return;
    }

  data->chunk = bytes;
  g_output_stream_write_all_async (data->output,
                                   g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes),
                                   G_PRIORITY_DEFAULT, cancellable,
                                   download_write_cb, g_steal_pointer (&task));
}

static void
download_head_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  DownloadData *data = g_task_get_task_data (task);
  g_autoptr(GBytes) body = NULL;
  goffset length;

  body = supa_client_send_finish (SUPA_CLIENT (source), result, NULL);
  length = body ? soup_message_headers_get_content_length (soup_message_get_response_headers (data->msg)) : -1;

  if (length == data->start)
    {
      if (data->progress != NULL)
        data->progress (data->start, data->start, data->progress_data);
      g_task_return_int (task, data->start);
      return;
    }

  g_task_return_error (task, g_steal_pointer (&data->range_error));
}

static void
download_error_body_cb (GObject      *source,
                        GAsyncResult *result,
                        gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  DownloadData *data = g_task_get_task_data (task);
  g_autoptr(GBytes) body = g_input_stream_read_bytes_finish (G_INPUT_STREAM (source), result, NULL);
  SoupMessageHeaders *headers = soup_message_get_response_headers (data->msg);
  GError *error;

  error = supa_error_new_from_response (SUPA_SERVICE_STORAGE,
                                        soup_message_get_status (data->msg),
                                        soup_message_get_reason_phrase (data->msg),
                                        soup_message_headers_get_one (headers, "Retry-After"),
                                        soup_message_headers_get_one (headers, "x-sb-error-code"),
                                        body);

  /* A range past the end: complete if the object is exactly as long as
   * what we already have (Storage sends no Content-Range to tell). */
  if (soup_message_get_status (data->msg) == SOUP_STATUS_REQUESTED_RANGE_NOT_SATISFIABLE && data->start > 0)
    {
      SupaStorage *self = g_task_get_source_object (task);
      g_autoptr(SoupMessage) head = storage_message (self, "HEAD", data->route, NULL, NULL);
      GCancellable *cancellable = g_task_get_cancellable (task);

      data->range_error = error;
      supa_client_send_async (self->client, head, SUPA_SERVICE_STORAGE, cancellable,
                              download_head_cb, g_steal_pointer (&task));
      g_set_object (&data->msg, head);
      return;
    }

  g_task_return_error (task, error);
}

/* "bytes a-b/total" or "bytes * /total" (no space): the total, or -1. */
static goffset
content_range_total (SoupMessageHeaders *headers,
                     goffset            *range_start)
{
  const char *value = soup_message_headers_get_one (headers, "Content-Range");
  const char *slash;
  gint64 total;

  *range_start = -1;
  if (value == NULL || !g_str_has_prefix (value, "bytes "))
    return -1;
  if (g_ascii_isdigit (value[6]))
    *range_start = g_ascii_strtoll (value + 6, NULL, 10);
  slash = strchr (value, '/');
  if (slash == NULL || !g_ascii_string_to_signed (slash + 1, 10, 0, G_MAXINT64, &total, NULL))
    return -1;
  return total;
}

static void
download_sent_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GCancellable *cancellable = g_task_get_cancellable (task);
  DownloadData *data = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  SoupMessageHeaders *headers;
  goffset range_start = -1;
  guint status;

  data->input = soup_session_send_finish (SOUP_SESSION (source), result, &error);
  if (data->input == NULL)
    {
      g_task_return_error (task, supa_error_new_from_transport (error,
                                                                g_uri_get_host (soup_message_get_uri (data->msg))));
      return;
    }

  status = soup_message_get_status (data->msg);
  headers = soup_message_get_response_headers (data->msg);
  g_debug ("GET %s → %u", data->route, status);

  if (status == SOUP_STATUS_PARTIAL_CONTENT && data->start > 0)
    {
      data->total = content_range_total (headers, &range_start);
      if (range_start != data->start)
        {
          g_task_return_new_error (task, SUPA_ERROR, SUPA_ERROR_PROTOCOL,
                                   "%s", _("The server resumed the download at the wrong place."));
          return;
        }
    }
  else if (status == SOUP_STATUS_OK)
    {
      goffset length = soup_message_headers_get_content_length (headers);

      data->total = length > 0 || soup_message_headers_get_encoding (headers) == SOUP_ENCODING_CONTENT_LENGTH
                      ? length : -1;

      /* The server ignored the Range: start over if the output allows. */
      if (data->start > 0)
        {
          if (!G_IS_SEEKABLE (data->output) || !g_seekable_can_truncate (G_SEEKABLE (data->output)) ||
              !g_seekable_truncate (G_SEEKABLE (data->output), 0, NULL, &error) ||
              (g_seekable_can_seek (G_SEEKABLE (data->output)) &&
               !g_seekable_seek (G_SEEKABLE (data->output), 0, G_SEEK_SET, NULL, &error)))
            {
              g_task_return_new_error (task, SUPA_ERROR, SUPA_ERROR_PROTOCOL,
                                       "%s", _("The server cannot resume this download."));
              return;
            }
          data->start = data->position = 0;
        }
    }
  else if (status == SOUP_STATUS_REQUESTED_RANGE_NOT_SATISFIABLE && data->start > 0)
    {
      /* Nothing left to fetch when the file is already complete. */
      data->total = content_range_total (headers, &range_start);
      if (data->total == data->start)
        {
          g_task_return_int (task, data->total);
          return;
        }
      g_input_stream_read_bytes_async (data->input, ERROR_BODY_LIMIT, G_PRIORITY_DEFAULT,
                                       cancellable, download_error_body_cb,
                                       g_steal_pointer (&task));
      return;
    }
  else
    {
      g_input_stream_read_bytes_async (data->input, ERROR_BODY_LIMIT, G_PRIORITY_DEFAULT,
                                       cancellable, download_error_body_cb,
                                       g_steal_pointer (&task));
      return;
    }

  if (data->progress != NULL)
    data->progress (data->position, data->total, data->progress_data);

  download_read_next (g_steal_pointer (&task));
}

static void
download_send (GTask *task)
{
  SupaStorage *self = g_task_get_source_object (task);
  DownloadData *data = g_task_get_task_data (task);

  data->msg = storage_message (self, "GET", data->route, NULL, NULL);
  data->position = data->start;
  if (data->start > 0)
    soup_message_headers_set_range (soup_message_get_request_headers (data->msg), data->start, -1);

  soup_session_send_async (supa_client_get_session (self->client), data->msg, G_PRIORITY_DEFAULT,
                           g_task_get_cancellable (task), download_sent_cb, task);
}

static GTask *
download_task (SupaStorage         *self,
               const char          *bucket,
               const char          *path,
               SupaProgressFunc     progress,
               gpointer             progress_data,
               GCancellable        *cancellable,
               GAsyncReadyCallback  callback,
               gpointer             user_data)
{
  GTask *task;
  DownloadData *data;
  char *route;

  task = storage_task (self, cancellable, callback, user_data, supa_storage_download_async);
  route = object_route_or_fail (task, "object/", bucket, path);
  if (route == NULL)
    {
      g_object_unref (task);
      return NULL;
    }

  data = g_new0 (DownloadData, 1);
  data->route = route;
  data->total = -1;
  data->progress = progress;
  data->progress_data = progress_data;
  g_task_set_task_data (task, data, (GDestroyNotify) download_data_free);
  return task;
}

/**
 * supa_storage_download_async:
 *
 * Streams an object into @output (`GET /object/{bucket}/{path}`), holding
 * only one small chunk in memory at a time.
 */
void
supa_storage_download_async (SupaStorage         *self,
                             const char          *bucket,
                             const char          *path,
                             GOutputStream       *output,
                             goffset              start_offset,
                             SupaProgressFunc     progress,
                             gpointer             progress_data,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  GTask *task;
  DownloadData *data;

  g_return_if_fail (SUPA_IS_STORAGE (self));
  g_return_if_fail (G_IS_OUTPUT_STREAM (output));
  g_return_if_fail (start_offset >= 0);

  task = download_task (self, bucket, path, progress, progress_data, cancellable, callback, user_data);
  if (task == NULL)
    return;

  data = g_task_get_task_data (task);
  data->output = g_object_ref (output);
  data->start = start_offset;
  download_send (task);
}

static void
download_file_opened_cb (GObject      *source,
                         GAsyncResult *result,
                         gpointer      user_data);

static void
download_file_info_cb (GObject      *source,
                       GAsyncResult *result,
                       gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  DownloadData *data = g_task_get_task_data (task);
  g_autoptr(GFileInfo) info = NULL;
  GError *error = NULL;

  info = g_file_output_stream_query_info_finish (G_FILE_OUTPUT_STREAM (source), result, &error);
  if (info == NULL)
    {
      g_task_return_error (task, error);
      return;
    }

  /* What is already on disk is where the server should continue. */
  data->start = g_file_info_get_size (info);
  download_send (g_steal_pointer (&task));
}

static void
download_file_opened_cb (GObject      *source,
                         GAsyncResult *result,
                         gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GCancellable *cancellable = g_task_get_cancellable (task);
  DownloadData *data = g_task_get_task_data (task);
  GFileOutputStream *stream;
  GError *error = NULL;

  if (data->resume)
    stream = g_file_append_to_finish (G_FILE (source), result, &error);
  else
    stream = g_file_replace_finish (G_FILE (source), result, &error);

  if (stream == NULL)
    {
      g_task_return_error (task, error);
      return;
    }

  data->output = G_OUTPUT_STREAM (stream);

  if (data->resume)
    {
      g_file_output_stream_query_info_async (stream, G_FILE_ATTRIBUTE_STANDARD_SIZE, G_PRIORITY_DEFAULT,
                                             cancellable, download_file_info_cb,
                                             g_steal_pointer (&task));
      return;
    }

  download_send (g_steal_pointer (&task));
}

/**
 * supa_storage_download_to_file_async:
 *
 * Downloads an object into @file; with @resume an interrupted download
 * continues with a Range request after the bytes already in the file.
 */
void
supa_storage_download_to_file_async (SupaStorage         *self,
                                     const char          *bucket,
                                     const char          *path,
                                     GFile               *file,
                                     gboolean             resume,
                                     SupaProgressFunc     progress,
                                     gpointer             progress_data,
                                     GCancellable        *cancellable,
                                     GAsyncReadyCallback  callback,
                                     gpointer             user_data)
{
  GTask *task;
  DownloadData *data;

  g_return_if_fail (SUPA_IS_STORAGE (self));
  g_return_if_fail (G_IS_FILE (file));

  task = download_task (self, bucket, path, progress, progress_data, cancellable, callback, user_data);
  if (task == NULL)
    return;

  data = g_task_get_task_data (task);
  data->file = g_object_ref (file);
  data->resume = resume;

  if (resume)
    g_file_append_to_async (file, G_FILE_CREATE_NONE, G_PRIORITY_DEFAULT, cancellable,
                            download_file_opened_cb, task);
  else
    g_file_replace_async (file, NULL, FALSE, G_FILE_CREATE_NONE, G_PRIORITY_DEFAULT, cancellable,
                          download_file_opened_cb, task);
}

gboolean
supa_storage_download_finish (SupaStorage   *self,
                              GAsyncResult  *result,
                              goffset       *total_size,
                              GError       **error)
{
  GError *local_error = NULL;
  gssize total;

  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  total = g_task_propagate_int (G_TASK (result), &local_error);
  if (local_error != NULL)
    {
      g_propagate_error (error, local_error);
      return FALSE;
    }
  if (total_size != NULL)
    *total_size = total;
  return TRUE;
}

/* -------------------------------------------------------------- move / copy */

/* Finishes a retried request into @task; NULL when @task got the error. */
static JsonNode *
finish_request (GObject      *source,
                GAsyncResult *result,
                GTask        *task)
{
  GError *error = NULL;
  JsonNode *node = storage_request_json_finish (SUPA_STORAGE (source), result, &error);

  if (node == NULL)
    g_task_return_error (task, error);
  return node;
}

static void
move_cb (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(JsonNode) node = finish_request (source, result, task);

  if (node != NULL)
    g_task_return_boolean (task, TRUE);
}

static void
copy_cb (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(JsonNode) node = finish_request (source, result, task);
  const char *key;

  if (node == NULL)
    return;

  key = JSON_NODE_HOLDS_OBJECT (node) ? json_get_string (json_node_get_object (node), "Key") : NULL;
  if (key == NULL)
    g_task_return_error (task, protocol_error (_("the copied file’s name")));
  else
    g_task_return_pointer (task, g_strdup (key), g_free);
}

/* The body of /object/move and /object/copy, or NULL with @error for a
 * bucket or path the rules refuse. */
static JsonNode *
transfer_body (const char  *bucket,
               const char  *from_path,
               const char  *to_bucket,
               const char  *to_path,
               GError     **error)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();
  g_autofree char *from = NULL;
  g_autofree char *to = NULL;

  if (!bucket_id_check (bucket, error) ||
      (to_bucket != NULL && !bucket_id_check (to_bucket, error)))
    return NULL;
  from = supa_storage_path_normalize (from_path, FALSE, error);
  if (from == NULL)
    return NULL;
  to = supa_storage_path_normalize (to_path, FALSE, error);
  if (to == NULL)
    return NULL;

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "bucketId");
  json_builder_add_string_value (b, bucket);
  json_builder_set_member_name (b, "sourceKey");
  json_builder_add_string_value (b, from);
  json_builder_set_member_name (b, "destinationKey");
  json_builder_add_string_value (b, to);
  if (to_bucket != NULL)
    {
      json_builder_set_member_name (b, "destinationBucket");
      json_builder_add_string_value (b, to_bucket);
    }
  json_builder_end_object (b);
  return json_builder_get_root (b);
}

static void
transfer_async (SupaStorage         *self,
                const char          *route,
                const char          *bucket,
                const char          *from_path,
                const char          *to_bucket,
                const char          *to_path,
                gboolean             upsert,
                GCancellable        *cancellable,
                GAsyncReadyCallback  callback,
                gpointer             user_data,
                gpointer             source_tag,
                GAsyncReadyCallback  done)
{
  g_autoptr(JsonNode) body = NULL;
  GError *error = NULL;
  GTask *task;

  task = storage_task (self, cancellable, callback, user_data, source_tag);
  body = transfer_body (bucket, from_path, to_bucket, to_path, &error);
  if (body == NULL)
    {
      g_task_return_error (task, error);
      g_object_unref (task);
      return;
    }

  storage_request_json_async (self, "POST", route, body, upsert, cancellable, done, task);
}

/**
 * supa_storage_move_async:
 *
 * Renames or moves an object, possibly into another bucket
 * (`POST /object/move`). A rate limit or an overloaded server is retried
 * with the storage's retry policy.
 */
void
supa_storage_move_async (SupaStorage         *self,
                         const char          *bucket,
                         const char          *from_path,
                         const char          *to_bucket,
                         const char          *to_path,
                         GCancellable        *cancellable,
                         GAsyncReadyCallback  callback,
                         gpointer             user_data)
{
  g_return_if_fail (SUPA_IS_STORAGE (self));
  transfer_async (self, "object/move", bucket, from_path, to_bucket, to_path, FALSE, cancellable,
                  callback, user_data, supa_storage_move_async, move_cb);
}

gboolean
supa_storage_move_finish (SupaStorage   *self,
                          GAsyncResult  *result,
                          GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

/**
 * supa_storage_copy_async:
 *
 * Copies an object, possibly into another bucket (`POST /object/copy`).
 * Retried like supa_storage_move_async().
 */
void
supa_storage_copy_async (SupaStorage         *self,
                         const char          *bucket,
                         const char          *from_path,
                         const char          *to_bucket,
                         const char          *to_path,
                         GCancellable        *cancellable,
                         GAsyncReadyCallback  callback,
                         gpointer             user_data)
{
  g_return_if_fail (SUPA_IS_STORAGE (self));
  transfer_async (self, "object/copy", bucket, from_path, to_bucket, to_path, FALSE, cancellable,
                  callback, user_data, supa_storage_copy_async, copy_cb);
}

char *
supa_storage_copy_finish (SupaStorage   *self,
                          GAsyncResult  *result,
                          GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* ------------------------------------------------ many moves and copies */

void
supa_object_failure_free (SupaObjectFailure *failure)
{
  if (failure == NULL)
    return;
  g_free (failure->from_key);
  g_free (failure->to_key);
  g_clear_error (&failure->error);
  g_free (failure);
}

typedef struct
{
  const char            *route;
  char                  *bucket;
  char                  *to_bucket;
  GStrv                  from;
  GStrv                  to;
  guint                  n_keys;
  guint                  index;
  gboolean               upsert;
  SupaManyProgressFunc   progress;
  gpointer               progress_data;
  GPtrArray             *failures;    /* SupaObjectFailure* */
} ManyData;

static void
many_data_free (ManyData *data)
{
  g_free (data->bucket);
  g_free (data->to_bucket);
  g_strfreev (data->from);
  g_strfreev (data->to);
  g_clear_pointer (&data->failures, g_ptr_array_unref);
  g_free (data);
}

static void many_next (GTask *task);

static void
many_item_done (GTask  *task,
                GError *error)
{
  ManyData *data = g_task_get_task_data (task);
  guint i = data->index;

  if (error != NULL)
    {
      SupaObjectFailure *failure = g_new0 (SupaObjectFailure, 1);

      failure->from_key = g_strdup (data->from[i]);
      failure->to_key = g_strdup (data->to[i]);
      failure->error = error;
      g_ptr_array_add (data->failures, failure);
    }

  data->index++;
  if (data->progress != NULL)
    data->progress (data->index, data->n_keys, data->from[i], error, data->progress_data);
}

static void
many_sent_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(JsonNode) node = NULL;
  GError *error = NULL;

  node = storage_request_json_finish (SUPA_STORAGE (source), result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_task_return_error (task, error);
      return;
    }

  many_item_done (task, error);
  many_next (g_steal_pointer (&task));
}

static void
many_next (GTask *task)
{
  SupaStorage *self = g_task_get_source_object (task);
  ManyData *data = g_task_get_task_data (task);

  while (data->index < data->n_keys)
    {
      g_autoptr(JsonNode) body = NULL;
      GError *error = NULL;

      if (g_task_return_error_if_cancelled (task))
        {
          g_object_unref (task);
          return;
        }

      body = transfer_body (data->bucket, data->from[data->index], data->to_bucket,
                            data->to[data->index], &error);
      if (body == NULL)
        {
          many_item_done (task, error);
          continue;
        }

      storage_request_json_async (self, "POST", data->route, body, data->upsert,
                                  g_task_get_cancellable (task), many_sent_cb, task);
      return;
    }

  g_task_return_pointer (task, g_steal_pointer (&data->failures), (GDestroyNotify) g_ptr_array_unref);
  g_object_unref (task);
}

static void
many_async (SupaStorage          *self,
            const char           *route,
            const char           *bucket,
            const char * const   *from_keys,
            const char           *to_bucket,
            const char * const   *to_keys,
            gboolean              upsert,
            SupaManyProgressFunc  progress,
            gpointer              progress_data,
            GCancellable         *cancellable,
            GAsyncReadyCallback   callback,
            gpointer              user_data,
            gpointer              source_tag)
{
  GTask *task = storage_task (self, cancellable, callback, user_data, source_tag);
  ManyData *data = g_new0 (ManyData, 1);

  data->route = route;
  data->bucket = g_strdup (bucket);
  data->to_bucket = g_strdup (to_bucket);
  data->from = g_strdupv ((char **) from_keys);
  data->to = g_strdupv ((char **) to_keys);
  data->n_keys = g_strv_length (data->from);
  data->upsert = upsert;
  data->progress = progress;
  data->progress_data = progress_data;
  data->failures = g_ptr_array_new_with_free_func ((GDestroyNotify) supa_object_failure_free);
  g_task_set_task_data (task, data, (GDestroyNotify) many_data_free);

  if (g_strv_length (data->to) != data->n_keys)
    {
      g_task_return_new_error (task, SUPA_ERROR, SUPA_ERROR_INVALID_INPUT, "%s",
                               _("Each file needs one destination."));
      g_object_unref (task);
      return;
    }

  many_next (task);
}

/**
 * supa_storage_move_many_async:
 * @from_keys: the keys to move
 * @to_bucket: (nullable): the destination bucket, NULL for @bucket
 * @to_keys: the new key of each, in the same order
 * @progress: (nullable) (scope call): told of each finished key
 *
 * Moves objects one after the other. Each is retried on its own with the
 * retry policy when the server is rate limiting or overloaded; a key that
 * still fails does not stop the others. Finish with
 * supa_storage_many_finish().
 */
void
supa_storage_move_many_async (SupaStorage          *self,
                              const char           *bucket,
                              const char * const   *from_keys,
                              const char           *to_bucket,
                              const char * const   *to_keys,
                              SupaManyProgressFunc  progress,
                              gpointer              progress_data,
                              GCancellable         *cancellable,
                              GAsyncReadyCallback   callback,
                              gpointer              user_data)
{
  g_return_if_fail (SUPA_IS_STORAGE (self));
  g_return_if_fail (from_keys != NULL && to_keys != NULL);

  many_async (self, "object/move", bucket, from_keys, to_bucket, to_keys, FALSE, progress, progress_data,
              cancellable, callback, user_data, supa_storage_move_many_async);
}

/**
 * supa_storage_copy_many_async:
 * @upsert: replace objects that exist at the destination
 *
 * Copies objects like supa_storage_move_many_async() moves them.
 */
void
supa_storage_copy_many_async (SupaStorage          *self,
                              const char           *bucket,
                              const char * const   *from_keys,
                              const char           *to_bucket,
                              const char * const   *to_keys,
                              gboolean              upsert,
                              SupaManyProgressFunc  progress,
                              gpointer              progress_data,
                              GCancellable         *cancellable,
                              GAsyncReadyCallback   callback,
                              gpointer              user_data)
{
  g_return_if_fail (SUPA_IS_STORAGE (self));
  g_return_if_fail (from_keys != NULL && to_keys != NULL);

  many_async (self, "object/copy", bucket, from_keys, to_bucket, to_keys, upsert, progress, progress_data,
              cancellable, callback, user_data, supa_storage_copy_many_async);
}

/**
 * supa_storage_many_finish:
 *
 * Returns: (transfer full) (element-type SupaObjectFailure): the keys that
 *   could not be moved or copied with the server's reason (empty when all
 *   went through), or NULL with an error when the whole operation was
 *   cancelled or refused
 */
GPtrArray *
supa_storage_many_finish (SupaStorage   *self,
                          GAsyncResult  *result,
                          GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* ------------------------------------------------------------ retry policy */

/**
 * supa_storage_error_is_transient:
 *
 * Returns: whether sending the same request again later may succeed: a
 *   rate limit (429), a gateway or overload status (502, 503, 504) or a
 *   failed connection
 */
gboolean
supa_storage_error_is_transient (const GError *error)
{
  guint status;

  if (error == NULL || error->domain != SUPA_ERROR)
    return FALSE;
  if (error->code == SUPA_ERROR_RATE_LIMITED || error->code == SUPA_ERROR_NETWORK)
    return TRUE;

  status = supa_error_get_http_status (error);
  if (status == 502 || status == 503 || status == 504)
    return TRUE;
  status = supa_error_get_logical_status (error);
  return status == 429 || status == 503;
}

/**
 * supa_storage_retry_delay:
 * @attempt: attempts made so far (1 after the first failure)
 *
 * Returns: how long to wait (ms) before the next attempt: the server's
 *   Retry-After when it sent one, else the base delay doubled per attempt;
 *   never more than the policy's maximum
 */
guint
supa_storage_retry_delay (SupaStorage  *self,
                          guint         attempt,
                          const GError *error)
{
  double retry_after;
  guint64 delay;

  g_return_val_if_fail (SUPA_IS_STORAGE (self), 0);

  retry_after = error != NULL ? supa_error_get_retry_after (error) : 0;
  if (retry_after > 0)
    delay = (guint64) (retry_after * 1000.0);
  else
    delay = (guint64) self->retry_base_ms << MIN (attempt > 0 ? attempt - 1 : 0, 20u);

  return (guint) MIN (delay, (guint64) self->retry_max_ms);
}

/**
 * supa_storage_set_retry_policy:
 * @max_attempts: attempts per request, including the first (1 = no retry)
 * @base_delay_ms: the first pause when the server gives no Retry-After
 * @max_delay_ms: the longest pause, Retry-After included
 *
 * Sets how moves, copies and removals are retried (default 5 attempts,
 * 500 ms doubling, at most 30 s).
 */
void
supa_storage_set_retry_policy (SupaStorage *self,
                               guint        max_attempts,
                               guint        base_delay_ms,
                               guint        max_delay_ms)
{
  g_return_if_fail (SUPA_IS_STORAGE (self));

  self->retry_attempts = MAX (max_attempts, 1);
  self->retry_base_ms = base_delay_ms;
  self->retry_max_ms = max_delay_ms;
}

/* ------------------------------------------------------------------- remove */

typedef struct
{
  char                *route;
  GStrv                paths;
  guint                n_paths;
  guint                batch_size;
  guint                next;        /* index of the next batch's first path */
  guint                batch;
  SupaRemoveBatchFunc  batch_func;
  gpointer             batch_data;
  GPtrArray           *removed;     /* char* */
  GError              *first_error;
} RemoveData;

static void
remove_data_free (RemoveData *data)
{
  g_free (data->route);
  g_strfreev (data->paths);
  g_clear_pointer (&data->removed, g_ptr_array_unref);
  g_clear_error (&data->first_error);
  g_free (data);
}

static void remove_batch_cb (GObject      *source,
                             GAsyncResult *result,
                             gpointer      user_data);

static void
remove_next_batch (GTask *task)
{
  SupaStorage *self = g_task_get_source_object (task);
  RemoveData *data = g_task_get_task_data (task);
  g_autoptr(JsonBuilder) b = json_builder_new ();
  g_autoptr(JsonNode) body = NULL;
  guint end = MIN (data->next + data->batch_size, data->n_paths);

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "prefixes");
  json_builder_begin_array (b);
  for (guint i = data->next; i < end; i++)
    json_builder_add_string_value (b, data->paths[i]);
  json_builder_end_array (b);
  json_builder_end_object (b);
  body = json_builder_get_root (b);

  storage_request_json_async (self, "DELETE", data->route, body, FALSE,
                              g_task_get_cancellable (task), remove_batch_cb, task);
}

static void
remove_batch_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  RemoveData *data = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(GStrvBuilder) removed = g_strv_builder_new ();
  g_auto(GStrv) removed_strv = NULL;
  g_auto(GStrv) requested = NULL;
  guint end = MIN (data->next + data->batch_size, data->n_paths);

  node = storage_request_json_finish (SUPA_STORAGE (source), result, &error);
  if (node != NULL && !JSON_NODE_HOLDS_ARRAY (node))
    error = protocol_error (_("the list of removed files"));

  if (error == NULL)
    {
      JsonArray *array = json_node_get_array (node);

      for (guint i = 0; i < json_array_get_length (array); i++)
        {
          JsonNode *element = json_array_get_element (array, i);
          const char *name = JSON_NODE_HOLDS_OBJECT (element)
                               ? json_get_string (json_node_get_object (element), "name") : NULL;
          if (name != NULL)
            {
              g_strv_builder_add (removed, name);
              g_ptr_array_add (data->removed, g_strdup (name));
            }
        }
    }

  removed_strv = g_strv_builder_end (removed);
  requested = g_new0 (char *, end - data->next + 1);
  for (guint i = data->next; i < end; i++)
    requested[i - data->next] = g_strdup (data->paths[i]);

  if (data->batch_func != NULL)
    data->batch_func (data->batch, (const char * const *) requested,
                      (const char * const *) removed_strv, error, data->batch_data);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  if (error != NULL && data->first_error == NULL)
    data->first_error = g_steal_pointer (&error);

  data->batch++;
  data->next = end;

  if (data->next < data->n_paths)
    {
      if (!g_task_return_error_if_cancelled (task))
        remove_next_batch (g_steal_pointer (&task));
      return;
    }

  if (data->first_error != NULL)
    g_task_return_error (task, g_steal_pointer (&data->first_error));
  else
    g_task_return_pointer (task, g_steal_pointer (&data->removed), (GDestroyNotify) g_ptr_array_unref);
}

/**
 * supa_storage_remove_async:
 * @paths: the keys to delete
 * @batch_size: keys per request, 0 for 100
 * @batch_func: (nullable) (scope call): told the outcome of each batch
 *
 * Deletes objects (`DELETE /object/{bucket}` with `prefixes`), a batch at
 * a time so a large selection does not hit the server's limit.
 */
void
supa_storage_remove_async (SupaStorage         *self,
                           const char          *bucket,
                           const char * const  *paths,
                           guint                batch_size,
                           SupaRemoveBatchFunc  batch_func,
                           gpointer             batch_data,
                           GCancellable        *cancellable,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_autofree char *escaped = NULL;
  RemoveData *data;
  GTask *task;

  g_return_if_fail (SUPA_IS_STORAGE (self));
  g_return_if_fail (paths != NULL);

  task = storage_task (self, cancellable, callback, user_data, supa_storage_remove_async);
  if (!bucket_id_or_fail (task, bucket))
    {
      g_object_unref (task);
      return;
    }

  for (guint i = 0; paths[i] != NULL; i++)
    {
      g_autofree char *normalized = NULL;

      if (!normalize_or_fail (task, paths[i], FALSE, &normalized))
        {
          g_object_unref (task);
          return;
        }
      g_strv_builder_add (builder, normalized);
    }

  data = g_new0 (RemoveData, 1);
  escaped = g_uri_escape_string (bucket, NULL, FALSE);
  data->route = g_strconcat ("object/", escaped, NULL);
  data->paths = g_strv_builder_end (builder);
  data->n_paths = g_strv_length (data->paths);
  data->batch_size = batch_size ? batch_size : DEFAULT_REMOVE_BATCH;
  data->batch_func = batch_func;
  data->batch_data = batch_data;
  data->removed = g_ptr_array_new_with_free_func (g_free);
  g_task_set_task_data (task, data, (GDestroyNotify) remove_data_free);

  if (data->n_paths == 0)
    {
      g_task_return_pointer (task, g_steal_pointer (&data->removed), (GDestroyNotify) g_ptr_array_unref);
      g_object_unref (task);
      return;
    }

  remove_next_batch (task);
}

/**
 * supa_storage_remove_finish:
 *
 * Returns: (transfer full) (element-type utf8): the keys that were deleted
 */
GPtrArray *
supa_storage_remove_finish (SupaStorage   *self,
                            GAsyncResult  *result,
                            GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* -------------------------------------------------------------- signed URLs */

typedef struct
{
  char *download;
} SignData;

static void
sign_data_free (SignData *data)
{
  g_free (data->download);
  g_free (data);
}

static void
signed_url_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(JsonNode) node = finish_json (source, result, task);
  SupaStorage *self = g_task_get_source_object (task);
  SignData *data = g_task_get_task_data (task);
  const char *relative;

  if (node == NULL)
    return;

  relative = JSON_NODE_HOLDS_OBJECT (node) ? json_get_string (json_node_get_object (node), "signedURL") : NULL;
  if (relative == NULL)
    g_task_return_error (task, protocol_error (_("a signed link")));
  else
    g_task_return_pointer (task, absolute_signed_url (self, relative, data->download), g_free);
}

/**
 * supa_storage_create_signed_url_async:
 * @expires_in: seconds the link stays valid (at least 1)
 *
 * Makes a link that lets anyone fetch the object until it expires
 * (`POST /object/sign/{bucket}/{path}`).
 */
void
supa_storage_create_signed_url_async (SupaStorage                *self,
                                      const char                 *bucket,
                                      const char                 *path,
                                      guint                       expires_in,
                                      const char                 *download,
                                      const SupaTransformOptions *transform,
                                      GCancellable               *cancellable,
                                      GAsyncReadyCallback         callback,
                                      gpointer                    user_data)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();
  g_autoptr(JsonNode) body = NULL;
  g_autoptr(SoupMessage) msg = NULL;
  g_autofree char *route = NULL;
  SignData *data;
  GTask *task;

  g_return_if_fail (SUPA_IS_STORAGE (self));

  task = storage_task (self, cancellable, callback, user_data, supa_storage_create_signed_url_async);
  route = object_route_or_fail (task, "object/sign/", bucket, path);
  if (route == NULL)
    {
      g_object_unref (task);
      return;
    }

  data = g_new0 (SignData, 1);
  data->download = g_strdup (download);
  g_task_set_task_data (task, data, (GDestroyNotify) sign_data_free);

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "expiresIn");
  json_builder_add_int_value (b, MAX (expires_in, 1));
  if (transform_is_set (transform))
    {
      json_builder_set_member_name (b, "transform");
      transform_to_json (transform, b);
    }
  json_builder_end_object (b);
  body = json_builder_get_root (b);

  msg = storage_message (self, "POST", route, NULL, body);
  storage_send_json (self, msg, task, signed_url_cb);
}

/**
 * supa_storage_create_signed_url_finish:
 *
 * Returns: (transfer full): the absolute signed URL
 */
char *
supa_storage_create_signed_url_finish (SupaStorage   *self,
                                       GAsyncResult  *result,
                                       GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
signed_urls_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(JsonNode) node = finish_json (source, result, task);
  SupaStorage *self = g_task_get_source_object (task);
  SignData *data = g_task_get_task_data (task);
  g_autoptr(GPtrArray) entries = NULL;
  JsonArray *array;

  if (node == NULL)
    return;
  if (!JSON_NODE_HOLDS_ARRAY (node))
    {
      g_task_return_error (task, protocol_error (_("a list of signed links")));
      return;
    }

  array = json_node_get_array (node);
  entries = g_ptr_array_new_with_free_func ((GDestroyNotify) supa_signed_url_free);
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonNode *element = json_array_get_element (array, i);
      JsonObject *obj = JSON_NODE_HOLDS_OBJECT (element) ? json_node_get_object (element) : NULL;
      SupaSignedUrl *entry;

      if (obj == NULL)
        continue;
      entry = g_new0 (SupaSignedUrl, 1);
      entry->path = g_strdup (json_get_string (obj, "path"));
      entry->error = g_strdup (json_get_string (obj, "error"));
      entry->signed_url = absolute_signed_url (self, json_get_string (obj, "signedURL"), data->download);
      if (entry->signed_url == NULL && entry->error == NULL)
        entry->error = g_strdup (_("No link was made for this file."));
      g_ptr_array_add (entries, entry);
    }

  g_task_return_pointer (task, g_steal_pointer (&entries), (GDestroyNotify) g_ptr_array_unref);
}

/**
 * supa_storage_create_signed_urls_async:
 *
 * Signs several objects in one request (`POST /object/sign/{bucket}`); a
 * missing object gets an entry with an error instead of failing the batch.
 */
void
supa_storage_create_signed_urls_async (SupaStorage         *self,
                                       const char          *bucket,
                                       const char * const  *paths,
                                       guint                expires_in,
                                       const char          *download,
                                       GCancellable        *cancellable,
                                       GAsyncReadyCallback  callback,
                                       gpointer             user_data)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();
  g_autoptr(JsonNode) body = NULL;
  g_autoptr(SoupMessage) msg = NULL;
  g_autofree char *escaped = NULL;
  g_autofree char *route = NULL;
  SignData *data;
  GTask *task;

  g_return_if_fail (SUPA_IS_STORAGE (self));
  g_return_if_fail (paths != NULL);

  task = storage_task (self, cancellable, callback, user_data, supa_storage_create_signed_urls_async);
  if (!bucket_id_or_fail (task, bucket))
    {
      g_object_unref (task);
      return;
    }

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "expiresIn");
  json_builder_add_int_value (b, MAX (expires_in, 1));
  json_builder_set_member_name (b, "paths");
  json_builder_begin_array (b);
  for (guint i = 0; paths[i] != NULL; i++)
    {
      g_autofree char *normalized = NULL;

      if (!normalize_or_fail (task, paths[i], FALSE, &normalized))
        {
          g_object_unref (task);
          return;
        }
      json_builder_add_string_value (b, normalized);
    }
  json_builder_end_array (b);
  json_builder_end_object (b);
  body = json_builder_get_root (b);

  data = g_new0 (SignData, 1);
  data->download = g_strdup (download);
  g_task_set_task_data (task, data, (GDestroyNotify) sign_data_free);

  escaped = g_uri_escape_string (bucket, NULL, FALSE);
  route = g_strconcat ("object/sign/", escaped, NULL);
  msg = storage_message (self, "POST", route, NULL, body);
  storage_send_json (self, msg, task, signed_urls_cb);
}

/**
 * supa_storage_create_signed_urls_finish:
 *
 * Returns: (transfer full) (element-type SupaSignedUrl): one entry per path
 */
GPtrArray *
supa_storage_create_signed_urls_finish (SupaStorage   *self,
                                        GAsyncResult  *result,
                                        GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
signed_upload_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(JsonNode) node = finish_json (source, result, task);
  SupaStorage *self = g_task_get_source_object (task);
  JsonObject *obj;
  SupaSignedUpload *upload;
  const char *url;

  if (node == NULL)
    return;

  obj = JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
  url = json_get_string (obj, "url");
  if (url == NULL)
    {
      g_task_return_error (task, protocol_error (_("an upload link")));
      return;
    }

  upload = g_new0 (SupaSignedUpload, 1);
  upload->signed_url = absolute_signed_url (self, url, NULL);
  upload->token = g_strdup (json_get_string (obj, "token"));
  upload->path = g_strdup (g_task_get_task_data (task));
  g_task_return_pointer (task, upload, (GDestroyNotify) supa_signed_upload_free);
}

/**
 * supa_storage_create_signed_upload_url_async:
 *
 * Makes a link that lets its holder upload one object without a key
 * (`POST /object/upload/sign/{bucket}/{path}`).
 */
void
supa_storage_create_signed_upload_url_async (SupaStorage         *self,
                                             const char          *bucket,
                                             const char          *path,
                                             gboolean             upsert,
                                             GCancellable        *cancellable,
                                             GAsyncReadyCallback  callback,
                                             gpointer             user_data)
{
  g_autoptr(SoupMessage) msg = NULL;
  g_autoptr(JsonNode) body = NULL;
  g_autofree char *route = NULL;
  g_autofree char *normalized = NULL;
  GTask *task;

  g_return_if_fail (SUPA_IS_STORAGE (self));

  task = storage_task (self, cancellable, callback, user_data, supa_storage_create_signed_upload_url_async);
  route = object_route_or_fail (task, "object/upload/sign/", bucket, path);
  if (route == NULL)
    {
      g_object_unref (task);
      return;
    }
  normalized = supa_storage_path_normalize (path, FALSE, NULL);
  g_task_set_task_data (task, g_steal_pointer (&normalized), g_free);

  body = empty_object_node ();
  msg = storage_message (self, "POST", route, NULL, body);
  if (upsert)
    soup_message_headers_replace (soup_message_get_request_headers (msg), "x-upsert", "true");
  storage_send_json (self, msg, task, signed_upload_cb);
}

/**
 * supa_storage_create_signed_upload_url_finish:
 *
 * Returns: (transfer full): the link, its token and the normalised path
 */
SupaSignedUpload *
supa_storage_create_signed_upload_url_finish (SupaStorage   *self,
                                              GAsyncResult  *result,
                                              GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
upload_signed_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(JsonNode) node = finish_json (source, result, task);
  const char *key;

  if (node == NULL)
    return;

  key = JSON_NODE_HOLDS_OBJECT (node) ? json_get_string (json_node_get_object (node), "Key") : NULL;
  if (key == NULL)
    g_task_return_error (task, protocol_error (_("the uploaded file’s name")));
  else
    g_task_return_pointer (task, g_strdup (key), g_free);
}

/**
 * supa_storage_upload_to_signed_url_async:
 *
 * Streams @input to a link made by
 * supa_storage_create_signed_upload_url_async() (`PUT`, no key needed).
 */
void
supa_storage_upload_to_signed_url_async (SupaStorage         *self,
                                         const char          *signed_url,
                                         GInputStream        *input,
                                         goffset              length,
                                         const char          *content_type,
                                         guint                cache_control_seconds,
                                         GCancellable        *cancellable,
                                         GAsyncReadyCallback  callback,
                                         gpointer             user_data)
{
  g_autoptr(SoupMessage) msg = NULL;
  g_autoptr(GUri) uri = NULL;
  GTask *task;

  g_return_if_fail (SUPA_IS_STORAGE (self));
  g_return_if_fail (signed_url != NULL);
  g_return_if_fail (G_IS_INPUT_STREAM (input));
  g_return_if_fail (length >= 0);

  task = storage_task (self, cancellable, callback, user_data, supa_storage_upload_to_signed_url_async);

  uri = g_uri_parse (signed_url, SOUP_HTTP_URI_FLAGS, NULL);
  if (uri == NULL)
    {
      g_task_return_new_error (task, SUPA_ERROR, SUPA_ERROR_INVALID_INPUT,
                               "%s", _("The upload link is not a valid address."));
      g_object_unref (task);
      return;
    }

  msg = soup_message_new_from_uri ("PUT", uri);
  /* The token in the link is the authorisation; the key still identifies
   * the project to the gateway. */
  supa_client_apply_headers (self->client, msg, SUPA_SERVICE_STORAGE);
  if (cache_control_seconds > 0)
    {
      g_autofree char *value = g_strdup_printf ("max-age=%u", cache_control_seconds);
      soup_message_headers_replace (soup_message_get_request_headers (msg), "cache-control", value);
    }
  soup_message_set_request_body (msg, content_type ? content_type : "application/octet-stream",
                                 input, length);
  storage_send_json (self, msg, task, upload_signed_cb);
}

/**
 * supa_storage_upload_to_signed_url_finish:
 *
 * Returns: (transfer full): the stored object's "bucket/key"
 */
char *
supa_storage_upload_to_signed_url_finish (SupaStorage   *self,
                                          GAsyncResult  *result,
                                          GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* --------------------------------------------------------------- public URL */

/**
 * supa_storage_get_public_url:
 * @download: (nullable): %NULL to show inline, "" to download, or the
 *   file name to save as
 * @transform: (nullable): image transformation
 *
 * Builds the address of an object in a public bucket; no request is made.
 *
 * Returns: (transfer full) (nullable): the URL, %NULL for an invalid path
 */
char *
supa_storage_get_public_url (SupaStorage                *self,
                             const char                 *bucket,
                             const char                 *path,
                             const char                 *download,
                             const SupaTransformOptions *transform)
{
  g_autofree char *normalized = NULL;
  g_autofree char *route = NULL;
  g_autofree char *base = NULL;
  g_autoptr(GString) query = g_string_new (NULL);
  gboolean render;

  g_return_val_if_fail (SUPA_IS_STORAGE (self), NULL);
  g_return_val_if_fail (bucket != NULL, NULL);

  normalized = supa_storage_path_normalize (path, FALSE, NULL);
  if (normalized == NULL)
    return NULL;

  route = supa_storage_path_route (bucket, normalized);
  base = storage_base_url (self);
  render = transform_is_set (transform);

  if (download != NULL)
    {
      if (*download == '\0')
        g_string_append (query, "download=");
      else
        {
          g_autofree char *escaped = g_uri_escape_string (download, NULL, FALSE);
          g_string_append_printf (query, "download=%s", escaped);
        }
    }
  if (render)
    transform_to_query (transform, query);

  return g_strconcat (base, render ? "/render/image/public/" : "/object/public/", route,
                      query->len ? "?" : "", query->str, NULL);
}
