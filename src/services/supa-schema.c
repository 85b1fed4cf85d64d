/* supa-schema.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Reads PostgREST's OpenAPI document into tables, columns and functions,
 * following the rules in PROTOCOL.md §2.12 (and accepting both integer
 * format styles: "integer"/"bigint" up to PostgREST 14.7, "int32"/"int64"
 * since 14.8).
 */

#define G_LOG_DOMAIN "Supadesk"

#include "config.h"

#include "supa-schema.h"

#include <glib/gi18n-lib.h>
#include <string.h>

/* --- SupaColumnInfo ----------------------------------------------------- */

struct _SupaColumnInfo
{
  GObject         parent_instance;

  char           *name;
  char           *type_name;
  char           *format;
  char           *comment;
  char           *fk_table;
  char           *fk_column;
  char          **enum_values;
  JsonNode       *default_value;
  gint64          max_length;
  SupaColumnKind  kind;
  guint           is_array    : 1;
  guint           is_json     : 1;
  guint           nullable    : 1;
  guint           primary_key : 1;
};

G_DEFINE_FINAL_TYPE (SupaColumnInfo, supa_column_info, G_TYPE_OBJECT)

enum {
  COLUMN_PROP_0,
  COLUMN_PROP_NAME,
  COLUMN_PROP_TYPE_NAME,
  COLUMN_PROP_NULLABLE,
  COLUMN_PROP_PRIMARY_KEY,
  COLUMN_N_PROPS
};

static GParamSpec *column_properties[COLUMN_N_PROPS];

static void
supa_column_info_finalize (GObject *object)
{
  SupaColumnInfo *self = (SupaColumnInfo *) object;

  g_clear_pointer (&self->name, g_free);
  g_clear_pointer (&self->type_name, g_free);
  g_clear_pointer (&self->format, g_free);
  g_clear_pointer (&self->comment, g_free);
  g_clear_pointer (&self->fk_table, g_free);
  g_clear_pointer (&self->fk_column, g_free);
  g_clear_pointer (&self->enum_values, g_strfreev);
  g_clear_pointer (&self->default_value, json_node_unref);

  G_OBJECT_CLASS (supa_column_info_parent_class)->finalize (object);
}

static void
supa_column_info_get_property (GObject    *object,
                               guint       prop_id,
                               GValue     *value,
                               GParamSpec *pspec)
{
  SupaColumnInfo *self = SUPA_COLUMN_INFO (object);

  switch (prop_id)
    {
    case COLUMN_PROP_NAME:
      g_value_set_string (value, self->name);
      break;
    case COLUMN_PROP_TYPE_NAME:
      g_value_set_string (value, self->type_name);
      break;
    case COLUMN_PROP_NULLABLE:
      g_value_set_boolean (value, self->nullable);
      break;
    case COLUMN_PROP_PRIMARY_KEY:
      g_value_set_boolean (value, self->primary_key);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
supa_column_info_class_init (SupaColumnInfoClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = supa_column_info_finalize;
  object_class->get_property = supa_column_info_get_property;

  column_properties[COLUMN_PROP_NAME] =
    g_param_spec_string ("name", NULL, NULL, NULL, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  column_properties[COLUMN_PROP_TYPE_NAME] =
    g_param_spec_string ("type-name", NULL, NULL, NULL, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  column_properties[COLUMN_PROP_NULLABLE] =
    g_param_spec_boolean ("nullable", NULL, NULL, TRUE, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  column_properties[COLUMN_PROP_PRIMARY_KEY] =
    g_param_spec_boolean ("primary-key", NULL, NULL, FALSE, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, COLUMN_N_PROPS, column_properties);
}

static void
supa_column_info_init (SupaColumnInfo *self)
{
  self->max_length = -1;
  self->nullable = TRUE;
}

const char *
supa_column_info_get_name (SupaColumnInfo *self)
{
  g_return_val_if_fail (SUPA_IS_COLUMN_INFO (self), NULL);
  return self->name;
}

const char *
supa_column_info_get_type_name (SupaColumnInfo *self)
{
  g_return_val_if_fail (SUPA_IS_COLUMN_INFO (self), NULL);
  return self->type_name;
}

const char *
supa_column_info_get_format (SupaColumnInfo *self)
{
  g_return_val_if_fail (SUPA_IS_COLUMN_INFO (self), NULL);
  return self->format;
}

SupaColumnKind
supa_column_info_get_kind (SupaColumnInfo *self)
{
  g_return_val_if_fail (SUPA_IS_COLUMN_INFO (self), SUPA_COLUMN_KIND_TEXT);
  return self->kind;
}

gboolean
supa_column_info_get_is_array (SupaColumnInfo *self)
{
  g_return_val_if_fail (SUPA_IS_COLUMN_INFO (self), FALSE);
  return self->is_array;
}

gboolean
supa_column_info_get_is_json (SupaColumnInfo *self)
{
  g_return_val_if_fail (SUPA_IS_COLUMN_INFO (self), FALSE);
  return self->is_json;
}

gboolean
supa_column_info_get_nullable (SupaColumnInfo *self)
{
  g_return_val_if_fail (SUPA_IS_COLUMN_INFO (self), TRUE);
  return self->nullable;
}

gboolean
supa_column_info_get_has_default (SupaColumnInfo *self)
{
  g_return_val_if_fail (SUPA_IS_COLUMN_INFO (self), FALSE);
  return self->default_value != NULL;
}

JsonNode *
supa_column_info_get_default (SupaColumnInfo *self)
{
  g_return_val_if_fail (SUPA_IS_COLUMN_INFO (self), NULL);
  return self->default_value;
}

char *
supa_column_info_dup_default_text (SupaColumnInfo *self)
{
  g_return_val_if_fail (SUPA_IS_COLUMN_INFO (self), NULL);

  if (self->default_value == NULL)
    return NULL;
  if (JSON_NODE_HOLDS_VALUE (self->default_value) &&
      json_node_get_value_type (self->default_value) == G_TYPE_STRING)
    return g_strdup (json_node_get_string (self->default_value));

  return json_to_string (self->default_value, FALSE);
}

const char *
supa_column_info_get_comment (SupaColumnInfo *self)
{
  g_return_val_if_fail (SUPA_IS_COLUMN_INFO (self), NULL);
  return self->comment;
}

gint64
supa_column_info_get_max_length (SupaColumnInfo *self)
{
  g_return_val_if_fail (SUPA_IS_COLUMN_INFO (self), -1);
  return self->max_length;
}

const char * const *
supa_column_info_get_enum_values (SupaColumnInfo *self)
{
  g_return_val_if_fail (SUPA_IS_COLUMN_INFO (self), NULL);
  return (const char * const *) self->enum_values;
}

gboolean
supa_column_info_get_is_primary_key (SupaColumnInfo *self)
{
  g_return_val_if_fail (SUPA_IS_COLUMN_INFO (self), FALSE);
  return self->primary_key;
}

const char *
supa_column_info_get_fk_table (SupaColumnInfo *self)
{
  g_return_val_if_fail (SUPA_IS_COLUMN_INFO (self), NULL);
  return self->fk_table;
}

const char *
supa_column_info_get_fk_column (SupaColumnInfo *self)
{
  g_return_val_if_fail (SUPA_IS_COLUMN_INFO (self), NULL);
  return self->fk_column;
}

/* --- SupaTableInfo ------------------------------------------------------ */

struct _SupaTableInfo
{
  GObject     parent_instance;

  char       *name;
  char       *schema;
  char       *comment;
  GListStore *columns;
  char      **primary_key;
  guint       insertable : 1;
  guint       updatable  : 1;
  guint       deletable  : 1;
};

G_DEFINE_FINAL_TYPE (SupaTableInfo, supa_table_info, G_TYPE_OBJECT)

enum {
  TABLE_PROP_0,
  TABLE_PROP_NAME,
  TABLE_PROP_SCHEMA,
  TABLE_PROP_COMMENT,
  TABLE_PROP_WRITABLE,
  TABLE_N_PROPS
};

static GParamSpec *table_properties[TABLE_N_PROPS];

static void
supa_table_info_finalize (GObject *object)
{
  SupaTableInfo *self = (SupaTableInfo *) object;

  g_clear_pointer (&self->name, g_free);
  g_clear_pointer (&self->schema, g_free);
  g_clear_pointer (&self->comment, g_free);
  g_clear_pointer (&self->primary_key, g_strfreev);
  g_clear_object (&self->columns);

  G_OBJECT_CLASS (supa_table_info_parent_class)->finalize (object);
}

static void
supa_table_info_get_property (GObject    *object,
                              guint       prop_id,
                              GValue     *value,
                              GParamSpec *pspec)
{
  SupaTableInfo *self = SUPA_TABLE_INFO (object);

  switch (prop_id)
    {
    case TABLE_PROP_NAME:
      g_value_set_string (value, self->name);
      break;
    case TABLE_PROP_SCHEMA:
      g_value_set_string (value, self->schema);
      break;
    case TABLE_PROP_COMMENT:
      g_value_set_string (value, self->comment);
      break;
    case TABLE_PROP_WRITABLE:
      g_value_set_boolean (value, supa_table_info_get_writable (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
supa_table_info_class_init (SupaTableInfoClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = supa_table_info_finalize;
  object_class->get_property = supa_table_info_get_property;

  table_properties[TABLE_PROP_NAME] =
    g_param_spec_string ("name", NULL, NULL, NULL, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  table_properties[TABLE_PROP_SCHEMA] =
    g_param_spec_string ("schema", NULL, NULL, NULL, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  table_properties[TABLE_PROP_COMMENT] =
    g_param_spec_string ("comment", NULL, NULL, NULL, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  table_properties[TABLE_PROP_WRITABLE] =
    g_param_spec_boolean ("writable", NULL, NULL, FALSE, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, TABLE_N_PROPS, table_properties);
}

static void
supa_table_info_init (SupaTableInfo *self)
{
  self->columns = g_list_store_new (SUPA_TYPE_COLUMN_INFO);
}

const char *
supa_table_info_get_name (SupaTableInfo *self)
{
  g_return_val_if_fail (SUPA_IS_TABLE_INFO (self), NULL);
  return self->name;
}

const char *
supa_table_info_get_schema (SupaTableInfo *self)
{
  g_return_val_if_fail (SUPA_IS_TABLE_INFO (self), NULL);
  return self->schema;
}

const char *
supa_table_info_get_comment (SupaTableInfo *self)
{
  g_return_val_if_fail (SUPA_IS_TABLE_INFO (self), NULL);
  return self->comment;
}

GListModel *
supa_table_info_get_columns (SupaTableInfo *self)
{
  g_return_val_if_fail (SUPA_IS_TABLE_INFO (self), NULL);
  return G_LIST_MODEL (self->columns);
}

SupaColumnInfo *
supa_table_info_lookup_column (SupaTableInfo *self,
                               const char    *name)
{
  guint n;

  g_return_val_if_fail (SUPA_IS_TABLE_INFO (self), NULL);
  g_return_val_if_fail (name != NULL, NULL);

  n = g_list_model_get_n_items (G_LIST_MODEL (self->columns));
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(SupaColumnInfo) column = g_list_model_get_item (G_LIST_MODEL (self->columns), i);

      if (g_str_equal (column->name, name))
        return column;   /* the store keeps it alive */
    }

  return NULL;
}

const char * const *
supa_table_info_get_primary_key (SupaTableInfo *self)
{
  g_return_val_if_fail (SUPA_IS_TABLE_INFO (self), NULL);
  return (const char * const *) self->primary_key;
}

gboolean
supa_table_info_get_insertable (SupaTableInfo *self)
{
  g_return_val_if_fail (SUPA_IS_TABLE_INFO (self), FALSE);
  return self->insertable;
}

gboolean
supa_table_info_get_updatable (SupaTableInfo *self)
{
  g_return_val_if_fail (SUPA_IS_TABLE_INFO (self), FALSE);
  return self->updatable;
}

gboolean
supa_table_info_get_deletable (SupaTableInfo *self)
{
  g_return_val_if_fail (SUPA_IS_TABLE_INFO (self), FALSE);
  return self->deletable;
}

gboolean
supa_table_info_get_writable (SupaTableInfo *self)
{
  g_return_val_if_fail (SUPA_IS_TABLE_INFO (self), FALSE);
  return self->insertable || self->updatable || self->deletable;
}

/* --- SupaFunctionInfo --------------------------------------------------- */

struct _SupaFunctionInfo
{
  GObject     parent_instance;

  char       *name;
  char       *comment;
  GListStore *parameters;
  gboolean    allows_get;
};

G_DEFINE_FINAL_TYPE (SupaFunctionInfo, supa_function_info, G_TYPE_OBJECT)

enum {
  FUNCTION_PROP_0,
  FUNCTION_PROP_NAME,
  FUNCTION_N_PROPS
};

static GParamSpec *function_properties[FUNCTION_N_PROPS];

static void
supa_function_info_finalize (GObject *object)
{
  SupaFunctionInfo *self = (SupaFunctionInfo *) object;

  g_clear_pointer (&self->name, g_free);
  g_clear_pointer (&self->comment, g_free);
  g_clear_object (&self->parameters);

  G_OBJECT_CLASS (supa_function_info_parent_class)->finalize (object);
}

static void
supa_function_info_get_property (GObject    *object,
                                 guint       prop_id,
                                 GValue     *value,
                                 GParamSpec *pspec)
{
  SupaFunctionInfo *self = SUPA_FUNCTION_INFO (object);

  switch (prop_id)
    {
    case FUNCTION_PROP_NAME:
      g_value_set_string (value, self->name);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
supa_function_info_class_init (SupaFunctionInfoClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = supa_function_info_finalize;
  object_class->get_property = supa_function_info_get_property;

  function_properties[FUNCTION_PROP_NAME] =
    g_param_spec_string ("name", NULL, NULL, NULL, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, FUNCTION_N_PROPS, function_properties);
}

static void
supa_function_info_init (SupaFunctionInfo *self)
{
  self->parameters = g_list_store_new (SUPA_TYPE_COLUMN_INFO);
}

const char *
supa_function_info_get_name (SupaFunctionInfo *self)
{
  g_return_val_if_fail (SUPA_IS_FUNCTION_INFO (self), NULL);
  return self->name;
}

const char *
supa_function_info_get_comment (SupaFunctionInfo *self)
{
  g_return_val_if_fail (SUPA_IS_FUNCTION_INFO (self), NULL);
  return self->comment;
}

gboolean
supa_function_info_get_allows_get (SupaFunctionInfo *self)
{
  g_return_val_if_fail (SUPA_IS_FUNCTION_INFO (self), FALSE);
  return self->allows_get;
}

GListModel *
supa_function_info_get_parameters (SupaFunctionInfo *self)
{
  g_return_val_if_fail (SUPA_IS_FUNCTION_INFO (self), NULL);
  return G_LIST_MODEL (self->parameters);
}

/* --- parsing ------------------------------------------------------------ */

static const char *
member_string (JsonObject *object,
               const char *name)
{
  JsonNode *node;

  if (object == NULL || !json_object_has_member (object, name))
    return NULL;
  node = json_object_get_member (object, name);
  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;

  return json_node_get_string (node);
}

static JsonObject *
member_object (JsonObject *object,
               const char *name)
{
  JsonNode *node;

  if (object == NULL || !json_object_has_member (object, name))
    return NULL;
  node = json_object_get_member (object, name);

  return JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
}

static JsonArray *
member_array (JsonObject *object,
              const char *name)
{
  JsonNode *node;

  if (object == NULL || !json_object_has_member (object, name))
    return NULL;
  node = json_object_get_member (object, name);

  return JSON_NODE_HOLDS_ARRAY (node) ? json_node_get_array (node) : NULL;
}

static gboolean
array_has_string (JsonArray  *array,
                  const char *value)
{
  for (guint i = 0; array != NULL && i < json_array_get_length (array); i++)
    {
      JsonNode *node = json_array_get_element (array, i);

      if (JSON_NODE_HOLDS_VALUE (node) &&
          json_node_get_value_type (node) == G_TYPE_STRING &&
          g_strcmp0 (json_node_get_string (node), value) == 0)
        return TRUE;
    }

  return FALSE;
}

/* Splits a PostgREST column description into the user's comment and the
 * generated "Note:" section that carries <pk/> and <fk …/>. */
static void
split_description (const char  *description,
                   char       **comment,
                   const char **notes)
{
  const char *note = NULL;
  const char *p;

  *comment = NULL;
  *notes = NULL;

  if (description == NULL)
    return;

  if (g_str_has_prefix (description, "Note:\n"))
    note = description;
  else
    {
      /* The generated section is the last one. */
      for (p = strstr (description, "\n\nNote:\n"); p != NULL; p = strstr (p + 1, "\n\nNote:\n"))
        note = p;
    }

  if (note != NULL && (strstr (note, "<pk/>") != NULL || strstr (note, "<fk ") != NULL))
    {
      *notes = note;
      if (note != description)
        *comment = g_strndup (description, note - description);
    }
  else
    *comment = g_strdup (description);

  if (*comment != NULL)
    {
      g_strstrip (*comment);
      if (**comment == '\0')
        g_clear_pointer (comment, g_free);
    }
}

/* <fk table='T' column='C'/> */
static gboolean
parse_fk (const char  *notes,
          char       **table,
          char       **column)
{
  const char *p = notes ? strstr (notes, "<fk table='") : NULL;
  const char *end;

  if (p == NULL)
    return FALSE;

  p += strlen ("<fk table='");
  end = strstr (p, "' column='");
  if (end == NULL)
    return FALSE;
  *table = g_strndup (p, end - p);

  p = end + strlen ("' column='");
  end = strstr (p, "'/>");
  if (end == NULL)
    {
      g_clear_pointer (table, g_free);
      return FALSE;
    }
  *column = g_strndup (p, end - p);

  return TRUE;
}

static char *
normalize_type (const char *format,
                const char *type)
{
  if (format == NULL)
    return g_strdup (type ? type : "unknown");
  if (g_str_equal (format, "int32"))
    return g_strdup ("integer");
  if (g_str_equal (format, "int64"))
    return g_strdup ("bigint");

  return g_strdup (format);
}

static SupaColumnInfo *
column_from_json (const char *name,
                  JsonObject *property,
                  gboolean    required)
{
  SupaColumnInfo *column = g_object_new (SUPA_TYPE_COLUMN_INFO, NULL);
  const char *type = member_string (property, "type");
  const char *format = member_string (property, "format");
  const char *notes = NULL;
  JsonArray *enum_array = member_array (property, "enum");

  column->name = g_strdup (name);
  column->format = g_strdup (format);
  column->type_name = normalize_type (format, type);
  column->nullable = !required;
  column->is_array = g_strcmp0 (type, "array") == 0;
  column->is_json = type == NULL && (g_strcmp0 (format, "json") == 0 || g_strcmp0 (format, "jsonb") == 0);

  if (json_object_has_member (property, "default"))
    column->default_value = json_node_copy (json_object_get_member (property, "default"));

  if (json_object_has_member (property, "maxLength"))
    column->max_length = json_object_get_int_member (property, "maxLength");

  if (enum_array != NULL)
    {
      g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();

      for (guint i = 0; i < json_array_get_length (enum_array); i++)
        {
          JsonNode *node = json_array_get_element (enum_array, i);

          if (JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING)
            g_strv_builder_add (builder, json_node_get_string (node));
        }
      column->enum_values = g_strv_builder_end (builder);
    }

  split_description (member_string (property, "description"), &column->comment, &notes);
  if (notes != NULL)
    {
      column->primary_key = strstr (notes, "<pk/>") != NULL;
      parse_fk (notes, &column->fk_table, &column->fk_column);
    }

  if (column->enum_values != NULL)
    column->kind = SUPA_COLUMN_KIND_ENUM;
  else if (column->is_array)
    column->kind = SUPA_COLUMN_KIND_ARRAY;
  else if (column->is_json)
    column->kind = SUPA_COLUMN_KIND_JSON;
  else if (g_strcmp0 (type, "integer") == 0)
    column->kind = SUPA_COLUMN_KIND_INTEGER;
  else if (g_strcmp0 (type, "number") == 0)
    column->kind = SUPA_COLUMN_KIND_NUMBER;
  else if (g_strcmp0 (type, "boolean") == 0)
    column->kind = SUPA_COLUMN_KIND_BOOLEAN;
  else
    column->kind = SUPA_COLUMN_KIND_TEXT;

  return column;
}

static void
add_columns (GListStore *store,
             JsonObject *schema_object)
{
  JsonObject *props = member_object (schema_object, "properties");
  JsonArray *required = member_array (schema_object, "required");
  g_autoptr(GList) names = NULL;

  if (props == NULL)
    return;

  /* json-glib keeps members in document order, which is attnum order. */
  names = json_object_get_members (props);
  for (GList *l = names; l != NULL; l = l->next)
    {
      JsonNode *node = json_object_get_member (props, l->data);
      g_autoptr(SupaColumnInfo) column = NULL;

      if (!JSON_NODE_HOLDS_OBJECT (node))
        continue;
      column = column_from_json (l->data, json_node_get_object (node),
                                 array_has_string (required, l->data));
      g_list_store_append (store, column);
    }
}

static SupaTableInfo *
table_from_json (const char *name,
                 const char *schema_name,
                 JsonObject *path_item,
                 JsonObject *definition)
{
  SupaTableInfo *table = g_object_new (SUPA_TYPE_TABLE_INFO, NULL);
  g_autoptr(GStrvBuilder) pk = g_strv_builder_new ();
  const char *comment = member_string (definition, "description");
  guint n;

  table->name = g_strdup (name);
  table->schema = g_strdup (schema_name);
  if (comment != NULL && *comment != '\0')
    table->comment = g_strdup (comment);
  table->insertable = json_object_has_member (path_item, "post");
  table->updatable = json_object_has_member (path_item, "patch");
  table->deletable = json_object_has_member (path_item, "delete");

  if (definition != NULL)
    add_columns (table->columns, definition);

  n = g_list_model_get_n_items (G_LIST_MODEL (table->columns));
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(SupaColumnInfo) column = g_list_model_get_item (G_LIST_MODEL (table->columns), i);

      if (column->primary_key)
        g_strv_builder_add (pk, column->name);
    }
  table->primary_key = g_strv_builder_end (pk);

  return table;
}

static SupaFunctionInfo *
function_from_json (const char *name,
                    JsonObject *path_item)
{
  SupaFunctionInfo *function = g_object_new (SUPA_TYPE_FUNCTION_INFO, NULL);
  JsonObject *post = member_object (path_item, "post");
  JsonArray *params = member_array (post, "parameters");
  const char *summary = member_string (post, "summary");
  const char *description = member_string (post, "description");

  function->name = g_strdup (name);
  function->allows_get = json_object_has_member (path_item, "get");
  if (summary != NULL && description != NULL)
    function->comment = g_strconcat (summary, "\n\n", description, NULL);
  else if (summary != NULL || description != NULL)
    function->comment = g_strdup (summary ? summary : description);

  for (guint i = 0; params != NULL && i < json_array_get_length (params); i++)
    {
      JsonNode *node = json_array_get_element (params, i);
      JsonObject *param;

      if (!JSON_NODE_HOLDS_OBJECT (node))
        continue;
      param = json_node_get_object (node);
      if (g_strcmp0 (member_string (param, "in"), "body") == 0)
        {
          add_columns (function->parameters, member_object (param, "schema"));
          break;
        }
    }

  return function;
}

static int
compare_by_name (gconstpointer a,
                 gconstpointer b)
{
  GObject *oa = *(GObject **) a;
  GObject *ob = *(GObject **) b;
  const char *na = SUPA_IS_TABLE_INFO (oa) ? SUPA_TABLE_INFO (oa)->name : SUPA_FUNCTION_INFO (oa)->name;
  const char *nb = SUPA_IS_TABLE_INFO (ob) ? SUPA_TABLE_INFO (ob)->name : SUPA_FUNCTION_INFO (ob)->name;

  return g_utf8_collate (na, nb);
}

/* --- SupaSchema --------------------------------------------------------- */

struct _SupaSchema
{
  GObject     parent_instance;

  char       *name;
  GListStore *tables;
  GListStore *functions;
};

G_DEFINE_FINAL_TYPE (SupaSchema, supa_schema, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_NAME,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
supa_schema_dispose (GObject *object)
{
  SupaSchema *self = (SupaSchema *) object;

  g_clear_object (&self->tables);
  g_clear_object (&self->functions);

  G_OBJECT_CLASS (supa_schema_parent_class)->dispose (object);
}

static void
supa_schema_finalize (GObject *object)
{
  SupaSchema *self = (SupaSchema *) object;

  g_clear_pointer (&self->name, g_free);

  G_OBJECT_CLASS (supa_schema_parent_class)->finalize (object);
}

static void
supa_schema_get_property (GObject    *object,
                          guint       prop_id,
                          GValue     *value,
                          GParamSpec *pspec)
{
  SupaSchema *self = SUPA_SCHEMA (object);

  switch (prop_id)
    {
    case PROP_NAME:
      g_value_set_string (value, self->name);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
supa_schema_set_property (GObject      *object,
                          guint         prop_id,
                          const GValue *value,
                          GParamSpec   *pspec)
{
  SupaSchema *self = SUPA_SCHEMA (object);

  switch (prop_id)
    {
    case PROP_NAME:
      g_free (self->name);
      self->name = g_value_dup_string (value);
      if (self->name == NULL)
        self->name = g_strdup ("public");
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
supa_schema_class_init (SupaSchemaClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = supa_schema_dispose;
  object_class->finalize = supa_schema_finalize;
  object_class->get_property = supa_schema_get_property;
  object_class->set_property = supa_schema_set_property;

  properties[PROP_NAME] =
    g_param_spec_string ("name", NULL, NULL, "public",
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
supa_schema_init (SupaSchema *self)
{
  self->tables = g_list_store_new (SUPA_TYPE_TABLE_INFO);
  self->functions = g_list_store_new (SUPA_TYPE_FUNCTION_INFO);
}

SupaSchema *
supa_schema_new (const char *schema_name)
{
  return g_object_new (SUPA_TYPE_SCHEMA, "name", schema_name, NULL);
}

const char *
supa_schema_get_name (SupaSchema *self)
{
  g_return_val_if_fail (SUPA_IS_SCHEMA (self), NULL);
  return self->name;
}

GListModel *
supa_schema_get_tables (SupaSchema *self)
{
  g_return_val_if_fail (SUPA_IS_SCHEMA (self), NULL);
  return G_LIST_MODEL (self->tables);
}

GListModel *
supa_schema_get_functions (SupaSchema *self)
{
  g_return_val_if_fail (SUPA_IS_SCHEMA (self), NULL);
  return G_LIST_MODEL (self->functions);
}

SupaTableInfo *
supa_schema_lookup_table (SupaSchema *self,
                          const char *name)
{
  guint n;

  g_return_val_if_fail (SUPA_IS_SCHEMA (self), NULL);
  g_return_val_if_fail (name != NULL, NULL);

  n = g_list_model_get_n_items (G_LIST_MODEL (self->tables));
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(SupaTableInfo) table = g_list_model_get_item (G_LIST_MODEL (self->tables), i);

      if (g_str_equal (table->name, name))
        return table;
    }

  return NULL;
}

SupaFunctionInfo *
supa_schema_lookup_function (SupaSchema *self,
                             const char *name)
{
  guint n;

  g_return_val_if_fail (SUPA_IS_SCHEMA (self), NULL);
  g_return_val_if_fail (name != NULL, NULL);

  n = g_list_model_get_n_items (G_LIST_MODEL (self->functions));
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(SupaFunctionInfo) function = g_list_model_get_item (G_LIST_MODEL (self->functions), i);

      if (g_str_equal (function->name, name))
        return function;
    }

  return NULL;
}

/**
 * supa_schema_load_from_json:
 * @self: a #SupaSchema
 * @document: the OpenAPI document
 * @error: return location for a #GError
 *
 * Replaces the tables and functions with the ones described by @document,
 * emitting #GListModel::items-changed once per list.
 *
 * Returns: %FALSE with SUPA_ERROR_PROTOCOL when @document is not an
 *   OpenAPI document from PostgREST
 */
gboolean
supa_schema_load_from_json (SupaSchema  *self,
                            JsonNode    *document,
                            GError     **error)
{
  g_autoptr(GPtrArray) tables = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GPtrArray) functions = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GList) keys = NULL;
  JsonObject *root;
  JsonObject *paths;
  JsonObject *definitions;

  g_return_val_if_fail (SUPA_IS_SCHEMA (self), FALSE);
  g_return_val_if_fail (document != NULL, FALSE);

  root = JSON_NODE_HOLDS_OBJECT (document) ? json_node_get_object (document) : NULL;
  paths = member_object (root, "paths");
  if (paths == NULL)
    {
      g_set_error_literal (error, SUPA_ERROR, SUPA_ERROR_PROTOCOL,
                           _("The server’s API description has no list of tables"));
      return FALSE;
    }
  definitions = member_object (root, "definitions");

  keys = json_object_get_members (paths);
  for (GList *l = keys; l != NULL; l = l->next)
    {
      const char *key = l->data;
      JsonObject *item = member_object (paths, key);

      if (item == NULL || key[0] != '/' || key[1] == '\0')
        continue;

      if (g_str_has_prefix (key, "/rpc/"))
        g_ptr_array_add (functions, function_from_json (key + strlen ("/rpc/"), item));
      else
        g_ptr_array_add (tables, table_from_json (key + 1, self->name, item,
                                                  member_object (definitions, key + 1)));
    }

  g_ptr_array_sort (tables, compare_by_name);
  g_ptr_array_sort (functions, compare_by_name);

  g_list_store_splice (self->tables, 0, g_list_model_get_n_items (G_LIST_MODEL (self->tables)),
                       tables->pdata, tables->len);
  g_list_store_splice (self->functions, 0, g_list_model_get_n_items (G_LIST_MODEL (self->functions)),
                       functions->pdata, functions->len);

  return TRUE;
}

static void
refresh_cb (GObject      *object,
            GAsyncResult *result,
            gpointer      user_data)
{
  SupaClient *client = (SupaClient *) object;
  g_autoptr(GTask) task = user_data;
  g_autoptr(JsonNode) document = NULL;
  g_autoptr(GError) error = NULL;
  SupaSchema *self = g_task_get_source_object (task);

  document = supa_client_send_json_finish (client, result, &error);
  if (document == NULL)
    {
      if (g_error_matches (error, SUPA_ERROR, SUPA_ERROR_FORBIDDEN))
        {
          /* The server's wording ("permission denied") does not say what
           * to do; keep its fields but tell the person which key works. */
          GError *friendly = supa_error_new_full (SUPA_ERROR_FORBIDDEN,
                                                  supa_error_get_http_status (error),
                                                  supa_error_get_logical_status (error),
                                                  supa_error_get_server_code (error),
                                                  supa_error_get_details (error),
                                                  supa_error_get_hint (error),
                                                  _("Reading the table list needs a service role or secret key"));
          g_task_return_error (task, friendly);
        }
      else
        g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  if (!supa_schema_load_from_json (self, document, &error))
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_boolean (task, TRUE);
}

void
supa_schema_refresh_async (SupaSchema          *self,
                           SupaClient          *client,
                           GCancellable        *cancellable,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(SoupMessage) msg = NULL;
  SoupMessageHeaders *headers;

  g_return_if_fail (SUPA_IS_SCHEMA (self));
  g_return_if_fail (SUPA_IS_CLIENT (client));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, supa_schema_refresh_async);

  msg = supa_client_new_message (client, SUPA_SERVICE_REST, "GET", "rest/v1/", NULL);
  headers = soup_message_get_request_headers (msg);
  soup_message_headers_replace (headers, "Accept", "application/openapi+json");
  soup_message_headers_replace (headers, "Accept-Profile", self->name);

  supa_client_send_json_async (client, msg, SUPA_SERVICE_REST, cancellable,
                               refresh_cb, g_steal_pointer (&task));
}

gboolean
supa_schema_refresh_finish (SupaSchema    *self,
                            GAsyncResult  *result,
                            GError       **error)
{
  g_return_val_if_fail (SUPA_IS_SCHEMA (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
load_cb (GObject      *object,
         GAsyncResult *result,
         gpointer      user_data)
{
  SupaSchema *schema = (SupaSchema *) object;
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;

  if (!supa_schema_refresh_finish (schema, result, &error))
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_pointer (task, g_object_ref (schema), g_object_unref);
}

void
supa_schema_load_async (SupaClient          *client,
                        const char          *schema_name,
                        GCancellable        *cancellable,
                        GAsyncReadyCallback  callback,
                        gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(SupaSchema) schema = NULL;

  g_return_if_fail (SUPA_IS_CLIENT (client));

  task = g_task_new (client, cancellable, callback, user_data);
  g_task_set_source_tag (task, supa_schema_load_async);

  schema = supa_schema_new (schema_name);
  supa_schema_refresh_async (schema, client, cancellable, load_cb, g_steal_pointer (&task));
}

SupaSchema *
supa_schema_load_finish (GAsyncResult  *result,
                         GError       **error)
{
  g_return_val_if_fail (G_IS_TASK (result), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == supa_schema_load_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/* --- exposed schemas ---------------------------------------------------- */

/* Longer than PostgreSQL's identifier limit (63 bytes), so no database can
 * have a schema of this name, and made only of characters that need no
 * quoting in an HTTP header. */
#define EXPOSED_PROBE_NAME "supadesk-probe-for-exposed-schemas-this-name-is-longer-than-namedatalen"
#define EXPOSED_MAX_SCHEMAS 256
#define EXPOSED_MAX_NAME    1024

/* PostgREST's PGRST106 texts (src/PostgREST/Error.hs): since v12 the
 * message is "Invalid schema: x" and the hint lists the schemas; before,
 * the message itself listed them. */
static const char * const exposed_prefixes[] = {
  "Only the following schemas are exposed:",
  "The schema must be one of the following:",
};

/* Adds the schema names listed after a known prefix in @text to @names.
 * Names are trimmed, a quoted identifier ("My schema") is unquoted,
 * empty and duplicate entries are skipped. Returns FALSE when @text is not
 * one of the two lists. */
static gboolean
parse_exposed_list (const char *text,
                    GPtrArray  *names)
{
  g_auto(GStrv) parts = NULL;
  const char *list = NULL;
  g_autofree char *copy = NULL;

  if (text == NULL)
    return FALSE;

  copy = g_strstrip (g_strdup (text));
  for (guint i = 0; i < G_N_ELEMENTS (exposed_prefixes); i++)
    if (g_str_has_prefix (copy, exposed_prefixes[i]))
      {
        list = copy + strlen (exposed_prefixes[i]);
        break;
      }
  if (list == NULL)
    return FALSE;

  parts = g_strsplit (list, ",", -1);
  for (guint i = 0; parts[i] != NULL && names->len < EXPOSED_MAX_SCHEMAS; i++)
    {
      char *name = g_strstrip (parts[i]);
      gsize len = strlen (name);
      g_autofree char *unquoted = NULL;
      gboolean seen = FALSE;

      if (len >= 2 && name[0] == '"' && name[len - 1] == '"')
        {
          GString *s = g_string_new (NULL);

          for (gsize j = 1; j + 1 < len; j++)
            {
              g_string_append_c (s, name[j]);
              if (name[j] == '"' && name[j + 1] == '"' && j + 2 < len)
                j++;
            }
          unquoted = g_string_free (s, FALSE);
          name = unquoted;
        }

      if (*name == '\0' || strlen (name) > EXPOSED_MAX_NAME ||
          !g_utf8_validate (name, -1, NULL))
        continue;

      for (guint j = 0; j < names->len && !seen; j++)
        seen = g_str_equal (g_ptr_array_index (names, j), name);
      if (!seen)
        g_ptr_array_add (names, g_strdup (name));
    }

  return TRUE;
}

static char **
exposed_fallback (void)
{
  char **names = g_new0 (char *, 2);

  names[0] = g_strdup ("public");
  return names;
}

/* Does @error come from a server that answered, but not with something we
 * can read the list from (a proxy, another API)? Those give the fallback;
 * failures a person must act on (network, TLS, keys, rate limits, a broken
 * server, cancellation) are reported. */
static gboolean
exposed_error_is_soft (const GError *error)
{
  if (error->domain != SUPA_ERROR)
    return FALSE;

  switch ((SupaErrorCode) error->code)
    {
    case SUPA_ERROR_NOT_FOUND:
    case SUPA_ERROR_INVALID_INPUT:
    case SUPA_ERROR_CONFLICT:
    case SUPA_ERROR_PROTOCOL:
    case SUPA_ERROR_TOO_LARGE:
    case SUPA_ERROR_UNSUPPORTED_MEDIA:
      return TRUE;
    case SUPA_ERROR_NETWORK:
    case SUPA_ERROR_TLS:
    case SUPA_ERROR_UNAUTHORIZED:
    case SUPA_ERROR_FORBIDDEN:
    case SUPA_ERROR_SERVER:
    case SUPA_ERROR_KEYRING:
    case SUPA_ERROR_RATE_LIMITED:
    default:
      return FALSE;
    }
}

static void
list_exposed_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  SupaClient *client = (SupaClient *) object;
  g_autoptr(GTask) task = user_data;
  g_autoptr(GBytes) body = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);

  body = supa_client_send_finish (client, result, &error);
  if (body != NULL)
    {
      /* The server took a schema that cannot exist: it does not check
       * profiles (not PostgREST, or a proxy in between). */
      g_debug ("The server accepted any schema; assuming only “public” is exposed");
      g_task_return_pointer (task, exposed_fallback (), (GDestroyNotify) g_strfreev);
      return;
    }

  if (g_strcmp0 (supa_error_get_server_code (error), "PGRST106") == 0)
    {
      if (!parse_exposed_list (supa_error_get_hint (error), names))
        parse_exposed_list (error->message, names);
    }
  else if (!exposed_error_is_soft (error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  if (names->len == 0)
    {
      g_debug ("No list of exposed schemas in the answer (%s); assuming “public”",
               error->message);
      g_task_return_pointer (task, exposed_fallback (), (GDestroyNotify) g_strfreev);
      return;
    }

  g_ptr_array_add (names, NULL);
  g_task_return_pointer (task, g_ptr_array_steal (names, NULL), (GDestroyNotify) g_strfreev);
}

/**
 * supa_schema_list_exposed_async:
 * @client: a #SupaClient
 * @cancellable: (nullable): a #GCancellable
 * @callback: called when done
 * @user_data: data for @callback
 *
 * Finds the schemas PostgREST exposes by asking for one that cannot exist
 * (PROTOCOL.md §2.11): the 406 PGRST106 answer names them.
 */
void
supa_schema_list_exposed_async (SupaClient          *client,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(SoupMessage) msg = NULL;
  SoupMessageHeaders *headers;

  g_return_if_fail (SUPA_IS_CLIENT (client));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (client, cancellable, callback, user_data);
  g_task_set_source_tag (task, supa_schema_list_exposed_async);

  msg = supa_client_new_message (client, SUPA_SERVICE_REST, "GET", "rest/v1/", NULL);
  headers = soup_message_get_request_headers (msg);
  soup_message_headers_replace (headers, "Accept", "application/json");
  soup_message_headers_replace (headers, "Accept-Profile", EXPOSED_PROBE_NAME);

  supa_client_send_async (client, msg, SUPA_SERVICE_REST, cancellable,
                          list_exposed_cb, g_steal_pointer (&task));
}

/**
 * supa_schema_list_exposed_finish:
 * @result: the result passed to the callback
 * @error: return location for a #GError
 *
 * Returns: (transfer full): a NULL-terminated, non-empty list of schema
 *   names, the default schema first; NULL on error
 */
char **
supa_schema_list_exposed_finish (GAsyncResult  *result,
                                 GError       **error)
{
  g_return_val_if_fail (G_IS_TASK (result), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == supa_schema_list_exposed_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}
