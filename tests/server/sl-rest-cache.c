/* sl-rest-cache.c — PostgREST's schema cache, read from the catalogs.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Three catalog queries (relations with columns, foreign keys, functions)
 * each return one JSON document; the result is immutable and shared by
 * reference between request threads.
 */

#define G_LOG_DOMAIN "sl-rest"

#include "sl-rest-private.h"

#include <string.h>

/* db-schemas from the command line (PGRST_DB_SCHEMAS); NULL = default. */
G_LOCK_DEFINE_STATIC (db_schemas);
static char **db_schemas_config;

#define DEFAULT_DB_SCHEMAS "public, graphql_public"
/* PostgREST's in-database configuration (db-config): the authenticator
 * role's settings, those for this database before those for all. */
static const char db_config_sql[] =
  "SELECT substr(c, strpos(c, '=') + 1)"
  "  FROM pg_db_role_setting d, unnest(d.setconfig) c"
  " WHERE d.setrole = (SELECT oid FROM pg_roles WHERE rolname = 'authenticator')"
  "   AND d.setdatabase IN (0, (SELECT oid FROM pg_database WHERE datname = current_database()))"
  "   AND substr(c, 1, strpos(c, '=') - 1) = 'pgrst.db_schemas'"
  " ORDER BY d.setdatabase = 0 LIMIT 1";

static const char tables_sql[] =
  "SELECT coalesce(json_agg(t ORDER BY t.schema, t.name), '[]')::text FROM ("
  " SELECT n.nspname AS schema, c.relname AS name, c.relkind::text AS kind,"
  "  obj_description(c.oid, 'pg_class') AS comment,"
  "  (c.relkind IN ('r','p') OR (pg_relation_is_updatable(c.oid, true) & 8) = 8) AS insertable,"
  "  (c.relkind IN ('r','p') OR (pg_relation_is_updatable(c.oid, true) & 4) = 4) AS updatable,"
  "  (c.relkind IN ('r','p') OR (pg_relation_is_updatable(c.oid, true) & 16) = 16) AS deletable,"
  "  coalesce((SELECT json_agg(a.attname ORDER BY k.ord) FROM pg_constraint pk,"
  "      unnest(pk.conkey) WITH ORDINALITY k(attnum, ord)"
  "      JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = k.attnum"
  "     WHERE pk.conrelid = c.oid AND pk.contype = 'p'), '[]') AS pk,"
  "  coalesce((SELECT json_agg(json_build_object("
  "      'name', a.attname, 'attnum', a.attnum,"
  "      'type', format_type(a.atttypid, a.atttypmod),"
  "      'base_type', format_type(bt.oid, NULL),"
  "      'typtype', bt.typtype::text, 'typcategory', bt.typcategory::text,"
  "      'elem_type', CASE WHEN et.oid IS NOT NULL THEN format_type(et.oid, NULL) END,"
  "      'elem_category', et.typcategory::text,"
  "      'nullable', NOT a.attnotnull,"
  "      'default', pg_get_expr(d.adbin, d.adrelid),"
  "      'comment', col_description(c.oid, a.attnum),"
  "      'max_length', CASE WHEN bt.oid IN (1042, 1043) AND coalesce(nullif(t.typtypmod, -1), a.atttypmod) > 4"
  "                    THEN coalesce(nullif(t.typtypmod, -1), a.atttypmod) - 4 END,"
  "      'enum', (SELECT json_agg(e.enumlabel ORDER BY e.enumsortorder) FROM pg_enum e WHERE e.enumtypid = bt.oid)"
  "     ) ORDER BY a.attnum)"
  "    FROM pg_attribute a"
  "    JOIN pg_type t ON t.oid = a.atttypid"
  "    JOIN pg_type bt ON bt.oid = CASE WHEN t.typtype = 'd' THEN t.typbasetype ELSE t.oid END"
  "    LEFT JOIN pg_type et ON et.oid = bt.typelem AND bt.typcategory = 'A'"
  "    LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum"
  "   WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped), '[]') AS columns"
  " FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
  " WHERE n.nspname = ANY ($1::text[]) AND c.relkind IN ('r','v','m','f','p')"
  ") t";

static const char fks_sql[] =
  "SELECT coalesce(json_agg(f), '[]')::text FROM ("
  " SELECT con.conname AS name, n1.nspname AS schema, c1.relname AS table,"
  "  (SELECT json_agg(a.attname ORDER BY k.ord) FROM unnest(con.conkey) WITH ORDINALITY k(attnum, ord)"
  "    JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.attnum) AS cols,"
  "  n2.nspname AS f_schema, c2.relname AS f_table,"
  "  (SELECT json_agg(a.attname ORDER BY k.ord) FROM unnest(con.confkey) WITH ORDINALITY k(attnum, ord)"
  "    JOIN pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.attnum) AS f_cols,"
  "  EXISTS (SELECT 1 FROM pg_constraint u WHERE u.conrelid = con.conrelid AND u.contype IN ('p','u')"
  "          AND u.conkey::int2[] @> con.conkey AND u.conkey::int2[] <@ con.conkey) AS one_to_one"
  " FROM pg_constraint con"
  " JOIN pg_class c1 ON c1.oid = con.conrelid JOIN pg_namespace n1 ON n1.oid = c1.relnamespace"
  " JOIN pg_class c2 ON c2.oid = con.confrelid JOIN pg_namespace n2 ON n2.oid = c2.relnamespace"
  " WHERE con.contype = 'f' AND (n1.nspname = ANY ($1::text[]) OR n2.nspname = ANY ($1::text[]))"
  " ORDER BY con.conname"
  ") f";

static const char funcs_sql[] =
  "SELECT coalesce(json_agg(f ORDER BY f.schema, f.name), '[]')::text FROM ("
  " SELECT n.nspname AS schema, p.proname AS name, obj_description(p.oid, 'pg_proc') AS comment,"
  "  p.provolatile::text AS volatility, p.proretset AS ret_set,"
  "  format_type(p.prorettype, NULL) AS ret_type, rt.typtype::text AS ret_typtype,"
  "  rn.nspname AS ret_rel_schema, rc.relname AS ret_rel,"
  "  (p.prorettype = 'void'::regtype) AS ret_void,"
  "  (p.prorettype = 'record'::regtype) AS ret_record,"
  "  coalesce((SELECT json_agg(json_build_object("
  "      'name', coalesce(p.proargnames[a.ord], ''),"
  "      'type', format_type(a.typ, NULL),"
  "      'mode', coalesce(p.proargmodes[a.ord], 'i')::text,"
  "      'ord', a.ord) ORDER BY a.ord)"
  "    FROM unnest(coalesce(p.proallargtypes, p.proargtypes::oid[])) WITH ORDINALITY a(typ, ord)), '[]') AS args,"
  "  p.pronargdefaults AS n_defaults"
  " FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace"
  " JOIN pg_type rt ON rt.oid = p.prorettype"
  " LEFT JOIN pg_class rc ON rc.oid = rt.typrelid AND rt.typrelid <> 0"
  " LEFT JOIN pg_namespace rn ON rn.oid = rc.relnamespace"
  " WHERE n.nspname = ANY ($1::text[]) AND p.prokind = 'f'"
  "  AND NOT (p.prorettype = ANY ('{trigger,event_trigger}'::regtype[]))"
  ") f";

static const char schemas_sql[] =
  "SELECT coalesce(json_object_agg(n.nspname, obj_description(n.oid, 'pg_namespace')), '{}')::text"
  " FROM pg_namespace n WHERE n.nspname = ANY ($1::text[])";

/* ------------------------------------------------------------- frees */

static void
column_free (gpointer data)
{
  SlrColumn *c = data;

  g_free (c->name);
  g_free (c->type);
  g_free (c->base_type);
  g_free (c->elem_type);
  g_free (c->default_expr);
  g_free (c->comment);
  g_clear_pointer (&c->enum_values, g_ptr_array_unref);
  g_free (c);
}

static void
table_free (gpointer data)
{
  SlrTable *t = data;

  g_free (t->schema);
  g_free (t->name);
  g_free (t->comment);
  g_ptr_array_unref (t->columns);
  g_ptr_array_unref (t->pk);
  g_free (t);
}

static void
fk_free (gpointer data)
{
  SlrFk *f = data;

  g_free (f->name);
  g_free (f->schema);
  g_free (f->table);
  g_ptr_array_unref (f->cols);
  g_free (f->f_schema);
  g_free (f->f_table);
  g_ptr_array_unref (f->f_cols);
  g_free (f);
}

static void
arg_free (gpointer data)
{
  SlrArg *a = data;

  g_free (a->name);
  g_free (a->type);
  g_free (a);
}

static void
func_free (gpointer data)
{
  SlrFunc *f = data;

  g_free (f->schema);
  g_free (f->name);
  g_free (f->comment);
  g_ptr_array_unref (f->args);
  g_free (f->ret_type);
  g_free (f->ret_rel_schema);
  g_free (f->ret_rel);
  g_free (f);
}

SlrCache *
slr_cache_ref (SlrCache *cache)
{
  g_atomic_int_inc (&cache->ref_count);
  return cache;
}

void
slr_cache_unref (SlrCache *cache)
{
  if (cache == NULL || !g_atomic_int_dec_and_test (&cache->ref_count))
    return;
  g_hash_table_unref (cache->tables);
  g_ptr_array_unref (cache->table_list);
  g_ptr_array_unref (cache->fks);
  g_hash_table_unref (cache->funcs);
  g_ptr_array_unref (cache->func_list);
  g_hash_table_unref (cache->schema_comments);
  g_free (cache->pg_version);
  g_strfreev (cache->schemas);
  g_free (cache->schemas_text);
  g_free (cache);
}

/* ------------------------------------------------------------- load */

static char *
dup_member (JsonObject *o,
            const char *name)
{
  JsonNode *n = json_object_get_member (o, name);

  if (n == NULL || JSON_NODE_HOLDS_NULL (n))
    return NULL;
  return g_strdup (json_node_get_string (n));
}

static char
char_member (JsonObject *o,
             const char *name)
{
  g_autofree char *s = dup_member (o, name);

  return s != NULL && *s ? s[0] : '\0';
}

static gboolean
bool_member (JsonObject *o,
             const char *name)
{
  JsonNode *n = json_object_get_member (o, name);

  return n != NULL && !JSON_NODE_HOLDS_NULL (n) && json_node_get_boolean (n);
}

static GPtrArray *
strv_member (JsonObject *o,
             const char *name)
{
  GPtrArray *out = g_ptr_array_new_with_free_func (g_free);
  JsonNode *n = json_object_get_member (o, name);
  guint i;

  if (n != NULL && JSON_NODE_HOLDS_ARRAY (n))
    {
      JsonArray *a = json_node_get_array (n);
      for (i = 0; i < json_array_get_length (a); i++)
        g_ptr_array_add (out, g_strdup (json_array_get_string_element (a, i)));
    }
  return out;
}

char **
slr_parse_db_schemas (const char *list)
{
  g_auto(GStrv) parts = NULL;
  GPtrArray *out;

  if (list == NULL)
    return NULL;
  out = g_ptr_array_new ();
  parts = g_strsplit (list, ",", -1);
  for (guint i = 0; parts[i] != NULL; i++)
    {
      char *name = g_strstrip (parts[i]);
      gsize len = strlen (name);
      gboolean seen = FALSE;

      if (len >= 2 && name[0] == '"' && name[len - 1] == '"')
        {
          name[len - 1] = '\0';
          name++;
        }
      if (*name == '\0')
        continue;
      for (guint j = 0; j < out->len && !seen; j++)
        seen = g_str_equal (g_ptr_array_index (out, j), name);
      if (!seen)
        g_ptr_array_add (out, g_strdup (name));
    }
  if (out->len == 0)
    {
      g_ptr_array_unref (out);
      return NULL;
    }
  g_ptr_array_add (out, NULL);
  return (char **) g_ptr_array_free (out, FALSE);
}

gboolean
slr_set_db_schemas (const char *list)
{
  char **parsed = slr_parse_db_schemas (list != NULL ? list : DEFAULT_DB_SCHEMAS);

  if (parsed == NULL)
    return FALSE;
  G_LOCK (db_schemas);
  g_strfreev (db_schemas_config);
  db_schemas_config = parsed;
  G_UNLOCK (db_schemas);
  return TRUE;
}

/* The exposed schemas: the in-database setting if any, else the
 * configured list, else the default. */
static char **
load_db_schemas (PGconn *conn)
{
  g_autoptr(GError) error = NULL;
  PGresult *res = sl_db_exec (conn, &error, db_config_sql, 0, NULL);
  char **schemas = NULL;

  if (res == NULL)
    g_warning ("cannot read pgrst.db_schemas: %s", error->message);
  else
    {
      if (PQntuples (res) > 0)
        {
          schemas = slr_parse_db_schemas (PQgetvalue (res, 0, 0));
          if (schemas == NULL)
            g_warning ("pgrst.db_schemas names no schema; using the configured ones");
        }
      PQclear (res);
    }
  if (schemas == NULL)
    {
      G_LOCK (db_schemas);
      schemas = g_strdupv (db_schemas_config);
      G_UNLOCK (db_schemas);
    }
  if (schemas == NULL)
    schemas = slr_parse_db_schemas (DEFAULT_DB_SCHEMAS);
  return schemas;
}

/* A text[] literal: {"a","b"} with " and \ escaped. */
static char *
array_literal (char **items)
{
  GString *s = g_string_new ("{");

  for (guint i = 0; items[i] != NULL; i++)
    {
      if (i > 0)
        g_string_append_c (s, ',');
      g_string_append_c (s, '"');
      for (const char *p = items[i]; *p; p++)
        {
          if (*p == '"' || *p == '\\')
            g_string_append_c (s, '\\');
          g_string_append_c (s, *p);
        }
      g_string_append_c (s, '"');
    }
  g_string_append_c (s, '}');
  return g_string_free (s, FALSE);
}

static JsonNode *
query_json (PGconn     *conn,
            const char *sql,
            const char *schemas_param,
            GError    **error)
{
  const char *params[1] = { schemas_param };
  PGresult *res = sl_db_exec (conn, error, sql, 1, params);
  JsonNode *node;

  if (res == NULL)
    return NULL;
  node = json_from_string (PQgetvalue (res, 0, 0), error);
  PQclear (res);
  return node;
}

static char *
qualified (const char *schema,
           const char *name)
{
  return g_strconcat (schema, ".", name, NULL);
}

SlrCache *
slr_cache_load (PGconn  *conn,
                GError **error)
{
  g_autoptr(JsonNode) tables = NULL;
  g_autoptr(JsonNode) fks = NULL;
  g_autoptr(JsonNode) funcs = NULL;
  g_autoptr(JsonNode) schemas = NULL;
  g_auto(GStrv) exposed = load_db_schemas (conn);
  g_autofree char *param = array_literal (exposed);
  SlrCache *cache;
  JsonArray *arr;
  guint i, j;

  if ((tables = query_json (conn, tables_sql, param, error)) == NULL ||
      (fks = query_json (conn, fks_sql, param, error)) == NULL ||
      (funcs = query_json (conn, funcs_sql, param, error)) == NULL ||
      (schemas = query_json (conn, schemas_sql, param, error)) == NULL)
    return NULL;

  cache = g_new0 (SlrCache, 1);
  cache->ref_count = 1;
  cache->schemas_text = g_strjoinv (", ", exposed);
  cache->schemas = g_steal_pointer (&exposed);
  cache->tables = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  cache->table_list = g_ptr_array_new_with_free_func (table_free);
  cache->fks = g_ptr_array_new_with_free_func (fk_free);
  cache->funcs = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                        (GDestroyNotify) g_ptr_array_unref);
  cache->func_list = g_ptr_array_new_with_free_func (func_free);
  cache->schema_comments = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  cache->pg_version = g_strdup_printf ("%d", PQserverVersion (conn));

  arr = json_node_get_array (tables);
  for (i = 0; i < json_array_get_length (arr); i++)
    {
      JsonObject *o = json_array_get_object_element (arr, i);
      JsonArray *cols = json_object_get_array_member (o, "columns");
      SlrTable *t = g_new0 (SlrTable, 1);

      t->schema = dup_member (o, "schema");
      t->name = dup_member (o, "name");
      t->kind = char_member (o, "kind");
      t->comment = dup_member (o, "comment");
      t->insertable = bool_member (o, "insertable");
      t->updatable = bool_member (o, "updatable");
      t->deletable = bool_member (o, "deletable");
      t->pk = strv_member (o, "pk");
      t->columns = g_ptr_array_new_with_free_func (column_free);
      for (j = 0; j < json_array_get_length (cols); j++)
        {
          JsonObject *co = json_array_get_object_element (cols, j);
          SlrColumn *c = g_new0 (SlrColumn, 1);
          JsonNode *ml = json_object_get_member (co, "max_length");
          JsonNode *en = json_object_get_member (co, "enum");

          c->name = dup_member (co, "name");
          c->attnum = json_object_get_int_member (co, "attnum");
          c->type = dup_member (co, "type");
          c->base_type = dup_member (co, "base_type");
          c->typtype = char_member (co, "typtype");
          c->typcategory = char_member (co, "typcategory");
          c->elem_type = dup_member (co, "elem_type");
          c->elem_category = char_member (co, "elem_category");
          c->nullable = bool_member (co, "nullable");
          c->default_expr = dup_member (co, "default");
          c->comment = dup_member (co, "comment");
          c->max_length = (ml != NULL && !JSON_NODE_HOLDS_NULL (ml)) ? (int) json_node_get_int (ml) : -1;
          if (en != NULL && JSON_NODE_HOLDS_ARRAY (en))
            c->enum_values = strv_member (co, "enum");
          g_ptr_array_add (t->columns, c);
        }
      g_ptr_array_add (cache->table_list, t);
      g_hash_table_insert (cache->tables, qualified (t->schema, t->name), t);
    }

  arr = json_node_get_array (fks);
  for (i = 0; i < json_array_get_length (arr); i++)
    {
      JsonObject *o = json_array_get_object_element (arr, i);
      SlrFk *f = g_new0 (SlrFk, 1);

      f->name = dup_member (o, "name");
      f->schema = dup_member (o, "schema");
      f->table = dup_member (o, "table");
      f->cols = strv_member (o, "cols");
      f->f_schema = dup_member (o, "f_schema");
      f->f_table = dup_member (o, "f_table");
      f->f_cols = strv_member (o, "f_cols");
      f->one_to_one = bool_member (o, "one_to_one");
      g_ptr_array_add (cache->fks, f);
    }

  arr = json_node_get_array (funcs);
  for (i = 0; i < json_array_get_length (arr); i++)
    {
      JsonObject *o = json_array_get_object_element (arr, i);
      JsonArray *args = json_object_get_array_member (o, "args");
      SlrFunc *f = g_new0 (SlrFunc, 1);
      g_autofree char *key = NULL;
      GPtrArray *overloads;
      gint64 n_defaults = json_object_get_int_member (o, "n_defaults");
      gint64 n_in = 0, seen_in = 0;

      f->schema = dup_member (o, "schema");
      f->name = dup_member (o, "name");
      f->comment = dup_member (o, "comment");
      f->volatility = char_member (o, "volatility");
      f->ret_set = bool_member (o, "ret_set");
      f->ret_type = dup_member (o, "ret_type");
      f->ret_typtype = char_member (o, "ret_typtype");
      f->ret_rel_schema = dup_member (o, "ret_rel_schema");
      f->ret_rel = dup_member (o, "ret_rel");
      f->ret_void = bool_member (o, "ret_void");
      f->ret_record = bool_member (o, "ret_record");
      f->args = g_ptr_array_new_with_free_func (arg_free);
      for (j = 0; j < json_array_get_length (args); j++)
        {
          JsonObject *ao = json_array_get_object_element (args, j);
          char mode = char_member (ao, "mode");
          if (mode == 'i' || mode == 'b' || mode == 'v')
            n_in++;
        }
      for (j = 0; j < json_array_get_length (args); j++)
        {
          JsonObject *ao = json_array_get_object_element (args, j);
          SlrArg *a = g_new0 (SlrArg, 1);

          a->name = dup_member (ao, "name");
          a->type = dup_member (ao, "type");
          a->mode = char_member (ao, "mode");
          if (a->mode == 'i' || a->mode == 'b' || a->mode == 'v')
            {
              a->has_default = seen_in >= n_in - n_defaults;
              seen_in++;
            }
          g_ptr_array_add (f->args, a);
        }
      /* OUT/TABLE params make the result a record even when not declared so */
      for (j = 0; j < f->args->len; j++)
        {
          SlrArg *a = g_ptr_array_index (f->args, j);
          if (a->mode == 'o' || a->mode == 't' || a->mode == 'b')
            f->ret_record = TRUE;
        }
      g_ptr_array_add (cache->func_list, f);
      key = qualified (f->schema, f->name);
      overloads = g_hash_table_lookup (cache->funcs, key);
      if (overloads == NULL)
        {
          overloads = g_ptr_array_new ();
          g_hash_table_insert (cache->funcs, g_steal_pointer (&key), overloads);
        }
      g_ptr_array_add (overloads, f);
    }

  {
    JsonObject *o = json_node_get_object (schemas);
    g_autoptr(GList) members = json_object_get_members (o);
    GList *l;

    for (l = members; l != NULL; l = l->next)
      {
        char *comment = dup_member (o, l->data);
        if (comment != NULL)
          g_hash_table_insert (cache->schema_comments, g_strdup (l->data), comment);
      }
  }

  return cache;
}

/* ------------------------------------------------------------ lookup */

SlrTable *
slr_cache_table (SlrCache   *cache,
                 const char *schema,
                 const char *name)
{
  g_autofree char *key = qualified (schema, name);

  return g_hash_table_lookup (cache->tables, key);
}

SlrColumn *
slr_table_column (SlrTable   *table,
                  const char *name)
{
  guint i;

  for (i = 0; i < table->columns->len; i++)
    {
      SlrColumn *c = g_ptr_array_index (table->columns, i);
      if (g_str_equal (c->name, name))
        return c;
    }
  return NULL;
}

GPtrArray *
slr_cache_funcs (SlrCache   *cache,
                 const char *schema,
                 const char *name)
{
  g_autofree char *key = qualified (schema, name);

  return g_hash_table_lookup (cache->funcs, key);
}

/* Levenshtein-based ratio in [0, 1]. */
double
slr_similarity (const char *a,
                const char *b)
{
  gsize la = strlen (a), lb = strlen (b), i, j;
  g_autofree gsize *prev = NULL;
  g_autofree gsize *cur = NULL;
  gsize dist, longest = MAX (la, lb);

  if (longest == 0)
    return 1.0;
  prev = g_new (gsize, lb + 1);
  cur = g_new (gsize, lb + 1);
  for (j = 0; j <= lb; j++)
    prev[j] = j;
  for (i = 1; i <= la; i++)
    {
      cur[0] = i;
      for (j = 1; j <= lb; j++)
        {
          gsize cost = g_ascii_tolower (a[i - 1]) == g_ascii_tolower (b[j - 1]) ? 0 : 1;
          cur[j] = MIN (MIN (prev[j] + 1, cur[j - 1] + 1), prev[j - 1] + cost);
        }
      memcpy (prev, cur, (lb + 1) * sizeof (gsize));
    }
  dist = prev[lb];
  return 1.0 - (double) dist / (double) longest;
}

const char *
slr_cache_suggest_table (SlrCache   *cache,
                         const char *schema,
                         const char *name)
{
  const char *best = NULL;
  double best_score = 0.0;
  guint i;

  for (i = 0; i < cache->table_list->len; i++)
    {
      SlrTable *t = g_ptr_array_index (cache->table_list, i);
      double score;

      if (!g_str_equal (t->schema, schema))
        continue;
      score = slr_similarity (t->name, name);
      if (score > best_score)
        {
          best_score = score;
          best = t->name;
        }
    }
  /* PostgREST uses a fuzzy set with a 0.75 minimum; a Levenshtein ratio
   * is a touch stricter on short names, so accept 0.6 as well when only a
   * character or two differ. */
  if (best != NULL && (best_score >= 0.75 ||
                       (best_score >= 0.6 && ABS ((int) strlen (best) - (int) strlen (name)) <= 2)))
    return best;
  return NULL;
}
