/* supa-connect-form.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "supa-connect-form"

#include "config.h"

#include <glib/gi18n.h>

#include "supa-client.h"
#include "supa-connect-form.h"
#include "supa-health.h"
#include "supa-health-row.h"
#include "supa-key-info.h"
#include "supa-resources.h"

typedef enum
{
  MESSAGE_NONE,
  MESSAGE_HINT,
  MESSAGE_WARNING,
  MESSAGE_ERROR,
} MessageKind;

typedef enum
{
  PENDING_NONE,
  PENDING_SAVE,
  PENDING_TEST,
} PendingAction;

struct _SupaConnectForm
{
  GtkWidget           parent_instance;

  SupaProfileStore   *store;
  SupaProfile        *profile;
  GCancellable       *cancellable;
  GCancellable       *test_cancellable;
  SupaHealthCheck    *test_check;

  /* Results of the last validation. */
  char               *normalized_url;
  SupaUrlSecurity     url_security;
  SupaKeyInfo        *key_info;
  char               *confirmed_insecure_url;

  guint               name_touched : 1;
  guint               url_touched : 1;
  guint               key_touched : 1;
  guint               show_all : 1;
  guint               name_ok : 1;
  guint               url_ok : 1;
  guint               key_ok : 1;
  guint               busy : 1;

  AdwEntryRow        *name_row;
  GtkWidget          *name_message_row;
  GtkLabel           *name_message;
  AdwEntryRow        *url_row;
  GtkWidget          *url_message_row;
  GtkLabel           *url_message;
  AdwEntryRow        *key_row;
  GtkWidget          *key_message_row;
  GtkLabel           *key_message;
  AdwComboRow        *tag_row;
  AdwComboRow        *color_row;
  GtkLabel           *error_label;
  GtkSpinner         *busy_spinner;
  GtkButton          *test_button;
  GtkButton          *save_button;
  GtkWidget          *test_box;
  GtkLabel           *test_heading;
  GtkListBox         *test_list;
};

G_DEFINE_FINAL_TYPE (SupaConnectForm, supa_connect_form, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_PROFILE_STORE,
  PROP_PROFILE,
  PROP_VALID,
  PROP_BUSY,
  N_PROPS
};

enum {
  SAVED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

/* Values stored in the profile, in the order of the combo rows. */
static const char * const tag_values[] = { "", "development", "staging", SUPA_PROFILE_TAG_PRODUCTION };
static const char * const color_values[] = { "", "blue", "green", "yellow", "orange", "red", "purple" };

static const char * const message_classes[] = { "dim-label", "warning", "error" };

static guint
index_of (const char * const *values,
          guint               n_values,
          const char         *value)
{
  if (value == NULL)
    return 0;

  for (guint i = 0; i < n_values; i++)
    if (g_ascii_strcasecmp (values[i], value) == 0)
      return i;

  return 0;
}

static void
set_message (SupaConnectForm *self,
             GtkWidget       *field,
             GtkWidget       *message_row,
             GtkLabel        *label,
             MessageKind      kind,
             const char      *text)
{
  for (guint i = 0; i < G_N_ELEMENTS (message_classes); i++)
    gtk_widget_remove_css_class (GTK_WIDGET (label), message_classes[i]);
  gtk_widget_remove_css_class (field, "error");
  gtk_widget_remove_css_class (field, "warning");

  switch (kind)
    {
    case MESSAGE_HINT:
      gtk_widget_add_css_class (GTK_WIDGET (label), "dim-label");
      break;
    case MESSAGE_WARNING:
      gtk_widget_add_css_class (GTK_WIDGET (label), "warning");
      gtk_widget_add_css_class (field, "warning");
      break;
    case MESSAGE_ERROR:
      gtk_widget_add_css_class (GTK_WIDGET (label), "error");
      gtk_widget_add_css_class (field, "error");
      break;
    case MESSAGE_NONE:
    default:
      break;
    }

  gtk_label_set_label (label, text != NULL ? text : "");
  gtk_widget_set_visible (message_row, kind != MESSAGE_NONE && text != NULL && *text != '\0');

  gtk_accessible_update_state (GTK_ACCESSIBLE (field),
                               GTK_ACCESSIBLE_STATE_INVALID,
                               kind == MESSAGE_ERROR ? GTK_ACCESSIBLE_INVALID_TRUE
                                                     : GTK_ACCESSIBLE_INVALID_FALSE,
                               -1);
}

static void
set_error (SupaConnectForm *self,
           const char      *text)
{
  gtk_label_set_label (self->error_label, text != NULL ? text : "");
  gtk_widget_set_visible (GTK_WIDGET (self->error_label), text != NULL);
}

static const char *
key_text (SupaConnectForm *self)
{
  return gtk_editable_get_text (GTK_EDITABLE (self->key_row));
}

static gboolean
is_valid (SupaConnectForm *self)
{
  return self->name_ok && self->url_ok && self->key_ok;
}

static void
update_sensitivity (SupaConnectForm *self)
{
  gboolean can_test = self->url_ok && self->key_ok &&
                      (*key_text (self) != '\0' || self->profile != NULL);

  gtk_widget_set_sensitive (GTK_WIDGET (self->save_button), is_valid (self) && !self->busy);
  gtk_widget_set_sensitive (GTK_WIDGET (self->test_button), can_test && !self->busy);
  gtk_widget_set_visible (GTK_WIDGET (self->busy_spinner), self->busy);
  gtk_spinner_set_spinning (self->busy_spinner, self->busy);
}

static void
set_busy (SupaConnectForm *self,
          gboolean         busy)
{
  busy = !!busy;
  if (self->busy == (guint) busy)
    return;

  self->busy = busy;
  update_sensitivity (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_BUSY]);
}

static void
validate_name (SupaConnectForm *self)
{
  g_autofree char *name = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->name_row))));

  self->name_ok = *name != '\0';

  if (!self->name_ok && (self->name_touched || self->show_all))
    set_message (self, GTK_WIDGET (self->name_row), self->name_message_row, self->name_message,
                 MESSAGE_ERROR, _("Enter a name for this project."));
  else
    set_message (self, GTK_WIDGET (self->name_row), self->name_message_row, self->name_message,
                 MESSAGE_NONE, NULL);
}

static void
validate_url (SupaConnectForm *self)
{
  g_autofree char *text = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->url_row))));
  g_autoptr(GError) error = NULL;
  GtkWidget *field = GTK_WIDGET (self->url_row);

  g_clear_pointer (&self->normalized_url, g_free);
  self->url_security = SUPA_URL_HTTPS;
  self->url_ok = FALSE;

  if (*text == '\0')
    {
      if (self->url_touched || self->show_all)
        set_message (self, field, self->url_message_row, self->url_message,
                     MESSAGE_ERROR, _("Enter the project URL, for example https://<ref>.supabase.co."));
      else
        set_message (self, field, self->url_message_row, self->url_message,
                     MESSAGE_HINT, _("For example https://<ref>.supabase.co. Find it on the project's Settings → API page."));
      return;
    }

  self->normalized_url = supa_project_url_normalize (text, &self->url_security, &error);
  if (self->normalized_url == NULL)
    {
      set_message (self, field, self->url_message_row, self->url_message,
                   MESSAGE_ERROR, error != NULL ? error->message : _("This is not a valid project URL."));
      return;
    }

  self->url_ok = TRUE;

  if (self->url_security == SUPA_URL_INSECURE_HTTP)
    set_message (self, field, self->url_message_row, self->url_message,
                 MESSAGE_WARNING,
                 _("Plain HTTP to another computer: the API key and your data travel unencrypted. You will be asked to confirm."));
  else if (g_strcmp0 (self->normalized_url, text) != 0)
    {
      /* Translators: %s is a URL */
      g_autofree char *hint = g_strdup_printf (_("Will connect to %s"), self->normalized_url);

      set_message (self, field, self->url_message_row, self->url_message, MESSAGE_HINT, hint);
    }
  else
    set_message (self, field, self->url_message_row, self->url_message, MESSAGE_NONE, NULL);
}

static void
validate_key (SupaConnectForm *self)
{
  const char *key = key_text (self);
  g_autoptr(GError) error = NULL;
  g_autoptr(GDateTime) now = NULL;
  g_autofree char *text = NULL;
  GtkWidget *field = GTK_WIDGET (self->key_row);
  GDateTime *expires;
  MessageKind kind;

  g_clear_object (&self->key_info);
  self->key_ok = FALSE;

  if (*key == '\0')
    {
      if (self->profile != NULL)
        {
          self->key_ok = TRUE;
          set_message (self, field, self->key_message_row, self->key_message,
                       MESSAGE_HINT, _("Leave empty to keep the stored key."));
        }
      else if (self->key_touched || self->show_all)
        set_message (self, field, self->key_message_row, self->key_message,
                     MESSAGE_ERROR, _("Enter the project's API key."));
      else
        set_message (self, field, self->key_message_row, self->key_message,
                     MESSAGE_HINT, _("The anon or service_role key from Settings → API. It is kept in the system keyring only."));
      return;
    }

  self->key_info = supa_key_info_parse (key, &error);
  if (self->key_info == NULL)
    {
      set_message (self, field, self->key_message_row, self->key_message,
                   MESSAGE_ERROR, error != NULL ? error->message : _("This is not a Supabase API key."));
      return;
    }

  self->key_ok = TRUE;

  if (supa_key_info_bypasses_rls (self->key_info))
    {
      kind = MESSAGE_WARNING;
      /* Translators: %s is a key role such as service_role */
      text = g_strdup_printf (_("Role: %s — bypasses row level security"),
                              supa_key_info_get_role (self->key_info));
    }
  else
    {
      kind = MESSAGE_HINT;
      /* Translators: the first %s is a key role such as anon, the second its description */
      text = g_strdup_printf (_("Role: %s — %s"),
                              supa_key_info_get_role (self->key_info),
                              supa_key_info_get_role_label (self->key_info));
    }

  now = g_date_time_new_now_utc ();
  expires = supa_key_info_get_expires_at (self->key_info);
  if (expires != NULL && supa_key_info_is_expired (self->key_info, now))
    {
      g_autoptr(GDateTime) local = g_date_time_to_local (expires);
      g_autofree char *date = g_date_time_format (local, "%x");
      g_autofree char *full = NULL;

      /* Translators: %s is a date */
      full = g_strdup_printf (_("%s. This key expired on %s."), text, date);
      g_free (text);
      text = g_steal_pointer (&full);
      kind = MESSAGE_WARNING;
    }

  set_message (self, field, self->key_message_row, self->key_message, kind, text);
}

static void
validate (SupaConnectForm *self)
{
  gboolean was_valid = is_valid (self);

  validate_name (self);
  validate_url (self);
  validate_key (self);
  update_sensitivity (self);

  if (was_valid != is_valid (self))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_VALID]);
}

static void
focus_first_invalid (SupaConnectForm *self)
{
  if (!self->name_ok)
    gtk_widget_grab_focus (GTK_WIDGET (self->name_row));
  else if (!self->url_ok)
    gtk_widget_grab_focus (GTK_WIDGET (self->url_row));
  else if (!self->key_ok)
    gtk_widget_grab_focus (GTK_WIDGET (self->key_row));
}

static void
save_cb (GObject      *object,
         GAsyncResult *result,
         gpointer      user_data)
{
  g_autoptr(SupaConnectForm) self = user_data;
  g_autoptr(SupaProfile) profile = NULL;
  g_autoptr(GError) error = NULL;

  profile = g_object_steal_data (G_OBJECT (self), "supa-saving-profile");

  if (!supa_profile_store_save_finish (SUPA_PROFILE_STORE (object), result, &error))
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;

      set_busy (self, FALSE);

      if (g_error_matches (error, SUPA_ERROR, SUPA_ERROR_CONFLICT))
        {
          set_message (self, GTK_WIDGET (self->name_row), self->name_message_row,
                       self->name_message, MESSAGE_ERROR, error->message);
          gtk_widget_grab_focus (GTK_WIDGET (self->name_row));
        }
      else
        set_error (self, error->message);
      return;
    }

  set_busy (self, FALSE);
  g_signal_emit (self, signals[SAVED], 0, profile);
}

static void
do_save (SupaConnectForm *self)
{
  g_autoptr(SupaProfile) profile = NULL;
  g_autofree char *name = NULL;
  const char *key = key_text (self);
  const char *role = NULL;
  guint tag_index;
  guint color_index;

  if (self->profile != NULL)
    profile = supa_profile_copy (self->profile, supa_profile_get_id (self->profile));
  else
    {
      g_autofree char *id = g_uuid_string_random ();

      profile = supa_profile_new (id);
    }

  name = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->name_row))));
  tag_index = adw_combo_row_get_selected (self->tag_row);
  color_index = adw_combo_row_get_selected (self->color_row);

  if (self->key_info != NULL)
    role = supa_key_info_get_role (self->key_info);
  else if (self->profile != NULL)
    role = supa_profile_get_role (self->profile);

  supa_profile_set_name (profile, name);
  supa_profile_set_url (profile, self->normalized_url);
  supa_profile_set_role (profile, role);
  supa_profile_set_tag (profile, tag_index < G_N_ELEMENTS (tag_values) ? tag_values[tag_index] : "");
  if (color_index > 0 && color_index < G_N_ELEMENTS (color_values))
    supa_profile_set_color (profile, color_values[color_index]);
  else
    supa_profile_set_color (profile, NULL);

  set_error (self, NULL);
  set_busy (self, TRUE);

  g_object_set_data_full (G_OBJECT (self), "supa-saving-profile",
                          g_object_ref (profile), g_object_unref);
  supa_profile_store_save_async (self->store, profile,
                                 *key != '\0' ? key : NULL,
                                 self->cancellable,
                                 save_cb,
                                 g_object_ref (self));
}

static void
test_run_cb (GObject      *object,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(SupaConnectForm) self = user_data;
  SupaHealthCheck *check = SUPA_HEALTH_CHECK (object);
  g_autoptr(GError) error = NULL;

  if (!supa_health_check_run_finish (check, result, &error))
    return;

  if (check != self->test_check)
    return;

  if (supa_health_check_get_all_reachable (check))
    gtk_label_set_label (self->test_heading, _("Connection Test: All Services Answered"));
  else
    gtk_label_set_label (self->test_heading, _("Connection Test: Problems Found"));
}

static GtkWidget *
create_health_row_cb (gpointer item,
                      gpointer user_data)
{
  return supa_health_row_new (SUPA_SERVICE_HEALTH (item));
}

static void
start_test (SupaConnectForm *self,
            const char      *key)
{
  g_autoptr(SupaClient) client = NULL;

  g_cancellable_cancel (self->test_cancellable);
  g_clear_object (&self->test_cancellable);
  self->test_cancellable = g_cancellable_new ();

  client = supa_client_new (self->normalized_url, key, NULL);
  g_set_object (&self->test_check, NULL);
  self->test_check = supa_health_check_new (client);

  gtk_list_box_bind_model (self->test_list, G_LIST_MODEL (self->test_check),
                           create_health_row_cb,
                           NULL, NULL);
  gtk_label_set_label (self->test_heading, _("Connection Test"));
  gtk_widget_set_visible (self->test_box, TRUE);

  supa_health_check_run_async (self->test_check, self->test_cancellable,
                               test_run_cb, g_object_ref (self));
}

static void
test_lookup_cb (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(SupaConnectForm) self = user_data;
  g_autoptr(GError) error = NULL;
  char *key;

  key = supa_profile_store_lookup_key_finish (SUPA_PROFILE_STORE (object), result, &error);
  if (key == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        set_error (self, error != NULL ? error->message : _("The stored API key could not be read."));
      return;
    }

  start_test (self, key);
  supa_keyring_free_secret (key);
}

static void
do_test (SupaConnectForm *self)
{
  set_error (self, NULL);

  if (*key_text (self) == '\0' && self->profile != NULL)
    {
      supa_profile_store_lookup_key_async (self->store, self->profile, self->cancellable,
                                           test_lookup_cb, g_object_ref (self));
      return;
    }

  start_test (self, key_text (self));
}

static void
run_action (SupaConnectForm *self,
            PendingAction    action)
{
  if (action == PENDING_SAVE)
    do_save (self);
  else if (action == PENDING_TEST)
    do_test (self);
}

static void
insecure_response_cb (AdwMessageDialog *dialog,
                      const char       *response,
                      SupaConnectForm  *self)
{
  PendingAction action = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (dialog), "supa-pending"));
  const char *url = g_object_get_data (G_OBJECT (dialog), "supa-url");

  if (g_strcmp0 (response, "connect") != 0)
    {
      gtk_widget_grab_focus (GTK_WIDGET (self->url_row));
      return;
    }

  /* The form may have changed under the dialog; only act on what was shown. */
  if (g_strcmp0 (url, self->normalized_url) != 0)
    return;

  g_free (self->confirmed_insecure_url);
  self->confirmed_insecure_url = g_strdup (url);
  run_action (self, action);
}

static void
run_or_confirm (SupaConnectForm *self,
                PendingAction    action)
{
  AdwMessageDialog *dialog;
  g_autoptr(GUri) uri = NULL;
  GtkRoot *root;

  if (self->url_security != SUPA_URL_INSECURE_HTTP ||
      g_strcmp0 (self->confirmed_insecure_url, self->normalized_url) == 0)
    {
      run_action (self, action);
      return;
    }

  uri = g_uri_parse (self->normalized_url, G_URI_FLAGS_NONE, NULL);
  root = gtk_widget_get_root (GTK_WIDGET (self));

  dialog = ADW_MESSAGE_DIALOG (adw_message_dialog_new (GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                                                       _("Connect without encryption?"),
                                                       NULL));
  adw_message_dialog_format_body (dialog,
                                  _("“%s” is not on this computer and the URL uses plain HTTP. "
                                    "Anyone on the network between you and the server can read "
                                    "the API key and every row you load or change."),
                                  uri != NULL && g_uri_get_host (uri) != NULL ? g_uri_get_host (uri)
                                                                              : self->normalized_url);
  adw_message_dialog_add_responses (dialog,
                                    "cancel", _("_Cancel"),
                                    "connect", _("Connect _Anyway"),
                                    NULL);
  adw_message_dialog_set_response_appearance (dialog, "connect", ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_default_response (dialog, "cancel");
  adw_message_dialog_set_close_response (dialog, "cancel");
  g_object_set_data (G_OBJECT (dialog), "supa-pending", GINT_TO_POINTER (action));
  g_object_set_data_full (G_OBJECT (dialog), "supa-url", g_strdup (self->normalized_url), g_free);
  g_signal_connect_object (dialog, "response", G_CALLBACK (insecure_response_cb), self, 0);

  gtk_window_present (GTK_WINDOW (dialog));
}

static void
field_changed_cb (SupaConnectForm *self,
                  GtkEditable     *editable)
{
  if (editable == GTK_EDITABLE (self->name_row))
    self->name_touched = TRUE;
  else if (editable == GTK_EDITABLE (self->url_row))
    self->url_touched = TRUE;
  else if (editable == GTK_EDITABLE (self->key_row))
    self->key_touched = TRUE;

  set_error (self, NULL);
  validate (self);
}

static void
entry_activated_cb (SupaConnectForm *self)
{
  supa_connect_form_save (self);
}

static void
save_clicked_cb (SupaConnectForm *self)
{
  supa_connect_form_save (self);
}

static void
test_clicked_cb (SupaConnectForm *self)
{
  supa_connect_form_test_connection (self);
}

static void
supa_connect_form_fill (SupaConnectForm *self)
{
  if (self->profile == NULL)
    return;

  gtk_editable_set_text (GTK_EDITABLE (self->name_row),
                         supa_profile_get_name (self->profile) ? supa_profile_get_name (self->profile) : "");
  gtk_editable_set_text (GTK_EDITABLE (self->url_row),
                         supa_profile_get_url (self->profile) ? supa_profile_get_url (self->profile) : "");
  adw_combo_row_set_selected (self->tag_row,
                              index_of (tag_values, G_N_ELEMENTS (tag_values),
                                        supa_profile_get_tag (self->profile)));
  adw_combo_row_set_selected (self->color_row,
                              index_of (color_values, G_N_ELEMENTS (color_values),
                                        supa_profile_get_color (self->profile)));
  /* A stored URL was accepted before (an insecure one included). */
  g_free (self->confirmed_insecure_url);
  self->confirmed_insecure_url = g_strdup (supa_profile_get_url (self->profile));
}

static gboolean
supa_connect_form_grab_focus (GtkWidget *widget)
{
  SupaConnectForm *self = SUPA_CONNECT_FORM (widget);

  return gtk_widget_grab_focus (GTK_WIDGET (self->name_row));
}

static void
supa_connect_form_constructed (GObject *object)
{
  SupaConnectForm *self = (SupaConnectForm *)object;

  G_OBJECT_CLASS (supa_connect_form_parent_class)->constructed (object);

  supa_connect_form_fill (self);
  self->name_touched = self->url_touched = self->key_touched = FALSE;
  validate (self);
}

static void
supa_connect_form_dispose (GObject *object)
{
  SupaConnectForm *self = (SupaConnectForm *)object;
  GtkWidget *child;

  g_cancellable_cancel (self->cancellable);
  g_cancellable_cancel (self->test_cancellable);
  if (self->test_list != NULL)
    gtk_list_box_bind_model (self->test_list, NULL, NULL, NULL, NULL);
  gtk_widget_dispose_template (GTK_WIDGET (self), SUPA_TYPE_CONNECT_FORM);
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self))) != NULL)
    gtk_widget_unparent (child);

  g_clear_object (&self->cancellable);
  g_clear_object (&self->test_cancellable);
  g_clear_object (&self->test_check);
  g_clear_object (&self->key_info);
  g_clear_object (&self->store);
  g_clear_object (&self->profile);

  G_OBJECT_CLASS (supa_connect_form_parent_class)->dispose (object);
}

static void
supa_connect_form_finalize (GObject *object)
{
  SupaConnectForm *self = (SupaConnectForm *)object;

  g_clear_pointer (&self->normalized_url, g_free);
  g_clear_pointer (&self->confirmed_insecure_url, g_free);

  G_OBJECT_CLASS (supa_connect_form_parent_class)->finalize (object);
}

static void
supa_connect_form_get_property (GObject    *object,
                                guint       prop_id,
                                GValue     *value,
                                GParamSpec *pspec)
{
  SupaConnectForm *self = SUPA_CONNECT_FORM (object);

  switch (prop_id)
    {
    case PROP_PROFILE_STORE:
      g_value_set_object (value, self->store);
      break;
    case PROP_PROFILE:
      g_value_set_object (value, self->profile);
      break;
    case PROP_VALID:
      g_value_set_boolean (value, is_valid (self));
      break;
    case PROP_BUSY:
      g_value_set_boolean (value, self->busy);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
supa_connect_form_set_property (GObject      *object,
                                guint         prop_id,
                                const GValue *value,
                                GParamSpec   *pspec)
{
  SupaConnectForm *self = SUPA_CONNECT_FORM (object);

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
supa_connect_form_class_init (SupaConnectFormClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->constructed = supa_connect_form_constructed;
  object_class->dispose = supa_connect_form_dispose;
  object_class->finalize = supa_connect_form_finalize;
  object_class->get_property = supa_connect_form_get_property;
  object_class->set_property = supa_connect_form_set_property;

  widget_class->grab_focus = supa_connect_form_grab_focus;

  properties[PROP_PROFILE_STORE] =
    g_param_spec_object ("profile-store", NULL, NULL, SUPA_TYPE_PROFILE_STORE,
                         (G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS));
  properties[PROP_PROFILE] =
    g_param_spec_object ("profile", NULL, NULL, SUPA_TYPE_PROFILE,
                         (G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS));
  properties[PROP_VALID] =
    g_param_spec_boolean ("valid", NULL, NULL, FALSE,
                          (G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));
  properties[PROP_BUSY] =
    g_param_spec_boolean ("busy", NULL, NULL, FALSE,
                          (G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * SupaConnectForm::saved:
   * @profile: the profile as the store saved it
   */
  signals[SAVED] =
    g_signal_new ("saved",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, SUPA_TYPE_PROFILE);

  supa_resources_ensure ();
  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/supadesk/Supadesk/supa-connect-form.ui");
  gtk_widget_class_bind_template_child (widget_class, SupaConnectForm, name_row);
  gtk_widget_class_bind_template_child (widget_class, SupaConnectForm, name_message_row);
  gtk_widget_class_bind_template_child (widget_class, SupaConnectForm, name_message);
  gtk_widget_class_bind_template_child (widget_class, SupaConnectForm, url_row);
  gtk_widget_class_bind_template_child (widget_class, SupaConnectForm, url_message_row);
  gtk_widget_class_bind_template_child (widget_class, SupaConnectForm, url_message);
  gtk_widget_class_bind_template_child (widget_class, SupaConnectForm, key_row);
  gtk_widget_class_bind_template_child (widget_class, SupaConnectForm, key_message_row);
  gtk_widget_class_bind_template_child (widget_class, SupaConnectForm, key_message);
  gtk_widget_class_bind_template_child (widget_class, SupaConnectForm, tag_row);
  gtk_widget_class_bind_template_child (widget_class, SupaConnectForm, color_row);
  gtk_widget_class_bind_template_child (widget_class, SupaConnectForm, error_label);
  gtk_widget_class_bind_template_child (widget_class, SupaConnectForm, busy_spinner);
  gtk_widget_class_bind_template_child (widget_class, SupaConnectForm, test_button);
  gtk_widget_class_bind_template_child (widget_class, SupaConnectForm, save_button);
  gtk_widget_class_bind_template_child (widget_class, SupaConnectForm, test_box);
  gtk_widget_class_bind_template_child (widget_class, SupaConnectForm, test_heading);
  gtk_widget_class_bind_template_child (widget_class, SupaConnectForm, test_list);
  gtk_widget_class_bind_template_callback (widget_class, field_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, entry_activated_cb);
  gtk_widget_class_bind_template_callback (widget_class, save_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, test_clicked_cb);
}

static void
supa_connect_form_init (SupaConnectForm *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  self->cancellable = g_cancellable_new ();

  gtk_accessible_update_relation (GTK_ACCESSIBLE (self->name_row),
                                  GTK_ACCESSIBLE_RELATION_DESCRIBED_BY, self->name_message, NULL,
                                  -1);
  gtk_accessible_update_relation (GTK_ACCESSIBLE (self->url_row),
                                  GTK_ACCESSIBLE_RELATION_DESCRIBED_BY, self->url_message, NULL,
                                  -1);
  gtk_accessible_update_relation (GTK_ACCESSIBLE (self->key_row),
                                  GTK_ACCESSIBLE_RELATION_DESCRIBED_BY, self->key_message, NULL,
                                  -1);
  gtk_accessible_update_relation (GTK_ACCESSIBLE (self->test_list),
                                  GTK_ACCESSIBLE_RELATION_LABELLED_BY, self->test_heading, NULL,
                                  -1);
}

GtkWidget *
supa_connect_form_new (SupaProfileStore *store,
                       SupaProfile      *profile)
{
  g_return_val_if_fail (SUPA_IS_PROFILE_STORE (store), NULL);
  g_return_val_if_fail (!profile || SUPA_IS_PROFILE (profile), NULL);

  return g_object_new (SUPA_TYPE_CONNECT_FORM,
                       "profile-store", store,
                       "profile", profile,
                       NULL);
}

SupaProfileStore *
supa_connect_form_get_profile_store (SupaConnectForm *self)
{
  g_return_val_if_fail (SUPA_IS_CONNECT_FORM (self), NULL);

  return self->store;
}

SupaProfile *
supa_connect_form_get_profile (SupaConnectForm *self)
{
  g_return_val_if_fail (SUPA_IS_CONNECT_FORM (self), NULL);

  return self->profile;
}

gboolean
supa_connect_form_get_valid (SupaConnectForm *self)
{
  g_return_val_if_fail (SUPA_IS_CONNECT_FORM (self), FALSE);

  return is_valid (self);
}

gboolean
supa_connect_form_get_busy (SupaConnectForm *self)
{
  g_return_val_if_fail (SUPA_IS_CONNECT_FORM (self), FALSE);

  return self->busy;
}

void
supa_connect_form_save (SupaConnectForm *self)
{
  g_return_if_fail (SUPA_IS_CONNECT_FORM (self));

  if (self->busy)
    return;

  self->show_all = TRUE;
  validate (self);

  if (!is_valid (self))
    {
      focus_first_invalid (self);
      return;
    }

  run_or_confirm (self, PENDING_SAVE);
}

void
supa_connect_form_test_connection (SupaConnectForm *self)
{
  g_return_if_fail (SUPA_IS_CONNECT_FORM (self));

  if (self->busy || !self->url_ok || !self->key_ok)
    return;

  run_or_confirm (self, PENDING_TEST);
}
