/* sl-rest-private.h — internals of supabase-local's PostgREST module.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * sl-rest-parse.c   query-string grammar (select, filters, logic trees,
 *                   order) → the trees below; pure functions.
 * sl-rest-cache.c   the schema cache read from the catalogs, reloaded on
 *                   NOTIFY pgrst.
 * sl-rest-openapi.c the Swagger 2.0 document of GET /rest/v1/.
 * sl-rest.c         routing, SQL generation, responses.
 */

#pragma once

#include "sl-server.h"

G_BEGIN_DECLS

/* ------------------------------------------------------------- Errors */

/* A PostgREST error response: status + the four body keys. */
typedef struct
{
  guint  status;
  char  *code;
  char  *message;
  char  *details;   /* NULL → JSON null */
  char  *hint;      /* NULL → JSON null */
} SlrError;

SlrError   *slr_error_new            (guint        status,
                                      const char  *code,
                                      const char  *message,
                                      const char  *details,
                                      const char  *hint);
void        slr_error_free           (SlrError    *error);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SlrError, slr_error_free)

/* ------------------------------------------------------------- Parsing */

typedef struct
{
  char     *key;         /* object key or array index (as text) */
  gboolean  is_index;
  gboolean  as_text;     /* ->> rather than -> */
} SlrJsonOp;

typedef struct
{
  char      *name;
  GPtrArray *json_path;  /* SlrJsonOp*, never NULL (maybe empty) */
} SlrField;

typedef enum
{
  SLR_OP_EQ, SLR_OP_NEQ, SLR_OP_GT, SLR_OP_GTE, SLR_OP_LT, SLR_OP_LTE,
  SLR_OP_LIKE, SLR_OP_ILIKE, SLR_OP_MATCH, SLR_OP_IMATCH,
  SLR_OP_IN, SLR_OP_IS, SLR_OP_ISDISTINCT,
  SLR_OP_FTS, SLR_OP_PLFTS, SLR_OP_PHFTS, SLR_OP_WFTS,
  SLR_OP_CS, SLR_OP_CD, SLR_OP_OV, SLR_OP_SL, SLR_OP_SR,
  SLR_OP_NXR, SLR_OP_NXL, SLR_OP_ADJ,
} SlrOp;

typedef enum { SLR_QUANT_NONE, SLR_QUANT_ANY, SLR_QUANT_ALL } SlrQuant;
typedef enum { SLR_IS_NULL, SLR_IS_NOT_NULL, SLR_IS_TRUE, SLR_IS_FALSE, SLR_IS_UNKNOWN } SlrIsVal;

typedef struct
{
  gboolean   negate;
  SlrOp      op;
  SlrQuant   quant;
  char      *value;      /* single value (verbatim) */
  GPtrArray *list;       /* in: char* elements */
  SlrIsVal   is_val;
  char      *lang;       /* fts config or NULL */
} SlrOpExpr;

typedef struct
{
  GPtrArray *path;       /* embed path, char*; empty = root */
  SlrField  *field;
  SlrOpExpr *expr;
} SlrFilter;

typedef struct _SlrLogic SlrLogic;
struct _SlrLogic
{
  gboolean   negate;
  gboolean   is_or;
  GPtrArray *children;   /* SlrLogic*; NULL for a leaf */
  SlrFilter *filter;     /* leaf (path empty) */
};

typedef enum
{
  SLR_SEL_STAR,
  SLR_SEL_FIELD,
  SLR_SEL_COUNT,         /* count() aggregate */
  SLR_SEL_REL,
  SLR_SEL_SPREAD,
} SlrSelKind;

typedef struct
{
  SlrSelKind  kind;
  SlrField   *field;     /* FIELD */
  char       *cast;
  char       *alias;
  char       *aggregate; /* "sum", "avg", … or NULL */
  /* REL / SPREAD */
  char       *rel;
  char       *hint;
  gboolean    inner;
  gboolean    left;
  GPtrArray  *children;  /* SlrSelect* */
} SlrSelect;

typedef struct
{
  char     *relation;    /* order=rel(col) */
  SlrField *field;
  int       dir;         /* 0 none, 1 asc, 2 desc */
  int       nulls;       /* 0 none, 1 first, 2 last */
} SlrOrder;

void        slr_field_free           (SlrField    *field);
void        slr_op_expr_free         (SlrOpExpr   *expr);
void        slr_filter_free          (SlrFilter   *filter);
void        slr_logic_free           (SlrLogic    *logic);
void        slr_select_free          (SlrSelect   *select);
void        slr_order_free           (SlrOrder    *order);

/* All return NULL and set @error (status 400, PGRST100) on a syntax error. */
GPtrArray  *slr_parse_select         (const char  *text,
                                      SlrError   **error);   /* SlrSelect* */
SlrFilter  *slr_parse_filter         (const char  *key,
                                      const char  *value,
                                      SlrError   **error);
/* @key is "or", "and", "not.or", "rel.or", "rel.not.and", … */
SlrLogic   *slr_parse_logic          (const char  *key,
                                      const char  *value,
                                      GPtrArray  **path_out,
                                      SlrError   **error);
GPtrArray  *slr_parse_order          (const char  *value,
                                      SlrError   **error);   /* SlrOrder* */
/* columns= and on_conflict=: a comma list of (maybe quoted) names. */
GPtrArray  *slr_parse_columns        (const char  *what,
                                      const char  *value,
                                      SlrError   **error);   /* char* */
/* Splits "a.b.c" into names (respecting quotes); NULL on error. */
GPtrArray  *slr_parse_path           (const char  *key,
                                      SlrError   **error);

/* --------------------------------------------------------- Schema cache */

typedef struct
{
  char      *name;
  int        attnum;
  char      *type;         /* format_type(atttypid, atttypmod) */
  char      *base_type;    /* domains resolved, no typmod */
  char       typtype;      /* of the (base) type: b, e, c, r, … */
  char       typcategory;
  char      *elem_type;    /* arrays: element type name, else NULL */
  char       elem_category;
  gboolean   nullable;
  char      *default_expr; /* pg_get_expr, or NULL */
  char      *comment;
  int        max_length;   /* -1 when none */
  GPtrArray *enum_values;  /* char*, or NULL */
} SlrColumn;

typedef struct
{
  char      *schema;
  char      *name;
  char       kind;         /* r, v, m, f, p */
  char      *comment;
  GPtrArray *columns;      /* SlrColumn* in attnum order */
  GPtrArray *pk;           /* char* */
  gboolean   insertable;
  gboolean   updatable;
  gboolean   deletable;
} SlrTable;

typedef struct
{
  char      *name;          /* constraint name */
  char      *schema;
  char      *table;
  GPtrArray *cols;          /* char* */
  char      *f_schema;
  char      *f_table;
  GPtrArray *f_cols;        /* char* */
  gboolean   one_to_one;    /* fk columns are themselves unique */
} SlrFk;

typedef struct
{
  char     *name;           /* may be "" for unnamed */
  char     *type;
  gboolean  has_default;
  char      mode;           /* i, o, b, v, t */
} SlrArg;

typedef struct
{
  char      *schema;
  char      *name;
  char      *comment;
  GPtrArray *args;          /* SlrArg*, all modes */
  char      *ret_type;      /* format_type(prorettype) */
  char       ret_typtype;
  char      *ret_rel_schema;/* composite from a relation, else NULL */
  char      *ret_rel;
  gboolean   ret_set;
  gboolean   ret_void;
  gboolean   ret_record;    /* RETURNS TABLE / record / OUT params */
  char       volatility;    /* i, s, v */
} SlrFunc;

typedef struct
{
  gint        ref_count;
  GHashTable *tables;       /* "schema.name" → SlrTable* */
  GPtrArray  *table_list;   /* SlrTable* sorted by schema, name */
  GPtrArray  *fks;          /* SlrFk* */
  GHashTable *funcs;        /* "schema.name" → GPtrArray of SlrFunc* */
  GPtrArray  *func_list;    /* SlrFunc* sorted */
  GHashTable *schema_comments; /* schema → comment */
  char       *pg_version;
  char      **schemas;      /* exposed (db-schemas), in order; first = default */
  char       *schemas_text; /* the same joined with ", " (PGRST106's hint) */
} SlrCache;

SlrCache   *slr_cache_load           (PGconn      *conn,
                                      GError     **error);
SlrCache   *slr_cache_ref            (SlrCache    *cache);
void        slr_cache_unref          (SlrCache    *cache);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SlrCache, slr_cache_unref)

SlrTable   *slr_cache_table          (SlrCache    *cache,
                                      const char  *schema,
                                      const char  *name);
SlrColumn  *slr_table_column         (SlrTable    *table,
                                      const char  *name);
GPtrArray  *slr_cache_funcs          (SlrCache    *cache,
                                      const char  *schema,
                                      const char  *name);   /* not owned */
/* The closest table name (PostgREST's fuzzy hint), or NULL. */
const char *slr_cache_suggest_table  (SlrCache    *cache,
                                      const char  *schema,
                                      const char  *name);
double      slr_similarity           (const char  *a,
                                      const char  *b);

/* The configured db-schemas, like PGRST_DB_SCHEMAS: a comma-separated
 * list, set before sl_rest_register(); NULL restores the default
 * "public, graphql_public". As with PostgREST's in-database configuration
 * (db-config), `ALTER ROLE authenticator SET pgrst.db_schemas = '…'` takes
 * precedence; it is read on every schema cache load (NOTIFY pgrst). FALSE
 * when @list names no schema. */
gboolean    slr_set_db_schemas       (const char  *list);
/* Splits a db-schemas list: trimmed, empty entries and duplicates skipped,
 * surrounding double quotes removed. NULL when nothing is left. */
char      **slr_parse_db_schemas     (const char  *list);

/* -------------------------------------------------------------- OpenAPI */

char       *slr_openapi_build        (SlrCache    *cache,
                                      const char  *schema,
                                      const char  *base_url);

/* --------------------------------------------------------------- Utils */

char       *slr_quote_ident          (const char  *name);
char       *slr_quote_literal        (const char  *text);

G_END_DECLS
