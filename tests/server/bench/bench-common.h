/* bench-common.h — shared by supabase-local's benchmarks.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Every benchmark prints a human summary, then exactly one line starting
 * with `{"benchmark":` holding its measurements, and exits non-zero only
 * when a target is missed or a correctness check fails.
 */

#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

typedef struct
{
  char      *name;
  GPtrArray *missed;   /* element-type: char* — one line per missed target */
} Bench;

Bench   *bench_new            (const char *name);
void     bench_free           (Bench      *bench);

/* Records (and prints at once) a missed target or failed check. */
void     bench_miss           (Bench      *bench,
                               const char *format,
                               ...) G_GNUC_PRINTF (2, 3);
gboolean bench_ok             (Bench      *bench);

/* Seconds on the monotonic clock. */
double   bench_now            (void);

/* Nearest-rank percentile (0…100) of @values (doubles); sorts @values.
 * 0 for an empty array. */
double   bench_percentile     (GArray     *values,
                               double      percent);
double   bench_max            (GArray     *values);

/* Adds "target_met" and "missed" to @builder's open object, closes it,
 * prints the JSON line and returns the exit status. */
int      bench_finish         (Bench       *bench,
                               JsonBuilder *builder);

/* Starts the JSON object: {"benchmark": name, … */
JsonBuilder *bench_json_begin (Bench      *bench);
/* Seconds as whole milliseconds (json-glib would print doubles with 17
 * digits). */
void     bench_json_ms        (JsonBuilder *builder,
                               const char  *name,
                               double       seconds);
void     bench_json_int       (JsonBuilder *builder,
                               const char  *name,
                               gint64       value);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Bench, bench_free)

G_END_DECLS
