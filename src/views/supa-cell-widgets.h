/* supa-cell-widgets.h — table browser cells and type-aware value editors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>
#include <json-glib/json-glib.h>

#include "supa-row-model.h"
#include "supa-schema.h"

G_BEGIN_DECLS

/* One line of text for @value in a grid cell: strings as they are (first
 * line only), JSON objects and arrays compact, "NULL" for a JSON null (with
 * @is_null set), "" for a missing value. */
char      *supa_cell_format_value        (JsonNode       *value,
                                          gboolean       *is_null);

/* As supa_cell_format_value(), knowing the column: timestamp with time
 * zone values are shown in the local time zone ("2024-05-01 12:11:12"). */
char      *supa_cell_format_column_value (SupaColumnInfo *column,
                                          JsonNode       *value,
                                          gboolean       *is_null);

/* --- SupaCell: one grid cell, bound to a SupaRow ------------------------ */

#define SUPA_TYPE_CELL (supa_cell_get_type ())

G_DECLARE_FINAL_TYPE (SupaCell, supa_cell, SUPA, CELL, GtkWidget)

/* A focusable cell of @column; its tooltip holds the full value when the
 * text shows less (a local time, a cut line). Enter or a double click emits
 * "edit-requested"; every click emits "pressed" first. */
GtkWidget      *supa_cell_new            (SupaColumnInfo *column);
SupaColumnInfo *supa_cell_get_column     (SupaCell       *self);
SupaRow        *supa_cell_get_row        (SupaCell       *self);
/* Follows @row (may be NULL) until the next call: placeholders show a
 * loading state and the text appears when the page arrives. */
void            supa_cell_set_row        (SupaCell       *self,
                                          SupaRow        *row);
/* The tooltip the cell shows when hovered (computed on demand, the full
 * value when the text shows less), or NULL for none. */
char           *supa_cell_dup_tooltip_text (SupaCell     *self);
/* The text shown, e.g. "NULL" (tests). */
const char     *supa_cell_get_text       (SupaCell       *self);
gboolean        supa_cell_get_is_null    (SupaCell       *self);

/* --- SupaValueEditor: a type-aware input for one column ----------------- */

#define SUPA_TYPE_VALUE_EDITOR (supa_value_editor_get_type ())

G_DECLARE_FINAL_TYPE (SupaValueEditor, supa_value_editor, SUPA, VALUE_EDITOR, GtkWidget)

/* A text entry (text, numbers with validation), a check button (boolean),
 * a drop-down (enum) or a multi-line JSON field (json, arrays). Emits
 * "activate" when the user presses Enter in a single-line field and
 * "changed" on every edit. */
GtkWidget      *supa_value_editor_new          (SupaColumnInfo  *column);
SupaColumnInfo *supa_value_editor_get_column   (SupaValueEditor *self);
/* Shows @value (NULL or a JSON null: empty). */
void            supa_value_editor_set_value    (SupaValueEditor *self,
                                                JsonNode        *value);
/* Sets the input from text as the user would type it (tests, defaults). */
void            supa_value_editor_set_text     (SupaValueEditor *self,
                                                const char      *text);
/* The value to send, or NULL with a translated error the user can act on
 * ("Not a whole number", the JSON parser's message…). */
JsonNode       *supa_value_editor_get_value    (SupaValueEditor *self,
                                                GError         **error);
/* Whether the user changed the input since the last set_value. */
gboolean        supa_value_editor_get_modified (SupaValueEditor *self);
/* Moves keyboard focus into the input. */
void            supa_value_editor_focus        (SupaValueEditor *self);

G_END_DECLS
