/* test-rest.c — supabase-local's PostgREST module over raw HTTP.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Runs supabase-local with the demo seed and checks the wire behaviour of
 * PROTOCOL.md §2: every filter operator, value quoting, embedding,
 * ranges and counts, representations, writes, RLS, errors, RPC, OpenAPI
 * and schema-cache reloads.
 */

#include "supa-test-server.h"

#include <string.h>

static SupaTestServer *server;

typedef enum { K_ANON, K_SERVICE, K_NONE } Key;

/* ------------------------------------------------------------- helpers */

static SupaTestResponse *
request (const char         *method,
         const char         *path,
         Key                 key,
         const char         *bearer,
         const char * const *extra,
         const char         *content_type,
         const char         *body)
{
  const char *apikey = key == K_SERVICE ? server->service_role_key : server->anon_key;
  g_autofree char *auth = NULL;
  g_autofree char *full = g_strconcat ("/rest/v1", path, NULL);
  g_autoptr(GPtrArray) h = g_ptr_array_new ();
  guint i;

  if (key != K_NONE)
    {
      auth = g_strdup_printf ("Bearer %s", bearer ? bearer : apikey);
      g_ptr_array_add (h, (gpointer) "apikey");
      g_ptr_array_add (h, (gpointer) apikey);
      g_ptr_array_add (h, (gpointer) "Authorization");
      g_ptr_array_add (h, auth);
    }
  for (i = 0; extra != NULL && extra[i] != NULL; i++)
    g_ptr_array_add (h, (gpointer) extra[i]);
  g_ptr_array_add (h, NULL);
  return supa_test_request (server, method, full, (const char * const *) h->pdata,
                            content_type ? content_type : (body ? "application/json" : NULL),
                            body, -1);
}

static SupaTestResponse *
get (const char *path)
{
  return request ("GET", path, K_ANON, NULL, NULL, NULL, NULL);
}

static SupaTestResponse *
get_h (const char         *path,
       const char * const *extra)
{
  return request ("GET", path, K_ANON, NULL, extra, NULL, NULL);
}

static JsonArray *
rows (SupaTestResponse *r)
{
  if (r->status >= 300)
    g_test_message ("unexpected %u: %s", r->status, supa_test_response_text (r));
  g_assert_cmpuint (r->status, <, 300);
  g_assert_nonnull (r->json);
  g_assert_true (JSON_NODE_HOLDS_ARRAY (r->json));
  return json_node_get_array (r->json);
}

static JsonObject *
obj (SupaTestResponse *r)
{
  g_assert_nonnull (r->json);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (r->json));
  return json_node_get_object (r->json);
}

static const char *
row_str (JsonArray  *a,
         guint       i,
         const char *member)
{
  JsonObject *o = json_array_get_object_element (a, i);
  JsonNode *n = json_object_get_member (o, member);

  g_assert_nonnull (n);
  return JSON_NODE_HOLDS_NULL (n) ? NULL : json_node_get_string (n);
}

static gint64
row_int (JsonArray  *a,
         guint       i,
         const char *member)
{
  return json_object_get_int_member (json_array_get_object_element (a, i), member);
}

/* Names (member "name") of the rows, comma-joined, for compact asserts. */
static char *
names (SupaTestResponse *r,
       const char       *member)
{
  JsonArray *a = rows (r);
  GString *s = g_string_new (NULL);
  guint i;

  for (i = 0; i < json_array_get_length (a); i++)
    {
      const char *v = row_str (a, i, member);
      g_string_append_printf (s, "%s%s", i ? "," : "", v ? v : "NULL");
    }
  return g_string_free (s, FALSE);
}

static void
assert_names (const char *path,
              const char *expected)
{
  g_autoptr(SupaTestResponse) r = get (path);
  g_autofree char *got = names (r, "name");

  g_assert_cmpstr (got, ==, expected);
}

static void
assert_error (SupaTestResponse *r,
              guint             status,
              const char       *code)
{
  JsonObject *o;

  if (r->status != status)
    g_test_message ("got %u: %s", r->status, supa_test_response_text (r));
  g_assert_cmpuint (r->status, ==, status);
  o = obj (r);
  g_assert_cmpstr (json_object_get_string_member (o, "code"), ==, code);
  g_assert_true (json_object_has_member (o, "details"));
  g_assert_true (json_object_has_member (o, "hint"));
  g_assert_true (json_object_has_member (o, "message"));
}

static char *
b64url (const guchar *data,
        gsize         len)
{
  char *s = g_base64_encode (data, len);
  char *c;
  gsize n;

  for (c = s; *c; c++)
    {
      if (*c == '+')
        *c = '-';
      else if (*c == '/')
        *c = '_';
    }
  n = strlen (s);
  while (n > 0 && s[n - 1] == '=')
    s[--n] = '\0';
  return s;
}

/* An HS256 JWT signed with the server's secret (generated per run). */
static char *
make_jwt (const char *role,
          const char *sub,
          gint64      exp_offset)
{
  static const char header[] = "{\"alg\":\"HS256\",\"typ\":\"JWT\"}";
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;
  g_autofree char *payload = g_strdup_printf ("{\"aud\":\"authenticated\",\"role\":\"%s\",\"sub\":\"%s\",\"iat\":%" G_GINT64_FORMAT ",\"exp\":%" G_GINT64_FORMAT "}",
                                              role, sub, now - 10, now + exp_offset);
  g_autofree char *h64 = b64url ((const guchar *) header, strlen (header));
  g_autofree char *p64 = b64url ((const guchar *) payload, strlen (payload));
  g_autofree char *signing = g_strdup_printf ("%s.%s", h64, p64);
  g_autoptr(GHmac) hmac = g_hmac_new (G_CHECKSUM_SHA256, (const guchar *) server->jwt_secret,
                                      strlen (server->jwt_secret));
  guint8 digest[32];
  gsize dlen = sizeof digest;
  g_autofree char *s64 = NULL;

  g_hmac_update (hmac, (const guchar *) signing, -1);
  g_hmac_get_digest (hmac, digest, &dlen);
  s64 = b64url (digest, dlen);
  return g_strdup_printf ("%s.%s", signing, s64);
}

static void
sql (const char *text)
{
  g_free (supa_test_server_sql (server, text));
}

/* Polls until @path answers 200 (the schema cache reloaded). */
static gboolean
wait_for_table (const char *path)
{
  int i;

  for (i = 0; i < 50; i++)
    {
      g_autoptr(SupaTestResponse) r = get (path);
      if (r->status == 200)
        return TRUE;
      g_usleep (100 * 1000);
    }
  return FALSE;
}

/* --------------------------------------------------------------- reads */

static void
test_select_basic (void)
{
  g_autoptr(SupaTestResponse) r = get ("/countries?select=code:iso2,name,id::text&id=lte.3&order=id.desc");
  JsonArray *a = rows (r);

  g_assert_cmpuint (json_array_get_length (a), ==, 3);
  g_assert_cmpstr (row_str (a, 0, "code"), ==, "JP");
  g_assert_cmpstr (row_str (a, 0, "name"), ==, "Japan");
  g_assert_cmpstr (row_str (a, 2, "id"), ==, "1");          /* cast to text */
  g_assert_cmpstr (supa_test_response_header (r, "Content-Type"), ==, "application/json; charset=utf-8");
  g_assert_cmpstr (supa_test_response_header (r, "Content-Range"), ==, "0-2/*");

  {
    g_autoptr(SupaTestResponse) j = get ("/products?select=name,color:attributes->>color,attributes->watts&id=eq.1");
    JsonArray *ja = rows (j);
    g_assert_cmpstr (row_str (ja, 0, "color"), ==, "silver");
    g_assert_cmpint (row_int (ja, 0, "watts"), ==, 1450);
  }
}

static void
test_operators (void)
{
  assert_names ("/cities?select=name&name=eq.Paris", "Paris");
  assert_names ("/cities?select=name&country_id=eq.1&name=neq.Paris&order=name", "Lyon,Marseille");
  assert_names ("/cities?select=name&population=gt.20000000&order=name", "Beijing,Shanghai");
  assert_names ("/cities?select=name&population=gte.24870895", "Shanghai");
  assert_names ("/cities?select=name&population=lt.200000&order=name", "Kópavogur,Reykjavík");
  assert_names ("/cities?select=name&population=lte.39810", "Kópavogur");
  assert_names ("/cities?select=name&name=like.*ndon", "London");
  assert_names ("/cities?select=name&name=ilike.*TOKY*", "Tokyo");
  assert_names ("/cities?select=name&name=match.%5EOsa", "Osaka");
  assert_names ("/cities?select=name&name=imatch.%5Eosa", "Osaka");
  assert_names ("/cities?select=name&id=in.(1,4)&order=id", "Paris,Berlin");
  assert_names ("/cities?select=name&population=is.null", "Akureyri");
  assert_names ("/cities?select=name&country_id=eq.20&population=not.is.null&order=name", "Kópavogur,Reykjavík");
  assert_names ("/cities?select=name&country_id=eq.3&is_capital=is.true", "Tokyo");
  assert_names ("/cities?select=name&country_id=eq.20&population=isdistinct.139875&order=name", "Akureyri,Kópavogur");
  assert_names ("/cities?select=name&name=not.in.(Paris,Lyon)&country_id=eq.1", "Marseille");
  assert_names ("/cities?select=name&name=eq(any).%7BRome,Milan%7D&order=name", "Milan,Rome");
  assert_names ("/cities?select=name&name=like(all).%7BM*,*i*%7D&order=name", "Madrid,Marseille,Mexico City,Milan,Mumbai,Munich");
  assert_names ("/cities?select=name&name=ilike(any).%7Bparis,rome%7D&order=name", "Paris,Rome");

  /* full text search on a text column, with and without a config */
  assert_names ("/products?select=name&description=fts.grinder", "Coffee grinder");
  assert_names ("/products?select=name&description=fts(english).settings", "Coffee grinder");
  assert_names ("/products?select=name&description=plfts.flexible%20arm", "Desk lamp");
  assert_names ("/products?select=name&description=phfts(english).dotted%20notebook", "Notebook");
  assert_names ("/products?select=name&description=wfts.%22espresso%20machine%22", "Espresso machine");

  /* arrays and json */
  assert_names ("/products?select=name&tags=cs.%7Bcoffee,kitchen%7D&order=id", "Espresso machine,Coffee grinder");
  assert_names ("/products?select=name&tags=cd.%7Boutdoor,sport%7D", "Hiking boots");
  assert_names ("/products?select=name&tags=ov.%7Bpaper,lighting%7D&order=id", "Desk lamp,Notebook");
  assert_names ("/products?select=name&attributes=cs.%7B%22burr%22:%22conical%22%7D", "Coffee grinder");

  /* ranges */
  sql ("CREATE TABLE public.rest_slots (id int PRIMARY KEY, name text, r int4range)");
  sql ("INSERT INTO public.rest_slots VALUES (1, 'early', '[1,5)'), (2, 'mid', '[5,10)'), (3, 'late', '[20,30)')");
  g_assert_true (wait_for_table ("/rest_slots"));
  assert_names ("/rest_slots?select=name&r=sl.(10,15)&order=id", "early,mid");
  assert_names ("/rest_slots?select=name&r=sr.(10,15)", "late");
  assert_names ("/rest_slots?select=name&r=nxr.%5B1,9%5D&order=id", "early,mid");
  assert_names ("/rest_slots?select=name&r=nxl.%5B5,100)&order=id", "mid,late");
  assert_names ("/rest_slots?select=name&r=adj.%5B10,20)&order=id", "mid,late");
  assert_names ("/rest_slots?select=name&r=ov.%5B3,6)&order=id", "early,mid");
}

static void
test_logic_trees (void)
{
  assert_names ("/cities?select=name&or=(population.gt.20000000,name.eq.Kyoto)&order=name", "Beijing,Kyoto,Shanghai");
  assert_names ("/cities?select=name&or=(population.is.null,and(country_id.eq.1,population.lt.600000))&order=name",
                "Akureyri,Lyon");
  assert_names ("/cities?select=name&country_id=eq.1&not.or=(name.eq.Paris,name.eq.Lyon)", "Marseille");
  assert_names ("/cities?select=name&and=(country_id.eq.2,not.or(name.eq.Berlin,name.eq.Munich))", "Hamburg");
  assert_names ("/cities?select=name&or=(name.in.(Rome,Milan),name.like.Nap*)&order=name", "Milan,Naples,Rome");
  assert_names ("/cities?select=name&or=(name.eq.%22Rome%22,population.not.gt.100000)&order=name", "Kópavogur,Rome");

  /* a tree on an embedded resource filters the embedded rows only */
  {
    g_autoptr(SupaTestResponse) r = get ("/countries?select=name,cities(name)&id=eq.1&cities.or=(name.eq.Lyon,name.eq.Paris)&cities.order=name");
    JsonArray *a = rows (r);
    JsonArray *c = json_object_get_array_member (json_array_get_object_element (a, 0), "cities");
    g_assert_cmpuint (json_array_get_length (c), ==, 2);
    g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (c, 0), "name"), ==, "Lyon");
  }
  /* parse errors */
  {
    g_autoptr(SupaTestResponse) r = get ("/cities?or=(name.eq.Rome");
    assert_error (r, 400, "PGRST100");
  }
}

static void
test_quoting (void)
{
  static const char * const values[] = {
    "comma,value", "(parens)", "say \"hi\"", "back\\slash", "dot.ted", "ünï©ødé ☃", "",
  };
  guint i;

  sql ("CREATE TABLE public.rest_quirks (id int PRIMARY KEY, v text)");
  g_assert_true (wait_for_table ("/rest_quirks"));
  {
    g_autoptr(JsonBuilder) b = json_builder_new ();
    g_autoptr(JsonNode) root = NULL;
    g_autofree char *body = NULL;
    g_autoptr(SupaTestResponse) r = NULL;

    json_builder_begin_array (b);
    for (i = 0; i < G_N_ELEMENTS (values); i++)
      {
        json_builder_begin_object (b);
        json_builder_set_member_name (b, "id");
        json_builder_add_int_value (b, i + 1);
        json_builder_set_member_name (b, "v");
        json_builder_add_string_value (b, values[i]);
        json_builder_end_object (b);
      }
    json_builder_begin_object (b);
    json_builder_set_member_name (b, "id");
    json_builder_add_int_value (b, 100);
    json_builder_set_member_name (b, "v");
    json_builder_add_null_value (b);
    json_builder_end_object (b);
    json_builder_end_array (b);
    root = json_builder_get_root (b);
    body = json_to_string (root, FALSE);
    r = request ("POST", "/rest_quirks", K_ANON, NULL, NULL, NULL, body);
    g_assert_cmpuint (r->status, ==, 201);
  }

  /* top-level eq: the value is taken verbatim */
  for (i = 0; i < G_N_ELEMENTS (values); i++)
    {
      g_autofree char *enc = g_uri_escape_string (values[i], NULL, FALSE);
      g_autofree char *path = g_strdup_printf ("/rest_quirks?select=id,v&v=eq.%s", enc);
      g_autoptr(SupaTestResponse) r = get (path);
      JsonArray *a = rows (r);

      g_assert_cmpuint (json_array_get_length (a), ==, 1);
      g_assert_cmpint (row_int (a, 0, "id"), ==, i + 1);
      g_assert_cmpstr (row_str (a, 0, "v"), ==, values[i]);
    }
  /* a quoted value at top level is NOT unquoted */
  {
    g_autoptr(SupaTestResponse) r = get ("/rest_quirks?v=eq.%22dot.ted%22");
    g_assert_cmpuint (json_array_get_length (rows (r)), ==, 0);
  }
  /* in.(…) with quoted elements and backslash escapes */
  {
    const char *list = "(\"comma,value\",\"(parens)\",\"say \\\"hi\\\"\",\"back\\\\slash\",dot.ted,\"ünï©ødé ☃\")";
    g_autofree char *enc = g_uri_escape_string (list, NULL, FALSE);
    g_autofree char *path = g_strdup_printf ("/rest_quirks?select=id&v=in.%s&order=id", enc);
    g_autoptr(SupaTestResponse) r = get (path);
    JsonArray *a = rows (r);

    g_assert_cmpuint (json_array_get_length (a), ==, 6);
    g_assert_cmpint (row_int (a, 0, "id"), ==, 1);
    g_assert_cmpint (row_int (a, 5, "id"), ==, 6);
  }
  /* empty string vs NULL */
  {
    /* like PostgREST, in.("") alone is the empty list */
    g_autoptr(SupaTestResponse) none = get ("/rest_quirks?select=id&v=in.(%22%22)");
    g_autoptr(SupaTestResponse) e = get ("/rest_quirks?select=id&v=in.(%22%22,dot.ted)&order=id");
    g_autoptr(SupaTestResponse) n = get ("/rest_quirks?select=id&v=is.null");
    g_assert_cmpuint (json_array_get_length (rows (none)), ==, 0);
    g_assert_cmpuint (json_array_get_length (rows (e)), ==, 2);
    g_assert_cmpint (row_int (rows (e), 1, "id"), ==, 7);
    g_assert_cmpuint (json_array_get_length (rows (n)), ==, 1);
    g_assert_cmpint (row_int (rows (n), 0, "id"), ==, 100);
  }
  /* quoted values inside a logic tree */
  {
    const char *tree = "(v.eq.\"comma,value\",v.eq.\"say \\\"hi\\\"\")";
    g_autofree char *enc = g_uri_escape_string (tree, NULL, FALSE);
    g_autofree char *path = g_strdup_printf ("/rest_quirks?select=id&or=%s&order=id", enc);
    g_autoptr(SupaTestResponse) r = get (path);
    JsonArray *a = rows (r);
    g_assert_cmpuint (json_array_get_length (a), ==, 2);
    g_assert_cmpint (row_int (a, 1, "id"), ==, 3);
  }
}

static void
test_embedding (void)
{
  /* many-to-one with alias */
  {
    g_autoptr(SupaTestResponse) r = get ("/cities?select=name,country:countries(name,iso2)&name=eq.Kyoto");
    JsonObject *c = json_object_get_object_member (json_array_get_object_element (rows (r), 0), "country");
    g_assert_cmpstr (json_object_get_string_member (c, "iso2"), ==, "JP");
  }
  /* one-to-many with embedded filter, order and limit; nested back */
  {
    g_autoptr(SupaTestResponse) r = get ("/countries?select=name,cities(name,countries(iso2))&id=eq.3"
                                         "&cities.population=gt.2000000&cities.order=population.desc&cities.limit=1");
    JsonArray *a = rows (r);
    JsonArray *c = json_object_get_array_member (json_array_get_object_element (a, 0), "cities");
    JsonObject *first;
    g_assert_cmpuint (json_array_get_length (c), ==, 1);
    first = json_array_get_object_element (c, 0);
    g_assert_cmpstr (json_object_get_string_member (first, "name"), ==, "Tokyo");
    g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (first, "countries"), "iso2"), ==, "JP");
  }
  /* !inner filters the parent rows */
  {
    g_autoptr(SupaTestResponse) r = get ("/countries?select=name,cities!inner(name)&cities.name=eq.Osaka");
    JsonArray *a = rows (r);
    g_assert_cmpuint (json_array_get_length (a), ==, 1);
    g_assert_cmpstr (row_str (a, 0, "name"), ==, "Japan");
  }
  /* without !inner every parent stays, with an empty array */
  {
    g_autoptr(SupaTestResponse) r = get ("/countries?select=name,cities(name)&cities.name=eq.Osaka&order=id&limit=2");
    JsonArray *a = rows (r);
    g_assert_cmpuint (json_array_get_length (a), ==, 2);
    g_assert_cmpuint (json_array_get_length (json_object_get_array_member (json_array_get_object_element (a, 0), "cities")), ==, 0);
  }
  /* spread of a to-one relation, hint by FK column */
  {
    g_autoptr(SupaTestResponse) r = get ("/cities?select=name,...countries!country_id(country:name)&id=eq.1");
    JsonArray *a = rows (r);
    g_assert_cmpstr (row_str (a, 0, "country"), ==, "France");
  }
  /* unknown relationship */
  {
    g_autoptr(SupaTestResponse) r = get ("/countries?select=name,products(name)");
    assert_error (r, 400, "PGRST200");
  }
  /* filter on a resource that is not embedded */
  {
    g_autoptr(SupaTestResponse) r = get ("/countries?select=name&cities.name=eq.Rome");
    assert_error (r, 400, "PGRST108");
  }
}

static void
test_order_range_count (void)
{
  assert_names ("/cities?select=name&country_id=eq.20&order=population.asc.nullsfirst", "Akureyri,Kópavogur,Reykjavík");
  assert_names ("/cities?select=name&country_id=eq.20&order=population.desc.nullslast", "Reykjavík,Kópavogur,Akureyri");
  assert_names ("/cities?select=name&order=country_id.desc,name.asc&limit=2", "Akureyri,Kópavogur");
  assert_names ("/cities?select=name&order=id&offset=3&limit=2", "Berlin,Hamburg");
  assert_names ("/products?select=name&order=attributes->>color.asc.nullslast&limit=1", "Coffee grinder");

  {
    const char * const h[] = { "Range", "3-4", "Range-Unit", "items", NULL };
    g_autoptr(SupaTestResponse) r = get_h ("/cities?select=name&order=id", h);
    g_autofree char *got = names (r, "name");
    g_assert_cmpstr (got, ==, "Berlin,Hamburg");
    g_assert_cmpstr (supa_test_response_header (r, "Content-Range"), ==, "3-4/*");
  }
  {
    const char * const h[] = { "Prefer", "count=exact", NULL };
    g_autoptr(SupaTestResponse) r = get_h ("/cities?select=id&order=id&limit=10", h);
    g_assert_cmpuint (r->status, ==, 206);
    g_assert_cmpstr (supa_test_response_header (r, "Content-Range"), ==, "0-9/60");
    g_assert_cmpstr (supa_test_response_header (r, "Preference-Applied"), ==, "count=exact");
  }
  {
    const char * const h[] = { "Prefer", "count=exact", NULL };
    g_autoptr(SupaTestResponse) r = get_h ("/cities?select=id&country_id=eq.1", h);
    g_assert_cmpuint (r->status, ==, 200);
    g_assert_cmpstr (supa_test_response_header (r, "Content-Range"), ==, "0-2/3");
  }
  {
    const char * const h[] = { "Prefer", "count=exact", NULL };
    g_autoptr(SupaTestResponse) r = get_h ("/cities?select=id&offset=100", h);
    assert_error (r, 416, "PGRST103");
    g_assert_cmpstr (json_object_get_string_member (obj (r), "details"), ==,
                     "An offset of 100 was requested, but there are only 60 rows.");
  }
  {
    const char * const h[] = { "Prefer", "count=exact", NULL };
    g_autoptr(SupaTestResponse) r = get_h ("/cities?select=id&id=eq.-1", h);
    g_assert_cmpuint (r->status, ==, 200);
    g_assert_cmpstr (supa_test_response_header (r, "Content-Range"), ==, "*/0");
  }
  {
    const char * const h[] = { "Prefer", "count=planned", NULL };
    g_autoptr(SupaTestResponse) r = get_h ("/cities?select=id&limit=5", h);
    const char *cr = supa_test_response_header (r, "Content-Range");
    const char *slash = strchr (cr, '/');
    g_assert_nonnull (slash);
    g_assert_cmpint (g_ascii_strtoll (slash + 1, NULL, 10), >, 0);
  }
  {
    const char * const h[] = { "Prefer", "count=estimated", NULL };
    g_autoptr(SupaTestResponse) r = get_h ("/cities?select=id&limit=5", h);
    g_assert_cmpstr (supa_test_response_header (r, "Content-Range"), ==, "0-4/60");
  }
  {
    const char * const h[] = { "Prefer", "count=exact", NULL };
    g_autoptr(SupaTestResponse) r = request ("HEAD", "/countries", K_ANON, NULL, h, NULL, NULL);
    g_assert_cmpuint (r->status, ==, 200);
    g_assert_cmpstr (supa_test_response_header (r, "Content-Range"), ==, "0-19/20");
    g_assert_cmpuint (g_bytes_get_size (r->body), ==, 0);
  }
}

static void
test_representations (void)
{
  {
    const char * const h[] = { "Accept", "application/vnd.pgrst.object+json", NULL };
    g_autoptr(SupaTestResponse) r = get_h ("/countries?select=name&id=eq.2", h);
    g_assert_cmpuint (r->status, ==, 200);
    g_assert_cmpstr (json_object_get_string_member (obj (r), "name"), ==, "Germany");
  }
  {
    const char * const h[] = { "Accept", "application/vnd.pgrst.object+json", NULL };
    g_autoptr(SupaTestResponse) r = get_h ("/countries?id=eq.999", h);
    assert_error (r, 406, "PGRST116");
    g_assert_cmpstr (json_object_get_string_member (obj (r), "details"), ==, "The result contains 0 rows");
    g_assert_cmpstr (json_object_get_string_member (obj (r), "message"), ==, "Cannot coerce the result to a single JSON object");
  }
  {
    const char * const h[] = { "Accept", "text/csv", NULL };
    g_autoptr(SupaTestResponse) r = get_h ("/products?select=id,name,description&id=in.(1,5)&order=id", h);
    g_assert_cmpuint (r->status, ==, 200);
    g_assert_true (g_str_has_prefix (supa_test_response_header (r, "Content-Type"), "text/csv"));
    g_assert_cmpstr (supa_test_response_text (r), ==,
                     "id,name,description\n1,\"Espresso machine\",\"Pump espresso machine, 15 bar\"\n5,\"Hiking boots\",");
  }
  {
    const char * const h[] = { "Accept", "application/xml", NULL };
    g_autoptr(SupaTestResponse) r = get_h ("/countries", h);
    assert_error (r, 406, "PGRST107");
  }
  {
    const char * const h[] = { "Accept-Profile", "private", NULL };
    g_autoptr(SupaTestResponse) r = get_h ("/countries", h);
    assert_error (r, 406, "PGRST106");
    g_assert_cmpstr (json_object_get_string_member (obj (r), "message"), ==, "Invalid schema: private");
    /* The demo seed exposes analytics (pgrst.db_schemas). */
    g_assert_cmpstr (json_object_get_string_member (obj (r), "hint"), ==,
                     "Only the following schemas are exposed: public, graphql_public, analytics");
  }
  {
    const char * const h[] = { "Accept-Profile", "public", NULL };
    g_autoptr(SupaTestResponse) r = get_h ("/countries?limit=1", h);
    g_assert_cmpuint (r->status, ==, 200);
    g_assert_cmpstr (supa_test_response_header (r, "Content-Profile"), ==, "public");
  }
}

/* -------------------------------------------------------------- writes */

static void
test_insert_upsert (void)
{
  {
    const char * const h[] = { "Prefer", "return=representation", NULL };
    g_autoptr(SupaTestResponse) r = request ("POST", "/products?select=name,price,in_stock", K_ANON, NULL, h, NULL,
                                             "{\"name\":\"Tea pot\",\"price\":19.5}");
    JsonArray *a;
    g_assert_cmpuint (r->status, ==, 201);
    a = rows (r);
    g_assert_cmpstr (row_str (a, 0, "name"), ==, "Tea pot");
    g_assert_true (json_object_get_boolean_member (json_array_get_object_element (a, 0), "in_stock"));
    g_assert_cmpstr (supa_test_response_header (r, "Content-Range"), ==, "*/*");
  }
  /* bulk with columns=, missing=default, count */
  {
    const char * const h[] = { "Prefer", "return=representation, count=exact, missing=default", NULL };
    g_autoptr(SupaTestResponse) r = request ("POST", "/products?columns=%22name%22,%22tags%22&select=name,tags,in_stock",
                                             K_ANON, NULL, h, NULL,
                                             "[{\"name\":\"Cup\",\"tags\":[\"kitchen\"]},{\"name\":\"Saucer\"}]");
    JsonArray *a;
    g_assert_cmpuint (r->status, ==, 201);
    a = rows (r);
    g_assert_cmpuint (json_array_get_length (a), ==, 2);
    g_assert_cmpuint (json_array_get_length (json_object_get_array_member (json_array_get_object_element (a, 1), "tags")), ==, 0);
    g_assert_true (json_object_get_boolean_member (json_array_get_object_element (a, 1), "in_stock"));
    g_assert_cmpstr (supa_test_response_header (r, "Content-Range"), ==, "*/2");
    g_assert_cmpstr (supa_test_response_header (r, "Preference-Applied"), ==, "missing=default, return=representation, count=exact");
  }
  /* return=minimal: no body */
  {
    g_autoptr(SupaTestResponse) r = request ("POST", "/products", K_ANON, NULL, NULL, NULL, "{\"name\":\"Spoon\"}");
    g_assert_cmpuint (r->status, ==, 201);
    g_assert_cmpuint (g_bytes_get_size (r->body), ==, 0);
  }
  /* headers-only: Location */
  {
    const char * const h[] = { "Prefer", "return=headers-only", NULL };
    g_autoptr(SupaTestResponse) r = request ("POST", "/countries", K_ANON, NULL, h, NULL,
                                             "{\"id\":50,\"name\":\"Portugal\",\"iso2\":\"PT\",\"continent\":\"Europe\"}");
    g_assert_cmpuint (r->status, ==, 201);
    g_assert_cmpstr (supa_test_response_header (r, "Location"), ==, "/countries?id=eq.50");
  }
  /* upsert merge-duplicates on the PK, and on_conflict on a unique column */
  {
    const char * const h[] = { "Prefer", "resolution=merge-duplicates, return=representation", NULL };
    g_autoptr(SupaTestResponse) r = request ("POST", "/countries?select=id,continent", K_ANON, NULL, h, NULL,
                                             "{\"id\":50,\"name\":\"Portugal\",\"iso2\":\"PT\",\"continent\":\"Iberia\"}");
    g_assert_cmpuint (r->status, ==, 200);
    g_assert_cmpstr (row_str (rows (r), 0, "continent"), ==, "Iberia");
    g_assert_cmpstr (supa_test_response_header (r, "Preference-Applied"), ==,
                     "resolution=merge-duplicates, return=representation");
  }
  {
    const char * const h[] = { "Prefer", "resolution=merge-duplicates, return=representation", NULL };
    g_autoptr(SupaTestResponse) r = request ("POST", "/countries?on_conflict=iso2&select=id,name", K_ANON, NULL, h, NULL,
                                             "[{\"name\":\"Portuguese Republic\",\"iso2\":\"PT\",\"continent\":\"Europe\"}]");
    g_assert_cmpuint (r->status, ==, 200);
    g_assert_cmpint (row_int (rows (r), 0, "id"), ==, 50);
    g_assert_cmpstr (row_str (rows (r), 0, "name"), ==, "Portuguese Republic");
  }
  /* ignore-duplicates: nothing returned for the existing row */
  {
    const char * const h[] = { "Prefer", "resolution=ignore-duplicates, return=representation", NULL };
    g_autoptr(SupaTestResponse) r = request ("POST", "/countries?on_conflict=iso2", K_ANON, NULL, h, NULL,
                                             "[{\"name\":\"Other\",\"iso2\":\"PT\",\"continent\":\"Europe\"}]");
    g_assert_cmpuint (r->status, ==, 201);
    g_assert_cmpuint (json_array_get_length (rows (r)), ==, 0);
  }
  /* CSV body */
  {
    const char * const h[] = { "Prefer", "return=representation", NULL };
    g_autoptr(SupaTestResponse) r = request ("POST", "/products?select=name,description", K_ANON, NULL, h, "text/csv",
                                             "name,description\n\"Fork, silver\",NULL\nKnife,sharp\n");
    JsonArray *a;
    g_assert_cmpuint (r->status, ==, 201);
    a = rows (r);
    g_assert_cmpstr (row_str (a, 0, "name"), ==, "Fork, silver");
    g_assert_null (row_str (a, 0, "description"));
    g_assert_cmpstr (row_str (a, 1, "description"), ==, "sharp");
  }
}

static void
test_patch_delete (void)
{
  {
    const char * const h[] = { "Prefer", "return=representation", NULL };
    g_autoptr(SupaTestResponse) r = request ("PATCH", "/products?name=eq.Spoon&select=name,price", K_ANON, NULL, h, NULL,
                                             "{\"price\":2.25}");
    g_assert_cmpuint (r->status, ==, 200);
    g_assert_cmpstr (supa_test_response_header (r, "Content-Range"), ==, "0-0/*");
    g_assert_cmpfloat (json_object_get_double_member (json_array_get_object_element (rows (r), 0), "price"), ==, 2.25);
  }
  {
    g_autoptr(SupaTestResponse) r = request ("PATCH", "/products?name=eq.Nothing", K_ANON, NULL, NULL, NULL, "{\"price\":1}");
    g_assert_cmpuint (r->status, ==, 204);
    g_assert_cmpstr (supa_test_response_header (r, "Content-Range"), ==, "*/*");
  }
  {
    const char * const h[] = { "Prefer", "count=exact", NULL };
    g_autoptr(SupaTestResponse) r = request ("DELETE", "/products?name=in.(Cup,Saucer)", K_ANON, NULL, h, NULL, NULL);
    g_assert_cmpuint (r->status, ==, 204);
    g_assert_cmpstr (supa_test_response_header (r, "Content-Range"), ==, "*/2");
  }
  {
    const char * const h[] = { "Prefer", "return=representation", NULL };
    g_autoptr(SupaTestResponse) r = request ("DELETE", "/products?name=eq.Spoon&select=name", K_ANON, NULL, h, NULL, NULL);
    g_assert_cmpuint (r->status, ==, 200);
    g_assert_cmpstr (row_str (rows (r), 0, "name"), ==, "Spoon");
  }
  /* PUT upserts one row by primary key */
  {
    const char * const h[] = { "Prefer", "return=representation", NULL };
    g_autoptr(SupaTestResponse) r = request ("PUT", "/countries?id=eq.60", K_ANON, NULL, h, NULL,
                                             "{\"id\":60,\"name\":\"Chile\",\"iso2\":\"CL\",\"continent\":\"South America\"}");
    g_autoptr(SupaTestResponse) r2 = request ("PUT", "/countries?id=eq.60", K_ANON, NULL, h, NULL,
                                              "{\"id\":60,\"name\":\"Chile\",\"iso2\":\"CL\",\"continent\":\"Americas\"}");
    g_autoptr(SupaTestResponse) bad = request ("PUT", "/countries?name=eq.Chile", K_ANON, NULL, h, NULL, "{\"id\":60}");
    g_assert_cmpuint (r->status, ==, 201);
    g_assert_cmpuint (r2->status, ==, 200);
    g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (rows (r2), 0), "continent"), ==, "Americas");
    assert_error (bad, 405, "PGRST105");
  }
}

static void
test_rls (void)
{
  /* anon sees no profiles (no policy for anon) */
  {
    g_autoptr(SupaTestResponse) r = get ("/profiles");
    g_assert_cmpuint (json_array_get_length (rows (r)), ==, 0);
  }
  /* a signed-in user sees and updates only their own row */
  {
    g_autofree char *jwt = make_jwt ("authenticated", "00000000-0000-4000-8000-000000000001", 3600);
    g_autoptr(SupaTestResponse) r = request ("GET", "/profiles?select=username,credits", K_ANON, jwt, NULL, NULL, NULL);
    g_autoptr(SupaTestResponse) u = NULL;
    JsonArray *a = rows (r);
    g_assert_cmpuint (json_array_get_length (a), ==, 1);
    g_assert_cmpstr (row_str (a, 0, "username"), ==, "alice");

    u = request ("PATCH", "/profiles?username=eq.bob", K_ANON, jwt,
                 (const char * const[]) { "Prefer", "return=representation", NULL }, NULL, "{\"credits\":999}");
    g_assert_cmpuint (u->status, ==, 200);
    g_assert_cmpuint (json_array_get_length (rows (u)), ==, 0);
  }
  /* service_role bypasses RLS */
  {
    g_autoptr(SupaTestResponse) r = request ("GET", "/profiles?select=id", K_SERVICE, NULL, NULL, NULL, NULL);
    /* the demo's three plus any the auth seed adds */
    g_assert_cmpuint (json_array_get_length (rows (r)), >=, 3);
  }
  /* inserting someone else's profile violates the policy: 401 for anon, 403 for a user */
  {
    g_autofree char *jwt = make_jwt ("authenticated", "00000000-0000-4000-8000-000000000001", 3600);
    g_autoptr(SupaTestResponse) r = request ("POST", "/profiles", K_ANON, jwt, NULL, NULL,
                                             "{\"id\":\"00000000-0000-4000-8000-00000000000f\",\"username\":\"mallory\"}");
    g_autoptr(SupaTestResponse) a = request ("POST", "/profiles", K_ANON, NULL, NULL, NULL,
                                             "{\"id\":\"00000000-0000-4000-8000-00000000000e\",\"username\":\"eve\"}");
    assert_error (r, 403, "42501");
    assert_error (a, 401, "42501");
  }
}

static void
test_errors (void)
{
  {
    g_autoptr(SupaTestResponse) r = request ("POST", "/countries", K_ANON, NULL, NULL, NULL,
                                             "{\"name\":\"France\",\"iso2\":\"XX\",\"continent\":\"Europe\"}");
    assert_error (r, 409, "23505");
    g_assert_cmpstr (json_object_get_string_member (obj (r), "details"), ==, "Key (name)=(France) already exists.");
  }
  {
    g_autoptr(SupaTestResponse) r = get ("/cities?id=eq.abc");
    assert_error (r, 400, "22P02");
  }
  {
    g_autoptr(SupaTestResponse) r = get ("/cities?select=nope");
    assert_error (r, 400, "42703");
    g_assert_cmpstr (json_object_get_string_member (obj (r), "message"), ==, "column cities.nope does not exist");
  }
  {
    g_autoptr(SupaTestResponse) r = get ("/citys");
    assert_error (r, 404, "PGRST205");
    g_assert_cmpstr (json_object_get_string_member (obj (r), "message"), ==,
                     "Could not find the table 'public.citys' in the schema cache");
    g_assert_cmpstr (json_object_get_string_member (obj (r), "hint"), ==, "Perhaps you meant the table 'public.cities'");
  }
  {
    g_autoptr(SupaTestResponse) r = get ("/cities?id=equals.1");
    assert_error (r, 400, "PGRST100");
    g_assert_true (g_str_has_prefix (json_object_get_string_member (obj (r), "message"),
                                     "\"failed to parse filter (equals.1)\" (line 1, column"));
  }
  {
    g_autoptr(SupaTestResponse) r = request ("POST", "/countries", K_ANON, NULL, NULL, NULL, "{\"name\":");
    assert_error (r, 400, "PGRST102");
  }
  {
    g_autoptr(SupaTestResponse) r = request ("POST", "/countries", K_ANON, NULL, NULL, NULL, "{\"nom\":\"x\"}");
    assert_error (r, 400, "PGRST204");
    g_assert_cmpstr (json_object_get_string_member (obj (r), "message"), ==,
                     "Could not find the 'nom' column of 'countries' in the schema cache");
  }
  {
    g_autoptr(SupaTestResponse) r = request ("GET", "/countries", K_NONE, NULL, NULL, NULL, NULL);
    g_assert_cmpuint (r->status, ==, 401);
    g_assert_cmpstr (json_object_get_string_member (obj (r), "message"), ==, "No API key found in request");
  }
  {
    g_autofree char *jwt = make_jwt ("authenticated", "00000000-0000-4000-8000-000000000001", -60);
    g_autoptr(SupaTestResponse) r = request ("GET", "/countries", K_ANON, jwt, NULL, NULL, NULL);
    assert_error (r, 401, "PGRST303");
    g_assert_cmpstr (json_object_get_string_member (obj (r), "message"), ==, "JWT expired");
    g_assert_true (g_str_has_prefix (supa_test_response_header (r, "WWW-Authenticate"), "Bearer error=\"invalid_token\""));
  }
  {
    g_autoptr(SupaTestResponse) r = request ("GET", "/countries", K_ANON, "not-a-jwt", NULL, NULL, NULL);
    assert_error (r, 401, "PGRST301");
  }
  {
    g_autoptr(SupaTestResponse) r = request ("POST", "/cities", K_ANON, NULL, NULL, NULL,
                                             "{\"name\":\"Nowhere\",\"country_id\":9999}");
    assert_error (r, 409, "23503");
  }
  {
    g_autoptr(SupaTestResponse) r = request ("POST", "/cities", K_ANON, NULL, NULL, NULL, "{\"name\":\"Nowhere\"}");
    assert_error (r, 400, "23502");
  }
}

/* ----------------------------------------------------------------- RPC */

static void
test_rpc (void)
{
  {
    g_autoptr(SupaTestResponse) r = request ("POST", "/rpc/add_credits", K_SERVICE, NULL, NULL, NULL,
                                             "{\"profile_id\":\"00000000-0000-4000-8000-000000000003\",\"amount\":7}");
    g_assert_cmpuint (r->status, ==, 200);
    g_assert_cmpstr (supa_test_response_text (r), ==, "7");
  }
  {
    g_autoptr(SupaTestResponse) r = get ("/rpc/hello?name=Ada");
    g_assert_cmpuint (r->status, ==, 200);
    g_assert_cmpstr (supa_test_response_text (r), ==, "\"Hello Ada!\"");
  }
  {
    g_autoptr(SupaTestResponse) r = request ("POST", "/rpc/hello", K_ANON, NULL, NULL, NULL, "{}");
    g_assert_cmpstr (supa_test_response_text (r), ==, "\"Hello guest!\"");
  }
  {
    const char * const h[] = { "Prefer", "count=exact", NULL };
    g_autoptr(SupaTestResponse) r = get_h ("/rpc/cities_in?country=Japan&select=name&population=gt.2000000&order=name", h);
    g_autofree char *got = names (r, "name");
    g_assert_cmpstr (got, ==, "Osaka,Tokyo");
    g_assert_cmpstr (supa_test_response_header (r, "Content-Range"), ==, "0-1/2");
  }
  {
    g_autoptr(SupaTestResponse) r = request ("POST", "/rpc/cities_in?select=name,countries(iso2)&limit=1&order=id", K_ANON,
                                             NULL, NULL, NULL, "{\"country\":\"Kenya\"}");
    JsonArray *a = rows (r);
    g_assert_cmpuint (json_array_get_length (a), ==, 1);
    g_assert_cmpstr (row_str (a, 0, "name"), ==, "Nairobi");
  }
  {
    g_autoptr(SupaTestResponse) r = request ("POST", "/rpc/touch_products", K_ANON, NULL, NULL, NULL, NULL);
    g_assert_cmpuint (r->status, ==, 204);
  }
  {
    g_autoptr(SupaTestResponse) r = get ("/rpc/touch_products");
    assert_error (r, 405, "25006");
  }
  {
    g_autoptr(SupaTestResponse) r = request ("POST", "/rpc/no_such_fn", K_ANON, NULL, NULL, NULL, "{\"a\":1}");
    assert_error (r, 404, "PGRST202");
    g_assert_cmpstr (json_object_get_string_member (obj (r), "message"), ==,
                     "Could not find the function public.no_such_fn(a) in the schema cache");
  }
  {
    g_autoptr(SupaTestResponse) r = request ("HEAD", "/rpc/cities_in?country=France", K_ANON, NULL,
                                             (const char * const[]) { "Prefer", "count=exact", NULL }, NULL, NULL);
    g_assert_cmpuint (r->status, ==, 200);
    g_assert_cmpstr (supa_test_response_header (r, "Content-Range"), ==, "0-2/3");
  }
}

/* ------------------------------------------------------------- OpenAPI */

static void
test_openapi (void)
{
  g_autoptr(SupaTestResponse) anon = get ("/");
  g_autoptr(SupaTestResponse) r = request ("GET", "/", K_SERVICE, NULL, NULL, NULL, NULL);
  JsonObject *doc, *defs, *cities, *props, *paths;
  JsonArray *req;
  guint i;
  gboolean has_name = FALSE;

  g_assert_cmpuint (anon->status, ==, 403);
  g_assert_true (json_object_has_member (obj (anon), "code"));
  g_assert_true (json_object_has_member (obj (anon), "message"));

  g_assert_cmpuint (r->status, ==, 200);
  g_assert_cmpstr (supa_test_response_header (r, "Content-Type"), ==, "application/openapi+json; charset=utf-8");
  doc = obj (r);
  g_assert_cmpstr (json_object_get_string_member (doc, "swagger"), ==, "2.0");
  defs = json_object_get_object_member (doc, "definitions");
  cities = json_object_get_object_member (defs, "cities");
  props = json_object_get_object_member (cities, "properties");
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (props, "id"), "description"), ==,
                   "Note:\nThis is a Primary Key.<pk/>");
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (props, "id"), "format"), ==, "bigint");
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (props, "id"), "type"), ==, "integer");
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (props, "country_id"), "description"), ==,
                   "Note:\nThis is a Foreign Key to `countries.id`.<fk table='countries' column='id'/>");
  g_assert_false (json_object_get_boolean_member (json_object_get_object_member (props, "is_capital"), "default"));
  req = json_object_get_array_member (cities, "required");
  for (i = 0; i < json_array_get_length (req); i++)
    has_name |= g_str_equal (json_array_get_string_element (req, i), "name");
  g_assert_true (has_name);

  {
    JsonObject *status = json_object_get_object_member (
      json_object_get_object_member (json_object_get_object_member (defs, "orders"), "properties"), "status");
    JsonArray *e = json_object_get_array_member (status, "enum");
    g_assert_cmpstr (json_object_get_string_member (status, "format"), ==, "order_status");
    g_assert_cmpstr (json_object_get_string_member (status, "default"), ==, "pending");
    g_assert_cmpuint (json_array_get_length (e), ==, 4);
    g_assert_cmpstr (json_array_get_string_element (e, 1), ==, "paid");
  }
  {
    JsonObject *tags = json_object_get_object_member (
      json_object_get_object_member (json_object_get_object_member (defs, "products"), "properties"), "tags");
    g_assert_cmpstr (json_object_get_string_member (tags, "type"), ==, "array");
    g_assert_cmpstr (json_object_get_string_member (tags, "format"), ==, "text[]");
  }
  paths = json_object_get_object_member (doc, "paths");
  g_assert_true (json_object_has_member (json_object_get_object_member (paths, "/cities"), "post"));
  g_assert_true (json_object_has_member (json_object_get_object_member (paths, "/rpc/cities_in"), "get"));
  g_assert_false (json_object_has_member (json_object_get_object_member (paths, "/rpc/add_credits"), "get"));
  g_assert_true (json_object_has_member (json_object_get_object_member (doc, "parameters"), "rowFilter.cities.name"));
}

/* --------------------------------------------------------------- reload */

static void
test_schema_reload (void)
{
  {
    g_autoptr(SupaTestResponse) before = get ("/rest_notes");
    assert_error (before, 404, "PGRST205");
  }
  sql ("CREATE TABLE public.rest_notes (id serial PRIMARY KEY, body text NOT NULL)");
  sql ("INSERT INTO public.rest_notes (body) VALUES ('first')");
  g_assert_true (wait_for_table ("/rest_notes"));
  assert_names ("/rest_notes?select=name:body", "first");

  sql ("ALTER TABLE public.rest_notes ADD COLUMN pinned boolean NOT NULL DEFAULT false");
  {
    int i;
    gboolean seen = FALSE;
    for (i = 0; i < 50 && !seen; i++)
      {
        g_autoptr(SupaTestResponse) r = request ("GET", "/", K_SERVICE, NULL, NULL, NULL, NULL);
        JsonObject *props = json_object_get_object_member (
          json_object_get_object_member (json_object_get_object_member (obj (r), "definitions"), "rest_notes"), "properties");
        seen = json_object_has_member (props, "pinned");
        if (!seen)
          g_usleep (100 * 1000);
      }
    g_assert_true (seen);
  }
}

/* ----------------------------------------------------- exposed schemas */

static const char *
pgrst106_hint (void)
{
  static char *hint;
  const char * const h[] = { "Accept-Profile", "no_such_schema", NULL };
  g_autoptr(SupaTestResponse) r = get_h ("/", h);

  assert_error (r, 406, "PGRST106");
  g_free (hint);
  hint = g_strdup (json_object_get_string_member (obj (r), "hint"));
  return hint;
}

/* Waits until the PGRST106 hint (re-read with the schema cache) is @want. */
static gboolean
wait_for_hint (const char *want)
{
  for (int i = 0; i < 100; i++)
    {
      if (g_strcmp0 (pgrst106_hint (), want) == 0)
        return TRUE;
      g_usleep (50 * 1000);
    }
  g_test_message ("last hint: %s", pgrst106_hint ());
  return FALSE;
}

static void
test_exposed_schemas (void)
{
  /* analytics: readable by anon through RLS, 240 sites, FK embedding. */
  {
    const char * const h[] = { "Accept-Profile", "analytics", NULL };
    g_autoptr(SupaTestResponse) r = get_h ("/sites?select=id,name&order=id.desc&limit=1", h);
    JsonArray *a = rows (r);

    g_assert_cmpuint (json_array_get_length (a), ==, 1);
    g_assert_cmpint (json_object_get_int_member (json_array_get_object_element (a, 0), "id"), ==, 240);
    g_assert_cmpstr (supa_test_response_header (r, "Content-Profile"), ==, "analytics");
  }
  {
    const char * const h[] = { "Accept-Profile", "analytics", NULL };
    g_autoptr(SupaTestResponse) r = get_h ("/sites?select=id,domain&name=ilike.*lighthouse*", h);
    JsonArray *a = rows (r);

    g_assert_cmpuint (json_array_get_length (a), ==, 1);
    g_assert_cmpint (json_object_get_int_member (json_array_get_object_element (a, 0), "id"), ==, 231);
    g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (a, 0), "domain"), ==,
                     "lighthouse-coffee.example");
  }
  {
    const char * const h[] = { "Accept-Profile", "analytics", "Prefer", "count=exact", NULL };
    g_autoptr(SupaTestResponse) r = get_h ("/page_views?select=id,sites(name)&id=eq.1", h);
    JsonArray *a = rows (r);
    JsonObject *site = json_object_get_object_member (json_array_get_object_element (a, 0), "sites");

    g_assert_nonnull (site);
    g_assert_nonnull (json_object_get_string_member (site, "name"));
  }
  {
    const char * const h[] = { "Accept-Profile", "analytics", "Prefer", "count=exact", NULL };
    g_autoptr(SupaTestResponse) r = get_h ("/page_views?select=id&limit=1", h);
    (void) rows (r);
    g_assert_cmpstr (supa_test_response_header (r, "Content-Range"), ==, "0-0/600");
  }
  /* Tables of one schema are not found through another. */
  {
    g_autoptr(SupaTestResponse) r = get ("/sites");
    assert_error (r, 404, "PGRST205");
  }
  /* anon may read but not write (RLS); the service role writes. */
  {
    const char * const h[] = { "Content-Profile", "analytics", NULL };
    g_autoptr(SupaTestResponse) r = request ("POST", "/sites", K_ANON, NULL, h, NULL,
                                             "{\"name\":\"Nope\",\"domain\":\"nope.example\"}");
    g_assert_cmpuint (r->status, >=, 400);
  }
  {
    const char * const h[] = { "Content-Profile", "analytics", "Prefer", "return=representation", NULL };
    g_autoptr(SupaTestResponse) r = request ("POST", "/sites", K_SERVICE, NULL, h, NULL,
                                             "{\"name\":\"Test Site\",\"domain\":\"test-site.example\"}");
    g_assert_cmpuint (r->status, ==, 201);
    g_assert_cmpstr (supa_test_response_header (r, "Content-Profile"), ==, "analytics");
    sql ("DELETE FROM analytics.sites WHERE domain = 'test-site.example'");
  }
  /* The OpenAPI root of analytics describes its tables only. */
  {
    const char * const h[] = { "Accept-Profile", "analytics", NULL };
    g_autoptr(SupaTestResponse) r = request ("GET", "/", K_SERVICE, NULL, h, NULL, NULL);
    JsonObject *paths = json_object_get_object_member (obj (r), "paths");
    JsonObject *defs = json_object_get_object_member (obj (r), "definitions");
    JsonObject *site_id;

    g_assert_true (json_object_has_member (paths, "/sites"));
    g_assert_true (json_object_has_member (paths, "/page_views"));
    g_assert_false (json_object_has_member (paths, "/countries"));
    site_id = json_object_get_object_member (json_object_get_object_member (
      json_object_get_object_member (defs, "page_views"), "properties"), "site_id");
    g_assert_nonnull (strstr (json_object_get_string_member (site_id, "description"),
                              "<fk table='sites' column='id'/>"));
  }

  /* db-schemas follows PostgREST's in-database configuration on a
   * config reload: without it, the configured default is back. */
  sql ("ALTER ROLE authenticator RESET pgrst.db_schemas; NOTIFY pgrst, 'reload config'");
  g_assert_true (wait_for_hint ("Only the following schemas are exposed: public, graphql_public"));
  {
    const char * const h[] = { "Accept-Profile", "analytics", NULL };
    g_autoptr(SupaTestResponse) r = get_h ("/sites", h);
    assert_error (r, 406, "PGRST106");
  }
  sql ("ALTER ROLE authenticator SET pgrst.db_schemas = 'analytics, public'; NOTIFY pgrst, 'reload config'");
  g_assert_true (wait_for_hint ("Only the following schemas are exposed: analytics, public"));
  {
    /* The first schema is the default. */
    g_autoptr(SupaTestResponse) r = get ("/sites?select=id&id=eq.7");
    g_assert_cmpuint (json_array_get_length (rows (r)), ==, 1);
  }
  sql ("ALTER ROLE authenticator SET pgrst.db_schemas = 'public, graphql_public, analytics'; NOTIFY pgrst, 'reload config'");
  g_assert_true (wait_for_hint ("Only the following schemas are exposed: public, graphql_public, analytics"));
}

/* --db-schemas configures the list like PGRST_DB_SCHEMAS. */
static void
test_db_schemas_option (void)
{
  const char * const args[] = { "--db-schemas", " public , api,public,", NULL };
  SupaTestServer *other = supa_test_server_start ("empty", args);
  const char * const h[] = { "apikey", other->anon_key, "Accept-Profile", "x", NULL };
  g_autoptr(SupaTestResponse) r = supa_test_request (other, "GET", "/rest/v1/", h, NULL, NULL, -1);

  g_assert_cmpuint (r->status, ==, 406);
  g_assert_nonnull (r->json);
  g_assert_cmpstr (json_object_get_string_member (json_node_get_object (r->json), "hint"), ==,
                   "Only the following schemas are exposed: public, api");
  supa_test_server_stop (other);
}

int
main (int   argc,
      char *argv[])
{
  int status;

  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  server = supa_test_server_start ("demo", NULL);

  g_test_add_func ("/rest/select-basic", test_select_basic);
  g_test_add_func ("/rest/operators", test_operators);
  g_test_add_func ("/rest/logic-trees", test_logic_trees);
  g_test_add_func ("/rest/quoting", test_quoting);
  g_test_add_func ("/rest/embedding", test_embedding);
  g_test_add_func ("/rest/order-range-count", test_order_range_count);
  g_test_add_func ("/rest/representations", test_representations);
  g_test_add_func ("/rest/insert-upsert", test_insert_upsert);
  g_test_add_func ("/rest/patch-delete", test_patch_delete);
  g_test_add_func ("/rest/rls", test_rls);
  g_test_add_func ("/rest/errors", test_errors);
  g_test_add_func ("/rest/rpc", test_rpc);
  g_test_add_func ("/rest/openapi", test_openapi);
  g_test_add_func ("/rest/schema-reload", test_schema_reload);
  g_test_add_func ("/rest/exposed-schemas", test_exposed_schemas);
  g_test_add_func ("/rest/db-schemas-option", test_db_schemas_option);

  status = g_test_run ();
  supa_test_server_stop (server);
  return status;
}
