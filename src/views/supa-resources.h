/* supa-resources.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Makes sure the compiled resources are linked in and registered before a
 * widget class loads its template from them. The resource object sits in a
 * static library and registers itself from a constructor, which the linker
 * would drop if nothing referenced it. */
void supa_resources_ensure (void);

G_END_DECLS
