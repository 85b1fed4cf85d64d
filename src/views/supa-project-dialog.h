/* supa-project-dialog.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "supa-profile-store.h"

G_BEGIN_DECLS

#define SUPA_TYPE_PROJECT_DIALOG (supa_project_dialog_get_type ())

G_DECLARE_FINAL_TYPE (SupaProjectDialog, supa_project_dialog, SUPA, PROJECT_DIALOG, AdwWindow)

/* A modal window around SupaConnectForm: "Add Project" when @profile is
 * NULL, "Edit Project" otherwise. Closes itself after a successful save and
 * emits "saved" (SupaProfile) first. */
SupaProjectDialog *supa_project_dialog_new      (GtkWindow         *parent,
                                                 SupaProfileStore  *store,
                                                 SupaProfile       *profile);
GtkWidget         *supa_project_dialog_get_form (SupaProjectDialog *self);

G_END_DECLS
