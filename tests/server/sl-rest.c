/* sl-rest.c — placeholder until the module lands (replaced, never shipped).
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include "sl-server.h"

void
sl_rest_register (SlServer *server)
{
}

void
sl_rest_shutdown (SlServer *server)
{
}
