/* supa-row-editor.h — the "Insert Row" dialog of the table browser
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "supa-database.h"
#include "supa-schema.h"

G_BEGIN_DECLS

#define SUPA_TYPE_ROW_EDITOR (supa_row_editor_get_type ())

G_DECLARE_FINAL_TYPE (SupaRowEditor, supa_row_editor, SUPA, ROW_EDITOR, AdwWindow)

/* A field per column of @table: type-aware inputs, a NULL switch for
 * nullable columns, a picker searching the referenced table for foreign
 * keys, and columns with a default left to the database until
 * the user types in them. "Insert" POSTs the row; on success the dialog
 * emits "inserted" (with the row the server returned, a JsonObject) and
 * closes, on failure it shows the server's message. */
GtkWidget *supa_row_editor_new      (GtkWindow     *parent,
                                     SupaDatabase  *database,
                                     SupaTableInfo *table,
                                     GCancellable  *cancellable);
/* Types @text into the field of @column (as the user would). FALSE when
 * there is no such column. */
gboolean   supa_row_editor_set_text (SupaRowEditor *self,
                                     const char    *column,
                                     const char    *text);
/* The values that "Insert" would send, or NULL with the first invalid
 * field's message. */
JsonObject *supa_row_editor_dup_values (SupaRowEditor *self,
                                        GError       **error);
/* Fills the fields from @values (a row as the server sent it), as
 * "Duplicate Row" does: every column but the primary key and columns fed by
 * a sequence, which the database fills. The values are sent even if the
 * user leaves them untouched. */
void       supa_row_editor_set_values (SupaRowEditor *self,
                                       JsonObject    *values);
/* Opens the picker of the foreign-key column @column and returns its
 * popover, or NULL when @column is no foreign key. The picker lists the
 * first 200 rows of the referenced table by the referenced column; its
 * search (after a 250 ms pause in typing) asks the server for rows whose
 * referenced column equals the text (when it is a value of that type) or
 * whose text columns contain it. Down moves to the list, Enter picks;
 * picking fills the field. Widget names for tests: "pick-search",
 * "pick-list", "pick-spinner", "pick-status", "pick-placeholder". */
GtkWidget *supa_row_editor_open_picker (SupaRowEditor *self,
                                        const char    *column);
/* The loaded schema of the table, for the pickers (else they load it). */
void       supa_row_editor_set_schema (SupaRowEditor *self,
                                       SupaSchema    *schema);
/* Clicks "Insert". */
void       supa_row_editor_save     (SupaRowEditor *self);
/* The error shown, or NULL. */
const char *supa_row_editor_get_error (SupaRowEditor *self);

G_END_DECLS
