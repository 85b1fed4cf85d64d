/* test-bucket-browser.c — the Storage section against supabase-local (seed
 * "demo"): buckets with badges, folder navigation, folders created,
 * renamed and deleted, files dropped from a file manager (checked byte for
 * byte through REST), pre-flight refusals, and signed URLs.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "supa-bucket-browser.h"
#include "supa-bucket-dialog.h"
#include "supa-file-preview.h"
#include "supa-test-server.h"
#include "supa-transfer-list.h"
#include "views-test-util.h"

static SupaTestServer *server;

typedef struct
{
  GtkWindow         *window;
  SupaBucketBrowser *browser;
  SupaClient        *client;
  SupaProfile       *profile;
  GCancellable      *cancellable;
  char              *tmpdir;
} Fixture;

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  f->cancellable = g_cancellable_new ();
  f->client = supa_client_new (server->url, server->service_role_key, NULL);
  f->profile = supa_profile_new ("test");
  supa_profile_set_name (f->profile, "Test");
  supa_profile_set_url (f->profile, server->url);
  f->tmpdir = g_dir_make_tmp ("bucket-browser-XXXXXX", NULL);
  g_assert_nonnull (f->tmpdir);

  f->window = GTK_WINDOW (gtk_window_new ());
  gtk_window_set_default_size (f->window, 1100, 700);
  f->browser = SUPA_BUCKET_BROWSER (supa_bucket_browser_new ());
  gtk_window_set_child (f->window, GTK_WIDGET (f->browser));
  gtk_window_present (f->window);

  supa_bucket_browser_set_client (f->browser, f->client, f->profile, f->cancellable);
  views_test_wait_until (!supa_bucket_browser_get_loading_buckets (f->browser) &&
                         g_list_model_get_n_items (supa_bucket_browser_get_buckets (f->browser)) >= 2);
}

static void
close_dialogs (void)
{
  GtkWindow *dialog;

  while ((dialog = views_test_find_toplevel (ADW_TYPE_MESSAGE_DIALOG, NULL)) != NULL)
    gtk_window_destroy (dialog);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  close_dialogs ();
  g_cancellable_cancel (f->cancellable);
  gtk_window_destroy (f->window);
  views_test_spin (50);
  g_clear_object (&f->client);
  g_clear_object (&f->profile);
  g_clear_object (&f->cancellable);
  g_clear_pointer (&f->tmpdir, g_free);
}

/* --- helpers ------------------------------------------------------------ */

static SupaTestResponse *
storage_get (const char *path)
{
  g_autofree char *bearer = g_strconcat ("Bearer ", server->service_role_key, NULL);
  g_autofree char *url = g_strconcat ("/storage/v1/object/", path, NULL);
  const char *headers[] = { "apikey", server->service_role_key, "Authorization", bearer, NULL };

  return supa_test_request (server, "GET", url, headers, NULL, NULL, 0);
}

static void
wait_folder (Fixture *f)
{
  SupaFolderModel *model = supa_bucket_browser_get_folder_model (f->browser);

  g_assert_nonnull (model);
  views_test_wait_until (!supa_folder_model_get_loading (model) && supa_folder_model_get_complete (model));
  views_test_spin (50);
}

static char *
folder_names (Fixture *f)
{
  GListModel *model = G_LIST_MODEL (supa_bucket_browser_get_folder_model (f->browser));
  GString *names = g_string_new (NULL);

  for (guint i = 0; i < g_list_model_get_n_items (model); i++)
    {
      g_autoptr(SupaObjectInfo) info = g_list_model_get_item (model, i);

      g_string_append_printf (names, "%s%s%s", names->len > 0 ? "," : "",
                              supa_object_info_get_name (info),
                              supa_object_info_get_is_folder (info) ? "/" : "");
    }

  return g_string_free (names, FALSE);
}

static gboolean
folder_has (Fixture    *f,
            const char *entry)
{
  g_autofree char *names = folder_names (f);
  g_autofree char *wrapped = g_strconcat (",", names, ",", NULL);
  g_autofree char *needle = g_strconcat (",", entry, ",", NULL);

  return strstr (wrapped, needle) != NULL;
}

static void
open_bucket (Fixture    *f,
             const char *id)
{
  g_assert_true (supa_bucket_browser_open_bucket (f->browser, id));
  g_assert_cmpstr (supa_bucket_get_id (supa_bucket_browser_get_bucket (f->browser)), ==, id);
  wait_folder (f);
}

static guint
position_of (Fixture    *f,
             const char *name)
{
  GListModel *model = G_LIST_MODEL (supa_bucket_browser_get_folder_model (f->browser));

  for (guint i = 0; i < g_list_model_get_n_items (model); i++)
    {
      g_autoptr(SupaObjectInfo) info = g_list_model_get_item (model, i);

      if (g_str_equal (supa_object_info_get_name (info), name))
        return i;
    }

  g_error ("%s is not in the folder (%s)", name, folder_names (f));
  return 0;
}

static GtkShortcut *
find_shortcut (GtkWidget  *widget,
               const char *accelerator)
{
  g_autoptr(GListModel) controllers = gtk_widget_observe_controllers (widget);
  g_autoptr(GtkShortcutTrigger) wanted = gtk_shortcut_trigger_parse_string (accelerator);

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
press_shortcut (Fixture    *f,
                const char *accelerator)
{
  GtkShortcut *shortcut = find_shortcut (GTK_WIDGET (f->browser), accelerator);

  g_assert_nonnull (shortcut);
  g_assert_true (gtk_shortcut_action_activate (gtk_shortcut_get_action (shortcut),
                                               GTK_SHORTCUT_ACTION_EXCLUSIVE,
                                               GTK_WIDGET (f->browser),
                                               gtk_shortcut_get_arguments (shortcut)));
}

static GFile *
write_file (const char *dir,
            const char *relative,
            GBytes     *bytes)
{
  g_autofree char *path = g_build_filename (dir, relative, NULL);
  g_autofree char *parent = g_path_get_dirname (path);
  g_autoptr(GError) error = NULL;

  g_assert_cmpint (g_mkdir_with_parents (parent, 0700), ==, 0);
  g_file_set_contents (path, g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes), &error);
  g_assert_no_error (error);
  return g_file_new_for_path (path);
}

static GBytes *
random_bytes (gsize size)
{
  guint8 *data = g_malloc (size);

  for (gsize i = 0; i < size; i++)
    data[i] = (guint8) g_random_int_range (0, 256);
  return g_bytes_new_take (data, size);
}

static void
drop_files (Fixture *f,
            GFile  **files,
            gsize    n_files)
{
  g_auto(GValue) value = G_VALUE_INIT;

  g_value_init (&value, GDK_TYPE_FILE_LIST);
  g_value_take_boxed (&value, gdk_file_list_new_from_array (files, n_files));
  g_assert_true (supa_bucket_browser_drop (f->browser, &value, NULL));
}

static gboolean
all_transfers_finished (SupaTransferQueue *queue)
{
  for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (queue)); i++)
    {
      g_autoptr(SupaTransfer) transfer = g_list_model_get_item (G_LIST_MODEL (queue), i);
      SupaTransferState state = supa_transfer_get_state (transfer);

      if (state != SUPA_TRANSFER_DONE && state != SUPA_TRANSFER_FAILED && state != SUPA_TRANSFER_CANCELLED)
        return FALSE;
    }
  return TRUE;
}

static SupaTransfer *
find_transfer (SupaTransferQueue *queue,
               const char        *path)
{
  for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (queue)); i++)
    {
      g_autoptr(SupaTransfer) transfer = g_list_model_get_item (G_LIST_MODEL (queue), i);

      if (g_str_equal (supa_transfer_get_path (transfer), path))
        return g_steal_pointer (&transfer);
    }
  return NULL;
}

static gboolean
has_transfers (SupaTransferQueue  *queue,
               const char * const *paths)
{
  for (guint i = 0; paths[i] != NULL; i++)
    {
      g_autoptr(SupaTransfer) transfer = find_transfer (queue, paths[i]);

      if (transfer == NULL)
        return FALSE;
    }
  return TRUE;
}

/* --- tests -------------------------------------------------------------- */

static void
test_buckets (Fixture       *f,
              gconstpointer  data)
{
  GtkListBox *list = supa_bucket_browser_get_bucket_list (f->browser);
  GtkWidget *avatars = views_test_find_widget (GTK_WIDGET (list), GTK_TYPE_LIST_BOX_ROW, "avatars");
  GtkWidget *documents = views_test_find_widget (GTK_WIDGET (list), GTK_TYPE_LIST_BOX_ROW, "documents");
  GtkWidget *badge;
  g_autofree char *text = NULL;
  g_autofree char *limit = NULL;
  g_autofree char *expected = NULL;

  g_assert_nonnull (avatars);
  g_assert_nonnull (documents);

  badge = views_test_find_widget (avatars, GTK_TYPE_LABEL, "bucket-badge");
  g_assert_cmpstr (gtk_label_get_label (GTK_LABEL (badge)), ==, "Public");
  badge = views_test_find_widget (documents, GTK_TYPE_LABEL, "bucket-badge");
  g_assert_cmpstr (gtk_label_get_label (GTK_LABEL (badge)), ==, "Private");

  /* The limits a user needs before uploading. */
  text = views_test_collect_text (avatars);
  limit = g_format_size (5000000);
  expected = g_strconcat ("Up to ", limit, NULL);
  g_assert_nonnull (strstr (text, expected));
  g_assert_nonnull (strstr (text, "image/*"));

  g_assert_cmpstr (supa_bucket_browser_get_page (f->browser), ==, "no-bucket");
}

static void
test_navigate (Fixture       *f,
               gconstpointer  data)
{
  GtkColumnView *view = supa_bucket_browser_get_column_view (f->browser);
  g_autofree char *names = NULL;
  g_autofree char *crumbs = NULL;

  open_bucket (f, "documents");
  g_assert_cmpstr (supa_bucket_browser_get_page (f->browser), ==, "files");
  g_assert_true (folder_has (f, "reports/"));
  g_assert_true (folder_has (f, "config/"));
  g_assert_true (folder_has (f, "notes/"));
  g_assert_true (folder_has (f, "README.md"));
  /* Folders first. */
  g_assert_cmpuint (position_of (f, "README.md"), >, position_of (f, "reports"));

  /* Enter (the column view's activate) opens a folder. */
  g_signal_emit_by_name (view, "activate", position_of (f, "reports"));
  g_assert_cmpstr (supa_bucket_browser_get_prefix (f->browser), ==, "reports");
  wait_folder (f);
  names = folder_names (f);
  g_assert_cmpstr (names, ==, "2024/,summary.txt");
  crumbs = views_test_collect_text (supa_bucket_browser_get_path_bar (f->browser));
  g_assert_nonnull (strstr (crumbs, "documents"));
  g_assert_nonnull (strstr (crumbs, "reports"));

  g_signal_emit_by_name (view, "activate", position_of (f, "2024"));
  g_assert_cmpstr (supa_bucket_browser_get_prefix (f->browser), ==, "reports/2024");
  wait_folder (f);
  g_assert_true (folder_has (f, "q1-sales.csv"));

  /* Backspace goes up, twice to the root. */
  press_shortcut (f, "BackSpace");
  g_assert_cmpstr (supa_bucket_browser_get_prefix (f->browser), ==, "reports");
  wait_folder (f);
  press_shortcut (f, "BackSpace");
  g_assert_cmpstr (supa_bucket_browser_get_prefix (f->browser), ==, "");
  wait_folder (f);
  g_assert_true (folder_has (f, "README.md"));
}

/* Ctrl+F goes to the search field, Escape clears it and goes back to the
 * list; Ctrl+Shift+N asks for a new folder's name. */
static void
test_keyboard_search (Fixture       *f,
                      gconstpointer  data)
{
  GtkColumnView *view = supa_bucket_browser_get_column_view (f->browser);
  GtkWidget *search = views_test_find_widget (GTK_WIDGET (f->browser), GTK_TYPE_SEARCH_ENTRY, NULL);
  GtkWidget *focus;
  GtkWindow *dialog;

  open_bucket (f, "documents");
  gtk_widget_grab_focus (GTK_WIDGET (view));

  press_shortcut (f, "<Control>f");
  focus = gtk_root_get_focus (GTK_ROOT (f->window));
  g_assert_nonnull (focus);
  g_assert_true (focus == search || gtk_widget_is_ancestor (focus, search));

  /* Only names starting with "read" (README.md, or what other cases
   * renamed it to) stay. */
  gtk_editable_set_text (GTK_EDITABLE (search), "read");
  views_test_wait_until (!folder_has (f, "reports/"));
  {
    g_autofree char *shown = folder_names (f);
    g_auto(GStrv) entries = g_strsplit (shown, ",", -1);

    g_assert_cmpstr (shown, !=, "");
    for (guint i = 0; entries[i] != NULL; i++)
      g_assert_true (g_ascii_strncasecmp (entries[i], "read", 4) == 0);
  }

  g_signal_emit_by_name (search, "stop-search");
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (search)), ==, "");
  focus = gtk_root_get_focus (GTK_ROOT (f->window));
  g_assert_true (focus == GTK_WIDGET (view) || gtk_widget_is_ancestor (focus, GTK_WIDGET (view)));
  views_test_wait_until (folder_has (f, "reports/"));

  press_shortcut (f, "<Control><Shift>n");
  views_test_wait_until ((dialog = views_test_find_toplevel (ADW_TYPE_MESSAGE_DIALOG, NULL)) != NULL);
  adw_message_dialog_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
}

static void
test_create_folder (Fixture       *f,
                    gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SupaTestResponse) response = NULL;

  open_bucket (f, "documents");

  /* The path rules refuse ".." before anything is sent. */
  g_assert_false (supa_bucket_browser_create_folder (f->browser, "..", &error));
  g_assert_error (error, SUPA_ERROR, SUPA_ERROR_INVALID_INPUT);
  g_clear_error (&error);
  g_assert_false (supa_bucket_browser_create_folder (f->browser, "reports", &error));
  g_assert_error (error, SUPA_ERROR, SUPA_ERROR_CONFLICT);
  g_clear_error (&error);

  g_assert_true (supa_bucket_browser_create_folder (f->browser, "Invoices 2025", &error));
  g_assert_no_error (error);
  views_test_wait_until (!supa_bucket_browser_get_busy (f->browser));
  wait_folder (f);
  g_assert_true (folder_has (f, "Invoices 2025/"));

  response = storage_get ("documents/Invoices%202025/.emptyFolderPlaceholder");
  g_assert_cmpuint (response->status, ==, 200);
}

static void
test_drop_upload (Fixture       *f,
                  gconstpointer  data)
{
  g_autoptr(GBytes) photo = random_bytes (300 * 1024);
  g_autoptr(GBytes) nested = g_bytes_new_static ("hello from a dropped folder\n", 28);
  g_autoptr(GFile) file = NULL;
  g_autoptr(GFile) tree = NULL;
  g_autoptr(GFile) inner = NULL;
  g_autofree char *tree_path = g_build_filename (f->tmpdir, "dropped-tree", NULL);
  SupaTransferQueue *queue;
  GtkListBox *rows;
  GFile *files[2];

  file = write_file (f->tmpdir, "drop-photo.bin", photo);
  inner = write_file (f->tmpdir, "dropped-tree/sub/hello.txt", nested);
  tree = g_file_new_for_path (tree_path);

  open_bucket (f, "documents");
  queue = supa_bucket_browser_get_transfer_queue (f->browser);
  g_assert_nonnull (queue);

  files[0] = file;
  files[1] = tree;
  drop_files (f, files, 2);

  views_test_wait_until (g_list_model_get_n_items (G_LIST_MODEL (queue)) == 2);
  g_assert_null (views_test_find_toplevel (ADW_TYPE_MESSAGE_DIALOG, NULL));

  /* Each transfer has a row with a progress bar and a status line. */
  rows = supa_transfer_list_get_list_box (SUPA_TRANSFER_LIST (supa_bucket_browser_get_transfer_list (f->browser)));
  g_assert_nonnull (gtk_list_box_get_row_at_index (rows, 0));
  g_assert_nonnull (gtk_list_box_get_row_at_index (rows, 1));
  g_assert_nonnull (views_test_find_widget (GTK_WIDGET (gtk_list_box_get_row_at_index (rows, 0)), GTK_TYPE_PROGRESS_BAR, NULL));

  views_test_wait_until (all_transfers_finished (queue));
  {
    g_autoptr(SupaTransfer) t1 = find_transfer (queue, "drop-photo.bin");
    g_autoptr(SupaTransfer) t2 = find_transfer (queue, "dropped-tree/sub/hello.txt");
    g_autofree char *status = NULL;
    GtkWidget *bar;

    g_assert_nonnull (t1);
    g_assert_nonnull (t2);
    g_assert_cmpint (supa_transfer_get_state (t1), ==, SUPA_TRANSFER_DONE);
    g_assert_cmpint (supa_transfer_get_state (t2), ==, SUPA_TRANSFER_DONE);
    status = supa_transfer_format_status (t1);
    g_assert_nonnull (strstr (status, "Done"));

    bar = views_test_find_widget (GTK_WIDGET (gtk_list_box_get_row_at_index (rows, 0)), GTK_TYPE_PROGRESS_BAR, NULL);
    views_test_wait_until (gtk_progress_bar_get_fraction (GTK_PROGRESS_BAR (bar)) == 1.0);
  }

  /* The bytes that arrived are the bytes dropped. */
  {
    g_autoptr(SupaTestResponse) a = storage_get ("documents/drop-photo.bin");
    g_autoptr(SupaTestResponse) b = storage_get ("documents/dropped-tree/sub/hello.txt");

    g_assert_cmpuint (a->status, ==, 200);
    g_assert_true (g_bytes_equal (a->body, photo));
    g_assert_cmpuint (b->status, ==, 200);
    g_assert_true (g_bytes_equal (b->body, nested));
  }

  /* The open folder refreshes by itself. */
  views_test_wait_until (folder_has (f, "dropped-tree/") && folder_has (f, "drop-photo.bin"));
}

static void
test_preflight_refused (Fixture       *f,
                        gconstpointer  data)
{
  g_autoptr(GBytes) text = g_bytes_new_static ("not an image\n", 13);
  g_autoptr(GBytes) png = random_bytes (2048);
  g_autoptr(GFile) txt_file = NULL;
  g_autoptr(GFile) png_file = NULL;
  SupaTransferQueue *queue;
  GtkWindow *dialog;
  GFile *files[2];

  txt_file = write_file (f->tmpdir, "notes-for-avatars.txt", text);
  png_file = write_file (f->tmpdir, "new-face.png", png);

  open_bucket (f, "avatars");
  queue = supa_bucket_browser_get_transfer_queue (f->browser);

  files[0] = txt_file;
  files[1] = png_file;
  drop_files (f, files, 2);

  views_test_wait_until ((dialog = views_test_find_toplevel (ADW_TYPE_MESSAGE_DIALOG, NULL)) != NULL);
  g_assert_cmpstr (gtk_widget_get_name (GTK_WIDGET (dialog)), ==, "refused-dialog");
  g_assert_nonnull (strstr (adw_message_dialog_get_body (ADW_MESSAGE_DIALOG (dialog)), "notes-for-avatars.txt"));
  g_assert_nonnull (strstr (adw_message_dialog_get_body (ADW_MESSAGE_DIALOG (dialog)), "text/plain"));
  g_assert_null (strstr (adw_message_dialog_get_body (ADW_MESSAGE_DIALOG (dialog)), "new-face.png"));

  /* Only the image was queued. */
  g_assert_null (find_transfer (queue, "notes-for-avatars.txt"));
  {
    g_autoptr(SupaTransfer) t = find_transfer (queue, "new-face.png");

    g_assert_nonnull (t);
    views_test_wait_until (supa_transfer_get_state (t) == SUPA_TRANSFER_DONE ||
                           supa_transfer_get_state (t) == SUPA_TRANSFER_FAILED);
    g_assert_cmpint (supa_transfer_get_state (t), ==, SUPA_TRANSFER_DONE);
  }

  {
    g_autoptr(SupaTestResponse) refused = storage_get ("avatars/notes-for-avatars.txt");
    g_autoptr(SupaTestResponse) sent = storage_get ("avatars/new-face.png");

    g_assert_cmpuint (refused->status, !=, 200);
    g_assert_cmpuint (sent->status, ==, 200);
    g_assert_true (g_bytes_equal (sent->body, png));
  }

  /* The pure check agrees. */
  {
    SupaBucket *avatars = supa_bucket_browser_get_bucket (f->browser);
    g_autofree char *big = supa_bucket_browser_preflight (avatars, "image/png", 6 * 1000 * 1000);
    g_autofree char *ok = supa_bucket_browser_preflight (avatars, "image/jpeg", 1000);

    g_assert_nonnull (big);
    g_assert_null (ok);
  }
}

static void
test_rename_delete_folder (Fixture       *f,
                           gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  const char *names[] = { "settings", NULL };

  open_bucket (f, "documents");

  g_assert_true (supa_bucket_browser_rename (f->browser, "config", "settings", &error));
  g_assert_no_error (error);
  views_test_wait_until (!supa_bucket_browser_get_busy (f->browser));
  wait_folder (f);
  g_assert_true (folder_has (f, "settings/"));
  g_assert_false (folder_has (f, "config/"));
  {
    g_autoptr(SupaTestResponse) moved = storage_get ("documents/settings/app-settings.json");
    g_autoptr(SupaTestResponse) gone = storage_get ("documents/config/app-settings.json");

    g_assert_cmpuint (moved->status, ==, 200);
    g_assert_nonnull (strstr (supa_test_response_text (moved), "\"theme\""));
    g_assert_cmpuint (gone->status, !=, 200);
  }

  /* A file rename too. */
  g_assert_true (supa_bucket_browser_rename (f->browser, "README.md", "READ ME.md", &error));
  views_test_wait_until (!supa_bucket_browser_get_busy (f->browser));
  wait_folder (f);
  g_assert_true (folder_has (f, "READ ME.md"));

  g_assert_cmpuint (supa_bucket_browser_select_names (f->browser, names), ==, 1);
  supa_bucket_browser_delete_selected (f->browser);
  views_test_wait_until (!supa_bucket_browser_get_busy (f->browser));
  wait_folder (f);
  g_assert_false (folder_has (f, "settings/"));
  {
    g_autoptr(SupaTestResponse) gone = storage_get ("documents/settings/app-settings.json");

    g_assert_cmpuint (gone->status, !=, 200);
  }
}

static void
clipboard_read_cb (GObject      *object,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  char **out = user_data;

  *out = gdk_clipboard_read_text_finish (GDK_CLIPBOARD (object), result, NULL);
  if (*out == NULL)
    *out = g_strdup ("");
}

/* The URL that replaces what was on the clipboard once the server signed
 * it. */
static char *
wait_clipboard_url (GdkClipboard *clipboard)
{
  for (guint attempt = 0; attempt < 100; attempt++)
    {
      g_autofree char *text = NULL;

      gdk_clipboard_read_text_async (clipboard, NULL, clipboard_read_cb, &text);
      views_test_wait_until (text != NULL);
      if (g_str_has_prefix (text, server->url))
        return g_steal_pointer (&text);
      views_test_spin (100);
    }
  g_error ("no signed URL reached the clipboard");
  return NULL;
}

/* exp − iat of the signed URL's token, in seconds. */
static gint64
signed_url_lifetime (const char *url)
{
  const char *token = strstr (url, "token=");
  g_auto(GStrv) parts = NULL;
  g_autoptr(GString) payload = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  g_autofree guchar *decoded = NULL;
  JsonObject *claims;
  gsize len = 0;

  g_assert_nonnull (token);
  parts = g_strsplit (token + strlen ("token="), ".", -1);
  g_assert_cmpuint (g_strv_length (parts), ==, 3);
  payload = g_string_new (parts[1]);
  g_string_replace (payload, "-", "+", 0);
  g_string_replace (payload, "_", "/", 0);
  while (payload->len % 4 != 0)
    g_string_append_c (payload, '=');
  decoded = g_base64_decode (payload->str, &len);
  json_parser_load_from_data (parser, (const char *) decoded, (gssize) len, &error);
  g_assert_no_error (error);
  claims = json_node_get_object (json_parser_get_root (parser));
  return json_object_get_int_member (claims, "exp") - json_object_get_int_member (claims, "iat");
}

static void
test_signed_url (Fixture       *f,
                 gconstpointer  data)
{
  const char *names[] = { "summary.txt", NULL };
  GdkClipboard *clipboard = gtk_widget_get_clipboard (GTK_WIDGET (f->browser));
  g_autofree char *url = NULL;
  g_autoptr(SupaTestResponse) response = NULL;

  gdk_clipboard_set_text (clipboard, "nothing yet");
  open_bucket (f, "documents");
  supa_bucket_browser_open_folder (f->browser, "reports");
  wait_folder (f);
  g_assert_cmpuint (supa_bucket_browser_select_names (f->browser, names), ==, 1);

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->browser), "storage.copy-signed-url", "u", 3600));
  url = wait_clipboard_url (clipboard);
  g_assert_cmpint (signed_url_lifetime (url), ==, 3600);

  g_assert_nonnull (strstr (url, "token="));
  /* Anyone with the URL can read the private object, without a key. */
  response = supa_test_request (server, "GET", url + strlen (server->url), NULL, NULL, NULL, 0);
  g_assert_cmpuint (response->status, ==, 200);
  g_assert_cmpstr (supa_test_response_text (response), ==,
                   "Revenue grew 11% from Q1 to Q2.\nWidgets remain the volume leader.\n");
}

/* "Custom…" asks for a lifetime in minutes, hours or days. */
static void
test_signed_url_custom (Fixture       *f,
                        gconstpointer  data)
{
  const char *names[] = { "summary.txt", NULL };
  GdkClipboard *clipboard = gtk_widget_get_clipboard (GTK_WIDGET (f->browser));
  g_autofree char *url = NULL;
  g_autoptr(SupaTestResponse) response = NULL;
  GtkWindow *dialog = NULL;
  GtkSpinButton *amount;
  GtkDropDown *unit;

  gdk_clipboard_set_text (clipboard, "nothing yet");
  open_bucket (f, "documents");
  supa_bucket_browser_open_folder (f->browser, "reports");
  wait_folder (f);
  g_assert_cmpuint (supa_bucket_browser_select_names (f->browser, names), ==, 1);

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->browser), "storage.copy-signed-url-custom", NULL));
  views_test_wait_until ((dialog = views_test_find_toplevel (ADW_TYPE_MESSAGE_DIALOG, NULL)) != NULL);
  amount = GTK_SPIN_BUTTON (views_test_find_widget (GTK_WIDGET (dialog), GTK_TYPE_SPIN_BUTTON, "expiry-amount"));
  unit = GTK_DROP_DOWN (views_test_find_widget (GTK_WIDGET (dialog), GTK_TYPE_DROP_DOWN, "expiry-unit"));
  g_assert_nonnull (amount);
  g_assert_nonnull (unit);

  /* 90 minutes. */
  gtk_spin_button_set_value (amount, 90);
  gtk_drop_down_set_selected (unit, 0);
  g_assert_true (adw_message_dialog_get_response_enabled (ADW_MESSAGE_DIALOG (dialog), "copy"));
  /* Past ten years the URL is refused before anything is sent. */
  gtk_spin_button_set_value (amount, 3650);
  gtk_drop_down_set_selected (unit, 2);
  g_assert_true (adw_message_dialog_get_response_enabled (ADW_MESSAGE_DIALOG (dialog), "copy"));
  gtk_spin_button_set_value (amount, 3651);
  g_assert_cmpint (gtk_spin_button_get_value_as_int (amount), ==, 3650);
  gtk_spin_button_set_value (amount, 90);
  gtk_drop_down_set_selected (unit, 0);

  adw_message_dialog_response (ADW_MESSAGE_DIALOG (dialog), "copy");
  url = wait_clipboard_url (clipboard);
  g_assert_cmpint (signed_url_lifetime (url), ==, 90 * 60);
  response = supa_test_request (server, "GET", url + strlen (server->url), NULL, NULL, NULL, 0);
  g_assert_cmpuint (response->status, ==, 200);
}

static gboolean
has_bucket (Fixture    *f,
            const char *id)
{
  GListModel *buckets = supa_bucket_browser_get_buckets (f->browser);

  for (guint i = 0; i < g_list_model_get_n_items (buckets); i++)
    {
      g_autoptr(SupaBucket) bucket = g_list_model_get_item (buckets, i);

      if (g_str_equal (supa_bucket_get_id (bucket), id))
        return TRUE;
    }
  return FALSE;
}

static void
test_bucket_crud (Fixture       *f,
                  gconstpointer  data)
{
  SupaBucketDialog *dialog;
  GtkWindow *confirm;
  GtkWidget *entry;
  g_autoptr(SupaTestResponse) response = NULL;
  g_autofree char *bearer = g_strconcat ("Bearer ", server->service_role_key, NULL);
  const char *headers[] = { "apikey", server->service_role_key, "Authorization", bearer, NULL };
  JsonObject *object;
  JsonArray *types;

  /* New Bucket: a bad MIME type is refused in the dialog. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->browser), "storage.new-bucket", NULL));
  views_test_wait_until ((dialog = (SupaBucketDialog *) views_test_find_toplevel (SUPA_TYPE_BUCKET_DIALOG, NULL)) != NULL);
  supa_bucket_dialog_set_values (dialog, "press-kit", TRUE, 2.5, 1, "image/png, pdf");
  supa_bucket_dialog_save (dialog);
  g_assert_nonnull (supa_bucket_dialog_get_error_text (dialog));
  g_assert_nonnull (strstr (supa_bucket_dialog_get_error_text (dialog), "pdf"));

  supa_bucket_dialog_set_values (dialog, "press-kit", TRUE, 2.5, 1, "image/png, application/*");
  supa_bucket_dialog_save (dialog);
  views_test_wait_until (views_test_find_toplevel (SUPA_TYPE_BUCKET_DIALOG, NULL) == NULL);
  views_test_wait_until (has_bucket (f, "press-kit"));
  /* The new bucket is opened. */
  views_test_wait_until (supa_bucket_browser_get_bucket (f->browser) != NULL &&
                         g_str_equal (supa_bucket_get_id (supa_bucket_browser_get_bucket (f->browser)), "press-kit"));

  response = supa_test_request (server, "GET", "/storage/v1/bucket/press-kit", headers, NULL, NULL, 0);
  g_assert_cmpuint (response->status, ==, 200);
  object = json_node_get_object (response->json);
  g_assert_true (json_object_get_boolean_member (object, "public"));
  g_assert_cmpint (json_object_get_int_member (object, "file_size_limit"), ==, 2500000);
  types = json_object_get_array_member (object, "allowed_mime_types");
  g_assert_cmpuint (json_array_get_length (types), ==, 2);
  g_assert_cmpstr (json_array_get_string_element (types, 1), ==, "application/*");

  /* Delete asks for the bucket's name before it can go ahead. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->browser), "storage.delete-bucket", NULL));
  views_test_wait_until ((confirm = views_test_find_toplevel (ADW_TYPE_MESSAGE_DIALOG, NULL)) != NULL);
  entry = adw_message_dialog_get_extra_child (ADW_MESSAGE_DIALOG (confirm));
  g_assert_false (adw_message_dialog_get_response_enabled (ADW_MESSAGE_DIALOG (confirm), "confirm"));
  gtk_editable_set_text (GTK_EDITABLE (entry), "press");
  g_assert_false (adw_message_dialog_get_response_enabled (ADW_MESSAGE_DIALOG (confirm), "confirm"));
  gtk_editable_set_text (GTK_EDITABLE (entry), "press-kit");
  g_assert_true (adw_message_dialog_get_response_enabled (ADW_MESSAGE_DIALOG (confirm), "confirm"));
  adw_message_dialog_response (ADW_MESSAGE_DIALOG (confirm), "confirm");
  gtk_window_destroy (confirm);

  views_test_wait_until (!has_bucket (f, "press-kit") && !supa_bucket_browser_get_busy (f->browser));
  g_assert_null (supa_bucket_browser_get_bucket (f->browser));
  g_clear_pointer (&response, supa_test_response_free);
  response = supa_test_request (server, "GET", "/storage/v1/bucket/press-kit", headers, NULL, NULL, 0);
  g_assert_cmpuint (response->status, !=, 200);
}

static void
test_conflict_keep_both (Fixture       *f,
                         gconstpointer  data)
{
  g_autoptr(GBytes) first = g_bytes_new_static ("first version\n", 14);
  g_autoptr(GBytes) second = g_bytes_new_static ("second version\n", 15);
  g_autoptr(GFile) file = NULL;
  SupaTransferQueue *queue;
  GtkWindow *dialog;
  GtkWidget *check;
  GFile *files[1];

  open_bucket (f, "documents");
  queue = supa_bucket_browser_get_transfer_queue (f->browser);

  file = write_file (f->tmpdir, "twice.txt", first);
  files[0] = file;
  drop_files (f, files, 1);
  views_test_wait_until (folder_has (f, "twice.txt"));
  views_test_wait_until (all_transfers_finished (queue));

  /* The same name again: the user is asked, and keeps both. */
  g_object_unref (file);
  file = write_file (f->tmpdir, "twice.txt", second);
  files[0] = file;
  drop_files (f, files, 1);
  views_test_wait_until ((dialog = views_test_find_toplevel (ADW_TYPE_MESSAGE_DIALOG, NULL)) != NULL);
  g_assert_cmpstr (gtk_widget_get_name (GTK_WIDGET (dialog)), ==, "conflict-dialog");
  check = adw_message_dialog_get_extra_child (ADW_MESSAGE_DIALOG (dialog));
  gtk_check_button_set_active (GTK_CHECK_BUTTON (check), TRUE);
  adw_message_dialog_response (ADW_MESSAGE_DIALOG (dialog), "keep");
  gtk_window_destroy (dialog);

  views_test_wait_until (folder_has (f, "twice (1).txt"));
  views_test_wait_until (all_transfers_finished (queue));
  {
    g_autoptr(SupaTestResponse) kept = storage_get ("documents/twice.txt");
    g_autoptr(SupaTestResponse) added = storage_get ("documents/twice%20(1).txt");

    g_assert_true (g_bytes_equal (kept->body, first));
    g_assert_cmpuint (added->status, ==, 200);
    g_assert_true (g_bytes_equal (added->body, second));
  }
}

static void
storage_put (const char *path,
             GBytes     *bytes)
{
  g_autofree char *bearer = g_strconcat ("Bearer ", server->service_role_key, NULL);
  g_autofree char *url = g_strconcat ("/storage/v1/object/", path, NULL);
  const char *headers[] = { "apikey", server->service_role_key, "Authorization", bearer, "x-upsert", "true", NULL };
  g_autoptr(SupaTestResponse) created = supa_test_request (server, "POST", url, headers, "text/plain",
                                                           g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));

  g_assert_cmpuint (created->status, ==, 200);
}

static GtkWindow *
wait_conflict_dialog (void)
{
  GtkWindow *dialog;

  views_test_wait_until ((dialog = views_test_find_toplevel (ADW_TYPE_MESSAGE_DIALOG, NULL)) != NULL);
  g_assert_cmpstr (gtk_widget_get_name (GTK_WIDGET (dialog)), ==, "conflict-dialog");
  return dialog;
}

static void
answer_dialog (GtkWindow  *dialog,
               const char *response,
               gboolean    apply_all)
{
  GtkWidget *check = adw_message_dialog_get_extra_child (ADW_MESSAGE_DIALOG (dialog));

  gtk_check_button_set_active (GTK_CHECK_BUTTON (check), apply_all);
  adw_message_dialog_response (ADW_MESSAGE_DIALOG (dialog), response);
  gtk_window_destroy (dialog);
}

/* Files deep in a dropped tree, or dropped on a folder row, are checked
 * against the folders they go into. */
static void
test_conflict_nested (Fixture       *f,
                      gconstpointer  data)
{
  g_autoptr(GBytes) original = g_bytes_new_static ("original nested\n", 16);
  g_autoptr(GBytes) second = g_bytes_new_static ("second nested version\n", 22);
  g_autoptr(GBytes) third = g_bytes_new_static ("third nested version!\n", 23);
  g_autoptr(GBytes) fresh = g_bytes_new_static ("fresh\n", 6);
  g_autoptr(GFile) tree = NULL;
  g_autoptr(GFile) sub = NULL;
  g_autoptr(GFile) nested = NULL;
  g_autoptr(GFile) other = NULL;
  g_autofree char *tree_path = g_build_filename (f->tmpdir, "conflict-tree", NULL);
  g_autofree char *sub_path = g_build_filename (f->tmpdir, "conflict-tree", "sub", NULL);
  SupaTransferQueue *queue;
  GtkWindow *dialog;
  GFile *files[1];

  storage_put ("documents/conflict-tree/sub/data.txt", original);
  open_bucket (f, "documents");
  queue = supa_bucket_browser_get_transfer_queue (f->browser);

  /* Keep Both: the copy gets "name (1).ext" beside the original. */
  nested = write_file (f->tmpdir, "conflict-tree/sub/data.txt", second);
  other = write_file (f->tmpdir, "conflict-tree/fresh.txt", fresh);
  tree = g_file_new_for_path (tree_path);
  files[0] = tree;
  drop_files (f, files, 1);
  dialog = wait_conflict_dialog ();
  g_assert_cmpstr (adw_message_dialog_get_heading (ADW_MESSAGE_DIALOG (dialog)), ==,
                   "“conflict-tree/sub/data.txt” Already Exists");
  answer_dialog (dialog, "keep", FALSE);

  views_test_wait_until (has_transfers (queue, (const char *[]) { "conflict-tree/sub/data (1).txt",
                                                                  "conflict-tree/fresh.txt", NULL }));
  views_test_wait_until (all_transfers_finished (queue));
  g_assert_null (views_test_find_toplevel (ADW_TYPE_MESSAGE_DIALOG, NULL));
  {
    g_autoptr(SupaTransfer) t = find_transfer (queue, "conflict-tree/sub/data (1).txt");
    g_autoptr(SupaTransfer) u = find_transfer (queue, "conflict-tree/fresh.txt");
    g_autoptr(SupaTestResponse) kept = storage_get ("documents/conflict-tree/sub/data.txt");
    g_autoptr(SupaTestResponse) added = storage_get ("documents/conflict-tree/sub/data%20(1).txt");
    g_autoptr(SupaTestResponse) plain = storage_get ("documents/conflict-tree/fresh.txt");

    g_assert_cmpint (supa_transfer_get_state (t), ==, SUPA_TRANSFER_DONE);
    g_assert_cmpint (supa_transfer_get_state (u), ==, SUPA_TRANSFER_DONE);
    g_assert_cmpuint (kept->status, ==, 200);
    g_assert_true (g_bytes_equal (kept->body, original));
    g_assert_cmpuint (added->status, ==, 200);
    g_assert_true (g_bytes_equal (added->body, second));
    g_assert_cmpuint (plain->status, ==, 200);
    g_assert_true (g_bytes_equal (plain->body, fresh));
  }
  supa_transfer_queue_clear_finished (queue);
  views_test_wait_until (g_list_model_get_n_items (G_LIST_MODEL (queue)) == 0);

  /* Replace, for the folder "sub" dropped on the row of "conflict-tree":
   * the new bytes overwrite the old. */
  g_clear_object (&nested);
  nested = write_file (f->tmpdir, "conflict-tree/sub/data.txt", third);
  sub = g_file_new_for_path (sub_path);
  {
    g_auto(GValue) value = G_VALUE_INIT;

    files[0] = sub;
    g_value_init (&value, GDK_TYPE_FILE_LIST);
    g_value_take_boxed (&value, gdk_file_list_new_from_array (files, 1));
    g_assert_true (supa_bucket_browser_drop (f->browser, &value, "conflict-tree"));
  }
  dialog = wait_conflict_dialog ();
  answer_dialog (dialog, "replace", TRUE);

  views_test_wait_until (has_transfers (queue, (const char *[]) { "conflict-tree/sub/data.txt", NULL }));
  views_test_wait_until (all_transfers_finished (queue));
  g_assert_null (views_test_find_toplevel (ADW_TYPE_MESSAGE_DIALOG, NULL));
  {
    g_autoptr(SupaTransfer) t = find_transfer (queue, "conflict-tree/sub/data.txt");
    g_autoptr(SupaTestResponse) replaced = storage_get ("documents/conflict-tree/sub/data.txt");
    g_autoptr(SupaTestResponse) copy = storage_get ("documents/conflict-tree/sub/data%20(1).txt");

    g_assert_cmpint (supa_transfer_get_state (t), ==, SUPA_TRANSFER_DONE);
    g_assert_true (supa_transfer_get_upsert (t));
    g_assert_cmpuint (replaced->status, ==, 200);
    g_assert_true (g_bytes_equal (replaced->body, third));
    g_assert_true (g_bytes_equal (copy->body, second));
  }
}

typedef struct
{
  guint  count;
  char  *title;
  char  *body;
} Notified;

static void
notify_batch_cb (SupaBucketBrowser *browser,
                 const char        *title,
                 const char        *body,
                 Notified          *notified)
{
  notified->count++;
  g_free (notified->title);
  g_free (notified->body);
  notified->title = g_strdup (title);
  notified->body = g_strdup (body);
}

/* A batch that took longer than the threshold is announced with what
 * failed (the default handler turns that into a desktop notification). */
static void
test_notify_batch (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(GBytes) bytes = g_bytes_new_static ("notify me\n", 10);
  g_autoptr(GFile) a = NULL;
  g_autoptr(GFile) b = NULL;
  g_autoptr(GFile) c = NULL;
  g_autoptr(GFile) bad = NULL;
  g_autoptr(GFile) quick = NULL;
  Notified notified = { 0, NULL, NULL };
  SupaTransferQueue *queue;
  GFile *files[4];
  guint threshold = 0;

  open_bucket (f, "documents");
  queue = supa_bucket_browser_get_transfer_queue (f->browser);
  g_assert_cmpuint (supa_bucket_browser_get_notify_threshold (f->browser), ==, 10000);
  g_object_set (f->browser, "notify-threshold", 0u, NULL);
  g_object_get (f->browser, "notify-threshold", &threshold, NULL);
  g_assert_cmpuint (threshold, ==, 0);
  g_signal_connect (f->browser, "notify-batch", G_CALLBACK (notify_batch_cb), &notified);

  /* Three good files, and one whose key the server refuses. */
  a = write_file (f->tmpdir, "notify-a.txt", bytes);
  b = write_file (f->tmpdir, "notify-b.txt", bytes);
  c = write_file (f->tmpdir, "notify-c.txt", bytes);
  bad = write_file (f->tmpdir, "100%.txt", bytes);
  files[0] = a;
  files[1] = b;
  files[2] = c;
  files[3] = bad;
  drop_files (f, files, 4);

  views_test_wait_until (notified.count > 0);
  g_assert_cmpuint (notified.count, ==, 1);
  g_assert_cmpstr (notified.title, ==, "3 files uploaded");
  g_assert_cmpstr (notified.body, ==, "1 failed");
  {
    g_autoptr(SupaTransfer) failed = find_transfer (queue, "100%.txt");

    g_assert_nonnull (failed);
    g_assert_cmpint (supa_transfer_get_state (failed), ==, SUPA_TRANSFER_FAILED);
  }

  /* With the default threshold, a quick batch passes silently. */
  supa_bucket_browser_set_notify_threshold (f->browser, 10000);
  quick = write_file (f->tmpdir, "notify-quick.txt", bytes);
  files[0] = quick;
  drop_files (f, files, 1);
  views_test_wait_until (has_transfers (queue, (const char *[]) { "notify-quick.txt", NULL }) &&
                         all_transfers_finished (queue));
  views_test_spin (200);
  g_assert_cmpuint (notified.count, ==, 1);

  g_signal_handlers_disconnect_by_data (f->browser, &notified);
  g_free (notified.title);
  g_free (notified.body);
}

static void
test_sort_search (Fixture       *f,
                  gconstpointer  data)
{
  GtkColumnView *view = supa_bucket_browser_get_column_view (f->browser);
  GListModel *columns = gtk_column_view_get_columns (view);
  g_autoptr(GtkColumnViewColumn) name_column = g_list_model_get_item (columns, 0);
  g_autoptr(GtkColumnViewColumn) size_column = g_list_model_get_item (columns, 1);
  SupaFolderModel *model;
  GtkWidget *search;

  open_bucket (f, "documents");
  supa_bucket_browser_open_folder (f->browser, "reports/2024");
  wait_folder (f);
  model = supa_bucket_browser_get_folder_model (f->browser);

  /* A header click sorts on the server's side of the model. */
  gtk_column_view_sort_by_column (view, size_column, GTK_SORT_DESCENDING);
  g_assert_cmpint (supa_folder_model_get_sort (model), ==, SUPA_FOLDER_SORT_SIZE);
  g_assert_true (supa_folder_model_get_descending (model));
  gtk_column_view_sort_by_column (view, name_column, GTK_SORT_DESCENDING);
  g_assert_cmpint (supa_folder_model_get_sort (model), ==, SUPA_FOLDER_SORT_NAME);
  wait_folder (f);
  {
    g_autofree char *names = folder_names (f);

    g_assert_cmpstr (names, ==, "q2-sales.csv,q1-sales.csv");
  }

  /* Searching filters the folder by name. */
  search = views_test_find_widget (GTK_WIDGET (f->browser), GTK_TYPE_SEARCH_ENTRY, NULL);
  gtk_editable_set_text (GTK_EDITABLE (search), "q1");
  views_test_wait_until (g_strcmp0 (supa_folder_model_get_search (model), "q1") == 0);
  wait_folder (f);
  {
    g_autofree char *names = folder_names (f);

    g_assert_cmpstr (names, ==, "q1-sales.csv");
  }
}

static void
test_download_and_public_url (Fixture       *f,
                              gconstpointer  data)
{
  const char *names[] = { "2024", "summary.txt", NULL };
  const char *avatar[] = { "alice.png", NULL };
  const char *downloads[] = { "reports/2024/q1-sales.csv", "reports/2024/q2-sales.csv", "reports/summary.txt", NULL };
  g_autoptr(GFile) dest = NULL;
  g_autofree char *dest_path = g_build_filename (f->tmpdir, "downloads", NULL);
  g_autofree char *q1 = NULL;
  g_autofree char *summary = NULL;
  g_autofree char *q1_path = g_build_filename (dest_path, "2024", "q1-sales.csv", NULL);
  g_autofree char *summary_path = g_build_filename (dest_path, "summary.txt", NULL);
  SupaTransferQueue *queue;
  GdkClipboard *clipboard = gtk_widget_get_clipboard (GTK_WIDGET (f->browser));
  g_autofree char *url = NULL;

  g_assert_cmpint (g_mkdir_with_parents (dest_path, 0700), ==, 0);
  dest = g_file_new_for_path (dest_path);

  open_bucket (f, "documents");
  supa_bucket_browser_open_folder (f->browser, "reports");
  wait_folder (f);
  queue = supa_bucket_browser_get_transfer_queue (f->browser);
  g_assert_cmpuint (supa_bucket_browser_select_names (f->browser, names), ==, 2);
  supa_bucket_browser_download_selected (f->browser, dest);

  /* A folder comes down with its tree, through the transfer queue. */
  views_test_wait_until (has_transfers (queue, downloads));
  views_test_wait_until (all_transfers_finished (queue));
  g_assert_true (g_file_get_contents (q1_path, &q1, NULL, NULL));
  g_assert_true (g_str_has_prefix (q1, "region,product,units,revenue\nnorth,widget,120,"));
  g_assert_true (g_file_get_contents (summary_path, &summary, NULL, NULL));
  g_assert_cmpstr (summary, ==, "Revenue grew 11% from Q1 to Q2.\nWidgets remain the volume leader.\n");

  /* Public URL: only for public buckets, readable without any key. */
  open_bucket (f, "avatars");
  g_assert_cmpuint (supa_bucket_browser_select_names (f->browser, avatar), ==, 1);
  gdk_clipboard_set_text (clipboard, "nothing yet");
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->browser), "storage.copy-public-url", NULL));
  for (guint attempt = 0; url == NULL; attempt++)
    {
      g_autofree char *text = NULL;

      g_assert_cmpuint (attempt, <, 100);
      gdk_clipboard_read_text_async (clipboard, NULL, clipboard_read_cb, &text);
      views_test_wait_until (text != NULL);
      if (g_str_has_prefix (text, server->url))
        url = g_steal_pointer (&text);
      else
        views_test_spin (100);
    }
  {
    g_autoptr(SupaTestResponse) response = supa_test_request (server, "GET", url + strlen (server->url),
                                                              NULL, NULL, NULL, 0);

    g_assert_cmpuint (response->status, ==, 200);
    g_assert_cmpstr (supa_test_response_header (response, "Content-Type"), ==, "image/png");
  }
}

/* Every action of a menu model, with submenus and sections, as
 * "action" or "action(target)". */
static void
collect_menu_actions (GMenuModel *model,
                      GPtrArray  *out)
{
  for (int i = 0; i < g_menu_model_get_n_items (model); i++)
    {
      g_autofree char *action = NULL;
      g_autoptr(GVariant) target = NULL;
      g_autoptr(GMenuLinkIter) links = g_menu_model_iterate_item_links (model, i);
      const char *link_name;
      GMenuModel *link;

      if (g_menu_model_get_item_attribute (model, i, G_MENU_ATTRIBUTE_ACTION, "s", &action))
        {
          target = g_menu_model_get_item_attribute_value (model, i, G_MENU_ATTRIBUTE_TARGET, NULL);
          if (target != NULL)
            {
              g_autofree char *printed = g_variant_print (target, FALSE);

              g_ptr_array_add (out, g_strdup_printf ("%s(%s)", action, printed));
            }
          else
            g_ptr_array_add (out, g_strdup (action));
        }

      while (g_menu_link_iter_get_next (links, &link_name, &link))
        {
          collect_menu_actions (link, out);
          g_object_unref (link);
        }
    }
}

static gboolean
has_string (GPtrArray  *array,
            const char *wanted)
{
  for (guint i = 0; i < array->len; i++)
    if (g_str_equal (g_ptr_array_index (array, i), wanted))
      return TRUE;
  return FALSE;
}

static void
test_context_menu (Fixture       *f,
                   gconstpointer  data)
{
  const char *names[] = { "context-menu.txt", NULL };
  g_autoptr(GPtrArray) actions = g_ptr_array_new_with_free_func (g_free);
  GtkWidget *popover = supa_bucket_browser_get_file_popover (f->browser);
  GtkWindow *dialog;
  g_autofree char *text = NULL;

  collect_menu_actions (supa_bucket_browser_get_file_menu (f->browser), actions);
  g_assert_true (has_string (actions, "storage.open"));
  g_assert_true (has_string (actions, "storage.download"));
  g_assert_true (has_string (actions, "storage.rename"));
  g_assert_true (has_string (actions, "storage.copy-signed-url(3600)"));
  g_assert_true (has_string (actions, "storage.copy-signed-url(604800)"));
  g_assert_true (has_string (actions, "storage.copy-signed-url-custom"));
  g_assert_true (has_string (actions, "storage.copy-public-url"));
  g_assert_true (has_string (actions, "storage.delete"));

  /* A file of its own: other tests rename and delete the seed's. */
  {
    g_autofree char *bearer = g_strconcat ("Bearer ", server->service_role_key, NULL);
    const char *headers[] = { "apikey", server->service_role_key, "Authorization", bearer, "x-upsert", "true", NULL };
    g_autoptr(SupaTestResponse) created = supa_test_request (server, "POST", "/storage/v1/object/documents/context-menu.txt",
                                                             headers, "text/plain", "menu\n", 5);

    g_assert_cmpuint (created->status, ==, 200);
  }
  open_bucket (f, "documents");
  g_assert_cmpuint (supa_bucket_browser_select_names (f->browser, names), ==, 1);

  /* Menu key / Shift+F10 pop the menu up over the files. */
  press_shortcut (f, "<Shift>F10");
  g_assert_true (gtk_widget_get_visible (popover));
  gtk_popover_popdown (GTK_POPOVER (popover));
  views_test_spin (50);

  /* Delete from the menu asks first, and nothing is deleted until then. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->browser), "storage.delete", NULL));
  views_test_wait_until ((dialog = views_test_find_toplevel (ADW_TYPE_MESSAGE_DIALOG, NULL)) != NULL);
  text = g_strdup (adw_message_dialog_get_heading (ADW_MESSAGE_DIALOG (dialog)));
  g_assert_cmpstr (text, ==, "Delete “context-menu.txt”?");
  adw_message_dialog_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  views_test_spin (200);
  g_assert_false (supa_bucket_browser_get_busy (f->browser));
  g_assert_true (folder_has (f, "context-menu.txt"));
  {
    g_autoptr(SupaTestResponse) response = storage_get ("documents/context-menu.txt");

    g_assert_cmpuint (response->status, ==, 200);
  }
}

/* The cell widget of the Name column showing @name. */
static GtkWidget *
find_cell (GtkWidget  *root,
           const char *name)
{
  SupaObjectInfo *info = g_object_get_data (G_OBJECT (root), "supa-item");

  if (info != NULL && gtk_widget_get_mapped (root) && GTK_IS_BOX (root) &&
      g_str_equal (supa_object_info_get_name (info), name))
    return root;

  for (GtkWidget *child = gtk_widget_get_first_child (root); child != NULL; child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_cell (child, name);

      if (found != NULL)
        return found;
    }
  return NULL;
}

static void
right_click (Fixture    *f,
             const char *name)
{
  GtkWidget *view = GTK_WIDGET (supa_bucket_browser_get_column_view (f->browser));
  GtkWidget *cell = NULL;
  graphene_point_t point;

  views_test_wait_until ((cell = find_cell (view, name)) != NULL && gtk_widget_get_width (cell) > 0);
  g_assert_true (gtk_widget_compute_point (cell, view,
                                           &GRAPHENE_POINT_INIT (gtk_widget_get_width (cell) / 2.f,
                                                                 gtk_widget_get_height (cell) / 2.f),
                                           &point));
  g_assert_true (supa_bucket_browser_popup_at (f->browser, point.x, point.y));
}

static gboolean
is_selected (Fixture    *f,
             const char *name)
{
  GtkSelectionModel *model = gtk_column_view_get_model (supa_bucket_browser_get_column_view (f->browser));

  for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (model)); i++)
    {
      g_autoptr(SupaObjectInfo) info = g_list_model_get_item (G_LIST_MODEL (model), i);

      if (g_str_equal (supa_object_info_get_name (info), name))
        return gtk_selection_model_is_selected (model, i);
    }
  g_error ("%s is not in the view", name);
  return FALSE;
}

/* A right-click selects the row under the pointer (unless it is already
 * part of the selection) and pops the menu up there. */
static void
test_context_menu_click (Fixture       *f,
                         gconstpointer  data)
{
  g_autoptr(GBytes) bytes = g_bytes_new_static ("click\n", 6);
  const char *first[] = { "right-click-a.txt", NULL };
  const char *both[] = { "right-click-a.txt", "right-click-b.txt", NULL };
  GtkWidget *popover = supa_bucket_browser_get_file_popover (f->browser);

  storage_put ("documents/right-click-a.txt", bytes);
  storage_put ("documents/right-click-b.txt", bytes);
  open_bucket (f, "documents");
  views_test_spin (100);

  /* On an unselected row: that row alone becomes the selection. */
  g_assert_cmpuint (supa_bucket_browser_select_names (f->browser, first), ==, 1);
  g_assert_false (gtk_widget_get_visible (popover));
  right_click (f, "right-click-b.txt");
  g_assert_true (gtk_widget_get_visible (popover));
  g_assert_true (is_selected (f, "right-click-b.txt"));
  g_assert_false (is_selected (f, "right-click-a.txt"));
  gtk_popover_popdown (GTK_POPOVER (popover));
  views_test_spin (50);
  g_assert_false (gtk_widget_get_visible (popover));

  /* On a row of a wider selection: the selection stays. */
  g_assert_cmpuint (supa_bucket_browser_select_names (f->browser, both), ==, 2);
  right_click (f, "right-click-a.txt");
  g_assert_true (gtk_widget_get_visible (popover));
  g_assert_true (is_selected (f, "right-click-a.txt"));
  g_assert_true (is_selected (f, "right-click-b.txt"));
  gtk_popover_popdown (GTK_POPOVER (popover));
  views_test_spin (50);
}

/* --- copy and move ------------------------------------------------------ */

static void
server_faults (const char *faults_json)
{
  const char *headers[] = { "apikey", server->service_role_key, NULL };
  g_autoptr(SupaTestResponse) r = NULL;

  if (faults_json == NULL)
    r = supa_test_request (server, "DELETE", "/__local/faults", headers, NULL, NULL, 0);
  else
    r = supa_test_request (server, "POST", "/__local/faults", headers, "application/json", faults_json, -1);
  g_assert_cmpuint (r->status, <, 300);
}

static void
create_server_bucket (const char *id)
{
  g_autofree char *bearer = g_strconcat ("Bearer ", server->service_role_key, NULL);
  g_autofree char *body = g_strdup_printf ("{\"id\":\"%s\",\"name\":\"%s\",\"public\":false}", id, id);
  const char *headers[] = { "apikey", server->service_role_key, "Authorization", bearer, NULL };
  g_autoptr(SupaTestResponse) r = supa_test_request (server, "POST", "/storage/v1/bucket", headers,
                                                     "application/json", body, -1);

  g_assert_cmpuint (r->status, ==, 200);
}

static void
reload_buckets (Fixture    *f,
                const char *wanted)
{
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->browser), "storage.refresh", NULL));
  views_test_wait_until (!supa_bucket_browser_get_loading_buckets (f->browser) &&
                         views_test_find_widget (GTK_WIDGET (supa_bucket_browser_get_bucket_list (f->browser)),
                                                 GTK_TYPE_LIST_BOX_ROW, wanted) != NULL);
}

static void
select_one (Fixture    *f,
            const char *name)
{
  const char *names[] = { name, NULL };

  g_assert_cmpuint (supa_bucket_browser_select_names (f->browser, names), ==, 1);
}

static void
assert_object (const char *path,
               const char *text)
{
  g_autoptr(SupaTestResponse) r = storage_get (path);

  g_assert_cmpuint (r->status, ==, 200);
  g_assert_cmpstr (supa_test_response_text (r), ==, text);
}

static void
assert_no_object (const char *path)
{
  g_autoptr(SupaTestResponse) r = storage_get (path);

  g_assert_cmpuint (r->status, !=, 200);
}

static GtkWindow *
wait_dialog (const char *name)
{
  GtkWindow *dialog;

  views_test_wait_until ((dialog = views_test_find_toplevel (ADW_TYPE_MESSAGE_DIALOG, NULL)) != NULL);
  g_assert_cmpstr (gtk_widget_get_name (GTK_WIDGET (dialog)), ==, name);
  return dialog;
}

static void
seed_copy_tree (const char *top)
{
  g_autofree char *a = g_strdup_printf ("documents/%s/alpha.txt", top);
  g_autofree char *b = g_strdup_printf ("documents/%s/deep/beta.txt", top);
  g_autoptr(GBytes) alpha = g_bytes_new_static ("alpha\n", 6);
  g_autoptr(GBytes) beta = g_bytes_new_static ("beta\n", 5);

  storage_put (a, alpha);
  storage_put (b, beta);
}

static void
test_copy_to (Fixture       *f,
              gconstpointer  data)
{
  GtkWindow *dialog;
  GtkDropDown *dropdown;
  GtkWidget *entry;
  GListModel *ids;
  g_autoptr(GError) error = NULL;
  const char *body;

  seed_copy_tree ("tree");
  open_bucket (f, "documents");

  /* Copy onto itself: a "(copy)" name, with everything inside. */
  select_one (f, "tree");
  g_assert_true (supa_bucket_browser_transfer_selected (f->browser, SUPA_OBJECT_OP_COPY, "documents", "", &error));
  g_assert_no_error (error);
  views_test_wait_until (!supa_bucket_browser_get_busy (f->browser));
  wait_folder (f);
  g_assert_true (folder_has (f, "tree (copy)/"));
  assert_object ("documents/tree%20(copy)/alpha.txt", "alpha\n");
  assert_object ("documents/tree%20(copy)/deep/beta.txt", "beta\n");
  assert_object ("documents/tree/alpha.txt", "alpha\n");

  /* A file twice onto itself: "(copy)", then "(copy 2)", extension kept. */
  {
    g_autoptr(GBytes) solo = g_bytes_new_static ("solo\n", 5);

    storage_put ("documents/solo.txt", solo);
    g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->browser), "storage.refresh", NULL));
    wait_folder (f);
    views_test_wait_until (folder_has (f, "solo.txt"));
    for (guint i = 0; i < 2; i++)
      {
        select_one (f, "solo.txt");
        g_assert_true (supa_bucket_browser_transfer_selected (f->browser, SUPA_OBJECT_OP_COPY, "documents", "", &error));
        views_test_wait_until (!supa_bucket_browser_get_busy (f->browser));
        wait_folder (f);
      }
    assert_object ("documents/solo%20(copy).txt", "solo\n");
    assert_object ("documents/solo%20(copy%202).txt", "solo\n");
  }

  /* Through the menu action and the destination chooser. */
  select_one (f, "tree");
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->browser), "storage.copy-to", NULL));
  dialog = wait_dialog ("transfer-dialog");
  dropdown = GTK_DROP_DOWN (views_test_find_widget (GTK_WIDGET (dialog), GTK_TYPE_DROP_DOWN, NULL));
  entry = views_test_find_widget (GTK_WIDGET (dialog), GTK_TYPE_ENTRY, NULL);
  g_assert_nonnull (dropdown);
  g_assert_nonnull (entry);
  /* Every bucket is offered, the open one first chosen. */
  ids = gtk_drop_down_get_model (dropdown);
  g_assert_cmpuint (g_list_model_get_n_items (ids), >=, 2);
  g_assert_cmpstr (gtk_string_object_get_string (gtk_drop_down_get_selected_item (dropdown)), ==, "documents");
  gtk_editable_set_text (GTK_EDITABLE (entry), "archive/2025");
  adw_message_dialog_response (ADW_MESSAGE_DIALOG (dialog), "ok");
  gtk_window_destroy (dialog);
  views_test_wait_until (!supa_bucket_browser_get_busy (f->browser));
  assert_object ("documents/archive/2025/tree/deep/beta.txt", "beta\n");

  /* Again: the destination exists, so the user chooses (keep both). */
  select_one (f, "tree");
  g_assert_true (supa_bucket_browser_transfer_selected (f->browser, SUPA_OBJECT_OP_COPY, "documents",
                                                        "archive/2025", &error));
  dialog = wait_conflict_dialog ();
  answer_dialog (dialog, "keep", TRUE);
  views_test_wait_until (!supa_bucket_browser_get_busy (f->browser));
  assert_object ("documents/archive/2025/tree/alpha%20(1).txt", "alpha\n");
  assert_object ("documents/archive/2025/tree/deep/beta%20(1).txt", "beta\n");
  g_assert_null (views_test_find_toplevel (ADW_TYPE_MESSAGE_DIALOG, NULL));

  /* Across buckets the destination's limits are checked first: avatars
   * takes images only, so nothing is sent and each file is named. */
  select_one (f, "tree");
  g_assert_true (supa_bucket_browser_transfer_selected (f->browser, SUPA_OBJECT_OP_COPY, "avatars", "", &error));
  dialog = wait_dialog ("transfer-report");
  body = adw_message_dialog_get_body (ADW_MESSAGE_DIALOG (dialog));
  g_assert_nonnull (strstr (body, "tree/alpha.txt"));
  g_assert_nonnull (strstr (body, "tree/deep/beta.txt"));
  g_assert_nonnull (strstr (body, "text/plain"));
  g_assert_nonnull (strstr (body, "image/*"));
  gtk_window_destroy (dialog);
  views_test_wait_until (!supa_bucket_browser_get_busy (f->browser));
  assert_no_object ("avatars/tree/alpha.txt");

  /* Moving a folder into itself is refused up front. */
  select_one (f, "tree");
  g_assert_false (supa_bucket_browser_transfer_selected (f->browser, SUPA_OBJECT_OP_MOVE, "documents",
                                                         "tree/deep", &error));
  g_assert_error (error, SUPA_ERROR, SUPA_ERROR_INVALID_INPUT);
}

static void
test_move_to_bucket (Fixture       *f,
                     gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  seed_copy_tree ("moving");
  create_server_bucket ("h4-archive");
  reload_buckets (f, "h4-archive");
  open_bucket (f, "documents");

  select_one (f, "moving");
  g_assert_true (supa_bucket_browser_transfer_selected (f->browser, SUPA_OBJECT_OP_MOVE, "h4-archive", "old", &error));
  g_assert_no_error (error);
  views_test_wait_until (!supa_bucket_browser_get_busy (f->browser));
  g_assert_null (views_test_find_toplevel (ADW_TYPE_MESSAGE_DIALOG, NULL));
  assert_object ("h4-archive/old/moving/alpha.txt", "alpha\n");
  assert_object ("h4-archive/old/moving/deep/beta.txt", "beta\n");
  assert_no_object ("documents/moving/alpha.txt");
  assert_no_object ("documents/moving/deep/beta.txt");
  wait_folder (f);
  g_assert_false (folder_has (f, "moving/"));

  /* Moved again onto the same names: "Replace" for all puts the new
   * bytes there and leaves nothing behind. */
  {
    g_autoptr(GBytes) upper = g_bytes_new_static ("ALPHA\n", 6);
    GtkWindow *dialog;

    seed_copy_tree ("moving");
    storage_put ("documents/moving/alpha.txt", upper);
    g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->browser), "storage.refresh", NULL));
    wait_folder (f);
    views_test_wait_until (folder_has (f, "moving/"));
    select_one (f, "moving");
    g_assert_true (supa_bucket_browser_transfer_selected (f->browser, SUPA_OBJECT_OP_MOVE, "h4-archive", "old", &error));
    dialog = wait_conflict_dialog ();
    answer_dialog (dialog, "replace", TRUE);
    views_test_wait_until (!supa_bucket_browser_get_busy (f->browser));
    g_assert_null (views_test_find_toplevel (ADW_TYPE_MESSAGE_DIALOG, NULL));
    assert_object ("h4-archive/old/moving/alpha.txt", "ALPHA\n");
    assert_object ("h4-archive/old/moving/deep/beta.txt", "beta\n");
    assert_no_object ("documents/moving/alpha.txt");
    assert_no_object ("documents/moving/deep/beta.txt");
  }
}

static void
test_move_rate_limited (Fixture       *f,
                        gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  GtkWindow *dialog;
  const char *body;
  SupaStorage *storage;

  seed_copy_tree ("limited");
  open_bucket (f, "documents");
  storage = supa_bucket_browser_get_storage (f->browser);

  /* Rate limited twice on the way (Retry-After honoured, capped short
   * for the test): everything still moves. */
  supa_storage_set_retry_policy (storage, 5, 10, 100);
  server_faults ("{\"faults\":[\"status:code=429,retry-after=1,count=2,prefix=/storage/v1/object/move\"]}");
  select_one (f, "limited");
  g_assert_true (supa_bucket_browser_rename (f->browser, "limited", "limited-2", &error));
  g_assert_no_error (error);
  views_test_wait_until (!supa_bucket_browser_get_busy (f->browser));
  server_faults (NULL);
  g_assert_null (views_test_find_toplevel (ADW_TYPE_MESSAGE_DIALOG, NULL));
  assert_object ("documents/limited-2/alpha.txt", "alpha\n");
  assert_object ("documents/limited-2/deep/beta.txt", "beta\n");
  assert_no_object ("documents/limited/alpha.txt");
  wait_folder (f);

  /* Always rate limited: the report names each file with the server's
   * message and says they are still where they were. */
  supa_storage_set_retry_policy (storage, 3, 10, 50);
  server_faults ("{\"faults\":[\"status:code=429,prefix=/storage/v1/object/move\"]}");
  select_one (f, "limited-2");
  g_assert_true (supa_bucket_browser_transfer_selected (f->browser, SUPA_OBJECT_OP_MOVE, "documents", "elsewhere", &error));
  dialog = wait_dialog ("transfer-report");
  server_faults (NULL);
  body = adw_message_dialog_get_body (ADW_MESSAGE_DIALOG (dialog));
  g_assert_nonnull (strstr (body, "limited-2/alpha.txt"));
  g_assert_nonnull (strstr (body, "limited-2/deep/beta.txt"));
  g_assert_nonnull (strstr (body, "supabase-local fault: status 429"));
  g_assert_nonnull (strstr (body, "still in “documents”"));
  g_assert_nonnull (strstr (adw_message_dialog_get_heading (ADW_MESSAGE_DIALOG (dialog)), "2 Files Were Not Moved"));
  gtk_window_destroy (dialog);
  views_test_wait_until (!supa_bucket_browser_get_busy (f->browser));
  assert_object ("documents/limited-2/alpha.txt", "alpha\n");
  assert_no_object ("documents/elsewhere/limited-2/alpha.txt");

  /* A cancel during a long Retry-After pause stops at once and names
   * what was not moved. */
  supa_storage_set_retry_policy (storage, 5, 10, 30000);
  server_faults ("{\"faults\":[\"status:code=503,retry-after=30,prefix=/storage/v1/object/move\"]}");
  wait_folder (f);
  select_one (f, "limited-2");
  g_assert_true (supa_bucket_browser_transfer_selected (f->browser, SUPA_OBJECT_OP_MOVE, "documents", "elsewhere", &error));
  g_assert_true (gtk_widget_get_visible (views_test_find_widget (GTK_WIDGET (f->browser), GTK_TYPE_BUTTON,
                                                                  "operation-cancel")));
  views_test_spin (300);
  g_assert_true (supa_bucket_browser_get_busy (f->browser));
  {
    g_autofree char *shown = views_test_collect_text (GTK_WIDGET (f->browser));

    /* The stalled progress says why. */
    g_assert_nonnull (strstr (shown, "The server is busy, trying again in 30 seconds"));
  }
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->browser), "storage.cancel-operation", NULL));
  dialog = wait_dialog ("transfer-report");
  server_faults (NULL);
  body = adw_message_dialog_get_body (ADW_MESSAGE_DIALOG (dialog));
  g_assert_nonnull (strstr (body, "limited-2/alpha.txt — cancelled"));
  g_assert_nonnull (strstr (body, "limited-2/deep/beta.txt — cancelled"));
  gtk_window_destroy (dialog);
  views_test_wait_until (!supa_bucket_browser_get_busy (f->browser));
  assert_object ("documents/limited-2/alpha.txt", "alpha\n");

  /* A delete whose batch stays rate limited names every file it left. */
  supa_storage_set_retry_policy (storage, 2, 10, 20);
  server_faults ("{\"faults\":[\"status:code=429,method=DELETE,prefix=/storage/v1/object/documents\"]}");
  wait_folder (f);
  select_one (f, "limited-2");
  supa_bucket_browser_delete_selected (f->browser);
  dialog = wait_dialog ("delete-report");
  server_faults (NULL);
  body = adw_message_dialog_get_body (ADW_MESSAGE_DIALOG (dialog));
  g_assert_nonnull (strstr (body, "limited-2/alpha.txt — supabase-local fault: status 429"));
  g_assert_nonnull (strstr (body, "limited-2/deep/beta.txt"));
  gtk_window_destroy (dialog);
  views_test_wait_until (!supa_bucket_browser_get_busy (f->browser));
  assert_object ("documents/limited-2/deep/beta.txt", "beta\n");
  supa_storage_set_retry_policy (storage, 5, 500, 30000);
}

/* --- drop highlight ----------------------------------------------------- */

static GtkDropTarget *
drop_target_of (GtkWidget *widget)
{
  g_autoptr(GListModel) controllers = gtk_widget_observe_controllers (widget);

  for (guint i = 0; i < g_list_model_get_n_items (controllers); i++)
    {
      g_autoptr(GtkEventController) controller = g_list_model_get_item (controllers, i);

      if (GTK_IS_DROP_TARGET (controller))
        return GTK_DROP_TARGET (controller);
    }
  return NULL;
}

/* A cell child of the row showing @name that takes drops. */
static GtkWidget *
find_item_cell (GtkWidget  *root,
                const char *name)
{
  SupaObjectInfo *info = g_object_get_data (G_OBJECT (root), "supa-item");

  if (info != NULL && g_str_equal (supa_object_info_get_name (info), name) && drop_target_of (root) != NULL)
    return root;

  for (GtkWidget *child = gtk_widget_get_first_child (root); child != NULL; child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_item_cell (child, name);

      if (found != NULL)
        return found;
    }
  return NULL;
}

static GtkWidget *
row_of (GtkWidget *cell)
{
  for (GtkWidget *w = cell; w != NULL; w = gtk_widget_get_parent (w))
    if (g_str_equal (gtk_widget_get_css_name (w), "row"))
      return w;
  return NULL;
}

static guint
count_highlighted_rows (GtkWidget *root)
{
  guint n = g_str_equal (gtk_widget_get_css_name (root), "row") &&
            gtk_widget_has_css_class (root, "drop-highlight") ? 1 : 0;

  for (GtkWidget *child = gtk_widget_get_first_child (root); child != NULL; child = gtk_widget_get_next_sibling (child))
    n += count_highlighted_rows (child);
  return n;
}

/* SUPADESK_TEST_SCREENSHOT=DIR saves the screen for a person to look at
 * (run under tests/harness/display-session with ImageMagick's import). */
static void
maybe_screenshot (const char *name)
{
  const char *dir = g_getenv ("SUPADESK_TEST_SCREENSHOT");
  g_autofree char *path = NULL;
  g_autofree char *command = NULL;
  g_autoptr(GError) error = NULL;

  if (dir == NULL)
    return;
  views_test_spin (400);
  path = g_build_filename (dir, name, NULL);
  command = g_strdup_printf ("import -window root %s", path);
  if (!g_spawn_command_line_sync (command, NULL, NULL, NULL, &error))
    g_test_message ("screenshot failed: %s", error->message);
}

static void
test_drop_highlight (Fixture       *f,
                     gconstpointer  data)
{
  GtkWidget *area = supa_bucket_browser_get_drop_area (f->browser);
  GtkWidget *view = GTK_WIDGET (supa_bucket_browser_get_column_view (f->browser));
  GtkDropTarget *target;
  GtkWidget *cell;
  GtkWidget *row;
  GdkDragAction action = 0;

  /* The application loads style.css; here the test does, so the
   * screenshots show what a user sees. */
  if (g_getenv ("SUPADESK_TEST_SCREENSHOT") != NULL)
    {
      g_autoptr(GtkCssProvider) css = gtk_css_provider_new ();

      gtk_css_provider_load_from_resource (css, "/io/github/supadesk/Supadesk/style.css");
      gtk_style_context_add_provider_for_display (gdk_display_get_default (), GTK_STYLE_PROVIDER (css),
                                                  GTK_STYLE_PROVIDER_PRIORITY_APPLICATION);
    }

  open_bucket (f, "documents");
  views_test_spin (200);

  /* Over the open folder: the folder view is the highlighted target. */
  target = drop_target_of (area);
  g_assert_nonnull (target);
  g_assert_false (gtk_widget_has_css_class (area, "drop-highlight"));
  g_signal_emit_by_name (target, "enter", 200.0, 300.0, &action);
  g_assert_cmpint (action, ==, GDK_ACTION_COPY);
  g_assert_true (gtk_widget_has_css_class (area, "drop-highlight"));
  maybe_screenshot ("h4-drop-view.png");
  g_signal_emit_by_name (target, "leave");
  g_assert_false (gtk_widget_has_css_class (area, "drop-highlight"));

  /* Over a folder row (any of its cells): that row, and only that one. */
  cell = find_item_cell (view, "reports");
  g_assert_nonnull (cell);
  row = row_of (cell);
  g_assert_nonnull (row);
  target = drop_target_of (cell);
  action = 0;
  g_signal_emit_by_name (target, "enter", 5.0, 5.0, &action);
  g_assert_cmpint (action, ==, GDK_ACTION_COPY);
  g_assert_true (gtk_widget_has_css_class (row, "drop-highlight"));
  g_assert_cmpuint (count_highlighted_rows (view), ==, 1);
  maybe_screenshot ("h4-drop-row.png");
  g_signal_emit_by_name (target, "leave");
  g_assert_false (gtk_widget_has_css_class (row, "drop-highlight"));
  g_assert_cmpuint (count_highlighted_rows (view), ==, 0);

  /* Highlighted, then the folder reloads (rows are rebound): no row
   * keeps a stale highlight. */
  g_signal_emit_by_name (target, "enter", 5.0, 5.0, &action);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->browser), "storage.refresh", NULL));
  wait_folder (f);
  views_test_spin (200);
  cell = find_item_cell (view, "reports");
  g_assert_nonnull (cell);
  g_signal_emit_by_name (drop_target_of (cell), "leave");
  g_assert_cmpuint (count_highlighted_rows (view), ==, 0);
}

/* --- streaming a video -------------------------------------------------- */

static gboolean
wait_prepared (GtkMediaStream *stream)
{
  gint64 deadline = g_get_monotonic_time () + 20 * G_USEC_PER_SEC;

  while (!gtk_media_stream_is_prepared (stream) && gtk_media_stream_get_error (stream) == NULL &&
         g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  return gtk_media_stream_is_prepared (stream);
}

static void
signed_url_cb (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  char **out = user_data;
  g_autoptr(GError) error = NULL;

  *out = supa_storage_create_signed_url_finish (SUPA_STORAGE (object), result, &error);
  g_assert_no_error (error);
}

/* A two-second WebM made at run time by GStreamer, stored in a bucket,
 * plays from a signed URL: GTK's media backend gets it prepared, with
 * video and its duration (supabase-local answers the Range requests a
 * player makes). Skipped where GTK has no GStreamer media backend. */
static void
test_video_stream (Fixture       *f,
                   gconstpointer  data)
{
  g_autofree char *gst_launch = g_find_program_in_path ("gst-launch-1.0");
  g_autofree char *video_path = g_build_filename (f->tmpdir, "clip.webm", NULL);
  g_autofree char *location = g_strconcat ("location=", video_path, NULL);
  g_autofree char *bearer = g_strconcat ("Bearer ", server->service_role_key, NULL);
  const char *headers[] = { "apikey", server->service_role_key, "Authorization", bearer, "x-upsert", "true", NULL };
  g_autoptr(GtkMediaStream) probe = gtk_media_file_new ();
  g_autoptr(GtkMediaStream) stream = NULL;
  g_autoptr(GFile) file = NULL;
  g_autoptr(SupaTestResponse) put = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *contents = NULL;
  g_autofree char *url = NULL;
  const char *names[] = { "clip.webm", NULL };
  SupaFilePreview *preview;
  gsize length = 0;
  int status = -1;

  if (gst_launch == NULL || g_str_equal (G_OBJECT_TYPE_NAME (probe), "GtkNoMediaFile"))
    {
      g_test_skip ("GTK has no GStreamer media backend here (libgtk-4-media-gstreamer, gstreamer1.0-tools, "
                   "gstreamer1.0-plugins-good)");
      return;
    }

  {
    const char *argv[] = { gst_launch, "-q", "videotestsrc", "num-buffers=30", "!",
                           "video/x-raw,width=160,height=120,framerate=15/1", "!", "vp8enc", "!",
                           "webmmux", "!", "filesink", location, NULL };

    g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, NULL, NULL, &status, &error);
    g_assert_no_error (error);
    if (!g_spawn_check_wait_status (status, NULL))
      {
        g_test_skip ("GStreamer cannot encode VP8/WebM here (gstreamer1.0-plugins-good)");
        return;
      }
  }
  g_file_get_contents (video_path, &contents, &length, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (length, >, 1000);
  put = supa_test_request (server, "POST", "/storage/v1/object/documents/clip.webm", headers, "video/webm",
                           contents, length);
  g_assert_cmpuint (put->status, ==, 200);

  open_bucket (f, "documents");
  supa_storage_create_signed_url_async (supa_bucket_browser_get_storage (f->browser), "documents", "clip.webm",
                                        600, NULL, NULL, NULL, signed_url_cb, &url);
  views_test_wait_until (url != NULL);

  file = g_file_new_for_uri (url);
  stream = gtk_media_file_new_for_file (file);
  g_assert_true (wait_prepared (stream));
  g_assert_null (gtk_media_stream_get_error (stream));
  g_assert_true (gtk_media_stream_has_video (stream));
  g_assert_cmpint (gtk_media_stream_get_duration (stream), >=, G_USEC_PER_SEC);

  /* With GStreamer the preview pane streams the signed URL too, whether or
   * not GVfs is there, and its player gets prepared. */
  g_assert_cmpuint (supa_bucket_browser_select_names (f->browser, names), ==, 1);
  preview = SUPA_FILE_PREVIEW (supa_bucket_browser_get_preview (f->browser));
  views_test_wait_until (!supa_file_preview_get_loading (preview));
  g_assert_cmpstr (supa_file_preview_get_page (preview), ==, "media");
  {
    GtkWidget *video = views_test_find_widget (GTK_WIDGET (preview), GTK_TYPE_VIDEO, NULL);
    GtkMediaStream *shown;

    g_assert_nonnull (video);
    shown = gtk_video_get_media_stream (GTK_VIDEO (video));
    g_assert_nonnull (shown);
    g_assert_true (wait_prepared (shown));
    g_assert_null (gtk_media_stream_get_error (shown));
    g_assert_true (gtk_media_stream_has_video (shown));
    g_assert_cmpstr (supa_file_preview_get_page (preview), ==, "media");
  }
}

/* The widget under @root bound to @action (a button of the action bar). */
static GtkWidget *
find_actionable (GtkWidget  *root,
                 const char *action)
{
  if (GTK_IS_ACTIONABLE (root) && g_strcmp0 (gtk_actionable_get_action_name (GTK_ACTIONABLE (root)), action) == 0)
    return root;
  for (GtkWidget *child = gtk_widget_get_first_child (root); child != NULL; child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_actionable (child, action);

      if (found != NULL)
        return found;
    }
  return NULL;
}

static GtkWidget *
find_menu_button (GtkWidget  *root,
                  const char *icon)
{
  if (GTK_IS_MENU_BUTTON (root) && g_strcmp0 (gtk_menu_button_get_icon_name (GTK_MENU_BUTTON (root)), icon) == 0)
    return root;
  for (GtkWidget *child = gtk_widget_get_first_child (root); child != NULL; child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_menu_button (child, icon);

      if (found != NULL)
        return found;
    }
  return NULL;
}

static gboolean
label_ellipsized (GtkWidget  *root,
                  const char *text)
{
  if (GTK_IS_LABEL (root) && g_strcmp0 (gtk_label_get_label (GTK_LABEL (root)), text) == 0)
    return pango_layout_is_ellipsized (gtk_label_get_layout (GTK_LABEL (root)));
  for (GtkWidget *child = gtk_widget_get_first_child (root); child != NULL; child = gtk_widget_get_next_sibling (child))
    if (label_ellipsized (child, text))
      return TRUE;
  return FALSE;
}

/* What the 1100 px window shows: bucket names and limits in full, the
 * current folder's name in full in the path bar, the
 * file actions disabled without a bucket, the folder's four columns
 * inside the view with and without the preview pane, which opens for a
 * selected file only. */
static void
test_layout (Fixture       *f,
             gconstpointer  data)
{
  GtkWidget *browser = GTK_WIDGET (f->browser);
  GtkListBox *list = supa_bucket_browser_get_bucket_list (f->browser);
  GtkWidget *avatars = views_test_find_widget (GTK_WIDGET (list), GTK_TYPE_LIST_BOX_ROW, "avatars");
  GtkWidget *documents = views_test_find_widget (GTK_WIDGET (list), GTK_TYPE_LIST_BOX_ROW, "documents");
  GtkColumnView *view = supa_bucket_browser_get_column_view (f->browser);
  GtkWidget *preview = supa_bucket_browser_get_preview (f->browser);
  const char *actions[] = { "storage.delete", "storage.rename", "storage.download" };
  const char *names[] = { "alice.png", NULL };
  g_autofree char *limit = g_format_size (5000000);
  g_autofree char *avatars_summary = g_strdup_printf ("Up to %s · image/*", limit);
  GtkAdjustment *hadj;
  gboolean visible = FALSE;

  views_test_spin (100);
  g_assert_false (label_ellipsized (avatars, "avatars"));
  g_assert_false (label_ellipsized (avatars, avatars_summary));
  g_assert_false (label_ellipsized (documents, "documents"));
  g_assert_false (label_ellipsized (documents, "No size limit · Any type"));

  /* No bucket: every file action looks and is disabled. */
  for (guint i = 0; i < G_N_ELEMENTS (actions); i++)
    {
      GtkWidget *button = find_actionable (browser, actions[i]);

      g_assert_nonnull (button);
      g_assert_false (gtk_widget_is_sensitive (button));
    }
  g_assert_false (gtk_widget_is_sensitive (find_menu_button (browser, "edit-copy-symbolic")));

  /* The folder you are in is named in full in the path bar, also with
   * the width the main window's section sidebar leaves at 1100 px. */
  open_bucket (f, "documents");
  gtk_widget_set_visible (GTK_WIDGET (f->window), FALSE);
  gtk_window_set_default_size (f->window, 810, 700);
  gtk_window_present (f->window);
  views_test_wait_until (gtk_widget_get_mapped (GTK_WIDGET (f->window)));
  views_test_spin (200);
  g_assert_cmpint (gtk_widget_get_width (GTK_WIDGET (f->window)), <=, 820);
  g_assert_false (label_ellipsized (supa_bucket_browser_get_path_bar (f->browser), "documents"));
  gtk_widget_set_visible (GTK_WIDGET (f->window), FALSE);
  gtk_window_set_default_size (f->window, 1100, 700);
  gtk_window_present (f->window);
  views_test_wait_until (gtk_widget_get_mapped (GTK_WIDGET (f->window)));

  open_bucket (f, "avatars");
  views_test_spin (100);
  hadj = gtk_scrollable_get_hadjustment (GTK_SCROLLABLE (view));
  g_object_get (f->browser, "preview-visible", &visible, NULL);
  g_assert_true (visible);
  g_assert_false (gtk_widget_get_mapped (preview));
  g_assert_cmpfloat (gtk_adjustment_get_upper (hadj), <=, gtk_adjustment_get_page_size (hadj) + 0.5);

  g_assert_cmpuint (supa_bucket_browser_select_names (f->browser, names), ==, 1);
  views_test_wait_until (gtk_widget_get_mapped (preview));
  views_test_spin (100);
  g_assert_cmpstr (supa_file_preview_get_path (SUPA_FILE_PREVIEW (preview)), ==, "alice.png");
  g_assert_cmpfloat (gtk_adjustment_get_upper (hadj), <=, gtk_adjustment_get_page_size (hadj) + 0.5);
  g_assert_true (gtk_widget_is_sensitive (find_actionable (browser, "storage.delete")));
  g_assert_true (gtk_widget_is_sensitive (find_menu_button (browser, "edit-copy-symbolic")));

  /* Hidden by the user, it stays hidden for the next file. */
  g_object_set (f->browser, "preview-visible", FALSE, NULL);
  views_test_wait_until (!gtk_widget_get_mapped (preview));
  names[0] = "bob.png";
  g_assert_cmpuint (supa_bucket_browser_select_names (f->browser, names), ==, 1);
  views_test_spin (100);
  g_assert_false (gtk_widget_get_mapped (preview));
  g_assert_null (supa_file_preview_get_path (SUPA_FILE_PREVIEW (preview)));
}

int
main (int   argc,
      char *argv[])
{
  int ret;

  views_test_init (&argc, &argv);
  server = supa_test_server_start ("demo", NULL);

#define ADD(path, func) g_test_add (path, Fixture, NULL, fixture_setup, func, fixture_teardown)
  ADD ("/bucket-browser/buckets", test_buckets);
  ADD ("/bucket-browser/navigate", test_navigate);
  ADD ("/bucket-browser/create-folder", test_create_folder);
  ADD ("/bucket-browser/drop-upload", test_drop_upload);
  ADD ("/bucket-browser/preflight-refused", test_preflight_refused);
  ADD ("/bucket-browser/rename-delete-folder", test_rename_delete_folder);
  ADD ("/bucket-browser/signed-url", test_signed_url);
  ADD ("/bucket-browser/signed-url-custom", test_signed_url_custom);
  ADD ("/bucket-browser/keyboard-search", test_keyboard_search);
  ADD ("/bucket-browser/bucket-crud", test_bucket_crud);
  ADD ("/bucket-browser/conflict-keep-both", test_conflict_keep_both);
  ADD ("/bucket-browser/conflict-nested", test_conflict_nested);
  ADD ("/bucket-browser/notify-batch", test_notify_batch);
  ADD ("/bucket-browser/sort-search", test_sort_search);
  ADD ("/bucket-browser/download-public-url", test_download_and_public_url);
  ADD ("/bucket-browser/context-menu", test_context_menu);
  ADD ("/bucket-browser/context-menu-click", test_context_menu_click);
  ADD ("/bucket-browser/copy-to", test_copy_to);
  ADD ("/bucket-browser/move-to-bucket", test_move_to_bucket);
  ADD ("/bucket-browser/move-rate-limited", test_move_rate_limited);
  ADD ("/bucket-browser/drop-highlight", test_drop_highlight);
  ADD ("/bucket-browser/video-stream", test_video_stream);
  ADD ("/bucket-browser/layout", test_layout);
#undef ADD

  ret = g_test_run ();
  supa_test_server_stop (server);
  return ret;
}
