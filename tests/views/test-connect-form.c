/* test-connect-form.c — live validation, the plain-HTTP confirmation and
 * the connection test of the project form.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>
#include <libsoup/soup.h>

#include "supa-client.h"
#include "supa-connect-form.h"
#include "supa-health-row.h"
#include "supa-key-info.h"
#include "views-test-util.h"

typedef struct
{
  SupaProfileStore *store;
  GtkWindow        *window;
  GtkWidget        *form;
} Fixture;

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  f->store = views_test_new_store ();
  f->window = GTK_WINDOW (gtk_window_new ());
  gtk_window_set_default_size (f->window, 600, 700);
  f->form = supa_connect_form_new (f->store, NULL);
  gtk_window_set_child (f->window, f->form);
  gtk_window_present (f->window);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  GtkWindow *dialog;

  while ((dialog = views_test_find_toplevel (GTK_TYPE_WINDOW, NULL)) != NULL)
    gtk_window_destroy (dialog);
  g_clear_object (&f->store);
}

static void
set_field (Fixture    *f,
           const char *name,
           const char *text)
{
  GtkWidget *row = views_test_find_widget (f->form, GTK_TYPE_EDITABLE, name);

  g_assert_nonnull (row);
  gtk_editable_set_text (GTK_EDITABLE (row), text);
}

static GtkWidget *
field (Fixture    *f,
       const char *name)
{
  GtkWidget *w = views_test_find_widget (f->form, GTK_TYPE_WIDGET, name);

  g_assert_nonnull (w);
  return w;
}

/* The message under a field, or NULL when none is shown. */
static const char *
message (Fixture    *f,
         const char *name)
{
  g_autofree char *id = g_strconcat (name, "-message", NULL);
  GtkWidget *label = field (f, id);

  if (!gtk_widget_get_visible (gtk_widget_get_parent (label)))
    return NULL;

  return gtk_label_get_label (GTK_LABEL (label));
}

static gboolean
message_is (Fixture    *f,
            const char *name,
            const char *css_class)
{
  g_autofree char *id = g_strconcat (name, "-message", NULL);

  return message (f, name) != NULL && gtk_widget_has_css_class (field (f, id), css_class);
}

static gboolean
save_sensitive (Fixture *f)
{
  return gtk_widget_get_sensitive (field (f, "save"));
}

static void
test_url_validation (Fixture       *f,
                     gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *normalized = NULL;
  g_autofree char *jwt = views_test_make_jwt ("anon", NULL, 3600);

  set_field (f, "name", "Test");
  set_field (f, "key", jwt);

  /* Nothing typed yet: a hint, no error. */
  g_assert_false (message_is (f, "url", "error"));
  g_assert_false (save_sensitive (f));

  /* Garbage: the normaliser's own message, on the row. */
  set_field (f, "url", "not a url");
  normalized = supa_project_url_normalize ("not a url", NULL, &error);
  g_assert_null (normalized);
  g_assert_nonnull (error);
  g_assert_true (message_is (f, "url", "error"));
  g_assert_cmpstr (message (f, "url"), ==, error->message);
  g_assert_true (gtk_widget_has_css_class (field (f, "url"), "error"));
  g_assert_false (save_sensitive (f));
  g_clear_error (&error);

  /* Emptied again after typing: asks for the URL. */
  set_field (f, "url", "");
  g_assert_true (message_is (f, "url", "error"));
  g_assert_nonnull (strstr (message (f, "url"), "Enter the project URL"));
  g_assert_false (save_sensitive (f));

  /* Another scheme. */
  set_field (f, "url", "ftp://example.com");
  normalized = supa_project_url_normalize ("ftp://example.com", NULL, &error);
  g_assert_null (normalized);
  g_assert_true (message_is (f, "url", "error"));
  g_assert_cmpstr (message (f, "url"), ==, error->message);
  g_assert_false (save_sensitive (f));
  g_clear_error (&error);

  /* A good URL clears the error and enables Save. */
  set_field (f, "url", "https://abcdefghijklmnopqrst.supabase.co/");
  g_assert_false (message_is (f, "url", "error"));
  g_assert_false (gtk_widget_has_css_class (field (f, "url"), "error"));
  g_assert_true (save_sensitive (f));
  g_assert_true (supa_connect_form_get_valid (SUPA_CONNECT_FORM (f->form)));
}

/* Clicks the dialog's button for a response, as a person would. */
static void
click_response (GtkWindow  *dialog,
                const char *label)
{
  GtkWidget *child = GTK_WIDGET (dialog);
  GtkWidget *button = NULL;
  GPtrArray *stack = g_ptr_array_new ();

  g_ptr_array_add (stack, child);
  while (stack->len > 0 && button == NULL)
    {
      GtkWidget *w = g_ptr_array_steal_index (stack, stack->len - 1);

      if (GTK_IS_BUTTON (w) && g_strcmp0 (gtk_button_get_label (GTK_BUTTON (w)), label) == 0)
        button = w;
      for (GtkWidget *c = gtk_widget_get_first_child (w); c; c = gtk_widget_get_next_sibling (c))
        g_ptr_array_add (stack, c);
    }
  g_ptr_array_unref (stack);

  g_assert_nonnull (button);
  g_signal_emit_by_name (button, "clicked");
}

static void
test_insecure_http_confirmation (Fixture       *f,
                                 gconstpointer  data)
{
  g_autofree char *jwt = views_test_make_jwt ("anon", NULL, 3600);
  GtkWindow *dialog;

  set_field (f, "name", "Remote over HTTP");
  set_field (f, "url", "http://example.com");
  set_field (f, "key", jwt);

  /* Valid, with a warning about plain HTTP. */
  g_assert_true (save_sensitive (f));
  g_assert_true (message_is (f, "url", "warning"));

  /* Save asks first. */
  g_signal_emit_by_name (field (f, "save"), "clicked");
  dialog = views_test_find_toplevel (ADW_TYPE_MESSAGE_DIALOG, NULL);
  g_assert_nonnull (dialog);
  g_assert_cmpstr (adw_message_dialog_get_heading (ADW_MESSAGE_DIALOG (dialog)), ==,
                   "Connect without encryption?");
  g_assert_nonnull (strstr (adw_message_dialog_get_body (ADW_MESSAGE_DIALOG (dialog)), "example.com"));
  g_assert_cmpstr (adw_message_dialog_get_default_response (ADW_MESSAGE_DIALOG (dialog)), ==, "cancel");

  /* Cancel keeps the form as typed and saves nothing. */
  click_response (dialog, "_Cancel");
  views_test_wait_until (views_test_find_toplevel (ADW_TYPE_MESSAGE_DIALOG, NULL) == NULL);
  views_test_spin (100);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (f->store)), ==, 0);
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (field (f, "url"))), ==, "http://example.com");
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (field (f, "key"))), ==, jwt);
  g_assert_false (supa_connect_form_get_busy (SUPA_CONNECT_FORM (f->form)));

  /* Confirming goes ahead and saves. */
  g_signal_emit_by_name (field (f, "save"), "clicked");
  dialog = views_test_find_toplevel (ADW_TYPE_MESSAGE_DIALOG, NULL);
  g_assert_nonnull (dialog);
  click_response (dialog, "Connect _Anyway");
  views_test_wait_until (g_list_model_get_n_items (G_LIST_MODEL (f->store)) == 1);
  g_assert_nonnull (supa_profile_store_find_by_name (f->store, "Remote over HTTP"));

  /* Loopback needs no confirmation. */
  set_field (f, "url", "http://127.0.0.1:54321");
  g_assert_false (message_is (f, "url", "warning"));
}

static void
test_key_validation (Fixture       *f,
                     gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SupaKeyInfo) info = NULL;
  g_autofree char *no_role = views_test_make_jwt (NULL, "abcdefghijklmnopqrst", 3600);
  g_autofree char *anon = views_test_make_jwt ("anon", "abcdefghijklmnopqrst", 3600);
  g_autofree char *service = views_test_make_jwt ("service_role", NULL, 0);
  g_autofree char *secret = NULL;
  g_autofree char *uuid = g_uuid_string_random ();
  char *dot;

  set_field (f, "name", "Keys");
  set_field (f, "url", "https://abcdefghijklmnopqrst.supabase.co");

  /* Empty after typing. */
  set_field (f, "key", "x");
  set_field (f, "key", "");
  g_assert_true (message_is (f, "key", "error"));
  g_assert_false (save_sensitive (f));

  /* Two parts only. */
  set_field (f, "key", "eyJhbGciOiJIUzI1NiJ9.eyJyb2xlIjoiYW5vbiJ9");
  info = supa_key_info_parse ("eyJhbGciOiJIUzI1NiJ9.eyJyb2xlIjoiYW5vbiJ9", &error);
  g_assert_null (info);
  g_assert_true (message_is (f, "key", "error"));
  g_assert_cmpstr (message (f, "key"), ==, error->message);
  g_assert_false (save_sensitive (f));
  g_clear_error (&error);

  /* A JWT without a role claim. */
  set_field (f, "key", no_role);
  info = supa_key_info_parse (no_role, &error);
  g_assert_null (info);
  g_assert_true (message_is (f, "key", "error"));
  g_assert_cmpstr (message (f, "key"), ==, error->message);
  g_assert_null (strstr (message (f, "key"), no_role));
  g_assert_false (save_sensitive (f));
  g_clear_error (&error);

  /* A new-style secret key: valid, with the RLS warning. */
  for (dot = uuid; *dot; dot++)
    if (*dot == '-')
      *dot = '_';
  secret = g_strconcat ("sb_secret_", uuid, NULL);
  set_field (f, "key", secret);
  g_assert_true (message_is (f, "key", "warning"));
  g_assert_nonnull (strstr (message (f, "key"), "bypasses row level security"));
  g_assert_null (strstr (message (f, "key"), secret));
  g_assert_true (save_sensitive (f));

  /* A service_role JWT: same warning, naming the role. */
  set_field (f, "key", service);
  g_assert_true (message_is (f, "key", "warning"));
  g_assert_nonnull (strstr (message (f, "key"), "service_role"));
  g_assert_nonnull (strstr (message (f, "key"), "bypasses row level security"));

  /* An anon JWT: the role, no warning. */
  set_field (f, "key", anon);
  g_assert_false (message_is (f, "key", "warning"));
  g_assert_false (message_is (f, "key", "error"));
  g_assert_nonnull (message (f, "key"));
  g_assert_nonnull (strstr (message (f, "key"), "anon"));
  g_assert_true (save_sensitive (f));

  /* The name is required too. */
  set_field (f, "name", "   ");
  g_assert_true (message_is (f, "name", "error"));
  g_assert_false (save_sensitive (f));
}

static void
test_enter_submits (Fixture       *f,
                    gconstpointer  data)
{
  g_autofree char *anon = views_test_make_jwt ("anon", NULL, 3600);
  GtkWidget *key_row = field (f, "key");

  set_field (f, "name", "Enter");
  set_field (f, "url", "http://localhost:9");

  /* Enter on an incomplete form points at what is missing. */
  g_signal_emit_by_name (key_row, "entry-activated");
  g_assert_true (message_is (f, "key", "error"));
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (f->store)), ==, 0);

  set_field (f, "key", anon);
  g_signal_emit_by_name (key_row, "entry-activated");
  views_test_wait_until (g_list_model_get_n_items (G_LIST_MODEL (f->store)) == 1);
}

static gboolean
all_rows_done (GtkWidget *list)
{
  GtkWidget *child;
  guint n = 0;

  for (child = gtk_widget_get_first_child (list); child; child = gtk_widget_get_next_sibling (child))
    {
      if (!SUPA_IS_HEALTH_ROW (child))
        continue;
      if (supa_service_health_get_state (supa_health_row_get_health (SUPA_HEALTH_ROW (child))) == SUPA_HEALTH_PENDING)
        return FALSE;
      n++;
    }

  return n == 4;
}

static void
test_connection_test (Fixture       *f,
                      gconstpointer  data)
{
  g_autoptr(SoupServer) server = NULL;
  g_autofree char *base = views_test_start_fake_supabase (&server);
  g_autofree char *anon = views_test_make_jwt ("anon", NULL, 3600);
  GtkWidget *list = field (f, "test-results");
  GtkWidget *child;

  set_field (f, "name", "Tested");
  set_field (f, "url", base);
  set_field (f, "key", anon);
  g_assert_true (gtk_widget_get_sensitive (field (f, "test")));

  g_signal_emit_by_name (field (f, "test"), "clicked");
  g_assert_true (gtk_widget_get_visible (gtk_widget_get_parent (list)));
  views_test_wait_until (all_rows_done (list));

  for (child = gtk_widget_get_first_child (list); child; child = gtk_widget_get_next_sibling (child))
    {
      SupaServiceHealth *health;

      if (!SUPA_IS_HEALTH_ROW (child))
        continue;

      health = supa_health_row_get_health (SUPA_HEALTH_ROW (child));
      g_assert_cmpint (supa_service_health_get_state (health), ==, SUPA_HEALTH_OK);
      g_assert_cmpstr (adw_action_row_get_subtitle (ADW_ACTION_ROW (child)), ==,
                       supa_service_health_get_message (health));
    }

  /* Testing saves nothing. */
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (f->store)), ==, 0);

  /* A wrong host: a precise failure, not a hang. */
  set_field (f, "url", "http://127.0.0.1:9");
  g_signal_emit_by_name (field (f, "test"), "clicked");
  views_test_wait_until (all_rows_done (list));
  for (child = gtk_widget_get_first_child (list); child; child = gtk_widget_get_next_sibling (child))
    if (SUPA_IS_HEALTH_ROW (child))
      {
        SupaServiceHealth *health = supa_health_row_get_health (SUPA_HEALTH_ROW (child));

        g_assert_cmpint (supa_service_health_get_state (health), ==, SUPA_HEALTH_FAILED);
        g_assert_cmpstr (supa_service_health_get_message (health), !=, "");
      }
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
lookup_cb (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  char **out = user_data;
  g_autoptr(GError) error = NULL;

  *out = supa_profile_store_lookup_key_finish (SUPA_PROFILE_STORE (object), result, &error);
  g_assert_no_error (error);
  g_assert_nonnull (*out);
}

static void
test_edit_keeps_key (Fixture       *f,
                     gconstpointer  data)
{
  g_autoptr(SupaProfile) profile = supa_profile_new ("5f0b7c1e-9a51-4c3a-8f0d-2b7e1c9a4d10");
  g_autofree char *jwt = views_test_make_jwt ("anon", NULL, 3600);
  g_autofree char *key = NULL;
  GtkWidget *form;
  SupaProfile *saved;
  gboolean done = FALSE;

  supa_profile_set_name (profile, "Before");
  supa_profile_set_url (profile, "https://abcdefghijklmnopqrst.supabase.co");
  supa_profile_set_role (profile, "anon");
  supa_profile_set_tag (profile, "production");
  supa_profile_set_color (profile, "red");
  supa_profile_store_save_async (f->store, profile, jwt, NULL, save_cb, &done);
  views_test_wait_until (done);

  /* An edit form, filled from the profile; the key stays empty. */
  form = supa_connect_form_new (f->store, supa_profile_store_find_by_id (f->store, supa_profile_get_id (profile)));
  gtk_window_set_child (f->window, form);
  f->form = form;
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (field (f, "name"))), ==, "Before");
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (field (f, "url"))), ==, "https://abcdefghijklmnopqrst.supabase.co");
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (field (f, "key"))), ==, "");
  g_assert_cmpuint (adw_combo_row_get_selected (ADW_COMBO_ROW (field (f, "tag"))), ==, 3);
  g_assert_cmpuint (adw_combo_row_get_selected (ADW_COMBO_ROW (field (f, "color"))), ==, 5);
  g_assert_true (message_is (f, "key", "dim-label"));
  g_assert_true (save_sensitive (f));

  set_field (f, "name", "After");
  supa_connect_form_save (SUPA_CONNECT_FORM (form));
  views_test_wait_until (supa_profile_store_find_by_name (f->store, "After") != NULL);

  saved = supa_profile_store_find_by_name (f->store, "After");
  g_assert_cmpstr (supa_profile_get_id (saved), ==, supa_profile_get_id (profile));
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (f->store)), ==, 1);
  g_assert_cmpstr (supa_profile_get_tag (saved), ==, "production");

  /* The stored key is untouched. */
  supa_profile_store_lookup_key_async (f->store, saved, NULL, lookup_cb, &key);
  views_test_wait_until (key != NULL);
  g_assert_cmpstr (key, ==, jwt);
}

int
main (int   argc,
      char *argv[])
{
  views_test_init (&argc, &argv);

  g_test_add ("/connect-form/url", Fixture, NULL, fixture_set_up, test_url_validation, fixture_tear_down);
  g_test_add ("/connect-form/insecure-http", Fixture, NULL, fixture_set_up, test_insecure_http_confirmation, fixture_tear_down);
  g_test_add ("/connect-form/key", Fixture, NULL, fixture_set_up, test_key_validation, fixture_tear_down);
  g_test_add ("/connect-form/enter-submits", Fixture, NULL, fixture_set_up, test_enter_submits, fixture_tear_down);
  g_test_add ("/connect-form/edit-keeps-key", Fixture, NULL, fixture_set_up, test_edit_keeps_key, fixture_tear_down);
  g_test_add ("/connect-form/test-connection", Fixture, NULL, fixture_set_up, test_connection_test, fixture_tear_down);

  return g_test_run ();
}
