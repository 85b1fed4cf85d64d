/* test-file-preview.c — the preview pane of the Storage section against
 * supabase-local (seed "demo"): images decoded to textures, the start of
 * text files, truncation of large ones, the details list, and
 * cancellation when the selection moves on.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "supa-bucket-browser.h"
#include "supa-file-preview.h"
#include "supa-test-server.h"
#include "views-test-util.h"

/* The seed's documents/reports/2024/q1-sales.csv. */
#define Q1_CSV "region,product,units,revenue\nnorth,widget,120,2400.00\n" \
               "south,widget,98,1960.00\neast,gadget,45,2250.00\nwest,gadget,61,3050.00\n"

static SupaTestServer *server;

typedef struct
{
  GtkWindow         *window;
  SupaBucketBrowser *browser;
  SupaFilePreview   *preview;
  SupaClient        *client;
  SupaProfile       *profile;
  GCancellable      *cancellable;
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

  f->window = GTK_WINDOW (gtk_window_new ());
  gtk_window_set_default_size (f->window, 1200, 700);
  f->browser = SUPA_BUCKET_BROWSER (supa_bucket_browser_new ());
  f->preview = SUPA_FILE_PREVIEW (supa_bucket_browser_get_preview (f->browser));
  gtk_window_set_child (f->window, GTK_WIDGET (f->browser));
  gtk_window_present (f->window);

  supa_bucket_browser_set_client (f->browser, f->client, f->profile, f->cancellable);
  views_test_wait_until (!supa_bucket_browser_get_loading_buckets (f->browser) &&
                         g_list_model_get_n_items (supa_bucket_browser_get_buckets (f->browser)) >= 2);
  g_object_set (f->browser, "preview-visible", TRUE, NULL);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  g_cancellable_cancel (f->cancellable);
  gtk_window_destroy (f->window);
  views_test_spin (50);
  g_clear_object (&f->client);
  g_clear_object (&f->profile);
  g_clear_object (&f->cancellable);
}

/* --- helpers ------------------------------------------------------------ */

static void
upload (const char *path,
        const char *content_type,
        const char *body,
        gsize       len)
{
  g_autofree char *bearer = g_strconcat ("Bearer ", server->service_role_key, NULL);
  g_autofree char *url = g_strconcat ("/storage/v1/object/", path, NULL);
  const char *headers[] = { "apikey", server->service_role_key, "Authorization", bearer,
                            "x-upsert", "true", "cache-control", "max-age=120", NULL };
  SupaTestResponse *response = supa_test_request (server, "POST", url, headers, content_type, body, len);

  g_assert_cmpuint (response->status, ==, 200);
  supa_test_response_free (response);
}

static void
open_folder (Fixture    *f,
             const char *bucket,
             const char *prefix)
{
  SupaFolderModel *model;

  g_assert_true (supa_bucket_browser_open_bucket (f->browser, bucket));
  if (prefix != NULL)
    supa_bucket_browser_open_folder (f->browser, prefix);
  model = supa_bucket_browser_get_folder_model (f->browser);
  views_test_wait_until (!supa_folder_model_get_loading (model) && supa_folder_model_get_complete (model));
}

static void
select_file (Fixture    *f,
             const char *name)
{
  const char *names[] = { name, NULL };

  g_assert_cmpuint (supa_bucket_browser_select_names (f->browser, names), ==, 1);
}

static void
wait_preview (Fixture *f)
{
  views_test_wait_until (!supa_file_preview_get_loading (f->preview));
}

static char *
details_text (Fixture *f)
{
  return views_test_collect_text (supa_file_preview_get_details (f->preview));
}

/* --- tests -------------------------------------------------------------- */

static void
test_image (Fixture       *f,
            gconstpointer  data)
{
  GdkTexture *texture;
  g_autofree char *details = NULL;

  open_folder (f, "avatars", NULL);
  select_file (f, "alice.png");
  g_assert_cmpstr (supa_file_preview_get_path (f->preview), ==, "alice.png");
  wait_preview (f);

  g_assert_cmpstr (supa_file_preview_get_page (f->preview), ==, "image");
  texture = supa_file_preview_get_texture (f->preview);
  g_assert_nonnull (texture);
  /* The seed's avatars are 64 × 64. */
  g_assert_cmpint (gdk_texture_get_width (texture), ==, 64);
  g_assert_cmpint (gdk_texture_get_height (texture), ==, 64);

  details = details_text (f);
  g_assert_nonnull (strstr (details, "image/png"));
  g_assert_nonnull (strstr (details, "ETag"));
}

static void
test_csv (Fixture       *f,
          gconstpointer  data)
{
  g_autofree char *text = NULL;
  g_autofree char *details = NULL;
  g_autofree char *size = g_strdup_printf ("%u bytes", (guint) strlen (Q1_CSV));

  open_folder (f, "documents", "reports/2024");
  select_file (f, "q1-sales.csv");
  wait_preview (f);

  g_assert_cmpstr (supa_file_preview_get_page (f->preview), ==, "text");
  text = supa_file_preview_dup_text (f->preview);
  g_assert_cmpstr (text, ==, Q1_CSV);
  g_assert_false (supa_file_preview_get_truncated (f->preview));

  /* Size, type and dates from the object's info. */
  details = details_text (f);
  g_assert_nonnull (strstr (details, size));
  g_assert_nonnull (strstr (details, "text/csv"));
  g_assert_nonnull (strstr (details, "Modified"));
  g_assert_nonnull (strstr (details, "Created"));
}

static void
test_truncated (Fixture       *f,
                gconstpointer  data)
{
  GString *body = g_string_new (NULL);
  g_autofree char *text = NULL;
  g_autofree char *details = NULL;
  g_autofree char *expected_size = NULL;
  g_autofree char *view_text = NULL;
  guint line = 0;

  /* 100 KB of lines with two-byte characters, so the cut at 64 KB can
   * fall inside one. */
  while (body->len < 100 * 1024)
    g_string_append_printf (body, "line %05u: héllo wörld, ünïcode ✓\n", line++);
  upload ("documents/preview-big.txt", "text/plain", body->str, body->len);
  expected_size = g_strdup_printf ("%'u bytes", (guint) body->len);

  open_folder (f, "documents", NULL);
  select_file (f, "preview-big.txt");
  wait_preview (f);

  g_assert_cmpstr (supa_file_preview_get_page (f->preview), ==, "text");
  g_assert_true (supa_file_preview_get_truncated (f->preview));
  text = supa_file_preview_dup_text (f->preview);
  g_assert_true (g_utf8_validate (text, -1, NULL));
  g_assert_cmpuint (strlen (text), <=, SUPA_FILE_PREVIEW_TEXT_LIMIT);
  g_assert_cmpuint (strlen (text), >, SUPA_FILE_PREVIEW_TEXT_LIMIT - 4);
  /* What is shown is exactly the start of the file (no replacement
   * character where the cut split a character). */
  g_assert_true (strncmp (text, body->str, strlen (text)) == 0);

  view_text = views_test_collect_text (GTK_WIDGET (f->preview));
  g_assert_nonnull (strstr (view_text, "Showing the first 64 KB"));

  /* The cache-control sent with the upload is among the details. */
  details = details_text (f);
  g_assert_nonnull (strstr (details, "max-age=120"));
  g_assert_nonnull (strstr (details, expected_size));
  g_string_free (body, TRUE);
}

static void
test_invalid_utf8 (Fixture       *f,
                   gconstpointer  data)
{
  static const char body[] = "caf\xe9 au lait\nok\n";
  g_autofree char *text = NULL;

  upload ("documents/preview-latin1.txt", "text/plain", body, sizeof body - 1);
  open_folder (f, "documents", NULL);
  select_file (f, "preview-latin1.txt");
  wait_preview (f);

  g_assert_cmpstr (supa_file_preview_get_page (f->preview), ==, "text");
  text = supa_file_preview_dup_text (f->preview);
  g_assert_cmpstr (text, ==, "caf\xef\xbf\xbd au lait\nok\n");
}

static void
test_other_types (Fixture       *f,
                  gconstpointer  data)
{
  static const char zeros[16] = { 0 };
  GtkWidget *button;
  const char *message;

  upload ("documents/preview-blob.bin", "application/octet-stream", zeros, sizeof zeros);
  upload ("documents/preview-clip.mp4", "video/mp4", zeros, sizeof zeros);
  open_folder (f, "documents", NULL);

  select_file (f, "preview-blob.bin");
  wait_preview (f);
  g_assert_cmpstr (supa_file_preview_get_page (f->preview), ==, "message");
  g_assert_cmpstr (supa_file_preview_get_message (f->preview), ==, "No preview for this type");
  button = views_test_find_widget (GTK_WIDGET (f->preview), GTK_TYPE_BUTTON, "preview-download");
  g_assert_nonnull (button);
  g_assert_true (gtk_widget_get_visible (button));
  g_assert_true (gtk_widget_is_sensitive (button));

  /* Video: a player when GIO can stream the URL, else a message with
   * Download (never a broken player). */
  select_file (f, "preview-clip.mp4");
  wait_preview (f);
  if (g_str_equal (supa_file_preview_get_page (f->preview), "media"))
    {
      GtkVideo *video = GTK_VIDEO (views_test_find_widget (GTK_WIDGET (f->preview), GTK_TYPE_VIDEO, NULL));

      g_assert_nonnull (gtk_video_get_media_stream (video));
    }
  else
    {
      g_assert_cmpstr (supa_file_preview_get_page (f->preview), ==, "message");
      message = supa_file_preview_get_message (f->preview);
      g_assert_nonnull (message);
      g_assert_nonnull (strstr (message, "Download"));
    }
}

static void
test_large_image (Fixture       *f,
                  gconstpointer  data)
{
  gsize size = SUPA_FILE_PREVIEW_IMAGE_LIMIT + 1000;
  g_autofree char *body = g_malloc0 (size);
  const char *message;

  /* Larger than the in-memory limit: the render endpoint is asked for a
   * scaled copy; supabase-local sends the original, still too large, so
   * the preview offers Download instead of holding it in memory. */
  upload ("documents/preview-huge.png", "image/png", body, size);
  open_folder (f, "documents", NULL);
  select_file (f, "preview-huge.png");
  wait_preview (f);

  g_assert_cmpstr (supa_file_preview_get_page (f->preview), ==, "message");
  g_assert_null (supa_file_preview_get_texture (f->preview));
  message = supa_file_preview_get_message (f->preview);
  g_assert_nonnull (strstr (message, "larger than"));
  g_assert_true (gtk_widget_get_visible (views_test_find_widget (GTK_WIDGET (f->preview), GTK_TYPE_BUTTON, "preview-download")));
}

static void
test_selection_cancels (Fixture       *f,
                        gconstpointer  data)
{
  g_autoptr(GCancellable) first = NULL;

  open_folder (f, "avatars", NULL);
  select_file (f, "alice.png");
  g_assert_true (supa_file_preview_get_loading (f->preview));
  first = g_object_ref (supa_file_preview_get_cancellable (f->preview));
  g_assert_false (g_cancellable_is_cancelled (first));

  select_file (f, "bob.png");
  g_assert_true (g_cancellable_is_cancelled (first));
  g_assert_cmpstr (supa_file_preview_get_path (f->preview), ==, "bob.png");
  wait_preview (f);
  /* Let any late reply for alice.png arrive: it must not replace bob's. */
  views_test_spin (200);
  g_assert_cmpstr (supa_file_preview_get_path (f->preview), ==, "bob.png");
  g_assert_cmpstr (supa_file_preview_get_page (f->preview), ==, "image");

  /* Two files selected: no preview, nothing loading. */
  {
    const char *both[] = { "alice.png", "bob.png", NULL };
    GCancellable *second = supa_file_preview_get_cancellable (f->preview);

    g_object_ref (second);
    g_assert_cmpuint (supa_bucket_browser_select_names (f->browser, both), ==, 2);
    g_assert_true (g_cancellable_is_cancelled (second));
    g_object_unref (second);
  }
  g_assert_null (supa_file_preview_get_path (f->preview));
  g_assert_cmpstr (supa_file_preview_get_page (f->preview), ==, "none");
}

static void
test_toggle (Fixture       *f,
             gconstpointer  data)
{
  gboolean visible = TRUE;

  open_folder (f, "avatars", NULL);
  select_file (f, "carol.png");
  g_assert_cmpstr (supa_file_preview_get_path (f->preview), ==, "carol.png");

  /* Hiding the pane (F3 / the toggle) stops loading. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->browser), "storage.preview", NULL));
  g_object_get (f->browser, "preview-visible", &visible, NULL);
  g_assert_false (visible);
  g_assert_null (supa_file_preview_get_path (f->preview));

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->browser), "storage.preview", NULL));
  g_assert_cmpstr (supa_file_preview_get_path (f->preview), ==, "carol.png");
  wait_preview (f);
  g_assert_cmpstr (supa_file_preview_get_page (f->preview), ==, "image");
}

static void
test_narrow (Fixture       *f,
             gconstpointer  data)
{
  int min_without = 0, min_with = 0;

  /* The pane must not make the section wider: it folds over the files. */
  g_object_set (f->browser, "preview-visible", FALSE, NULL);
  gtk_widget_measure (GTK_WIDGET (f->browser), GTK_ORIENTATION_HORIZONTAL, -1, &min_without, NULL, NULL, NULL);
  g_object_set (f->browser, "preview-visible", TRUE, NULL);
  gtk_widget_measure (GTK_WIDGET (f->browser), GTK_ORIENTATION_HORIZONTAL, -1, &min_with, NULL, NULL, NULL);
  g_assert_cmpint (min_with, ==, min_without);
}

int
main (int   argc,
      char *argv[])
{
  int ret;

  views_test_init (&argc, &argv);
  server = supa_test_server_start ("demo", NULL);

#define ADD(path, func) g_test_add (path, Fixture, NULL, fixture_setup, func, fixture_teardown)
  ADD ("/file-preview/image", test_image);
  ADD ("/file-preview/csv", test_csv);
  ADD ("/file-preview/truncated", test_truncated);
  ADD ("/file-preview/invalid-utf8", test_invalid_utf8);
  ADD ("/file-preview/other-types", test_other_types);
  ADD ("/file-preview/large-image", test_large_image);
  ADD ("/file-preview/selection-cancels", test_selection_cancels);
  ADD ("/file-preview/toggle", test_toggle);
  ADD ("/file-preview/narrow", test_narrow);
#undef ADD

  ret = g_test_run ();
  supa_test_server_stop (server);
  return ret;
}
