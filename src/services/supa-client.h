/* supa-client.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>
#include <libsoup/soup.h>

#include "supa-error.h"
#include "supa-key-info.h"
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

typedef enum
{
  SUPA_URL_HTTPS,          /* https:// — fine */
  SUPA_URL_LOOPBACK_HTTP,  /* http:// to 127.0.0.0/8, ::1 or localhost — fine */
  SUPA_URL_INSECURE_HTTP,  /* http:// elsewhere — needs the user's confirmation */
} SupaUrlSecurity;

/* Validates and normalises a project URL typed by a person: trims, requires
 * http or https with a host, drops a trailing slash and any path such as
 * "/rest/v1" pasted by mistake (keeping a self-hosted path prefix otherwise),
 * refuses userinfo, query and fragment. Returns the normalised URL or NULL
 * with SUPA_ERROR_INVALID_INPUT and a translated message. */
char            *supa_project_url_normalize (const char       *text,
                                             SupaUrlSecurity  *security,
                                             GError          **error);
gboolean         supa_host_is_loopback      (const char       *host);
/* "abcdefghijklmnopqrst" for https://abcdefghijklmnopqrst.supabase.co, else NULL. */
char            *supa_project_ref_from_url  (const char       *url);

#define SUPA_TYPE_CLIENT (supa_client_get_type ())

G_DECLARE_FINAL_TYPE (SupaClient, supa_client, SUPA, CLIENT, GObject)

/* @url must already be normalised. @session may be NULL (a new one is made).
 * The key is kept in memory only and never logged. */
SupaClient      *supa_client_new            (const char   *url,
                                             const char   *api_key,
                                             SoupSession  *session);

const char      *supa_client_get_url        (SupaClient   *self);
SoupSession     *supa_client_get_session    (SupaClient   *self);
SupaKeyInfo     *supa_client_get_key_info   (SupaClient   *self);
/* The signed-in user's access token used as Bearer instead of the key
 * (PROTOCOL.md §1.2); NULL to go back to the key. */
void             supa_client_set_access_token (SupaClient *self,
                                               const char *access_token);

/* Absolute URI for a service path such as "rest/v1/todos" or
 * "storage/v1/bucket"; @query may be NULL (already encoded). */
char            *supa_client_build_url      (SupaClient   *self,
                                             const char   *service_path,
                                             const char   *query);
/* ws:// or wss:// URL for "realtime/v1/websocket" with apikey and vsn. The
 * result contains the key: never log it. */
char            *supa_client_build_realtime_url (SupaClient *self,
                                                 const char *vsn);

/* A message to BASE/@service_path with the header policy applied: apikey,
 * Authorization: Bearer (access token or key, except sb_ keys for
 * Functions), X-Client-Info, and X-Supabase-Api-Version for Auth. */
SoupMessage     *supa_client_new_message    (SupaClient   *self,
                                             SupaService   service,
                                             const char   *method,
                                             const char   *service_path,
                                             const char   *query);

/* Added: applies the same header policy to a message made elsewhere (e.g.
 * the WebSocket handshake of the health check). */
void             supa_client_apply_headers  (SupaClient   *self,
                                             SoupMessage  *msg,
                                             SupaService   service);

/* Sends @msg, reads the whole body, and maps a non-2xx status (or a
 * transport failure) into a SUPA_ERROR following @service's error format.
 * The finish function returns the body (possibly empty, never NULL on
 * success). Requests and responses are logged at debug level with the key
 * and tokens redacted. */
void             supa_client_send_async     (SupaClient          *self,
                                             SoupMessage         *msg,
                                             SupaService          service,
                                             GCancellable        *cancellable,
                                             GAsyncReadyCallback  callback,
                                             gpointer             user_data);
GBytes          *supa_client_send_finish    (SupaClient          *self,
                                             GAsyncResult        *result,
                                             GError             **error);

/* Thread rules. A SupaClient is made and configured (access token,
 * headers) in the main thread. Since libsoup 3.2 a SoupSession may send
 * messages from any thread, so the two calls below may run the exchange in
 * a worker thread; everything else here is main-thread API.
 * - A message is used by one thread at a time: build it (and its headers,
 *   with supa_client_new_message()/apply_headers()) before handing it over,
 *   and read its response after the send returned.
 * - Its signals (wrote-body-data, restarted, got-headers, …) are emitted in
 *   the thread that sends it: handlers must not touch GObject properties,
 *   widgets or other main-thread state; count in atomics and publish from
 *   the main context instead.
 * - The cancellable may be cancelled from any thread and aborts the
 *   blocking I/O promptly (G_IO_ERROR_CANCELLED).
 *
 * supa_client_send_sync() blocks the calling thread: never call it from
 * the main thread. Same logging and error mapping as
 * supa_client_send_async(). */
GBytes          *supa_client_send_sync      (SupaClient          *self,
                                             SoupMessage         *msg,
                                             SupaService          service,
                                             GCancellable        *cancellable,
                                             GError             **error);
/* supa_client_send_sync() in a GTask worker thread; @callback runs in the
 * thread-default main context of the caller. For large request bodies,
 * which libsoup's async path writes 8 KiB per main-loop iteration. */
void             supa_client_send_in_thread_async  (SupaClient          *self,
                                                    SoupMessage         *msg,
                                                    SupaService          service,
                                                    GCancellable        *cancellable,
                                                    GAsyncReadyCallback  callback,
                                                    gpointer             user_data);
GBytes          *supa_client_send_in_thread_finish (SupaClient          *self,
                                                    GAsyncResult        *result,
                                                    GError             **error);

/* Convenience over send: parses the body as JSON. An empty body gives a
 * JSON null node. */
void             supa_client_send_json_async  (SupaClient          *self,
                                               SoupMessage         *msg,
                                               SupaService          service,
                                               GCancellable        *cancellable,
                                               GAsyncReadyCallback  callback,
                                               gpointer             user_data);
JsonNode        *supa_client_send_json_finish (SupaClient          *self,
                                               GAsyncResult        *result,
                                               GError             **error);

/* Redacts apikey, Authorization, tokens in query strings (apikey=, token=,
 * access_token=) from a line meant for a log. */
char            *supa_redact                (const char *text);

G_END_DECLS
