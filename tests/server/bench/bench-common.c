/* bench-common.c — shared by supabase-local's benchmarks.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "bench"

#include "config.h"

#include "bench-common.h"

#include <math.h>
#include <stdio.h>

Bench *
bench_new (const char *name)
{
  Bench *bench = g_new0 (Bench, 1);

  bench->name = g_strdup (name);
  bench->missed = g_ptr_array_new_with_free_func (g_free);
  return bench;
}

void
bench_free (Bench *bench)
{
  if (bench == NULL)
    return;
  g_ptr_array_unref (bench->missed);
  g_free (bench->name);
  g_free (bench);
}

void
bench_miss (Bench      *bench,
            const char *format,
            ...)
{
  va_list args;
  char *text;

  va_start (args, format);
  text = g_strdup_vprintf (format, args);
  va_end (args);
  printf ("MISSED: %s\n", text);
  fflush (stdout);
  g_ptr_array_add (bench->missed, text);
}

gboolean
bench_ok (Bench *bench)
{
  return bench->missed->len == 0;
}

double
bench_now (void)
{
  return g_get_monotonic_time () / 1e6;
}

static int
compare_doubles (gconstpointer a,
                 gconstpointer b)
{
  double x = *(const double *) a;
  double y = *(const double *) b;

  return (x > y) - (x < y);
}

double
bench_percentile (GArray *values,
                  double  percent)
{
  guint rank;

  if (values->len == 0)
    return 0;
  g_array_sort (values, compare_doubles);
  rank = (guint) ceil (percent / 100.0 * values->len);
  if (rank < 1)
    rank = 1;
  if (rank > values->len)
    rank = values->len;
  return g_array_index (values, double, rank - 1);
}

double
bench_max (GArray *values)
{
  double max = 0;

  for (guint i = 0; i < values->len; i++)
    max = MAX (max, g_array_index (values, double, i));
  return max;
}

JsonBuilder *
bench_json_begin (Bench *bench)
{
  JsonBuilder *builder = json_builder_new ();

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "benchmark");
  json_builder_add_string_value (builder, bench->name);
  return builder;
}

void
bench_json_ms (JsonBuilder *builder,
               const char  *name,
               double       seconds)
{
  json_builder_set_member_name (builder, name);
  json_builder_add_int_value (builder, (gint64) llround (seconds * 1000.0));
}

void
bench_json_int (JsonBuilder *builder,
                const char  *name,
                gint64       value)
{
  json_builder_set_member_name (builder, name);
  json_builder_add_int_value (builder, value);
}

int
bench_finish (Bench       *bench,
              JsonBuilder *builder)
{
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *line = NULL;

  json_builder_set_member_name (builder, "target_met");
  json_builder_add_boolean_value (builder, bench_ok (bench));
  json_builder_set_member_name (builder, "missed");
  json_builder_begin_array (builder);
  for (guint i = 0; i < bench->missed->len; i++)
    json_builder_add_string_value (builder, g_ptr_array_index (bench->missed, i));
  json_builder_end_array (builder);
  json_builder_end_object (builder);

  root = json_builder_get_root (builder);
  line = json_to_string (root, FALSE);
  printf ("%s: %s\n", bench->name, bench_ok (bench) ? "all targets met" : "TARGET MISSED");
  printf ("%s\n", line);
  fflush (stdout);
  return bench_ok (bench) ? 0 : 1;
}
