/* supa-row-model.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The lazy, paged row model of the table browser.
 *
 * Rows live in SupaRow objects keyed by position. The model holds a
 * strong reference only to the rows of pages that are cached, queued or in
 * flight; when such a page goes away its rows become "orphans" the model
 * remembers through weak references, so a view that still holds one gets
 * the very same object back (and refilled) when it asks again. Rows are
 * therefore bounded by max-pages × page-size plus what the view holds.
 *
 * Counting (as Supabase Studio does): the first page is fetched with
 * `count=planned`; a planner estimate below COUNT_EXACT_LIMIT (or a short
 * first page) is replaced by `count=exact` before anything is published,
 * and a larger one is published as an estimate ("count-is-estimate")
 * until supa_row_model_count_exact_async(). A short first page with more
 * rows counted means the server caps responses (max_rows) below the page
 * size: the model then pages by that cap.
 * The length changes once per filter/sort/reload, when the new count is
 * known; until then the old rows stay on screen, so the table never
 * flashes empty.
 */

#define G_LOG_DOMAIN "Supadesk"

#include "config.h"

#include "supa-row-model.h"

#include <glib/gi18n-lib.h>
#include <string.h>

/* Above this many rows (by the planner's estimate) COUNT(*) is not worth
 * it until the user asks: the same threshold as Supabase Studio. */
#define COUNT_EXACT_LIMIT   50000
/* Supabase's default max_rows caps every response at 1000 rows; a larger
 * page would come back short and the rows past the cap would never load,
 * so page-size is clamped to it. */
#define MAX_SERVER_ROWS     1000
#define DEFAULT_PAGE_SIZE   500
#define DEFAULT_MAX_PAGES   16
/* Page requests sent at once; the rest wait in a queue, newest first. */
#define MAX_IN_FLIGHT       3
/* While the view asks for new pages in quick succession (a scrollbar
 * drag asks on nearly every frame), pages are sent only once no new page
 * was asked for this long: cancelling a request does not stop the
 * server's query, so every page sent on the way would delay the one
 * where the view stops. */
#define SETTLE_MS           50
/* A page is sent at once (no settling) when nothing is in flight, the
 * previous new page was asked for at least ASK_GAP_MS before (frames of
 * a drag come every ~16 ms; a jump comes after the previous one's rows
 * were shown, which takes longer except for shallow pages) and
 * no request was abandoned in the last QUIET_MS (each abandoned request
 * still costs the server a query): first open and single jumps pay no
 * delay. */
#define ASK_GAP_MS          25
#define QUIET_MS            150

/* --- SupaRow ------------------------------------------------------------ */

struct _SupaRow
{
  GObject     parent_instance;

  guint       position;
  gboolean    loaded;
  JsonObject *values;
};

G_DEFINE_FINAL_TYPE (SupaRow, supa_row, G_TYPE_OBJECT)

enum {
  ROW_PROP_0,
  ROW_PROP_POSITION,
  ROW_PROP_LOADED,
  ROW_PROP_VALUES,
  ROW_N_PROPS
};

static GParamSpec *row_properties[ROW_N_PROPS];

static SupaRow *
supa_row_new (guint position)
{
  return g_object_new (SUPA_TYPE_ROW, "position", position, NULL);
}

/* Fills @self in place; the view's bindings follow the notifications. */
static void
supa_row_set_values (SupaRow    *self,
                     JsonObject *values)
{
  g_object_freeze_notify (G_OBJECT (self));

  if (self->values != values)
    {
      g_clear_pointer (&self->values, json_object_unref);
      if (values != NULL)
        self->values = json_object_ref (values);
      g_object_notify_by_pspec (G_OBJECT (self), row_properties[ROW_PROP_VALUES]);
    }

  if (self->loaded != (values != NULL))
    {
      self->loaded = values != NULL;
      g_object_notify_by_pspec (G_OBJECT (self), row_properties[ROW_PROP_LOADED]);
    }

  g_object_thaw_notify (G_OBJECT (self));
}

static void
supa_row_finalize (GObject *object)
{
  SupaRow *self = SUPA_ROW (object);

  g_clear_pointer (&self->values, json_object_unref);

  G_OBJECT_CLASS (supa_row_parent_class)->finalize (object);
}

static void
supa_row_get_property (GObject    *object,
                       guint       prop_id,
                       GValue     *value,
                       GParamSpec *pspec)
{
  SupaRow *self = SUPA_ROW (object);

  switch (prop_id)
    {
    case ROW_PROP_POSITION:
      g_value_set_uint (value, self->position);
      break;
    case ROW_PROP_LOADED:
      g_value_set_boolean (value, self->loaded);
      break;
    case ROW_PROP_VALUES:
      g_value_set_boxed (value, self->values);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
supa_row_set_property (GObject      *object,
                       guint         prop_id,
                       const GValue *value,
                       GParamSpec   *pspec)
{
  SupaRow *self = SUPA_ROW (object);

  switch (prop_id)
    {
    case ROW_PROP_POSITION:
      self->position = g_value_get_uint (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
supa_row_class_init (SupaRowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = supa_row_finalize;
  object_class->get_property = supa_row_get_property;
  object_class->set_property = supa_row_set_property;

  row_properties[ROW_PROP_POSITION] =
    g_param_spec_uint ("position", NULL, NULL, 0, G_MAXUINT, 0,
                       G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  row_properties[ROW_PROP_LOADED] =
    g_param_spec_boolean ("loaded", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  row_properties[ROW_PROP_VALUES] =
    g_param_spec_boxed ("values", NULL, NULL, JSON_TYPE_OBJECT,
                        G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, ROW_N_PROPS, row_properties);
}

static void
supa_row_init (SupaRow *self)
{
}

guint
supa_row_get_position (SupaRow *self)
{
  g_return_val_if_fail (SUPA_IS_ROW (self), 0);
  return self->position;
}

gboolean
supa_row_get_loaded (SupaRow *self)
{
  g_return_val_if_fail (SUPA_IS_ROW (self), FALSE);
  return self->loaded;
}

JsonObject *
supa_row_get_values (SupaRow *self)
{
  g_return_val_if_fail (SUPA_IS_ROW (self), NULL);
  return self->values;
}

JsonNode *
supa_row_get_value (SupaRow    *self,
                    const char *column)
{
  g_return_val_if_fail (SUPA_IS_ROW (self), NULL);
  g_return_val_if_fail (column != NULL, NULL);

  if (self->values == NULL || !json_object_has_member (self->values, column))
    return NULL;

  return json_object_get_member (self->values, column);
}

/* --- SupaRowModel ------------------------------------------------------- */

typedef enum
{
  PAGE_QUEUED,
  PAGE_IN_FLIGHT,
  PAGE_LOADED,
} PageState;

typedef struct
{
  guint         index;
  PageState     state;
  guint64       last_use;
  /* The first page of a generation comes with the count: never dropped
   * as "far away". */
  gboolean      pinned;
  GCancellable *cancellable;   /* of the request, while queued/in flight */
} Page;

struct _SupaRowModel
{
  GObject          parent_instance;

  SupaDatabase    *database;
  SupaTableInfo   *table;
  char            *read_only_reason;

  guint            page_size;
  guint            max_pages;
  SupaFilterGroup *filter;
  char            *sort;

  /* What the list shows. */
  guint            n_items;
  gint64           count;
  gboolean         count_is_estimate;
  gboolean         loading;
  GError          *error;

  /* One generation per filter/sort/reload; answers of older ones are
   * dropped. */
  guint            generation;
  gboolean         published;      /* this generation's count is shown */
  gboolean         exact_known;    /* …and it is exact */
  gboolean         needs_count;
  guint            short_first_page; /* rows of a first page shorter than asked */
  gboolean         counting;
  GCancellable    *count_cancellable;
  guint            n_exact_counts; /* supa_row_model_count_exact_async in flight */

  GHashTable      *pages;          /* index → Page */
  GHashTable      *rows;           /* position → SupaRow (strong) */
  GHashTable      *orphans;        /* position → SupaRow (weak) */
  guint64          tick;
  guint            n_in_flight;
  guint            n_loaded;
  guint            dispatch_id;
  /* Pages wait for the view to settle while this timeout is armed. */
  guint            settle_id;
  gboolean         sending_now;    /* dispatch_id sends the pages asked */
  gint64           last_ask;       /* monotonic µs; a new page asked for */
  gint64           last_abandon;   /* monotonic µs; an in-flight page dropped */

  guint            n_page_requests;
};

static void supa_row_model_list_model_init (GListModelInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (SupaRowModel, supa_row_model, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL,
                                                      supa_row_model_list_model_init))

enum {
  PROP_0,
  PROP_DATABASE,
  PROP_TABLE,
  PROP_PAGE_SIZE,
  PROP_MAX_PAGES,
  PROP_COUNT,
  PROP_COUNT_IS_ESTIMATE,
  PROP_LOADING,
  PROP_ERROR,
  PROP_READ_ONLY_REASON,
  PROP_SORT,
  PROP_FILTER,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* What a request needs to find its way back: the model may be gone, the
 * generation may have moved on, the page may have been dropped or asked
 * again (another cancellable). */
typedef struct
{
  GWeakRef      model;
  guint         generation;
  guint         index;
  GCancellable *cancellable;
  /* A request for pages index … index + n_pages - 1 (neighbours asked
   * together cost the server one OFFSET scan instead of one each): the
   * cancellable of each page as it was sent, and the request's own
   * cancellable is cancelled once every page's is. */
  guint         n_pages;
  GCancellable **page_cancellables;
  gulong       *cancel_ids;
  guint         n_live;
} Request;

static Request *
request_new (SupaRowModel *self,
             guint         index,
             GCancellable *cancellable)
{
  Request *request = g_new0 (Request, 1);

  g_weak_ref_init (&request->model, self);
  request->generation = self->generation;
  request->index = index;
  request->cancellable = cancellable ? g_object_ref (cancellable) : NULL;
  request->n_pages = 1;
  return request;
}

static void
request_page_cancelled_cb (GCancellable *cancellable,
                           Request      *request)
{
  if (request->n_live > 0 && --request->n_live == 0)
    g_cancellable_cancel (request->cancellable);
}

/* One request for several pages, each with its own cancellable. */
static Request *
request_new_pages (SupaRowModel  *self,
                   guint          index,
                   guint          n_pages,
                   GCancellable **page_cancellables)
{
  Request *request;

  if (n_pages == 1)
    return request_new (self, index, page_cancellables[0]);

  request = request_new (self, index, NULL);
  request->cancellable = g_cancellable_new ();
  request->n_pages = n_pages;
  request->n_live = n_pages;
  request->page_cancellables = g_new0 (GCancellable *, n_pages);
  request->cancel_ids = g_new0 (gulong, n_pages);
  for (guint i = 0; i < n_pages; i++)
    {
      request->page_cancellables[i] = g_object_ref (page_cancellables[i]);
      request->cancel_ids[i] = g_cancellable_connect (page_cancellables[i],
                                                      G_CALLBACK (request_page_cancelled_cb),
                                                      request, NULL);
    }
  return request;
}

/* The cancellable page @i of @request was sent with. */
static GCancellable *
request_page_cancellable (Request *request,
                          guint    i)
{
  return request->n_pages == 1 ? request->cancellable : request->page_cancellables[i];
}

static void
request_free (Request *request)
{
  for (guint i = 0; request->page_cancellables != NULL && i < request->n_pages; i++)
    {
      g_cancellable_disconnect (request->page_cancellables[i], request->cancel_ids[i]);
      g_object_unref (request->page_cancellables[i]);
    }
  g_free (request->page_cancellables);
  g_free (request->cancel_ids);
  g_weak_ref_clear (&request->model);
  g_clear_object (&request->cancellable);
  g_free (request);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Request, request_free)

static void
page_free (Page *page)
{
  if (page->cancellable != NULL)
    {
      g_cancellable_cancel (page->cancellable);
      g_clear_object (&page->cancellable);
    }
  g_free (page);
}

/* --- small helpers ------------------------------------------------------ */

static void
set_loading (SupaRowModel *self)
{
  gboolean loading = self->n_in_flight > 0 || self->counting || self->n_exact_counts > 0;

  if (self->loading == loading)
    return;
  self->loading = loading;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LOADING]);
}

static void
set_error (SupaRowModel *self,
           const GError *error)
{
  if (self->error == NULL && error == NULL)
    return;
  g_clear_error (&self->error);
  if (error != NULL)
    self->error = g_error_copy (error);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ERROR]);
}

static gboolean
is_plain_identifier (const char *name)
{
  if (name[0] == '\0' || g_ascii_isdigit (name[0]))
    return FALSE;
  for (const char *p = name; *p; p++)
    if (!g_ascii_isalnum (*p) && *p != '_')
      return FALSE;
  return TRUE;
}

/* A column name as PostgREST's order parameter wants it. */
static char *
order_column (const char *name)
{
  if (is_plain_identifier (name))
    return g_strdup (name);
  return g_strdup_printf ("\"%s\"", name);
}

static gboolean
is_orderable_column (SupaColumnInfo *column)
{
  const char *type = supa_column_info_get_type_name (column);

  /* json has no ordering operator; geometric types have no btree class. */
  if (type == NULL)
    return FALSE;
  return !g_str_equal (type, "json") &&
         !g_strv_contains ((const char * const[]) { "xml", "point", "line", "lseg", "box",
                                                    "path", "polygon", "circle", NULL }, type);
}

/* The columns that make the order total: the primary key, or for a
 * relation without one every orderable column (rows equal in all of them
 * are indistinguishable, so swapping them cannot be seen as a skip or a
 * repeat). */
static GPtrArray *
tie_breaker_columns (SupaRowModel *self)
{
  const char * const *pk = supa_table_info_get_primary_key (self->table);
  GPtrArray *columns = g_ptr_array_new_with_free_func (g_free);

  if (pk != NULL && pk[0] != NULL)
    {
      for (guint i = 0; pk[i] != NULL; i++)
        g_ptr_array_add (columns, g_strdup (pk[i]));
    }
  else
    {
      GListModel *list = supa_table_info_get_columns (self->table);

      for (guint i = 0; i < g_list_model_get_n_items (list); i++)
        {
          g_autoptr(SupaColumnInfo) column = g_list_model_get_item (list, i);

          if (is_orderable_column (column) && strchr (supa_column_info_get_name (column), '"') == NULL)
            g_ptr_array_add (columns, g_strdup (supa_column_info_get_name (column)));
        }
    }

  return columns;
}

/* Splits a PostgREST order value at the commas outside parentheses and
 * double quotes. */
static GPtrArray *
split_order (const char *sort)
{
  GPtrArray *terms = g_ptr_array_new_with_free_func (g_free);
  const char *start = sort;
  int depth = 0;
  gboolean quoted = FALSE;

  for (const char *p = sort;; p++)
    {
      if (*p == '"')
        quoted = !quoted;
      else if (!quoted && *p == '(')
        depth++;
      else if (!quoted && *p == ')' && depth > 0)
        depth--;

      if (*p == '\0' || (*p == ',' && !quoted && depth == 0))
        {
          g_autofree char *term = g_strstrip (g_strndup (start, p - start));

          if (term[0] != '\0')
            g_ptr_array_add (terms, g_steal_pointer (&term));
          if (*p == '\0')
            break;
          start = p + 1;
        }
    }

  return terms;
}

static gboolean
strip_suffix (char       *term,
              const char *suffix)
{
  gsize len = strlen (term);
  gsize slen = strlen (suffix);

  if (len > slen && g_str_has_suffix (term, suffix))
    {
      term[len - slen] = '\0';
      return TRUE;
    }
  return FALSE;
}

/* The user's order, then the tie-breaker columns it does not name. */
static void
apply_order (SupaRowModel *self,
             SupaQuery    *query)
{
  g_autoptr(GPtrArray) named = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) tie = tie_breaker_columns (self);

  if (self->sort != NULL && self->sort[0] != '\0')
    {
      g_autoptr(GPtrArray) terms = split_order (self->sort);

      for (guint i = 0; i < terms->len; i++)
        {
          char *column = g_ptr_array_index (terms, i);
          SupaNullsOrder nulls = SUPA_NULLS_DEFAULT;
          gboolean ascending = TRUE;
          gsize len;

          if (strip_suffix (column, ".nullsfirst"))
            nulls = SUPA_NULLS_FIRST;
          else if (strip_suffix (column, ".nullslast"))
            nulls = SUPA_NULLS_LAST;
          if (strip_suffix (column, ".desc"))
            ascending = FALSE;
          else
            strip_suffix (column, ".asc");

          supa_query_order (query, column, ascending, nulls, NULL);

          /* Remember the bare name to avoid ordering by it twice. */
          len = strlen (column);
          if (len >= 2 && column[0] == '"' && column[len - 1] == '"')
            g_ptr_array_add (named, g_strndup (column + 1, len - 2));
          else
            g_ptr_array_add (named, g_strdup (column));
        }
    }

  for (guint i = 0; i < tie->len; i++)
    {
      const char *name = g_ptr_array_index (tie, i);
      g_autofree char *column = NULL;

      if (g_ptr_array_find_with_equal_func (named, name, g_str_equal, NULL))
        continue;
      column = order_column (name);
      supa_query_order (query, column, TRUE, SUPA_NULLS_DEFAULT, NULL);
    }
}

static SupaQuery *
new_query (SupaRowModel *self,
           SupaCount     count,
           gboolean      head)
{
  SupaQuery *query = supa_query_new (supa_table_info_get_name (self->table));

  if (supa_table_info_get_schema (self->table) != NULL)
    supa_query_set_schema (query, supa_table_info_get_schema (self->table));
  supa_query_select (query, "*", count, head);
  if (self->filter != NULL)
    supa_query_add_group (query, self->filter, NULL);
  return query;
}

static SupaQuery *
new_page_query (SupaRowModel *self,
                guint         index,
                guint         n_pages,
                SupaCount     count)
{
  SupaQuery *query = new_query (self, count, FALSE);
  gint64 from = (gint64) index * self->page_size;

  apply_order (self, query);
  supa_query_range (query, from, from + (gint64) n_pages * self->page_size - 1, NULL);
  return query;
}

/* --- rows and orphans --------------------------------------------------- */

static void
orphan_finalized_cb (gpointer  data,
                     GObject  *where_the_object_was)
{
  SupaRowModel *self = data;
  /* Weak notifications run from dispose: the instance is still there. */
  gpointer key = GUINT_TO_POINTER (((SupaRow *) where_the_object_was)->position);

  if (g_hash_table_lookup (self->orphans, key) == (gpointer) where_the_object_was)
    g_hash_table_remove (self->orphans, key);
}

static void
forget_orphans (SupaRowModel *self)
{
  GHashTableIter iter;
  gpointer value;

  g_hash_table_iter_init (&iter, self->orphans);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      g_object_weak_unref (value, orphan_finalized_cb, self);
      g_hash_table_iter_remove (&iter);
    }
}

/* The model stops holding @position; a view that still does keeps the
 * object, which comes back if it asks again. */
static void
release_row (SupaRowModel *self,
             guint         position)
{
  gpointer key = GUINT_TO_POINTER (position);
  SupaRow *row = g_hash_table_lookup (self->rows, key);

  if (row == NULL)
    return;

  g_hash_table_steal (self->rows, key);
  g_object_weak_ref (G_OBJECT (row), orphan_finalized_cb, self);
  g_hash_table_insert (self->orphans, key, row);
  g_object_unref (row);
}

static SupaRow *
ensure_row (SupaRowModel *self,
            guint         position)
{
  gpointer key = GUINT_TO_POINTER (position);
  SupaRow *row = g_hash_table_lookup (self->rows, key);

  if (row != NULL)
    return row;

  row = g_hash_table_lookup (self->orphans, key);
  if (row != NULL)
    {
      g_object_weak_unref (G_OBJECT (row), orphan_finalized_cb, self);
      g_hash_table_steal (self->orphans, key);
      g_hash_table_insert (self->rows, key, g_object_ref (row));
      return row;
    }

  row = supa_row_new (position);
  g_hash_table_insert (self->rows, key, row);
  return row;
}

/* --- pages -------------------------------------------------------------- */

static void
drop_page (SupaRowModel *self,
           Page         *page)
{
  guint first = page->index * self->page_size;

  for (guint i = 0; i < self->page_size; i++)
    release_row (self, first + i);

  if (page->state == PAGE_IN_FLIGHT)
    {
      /* Its cancellable is cancelled, but the server still runs the
       * query. */
      self->n_in_flight--;
      self->last_abandon = g_get_monotonic_time ();
    }
  else if (page->state == PAGE_LOADED)
    self->n_loaded--;

  g_hash_table_remove (self->pages, GUINT_TO_POINTER (page->index));
}

/* Keeps at most max-pages pages: the least recently asked go first. */
static void
evict_pages (SupaRowModel *self,
             Page         *keep)
{
  while (self->n_loaded > self->max_pages)
    {
      GHashTableIter iter;
      gpointer value;
      Page *oldest = NULL;

      g_hash_table_iter_init (&iter, self->pages);
      while (g_hash_table_iter_next (&iter, NULL, &value))
        {
          Page *page = value;

          if (page->state != PAGE_LOADED || page == keep)
            continue;
          if (oldest == NULL || page->last_use < oldest->last_use)
            oldest = page;
        }

      if (oldest == NULL)
        break;
      drop_page (self, oldest);
    }
}

/* The view jumped: queued and in-flight pages far from @index are what
 * it scrolled away from. */
static void
cancel_far_pages (SupaRowModel *self,
                  guint         index)
{
  guint far = MAX (MAX_IN_FLIGHT, self->max_pages / 2);
  g_autoptr(GPtrArray) stale = g_ptr_array_new ();
  GHashTableIter iter;
  gpointer value;

  g_hash_table_iter_init (&iter, self->pages);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      Page *page = value;
      guint distance = page->index > index ? page->index - index : index - page->index;

      if (page->state != PAGE_LOADED && !page->pinned && distance > far)
        g_ptr_array_add (stale, page);
    }

  for (guint i = 0; i < stale->len; i++)
    drop_page (self, g_ptr_array_index (stale, i));
}

/* Fills the rows of @page from @rows, starting at element @offset (a
 * request for several pages); returns how many came. */
static guint
fill_page (SupaRowModel *self,
           Page         *page,
           JsonNode     *rows,
           guint         offset)
{
  JsonArray *array;
  guint first = page->index * self->page_size;
  guint n;

  page->state = PAGE_LOADED;
  g_clear_object (&page->cancellable);
  self->n_loaded++;

  if (rows == NULL || !JSON_NODE_HOLDS_ARRAY (rows))
    return 0;

  array = json_node_get_array (rows);
  if (json_array_get_length (array) <= offset)
    return 0;
  n = MIN (json_array_get_length (array) - offset, self->page_size);
  for (guint i = 0; i < n; i++)
    {
      JsonNode *node = json_array_get_element (array, offset + i);

      if (JSON_NODE_HOLDS_OBJECT (node))
        supa_row_set_values (ensure_row (self, first + i), json_node_get_object (node));
    }

  evict_pages (self, page);
  return n;
}

/* Shows @count. The first publication of a generation replaces every
 * item; later ones (an exact count, a short last page) only move the
 * end. */
static void
publish_count (SupaRowModel *self,
               gint64        count,
               gboolean      is_estimate)
{
  guint old_n = self->n_items;
  guint new_n = (guint) CLAMP (count, 0, (gint64) G_MAXUINT);
  gboolean first = !self->published;

  self->published = TRUE;
  self->exact_known = !is_estimate;

  if (new_n < old_n)
    {
      g_autoptr(GPtrArray) beyond = g_ptr_array_new ();
      GHashTableIter iter;
      gpointer key, value;

      g_hash_table_iter_init (&iter, self->pages);
      while (g_hash_table_iter_next (&iter, NULL, &value))
        if ((gint64) ((Page *) value)->index * self->page_size >= new_n)
          g_ptr_array_add (beyond, value);
      for (guint i = 0; i < beyond->len; i++)
        drop_page (self, g_ptr_array_index (beyond, i));

      g_hash_table_iter_init (&iter, self->rows);
      while (g_hash_table_iter_next (&iter, &key, NULL))
        if (GPOINTER_TO_UINT (key) >= new_n)
          g_hash_table_iter_remove (&iter);
    }

  self->n_items = new_n;

  g_object_freeze_notify (G_OBJECT (self));
  if (self->count != count)
    {
      self->count = count;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_COUNT]);
    }
  if (self->count_is_estimate != is_estimate)
    {
      self->count_is_estimate = is_estimate;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_COUNT_IS_ESTIMATE]);
    }

  if (first)
    {
      if (old_n > 0 || new_n > 0)
        g_list_model_items_changed (G_LIST_MODEL (self), 0, old_n, new_n);
      g_debug ("%s: %u rows published", supa_table_info_get_name (self->table), new_n);
    }
  else if (old_n != new_n)
    {
      guint common = MIN (old_n, new_n);

      g_list_model_items_changed (G_LIST_MODEL (self), common, old_n - common, new_n - common);
    }
  g_object_thaw_notify (G_OBJECT (self));
}

/* A page shorter than asked (not the first of a generation) tells where
 * the rows really end. */
static void
check_end (SupaRowModel *self,
           Page         *page,
           guint         n_rows)
{
  gint64 end = (gint64) page->index * self->page_size + n_rows;

  if (!self->published || n_rows >= self->page_size)
    return;
  if (n_rows == 0 && page->index > 0)
    {
      /* Past the end: only an estimate can be that wrong; shrink it. */
      if (self->count_is_estimate && end < self->count)
        publish_count (self, end, TRUE);
      return;
    }
  if (end != self->count || self->count_is_estimate)
    publish_count (self, end, FALSE);
}

static void schedule_dispatch (SupaRowModel *self);
static void invalidate        (SupaRowModel *self);

static void
page_cb (GObject      *object,
         GAsyncResult *result,
         gpointer      user_data)
{
  g_autoptr(Request) request = user_data;
  g_autoptr(SupaRowModel) self = g_weak_ref_get (&request->model);
  g_autoptr(SupaResult) answer = NULL;
  g_autoptr(GError) error = NULL;
  gboolean matched = FALSE;

  answer = supa_database_execute_finish (SUPA_DATABASE (object), result, &error);

  if (self == NULL || self->pages == NULL || request->generation != self->generation)
    return;

  for (guint i = 0; i < request->n_pages; i++)
    {
      Page *page = g_hash_table_lookup (self->pages, GUINT_TO_POINTER (request->index + i));
      guint n;

      if (page == NULL || page->state != PAGE_IN_FLIGHT ||
          page->cancellable != request_page_cancellable (request, i))
        continue;   /* dropped, or asked again since */

      matched = TRUE;
      self->n_in_flight--;
      if (answer == NULL)
        {
          g_hash_table_remove (self->pages, GUINT_TO_POINTER (request->index + i));
          continue;
        }

      n = fill_page (self, page, supa_result_get_rows (answer), i * self->page_size);
      /* May drop the pages after it (the rows end here). */
      check_end (self, page, n);
    }

  if (!matched)
    return;
  if (answer == NULL && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    set_error (self, error);
  else if (answer != NULL)
    set_error (self, NULL);
  set_loading (self);
  schedule_dispatch (self);
}

/* Sends pages @index … @index + @n_pages - 1 (all queued) in one request. */
static void
start_pages (SupaRowModel *self,
             guint         index,
             guint         n_pages)
{
  g_autoptr(SupaQuery) query = new_page_query (self, index, n_pages, SUPA_COUNT_NONE);
  g_autofree GCancellable **cancellables = g_new0 (GCancellable *, n_pages);
  Request *request;

  for (guint i = 0; i < n_pages; i++)
    {
      Page *page = g_hash_table_lookup (self->pages, GUINT_TO_POINTER (index + i));

      page->state = PAGE_IN_FLIGHT;
      page->cancellable = g_cancellable_new ();
      cancellables[i] = page->cancellable;
      self->n_in_flight++;
    }
  self->n_page_requests++;

  request = request_new_pages (self, index, n_pages, cancellables);
  supa_database_execute_async (self->database, query, request->cancellable, page_cb, request);
}

/* --- counting ----------------------------------------------------------- */

static void
exact_count_cb (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(Request) request = user_data;
  g_autoptr(SupaRowModel) self = g_weak_ref_get (&request->model);
  g_autoptr(SupaResult) answer = NULL;
  g_autoptr(GError) error = NULL;

  answer = supa_database_execute_finish (SUPA_DATABASE (object), result, &error);

  if (self == NULL || self->pages == NULL || request->generation != self->generation ||
      request->cancellable != self->count_cancellable)
    return;

  self->counting = FALSE;
  g_clear_object (&self->count_cancellable);

  if (answer == NULL || supa_result_get_count (answer) < 0)
    {
      if (answer != NULL)
        g_set_error_literal (&error, SUPA_ERROR, SUPA_ERROR_PROTOCOL,
                             _("The server did not count the rows"));
      set_error (self, error);
      /* Something to show rather than nothing: what page 0 told. */
      if (!self->published)
        publish_count (self, g_hash_table_size (self->rows), TRUE);
    }
  else if (self->short_first_page > 0 && supa_result_get_count (answer) > self->short_first_page)
    {
      /* The server caps responses below our page size: page by its cap
       * so that no row is skipped. */
      g_debug ("The server returns at most %u rows per request; paging by that", self->short_first_page);
      self->page_size = self->short_first_page;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PAGE_SIZE]);
      invalidate (self);
      return;
    }
  else
    {
      set_error (self, NULL);
      publish_count (self, supa_result_get_count (answer), FALSE);
    }

  set_loading (self);
  schedule_dispatch (self);
}

static void
start_exact_count (SupaRowModel *self)
{
  g_autoptr(SupaQuery) query = new_query (self, SUPA_COUNT_EXACT, TRUE);

  g_clear_object (&self->count_cancellable);
  self->count_cancellable = g_cancellable_new ();
  self->counting = TRUE;
  supa_database_execute_async (self->database, query, self->count_cancellable, exact_count_cb,
                               request_new (self, 0, self->count_cancellable));
}

static void
first_page_cb (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(Request) request = user_data;
  g_autoptr(SupaRowModel) self = g_weak_ref_get (&request->model);
  g_autoptr(SupaResult) answer = NULL;
  g_autoptr(GError) error = NULL;
  Page *page;
  gint64 planned;
  guint n;

  answer = supa_database_execute_finish (SUPA_DATABASE (object), result, &error);

  if (self == NULL || self->pages == NULL || request->generation != self->generation ||
      request->cancellable != self->count_cancellable)
    return;

  g_clear_object (&self->count_cancellable);
  self->counting = FALSE;
  page = g_hash_table_lookup (self->pages, GUINT_TO_POINTER (0));

  if (answer == NULL)
    {
      if (page != NULL && page->state == PAGE_IN_FLIGHT)
        {
          self->n_in_flight--;
          g_hash_table_remove (self->pages, GUINT_TO_POINTER (0));
        }
      set_error (self, error);
      /* Nothing can be shown for this filter: an empty table with the
       * error beside it, not the previous filter's rows. */
      publish_count (self, 0, FALSE);
      set_loading (self);
      return;
    }

  set_error (self, NULL);
  n = 0;
  if (page != NULL && page->state == PAGE_IN_FLIGHT)
    {
      self->n_in_flight--;
      page->pinned = FALSE;
      n = fill_page (self, page, supa_result_get_rows (answer), 0);
    }
  else if (supa_result_get_rows (answer) != NULL && JSON_NODE_HOLDS_ARRAY (supa_result_get_rows (answer)))
    n = json_array_get_length (json_node_get_array (supa_result_get_rows (answer)));

  planned = supa_result_get_count (answer);

  if (n == 0)
    publish_count (self, 0, FALSE);              /* empty */
  else if (n < self->page_size)
    {
      /* Probably the whole table came, but a project whose max_rows is
       * below the page size answers short pages too: COUNT(*) tells. */
      self->short_first_page = n;
      start_exact_count (self);
    }
  else if (planned >= 0 && planned >= COUNT_EXACT_LIMIT)
    publish_count (self, planned, TRUE);
  else
    start_exact_count (self);                    /* cheap: count it */

  set_loading (self);
  schedule_dispatch (self);
}

static void
start_count (SupaRowModel *self)
{
  g_autoptr(SupaQuery) query = new_page_query (self, 0, 1, SUPA_COUNT_PLANNED);
  Page *page = g_hash_table_lookup (self->pages, GUINT_TO_POINTER (0));

  if (page != NULL)
    drop_page (self, page);

  page = g_new0 (Page, 1);
  page->index = 0;
  page->state = PAGE_IN_FLIGHT;
  page->pinned = TRUE;
  page->last_use = ++self->tick;
  g_hash_table_insert (self->pages, GUINT_TO_POINTER (0), page);
  self->n_in_flight++;

  g_clear_object (&self->count_cancellable);
  self->count_cancellable = g_cancellable_new ();
  g_debug ("%s: asking for the first page and the count", supa_table_info_get_name (self->table));
  /* The page shares the count's cancellable: dropping it cancels both. */
  page->cancellable = g_object_ref (self->count_cancellable);
  self->counting = TRUE;

  supa_database_execute_async (self->database, query, self->count_cancellable, first_page_cb,
                               request_new (self, 0, self->count_cancellable));
}

/* Whether someone besides the model still holds a row of @page: a view
 * keeps a reference to each item it shows (GTK's list items do), so a
 * queued page none of whose rows is held any more was scrolled past
 * (a drag, a far jump) and is not worth a server query. Rows are only
 * ever created by get_item() or a fill, so this looks at the rows that
 * exist. */
static gboolean
page_is_wanted (SupaRowModel *self,
                Page         *page)
{
  guint first = page->index * self->page_size;
  guint end = MIN (first + self->page_size, self->n_items);

  if (page->pinned || !self->published)
    return TRUE;

  for (guint position = first; position < end; position++)
    {
      GObject *row = g_hash_table_lookup (self->rows, GUINT_TO_POINTER (position));

      /* The model's own reference is one; GObject's reference count is
       * the only record of the others. */
      if (row != NULL && g_atomic_int_get (&row->ref_count) > 1)
        return TRUE;
    }

  return FALSE;
}

/* --- dispatch ----------------------------------------------------------- */

static gboolean
dispatch_cb (gpointer user_data)
{
  SupaRowModel *self = user_data;

  self->dispatch_id = 0;
  self->sending_now = FALSE;

  if (self->needs_count)
    {
      self->needs_count = FALSE;
      start_count (self);
    }

  /* While the view is still moving, queued pages wait for settle_cb. */
  while (self->settle_id == 0 && self->n_in_flight < MAX_IN_FLIGHT)
    {
      GHashTableIter iter;
      gpointer value;
      Page *newest = NULL;
      guint first, last;

      g_hash_table_iter_init (&iter, self->pages);
      while (g_hash_table_iter_next (&iter, NULL, &value))
        {
          Page *page = value;

          if (page->state == PAGE_QUEUED && (newest == NULL || page->last_use > newest->last_use))
            newest = page;
        }

      if (newest == NULL)
        break;
      if (!page_is_wanted (self, newest))
        {
          /* The view scrolled on and let go of every row of it. */
          drop_page (self, newest);
          continue;
        }
      first = last = newest->index;
      /* Queued neighbours that are still wanted go in the same request:
       * a view stopping across a page boundary costs the server one
       * OFFSET scan, not two competing ones. */
      while ((last - first + 2) * self->page_size <= MAX_SERVER_ROWS)
        {
          Page *next = g_hash_table_lookup (self->pages, GUINT_TO_POINTER (last + 1));
          Page *prev = first > 0 ? g_hash_table_lookup (self->pages, GUINT_TO_POINTER (first - 1)) : NULL;

          if (next != NULL && next->state == PAGE_QUEUED && page_is_wanted (self, next))
            last++;
          else if (prev != NULL && prev->state == PAGE_QUEUED && page_is_wanted (self, prev))
            first--;
          else
            break;
        }
      start_pages (self, first, last - first + 1);
    }

  set_loading (self);
  return G_SOURCE_REMOVE;
}

static void
schedule_dispatch (SupaRowModel *self)
{
  if (self->dispatch_id == 0)
    self->dispatch_id = g_idle_add_full (G_PRIORITY_DEFAULT_IDLE, dispatch_cb, self, NULL);
}

static gboolean
settle_cb (gpointer user_data)
{
  SupaRowModel *self = user_data;

  self->settle_id = 0;
  g_clear_handle_id (&self->dispatch_id, g_source_remove);
  return dispatch_cb (self);
}

/* A new page was asked for: send it from the next idle when the model is
 * quiet, else once the view has asked for no new page for SETTLE_MS. */
static void
schedule_page (SupaRowModel *self)
{
  gint64 now = g_get_monotonic_time ();
  gint64 last_ask = self->last_ask;

  self->last_ask = now;

  /* The other pages of the same viewport go with the first. */
  if (self->sending_now)
    return;

  if (self->settle_id == 0 && self->n_in_flight == 0 &&
      (last_ask == 0 || now - last_ask >= ASK_GAP_MS * G_TIME_SPAN_MILLISECOND) &&
      (self->last_abandon == 0 || now - self->last_abandon >= QUIET_MS * G_TIME_SPAN_MILLISECOND))
    {
      schedule_dispatch (self);
      self->sending_now = TRUE;
      return;
    }

  g_clear_handle_id (&self->settle_id, g_source_remove);
  self->settle_id = g_timeout_add (SETTLE_MS, settle_cb, self);
}

/* Forgets every row and page and counts again. */
static void
invalidate (SupaRowModel *self)
{
  self->generation++;
  self->published = FALSE;
  self->exact_known = FALSE;
  self->short_first_page = 0;
  g_clear_handle_id (&self->settle_id, g_source_remove);
  self->sending_now = FALSE;

  if (self->count_cancellable != NULL)
    g_cancellable_cancel (self->count_cancellable);
  g_clear_object (&self->count_cancellable);
  self->counting = FALSE;

  g_hash_table_remove_all (self->pages);
  self->n_in_flight = 0;
  self->n_loaded = 0;
  forget_orphans (self);
  g_hash_table_remove_all (self->rows);

  self->needs_count = TRUE;
  schedule_dispatch (self);
  set_loading (self);
}

/* --- GListModel --------------------------------------------------------- */

static GType
supa_row_model_get_item_type (GListModel *model)
{
  return SUPA_TYPE_ROW;
}

static guint
supa_row_model_get_n_items (GListModel *model)
{
  return SUPA_ROW_MODEL (model)->n_items;
}

static gpointer
supa_row_model_get_item (GListModel *model,
                         guint       position)
{
  SupaRowModel *self = SUPA_ROW_MODEL (model);
  guint index;
  SupaRow *row;
  Page *page;

  if (position >= self->n_items)
    return NULL;

  row = ensure_row (self, position);
  index = position / self->page_size;
  page = g_hash_table_lookup (self->pages, GUINT_TO_POINTER (index));

  if (page != NULL)
    {
      if (page->last_use != self->tick)
        page->last_use = ++self->tick;
    }
  else
    {
      page = g_new0 (Page, 1);
      page->index = index;
      page->state = PAGE_QUEUED;
      page->last_use = ++self->tick;
      g_hash_table_insert (self->pages, GUINT_TO_POINTER (index), page);
      cancel_far_pages (self, index);
      schedule_page (self);
    }

  return g_object_ref (row);
}

static void
supa_row_model_list_model_init (GListModelInterface *iface)
{
  iface->get_item_type = supa_row_model_get_item_type;
  iface->get_n_items = supa_row_model_get_n_items;
  iface->get_item = supa_row_model_get_item;
}

/* --- GObject ------------------------------------------------------------ */

static void
supa_row_model_constructed (GObject *object)
{
  SupaRowModel *self = SUPA_ROW_MODEL (object);
  const char * const *pk;

  G_OBJECT_CLASS (supa_row_model_parent_class)->constructed (object);

  g_return_if_fail (self->database != NULL);
  g_return_if_fail (self->table != NULL);

  pk = supa_table_info_get_primary_key (self->table);
  if (pk == NULL || pk[0] == NULL)
    self->read_only_reason = g_strdup (_("This table has no primary key, so a row cannot be told apart from an identical one: it can be browsed but not edited."));
  else if (!supa_table_info_get_writable (self->table))
    self->read_only_reason = g_strdup (_("The server does not allow inserting, changing or deleting rows of this relation."));

  /* From an idle, so a page size set right after construction applies to
   * the first request too. */
  invalidate (self);
}

static void
supa_row_model_dispose (GObject *object)
{
  SupaRowModel *self = SUPA_ROW_MODEL (object);

  g_clear_handle_id (&self->dispatch_id, g_source_remove);
  g_clear_handle_id (&self->settle_id, g_source_remove);
  if (self->count_cancellable != NULL)
    g_cancellable_cancel (self->count_cancellable);
  g_clear_object (&self->count_cancellable);
  g_clear_pointer (&self->pages, g_hash_table_unref);
  if (self->orphans != NULL)
    forget_orphans (self);
  g_clear_pointer (&self->orphans, g_hash_table_unref);
  g_clear_pointer (&self->rows, g_hash_table_unref);
  g_clear_object (&self->database);
  g_clear_object (&self->table);

  G_OBJECT_CLASS (supa_row_model_parent_class)->dispose (object);
}

static void
supa_row_model_finalize (GObject *object)
{
  SupaRowModel *self = SUPA_ROW_MODEL (object);

  g_clear_pointer (&self->filter, supa_filter_group_unref);
  g_clear_pointer (&self->sort, g_free);
  g_clear_pointer (&self->read_only_reason, g_free);
  g_clear_error (&self->error);

  G_OBJECT_CLASS (supa_row_model_parent_class)->finalize (object);
}

static void
supa_row_model_get_property (GObject    *object,
                             guint       prop_id,
                             GValue     *value,
                             GParamSpec *pspec)
{
  SupaRowModel *self = SUPA_ROW_MODEL (object);

  switch (prop_id)
    {
    case PROP_DATABASE:
      g_value_set_object (value, self->database);
      break;
    case PROP_TABLE:
      g_value_set_object (value, self->table);
      break;
    case PROP_PAGE_SIZE:
      g_value_set_uint (value, self->page_size);
      break;
    case PROP_MAX_PAGES:
      g_value_set_uint (value, self->max_pages);
      break;
    case PROP_COUNT:
      g_value_set_int64 (value, self->count);
      break;
    case PROP_COUNT_IS_ESTIMATE:
      g_value_set_boolean (value, self->count_is_estimate);
      break;
    case PROP_LOADING:
      g_value_set_boolean (value, self->loading);
      break;
    case PROP_ERROR:
      g_value_set_boxed (value, self->error);
      break;
    case PROP_READ_ONLY_REASON:
      g_value_set_string (value, self->read_only_reason);
      break;
    case PROP_SORT:
      g_value_set_string (value, self->sort);
      break;
    case PROP_FILTER:
      g_value_set_boxed (value, self->filter);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
supa_row_model_set_property (GObject      *object,
                             guint         prop_id,
                             const GValue *value,
                             GParamSpec   *pspec)
{
  SupaRowModel *self = SUPA_ROW_MODEL (object);

  switch (prop_id)
    {
    case PROP_DATABASE:
      self->database = g_value_dup_object (value);
      break;
    case PROP_TABLE:
      self->table = g_value_dup_object (value);
      break;
    case PROP_PAGE_SIZE:
      supa_row_model_set_page_size (self, g_value_get_uint (value));
      break;
    case PROP_MAX_PAGES:
      supa_row_model_set_max_pages (self, g_value_get_uint (value));
      break;
    case PROP_SORT:
      supa_row_model_set_sort (self, g_value_get_string (value));
      break;
    case PROP_FILTER:
      supa_row_model_set_filter (self, g_value_get_boxed (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
supa_row_model_class_init (SupaRowModelClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->constructed = supa_row_model_constructed;
  object_class->dispose = supa_row_model_dispose;
  object_class->finalize = supa_row_model_finalize;
  object_class->get_property = supa_row_model_get_property;
  object_class->set_property = supa_row_model_set_property;

  properties[PROP_DATABASE] =
    g_param_spec_object ("database", NULL, NULL, SUPA_TYPE_DATABASE,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_TABLE] =
    g_param_spec_object ("table", NULL, NULL, SUPA_TYPE_TABLE_INFO,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_PAGE_SIZE] =
    g_param_spec_uint ("page-size", NULL, NULL, 1, MAX_SERVER_ROWS, DEFAULT_PAGE_SIZE,
                       G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_MAX_PAGES] =
    g_param_spec_uint ("max-pages", NULL, NULL, 1, G_MAXUINT, DEFAULT_MAX_PAGES,
                       G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_COUNT] =
    g_param_spec_int64 ("count", NULL, NULL, -1, G_MAXINT64, -1,
                        G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_COUNT_IS_ESTIMATE] =
    g_param_spec_boolean ("count-is-estimate", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_LOADING] =
    g_param_spec_boolean ("loading", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_ERROR] =
    g_param_spec_boxed ("error", NULL, NULL, G_TYPE_ERROR,
                        G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_READ_ONLY_REASON] =
    g_param_spec_string ("read-only-reason", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_SORT] =
    g_param_spec_string ("sort", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_FILTER] =
    g_param_spec_boxed ("filter", NULL, NULL, SUPA_TYPE_FILTER_GROUP,
                        G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
supa_row_model_init (SupaRowModel *self)
{
  self->page_size = DEFAULT_PAGE_SIZE;
  self->max_pages = DEFAULT_MAX_PAGES;
  self->count = -1;
  self->pages = g_hash_table_new_full (NULL, NULL, NULL, (GDestroyNotify) page_free);
  self->rows = g_hash_table_new_full (NULL, NULL, NULL, g_object_unref);
  self->orphans = g_hash_table_new (NULL, NULL);
}

/* --- public API --------------------------------------------------------- */

SupaRowModel *
supa_row_model_new (SupaDatabase  *database,
                    SupaTableInfo *table)
{
  g_return_val_if_fail (SUPA_IS_DATABASE (database), NULL);
  g_return_val_if_fail (SUPA_IS_TABLE_INFO (table), NULL);

  return g_object_new (SUPA_TYPE_ROW_MODEL, "database", database, "table", table, NULL);
}

SupaDatabase *
supa_row_model_get_database (SupaRowModel *self)
{
  g_return_val_if_fail (SUPA_IS_ROW_MODEL (self), NULL);
  return self->database;
}

SupaTableInfo *
supa_row_model_get_table (SupaRowModel *self)
{
  g_return_val_if_fail (SUPA_IS_ROW_MODEL (self), NULL);
  return self->table;
}

gint64
supa_row_model_get_count (SupaRowModel *self)
{
  g_return_val_if_fail (SUPA_IS_ROW_MODEL (self), -1);
  return self->count;
}

gboolean
supa_row_model_get_count_is_estimate (SupaRowModel *self)
{
  g_return_val_if_fail (SUPA_IS_ROW_MODEL (self), FALSE);
  return self->count_is_estimate;
}

gboolean
supa_row_model_get_loading (SupaRowModel *self)
{
  g_return_val_if_fail (SUPA_IS_ROW_MODEL (self), FALSE);
  return self->loading;
}

const GError *
supa_row_model_get_error (SupaRowModel *self)
{
  g_return_val_if_fail (SUPA_IS_ROW_MODEL (self), NULL);
  return self->error;
}

const char *
supa_row_model_get_read_only_reason (SupaRowModel *self)
{
  g_return_val_if_fail (SUPA_IS_ROW_MODEL (self), NULL);
  return self->read_only_reason;
}

guint
supa_row_model_get_page_size (SupaRowModel *self)
{
  g_return_val_if_fail (SUPA_IS_ROW_MODEL (self), 0);
  return self->page_size;
}

void
supa_row_model_set_page_size (SupaRowModel *self,
                              guint         page_size)
{
  g_return_if_fail (SUPA_IS_ROW_MODEL (self));

  page_size = CLAMP (page_size, 1, MAX_SERVER_ROWS);
  if (self->page_size == page_size)
    return;

  self->page_size = page_size;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PAGE_SIZE]);
  /* Page boundaries moved: start over (before the first count this only
   * restarts the idle that sends it). */
  if (self->table != NULL)
    invalidate (self);
}

guint
supa_row_model_get_max_pages (SupaRowModel *self)
{
  g_return_val_if_fail (SUPA_IS_ROW_MODEL (self), 0);
  return self->max_pages;
}

void
supa_row_model_set_max_pages (SupaRowModel *self,
                              guint         max_pages)
{
  g_return_if_fail (SUPA_IS_ROW_MODEL (self));

  max_pages = MAX (max_pages, 1);
  if (self->max_pages == max_pages)
    return;

  self->max_pages = max_pages;
  evict_pages (self, NULL);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MAX_PAGES]);
}

void
supa_row_model_set_filter (SupaRowModel    *self,
                           SupaFilterGroup *filter)
{
  g_return_if_fail (SUPA_IS_ROW_MODEL (self));

  if (self->filter == filter)
    return;

  if (filter != NULL)
    supa_filter_group_ref (filter);
  g_clear_pointer (&self->filter, supa_filter_group_unref);
  self->filter = filter;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_FILTER]);
  if (self->table != NULL)
    invalidate (self);
}

SupaFilterGroup *
supa_row_model_get_filter (SupaRowModel *self)
{
  g_return_val_if_fail (SUPA_IS_ROW_MODEL (self), NULL);
  return self->filter;
}

void
supa_row_model_set_sort (SupaRowModel *self,
                         const char   *sort)
{
  g_return_if_fail (SUPA_IS_ROW_MODEL (self));

  if (sort != NULL && sort[0] == '\0')
    sort = NULL;
  if (g_strcmp0 (self->sort, sort) == 0)
    return;

  g_free (self->sort);
  self->sort = g_strdup (sort);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SORT]);
  if (self->table != NULL)
    invalidate (self);
}

const char *
supa_row_model_get_sort (SupaRowModel *self)
{
  g_return_val_if_fail (SUPA_IS_ROW_MODEL (self), NULL);
  return self->sort;
}

void
supa_row_model_reload (SupaRowModel *self)
{
  g_return_if_fail (SUPA_IS_ROW_MODEL (self));

  /* The read cache (if enabled) must not answer a reload. */
  supa_database_invalidate (self->database, supa_table_info_get_name (self->table));
  invalidate (self);
}

static void
count_exact_cb (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  SupaRowModel *self = g_task_get_source_object (task);
  guint generation = GPOINTER_TO_UINT (g_task_get_task_data (task));
  g_autoptr(SupaResult) answer = NULL;
  g_autoptr(GError) error = NULL;

  answer = supa_database_execute_finish (SUPA_DATABASE (object), result, &error);
  self->n_exact_counts--;
  set_loading (self);

  if (answer == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  if (supa_result_get_count (answer) < 0)
    {
      g_task_return_new_error (task, SUPA_ERROR, SUPA_ERROR_PROTOCOL,
                               _("The server did not count the rows"));
      return;
    }
  if (generation != self->generation || self->pages == NULL)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CANCELLED,
                               _("The filter or the rows changed while counting"));
      return;
    }

  /* An exact count supersedes the first page's estimate. */
  if (self->count_cancellable != NULL)
    {
      g_cancellable_cancel (self->count_cancellable);
      g_clear_object (&self->count_cancellable);
      self->counting = FALSE;
      if (!self->published)
        {
          Page *page = g_hash_table_lookup (self->pages, GUINT_TO_POINTER (0));

          if (page != NULL && page->pinned)
            drop_page (self, page);
        }
      set_loading (self);
    }

  publish_count (self, supa_result_get_count (answer), FALSE);
  g_task_return_boolean (task, TRUE);
}

void
supa_row_model_count_exact_async (SupaRowModel        *self,
                                  GCancellable        *cancellable,
                                  GAsyncReadyCallback  callback,
                                  gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(SupaQuery) query = NULL;

  g_return_if_fail (SUPA_IS_ROW_MODEL (self));
  g_return_if_fail (!cancellable || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, supa_row_model_count_exact_async);
  g_task_set_task_data (task, GUINT_TO_POINTER (self->generation), NULL);

  query = new_query (self, SUPA_COUNT_EXACT, TRUE);
  self->n_exact_counts++;
  set_loading (self);
  supa_database_execute_async (self->database, query, cancellable, count_exact_cb,
                               g_steal_pointer (&task));
}

gboolean
supa_row_model_count_exact_finish (SupaRowModel  *self,
                                   GAsyncResult  *result,
                                   GError       **error)
{
  g_return_val_if_fail (SUPA_IS_ROW_MODEL (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/* The shortest decimal that reads back as @value, so a numeric column
 * holding 0.1 is matched with "0.1", not "0.10000000000000001". */
static char *
double_to_text (double value)
{
  char buffer[G_ASCII_DTOSTR_BUF_SIZE];

  for (int digits = 15; digits <= 17; digits++)
    {
      g_ascii_formatd (buffer, sizeof buffer, digits == 15 ? "%.15g" : digits == 16 ? "%.16g" : "%.17g", value);
      if (g_ascii_strtod (buffer, NULL) == value)
        break;
    }
  return g_strdup (buffer);
}

/* A scalar JSON value as PostgREST filter text; NULL for objects, arrays
 * and JSON null (callers use is.null for that). */
static char *
scalar_to_text (JsonNode *node)
{
  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node))
    return NULL;

  switch (json_node_get_value_type (node))
    {
    case G_TYPE_STRING:
      return g_strdup (json_node_get_string (node));
    case G_TYPE_INT64:
      return g_strdup_printf ("%" G_GINT64_FORMAT, json_node_get_int (node));
    case G_TYPE_DOUBLE:
      return double_to_text (json_node_get_double (node));
    case G_TYPE_BOOLEAN:
      return g_strdup (json_node_get_boolean (node) ? "true" : "false");
    default:
      return NULL;
    }
}

/* Values longer than this are left out of the optimistic-concurrency
 * match: they would make the URL too long for proxies. */
#define MAX_MATCH_VALUE 1024

gboolean
supa_row_model_filter_row (SupaRowModel  *self,
                           SupaRow       *row,
                           SupaQuery     *query,
                           gboolean       match_original,
                           GError       **error)
{
  const char * const *pk;
  GListModel *columns;

  g_return_val_if_fail (SUPA_IS_ROW_MODEL (self), FALSE);
  g_return_val_if_fail (SUPA_IS_ROW (row), FALSE);
  g_return_val_if_fail (SUPA_IS_QUERY (query), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  pk = supa_table_info_get_primary_key (self->table);
  if (pk == NULL || pk[0] == NULL)
    {
      g_set_error (error, SUPA_ERROR, SUPA_ERROR_INVALID_INPUT,
                   _("“%s” has no primary key, so this row cannot be changed or deleted on its own"),
                   supa_table_info_get_name (self->table));
      return FALSE;
    }
  if (!row->loaded)
    {
      g_set_error_literal (error, SUPA_ERROR, SUPA_ERROR_INVALID_INPUT,
                           _("The row has not been loaded yet"));
      return FALSE;
    }

  /* Check everything before touching @query. */
  for (guint i = 0; pk[i] != NULL; i++)
    {
      JsonNode *node = supa_row_get_value (row, pk[i]);
      g_autofree char *text = scalar_to_text (node);

      if (text == NULL)
        {
          g_set_error (error, SUPA_ERROR, SUPA_ERROR_INVALID_INPUT,
                       _("The row has no usable value for its key column “%s”"), pk[i]);
          return FALSE;
        }
    }

  for (guint i = 0; pk[i] != NULL; i++)
    {
      g_autofree char *text = scalar_to_text (supa_row_get_value (row, pk[i]));

      supa_query_eq (query, pk[i], text);
    }

  if (!match_original)
    return TRUE;

  columns = supa_table_info_get_columns (self->table);
  for (guint i = 0; i < g_list_model_get_n_items (columns); i++)
    {
      g_autoptr(SupaColumnInfo) column = g_list_model_get_item (columns, i);
      const char *name = supa_column_info_get_name (column);
      JsonNode *node;
      g_autofree char *text = NULL;

      if (g_strv_contains (pk, name))
        continue;
      /* json/jsonb compare by value, not by the text we would send, and
       * geometric types have no equality operator. */
      if (supa_column_info_get_is_json (column) || supa_column_info_get_is_array (column) ||
          !is_orderable_column (column))
        continue;

      node = supa_row_get_value (row, name);
      if (node == NULL)
        continue;   /* not selected */
      if (JSON_NODE_HOLDS_NULL (node))
        {
          supa_query_is (query, name, "null");
          continue;
        }

      text = scalar_to_text (node);
      if (text == NULL || strlen (text) > MAX_MATCH_VALUE)
        continue;
      supa_query_eq (query, name, text);
    }

  return TRUE;
}

void
supa_row_model_update_row (SupaRowModel *self,
                           SupaRow      *row,
                           JsonObject   *values)
{
  g_return_if_fail (SUPA_IS_ROW_MODEL (self));
  g_return_if_fail (SUPA_IS_ROW (row));
  g_return_if_fail (values != NULL);

  supa_row_set_values (row, values);
}

guint
supa_row_model_get_n_cached_pages (SupaRowModel *self)
{
  g_return_val_if_fail (SUPA_IS_ROW_MODEL (self), 0);
  return self->n_loaded;
}

guint
supa_row_model_get_n_page_requests (SupaRowModel *self)
{
  g_return_val_if_fail (SUPA_IS_ROW_MODEL (self), 0);
  return self->n_page_requests;
}
