/* sl-server.h — the core of supabase-local, shared by every module.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * supabase-local is test infrastructure: a Supabase-compatible server on
 * loopback backed by a private PostgreSQL 15 it starts itself. The core
 * (sl-main.c, sl-server.c, sl-db.c, sl-jwt.c, sl-faults.c) owns the
 * SoupServer, the PostgreSQL cluster and its connection pool, JWTs, the
 * request log and fault injection. Each product is a module that registers
 * routes under its prefix:
 *
 *   sl-rest.c      /rest/v1          (PostgREST, PROTOCOL.md §2)
 *   sl-auth.c      /auth/v1          (GoTrue, §3) and /__local/outbox
 *   sl-storage.c   /storage/v1       (Storage + TUS, §4)
 *   sl-realtime.c  /realtime/v1      (Phoenix channels, §5)
 *   sl-functions.c /functions/v1     (built-in functions, §6)
 *
 * Threading: the SoupServer runs on the main thread. Ordinary routes are
 * handled on a worker thread with a plain copy of the request (SlRequest)
 * and fill an SlResponse; the core pauses the message meanwhile and writes
 * the response back on the main thread. A worker may block on PostgreSQL
 * freely. Nothing in SlRequest/SlResponse touches libsoup objects.
 */

#pragma once

#include <glib.h>
#include <gio/gio.h>
#include <json-glib/json-glib.h>
#include <libpq-fe.h>
#include <libsoup/soup.h>

G_BEGIN_DECLS

typedef struct _SlServer   SlServer;
typedef struct _SlRequest  SlRequest;
typedef struct _SlResponse SlResponse;

/* ------------------------------------------------------------------ JWT */

typedef enum
{
  SL_JWT_ERROR_MALFORMED,   /* not three parts / bad base64 / bad JSON */
  SL_JWT_ERROR_SIGNATURE,   /* signature does not verify */
  SL_JWT_ERROR_EXPIRED,     /* exp in the past */
  SL_JWT_ERROR_CLAIMS,      /* required claim missing */
} SlJwtError;

#define SL_JWT_ERROR (sl_jwt_error_quark ())
GQuark      sl_jwt_error_quark (void);

/* HS256. @claims is not modified. */
char       *sl_jwt_sign        (const char  *secret,
                                JsonObject  *claims);
/* Verifies signature and exp; returns the claims (new ref). Error messages
 * follow PostgREST's wording ("JWT expired", "JWSError
 * JWSInvalidSignature", "Expected 3 parts in JWT; got N"); each module maps
 * them to its own error format. */
JsonObject *sl_jwt_verify      (const char  *secret,
                                const char  *token,
                                GError     **error);

/* ------------------------------------------------------------ Requests */

struct _SlRequest
{
  SlServer           *server;
  char               *method;        /* "GET", "POST", … */
  char               *path;          /* full path, decoded, e.g. "/rest/v1/todos" */
  char               *subpath;       /* path below the route prefix, decoded, starts with "/" or is "" */
  char               *raw_path;      /* as sent (still percent-encoded) */
  char               *raw_query;     /* as sent (percent-encoded), or NULL */
  /* Query parameters in order, decoded ('+' → ' '): pairs of name, value. */
  GPtrArray          *query;         /* element-type: char* (name, value, name, value, …) */
  SoupMessageHeaders *headers;       /* a private copy; safe to read on the worker */
  GBytes             *body;          /* NULL when the route spools to a file */
  char               *body_path;     /* spooled body (SL_ROUTE_SPOOL_BODY), or NULL */
  goffset             body_length;
  char               *remote_host;
  /* Filled by sl_request_authenticate(): */
  char               *apikey;        /* the apikey header (or ?apikey=) */
  char               *bearer;        /* the Authorization bearer token, or NULL */
  char               *role;          /* effective role: from the bearer JWT, else from apikey */
  JsonObject         *claims;        /* claims of the effective JWT */
  /* SL_ROUTE_PARTIAL_BODY: TRUE when the client went away mid-body; the
   * spooled part is in body_path and the response is discarded. */
  gboolean            body_incomplete;
};

/* Returns the first value of query parameter @name, or NULL. */
const char *sl_request_get_query     (SlRequest   *req,
                                      const char  *name);
const char *sl_request_get_header    (SlRequest   *req,
                                      const char  *name);
/* Parses the body as JSON (NULL + error if not JSON). */
JsonNode   *sl_request_parse_json    (SlRequest   *req,
                                      GError     **error);

typedef enum
{
  SL_AUTH_REQUIRE_APIKEY = 1 << 0,  /* 401 {"message":"No API key found in request"} when absent (§8.1) */
  SL_AUTH_ALLOW_NO_JWT   = 1 << 1,  /* Storage/Functions: the key may be missing; role anon */
} SlAuthFlags;

/* Resolves apikey / Authorization into role and claims. On failure fills
 * @resp with the gateway-style error (401 No API key / Invalid
 * authentication credentials) and returns FALSE. An invalid bearer JWT is
 * not judged here: @error_out receives the JWT error so each module can word
 * it its own way (PostgREST PGRST301/303, GoTrue bad_jwt, Storage
 * InvalidJWT). */
gboolean    sl_request_authenticate  (SlRequest   *req,
                                      SlAuthFlags  flags,
                                      SlResponse  *resp,
                                      GError     **jwt_error_out);

/* ----------------------------------------------------------- Responses */

struct _SlResponse
{
  guint               status;
  SoupMessageHeaders *headers;       /* response headers to add */
  GBytes             *body;          /* may be NULL (empty) */
  char               *content_type;  /* NULL = none */
  /* Serve a file region instead of @body (streamed, never in memory): */
  char               *file_path;
  goffset             file_offset;
  goffset             file_length;   /* -1 = to the end */
};

void        sl_response_set_json     (SlResponse  *resp,
                                      guint        status,
                                      JsonNode    *node);       /* takes no ownership */
void        sl_response_set_json_text(SlResponse  *resp,
                                      guint        status,
                                      const char  *json_text);
void        sl_response_set_text     (SlResponse  *resp,
                                      guint        status,
                                      const char  *content_type,
                                      const char  *text);
void        sl_response_set_bytes    (SlResponse  *resp,
                                      guint        status,
                                      const char  *content_type,
                                      GBytes      *bytes);
void        sl_response_set_file     (SlResponse  *resp,
                                      guint        status,
                                      const char  *content_type,
                                      const char  *path,
                                      goffset      offset,
                                      goffset      length);
void        sl_response_add_header   (SlResponse  *resp,
                                      const char  *name,
                                      const char  *value);

/* For handlers that run on the main thread with a SoupServerMessage of
 * their own (e.g. a WebSocket handshake): a request copied from @msg, its
 * subpath taken below @prefix (may be NULL). Call sl_request_authenticate()
 * on it as usual. */
SlRequest  *sl_request_new_for_message (SlServer          *server,
                                        SoupServerMessage *msg,
                                        const char        *prefix);
void        sl_request_free          (SlRequest   *req);
SlResponse *sl_response_new          (void);
void        sl_response_free         (SlResponse  *resp);
/* Writes a bytes/JSON response (not a file) into @msg. */
void        sl_response_apply        (SlResponse        *resp,
                                      SoupServerMessage *msg);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SlRequest, sl_request_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SlResponse, sl_response_free)

/* -------------------------------------------------------------- Routes */

typedef void (*SlHandler) (SlRequest  *req,
                           SlResponse *resp,
                           gpointer    user_data);

typedef enum
{
  SL_ROUTE_DEFAULT    = 0,
  SL_ROUTE_SPOOL_BODY = 1 << 0,  /* request body streamed to a temp file (req->body_path), never in memory */
  /* With SPOOL_BODY: if the client disconnects before the body is complete,
   * the handler still runs (req->body_incomplete = TRUE) so it can keep the
   * bytes that arrived (TUS PATCH); its response is discarded. */
  SL_ROUTE_PARTIAL_BODY = 1 << 1,
} SlRouteFlags;

/* The spooled body file belongs to the core, which deletes it after the
 * handler returns; a handler may g_rename() it elsewhere to keep it. */

/* Routes match by longest path prefix. Handlers run on a worker thread. */
void        sl_server_add_route      (SlServer     *server,
                                      const char   *prefix,
                                      SlRouteFlags  flags,
                                      SlHandler     handler,
                                      gpointer      user_data);

/* -------------------------------------------------------------- Server */

struct _SlServer
{
  SoupServer   *soup;
  GMainContext *main_context;
  char         *workdir;           /* everything lives below it */
  char         *base_url;          /* "http://127.0.0.1:PORT" */
  guint         port;
  char         *jwt_secret;
  char         *anon_key;
  char         *service_role_key;
  char         *db_url;            /* postgresql://…@127.0.0.1:PGPORT/postgres (TCP, for psql) */
  char         *db_conninfo;       /* libpq conninfo over the unix socket, superuser */
  char         *seed;              /* "empty", "demo", "demo-large" */
  gpointer      rest;              /* module state, owned by each module */
  gpointer      auth;
  gpointer      storage;
  gpointer      realtime;
  gpointer      functions;
  gpointer      priv;              /* core-private */
};

/* ------------------------------------------------------------ Database */

/* A pooled superuser connection (blocking; call from workers only). */
PGconn     *sl_db_acquire            (SlServer    *server);
void        sl_db_release            (SlServer    *server,
                                      PGconn      *conn);
/* A dedicated connection the caller owns (e.g. LISTEN, replication). */
PGconn     *sl_db_connect            (SlServer    *server,
                                      GError     **error);

/* BEGIN; SET LOCAL ROLE @role; set_config('request.jwt.claims', claims,
 * true); set_config('request.jwt.claim.role'/'.sub', …) — as PostgREST
 * does, so grants and RLS are PostgreSQL's own. */
gboolean    sl_db_begin_as           (PGconn      *conn,
                                      const char  *role,
                                      JsonObject  *claims,
                                      GError     **error);
/* sl_db_begin_as (req->role, req->claims) plus the PostgREST request GUCs
 * request.method, request.path and request.headers (JSON, lower-case
 * names). A NULL req->role counts as anon. */
gboolean    sl_db_begin_for_request  (PGconn      *conn,
                                      SlRequest   *req,
                                      GError     **error);
gboolean    sl_db_commit             (PGconn      *conn,
                                      GError     **error);
void        sl_db_rollback           (PGconn      *conn);

/* Runs @sql with text parameters; NULL on error with the SQLSTATE,
 * message, detail and hint kept (see below). PGRES_COMMAND_OK and
 * PGRES_TUPLES_OK are success. */
PGresult   *sl_db_exec               (PGconn      *conn,
                                      GError     **error,
                                      const char  *sql,
                                      int          n_params,
                                      const char * const *params);

/* Errors from sl_db_* are in SL_DB_ERROR; the code is 0 and these read the
 * server's fields back. */
#define SL_DB_ERROR (sl_db_error_quark ())
GQuark      sl_db_error_quark        (void);
const char *sl_db_error_sqlstate     (const GError *error);
const char *sl_db_error_detail       (const GError *error);
const char *sl_db_error_hint         (const GError *error);

/* ---------------------------------------------------------------- SQL */

/* At start-up the core runs, in file-name order, every SQL_DIR/NN-*.sql
 * (bootstrap: roles, schemas, each module's tables and functions), then for
 * --seed demo every SQL_DIR/seed-demo-NN-*.sql, and for --seed demo-large
 * the demo files and then every SQL_DIR/seed-large-NN-*.sql. Numbering:
 * 00 core, 10 rest, 20 auth, 30 storage, 40 realtime, 50 functions.
 * Modules that need files on disk for a seed (Storage's sample objects)
 * create them in their register function when server->seed says so. */

/* -------------------------------------------------------------- Faults */

/* The WebSocket kill interval from the fault configuration, in seconds
 * (0 = none); the realtime module closes every socket that often. */
guint       sl_faults_get_ws_kill_interval (SlServer *server);

/* Module entry points, called once at start-up after the database is ready
 * and its bootstrap SQL ran. Each may add routes and start threads. */
void        sl_rest_register         (SlServer *server);
void        sl_auth_register         (SlServer *server);
void        sl_storage_register      (SlServer *server);
void        sl_realtime_register     (SlServer *server);
void        sl_functions_register    (SlServer *server);

/* Called on shutdown, before PostgreSQL stops. */
void        sl_rest_shutdown         (SlServer *server);
void        sl_auth_shutdown         (SlServer *server);
void        sl_storage_shutdown      (SlServer *server);
void        sl_realtime_shutdown     (SlServer *server);
void        sl_functions_shutdown    (SlServer *server);

G_END_DECLS
