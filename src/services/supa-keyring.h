/* supa-keyring.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>
#include <libsecret/secret.h>

G_BEGIN_DECLS

/* The libsecret schema every Supadesk secret is stored under. Attributes:
 * "profile" (the profile id) and "kind" (one of the SUPA_SECRET_* below). */
#define SUPA_KEYRING_SCHEMA_NAME "io.github.supadesk.Supadesk.Credential"

#define SUPA_SECRET_API_KEY       "api-key"
#define SUPA_SECRET_PASSWORD      "password"
#define SUPA_SECRET_REFRESH_TOKEN "refresh-token"

#define SUPA_TYPE_KEYRING (supa_keyring_get_type ())

G_DECLARE_FINAL_TYPE (SupaKeyring, supa_keyring, SUPA, KEYRING, GObject)

SupaKeyring *supa_keyring_new              (void);

/* Errors from these calls are SUPA_ERROR_KEYRING with a message that tells
 * the user what to do ("The system keyring is locked. Unlock it and try
 * again.", "No keyring service is running…"); never the secret. */
void         supa_keyring_store_async      (SupaKeyring         *self,
                                            const char          *profile_id,
                                            const char          *kind,
                                            const char          *label,
                                            const char          *secret,
                                            GCancellable        *cancellable,
                                            GAsyncReadyCallback  callback,
                                            gpointer             user_data);
gboolean     supa_keyring_store_finish     (SupaKeyring         *self,
                                            GAsyncResult        *result,
                                            GError             **error);

/* Finishes with the secret (free with supa_keyring_free_secret), or NULL and
 * no error when there is none. */
void         supa_keyring_lookup_async     (SupaKeyring         *self,
                                            const char          *profile_id,
                                            const char          *kind,
                                            GCancellable        *cancellable,
                                            GAsyncReadyCallback  callback,
                                            gpointer             user_data);
char        *supa_keyring_lookup_finish    (SupaKeyring         *self,
                                            GAsyncResult        *result,
                                            GError             **error);

/* Removes the secret of @kind, or every secret of the profile if @kind is NULL. */
void         supa_keyring_clear_async      (SupaKeyring         *self,
                                            const char          *profile_id,
                                            const char          *kind,
                                            GCancellable        *cancellable,
                                            GAsyncReadyCallback  callback,
                                            gpointer             user_data);
gboolean     supa_keyring_clear_finish     (SupaKeyring         *self,
                                            GAsyncResult        *result,
                                            GError             **error);

/* Wipes and frees a secret returned by lookup. */
void         supa_keyring_free_secret      (char *secret);

/* Added: the schema above as a SecretSchema (for tests and tools). */
const SecretSchema *supa_keyring_get_schema (void);

/* Added: maps a libsecret / D-Bus error to SUPA_ERROR_KEYRING with the
 * actionable message (no service, locked, prompt dismissed, other). A
 * cancellation of @cancellable is returned unchanged. */
GError      *supa_keyring_map_error        (const GError *error,
                                            GCancellable *cancellable);



G_END_DECLS
