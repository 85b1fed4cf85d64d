/* sl-auth-private.h — what the files of supabase-local's auth module share.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * One SlAuthCall lives for one request on a worker thread. Every handler
 * runs inside a transaction on @conn that the dispatcher commits when the
 * response status is below 500 (GoTrue also commits some 4xx outcomes, e.g.
 * the token-family revocation on refresh-token reuse) and rolls back
 * otherwise.
 */

#pragma once

#include "sl-server.h"

G_BEGIN_DECLS

#define SL_AUTH_JWT_EXP        3600
#define SL_AUTH_OTP_EXP        86400
#define SL_AUTH_MIN_PASSWORD   6
#define SL_AUTH_VERSION        "v2.177.0"

typedef struct
{
  SlServer   *server;
  SlRequest  *req;
  SlResponse *resp;
  PGconn     *conn;
  gboolean    api_2024;    /* X-Supabase-Api-Version >= 2024-01-01 */
  JsonNode   *body_node;   /* the parsed body, once parsed */
} SlAuthCall;

/* Errors in the format selected by X-Supabase-Api-Version (§1.4.2). @code
 * may be NULL. */
void        sl_auth_error            (SlAuthCall  *c,
                                      guint        status,
                                      const char  *code,
                                      const char  *format,
                                      ...) G_GNUC_PRINTF (4, 5);
void        sl_auth_weak_password    (SlAuthCall  *c,
                                      const char  *message);
void        sl_auth_send_node        (SlAuthCall  *c,
                                      guint        status,
                                      JsonNode    *node);
void        sl_auth_send_text        (SlAuthCall  *c,
                                      guint        status,
                                      const char  *json_text);

/* Runs SQL; on failure answers 500 "@what" and returns NULL. */
PGresult   *sl_auth_exec             (SlAuthCall  *c,
                                      const char  *what,
                                      const char  *sql,
                                      int          n_params,
                                      const char * const *params);
/* Like sl_auth_exec for a single-row, single-column result: a copy of that
 * value, or NULL (no row, SQL NULL, or error — @failed tells which). */
char       *sl_auth_exec_value       (SlAuthCall  *c,
                                      const char  *what,
                                      gboolean    *failed,
                                      const char  *sql,
                                      int          n_params,
                                      const char * const *params);

/* The request body as an object; answers 400 bad_json and returns NULL when
 * it is not a JSON object. */
JsonObject *sl_auth_body             (SlAuthCall  *c);
/* Typed members: NULL/FALSE/absent when missing, null or of another type. */
const char *sl_auth_obj_string       (JsonObject  *obj,
                                      const char  *name);
gboolean    sl_auth_obj_bool         (JsonObject  *obj,
                                      const char  *name);
JsonObject *sl_auth_obj_object       (JsonObject  *obj,
                                      const char  *name);
/* The member as JSON text (NULL when absent or null). */
char       *sl_auth_obj_json         (JsonObject  *obj,
                                      const char  *name);

char       *sl_auth_node_to_string   (JsonNode    *node);
JsonNode   *sl_auth_parse            (const char  *json_text);

/* The User JSON (GoTrue key order) of @user_id, or NULL when absent. */
JsonNode   *sl_auth_user_node        (SlAuthCall  *c,
                                      const char  *user_id,
                                      gboolean    *failed);
/* Verifies the bearer token as GoTrue's requireAuthentication does and
 * loads the user and session; answers the request and returns FALSE on
 * failure. Outputs are newly allocated (session_id may be NULL). */
gboolean    sl_auth_require_user     (SlAuthCall  *c,
                                      char       **user_id,
                                      char       **session_id);
/* Admin routes: a bearer JWT whose role is service_role or supabase_admin. */
gboolean    sl_auth_require_admin    (SlAuthCall  *c);

/* Builds the AccessTokenResponse for an existing session. */
JsonNode   *sl_auth_token_response   (SlAuthCall  *c,
                                      const char  *user_id,
                                      const char  *session_id,
                                      const char  *refresh_token);
/* Starts a session (amr @method) and answers 200 with the token response. */
gboolean    sl_auth_sign_in          (SlAuthCall  *c,
                                      const char  *user_id,
                                      const char  *method);

/* Validates and lower-cases an email (NULL + 400 answered on failure). */
char       *sl_auth_validate_email   (SlAuthCall  *c,
                                      const char  *email);
gboolean    sl_auth_check_password   (SlAuthCall  *c,
                                      const char  *password);
char       *sl_auth_generate_otp     (void);
/* The redirect GoTrue would use: redirect_to (body, then query), Referer,
 * else the site URL. */
char       *sl_auth_redirect_url     (SlAuthCall  *c,
                                      const char  *body_redirect);
/* Go's url.QueryEscape. */
char       *sl_auth_query_escape     (const char  *s);
/* <base>/auth/v1/verify?token=…&type=…&redirect_to=… as GoTrue's mailer. */
char       *sl_auth_action_link      (SlAuthCall  *c,
                                      const char  *hashed_token,
                                      const char  *type,
                                      const char  *redirect);
/* Puts a message into the local outbox. */
gboolean    sl_auth_outbox_add       (SlAuthCall  *c,
                                      const char  *to,
                                      const char  *kind,
                                      const char  *subject,
                                      const char  *body,
                                      const char  *action_link,
                                      const char  *otp);
/* Stores a fresh token for @user_id in @column (confirmation_token,
 * recovery_token, …, with its *_sent_at), mails it and returns TRUE.
 * Outputs (may be NULL): the OTP and the hashed token. */
gboolean    sl_auth_send_token_mail  (SlAuthCall  *c,
                                      const char  *user_id,
                                      const char  *email,
                                      const char  *kind,
                                      const char  *link_type,
                                      const char  *redirect,
                                      char       **otp_out,
                                      char       **hash_out);

gboolean    sl_auth_is_uuid          (const char  *s);
/* Go's time.ParseDuration, in seconds; error text as Go's. */
gboolean    sl_auth_parse_duration   (const char  *s,
                                      double      *seconds,
                                      char       **error_text);

/* sl-auth-admin.c */
void        sl_auth_admin_route      (SlAuthCall  *c,
                                      const char  *path);
void        sl_auth_invite           (SlAuthCall  *c);

/* sl-auth-mfa.c */
void        sl_auth_factors_route    (SlAuthCall  *c,
                                      const char  *path);
/* RFC 6238 TOTP (SHA1, 6 digits, 30 s) of a base32 secret at @unix_time. */
char       *sl_auth_totp_code        (const char  *base32_secret,
                                      gint64       unix_time);

G_END_DECLS
