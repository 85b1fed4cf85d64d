/* test-window.c — the main window: first run, sections, saving a profile,
 * keyring errors.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>
#include <libsoup/soup.h>

#include "supa-connect-form.h"
#include "supa-keyring.h"
#include "supa-overview-page.h"
#include "supa-table-browser.h"
#include "supa-bucket-browser.h"
#include "supa-preferences-window.h"
#include "supa-window.h"
#include "views-test-util.h"

static SupaWindow *
new_window (SupaProfileStore *store)
{
  SupaWindow *window = supa_window_new (NULL, store, NULL);

  gtk_window_present (GTK_WINDOW (window));
  return window;
}

static const char *
visible_section (SupaWindow *window)
{
  GtkWidget *stack = views_test_find_widget (GTK_WIDGET (window), GTK_TYPE_STACK, "section-stack");

  g_assert_nonnull (stack);
  return gtk_stack_get_visible_child_name (GTK_STACK (stack));
}

static const char *
visible_section_title (SupaWindow *window)
{
  GtkWidget *stack = views_test_find_widget (GTK_WIDGET (window), GTK_TYPE_STACK, "section-stack");
  GtkWidget *page = gtk_stack_get_visible_child (GTK_STACK (stack));

  /* Tables and Storage have their own browsers; the other sections show
   * the project overview under their own title until their issue lands. */
  if (SUPA_IS_TABLE_BROWSER (page))
    return "Tables";
  if (SUPA_IS_BUCKET_BROWSER (page))
    return "Storage";
  g_assert_true (SUPA_IS_OVERVIEW_PAGE (page));
  return supa_overview_page_get_title (SUPA_OVERVIEW_PAGE (page));
}

static void
test_first_run (void)
{
  g_autoptr(SupaProfileStore) store = views_test_new_store ();
  SupaWindow *window = new_window (store);
  GtkWidget *status;
  GtkWidget *form;

  g_assert_cmpstr (supa_window_get_page (window), ==, "welcome");
  g_assert_null (supa_window_get_profile (window));

  status = views_test_find_widget (GTK_WIDGET (window), ADW_TYPE_STATUS_PAGE, NULL);
  g_assert_nonnull (status);
  g_assert_cmpstr (adw_status_page_get_title (ADW_STATUS_PAGE (status)), ==, "Connect to a Supabase Project");
  g_assert_nonnull (strstr (adw_status_page_get_description (ADW_STATUS_PAGE (status)), "Settings → API"));

  /* The connect form sits on the page, with Save refused while empty. */
  form = views_test_find_widget (status, SUPA_TYPE_CONNECT_FORM, NULL);
  g_assert_nonnull (form);
  g_assert_true (gtk_widget_is_drawable (form));
  g_assert_false (supa_connect_form_get_valid (SUPA_CONNECT_FORM (form)));
  g_assert_false (gtk_widget_get_sensitive (views_test_find_widget (form, GTK_TYPE_BUTTON, "save")));

  /* No project to refresh or save: both do nothing. */
  gtk_widget_activate_action (GTK_WIDGET (window), "win.refresh", NULL);
  gtk_widget_activate_action (GTK_WIDGET (window), "win.save-project", NULL);
  g_assert_cmpstr (supa_window_get_page (window), ==, "welcome");
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (store)), ==, 0);

  gtk_window_destroy (GTK_WINDOW (window));
}

static GtkShortcut *
find_shortcut (GtkWidget  *widget,
               const char *accelerator)
{
  g_autoptr(GListModel) controllers = gtk_widget_observe_controllers (widget);
  g_autoptr(GtkShortcutTrigger) wanted = gtk_shortcut_trigger_parse_string (accelerator);

  g_assert_nonnull (wanted);

  for (guint i = 0; i < g_list_model_get_n_items (controllers); i++)
    {
      g_autoptr(GtkEventController) controller = g_list_model_get_item (controllers, i);

      if (!GTK_IS_SHORTCUT_CONTROLLER (controller))
        continue;

      for (guint j = 0; j < g_list_model_get_n_items (G_LIST_MODEL (controller)); j++)
        {
          g_autoptr(GtkShortcut) shortcut = g_list_model_get_item (G_LIST_MODEL (controller), j);
          GtkShortcutTrigger *trigger = gtk_shortcut_get_trigger (shortcut);

          if (GTK_IS_ALTERNATIVE_TRIGGER (trigger))
            {
              if (gtk_shortcut_trigger_equal (gtk_alternative_trigger_get_first (GTK_ALTERNATIVE_TRIGGER (trigger)), wanted) ||
                  gtk_shortcut_trigger_equal (gtk_alternative_trigger_get_second (GTK_ALTERNATIVE_TRIGGER (trigger)), wanted))
                return shortcut;
            }
          else if (gtk_shortcut_trigger_equal (trigger, wanted))
            return shortcut;
        }
    }

  return NULL;
}

static void
press_shortcut (GtkWidget  *widget,
                const char *accelerator)
{
  GtkShortcut *shortcut = find_shortcut (widget, accelerator);

  g_assert_nonnull (shortcut);
  g_assert_true (gtk_shortcut_action_activate (gtk_shortcut_get_action (shortcut),
                                               GTK_SHORTCUT_ACTION_EXCLUSIVE,
                                               widget,
                                               gtk_shortcut_get_arguments (shortcut)));
}

static void
test_sections (void)
{
  g_autoptr(SupaProfileStore) store = views_test_new_store ();
  g_autoptr(GSettings) settings = g_settings_new (BASE_APPLICATION_ID);
  SupaWindow *window = new_window (store);
  static const struct { const char *accel, *id, *title; } cases[] = {
    { "<Control>2", "storage", "Storage" },
    { "<Control>3", "users", "Users" },
    { "<Control>4", "realtime", "Realtime" },
    { "<Control>1", "tables", "Tables" },
  };
  GtkListBox *list;
  GtkListBoxRow *row;

  /* The action, as the sidebar and menus use it. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.section", "s", "users"));
  g_assert_cmpstr (supa_window_get_section (window), ==, "users");
  g_assert_cmpstr (visible_section (window), ==, "users");
  g_assert_cmpstr (visible_section_title (window), ==, "Users");

  list = GTK_LIST_BOX (views_test_find_widget (GTK_WIDGET (window), GTK_TYPE_LIST_BOX, "sections-list"));
  row = gtk_list_box_get_selected_row (list);
  g_assert_nonnull (row);
  g_assert_cmpstr (gtk_widget_get_name (GTK_WIDGET (row)), ==, "users");

  /* The keyboard shortcuts declared on the window; with the keyboard in
   * the sections list, the focus follows the selected row. */
  gtk_widget_grab_focus (GTK_WIDGET (row));
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *remembered = NULL;

      press_shortcut (GTK_WIDGET (window), cases[i].accel);
      g_assert_cmpstr (visible_section (window), ==, cases[i].id);
      g_assert_cmpstr (visible_section_title (window), ==, cases[i].title);
      g_assert_cmpstr (gtk_widget_get_name (GTK_WIDGET (gtk_list_box_get_selected_row (list))), ==, cases[i].id);
      g_assert_true (gtk_root_get_focus (GTK_ROOT (window)) ==
                     GTK_WIDGET (gtk_list_box_get_selected_row (list)));

      remembered = g_settings_get_string (settings, "last-section");
      g_assert_cmpstr (remembered, ==, cases[i].id);
    }

  /* Picking a row in the sidebar switches too. */
  row = GTK_LIST_BOX_ROW (views_test_find_widget (GTK_WIDGET (list), GTK_TYPE_LIST_BOX_ROW, "realtime"));
  gtk_list_box_select_row (list, row);
  g_assert_cmpstr (visible_section (window), ==, "realtime");

  /* An unknown section is refused by the action's state. */
  g_assert_true (supa_section_is_valid ("storage"));
  g_assert_false (supa_section_is_valid ("functions"));

  gtk_window_destroy (GTK_WINDOW (window));
}

static void
fill (GtkWidget  *form,
      const char *name,
      const char *text)
{
  GtkWidget *row = views_test_find_widget (form, GTK_TYPE_EDITABLE, name);

  g_assert_nonnull (row);
  gtk_editable_set_text (GTK_EDITABLE (row), text);
}

static void
lookup_cb (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  char **out = user_data;
  g_autoptr(GError) error = NULL;

  *out = supa_keyring_lookup_finish (SUPA_KEYRING (object), result, &error);
  g_assert_no_error (error);
  g_assert_nonnull (*out);
}

static void
test_save_profile (void)
{
  g_autoptr(SupaProfileStore) store = views_test_new_store ();
  g_autoptr(SoupServer) server = NULL;
  g_autofree char *base = views_test_start_fake_supabase (&server);
  g_autofree char *jwt = views_test_make_jwt ("anon", NULL, 3600);
  g_autofree char *stored_key = NULL;
  g_autoptr(SupaProfileStore) reloaded = NULL;
  SupaWindow *window = new_window (store);
  GtkWidget *form;
  GtkWidget *save;
  SupaProfile *profile;

  form = views_test_find_widget (GTK_WIDGET (window), SUPA_TYPE_CONNECT_FORM, NULL);
  save = views_test_find_widget (form, GTK_TYPE_BUTTON, "save");

  fill (form, "name", "Local Fake");
  fill (form, "url", base);
  fill (form, "key", jwt);
  g_assert_true (supa_connect_form_get_valid (SUPA_CONNECT_FORM (form)));
  g_assert_true (gtk_widget_get_sensitive (save));

  /* Loopback http needs no confirmation: the click saves. */
  g_signal_emit_by_name (save, "clicked");
  views_test_wait_until (g_list_model_get_n_items (G_LIST_MODEL (store)) == 1);

  profile = supa_profile_store_find_by_name (store, "Local Fake");
  g_assert_nonnull (profile);
  g_assert_cmpstr (supa_profile_get_url (profile), ==, base);
  g_assert_cmpstr (supa_profile_get_role (profile), ==, "anon");

  /* The key is in the keyring under the profile's id … */
  supa_keyring_lookup_async (supa_profile_store_get_keyring (store),
                             supa_profile_get_id (profile), SUPA_SECRET_API_KEY,
                             NULL, lookup_cb, &stored_key);
  views_test_wait_until (stored_key != NULL);
  g_assert_cmpstr (stored_key, ==, jwt);

  /* … and not in the profiles file. */
  reloaded = views_test_new_store ();
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (reloaded)), ==, 1);
  {
    g_autofree char *path = g_build_filename (g_get_user_config_dir (), "supadesk", "profiles.ini", NULL);
    g_autofree char *contents = NULL;

    g_assert_true (g_file_get_contents (path, &contents, NULL, NULL));
    g_assert_null (strstr (contents, jwt));
  }

  /* The window connects to the new project. */
  views_test_wait_until (g_strcmp0 (supa_window_get_page (window), "project") == 0);
  g_assert_true (supa_window_get_profile (window) == profile);
  g_assert_false (supa_window_is_transient (window));

  gtk_window_destroy (GTK_WINDOW (window));
  supa_keyring_free_secret (g_steal_pointer (&stored_key));
}

static void
save_cb (GObject      *object,
         GAsyncResult *result,
         gpointer      user_data)
{
  gboolean *done = user_data;
  g_autoptr(GError) error = NULL;

  g_assert_true (supa_profile_store_save_finish (SUPA_PROFILE_STORE (object), result, &error));
  g_assert_no_error (error);
  *done = TRUE;
}

static void
lookup_none_cb (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  gboolean *done = user_data;
  g_autoptr(GError) error = NULL;
  char *secret;

  secret = supa_keyring_lookup_finish (SUPA_KEYRING (object), result, &error);
  g_assert_no_error (error);
  g_assert_null (secret);
  *done = TRUE;
}

static void
test_keyring_error (void)
{
  g_autoptr(SupaProfileStore) store = views_test_new_store ();
  g_autoptr(SupaProfile) profile = supa_profile_new ("6b1c2a53-5b0e-4f7b-9d7e-3d7f3f0c1a11");
  SupaWindow *window;
  GtkWidget *page;
  gboolean done = FALSE;

  /* A profile whose key is missing from the keyring. */
  supa_profile_set_name (profile, "Keyless");
  supa_profile_set_url (profile, "https://abcdefghijklmnopqrst.supabase.co");
  supa_profile_set_role (profile, "anon");
  supa_profile_store_save_async (store, profile, NULL, NULL, save_cb, &done);
  views_test_wait_until (done);

  window = new_window (store);
  supa_window_open_default (window);
  views_test_wait_until (g_strcmp0 (supa_window_get_page (window), "keyring-error") == 0);

  page = views_test_find_widget (GTK_WIDGET (window), ADW_TYPE_STATUS_PAGE, "keyring-error-page");
  g_assert_nonnull (page);
  g_assert_nonnull (adw_status_page_get_description (ADW_STATUS_PAGE (page)));
  g_assert_cmpstr (adw_status_page_get_description (ADW_STATUS_PAGE (page)), !=, "");

  /* Retry is offered and tries again; the profile stays. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.refresh", NULL));
  views_test_wait_until (g_strcmp0 (supa_window_get_page (window), "keyring-error") == 0);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (store)), ==, 1);

  gtk_window_destroy (GTK_WINDOW (window));
}

/* Name of the focused control: the entry row for the text inside it. */
static const char *
focused_name (SupaWindow *window)
{
  GtkWidget *focus = gtk_root_get_focus (GTK_ROOT (window));
  GtkWidget *row;

  if (focus == NULL)
    return NULL;

  row = gtk_widget_get_ancestor (focus, ADW_TYPE_PREFERENCES_ROW);
  if (GTK_IS_TEXT (focus) && row != NULL)
    return gtk_widget_get_name (row);

  return gtk_widget_get_name (focus);
}

static void
test_keyboard (void)
{
  g_autoptr(SupaProfileStore) store = views_test_new_store ();
  g_autofree char *jwt = views_test_make_jwt ("anon", NULL, 3600);
  SupaWindow *window = new_window (store);
  static const char * const order[] = { "name", "url", "key", "tag", "color", "test", "save" };
  guint next = 0;

  views_test_wait_until (gtk_widget_get_mapped (GTK_WIDGET (window)));
  views_test_spin (50);

  /* The first field has the focus when the window opens. */
  g_assert_cmpstr (focused_name (window), ==, "name");

  gtk_editable_set_text (GTK_EDITABLE (views_test_find_widget (GTK_WIDGET (window), GTK_TYPE_EDITABLE, "name")), "Keys");
  gtk_editable_set_text (GTK_EDITABLE (views_test_find_widget (GTK_WIDGET (window), GTK_TYPE_EDITABLE, "url")),
                         "https://abcdefghijklmnopqrst.supabase.co");
  gtk_editable_set_text (GTK_EDITABLE (views_test_find_widget (GTK_WIDGET (window), GTK_TYPE_EDITABLE, "key")), jwt);

  /* Tab visits every control of the form, in reading order (messages in
   * between take no stop). */
  for (guint i = 0; i < 20 && next < G_N_ELEMENTS (order); i++)
    {
      const char *name = focused_name (window);

      if (g_strcmp0 (name, order[next]) == 0)
        next++;
      else
        for (guint k = next + 1; k < G_N_ELEMENTS (order); k++)
          if (g_strcmp0 (name, order[k]) == 0)
            g_error ("Tab reached %s before %s", name, order[next]);

      gtk_widget_child_focus (GTK_WIDGET (window), GTK_DIR_TAB_FORWARD);
    }
  g_assert_cmpuint (next, ==, G_N_ELEMENTS (order));

  gtk_window_destroy (GTK_WINDOW (window));
}

static GtkWidget *
find_button (GtkWidget  *root,
             const char *label)
{
  GtkWidget *child;

  if (GTK_IS_BUTTON (root) && g_strcmp0 (gtk_button_get_label (GTK_BUTTON (root)), label) == 0)
    return root;

  for (child = gtk_widget_get_first_child (root); child; child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_button (child, label);

      if (found != NULL)
        return found;
    }

  return NULL;
}

static void
test_preferences (void)
{
  g_autoptr(SupaProfileStore) store = views_test_new_store ();
  g_autoptr(SupaProfile) profile = supa_profile_new ("0d6c7b58-2f7e-4c41-9a0e-6f4b8f2d1e77");
  g_autoptr(GSettings) settings = g_settings_new (BASE_APPLICATION_ID);
  g_autofree char *jwt = views_test_make_jwt ("service_role", NULL, 0);
  g_autofree char *text = NULL;
  SupaWindow *window;
  GtkWindow *prefs;
  GtkWindow *dialog;
  GtkWidget *row;
  GtkWidget *spin;
  gboolean done = FALSE;

  supa_profile_set_name (profile, "Staging API");
  supa_profile_set_url (profile, "https://abcdefghijklmnopqrst.supabase.co");
  supa_profile_set_role (profile, "service_role");
  supa_profile_set_tag (profile, "staging");
  supa_profile_store_save_async (store, profile, jwt, NULL, save_cb, &done);
  views_test_wait_until (done);

  window = new_window (store);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.manage-projects", NULL));
  prefs = views_test_find_toplevel (SUPA_TYPE_PREFERENCES_WINDOW, NULL);
  g_assert_nonnull (prefs);
  g_assert_cmpstr (adw_preferences_window_get_visible_page_name (ADW_PREFERENCES_WINDOW (prefs)), ==, "projects");

  /* The profile is listed with its URL, role badge and tag. */
  row = views_test_find_widget (GTK_WIDGET (prefs), ADW_TYPE_ACTION_ROW, supa_profile_get_id (profile));
  g_assert_nonnull (row);
  text = views_test_collect_text (row);
  g_assert_nonnull (strstr (text, "Staging API"));
  g_assert_nonnull (strstr (text, "https://abcdefghijklmnopqrst.supabase.co"));
  g_assert_nonnull (strstr (text, "service_role"));
  g_assert_nonnull (strstr (text, "Staging"));

  /* Remove asks first; cancelling keeps everything. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (prefs), "prefs.remove", "s", supa_profile_get_id (profile)));
  dialog = views_test_find_toplevel (ADW_TYPE_MESSAGE_DIALOG, NULL);
  g_assert_nonnull (dialog);
  g_assert_cmpstr (adw_message_dialog_get_heading (ADW_MESSAGE_DIALOG (dialog)), ==, "Remove “Staging API”?");
  g_assert_cmpstr (adw_message_dialog_get_body (ADW_MESSAGE_DIALOG (dialog)), ==, "Its API key is deleted from the keyring.");
  g_signal_emit_by_name (find_button (GTK_WIDGET (dialog), "_Cancel"), "clicked");
  views_test_spin (100);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (store)), ==, 1);

  /* Confirming removes the profile and its key. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (prefs), "prefs.remove", "s", supa_profile_get_id (profile)));
  dialog = views_test_find_toplevel (ADW_TYPE_MESSAGE_DIALOG, NULL);
  g_signal_emit_by_name (find_button (GTK_WIDGET (dialog), "_Remove"), "clicked");
  views_test_wait_until (g_list_model_get_n_items (G_LIST_MODEL (store)) == 0);

  done = FALSE;
  supa_keyring_lookup_async (supa_profile_store_get_keyring (store),
                             supa_profile_get_id (profile), SUPA_SECRET_API_KEY,
                             NULL, lookup_none_cb, &done);
  views_test_wait_until (done);

  /* The window falls back to the first-run page. */
  views_test_wait_until (g_strcmp0 (supa_window_get_page (window), "welcome") == 0);

  /* General settings are bound to GSettings. */
  adw_preferences_window_set_visible_page_name (ADW_PREFERENCES_WINDOW (prefs), "general");
  spin = views_test_find_widget (GTK_WIDGET (prefs), GTK_TYPE_SPIN_BUTTON, NULL);
  g_assert_nonnull (spin);
  g_assert_cmpint (gtk_spin_button_get_value_as_int (GTK_SPIN_BUTTON (spin)), ==,
                   g_settings_get_int (settings, "row-page-size"));
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (spin), 1000);
  g_assert_cmpint (g_settings_get_int (settings, "row-page-size"), ==, 1000);

  gtk_window_destroy (prefs);
  gtk_window_destroy (GTK_WINDOW (window));
}

static void
test_window_size (void)
{
  g_autoptr(SupaProfileStore) store = views_test_new_store ();
  g_autoptr(GSettings) settings = g_settings_new (BASE_APPLICATION_ID);
  SupaWindow *window;
  int width, height;

  /* Restored from the settings … */
  g_settings_set_int (settings, "window-width", 820);
  g_settings_set_int (settings, "window-height", 610);
  g_settings_set_boolean (settings, "window-maximized", FALSE);
  window = new_window (store);
  gtk_window_get_default_size (GTK_WINDOW (window), &width, &height);
  g_assert_cmpint (width, ==, 820);
  g_assert_cmpint (height, ==, 610);

  /* The sidebar folds away at narrow widths and comes back. */
  {
    AdwLeaflet *leaflet = ADW_LEAFLET (views_test_find_widget (GTK_WIDGET (window), ADW_TYPE_LEAFLET, NULL));

    gtk_stack_set_visible_child_name (GTK_STACK (views_test_find_widget (GTK_WIDGET (window), GTK_TYPE_STACK, "main-stack")), "main");
    views_test_wait_until (!adw_leaflet_get_folded (leaflet));
    gtk_window_set_default_size (GTK_WINDOW (window), 400, 600);
    views_test_wait_until (adw_leaflet_get_folded (leaflet));
    gtk_window_set_default_size (GTK_WINDOW (window), 820, 610);
    views_test_wait_until (!adw_leaflet_get_folded (leaflet));
  }

  /* … and saved when the window closes. */
  gtk_window_set_default_size (GTK_WINDOW (window), 900, 640);
  gtk_window_close (GTK_WINDOW (window));
  g_assert_cmpint (g_settings_get_int (settings, "window-width"), ==, 900);
  g_assert_cmpint (g_settings_get_int (settings, "window-height"), ==, 640);
  g_assert_false (g_settings_get_boolean (settings, "window-maximized"));
}

static void
test_load_error (void)
{
  g_autofree char *dir = g_build_filename (g_get_user_config_dir (), "supadesk", NULL);
  g_autofree char *path = g_build_filename (dir, "profiles.ini", NULL);
  g_autoptr(SupaKeyring) keyring = supa_keyring_new ();
  g_autoptr(SupaProfileStore) store = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *after = NULL;
  g_autofree char *text = NULL;
  const char *corrupt = "[[this is not a key file\n\x01";
  SupaWindow *window;
  GtkWidget *stack;

  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
  g_assert_true (g_file_set_contents (path, corrupt, -1, NULL));

  store = supa_profile_store_new (path, keyring);
  g_assert_false (supa_profile_store_load (store, &error));
  g_assert_nonnull (error);

  window = supa_window_new (NULL, store, error);
  gtk_window_present (GTK_WINDOW (window));
  supa_window_open_default (window);

  /* The error is shown, with the reason … */
  g_assert_cmpstr (supa_window_get_page (window), ==, "load-error");
  stack = views_test_find_widget (GTK_WIDGET (window), GTK_TYPE_STACK, "main-stack");
  text = views_test_collect_text (gtk_stack_get_visible_child (GTK_STACK (stack)));
  g_assert_nonnull (strstr (text, "Saved Projects Could Not Be Read"));
  g_assert_nonnull (strstr (text, error->message));

  /* … and nothing can write over the file. */
  gtk_widget_activate_action (GTK_WIDGET (window), "win.add-project", NULL);
  views_test_spin (100);
  g_assert_null (views_test_find_toplevel (ADW_TYPE_WINDOW, GTK_WINDOW (window)));
  gtk_window_close (GTK_WINDOW (window));

  g_assert_true (g_file_get_contents (path, &after, NULL, NULL));
  g_assert_cmpstr (after, ==, corrupt);
}

int
main (int   argc,
      char *argv[])
{
  views_test_init (&argc, &argv);

  g_test_add_func ("/window/first-run", test_first_run);
  g_test_add_func ("/window/sections", test_sections);
  g_test_add_func ("/window/save-profile", test_save_profile);
  g_test_add_func ("/window/keyring-error", test_keyring_error);
  g_test_add_func ("/window/keyboard", test_keyboard);
  g_test_add_func ("/window/preferences", test_preferences);
  g_test_add_func ("/window/size", test_window_size);
  g_test_add_func ("/window/load-error", test_load_error);

  return g_test_run ();
}
