/* supa-bucket-browser.c — the Storage section: buckets and their files
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "supa-bucket-browser"

#include "config.h"

#include <string.h>
#include <glib/gi18n.h>

#include "supa-bucket-browser.h"
#include "supa-bucket-dialog.h"
#include "supa-error.h"
#include "supa-file-preview.h"
#include "supa-resources.h"
#include "supa-storage-path.h"
#include "supa-transfer-list.h"
#include "supa-upload.h"

#define PLACEHOLDER_NAME   ".emptyFolderPlaceholder"
#define BATCH_NOTIFY_MSEC  10000
#define REMOVE_BATCH_SIZE  100

typedef struct
{
  SupaBucketBrowser *self;
  SupaFolderSort     sort;
} SortProbe;

struct _SupaBucketBrowser
{
  GtkWidget           parent_instance;

  SupaClient         *client;
  SupaProfile        *profile;
  SupaStorage        *storage;
  SupaTransferQueue  *queue;
  GCancellable       *cancellable;        /* per client: child of the window's */
  gulong              cancel_handler;
  GCancellable       *parent_cancellable;
  GListStore         *buckets;
  gboolean            loading_buckets;
  char               *pending_bucket;     /* reselect after a reload */

  SupaBucket         *bucket;
  char               *prefix;
  SupaFolderModel    *folder_model;
  GtkMultiSelection  *selection;
  guint               reload_id;
  guint               busy;
  gint64              batch_started;
  guint               batch_uploads;      /* finished this batch, by kind */
  guint               batch_downloads;
  guint               notify_threshold;   /* msec a batch must take to notify */
  SortProbe           probes[4];
  SupaFolderSort      probe_hit;
  gboolean            probe_called;
  gboolean            syncing;

  AdwToastOverlay    *toast_overlay;
  GtkSpinner         *buckets_spinner;
  GtkListBox         *bucket_list;
  GtkBox             *path_bar;
  GtkSearchEntry     *search_entry;
  SupaTransferList   *transfer_list;
  GtkStack           *content_stack;
  GtkSpinner         *loading_spinner;
  AdwStatusPage      *error_page;
  AdwStatusPage      *empty_page;
  GtkScrolledWindow  *files_scroller;
  GtkColumnView      *column_view;
  GtkBox             *operation_box;
  GtkLabel           *operation_label;
  GtkProgressBar     *operation_progress;
  GtkLabel           *status_label;
  GtkWidget          *main_box;
  AdwFlap            *preview_flap;
  SupaFilePreview    *preview;
  GMenuModel         *file_menu;
  GtkWidget          *file_popover;
  GtkWidget          *operation_cancel;
  GtkWidget          *url_button;
  gboolean            preview_wanted;     /* "preview-visible": the user's choice */
  gboolean            revealing;          /* the flap moved by us, not the user */
  GCancellable       *op_cancellable;     /* the copy, move or delete running */
  GHashTable         *icons;              /* MIME type → GIcon, for the rows */
};

G_DEFINE_FINAL_TYPE (SupaBucketBrowser, supa_bucket_browser, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_PREVIEW_VISIBLE,
  PROP_NOTIFY_THRESHOLD,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

enum {
  SIGNAL_NOTIFY_BATCH,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void update_actions (SupaBucketBrowser *self);
static void load_buckets   (SupaBucketBrowser *self);
static void set_preview_wanted (SupaBucketBrowser *self,
                                gboolean           wanted);
static void parent_cancelled_cb (GCancellable *parent,
                                 GCancellable *child);

/* ------------------------------------------------------------ helpers */

static void
toast (SupaBucketBrowser *self,
       const char        *text)
{
  AdwToast *t = adw_toast_new (text);

  adw_toast_set_timeout (t, 4);
  adw_toast_overlay_add_toast (self->toast_overlay, t);
}

static void
toast_error (SupaBucketBrowser *self,
             const char        *what,
             const GError      *error)
{
  g_autofree char *text = g_strdup_printf ("%s: %s", what, error->message);

  toast (self, text);
}

static GtkWindow *
parent_window (SupaBucketBrowser *self)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));

  return GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL;
}

static const char *
bucket_id (SupaBucketBrowser *self)
{
  return self->bucket != NULL ? supa_bucket_get_id (self->bucket) : NULL;
}

static gboolean
is_cancelled (const GError *error)
{
  return g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
}

static void
set_busy (SupaBucketBrowser *self,
          gboolean           busy,
          const char        *label)
{
  if (busy)
    self->busy++;
  else if (self->busy > 0)
    self->busy--;

  if (label != NULL)
    gtk_label_set_label (self->operation_label, label);
  gtk_progress_bar_set_fraction (self->operation_progress, 0);
  gtk_widget_set_visible (GTK_WIDGET (self->operation_box), self->busy > 0);
  update_actions (self);
}

static void
set_operation_progress (SupaBucketBrowser *self,
                        guint              done,
                        guint              total,
                        const char        *label)
{
  gtk_progress_bar_set_fraction (self->operation_progress, total > 0 ? (double) done / total : 0);
  if (label != NULL)
    {
      gtk_label_set_label (self->operation_label, label);
      gtk_widget_set_tooltip_text (GTK_WIDGET (self->operation_label), NULL);
    }
}

/* An operation the Cancel button of the progress bar can stop; the
 * window's cancellable stops it too. */
static GCancellable *
begin_operation (SupaBucketBrowser  *self,
                 GCancellable      **parent,
                 gulong             *parent_id)
{
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();

  g_set_object (&self->op_cancellable, cancellable);
  *parent = self->cancellable != NULL ? g_object_ref (self->cancellable) : NULL;
  *parent_id = *parent != NULL ? g_cancellable_connect (*parent, G_CALLBACK (parent_cancelled_cb),
                                                        g_object_ref (cancellable), g_object_unref)
                               : 0;
  return g_steal_pointer (&cancellable);
}

/* Ends what begin_operation started: the Cancel button goes away. */
static void
end_operation (SupaBucketBrowser  *self,
               GCancellable      **cancellable,
               GCancellable      **parent,
               gulong             *parent_id)
{
  if (*parent != NULL && *parent_id != 0)
    g_cancellable_disconnect (*parent, *parent_id);
  *parent_id = 0;
  g_clear_object (parent);
  if (self->op_cancellable == *cancellable)
    g_clear_object (&self->op_cancellable);
  g_clear_object (cancellable);
  if (self->storage != NULL)
    update_actions (self);
}

/* TRUE when the section itself went away (window closed, disconnected):
 * then there is nobody to report to. */
static gboolean
section_gone (SupaBucketBrowser *self,
              GCancellable      *parent)
{
  return self->storage == NULL || parent == NULL || g_cancellable_is_cancelled (parent);
}

static void
show_report (SupaBucketBrowser *self,
             const char        *name,
             const char        *heading,
             GPtrArray         *lines,
             const char        *footer)
{
  AdwMessageDialog *dialog;
  GString *body = g_string_new (NULL);

  for (guint i = 0; i < lines->len && i < 20; i++)
    {
      if (i > 0)
        g_string_append_c (body, '\n');
      g_string_append (body, g_ptr_array_index (lines, i));
    }
  if (lines->len > 20)
    {
      g_string_append_c (body, '\n');
      g_string_append_printf (body, g_dngettext (GETTEXT_PACKAGE, "…and %u more", "…and %u more", lines->len - 20),
                              lines->len - 20);
    }
  if (footer != NULL)
    {
      g_string_append (body, "\n\n");
      g_string_append (body, footer);
    }

  dialog = ADW_MESSAGE_DIALOG (adw_message_dialog_new (parent_window (self), heading, body->str));
  gtk_widget_set_name (GTK_WIDGET (dialog), name);
  adw_message_dialog_add_response (dialog, "close", _("_Close"));
  gtk_window_present (GTK_WINDOW (dialog));
  g_string_free (body, TRUE);
}

static char *
report_line (const char *key,
             const char *reason)
{
  /* Translators: one line of a report: an object key, then why */
  return g_strdup_printf (_("%s — %s"), key, reason);
}

static char *
format_limit (gint64 bytes)
{
  /* Storage limits are decimal ("5MB" = 5 000 000 bytes), as is g_format_size. */
  return g_format_size (bytes);
}

static gboolean
mime_allowed (const char * const *allowed,
              const char         *type)
{
  if (allowed == NULL || allowed[0] == NULL)
    return TRUE;

  for (guint i = 0; allowed[i] != NULL; i++)
    {
      const char *pattern = allowed[i];
      gsize len = strlen (pattern);

      if (g_ascii_strcasecmp (pattern, type) == 0 || g_str_equal (pattern, "*/*") || g_str_equal (pattern, "*"))
        return TRUE;
      if (len >= 2 && pattern[len - 1] == '*' && pattern[len - 2] == '/' &&
          g_ascii_strncasecmp (pattern, type, len - 1) == 0)
        return TRUE;
    }

  return FALSE;
}

char *
supa_bucket_browser_preflight (SupaBucket *bucket,
                               const char *content_type,
                               gint64      size)
{
  gint64 limit;
  const char * const *allowed;

  g_return_val_if_fail (SUPA_IS_BUCKET (bucket), NULL);

  limit = supa_bucket_get_file_size_limit (bucket);
  if (limit > 0 && size > limit)
    {
      g_autofree char *size_text = g_format_size (size);
      g_autofree char *limit_text = format_limit (limit);

      /* Translators: a file cannot be uploaded; first %s is its size, second the bucket's limit */
      return g_strdup_printf (_("%s is larger than the bucket’s limit of %s"), size_text, limit_text);
    }

  allowed = supa_bucket_get_allowed_mime_types (bucket);
  if (!mime_allowed (allowed, content_type))
    {
      g_autofree char *list = g_strjoinv (", ", (char **) allowed);

      /* Translators: first %s is a MIME type, second the list the bucket allows */
      return g_strdup_printf (_("Type %s is not allowed here (allowed: %s)"), content_type, list);
    }

  return NULL;
}

/* "dir/name (1).ext" for the first n whose key is not taken; @key is an
 * object key and @taken holds object keys. */
static char *
keep_both_key (const char *key,
               GHashTable *taken)
{
  const char *slash = strrchr (key, '/');
  const char *name = slash != NULL ? slash + 1 : key;
  g_autofree char *dir = slash != NULL ? g_strndup (key, slash - key) : g_strdup ("");
  const char *dot = strrchr (name, '.');
  g_autofree char *stem = NULL;
  const char *ext;

  if (dot == NULL || dot == name)
    {
      stem = g_strdup (name);
      ext = "";
    }
  else
    {
      stem = g_strndup (name, dot - name);
      ext = dot;
    }

  for (guint n = 1; ; n++)
    {
      g_autofree char *candidate = g_strdup_printf ("%s (%u)%s", stem, n, ext);
      char *candidate_key = supa_storage_path_join (dir, candidate);

      if (!g_hash_table_contains (taken, candidate_key))
        return candidate_key;
      g_free (candidate_key);
    }
}

/* Names of the loaded items of the open folder (files and folders). */
static GHashTable *
loaded_names (SupaBucketBrowser *self,
              gboolean           folders)
{
  GHashTable *names = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  guint n;

  if (self->folder_model == NULL)
    return names;

  n = g_list_model_get_n_items (G_LIST_MODEL (self->folder_model));
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(SupaObjectInfo) info = g_list_model_get_item (G_LIST_MODEL (self->folder_model), i);

      if (supa_object_info_get_is_folder (info) == folders)
        g_hash_table_add (names, g_strdup (supa_object_info_get_name (info)));
    }

  return names;
}

/* element-type SupaObjectInfo */
static GPtrArray *
selected_items (SupaBucketBrowser *self)
{
  GPtrArray *items = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GtkBitset) set = NULL;
  GtkBitsetIter iter;
  guint pos;

  if (self->selection == NULL)
    return items;

  set = gtk_selection_model_get_selection (GTK_SELECTION_MODEL (self->selection));
  for (gboolean ok = gtk_bitset_iter_init_first (&iter, set, &pos); ok; ok = gtk_bitset_iter_next (&iter, &pos))
    g_ptr_array_add (items, g_list_model_get_item (G_LIST_MODEL (self->selection), pos));

  return items;
}

static SupaObjectInfo *
find_item (SupaBucketBrowser *self,
           const char        *name)
{
  guint n;

  if (self->folder_model == NULL)
    return NULL;

  n = g_list_model_get_n_items (G_LIST_MODEL (self->folder_model));
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(SupaObjectInfo) info = g_list_model_get_item (G_LIST_MODEL (self->folder_model), i);

      if (g_strcmp0 (supa_object_info_get_name (info), name) == 0)
        return g_steal_pointer (&info);
    }

  return NULL;
}

static char *
item_path (SupaBucketBrowser *self,
           SupaObjectInfo    *info)
{
  return supa_storage_path_join (self->prefix, supa_object_info_get_name (info));
}

/* ------------------------------------------------- recursive key listing */

/* Lists every object key under a set of folders (recursively), plus the
 * placeholder key of each folder visited: listings hide placeholders, yet
 * an otherwise empty folder exists only through its placeholder. */
typedef struct
{
  SupaStorage *storage;
  char        *bucket;
  GPtrArray   *keys;          /* object keys found */
  GPtrArray   *infos;         /* their listing entries (SupaObjectInfo), same order */
  GPtrArray   *placeholders;  /* "<folder>/.emptyFolderPlaceholder" */
  guint        pending;
  GError      *error;
} CollectData;

static void
collect_data_free (CollectData *data)
{
  g_clear_object (&data->storage);
  g_free (data->bucket);
  g_clear_pointer (&data->keys, g_ptr_array_unref);
  g_clear_pointer (&data->infos, g_ptr_array_unref);
  g_clear_pointer (&data->placeholders, g_ptr_array_unref);
  g_clear_error (&data->error);
  g_free (data);
}

static void collect_folder (GTask      *task,
                            const char *folder);

/* Each listing needs its folder back in the callback; a small closure. */
typedef struct
{
  GTask *task;
  char  *folder;
} CollectStep;

static void
collect_step_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  CollectStep *step = user_data;
  g_autoptr(GTask) task = step->task;
  g_autofree char *folder = step->folder;
  CollectData *data = g_task_get_task_data (task);
  g_autoptr(GPtrArray) entries = NULL;
  g_autoptr(GError) error = NULL;

  g_free (step);

  data->pending--;
  entries = supa_storage_list_finish (SUPA_STORAGE (object), result, &error);
  if (entries == NULL)
    {
      if (data->error == NULL)
        data->error = g_steal_pointer (&error);
    }
  else if (data->error == NULL)
    {
      for (guint i = 0; i < entries->len; i++)
        {
          SupaObjectInfo *info = g_ptr_array_index (entries, i);
          g_autofree char *path = supa_storage_path_join (folder, supa_object_info_get_name (info));

          if (supa_object_info_get_is_folder (info))
            collect_folder (task, path);
          else
            {
              g_ptr_array_add (data->keys, g_steal_pointer (&path));
              g_ptr_array_add (data->infos, g_object_ref (info));
            }
        }
    }

  if (data->pending == 0)
    {
      if (data->error != NULL)
        g_task_return_error (task, g_steal_pointer (&data->error));
      else
        g_task_return_boolean (task, TRUE);
    }
}

static void
collect_folder (GTask      *task,
                const char *folder)
{
  CollectData *data = g_task_get_task_data (task);
  CollectStep *step = g_new0 (CollectStep, 1);

  g_ptr_array_add (data->placeholders, supa_storage_path_join (folder, PLACEHOLDER_NAME));
  data->pending++;
  step->task = g_object_ref (task);
  step->folder = g_strdup (folder);
  supa_storage_list_all_async (data->storage, data->bucket, folder, NULL,
                               g_task_get_cancellable (task), collect_step_cb, step);
}

static void
collect_keys_async (SupaStorage         *storage,
                    const char          *bucket,
                    const char * const  *folders,
                    GCancellable        *cancellable,
                    GAsyncReadyCallback  callback,
                    gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (storage, cancellable, callback, user_data);
  CollectData *data = g_new0 (CollectData, 1);

  g_task_set_source_tag (task, collect_keys_async);
  data->storage = g_object_ref (storage);
  data->bucket = g_strdup (bucket);
  data->keys = g_ptr_array_new_with_free_func (g_free);
  data->infos = g_ptr_array_new_with_free_func (g_object_unref);
  data->placeholders = g_ptr_array_new_with_free_func (g_free);
  g_task_set_task_data (task, data, (GDestroyNotify) collect_data_free);

  if (folders == NULL || folders[0] == NULL)
    {
      g_task_return_boolean (task, TRUE);
      return;
    }

  for (guint i = 0; folders[i] != NULL; i++)
    collect_folder (task, folders[i]);
}

/* Returns the keys; @placeholders (may be NULL) gets the placeholder keys. */
static GPtrArray *
collect_keys_finish (GAsyncResult  *result,
                     GPtrArray    **placeholders,
                     GError       **error)
{
  CollectData *data = g_task_get_task_data (G_TASK (result));

  if (!g_task_propagate_boolean (G_TASK (result), error))
    return NULL;

  if (placeholders != NULL)
    *placeholders = g_ptr_array_ref (data->placeholders);
  return g_ptr_array_ref (data->keys);
}

/* The listing entries of the keys, in their order (sizes and types for
 * the pre-flight of a copy to another bucket). */
static GPtrArray *
collect_infos (GAsyncResult *result)
{
  CollectData *data = g_task_get_task_data (G_TASK (result));

  return g_ptr_array_ref (data->infos);
}

/* ------------------------------------------------------- folder display */

static void
update_status (SupaBucketBrowser *self)
{
  g_autofree char *text = NULL;
  guint n = self->folder_model != NULL ? g_list_model_get_n_items (G_LIST_MODEL (self->folder_model)) : 0;
  g_autoptr(GPtrArray) selected = selected_items (self);

  if (self->folder_model == NULL)
    text = g_strdup ("");
  else if (selected->len > 0)
    /* Translators: status bar, %u items selected of %u */
    text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u of %u item selected", "%u of %u items selected", n),
                            selected->len, n);
  else if (supa_folder_model_get_loading (self->folder_model))
    /* Translators: status bar while more of a folder loads */
    text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u item, loading more…", "%u items, loading more…", n), n);
  else
    text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u item", "%u items", n), n);

  gtk_label_set_label (self->status_label, text);
}

static void
update_page (SupaBucketBrowser *self)
{
  const char *page;

  if (self->folder_model == NULL)
    page = "no-bucket";
  else
    {
      guint n = g_list_model_get_n_items (G_LIST_MODEL (self->folder_model));
      const GError *error = supa_folder_model_get_error (self->folder_model);

      if (n > 0)
        page = "files";
      else if (supa_folder_model_get_loading (self->folder_model))
        page = "loading";
      else if (error != NULL)
        {
          adw_status_page_set_description (self->error_page, error->message);
          page = "error";
        }
      else
        {
          const char *search = supa_folder_model_get_search (self->folder_model);

          if (search != NULL && *search != '\0')
            {
              adw_status_page_set_title (self->empty_page, _("No Matches"));
              adw_status_page_set_description (self->empty_page, _("No file or folder in this folder starts with that name."));
            }
          else
            {
              adw_status_page_set_title (self->empty_page, _("This Folder Is Empty"));
              adw_status_page_set_description (self->empty_page, _("Drop files or folders here, or use Upload."));
            }
          page = "empty";
        }
    }

  gtk_spinner_set_spinning (self->loading_spinner, g_str_equal (page, "loading"));
  gtk_stack_set_visible_child_name (self->content_stack, page);
  update_status (self);
}

static void
model_changed_cb (SupaBucketBrowser *self)
{
  update_page (self);
  update_actions (self);
}

static void
selection_changed_cb (SupaBucketBrowser *self)
{
  update_status (self);
  update_actions (self);
}

static void
crumb_clicked_cb (GtkButton         *button,
                  SupaBucketBrowser *self)
{
  const char *prefix = g_object_get_data (G_OBJECT (button), "supa-prefix");

  supa_bucket_browser_open_folder (self, prefix);
}

static void
add_crumb (SupaBucketBrowser *self,
           const char        *label,
           const char        *prefix,
           gboolean           last)
{
  GtkWidget *button = gtk_button_new ();
  GtkWidget *text = gtk_label_new (label);

  /* A narrow window shortens the names ("docum…") rather than cutting
   * the path bar off mid-letter. */
  gtk_label_set_ellipsize (GTK_LABEL (text), PANGO_ELLIPSIZE_END);
  /* The folder you are in keeps up to 16 characters of its name; the
   * crumbs above it give way first. */
  if (last)
    gtk_label_set_width_chars (GTK_LABEL (text), (int) MIN (g_utf8_strlen (label, -1), 16));
  gtk_button_set_child (GTK_BUTTON (button), text);
  gtk_widget_add_css_class (button, "flat");
  if (last)
    gtk_widget_add_css_class (button, "heading");
  g_object_set_data_full (G_OBJECT (button), "supa-prefix", g_strdup (prefix), g_free);
  g_signal_connect (button, "clicked", G_CALLBACK (crumb_clicked_cb), self);
  gtk_box_append (self->path_bar, button);
}

static void
update_path_bar (SupaBucketBrowser *self)
{
  GtkWidget *child;
  g_auto(GStrv) segments = NULL;
  GString *prefix = g_string_new (NULL);

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->path_bar))) != NULL)
    gtk_box_remove (self->path_bar, child);

  if (self->bucket == NULL)
    {
      g_string_free (prefix, TRUE);
      return;
    }

  add_crumb (self, supa_bucket_get_name (self->bucket), "", self->prefix == NULL || *self->prefix == '\0');

  if (self->prefix != NULL && *self->prefix != '\0')
    {
      segments = g_strsplit (self->prefix, "/", -1);
      for (guint i = 0; segments[i] != NULL; i++)
        {
          GtkWidget *sep = gtk_label_new ("/");

          gtk_widget_add_css_class (sep, "dim-label");
          gtk_accessible_update_property (GTK_ACCESSIBLE (sep), GTK_ACCESSIBLE_PROPERTY_LABEL, "", -1);
          gtk_box_append (self->path_bar, sep);
          if (prefix->len > 0)
            g_string_append_c (prefix, '/');
          g_string_append (prefix, segments[i]);
          add_crumb (self, segments[i], prefix->str, segments[i + 1] == NULL);
        }
    }

  g_string_free (prefix, TRUE);
}

static void
sorter_changed_cb (SupaBucketBrowser *self)
{
  GtkSorter *sorter = gtk_column_view_get_sorter (self->column_view);
  g_autoptr(GObject) a = g_object_new (G_TYPE_OBJECT, NULL);
  g_autoptr(GObject) b = g_object_new (G_TYPE_OBJECT, NULL);
  GtkOrdering order;
  SupaFolderSort sort = SUPA_FOLDER_SORT_NAME;
  gboolean descending = FALSE;

  if (self->folder_model == NULL || self->syncing)
    return;

  /* GTK 4.8 has no getter for the primary sort column: each column's
   * sorter records that it was asked first and answers "smaller", which
   * the column view inverts for a descending column. */
  self->probe_called = FALSE;
  order = gtk_sorter_compare (sorter, a, b);
  if (self->probe_called)
    {
      sort = self->probe_hit;
      descending = order == GTK_ORDERING_LARGER;
    }

  if (sort != supa_folder_model_get_sort (self->folder_model) ||
      descending != supa_folder_model_get_descending (self->folder_model))
    supa_folder_model_set_sort (self->folder_model, sort, descending);
}

static int
probe_compare (gconstpointer a,
               gconstpointer b,
               gpointer      user_data)
{
  SortProbe *probe = user_data;

  if (!probe->self->probe_called)
    {
      probe->self->probe_called = TRUE;
      probe->self->probe_hit = probe->sort;
    }
  return GTK_ORDERING_SMALLER;
}

static void
disconnect_model (SupaBucketBrowser *self)
{
  if (self->folder_model != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->folder_model, self);
      supa_folder_model_cancel (self->folder_model);
    }
  if (self->selection != NULL)
    g_signal_handlers_disconnect_by_data (self->selection, self);
  g_clear_handle_id (&self->reload_id, g_source_remove);
  /* Dispose may run again after the template is gone. */
  if (self->column_view != NULL)
    gtk_column_view_set_model (self->column_view, NULL);
  g_clear_object (&self->selection);
  g_clear_object (&self->folder_model);
}

static void
open_folder (SupaBucketBrowser *self,
             const char        *prefix)
{
  SupaFolderSort sort = SUPA_FOLDER_SORT_NAME;
  gboolean descending = FALSE;

  if (self->folder_model != NULL)
    {
      sort = supa_folder_model_get_sort (self->folder_model);
      descending = supa_folder_model_get_descending (self->folder_model);
    }

  disconnect_model (self);
  g_free (self->prefix);
  self->prefix = g_strdup (prefix != NULL ? prefix : "");

  if (self->bucket != NULL && self->storage != NULL)
    {
      self->folder_model = supa_folder_model_new (self->storage, bucket_id (self), self->prefix);
      supa_folder_model_set_sort (self->folder_model, sort, descending);
      g_signal_connect_object (self->folder_model, "items-changed", G_CALLBACK (model_changed_cb), self, G_CONNECT_SWAPPED);
      g_signal_connect_object (self->folder_model, "notify::loading", G_CALLBACK (model_changed_cb), self, G_CONNECT_SWAPPED);
      g_signal_connect_object (self->folder_model, "notify::error", G_CALLBACK (model_changed_cb), self, G_CONNECT_SWAPPED);
      self->selection = gtk_multi_selection_new (g_object_ref (G_LIST_MODEL (self->folder_model)));
      g_signal_connect_object (self->selection, "selection-changed", G_CALLBACK (selection_changed_cb), self, G_CONNECT_SWAPPED);
      gtk_column_view_set_model (self->column_view, GTK_SELECTION_MODEL (self->selection));
    }

  /* A new folder starts unfiltered. */
  self->syncing = TRUE;
  gtk_editable_set_text (GTK_EDITABLE (self->search_entry), "");
  self->syncing = FALSE;

  update_path_bar (self);
  update_page (self);
  update_actions (self);
}

static void
schedule_reload_now (SupaBucketBrowser *self)
{
  g_clear_handle_id (&self->reload_id, g_source_remove);
  if (self->folder_model != NULL)
    supa_folder_model_reload (self->folder_model);
}

static gboolean
reload_timeout_cb (gpointer user_data)
{
  SupaBucketBrowser *self = user_data;

  self->reload_id = 0;
  if (self->folder_model != NULL)
    supa_folder_model_reload (self->folder_model);
  return G_SOURCE_REMOVE;
}

/* Several uploads finishing together cause one reload. */
static void
schedule_reload (SupaBucketBrowser *self)
{
  if (self->reload_id == 0)
    self->reload_id = g_timeout_add (300, reload_timeout_cb, self);
}

/* ------------------------------------------------------------ columns */

typedef enum
{
  COLUMN_NAME,
  COLUMN_SIZE,
  COLUMN_TYPE,
  COLUMN_MODIFIED,
} ColumnKind;

/* One GIcon per MIME type, shared by every row showing that type: a
 * content-type lookup per bound cell is measurable while scrolling, and
 * GtkImage skips the update when it is handed the icon it already shows. */
static GIcon *
icon_for_item (SupaBucketBrowser *self,
               SupaObjectInfo    *info)
{
  const char *mime;
  GIcon *icon;
  g_autofree char *content_type = NULL;

  if (supa_object_info_get_is_folder (info))
    mime = "inode/directory";
  else
    {
      mime = supa_object_info_get_mimetype (info);
      if (mime == NULL)
        mime = "";
    }

  icon = g_hash_table_lookup (self->icons, mime);
  if (icon != NULL)
    return icon;

  if (supa_object_info_get_is_folder (info))
    icon = g_themed_icon_new ("folder-symbolic");
  else if (*mime == '\0')
    icon = g_themed_icon_new ("text-x-generic-symbolic");
  else
    {
      content_type = g_content_type_from_mime_type (mime);
      icon = g_content_type_get_symbolic_icon (content_type != NULL ? content_type : mime);
    }
  g_hash_table_insert (self->icons, g_strdup (mime), icon);
  return icon;
}

/* The size and modified texts of an item, formatted once per item (kept
 * on the item) rather than on every bind: a jump rebinds every visible
 * row, and scrolling back rebinds rows that were shown before. */
static GQuark
size_text_quark (void)
{
  static GQuark quark;

  if (quark == 0)
    quark = g_quark_from_static_string ("supa-size-text");
  return quark;
}

static GQuark
modified_text_quark (void)
{
  static GQuark quark;

  if (quark == 0)
    quark = g_quark_from_static_string ("supa-modified-text");
  return quark;
}

static const char *
size_text (SupaObjectInfo *info)
{
  char *text = g_object_get_qdata (G_OBJECT (info), size_text_quark ());

  if (text == NULL)
    {
      text = supa_object_info_get_is_folder (info)
        ? g_strdup ("")
        : g_format_size (MAX (supa_object_info_get_size (info), 0));
      g_object_set_qdata_full (G_OBJECT (info), size_text_quark (), text, g_free);
    }
  return text;
}

static const char *
modified_text (SupaObjectInfo *info)
{
  char *text = g_object_get_qdata (G_OBJECT (info), modified_text_quark ());

  if (text == NULL)
    {
      GDateTime *when = supa_object_info_get_updated_at (info);
      g_autoptr(GDateTime) local = when != NULL ? g_date_time_to_local (when) : NULL;

      text = local != NULL ? g_date_time_format (local, "%x %X") : NULL;
      if (text == NULL)
        text = g_strdup ("");
      g_object_set_qdata_full (G_OBJECT (info), modified_text_quark (), text, g_free);
    }
  return text;
}

/* The name's tooltip is computed when GTK asks for it: setting a tooltip
 * text at bind time costs, in GTK 4.8 on X11, a synchronous pointer query
 * to the X server per call (even when the text is unchanged). */
static gboolean
name_query_tooltip_cb (GtkWidget  *widget,
                       int         x,
                       int         y,
                       gboolean    keyboard_mode,
                       GtkTooltip *tooltip,
                       gpointer    user_data)
{
  const char *text = gtk_inscription_get_text (GTK_INSCRIPTION (widget));

  if (text == NULL || *text == '\0')
    return FALSE;
  gtk_tooltip_set_text (tooltip, text);
  return TRUE;
}

static gboolean
row_drop_accept_cb (GtkDropTarget *target,
                    GdkDrop       *drop,
                    gpointer       user_data)
{
  GtkWidget *cell = gtk_event_controller_get_widget (GTK_EVENT_CONTROLLER (target));
  SupaObjectInfo *info = g_object_get_data (G_OBJECT (cell), "supa-item");

  /* Only folder rows take drops; elsewhere the whole view does. */
  return info != NULL && supa_object_info_get_is_folder (info) &&
         gdk_content_formats_contain_gtype (gdk_drop_get_formats (drop), GDK_TYPE_FILE_LIST);
}

/* The row widget of a cell's child (the column view's "row" node), so a
 * drop highlight covers the whole row, not one cell. */
static GtkWidget *
row_of_cell (GtkWidget *child)
{
  for (GtkWidget *w = child; w != NULL; w = gtk_widget_get_parent (w))
    {
      if (GTK_IS_COLUMN_VIEW (w))
        break;
      if (g_strcmp0 (gtk_widget_get_css_name (w), "row") == 0)
        return w;
    }
  return NULL;
}

static void
set_row_highlight (GtkWidget *child,
                   gboolean   highlight)
{
  GtkWidget *row = row_of_cell (child);

  if (row == NULL)
    return;
  if (highlight)
    gtk_widget_add_css_class (row, "drop-highlight");
  else
    gtk_widget_remove_css_class (row, "drop-highlight");
}

/* Files dragged over a folder row: the row lights up as the target. */
static GdkDragAction
row_drop_enter_cb (GtkDropTarget *target,
                   double         x,
                   double         y,
                   gpointer       user_data)
{
  set_row_highlight (gtk_event_controller_get_widget (GTK_EVENT_CONTROLLER (target)), TRUE);
  return GDK_ACTION_COPY;
}

static void
row_drop_leave_cb (GtkDropTarget *target,
                   gpointer       user_data)
{
  set_row_highlight (gtk_event_controller_get_widget (GTK_EVENT_CONTROLLER (target)), FALSE);
}

/* The same for the folder view as a whole (a drop into the open folder). */
static GdkDragAction
view_drop_enter_cb (GtkDropTarget *target,
                    double         x,
                    double         y,
                    gpointer       user_data)
{
  gtk_widget_add_css_class (gtk_event_controller_get_widget (GTK_EVENT_CONTROLLER (target)), "drop-highlight");
  return GDK_ACTION_COPY;
}

static void
view_drop_leave_cb (GtkDropTarget *target,
                    gpointer       user_data)
{
  gtk_widget_remove_css_class (gtk_event_controller_get_widget (GTK_EVENT_CONTROLLER (target)), "drop-highlight");
}

static gboolean
row_drop_cb (GtkDropTarget     *target,
             const GValue      *value,
             double             x,
             double             y,
             SupaBucketBrowser *self)
{
  GtkWidget *cell = gtk_event_controller_get_widget (GTK_EVENT_CONTROLLER (target));
  SupaObjectInfo *info = g_object_get_data (G_OBJECT (cell), "supa-item");
  g_autofree char *folder = NULL;

  set_row_highlight (cell, FALSE);
  if (info == NULL || !supa_object_info_get_is_folder (info))
    return FALSE;

  folder = item_path (self, info);
  return supa_bucket_browser_drop (self, value, folder);
}

/* The cells' texts are GtkInscriptions, not GtkLabels: an inscription's
 * size does not follow its text, so rebinding a row (every visible row
 * on a jump) only redraws it instead of queueing a resize of the whole
 * window, and the columns keep their widths whatever rows are shown. */
static void
setup_cell_cb (GtkSignalListItemFactory *factory,
               GtkListItem              *list_item,
               SupaBucketBrowser        *self)
{
  ColumnKind kind = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (factory), "supa-column"));
  GtkWidget *text = gtk_inscription_new (NULL);
  /* Every cell of a folder row takes drops, so the whole row is a target. */
  GtkDropTarget *target = gtk_drop_target_new (GDK_TYPE_FILE_LIST, GDK_ACTION_COPY);

  g_signal_connect (target, "accept", G_CALLBACK (row_drop_accept_cb), NULL);
  g_signal_connect (target, "enter", G_CALLBACK (row_drop_enter_cb), NULL);
  g_signal_connect (target, "leave", G_CALLBACK (row_drop_leave_cb), NULL);
  g_signal_connect (target, "drop", G_CALLBACK (row_drop_cb), self);
  gtk_inscription_set_text_overflow (GTK_INSCRIPTION (text), GTK_INSCRIPTION_OVERFLOW_ELLIPSIZE_END);
  gtk_inscription_set_min_lines (GTK_INSCRIPTION (text), 1);
  gtk_inscription_set_nat_lines (GTK_INSCRIPTION (text), 1);
  gtk_widget_set_valign (text, GTK_ALIGN_CENTER);

  if (kind == COLUMN_NAME)
    {
      GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 8);
      GtkWidget *image = gtk_image_new ();

      gtk_accessible_update_property (GTK_ACCESSIBLE (image), GTK_ACCESSIBLE_PROPERTY_LABEL, "", -1);
      gtk_inscription_set_text_overflow (GTK_INSCRIPTION (text), GTK_INSCRIPTION_OVERFLOW_ELLIPSIZE_MIDDLE);
      gtk_inscription_set_min_chars (GTK_INSCRIPTION (text), 12);
      gtk_inscription_set_nat_chars (GTK_INSCRIPTION (text), 28);
      gtk_widget_set_hexpand (text, TRUE);
      gtk_widget_set_has_tooltip (text, TRUE);
      g_signal_connect (text, "query-tooltip", G_CALLBACK (name_query_tooltip_cb), NULL);
      gtk_box_append (GTK_BOX (box), image);
      gtk_box_append (GTK_BOX (box), text);
      gtk_widget_add_controller (box, GTK_EVENT_CONTROLLER (target));
      gtk_list_item_set_child (list_item, box);
    }
  else
    {
      /* Each column shrinks from the width of its usual texts down to a
       * few characters (ellipsized, the full text in the preview) before
       * the view scrolls sideways: with the preview open in a 1100 px
       * window every column still shows. */
      static const guint min_chars[] = { [COLUMN_SIZE] = 6, [COLUMN_TYPE] = 4, [COLUMN_MODIFIED] = 6 };
      static const guint nat_chars[] = { [COLUMN_SIZE] = 9, [COLUMN_TYPE] = 16, [COLUMN_MODIFIED] = 17 };

      gtk_inscription_set_xalign (GTK_INSCRIPTION (text), kind == COLUMN_SIZE ? 1.0 : 0.0);
      gtk_inscription_set_min_chars (GTK_INSCRIPTION (text), min_chars[kind]);
      gtk_inscription_set_nat_chars (GTK_INSCRIPTION (text), nat_chars[kind]);
      gtk_widget_add_css_class (text, "dim-label");
      if (kind == COLUMN_SIZE)
        gtk_widget_add_css_class (text, "numeric");
      gtk_widget_add_controller (text, GTK_EVENT_CONTROLLER (target));
      gtk_list_item_set_child (list_item, text);
    }
}

static void
bind_cell_cb (GtkSignalListItemFactory *factory,
              GtkListItem              *list_item,
              SupaBucketBrowser        *self)
{
  ColumnKind kind = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (factory), "supa-column"));
  SupaObjectInfo *info = gtk_list_item_get_item (list_item);
  GtkWidget *child = gtk_list_item_get_child (list_item);
  gboolean folder = supa_object_info_get_is_folder (info);

  /* Drops on folder rows and the context menu find the row's item here. */
  g_object_set_data_full (G_OBJECT (child), "supa-item", g_object_ref (info), g_object_unref);

  switch (kind)
    {
    case COLUMN_NAME:
      {
        GtkWidget *image = gtk_widget_get_first_child (child);
        GtkWidget *text = gtk_widget_get_last_child (child);
        GIcon *icon = icon_for_item (self, info);

        /* A new icon queues a resize: only when it differs. */
        if (gtk_image_get_gicon (GTK_IMAGE (image)) != icon)
          gtk_image_set_from_gicon (GTK_IMAGE (image), icon);
        gtk_inscription_set_text (GTK_INSCRIPTION (text), supa_object_info_get_name (info));
      }
      break;

    case COLUMN_SIZE:
      gtk_inscription_set_text (GTK_INSCRIPTION (child), size_text (info));
      break;

    case COLUMN_TYPE:
      {
        const char *mime = supa_object_info_get_mimetype (info);

        gtk_inscription_set_text (GTK_INSCRIPTION (child), folder ? _("Folder") : (mime != NULL ? mime : ""));
      }
      break;

    case COLUMN_MODIFIED:
      gtk_inscription_set_text (GTK_INSCRIPTION (child), modified_text (info));
      break;

    default:
      g_assert_not_reached ();
    }
}

static void
unbind_cell_cb (GtkSignalListItemFactory *factory,
                GtkListItem              *list_item,
                SupaBucketBrowser        *self)
{
  GtkWidget *child = gtk_list_item_get_child (list_item);

  /* A recycled row must not keep the highlight of the item it showed. */
  set_row_highlight (child, FALSE);
  g_object_set_data (G_OBJECT (child), "supa-item", NULL);
}

static void
add_column (SupaBucketBrowser *self,
            ColumnKind         kind,
            const char        *title,
            SupaFolderSort     sort)
{
  GtkListItemFactory *factory = gtk_signal_list_item_factory_new ();
  g_autoptr(GtkColumnViewColumn) column = NULL;
  g_autoptr(GtkSorter) sorter = NULL;

  g_object_set_data (G_OBJECT (factory), "supa-column", GINT_TO_POINTER (kind));
  g_signal_connect (factory, "setup", G_CALLBACK (setup_cell_cb), self);
  g_signal_connect (factory, "bind", G_CALLBACK (bind_cell_cb), self);
  g_signal_connect (factory, "unbind", G_CALLBACK (unbind_cell_cb), self);

  column = gtk_column_view_column_new (title, factory);
  self->probes[sort].self = self;
  self->probes[sort].sort = sort;
  sorter = GTK_SORTER (gtk_custom_sorter_new (probe_compare, &self->probes[sort], NULL));
  gtk_column_view_column_set_sorter (column, sorter);
  gtk_column_view_column_set_resizable (column, TRUE);
  /* The columns size to their cells (see setup_cell_cb); the name takes
   * what is left. */
  gtk_column_view_column_set_expand (column, kind == COLUMN_NAME);
  gtk_column_view_append_column (self->column_view, column);
}

/* ------------------------------------------------------------- buckets */

static char *
bucket_summary (SupaBucket *bucket)
{
  GString *text = g_string_new (NULL);
  const char * const *types = supa_bucket_get_allowed_mime_types (bucket);
  gint64 limit = supa_bucket_get_file_size_limit (bucket);

  if (limit > 0)
    {
      g_autofree char *size = format_limit (limit);

      /* Translators: a bucket's file size limit, %s is a size */
      g_string_append_printf (text, _("Up to %s"), size);
    }
  else
    g_string_append (text, _("No size limit"));

  g_string_append (text, " · ");
  if (types != NULL && types[0] != NULL)
    {
      g_autofree char *joined = g_strjoinv (", ", (char **) types);

      g_string_append (text, joined);
    }
  else
    g_string_append (text, _("Any type"));

  return g_string_free (text, FALSE);
}

/* A bucket row: the icon, the name with the Public/Private badge next to
 * it, and under both the limits, which so get the row's whole width. */
static GtkWidget *
create_bucket_row (gpointer item,
                   gpointer user_data)
{
  SupaBucket *bucket = item;
  gboolean is_public = supa_bucket_get_public (bucket);
  GtkWidget *row = gtk_list_box_row_new ();
  GtkWidget *grid = gtk_grid_new ();
  GtkWidget *title = gtk_label_new (supa_bucket_get_name (bucket));
  g_autofree char *summary = bucket_summary (bucket);
  GtkWidget *subtitle = gtk_label_new (summary);
  GtkWidget *image = gtk_image_new_from_icon_name (is_public ? "web-browser-symbolic" : "channel-secure-symbolic");
  GtkWidget *badge = gtk_label_new (is_public ? _("Public") : _("Private"));
  g_autofree char *a11y = NULL;

  gtk_widget_set_name (row, supa_bucket_get_id (bucket));
  gtk_grid_set_column_spacing (GTK_GRID (grid), 8);
  gtk_grid_set_row_spacing (GTK_GRID (grid), 2);
  gtk_accessible_update_property (GTK_ACCESSIBLE (image), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  is_public ? _("Public bucket") : _("Private bucket"), -1);
  gtk_widget_set_valign (image, GTK_ALIGN_CENTER);
  gtk_grid_attach (GTK_GRID (grid), image, 0, 0, 1, 1);

  gtk_label_set_xalign (GTK_LABEL (title), 0);
  gtk_label_set_ellipsize (GTK_LABEL (title), PANGO_ELLIPSIZE_END);
  gtk_widget_set_hexpand (title, TRUE);
  gtk_grid_attach (GTK_GRID (grid), title, 1, 0, 1, 1);

  gtk_widget_set_name (badge, "bucket-badge");
  gtk_widget_set_valign (badge, GTK_ALIGN_CENTER);
  gtk_widget_add_css_class (badge, "badge");
  if (!is_public)
    gtk_widget_add_css_class (badge, "tag");
  gtk_grid_attach (GTK_GRID (grid), badge, 2, 0, 1, 1);

  gtk_label_set_xalign (GTK_LABEL (subtitle), 0);
  gtk_label_set_ellipsize (GTK_LABEL (subtitle), PANGO_ELLIPSIZE_END);
  gtk_widget_add_css_class (subtitle, "caption");
  gtk_widget_add_css_class (subtitle, "dim-label");
  gtk_grid_attach (GTK_GRID (grid), subtitle, 1, 1, 2, 1);

  gtk_widget_set_tooltip_text (row, summary);
  /* Translators: accessible label of a bucket row: name, "public"/"private", limits */
  a11y = g_strdup_printf (is_public ? _("%s, public bucket, %s") : _("%s, private bucket, %s"),
                          supa_bucket_get_name (bucket), summary);
  gtk_accessible_update_property (GTK_ACCESSIBLE (row), GTK_ACCESSIBLE_PROPERTY_LABEL, a11y, -1);
  gtk_list_box_row_set_child (GTK_LIST_BOX_ROW (row), grid);

  return row;
}

static void
bucket_row_selected_cb (SupaBucketBrowser *self,
                        GtkListBoxRow     *row)
{
  g_autoptr(SupaBucket) bucket = NULL;

  if (self->syncing)
    return;

  if (row != NULL)
    bucket = g_list_model_get_item (G_LIST_MODEL (self->buckets), gtk_list_box_row_get_index (row));

  if (bucket == self->bucket)
    return;

  g_set_object (&self->bucket, bucket);
  open_folder (self, "");
}

static void
list_buckets_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(SupaBucketBrowser) self = user_data;
  g_autoptr(GPtrArray) buckets = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *reselect = NULL;
  GtkListBoxRow *row = NULL;

  buckets = supa_storage_list_buckets_finish (SUPA_STORAGE (object), result, &error);
  if (is_cancelled (error) || SUPA_STORAGE (object) != self->storage)
    return;

  self->loading_buckets = FALSE;
  gtk_spinner_set_spinning (self->buckets_spinner, FALSE);

  if (buckets == NULL)
    {
      toast_error (self, _("Could not list buckets"), error);
      update_actions (self);
      return;
    }

  reselect = g_steal_pointer (&self->pending_bucket);
  if (reselect == NULL && self->bucket != NULL)
    reselect = g_strdup (supa_bucket_get_id (self->bucket));

  self->syncing = TRUE;
  g_list_store_splice (self->buckets, 0, g_list_model_get_n_items (G_LIST_MODEL (self->buckets)),
                       buckets->pdata, buckets->len);
  self->syncing = FALSE;

  for (guint i = 0; reselect != NULL && i < buckets->len; i++)
    if (g_str_equal (supa_bucket_get_id (g_ptr_array_index (buckets, i)), reselect))
      row = gtk_list_box_get_row_at_index (self->bucket_list, i);

  if (row != NULL)
    {
      SupaBucket *bucket = g_list_model_get_item (G_LIST_MODEL (self->buckets), gtk_list_box_row_get_index (row));
      gboolean same = self->bucket != NULL && g_str_equal (supa_bucket_get_id (self->bucket), reselect);

      /* Keep the open folder when the bucket is still there; its limits
       * may have changed, so take the new object. */
      self->syncing = TRUE;
      gtk_list_box_select_row (self->bucket_list, row);
      self->syncing = FALSE;
      g_set_object (&self->bucket, bucket);
      g_object_unref (bucket);
      if (!same)
        open_folder (self, "");
      else
        update_path_bar (self);
    }
  else if (self->bucket != NULL)
    {
      g_clear_object (&self->bucket);
      open_folder (self, "");
    }

  update_actions (self);
}

static void
load_buckets (SupaBucketBrowser *self)
{
  if (self->storage == NULL)
    return;

  self->loading_buckets = TRUE;
  gtk_spinner_set_spinning (self->buckets_spinner, TRUE);
  supa_storage_list_buckets_async (self->storage, self->cancellable, list_buckets_cb, g_object_ref (self));
}

static void
bucket_saved_cb (SupaBucketBrowser *self,
                 const char        *id)
{
  g_free (self->pending_bucket);
  self->pending_bucket = g_strdup (id);
  toast (self, _("Bucket saved"));
  load_buckets (self);
}

static void
show_bucket_dialog (SupaBucketBrowser *self,
                    SupaBucket        *bucket)
{
  SupaBucketDialog *dialog = supa_bucket_dialog_new (self->storage, bucket);

  gtk_window_set_transient_for (GTK_WINDOW (dialog), parent_window (self));
  g_signal_connect_object (dialog, "saved", G_CALLBACK (bucket_saved_cb), self, G_CONNECT_SWAPPED);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
new_bucket_action (GtkWidget  *widget,
                   const char *action_name,
                   GVariant   *parameter)
{
  show_bucket_dialog (SUPA_BUCKET_BROWSER (widget), NULL);
}

static void
edit_bucket_action (GtkWidget  *widget,
                    const char *action_name,
                    GVariant   *parameter)
{
  SupaBucketBrowser *self = SUPA_BUCKET_BROWSER (widget);

  if (self->bucket != NULL)
    show_bucket_dialog (self, self->bucket);
}

typedef struct
{
  SupaBucketBrowser *self;
  char              *id;
  gboolean           delete;
} BucketOp;

static void
bucket_op_free (BucketOp *op)
{
  g_clear_object (&op->self);
  g_free (op->id);
  g_free (op);
}

static void
bucket_op_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  BucketOp *op = user_data;
  SupaBucketBrowser *self = op->self;
  g_autoptr(GError) error = NULL;
  gboolean ok;

  if (op->delete)
    ok = supa_storage_delete_bucket_finish (SUPA_STORAGE (object), result, &error);
  else
    ok = supa_storage_empty_bucket_finish (SUPA_STORAGE (object), result, &error);

  if (!is_cancelled (error))
    {
      set_busy (self, FALSE, NULL);
      if (!ok)
        toast_error (self, op->delete ? _("Could not delete the bucket") : _("Could not empty the bucket"), error);
      else if (op->delete)
        {
          toast (self, _("Bucket deleted"));
          load_buckets (self);
        }
      else
        {
          toast (self, _("Bucket emptied"));
          schedule_reload_now (self);
        }
    }

  bucket_op_free (op);
}

static void
confirm_entry_changed_cb (GtkEditable      *entry,
                          AdwMessageDialog *dialog)
{
  const char *expected = g_object_get_data (G_OBJECT (dialog), "supa-expected");

  adw_message_dialog_set_response_enabled (dialog, "confirm",
                                           g_strcmp0 (gtk_editable_get_text (entry), expected) == 0);
}

static void
confirm_bucket_response_cb (AdwMessageDialog *dialog,
                            const char       *response,
                            BucketOp         *op)
{
  SupaBucketBrowser *self = op->self;

  if (!g_str_equal (response, "confirm") || self->storage == NULL)
    {
      bucket_op_free (op);
      return;
    }

  set_busy (self, TRUE, op->delete ? _("Deleting bucket…") : _("Emptying bucket…"));
  if (op->delete)
    supa_storage_delete_bucket_async (self->storage, op->id, self->cancellable, bucket_op_cb, op);
  else
    supa_storage_empty_bucket_async (self->storage, op->id, self->cancellable, bucket_op_cb, op);
}

static void
confirm_bucket_op (SupaBucketBrowser *self,
                   gboolean           delete)
{
  AdwMessageDialog *dialog;
  GtkWidget *entry;
  BucketOp *op;
  const char *name;
  g_autofree char *heading = NULL;
  g_autofree char *prompt = NULL;

  if (self->bucket == NULL)
    return;

  name = supa_bucket_get_id (self->bucket);
  /* Translators: %s is a bucket name */
  heading = g_strdup_printf (delete ? _("Delete Bucket “%s”?") : _("Empty Bucket “%s”?"), name);
  dialog = ADW_MESSAGE_DIALOG (adw_message_dialog_new (parent_window (self), heading,
                                                       delete ? _("The bucket must be empty first. This cannot be undone.")
                                                              : _("Every file in the bucket will be deleted. This cannot be undone.")));
  /* Translators: %s is a bucket name the user must type */
  prompt = g_strdup_printf (_("Type “%s” to confirm"), name);
  entry = gtk_entry_new ();
  gtk_entry_set_placeholder_text (GTK_ENTRY (entry), prompt);
  gtk_accessible_update_property (GTK_ACCESSIBLE (entry), GTK_ACCESSIBLE_PROPERTY_LABEL, prompt, -1);
  adw_message_dialog_set_extra_child (dialog, entry);
  adw_message_dialog_add_responses (dialog,
                                    "cancel", _("_Cancel"),
                                    "confirm", delete ? _("_Delete") : _("_Empty"),
                                    NULL);
  adw_message_dialog_set_response_appearance (dialog, "confirm", ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_response_enabled (dialog, "confirm", FALSE);
  adw_message_dialog_set_default_response (dialog, "cancel");
  adw_message_dialog_set_close_response (dialog, "cancel");
  g_object_set_data_full (G_OBJECT (dialog), "supa-expected", g_strdup (name), g_free);
  g_signal_connect (entry, "changed", G_CALLBACK (confirm_entry_changed_cb), dialog);

  op = g_new0 (BucketOp, 1);
  op->self = g_object_ref (self);
  op->id = g_strdup (name);
  op->delete = delete;
  g_signal_connect (dialog, "response", G_CALLBACK (confirm_bucket_response_cb), op);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
empty_bucket_action (GtkWidget  *widget,
                     const char *action_name,
                     GVariant   *parameter)
{
  confirm_bucket_op (SUPA_BUCKET_BROWSER (widget), FALSE);
}

static void
delete_bucket_action (GtkWidget  *widget,
                      const char *action_name,
                      GVariant   *parameter)
{
  confirm_bucket_op (SUPA_BUCKET_BROWSER (widget), TRUE);
}

/* --------------------------------------------------------- navigation */

static void
activate_cb (GtkColumnView     *view,
             guint              position,
             SupaBucketBrowser *self)
{
  g_autoptr(SupaObjectInfo) info = g_list_model_get_item (G_LIST_MODEL (self->selection), position);

  if (info != NULL && supa_object_info_get_is_folder (info))
    {
      g_autofree char *path = item_path (self, info);

      supa_bucket_browser_open_folder (self, path);
    }
}

static void
go_up_action (GtkWidget  *widget,
              const char *action_name,
              GVariant   *parameter)
{
  SupaBucketBrowser *self = SUPA_BUCKET_BROWSER (widget);
  const char *slash;
  g_autofree char *parent = NULL;

  if (self->prefix == NULL || *self->prefix == '\0')
    return;

  slash = strrchr (self->prefix, '/');
  parent = slash != NULL ? g_strndup (self->prefix, slash - self->prefix) : g_strdup ("");
  supa_bucket_browser_open_folder (self, parent);
}

static void
open_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  SupaBucketBrowser *self = SUPA_BUCKET_BROWSER (widget);
  g_autoptr(GPtrArray) items = selected_items (self);

  if (items->len == 1 && supa_object_info_get_is_folder (g_ptr_array_index (items, 0)))
    {
      g_autofree char *path = item_path (self, g_ptr_array_index (items, 0));

      supa_bucket_browser_open_folder (self, path);
    }
  else if (items->len == 1)
    set_preview_wanted (self, TRUE);
}

static void
refresh_action (GtkWidget  *widget,
                const char *action_name,
                GVariant   *parameter)
{
  SupaBucketBrowser *self = SUPA_BUCKET_BROWSER (widget);

  load_buckets (self);
  schedule_reload_now (self);
}

static void
search_changed_cb (SupaBucketBrowser *self)
{
  if (self->syncing || self->folder_model == NULL)
    return;

  supa_folder_model_set_search (self->folder_model, gtk_editable_get_text (GTK_EDITABLE (self->search_entry)));
}

/* -------------------------------------------------------------- folders */

static void
create_folder_cb (GObject      *object,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(SupaBucketBrowser) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *key = supa_upload_start_finish (SUPA_UPLOAD (object), result, &error);

  if (is_cancelled (error))
    return;

  set_busy (self, FALSE, NULL);
  if (key == NULL)
    toast_error (self, _("Could not create the folder"), error);
  else
    schedule_reload_now (self);
}

gboolean
supa_bucket_browser_create_folder (SupaBucketBrowser  *self,
                                   const char         *name,
                                   GError            **error)
{
  g_autofree char *joined = NULL;
  g_autofree char *folder = NULL;
  g_autofree char *key = NULL;
  g_autoptr(GInputStream) empty = NULL;
  g_autoptr(SupaUpload) upload = NULL;
  g_autofree char *stripped = NULL;

  g_return_val_if_fail (SUPA_IS_BUCKET_BROWSER (self), FALSE);
  g_return_val_if_fail (name != NULL, FALSE);

  if (self->bucket == NULL || self->client == NULL)
    {
      g_set_error_literal (error, SUPA_ERROR, SUPA_ERROR_INVALID_INPUT, _("Open a bucket first."));
      return FALSE;
    }

  stripped = g_strstrip (g_strdup (name));
  if (strchr (stripped, '/') != NULL)
    {
      g_set_error_literal (error, SUPA_ERROR, SUPA_ERROR_INVALID_INPUT, _("A folder name cannot contain “/”."));
      return FALSE;
    }

  joined = supa_storage_path_join (self->prefix, stripped);
  folder = supa_storage_path_normalize (joined, FALSE, error);
  if (folder == NULL)
    return FALSE;

  {
    g_autoptr(GHashTable) taken = loaded_names (self, TRUE);

    if (g_hash_table_contains (taken, stripped))
      {
        g_set_error (error, SUPA_ERROR, SUPA_ERROR_CONFLICT, _("A folder named “%s” already exists here."), stripped);
        return FALSE;
      }
  }

  key = supa_storage_path_join (folder, PLACEHOLDER_NAME);
  empty = g_memory_input_stream_new ();
  upload = supa_upload_new_for_stream (self->client, bucket_id (self), key, empty, 0);
  supa_upload_set_content_type (upload, "application/octet-stream");
  set_busy (self, TRUE, _("Creating folder…"));
  supa_upload_start_async (upload, self->cancellable, create_folder_cb, g_object_ref (self));

  return TRUE;
}

static void
name_entry_changed_cb (GtkEditable      *entry,
                       AdwMessageDialog *dialog)
{
  const char *text = gtk_editable_get_text (entry);
  const char *original = g_object_get_data (G_OBJECT (dialog), "supa-original");
  g_autofree char *stripped = g_strstrip (g_strdup (text));

  adw_message_dialog_set_response_enabled (dialog, "ok",
                                           *stripped != '\0' && g_strcmp0 (stripped, original) != 0);
}

static void
name_entry_activate_cb (GtkEntry         *entry,
                        AdwMessageDialog *dialog)
{
  if (adw_message_dialog_get_response_enabled (dialog, "ok"))
    {
      adw_message_dialog_response (dialog, "ok");
      gtk_window_destroy (GTK_WINDOW (dialog));
    }
}

typedef gboolean (*NameFunc) (SupaBucketBrowser *self,
                              const char        *original,
                              const char        *name,
                              GError           **error);

static void
name_dialog_response_cb (AdwMessageDialog  *dialog,
                         const char        *response,
                         SupaBucketBrowser *self)
{
  GtkWidget *entry = adw_message_dialog_get_extra_child (dialog);
  NameFunc func = g_object_get_data (G_OBJECT (dialog), "supa-func");
  const char *original = g_object_get_data (G_OBJECT (dialog), "supa-original");
  g_autoptr(GError) error = NULL;

  if (!g_str_equal (response, "ok"))
    return;

  if (!func (self, original, gtk_editable_get_text (GTK_EDITABLE (entry)), &error))
    toast (self, error->message);
}

static void
ask_name (SupaBucketBrowser *self,
          const char        *heading,
          const char        *body,
          const char        *ok_label,
          const char        *original,
          NameFunc           func)
{
  AdwMessageDialog *dialog;
  GtkWidget *entry = gtk_entry_new ();

  dialog = ADW_MESSAGE_DIALOG (adw_message_dialog_new (parent_window (self), heading, body));
  gtk_accessible_update_property (GTK_ACCESSIBLE (entry), GTK_ACCESSIBLE_PROPERTY_LABEL, _("Name"), -1);
  gtk_editable_set_text (GTK_EDITABLE (entry), original != NULL ? original : "");
  adw_message_dialog_set_extra_child (dialog, entry);
  adw_message_dialog_add_responses (dialog, "cancel", _("_Cancel"), "ok", ok_label, NULL);
  adw_message_dialog_set_response_appearance (dialog, "ok", ADW_RESPONSE_SUGGESTED);
  adw_message_dialog_set_default_response (dialog, "ok");
  adw_message_dialog_set_close_response (dialog, "cancel");
  adw_message_dialog_set_response_enabled (dialog, "ok", FALSE);
  g_object_set_data_full (G_OBJECT (dialog), "supa-original", g_strdup (original), g_free);
  g_object_set_data (G_OBJECT (dialog), "supa-func", func);
  g_signal_connect (entry, "changed", G_CALLBACK (name_entry_changed_cb), dialog);
  g_signal_connect (entry, "activate", G_CALLBACK (name_entry_activate_cb), dialog);
  g_signal_connect_object (dialog, "response", G_CALLBACK (name_dialog_response_cb), self, 0);
  gtk_window_present (GTK_WINDOW (dialog));
  gtk_widget_grab_focus (entry);

  /* Select the name without its extension, as file managers do. */
  if (original != NULL)
    {
      const char *dot = strrchr (original, '.');
      int end = dot != NULL && dot != original ? (int) g_utf8_pointer_to_offset (original, dot) : -1;

      gtk_editable_select_region (GTK_EDITABLE (entry), 0, end);
    }
}

static gboolean
create_folder_func (SupaBucketBrowser  *self,
                    const char         *original,
                    const char         *name,
                    GError            **error)
{
  return supa_bucket_browser_create_folder (self, name, error);
}

/* Ctrl+F: the search field, its text selected to type over. */
static void
find_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  SupaBucketBrowser *self = SUPA_BUCKET_BROWSER (widget);

  gtk_widget_grab_focus (GTK_WIDGET (self->search_entry));
  gtk_editable_select_region (GTK_EDITABLE (self->search_entry), 0, -1);
}

/* Escape in the search field: clear it and go back to the list. */
static void
search_stopped_cb (SupaBucketBrowser *self)
{
  gtk_editable_set_text (GTK_EDITABLE (self->search_entry), "");
  gtk_widget_grab_focus (GTK_WIDGET (self->column_view));
}

static void
new_folder_action (GtkWidget  *widget,
                   const char *action_name,
                   GVariant   *parameter)
{
  SupaBucketBrowser *self = SUPA_BUCKET_BROWSER (widget);

  ask_name (self, _("New Folder"), _("Storage keeps folders as name prefixes; an empty folder holds a hidden placeholder file."),
            _("C_reate"), NULL, create_folder_func);
}

/* --------------------------------------------------------------- rename */

/* A rename is a move within the folder (see "copy and move" below). */
static gboolean transfer_items (SupaBucketBrowser  *self,
                                SupaObjectOp        op,
                                GPtrArray          *items,
                                const char * const *names,
                                const char         *to_bucket,
                                const char         *to_folder,
                                gboolean            rename,
                                GError            **error);

gboolean
supa_bucket_browser_rename (SupaBucketBrowser  *self,
                            const char         *name,
                            const char         *new_name,
                            GError            **error)
{
  g_autoptr(SupaObjectInfo) info = NULL;
  g_autofree char *stripped = NULL;
  g_autofree char *joined = NULL;
  g_autofree char *target = NULL;
  g_autoptr(GHashTable) taken_files = NULL;
  g_autoptr(GHashTable) taken_folders = NULL;
  g_autoptr(GPtrArray) items = NULL;
  const char *names[2] = { NULL, NULL };

  g_return_val_if_fail (SUPA_IS_BUCKET_BROWSER (self), FALSE);

  info = find_item (self, name);
  if (info == NULL || self->storage == NULL)
    {
      g_set_error (error, SUPA_ERROR, SUPA_ERROR_NOT_FOUND, _("“%s” is not in this folder any more."), name);
      return FALSE;
    }

  stripped = g_strstrip (g_strdup (new_name));
  if (strchr (stripped, '/') != NULL)
    {
      g_set_error_literal (error, SUPA_ERROR, SUPA_ERROR_INVALID_INPUT, _("A name cannot contain “/”."));
      return FALSE;
    }
  joined = supa_storage_path_join (self->prefix, stripped);
  target = supa_storage_path_normalize (joined, FALSE, error);
  if (target == NULL)
    return FALSE;

  taken_files = loaded_names (self, FALSE);
  taken_folders = loaded_names (self, TRUE);
  if (g_hash_table_contains (taken_files, stripped) || g_hash_table_contains (taken_folders, stripped))
    {
      g_set_error (error, SUPA_ERROR, SUPA_ERROR_CONFLICT, _("“%s” already exists here."), stripped);
      return FALSE;
    }
  names[0] = stripped;

  items = g_ptr_array_new_with_free_func (g_object_unref);
  g_ptr_array_add (items, g_steal_pointer (&info));
  return transfer_items (self, SUPA_OBJECT_OP_MOVE, items, names, bucket_id (self), self->prefix, TRUE, error);
}

static gboolean
rename_func (SupaBucketBrowser  *self,
             const char         *original,
             const char         *name,
             GError            **error)
{
  return supa_bucket_browser_rename (self, original, name, error);
}

static void
rename_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  SupaBucketBrowser *self = SUPA_BUCKET_BROWSER (widget);
  g_autoptr(GPtrArray) items = selected_items (self);
  SupaObjectInfo *info;

  if (items->len != 1)
    return;

  info = g_ptr_array_index (items, 0);
  ask_name (self,
            supa_object_info_get_is_folder (info) ? _("Rename Folder") : _("Rename File"),
            supa_object_info_get_is_folder (info) ? _("Every file in the folder is moved to the new name.") : NULL,
            _("_Rename"), supa_object_info_get_name (info), rename_func);
}

/* --------------------------------------------------------------- delete */

typedef struct
{
  SupaBucketBrowser *self;
  char              *bucket;
  GPtrArray         *keys;
  GPtrArray         *failed;      /* "key — reason" */
  GCancellable      *cancellable;
  GCancellable      *parent;
  gulong             parent_id;
  guint              batches;
  guint              removed;
} DeleteJob;

static void
delete_job_free (DeleteJob *job)
{
  end_operation (job->self, &job->cancellable, &job->parent, &job->parent_id);
  g_clear_object (&job->self);
  g_free (job->bucket);
  g_clear_pointer (&job->keys, g_ptr_array_unref);
  g_clear_pointer (&job->failed, g_ptr_array_unref);
  g_free (job);
}

static void
delete_batch_cb (guint               batch,
                 const char * const *requested,
                 const char * const *removed,
                 const GError       *error,
                 gpointer            user_data)
{
  DeleteJob *job = user_data;
  g_autofree char *label = NULL;

  job->removed += removed != NULL ? g_strv_length ((char **) removed) : 0;

  /* A batch that failed even after the retries: every file of it is
   * named in the report (placeholders aside, they may not exist). */
  if (error != NULL && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    for (guint i = 0; requested[i] != NULL; i++)
      {
        g_autofree char *base = supa_storage_path_basename (requested[i]);

        if (!g_str_equal (base, PLACEHOLDER_NAME))
          g_ptr_array_add (job->failed, report_line (requested[i], error->message));
      }

  /* Translators: progress of a deletion in batches */
  label = g_strdup_printf (_("Deleting… batch %u of %u"), MIN (batch + 1, job->batches), job->batches);
  set_operation_progress (job->self, batch + 1, job->batches, label);
}

static void
delete_remove_cb (GObject      *object,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  DeleteJob *job = user_data;
  SupaBucketBrowser *self = job->self;
  g_autoptr(GPtrArray) removed = NULL;
  g_autoptr(GError) error = NULL;

  removed = supa_storage_remove_finish (SUPA_STORAGE (object), result, &error);
  if (section_gone (self, job->parent))
    {
      delete_job_free (job);
      return;
    }

  set_busy (self, FALSE, NULL);
  if (is_cancelled (error))
    {
      /* Translators: a deletion was stopped; %u files were deleted before */
      g_autofree char *text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "Stopped after deleting %u file",
                                                            "Stopped after deleting %u files", job->removed),
                                               job->removed);
      toast (self, text);
    }
  else if (job->failed->len > 0)
    {
      g_autofree char *heading = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u File Was Not Deleted",
                                                               "%u Files Were Not Deleted", job->failed->len),
                                                  job->failed->len);
      g_autofree char *footer = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u file was deleted.",
                                                              "%u files were deleted.", job->removed),
                                                 job->removed);

      show_report (self, "delete-report", heading, job->failed, footer);
    }
  else if (removed == NULL)
    toast_error (self, _("Could not delete everything"), error);
  else
    {
      g_autofree char *text = NULL;

      /* Translators: result of a deletion; placeholders are not counted */
      text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "Deleted %u file", "Deleted %u files", job->removed),
                              job->removed);
      toast (self, text);
    }
  schedule_reload_now (self);

  delete_job_free (job);
}

static void
delete_start (DeleteJob *job)
{
  SupaBucketBrowser *self = job->self;

  if (job->keys->len == 0 || self->storage == NULL)
    {
      set_busy (self, FALSE, NULL);
      schedule_reload_now (self);
      delete_job_free (job);
      return;
    }

  job->batches = (job->keys->len + REMOVE_BATCH_SIZE - 1) / REMOVE_BATCH_SIZE;
  g_ptr_array_add (job->keys, NULL);
  supa_storage_remove_async (self->storage, job->bucket, (const char * const *) job->keys->pdata,
                             REMOVE_BATCH_SIZE, delete_batch_cb, job,
                             job->cancellable, delete_remove_cb, job);
}

static void
delete_collect_cb (GObject      *object,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  DeleteJob *job = user_data;
  g_autoptr(GPtrArray) keys = NULL;
  g_autoptr(GPtrArray) placeholders = NULL;
  g_autoptr(GError) error = NULL;

  keys = collect_keys_finish (result, &placeholders, &error);
  if (keys == NULL)
    {
      SupaBucketBrowser *self = job->self;

      if (!section_gone (self, job->parent))
        {
          set_busy (self, FALSE, NULL);
          if (!is_cancelled (error))
            toast_error (self, _("Could not list the folders to delete"), error);
        }
      delete_job_free (job);
      return;
    }

  for (guint i = 0; i < keys->len; i++)
    g_ptr_array_add (job->keys, g_strdup (g_ptr_array_index (keys, i)));
  /* Removing a key that does not exist is silently ignored by Storage. */
  for (guint i = 0; i < placeholders->len; i++)
    g_ptr_array_add (job->keys, g_strdup (g_ptr_array_index (placeholders, i)));

  delete_start (job);
}

void
supa_bucket_browser_delete_selected (SupaBucketBrowser *self)
{
  g_autoptr(GPtrArray) items = NULL;
  g_autoptr(GPtrArray) folders = NULL;
  DeleteJob *job;

  g_return_if_fail (SUPA_IS_BUCKET_BROWSER (self));

  items = selected_items (self);
  if (items->len == 0 || self->storage == NULL || self->bucket == NULL)
    return;

  job = g_new0 (DeleteJob, 1);
  job->self = g_object_ref (self);
  job->bucket = g_strdup (bucket_id (self));
  job->keys = g_ptr_array_new_with_free_func (g_free);
  job->failed = g_ptr_array_new_with_free_func (g_free);
  job->cancellable = begin_operation (self, &job->parent, &job->parent_id);
  folders = g_ptr_array_new_with_free_func (g_free);

  for (guint i = 0; i < items->len; i++)
    {
      SupaObjectInfo *info = g_ptr_array_index (items, i);

      if (supa_object_info_get_is_folder (info))
        g_ptr_array_add (folders, item_path (self, info));
      else
        g_ptr_array_add (job->keys, item_path (self, info));
    }

  set_busy (self, TRUE, _("Deleting…"));
  if (folders->len > 0)
    {
      g_ptr_array_add (folders, NULL);
      collect_keys_async (self->storage, job->bucket, (const char * const *) folders->pdata,
                          job->cancellable, delete_collect_cb, job);
    }
  else
    delete_start (job);
}

static void
delete_response_cb (AdwMessageDialog  *dialog,
                    const char        *response,
                    SupaBucketBrowser *self)
{
  if (g_str_equal (response, "delete"))
    supa_bucket_browser_delete_selected (self);
}

static void
delete_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  SupaBucketBrowser *self = SUPA_BUCKET_BROWSER (widget);
  g_autoptr(GPtrArray) items = selected_items (self);
  AdwMessageDialog *dialog;
  g_autofree char *heading = NULL;
  guint n_folders = 0;

  if (items->len == 0)
    return;

  for (guint i = 0; i < items->len; i++)
    if (supa_object_info_get_is_folder (g_ptr_array_index (items, i)))
      n_folders++;

  if (items->len == 1)
    /* Translators: %s is a file or folder name */
    heading = g_strdup_printf (_("Delete “%s”?"), supa_object_info_get_name (g_ptr_array_index (items, 0)));
  else
    heading = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "Delete %u Item?", "Delete %u Items?", items->len), items->len);

  dialog = ADW_MESSAGE_DIALOG (adw_message_dialog_new (parent_window (self), heading,
                                                       n_folders > 0 ? _("Folders are deleted with everything in them. This cannot be undone.")
                                                                     : _("This cannot be undone.")));
  adw_message_dialog_add_responses (dialog, "cancel", _("_Cancel"), "delete", _("_Delete"), NULL);
  adw_message_dialog_set_response_appearance (dialog, "delete", ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_default_response (dialog, "cancel");
  adw_message_dialog_set_close_response (dialog, "cancel");
  g_signal_connect_object (dialog, "response", G_CALLBACK (delete_response_cb), self, 0);
  gtk_window_present (GTK_WINDOW (dialog));
}

/* ----------------------------------------------------------------- URLs */

static void
copy_to_clipboard (SupaBucketBrowser *self,
                   const char        *text)
{
  gdk_clipboard_set_text (gtk_widget_get_clipboard (GTK_WIDGET (self)), text);
}

typedef struct
{
  SupaBucketBrowser *self;
  guint              seconds;
} SignJob;

static void
signed_url_cb (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  SignJob *job = user_data;
  g_autoptr(SupaBucketBrowser) self = job->self;
  guint seconds = job->seconds;
  g_autoptr(GError) error = NULL;
  g_autofree char *url = supa_storage_create_signed_url_finish (SUPA_STORAGE (object), result, &error);

  g_free (job);
  if (is_cancelled (error))
    return;

  if (url == NULL)
    {
      toast_error (self, _("Could not sign the URL"), error);
      return;
    }

  copy_to_clipboard (self, url);
  if (seconds >= 86400)
    {
      guint days = seconds / 86400;
      g_autofree char *text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                                            "Signed URL copied, valid for %u day",
                                                            "Signed URL copied, valid for %u days", days), days);
      toast (self, text);
    }
  else if (seconds >= 3600)
    {
      guint hours = seconds / 3600;
      g_autofree char *text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                                            "Signed URL copied, valid for %u hour",
                                                            "Signed URL copied, valid for %u hours", hours), hours);
      toast (self, text);
    }
  else
    {
      guint minutes = MAX (seconds / 60, 1);
      g_autofree char *text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                                            "Signed URL copied, valid for %u minute",
                                                            "Signed URL copied, valid for %u minutes", minutes), minutes);
      toast (self, text);
    }
}

static SupaObjectInfo *
single_selected_file (SupaBucketBrowser *self)
{
  g_autoptr(GPtrArray) items = selected_items (self);

  if (items->len != 1 || supa_object_info_get_is_folder (g_ptr_array_index (items, 0)))
    return NULL;

  return g_object_ref (g_ptr_array_index (items, 0));
}

static void
copy_signed_url (SupaBucketBrowser *self,
                 guint              seconds)
{
  g_autoptr(SupaObjectInfo) info = single_selected_file (self);
  g_autofree char *path = NULL;
  SignJob *job;

  if (info == NULL || self->storage == NULL || seconds == 0)
    return;

  path = item_path (self, info);
  job = g_new0 (SignJob, 1);
  job->self = g_object_ref (self);
  job->seconds = seconds;
  supa_storage_create_signed_url_async (self->storage, bucket_id (self), path, job->seconds,
                                        NULL, NULL, self->cancellable, signed_url_cb, job);
}

static void
copy_signed_url_action (GtkWidget  *widget,
                        const char *action_name,
                        GVariant   *parameter)
{
  copy_signed_url (SUPA_BUCKET_BROWSER (widget), g_variant_get_uint32 (parameter));
}

/* Units of the custom expiry, in seconds; a signed URL may last ten years
 * at most here (Storage takes any positive number of seconds). */
static const guint expiry_units[] = { 60, 3600, 86400 };
#define EXPIRY_MAX_SECONDS (10u * 365u * 86400u)

static guint
custom_expiry_seconds (AdwMessageDialog *dialog)
{
  GtkSpinButton *amount = g_object_get_data (G_OBJECT (dialog), "supa-amount");
  GtkDropDown *unit = g_object_get_data (G_OBJECT (dialog), "supa-unit");
  guint index = gtk_drop_down_get_selected (unit);
  guint64 seconds;

  if (index >= G_N_ELEMENTS (expiry_units))
    return 0;
  seconds = (guint64) gtk_spin_button_get_value_as_int (amount) * expiry_units[index];
  return seconds > 0 && seconds <= EXPIRY_MAX_SECONDS ? (guint) seconds : 0;
}

static void
custom_expiry_changed_cb (AdwMessageDialog *dialog)
{
  adw_message_dialog_set_response_enabled (dialog, "copy", custom_expiry_seconds (dialog) != 0);
}

static void
custom_expiry_response_cb (AdwMessageDialog  *dialog,
                           const char        *response,
                           SupaBucketBrowser *self)
{
  if (g_strcmp0 (response, "copy") == 0)
    copy_signed_url (self, custom_expiry_seconds (dialog));
}

static void
copy_signed_url_custom_action (GtkWidget  *widget,
                               const char *action_name,
                               GVariant   *parameter)
{
  SupaBucketBrowser *self = SUPA_BUCKET_BROWSER (widget);
  g_autoptr(SupaObjectInfo) info = single_selected_file (self);
  const char * const units[] = { N_("Minutes"), N_("Hours"), N_("Days"), NULL };
  g_autoptr(GtkStringList) unit_names = gtk_string_list_new (NULL);
  AdwMessageDialog *dialog;
  GtkWidget *box;
  GtkWidget *amount;
  GtkWidget *unit;
  g_autofree char *body = NULL;

  if (info == NULL || self->storage == NULL)
    return;

  for (guint i = 0; units[i] != NULL; i++)
    gtk_string_list_append (unit_names, _(units[i]));

  /* Translators: %s is a file name */
  body = g_strdup_printf (_("Anyone with the link can download “%s” until it expires."),
                          supa_object_info_get_name (info));
  dialog = ADW_MESSAGE_DIALOG (adw_message_dialog_new (parent_window (self), _("Copy Signed URL"), body));
  gtk_widget_set_name (GTK_WIDGET (dialog), "signed-url-dialog");

  box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  gtk_widget_set_halign (box, GTK_ALIGN_CENTER);
  amount = gtk_spin_button_new_with_range (1, 3650, 1);
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (amount), 2);
  gtk_widget_set_name (amount, "expiry-amount");
  gtk_accessible_update_property (GTK_ACCESSIBLE (amount), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Valid for"), -1);
  unit = gtk_drop_down_new (G_LIST_MODEL (g_object_ref (unit_names)), NULL);
  gtk_drop_down_set_selected (GTK_DROP_DOWN (unit), 2);
  gtk_widget_set_name (unit, "expiry-unit");
  gtk_accessible_update_property (GTK_ACCESSIBLE (unit), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Unit"), -1);
  gtk_box_append (GTK_BOX (box), amount);
  gtk_box_append (GTK_BOX (box), unit);
  adw_message_dialog_set_extra_child (dialog, box);
  g_object_set_data (G_OBJECT (dialog), "supa-amount", amount);
  g_object_set_data (G_OBJECT (dialog), "supa-unit", unit);

  adw_message_dialog_add_responses (dialog,
                                    "cancel", _("_Cancel"),
                                    "copy", _("_Copy URL"),
                                    NULL);
  adw_message_dialog_set_response_appearance (dialog, "copy", ADW_RESPONSE_SUGGESTED);
  adw_message_dialog_set_default_response (dialog, "copy");
  adw_message_dialog_set_close_response (dialog, "cancel");
  g_signal_connect_swapped (amount, "value-changed", G_CALLBACK (custom_expiry_changed_cb), dialog);
  g_signal_connect_swapped (unit, "notify::selected", G_CALLBACK (custom_expiry_changed_cb), dialog);
  g_signal_connect_object (dialog, "response", G_CALLBACK (custom_expiry_response_cb), self, 0);
  gtk_window_present (GTK_WINDOW (dialog));
  gtk_widget_grab_focus (amount);
}

static void
copy_public_url_action (GtkWidget  *widget,
                        const char *action_name,
                        GVariant   *parameter)
{
  SupaBucketBrowser *self = SUPA_BUCKET_BROWSER (widget);
  g_autoptr(SupaObjectInfo) info = single_selected_file (self);
  g_autofree char *path = NULL;
  g_autofree char *url = NULL;

  if (info == NULL || self->storage == NULL || self->bucket == NULL || !supa_bucket_get_public (self->bucket))
    return;

  path = item_path (self, info);
  url = supa_storage_get_public_url (self->storage, bucket_id (self), path, NULL, NULL);
  if (url == NULL)
    return;

  copy_to_clipboard (self, url);
  toast (self, _("Public URL copied"));
}

/* ------------------------------------------------------------- transfers */

static void
note_batch_start (SupaBucketBrowser *self)
{
  if (self->queue != NULL && supa_transfer_queue_get_n_active (self->queue) == 0)
    self->batch_started = g_get_monotonic_time ();
}

typedef struct
{
  SupaBucketBrowser *self;
  char              *bucket;
  char              *prefix;
  GFile             *destination;
  GPtrArray         *files;      /* keys of selected files */
} DownloadJob;

static void
download_job_free (DownloadJob *job)
{
  g_clear_object (&job->self);
  g_free (job->bucket);
  g_free (job->prefix);
  g_clear_object (&job->destination);
  g_clear_pointer (&job->files, g_ptr_array_unref);
  g_free (job);
}

static void
queue_downloads (DownloadJob *job,
                 GPtrArray   *keys)
{
  SupaBucketBrowser *self = job->self;
  gsize skip = job->prefix != NULL && *job->prefix != '\0' ? strlen (job->prefix) + 1 : 0;
  guint queued = 0;

  if (self->queue == NULL)
    return;

  note_batch_start (self);
  for (guint i = 0; i < keys->len; i++)
    {
      const char *key = g_ptr_array_index (keys, i);
      g_autoptr(GFile) target = g_file_resolve_relative_path (job->destination, key + skip);
      g_autoptr(GFile) parent = g_file_get_parent (target);
      g_autoptr(GError) error = NULL;

      if (parent != NULL && !g_file_make_directory_with_parents (parent, NULL, &error) &&
          !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_EXISTS))
        {
          toast_error (self, _("Could not create a folder for the download"), error);
          continue;
        }

      supa_transfer_queue_add_download (self->queue, job->bucket, key, target);
      queued++;
    }

  if (queued > 0)
    {
      g_autofree char *text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "Downloading %u file",
                                                            "Downloading %u files", queued), queued);
      toast (self, text);
    }
}

static void
download_collect_cb (GObject      *object,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  DownloadJob *job = user_data;
  g_autoptr(GPtrArray) keys = NULL;
  g_autoptr(GError) error = NULL;

  keys = collect_keys_finish (result, NULL, &error);
  if (keys == NULL)
    {
      if (!is_cancelled (error))
        toast_error (job->self, _("Could not list the folders to download"), error);
      download_job_free (job);
      return;
    }

  for (guint i = 0; i < job->files->len; i++)
    g_ptr_array_add (keys, g_strdup (g_ptr_array_index (job->files, i)));
  queue_downloads (job, keys);
  download_job_free (job);
}

void
supa_bucket_browser_download_selected (SupaBucketBrowser *self,
                                       GFile             *folder)
{
  g_autoptr(GPtrArray) items = NULL;
  g_autoptr(GPtrArray) folders = NULL;
  DownloadJob *job;

  g_return_if_fail (SUPA_IS_BUCKET_BROWSER (self));
  g_return_if_fail (G_IS_FILE (folder));

  items = selected_items (self);
  if (self->storage == NULL || self->bucket == NULL || items->len == 0)
    return;

  job = g_new0 (DownloadJob, 1);
  job->self = g_object_ref (self);
  job->bucket = g_strdup (bucket_id (self));
  job->prefix = g_strdup (self->prefix);
  job->files = g_ptr_array_new_with_free_func (g_free);
  job->destination = g_object_ref (folder);

  folders = g_ptr_array_new_with_free_func (g_free);
  for (guint i = 0; i < items->len; i++)
    {
      SupaObjectInfo *info = g_ptr_array_index (items, i);

      if (supa_object_info_get_is_folder (info))
        g_ptr_array_add (folders, item_path (self, info));
      else
        g_ptr_array_add (job->files, item_path (self, info));
    }

  g_ptr_array_add (folders, NULL);
  collect_keys_async (self->storage, job->bucket, (const char * const *) folders->pdata,
                      self->cancellable, download_collect_cb, job);
}

static void
download_chooser_response_cb (GtkNativeDialog   *chooser,
                              int                response,
                              SupaBucketBrowser *self)
{
  g_autoptr(GFile) folder = NULL;

  if (response == GTK_RESPONSE_ACCEPT &&
      (folder = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (chooser))) != NULL)
    supa_bucket_browser_download_selected (self, folder);

  g_object_unref (chooser);
  g_object_unref (self);
}

static void
download_action (GtkWidget  *widget,
                 const char *action_name,
                 GVariant   *parameter)
{
  SupaBucketBrowser *self = SUPA_BUCKET_BROWSER (widget);
  GtkFileChooserNative *chooser;

  if (self->bucket == NULL)
    return;

  chooser = gtk_file_chooser_native_new (_("Download To"), parent_window (self),
                                         GTK_FILE_CHOOSER_ACTION_SELECT_FOLDER,
                                         _("_Download"), _("_Cancel"));
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (chooser), TRUE);
  g_signal_connect (chooser, "response", G_CALLBACK (download_chooser_response_cb), g_object_ref (self));
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (chooser));
}

/* ------------------------------------------------------------- uploads */

typedef struct
{
  GFile *file;
  char  *relative;      /* path below the target folder, "/"-separated */
  gint64 size;
  char  *content_type;  /* a MIME type */
} ScanEntry;

static void
scan_entry_free (ScanEntry *entry)
{
  if (entry == NULL)
    return;
  g_clear_object (&entry->file);
  g_free (entry->relative);
  g_free (entry->content_type);
  g_free (entry);
}

typedef struct
{
  SupaBucketBrowser *self;
  SupaBucket        *bucket;
  char              *target;     /* folder prefix to upload into */
  GPtrArray         *inputs;     /* GFile */
  GPtrArray         *entries;    /* ScanEntry */
  GPtrArray         *refused;    /* "name — reason" */
  GHashTable        *taken;      /* keys of the files already in the bucket */
  GHashTable        *needed;     /* folder keys the entries go into */
  GQueue             ready;      /* folder keys to list next */
  guint              in_flight;  /* listings running */
  gboolean           cancelled;
  gboolean           list_failed;
  guint              index;
  int                apply_all;  /* -1, or the choice for every conflict */
  guint              queued;
} UploadJob;

enum {
  CHOICE_REPLACE,
  CHOICE_KEEP_BOTH,
  CHOICE_SKIP,
};

/* The question for a name taken at the destination, asked the same way by
 * uploads and by copies and moves; conflict_choice() reads the answer. */
static AdwMessageDialog *
conflict_dialog_new (SupaBucketBrowser *self,
                     const char        *name,
                     const char        *body)
{
  /* Translators: %s is a file name */
  g_autofree char *heading = g_strdup_printf (_("“%s” Already Exists"), name);
  AdwMessageDialog *dialog = ADW_MESSAGE_DIALOG (adw_message_dialog_new (parent_window (self), heading, body));

  gtk_widget_set_name (GTK_WIDGET (dialog), "conflict-dialog");
  adw_message_dialog_set_extra_child (dialog, gtk_check_button_new_with_mnemonic (_("_Apply to all conflicts")));
  adw_message_dialog_add_responses (dialog,
                                    "skip", _("_Skip"),
                                    "keep", _("_Keep Both"),
                                    "replace", _("_Replace"),
                                    NULL);
  adw_message_dialog_set_response_appearance (dialog, "replace", ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_default_response (dialog, "keep");
  adw_message_dialog_set_close_response (dialog, "skip");
  return dialog;
}

/* The CHOICE_ of a response; with "Apply to all" ticked it is also
 * stored in @apply_all for the conflicts still to come. */
static int
conflict_choice (AdwMessageDialog *dialog,
                 const char       *response,
                 int              *apply_all)
{
  GtkWidget *check = adw_message_dialog_get_extra_child (dialog);
  int choice = CHOICE_SKIP;

  if (g_str_equal (response, "replace"))
    choice = CHOICE_REPLACE;
  else if (g_str_equal (response, "keep"))
    choice = CHOICE_KEEP_BOTH;
  if (gtk_check_button_get_active (GTK_CHECK_BUTTON (check)))
    *apply_all = choice;
  return choice;
}

static void
upload_job_free (UploadJob *job)
{
  g_clear_object (&job->self);
  g_clear_object (&job->bucket);
  g_free (job->target);
  g_clear_pointer (&job->inputs, g_ptr_array_unref);
  g_clear_pointer (&job->entries, g_ptr_array_unref);
  g_clear_pointer (&job->refused, g_ptr_array_unref);
  g_clear_pointer (&job->taken, g_hash_table_unref);
  g_clear_pointer (&job->needed, g_hash_table_unref);
  g_queue_clear_full (&job->ready, g_free);
  g_free (job);
}

static char *
guess_mime (const char *name)
{
  g_autofree char *type = g_content_type_guess (name, NULL, 0, NULL);
  char *mime = g_content_type_get_mime_type (type);

  return mime != NULL ? mime : g_strdup ("application/octet-stream");
}

static gboolean
scan_file (GFile         *file,
           const char    *relative,
           GPtrArray     *entries,
           GCancellable  *cancellable,
           GError       **error)
{
  g_autoptr(GFileInfo) info = NULL;

  info = g_file_query_info (file,
                            G_FILE_ATTRIBUTE_STANDARD_TYPE "," G_FILE_ATTRIBUTE_STANDARD_SIZE ","
                            G_FILE_ATTRIBUTE_STANDARD_NAME,
                            G_FILE_QUERY_INFO_NONE, cancellable, error);
  if (info == NULL)
    return FALSE;

  if (g_file_info_get_file_type (info) == G_FILE_TYPE_DIRECTORY)
    {
      g_autoptr(GFileEnumerator) enumerator = NULL;
      gboolean any = FALSE;

      enumerator = g_file_enumerate_children (file, G_FILE_ATTRIBUTE_STANDARD_NAME,
                                              G_FILE_QUERY_INFO_NONE, cancellable, error);
      if (enumerator == NULL)
        return FALSE;

      while (TRUE)
        {
          GFileInfo *child_info = NULL;
          GFile *child = NULL;
          g_autofree char *child_relative = NULL;

          if (!g_file_enumerator_iterate (enumerator, &child_info, &child, cancellable, error))
            return FALSE;
          if (child_info == NULL)
            break;

          any = TRUE;
          child_relative = g_strconcat (relative, "/", g_file_info_get_name (child_info), NULL);
          if (!scan_file (child, child_relative, entries, cancellable, error))
            return FALSE;
        }

      /* An empty local folder becomes an empty Storage folder. */
      if (!any)
        {
          ScanEntry *entry = g_new0 (ScanEntry, 1);

          entry->relative = g_strconcat (relative, "/" PLACEHOLDER_NAME, NULL);
          entry->size = 0;
          entry->content_type = g_strdup ("application/octet-stream");
          g_ptr_array_add (entries, entry);
        }
    }
  else if (g_file_info_get_file_type (info) == G_FILE_TYPE_REGULAR)
    {
      ScanEntry *entry = g_new0 (ScanEntry, 1);

      entry->file = g_object_ref (file);
      entry->relative = g_strdup (relative);
      entry->size = g_file_info_get_size (info);
      entry->content_type = guess_mime (g_file_info_get_name (info));
      g_ptr_array_add (entries, entry);
    }

  return TRUE;
}

static void
scan_thread (GTask        *task,
             gpointer      source_object,
             gpointer      task_data,
             GCancellable *cancellable)
{
  GPtrArray *inputs = task_data;
  GPtrArray *entries = g_ptr_array_new_with_free_func ((GDestroyNotify) scan_entry_free);

  for (guint i = 0; i < inputs->len; i++)
    {
      GFile *file = g_ptr_array_index (inputs, i);
      g_autofree char *name = g_file_get_basename (file);
      g_autoptr(GError) error = NULL;

      if (!scan_file (file, name, entries, cancellable, &error))
        {
          g_ptr_array_unref (entries);
          g_task_return_error (task, g_steal_pointer (&error));
          return;
        }
    }

  g_task_return_pointer (task, entries, (GDestroyNotify) g_ptr_array_unref);
}

static void upload_continue (UploadJob *job);

static void
show_refused (SupaBucketBrowser *self,
              GPtrArray         *refused,
              guint              queued)
{
  g_autofree char *heading = NULL;
  g_autofree char *footer = NULL;

  if (queued > 0)
    footer = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "The other file is being uploaded.",
                                           "The other %u files are being uploaded.", queued), queued);
  heading = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u File Cannot Be Uploaded",
                                          "%u Files Cannot Be Uploaded", refused->len), refused->len);
  show_report (self, "refused-dialog", heading, refused, footer);
}

static char *
entry_key (UploadJob *job,
           ScanEntry *entry)
{
  return supa_storage_path_join (job->target, entry->relative);
}

static void
queue_entry (UploadJob  *job,
             ScanEntry  *entry,
             const char *key,
             gboolean    upsert)
{
  SupaBucketBrowser *self = job->self;

  if (entry->file == NULL)
    {
      /* An empty folder: its placeholder goes up directly. */
      g_autoptr(GInputStream) empty = g_memory_input_stream_new ();
      g_autoptr(SupaUpload) upload = supa_upload_new_for_stream (self->client, supa_bucket_get_id (job->bucket),
                                                                 key, empty, 0);

      supa_upload_set_content_type (upload, "application/octet-stream");
      supa_upload_start_async (upload, self->cancellable, create_folder_cb, g_object_ref (self));
      set_busy (self, TRUE, _("Creating folder…"));
      return;
    }

  supa_transfer_queue_add_upload (self->queue, entry->file, supa_bucket_get_id (job->bucket),
                                  key, entry->content_type, upsert);
  job->queued++;
}

/* Skipping queues nothing. */
static void
upload_resolve (UploadJob  *job,
                ScanEntry  *entry,
                const char *key,
                int         choice)
{
  if (choice == CHOICE_REPLACE)
    queue_entry (job, entry, key, TRUE);
  else if (choice == CHOICE_KEEP_BOTH)
    {
      g_autofree char *kept = keep_both_key (key, job->taken);

      g_hash_table_add (job->taken, g_strdup (kept));
      queue_entry (job, entry, kept, FALSE);
    }
}

static void
conflict_response_cb (AdwMessageDialog *dialog,
                      const char       *response,
                      UploadJob        *job)
{
  ScanEntry *entry = g_ptr_array_index (job->entries, job->index);
  g_autofree char *key = entry_key (job, entry);

  upload_resolve (job, entry, key, conflict_choice (dialog, response, &job->apply_all));
  job->index++;
  upload_continue (job);
}

static void
upload_continue (UploadJob *job)
{
  SupaBucketBrowser *self = job->self;

  if (self->queue == NULL)
    {
      upload_job_free (job);
      return;
    }

  while (job->index < job->entries->len)
    {
      ScanEntry *entry = g_ptr_array_index (job->entries, job->index);
      g_autofree char *key = entry_key (job, entry);

      /* Every file, however deep in a dropped tree, is checked against
       * the listings of the folders it goes into. */
      if (entry->file != NULL && g_hash_table_contains (job->taken, key))
        {
          if (job->apply_all < 0)
            {
              AdwMessageDialog *dialog;
              g_autofree char *body = NULL;

              if (strchr (entry->relative, '/') != NULL)
                {
                  g_autofree char *dir = g_path_get_dirname (key);

                  /* Translators: %s is the folder of a file in the bucket */
                  body = g_strdup_printf (_("A file with this name is already in “%s”."), dir);
                }
              else
                body = g_strdup (_("A file with this name is already in the folder."));
              dialog = conflict_dialog_new (self, entry->relative, body);
              g_signal_connect (dialog, "response", G_CALLBACK (conflict_response_cb), job);
              gtk_window_present (GTK_WINDOW (dialog));
              return;
            }
          upload_resolve (job, entry, key, job->apply_all);
          job->index++;
          continue;
        }

      queue_entry (job, entry, key, FALSE);
      job->index++;
    }

  if (job->refused->len > 0)
    show_refused (self, job->refused, job->queued);
  else if (job->queued > 0)
    {
      g_autofree char *text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "Uploading %u file",
                                                            "Uploading %u files", job->queued), job->queued);
      toast (self, text);
    }

  upload_job_free (job);
}

/* Before anything is queued, the folders the files go into are listed (the
 * target, then only subfolders that turn out to exist, a few at a time), so
 * that a name taken anywhere in a dropped tree is a conflict to ask about
 * rather than a failed upload. */
#define LIST_PARALLEL 4

static void list_pump (UploadJob *job);

static void
listing_done (UploadJob *job)
{
  SupaBucketBrowser *self = job->self;

  set_busy (self, FALSE, NULL);
  if (job->cancelled)
    {
      upload_job_free (job);
      return;
    }

  note_batch_start (self);
  upload_continue (job);
}

typedef struct
{
  UploadJob *job;
  char      *prefix;
} ListRequest;

static void
list_folder_cb (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  ListRequest *request = user_data;
  UploadJob *job = request->job;
  g_autofree char *prefix = request->prefix;
  g_autoptr(GPtrArray) items = NULL;
  g_autoptr(GError) error = NULL;

  g_free (request);

  items = supa_storage_list_finish (SUPA_STORAGE (object), result, &error);
  job->in_flight--;

  if (items == NULL)
    {
      if (is_cancelled (error))
        job->cancelled = TRUE;
      else if (!job->cancelled && !job->list_failed)
        {
          /* Unknown names: such files go up without overwriting (and
           * fail if taken), so nothing is lost. */
          job->list_failed = TRUE;
          toast_error (job->self, _("Could not check for existing files"), error);
        }
    }
  else
    {
      for (guint i = 0; i < items->len; i++)
        {
          SupaObjectInfo *info = g_ptr_array_index (items, i);
          char *key = supa_storage_path_join (prefix, supa_object_info_get_name (info));

          if (!supa_object_info_get_is_folder (info))
            g_hash_table_add (job->taken, key);
          else if (g_hash_table_contains (job->needed, key))
            g_queue_push_tail (&job->ready, key);
          else
            g_free (key);
        }
    }

  list_pump (job);
}

static void
list_pump (UploadJob *job)
{
  SupaBucketBrowser *self = job->self;

  if (job->cancelled || self->storage == NULL)
    {
      job->cancelled = TRUE;
      g_queue_clear_full (&job->ready, g_free);
    }

  while (job->in_flight < LIST_PARALLEL && !g_queue_is_empty (&job->ready))
    {
      ListRequest *request = g_new0 (ListRequest, 1);

      request->job = job;
      request->prefix = g_queue_pop_head (&job->ready);
      job->in_flight++;
      supa_storage_list_all_async (self->storage, supa_bucket_get_id (job->bucket), request->prefix, NULL,
                                   self->cancellable, list_folder_cb, request);
    }

  if (job->in_flight == 0 && g_queue_is_empty (&job->ready))
    listing_done (job);
}

static void
start_listing (UploadJob *job)
{
  job->taken = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  job->needed = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  for (guint i = 0; i < job->entries->len; i++)
    {
      ScanEntry *entry = g_ptr_array_index (job->entries, i);
      g_autofree char *key = NULL;
      char *slash;

      if (entry->file == NULL)
        continue;

      /* Every folder from the file's up to the target. */
      key = entry_key (job, entry);
      while ((slash = strrchr (key, '/')) != NULL && (gsize) (slash - key) > strlen (job->target))
        {
          *slash = '\0';
          if (!g_hash_table_add (job->needed, g_strdup (key)))
            break;
        }
      g_hash_table_add (job->needed, g_strdup (job->target));
    }

  set_busy (job->self, TRUE, _("Checking for existing files…"));
  if (g_hash_table_size (job->needed) > 0)
    g_queue_push_tail (&job->ready, g_strdup (job->target));
  list_pump (job);
}

static void
scan_cb (GObject      *object,
         GAsyncResult *result,
         gpointer      user_data)
{
  UploadJob *job = user_data;
  SupaBucketBrowser *self = job->self;
  g_autoptr(GPtrArray) entries = NULL;
  g_autoptr(GError) error = NULL;

  entries = g_task_propagate_pointer (G_TASK (result), &error);
  set_busy (self, FALSE, NULL);
  if (entries == NULL)
    {
      if (!is_cancelled (error))
        toast_error (self, _("Could not read the dropped files"), error);
      upload_job_free (job);
      return;
    }

  /* Pre-flight: nothing is sent for a file the bucket would refuse. */
  job->entries = g_ptr_array_new_with_free_func ((GDestroyNotify) scan_entry_free);
  for (guint i = 0; i < entries->len; i++)
    {
      ScanEntry *entry = g_ptr_array_index (entries, i);
      g_autofree char *reason = entry->file != NULL ? supa_bucket_browser_preflight (job->bucket, entry->content_type, entry->size)
                                                    : NULL;

      if (reason != NULL)
        g_ptr_array_add (job->refused, g_strdup_printf ("%s — %s", entry->relative, reason));
      else
        g_ptr_array_add (job->entries, g_steal_pointer (&g_ptr_array_index (entries, i)));
    }

  start_listing (job);
}

void
supa_bucket_browser_upload_files (SupaBucketBrowser *self,
                                  GSList            *files,
                                  const char        *folder)
{
  g_autoptr(GTask) task = NULL;
  UploadJob *job;

  g_return_if_fail (SUPA_IS_BUCKET_BROWSER (self));

  if (self->bucket == NULL || self->queue == NULL || files == NULL)
    return;

  job = g_new0 (UploadJob, 1);
  job->self = g_object_ref (self);
  job->bucket = g_object_ref (self->bucket);
  job->target = g_strdup (folder != NULL ? folder : self->prefix);
  while (*job->target != '\0' && job->target[strlen (job->target) - 1] == '/')
    job->target[strlen (job->target) - 1] = '\0';
  job->inputs = g_ptr_array_new_with_free_func (g_object_unref);
  job->refused = g_ptr_array_new_with_free_func (g_free);
  job->apply_all = -1;
  for (GSList *l = files; l != NULL; l = l->next)
    g_ptr_array_add (job->inputs, g_object_ref (l->data));

  set_busy (self, TRUE, _("Reading files…"));
  task = g_task_new (self, self->cancellable, scan_cb, job);
  g_task_set_source_tag (task, supa_bucket_browser_upload_files);
  g_task_set_task_data (task, g_ptr_array_ref (job->inputs), (GDestroyNotify) g_ptr_array_unref);
  g_task_run_in_thread (task, scan_thread);
}

gboolean
supa_bucket_browser_drop (SupaBucketBrowser *self,
                          const GValue      *value,
                          const char        *folder)
{
  GdkFileList *list;

  g_return_val_if_fail (SUPA_IS_BUCKET_BROWSER (self), FALSE);

  if (!G_VALUE_HOLDS (value, GDK_TYPE_FILE_LIST) || self->bucket == NULL || self->queue == NULL)
    return FALSE;

  list = g_value_get_boxed (value);
  if (list == NULL)
    return FALSE;

  supa_bucket_browser_upload_files (self, gdk_file_list_get_files (list), folder);
  return TRUE;
}

static gboolean
view_drop_cb (GtkDropTarget     *target,
              const GValue      *value,
              double             x,
              double             y,
              SupaBucketBrowser *self)
{
  gtk_widget_remove_css_class (GTK_WIDGET (self->content_stack), "drop-highlight");
  return supa_bucket_browser_drop (self, value, NULL);
}

static void
upload_chooser_response_cb (GtkNativeDialog   *chooser,
                            int                response,
                            SupaBucketBrowser *self)
{
  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GListModel) files = gtk_file_chooser_get_files (GTK_FILE_CHOOSER (chooser));
      GSList *list = NULL;

      for (guint i = g_list_model_get_n_items (files); i > 0; i--)
        list = g_slist_prepend (list, g_list_model_get_item (files, i - 1));
      supa_bucket_browser_upload_files (self, list, NULL);
      g_slist_free_full (list, g_object_unref);
    }

  g_object_unref (chooser);
  g_object_unref (self);
}

static void
upload_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  SupaBucketBrowser *self = SUPA_BUCKET_BROWSER (widget);
  GtkFileChooserNative *chooser;

  if (self->bucket == NULL)
    return;

  chooser = gtk_file_chooser_native_new (_("Upload Files"), parent_window (self),
                                         GTK_FILE_CHOOSER_ACTION_OPEN, _("_Upload"), _("_Cancel"));
  gtk_file_chooser_set_select_multiple (GTK_FILE_CHOOSER (chooser), TRUE);
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (chooser), TRUE);
  g_signal_connect (chooser, "response", G_CALLBACK (upload_chooser_response_cb), g_object_ref (self));
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (chooser));
}

static void
transfer_finished_cb (SupaBucketBrowser *self,
                      SupaTransfer      *transfer)
{
  const char *path = supa_transfer_get_path (transfer);
  gsize len = self->prefix != NULL ? strlen (self->prefix) : 0;

  if (supa_transfer_get_kind (transfer) == SUPA_TRANSFER_UPLOAD)
    self->batch_uploads++;
  else
    self->batch_downloads++;

  if (supa_transfer_get_kind (transfer) != SUPA_TRANSFER_UPLOAD ||
      supa_transfer_get_state (transfer) != SUPA_TRANSFER_DONE ||
      g_strcmp0 (supa_transfer_get_bucket (transfer), bucket_id (self)) != 0)
    return;

  /* Anything at or below the open folder may change its listing. */
  if (len == 0 || (g_str_has_prefix (path, self->prefix) && path[len] == '/'))
    schedule_reload (self);
}

static void
batch_finished_cb (SupaBucketBrowser *self,
                   guint              done,
                   guint              failed)
{
  g_autofree char *title = NULL;
  g_autofree char *body = NULL;
  gint64 started = self->batch_started;
  guint uploads = self->batch_uploads;
  guint downloads = self->batch_downloads;

  self->batch_started = 0;
  self->batch_uploads = 0;
  self->batch_downloads = 0;
  if (started == 0 || g_get_monotonic_time () - started < (gint64) self->notify_threshold * 1000)
    return;

  if (downloads == 0)
    title = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u file uploaded", "%u files uploaded", done), done);
  else if (uploads == 0)
    title = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u file downloaded", "%u files downloaded", done), done);
  else
    title = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u file transferred", "%u files transferred", done), done);
  if (failed > 0)
    body = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u failed", "%u failed", failed), failed);

  g_signal_emit (self, signals[SIGNAL_NOTIFY_BATCH], 0, title, body);
}

/* The default handler of "notify-batch": a desktop notification from the
 * application, when there is one. */
static void
real_notify_batch (SupaBucketBrowser *self,
                   const char        *title,
                   const char        *body)
{
  GApplication *app = g_application_get_default ();
  g_autoptr(GNotification) notification = NULL;

  if (app == NULL || !g_application_get_is_registered (app) || g_application_get_is_remote (app))
    return;

  notification = g_notification_new (title);
  if (body != NULL)
    g_notification_set_body (notification, body);
  g_application_send_notification (app, "supadesk-transfers", notification);
}

/* ---------------------------------------------------- preview and menu */

/* The pane shows while the user wants it ("preview-visible", F3) and
 * a single file is selected: with nothing to show, the folder's columns
 * get its width. */
static void
update_preview (SupaBucketBrowser *self)
{
  g_autoptr(SupaObjectInfo) info = NULL;
  g_autofree char *path = NULL;

  /* Dispose may run again after the template is gone. */
  if (self->preview == NULL || self->preview_flap == NULL)
    return;

  if (self->preview_wanted)
    info = single_selected_file (self);
  if (adw_flap_get_reveal_flap (self->preview_flap) != (info != NULL))
    {
      self->revealing = TRUE;
      adw_flap_set_reveal_flap (self->preview_flap, info != NULL);
      self->revealing = FALSE;
    }
  /* A hidden preview loads nothing (a narrow window may fold it away). */
  if (!adw_flap_get_reveal_flap (self->preview_flap))
    g_clear_object (&info);
  if (info != NULL)
    path = item_path (self, info);

  supa_file_preview_set_file (self->preview, self->storage, self->bucket, path);
}

static void
set_preview_wanted (SupaBucketBrowser *self,
                    gboolean           wanted)
{
  if (self->preview_wanted == wanted)
    return;
  self->preview_wanted = wanted;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PREVIEW_VISIBLE]);
  update_preview (self);
}

static void
reveal_flap_changed_cb (SupaBucketBrowser *self)
{
  if (self->revealing)
    return;
  /* Not us: the flap hid itself as the window got too narrow (it would
   * cover the files), or the user closed it over them. Either way the
   * pane stays hidden until asked for again (F3). */
  self->preview_wanted = adw_flap_get_reveal_flap (self->preview_flap);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PREVIEW_VISIBLE]);
  update_preview (self);
}

static guint
position_of_item (SupaBucketBrowser *self,
                  SupaObjectInfo    *info)
{
  GListModel *model = G_LIST_MODEL (self->selection);
  guint n = g_list_model_get_n_items (model);

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(SupaObjectInfo) item = g_list_model_get_item (model, i);

      if (item == info)
        return i;
    }

  return GTK_INVALID_LIST_POSITION;
}

static void
popup_file_menu (SupaBucketBrowser *self,
                 double             x,
                 double             y)
{
  GdkRectangle rect = { (int) x, (int) y, 1, 1 };

  update_actions (self);
  gtk_popover_set_pointing_to (GTK_POPOVER (self->file_popover), &rect);
  gtk_popover_popup (GTK_POPOVER (self->file_popover));
}

static void
files_pressed_cb (GtkGestureClick   *gesture,
                  int                n_press,
                  double             x,
                  double             y,
                  SupaBucketBrowser *self)
{
  if (supa_bucket_browser_popup_at (self, x, y))
    gtk_gesture_set_state (GTK_GESTURE (gesture), GTK_EVENT_SEQUENCE_CLAIMED);
}

static void
context_menu_action (GtkWidget  *widget,
                     const char *action_name,
                     GVariant   *parameter)
{
  SupaBucketBrowser *self = SUPA_BUCKET_BROWSER (widget);
  GtkWidget *focus;
  graphene_rect_t bounds;

  if (self->selection == NULL)
    return;

  /* Below the focused row when there is one, else the top of the list. */
  focus = gtk_root_get_focus (gtk_widget_get_root (widget));
  if (focus != NULL && gtk_widget_is_ancestor (focus, GTK_WIDGET (self->column_view)) &&
      gtk_widget_compute_bounds (focus, widget, &bounds))
    popup_file_menu (self, bounds.origin.x + 24, bounds.origin.y + bounds.size.height);
  else if (gtk_widget_compute_bounds (GTK_WIDGET (self->column_view), widget, &bounds))
    popup_file_menu (self, bounds.origin.x + 24, bounds.origin.y + 32);
}

/* ------------------------------------------------------ copy and move */

/* One object of a copy or move; placeholders keep empty folders alive and
 * may be missing, so their failures are not the user's business. */
typedef struct
{
  char     *from;
  char     *to;
  char     *mime;
  gint64    size;
  gboolean  placeholder;
} TransferEntry;

static void
transfer_entry_free (TransferEntry *entry)
{
  if (entry == NULL)
    return;
  g_free (entry->from);
  g_free (entry->to);
  g_free (entry->mime);
  g_free (entry);
}

static TransferEntry *
transfer_entry_new (const char *from,
                    const char *to,
                    const char *mime,
                    gint64      size,
                    gboolean    placeholder)
{
  TransferEntry *entry = g_new0 (TransferEntry, 1);

  entry->from = g_strdup (from);
  entry->to = g_strdup (to);
  entry->mime = g_strdup (mime != NULL && *mime != '\0' ? mime : "application/octet-stream");
  entry->size = size;
  entry->placeholder = placeholder;
  return entry;
}

typedef enum
{
  PASS_MAIN,
  PASS_REPLACE,
  PASS_KEEP,
  PASS_CLEANUP,
  PASS_DONE,
} TransferPass;

typedef struct
{
  SupaBucketBrowser *self;
  SupaObjectOp       op;
  gboolean           rename;
  char              *bucket;
  char              *source_folder;
  char              *to_bucket;       /* NULL = the same bucket */
  GCancellable      *cancellable;     /* this operation's, for its Cancel button */
  GCancellable      *parent;
  gulong             parent_id;
  GPtrArray         *folders;         /* source folder prefixes to list */
  GPtrArray         *folder_targets;  /* and where each goes */
  GPtrArray         *entries;         /* TransferEntry: everything, main pass */
  GHashTable        *by_from;         /* from key → TransferEntry (borrowed) */
  GHashTable        *finished;        /* from keys that went through */
  GPtrArray         *conflicts;       /* TransferEntry (borrowed) */
  GPtrArray         *replace;         /* TransferEntry (borrowed) */
  GPtrArray         *keep;            /* TransferEntry (owned: new names) */
  GPtrArray         *cleanup;         /* source placeholders left behind by a move */
  GPtrArray         *report;          /* "key — reason" */
  GHashTable        *taken;           /* destination keys known to exist */
  SupaBucket        *dest;            /* for the pre-flight across buckets */
  TransferPass       pass;
  guint              conflict_index;
  int                apply_all;
  guint              total;           /* real objects */
  guint              done;
  guint              ok;
  guint              skipped;
} TransferJob;

static void
transfer_job_free (TransferJob *job)
{
  SupaBucketBrowser *self = job->self;

  end_operation (self, &job->cancellable, &job->parent, &job->parent_id);
  g_free (job->bucket);
  g_free (job->source_folder);
  g_free (job->to_bucket);
  g_clear_pointer (&job->folders, g_ptr_array_unref);
  g_clear_pointer (&job->folder_targets, g_ptr_array_unref);
  g_clear_pointer (&job->by_from, g_hash_table_unref);
  g_clear_pointer (&job->entries, g_ptr_array_unref);
  g_clear_pointer (&job->finished, g_hash_table_unref);
  g_clear_pointer (&job->conflicts, g_ptr_array_unref);
  g_clear_pointer (&job->replace, g_ptr_array_unref);
  g_clear_pointer (&job->keep, g_ptr_array_unref);
  g_clear_pointer (&job->cleanup, g_ptr_array_unref);
  g_clear_pointer (&job->report, g_ptr_array_unref);
  g_clear_pointer (&job->taken, g_hash_table_unref);
  g_clear_object (&job->dest);
  g_clear_object (&job->self);
  g_free (job);
}

static void
transfer_progress (TransferJob *job)
{
  g_autofree char *label = NULL;

  if (job->op == SUPA_OBJECT_OP_COPY)
    /* Translators: progress of a copy, "3 of 10" files */
    label = g_strdup_printf (_("Copying %u of %u…"), MIN (job->done + 1, job->total), job->total);
  else
    /* Translators: progress of a move or folder rename, "3 of 10" files */
    label = g_strdup_printf (_("Moving %u of %u…"), MIN (job->done + 1, job->total), job->total);
  set_operation_progress (job->self, job->done, job->total, label);
}

static void
transfer_finish (TransferJob *job)
{
  SupaBucketBrowser *self = job->self;
  gboolean cancelled = g_cancellable_is_cancelled (job->cancellable);
  gboolean move = job->op == SUPA_OBJECT_OP_MOVE;

  if (section_gone (self, job->parent))
    {
      transfer_job_free (job);
      return;
    }

  set_busy (self, FALSE, NULL);

  if (cancelled)
    {
      /* Everything not yet through is named, so a half-moved folder is
       * never a surprise. */
      for (guint i = 0; i < job->entries->len; i++)
        {
          TransferEntry *entry = g_ptr_array_index (job->entries, i);

          if (!entry->placeholder && !g_hash_table_contains (job->finished, entry->from))
            g_ptr_array_add (job->report, report_line (entry->from, _("cancelled")));
        }
    }

  if (job->report->len > 0)
    {
      g_autofree char *heading = NULL;
      g_autofree char *footer = NULL;
      g_autofree char *where = job->source_folder[0] != '\0'
                                 ? g_strconcat (job->bucket, "/", job->source_folder, NULL)
                                 : g_strdup (job->bucket);

      if (move)
        heading = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u File Was Not Moved",
                                                "%u Files Were Not Moved", job->report->len),
                                   job->report->len);
      else
        heading = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u File Was Not Copied",
                                                "%u Files Were Not Copied", job->report->len),
                                   job->report->len);
      if (move)
        /* Translators: %u files were moved; %s is the bucket/folder the others are still in */
        footer = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u file was moved. The files listed are still in “%s”.",
                                               "%u files were moved. The files listed are still in “%s”.", job->ok),
                                  job->ok, where);
      else
        footer = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u file was copied.", "%u files were copied.", job->ok),
                                  job->ok);
      show_report (self, "transfer-report", heading, job->report, footer);
    }
  else if (job->rename)
    toast (self, _("Renamed"));
  else
    {
      g_autofree char *text = NULL;

      if (move)
        text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "Moved %u file", "Moved %u files", job->ok), job->ok);
      else
        text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "Copied %u file", "Copied %u files", job->ok), job->ok);
      if (job->skipped > 0)
        {
          /* Translators: appended to "Copied 3 files" */
          g_autofree char *more = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%s, %u skipped", "%s, %u skipped",
                                                                job->skipped), text, job->skipped);
          g_free (text);
          text = g_steal_pointer (&more);
        }
      toast (self, text);
    }

  schedule_reload_now (self);
  transfer_job_free (job);
}

static void transfer_run_pass (TransferJob *job);

static void
transfer_item_cb (guint         done,
                  guint         total,
                  const char   *from_key,
                  const GError *error,
                  gpointer      user_data)
{
  TransferJob *job = user_data;
  TransferEntry *entry = g_hash_table_lookup (job->by_from, from_key);

  if (entry == NULL || entry->placeholder)
    return;
  job->done++;
  if (error == NULL)
    {
      job->ok++;
      g_hash_table_add (job->finished, g_strdup (from_key));
    }
  else if (job->pass == PASS_MAIN && g_error_matches (error, SUPA_ERROR, SUPA_ERROR_CONFLICT))
    /* Asked about below; it is not finished yet. */
    job->done--;
  transfer_progress (job);
}

static void
transfer_many_cb (GObject      *object,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  TransferJob *job = user_data;
  g_autoptr(GPtrArray) failures = NULL;
  g_autoptr(GError) error = NULL;

  failures = supa_storage_many_finish (SUPA_STORAGE (object), result, &error);
  if (failures == NULL)
    {
      /* Only a cancel ends the whole run. */
      transfer_finish (job);
      return;
    }

  for (guint i = 0; i < failures->len; i++)
    {
      SupaObjectFailure *failure = g_ptr_array_index (failures, i);
      TransferEntry *entry = g_hash_table_lookup (job->by_from, failure->from_key);

      if (entry == NULL)
        continue;
      if (entry->placeholder)
        {
          /* The folder exists at the destination already: the source's
           * placeholder must not keep the moved folder alive. */
          if (job->op == SUPA_OBJECT_OP_MOVE && g_error_matches (failure->error, SUPA_ERROR, SUPA_ERROR_CONFLICT))
            g_ptr_array_add (job->cleanup, g_strdup (entry->from));
          continue;
        }
      if (job->pass == PASS_MAIN && g_error_matches (failure->error, SUPA_ERROR, SUPA_ERROR_CONFLICT))
        {
          g_hash_table_add (job->taken, g_strdup (entry->to));
          g_ptr_array_add (job->conflicts, entry);
          continue;
        }
      g_ptr_array_add (job->report, report_line (entry->from, failure->error->message));
    }

  job->pass++;
  transfer_run_pass (job);
}

static void transfer_ask_next (TransferJob   *job);
static void transfer_resolve  (TransferJob   *job,
                               TransferEntry *entry,
                               int            choice);

static void
transfer_conflict_response_cb (AdwMessageDialog *dialog,
                               const char       *response,
                               TransferJob      *job)
{
  int choice = conflict_choice (dialog, response, &job->apply_all);

  transfer_resolve (job, g_object_get_data (G_OBJECT (dialog), "supa-entry"), choice);
  transfer_ask_next (job);
}

static void
transfer_resolve (TransferJob   *job,
                  TransferEntry *entry,
                  int            choice)
{
  if (choice == CHOICE_REPLACE)
    g_ptr_array_add (job->replace, entry);
  else if (choice == CHOICE_KEEP_BOTH)
    {
      g_autofree char *kept = keep_both_key (entry->to, job->taken);
      TransferEntry *copy = transfer_entry_new (entry->from, kept, entry->mime, entry->size, FALSE);

      g_hash_table_add (job->taken, g_strdup (kept));
      g_ptr_array_add (job->keep, copy);
    }
  else
    {
      job->skipped++;
      job->done++;
      /* A skipped file of a move stays behind: that is worth saying. */
      if (job->op == SUPA_OBJECT_OP_MOVE)
        g_ptr_array_add (job->report, report_line (entry->from, _("skipped, the destination has a file with this name")));
    }
}

static void
transfer_ask_next (TransferJob *job)
{
  SupaBucketBrowser *self = job->self;

  while (job->conflict_index < job->conflicts->len)
    {
      TransferEntry *entry = g_ptr_array_index (job->conflicts, job->conflict_index);
      AdwMessageDialog *dialog;
      g_autofree char *name = NULL;
      g_autofree char *body = NULL;
      g_autofree char *dir = NULL;

      if (job->apply_all >= 0)
        {
          transfer_resolve (job, entry, job->apply_all);
          job->conflict_index++;
          continue;
        }

      if (g_cancellable_is_cancelled (job->cancellable) || section_gone (self, job->parent))
        {
          transfer_finish (job);
          return;
        }

      dir = g_path_get_dirname (entry->to);
      /* Translators: first %s is a bucket, second a folder in it */
      body = g_strdup_printf (_("A file with this name is already in “%s/%s”."),
                              job->to_bucket != NULL ? job->to_bucket : job->bucket,
                              g_str_equal (dir, ".") ? "" : dir);
      name = supa_storage_path_basename (entry->to);
      dialog = conflict_dialog_new (self, name, body);
      g_object_set_data (G_OBJECT (dialog), "supa-entry", entry);
      g_signal_connect (dialog, "response", G_CALLBACK (transfer_conflict_response_cb), job);
      job->conflict_index++;
      gtk_window_present (GTK_WINDOW (dialog));
      return;
    }

  transfer_run_pass (job);
}

/* Copies or moves @entries (TransferEntry) in one request each; a move
 * has no upsert, its replaced files are removed first. */
static void
transfer_send (TransferJob *job,
               GPtrArray   *entries,
               gboolean     upsert)
{
  SupaStorage *storage = job->self->storage;
  g_autoptr(GPtrArray) from = g_ptr_array_new ();
  g_autoptr(GPtrArray) to = g_ptr_array_new ();

  for (guint i = 0; i < entries->len; i++)
    {
      TransferEntry *entry = g_ptr_array_index (entries, i);

      g_ptr_array_add (from, entry->from);
      g_ptr_array_add (to, entry->to);
    }
  g_ptr_array_add (from, NULL);
  g_ptr_array_add (to, NULL);

  if (job->op == SUPA_OBJECT_OP_COPY)
    supa_storage_copy_many_async (storage, job->bucket, (const char * const *) from->pdata,
                                  job->to_bucket, (const char * const *) to->pdata, upsert,
                                  transfer_item_cb, job, job->cancellable, transfer_many_cb, job);
  else
    supa_storage_move_many_async (storage, job->bucket, (const char * const *) from->pdata,
                                  job->to_bucket, (const char * const *) to->pdata,
                                  transfer_item_cb, job, job->cancellable, transfer_many_cb, job);
}

static void
transfer_remove_cb (GObject      *object,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  TransferJob *job = user_data;
  g_autoptr(GPtrArray) removed = NULL;
  g_autoptr(GError) error = NULL;

  removed = supa_storage_remove_finish (SUPA_STORAGE (object), result, &error);
  if (removed == NULL && is_cancelled (error))
    {
      transfer_finish (job);
      return;
    }

  if (job->pass == PASS_REPLACE)
    {
      /* The replaced files are out of the way; now move onto their names. */
      if (removed == NULL)
        {
          for (guint i = 0; i < job->replace->len; i++)
            {
              TransferEntry *entry = g_ptr_array_index (job->replace, i);

              job->done++;
              g_ptr_array_add (job->report, report_line (entry->from, error->message));
            }
          job->pass++;
          transfer_run_pass (job);
          return;
        }

      transfer_send (job, job->replace, FALSE);
      return;
    }

  /* Leftover placeholders: nothing to report if they could not go. */
  job->pass++;
  transfer_run_pass (job);
}

static void
transfer_run_pass (TransferJob *job)
{
  SupaBucketBrowser *self = job->self;
  g_autoptr(GPtrArray) to = g_ptr_array_new ();
  GPtrArray *entries = NULL;
  gboolean upsert = FALSE;

  if (self->storage == NULL || g_cancellable_is_cancelled (job->cancellable))
    {
      transfer_finish (job);
      return;
    }

  /* Conflicts are asked about once the main pass is through. */
  if (job->pass == PASS_REPLACE && job->conflict_index < job->conflicts->len)
    {
      transfer_ask_next (job);
      return;
    }

  switch (job->pass)
    {
    case PASS_MAIN:
      entries = job->entries;
      break;
    case PASS_REPLACE:
      entries = job->replace;
      upsert = TRUE;
      break;
    case PASS_KEEP:
      entries = job->keep;
      break;
    case PASS_CLEANUP:
      if (job->cleanup->len > 0)
        {
          g_ptr_array_add (job->cleanup, NULL);
          supa_storage_remove_async (self->storage, job->bucket, (const char * const *) job->cleanup->pdata,
                                     0, NULL, NULL, job->cancellable, transfer_remove_cb, job);
          return;
        }
      job->pass++;
      G_GNUC_FALLTHROUGH;
    case PASS_DONE:
    default:
      transfer_finish (job);
      return;
    }

  if (entries->len == 0)
    {
      job->pass++;
      transfer_run_pass (job);
      return;
    }

  if (job->pass == PASS_REPLACE && job->op == SUPA_OBJECT_OP_MOVE)
    {
      /* Storage cannot move onto an existing name: remove it first. */
      for (guint i = 0; i < entries->len; i++)
        g_ptr_array_add (to, ((TransferEntry *) g_ptr_array_index (entries, i))->to);
      g_ptr_array_add (to, NULL);
      supa_storage_remove_async (self->storage, job->to_bucket != NULL ? job->to_bucket : job->bucket,
                                 (const char * const *) to->pdata, 0, NULL, NULL,
                                 job->cancellable, transfer_remove_cb, job);
      return;
    }

  transfer_progress (job);
  transfer_send (job, entries, upsert);
}

/* Adds an entry, or a refusal when the destination bucket would not take
 * it (its size limit or allowed types). */
static void
transfer_add (TransferJob *job,
              const char  *from,
              const char  *to,
              const char  *mime,
              gint64       size)
{
  g_autofree char *base = supa_storage_path_basename (from);
  gboolean placeholder = g_str_equal (base, PLACEHOLDER_NAME);
  TransferEntry *entry;

  if (job->dest != NULL && !placeholder)
    {
      g_autofree char *reason = supa_bucket_browser_preflight (job->dest,
                                                               mime != NULL && *mime != '\0' ? mime : "application/octet-stream",
                                                               MAX (size, 0));

      if (reason != NULL)
        {
          g_ptr_array_add (job->report, report_line (from, reason));
          return;
        }
    }

  entry = transfer_entry_new (from, to, mime, size, placeholder);
  g_ptr_array_add (job->entries, entry);
  g_hash_table_insert (job->by_from, entry->from, entry);
  if (!placeholder)
    job->total++;
}

static void
transfer_start (TransferJob *job)
{
  if (job->entries->len == 0)
    {
      transfer_finish (job);
      return;
    }
  job->pass = PASS_MAIN;
  transfer_run_pass (job);
}

static void
transfer_collect_cb (GObject      *object,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  TransferJob *job = user_data;
  g_autoptr(GPtrArray) keys = NULL;
  g_autoptr(GPtrArray) placeholders = NULL;
  g_autoptr(GPtrArray) infos = NULL;
  g_autoptr(GError) error = NULL;

  keys = collect_keys_finish (result, &placeholders, &error);
  if (keys == NULL)
    {
      if (is_cancelled (error))
        {
          transfer_finish (job);
          return;
        }
      /* The folders that could not be listed are named and stay where
       * they are; the files chosen beside them still go. */
      for (guint i = 0; i < job->folders->len; i++)
        g_ptr_array_add (job->report, report_line (g_ptr_array_index (job->folders, i), error->message));
      transfer_start (job);
      return;
    }
  infos = collect_infos (result);

  for (guint k = 0; k < keys->len + placeholders->len; k++)
    {
      gboolean placeholder = k >= keys->len;
      const char *key = placeholder ? g_ptr_array_index (placeholders, k - keys->len) : g_ptr_array_index (keys, k);
      SupaObjectInfo *info = placeholder ? NULL : g_ptr_array_index (infos, k);

      for (guint i = 0; i < job->folders->len; i++)
        {
          const char *folder = g_ptr_array_index (job->folders, i);
          gsize len = strlen (folder);

          if (strncmp (key, folder, len) == 0 && key[len] == '/')
            {
              g_autofree char *to = supa_storage_path_join (g_ptr_array_index (job->folder_targets, i), key + len + 1);

              transfer_add (job, key, to, info != NULL ? supa_object_info_get_mimetype (info) : NULL,
                            info != NULL ? supa_object_info_get_size (info) : 0);
              break;
            }
        }
    }

  transfer_start (job);
}

/* "name (copy).ext", "name (copy 2).ext"… for a copy onto itself. */
static char *
copy_name (const char *name,
           gboolean    folder,
           GHashTable *taken)
{
  const char *dot = folder ? NULL : strrchr (name, '.');
  g_autofree char *stem = dot != NULL && dot != name ? g_strndup (name, dot - name) : g_strdup (name);
  const char *ext = dot != NULL && dot != name ? dot : "";

  for (guint n = 1; ; n++)
    {
      char *candidate = n == 1
        /* Translators: the name of a copy made in the same folder; %s is the name without extension */
        ? g_strdup_printf (_("%s (copy)"), stem)
        /* Translators: the nth copy in the same folder, e.g. "report (copy 2)" */
        : g_strdup_printf (_("%s (copy %u)"), stem, n);
      char *full = g_strconcat (candidate, ext, NULL);

      g_free (candidate);
      if (!g_hash_table_contains (taken, full))
        return full;
      g_free (full);
    }
}

/* The listed bucket @id (a new reference) and its row in @position. */
static SupaBucket *
find_bucket (SupaBucketBrowser *self,
             const char        *id,
             guint             *position)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->buckets));

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(SupaBucket) bucket = g_list_model_get_item (G_LIST_MODEL (self->buckets), i);

      if (g_strcmp0 (supa_bucket_get_id (bucket), id) == 0)
        {
          if (position != NULL)
            *position = i;
          return g_steal_pointer (&bucket);
        }
    }
  return NULL;
}

/* Starts a copy or move of @items (of the open folder) into @to_folder of
 * @to_bucket; @names (may be NULL) renames each item on the way. */
static gboolean
transfer_items (SupaBucketBrowser  *self,
                SupaObjectOp        op,
                GPtrArray          *items,
                const char * const *names,
                const char         *to_bucket,
                const char         *to_folder,
                gboolean            rename,
                GError            **error)
{
  g_autoptr(SupaBucket) dest = NULL;
  g_autofree char *folder = NULL;
  g_autoptr(GHashTable) taken = NULL;
  g_autoptr(GPtrArray) list = NULL;
  gboolean same_bucket;
  gboolean same_place;
  TransferJob *job;

  if (self->storage == NULL || self->bucket == NULL || items->len == 0)
    {
      g_set_error_literal (error, SUPA_ERROR, SUPA_ERROR_INVALID_INPUT, _("Nothing is selected."));
      return FALSE;
    }
  if (self->busy > 0)
    {
      g_set_error_literal (error, SUPA_ERROR, SUPA_ERROR_INVALID_INPUT, _("Wait for the running operation to finish."));
      return FALSE;
    }

  dest = find_bucket (self, to_bucket, NULL);
  if (dest == NULL)
    {
      /* Translators: %s is a bucket name */
      g_set_error (error, SUPA_ERROR, SUPA_ERROR_NOT_FOUND, _("There is no bucket “%s”."), to_bucket ? to_bucket : "");
      return FALSE;
    }
  folder = supa_storage_path_normalize (to_folder != NULL ? to_folder : "", TRUE, error);
  if (folder == NULL)
    return FALSE;

  same_bucket = g_str_equal (to_bucket, bucket_id (self));
  same_place = same_bucket && g_str_equal (folder, self->prefix);

  if (same_place && op == SUPA_OBJECT_OP_MOVE && names == NULL)
    {
      g_set_error_literal (error, SUPA_ERROR, SUPA_ERROR_INVALID_INPUT, _("The files are already in this folder."));
      return FALSE;
    }

  for (guint i = 0; i < items->len && op == SUPA_OBJECT_OP_MOVE && same_bucket; i++)
    {
      SupaObjectInfo *info = g_ptr_array_index (items, i);
      g_autofree char *path = item_path (self, info);
      gsize len = strlen (path);

      if (supa_object_info_get_is_folder (info) &&
          strncmp (folder, path, len) == 0 && (folder[len] == '\0' || folder[len] == '/'))
        {
          /* Translators: %s is a folder name */
          g_set_error (error, SUPA_ERROR, SUPA_ERROR_INVALID_INPUT, _("“%s” cannot be moved into itself."),
                       supa_object_info_get_name (info));
          return FALSE;
        }
    }

  job = g_new0 (TransferJob, 1);
  job->self = g_object_ref (self);
  job->op = op;
  job->rename = rename;
  job->bucket = g_strdup (bucket_id (self));
  job->source_folder = g_strdup (self->prefix);
  job->to_bucket = same_bucket ? NULL : g_strdup (to_bucket);
  job->dest = same_bucket ? NULL : g_object_ref (dest);
  job->folders = g_ptr_array_new_with_free_func (g_free);
  job->folder_targets = g_ptr_array_new_with_free_func (g_free);
  job->entries = g_ptr_array_new_with_free_func ((GDestroyNotify) transfer_entry_free);
  job->by_from = g_hash_table_new (g_str_hash, g_str_equal);
  job->finished = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  job->conflicts = g_ptr_array_new ();
  job->replace = g_ptr_array_new ();
  job->keep = g_ptr_array_new_with_free_func ((GDestroyNotify) transfer_entry_free);
  job->cleanup = g_ptr_array_new_with_free_func (g_free);
  job->report = g_ptr_array_new_with_free_func (g_free);
  job->taken = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  job->apply_all = -1;
  job->cancellable = begin_operation (self, &job->parent, &job->parent_id);

  /* A copy onto itself gets a new name instead of a conflict. */
  taken = loaded_names (self, FALSE);
  {
    g_autoptr(GHashTable) folders = loaded_names (self, TRUE);
    GHashTableIter iter;
    gpointer key;

    g_hash_table_iter_init (&iter, folders);
    while (g_hash_table_iter_next (&iter, &key, NULL))
      g_hash_table_add (taken, g_strdup (key));
  }

  for (guint i = 0; i < items->len; i++)
    {
      SupaObjectInfo *info = g_ptr_array_index (items, i);
      gboolean is_folder = supa_object_info_get_is_folder (info);
      g_autofree char *from = item_path (self, info);
      g_autofree char *name = NULL;
      g_autofree char *to = NULL;

      if (names != NULL)
        name = g_strdup (names[i]);
      else if (same_place)
        {
          name = copy_name (supa_object_info_get_name (info), is_folder, taken);
          g_hash_table_add (taken, g_strdup (name));
        }
      else
        name = g_strdup (supa_object_info_get_name (info));
      to = supa_storage_path_join (folder, name);

      if (is_folder)
        {
          g_ptr_array_add (job->folders, g_steal_pointer (&from));
          g_ptr_array_add (job->folder_targets, g_steal_pointer (&to));
        }
      else
        transfer_add (job, from, to, supa_object_info_get_mimetype (info), supa_object_info_get_size (info));
    }

  if (op == SUPA_OBJECT_OP_COPY)
    set_busy (self, TRUE, _("Copying…"));
  else
    set_busy (self, TRUE, rename ? _("Renaming…") : _("Moving…"));

  if (job->folders->len > 0)
    {
      list = g_ptr_array_copy (job->folders, (GCopyFunc) g_strdup, NULL);
      g_ptr_array_set_free_func (list, g_free);
      g_ptr_array_add (list, NULL);
      gtk_label_set_label (self->operation_label, _("Listing the folders…"));
      collect_keys_async (self->storage, job->bucket, (const char * const *) list->pdata,
                          job->cancellable, transfer_collect_cb, job);
    }
  else
    transfer_start (job);

  return TRUE;
}

gboolean
supa_bucket_browser_transfer_selected (SupaBucketBrowser  *self,
                                       SupaObjectOp        op,
                                       const char         *to_bucket,
                                       const char         *to_folder,
                                       GError            **error)
{
  g_autoptr(GPtrArray) items = NULL;

  g_return_val_if_fail (SUPA_IS_BUCKET_BROWSER (self), FALSE);

  items = selected_items (self);
  return transfer_items (self, op, items, NULL, to_bucket, to_folder, FALSE, error);
}

void
supa_bucket_browser_cancel_operation (SupaBucketBrowser *self)
{
  g_return_if_fail (SUPA_IS_BUCKET_BROWSER (self));

  if (self->op_cancellable != NULL)
    g_cancellable_cancel (self->op_cancellable);
}

static void
cancel_operation_action (GtkWidget  *widget,
                         const char *action_name,
                         GVariant   *parameter)
{
  supa_bucket_browser_cancel_operation (SUPA_BUCKET_BROWSER (widget));
}

static void
transfer_dialog_response_cb (AdwMessageDialog  *dialog,
                             const char        *response,
                             SupaBucketBrowser *self)
{
  GtkDropDown *buckets = g_object_get_data (G_OBJECT (dialog), "supa-buckets");
  GtkEditable *folder = g_object_get_data (G_OBJECT (dialog), "supa-folder");
  SupaObjectOp op = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (dialog), "supa-op"));
  GtkStringObject *chosen;
  g_autoptr(GError) error = NULL;

  if (!g_str_equal (response, "ok"))
    return;

  chosen = gtk_drop_down_get_selected_item (buckets);
  if (chosen == NULL ||
      !supa_bucket_browser_transfer_selected (self, op, gtk_string_object_get_string (chosen),
                                              gtk_editable_get_text (folder), &error))
    toast (self, error != NULL ? error->message : _("Choose a bucket."));
}

static void
transfer_folder_activate_cb (GtkEntry         *entry,
                             AdwMessageDialog *dialog)
{
  adw_message_dialog_response (dialog, "ok");
  gtk_window_destroy (GTK_WINDOW (dialog));
}

/* The destination chooser: a bucket (any of the project's) and a folder
 * path in it, the open folder by default. */
static void
show_transfer_dialog (SupaBucketBrowser *self,
                      SupaObjectOp       op)
{
  g_autoptr(GPtrArray) items = selected_items (self);
  g_autoptr(GtkStringList) ids = gtk_string_list_new (NULL);
  AdwMessageDialog *dialog;
  GtkWidget *grid;
  GtkWidget *label;
  GtkWidget *dropdown;
  GtkWidget *entry;
  g_autofree char *heading = NULL;
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->buckets));
  guint current = 0;

  if (items->len == 0)
    return;

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(SupaBucket) bucket = g_list_model_get_item (G_LIST_MODEL (self->buckets), i);

      gtk_string_list_append (ids, supa_bucket_get_id (bucket));
      if (g_strcmp0 (supa_bucket_get_id (bucket), bucket_id (self)) == 0)
        current = i;
    }

  if (items->len == 1)
    /* Translators: heading of the destination chooser; %s is a file or folder name */
    heading = g_strdup_printf (op == SUPA_OBJECT_OP_COPY ? _("Copy “%s” To") : _("Move “%s” To"),
                               supa_object_info_get_name (g_ptr_array_index (items, 0)));
  else if (op == SUPA_OBJECT_OP_COPY)
    heading = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "Copy %u Item To", "Copy %u Items To", items->len), items->len);
  else
    heading = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "Move %u Item To", "Move %u Items To", items->len), items->len);

  dialog = ADW_MESSAGE_DIALOG (adw_message_dialog_new (parent_window (self), heading,
                                                       _("Folders are copied or moved with everything in them. A bucket’s size limit and allowed types are checked first.")));
  gtk_widget_set_name (GTK_WIDGET (dialog), "transfer-dialog");

  grid = gtk_grid_new ();
  gtk_grid_set_row_spacing (GTK_GRID (grid), 6);
  gtk_grid_set_column_spacing (GTK_GRID (grid), 12);

  label = gtk_label_new_with_mnemonic (_("_Bucket"));
  gtk_label_set_xalign (GTK_LABEL (label), 0);
  dropdown = gtk_drop_down_new (G_LIST_MODEL (g_object_ref (ids)), NULL);
  gtk_drop_down_set_selected (GTK_DROP_DOWN (dropdown), current);
  gtk_widget_set_hexpand (dropdown, TRUE);
  gtk_label_set_mnemonic_widget (GTK_LABEL (label), dropdown);
  gtk_accessible_update_relation (GTK_ACCESSIBLE (dropdown), GTK_ACCESSIBLE_RELATION_LABELLED_BY, label, NULL, -1);
  gtk_grid_attach (GTK_GRID (grid), label, 0, 0, 1, 1);
  gtk_grid_attach (GTK_GRID (grid), dropdown, 1, 0, 1, 1);

  label = gtk_label_new_with_mnemonic (_("_Folder"));
  gtk_label_set_xalign (GTK_LABEL (label), 0);
  entry = gtk_entry_new ();
  gtk_editable_set_text (GTK_EDITABLE (entry), self->prefix != NULL ? self->prefix : "");
  gtk_entry_set_placeholder_text (GTK_ENTRY (entry), _("The bucket’s top level"));
  gtk_label_set_mnemonic_widget (GTK_LABEL (label), entry);
  gtk_accessible_update_relation (GTK_ACCESSIBLE (entry), GTK_ACCESSIBLE_RELATION_LABELLED_BY, label, NULL, -1);
  gtk_grid_attach (GTK_GRID (grid), label, 0, 1, 1, 1);
  gtk_grid_attach (GTK_GRID (grid), entry, 1, 1, 1, 1);

  adw_message_dialog_set_extra_child (dialog, grid);
  adw_message_dialog_add_responses (dialog, "cancel", _("_Cancel"),
                                    "ok", op == SUPA_OBJECT_OP_COPY ? _("_Copy") : _("_Move"), NULL);
  adw_message_dialog_set_response_appearance (dialog, "ok", ADW_RESPONSE_SUGGESTED);
  adw_message_dialog_set_default_response (dialog, "ok");
  adw_message_dialog_set_close_response (dialog, "cancel");
  g_object_set_data (G_OBJECT (dialog), "supa-buckets", dropdown);
  g_object_set_data (G_OBJECT (dialog), "supa-folder", entry);
  g_object_set_data (G_OBJECT (dialog), "supa-op", GINT_TO_POINTER (op));
  g_signal_connect (entry, "activate", G_CALLBACK (transfer_folder_activate_cb), dialog);
  g_signal_connect_object (dialog, "response", G_CALLBACK (transfer_dialog_response_cb), self, 0);
  gtk_window_present (GTK_WINDOW (dialog));
  gtk_widget_grab_focus (entry);
}

static void
copy_to_action (GtkWidget  *widget,
                const char *action_name,
                GVariant   *parameter)
{
  show_transfer_dialog (SUPA_BUCKET_BROWSER (widget), SUPA_OBJECT_OP_COPY);
}

static void
move_to_action (GtkWidget  *widget,
                const char *action_name,
                GVariant   *parameter)
{
  show_transfer_dialog (SUPA_BUCKET_BROWSER (widget), SUPA_OBJECT_OP_MOVE);
}

/* A stalled progress bar says why: the server asked to slow down. */
static void
storage_retrying_cb (SupaBucketBrowser *self,
                     guint              delay_ms,
                     const char        *message)
{
  g_autofree char *label = NULL;
  guint seconds = (delay_ms + 999) / 1000;

  if (self->busy == 0)
    return;
  /* Translators: shown while waiting to send a request again; %u is seconds */
  label = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "The server is busy, trying again in %u second…",
                                        "The server is busy, trying again in %u seconds…", seconds), seconds);
  gtk_label_set_label (self->operation_label, label);
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->operation_label), message);
}

/* ------------------------------------------------------------ lifecycle */

static void
update_actions (SupaBucketBrowser *self)
{
  GtkWidget *widget = GTK_WIDGET (self);
  gboolean connected = self->storage != NULL;
  gboolean open = connected && self->bucket != NULL;
  gboolean idle = self->busy == 0;
  g_autoptr(GPtrArray) items = selected_items (self);
  gboolean one_file = items->len == 1 && !supa_object_info_get_is_folder (g_ptr_array_index (items, 0));

  gtk_widget_action_set_enabled (widget, "storage.refresh", connected);
  gtk_widget_action_set_enabled (widget, "storage.new-bucket", connected);
  gtk_widget_action_set_enabled (widget, "storage.edit-bucket", open);
  gtk_widget_action_set_enabled (widget, "storage.empty-bucket", open && idle);
  gtk_widget_action_set_enabled (widget, "storage.delete-bucket", open && idle);
  gtk_widget_action_set_enabled (widget, "storage.upload", open && self->queue != NULL);
  gtk_widget_action_set_enabled (widget, "storage.new-folder", open && idle);
  gtk_widget_action_set_enabled (widget, "storage.go-up", open && self->prefix != NULL && *self->prefix != '\0');
  gtk_widget_action_set_enabled (widget, "storage.open", open && items->len == 1);
  gtk_widget_action_set_enabled (widget, "storage.rename", open && idle && items->len == 1);
  gtk_widget_action_set_enabled (widget, "storage.delete", open && idle && items->len > 0);
  gtk_widget_action_set_enabled (widget, "storage.copy-to", open && idle && items->len > 0);
  gtk_widget_action_set_enabled (widget, "storage.move-to", open && idle && items->len > 0);
  gtk_widget_action_set_enabled (widget, "storage.cancel-operation", self->op_cancellable != NULL);
  if (self->operation_cancel != NULL)
    gtk_widget_set_visible (self->operation_cancel, self->op_cancellable != NULL);
  gtk_widget_action_set_enabled (widget, "storage.download", open && items->len > 0 && self->queue != NULL);
  gtk_widget_action_set_enabled (widget, "storage.copy-signed-url", open && one_file);
  gtk_widget_action_set_enabled (widget, "storage.copy-signed-url-custom", open && one_file);
  gtk_widget_action_set_enabled (widget, "storage.copy-public-url",
                                 open && one_file && supa_bucket_get_public (self->bucket));
  gtk_widget_action_set_enabled (widget, "storage.context-menu", open && items->len > 0);
  /* A menu button has no action of its own: it looks and is disabled
   * when none of its URLs can be copied. */
  if (self->url_button != NULL)
    gtk_widget_set_sensitive (self->url_button, open && one_file);
  update_preview (self);
}

static void
parent_cancelled_cb (GCancellable *parent,
                     GCancellable *child)
{
  g_cancellable_cancel (child);
}

static void
clear_client (SupaBucketBrowser *self)
{
  disconnect_model (self);
  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
  if (self->parent_cancellable != NULL && self->cancel_handler != 0)
    g_cancellable_disconnect (self->parent_cancellable, self->cancel_handler);
  self->cancel_handler = 0;
  g_clear_object (&self->parent_cancellable);
  g_clear_object (&self->cancellable);
  if (self->queue != NULL)
    g_signal_handlers_disconnect_by_data (self->queue, self);
  if (self->transfer_list != NULL)
    supa_transfer_list_set_queue (self->transfer_list, NULL);
  g_clear_object (&self->queue);
  g_clear_object (&self->storage);
  g_clear_object (&self->client);
  g_clear_object (&self->profile);
  g_clear_object (&self->bucket);
  g_clear_pointer (&self->prefix, g_free);
  g_clear_pointer (&self->pending_bucket, g_free);
  if (self->buckets != NULL)
    g_list_store_remove_all (self->buckets);
}

static void
supa_bucket_browser_dispose (GObject *object)
{
  SupaBucketBrowser *self = SUPA_BUCKET_BROWSER (object);

  clear_client (self);
  g_clear_object (&self->op_cancellable);
  if (self->preview != NULL)
    supa_file_preview_set_file (self->preview, NULL, NULL, NULL);
  g_clear_pointer (&self->file_popover, gtk_widget_unparent);
  if (self->bucket_list != NULL)
    gtk_list_box_bind_model (self->bucket_list, NULL, NULL, NULL, NULL);
  g_clear_object (&self->buckets);
  gtk_widget_dispose_template (GTK_WIDGET (self), SUPA_TYPE_BUCKET_BROWSER);
  self->column_view = NULL;
  self->preview = NULL;

  G_OBJECT_CLASS (supa_bucket_browser_parent_class)->dispose (object);
}

static void
supa_bucket_browser_finalize (GObject *object)
{
  SupaBucketBrowser *self = SUPA_BUCKET_BROWSER (object);

  g_clear_pointer (&self->icons, g_hash_table_unref);

  G_OBJECT_CLASS (supa_bucket_browser_parent_class)->finalize (object);
}

static void
supa_bucket_browser_get_property (GObject    *object,
                                  guint       prop_id,
                                  GValue     *value,
                                  GParamSpec *pspec)
{
  SupaBucketBrowser *self = SUPA_BUCKET_BROWSER (object);

  switch (prop_id)
    {
    case PROP_PREVIEW_VISIBLE:
      g_value_set_boolean (value, self->preview_wanted);
      break;

    case PROP_NOTIFY_THRESHOLD:
      g_value_set_uint (value, self->notify_threshold);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
supa_bucket_browser_set_property (GObject      *object,
                                  guint         prop_id,
                                  const GValue *value,
                                  GParamSpec   *pspec)
{
  SupaBucketBrowser *self = SUPA_BUCKET_BROWSER (object);

  switch (prop_id)
    {
    case PROP_PREVIEW_VISIBLE:
      set_preview_wanted (self, g_value_get_boolean (value));
      break;

    case PROP_NOTIFY_THRESHOLD:
      supa_bucket_browser_set_notify_threshold (self, g_value_get_uint (value));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
supa_bucket_browser_class_init (SupaBucketBrowserClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = supa_bucket_browser_dispose;
  object_class->finalize = supa_bucket_browser_finalize;
  object_class->get_property = supa_bucket_browser_get_property;
  object_class->set_property = supa_bucket_browser_set_property;

  /* Whether the preview pane is shown (it folds over the files when the
   * section is narrow). */
  properties[PROP_PREVIEW_VISIBLE] =
    g_param_spec_boolean ("preview-visible", NULL, NULL, TRUE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  /* How long (ms) a batch of transfers must take for its end to be
   * announced with "notify-batch". */
  properties[PROP_NOTIFY_THRESHOLD] =
    g_param_spec_uint ("notify-threshold", NULL, NULL, 0, G_MAXUINT, BATCH_NOTIFY_MSEC,
                       G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /* (title, body or NULL) when a long batch of transfers ends; the default
   * handler sends a GNotification through the default GApplication. */
  signals[SIGNAL_NOTIFY_BATCH] =
    g_signal_new_class_handler ("notify-batch", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                G_CALLBACK (real_notify_batch), NULL, NULL, NULL,
                                G_TYPE_NONE, 2, G_TYPE_STRING, G_TYPE_STRING);

  g_type_ensure (SUPA_TYPE_TRANSFER_LIST);
  g_type_ensure (SUPA_TYPE_FILE_PREVIEW);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  supa_resources_ensure ();
  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/supadesk/Supadesk/supa-bucket-browser.ui");
  gtk_widget_class_bind_template_child (widget_class, SupaBucketBrowser, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, SupaBucketBrowser, buckets_spinner);
  gtk_widget_class_bind_template_child (widget_class, SupaBucketBrowser, bucket_list);
  gtk_widget_class_bind_template_child (widget_class, SupaBucketBrowser, path_bar);
  gtk_widget_class_bind_template_child (widget_class, SupaBucketBrowser, search_entry);
  gtk_widget_class_bind_template_callback (widget_class, search_stopped_cb);
  gtk_widget_class_bind_template_child (widget_class, SupaBucketBrowser, transfer_list);
  gtk_widget_class_bind_template_child (widget_class, SupaBucketBrowser, content_stack);
  gtk_widget_class_bind_template_child (widget_class, SupaBucketBrowser, loading_spinner);
  gtk_widget_class_bind_template_child (widget_class, SupaBucketBrowser, error_page);
  gtk_widget_class_bind_template_child (widget_class, SupaBucketBrowser, empty_page);
  gtk_widget_class_bind_template_child (widget_class, SupaBucketBrowser, files_scroller);
  gtk_widget_class_bind_template_child (widget_class, SupaBucketBrowser, operation_box);
  gtk_widget_class_bind_template_child (widget_class, SupaBucketBrowser, operation_label);
  gtk_widget_class_bind_template_child (widget_class, SupaBucketBrowser, operation_progress);
  gtk_widget_class_bind_template_child (widget_class, SupaBucketBrowser, status_label);
  gtk_widget_class_bind_template_child (widget_class, SupaBucketBrowser, main_box);
  gtk_widget_class_bind_template_child (widget_class, SupaBucketBrowser, preview_flap);
  gtk_widget_class_bind_template_child (widget_class, SupaBucketBrowser, url_button);
  gtk_widget_class_bind_template_child (widget_class, SupaBucketBrowser, preview);
  gtk_widget_class_bind_template_child (widget_class, SupaBucketBrowser, file_menu);
  gtk_widget_class_bind_template_child (widget_class, SupaBucketBrowser, operation_cancel);
  gtk_widget_class_bind_template_callback (widget_class, bucket_row_selected_cb);
  gtk_widget_class_bind_template_callback (widget_class, search_changed_cb);

  gtk_widget_class_install_action (widget_class, "storage.refresh", NULL, refresh_action);
  gtk_widget_class_install_action (widget_class, "storage.upload", NULL, upload_action);
  gtk_widget_class_install_action (widget_class, "storage.new-folder", NULL, new_folder_action);
  gtk_widget_class_install_action (widget_class, "storage.find", NULL, find_action);
  gtk_widget_class_install_action (widget_class, "storage.go-up", NULL, go_up_action);
  gtk_widget_class_install_action (widget_class, "storage.open", NULL, open_action);
  gtk_widget_class_install_action (widget_class, "storage.rename", NULL, rename_action);
  gtk_widget_class_install_action (widget_class, "storage.delete", NULL, delete_action);
  gtk_widget_class_install_action (widget_class, "storage.download", NULL, download_action);
  gtk_widget_class_install_action (widget_class, "storage.copy-signed-url", "u", copy_signed_url_action);
  gtk_widget_class_install_action (widget_class, "storage.copy-signed-url-custom", NULL, copy_signed_url_custom_action);
  gtk_widget_class_install_action (widget_class, "storage.copy-public-url", NULL, copy_public_url_action);
  gtk_widget_class_install_action (widget_class, "storage.new-bucket", NULL, new_bucket_action);
  gtk_widget_class_install_action (widget_class, "storage.edit-bucket", NULL, edit_bucket_action);
  gtk_widget_class_install_action (widget_class, "storage.empty-bucket", NULL, empty_bucket_action);
  gtk_widget_class_install_action (widget_class, "storage.delete-bucket", NULL, delete_bucket_action);
  gtk_widget_class_install_action (widget_class, "storage.context-menu", NULL, context_menu_action);
  gtk_widget_class_install_action (widget_class, "storage.copy-to", NULL, copy_to_action);
  gtk_widget_class_install_action (widget_class, "storage.move-to", NULL, move_to_action);
  gtk_widget_class_install_action (widget_class, "storage.cancel-operation", NULL, cancel_operation_action);
  gtk_widget_class_install_property_action (widget_class, "storage.preview", "preview-visible");
}

static void
supa_bucket_browser_init (SupaBucketBrowser *self)
{
  GtkDropTarget *target;
  GtkWidget *placeholder;
  GtkGesture *click;

  gtk_widget_init_template (GTK_WIDGET (self));
  self->notify_threshold = BATCH_NOTIFY_MSEC;
  self->preview_wanted = TRUE;
  self->icons = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_object_unref);

  g_signal_connect_object (self->preview_flap, "notify::reveal-flap",
                           G_CALLBACK (reveal_flap_changed_cb), self, G_CONNECT_SWAPPED);
  self->file_popover = gtk_popover_menu_new_from_model (self->file_menu);
  gtk_popover_set_has_arrow (GTK_POPOVER (self->file_popover), FALSE);
  gtk_widget_set_halign (self->file_popover, GTK_ALIGN_START);
  gtk_widget_set_parent (self->file_popover, GTK_WIDGET (self));

  self->buckets = g_list_store_new (SUPA_TYPE_BUCKET);
  gtk_list_box_bind_model (self->bucket_list, G_LIST_MODEL (self->buckets), create_bucket_row, NULL, NULL);
  placeholder = gtk_label_new (_("No buckets"));
  gtk_widget_add_css_class (placeholder, "dim-label");
  gtk_widget_set_margin_top (placeholder, 12);
  gtk_list_box_set_placeholder (self->bucket_list, placeholder);

  self->column_view = GTK_COLUMN_VIEW (gtk_column_view_new (NULL));
  gtk_widget_set_name (GTK_WIDGET (self->column_view), "files");
  gtk_column_view_set_show_column_separators (self->column_view, FALSE);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->column_view), GTK_ACCESSIBLE_PROPERTY_LABEL, _("Files"), -1);
  add_column (self, COLUMN_NAME, _("Name"), SUPA_FOLDER_SORT_NAME);
  add_column (self, COLUMN_SIZE, _("Size"), SUPA_FOLDER_SORT_SIZE);
  add_column (self, COLUMN_TYPE, _("Type"), SUPA_FOLDER_SORT_TYPE);
  add_column (self, COLUMN_MODIFIED, _("Modified"), SUPA_FOLDER_SORT_MODIFIED);
  g_signal_connect_object (gtk_column_view_get_sorter (self->column_view), "changed",
                           G_CALLBACK (sorter_changed_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect (self->column_view, "activate", G_CALLBACK (activate_cb), self);
  gtk_scrolled_window_set_child (self->files_scroller, GTK_WIDGET (self->column_view));

  click = gtk_gesture_click_new ();
  gtk_gesture_single_set_button (GTK_GESTURE_SINGLE (click), GDK_BUTTON_SECONDARY);
  g_signal_connect (click, "pressed", G_CALLBACK (files_pressed_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self->column_view), GTK_EVENT_CONTROLLER (click));

  /* Files and folders from a file manager drop on the whole view; folder
   * rows take drops for themselves. */
  target = gtk_drop_target_new (GDK_TYPE_FILE_LIST, GDK_ACTION_COPY);
  g_signal_connect (target, "enter", G_CALLBACK (view_drop_enter_cb), NULL);
  g_signal_connect (target, "leave", G_CALLBACK (view_drop_leave_cb), NULL);
  g_signal_connect (target, "drop", G_CALLBACK (view_drop_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self->content_stack), GTK_EVENT_CONTROLLER (target));

  open_folder (self, "");
}

/* ------------------------------------------------------------ public API */

GtkWidget *
supa_bucket_browser_new (void)
{
  return g_object_new (SUPA_TYPE_BUCKET_BROWSER, NULL);
}

void
supa_bucket_browser_set_client (SupaBucketBrowser *self,
                                SupaClient        *client,
                                SupaProfile       *profile,
                                GCancellable      *cancellable)
{
  g_autoptr(GError) error = NULL;

  g_return_if_fail (SUPA_IS_BUCKET_BROWSER (self));
  g_return_if_fail (client == NULL || SUPA_IS_CLIENT (client));

  if (client == self->client && client != NULL)
    return;

  clear_client (self);
  open_folder (self, "");

  if (client == NULL)
    {
      update_actions (self);
      return;
    }

  self->client = g_object_ref (client);
  g_set_object (&self->profile, profile);
  self->storage = supa_storage_new (client);
  g_signal_connect_object (self->storage, "retrying", G_CALLBACK (storage_retrying_cb), self, G_CONNECT_SWAPPED);
  self->cancellable = g_cancellable_new ();
  if (cancellable != NULL)
    {
      self->parent_cancellable = g_object_ref (cancellable);
      self->cancel_handler = g_cancellable_connect (cancellable, G_CALLBACK (parent_cancelled_cb),
                                                    g_object_ref (self->cancellable), g_object_unref);
    }

  self->queue = supa_transfer_queue_new (client, profile != NULL ? supa_profile_get_id (profile) : "default", NULL);
  if (!supa_transfer_queue_load (self->queue, &error))
    toast (self, error->message);
  {
    g_autoptr(GSettings) settings = g_settings_new (BASE_APPLICATION_ID);

    /* Preferences → Simultaneous transfers; the binding keeps @settings. */
    g_settings_bind (settings, "transfer-concurrency", self->queue, "concurrency", G_SETTINGS_BIND_GET);
  }
  g_signal_connect_object (self->queue, "finished", G_CALLBACK (transfer_finished_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->queue, "batch-finished", G_CALLBACK (batch_finished_cb), self, G_CONNECT_SWAPPED);
  supa_transfer_list_set_queue (self->transfer_list, self->queue);

  load_buckets (self);
  update_actions (self);
}

GListModel *
supa_bucket_browser_get_buckets (SupaBucketBrowser *self)
{
  g_return_val_if_fail (SUPA_IS_BUCKET_BROWSER (self), NULL);

  return G_LIST_MODEL (self->buckets);
}

gboolean
supa_bucket_browser_get_loading_buckets (SupaBucketBrowser *self)
{
  g_return_val_if_fail (SUPA_IS_BUCKET_BROWSER (self), FALSE);

  return self->loading_buckets;
}

GtkListBox *
supa_bucket_browser_get_bucket_list (SupaBucketBrowser *self)
{
  g_return_val_if_fail (SUPA_IS_BUCKET_BROWSER (self), NULL);

  return self->bucket_list;
}

gboolean
supa_bucket_browser_open_bucket (SupaBucketBrowser *self,
                                 const char        *id)
{
  g_autoptr(SupaBucket) bucket = NULL;
  guint position = 0;

  g_return_val_if_fail (SUPA_IS_BUCKET_BROWSER (self), FALSE);

  bucket = find_bucket (self, id, &position);
  if (bucket == NULL)
    return FALSE;
  gtk_list_box_select_row (self->bucket_list, gtk_list_box_get_row_at_index (self->bucket_list, position));
  return TRUE;
}

SupaBucket *
supa_bucket_browser_get_bucket (SupaBucketBrowser *self)
{
  g_return_val_if_fail (SUPA_IS_BUCKET_BROWSER (self), NULL);

  return self->bucket;
}

void
supa_bucket_browser_open_folder (SupaBucketBrowser *self,
                                 const char        *prefix)
{
  g_return_if_fail (SUPA_IS_BUCKET_BROWSER (self));

  open_folder (self, prefix);
  gtk_widget_grab_focus (GTK_WIDGET (self->column_view));
}

const char *
supa_bucket_browser_get_prefix (SupaBucketBrowser *self)
{
  g_return_val_if_fail (SUPA_IS_BUCKET_BROWSER (self), NULL);

  return self->prefix;
}

SupaFolderModel *
supa_bucket_browser_get_folder_model (SupaBucketBrowser *self)
{
  g_return_val_if_fail (SUPA_IS_BUCKET_BROWSER (self), NULL);

  return self->folder_model;
}

GtkWidget *
supa_bucket_browser_get_drop_area (SupaBucketBrowser *self)
{
  g_return_val_if_fail (SUPA_IS_BUCKET_BROWSER (self), NULL);
  return GTK_WIDGET (self->content_stack);
}

SupaStorage *
supa_bucket_browser_get_storage (SupaBucketBrowser *self)
{
  g_return_val_if_fail (SUPA_IS_BUCKET_BROWSER (self), NULL);
  return self->storage;
}

GtkColumnView *
supa_bucket_browser_get_column_view (SupaBucketBrowser *self)
{
  g_return_val_if_fail (SUPA_IS_BUCKET_BROWSER (self), NULL);

  return self->column_view;
}

SupaTransferQueue *
supa_bucket_browser_get_transfer_queue (SupaBucketBrowser *self)
{
  g_return_val_if_fail (SUPA_IS_BUCKET_BROWSER (self), NULL);

  return self->queue;
}

GtkWidget *
supa_bucket_browser_get_transfer_list (SupaBucketBrowser *self)
{
  g_return_val_if_fail (SUPA_IS_BUCKET_BROWSER (self), NULL);

  return GTK_WIDGET (self->transfer_list);
}

GtkWidget *
supa_bucket_browser_get_path_bar (SupaBucketBrowser *self)
{
  g_return_val_if_fail (SUPA_IS_BUCKET_BROWSER (self), NULL);

  return GTK_WIDGET (self->path_bar);
}

const char *
supa_bucket_browser_get_page (SupaBucketBrowser *self)
{
  g_return_val_if_fail (SUPA_IS_BUCKET_BROWSER (self), NULL);

  return gtk_stack_get_visible_child_name (self->content_stack);
}

guint
supa_bucket_browser_select_names (SupaBucketBrowser  *self,
                                  const char * const *names)
{
  guint found = 0;
  guint n;

  g_return_val_if_fail (SUPA_IS_BUCKET_BROWSER (self), 0);

  if (self->selection == NULL)
    return 0;

  gtk_selection_model_unselect_all (GTK_SELECTION_MODEL (self->selection));
  n = g_list_model_get_n_items (G_LIST_MODEL (self->selection));
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(SupaObjectInfo) info = g_list_model_get_item (G_LIST_MODEL (self->selection), i);

      if (names != NULL && g_strv_contains (names, supa_object_info_get_name (info)))
        {
          gtk_selection_model_select_item (GTK_SELECTION_MODEL (self->selection), i, FALSE);
          found++;
        }
    }

  return found;
}

gboolean
supa_bucket_browser_get_busy (SupaBucketBrowser *self)
{
  g_return_val_if_fail (SUPA_IS_BUCKET_BROWSER (self), FALSE);

  return self->busy > 0;
}

GtkWidget *
supa_bucket_browser_get_preview (SupaBucketBrowser *self)
{
  g_return_val_if_fail (SUPA_IS_BUCKET_BROWSER (self), NULL);

  return GTK_WIDGET (self->preview);
}

GMenuModel *
supa_bucket_browser_get_file_menu (SupaBucketBrowser *self)
{
  g_return_val_if_fail (SUPA_IS_BUCKET_BROWSER (self), NULL);

  return self->file_menu;
}

GtkWidget *
supa_bucket_browser_get_file_popover (SupaBucketBrowser *self)
{
  g_return_val_if_fail (SUPA_IS_BUCKET_BROWSER (self), NULL);

  return self->file_popover;
}

guint
supa_bucket_browser_get_notify_threshold (SupaBucketBrowser *self)
{
  g_return_val_if_fail (SUPA_IS_BUCKET_BROWSER (self), 0);

  return self->notify_threshold;
}

void
supa_bucket_browser_set_notify_threshold (SupaBucketBrowser *self,
                                          guint              msec)
{
  g_return_if_fail (SUPA_IS_BUCKET_BROWSER (self));

  if (self->notify_threshold == msec)
    return;
  self->notify_threshold = msec;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_NOTIFY_THRESHOLD]);
}

gboolean
supa_bucket_browser_popup_at (SupaBucketBrowser *self,
                              double             x,
                              double             y)
{
  GtkWidget *view;
  GtkWidget *picked;
  SupaObjectInfo *info = NULL;
  graphene_point_t point;

  g_return_val_if_fail (SUPA_IS_BUCKET_BROWSER (self), FALSE);

  if (self->selection == NULL)
    return FALSE;

  view = GTK_WIDGET (self->column_view);
  picked = gtk_widget_pick (view, x, y, GTK_PICK_DEFAULT);
  for (GtkWidget *w = picked; w != NULL && w != view && info == NULL; w = gtk_widget_get_parent (w))
    info = g_object_get_data (G_OBJECT (w), "supa-item");

  /* Right-clicking an unselected row acts on that row alone, as file
   * managers do; a click on a selected row keeps the selection. */
  if (info != NULL)
    {
      guint position = position_of_item (self, info);

      if (position != GTK_INVALID_LIST_POSITION &&
          !gtk_selection_model_is_selected (GTK_SELECTION_MODEL (self->selection), position))
        gtk_selection_model_select_item (GTK_SELECTION_MODEL (self->selection), position, TRUE);
    }

  if (!gtk_widget_compute_point (view, GTK_WIDGET (self), &GRAPHENE_POINT_INIT ((float) x, (float) y), &point))
    return FALSE;

  popup_file_menu (self, point.x, point.y);
  return TRUE;
}
