/* supa-export.c — streams every row of a query to CSV or JSON
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * PostgREST answers at most max_rows (1000 on Supabase) rows per request,
 * so the export pages. Each page is fetched as JSON, formatted and written
 * in a worker thread and dropped before the next one is asked for: memory
 * stays flat whatever the row count. The query the caller built is only
 * rendered (supa_query_to_request) for its relation, select and filters;
 * the export then adds its own order, keyset filter and limit.
 */

#define G_LOG_DOMAIN "supa-export"

#include "config.h"

#include "supa-export.h"
#include "supa-csv.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#define DEFAULT_PAGE_SIZE 1000

typedef struct
{
  char           *column;
  gboolean        ascending;
  SupaNullsOrder  nulls;
} Order;

struct _SupaExport
{
  GObject           parent_instance;

  SupaClient       *client;
  SupaQuery        *query;
  SupaExportFormat  format;
  GStrv             primary_key;
  GPtrArray        *orders;        /* Order* */
  GStrv             columns;
  guint             page_size;
  SupaCount         count_method;

  guint64           rows_written;
  gint64            total_rows;
  gboolean          running;
};

G_DEFINE_FINAL_TYPE (SupaExport, supa_export, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_ROWS_WRITTEN,
  PROP_TOTAL_ROWS,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* One run of the export: the task data. */
typedef struct
{
  GOutputStream *stream;
  GFile         *target;
  GFile         *temp;
  char          *path;
  char          *base_query;   /* select and filters, encoded */
  char          *profile;      /* Accept-Profile, or NULL */
  char          *order;        /* the order parameter value */
  GStrv          columns;      /* the header, once known */
  GStrv          last_key;     /* keyset: the key of the last row written */
  gboolean       keyset;
  gboolean       started;      /* header or '[' written */
  gboolean       counted;      /* the count was asked for */
  guint64        fetched;      /* rows received (the offset in offset mode) */
  guint          last_page;    /* rows in the page just written */
} Run;

static void
order_free (Order *order)
{
  g_free (order->column);
  g_free (order);
}

static void
run_free (Run *run)
{
  g_clear_object (&run->stream);
  g_clear_object (&run->target);
  g_clear_object (&run->temp);
  g_free (run->path);
  g_free (run->base_query);
  g_free (run->profile);
  g_free (run->order);
  g_strfreev (run->columns);
  g_strfreev (run->last_key);
  g_free (run);
}

/* --- formatting (worker thread) ----------------------------------------- */

/* The shortest text that reads back as the same double. */
static char *
format_double (double value)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];

  g_ascii_formatd (buf, sizeof buf, "%.15g", value);
  if (g_ascii_strtod (buf, NULL) != value)
    g_ascii_formatd (buf, sizeof buf, "%.16g", value);
  if (g_ascii_strtod (buf, NULL) != value)
    g_ascii_formatd (buf, sizeof buf, "%.17g", value);

  return g_strdup (buf);
}

/* A value as CSV text; NULL for SQL NULL. */
static char *
value_to_text (JsonNode *node)
{
  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return NULL;

  if (JSON_NODE_HOLDS_VALUE (node))
    {
      GType type = json_node_get_value_type (node);

      if (type == G_TYPE_STRING)
        return g_strdup (json_node_get_string (node));
      if (type == G_TYPE_BOOLEAN)
        return g_strdup (json_node_get_boolean (node) ? "true" : "false");
      if (type == G_TYPE_INT64)
        return g_strdup_printf ("%" G_GINT64_FORMAT, json_node_get_int (node));
      if (type == G_TYPE_DOUBLE)
        return format_double (json_node_get_double (node));
    }

  return json_to_string (node, FALSE);
}

typedef struct
{
  Run              *run;         /* owned by the main task, idle meanwhile */
  GBytes           *bytes;
  SupaExportFormat  format;
  GStrv             primary_key;
  guint             n_rows;
  gboolean          key_missing;
} PageWork;

static void
page_work_free (PageWork *work)
{
  g_bytes_unref (work->bytes);
  g_strfreev (work->primary_key);
  g_free (work);
}

static GStrv
columns_of (JsonObject *row)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_autoptr(GList) members = json_object_get_members (row);

  for (GList *l = members; l != NULL; l = l->next)
    g_strv_builder_add (builder, l->data);

  return g_strv_builder_end (builder);
}

static void
write_page_in_thread (GTask        *task,
                      gpointer      source_object,
                      gpointer      task_data,
                      GCancellable *cancellable)
{
  PageWork *work = task_data;
  Run *run = work->run;
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GString) out = g_string_new (NULL);
  g_autoptr(GError) error = NULL;
  gsize size = 0;
  const char *data = g_bytes_get_data (work->bytes, &size);
  JsonNode *root;
  JsonArray *rows;
  guint n;

  if (!json_parser_load_from_data (parser, size > 0 ? data : "[]", size > 0 ? (gssize) size : -1, &error) ||
      (root = json_parser_get_root (parser)) == NULL ||
      !JSON_NODE_HOLDS_ARRAY (root))
    {
      g_task_return_new_error (task, SUPA_ERROR, SUPA_ERROR_PROTOCOL, "%s",
                               _("The server sent a page of rows that is not a JSON array."));
      return;
    }

  rows = json_node_get_array (root);
  n = json_array_get_length (rows);

  for (guint i = 0; i < n; i++)
    {
      JsonNode *row_node = json_array_get_element (rows, i);
      JsonObject *row;

      if (!JSON_NODE_HOLDS_OBJECT (row_node))
        {
          g_task_return_new_error (task, SUPA_ERROR, SUPA_ERROR_PROTOCOL, "%s",
                                   _("The server sent a row that is not a JSON object."));
          return;
        }
      row = json_node_get_object (row_node);

      if (!run->started)
        {
          if (work->format == SUPA_EXPORT_FORMAT_CSV)
            {
              if (run->columns == NULL)
                run->columns = columns_of (row);
              supa_csv_append_record (out, (const char * const *) run->columns,
                                      g_strv_length (run->columns));
            }
          else
            g_string_append (out, "[\n");
          run->started = TRUE;
        }
      else if (work->format == SUPA_EXPORT_FORMAT_JSON)
        g_string_append (out, ",\n");

      if (work->format == SUPA_EXPORT_FORMAT_CSV)
        {
          guint n_columns = g_strv_length (run->columns);
          g_autoptr(GPtrArray) texts = g_ptr_array_new_with_free_func (g_free);

          for (guint c = 0; c < n_columns; c++)
            g_ptr_array_add (texts, value_to_text (json_object_get_member (row, run->columns[c])));
          supa_csv_append_record (out, (const char * const *) texts->pdata, n_columns);
        }
      else
        {
          g_autofree char *text = json_to_string (row_node, FALSE);

          g_string_append (out, text);
        }

      if (i == n - 1 && work->primary_key != NULL && work->primary_key[0] != NULL)
        {
          g_autoptr(GStrvBuilder) key = g_strv_builder_new ();

          for (guint k = 0; work->primary_key[k] != NULL; k++)
            {
              JsonNode *value = json_object_get_member (row, work->primary_key[k]);
              g_autofree char *text = value_to_text (value);

              if (text == NULL)
                {
                  work->key_missing = TRUE;
                  break;
                }
              g_strv_builder_add (key, text);
            }
          g_strfreev (run->last_key);
          run->last_key = work->key_missing ? NULL : g_strv_builder_end (key);
        }
    }

  if (out->len > 0 &&
      !g_output_stream_write_all (run->stream, out->str, out->len, NULL, cancellable, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  work->n_rows = n;
  g_task_return_boolean (task, TRUE);
}

/* --- the run (main thread) ---------------------------------------------- */

static void fetch_page (GTask *task);

static void
set_progress (SupaExport *self,
              guint64     rows_written,
              gint64      total_rows)
{
  if (self->rows_written != rows_written)
    {
      self->rows_written = rows_written;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ROWS_WRITTEN]);
    }
  if (self->total_rows != total_rows)
    {
      self->total_rows = total_rows;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TOTAL_ROWS]);
    }
}

/* Cleans up a file run and fails the task. */
static void
fail (GTask  *task,
      GError *error)
{
  SupaExport *self = g_task_get_source_object (task);
  Run *run = g_task_get_task_data (task);

  self->running = FALSE;

  if (run->temp != NULL)
    {
      /* Local and short: done before reporting so that the caller never
       * sees a half-written file once the callback runs. */
      if (run->stream != NULL)
        g_output_stream_close (run->stream, NULL, NULL);
      g_file_delete (run->temp, NULL, NULL);
    }

  g_task_return_error (task, error);
}

static void
moved_cb (GObject      *object,
          GAsyncResult *result,
          gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  SupaExport *self = g_task_get_source_object (task);
  Run *run = g_task_get_task_data (task);
  GError *error = NULL;

  if (!g_file_move_finish (G_FILE (object), result, &error))
    {
      g_clear_object (&run->stream);
      fail (task, error);
      return;
    }

  self->running = FALSE;
  g_task_return_boolean (task, TRUE);
}

static void
closed_cb (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  Run *run = g_task_get_task_data (task);
  GError *error = NULL;

  if (!g_output_stream_close_finish (G_OUTPUT_STREAM (object), result, &error))
    {
      g_clear_object (&run->stream);
      fail (task, error);
      return;
    }

  g_file_move_async (run->temp, run->target, G_FILE_COPY_OVERWRITE, G_PRIORITY_DEFAULT,
                     g_task_get_cancellable (task), NULL, NULL,
                     moved_cb, g_object_ref (task));
}

static void
trailer_written_cb (GObject      *object,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  SupaExport *self = g_task_get_source_object (task);
  Run *run = g_task_get_task_data (task);
  GError *error = NULL;

  if (!g_output_stream_write_all_finish (G_OUTPUT_STREAM (object), result, NULL, &error))
    {
      fail (task, error);
      return;
    }

  if (run->temp != NULL)
    {
      g_output_stream_close_async (run->stream, G_PRIORITY_DEFAULT,
                                   g_task_get_cancellable (task),
                                   closed_cb, g_object_ref (task));
      return;
    }

  self->running = FALSE;
  g_task_return_boolean (task, TRUE);
}

static void
finish_output (GTask *task)
{
  SupaExport *self = g_task_get_source_object (task);
  Run *run = g_task_get_task_data (task);
  g_autoptr(GString) out = g_string_new (NULL);
  gsize len;

  if (self->format == SUPA_EXPORT_FORMAT_JSON)
    g_string_append (out, run->started ? "\n]\n" : "[]\n");
  else if (!run->started && run->columns != NULL)
    supa_csv_append_record (out, (const char * const *) run->columns, g_strv_length (run->columns));

  /* The buffer must outlive the async write: the task keeps it. */
  len = out->len;
  g_object_set_data_full (G_OBJECT (task), "trailer", g_string_free (g_steal_pointer (&out), FALSE), g_free);
  g_output_stream_write_all_async (run->stream,
                                   g_object_get_data (G_OBJECT (task), "trailer"), len,
                                   G_PRIORITY_DEFAULT, g_task_get_cancellable (task),
                                   trailer_written_cb, g_object_ref (task));
}

static void
page_written_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  SupaExport *self = g_task_get_source_object (task);
  Run *run = g_task_get_task_data (task);
  PageWork *work = g_task_get_task_data (G_TASK (result));
  GError *error = NULL;
  gboolean more;

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      fail (task, error);
      return;
    }

  run->fetched += work->n_rows;
  run->last_page = work->n_rows;

  /* A row without its key (the select left it out) cannot continue a
   * keyset: go on by offset, still ordered by the key. */
  if (run->keyset && work->key_missing)
    run->keyset = FALSE;

  set_progress (self, run->fetched, self->total_rows);

  /* A short page may only mean a smaller server cap than our page size:
   * stop at an empty page, or once the announced total is reached. */
  if (work->n_rows == 0)
    more = FALSE;
  else if (work->n_rows >= self->page_size)
    more = TRUE;
  else
    more = self->total_rows < 0 || run->fetched < (guint64) self->total_rows;

  if (more)
    fetch_page (task);
  else
    finish_output (task);
}

/* Content-Range: "0-999/2500" or "* /0" (without the space). */
static gint64
parse_total (const char *content_range)
{
  const char *slash;

  if (content_range == NULL || (slash = strchr (content_range, '/')) == NULL ||
      slash[1] == '*' || slash[1] == '\0')
    return -1;

  return g_ascii_strtoll (slash + 1, NULL, 10);
}

static void
page_fetched_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  SupaExport *self = g_task_get_source_object (task);
  Run *run = g_task_get_task_data (task);
  SoupMessage *msg = g_object_get_data (G_OBJECT (task), "message");
  g_autoptr(GTask) page_task = NULL;
  g_autoptr(GBytes) bytes = NULL;
  GError *error = NULL;
  PageWork *work;

  bytes = supa_client_send_finish (SUPA_CLIENT (object), result, &error);
  if (bytes == NULL)
    {
      fail (task, error);
      return;
    }

  if (run->counted && self->total_rows < 0)
    {
      gint64 total = parse_total (soup_message_headers_get_one (soup_message_get_response_headers (msg),
                                                                "Content-Range"));
      set_progress (self, self->rows_written, total);
    }
  run->counted = FALSE;

  work = g_new0 (PageWork, 1);
  work->run = run;
  work->bytes = g_steal_pointer (&bytes);
  work->format = self->format;
  work->primary_key = g_strdupv (self->primary_key);

  page_task = g_task_new (self, g_task_get_cancellable (task), page_written_cb, g_object_ref (task));
  g_task_set_source_tag (page_task, page_fetched_cb);
  g_task_set_task_data (page_task, work, (GDestroyNotify) page_work_free);
  g_task_run_in_thread (page_task, write_page_in_thread);
}

static void
append_param (GString    *qs,
              const char *key,
              const char *value)
{
  g_autofree char *k = supa_form_encode (key);
  g_autofree char *v = supa_form_encode (value);

  if (qs->len > 0)
    g_string_append_c (qs, '&');
  g_string_append_printf (qs, "%s=%s", k, v);
}

/* `(a,b) > (x,y)` as PostgREST filters: a.gt.x or (a.eq.x and b.gt.y). */
static void
append_keyset_filter (GString            *qs,
                      const char * const *key,
                      const char * const *last)
{
  g_autoptr(SupaFilterGroup) any = NULL;
  g_autofree char *tree = NULL;

  if (key[1] == NULL)
    {
      g_autofree char *value = g_strconcat ("gt.", last[0], NULL);

      append_param (qs, key[0], value);
      return;
    }

  any = supa_filter_group_new (SUPA_FILTER_OR, FALSE);
  for (guint i = 0; key[i] != NULL; i++)
    {
      g_autoptr(SupaFilterGroup) all = supa_filter_group_new (SUPA_FILTER_AND, FALSE);

      for (guint j = 0; j < i; j++)
        supa_filter_group_add_condition (all, key[j], "eq", last[j]);
      supa_filter_group_add_condition (all, key[i], "gt", last[i]);
      supa_filter_group_add_group (any, all);
    }

  tree = supa_filter_group_to_string (any);
  append_param (qs, "or", tree);
}

static void
fetch_page (GTask *task)
{
  SupaExport *self = g_task_get_source_object (task);
  Run *run = g_task_get_task_data (task);
  g_autoptr(GString) qs = g_string_new (run->base_query);
  g_autoptr(SoupMessage) msg = NULL;
  g_autofree char *limit = g_strdup_printf ("%u", self->page_size);
  SoupMessageHeaders *headers;
  GError *error = NULL;

  /* Through fail(), for the temporary file's sake. */
  if (g_cancellable_set_error_if_cancelled (g_task_get_cancellable (task), &error))
    {
      fail (task, error);
      return;
    }

  if (run->order != NULL)
    append_param (qs, "order", run->order);
  if (run->keyset && run->last_key != NULL)
    append_keyset_filter (qs, (const char * const *) self->primary_key,
                          (const char * const *) run->last_key);
  append_param (qs, "limit", limit);
  if (!run->keyset && run->fetched > 0)
    {
      g_autofree char *offset = g_strdup_printf ("%" G_GUINT64_FORMAT, run->fetched);

      append_param (qs, "offset", offset);
    }

  msg = supa_client_new_message (self->client, SUPA_SERVICE_REST, "GET", run->path, qs->str);
  headers = soup_message_get_request_headers (msg);
  if (run->profile != NULL)
    soup_message_headers_replace (headers, "Accept-Profile", run->profile);
  if (run->counted)
    {
      const char *pref = self->count_method == SUPA_COUNT_PLANNED ? "count=planned"
                       : self->count_method == SUPA_COUNT_ESTIMATED ? "count=estimated"
                       : "count=exact";

      soup_message_headers_replace (headers, "Prefer", pref);
    }

  g_object_set_data_full (G_OBJECT (task), "message", g_object_ref (msg), g_object_unref);
  supa_client_send_async (self->client, msg, SUPA_SERVICE_REST,
                          g_task_get_cancellable (task),
                          page_fetched_cb, g_object_ref (task));
}

/* The template's parameters minus the ones the export decides. */
static char *
base_query_of (const char *query_string)
{
  g_auto(GStrv) pairs = g_strsplit (query_string != NULL ? query_string : "", "&", -1);
  GString *out = g_string_new (NULL);

  for (guint i = 0; pairs[i] != NULL; i++)
    {
      const char *eq = strchr (pairs[i], '=');
      g_autofree char *key = eq ? g_strndup (pairs[i], (gsize) (eq - pairs[i])) : g_strdup (pairs[i]);

      if (*pairs[i] == '\0' ||
          g_str_equal (key, "order") || g_str_equal (key, "limit") ||
          g_str_equal (key, "offset") || g_str_equal (key, "columns"))
        continue;
      if (out->len > 0)
        g_string_append_c (out, '&');
      g_string_append (out, pairs[i]);
    }

  return g_string_free (out, FALSE);
}

static char *
order_value (SupaExport *self)
{
  GString *out = g_string_new (NULL);
  g_autoptr(GHashTable) used = g_hash_table_new (g_str_hash, g_str_equal);

  for (guint i = 0; i < self->orders->len; i++)
    {
      Order *order = g_ptr_array_index (self->orders, i);

      if (out->len > 0)
        g_string_append_c (out, ',');
      g_string_append_printf (out, "%s.%s%s", order->column,
                              order->ascending ? "asc" : "desc",
                              order->nulls == SUPA_NULLS_FIRST ? ".nullsfirst"
                              : order->nulls == SUPA_NULLS_LAST ? ".nullslast" : "");
      g_hash_table_add (used, order->column);
    }

  /* The key makes the order total, so offset pages neither overlap nor
   * leave gaps between rows with equal sort values. */
  for (guint i = 0; self->primary_key != NULL && self->primary_key[i] != NULL; i++)
    {
      if (g_hash_table_contains (used, self->primary_key[i]))
        continue;
      if (out->len > 0)
        g_string_append_c (out, ',');
      g_string_append_printf (out, "%s.asc", self->primary_key[i]);
    }

  if (out->len == 0)
    return g_string_free (out, TRUE), NULL;

  return g_string_free (out, FALSE);
}

static gboolean
start_run (SupaExport  *self,
           GTask       *task,
           GError     **error)
{
  g_autofree char *method = NULL;
  g_autofree char *query_string = NULL;
  g_autoptr(SoupMessageHeaders) headers = NULL;
  g_autoptr(GBytes) body = NULL;
  Run *run = g_task_get_task_data (task);

  if (self->running)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_PENDING,
                           _("An export is already running."));
      return FALSE;
    }

  if (supa_query_get_kind (self->query) != SUPA_QUERY_SELECT)
    {
      g_set_error_literal (error, SUPA_ERROR, SUPA_ERROR_INVALID_INPUT,
                           _("Only the rows of a select can be exported."));
      return FALSE;
    }

  if (!supa_query_to_request (self->query, &method, &run->path, &query_string,
                              &headers, &body, error))
    return FALSE;

  run->base_query = base_query_of (query_string);
  run->profile = g_strdup (soup_message_headers_get_one (headers, "Accept-Profile"));
  run->order = order_value (self);
  run->columns = g_strdupv (self->columns);
  run->keyset = self->primary_key != NULL && self->primary_key[0] != NULL &&
                self->orders->len == 0;
  run->counted = self->count_method != SUPA_COUNT_NONE;

  self->running = TRUE;
  set_progress (self, 0, -1);

  return TRUE;
}

static void
temp_created_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  SupaExport *self = g_task_get_source_object (task);
  Run *run = g_task_get_task_data (task);
  GError *error = NULL;
  GFileOutputStream *stream;

  stream = g_file_create_finish (G_FILE (object), result, &error);
  if (stream == NULL)
    {
      g_clear_object (&run->temp);   /* not ours to delete */
      self->running = FALSE;
      g_task_return_error (task, error);
      return;
    }

  run->stream = G_OUTPUT_STREAM (stream);

  /* Created without the cancellable (a cancelled create may still have
   * made the file): a cancel meanwhile is honoured here, where fail()
   * removes the file. */
  if (g_cancellable_set_error_if_cancelled (g_task_get_cancellable (task), &error))
    {
      fail (task, error);
      return;
    }

  fetch_page (task);
}

/* --- GObject ------------------------------------------------------------ */

static void
supa_export_finalize (GObject *object)
{
  SupaExport *self = SUPA_EXPORT (object);

  g_clear_object (&self->client);
  g_clear_object (&self->query);
  g_clear_pointer (&self->primary_key, g_strfreev);
  g_clear_pointer (&self->orders, g_ptr_array_unref);
  g_clear_pointer (&self->columns, g_strfreev);

  G_OBJECT_CLASS (supa_export_parent_class)->finalize (object);
}

static void
supa_export_get_property (GObject    *object,
                          guint       prop_id,
                          GValue     *value,
                          GParamSpec *pspec)
{
  SupaExport *self = SUPA_EXPORT (object);

  switch (prop_id)
    {
    case PROP_ROWS_WRITTEN:
      g_value_set_uint64 (value, self->rows_written);
      break;
    case PROP_TOTAL_ROWS:
      g_value_set_int64 (value, self->total_rows);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
supa_export_class_init (SupaExportClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = supa_export_finalize;
  object_class->get_property = supa_export_get_property;

  properties[PROP_ROWS_WRITTEN] =
    g_param_spec_uint64 ("rows-written", NULL, NULL, 0, G_MAXUINT64, 0,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_TOTAL_ROWS] =
    g_param_spec_int64 ("total-rows", NULL, NULL, -1, G_MAXINT64, -1,
                        G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
supa_export_init (SupaExport *self)
{
  self->orders = g_ptr_array_new_with_free_func ((GDestroyNotify) order_free);
  self->page_size = DEFAULT_PAGE_SIZE;
  self->count_method = SUPA_COUNT_EXACT;
  self->total_rows = -1;
}

/* --- public API --------------------------------------------------------- */

SupaExport *
supa_export_new (SupaClient       *client,
                 SupaQuery        *query,
                 SupaExportFormat  format)
{
  SupaExport *self;

  g_return_val_if_fail (SUPA_IS_CLIENT (client), NULL);
  g_return_val_if_fail (SUPA_IS_QUERY (query), NULL);

  self = g_object_new (SUPA_TYPE_EXPORT, NULL);
  self->client = g_object_ref (client);
  self->query = g_object_ref (query);
  self->format = format;

  return self;
}

void
supa_export_set_primary_key (SupaExport         *self,
                             const char * const *columns)
{
  g_return_if_fail (SUPA_IS_EXPORT (self));
  g_return_if_fail (!self->running);

  g_clear_pointer (&self->primary_key, g_strfreev);
  if (columns != NULL && columns[0] != NULL)
    self->primary_key = g_strdupv ((char **) columns);
}

void
supa_export_add_order (SupaExport     *self,
                       const char     *column,
                       gboolean        ascending,
                       SupaNullsOrder  nulls)
{
  Order *order;

  g_return_if_fail (SUPA_IS_EXPORT (self));
  g_return_if_fail (column != NULL && *column != '\0');
  g_return_if_fail (!self->running);

  order = g_new0 (Order, 1);
  order->column = g_strdup (column);
  order->ascending = !!ascending;
  order->nulls = nulls;
  g_ptr_array_add (self->orders, order);
}

void
supa_export_set_columns (SupaExport         *self,
                         const char * const *columns)
{
  g_return_if_fail (SUPA_IS_EXPORT (self));
  g_return_if_fail (!self->running);

  g_clear_pointer (&self->columns, g_strfreev);
  if (columns != NULL && columns[0] != NULL)
    self->columns = g_strdupv ((char **) columns);
}

void
supa_export_set_page_size (SupaExport *self,
                           guint       page_size)
{
  g_return_if_fail (SUPA_IS_EXPORT (self));
  g_return_if_fail (page_size > 0);
  g_return_if_fail (!self->running);

  self->page_size = page_size;
}

void
supa_export_set_count_method (SupaExport *self,
                              SupaCount   count)
{
  g_return_if_fail (SUPA_IS_EXPORT (self));
  g_return_if_fail (!self->running);

  self->count_method = count;
}

guint64
supa_export_get_rows_written (SupaExport *self)
{
  g_return_val_if_fail (SUPA_IS_EXPORT (self), 0);

  return self->rows_written;
}

gint64
supa_export_get_total_rows (SupaExport *self)
{
  g_return_val_if_fail (SUPA_IS_EXPORT (self), -1);

  return self->total_rows;
}

void
supa_export_to_stream_async (SupaExport          *self,
                             GOutputStream       *stream,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  GError *error = NULL;
  Run *run;

  g_return_if_fail (SUPA_IS_EXPORT (self));
  g_return_if_fail (G_IS_OUTPUT_STREAM (stream));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, supa_export_to_stream_async);
  run = g_new0 (Run, 1);
  run->stream = g_object_ref (stream);
  g_task_set_task_data (task, run, (GDestroyNotify) run_free);

  if (!start_run (self, task, &error))
    {
      g_task_return_error (task, error);
      return;
    }

  fetch_page (task);
}

gboolean
supa_export_to_stream_finish (SupaExport    *self,
                              GAsyncResult  *result,
                              guint64       *n_rows,
                              GError       **error)
{
  g_return_val_if_fail (SUPA_IS_EXPORT (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == supa_export_to_stream_async, FALSE);

  if (n_rows != NULL)
    *n_rows = self->rows_written;

  return g_task_propagate_boolean (G_TASK (result), error);
}

void
supa_export_to_file_async (SupaExport          *self,
                           GFile               *file,
                           GCancellable        *cancellable,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GFile) parent = NULL;
  g_autofree char *basename = NULL;
  g_autofree char *temp_name = NULL;
  GError *error = NULL;
  Run *run;

  g_return_if_fail (SUPA_IS_EXPORT (self));
  g_return_if_fail (G_IS_FILE (file));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, supa_export_to_file_async);
  run = g_new0 (Run, 1);
  run->target = g_object_ref (file);
  g_task_set_task_data (task, run, (GDestroyNotify) run_free);

  parent = g_file_get_parent (file);
  if (parent == NULL)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_INVALID_FILENAME, "%s",
                               _("Choose a file inside a folder to export to."));
      return;
    }

  if (!start_run (self, task, &error))
    {
      g_task_return_error (task, error);
      return;
    }

  /* Same directory: the final rename stays on one file system. */
  basename = g_file_get_basename (file);
  temp_name = g_strdup_printf (".%s.%08x.part", basename, g_random_int ());
  run->temp = g_file_get_child (parent, temp_name);

  /* Not cancellable: see temp_created_cb(). */
  g_file_create_async (run->temp, G_FILE_CREATE_NONE, G_PRIORITY_DEFAULT, NULL,
                       temp_created_cb, g_object_ref (task));
}

gboolean
supa_export_to_file_finish (SupaExport    *self,
                            GAsyncResult  *result,
                            guint64       *n_rows,
                            GError       **error)
{
  g_return_val_if_fail (SUPA_IS_EXPORT (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == supa_export_to_file_async, FALSE);

  if (n_rows != NULL)
    *n_rows = self->rows_written;

  return g_task_propagate_boolean (G_TASK (result), error);
}
