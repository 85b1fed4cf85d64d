/* supa-profile.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

/* The tag that makes destructive confirmations stricter. */
#define SUPA_PROFILE_TAG_PRODUCTION "production"

#define SUPA_TYPE_PROFILE (supa_profile_get_type ())

G_DECLARE_FINAL_TYPE (SupaProfile, supa_profile, SUPA, PROFILE, GObject)

/* A connection profile: everything but the secrets, which live in the
 * keyring under the profile's id. Properties (all notify on real change):
 * "id" (construct-only, a UUID), "name", "url", "role" (the key's role as
 * parsed when it was saved: "anon", "service_role", "publishable",
 * "secret", …), "tag" (free text; "production" is special), "color" (a
 * named colour such as "blue", or NULL). */
SupaProfile *supa_profile_new             (const char  *id);
/* @new_id NULL keeps @self's id (an editable copy to save back through
 * the store); "" gives the copy a new random id. Added read-only
 * properties: "is-production", "bypasses-rls". */
SupaProfile *supa_profile_copy            (SupaProfile *self,
                                           const char  *new_id);

const char  *supa_profile_get_id          (SupaProfile *self);
const char  *supa_profile_get_name        (SupaProfile *self);
void         supa_profile_set_name        (SupaProfile *self,
                                           const char  *name);
const char  *supa_profile_get_url         (SupaProfile *self);
void         supa_profile_set_url         (SupaProfile *self,
                                           const char  *url);
const char  *supa_profile_get_role        (SupaProfile *self);
void         supa_profile_set_role        (SupaProfile *self,
                                           const char  *role);
const char  *supa_profile_get_tag         (SupaProfile *self);
void         supa_profile_set_tag         (SupaProfile *self,
                                           const char  *tag);
const char  *supa_profile_get_color       (SupaProfile *self);
void         supa_profile_set_color       (SupaProfile *self,
                                           const char  *color);

gboolean     supa_profile_is_production   (SupaProfile *self);
/* TRUE when the stored role bypasses row level security. */
gboolean     supa_profile_bypasses_rls    (SupaProfile *self);

G_END_DECLS
