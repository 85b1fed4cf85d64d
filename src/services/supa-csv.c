/* supa-csv.c — a streaming RFC 4180 reader and a writer
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The reader is a byte state machine over a 64 KiB window of the input, so
 * a CSV file of any size is read with memory bounded by its largest record.
 * Whether a field was quoted is kept: an unquoted empty field and `""` mean
 * different things to the importer (NULL versus the empty string).
 */

#define G_LOG_DOMAIN "supa-csv"

#include "config.h"

#include "supa-csv.h"
#include "supa-error.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#define READ_CHUNK        (64 * 1024)
#define DEFAULT_MAX_BYTES ((gsize) 64 * 1024 * 1024)

/* --- writing ------------------------------------------------------------ */

static gboolean
needs_quotes (const char *value)
{
  gsize len = strlen (value);

  if (len == 0)
    return TRUE;
  if (value[0] == ' ' || value[0] == '\t' ||
      value[len - 1] == ' ' || value[len - 1] == '\t')
    return TRUE;

  return strpbrk (value, ",\"\r\n") != NULL;
}

void
supa_csv_append_field (GString    *out,
                       const char *value)
{
  g_return_if_fail (out != NULL);

  if (value == NULL)
    return;

  if (!needs_quotes (value))
    {
      g_string_append (out, value);
      return;
    }

  g_string_append_c (out, '"');
  for (const char *p = value; *p; p++)
    {
      if (*p == '"')
        g_string_append_c (out, '"');
      g_string_append_c (out, *p);
    }
  g_string_append_c (out, '"');
}

void
supa_csv_append_record (GString            *out,
                        const char * const *fields,
                        guint               n_fields)
{
  g_return_if_fail (out != NULL);
  g_return_if_fail (fields != NULL || n_fields == 0);

  for (guint i = 0; i < n_fields; i++)
    {
      if (i > 0)
        g_string_append_c (out, ',');
      supa_csv_append_field (out, fields[i]);
    }
  g_string_append (out, "\r\n");
}

/* --- records ------------------------------------------------------------ */

SupaCsvRecord *
supa_csv_record_copy (const SupaCsvRecord *record)
{
  SupaCsvRecord *copy;

  g_return_val_if_fail (record != NULL, NULL);

  copy = g_new0 (SupaCsvRecord, 1);
  copy->n_fields = record->n_fields;
  copy->fields = g_strdupv (record->fields);
  copy->quoted = g_memdup2 (record->quoted, sizeof (gboolean) * MAX (record->n_fields, 1));
  copy->line = record->line;
  copy->end_line = record->end_line;

  return copy;
}

void
supa_csv_record_free (SupaCsvRecord *record)
{
  if (record == NULL)
    return;

  g_strfreev (record->fields);
  g_free (record->quoted);
  g_free (record);
}

G_DEFINE_BOXED_TYPE (SupaCsvRecord, supa_csv_record, supa_csv_record_copy, supa_csv_record_free)

gboolean
supa_csv_record_is_blank (const SupaCsvRecord *record)
{
  g_return_val_if_fail (record != NULL, FALSE);

  return record->n_fields == 1 && !record->quoted[0] && record->fields[0][0] == '\0';
}

/* --- the reader --------------------------------------------------------- */

struct _SupaCsvReader
{
  GObject       parent_instance;

  GInputStream *stream;
  guint8       *buffer;
  gsize         pos;
  gsize         len;
  guint64       bytes_read;
  guint64       line;          /* the current physical line, 1-based */
  gsize         max_bytes;
  char          separator;
  guint         started : 1;   /* the BOM check was done */
  guint         eof     : 1;
};

G_DEFINE_FINAL_TYPE (SupaCsvReader, supa_csv_reader, G_TYPE_OBJECT)

enum { END = -1, FAILED = -2 };

static gboolean
fill (SupaCsvReader *self,
      GCancellable  *cancellable,
      GError       **error)
{
  gssize n;

  if (self->eof)
    return TRUE;

  if (self->pos > 0)
    {
      memmove (self->buffer, self->buffer + self->pos, self->len - self->pos);
      self->len -= self->pos;
      self->pos = 0;
    }

  n = g_input_stream_read (self->stream, self->buffer + self->len,
                           READ_CHUNK - self->len, cancellable, error);
  if (n < 0)
    return FALSE;
  if (n == 0)
    self->eof = TRUE;

  self->len += (gsize) n;
  self->bytes_read += (guint64) n;

  return TRUE;
}

static gboolean
ensure (SupaCsvReader *self,
        gsize          n,
        GCancellable  *cancellable,
        GError       **error)
{
  while (self->len - self->pos < n && !self->eof)
    if (!fill (self, cancellable, error))
      return FALSE;

  return TRUE;
}

static int
peek_byte (SupaCsvReader *self,
           GCancellable  *cancellable,
           GError       **error)
{
  if (!ensure (self, 1, cancellable, error))
    return FAILED;
  if (self->pos >= self->len)
    return END;

  return self->buffer[self->pos];
}

static int
next_byte (SupaCsvReader *self,
           GCancellable  *cancellable,
           GError       **error)
{
  int c = peek_byte (self, cancellable, error);

  if (c >= 0)
    self->pos++;

  return c;
}

static void
supa_csv_reader_finalize (GObject *object)
{
  SupaCsvReader *self = SUPA_CSV_READER (object);

  g_clear_object (&self->stream);
  g_clear_pointer (&self->buffer, g_free);

  G_OBJECT_CLASS (supa_csv_reader_parent_class)->finalize (object);
}

static void
supa_csv_reader_class_init (SupaCsvReaderClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = supa_csv_reader_finalize;
}

static void
supa_csv_reader_init (SupaCsvReader *self)
{
  self->buffer = g_malloc (READ_CHUNK);
  self->line = 1;
  self->max_bytes = DEFAULT_MAX_BYTES;
  self->separator = ',';
}

SupaCsvReader *
supa_csv_reader_new (GInputStream *stream)
{
  SupaCsvReader *self;

  g_return_val_if_fail (G_IS_INPUT_STREAM (stream), NULL);

  self = g_object_new (SUPA_TYPE_CSV_READER, NULL);
  self->stream = g_object_ref (stream);

  return self;
}

void
supa_csv_reader_set_separator (SupaCsvReader *self,
                               char           separator)
{
  g_return_if_fail (SUPA_IS_CSV_READER (self));
  g_return_if_fail (separator != '"' && separator != '\r' && separator != '\n' && separator != '\0');

  self->separator = separator;
}

void
supa_csv_reader_set_max_record_size (SupaCsvReader *self,
                                     gsize          max_bytes)
{
  g_return_if_fail (SUPA_IS_CSV_READER (self));

  self->max_bytes = MAX (max_bytes, 1);
}

guint64
supa_csv_reader_get_bytes_read (SupaCsvReader *self)
{
  g_return_val_if_fail (SUPA_IS_CSV_READER (self), 0);

  /* What was consumed, not what sits in the read-ahead window. */
  return self->bytes_read - (self->len - self->pos);
}

typedef enum
{
  STATE_FIELD_START,
  STATE_UNQUOTED,
  STATE_QUOTED,
  STATE_AFTER_QUOTE,
} State;

static SupaCsvRecord *
make_record (GPtrArray *fields,
             GArray    *quoted,
             guint64    line,
             guint64    end_line)
{
  SupaCsvRecord *record = g_new0 (SupaCsvRecord, 1);

  record->n_fields = fields->len;
  g_ptr_array_add (fields, NULL);
  record->fields = (char **) g_ptr_array_free (fields, FALSE);
  record->quoted = (gboolean *) g_array_free (quoted, FALSE);
  record->line = line;
  record->end_line = end_line;

  return record;
}

SupaCsvRecord *
supa_csv_reader_read_record (SupaCsvReader *self,
                             GCancellable  *cancellable,
                             GError       **error)
{
  g_autoptr(GPtrArray) fields = NULL;
  g_autoptr(GArray) quoted = NULL;
  g_autoptr(GString) field = NULL;
  State state = STATE_FIELD_START;
  gboolean field_quoted = FALSE;
  gboolean any = FALSE;
  guint64 start_line;
  gsize record_bytes = 0;

  g_return_val_if_fail (SUPA_IS_CSV_READER (self), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!self->started)
    {
      if (!ensure (self, 3, cancellable, error))
        return NULL;
      if (self->len - self->pos >= 3 && memcmp (self->buffer + self->pos, "\xEF\xBB\xBF", 3) == 0)
        self->pos += 3;
      self->started = TRUE;
    }

  fields = g_ptr_array_new_with_free_func (g_free);
  quoted = g_array_new (FALSE, FALSE, sizeof (gboolean));
  field = g_string_new (NULL);
  start_line = self->line;

#define FINISH_FIELD()                                               \
  G_STMT_START {                                                     \
    g_ptr_array_add (fields, g_strndup (field->str, field->len));    \
    g_array_append_val (quoted, field_quoted);                       \
    g_string_truncate (field, 0);                                    \
    field_quoted = FALSE;                                            \
  } G_STMT_END

  for (;;)
    {
      int c = next_byte (self, cancellable, error);

      if (c == FAILED)
        return NULL;

      if (c != END && ++record_bytes > self->max_bytes)
        {
          g_autofree char *where = g_strdup_printf ("%" G_GUINT64_FORMAT, start_line);

          /* Translators: %s is a line number */
          g_set_error (error, SUPA_ERROR, SUPA_ERROR_TOO_LARGE,
                       _("The record starting on line %s is too large; is a quote missing?"),
                       where);
          return NULL;
        }

      if (state == STATE_QUOTED)
        {
          if (c == END)
            {
              g_autofree char *where = g_strdup_printf ("%" G_GUINT64_FORMAT, start_line);

              /* Translators: %s is a line number */
              g_set_error (error, SUPA_ERROR, SUPA_ERROR_INVALID_INPUT,
                           _("The quoted field starting on line %s is never closed"),
                           where);
              return NULL;
            }
          if (c == '"')
            {
              int d = peek_byte (self, cancellable, error);

              if (d == FAILED)
                return NULL;
              if (d == '"')
                {
                  self->pos++;
                  record_bytes++;
                  g_string_append_c (field, '"');
                }
              else
                state = STATE_AFTER_QUOTE;
              continue;
            }
          if (c == '\n')
            self->line++;
          else if (c == '\r')
            {
              int d = peek_byte (self, cancellable, error);

              if (d == FAILED)
                return NULL;
              if (d != '\n')
                self->line++;
            }
          g_string_append_c (field, (char) c);
          continue;
        }

      if (c == END)
        {
          if (!any)
            return NULL;
          FINISH_FIELD ();
          return make_record (g_steal_pointer (&fields), g_steal_pointer (&quoted),
                              start_line, self->line);
        }

      any = TRUE;

      if (c == '\n' || c == '\r')
        {
          guint64 end_line = self->line;

          if (c == '\r')
            {
              int d = peek_byte (self, cancellable, error);

              if (d == FAILED)
                return NULL;
              if (d == '\n')
                self->pos++;
            }
          self->line++;
          FINISH_FIELD ();
          return make_record (g_steal_pointer (&fields), g_steal_pointer (&quoted),
                              start_line, end_line);
        }

      if (c == self->separator)
        {
          FINISH_FIELD ();
          state = STATE_FIELD_START;
          continue;
        }

      if (c == '"' && state == STATE_FIELD_START)
        {
          field_quoted = TRUE;
          state = STATE_QUOTED;
          continue;
        }

      /* Text after a closing quote is kept as it is (lenient, as most
       * spreadsheet programs are). */
      g_string_append_c (field, (char) c);
      state = STATE_UNQUOTED;
    }

#undef FINISH_FIELD
}
