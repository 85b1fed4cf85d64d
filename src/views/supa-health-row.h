/* supa-health-row.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "supa-health.h"

G_BEGIN_DECLS

#define SUPA_TYPE_HEALTH_ROW (supa_health_row_get_type ())

G_DECLARE_FINAL_TYPE (SupaHealthRow, supa_health_row, SUPA, HEALTH_ROW, AdwActionRow)

/* A row that follows one SupaServiceHealth: spinner while pending, a state
 * icon, the endpoint, the round trip ("42 ms") and the message. */
GtkWidget         *supa_health_row_new        (SupaServiceHealth *health);
SupaServiceHealth *supa_health_row_get_health (SupaHealthRow     *self);

G_END_DECLS
