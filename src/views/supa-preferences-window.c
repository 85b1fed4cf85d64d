/* supa-preferences-window.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "supa-preferences-window"

#include "config.h"

#include <glib/gi18n.h>

#include "supa-preferences-window.h"
#include "supa-project-dialog.h"
#include "supa-resources.h"

struct _SupaPreferencesWindow
{
  AdwPreferencesWindow  parent_instance;

  SupaProfileStore     *store;
  GSettings            *settings;
  GCancellable         *cancellable;
  gboolean              read_only;

  GtkListBox           *projects_list;
  GtkSpinButton        *page_size_spin;
  GtkSpinButton        *concurrency_spin;
  GtkSwitch            *confirm_switch;
};

G_DEFINE_FINAL_TYPE (SupaPreferencesWindow, supa_preferences_window, ADW_TYPE_PREFERENCES_WINDOW)

enum {
  PROP_0,
  PROP_PROFILE_STORE,
  PROP_READ_ONLY,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static const char *
tag_display_name (const char *tag)
{
  if (tag == NULL || *tag == '\0')
    return NULL;
  if (g_str_equal (tag, "development"))
    return _("Development");
  if (g_str_equal (tag, "staging"))
    return _("Staging");
  if (g_str_equal (tag, SUPA_PROFILE_TAG_PRODUCTION))
    return _("Production");
  return tag;
}

static GtkWidget *
new_badge (const char *text,
           const char *extra_class)
{
  GtkWidget *badge = gtk_label_new (text);

  gtk_widget_set_valign (badge, GTK_ALIGN_CENTER);
  gtk_widget_add_css_class (badge, "badge");
  if (extra_class != NULL)
    gtk_widget_add_css_class (badge, extra_class);

  return badge;
}

static GtkWidget *
new_row_button (const char *icon_name,
                const char *tooltip,
                const char *action_name,
                const char *profile_id)
{
  GtkWidget *button = gtk_button_new_from_icon_name (icon_name);

  gtk_widget_set_valign (button, GTK_ALIGN_CENTER);
  gtk_widget_set_tooltip_text (button, tooltip);
  gtk_widget_add_css_class (button, "flat");
  gtk_actionable_set_action_name (GTK_ACTIONABLE (button), action_name);
  gtk_actionable_set_action_target (GTK_ACTIONABLE (button), "s", profile_id);

  return button;
}

static GtkWidget *
create_project_row_cb (gpointer item,
                       gpointer user_data)
{
  SupaProfile *profile = SUPA_PROFILE (item);
  const char *id = supa_profile_get_id (profile);
  const char *role = supa_profile_get_role (profile);
  const char *tag = tag_display_name (supa_profile_get_tag (profile));
  GtkWidget *row;
  GtkWidget *button;
  g_autofree char *label = NULL;

  row = adw_action_row_new ();
  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), supa_profile_get_name (profile));
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), supa_profile_get_url (profile));
  gtk_widget_set_name (row, id);

  if (role != NULL && *role != '\0')
    adw_action_row_add_suffix (ADW_ACTION_ROW (row),
                               new_badge (role, supa_profile_bypasses_rls (profile) ? "danger" : NULL));
  if (tag != NULL)
    adw_action_row_add_suffix (ADW_ACTION_ROW (row),
                               new_badge (tag, supa_profile_is_production (profile) ? "production" : "tag"));

  /* Translators: %s is a project name */
  label = g_strdup_printf (_("Edit “%s”"), supa_profile_get_name (profile));
  button = new_row_button ("document-edit-symbolic", _("Edit"), "prefs.edit", id);
  gtk_accessible_update_property (GTK_ACCESSIBLE (button), GTK_ACCESSIBLE_PROPERTY_LABEL, label, -1);
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), button);
  g_clear_pointer (&label, g_free);

  /* Translators: %s is a project name */
  label = g_strdup_printf (_("Duplicate “%s”"), supa_profile_get_name (profile));
  button = new_row_button ("edit-copy-symbolic", _("Duplicate"), "prefs.duplicate", id);
  gtk_accessible_update_property (GTK_ACCESSIBLE (button), GTK_ACCESSIBLE_PROPERTY_LABEL, label, -1);
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), button);
  g_clear_pointer (&label, g_free);

  /* Translators: %s is a project name */
  label = g_strdup_printf (_("Remove “%s”"), supa_profile_get_name (profile));
  button = new_row_button ("user-trash-symbolic", _("Remove"), "prefs.remove", id);
  gtk_accessible_update_property (GTK_ACCESSIBLE (button), GTK_ACCESSIBLE_PROPERTY_LABEL, label, -1);
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), button);

  return row;
}

static void
toast (SupaPreferencesWindow *self,
       const char            *text)
{
  adw_preferences_window_add_toast (ADW_PREFERENCES_WINDOW (self), adw_toast_new (text));
}

static void
toast_error (SupaPreferencesWindow *self,
             const char            *what,
             const GError          *error)
{
  g_autofree char *text = NULL;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  /* Translators: "Could not remove the project: <reason>" */
  text = g_strdup_printf (_("%s: %s"), what, error->message);
  toast (self, text);
}

static SupaProfile *
profile_for_param (SupaPreferencesWindow *self,
                   GVariant              *parameter)
{
  return supa_profile_store_find_by_id (self->store, g_variant_get_string (parameter, NULL));
}

static void
add_project_action (GtkWidget  *widget,
                    const char *action_name,
                    GVariant   *parameter)
{
  SupaPreferencesWindow *self = SUPA_PREFERENCES_WINDOW (widget);
  SupaProjectDialog *dialog;

  dialog = supa_project_dialog_new (GTK_WINDOW (self), self->store, NULL);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
edit_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  SupaPreferencesWindow *self = SUPA_PREFERENCES_WINDOW (widget);
  SupaProfile *profile = profile_for_param (self, parameter);
  SupaProjectDialog *dialog;

  if (profile == NULL)
    return;

  dialog = supa_project_dialog_new (GTK_WINDOW (self), self->store, profile);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
duplicate_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(SupaPreferencesWindow) self = user_data;
  g_autoptr(SupaProfile) copy = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;

  copy = supa_profile_store_duplicate_finish (SUPA_PROFILE_STORE (object), result, &error);
  if (copy == NULL)
    {
      toast_error (self, _("Could not duplicate the project"), error);
      return;
    }

  /* Translators: %s is the new project's name */
  text = g_strdup_printf (_("Duplicated as “%s”"), supa_profile_get_name (copy));
  toast (self, text);
}

static void
duplicate_action (GtkWidget  *widget,
                  const char *action_name,
                  GVariant   *parameter)
{
  SupaPreferencesWindow *self = SUPA_PREFERENCES_WINDOW (widget);
  SupaProfile *profile = profile_for_param (self, parameter);

  if (profile == NULL)
    return;

  supa_profile_store_duplicate_async (self->store, profile, self->cancellable,
                                      duplicate_cb, g_object_ref (self));
}

static void
remove_cb (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(SupaPreferencesWindow) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!supa_profile_store_remove_finish (SUPA_PROFILE_STORE (object), result, &error))
    toast_error (self, _("Could not remove the project"), error);
  else
    toast (self, _("Project removed"));
}

static void
remove_response_cb (AdwMessageDialog      *dialog,
                    const char            *response,
                    SupaPreferencesWindow *self)
{
  const char *id = g_object_get_data (G_OBJECT (dialog), "supa-profile-id");
  SupaProfile *profile;

  if (g_strcmp0 (response, "remove") != 0)
    return;

  profile = supa_profile_store_find_by_id (self->store, id);
  if (profile == NULL)
    return;

  supa_profile_store_remove_async (self->store, profile, self->cancellable,
                                   remove_cb, g_object_ref (self));
}

static void
remove_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  SupaPreferencesWindow *self = SUPA_PREFERENCES_WINDOW (widget);
  SupaProfile *profile = profile_for_param (self, parameter);
  AdwMessageDialog *dialog;

  if (profile == NULL)
    return;

  dialog = ADW_MESSAGE_DIALOG (adw_message_dialog_new (GTK_WINDOW (self), NULL, NULL));
  /* Translators: %s is a project name */
  adw_message_dialog_format_heading (dialog, _("Remove “%s”?"), supa_profile_get_name (profile));
  adw_message_dialog_set_body (dialog, _("Its API key is deleted from the keyring."));
  adw_message_dialog_add_responses (dialog,
                                    "cancel", _("_Cancel"),
                                    "remove", _("_Remove"),
                                    NULL);
  adw_message_dialog_set_response_appearance (dialog, "remove", ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_default_response (dialog, "cancel");
  adw_message_dialog_set_close_response (dialog, "cancel");
  g_object_set_data_full (G_OBJECT (dialog), "supa-profile-id",
                          g_strdup (supa_profile_get_id (profile)), g_free);
  g_signal_connect_object (dialog, "response", G_CALLBACK (remove_response_cb), self, 0);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
apply_range (GSettings     *settings,
             const char    *key,
             GtkSpinButton *spin)
{
  g_autoptr(GSettingsSchema) schema = NULL;
  g_autoptr(GSettingsSchemaKey) schema_key = NULL;
  g_autoptr(GVariant) range = NULL;
  g_autoptr(GVariant) bounds = NULL;
  const char *type;

  g_object_get (settings, "settings-schema", &schema, NULL);
  if (schema == NULL || !g_settings_schema_has_key (schema, key))
    return;

  schema_key = g_settings_schema_get_key (schema, key);
  range = g_settings_schema_key_get_range (schema_key);
  g_variant_get (range, "(&sv)", &type, &bounds);

  if (g_str_equal (type, "range") && g_variant_is_of_type (bounds, G_VARIANT_TYPE ("(ii)")))
    {
      gint32 min, max;

      g_variant_get (bounds, "(ii)", &min, &max);
      gtk_spin_button_set_range (spin, min, max);
    }
}

static void
bind_spin (SupaPreferencesWindow *self,
           const char            *key,
           GtkSpinButton         *spin)
{
  apply_range (self->settings, key, spin);
  g_settings_bind (self->settings, key,
                   gtk_spin_button_get_adjustment (spin), "value",
                   G_SETTINGS_BIND_DEFAULT);
}

static void
supa_preferences_window_constructed (GObject *object)
{
  SupaPreferencesWindow *self = (SupaPreferencesWindow *)object;
  GtkWidget *placeholder;

  G_OBJECT_CLASS (supa_preferences_window_parent_class)->constructed (object);

  placeholder = adw_action_row_new ();
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (placeholder), _("No saved projects yet"));
  gtk_widget_add_css_class (placeholder, "dim-label");
  gtk_list_box_set_placeholder (self->projects_list, placeholder);

  gtk_list_box_bind_model (self->projects_list, G_LIST_MODEL (self->store),
                           create_project_row_cb, self, NULL);

  /* Nothing may be written over profiles that could not be read. */
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "prefs.add-project", !self->read_only);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "prefs.edit", !self->read_only);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "prefs.duplicate", !self->read_only);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "prefs.remove", !self->read_only);
}

static void
supa_preferences_window_dispose (GObject *object)
{
  SupaPreferencesWindow *self = (SupaPreferencesWindow *)object;

  g_cancellable_cancel (self->cancellable);
  if (self->projects_list != NULL)
    gtk_list_box_bind_model (self->projects_list, NULL, NULL, NULL, NULL);
  gtk_widget_dispose_template (GTK_WIDGET (self), SUPA_TYPE_PREFERENCES_WINDOW);
  g_clear_object (&self->store);
  g_clear_object (&self->settings);
  g_clear_object (&self->cancellable);

  G_OBJECT_CLASS (supa_preferences_window_parent_class)->dispose (object);
}

static void
supa_preferences_window_get_property (GObject    *object,
                                      guint       prop_id,
                                      GValue     *value,
                                      GParamSpec *pspec)
{
  SupaPreferencesWindow *self = SUPA_PREFERENCES_WINDOW (object);

  switch (prop_id)
    {
    case PROP_PROFILE_STORE:
      g_value_set_object (value, self->store);
      break;
    case PROP_READ_ONLY:
      g_value_set_boolean (value, self->read_only);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
supa_preferences_window_set_property (GObject      *object,
                                      guint         prop_id,
                                      const GValue *value,
                                      GParamSpec   *pspec)
{
  SupaPreferencesWindow *self = SUPA_PREFERENCES_WINDOW (object);

  switch (prop_id)
    {
    case PROP_PROFILE_STORE:
      self->store = g_value_dup_object (value);
      break;
    case PROP_READ_ONLY:
      self->read_only = g_value_get_boolean (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
supa_preferences_window_class_init (SupaPreferencesWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->constructed = supa_preferences_window_constructed;
  object_class->dispose = supa_preferences_window_dispose;
  object_class->get_property = supa_preferences_window_get_property;
  object_class->set_property = supa_preferences_window_set_property;

  properties[PROP_PROFILE_STORE] =
    g_param_spec_object ("profile-store", NULL, NULL, SUPA_TYPE_PROFILE_STORE,
                         (G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS));
  properties[PROP_READ_ONLY] =
    g_param_spec_boolean ("read-only", NULL, NULL, FALSE,
                          (G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS));

  g_object_class_install_properties (object_class, N_PROPS, properties);

  supa_resources_ensure ();
  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/supadesk/Supadesk/supa-preferences-window.ui");
  gtk_widget_class_bind_template_child (widget_class, SupaPreferencesWindow, projects_list);
  gtk_widget_class_bind_template_child (widget_class, SupaPreferencesWindow, page_size_spin);
  gtk_widget_class_bind_template_child (widget_class, SupaPreferencesWindow, concurrency_spin);
  gtk_widget_class_bind_template_child (widget_class, SupaPreferencesWindow, confirm_switch);

  gtk_widget_class_install_action (widget_class, "prefs.add-project", NULL, add_project_action);
  gtk_widget_class_install_action (widget_class, "prefs.edit", "s", edit_action);
  gtk_widget_class_install_action (widget_class, "prefs.duplicate", "s", duplicate_action);
  gtk_widget_class_install_action (widget_class, "prefs.remove", "s", remove_action);
}

static void
supa_preferences_window_init (SupaPreferencesWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  self->cancellable = g_cancellable_new ();
  self->settings = g_settings_new (BASE_APPLICATION_ID);

  bind_spin (self, "row-page-size", self->page_size_spin);
  bind_spin (self, "transfer-concurrency", self->concurrency_spin);
  g_settings_bind (self->settings, "confirm-production-by-typing",
                   self->confirm_switch, "active",
                   G_SETTINGS_BIND_DEFAULT);

  gtk_accessible_update_relation (GTK_ACCESSIBLE (self->page_size_spin),
                                  GTK_ACCESSIBLE_RELATION_LABELLED_BY,
                                  gtk_widget_get_ancestor (GTK_WIDGET (self->page_size_spin), ADW_TYPE_ACTION_ROW), NULL,
                                  -1);
  gtk_accessible_update_relation (GTK_ACCESSIBLE (self->concurrency_spin),
                                  GTK_ACCESSIBLE_RELATION_LABELLED_BY,
                                  gtk_widget_get_ancestor (GTK_WIDGET (self->concurrency_spin), ADW_TYPE_ACTION_ROW), NULL,
                                  -1);
  gtk_accessible_update_relation (GTK_ACCESSIBLE (self->confirm_switch),
                                  GTK_ACCESSIBLE_RELATION_LABELLED_BY,
                                  gtk_widget_get_ancestor (GTK_WIDGET (self->confirm_switch), ADW_TYPE_ACTION_ROW), NULL,
                                  -1);
}

GtkWidget *
supa_preferences_window_new (GtkWindow        *parent,
                             SupaProfileStore *store,
                             gboolean          read_only)
{
  g_return_val_if_fail (!parent || GTK_IS_WINDOW (parent), NULL);
  g_return_val_if_fail (SUPA_IS_PROFILE_STORE (store), NULL);

  return g_object_new (SUPA_TYPE_PREFERENCES_WINDOW,
                       "transient-for", parent,
                       "profile-store", store,
                       "read-only", read_only,
                       NULL);
}
