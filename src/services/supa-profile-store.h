/* supa-profile-store.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "supa-keyring.h"
#include "supa-profile.h"

G_BEGIN_DECLS

#define SUPA_TYPE_PROFILE_STORE (supa_profile_store_get_type ())

G_DECLARE_FINAL_TYPE (SupaProfileStore, supa_profile_store, SUPA, PROFILE_STORE, GObject)

/* A GListModel of SupaProfile, sorted by name. Non-secret fields persist in
 * a keyfile (@path, or $XDG_CONFIG_HOME/supadesk/profiles.ini when NULL);
 * API keys go to @keyring only. Profiles are matched by id. */
SupaProfileStore *supa_profile_store_new           (const char        *path,
                                                    SupaKeyring       *keyring);

/* Reads the keyfile (small, at start-up). A missing file is an empty store;
 * a corrupt one is an error and is left untouched on disk. */
gboolean          supa_profile_store_load          (SupaProfileStore  *self,
                                                    GError           **error);

SupaKeyring      *supa_profile_store_get_keyring   (SupaProfileStore  *self);
SupaProfile      *supa_profile_store_find_by_id    (SupaProfileStore  *self,
                                                    const char        *id);
/* Case-insensitive match on the display name. */
SupaProfile      *supa_profile_store_find_by_name  (SupaProfileStore  *self,
                                                    const char        *name);

/* Adds or updates @profile. With @api_key non-NULL the key is written to the
 * keyring first; if that fails nothing is written and the store is
 * unchanged (the caller keeps its form). Names must be unique
 * (SUPA_ERROR_CONFLICT otherwise). */
void              supa_profile_store_save_async    (SupaProfileStore    *self,
                                                    SupaProfile         *profile,
                                                    const char          *api_key,
                                                    GCancellable        *cancellable,
                                                    GAsyncReadyCallback  callback,
                                                    gpointer             user_data);
gboolean          supa_profile_store_save_finish   (SupaProfileStore    *self,
                                                    GAsyncResult        *result,
                                                    GError             **error);

/* Removes the profile and every secret stored for it. */
void              supa_profile_store_remove_async  (SupaProfileStore    *self,
                                                    SupaProfile         *profile,
                                                    GCancellable        *cancellable,
                                                    GAsyncReadyCallback  callback,
                                                    gpointer             user_data);
gboolean          supa_profile_store_remove_finish (SupaProfileStore    *self,
                                                    GAsyncResult        *result,
                                                    GError             **error);

/* Copies @profile under a new id and a free name ("Name (copy)"), with its
 * API key copied in the keyring. Finishes with the new profile. */
void              supa_profile_store_duplicate_async  (SupaProfileStore    *self,
                                                       SupaProfile         *profile,
                                                       GCancellable        *cancellable,
                                                       GAsyncReadyCallback  callback,
                                                       gpointer             user_data);
SupaProfile      *supa_profile_store_duplicate_finish (SupaProfileStore    *self,
                                                       GAsyncResult        *result,
                                                       GError             **error);

/* The API key of @profile from the keyring (free with
 * supa_keyring_free_secret); SUPA_ERROR_KEYRING if missing or locked. */
void              supa_profile_store_lookup_key_async  (SupaProfileStore    *self,
                                                        SupaProfile         *profile,
                                                        GCancellable        *cancellable,
                                                        GAsyncReadyCallback  callback,
                                                        gpointer             user_data);
char             *supa_profile_store_lookup_key_finish (SupaProfileStore    *self,
                                                        GAsyncResult        *result,
                                                        GError             **error);

G_END_DECLS
