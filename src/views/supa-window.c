/* supa-window.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "supa-window"

#include "config.h"

#include <string.h>
#include <glib/gi18n.h>

#include "supa-bucket-browser.h"
#include "supa-client.h"
#include "supa-connect-form.h"
#include "supa-health.h"
#include "supa-overview-page.h"
#include "supa-preferences-window.h"
#include "supa-project-dialog.h"
#include "supa-resources.h"
#include "supa-table-browser.h"
#include "supa-window.h"

struct _SupaWindow
{
  AdwApplicationWindow  parent_instance;

  SupaProfileStore     *store;
  GError               *load_error;
  GSettings            *settings;
  GCancellable         *cancellable;          /* the window's: cancelled on close */
  GCancellable         *connect_cancellable;  /* the current connection's */

  char                 *section;
  SupaProfile          *profile;
  char                 *transient_key;
  SupaClient           *client;
  SupaHealthCheck      *health_check;
  gboolean              transient;
  gboolean              saving;

  AdwToastOverlay      *toast_overlay;
  GtkStack             *main_stack;
  AdwStatusPage        *load_error_page;
  AdwBin               *welcome_bin;
  AdwLeaflet           *leaflet;
  GtkWidget            *content;
  GtkMenuButton        *profile_button;
  GtkPopover           *profile_popover;
  GtkWidget            *profile_dot;
  GtkLabel             *profile_name_label;
  GtkLabel             *profile_host_label;
  GtkLabel             *profile_badge;
  GtkListBox           *profiles_list;
  GtkListBox           *sections_list;
  AdwWindowTitle       *content_title;
  GtkStack             *content_stack;
  GtkSpinner           *connecting_spinner;
  GtkLabel             *connecting_label;
  AdwStatusPage        *keyring_error_page;
  GtkStack             *section_stack;
  SupaTableBrowser     *table_browser;
  SupaOverviewPage     *tables_page;        /* inside table_browser; owned */
  SupaOverviewPage     *storage_page;       /* not shown: keeps the checks; owned */
  SupaBucketBrowser    *bucket_browser;
  SupaOverviewPage     *users_page;
  SupaOverviewPage     *realtime_page;
};

G_DEFINE_FINAL_TYPE (SupaWindow, supa_window, ADW_TYPE_APPLICATION_WINDOW)

enum {
  PROP_0,
  PROP_PROFILE_STORE,
  PROP_LOAD_ERROR,
  PROP_SECTION,
  PROP_PROFILE,
  PROP_TRANSIENT,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

typedef struct
{
  const char *id;
  const char *title;
} SectionInfo;

static const SectionInfo sections[] = {
  { SUPA_SECTION_TABLES,   N_("Tables") },
  { SUPA_SECTION_STORAGE,  N_("Storage") },
  { SUPA_SECTION_USERS,    N_("Users") },
  { SUPA_SECTION_REALTIME, N_("Realtime") },
};

static const char * const color_names[] = { "blue", "green", "yellow", "orange", "red", "purple" };

static void supa_window_connect (SupaWindow *self);

static const SectionInfo *
find_section (const char *id)
{
  if (id == NULL)
    return NULL;

  for (guint i = 0; i < G_N_ELEMENTS (sections); i++)
    if (g_str_equal (sections[i].id, id))
      return &sections[i];

  return NULL;
}

static void
wipe_secret (char **secret)
{
  if (*secret != NULL)
    {
      explicit_bzero (*secret, strlen (*secret));
      g_clear_pointer (secret, g_free);
    }
}

static char *
host_of_url (const char *url)
{
  g_autoptr(GUri) uri = NULL;

  if (url == NULL)
    return NULL;

  uri = g_uri_parse (url, G_URI_FLAGS_NONE, NULL);
  if (uri == NULL || g_uri_get_host (uri) == NULL)
    return g_strdup (url);

  if (g_uri_get_port (uri) > 0)
    return g_strdup_printf ("%s:%d", g_uri_get_host (uri), g_uri_get_port (uri));

  return g_strdup (g_uri_get_host (uri));
}

static void
set_color_class (GtkWidget  *widget,
                 const char *color)
{
  for (guint i = 0; i < G_N_ELEMENTS (color_names); i++)
    {
      g_autofree char *css = g_strconcat ("color-", color_names[i], NULL);

      if (g_strcmp0 (color, color_names[i]) == 0)
        gtk_widget_add_css_class (widget, css);
      else
        gtk_widget_remove_css_class (widget, css);
    }

  gtk_widget_set_visible (widget, color != NULL && *color != '\0');
}

static gboolean
role_bypasses_rls (const char *role)
{
  return g_strcmp0 (role, "service_role") == 0 ||
         g_strcmp0 (role, "supabase_admin") == 0 ||
         g_strcmp0 (role, "secret") == 0;
}

static void
set_role_badge (GtkLabel   *badge,
                const char *role)
{
  gtk_label_set_label (badge, role != NULL ? role : "");
  gtk_widget_set_visible (GTK_WIDGET (badge), role != NULL && *role != '\0');
  if (role_bypasses_rls (role))
    gtk_widget_add_css_class (GTK_WIDGET (badge), "danger");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (badge), "danger");
}

static SupaOverviewPage *
overview_page (SupaWindow *self,
               guint       i)
{
  SupaOverviewPage *pages[] = { self->tables_page, self->storage_page, self->users_page, self->realtime_page };

  g_assert (i < G_N_ELEMENTS (pages));
  return pages[i];
}

static void
update_actions (SupaWindow *self)
{
  gboolean connected = self->profile != NULL;
  gboolean writable = self->load_error == NULL;
  gboolean running = self->health_check != NULL && supa_health_check_get_running (self->health_check);
  const char *page = gtk_stack_get_visible_child_name (self->content_stack);
  gboolean can_refresh;

  can_refresh = connected && !running &&
                (g_strcmp0 (page, "project") == 0 || g_strcmp0 (page, "keyring-error") == 0);

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.add-project", writable);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.manage-projects", TRUE);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.refresh", can_refresh);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.save-project",
                                 writable && self->transient && !self->saving);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.edit-project",
                                 writable && connected && !self->transient);
}

static void
update_header (SupaWindow *self)
{
  const SectionInfo *info = find_section (self->section);
  const char *name = NULL;
  const char *role = NULL;
  g_autofree char *host = NULL;
  g_autofree char *subtitle = NULL;

  if (self->profile != NULL)
    {
      name = supa_profile_get_name (self->profile);
      host = host_of_url (supa_profile_get_url (self->profile));
      role = supa_profile_get_role (self->profile);
      if (self->client != NULL && supa_client_get_key_info (self->client) != NULL)
        role = supa_key_info_get_role (supa_client_get_key_info (self->client));
    }

  if (self->transient && name != NULL)
    /* Translators: %s is a project name; the project was opened from the command line and is not saved */
    subtitle = g_strdup_printf (_("%s (not saved)"), name);

  adw_window_title_set_title (self->content_title, info != NULL ? _(info->title) : "");
  adw_window_title_set_subtitle (self->content_title, subtitle != NULL ? subtitle : (name != NULL ? name : ""));

  gtk_label_set_label (self->profile_name_label, name != NULL ? name : _("No Project"));
  gtk_label_set_label (self->profile_host_label, host != NULL ? host : "");
  gtk_widget_set_visible (GTK_WIDGET (self->profile_host_label), host != NULL);
  set_role_badge (self->profile_badge, role);
  set_color_class (self->profile_dot, self->profile != NULL ? supa_profile_get_color (self->profile) : NULL);

  if (name != NULL)
    {
      g_autofree char *a11y = NULL;

      /* Translators: accessible label of the project switcher, %s is a project name */
      a11y = g_strdup_printf (_("Current project: %s. Switch project"), name);
      gtk_accessible_update_property (GTK_ACCESSIBLE (self->profile_button),
                                      GTK_ACCESSIBLE_PROPERTY_LABEL, a11y,
                                      -1);
    }
}

static void
show_content_page (SupaWindow *self,
                   const char *name)
{
  gboolean entering = g_strcmp0 (gtk_stack_get_visible_child_name (self->main_stack), "main") != 0;

  gtk_stack_set_visible_child_name (self->main_stack, "main");

  /* Coming from the first-run page, start keyboard users in the sidebar. */
  if (entering && gtk_list_box_get_selected_row (self->sections_list) != NULL)
    gtk_widget_grab_focus (GTK_WIDGET (gtk_list_box_get_selected_row (self->sections_list)));

  gtk_stack_set_visible_child_name (self->content_stack, name);
  gtk_spinner_set_spinning (self->connecting_spinner, g_str_equal (name, "connecting"));
  update_actions (self);
}

static void
welcome_form_saved_cb (SupaWindow  *self,
                       SupaProfile *profile)
{
  supa_window_open_profile (self, profile);
}

static void
first_run_form_saved_cb (SupaWindow  *self,
                         SupaProfile *profile)
{
  /* Next time the first-run page shows, it starts from an empty form. */
  adw_bin_set_child (self->welcome_bin, NULL);
  supa_window_open_profile (self, profile);
}

static void
show_welcome (SupaWindow *self)
{
  GtkWidget *form = adw_bin_get_child (self->welcome_bin);

  if (form == NULL)
    {
      form = supa_connect_form_new (self->store, NULL);
      g_signal_connect_object (form, "saved", G_CALLBACK (first_run_form_saved_cb), self, G_CONNECT_SWAPPED);
      adw_bin_set_child (self->welcome_bin, form);
    }

  gtk_stack_set_visible_child_name (self->main_stack, "welcome");
  gtk_widget_grab_focus (form);
  update_actions (self);
}

static void
show_load_error (SupaWindow *self)
{
  g_autofree char *description = NULL;

  description = g_strdup_printf (_("%s\n\nThe file was left untouched and nothing will be written to it. "
                                   "Fix or move it, then start Supadesk again. "
                                   "You can still connect from the command line with --url."),
                                 self->load_error->message);
  adw_status_page_set_description (self->load_error_page, description);
  gtk_stack_set_visible_child_name (self->main_stack, "load-error");
  update_actions (self);
}

static void
clear_connection (SupaWindow *self)
{
  g_cancellable_cancel (self->connect_cancellable);
  g_clear_object (&self->connect_cancellable);

  if (self->health_check != NULL)
    g_signal_handlers_disconnect_by_data (self->health_check, self);
  g_clear_object (&self->health_check);
  g_clear_object (&self->client);

  /* Dispose may run again after the template is gone. */
  if (self->storage_page == NULL)
    return;

  supa_table_browser_set_client (self->table_browser, NULL, NULL, NULL);
  supa_bucket_browser_set_client (self->bucket_browser, NULL, NULL, NULL);

  for (guint i = 0; i < G_N_ELEMENTS (sections); i++)
    {
      supa_overview_page_set_health_check (overview_page (self, i), NULL);
      supa_overview_page_set_key_info (overview_page (self, i), NULL);
    }
}

static void
profile_notify_cb (SupaWindow *self)
{
  update_header (self);
}

static void
set_profile (SupaWindow  *self,
             SupaProfile *profile,
             gboolean     transient)
{
  if (self->profile != NULL)
    g_signal_handlers_disconnect_by_data (self->profile, self);

  g_set_object (&self->profile, profile);

  if (self->profile != NULL)
    g_signal_connect_object (self->profile, "notify",
                             G_CALLBACK (profile_notify_cb), self,
                             G_CONNECT_SWAPPED);

  for (guint i = 0; i < G_N_ELEMENTS (sections); i++)
    supa_overview_page_set_profile (overview_page (self, i), profile);

  if (self->transient != transient)
    {
      self->transient = transient;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TRANSIENT]);
    }

  update_header (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PROFILE]);
}

static void
health_running_cb (SupaWindow *self)
{
  update_actions (self);
}

static void
health_run_cb (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(SupaWindow) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!supa_health_check_run_finish (SUPA_HEALTH_CHECK (object), result, &error))
    return;

  update_actions (self);
}

static void
run_checks (SupaWindow *self)
{
  if (self->health_check == NULL || supa_health_check_get_running (self->health_check))
    return;

  supa_health_check_run_async (self->health_check,
                               self->connect_cancellable,
                               health_run_cb,
                               g_object_ref (self));
  update_actions (self);
}

static void
finish_connect (SupaWindow *self,
                const char *api_key)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *url = NULL;
  SupaUrlSecurity security;
  SupaKeyInfo *key_info;

  url = supa_project_url_normalize (supa_profile_get_url (self->profile), &security, &error);
  if (url == NULL)
    {
      adw_status_page_set_title (self->keyring_error_page, _("The Project URL Is Not Valid"));
      adw_status_page_set_description (self->keyring_error_page, error->message);
      show_content_page (self, "keyring-error");
      return;
    }

  self->client = supa_client_new (url, api_key, NULL);
  self->health_check = supa_health_check_new (self->client);
  g_signal_connect_object (self->health_check, "notify::running",
                           G_CALLBACK (health_running_cb), self,
                           G_CONNECT_SWAPPED);
  key_info = supa_client_get_key_info (self->client);

  for (guint i = 0; i < G_N_ELEMENTS (sections); i++)
    {
      supa_overview_page_set_key_info (overview_page (self, i), key_info);
      supa_overview_page_set_health_check (overview_page (self, i), self->health_check);
    }
  supa_table_browser_set_client (self->table_browser, self->client, self->profile, self->cancellable);
  supa_bucket_browser_set_client (self->bucket_browser, self->client, self->profile, self->cancellable);

  update_header (self);
  show_content_page (self, "project");
  run_checks (self);
}

static void
lookup_key_cb (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(SupaWindow) self = user_data;
  g_autoptr(GError) error = NULL;
  char *key;

  key = supa_profile_store_lookup_key_finish (SUPA_PROFILE_STORE (object), result, &error);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  if (key == NULL)
    {
      adw_status_page_set_title (self->keyring_error_page, _("Could Not Read the API Key"));
      adw_status_page_set_description (self->keyring_error_page,
                                       error != NULL ? error->message
                                                     : _("No API key is stored for this project. Edit the project to enter it again."));
      show_content_page (self, "keyring-error");
      return;
    }

  finish_connect (self, key);
  supa_keyring_free_secret (key);
}

static void
supa_window_connect (SupaWindow *self)
{
  g_autofree char *text = NULL;

  clear_connection (self);

  if (self->profile == NULL)
    return;

  self->connect_cancellable = g_cancellable_new ();

  /* Translators: %s is a project name */
  text = g_strdup_printf (_("Connecting to %s…"), supa_profile_get_name (self->profile));
  gtk_label_set_label (self->connecting_label, text);
  show_content_page (self, "connecting");

  if (self->transient)
    {
      finish_connect (self, self->transient_key);
      return;
    }

  supa_profile_store_lookup_key_async (self->store, self->profile,
                                       self->connect_cancellable,
                                       lookup_key_cb,
                                       g_object_ref (self));
}

static void
toast (SupaWindow *self,
       const char *title)
{
  AdwToast *t = adw_toast_new (title);

  adw_toast_set_timeout (t, 5);
  adw_toast_overlay_add_toast (self->toast_overlay, t);
}

/* Keeps the window in step with the saved profiles: a profile removed in
 * Preferences closes its connection, an edited one reconnects. */
static void
store_items_changed_cb (SupaWindow *self)
{
  SupaProfile *found;

  if (self->load_error != NULL)
    return;

  if (self->profile == NULL || self->transient)
    {
      if (self->profile == NULL && g_list_model_get_n_items (G_LIST_MODEL (self->store)) == 0 &&
          g_strcmp0 (gtk_stack_get_visible_child_name (self->main_stack), "welcome") != 0)
        show_welcome (self);
      return;
    }

  found = supa_profile_store_find_by_id (self->store, supa_profile_get_id (self->profile));
  if (found == NULL)
    {
      clear_connection (self);
      set_profile (self, NULL, FALSE);
      supa_window_open_default (self);
      return;
    }

  if (found != self->profile)
    supa_window_open_profile (self, found);
}

static void
profile_url_changed_cb (SupaWindow *self)
{
  if (self->profile != NULL && !self->transient)
    supa_window_connect (self);
}

static GtkWidget *
create_profile_row_cb (gpointer item,
                       gpointer user_data)
{
  SupaProfile *profile = SUPA_PROFILE (item);
  g_autofree char *host = host_of_url (supa_profile_get_url (profile));
  GtkWidget *row;
  GtkWidget *box;
  GtkWidget *labels;
  GtkWidget *name;
  GtkWidget *host_label;
  GtkWidget *badge;
  GtkWidget *dot;

  box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 10);

  dot = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 0);
  gtk_widget_set_valign (dot, GTK_ALIGN_CENTER);
  gtk_widget_add_css_class (dot, "color-dot");
  set_color_class (dot, supa_profile_get_color (profile));
  gtk_box_append (GTK_BOX (box), dot);

  labels = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  gtk_widget_set_hexpand (labels, TRUE);
  name = gtk_label_new (supa_profile_get_name (profile));
  gtk_label_set_xalign (GTK_LABEL (name), 0);
  gtk_label_set_ellipsize (GTK_LABEL (name), PANGO_ELLIPSIZE_END);
  host_label = gtk_label_new (host);
  gtk_label_set_xalign (GTK_LABEL (host_label), 0);
  gtk_label_set_ellipsize (GTK_LABEL (host_label), PANGO_ELLIPSIZE_MIDDLE);
  gtk_widget_add_css_class (host_label, "caption");
  gtk_widget_add_css_class (host_label, "dim-label");
  gtk_box_append (GTK_BOX (labels), name);
  gtk_box_append (GTK_BOX (labels), host_label);
  gtk_box_append (GTK_BOX (box), labels);

  badge = gtk_label_new (NULL);
  gtk_widget_set_valign (badge, GTK_ALIGN_CENTER);
  gtk_widget_add_css_class (badge, "badge");
  set_role_badge (GTK_LABEL (badge), supa_profile_get_role (profile));
  gtk_box_append (GTK_BOX (box), badge);

  row = gtk_list_box_row_new ();
  gtk_list_box_row_set_child (GTK_LIST_BOX_ROW (row), box);
  g_object_set_data_full (G_OBJECT (row), "supa-profile", g_object_ref (profile), g_object_unref);
  gtk_accessible_update_relation (GTK_ACCESSIBLE (row),
                                  GTK_ACCESSIBLE_RELATION_LABELLED_BY, name, NULL,
                                  GTK_ACCESSIBLE_RELATION_DESCRIBED_BY, host_label, badge, NULL,
                                  -1);

  return row;
}

static void
profile_row_activated_cb (SupaWindow    *self,
                          GtkListBoxRow *row)
{
  SupaProfile *profile = g_object_get_data (G_OBJECT (row), "supa-profile");

  gtk_popover_popdown (self->profile_popover);

  if (profile != NULL && profile != self->profile)
    supa_window_open_profile (self, profile);
}

/* When the window first gets focus, GTK's focus chain enters the
 * sections list from above and moves its cursor, which selects the next
 * row: put the cursor on the current section first. */
static void
window_map_cb (SupaWindow *self)
{
  GtkListBoxRow *row = gtk_list_box_get_selected_row (self->sections_list);

  if (row != NULL &&
      g_strcmp0 (gtk_stack_get_visible_child_name (self->main_stack), "main") == 0)
    gtk_widget_grab_focus (GTK_WIDGET (row));
}

static void
section_row_selected_cb (SupaWindow    *self,
                         GtkListBoxRow *row)
{
  if (row != NULL)
    supa_window_set_section (self, gtk_widget_get_name (GTK_WIDGET (row)));
}

static void
section_row_activated_cb (SupaWindow    *self,
                          GtkListBoxRow *row)
{
  adw_leaflet_set_visible_child (self->leaflet, self->content);
}

static void
back_clicked_cb (SupaWindow *self)
{
  adw_leaflet_navigate (self->leaflet, ADW_NAVIGATION_DIRECTION_BACK);
}

static void
add_project_action (GtkWidget  *widget,
                    const char *action_name,
                    GVariant   *parameter)
{
  SupaWindow *self = SUPA_WINDOW (widget);
  SupaProjectDialog *dialog;

  dialog = supa_project_dialog_new (GTK_WINDOW (self), self->store, NULL);
  g_signal_connect_object (dialog, "saved", G_CALLBACK (welcome_form_saved_cb), self, G_CONNECT_SWAPPED);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
edit_project_action (GtkWidget  *widget,
                     const char *action_name,
                     GVariant   *parameter)
{
  SupaWindow *self = SUPA_WINDOW (widget);
  SupaProjectDialog *dialog;

  if (self->profile == NULL || self->transient)
    return;

  dialog = supa_project_dialog_new (GTK_WINDOW (self), self->store, self->profile);
  g_signal_connect_object (dialog, "saved", G_CALLBACK (welcome_form_saved_cb), self, G_CONNECT_SWAPPED);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
manage_projects_action (GtkWidget  *widget,
                        const char *action_name,
                        GVariant   *parameter)
{
  SupaWindow *self = SUPA_WINDOW (widget);
  GtkWidget *prefs;

  prefs = supa_preferences_window_new (GTK_WINDOW (self), self->store, self->load_error != NULL);
  adw_preferences_window_set_visible_page_name (ADW_PREFERENCES_WINDOW (prefs), "projects");
  gtk_window_present (GTK_WINDOW (prefs));
}

static gboolean
tables_visible (SupaWindow *self)
{
  return g_strcmp0 (self->section, SUPA_SECTION_TABLES) == 0 &&
         g_strcmp0 (supa_window_get_page (self), "project") == 0;
}

static gboolean
storage_visible (SupaWindow *self)
{
  return g_strcmp0 (self->section, SUPA_SECTION_STORAGE) == 0 &&
         g_strcmp0 (supa_window_get_page (self), "project") == 0;
}

/* Ctrl+U reaches the bucket browser wherever the focus is while the
 * Storage section shows. */
static void
storage_action (GtkWidget  *widget,
                const char *action_name,
                GVariant   *parameter)
{
  SupaWindow *self = SUPA_WINDOW (widget);
  g_autofree char *name = NULL;

  if (!storage_visible (self))
    return;

  name = g_strconcat ("storage.", g_variant_get_string (parameter, NULL), NULL);
  gtk_widget_activate_action (GTK_WIDGET (self->bucket_browser), name, NULL);
}

/* Ctrl+F, Ctrl+N and Delete reach the table browser wherever the focus is
 * while the Tables section shows. */
static void
table_action (GtkWidget  *widget,
              const char *action_name,
              GVariant   *parameter)
{
  SupaWindow *self = SUPA_WINDOW (widget);
  g_autofree char *name = NULL;

  if (!tables_visible (self))
    return;

  name = g_strconcat ("table.", g_variant_get_string (parameter, NULL), NULL);
  gtk_widget_activate_action (GTK_WIDGET (self->table_browser), name, NULL);
}

static void
refresh_action (GtkWidget  *widget,
                const char *action_name,
                GVariant   *parameter)
{
  SupaWindow *self = SUPA_WINDOW (widget);

  if (self->profile == NULL)
    return;

  if (storage_visible (self))
    {
      gtk_widget_activate_action (GTK_WIDGET (self->bucket_browser), "storage.refresh", NULL);
      return;
    }

  /* With a table open, Ctrl+R reloads its rows (filter and sort kept). */
  if (tables_visible (self) &&
      g_strcmp0 (supa_table_browser_get_page (self->table_browser), "table") == 0)
    {
      gtk_widget_activate_action (GTK_WIDGET (self->table_browser), "table.refresh", NULL);
      return;
    }

  /* A saved profile is looked up again: its key may have been edited or the
   * keyring unlocked since. */
  if (self->transient && self->health_check != NULL)
    run_checks (self);
  else
    supa_window_connect (self);
}

static void
save_project_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(SupaWindow) self = user_data;
  g_autoptr(GError) error = NULL;

  self->saving = FALSE;

  if (!supa_profile_store_save_finish (SUPA_PROFILE_STORE (object), result, &error))
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          /* Translators: %s is an error message */
          g_autofree char *text = g_strdup_printf (_("Could not save the project: %s"), error->message);

          toast (self, text);
        }
      update_actions (self);
      return;
    }

  wipe_secret (&self->transient_key);
  self->transient = FALSE;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TRANSIENT]);
  g_settings_set_string (self->settings, "last-profile", supa_profile_get_id (self->profile));
  update_header (self);
  update_actions (self);
  toast (self, _("Project saved. Its key is in the system keyring."));

  /* Follow the store's own object for this id from now on. */
  store_items_changed_cb (self);
}

static void
save_project_action (GtkWidget  *widget,
                     const char *action_name,
                     GVariant   *parameter)
{
  SupaWindow *self = SUPA_WINDOW (widget);

  if (!self->transient || self->profile == NULL || self->saving || self->load_error != NULL)
    return;

  self->saving = TRUE;
  update_actions (self);
  supa_profile_store_save_async (self->store, self->profile, self->transient_key,
                                 self->cancellable, save_project_cb, g_object_ref (self));
}

static gboolean
supa_window_close_request (GtkWindow *window)
{
  SupaWindow *self = SUPA_WINDOW (window);
  int width = 0;
  int height = 0;

  gtk_window_get_default_size (window, &width, &height);
  if (!gtk_window_is_maximized (window) && width > 0 && height > 0)
    {
      g_settings_set_int (self->settings, "window-width", width);
      g_settings_set_int (self->settings, "window-height", height);
    }
  g_settings_set_boolean (self->settings, "window-maximized", gtk_window_is_maximized (window));

  g_cancellable_cancel (self->cancellable);
  g_cancellable_cancel (self->connect_cancellable);

  return GTK_WINDOW_CLASS (supa_window_parent_class)->close_request (window);
}

static void
supa_window_constructed (GObject *object)
{
  SupaWindow *self = (SupaWindow *)object;

  G_OBJECT_CLASS (supa_window_parent_class)->constructed (object);

  g_return_if_fail (SUPA_IS_PROFILE_STORE (self->store));

  gtk_list_box_bind_model (self->profiles_list, G_LIST_MODEL (self->store),
                           create_profile_row_cb, NULL, NULL);
  g_signal_connect_object (self->store, "items-changed",
                           G_CALLBACK (store_items_changed_cb), self,
                           G_CONNECT_SWAPPED);

  if (self->load_error != NULL)
    show_load_error (self);
  else if (g_list_model_get_n_items (G_LIST_MODEL (self->store)) == 0)
    show_welcome (self);
  else
    show_content_page (self, "connecting");

  update_header (self);
  update_actions (self);
}

static void
supa_window_dispose (GObject *object)
{
  SupaWindow *self = (SupaWindow *)object;

  g_cancellable_cancel (self->cancellable);
  clear_connection (self);
  if (self->profiles_list != NULL)
    gtk_list_box_bind_model (self->profiles_list, NULL, NULL, NULL, NULL);

  gtk_widget_dispose_template (GTK_WIDGET (self), SUPA_TYPE_WINDOW);
  g_clear_object (&self->tables_page);
  g_clear_object (&self->storage_page);

  if (self->profile != NULL)
    g_signal_handlers_disconnect_by_data (self->profile, self);
  g_clear_object (&self->profile);
  if (self->store != NULL)
    g_signal_handlers_disconnect_by_data (self->store, self);
  g_clear_object (&self->store);
  g_clear_object (&self->settings);
  g_clear_object (&self->cancellable);
  wipe_secret (&self->transient_key);

  G_OBJECT_CLASS (supa_window_parent_class)->dispose (object);
}

static void
supa_window_finalize (GObject *object)
{
  SupaWindow *self = (SupaWindow *)object;

  g_clear_pointer (&self->section, g_free);
  g_clear_error (&self->load_error);

  G_OBJECT_CLASS (supa_window_parent_class)->finalize (object);
}

static void
supa_window_get_property (GObject    *object,
                          guint       prop_id,
                          GValue     *value,
                          GParamSpec *pspec)
{
  SupaWindow *self = SUPA_WINDOW (object);

  switch (prop_id)
    {
    case PROP_PROFILE_STORE:
      g_value_set_object (value, self->store);
      break;
    case PROP_LOAD_ERROR:
      g_value_set_boxed (value, self->load_error);
      break;
    case PROP_SECTION:
      g_value_set_string (value, self->section);
      break;
    case PROP_PROFILE:
      g_value_set_object (value, self->profile);
      break;
    case PROP_TRANSIENT:
      g_value_set_boolean (value, self->transient);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
supa_window_set_property (GObject      *object,
                          guint         prop_id,
                          const GValue *value,
                          GParamSpec   *pspec)
{
  SupaWindow *self = SUPA_WINDOW (object);

  switch (prop_id)
    {
    case PROP_PROFILE_STORE:
      self->store = g_value_dup_object (value);
      break;
    case PROP_LOAD_ERROR:
      self->load_error = g_value_dup_boxed (value);
      break;
    case PROP_SECTION:
      supa_window_set_section (self, g_value_get_string (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
supa_window_class_init (SupaWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  GtkWindowClass *window_class = GTK_WINDOW_CLASS (klass);

  object_class->constructed = supa_window_constructed;
  object_class->dispose = supa_window_dispose;
  object_class->finalize = supa_window_finalize;
  object_class->get_property = supa_window_get_property;
  object_class->set_property = supa_window_set_property;

  window_class->close_request = supa_window_close_request;

  properties[PROP_PROFILE_STORE] =
    g_param_spec_object ("profile-store", NULL, NULL, SUPA_TYPE_PROFILE_STORE,
                         (G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS));
  properties[PROP_LOAD_ERROR] =
    g_param_spec_boxed ("load-error", NULL, NULL, G_TYPE_ERROR,
                        (G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS));
  properties[PROP_SECTION] =
    g_param_spec_string ("section", NULL, NULL, SUPA_SECTION_TABLES,
                         (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));
  properties[PROP_PROFILE] =
    g_param_spec_object ("profile", NULL, NULL, SUPA_TYPE_PROFILE,
                         (G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));
  properties[PROP_TRANSIENT] =
    g_param_spec_boolean ("transient", NULL, NULL, FALSE,
                          (G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  g_object_class_install_properties (object_class, N_PROPS, properties);

  g_type_ensure (SUPA_TYPE_OVERVIEW_PAGE);
  g_type_ensure (SUPA_TYPE_TABLE_BROWSER);
  g_type_ensure (SUPA_TYPE_BUCKET_BROWSER);

  supa_resources_ensure ();
  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/supadesk/Supadesk/supa-window.ui");
  gtk_widget_class_bind_template_child (widget_class, SupaWindow, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, SupaWindow, main_stack);
  gtk_widget_class_bind_template_child (widget_class, SupaWindow, load_error_page);
  gtk_widget_class_bind_template_child (widget_class, SupaWindow, welcome_bin);
  gtk_widget_class_bind_template_child (widget_class, SupaWindow, leaflet);
  gtk_widget_class_bind_template_child (widget_class, SupaWindow, content);
  gtk_widget_class_bind_template_child (widget_class, SupaWindow, profile_button);
  gtk_widget_class_bind_template_child (widget_class, SupaWindow, profile_popover);
  gtk_widget_class_bind_template_child (widget_class, SupaWindow, profile_dot);
  gtk_widget_class_bind_template_child (widget_class, SupaWindow, profile_name_label);
  gtk_widget_class_bind_template_child (widget_class, SupaWindow, profile_host_label);
  gtk_widget_class_bind_template_child (widget_class, SupaWindow, profile_badge);
  gtk_widget_class_bind_template_child (widget_class, SupaWindow, profiles_list);
  gtk_widget_class_bind_template_child (widget_class, SupaWindow, sections_list);
  gtk_widget_class_bind_template_child (widget_class, SupaWindow, content_title);
  gtk_widget_class_bind_template_child (widget_class, SupaWindow, content_stack);
  gtk_widget_class_bind_template_child (widget_class, SupaWindow, connecting_spinner);
  gtk_widget_class_bind_template_child (widget_class, SupaWindow, connecting_label);
  gtk_widget_class_bind_template_child (widget_class, SupaWindow, keyring_error_page);
  gtk_widget_class_bind_template_child (widget_class, SupaWindow, section_stack);
  gtk_widget_class_bind_template_child (widget_class, SupaWindow, table_browser);
  gtk_widget_class_bind_template_child (widget_class, SupaWindow, bucket_browser);
  gtk_widget_class_bind_template_child (widget_class, SupaWindow, users_page);
  gtk_widget_class_bind_template_child (widget_class, SupaWindow, realtime_page);
  gtk_widget_class_bind_template_callback (widget_class, profile_row_activated_cb);
  gtk_widget_class_bind_template_callback (widget_class, section_row_selected_cb);
  gtk_widget_class_bind_template_callback (widget_class, section_row_activated_cb);
  gtk_widget_class_bind_template_callback (widget_class, back_clicked_cb);

  gtk_widget_class_install_property_action (widget_class, "win.section", "section");
  gtk_widget_class_install_action (widget_class, "win.add-project", NULL, add_project_action);
  gtk_widget_class_install_action (widget_class, "win.edit-project", NULL, edit_project_action);
  gtk_widget_class_install_action (widget_class, "win.manage-projects", NULL, manage_projects_action);
  gtk_widget_class_install_action (widget_class, "win.refresh", NULL, refresh_action);
  gtk_widget_class_install_action (widget_class, "win.save-project", NULL, save_project_action);
  gtk_widget_class_install_action (widget_class, "win.table-action", "s", table_action);
  gtk_widget_class_install_action (widget_class, "win.storage-action", "s", storage_action);
}

static void
supa_window_init (SupaWindow *self)
{
  g_autofree char *section = NULL;
  int width;
  int height;

  gtk_widget_init_template (GTK_WIDGET (self));
  g_signal_connect (self, "map", G_CALLBACK (window_map_cb), NULL);

  /* The Tables section is the table browser; the project overview lives
   * on inside it, shown until a table is opened. */
  self->tables_page = g_object_ref_sink (SUPA_OVERVIEW_PAGE (supa_overview_page_new (_("Tables"))));
  supa_table_browser_set_overview (self->table_browser, GTK_WIDGET (self->tables_page));
  self->storage_page = g_object_ref_sink (SUPA_OVERVIEW_PAGE (supa_overview_page_new (_("Storage"))));

  self->cancellable = g_cancellable_new ();
  self->settings = g_settings_new (BASE_APPLICATION_ID);

#if DEVELOPMENT_BUILD
  gtk_widget_add_css_class (GTK_WIDGET (self), "devel");
#endif

  width = g_settings_get_int (self->settings, "window-width");
  height = g_settings_get_int (self->settings, "window-height");
  if (width > 0 && height > 0)
    gtk_window_set_default_size (GTK_WINDOW (self), width, height);
  if (g_settings_get_boolean (self->settings, "window-maximized"))
    gtk_window_maximize (GTK_WINDOW (self));

  section = g_settings_get_string (self->settings, "last-section");
  supa_window_set_section (self, supa_section_is_valid (section) ? section : SUPA_SECTION_TABLES);
}

gboolean
supa_section_is_valid (const char *section)
{
  return find_section (section) != NULL;
}

SupaWindow *
supa_window_new (GtkApplication   *application,
                 SupaProfileStore *store,
                 const GError     *load_error)
{
  g_return_val_if_fail (!application || GTK_IS_APPLICATION (application), NULL);
  g_return_val_if_fail (SUPA_IS_PROFILE_STORE (store), NULL);

  return g_object_new (SUPA_TYPE_WINDOW,
                       "application", application,
                       "profile-store", store,
                       "load-error", load_error,
                       NULL);
}

SupaProfileStore *
supa_window_get_profile_store (SupaWindow *self)
{
  g_return_val_if_fail (SUPA_IS_WINDOW (self), NULL);

  return self->store;
}

const char *
supa_window_get_section (SupaWindow *self)
{
  g_return_val_if_fail (SUPA_IS_WINDOW (self), NULL);

  return self->section;
}

void
supa_window_set_section (SupaWindow *self,
                         const char *section)
{
  GtkWidget *child;

  g_return_if_fail (SUPA_IS_WINDOW (self));

  if (!supa_section_is_valid (section))
    {
      g_warning ("Unknown section “%s”", section ? section : "(null)");
      return;
    }

  if (g_strcmp0 (self->section, section) == 0)
    return;

  g_free (self->section);
  self->section = g_strdup (section);

  gtk_stack_set_visible_child_name (self->section_stack, section);

  for (child = gtk_widget_get_first_child (GTK_WIDGET (self->sections_list));
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      if (GTK_IS_LIST_BOX_ROW (child) && g_str_equal (gtk_widget_get_name (child), section))
        {
          GtkWidget *focus = gtk_root_get_focus (GTK_ROOT (self));

          gtk_list_box_select_row (self->sections_list, GTK_LIST_BOX_ROW (child));
          /* Switched by a shortcut while the keyboard is in the sections
           * list: move the focus along, or its ring stays on the old row. */
          if (focus != NULL && focus != child &&
              gtk_widget_is_ancestor (focus, GTK_WIDGET (self->sections_list)))
            gtk_widget_grab_focus (child);
          break;
        }
    }

  if (self->settings != NULL)
    g_settings_set_string (self->settings, "last-section", section);

  update_header (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SECTION]);
}

SupaProfile *
supa_window_get_profile (SupaWindow *self)
{
  g_return_val_if_fail (SUPA_IS_WINDOW (self), NULL);

  return self->profile;
}

void
supa_window_open_profile (SupaWindow  *self,
                          SupaProfile *profile)
{
  g_return_if_fail (SUPA_IS_WINDOW (self));
  g_return_if_fail (SUPA_IS_PROFILE (profile));

  wipe_secret (&self->transient_key);
  set_profile (self, profile, FALSE);
  g_signal_connect_object (profile, "notify::url",
                           G_CALLBACK (profile_url_changed_cb), self,
                           G_CONNECT_SWAPPED);
  g_settings_set_string (self->settings, "last-profile", supa_profile_get_id (profile));
  supa_window_connect (self);
}

void
supa_window_open_default (SupaWindow *self)
{
  g_autofree char *last = NULL;
  g_autoptr(SupaProfile) first = NULL;
  SupaProfile *profile = NULL;

  g_return_if_fail (SUPA_IS_WINDOW (self));

  if (self->load_error != NULL)
    {
      show_load_error (self);
      return;
    }

  last = g_settings_get_string (self->settings, "last-profile");
  if (last != NULL && *last != '\0')
    profile = supa_profile_store_find_by_id (self->store, last);

  if (profile == NULL)
    {
      first = g_list_model_get_item (G_LIST_MODEL (self->store), 0);
      profile = first;
    }

  if (profile == NULL)
    {
      clear_connection (self);
      set_profile (self, NULL, FALSE);
      show_welcome (self);
      return;
    }

  supa_window_open_profile (self, profile);
}

void
supa_window_open_transient (SupaWindow *self,
                            const char *name,
                            const char *url,
                            const char *api_key)
{
  g_autoptr(SupaProfile) profile = NULL;
  g_autoptr(SupaKeyInfo) info = NULL;
  g_autofree char *id = NULL;

  g_return_if_fail (SUPA_IS_WINDOW (self));
  g_return_if_fail (url != NULL);
  g_return_if_fail (api_key != NULL);

  id = g_uuid_string_random ();
  profile = supa_profile_new (id);
  supa_profile_set_name (profile, name != NULL && *name != '\0' ? name : _("Command line"));
  supa_profile_set_url (profile, url);
  info = supa_key_info_parse (api_key, NULL);
  if (info != NULL)
    supa_profile_set_role (profile, supa_key_info_get_role (info));

  wipe_secret (&self->transient_key);
  self->transient_key = g_strdup (api_key);
  set_profile (self, profile, TRUE);
  supa_window_connect (self);
}

gboolean
supa_window_is_transient (SupaWindow *self)
{
  g_return_val_if_fail (SUPA_IS_WINDOW (self), FALSE);

  return self->transient;
}

const char *
supa_window_get_page (SupaWindow *self)
{
  const char *name;

  g_return_val_if_fail (SUPA_IS_WINDOW (self), NULL);

  name = gtk_stack_get_visible_child_name (self->main_stack);
  if (g_strcmp0 (name, "main") == 0)
    return gtk_stack_get_visible_child_name (self->content_stack);

  return name;
}
