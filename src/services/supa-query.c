/* supa-query.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Renders PostgREST requests the way postgrest-js does (PROTOCOL.md §2),
 * with one deliberate difference: values inside in-lists and logic trees
 * are always quoted safely (§2.4's recommended encoder) instead of being
 * passed raw, so a comma or parenthesis in a cell never changes the filter.
 */

#define G_LOG_DOMAIN "Supadesk"

#include "config.h"

#include "supa-query.h"

#include <glib/gi18n-lib.h>
#include <string.h>

/* --- encoding ----------------------------------------------------------- */

char *
supa_form_encode (const char *text)
{
  static const char hex[] = "0123456789ABCDEF";
  GString *out;

  g_return_val_if_fail (text != NULL, NULL);

  out = g_string_sized_new (strlen (text) + 8);
  for (const guchar *p = (const guchar *) text; *p; p++)
    {
      if (g_ascii_isalnum (*p) || *p == '*' || *p == '-' || *p == '.' || *p == '_')
        g_string_append_c (out, (char) *p);
      else if (*p == ' ')
        g_string_append_c (out, '+');
      else
        {
          g_string_append_c (out, '%');
          g_string_append_c (out, hex[*p >> 4]);
          g_string_append_c (out, hex[*p & 0xf]);
        }
    }

  return g_string_free (out, FALSE);
}

static char *
quote_with_escapes (const char *value)
{
  GString *out = g_string_new ("\"");

  for (const char *p = value; *p; p++)
    {
      if (*p == '\\' || *p == '"')
        g_string_append_c (out, '\\');
      g_string_append_c (out, *p);
    }
  g_string_append_c (out, '"');

  return g_string_free (out, FALSE);
}

static gboolean
has_edge_space (const char *value)
{
  gsize len = strlen (value);

  return len > 0 && (g_ascii_isspace (value[0]) || g_ascii_isspace (value[len - 1]));
}

char *
supa_query_quote_value (const char *value)
{
  if (value == NULL)
    return g_strdup ("null");

  /* Unquoted, "" would vanish, `null` would read as NULL, and a leading
   * brace would start an array literal inside a tree. */
  if (*value == '\0' ||
      g_ascii_strcasecmp (value, "null") == 0 ||
      value[0] == '{' ||
      strpbrk (value, ",()\"\\") != NULL ||
      has_edge_space (value))
    return quote_with_escapes (value);

  return g_strdup (value);
}

char *
supa_query_quote_array_item (const char *value)
{
  if (value == NULL)
    return g_strdup ("NULL");

  if (*value == '\0' ||
      g_ascii_strcasecmp (value, "null") == 0 ||
      strpbrk (value, ",{}\"\\() \t\n\r\v\f") != NULL)
    return quote_with_escapes (value);

  return g_strdup (value);
}

/* A JSON scalar as the text PostgreSQL should see; NULL for JSON null. */
static char *
scalar_to_text (JsonNode *node)
{
  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return NULL;

  if (JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING)
    return g_strdup (json_node_get_string (node));

  return json_to_string (node, FALSE);
}

/* {a,"b,c",NULL} */
static char *
json_array_to_pg_array (JsonArray *array)
{
  GString *out = g_string_new ("{");
  guint n = json_array_get_length (array);

  for (guint i = 0; i < n; i++)
    {
      g_autofree char *text = scalar_to_text (json_array_get_element (array, i));
      g_autofree char *item = supa_query_quote_array_item (text);

      if (i > 0)
        g_string_append_c (out, ',');
      g_string_append (out, item);
    }
  g_string_append_c (out, '}');

  return g_string_free (out, FALSE);
}

static char *
strv_to_pg_array (const char * const *items)
{
  GString *out = g_string_new ("{");

  for (guint i = 0; items != NULL && items[i] != NULL; i++)
    {
      g_autofree char *item = supa_query_quote_array_item (items[i]);

      if (i > 0)
        g_string_append_c (out, ',');
      g_string_append (out, item);
    }
  g_string_append_c (out, '}');

  return g_string_free (out, FALSE);
}

static char *
values_to_in_list (const char * const *values,
                   gssize              n_values)
{
  GString *out = g_string_new ("(");

  if (n_values < 0)
    n_values = values ? (gssize) g_strv_length ((char **) values) : 0;

  for (gssize i = 0; i < n_values; i++)
    {
      g_autofree char *item = supa_query_quote_value (values[i]);

      if (i > 0)
        g_string_append_c (out, ',');
      g_string_append (out, item);
    }
  g_string_append_c (out, ')');

  return g_string_free (out, FALSE);
}

/* postgrest-js drops whitespace outside double quotes from select lists. */
static char *
clean_columns (const char *columns)
{
  GString *out;
  gboolean quoted = FALSE;

  if (columns == NULL || *columns == '\0')
    return g_strdup ("*");

  out = g_string_new (NULL);
  for (const char *p = columns; *p; p++)
    {
      if (g_ascii_isspace (*p) && !quoted)
        continue;
      if (*p == '"')
        quoted = !quoted;
      g_string_append_c (out, *p);
    }

  return g_string_free (out, FALSE);
}

static const char *
count_name (SupaCount count)
{
  switch (count)
    {
    case SUPA_COUNT_EXACT: return "exact";
    case SUPA_COUNT_PLANNED: return "planned";
    case SUPA_COUNT_ESTIMATED: return "estimated";
    case SUPA_COUNT_NONE:
    default:
      return NULL;
    }
}

/* --- SupaFilterGroup ---------------------------------------------------- */

typedef struct
{
  char            *text;
  SupaFilterGroup *group;
} GroupItem;

struct _SupaFilterGroup
{
  gatomicrefcount  ref_count;
  SupaFilterLogic  logic;
  gboolean         negated;
  GPtrArray       *items;
};

G_DEFINE_BOXED_TYPE (SupaFilterGroup, supa_filter_group, supa_filter_group_ref, supa_filter_group_unref)

static void
group_item_free (GroupItem *item)
{
  g_free (item->text);
  g_clear_pointer (&item->group, supa_filter_group_unref);
  g_free (item);
}

SupaFilterGroup *
supa_filter_group_new (SupaFilterLogic logic,
                       gboolean        negated)
{
  SupaFilterGroup *group = g_new0 (SupaFilterGroup, 1);

  g_atomic_ref_count_init (&group->ref_count);
  group->logic = logic;
  group->negated = !!negated;
  group->items = g_ptr_array_new_with_free_func ((GDestroyNotify) group_item_free);

  return group;
}

SupaFilterGroup *
supa_filter_group_ref (SupaFilterGroup *group)
{
  g_return_val_if_fail (group != NULL, NULL);

  g_atomic_ref_count_inc (&group->ref_count);
  return group;
}

void
supa_filter_group_unref (SupaFilterGroup *group)
{
  g_return_if_fail (group != NULL);

  if (g_atomic_ref_count_dec (&group->ref_count))
    {
      g_ptr_array_unref (group->items);
      g_free (group);
    }
}

static void
group_add_text (SupaFilterGroup *group,
                char            *text)
{
  GroupItem *item = g_new0 (GroupItem, 1);

  item->text = text;
  g_ptr_array_add (group->items, item);
}

static gboolean
op_is_is (const char *op)
{
  return g_strcmp0 (op, "is") == 0 || g_strcmp0 (op, "not.is") == 0;
}

void
supa_filter_group_add_condition (SupaFilterGroup *group,
                                 const char      *column,
                                 const char      *op,
                                 const char      *value)
{
  g_autofree char *quoted = NULL;

  g_return_if_fail (group != NULL);
  g_return_if_fail (column != NULL && op != NULL);

  if (op_is_is (op))
    quoted = g_strdup (value ? value : "null");
  else
    quoted = supa_query_quote_value (value);

  group_add_text (group, g_strconcat (column, ".", op, ".", quoted, NULL));
}

void
supa_filter_group_add_in (SupaFilterGroup    *group,
                          const char         *column,
                          gboolean            negated,
                          const char * const *values,
                          gssize              n_values)
{
  g_autofree char *list = NULL;

  g_return_if_fail (group != NULL);
  g_return_if_fail (column != NULL);

  list = values_to_in_list (values, n_values);
  group_add_text (group, g_strconcat (column, negated ? ".not.in." : ".in.", list, NULL));
}

void
supa_filter_group_add_raw (SupaFilterGroup *group,
                           const char      *column,
                           const char      *op,
                           const char      *raw_value)
{
  g_return_if_fail (group != NULL);
  g_return_if_fail (column != NULL && op != NULL && raw_value != NULL);

  group_add_text (group, g_strconcat (column, ".", op, ".", raw_value, NULL));
}

void
supa_filter_group_add_group (SupaFilterGroup *group,
                             SupaFilterGroup *child)
{
  GroupItem *item;

  g_return_if_fail (group != NULL);
  g_return_if_fail (child != NULL);
  g_return_if_fail (child != group);

  item = g_new0 (GroupItem, 1);
  item->group = supa_filter_group_ref (child);
  g_ptr_array_add (group->items, item);
}

static gboolean
group_is_empty (SupaFilterGroup *group)
{
  for (guint i = 0; i < group->items->len; i++)
    {
      GroupItem *item = g_ptr_array_index (group->items, i);

      if (item->text != NULL || !group_is_empty (item->group))
        return FALSE;
    }

  return TRUE;
}

static void
group_append_items (SupaFilterGroup *group,
                    GString         *out)
{
  gboolean first = TRUE;

  g_string_append_c (out, '(');
  for (guint i = 0; i < group->items->len; i++)
    {
      GroupItem *item = g_ptr_array_index (group->items, i);

      if (item->group != NULL && group_is_empty (item->group))
        continue;
      if (!first)
        g_string_append_c (out, ',');
      first = FALSE;

      if (item->text != NULL)
        g_string_append (out, item->text);
      else
        {
          if (item->group->negated)
            g_string_append (out, "not.");
          g_string_append (out, item->group->logic == SUPA_FILTER_OR ? "or" : "and");
          group_append_items (item->group, out);
        }
    }
  g_string_append_c (out, ')');
}

char *
supa_filter_group_to_string (SupaFilterGroup *group)
{
  GString *out;

  g_return_val_if_fail (group != NULL, NULL);

  out = g_string_new (NULL);
  group_append_items (group, out);

  return g_string_free (out, FALSE);
}

/* --- SupaQuery ---------------------------------------------------------- */

typedef struct
{
  char     *key;
  char     *value;
  gboolean  restricts;   /* a top-level filter: limits the rows touched */
} Param;

struct _SupaQuery
{
  GObject           parent_instance;

  char             *relation;
  char             *schema;

  SupaQueryKind     kind;
  SupaCount         count;
  gboolean          head;
  char             *select;          /* NULL: no select= */
  gboolean          returning;
  JsonNode         *body;
  char             *on_conflict;
  gboolean          ignore_duplicates;
  gboolean          default_to_null;
  SupaRpcMethod     rpc_method;

  GPtrArray        *params;          /* Param, in the order added */

  guint             single       : 1;
  guint             maybe_single : 1;
  guint             csv          : 1;
  guint             explain      : 1;
  SupaExplainFlags  explain_flags;
};

G_DEFINE_FINAL_TYPE (SupaQuery, supa_query, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_RELATION,
  PROP_SCHEMA,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
param_free (Param *param)
{
  g_free (param->key);
  g_free (param->value);
  g_free (param);
}

static void
add_param (SupaQuery  *self,
           const char *key,
           char       *value,
           gboolean    restricts)
{
  Param *param = g_new0 (Param, 1);

  param->key = g_strdup (key);
  param->value = value;
  param->restricts = restricts;
  g_ptr_array_add (self->params, param);
}

static Param *
find_param (SupaQuery  *self,
            const char *key)
{
  for (guint i = 0; i < self->params->len; i++)
    {
      Param *param = g_ptr_array_index (self->params, i);

      if (g_str_equal (param->key, key))
        return param;
    }

  return NULL;
}

static void
set_param (SupaQuery  *self,
           const char *key,
           char       *value)
{
  Param *param = find_param (self, key);

  if (param != NULL)
    {
      g_free (param->value);
      param->value = value;
    }
  else
    add_param (self, key, value, FALSE);
}

static char *
referenced_key (const char *referenced_table,
                const char *key)
{
  if (referenced_table != NULL && *referenced_table != '\0')
    return g_strconcat (referenced_table, ".", key, NULL);
  return g_strdup (key);
}

/* Filters on a column of an embedded resource ("actors.name") only narrow
 * the embedded rows, never the rows an update or delete touches. */
static gboolean
column_is_top_level (const char *column)
{
  gboolean quoted = FALSE;

  for (const char *p = column; *p; p++)
    {
      if (*p == '"')
        quoted = !quoted;
      else if (*p == '.' && !quoted)
        return FALSE;
    }

  return TRUE;
}

static void
add_filter (SupaQuery  *self,
            const char *column,
            char       *value)
{
  add_param (self, column, value, column_is_top_level (column));
}

static void
supa_query_finalize (GObject *object)
{
  SupaQuery *self = (SupaQuery *) object;

  g_clear_pointer (&self->relation, g_free);
  g_clear_pointer (&self->schema, g_free);
  g_clear_pointer (&self->select, g_free);
  g_clear_pointer (&self->body, json_node_unref);
  g_clear_pointer (&self->on_conflict, g_free);
  g_clear_pointer (&self->params, g_ptr_array_unref);

  G_OBJECT_CLASS (supa_query_parent_class)->finalize (object);
}

static void
supa_query_get_property (GObject    *object,
                         guint       prop_id,
                         GValue     *value,
                         GParamSpec *pspec)
{
  SupaQuery *self = SUPA_QUERY (object);

  switch (prop_id)
    {
    case PROP_RELATION:
      g_value_set_string (value, self->relation);
      break;
    case PROP_SCHEMA:
      g_value_set_string (value, self->schema);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
supa_query_set_property (GObject      *object,
                         guint         prop_id,
                         const GValue *value,
                         GParamSpec   *pspec)
{
  SupaQuery *self = SUPA_QUERY (object);

  switch (prop_id)
    {
    case PROP_RELATION:
      self->relation = g_value_dup_string (value);
      break;
    case PROP_SCHEMA:
      supa_query_set_schema (self, g_value_get_string (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
supa_query_class_init (SupaQueryClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = supa_query_finalize;
  object_class->get_property = supa_query_get_property;
  object_class->set_property = supa_query_set_property;

  properties[PROP_RELATION] =
    g_param_spec_string ("relation", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_SCHEMA] =
    g_param_spec_string ("schema", NULL, NULL, "public",
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
supa_query_init (SupaQuery *self)
{
  self->schema = g_strdup ("public");
  self->kind = SUPA_QUERY_SELECT;
  self->select = g_strdup ("*");
  self->default_to_null = TRUE;
  self->params = g_ptr_array_new_with_free_func ((GDestroyNotify) param_free);
}

/* --- public API --------------------------------------------------------- */

SupaQuery *
supa_query_new (const char *relation)
{
  g_return_val_if_fail (relation != NULL && *relation != '\0', NULL);

  return g_object_new (SUPA_TYPE_QUERY, "relation", relation, NULL);
}

void
supa_query_set_schema (SupaQuery  *self,
                       const char *schema)
{
  g_return_if_fail (SUPA_IS_QUERY (self));

  if (schema == NULL || *schema == '\0')
    schema = "public";

  if (g_strcmp0 (self->schema, schema) != 0)
    {
      g_free (self->schema);
      self->schema = g_strdup (schema);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SCHEMA]);
    }
}

const char *
supa_query_get_schema (SupaQuery *self)
{
  g_return_val_if_fail (SUPA_IS_QUERY (self), NULL);
  return self->schema;
}

const char *
supa_query_get_relation (SupaQuery *self)
{
  g_return_val_if_fail (SUPA_IS_QUERY (self), NULL);
  return self->relation;
}

SupaQueryKind
supa_query_get_kind (SupaQuery *self)
{
  g_return_val_if_fail (SUPA_IS_QUERY (self), SUPA_QUERY_SELECT);
  return self->kind;
}

SupaCount
supa_query_get_count (SupaQuery *self)
{
  g_return_val_if_fail (SUPA_IS_QUERY (self), SUPA_COUNT_NONE);
  return self->count;
}

gboolean
supa_query_is_write (SupaQuery *self)
{
  g_return_val_if_fail (SUPA_IS_QUERY (self), FALSE);

  switch (self->kind)
    {
    case SUPA_QUERY_INSERT:
    case SUPA_QUERY_UPSERT:
    case SUPA_QUERY_UPDATE:
    case SUPA_QUERY_DELETE:
      return TRUE;
    case SUPA_QUERY_RPC:
      return self->rpc_method == SUPA_RPC_POST;
    case SUPA_QUERY_SELECT:
    default:
      return FALSE;
    }
}

gboolean
supa_query_get_single (SupaQuery *self)
{
  g_return_val_if_fail (SUPA_IS_QUERY (self), FALSE);
  return self->single;
}

gboolean
supa_query_get_maybe_single (SupaQuery *self)
{
  g_return_val_if_fail (SUPA_IS_QUERY (self), FALSE);
  return self->maybe_single;
}

gboolean
supa_query_get_csv (SupaQuery *self)
{
  g_return_val_if_fail (SUPA_IS_QUERY (self), FALSE);
  return self->csv;
}

gboolean
supa_query_get_explain (SupaQuery *self)
{
  g_return_val_if_fail (SUPA_IS_QUERY (self), FALSE);
  return self->explain;
}

GStrv
supa_query_dup_relations (SupaQuery *self)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  const char *select;
  gboolean quoted = FALSE;

  g_return_val_if_fail (SUPA_IS_QUERY (self), NULL);

  g_strv_builder_add (builder, self->relation);

  /* Embedded resources: every name directly before a '(' in the select
   * list, without alias, spread and hints. Aggregates such as count()
   * show up too, which only makes invalidation a little eager. */
  select = self->select ? self->select : "";
  for (const char *p = select; *p; p++)
    {
      const char *start;
      g_autofree char *name = NULL;
      char *bang;

      if (*p == '"')
        quoted = !quoted;
      if (quoted || *p != '(')
        continue;

      start = p;
      while (start > select && strchr (",(:", start[-1]) == NULL)
        start--;
      name = g_strndup (start, p - start);
      if ((bang = strchr (name, '!')) != NULL)
        *bang = '\0';
      if (g_str_has_prefix (name, "..."))
        memmove (name, name + 3, strlen (name + 3) + 1);
      if (*name != '\0')
        g_strv_builder_add (builder, name);
    }

  return g_strv_builder_end (builder);
}

void
supa_query_select (SupaQuery  *self,
                   const char *columns,
                   SupaCount   count,
                   gboolean    head)
{
  g_return_if_fail (SUPA_IS_QUERY (self));

  /* On an rpc this shapes the function's result (postgrest-js allows
   * .rpc().select()); the call itself stays what it was. */
  if (self->kind == SUPA_QUERY_RPC)
    {
      supa_query_returning (self, columns);
      self->count = count;
      if (head)
        self->rpc_method = SUPA_RPC_HEAD;
      return;
    }

  self->kind = SUPA_QUERY_SELECT;
  g_free (self->select);
  self->select = clean_columns (columns);
  self->count = count;
  self->head = !!head;
}

static JsonNode *
copy_values (JsonNode *values)
{
  g_return_val_if_fail (values != NULL, NULL);
  g_return_val_if_fail (JSON_NODE_HOLDS_OBJECT (values) || JSON_NODE_HOLDS_ARRAY (values), NULL);

  return json_node_copy (values);
}

void
supa_query_insert (SupaQuery *self,
                   JsonNode  *values,
                   SupaCount  count,
                   gboolean   default_to_null)
{
  g_return_if_fail (SUPA_IS_QUERY (self));
  g_return_if_fail (values != NULL);

  self->kind = SUPA_QUERY_INSERT;
  g_clear_pointer (&self->select, g_free);
  g_clear_pointer (&self->body, json_node_unref);
  self->body = copy_values (values);
  self->count = count;
  self->default_to_null = !!default_to_null;
}

void
supa_query_upsert (SupaQuery  *self,
                   JsonNode   *values,
                   const char *on_conflict,
                   gboolean    ignore_duplicates,
                   SupaCount   count,
                   gboolean    default_to_null)
{
  g_return_if_fail (SUPA_IS_QUERY (self));
  g_return_if_fail (values != NULL);

  supa_query_insert (self, values, count, default_to_null);
  self->kind = SUPA_QUERY_UPSERT;
  g_free (self->on_conflict);
  self->on_conflict = g_strdup (on_conflict);
  self->ignore_duplicates = !!ignore_duplicates;
}

void
supa_query_update (SupaQuery  *self,
                   JsonObject *values,
                   SupaCount   count)
{
  JsonNode *node;

  g_return_if_fail (SUPA_IS_QUERY (self));
  g_return_if_fail (values != NULL);

  self->kind = SUPA_QUERY_UPDATE;
  g_clear_pointer (&self->select, g_free);
  g_clear_pointer (&self->body, json_node_unref);
  node = json_node_new (JSON_NODE_OBJECT);
  json_node_set_object (node, values);
  self->body = node;
  self->count = count;
}

void
supa_query_delete (SupaQuery *self,
                   SupaCount  count)
{
  g_return_if_fail (SUPA_IS_QUERY (self));

  self->kind = SUPA_QUERY_DELETE;
  g_clear_pointer (&self->select, g_free);
  g_clear_pointer (&self->body, json_node_unref);
  self->count = count;
}

void
supa_query_rpc (SupaQuery     *self,
                JsonObject    *params,
                SupaRpcMethod  method,
                SupaCount      count)
{
  JsonNode *node;

  g_return_if_fail (SUPA_IS_QUERY (self));
  g_return_if_fail (g_str_has_prefix (self->relation, "rpc/"));

  self->kind = SUPA_QUERY_RPC;
  self->rpc_method = method;
  self->count = count;
  g_clear_pointer (&self->select, g_free);
  g_clear_pointer (&self->body, json_node_unref);

  node = json_node_new (JSON_NODE_OBJECT);
  if (params != NULL)
    json_node_set_object (node, params);
  else
    json_node_take_object (node, json_object_new ());
  self->body = node;
}

void
supa_query_returning (SupaQuery  *self,
                      const char *columns)
{
  g_return_if_fail (SUPA_IS_QUERY (self));

  g_free (self->select);
  self->select = clean_columns (columns);
  self->returning = TRUE;
}

void
supa_query_filter (SupaQuery  *self,
                   const char *column,
                   const char *op,
                   const char *value)
{
  g_return_if_fail (SUPA_IS_QUERY (self));
  g_return_if_fail (column != NULL && op != NULL);

  add_filter (self, column, g_strconcat (op, ".", value ? value : "null", NULL));
}

void
supa_query_not (SupaQuery  *self,
                const char *column,
                const char *op,
                const char *value)
{
  g_return_if_fail (SUPA_IS_QUERY (self));
  g_return_if_fail (column != NULL && op != NULL);

  add_filter (self, column, g_strconcat ("not.", op, ".", value ? value : "null", NULL));
}

#define SIMPLE_FILTER(fn, op)                                           \
  void                                                                  \
  fn (SupaQuery *self, const char *column, const char *value)           \
  {                                                                     \
    g_return_if_fail (value != NULL);                                   \
    supa_query_filter (self, column, op, value);                        \
  }

SIMPLE_FILTER (supa_query_eq, "eq")
SIMPLE_FILTER (supa_query_neq, "neq")
SIMPLE_FILTER (supa_query_gt, "gt")
SIMPLE_FILTER (supa_query_gte, "gte")
SIMPLE_FILTER (supa_query_lt, "lt")
SIMPLE_FILTER (supa_query_lte, "lte")
SIMPLE_FILTER (supa_query_like, "like")
SIMPLE_FILTER (supa_query_ilike, "ilike")
SIMPLE_FILTER (supa_query_regex_match, "match")
SIMPLE_FILTER (supa_query_regex_imatch, "imatch")
SIMPLE_FILTER (supa_query_is_distinct, "isdistinct")
SIMPLE_FILTER (supa_query_range_lt, "sl")
SIMPLE_FILTER (supa_query_range_gt, "sr")
SIMPLE_FILTER (supa_query_range_lte, "nxr")
SIMPLE_FILTER (supa_query_range_gte, "nxl")
SIMPLE_FILTER (supa_query_range_adjacent, "adj")

#undef SIMPLE_FILTER

void
supa_query_is (SupaQuery  *self,
               const char *column,
               const char *value)
{
  supa_query_filter (self, column, "is", value ? value : "null");
}

static void
quantified (SupaQuery          *self,
            const char         *column,
            const char         *op,
            const char * const *patterns)
{
  g_autofree char *array = NULL;

  g_return_if_fail (SUPA_IS_QUERY (self));
  g_return_if_fail (column != NULL);

  array = strv_to_pg_array (patterns);
  add_filter (self, column, g_strconcat (op, ".", array, NULL));
}

void
supa_query_like_all_of (SupaQuery *self, const char *column, const char * const *patterns)
{
  quantified (self, column, "like(all)", patterns);
}

void
supa_query_like_any_of (SupaQuery *self, const char *column, const char * const *patterns)
{
  quantified (self, column, "like(any)", patterns);
}

void
supa_query_ilike_all_of (SupaQuery *self, const char *column, const char * const *patterns)
{
  quantified (self, column, "ilike(all)", patterns);
}

void
supa_query_ilike_any_of (SupaQuery *self, const char *column, const char * const *patterns)
{
  quantified (self, column, "ilike(any)", patterns);
}

void
supa_query_in (SupaQuery          *self,
               const char         *column,
               const char * const *values,
               gssize              n_values)
{
  g_autofree char *list = NULL;

  g_return_if_fail (SUPA_IS_QUERY (self));
  g_return_if_fail (column != NULL);

  list = values_to_in_list (values, n_values);
  add_filter (self, column, g_strconcat ("in.", list, NULL));
}

void
supa_query_not_in (SupaQuery          *self,
                   const char         *column,
                   const char * const *values,
                   gssize              n_values)
{
  g_autofree char *list = NULL;

  g_return_if_fail (SUPA_IS_QUERY (self));
  g_return_if_fail (column != NULL);

  list = values_to_in_list (values, n_values);
  add_filter (self, column, g_strconcat ("not.in.", list, NULL));
}

static char *
container_value (JsonNode *value)
{
  if (value == NULL || JSON_NODE_HOLDS_NULL (value))
    return g_strdup ("null");
  if (JSON_NODE_HOLDS_ARRAY (value))
    return json_array_to_pg_array (json_node_get_array (value));
  if (JSON_NODE_HOLDS_OBJECT (value))
    return json_to_string (value, FALSE);
  return scalar_to_text (value);
}

static void
container_filter (SupaQuery  *self,
                  const char *column,
                  const char *op,
                  JsonNode   *value)
{
  g_autofree char *text = NULL;

  g_return_if_fail (SUPA_IS_QUERY (self));
  g_return_if_fail (column != NULL);

  text = container_value (value);
  add_filter (self, column, g_strconcat (op, ".", text, NULL));
}

void
supa_query_contains (SupaQuery *self, const char *column, JsonNode *value)
{
  container_filter (self, column, "cs", value);
}

void
supa_query_contained_by (SupaQuery *self, const char *column, JsonNode *value)
{
  container_filter (self, column, "cd", value);
}

void
supa_query_overlaps (SupaQuery *self, const char *column, JsonNode *value)
{
  container_filter (self, column, "ov", value);
}

void
supa_query_text_search (SupaQuery          *self,
                        const char         *column,
                        const char         *query,
                        SupaTextSearchType  type,
                        const char         *config)
{
  const char *op;

  g_return_if_fail (SUPA_IS_QUERY (self));
  g_return_if_fail (column != NULL && query != NULL);

  switch (type)
    {
    case SUPA_TEXT_SEARCH_PLAIN: op = "plfts"; break;
    case SUPA_TEXT_SEARCH_PHRASE: op = "phfts"; break;
    case SUPA_TEXT_SEARCH_WEBSEARCH: op = "wfts"; break;
    case SUPA_TEXT_SEARCH_TSQUERY:
    default:
      op = "fts";
      break;
    }

  if (config != NULL && *config != '\0')
    add_filter (self, column, g_strconcat (op, "(", config, ").", query, NULL));
  else
    add_filter (self, column, g_strconcat (op, ".", query, NULL));
}

void
supa_query_match (SupaQuery  *self,
                  JsonObject *match)
{
  g_autoptr(GList) members = NULL;

  g_return_if_fail (SUPA_IS_QUERY (self));
  g_return_if_fail (match != NULL);

  members = json_object_get_members (match);
  for (GList *l = members; l != NULL; l = l->next)
    {
      const char *column = l->data;
      JsonNode *node = json_object_get_member (match, column);
      g_autofree char *text = scalar_to_text (node);

      if (text == NULL)
        supa_query_is (self, column, NULL);
      else
        supa_query_eq (self, column, text);
    }
}

void
supa_query_or (SupaQuery  *self,
               const char *filters,
               const char *referenced_table)
{
  g_autofree char *key = NULL;

  g_return_if_fail (SUPA_IS_QUERY (self));
  g_return_if_fail (filters != NULL);

  key = referenced_key (referenced_table, "or");
  add_param (self, key, g_strconcat ("(", filters, ")", NULL),
             referenced_table == NULL && *filters != '\0');
}

void
supa_query_add_group (SupaQuery       *self,
                      SupaFilterGroup *group,
                      const char      *referenced_table)
{
  g_autofree char *key = NULL;
  const char *name;

  g_return_if_fail (SUPA_IS_QUERY (self));
  g_return_if_fail (group != NULL);

  /* An empty group means nothing; sending "or=()" would be a parse error
   * and, worse, would look like a filter to the safety check. */
  if (group_is_empty (group))
    return;

  if (group->logic == SUPA_FILTER_OR)
    name = group->negated ? "not.or" : "or";
  else
    name = group->negated ? "not.and" : "and";

  key = referenced_key (referenced_table, name);
  add_param (self, key, supa_filter_group_to_string (group), referenced_table == NULL);
}

void
supa_query_order (SupaQuery      *self,
                  const char     *column,
                  gboolean        ascending,
                  SupaNullsOrder  nulls,
                  const char     *referenced_table)
{
  g_autofree char *key = NULL;
  g_autofree char *item = NULL;
  Param *existing;

  g_return_if_fail (SUPA_IS_QUERY (self));
  g_return_if_fail (column != NULL);

  key = referenced_key (referenced_table, "order");
  item = g_strconcat (column, ascending ? ".asc" : ".desc",
                      nulls == SUPA_NULLS_FIRST ? ".nullsfirst" :
                      nulls == SUPA_NULLS_LAST ? ".nullslast" : "",
                      NULL);

  existing = find_param (self, key);
  if (existing != NULL)
    {
      char *joined = g_strconcat (existing->value, ",", item, NULL);
      g_free (existing->value);
      existing->value = joined;
    }
  else
    add_param (self, key, g_steal_pointer (&item), FALSE);
}

void
supa_query_limit (SupaQuery  *self,
                  gint64      count,
                  const char *referenced_table)
{
  g_autofree char *key = NULL;

  g_return_if_fail (SUPA_IS_QUERY (self));
  g_return_if_fail (count >= 0);

  key = referenced_key (referenced_table, "limit");
  set_param (self, key, g_strdup_printf ("%" G_GINT64_FORMAT, count));
}

void
supa_query_range (SupaQuery  *self,
                  gint64      from,
                  gint64      to,
                  const char *referenced_table)
{
  g_autofree char *offset_key = NULL;
  g_autofree char *limit_key = NULL;

  g_return_if_fail (SUPA_IS_QUERY (self));
  g_return_if_fail (from >= 0 && to >= from - 1);

  offset_key = referenced_key (referenced_table, "offset");
  limit_key = referenced_key (referenced_table, "limit");
  set_param (self, offset_key, g_strdup_printf ("%" G_GINT64_FORMAT, from));
  set_param (self, limit_key, g_strdup_printf ("%" G_GINT64_FORMAT, to - from + 1));
}

void
supa_query_single (SupaQuery *self)
{
  g_return_if_fail (SUPA_IS_QUERY (self));
  self->single = TRUE;
  self->maybe_single = FALSE;
}

void
supa_query_maybe_single (SupaQuery *self)
{
  g_return_if_fail (SUPA_IS_QUERY (self));
  self->maybe_single = TRUE;
  self->single = FALSE;
}

void
supa_query_csv (SupaQuery *self)
{
  g_return_if_fail (SUPA_IS_QUERY (self));
  self->csv = TRUE;
}

void
supa_query_explain (SupaQuery        *self,
                    SupaExplainFlags  flags)
{
  g_return_if_fail (SUPA_IS_QUERY (self));
  self->explain = TRUE;
  self->explain_flags = flags;
}

/* --- rendering ---------------------------------------------------------- */

static const char *
query_method (SupaQuery *self)
{
  switch (self->kind)
    {
    case SUPA_QUERY_INSERT:
    case SUPA_QUERY_UPSERT:
      return "POST";
    case SUPA_QUERY_UPDATE:
      return "PATCH";
    case SUPA_QUERY_DELETE:
      return "DELETE";
    case SUPA_QUERY_RPC:
      return self->rpc_method == SUPA_RPC_GET ? "GET" :
             self->rpc_method == SUPA_RPC_HEAD ? "HEAD" : "POST";
    case SUPA_QUERY_SELECT:
    default:
      return self->head ? "HEAD" : "GET";
    }
}

static gboolean
rpc_args_need_body (JsonObject *args)
{
  g_autoptr(GList) members = json_object_get_members (args);

  for (GList *l = members; l != NULL; l = l->next)
    {
      JsonNode *node = json_object_get_member (args, l->data);

      if (JSON_NODE_HOLDS_OBJECT (node))
        return TRUE;
      if (JSON_NODE_HOLDS_ARRAY (node))
        {
          JsonArray *array = json_node_get_array (node);

          for (guint i = 0; i < json_array_get_length (array); i++)
            if (JSON_NODE_HOLDS_OBJECT (json_array_get_element (array, i)) ||
                JSON_NODE_HOLDS_ARRAY (json_array_get_element (array, i)))
              return TRUE;
        }
    }

  return FALSE;
}

static void
append_pair (GString    *out,
             const char *key,
             const char *value)
{
  g_autofree char *k = supa_form_encode (key);
  g_autofree char *v = supa_form_encode (value);

  if (out->len > 0)
    g_string_append_c (out, '&');
  g_string_append (out, k);
  g_string_append_c (out, '=');
  g_string_append (out, v);
}

/* Union of the keys of every object, in first-seen order, each quoted. */
static char *
insert_columns (JsonArray *rows)
{
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  GString *out = g_string_new (NULL);

  for (guint i = 0; i < json_array_get_length (rows); i++)
    {
      JsonNode *row = json_array_get_element (rows, i);
      g_autoptr(GList) members = NULL;

      if (!JSON_NODE_HOLDS_OBJECT (row))
        continue;

      members = json_object_get_members (json_node_get_object (row));
      for (GList *l = members; l != NULL; l = l->next)
        {
          if (!g_hash_table_add (seen, l->data))
            continue;
          if (out->len > 0)
            g_string_append_c (out, ',');
          g_string_append_printf (out, "\"%s\"", (const char *) l->data);
        }
    }

  return g_string_free (out, FALSE);
}

static void
append_pref (GString    *prefer,
             const char *pref)
{
  if (prefer->len > 0)
    g_string_append (prefer, ", ");
  g_string_append (prefer, pref);
}

gboolean
supa_query_to_request (SupaQuery           *self,
                       char               **method,
                       char               **path,
                       char               **query_string,
                       SoupMessageHeaders **headers,
                       GBytes             **body,
                       GError             **error)
{
  g_autoptr(GString) qs = g_string_new (NULL);
  g_autoptr(GString) prefer = g_string_new (NULL);
  g_autoptr(SoupMessageHeaders) h = NULL;
  g_autofree char *body_text = NULL;
  g_autofree char *accept = NULL;
  const char *verb;
  const char *count;
  gboolean restricted = FALSE;
  gboolean read_only;

  g_return_val_if_fail (SUPA_IS_QUERY (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  for (guint i = 0; i < self->params->len; i++)
    restricted |= ((Param *) g_ptr_array_index (self->params, i))->restricts;

  if (self->kind == SUPA_QUERY_UPDATE && !restricted)
    {
      g_set_error_literal (error, SUPA_ERROR, SUPA_ERROR_INVALID_INPUT,
                           _("Refusing to update every row: add a filter"));
      return FALSE;
    }
  if (self->kind == SUPA_QUERY_DELETE && !restricted)
    {
      g_set_error_literal (error, SUPA_ERROR, SUPA_ERROR_INVALID_INPUT,
                           _("Refusing to delete every row: add a filter"));
      return FALSE;
    }

  verb = query_method (self);
  count = count_name (self->count);

  /* postgrest-js falls back to POST for a HEAD rpc whose arguments cannot
   * travel in a query string. */
  if (self->kind == SUPA_QUERY_RPC && self->rpc_method != SUPA_RPC_POST &&
      rpc_args_need_body (json_node_get_object (self->body)))
    verb = "POST";

  read_only = g_str_equal (verb, "GET") || g_str_equal (verb, "HEAD");

  /* Operation parameters come first, then filters and modifiers in the
   * order they were added. */
  if (self->kind == SUPA_QUERY_RPC && read_only)
    {
      JsonObject *args = json_node_get_object (self->body);
      g_autoptr(GList) members = json_object_get_members (args);

      for (GList *l = members; l != NULL; l = l->next)
        {
          JsonNode *node = json_object_get_member (args, l->data);
          g_autofree char *text = NULL;

          if (JSON_NODE_HOLDS_NULL (node))
            continue;
          if (JSON_NODE_HOLDS_ARRAY (node))
            text = json_array_to_pg_array (json_node_get_array (node));
          else
            text = scalar_to_text (node);
          append_pair (qs, l->data, text);
        }
    }

  if (self->kind == SUPA_QUERY_UPSERT && self->on_conflict != NULL)
    append_pair (qs, "on_conflict", self->on_conflict);

  if ((self->kind == SUPA_QUERY_INSERT || self->kind == SUPA_QUERY_UPSERT) &&
      JSON_NODE_HOLDS_ARRAY (self->body))
    {
      g_autofree char *columns = insert_columns (json_node_get_array (self->body));

      if (*columns != '\0')
        append_pair (qs, "columns", columns);
    }

  if (self->select != NULL &&
      (self->kind == SUPA_QUERY_SELECT || self->returning))
    append_pair (qs, "select", self->select);

  for (guint i = 0; i < self->params->len; i++)
    {
      Param *param = g_ptr_array_index (self->params, i);
      append_pair (qs, param->key, param->value);
    }

  /* Prefer, in postgrest-js's order. */
  if (self->kind == SUPA_QUERY_UPSERT)
    append_pref (prefer, self->ignore_duplicates ? "resolution=ignore-duplicates"
                                                 : "resolution=merge-duplicates");
  if (count != NULL)
    {
      g_autofree char *pref = g_strconcat ("count=", count, NULL);
      append_pref (prefer, pref);
    }
  if ((self->kind == SUPA_QUERY_INSERT || self->kind == SUPA_QUERY_UPSERT) &&
      !self->default_to_null)
    append_pref (prefer, "missing=default");
  if (self->returning &&
      (self->kind == SUPA_QUERY_INSERT || self->kind == SUPA_QUERY_UPSERT ||
       self->kind == SUPA_QUERY_UPDATE || self->kind == SUPA_QUERY_DELETE))
    append_pref (prefer, "return=representation");
  if (self->kind == SUPA_QUERY_RPC && self->rpc_method == SUPA_RPC_HEAD &&
      g_str_equal (verb, "POST"))
    append_pref (prefer, "return=minimal");

  /* Accept. */
  if (self->single)
    accept = g_strdup ("application/vnd.pgrst.object+json");
  else if (self->maybe_single && !read_only)
    accept = g_strdup ("application/vnd.pgrst.object+json");
  else if (self->csv)
    accept = g_strdup ("text/csv");

  if (self->explain)
    {
      g_autoptr(GString) options = g_string_new (NULL);
      static const struct { SupaExplainFlags flag; const char *name; } names[] = {
        { SUPA_EXPLAIN_ANALYZE, "analyze" },
        { SUPA_EXPLAIN_VERBOSE, "verbose" },
        { SUPA_EXPLAIN_SETTINGS, "settings" },
        { SUPA_EXPLAIN_BUFFERS, "buffers" },
        { SUPA_EXPLAIN_WAL, "wal" },
      };
      char *plan;

      for (guint i = 0; i < G_N_ELEMENTS (names); i++)
        {
          if ((self->explain_flags & names[i].flag) == 0)
            continue;
          if (options->len > 0)
            g_string_append_c (options, '|');
          g_string_append (options, names[i].name);
        }

      plan = g_strdup_printf ("application/vnd.pgrst.plan+%s; for=\"%s\"; options=%s;",
                              (self->explain_flags & SUPA_EXPLAIN_JSON) ? "json" : "text",
                              accept ? accept : "application/json",
                              options->str);
      g_free (accept);
      accept = plan;
    }

  h = soup_message_headers_new (SOUP_MESSAGE_HEADERS_REQUEST);
  if (prefer->len > 0)
    soup_message_headers_replace (h, "Prefer", prefer->str);
  if (accept != NULL)
    soup_message_headers_replace (h, "Accept", accept);
  soup_message_headers_replace (h, read_only ? "Accept-Profile" : "Content-Profile", self->schema);

  if (!read_only && self->body != NULL)
    {
      body_text = json_to_string (self->body, FALSE);
      soup_message_headers_replace (h, "Content-Type", "application/json");
    }

  if (method != NULL)
    *method = g_strdup (verb);
  if (path != NULL)
    {
      g_autofree char *escaped = g_uri_escape_string (self->relation, "/", TRUE);
      *path = g_strconcat ("rest/v1/", escaped, NULL);
    }
  if (query_string != NULL)
    *query_string = g_strdup (qs->str);
  if (headers != NULL)
    *headers = g_steal_pointer (&h);
  if (body != NULL)
    {
      gsize len = body_text ? strlen (body_text) : 0;

      *body = body_text ? g_bytes_new_take (g_steal_pointer (&body_text), len) : NULL;
    }

  return TRUE;
}
