/* supa-transfer-list.h — header-bar button and popover of transfers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "supa-transfer-queue.h"

G_BEGIN_DECLS

#define SUPA_TYPE_TRANSFER_LIST (supa_transfer_list_get_type ())

G_DECLARE_FINAL_TYPE (SupaTransferList, supa_transfer_list, SUPA, TRANSFER_LIST, GtkWidget)

/* A button showing the overall progress of @queue's active transfers; its
 * popover lists every transfer with a progress bar, "3.2 MB of 10 MB —
 * 1.1 MB/s — 8 s left", and pause, resume, cancel and retry buttons. */
GtkWidget         *supa_transfer_list_new        (void);
void               supa_transfer_list_set_queue  (SupaTransferList  *self,
                                                  SupaTransferQueue *queue);
SupaTransferQueue *supa_transfer_list_get_queue  (SupaTransferList  *self);
/* The list of transfer rows inside the popover. */
GtkListBox        *supa_transfer_list_get_list_box (SupaTransferList *self);
GtkMenuButton     *supa_transfer_list_get_button (SupaTransferList  *self);

/* "3.2 MB of 10 MB — 1.1 MB/s — 8 s left" (parts that are unknown are left
 * out); a state word for finished transfers. */
char              *supa_transfer_format_status   (SupaTransfer      *transfer);

G_END_DECLS
