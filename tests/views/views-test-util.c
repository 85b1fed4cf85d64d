/* views-test-util.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>
#include <libsoup/soup.h>

#include "supa-keyring.h"
#include "views-test-util.h"

void
views_test_init (int    *argc,
                 char ***argv)
{
  GtkIconTheme *theme;
  g_autoptr(GPtrArray) mime_dirs = g_ptr_array_new_with_free_func (g_free);
  const char * const *data_dirs = g_get_system_data_dirs ();

  for (guint i = 0; data_dirs[i] != NULL; i++)
    g_ptr_array_add (mime_dirs, g_build_filename (data_dirs[i], "mime", NULL));
  g_ptr_array_add (mime_dirs, NULL);

  g_test_init (argc, argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  gtk_init ();
  adw_init ();

  /* Each test case gets private XDG dirs, which would hide the icon theme
   * and the MIME database (needed to load SVG icons). Both read their
   * search paths once: do it now, while the system dirs are visible. */
  g_content_type_set_mime_dirs ((const char * const *) mime_dirs->pdata);
  theme = gtk_icon_theme_get_for_display (gdk_display_get_default ());
  g_assert_true (gtk_icon_theme_has_icon (theme, "dialog-error-symbolic"));
}

static gboolean
tick_cb (gpointer data)
{
  return G_SOURCE_CONTINUE;
}

guint
views_test_tick_start (void)
{
  return g_timeout_add (10, tick_cb, NULL);
}

static gboolean
spin_done_cb (gpointer data)
{
  *(gboolean *) data = TRUE;
  return G_SOURCE_REMOVE;
}

void
views_test_spin (guint msec)
{
  gboolean done = FALSE;

  g_timeout_add (msec, spin_done_cb, &done);
  while (!done)
    g_main_context_iteration (NULL, TRUE);
}

SupaProfileStore *
views_test_new_store (void)
{
  g_autoptr(SupaKeyring) keyring = supa_keyring_new ();
  g_autofree char *path = g_build_filename (g_get_user_config_dir (), "supadesk", "profiles.ini", NULL);
  g_autoptr(SupaProfileStore) store = supa_profile_store_new (path, keyring);
  g_autoptr(GError) error = NULL;

  g_assert_true (supa_profile_store_load (store, &error));
  g_assert_no_error (error);

  return g_steal_pointer (&store);
}

static char *
base64url (const guchar *data,
           gsize         len)
{
  char *text = g_base64_encode (data, len);
  char *p;

  for (p = text; *p; p++)
    {
      if (*p == '+')
        *p = '-';
      else if (*p == '/')
        *p = '_';
      else if (*p == '=')
        {
          *p = '\0';
          break;
        }
    }

  return text;
}

char *
views_test_make_jwt (const char *role,
                     const char *ref,
                     gint64      exp_offset)
{
  g_autoptr(GString) payload = g_string_new ("{\"iss\":\"supabase\"");
  g_autofree char *header_b64 = NULL;
  g_autofree char *payload_b64 = NULL;
  g_autofree char *signing_input = NULL;
  g_autofree char *signature_b64 = NULL;
  g_autofree char *secret = NULL;
  g_autoptr(GHmac) hmac = NULL;
  const char *header = "{\"alg\":\"HS256\",\"typ\":\"JWT\"}";
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;
  guint8 digest[32];
  gsize digest_len = sizeof digest;

  if (ref != NULL)
    g_string_append_printf (payload, ",\"ref\":\"%s\"", ref);
  if (role != NULL)
    g_string_append_printf (payload, ",\"role\":\"%s\"", role);
  g_string_append_printf (payload, ",\"iat\":%" G_GINT64_FORMAT, now - 60);
  if (exp_offset != 0)
    g_string_append_printf (payload, ",\"exp\":%" G_GINT64_FORMAT, now + exp_offset);
  g_string_append_c (payload, '}');

  header_b64 = base64url ((const guchar *) header, strlen (header));
  payload_b64 = base64url ((const guchar *) payload->str, payload->len);
  signing_input = g_strconcat (header_b64, ".", payload_b64, NULL);

  /* A secret nobody knows: the server side of these tests does not verify. */
  secret = g_uuid_string_random ();
  hmac = g_hmac_new (G_CHECKSUM_SHA256, (const guchar *) secret, strlen (secret));
  g_hmac_update (hmac, (const guchar *) signing_input, -1);
  g_hmac_get_digest (hmac, digest, &digest_len);
  signature_b64 = base64url (digest, digest_len);

  return g_strconcat (signing_input, ".", signature_b64, NULL);
}

GtkWidget *
views_test_find_widget (GtkWidget  *root,
                        GType       type,
                        const char *name)
{
  GtkWidget *child;

  if (G_TYPE_CHECK_INSTANCE_TYPE (root, type) &&
      (name == NULL || g_strcmp0 (gtk_widget_get_name (root), name) == 0))
    return root;

  for (child = gtk_widget_get_first_child (root); child; child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = views_test_find_widget (child, type, name);

      if (found != NULL)
        return found;
    }

  return NULL;
}

GtkWindow *
views_test_find_toplevel (GType      type,
                          GtkWindow *except)
{
  GListModel *toplevels = gtk_window_get_toplevels ();

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GtkWindow) window = g_list_model_get_item (toplevels, i);

      if (window != except && G_TYPE_CHECK_INSTANCE_TYPE (window, type))
        return window;
    }

  return NULL;
}

static void
collect_text (GtkWidget *widget,
              GString   *out)
{
  GtkWidget *child;

  if (!gtk_widget_get_visible (widget))
    return;

  if (GTK_IS_LABEL (widget))
    {
      g_string_append (out, gtk_label_get_label (GTK_LABEL (widget)));
      g_string_append_c (out, '\n');
    }

  for (child = gtk_widget_get_first_child (widget); child; child = gtk_widget_get_next_sibling (child))
    collect_text (child, out);
}

char *
views_test_collect_text (GtkWidget *root)
{
  GString *out = g_string_new (NULL);

  collect_text (root, out);
  return g_string_free (out, FALSE);
}

/* Fake Supabase ---------------------------------------------------------- */

static gboolean
has_key (SoupServerMessage *msg)
{
  const char *apikey = soup_message_headers_get_one (soup_server_message_get_request_headers (msg), "apikey");

  return apikey != NULL && *apikey != '\0';
}

static void
reply_json (SoupServerMessage *msg,
            guint              status,
            const char        *json)
{
  soup_server_message_set_status (msg, status, NULL);
  soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_COPY, json, strlen (json));
}

static void
fake_http_cb (SoupServer        *server,
              SoupServerMessage *msg,
              const char        *path,
              GHashTable        *query,
              gpointer           user_data)
{
  if (!has_key (msg))
    {
      reply_json (msg, 401, "{\"message\":\"No API key found in request\"}");
      return;
    }

  if (g_str_equal (path, "/rest/v1/") || g_str_equal (path, "/rest/v1"))
    reply_json (msg, 200,
                "{\"swagger\":\"2.0\",\"info\":{\"title\":\"fake\",\"version\":\"12\"},"
                "\"paths\":{\"/\":{},\"/todos\":{},\"/profiles\":{},\"/rpc/hello\":{}},"
                "\"definitions\":{}}");
  else if (g_str_equal (path, "/auth/v1/health"))
    reply_json (msg, 200, "{\"version\":\"v2.170.0\",\"name\":\"GoTrue\",\"description\":\"fake\"}");
  else if (g_str_equal (path, "/auth/v1/settings"))
    reply_json (msg, 200, "{\"external\":{\"email\":true},\"disable_signup\":false,\"mailer_autoconfirm\":true}");
  else if (g_str_equal (path, "/storage/v1/bucket"))
    reply_json (msg, 200, "[{\"id\":\"avatars\",\"name\":\"avatars\",\"public\":true}]");
  else
    reply_json (msg, 404, "{\"message\":\"no route\"}");
}

static void
fake_websocket_cb (SoupServer              *server,
                   SoupServerMessage       *msg,
                   const char              *path,
                   SoupWebsocketConnection *connection,
                   gpointer                 user_data)
{
  /* The probe closes right away; keep the connection until it does. */
  g_object_set_data_full (G_OBJECT (server), "last-websocket",
                          g_object_ref (connection), g_object_unref);
}

char *
views_test_start_fake_supabase (SoupServer **out_server)
{
  g_autoptr(SoupServer) server = soup_server_new (NULL, NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new (loopback, 0);
  GSList *uris;
  GUri *uri;
  char *base;

  soup_server_add_websocket_handler (server, "/realtime/v1/websocket", NULL, NULL,
                                     fake_websocket_cb, NULL, NULL);
  soup_server_add_handler (server, NULL, fake_http_cb, NULL, NULL);

  g_assert_true (soup_server_listen (server, address, 0, &error));
  g_assert_no_error (error);

  uris = soup_server_get_uris (server);
  g_assert_nonnull (uris);
  uri = uris->data;
  base = g_strdup_printf ("http://127.0.0.1:%d", g_uri_get_port (uri));
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);

  *out_server = g_steal_pointer (&server);
  return base;
}
