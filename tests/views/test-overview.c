/* test-overview.c — the project overview against a fake Supabase on
 * 127.0.0.1.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>
#include <libsoup/soup.h>

#include "supa-health-row.h"
#include "supa-overview-page.h"
#include "supa-window.h"
#include "views-test-util.h"

typedef struct
{
  SoupServer       *server;
  char             *base;
  SupaProfileStore *store;
  SupaWindow       *window;
} Fixture;

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  f->base = views_test_start_fake_supabase (&f->server);
  f->store = views_test_new_store ();
  f->window = supa_window_new (NULL, f->store, NULL);
  gtk_window_set_default_size (GTK_WINDOW (f->window), 1100, 760);
  gtk_window_present (GTK_WINDOW (f->window));
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  gtk_window_destroy (GTK_WINDOW (f->window));
  g_clear_object (&f->store);
  g_clear_object (&f->server);
  g_clear_pointer (&f->base, g_free);
}

static SupaOverviewPage *
visible_page (Fixture *f)
{
  GtkWidget *stack = views_test_find_widget (GTK_WIDGET (f->window), GTK_TYPE_STACK, "section-stack");
  GtkWidget *page = gtk_stack_get_visible_child (GTK_STACK (stack));

  /* The Tables section shows the overview inside its browser until a
   * table is opened. */
  if (!SUPA_IS_OVERVIEW_PAGE (page))
    page = views_test_find_widget (page, SUPA_TYPE_OVERVIEW_PAGE, NULL);
  g_assert_true (SUPA_IS_OVERVIEW_PAGE (page));
  return SUPA_OVERVIEW_PAGE (page);
}

static guint
count_rows (SupaOverviewPage *page,
            SupaHealthState   state)
{
  GtkWidget *list = views_test_find_widget (GTK_WIDGET (page), GTK_TYPE_LIST_BOX, "services");
  GtkWidget *child;
  guint n = 0;

  for (child = gtk_widget_get_first_child (list); child; child = gtk_widget_get_next_sibling (child))
    if (SUPA_IS_HEALTH_ROW (child) &&
        supa_service_health_get_state (supa_health_row_get_health (SUPA_HEALTH_ROW (child))) == state)
      n++;

  return n;
}

static void
assert_all_ok (Fixture *f)
{
  SupaOverviewPage *page = visible_page (f);
  g_autofree char *text = NULL;

  views_test_wait_until (count_rows (page, SUPA_HEALTH_OK) + count_rows (page, SUPA_HEALTH_FAILED) +
                         count_rows (page, SUPA_HEALTH_DEGRADED) == 4);
  g_assert_cmpuint (count_rows (page, SUPA_HEALTH_OK), ==, 4);

  /* What the user reads: each service, its endpoint and a round trip. */
  text = views_test_collect_text (GTK_WIDGET (page));
  g_assert_nonnull (strstr (text, "Database (REST)"));
  g_assert_nonnull (strstr (text, "Auth"));
  g_assert_nonnull (strstr (text, "Storage"));
  g_assert_nonnull (strstr (text, "Realtime"));
  g_assert_nonnull (strstr (text, "/rest/v1/"));
  g_assert_nonnull (strstr (text, "/realtime/v1/websocket"));
  g_assert_nonnull (strstr (text, " ms\n"));
  g_assert_nonnull (strstr (text, "GoTrue v2.170.0"));
}

static void
test_service_role (Fixture       *f,
                   gconstpointer  data)
{
  g_autofree char *jwt = views_test_make_jwt ("service_role", NULL, 0);
  SupaOverviewPage *page;
  g_autofree char *text = NULL;
  GtkWidget *expiry;

  supa_window_open_transient (f->window, "Fake", f->base, jwt);
  views_test_wait_until (g_strcmp0 (supa_window_get_page (f->window), "project") == 0);
  g_assert_true (supa_window_is_transient (f->window));

  assert_all_ok (f);

  page = visible_page (f);
  g_assert_true (supa_overview_page_get_rls_warning_visible (page));
  text = views_test_collect_text (GTK_WIDGET (page));
  g_assert_nonnull (strstr (text, "This key bypasses row level security. Every change you make applies to all rows and users."));
  g_assert_nonnull (strstr (text, "service_role"));
  g_assert_nonnull (strstr (text, f->base));
  g_assert_null (strstr (text, jwt));

  expiry = views_test_find_widget (GTK_WIDGET (page), GTK_TYPE_LABEL, "expiry");
  g_assert_cmpstr (gtk_label_get_label (GTK_LABEL (expiry)), ==, "Never");

  /* Every section shows the same live overview, under its own title. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->window), "win.section", "s", "users"));
  g_assert_cmpstr (supa_overview_page_get_title (visible_page (f)), ==, "Users");
  g_assert_cmpuint (count_rows (visible_page (f), SUPA_HEALTH_OK), ==, 4);

  /* Refresh runs the checks again. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->window), "win.refresh", NULL));
  views_test_wait_until (count_rows (visible_page (f), SUPA_HEALTH_OK) == 4);
}

static void
test_anon_expired (Fixture       *f,
                   gconstpointer  data)
{
  g_autofree char *jwt = views_test_make_jwt ("anon", "abcdefghijklmnopqrst", -3600);
  SupaOverviewPage *page;
  GtkWidget *expiry;

  supa_window_open_transient (f->window, NULL, f->base, jwt);
  views_test_wait_until (g_strcmp0 (supa_window_get_page (f->window), "project") == 0);
  assert_all_ok (f);

  page = visible_page (f);
  g_assert_false (supa_overview_page_get_rls_warning_visible (page));
  g_assert_cmpstr (supa_profile_get_name (supa_window_get_profile (f->window)), ==, "Command line");

  expiry = views_test_find_widget (GTK_WIDGET (page), GTK_TYPE_LABEL, "expiry");
  g_assert_nonnull (strstr (gtk_label_get_label (GTK_LABEL (expiry)), "expired"));
  g_assert_true (gtk_widget_has_css_class (expiry, "error"));
}

static void
test_save_transient (Fixture       *f,
                     gconstpointer  data)
{
  g_autofree char *jwt = views_test_make_jwt ("anon", NULL, 3600);

  supa_window_open_transient (f->window, "From CLI", f->base, jwt);
  views_test_wait_until (g_strcmp0 (supa_window_get_page (f->window), "project") == 0);

  /* Nothing stored until the user asks. */
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (f->store)), ==, 0);

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->window), "win.save-project", NULL));
  views_test_wait_until (!supa_window_is_transient (f->window));
  g_assert_nonnull (supa_profile_store_find_by_name (f->store, "From CLI"));

  /* Saved profiles reconnect through the keyring and come back OK. */
  views_test_wait_until (g_strcmp0 (supa_window_get_page (f->window), "project") == 0);
  assert_all_ok (f);
}

int
main (int   argc,
      char *argv[])
{
  views_test_init (&argc, &argv);

  g_test_add ("/overview/service-role", Fixture, NULL, fixture_set_up, test_service_role, fixture_tear_down);
  g_test_add ("/overview/anon-expired", Fixture, NULL, fixture_set_up, test_anon_expired, fixture_tear_down);
  g_test_add ("/overview/save-transient", Fixture, NULL, fixture_set_up, test_save_transient, fixture_tear_down);

  return g_test_run ();
}
