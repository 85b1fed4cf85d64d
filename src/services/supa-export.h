/* supa-export.h — streams every row of a query to CSV or JSON
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "supa-client.h"
#include "supa-query.h"

G_BEGIN_DECLS

typedef enum
{
  SUPA_EXPORT_FORMAT_CSV,
  SUPA_EXPORT_FORMAT_JSON,
} SupaExportFormat;

#define SUPA_TYPE_EXPORT (supa_export_get_type ())

G_DECLARE_FINAL_TYPE (SupaExport, supa_export, SUPA, EXPORT, GObject)

/**
 * supa_export_new:
 * @client: the project
 * @query: a select: its relation, schema, `select` columns and filters are
 *   used; its own order, limit and offset are ignored (see
 *   supa_export_add_order()). The query is not changed.
 * @format: CSV or JSON
 *
 * CSV output: a header line, then one CRLF-terminated record per row, RFC
 * 4180 quoting. Values are written as PostgreSQL prints them where JSON
 * allows: strings as they are, numbers as numbers, booleans as `true` /
 * `false`, json/jsonb and arrays as their (compact) JSON text, SQL NULL as
 * an empty unquoted field and the empty string as `""` (the convention of
 * `COPY … CSV`, which the importer follows too).
 *
 * JSON output: one array, written a row per line as pages arrive.
 */
SupaExport     *supa_export_new               (SupaClient         *client,
                                               SupaQuery          *query,
                                               SupaExportFormat    format);
/* The relation's primary key. With a key and no other order the export
 * pages by keyset (`pk > last`), which costs the same for the last page as
 * for the first and neither skips nor repeats rows when others insert
 * meanwhile; otherwise it pages by offset with the key as tie-breaker. */
void            supa_export_set_primary_key   (SupaExport         *self,
                                               const char * const *columns);
/* The table browser's sort, in priority order. */
void            supa_export_add_order         (SupaExport         *self,
                                               const char         *column,
                                               gboolean            ascending,
                                               SupaNullsOrder      nulls);
/* CSV header columns in order; by default the columns of the first row
 * (an empty result then gives an empty file). */
void            supa_export_set_columns       (SupaExport         *self,
                                               const char * const *columns);
/* Rows per request (default 1000, the max_rows of Supabase projects).
 * Smaller server caps are handled: paging goes on until a page is empty or
 * the total is reached. */
void            supa_export_set_page_size     (SupaExport         *self,
                                               guint               page_size);
/* How the total is counted (one request): SUPA_COUNT_EXACT (default),
 * SUPA_COUNT_PLANNED or SUPA_COUNT_ESTIMATED for huge tables, or
 * SUPA_COUNT_NONE. */
void            supa_export_set_count_method  (SupaExport         *self,
                                               SupaCount           count);

/* Progress, notified on the main thread ("rows-written", "total-rows"). */
guint64         supa_export_get_rows_written  (SupaExport         *self);
/* The total announced by the server, or -1 when unknown. */
gint64          supa_export_get_total_rows    (SupaExport         *self);

/* Writes to @stream (left open). On failure or cancellation what was
 * written stays written: prefer supa_export_to_file_async(). */
void            supa_export_to_stream_async   (SupaExport          *self,
                                               GOutputStream       *stream,
                                               GCancellable        *cancellable,
                                               GAsyncReadyCallback  callback,
                                               gpointer             user_data);
gboolean        supa_export_to_stream_finish  (SupaExport          *self,
                                               GAsyncResult        *result,
                                               guint64             *n_rows,
                                               GError             **error);

/* Writes a temporary file next to @file and renames it over @file at the
 * end; on failure or cancellation the temporary file is removed and @file
 * is left as it was. */
void            supa_export_to_file_async     (SupaExport          *self,
                                               GFile               *file,
                                               GCancellable        *cancellable,
                                               GAsyncReadyCallback  callback,
                                               gpointer             user_data);
gboolean        supa_export_to_file_finish    (SupaExport          *self,
                                               GAsyncResult        *result,
                                               guint64             *n_rows,
                                               GError             **error);

G_END_DECLS
