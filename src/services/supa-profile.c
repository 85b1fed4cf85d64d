/* supa-profile.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "Supadesk"

#include "config.h"

#include "supa-profile.h"
#include "supa-key-info.h"

struct _SupaProfile
{
  GObject  parent_instance;

  char    *id;
  char    *name;
  char    *url;
  char    *role;
  char    *tag;
  char    *color;
};

G_DEFINE_FINAL_TYPE (SupaProfile, supa_profile, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_ID,
  PROP_NAME,
  PROP_URL,
  PROP_ROLE,
  PROP_TAG,
  PROP_COLOR,
  PROP_IS_PRODUCTION,
  PROP_BYPASSES_RLS,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* g_set_str() is GLib 2.76. */
static gboolean
set_str (char       **dest,
         const char  *value)
{
  if (g_strcmp0 (*dest, value) == 0)
    return FALSE;

  g_free (*dest);
  *dest = g_strdup (value);
  return TRUE;
}

/* Empty strings are stored as NULL so "no tag" has one spelling. */
static const char *
nullable (const char *s)
{
  return (s != NULL && *s != '\0') ? s : NULL;
}

static void
supa_profile_finalize (GObject *object)
{
  SupaProfile *self = (SupaProfile *) object;

  g_clear_pointer (&self->id, g_free);
  g_clear_pointer (&self->name, g_free);
  g_clear_pointer (&self->url, g_free);
  g_clear_pointer (&self->role, g_free);
  g_clear_pointer (&self->tag, g_free);
  g_clear_pointer (&self->color, g_free);

  G_OBJECT_CLASS (supa_profile_parent_class)->finalize (object);
}

static void
supa_profile_get_property (GObject    *object,
                           guint       prop_id,
                           GValue     *value,
                           GParamSpec *pspec)
{
  SupaProfile *self = SUPA_PROFILE (object);

  switch (prop_id)
    {
    case PROP_ID:
      g_value_set_string (value, self->id);
      break;
    case PROP_NAME:
      g_value_set_string (value, self->name);
      break;
    case PROP_URL:
      g_value_set_string (value, self->url);
      break;
    case PROP_ROLE:
      g_value_set_string (value, self->role);
      break;
    case PROP_TAG:
      g_value_set_string (value, self->tag);
      break;
    case PROP_COLOR:
      g_value_set_string (value, self->color);
      break;
    case PROP_IS_PRODUCTION:
      g_value_set_boolean (value, supa_profile_is_production (self));
      break;
    case PROP_BYPASSES_RLS:
      g_value_set_boolean (value, supa_profile_bypasses_rls (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
supa_profile_set_property (GObject      *object,
                           guint         prop_id,
                           const GValue *value,
                           GParamSpec   *pspec)
{
  SupaProfile *self = SUPA_PROFILE (object);

  switch (prop_id)
    {
    case PROP_ID:
      self->id = g_value_dup_string (value);
      break;
    case PROP_NAME:
      supa_profile_set_name (self, g_value_get_string (value));
      break;
    case PROP_URL:
      supa_profile_set_url (self, g_value_get_string (value));
      break;
    case PROP_ROLE:
      supa_profile_set_role (self, g_value_get_string (value));
      break;
    case PROP_TAG:
      supa_profile_set_tag (self, g_value_get_string (value));
      break;
    case PROP_COLOR:
      supa_profile_set_color (self, g_value_get_string (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
supa_profile_constructed (GObject *object)
{
  SupaProfile *self = (SupaProfile *) object;

  G_OBJECT_CLASS (supa_profile_parent_class)->constructed (object);

  if (self->id == NULL || *self->id == '\0')
    {
      g_free (self->id);
      self->id = g_uuid_string_random ();
    }
}

static void
supa_profile_class_init (SupaProfileClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = supa_profile_finalize;
  object_class->constructed = supa_profile_constructed;
  object_class->get_property = supa_profile_get_property;
  object_class->set_property = supa_profile_set_property;

  properties[PROP_ID] =
    g_param_spec_string ("id", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_NAME] =
    g_param_spec_string ("name", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_URL] =
    g_param_spec_string ("url", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_ROLE] =
    g_param_spec_string ("role", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_TAG] =
    g_param_spec_string ("tag", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_COLOR] =
    g_param_spec_string ("color", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  /* Added read-only conveniences for bindings. */
  properties[PROP_IS_PRODUCTION] =
    g_param_spec_boolean ("is-production", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_BYPASSES_RLS] =
    g_param_spec_boolean ("bypasses-rls", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
supa_profile_init (SupaProfile *self)
{
}

/**
 * supa_profile_new:
 * @id: (nullable): the profile id; %NULL makes a new random UUID
 */
SupaProfile *
supa_profile_new (const char *id)
{
  return g_object_new (SUPA_TYPE_PROFILE, "id", id, NULL);
}

/**
 * supa_profile_copy:
 * @new_id: (nullable): the id of the copy; %NULL keeps @self's id (an
 *   editable copy to save back), "" makes a new one
 */
SupaProfile *
supa_profile_copy (SupaProfile *self,
                   const char  *new_id)
{
  g_return_val_if_fail (SUPA_IS_PROFILE (self), NULL);

  return g_object_new (SUPA_TYPE_PROFILE,
                       "id", new_id ? new_id : self->id,
                       "name", self->name,
                       "url", self->url,
                       "role", self->role,
                       "tag", self->tag,
                       "color", self->color,
                       NULL);
}

const char *
supa_profile_get_id (SupaProfile *self)
{
  g_return_val_if_fail (SUPA_IS_PROFILE (self), NULL);
  return self->id;
}

const char *
supa_profile_get_name (SupaProfile *self)
{
  g_return_val_if_fail (SUPA_IS_PROFILE (self), NULL);
  return self->name;
}

void
supa_profile_set_name (SupaProfile *self,
                       const char  *name)
{
  g_return_if_fail (SUPA_IS_PROFILE (self));

  if (set_str (&self->name, nullable (name)))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_NAME]);
}

const char *
supa_profile_get_url (SupaProfile *self)
{
  g_return_val_if_fail (SUPA_IS_PROFILE (self), NULL);
  return self->url;
}

void
supa_profile_set_url (SupaProfile *self,
                      const char  *url)
{
  g_return_if_fail (SUPA_IS_PROFILE (self));

  if (set_str (&self->url, nullable (url)))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_URL]);
}

const char *
supa_profile_get_role (SupaProfile *self)
{
  g_return_val_if_fail (SUPA_IS_PROFILE (self), NULL);
  return self->role;
}

void
supa_profile_set_role (SupaProfile *self,
                       const char  *role)
{
  gboolean bypassed;

  g_return_if_fail (SUPA_IS_PROFILE (self));

  bypassed = supa_profile_bypasses_rls (self);
  if (set_str (&self->role, nullable (role)))
    {
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ROLE]);
      if (bypassed != supa_profile_bypasses_rls (self))
        g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_BYPASSES_RLS]);
    }
}

const char *
supa_profile_get_tag (SupaProfile *self)
{
  g_return_val_if_fail (SUPA_IS_PROFILE (self), NULL);
  return self->tag;
}

void
supa_profile_set_tag (SupaProfile *self,
                      const char  *tag)
{
  gboolean was_production;

  g_return_if_fail (SUPA_IS_PROFILE (self));

  was_production = supa_profile_is_production (self);
  if (set_str (&self->tag, nullable (tag)))
    {
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TAG]);
      if (was_production != supa_profile_is_production (self))
        g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_IS_PRODUCTION]);
    }
}

const char *
supa_profile_get_color (SupaProfile *self)
{
  g_return_val_if_fail (SUPA_IS_PROFILE (self), NULL);
  return self->color;
}

void
supa_profile_set_color (SupaProfile *self,
                        const char  *color)
{
  g_return_if_fail (SUPA_IS_PROFILE (self));

  if (set_str (&self->color, nullable (color)))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_COLOR]);
}

gboolean
supa_profile_is_production (SupaProfile *self)
{
  g_return_val_if_fail (SUPA_IS_PROFILE (self), FALSE);

  return self->tag != NULL && g_ascii_strcasecmp (self->tag, SUPA_PROFILE_TAG_PRODUCTION) == 0;
}

gboolean
supa_profile_bypasses_rls (SupaProfile *self)
{
  g_return_val_if_fail (SUPA_IS_PROFILE (self), FALSE);

  return supa_key_role_bypasses_rls (self->role);
}
