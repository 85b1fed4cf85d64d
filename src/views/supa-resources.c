/* supa-resources.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <gio/gio.h>

#include "supa-resources.h"
#include "supadesk-resources.h"

void
supa_resources_ensure (void)
{
  static gsize once = 0;

  if (g_once_init_enter (&once))
    {
      GResource *resource = supadesk_get_resource ();
      g_autoptr(GBytes) css = NULL;

      /* With constructors the resource is registered already; this keeps
       * the reference and covers compilers without them. */
      css = g_resources_lookup_data ("/io/github/supadesk/Supadesk/style.css",
                                     G_RESOURCE_LOOKUP_FLAGS_NONE, NULL);
      if (css == NULL)
        g_resources_register (resource);

      g_once_init_leave (&once, 1);
    }
}
