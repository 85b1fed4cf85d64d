/* supa-key-info.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "Supadesk"

#include "config.h"

#include "supa-key-info.h"
#include "supa-error.h"

#include <glib/gi18n-lib.h>
#include <json-glib/json-glib.h>
#include <string.h>

#define PUBLISHABLE_PREFIX "sb_publishable_"
#define SECRET_PREFIX      "sb_secret_"

struct _SupaKeyInfo
{
  GObject      parent_instance;

  SupaKeyKind  kind;
  char        *role;
  char        *role_label;
  char        *ref;
  GDateTime   *expires_at;
  GDateTime   *issued_at;
};

G_DEFINE_FINAL_TYPE (SupaKeyInfo, supa_key_info, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_KIND,
  PROP_ROLE,
  PROP_ROLE_LABEL,
  PROP_BYPASSES_RLS,
  PROP_REF,
  PROP_EXPIRES_AT,
  PROP_ISSUED_AT,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static GError *
not_a_key_error (const char *reason)
{
  g_autofree char *message = NULL;

  /* Translators: %s explains what is wrong with the pasted API key */
  message = g_strdup_printf (_("This is not an API key: %s"), reason);
  return supa_error_new_full (SUPA_ERROR_INVALID_INPUT, 0, 0, NULL, NULL, NULL, message);
}

static gboolean
is_base64url_char (char c)
{
  return g_ascii_isalnum (c) || c == '-' || c == '_';
}

static gboolean
is_key_body_char (char c)
{
  return g_ascii_isalnum (c) || c == '-' || c == '_';
}

/* Decodes base64url without padding (RFC 7515 §2); NULL if malformed. */
static guchar *
base64url_decode (const char *text,
                  gsize       len,
                  gsize      *out_len)
{
  g_autoptr(GString) std = NULL;

  if (len == 0 || len % 4 == 1)
    return NULL;

  std = g_string_sized_new (len + 3);
  for (gsize i = 0; i < len; i++)
    {
      char c = text[i];

      if (c == '=')
        {
          /* tolerate padding only at the end */
          for (gsize j = i; j < len; j++)
            if (text[j] != '=')
              return NULL;
          break;
        }
      if (!is_base64url_char (c))
        return NULL;
      g_string_append_c (std, c == '-' ? '+' : c == '_' ? '/' : c);
    }

  while (std->len % 4 != 0)
    g_string_append_c (std, '=');

  return g_base64_decode (std->str, out_len);
}

static GDateTime *
claim_to_date_time (JsonObject *claims,
                    const char *name)
{
  JsonNode *node;
  gint64 seconds;

  if (!json_object_has_member (claims, name))
    return NULL;

  node = json_object_get_member (claims, name);
  if (!JSON_NODE_HOLDS_VALUE (node))
    return NULL;

  switch (json_node_get_value_type (node))
    {
    case G_TYPE_INT64:
      seconds = json_node_get_int (node);
      break;
    case G_TYPE_DOUBLE:
      seconds = (gint64) json_node_get_double (node);
      break;
    default:
      return NULL;
    }

  return g_date_time_new_from_unix_utc (seconds);
}

static char *
make_role_label (SupaKeyKind  kind,
                 const char  *role)
{
  if (kind == SUPA_KEY_KIND_PUBLISHABLE)
    return g_strdup (_("Publishable (public)"));
  if (kind == SUPA_KEY_KIND_SECRET)
    return g_strdup (_("Secret — bypasses row level security"));

  if (g_strcmp0 (role, "anon") == 0)
    return g_strdup (_("Anonymous (public)"));
  if (g_strcmp0 (role, "authenticated") == 0)
    return g_strdup (_("Signed-in user"));
  if (g_strcmp0 (role, "service_role") == 0)
    return g_strdup (_("Service role — bypasses row level security"));
  if (g_strcmp0 (role, "supabase_admin") == 0)
    return g_strdup (_("Supabase admin — bypasses row level security"));

  /* Translators: %s is a PostgreSQL role name taken from the key */
  return g_strdup_printf (_("Custom role “%s”"), role);
}

static void
supa_key_info_finalize (GObject *object)
{
  SupaKeyInfo *self = (SupaKeyInfo *) object;

  g_clear_pointer (&self->role, g_free);
  g_clear_pointer (&self->role_label, g_free);
  g_clear_pointer (&self->ref, g_free);
  g_clear_pointer (&self->expires_at, g_date_time_unref);
  g_clear_pointer (&self->issued_at, g_date_time_unref);

  G_OBJECT_CLASS (supa_key_info_parent_class)->finalize (object);
}

static void
supa_key_info_get_property (GObject    *object,
                            guint       prop_id,
                            GValue     *value,
                            GParamSpec *pspec)
{
  SupaKeyInfo *self = SUPA_KEY_INFO (object);

  switch (prop_id)
    {
    case PROP_KIND:
      g_value_set_int (value, self->kind);
      break;
    case PROP_ROLE:
      g_value_set_string (value, self->role);
      break;
    case PROP_ROLE_LABEL:
      g_value_set_string (value, self->role_label);
      break;
    case PROP_BYPASSES_RLS:
      g_value_set_boolean (value, supa_key_info_bypasses_rls (self));
      break;
    case PROP_REF:
      g_value_set_string (value, self->ref);
      break;
    case PROP_EXPIRES_AT:
      g_value_set_boxed (value, self->expires_at);
      break;
    case PROP_ISSUED_AT:
      g_value_set_boxed (value, self->issued_at);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
supa_key_info_class_init (SupaKeyInfoClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = supa_key_info_finalize;
  object_class->get_property = supa_key_info_get_property;

  properties[PROP_KIND] =
    g_param_spec_int ("kind", NULL, NULL,
                      SUPA_KEY_KIND_LEGACY_JWT, SUPA_KEY_KIND_SECRET, SUPA_KEY_KIND_LEGACY_JWT,
                      G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_ROLE] =
    g_param_spec_string ("role", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_ROLE_LABEL] =
    g_param_spec_string ("role-label", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_BYPASSES_RLS] =
    g_param_spec_boolean ("bypasses-rls", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_REF] =
    g_param_spec_string ("ref", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_EXPIRES_AT] =
    g_param_spec_boxed ("expires-at", NULL, NULL, G_TYPE_DATE_TIME,
                        G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_ISSUED_AT] =
    g_param_spec_boxed ("issued-at", NULL, NULL, G_TYPE_DATE_TIME,
                        G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
supa_key_info_init (SupaKeyInfo *self)
{
}

static SupaKeyInfo *
parse_new_format (const char   *key,
                  const char   *prefix,
                  SupaKeyKind   kind,
                  const char   *role,
                  GError      **error)
{
  const char *body = key + strlen (prefix);
  SupaKeyInfo *self;

  if (*body == '\0')
    {
      g_autofree char *reason = NULL;
      /* Translators: %s is a key prefix such as sb_secret_ */
      reason = g_strdup_printf (_("nothing follows the “%s” prefix."), prefix);
      g_propagate_error (error, not_a_key_error (reason));
      return NULL;
    }

  for (const char *p = body; *p; p++)
    if (!is_key_body_char (*p))
      {
        g_propagate_error (error, not_a_key_error (_("it contains characters that do not belong in a key.")));
        return NULL;
      }

  self = g_object_new (SUPA_TYPE_KEY_INFO, NULL);
  self->kind = kind;
  self->role = g_strdup (role);
  self->role_label = make_role_label (kind, role);

  return self;
}

SupaKeyInfo *
supa_key_info_parse (const char  *key,
                     GError     **error)
{
  g_autoptr(JsonParser) parser = NULL;
  g_autofree guchar *payload = NULL;
  g_auto(GStrv) parts = NULL;
  SupaKeyInfo *self;
  JsonObject *claims;
  JsonNode *root;
  JsonNode *role_node;
  const char *ref;
  gsize payload_len = 0;
  guint n_parts;

  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (key == NULL || *key == '\0')
    {
      g_propagate_error (error, not_a_key_error (_("it is empty.")));
      return NULL;
    }

  for (const char *p = key; *p; p++)
    if (g_ascii_isspace (*p))
      {
        g_propagate_error (error, not_a_key_error (_("it contains spaces or line breaks. Copy the key again without them.")));
        return NULL;
      }

  if (g_str_has_prefix (key, PUBLISHABLE_PREFIX))
    return parse_new_format (key, PUBLISHABLE_PREFIX, SUPA_KEY_KIND_PUBLISHABLE, "publishable", error);
  if (g_str_has_prefix (key, SECRET_PREFIX))
    return parse_new_format (key, SECRET_PREFIX, SUPA_KEY_KIND_SECRET, "secret", error);

  parts = g_strsplit (key, ".", -1);
  n_parts = g_strv_length (parts);
  if (n_parts != 3)
    {
      g_autofree char *reason = NULL;

      if (n_parts == 1)
        reason = g_strdup (_("expected a JWT (three parts separated by dots) or a key starting with sb_publishable_ or sb_secret_."));
      else
        /* Translators: %u is the number of dot-separated parts found */
        reason = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                               "a JWT has three parts separated by dots, this has %u.",
                                               "a JWT has three parts separated by dots, this has %u.",
                                               n_parts),
                                  n_parts);
      g_propagate_error (error, not_a_key_error (reason));
      return NULL;
    }

  for (guint i = 0; i < 3; i++)
    {
      if (parts[i][0] == '\0' && i < 2)
        {
          g_propagate_error (error, not_a_key_error (_("a part of the JWT is empty.")));
          return NULL;
        }
      for (const char *p = parts[i]; *p; p++)
        if (!is_base64url_char (*p) && *p != '=')
          {
            g_propagate_error (error, not_a_key_error (_("the JWT contains characters that are not base64url.")));
            return NULL;
          }
    }

  payload = base64url_decode (parts[1], strlen (parts[1]), &payload_len);
  if (payload == NULL || payload_len == 0)
    {
      g_propagate_error (error, not_a_key_error (_("the middle part of the JWT is not valid base64url.")));
      return NULL;
    }

  parser = json_parser_new ();
  if (!g_utf8_validate ((const char *) payload, (gssize) payload_len, NULL) ||
      !json_parser_load_from_data (parser, (const char *) payload, (gssize) payload_len, NULL) ||
      (root = json_parser_get_root (parser)) == NULL ||
      !JSON_NODE_HOLDS_OBJECT (root))
    {
      g_propagate_error (error, not_a_key_error (_("the JWT payload is not a JSON object.")));
      return NULL;
    }

  claims = json_node_get_object (root);
  role_node = json_object_get_member (claims, "role");
  if (role_node == NULL || !JSON_NODE_HOLDS_VALUE (role_node) ||
      json_node_get_value_type (role_node) != G_TYPE_STRING ||
      json_node_get_string (role_node)[0] == '\0')
    {
      g_propagate_error (error, not_a_key_error (_("the JWT has no “role” claim, so it is not a Supabase API key.")));
      return NULL;
    }

  self = g_object_new (SUPA_TYPE_KEY_INFO, NULL);
  self->kind = SUPA_KEY_KIND_LEGACY_JWT;
  self->role = g_strdup (json_node_get_string (role_node));
  self->role_label = make_role_label (self->kind, self->role);
  self->expires_at = claim_to_date_time (claims, "exp");
  self->issued_at = claim_to_date_time (claims, "iat");

  ref = json_object_has_member (claims, "ref") &&
        JSON_NODE_HOLDS_VALUE (json_object_get_member (claims, "ref")) &&
        json_node_get_value_type (json_object_get_member (claims, "ref")) == G_TYPE_STRING
        ? json_object_get_string_member (claims, "ref") : NULL;
  if (ref != NULL && *ref != '\0')
    self->ref = g_strdup (ref);

  return self;
}

SupaKeyKind
supa_key_info_get_kind (SupaKeyInfo *self)
{
  g_return_val_if_fail (SUPA_IS_KEY_INFO (self), SUPA_KEY_KIND_LEGACY_JWT);
  return self->kind;
}

const char *
supa_key_info_get_role (SupaKeyInfo *self)
{
  g_return_val_if_fail (SUPA_IS_KEY_INFO (self), NULL);
  return self->role;
}

const char *
supa_key_info_get_role_label (SupaKeyInfo *self)
{
  g_return_val_if_fail (SUPA_IS_KEY_INFO (self), NULL);
  return self->role_label;
}

gboolean
supa_key_info_bypasses_rls (SupaKeyInfo *self)
{
  g_return_val_if_fail (SUPA_IS_KEY_INFO (self), FALSE);

  return supa_key_role_bypasses_rls (self->role);
}

/**
 * supa_key_role_bypasses_rls:
 * @role: (nullable): a role as returned by supa_key_info_get_role()
 *
 * Returns: %TRUE for "service_role", "supabase_admin" and "secret".
 */
gboolean
supa_key_role_bypasses_rls (const char *role)
{
  return g_strcmp0 (role, "service_role") == 0 ||
         g_strcmp0 (role, "supabase_admin") == 0 ||
         g_strcmp0 (role, "secret") == 0;
}

const char *
supa_key_info_get_ref (SupaKeyInfo *self)
{
  g_return_val_if_fail (SUPA_IS_KEY_INFO (self), NULL);
  return self->ref;
}

GDateTime *
supa_key_info_get_expires_at (SupaKeyInfo *self)
{
  g_return_val_if_fail (SUPA_IS_KEY_INFO (self), NULL);
  return self->expires_at;
}

GDateTime *
supa_key_info_get_issued_at (SupaKeyInfo *self)
{
  g_return_val_if_fail (SUPA_IS_KEY_INFO (self), NULL);
  return self->issued_at;
}

gboolean
supa_key_info_is_expired (SupaKeyInfo *self,
                          GDateTime   *now)
{
  g_autoptr(GDateTime) current = NULL;

  g_return_val_if_fail (SUPA_IS_KEY_INFO (self), FALSE);

  if (self->expires_at == NULL)
    return FALSE;

  if (now == NULL)
    now = current = g_date_time_new_now_utc ();

  return g_date_time_compare (self->expires_at, now) <= 0;
}

char *
supa_key_info_redact (SupaKeyInfo *self)
{
  g_return_val_if_fail (SUPA_IS_KEY_INFO (self), NULL);

  switch (self->kind)
    {
    case SUPA_KEY_KIND_PUBLISHABLE:
      return g_strdup (PUBLISHABLE_PREFIX "…");
    case SUPA_KEY_KIND_SECRET:
      return g_strdup (SECRET_PREFIX "…");
    case SUPA_KEY_KIND_LEGACY_JWT:
    default:
      return g_strdup_printf ("eyJ…(%s)", self->role);
    }
}
