/* supa-overview-page.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "supa-health.h"
#include "supa-key-info.h"
#include "supa-profile.h"

G_BEGIN_DECLS

#define SUPA_TYPE_OVERVIEW_PAGE (supa_overview_page_get_type ())

G_DECLARE_FINAL_TYPE (SupaOverviewPage, supa_overview_page, SUPA, OVERVIEW_PAGE, GtkWidget)

/* The project overview: profile facts, the key's role and expiry, a warning
 * when the key bypasses row level security, and the service checks. The
 * Refresh button activates win.refresh. */
GtkWidget       *supa_overview_page_new              (const char       *title);

const char      *supa_overview_page_get_title        (SupaOverviewPage *self);
void             supa_overview_page_set_title        (SupaOverviewPage *self,
                                                      const char       *title);
SupaProfile     *supa_overview_page_get_profile      (SupaOverviewPage *self);
void             supa_overview_page_set_profile      (SupaOverviewPage *self,
                                                      SupaProfile      *profile);
SupaKeyInfo     *supa_overview_page_get_key_info     (SupaOverviewPage *self);
void             supa_overview_page_set_key_info     (SupaOverviewPage *self,
                                                      SupaKeyInfo      *key_info);
SupaHealthCheck *supa_overview_page_get_health_check (SupaOverviewPage *self);
void             supa_overview_page_set_health_check (SupaOverviewPage *self,
                                                      SupaHealthCheck  *check);
/* Whether the row level security warning is shown. */
gboolean         supa_overview_page_get_rls_warning_visible (SupaOverviewPage *self);

G_END_DECLS
