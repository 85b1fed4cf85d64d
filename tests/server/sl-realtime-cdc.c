/* sl-realtime-cdc.c — postgres_changes for supabase-local's Realtime.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Like supabase/realtime's postgres_cdc_rls extension, changes come from a
 * logical replication slot decoded by wal2json (format 2), restricted to the
 * tables of the `supabase_realtime` publication as it is at each poll. The
 * slot exists from start-up, so nothing committed after a subscription is
 * active can be missed, and rows of any size arrive intact (no pg_notify).
 *
 * One thread owns two dedicated connections: one streams the slot in
 * single-row mode, the other answers catalog and row-visibility questions.
 * Changes are handled in chunks: each chunk is matched against the
 * subscriptions (event, table, filters), RLS visibility is checked with one
 * query per (table, role, claims) — a SELECT by primary key as the
 * subscriber, as Realtime's apply_rls does — and the frames are handed to
 * the main thread in commit order. When the main thread falls behind the
 * decoder waits (backpressure); nothing is ever dropped.
 */

#define G_LOG_DOMAIN "sl-realtime"

#include "config.h"

#include "sl-realtime-private.h"

#include <string.h>
#include <stdlib.h>
#include <math.h>

#define CHUNK_ROWS       500
#define SLOT_MAX_CHANGES "5000"
#define MAX_PENDING      20000
#define IDLE_POLL_MS     25
#define MAX_RECORD_BYTES (1024 * 1024)

/* ------------------------------------------------------------ filters */

typedef enum
{
  OP_EQ, OP_NEQ, OP_LT, OP_LTE, OP_GT, OP_GTE, OP_IN, OP_IS,
  OP_LIKE, OP_ILIKE, OP_MATCH, OP_IMATCH, OP_ISDISTINCT,
} FilterOp;

static const char * const op_names[] = {
  "eq", "neq", "lt", "lte", "gt", "gte", "in", "is",
  "like", "ilike", "match", "imatch", "isdistinct",
};

typedef struct
{
  char      *column;
  FilterOp   op;
  char      *value;       /* unquoted; for `in` the {…} array literal */
  gboolean   negate;
  GPtrArray *in_values;   /* for `in`: char* (NULL element = SQL NULL) */
  GRegex    *regex;       /* like/ilike/match/imatch */
} Filter;

static void
filter_free (gpointer data)
{
  Filter *f = data;

  g_free (f->column);
  g_free (f->value);
  g_clear_pointer (&f->in_values, g_ptr_array_unref);
  g_clear_pointer (&f->regex, g_regex_unref);
  g_free (f);
}

/* ------------------------------------------------------- subscriptions */

typedef struct
{
  guint       id;
  char        action;      /* '*', 'I', 'U', 'D' */
  GHashTable *entities;    /* "schema.table" (NUL-separated key) set */
  GPtrArray  *filters;     /* Filter* */
} SubEntry;

static void
sub_entry_free (gpointer data)
{
  SubEntry *e = data;

  g_hash_table_unref (e->entities);
  g_ptr_array_unref (e->filters);
  g_free (e);
}

typedef struct
{
  gint       ref_count;
  guint64    channel_id;
  int        vsn;
  char      *topic;
  char      *role;
  char      *claims_json;
  GPtrArray *entries;      /* SubEntry*, immutable once built */
} ChanSubs;

static ChanSubs *
chan_subs_ref (ChanSubs *s)
{
  g_atomic_int_inc (&s->ref_count);
  return s;
}

static void
chan_subs_unref (gpointer data)
{
  ChanSubs *s = data;

  if (s == NULL || !g_atomic_int_dec_and_test (&s->ref_count))
    return;
  g_free (s->topic);
  g_free (s->role);
  g_free (s->claims_json);
  g_ptr_array_unref (s->entries);
  g_free (s);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ChanSubs, chan_subs_unref)

struct _SlRtCdc
{
  SlServer        *server;
  SlRtDeliverFunc  deliver;
  gpointer         deliver_data;

  GMutex           lock;
  GCond            cond;
  GHashTable      *subs;       /* guint64* channel_id → ChanSubs* */
  guint            pending;
  gboolean         stopping;

  GThread         *thread;
  PGconn          *slot_conn;
  PGconn          *query_conn;
};

/* ------------------------------------------------------- JSON helpers */

void
sl_rt_append_json_string (GString    *out,
                          const char *str)
{
  g_string_append_c (out, '"');
  for (const unsigned char *p = (const unsigned char *) str; *p; p++)
    {
      switch (*p)
        {
        case '"':  g_string_append (out, "\\\""); break;
        case '\\': g_string_append (out, "\\\\"); break;
        case '\n': g_string_append (out, "\\n"); break;
        case '\r': g_string_append (out, "\\r"); break;
        case '\t': g_string_append (out, "\\t"); break;
        case '\b': g_string_append (out, "\\b"); break;
        case '\f': g_string_append (out, "\\f"); break;
        default:
          if (*p < 0x20)
            g_string_append_printf (out, "\\u%04x", *p);
          else
            g_string_append_c (out, (char) *p);
        }
    }
  g_string_append_c (out, '"');
}

char *
sl_rt_node_to_string (JsonNode *node)
{
  g_autoptr(JsonGenerator) gen = json_generator_new ();

  json_generator_set_root (gen, node);
  return json_generator_to_data (gen, NULL);
}

char *
sl_rt_encode_frame (int         vsn,
                    const char *join_ref,
                    const char *ref,
                    const char *topic,
                    const char *event,
                    const char *payload_json)
{
  GString *out = g_string_sized_new (64 + strlen (payload_json));

  if (vsn == 1)
    {
      g_string_append (out, "{\"topic\":");
      sl_rt_append_json_string (out, topic);
      g_string_append (out, ",\"event\":");
      sl_rt_append_json_string (out, event);
      g_string_append (out, ",\"payload\":");
      g_string_append (out, payload_json);
      g_string_append (out, ",\"ref\":");
      if (ref != NULL)
        sl_rt_append_json_string (out, ref);
      else
        g_string_append (out, "null");
      g_string_append_c (out, '}');
    }
  else
    {
      g_string_append_c (out, '[');
      if (join_ref != NULL)
        sl_rt_append_json_string (out, join_ref);
      else
        g_string_append (out, "null");
      g_string_append_c (out, ',');
      if (ref != NULL)
        sl_rt_append_json_string (out, ref);
      else
        g_string_append (out, "null");
      g_string_append_c (out, ',');
      sl_rt_append_json_string (out, topic);
      g_string_append_c (out, ',');
      sl_rt_append_json_string (out, event);
      g_string_append_c (out, ',');
      g_string_append (out, payload_json);
      g_string_append_c (out, ']');
    }
  return g_string_free (out, FALSE);
}

static void
append_number (GString *out,
               double   d)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];

  if (!isfinite (d))
    {
      g_string_append (out, "null");
      return;
    }
  /* Shortest form that reads back to the same double. */
  for (int prec = 15; prec <= 17; prec++)
    {
      g_snprintf (buf, sizeof buf, "%.*g", prec, d);
      if (g_ascii_strtod (buf, NULL) == d)
        break;
    }
  g_string_append (out, buf);
}

/* Appends a json-glib node compactly (scalars formatted ourselves so
 * doubles stay short). */
static void
append_node (GString  *out,
             JsonNode *node)
{
  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    {
      g_string_append (out, "null");
      return;
    }
  if (JSON_NODE_HOLDS_VALUE (node))
    {
      GType t = json_node_get_value_type (node);

      if (t == G_TYPE_STRING)
        sl_rt_append_json_string (out, json_node_get_string (node));
      else if (t == G_TYPE_INT64)
        g_string_append_printf (out, "%" G_GINT64_FORMAT, json_node_get_int (node));
      else if (t == G_TYPE_BOOLEAN)
        g_string_append (out, json_node_get_boolean (node) ? "true" : "false");
      else
        append_number (out, json_node_get_double (node));
      return;
    }
  {
    g_autofree char *text = sl_rt_node_to_string (node);
    g_string_append (out, text);
  }
}

/* The text PostgreSQL would cast from: wal2json's value as text. */
static char *
raw_value_text (JsonNode *node)
{
  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return NULL;
  if (JSON_NODE_HOLDS_VALUE (node))
    {
      GType t = json_node_get_value_type (node);
      GString *s;

      if (t == G_TYPE_STRING)
        return g_strdup (json_node_get_string (node));
      if (t == G_TYPE_BOOLEAN)
        return g_strdup (json_node_get_boolean (node) ? "true" : "false");
      s = g_string_new (NULL);
      append_node (s, node);
      return g_string_free (s, FALSE);
    }
  return sl_rt_node_to_string (node);
}

/* -------------------------------------------------------- table info */

typedef struct
{
  char    *name;
  char    *typname;        /* pg_type.typname: int4, _text, … */
  char    *cast_type;      /* format_type() for casts */
  char     category;       /* pg_type.typcategory */
  char     elem_category;  /* for arrays */
  gboolean is_json;
  gboolean elem_is_json;
  gboolean is_pk;
  int      tz;             /* 1 timestamp, 2 timestamptz */
} ColInfo;

typedef struct
{
  char       *schema;
  char       *table;
  gboolean    exists;
  gboolean    rls;
  GPtrArray  *cols;        /* ColInfo*, by attnum */
  GHashTable *by_name;     /* name → ColInfo* */
  guint       n_pk;
} TableInfo;

static void
col_info_free (gpointer data)
{
  ColInfo *c = data;

  g_free (c->name);
  g_free (c->typname);
  g_free (c->cast_type);
  g_free (c);
}

static void
table_info_free (gpointer data)
{
  TableInfo *t = data;

  g_free (t->schema);
  g_free (t->table);
  g_ptr_array_unref (t->cols);
  g_hash_table_unref (t->by_name);
  g_free (t);
}

static PGresult *
query (PGconn      *conn,
       const char  *sql,
       int          n_params,
       const char * const *params)
{
  PGresult *res = PQexecParams (conn, sql, n_params, NULL, params, NULL, NULL, 0);

  if (PQresultStatus (res) != PGRES_TUPLES_OK && PQresultStatus (res) != PGRES_COMMAND_OK)
    {
      g_debug ("realtime query failed: %s", PQresultErrorMessage (res));
      PQclear (res);
      return NULL;
    }
  return res;
}

static TableInfo *
load_table_info (PGconn     *conn,
                 const char *schema,
                 const char *table)
{
  static const char sql[] =
    "SELECT a.attname, t.typname, format_type(a.atttypid, NULL), t.typcategory,"
    "       coalesce(et.typcategory, ''), t.oid IN (114, 3802), coalesce(et.oid IN (114, 3802), false),"
    "       a.attnum = ANY(coalesce(pk.conkey, '{}')), c.relrowsecurity,"
    "       CASE t.oid WHEN 1114 THEN 1 WHEN 1184 THEN 2 ELSE 0 END"
    "  FROM pg_class c"
    "  JOIN pg_namespace n ON n.oid = c.relnamespace"
    "  JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped"
    "  JOIN pg_type t ON t.oid = a.atttypid"
    "  LEFT JOIN pg_type et ON t.typcategory = 'A' AND et.oid = t.typelem"
    "  LEFT JOIN pg_constraint pk ON pk.conrelid = c.oid AND pk.contype = 'p'"
    " WHERE n.nspname = $1 AND c.relname = $2"
    " ORDER BY a.attnum";
  const char *params[] = { schema, table };
  TableInfo *info = g_new0 (TableInfo, 1);
  PGresult *res;

  info->schema = g_strdup (schema);
  info->table = g_strdup (table);
  info->cols = g_ptr_array_new_with_free_func (col_info_free);
  info->by_name = g_hash_table_new (g_str_hash, g_str_equal);

  res = query (conn, sql, 2, params);
  if (res == NULL)
    return info;
  for (int i = 0; i < PQntuples (res); i++)
    {
      ColInfo *c = g_new0 (ColInfo, 1);

      c->name = g_strdup (PQgetvalue (res, i, 0));
      c->typname = g_strdup (PQgetvalue (res, i, 1));
      c->cast_type = g_strdup (PQgetvalue (res, i, 2));
      c->category = PQgetvalue (res, i, 3)[0];
      c->elem_category = PQgetvalue (res, i, 4)[0];
      c->is_json = PQgetvalue (res, i, 5)[0] == 't';
      c->elem_is_json = PQgetvalue (res, i, 6)[0] == 't';
      c->is_pk = PQgetvalue (res, i, 7)[0] == 't';
      c->tz = atoi (PQgetvalue (res, i, 9));
      info->rls = PQgetvalue (res, i, 8)[0] == 't';
      if (c->is_pk)
        info->n_pk++;
      g_ptr_array_add (info->cols, c);
      g_hash_table_insert (info->by_name, c->name, c);
    }
  info->exists = PQntuples (res) > 0;
  PQclear (res);
  return info;
}

/* Columns @role may SELECT (a set of names), or an empty set. */
static GHashTable *
load_role_columns (PGconn     *conn,
                   const char *schema,
                   const char *table,
                   const char *role)
{
  static const char sql[] =
    "SELECT a.attname FROM pg_attribute a"
    " WHERE a.attrelid = format('%I.%I', $1::text, $2::text)::regclass"
    "   AND a.attnum > 0 AND NOT a.attisdropped"
    "   AND has_column_privilege($3::text, a.attrelid, a.attname, 'SELECT')";
  const char *params[] = { schema, table, role };
  GHashTable *set = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  PGresult *res = query (conn, sql, 3, params);

  if (res == NULL)
    return set;
  for (int i = 0; i < PQntuples (res); i++)
    g_hash_table_add (set, g_strdup (PQgetvalue (res, i, 0)));
  PQclear (res);
  return set;
}

/* ------------------------------------------------- value conversion */

static void append_converted (GString *out, JsonNode *raw, const ColInfo *col);

static void
append_scalar_text (GString    *out,
                    const char *text,
                    char        category,
                    gboolean    is_json)
{
  if (category == 'N')
    {
      char *end = NULL;
      double d = g_ascii_strtod (text, &end);

      if (end != text && *end == '\0' && isfinite (d))
        {
          gboolean integral = strpbrk (text, ".eE") == NULL;

          if (integral)
            g_string_append (out, text);
          else
            append_number (out, d);
          return;
        }
    }
  else if (category == 'B')
    {
      if (g_strcmp0 (text, "t") == 0 || g_strcmp0 (text, "true") == 0)
        {
          g_string_append (out, "true");
          return;
        }
      if (g_strcmp0 (text, "f") == 0 || g_strcmp0 (text, "false") == 0)
        {
          g_string_append (out, "false");
          return;
        }
    }
  else if (is_json)
    {
      g_autoptr(JsonParser) parser = json_parser_new ();

      if (json_parser_load_from_data (parser, text, -1, NULL))
        {
          append_node (out, json_parser_get_root (parser));
          return;
        }
    }
  sl_rt_append_json_string (out, text);
}

/* PostgreSQL array literal → JSON array (what to_jsonb() gives). */
static const char *
append_pg_array (GString    *out,
                 const char *p,
                 char        elem_category,
                 gboolean    elem_is_json)
{
  gboolean first = TRUE;

  g_assert (*p == '{');
  p++;
  g_string_append_c (out, '[');
  while (*p && *p != '}')
    {
      if (!first)
        g_string_append_c (out, ',');
      first = FALSE;
      while (*p == ' ')
        p++;
      if (*p == '{')
        p = append_pg_array (out, p, elem_category, elem_is_json);
      else if (*p == '"')
        {
          GString *elem = g_string_new (NULL);

          p++;
          while (*p && *p != '"')
            {
              if (*p == '\\' && p[1])
                p++;
              g_string_append_c (elem, *p++);
            }
          if (*p == '"')
            p++;
          append_scalar_text (out, elem->str, elem_category, elem_is_json);
          g_string_free (elem, TRUE);
        }
      else
        {
          const char *start = p;
          g_autofree char *elem = NULL;

          while (*p && *p != ',' && *p != '}')
            p++;
          elem = g_strstrip (g_strndup (start, p - start));
          if (g_ascii_strcasecmp (elem, "NULL") == 0)
            g_string_append (out, "null");
          else
            append_scalar_text (out, elem, elem_category, elem_is_json);
        }
      while (*p == ' ')
        p++;
      if (*p == ',')
        p++;
    }
  if (*p == '}')
    p++;
  g_string_append_c (out, ']');
  return p;
}

/* "2024-05-01 10:11:12.5+00" → "2024-05-01T10:11:12.5+00:00" (to_jsonb). */
static void
append_timestamp (GString    *out,
                  const char *text,
                  int         tz)
{
  g_autoptr(GString) s = g_string_new (text);
  char *space = strchr (s->str, ' ');

  if (space != NULL && g_ascii_isdigit (s->str[0]))
    {
      *space = 'T';
      if (tz == 2)
        {
          const char *sign = strpbrk (space, "+-");
          if (sign != NULL && strlen (sign) == 3)
            g_string_append (s, ":00");
        }
    }
  sl_rt_append_json_string (out, s->str);
}

static void
append_converted (GString        *out,
                  JsonNode       *raw,
                  const ColInfo  *col)
{
  const char *text;

  if (raw == NULL || JSON_NODE_HOLDS_NULL (raw))
    {
      g_string_append (out, "null");
      return;
    }
  if (!JSON_NODE_HOLDS_VALUE (raw) || json_node_get_value_type (raw) != G_TYPE_STRING || col == NULL)
    {
      append_node (out, raw);
      return;
    }
  text = json_node_get_string (raw);
  if (col->category == 'A' && text[0] == '{')
    append_pg_array (out, text, col->elem_category, col->elem_is_json);
  else if (col->category == 'A' && text[0] == '[' && strchr (text, '{') != NULL)
    append_pg_array (out, strchr (text, '{'), col->elem_category, col->elem_is_json);
  else if (col->tz != 0)
    append_timestamp (out, text, col->tz);
  else
    append_scalar_text (out, text, col->category, col->is_json);
}

/* ----------------------------------------------------- filter parsing */

/* Splits on top-level commas, keeping quoted strings and (…) intact, as
 * Realtime's subscription parser does. */
static GPtrArray *
split_top_level (const char *filter)
{
  GPtrArray *parts = g_ptr_array_new_with_free_func (g_free);
  GString *cur = g_string_new (NULL);
  int depth = 0;
  gboolean quoted = FALSE;
  char prev = 0;

  for (const char *p = filter; *p; p++)
    {
      char c = *p;

      if (quoted)
        {
          if (c == '\\' && p[1])
            {
              g_string_append_c (cur, c);
              g_string_append_c (cur, *++p);
              prev = *p;
              continue;
            }
          if (c == '"')
            quoted = FALSE;
          g_string_append_c (cur, c);
          prev = c;
          continue;
        }
      if (c == '"' && (prev == '.' || prev == '(' || prev == ','))
        quoted = TRUE;
      else if (c == '(')
        depth++;
      else if (c == ')')
        depth = MAX (0, depth - 1);
      else if (c == ',' && depth == 0)
        {
          g_ptr_array_add (parts, g_string_free (cur, FALSE));
          cur = g_string_new (NULL);
          prev = 0;
          continue;
        }
      g_string_append_c (cur, c);
      prev = c;
    }
  g_ptr_array_add (parts, g_string_free (cur, FALSE));
  return parts;
}

static char *
unquote_value (const char *value)
{
  GString *s;

  if (value[0] != '"')
    return g_strdup (value);
  s = g_string_new (NULL);
  for (const char *p = value + 1; *p; p++)
    {
      if (*p == '\\' && p[1])
        {
          g_string_append_c (s, *++p);
          continue;
        }
      if (*p == '"')
        {
          if (p[1] != '\0')
            break;
          return g_string_free (s, FALSE);
        }
      g_string_append_c (s, *p);
    }
  g_string_free (s, TRUE);
  return g_strdup (value);
}

/* Elements of a {…} array literal (quoted elements unescaped). */
static GPtrArray *
parse_in_list (const char *literal)
{
  GPtrArray *values = g_ptr_array_new_with_free_func (g_free);
  const char *p = literal + 1;

  while (*p && *p != '}')
    {
      while (*p == ' ')
        p++;
      if (*p == '"')
        {
          GString *s = g_string_new (NULL);

          for (p++; *p && *p != '"'; p++)
            {
              if (*p == '\\' && p[1])
                p++;
              g_string_append_c (s, *p);
            }
          if (*p == '"')
            p++;
          g_ptr_array_add (values, g_string_free (s, FALSE));
        }
      else
        {
          const char *start = p;
          g_autofree char *elem = NULL;

          while (*p && *p != ',' && *p != '}')
            p++;
          elem = g_strstrip (g_strndup (start, p - start));
          if (g_ascii_strcasecmp (elem, "null") == 0)
            g_ptr_array_add (values, NULL);
          else
            g_ptr_array_add (values, g_steal_pointer (&elem));
        }
      while (*p == ' ')
        p++;
      if (*p == ',')
        p++;
    }
  return values;
}

static GRegex *
like_to_regex (const char *pattern,
               gboolean    caseless)
{
  GString *re = g_string_new ("^");
  g_autofree char *escaped = NULL;
  GRegex *regex;

  for (const char *p = pattern; *p; p++)
    {
      if (*p == '%' || *p == '*')
        g_string_append (re, ".*");
      else if (*p == '_')
        g_string_append_c (re, '.');
      else
        {
          char c[2] = { *p, 0 };
          escaped = g_regex_escape_string (c, 1);
          g_string_append (re, escaped);
          g_clear_pointer (&escaped, g_free);
        }
    }
  g_string_append_c (re, '$');
  regex = g_regex_new (re->str, G_REGEX_DOTALL | (caseless ? G_REGEX_CASELESS : 0), 0, NULL);
  g_string_free (re, TRUE);
  return regex;
}

static GPtrArray *
parse_filters (const char  *filter,
               char       **error_out)
{
  g_autoptr(GPtrArray) filters = g_ptr_array_new_with_free_func (filter_free);
  g_autoptr(GPtrArray) segments = NULL;
  g_autofree char *trimmed = g_strstrip (g_strdup (filter));

  if (*trimmed == '\0')
    return g_steal_pointer (&filters);

  segments = split_top_level (trimmed);
  for (guint i = 0; i < segments->len; i++)
    {
      g_autofree char *seg = g_strstrip (g_strdup (g_ptr_array_index (segments, i)));
      char *eq, *op_value, *dot;
      Filter *f;
      int op = -1;

      if (*seg == '\0')
        {
          *error_out = g_strdup ("Error parsing `filter` params: filter must not contain empty segments (check for extra commas)");
          return NULL;
        }
      eq = strchr (seg, '=');
      if (eq == NULL)
        {
          *error_out = g_strdup_printf ("Error parsing `filter` params: [\"%s\"]", seg);
          return NULL;
        }
      *eq = '\0';
      op_value = eq + 1;
      f = g_new0 (Filter, 1);
      if (g_str_has_prefix (op_value, "not."))
        {
          f->negate = TRUE;
          op_value += 4;
        }
      dot = strchr (op_value, '.');
      if (dot != NULL)
        {
          *dot = '\0';
          for (guint k = 0; k < G_N_ELEMENTS (op_names); k++)
            if (g_strcmp0 (op_names[k], op_value) == 0)
              op = k;
        }
      if (dot == NULL || op < 0)
        {
          *error_out = dot == NULL
            ? g_strdup_printf ("Error parsing `filter` params: [\"%s\", \"%s\"]", seg, op_value)
            : g_strdup_printf ("Error parsing `filter` params: [\"%s\", \"%s\"]", op_value, dot + 1);
          filter_free (f);
          return NULL;
        }
      f->column = g_strdup (seg);
      f->op = op;
      if (op == OP_IN)
        {
          const char *v = dot + 1;
          gsize len = strlen (v);

          if (len < 2 || v[0] != '(' || v[len - 1] != ')')
            {
              *error_out = g_strdup ("Error parsing `filter` params: `in` filter value must be wrapped by parentheses");
              filter_free (f);
              return NULL;
            }
          f->value = g_strdup_printf ("{%.*s}", (int) len - 2, v + 1);
          f->in_values = parse_in_list (f->value);
        }
      else
        f->value = unquote_value (dot + 1);
      if (op == OP_LIKE || op == OP_ILIKE)
        f->regex = like_to_regex (f->value, op == OP_ILIKE);
      else if (op == OP_MATCH || op == OP_IMATCH)
        f->regex = g_regex_new (f->value, op == OP_IMATCH ? G_REGEX_CASELESS : 0, 0, NULL);
      g_ptr_array_add (filters, f);
    }
  return g_steal_pointer (&filters);
}

/* -------------------------------------------------- filter evaluation */

static int
compare_typed (const char    *a,
               const char    *b,
               const ColInfo *col)
{
  if (col != NULL && col->category == 'N')
    {
      double da = g_ascii_strtod (a, NULL), db = g_ascii_strtod (b, NULL);
      return da < db ? -1 : da > db ? 1 : 0;
    }
  if (col != NULL && col->category == 'B')
    {
      gboolean ba = a[0] == 't' || a[0] == 'T' || a[0] == '1' || a[0] == 'y';
      gboolean bb = b[0] == 't' || b[0] == 'T' || b[0] == '1' || b[0] == 'y';
      return ba - bb;
    }
  if (col != NULL && col->category == 'S' && col->tz == 0 &&
      g_strcmp0 (col->typname, "uuid") == 0)
    return g_ascii_strcasecmp (a, b);
  return strcmp (a, b);
}

/* @value: the column's value as text (NULL = SQL NULL). Returns the
 * filter's truth (NULL comparisons are false, as in SQL). */
static gboolean
filter_matches (const Filter  *f,
                const char    *value,
                const ColInfo *col)
{
  gboolean result = FALSE;

  switch (f->op)
    {
    case OP_IS:
      if (g_ascii_strcasecmp (f->value, "null") == 0)
        result = value == NULL;
      else if (value == NULL)
        result = FALSE;
      else if (g_ascii_strcasecmp (f->value, "true") == 0)
        result = compare_typed (value, "t", col) == 0;
      else if (g_ascii_strcasecmp (f->value, "false") == 0)
        result = compare_typed (value, "f", col) == 0;
      break;
    case OP_ISDISTINCT:
      result = value == NULL || compare_typed (value, f->value, col) != 0;
      break;
    case OP_IN:
      if (value != NULL)
        for (guint i = 0; i < f->in_values->len && !result; i++)
          {
            const char *v = g_ptr_array_index (f->in_values, i);
            result = v != NULL && compare_typed (value, v, col) == 0;
          }
      break;
    case OP_LIKE:
    case OP_ILIKE:
    case OP_MATCH:
    case OP_IMATCH:
      result = value != NULL && f->regex != NULL && g_regex_match (f->regex, value, 0, NULL);
      break;
    case OP_EQ:
    case OP_NEQ:
    case OP_LT:
    case OP_LTE:
    case OP_GT:
    case OP_GTE:
    default:
      if (value != NULL)
        {
          int c = compare_typed (value, f->value, col);
          result = (f->op == OP_EQ && c == 0) || (f->op == OP_NEQ && c != 0) ||
                   (f->op == OP_LT && c < 0) || (f->op == OP_LTE && c <= 0) ||
                   (f->op == OP_GT && c > 0) || (f->op == OP_GTE && c >= 0);
        }
      else
        return FALSE;
      break;
    }
  if (f->negate && (value != NULL || f->op == OP_IS || f->op == OP_ISDISTINCT))
    result = !result;
  return result;
}

static JsonNode *
find_column (JsonArray  *cols,
             const char *name)
{
  if (cols == NULL)
    return NULL;
  for (guint i = 0; i < json_array_get_length (cols); i++)
    {
      JsonObject *c = json_array_get_object_element (cols, i);
      if (g_strcmp0 (json_object_get_string_member_with_default (c, "name", ""), name) == 0)
        return json_object_get_member (c, "value");
    }
  return NULL;
}

static gboolean
has_column (JsonArray  *cols,
            const char *name)
{
  if (cols == NULL)
    return FALSE;
  for (guint i = 0; i < json_array_get_length (cols); i++)
    {
      JsonObject *c = json_array_get_object_element (cols, i);
      if (g_strcmp0 (json_object_get_string_member_with_default (c, "name", ""), name) == 0)
        return TRUE;
    }
  return FALSE;
}

/* Realtime's is_visible_through_filters: every filter on a column the
 * change carries must hold; filters on absent columns are ignored. */
static gboolean
visible_through_filters (GPtrArray *filters,
                         JsonArray *cols,
                         TableInfo *info)
{
  for (guint i = 0; i < filters->len; i++)
    {
      const Filter *f = g_ptr_array_index (filters, i);
      g_autofree char *text = NULL;

      if (!has_column (cols, f->column))
        continue;
      text = raw_value_text (find_column (cols, f->column));
      if (!filter_matches (f, text, g_hash_table_lookup (info->by_name, f->column)))
        return FALSE;
    }
  return TRUE;
}

/* ------------------------------------------------------- the decoder */

typedef struct
{
  JsonNode   *root;
  char        action;       /* I U D */
  const char *schema;
  const char *table;
  const char *timestamp;
  JsonArray  *columns;
  JsonArray  *identity;
  gsize       wal_len;
  TableInfo  *info;
  GArray     *chan_idx;     /* guint: index into the subs snapshot */
  GPtrArray  *chan_ids;     /* GArray<guint>* per matched channel: subscription ids */
  GArray     *visible;      /* gboolean per matched channel */
} Change;

static void
change_free (gpointer data)
{
  Change *c = data;

  json_node_unref (c->root);
  g_array_unref (c->chan_idx);
  g_ptr_array_unref (c->chan_ids);
  g_array_unref (c->visible);
  g_free (c);
}

typedef struct
{
  TableInfo *info;
  char      *role;
  char      *claims_json;
  GPtrArray *keys;          /* JsonArray* of pk texts (owned by builder below) */
  GString   *json;          /* [[pk…], …] */
  GArray    *refs;          /* (change*, match index) pairs */
} RlsGroup;

typedef struct
{
  Change *change;
  guint   match;
} RlsRef;

static void
rls_group_free (gpointer data)
{
  RlsGroup *g = data;

  g_free (g->role);
  g_free (g->claims_json);
  g_string_free (g->json, TRUE);
  g_array_unref (g->refs);
  g_free (g);
}

typedef struct
{
  GHashTable *tables;       /* "schema\ntable" → TableInfo* */
  GHashTable *role_cols;    /* "schema\ntable\nrole" → GHashTable* set */
} PollCache;

static TableInfo *
cache_table (SlRtCdc    *cdc,
             PollCache  *cache,
             const char *schema,
             const char *table)
{
  g_autofree char *key = g_strconcat (schema, "\n", table, NULL);
  TableInfo *info = g_hash_table_lookup (cache->tables, key);

  if (info == NULL)
    {
      info = load_table_info (cdc->query_conn, schema, table);
      g_hash_table_insert (cache->tables, g_steal_pointer (&key), info);
    }
  return info;
}

static GHashTable *
cache_role_cols (SlRtCdc    *cdc,
                 PollCache  *cache,
                 TableInfo  *info,
                 const char *role)
{
  g_autofree char *key = g_strconcat (info->schema, "\n", info->table, "\n", role, NULL);
  GHashTable *set = g_hash_table_lookup (cache->role_cols, key);

  if (set == NULL)
    {
      set = load_role_columns (cdc->query_conn, info->schema, info->table, role);
      g_hash_table_insert (cache->role_cols, g_steal_pointer (&key), set);
    }
  return set;
}

static gboolean
entry_matches (SubEntry  *e,
               Change    *c)
{
  g_autofree char *entity = NULL;

  if (e->action != '*' && e->action != c->action)
    return FALSE;
  entity = g_strconcat (c->schema, ".", c->table, NULL);
  if (!g_hash_table_contains (e->entities, entity))
    return FALSE;
  if (visible_through_filters (e->filters, c->columns, c->info))
    return TRUE;
  return c->action == 'D' && visible_through_filters (e->filters, c->identity, c->info);
}

static Change *
parse_change (const char *data)
{
  g_autoptr(JsonParser) parser = json_parser_new_immutable ();
  JsonObject *obj;
  const char *action;
  Change *c;

  if (!json_parser_load_from_data (parser, data, -1, NULL) ||
      !JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    return NULL;
  obj = json_node_get_object (json_parser_get_root (parser));
  action = json_object_get_string_member_with_default (obj, "action", "");
  if (strlen (action) != 1 || strchr ("IUD", action[0]) == NULL)
    return NULL;

  c = g_new0 (Change, 1);
  c->root = json_node_ref (json_parser_get_root (parser));
  c->action = action[0];
  c->schema = json_object_get_string_member_with_default (obj, "schema", "");
  c->table = json_object_get_string_member_with_default (obj, "table", "");
  c->timestamp = json_object_get_string_member_with_default (obj, "timestamp", "");
  if (json_object_has_member (obj, "columns"))
    c->columns = json_object_get_array_member (obj, "columns");
  if (json_object_has_member (obj, "identity"))
    c->identity = json_object_get_array_member (obj, "identity");
  c->wal_len = strlen (data);
  c->chan_idx = g_array_new (FALSE, FALSE, sizeof (guint));
  c->chan_ids = g_ptr_array_new_with_free_func ((GDestroyNotify) g_array_unref);
  c->visible = g_array_new (FALSE, FALSE, sizeof (gboolean));
  return c;
}

/* "2024-05-01 10:11:12.345678+00" → "2024-05-01T10:11:12.345Z". The
 * decoding session runs in UTC. */
static void
append_commit_timestamp (GString    *out,
                         const char *ts)
{
  char date[11] = "", time_[9] = "", frac[4] = "000";
  const char *dot;

  if (strlen (ts) >= 19)
    {
      memcpy (date, ts, 10);
      memcpy (time_, ts + 11, 8);
    }
  dot = strlen (ts) > 19 && ts[19] == '.' ? ts + 20 : NULL;
  for (int i = 0; dot != NULL && i < 3 && g_ascii_isdigit (dot[i]); i++)
    frac[i] = dot[i];
  g_string_append_printf (out, "\"%sT%s.%sZ\"", date, time_, frac);
}

static gboolean
value_too_large (GString *tmp)
{
  return tmp->len > 64;
}

static void
append_record (GString    *out,
               Change     *c,
               JsonArray  *cols,
               JsonArray  *fallback,     /* unchanged TOAST values come from here */
               GHashTable *selectable,
               gboolean    pk_only,
               gboolean    oversized)
{
  gboolean first = TRUE;
  g_autoptr(GString) tmp = g_string_new (NULL);

  g_string_append_c (out, '{');
  for (guint i = 0; i < c->info->cols->len; i++)
    {
      const ColInfo *col = g_ptr_array_index (c->info->cols, i);
      JsonNode *value;

      if (!g_hash_table_contains (selectable, col->name) || (pk_only && !col->is_pk))
        continue;
      if (has_column (cols, col->name))
        value = find_column (cols, col->name);
      else if (fallback != NULL && has_column (fallback, col->name))
        value = find_column (fallback, col->name);
      else
        continue;
      g_string_truncate (tmp, 0);
      append_converted (tmp, value, col);
      if (oversized && value_too_large (tmp))
        continue;
      if (!first)
        g_string_append_c (out, ',');
      first = FALSE;
      sl_rt_append_json_string (out, col->name);
      g_string_append_c (out, ':');
      g_string_append_len (out, tmp->str, tmp->len);
    }
  g_string_append_c (out, '}');
}

static const char *
action_name (char action)
{
  return action == 'I' ? "INSERT" : action == 'U' ? "UPDATE" : "DELETE";
}

/* The `data` object for one change as seen by @role. */
static char *
build_data (SlRtCdc   *cdc,
            PollCache *cache,
            Change    *c,
            const char *role)
{
  GString *out = g_string_sized_new (256 + c->wal_len);
  GHashTable *selectable = cache_role_cols (cdc, cache, c->info, role);
  gboolean pk_selectable = TRUE;
  gboolean oversized = c->wal_len > MAX_RECORD_BYTES;
  gboolean first = TRUE;

  for (guint i = 0; i < c->info->cols->len; i++)
    {
      const ColInfo *col = g_ptr_array_index (c->info->cols, i);
      if (col->is_pk && !g_hash_table_contains (selectable, col->name))
        pk_selectable = FALSE;
    }

  if (c->action != 'D' && (c->info->n_pk == 0 || !pk_selectable))
    {
      g_string_append (out, "{\"schema\":");
      sl_rt_append_json_string (out, c->schema);
      g_string_append (out, ",\"table\":");
      sl_rt_append_json_string (out, c->table);
      g_string_append_printf (out, ",\"type\":\"%s\",\"errors\":[\"%s\"]}",
                              action_name (c->action),
                              c->info->n_pk == 0 ? "Error 400: Bad Request, no primary key"
                                                 : "Error 401: Unauthorized");
      return g_string_free (out, FALSE);
    }

  g_string_append (out, "{\"columns\":[");
  for (guint i = 0; i < c->info->cols->len; i++)
    {
      const ColInfo *col = g_ptr_array_index (c->info->cols, i);

      if (!g_hash_table_contains (selectable, col->name))
        continue;
      if (!first)
        g_string_append_c (out, ',');
      first = FALSE;
      g_string_append (out, "{\"name\":");
      sl_rt_append_json_string (out, col->name);
      g_string_append (out, ",\"type\":");
      sl_rt_append_json_string (out, col->typname);
      g_string_append_c (out, '}');
    }
  g_string_append (out, "],\"commit_timestamp\":");
  append_commit_timestamp (out, c->timestamp);
  if (oversized)
    g_string_append (out, ",\"errors\":[\"Error 413: Payload Too Large\"]");
  else
    g_string_append (out, ",\"errors\":null");
  g_string_append (out, ",\"schema\":");
  sl_rt_append_json_string (out, c->schema);
  g_string_append (out, ",\"table\":");
  sl_rt_append_json_string (out, c->table);
  if (c->action != 'I')
    {
      g_string_append (out, ",\"old_record\":");
      append_record (out, c, c->identity, NULL, selectable,
                     c->action == 'D' && c->info->rls, oversized);
    }
  if (c->action != 'D')
    {
      g_string_append (out, ",\"record\":");
      append_record (out, c, c->columns, c->identity, selectable, FALSE, oversized);
    }
  g_string_append_printf (out, ",\"type\":\"%s\"}", action_name (c->action));
  return g_string_free (out, FALSE);
}

static void
run_rls_group (SlRtCdc  *cdc,
               RlsGroup *g)
{
  g_autoptr(GString) sql = g_string_new (NULL);
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  JsonObject *claims = NULL;
  PGresult *res;
  const char *params[1];
  guint k = 0;

  g_string_append_c (g->json, ']');
  g_string_append (sql, "SELECT k.ord FROM jsonb_array_elements($1::jsonb) WITH ORDINALITY AS k(v, ord)"
                        " WHERE EXISTS (SELECT 1 FROM ");
  {
    char *s = PQescapeIdentifier (cdc->query_conn, g->info->schema, strlen (g->info->schema));
    char *t = PQescapeIdentifier (cdc->query_conn, g->info->table, strlen (g->info->table));

    g_string_append_printf (sql, "%s.%s AS t WHERE true", s, t);
    PQfreemem (s);
    PQfreemem (t);
  }
  for (guint i = 0; i < g->info->cols->len; i++)
    {
      const ColInfo *col = g_ptr_array_index (g->info->cols, i);
      char *ident;

      if (!col->is_pk)
        continue;
      ident = PQescapeIdentifier (cdc->query_conn, col->name, strlen (col->name));
      g_string_append_printf (sql, " AND t.%s = (k.v->>%u)::%s", ident, k++, col->cast_type);
      PQfreemem (ident);
    }
  g_string_append_c (sql, ')');

  if (json_parser_load_from_data (parser, g->claims_json, -1, NULL) &&
      JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    claims = json_node_get_object (json_parser_get_root (parser));

  if (!sl_db_begin_as (cdc->query_conn, g->role, claims, &error))
    {
      g_debug ("realtime: cannot check visibility as %s: %s", g->role, error->message);
      sl_db_rollback (cdc->query_conn);
      return;
    }
  params[0] = g->json->str;
  res = query (cdc->query_conn, sql->str, 1, params);
  if (res != NULL)
    {
      for (int i = 0; i < PQntuples (res); i++)
        {
          guint ord = (guint) g_ascii_strtoull (PQgetvalue (res, i, 0), NULL, 10);

          if (ord >= 1 && ord <= g->refs->len)
            {
              RlsRef *r = &g_array_index (g->refs, RlsRef, ord - 1);
              g_array_index (r->change->visible, gboolean, r->match) = TRUE;
            }
        }
      PQclear (res);
    }
  sl_db_rollback (cdc->query_conn);
}

typedef struct
{
  SlRtCdc   *cdc;
  GPtrArray *deliveries;
} DeliverData;

static gboolean
deliver_on_main (gpointer data)
{
  DeliverData *d = data;

  d->cdc->deliver (d->deliveries, d->cdc->deliver_data);
  g_ptr_array_unref (d->deliveries);
  g_free (d);
  return G_SOURCE_REMOVE;
}

static void
delivery_free (gpointer data)
{
  SlRtDelivery *d = data;

  g_free (d->frame);
  g_free (d);
}

static void
process_chunk (SlRtCdc   *cdc,
               PollCache *cache,
               GPtrArray *rows)
{
  g_autoptr(GPtrArray) snapshot = g_ptr_array_new_with_free_func (chan_subs_unref);
  g_autoptr(GPtrArray) changes = g_ptr_array_new_with_free_func (change_free);
  g_autoptr(GHashTable) groups = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, rls_group_free);
  g_autoptr(GPtrArray) deliveries = g_ptr_array_new_with_free_func (delivery_free);
  GHashTableIter iter;
  gpointer value;

  g_mutex_lock (&cdc->lock);
  g_hash_table_iter_init (&iter, cdc->subs);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    g_ptr_array_add (snapshot, chan_subs_ref (value));
  g_mutex_unlock (&cdc->lock);

  if (snapshot->len == 0)
    return;

  /* Match every change against the subscriptions. */
  for (guint r = 0; r < rows->len; r++)
    {
      Change *c = parse_change (g_ptr_array_index (rows, r));

      if (c == NULL)
        continue;
      c->info = cache_table (cdc, cache, c->schema, c->table);
      if (!c->info->exists)
        {
          change_free (c);
          continue;
        }
      for (guint s = 0; s < snapshot->len; s++)
        {
          ChanSubs *subs = g_ptr_array_index (snapshot, s);
          GArray *ids = NULL;

          for (guint e = 0; e < subs->entries->len; e++)
            {
              SubEntry *entry = g_ptr_array_index (subs->entries, e);

              if (!entry_matches (entry, c))
                continue;
              if (ids == NULL)
                ids = g_array_new (FALSE, FALSE, sizeof (guint));
              g_array_append_val (ids, entry->id);
            }
          if (ids != NULL)
            {
              gboolean visible = TRUE;

              g_array_append_val (c->chan_idx, s);
              g_ptr_array_add (c->chan_ids, ids);
              if (c->info->rls && c->action != 'D' && c->info->n_pk > 0)
                {
                  g_autofree char *key = g_strconcat (c->schema, "\n", c->table, "\n",
                                                      subs->role, "\n", subs->claims_json, NULL);
                  RlsGroup *g = g_hash_table_lookup (groups, key);
                  RlsRef ref = { c, c->visible->len };
                  gboolean first_col = TRUE;

                  if (g == NULL)
                    {
                      g = g_new0 (RlsGroup, 1);
                      g->info = c->info;
                      g->role = g_strdup (subs->role);
                      g->claims_json = g_strdup (subs->claims_json);
                      g->json = g_string_new ("[");
                      g->refs = g_array_new (FALSE, FALSE, sizeof (RlsRef));
                      g_hash_table_insert (groups, g_steal_pointer (&key), g);
                    }
                  if (g->refs->len > 0)
                    g_string_append_c (g->json, ',');
                  g_string_append_c (g->json, '[');
                  for (guint i = 0; i < c->info->cols->len; i++)
                    {
                      const ColInfo *col = g_ptr_array_index (c->info->cols, i);
                      g_autofree char *text = NULL;

                      if (!col->is_pk)
                        continue;
                      text = raw_value_text (find_column (c->columns, col->name));
                      if (!first_col)
                        g_string_append_c (g->json, ',');
                      first_col = FALSE;
                      if (text != NULL)
                        sl_rt_append_json_string (g->json, text);
                      else
                        g_string_append (g->json, "null");
                    }
                  g_string_append_c (g->json, ']');
                  g_array_append_val (g->refs, ref);
                  visible = FALSE;
                }
              g_array_append_val (c->visible, visible);
            }
        }
      if (c->chan_idx->len > 0)
        g_ptr_array_add (changes, c);
      else
        change_free (c);
    }

  /* Row visibility: one query per (table, role, claims). */
  g_hash_table_iter_init (&iter, groups);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    run_rls_group (cdc, value);

  /* Frames, in commit order. */
  for (guint i = 0; i < changes->len; i++)
    {
      Change *c = g_ptr_array_index (changes, i);
      g_autoptr(GHashTable) data_by_role = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, g_free);

      for (guint m = 0; m < c->chan_idx->len; m++)
        {
          ChanSubs *subs = g_ptr_array_index (snapshot, g_array_index (c->chan_idx, guint, m));
          GArray *ids = g_ptr_array_index (c->chan_ids, m);
          const char *data;
          GString *payload;
          SlRtDelivery *d;

          if (!g_array_index (c->visible, gboolean, m))
            continue;
          data = g_hash_table_lookup (data_by_role, subs->role);
          if (data == NULL)
            {
              char *built = build_data (cdc, cache, c, subs->role);
              g_hash_table_insert (data_by_role, subs->role, built);
              data = built;
            }
          payload = g_string_sized_new (strlen (data) + 64);
          g_string_append (payload, "{\"ids\":[");
          for (guint k = 0; k < ids->len; k++)
            g_string_append_printf (payload, "%s%u", k ? "," : "", g_array_index (ids, guint, k));
          g_string_append (payload, "],\"data\":");
          g_string_append (payload, data);
          g_string_append_c (payload, '}');

          d = g_new0 (SlRtDelivery, 1);
          d->channel_id = subs->channel_id;
          d->frame = sl_rt_encode_frame (subs->vsn, NULL, NULL, subs->topic, "postgres_changes", payload->str);
          g_string_free (payload, TRUE);
          g_ptr_array_add (deliveries, d);
        }
    }

  if (deliveries->len == 0)
    return;

  g_mutex_lock (&cdc->lock);
  cdc->pending += deliveries->len;
  g_mutex_unlock (&cdc->lock);
  {
    DeliverData *d = g_new0 (DeliverData, 1);
    d->cdc = cdc;
    d->deliveries = g_steal_pointer (&deliveries);
    g_main_context_invoke (cdc->server->main_context, deliver_on_main, d);
  }

  /* Backpressure: wait for the main thread to catch up. */
  g_mutex_lock (&cdc->lock);
  while (cdc->pending > MAX_PENDING && !cdc->stopping)
    g_cond_wait (&cdc->cond, &cdc->lock);
  g_mutex_unlock (&cdc->lock);
}

static const char poll_sql[] =
  "WITH pub AS ("
  "  SELECT concat_ws(',',"
  "           CASE WHEN bool_or(pp.pubinsert) THEN 'insert' END,"
  "           CASE WHEN bool_or(pp.pubupdate) THEN 'update' END,"
  "           CASE WHEN bool_or(pp.pubdelete) THEN 'delete' END) AS actions,"
  "         coalesce(string_agg("
  "           regexp_replace(ppt.schemaname, '([ ''.,*\\\\])', '\\\\\\1', 'g') || '.' ||"
  "           regexp_replace(ppt.tablename, '([ ''.,*\\\\])', '\\\\\\1', 'g'), ',')"
  "           FILTER (WHERE ppt.tablename IS NOT NULL), '') AS add_tables"
  "    FROM pg_publication pp"
  "    LEFT JOIN pg_publication_tables ppt ON ppt.pubname = pp.pubname"
  "   WHERE pp.pubname = '" SL_RT_PUBLICATION "'"
  "   GROUP BY pp.pubname)"
  " SELECT x.data, pub.add_tables <> ''"
  "   FROM pub, pg_logical_slot_get_changes('" SL_RT_SLOT "', NULL, " SLOT_MAX_CHANGES ","
  "        'include-pk', 'true', 'include-transaction', 'false',"
  "        'include-timestamp', 'true', 'include-type-oids', 'true',"
  "        'format-version', '2', 'actions', pub.actions,"
  "        'add-tables', pub.add_tables) x";

/* One call of pg_logical_slot_get_changes, streamed in chunks. Returns
 * the number of rows read, -1 on error. */
static int
poll_once (SlRtCdc *cdc)
{
  g_autoptr(GPtrArray) rows = g_ptr_array_new_with_free_func (g_free);
  PollCache cache;
  PGresult *res;
  int n_rows = 0;
  gboolean failed = FALSE;

  if (!PQsendQuery (cdc->slot_conn, poll_sql) || !PQsetSingleRowMode (cdc->slot_conn))
    {
      g_warning ("realtime: cannot poll the replication slot: %s", PQerrorMessage (cdc->slot_conn));
      while ((res = PQgetResult (cdc->slot_conn)) != NULL)
        PQclear (res);
      return -1;
    }

  cache.tables = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, table_info_free);
  cache.role_cols = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) g_hash_table_unref);

  while ((res = PQgetResult (cdc->slot_conn)) != NULL)
    {
      ExecStatusType st = PQresultStatus (res);

      if (st == PGRES_SINGLE_TUPLE)
        {
          n_rows++;
          if (PQgetvalue (res, 0, 1)[0] == 't')
            g_ptr_array_add (rows, g_strdup (PQgetvalue (res, 0, 0)));
          if (rows->len >= CHUNK_ROWS)
            {
              process_chunk (cdc, &cache, rows);
              g_ptr_array_set_size (rows, 0);
            }
        }
      else if (st != PGRES_TUPLES_OK)
        {
          g_warning ("realtime: replication slot poll failed: %s", PQresultErrorMessage (res));
          failed = TRUE;
        }
      PQclear (res);
    }
  if (rows->len > 0)
    process_chunk (cdc, &cache, rows);

  g_hash_table_unref (cache.tables);
  g_hash_table_unref (cache.role_cols);
  return failed ? -1 : n_rows;
}

static gpointer
decoder_thread (gpointer data)
{
  SlRtCdc *cdc = data;

  for (;;)
    {
      int n;
      gint64 until;

      g_mutex_lock (&cdc->lock);
      if (cdc->stopping)
        {
          g_mutex_unlock (&cdc->lock);
          break;
        }
      g_mutex_unlock (&cdc->lock);

      if (PQstatus (cdc->slot_conn) != CONNECTION_OK)
        PQreset (cdc->slot_conn);
      if (PQstatus (cdc->query_conn) != CONNECTION_OK)
        PQreset (cdc->query_conn);

      n = poll_once (cdc);
      if (n > 0)
        continue;

      until = g_get_monotonic_time () + (n < 0 ? G_USEC_PER_SEC : IDLE_POLL_MS * 1000);
      g_mutex_lock (&cdc->lock);
      while (!cdc->stopping)
        if (!g_cond_wait_until (&cdc->cond, &cdc->lock, until))
          break;
      g_mutex_unlock (&cdc->lock);
    }
  return NULL;
}

static gboolean
exec_ok (PGconn     *conn,
         const char *sql,
         GError    **error)
{
  PGresult *res = PQexec (conn, sql);
  ExecStatusType st = PQresultStatus (res);

  if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "%s", PQresultErrorMessage (res));
      PQclear (res);
      return FALSE;
    }
  PQclear (res);
  return TRUE;
}

SlRtCdc *
sl_rt_cdc_new (SlServer         *server,
               SlRtDeliverFunc   deliver,
               gpointer          user_data,
               GError          **error)
{
  g_autofree SlRtCdc *cdc = g_new0 (SlRtCdc, 1);

  cdc->server = server;
  cdc->deliver = deliver;
  cdc->deliver_data = user_data;
  g_mutex_init (&cdc->lock);
  g_cond_init (&cdc->cond);
  cdc->subs = g_hash_table_new_full (g_int64_hash, g_int64_equal, NULL, chan_subs_unref);

  cdc->slot_conn = sl_db_connect (server, error);
  if (cdc->slot_conn == NULL)
    return NULL;
  cdc->query_conn = sl_db_connect (server, error);
  if (cdc->query_conn == NULL)
    {
      PQfinish (cdc->slot_conn);
      return NULL;
    }
  /* wal2json prints timestamps in the session's zone; realtime's are UTC. */
  /* Some PostgreSQL builds only allow listed output plugins
   * (output_plugin_libraries, superuser-settable); allow wal2json for this
   * session when that setting exists. */
  if (!exec_ok (cdc->slot_conn, "SET TimeZone = 'UTC'", error) ||
      !exec_ok (cdc->slot_conn,
                "SELECT set_config('output_plugin_libraries',"
                "                  concat_ws(', ', nullif(current_setting('output_plugin_libraries', true), ''), 'wal2json'),"
                "                  false)"
                " WHERE EXISTS (SELECT 1 FROM pg_settings WHERE name = 'output_plugin_libraries')",
                error) ||
      !exec_ok (cdc->query_conn, "SET TimeZone = 'UTC'", error) ||
      !exec_ok (cdc->slot_conn,
                "SELECT pg_create_logical_replication_slot('" SL_RT_SLOT "', 'wal2json')"
                " WHERE NOT EXISTS (SELECT 1 FROM pg_replication_slots"
                "                    WHERE slot_name = '" SL_RT_SLOT "')",
                error))
    {
      PQfinish (cdc->slot_conn);
      PQfinish (cdc->query_conn);
      return NULL;
    }

  cdc->thread = g_thread_new ("sl-realtime-cdc", decoder_thread, cdc);
  return g_steal_pointer (&cdc);
}

void
sl_rt_cdc_free (SlRtCdc *cdc)
{
  if (cdc == NULL)
    return;
  g_mutex_lock (&cdc->lock);
  cdc->stopping = TRUE;
  g_cond_broadcast (&cdc->cond);
  g_mutex_unlock (&cdc->lock);
  g_thread_join (cdc->thread);
  PQfinish (cdc->slot_conn);
  PQfinish (cdc->query_conn);
  g_hash_table_unref (cdc->subs);
  g_mutex_clear (&cdc->lock);
  g_cond_clear (&cdc->cond);
  g_free (cdc);
}

void
sl_rt_cdc_delivered (SlRtCdc *cdc,
                     guint    n_frames)
{
  g_mutex_lock (&cdc->lock);
  cdc->pending = cdc->pending > n_frames ? cdc->pending - n_frames : 0;
  g_cond_broadcast (&cdc->cond);
  g_mutex_unlock (&cdc->lock);
}

/* ------------------------------------------------------- subscribing */

typedef struct
{
  SlRtCdc   *cdc;
  ChanSubs  *subs;
  JsonArray *pg_changes;
  GArray    *ids;
} SubscribeData;

static void
subscribe_data_free (gpointer data)
{
  SubscribeData *sd = data;

  chan_subs_unref (sd->subs);
  json_array_unref (sd->pg_changes);
  g_array_unref (sd->ids);
  g_free (sd);
}

static char *
describe_params (const char *event,
                 const char *schema,
                 const char *table,
                 const char *filter)
{
  return g_strdup_printf ("event: %s, schema: %s, table: %s, filters: %s, select: nil",
                          event, schema, table, filter != NULL ? filter : "[]");
}

static void
subscribe_thread (GTask        *task,
                  gpointer      source_object,
                  gpointer      task_data,
                  GCancellable *cancellable)
{
  SubscribeData *sd = task_data;
  SlServer *server = sd->cdc->server;
  PGconn *conn = sl_db_acquire (server);
  g_autoptr(GPtrArray) entries = g_ptr_array_new_with_free_func (sub_entry_free);

  for (guint i = 0; i < json_array_get_length (sd->pg_changes); i++)
    {
      JsonNode *node = json_array_get_element (sd->pg_changes, i);
      JsonObject *p;
      const char *event, *schema, *table, *filter;
      g_autofree char *parse_error = NULL;
      g_autoptr(GPtrArray) filters = NULL;
      SubEntry *entry;
      PGresult *res;
      const char *params[2];
      g_autofree char *described = NULL;

      if (!JSON_NODE_HOLDS_OBJECT (node))
        continue;
      p = json_node_get_object (node);
      event = json_object_get_string_member_with_default (p, "event", "*");
      schema = json_object_get_string_member_with_default (p, "schema", NULL);
      table = json_object_get_string_member_with_default (p, "table", NULL);
      filter = json_object_get_string_member_with_default (p, "filter", NULL);

      if (schema == NULL && table == NULL)
        {
          g_autofree char *text = sl_rt_node_to_string (node);
          sl_db_release (server, conn);
          g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                                   "No subscription params provided. Please provide at least a `schema` or `table` to subscribe to: %s",
                                   text);
          return;
        }
      if (schema == NULL)
        schema = "public";
      if (table == NULL)
        table = "*";

      filters = parse_filters (filter != NULL ? filter : "", &parse_error);
      if (filters == NULL)
        {
          sl_db_release (server, conn);
          g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, "%s", parse_error);
          return;
        }

      described = describe_params (event, schema, table, filter);
      params[0] = schema;
      params[1] = table;
      res = query (conn,
                   "SELECT schemaname, tablename FROM pg_publication_tables"
                   " WHERE pubname = '" SL_RT_PUBLICATION "'"
                   "   AND schemaname LIKE (CASE $1 WHEN '*' THEN '%' ELSE $1 END) ESCAPE ''"
                   "   AND tablename LIKE (CASE $2 WHEN '*' THEN '%' ELSE $2 END) ESCAPE ''",
                   2, params);
      if (res == NULL || PQntuples (res) == 0)
        {
          g_clear_pointer (&res, PQclear);
          sl_db_release (server, conn);
          g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                                   "Unable to subscribe to changes with given parameters. Please check Realtime is enabled for the given connect parameters: [%s]",
                                   described);
          return;
        }

      entry = g_new0 (SubEntry, 1);
      entry->id = g_array_index (sd->ids, guint, i);
      entry->entities = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
      for (int r = 0; r < PQntuples (res); r++)
        g_hash_table_add (entry->entities,
                          g_strconcat (PQgetvalue (res, r, 0), ".", PQgetvalue (res, r, 1), NULL));
      PQclear (res);

      /* Filters must name existing columns (realtime.subscription_check_filters). */
      for (guint f = 0; f < filters->len && table[0] != '*'; f++)
        {
          const Filter *flt = g_ptr_array_index (filters, f);
          const char *cparams[3] = { schema, table, flt->column };

          res = query (conn,
                       "SELECT 1 FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid"
                       "  JOIN pg_namespace n ON n.oid = c.relnamespace"
                       " WHERE n.nspname = $1 AND c.relname = $2 AND a.attname = $3"
                       "   AND a.attnum > 0 AND NOT a.attisdropped",
                       3, cparams);
          if (res == NULL || PQntuples (res) == 0)
            {
              g_clear_pointer (&res, PQclear);
              sub_entry_free (entry);
              sl_db_release (server, conn);
              g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                                       "Unable to subscribe to changes with given parameters. An exception happened so please check your connect parameters: [%s]. Exception: ERROR P0001 (raise_exception) invalid column for filter %s",
                                       described, flt->column);
              return;
            }
          PQclear (res);
        }

      entry->action = '*';
      if (g_ascii_strcasecmp (event, "INSERT") == 0)
        entry->action = 'I';
      else if (g_ascii_strcasecmp (event, "UPDATE") == 0)
        entry->action = 'U';
      else if (g_ascii_strcasecmp (event, "DELETE") == 0)
        entry->action = 'D';
      entry->filters = g_steal_pointer (&filters);
      g_ptr_array_add (entries, entry);
    }
  sl_db_release (server, conn);

  g_ptr_array_extend_and_steal (sd->subs->entries, g_steal_pointer (&entries));
  g_task_return_boolean (task, TRUE);
}

void
sl_rt_cdc_subscribe_async (SlRtCdc             *cdc,
                           guint64              channel_id,
                           int                  vsn,
                           const char          *topic,
                           JsonArray           *pg_changes,
                           const guint         *ids,
                           const char          *role,
                           const char          *claims_json,
                           GCancellable        *cancellable,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (NULL, cancellable, callback, user_data);
  SubscribeData *sd = g_new0 (SubscribeData, 1);

  g_task_set_source_tag (task, sl_rt_cdc_subscribe_async);
  sd->cdc = cdc;
  sd->subs = g_new0 (ChanSubs, 1);
  sd->subs->ref_count = 1;
  sd->subs->channel_id = channel_id;
  sd->subs->vsn = vsn;
  sd->subs->topic = g_strdup (topic);
  sd->subs->role = g_strdup (role);
  sd->subs->claims_json = g_strdup (claims_json);
  sd->subs->entries = g_ptr_array_new_with_free_func (sub_entry_free);
  sd->pg_changes = json_array_ref (pg_changes);
  sd->ids = g_array_new (FALSE, FALSE, sizeof (guint));
  g_array_append_vals (sd->ids, ids, json_array_get_length (pg_changes));
  g_task_set_task_data (task, sd, subscribe_data_free);
  g_task_run_in_thread (task, subscribe_thread);
}

gboolean
sl_rt_cdc_subscribe_finish (SlRtCdc       *cdc,
                            GAsyncResult  *result,
                            GError       **error)
{
  SubscribeData *sd;

  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);

  if (!g_task_propagate_boolean (G_TASK (result), error))
    return FALSE;
  sd = g_task_get_task_data (G_TASK (result));
  g_mutex_lock (&cdc->lock);
  g_hash_table_replace (cdc->subs, &sd->subs->channel_id, chan_subs_ref (sd->subs));
  g_mutex_unlock (&cdc->lock);
  return TRUE;
}

void
sl_rt_cdc_update_claims (SlRtCdc    *cdc,
                         guint64     channel_id,
                         const char *role,
                         const char *claims_json)
{
  ChanSubs *old, *s;

  g_mutex_lock (&cdc->lock);
  old = g_hash_table_lookup (cdc->subs, &channel_id);
  if (old != NULL)
    {
      s = g_new0 (ChanSubs, 1);
      s->ref_count = 1;
      s->channel_id = channel_id;
      s->vsn = old->vsn;
      s->topic = g_strdup (old->topic);
      s->role = g_strdup (role);
      s->claims_json = g_strdup (claims_json);
      s->entries = g_ptr_array_ref (old->entries);
      g_hash_table_replace (cdc->subs, &s->channel_id, s);
    }
  g_mutex_unlock (&cdc->lock);
}

void
sl_rt_cdc_unsubscribe (SlRtCdc *cdc,
                       guint64  channel_id)
{
  g_mutex_lock (&cdc->lock);
  g_hash_table_remove (cdc->subs, &channel_id);
  g_mutex_unlock (&cdc->lock);
}
