/* sl-db.c — the private PostgreSQL 15 cluster and its connection pool.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The cluster lives in WORKDIR/pg (data in WORKDIR/pg/data, the unix socket
 * in WORKDIR/pg, the server log in WORKDIR/postgres.log). When we run as
 * root the postgres processes run as the `postgres` system user. The
 * postmaster is our direct child with PR_SET_PDEATHSIG=SIGINT (a fast
 * shutdown), so it cannot outlive us even when we are killed.
 *
 * Bootstrap (initdb + the SQL files) takes a few seconds, so the result is
 * cached as a template cluster keyed by a hash of everything that went into
 * it, under $SUPABASE_LOCAL_CACHE or $XDG_CACHE_HOME/supabase-local, and
 * copied on later runs ($SUPABASE_LOCAL_NO_CACHE=1 disables this).
 */

#define _GNU_SOURCE
#define G_LOG_DOMAIN "supabase-local"

#include "sl-core-private.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/stat.h>
#include <netinet/in.h>
#include <unistd.h>
#include <utime.h>

#include <glib/gstdio.h>

#define POOL_MAX 20

struct _SlCluster
{
  char        *bindir;
  char        *pg_dir;
  char        *data_dir;
  char        *log_path;
  guint        port;
  GSubprocess *postmaster;
  gboolean     drop_privileges;
  uid_t        uid;
  gid_t        gid;
};

struct _SlDbPool
{
  GAsyncQueue *idle;
  GMutex       lock;
  guint        open;             /* connections that exist (idle or lent out) */
  char        *conninfo;
};

/* ------------------------------------------------------------- errors */

typedef struct
{
  char *sqlstate;
  char *detail;
  char *hint;
} SlDbErrorPrivate;

static void
sl_db_error_private_init (SlDbErrorPrivate *priv)
{
}

static void
sl_db_error_private_copy (const SlDbErrorPrivate *src,
                          SlDbErrorPrivate       *dest)
{
  dest->sqlstate = g_strdup (src->sqlstate);
  dest->detail = g_strdup (src->detail);
  dest->hint = g_strdup (src->hint);
}

static void
sl_db_error_private_clear (SlDbErrorPrivate *priv)
{
  g_clear_pointer (&priv->sqlstate, g_free);
  g_clear_pointer (&priv->detail, g_free);
  g_clear_pointer (&priv->hint, g_free);
}

G_DEFINE_EXTENDED_ERROR (SlDbError, sl_db_error)

const char *
sl_db_error_sqlstate (const GError *error)
{
  SlDbErrorPrivate *priv = sl_db_error_get_private (error);

  return priv ? priv->sqlstate : NULL;
}

const char *
sl_db_error_detail (const GError *error)
{
  SlDbErrorPrivate *priv = sl_db_error_get_private (error);

  return priv ? priv->detail : NULL;
}

const char *
sl_db_error_hint (const GError *error)
{
  SlDbErrorPrivate *priv = sl_db_error_get_private (error);

  return priv ? priv->hint : NULL;
}

static void
set_db_error (GError     **error,
              const char  *sqlstate,
              const char  *message,
              const char  *detail,
              const char  *hint)
{
  GError *e;
  SlDbErrorPrivate *priv;
  g_autofree char *msg = g_strdup (message ? message : "unknown database error");

  if (error == NULL)
    return;
  g_strchomp (msg);
  e = g_error_new_literal (SL_DB_ERROR, 0, msg);
  priv = sl_db_error_get_private (e);
  priv->sqlstate = g_strdup (sqlstate);
  priv->detail = g_strdup (detail);
  priv->hint = g_strdup (hint);
  g_propagate_error (error, e);
}

static void
set_error_from_result (GError   **error,
                       PGconn    *conn,
                       PGresult  *res)
{
  if (res == NULL)
    {
      set_db_error (error, "08006", PQerrorMessage (conn), NULL, NULL);
      return;
    }
  set_db_error (error,
                PQresultErrorField (res, PG_DIAG_SQLSTATE),
                PQresultErrorField (res, PG_DIAG_MESSAGE_PRIMARY)
                  ? PQresultErrorField (res, PG_DIAG_MESSAGE_PRIMARY)
                  : PQresultErrorMessage (res),
                PQresultErrorField (res, PG_DIAG_MESSAGE_DETAIL),
                PQresultErrorField (res, PG_DIAG_MESSAGE_HINT));
}

/* ---------------------------------------------------------- utilities */

static void
noop_notice (void       *arg,
             const char *message)
{
}


static int
rm_one (const char        *path,
        const struct stat *sb,
        int                flag,
        struct FTW        *ftwbuf)
{
  if (remove (path) != 0 && errno != ENOENT)
    g_warning ("Cannot remove %s: %s", path, g_strerror (errno));
  return 0;
}

void
sl_rm_rf (const char *path)
{
  if (path == NULL || !g_file_test (path, G_FILE_TEST_EXISTS | G_FILE_TEST_IS_SYMLINK))
    return;
  nftw (path, rm_one, 32, FTW_DEPTH | FTW_PHYS);
}

static char *
conninfo_quote (const char *value)
{
  GString *s = g_string_new ("'");

  for (const char *p = value; *p; p++)
    {
      if (*p == '\'' || *p == '\\')
        g_string_append_c (s, '\\');
      g_string_append_c (s, *p);
    }
  g_string_append_c (s, '\'');
  return g_string_free (s, FALSE);
}

static guint
find_free_port (void)
{
  int fd = socket (AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  struct sockaddr_in addr = { 0 };
  socklen_t len = sizeof addr;
  guint port = 0;

  if (fd < 0)
    return 0;
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
  addr.sin_port = 0;
  if (bind (fd, (struct sockaddr *) &addr, sizeof addr) == 0 &&
      getsockname (fd, (struct sockaddr *) &addr, &len) == 0)
    port = ntohs (addr.sin_port);
  close (fd);
  return port;
}

/* ------------------------------------------------- child processes */

typedef struct
{
  gboolean drop;
  uid_t    uid;
  gid_t    gid;
  int      deathsig;
  pid_t    parent;
} ChildSetup;

/* Runs between fork and exec: async-signal-safe calls only. */
static void
child_setup (gpointer data)
{
  const ChildSetup *cs = data;

  if (cs->drop)
    {
      if (setgroups (1, &cs->gid) != 0 || setgid (cs->gid) != 0 || setuid (cs->uid) != 0)
        _exit (126);
    }
  /* After setuid: changing credentials clears the death signal. */
  if (cs->deathsig != 0)
    {
      prctl (PR_SET_PDEATHSIG, cs->deathsig);
      if (getppid () != cs->parent)
        _exit (1);
    }
}

static GSubprocessLauncher *
make_launcher (SlCluster  *cluster,
               ChildSetup *cs,
               int         deathsig,
               GError    **error)
{
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_NONE);
  int fd;

  fd = open (cluster->log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (fd < 0)
    {
      int saved = errno;
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                   "Cannot open %s: %s", cluster->log_path, g_strerror (saved));
      return NULL;
    }
  g_subprocess_launcher_take_stderr_fd (launcher, dup (fd));
  g_subprocess_launcher_take_stdout_fd (launcher, fd);
  g_subprocess_launcher_setenv (launcher, "LC_ALL", "C.UTF-8", TRUE);
  g_subprocess_launcher_unsetenv (launcher, "PGDATA");
  g_subprocess_launcher_unsetenv (launcher, "PGPORT");
  g_subprocess_launcher_unsetenv (launcher, "PGHOST");

  cs->drop = cluster->drop_privileges;
  cs->uid = cluster->uid;
  cs->gid = cluster->gid;
  cs->deathsig = deathsig;
  cs->parent = getpid ();
  g_subprocess_launcher_set_child_setup (launcher, child_setup, cs, NULL);
  return g_steal_pointer (&launcher);
}

static gboolean
run_tool (SlCluster          *cluster,
          const char * const *argv,
          GError            **error)
{
  ChildSetup cs;
  g_autoptr(GSubprocessLauncher) launcher = make_launcher (cluster, &cs, SIGKILL, error);
  g_autoptr(GSubprocess) proc = NULL;

  if (launcher == NULL)
    return FALSE;
  proc = g_subprocess_launcher_spawnv (launcher, argv, error);
  if (proc == NULL)
    return FALSE;
  if (!g_subprocess_wait (proc, NULL, error))
    return FALSE;
  if (!g_subprocess_get_if_exited (proc) || g_subprocess_get_exit_status (proc) != 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                   "%s failed (see %s)%s", argv[0], cluster->log_path,
                   cluster->drop_privileges
                     ? "; note that the postgres user must be able to reach the work directory"
                     : "");
      return FALSE;
    }
  return TRUE;
}

static gboolean
chown_for_postgres (SlCluster   *cluster,
                    const char  *path,
                    GError     **error)
{
  if (cluster->drop_privileges && chown (path, cluster->uid, cluster->gid) != 0)
    {
      int saved = errno;
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                   "Cannot chown %s to postgres: %s", path, g_strerror (saved));
      return FALSE;
    }
  return TRUE;
}

static gboolean
pid_is_postgres (pid_t pid)
{
  g_autofree char *path = g_strdup_printf ("/proc/%d/comm", (int) pid);
  g_autofree char *comm = NULL;

  if (!g_file_get_contents (path, &comm, NULL, NULL))
    return FALSE;
  return g_str_has_prefix (comm, "postgres") || g_str_has_prefix (comm, "postmaster");
}

static gboolean
wait_pid_gone (pid_t pid,
               guint timeout_ms)
{
  for (guint waited = 0; waited < timeout_ms; waited += 20)
    {
      if (kill (pid, 0) != 0 && errno == ESRCH)
        return TRUE;
      if (!pid_is_postgres (pid))
        return TRUE;
      g_usleep (20 * 1000);
    }
  return FALSE;
}

/* A postmaster left over from a run that was killed (reused --workdir). */
static void
stop_stale_postmaster (const char *data_dir)
{
  g_autofree char *pidfile = g_build_filename (data_dir, "postmaster.pid", NULL);
  g_autofree char *contents = NULL;
  gint64 pid;

  if (!g_file_get_contents (pidfile, &contents, NULL, NULL))
    return;
  pid = g_ascii_strtoll (contents, NULL, 10);
  if (pid <= 1 || !pid_is_postgres ((pid_t) pid))
    return;
  g_printerr ("supabase-local: stopping a stale postmaster (pid %" G_GINT64_FORMAT ") in %s\n",
              pid, data_dir);
  kill ((pid_t) pid, SIGINT);
  if (!wait_pid_gone ((pid_t) pid, 10000))
    {
      kill ((pid_t) pid, SIGQUIT);
      if (!wait_pid_gone ((pid_t) pid, 5000))
        kill ((pid_t) pid, SIGKILL);
    }
}

/* -------------------------------------------------------- postmaster */

static char *
cluster_conninfo (SlCluster *cluster)
{
  g_autofree char *host = conninfo_quote (cluster->pg_dir);

  return g_strdup_printf ("host=%s port=%u user=postgres dbname=postgres "
                          "application_name=supabase-local connect_timeout=10",
                          host, cluster->port);
}

static gboolean
postmaster_start_once (SlCluster  *cluster,
                       GError    **error)
{
  ChildSetup *cs = g_new0 (ChildSetup, 1);
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autofree char *postgres = g_build_filename (cluster->bindir, "postgres", NULL);
  g_autofree char *port = g_strdup_printf ("port=%u", cluster->port);
  g_autofree char *sockdir = g_strdup_printf ("unix_socket_directories=%s", cluster->pg_dir);
  g_autofree char *conninfo = NULL;
  const char *argv[] = {
    postgres, "-D", cluster->data_dir,
    "-c", "listen_addresses=127.0.0.1",
    "-c", port,
    "-c", sockdir,
    "-c", "wal_level=logical",
    "-c", "max_replication_slots=10",
    "-c", "max_wal_senders=10",
    "-c", "fsync=off",
    "-c", "synchronous_commit=off",
    "-c", "full_page_writes=off",
    "-c", "shared_buffers=128MB",
    "-c", "max_connections=100",
    "-c", "password_encryption=scram-sha-256",
    "-c", "log_min_messages=warning",
    "-c", "log_line_prefix=%m [%p] %q%u@%d ",
    NULL
  };

  /* The launcher keeps a pointer to cs until it is freed; keep it alive
   * with the launcher. */
  launcher = make_launcher (cluster, cs, SIGINT, error);
  if (launcher == NULL)
    {
      g_free (cs);
      return FALSE;
    }
  g_object_set_data_full (G_OBJECT (launcher), "sl-child-setup", cs, g_free);

  g_clear_object (&cluster->postmaster);
  cluster->postmaster = g_subprocess_launcher_spawnv (launcher, argv, error);
  if (cluster->postmaster == NULL)
    return FALSE;

  conninfo = cluster_conninfo (cluster);
  for (guint waited = 0; waited < 60000; waited += 25)
    {
      if (PQping (conninfo) == PQPING_OK)
        return TRUE;
      if (g_subprocess_get_identifier (cluster->postmaster) == NULL)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                       "postgres exited during start-up (see %s)", cluster->log_path);
          g_clear_object (&cluster->postmaster);
          return FALSE;
        }
      g_usleep (25 * 1000);
    }
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT,
               "postgres did not accept connections within 60 s (see %s)", cluster->log_path);
  return FALSE;
}

static gboolean
postmaster_start (SlCluster  *cluster,
                  GError    **error)
{
  /* The free port may be taken between our probe and postgres' bind when
   * tests run in parallel: try a few. */
  for (guint attempt = 0; ; attempt++)
    {
      g_autoptr(GError) local_error = NULL;

      cluster->port = find_free_port ();
      if (postmaster_start_once (cluster, &local_error))
        return TRUE;
      if (attempt >= 4)
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return FALSE;
        }
      g_printerr ("supabase-local: %s; retrying on another port\n", local_error->message);
    }
}

static void
postmaster_stop (SlCluster *cluster)
{
  GSubprocess *proc = cluster->postmaster;
  const char *ident;
  pid_t pid;

  if (proc == NULL)
    return;
  ident = g_subprocess_get_identifier (proc);
  if (ident != NULL)
    {
      pid = (pid_t) g_ascii_strtoll (ident, NULL, 10);
      /* SIGINT = fast shutdown: disconnect clients, checkpoint, exit. */
      g_subprocess_send_signal (proc, SIGINT);
      for (guint waited = 0; g_subprocess_get_identifier (proc) != NULL; waited += 10)
        {
          if (waited == 15000)
            g_subprocess_send_signal (proc, SIGQUIT);
          else if (waited == 20000)
            g_subprocess_force_exit (proc);
          else if (waited > 30000)
            {
              g_warning ("postgres (pid %d) does not exit", (int) pid);
              break;
            }
          g_usleep (10 * 1000);
        }
    }
  g_clear_object (&cluster->postmaster);
}

/* ------------------------------------------------------------- SQL */

static int
compare_names (gconstpointer a,
               gconstpointer b)
{
  return strcmp (*(const char * const *) a, *(const char * const *) b);
}

static gboolean
name_matches (const char *name,
              const char *prefix)
{
  gsize plen = strlen (prefix);

  return g_str_has_prefix (name, prefix) &&
         g_ascii_isdigit (name[plen]) && g_ascii_isdigit (name[plen + 1]) &&
         name[plen + 2] == '-' &&
         g_str_has_suffix (name, ".sql");
}

static const char *
sql_dir (void)
{
  const char *dir = g_getenv ("SUPABASE_LOCAL_SQL_DIR");

  return dir && *dir ? dir : SL_SQL_DIR;
}

/* The SQL files for @seed, in the order they run (full paths). */
static GPtrArray *
list_sql_files (const char  *seed,
                GError     **error)
{
  g_autoptr(GDir) dir = g_dir_open (sql_dir (), 0, error);
  g_autoptr(GPtrArray) boot = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) demo = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) large = g_ptr_array_new_with_free_func (g_free);
  GPtrArray *all = g_ptr_array_new_with_free_func (g_free);
  const char *name;

  if (dir == NULL)
    {
      g_ptr_array_unref (all);
      return NULL;
    }
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      if (name_matches (name, ""))
        g_ptr_array_add (boot, g_strdup (name));
      else if (name_matches (name, "seed-demo-"))
        g_ptr_array_add (demo, g_strdup (name));
      else if (name_matches (name, "seed-large-"))
        g_ptr_array_add (large, g_strdup (name));
    }
  g_ptr_array_sort (boot, compare_names);
  g_ptr_array_sort (demo, compare_names);
  g_ptr_array_sort (large, compare_names);

  for (guint i = 0; i < boot->len; i++)
    g_ptr_array_add (all, g_build_filename (sql_dir (), boot->pdata[i], NULL));
  if (g_strcmp0 (seed, "demo") == 0 || g_strcmp0 (seed, "demo-large") == 0)
    for (guint i = 0; i < demo->len; i++)
      g_ptr_array_add (all, g_build_filename (sql_dir (), demo->pdata[i], NULL));
  if (g_strcmp0 (seed, "demo-large") == 0)
    for (guint i = 0; i < large->len; i++)
      g_ptr_array_add (all, g_build_filename (sql_dir (), large->pdata[i], NULL));
  return all;
}

static guint
line_of_position (const char *text,
                  const char *position)
{
  gint64 pos = position ? g_ascii_strtoll (position, NULL, 10) : 0;
  guint line = 1;
  gint64 chars = 0;

  /* The position counts characters, not bytes. */
  for (const char *p = text; *p && chars < pos - 1; p = g_utf8_next_char (p), chars++)
    if (*p == '\n')
      line++;
  return line;
}

static gboolean
run_sql_files (PGconn     *conn,
               GPtrArray  *files,
               GError    **error)
{
  for (guint i = 0; i < files->len; i++)
    {
      const char *path = files->pdata[i];
      g_autofree char *text = NULL;
      g_autofree char *base = g_path_get_basename (path);
      PGresult *res;
      ExecStatusType st;
      gint64 t0 = g_get_monotonic_time ();

      if (!g_file_get_contents (path, &text, NULL, error))
        return FALSE;
      res = PQexec (conn, text);
      st = PQresultStatus (res);
      if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK && st != PGRES_EMPTY_QUERY)
        {
          const char *detail = PQresultErrorField (res, PG_DIAG_MESSAGE_DETAIL);
          const char *hint = PQresultErrorField (res, PG_DIAG_MESSAGE_HINT);
          const char *context = PQresultErrorField (res, PG_DIAG_CONTEXT);
          const char *pos = PQresultErrorField (res, PG_DIAG_STATEMENT_POSITION);
          g_autofree char *msg = g_strdup (PQresultErrorField (res, PG_DIAG_MESSAGE_PRIMARY)
                                           ? PQresultErrorField (res, PG_DIAG_MESSAGE_PRIMARY)
                                           : PQerrorMessage (conn));

          g_strchomp (msg);
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                       "%s:%u: ERROR %s: %s%s%s%s%s%s%s",
                       base, pos ? line_of_position (text, pos) : 0,
                       PQresultErrorField (res, PG_DIAG_SQLSTATE)
                         ? PQresultErrorField (res, PG_DIAG_SQLSTATE) : "",
                       msg,
                       detail ? "\n  DETAIL: " : "", detail ? detail : "",
                       hint ? "\n  HINT: " : "", hint ? hint : "",
                       context ? "\n  CONTEXT: " : "", context ? context : "");
          PQclear (res);
          return FALSE;
        }
      PQclear (res);
      g_debug ("%s ran in %" G_GINT64_FORMAT " ms", base,
               (g_get_monotonic_time () - t0) / 1000);
    }
  return TRUE;
}

/* ------------------------------------------------------------ cache */

static char *
template_key (SlCluster  *cluster,
              GPtrArray  *files)
{
  g_autoptr(GChecksum) sum = g_checksum_new (G_CHECKSUM_SHA256);
  g_autofree char *pg_version_path = g_build_filename (cluster->bindir, "postgres", NULL);
  struct stat st;

  /* Format version of the template itself; bump when initdb options or
   * pg_hba.conf change. */
  g_checksum_update (sum, (const guchar *) "sl-template-1", -1);
  if (stat (pg_version_path, &st) == 0)
    {
      g_autofree char *v = g_strdup_printf ("%s:%" G_GINT64_FORMAT ":%" G_GINT64_FORMAT,
                                            pg_version_path, (gint64) st.st_size,
                                            (gint64) st.st_mtime);
      g_checksum_update (sum, (const guchar *) v, -1);
    }
  g_checksum_update (sum, (const guchar *) (cluster->drop_privileges ? "root" : "user"), -1);
  for (guint i = 0; i < files->len; i++)
    {
      g_autofree char *base = g_path_get_basename (files->pdata[i]);
      g_autofree char *text = NULL;
      gsize len = 0;

      g_checksum_update (sum, (const guchar *) base, strlen (base) + 1);
      if (g_file_get_contents (files->pdata[i], &text, &len, NULL))
        g_checksum_update (sum, (const guchar *) text, len);
      g_checksum_update (sum, (const guchar *) "\n--\n", 4);
    }
  return g_strdup (g_checksum_get_string (sum));
}

static char *
cache_dir (void)
{
  const char *env = g_getenv ("SUPABASE_LOCAL_NO_CACHE");

  if (env && *env && g_strcmp0 (env, "0") != 0)
    return NULL;
  env = g_getenv ("SUPABASE_LOCAL_CACHE");
  if (env && *env)
    return g_strdup (env);
  return g_build_filename (g_get_user_cache_dir (), "supabase-local", NULL);
}

static gboolean
copy_tree (const char  *from,
           const char  *to,
           GError     **error)
{
  const char *argv[] = { "cp", "-a", "--", from, to, NULL };
  g_autoptr(GSubprocess) proc = g_subprocess_newv (argv, G_SUBPROCESS_FLAGS_NONE, error);

  if (proc == NULL)
    return FALSE;
  return g_subprocess_wait_check (proc, NULL, error);
}

/* Templates of SQL that has since changed pile up while the modules are
 * being written: drop those unused for a day (each use touches its
 * directory). */
static void
prune_templates (const char *cache,
                 const char *keep)
{
  g_autoptr(GDir) dir = g_dir_open (cache, 0, NULL);
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = g_build_filename (cache, name, NULL);
      struct stat st;

      if (g_strcmp0 (path, keep) == 0 || strlen (name) != 64)
        continue;
      if (stat (path, &st) == 0 && S_ISDIR (st.st_mode) && now - (gint64) st.st_mtime > 24 * 3600)
        sl_rm_rf (path);
    }
}

static void
store_template (SlCluster  *cluster,
                const char *template_dir)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *tmp = g_strdup_printf ("%s.tmp-%d", template_dir, (int) getpid ());
  g_autofree char *tmp_data = g_build_filename (tmp, "data", NULL);

  if (g_mkdir_with_parents (tmp, 0755) != 0)
    {
      g_printerr ("supabase-local: cannot create %s: %s (not caching)\n", tmp, g_strerror (errno));
      return;
    }
  if (!copy_tree (cluster->data_dir, tmp_data, &error))
    {
      g_printerr ("supabase-local: caching the cluster failed: %s\n", error->message);
      sl_rm_rf (tmp);
      return;
    }
  /* Another test may have stored the same template meanwhile: either copy
   * is fine. */
  if (g_rename (tmp, template_dir) != 0)
    sl_rm_rf (tmp);
}

/* ------------------------------------------------------------ public */

static gboolean
set_postgres_password (SlServer   *server,
                       SlCluster  *cluster,
                       const char *password,
                       GError    **error)
{
  g_autofree char *conninfo = cluster_conninfo (cluster);
  PGconn *conn = PQconnectdb (conninfo);
  g_autofree char *sql = NULL;
  char *verifier = NULL;
  char *literal = NULL;
  PGresult *res;
  gboolean ok;

  if (PQstatus (conn) != CONNECTION_OK)
    {
      set_db_error (error, "08006", PQerrorMessage (conn), NULL, NULL);
      PQfinish (conn);
      return FALSE;
    }
  /* Only the SCRAM verifier reaches the server, never the password. */
  verifier = PQencryptPasswordConn (conn, password, "postgres", "scram-sha-256");
  if (verifier == NULL)
    {
      set_db_error (error, NULL, PQerrorMessage (conn), NULL, NULL);
      PQfinish (conn);
      return FALSE;
    }
  literal = PQescapeLiteral (conn, verifier, strlen (verifier));
  PQfreemem (verifier);
  sql = g_strdup_printf ("ALTER ROLE postgres PASSWORD %s", literal);
  PQfreemem (literal);
  res = PQexec (conn, sql);
  ok = PQresultStatus (res) == PGRES_COMMAND_OK;
  if (!ok)
    set_error_from_result (error, conn, res);
  PQclear (res);
  PQfinish (conn);
  return ok;
}

static gboolean
bootstrap_cluster (SlServer   *server,
                   SlCluster  *cluster,
                   GPtrArray  *files,
                   GError    **error)
{
  g_autofree char *initdb = g_build_filename (cluster->bindir, "initdb", NULL);
  g_autofree char *hba_path = g_build_filename (cluster->data_dir, "pg_hba.conf", NULL);
  g_autofree char *conninfo = NULL;
  const char *argv[] = {
    initdb, "-D", cluster->data_dir, "-U", "postgres", "-A", "trust",
    "-E", "UTF8", "--locale=C.UTF-8", "--no-sync", "--no-instructions", NULL
  };
  static const char hba[] =
    "# supabase-local: trust over the private unix socket, passwords over TCP\n"
    "local all all trust\n"
    "host all all 127.0.0.1/32 scram-sha-256\n"
    "local replication all trust\n"
    "host replication all 127.0.0.1/32 scram-sha-256\n";
  PGconn *conn;
  gboolean ok;

  if (!run_tool (cluster, argv, error))
    return FALSE;
  if (!g_file_set_contents (hba_path, hba, -1, error) ||
      !chown_for_postgres (cluster, hba_path, error))
    return FALSE;
  if (!postmaster_start (cluster, error))
    return FALSE;

  conninfo = cluster_conninfo (cluster);
  conn = PQconnectdb (conninfo);
  if (PQstatus (conn) != CONNECTION_OK)
    {
      set_db_error (error, "08006", PQerrorMessage (conn), NULL, NULL);
      PQfinish (conn);
      return FALSE;
    }
  PQsetNoticeProcessor (conn, noop_notice, NULL);
  ok = run_sql_files (conn, files, error);
  if (ok)
    {
      PGresult *res = PQexec (conn, "CHECKPOINT");
      PQclear (res);
    }
  PQfinish (conn);
  return ok;
}

gboolean
sl_db_cluster_start (SlServer  *server,
                     GError   **error)
{
  SlCore *core = sl_core (server);
  SlCluster *cluster;
  g_autoptr(GPtrArray) files = NULL;
  g_autofree char *password = NULL;
  g_autofree char *cache = NULL;
  g_autofree char *template_dir = NULL;
  g_autofree char *template_data = NULL;
  const char *bindir_env = g_getenv ("SUPABASE_LOCAL_PG_BINDIR");
  gint64 t0 = g_get_monotonic_time ();
  gboolean from_template = FALSE;

  cluster = g_new0 (SlCluster, 1);
  core->cluster = cluster;

  if (bindir_env && *bindir_env)
    cluster->bindir = g_strdup (bindir_env);
  else if (g_file_test ("/usr/lib/postgresql/15/bin/postgres", G_FILE_TEST_IS_EXECUTABLE))
    cluster->bindir = g_strdup ("/usr/lib/postgresql/15/bin");
  else
    {
      g_autofree char *out = NULL;
      const char *argv[] = { "pg_config", "--bindir", NULL };

      if (!g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_STDERR_TO_DEV_NULL,
                         NULL, NULL, &out, NULL, NULL, error))
        return FALSE;
      cluster->bindir = g_strdup (g_strstrip (out));
    }

  if (geteuid () == 0)
    {
      struct passwd *pw = getpwnam ("postgres");

      if (pw == NULL)
        {
          g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                               "Running as root but there is no `postgres` system user");
          return FALSE;
        }
      cluster->drop_privileges = TRUE;
      cluster->uid = pw->pw_uid;
      cluster->gid = pw->pw_gid;
      /* The postgres user must be able to reach WORKDIR/pg. */
      if (g_chmod (server->workdir, 0711) != 0)
        g_printerr ("supabase-local: cannot chmod %s: %s\n", server->workdir, g_strerror (errno));
      for (g_autofree char *dir = g_path_get_dirname (server->workdir);
           strcmp (dir, "/") != 0 && strcmp (dir, ".") != 0;)
        {
          struct stat st;
          char *parent;

          if (stat (dir, &st) == 0 && (st.st_mode & S_IXOTH) == 0 && st.st_uid != cluster->uid)
            {
              g_set_error (error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED,
                           "The postgres user cannot enter %s (mode %04o), on the way to the work "
                           "directory; choose a --workdir it can reach, or leave it out",
                           dir, (unsigned) (st.st_mode & 07777));
              return FALSE;
            }
          parent = g_path_get_dirname (dir);
          g_free (dir);
          dir = parent;
        }
    }

  cluster->pg_dir = g_build_filename (server->workdir, "pg", NULL);
  cluster->data_dir = g_build_filename (cluster->pg_dir, "data", NULL);
  cluster->log_path = g_build_filename (server->workdir, "postgres.log", NULL);

  /* A reused work directory: stop whatever a killed run left and start
   * from a fresh cluster. */
  stop_stale_postmaster (cluster->data_dir);
  sl_rm_rf (cluster->pg_dir);
  if (g_mkdir (cluster->pg_dir, 0700) != 0)
    {
      int saved = errno;
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                   "Cannot create %s: %s", cluster->pg_dir, g_strerror (saved));
      return FALSE;
    }
  if (!chown_for_postgres (cluster, cluster->pg_dir, error))
    return FALSE;
  {
    int fd = open (cluster->log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (fd >= 0)
      close (fd);
  }

  files = list_sql_files (server->seed, error);
  if (files == NULL)
    return FALSE;

  cache = cache_dir ();
  if (cache != NULL)
    {
      g_autofree char *key = template_key (cluster, files);

      template_dir = g_build_filename (cache, key, NULL);
      template_data = g_build_filename (template_dir, "data", NULL);
      if (g_file_test (template_data, G_FILE_TEST_IS_DIR))
        {
          g_autoptr(GError) copy_error = NULL;

          if (copy_tree (template_data, cluster->data_dir, &copy_error))
            {
              from_template = TRUE;
              utime (template_dir, NULL);
            }
          else
            {
              g_printerr ("supabase-local: cannot use the cached cluster: %s\n", copy_error->message);
              sl_rm_rf (cluster->data_dir);
            }
        }
    }

  if (from_template)
    {
      if (!postmaster_start (cluster, error))
        return FALSE;
    }
  else
    {
      if (!bootstrap_cluster (server, cluster, files, error))
        return FALSE;
      if (template_dir != NULL)
        {
          /* Copy a cleanly shut-down cluster. */
          postmaster_stop (cluster);
          store_template (cluster, template_dir);
          prune_templates (cache, template_dir);
          if (!postmaster_start (cluster, error))
            return FALSE;
        }
    }

  password = sl_jwt_random_secret (24);
  if (!set_postgres_password (server, cluster, password, error))
    return FALSE;

  server->db_conninfo = cluster_conninfo (cluster);
  server->db_url = g_strdup_printf ("postgresql://postgres:%s@127.0.0.1:%u/postgres",
                                    password, cluster->port);

  core->pool = g_new0 (SlDbPool, 1);
  core->pool->idle = g_async_queue_new ();
  g_mutex_init (&core->pool->lock);
  core->pool->conninfo = g_strdup (server->db_conninfo);

  g_printerr ("supabase-local: PostgreSQL ready on port %u in %" G_GINT64_FORMAT " ms (%s)\n",
              cluster->port, (g_get_monotonic_time () - t0) / 1000,
              from_template ? "cached template" : "fresh cluster");
  return TRUE;
}

void
sl_db_pool_close (SlServer *server)
{
  SlCore *core = sl_core (server);
  SlDbPool *pool = core->pool;
  PGconn *conn;

  if (pool == NULL)
    return;
  while ((conn = g_async_queue_try_pop (pool->idle)) != NULL)
    PQfinish (conn);
  /* Connections still lent out die with the postmaster. */
  g_async_queue_unref (pool->idle);
  g_mutex_clear (&pool->lock);
  g_free (pool->conninfo);
  g_free (pool);
  core->pool = NULL;
}

void
sl_db_cluster_stop (SlServer *server)
{
  SlCore *core = sl_core (server);
  SlCluster *cluster = core->cluster;

  if (cluster == NULL)
    return;
  postmaster_stop (cluster);
  g_free (cluster->bindir);
  g_free (cluster->pg_dir);
  g_free (cluster->data_dir);
  g_free (cluster->log_path);
  g_free (cluster);
  core->cluster = NULL;
}

/* -------------------------------------------------------------- pool */

PGconn *
sl_db_connect (SlServer  *server,
               GError   **error)
{
  PGconn *conn;

  g_return_val_if_fail (server != NULL && server->db_conninfo != NULL, NULL);

  conn = PQconnectdb (server->db_conninfo);
  if (PQstatus (conn) != CONNECTION_OK)
    {
      set_db_error (error, "08006", PQerrorMessage (conn), NULL, NULL);
      PQfinish (conn);
      return NULL;
    }
  PQsetNoticeProcessor (conn, noop_notice, NULL);
  return conn;
}

PGconn *
sl_db_acquire (SlServer *server)
{
  SlDbPool *pool = sl_core (server)->pool;
  PGconn *conn;

  g_return_val_if_fail (pool != NULL, NULL);

  for (;;)
    {
      gboolean may_open = FALSE;

      conn = g_async_queue_try_pop (pool->idle);
      if (conn == NULL)
        {
          g_mutex_lock (&pool->lock);
          if (pool->open < POOL_MAX)
            {
              pool->open++;
              may_open = TRUE;
            }
          g_mutex_unlock (&pool->lock);

          if (may_open)
            {
              conn = PQconnectdb (pool->conninfo);
              if (PQstatus (conn) != CONNECTION_OK)
                g_printerr ("supabase-local: cannot connect to PostgreSQL: %s", PQerrorMessage (conn));
              else
                PQsetNoticeProcessor (conn, noop_notice, NULL);
              /* Even a broken connection is handed out: the caller's
               * queries then fail with a proper error instead of
               * blocking, and sl_db_release() drops it. */
              return conn;
            }
          /* Released broken connections free a slot without a push:
           * re-check now and then. */
          conn = g_async_queue_timeout_pop (pool->idle, 100 * 1000);
          if (conn == NULL)
            continue;
        }

      if (PQstatus (conn) == CONNECTION_OK)
        return conn;

      /* Broken while idle: replace it. */
      PQfinish (conn);
      g_mutex_lock (&pool->lock);
      pool->open--;
      g_mutex_unlock (&pool->lock);
    }
}

void
sl_db_release (SlServer *server,
               PGconn   *conn)
{
  SlDbPool *pool = sl_core (server)->pool;

  if (conn == NULL)
    return;
  g_return_if_fail (pool != NULL);

  if (PQstatus (conn) == CONNECTION_OK &&
      PQtransactionStatus (conn) != PQTRANS_IDLE)
    {
      /* A handler left a transaction open (or failed inside one). */
      PGresult *res = PQexec (conn, "ROLLBACK");
      PQclear (res);
    }
  if (PQstatus (conn) != CONNECTION_OK ||
      PQtransactionStatus (conn) != PQTRANS_IDLE)
    {
      PQfinish (conn);
      g_mutex_lock (&pool->lock);
      pool->open--;
      g_mutex_unlock (&pool->lock);
      /* Wake a waiter so it opens a fresh connection. */
      return;
    }
  g_async_queue_push (pool->idle, conn);
}

PGresult *
sl_db_exec (PGconn             *conn,
            GError            **error,
            const char         *sql,
            int                 n_params,
            const char * const *params)
{
  PGresult *res;
  ExecStatusType st;

  g_return_val_if_fail (conn != NULL, NULL);
  g_return_val_if_fail (sql != NULL, NULL);

  res = PQexecParams (conn, sql, n_params, NULL, params, NULL, NULL, 0);
  st = PQresultStatus (res);
  if (res != NULL && (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK))
    return res;
  set_error_from_result (error, conn, res);
  PQclear (res);
  return NULL;
}

static gboolean
exec_simple (PGconn      *conn,
             const char  *sql,
             GError     **error)
{
  PGresult *res = sl_db_exec (conn, error, sql, 0, NULL);

  if (res == NULL)
    return FALSE;
  PQclear (res);
  return TRUE;
}

static gboolean
begin_with (PGconn      *conn,
            const char  *role,
            JsonObject  *claims,
            const char  *method,
            const char  *path,
            const char  *headers_json,
            GError     **error)
{
  g_autofree char *claims_json = NULL;
  const char *sub = "";
  const char *params[6];
  PGresult *res;

  if (claims != NULL)
    {
      g_autoptr(JsonNode) node = json_node_new (JSON_NODE_OBJECT);
      JsonNode *sub_node = json_object_get_member (claims, "sub");

      json_node_set_object (node, claims);
      claims_json = json_to_string (node, FALSE);
      if (sub_node != NULL && JSON_NODE_HOLDS_VALUE (sub_node) &&
          json_node_get_value_type (sub_node) == G_TYPE_STRING)
        sub = json_node_get_string (sub_node);
    }
  else
    {
      claims_json = g_strdup_printf ("{\"role\":\"%s\"}", "anon");
    }

  if (!exec_simple (conn, "BEGIN", error))
    return FALSE;

  params[0] = role ? role : "anon";
  params[1] = claims_json;
  params[2] = sub;
  params[3] = method ? method : "";
  params[4] = path ? path : "";
  params[5] = headers_json ? headers_json : "{}";
  res = sl_db_exec (conn, error,
                    "SELECT set_config('role', $1, true),"
                    " set_config('request.jwt.claims', $2, true),"
                    " set_config('request.jwt.claim.role', $1, true),"
                    " set_config('request.jwt.claim.sub', $3, true),"
                    " set_config('request.method', $4, true),"
                    " set_config('request.path', $5, true),"
                    " set_config('request.headers', $6, true)",
                    6, params);
  if (res == NULL)
    {
      sl_db_rollback (conn);
      return FALSE;
    }
  PQclear (res);
  return TRUE;
}

gboolean
sl_db_begin_as (PGconn      *conn,
                const char  *role,
                JsonObject  *claims,
                GError     **error)
{
  g_return_val_if_fail (conn != NULL, FALSE);

  return begin_with (conn, role, claims, NULL, NULL, NULL, error);
}

gboolean
sl_db_begin_for_request (PGconn     *conn,
                         SlRequest  *req,
                         GError    **error)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *headers_json = NULL;
  SoupMessageHeadersIter iter;
  const char *name, *value;

  g_return_val_if_fail (conn != NULL, FALSE);
  g_return_val_if_fail (req != NULL, FALSE);

  json_builder_begin_object (b);
  if (req->headers != NULL)
    {
      soup_message_headers_iter_init (&iter, req->headers);
      while (soup_message_headers_iter_next (&iter, &name, &value))
        {
          g_autofree char *lower = g_ascii_strdown (name, -1);

          json_builder_set_member_name (b, lower);
          json_builder_add_string_value (b, value);
        }
    }
  json_builder_end_object (b);
  root = json_builder_get_root (b);
  headers_json = json_to_string (root, FALSE);

  return begin_with (conn, req->role, req->claims, req->method, req->path,
                     headers_json, error);
}

gboolean
sl_db_commit (PGconn  *conn,
              GError **error)
{
  return exec_simple (conn, "COMMIT", error);
}

void
sl_db_rollback (PGconn *conn)
{
  PGresult *res;

  if (conn == NULL || PQstatus (conn) != CONNECTION_OK ||
      PQtransactionStatus (conn) == PQTRANS_IDLE)
    return;
  res = PQexec (conn, "ROLLBACK");
  PQclear (res);
}
