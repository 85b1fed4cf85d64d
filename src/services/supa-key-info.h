/* supa-key-info.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

typedef enum
{
  SUPA_KEY_KIND_LEGACY_JWT,     /* eyJ… with a role claim */
  SUPA_KEY_KIND_PUBLISHABLE,    /* sb_publishable_… */
  SUPA_KEY_KIND_SECRET,         /* sb_secret_… */
} SupaKeyKind;

#define SUPA_TYPE_KEY_INFO (supa_key_info_get_type ())

G_DECLARE_FINAL_TYPE (SupaKeyInfo, supa_key_info, SUPA, KEY_INFO, GObject)

/* Parses the shape of an API key without verifying it (we do not have the
 * JWT secret): a JWT must have three base64url parts and a string `role`
 * claim; new keys must carry the sb_publishable_ / sb_secret_ prefix and a
 * non-empty body. Errors are SUPA_ERROR_INVALID_INPUT with a message that
 * names the problem and never contains the key. */
SupaKeyInfo *supa_key_info_parse        (const char  *key,
                                         GError     **error);

SupaKeyKind  supa_key_info_get_kind     (SupaKeyInfo *self);
/* "anon", "service_role", "authenticated", … for JWTs; "publishable" or
 * "secret" for the new keys. */
const char  *supa_key_info_get_role     (SupaKeyInfo *self);
/* A translated, human label for the role ("Anonymous (public)", "Service role — bypasses row level security"). */
const char  *supa_key_info_get_role_label (SupaKeyInfo *self);
/* TRUE for service_role / supabase_admin JWTs and sb_secret_ keys. */
gboolean     supa_key_info_bypasses_rls (SupaKeyInfo *self);
/* The `ref` claim (hosted projects), or NULL. */
const char  *supa_key_info_get_ref      (SupaKeyInfo *self);
/* `exp` / `iat` claims, or NULL. */
GDateTime   *supa_key_info_get_expires_at (SupaKeyInfo *self);
GDateTime   *supa_key_info_get_issued_at  (SupaKeyInfo *self);
gboolean     supa_key_info_is_expired   (SupaKeyInfo *self,
                                         GDateTime   *now);

/* A redacted form fit for logs and UI: "eyJ…(anon)" / "sb_secret_…". */
char        *supa_key_info_redact       (SupaKeyInfo *self);

/* Added: TRUE for the roles that bypass row level security
 * ("service_role", "supabase_admin", "secret"); used for stored profiles. */
gboolean     supa_key_role_bypasses_rls (const char  *role);

G_END_DECLS
