/* supa-schema.h — tables, columns and functions from PostgREST's OpenAPI
 * document (PROTOCOL.md §2.12)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "supa-client.h"

G_BEGIN_DECLS

/* What kind of editor a column wants. */
typedef enum
{
  SUPA_COLUMN_KIND_TEXT,
  SUPA_COLUMN_KIND_INTEGER,
  SUPA_COLUMN_KIND_NUMBER,
  SUPA_COLUMN_KIND_BOOLEAN,
  SUPA_COLUMN_KIND_JSON,
  SUPA_COLUMN_KIND_ARRAY,
  SUPA_COLUMN_KIND_ENUM,
} SupaColumnKind;

/* --- SupaColumnInfo ----------------------------------------------------- */

#define SUPA_TYPE_COLUMN_INFO (supa_column_info_get_type ())

G_DECLARE_FINAL_TYPE (SupaColumnInfo, supa_column_info, SUPA, COLUMN_INFO, GObject)

const char         *supa_column_info_get_name          (SupaColumnInfo *self);
/* The PostgreSQL type: `format`, falling back to `type`; "int32"/"int64"
 * (PostgREST ≥ 14.8) are given as "integer"/"bigint". */
const char         *supa_column_info_get_type_name     (SupaColumnInfo *self);
/* `format` exactly as the server sent it (may be NULL). */
const char         *supa_column_info_get_format        (SupaColumnInfo *self);
SupaColumnKind      supa_column_info_get_kind          (SupaColumnInfo *self);
gboolean            supa_column_info_get_is_array      (SupaColumnInfo *self);
gboolean            supa_column_info_get_is_json       (SupaColumnInfo *self);
gboolean            supa_column_info_get_nullable      (SupaColumnInfo *self);
gboolean            supa_column_info_get_has_default   (SupaColumnInfo *self);
/* The default as the server gave it (a JSON value), or NULL. */
JsonNode           *supa_column_info_get_default       (SupaColumnInfo *self);
/* The default as text: strings as they are, others as JSON; NULL if none. */
char               *supa_column_info_dup_default_text  (SupaColumnInfo *self);
/* The column comment without PostgREST's "Note:" section, or NULL. */
const char         *supa_column_info_get_comment       (SupaColumnInfo *self);
/* maxLength, or -1. */
gint64              supa_column_info_get_max_length    (SupaColumnInfo *self);
/* NULL-terminated, or NULL when the type is not an enum. */
const char * const *supa_column_info_get_enum_values   (SupaColumnInfo *self);
gboolean            supa_column_info_get_is_primary_key(SupaColumnInfo *self);
/* The referenced table and column of a single-column foreign key, or NULL. */
const char         *supa_column_info_get_fk_table      (SupaColumnInfo *self);
const char         *supa_column_info_get_fk_column     (SupaColumnInfo *self);

/* --- SupaTableInfo ------------------------------------------------------ */

#define SUPA_TYPE_TABLE_INFO (supa_table_info_get_type ())

G_DECLARE_FINAL_TYPE (SupaTableInfo, supa_table_info, SUPA, TABLE_INFO, GObject)

const char         *supa_table_info_get_name            (SupaTableInfo *self);
const char         *supa_table_info_get_schema          (SupaTableInfo *self);
const char         *supa_table_info_get_comment         (SupaTableInfo *self);
/* A GListModel of SupaColumnInfo in column order. */
GListModel         *supa_table_info_get_columns         (SupaTableInfo *self);
SupaColumnInfo     *supa_table_info_lookup_column       (SupaTableInfo *self,
                                                         const char    *name);
/* NULL-terminated; empty when the relation has no primary key. */
const char * const *supa_table_info_get_primary_key     (SupaTableInfo *self);
gboolean            supa_table_info_get_insertable      (SupaTableInfo *self);
gboolean            supa_table_info_get_updatable       (SupaTableInfo *self);
gboolean            supa_table_info_get_deletable       (SupaTableInfo *self);
/* TRUE when any of insert, update or delete is allowed. */
gboolean            supa_table_info_get_writable        (SupaTableInfo *self);

/* --- SupaFunctionInfo --------------------------------------------------- */

#define SUPA_TYPE_FUNCTION_INFO (supa_function_info_get_type ())

G_DECLARE_FINAL_TYPE (SupaFunctionInfo, supa_function_info, SUPA, FUNCTION_INFO, GObject)

const char         *supa_function_info_get_name         (SupaFunctionInfo *self);
const char         *supa_function_info_get_comment      (SupaFunctionInfo *self);
/* TRUE unless the function is VOLATILE (GET needs a read-only function). */
gboolean            supa_function_info_get_allows_get   (SupaFunctionInfo *self);
/* Parameters as SupaColumnInfo (name, type; nullable = not required). */
GListModel         *supa_function_info_get_parameters   (SupaFunctionInfo *self);

/* --- SupaSchema --------------------------------------------------------- */

#define SUPA_TYPE_SCHEMA (supa_schema_get_type ())

G_DECLARE_FINAL_TYPE (SupaSchema, supa_schema, SUPA, SCHEMA, GObject)

SupaSchema         *supa_schema_new                     (const char   *schema_name);
const char         *supa_schema_get_name                (SupaSchema   *self);
/* SupaTableInfo sorted by name; the same model is updated on reload. */
GListModel         *supa_schema_get_tables              (SupaSchema   *self);
/* SupaFunctionInfo sorted by name. */
GListModel         *supa_schema_get_functions           (SupaSchema   *self);
SupaTableInfo      *supa_schema_lookup_table            (SupaSchema   *self,
                                                         const char   *name);
SupaFunctionInfo   *supa_schema_lookup_function         (SupaSchema   *self,
                                                         const char   *name);
/* Replaces the contents from an OpenAPI (Swagger 2.0) document. */
gboolean            supa_schema_load_from_json          (SupaSchema   *self,
                                                         JsonNode     *document,
                                                         GError      **error);

/* Fetches `GET /rest/v1/` with Accept-Profile and reloads @self. */
void                supa_schema_refresh_async           (SupaSchema          *self,
                                                         SupaClient          *client,
                                                         GCancellable        *cancellable,
                                                         GAsyncReadyCallback  callback,
                                                         gpointer             user_data);
gboolean            supa_schema_refresh_finish          (SupaSchema          *self,
                                                         GAsyncResult        *result,
                                                         GError             **error);

/* A new SupaSchema for @schema_name ("public" if NULL) loaded from the
 * server. A key that may not read the document gives SUPA_ERROR_FORBIDDEN. */
void                supa_schema_load_async              (SupaClient          *client,
                                                         const char          *schema_name,
                                                         GCancellable        *cancellable,
                                                         GAsyncReadyCallback  callback,
                                                         gpointer             user_data);
SupaSchema         *supa_schema_load_finish             (GAsyncResult        *result,
                                                         GError             **error);

/* The schemas the server exposes (PostgREST `db-schemas`), found by asking
 * for a schema that cannot exist: PostgREST answers 406 PGRST106 naming the
 * exposed ones. The result is NULL-terminated, never empty, and its first
 * element is the default schema (the one used without Accept-Profile).
 * A server that answers anything else than that error (a proxy, a version
 * that does not list them) gives {"public"} without error; transport and
 * authentication failures are returned as a SUPA_ERROR. */
void                supa_schema_list_exposed_async      (SupaClient          *client,
                                                         GCancellable        *cancellable,
                                                         GAsyncReadyCallback  callback,
                                                         gpointer             user_data);
char              **supa_schema_list_exposed_finish     (GAsyncResult        *result,
                                                         GError             **error);

G_END_DECLS
