/* test-notification.c — the desktop notification at the end of a long
 * transfer batch really reaches the notification server.
 *
 * A fake org.freedesktop.Notifications server is exported on a second
 * connection to the private session bus (tests/harness/keyring-session), and
 * a registered GtkApplication sends through GIO's freedesktop backend, as
 * Supadesk does outside a sandbox when no org.gtk.Notifications is running.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "supa-bucket-browser.h"
#include "views-test-util.h"

#define TEST_APP_ID "io.github.supadesk.Supadesk.NotificationTest"

static const char introspection_xml[] =
  "<node>"
  "  <interface name='org.freedesktop.Notifications'>"
  "    <method name='Notify'>"
  "      <arg type='s' name='app_name' direction='in'/>"
  "      <arg type='u' name='replaces_id' direction='in'/>"
  "      <arg type='s' name='app_icon' direction='in'/>"
  "      <arg type='s' name='summary' direction='in'/>"
  "      <arg type='s' name='body' direction='in'/>"
  "      <arg type='as' name='actions' direction='in'/>"
  "      <arg type='a{sv}' name='hints' direction='in'/>"
  "      <arg type='i' name='expire_timeout' direction='in'/>"
  "      <arg type='u' name='id' direction='out'/>"
  "    </method>"
  "    <method name='CloseNotification'>"
  "      <arg type='u' name='id' direction='in'/>"
  "    </method>"
  "    <method name='GetCapabilities'>"
  "      <arg type='as' name='capabilities' direction='out'/>"
  "    </method>"
  "    <method name='GetServerInformation'>"
  "      <arg type='s' name='name' direction='out'/>"
  "      <arg type='s' name='vendor' direction='out'/>"
  "      <arg type='s' name='version' direction='out'/>"
  "      <arg type='s' name='spec_version' direction='out'/>"
  "    </method>"
  "    <signal name='NotificationClosed'>"
  "      <arg type='u' name='id'/>"
  "      <arg type='u' name='reason'/>"
  "    </signal>"
  "    <signal name='ActionInvoked'>"
  "      <arg type='u' name='id'/>"
  "      <arg type='s' name='action_key'/>"
  "    </signal>"
  "  </interface>"
  "</node>";

typedef struct {
  GDBusConnection *connection;
  guint            registration;
  guint            name_id;
  gboolean         name_acquired;
  gboolean         name_lost;
  GPtrArray       *summaries;   /* "summary\nbody" of each Notify */
  char            *app_name;
} FakeServer;

static void
fake_method_call (GDBusConnection       *connection,
                  const char            *sender,
                  const char            *object_path,
                  const char            *interface_name,
                  const char            *method_name,
                  GVariant              *parameters,
                  GDBusMethodInvocation *invocation,
                  gpointer               user_data)
{
  FakeServer *server = user_data;

  if (g_str_equal (method_name, "Notify"))
    {
      const char *app_name, *summary, *body;

      g_variant_get (parameters, "(&su&s&s&sasa{sv}i)", &app_name, NULL, NULL, &summary, &body,
                     NULL, NULL, NULL);
      g_free (server->app_name);
      server->app_name = g_strdup (app_name);
      g_ptr_array_add (server->summaries, g_strdup_printf ("%s\n%s", summary, body));
      g_dbus_method_invocation_return_value (invocation, g_variant_new ("(u)", server->summaries->len));
    }
  else if (g_str_equal (method_name, "GetCapabilities"))
    {
      const char *caps[] = { "body", "actions", NULL };

      g_dbus_method_invocation_return_value (invocation, g_variant_new ("(^as)", caps));
    }
  else if (g_str_equal (method_name, "GetServerInformation"))
    g_dbus_method_invocation_return_value (invocation,
                                           g_variant_new ("(ssss)", "fake", "supadesk-tests", "1", "1.2"));
  else
    g_dbus_method_invocation_return_value (invocation, NULL);
}

static const GDBusInterfaceVTable fake_vtable = { fake_method_call, NULL, NULL, { 0 } };

static void
name_acquired_cb (GDBusConnection *connection,
                  const char      *name,
                  gpointer         user_data)
{
  FakeServer *server = user_data;

  server->name_acquired = TRUE;
}

static void
name_lost_cb (GDBusConnection *connection,
              const char      *name,
              gpointer         user_data)
{
  FakeServer *server = user_data;

  server->name_lost = TRUE;
}

static void
fake_server_start (FakeServer *server)
{
  g_autoptr(GDBusNodeInfo) info = NULL;
  g_autoptr(GError) error = NULL;
  const char *address = g_getenv ("DBUS_SESSION_BUS_ADDRESS");

  g_assert_nonnull (address);
  server->summaries = g_ptr_array_new_with_free_func (g_free);

  /* A connection of its own, so GIO's notification backend (on the shared
   * session connection) talks to it over the bus like to a real server. */
  server->connection = g_dbus_connection_new_for_address_sync (address,
                                                               G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT |
                                                               G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
                                                               NULL, NULL, &error);
  g_assert_no_error (error);

  info = g_dbus_node_info_new_for_xml (introspection_xml, &error);
  g_assert_no_error (error);
  server->registration = g_dbus_connection_register_object (server->connection,
                                                            "/org/freedesktop/Notifications",
                                                            info->interfaces[0], &fake_vtable,
                                                            server, NULL, &error);
  g_assert_no_error (error);

  server->name_id = g_bus_own_name_on_connection (server->connection, "org.freedesktop.Notifications",
                                                  G_BUS_NAME_OWNER_FLAGS_DO_NOT_QUEUE,
                                                  name_acquired_cb, name_lost_cb, server, NULL);
  views_test_wait_until (server->name_acquired || server->name_lost);
  g_assert_true (server->name_acquired);
}

static void
fake_server_stop (FakeServer *server)
{
  g_bus_unown_name (server->name_id);
  g_dbus_connection_unregister_object (server->connection, server->registration);
  g_dbus_connection_close_sync (server->connection, NULL, NULL);
  g_clear_object (&server->connection);
  g_clear_pointer (&server->summaries, g_ptr_array_unref);
  g_clear_pointer (&server->app_name, g_free);
}

static void
test_batch_notification (void)
{
  g_autoptr(GtkApplication) app = NULL;
  g_autoptr(GError) error = NULL;
  FakeServer server = { 0 };
  GtkWidget *browser;

  fake_server_start (&server);

  app = gtk_application_new (TEST_APP_ID, G_APPLICATION_NON_UNIQUE);
  g_assert_true (g_application_register (G_APPLICATION (app), NULL, &error));
  g_assert_no_error (error);
  g_application_set_default (G_APPLICATION (app));

  browser = g_object_ref_sink (supa_bucket_browser_new ());

  /* What the browser announces when a long batch ends. */
  g_signal_emit_by_name (browser, "notify-batch", "12 files uploaded", "2 failed");
  views_test_wait_until (server.summaries->len == 1);
  g_assert_cmpstr (g_ptr_array_index (server.summaries, 0), ==, "12 files uploaded\n2 failed");
  g_assert_nonnull (server.app_name);

  /* Without a registered application nothing is sent (and nothing breaks). */
  g_application_set_default (NULL);
  g_signal_emit_by_name (browser, "notify-batch", "3 files uploaded", "");
  views_test_spin (300);
  g_assert_cmpuint (server.summaries->len, ==, 1);

  g_object_unref (browser);
  fake_server_stop (&server);
}

int
main (int   argc,
      char *argv[])
{
  views_test_init (&argc, &argv);

  g_test_add_func ("/notification/transfer-batch", test_batch_notification);

  return g_test_run ();
}
