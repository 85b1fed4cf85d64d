/* supa-database.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "Supadesk"

#include "config.h"

#include "supa-database.h"

#include <glib/gi18n-lib.h>
#include <stdlib.h>
#include <string.h>

/* --- SupaResult --------------------------------------------------------- */

struct _SupaResult
{
  GObject   parent_instance;

  JsonNode *rows;
  char     *text;
  gint64    count;
  gint64    range_start;
  gint64    range_end;
  guint     status;
  gboolean  from_cache;
};

G_DEFINE_FINAL_TYPE (SupaResult, supa_result, G_TYPE_OBJECT)

static void
supa_result_finalize (GObject *object)
{
  SupaResult *self = (SupaResult *) object;

  g_clear_pointer (&self->rows, json_node_unref);
  g_clear_pointer (&self->text, g_free);

  G_OBJECT_CLASS (supa_result_parent_class)->finalize (object);
}

static void
supa_result_class_init (SupaResultClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = supa_result_finalize;
}

static void
supa_result_init (SupaResult *self)
{
  self->count = -1;
  self->range_start = -1;
  self->range_end = -1;
}

JsonNode *
supa_result_get_rows (SupaResult *self)
{
  g_return_val_if_fail (SUPA_IS_RESULT (self), NULL);
  return self->rows;
}

const char *
supa_result_get_text (SupaResult *self)
{
  g_return_val_if_fail (SUPA_IS_RESULT (self), NULL);
  return self->text;
}

gint64
supa_result_get_count (SupaResult *self)
{
  g_return_val_if_fail (SUPA_IS_RESULT (self), -1);
  return self->count;
}

guint
supa_result_get_status (SupaResult *self)
{
  g_return_val_if_fail (SUPA_IS_RESULT (self), 0);
  return self->status;
}

gint64
supa_result_get_range_start (SupaResult *self)
{
  g_return_val_if_fail (SUPA_IS_RESULT (self), -1);
  return self->range_start;
}

gint64
supa_result_get_range_end (SupaResult *self)
{
  g_return_val_if_fail (SUPA_IS_RESULT (self), -1);
  return self->range_end;
}

gboolean
supa_result_get_from_cache (SupaResult *self)
{
  g_return_val_if_fail (SUPA_IS_RESULT (self), FALSE);
  return self->from_cache;
}

/* json_node_copy() shares arrays and objects; cached rows must not be
 * shared with a caller who may edit them. */
static JsonNode *
deep_copy (JsonNode *node)
{
  JsonNode *copy;

  if (node == NULL)
    return NULL;

  switch (JSON_NODE_TYPE (node))
    {
    case JSON_NODE_OBJECT:
      {
        JsonObject *src = json_node_get_object (node);
        JsonObject *dst = json_object_new ();
        g_autoptr(GList) members = json_object_get_members (src);

        for (GList *l = members; l != NULL; l = l->next)
          json_object_set_member (dst, l->data, deep_copy (json_object_get_member (src, l->data)));
        copy = json_node_new (JSON_NODE_OBJECT);
        json_node_take_object (copy, dst);
        return copy;
      }
    case JSON_NODE_ARRAY:
      {
        JsonArray *src = json_node_get_array (node);
        guint n = json_array_get_length (src);
        JsonArray *dst = json_array_sized_new (n);

        for (guint i = 0; i < n; i++)
          json_array_add_element (dst, deep_copy (json_array_get_element (src, i)));
        copy = json_node_new (JSON_NODE_ARRAY);
        json_node_take_array (copy, dst);
        return copy;
      }
    case JSON_NODE_VALUE:
    case JSON_NODE_NULL:
    default:
      return json_node_copy (node);
    }
}

static SupaResult *
result_copy (SupaResult *result,
             gboolean    from_cache)
{
  SupaResult *copy = g_object_new (SUPA_TYPE_RESULT, NULL);

  copy->rows = deep_copy (result->rows);
  copy->text = g_strdup (result->text);
  copy->count = result->count;
  copy->range_start = result->range_start;
  copy->range_end = result->range_end;
  copy->status = result->status;
  copy->from_cache = from_cache;

  return copy;
}

/* --- SupaDatabase ------------------------------------------------------- */

typedef struct
{
  SupaResult *result;
  char       *schema;
  GStrv       relations;
  gint64      expires_at;   /* monotonic µs */
} CacheEntry;

struct _SupaDatabase
{
  GObject     parent_instance;

  SupaClient *client;
  GHashTable *cache;        /* key → CacheEntry */
  guint       cache_ttl_ms;
  guint64     generation;   /* bumped by every write */
};

G_DEFINE_FINAL_TYPE (SupaDatabase, supa_database, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_CLIENT,
  PROP_CACHE_TTL,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* postgrest-js retries reads on 503/520 and network errors (§2.1). */
#define MAX_RETRIES       3
#define MAX_RETRY_DELAY_MS 30000

typedef struct
{
  SupaQuery          *query;
  SoupMessage        *msg;
  char               *method;
  char               *path;
  char               *query_string;
  SoupMessageHeaders *request_headers;
  GBytes             *request_body;
  guint               retries;
  GBytes      *bytes;
  char        *cache_key;
  GStrv        relations;
  char        *content_range;
  char        *content_type;
  guint64      generation;
  guint        status;
  gboolean     read_only;
} ExecData;

static void
exec_data_free (ExecData *data)
{
  g_clear_object (&data->query);
  g_clear_object (&data->msg);
  g_clear_pointer (&data->method, g_free);
  g_clear_pointer (&data->path, g_free);
  g_clear_pointer (&data->query_string, g_free);
  g_clear_pointer (&data->request_headers, soup_message_headers_unref);
  g_clear_pointer (&data->request_body, g_bytes_unref);
  g_clear_pointer (&data->bytes, g_bytes_unref);
  g_clear_pointer (&data->cache_key, g_free);
  g_clear_pointer (&data->relations, g_strfreev);
  g_clear_pointer (&data->content_range, g_free);
  g_clear_pointer (&data->content_type, g_free);
  g_free (data);
}

static void
cache_entry_free (CacheEntry *entry)
{
  g_clear_object (&entry->result);
  g_clear_pointer (&entry->schema, g_free);
  g_clear_pointer (&entry->relations, g_strfreev);
  g_free (entry);
}

static void
invalidate (SupaDatabase *self,
            const char   *schema,
            const char   *relation)
{
  GHashTableIter iter;
  CacheEntry *entry;

  if (relation == NULL)
    {
      g_hash_table_remove_all (self->cache);
      return;
    }

  g_hash_table_iter_init (&iter, self->cache);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &entry))
    {
      if ((schema == NULL || g_strcmp0 (entry->schema, schema) == 0) &&
          g_strv_contains ((const char * const *) entry->relations, relation))
        g_hash_table_iter_remove (&iter);
    }
}

static void
invalidate_for_write (SupaDatabase *self,
                      SupaQuery    *query)
{
  self->generation++;

  /* A function may write anywhere. */
  if (supa_query_get_kind (query) == SUPA_QUERY_RPC)
    invalidate (self, NULL, NULL);
  else
    invalidate (self, supa_query_get_schema (query), supa_query_get_relation (query));
}

/* Content-Range: "0-24/3573458", or "0-1" then a slash and a star when no count was asked */
static void
parse_content_range (const char *value,
                     gboolean    want_count,
                     SupaResult *result)
{
  const char *slash;

  if (value == NULL)
    return;

  slash = strchr (value, '/');
  if (value[0] != '*')
    {
      char *end = NULL;
      gint64 start = g_ascii_strtoll (value, &end, 10);

      if (end != NULL && *end == '-')
        {
          result->range_start = start;
          result->range_end = g_ascii_strtoll (end + 1, NULL, 10);
        }
    }

  if (want_count && slash != NULL && slash[1] != '*' && slash[1] != '\0')
    result->count = g_ascii_strtoll (slash + 1, NULL, 10);
}

static JsonNode *
parse_json (GBytes  *bytes,
            guint    status,
            GError **error)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) local_error = NULL;
  gsize size = 0;
  const char *data = g_bytes_get_data (bytes, &size);
  JsonNode *root;

  if (size == 0)
    return NULL;

  if (!json_parser_load_from_data (parser, data, (gssize) size, &local_error))
    {
      g_autofree char *message = NULL;

      /* Translators: %s is the JSON parser's explanation */
      message = g_strdup_printf (_("The server sent an answer that is not valid JSON: %s"),
                                 local_error->message);
      g_propagate_error (error, supa_error_new_full (SUPA_ERROR_PROTOCOL, status, status,
                                                     NULL, NULL, NULL, message));
      return NULL;
    }

  root = json_parser_get_root (parser);
  return root ? json_node_ref (root) : NULL;
}

/* Runs in a worker: large pages must not stall the main loop. */
static void
build_result_in_thread (GTask        *task,
                        gpointer      source_object,
                        gpointer      task_data,
                        GCancellable *cancellable)
{
  ExecData *data = task_data;
  g_autoptr(SupaResult) result = g_object_new (SUPA_TYPE_RESULT, NULL);
  g_autoptr(GError) error = NULL;
  SupaQuery *query = data->query;
  gboolean as_text;

  result->status = data->status;
  parse_content_range (data->content_range,
                       supa_query_get_count (query) != SUPA_COUNT_NONE,
                       result);

  as_text = supa_query_get_csv (query) ||
            (data->content_type != NULL &&
             (g_str_has_prefix (data->content_type, "text/") ||
              g_str_has_prefix (data->content_type, "application/vnd.pgrst.plan+text")));

  if (data->bytes != NULL && g_bytes_get_size (data->bytes) > 0 &&
      !g_str_equal (soup_message_get_method (data->msg), "HEAD"))
    {
      if (as_text)
        {
          gsize size = 0;
          const char *text = g_bytes_get_data (data->bytes, &size);

          result->text = g_strndup (text, size);
        }
      else
        {
          result->rows = parse_json (data->bytes, data->status, &error);
          if (error != NULL)
            {
              g_task_return_error (task, g_steal_pointer (&error));
              return;
            }
        }
    }

  /* maybeSingle() is client-side for reads (PROTOCOL.md §1.4.1). */
  if (supa_query_get_maybe_single (query) && data->read_only &&
      result->rows != NULL && JSON_NODE_HOLDS_ARRAY (result->rows))
    {
      JsonArray *rows = json_node_get_array (result->rows);
      guint n = json_array_get_length (rows);

      if (n > 1)
        {
          g_autofree char *details = NULL;

          details = g_strdup_printf ("Results contain %u rows, application/vnd.pgrst.object+json requires 1 row", n);
          g_task_return_error (task,
                               supa_error_new_full (SUPA_ERROR_INVALID_INPUT, 406, 406, "PGRST116",
                                                    details, NULL,
                                                    _("JSON object requested, multiple (or no) rows returned")));
          return;
        }
      else if (n == 1)
        {
          JsonNode *row = json_node_ref (json_array_get_element (rows, 0));

          json_node_unref (result->rows);
          result->rows = row;
        }
      else
        g_clear_pointer (&result->rows, json_node_unref);
    }

  g_task_return_pointer (task, g_steal_pointer (&result), g_object_unref);
}

static void send_attempt (GTask *task);

static gboolean
retry_cb (gpointer user_data)
{
  GTask *task = user_data;

  if (!g_task_return_error_if_cancelled (task))
    send_attempt (g_object_ref (task));

  return G_SOURCE_REMOVE;
}

static gboolean
should_retry (ExecData     *data,
              const GError *error)
{
  guint status;

  if (!data->read_only || data->retries >= MAX_RETRIES || error == NULL)
    return FALSE;
  if (g_error_matches (error, SUPA_ERROR, SUPA_ERROR_NETWORK))
    return TRUE;

  status = supa_error_get_http_status (error);
  return error->domain == SUPA_ERROR && (status == 503 || status == 520);
}

static void
schedule_retry (GTask        *task,
                const GError *error)
{
  ExecData *data = g_task_get_task_data (task);
  double retry_after = supa_error_get_retry_after (error);
  guint delay_ms;
  GSource *source;

  if (retry_after > 0)
    delay_ms = (guint) MIN (retry_after * 1000.0, (double) MAX_RETRY_DELAY_MS);
  else
    delay_ms = MIN (1000u << data->retries, (guint) MAX_RETRY_DELAY_MS);
  data->retries++;

  g_debug ("Retrying %s %s in %u ms (%u/%d): %s",
           data->method, data->path, delay_ms, data->retries, MAX_RETRIES, error->message);

  source = g_timeout_source_new (delay_ms);
  g_source_set_static_name (source, "[supadesk] database retry");
  g_source_set_callback (source, retry_cb, g_object_ref (task), g_object_unref);
  g_source_attach (source, g_task_get_context (task));
  g_source_unref (source);
}

static void
send_cb (GObject      *object,
         GAsyncResult *res,
         gpointer      user_data)
{
  SupaClient *client = (SupaClient *) object;
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;
  SupaDatabase *self = g_task_get_source_object (task);
  ExecData *data = g_task_get_task_data (task);
  SoupMessageHeaders *headers;

  data->bytes = supa_client_send_finish (client, res, &error);
  data->status = soup_message_get_status (data->msg);

  if (supa_query_is_write (data->query))
    invalidate_for_write (self, data->query);

  if (data->bytes == NULL && should_retry (data, error))
    {
      schedule_retry (task, error);
      return;
    }

  if (data->bytes == NULL)
    {
      /* A maybe-single write that touched no row is not an error. */
      if (supa_query_get_maybe_single (data->query) && !data->read_only &&
          g_strcmp0 (supa_error_get_server_code (error), "PGRST116") == 0 &&
          supa_error_get_details (error) != NULL &&
          strstr (supa_error_get_details (error), " 0 rows") != NULL)
        {
          SupaResult *result = g_object_new (SUPA_TYPE_RESULT, NULL);

          result->status = 200;
          g_task_return_pointer (task, result, g_object_unref);
          return;
        }

      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  headers = soup_message_get_response_headers (data->msg);
  data->content_range = g_strdup (soup_message_headers_get_one (headers, "Content-Range"));
  data->content_type = g_strdup (soup_message_headers_get_content_type (headers, NULL));

  g_task_run_in_thread (task, build_result_in_thread);
}

static void
supa_database_dispose (GObject *object)
{
  SupaDatabase *self = (SupaDatabase *) object;

  g_clear_object (&self->client);
  if (self->cache != NULL)
    g_hash_table_remove_all (self->cache);

  G_OBJECT_CLASS (supa_database_parent_class)->dispose (object);
}

static void
supa_database_finalize (GObject *object)
{
  SupaDatabase *self = (SupaDatabase *) object;

  g_clear_pointer (&self->cache, g_hash_table_unref);

  G_OBJECT_CLASS (supa_database_parent_class)->finalize (object);
}

static void
supa_database_get_property (GObject    *object,
                            guint       prop_id,
                            GValue     *value,
                            GParamSpec *pspec)
{
  SupaDatabase *self = SUPA_DATABASE (object);

  switch (prop_id)
    {
    case PROP_CLIENT:
      g_value_set_object (value, self->client);
      break;
    case PROP_CACHE_TTL:
      g_value_set_uint (value, self->cache_ttl_ms);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
supa_database_set_property (GObject      *object,
                            guint         prop_id,
                            const GValue *value,
                            GParamSpec   *pspec)
{
  SupaDatabase *self = SUPA_DATABASE (object);

  switch (prop_id)
    {
    case PROP_CLIENT:
      self->client = g_value_dup_object (value);
      break;
    case PROP_CACHE_TTL:
      supa_database_set_cache_ttl (self, g_value_get_uint (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
supa_database_class_init (SupaDatabaseClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = supa_database_dispose;
  object_class->finalize = supa_database_finalize;
  object_class->get_property = supa_database_get_property;
  object_class->set_property = supa_database_set_property;

  properties[PROP_CLIENT] =
    g_param_spec_object ("client", NULL, NULL, SUPA_TYPE_CLIENT,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_CACHE_TTL] =
    g_param_spec_uint ("cache-ttl", NULL, NULL, 0, G_MAXUINT, 0,
                       G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
supa_database_init (SupaDatabase *self)
{
  self->cache = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                       (GDestroyNotify) cache_entry_free);
}

SupaDatabase *
supa_database_new (SupaClient *client)
{
  g_return_val_if_fail (SUPA_IS_CLIENT (client), NULL);

  return g_object_new (SUPA_TYPE_DATABASE, "client", client, NULL);
}

SupaClient *
supa_database_get_client (SupaDatabase *self)
{
  g_return_val_if_fail (SUPA_IS_DATABASE (self), NULL);
  return self->client;
}

void
supa_database_set_cache_ttl (SupaDatabase *self,
                             guint         ttl_ms)
{
  g_return_if_fail (SUPA_IS_DATABASE (self));

  if (self->cache_ttl_ms == ttl_ms)
    return;

  self->cache_ttl_ms = ttl_ms;
  g_hash_table_remove_all (self->cache);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CACHE_TTL]);
}

guint
supa_database_get_cache_ttl (SupaDatabase *self)
{
  g_return_val_if_fail (SUPA_IS_DATABASE (self), 0);
  return self->cache_ttl_ms;
}

void
supa_database_invalidate (SupaDatabase *self,
                          const char   *relation)
{
  g_return_if_fail (SUPA_IS_DATABASE (self));

  invalidate (self, NULL, relation);
}

static void
store_in_cache (SupaDatabase *self,
                ExecData     *data,
                SupaResult   *result)
{
  CacheEntry *entry;

  if (self->cache_ttl_ms == 0 || data->cache_key == NULL ||
      data->generation != self->generation)
    return;

  entry = g_new0 (CacheEntry, 1);
  entry->result = result_copy (result, TRUE);
  entry->schema = g_strdup (supa_query_get_schema (data->query));
  entry->relations = g_strdupv (data->relations);
  entry->expires_at = g_get_monotonic_time () + (gint64) self->cache_ttl_ms * 1000;
  g_hash_table_replace (self->cache, g_strdup (data->cache_key), entry);
}

static char *
make_cache_key (SupaQuery          *query,
                const char         *method,
                const char         *path,
                const char         *query_string,
                SoupMessageHeaders *headers)
{
  const char *accept = soup_message_headers_get_one (headers, "Accept");
  const char *prefer = soup_message_headers_get_one (headers, "Prefer");

  return g_strjoin ("\n", method, path, query_string,
                    supa_query_get_schema (query),
                    accept ? accept : "",
                    prefer ? prefer : "",
                    supa_query_get_maybe_single (query) ? "maybe-single" : "",
                    NULL);
}

/* Takes the reference to @task. */
static void
send_attempt (GTask *task)
{
  SupaDatabase *self = g_task_get_source_object (task);
  ExecData *data = g_task_get_task_data (task);
  SoupMessageHeadersIter iter;
  SoupMessageHeaders *msg_headers;
  const char *name;
  const char *value;

  g_clear_object (&data->msg);
  data->msg = supa_client_new_message (self->client, SUPA_SERVICE_REST, data->method,
                                       data->path, data->query_string);
  msg_headers = soup_message_get_request_headers (data->msg);
  soup_message_headers_iter_init (&iter, data->request_headers);
  while (soup_message_headers_iter_next (&iter, &name, &value))
    {
      if (g_ascii_strcasecmp (name, "Content-Type") != 0)
        soup_message_headers_replace (msg_headers, name, value);
    }
  if (data->retries > 0)
    {
      g_autofree char *count = g_strdup_printf ("%u", data->retries);
      soup_message_headers_replace (msg_headers, "X-Retry-Count", count);
    }
  if (data->request_body != NULL)
    soup_message_set_request_body_from_bytes (data->msg,
                                              soup_message_headers_get_one (data->request_headers, "Content-Type"),
                                              data->request_body);

  supa_client_send_async (self->client, data->msg, SUPA_SERVICE_REST,
                          g_task_get_cancellable (task), send_cb, task);
}

/**
 * supa_database_execute_async:
 * @self: a #SupaDatabase
 * @query: the request to run
 * @cancellable: (nullable): a #GCancellable
 * @callback: called with the #SupaResult
 * @user_data: data for @callback
 *
 * Sends @query to PostgREST. Writes go out only with a filter (see
 * supa_query_to_request()); reads may be answered from the cache when a
 * TTL is set.
 */
void
supa_database_execute_async (SupaDatabase        *self,
                             SupaQuery           *query,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(SoupMessageHeaders) headers = NULL;
  g_autoptr(GBytes) body = NULL;
  g_autofree char *method = NULL;
  g_autofree char *path = NULL;
  g_autofree char *query_string = NULL;
  ExecData *data;

  g_return_if_fail (SUPA_IS_DATABASE (self));
  g_return_if_fail (SUPA_IS_QUERY (query));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, supa_database_execute_async);

  if (!supa_query_to_request (query, &method, &path, &query_string, &headers, &body, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  data = g_new0 (ExecData, 1);
  data->query = g_object_ref (query);
  data->read_only = g_str_equal (method, "GET") || g_str_equal (method, "HEAD");
  data->generation = self->generation;
  g_task_set_task_data (task, data, (GDestroyNotify) exec_data_free);

  if (supa_query_is_write (query))
    invalidate_for_write (self, query);
  else if (self->cache_ttl_ms > 0 && !supa_query_get_explain (query))
    {
      CacheEntry *entry;

      data->cache_key = make_cache_key (query, method, path, query_string, headers);
      data->relations = supa_query_dup_relations (query);

      entry = g_hash_table_lookup (self->cache, data->cache_key);
      if (entry != NULL && entry->expires_at > g_get_monotonic_time ())
        {
          g_task_return_pointer (task, result_copy (entry->result, TRUE), g_object_unref);
          return;
        }
      else if (entry != NULL)
        g_hash_table_remove (self->cache, data->cache_key);
    }

  data->method = g_steal_pointer (&method);
  data->path = g_steal_pointer (&path);
  data->query_string = g_steal_pointer (&query_string);
  data->request_headers = g_steal_pointer (&headers);
  data->request_body = g_steal_pointer (&body);

  send_attempt (g_steal_pointer (&task));
}

SupaResult *
supa_database_execute_finish (SupaDatabase  *self,
                              GAsyncResult  *result,
                              GError       **error)
{
  GTask *task;
  SupaResult *ret;
  ExecData *data;

  g_return_val_if_fail (SUPA_IS_DATABASE (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  task = G_TASK (result);
  ret = g_task_propagate_pointer (task, error);
  data = g_task_get_task_data (task);

  /* Stored here, on the caller's thread, so the cache needs no lock. */
  if (ret != NULL && data != NULL && !ret->from_cache && data->read_only)
    store_in_cache (self, data, ret);

  return ret;
}
