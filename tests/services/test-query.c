/* test-query.c — SupaQuery renders PostgREST requests exactly (PROTOCOL.md §2)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "supa-query.h"
#include "test-util.h"

/* An independent form decoder, so the expectations below can be written in
 * the readable form PROTOCOL.md uses. */
static char *
form_decode (const char *text)
{
  GString *out = g_string_new (NULL);

  for (const char *p = text; *p; p++)
    {
      if (*p == '+')
        g_string_append_c (out, ' ');
      else if (*p == '%' && g_ascii_isxdigit (p[1]) && g_ascii_isxdigit (p[2]))
        {
          g_string_append_c (out, (char) (g_ascii_xdigit_value (p[1]) * 16 + g_ascii_xdigit_value (p[2])));
          p += 2;
        }
      else
        g_string_append_c (out, *p);
    }

  return g_string_free (out, FALSE);
}

typedef struct
{
  char               *method;
  char               *path;
  char               *raw_query;
  char               *query;     /* decoded, pairs joined with & */
  SoupMessageHeaders *headers;
  char               *body;
} Request;

static void
request_free (Request *r)
{
  g_free (r->method);
  g_free (r->path);
  g_free (r->raw_query);
  g_free (r->query);
  g_clear_pointer (&r->headers, soup_message_headers_unref);
  g_free (r->body);
  g_free (r);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Request, request_free)

static Request *
render (SupaQuery *query)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) body = NULL;
  g_auto(GStrv) pairs = NULL;
  g_autoptr(GString) decoded = g_string_new (NULL);
  Request *r = g_new0 (Request, 1);

  g_assert_true (supa_query_to_request (query, &r->method, &r->path, &r->raw_query,
                                        &r->headers, &body, &error));
  g_assert_no_error (error);

  pairs = g_strsplit (r->raw_query, "&", -1);
  for (guint i = 0; pairs[i] != NULL; i++)
    {
      g_autofree char *d = form_decode (pairs[i]);

      /* Every reserved character must arrive encoded. */
      if (strpbrk (pairs[i], " ,()\"\\:{}[]") != NULL)
        g_error ("not encoded: %s", pairs[i]);
      if (i > 0)
        g_string_append_c (decoded, '&');
      g_string_append (decoded, d);
    }
  r->query = g_strdup (decoded->str);

  if (body != NULL)
    r->body = g_strndup (g_bytes_get_data (body, NULL), g_bytes_get_size (body));

  return r;
}

static const char *
header (Request    *r,
        const char *name)
{
  return soup_message_headers_get_one (r->headers, name);
}

static void
assert_query (SupaQuery  *query,
              const char *expected)
{
  g_autoptr(Request) r = render (query);

  g_assert_cmpstr (r->query, ==, expected);
}

static void
test_form_encode (void)
{
  g_autofree char *a = supa_form_encode ("a b+c,(d)\"é*-._~/?&=");
  g_autofree char *b = supa_form_encode ("");

  g_assert_cmpstr (a, ==, "a+b%2Bc%2C%28d%29%22%C3%A9*-._%7E%2F%3F%26%3D");
  g_assert_cmpstr (b, ==, "");
}

static void
test_quote_value (void)
{
  static const struct { const char *in; const char *out; } cases[] = {
    { "plain", "plain" },
    { "a.b", "a.b" },
    { "time:12", "time:12" },
    { "Hebdon,John", "\"Hebdon,John\"" },
    { "(x)", "\"(x)\"" },
    { "Quote:\"", "\"Quote:\\\"\"" },
    { "Backslash:\\", "\"Backslash:\\\\\"" },
    { "", "\"\"" },
    { "null", "\"null\"" },
    { " pad", "\" pad\"" },
    { "pad ", "\"pad \"" },
    { "{a}", "\"{a}\"" },
    { "ünïcødé ✓", "ünïcødé ✓" },
  };
  g_autofree char *null_value = supa_query_quote_value (NULL);

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *q = supa_query_quote_value (cases[i].in);
      g_assert_cmpstr (q, ==, cases[i].out);
    }
  g_assert_cmpstr (null_value, ==, "null");
}

static void
test_select (void)
{
  g_autoptr(SupaQuery) q = supa_query_new ("todos");
  g_autoptr(SupaQuery) q2 = supa_query_new ("films");
  g_autoptr(Request) r = render (q);
  g_autoptr(Request) r2 = NULL;
  g_auto(GStrv) relations = NULL;
  const char *expected_relations[] = { "films", "actors", "directors", "details", NULL };

  g_assert_cmpstr (r->method, ==, "GET");
  g_assert_cmpstr (r->path, ==, "rest/v1/todos");
  g_assert_cmpstr (r->raw_query, ==, "select=*");
  g_assert_cmpstr (header (r, "Accept-Profile"), ==, "public");
  g_assert_null (header (r, "Content-Profile"));
  g_assert_null (header (r, "Prefer"));
  g_assert_null (header (r, "Accept"));
  g_assert_null (header (r, "Content-Type"));
  g_assert_null (r->body);

  supa_query_select (q2, "title, \"my col\" , actors!inner ( first_name ),dir:directors(*),...details(x)",
                     SUPA_COUNT_EXACT, FALSE);
  supa_query_set_schema (q2, "private");
  r2 = render (q2);
  g_assert_cmpstr (r2->query, ==, "select=title,\"my col\",actors!inner(first_name),dir:directors(*),...details(x)");
  g_assert_cmpstr (header (r2, "Prefer"), ==, "count=exact");
  g_assert_cmpstr (header (r2, "Accept-Profile"), ==, "private");

  relations = supa_query_dup_relations (q2);
  g_assert_cmpstrv (relations, expected_relations);
}

static void
test_select_head_count (void)
{
  static const struct { SupaCount count; const char *prefer; } cases[] = {
    { SUPA_COUNT_EXACT, "count=exact" },
    { SUPA_COUNT_PLANNED, "count=planned" },
    { SUPA_COUNT_ESTIMATED, "count=estimated" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(SupaQuery) q = supa_query_new ("todos");
      g_autoptr(Request) r = NULL;

      supa_query_select (q, "*", cases[i].count, TRUE);
      r = render (q);
      g_assert_cmpstr (r->method, ==, "HEAD");
      g_assert_cmpstr (header (r, "Prefer"), ==, cases[i].prefer);
      g_assert_cmpstr (header (r, "Accept-Profile"), ==, "public");
    }
}

static void
test_simple_operators (void)
{
  g_autoptr(SupaQuery) q = supa_query_new ("t");

  supa_query_eq (q, "a", "1");
  supa_query_neq (q, "a", "2");
  supa_query_gt (q, "a", "3");
  supa_query_gte (q, "a", "4");
  supa_query_lt (q, "a", "5");
  supa_query_lte (q, "a", "6");
  supa_query_like (q, "s", "*Ab%");
  supa_query_ilike (q, "s", "*ab*");
  supa_query_regex_match (q, "s", "^a.(b|c)$");
  supa_query_regex_imatch (q, "s", "^A");
  supa_query_is (q, "n", NULL);
  supa_query_is (q, "b", "true");
  supa_query_is_distinct (q, "n", "x");
  supa_query_not (q, "status", "eq", "done");
  supa_query_filter (q, "id", "in", "(1,2)");
  supa_query_eq (q, "data->>kind", "x");
  supa_query_eq (q, "actors.first_name", "Tom");

  assert_query (q,
                "select=*&a=eq.1&a=neq.2&a=gt.3&a=gte.4&a=lt.5&a=lte.6"
                "&s=like.*Ab%&s=ilike.*ab*&s=match.^a.(b|c)$&s=imatch.^A"
                "&n=is.null&b=is.true&n=isdistinct.x&status=not.eq.done&id=in.(1,2)"
                "&data->>kind=eq.x&actors.first_name=eq.Tom");
}

/* Top-level values are verbatim: quotes and commas are not special there. */
static void
test_top_level_verbatim (void)
{
  g_autoptr(SupaQuery) q = supa_query_new ("t");
  g_autoptr(Request) r = NULL;

  supa_query_eq (q, "name", "a,b (c) \"d\" \\e. f:g+h");
  supa_query_eq (q, "empty", "");
  r = render (q);
  g_assert_cmpstr (r->query, ==, "select=*&name=eq.a,b (c) \"d\" \\e. f:g+h&empty=eq.");
  g_assert_cmpstr (r->raw_query, ==,
                   "select=*&name=eq.a%2Cb+%28c%29+%22d%22+%5Ce.+f%3Ag%2Bh&empty=eq.");
}

static void
test_in (void)
{
  g_autoptr(SupaQuery) q = supa_query_new ("t");
  const char *people[] = { "Hebdon,John", "Williams,Mary", NULL };
  const char *escapes[] = { "Quote:\"", "Backslash:\\", NULL };
  const char *mixed[] = { NULL, "", "null", "a.b", "ünï", " pad", "(x)" };

  supa_query_in (q, "name", people, -1);
  supa_query_in (q, "name", escapes, -1);
  supa_query_in (q, "v", mixed, G_N_ELEMENTS (mixed));
  supa_query_not_in (q, "id", (const char *[]) { "7", "8", NULL }, -1);

  assert_query (q,
                "select=*&name=in.(\"Hebdon,John\",\"Williams,Mary\")"
                "&name=in.(\"Quote:\\\"\",\"Backslash:\\\\\")"
                "&v=in.(null,\"\",\"null\",a.b,ünï,\" pad\",\"(x)\")"
                "&id=not.in.(7,8)");
}

static void
test_quantified (void)
{
  g_autoptr(SupaQuery) q = supa_query_new ("t");
  const char *patterns[] = { "a*", "b,c", "*\"q\"*", NULL };

  supa_query_like_all_of (q, "s", patterns);
  supa_query_like_any_of (q, "s", (const char *[]) { "x*", NULL });
  supa_query_ilike_all_of (q, "s", (const char *[]) { "y", "z", NULL });
  supa_query_ilike_any_of (q, "s", (const char *[]) { "with space", NULL });

  assert_query (q,
                "select=*&s=like(all).{a*,\"b,c\",\"*\\\"q\\\"*\"}&s=like(any).{x*}"
                "&s=ilike(all).{y,z}&s=ilike(any).{\"with space\"}");
}

static JsonNode *
json (const char *text)
{
  return json_from_string (text, NULL);
}

static void
test_containers_and_ranges (void)
{
  g_autoptr(SupaQuery) q = supa_query_new ("t");
  g_autoptr(JsonNode) range = json ("\"[1,5)\"");
  g_autoptr(JsonNode) tags = json ("[\"example\",\"new\",\"a b\",1,null]");
  g_autoptr(JsonNode) object = json ("{\"a\":1}");
  g_autoptr(JsonNode) period = json ("\"[2017-01-01,2017-06-30]\"");

  supa_query_contains (q, "r", range);
  supa_query_contains (q, "tags", tags);
  supa_query_contains (q, "meta", object);
  supa_query_contained_by (q, "tags", tags);
  supa_query_overlaps (q, "period", period);
  supa_query_overlaps (q, "tags", tags);
  supa_query_range_lt (q, "r", "(1,10)");
  supa_query_range_gt (q, "r", "(1,10)");
  supa_query_range_lte (q, "r", "(1,10)");
  supa_query_range_gte (q, "r", "(1,10)");
  supa_query_range_adjacent (q, "r", "[18,21)");

  assert_query (q,
                "select=*&r=cs.[1,5)&tags=cs.{example,new,\"a b\",1,NULL}&meta=cs.{\"a\":1}"
                "&tags=cd.{example,new,\"a b\",1,NULL}&period=ov.[2017-01-01,2017-06-30]"
                "&tags=ov.{example,new,\"a b\",1,NULL}"
                "&r=sl.(1,10)&r=sr.(1,10)&r=nxr.(1,10)&r=nxl.(1,10)&r=adj.[18,21)");
}

static void
test_text_search (void)
{
  g_autoptr(SupaQuery) q = supa_query_new ("t");

  supa_query_text_search (q, "body", "cat & dog", SUPA_TEXT_SEARCH_TSQUERY, NULL);
  supa_query_text_search (q, "body", "cat dog", SUPA_TEXT_SEARCH_PLAIN, "english");
  supa_query_text_search (q, "body", "fat cats", SUPA_TEXT_SEARCH_PHRASE, "simple");
  supa_query_text_search (q, "body", "\"fat cat\" -dog", SUPA_TEXT_SEARCH_WEBSEARCH, "english");

  assert_query (q,
                "select=*&body=fts.cat & dog&body=plfts(english).cat dog"
                "&body=phfts(simple).fat cats&body=wfts(english).\"fat cat\" -dog");
}

static void
test_match_object (void)
{
  g_autoptr(SupaQuery) q = supa_query_new ("t");
  g_autoptr(JsonNode) m = json ("{\"a\":\"x,y\",\"b\":1,\"c\":null,\"d\":true}");

  supa_query_match (q, json_node_get_object (m));
  assert_query (q, "select=*&a=eq.x,y&b=eq.1&c=is.null&d=eq.true");
}

static void
test_groups (void)
{
  g_autoptr(SupaQuery) q = supa_query_new ("t");
  g_autoptr(SupaFilterGroup) ranges = supa_filter_group_new (SUPA_FILTER_OR, FALSE);
  g_autoptr(SupaFilterGroup) top = supa_filter_group_new (SUPA_FILTER_OR, FALSE);
  g_autoptr(SupaFilterGroup) inner = supa_filter_group_new (SUPA_FILTER_AND, FALSE);
  g_autoptr(SupaFilterGroup) negated = supa_filter_group_new (SUPA_FILTER_AND, TRUE);
  g_autoptr(SupaFilterGroup) not_or = supa_filter_group_new (SUPA_FILTER_OR, TRUE);
  g_autoptr(SupaFilterGroup) quoting = supa_filter_group_new (SUPA_FILTER_OR, FALSE);
  g_autoptr(SupaFilterGroup) embedded = supa_filter_group_new (SUPA_FILTER_OR, FALSE);
  g_autoptr(SupaFilterGroup) empty = supa_filter_group_new (SUPA_FILTER_AND, FALSE);
  g_autofree char *text = NULL;

  supa_filter_group_add_condition (ranges, "age_range", "adj", "[18,21)");
  supa_filter_group_add_condition (ranges, "age_range", "cs", "[30,35]");
  supa_query_add_group (q, ranges, NULL);

  supa_filter_group_add_condition (top, "a", "eq", "1");
  supa_filter_group_add_condition (inner, "b", "gt", "2");
  supa_filter_group_add_condition (inner, "c", "lt", "3");
  supa_filter_group_add_group (top, inner);
  supa_filter_group_add_condition (negated, "d", "eq", "4");
  supa_filter_group_add_condition (negated, "e", "not.eq", "done");
  supa_filter_group_add_group (top, negated);
  supa_filter_group_add_group (top, empty);   /* dropped */
  supa_query_add_group (q, top, NULL);

  text = supa_filter_group_to_string (top);
  g_assert_cmpstr (text, ==, "(a.eq.1,and(b.gt.2,c.lt.3),not.and(d.eq.4,e.not.eq.done))");

  supa_filter_group_add_condition (not_or, "x", "is", NULL);
  supa_filter_group_add_condition (not_or, "x", "not.is", "null");
  supa_query_add_group (q, not_or, NULL);

  supa_filter_group_add_condition (quoting, "s", "eq", "a,b");
  supa_filter_group_add_condition (quoting, "s", "eq", "(p)");
  supa_filter_group_add_condition (quoting, "s", "eq", "say \"hi\"");
  supa_filter_group_add_condition (quoting, "s", "eq", "back\\slash");
  supa_filter_group_add_condition (quoting, "s", "eq", "a.b");
  supa_filter_group_add_condition (quoting, "s", "eq", "");
  supa_filter_group_add_condition (quoting, "s", "eq", NULL);
  supa_filter_group_add_condition (quoting, "s", "eq", "ünï");
  supa_filter_group_add_in (quoting, "s", FALSE, (const char *[]) { "a,b", NULL, "c" }, 3);
  supa_filter_group_add_in (quoting, "s", TRUE, (const char *[]) { "z", NULL }, -1);
  supa_filter_group_add_raw (quoting, "tags", "cs", "{a,b}");
  supa_query_add_group (q, quoting, NULL);

  supa_filter_group_add_condition (embedded, "first_name", "eq", "Tom");
  supa_filter_group_add_condition (embedded, "last_name", "like", "*son");
  supa_query_add_group (q, embedded, "actors");

  supa_query_add_group (q, empty, NULL);   /* ignored */

  assert_query (q,
                "select=*&or=(age_range.adj.\"[18,21)\",age_range.cs.\"[30,35]\")"
                "&or=(a.eq.1,and(b.gt.2,c.lt.3),not.and(d.eq.4,e.not.eq.done))"
                "&not.or=(x.is.null,x.not.is.null)"
                "&or=(s.eq.\"a,b\",s.eq.\"(p)\",s.eq.\"say \\\"hi\\\"\",s.eq.\"back\\\\slash\","
                "s.eq.a.b,s.eq.\"\",s.eq.null,s.eq.ünï,s.in.(\"a,b\",null,c),s.not.in.(z),tags.cs.{a,b})"
                "&actors.or=(first_name.eq.Tom,last_name.like.*son)");
}

static void
test_raw_or (void)
{
  g_autoptr(SupaQuery) q = supa_query_new ("t");

  supa_query_or (q, "age.lt.18,age.gt.21", NULL);
  supa_query_or (q, "name.eq.x", "actors");
  assert_query (q, "select=*&or=(age.lt.18,age.gt.21)&actors.or=(name.eq.x)");
}

static void
test_modifiers (void)
{
  g_autoptr(SupaQuery) q = supa_query_new ("t");
  g_autoptr(SupaQuery) q2 = supa_query_new ("t");

  supa_query_order (q, "a", TRUE, SUPA_NULLS_DEFAULT, NULL);
  supa_query_order (q, "b", FALSE, SUPA_NULLS_FIRST, NULL);
  supa_query_order (q, "data->>lat", TRUE, SUPA_NULLS_LAST, NULL);
  supa_query_order (q, "name", FALSE, SUPA_NULLS_DEFAULT, "actors");
  supa_query_limit (q, 50, NULL);
  supa_query_limit (q, 2, "actors");
  supa_query_range (q, 10, 14, NULL);      /* replaces limit */
  supa_query_range (q, 0, 0, "actors");
  assert_query (q,
                "select=*&order=a.asc,b.desc.nullsfirst,data->>lat.asc.nullslast"
                "&actors.order=name.desc&limit=5&actors.limit=1&offset=10&actors.offset=0");

  supa_query_limit (q2, 0, NULL);
  assert_query (q2, "select=*&limit=0");
}

static void
test_accept (void)
{
  g_autoptr(SupaQuery) single = supa_query_new ("t");
  g_autoptr(SupaQuery) maybe = supa_query_new ("t");
  g_autoptr(SupaQuery) csv = supa_query_new ("t");
  g_autoptr(SupaQuery) plan = supa_query_new ("t");
  g_autoptr(SupaQuery) plan2 = supa_query_new ("t");
  g_autoptr(Request) r1 = NULL, r2 = NULL, r3 = NULL, r4 = NULL, r5 = NULL;

  supa_query_single (single);
  supa_query_eq (single, "id", "1");
  r1 = render (single);
  g_assert_cmpstr (header (r1, "Accept"), ==, "application/vnd.pgrst.object+json");

  supa_query_maybe_single (maybe);
  r2 = render (maybe);
  g_assert_null (header (r2, "Accept"));   /* client-side for reads */
  g_assert_true (supa_query_get_maybe_single (maybe));

  supa_query_csv (csv);
  r3 = render (csv);
  g_assert_cmpstr (header (r3, "Accept"), ==, "text/csv");

  supa_query_explain (plan, SUPA_EXPLAIN_ANALYZE | SUPA_EXPLAIN_VERBOSE);
  r4 = render (plan);
  g_assert_cmpstr (header (r4, "Accept"), ==,
                   "application/vnd.pgrst.plan+text; for=\"application/json\"; options=analyze|verbose;");

  supa_query_csv (plan2);
  supa_query_explain (plan2, SUPA_EXPLAIN_JSON);
  r5 = render (plan2);
  g_assert_cmpstr (header (r5, "Accept"), ==,
                   "application/vnd.pgrst.plan+json; for=\"text/csv\"; options=;");
}

static void
test_insert (void)
{
  g_autoptr(SupaQuery) one = supa_query_new ("todos");
  g_autoptr(SupaQuery) many = supa_query_new ("todos");
  g_autoptr(JsonNode) row = json ("{\"task\":\"a\",\"done\":false}");
  g_autoptr(JsonNode) rows = json ("[{\"task\":\"a\",\"done\":false},{\"task\":\"b\",\"note\":null}]");
  g_autoptr(Request) r1 = NULL;
  g_autoptr(Request) r2 = NULL;

  supa_query_insert (one, row, SUPA_COUNT_NONE, TRUE);
  r1 = render (one);
  g_assert_cmpstr (r1->method, ==, "POST");
  g_assert_cmpstr (r1->raw_query, ==, "");
  g_assert_cmpstr (r1->body, ==, "{\"task\":\"a\",\"done\":false}");
  g_assert_cmpstr (header (r1, "Content-Profile"), ==, "public");
  g_assert_null (header (r1, "Accept-Profile"));
  g_assert_cmpstr (header (r1, "Content-Type"), ==, "application/json");
  g_assert_null (header (r1, "Prefer"));
  g_assert_true (supa_query_is_write (one));

  supa_query_insert (many, rows, SUPA_COUNT_EXACT, FALSE);
  supa_query_returning (many, "id, task");
  r2 = render (many);
  g_assert_cmpstr (r2->query, ==, "columns=\"task\",\"done\",\"note\"&select=id,task");
  g_assert_cmpstr (r2->raw_query, ==, "columns=%22task%22%2C%22done%22%2C%22note%22&select=id%2Ctask");
  g_assert_cmpstr (header (r2, "Prefer"), ==, "count=exact, missing=default, return=representation");
  g_assert_cmpstr (r2->body, ==, "[{\"task\":\"a\",\"done\":false},{\"task\":\"b\",\"note\":null}]");
}

static void
test_upsert (void)
{
  g_autoptr(SupaQuery) merge = supa_query_new ("todos");
  g_autoptr(SupaQuery) ignore = supa_query_new ("todos");
  g_autoptr(JsonNode) rows = json ("[{\"email\":\"a@b.c\",\"n\":1}]");
  g_autoptr(Request) r1 = NULL;
  g_autoptr(Request) r2 = NULL;

  supa_query_upsert (merge, rows, "email", FALSE, SUPA_COUNT_NONE, TRUE);
  supa_query_returning (merge, NULL);
  r1 = render (merge);
  g_assert_cmpstr (r1->method, ==, "POST");
  g_assert_cmpstr (r1->query, ==, "on_conflict=email&columns=\"email\",\"n\"&select=*");
  g_assert_cmpstr (header (r1, "Prefer"), ==, "resolution=merge-duplicates, return=representation");

  supa_query_upsert (ignore, rows, NULL, TRUE, SUPA_COUNT_PLANNED, FALSE);
  r2 = render (ignore);
  g_assert_cmpstr (r2->query, ==, "columns=\"email\",\"n\"");
  g_assert_cmpstr (header (r2, "Prefer"), ==, "resolution=ignore-duplicates, count=planned, missing=default");
}

static void
assert_refused (SupaQuery  *query,
                const char *message)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *method = NULL;

  g_assert_false (supa_query_to_request (query, &method, NULL, NULL, NULL, NULL, &error));
  g_assert_error (error, SUPA_ERROR, SUPA_ERROR_INVALID_INPUT);
  g_assert_cmpstr (error->message, ==, message);
  g_assert_null (method);
}

static void
test_update_delete (void)
{
  g_autoptr(JsonNode) values = json ("{\"done\":true}");
  g_autoptr(SupaQuery) bare = supa_query_new ("todos");
  g_autoptr(SupaQuery) ordered = supa_query_new ("todos");
  g_autoptr(SupaQuery) embedded_only = supa_query_new ("todos");
  g_autoptr(SupaQuery) empty_group = supa_query_new ("todos");
  g_autoptr(SupaQuery) del = supa_query_new ("todos");
  g_autoptr(SupaQuery) ok = supa_query_new ("todos");
  g_autoptr(SupaQuery) del_ok = supa_query_new ("todos");
  g_autoptr(SupaFilterGroup) group = supa_filter_group_new (SUPA_FILTER_OR, FALSE);
  g_autoptr(Request) r1 = NULL;
  g_autoptr(Request) r2 = NULL;
  const char *ids[] = { "7", "8", NULL };

  supa_query_update (bare, json_node_get_object (values), SUPA_COUNT_NONE);
  assert_refused (bare, "Refusing to update every row: add a filter");

  supa_query_update (ordered, json_node_get_object (values), SUPA_COUNT_NONE);
  supa_query_order (ordered, "id", TRUE, SUPA_NULLS_DEFAULT, NULL);
  supa_query_limit (ordered, 1, NULL);
  assert_refused (ordered, "Refusing to update every row: add a filter");

  supa_query_update (embedded_only, json_node_get_object (values), SUPA_COUNT_NONE);
  supa_query_eq (embedded_only, "owner.name", "x");
  assert_refused (embedded_only, "Refusing to update every row: add a filter");

  supa_query_delete (empty_group, SUPA_COUNT_NONE);
  supa_query_add_group (empty_group, group, NULL);
  supa_query_or (empty_group, "", NULL);
  assert_refused (empty_group, "Refusing to delete every row: add a filter");

  supa_query_delete (del, SUPA_COUNT_EXACT);
  assert_refused (del, "Refusing to delete every row: add a filter");

  supa_query_update (ok, json_node_get_object (values), SUPA_COUNT_NONE);
  supa_query_eq (ok, "id", "1");
  supa_query_returning (ok, "id,done");
  r1 = render (ok);
  g_assert_cmpstr (r1->method, ==, "PATCH");
  g_assert_cmpstr (r1->query, ==, "select=id,done&id=eq.1");
  g_assert_cmpstr (r1->body, ==, "{\"done\":true}");
  g_assert_cmpstr (header (r1, "Prefer"), ==, "return=representation");
  g_assert_cmpstr (header (r1, "Content-Profile"), ==, "public");

  supa_query_delete (del_ok, SUPA_COUNT_EXACT);
  supa_query_in (del_ok, "id", ids, -1);
  r2 = render (del_ok);
  g_assert_cmpstr (r2->method, ==, "DELETE");
  g_assert_cmpstr (r2->query, ==, "id=in.(7,8)");
  g_assert_cmpstr (header (r2, "Prefer"), ==, "count=exact");
  g_assert_null (r2->body);
  g_assert_null (header (r2, "Content-Type"));
}

static void
test_rpc (void)
{
  g_autoptr(JsonNode) args = json ("{\"a\":1,\"name\":\"x y\",\"tags\":[\"p\",\"q r\"],\"skip\":null}");
  g_autoptr(JsonNode) object_args = json ("{\"filter\":{\"k\":1}}");
  g_autoptr(SupaQuery) post = supa_query_new ("rpc/add");
  g_autoptr(SupaQuery) noargs = supa_query_new ("rpc/now");
  g_autoptr(SupaQuery) get = supa_query_new ("rpc/search");
  g_autoptr(SupaQuery) head = supa_query_new ("rpc/search");
  g_autoptr(SupaQuery) head_obj = supa_query_new ("rpc/search");
  g_autoptr(Request) r1 = NULL, r2 = NULL, r3 = NULL, r4 = NULL, r5 = NULL;

  supa_query_rpc (post, json_node_get_object (args), SUPA_RPC_POST, SUPA_COUNT_NONE);
  r1 = render (post);
  g_assert_cmpstr (r1->method, ==, "POST");
  g_assert_cmpstr (r1->path, ==, "rest/v1/rpc/add");
  g_assert_cmpstr (r1->raw_query, ==, "");
  g_assert_cmpstr (r1->body, ==, "{\"a\":1,\"name\":\"x y\",\"tags\":[\"p\",\"q r\"],\"skip\":null}");
  g_assert_cmpstr (header (r1, "Content-Profile"), ==, "public");
  g_assert_true (supa_query_is_write (post));

  supa_query_rpc (noargs, NULL, SUPA_RPC_POST, SUPA_COUNT_NONE);
  r2 = render (noargs);
  g_assert_cmpstr (r2->body, ==, "{}");

  supa_query_rpc (get, json_node_get_object (args), SUPA_RPC_GET, SUPA_COUNT_NONE);
  supa_query_eq (get, "kind", "k");
  supa_query_order (get, "id", TRUE, SUPA_NULLS_DEFAULT, NULL);
  r3 = render (get);
  g_assert_cmpstr (r3->method, ==, "GET");
  g_assert_cmpstr (r3->query, ==, "a=1&name=x y&tags={p,\"q r\"}&kind=eq.k&order=id.asc");
  g_assert_cmpstr (header (r3, "Accept-Profile"), ==, "public");
  g_assert_null (r3->body);
  g_assert_false (supa_query_is_write (get));

  supa_query_rpc (head, json_node_get_object (args), SUPA_RPC_GET, SUPA_COUNT_NONE);
  supa_query_select (head, "id", SUPA_COUNT_EXACT, TRUE);
  r4 = render (head);
  g_assert_cmpstr (r4->method, ==, "HEAD");
  g_assert_cmpint (supa_query_get_kind (head), ==, SUPA_QUERY_RPC);
  g_assert_cmpstr (r4->query, ==, "a=1&name=x y&tags={p,\"q r\"}&select=id");
  g_assert_cmpstr (header (r4, "Prefer"), ==, "count=exact");

  supa_query_rpc (head_obj, json_node_get_object (object_args), SUPA_RPC_HEAD, SUPA_COUNT_EXACT);
  r5 = render (head_obj);
  g_assert_cmpstr (r5->method, ==, "POST");
  g_assert_cmpstr (header (r5, "Prefer"), ==, "count=exact, return=minimal");
  g_assert_cmpstr (r5->body, ==, "{\"filter\":{\"k\":1}}");
}

static void
test_schema_and_path (void)
{
  g_autoptr(SupaQuery) q = supa_query_new ("my table");
  g_autoptr(JsonNode) row = json ("{\"a\":1}");
  g_autoptr(Request) r = NULL;

  supa_query_set_schema (q, "private");
  supa_query_insert (q, row, SUPA_COUNT_NONE, TRUE);
  r = render (q);
  g_assert_cmpstr (r->path, ==, "rest/v1/my%20table");
  g_assert_cmpstr (header (r, "Content-Profile"), ==, "private");
}

int
main (int   argc,
      char *argv[])
{
  test_init (&argc, &argv);

  g_test_add_func ("/query/form-encode", test_form_encode);
  g_test_add_func ("/query/quote-value", test_quote_value);
  g_test_add_func ("/query/select", test_select);
  g_test_add_func ("/query/select-head-count", test_select_head_count);
  g_test_add_func ("/query/simple-operators", test_simple_operators);
  g_test_add_func ("/query/top-level-verbatim", test_top_level_verbatim);
  g_test_add_func ("/query/in", test_in);
  g_test_add_func ("/query/quantified", test_quantified);
  g_test_add_func ("/query/containers-and-ranges", test_containers_and_ranges);
  g_test_add_func ("/query/text-search", test_text_search);
  g_test_add_func ("/query/match-object", test_match_object);
  g_test_add_func ("/query/groups", test_groups);
  g_test_add_func ("/query/raw-or", test_raw_or);
  g_test_add_func ("/query/modifiers", test_modifiers);
  g_test_add_func ("/query/accept", test_accept);
  g_test_add_func ("/query/insert", test_insert);
  g_test_add_func ("/query/upsert", test_upsert);
  g_test_add_func ("/query/update-delete", test_update_delete);
  g_test_add_func ("/query/rpc", test_rpc);
  g_test_add_func ("/query/schema-and-path", test_schema_and_path);

  return g_test_run ();
}
