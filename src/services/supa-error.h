/* supa-error.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define SUPA_ERROR (supa_error_quark ())

/**
 * SupaErrorCode:
 * @SUPA_ERROR_NETWORK: the host could not be reached (DNS, refused, reset, timeout)
 * @SUPA_ERROR_TLS: the TLS handshake or certificate check failed
 * @SUPA_ERROR_UNAUTHORIZED: HTTP 401, or a key/JWT the server rejected
 * @SUPA_ERROR_FORBIDDEN: HTTP 403
 * @SUPA_ERROR_NOT_FOUND: HTTP 404 (or a logical 404 in a Storage body)
 * @SUPA_ERROR_CONFLICT: HTTP 409 (unique/foreign key violation, duplicate object)
 * @SUPA_ERROR_INVALID_INPUT: bad input refused by us or by the server (4xx)
 * @SUPA_ERROR_SERVER: HTTP 5xx
 * @SUPA_ERROR_PROTOCOL: the server answered something we cannot understand
 * @SUPA_ERROR_KEYRING: the system keyring is missing, locked or refused
 * @SUPA_ERROR_RATE_LIMITED: HTTP 429
 * @SUPA_ERROR_TOO_LARGE: HTTP 413 (logical or real)
 * @SUPA_ERROR_UNSUPPORTED_MEDIA: HTTP 415 (logical or real)
 */
typedef enum
{
  SUPA_ERROR_NETWORK,
  SUPA_ERROR_TLS,
  SUPA_ERROR_UNAUTHORIZED,
  SUPA_ERROR_FORBIDDEN,
  SUPA_ERROR_NOT_FOUND,
  SUPA_ERROR_CONFLICT,
  SUPA_ERROR_INVALID_INPUT,
  SUPA_ERROR_SERVER,
  SUPA_ERROR_PROTOCOL,
  SUPA_ERROR_KEYRING,
  SUPA_ERROR_RATE_LIMITED,
  SUPA_ERROR_TOO_LARGE,
  SUPA_ERROR_UNSUPPORTED_MEDIA,
} SupaErrorCode;

/* The Supabase service an HTTP response came from; selects the error body
 * format (PROTOCOL.md §1.4). */
typedef enum
{
  SUPA_SERVICE_REST,
  SUPA_SERVICE_AUTH,
  SUPA_SERVICE_STORAGE,
  SUPA_SERVICE_REALTIME,
  SUPA_SERVICE_FUNCTIONS,
} SupaService;

GQuark       supa_error_quark             (void);

/* SUPA_ERROR is an extended error domain (G_DEFINE_EXTENDED_ERROR): the
 * server's own fields travel with the GError. All return NULL / 0 when absent
 * or when @error is not in SUPA_ERROR. */
guint        supa_error_get_http_status   (const GError *error);
guint        supa_error_get_logical_status(const GError *error);
const char  *supa_error_get_server_code   (const GError *error);
const char  *supa_error_get_details       (const GError *error);
const char  *supa_error_get_hint          (const GError *error);
double       supa_error_get_retry_after   (const GError *error);
/* The message followed, one per line, by the server's details, hint
 * ("Hint: …") and code ("Code: …") when present: what an error label or
 * dialog shows. */
char        *supa_error_dup_display_text  (const GError *error);

GError      *supa_error_new_full          (SupaErrorCode  code,
                                           guint          http_status,
                                           guint          logical_status,
                                           const char    *server_code,
                                           const char    *details,
                                           const char    *hint,
                                           const char    *message);

/* Maps a non-2xx response of @service into a SUPA_ERROR, following each
 * service's body format; @headers and @body may be NULL. The message is the
 * server's own message (never a key or token). */
GError      *supa_error_new_from_response (SupaService         service,
                                           guint               http_status,
                                           const char         *reason_phrase,
                                           const char         *retry_after,
                                           const char         *x_sb_error_code,
                                           GBytes             *body);

/* Maps a GIO/libsoup transport error (GIOError, GTlsError, GResolverError …)
 * into SUPA_ERROR_NETWORK or SUPA_ERROR_TLS with a message a person can act
 * on. Cancellation (G_IO_ERROR_CANCELLED) is passed through unchanged. */
GError      *supa_error_new_from_transport(const GError *transport_error,
                                           const char   *host);

/* Added: the code a status maps to (401 → UNAUTHORIZED, 403 → FORBIDDEN,
 * 404 → NOT_FOUND, 409 → CONFLICT, 413 → TOO_LARGE, 415 →
 * UNSUPPORTED_MEDIA, 429 → RATE_LIMITED, other 4xx → INVALID_INPUT, 5xx →
 * SERVER, anything else → PROTOCOL). For errors made by
 * supa_error_new_from_response the logical status is the HTTP status
 * except for Storage, whose body carries its own `statusCode`. */
SupaErrorCode supa_error_code_for_status  (guint         status);

G_END_DECLS
