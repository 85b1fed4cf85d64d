/* sl-main.c — supabase-local: a Supabase-compatible server for tests.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 *   supabase-local [--port N] [--workdir DIR] [--seed empty|demo|demo-large]
 *                  [--db-schemas A,B,…]
 *                  [--request-log FILE] [--fault SPEC]…
 *
 * Once ready it prints one JSON line on stdout (url, keys, secret, db_url)
 * and serves until SIGTERM/SIGINT. Everything else goes to stderr.
 */

#define G_LOG_DOMAIN "supabase-local"

#include "sl-core-private.h"
#include "sl-rest-private.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <glib-unix.h>

static gboolean stop_requested;

static gboolean
quit_cb (gpointer data)
{
  GMainLoop *loop = data;

  g_printerr ("supabase-local: shutting down\n");
  stop_requested = TRUE;
  g_main_loop_quit (loop);
  return G_SOURCE_CONTINUE;
}

/* Start-up blocks the main loop; a signal that came meanwhile is handled
 * here so that we stop without ever announcing readiness. */
static gboolean
stop_pending (void)
{
  while (g_main_context_iteration (NULL, FALSE))
    ;
  return stop_requested;
}

static void
print_ready_line (SlServer *server)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *line = NULL;

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "url");
  json_builder_add_string_value (b, server->base_url);
  json_builder_set_member_name (b, "anon_key");
  json_builder_add_string_value (b, server->anon_key);
  json_builder_set_member_name (b, "service_role_key");
  json_builder_add_string_value (b, server->service_role_key);
  json_builder_set_member_name (b, "jwt_secret");
  json_builder_add_string_value (b, server->jwt_secret);
  json_builder_set_member_name (b, "db_url");
  json_builder_add_string_value (b, server->db_url);
  json_builder_end_object (b);
  root = json_builder_get_root (b);
  line = json_to_string (root, FALSE);

  fputs (line, stdout);
  fputc ('\n', stdout);
  fflush (stdout);
}

static void
shutdown_server (SlServer *server,
                 gboolean  modules_registered)
{
  SlCore *core = sl_core (server);

  g_atomic_int_set (&core->shutting_down, 1);
  sl_server_stop_listening (server);
  if (modules_registered)
    {
      sl_functions_shutdown (server);
      sl_realtime_shutdown (server);
      sl_storage_shutdown (server);
      sl_auth_shutdown (server);
      sl_rest_shutdown (server);
    }
  sl_server_close (server);
  sl_db_pool_close (server);
  sl_db_cluster_stop (server);
  if (core->workdir_is_temp)
    sl_rm_rf (server->workdir);
}

static void
free_server (SlServer *server)
{
  SlCore *core = sl_core (server);

  sl_faults_free (core->faults);
  g_free (core);
  g_free (server->workdir);
  g_free (server->base_url);
  /* Secrets: overwrite before freeing; nothing else holds them. */
  if (server->jwt_secret)
    memset (server->jwt_secret, 0, strlen (server->jwt_secret));
  g_free (server->jwt_secret);
  g_free (server->anon_key);
  g_free (server->service_role_key);
  if (server->db_url)
    memset (server->db_url, 0, strlen (server->db_url));
  g_free (server->db_url);
  g_free (server->db_conninfo);
  g_free (server->seed);
  g_free (server);
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GMainLoop) loop = NULL;
  g_autofree char *workdir = NULL;
  g_autofree char *seed = NULL;
  g_autofree char *request_log = NULL;
  g_autofree char *db_schemas = NULL;
  g_auto(GStrv) faults = NULL;
  gint port = 0;
  SlServer *server;
  SlCore *core;
  int status = EXIT_SUCCESS;
  guint sig_ids[3];
  const GOptionEntry entries[] = {
    { "port", 'p', 0, G_OPTION_ARG_INT, &port, "HTTP port on 127.0.0.1 (0 = any free port)", "N" },
    { "workdir", 'w', 0, G_OPTION_ARG_FILENAME, &workdir, "Work directory (kept; default: a temporary one, removed on exit)", "DIR" },
    { "seed", 's', 0, G_OPTION_ARG_STRING, &seed, "Data set: empty (default), demo or demo-large", "NAME" },
    { "request-log", 0, 0, G_OPTION_ARG_FILENAME, &request_log, "Append one JSON line per request to FILE", "FILE" },
    { "fault", 0, 0, G_OPTION_ARG_STRING_ARRAY, &faults, "Inject a fault (repeatable; see README.md)", "SPEC" },
    { "db-schemas", 0, 0, G_OPTION_ARG_STRING, &db_schemas, "Schemas the REST API exposes, first = default (like PGRST_DB_SCHEMAS; default: public, graphql_public)", "A,B,…" },
    { NULL }
  };

  g_log_writer_default_set_use_stderr (TRUE);
  signal (SIGPIPE, SIG_IGN);
  /* Installed first: a signal during start-up is handled as soon as we
   * look, and the cleanup below still happens. */
  loop = g_main_loop_new (NULL, FALSE);
  sig_ids[0] = g_unix_signal_add (SIGTERM, quit_cb, loop);
  sig_ids[1] = g_unix_signal_add (SIGINT, quit_cb, loop);
  sig_ids[2] = g_unix_signal_add (SIGHUP, quit_cb, loop);

  /* Whoever started us (a test runner, node, the demo script) may die
   * without stopping us: shut down cleanly then too, so no server or
   * PostgreSQL outlives its test. */
  {
    pid_t parent = getppid ();

    prctl (PR_SET_PDEATHSIG, SIGTERM);
    if (getppid () != parent)
      raise (SIGTERM);
  }

  context = g_option_context_new ("— a Supabase-compatible server for tests");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("supabase-local: %s\n", error->message);
      return 2;
    }
  if (port < 0 || port > 65535)
    {
      g_printerr ("supabase-local: --port must be 0…65535\n");
      return 2;
    }
  if (db_schemas != NULL && !slr_set_db_schemas (db_schemas))
    {
      g_printerr ("supabase-local: --db-schemas must name at least one schema\n");
      return 2;
    }
  if (seed == NULL)
    seed = g_strdup ("empty");
  if (!g_str_equal (seed, "empty") && !g_str_equal (seed, "demo") &&
      !g_str_equal (seed, "demo-large"))
    {
      g_printerr ("supabase-local: --seed must be empty, demo or demo-large\n");
      return 2;
    }

  server = g_new0 (SlServer, 1);
  core = g_new0 (SlCore, 1);
  server->priv = core;
  server->main_context = g_main_context_default ();
  server->seed = g_steal_pointer (&seed);
  core->faults = sl_faults_new ();

  for (guint i = 0; faults && faults[i]; i++)
    if (!sl_faults_add (core->faults, faults[i], &error))
      {
        g_printerr ("supabase-local: %s\n", error->message);
        free_server (server);
        return 2;
      }

  if (workdir != NULL)
    {
      g_autoptr(GFile) file = g_file_new_for_commandline_arg (workdir);

      server->workdir = g_file_get_path (file);
      if (g_mkdir_with_parents (server->workdir, 0700) != 0)
        {
          g_printerr ("supabase-local: cannot create %s: %s\n", server->workdir, g_strerror (errno));
          free_server (server);
          return 1;
        }
    }
  else
    {
      server->workdir = g_dir_make_tmp ("supabase-local-XXXXXX", &error);
      if (server->workdir == NULL)
        {
          g_printerr ("supabase-local: %s\n", error->message);
          free_server (server);
          return 1;
        }
      core->workdir_is_temp = TRUE;
    }

  server->jwt_secret = sl_jwt_random_secret (48);
  server->anon_key = sl_jwt_make_key (server->jwt_secret, "anon");
  server->service_role_key = sl_jwt_make_key (server->jwt_secret, "service_role");

  if (!sl_db_cluster_start (server, &error))
    {
      g_printerr ("supabase-local: cannot start PostgreSQL: %s\n", error->message);
      shutdown_server (server, FALSE);
      status = EXIT_FAILURE;
      goto out;
    }
  if (request_log != NULL && !sl_server_open_request_log (server, request_log, &error))
    {
      g_printerr ("supabase-local: %s\n", error->message);
      shutdown_server (server, FALSE);
      status = EXIT_FAILURE;
      goto out;
    }
  if (!sl_server_listen (server, (guint) port, &error))
    {
      g_printerr ("supabase-local: cannot listen on port %d: %s\n", port, error->message);
      shutdown_server (server, FALSE);
      status = EXIT_FAILURE;
      goto out;
    }

  if (stop_pending ())
    {
      shutdown_server (server, FALSE);
      goto out;
    }

  sl_rest_register (server);
  sl_auth_register (server);
  sl_storage_register (server);
  sl_realtime_register (server);
  sl_functions_register (server);

  g_printerr ("supabase-local: serving %s (workdir %s, seed %s)\n",
              server->base_url, server->workdir, server->seed);
  if (!stop_pending ())
    {
      print_ready_line (server);
      g_main_loop_run (loop);
    }

  shutdown_server (server, TRUE);

out:
  for (guint i = 0; i < G_N_ELEMENTS (sig_ids); i++)
    g_source_remove (sig_ids[i]);
  free_server (server);
  return status;
}
