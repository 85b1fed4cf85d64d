/* sl-rest-parse.c — PostgREST's query-string grammar (PROTOCOL.md §2.2–2.5).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A small recursive-descent parser over one parameter value at a time.
 * Error positions and wording follow PostgREST's (Parsec) messages:
 * message `"failed to parse filter (v)" (line 1, column N)`, details
 * `unexpected "x" expecting …`.
 */

#define G_LOG_DOMAIN "sl-rest"

#include "sl-rest-private.h"

#include <string.h>

/* ------------------------------------------------------------ errors */

SlrError *
slr_error_new (guint       status,
               const char *code,
               const char *message,
               const char *details,
               const char *hint)
{
  SlrError *e = g_new0 (SlrError, 1);

  e->status = status;
  e->code = g_strdup (code);
  e->message = g_strdup (message);
  e->details = g_strdup (details);
  e->hint = g_strdup (hint);
  return e;
}

void
slr_error_free (SlrError *error)
{
  if (error == NULL)
    return;
  g_free (error->code);
  g_free (error->message);
  g_free (error->details);
  g_free (error->hint);
  g_free (error);
}

/* ------------------------------------------------------------ frees */

static void
json_op_free (gpointer data)
{
  SlrJsonOp *op = data;

  g_free (op->key);
  g_free (op);
}

void
slr_field_free (SlrField *field)
{
  if (field == NULL)
    return;
  g_free (field->name);
  g_ptr_array_unref (field->json_path);
  g_free (field);
}

void
slr_op_expr_free (SlrOpExpr *expr)
{
  if (expr == NULL)
    return;
  g_free (expr->value);
  g_clear_pointer (&expr->list, g_ptr_array_unref);
  g_free (expr->lang);
  g_free (expr);
}

void
slr_filter_free (SlrFilter *filter)
{
  if (filter == NULL)
    return;
  g_clear_pointer (&filter->path, g_ptr_array_unref);
  slr_field_free (filter->field);
  slr_op_expr_free (filter->expr);
  g_free (filter);
}

void
slr_logic_free (SlrLogic *logic)
{
  if (logic == NULL)
    return;
  g_clear_pointer (&logic->children, g_ptr_array_unref);
  slr_filter_free (logic->filter);
  g_free (logic);
}

void
slr_select_free (SlrSelect *select)
{
  if (select == NULL)
    return;
  slr_field_free (select->field);
  g_free (select->cast);
  g_free (select->alias);
  g_free (select->aggregate);
  g_free (select->rel);
  g_free (select->hint);
  g_clear_pointer (&select->children, g_ptr_array_unref);
  g_free (select);
}

void
slr_order_free (SlrOrder *order)
{
  if (order == NULL)
    return;
  g_free (order->relation);
  slr_field_free (order->field);
  g_free (order);
}

/* ------------------------------------------------------------ parser */

typedef struct
{
  const char *s;
  gsize       pos;
  gsize       len;
  const char *what;       /* "filter", "select parameter", … */
  const char *source;     /* the whole text, for the message */
  /* farthest failure */
  gboolean    failed;
  gsize       err_pos;
  char       *expecting;
} P;

static void
p_init (P          *p,
        const char *text,
        const char *what)
{
  memset (p, 0, sizeof *p);
  p->s = text;
  p->len = strlen (text);
  p->what = what;
  p->source = text;
}

static void
p_fail (P          *p,
        const char *expecting)
{
  if (p->failed && p->err_pos > p->pos)
    return;
  if (p->failed && p->err_pos == p->pos && p->expecting != NULL && expecting != NULL)
    {
      if (strstr (p->expecting, expecting) == NULL)
        {
          char *joined = g_strdup_printf ("%s or %s", p->expecting, expecting);
          g_free (p->expecting);
          p->expecting = joined;
        }
      return;
    }
  p->failed = TRUE;
  p->err_pos = p->pos;
  g_free (p->expecting);
  p->expecting = g_strdup (expecting);
}

static SlrError *
p_error (P *p)
{
  g_autofree char *message = NULL;
  g_autofree char *unexpected = NULL;
  g_autofree char *details = NULL;
  gsize pos = p->failed ? p->err_pos : p->pos;

  message = g_strdup_printf ("\"failed to parse %s (%s)\" (line 1, column %" G_GSIZE_FORMAT ")",
                             p->what, p->source, pos + 1);
  if (pos >= p->len)
    unexpected = g_strdup ("end of input");
  else
    {
      const char *c = p->s + pos;
      const char *next = g_utf8_next_char (c);
      unexpected = g_strdup_printf ("\"%.*s\"", (int) (next - c), c);
    }
  if (p->expecting != NULL)
    details = g_strdup_printf ("unexpected %s expecting %s", unexpected, p->expecting);
  else
    details = g_strdup_printf ("unexpected %s", unexpected);
  g_free (p->expecting);
  p->expecting = NULL;
  return slr_error_new (400, "PGRST100", message, details, NULL);
}

static gboolean
p_eof (P *p)
{
  return p->pos >= p->len;
}

static char
p_peek (P *p)
{
  return p_eof (p) ? '\0' : p->s[p->pos];
}

static gboolean
p_lit (P          *p,
       const char *lit)
{
  gsize n = strlen (lit);

  if (p->len - p->pos >= n && strncmp (p->s + p->pos, lit, n) == 0)
    {
      p->pos += n;
      return TRUE;
    }
  return FALSE;
}

static gboolean
p_lit_ci (P          *p,
          const char *lit)
{
  gsize n = strlen (lit);

  if (p->len - p->pos >= n && g_ascii_strncasecmp (p->s + p->pos, lit, n) == 0)
    {
      p->pos += n;
      return TRUE;
    }
  return FALSE;
}

static void
p_ws (P *p)
{
  while (!p_eof (p) && (p->s[p->pos] == ' ' || p->s[p->pos] == '\t'))
    p->pos++;
}

/* "…" with backslash escapes; NULL (position unchanged) if not at a quote. */
static char *
p_quoted (P *p)
{
  gsize start = p->pos;
  GString *out;

  if (p_peek (p) != '"')
    return NULL;
  p->pos++;
  out = g_string_new (NULL);
  while (!p_eof (p))
    {
      char c = p->s[p->pos];

      if (c == '"')
        {
          p->pos++;
          return g_string_free (out, FALSE);
        }
      if (c == '\\')
        {
          p->pos++;
          if (p_eof (p))
            break;
          c = p->s[p->pos];
        }
      g_string_append_c (out, c);
      p->pos++;
    }
  p_fail (p, "\"\\\"\"");
  g_string_free (out, TRUE);
  p->pos = start;
  return NULL;
}

static gboolean
is_ident_char (char c)
{
  return g_ascii_isalnum (c) || c == '_' || c == ' ' || c == '$' || (guchar) c >= 0x80;
}

/* many1 of identifier chars, stripped. */
static char *
p_identifier (P *p)
{
  gsize start = p->pos;

  while (!p_eof (p) && is_ident_char (p->s[p->pos]))
    p->pos++;
  if (p->pos == start)
    return NULL;
  return g_strstrip (g_strndup (p->s + start, p->pos - start));
}

/* Identifiers joined by '-' (a '-' not followed by '>'). */
static char *
p_sep_by_dash (P         *p,
               gboolean (*accept) (char))
{
  GString *out = NULL;

  for (;;)
    {
      gsize start = p->pos;

      while (!p_eof (p) && accept (p->s[p->pos]))
        p->pos++;
      if (p->pos == start)
        {
          if (out == NULL)
            return NULL;
          /* a dangling dash: give it back */
          p->pos--;
          g_string_truncate (out, out->len - 1);
          break;
        }
      {
        g_autofree char *piece = g_strstrip (g_strndup (p->s + start, p->pos - start));
        if (out == NULL)
          out = g_string_new (piece);
        else
          g_string_append (out, piece);
      }
      if (p_peek (p) == '-' && !(p->pos + 1 < p->len && p->s[p->pos + 1] == '>'))
        {
          p->pos++;
          g_string_append_c (out, '-');
          continue;
        }
      break;
    }
  return g_string_free (out, FALSE);
}

static char *
p_field_name (P *p)
{
  char *name = p_quoted (p);

  if (name != NULL)
    return name;
  name = p_sep_by_dash (p, is_ident_char);
  if (name == NULL)
    p_fail (p, "field name (* or [a..z0..9_$])");
  return name;
}

static gboolean
is_json_key_char (char c)
{
  return c != '\0' && strchr ("(-:.,>)", c) == NULL;
}

static GPtrArray *
p_json_path (P *p)
{
  GPtrArray *path = g_ptr_array_new_with_free_func (json_op_free);

  for (;;)
    {
      gsize start = p->pos;
      gboolean as_text;
      SlrJsonOp *op;

      if (p_lit (p, "->>"))
        as_text = TRUE;
      else if (p_lit (p, "->"))
        as_text = FALSE;
      else
        break;

      op = g_new0 (SlrJsonOp, 1);
      op->as_text = as_text;
      /* an index: optional '-', digits, followed by -> :: . , or end */
      {
        gsize q = p->pos;
        if (q < p->len && p->s[q] == '-')
          q++;
        if (q < p->len && g_ascii_isdigit (p->s[q]))
          {
            while (q < p->len && g_ascii_isdigit (p->s[q]))
              q++;
            if (q == p->len || strncmp (p->s + q, "->", 2) == 0 ||
                strncmp (p->s + q, "::", 2) == 0 || p->s[q] == '.' || p->s[q] == ',')
              {
                op->is_index = TRUE;
                op->key = g_strndup (p->s + p->pos, q - p->pos);
                p->pos = q;
              }
          }
      }
      if (!op->is_index)
        {
          op->key = p_quoted (p);
          if (op->key == NULL)
            op->key = p_sep_by_dash (p, is_json_key_char);
        }
      if (op->key == NULL)
        {
          p->pos = start;
          json_op_free (op);
          break;
        }
      g_ptr_array_add (path, op);
    }
  return path;
}

/* lexeme (field name + json path) */
static SlrField *
p_field (P *p)
{
  SlrField *field;
  char *name;

  p_ws (p);
  name = p_field_name (p);
  if (name == NULL)
    return NULL;
  field = g_new0 (SlrField, 1);
  field->name = name;
  field->json_path = p_json_path (p);
  p_ws (p);
  return field;
}

/* ---------------------------------------------------------- operators */

static char *
p_rest (P *p)
{
  char *rest = g_strdup (p->s + p->pos);

  p->pos = p->len;
  return rest;
}

static GPtrArray *
p_list (P *p)
{
  GPtrArray *list;

  p_ws (p);
  if (!p_lit (p, "("))
    {
      p_fail (p, "\"(\"");
      return NULL;
    }
  p_ws (p);
  list = g_ptr_array_new_with_free_func (g_free);
  for (;;)
    {
      gsize start = p->pos;
      char *element = p_quoted (p);

      if (element != NULL && !(p_eof (p) || p_peek (p) == ',' || p_peek (p) == ')'))
        {
          g_free (element);
          element = NULL;
          p->pos = start;
        }
      if (element == NULL)
        {
          while (!p_eof (p) && p->s[p->pos] != ',' && p->s[p->pos] != ')')
            p->pos++;
          element = g_strndup (p->s + start, p->pos - start);
        }
      g_ptr_array_add (list, element);
      if (p_lit (p, ","))
        continue;
      break;
    }
  p_ws (p);
  if (!p_lit (p, ")"))
    {
      p_fail (p, "\",\" or \")\"");
      g_ptr_array_unref (list);
      return NULL;
    }
  p_ws (p);
  return list;
}

/* A value inside a logic tree: "quoted", {array}, or raw up to , or ). */
static char *
p_logic_value (P *p)
{
  gsize start = p->pos;
  char *value = p_quoted (p);

  if (value != NULL)
    {
      if (p_eof (p) || p_peek (p) == ',' || p_peek (p) == ')')
        return value;
      g_free (value);
      p->pos = start;
    }
  if (p_peek (p) == '{')
    {
      gsize q = p->pos + 1;
      while (q < p->len && p->s[q] != '{' && p->s[q] != '}')
        q++;
      if (q < p->len && p->s[q] == '}')
        {
          p->pos = q + 1;
          return g_strndup (p->s + start, p->pos - start);
        }
    }
  while (!p_eof (p) && p->s[p->pos] != ',' && p->s[p->pos] != ')')
    p->pos++;
  return g_strndup (p->s + start, p->pos - start);
}

typedef struct
{
  const char *name;
  SlrOp       op;
} OpName;

/* Order matters: longest match first where names share a prefix. */
static const OpName simple_ops[] = {
  { "neq", SLR_OP_NEQ }, { "cs", SLR_OP_CS }, { "cd", SLR_OP_CD },
  { "ov", SLR_OP_OV }, { "sl", SLR_OP_SL }, { "sr", SLR_OP_SR },
  { "nxr", SLR_OP_NXR }, { "nxl", SLR_OP_NXL }, { "adj", SLR_OP_ADJ },
};
static const OpName quant_ops[] = {
  { "eq", SLR_OP_EQ }, { "gte", SLR_OP_GTE }, { "gt", SLR_OP_GT },
  { "lte", SLR_OP_LTE }, { "lt", SLR_OP_LT }, { "like", SLR_OP_LIKE },
  { "ilike", SLR_OP_ILIKE }, { "match", SLR_OP_MATCH }, { "imatch", SLR_OP_IMATCH },
};
static const OpName fts_ops[] = {
  { "fts", SLR_OP_FTS }, { "plfts", SLR_OP_PLFTS }, { "phfts", SLR_OP_PHFTS },
  { "wfts", SLR_OP_WFTS },
};

static SlrOpExpr *
p_op_expr (P        *p,
           gboolean  in_logic)
{
  SlrOpExpr *e = g_new0 (SlrOpExpr, 1);
  gsize save;
  gsize i;

  if (p_lit (p, "not."))
    e->negate = TRUE;
  else
    p_fail (p, "\"not\"");

  save = p->pos;
  if (p_lit (p, "in."))
    {
      e->op = SLR_OP_IN;
      e->list = p_list (p);
      if (e->list == NULL)
        goto fail;
      return e;
    }
  if (p_lit (p, "is."))
    {
      static const struct { const char *n; SlrIsVal v; } isv[] = {
        { "null", SLR_IS_NULL }, { "not_null", SLR_IS_NOT_NULL },
        { "true", SLR_IS_TRUE }, { "false", SLR_IS_FALSE },
        { "unknown", SLR_IS_UNKNOWN },
      };
      e->op = SLR_OP_IS;
      for (i = 0; i < G_N_ELEMENTS (isv); i++)
        if (p_lit_ci (p, isv[i].n))
          {
            e->is_val = isv[i].v;
            return e;
          }
      p_fail (p, "isVal: (null, not_null, true, false, unknown)");
      goto fail;
    }
  if (p_lit (p, "isdistinct."))
    {
      e->op = SLR_OP_ISDISTINCT;
      e->value = in_logic ? p_logic_value (p) : p_rest (p);
      return e;
    }
  for (i = 0; i < G_N_ELEMENTS (fts_ops); i++)
    {
      p->pos = save;
      if (p_lit (p, fts_ops[i].name))
        {
          if (p_lit (p, "("))
            {
              g_autofree char *lang = p_identifier (p);
              if (lang == NULL || !p_lit (p, ")"))
                {
                  p->pos = save;
                  continue;
                }
              e->lang = g_steal_pointer (&lang);
            }
          if (!p_lit (p, "."))
            {
              g_clear_pointer (&e->lang, g_free);
              p->pos = save;
              continue;
            }
          e->op = fts_ops[i].op;
          e->value = in_logic ? p_logic_value (p) : p_rest (p);
          return e;
        }
    }
  p->pos = save;
  for (i = 0; i < G_N_ELEMENTS (simple_ops); i++)
    {
      p->pos = save;
      if (p_lit (p, simple_ops[i].name) && p_lit (p, "."))
        {
          e->op = simple_ops[i].op;
          e->value = in_logic ? p_logic_value (p) : p_rest (p);
          return e;
        }
    }
  for (i = 0; i < G_N_ELEMENTS (quant_ops); i++)
    {
      p->pos = save;
      if (p_lit (p, quant_ops[i].name))
        {
          e->quant = SLR_QUANT_NONE;
          if (p_lit (p, "(any)"))
            e->quant = SLR_QUANT_ANY;
          else if (p_lit (p, "(all)"))
            e->quant = SLR_QUANT_ALL;
          if (!p_lit (p, "."))
            continue;
          e->op = quant_ops[i].op;
          e->value = in_logic ? p_logic_value (p) : p_rest (p);
          return e;
        }
    }
  p->pos = save;
  p_fail (p, "operator (eq, gt, ...)");

fail:
  slr_op_expr_free (e);
  return NULL;
}

/* ------------------------------------------------------------ filters */

GPtrArray *
slr_parse_path (const char *key,
                SlrError  **error)
{
  P p;
  GPtrArray *names = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *what = g_strdup_printf ("tree path (%s)", key);

  p_init (&p, key, what);
  p.what = "tree path";
  for (;;)
    {
      char *name = p_field_name (&p);
      if (name == NULL)
        {
          *error = p_error (&p);
          g_ptr_array_unref (names);
          return NULL;
        }
      g_ptr_array_add (names, name);
      if (!p_lit (&p, "."))
        break;
    }
  return names;
}

SlrFilter *
slr_parse_filter (const char *key,
                  const char *value,
                  SlrError  **error)
{
  P p;
  g_autoptr(GPtrArray) path = g_ptr_array_new_with_free_func (g_free);
  SlrField *field = NULL;
  SlrFilter *filter;
  SlrOpExpr *expr;

  /* key: name(.name)* json-path */
  p_init (&p, key, "tree path");
  for (;;)
    {
      char *name = p_field_name (&p);
      if (name == NULL)
        {
          *error = p_error (&p);
          return NULL;
        }
      if (p_lit (&p, "."))
        {
          g_ptr_array_add (path, name);
          continue;
        }
      field = g_new0 (SlrField, 1);
      field->name = name;
      field->json_path = p_json_path (&p);
      break;
    }

  p_init (&p, value, "filter");
  expr = p_op_expr (&p, FALSE);
  if (expr == NULL)
    {
      *error = p_error (&p);
      slr_field_free (field);
      return NULL;
    }
  g_free (p.expecting);
  filter = g_new0 (SlrFilter, 1);
  filter->path = g_steal_pointer (&path);
  filter->field = field;
  filter->expr = expr;
  return filter;
}

static SlrLogic *
p_logic_tree (P *p)
{
  gsize start = p->pos;
  SlrLogic *node;

  /* try a statement: field . op-expr */
  {
    SlrField *field = p_field (p);
    if (field != NULL && p_lit (p, "."))
      {
        SlrOpExpr *expr = p_op_expr (p, TRUE);
        if (expr != NULL)
          {
            node = g_new0 (SlrLogic, 1);
            node->filter = g_new0 (SlrFilter, 1);
            node->filter->path = g_ptr_array_new_with_free_func (g_free);
            node->filter->field = field;
            node->filter->expr = expr;
            return node;
          }
      }
    else if (field != NULL)
      p_fail (p, "delimiter (.)");
    slr_field_free (field);
    p->pos = start;
  }

  node = g_new0 (SlrLogic, 1);
  if (p_lit (p, "not."))
    node->negate = TRUE;
  if (p_lit (p, "and"))
    node->is_or = FALSE;
  else if (p_lit (p, "or"))
    node->is_or = TRUE;
  else
    {
      p_fail (p, "logic operator (and, or)");
      g_free (node);
      return NULL;
    }
  p_ws (p);
  if (!p_lit (p, "("))
    {
      p_fail (p, "\"(\"");
      g_free (node);
      return NULL;
    }
  p_ws (p);
  node->children = g_ptr_array_new_with_free_func ((GDestroyNotify) slr_logic_free);
  for (;;)
    {
      SlrLogic *child = p_logic_tree (p);
      if (child == NULL)
        {
          slr_logic_free (node);
          return NULL;
        }
      g_ptr_array_add (node->children, child);
      p_ws (p);
      if (p_lit (p, ","))
        {
          p_ws (p);
          continue;
        }
      break;
    }
  if (!p_lit (p, ")"))
    {
      p_fail (p, "\",\" or \")\"");
      slr_logic_free (node);
      return NULL;
    }
  p_ws (p);
  return node;
}

SlrLogic *
slr_parse_logic (const char *key,
                 const char *value,
                 GPtrArray **path_out,
                 SlrError  **error)
{
  g_autoptr(GPtrArray) parts = slr_parse_path (key, error);
  g_autoptr(GPtrArray) path = NULL;
  g_autofree char *text = NULL;
  gboolean negate = FALSE;
  const char *op;
  SlrLogic *tree;
  P p;
  guint i;

  if (parts == NULL)
    return NULL;
  path = g_ptr_array_new_with_free_func (g_free);
  op = g_ptr_array_index (parts, parts->len - 1);
  for (i = 0; i + 1 < parts->len; i++)
    {
      const char *name = g_ptr_array_index (parts, i);
      if (g_str_equal (name, "not"))
        negate = TRUE;
      else
        g_ptr_array_add (path, g_strdup (name));
    }
  text = g_strdup_printf ("%s%s%s", negate ? "not." : "", op, value);
  p_init (&p, text, "logic tree");
  tree = p_logic_tree (&p);
  if (tree == NULL || tree->children == NULL)
    {
      if (tree != NULL)
        p_fail (&p, "logic operator (and, or)");
      slr_logic_free (tree);
      *error = p_error (&p);
      return NULL;
    }
  g_free (p.expecting);
  *path_out = g_steal_pointer (&path);
  return tree;
}

/* ------------------------------------------------------------- select */

static gboolean
p_select_end (P *p)
{
  return p_eof (p) || p_peek (p) == ')' || p_peek (p) == ',';
}

/* [alias:] — returns the alias, or NULL (position restored) */
static char *
p_alias (P *p)
{
  gsize start = p->pos;
  char *name = p_field_name (p);

  if (name != NULL && p_peek (p) == ':' && !(p->pos + 1 < p->len && p->s[p->pos + 1] == ':'))
    {
      p->pos++;
      return name;
    }
  g_free (name);
  p->pos = start;
  return NULL;
}

static void
p_embed_params (P         *p,
                SlrSelect *sel)
{
  int i;

  for (i = 0; i < 2; i++)
    {
      if (p_peek (p) != '!')
        return;
      p->pos++;
      if (p_lit (p, "left"))
        sel->left = TRUE;
      else if (p_lit (p, "inner"))
        sel->inner = TRUE;
      else
        {
          char *hint = p_field_name (p);
          if (hint == NULL)
            return;
          g_free (sel->hint);
          sel->hint = hint;
        }
    }
}

static GPtrArray *p_field_forest (P *p);

static SlrSelect *
p_field_tree (P *p)
{
  gsize start;
  SlrSelect *sel;

  p_ws (p);
  start = p->pos;

  /* spread */
  if (p_lit (p, "..."))
    {
      char *name = p_field_name (p);
      if (name != NULL)
        {
          sel = g_new0 (SlrSelect, 1);
          sel->kind = SLR_SEL_SPREAD;
          sel->rel = name;
          p_embed_params (p, sel);
          if (p_lit (p, "("))
            goto children;
          slr_select_free (sel);
        }
      p->pos = start;
    }

  /* relation */
  {
    char *alias = p_alias (p);
    char *name = p_field_name (p);

    if (name != NULL && !g_str_equal (name, "count"))
      {
        sel = g_new0 (SlrSelect, 1);
        sel->kind = SLR_SEL_REL;
        sel->alias = alias;
        sel->rel = name;
        p_embed_params (p, sel);
        if (p_lit (p, "("))
          goto children;
        slr_select_free (sel);
      }
    else
      {
        g_free (alias);
        g_free (name);
      }
    p->pos = start;
  }

  /* star */
  if (p_lit (p, "*"))
    {
      p_ws (p);
      if (p_select_end (p))
        {
          sel = g_new0 (SlrSelect, 1);
          sel->kind = SLR_SEL_STAR;
          return sel;
        }
      p->pos = start;
    }

  /* count() */
  {
    char *alias = p_alias (p);
    if (p_lit (p, "count()"))
      {
        sel = g_new0 (SlrSelect, 1);
        sel->kind = SLR_SEL_COUNT;
        sel->alias = alias;
        sel->aggregate = g_strdup ("count");
        if (p_lit (p, "::"))
          sel->cast = p_identifier (p);
        p_ws (p);
        if (p_select_end (p))
          return sel;
        slr_select_free (sel);
      }
    else
      g_free (alias);
    p->pos = start;
  }

  /* field */
  {
    char *alias = p_alias (p);
    SlrField *field = p_field (p);

    if (field == NULL)
      {
        g_free (alias);
        return NULL;
      }
    sel = g_new0 (SlrSelect, 1);
    sel->kind = SLR_SEL_FIELD;
    sel->alias = alias;
    sel->field = field;
    if (p_lit (p, "::"))
      {
        sel->cast = p_identifier (p);
        if (sel->cast == NULL)
          {
            p_fail (p, "letter or digit");
            slr_select_free (sel);
            return NULL;
          }
      }
    {
      static const char * const aggs[] = { "sum", "avg", "count", "max", "min" };
      gsize save = p->pos;
      guint i;

      if (p_lit (p, "."))
        {
          for (i = 0; i < G_N_ELEMENTS (aggs); i++)
            if (p_lit (p, aggs[i]) && p_lit (p, "()"))
              {
                sel->aggregate = g_strdup (aggs[i]);
                break;
              }
          if (sel->aggregate == NULL)
            p->pos = save;
        }
      if (sel->aggregate != NULL && p_lit (p, "::"))
        {
          g_free (sel->cast);
          sel->cast = p_identifier (p);
        }
    }
    p_ws (p);
    if (!p_select_end (p))
      {
        p_fail (p, "\",\" or \")\" or end of input");
        slr_select_free (sel);
        return NULL;
      }
    return sel;
  }

children:
  sel->children = p_field_forest (p);
  if (sel->children == NULL || !p_lit (p, ")"))
    {
      if (sel->children != NULL)
        p_fail (p, "\",\" or \")\"");
      slr_select_free (sel);
      return NULL;
    }
  p_ws (p);
  return sel;
}

static GPtrArray *
p_field_forest (P *p)
{
  GPtrArray *forest = g_ptr_array_new_with_free_func ((GDestroyNotify) slr_select_free);

  p_ws (p);
  if (p_eof (p) || p_peek (p) == ')')
    return forest;
  for (;;)
    {
      SlrSelect *sel = p_field_tree (p);
      if (sel == NULL)
        {
          g_ptr_array_unref (forest);
          return NULL;
        }
      g_ptr_array_add (forest, sel);
      p_ws (p);
      if (p_lit (p, ","))
        continue;
      break;
    }
  return forest;
}

GPtrArray *
slr_parse_select (const char *text,
                  SlrError  **error)
{
  P p;
  GPtrArray *forest;

  p_init (&p, text, "select parameter");
  forest = p_field_forest (&p);
  if (forest != NULL && !p_eof (&p))
    {
      p_fail (&p, "\",\" or end of input");
      g_clear_pointer (&forest, g_ptr_array_unref);
    }
  if (forest == NULL)
    {
      *error = p_error (&p);
      return NULL;
    }
  g_free (p.expecting);
  return forest;
}

/* -------------------------------------------------------------- order */

static gboolean
p_order_suffix (P        *p,
                SlrOrder *o)
{
  gsize save = p->pos;

  if (p_lit (p, ".asc"))
    o->dir = 1;
  else if ((p->pos = save, p_lit (p, ".desc")))
    o->dir = 2;
  else
    p->pos = save;
  save = p->pos;
  if (p_lit (p, ".nullsfirst"))
    o->nulls = 1;
  else if ((p->pos = save, p_lit (p, ".nullslast")))
    o->nulls = 2;
  else
    p->pos = save;
  p_ws (p);
  if (!(p_eof (p) || p_peek (p) == ','))
    {
      p_fail (p, "\",\" or end of input");
      return FALSE;
    }
  return TRUE;
}

GPtrArray *
slr_parse_order (const char *value,
                 SlrError  **error)
{
  P p;
  GPtrArray *terms = g_ptr_array_new_with_free_func ((GDestroyNotify) slr_order_free);

  p_init (&p, value, "order");
  for (;;)
    {
      gsize start;
      SlrOrder *o = g_new0 (SlrOrder, 1);

      p_ws (&p);
      start = p.pos;
      /* relation term: name(field) */
      {
        char *rel = p_field_name (&p);
        if (rel != NULL && p_lit (&p, "("))
          {
            o->field = p_field (&p);
            if (o->field != NULL && p_lit (&p, ")"))
              o->relation = rel;
            else
              {
                g_free (rel);
                g_clear_pointer (&o->field, slr_field_free);
              }
          }
        else
          g_free (rel);
      }
      if (o->relation == NULL)
        {
          p.pos = start;
          o->field = p_field (&p);
          if (o->field == NULL)
            {
              slr_order_free (o);
              goto fail;
            }
        }
      if (!p_order_suffix (&p, o))
        {
          slr_order_free (o);
          goto fail;
        }
      g_ptr_array_add (terms, o);
      if (p_lit (&p, ","))
        continue;
      break;
    }
  g_free (p.expecting);
  return terms;

fail:
  *error = p_error (&p);
  g_ptr_array_unref (terms);
  return NULL;
}

GPtrArray *
slr_parse_columns (const char *what,
                   const char *value,
                   SlrError  **error)
{
  P p;
  GPtrArray *names = g_ptr_array_new_with_free_func (g_free);

  p_init (&p, value, what);
  for (;;)
    {
      char *name;

      p_ws (&p);
      name = p_field_name (&p);
      if (name == NULL)
        {
          *error = p_error (&p);
          g_ptr_array_unref (names);
          return NULL;
        }
      g_ptr_array_add (names, name);
      p_ws (&p);
      if (p_lit (&p, ","))
        continue;
      break;
    }
  if (!p_eof (&p))
    {
      p_fail (&p, "\",\" or end of input");
      *error = p_error (&p);
      g_ptr_array_unref (names);
      return NULL;
    }
  g_free (p.expecting);
  return names;
}

/* ------------------------------------------------------------- quoting */

char *
slr_quote_ident (const char *name)
{
  GString *out = g_string_new ("\"");
  const char *c;

  for (c = name; *c; c++)
    {
      if (*c == '"')
        g_string_append_c (out, '"');
      g_string_append_c (out, *c);
    }
  g_string_append_c (out, '"');
  return g_string_free (out, FALSE);
}

/* Only for text that comes from the catalogs (never from a request). */
char *
slr_quote_literal (const char *text)
{
  GString *out = g_string_new (NULL);
  gboolean backslash = strchr (text, '\\') != NULL;
  const char *c;

  if (backslash)
    g_string_append_c (out, 'E');
  g_string_append_c (out, '\'');
  for (c = text; *c; c++)
    {
      if (*c == '\'')
        g_string_append_c (out, '\'');
      else if (*c == '\\')
        g_string_append_c (out, '\\');
      g_string_append_c (out, *c);
    }
  g_string_append_c (out, '\'');
  return g_string_free (out, FALSE);
}
