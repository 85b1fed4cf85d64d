/* test-csv.c — the RFC 4180 reader and writer
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "supa-csv.h"
#include "supa-error.h"
#include "test-util.h"

/* Reads every record of @text. */
static GPtrArray *
read_all (const char *text,
          gssize      len,
          GError    **error)
{
  g_autoptr(GInputStream) in = NULL;
  g_autoptr(SupaCsvReader) reader = NULL;
  g_autoptr(GPtrArray) records = g_ptr_array_new_with_free_func ((GDestroyNotify) supa_csv_record_free);

  if (len < 0)
    len = (gssize) strlen (text);
  in = g_memory_input_stream_new_from_data (g_memdup2 (text, (gsize) len), len, g_free);
  reader = supa_csv_reader_new (in);

  for (;;)
    {
      g_autoptr(GError) local_error = NULL;
      SupaCsvRecord *record = supa_csv_reader_read_record (reader, NULL, &local_error);

      if (local_error != NULL)
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return NULL;
        }
      if (record == NULL)
        break;
      g_ptr_array_add (records, record);
    }

  return g_steal_pointer (&records);
}

static SupaCsvRecord *
rec (GPtrArray *records,
     guint      i)
{
  g_assert_cmpuint (i, <, records->len);
  return g_ptr_array_index (records, i);
}

static void
test_quoting (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) r = read_all ("a,\"b,c\",\"say \"\"hi\"\"\",d\n"
                                     "1,,\"\",x\"y\n", -1, &error);
  SupaCsvRecord *first;
  SupaCsvRecord *second;

  g_assert_no_error (error);
  g_assert_cmpuint (r->len, ==, 2);
  first = rec (r, 0);
  g_assert_cmpuint (first->n_fields, ==, 4);
  g_assert_cmpstr (first->fields[0], ==, "a");
  g_assert_cmpstr (first->fields[1], ==, "b,c");
  g_assert_cmpstr (first->fields[2], ==, "say \"hi\"");
  g_assert_true (first->quoted[1]);
  g_assert_false (first->quoted[0]);

  second = rec (r, 1);
  g_assert_cmpuint (second->n_fields, ==, 4);
  /* Unquoted empty versus quoted empty: NULL versus ''. */
  g_assert_cmpstr (second->fields[1], ==, "");
  g_assert_false (second->quoted[1]);
  g_assert_cmpstr (second->fields[2], ==, "");
  g_assert_true (second->quoted[2]);
  /* A quote inside an unquoted field is an ordinary character. */
  g_assert_cmpstr (second->fields[3], ==, "x\"y");
}

static void
test_newlines (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) r = read_all ("id,text\r\n"
                                     "1,\"two\r\nlines\"\r\n"
                                     "2,\"three\nlines\nhere\"\r\n"
                                     "3,last", -1, &error);

  g_assert_no_error (error);
  g_assert_cmpuint (r->len, ==, 4);
  g_assert_cmpstr (rec (r, 0)->fields[1], ==, "text");
  g_assert_cmpuint (rec (r, 0)->line, ==, 1);
  g_assert_cmpstr (rec (r, 1)->fields[1], ==, "two\r\nlines");
  g_assert_cmpuint (rec (r, 1)->line, ==, 2);
  g_assert_cmpuint (rec (r, 1)->end_line, ==, 3);
  g_assert_cmpstr (rec (r, 2)->fields[1], ==, "three\nlines\nhere");
  g_assert_cmpuint (rec (r, 2)->line, ==, 4);
  /* The last record has no line end at all. */
  g_assert_cmpstr (rec (r, 3)->fields[0], ==, "3");
  g_assert_cmpstr (rec (r, 3)->fields[1], ==, "last");
  g_assert_cmpuint (rec (r, 3)->line, ==, 7);
}

static void
test_crlf_and_cr (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) r = read_all ("a,b\r\nc,d\re,f\n\ng,h\r\n", -1, &error);

  g_assert_no_error (error);
  g_assert_cmpuint (r->len, ==, 5);
  g_assert_cmpstr (rec (r, 0)->fields[1], ==, "b");
  g_assert_cmpstr (rec (r, 1)->fields[1], ==, "d");
  g_assert_cmpstr (rec (r, 2)->fields[0], ==, "e");
  g_assert_true (supa_csv_record_is_blank (rec (r, 3)));
  g_assert_cmpuint (rec (r, 3)->line, ==, 4);
  g_assert_cmpstr (rec (r, 4)->fields[0], ==, "g");
  g_assert_cmpuint (rec (r, 4)->line, ==, 5);
}

static void
test_bom (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) r = read_all ("\xEF\xBB\xBFid,name\n1,x\n", -1, &error);

  g_assert_no_error (error);
  g_assert_cmpuint (r->len, ==, 2);
  g_assert_cmpstr (rec (r, 0)->fields[0], ==, "id");

  /* Only at the very start. */
  g_clear_pointer (&r, g_ptr_array_unref);
  r = read_all ("id\n\xEF\xBB\xBFx\n", -1, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (rec (r, 1)->fields[0], ==, "\xEF\xBB\xBFx");
}

static void
test_unterminated (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) r = read_all ("a,b\n1,\"open\nstill open\n", -1, &error);

  g_assert_null (r);
  g_assert_error (error, SUPA_ERROR, SUPA_ERROR_INVALID_INPUT);
  g_assert_nonnull (strstr (error->message, "line 2"));
}

static void
test_writer (void)
{
  g_autoptr(GString) out = g_string_new (NULL);
  const char *fields[] = { "plain", NULL, "", "a,b", "say \"hi\"", "two\nlines", " pad" };

  supa_csv_append_record (out, fields, G_N_ELEMENTS (fields));
  g_assert_cmpstr (out->str, ==,
                   "plain,,\"\",\"a,b\",\"say \"\"hi\"\"\",\"two\nlines\",\" pad\"\r\n");
}

/* Whatever the writer writes, the reader gives back, NULL included, across
 * 64 KiB buffer boundaries. */
static void
test_round_trip (void)
{
  g_autoptr(GString) out = g_string_new ("\xEF\xBB\xBF");
  g_autoptr(GPtrArray) expected = g_ptr_array_new_with_free_func ((GDestroyNotify) g_strfreev);
  g_autoptr(GPtrArray) r = NULL;
  g_autoptr(GError) error = NULL;
  static const char *samples[] = {
    "x", "", NULL, ",", "\"", "\"\"", "a\r\nb", "\r", "\n", " ", "ünï ✓", "trail ",
    "{1,2}", "{\"k\": \"v, w\"}", "line1\nline2\r\nline3",
  };
  guint n_records = 6000;

  for (guint i = 0; i < n_records; i++)
    {
      char **row = g_new0 (char *, 4);

      row[0] = g_strdup_printf ("%u", i);
      row[1] = g_strdup (samples[i % G_N_ELEMENTS (samples)]);
      row[2] = g_strdup (samples[(i * 7 + 3) % G_N_ELEMENTS (samples)]);
      supa_csv_append_record (out, (const char * const *) row, 3);
      /* g_strfreev stops at the first NULL: keep NULLs as a marker. */
      for (guint j = 1; j < 3; j++)
        if (row[j] == NULL)
          row[j] = g_strdup ("\x01NULL");
      g_ptr_array_add (expected, row);
    }

  g_assert_cmpuint (out->len, >, 64 * 1024);
  r = read_all (out->str, (gssize) out->len, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (r->len, ==, n_records);

  for (guint i = 0; i < n_records; i++)
    {
      SupaCsvRecord *record = rec (r, i);
      char **row = g_ptr_array_index (expected, i);

      g_assert_cmpuint (record->n_fields, ==, 3);
      g_assert_cmpstr (record->fields[0], ==, row[0]);
      for (guint j = 1; j < 3; j++)
        {
          if (g_str_equal (row[j], "\x01NULL"))
            {
              g_assert_cmpstr (record->fields[j], ==, "");
              g_assert_false (record->quoted[j]);
            }
          else
            {
              g_assert_cmpstr (record->fields[j], ==, row[j]);
              if (row[j][0] == '\0')
                g_assert_true (record->quoted[j]);
            }
        }
    }
}

int
main (int   argc,
      char *argv[])
{
  test_init (&argc, &argv);

  g_test_add_func ("/csv/quoting", test_quoting);
  g_test_add_func ("/csv/newlines", test_newlines);
  g_test_add_func ("/csv/crlf-and-cr", test_crlf_and_cr);
  g_test_add_func ("/csv/bom", test_bom);
  g_test_add_func ("/csv/unterminated", test_unterminated);
  g_test_add_func ("/csv/writer", test_writer);
  g_test_add_func ("/csv/round-trip", test_round_trip);

  return g_test_run ();
}
