/* supa-function-panel.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "supa-database.h"
#include "supa-schema.h"

G_BEGIN_DECLS

#define SUPA_TYPE_FUNCTION_PANEL (supa_function_panel_get_type ())

G_DECLARE_FINAL_TYPE (SupaFunctionPanel, supa_function_panel, SUPA, FUNCTION_PANEL, GtkWidget)

/* The rpc functions of @schema with a search, and for the selected one a
 * form built from its parameters, a Call button and the result: a table
 * for an array of objects, pretty-printed JSON otherwise. */
GtkWidget  *supa_function_panel_new             (SupaDatabase      *db,
                                                 SupaSchema        *schema);
/* Selects the function named @name; FALSE when the list has none. */
gboolean    supa_function_panel_select_function (SupaFunctionPanel *self,
                                                 const char        *name);
/* Types @text into the editor of parameter @name (booleans: "true" or
 * "false"); FALSE when the function has no such parameter. */
gboolean    supa_function_panel_set_argument    (SupaFunctionPanel *self,
                                                 const char        *name,
                                                 const char        *text);
/* The "Read-only call (GET)" switch (ignored when the function is
 * volatile). */
void        supa_function_panel_set_use_get     (SupaFunctionPanel *self,
                                                 gboolean           use_get);
/* Presses Call. FALSE when the form does not validate (the problems are
 * shown instead). */
gboolean    supa_function_panel_call            (SupaFunctionPanel *self);
gboolean    supa_function_panel_get_busy        (SupaFunctionPanel *self);
/* Rows in the result table, or -1 when the result is not shown as one. */
gint64      supa_function_panel_get_result_rows (SupaFunctionPanel *self);
/* The text of the JSON result view, or NULL when a table is shown. */
char       *supa_function_panel_dup_result_text (SupaFunctionPanel *self);
/* The status line ("3 rows", "Called with GET"…) and the error shown. */
const char *supa_function_panel_get_status      (SupaFunctionPanel *self);
const char *supa_function_panel_get_error       (SupaFunctionPanel *self);

G_END_DECLS
