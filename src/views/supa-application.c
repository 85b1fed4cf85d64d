/* supa-application.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "supa-application"

#include "config.h"

#include <glib/gi18n.h>

#include "supa-application.h"
#include "supa-client.h"
#include "supa-key-info.h"
#include "supa-keyring.h"
#include "supa-preferences-window.h"
#include "supa-resources.h"
#include "supa-window.h"

/* Exit status for a command line we cannot act on (as getopt tools do). */
#define EXIT_USAGE 2

/* The only way to pass an API key on the command line: it never appears in
 * the process list or shell history. */
#define KEY_ENVIRONMENT_VARIABLE "SUPADESK_KEY"

struct _SupaApplication
{
  AdwApplication    parent_instance;

  SupaKeyring      *keyring;
  SupaProfileStore *store;
  GError           *load_error;
};

G_DEFINE_FINAL_TYPE (SupaApplication, supa_application, ADW_TYPE_APPLICATION)

static void
present_preferences (SupaApplication *self,
                     const char      *page)
{
  GtkWindow *parent = gtk_application_get_active_window (GTK_APPLICATION (self));
  GtkWidget *prefs;

  prefs = supa_preferences_window_new (parent, self->store, self->load_error != NULL);
  if (page != NULL)
    adw_preferences_window_set_visible_page_name (ADW_PREFERENCES_WINDOW (prefs), page);
  gtk_window_present (GTK_WINDOW (prefs));
}

static void
preferences_action_cb (GSimpleAction *action,
                       GVariant      *parameter,
                       gpointer       user_data)
{
  present_preferences (SUPA_APPLICATION (user_data), NULL);
}

static void
about_action_cb (GSimpleAction *action,
                 GVariant      *parameter,
                 gpointer       user_data)
{
  SupaApplication *self = SUPA_APPLICATION (user_data);
  GtkWindow *parent = gtk_application_get_active_window (GTK_APPLICATION (self));
  GtkWidget *about;

  about = g_object_new (ADW_TYPE_ABOUT_WINDOW,
                        "transient-for", parent,
                        "modal", TRUE,
                        "application-name", _("Supadesk"),
                        "application-icon", BASE_APPLICATION_ID,
                        "version", PACKAGE_VERSION,
                        "developer-name", _("The Supadesk developers"),
                        "comments", _("Administer your Supabase projects: tables, storage, users and realtime changes."),
                        "website", "https://github.com/supadesk/supadesk",
                        "issue-url", "https://github.com/supadesk/supadesk/issues",
                        "license-type", GTK_LICENSE_GPL_3_0,
                        "copyright", "© 2024 The Supadesk developers",
                        "translator-credits", _("translator-credits"),
                        NULL);
  gtk_window_present (GTK_WINDOW (about));
}

static void
quit_action_cb (GSimpleAction *action,
                GVariant      *parameter,
                gpointer       user_data)
{
  SupaApplication *self = SUPA_APPLICATION (user_data);
  g_autoptr(GList) windows = NULL;

  /* Closing (rather than destroying) lets each window save its size and
   * cancel its requests. */
  windows = g_list_copy (gtk_application_get_windows (GTK_APPLICATION (self)));
  for (GList *l = windows; l != NULL; l = l->next)
    gtk_window_close (GTK_WINDOW (l->data));

  g_application_quit (G_APPLICATION (self));
}

static const GActionEntry app_actions[] = {
  { "preferences", preferences_action_cb },
  { "about", about_action_cb },
  { "quit", quit_action_cb },
};

static gint
supa_application_handle_local_options (GApplication *app,
                                       GVariantDict *options)
{
  const char *section = NULL;
  const char *url = NULL;

  if (g_variant_dict_contains (options, "version"))
    {
      g_print ("%s %s\n", PACKAGE_NAME, PACKAGE_VERSION);
      return 0;
    }

  if (g_variant_dict_lookup (options, "section", "&s", &section) && !supa_section_is_valid (section))
    {
      /* Translators: %s is what the user typed after --section */
      g_printerr (_("Unknown section “%s”. Use one of: tables, storage, users, realtime.\n"), section);
      return EXIT_USAGE;
    }

  if (g_variant_dict_lookup (options, "url", "&s", &url))
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(SupaKeyInfo) info = NULL;
      g_autofree char *normalized = NULL;
      const char *key = g_getenv (KEY_ENVIRONMENT_VARIABLE);

      normalized = supa_project_url_normalize (url, NULL, &error);
      if (normalized == NULL)
        {
          /* Translators: %s is an error message */
          g_printerr (_("Cannot use --url: %s\n"), error->message);
          return EXIT_USAGE;
        }

      if (key == NULL || *key == '\0')
        {
          g_printerr (_("--url needs the project's API key in the environment variable %s "
                        "(there is no option for the key, so it never shows up in the process "
                        "list or your shell history).\n"),
                      KEY_ENVIRONMENT_VARIABLE);
          return EXIT_USAGE;
        }

      info = supa_key_info_parse (key, &error);
      if (info == NULL)
        {
          /* Translators: the first %s is an environment variable, the second an error message */
          g_printerr (_("The key in %s cannot be used: %s\n"), KEY_ENVIRONMENT_VARIABLE, error->message);
          return EXIT_USAGE;
        }
    }

  return G_APPLICATION_CLASS (supa_application_parent_class)->handle_local_options (app, options);
}

static int
supa_application_command_line (GApplication            *app,
                                GApplicationCommandLine *cmdline)
{
  SupaApplication *self = SUPA_APPLICATION (app);
  GVariantDict *options = g_application_command_line_get_options_dict (cmdline);
  const char *profile_name = NULL;
  const char *section = NULL;
  const char *url = NULL;
  g_autofree char *normalized = NULL;
  SupaProfile *profile = NULL;
  GtkWindow *window;

  g_variant_dict_lookup (options, "profile", "&s", &profile_name);
  g_variant_dict_lookup (options, "section", "&s", &section);
  g_variant_dict_lookup (options, "url", "&s", &url);

  if (section != NULL && !supa_section_is_valid (section))
    {
      g_application_command_line_printerr (cmdline,
                                           _("Unknown section “%s”. Use one of: tables, storage, users, realtime.\n"),
                                           section);
      return EXIT_USAGE;
    }

  if (url != NULL)
    {
      g_autoptr(GError) error = NULL;
      const char *key = g_application_command_line_getenv (cmdline, KEY_ENVIRONMENT_VARIABLE);

      normalized = supa_project_url_normalize (url, NULL, &error);
      if (normalized == NULL)
        {
          g_application_command_line_printerr (cmdline, _("Cannot use --url: %s\n"), error->message);
          return EXIT_USAGE;
        }
      if (key == NULL || *key == '\0')
        {
          g_application_command_line_printerr (cmdline,
                                               _("--url needs the project's API key in the environment variable %s.\n"),
                                               KEY_ENVIRONMENT_VARIABLE);
          return EXIT_USAGE;
        }
    }
  else if (profile_name != NULL)
    {
      if (self->load_error == NULL)
        profile = supa_profile_store_find_by_name (self->store, profile_name);
      if (profile == NULL)
        {
          g_application_command_line_printerr (cmdline,
                                               _("No saved project is named “%s”.\n"),
                                               profile_name);
          return EXIT_USAGE;
        }
    }

  window = gtk_application_get_active_window (GTK_APPLICATION (self));

  if (window == NULL || url != NULL || profile != NULL)
    {
      SupaWindow *new_window = supa_window_new (GTK_APPLICATION (self), self->store, self->load_error);

      if (url != NULL)
        supa_window_open_transient (new_window, profile_name, normalized,
                                    g_application_command_line_getenv (cmdline, KEY_ENVIRONMENT_VARIABLE));
      else if (profile != NULL)
        supa_window_open_profile (new_window, profile);
      else
        supa_window_open_default (new_window);

      window = GTK_WINDOW (new_window);
    }

  if (section != NULL)
    supa_window_set_section (SUPA_WINDOW (window), section);

  gtk_window_present (window);

  return 0;
}

static void
supa_application_activate (GApplication *app)
{
  SupaApplication *self = SUPA_APPLICATION (app);
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (self));

  if (window == NULL)
    {
      SupaWindow *new_window = supa_window_new (GTK_APPLICATION (self), self->store, self->load_error);

      supa_window_open_default (new_window);
      window = GTK_WINDOW (new_window);
    }

  gtk_window_present (window);
}

static void
supa_application_startup (GApplication *app)
{
  SupaApplication *self = SUPA_APPLICATION (app);
  static const char *quit_accels[] = { "<Control>q", NULL };
  static const char *preferences_accels[] = { "<Control>comma", NULL };

  G_APPLICATION_CLASS (supa_application_parent_class)->startup (app);

  supa_resources_ensure ();
  gtk_window_set_default_icon_name (BASE_APPLICATION_ID);

  g_action_map_add_action_entries (G_ACTION_MAP (self), app_actions, G_N_ELEMENTS (app_actions), self);
  gtk_application_set_accels_for_action (GTK_APPLICATION (self), "app.quit", quit_accels);
  gtk_application_set_accels_for_action (GTK_APPLICATION (self), "app.preferences", preferences_accels);

  self->keyring = supa_keyring_new ();
  self->store = supa_profile_store_new (NULL, self->keyring);
  if (!supa_profile_store_load (self->store, &self->load_error))
    g_warning ("Saved projects could not be read: %s", self->load_error->message);
}

static void
supa_application_shutdown (GApplication *app)
{
  SupaApplication *self = SUPA_APPLICATION (app);

  G_APPLICATION_CLASS (supa_application_parent_class)->shutdown (app);

  g_clear_object (&self->store);
  g_clear_object (&self->keyring);
}

static void
supa_application_finalize (GObject *object)
{
  SupaApplication *self = (SupaApplication *)object;

  g_clear_object (&self->store);
  g_clear_object (&self->keyring);
  g_clear_error (&self->load_error);

  G_OBJECT_CLASS (supa_application_parent_class)->finalize (object);
}

static void
supa_application_class_init (SupaApplicationClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GApplicationClass *app_class = G_APPLICATION_CLASS (klass);

  object_class->finalize = supa_application_finalize;

  app_class->handle_local_options = supa_application_handle_local_options;
  app_class->command_line = supa_application_command_line;
  app_class->activate = supa_application_activate;
  app_class->startup = supa_application_startup;
  app_class->shutdown = supa_application_shutdown;
}

static void
supa_application_init (SupaApplication *self)
{
  /* One by one so the descriptions go through gettext at run time. */
  g_application_add_main_option (G_APPLICATION (self), "profile", 'p', G_OPTION_FLAG_NONE, G_OPTION_ARG_STRING,
                                 _("Open the saved project NAME (or name the --url session)"), _("NAME"));
  g_application_add_main_option (G_APPLICATION (self), "section", 's', G_OPTION_FLAG_NONE, G_OPTION_ARG_STRING,
                                 _("Start in SECTION: tables, storage, users or realtime"), _("SECTION"));
  g_application_add_main_option (G_APPLICATION (self), "url", 'u', G_OPTION_FLAG_NONE, G_OPTION_ARG_STRING,
                                 _("Connect to the project at URL without saving it; the API key is read from the SUPADESK_KEY environment variable"),
                                 _("URL"));
  g_application_add_main_option (G_APPLICATION (self), "version", 0, G_OPTION_FLAG_NONE, G_OPTION_ARG_NONE,
                                 _("Show the version and exit"), NULL);
  g_application_set_option_context_parameter_string (G_APPLICATION (self), NULL);
  g_application_set_option_context_summary (G_APPLICATION (self),
                                            _("A desktop client for administering Supabase projects."));
  g_application_set_option_context_description (G_APPLICATION (self),
                                                _("The API key is never accepted as an option: for --url, put it in the "
                                                  "SUPADESK_KEY environment variable, e.g.\n"
                                                  "  SUPADESK_KEY=\"$(pass show supabase/anon)\" supadesk --url https://<ref>.supabase.co\n"
                                                  "A --url session is not saved unless you choose “Save Project” in the window; "
                                                  "saved keys live in the system keyring."));
}

SupaApplication *
supa_application_new (const char *application_id)
{
  g_return_val_if_fail (application_id != NULL, NULL);

  return g_object_new (SUPA_TYPE_APPLICATION,
                       "application-id", application_id,
                       "flags", G_APPLICATION_HANDLES_COMMAND_LINE | G_APPLICATION_SEND_ENVIRONMENT,
                       "resource-base-path", "/io/github/supadesk/Supadesk",
                       NULL);
}

SupaProfileStore *
supa_application_get_profile_store (SupaApplication *self)
{
  g_return_val_if_fail (SUPA_IS_APPLICATION (self), NULL);

  return self->store;
}

const GError *
supa_application_get_load_error (SupaApplication *self)
{
  g_return_val_if_fail (SUPA_IS_APPLICATION (self), NULL);

  return self->load_error;
}
