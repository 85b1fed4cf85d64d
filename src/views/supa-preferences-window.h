/* supa-preferences-window.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "supa-profile-store.h"

G_BEGIN_DECLS

#define SUPA_TYPE_PREFERENCES_WINDOW (supa_preferences_window_get_type ())

G_DECLARE_FINAL_TYPE (SupaPreferencesWindow, supa_preferences_window, SUPA, PREFERENCES_WINDOW, AdwPreferencesWindow)

/* Pages "projects" (the saved profiles: edit, duplicate, remove, add) and
 * "general" (settings). @store may be read-only when @read_only is TRUE
 * (saved profiles could not be read; nothing may overwrite them). */
GtkWidget *supa_preferences_window_new (GtkWindow        *parent,
                                        SupaProfileStore *store,
                                        gboolean          read_only);

G_END_DECLS
