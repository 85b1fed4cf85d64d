/* supa-row-model.h — the lazy, paged row model of the table browser
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "supa-database.h"
#include "supa-query.h"
#include "supa-schema.h"

G_BEGIN_DECLS

#define SUPA_TYPE_ROW (supa_row_get_type ())

G_DECLARE_FINAL_TYPE (SupaRow, supa_row, SUPA, ROW, GObject)

/* One row of a SupaRowModel. A row starts as a placeholder ("loaded" is
 * FALSE, values NULL) and is filled in place when its page arrives, so a
 * list item bound to it updates without the model changing. Properties:
 * "position" (guint), "loaded" (gboolean), "values" (JsonObject, boxed). */
guint        supa_row_get_position (SupaRow *self);
gboolean     supa_row_get_loaded   (SupaRow *self);
/* The row as the server returned it (column → value); NULL until loaded. */
JsonObject  *supa_row_get_values   (SupaRow *self);
/* The value of @column, or NULL when the row is not loaded or has no such
 * column; a JSON null is returned as a JsonNode of type JSON_NODE_NULL. */
JsonNode    *supa_row_get_value    (SupaRow    *self,
                                    const char *column);

#define SUPA_TYPE_ROW_MODEL (supa_row_model_get_type ())

G_DECLARE_FINAL_TYPE (SupaRowModel, supa_row_model, SUPA, ROW_MODEL, GObject)

/* A GListModel of SupaRow over one table or view. Its length is the row
 * count (exact when cheap, else the planner's estimate with
 * "count-is-estimate" TRUE); rows are fetched lazily in pages of
 * "page-size" (default 500) when get_item() asks for them, as placeholders
 * until the page arrives. While new pages are asked for in quick
 * succession (a scrollbar drag), they are sent only once the view has
 * settled (about 50 ms without a new page); a page asked for while the
 * model is idle is sent at once. A queued page none of whose rows anyone
 * holds any more (the view scrolled past) is not sent, and neighbouring
 * queued pages go in one request (one OFFSET scan for the server, up to
 * 1000 rows). Pages nobody asked for recently are cancelled, a bounded LRU of pages ("max-pages", default 16) keeps
 * memory flat, and the order always ends with the primary key (or the
 * first unique column) so paging never skips or repeats a row. Changing
 * the filter or the sort invalidates everything (items-changed over the
 * whole range).
 *
 * Properties: "database", "table" (construct-only), "page-size",
 * "max-pages", "count" (gint64, -1 while unknown), "count-is-estimate",
 * "loading" (a page or count request is in flight), "error" (GError,
 * boxed: the last failure, cleared by the next success), "read-only-reason"
 * (translated text when rows cannot be edited, e.g. no primary key), "sort"
 * (the user's order in PostgREST syntax, without the tie-breaker),
 * "filter" (SupaFilterGroup, boxed; NULL for none). */
SupaRowModel  *supa_row_model_new              (SupaDatabase    *database,
                                                SupaTableInfo   *table);

SupaDatabase  *supa_row_model_get_database     (SupaRowModel    *self);
SupaTableInfo *supa_row_model_get_table        (SupaRowModel    *self);
gint64         supa_row_model_get_count        (SupaRowModel    *self);
gboolean       supa_row_model_get_count_is_estimate (SupaRowModel *self);
gboolean       supa_row_model_get_loading      (SupaRowModel    *self);
const GError  *supa_row_model_get_error        (SupaRowModel    *self);
const char    *supa_row_model_get_read_only_reason (SupaRowModel *self);

/* Clamped to 1…1000: Supabase's default max_rows caps every response at
 * 1000 rows, so a larger page would come back short. Changing it starts
 * over like supa_row_model_reload(). */
guint          supa_row_model_get_page_size    (SupaRowModel    *self);
void           supa_row_model_set_page_size    (SupaRowModel    *self,
                                                guint            page_size);

/* How many loaded pages the LRU keeps (default 16, at least 1). */
guint          supa_row_model_get_max_pages    (SupaRowModel    *self);
void           supa_row_model_set_max_pages    (SupaRowModel    *self,
                                                guint            max_pages);

/* @filter (may be NULL for none) is ANDed with nothing else: build the
 * whole tree (conditions, raw PostgREST filters from the advanced field,
 * nested and/or groups). The model keeps a reference. */
void           supa_row_model_set_filter       (SupaRowModel    *self,
                                                SupaFilterGroup *filter);
SupaFilterGroup *supa_row_model_get_filter     (SupaRowModel    *self);

/* PostgREST order syntax, e.g. "name.desc.nullslast,created_at.asc";
 * NULL or "" for the table's natural (primary key) order. */
void           supa_row_model_set_sort         (SupaRowModel    *self,
                                                const char      *sort);
const char    *supa_row_model_get_sort         (SupaRowModel    *self);

/* Drops every page and counts again, keeping filter and sort. */
void           supa_row_model_reload           (SupaRowModel    *self);

/* Replaces an estimated count with an exact one (COUNT(*) in the
 * background); the model's length follows. */
void           supa_row_model_count_exact_async  (SupaRowModel        *self,
                                                  GCancellable        *cancellable,
                                                  GAsyncReadyCallback  callback,
                                                  gpointer             user_data);
gboolean       supa_row_model_count_exact_finish (SupaRowModel        *self,
                                                  GAsyncResult        *result,
                                                  GError             **error);

/* Adds eq filters on every primary-key column of @row to @query (for a
 * PATCH or DELETE of that row). With @match_original TRUE it also adds eq
 * filters on the other scalar columns' current values so a row changed by
 * someone else meanwhile matches nothing. FALSE with an error when the
 * table has no primary key or the row is not loaded. */
gboolean       supa_row_model_filter_row       (SupaRowModel    *self,
                                                SupaRow         *row,
                                                SupaQuery       *query,
                                                gboolean         match_original,
                                                GError         **error);

/* After a successful write the view hands back the server's row so the
 * cached page shows it without a reload. */
void           supa_row_model_update_row       (SupaRowModel    *self,
                                                SupaRow         *row,
                                                JsonObject      *values);

/* For tests: pages currently cached (loaded), and page requests sent
 * since creation (the first page of each count is not included; pages
 * sent together count once). */
guint          supa_row_model_get_n_cached_pages (SupaRowModel  *self);
guint          supa_row_model_get_n_page_requests (SupaRowModel *self);

G_END_DECLS
