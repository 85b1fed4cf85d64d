/* supa-transfer-queue.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The storage transfer queue. Transfers run in list order, at most
 * "concurrency" at a time. Pausing or cancelling a running transfer
 * cancels its request; what survives is what the server (TUS upload
 * offset) or the disk (the download's "<dest>.part") holds, so resuming
 * continues from there, in this run or after a restart.
 *
 * The state file is rewritten atomically (0600) on every state change. It
 * holds only what is needed to resume: never a key or a token. The TUS
 * upload URL is an opaque id of the upload (base64 of bucket/key/version),
 * and one with a query string is not saved at all, in case a server put a
 * signature there.
 */

#define G_LOG_DOMAIN "Supadesk"

#include "config.h"

#include "supa-transfer-queue.h"

#include "supa-error.h"
#include "supa-upload.h"

#include <errno.h>
#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>
#include <string.h>

#define STATE_VERSION        1
#define DEFAULT_CONCURRENCY  4
#define MAX_CONCURRENCY      16
/* Speed is a moving average with this time constant (seconds)… */
#define SPEED_WINDOW_S       2.0
/* …fed with samples at least this far apart (µs). */
#define SPEED_SAMPLE_US      (200 * 1000)

/* ------------------------------------------------------------ SupaTransfer */

struct _SupaTransfer
{
  GObject             parent_instance;

  char               *id;
  SupaTransferKind    kind;
  SupaTransferState   state;
  char               *bucket;
  char               *path;
  GFile              *local_file;
  char               *content_type;
  gboolean            upsert;
  char               *upload_url;

  gint64              bytes_done;
  gint64              bytes_total;
  double              speed;
  gint64              eta;
  GError             *error;

  /* while running */
  SupaTransferQueue  *queue;          /* unowned; NULL once the queue is gone */
  GCancellable       *cancellable;
  SupaUpload         *upload;
  SupaTransferState   stop_state;     /* PAUSED/CANCELLED when asked to stop */
  gboolean            restarted;      /* a dead TUS upload was started over */
  gint64              sample_time;
  gint64              sample_bytes;
  gboolean            have_speed;
};

G_DEFINE_FINAL_TYPE (SupaTransfer, supa_transfer, G_TYPE_OBJECT)

G_DEFINE_ENUM_TYPE (SupaTransferKind, supa_transfer_kind,
                    G_DEFINE_ENUM_VALUE (SUPA_TRANSFER_UPLOAD, "upload"),
                    G_DEFINE_ENUM_VALUE (SUPA_TRANSFER_DOWNLOAD, "download"))

G_DEFINE_ENUM_TYPE (SupaTransferState, supa_transfer_state,
                    G_DEFINE_ENUM_VALUE (SUPA_TRANSFER_QUEUED, "queued"),
                    G_DEFINE_ENUM_VALUE (SUPA_TRANSFER_RUNNING, "running"),
                    G_DEFINE_ENUM_VALUE (SUPA_TRANSFER_PAUSED, "paused"),
                    G_DEFINE_ENUM_VALUE (SUPA_TRANSFER_DONE, "done"),
                    G_DEFINE_ENUM_VALUE (SUPA_TRANSFER_FAILED, "failed"),
                    G_DEFINE_ENUM_VALUE (SUPA_TRANSFER_CANCELLED, "cancelled"))

enum {
  T_PROP_0,
  T_PROP_ID,
  T_PROP_KIND,
  T_PROP_STATE,
  T_PROP_BUCKET,
  T_PROP_PATH,
  T_PROP_LOCAL_FILE,
  T_PROP_BYTES_DONE,
  T_PROP_BYTES_TOTAL,
  T_PROP_SPEED,
  T_PROP_ETA,
  T_PROP_ERROR,
  T_PROP_CONTENT_TYPE,
  T_PROP_UPSERT,
  T_PROP_UPLOAD_URL,
  T_PROP_FRACTION,
  T_N_PROPS
};

static GParamSpec *transfer_properties[T_N_PROPS];

static void
transfer_notify (SupaTransfer *self,
                 guint         prop)
{
  g_object_notify_by_pspec (G_OBJECT (self), transfer_properties[prop]);
}

static void
transfer_set_bytes (SupaTransfer *self,
                    gint64        done,
                    gint64        total)
{
  gboolean fraction = FALSE;

  if (self->bytes_total != total)
    {
      self->bytes_total = total;
      transfer_notify (self, T_PROP_BYTES_TOTAL);
      fraction = TRUE;
    }
  if (self->bytes_done != done)
    {
      self->bytes_done = done;
      transfer_notify (self, T_PROP_BYTES_DONE);
      fraction = TRUE;
    }
  if (fraction)
    transfer_notify (self, T_PROP_FRACTION);
}

static void
transfer_set_speed (SupaTransfer *self,
                    double        speed)
{
  gint64 eta = -1;

  if (self->speed != speed)
    {
      self->speed = speed;
      transfer_notify (self, T_PROP_SPEED);
    }
  if (speed > 0 && self->bytes_total >= 0 && self->bytes_done <= self->bytes_total)
    eta = (gint64) ((self->bytes_total - self->bytes_done) / speed + 0.5);
  if (self->eta != eta)
    {
      self->eta = eta;
      transfer_notify (self, T_PROP_ETA);
    }
}

/* Progress from the running request: bytes and the smoothed speed. */
static void
transfer_progress (SupaTransfer *self,
                   gint64        done,
                   gint64        total)
{
  gint64 now = g_get_monotonic_time ();

  g_object_freeze_notify (G_OBJECT (self));
  transfer_set_bytes (self, done, total);

  if (self->sample_time == 0 || done < self->sample_bytes)
    {
      /* the first sample, or a resume went back to the server's offset */
      self->sample_time = now;
      self->sample_bytes = done;
    }
  else if (now - self->sample_time >= SPEED_SAMPLE_US)
    {
      double dt = (now - self->sample_time) / (double) G_USEC_PER_SEC;
      double rate = (done - self->sample_bytes) / dt;
      double speed = rate;

      /* An exponential moving average over irregular samples: the weight
       * of the new sample grows with the time it covers. */
      if (self->have_speed)
        speed = self->speed + (rate - self->speed) * (dt / (SPEED_WINDOW_S + dt));
      self->have_speed = TRUE;
      self->sample_time = now;
      self->sample_bytes = done;
      transfer_set_speed (self, speed);
    }
  else if (self->have_speed)
    transfer_set_speed (self, self->speed);  /* the ETA follows the bytes */

  g_object_thaw_notify (G_OBJECT (self));
}

static void
transfer_reset_speed (SupaTransfer *self)
{
  self->sample_time = 0;
  self->sample_bytes = 0;
  self->have_speed = FALSE;
  transfer_set_speed (self, 0);
}

static void
transfer_set_error (SupaTransfer *self,
                    GError       *error)
{
  if (self->error == NULL && error == NULL)
    return;
  g_clear_error (&self->error);
  self->error = error;
  transfer_notify (self, T_PROP_ERROR);
}

static void
transfer_set_upload_url (SupaTransfer *self,
                         const char   *url)
{
  if (g_strcmp0 (self->upload_url, url) == 0)
    return;
  g_free (self->upload_url);
  self->upload_url = g_strdup (url);
  transfer_notify (self, T_PROP_UPLOAD_URL);
}

static void
supa_transfer_dispose (GObject *object)
{
  SupaTransfer *self = SUPA_TRANSFER (object);

  if (self->upload != NULL)
    g_signal_handlers_disconnect_by_data (self->upload, self);
  g_clear_object (&self->upload);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->local_file);

  G_OBJECT_CLASS (supa_transfer_parent_class)->dispose (object);
}

static void
supa_transfer_finalize (GObject *object)
{
  SupaTransfer *self = SUPA_TRANSFER (object);

  g_free (self->id);
  g_free (self->bucket);
  g_free (self->path);
  g_free (self->content_type);
  g_free (self->upload_url);
  g_clear_error (&self->error);

  G_OBJECT_CLASS (supa_transfer_parent_class)->finalize (object);
}

static void
supa_transfer_get_property (GObject    *object,
                            guint       prop_id,
                            GValue     *value,
                            GParamSpec *pspec)
{
  SupaTransfer *self = SUPA_TRANSFER (object);

  switch (prop_id)
    {
    case T_PROP_ID:
      g_value_set_string (value, self->id);
      break;
    case T_PROP_KIND:
      g_value_set_enum (value, self->kind);
      break;
    case T_PROP_STATE:
      g_value_set_enum (value, self->state);
      break;
    case T_PROP_BUCKET:
      g_value_set_string (value, self->bucket);
      break;
    case T_PROP_PATH:
      g_value_set_string (value, self->path);
      break;
    case T_PROP_LOCAL_FILE:
      g_value_set_object (value, self->local_file);
      break;
    case T_PROP_BYTES_DONE:
      g_value_set_int64 (value, self->bytes_done);
      break;
    case T_PROP_BYTES_TOTAL:
      g_value_set_int64 (value, self->bytes_total);
      break;
    case T_PROP_SPEED:
      g_value_set_double (value, self->speed);
      break;
    case T_PROP_ETA:
      g_value_set_int64 (value, self->eta);
      break;
    case T_PROP_ERROR:
      g_value_set_boxed (value, self->error);
      break;
    case T_PROP_CONTENT_TYPE:
      g_value_set_string (value, self->content_type);
      break;
    case T_PROP_UPSERT:
      g_value_set_boolean (value, self->upsert);
      break;
    case T_PROP_UPLOAD_URL:
      g_value_set_string (value, self->upload_url);
      break;
    case T_PROP_FRACTION:
      g_value_set_double (value, supa_transfer_get_fraction (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
supa_transfer_class_init (SupaTransferClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  const GParamFlags flags = G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  object_class->dispose = supa_transfer_dispose;
  object_class->finalize = supa_transfer_finalize;
  object_class->get_property = supa_transfer_get_property;

  transfer_properties[T_PROP_ID] =
    g_param_spec_string ("id", NULL, NULL, NULL, flags);
  transfer_properties[T_PROP_KIND] =
    g_param_spec_enum ("kind", NULL, NULL, SUPA_TYPE_TRANSFER_KIND, SUPA_TRANSFER_UPLOAD, flags);
  transfer_properties[T_PROP_STATE] =
    g_param_spec_enum ("state", NULL, NULL, SUPA_TYPE_TRANSFER_STATE, SUPA_TRANSFER_QUEUED, flags);
  transfer_properties[T_PROP_BUCKET] =
    g_param_spec_string ("bucket", NULL, NULL, NULL, flags);
  transfer_properties[T_PROP_PATH] =
    g_param_spec_string ("path", NULL, NULL, NULL, flags);
  transfer_properties[T_PROP_LOCAL_FILE] =
    g_param_spec_object ("local-file", NULL, NULL, G_TYPE_FILE, flags);
  transfer_properties[T_PROP_BYTES_DONE] =
    g_param_spec_int64 ("bytes-done", NULL, NULL, 0, G_MAXINT64, 0, flags);
  transfer_properties[T_PROP_BYTES_TOTAL] =
    g_param_spec_int64 ("bytes-total", NULL, NULL, -1, G_MAXINT64, -1, flags);
  transfer_properties[T_PROP_SPEED] =
    g_param_spec_double ("speed", NULL, NULL, 0, G_MAXDOUBLE, 0, flags);
  transfer_properties[T_PROP_ETA] =
    g_param_spec_int64 ("eta", NULL, NULL, -1, G_MAXINT64, -1, flags);
  transfer_properties[T_PROP_ERROR] =
    g_param_spec_boxed ("error", NULL, NULL, G_TYPE_ERROR, flags);
  transfer_properties[T_PROP_CONTENT_TYPE] =
    g_param_spec_string ("content-type", NULL, NULL, NULL, flags);
  transfer_properties[T_PROP_UPSERT] =
    g_param_spec_boolean ("upsert", NULL, NULL, FALSE, flags);
  transfer_properties[T_PROP_UPLOAD_URL] =
    g_param_spec_string ("upload-url", NULL, NULL, NULL, flags);
  transfer_properties[T_PROP_FRACTION] =
    g_param_spec_double ("fraction", NULL, NULL, 0, 1, 0, flags);
  g_object_class_install_properties (object_class, T_N_PROPS, transfer_properties);
}

static void
supa_transfer_init (SupaTransfer *self)
{
  self->bytes_total = -1;
  self->eta = -1;
  self->stop_state = SUPA_TRANSFER_QUEUED;
}

static SupaTransfer *
transfer_new (SupaTransferKind  kind,
              const char       *id,
              const char       *bucket,
              const char       *path,
              GFile            *local_file)
{
  SupaTransfer *self = g_object_new (SUPA_TYPE_TRANSFER, NULL);

  self->id = id != NULL ? g_strdup (id) : g_uuid_string_random ();
  self->kind = kind;
  self->bucket = g_strdup (bucket);
  self->path = g_strdup (path);
  self->local_file = g_object_ref (local_file);
  return self;
}

/* "<dest>.part" next to the destination. */
static GFile *
transfer_dup_part_file (SupaTransfer *self)
{
  g_autoptr(GFile) parent = g_file_get_parent (self->local_file);
  g_autofree char *basename = g_file_get_basename (self->local_file);
  g_autofree char *part = g_strconcat (basename, ".part", NULL);

  if (parent == NULL)
    return NULL;
  return g_file_get_child (parent, part);
}

static gint64
query_size (GFile *file)
{
  g_autoptr(GFileInfo) info = g_file_query_info (file, G_FILE_ATTRIBUTE_STANDARD_SIZE,
                                                 G_FILE_QUERY_INFO_NONE, NULL, NULL);

  return info != NULL ? g_file_info_get_size (info) : -1;
}

const char *
supa_transfer_get_id (SupaTransfer *self)
{
  g_return_val_if_fail (SUPA_IS_TRANSFER (self), NULL);
  return self->id;
}

SupaTransferKind
supa_transfer_get_kind (SupaTransfer *self)
{
  g_return_val_if_fail (SUPA_IS_TRANSFER (self), SUPA_TRANSFER_UPLOAD);
  return self->kind;
}

SupaTransferState
supa_transfer_get_state (SupaTransfer *self)
{
  g_return_val_if_fail (SUPA_IS_TRANSFER (self), SUPA_TRANSFER_QUEUED);
  return self->state;
}

const char *
supa_transfer_get_bucket (SupaTransfer *self)
{
  g_return_val_if_fail (SUPA_IS_TRANSFER (self), NULL);
  return self->bucket;
}

const char *
supa_transfer_get_path (SupaTransfer *self)
{
  g_return_val_if_fail (SUPA_IS_TRANSFER (self), NULL);
  return self->path;
}

GFile *
supa_transfer_get_local_file (SupaTransfer *self)
{
  g_return_val_if_fail (SUPA_IS_TRANSFER (self), NULL);
  return self->local_file;
}

gint64
supa_transfer_get_bytes_done (SupaTransfer *self)
{
  g_return_val_if_fail (SUPA_IS_TRANSFER (self), 0);
  return self->bytes_done;
}

gint64
supa_transfer_get_bytes_total (SupaTransfer *self)
{
  g_return_val_if_fail (SUPA_IS_TRANSFER (self), -1);
  return self->bytes_total;
}

double
supa_transfer_get_speed (SupaTransfer *self)
{
  g_return_val_if_fail (SUPA_IS_TRANSFER (self), 0);
  return self->speed;
}

gint64
supa_transfer_get_eta (SupaTransfer *self)
{
  g_return_val_if_fail (SUPA_IS_TRANSFER (self), -1);
  return self->eta;
}

const GError *
supa_transfer_get_error (SupaTransfer *self)
{
  g_return_val_if_fail (SUPA_IS_TRANSFER (self), NULL);
  return self->error;
}

const char *
supa_transfer_get_content_type (SupaTransfer *self)
{
  g_return_val_if_fail (SUPA_IS_TRANSFER (self), NULL);
  return self->content_type;
}

gboolean
supa_transfer_get_upsert (SupaTransfer *self)
{
  g_return_val_if_fail (SUPA_IS_TRANSFER (self), FALSE);
  return self->upsert;
}

const char *
supa_transfer_get_upload_url (SupaTransfer *self)
{
  g_return_val_if_fail (SUPA_IS_TRANSFER (self), NULL);
  return self->upload_url;
}

/**
 * supa_transfer_get_fraction:
 *
 * Returns: bytes-done / bytes-total in 0…1, 0 while the total is unknown
 */
double
supa_transfer_get_fraction (SupaTransfer *self)
{
  g_return_val_if_fail (SUPA_IS_TRANSFER (self), 0);

  if (self->state == SUPA_TRANSFER_DONE)
    return 1;
  if (self->bytes_total <= 0)
    return 0;
  return CLAMP ((double) self->bytes_done / (double) self->bytes_total, 0, 1);
}

/* ------------------------------------------------------- SupaTransferQueue */

struct _SupaTransferQueue
{
  GObject       parent_instance;

  SupaClient   *client;
  SupaStorage  *storage;
  char         *profile_id;
  char         *state_file;

  GPtrArray    *transfers;     /* SupaTransfer*, in list order */
  guint         concurrency;
  guint         n_running;
  guint         n_active;

  gboolean      scheduling;
  gboolean      had_work;
  guint         batch_done;
  guint         batch_failed;
};

static void supa_transfer_queue_list_model_init (GListModelInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (SupaTransferQueue, supa_transfer_queue, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL,
                                                      supa_transfer_queue_list_model_init))

enum {
  PROP_0,
  PROP_CLIENT,
  PROP_PROFILE_ID,
  PROP_STATE_FILE,
  PROP_CONCURRENCY,
  PROP_N_ACTIVE,
  PROP_N_RUNNING,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

enum {
  SIGNAL_FINISHED,
  SIGNAL_BATCH_FINISHED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void schedule (SupaTransferQueue *self);

/* ------------------------------------------------------------- persistence */

static const char *
enum_nick (GType type,
           int   value)
{
  g_autoptr(GEnumClass) klass = g_type_class_ref (type);
  GEnumValue *v = g_enum_get_value (klass, value);

  return v != NULL ? v->value_nick : NULL;
}

static gboolean
enum_from_nick (GType       type,
                const char *nick,
                int        *value)
{
  g_autoptr(GEnumClass) klass = g_type_class_ref (type);
  GEnumValue *v = nick != NULL ? g_enum_get_value_by_nick (klass, nick) : NULL;

  if (v == NULL)
    return FALSE;
  *value = v->value;
  return TRUE;
}

/* Only a plain https/http URL on the project's own host is ever saved or
 * resumed: SupaUpload sends the project's key to the upload URL. */
static gboolean
upload_url_is_safe (SupaTransferQueue *self,
                    const char        *url)
{
  g_autoptr(GUri) uri = NULL;
  g_autoptr(GUri) base = NULL;

  if (url == NULL)
    return FALSE;
  uri = g_uri_parse (url, G_URI_FLAGS_NONE, NULL);
  base = g_uri_parse (supa_client_get_url (self->client), G_URI_FLAGS_NONE, NULL);
  if (uri == NULL || base == NULL)
    return FALSE;
  if (g_uri_get_query (uri) != NULL || g_uri_get_userinfo (uri) != NULL || g_uri_get_fragment (uri) != NULL)
    return FALSE;

  return g_ascii_strcasecmp (g_uri_get_scheme (uri), g_uri_get_scheme (base)) == 0 &&
         g_ascii_strcasecmp (g_uri_get_host (uri), g_uri_get_host (base)) == 0 &&
         g_uri_get_port (uri) == g_uri_get_port (base);
}

static gboolean
is_unfinished (SupaTransferState state)
{
  return state != SUPA_TRANSFER_DONE && state != SUPA_TRANSFER_CANCELLED;
}

static JsonNode *
build_state (SupaTransferQueue *self)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "version");
  json_builder_add_int_value (b, STATE_VERSION);
  json_builder_set_member_name (b, "transfers");
  json_builder_begin_array (b);
  for (guint i = 0; i < self->transfers->len; i++)
    {
      SupaTransfer *t = self->transfers->pdata[i];
      g_autofree char *local = NULL;
      gint64 done = t->bytes_done;

      if (!is_unfinished (t->state))
        continue;

      /* What the server confirmed, not what went on the wire. */
      if (t->upload != NULL)
        done = t->upload_url != NULL ? MAX (0, supa_upload_get_server_offset (t->upload)) : 0;

      local = g_file_get_uri (t->local_file);
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "id");
      json_builder_add_string_value (b, t->id);
      json_builder_set_member_name (b, "kind");
      json_builder_add_string_value (b, enum_nick (SUPA_TYPE_TRANSFER_KIND, t->kind));
      json_builder_set_member_name (b, "state");
      json_builder_add_string_value (b, enum_nick (SUPA_TYPE_TRANSFER_STATE, t->state));
      json_builder_set_member_name (b, "bucket");
      json_builder_add_string_value (b, t->bucket);
      json_builder_set_member_name (b, "path");
      json_builder_add_string_value (b, t->path);
      json_builder_set_member_name (b, "local");
      json_builder_add_string_value (b, local);
      if (t->content_type != NULL)
        {
          json_builder_set_member_name (b, "content-type");
          json_builder_add_string_value (b, t->content_type);
        }
      json_builder_set_member_name (b, "upsert");
      json_builder_add_boolean_value (b, t->upsert);
      if (t->upload_url != NULL && upload_url_is_safe (self, t->upload_url))
        {
          json_builder_set_member_name (b, "upload-url");
          json_builder_add_string_value (b, t->upload_url);
        }
      json_builder_set_member_name (b, "bytes-done");
      json_builder_add_int_value (b, done);
      json_builder_set_member_name (b, "bytes-total");
      json_builder_add_int_value (b, t->bytes_total);
      if (t->state == SUPA_TRANSFER_FAILED && t->error != NULL)
        {
          json_builder_set_member_name (b, "error");
          json_builder_add_string_value (b, t->error->message);
        }
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
  json_builder_end_object (b);

  return json_builder_get_root (b);
}

static void
save_or_warn (SupaTransferQueue *self)
{
  g_autoptr(GError) error = NULL;

  if (!supa_transfer_queue_save (self, &error))
    g_message ("Could not save the transfer queue: %s", error->message);
}

/* ------------------------------------------------------------------- state */

static void
update_n_active (SupaTransferQueue *self)
{
  guint n_active = 0;

  for (guint i = 0; i < self->transfers->len; i++)
    {
      SupaTransfer *t = self->transfers->pdata[i];

      if (t->state == SUPA_TRANSFER_QUEUED || t->state == SUPA_TRANSFER_RUNNING)
        n_active++;
    }
  if (self->n_active != n_active)
    {
      self->n_active = n_active;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_ACTIVE]);
    }
}

static void
set_state (SupaTransferQueue *self,
           SupaTransfer      *t,
           SupaTransferState  state)
{
  if (t->state == state)
    return;

  g_object_freeze_notify (G_OBJECT (t));
  if (state == SUPA_TRANSFER_RUNNING)
    self->n_running++;
  else if (t->state == SUPA_TRANSFER_RUNNING)
    self->n_running--;
  t->state = state;
  transfer_notify (t, T_PROP_STATE);
  transfer_notify (t, T_PROP_FRACTION);
  if (state != SUPA_TRANSFER_RUNNING)
    transfer_reset_speed (t);
  g_object_thaw_notify (G_OBJECT (t));

  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_RUNNING]);
  update_n_active (self);
  save_or_warn (self);
}

/* DONE, FAILED or CANCELLED: tells the world and counts for the batch. */
static void
finish (SupaTransferQueue *self,
        SupaTransfer      *t,
        SupaTransferState  state,
        GError            *error)
{
  transfer_set_error (t, error);
  set_state (self, t, state);
  if (state == SUPA_TRANSFER_DONE)
    self->batch_done++;
  else if (state == SUPA_TRANSFER_FAILED)
    self->batch_failed++;
  g_signal_emit (self, signals[SIGNAL_FINISHED], 0, t);
}

static void
terminate_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(GBytes) body = NULL;
  g_autoptr(GError) error = NULL;

  body = supa_client_send_finish (SUPA_CLIENT (source), result, &error);
  if (body == NULL)
    g_debug ("Could not end an abandoned upload: %s", error->message);
}

/* Frees the server's partial upload (TUS termination); best effort. */
static void
terminate_upload (SupaTransferQueue *self,
                  const char        *url)
{
  g_autoptr(SoupMessage) msg = NULL;

  if (!upload_url_is_safe (self, url))
    return;
  msg = soup_message_new ("DELETE", url);
  if (msg == NULL)
    return;
  supa_client_apply_headers (self->client, msg, SUPA_SERVICE_STORAGE);
  soup_message_headers_replace (soup_message_get_request_headers (msg), "Tus-Resumable", "1.0.0");
  supa_client_send_async (self->client, msg, SUPA_SERVICE_STORAGE, NULL, terminate_cb, NULL);
}

/* Drops what a cancelled transfer left behind. */
static void
discard_partial (SupaTransferQueue *self,
                 SupaTransfer      *t)
{
  if (t->kind == SUPA_TRANSFER_UPLOAD)
    {
      if (t->upload_url != NULL && self != NULL)
        terminate_upload (self, t->upload_url);
      transfer_set_upload_url (t, NULL);
    }
  else
    {
      g_autoptr(GFile) part = transfer_dup_part_file (t);

      if (part != NULL)
        g_file_delete (part, NULL, NULL);
    }
  t->restarted = FALSE;
  transfer_set_bytes (t, 0, t->bytes_total);
}

/* ----------------------------------------------------------------- uploads */

static void
upload_progress_cb (SupaUpload   *upload,
                    gint64        sent,
                    gint64        total,
                    SupaTransfer *t)
{
  transfer_progress (t, sent, total);
}

static void
upload_url_cb (SupaUpload   *upload,
               GParamSpec   *pspec,
               SupaTransfer *t)
{
  transfer_set_upload_url (t, supa_upload_get_upload_url (upload));
  /* Saved at once: a crash from here on can still resume. */
  if (t->queue != NULL)
    save_or_warn (t->queue);
}

static void
upload_done_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(SupaTransfer) t = user_data;
  SupaTransferQueue *self = t->queue;
  SupaUpload *upload = SUPA_UPLOAD (source);
  g_autofree char *key = NULL;
  g_autoptr(GError) error = NULL;
  gint64 offset;

  key = supa_upload_start_finish (upload, result, &error);
  offset = t->upload_url != NULL ? MAX (0, supa_upload_get_server_offset (upload)) : 0;
  g_signal_handlers_disconnect_by_data (upload, t);
  g_clear_object (&t->upload);
  g_clear_object (&t->cancellable);

  if (self == NULL)
    {
      /* The queue went away (and saved this one as unfinished). */
      t->state = SUPA_TRANSFER_PAUSED;
      return;
    }

  if (key != NULL)
    {
      transfer_set_upload_url (t, NULL);
      if (t->bytes_total < 0)
        t->bytes_total = supa_upload_get_total_bytes (upload);
      transfer_set_bytes (t, MAX (t->bytes_total, 0), t->bytes_total);
      finish (self, t, SUPA_TRANSFER_DONE, NULL);
    }
  else if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      if (t->stop_state == SUPA_TRANSFER_CANCELLED)
        {
          discard_partial (self, t);
          finish (self, t, SUPA_TRANSFER_CANCELLED, NULL);
        }
      else
        {
          transfer_set_bytes (t, offset, t->bytes_total);
          set_state (self, t, SUPA_TRANSFER_PAUSED);
        }
    }
  else if (g_error_matches (error, SUPA_ERROR, SUPA_ERROR_NOT_FOUND) &&
           t->upload_url != NULL && !t->restarted)
    {
      /* The saved upload expired on the server: start it over, once. */
      g_debug ("Upload %s is gone from the server, starting over", t->id);
      t->restarted = TRUE;
      transfer_set_upload_url (t, NULL);
      transfer_set_bytes (t, 0, t->bytes_total);
      set_state (self, t, SUPA_TRANSFER_QUEUED);
    }
  else
    {
      transfer_set_bytes (t, offset, t->bytes_total);
      finish (self, t, SUPA_TRANSFER_FAILED, g_steal_pointer (&error));
    }

  schedule (self);
}

static void
start_upload (SupaTransferQueue *self,
              SupaTransfer      *t)
{
  if (t->upload_url != NULL && upload_url_is_safe (self, t->upload_url))
    t->upload = supa_upload_new_resume (self->client, t->upload_url, t->local_file);
  else
    {
      transfer_set_upload_url (t, NULL);
      t->upload = supa_upload_new (self->client, t->bucket, t->path, t->local_file);
      supa_upload_set_content_type (t->upload, t->content_type);
      supa_upload_set_upsert (t->upload, t->upsert);
    }

  g_signal_connect (t->upload, "progress", G_CALLBACK (upload_progress_cb), t);
  g_signal_connect (t->upload, "notify::upload-url", G_CALLBACK (upload_url_cb), t);
  supa_upload_start_async (t->upload, t->cancellable, upload_done_cb, g_object_ref (t));
}

/* --------------------------------------------------------------- downloads */

static void
download_progress_cb (goffset  current,
                      goffset  total,
                      gpointer user_data)
{
  transfer_progress (user_data, current, total);
}

static void
download_done_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(SupaTransfer) t = user_data;
  SupaTransferQueue *self = t->queue;
  g_autoptr(GFile) part = transfer_dup_part_file (t);
  g_autoptr(GError) error = NULL;
  goffset total = -1;
  gboolean ok;

  ok = supa_storage_download_finish (SUPA_STORAGE (source), result, &total, &error);
  g_clear_object (&t->cancellable);

  if (self == NULL)
    {
      t->state = SUPA_TRANSFER_PAUSED;
      return;
    }

  if (ok && !g_file_move (part, t->local_file, G_FILE_COPY_OVERWRITE, NULL, NULL, NULL, &error))
    ok = FALSE;

  if (ok)
    {
      transfer_set_bytes (t, total, total);
      finish (self, t, SUPA_TRANSFER_DONE, NULL);
    }
  else if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      if (t->stop_state == SUPA_TRANSFER_CANCELLED)
        {
          discard_partial (self, t);
          finish (self, t, SUPA_TRANSFER_CANCELLED, NULL);
        }
      else
        {
          transfer_set_bytes (t, MAX (0, query_size (part)), t->bytes_total);
          set_state (self, t, SUPA_TRANSFER_PAUSED);
        }
    }
  else
    {
      transfer_set_bytes (t, MAX (0, query_size (part)), t->bytes_total);
      finish (self, t, SUPA_TRANSFER_FAILED, g_steal_pointer (&error));
    }

  schedule (self);
}

static void
start_download (SupaTransferQueue *self,
                SupaTransfer      *t)
{
  g_autoptr(GFile) part = transfer_dup_part_file (t);

  if (part == NULL)
    {
      set_state (self, t, SUPA_TRANSFER_QUEUED);
      finish (self, t, SUPA_TRANSFER_FAILED,
              g_error_new_literal (SUPA_ERROR, SUPA_ERROR_INVALID_INPUT,
                                   _("The download needs a file name to save to.")));
      return;
    }

  /* resume: bytes already in the part file stay, the rest is asked for
   * with a Range request. */
  supa_storage_download_to_file_async (self->storage, t->bucket, t->path, part, TRUE,
                                       download_progress_cb, t, t->cancellable,
                                       download_done_cb, g_object_ref (t));
}

/* -------------------------------------------------------------- scheduling */

static void
start_transfer (SupaTransferQueue *self,
                SupaTransfer      *t)
{
  g_clear_object (&t->cancellable);
  t->cancellable = g_cancellable_new ();
  t->stop_state = SUPA_TRANSFER_QUEUED;
  transfer_set_error (t, NULL);
  transfer_reset_speed (t);
  self->had_work = TRUE;
  set_state (self, t, SUPA_TRANSFER_RUNNING);

  if (t->kind == SUPA_TRANSFER_UPLOAD)
    start_upload (self, t);
  else
    start_download (self, t);
}

static void
schedule (SupaTransferQueue *self)
{
  gboolean idle = TRUE;

  if (self->scheduling)
    return;
  self->scheduling = TRUE;

  for (guint i = 0; i < self->transfers->len && self->n_running < self->concurrency; i++)
    {
      SupaTransfer *t = self->transfers->pdata[i];

      if (t->state == SUPA_TRANSFER_QUEUED)
        start_transfer (self, t);
    }

  self->scheduling = FALSE;

  for (guint i = 0; i < self->transfers->len; i++)
    {
      SupaTransfer *t = self->transfers->pdata[i];

      if (t->state == SUPA_TRANSFER_QUEUED || t->state == SUPA_TRANSFER_RUNNING)
        idle = FALSE;
    }
  if (idle && self->had_work)
    {
      guint done = self->batch_done;
      guint failed = self->batch_failed;

      self->had_work = FALSE;
      self->batch_done = 0;
      self->batch_failed = 0;
      g_signal_emit (self, signals[SIGNAL_BATCH_FINISHED], 0, done, failed);
    }
}

static void
append_transfer (SupaTransferQueue *self,
                 SupaTransfer      *t)
{
  t->queue = self;
  g_ptr_array_add (self->transfers, t);
  g_list_model_items_changed (G_LIST_MODEL (self), self->transfers->len - 1, 0, 1);
}

/* --------------------------------------------------------------- GListModel */

static GType
supa_transfer_queue_get_item_type (GListModel *model)
{
  return SUPA_TYPE_TRANSFER;
}

static guint
supa_transfer_queue_get_n_items (GListModel *model)
{
  return SUPA_TRANSFER_QUEUE (model)->transfers->len;
}

static gpointer
supa_transfer_queue_get_item (GListModel *model,
                              guint       position)
{
  SupaTransferQueue *self = SUPA_TRANSFER_QUEUE (model);

  if (position >= self->transfers->len)
    return NULL;
  return g_object_ref (self->transfers->pdata[position]);
}

static void
supa_transfer_queue_list_model_init (GListModelInterface *iface)
{
  iface->get_item_type = supa_transfer_queue_get_item_type;
  iface->get_n_items = supa_transfer_queue_get_n_items;
  iface->get_item = supa_transfer_queue_get_item;
}

/* ------------------------------------------------------------------ GObject */

static char *
default_state_file (const char *profile_id)
{
  g_autoptr(GString) safe = g_string_new (NULL);
  g_autofree char *name = NULL;

  /* The profile id is a UUID; anything else must not escape the folder. */
  for (const char *p = profile_id != NULL ? profile_id : "default"; *p; p++)
    g_string_append_c (safe, g_ascii_isalnum (*p) || *p == '-' || *p == '_' ? *p : '_');
  name = g_strdup_printf ("transfers-%s.json", safe->str);

  return g_build_filename (g_get_user_state_dir (), "supadesk", name, NULL);
}

static void
supa_transfer_queue_constructed (GObject *object)
{
  SupaTransferQueue *self = SUPA_TRANSFER_QUEUE (object);

  G_OBJECT_CLASS (supa_transfer_queue_parent_class)->constructed (object);

  g_return_if_fail (SUPA_IS_CLIENT (self->client));
  self->storage = supa_storage_new (self->client);
  if (self->state_file == NULL)
    self->state_file = default_state_file (self->profile_id);
}

static void
supa_transfer_queue_dispose (GObject *object)
{
  SupaTransferQueue *self = SUPA_TRANSFER_QUEUE (object);

  if (self->transfers != NULL && self->transfers->len > 0)
    {
      /* Running transfers are saved as unfinished, then stopped. */
      save_or_warn (self);
      for (guint i = 0; i < self->transfers->len; i++)
        {
          SupaTransfer *t = self->transfers->pdata[i];

          t->queue = NULL;
          t->stop_state = SUPA_TRANSFER_PAUSED;
          if (t->cancellable != NULL)
            g_cancellable_cancel (t->cancellable);
        }
      g_ptr_array_set_size (self->transfers, 0);
    }

  g_clear_object (&self->storage);
  g_clear_object (&self->client);

  G_OBJECT_CLASS (supa_transfer_queue_parent_class)->dispose (object);
}

static void
supa_transfer_queue_finalize (GObject *object)
{
  SupaTransferQueue *self = SUPA_TRANSFER_QUEUE (object);

  g_clear_pointer (&self->transfers, g_ptr_array_unref);
  g_free (self->profile_id);
  g_free (self->state_file);

  G_OBJECT_CLASS (supa_transfer_queue_parent_class)->finalize (object);
}

static void
supa_transfer_queue_get_property (GObject    *object,
                                  guint       prop_id,
                                  GValue     *value,
                                  GParamSpec *pspec)
{
  SupaTransferQueue *self = SUPA_TRANSFER_QUEUE (object);

  switch (prop_id)
    {
    case PROP_CLIENT:
      g_value_set_object (value, self->client);
      break;
    case PROP_PROFILE_ID:
      g_value_set_string (value, self->profile_id);
      break;
    case PROP_STATE_FILE:
      g_value_set_string (value, self->state_file);
      break;
    case PROP_CONCURRENCY:
      g_value_set_uint (value, self->concurrency);
      break;
    case PROP_N_ACTIVE:
      g_value_set_uint (value, self->n_active);
      break;
    case PROP_N_RUNNING:
      g_value_set_uint (value, self->n_running);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
supa_transfer_queue_set_property (GObject      *object,
                                  guint         prop_id,
                                  const GValue *value,
                                  GParamSpec   *pspec)
{
  SupaTransferQueue *self = SUPA_TRANSFER_QUEUE (object);

  switch (prop_id)
    {
    case PROP_CLIENT:
      self->client = g_value_dup_object (value);
      break;
    case PROP_PROFILE_ID:
      self->profile_id = g_value_dup_string (value);
      break;
    case PROP_STATE_FILE:
      self->state_file = g_value_dup_string (value);
      break;
    case PROP_CONCURRENCY:
      supa_transfer_queue_set_concurrency (self, g_value_get_uint (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
supa_transfer_queue_class_init (SupaTransferQueueClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->constructed = supa_transfer_queue_constructed;
  object_class->dispose = supa_transfer_queue_dispose;
  object_class->finalize = supa_transfer_queue_finalize;
  object_class->get_property = supa_transfer_queue_get_property;
  object_class->set_property = supa_transfer_queue_set_property;

  properties[PROP_CLIENT] =
    g_param_spec_object ("client", NULL, NULL, SUPA_TYPE_CLIENT,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_PROFILE_ID] =
    g_param_spec_string ("profile-id", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_STATE_FILE] =
    g_param_spec_string ("state-file", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  /* Bind it to the "transfer-concurrency" setting. */
  properties[PROP_CONCURRENCY] =
    g_param_spec_uint ("concurrency", NULL, NULL, 1, MAX_CONCURRENCY, DEFAULT_CONCURRENCY,
                       G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  /* Queued plus running. */
  properties[PROP_N_ACTIVE] =
    g_param_spec_uint ("n-active", NULL, NULL, 0, G_MAXUINT, 0,
                       G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_N_RUNNING] =
    g_param_spec_uint ("n-running", NULL, NULL, 0, G_MAXUINT, 0,
                       G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  signals[SIGNAL_FINISHED] =
    g_signal_new ("finished", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 1, SUPA_TYPE_TRANSFER);
  signals[SIGNAL_BATCH_FINISHED] =
    g_signal_new ("batch-finished", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 2, G_TYPE_UINT, G_TYPE_UINT);
}

static void
supa_transfer_queue_init (SupaTransferQueue *self)
{
  self->transfers = g_ptr_array_new_with_free_func (g_object_unref);
  self->concurrency = DEFAULT_CONCURRENCY;
}

/* ------------------------------------------------------------------- public */

/**
 * supa_transfer_queue_new:
 * @client: the project's client
 * @profile_id: (nullable): the profile, for the default state file name
 * @state_file: (nullable): where to persist the queue, %NULL for the default
 *
 * Returns: (transfer full): an empty queue; call supa_transfer_queue_load()
 */
SupaTransferQueue *
supa_transfer_queue_new (SupaClient *client,
                         const char *profile_id,
                         const char *state_file)
{
  g_return_val_if_fail (SUPA_IS_CLIENT (client), NULL);

  return g_object_new (SUPA_TYPE_TRANSFER_QUEUE,
                       "client", client,
                       "profile-id", profile_id,
                       "state-file", state_file,
                       NULL);
}

guint
supa_transfer_queue_get_concurrency (SupaTransferQueue *self)
{
  g_return_val_if_fail (SUPA_IS_TRANSFER_QUEUE (self), DEFAULT_CONCURRENCY);
  return self->concurrency;
}

/**
 * supa_transfer_queue_set_concurrency:
 *
 * Takes effect at once for starting transfers; running ones above a lower
 * limit finish first.
 */
void
supa_transfer_queue_set_concurrency (SupaTransferQueue *self,
                                     guint              concurrency)
{
  g_return_if_fail (SUPA_IS_TRANSFER_QUEUE (self));

  concurrency = CLAMP (concurrency, 1, MAX_CONCURRENCY);
  if (self->concurrency == concurrency)
    return;
  self->concurrency = concurrency;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CONCURRENCY]);
  schedule (self);
}

const char *
supa_transfer_queue_get_state_file (SupaTransferQueue *self)
{
  g_return_val_if_fail (SUPA_IS_TRANSFER_QUEUE (self), NULL);
  return self->state_file;
}

static SupaTransfer *
find_transfer (SupaTransferQueue *self,
               const char        *id)
{
  for (guint i = 0; i < self->transfers->len; i++)
    {
      SupaTransfer *t = self->transfers->pdata[i];

      if (g_str_equal (t->id, id))
        return t;
    }
  return NULL;
}

static SupaTransfer *
transfer_from_json (SupaTransferQueue *self,
                    JsonObject        *obj)
{
  const char *id = json_object_get_string_member_with_default (obj, "id", NULL);
  const char *bucket = json_object_get_string_member_with_default (obj, "bucket", NULL);
  const char *path = json_object_get_string_member_with_default (obj, "path", NULL);
  const char *local = json_object_get_string_member_with_default (obj, "local", NULL);
  const char *url = json_object_get_string_member_with_default (obj, "upload-url", NULL);
  const char *message = json_object_get_string_member_with_default (obj, "error", NULL);
  g_autoptr(GFile) file = NULL;
  SupaTransfer *t;
  int kind, state;

  if (id == NULL || bucket == NULL || path == NULL || local == NULL ||
      !enum_from_nick (SUPA_TYPE_TRANSFER_KIND,
                       json_object_get_string_member_with_default (obj, "kind", NULL), &kind) ||
      !enum_from_nick (SUPA_TYPE_TRANSFER_STATE,
                       json_object_get_string_member_with_default (obj, "state", NULL), &state))
    return NULL;
  if (!is_unfinished (state) || find_transfer (self, id) != NULL)
    return NULL;

  file = g_file_new_for_uri (local);
  t = transfer_new (kind, id, bucket, path, file);
  t->content_type = g_strdup (json_object_get_string_member_with_default (obj, "content-type", NULL));
  t->upsert = json_object_get_boolean_member_with_default (obj, "upsert", FALSE);
  t->bytes_total = MAX (-1, json_object_get_int_member_with_default (obj, "bytes-total", -1));
  if (kind == SUPA_TRANSFER_UPLOAD)
    {
      if (url != NULL && upload_url_is_safe (self, url))
        {
          t->upload_url = g_strdup (url);
          t->bytes_done = MAX (0, json_object_get_int_member_with_default (obj, "bytes-done", 0));
        }
    }
  else
    {
      g_autoptr(GFile) part = transfer_dup_part_file (t);

      t->bytes_done = part != NULL ? MAX (0, query_size (part)) : 0;
    }

  /* Nothing starts by itself after a restart. */
  if (state == SUPA_TRANSFER_FAILED)
    {
      t->state = SUPA_TRANSFER_FAILED;
      t->error = g_error_new_literal (SUPA_ERROR, SUPA_ERROR_SERVER,
                                      message != NULL ? message : _("The transfer failed."));
    }
  else
    t->state = SUPA_TRANSFER_PAUSED;

  return t;
}

/* An unreadable state file is moved aside before the next save would
 * overwrite it, so whatever it held can still be recovered by hand. */
static void
set_aside_damaged (SupaTransferQueue  *self,
                   GError            **error,
                   const char         *reason)
{
  g_autofree char *aside = g_strconcat (self->state_file, ".damaged", NULL);

  if (g_rename (self->state_file, aside) == 0)
    g_set_error (error, SUPA_ERROR, SUPA_ERROR_INVALID_INPUT,
                 _("The saved transfer list could not be read (%s); it was kept as %s."),
                 reason, aside);
  else
    g_set_error (error, SUPA_ERROR, SUPA_ERROR_INVALID_INPUT,
                 _("The saved transfer list %s could not be read (%s)."),
                 self->state_file, reason);
}

/**
 * supa_transfer_queue_load:
 *
 * Adds the transfers of the state file that were not finished, as PAUSED
 * (or FAILED with the saved message). A missing file is an empty queue.
 */
gboolean
supa_transfer_queue_load (SupaTransferQueue  *self,
                          GError            **error)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) local_error = NULL;
  JsonNode *root;
  JsonObject *obj;
  JsonArray *array;
  guint old_len;

  g_return_val_if_fail (SUPA_IS_TRANSFER_QUEUE (self), FALSE);

  if (!json_parser_load_from_file (parser, self->state_file, &local_error))
    {
      if (g_error_matches (local_error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
        return TRUE;
      if (local_error->domain == JSON_PARSER_ERROR)
        set_aside_damaged (self, error, local_error->message);
      else
        g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }

  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root) ||
      !json_object_has_member ((obj = json_node_get_object (root)), "transfers") ||
      !JSON_NODE_HOLDS_ARRAY (json_object_get_member (obj, "transfers")))
    {
      set_aside_damaged (self, error, _("unexpected content"));
      return FALSE;
    }

  array = json_object_get_array_member (obj, "transfers");
  old_len = self->transfers->len;
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonNode *element = json_array_get_element (array, i);
      SupaTransfer *t;

      if (!JSON_NODE_HOLDS_OBJECT (element))
        continue;
      t = transfer_from_json (self, json_node_get_object (element));
      if (t == NULL)
        continue;
      t->queue = self;
      g_ptr_array_add (self->transfers, t);
    }

  if (self->transfers->len > old_len)
    {
      g_list_model_items_changed (G_LIST_MODEL (self), old_len, 0, self->transfers->len - old_len);
      update_n_active (self);
    }
  return TRUE;
}

/**
 * supa_transfer_queue_save:
 *
 * Writes the unfinished transfers to the state file, atomically and
 * readable by the user only. Done by the queue on every state change.
 */
gboolean
supa_transfer_queue_save (SupaTransferQueue  *self,
                          GError            **error)
{
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autofree char *dir = NULL;
  g_autofree char *data = NULL;
  gsize len = 0;

  g_return_val_if_fail (SUPA_IS_TRANSFER_QUEUE (self), FALSE);

  root = build_state (self);
  json_generator_set_root (generator, root);
  json_generator_set_pretty (generator, TRUE);
  data = json_generator_to_data (generator, &len);

  dir = g_path_get_dirname (self->state_file);
  if (g_mkdir_with_parents (dir, 0700) != 0)
    {
      int saved_errno = errno;

      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved_errno),
                   _("Could not create the folder %s: %s"), dir, g_strerror (saved_errno));
      return FALSE;
    }

  return g_file_set_contents_full (self->state_file, data, len,
                                   G_FILE_SET_CONTENTS_CONSISTENT, 0600, error);
}

/**
 * supa_transfer_queue_add_upload:
 * @file: the local file
 * @path: the object key in @bucket
 * @content_type: (nullable): %NULL guesses from the name and content
 * @upsert: overwrite an existing object
 *
 * Returns: (transfer none): the new transfer, queued
 */
SupaTransfer *
supa_transfer_queue_add_upload (SupaTransferQueue *self,
                                GFile             *file,
                                const char        *bucket,
                                const char        *path,
                                const char        *content_type,
                                gboolean           upsert)
{
  SupaTransfer *t;

  g_return_val_if_fail (SUPA_IS_TRANSFER_QUEUE (self), NULL);
  g_return_val_if_fail (G_IS_FILE (file), NULL);
  g_return_val_if_fail (bucket != NULL, NULL);
  g_return_val_if_fail (path != NULL, NULL);

  t = transfer_new (SUPA_TRANSFER_UPLOAD, NULL, bucket, path, file);
  t->content_type = g_strdup (content_type != NULL && *content_type != '\0' ? content_type : NULL);
  t->upsert = !!upsert;
  t->bytes_total = query_size (file);
  append_transfer (self, t);
  update_n_active (self);
  save_or_warn (self);
  schedule (self);

  return t;
}

/**
 * supa_transfer_queue_add_download:
 * @destination: the file to create; the data goes to "<destination>.part"
 *   first and is renamed when complete
 *
 * Returns: (transfer none): the new transfer, queued
 */
SupaTransfer *
supa_transfer_queue_add_download (SupaTransferQueue *self,
                                  const char        *bucket,
                                  const char        *path,
                                  GFile             *destination)
{
  g_autoptr(GFile) part = NULL;
  SupaTransfer *t;

  g_return_val_if_fail (SUPA_IS_TRANSFER_QUEUE (self), NULL);
  g_return_val_if_fail (bucket != NULL, NULL);
  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (G_IS_FILE (destination), NULL);

  t = transfer_new (SUPA_TRANSFER_DOWNLOAD, NULL, bucket, path, destination);
  /* A leftover from another download must not be taken as our start. */
  part = transfer_dup_part_file (t);
  if (part != NULL)
    g_file_delete (part, NULL, NULL);
  append_transfer (self, t);
  update_n_active (self);
  save_or_warn (self);
  schedule (self);

  return t;
}

static gboolean
owns (SupaTransferQueue *self,
      SupaTransfer      *transfer)
{
  return transfer->queue == self;
}

/**
 * supa_transfer_queue_pause:
 *
 * A queued transfer waits; a running one stops its request and keeps what
 * the server (or the partial file) has. It becomes PAUSED once the request
 * has stopped.
 */
void
supa_transfer_queue_pause (SupaTransferQueue *self,
                           SupaTransfer      *transfer)
{
  g_return_if_fail (SUPA_IS_TRANSFER_QUEUE (self));
  g_return_if_fail (SUPA_IS_TRANSFER (transfer));
  g_return_if_fail (owns (self, transfer));

  if (transfer->state == SUPA_TRANSFER_QUEUED)
    {
      set_state (self, transfer, SUPA_TRANSFER_PAUSED);
      schedule (self);
    }
  else if (transfer->state == SUPA_TRANSFER_RUNNING && transfer->cancellable != NULL)
    {
      transfer->stop_state = SUPA_TRANSFER_PAUSED;
      g_cancellable_cancel (transfer->cancellable);
    }
}

void
supa_transfer_queue_resume (SupaTransferQueue *self,
                            SupaTransfer      *transfer)
{
  g_return_if_fail (SUPA_IS_TRANSFER_QUEUE (self));
  g_return_if_fail (SUPA_IS_TRANSFER (transfer));
  g_return_if_fail (owns (self, transfer));

  if (transfer->state != SUPA_TRANSFER_PAUSED)
    return;
  set_state (self, transfer, SUPA_TRANSFER_QUEUED);
  schedule (self);
}

/**
 * supa_transfer_queue_cancel:
 *
 * Stops the transfer for good: the server's partial upload is ended and a
 * partial download file deleted.
 */
void
supa_transfer_queue_cancel (SupaTransferQueue *self,
                            SupaTransfer      *transfer)
{
  g_return_if_fail (SUPA_IS_TRANSFER_QUEUE (self));
  g_return_if_fail (SUPA_IS_TRANSFER (transfer));
  g_return_if_fail (owns (self, transfer));

  switch (transfer->state)
    {
    case SUPA_TRANSFER_RUNNING:
      if (transfer->cancellable != NULL)
        {
          transfer->stop_state = SUPA_TRANSFER_CANCELLED;
          g_cancellable_cancel (transfer->cancellable);
        }
      break;
    case SUPA_TRANSFER_QUEUED:
    case SUPA_TRANSFER_PAUSED:
    case SUPA_TRANSFER_FAILED:
      discard_partial (self, transfer);
      finish (self, transfer, SUPA_TRANSFER_CANCELLED, NULL);
      schedule (self);
      break;
    case SUPA_TRANSFER_DONE:
    case SUPA_TRANSFER_CANCELLED:
    default:
      break;
    }
}

void
supa_transfer_queue_retry (SupaTransferQueue *self,
                           SupaTransfer      *transfer)
{
  g_return_if_fail (SUPA_IS_TRANSFER_QUEUE (self));
  g_return_if_fail (SUPA_IS_TRANSFER (transfer));
  g_return_if_fail (owns (self, transfer));

  if (transfer->state != SUPA_TRANSFER_FAILED && transfer->state != SUPA_TRANSFER_CANCELLED)
    return;
  transfer->restarted = FALSE;
  transfer_set_error (transfer, NULL);
  set_state (self, transfer, SUPA_TRANSFER_QUEUED);
  schedule (self);
}

void
supa_transfer_queue_clear_finished (SupaTransferQueue *self)
{
  guint i;

  g_return_if_fail (SUPA_IS_TRANSFER_QUEUE (self));

  /* From the end, one items-changed per run of finished transfers. */
  i = self->transfers->len;
  while (i > 0)
    {
      guint end = i;

      while (i > 0 && !is_unfinished (((SupaTransfer *) self->transfers->pdata[i - 1])->state))
        i--;
      if (i < end)
        {
          for (guint k = i; k < end; k++)
            ((SupaTransfer *) self->transfers->pdata[k])->queue = NULL;
          g_ptr_array_remove_range (self->transfers, i, end - i);
          g_list_model_items_changed (G_LIST_MODEL (self), i, end - i, 0);
        }
      else
        i--;
    }
}

guint
supa_transfer_queue_get_n_active (SupaTransferQueue *self)
{
  g_return_val_if_fail (SUPA_IS_TRANSFER_QUEUE (self), 0);
  return self->n_active;
}

guint
supa_transfer_queue_get_n_running (SupaTransferQueue *self)
{
  g_return_val_if_fail (SUPA_IS_TRANSFER_QUEUE (self), 0);
  return self->n_running;
}
