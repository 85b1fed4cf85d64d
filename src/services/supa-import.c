/* supa-import.c — imports a CSV file into a table in batches
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A worker thread reads and converts the next batch of records while the
 * main thread holds nothing but that batch; each batch is one bulk insert
 * (PROTOCOL.md §2.9). A bulk insert is one statement, so a batch either
 * goes in whole or not at all: a failed one is split in halves and retried
 * until each bad row stands alone with the server's own error. Every data
 * row of the file ends up in the report as inserted or failed.
 */

#define G_LOG_DOMAIN "supa-import"

#include "config.h"

#include "supa-import.h"
#include "supa-csv.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#define DEFAULT_BATCH_SIZE 1000

/* --- boxed types -------------------------------------------------------- */

SupaImportFailure *
supa_import_failure_copy (const SupaImportFailure *failure)
{
  SupaImportFailure *copy;

  g_return_val_if_fail (failure != NULL, NULL);

  copy = g_new0 (SupaImportFailure, 1);
  copy->first_line = failure->first_line;
  copy->last_line = failure->last_line;
  copy->n_rows = failure->n_rows;
  copy->code = g_strdup (failure->code);
  copy->message = g_strdup (failure->message);
  copy->details = g_strdup (failure->details);
  copy->hint = g_strdup (failure->hint);

  return copy;
}

void
supa_import_failure_free (SupaImportFailure *failure)
{
  if (failure == NULL)
    return;

  g_free (failure->code);
  g_free (failure->message);
  g_free (failure->details);
  g_free (failure->hint);
  g_free (failure);
}

G_DEFINE_BOXED_TYPE (SupaImportFailure, supa_import_failure,
                     supa_import_failure_copy, supa_import_failure_free)

static SupaImportRow *
import_row_new (guint64 line)
{
  SupaImportRow *row = g_new0 (SupaImportRow, 1);

  row->line = line;
  row->values = json_object_new ();
  row->errors = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);

  return row;
}

SupaImportRow *
supa_import_row_copy (const SupaImportRow *row)
{
  SupaImportRow *copy;
  GHashTableIter iter;
  gpointer key, value;

  g_return_val_if_fail (row != NULL, NULL);

  copy = import_row_new (row->line);
  json_object_unref (copy->values);
  copy->values = json_object_ref (row->values);
  g_hash_table_iter_init (&iter, row->errors);
  while (g_hash_table_iter_next (&iter, &key, &value))
    g_hash_table_insert (copy->errors, g_strdup (key), g_strdup (value));
  copy->row_error = g_strdup (row->row_error);

  return copy;
}

void
supa_import_row_free (SupaImportRow *row)
{
  if (row == NULL)
    return;

  json_object_unref (row->values);
  g_hash_table_unref (row->errors);
  g_free (row->row_error);
  g_free (row);
}

G_DEFINE_BOXED_TYPE (SupaImportRow, supa_import_row, supa_import_row_copy, supa_import_row_free)

const char *
supa_import_row_get_error (const SupaImportRow *row,
                           const char          *column)
{
  g_return_val_if_fail (row != NULL, NULL);
  g_return_val_if_fail (column != NULL, NULL);

  return g_hash_table_lookup (row->errors, column);
}

/* --- SupaImportReport --------------------------------------------------- */

struct _SupaImportReport
{
  GObject    parent_instance;

  guint64    rows_inserted;
  guint64    rows_failed;
  GPtrArray *failures;
};

G_DEFINE_FINAL_TYPE (SupaImportReport, supa_import_report, G_TYPE_OBJECT)

static void
supa_import_report_finalize (GObject *object)
{
  SupaImportReport *self = SUPA_IMPORT_REPORT (object);

  g_clear_pointer (&self->failures, g_ptr_array_unref);

  G_OBJECT_CLASS (supa_import_report_parent_class)->finalize (object);
}

static void
supa_import_report_class_init (SupaImportReportClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = supa_import_report_finalize;
}

static void
supa_import_report_init (SupaImportReport *self)
{
  self->failures = g_ptr_array_new_with_free_func ((GDestroyNotify) supa_import_failure_free);
}

guint64
supa_import_report_get_rows_inserted (SupaImportReport *self)
{
  g_return_val_if_fail (SUPA_IS_IMPORT_REPORT (self), 0);
  return self->rows_inserted;
}

guint64
supa_import_report_get_rows_failed (SupaImportReport *self)
{
  g_return_val_if_fail (SUPA_IS_IMPORT_REPORT (self), 0);
  return self->rows_failed;
}

guint64
supa_import_report_get_rows_read (SupaImportReport *self)
{
  g_return_val_if_fail (SUPA_IS_IMPORT_REPORT (self), 0);
  return self->rows_inserted + self->rows_failed;
}

GPtrArray *
supa_import_report_get_failures (SupaImportReport *self)
{
  g_return_val_if_fail (SUPA_IS_IMPORT_REPORT (self), NULL);
  return self->failures;
}

/* --- SupaImport --------------------------------------------------------- */

struct _SupaImport
{
  GObject              parent_instance;

  SupaDatabase        *database;
  SupaTableInfo       *table;
  GInputStream        *input;
  SupaCsvReader       *reader;
  GQueue               pending;        /* SupaCsvRecord read ahead by the preview */

  GStrv                headers;
  GPtrArray           *mapping;        /* char* per header, NULL = ignored */

  SupaImportEmptyText  empty_text;
  guint                batch_size;
  gboolean             isolate;
  guint64              input_size;
  guint64              bytes_read;
  guint64              notified_inserted;
  guint64              notified_failed;
  guint64              notified_bytes;

  SupaImportReport    *report;
  gboolean             busy;
  gboolean             finished;       /* the input was read to its end */
};

G_DEFINE_FINAL_TYPE (SupaImport, supa_import, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_ROWS_INSERTED,
  PROP_ROWS_FAILED,
  PROP_BYTES_READ,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* A converted batch: rows, and the lines each came from. */
typedef struct
{
  GPtrArray *rows;          /* JsonNode* objects */
  GArray    *first_lines;   /* guint64 */
  GArray    *last_lines;    /* guint64 */
  GPtrArray *local;         /* SupaImportFailure*: refused before sending */
  guint64    bytes_read;
  gboolean   at_end;
} Batch;

static Batch *
batch_new (void)
{
  Batch *batch = g_new0 (Batch, 1);

  batch->rows = g_ptr_array_new_with_free_func ((GDestroyNotify) json_node_unref);
  batch->first_lines = g_array_new (FALSE, FALSE, sizeof (guint64));
  batch->last_lines = g_array_new (FALSE, FALSE, sizeof (guint64));
  batch->local = g_ptr_array_new_with_free_func ((GDestroyNotify) supa_import_failure_free);

  return batch;
}

static void
batch_free (Batch *batch)
{
  g_ptr_array_unref (batch->rows);
  g_array_unref (batch->first_lines);
  g_array_unref (batch->last_lines);
  g_ptr_array_unref (batch->local);
  g_free (batch);
}

/* A run of consecutive rows of a batch still to insert. */
typedef struct
{
  guint start;
  guint len;
} Slice;

typedef struct
{
  Batch  *batch;
  GQueue  slices;           /* Slice* */
  Slice  *current;
} Run;

static void
run_free (Run *run)
{
  g_clear_pointer (&run->batch, batch_free);
  g_queue_clear_full (&run->slices, g_free);
  g_clear_pointer (&run->current, g_free);
  g_free (run);
}

static char *
line_text (guint64 line)
{
  return g_strdup_printf ("%" G_GUINT64_FORMAT, line);
}

/* --- conversion (worker thread) ----------------------------------------- */

static gboolean
parse_boolean (const char *text,
               gboolean   *value)
{
  static const char *yes[] = { "true", "t", "1", "yes", "y", "on" };
  static const char *no[] = { "false", "f", "0", "no", "n", "off" };

  for (guint i = 0; i < G_N_ELEMENTS (yes); i++)
    if (g_ascii_strcasecmp (text, yes[i]) == 0)
      {
        *value = TRUE;
        return TRUE;
      }
  for (guint i = 0; i < G_N_ELEMENTS (no); i++)
    if (g_ascii_strcasecmp (text, no[i]) == 0)
      {
        *value = FALSE;
        return TRUE;
      }

  return FALSE;
}

/* @text as a JSON value for @column, or NULL with @message set. */
static JsonNode *
convert_cell (SupaImport     *self,
              SupaColumnInfo *column,
              const char     *text,
              gboolean        quoted,
              char          **message)
{
  SupaColumnKind kind = supa_column_info_get_kind (column);
  g_autofree char *trimmed = NULL;
  JsonNode *node;

  if (!g_utf8_validate (text, -1, NULL))
    {
      *message = g_strdup (_("The value is not valid UTF-8 text."));
      return NULL;
    }

  if (*text == '\0')
    {
      gboolean textual = (kind == SUPA_COLUMN_KIND_TEXT || kind == SUPA_COLUMN_KIND_ENUM) &&
                         !supa_column_info_get_is_array (column);
      gboolean empty = textual &&
                       (self->empty_text == SUPA_IMPORT_EMPTY_TEXT_EMPTY ||
                        (self->empty_text == SUPA_IMPORT_EMPTY_TEXT_AS_QUOTED && quoted));

      node = json_node_new (empty ? JSON_NODE_VALUE : JSON_NODE_NULL);
      if (empty)
        json_node_set_string (node, "");
      return node;
    }

  trimmed = g_strstrip (g_strdup (text));

  if (supa_column_info_get_is_array (column) || kind == SUPA_COLUMN_KIND_ARRAY)
    {
      gsize len = strlen (trimmed);

      /* PostgreSQL's literal goes through as text; JSON arrays as arrays. */
      if (len >= 2 && trimmed[0] == '{' && trimmed[len - 1] == '}')
        return json_node_init_string (json_node_alloc (), trimmed);
      if (trimmed[0] == '[')
        {
          node = json_from_string (trimmed, NULL);
          if (node != NULL && JSON_NODE_HOLDS_ARRAY (node))
            return node;
          g_clear_pointer (&node, json_node_unref);
        }
      /* Translators: %s is the cell's text */
      *message = g_strdup_printf (_("“%s” is not an array: write {a,b} or [\"a\",\"b\"]."), text);
      return NULL;
    }

  switch (kind)
    {
    case SUPA_COLUMN_KIND_INTEGER:
      {
        gint64 value = 0;

        if (!g_ascii_string_to_signed (trimmed, 10, G_MININT64, G_MAXINT64, &value, NULL))
          {
            /* Translators: %s is the cell's text */
            *message = g_strdup_printf (_("“%s” is not a whole number."), text);
            return NULL;
          }
        return json_node_init_int (json_node_alloc (), value);
      }

    case SUPA_COLUMN_KIND_NUMBER:
      {
        char *end = NULL;

        g_ascii_strtod (trimmed, &end);
        if (end == trimmed || *end != '\0')
          {
            /* Translators: %s is the cell's text */
            *message = g_strdup_printf (_("“%s” is not a number."), text);
            return NULL;
          }
        /* As text: a double would round numeric(30,10) values. */
        return json_node_init_string (json_node_alloc (), trimmed);
      }

    case SUPA_COLUMN_KIND_BOOLEAN:
      {
        gboolean value = FALSE;

        if (!parse_boolean (trimmed, &value))
          {
            /* Translators: %s is the cell's text */
            *message = g_strdup_printf (_("“%s” is not true or false."), text);
            return NULL;
          }
        return json_node_init_boolean (json_node_alloc (), value);
      }

    case SUPA_COLUMN_KIND_JSON:
      {
        g_autoptr(GError) error = NULL;

        node = json_from_string (text, &error);
        if (node == NULL)
          {
            /* Translators: %s is the JSON parser's explanation */
            *message = g_strdup_printf (_("Not valid JSON: %s"),
                                        error != NULL ? error->message : _("empty"));
            return NULL;
          }
        return node;
      }

    case SUPA_COLUMN_KIND_TEXT:
    case SUPA_COLUMN_KIND_ENUM:
    case SUPA_COLUMN_KIND_ARRAY:
    default:
      return json_node_init_string (json_node_alloc (), text);
    }
}

/* Applies the mapping to @record; never NULL. */
static SupaImportRow *
convert_record (SupaImport          *self,
                const SupaCsvRecord *record)
{
  SupaImportRow *row = import_row_new (record->line);
  guint n_headers = g_strv_length (self->headers);

  if (record->n_fields != n_headers)
    {
      g_autofree char *line = line_text (record->line);

      /* Translators: first %s is a line number; then two counts */
      row->row_error = g_strdup_printf (_("Line %s has %u fields but the header has %u."),
                                        line, record->n_fields, n_headers);
      return row;
    }

  for (guint i = 0; i < n_headers; i++)
    {
      const char *name = g_ptr_array_index (self->mapping, i);
      SupaColumnInfo *column;
      g_autofree char *message = NULL;
      JsonNode *node;

      if (name == NULL)
        continue;

      column = supa_table_info_lookup_column (self->table, name);
      if (column == NULL)
        continue;

      node = convert_cell (self, column, record->fields[i], record->quoted[i], &message);
      if (node != NULL)
        json_object_set_member (row->values, name, node);
      else
        g_hash_table_insert (row->errors, g_strdup (name), g_steal_pointer (&message));
    }

  return row;
}

/* The next record: the preview's read-ahead first. */
static SupaCsvRecord *
next_record (SupaImport    *self,
             GCancellable  *cancellable,
             GError       **error)
{
  SupaCsvRecord *record;

  if (!g_queue_is_empty (&self->pending))
    return g_queue_pop_head (&self->pending);

  for (;;)
    {
      record = supa_csv_reader_read_record (self->reader, cancellable, error);
      if (record == NULL || !supa_csv_record_is_blank (record))
        return record;
      /* An empty line is no row (a trailing one is common). */
      supa_csv_record_free (record);
    }
}

static gboolean
read_header (SupaImport    *self,
             GCancellable  *cancellable,
             GError       **error)
{
  g_autoptr(SupaCsvRecord) record = NULL;
  GError *local_error = NULL;

  if (self->headers != NULL)
    return TRUE;

  record = next_record (self, cancellable, &local_error);
  if (record == NULL)
    {
      if (local_error != NULL)
        g_propagate_error (error, local_error);
      else
        g_set_error_literal (error, SUPA_ERROR, SUPA_ERROR_INVALID_INPUT,
                             _("The file is empty: a CSV file starts with a header line."));
      return FALSE;
    }

  self->headers = g_strdupv (record->fields);
  for (guint i = 0; self->headers[i] != NULL; i++)
    {
      const char *header = g_strstrip (self->headers[i]);
      GListModel *columns = supa_table_info_get_columns (self->table);
      const char *match = NULL;

      for (guint c = 0; c < g_list_model_get_n_items (columns) && match == NULL; c++)
        {
          g_autoptr(SupaColumnInfo) column = g_list_model_get_item (columns, c);
          const char *name = supa_column_info_get_name (column);

          if (g_ascii_strcasecmp (name, header) == 0)
            match = name;
        }
      g_ptr_array_add (self->mapping, g_strdup (match));
    }

  return TRUE;
}

static void
read_header_in_thread (GTask        *task,
                       gpointer      source_object,
                       gpointer      task_data,
                       GCancellable *cancellable)
{
  GError *error = NULL;

  if (!read_header (source_object, cancellable, &error))
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

static void
preview_in_thread (GTask        *task,
                   gpointer      source_object,
                   gpointer      task_data,
                   GCancellable *cancellable)
{
  SupaImport *self = source_object;
  guint n_rows = GPOINTER_TO_UINT (task_data);
  g_autoptr(GPtrArray) rows = g_ptr_array_new_with_free_func ((GDestroyNotify) supa_import_row_free);
  GError *error = NULL;

  if (!read_header (self, cancellable, &error))
    {
      g_task_return_error (task, error);
      return;
    }

  while (g_queue_get_length (&self->pending) < n_rows)
    {
      SupaCsvRecord *record = NULL;

      for (;;)
        {
          record = supa_csv_reader_read_record (self->reader, cancellable, &error);
          if (record == NULL || !supa_csv_record_is_blank (record))
            break;
          supa_csv_record_free (record);
        }
      if (error != NULL)
        {
          g_task_return_error (task, error);
          return;
        }
      if (record == NULL)
        break;
      g_queue_push_tail (&self->pending, record);
    }

  for (GList *l = self->pending.head; l != NULL && rows->len < n_rows; l = l->next)
    g_ptr_array_add (rows, convert_record (self, l->data));

  self->bytes_read = supa_csv_reader_get_bytes_read (self->reader);
  g_task_return_pointer (task, g_steal_pointer (&rows), (GDestroyNotify) g_ptr_array_unref);
}

static SupaImportFailure *
local_failure (const SupaCsvRecord *record,
               SupaImportRow       *row)
{
  SupaImportFailure *failure = g_new0 (SupaImportFailure, 1);
  g_autofree char *line = line_text (record->line);

  failure->first_line = record->line;
  failure->last_line = record->end_line;
  failure->n_rows = 1;

  if (row->row_error != NULL)
    failure->message = g_strdup (row->row_error);
  else
    {
      g_autoptr(GString) text = g_string_new (NULL);
      g_autoptr(GList) keys = g_hash_table_get_keys (row->errors);

      keys = g_list_sort (keys, (GCompareFunc) g_strcmp0);
      for (GList *l = keys; l != NULL; l = l->next)
        {
          if (text->len > 0)
            g_string_append (text, " ");
          /* Translators: line number, column name, the problem */
          g_string_append_printf (text, _("Line %s, column “%s”: %s"),
                                  line, (const char *) l->data,
                                  (const char *) g_hash_table_lookup (row->errors, l->data));
        }
      failure->message = g_string_free (g_steal_pointer (&text), FALSE);
    }

  return failure;
}

static void
read_batch_in_thread (GTask        *task,
                      gpointer      source_object,
                      gpointer      task_data,
                      GCancellable *cancellable)
{
  SupaImport *self = source_object;
  Batch *batch = batch_new ();
  GError *error = NULL;

  if (!read_header (self, cancellable, &error))
    {
      batch_free (batch);
      g_task_return_error (task, error);
      return;
    }

  while (batch->rows->len < self->batch_size)
    {
      g_autoptr(SupaCsvRecord) record = next_record (self, cancellable, &error);
      g_autoptr(SupaImportRow) row = NULL;

      if (error != NULL)
        {
          batch_free (batch);
          g_task_return_error (task, error);
          return;
        }
      if (record == NULL)
        {
          batch->at_end = TRUE;
          break;
        }

      row = convert_record (self, record);
      if (row->row_error != NULL || g_hash_table_size (row->errors) > 0)
        {
          g_ptr_array_add (batch->local, local_failure (record, row));
          continue;
        }

      g_ptr_array_add (batch->rows, json_node_init_object (json_node_alloc (), row->values));
      g_array_append_val (batch->first_lines, record->line);
      g_array_append_val (batch->last_lines, record->end_line);
    }

  batch->bytes_read = supa_csv_reader_get_bytes_read (self->reader);
  g_task_return_pointer (task, batch, (GDestroyNotify) batch_free);
}

/* --- the run (main thread) ---------------------------------------------- */

static void read_next_batch (GTask *task);
static void insert_next_slice (GTask *task);

static void
notify_progress (SupaImport *self)
{
  if (self->notified_inserted != self->report->rows_inserted)
    {
      self->notified_inserted = self->report->rows_inserted;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ROWS_INSERTED]);
    }
  if (self->notified_failed != self->report->rows_failed)
    {
      self->notified_failed = self->report->rows_failed;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ROWS_FAILED]);
    }
  if (self->notified_bytes != self->bytes_read)
    {
      self->notified_bytes = self->bytes_read;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_BYTES_READ]);
    }
}

static void
add_failure (SupaImport        *self,
             SupaImportFailure *failure)
{
  self->report->rows_failed += failure->n_rows;
  g_ptr_array_add (self->report->failures, failure);
}

static void
fail_run (GTask  *task,
          GError *error)
{
  SupaImport *self = g_task_get_source_object (task);

  self->busy = FALSE;
  notify_progress (self);
  g_task_return_error (task, error);
}

/* Errors that say something about the rows, not about the connection,
 * the key or the server: splitting the batch can isolate them. */
static gboolean
is_row_error (const GError *error)
{
  return g_error_matches (error, SUPA_ERROR, SUPA_ERROR_CONFLICT) ||
         g_error_matches (error, SUPA_ERROR, SUPA_ERROR_INVALID_INPUT) ||
         g_error_matches (error, SUPA_ERROR, SUPA_ERROR_TOO_LARGE);
}

static void
inserted_cb (GObject      *object,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  SupaImport *self = g_task_get_source_object (task);
  Run *run = g_task_get_task_data (task);
  g_autoptr(SupaResult) res = NULL;
  g_autofree Slice *slice = g_steal_pointer (&run->current);
  GError *error = NULL;
  Batch *batch = run->batch;
  guint64 first_line = g_array_index (batch->first_lines, guint64, slice->start);
  guint64 last_line = g_array_index (batch->last_lines, guint64, slice->start + slice->len - 1);

  res = supa_database_execute_finish (SUPA_DATABASE (object), result, &error);
  if (res == NULL)
    {
      SupaImportFailure *failure;

      if (!is_row_error (error))
        {
          fail_run (task, error);
          return;
        }

      if (self->isolate && slice->len > 1)
        {
          Slice *left = g_new0 (Slice, 1);
          Slice *right = g_new0 (Slice, 1);

          left->start = slice->start;
          left->len = slice->len / 2;
          right->start = slice->start + left->len;
          right->len = slice->len - left->len;
          g_queue_push_head (&run->slices, right);
          g_queue_push_head (&run->slices, left);
          g_clear_error (&error);
          insert_next_slice (task);
          return;
        }

      failure = g_new0 (SupaImportFailure, 1);
      failure->first_line = first_line;
      failure->last_line = last_line;
      failure->n_rows = slice->len;
      failure->code = g_strdup (supa_error_get_server_code (error));
      failure->message = g_strdup (error->message);
      failure->details = g_strdup (supa_error_get_details (error));
      failure->hint = g_strdup (supa_error_get_hint (error));
      add_failure (self, failure);
      g_clear_error (&error);
    }
  else
    {
      gint64 count = supa_result_get_count (res);

      /* A BEFORE trigger returning NULL (or a rule) drops rows without an
       * error; the count says so, and they are reported, not lost. */
      if (count >= 0 && (guint64) count < slice->len)
        {
          SupaImportFailure *failure = g_new0 (SupaImportFailure, 1);
          g_autofree char *first = line_text (first_line);
          g_autofree char *last = line_text (last_line);

          self->report->rows_inserted += (guint64) count;
          failure->first_line = first_line;
          failure->last_line = last_line;
          failure->n_rows = slice->len - (guint) count;
          /* Translators: two counts, then a line range "12" and "40" */
          failure->message = g_strdup_printf (_("The server stored only %u of the %u rows of lines %s to %s; a trigger or rule skipped the others."),
                                              (guint) count, slice->len, first, last);
          add_failure (self, failure);
        }
      else
        self->report->rows_inserted += slice->len;
    }

  notify_progress (self);
  insert_next_slice (task);
}

static void
insert_next_slice (GTask *task)
{
  SupaImport *self = g_task_get_source_object (task);
  Run *run = g_task_get_task_data (task);
  g_autoptr(SupaQuery) query = NULL;
  g_autoptr(JsonArray) rows = NULL;
  g_autoptr(JsonNode) node = NULL;
  Slice *slice;

  slice = g_queue_pop_head (&run->slices);
  if (slice == NULL)
    {
      g_clear_pointer (&run->batch, batch_free);
      read_next_batch (task);
      return;
    }
  run->current = slice;

  rows = json_array_sized_new (slice->len);
  for (guint i = 0; i < slice->len; i++)
    json_array_add_element (rows, json_node_ref (g_ptr_array_index (run->batch->rows, slice->start + i)));
  node = json_node_init_array (json_node_alloc (), rows);

  query = supa_query_new (supa_table_info_get_name (self->table));
  if (supa_table_info_get_schema (self->table) != NULL)
    supa_query_set_schema (query, supa_table_info_get_schema (self->table));
  /* Every object carries every mapped column (NULL included), so the
   * `columns=` union is exactly the mapped columns. */
  supa_query_insert (query, node, SUPA_COUNT_EXACT, TRUE);

  supa_database_execute_async (self->database, query, g_task_get_cancellable (task),
                               inserted_cb, g_object_ref (task));
}

static void
batch_read_cb (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  SupaImport *self = g_task_get_source_object (task);
  Run *run = g_task_get_task_data (task);
  GError *error = NULL;
  Batch *batch;

  batch = g_task_propagate_pointer (G_TASK (result), &error);
  if (batch == NULL)
    {
      fail_run (task, error);
      return;
    }

  self->bytes_read = batch->bytes_read;
  for (guint i = 0; i < batch->local->len; i++)
    add_failure (self, supa_import_failure_copy (g_ptr_array_index (batch->local, i)));
  notify_progress (self);

  if (batch->rows->len == 0 && batch->at_end)
    {
      batch_free (batch);
      self->busy = FALSE;
      self->finished = TRUE;
      g_task_return_pointer (task, g_object_ref (self->report), g_object_unref);
      return;
    }

  run->batch = batch;
  if (batch->rows->len > 0)
    {
      Slice *all = g_new0 (Slice, 1);

      all->start = 0;
      all->len = batch->rows->len;
      g_queue_push_tail (&run->slices, all);
    }

  insert_next_slice (task);
}

static void
read_next_batch (GTask *task)
{
  SupaImport *self = g_task_get_source_object (task);
  g_autoptr(GTask) read_task = NULL;

  read_task = g_task_new (self, g_task_get_cancellable (task), batch_read_cb, g_object_ref (task));
  g_task_set_source_tag (read_task, read_next_batch);
  g_task_run_in_thread (read_task, read_batch_in_thread);
}

static void
header_then_run_cb (GObject      *object,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  SupaImport *self = SUPA_IMPORT (object);
  GError *error = NULL;

  if (!g_task_propagate_boolean (G_TASK (result), &error) ||
      !supa_import_check_mapping (self, &error))
    {
      fail_run (task, error);
      return;
    }

  read_next_batch (task);
}

/* --- GObject ------------------------------------------------------------ */

static void
supa_import_finalize (GObject *object)
{
  SupaImport *self = SUPA_IMPORT (object);

  g_clear_object (&self->database);
  g_clear_object (&self->table);
  g_clear_object (&self->input);
  g_clear_object (&self->reader);
  g_queue_clear_full (&self->pending, (GDestroyNotify) supa_csv_record_free);
  g_clear_pointer (&self->headers, g_strfreev);
  g_clear_pointer (&self->mapping, g_ptr_array_unref);
  g_clear_object (&self->report);

  G_OBJECT_CLASS (supa_import_parent_class)->finalize (object);
}

static void
supa_import_get_property (GObject    *object,
                          guint       prop_id,
                          GValue     *value,
                          GParamSpec *pspec)
{
  SupaImport *self = SUPA_IMPORT (object);

  switch (prop_id)
    {
    case PROP_ROWS_INSERTED:
      g_value_set_uint64 (value, self->report->rows_inserted);
      break;
    case PROP_ROWS_FAILED:
      g_value_set_uint64 (value, self->report->rows_failed);
      break;
    case PROP_BYTES_READ:
      g_value_set_uint64 (value, self->bytes_read);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
supa_import_class_init (SupaImportClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = supa_import_finalize;
  object_class->get_property = supa_import_get_property;

  properties[PROP_ROWS_INSERTED] =
    g_param_spec_uint64 ("rows-inserted", NULL, NULL, 0, G_MAXUINT64, 0,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_ROWS_FAILED] =
    g_param_spec_uint64 ("rows-failed", NULL, NULL, 0, G_MAXUINT64, 0,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_BYTES_READ] =
    g_param_spec_uint64 ("bytes-read", NULL, NULL, 0, G_MAXUINT64, 0,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
supa_import_init (SupaImport *self)
{
  g_queue_init (&self->pending);
  self->mapping = g_ptr_array_new_with_free_func (g_free);
  self->batch_size = DEFAULT_BATCH_SIZE;
  self->isolate = TRUE;
  self->report = g_object_new (SUPA_TYPE_IMPORT_REPORT, NULL);
}

/* --- public API --------------------------------------------------------- */

SupaImport *
supa_import_new (SupaDatabase  *database,
                 SupaTableInfo *table,
                 GInputStream  *input)
{
  SupaImport *self;

  g_return_val_if_fail (SUPA_IS_DATABASE (database), NULL);
  g_return_val_if_fail (SUPA_IS_TABLE_INFO (table), NULL);
  g_return_val_if_fail (G_IS_INPUT_STREAM (input), NULL);

  self = g_object_new (SUPA_TYPE_IMPORT, NULL);
  self->database = g_object_ref (database);
  self->table = g_object_ref (table);
  self->input = g_object_ref (input);
  self->reader = supa_csv_reader_new (input);

  return self;
}

void
supa_import_set_input_size (SupaImport *self,
                            guint64     size)
{
  g_return_if_fail (SUPA_IS_IMPORT (self));
  self->input_size = size;
}

void
supa_import_set_separator (SupaImport *self,
                           char        separator)
{
  g_return_if_fail (SUPA_IS_IMPORT (self));
  g_return_if_fail (!self->busy && self->headers == NULL);

  supa_csv_reader_set_separator (self->reader, separator);
}

void
supa_import_set_empty_text (SupaImport          *self,
                            SupaImportEmptyText  mode)
{
  g_return_if_fail (SUPA_IS_IMPORT (self));
  g_return_if_fail (!self->busy);

  self->empty_text = mode;
}

void
supa_import_set_batch_size (SupaImport *self,
                            guint       batch_size)
{
  g_return_if_fail (SUPA_IS_IMPORT (self));
  g_return_if_fail (batch_size > 0);
  g_return_if_fail (!self->busy);

  self->batch_size = batch_size;
}

void
supa_import_set_isolate_failures (SupaImport *self,
                                  gboolean    isolate)
{
  g_return_if_fail (SUPA_IS_IMPORT (self));
  g_return_if_fail (!self->busy);

  self->isolate = !!isolate;
}

void
supa_import_read_header_async (SupaImport          *self,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (SUPA_IS_IMPORT (self));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));
  g_return_if_fail (!self->busy);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, supa_import_read_header_async);
  g_task_run_in_thread (task, read_header_in_thread);
}

gboolean
supa_import_read_header_finish (SupaImport    *self,
                                GAsyncResult  *result,
                                GError       **error)
{
  g_return_val_if_fail (SUPA_IS_IMPORT (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

const char * const *
supa_import_get_headers (SupaImport *self)
{
  g_return_val_if_fail (SUPA_IS_IMPORT (self), NULL);

  return (const char * const *) self->headers;
}

const char *
supa_import_get_mapping (SupaImport *self,
                         guint       index)
{
  g_return_val_if_fail (SUPA_IS_IMPORT (self), NULL);
  g_return_val_if_fail (index < self->mapping->len, NULL);

  return g_ptr_array_index (self->mapping, index);
}

void
supa_import_set_mapping (SupaImport *self,
                         guint       index,
                         const char *column)
{
  g_return_if_fail (SUPA_IS_IMPORT (self));
  g_return_if_fail (index < self->mapping->len);
  g_return_if_fail (!self->busy);

  g_free (g_ptr_array_index (self->mapping, index));
  g_ptr_array_index (self->mapping, index) = g_strdup (column);
}

/* PostgREST's OpenAPI lists a `GENERATED … AS IDENTITY` key as required
 * and without a default (PostgREST#2527). Such a key is always of an
 * integer type, so an integer key column is not taken for required: the
 * server's error (shown in the report) decides. A key of any other type
 * without a default (a uuid, say) cannot be an identity and still needs a
 * CSV column. */
static gboolean
may_be_identity_key (SupaColumnInfo *column)
{
  static const char * const integer_types[] = { "smallint", "integer", "bigint", NULL };
  const char *type = supa_column_info_get_type_name (column);

  return supa_column_info_get_is_primary_key (column) &&
         !supa_column_info_get_is_array (column) &&
         type != NULL && g_strv_contains (integer_types, type);
}

gboolean
supa_import_check_mapping (SupaImport  *self,
                           GError     **error)
{
  g_autoptr(GHashTable) mapped = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GString) missing = g_string_new (NULL);
  GListModel *columns;

  g_return_val_if_fail (SUPA_IS_IMPORT (self), FALSE);

  if (self->headers == NULL)
    {
      g_set_error_literal (error, SUPA_ERROR, SUPA_ERROR_INVALID_INPUT,
                           _("The file's header has not been read yet."));
      return FALSE;
    }

  for (guint i = 0; i < self->mapping->len; i++)
    {
      const char *name = g_ptr_array_index (self->mapping, i);

      if (name == NULL)
        continue;
      if (supa_table_info_lookup_column (self->table, name) == NULL)
        {
          /* Translators: %s is a column name */
          g_set_error (error, SUPA_ERROR, SUPA_ERROR_INVALID_INPUT,
                       _("The table has no column “%s”."), name);
          return FALSE;
        }
      if (!g_hash_table_add (mapped, (gpointer) name))
        {
          /* Translators: %s is a column name */
          g_set_error (error, SUPA_ERROR, SUPA_ERROR_INVALID_INPUT,
                       _("Two CSV columns are imported into “%s”; choose one."), name);
          return FALSE;
        }
    }

  if (g_hash_table_size (mapped) == 0)
    {
      g_set_error_literal (error, SUPA_ERROR, SUPA_ERROR_INVALID_INPUT,
                           _("No CSV column is imported into a table column."));
      return FALSE;
    }

  columns = supa_table_info_get_columns (self->table);
  for (guint c = 0; c < g_list_model_get_n_items (columns); c++)
    {
      g_autoptr(SupaColumnInfo) column = g_list_model_get_item (columns, c);
      const char *name = supa_column_info_get_name (column);

      if (supa_column_info_get_nullable (column) ||
          supa_column_info_get_has_default (column) ||
          may_be_identity_key (column) ||
          g_hash_table_contains (mapped, name))
        continue;
      if (missing->len > 0)
        g_string_append (missing, ", ");
      g_string_append (missing, name);
    }

  if (missing->len > 0)
    {
      /* Translators: %s is a list of column names */
      g_set_error (error, SUPA_ERROR, SUPA_ERROR_INVALID_INPUT,
                   _("These columns need a value but no CSV column fills them: %s."),
                   missing->str);
      return FALSE;
    }

  return TRUE;
}

void
supa_import_preview_async (SupaImport          *self,
                           guint                n_rows,
                           GCancellable        *cancellable,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (SUPA_IS_IMPORT (self));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));
  g_return_if_fail (!self->busy);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, supa_import_preview_async);

  if (self->report->rows_inserted + self->report->rows_failed > 0)
    {
      g_task_return_new_error (task, SUPA_ERROR, SUPA_ERROR_INVALID_INPUT, "%s",
                               _("The import has already started."));
      return;
    }

  g_task_set_task_data (task, GUINT_TO_POINTER (n_rows), NULL);
  g_task_run_in_thread (task, preview_in_thread);
}

GPtrArray *
supa_import_preview_finish (SupaImport    *self,
                            GAsyncResult  *result,
                            GError       **error)
{
  g_return_val_if_fail (SUPA_IS_IMPORT (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

void
supa_import_run_async (SupaImport          *self,
                       GCancellable        *cancellable,
                       GAsyncReadyCallback  callback,
                       gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GTask) header_task = NULL;

  g_return_if_fail (SUPA_IS_IMPORT (self));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, supa_import_run_async);

  if (self->busy || self->finished)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_PENDING, "%s",
                               self->busy ? _("The import is already running.")
                                          : _("The file has already been imported."));
      return;
    }

  self->busy = TRUE;
  g_task_set_task_data (task, g_new0 (Run, 1), (GDestroyNotify) run_free);

  header_task = g_task_new (self, cancellable, header_then_run_cb, g_object_ref (task));
  g_task_set_source_tag (header_task, supa_import_read_header_async);
  g_task_run_in_thread (header_task, read_header_in_thread);
}

SupaImportReport *
supa_import_run_finish (SupaImport    *self,
                        GAsyncResult  *result,
                        GError       **error)
{
  g_return_val_if_fail (SUPA_IS_IMPORT (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == supa_import_run_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

guint64
supa_import_get_rows_inserted (SupaImport *self)
{
  g_return_val_if_fail (SUPA_IS_IMPORT (self), 0);
  return self->report->rows_inserted;
}

guint64
supa_import_get_rows_failed (SupaImport *self)
{
  g_return_val_if_fail (SUPA_IS_IMPORT (self), 0);
  return self->report->rows_failed;
}

guint64
supa_import_get_bytes_read (SupaImport *self)
{
  g_return_val_if_fail (SUPA_IS_IMPORT (self), 0);
  return self->bytes_read;
}

guint64
supa_import_get_input_size (SupaImport *self)
{
  g_return_val_if_fail (SUPA_IS_IMPORT (self), 0);
  return self->input_size;
}

SupaImportReport *
supa_import_get_report (SupaImport *self)
{
  g_return_val_if_fail (SUPA_IS_IMPORT (self), NULL);
  return self->report;
}
