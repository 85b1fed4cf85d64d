/* supa-export-dialog.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "supa-database.h"
#include "supa-export.h"
#include "supa-schema.h"

G_BEGIN_DECLS

#define SUPA_TYPE_EXPORT_DIALOG (supa_export_dialog_get_type ())

G_DECLARE_FINAL_TYPE (SupaExportDialog, supa_export_dialog, SUPA, EXPORT_DIALOG, AdwWindow)

/* A modal window exporting the rows of @table to a CSV or JSON file the
 * user chooses. @query (may be NULL: the whole table) gives the select and
 * filters of the current view; @order is the view's PostgREST order
 * ("name.asc,id.desc.nullslast", may be NULL). The dialog pages by the
 * table's primary key and removes a partial file on cancel or failure. */
SupaExportDialog *supa_export_dialog_new            (GtkWindow        *parent,
                                                     SupaDatabase     *db,
                                                     SupaTableInfo    *table,
                                                     SupaQuery        *query,
                                                     const char       *order);
/* The number of rows the view matches, shown as "Only the N matching
 * rows"; -1 hides it. Without a query the dialog counts the table itself. */
void              supa_export_dialog_set_row_count  (SupaExportDialog *self,
                                                     gint64            n_rows);
/* Starts exporting to @file as if chosen in the file chooser (also what
 * tests drive). */
void              supa_export_dialog_export_to_file (SupaExportDialog *self,
                                                     GFile            *file,
                                                     SupaExportFormat  format);
/* "options", "progress", "done" or "error". */
const char       *supa_export_dialog_get_page       (SupaExportDialog *self);
/* Cancels a running export (as the Cancel button does). */
void              supa_export_dialog_cancel         (SupaExportDialog *self);

G_END_DECLS
