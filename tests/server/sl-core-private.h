/* sl-core-private.h — what the core files of supabase-local share.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Not for modules: they use sl-server.h only.
 */

#pragma once

#include "sl-server.h"

G_BEGIN_DECLS

typedef struct _SlFaults  SlFaults;
typedef struct _SlDbPool  SlDbPool;
typedef struct _SlCluster SlCluster;

typedef struct
{
  GPtrArray   *routes;            /* SlRoute*, sorted longest prefix first */
  GThreadPool *workers;
  SlFaults    *faults;
  SlDbPool    *pool;
  SlCluster   *cluster;
  FILE        *request_log;
  char        *spool_dir;
  gboolean     workdir_is_temp;
  gint         shutting_down;     /* atomic */
} SlCore;

static inline SlCore *
sl_core (SlServer *server)
{
  return server->priv;
}

/* sl-jwt.c */
char       *sl_jwt_random_secret     (gsize         n_bytes);
char       *sl_jwt_make_key          (const char   *secret,
                                      const char   *role);
/* The role an apikey/bearer value carries: "anon", "service_role",
 * "authenticated", … or "invalid" (never the token itself). */
const char *sl_jwt_describe_role     (const char   *secret,
                                      const char   *token,
                                      char        **role_out);

/* sl-server.c */
gboolean    sl_server_listen         (SlServer     *server,
                                      guint         port,
                                      GError      **error);
void        sl_server_stop_listening (SlServer     *server);
gboolean    sl_server_open_request_log (SlServer   *server,
                                      const char   *path,
                                      GError      **error);
void        sl_server_close          (SlServer     *server);

/* sl-db.c — the cluster */
gboolean    sl_db_cluster_start      (SlServer     *server,
                                      GError      **error);
void        sl_db_cluster_stop       (SlServer     *server);
void        sl_db_pool_close         (SlServer     *server);
/* Removes a directory tree (as the superuser if needed: we are root or the
 * owner). */
void        sl_rm_rf                 (const char   *path);

/* sl-faults.c */
typedef enum
{
  SL_FAULT_NONE = 0,
  SL_FAULT_LATENCY,
  SL_FAULT_STATUS,
  SL_FAULT_RESET_RESPONSE,
  SL_FAULT_RESET_REQUEST,
  SL_FAULT_WS_KILL,
} SlFaultKind;

typedef struct
{
  guint   latency_ms;             /* summed over matching latency faults */
  guint   status;                 /* 0 = none */
  guint   retry_after;            /* seconds, 0 = no header */
  gint64  reset_response_after;   /* -1 = none */
  gint64  reset_request_after;    /* -1 = none */
} SlFaultPlan;

SlFaults   *sl_faults_new            (void);
void        sl_faults_free           (SlFaults     *faults);
/* Replaces the whole set; on a parse error nothing changes. */
gboolean    sl_faults_set            (SlFaults     *faults,
                                      const char * const *specs,
                                      GError      **error);
/* Appends one (for the command line). */
gboolean    sl_faults_add            (SlFaults     *faults,
                                      const char   *spec,
                                      GError      **error);
/* The current set, canonical spec strings, with "fired" counts. */
JsonNode   *sl_faults_to_json        (SlFaults     *faults);
/* Decides the faults for one request (counts consume here). Thread-safe. */
void        sl_faults_plan           (SlFaults     *faults,
                                      const char   *method,
                                      const char   *path,
                                      SlFaultPlan  *plan);
/* The core's /__local/faults route handler. */
void        sl_faults_handle         (SlRequest    *req,
                                      SlResponse   *resp,
                                      gpointer      user_data);

G_END_DECLS
