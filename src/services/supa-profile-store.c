/* supa-profile-store.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "Supadesk"

#include "config.h"

#include "supa-profile-store.h"
#include "supa-error.h"
#include "supa-key-info.h"

#include <errno.h>
#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>
#include <string.h>

#define GROUP_PREFIX "profile "

struct _SupaProfileStore
{
  GObject      parent_instance;

  char        *path;
  SupaKeyring *keyring;
  GPtrArray   *profiles;     /* of SupaProfile, sorted by name */
  guint        load_failed : 1;
};

static void list_model_iface_init (GListModelInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (SupaProfileStore, supa_profile_store, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL, list_model_iface_init))

enum {
  PROP_0,
  PROP_PATH,
  PROP_KEYRING,
  PROP_N_ITEMS,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

typedef struct
{
  SupaProfile *profile;
  char        *api_key;
  char        *role;      /* parsed from api_key */
} SaveData;

static void
wipe_free (char *s)
{
  if (s != NULL)
    {
      explicit_bzero (s, strlen (s));
      g_free (s);
    }
}

static void
save_data_free (SaveData *data)
{
  g_clear_object (&data->profile);
  g_clear_pointer (&data->api_key, wipe_free);
  g_clear_pointer (&data->role, g_free);
  g_free (data);
}

static int
compare_profiles (SupaProfile *a,
                  SupaProfile *b)
{
  g_autofree char *fa = g_utf8_casefold (supa_profile_get_name (a) ? supa_profile_get_name (a) : "", -1);
  g_autofree char *fb = g_utf8_casefold (supa_profile_get_name (b) ? supa_profile_get_name (b) : "", -1);
  int res = g_utf8_collate (fa, fb);

  if (res == 0)
    res = g_strcmp0 (supa_profile_get_id (a), supa_profile_get_id (b));

  return res;
}

static int
compare_profile_ptrs (gconstpointer a,
                      gconstpointer b)
{
  return compare_profiles (*(SupaProfile **) a, *(SupaProfile **) b);
}

static guint
sorted_position (SupaProfileStore *self,
                 SupaProfile      *profile)
{
  guint i;

  for (i = 0; i < self->profiles->len; i++)
    if (compare_profiles (profile, g_ptr_array_index (self->profiles, i)) < 0)
      break;

  return i;
}

static gboolean
find_index_by_id (SupaProfileStore *self,
                  const char       *id,
                  guint            *index)
{
  for (guint i = 0; i < self->profiles->len; i++)
    if (g_strcmp0 (supa_profile_get_id (g_ptr_array_index (self->profiles, i)), id) == 0)
      {
        if (index)
          *index = i;
        return TRUE;
      }

  return FALSE;
}

static void
emit_items_changed (SupaProfileStore *self,
                    guint             position,
                    guint             removed,
                    guint             added)
{
  g_list_model_items_changed (G_LIST_MODEL (self), position, removed, added);
  if (removed != added)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_ITEMS]);
}

static void
keyfile_add_profile (GKeyFile    *keyfile,
                     SupaProfile *profile)
{
  g_autofree char *group = g_strconcat (GROUP_PREFIX, supa_profile_get_id (profile), NULL);
  struct { const char *key; const char *value; } fields[] = {
    { "Name",  supa_profile_get_name (profile) },
    { "Url",   supa_profile_get_url (profile) },
    { "Role",  supa_profile_get_role (profile) },
    { "Tag",   supa_profile_get_tag (profile) },
    { "Color", supa_profile_get_color (profile) },
  };

  for (guint i = 0; i < G_N_ELEMENTS (fields); i++)
    if (fields[i].value != NULL)
      g_key_file_set_string (keyfile, group, fields[i].key, fields[i].value);
}

/* Writes the profiles as they will be after a change: @replacement takes
 * the place of the profile with the same id (or is added), and @removed_id
 * is left out. Only a successful write lets the caller touch the model, so
 * the file and the list never disagree. */
static gboolean
write_profiles (SupaProfileStore  *self,
                SupaProfile       *replacement,
                const char        *removed_id,
                GError           **error)
{
  g_autoptr(GKeyFile) keyfile = g_key_file_new ();
  g_autoptr(GError) local_error = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *data = NULL;
  gboolean replaced = FALSE;
  gsize len = 0;

  for (guint i = 0; i < self->profiles->len; i++)
    {
      SupaProfile *profile = g_ptr_array_index (self->profiles, i);
      const char *id = supa_profile_get_id (profile);

      if (removed_id != NULL && g_strcmp0 (id, removed_id) == 0)
        continue;

      if (replacement != NULL && g_strcmp0 (id, supa_profile_get_id (replacement)) == 0)
        {
          keyfile_add_profile (keyfile, replacement);
          replaced = TRUE;
        }
      else
        keyfile_add_profile (keyfile, profile);
    }

  if (replacement != NULL && !replaced)
    keyfile_add_profile (keyfile, replacement);

  data = g_key_file_to_data (keyfile, &len, NULL);

  dir = g_path_get_dirname (self->path);
  if (g_mkdir_with_parents (dir, 0700) != 0)
    {
      int saved_errno = errno;
      g_autofree char *message = NULL;

      /* Translators: %s is a folder, then the system's explanation */
      message = g_strdup_printf (_("Could not create the folder %s: %s"), dir, g_strerror (saved_errno));
      g_propagate_error (error, supa_error_new_full (SUPA_ERROR_INVALID_INPUT, 0, 0, NULL, NULL, NULL, message));
      return FALSE;
    }

  /* Keep a file we could not read instead of silently replacing it. */
  if (self->load_failed)
    {
      g_autofree char *backup = g_strconcat (self->path, ".corrupt", NULL);
      if (g_rename (self->path, backup) == 0)
        g_warning ("Unreadable profile list moved to %s", backup);
    }

  if (!g_file_set_contents_full (self->path, data, (gssize) len,
                                 G_FILE_SET_CONTENTS_CONSISTENT, 0600, &local_error))
    {
      g_autofree char *message = NULL;

      /* Translators: %s is the system's explanation */
      message = g_strdup_printf (_("Could not save the connection profiles: %s"), local_error->message);
      g_propagate_error (error, supa_error_new_full (SUPA_ERROR_INVALID_INPUT, 0, 0, NULL, NULL, NULL, message));
      return FALSE;
    }

  self->load_failed = FALSE;
  return TRUE;
}

static GError *
name_conflict_error (const char *name)
{
  g_autofree char *message = NULL;

  /* Translators: %s is a connection profile name */
  message = g_strdup_printf (_("A connection named “%s” already exists. Choose another name."), name);
  return supa_error_new_full (SUPA_ERROR_CONFLICT, 0, 0, NULL, NULL, NULL, message);
}

static gboolean
check_profile (SupaProfileStore  *self,
               SupaProfile       *profile,
               GError           **error)
{
  const char *name = supa_profile_get_name (profile);
  SupaProfile *other;

  if (name == NULL || *name == '\0')
    {
      g_propagate_error (error, supa_error_new_full (SUPA_ERROR_INVALID_INPUT, 0, 0, NULL, NULL, NULL,
                                                     _("Give the connection a name.")));
      return FALSE;
    }

  if (supa_profile_get_url (profile) == NULL)
    {
      g_propagate_error (error, supa_error_new_full (SUPA_ERROR_INVALID_INPUT, 0, 0, NULL, NULL, NULL,
                                                     _("Enter the URL of the project.")));
      return FALSE;
    }

  other = supa_profile_store_find_by_name (self, name);
  if (other != NULL && g_strcmp0 (supa_profile_get_id (other), supa_profile_get_id (profile)) != 0)
    {
      g_propagate_error (error, name_conflict_error (name));
      return FALSE;
    }

  return TRUE;
}

/* Puts @profile (already written to disk) into the model. */
static SupaProfile *
commit_profile (SupaProfileStore *self,
                SupaProfile      *profile)
{
  SupaProfile *existing;
  guint old_pos, new_pos;

  if (!find_index_by_id (self, supa_profile_get_id (profile), &old_pos))
    {
      new_pos = sorted_position (self, profile);
      g_ptr_array_insert (self->profiles, (int) new_pos, g_object_ref (profile));
      emit_items_changed (self, new_pos, 0, 1);
      return profile;
    }

  existing = g_ptr_array_steal_index (self->profiles, old_pos);

  if (existing != profile)
    {
      /* Profiles are matched by id: views bound to the object in the model
       * see the edit made on a copy. */
      g_object_freeze_notify (G_OBJECT (existing));
      supa_profile_set_name (existing, supa_profile_get_name (profile));
      supa_profile_set_url (existing, supa_profile_get_url (profile));
      supa_profile_set_role (existing, supa_profile_get_role (profile));
      supa_profile_set_tag (existing, supa_profile_get_tag (profile));
      supa_profile_set_color (existing, supa_profile_get_color (profile));
      g_object_thaw_notify (G_OBJECT (existing));
    }

  new_pos = sorted_position (self, existing);
  g_ptr_array_insert (self->profiles, (int) new_pos, existing);

  if (new_pos != old_pos)
    {
      emit_items_changed (self, old_pos, 1, 0);
      emit_items_changed (self, new_pos, 0, 1);
    }

  return existing;
}

/* ------------------------------------------------------------------------ */

static GType
list_model_get_item_type (GListModel *model)
{
  return SUPA_TYPE_PROFILE;
}

static guint
list_model_get_n_items (GListModel *model)
{
  return SUPA_PROFILE_STORE (model)->profiles->len;
}

static gpointer
list_model_get_item (GListModel *model,
                     guint       position)
{
  SupaProfileStore *self = SUPA_PROFILE_STORE (model);

  if (position >= self->profiles->len)
    return NULL;

  return g_object_ref (g_ptr_array_index (self->profiles, position));
}

static void
list_model_iface_init (GListModelInterface *iface)
{
  iface->get_item_type = list_model_get_item_type;
  iface->get_n_items = list_model_get_n_items;
  iface->get_item = list_model_get_item;
}

static void
supa_profile_store_dispose (GObject *object)
{
  SupaProfileStore *self = (SupaProfileStore *) object;

  g_clear_object (&self->keyring);
  if (self->profiles)
    g_ptr_array_set_size (self->profiles, 0);

  G_OBJECT_CLASS (supa_profile_store_parent_class)->dispose (object);
}

static void
supa_profile_store_finalize (GObject *object)
{
  SupaProfileStore *self = (SupaProfileStore *) object;

  g_clear_pointer (&self->path, g_free);
  g_clear_pointer (&self->profiles, g_ptr_array_unref);

  G_OBJECT_CLASS (supa_profile_store_parent_class)->finalize (object);
}

static void
supa_profile_store_get_property (GObject    *object,
                                 guint       prop_id,
                                 GValue     *value,
                                 GParamSpec *pspec)
{
  SupaProfileStore *self = SUPA_PROFILE_STORE (object);

  switch (prop_id)
    {
    case PROP_PATH:
      g_value_set_string (value, self->path);
      break;
    case PROP_KEYRING:
      g_value_set_object (value, self->keyring);
      break;
    case PROP_N_ITEMS:
      g_value_set_uint (value, self->profiles->len);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
supa_profile_store_set_property (GObject      *object,
                                 guint         prop_id,
                                 const GValue *value,
                                 GParamSpec   *pspec)
{
  SupaProfileStore *self = SUPA_PROFILE_STORE (object);

  switch (prop_id)
    {
    case PROP_PATH:
      self->path = g_value_dup_string (value);
      break;
    case PROP_KEYRING:
      self->keyring = g_value_dup_object (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
supa_profile_store_constructed (GObject *object)
{
  SupaProfileStore *self = (SupaProfileStore *) object;

  G_OBJECT_CLASS (supa_profile_store_parent_class)->constructed (object);

  if (self->path == NULL)
    self->path = g_build_filename (g_get_user_config_dir (), "supadesk", "profiles.ini", NULL);
  if (self->keyring == NULL)
    self->keyring = supa_keyring_new ();
}

static void
supa_profile_store_class_init (SupaProfileStoreClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = supa_profile_store_dispose;
  object_class->finalize = supa_profile_store_finalize;
  object_class->constructed = supa_profile_store_constructed;
  object_class->get_property = supa_profile_store_get_property;
  object_class->set_property = supa_profile_store_set_property;

  properties[PROP_PATH] =
    g_param_spec_string ("path", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_KEYRING] =
    g_param_spec_object ("keyring", NULL, NULL, SUPA_TYPE_KEYRING,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_N_ITEMS] =
    g_param_spec_uint ("n-items", NULL, NULL, 0, G_MAXUINT, 0,
                       G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
supa_profile_store_init (SupaProfileStore *self)
{
  self->profiles = g_ptr_array_new_with_free_func (g_object_unref);
}

/* ------------------------------------------------------------------------ */

SupaProfileStore *
supa_profile_store_new (const char  *path,
                        SupaKeyring *keyring)
{
  g_return_val_if_fail (keyring == NULL || SUPA_IS_KEYRING (keyring), NULL);

  return g_object_new (SUPA_TYPE_PROFILE_STORE,
                       "path", path,
                       "keyring", keyring,
                       NULL);
}

gboolean
supa_profile_store_load (SupaProfileStore  *self,
                         GError           **error)
{
  g_autoptr(GKeyFile) keyfile = g_key_file_new ();
  g_autoptr(GError) local_error = NULL;
  g_autoptr(GPtrArray) loaded = NULL;
  g_auto(GStrv) groups = NULL;
  guint old_len;

  g_return_val_if_fail (SUPA_IS_PROFILE_STORE (self), FALSE);

  if (!g_key_file_load_from_file (keyfile, self->path, G_KEY_FILE_NONE, &local_error))
    {
      g_autofree char *message = NULL;

      if (g_error_matches (local_error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
        {
          self->load_failed = FALSE;
          return TRUE;
        }

      self->load_failed = TRUE;
      /* Translators: the first %s is a file, the second the reason */
      message = g_strdup_printf (_("The saved connections in %s could not be read: %s"),
                                 self->path, local_error->message);
      g_propagate_error (error, supa_error_new_full (SUPA_ERROR_INVALID_INPUT, 0, 0, NULL, NULL, NULL, message));
      return FALSE;
    }

  loaded = g_ptr_array_new_with_free_func (g_object_unref);
  groups = g_key_file_get_groups (keyfile, NULL);

  for (guint i = 0; groups[i] != NULL; i++)
    {
      const char *group = groups[i];
      const char *id;
      g_autofree char *name = NULL;
      g_autofree char *url = NULL;
      g_autofree char *role = NULL;
      g_autofree char *tag = NULL;
      g_autofree char *color = NULL;
      SupaProfile *profile;

      if (!g_str_has_prefix (group, GROUP_PREFIX))
        continue;

      id = group + strlen (GROUP_PREFIX);
      if (*id == '\0')
        continue;

      name = g_key_file_get_string (keyfile, group, "Name", NULL);
      url = g_key_file_get_string (keyfile, group, "Url", NULL);
      role = g_key_file_get_string (keyfile, group, "Role", NULL);
      tag = g_key_file_get_string (keyfile, group, "Tag", NULL);
      color = g_key_file_get_string (keyfile, group, "Color", NULL);

      profile = supa_profile_new (id);
      supa_profile_set_name (profile, name ? name : (url ? url : id));
      supa_profile_set_url (profile, url);
      supa_profile_set_role (profile, role);
      supa_profile_set_tag (profile, tag);
      supa_profile_set_color (profile, color);
      g_ptr_array_add (loaded, profile);
    }

  g_ptr_array_sort (loaded, compare_profile_ptrs);

  old_len = self->profiles->len;
  g_ptr_array_unref (self->profiles);
  self->profiles = g_steal_pointer (&loaded);
  self->load_failed = FALSE;

  if (old_len > 0 || self->profiles->len > 0)
    emit_items_changed (self, 0, old_len, self->profiles->len);

  return TRUE;
}

SupaKeyring *
supa_profile_store_get_keyring (SupaProfileStore *self)
{
  g_return_val_if_fail (SUPA_IS_PROFILE_STORE (self), NULL);
  return self->keyring;
}

SupaProfile *
supa_profile_store_find_by_id (SupaProfileStore *self,
                               const char       *id)
{
  guint index;

  g_return_val_if_fail (SUPA_IS_PROFILE_STORE (self), NULL);

  if (id == NULL || !find_index_by_id (self, id, &index))
    return NULL;

  return g_ptr_array_index (self->profiles, index);
}

SupaProfile *
supa_profile_store_find_by_name (SupaProfileStore *self,
                                 const char       *name)
{
  g_autofree char *folded = NULL;

  g_return_val_if_fail (SUPA_IS_PROFILE_STORE (self), NULL);

  if (name == NULL)
    return NULL;

  folded = g_utf8_casefold (name, -1);

  for (guint i = 0; i < self->profiles->len; i++)
    {
      SupaProfile *profile = g_ptr_array_index (self->profiles, i);
      g_autofree char *other = g_utf8_casefold (supa_profile_get_name (profile) ? supa_profile_get_name (profile) : "", -1);

      if (strcmp (folded, other) == 0)
        return profile;
    }

  return NULL;
}

/* --- save ---------------------------------------------------------------- */

static void
save_commit (GTask *task)
{
  SupaProfileStore *self = g_task_get_source_object (task);
  SaveData *data = g_task_get_task_data (task);
  g_autoptr(SupaProfile) effective = NULL;
  g_autoptr(GError) error = NULL;

  /* The caller's object is only touched once everything succeeded. */
  effective = supa_profile_copy (data->profile, NULL);
  if (data->role != NULL)
    supa_profile_set_role (effective, data->role);

  /* Another save may have taken the name while the keyring was busy. */
  if (!check_profile (self, effective, &error) ||
      !write_profiles (self, effective, NULL, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  if (data->role != NULL)
    supa_profile_set_role (data->profile, data->role);
  commit_profile (self, data->profile);
  g_task_return_boolean (task, TRUE);
}

static void
save_store_key_cb (GObject      *object,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;

  if (!supa_keyring_store_finish (SUPA_KEYRING (object), result, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  save_commit (task);
}

void
supa_profile_store_save_async (SupaProfileStore    *self,
                               SupaProfile         *profile,
                               const char          *api_key,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *label = NULL;
  SaveData *data;

  g_return_if_fail (SUPA_IS_PROFILE_STORE (self));
  g_return_if_fail (SUPA_IS_PROFILE (profile));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, supa_profile_store_save_async);

  data = g_new0 (SaveData, 1);
  data->profile = g_object_ref (profile);
  data->api_key = g_strdup (api_key);
  g_task_set_task_data (task, data, (GDestroyNotify) save_data_free);

  if (!check_profile (self, profile, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  if (api_key == NULL)
    {
      save_commit (task);
      return;
    }

  /* The role shown in the list is the one of the key being saved. */
  {
    g_autoptr(SupaKeyInfo) info = supa_key_info_parse (api_key, NULL);
    if (info != NULL)
      data->role = g_strdup (supa_key_info_get_role (info));
  }

  /* Translators: the label of the keyring item; %s is the connection name */
  label = g_strdup_printf (_("Supadesk API key for “%s”"), supa_profile_get_name (profile));
  supa_keyring_store_async (self->keyring, supa_profile_get_id (profile),
                            SUPA_SECRET_API_KEY, label, api_key, cancellable,
                            save_store_key_cb, g_steal_pointer (&task));
}

gboolean
supa_profile_store_save_finish (SupaProfileStore  *self,
                                GAsyncResult      *result,
                                GError           **error)
{
  g_return_val_if_fail (SUPA_IS_PROFILE_STORE (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/* --- remove -------------------------------------------------------------- */

static void
remove_clear_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;
  SupaProfileStore *self = g_task_get_source_object (task);
  SupaProfile *profile = g_task_get_task_data (task);
  const char *id = supa_profile_get_id (profile);
  guint index;

  if (!supa_keyring_clear_finish (SUPA_KEYRING (object), result, &error))
    {
      if (error->domain == SUPA_ERROR)
        /* Translators: %s is a connection name; the keyring's message follows */
        g_prefix_error (&error, _("The connection “%s” was kept because its secrets could not be removed. "),
                        supa_profile_get_name (profile));
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  if (!find_index_by_id (self, id, &index))
    {
      g_task_return_boolean (task, TRUE);
      return;
    }

  if (!write_profiles (self, NULL, id, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  /* The id may have moved while the keyring was busy. */
  if (find_index_by_id (self, id, &index))
    {
      g_ptr_array_remove_index (self->profiles, index);
      emit_items_changed (self, index, 1, 0);
    }

  g_task_return_boolean (task, TRUE);
}

void
supa_profile_store_remove_async (SupaProfileStore    *self,
                                 SupaProfile         *profile,
                                 GCancellable        *cancellable,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (SUPA_IS_PROFILE_STORE (self));
  g_return_if_fail (SUPA_IS_PROFILE (profile));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, supa_profile_store_remove_async);
  g_task_set_task_data (task, g_object_ref (profile), g_object_unref);

  supa_keyring_clear_async (self->keyring, supa_profile_get_id (profile), NULL,
                            cancellable, remove_clear_cb, g_steal_pointer (&task));
}

gboolean
supa_profile_store_remove_finish (SupaProfileStore  *self,
                                  GAsyncResult      *result,
                                  GError           **error)
{
  g_return_val_if_fail (SUPA_IS_PROFILE_STORE (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/* --- duplicate ----------------------------------------------------------- */

static char *
free_copy_name (SupaProfileStore *self,
                const char       *name)
{
  /* Translators: the name of a duplicated connection; %s is the original name */
  char *candidate = g_strdup_printf (_("%s (copy)"), name ? name : "");

  for (guint n = 2; supa_profile_store_find_by_name (self, candidate) != NULL; n++)
    {
      g_free (candidate);
      /* Translators: the name of a further duplicate; %s is the original name, %u a number from 2 */
      candidate = g_strdup_printf (_("%s (copy %u)"), name ? name : "", n);
    }

  return candidate;
}

static void
duplicate_save_cb (GObject      *object,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;
  SupaProfileStore *self = SUPA_PROFILE_STORE (object);
  SupaProfile *copy = g_task_get_task_data (task);

  if (!supa_profile_store_save_finish (self, result, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  g_task_return_pointer (task, g_object_ref (copy), g_object_unref);
}

static void
duplicate_lookup_cb (GObject      *object,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;
  SupaProfileStore *self = g_task_get_source_object (task);
  SupaProfile *copy = g_task_get_task_data (task);
  GCancellable *cancellable;
  char *key;

  key = supa_keyring_lookup_finish (SUPA_KEYRING (object), result, &error);
  if (error != NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  /* Save copies the key at once; wipe ours right after. */
  cancellable = g_task_get_cancellable (task);
  supa_profile_store_save_async (self, copy, key, cancellable,
                                 duplicate_save_cb, g_steal_pointer (&task));
  supa_keyring_free_secret (key);
}

void
supa_profile_store_duplicate_async (SupaProfileStore    *self,
                                    SupaProfile         *profile,
                                    GCancellable        *cancellable,
                                    GAsyncReadyCallback  callback,
                                    gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autofree char *name = NULL;
  SupaProfile *copy;

  g_return_if_fail (SUPA_IS_PROFILE_STORE (self));
  g_return_if_fail (SUPA_IS_PROFILE (profile));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, supa_profile_store_duplicate_async);

  copy = supa_profile_copy (profile, "");
  name = free_copy_name (self, supa_profile_get_name (profile));
  supa_profile_set_name (copy, name);
  g_task_set_task_data (task, copy, g_object_unref);

  supa_keyring_lookup_async (self->keyring, supa_profile_get_id (profile),
                             SUPA_SECRET_API_KEY, cancellable,
                             duplicate_lookup_cb, g_steal_pointer (&task));
}

SupaProfile *
supa_profile_store_duplicate_finish (SupaProfileStore  *self,
                                     GAsyncResult      *result,
                                     GError           **error)
{
  g_return_val_if_fail (SUPA_IS_PROFILE_STORE (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/* --- lookup key ---------------------------------------------------------- */

static void
lookup_key_cb (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;
  SupaProfile *profile = g_task_get_task_data (task);
  char *key;

  key = supa_keyring_lookup_finish (SUPA_KEYRING (object), result, &error);
  if (error != NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  if (key == NULL)
    {
      g_autofree char *message = NULL;

      /* Translators: %s is a connection name */
      message = g_strdup_printf (_("No API key is stored for “%s”. Edit the connection and enter the key again."),
                                 supa_profile_get_name (profile));
      g_task_return_error (task, supa_error_new_full (SUPA_ERROR_KEYRING, 0, 0, NULL, NULL, NULL, message));
      return;
    }

  g_task_return_pointer (task, key, (GDestroyNotify) supa_keyring_free_secret);
}

void
supa_profile_store_lookup_key_async (SupaProfileStore    *self,
                                     SupaProfile         *profile,
                                     GCancellable        *cancellable,
                                     GAsyncReadyCallback  callback,
                                     gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (SUPA_IS_PROFILE_STORE (self));
  g_return_if_fail (SUPA_IS_PROFILE (profile));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, supa_profile_store_lookup_key_async);
  g_task_set_task_data (task, g_object_ref (profile), g_object_unref);

  supa_keyring_lookup_async (self->keyring, supa_profile_get_id (profile),
                             SUPA_SECRET_API_KEY, cancellable,
                             lookup_key_cb, g_steal_pointer (&task));
}

char *
supa_profile_store_lookup_key_finish (SupaProfileStore  *self,
                                      GAsyncResult      *result,
                                      GError           **error)
{
  g_return_val_if_fail (SUPA_IS_PROFILE_STORE (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}
