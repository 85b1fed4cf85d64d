/* supa-application.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "supa-profile-store.h"

G_BEGIN_DECLS

#define SUPA_TYPE_APPLICATION (supa_application_get_type ())

G_DECLARE_FINAL_TYPE (SupaApplication, supa_application, SUPA, APPLICATION, AdwApplication)

SupaApplication  *supa_application_new               (const char      *application_id);
SupaProfileStore *supa_application_get_profile_store (SupaApplication *self);
/* The error from reading the saved profiles at start-up, or NULL. */
const GError     *supa_application_get_load_error    (SupaApplication *self);

G_END_DECLS
