/* bench-seed-large.c — a cold start of supabase-local --seed demo-large.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Target: "demo-large adds a 1,000,000-row table and 100,000 auth users,
 * generated in SQL in under a minute." The server is started without the
 * template cache (SUPABASE_LOCAL_NO_CACHE=1) so the seed SQL really runs;
 * its ready line must arrive within 60 s, and then public.events must hold
 * 1,000,000 rows and auth.users at least 100,000.
 *
 * The server is spawned here rather than through supa_test_server_start()
 * so that a start slower than 60 s is measured and reported instead of
 * aborting.
 */

#define _GNU_SOURCE
#define G_LOG_DOMAIN "bench-seed-large"

#include "config.h"

#include "bench-common.h"

#include <gio/gio.h>
#include <libpq-fe.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#define TARGET_S         60.0
#define GIVE_UP_S        300.0
#define STOP_TIMEOUT_S   30
#define EVENTS_ROWS      "1000000"
#define MIN_AUTH_USERS   100000

static pid_t parent_pid;

static void
child_setup (gpointer data)
{
  /* The server (and through it PostgreSQL) must not outlive us. */
  prctl (PR_SET_PDEATHSIG, SIGTERM);
  if (getppid () != parent_pid)
    _exit (1);
}

typedef struct
{
  GDataInputStream *out;
  GDataInputStream *err;
  char             *ready_line;
  gboolean          out_done;
  gboolean          err_done;
  double            ready_at;
  gint64            pg_ready_ms;       /* from "PostgreSQL ready … in N ms", or -1 */
} Child;

static void read_err (Child *child);

static void
err_line_cb (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  Child *child = user_data;
  g_autofree char *line = g_data_input_stream_read_line_finish_utf8 (G_DATA_INPUT_STREAM (source),
                                                                     result, NULL, NULL);
  const char *in;

  if (line == NULL)
    {
      child->err_done = TRUE;
      return;
    }
  /* Pass the server's log through; it never holds secrets. */
  fprintf (stderr, "%s\n", line);
  in = strstr (line, "PostgreSQL ready on port ");
  if (in != NULL && (in = strstr (in, " in ")) != NULL)
    child->pg_ready_ms = g_ascii_strtoll (in + 4, NULL, 10);
  read_err (child);
}

static void
read_err (Child *child)
{
  g_data_input_stream_read_line_async (child->err, G_PRIORITY_DEFAULT, NULL, err_line_cb, child);
}

static void
out_line_cb (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  Child *child = user_data;

  child->ready_line = g_data_input_stream_read_line_finish_utf8 (G_DATA_INPUT_STREAM (source),
                                                                result, NULL, NULL);
  child->ready_at = bench_now ();
  child->out_done = TRUE;
}

static void
wait_cb (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  gboolean *done = user_data;

  g_subprocess_wait_finish (G_SUBPROCESS (source), result, NULL);
  *done = TRUE;
}

static gboolean
tick_cb (gpointer user_data)
{
  return G_SOURCE_CONTINUE; /* only wakes the loop so deadlines are checked */
}

static void
stop_server (GSubprocess *process,
             Child       *child)
{
  gboolean done = FALSE;
  double deadline = bench_now () + STOP_TIMEOUT_S;
  guint tick = g_timeout_add (100, tick_cb, NULL);

  g_subprocess_send_signal (process, SIGTERM);
  g_subprocess_wait_async (process, NULL, wait_cb, &done);
  while (!done && bench_now () < deadline)
    g_main_context_iteration (NULL, TRUE);
  g_source_remove (tick);
  if (!done)
    {
      fprintf (stderr, "supabase-local did not stop within %d s; killing it\n", STOP_TIMEOUT_S);
      g_subprocess_force_exit (process);
      while (!done)
        g_main_context_iteration (NULL, TRUE);
    }
  /* Let the stream reads see end-of-file before the streams go away. */
  while (!child->err_done || !child->out_done)
    g_main_context_iteration (NULL, TRUE);
}

/* Runs @sql and returns the first value as an integer, or -1 on error
 * (reported through @bench). */
static gint64
query_int (Bench      *bench,
           PGconn     *conn,
           const char *sql)
{
  PGresult *res = PQexec (conn, sql);
  gint64 value = -1;

  if (PQresultStatus (res) == PGRES_TUPLES_OK && PQntuples (res) == 1 && !PQgetisnull (res, 0, 0))
    value = g_ascii_strtoll (PQgetvalue (res, 0, 0), NULL, 10);
  else
    bench_miss (bench, "`%s` failed: %s", sql, PQresultErrorMessage (res));
  PQclear (res);
  return value;
}

static void
check_counts (Bench       *bench,
              const char  *db_url,
              JsonBuilder *json)
{
  PGconn *conn = PQconnectdb (db_url);
  gint64 events, users, identities;
  double t0;

  if (PQstatus (conn) != CONNECTION_OK)
    {
      bench_miss (bench, "cannot connect to the database: %s", PQerrorMessage (conn));
      PQfinish (conn);
      return;
    }
  t0 = bench_now ();
  events = query_int (bench, conn, "SELECT count(*) FROM public.events");
  users = query_int (bench, conn, "SELECT count(*) FROM auth.users");
  identities = query_int (bench, conn, "SELECT count(*) FROM auth.identities");
  printf ("counts (%.2f s): public.events %" G_GINT64_FORMAT ", auth.users %" G_GINT64_FORMAT
          ", auth.identities %" G_GINT64_FORMAT "\n",
          bench_now () - t0, events, users, identities);
  bench_json_int (json, "events_rows", events);
  bench_json_int (json, "auth_users", users);
  bench_json_int (json, "auth_identities", identities);

  if (events >= 0 && events != g_ascii_strtoll (EVENTS_ROWS, NULL, 10))
    bench_miss (bench, "public.events has %" G_GINT64_FORMAT " rows, expected " EVENTS_ROWS, events);
  if (users >= 0 && users < MIN_AUTH_USERS)
    bench_miss (bench, "auth.users has %" G_GINT64_FORMAT " rows, expected at least %d "
                "(the large auth seed is missing or incomplete)", users, MIN_AUTH_USERS);
  PQfinish (conn);
}

int
main (int    argc,
      char **argv)
{
  g_autoptr(Bench) bench = bench_new ("seed-large");
  g_autoptr(JsonBuilder) json = bench_json_begin (bench);
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  const char *exe = g_getenv ("SUPABASE_LOCAL");
  const char *args[] = { exe, "--port", "0", "--seed", "demo-large", NULL };
  Child child = { .pg_ready_ms = -1 };
  double t0, elapsed;
  JsonNode *root;
  JsonObject *o;

  setvbuf (stdout, NULL, _IOLBF, 0);
  if (exe == NULL || *exe == '\0')
    {
      bench_miss (bench, "$SUPABASE_LOCAL is not set (run with `meson test --benchmark`)");
      return bench_finish (bench, json);
    }

  /* No --workdir: the server makes a temporary one and removes it on exit. */
  parent_pid = getpid ();
  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE);
  g_subprocess_launcher_setenv (launcher, "SUPABASE_LOCAL_NO_CACHE", "1", TRUE);
  g_subprocess_launcher_set_child_setup (launcher, child_setup, NULL, NULL);
  t0 = bench_now ();
  process = g_subprocess_launcher_spawnv (launcher, args, &error);
  if (process == NULL)
    {
      bench_miss (bench, "cannot start %s: %s", exe, error->message);
      return bench_finish (bench, json);
    }
  child.out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (process));
  child.err = g_data_input_stream_new (g_subprocess_get_stderr_pipe (process));
  g_data_input_stream_read_line_async (child.out, G_PRIORITY_DEFAULT, NULL, out_line_cb, &child);
  read_err (&child);

  printf ("starting supabase-local --seed demo-large without the template cache …\n");
  {
    guint tick = g_timeout_add (250, tick_cb, NULL);

    while (!child.out_done && bench_now () - t0 < GIVE_UP_S)
      g_main_context_iteration (NULL, TRUE);
    g_source_remove (tick);
  }
  elapsed = (child.out_done ? child.ready_at : bench_now ()) - t0;

  if (child.ready_line == NULL)
    {
      if (child.out_done)
        bench_miss (bench, "supabase-local exited after %.1f s without getting ready (see its log above)",
                    elapsed);
      else
        bench_miss (bench, "supabase-local was not ready after %.0f s", GIVE_UP_S);
    }
  else
    {
      printf ("ready line after %.2f s (PostgreSQL with the seed SQL: %" G_GINT64_FORMAT " ms)\n",
              elapsed, child.pg_ready_ms);
      if (elapsed > TARGET_S)
        bench_miss (bench, "the demo-large start took %.1f s, target under %.0f s", elapsed, TARGET_S);

      if (!json_parser_load_from_data (parser, child.ready_line, -1, &error) ||
          (root = json_parser_get_root (parser)) == NULL || !JSON_NODE_HOLDS_OBJECT (root) ||
          !json_object_has_member ((o = json_node_get_object (root)), "db_url"))
        bench_miss (bench, "the ready line is not the documented JSON object");
      else
        check_counts (bench, json_object_get_string_member (o, "db_url"), json);
    }
  bench_json_ms (json, "ready_ms", elapsed);
  bench_json_int (json, "postgres_ready_ms", child.pg_ready_ms);
  bench_json_ms (json, "target_ms", TARGET_S);

  stop_server (process, &child);
  g_free (child.ready_line);
  g_clear_object (&child.out);
  g_clear_object (&child.err);
  return bench_finish (bench, json);
}
