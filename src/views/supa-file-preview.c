/* supa-file-preview.c — a preview and the details of one storage object
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "supa-file-preview"

#include "config.h"

#include <string.h>
#include <glib/gi18n.h>
#include <libsoup/soup.h>

#include "supa-file-preview.h"
#include "supa-resources.h"
#include "supa-storage-path.h"

/* How long the signed URL a player streams from stays valid. */
#define MEDIA_URL_SECONDS 3600
/* Large images are asked from the render endpoint at this size. */
#define RENDER_SIZE       1024
#define RENDER_URL_SECONDS 60
#define READ_CHUNK        65536

struct _SupaFilePreview
{
  GtkWidget        parent_instance;

  SupaStorage     *storage;
  SupaBucket      *bucket;
  char            *path;
  GCancellable    *cancellable;
  SupaObjectInfo  *info;
  GdkTexture      *texture;
  char            *message;
  gboolean         truncated;
  gboolean         loading;

  GtkLabel        *title_label;
  GtkStack        *content_stack;
  GtkSpinner      *spinner;
  GtkPicture      *picture;
  GtkLabel        *truncated_label;
  GtkTextView     *text_view;
  GtkVideo        *video;
  GtkImage        *message_icon;
  GtkLabel        *message_label;
  GtkWidget       *download_button;
  GtkGrid         *details_grid;
};

G_DEFINE_FINAL_TYPE (SupaFilePreview, supa_file_preview, GTK_TYPE_WIDGET)

/* One load: stale once the preview moved on to another object. */
typedef struct
{
  SupaFilePreview *self;
  GCancellable    *cancellable;
  GOutputStream   *output;
  GByteArray      *buffer;
  SoupMessage     *msg;
  gboolean         too_big;
} Load;

static Load *
load_new (SupaFilePreview *self)
{
  Load *load = g_new0 (Load, 1);

  load->self = g_object_ref (self);
  load->cancellable = g_object_ref (self->cancellable);
  return load;
}

static void
load_free (Load *load)
{
  g_clear_object (&load->self);
  g_clear_object (&load->cancellable);
  g_clear_object (&load->output);
  g_clear_pointer (&load->buffer, g_byte_array_unref);
  g_clear_object (&load->msg);
  g_free (load);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Load, load_free)

static gboolean
load_is_stale (Load *load)
{
  return g_cancellable_is_cancelled (load->cancellable) || load->self->cancellable != load->cancellable;
}

/* ------------------------------------------------------------ helpers */

static void
set_page (SupaFilePreview *self,
          const char      *page)
{
  gtk_spinner_set_spinning (self->spinner, g_str_equal (page, "loading"));
  gtk_stack_set_visible_child_name (self->content_stack, page);
}

static void
show_message (SupaFilePreview *self,
              const char      *icon_name,
              const char      *text,
              gboolean         offer_download)
{
  g_free (self->message);
  self->message = g_strdup (text);
  gtk_image_set_from_icon_name (self->message_icon, icon_name);
  gtk_label_set_label (self->message_label, text);
  gtk_widget_set_visible (self->download_button, offer_download);
  self->loading = FALSE;
  set_page (self, "message");
}

static void
show_error (SupaFilePreview *self,
            const GError    *error)
{
  /* Translators: %s is the reason a preview failed */
  g_autofree char *text = g_strdup_printf (_("Could not load the preview: %s"), error->message);

  show_message (self, "dialog-error-symbolic", text, FALSE);
}

static const char *
effective_type (SupaFilePreview *self)
{
  const char *type = self->info != NULL ? supa_object_info_get_mimetype (self->info) : NULL;

  return type != NULL && *type != '\0' ? type : "application/octet-stream";
}

static gboolean
is_text_type (const char *type)
{
  static const char * const text_types[] = {
    "application/json", "application/ld+json", "application/x-ndjson", "application/csv",
    "application/xml", "application/yaml", "application/x-yaml", "application/toml",
    "application/javascript", "application/x-javascript", "application/sql",
    "application/x-sh", "application/x-shellscript", "application/geo+json", NULL,
  };
  g_autofree char *base = g_ascii_strdown (type, -1);
  char *semicolon = strchr (base, ';');

  if (semicolon != NULL)
    *semicolon = '\0';
  g_strstrip (base);

  return g_str_has_prefix (base, "text/") ||
         g_strv_contains (text_types, base) ||
         g_str_has_suffix (base, "+json") ||
         g_str_has_suffix (base, "+xml");
}

static char *
format_date (GDateTime *date)
{
  g_autoptr(GDateTime) local = NULL;

  if (date == NULL)
    return NULL;

  local = g_date_time_to_local (date);
  return g_date_time_format (local, "%x %X");
}

static void
clear_details (SupaFilePreview *self)
{
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->details_grid))) != NULL)
    gtk_grid_remove (self->details_grid, child);
}

static void
add_detail (SupaFilePreview *self,
            int             *row,
            const char      *name,
            const char      *value)
{
  GtkWidget *name_label;
  GtkWidget *value_label;

  if (value == NULL || *value == '\0')
    return;

  name_label = gtk_label_new (name);
  gtk_label_set_xalign (GTK_LABEL (name_label), 1);
  gtk_label_set_yalign (GTK_LABEL (name_label), 0);
  gtk_widget_add_css_class (name_label, "dim-label");

  value_label = gtk_label_new (value);
  gtk_label_set_xalign (GTK_LABEL (value_label), 0);
  gtk_label_set_wrap (GTK_LABEL (value_label), TRUE);
  gtk_label_set_wrap_mode (GTK_LABEL (value_label), PANGO_WRAP_WORD_CHAR);
  gtk_label_set_selectable (GTK_LABEL (value_label), TRUE);
  gtk_widget_set_hexpand (value_label, TRUE);

  gtk_grid_attach (self->details_grid, name_label, 0, *row, 1, 1);
  gtk_grid_attach (self->details_grid, value_label, 1, *row, 1, 1);
  (*row)++;
}

static void
fill_details (SupaFilePreview *self)
{
  SupaObjectInfo *info = self->info;
  JsonObject *metadata = supa_object_info_get_metadata (info);
  g_autofree char *size = NULL;
  g_autofree char *created = format_date (supa_object_info_get_created_at (info));
  g_autofree char *updated = format_date (supa_object_info_get_updated_at (info));
  gint64 bytes = supa_object_info_get_size (info);
  int row = 0;

  clear_details (self);

  if (bytes >= 1000)
    {
      g_autofree char *human = g_format_size (bytes);

      /* Translators: a file size, "1.2 MB (1,234,567 bytes)" */
      size = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%s (%'" G_GINT64_FORMAT " byte)",
                                           "%s (%'" G_GINT64_FORMAT " bytes)", bytes), human, bytes);
    }
  else
    size = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%" G_GINT64_FORMAT " byte",
                                         "%" G_GINT64_FORMAT " bytes", bytes), bytes);

  add_detail (self, &row, _("Size"), size);
  add_detail (self, &row, _("Type"), effective_type (self));
  add_detail (self, &row, _("Created"), created);
  add_detail (self, &row, _("Modified"), updated);
  add_detail (self, &row, _("Cache-Control"), supa_object_info_get_cache_control (info));
  add_detail (self, &row, _("ETag"), supa_object_info_get_etag (info));

  if (metadata != NULL)
    {
      g_autoptr(GList) members = json_object_get_members (metadata);

      for (GList *l = members; l != NULL; l = l->next)
        {
          JsonNode *node = json_object_get_member (metadata, l->data);
          g_autofree char *value = NULL;

          if (JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING)
            value = g_strdup (json_node_get_string (node));
          else
            value = json_to_string (node, FALSE);
          add_detail (self, &row, l->data, value);
        }
    }
}

/* ------------------------------------------------------------ images */

static void
image_progress_cb (goffset  current,
                   goffset  total,
                   gpointer user_data)
{
  Load *load = user_data;

  /* The size in the details can be stale: never hold more than the limit. */
  if (current > SUPA_FILE_PREVIEW_IMAGE_LIMIT && !load->too_big)
    {
      load->too_big = TRUE;
      g_cancellable_cancel (load->cancellable);
    }
}

static void
show_too_big (SupaFilePreview *self)
{
  g_autofree char *limit = g_format_size (SUPA_FILE_PREVIEW_IMAGE_LIMIT);
  /* Translators: %s is a size such as "10.0 MB" */
  g_autofree char *text = g_strdup_printf (_("This image is larger than %s. Download it to view it."), limit);

  show_message (self, "image-x-generic-symbolic", text, TRUE);
}

static void
show_image_bytes (SupaFilePreview *self,
                  GBytes          *bytes)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GdkTexture) texture = gdk_texture_new_from_bytes (bytes, &error);

  if (texture == NULL)
    {
      g_debug ("Cannot decode %s: %s", self->path, error->message);
      show_message (self, "image-missing-symbolic", _("This image cannot be shown. Download it to open it in another app."), TRUE);
      return;
    }

  g_set_object (&self->texture, texture);
  gtk_picture_set_paintable (self->picture, GDK_PAINTABLE (texture));
  self->loading = FALSE;
  set_page (self, "image");
}

static void
image_downloaded_cb (GObject      *object,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  g_autoptr(Load) load = user_data;
  SupaFilePreview *self = load->self;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = NULL;

  if (!supa_storage_download_finish (SUPA_STORAGE (object), result, NULL, &error) && load->too_big &&
      self->cancellable == load->cancellable)
    {
      show_too_big (self);
      return;
    }
  if (load_is_stale (load))
    return;
  if (error != NULL)
    {
      show_error (self, error);
      return;
    }

  g_output_stream_close (load->output, NULL, NULL);
  bytes = g_memory_output_stream_steal_as_bytes (G_MEMORY_OUTPUT_STREAM (load->output));
  show_image_bytes (self, bytes);
}

/* Large images: the render endpoint scales them on the server. Projects
 * without image transformation answer with an error (or the original,
 * which may be too large): then only Download is offered. */
static void
render_read_cb (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(Load) load = user_data;
  GInputStream *input = G_INPUT_STREAM (object);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) chunk = g_input_stream_read_bytes_finish (input, result, &error);
  g_autoptr(GBytes) bytes = NULL;

  if (load_is_stale (load))
    return;
  if (chunk == NULL)
    {
      g_debug ("Render of %s failed: %s", load->self->path, error->message);
      show_too_big (load->self);
      return;
    }

  if (g_bytes_get_size (chunk) > 0)
    {
      g_byte_array_append (load->buffer, g_bytes_get_data (chunk, NULL), g_bytes_get_size (chunk));
      if (load->buffer->len > SUPA_FILE_PREVIEW_IMAGE_LIMIT)
        {
          g_cancellable_cancel (load->cancellable);
          show_too_big (load->self);
          return;
        }
      Load *next = g_steal_pointer (&load);

      g_input_stream_read_bytes_async (input, READ_CHUNK, G_PRIORITY_DEFAULT, next->cancellable,
                                       render_read_cb, next);
      return;
    }

  bytes = g_byte_array_free_to_bytes (g_steal_pointer (&load->buffer));
  show_image_bytes (load->self, bytes);
}

static void
render_sent_cb (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(Load) load = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GInputStream) input = soup_session_send_finish (SOUP_SESSION (object), result, &error);
  guint status;
  goffset length;

  if (load_is_stale (load))
    return;

  status = soup_message_get_status (load->msg);
  length = soup_message_headers_get_content_length (soup_message_get_response_headers (load->msg));
  if (input == NULL || !SOUP_STATUS_IS_SUCCESSFUL (status) || length > SUPA_FILE_PREVIEW_IMAGE_LIMIT)
    {
      g_debug ("No render of %s (HTTP %u)", load->self->path, status);
      show_too_big (load->self);
      return;
    }

  load->buffer = g_byte_array_new ();
  {
    Load *next = g_steal_pointer (&load);

    g_input_stream_read_bytes_async (input, READ_CHUNK, G_PRIORITY_DEFAULT, next->cancellable,
                                     render_read_cb, next);
  }
}

static void
render_url_cb (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(Load) load = user_data;
  SupaFilePreview *self = load->self;
  g_autoptr(GError) error = NULL;
  g_autofree char *url = supa_storage_create_signed_url_finish (SUPA_STORAGE (object), result, &error);
  SoupSession *session;

  if (load_is_stale (load))
    return;
  if (url == NULL)
    {
      show_too_big (self);
      return;
    }

  load->msg = soup_message_new ("GET", url);
  if (load->msg == NULL)
    {
      show_too_big (self);
      return;
    }

  session = supa_client_get_session (supa_storage_get_client (self->storage));
  {
    Load *next = g_steal_pointer (&load);

    soup_session_send_async (session, next->msg, G_PRIORITY_DEFAULT, next->cancellable, render_sent_cb, next);
  }
}

static void
load_image (SupaFilePreview *self,
            Load            *load)
{
  if (supa_object_info_get_size (self->info) > SUPA_FILE_PREVIEW_IMAGE_LIMIT)
    {
      SupaTransformOptions transform = { RENDER_SIZE, RENDER_SIZE, SUPA_RESIZE_CONTAIN, NULL, 0 };

      supa_storage_create_signed_url_async (self->storage, supa_bucket_get_id (self->bucket), self->path,
                                            RENDER_URL_SECONDS, NULL, &transform, load->cancellable,
                                            render_url_cb, load);
      return;
    }

  load->output = g_memory_output_stream_new_resizable ();
  supa_storage_download_async (self->storage, supa_bucket_get_id (self->bucket), self->path,
                               load->output, 0, image_progress_cb, load,
                               load->cancellable, image_downloaded_cb, load);
}

/* -------------------------------------------------------------- text */

static void
text_cb (GObject      *object,
         GAsyncResult *result,
         gpointer      user_data)
{
  g_autoptr(Load) load = user_data;
  SupaFilePreview *self = load->self;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = supa_client_send_finish (SUPA_CLIENT (object), result, &error);
  g_autofree char *text = NULL;
  const char *data;
  const char *valid_end = NULL;
  gsize len;

  if (load_is_stale (load))
    return;
  if (bytes == NULL)
    {
      show_error (self, error);
      return;
    }

  data = g_bytes_get_data (bytes, &len);
  /* A server that ignores Range sends everything: keep the limit anyway. */
  self->truncated = len > SUPA_FILE_PREVIEW_TEXT_LIMIT ||
                    supa_object_info_get_size (self->info) > (gint64) MIN (len, SUPA_FILE_PREVIEW_TEXT_LIMIT);
  len = MIN (len, SUPA_FILE_PREVIEW_TEXT_LIMIT);

  /* Do not show a replacement character for a character the cut split. */
  if (self->truncated && !g_utf8_validate (data, len, &valid_end) && len - (gsize) (valid_end - data) < 4)
    len = valid_end - data;

  text = g_utf8_make_valid (data, len);
  gtk_text_buffer_set_text (gtk_text_view_get_buffer (self->text_view), text, -1);
  gtk_widget_set_visible (GTK_WIDGET (self->truncated_label), self->truncated);
  self->loading = FALSE;
  set_page (self, "text");
}

static void
load_text (SupaFilePreview *self,
           Load            *load)
{
  SupaClient *client = supa_storage_get_client (self->storage);
  g_autofree char *route = supa_storage_path_route (supa_bucket_get_id (self->bucket), self->path);
  g_autofree char *service_path = g_strconcat ("storage/v1/object/", route, NULL);
  g_autoptr(SoupMessage) msg = supa_client_new_message (client, SUPA_SERVICE_STORAGE, "GET", service_path, NULL);

  soup_message_headers_set_range (soup_message_get_request_headers (msg), 0, SUPA_FILE_PREVIEW_TEXT_LIMIT - 1);
  supa_client_send_async (client, msg, SUPA_SERVICE_STORAGE, load->cancellable, text_cb, load);
}

/* ------------------------------------------------------------- media */

/* Whether the player can open an http(s) URL. GTK's GStreamer backend
 * hands the URI to GStreamer, which fetches it itself; other backends read
 * through GIO, which streams http(s) only with GVfs. GTK has no API naming
 * its media backend, hence the type names. */
static gboolean
can_stream (const char *scheme)
{
  g_autoptr(GtkMediaStream) probe = gtk_media_file_new ();
  const char *backend = G_OBJECT_TYPE_NAME (probe);
  const char * const *schemes;

  if (g_str_equal (backend, "GtkNoMediaFile"))
    return FALSE;
  if (g_str_equal (backend, "GtkGstMediaFile") &&
      (g_str_equal (scheme, "http") || g_str_equal (scheme, "https")))
    return TRUE;

  schemes = g_vfs_get_supported_uri_schemes (g_vfs_get_default ());
  return schemes != NULL && g_strv_contains (schemes, scheme);
}

static void
media_error_cb (GtkMediaStream  *stream,
                GParamSpec      *pspec,
                SupaFilePreview *self)
{
  const GError *error = gtk_media_stream_get_error (stream);

  if (error == NULL || gtk_video_get_media_stream (self->video) != stream)
    return;

  g_debug ("Cannot play %s: %s", self->path, error->message);
  gtk_video_set_media_stream (self->video, NULL);
  show_message (self, "dialog-warning-symbolic",
                _("This file cannot be played here. Download it to play it in another app."), TRUE);
}

static void
media_url_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(Load) load = user_data;
  SupaFilePreview *self = load->self;
  g_autoptr(GError) error = NULL;
  g_autofree char *url = supa_storage_create_signed_url_finish (SUPA_STORAGE (object), result, &error);
  g_autoptr(GFile) file = NULL;
  g_autoptr(GtkMediaStream) stream = NULL;

  if (load_is_stale (load))
    return;
  if (url == NULL)
    {
      show_error (self, error);
      return;
    }

  file = g_file_new_for_uri (url);
  stream = gtk_media_file_new_for_file (file);
  g_signal_connect_object (stream, "notify::error", G_CALLBACK (media_error_cb), self, 0);
  gtk_video_set_media_stream (self->video, stream);
  self->loading = FALSE;
  set_page (self, "media");
}

static void
load_media (SupaFilePreview *self,
            Load            *load)
{
  g_autofree char *scheme = NULL;

  scheme = g_uri_parse_scheme (supa_client_get_url (supa_storage_get_client (self->storage)));
  if (scheme == NULL || !can_stream (scheme))
    {
      show_message (self, "audio-x-generic-symbolic",
                    _("Streaming is not available on this system. Download the file to play it."), TRUE);
      load_free (load);
      return;
    }

  supa_storage_create_signed_url_async (self->storage, supa_bucket_get_id (self->bucket), self->path,
                                        MEDIA_URL_SECONDS, NULL, NULL, load->cancellable, media_url_cb, load);
}

/* -------------------------------------------------------------- info */

static void
info_cb (GObject      *object,
         GAsyncResult *result,
         gpointer      user_data)
{
  g_autoptr(Load) load = user_data;
  SupaFilePreview *self = load->self;
  g_autoptr(GError) error = NULL;
  g_autoptr(SupaObjectInfo) info = supa_storage_info_finish (SUPA_STORAGE (object), result, &error);
  const char *type;

  if (load_is_stale (load))
    return;
  if (info == NULL)
    {
      show_error (self, error);
      return;
    }

  g_set_object (&self->info, info);
  fill_details (self);

  type = effective_type (self);
  if (g_str_has_prefix (type, "image/"))
    load_image (self, g_steal_pointer (&load));
  else if (is_text_type (type))
    load_text (self, g_steal_pointer (&load));
  else if (g_str_has_prefix (type, "audio/") || g_str_has_prefix (type, "video/"))
    load_media (self, g_steal_pointer (&load));
  else
    show_message (self, "text-x-generic-symbolic", _("No preview for this type"), TRUE);
}

static void
reset (SupaFilePreview *self)
{
  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->info);
  g_clear_object (&self->texture);
  g_clear_pointer (&self->message, g_free);
  self->truncated = FALSE;
  self->loading = FALSE;

  if (self->video != NULL)
    {
      gtk_video_set_media_stream (self->video, NULL);
      gtk_picture_set_paintable (self->picture, NULL);
      gtk_text_buffer_set_text (gtk_text_view_get_buffer (self->text_view), "", 0);
      gtk_widget_set_visible (GTK_WIDGET (self->truncated_label), FALSE);
      clear_details (self);
    }
}

/* --------------------------------------------------------- lifecycle */

static void
supa_file_preview_dispose (GObject *object)
{
  SupaFilePreview *self = SUPA_FILE_PREVIEW (object);
  GtkWidget *child;

  reset (self);
  g_clear_object (&self->storage);
  g_clear_object (&self->bucket);
  g_clear_pointer (&self->path, g_free);
  gtk_widget_dispose_template (GTK_WIDGET (self), SUPA_TYPE_FILE_PREVIEW);
  self->video = NULL;
  /* The scrolled window at the top of the template is not a bound child. */
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self))) != NULL)
    gtk_widget_unparent (child);

  G_OBJECT_CLASS (supa_file_preview_parent_class)->dispose (object);
}

static void
supa_file_preview_class_init (SupaFilePreviewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = supa_file_preview_dispose;

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  supa_resources_ensure ();
  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/supadesk/Supadesk/supa-file-preview.ui");
  gtk_widget_class_bind_template_child (widget_class, SupaFilePreview, title_label);
  gtk_widget_class_bind_template_child (widget_class, SupaFilePreview, content_stack);
  gtk_widget_class_bind_template_child (widget_class, SupaFilePreview, spinner);
  gtk_widget_class_bind_template_child (widget_class, SupaFilePreview, picture);
  gtk_widget_class_bind_template_child (widget_class, SupaFilePreview, truncated_label);
  gtk_widget_class_bind_template_child (widget_class, SupaFilePreview, text_view);
  gtk_widget_class_bind_template_child (widget_class, SupaFilePreview, video);
  gtk_widget_class_bind_template_child (widget_class, SupaFilePreview, message_icon);
  gtk_widget_class_bind_template_child (widget_class, SupaFilePreview, message_label);
  gtk_widget_class_bind_template_child (widget_class, SupaFilePreview, download_button);
  gtk_widget_class_bind_template_child (widget_class, SupaFilePreview, details_grid);
}

static void
supa_file_preview_init (SupaFilePreview *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  gtk_widget_set_visible (GTK_WIDGET (self->title_label), FALSE);
  set_page (self, "none");
}

/* -------------------------------------------------------- public API */

GtkWidget *
supa_file_preview_new (void)
{
  return g_object_new (SUPA_TYPE_FILE_PREVIEW, NULL);
}

void
supa_file_preview_set_file (SupaFilePreview *self,
                            SupaStorage     *storage,
                            SupaBucket      *bucket,
                            const char      *path)
{
  g_autofree char *name = NULL;

  g_return_if_fail (SUPA_IS_FILE_PREVIEW (self));
  g_return_if_fail (storage == NULL || SUPA_IS_STORAGE (storage));
  g_return_if_fail (bucket == NULL || SUPA_IS_BUCKET (bucket));

  if (storage == NULL || bucket == NULL || path == NULL)
    storage = NULL, bucket = NULL, path = NULL;

  if (storage == self->storage && bucket == self->bucket && g_strcmp0 (path, self->path) == 0)
    return;

  reset (self);
  g_set_object (&self->storage, storage);
  g_set_object (&self->bucket, bucket);
  g_free (self->path);
  self->path = g_strdup (path);

  if (path == NULL)
    {
      gtk_widget_set_visible (GTK_WIDGET (self->title_label), FALSE);
      set_page (self, "none");
      return;
    }

  name = supa_storage_path_basename (path);
  gtk_label_set_label (self->title_label, name);
  gtk_widget_set_visible (GTK_WIDGET (self->title_label), TRUE);

  self->cancellable = g_cancellable_new ();
  self->loading = TRUE;
  set_page (self, "loading");
  supa_storage_info_async (storage, supa_bucket_get_id (bucket), path, self->cancellable,
                           info_cb, load_new (self));
}

const char *
supa_file_preview_get_path (SupaFilePreview *self)
{
  g_return_val_if_fail (SUPA_IS_FILE_PREVIEW (self), NULL);
  return self->path;
}

gboolean
supa_file_preview_get_loading (SupaFilePreview *self)
{
  g_return_val_if_fail (SUPA_IS_FILE_PREVIEW (self), FALSE);
  return self->loading;
}

const char *
supa_file_preview_get_page (SupaFilePreview *self)
{
  g_return_val_if_fail (SUPA_IS_FILE_PREVIEW (self), NULL);
  return gtk_stack_get_visible_child_name (self->content_stack);
}

GdkTexture *
supa_file_preview_get_texture (SupaFilePreview *self)
{
  g_return_val_if_fail (SUPA_IS_FILE_PREVIEW (self), NULL);
  return self->texture;
}

char *
supa_file_preview_dup_text (SupaFilePreview *self)
{
  GtkTextBuffer *buffer;
  GtkTextIter start, end;

  g_return_val_if_fail (SUPA_IS_FILE_PREVIEW (self), NULL);

  if (!g_str_equal (supa_file_preview_get_page (self), "text"))
    return NULL;

  buffer = gtk_text_view_get_buffer (self->text_view);
  gtk_text_buffer_get_bounds (buffer, &start, &end);
  return gtk_text_buffer_get_text (buffer, &start, &end, FALSE);
}

gboolean
supa_file_preview_get_truncated (SupaFilePreview *self)
{
  g_return_val_if_fail (SUPA_IS_FILE_PREVIEW (self), FALSE);
  return self->truncated;
}

const char *
supa_file_preview_get_message (SupaFilePreview *self)
{
  g_return_val_if_fail (SUPA_IS_FILE_PREVIEW (self), NULL);
  return self->message;
}

SupaObjectInfo *
supa_file_preview_get_info (SupaFilePreview *self)
{
  g_return_val_if_fail (SUPA_IS_FILE_PREVIEW (self), NULL);
  return self->info;
}

GtkWidget *
supa_file_preview_get_details (SupaFilePreview *self)
{
  g_return_val_if_fail (SUPA_IS_FILE_PREVIEW (self), NULL);
  return GTK_WIDGET (self->details_grid);
}

GCancellable *
supa_file_preview_get_cancellable (SupaFilePreview *self)
{
  g_return_val_if_fail (SUPA_IS_FILE_PREVIEW (self), NULL);
  return self->cancellable;
}
