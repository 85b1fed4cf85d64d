/* supa-test-server.c — starts supabase-local for one test program.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define _GNU_SOURCE
#define G_LOG_DOMAIN "supa-test-server"

#include "supa-test-server.h"

#include <errno.h>
#include <ftw.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <libpq-fe.h>

#define START_TIMEOUT_S 60
#define STOP_TIMEOUT_S  30

typedef struct
{
  SupaTestServer    pub;
  GDataInputStream *out;         /* the server's stdout, kept open */
} ServerPrivate;

typedef struct
{
  SupaTestResponse  pub;
  char             *text;
} ResponsePrivate;

static pid_t parent_pid;

static void
child_setup (gpointer data)
{
  /* The server (and through it PostgreSQL) must not outlive the test. */
  prctl (PR_SET_PDEATHSIG, SIGTERM);
  if (getppid () != parent_pid)
    _exit (1);
}

typedef struct
{
  GMainContext *context;
  char         *line;
  GError       *error;
  gboolean      done;
  gboolean      timed_out;
} LineWait;

static void
read_line_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  LineWait *w = user_data;

  w->line = g_data_input_stream_read_line_finish_utf8 (G_DATA_INPUT_STREAM (source), result,
                                                      NULL, &w->error);
  w->done = TRUE;
}

static gboolean
timeout_cb (gpointer user_data)
{
  LineWait *w = user_data;

  w->timed_out = TRUE;
  return G_SOURCE_REMOVE;
}

static const char *
member_string (JsonObject *o,
               const char *name)
{
  JsonNode *n = json_object_get_member (o, name);

  if (n == NULL || !JSON_NODE_HOLDS_VALUE (n) || json_node_get_value_type (n) != G_TYPE_STRING)
    g_error ("supabase-local's ready line has no string \"%s\"", name);
  return json_node_get_string (n);
}

static int
rm_one (const char        *path,
        const struct stat *sb,
        int                flag,
        struct FTW        *ftwbuf)
{
  remove (path);
  return 0;
}

static void
rm_rf (const char *path)
{
  if (path != NULL)
    nftw (path, rm_one, 32, FTW_DEPTH | FTW_PHYS);
}

SupaTestServer *
supa_test_server_start (const char         *seed,
                        const char * const *extra_args)
{
  ServerPrivate *priv = g_new0 (ServerPrivate, 1);
  SupaTestServer *server = &priv->pub;
  const char *exe = g_getenv ("SUPABASE_LOCAL");
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GMainContext) context = g_main_context_new ();
  g_autoptr(GSource) timeout = NULL;
  LineWait w = { 0 };
  JsonNode *root;
  JsonObject *o;

  if (exe == NULL || *exe == '\0')
    g_error ("$SUPABASE_LOCAL is not set (run the tests with `meson test`)");

  server->workdir = g_dir_make_tmp ("supa-test-XXXXXX", &error);
  if (server->workdir == NULL)
    g_error ("Cannot create a work directory: %s", error->message);

  g_ptr_array_add (argv, (gpointer) exe);
  g_ptr_array_add (argv, (gpointer) "--port");
  g_ptr_array_add (argv, (gpointer) "0");
  g_ptr_array_add (argv, (gpointer) "--workdir");
  g_ptr_array_add (argv, server->workdir);
  g_ptr_array_add (argv, (gpointer) "--seed");
  g_ptr_array_add (argv, (gpointer) (seed ? seed : "empty"));
  for (guint i = 0; extra_args && extra_args[i]; i++)
    g_ptr_array_add (argv, (gpointer) extra_args[i]);
  g_ptr_array_add (argv, NULL);

  parent_pid = getpid ();
  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  g_subprocess_launcher_set_child_setup (launcher, child_setup, NULL, NULL);
  server->process = g_subprocess_launcher_spawnv (launcher,
                                                  (const char * const *) argv->pdata,
                                                  &error);
  if (server->process == NULL)
    g_error ("Cannot start %s: %s", exe, error->message);

  priv->out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (server->process));

  g_main_context_push_thread_default (context);
  w.context = context;
  g_data_input_stream_read_line_async (priv->out, G_PRIORITY_DEFAULT, NULL, read_line_cb, &w);
  timeout = g_timeout_source_new_seconds (START_TIMEOUT_S);
  g_source_set_callback (timeout, timeout_cb, &w, NULL);
  g_source_attach (timeout, context);
  while (!w.done && !w.timed_out)
    g_main_context_iteration (context, TRUE);
  g_source_destroy (timeout);
  if (!w.done)
    {
      /* Let the pending read finish on the closed pipe before bailing. */
      g_subprocess_force_exit (server->process);
      while (!w.done)
        g_main_context_iteration (context, TRUE);
    }
  g_main_context_pop_thread_default (context);

  if (w.timed_out)
    g_error ("supabase-local did not get ready within %d s", START_TIMEOUT_S);
  if (w.line == NULL)
    g_error ("supabase-local exited before it was ready%s%s (see its stderr above)",
             w.error ? ": " : "", w.error ? w.error->message : "");

  if (!json_parser_load_from_data (parser, w.line, -1, &error))
    g_error ("supabase-local printed an invalid ready line: %s", error->message);
  g_free (w.line);
  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    g_error ("supabase-local's ready line is not a JSON object");
  o = json_node_get_object (root);
  server->url = g_strdup (member_string (o, "url"));
  server->anon_key = g_strdup (member_string (o, "anon_key"));
  server->service_role_key = g_strdup (member_string (o, "service_role_key"));
  server->jwt_secret = g_strdup (member_string (o, "jwt_secret"));
  server->db_url = g_strdup (member_string (o, "db_url"));

  server->session = soup_session_new_with_options ("timeout", 300,
                                                   "max-conns-per-host", 32,
                                                   NULL);
  /* Loopback only: no proxy, so no system proxy settings are consulted
   * (their GSettings schemas are not visible under ISOLATE_DIRS). */
  soup_session_set_proxy_resolver (server->session, NULL);
  return server;
}

typedef struct
{
  gboolean done;
} WaitData;

static void
wait_cb (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  WaitData *d = user_data;

  g_subprocess_wait_finish (G_SUBPROCESS (source), result, NULL);
  d->done = TRUE;
}

static gboolean
wait_timeout_cb (gpointer user_data)
{
  gboolean *timed_out = user_data;

  *timed_out = TRUE;
  return G_SOURCE_REMOVE;
}

void
supa_test_server_stop (SupaTestServer *server)
{
  ServerPrivate *priv = (ServerPrivate *) server;
  g_autoptr(GMainContext) context = NULL;
  g_autoptr(GSource) timeout = NULL;
  WaitData d = { FALSE };
  gboolean timed_out = FALSE;

  if (server == NULL)
    return;

  if (server->session != NULL)
    soup_session_abort (server->session);
  g_clear_object (&server->session);

  context = g_main_context_new ();
  g_main_context_push_thread_default (context);
  g_subprocess_send_signal (server->process, SIGTERM);
  g_subprocess_wait_async (server->process, NULL, wait_cb, &d);
  timeout = g_timeout_source_new_seconds (STOP_TIMEOUT_S);
  g_source_set_callback (timeout, wait_timeout_cb, &timed_out, NULL);
  g_source_attach (timeout, context);
  while (!d.done && !timed_out)
    g_main_context_iteration (context, TRUE);
  if (!d.done)
    {
      g_test_message ("supabase-local did not stop within %d s; killing it", STOP_TIMEOUT_S);
      g_subprocess_force_exit (server->process);
      while (!d.done)
        g_main_context_iteration (context, TRUE);
    }
  g_source_destroy (timeout);
  g_main_context_pop_thread_default (context);

  if (!g_subprocess_get_if_exited (server->process) ||
      g_subprocess_get_exit_status (server->process) != 0)
    g_test_message ("supabase-local did not exit cleanly");

  rm_rf (server->workdir);

  g_clear_object (&priv->out);
  g_clear_object (&server->process);
  g_free (server->workdir);
  g_free (server->url);
  g_free (server->anon_key);
  g_free (server->service_role_key);
  g_free (server->jwt_secret);
  g_free (server->db_url);
  g_free (priv);
}

SupaTestResponse *
supa_test_request (SupaTestServer     *server,
                   const char         *method,
                   const char         *path_and_query,
                   const char * const *headers,
                   const char         *content_type,
                   const char         *body,
                   gssize              body_len)
{
  ResponsePrivate *priv = g_new0 (ResponsePrivate, 1);
  SupaTestResponse *response = &priv->pub;
  g_autofree char *uri = NULL;
  g_autoptr(SoupMessage) msg = NULL;
  g_autoptr(GError) error = NULL;
  SoupMessageHeaders *req_headers;
  const char *ct;
  gsize len = 0;
  const char *data;

  g_return_val_if_fail (server != NULL, NULL);
  g_return_val_if_fail (method != NULL && path_and_query != NULL, NULL);

  uri = g_strconcat (server->url, path_and_query, NULL);
  msg = soup_message_new (method, uri);
  if (msg == NULL)
    g_error ("Invalid request URI for %s %s", method, path_and_query);

  req_headers = soup_message_get_request_headers (msg);
  for (guint i = 0; headers && headers[i] && headers[i + 1]; i += 2)
    soup_message_headers_append (req_headers, headers[i], headers[i + 1]);
  if (body != NULL)
    {
      g_autoptr(GBytes) bytes = g_bytes_new (body, body_len < 0 ? strlen (body) : (gsize) body_len);

      soup_message_set_request_body_from_bytes (msg, content_type, bytes);
    }

  response->body = soup_session_send_and_read (server->session, msg, NULL, &error);
  if (response->body == NULL)
    {
      g_test_message ("%s %s: %s", method, path_and_query, error->message);
      response->status = 0;
      response->body = g_bytes_new (NULL, 0);
      response->headers = soup_message_headers_new (SOUP_MESSAGE_HEADERS_RESPONSE);
      return response;
    }
  response->status = soup_message_get_status (msg);
  response->headers = soup_message_headers_ref (soup_message_get_response_headers (msg));

  data = g_bytes_get_data (response->body, &len);
  ct = soup_message_headers_get_content_type (response->headers, NULL);
  if (len > 0 && (g_strcmp0 (ct, "application/json") == 0 ||
                  (ct != NULL && g_str_has_suffix (ct, "+json")) ||
                  data[0] == '{' || data[0] == '['))
    {
      g_autoptr(JsonParser) parser = json_parser_new ();

      if (json_parser_load_from_data (parser, data, len, NULL) &&
          json_parser_get_root (parser) != NULL)
        response->json = json_node_copy (json_parser_get_root (parser));
    }
  return response;
}

void
supa_test_response_free (SupaTestResponse *response)
{
  ResponsePrivate *priv = (ResponsePrivate *) response;

  if (response == NULL)
    return;
  g_clear_pointer (&response->headers, soup_message_headers_unref);
  g_clear_pointer (&response->body, g_bytes_unref);
  g_clear_pointer (&response->json, json_node_unref);
  g_free (priv->text);
  g_free (priv);
}

const char *
supa_test_response_header (SupaTestResponse *response,
                           const char       *name)
{
  g_return_val_if_fail (response != NULL, NULL);

  return soup_message_headers_get_one (response->headers, name);
}

const char *
supa_test_response_text (SupaTestResponse *response)
{
  ResponsePrivate *priv = (ResponsePrivate *) response;

  g_return_val_if_fail (response != NULL, NULL);

  if (priv->text == NULL)
    {
      gsize len = 0;
      const char *data = response->body ? g_bytes_get_data (response->body, &len) : NULL;

      priv->text = g_strndup (data ? data : "", len);
    }
  return priv->text;
}

char *
supa_test_server_sql (SupaTestServer *server,
                      const char     *sql)
{
  PGconn *conn;
  PGresult *res;
  ExecStatusType st;
  char *value = NULL;

  g_return_val_if_fail (server != NULL, NULL);
  g_return_val_if_fail (sql != NULL, NULL);

  conn = PQconnectdb (server->db_url);
  if (PQstatus (conn) != CONNECTION_OK)
    g_error ("Cannot connect to supabase-local's database: %s", PQerrorMessage (conn));
  res = PQexec (conn, sql);
  st = PQresultStatus (res);
  if (st == PGRES_TUPLES_OK)
    {
      if (PQntuples (res) > 0 && PQnfields (res) > 0 && !PQgetisnull (res, 0, 0))
        value = g_strdup (PQgetvalue (res, 0, 0));
    }
  else if (st != PGRES_COMMAND_OK)
    {
      g_test_message ("SQL failed: %s", PQresultErrorMessage (res));
    }
  PQclear (res);
  PQfinish (conn);
  return value;
}
