/* supa-csv.h — a streaming RFC 4180 reader and a writer
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* --- writing ------------------------------------------------------------ */

/* Appends one field to @out. NULL is written as an empty unquoted field and
 * the empty string as `""`, so a reader can tell SQL NULL from '' (the
 * convention of PostgreSQL's COPY … CSV). Fields containing the separator,
 * a quote, CR or LF, or leading/trailing spaces are quoted with quotes
 * doubled. The caller adds the separators (','). */
void           supa_csv_append_field     (GString            *out,
                                          const char         *value);
/* Appends @n_fields fields (NULL items allowed) separated by ',' and a
 * CRLF line end (RFC 4180). */
void           supa_csv_append_record    (GString            *out,
                                          const char * const *fields,
                                          guint               n_fields);

/* --- reading ------------------------------------------------------------ */

typedef struct
{
  guint     n_fields;
  char    **fields;       /* NULL-terminated, each valid as read (bytes) */
  gboolean *quoted;       /* per field: it was written in quotes */
  guint64   line;         /* physical line the record starts on, 1-based */
  guint64   end_line;     /* physical line the record ends on */
} SupaCsvRecord;

#define SUPA_TYPE_CSV_RECORD (supa_csv_record_get_type ())

GType          supa_csv_record_get_type  (void) G_GNUC_CONST;
SupaCsvRecord *supa_csv_record_copy      (const SupaCsvRecord *record);
void           supa_csv_record_free      (SupaCsvRecord      *record);
/* TRUE for a line with nothing on it (one empty unquoted field). */
gboolean       supa_csv_record_is_blank  (const SupaCsvRecord *record);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SupaCsvRecord, supa_csv_record_free)

#define SUPA_TYPE_CSV_READER (supa_csv_reader_get_type ())

G_DECLARE_FINAL_TYPE (SupaCsvReader, supa_csv_reader, SUPA, CSV_READER, GObject)

/* Reads @stream incrementally (64 KiB at a time): memory is bounded by the
 * largest record, never by the size of the file. A UTF-8 byte order mark is
 * skipped; records end at LF, CRLF or a lone CR; quoted fields may contain
 * separators, doubled quotes and line breaks. */
SupaCsvReader *supa_csv_reader_new            (GInputStream  *stream);
/* The field separator, ',' by default (';' and '\t' are common too). */
void           supa_csv_reader_set_separator  (SupaCsvReader *self,
                                               char           separator);
/* A record larger than this fails with SUPA_ERROR_TOO_LARGE instead of
 * exhausting memory on a broken file (default 64 MiB). */
void           supa_csv_reader_set_max_record_size (SupaCsvReader *self,
                                                    gsize          max_bytes);
/* Blocking; for worker threads. Returns the next record, or NULL at the end
 * of the input (@error unset) or on failure (an unterminated quote is
 * SUPA_ERROR_INVALID_INPUT naming its line). */
SupaCsvRecord *supa_csv_reader_read_record    (SupaCsvReader *self,
                                               GCancellable  *cancellable,
                                               GError       **error);
/* Bytes consumed from the stream so far (for progress). */
guint64        supa_csv_reader_get_bytes_read (SupaCsvReader *self);

G_END_DECLS
