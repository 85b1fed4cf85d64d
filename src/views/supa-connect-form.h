/* supa-connect-form.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "supa-profile-store.h"

G_BEGIN_DECLS

#define SUPA_TYPE_CONNECT_FORM (supa_connect_form_get_type ())

G_DECLARE_FINAL_TYPE (SupaConnectForm, supa_connect_form, SUPA, CONNECT_FORM, GtkWidget)

/* The form to add or edit a project. With @profile set it edits that profile
 * and an empty key field keeps the stored key. Emits "saved" (SupaProfile)
 * once the store has written the profile. */
GtkWidget        *supa_connect_form_new             (SupaProfileStore *store,
                                                     SupaProfile      *profile);

SupaProfileStore *supa_connect_form_get_profile_store (SupaConnectForm *self);
SupaProfile      *supa_connect_form_get_profile     (SupaConnectForm  *self);
/* TRUE when every field holds an acceptable value (Save is sensitive). */
gboolean          supa_connect_form_get_valid       (SupaConnectForm  *self);
gboolean          supa_connect_form_get_busy        (SupaConnectForm  *self);
/* Validates and saves, exactly as the Save button does. */
void              supa_connect_form_save            (SupaConnectForm  *self);
/* Runs the health checks against the typed URL and key. */
void              supa_connect_form_test_connection (SupaConnectForm  *self);

G_END_DECLS
