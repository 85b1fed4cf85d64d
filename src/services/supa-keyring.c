/* supa-keyring.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "Supadesk"

#include "config.h"

#include "supa-keyring.h"
#include "supa-error.h"

#include <glib/gi18n-lib.h>
#include <libsecret/secret.h>

struct _SupaKeyring
{
  GObject parent_instance;
};

G_DEFINE_FINAL_TYPE (SupaKeyring, supa_keyring, G_TYPE_OBJECT)

typedef enum
{
  OP_STORE,
  OP_LOOKUP,
  OP_CLEAR,
} Operation;

typedef struct
{
  Operation   op;
  GHashTable *attributes;
  char       *secret;   /* lookup result, wiped on free */
} OpData;

static void
op_data_free (OpData *data)
{
  g_clear_pointer (&data->attributes, g_hash_table_unref);
  g_clear_pointer (&data->secret, secret_password_free);
  g_free (data);
}

const SecretSchema *
supa_keyring_get_schema (void)
{
  static const SecretSchema schema = {
    SUPA_KEYRING_SCHEMA_NAME, SECRET_SCHEMA_NONE,
    {
      { "profile", SECRET_SCHEMA_ATTRIBUTE_STRING },
      { "kind", SECRET_SCHEMA_ATTRIBUTE_STRING },
      { NULL, 0 },
    },
  };

  return &schema;
}

static GError *
keyring_error (const char *message)
{
  return supa_error_new_full (SUPA_ERROR_KEYRING, 0, 0, NULL, NULL, NULL, message);
}

static GError *
locked_error (void)
{
  return keyring_error (_("The system keyring is locked. Unlock it (for example in Passwords and Keys) and try again."));
}

static gboolean
is_no_service_error (const GError *error)
{
  g_autofree char *remote = NULL;

  if (error->domain == G_DBUS_ERROR)
    {
      switch (error->code)
        {
        case G_DBUS_ERROR_SERVICE_UNKNOWN:
        case G_DBUS_ERROR_NAME_HAS_NO_OWNER:
        case G_DBUS_ERROR_NO_SERVER:
        case G_DBUS_ERROR_SPAWN_EXEC_FAILED:
        case G_DBUS_ERROR_SPAWN_FORK_FAILED:
        case G_DBUS_ERROR_SPAWN_CHILD_EXITED:
        case G_DBUS_ERROR_SPAWN_CHILD_SIGNALED:
        case G_DBUS_ERROR_SPAWN_FAILED:
        case G_DBUS_ERROR_SPAWN_SETUP_FAILED:
        case G_DBUS_ERROR_SPAWN_CONFIG_INVALID:
        case G_DBUS_ERROR_SPAWN_SERVICE_INVALID:
        case G_DBUS_ERROR_SPAWN_SERVICE_NOT_FOUND:
        case G_DBUS_ERROR_SPAWN_PERMISSIONS_INVALID:
        case G_DBUS_ERROR_SPAWN_FILE_INVALID:
        case G_DBUS_ERROR_SPAWN_NO_MEMORY:
        case G_DBUS_ERROR_DISCONNECTED:
        case G_DBUS_ERROR_FILE_NOT_FOUND:
        case G_DBUS_ERROR_ADDRESS_IN_USE:
        case G_DBUS_ERROR_TIMED_OUT:
        case G_DBUS_ERROR_TIMEOUT:
          return TRUE;
        default:
          break;
        }
    }

  if (g_dbus_error_is_remote_error (error))
    {
      remote = g_dbus_error_get_remote_error (error);
      if (g_strcmp0 (remote, "org.freedesktop.DBus.Error.ServiceUnknown") == 0 ||
          g_strcmp0 (remote, "org.freedesktop.DBus.Error.NameHasNoOwner") == 0 ||
          g_str_has_prefix (remote, "org.freedesktop.DBus.Error.Spawn"))
        return TRUE;
    }

  /* No session bus at all (no DBUS_SESSION_BUS_ADDRESS and no way to
   * autolaunch one). */
  if (error->domain == G_IO_ERROR &&
      (error->code == G_IO_ERROR_NOT_FOUND ||
       error->code == G_IO_ERROR_FAILED ||
       error->code == G_IO_ERROR_CONNECTION_REFUSED ||
       error->code == G_IO_ERROR_NOT_SUPPORTED))
    return TRUE;

  return FALSE;
}

static gboolean
is_locked_error (const GError *error)
{
  g_autofree char *remote = NULL;

  if (g_error_matches (error, SECRET_ERROR, SECRET_ERROR_IS_LOCKED))
    return TRUE;

  if (g_dbus_error_is_remote_error (error))
    {
      remote = g_dbus_error_get_remote_error (error);
      return g_strcmp0 (remote, "org.freedesktop.Secret.Error.IsLocked") == 0;
    }

  return FALSE;
}

/**
 * supa_keyring_map_error:
 * @error: an error from libsecret or D-Bus
 * @cancellable: (nullable): the cancellable of the operation
 *
 * Added to the API so callers and tests can map a libsecret error the same
 * way. Cancellation of @cancellable is passed through; a cancellation that
 * did not come from @cancellable means the unlock prompt was dismissed.
 *
 * Returns: (transfer full): a SUPA_ERROR_KEYRING error with an actionable
 *   message, or a copy of a cancellation.
 */
GError *
supa_keyring_map_error (const GError *error,
                        GCancellable *cancellable)
{
  g_autofree char *message = NULL;

  g_return_val_if_fail (error != NULL, NULL);

  if (error->domain == SUPA_ERROR)
    return g_error_copy (error);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      if (cancellable != NULL && g_cancellable_is_cancelled (cancellable))
        return g_error_copy (error);
      return keyring_error (_("The keyring stayed locked because the unlock request was dismissed. Unlock the keyring and try again."));
    }

  if (is_locked_error (error))
    return locked_error ();

  if (g_error_matches (error, SECRET_ERROR, SECRET_ERROR_NO_SUCH_OBJECT))
    return keyring_error (_("The keyring has no default collection to store keys in. Create one (for example a “Login” keyring in Passwords and Keys) and try again."));

  if (is_no_service_error (error))
    return keyring_error (_("No keyring service is running, so API keys cannot be stored safely. Start GNOME Keyring (or another Secret Service provider) and try again."));

  /* Translators: %s is the keyring's own explanation */
  message = g_strdup_printf (_("The system keyring refused the request: %s"), error->message);
  return keyring_error (message);
}

static GHashTable *
make_attributes (const char *profile_id,
                 const char *kind)
{
  GHashTable *attributes = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);

  g_hash_table_insert (attributes, g_strdup ("profile"), g_strdup (profile_id));
  if (kind != NULL)
    g_hash_table_insert (attributes, g_strdup ("kind"), g_strdup (kind));

  return attributes;
}

static void
supa_keyring_class_init (SupaKeyringClass *klass)
{
}

static void
supa_keyring_init (SupaKeyring *self)
{
}

SupaKeyring *
supa_keyring_new (void)
{
  return g_object_new (SUPA_TYPE_KEYRING, NULL);
}

/* Lookup and clear quietly skip locked items (and lookup prompts to unlock
 * where a prompter is available). Afterwards, this tells a locked keyring
 * apart from "nothing stored". */
static void
check_locked_search_cb (GObject      *object,
                        GAsyncResult *result,
                        gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;
  OpData *data = g_task_get_task_data (task);
  GList *items;
  gboolean any_locked = FALSE;

  items = secret_service_search_finish (SECRET_SERVICE (object), result, &error);
  if (error != NULL)
    {
      g_task_return_error (task, supa_keyring_map_error (error, g_task_get_cancellable (task)));
      return;
    }

  for (GList *l = items; l; l = l->next)
    if (secret_item_get_locked (l->data))
      any_locked = TRUE;
  g_list_free_full (items, g_object_unref);

  if (any_locked)
    {
      g_task_return_error (task, locked_error ());
      return;
    }

  if (data->op == OP_LOOKUP)
    g_task_return_pointer (task, g_steal_pointer (&data->secret), (GDestroyNotify) secret_password_free);
  else
    g_task_return_boolean (task, TRUE);
}

static void
check_locked_service_cb (GObject      *object,
                         GAsyncResult *result,
                         gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(SecretService) service = NULL;
  OpData *data = g_task_get_task_data (task);
  GCancellable *cancellable;

  service = secret_service_get_finish (result, &error);
  if (service == NULL)
    {
      g_task_return_error (task, supa_keyring_map_error (error, g_task_get_cancellable (task)));
      return;
    }

  cancellable = g_task_get_cancellable (task);
  secret_service_search (service, supa_keyring_get_schema (), data->attributes,
                         SECRET_SEARCH_ALL, cancellable,
                         check_locked_search_cb, g_steal_pointer (&task));
}

static void
check_locked (GTask *task)
{
  OpData *data = g_task_get_task_data (task);

  /* Inside Flatpak libsecret keeps our secrets in its portal-backed file
   * store, which has no locked state; the host's Secret Service is neither
   * reachable (no talk-name) nor where our items live. */
  if (g_file_test ("/.flatpak-info", G_FILE_TEST_EXISTS))
    {
      if (data->op == OP_LOOKUP)
        g_task_return_pointer (task, g_steal_pointer (&data->secret), (GDestroyNotify) secret_password_free);
      else
        g_task_return_boolean (task, TRUE);
      g_object_unref (task);
      return;
    }

  secret_service_get (SECRET_SERVICE_NONE, g_task_get_cancellable (task),
                      check_locked_service_cb, task);
}

static void
store_cb (GObject      *object,
          GAsyncResult *result,
          gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;

  if (!secret_password_store_finish (result, &error))
    {
      g_task_return_error (task, supa_keyring_map_error (error, g_task_get_cancellable (task)));
      return;
    }

  g_task_return_boolean (task, TRUE);
}

void
supa_keyring_store_async (SupaKeyring         *self,
                          const char          *profile_id,
                          const char          *kind,
                          const char          *label,
                          const char          *secret,
                          GCancellable        *cancellable,
                          GAsyncReadyCallback  callback,
                          gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  OpData *data;

  g_return_if_fail (SUPA_IS_KEYRING (self));
  g_return_if_fail (profile_id != NULL);
  g_return_if_fail (kind != NULL);
  g_return_if_fail (secret != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, supa_keyring_store_async);

  data = g_new0 (OpData, 1);
  data->op = OP_STORE;
  data->attributes = make_attributes (profile_id, kind);
  g_task_set_task_data (task, data, (GDestroyNotify) op_data_free);

  secret_password_storev (supa_keyring_get_schema (), data->attributes,
                          SECRET_COLLECTION_DEFAULT,
                          label ? label : _("Supadesk secret"),
                          secret, cancellable, store_cb, g_steal_pointer (&task));
}

gboolean
supa_keyring_store_finish (SupaKeyring   *self,
                           GAsyncResult  *result,
                           GError       **error)
{
  g_return_val_if_fail (SUPA_IS_KEYRING (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
lookup_cb (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;
  OpData *data = g_task_get_task_data (task);

  data->secret = secret_password_lookup_finish (result, &error);
  if (error != NULL)
    {
      g_task_return_error (task, supa_keyring_map_error (error, g_task_get_cancellable (task)));
      return;
    }

  if (data->secret != NULL)
    {
      g_task_return_pointer (task, g_steal_pointer (&data->secret), (GDestroyNotify) secret_password_free);
      return;
    }

  check_locked (g_steal_pointer (&task));
}

void
supa_keyring_lookup_async (SupaKeyring         *self,
                           const char          *profile_id,
                           const char          *kind,
                           GCancellable        *cancellable,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  OpData *data;

  g_return_if_fail (SUPA_IS_KEYRING (self));
  g_return_if_fail (profile_id != NULL);
  g_return_if_fail (kind != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, supa_keyring_lookup_async);

  data = g_new0 (OpData, 1);
  data->op = OP_LOOKUP;
  data->attributes = make_attributes (profile_id, kind);
  g_task_set_task_data (task, data, (GDestroyNotify) op_data_free);

  secret_password_lookupv (supa_keyring_get_schema (), data->attributes,
                           cancellable, lookup_cb, g_steal_pointer (&task));
}

char *
supa_keyring_lookup_finish (SupaKeyring   *self,
                            GAsyncResult  *result,
                            GError       **error)
{
  g_return_val_if_fail (SUPA_IS_KEYRING (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
clear_cb (GObject      *object,
          GAsyncResult *result,
          gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;

  /* FALSE without an error means nothing unlocked matched: fine, unless
   * locked items are still there, which check_locked() finds out. */
  if (!secret_password_clear_finish (result, &error) && error != NULL)
    {
      g_task_return_error (task, supa_keyring_map_error (error, g_task_get_cancellable (task)));
      return;
    }

  check_locked (g_steal_pointer (&task));
}

void
supa_keyring_clear_async (SupaKeyring         *self,
                          const char          *profile_id,
                          const char          *kind,
                          GCancellable        *cancellable,
                          GAsyncReadyCallback  callback,
                          gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  OpData *data;

  g_return_if_fail (SUPA_IS_KEYRING (self));
  g_return_if_fail (profile_id != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, supa_keyring_clear_async);

  data = g_new0 (OpData, 1);
  data->op = OP_CLEAR;
  data->attributes = make_attributes (profile_id, kind);
  g_task_set_task_data (task, data, (GDestroyNotify) op_data_free);

  secret_password_clearv (supa_keyring_get_schema (), data->attributes,
                          cancellable, clear_cb, g_steal_pointer (&task));
}

gboolean
supa_keyring_clear_finish (SupaKeyring   *self,
                           GAsyncResult  *result,
                           GError       **error)
{
  g_return_val_if_fail (SUPA_IS_KEYRING (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

void
supa_keyring_free_secret (char *secret)
{
  if (secret != NULL)
    secret_password_free (secret);
}
