/* supa-import.h — imports a CSV file into a table in batches
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "supa-database.h"
#include "supa-schema.h"

G_BEGIN_DECLS

/* What an empty CSV field means for a text (or enum) column. For every
 * other type an empty field is NULL. */
typedef enum
{
  SUPA_IMPORT_EMPTY_TEXT_AS_QUOTED,  /* `,,` is NULL, `,"",` is '' (COPY … CSV; the default) */
  SUPA_IMPORT_EMPTY_TEXT_EMPTY,      /* always '' */
  SUPA_IMPORT_EMPTY_TEXT_NULL,       /* always NULL */
} SupaImportEmptyText;

/* --- SupaImportFailure -------------------------------------------------- */

/* Rows that were not inserted: lines @first_line to @last_line of the file
 * (physical lines, the header being line 1; a record with line breaks in a
 * quoted field spans several). @code, @details and @hint are the server's
 * (NULL for a value refused before sending, e.g. "abc" for an integer). */
typedef struct
{
  guint64  first_line;
  guint64  last_line;
  guint    n_rows;
  char    *code;
  char    *message;
  char    *details;
  char    *hint;
} SupaImportFailure;

#define SUPA_TYPE_IMPORT_FAILURE (supa_import_failure_get_type ())

GType              supa_import_failure_get_type (void) G_GNUC_CONST;
SupaImportFailure *supa_import_failure_copy     (const SupaImportFailure *failure);
void               supa_import_failure_free     (SupaImportFailure       *failure);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SupaImportFailure, supa_import_failure_free)

/* --- SupaImportRow (preview) -------------------------------------------- */

typedef struct
{
  guint64     line;
  /* The mapped and converted values, column → value; a cell that does not
   * convert is absent here and has an error instead. */
  JsonObject *values;
  /* column → message */
  GHashTable *errors;
  /* A problem with the whole record (wrong number of fields), or NULL. */
  char       *row_error;
} SupaImportRow;

#define SUPA_TYPE_IMPORT_ROW (supa_import_row_get_type ())

GType          supa_import_row_get_type  (void) G_GNUC_CONST;
SupaImportRow *supa_import_row_copy      (const SupaImportRow *row);
void           supa_import_row_free      (SupaImportRow       *row);
/* The conversion error of @column's cell, or NULL. */
const char    *supa_import_row_get_error (const SupaImportRow *row,
                                          const char          *column);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SupaImportRow, supa_import_row_free)

/* --- SupaImportReport --------------------------------------------------- */

#define SUPA_TYPE_IMPORT_REPORT (supa_import_report_get_type ())

G_DECLARE_FINAL_TYPE (SupaImportReport, supa_import_report, SUPA, IMPORT_REPORT, GObject)

guint64     supa_import_report_get_rows_inserted (SupaImportReport *self);
guint64     supa_import_report_get_rows_failed   (SupaImportReport *self);
/* inserted + failed: every data row of the file read so far. */
guint64     supa_import_report_get_rows_read     (SupaImportReport *self);
/* SupaImportFailure, in file order per batch. */
GPtrArray  *supa_import_report_get_failures      (SupaImportReport *self);

/* --- SupaImport --------------------------------------------------------- */

#define SUPA_TYPE_IMPORT (supa_import_get_type ())

G_DECLARE_FINAL_TYPE (SupaImport, supa_import, SUPA, IMPORT, GObject)

/* Reads CSV from @input incrementally (never the whole file in memory)
 * into @table. */
SupaImport         *supa_import_new               (SupaDatabase        *database,
                                                   SupaTableInfo       *table,
                                                   GInputStream        *input);
/* The input's size, for "bytes-read" progress (0 = unknown). */
void                supa_import_set_input_size    (SupaImport          *self,
                                                   guint64              size);
void                supa_import_set_separator     (SupaImport          *self,
                                                   char                 separator);
void                supa_import_set_empty_text    (SupaImport          *self,
                                                   SupaImportEmptyText  mode);
/* Rows per insert request (default 1000). */
void                supa_import_set_batch_size    (SupaImport          *self,
                                                   guint                batch_size);
/* When a batch fails, retry its halves until each bad row is isolated
 * and reported with its own line and error (the default). Off: the whole
 * batch is reported as one failure. */
void                supa_import_set_isolate_failures (SupaImport       *self,
                                                      gboolean          isolate);

/* Reads the header line and maps each CSV column to the table column of
 * the same name, compared case-insensitively (unmatched: ignored). */
void                supa_import_read_header_async (SupaImport          *self,
                                                   GCancellable        *cancellable,
                                                   GAsyncReadyCallback  callback,
                                                   gpointer             user_data);
gboolean            supa_import_read_header_finish(SupaImport          *self,
                                                   GAsyncResult        *result,
                                                   GError             **error);
/* The CSV header, NULL-terminated (NULL before the header was read). */
const char * const *supa_import_get_headers       (SupaImport          *self);
/* The table column for CSV column @index, or NULL when it is ignored. */
const char         *supa_import_get_mapping       (SupaImport          *self,
                                                   guint                index);
/* @column NULL ignores the CSV column. */
void                supa_import_set_mapping       (SupaImport          *self,
                                                   guint                index,
                                                   const char          *column);
/* FALSE with SUPA_ERROR_INVALID_INPUT naming the problem: a column mapped
 * twice or unknown, or required columns (NOT NULL without a default) that
 * no CSV column fills. Integer primary-key columns are not required even
 * without a default: PostgREST's OpenAPI shows identity columns that way,
 * so the server's answer decides. Also checked by supa_import_run_async(). */
gboolean            supa_import_check_mapping     (SupaImport          *self,
                                                   GError             **error);

/* The first @n_rows data rows with the mapping applied (SupaImportRow);
 * they are kept and imported by the run as well. */
void                supa_import_preview_async     (SupaImport          *self,
                                                   guint                n_rows,
                                                   GCancellable        *cancellable,
                                                   GAsyncReadyCallback  callback,
                                                   gpointer             user_data);
GPtrArray          *supa_import_preview_finish    (SupaImport          *self,
                                                   GAsyncResult        *result,
                                                   GError             **error);

/* Imports every row: batches as bulk inserts (`columns=`, count=exact).
 * A failed batch does not stop the import; it is reported (and isolated
 * row by row when asked). The run stops only on a problem that is not the
 * rows' (network, permissions, a broken file, cancellation); the report
 * so far stays available from supa_import_get_report(). */
void                supa_import_run_async         (SupaImport          *self,
                                                   GCancellable        *cancellable,
                                                   GAsyncReadyCallback  callback,
                                                   gpointer             user_data);
SupaImportReport   *supa_import_run_finish        (SupaImport          *self,
                                                   GAsyncResult        *result,
                                                   GError             **error);

/* Progress ("rows-inserted", "rows-failed", "bytes-read" are notified on
 * the main thread) and the report of the current or last run. */
guint64             supa_import_get_rows_inserted (SupaImport          *self);
guint64             supa_import_get_rows_failed   (SupaImport          *self);
guint64             supa_import_get_bytes_read    (SupaImport          *self);
guint64             supa_import_get_input_size    (SupaImport          *self);
SupaImportReport   *supa_import_get_report        (SupaImport          *self);

G_END_DECLS
