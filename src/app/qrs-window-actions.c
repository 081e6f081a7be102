/* qrs-window-actions.c — what the window can do, and its shortcuts
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>

#include <glib/gi18n-lib.h>

#include "qrs-application.h"
#include "qrs-batch-export.h"
#include "qrs-connection.h"
#include "qrs-export-dialog.h"
#include "qrs-print.h"
#include "qrs-window-private.h"

#define CLIPBOARD_MIN_WIDTH 64
#define CLIPBOARD_MAX_WIDTH 4096

static void
new_code_action (GtkWidget  *widget,
                 const char *action_name,
                 GVariant   *param)
{
  QrsWindow *self = QRS_WINDOW (widget);
  g_autoptr(QrsDocument) document = _qrs_window_create_document (self);

  _qrs_window_add_document (self, document);
  qrs_window_set_document (self, document);
  adw_leaflet_navigate (self->leaflet, ADW_NAVIGATION_DIRECTION_FORWARD);
}

static void
duplicate_action (GtkWidget  *widget,
                  const char *action_name,
                  GVariant   *param)
{
  QrsWindow *self = QRS_WINDOW (widget);
  g_autoptr(QrsDocument) copy = NULL;
  g_autofree char *title = NULL;
  QrsDesign *design;
  const char *old;

  if (self->document == NULL)
    return;

  copy = qrs_document_duplicate (self->document);
  design = qrs_document_get_design (copy);
  old = qrs_design_get_title (design);
  /* Translators: the title of a duplicated code */
  title = g_strdup_printf (_("%s (Copy)"), old && *old ? old : _("Untitled Code"));
  qrs_design_set_title (design, title);

  _qrs_window_add_document (self, copy);
  qrs_window_set_document (self, copy);
  qrs_window_show_toast (self, _("Code duplicated"));
}

static void
show_library_action (GtkWidget  *widget,
                     const char *action_name,
                     GVariant   *param)
{
  QrsWindow *self = QRS_WINDOW (widget);

  adw_leaflet_navigate (self->leaflet, ADW_NAVIGATION_DIRECTION_BACK);
}

static void
search_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *param)
{
  QrsWindow *self = QRS_WINDOW (widget);

  adw_leaflet_navigate (self->leaflet, ADW_NAVIGATION_DIRECTION_BACK);
  gtk_widget_grab_focus (GTK_WIDGET (self->search_entry));
}

/**
 * _qrs_window_check_short_link:
 *
 * A dynamic code not saved yet shows a provisional short link, which the
 * first save replaces: an image of it exported, printed, copied or
 * dragged now would lead nowhere.  Rather than do that (or save behind
 * the person's back), say so, with Save at hand.
 *
 * Returns: %TRUE when the code may leave the app as it is
 */
gboolean
_qrs_window_check_short_link (QrsWindow *self)
{
  AdwToast *toast;

  if (self->document == NULL
      || qrs_document_get_kind (self->document) != QRS_CODE_KIND_DYNAMIC
      || qrs_document_get_short_id (self->document) != NULL)
    return TRUE;

  toast = adw_toast_new (_("Save the code first: its short link is assigned when saved"));
  adw_toast_set_timeout (toast, 6);
  adw_toast_set_button_label (toast, _("_Save"));
  adw_toast_set_action_name (toast, "win.save");
  _qrs_window_add_toast (self, toast);

  return FALSE;
}

static void
export_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *param)
{
  QrsWindow *self = QRS_WINDOW (widget);
  QrsExportDialog *dialog;

  if (qrs_preview_get_symbol (self->preview) == NULL || !_qrs_window_check_short_link (self))
    return;

  dialog = qrs_export_dialog_new (self, self->document, qrs_preview_get_symbol (self->preview));
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
print_done_cb (GtkPrintOperation       *operation,
               GtkPrintOperationResult  result,
               QrsWindow               *self)
{
  g_autoptr(GError) error = NULL;

  if (result == GTK_PRINT_OPERATION_RESULT_ERROR)
    {
      g_autofree char *message = NULL;

      gtk_print_operation_get_error (operation, &error);
      message = g_strdup_printf (_("Could not print: %s"), error ? error->message : _("unknown error"));
      qrs_window_show_toast (self, message);
    }
  else if (result == GTK_PRINT_OPERATION_RESULT_APPLY)
    {
      g_set_object (&self->print_settings, gtk_print_operation_get_print_settings (operation));
      if (qrs_print_operation_get_n_shrunk (QRS_PRINT_OPERATION (operation)) > 0)
        qrs_window_show_toast (self, _("Printed smaller than its size: the code did not fit the page or its label"));
    }
}

static void
print_action (GtkWidget  *widget,
              const char *action_name,
              GVariant   *param)
{
  QrsWindow *self = QRS_WINDOW (widget);
  g_autoptr(QrsPrintOperation) operation = NULL;
  g_autoptr(GError) error = NULL;
  QrsSymbol *symbol = qrs_preview_get_symbol (self->preview);

  if (symbol == NULL || !_qrs_window_check_short_link (self))
    return;

  operation = qrs_print_operation_new (qrs_document_get_design (self->document), symbol);
  if (self->print_settings != NULL)
    gtk_print_operation_set_print_settings (GTK_PRINT_OPERATION (operation), self->print_settings);
  gtk_print_operation_set_allow_async (GTK_PRINT_OPERATION (operation), TRUE);
  g_signal_connect_object (operation, "done", G_CALLBACK (print_done_cb), self, 0);

  if (gtk_print_operation_run (GTK_PRINT_OPERATION (operation), GTK_PRINT_OPERATION_ACTION_PRINT_DIALOG,
                               GTK_WINDOW (self), &error) == GTK_PRINT_OPERATION_RESULT_ERROR)
    {
      g_autofree char *message = g_strdup_printf (_("Could not print: %s"), error->message);

      qrs_window_show_toast (self, message);
    }
}

static void
copy_image_action (GtkWidget  *widget,
                   const char *action_name,
                   GVariant   *param)
{
  QrsWindow *self = QRS_WINDOW (widget);
  QrsDesign *design = qrs_document_get_design (self->document);
  g_autoptr(GdkTexture) texture = NULL;
  g_autoptr(GError) error = NULL;
  int width;

  if (!_qrs_window_check_short_link (self))
    return;

  width = (int)CLAMP (round (qrs_design_get_width_px (design)), CLIPBOARD_MIN_WIDTH, CLIPBOARD_MAX_WIDTH);
  texture = qrs_preview_render_texture (self->preview, width, &error);

  if (texture == NULL)
    {
      g_autofree char *message = g_strdup_printf (_("Could not copy the image: %s"), error->message);

      qrs_window_show_toast (self, message);
      return;
    }

  gdk_clipboard_set_texture (gtk_widget_get_clipboard (widget), texture);
  qrs_window_show_toast (self, _("Image copied"));
}

static void
zoom_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *param)
{
  QrsWindow *self = QRS_WINDOW (widget);

  if (g_str_equal (action_name, "win.zoom-in"))
    qrs_preview_zoom_in (self->preview);
  else if (g_str_equal (action_name, "win.zoom-out"))
    qrs_preview_zoom_out (self->preview);
  else
    qrs_preview_zoom_reset (self->preview);
}

static void
toggle_preview_action (GtkWidget  *widget,
                       const char *action_name,
                       GVariant   *param)
{
  QrsWindow *self = QRS_WINDOW (widget);

  adw_flap_set_reveal_flap (self->flap, !adw_flap_get_reveal_flap (self->flap));
}

/* The bar's one button stops whichever batch runs: its icon alone says
 * nothing to a screen reader, which GTK 4.8 does not give the tooltip. */
static void
set_batch_stop_label (QrsWindow  *self,
                      const char *label)
{
  gtk_widget_set_tooltip_text (self->batch_stop_button, label);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->batch_stop_button),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, label, -1);
}

/* A selection's database codes, a page at a time ------------------------ */

/* A selection is read a page of the database's codes at a time: for
 * each page of the code list that holds selected rows, that page read
 * again from the database on a worker thread with the list's query, as
 * it was when the selection was made, and its selected rows kept.  So
 * a selection of 100,000 codes is never in memory at once, and rows
 * whose page the list dropped (or never read) count like the others.
 * Export and Delete both walk a selection so. */
typedef struct
{
  GtkBitset    *selected;      /* positions among the rows shown, at the start */
  guint         n_drafts;      /* rows shown before the database's codes */
  QrsCodeStore *store;         /* NULL offline */
  QrsCodeQuery *query;         /* the code list's, at the start */
  guint64       count;         /* the code list's length, at the start */
  guint         next;          /* the first position not read yet */
} SelectionPages;

static void
selection_pages_init (SelectionPages *pages,
                      QrsWindow      *self)
{
  /* A copy: the selection model's own set changes as rows are read
   * again (a replaced row loses its selection). */
  g_autoptr(GtkBitset) selected = gtk_selection_model_get_selection (GTK_SELECTION_MODEL (self->selection));

  pages->selected = gtk_bitset_copy (selected);
  pages->n_drafts = g_list_model_get_n_items (G_LIST_MODEL (self->filtered));
  pages->next = 0;
  if (self->codes != NULL)
    {
      pages->store = g_object_ref (qrs_code_list_get_store (self->codes));
      pages->query = qrs_code_query_copy (qrs_code_list_get_query (self->codes));
      pages->count = g_list_model_get_n_items (G_LIST_MODEL (self->codes));
    }
}

static void
selection_pages_clear (SelectionPages *pages)
{
  g_clear_pointer (&pages->selected, gtk_bitset_unref);
  g_clear_object (&pages->store);
  g_clear_pointer (&pages->query, qrs_code_query_free);
}

/* How many of the selected rows are the database's codes. */
static guint
selection_pages_count_codes (SelectionPages *pages)
{
  guint64 n = gtk_bitset_get_size (pages->selected);

  if (pages->n_drafts > 0)
    n -= gtk_bitset_get_size_in_range (pages->selected, 0, pages->n_drafts - 1);
  return pages->store != NULL ? (guint)MIN (n, G_MAXUINT) : 0;
}

/* The offset of the next page that holds a selected code, if any. */
static gboolean
selection_pages_next (SelectionPages *pages,
                      guint          *offset)
{
  GtkBitsetIter iter;
  guint position, page;

  if (pages->store == NULL
      || !gtk_bitset_iter_init_at (&iter, pages->selected, MAX (pages->next, pages->n_drafts), &position))
    return FALSE;

  page = qrs_code_list_page_of (position - pages->n_drafts, NULL);
  pages->next = pages->n_drafts + qrs_code_list_page_offset (page + 1);
  *offset = qrs_code_list_page_offset (page);
  return TRUE;
}

/* On a worker thread: the selected codes of the page at @offset.
 *
 * Returns: (transfer container) (element-type QrsCode): they, or %NULL
 *   with @error set */
static GPtrArray *
selection_pages_read (SelectionPages  *pages,
                      guint            offset,
                      GCancellable    *cancellable,
                      GError         **error)
{
  g_autoptr(QrsCodePage) page = NULL;
  GPtrArray *codes;

  page = qrs_code_store_list_page (pages->store, pages->query, offset, QRS_CODE_LIST_PAGE_SIZE,
                                   pages->count, cancellable, error);
  if (page == NULL)
    return NULL;

  codes = g_ptr_array_new_with_free_func (g_object_unref);
  for (guint i = 0; i < page->codes->len; i++)
    if (gtk_bitset_contains (pages->selected, pages->n_drafts + offset + i))
      g_ptr_array_add (codes, g_object_ref (g_ptr_array_index (page->codes, i)));

  return codes;
}

/* Batch export ---------------------------------------------------------- */

/* The selection is exported its drafts first (already documents), then
 * a page of the database's codes at a time (see SelectionPages), its
 * selected rows made into documents on the worker thread (logos and
 * all), and exported as one batch. */
typedef struct
{
  QrsWindow       *window;
  GFile           *folder;
  QrsExportFormat  format;
  GCancellable    *cancellable;
  SelectionPages   pages;
  QrsAssetStore   *assets;
  char            *redirect_base;
  GHashTable      *logos;         /* sha256 → GBytes; only a worker thread uses it, one read at a time */
  guint            n_items;
  guint            n_done;        /* by the batches before the current one */
  guint            n_failed;
  char            *first_error;
  QrsBatchExport  *batch;         /* the batch being exported */
} SelectionExport;

static void
selection_export_free (SelectionExport *job)
{
  g_clear_object (&job->window);
  g_clear_object (&job->folder);
  g_clear_object (&job->cancellable);
  selection_pages_clear (&job->pages);
  g_clear_object (&job->assets);
  g_clear_pointer (&job->redirect_base, g_free);
  g_clear_pointer (&job->logos, g_hash_table_unref);
  g_clear_pointer (&job->first_error, g_free);
  g_clear_object (&job->batch);
  g_free (job);
}

static guint
selection_export_get_n_done (SelectionExport *job)
{
  return job->n_done + (job->batch != NULL ? qrs_batch_export_get_n_done (job->batch) : 0);
}

static void
selection_export_progress (SelectionExport *job)
{
  QrsWindow *self = job->window;
  g_autofree char *label = NULL;
  guint n_done = selection_export_get_n_done (job);

  /* Translators: “Exporting 3 of 12 codes…”; the plural follows the second number */
  label = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "Exporting %u of %u code…",
                                        "Exporting %u of %u codes…", job->n_items),
                           MIN (n_done + 1, job->n_items), job->n_items);
  gtk_label_set_label (self->batch_label, label);
  gtk_progress_bar_set_fraction (self->batch_progress,
                                 job->n_items > 0 ? (double)n_done / job->n_items : 1.0);
}

static void
record_first_error (SelectionExport *job,
                    const char      *message)
{
  if (job->first_error == NULL && message != NULL)
    job->first_error = g_strdup (message);
}

static void
selection_export_finish (SelectionExport *job,
                         const GError    *error)
{
  QrsWindow *self = job->window;
  g_autofree char *message = NULL;
  guint n_ok = job->n_done - job->n_failed;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    /* Translators: the export was stopped after %u files */
    message = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "Stopped after %u code",
                                            "Stopped after %u codes", n_ok), n_ok);
  else if (error != NULL)
    /* Translators: “Exported 3 codes, then stopped: the database's reason” */
    message = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "Exported %u code, then stopped: %s",
                                            "Exported %u codes, then stopped: %s", n_ok),
                               n_ok, error->message);
  else if (job->n_failed == 0)
    message = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "Exported %u code",
                                            "Exported %u codes", n_ok), n_ok);
  else
    /* Translators: “Exported 3, 1 failed — reason”; the plural follows the failures */
    message = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "Exported %u, %u failed — %s",
                                            "Exported %u, %u failed — %s", job->n_failed),
                               n_ok, job->n_failed, job->first_error);

  g_clear_object (&self->batch_cancellable);
  gtk_revealer_set_reveal_child (self->batch_revealer, FALSE);
  qrs_window_show_toast (self, message);
  _qrs_window_actions_update (self);
  selection_export_free (job);
}

static void read_next_page (SelectionExport *job);

static void
batch_progress_cb (SelectionExport *job)
{
  selection_export_progress (job);
}

static void
batch_done_cb (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  SelectionExport *job = user_data;
  QrsBatchExport *batch = QRS_BATCH_EXPORT (object);
  g_autoptr(GError) error = NULL;
  gboolean finished = qrs_batch_export_run_finish (batch, result, &error);

  g_signal_handlers_disconnect_by_data (batch, job);
  job->n_done += qrs_batch_export_get_n_done (batch);
  job->n_failed += qrs_batch_export_get_n_failed (batch);
  record_first_error (job, qrs_batch_export_get_first_error (batch));
  g_clear_object (&job->batch);

  if (!finished)
    selection_export_finish (job, error);
  else
    read_next_page (job);
}

static void
export_documents (SelectionExport *job,
                  GListModel      *documents)
{
  job->batch = qrs_batch_export_new (documents, job->folder, job->format);
  g_signal_connect_swapped (job->batch, "notify::n-done", G_CALLBACK (batch_progress_cb), job);
  selection_export_progress (job);
  qrs_batch_export_run_async (job->batch, job->cancellable, batch_done_cb, job);
}

/* A page read for the export: its selected rows as documents, and the
 * rows that could not be made into one. */
typedef struct
{
  SelectionExport *job;
  guint      offset;
  GPtrArray *documents;     /* QrsDocument */
  guint      n_failed;
  char      *first_error;
} PageRead;

static void
page_read_free (PageRead *read)
{
  g_clear_pointer (&read->documents, g_ptr_array_unref);
  g_clear_pointer (&read->first_error, g_free);
  g_free (read);
}

/* As the window loads a stored code (see load_document()), but here, on
 * the worker thread, waiting for the logo: the file is written with it. */
static QrsDocument *
document_from_code (SelectionExport  *job,
                    QrsCode          *code,
                    GCancellable     *cancellable,
                    GError          **error)
{
  g_autoptr(QrsDocument) document = qrs_document_new_from_code (code, error);
  QrsDesign *design;
  const char *sha256;
  GBytes *logo;

  if (document == NULL)
    return NULL;

  qrs_document_set_redirect_base (document, job->redirect_base);
  design = qrs_document_get_design (document);
  sha256 = qrs_design_get_logo_sha256 (design);
  if (sha256 == NULL || job->assets == NULL)
    return g_steal_pointer (&document);

  logo = g_hash_table_lookup (job->logos, sha256);
  if (logo == NULL)
    {
      logo = qrs_asset_store_get (job->assets, sha256, NULL, cancellable, error);
      if (logo == NULL)
        return NULL;
      g_hash_table_insert (job->logos, g_strdup (sha256), logo);
    }
  if (!qrs_design_set_logo (design, logo, error))
    return NULL;

  return g_steal_pointer (&document);
}

static void
read_page_thread (GTask        *task,
                  gpointer      source_object,
                  gpointer      task_data,
                  GCancellable *cancellable)
{
  PageRead *read = task_data;
  SelectionExport *job = read->job;
  g_autoptr(GPtrArray) codes = NULL;
  g_autoptr(GError) error = NULL;

  codes = selection_pages_read (&job->pages, read->offset, cancellable, &error);
  if (codes == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  for (guint i = 0; i < codes->len; i++)
    {
      QrsCode *code = g_ptr_array_index (codes, i);
      g_autoptr(QrsDocument) document = NULL;
      g_autoptr(GError) local_error = NULL;

      document = document_from_code (job, code, cancellable, &local_error);
      if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          g_task_return_error (task, g_steal_pointer (&local_error));
          return;
        }
      if (document == NULL)
        {
          read->n_failed++;
          if (read->first_error == NULL)
            /* Translators: “Guest Wi-Fi”: the reason */
            read->first_error = g_strdup_printf (_("“%s”: %s"), qrs_code_get_title (code),
                                                 local_error->message);
          continue;
        }
      g_ptr_array_add (read->documents, g_steal_pointer (&document));
    }

  g_task_return_boolean (task, TRUE);
}

static void
page_read_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  SelectionExport *job = user_data;
  QrsWindow *self = job->window;
  PageRead *read = g_task_get_task_data (G_TASK (result));
  g_autoptr(GError) error = NULL;
  g_autoptr(GListStore) documents = NULL;

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      selection_export_finish (job, error);
      return;
    }

  job->n_done += read->n_failed;
  job->n_failed += read->n_failed;
  record_first_error (job, read->first_error);

  /* A code open in the editor, or left with unsaved edits, is exported
   * as it is on screen: by the rule its row follows. */
  documents = g_list_store_new (QRS_TYPE_DOCUMENT);
  for (guint i = 0; i < read->documents->len; i++)
    {
      QrsDocument *document = g_ptr_array_index (read->documents, i);
      QrsDocument *current = _qrs_window_lookup_current (self, qrs_document_get_stored (document));

      g_list_store_append (documents, current != NULL ? current : document);
    }

  if (g_list_model_get_n_items (G_LIST_MODEL (documents)) > 0)
    export_documents (job, G_LIST_MODEL (documents));
  else
    read_next_page (job);
}

/* The next page of the code list that holds a selected row, read from
 * the database; or, with none left, done. */
static void
read_next_page (SelectionExport *job)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GError) error = NULL;
  guint offset;
  PageRead *read;

  if (g_cancellable_set_error_if_cancelled (job->cancellable, &error))
    {
      selection_export_finish (job, error);
      return;
    }

  if (!selection_pages_next (&job->pages, &offset))
    {
      selection_export_finish (job, NULL);
      return;
    }

  /* Before the first file, the bar says why nothing moves yet. */
  if (selection_export_get_n_done (job) == 0)
    {
      gtk_label_set_label (job->window->batch_label, _("Reading codes…"));
      gtk_progress_bar_set_fraction (job->window->batch_progress, 0);
    }

  read = g_new0 (PageRead, 1);
  read->job = job;
  read->offset = offset;
  read->documents = g_ptr_array_new_with_free_func (g_object_unref);

  task = g_task_new (NULL, job->cancellable, page_read_cb, job);
  g_task_set_source_tag (task, read_next_page);
  g_task_set_task_data (task, read, (GDestroyNotify)page_read_free);
  g_task_run_in_thread (task, read_page_thread);
}

/**
 * _qrs_window_start_batch_export:
 *
 * Exports every selected code into @folder, whether its row is in
 * memory or not; the progress bar follows, and Cancel stops it.
 */
void
_qrs_window_start_batch_export (QrsWindow       *self,
                                GFile           *folder,
                                QrsExportFormat  format)
{
  g_autoptr(GListStore) drafts = g_list_store_new (QRS_TYPE_DOCUMENT);
  SelectionExport *job;
  GtkBitsetIter iter;
  guint position;

  g_return_if_fail (self->batch_cancellable == NULL);

  self->batch_cancellable = g_cancellable_new ();

  job = g_new0 (SelectionExport, 1);
  job->window = g_object_ref (self);
  job->folder = g_object_ref (folder);
  job->format = format;
  job->cancellable = g_object_ref (self->batch_cancellable);
  selection_pages_init (&job->pages, self);
  job->n_items = (guint)MIN (gtk_bitset_get_size (job->pages.selected), G_MAXUINT);
  job->logos = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify)g_bytes_unref);
  if (self->codes != NULL)
    {
      GtkApplication *app = gtk_window_get_application (GTK_WINDOW (self));
      QrsConnection *connection = QRS_IS_APPLICATION (app)
                                  ? qrs_application_get_connection (QRS_APPLICATION (app)) : NULL;

      job->assets = connection != NULL ? g_object_ref (qrs_connection_get_asset_store (connection)) : NULL;
      job->redirect_base = _qrs_window_dup_redirect_base (self);
    }

  /* The drafts are documents already. */
  for (gboolean ok = gtk_bitset_iter_init_first (&iter, job->pages.selected, &position);
       ok && position < job->pages.n_drafts;
       ok = gtk_bitset_iter_next (&iter, &position))
    {
      g_autoptr(QrsDocument) document = g_list_model_get_item (G_LIST_MODEL (self->filtered), position);

      g_list_store_append (drafts, document);
    }
  /* Offline, the drafts are all there is. */
  if (job->pages.store == NULL)
    job->n_items = g_list_model_get_n_items (G_LIST_MODEL (drafts));

  selection_export_progress (job);
  set_batch_stop_label (self, _("Stop Exporting"));
  gtk_revealer_set_reveal_child (self->batch_revealer, TRUE);
  _qrs_window_actions_update (self);

  if (g_list_model_get_n_items (G_LIST_MODEL (drafts)) > 0)
    export_documents (job, G_LIST_MODEL (drafts));
  else
    read_next_page (job);
}

static void
folder_chosen_cb (GtkFileChooserNative *chooser,
                  int                   response,
                  QrsWindow            *self)
{
  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GFile) folder = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (chooser));
      g_autoptr(GSettings) settings = g_settings_new (APP_ID);

      _qrs_window_start_batch_export (self, folder, g_settings_get_enum (settings, "export-format"));
    }

  g_object_unref (chooser);
}

static void
export_selected_action (GtkWidget  *widget,
                        const char *action_name,
                        GVariant   *param)
{
  QrsWindow *self = QRS_WINDOW (widget);
  GtkFileChooserNative *chooser;

  if (self->batch_cancellable != NULL)
    return;

  /* The format is the one last used, as the export dialog remembers it. */
  chooser = gtk_file_chooser_native_new (_("Export Selected Codes Into"), GTK_WINDOW (self),
                                         GTK_FILE_CHOOSER_ACTION_SELECT_FOLDER,
                                         _("_Export"), _("_Cancel"));
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (chooser), TRUE);
  g_signal_connect (chooser, "response", G_CALLBACK (folder_chosen_cb), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (chooser));
}

static void
cancel_batch_action (GtkWidget  *widget,
                     const char *action_name,
                     GVariant   *param)
{
  g_cancellable_cancel (QRS_WINDOW (widget)->batch_cancellable);
}

/* Delete with undo ----------------------------------------------------- */

/* The toast went away without Undo: now the codes go from the database
 * too (Undo empties the lists first). */
static void
delete_toast_dismissed_cb (AdwToast  *toast,
                           QrsWindow *self)
{
  GArray *ids = g_object_get_data (G_OBJECT (toast), "qrs-deleted-ids");
  GArray *versions = g_object_get_data (G_OBJECT (toast), "qrs-deleted-versions");

  if (ids != NULL && ids->len > 0)
    _qrs_window_delete_stored (self, (const gint64 *)ids->data, (const int *)versions->data, ids->len);

  /* With its toast gone the delete is done: Ctrl+Z must not bring back
   * the drafts, nor documents of codes no longer in the database. */
  if (ids != NULL && ids == self->deleted_ids)
    {
      g_ptr_array_set_size (self->deleted, 0);
      g_array_set_size (self->deleted_ids, 0);
      g_array_set_size (self->deleted_versions, 0);
      _qrs_window_actions_update (self);
    }
}

/**
 * _qrs_window_delete_pending:
 *
 * The window is going: codes whose Undo toast is still up leave the
 * database now, as they would have when it went (libadwaita does not
 * dismiss the toasts of an overlay it disposes).
 */
void
_qrs_window_delete_pending (QrsWindow *self)
{
  AdwToast *toast = self->delete_toast;

  if (toast == NULL)
    return;

  g_signal_handlers_disconnect_by_func (toast, delete_toast_dismissed_cb, self);
  delete_toast_dismissed_cb (toast, self);
}

/* Takes the codes out of the library at once, with an Undo toast:
 * @documents are the drafts (they leave their list) and the documents
 * the window holds for the database's codes; @ids and @versions are every
 * database code deleted, left out of the query until the toast goes. */
static void
delete_codes (QrsWindow *self,
              GPtrArray *documents,
              GArray    *ids,
              GArray    *versions)
{
  g_autofree char *title = NULL;
  AdwToast *toast;
  guint n = ids->len;

  /* Fresh lists: the previous delete's toast still holds its own, and
   * deletes those codes from the database when it goes away. */
  g_ptr_array_unref (self->deleted);
  self->deleted = g_ptr_array_ref (documents);
  g_array_unref (self->deleted_ids);
  self->deleted_ids = g_array_ref (ids);
  g_array_unref (self->deleted_versions);
  self->deleted_versions = g_array_ref (versions);

  for (guint i = 0; i < documents->len; i++)
    {
      QrsDocument *document = g_ptr_array_index (documents, i);
      guint position;

      if (g_list_store_find (self->drafts, document, &position))
        g_list_store_remove (self->drafts, position);
      /* A draft is counted here, a saved code among the ids. */
      if (self->codes == NULL || qrs_document_get_id (document) <= 0)
        n++;
    }
  if (ids->len > 0)
    _qrs_window_hide_codes (self, (const gint64 *)ids->data, ids->len, TRUE);
  if (n == 0)
    return;

  /* The editor always has a code to show. */
  if (g_list_model_get_n_items (self->library) == 0)
    {
      g_autoptr(QrsDocument) document = _qrs_window_create_document (self);

      _qrs_window_add_document (self, document);
    }
  else
    {
      g_autoptr(GtkBitset) selection = gtk_selection_model_get_selection (GTK_SELECTION_MODEL (self->selection));

      if (gtk_bitset_is_empty (selection) && g_list_model_get_n_items (G_LIST_MODEL (self->selection)) > 0)
        _qrs_window_select (self, 0);
    }

  if (n == 1 && documents->len == 1)
    {
      g_autofree char *name = qrs_document_dup_display_title (g_ptr_array_index (documents, 0));

      /* Translators: %s is a code's title */
      title = g_strdup_printf (_("“%s” deleted"), name);
    }
  else
    title = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u code deleted", "%u codes deleted", n), n);

  toast = adw_toast_new (title);
  adw_toast_set_button_label (toast, _("_Undo"));
  adw_toast_set_action_name (toast, "win.undo-delete");
  g_object_set_data_full (G_OBJECT (toast), "qrs-deleted-ids", g_array_ref (ids),
                          (GDestroyNotify)g_array_unref);
  g_object_set_data_full (G_OBJECT (toast), "qrs-deleted-versions", g_array_ref (versions),
                          (GDestroyNotify)g_array_unref);
  g_signal_connect_object (toast, "dismissed", G_CALLBACK (delete_toast_dismissed_cb), self, 0);
  g_set_weak_pointer (&self->delete_toast, toast);
  _qrs_window_add_toast (self, toast);
  _qrs_window_actions_update (self);
}

/* A saved code to delete, at the version the window knows. */
static void
add_stored (GArray  *ids,
            GArray  *versions,
            QrsCode *stored)
{
  gint64 id = qrs_code_get_id (stored);
  int version = qrs_code_get_version (stored);

  g_array_append_val (ids, id);
  g_array_append_val (versions, version);
}

/* A selection bigger than the rows in memory: its codes' ids and
 * versions are read first (see SelectionPages), with the progress bar
 * and Cancel, and only then does anything leave the library. */
typedef struct
{
  QrsWindow      *window;
  GCancellable   *cancellable;
  SelectionPages  pages;
  GPtrArray      *documents;    /* QrsDocument: the selected drafts, and the window's own documents of the codes read */
  GArray         *ids;          /* gint64 */
  GArray         *versions;     /* int */
  guint           n_items;      /* the database's codes selected */
} SelectionDelete;

static void
selection_delete_free (SelectionDelete *job)
{
  g_clear_object (&job->window);
  g_clear_object (&job->cancellable);
  selection_pages_clear (&job->pages);
  g_clear_pointer (&job->documents, g_ptr_array_unref);
  g_clear_pointer (&job->ids, g_array_unref);
  g_clear_pointer (&job->versions, g_array_unref);
  g_free (job);
}

static void
selection_delete_progress (SelectionDelete *job)
{
  QrsWindow *self = job->window;
  g_autofree char *label = NULL;
  guint n_read = job->ids->len;

  /* Translators: “Reading 400 of 12,000 codes to delete…”; the plural follows the second number */
  label = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "Reading %u of %u code to delete…",
                                        "Reading %u of %u codes to delete…", job->n_items),
                           n_read, job->n_items);
  gtk_label_set_label (self->batch_label, label);
  gtk_progress_bar_set_fraction (self->batch_progress,
                                 job->n_items > 0 ? (double)MIN (n_read, job->n_items) / job->n_items : 1.0);
}

static void
selection_delete_finish (SelectionDelete *job,
                         const GError    *error)
{
  QrsWindow *self = job->window;

  g_clear_object (&self->batch_cancellable);
  /* A window closed meanwhile (unrealized, see qrs_window_unrealize())
   * has no one to tell, nor codes to delete. */
  if (self->batch_revealer != NULL && gtk_widget_get_realized (GTK_WIDGET (self)))
    {
      gtk_revealer_set_reveal_child (self->batch_revealer, FALSE);
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        qrs_window_show_toast (self, _("Delete stopped: nothing was deleted"));
      else if (error != NULL)
        {
          /* Translators: the database's reason follows */
          g_autofree char *message = g_strdup_printf (_("Could not read the selected codes, so none was deleted: %s"),
                                                      error->message);

          qrs_window_show_toast (self, message);
        }
      else
        delete_codes (self, job->documents, job->ids, job->versions);
      _qrs_window_actions_update (self);
    }
  selection_delete_free (job);
}

static void read_next_page_to_delete (SelectionDelete *job);

/* A page read for the delete. */
typedef struct
{
  SelectionDelete *job;
  guint            offset;
} CodesRead;

static void
read_codes_thread (GTask        *task,
                   gpointer      source_object,
                   gpointer      task_data,
                   GCancellable *cancellable)
{
  CodesRead *read = task_data;
  GError *error = NULL;
  GPtrArray *codes = selection_pages_read (&read->job->pages, read->offset, cancellable, &error);

  if (codes == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, codes, (GDestroyNotify)g_ptr_array_unref);
}

static void
codes_read_cb (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  SelectionDelete *job = user_data;
  QrsWindow *self = job->window;
  g_autoptr(GPtrArray) codes = NULL;
  g_autoptr(GError) error = NULL;

  /* A page read just as Cancel came (or the window closed) counts for
   * nothing. */
  codes = g_task_propagate_pointer (G_TASK (result), &error);
  if (codes == NULL || g_cancellable_set_error_if_cancelled (job->cancellable, &error))
    {
      selection_delete_finish (job, error);
      return;
    }

  for (guint i = 0; i < codes->len; i++)
    {
      QrsCode *code = g_ptr_array_index (codes, i);
      /* The version the window knows is the one its document stands
       * for, when it keeps one for the code (by the rule its row
       * follows); otherwise the one just read. */
      QrsDocument *current = _qrs_window_lookup_current (self, code);
      QrsCode *stored = current != NULL ? qrs_document_get_stored (current) : NULL;

      if (current != NULL && !g_ptr_array_find (job->documents, current, NULL))
        g_ptr_array_add (job->documents, g_object_ref (current));
      add_stored (job->ids, job->versions, stored != NULL ? stored : code);
    }

  selection_delete_progress (job);
  read_next_page_to_delete (job);
}

static void
read_next_page_to_delete (SelectionDelete *job)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GError) error = NULL;
  CodesRead *read;
  guint offset;

  if (g_cancellable_set_error_if_cancelled (job->cancellable, &error))
    {
      selection_delete_finish (job, error);
      return;
    }
  if (!selection_pages_next (&job->pages, &offset))
    {
      selection_delete_finish (job, NULL);
      return;
    }

  read = g_new0 (CodesRead, 1);
  read->job = job;
  read->offset = offset;

  task = g_task_new (NULL, job->cancellable, codes_read_cb, job);
  g_task_set_source_tag (task, read_next_page_to_delete);
  g_task_set_task_data (task, read, g_free);
  g_task_run_in_thread (task, read_codes_thread);
}

static void
start_selection_delete (QrsWindow *self)
{
  SelectionDelete *job;
  GtkBitsetIter iter;
  guint position;

  g_return_if_fail (self->batch_cancellable == NULL);

  self->batch_cancellable = g_cancellable_new ();

  job = g_new0 (SelectionDelete, 1);
  job->window = g_object_ref (self);
  job->cancellable = g_object_ref (self->batch_cancellable);
  selection_pages_init (&job->pages, self);
  job->documents = g_ptr_array_new_with_free_func (g_object_unref);
  job->n_items = selection_pages_count_codes (&job->pages);
  job->ids = g_array_sized_new (FALSE, FALSE, sizeof (gint64), job->n_items);
  job->versions = g_array_sized_new (FALSE, FALSE, sizeof (int), job->n_items);

  /* The drafts are in memory; they leave their list with the rest. */
  for (gboolean ok = gtk_bitset_iter_init_first (&iter, job->pages.selected, &position);
       ok && position < job->pages.n_drafts;
       ok = gtk_bitset_iter_next (&iter, &position))
    {
      g_autoptr(QrsDocument) draft = g_list_model_get_item (G_LIST_MODEL (self->filtered), position);
      QrsCode *stored = qrs_document_get_stored (draft);

      if (self->codes != NULL && stored != NULL && qrs_code_get_id (stored) > 0)
        add_stored (job->ids, job->versions, stored);
      g_ptr_array_add (job->documents, g_steal_pointer (&draft));
    }
  job->n_items += job->ids->len;

  selection_delete_progress (job);
  set_batch_stop_label (self, _("Stop Deleting"));
  gtk_revealer_set_reveal_child (self->batch_revealer, TRUE);
  _qrs_window_actions_update (self);

  read_next_page_to_delete (job);
}

static void
delete_selected_action (GtkWidget  *widget,
                        const char *action_name,
                        GVariant   *param)
{
  QrsWindow *self = QRS_WINDOW (widget);
  g_autoptr(GtkBitset) selected = gtk_selection_model_get_selection (GTK_SELECTION_MODEL (self->selection));
  g_autoptr(GListModel) loaded = NULL;
  g_autoptr(GPtrArray) documents = NULL;
  g_autoptr(GArray) ids = NULL;
  g_autoptr(GArray) versions = NULL;
  guint n;

  if (gtk_bitset_is_empty (selected) || self->batch_cancellable != NULL)
    return;

  /* More rows than the code list keeps in memory: some are surely not
   * read yet, and asking for each would make a placeholder of each. */
  if (self->codes != NULL
      && gtk_bitset_get_size (selected) > g_list_model_get_n_items (G_LIST_MODEL (self->filtered))
                                          + QRS_CODE_LIST_PAGE_SIZE * QRS_CODE_LIST_MAX_PAGES)
    {
      start_selection_delete (self);
      return;
    }

  /* Rows whose page is not read yet have no code to delete (and undo)
   * yet: they are read first. */
  loaded = _qrs_window_dup_selected (self);
  n = g_list_model_get_n_items (loaded);
  if (gtk_bitset_get_size (selected) != n)
    {
      start_selection_delete (self);
      return;
    }

  documents = g_ptr_array_new_with_free_func (g_object_unref);
  ids = g_array_new (FALSE, FALSE, sizeof (gint64));
  versions = g_array_new (FALSE, FALSE, sizeof (int));
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(QrsDocument) document = g_list_model_get_item (loaded, i);
      QrsCode *stored = qrs_document_get_stored (document);
      gboolean draft = g_list_store_find (self->drafts, document, NULL);
      gboolean saved = self->codes != NULL && stored != NULL && qrs_document_get_id (document) > 0;

      if (saved)
        add_stored (ids, versions, stored);
      if (draft || saved)
        g_ptr_array_add (documents, g_steal_pointer (&document));
    }

  delete_codes (self, documents, ids, versions);
}

static void
undo_delete_action (GtkWidget  *widget,
                    const char *action_name,
                    GVariant   *param)
{
  QrsWindow *self = QRS_WINDOW (widget);

  if (self->deleted == NULL)
    return;

  _qrs_window_hide_codes (self, (const gint64 *)self->deleted_ids->data, self->deleted_ids->len, FALSE);
  for (guint i = 0; i < self->deleted->len; i++)
    _qrs_window_add_document (self, g_ptr_array_index (self->deleted, i));

  /* Empty, so the toast's dismissal deletes nothing. */
  g_ptr_array_set_size (self->deleted, 0);
  g_array_set_size (self->deleted_ids, 0);
  g_array_set_size (self->deleted_versions, 0);
  if (self->delete_toast != NULL)
    _qrs_window_dismiss_toast (self, self->delete_toast);

  _qrs_window_actions_update (self);
}

void
_qrs_window_actions_update (QrsWindow *self)
{
  gboolean has_symbol = qrs_preview_get_symbol (self->preview) != NULL;
  gboolean has_selection = FALSE;

  if (self->selection != NULL)
    {
      g_autoptr(GtkBitset) selected = gtk_selection_model_get_selection (GTK_SELECTION_MODEL (self->selection));

      has_selection = !gtk_bitset_is_empty (selected);
    }

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.export-selected",
                                 has_selection && self->batch_cancellable == NULL);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.cancel-batch", self->batch_cancellable != NULL);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.delete-selected",
                                 has_selection && self->batch_cancellable == NULL);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.undo-delete",
                                 self->deleted != NULL
                                 && (self->deleted->len > 0 || self->deleted_ids->len > 0));

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.save", !self->saving);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.revert",
                                 self->document != NULL && qrs_document_get_stored (self->document) != NULL);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.export", has_symbol);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.print", has_symbol);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.copy-image", has_symbol);
}

void
_qrs_window_class_actions_init (GtkWidgetClass *widget_class)
{
  gtk_widget_class_install_action (widget_class, "win.new-code", NULL, new_code_action);
  gtk_widget_class_install_action (widget_class, "win.duplicate", NULL, duplicate_action);
  gtk_widget_class_install_action (widget_class, "win.show-library", NULL, show_library_action);
  gtk_widget_class_install_action (widget_class, "win.search", NULL, search_action);
  gtk_widget_class_install_action (widget_class, "win.export", NULL, export_action);
  gtk_widget_class_install_action (widget_class, "win.print", NULL, print_action);
  gtk_widget_class_install_action (widget_class, "win.copy-image", NULL, copy_image_action);
  gtk_widget_class_install_action (widget_class, "win.zoom-in", NULL, zoom_action);
  gtk_widget_class_install_action (widget_class, "win.zoom-out", NULL, zoom_action);
  gtk_widget_class_install_action (widget_class, "win.zoom-reset", NULL, zoom_action);
  gtk_widget_class_install_action (widget_class, "win.toggle-preview", NULL, toggle_preview_action);
  gtk_widget_class_install_action (widget_class, "win.export-selected", NULL, export_selected_action);
  gtk_widget_class_install_action (widget_class, "win.cancel-batch", NULL, cancel_batch_action);
  gtk_widget_class_install_action (widget_class, "win.delete-selected", NULL, delete_selected_action);
  gtk_widget_class_install_action (widget_class, "win.undo-delete", NULL, undo_delete_action);

  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_n, GDK_CONTROL_MASK, "win.new-code", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_d, GDK_CONTROL_MASK, "win.duplicate", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_f, GDK_CONTROL_MASK, "win.search", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_e, GDK_CONTROL_MASK, "win.export", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_p, GDK_CONTROL_MASK, "win.print", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_c, GDK_CONTROL_MASK | GDK_SHIFT_MASK,
                                       "win.copy-image", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_plus, GDK_CONTROL_MASK, "win.zoom-in", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_equal, GDK_CONTROL_MASK, "win.zoom-in", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_KP_Add, GDK_CONTROL_MASK, "win.zoom-in", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_minus, GDK_CONTROL_MASK, "win.zoom-out", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_KP_Subtract, GDK_CONTROL_MASK,
                                       "win.zoom-out", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_0, GDK_CONTROL_MASK, "win.zoom-reset", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_KP_0, GDK_CONTROL_MASK, "win.zoom-reset", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_F9, 0, "win.toggle-preview", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_e, GDK_CONTROL_MASK | GDK_SHIFT_MASK,
                                       "win.export-selected", NULL);
  /* Entries see Ctrl+Z first; it reaches the window only after a delete
   * (the action is off otherwise).  Delete itself is the library list's
   * own shortcut, so it never deletes a code from the editor. */
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_z, GDK_CONTROL_MASK, "win.undo-delete", NULL);
  /* GNOME's close-window key; it asks about unsaved changes as the
   * title bar's close button does. */
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_w, GDK_CONTROL_MASK, "window.close", NULL);
}
