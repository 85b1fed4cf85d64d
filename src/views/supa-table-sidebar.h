/* supa-table-sidebar.h — the list of tables and views of the table browser
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "supa-schema.h"

G_BEGIN_DECLS

#define SUPA_TYPE_TABLE_SIDEBAR (supa_table_sidebar_get_type ())

G_DECLARE_FINAL_TYPE (SupaTableSidebar, supa_table_sidebar, SUPA, TABLE_SIDEBAR, GtkWidget)

/* A schema drop-down, a search entry over the tables and views of that
 * schema, a "Project Overview" row and, below the list, a "Functions"
 * row. Signals: "table-selected" (SupaTableInfo), emitted when the user
 * picks a relation; "overview-requested"; "functions-requested";
 * "schema-selected" (the schema's name). */
GtkWidget     *supa_table_sidebar_new                (void);
/* @tables: a GListModel of SupaTableInfo, or NULL while nothing is loaded. */
void           supa_table_sidebar_set_tables         (SupaTableSidebar *self,
                                                      GListModel       *tables);
void           supa_table_sidebar_set_loading        (SupaTableSidebar *self,
                                                      gboolean          loading);
/* The relations shown after the search (a GListModel of SupaTableInfo). */
GListModel    *supa_table_sidebar_get_visible_tables (SupaTableSidebar *self);
SupaTableInfo *supa_table_sidebar_get_selected       (SupaTableSidebar *self);
/* Selects the relation named @name (emitting "table-selected"); FALSE when
 * it is not shown. NULL clears the selection. */
gboolean       supa_table_sidebar_select             (SupaTableSidebar *self,
                                                      const char       *name);
void           supa_table_sidebar_set_search_text    (SupaTableSidebar *self,
                                                      const char       *text);
/* Presses the Functions row; FALSE while no tables are set. */
gboolean       supa_table_sidebar_request_functions  (SupaTableSidebar *self);

/* The schema drop-down above the list ("Schema"), shown only when
 * @schemas has more than one name; @current is selected without emitting
 * "schema-selected" (string), which a user's choice emits. */
void           supa_table_sidebar_set_schemas        (SupaTableSidebar   *self,
                                                      const char * const *schemas,
                                                      const char         *current);
/* The selected schema, or NULL before set_schemas(). */
const char    *supa_table_sidebar_get_schema         (SupaTableSidebar *self);
/* The schemas offered (NULL-terminated; free with g_strfreev()). */
char         **supa_table_sidebar_dup_schemas        (SupaTableSidebar *self);
/* Selects @name as the user would (emitting "schema-selected" when it
 * changes); FALSE when it is not offered. */
gboolean       supa_table_sidebar_select_schema      (SupaTableSidebar *self,
                                                      const char       *name);
gboolean       supa_table_sidebar_get_schemas_visible (SupaTableSidebar *self);
/* A small note under the drop-down (e.g. why only "public" is shown),
 * with @details as its tooltip; NULL hides it. */
void           supa_table_sidebar_set_schema_note    (SupaTableSidebar *self,
                                                      const char       *note,
                                                      const char       *details);
const char    *supa_table_sidebar_get_schema_note    (SupaTableSidebar *self);

/* The row count shown (dimmed, "1.2M") beside a relation; −1 hides it. The
 * counts are forgotten when the tables are set again. */
void           supa_table_sidebar_set_row_estimate   (SupaTableSidebar *self,
                                                      const char       *name,
                                                      gint64            rows);
gint64         supa_table_sidebar_get_row_estimate   (SupaTableSidebar *self,
                                                      const char       *name);

G_END_DECLS
