/* supa-window.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "supa-profile-store.h"

G_BEGIN_DECLS

#define SUPA_TYPE_WINDOW (supa_window_get_type ())

G_DECLARE_FINAL_TYPE (SupaWindow, supa_window, SUPA, WINDOW, AdwApplicationWindow)

/* The sections of the sidebar, also the values of win.section and of the
 * "last-section" setting. */
#define SUPA_SECTION_TABLES   "tables"
#define SUPA_SECTION_STORAGE  "storage"
#define SUPA_SECTION_USERS    "users"
#define SUPA_SECTION_REALTIME "realtime"

gboolean          supa_section_is_valid            (const char       *section);

/* @application may be NULL (tests). @load_error is the error from loading
 * @store, shown in the window; while set, nothing is saved to the store. */
SupaWindow       *supa_window_new                  (GtkApplication   *application,
                                                    SupaProfileStore *store,
                                                    const GError     *load_error);

SupaProfileStore *supa_window_get_profile_store    (SupaWindow       *self);
const char       *supa_window_get_section          (SupaWindow       *self);
void              supa_window_set_section          (SupaWindow       *self,
                                                    const char       *section);
/* The connected (or connecting) profile, or NULL on the first-run page. */
SupaProfile      *supa_window_get_profile          (SupaWindow       *self);
/* Connects to a saved profile: looks its key up in the keyring, then runs
 * the overview checks. */
void              supa_window_open_profile         (SupaWindow       *self,
                                                    SupaProfile      *profile);
/* Connects to the profile named by the "last-profile" setting, else the
 * first saved one; shows the first-run page when there is none. */
void              supa_window_open_default         (SupaWindow       *self);
/* Connects to @url with @api_key without saving anything; "Save Project"
 * (win.save-project) stores it later. @name may be NULL. */
void              supa_window_open_transient       (SupaWindow       *self,
                                                    const char       *name,
                                                    const char       *url,
                                                    const char       *api_key);
gboolean          supa_window_is_transient         (SupaWindow       *self);
/* Name of the visible page: "welcome", "load-error", "connecting",
 * "keyring-error" or "project". */
const char       *supa_window_get_page             (SupaWindow       *self);

G_END_DECLS
