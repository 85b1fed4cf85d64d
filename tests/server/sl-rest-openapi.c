/* sl-rest-openapi.c — the Swagger 2.0 document of GET /rest/v1/
 * (PROTOCOL.md §2.12, PostgREST ≤ 14.7 integer formats).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "sl-rest"

#include "sl-rest-private.h"

#include <string.h>

typedef enum { SW_NONE, SW_STRING, SW_BOOLEAN, SW_INTEGER, SW_NUMBER, SW_ARRAY } SwType;

static SwType
swagger_type (const char *t)
{
  static const struct { const char *n; SwType s; } map[] = {
    { "character varying", SW_STRING }, { "character", SW_STRING }, { "text", SW_STRING },
    { "boolean", SW_BOOLEAN }, { "smallint", SW_INTEGER }, { "integer", SW_INTEGER },
    { "bigint", SW_INTEGER }, { "numeric", SW_NUMBER }, { "real", SW_NUMBER },
    { "double precision", SW_NUMBER }, { "json", SW_NONE }, { "jsonb", SW_NONE },
  };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (map); i++)
    if (g_str_equal (t, map[i].n))
      return map[i].s;
  if (g_str_has_suffix (t, "[]"))
    return SW_ARRAY;
  return SW_STRING;
}

static const char *
swagger_type_name (SwType t)
{
  switch (t)
    {
    case SW_STRING: return "string";
    case SW_BOOLEAN: return "boolean";
    case SW_INTEGER: return "integer";
    case SW_NUMBER: return "number";
    case SW_ARRAY: return "array";
    case SW_NONE:
    default: return NULL;
    }
}

/* type, format and items of a PostgreSQL type */
static void
add_type_format (JsonBuilder *b,
                 const char  *pgtype)
{
  SwType t = swagger_type (pgtype);

  if (t != SW_NONE)
    {
      json_builder_set_member_name (b, "type");
      json_builder_add_string_value (b, swagger_type_name (t));
    }
  json_builder_set_member_name (b, "format");
  json_builder_add_string_value (b, pgtype);
  if (t == SW_ARRAY)
    {
      g_autofree char *elem = g_strndup (pgtype, strlen (pgtype) - 2);
      SwType et = swagger_type (elem);

      json_builder_set_member_name (b, "items");
      json_builder_begin_object (b);
      if (et != SW_NONE)
        {
          json_builder_set_member_name (b, "type");
          json_builder_add_string_value (b, swagger_type_name (et));
        }
      json_builder_end_object (b);
    }
}

/* PostgREST's parseDefault + JSON decode; NULL when not valid JSON. */
static JsonNode *
default_node (const char *pgtype,
              const char *def)
{
  g_autofree char *text = NULL;

  if (swagger_type (pgtype) == SW_STRING)
    {
      g_autofree char *suffix = g_strconcat ("::", pgtype, NULL);
      g_autofree char *stripped = NULL;

      if (g_str_has_suffix (def, suffix))
        {
          gsize n = strlen (def) - strlen (suffix);
          gsize a = 0;

          stripped = g_strndup (def, n);
          while (stripped[a] == '\'')
            a++;
          n = strlen (stripped);
          while (n > a && stripped[n - 1] == '\'')
            n--;
          text = g_strdup_printf ("\"%.*s\"", (int) (n - a), stripped + a);
        }
      else
        text = g_strdup_printf ("\"%s\"", def);
    }
  else
    text = g_strdup (def);
  return json_from_string (text, NULL);
}

static SlrFk *
single_fk_for (SlrCache  *cache,
               SlrTable  *t,
               SlrColumn *c)
{
  guint i;

  for (i = 0; i < cache->fks->len; i++)
    {
      SlrFk *fk = g_ptr_array_index (cache->fks, i);
      if (g_str_equal (fk->schema, t->schema) && g_str_equal (fk->table, t->name) &&
          fk->cols->len == 1 && g_str_equal (g_ptr_array_index (fk->cols, 0), c->name))
        return fk;
    }
  return NULL;
}

static gboolean
is_pk (SlrTable   *t,
       const char *col)
{
  guint i;

  for (i = 0; i < t->pk->len; i++)
    if (g_str_equal (g_ptr_array_index (t->pk, i), col))
      return TRUE;
  return FALSE;
}

static void
add_definition (JsonBuilder *b,
                SlrCache    *cache,
                SlrTable    *t)
{
  guint i;
  gboolean any_required = FALSE;

  json_builder_set_member_name (b, t->name);
  json_builder_begin_object (b);
  if (t->comment != NULL)
    {
      json_builder_set_member_name (b, "description");
      json_builder_add_string_value (b, t->comment);
    }
  for (i = 0; i < t->columns->len; i++)
    any_required |= !((SlrColumn *) g_ptr_array_index (t->columns, i))->nullable;
  if (any_required)
    {
      json_builder_set_member_name (b, "required");
      json_builder_begin_array (b);
      for (i = 0; i < t->columns->len; i++)
        {
          SlrColumn *c = g_ptr_array_index (t->columns, i);
          if (!c->nullable)
            json_builder_add_string_value (b, c->name);
        }
      json_builder_end_array (b);
    }
  json_builder_set_member_name (b, "properties");
  json_builder_begin_object (b);
  for (i = 0; i < t->columns->len; i++)
    {
      SlrColumn *c = g_ptr_array_index (t->columns, i);
      SlrFk *fk = single_fk_for (cache, t, c);
      gboolean pk = is_pk (t, c->name);
      GString *notes = g_string_new ("Note:");

      json_builder_set_member_name (b, c->name);
      json_builder_begin_object (b);
      if (c->default_expr != NULL)
        {
          JsonNode *d = default_node (c->base_type, c->default_expr);
          if (d != NULL)
            {
              json_builder_set_member_name (b, "default");
              json_builder_add_value (b, d);
            }
        }
      if (pk)
        g_string_append (notes, "\nThis is a Primary Key.<pk/>");
      if (fk != NULL)
        g_string_append_printf (notes, "\nThis is a Foreign Key to `%s.%s`.<fk table='%s' column='%s'/>",
                                fk->f_table, (char *) g_ptr_array_index (fk->f_cols, 0),
                                fk->f_table, (char *) g_ptr_array_index (fk->f_cols, 0));
      if (pk || fk != NULL)
        {
          g_autofree char *d = g_strdup_printf ("%s%s%s", c->comment ? c->comment : "",
                                                c->comment ? "\n\n" : "", notes->str);
          json_builder_set_member_name (b, "description");
          json_builder_add_string_value (b, d);
        }
      else if (c->comment != NULL)
        {
          json_builder_set_member_name (b, "description");
          json_builder_add_string_value (b, c->comment);
        }
      g_string_free (notes, TRUE);
      if (c->enum_values != NULL)
        {
          guint j;
          json_builder_set_member_name (b, "enum");
          json_builder_begin_array (b);
          for (j = 0; j < c->enum_values->len; j++)
            json_builder_add_string_value (b, g_ptr_array_index (c->enum_values, j));
          json_builder_end_array (b);
        }
      add_type_format (b, c->base_type);
      if (c->max_length > 0)
        {
          json_builder_set_member_name (b, "maxLength");
          json_builder_add_int_value (b, c->max_length);
        }
      json_builder_end_object (b);
    }
  json_builder_end_object (b);
  json_builder_set_member_name (b, "type");
  json_builder_add_string_value (b, "object");
  json_builder_end_object (b);
}

static void
add_ref (JsonBuilder *b,
         const char  *kind,
         const char  *name)
{
  g_autofree char *ref = g_strdup_printf ("#/%s/%s", kind, name);

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "$ref");
  json_builder_add_string_value (b, ref);
  json_builder_end_object (b);
}

static void
add_summary (JsonBuilder *b,
             const char  *comment)
{
  const char *nl;

  if (comment == NULL)
    return;
  nl = strchr (comment, '\n');
  json_builder_set_member_name (b, "summary");
  if (nl == NULL)
    {
      json_builder_add_string_value (b, comment);
      return;
    }
  {
    g_autofree char *first = g_strndup (comment, nl - comment);
    json_builder_add_string_value (b, first);
  }
  while (*nl == '\n')
    nl++;
  if (*nl)
    {
      json_builder_set_member_name (b, "description");
      json_builder_add_string_value (b, nl);
    }
}

static void
add_table_op (JsonBuilder *b,
              SlrTable    *t,
              const char  *method)
{
  guint i;

  json_builder_set_member_name (b, method);
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "tags");
  json_builder_begin_array (b);
  json_builder_add_string_value (b, t->name);
  json_builder_end_array (b);
  add_summary (b, t->comment);
  json_builder_set_member_name (b, "parameters");
  json_builder_begin_array (b);
  if (!g_str_equal (method, "post"))
    for (i = 0; i < t->columns->len; i++)
      {
        SlrColumn *c = g_ptr_array_index (t->columns, i);
        g_autofree char *n = g_strdup_printf ("rowFilter.%s.%s", t->name, c->name);
        add_ref (b, "parameters", n);
      }
  if (g_str_equal (method, "get"))
    {
      static const char * const p[] = { "select", "order", "range", "rangeUnit", "offset", "limit", "preferCount" };
      for (i = 0; i < G_N_ELEMENTS (p); i++)
        add_ref (b, "parameters", p[i]);
    }
  else if (g_str_equal (method, "post"))
    {
      g_autofree char *n = g_strdup_printf ("body.%s", t->name);
      add_ref (b, "parameters", n);
      add_ref (b, "parameters", "select");
      add_ref (b, "parameters", "preferPost");
    }
  else if (g_str_equal (method, "patch"))
    {
      g_autofree char *n = g_strdup_printf ("body.%s", t->name);
      add_ref (b, "parameters", n);
      add_ref (b, "parameters", "preferReturn");
    }
  else
    add_ref (b, "parameters", "preferReturn");
  json_builder_end_array (b);

  json_builder_set_member_name (b, "responses");
  json_builder_begin_object (b);
  if (g_str_equal (method, "get"))
    {
      g_autofree char *ref = g_strdup_printf ("#/definitions/%s", t->name);
      json_builder_set_member_name (b, "200");
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "description");
      json_builder_add_string_value (b, "OK");
      json_builder_set_member_name (b, "schema");
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "type");
      json_builder_add_string_value (b, "array");
      json_builder_set_member_name (b, "items");
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "$ref");
      json_builder_add_string_value (b, ref);
      json_builder_end_object (b);
      json_builder_end_object (b);
      json_builder_end_object (b);
      json_builder_set_member_name (b, "206");
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "description");
      json_builder_add_string_value (b, "Partial Content");
      json_builder_end_object (b);
    }
  else
    {
      gboolean post = g_str_equal (method, "post");
      json_builder_set_member_name (b, post ? "201" : "204");
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "description");
      json_builder_add_string_value (b, post ? "Created" : "No Content");
      json_builder_end_object (b);
    }
  json_builder_end_object (b);
  json_builder_end_object (b);
}

static void
add_rpc_path (JsonBuilder *b,
              SlrFunc     *f)
{
  g_autofree char *path = g_strdup_printf ("/rpc/%s", f->name);
  g_autofree char *tag = g_strdup_printf ("(rpc) %s", f->name);
  int pass;
  guint i;

  json_builder_set_member_name (b, path);
  json_builder_begin_object (b);
  for (pass = 0; pass < 2; pass++)
    {
      gboolean get = pass == 0;

      if (get && f->volatility == 'v')
        continue;
      json_builder_set_member_name (b, get ? "get" : "post");
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "tags");
      json_builder_begin_array (b);
      json_builder_add_string_value (b, tag);
      json_builder_end_array (b);
      add_summary (b, f->comment);
      json_builder_set_member_name (b, "produces");
      json_builder_begin_array (b);
      json_builder_add_string_value (b, "application/json");
      json_builder_add_string_value (b, "application/vnd.pgrst.object+json;nulls=stripped");
      json_builder_add_string_value (b, "application/vnd.pgrst.object+json");
      json_builder_end_array (b);
      json_builder_set_member_name (b, "parameters");
      json_builder_begin_array (b);
      if (get)
        {
          for (i = 0; i < f->args->len; i++)
            {
              SlrArg *a = g_ptr_array_index (f->args, i);
              SwType t;
              if (!(a->mode == 'i' || a->mode == 'b' || a->mode == 'v') || a->name[0] == '\0')
                continue;
              t = swagger_type (a->type);
              json_builder_begin_object (b);
              json_builder_set_member_name (b, "name");
              json_builder_add_string_value (b, a->name);
              json_builder_set_member_name (b, "required");
              json_builder_add_boolean_value (b, !a->has_default);
              json_builder_set_member_name (b, "in");
              json_builder_add_string_value (b, "query");
              json_builder_set_member_name (b, "type");
              json_builder_add_string_value (b, (t == SW_ARRAY || t == SW_NONE) ? "string" : swagger_type_name (t));
              json_builder_set_member_name (b, "format");
              json_builder_add_string_value (b, a->type);
              json_builder_end_object (b);
            }
        }
      else
        {
          gboolean any_req = FALSE;

          json_builder_begin_object (b);
          json_builder_set_member_name (b, "name");
          json_builder_add_string_value (b, "args");
          json_builder_set_member_name (b, "required");
          json_builder_add_boolean_value (b, TRUE);
          json_builder_set_member_name (b, "in");
          json_builder_add_string_value (b, "body");
          json_builder_set_member_name (b, "schema");
          json_builder_begin_object (b);
          if (f->comment != NULL)
            {
              json_builder_set_member_name (b, "description");
              json_builder_add_string_value (b, f->comment);
            }
          json_builder_set_member_name (b, "type");
          json_builder_add_string_value (b, "object");
          json_builder_set_member_name (b, "properties");
          json_builder_begin_object (b);
          for (i = 0; i < f->args->len; i++)
            {
              SlrArg *a = g_ptr_array_index (f->args, i);
              if (!(a->mode == 'i' || a->mode == 'b' || a->mode == 'v') || a->name[0] == '\0')
                continue;
              any_req |= !a->has_default;
              json_builder_set_member_name (b, a->name);
              json_builder_begin_object (b);
              add_type_format (b, a->type);
              json_builder_end_object (b);
            }
          json_builder_end_object (b);
          if (any_req)
            {
              json_builder_set_member_name (b, "required");
              json_builder_begin_array (b);
              for (i = 0; i < f->args->len; i++)
                {
                  SlrArg *a = g_ptr_array_index (f->args, i);
                  if ((a->mode == 'i' || a->mode == 'b' || a->mode == 'v') && a->name[0] != '\0' && !a->has_default)
                    json_builder_add_string_value (b, a->name);
                }
              json_builder_end_array (b);
            }
          json_builder_end_object (b);
          json_builder_end_object (b);
          add_ref (b, "parameters", "preferParams");
        }
      json_builder_end_array (b);
      json_builder_set_member_name (b, "responses");
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "200");
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "description");
      json_builder_add_string_value (b, "OK");
      json_builder_end_object (b);
      json_builder_end_object (b);
      json_builder_end_object (b);
    }
  json_builder_end_object (b);
}

static void
add_param (JsonBuilder *b,
           const char  *key,
           const char  *name,
           const char  *description,
           const char  *in,
           const char  *default_value,
           const char * const *enum_values)
{
  json_builder_set_member_name (b, key);
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "name");
  json_builder_add_string_value (b, name);
  if (description != NULL)
    {
      json_builder_set_member_name (b, "description");
      json_builder_add_string_value (b, description);
    }
  json_builder_set_member_name (b, "required");
  json_builder_add_boolean_value (b, FALSE);
  json_builder_set_member_name (b, "in");
  json_builder_add_string_value (b, in);
  json_builder_set_member_name (b, "type");
  json_builder_add_string_value (b, "string");
  if (default_value != NULL)
    {
      json_builder_set_member_name (b, "default");
      json_builder_add_string_value (b, default_value);
    }
  if (enum_values != NULL)
    {
      guint i;
      json_builder_set_member_name (b, "enum");
      json_builder_begin_array (b);
      for (i = 0; enum_values[i]; i++)
        json_builder_add_string_value (b, enum_values[i]);
      json_builder_end_array (b);
    }
  json_builder_end_object (b);
}

static void
add_mimes (JsonBuilder *b,
           const char  *key)
{
  json_builder_set_member_name (b, key);
  json_builder_begin_array (b);
  json_builder_add_string_value (b, "application/json");
  json_builder_add_string_value (b, "application/vnd.pgrst.object+json;nulls=stripped");
  json_builder_add_string_value (b, "application/vnd.pgrst.object+json");
  json_builder_add_string_value (b, "text/csv");
  json_builder_end_array (b);
}

char *
slr_openapi_build (SlrCache   *cache,
                   const char *schema,
                   const char *base_url)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(GUri) uri = g_uri_parse (base_url, G_URI_FLAGS_NONE, NULL);
  const char *schema_comment = g_hash_table_lookup (cache->schema_comments, schema);
  guint i;

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "swagger");
  json_builder_add_string_value (b, "2.0");

  json_builder_set_member_name (b, "info");
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "description");
  if (schema_comment != NULL)
    {
      const char *nl = strchr (schema_comment, '\n');
      while (nl && *nl == '\n')
        nl++;
      json_builder_add_string_value (b, nl ? nl : "");
    }
  else
    json_builder_add_string_value (b, "This is a dynamic API generated by PostgREST");
  json_builder_set_member_name (b, "title");
  if (schema_comment != NULL)
    {
      const char *nl = strchr (schema_comment, '\n');
      g_autofree char *first = nl ? g_strndup (schema_comment, nl - schema_comment) : g_strdup (schema_comment);
      json_builder_add_string_value (b, first);
    }
  else
    json_builder_add_string_value (b, "PostgREST API");
  json_builder_set_member_name (b, "version");
  json_builder_add_string_value (b, "12.2.3");
  json_builder_end_object (b);

  json_builder_set_member_name (b, "host");
  {
    g_autofree char *host = uri ? g_strdup_printf ("%s:%d", g_uri_get_host (uri), g_uri_get_port (uri))
                                : g_strdup ("0.0.0.0:3000");
    json_builder_add_string_value (b, host);
  }
  json_builder_set_member_name (b, "basePath");
  json_builder_add_string_value (b, "/");
  json_builder_set_member_name (b, "schemes");
  json_builder_begin_array (b);
  json_builder_add_string_value (b, "http");
  json_builder_end_array (b);
  add_mimes (b, "consumes");
  add_mimes (b, "produces");
  json_builder_set_member_name (b, "externalDocs");
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "description");
  json_builder_add_string_value (b, "PostgREST Documentation");
  json_builder_set_member_name (b, "url");
  json_builder_add_string_value (b, "https://postgrest.org/en/v12/references/api.html");
  json_builder_end_object (b);

  /* paths */
  json_builder_set_member_name (b, "paths");
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "/");
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "get");
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "tags");
  json_builder_begin_array (b);
  json_builder_add_string_value (b, "Introspection");
  json_builder_end_array (b);
  json_builder_set_member_name (b, "summary");
  json_builder_add_string_value (b, "OpenAPI description (this document)");
  json_builder_set_member_name (b, "produces");
  json_builder_begin_array (b);
  json_builder_add_string_value (b, "application/openapi+json");
  json_builder_add_string_value (b, "application/json");
  json_builder_end_array (b);
  json_builder_set_member_name (b, "responses");
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "200");
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "description");
  json_builder_add_string_value (b, "OK");
  json_builder_end_object (b);
  json_builder_end_object (b);
  json_builder_end_object (b);
  json_builder_end_object (b);

  for (i = 0; i < cache->table_list->len; i++)
    {
      SlrTable *t = g_ptr_array_index (cache->table_list, i);
      g_autofree char *path = NULL;

      if (!g_str_equal (t->schema, schema))
        continue;
      path = g_strdup_printf ("/%s", t->name);
      json_builder_set_member_name (b, path);
      json_builder_begin_object (b);
      add_table_op (b, t, "get");
      if (t->insertable || t->updatable || t->deletable)
        {
          add_table_op (b, t, "post");
          add_table_op (b, t, "delete");
          add_table_op (b, t, "patch");
        }
      json_builder_end_object (b);
    }
  for (i = 0; i < cache->func_list->len; i++)
    {
      SlrFunc *f = g_ptr_array_index (cache->func_list, i);
      if (g_str_equal (f->schema, schema))
        add_rpc_path (b, f);
    }
  json_builder_end_object (b);

  /* definitions */
  json_builder_set_member_name (b, "definitions");
  json_builder_begin_object (b);
  for (i = 0; i < cache->table_list->len; i++)
    {
      SlrTable *t = g_ptr_array_index (cache->table_list, i);
      if (g_str_equal (t->schema, schema))
        add_definition (b, cache, t);
    }
  json_builder_end_object (b);

  /* parameters */
  json_builder_set_member_name (b, "parameters");
  json_builder_begin_object (b);
  add_param (b, "preferParams", "Prefer", "Preference", "header", NULL, NULL);
  add_param (b, "preferReturn", "Prefer", "Preference", "header", NULL,
             (const char * const[]) { "return=representation", "return=minimal", "return=none", NULL });
  add_param (b, "preferCount", "Prefer", "Preference", "header", NULL,
             (const char * const[]) { "count=none", NULL });
  add_param (b, "preferPost", "Prefer", "Preference", "header", NULL,
             (const char * const[]) { "return=representation", "return=minimal", "return=none",
                                      "resolution=ignore-duplicates", "resolution=merge-duplicates", NULL });
  add_param (b, "select", "select", "Filtering Columns", "query", NULL, NULL);
  add_param (b, "on_conflict", "on_conflict", "On Conflict", "query", NULL, NULL);
  add_param (b, "order", "order", "Ordering", "query", NULL, NULL);
  add_param (b, "range", "Range", "Limiting and Pagination", "header", NULL, NULL);
  add_param (b, "rangeUnit", "Range-Unit", "Limiting and Pagination", "header", "items", NULL);
  add_param (b, "offset", "offset", "Limiting and Pagination", "query", NULL, NULL);
  add_param (b, "limit", "limit", "Limiting and Pagination", "query", NULL, NULL);
  for (i = 0; i < cache->table_list->len; i++)
    {
      SlrTable *t = g_ptr_array_index (cache->table_list, i);
      g_autofree char *body_key = NULL;
      g_autofree char *ref = NULL;
      guint j;

      if (!g_str_equal (t->schema, schema))
        continue;
      body_key = g_strdup_printf ("body.%s", t->name);
      ref = g_strdup_printf ("#/definitions/%s", t->name);
      json_builder_set_member_name (b, body_key);
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "name");
      json_builder_add_string_value (b, t->name);
      json_builder_set_member_name (b, "description");
      json_builder_add_string_value (b, t->name);
      json_builder_set_member_name (b, "required");
      json_builder_add_boolean_value (b, FALSE);
      json_builder_set_member_name (b, "in");
      json_builder_add_string_value (b, "body");
      json_builder_set_member_name (b, "schema");
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "$ref");
      json_builder_add_string_value (b, ref);
      json_builder_end_object (b);
      json_builder_end_object (b);
      for (j = 0; j < t->columns->len; j++)
        {
          SlrColumn *c = g_ptr_array_index (t->columns, j);
          g_autofree char *key = g_strdup_printf ("rowFilter.%s.%s", t->name, c->name);
          add_param (b, key, c->name, c->comment, "query", NULL, NULL);
        }
    }
  json_builder_end_object (b);

  json_builder_end_object (b);
  root = json_builder_get_root (b);
  return json_to_string (root, FALSE);
}
