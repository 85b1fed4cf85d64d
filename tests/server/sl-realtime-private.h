/* sl-realtime-private.h — pieces shared by the realtime module's files.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * sl-realtime.c owns the WebSocket side (Phoenix channels, broadcast,
 * presence) on the main thread; sl-realtime-cdc.c owns change capture
 * (logical decoding with wal2json on its own thread) and turns each
 * committed change into ready-to-send frames for subscribed channels.
 */

#pragma once

#include "sl-server.h"

G_BEGIN_DECLS

#define SL_RT_PUBLICATION "supabase_realtime"
#define SL_RT_SLOT        "supabase_local_realtime"

typedef struct _SlRtCdc SlRtCdc;

/* One frame for one channel incarnation, produced by the decoder. */
typedef struct
{
  guint64  channel_id;
  char    *frame;        /* complete text frame (V1 object or V2 array) */
} SlRtDelivery;

/* Called on the main thread with a batch of deliveries in commit order;
 * the callee must call sl_rt_cdc_delivered() once it has sent them. */
typedef void (*SlRtDeliverFunc) (GPtrArray *deliveries,   /* element-type SlRtDelivery */
                                 gpointer   user_data);

SlRtCdc  *sl_rt_cdc_new              (SlServer         *server,
                                      SlRtDeliverFunc   deliver,
                                      gpointer          user_data,
                                      GError          **error);
void      sl_rt_cdc_free             (SlRtCdc          *cdc);
void      sl_rt_cdc_delivered        (SlRtCdc          *cdc,
                                      guint             n_frames);

/* Validates @pg_changes (the join's config.postgres_changes entries) in a
 * worker thread: parses filters and resolves the tables from the
 * publication. On success the subscription is prepared but not active;
 * sl_rt_cdc_subscribe_finish() activates it (main thread). On failure
 * @error's message is the text Realtime pushes as a system error. */
void      sl_rt_cdc_subscribe_async  (SlRtCdc          *cdc,
                                      guint64           channel_id,
                                      int               vsn,
                                      const char       *topic,
                                      JsonArray        *pg_changes,
                                      const guint      *ids,
                                      const char       *role,
                                      const char       *claims_json,
                                      GCancellable     *cancellable,
                                      GAsyncReadyCallback callback,
                                      gpointer          user_data);
gboolean  sl_rt_cdc_subscribe_finish (SlRtCdc          *cdc,
                                      GAsyncResult     *result,
                                      GError          **error);
void      sl_rt_cdc_update_claims    (SlRtCdc          *cdc,
                                      guint64           channel_id,
                                      const char       *role,
                                      const char       *claims_json);
void      sl_rt_cdc_unsubscribe      (SlRtCdc          *cdc,
                                      guint64           channel_id);

/* JSON helpers shared by both files. */
void      sl_rt_append_json_string   (GString          *out,
                                      const char       *str);
char     *sl_rt_node_to_string       (JsonNode         *node);
/* Builds a complete frame around an already serialised payload.
 * @join_ref/@ref may be NULL (JSON null). V1 never carries join_ref. */
char     *sl_rt_encode_frame         (int               vsn,
                                      const char       *join_ref,
                                      const char       *ref,
                                      const char       *topic,
                                      const char       *event,
                                      const char       *payload_json);

G_END_DECLS
