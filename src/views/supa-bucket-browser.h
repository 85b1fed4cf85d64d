/* supa-bucket-browser.h — the Storage section: buckets and their files
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "supa-client.h"
#include "supa-folder-model.h"
#include "supa-profile.h"
#include "supa-storage.h"
#include "supa-transfer-queue.h"

G_BEGIN_DECLS

#define SUPA_TYPE_BUCKET_BROWSER (supa_bucket_browser_get_type ())

G_DECLARE_FINAL_TYPE (SupaBucketBrowser, supa_bucket_browser, SUPA, BUCKET_BROWSER, GtkWidget)

typedef enum
{
  SUPA_OBJECT_OP_COPY,
  SUPA_OBJECT_OP_MOVE,
} SupaObjectOp;

/* A sidebar of buckets beside the open folder of one of them, with
 * uploads (button and drag and drop), downloads, folders, renames,
 * deletes and signed URLs. Actions: storage.refresh, storage.upload,
 * storage.new-folder, storage.go-up, storage.open, storage.rename,
 * storage.delete, storage.download, storage.copy-signed-url (u: seconds),
 * storage.copy-public-url, storage.new-bucket, storage.edit-bucket,
 * storage.empty-bucket, storage.delete-bucket, storage.preview (b),
 * storage.context-menu, storage.copy-to, storage.move-to (both ask for a
 * destination), storage.cancel-operation. */
GtkWidget         *supa_bucket_browser_new             (void);

/* Lists the buckets of @client (NULL disconnects). @profile keys the
 * persisted transfer queue; @cancellable (the window's) cancels
 * everything. */
void               supa_bucket_browser_set_client      (SupaBucketBrowser *self,
                                                        SupaClient        *client,
                                                        SupaProfile       *profile,
                                                        GCancellable      *cancellable);

/* element-type SupaBucket */
GListModel        *supa_bucket_browser_get_buckets     (SupaBucketBrowser *self);
gboolean           supa_bucket_browser_get_loading_buckets (SupaBucketBrowser *self);
GtkListBox        *supa_bucket_browser_get_bucket_list (SupaBucketBrowser *self);
/* Opens the root of bucket @id; FALSE when there is no such bucket. */
gboolean           supa_bucket_browser_open_bucket     (SupaBucketBrowser *self,
                                                        const char        *id);
SupaBucket        *supa_bucket_browser_get_bucket      (SupaBucketBrowser *self);
/* Opens @prefix ("" = root) of the open bucket. */
void               supa_bucket_browser_open_folder     (SupaBucketBrowser *self,
                                                        const char        *prefix);
const char        *supa_bucket_browser_get_prefix      (SupaBucketBrowser *self);
SupaFolderModel   *supa_bucket_browser_get_folder_model (SupaBucketBrowser *self);
/* The storage service in use (NULL when disconnected), e.g. to tune its
 * retry policy. */
SupaStorage       *supa_bucket_browser_get_storage     (SupaBucketBrowser *self);
GtkColumnView     *supa_bucket_browser_get_column_view (SupaBucketBrowser *self);
SupaTransferQueue *supa_bucket_browser_get_transfer_queue (SupaBucketBrowser *self);
GtkWidget         *supa_bucket_browser_get_transfer_list (SupaBucketBrowser *self);
/* The breadcrumb buttons, root first. */
GtkWidget         *supa_bucket_browser_get_path_bar    (SupaBucketBrowser *self);
/* Name of the visible page: "no-bucket", "loading", "error", "empty",
 * "files". */
const char        *supa_bucket_browser_get_page        (SupaBucketBrowser *self);

/* Selects the items of the open folder named in @names (NULL-terminated),
 * deselecting the rest; returns how many were found. */
guint              supa_bucket_browser_select_names    (SupaBucketBrowser  *self,
                                                        const char * const *names);

/* Creates folder @name in the open folder (uploads an empty
 * `.emptyFolderPlaceholder`, as Studio does). FALSE with a translated
 * message for a name the path rules refuse. */
gboolean           supa_bucket_browser_create_folder   (SupaBucketBrowser *self,
                                                        const char        *name,
                                                        GError           **error);
/* Renames the item @name of the open folder to @new_name (moving every
 * object inside a folder). FALSE for a refused name. */
gboolean           supa_bucket_browser_rename          (SupaBucketBrowser *self,
                                                        const char        *name,
                                                        const char        *new_name,
                                                        GError           **error);
/* Copies or moves the selected items (folders with everything in them)
 * into @to_folder ("" = top level) of bucket @to_bucket, without the
 * destination dialog. A copy onto itself is named "name (copy).ext";
 * existing destinations ask replace / keep both / skip; across buckets,
 * objects the destination's size limit or types refuse are not sent. A
 * report ("transfer-report" dialog) lists every file that was not copied
 * or moved, with the reason. FALSE for a destination refused up front. */
gboolean           supa_bucket_browser_transfer_selected (SupaBucketBrowser  *self,
                                                          SupaObjectOp        op,
                                                          const char         *to_bucket,
                                                          const char         *to_folder,
                                                          GError            **error);
/* Stops the running copy, move or delete (the Cancel button of the
 * progress bar); what was not done yet is reported. */
void               supa_bucket_browser_cancel_operation  (SupaBucketBrowser  *self);
/* Deletes the selected items without asking (folders recursively). */
void               supa_bucket_browser_delete_selected (SupaBucketBrowser *self);
/* Queues downloads of the selected files, and of every file inside the
 * selected folders (keeping their tree), into @folder. */
void               supa_bucket_browser_download_selected (SupaBucketBrowser *self,
                                                          GFile             *folder);
/* The preview of the single selected file, beside the files (property
 * "preview-visible", action storage.preview, F3). */
GtkWidget         *supa_bucket_browser_get_preview     (SupaBucketBrowser *self);
/* The context menu of the files (right-click, Menu, Shift+F10; action
 * storage.context-menu) and the popover that shows it. */
GMenuModel        *supa_bucket_browser_get_file_menu   (SupaBucketBrowser *self);
GtkWidget         *supa_bucket_browser_get_file_popover (SupaBucketBrowser *self);
/* What a right-click at (@x, @y) of the column view does: the row there
 * becomes the selection unless it is already selected, and the context
 * menu pops up at that point. FALSE when nothing was shown. */
gboolean           supa_bucket_browser_popup_at        (SupaBucketBrowser *self,
                                                        double             x,
                                                        double             y);
/* TRUE while a rename, delete or folder creation runs. */
gboolean           supa_bucket_browser_get_busy        (SupaBucketBrowser *self);

/* When a batch of transfers that took at least "notify-threshold" ms
 * (default 10 s) ends, the signal "notify-batch" (title, body) is emitted
 * ("3 files uploaded", "1 failed" or NULL); its default handler sends a
 * GNotification through the default GApplication. */
guint              supa_bucket_browser_get_notify_threshold (SupaBucketBrowser *self);
void               supa_bucket_browser_set_notify_threshold (SupaBucketBrowser *self,
                                                             guint              msec);

/* What a GtkDropTarget for GDK_TYPE_FILE_LIST calls: @value holds a
 * GdkFileList; @folder is the folder row dropped on, or NULL for the open
 * folder. Files and folder trees are checked against the bucket's limits
 * and queued. */
gboolean           supa_bucket_browser_drop            (SupaBucketBrowser *self,
                                                        const GValue      *value,
                                                        const char        *folder);
/* The widget that takes drops for the open folder; it and folder rows
 * get the CSS class "drop-highlight" while files are dragged over them. */
GtkWidget         *supa_bucket_browser_get_drop_area   (SupaBucketBrowser *self);
/* Uploads @files (element-type GFile) into the open folder, like Upload. */
void               supa_bucket_browser_upload_files    (SupaBucketBrowser *self,
                                                        GSList            *files,
                                                        const char        *folder);

/* Checks a local file against @bucket's size limit and MIME types;
 * returns NULL when it may be uploaded, else the translated reason. */
char              *supa_bucket_browser_preflight       (SupaBucket        *bucket,
                                                        const char        *content_type,
                                                        gint64             size);

G_END_DECLS
