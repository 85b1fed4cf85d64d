/* supa-database.h — runs SupaQuery requests against PostgREST
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "supa-client.h"
#include "supa-query.h"

G_BEGIN_DECLS

/* --- SupaResult --------------------------------------------------------- */

#define SUPA_TYPE_RESULT (supa_result_get_type ())

G_DECLARE_FINAL_TYPE (SupaResult, supa_result, SUPA, RESULT, GObject)

/* The rows: a JSON array; an object for single/maybe-single (NULL when
 * maybe-single found no row); any JSON value for an rpc; a plan for a JSON
 * explain; NULL for HEAD, CSV, text plans and empty (204) answers. The
 * node belongs to the result and to nobody else (cached results are
 * copies), so callers may change it. */
JsonNode   *supa_result_get_rows         (SupaResult *self);
/* CSV text (csv) or the text plan (explain), else NULL. */
const char *supa_result_get_text         (SupaResult *self);
/* The total from Content-Range when a count was requested, else -1. */
gint64      supa_result_get_count        (SupaResult *self);
guint       supa_result_get_status       (SupaResult *self);
/* The 0-based row window from Content-Range, or -1 when there is none. */
gint64      supa_result_get_range_start  (SupaResult *self);
gint64      supa_result_get_range_end    (SupaResult *self);
/* TRUE when the result came from the read cache, not the server. */
gboolean    supa_result_get_from_cache   (SupaResult *self);

/* --- SupaDatabase ------------------------------------------------------- */

#define SUPA_TYPE_DATABASE (supa_database_get_type ())

G_DECLARE_FINAL_TYPE (SupaDatabase, supa_database, SUPA, DATABASE, GObject)

SupaDatabase *supa_database_new            (SupaClient   *client);
SupaClient   *supa_database_get_client     (SupaDatabase *self);

/* How long (milliseconds) a read result is reused; 0 (the default)
 * disables the cache and empties it. Writes are never cached, and any
 * write through this object drops the cached reads of its table (and of
 * queries embedding it); a POST rpc drops everything. */
void          supa_database_set_cache_ttl  (SupaDatabase *self,
                                            guint         ttl_ms);
guint         supa_database_get_cache_ttl  (SupaDatabase *self);
/* Drops cached reads touching @relation, or all when NULL. */
void          supa_database_invalidate     (SupaDatabase *self,
                                            const char   *relation);

/* Runs @query. Errors are SUPA_ERROR with the server's code, message,
 * details and hint (see supa-error.h); an update or delete without a
 * filter is refused before anything is sent. JSON is parsed off the main
 * thread. */
void          supa_database_execute_async  (SupaDatabase        *self,
                                            SupaQuery           *query,
                                            GCancellable        *cancellable,
                                            GAsyncReadyCallback  callback,
                                            gpointer             user_data);
SupaResult   *supa_database_execute_finish (SupaDatabase        *self,
                                            GAsyncResult        *result,
                                            GError             **error);

G_END_DECLS
