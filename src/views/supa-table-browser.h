/* supa-table-browser.h — the Tables section: table list and row grid
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "supa-client.h"
#include "supa-profile.h"
#include "supa-row-model.h"
#include "supa-table-sidebar.h"

G_BEGIN_DECLS

#define SUPA_TYPE_TABLE_BROWSER (supa_table_browser_get_type ())

G_DECLARE_FINAL_TYPE (SupaTableBrowser, supa_table_browser, SUPA, TABLE_BROWSER, GtkWidget)

/* The sidebar of tables and views beside a grid of the chosen relation's
 * rows, sorted and filtered on the server, edited in place. Actions:
 * table.find (filter bar), table.refresh, table.insert, table.duplicate
 * (Ctrl+D: the insert dialog filled from the first selected row),
 * table.details (Ctrl+I: a panel with every value of the first selected
 * row, over the grid when narrow), table.follow-fk (Alt+Enter on a
 * foreign-key cell: opens the referenced table filtered to that row),
 * table.delete, table.bulk-update (Ctrl+Shift+E: one column set to one
 * value on every selected row, PATCHed by primary key in batches),
 * table.count-exact, table.export, table.import, table.copy
 * ("tsv", "csv" or "json"; Ctrl+C copies TSV). A right click on a cell
 * selects its row and opens a menu of these. Sorting: a header click
 * sorts by that column, Shift+click adds it as the next key (or reverses
 * it); table.sort-add (column name, "" for the focused cell's column;
 * Ctrl+Shift+S), table.sort-column ((sb): column, ascending) and
 * table.clear-sort do the same from the keyboard and the header menu. */
GtkWidget        *supa_table_browser_new            (void);

/* Loads the schema of @client (NULL disconnects). @profile decides how
 * deletes are confirmed; @cancellable (the window's) cancels everything. */
void              supa_table_browser_set_client     (SupaTableBrowser *self,
                                                     SupaClient       *client,
                                                     SupaProfile      *profile,
                                                     GCancellable     *cancellable);
/* The page shown when no table is open ("Project Overview"). */
void              supa_table_browser_set_overview   (SupaTableBrowser *self,
                                                     GtkWidget        *overview);

/* Name of the visible page: "overview", "loading", "schema-error",
 * "table" or "functions". */
const char       *supa_table_browser_get_page       (SupaTableBrowser *self);
SupaSchema       *supa_table_browser_get_schema     (SupaTableBrowser *self);
SupaTableSidebar *supa_table_browser_get_sidebar    (SupaTableBrowser *self);
/* The open relation's rows, or NULL. */
SupaRowModel     *supa_table_browser_get_row_model  (SupaTableBrowser *self);
GtkColumnView    *supa_table_browser_get_column_view(SupaTableBrowser *self);
/* Opens @name as if picked in the sidebar; FALSE when there is none. */
gboolean          supa_table_browser_open_table     (SupaTableBrowser *self,
                                                     const char       *name);
/* The text of the status bar ("12 rows", the read-only reason…). */
char             *supa_table_browser_dup_status     (SupaTableBrowser *self);
/* The error shown over the grid or under the filter bar, or NULL. */
const char       *supa_table_browser_get_error_text (SupaTableBrowser *self);

/* Fills the filter bar and applies it. @op is one of eq, neq, gt, gte,
 * lt, lte, like, ilike, is null, is not null, in, cs; @advanced may be
 * NULL. FALSE (with the message shown inline) when it cannot be parsed. */
gboolean          supa_table_browser_set_filter     (SupaTableBrowser *self,
                                                     const char       *column,
                                                     const char       *op,
                                                     const char       *value,
                                                     const char       *advanced);

/* Opens the cell editor on the cell of @column in the row at @position as
 * Enter on that cell does; returns the editor popover, or NULL. */
GtkWidget        *supa_table_browser_edit_cell      (SupaTableBrowser *self,
                                                     guint             position,
                                                     const char       *column);

/* Whether the row details panel is shown. */
gboolean          supa_table_browser_get_details_visible (SupaTableBrowser *self);
/* The full value of @column the row details panel shows ("NULL", JSON
 * indented…), or NULL when it shows no such column. */
const char       *supa_table_browser_get_detail_text (SupaTableBrowser *self,
                                                      const char       *column);

/* Opens the Export dialog on the rows the grid shows (its filter, sort
 * and count), as the toolbar menu's Export… does; returns the
 * SupaExportDialog, or NULL when no table is open. */
GtkWidget        *supa_table_browser_open_export_dialog (SupaTableBrowser *self);
/* Opens the CSV Import dialog as Import CSV… does (the grid reloads when
 * rows were imported); returns the SupaImportDialog, or NULL when no table
 * is open or it takes no inserts. */
GtkWidget        *supa_table_browser_open_import_dialog (SupaTableBrowser *self);
/* Shows the rpc functions (page "functions") as the sidebar's Functions
 * row does; returns the SupaFunctionPanel, or NULL before the schema is
 * loaded. */
GtkWidget        *supa_table_browser_show_functions     (SupaTableBrowser *self);

/* Opens the "Set Column" dialog on the selected rows as
 * table.bulk-update (Ctrl+Shift+E) does; returns the window (an
 * AdwWindow named "bulk-update-dialog"), or NULL when no row is selected
 * or the relation cannot be updated by key. */
GtkWidget        *supa_table_browser_open_bulk_update_dialog (SupaTableBrowser *self);

/* The order the status bar states ("Sorted by continent ↑, name ↓"), or
 * NULL when the grid is in its natural order. */
const char       *supa_table_browser_get_sort_text (SupaTableBrowser *self);

/* Parses PostgREST filter syntax (`col=op.value`, `or=(…)`, `and=(…)`,
 * joined with &) into conditions of @group. */
gboolean          supa_table_browser_parse_filter   (const char       *text,
                                                     SupaFilterGroup  *group,
                                                     GError          **error);

G_END_DECLS
