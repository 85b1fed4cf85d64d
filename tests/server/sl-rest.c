/* sl-rest.c — PostgREST under /rest/v1 (PROTOCOL.md §2).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Each request is parsed into a tree of nodes (one per embedded
 * relation), turned into one SQL statement whose values are all bound
 * parameters (identifiers quoted, values never spliced) and run in a
 * transaction as the JWT's role, so grants, RLS and constraints are
 * PostgreSQL's own. The JSON body is built by PostgreSQL (json_agg,
 * row_to_json) so every type serialises as PostgREST's would.
 */

#define G_LOG_DOMAIN "sl-rest"

#include "sl-rest-private.h"

#include <errno.h>
#include <poll.h>
#include <string.h>

/* Supabase's default db-max-rows. */
#define SLR_MAX_ROWS 1000

typedef struct
{
  SlServer *server;
  GMutex    lock;
  SlrCache *cache;
  GThread  *listener;
  gint      stopping;
  PGconn   *listen_conn;
} SlrState;

/* ======================================================= small helpers */

static char *
qi (const char *name)
{
  return slr_quote_ident (name);
}

static char *
qualified_name (const char *schema,
                const char *name)
{
  g_autofree char *s = qi (schema);
  g_autofree char *n = qi (name);

  return g_strdup_printf ("%s.%s", s, n);
}

static void
error_set (SlrError  **error,
           guint       status,
           const char *code,
           const char *message,
           const char *details,
           const char *hint)
{
  if (*error == NULL)
    *error = slr_error_new (status, code, message, details, hint);
}

static void
respond_error (SlResponse *resp,
               SlrError   *e,
               gboolean    head)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *text = NULL;
  g_autofree char *proxy = g_strdup_printf ("PostgREST; error=%s", e->code);

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "code");
  json_builder_add_string_value (b, e->code);
  json_builder_set_member_name (b, "details");
  if (e->details != NULL && e->details[0] == '\x01')
    {
      /* raw JSON details (PGRST201 lists candidates) */
      g_autoptr(JsonNode) d = json_from_string (e->details + 1, NULL);
      if (d != NULL)
        json_builder_add_value (b, g_steal_pointer (&d));
      else
        json_builder_add_null_value (b);
    }
  else if (e->details != NULL)
    json_builder_add_string_value (b, e->details);
  else
    json_builder_add_null_value (b);
  json_builder_set_member_name (b, "hint");
  if (e->hint != NULL)
    json_builder_add_string_value (b, e->hint);
  else
    json_builder_add_null_value (b);
  json_builder_set_member_name (b, "message");
  json_builder_add_string_value (b, e->message);
  json_builder_end_object (b);
  root = json_builder_get_root (b);
  text = json_to_string (root, FALSE);

  sl_response_add_header (resp, "Proxy-Status", proxy);
  if (head)
    {
      resp->status = e->status;
      g_free (resp->content_type);
      resp->content_type = g_strdup ("application/json; charset=utf-8");
      g_clear_pointer (&resp->body, g_bytes_unref);
    }
  else
    sl_response_set_text (resp, e->status, "application/json; charset=utf-8", text);
}

/* SQLSTATE → HTTP status (PROTOCOL.md §1.4.1). */
static guint
pg_status (const char *state,
           const char *message,
           const char *role)
{
  if (state == NULL || strlen (state) < 5)
    return 500;
#define PFX(p) (strncmp (state, p, strlen (p)) == 0)
  if (PFX ("08")) return 503;
  if (PFX ("09")) return 500;
  if (PFX ("0L") || PFX ("0P")) return 403;
  if (g_str_equal (state, "23503") || g_str_equal (state, "23505")) return 409;
  if (g_str_equal (state, "25006")) return 405;
  if (g_str_equal (state, "21000"))
    return g_str_has_suffix (message ? message : "", "requires a WHERE clause") ? 400 : 500;
  if (g_str_equal (state, "22023"))
    return (message && g_str_has_prefix (message, "role \"") && g_str_has_suffix (message, "does not exist")) ? 401 : 400;
  if (PFX ("25")) return 500;
  if (PFX ("28")) return 403;
  if (PFX ("2D") || PFX ("38") || PFX ("39") || PFX ("3B") || PFX ("40")) return 500;
  if (g_str_equal (state, "53400")) return 500;
  if (PFX ("53")) return 503;
  if (PFX ("54") || PFX ("55")) return 500;
  if (g_str_equal (state, "57P01")) return 503;
  if (PFX ("57") || PFX ("58") || PFX ("F0") || PFX ("HV")) return 500;
  if (g_str_equal (state, "P0001")) return 400;
  if (PFX ("P0")) return 500;
  if (PFX ("XX")) return 500;
  if (g_str_equal (state, "42883"))
    return (message && strstr (message, "function xmlagg(")) ? 406 : 404;
  if (g_str_equal (state, "42P01")) return 404;
  if (g_str_equal (state, "42P17")) return 500;
  if (g_str_equal (state, "42501"))
    return (role == NULL || g_str_equal (role, "anon")) ? 401 : 403;
  if (PFX ("PT"))
    {
      guint64 st = g_ascii_strtoull (state + 2, NULL, 10);
      return (st >= 100 && st < 600) ? (guint) st : 500;
    }
#undef PFX
  return 400;
}

static SlrError *
error_from_db (const GError *gerr,
               const char   *role)
{
  const char *state = NULL;
  SlrError *e;

  if (gerr->domain == SL_DB_ERROR)
    state = sl_db_error_sqlstate (gerr);
  e = slr_error_new (pg_status (state, gerr->message, role),
                     state ? state : "PGRSTX00", gerr->message,
                     gerr->domain == SL_DB_ERROR ? sl_db_error_detail (gerr) : NULL,
                     gerr->domain == SL_DB_ERROR ? sl_db_error_hint (gerr) : NULL);
  return e;
}

/* ============================================================ SQL text */

typedef struct
{
  GPtrArray *params;     /* char* (NULL = SQL NULL) */
  int        counter;    /* alias counter */
} Q;

static void
q_param (Q          *q,
         GString    *out,
         const char *value)
{
  g_ptr_array_add (q->params, g_strdup (value));
  g_string_append_printf (out, "$%u", q->params->len);
}

/* ============================================================== plan */

typedef struct _Node Node;
struct _Node
{
  SlrTable   *table;       /* NULL: a function's record result */
  char       *from_sql;    /* "schema"."t" or a function call */
  char       *qual;        /* how columns are qualified */
  char       *name;        /* relation name as requested */
  char       *alias;       /* output key */
  SlrFk      *fk;          /* relationship to the parent */
  gboolean    parent_has_fk; /* many-to-one (this node is the referenced side) */
  gboolean    to_one;
  gboolean    inner;
  gboolean    spread;
  GPtrArray  *items;       /* SlrSelect*, borrowed */
  GPtrArray  *children;    /* Node* */
  GPtrArray  *filters;     /* SlrFilter*, borrowed */
  GPtrArray  *logic;       /* SlrLogic*, borrowed */
  GPtrArray  *order;       /* SlrOrder*, borrowed */
  gint64      limit;
  gint64      offset;
  Node       *parent;
};

static void
node_free (gpointer data)
{
  Node *n = data;

  g_free (n->from_sql);
  g_free (n->qual);
  g_free (n->name);
  g_free (n->alias);
  g_clear_pointer (&n->items, g_ptr_array_unref);
  g_ptr_array_unref (n->children);
  g_ptr_array_unref (n->filters);
  g_ptr_array_unref (n->logic);
  g_clear_pointer (&n->order, g_ptr_array_unref);
  g_free (n);
}

static Node *
node_new (void)
{
  Node *n = g_new0 (Node, 1);

  n->children = g_ptr_array_new_with_free_func (node_free);
  n->filters = g_ptr_array_new ();
  n->logic = g_ptr_array_new ();
  n->limit = -1;
  n->offset = -1;
  return n;
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Node, node_free)

static gboolean
strv_has (GPtrArray  *names,
          const char *name)
{
  guint i;

  for (i = 0; i < names->len; i++)
    if (g_str_equal (g_ptr_array_index (names, i), name))
      return TRUE;
  return FALSE;
}

static gboolean
fk_matches_hint (SlrFk      *fk,
                 const char *hint)
{
  return hint == NULL || g_str_equal (fk->name, hint) ||
         strv_has (fk->cols, hint) || strv_has (fk->f_cols, hint);
}

static char *
rel_description (SlrFk   *fk,
                 gboolean parent_has_fk)
{
  GString *s = g_string_new (NULL);
  guint i;

  g_string_append_printf (s, "%s(", fk->name);
  for (i = 0; i < fk->cols->len; i++)
    g_string_append_printf (s, "%s%s", i ? ", " : "", (char *) g_ptr_array_index (fk->cols, i));
  g_string_append (s, ") and ");
  g_string_append_printf (s, "%s(", fk->f_table);
  for (i = 0; i < fk->f_cols->len; i++)
    g_string_append_printf (s, "%s%s", i ? ", " : "", (char *) g_ptr_array_index (fk->f_cols, i));
  g_string_append (s, ")");
  return g_string_free (s, FALSE);
}

/* Finds the relationship from @parent to the relation named @name. */
static gboolean
resolve_rel (SlrCache   *cache,
             SlrTable   *parent,
             const char *name,
             const char *hint,
             SlrFk     **fk_out,
             gboolean   *parent_has_fk_out,
             SlrTable  **target_out,
             SlrError  **error)
{
  g_autoptr(GPtrArray) cands = g_ptr_array_new ();
  g_autoptr(GArray) dirs = g_array_new (FALSE, FALSE, sizeof (gboolean));
  guint i;

  for (i = 0; i < cache->fks->len; i++)
    {
      SlrFk *fk = g_ptr_array_index (cache->fks, i);
      gboolean yes = TRUE, no = FALSE;

      /* many-to-one: the parent holds the FK */
      if (g_str_equal (fk->schema, parent->schema) && g_str_equal (fk->table, parent->name) &&
          (g_str_equal (fk->f_table, name) || g_str_equal (fk->name, name) ||
           (fk->cols->len == 1 && g_str_equal (g_ptr_array_index (fk->cols, 0), name))) &&
          fk_matches_hint (fk, hint))
        {
          g_ptr_array_add (cands, fk);
          g_array_append_val (dirs, yes);
        }
      /* one-to-many: the target holds the FK */
      if (g_str_equal (fk->f_schema, parent->schema) && g_str_equal (fk->f_table, parent->name) &&
          (g_str_equal (fk->table, name) || g_str_equal (fk->name, name)) &&
          fk_matches_hint (fk, hint))
        {
          g_ptr_array_add (cands, fk);
          g_array_append_val (dirs, no);
        }
    }

  if (cands->len == 0)
    {
      g_autofree char *message = g_strdup_printf ("Could not find a relationship between '%s' and '%s' in the schema cache",
                                                  parent->name, name);
      g_autofree char *details = NULL;
      const char *suggest = NULL;
      g_autofree char *hint_text = NULL;
      double best = 0.0;

      if (hint != NULL)
        details = g_strdup_printf ("Searched for a foreign key relationship between '%s' and '%s' using the hint '%s' in the schema '%s', but no matches were found.",
                                   parent->name, name, hint, parent->schema);
      else
        details = g_strdup_printf ("Searched for a foreign key relationship between '%s' and '%s' in the schema '%s', but no matches were found.",
                                   parent->name, name, parent->schema);
      for (i = 0; i < cache->fks->len; i++)
        {
          SlrFk *fk = g_ptr_array_index (cache->fks, i);
          const char *other = NULL;
          double score;

          if (g_str_equal (fk->table, parent->name))
            other = fk->f_table;
          else if (g_str_equal (fk->f_table, parent->name))
            other = fk->table;
          if (other == NULL || g_str_equal (other, name))
            continue;
          score = slr_similarity (other, name);
          if (score > best)
            {
              best = score;
              suggest = other;
            }
        }
      if (suggest != NULL && best >= 0.6)
        hint_text = g_strdup_printf ("Perhaps you meant '%s' instead of '%s'.", suggest, name);
      error_set (error, 400, "PGRST200", message, details, hint_text);
      return FALSE;
    }
  if (cands->len > 1)
    {
      g_autoptr(JsonBuilder) b = json_builder_new ();
      g_autoptr(JsonNode) root = NULL;
      g_autofree char *json = NULL;
      g_autofree char *details = NULL;
      g_autofree char *message = g_strdup_printf ("Could not embed because more than one relationship was found for '%s' and '%s'",
                                                  parent->name, name);
      GString *hint_text = g_string_new ("Try changing '");

      g_string_append_printf (hint_text, "%s' to one of the following: ", name);
      json_builder_begin_array (b);
      for (i = 0; i < cands->len; i++)
        {
          SlrFk *fk = g_ptr_array_index (cands, i);
          gboolean pfk = g_array_index (dirs, gboolean, i);
          g_autofree char *rel = rel_description (fk, pfk);

          json_builder_begin_object (b);
          json_builder_set_member_name (b, "cardinality");
          json_builder_add_string_value (b, pfk ? (fk->one_to_one ? "one-to-one" : "many-to-one") : (fk->one_to_one ? "one-to-one" : "one-to-many"));
          json_builder_set_member_name (b, "embedding");
          {
            g_autofree char *emb = g_strdup_printf ("%s with %s", parent->name, pfk ? fk->f_table : fk->table);
            json_builder_add_string_value (b, emb);
          }
          json_builder_set_member_name (b, "relationship");
          {
            g_autofree char *r = g_strdup_printf ("%s using %s", fk->name, rel);
            json_builder_add_string_value (b, r);
          }
          json_builder_end_object (b);
          g_string_append_printf (hint_text, "%s'%s!%s'", i ? ", " : "", name, fk->name);
        }
      json_builder_end_array (b);
      g_string_append (hint_text, ". Find the desired relationship in the 'details' key.");
      root = json_builder_get_root (b);
      json = json_to_string (root, FALSE);
      details = g_strconcat ("\x01", json, NULL);
      error_set (error, 300, "PGRST201", message, details, hint_text->str);
      g_string_free (hint_text, TRUE);
      return FALSE;
    }

  *fk_out = g_ptr_array_index (cands, 0);
  *parent_has_fk_out = g_array_index (dirs, gboolean, 0);
  {
    SlrFk *fk = *fk_out;
    if (*parent_has_fk_out)
      *target_out = slr_cache_table (cache, fk->f_schema, fk->f_table);
    else
      *target_out = slr_cache_table (cache, fk->schema, fk->table);
  }
  if (*target_out == NULL)
    {
      g_autofree char *message = g_strdup_printf ("Could not find a relationship between '%s' and '%s' in the schema cache",
                                                  parent->name, name);
      error_set (error, 400, "PGRST200", message, NULL, NULL);
      return FALSE;
    }
  return TRUE;
}

/* Builds the node tree below @node from its select items. */
static gboolean
build_children (SlrCache  *cache,
                Node      *node,
                Q         *q,
                SlrError **error)
{
  guint i;

  for (i = 0; i < node->items->len; i++)
    {
      SlrSelect *sel = g_ptr_array_index (node->items, i);
      SlrFk *fk = NULL;
      gboolean pfk = FALSE;
      SlrTable *target = NULL;
      Node *child;

      if (sel->kind == SLR_SEL_COUNT || (sel->kind == SLR_SEL_FIELD && sel->aggregate != NULL))
        {
          error_set (error, 400, "PGRST123", "Use of aggregate functions is not allowed", NULL, NULL);
          return FALSE;
        }
      if (sel->kind != SLR_SEL_REL && sel->kind != SLR_SEL_SPREAD)
        continue;
      if (node->table == NULL)
        {
          g_autofree char *message = g_strdup_printf ("Could not find a relationship between '%s' and '%s' in the schema cache",
                                                      node->name, sel->rel);
          error_set (error, 400, "PGRST200", message, NULL, NULL);
          return FALSE;
        }
      if (!resolve_rel (cache, node->table, sel->rel, sel->hint, &fk, &pfk, &target, error))
        return FALSE;

      child = node_new ();
      child->parent = node;
      child->table = target;
      child->from_sql = qualified_name (target->schema, target->name);
      {
        g_autofree char *a = g_strdup_printf ("%s_%d", target->name, ++q->counter);
        child->qual = qi (a);
      }
      child->name = g_strdup (sel->rel);
      child->alias = g_strdup (sel->alias ? sel->alias : sel->rel);
      child->fk = fk;
      child->parent_has_fk = pfk;
      child->to_one = pfk || fk->one_to_one;
      child->inner = sel->inner;
      child->spread = sel->kind == SLR_SEL_SPREAD;
      child->items = g_ptr_array_ref (sel->children);
      g_ptr_array_add (node->children, child);
      if (!build_children (cache, child, q, error))
        return FALSE;
    }
  return TRUE;
}

static Node *
find_child (Node       *node,
            const char *name)
{
  guint i;

  for (i = 0; i < node->children->len; i++)
    {
      Node *c = g_ptr_array_index (node->children, i);
      if (g_str_equal (c->alias, name))
        return c;
    }
  for (i = 0; i < node->children->len; i++)
    {
      Node *c = g_ptr_array_index (node->children, i);
      if (g_str_equal (c->name, name))
        return c;
    }
  return NULL;
}

static Node *
find_path (Node      *root,
           GPtrArray *path,
           SlrError **error)
{
  Node *n = root;
  guint i;

  for (i = 0; path != NULL && i < path->len; i++)
    {
      const char *name = g_ptr_array_index (path, i);
      Node *c = find_child (n, name);

      if (c == NULL)
        {
          g_autofree char *message = g_strdup_printf ("'%s' is not an embedded resource in this request", name);
          g_autofree char *hint = g_strdup_printf ("Verify that '%s' is included in the 'select' query parameter.", name);
          error_set (error, 400, "PGRST108", message, NULL, hint);
          return NULL;
        }
      n = c;
    }
  return n;
}

/* ====================================================== SQL generation */

static gboolean
column_is_json (Node       *node,
                const char *name)
{
  SlrColumn *c = node->table ? slr_table_column (node->table, name) : NULL;

  return c == NULL || g_strcmp0 (c->base_type, "json") == 0 || g_strcmp0 (c->base_type, "jsonb") == 0;
}

static void
gen_field (Q        *q,
           GString  *out,
           Node     *node,
           SlrField *field)
{
  g_autofree char *col = qi (field->name);
  guint i;

  if (field->json_path->len > 0 && !column_is_json (node, field->name))
    g_string_append_printf (out, "to_jsonb(%s.%s)", node->qual, col);
  else
    g_string_append_printf (out, "%s.%s", node->qual, col);
  for (i = 0; i < field->json_path->len; i++)
    {
      SlrJsonOp *op = g_ptr_array_index (field->json_path, i);

      g_string_append (out, op->as_text ? "->>" : "->");
      if (op->is_index)
        g_string_append (out, op->key); /* digits only (parser) */
      else
        {
          q_param (q, out, op->key);
          g_string_append (out, "::text");
        }
    }
}

static const char *
field_alias (SlrField *field)
{
  if (field->json_path->len > 0)
    {
      SlrJsonOp *last = g_ptr_array_index (field->json_path, field->json_path->len - 1);
      if (!last->is_index)
        return last->key;
    }
  return field->name;
}

static char *
pg_array_literal (GPtrArray *list)
{
  GString *s = g_string_new ("{");
  guint i;

  for (i = 0; i < list->len; i++)
    {
      const char *v = g_ptr_array_index (list, i);
      const char *c;

      if (i)
        g_string_append_c (s, ',');
      g_string_append_c (s, '"');
      for (c = v; *c; c++)
        {
          if (*c == '"' || *c == '\\')
            g_string_append_c (s, '\\');
          g_string_append_c (s, *c);
        }
      g_string_append_c (s, '"');
    }
  g_string_append_c (s, '}');
  return g_string_free (s, FALSE);
}

static char *
star_to_percent (const char *v)
{
  char *s = g_strdup (v);
  char *c;

  for (c = s; *c; c++)
    if (*c == '*')
      *c = '%';
  return s;
}

static void gen_child_where (Q *q, GString *out, Node *child);

static void
gen_exists (Q       *q,
            GString *out,
            Node    *child,
            gboolean negate)
{
  g_string_append_printf (out, "%sEXISTS (SELECT 1 FROM %s AS %s WHERE ",
                          negate ? "NOT " : "", child->from_sql, child->qual);
  gen_child_where (q, out, child);
  g_string_append (out, ")");
}

static void
gen_filter (Q         *q,
            GString   *out,
            Node      *node,
            SlrFilter *f)
{
  SlrOpExpr *e = f->expr;
  Node *embed;
  static const char * const quant_sql[] = {
    [SLR_OP_EQ] = "=", [SLR_OP_GT] = ">", [SLR_OP_GTE] = ">=", [SLR_OP_LT] = "<",
    [SLR_OP_LTE] = "<=", [SLR_OP_LIKE] = "LIKE", [SLR_OP_ILIKE] = "ILIKE",
    [SLR_OP_MATCH] = "~", [SLR_OP_IMATCH] = "~*", [SLR_OP_NEQ] = "<>",
    [SLR_OP_CS] = "@>", [SLR_OP_CD] = "<@", [SLR_OP_OV] = "&&", [SLR_OP_SL] = "<<",
    [SLR_OP_SR] = ">>", [SLR_OP_NXR] = "&<", [SLR_OP_NXL] = "&>", [SLR_OP_ADJ] = "-|-",
  };

  /* rel=is.null / rel=not.is.null on an embedded resource */
  if (f->field->json_path->len == 0 && (embed = find_child (node, f->field->name)) != NULL &&
      (node->table == NULL || slr_table_column (node->table, f->field->name) == NULL) &&
      e->op == SLR_OP_IS && (e->is_val == SLR_IS_NULL || e->is_val == SLR_IS_NOT_NULL))
    {
      gboolean want_null = (e->is_val == SLR_IS_NULL) != e->negate;
      gen_exists (q, out, embed, want_null);
      return;
    }

  if (e->negate)
    g_string_append (out, "NOT (");

  switch (e->op)
    {
    case SLR_OP_IS:
      gen_field (q, out, node, f->field);
      {
        static const char * const isv[] = { " IS NULL", " IS NOT NULL", " IS TRUE", " IS FALSE", " IS UNKNOWN" };
        g_string_append (out, isv[e->is_val]);
      }
      break;
    case SLR_OP_ISDISTINCT:
      gen_field (q, out, node, f->field);
      g_string_append (out, " IS DISTINCT FROM ");
      q_param (q, out, e->value);
      break;
    case SLR_OP_IN:
      gen_field (q, out, node, f->field);
      if (e->list->len == 1 && *(char *) g_ptr_array_index (e->list, 0) == '\0')
        g_string_append (out, " = ANY('{}')");
      else
        {
          g_autofree char *arr = pg_array_literal (e->list);
          g_string_append (out, " = ANY (");
          q_param (q, out, arr);
          g_string_append (out, ")");
        }
      break;
    case SLR_OP_FTS:
    case SLR_OP_PLFTS:
    case SLR_OP_PHFTS:
    case SLR_OP_WFTS:
      {
        static const char * const fn[] = {
          [SLR_OP_FTS] = "to_tsquery", [SLR_OP_PLFTS] = "plainto_tsquery",
          [SLR_OP_PHFTS] = "phraseto_tsquery", [SLR_OP_WFTS] = "websearch_to_tsquery",
        };
        SlrColumn *col = node->table ? slr_table_column (node->table, f->field->name) : NULL;
        gboolean tsv = col == NULL || g_strcmp0 (col->base_type, "tsvector") == 0 || f->field->json_path->len > 0;

        if (!tsv)
          {
            g_string_append (out, "to_tsvector(");
            if (e->lang != NULL)
              {
                q_param (q, out, e->lang);
                g_string_append (out, "::regconfig, ");
              }
          }
        gen_field (q, out, node, f->field);
        if (!tsv)
          g_string_append (out, ")");
        g_string_append_printf (out, " @@ %s(", fn[e->op]);
        if (e->lang != NULL)
          {
            q_param (q, out, e->lang);
            g_string_append (out, "::regconfig, ");
          }
        q_param (q, out, e->value);
        g_string_append (out, ")");
      }
      break;
    case SLR_OP_EQ:
    case SLR_OP_GT:
    case SLR_OP_GTE:
    case SLR_OP_LT:
    case SLR_OP_LTE:
    case SLR_OP_LIKE:
    case SLR_OP_ILIKE:
    case SLR_OP_MATCH:
    case SLR_OP_IMATCH:
    case SLR_OP_NEQ:
    case SLR_OP_CS:
    case SLR_OP_CD:
    case SLR_OP_OV:
    case SLR_OP_SL:
    case SLR_OP_SR:
    case SLR_OP_NXR:
    case SLR_OP_NXL:
    case SLR_OP_ADJ:
    default:
      {
        g_autofree char *value = (e->op == SLR_OP_LIKE || e->op == SLR_OP_ILIKE)
                                 ? star_to_percent (e->value) : g_strdup (e->value);
        gen_field (q, out, node, f->field);
        g_string_append_printf (out, " %s ", quant_sql[e->op]);
        if (e->quant == SLR_QUANT_ANY)
          g_string_append (out, "ANY(");
        else if (e->quant == SLR_QUANT_ALL)
          g_string_append (out, "ALL(");
        q_param (q, out, value);
        if (e->quant != SLR_QUANT_NONE)
          g_string_append (out, ")");
      }
      break;
    }

  if (e->negate)
    g_string_append (out, ")");
}

static void
gen_logic (Q        *q,
           GString  *out,
           Node     *node,
           SlrLogic *l)
{
  guint i;

  if (l->children == NULL)
    {
      gen_filter (q, out, node, l->filter);
      return;
    }
  if (l->negate)
    g_string_append (out, "NOT ");
  g_string_append (out, "(");
  for (i = 0; i < l->children->len; i++)
    {
      if (i)
        g_string_append (out, l->is_or ? " OR " : " AND ");
      gen_logic (q, out, node, g_ptr_array_index (l->children, i));
    }
  g_string_append (out, ")");
}

/* Conditions on @node's own rows: filters, logic trees, !inner children. */
static void
gen_conditions (Q       *q,
                GString *out,
                Node    *node,
                gboolean first)
{
  guint i;

  for (i = 0; i < node->filters->len; i++)
    {
      g_string_append (out, first ? "" : " AND ");
      first = FALSE;
      gen_filter (q, out, node, g_ptr_array_index (node->filters, i));
    }
  for (i = 0; i < node->logic->len; i++)
    {
      g_string_append (out, first ? "" : " AND ");
      first = FALSE;
      gen_logic (q, out, node, g_ptr_array_index (node->logic, i));
    }
  for (i = 0; i < node->children->len; i++)
    {
      Node *c = g_ptr_array_index (node->children, i);
      if (!c->inner)
        continue;
      g_string_append (out, first ? "" : " AND ");
      first = FALSE;
      gen_exists (q, out, c, FALSE);
    }
  if (first)
    g_string_append (out, "TRUE");
}

static void
gen_join (GString *out,
          Node    *child)
{
  Node *parent = child->parent;
  SlrFk *fk = child->fk;
  guint i;

  for (i = 0; i < fk->cols->len; i++)
    {
      g_autofree char *c = qi (g_ptr_array_index (fk->cols, i));
      g_autofree char *f = qi (g_ptr_array_index (fk->f_cols, i));

      if (i)
        g_string_append (out, " AND ");
      if (child->parent_has_fk)
        g_string_append_printf (out, "%s.%s = %s.%s", child->qual, f, parent->qual, c);
      else
        g_string_append_printf (out, "%s.%s = %s.%s", child->qual, c, parent->qual, f);
    }
}

static void
gen_child_where (Q       *q,
                 GString *out,
                 Node    *child)
{
  gen_join (out, child);
  gen_conditions (q, out, child, FALSE);
}

static void
gen_order (Q       *q,
           GString *out,
           Node    *node)
{
  guint i;

  if (node->order == NULL || node->order->len == 0)
    return;
  g_string_append (out, " ORDER BY ");
  for (i = 0; i < node->order->len; i++)
    {
      SlrOrder *o = g_ptr_array_index (node->order, i);

      if (i)
        g_string_append (out, ", ");
      if (o->relation != NULL)
        {
          Node *c = find_child (node, o->relation);
          if (c == NULL)
            {
              /* validated before generation */
              g_string_append (out, "NULL");
            }
          else
            {
              g_string_append (out, "(SELECT ");
              gen_field (q, out, c, o->field);
              g_string_append_printf (out, " FROM %s AS %s WHERE ", c->from_sql, c->qual);
              gen_child_where (q, out, c);
              g_string_append (out, ")");
            }
        }
      else
        gen_field (q, out, node, o->field);
      if (o->dir == 1)
        g_string_append (out, " ASC");
      else if (o->dir == 2)
        g_string_append (out, " DESC");
      if (o->nulls == 1)
        g_string_append (out, " NULLS FIRST");
      else if (o->nulls == 2)
        g_string_append (out, " NULLS LAST");
    }
}

static void
gen_limit (GString *out,
           gint64   limit,
           gint64   offset)
{
  if (limit >= 0)
    g_string_append_printf (out, " LIMIT %" G_GINT64_FORMAT, limit);
  if (offset > 0)
    g_string_append_printf (out, " OFFSET %" G_GINT64_FORMAT, offset);
}

typedef struct
{
  char *expr;
  char *alias;   /* NULL for qual.* */
} Item;

static void
item_free (gpointer data)
{
  Item *it = data;

  g_free (it->expr);
  g_free (it->alias);
  g_free (it);
}

static void
add_item (GPtrArray  *items,
          char       *expr,
          const char *alias)
{
  Item *it = g_new0 (Item, 1);

  it->expr = expr;
  it->alias = g_strdup (alias);
  g_ptr_array_add (items, it);
}

static void gen_items (Q *q, Node *node, GPtrArray *items);

static char *
items_to_sql (GPtrArray *items)
{
  GString *s = g_string_new (NULL);
  guint i;

  for (i = 0; i < items->len; i++)
    {
      Item *it = g_ptr_array_index (items, i);
      if (i)
        g_string_append (s, ", ");
      g_string_append (s, it->expr);
      if (it->alias != NULL)
        {
          g_autofree char *a = qi (it->alias);
          g_string_append_printf (s, " AS %s", a);
        }
    }
  return g_string_free (s, FALSE);
}

/* The JSON value of embedded @child, as a scalar subquery. */
static char *
gen_embed (Q    *q,
           Node *child)
{
  g_autoptr(GPtrArray) items = g_ptr_array_new_with_free_func (item_free);
  g_autofree char *list = NULL;
  g_autofree char *sub = NULL;
  GString *s = g_string_new (NULL);

  gen_items (q, child, items);
  list = items_to_sql (items);
  sub = g_strdup_printf ("pgrst_%d", ++q->counter);
  if (child->to_one)
    {
      g_string_append_printf (s, "(SELECT row_to_json(%s) FROM (SELECT %s FROM %s AS %s WHERE ",
                              sub, list, child->from_sql, child->qual);
      gen_child_where (q, s, child);
      g_string_append_printf (s, " LIMIT 1) AS %s)", sub);
    }
  else
    {
      g_string_append_printf (s, "COALESCE((SELECT json_agg(%s) FROM (SELECT %s FROM %s AS %s WHERE ",
                              sub, list, child->from_sql, child->qual);
      gen_child_where (q, s, child);
      gen_order (q, s, child);
      gen_limit (s, child->limit, child->offset);
      g_string_append_printf (s, ") AS %s), '[]')", sub);
    }
  return g_string_free (s, FALSE);
}

/* Columns of a spread: each lifted as its own scalar subquery. */
static void
gen_spread (Q         *q,
            Node      *child,
            GPtrArray *items)
{
  g_autoptr(GPtrArray) inner = g_ptr_array_new_with_free_func (item_free);
  guint i;

  gen_items (q, child, inner);
  for (i = 0; i < inner->len; i++)
    {
      Item *it = g_ptr_array_index (inner, i);
      GString *s = g_string_new (NULL);

      if (child->to_one)
        g_string_append_printf (s, "(SELECT %s FROM %s AS %s WHERE ", it->expr, child->from_sql, child->qual);
      else
        g_string_append_printf (s, "(SELECT json_agg(%s) FROM %s AS %s WHERE ", it->expr, child->from_sql, child->qual);
      gen_child_where (q, s, child);
      if (child->to_one)
        g_string_append (s, " LIMIT 1");
      g_string_append (s, ")");
      add_item (items, g_string_free (s, FALSE), it->alias ? it->alias : "");
    }
}

static void
gen_items (Q         *q,
           Node      *node,
           GPtrArray *items)
{
  guint i, child_i = 0;

  for (i = 0; i < node->items->len; i++)
    {
      SlrSelect *sel = g_ptr_array_index (node->items, i);

      switch (sel->kind)
        {
        case SLR_SEL_STAR:
          if (node->table != NULL)
            {
              guint j;
              for (j = 0; j < node->table->columns->len; j++)
                {
                  SlrColumn *c = g_ptr_array_index (node->table->columns, j);
                  g_autofree char *col = qi (c->name);
                  add_item (items, g_strdup_printf ("%s.%s", node->qual, col), c->name);
                }
            }
          else
            add_item (items, g_strdup_printf ("%s.*", node->qual), NULL);
          break;
        case SLR_SEL_FIELD:
          {
            GString *s = g_string_new (NULL);
            gen_field (q, s, node, sel->field);
            if (sel->cast != NULL)
              {
                g_string_prepend (s, "CAST(");
                g_string_append_printf (s, " AS %s)", sel->cast);
              }
            add_item (items, g_string_free (s, FALSE), sel->alias ? sel->alias : field_alias (sel->field));
          }
          break;
        case SLR_SEL_REL:
        case SLR_SEL_SPREAD:
          {
            Node *child = g_ptr_array_index (node->children, child_i++);
            if (child->items->len == 0)
              break;   /* rel() is for filtering only */
            if (child->spread)
              gen_spread (q, child, items);
            else
              add_item (items, gen_embed (q, child), child->alias);
          }
          break;
        case SLR_SEL_COUNT:
        default:
          break;
        }
    }
}

/* ======================================================== request data */

typedef enum
{
  MT_JSON,
  MT_OBJECT,
  MT_CSV,
  MT_OPENAPI,
  MT_PLAN_JSON,
  MT_PLAN_TEXT,
} MediaType;

typedef struct
{
  SlrState   *state;
  SlRequest  *req;
  SlResponse *resp;
  SlrCache   *cache;
  const char *schema;
  gboolean    profile_given;
  gboolean    head;
  MediaType   media;
  gboolean    strip_nulls;
  char       *accept;
  /* Prefer (first wins) */
  char       *p_return;
  char       *p_count;
  char       *p_resolution;
  char       *p_missing;
  char       *p_handling;
  char       *p_tx;
  /* query */
  GPtrArray  *select;       /* SlrSelect* */
  GPtrArray  *filters;      /* SlrFilter* */
  GPtrArray  *logics;       /* SlrLogic* */
  GPtrArray  *logic_paths;  /* GPtrArray* */
  GPtrArray  *orders;       /* GPtrArray* of SlrOrder* */
  GPtrArray  *order_paths;
  GPtrArray  *limits;       /* (path, value) pairs */
  GPtrArray  *rpc_args;     /* name, value pairs (GET rpc) */
  GPtrArray  *columns;      /* columns= */
  GPtrArray  *on_conflict;
  gint64      range_lo;
  gint64      range_hi;     /* -1 = open */
} Ctx;

static void
ctx_clear (Ctx *c)
{
  g_clear_pointer (&c->cache, slr_cache_unref);
  g_free (c->accept);
  g_free (c->p_return);
  g_free (c->p_count);
  g_free (c->p_resolution);
  g_free (c->p_missing);
  g_free (c->p_handling);
  g_free (c->p_tx);
  g_clear_pointer (&c->select, g_ptr_array_unref);
  g_clear_pointer (&c->filters, g_ptr_array_unref);
  g_clear_pointer (&c->logics, g_ptr_array_unref);
  g_clear_pointer (&c->logic_paths, g_ptr_array_unref);
  g_clear_pointer (&c->orders, g_ptr_array_unref);
  g_clear_pointer (&c->order_paths, g_ptr_array_unref);
  g_clear_pointer (&c->limits, g_ptr_array_unref);
  g_clear_pointer (&c->rpc_args, g_ptr_array_unref);
  g_clear_pointer (&c->columns, g_ptr_array_unref);
  g_clear_pointer (&c->on_conflict, g_ptr_array_unref);
}

static void
parse_prefer (Ctx *c)
{
  SoupMessageHeadersIter iter;
  const char *name, *value;

  soup_message_headers_iter_init (&iter, c->req->headers);
  while (soup_message_headers_iter_next (&iter, &name, &value))
    {
      g_auto(GStrv) parts = NULL;
      guint i;

      if (g_ascii_strcasecmp (name, "Prefer") != 0)
        continue;
      parts = g_strsplit (value, ",", -1);
      for (i = 0; parts[i]; i++)
        {
          char *p = g_strstrip (parts[i]);
          char *eq = strchr (p, '=');
          char **slot = NULL;

          if (eq == NULL)
            continue;
          *eq = '\0';
          g_strstrip (p);
          if (g_str_equal (p, "return"))
            slot = &c->p_return;
          else if (g_str_equal (p, "count"))
            slot = &c->p_count;
          else if (g_str_equal (p, "resolution"))
            slot = &c->p_resolution;
          else if (g_str_equal (p, "missing"))
            slot = &c->p_missing;
          else if (g_str_equal (p, "handling"))
            slot = &c->p_handling;
          else if (g_str_equal (p, "tx"))
            slot = &c->p_tx;
          if (slot != NULL && *slot == NULL)
            {
              const char *v = g_strstrip (eq + 1);
              static const char * const valid[] = {
                "representation", "minimal", "headers-only", "exact", "planned", "estimated",
                "merge-duplicates", "ignore-duplicates", "default", "null", "lenient", "strict",
                "commit", "rollback", NULL };
              if (g_strv_contains (valid, v))
                *slot = g_strdup (v);
            }
        }
    }
  /* only legal combinations survive */
  if (c->p_return && !g_strv_contains ((const char *[]) { "representation", "minimal", "headers-only", NULL }, c->p_return))
    g_clear_pointer (&c->p_return, g_free);
  if (c->p_count && !g_strv_contains ((const char *[]) { "exact", "planned", "estimated", NULL }, c->p_count))
    g_clear_pointer (&c->p_count, g_free);
  if (c->p_resolution && !g_strv_contains ((const char *[]) { "merge-duplicates", "ignore-duplicates", NULL }, c->p_resolution))
    g_clear_pointer (&c->p_resolution, g_free);
  if (c->p_missing && !g_strv_contains ((const char *[]) { "default", "null", NULL }, c->p_missing))
    g_clear_pointer (&c->p_missing, g_free);
  /* tx overrides are not allowed (db-tx-end default) */
  g_clear_pointer (&c->p_tx, g_free);
}

static void
add_pref (GString    *s,
          const char *name,
          const char *value)
{
  if (value == NULL)
    return;
  if (s->len)
    g_string_append (s, ", ");
  g_string_append_printf (s, "%s=%s", name, value);
}

static void
set_pref_applied (Ctx     *c,
                  gboolean with_resolution,
                  gboolean with_missing,
                  gboolean with_return)
{
  g_autoptr(GString) s = g_string_new (NULL);

  if (with_resolution)
    add_pref (s, "resolution", c->p_resolution);
  if (with_missing)
    add_pref (s, "missing", c->p_missing);
  if (with_return)
    add_pref (s, "return", c->p_return);
  add_pref (s, "count", c->p_count);
  add_pref (s, "handling", c->p_handling);
  if (s->len)
    sl_response_add_header (c->resp, "Preference-Applied", s->str);
}

/* Accept negotiation (first acceptable type in header order wins). */
static gboolean
negotiate (Ctx       *c,
           gboolean   openapi,
           SlrError **error)
{
  const char *accept = sl_request_get_header (c->req, "Accept");
  g_auto(GStrv) types = NULL;
  guint i;

  c->media = openapi ? MT_OPENAPI : MT_JSON;
  if (accept == NULL || *accept == '\0')
    return TRUE;
  c->accept = g_strdup (accept);
  types = g_strsplit (accept, ",", -1);
  for (i = 0; types[i]; i++)
    {
      g_autofree char *t = g_strstrip (g_strdup (types[i]));
      char *semi = strchr (t, ';');
      gboolean stripped = semi != NULL && strstr (semi, "nulls=stripped") != NULL;

      if (semi)
        *semi = '\0';
      g_strstrip (t);
      if (g_str_equal (t, "*/*") || g_str_equal (t, "application/*"))
        {
          c->media = openapi ? MT_OPENAPI : MT_JSON;
          return TRUE;
        }
      if (openapi)
        {
          if (g_str_equal (t, "application/openapi+json") || g_str_equal (t, "application/json"))
            {
              c->media = MT_OPENAPI;
              return TRUE;
            }
          continue;
        }
      if (g_str_equal (t, "application/json") || g_str_equal (t, "application/vnd.pgrst.array+json"))
        {
          c->media = MT_JSON;
          c->strip_nulls = stripped;
          return TRUE;
        }
      if (g_str_equal (t, "application/vnd.pgrst.object+json") || g_str_equal (t, "application/vnd.pgrst.object"))
        {
          c->media = MT_OBJECT;
          c->strip_nulls = stripped;
          return TRUE;
        }
      if (g_str_equal (t, "text/csv"))
        {
          c->media = MT_CSV;
          return TRUE;
        }
      if (g_str_equal (t, "application/vnd.pgrst.plan") || g_str_equal (t, "application/vnd.pgrst.plan+text"))
        {
          c->media = MT_PLAN_TEXT;
          return TRUE;
        }
      if (g_str_equal (t, "application/vnd.pgrst.plan+json"))
        {
          c->media = MT_PLAN_JSON;
          return TRUE;
        }
    }
  {
    g_autofree char *message = g_strdup_printf ("None of these media types are available: %s", accept);
    error_set (error, 406, "PGRST107", message, NULL, NULL);
  }
  return FALSE;
}

static const char *
content_type_for (MediaType m)
{
  switch (m)
    {
    case MT_CSV: return "text/csv; charset=utf-8";
    case MT_OBJECT: return "application/vnd.pgrst.object+json; charset=utf-8";
    case MT_OPENAPI: return "application/openapi+json; charset=utf-8";
    case MT_PLAN_JSON: return "application/vnd.pgrst.plan+json; charset=utf-8";
    case MT_PLAN_TEXT: return "application/vnd.pgrst.plan+text; charset=utf-8";
    case MT_JSON:
    default: return "application/json; charset=utf-8";
    }
}

static gboolean
key_last_is (const char *key,
             const char *word)
{
  const char *dot = strrchr (key, '.');
  const char *last = dot ? dot + 1 : key;

  return g_str_equal (last, word);
}

static GPtrArray *
path_prefix (const char *key,
             SlrError  **error)
{
  g_autoptr(GPtrArray) parts = slr_parse_path (key, error);

  if (parts == NULL)
    return NULL;
  g_ptr_array_remove_index (parts, parts->len - 1);
  return g_steal_pointer (&parts);
}

static gboolean
parse_gint64 (const char *s,
              gint64     *out)
{
  char *end = NULL;
  gint64 v;

  if (s == NULL || !g_ascii_isdigit (*s))
    return FALSE;
  errno = 0;
  v = g_ascii_strtoll (s, &end, 10);
  if (errno != 0 || *end != '\0')
    return FALSE;
  *out = v;
  return TRUE;
}

/* Splits the query string into select / filters / logic / order / limits. */
static gboolean
parse_query (Ctx       *c,
             gboolean   rpc_read,
             SlrError **error)
{
  GPtrArray *query = c->req->query;
  const char *select = "*";
  guint i;

  c->filters = g_ptr_array_new_with_free_func ((GDestroyNotify) slr_filter_free);
  c->logics = g_ptr_array_new_with_free_func ((GDestroyNotify) slr_logic_free);
  c->logic_paths = g_ptr_array_new_with_free_func ((GDestroyNotify) g_ptr_array_unref);
  c->orders = g_ptr_array_new_with_free_func ((GDestroyNotify) g_ptr_array_unref);
  c->order_paths = g_ptr_array_new_with_free_func ((GDestroyNotify) g_ptr_array_unref);
  c->limits = g_ptr_array_new_with_free_func (g_free);
  c->rpc_args = g_ptr_array_new_with_free_func (g_free);
  c->range_lo = 0;
  c->range_hi = -1;

  for (i = 0; query != NULL && i + 1 < query->len; i += 2)
    {
      const char *k = g_ptr_array_index (query, i);
      const char *v = g_ptr_array_index (query, i + 1);

      if (g_str_equal (k, "select"))
        {
          select = v;
          continue;
        }
      if (g_str_equal (k, "columns"))
        {
          if (c->columns == NULL && (c->columns = slr_parse_columns ("columns parameter", v, error)) == NULL)
            return FALSE;
          continue;
        }
      if (g_str_equal (k, "on_conflict"))
        {
          if (c->on_conflict == NULL && (c->on_conflict = slr_parse_columns ("on_conflict parameter", v, error)) == NULL)
            return FALSE;
          continue;
        }
      if (*v == '\0')
        continue;   /* PostgREST ignores empty parameters */
      if (key_last_is (k, "order"))
        {
          GPtrArray *terms = slr_parse_order (v, error);
          GPtrArray *path;
          if (terms == NULL)
            return FALSE;
          g_ptr_array_add (c->orders, terms);
          if ((path = path_prefix (k, error)) == NULL)
            return FALSE;
          g_ptr_array_add (c->order_paths, path);
          continue;
        }
      if (key_last_is (k, "limit") || key_last_is (k, "offset"))
        {
          gint64 n;
          if (!parse_gint64 (v, &n))
            {
              g_autofree char *message = g_strdup_printf ("\"failed to parse %s parameter (%s)\" (line 1, column 1)",
                                                          key_last_is (k, "limit") ? "limit" : "offset", v);
              error_set (error, 400, "PGRST100", message, "unexpected input expecting digit", NULL);
              return FALSE;
            }
          g_ptr_array_add (c->limits, g_strdup (k));
          g_ptr_array_add (c->limits, g_strdup (v));
          continue;
        }
      if (key_last_is (k, "or") || key_last_is (k, "and"))
        {
          GPtrArray *path = NULL;
          SlrLogic *l = slr_parse_logic (k, v, &path, error);
          if (l == NULL)
            return FALSE;
          g_ptr_array_add (c->logics, l);
          g_ptr_array_add (c->logic_paths, path);
          continue;
        }
      {
        SlrError *ferr = NULL;
        SlrFilter *f = slr_parse_filter (k, v, &ferr);

        if (f == NULL)
          {
            if (rpc_read && strchr (k, '.') == NULL)
              {
                slr_error_free (ferr);
                g_ptr_array_add (c->rpc_args, g_strdup (k));
                g_ptr_array_add (c->rpc_args, g_strdup (v));
                continue;
              }
            *error = ferr;
            return FALSE;
          }
        g_ptr_array_add (c->filters, f);
      }
    }

  if ((c->select = slr_parse_select (select, error)) == NULL)
    return FALSE;

  /* Range header (old clients): Range: a-b */
  {
    const char *range = sl_request_get_header (c->req, "Range");
    if (range != NULL && (c->req->method[0] == 'G' || c->req->method[0] == 'H'))
      {
        const char *r = range;
        gint64 lo = 0, hi = -1;
        char *end = NULL;

        if (g_str_has_prefix (r, "items="))
          r += 6;
        lo = g_ascii_strtoll (r, &end, 10);
        if (end != r && *end == '-')
          {
            const char *h = end + 1;
            if (*h != '\0')
              hi = g_ascii_strtoll (h, NULL, 10);
            if (hi >= 0 && hi < lo)
              {
                error_set (error, 416, "PGRST103", "Requested range not satisfiable",
                           "The lower boundary must be lower than or equal to the upper boundary in the Range header.", NULL);
                return FALSE;
              }
            c->range_lo = lo;
            c->range_hi = hi;
          }
      }
  }
  return TRUE;
}

/* Attaches filters/logic/order/limits to the nodes they name. */
static gboolean
distribute (Ctx       *c,
            Node      *root,
            gint64    *top_limit,
            gint64    *top_offset,
            SlrError **error)
{
  guint i;

  for (i = 0; i < c->filters->len; i++)
    {
      SlrFilter *f = g_ptr_array_index (c->filters, i);
      Node *n = find_path (root, f->path, error);
      if (n == NULL)
        return FALSE;
      g_ptr_array_add (n->filters, f);
    }
  for (i = 0; i < c->logics->len; i++)
    {
      Node *n = find_path (root, g_ptr_array_index (c->logic_paths, i), error);
      if (n == NULL)
        return FALSE;
      g_ptr_array_add (n->logic, g_ptr_array_index (c->logics, i));
    }
  for (i = 0; i < c->orders->len; i++)
    {
      GPtrArray *terms = g_ptr_array_index (c->orders, i);
      Node *n = find_path (root, g_ptr_array_index (c->order_paths, i), error);
      guint j;
      if (n == NULL)
        return FALSE;
      for (j = 0; j < terms->len; j++)
        {
          SlrOrder *o = g_ptr_array_index (terms, j);
          if (o->relation != NULL)
            {
              Node *rc = find_child (n, o->relation);
              if (rc == NULL)
                {
                  g_autofree char *message = g_strdup_printf ("'%s' is not an embedded resource in this request", o->relation);
                  g_autofree char *hint = g_strdup_printf ("Verify that '%s' is included in the 'select' query parameter.", o->relation);
                  error_set (error, 400, "PGRST108", message, NULL, hint);
                  return FALSE;
                }
              if (!rc->to_one)
                {
                  g_autofree char *message = g_strdup_printf ("A related order on '%s' is not possible", o->relation);
                  error_set (error, 400, "PGRST118", message, "The relationship is not to-one", NULL);
                  return FALSE;
                }
            }
        }
      if (n->order == NULL)
        n->order = g_ptr_array_new ();
      for (j = 0; j < terms->len; j++)
        g_ptr_array_add (n->order, g_ptr_array_index (terms, j));
    }
  for (i = 0; i + 1 < c->limits->len; i += 2)
    {
      const char *k = g_ptr_array_index (c->limits, i);
      gint64 v = g_ascii_strtoll (g_ptr_array_index (c->limits, i + 1), NULL, 10);
      g_autoptr(GPtrArray) path = path_prefix (k, error);
      Node *n;

      if (path == NULL)
        return FALSE;
      n = find_path (root, path, error);
      if (n == NULL)
        return FALSE;
      if (n == root)
        {
          if (key_last_is (k, "limit"))
            *top_limit = v;
          else
            *top_offset = v;
        }
      else if (key_last_is (k, "limit"))
        n->limit = v;
      else
        n->offset = v;
    }
  return TRUE;
}

/* =========================================================== responses */

static gint
compare_strptr (gconstpointer a,
                gconstpointer b)
{
  return strcmp (*(const char * const *) a, *(const char * const *) b);
}


static char *
canonical_query (SlRequest *req)
{
  g_autoptr(GPtrArray) pairs = g_ptr_array_new_with_free_func (g_free);
  GString *s = g_string_new (NULL);
  guint i;

  for (i = 0; req->query != NULL && i + 1 < req->query->len; i += 2)
    {
      g_autofree char *k = g_uri_escape_string (g_ptr_array_index (req->query, i), "*-._", FALSE);
      g_autofree char *v = g_uri_escape_string (g_ptr_array_index (req->query, i + 1), "*-._", FALSE);
      g_ptr_array_add (pairs, g_strdup_printf ("%s=%s", k, v));
    }
  g_ptr_array_sort (pairs, compare_strptr);
  for (i = 0; i < pairs->len; i++)
    g_string_append_printf (s, "%s%s", i ? "&" : "", (char *) g_ptr_array_index (pairs, i));
  return g_string_free (s, FALSE);
}

static char *
content_range (gint64 lower,
               gint64 upper,
               gint64 total)   /* -1 = unknown */
{
  g_autofree char *range = NULL;
  g_autofree char *tot = NULL;

  if (total != 0 && lower <= upper)
    range = g_strdup_printf ("%" G_GINT64_FORMAT "-%" G_GINT64_FORMAT, lower, upper);
  else
    range = g_strdup ("*");
  tot = total < 0 ? g_strdup ("*") : g_strdup_printf ("%" G_GINT64_FORMAT, total);
  return g_strdup_printf ("%s/%s", range, tot);
}

static void
set_body (Ctx        *c,
          guint       status,
          const char *body)
{
  if (c->head || body == NULL)
    {
      c->resp->status = status;
      g_free (c->resp->content_type);
      c->resp->content_type = g_strdup (content_type_for (c->media));
      g_clear_pointer (&c->resp->body, g_bytes_unref);
    }
  else
    sl_response_set_text (c->resp, status, content_type_for (c->media), body);
  if (c->profile_given)
    sl_response_add_header (c->resp, "Content-Profile", c->schema);
}

/* Body expression over _postgrest_t for the negotiated media type. */
static char *
body_expr (Ctx     *c,
           gboolean scalar)
{
  const char *row = scalar ? "_postgrest_t.pgrst_scalar" : "_postgrest_t";
  g_autofree char *elem = NULL;

  if (c->head)
    return g_strdup ("''");
  if (c->strip_nulls && !scalar)
    elem = g_strdup ("json_strip_nulls(row_to_json(_postgrest_t))");
  else
    elem = g_strdup (row);
  switch (c->media)
    {
    case MT_CSV:
      return g_strdup ("(SELECT coalesce(string_agg(pgrst_k, ','), '') FROM json_object_keys((SELECT row_to_json(pgrst_h) FROM pgrst_source pgrst_h LIMIT 1)) pgrst_k)"
                       " || chr(10) || coalesce(string_agg(substring(_postgrest_t::text, 2, length(_postgrest_t::text) - 2), chr(10)), '')");
    case MT_OBJECT:
      return g_strdup_printf ("coalesce((json_agg(%s)->0)::text, '')", elem);
    case MT_JSON:
    case MT_OPENAPI:
    case MT_PLAN_JSON:
    case MT_PLAN_TEXT:
    default:
      return g_strdup_printf ("coalesce(json_agg(%s), '[]')::text", elem);
    }
}

/* ========================================================= execution */

typedef struct
{
  PGconn   *conn;
  SlServer *server;
} Tx;

static gboolean
tx_begin (Ctx       *c,
          Tx        *tx,
          gboolean   read_only,
          SlrError **error)
{
  g_autoptr(GError) gerr = NULL;
  g_autofree char *sp = NULL;
  const char *params[1];
  PGresult *res;

  tx->server = c->state->server;
  tx->conn = sl_db_acquire (tx->server);
  if (tx->conn == NULL)
    {
      error_set (error, 503, "PGRST000", "Database connection error.", NULL, NULL);
      return FALSE;
    }
  if (!sl_db_begin_for_request (tx->conn, c->req, &gerr))
    {
      *error = error_from_db (gerr, c->req->role);
      sl_db_release (tx->server, tx->conn);
      tx->conn = NULL;
      return FALSE;
    }
  {
    g_autofree char *s = qi (c->schema);
    sp = g_strdup_printf ("%s, public, extensions", s);
  }
  params[0] = sp;
  res = sl_db_exec (tx->conn, &gerr, "SELECT set_config('search_path', $1, true)", 1, params);
  if (res == NULL)
    {
      *error = error_from_db (gerr, c->req->role);
      sl_db_rollback (tx->conn);
      sl_db_release (tx->server, tx->conn);
      tx->conn = NULL;
      return FALSE;
    }
  PQclear (res);
  if (read_only)
    {
      res = sl_db_exec (tx->conn, NULL, "SET TRANSACTION READ ONLY", 0, NULL);
      if (res != NULL)
        PQclear (res);
    }
  return TRUE;
}

static void
tx_end (Tx      *tx,
        gboolean commit,
        SlrError **error)
{
  if (tx->conn == NULL)
    return;
  if (commit)
    {
      g_autoptr(GError) gerr = NULL;
      if (!sl_db_commit (tx->conn, &gerr) && error != NULL)
        *error = error_from_db (gerr, NULL);
    }
  else
    sl_db_rollback (tx->conn);
  sl_db_release (tx->server, tx->conn);
  tx->conn = NULL;
}

static PGresult *
tx_exec (Ctx       *c,
         Tx        *tx,
         const char *sql,
         GPtrArray *params,
         SlrError **error)
{
  g_autoptr(GError) gerr = NULL;
  PGresult *res;

  g_debug ("SQL: %s", sql);
  res = sl_db_exec (tx->conn, &gerr, sql, params ? (int) params->len : 0,
                    params ? (const char * const *) params->pdata : NULL);
  if (res == NULL)
    *error = error_from_db (gerr, c->req->role);
  return res;
}

static gint64
planned_count (Ctx        *c,
               Tx         *tx,
               const char *from_where_sql,
               GPtrArray  *params,
               guint       n_params)
{
  g_autofree char *sql = g_strdup_printf ("EXPLAIN (FORMAT JSON) SELECT 1 FROM %s", from_where_sql);
  g_autoptr(GError) gerr = NULL;
  PGresult *res;
  gint64 rows = -1;

  res = sl_db_exec (tx->conn, &gerr, sql, (int) n_params,
                    n_params ? (const char * const *) params->pdata : NULL);
  if (res == NULL)
    return -1;
  {
    g_autoptr(JsonNode) plan = json_from_string (PQgetvalue (res, 0, 0), NULL);
    if (plan != NULL && JSON_NODE_HOLDS_ARRAY (plan))
      {
        JsonObject *o = json_array_get_object_element (json_node_get_array (plan), 0);
        JsonObject *p = o ? json_object_get_object_member (o, "Plan") : NULL;
        if (p != NULL && json_object_has_member (p, "Plan Rows"))
          rows = (gint64) json_object_get_double_member (p, "Plan Rows");
      }
  }
  PQclear (res);
  return rows;
}

static gint64
exact_count (Ctx        *c,
             Tx         *tx,
             const char *from_where_sql,
             GPtrArray  *params,
             guint       n_params,
             gint64      cap,
             SlrError  **error)
{
  g_autofree char *sql = NULL;
  g_autoptr(GError) gerr = NULL;
  PGresult *res;
  gint64 n;

  if (cap > 0)
    sql = g_strdup_printf ("SELECT pg_catalog.count(*) FROM (SELECT 1 FROM %s LIMIT %" G_GINT64_FORMAT ") pgrst_c",
                           from_where_sql, cap);
  else
    sql = g_strdup_printf ("SELECT pg_catalog.count(*) FROM %s", from_where_sql);
  res = sl_db_exec (tx->conn, &gerr, sql, (int) n_params,
                    n_params ? (const char * const *) params->pdata : NULL);
  if (res == NULL)
    {
      *error = error_from_db (gerr, c->req->role);
      return -1;
    }
  n = g_ascii_strtoll (PQgetvalue (res, 0, 0), NULL, 10);
  PQclear (res);
  return n;
}

/* Runs a read (table, view or set-returning function) and responds. */
static gboolean
run_read (Ctx        *c,
          Node       *root,
          const char *from_sql,   /* FROM clause text incl. alias */
          gboolean    scalar,
          gboolean    single_result,
          gint64      top_limit,
          gint64      top_offset,
          const char *location_name,
          gboolean    read_only,
          gboolean    is_void,
          Q          *q,
          SlrError  **error)
{
  g_autoptr(GString) where = g_string_new (NULL);
  g_autoptr(GString) sql = g_string_new (NULL);
  g_autoptr(GPtrArray) items = g_ptr_array_new_with_free_func (item_free);
  g_autofree char *list = NULL;
  g_autofree char *body = NULL;
  g_autofree char *from_where = NULL;
  guint n_where_params;
  gint64 limit = -1, offset = 0;
  gint64 total = -1, page_total;
  guint status;
  Tx tx = { 0 };
  PGresult *res;

  /* WHERE first so its parameters come first (reused by the counts) */
  gen_conditions (q, where, root, TRUE);
  n_where_params = q->params->len;
  from_where = g_strdup_printf ("%s WHERE %s", from_sql, where->str);

  if (scalar)
    list = g_strdup ("pgrst_scalar");
  else
    {
      gen_items (q, root, items);
      list = items_to_sql (items);
    }

  /* window: limit/offset params ∩ Range header, capped by max-rows */
  offset = MAX (top_offset, 0);
  if (top_offset < 0 && c->range_lo > 0)
    offset = c->range_lo;
  else if (top_offset >= 0 && c->range_lo > 0)
    offset = top_offset + c->range_lo;
  limit = top_limit;
  if (c->range_hi >= 0)
    {
      gint64 rl = c->range_hi - c->range_lo + 1;
      limit = limit < 0 ? rl : MIN (limit, rl);
    }
  if (!single_result && SLR_MAX_ROWS > 0)
    limit = limit < 0 ? SLR_MAX_ROWS : MIN (limit, SLR_MAX_ROWS);

  g_string_append_printf (sql, "WITH pgrst_source AS (SELECT %s FROM %s", list, from_where);
  gen_order (q, sql, root);
  gen_limit (sql, single_result ? -1 : limit, offset);
  body = is_void ? g_strdup ("''") : body_expr (c, scalar);
  g_string_append_printf (sql, ") SELECT pg_catalog.count(*)::bigint, %s FROM pgrst_source _postgrest_t", body);

  if (c->media == MT_PLAN_JSON || c->media == MT_PLAN_TEXT)
    {
      g_autofree char *plan_sql = g_strdup_printf ("EXPLAIN (FORMAT %s) %s",
                                                   c->media == MT_PLAN_JSON ? "JSON" : "TEXT", sql->str);
      GString *out = g_string_new (NULL);
      int r;

      if (!tx_begin (c, &tx, read_only, error))
        return FALSE;
      res = tx_exec (c, &tx, plan_sql, q->params, error);
      if (res == NULL)
        {
          tx_end (&tx, FALSE, NULL);
          g_string_free (out, TRUE);
          return FALSE;
        }
      for (r = 0; r < PQntuples (res); r++)
        g_string_append_printf (out, "%s%s", r ? "\n" : "", PQgetvalue (res, r, 0));
      PQclear (res);
      tx_end (&tx, FALSE, NULL);
      set_body (c, 200, out->str);
      g_string_free (out, TRUE);
      return TRUE;
    }

  if (!tx_begin (c, &tx, read_only, error))
    return FALSE;
  res = tx_exec (c, &tx, sql->str, q->params, error);
  if (res == NULL)
    {
      tx_end (&tx, FALSE, NULL);
      return FALSE;
    }
  page_total = g_ascii_strtoll (PQgetvalue (res, 0, 0), NULL, 10);

  if (c->p_count != NULL && !single_result)
    {
      if (g_str_equal (c->p_count, "exact"))
        total = exact_count (c, &tx, from_where, q->params, n_where_params, 0, error);
      else if (g_str_equal (c->p_count, "planned"))
        total = planned_count (c, &tx, from_where, q->params, n_where_params);
      else
        {
          /* estimated: exact up to max-rows, planned above */
          gint64 capped = exact_count (c, &tx, from_where, q->params, n_where_params, SLR_MAX_ROWS + 1, error);
          if (capped > SLR_MAX_ROWS)
            total = planned_count (c, &tx, from_where, q->params, n_where_params);
          else
            total = capped;
          if (total < capped)
            total = capped;
        }
      if (*error != NULL)
        {
          PQclear (res);
          tx_end (&tx, FALSE, NULL);
          return FALSE;
        }
    }

  if (c->media == MT_OBJECT && page_total != 1)
    {
      g_autofree char *details = g_strdup_printf ("The result contains %" G_GINT64_FORMAT " rows", page_total);
      PQclear (res);
      tx_end (&tx, FALSE, NULL);
      error_set (error, 406, "PGRST116", "Cannot coerce the result to a single JSON object", details, NULL);
      return FALSE;
    }

  {
    SlrError *cerr = NULL;
    tx_end (&tx, !read_only, &cerr);
    if (cerr != NULL)
      {
        PQclear (res);
        *error = cerr;
        return FALSE;
      }
  }

  if (is_void)
    {
      PQclear (res);
      c->resp->status = 204;
      {
        g_autofree char *cr = content_range (offset, offset + page_total - 1, total);
        sl_response_add_header (c->resp, "Content-Range", cr);
      }
      set_pref_applied (c, FALSE, FALSE, FALSE);
      return TRUE;
    }

  /* status and Content-Range (RangeQuery.rangeStatusHeader) */
  {
    gint64 lower = offset, upper = offset + page_total - 1;
    g_autofree char *cr = content_range (lower, upper, total);

    if (total >= 0 && lower > total)
      {
        g_autofree char *details = g_strdup_printf ("An offset of %" G_GINT64_FORMAT " was requested, but there are only %" G_GINT64_FORMAT " rows.",
                                                    lower, total);
        PQclear (res);
        sl_response_add_header (c->resp, "Content-Range", cr);
        error_set (error, 416, "PGRST103", "Requested range not satisfiable", details, NULL);
        return FALSE;
      }
    status = (total >= 0 && (1 + upper - lower) < total) ? 206 : 200;
    if (!single_result)
      sl_response_add_header (c->resp, "Content-Range", cr);
  }
  if (location_name != NULL)
    {
      g_autofree char *cq = canonical_query (c->req);
      g_autofree char *loc = g_strdup_printf ("/%s%s%s", location_name, *cq ? "?" : "", cq);
      sl_response_add_header (c->resp, "Content-Location", loc);
    }
  set_pref_applied (c, FALSE, FALSE, FALSE);

  {
    const char *text = PQgetvalue (res, 0, 1);
    if (single_result && !scalar && c->media == MT_JSON)
      {
        /* non-SETOF composite function result → a single object */
        g_autoptr(JsonNode) arr = json_from_string (text, NULL);
        if (arr != NULL && JSON_NODE_HOLDS_ARRAY (arr) && json_array_get_length (json_node_get_array (arr)) > 0)
          {
            g_autofree char *one = json_to_string (json_array_get_element (json_node_get_array (arr), 0), FALSE);
            set_body (c, status, one);
          }
        else
          set_body (c, status, "null");
      }
    else if (single_result && scalar && c->media == MT_JSON)
      {
        g_autoptr(JsonNode) arr = json_from_string (text, NULL);
        if (arr != NULL && JSON_NODE_HOLDS_ARRAY (arr) && json_array_get_length (json_node_get_array (arr)) > 0)
          {
            g_autofree char *one = json_to_string (json_array_get_element (json_node_get_array (arr), 0), FALSE);
            set_body (c, status, one);
          }
        else
          set_body (c, status, "null");
      }
    else
      set_body (c, status, text);
  }
  PQclear (res);
  return TRUE;
}

/* ============================================================== tables */

static gboolean
lookup_table (Ctx        *c,
              const char *name,
              SlrTable  **out,
              SlrError  **error)
{
  *out = slr_cache_table (c->cache, c->schema, name);
  if (*out == NULL)
    {
      g_autofree char *message = g_strdup_printf ("Could not find the table '%s.%s' in the schema cache", c->schema, name);
      const char *suggest = slr_cache_suggest_table (c->cache, c->schema, name);
      g_autofree char *hint = suggest ? g_strdup_printf ("Perhaps you meant the table '%s.%s'", c->schema, suggest) : NULL;
      error_set (error, 404, "PGRST205", message, NULL, hint);
      return FALSE;
    }
  return TRUE;
}

static Node *
root_node (SlrTable   *table,
           const char *from_sql,
           const char *qual,
           const char *name,
           GPtrArray  *select)
{
  Node *root = node_new ();

  root->table = table;
  root->from_sql = g_strdup (from_sql);
  root->qual = g_strdup (qual);
  root->name = g_strdup (name);
  root->alias = g_strdup (name);
  root->items = g_ptr_array_ref (select);
  return root;
}

static gboolean
handle_read (Ctx        *c,
             const char *name,
             SlrError  **error)
{
  SlrTable *table;
  g_autoptr(Node) root = NULL;
  g_autofree char *from = NULL;
  gint64 top_limit = -1, top_offset = -1;
  Q q = { g_ptr_array_new_with_free_func (g_free), 0 };
  gboolean ok;

  if (!lookup_table (c, name, &table, error) ||
      !parse_query (c, FALSE, error))
    {
      g_ptr_array_unref (q.params);
      return FALSE;
    }
  from = qualified_name (table->schema, table->name);
  root = root_node (table, from, from, name, c->select);
  ok = build_children (c->cache, root, &q, error) &&
       distribute (c, root, &top_limit, &top_offset, error) &&
       run_read (c, root, from, FALSE, FALSE, top_limit, top_offset, name, TRUE, FALSE, &q, error);
  g_ptr_array_unref (q.params);
  return ok;
}

/* ---------------------------------------------------------- payloads */

/* Minimal RFC 4180 reader: header row + rows; "NULL" unquoted → null. */
static JsonNode *
csv_to_json (const char *text,
             gsize       len,
             SlrError  **error)
{
  g_autoptr(GPtrArray) header = NULL;
  g_autoptr(JsonBuilder) b = json_builder_new ();
  GPtrArray *row = g_ptr_array_new_with_free_func (g_free);
  GArray *quoted = g_array_new (FALSE, FALSE, sizeof (gboolean));
  GString *field = g_string_new (NULL);
  gboolean in_quotes = FALSE, was_quoted = FALSE;
  gsize i = 0;

  json_builder_begin_array (b);
  for (;;)
    {
      gboolean end = i >= len;
      char ch = end ? '\n' : text[i];

      if (in_quotes && !end)
        {
          if (ch == '"')
            {
              if (i + 1 < len && text[i + 1] == '"')
                {
                  g_string_append_c (field, '"');
                  i++;
                }
              else
                in_quotes = FALSE;
            }
          else
            g_string_append_c (field, ch);
          i++;
          continue;
        }
      if (ch == '"' && field->len == 0)
        {
          in_quotes = TRUE;
          was_quoted = TRUE;
          i++;
          continue;
        }
      if (ch == ',' || ch == '\n' || ch == '\r')
        {
          if (ch == '\r' && i + 1 < len && text[i + 1] == '\n')
            i++;
          g_ptr_array_add (row, g_strdup (field->str));
          g_array_append_val (quoted, was_quoted);
          g_string_truncate (field, 0);
          was_quoted = FALSE;
          if (ch != ',')
            {
              gboolean blank = row->len == 1 && *(char *) g_ptr_array_index (row, 0) == '\0' && !g_array_index (quoted, gboolean, 0);
              if (!blank)
                {
                  if (header == NULL)
                    header = g_ptr_array_ref (row);
                  else
                    {
                      guint j;
                      if (row->len != header->len)
                        {
                          error_set (error, 400, "PGRST102", "All lines must have same number of fields", NULL, NULL);
                          break;
                        }
                      json_builder_begin_object (b);
                      for (j = 0; j < row->len; j++)
                        {
                          const char *v = g_ptr_array_index (row, j);
                          json_builder_set_member_name (b, g_ptr_array_index (header, j));
                          if (!g_array_index (quoted, gboolean, j) && g_str_equal (v, "NULL"))
                            json_builder_add_null_value (b);
                          else
                            json_builder_add_string_value (b, v);
                        }
                      json_builder_end_object (b);
                    }
                }
              g_ptr_array_unref (row);
              row = g_ptr_array_new_with_free_func (g_free);
              g_array_set_size (quoted, 0);
            }
          i++;
          if (end)
            break;
          continue;
        }
      g_string_append_c (field, ch);
      i++;
    }
  json_builder_end_array (b);
  g_ptr_array_unref (row);
  g_array_unref (quoted);
  g_string_free (field, TRUE);
  if (*error != NULL)
    return NULL;
  return json_builder_get_root (b);
}

/* The request body as JSON (object or array), from JSON, CSV or a form. */
static JsonNode *
read_payload (Ctx       *c,
              SlrError **error)
{
  const char *ct = sl_request_get_header (c->req, "Content-Type");
  gsize len = 0;
  const char *data = c->req->body ? g_bytes_get_data (c->req->body, &len) : NULL;

  if (ct != NULL && g_ascii_strncasecmp (ct, "text/csv", 8) == 0)
    return csv_to_json (data ? data : "", len, error);
  if (ct != NULL && g_ascii_strncasecmp (ct, "application/x-www-form-urlencoded", 33) == 0)
    {
      g_autofree char *text = g_strndup (data ? data : "", len);
      g_autoptr(GHashTable) form = g_uri_parse_params (text, -1, "&", G_URI_PARAMS_WWW_FORM, NULL);
      g_autoptr(JsonBuilder) b = json_builder_new ();
      GHashTableIter iter;
      gpointer k, v;

      if (form == NULL)
        {
          error_set (error, 400, "PGRST102", "Empty or invalid json", NULL, NULL);
          return NULL;
        }
      json_builder_begin_object (b);
      g_hash_table_iter_init (&iter, form);
      while (g_hash_table_iter_next (&iter, &k, &v))
        {
          json_builder_set_member_name (b, k);
          json_builder_add_string_value (b, v);
        }
      json_builder_end_object (b);
      return json_builder_get_root (b);
    }
  {
    g_autoptr(JsonParser) parser = json_parser_new ();
    JsonNode *root;

    if (data == NULL || len == 0 || !json_parser_load_from_data (parser, data, (gssize) len, NULL) ||
        (root = json_parser_get_root (parser)) == NULL ||
        !(JSON_NODE_HOLDS_OBJECT (root) || JSON_NODE_HOLDS_ARRAY (root)))
      {
        error_set (error, 400, "PGRST102", "Empty or invalid json", NULL, NULL);
        return NULL;
      }
    return json_node_copy (root);
  }
}

/* Keys of the payload (all objects must share them). */
static GPtrArray *
payload_keys (JsonNode  *payload,
              SlrError **error)
{
  GPtrArray *keys = g_ptr_array_new_with_free_func (g_free);

  if (JSON_NODE_HOLDS_OBJECT (payload))
    {
      g_autoptr(GList) members = json_object_get_members (json_node_get_object (payload));
      GList *l;
      for (l = members; l; l = l->next)
        g_ptr_array_add (keys, g_strdup (l->data));
      return keys;
    }
  {
    JsonArray *arr = json_node_get_array (payload);
    guint i, n = json_array_get_length (arr);

    for (i = 0; i < n; i++)
      {
        JsonNode *el = json_array_get_element (arr, i);
        JsonObject *o;
        g_autoptr(GList) members = NULL;
        GList *l;

        if (!JSON_NODE_HOLDS_OBJECT (el))
          {
            error_set (error, 400, "PGRST102", "All object keys must match", NULL, NULL);
            g_ptr_array_unref (keys);
            return NULL;
          }
        o = json_node_get_object (el);
        members = json_object_get_members (o);
        if (i == 0)
          {
            for (l = members; l; l = l->next)
              g_ptr_array_add (keys, g_strdup (l->data));
          }
        else
          {
            gboolean same = g_list_length (members) == keys->len;
            for (l = members; same && l; l = l->next)
              same = strv_has (keys, l->data);
            if (!same)
              {
                error_set (error, 400, "PGRST102", "All object keys must match", NULL, NULL);
                g_ptr_array_unref (keys);
                return NULL;
              }
          }
      }
  }
  return keys;
}

static gboolean
check_columns (SlrTable  *table,
               GPtrArray *cols,
               SlrError **error)
{
  guint i;

  for (i = 0; i < cols->len; i++)
    {
      const char *name = g_ptr_array_index (cols, i);
      if (slr_table_column (table, name) == NULL)
        {
          g_autofree char *message = g_strdup_printf ("Could not find the '%s' column of '%s' in the schema cache",
                                                      name, table->name);
          error_set (error, 400, "PGRST204", message, NULL, NULL);
          return FALSE;
        }
    }
  return TRUE;
}

static char *
join_idents (GPtrArray  *cols,
             const char *prefix)
{
  GString *s = g_string_new (NULL);
  guint i;

  for (i = 0; i < cols->len; i++)
    {
      g_autofree char *c = qi (g_ptr_array_index (cols, i));
      g_string_append_printf (s, "%s%s%s", i ? ", " : "", prefix ? prefix : "", c);
    }
  return g_string_free (s, FALSE);
}

typedef enum { MUT_INSERT, MUT_UPDATE, MUT_DELETE, MUT_PUT } Mutation;

static gboolean
handle_write (Ctx        *c,
              const char *name,
              Mutation    mut,
              SlrError  **error)
{
  SlrTable *table;
  g_autoptr(Node) root = NULL;
  g_autoptr(JsonNode) payload = NULL;
  g_autoptr(GPtrArray) cols = NULL;
  g_autoptr(GString) sql = g_string_new (NULL);
  g_autoptr(GString) mutate = g_string_new (NULL);
  g_autoptr(GPtrArray) items = g_ptr_array_new_with_free_func (item_free);
  g_autofree char *target = NULL;
  g_autofree char *payload_text = NULL;
  g_autofree char *list = NULL;
  g_autofree char *body = NULL;
  gint64 top_limit = -1, top_offset = -1;
  Q q = { g_ptr_array_new_with_free_func (g_free), 0 };
  gboolean representation, headers_only, upsert_merge = FALSE, resolution_used = FALSE;
  gboolean ok = FALSE;
  Tx tx = { 0 };
  PGresult *res = NULL;
  gint64 page_total, inserted = -1;
  guint status;

  if (!lookup_table (c, name, &table, error) || !parse_query (c, FALSE, error))
    goto out;
  target = qualified_name (table->schema, table->name);
  representation = g_strcmp0 (c->p_return, "representation") == 0;
  headers_only = g_strcmp0 (c->p_return, "headers-only") == 0 && mut == MUT_INSERT;

  /* the returned rows are read from the CTE */
  root = root_node (table, "pgrst_source", "\"pgrst_source\"", name, c->select);
  if (!build_children (c->cache, root, &q, error))
    goto out;
  {
    /* filters apply to the mutated table, not to the CTE */
    g_autoptr(Node) mroot = root_node (table, target, target, name, c->select);
    if (!build_children (c->cache, mroot, &q, error) ||
        !distribute (c, mroot, &top_limit, &top_offset, error))
      goto out;

    if (mut == MUT_PUT)
      {
        guint i;
        gboolean only_pk_eq = table->pk->len > 0 && mroot->filters->len == table->pk->len && mroot->logic->len == 0;
        for (i = 0; only_pk_eq && i < mroot->filters->len; i++)
          {
            SlrFilter *f = g_ptr_array_index (mroot->filters, i);
            only_pk_eq = f->expr->op == SLR_OP_EQ && !f->expr->negate && f->expr->quant == SLR_QUANT_NONE &&
                         f->field->json_path->len == 0 && strv_has (table->pk, f->field->name);
          }
        if (!only_pk_eq)
          {
            error_set (error, 405, "PGRST105", "Filters must include all and only primary key columns with 'eq' operators", NULL, NULL);
            goto out;
          }
        if (top_limit >= 0 || top_offset >= 0)
          {
            error_set (error, 400, "PGRST114", "limit/offset querystring parameters are not allowed for PUT", NULL, NULL);
            goto out;
          }
      }

    if (mut != MUT_DELETE)
      {
        if ((payload = read_payload (c, error)) == NULL)
          goto out;
        if (mut == MUT_PUT)
          {
            JsonObject *o = NULL;
            guint i;
            if (JSON_NODE_HOLDS_ARRAY (payload) && json_array_get_length (json_node_get_array (payload)) == 1)
              {
                JsonNode *el = json_node_copy (json_array_get_element (json_node_get_array (payload), 0));
                json_node_unref (payload);
                payload = el;
              }
            if (!JSON_NODE_HOLDS_OBJECT (payload))
              {
                error_set (error, 400, "PGRST102", "Empty or invalid json", NULL, NULL);
                goto out;
              }
            o = json_node_get_object (payload);
            for (i = 0; i < mroot->filters->len; i++)
              {
                SlrFilter *f = g_ptr_array_index (mroot->filters, i);
                JsonNode *v = json_object_get_member (o, f->field->name);
                g_autofree char *vs = NULL;
                if (v != NULL && JSON_NODE_HOLDS_VALUE (v))
                  vs = json_node_get_value_type (v) == G_TYPE_STRING ? g_strdup (json_node_get_string (v))
                                                                      : json_to_string (v, FALSE);
                if (vs == NULL || !g_str_equal (vs, f->expr->value))
                  {
                    error_set (error, 400, "PGRST115", "Payload values do not match URL in primary key column(s)", NULL, NULL);
                    goto out;
                  }
              }
          }
        if (mut == MUT_UPDATE && JSON_NODE_HOLDS_ARRAY (payload))
          {
            JsonArray *a = json_node_get_array (payload);
            JsonNode *el = json_array_get_length (a) > 0 ? json_node_copy (json_array_get_element (a, 0)) : NULL;
            json_node_unref (payload);
            payload = el;
            if (payload == NULL || !JSON_NODE_HOLDS_OBJECT (payload))
              {
                error_set (error, 400, "PGRST102", "Empty or invalid json", NULL, NULL);
                goto out;
              }
          }
        if (c->columns != NULL)
          cols = g_ptr_array_ref (c->columns);
        else if ((cols = payload_keys (payload, error)) == NULL)
          goto out;
        if (!check_columns (table, cols, error))
          goto out;
        payload_text = json_to_string (payload, FALSE);
      }

    /* the mutation statement */
    if (mut == MUT_INSERT || mut == MUT_PUT)
      {
        g_autofree char *collist = join_idents (cols, NULL);
        g_autofree char *sel = join_idents (cols, "_.");
        gboolean defaults = g_strcmp0 (c->p_missing, "default") == 0;

        g_string_append_printf (mutate, "INSERT INTO %s", target);
        if (cols->len > 0)
          g_string_append_printf (mutate, " (%s)", collist);
        g_string_append_printf (mutate, " SELECT %s FROM ", cols->len > 0 ? sel : "");
        if (defaults && cols->len > 0)
          {
            guint i;
            g_string_append (mutate, "json_array_elements((SELECT pgrst_val FROM pgrst_body)) pgrst_e, LATERAL jsonb_populate_record(NULL::");
            g_string_append_printf (mutate, "%s, jsonb_build_object(", target);
            for (i = 0; i < cols->len; i++)
              {
                SlrColumn *col = slr_table_column (table, g_ptr_array_index (cols, i));
                g_autofree char *lit = NULL;
                if (col->default_expr == NULL)
                  continue;
                lit = slr_quote_literal (col->name);
                g_string_append_printf (mutate, "%s%s, %s", mutate->str[mutate->len - 1] == '(' ? "" : ", ",
                                        lit, col->default_expr);
              }
            g_string_append (mutate, ") || pgrst_e::jsonb) _");
          }
        else
          g_string_append_printf (mutate, "json_populate_recordset(NULL::%s, (SELECT pgrst_val FROM pgrst_body)) _", target);

        if (mut == MUT_PUT)
          {
            g_autofree char *pk = join_idents (table->pk, NULL);
            GString *set = g_string_new (NULL);
            guint i;
            for (i = 0; i < cols->len; i++)
              {
                g_autofree char *cq = qi (g_ptr_array_index (cols, i));
                g_string_append_printf (set, "%s%s = EXCLUDED.%s", i ? ", " : "", cq, cq);
              }
            if (set->len)
              g_string_append_printf (mutate, " ON CONFLICT (%s) DO UPDATE SET %s", pk, set->str);
            else
              g_string_append_printf (mutate, " ON CONFLICT (%s) DO NOTHING", pk);
            g_string_free (set, TRUE);
            upsert_merge = TRUE;
          }
        else if (c->p_resolution != NULL && (c->on_conflict != NULL || table->pk->len > 0))
          {
            GPtrArray *target_cols = c->on_conflict ? c->on_conflict : table->pk;
            g_autofree char *tc = join_idents (target_cols, NULL);

            resolution_used = TRUE;
            if (g_str_equal (c->p_resolution, "ignore-duplicates"))
              g_string_append_printf (mutate, " ON CONFLICT (%s) DO NOTHING", tc);
            else
              {
                GString *set = g_string_new (NULL);
                guint i;
                for (i = 0; i < cols->len; i++)
                  {
                    g_autofree char *cq = qi (g_ptr_array_index (cols, i));
                    g_string_append_printf (set, "%s%s = EXCLUDED.%s", i ? ", " : "", cq, cq);
                  }
                if (set->len)
                  g_string_append_printf (mutate, " ON CONFLICT (%s) DO UPDATE SET %s", tc, set->str);
                else
                  g_string_append_printf (mutate, " ON CONFLICT (%s) DO NOTHING", tc);
                g_string_free (set, TRUE);
                upsert_merge = TRUE;
              }
          }
      }
    else if (mut == MUT_UPDATE)
      {
        guint i;
        if (cols->len == 0)
          {
            /* empty body: nothing to update (PostgREST answers as if 0 rows) */
            g_string_append_printf (mutate, "SELECT %s.* FROM %s WHERE FALSE", target, target);
          }
        else
          {
            g_string_append_printf (mutate, "UPDATE %s SET ", target);
            for (i = 0; i < cols->len; i++)
              {
                g_autofree char *cq = qi (g_ptr_array_index (cols, i));
                g_string_append_printf (mutate, "%s%s = _.%s", i ? ", " : "", cq, cq);
              }
            g_string_append_printf (mutate, " FROM (SELECT * FROM json_populate_record(NULL::%s, (SELECT pgrst_val FROM pgrst_body)->0)) _ WHERE ",
                                    target);
            gen_conditions (&q, mutate, mroot, TRUE);
          }
      }
    else
      {
        g_string_append_printf (mutate, "DELETE FROM %s WHERE ", target);
        gen_conditions (&q, mutate, mroot, TRUE);
      }

    if (!(mut == MUT_UPDATE && cols->len == 0))
      {
        if (representation || headers_only || mut == MUT_PUT)
          g_string_append_printf (mutate, " RETURNING %s.*", target);
        else
          g_string_append (mutate, " RETURNING 1");
        if (upsert_merge && table->kind != 'v')
          g_string_append_printf (mutate, ", (%s.xmax = 0) AS pgrst_inserted", target);
      }
  }

  /* the statement: payload param first */
  {
    GString *head = g_string_new ("WITH ");
    if (payload_text != NULL)
      {
        g_ptr_array_insert (q.params, 0, g_strdup (payload_text));
        /* renumber: the payload is $1, shift every $n in the generated SQL */
        {
          GString *shifted = g_string_new (NULL);
          const char *p = mutate->str;
          while (*p)
            {
              if (*p == '$' && g_ascii_isdigit (p[1]))
                {
                  char *end;
                  guint64 n = g_ascii_strtoull (p + 1, &end, 10);
                  g_string_append_printf (shifted, "$%" G_GUINT64_FORMAT, n + 1);
                  p = end;
                }
              else
                g_string_append_c (shifted, *p++);
            }
          g_string_assign (mutate, shifted->str);
          g_string_free (shifted, TRUE);
        }
        g_string_append (head, "pgrst_body AS (SELECT CASE WHEN json_typeof($1::json) = 'array' THEN $1::json ELSE json_build_array($1::json) END AS pgrst_val), ");
      }
    g_string_append_printf (head, "pgrst_source AS (%s)", mutate->str);
    g_string_append (sql, head->str);
    g_string_free (head, TRUE);
  }

  if (representation)
    {
      gen_items (&q, root, items);
      list = items_to_sql (items);
    }
  body = representation ? body_expr (c, FALSE) : g_strdup ("''");
  {
    g_autofree char *loc = g_strdup ("''");
    g_autofree char *ins = g_strdup ("NULL::bigint");

    if (headers_only && table->pk->len > 0)
      {
        GString *l = g_string_new ("(SELECT ");
        guint i;
        for (i = 0; i < table->pk->len; i++)
          {
            g_autofree char *cq = qi (g_ptr_array_index (table->pk, i));
            g_autofree char *lit = slr_quote_literal (g_ptr_array_index (table->pk, i));
            g_string_append_printf (l, "%s%s || '=eq.' || %s.%s::text", i ? " || '&' || " : "", lit, "pgrst_source", cq);
          }
        g_string_append (l, " FROM pgrst_source LIMIT 1)");
        g_free (loc);
        loc = g_string_free (l, FALSE);
      }
    if (upsert_merge && table->kind != 'v')
      {
        g_free (ins);
        ins = g_strdup ("(SELECT pg_catalog.count(*) FROM pgrst_source WHERE pgrst_inserted)");
      }
    g_string_append_printf (sql, " SELECT (SELECT pg_catalog.count(*) FROM pgrst_source)::bigint, %s, %s, %s FROM (SELECT %s FROM pgrst_source) _postgrest_t GROUP BY ()",
                            body, loc, ins, representation ? list : "1");
  }

  if (!tx_begin (c, &tx, FALSE, error))
    goto out;
  res = tx_exec (c, &tx, sql->str, q.params, error);
  if (res == NULL)
    {
      tx_end (&tx, FALSE, NULL);
      goto out;
    }
  if (PQntuples (res) != 1)
    {
      tx_end (&tx, FALSE, NULL);
      error_set (error, 500, "PGRSTX00", "Unexpected result of the mutation", NULL, NULL);
      goto out;
    }
  page_total = g_ascii_strtoll (PQgetvalue (res, 0, 0), NULL, 10);
  if (!PQgetisnull (res, 0, 3))
    inserted = g_ascii_strtoll (PQgetvalue (res, 0, 3), NULL, 10);

  if (representation && c->media == MT_OBJECT && page_total != 1)
    {
      g_autofree char *details = g_strdup_printf ("The result contains %" G_GINT64_FORMAT " rows", page_total);
      tx_end (&tx, FALSE, NULL);
      error_set (error, 406, "PGRST116", "Cannot coerce the result to a single JSON object", details, NULL);
      goto out;
    }
  {
    SlrError *cerr = NULL;
    tx_end (&tx, TRUE, &cerr);
    if (cerr != NULL)
      {
        *error = cerr;
        goto out;
      }
  }

  {
    gint64 total = c->p_count != NULL ? page_total : -1;
    g_autofree char *cr = NULL;

    switch (mut)
      {
      case MUT_INSERT:
        cr = content_range (1, 0, total);
        status = (inserted == 0 && g_strcmp0 (c->p_resolution, "merge-duplicates") == 0) ? 200 : 201;
        if (headers_only && page_total == 1 && *PQgetvalue (res, 0, 2))
          {
            /* the value part must be URL-encoded */
            g_auto(GStrv) parts = g_strsplit (PQgetvalue (res, 0, 2), "&", -1);
            GString *l = g_string_new ("/");
            guint i;
            g_string_append (l, name);
            g_string_append_c (l, '?');
            for (i = 0; parts[i]; i++)
              {
                char *eq = strstr (parts[i], "=eq.");
                g_autofree char *k = NULL;
                g_autofree char *v = NULL;
                if (eq == NULL)
                  continue;
                *eq = '\0';
                k = g_uri_escape_string (parts[i], NULL, FALSE);
                v = g_uri_escape_string (eq + 4, NULL, FALSE);
                g_string_append_printf (l, "%s%s=eq.%s", i ? "&" : "", k, v);
              }
            sl_response_add_header (c->resp, "Location", l->str);
            g_string_free (l, TRUE);
          }
        break;
      case MUT_PUT:
        cr = NULL;
        status = inserted > 0 ? 201 : 200;
        break;
      case MUT_UPDATE:
        cr = content_range (0, page_total - 1, total);
        status = 200;
        break;
      case MUT_DELETE:
      default:
        cr = content_range (1, 0, total);
        status = 200;
        break;
      }
    if (cr != NULL)
      sl_response_add_header (c->resp, "Content-Range", cr);
    set_pref_applied (c, mut == MUT_INSERT && resolution_used,
                      mut == MUT_INSERT || mut == MUT_UPDATE, TRUE);
    if (representation)
      {
        const char *text = PQgetvalue (res, 0, 1);
        set_body (c, status, text);
      }
    else
      {
        c->resp->status = (mut == MUT_INSERT) ? status : 204;
        if (c->profile_given)
          sl_response_add_header (c->resp, "Content-Profile", c->schema);
      }
  }
  ok = TRUE;

out:
  if (res != NULL)
    PQclear (res);
  g_ptr_array_unref (q.params);
  return ok;
}

/* ================================================================= RPC */

static gboolean
arg_is_input (SlrArg *a)
{
  return a->mode == 'i' || a->mode == 'b' || a->mode == 'v';
}

static SlrFunc *
pick_function (GPtrArray *overloads,
               GPtrArray *keys,
               gboolean   json_body,
               gboolean  *whole_body)
{
  guint i, j;

  *whole_body = FALSE;
  for (i = 0; overloads != NULL && i < overloads->len; i++)
    {
      SlrFunc *f = g_ptr_array_index (overloads, i);
      gboolean ok = TRUE;

      for (j = 0; ok && j < keys->len; j++)
        {
          guint k;
          gboolean found = FALSE;
          for (k = 0; k < f->args->len; k++)
            {
              SlrArg *a = g_ptr_array_index (f->args, k);
              if (arg_is_input (a) && g_str_equal (a->name, g_ptr_array_index (keys, j)))
                found = TRUE;
            }
          ok = found;
        }
      for (j = 0; ok && j < f->args->len; j++)
        {
          SlrArg *a = g_ptr_array_index (f->args, j);
          if (arg_is_input (a) && !a->has_default && !strv_has (keys, a->name))
            ok = FALSE;
        }
      if (ok)
        return f;
    }
  /* a single unnamed json/jsonb parameter takes the whole body */
  for (i = 0; json_body && overloads != NULL && i < overloads->len; i++)
    {
      SlrFunc *f = g_ptr_array_index (overloads, i);
      guint n_in = 0;
      SlrArg *only = NULL;

      for (j = 0; j < f->args->len; j++)
        {
          SlrArg *a = g_ptr_array_index (f->args, j);
          if (arg_is_input (a))
            {
              n_in++;
              only = a;
            }
        }
      if (n_in == 1 && (only->name[0] == '\0') &&
          (g_str_equal (only->type, "json") || g_str_equal (only->type, "jsonb")))
        {
          *whole_body = TRUE;
          return f;
        }
    }
  return NULL;
}

static gboolean
handle_rpc (Ctx        *c,
            const char *fname,
            SlrError  **error)
{
  gboolean get = g_str_equal (c->req->method, "GET") || c->head;
  g_autoptr(JsonNode) args = NULL;
  g_autoptr(GPtrArray) keys = g_ptr_array_new_with_free_func (g_free);
  GPtrArray *overloads;
  SlrFunc *f;
  gboolean whole_body = FALSE;
  g_autoptr(GString) call = g_string_new (NULL);
  g_autoptr(Node) root = NULL;
  g_autofree char *fq = NULL;
  g_autofree char *from = NULL;
  gint64 top_limit = -1, top_offset = -1;
  Q q = { g_ptr_array_new_with_free_func (g_free), 0 };
  SlrTable *ret_table = NULL;
  gboolean scalar, ok = FALSE;
  guint i;

  if (!parse_query (c, get, error))
    goto out;

  if (get)
    {
      g_autoptr(JsonBuilder) b = json_builder_new ();
      json_builder_begin_object (b);
      for (i = 0; i + 1 < c->rpc_args->len; i += 2)
        {
          json_builder_set_member_name (b, g_ptr_array_index (c->rpc_args, i));
          json_builder_add_string_value (b, g_ptr_array_index (c->rpc_args, i + 1));
          if (!strv_has (keys, g_ptr_array_index (c->rpc_args, i)))
            g_ptr_array_add (keys, g_strdup (g_ptr_array_index (c->rpc_args, i)));
        }
      json_builder_end_object (b);
      args = json_builder_get_root (b);
    }
  else
    {
      gsize len = 0;
      const char *data = c->req->body ? g_bytes_get_data (c->req->body, &len) : NULL;
      if (data == NULL || len == 0)
        args = json_from_string ("{}", NULL);
      else
        {
          if ((args = read_payload (c, error)) == NULL)
            goto out;
        }
      if (JSON_NODE_HOLDS_OBJECT (args))
        {
          g_autoptr(GList) members = json_object_get_members (json_node_get_object (args));
          GList *l;
          for (l = members; l; l = l->next)
            g_ptr_array_add (keys, g_strdup (l->data));
        }
    }

  overloads = slr_cache_funcs (c->cache, c->schema, fname);
  f = pick_function (overloads, keys, !get, &whole_body);
  if (f == NULL || (!whole_body && !JSON_NODE_HOLDS_OBJECT (args)))
    {
      GString *prms = g_string_new (NULL);
      g_autofree char *message = NULL;
      g_autofree char *details = NULL;
      g_autofree char *hint = NULL;
      g_autoptr(GPtrArray) sorted = g_ptr_array_new ();

      for (i = 0; i < keys->len; i++)
        g_ptr_array_add (sorted, g_ptr_array_index (keys, i));
      g_ptr_array_sort (sorted, compare_strptr);
      for (i = 0; i < sorted->len; i++)
        g_string_append_printf (prms, "%s%s", i ? ", " : "", (char *) g_ptr_array_index (sorted, i));
      if (keys->len == 0)
        message = g_strdup_printf ("Could not find the function %s.%s without parameters in the schema cache", c->schema, fname);
      else
        message = g_strdup_printf ("Could not find the function %s.%s(%s) in the schema cache", c->schema, fname, prms->str);
      details = g_strdup_printf ("Searched for the function %s.%s%s%s%s, but no matches were found in the schema cache.",
                                 c->schema, fname,
                                 keys->len == 0 ? " without parameters" : (keys->len > 1 ? " with parameters " : " with parameter "),
                                 keys->len == 0 ? "" : prms->str,
                                 get ? "" : " or with a single unnamed json/jsonb parameter");
      if (overloads == NULL)
        {
          const char *best = NULL;
          double best_score = 0;
          for (i = 0; i < c->cache->func_list->len; i++)
            {
              SlrFunc *o = g_ptr_array_index (c->cache->func_list, i);
              double s;
              if (!g_str_equal (o->schema, c->schema))
                continue;
              s = slr_similarity (o->name, fname);
              if (s > best_score)
                {
                  best_score = s;
                  best = o->name;
                }
            }
          if (best != NULL && best_score >= 0.6)
            hint = g_strdup_printf ("Perhaps you meant to call the function %s.%s", c->schema, best);
        }
      else
        {
          SlrFunc *o = g_ptr_array_index (overloads, 0);
          g_autoptr(GPtrArray) names = g_ptr_array_new ();
          GString *h = g_string_new (NULL);
          for (i = 0; i < o->args->len; i++)
            {
              SlrArg *a = g_ptr_array_index (o->args, i);
              if (arg_is_input (a))
                g_ptr_array_add (names, a->name);
            }
          g_ptr_array_sort (names, compare_strptr);
          for (i = 0; i < names->len; i++)
            g_string_append_printf (h, "%s%s", i ? ", " : "", (char *) g_ptr_array_index (names, i));
          hint = g_strdup_printf ("Perhaps you meant to call the function %s.%s(%s)", c->schema, fname, h->str);
          g_string_free (h, TRUE);
        }
      g_string_free (prms, TRUE);
      error_set (error, 404, "PGRST202", message, details, hint);
      goto out;
    }

  /* the call: arguments come from json_to_record($1) with declared types */
  fq = qualified_name (f->schema, f->name);
  {
    g_autofree char *argtext = json_to_string (args, FALSE);
    g_ptr_array_add (q.params, g_steal_pointer (&argtext));
  }
  if (f->ret_rel != NULL)
    ret_table = slr_cache_table (c->cache, f->ret_rel_schema, f->ret_rel);
  scalar = f->ret_rel == NULL && !f->ret_record && f->ret_typtype != 'c';
  {
    g_autofree char *prefix = NULL;
    g_autofree char *alias = qi (fname);

    if (whole_body)
      {
        SlrArg *only = NULL;
        for (i = 0; i < f->args->len; i++)
          if (arg_is_input (g_ptr_array_index (f->args, i)))
            only = g_ptr_array_index (f->args, i);
        prefix = g_strdup ("");
        g_string_append_printf (call, "%s($1::%s)", fq, only->type);
      }
    else
      {
        GString *defs = g_string_new (NULL);
        GString *named = g_string_new (NULL);
        guint n = 0;

        for (i = 0; i < f->args->len; i++)
          {
            SlrArg *a = g_ptr_array_index (f->args, i);
            g_autofree char *an = NULL;
            if (!arg_is_input (a) || !strv_has (keys, a->name))
              continue;
            an = qi (a->name);
            g_string_append_printf (defs, "%s%s %s", n ? ", " : "", an, a->type);
            g_string_append_printf (named, "%s%s := pgrst_args.%s", n ? ", " : "", an, an);
            n++;
          }
        if (n > 0)
          prefix = g_strdup_printf ("(SELECT * FROM json_to_record($1::json) AS _(%s)) pgrst_args, LATERAL ", defs->str);
        else
          prefix = g_strdup ("(SELECT $1::text AS pgrst_unused) pgrst_args, LATERAL ");
        g_string_append_printf (call, "%s(%s)", fq, named->str);
        g_string_free (defs, TRUE);
        g_string_free (named, TRUE);
      }

    if (f->ret_void || (scalar && !f->ret_set))
      from = g_strdup_printf ("%s(SELECT %s AS pgrst_scalar) pgrst_call", prefix, call->str);
    else if (scalar)
      from = g_strdup_printf ("%s%s AS pgrst_scalar", prefix, call->str);
    else
      from = g_strdup_printf ("%s%s AS %s", prefix, call->str, alias);
  }

  {
    g_autofree char *alias = qi (fname);
    root = root_node (ret_table, from, (scalar || f->ret_void) ? "pgrst_scalar" : alias, fname, c->select);
  }
  if (!build_children (c->cache, root, &q, error) ||
      !distribute (c, root, &top_limit, &top_offset, error))
    goto out;
  ok = run_read (c, root, from, scalar || f->ret_void, !f->ret_set, top_limit, top_offset, NULL,
                 get, f->ret_void, &q, error);

out:
  g_ptr_array_unref (q.params);
  return ok;
}

/* ============================================================= OpenAPI */

static gboolean
handle_openapi (Ctx       *c,
                SlrError **error)
{
  g_autofree char *doc = NULL;

  if (g_strcmp0 (c->req->role, "service_role") != 0 && g_strcmp0 (c->req->role, "supabase_admin") != 0 &&
      g_strcmp0 (c->req->role, "postgres") != 0)
    {
      error_set (error, 403, "42501", "permission denied for root endpoint",
                 "The OpenAPI document is only available with a service_role or secret key", NULL);
      return FALSE;
    }
  doc = slr_openapi_build (c->cache, c->schema, c->state->server->base_url);
  c->media = MT_OPENAPI;
  set_body (c, 200, doc);
  return TRUE;
}

/* ============================================================= routing */

static SlrCache *
state_get_cache (SlrState *st)
{
  SlrCache *cache = NULL;

  g_mutex_lock (&st->lock);
  if (st->cache != NULL)
    cache = slr_cache_ref (st->cache);
  g_mutex_unlock (&st->lock);
  return cache;
}

static void
state_set_cache (SlrState *st,
                 SlrCache *cache)
{
  SlrCache *old;

  g_mutex_lock (&st->lock);
  old = st->cache;
  st->cache = cache;
  g_mutex_unlock (&st->lock);
  if (old != NULL)
    slr_cache_unref (old);
}

static void
rest_handler (SlRequest  *req,
              SlResponse *resp,
              gpointer    user_data)
{
  SlrState *st = user_data;
  g_autoptr(GError) jwt_error = NULL;
  g_autoptr(SlrError) error = NULL;
  Ctx c = { 0 };
  const char *method = req->method;
  const char *profile;
  const char *sub;
  gboolean writes = !(g_str_equal (method, "GET") || g_str_equal (method, "HEAD"));

  c.state = st;
  c.req = req;
  c.resp = resp;
  c.head = g_str_equal (method, "HEAD");

  if (!sl_request_authenticate (req, SL_AUTH_REQUIRE_APIKEY, resp, &jwt_error) && jwt_error == NULL)
    return;
  if (jwt_error != NULL)
    {
      gboolean claims = jwt_error->domain == SL_JWT_ERROR &&
                        (jwt_error->code == SL_JWT_ERROR_EXPIRED || jwt_error->code == SL_JWT_ERROR_CLAIMS);
      g_autofree char *escaped = g_strescape (jwt_error->message, NULL);
      g_autofree char *www = g_strdup_printf ("Bearer error=\"invalid_token\", error_description=\"%s\"", escaped);
      g_autoptr(SlrError) e = slr_error_new (401, claims ? "PGRST303" : "PGRST301", jwt_error->message, NULL, NULL);

      g_clear_pointer (&resp->body, g_bytes_unref);
      sl_response_add_header (resp, "WWW-Authenticate", www);
      respond_error (resp, e, c.head);
      return;
    }

  c.cache = state_get_cache (st);
  if (c.cache == NULL)
    {
      g_autoptr(SlrError) e = slr_error_new (503, "PGRST002",
                                             "Could not query the database for the schema cache. Retrying.", NULL, NULL);
      respond_error (resp, e, c.head);
      return;
    }

  /* schema: one of db-schemas (read with the schema cache) */
  profile = sl_request_get_header (req, writes ? "Content-Profile" : "Accept-Profile");
  if (profile != NULL && *profile != '\0')
    {
      if (!g_strv_contains ((const char * const *) c.cache->schemas, profile))
        {
          g_autofree char *message = g_strdup_printf ("Invalid schema: %s", profile);
          g_autofree char *hint = g_strdup_printf ("Only the following schemas are exposed: %s",
                                                   c.cache->schemas_text);
          g_autoptr(SlrError) e = slr_error_new (406, "PGRST106", message, NULL, hint);
          respond_error (resp, e, c.head);
          ctx_clear (&c);
          return;
        }
      c.schema = profile;
      c.profile_given = TRUE;
    }
  else
    c.schema = c.cache->schemas[0];
  parse_prefer (&c);

  sub = req->subpath ? req->subpath : "";
  if (*sub == '/')
    sub++;

  if (*sub == '\0')
    {
      if (g_str_equal (method, "GET") || c.head)
        {
          if (negotiate (&c, TRUE, &error))
            handle_openapi (&c, &error);
        }
      else if (g_str_equal (method, "OPTIONS"))
        {
          resp->status = 200;
          sl_response_add_header (resp, "Allow", "OPTIONS,GET,HEAD");
        }
      else
        {
          g_autofree char *message = g_strdup_printf ("Unsupported HTTP method: %s", method);
          error = slr_error_new (405, "PGRST117", message, NULL, NULL);
        }
    }
  else if (g_str_has_prefix (sub, "rpc/") && strchr (sub + 4, '/') == NULL && sub[4] != '\0')
    {
      const char *fname = sub + 4;

      if (g_str_equal (method, "OPTIONS"))
        {
          GPtrArray *ov = slr_cache_funcs (c.cache, c.schema, fname);
          SlrFunc *f = ov ? g_ptr_array_index (ov, 0) : NULL;
          resp->status = 200;
          sl_response_add_header (resp, "Allow", (f && f->volatility == 'v') ? "OPTIONS,POST" : "OPTIONS,GET,HEAD,POST");
        }
      else if (!(g_str_equal (method, "GET") || c.head || g_str_equal (method, "POST")))
        {
          g_autofree char *message = g_strdup_printf ("Cannot use the %s method on RPC", method);
          error = slr_error_new (405, "PGRST101", message, NULL, NULL);
        }
      else if (negotiate (&c, FALSE, &error))
        handle_rpc (&c, fname, &error);
    }
  else if (strchr (sub, '/') == NULL)
    {
      if (g_str_equal (method, "OPTIONS"))
        {
          SlrTable *t = NULL;
          if (lookup_table (&c, sub, &t, &error))
            {
              GString *allow = g_string_new ("OPTIONS,GET,HEAD");
              if (t->insertable)
                g_string_append (allow, ",POST");
              if (t->insertable && t->updatable && t->pk->len > 0)
                g_string_append (allow, ",PUT");
              if (t->updatable)
                g_string_append (allow, ",PATCH");
              if (t->deletable)
                g_string_append (allow, ",DELETE");
              resp->status = 200;
              sl_response_add_header (resp, "Allow", allow->str);
              g_string_free (allow, TRUE);
            }
        }
      else if (!negotiate (&c, FALSE, &error))
        ;
      else if (g_str_equal (method, "GET") || c.head)
        handle_read (&c, sub, &error);
      else if (g_str_equal (method, "POST"))
        handle_write (&c, sub, MUT_INSERT, &error);
      else if (g_str_equal (method, "PATCH"))
        handle_write (&c, sub, MUT_UPDATE, &error);
      else if (g_str_equal (method, "DELETE"))
        handle_write (&c, sub, MUT_DELETE, &error);
      else if (g_str_equal (method, "PUT"))
        handle_write (&c, sub, MUT_PUT, &error);
      else
        {
          g_autofree char *message = g_strdup_printf ("Unsupported HTTP method: %s", method);
          error = slr_error_new (405, "PGRST117", message, NULL, NULL);
        }
    }
  else
    error = slr_error_new (404, "PGRST125", "Invalid path specified in request URL", NULL, NULL);

  if (error != NULL)
    {
      if (error->status == 401)
        sl_response_add_header (resp, "WWW-Authenticate", "Bearer");
      respond_error (resp, error, c.head);
    }
  ctx_clear (&c);
}

/* ============================================================ listener */

static gpointer
listener_thread (gpointer data)
{
  SlrState *st = data;
  PGconn *conn = st->listen_conn;

  while (!g_atomic_int_get (&st->stopping))
    {
      struct pollfd pfd = { PQsocket (conn), POLLIN, 0 };
      gboolean reload = FALSE;
      PGnotify *n;

      if (PQstatus (conn) != CONNECTION_OK)
        {
          g_usleep (200 * 1000);
          PQreset (conn);
          if (PQstatus (conn) == CONNECTION_OK)
            {
              PGresult *r = PQexec (conn, "LISTEN pgrst");
              PQclear (r);
              reload = TRUE;
            }
          else
            continue;
        }
      else
        {
          if (poll (&pfd, 1, 200) <= 0)
            continue;
          if (!PQconsumeInput (conn))
            continue;
        }
      while ((n = PQnotifies (conn)) != NULL)
        {
          if (n->extra == NULL || n->extra[0] == '\0' || g_str_equal (n->extra, "reload schema") ||
              g_str_equal (n->extra, "reload config"))
            reload = TRUE;
          PQfreemem (n);
        }
      if (reload)
        {
          g_autoptr(GError) error = NULL;
          SlrCache *cache;

          /* let a burst of DDL notifications settle */
          g_usleep (20 * 1000);
          PQconsumeInput (conn);
          while ((n = PQnotifies (conn)) != NULL)
            PQfreemem (n);
          cache = slr_cache_load (conn, &error);
          if (cache != NULL)
            state_set_cache (st, cache);
          else
            g_warning ("schema cache reload failed: %s", error->message);
        }
    }
  return NULL;
}

void
sl_rest_register (SlServer *server)
{
  g_autoptr(GError) error = NULL;
  SlrState *st = g_new0 (SlrState, 1);
  PGresult *r;

  st->server = server;
  g_mutex_init (&st->lock);
  server->rest = st;

  st->listen_conn = sl_db_connect (server, &error);
  if (st->listen_conn == NULL)
    {
      g_warning ("rest: cannot open the LISTEN connection: %s", error->message);
    }
  else
    {
      r = PQexec (st->listen_conn, "LISTEN pgrst");
      PQclear (r);
      st->cache = slr_cache_load (st->listen_conn, &error);
      if (st->cache == NULL)
        g_warning ("rest: schema cache load failed: %s", error->message);
      st->listener = g_thread_new ("sl-rest-listen", listener_thread, st);
    }
  sl_server_add_route (server, "/rest/v1", SL_ROUTE_DEFAULT, rest_handler, st);
}

void
sl_rest_shutdown (SlServer *server)
{
  SlrState *st = server->rest;

  if (st == NULL)
    return;
  g_atomic_int_set (&st->stopping, 1);
  if (st->listener != NULL)
    g_thread_join (st->listener);
  if (st->listen_conn != NULL)
    PQfinish (st->listen_conn);
  state_set_cache (st, NULL);
  g_mutex_clear (&st->lock);
  g_free (st);
  server->rest = NULL;
}
