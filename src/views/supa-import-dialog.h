/* supa-import-dialog.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "supa-database.h"
#include "supa-import.h"
#include "supa-schema.h"

G_BEGIN_DECLS

#define SUPA_TYPE_IMPORT_DIALOG (supa_import_dialog_get_type ())

G_DECLARE_FINAL_TYPE (SupaImportDialog, supa_import_dialog, SUPA, IMPORT_DIALOG, AdwWindow)

/* A modal window importing a CSV file into @table: file, column mapping
 * with a preview of the first rows, progress, then a report of every row
 * that failed. Emits "imported" (guint64 rows inserted) when a run ends
 * having inserted rows, so the caller can reload. */
SupaImportDialog *supa_import_dialog_new             (GtkWindow        *parent,
                                                      SupaDatabase     *db,
                                                      SupaTableInfo    *table);
/* Reads @file as if chosen in the file chooser (also what tests drive). */
void              supa_import_dialog_open_file       (SupaImportDialog *self,
                                                      GFile            *file);
/* Maps CSV column @index to @column (NULL: skip), as the dropdown does. */
void              supa_import_dialog_set_mapping     (SupaImportDialog *self,
                                                      guint             index,
                                                      const char       *column);
/* TRUE when the mapping is valid and the Import button is sensitive. */
gboolean          supa_import_dialog_get_can_import  (SupaImportDialog *self);
/* The mapping problem shown under the mapping, or NULL. */
const char       *supa_import_dialog_get_mapping_error (SupaImportDialog *self);
/* The preview rows (SupaImportRow) shown, or NULL before the preview. */
GPtrArray        *supa_import_dialog_get_preview     (SupaImportDialog *self);
/* Starts the import, as the Import button does. */
void              supa_import_dialog_start           (SupaImportDialog *self);
/* "choose", "mapping", "progress", "report" or "error". */
const char       *supa_import_dialog_get_page        (SupaImportDialog *self);
/* The report as plain text, as "Copy Report" puts on the clipboard; NULL
 * before the import ended. */
const char       *supa_import_dialog_get_report_text (SupaImportDialog *self);

G_END_DECLS
