/* supa-bucket-dialog.c — create or edit a Storage bucket
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "supa-bucket-dialog"

#include "config.h"

#include <string.h>
#include <glib/gi18n.h>

#include "supa-bucket-dialog.h"
#include "supa-error.h"
#include "supa-resources.h"

struct _SupaBucketDialog
{
  AdwWindow      parent_instance;

  SupaStorage   *storage;
  SupaBucket    *bucket;
  GCancellable  *cancellable;
  char          *error_text;
  gboolean       busy;

  GtkButton     *save_button;
  GtkSpinner    *spinner;
  AdwEntryRow   *name_row;
  GtkSwitch     *public_switch;
  GtkSpinButton *size_spin;
  GtkDropDown   *unit_dropdown;
  AdwEntryRow   *mime_row;
  GtkLabel      *error_label;
};

G_DEFINE_FINAL_TYPE (SupaBucketDialog, supa_bucket_dialog, ADW_TYPE_WINDOW)

enum {
  SAVED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static const char * const unit_suffixes[] = { "KB", "MB", "GB" };

static void
set_error_text (SupaBucketDialog *self,
                const char       *text)
{
  g_free (self->error_text);
  self->error_text = g_strdup (text);
  gtk_label_set_label (self->error_label, text != NULL ? text : "");
  gtk_widget_set_visible (GTK_WIDGET (self->error_label), text != NULL);
}

static void
set_busy (SupaBucketDialog *self,
          gboolean          busy)
{
  self->busy = busy;
  gtk_spinner_set_spinning (self->spinner, busy);
  gtk_widget_set_sensitive (GTK_WIDGET (self->save_button), !busy);
}

static gboolean
mime_type_is_valid (const char *type)
{
  const char *slash = strchr (type, '/');

  if (slash == NULL || slash == type || slash[1] == '\0' || strchr (slash + 1, '/') != NULL)
    return FALSE;

  for (const char *p = type; *p != '\0'; p++)
    if (!(g_ascii_isalnum (*p) || strchr ("/.+-_*", *p) != NULL))
      return FALSE;

  /* A star only as the whole subtype, as in a type family. */
  if (strchr (type, '*') != NULL && !g_str_equal (slash + 1, "*"))
    return FALSE;

  return TRUE;
}

static void
save_cb (GObject      *object,
         GAsyncResult *result,
         gpointer      user_data)
{
  g_autoptr(SupaBucketDialog) self = user_data;
  g_autoptr(GError) error = NULL;
  gboolean ok;

  if (self->bucket != NULL)
    ok = supa_storage_update_bucket_finish (SUPA_STORAGE (object), result, &error);
  else
    ok = supa_storage_create_bucket_finish (SUPA_STORAGE (object), result, &error);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  set_busy (self, FALSE);

  if (!ok)
    {
      set_error_text (self, error->message);
      return;
    }

  g_signal_emit (self, signals[SAVED], 0,
                 self->bucket != NULL ? supa_bucket_get_id (self->bucket)
                                      : gtk_editable_get_text (GTK_EDITABLE (self->name_row)));
  gtk_window_destroy (GTK_WINDOW (self));
}

static void
save_clicked_cb (SupaBucketDialog *self)
{
  supa_bucket_dialog_save (self);
}

static void
supa_bucket_dialog_dispose (GObject *object)
{
  SupaBucketDialog *self = SUPA_BUCKET_DIALOG (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->storage);
  g_clear_object (&self->bucket);

  G_OBJECT_CLASS (supa_bucket_dialog_parent_class)->dispose (object);
}

static void
supa_bucket_dialog_finalize (GObject *object)
{
  SupaBucketDialog *self = SUPA_BUCKET_DIALOG (object);

  g_free (self->error_text);

  G_OBJECT_CLASS (supa_bucket_dialog_parent_class)->finalize (object);
}

static void
supa_bucket_dialog_class_init (SupaBucketDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = supa_bucket_dialog_dispose;
  object_class->finalize = supa_bucket_dialog_finalize;

  /**
   * SupaBucketDialog::saved:
   * @id: the bucket id
   *
   * The server accepted the new or changed bucket.
   */
  signals[SAVED] = g_signal_new ("saved",
                                 G_TYPE_FROM_CLASS (klass),
                                 G_SIGNAL_RUN_LAST,
                                 0, NULL, NULL, NULL,
                                 G_TYPE_NONE, 1, G_TYPE_STRING);

  supa_resources_ensure ();
  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/supadesk/Supadesk/supa-bucket-dialog.ui");
  gtk_widget_class_bind_template_child (widget_class, SupaBucketDialog, save_button);
  gtk_widget_class_bind_template_child (widget_class, SupaBucketDialog, spinner);
  gtk_widget_class_bind_template_child (widget_class, SupaBucketDialog, name_row);
  gtk_widget_class_bind_template_child (widget_class, SupaBucketDialog, public_switch);
  gtk_widget_class_bind_template_child (widget_class, SupaBucketDialog, size_spin);
  gtk_widget_class_bind_template_child (widget_class, SupaBucketDialog, unit_dropdown);
  gtk_widget_class_bind_template_child (widget_class, SupaBucketDialog, mime_row);
  gtk_widget_class_bind_template_child (widget_class, SupaBucketDialog, error_label);
  gtk_widget_class_bind_template_callback (widget_class, save_clicked_cb);
}

static void
supa_bucket_dialog_init (SupaBucketDialog *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->cancellable = g_cancellable_new ();
}

/* Splits a byte count into the largest decimal unit that keeps it whole
 * to one decimal. */
static void
split_size (gint64  bytes,
            double *value,
            guint  *unit)
{
  if (bytes >= 1000000000 && bytes % 100000000 == 0)
    {
      *value = bytes / 1e9;
      *unit = 2;
    }
  else if (bytes >= 1000000 && bytes % 100000 == 0)
    {
      *value = bytes / 1e6;
      *unit = 1;
    }
  else
    {
      *value = bytes / 1e3;
      *unit = 0;
    }
}

SupaBucketDialog *
supa_bucket_dialog_new (SupaStorage *storage,
                        SupaBucket  *bucket)
{
  SupaBucketDialog *self;

  g_return_val_if_fail (SUPA_IS_STORAGE (storage), NULL);
  g_return_val_if_fail (bucket == NULL || SUPA_IS_BUCKET (bucket), NULL);

  self = g_object_new (SUPA_TYPE_BUCKET_DIALOG, NULL);
  self->storage = g_object_ref (storage);
  g_set_object (&self->bucket, bucket);

  if (bucket != NULL)
    {
      const char * const *types = supa_bucket_get_allowed_mime_types (bucket);
      g_autofree char *joined = types != NULL ? g_strjoinv (", ", (char **) types) : NULL;
      g_autofree char *title = NULL;
      double value = 0;
      guint unit = 1;

      if (supa_bucket_get_file_size_limit (bucket) > 0)
        split_size (supa_bucket_get_file_size_limit (bucket), &value, &unit);

      /* Translators: title of the bucket settings dialog, %s is a bucket name */
      title = g_strdup_printf (_("Edit Bucket “%s”"), supa_bucket_get_name (bucket));
      gtk_window_set_title (GTK_WINDOW (self), title);
      gtk_button_set_label (self->save_button, _("_Save"));
      supa_bucket_dialog_set_values (self, supa_bucket_get_name (bucket),
                                     supa_bucket_get_public (bucket),
                                     value, unit, joined);
      /* Storage cannot rename a bucket. */
      gtk_widget_set_sensitive (GTK_WIDGET (self->name_row), FALSE);
    }
  else
    {
      gtk_window_set_title (GTK_WINDOW (self), _("New Bucket"));
      gtk_button_set_label (self->save_button, _("C_reate"));
    }

  return self;
}

char **
supa_bucket_dialog_parse_mime_types (const char  *text,
                                     GError     **error)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_auto(GStrv) parts = NULL;

  if (text == NULL)
    return g_strv_builder_end (builder);

  parts = g_strsplit (text, ",", -1);
  for (guint i = 0; parts[i] != NULL; i++)
    {
      g_autofree char *type = g_ascii_strdown (g_strstrip (parts[i]), -1);

      if (*type == '\0')
        continue;

      if (!mime_type_is_valid (type))
        {
          g_set_error (error, SUPA_ERROR, SUPA_ERROR_INVALID_INPUT,
                       /* Translators: %s is what the user typed as a MIME type */
                       _("“%s” is not a MIME type. Use type/subtype, such as image/png, or image/* for a whole family."),
                       type);
          return NULL;
        }

      g_strv_builder_add (builder, type);
    }

  return g_strv_builder_end (builder);
}

void
supa_bucket_dialog_set_values (SupaBucketDialog *self,
                               const char       *name,
                               gboolean          is_public,
                               double            size,
                               guint             unit,
                               const char       *mime_types)
{
  g_return_if_fail (SUPA_IS_BUCKET_DIALOG (self));
  g_return_if_fail (unit < G_N_ELEMENTS (unit_suffixes));

  gtk_editable_set_text (GTK_EDITABLE (self->name_row), name != NULL ? name : "");
  gtk_switch_set_active (self->public_switch, is_public);
  gtk_spin_button_set_value (self->size_spin, size);
  gtk_drop_down_set_selected (self->unit_dropdown, unit);
  gtk_editable_set_text (GTK_EDITABLE (self->mime_row), mime_types != NULL ? mime_types : "");
}

void
supa_bucket_dialog_save (SupaBucketDialog *self)
{
  g_autofree char *name = NULL;
  g_autofree char *size_text = NULL;
  g_auto(GStrv) types = NULL;
  g_autoptr(GError) error = NULL;
  SupaBucketSettings settings = { 0 };
  double size;
  guint unit;

  g_return_if_fail (SUPA_IS_BUCKET_DIALOG (self));

  if (self->busy)
    return;

  name = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->name_row))));
  if (self->bucket == NULL)
    {
      if (*name == '\0')
        {
          set_error_text (self, _("Enter a name for the bucket."));
          gtk_widget_grab_focus (GTK_WIDGET (self->name_row));
          return;
        }
      if (strchr (name, '/') != NULL)
        {
          set_error_text (self, _("A bucket name cannot contain “/”."));
          gtk_widget_grab_focus (GTK_WIDGET (self->name_row));
          return;
        }
    }

  types = supa_bucket_dialog_parse_mime_types (gtk_editable_get_text (GTK_EDITABLE (self->mime_row)), &error);
  if (types == NULL)
    {
      set_error_text (self, error->message);
      gtk_widget_grab_focus (GTK_WIDGET (self->mime_row));
      return;
    }

  gtk_spin_button_update (self->size_spin);
  size = gtk_spin_button_get_value (self->size_spin);
  unit = gtk_drop_down_get_selected (self->unit_dropdown);
  if (unit >= G_N_ELEMENTS (unit_suffixes))
    unit = 1;
  if (size > 0)
    {
      char buf[G_ASCII_DTOSTR_BUF_SIZE];

      /* Storage takes "1.5MB" (decimal units) and rejects a trailing ".0". */
      if (size == (double) (gint64) size)
        g_snprintf (buf, sizeof buf, "%" G_GINT64_FORMAT, (gint64) size);
      else
        g_ascii_formatd (buf, sizeof buf, "%.1f", size);
      size_text = g_strconcat (buf, unit_suffixes[unit], NULL);
    }

  settings.fields = SUPA_BUCKET_FIELD_PUBLIC | SUPA_BUCKET_FIELD_FILE_SIZE_LIMIT | SUPA_BUCKET_FIELD_ALLOWED_MIME_TYPES;
  settings.is_public = gtk_switch_get_active (self->public_switch);
  settings.file_size_limit = size_text;
  settings.allowed_mime_types = types[0] != NULL ? (const char * const *) types : NULL;

  set_error_text (self, NULL);
  set_busy (self, TRUE);

  if (self->bucket != NULL)
    supa_storage_update_bucket_async (self->storage, supa_bucket_get_id (self->bucket), &settings,
                                      self->cancellable, save_cb, g_object_ref (self));
  else
    supa_storage_create_bucket_async (self->storage, name, &settings,
                                      self->cancellable, save_cb, g_object_ref (self));
}

const char *
supa_bucket_dialog_get_error_text (SupaBucketDialog *self)
{
  g_return_val_if_fail (SUPA_IS_BUCKET_DIALOG (self), NULL);

  return self->error_text;
}
