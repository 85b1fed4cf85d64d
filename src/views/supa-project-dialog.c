/* supa-project-dialog.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "supa-project-dialog"

#include "config.h"

#include <glib/gi18n.h>

#include "supa-connect-form.h"
#include "supa-project-dialog.h"
#include "supa-resources.h"

struct _SupaProjectDialog
{
  AdwWindow         parent_instance;

  SupaProfileStore *store;
  SupaProfile      *profile;

  AdwWindowTitle   *window_title;
  AdwBin           *form_bin;
  GtkWidget        *form;
};

G_DEFINE_FINAL_TYPE (SupaProjectDialog, supa_project_dialog, ADW_TYPE_WINDOW)

enum {
  PROP_0,
  PROP_PROFILE_STORE,
  PROP_PROFILE,
  N_PROPS
};

enum {
  SAVED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

static void
form_saved_cb (SupaProjectDialog *self,
               SupaProfile       *profile)
{
  g_signal_emit (self, signals[SAVED], 0, profile);
  gtk_window_destroy (GTK_WINDOW (self));
}

static void
supa_project_dialog_constructed (GObject *object)
{
  SupaProjectDialog *self = (SupaProjectDialog *)object;
  const char *title;

  G_OBJECT_CLASS (supa_project_dialog_parent_class)->constructed (object);

  title = self->profile != NULL ? _("Edit Project") : _("Add Project");
  gtk_window_set_title (GTK_WINDOW (self), title);
  adw_window_title_set_title (self->window_title, title);
  if (self->profile != NULL)
    adw_window_title_set_subtitle (self->window_title, supa_profile_get_name (self->profile));

  self->form = supa_connect_form_new (self->store, self->profile);
  g_signal_connect_object (self->form, "saved", G_CALLBACK (form_saved_cb), self, G_CONNECT_SWAPPED);
  adw_bin_set_child (self->form_bin, self->form);
  gtk_widget_grab_focus (self->form);
}

static void
supa_project_dialog_dispose (GObject *object)
{
  SupaProjectDialog *self = (SupaProjectDialog *)object;

  gtk_widget_dispose_template (GTK_WIDGET (self), SUPA_TYPE_PROJECT_DIALOG);
  self->form = NULL;
  g_clear_object (&self->store);
  g_clear_object (&self->profile);

  G_OBJECT_CLASS (supa_project_dialog_parent_class)->dispose (object);
}

static void
supa_project_dialog_get_property (GObject    *object,
                                  guint       prop_id,
                                  GValue     *value,
                                  GParamSpec *pspec)
{
  SupaProjectDialog *self = SUPA_PROJECT_DIALOG (object);

  switch (prop_id)
    {
    case PROP_PROFILE_STORE:
      g_value_set_object (value, self->store);
      break;
    case PROP_PROFILE:
      g_value_set_object (value, self->profile);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
supa_project_dialog_set_property (GObject      *object,
                                  guint         prop_id,
                                  const GValue *value,
                                  GParamSpec   *pspec)
{
  SupaProjectDialog *self = SUPA_PROJECT_DIALOG (object);

  switch (prop_id)
    {
    case PROP_PROFILE_STORE:
      self->store = g_value_dup_object (value);
      break;
    case PROP_PROFILE:
      self->profile = g_value_dup_object (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
supa_project_dialog_class_init (SupaProjectDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->constructed = supa_project_dialog_constructed;
  object_class->dispose = supa_project_dialog_dispose;
  object_class->get_property = supa_project_dialog_get_property;
  object_class->set_property = supa_project_dialog_set_property;

  properties[PROP_PROFILE_STORE] =
    g_param_spec_object ("profile-store", NULL, NULL, SUPA_TYPE_PROFILE_STORE,
                         (G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS));
  properties[PROP_PROFILE] =
    g_param_spec_object ("profile", NULL, NULL, SUPA_TYPE_PROFILE,
                         (G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS));

  g_object_class_install_properties (object_class, N_PROPS, properties);

  signals[SAVED] =
    g_signal_new ("saved",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, SUPA_TYPE_PROFILE);

  supa_resources_ensure ();
  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/supadesk/Supadesk/supa-project-dialog.ui");
  gtk_widget_class_bind_template_child (widget_class, SupaProjectDialog, window_title);
  gtk_widget_class_bind_template_child (widget_class, SupaProjectDialog, form_bin);
}

static void
supa_project_dialog_init (SupaProjectDialog *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

SupaProjectDialog *
supa_project_dialog_new (GtkWindow        *parent,
                         SupaProfileStore *store,
                         SupaProfile      *profile)
{
  g_return_val_if_fail (!parent || GTK_IS_WINDOW (parent), NULL);
  g_return_val_if_fail (SUPA_IS_PROFILE_STORE (store), NULL);
  g_return_val_if_fail (!profile || SUPA_IS_PROFILE (profile), NULL);

  return g_object_new (SUPA_TYPE_PROJECT_DIALOG,
                       "transient-for", parent,
                       "profile-store", store,
                       "profile", profile,
                       NULL);
}

GtkWidget *
supa_project_dialog_get_form (SupaProjectDialog *self)
{
  g_return_val_if_fail (SUPA_IS_PROJECT_DIALOG (self), NULL);

  return self->form;
}
