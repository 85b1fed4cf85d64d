/* supa-health.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "supa-client.h"

G_BEGIN_DECLS

typedef enum
{
  SUPA_HEALTH_PENDING,
  SUPA_HEALTH_OK,
  SUPA_HEALTH_DEGRADED,  /* reachable but not fully usable with this key (e.g. 403 on the OpenAPI root) */
  SUPA_HEALTH_FAILED,
} SupaHealthState;

#define SUPA_TYPE_SERVICE_HEALTH (supa_service_health_get_type ())

G_DECLARE_FINAL_TYPE (SupaServiceHealth, supa_service_health, SUPA, SERVICE_HEALTH, GObject)

/* One probed service. Properties notify as the probe progresses:
 * "service" (SupaService), "title" (translated: "Database (REST)", "Auth",
 * "Storage", "Realtime"), "endpoint" (the path probed, e.g. "/rest/v1/"),
 * "state", "rtt-ms" (round trip of the probe, -1 until known), "message"
 * (translated one-line summary), "error" (the GError, or NULL). */
SupaService      supa_service_health_get_service  (SupaServiceHealth *self);
const char      *supa_service_health_get_title    (SupaServiceHealth *self);
const char      *supa_service_health_get_endpoint (SupaServiceHealth *self);
SupaHealthState  supa_service_health_get_state    (SupaServiceHealth *self);
gint64           supa_service_health_get_rtt_ms   (SupaServiceHealth *self);
const char      *supa_service_health_get_message  (SupaServiceHealth *self);
const GError    *supa_service_health_get_error    (SupaServiceHealth *self);

#define SUPA_TYPE_HEALTH_CHECK (supa_health_check_get_type ())

G_DECLARE_FINAL_TYPE (SupaHealthCheck, supa_health_check, SUPA, HEALTH_CHECK, GObject)

/* A GListModel of four SupaServiceHealth (REST, Auth, Storage, Realtime) for
 * @client. run() probes all four concurrently (REST: GET /rest/v1/; Auth:
 * GET /auth/v1/health and /auth/v1/settings; Storage: GET
 * /storage/v1/bucket; Realtime: WebSocket handshake) and finishes when all
 * are done; it fails only if cancelled. "running" notifies. */
SupaHealthCheck *supa_health_check_new          (SupaClient          *client);
SupaClient      *supa_health_check_get_client   (SupaHealthCheck     *self);
gboolean         supa_health_check_get_running  (SupaHealthCheck     *self);
/* TRUE when every service is OK or DEGRADED. */
gboolean         supa_health_check_get_all_reachable (SupaHealthCheck *self);
void             supa_health_check_run_async    (SupaHealthCheck     *self,
                                                 GCancellable        *cancellable,
                                                 GAsyncReadyCallback  callback,
                                                 gpointer             user_data);
gboolean         supa_health_check_run_finish   (SupaHealthCheck     *self,
                                                 GAsyncResult        *result,
                                                 GError             **error);

G_END_DECLS
