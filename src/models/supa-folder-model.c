/* supa-folder-model.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * One folder of a bucket as a GListModel. The whole folder is kept in
 * memory (an entry is small; folders of tens of thousands of objects are
 * fine) so that every sort order, including size and type which Storage
 * cannot sort by, is done here. Pages are always requested in the server's
 * name order, which is a stable total order for paging; each page is
 * sorted on its own and merged into the sorted rows, and one items-changed
 * covers the merged range. A duplicate name (an object added between two
 * page requests shifts the offsets) is dropped.
 */

#define G_LOG_DOMAIN "Supadesk"

#include "config.h"

#include "supa-folder-model.h"

#include "supa-storage-path.h"

#include <string.h>

/* Storage caps a page at 1500; supabase-js and Studio use 1000. */
#define PAGE_SIZE 1000

typedef struct
{
  SupaObjectInfo *info;
  char           *key;       /* collation key of the name */
  gint64          modified;  /* µs since the epoch, G_MININT64 for none */
  gboolean        is_folder;
} Entry;

struct _SupaFolderModel
{
  GObject          parent_instance;

  SupaStorage     *storage;
  char            *bucket;
  char            *prefix;

  SupaFolderSort   sort;
  gboolean         descending;
  char            *search;

  GPtrArray       *entries;      /* Entry*, in display order */
  GHashTable      *names;        /* name → NULL, the names in @entries */

  GCancellable    *cancellable;
  guint            offset;       /* of the next page */
  gboolean         replace;      /* the next page replaces every row */
  gboolean         loading;
  gboolean         complete;
  GError          *error;
};

static void supa_folder_model_list_model_init (GListModelInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (SupaFolderModel, supa_folder_model, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL,
                                                      supa_folder_model_list_model_init))

G_DEFINE_ENUM_TYPE (SupaFolderSort, supa_folder_sort,
                    G_DEFINE_ENUM_VALUE (SUPA_FOLDER_SORT_NAME, "name"),
                    G_DEFINE_ENUM_VALUE (SUPA_FOLDER_SORT_SIZE, "size"),
                    G_DEFINE_ENUM_VALUE (SUPA_FOLDER_SORT_TYPE, "type"),
                    G_DEFINE_ENUM_VALUE (SUPA_FOLDER_SORT_MODIFIED, "modified"))

enum {
  PROP_0,
  PROP_STORAGE,
  PROP_BUCKET,
  PROP_PREFIX,
  PROP_SORT,
  PROP_DESCENDING,
  PROP_SEARCH,
  PROP_LOADING,
  PROP_COMPLETE,
  PROP_ERROR,
  PROP_N_ITEMS,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void load_page (SupaFolderModel *self);

/* ------------------------------------------------------------------ entries */

static void
entry_free (gpointer data)
{
  Entry *entry = data;

  g_clear_object (&entry->info);
  g_free (entry->key);
  g_free (entry);
}

static Entry *
entry_new (SupaObjectInfo *info)
{
  Entry *entry = g_new0 (Entry, 1);
  GDateTime *updated = supa_object_info_get_updated_at (info);

  entry->info = g_object_ref (info);
  /* Natural order: "file9" before "file10", as in a file manager. */
  entry->key = g_utf8_collate_key_for_filename (supa_object_info_get_name (info), -1);
  entry->is_folder = supa_object_info_get_is_folder (info);
  entry->modified = updated != NULL
    ? g_date_time_to_unix (updated) * G_USEC_PER_SEC + g_date_time_get_microsecond (updated)
    : G_MININT64;
  return entry;
}

static int
cmp_int64 (gint64 a,
           gint64 b)
{
  return a < b ? -1 : a > b ? 1 : 0;
}

static int
compare_entries (const Entry     *a,
                 const Entry     *b,
                 SupaFolderModel *self)
{
  int result = 0;

  if (a->is_folder != b->is_folder)
    return a->is_folder ? -1 : 1;

  /* Folders have no size, type or date: they keep the name order. */
  if (!a->is_folder)
    {
      switch (self->sort)
        {
        case SUPA_FOLDER_SORT_SIZE:
          result = cmp_int64 (supa_object_info_get_size (a->info),
                              supa_object_info_get_size (b->info));
          break;
        case SUPA_FOLDER_SORT_TYPE:
          result = g_strcmp0 (supa_object_info_get_mimetype (a->info),
                              supa_object_info_get_mimetype (b->info));
          break;
        case SUPA_FOLDER_SORT_MODIFIED:
          result = cmp_int64 (a->modified, b->modified);
          break;
        case SUPA_FOLDER_SORT_NAME:
        default:
          break;
        }
    }
  if (result == 0)
    result = strcmp (a->key, b->key);
  if (result == 0)
    result = strcmp (supa_object_info_get_name (a->info), supa_object_info_get_name (b->info));

  return self->descending ? -result : result;
}

static int
compare_entry_ptrs (gconstpointer a,
                    gconstpointer b,
                    gpointer      user_data)
{
  return compare_entries (*(Entry * const *) a, *(Entry * const *) b, user_data);
}

/* -------------------------------------------------------------- properties */

static void
set_loading (SupaFolderModel *self,
             gboolean         loading)
{
  if (self->loading == loading)
    return;
  self->loading = loading;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LOADING]);
}

static void
set_complete (SupaFolderModel *self,
              gboolean         complete)
{
  if (self->complete == complete)
    return;
  self->complete = complete;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_COMPLETE]);
}

/* Takes @error (may be NULL). */
static void
take_error (SupaFolderModel *self,
            GError          *error)
{
  if (self->error == NULL && error == NULL)
    return;
  g_clear_error (&self->error);
  self->error = error;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ERROR]);
}

static void
emit_items_changed (SupaFolderModel *self,
                    guint            position,
                    guint            removed,
                    guint            added)
{
  if (removed == 0 && added == 0)
    return;
  g_list_model_items_changed (G_LIST_MODEL (self), position, removed, added);
  if (removed != added)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_ITEMS]);
}

/* ------------------------------------------------------------------ loading */

/* Sorts @page and merges it into the rows. */
static void
merge_page (SupaFolderModel *self,
            GPtrArray       *page)
{
  g_autoptr(GPtrArray) merged = NULL;
  guint old_len = self->entries->len;
  guint first = G_MAXUINT;
  guint i = 0, j = 0;

  g_ptr_array_sort_with_data (page, compare_entry_ptrs, self);

  merged = g_ptr_array_new_full (old_len + page->len, entry_free);
  while (i < old_len || j < page->len)
    {
      gboolean take_old;

      if (i == old_len)
        take_old = FALSE;
      else if (j == page->len)
        take_old = TRUE;
      else
        take_old = compare_entries (self->entries->pdata[i], page->pdata[j], self) <= 0;

      if (take_old)
        g_ptr_array_add (merged, self->entries->pdata[i++]);
      else
        {
          if (first == G_MAXUINT)
            first = merged->len;
          g_ptr_array_add (merged, page->pdata[j++]);
        }
    }

  /* The entries moved into @merged. */
  g_ptr_array_set_free_func (self->entries, NULL);
  g_ptr_array_set_free_func (page, NULL);
  g_ptr_array_unref (self->entries);
  self->entries = g_steal_pointer (&merged);
  g_ptr_array_set_size (page, 0);

  if (first != G_MAXUINT)
    emit_items_changed (self, first, old_len - first, self->entries->len - first);
}

static void
list_cb (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  SupaFolderModel *self;
  g_autoptr(GPtrArray) items = NULL;
  g_autoptr(GPtrArray) page = NULL;
  g_autoptr(GError) error = NULL;
  gboolean more;

  items = supa_storage_list_finish (SUPA_STORAGE (source), result, &error);
  /* Every request is cancelled before the model goes away (dispose,
   * reload, cancel), so @user_data is only valid when not cancelled. */
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  self = SUPA_FOLDER_MODEL (user_data);
  if (items == NULL)
    {
      g_clear_object (&self->cancellable);
      self->replace = FALSE;
      take_error (self, g_steal_pointer (&error));
      set_loading (self, FALSE);
      return;
    }

  if (self->replace)
    {
      guint old_len = self->entries->len;

      self->replace = FALSE;
      g_hash_table_remove_all (self->names);
      g_ptr_array_set_size (self->entries, 0);
      if (old_len > 0)
        emit_items_changed (self, 0, old_len, 0);
    }

  page = g_ptr_array_new_with_free_func (entry_free);
  for (guint i = 0; i < items->len; i++)
    {
      SupaObjectInfo *info = items->pdata[i];
      const char *name = supa_object_info_get_name (info);

      if (g_hash_table_contains (self->names, name))
        continue;
      g_hash_table_add (self->names, g_strdup (name));
      g_ptr_array_add (page, entry_new (info));
    }
  merge_page (self, page);

  /* The listing hides the empty-folder placeholder, so a full page may come
   * back one short: only a page shorter than that is surely the last. The
   * placeholder still counts for the server's offset. */
  more = items->len + 1 >= PAGE_SIZE;
  if (more)
    {
      self->offset += PAGE_SIZE;
      load_page (self);
      return;
    }

  g_clear_object (&self->cancellable);
  set_complete (self, TRUE);
  set_loading (self, FALSE);
}

static void
load_page (SupaFolderModel *self)
{
  SupaListOptions options = {
    .search = self->search,
    .sort_column = SUPA_SORT_NAME,
    .descending = FALSE,
    .limit = PAGE_SIZE,
    .offset = self->offset,
  };

  /* No reference: a view dropping the model stops the paging (dispose
   * cancels); the callback ignores cancelled requests. */
  supa_storage_list_async (self->storage, self->bucket, self->prefix, &options,
                           self->cancellable, list_cb, self);
}

static void
start_loading (SupaFolderModel *self)
{
  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();
  self->offset = 0;
  self->replace = TRUE;

  g_object_freeze_notify (G_OBJECT (self));
  take_error (self, NULL);
  set_complete (self, FALSE);
  set_loading (self, TRUE);
  g_object_thaw_notify (G_OBJECT (self));

  load_page (self);
}

/* --------------------------------------------------------------- GListModel */

static GType
supa_folder_model_get_item_type (GListModel *model)
{
  return SUPA_TYPE_OBJECT_INFO;
}

static guint
supa_folder_model_get_n_items (GListModel *model)
{
  return SUPA_FOLDER_MODEL (model)->entries->len;
}

static gpointer
supa_folder_model_get_item (GListModel *model,
                            guint       position)
{
  SupaFolderModel *self = SUPA_FOLDER_MODEL (model);
  Entry *entry;

  if (position >= self->entries->len)
    return NULL;
  entry = self->entries->pdata[position];
  return g_object_ref (entry->info);
}

static void
supa_folder_model_list_model_init (GListModelInterface *iface)
{
  iface->get_item_type = supa_folder_model_get_item_type;
  iface->get_n_items = supa_folder_model_get_n_items;
  iface->get_item = supa_folder_model_get_item;
}

/* ------------------------------------------------------------------ GObject */

static void
supa_folder_model_constructed (GObject *object)
{
  SupaFolderModel *self = SUPA_FOLDER_MODEL (object);

  G_OBJECT_CLASS (supa_folder_model_parent_class)->constructed (object);

  g_return_if_fail (SUPA_IS_STORAGE (self->storage));
  g_return_if_fail (self->bucket != NULL);
  start_loading (self);
}

static void
supa_folder_model_dispose (GObject *object)
{
  SupaFolderModel *self = SUPA_FOLDER_MODEL (object);

  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->storage);

  G_OBJECT_CLASS (supa_folder_model_parent_class)->dispose (object);
}

static void
supa_folder_model_finalize (GObject *object)
{
  SupaFolderModel *self = SUPA_FOLDER_MODEL (object);

  g_clear_pointer (&self->entries, g_ptr_array_unref);
  g_clear_pointer (&self->names, g_hash_table_unref);
  g_clear_error (&self->error);
  g_free (self->bucket);
  g_free (self->prefix);
  g_free (self->search);

  G_OBJECT_CLASS (supa_folder_model_parent_class)->finalize (object);
}

static void
supa_folder_model_get_property (GObject    *object,
                                guint       prop_id,
                                GValue     *value,
                                GParamSpec *pspec)
{
  SupaFolderModel *self = SUPA_FOLDER_MODEL (object);

  switch (prop_id)
    {
    case PROP_STORAGE:
      g_value_set_object (value, self->storage);
      break;
    case PROP_BUCKET:
      g_value_set_string (value, self->bucket);
      break;
    case PROP_PREFIX:
      g_value_set_string (value, self->prefix);
      break;
    case PROP_SORT:
      g_value_set_enum (value, self->sort);
      break;
    case PROP_DESCENDING:
      g_value_set_boolean (value, self->descending);
      break;
    case PROP_SEARCH:
      g_value_set_string (value, self->search);
      break;
    case PROP_LOADING:
      g_value_set_boolean (value, self->loading);
      break;
    case PROP_COMPLETE:
      g_value_set_boolean (value, self->complete);
      break;
    case PROP_ERROR:
      g_value_set_boxed (value, self->error);
      break;
    case PROP_N_ITEMS:
      g_value_set_uint (value, self->entries->len);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
supa_folder_model_set_property (GObject      *object,
                                guint         prop_id,
                                const GValue *value,
                                GParamSpec   *pspec)
{
  SupaFolderModel *self = SUPA_FOLDER_MODEL (object);

  switch (prop_id)
    {
    case PROP_STORAGE:
      self->storage = g_value_dup_object (value);
      break;
    case PROP_BUCKET:
      self->bucket = g_value_dup_string (value);
      break;
    case PROP_PREFIX:
      {
        const char *prefix = g_value_get_string (value);
        g_autofree char *normalized = supa_storage_path_normalize (prefix != NULL ? prefix : "", TRUE, NULL);

        /* An invalid prefix is kept as given: the listing reports it. */
        self->prefix = normalized != NULL ? g_steal_pointer (&normalized) : g_strdup (prefix);
      }
      break;
    case PROP_SORT:
      supa_folder_model_set_sort (self, g_value_get_enum (value), self->descending);
      break;
    case PROP_DESCENDING:
      supa_folder_model_set_sort (self, self->sort, g_value_get_boolean (value));
      break;
    case PROP_SEARCH:
      supa_folder_model_set_search (self, g_value_get_string (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
supa_folder_model_class_init (SupaFolderModelClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->constructed = supa_folder_model_constructed;
  object_class->dispose = supa_folder_model_dispose;
  object_class->finalize = supa_folder_model_finalize;
  object_class->get_property = supa_folder_model_get_property;
  object_class->set_property = supa_folder_model_set_property;

  properties[PROP_STORAGE] =
    g_param_spec_object ("storage", NULL, NULL, SUPA_TYPE_STORAGE,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_BUCKET] =
    g_param_spec_string ("bucket", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_PREFIX] =
    g_param_spec_string ("prefix", NULL, NULL, "",
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_SORT] =
    g_param_spec_enum ("sort", NULL, NULL, SUPA_TYPE_FOLDER_SORT, SUPA_FOLDER_SORT_NAME,
                       G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_DESCENDING] =
    g_param_spec_boolean ("descending", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_SEARCH] =
    g_param_spec_string ("search", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_LOADING] =
    g_param_spec_boolean ("loading", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_COMPLETE] =
    g_param_spec_boolean ("complete", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_ERROR] =
    g_param_spec_boxed ("error", NULL, NULL, G_TYPE_ERROR,
                        G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  /* For "N files" labels and empty states. */
  properties[PROP_N_ITEMS] =
    g_param_spec_uint ("n-items", NULL, NULL, 0, G_MAXUINT, 0,
                       G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
supa_folder_model_init (SupaFolderModel *self)
{
  self->entries = g_ptr_array_new_with_free_func (entry_free);
  self->names = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->sort = SUPA_FOLDER_SORT_NAME;
}

/* ------------------------------------------------------------------- public */

/**
 * supa_folder_model_new:
 * @storage: the storage service
 * @bucket: the bucket id
 * @prefix: (nullable): the folder, "" or %NULL for the root
 *
 * Returns: (transfer full): a model that starts loading at once
 */
SupaFolderModel *
supa_folder_model_new (SupaStorage *storage,
                       const char  *bucket,
                       const char  *prefix)
{
  g_return_val_if_fail (SUPA_IS_STORAGE (storage), NULL);
  g_return_val_if_fail (bucket != NULL, NULL);

  return g_object_new (SUPA_TYPE_FOLDER_MODEL,
                       "storage", storage,
                       "bucket", bucket,
                       "prefix", prefix != NULL ? prefix : "",
                       NULL);
}

SupaStorage *
supa_folder_model_get_storage (SupaFolderModel *self)
{
  g_return_val_if_fail (SUPA_IS_FOLDER_MODEL (self), NULL);
  return self->storage;
}

const char *
supa_folder_model_get_bucket (SupaFolderModel *self)
{
  g_return_val_if_fail (SUPA_IS_FOLDER_MODEL (self), NULL);
  return self->bucket;
}

const char *
supa_folder_model_get_prefix (SupaFolderModel *self)
{
  g_return_val_if_fail (SUPA_IS_FOLDER_MODEL (self), NULL);
  return self->prefix;
}

char *
supa_folder_model_dup_path (SupaFolderModel *self,
                            SupaObjectInfo  *item)
{
  g_return_val_if_fail (SUPA_IS_FOLDER_MODEL (self), NULL);
  g_return_val_if_fail (SUPA_IS_OBJECT_INFO (item), NULL);

  return supa_storage_path_join (self->prefix, supa_object_info_get_name (item));
}

SupaFolderSort
supa_folder_model_get_sort (SupaFolderModel *self)
{
  g_return_val_if_fail (SUPA_IS_FOLDER_MODEL (self), SUPA_FOLDER_SORT_NAME);
  return self->sort;
}

gboolean
supa_folder_model_get_descending (SupaFolderModel *self)
{
  g_return_val_if_fail (SUPA_IS_FOLDER_MODEL (self), FALSE);
  return self->descending;
}

/**
 * supa_folder_model_set_sort:
 *
 * Re-sorts the loaded rows in place (no request): one items-changed over
 * every row. Pages still to come merge in the new order.
 */
void
supa_folder_model_set_sort (SupaFolderModel *self,
                            SupaFolderSort   sort,
                            gboolean         descending)
{
  gboolean sort_changed, descending_changed;

  g_return_if_fail (SUPA_IS_FOLDER_MODEL (self));
  g_return_if_fail (sort <= SUPA_FOLDER_SORT_MODIFIED);

  descending = !!descending;
  sort_changed = self->sort != sort;
  descending_changed = self->descending != descending;
  if (!sort_changed && !descending_changed)
    return;

  self->sort = sort;
  self->descending = descending;
  g_ptr_array_sort_with_data (self->entries, compare_entry_ptrs, self);
  if (self->entries->len > 0)
    g_list_model_items_changed (G_LIST_MODEL (self), 0, self->entries->len, self->entries->len);

  if (sort_changed)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SORT]);
  if (descending_changed)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_DESCENDING]);
}

const char *
supa_folder_model_get_search (SupaFolderModel *self)
{
  g_return_val_if_fail (SUPA_IS_FOLDER_MODEL (self), NULL);
  return self->search;
}

/**
 * supa_folder_model_set_search:
 * @search: (nullable): a name prefix; %NULL or "" shows everything
 *
 * Loads the folder again with the server filtering by @search.
 */
void
supa_folder_model_set_search (SupaFolderModel *self,
                              const char      *search)
{
  g_return_if_fail (SUPA_IS_FOLDER_MODEL (self));

  if (search != NULL && *search == '\0')
    search = NULL;
  if (g_strcmp0 (self->search, search) == 0)
    return;

  g_free (self->search);
  self->search = g_strdup (search);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SEARCH]);

  /* Search is not a construct property: this runs after constructed(). */
  start_loading (self);
}

gboolean
supa_folder_model_get_loading (SupaFolderModel *self)
{
  g_return_val_if_fail (SUPA_IS_FOLDER_MODEL (self), FALSE);
  return self->loading;
}

gboolean
supa_folder_model_get_complete (SupaFolderModel *self)
{
  g_return_val_if_fail (SUPA_IS_FOLDER_MODEL (self), FALSE);
  return self->complete;
}

const GError *
supa_folder_model_get_error (SupaFolderModel *self)
{
  g_return_val_if_fail (SUPA_IS_FOLDER_MODEL (self), NULL);
  return self->error;
}

/**
 * supa_folder_model_reload:
 *
 * Loads the folder again from the first page. The current rows stay until
 * the first page arrives, so the view does not flash empty.
 */
void
supa_folder_model_reload (SupaFolderModel *self)
{
  g_return_if_fail (SUPA_IS_FOLDER_MODEL (self));
  start_loading (self);
}

/**
 * supa_folder_model_cancel:
 *
 * Stops loading; the rows loaded so far stay and "complete" stays %FALSE.
 */
void
supa_folder_model_cancel (SupaFolderModel *self)
{
  g_return_if_fail (SUPA_IS_FOLDER_MODEL (self));

  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->replace = FALSE;
  set_loading (self, FALSE);
}
