/* supa-query.h — a PostgREST request builder (PROTOCOL.md §2)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

#include "supa-error.h"

G_BEGIN_DECLS

typedef enum
{
  SUPA_QUERY_SELECT,
  SUPA_QUERY_INSERT,
  SUPA_QUERY_UPSERT,
  SUPA_QUERY_UPDATE,
  SUPA_QUERY_DELETE,
  SUPA_QUERY_RPC,
} SupaQueryKind;

typedef enum
{
  SUPA_COUNT_NONE,
  SUPA_COUNT_EXACT,
  SUPA_COUNT_PLANNED,
  SUPA_COUNT_ESTIMATED,
} SupaCount;

typedef enum
{
  SUPA_RPC_POST,   /* may write; the default */
  SUPA_RPC_GET,    /* read-only (stable/immutable functions) */
  SUPA_RPC_HEAD,   /* count only */
} SupaRpcMethod;

typedef enum
{
  SUPA_NULLS_DEFAULT,
  SUPA_NULLS_FIRST,
  SUPA_NULLS_LAST,
} SupaNullsOrder;

typedef enum
{
  SUPA_TEXT_SEARCH_TSQUERY,    /* fts   (to_tsquery) */
  SUPA_TEXT_SEARCH_PLAIN,      /* plfts (plainto_tsquery) */
  SUPA_TEXT_SEARCH_PHRASE,     /* phfts (phraseto_tsquery) */
  SUPA_TEXT_SEARCH_WEBSEARCH,  /* wfts  (websearch_to_tsquery) */
} SupaTextSearchType;

typedef enum /*< flags >*/
{
  SUPA_EXPLAIN_NONE     = 0,
  SUPA_EXPLAIN_ANALYZE  = 1 << 0,
  SUPA_EXPLAIN_VERBOSE  = 1 << 1,
  SUPA_EXPLAIN_SETTINGS = 1 << 2,
  SUPA_EXPLAIN_BUFFERS  = 1 << 3,
  SUPA_EXPLAIN_WAL      = 1 << 4,
  SUPA_EXPLAIN_JSON     = 1 << 5,   /* plan as JSON instead of text */
} SupaExplainFlags;

typedef enum
{
  SUPA_FILTER_AND,
  SUPA_FILTER_OR,
} SupaFilterLogic;

/* --- value encoding (exposed for tests and for other services) ---------- */

/* WHATWG application/x-www-form-urlencoded (URLSearchParams): space → '+',
 * A-Za-z0-9 and "*-._" kept, every other byte %XX (upper case). */
char       *supa_form_encode            (const char *text);
/* A value inside an in-list or a logic tree (§2.4): NULL → `null`; quoted
 * ("…" with \ and " escaped) when it is empty, the word null, starts with
 * '{', or contains , ( ) " \ or leading/trailing whitespace. */
char       *supa_query_quote_value      (const char *value);
/* A PostgreSQL array literal element: NULL → NULL, quoted when needed. */
char       *supa_query_quote_array_item (const char *value);

/* --- logic trees -------------------------------------------------------- */

typedef struct _SupaFilterGroup SupaFilterGroup;

#define SUPA_TYPE_FILTER_GROUP (supa_filter_group_get_type ())

GType            supa_filter_group_get_type      (void) G_GNUC_CONST;
SupaFilterGroup *supa_filter_group_new           (SupaFilterLogic  logic,
                                                  gboolean         negated);
SupaFilterGroup *supa_filter_group_ref           (SupaFilterGroup *group);
void             supa_filter_group_unref         (SupaFilterGroup *group);
/* `column.op.value`; @op may carry "not." ("not.eq"); @value is quoted as
 * needed (NULL → null). For is/not.is the value is a keyword and kept. */
void             supa_filter_group_add_condition (SupaFilterGroup *group,
                                                  const char      *column,
                                                  const char      *op,
                                                  const char      *value);
/* `column.[not.]in.(v1,v2,…)` with each value quoted; NULL items → null.
 * @n_values -1: @values is NULL-terminated. */
void             supa_filter_group_add_in        (SupaFilterGroup    *group,
                                                  const char         *column,
                                                  gboolean            negated,
                                                  const char * const *values,
                                                  gssize              n_values);
/* `column.op.raw` verbatim (caller does the quoting). */
void             supa_filter_group_add_raw       (SupaFilterGroup *group,
                                                  const char      *column,
                                                  const char      *op,
                                                  const char      *raw_value);
void             supa_filter_group_add_group     (SupaFilterGroup *group,
                                                  SupaFilterGroup *child);
/* "(a.eq.1,and(b.gt.2,c.lt.3))" — the parameter value, without the key. */
char            *supa_filter_group_to_string     (SupaFilterGroup *group);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SupaFilterGroup, supa_filter_group_unref)

/* --- the query ---------------------------------------------------------- */

#define SUPA_TYPE_QUERY (supa_query_get_type ())

G_DECLARE_FINAL_TYPE (SupaQuery, supa_query, SUPA, QUERY, GObject)

/* @relation: a table or view name, or "rpc/<function>". Until an operation
 * is chosen the query is a `select=*`. */
SupaQuery     *supa_query_new               (const char   *relation);
void           supa_query_set_schema        (SupaQuery    *self,
                                             const char   *schema);
const char    *supa_query_get_schema        (SupaQuery    *self);
const char    *supa_query_get_relation      (SupaQuery    *self);
SupaQueryKind  supa_query_get_kind          (SupaQuery    *self);
SupaCount      supa_query_get_count         (SupaQuery    *self);
/* TRUE for insert, upsert, update, delete and POST rpc. */
gboolean       supa_query_is_write          (SupaQuery    *self);
gboolean       supa_query_get_single        (SupaQuery    *self);
gboolean       supa_query_get_maybe_single  (SupaQuery    *self);
gboolean       supa_query_get_csv           (SupaQuery    *self);
gboolean       supa_query_get_explain       (SupaQuery    *self);
/* The relation names the query reads: itself and embedded resources. */
GStrv          supa_query_dup_relations     (SupaQuery    *self);

/* Operations. @columns NULL means "*"; whitespace outside double quotes is
 * removed as postgrest-js does. On an rpc query (after supa_query_rpc())
 * select shapes the function's result instead. */
void           supa_query_select            (SupaQuery    *self,
                                             const char   *columns,
                                             SupaCount     count,
                                             gboolean      head);
/* @values: an object or an array of objects. For an array the union of the
 * keys is sent as `columns=` so missing keys take NULL (or their DEFAULT
 * when @default_to_null is FALSE, `Prefer: missing=default`). */
void           supa_query_insert            (SupaQuery    *self,
                                             JsonNode     *values,
                                             SupaCount     count,
                                             gboolean      default_to_null);
/* @on_conflict: comma-separated UNIQUE columns, or NULL for the PK. */
void           supa_query_upsert            (SupaQuery    *self,
                                             JsonNode     *values,
                                             const char   *on_conflict,
                                             gboolean      ignore_duplicates,
                                             SupaCount     count,
                                             gboolean      default_to_null);
void           supa_query_update            (SupaQuery    *self,
                                             JsonObject   *values,
                                             SupaCount     count);
void           supa_query_delete            (SupaQuery    *self,
                                             SupaCount     count);
/* The query's relation must be "rpc/<fn>". @params may be NULL. */
void           supa_query_rpc               (SupaQuery    *self,
                                             JsonObject   *params,
                                             SupaRpcMethod method,
                                             SupaCount     count);
/* After a write: return the affected rows (`select=` +
 * `Prefer: return=representation`). */
void           supa_query_returning         (SupaQuery    *self,
                                             const char   *columns);

/* Filters. Top-level values are sent verbatim (§2.4.1). */
void           supa_query_filter            (SupaQuery    *self,
                                             const char   *column,
                                             const char   *op,
                                             const char   *value);
void           supa_query_not               (SupaQuery    *self,
                                             const char   *column,
                                             const char   *op,
                                             const char   *value);
void           supa_query_eq                (SupaQuery *self, const char *column, const char *value);
void           supa_query_neq               (SupaQuery *self, const char *column, const char *value);
void           supa_query_gt                (SupaQuery *self, const char *column, const char *value);
void           supa_query_gte               (SupaQuery *self, const char *column, const char *value);
void           supa_query_lt                (SupaQuery *self, const char *column, const char *value);
void           supa_query_lte               (SupaQuery *self, const char *column, const char *value);
void           supa_query_like              (SupaQuery *self, const char *column, const char *pattern);
void           supa_query_ilike             (SupaQuery *self, const char *column, const char *pattern);
void           supa_query_regex_match       (SupaQuery *self, const char *column, const char *regex);
void           supa_query_regex_imatch      (SupaQuery *self, const char *column, const char *regex);
void           supa_query_is_distinct       (SupaQuery *self, const char *column, const char *value);
/* @value: "null", "true", "false" or "unknown"; NULL means null. */
void           supa_query_is                (SupaQuery *self, const char *column, const char *value);
void           supa_query_like_all_of       (SupaQuery *self, const char *column, const char * const *patterns);
void           supa_query_like_any_of       (SupaQuery *self, const char *column, const char * const *patterns);
void           supa_query_ilike_all_of      (SupaQuery *self, const char *column, const char * const *patterns);
void           supa_query_ilike_any_of      (SupaQuery *self, const char *column, const char * const *patterns);
/* NULL items are sent as null; @n_values -1: NULL-terminated. */
void           supa_query_in                (SupaQuery          *self,
                                             const char         *column,
                                             const char * const *values,
                                             gssize              n_values);
void           supa_query_not_in            (SupaQuery          *self,
                                             const char         *column,
                                             const char * const *values,
                                             gssize              n_values);
/* @value: a string (sent verbatim: range or array literal), an array
 * (sent as {a,b}) or an object (sent as JSON). */
void           supa_query_contains          (SupaQuery *self, const char *column, JsonNode *value);
void           supa_query_contained_by      (SupaQuery *self, const char *column, JsonNode *value);
void           supa_query_overlaps          (SupaQuery *self, const char *column, JsonNode *value);
void           supa_query_range_lt          (SupaQuery *self, const char *column, const char *range);
void           supa_query_range_gt          (SupaQuery *self, const char *column, const char *range);
void           supa_query_range_lte         (SupaQuery *self, const char *column, const char *range);
void           supa_query_range_gte         (SupaQuery *self, const char *column, const char *range);
void           supa_query_range_adjacent    (SupaQuery *self, const char *column, const char *range);
/* @config: a text search configuration ("english") or NULL. */
void           supa_query_text_search       (SupaQuery          *self,
                                             const char         *column,
                                             const char         *query,
                                             SupaTextSearchType  type,
                                             const char         *config);
/* eq for every member (strings verbatim, other scalars as JSON text). */
void           supa_query_match             (SupaQuery    *self,
                                             JsonObject   *match);
/* postgrest-js or(): @filters is passed raw, e.g. "a.eq.1,b.gt.2". */
void           supa_query_or                (SupaQuery    *self,
                                             const char   *filters,
                                             const char   *referenced_table);
/* A tree: `[rel.][not.]or=(…)` / `and=(…)`. */
void           supa_query_add_group         (SupaQuery       *self,
                                             SupaFilterGroup *group,
                                             const char      *referenced_table);

/* Modifiers. */
void           supa_query_order             (SupaQuery      *self,
                                             const char     *column,
                                             gboolean        ascending,
                                             SupaNullsOrder  nulls,
                                             const char     *referenced_table);
void           supa_query_limit             (SupaQuery    *self,
                                             gint64        count,
                                             const char   *referenced_table);
/* Rows @from to @to inclusive, 0-based: offset=from&limit=to-from+1. */
void           supa_query_range             (SupaQuery    *self,
                                             gint64        from,
                                             gint64        to,
                                             const char   *referenced_table);
void           supa_query_single            (SupaQuery    *self);
void           supa_query_maybe_single      (SupaQuery    *self);
void           supa_query_csv               (SupaQuery    *self);
void           supa_query_explain           (SupaQuery       *self,
                                             SupaExplainFlags flags);

/**
 * supa_query_to_request:
 * @self: a #SupaQuery
 * @method: (out): "GET", "HEAD", "POST", "PATCH" or "DELETE"
 * @path: (out): "rest/v1/<relation>"
 * @query_string: (out): the encoded query string (no '?'), maybe empty
 * @headers: (out): request headers (Prefer, Accept, Accept-Profile or
 *   Content-Profile, Content-Type)
 * @body: (out) (nullable): the body, NULL when there is none
 * @error: return location for a #GError
 *
 * Renders the request. Refuses (SUPA_ERROR_INVALID_INPUT) an update or a
 * delete without a filter: the app never touches every row of a table.
 */
gboolean       supa_query_to_request        (SupaQuery           *self,
                                             char               **method,
                                             char               **path,
                                             char               **query_string,
                                             SoupMessageHeaders **headers,
                                             GBytes             **body,
                                             GError             **error);

G_END_DECLS
