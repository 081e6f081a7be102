/* qrs-window-store.c — the window and the shared database: the library
 * loads from it, Save writes to it, a conflict asks what to keep, and a
 * database that cannot be reached says why in the sidebar
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "qrs-application.h"
#include "qrs-local-cluster.h"
#include "qrs-window-private.h"

#define LIBRARY_LOAD_LIMIT 1000

/* A stored code as a document whose short link points where this run's
 * short links do. */
static QrsDocument *
document_new_from_code (QrsWindow  *self,
                        QrsCode    *code,
                        GError    **error)
{
  g_autoptr(QrsDocument) document = qrs_document_new_from_code (code, error);
  g_autofree char *base = NULL;

  if (document == NULL)
    return NULL;

  base = _qrs_window_dup_redirect_base (self);
  qrs_document_set_redirect_base (document, base);

  return g_steal_pointer (&document);
}

static QrsApplication *
get_application (QrsWindow *self)
{
  GtkApplication *app = gtk_window_get_application (GTK_WINDOW (self));

  return QRS_IS_APPLICATION (app) ? QRS_APPLICATION (app) : NULL;
}

static QrsConnection *
get_open_connection (QrsWindow *self)
{
  QrsApplication *app = get_application (self);

  if (app == NULL || qrs_application_get_connection_state (app) != QRS_CONNECTION_STATE_OPEN)
    return NULL;

  return qrs_application_get_connection (app);
}

/* Status --------------------------------------------------------------- */

void
_qrs_window_show_failure (QrsWindow    *self,
                          const GError *error)
{
  const char *title = _("The Database Could Not Be Opened");
  const char *icon = "network-error-symbolic";
  const char *hint = _("Check the database in Preferences, then try again.");
  g_autofree char *description = NULL;

  if (g_error_matches (error, QRS_LOCAL_CLUSTER_ERROR, QRS_LOCAL_CLUSTER_ERROR_NOT_INSTALLED))
    {
      title = _("PostgreSQL Is Not Installed");
      icon = "system-software-install-symbolic";
      hint = _("Install the postgresql package, or choose a shared database in Preferences.");
    }
  else if (g_error_matches (error, QRS_LOCAL_CLUSTER_ERROR, QRS_LOCAL_CLUSTER_ERROR_RUNNING_AS_ROOT))
    {
      title = _("The Private Database Cannot Run as Root");
      icon = "dialog-warning-symbolic";
      hint = _("Start QR Studio as your own user, or choose a shared database in Preferences.");
    }
  else if (g_error_matches (error, QRS_DATABASE_ERROR, QRS_DATABASE_ERROR_SCHEMA_TOO_NEW))
    {
      title = _("The Database Is Newer Than This App");
      icon = "software-update-available-symbolic";
      hint = _("Update QR Studio to use this database.");
    }
  else if (g_error_matches (error, QRS_DATABASE_ERROR, QRS_DATABASE_ERROR_CONNECTION_REFUSED) ||
           g_error_matches (error, QRS_DATABASE_ERROR, QRS_DATABASE_ERROR_CONNECTION_FAILED))
    {
      title = _("Cannot Reach the Database");
    }
  else if (g_error_matches (error, QRS_DATABASE_ERROR, QRS_DATABASE_ERROR_AUTHENTICATION_FAILED))
    {
      title = _("The Database Refused the Password");
      icon = "dialog-password-symbolic";
      hint = _("Put the password in ~/.pgpass, or check the user in Preferences.");
    }

  description = g_strdup_printf ("%s\n\n%s", error->message, hint);
  adw_status_page_set_title (self->status_page, title);
  adw_status_page_set_description (self->status_page, description);
  adw_status_page_set_icon_name (self->status_page, icon);
  gtk_stack_set_visible_child_name (self->library_stack, "status");
}

static void
load_logo_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(QrsDocument) document = user_data;
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GError) error = NULL;

  bytes = qrs_asset_store_get_finish (QRS_ASSET_STORE (object), result, NULL, &error);
  if (bytes == NULL || !qrs_design_set_logo (qrs_document_get_design (document), bytes, &error))
    g_warning ("Could not load the logo of code %" G_GINT64_FORMAT ": %s",
               qrs_document_get_id (document), error->message);
}

static gboolean library_has_id (QrsWindow *self,
                                gint64     id);

/* Search -------------------------------------------------------------- */

#define SEARCH_LIMIT 500

static void append_code (QrsWindow     *self,
                         QrsConnection *connection,
                         QrsCode       *code);
static void replace_document (QrsWindow   *self,
                              QrsDocument *old,
                              QrsDocument *document);

static void
searched_cb (GObject      *object,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(QrsWindow) self = user_data;
  g_autoptr(GPtrArray) codes = NULL;
  g_autoptr(GError) error = NULL;
  QrsConnection *connection = get_open_connection (self);
  GHashTable *ids;

  codes = qrs_code_store_search_finish (QRS_CODE_STORE (object), result, NULL, &error);
  if (codes == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_warning ("Could not search the database: %s", error->message);
      return;
    }

  ids = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
  for (guint i = 0; i < codes->len; i++)
    {
      QrsCode *code = g_ptr_array_index (codes, i);
      gint64 id = qrs_code_get_id (code);

      g_hash_table_add (ids, g_memdup2 (&id, sizeof id));
      /* A match not loaded yet joins the library. */
      if (connection != NULL && !library_has_id (self, id))
        append_code (self, connection, code);
    }

  g_clear_pointer (&self->search_ids, g_hash_table_unref);
  self->search_ids = ids;
  gtk_filter_changed (GTK_FILTER (self->filter), GTK_FILTER_CHANGE_DIFFERENT);
}

/**
 * _qrs_window_search_database:
 *
 * Asks the database's full-text search (title, description, tags and
 * content, accents folded) for @query; the library then shows its
 * matches.  Returns %FALSE when there is no database to ask.
 */
gboolean
_qrs_window_search_database (QrsWindow  *self,
                             const char *query)
{
  QrsConnection *connection = get_open_connection (self);

  g_cancellable_cancel (self->search_cancellable);
  g_clear_object (&self->search_cancellable);

  if (connection == NULL)
    return FALSE;

  self->search_cancellable = g_cancellable_new ();
  qrs_code_store_search_async (qrs_connection_get_code_store (connection), query, 0, SEARCH_LIMIT,
                               self->search_cancellable, searched_cb, g_object_ref (self));

  return TRUE;
}

static gboolean
library_has_id (QrsWindow *self,
                gint64     id)
{
  guint n = g_list_model_get_n_items (self->library);

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(QrsDocument) document = g_list_model_get_item (self->library, i);

      if (qrs_document_get_id (document) == id)
        return TRUE;
    }

  return FALSE;
}

static void
loaded_cb (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(QrsWindow) self = user_data;
  g_autoptr(GPtrArray) codes = NULL;
  g_autoptr(GError) error = NULL;
  QrsConnection *connection = QRS_CONNECTION (object);

  codes = qrs_connection_load_finish (connection, result, &error);
  if (codes == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        _qrs_window_show_failure (self, error);
      return;
    }

  g_debug ("Loaded %u codes from the database", codes->len);

  for (guint i = 0; i < codes->len; i++)
    {
      QrsCode *code = g_ptr_array_index (codes, i);

      if (!library_has_id (self, qrs_code_get_id (code)))
        append_code (self, connection, code);
    }
}

static void
append_code (QrsWindow     *self,
             QrsConnection *connection,
             QrsCode       *code)
{
  g_autoptr(QrsDocument) document = NULL;
  g_autoptr(GError) error = NULL;
  QrsDesign *design;

  if (!G_IS_LIST_STORE (self->library))
    return;

  document = document_new_from_code (self, code, &error);
  if (document == NULL)
    {
      g_warning ("Skipping code %" G_GINT64_FORMAT ": %s", qrs_code_get_id (code), error->message);
      return;
    }

  /* Logos live in the shared assets table; fetch them as rows come. */
  design = qrs_document_get_design (document);
  if (qrs_design_get_logo_sha256 (design) != NULL && qrs_design_get_logo (design) == NULL)
    qrs_asset_store_get_async (qrs_connection_get_asset_store (connection),
                               qrs_design_get_logo_sha256 (design), self->store_cancellable,
                               load_logo_cb, g_object_ref (document));

  g_list_store_append (G_LIST_STORE (self->library), document);
}

/* Live refresh: another desktop's changes ------------------------------- */

/* Whether @document differs from the row it was read from: both go
 * through the document once, so only real edits count, not how the
 * database spells its JSON. */
static gboolean
document_has_edits (QrsWindow   *self,
                    QrsDocument *document)
{
  QrsCode *stored = qrs_document_get_stored (document);
  g_autoptr(QrsDocument) fresh = NULL;
  g_autoptr(QrsCode) mine = NULL;
  g_autoptr(QrsCode) theirs = NULL;

  if (stored == NULL)
    return TRUE;

  fresh = document_new_from_code (self, stored, NULL);
  if (fresh == NULL)
    return TRUE;

  mine = qrs_document_to_code (document);
  theirs = qrs_document_to_code (fresh);

  return g_strcmp0 (qrs_code_get_payload (mine), qrs_code_get_payload (theirs)) != 0
      || g_strcmp0 (qrs_code_get_design (mine), qrs_code_get_design (theirs)) != 0
      || g_strcmp0 (qrs_code_get_title (mine), qrs_code_get_title (theirs)) != 0
      || g_strcmp0 (qrs_code_get_description (mine), qrs_code_get_description (theirs)) != 0
      || g_strcmp0 (qrs_code_get_target_url (mine), qrs_code_get_target_url (theirs)) != 0
      || qrs_code_get_kind (mine) != qrs_code_get_kind (theirs)
      || !g_strv_equal ((const char * const *)qrs_code_get_tags (mine),
                        (const char * const *)qrs_code_get_tags (theirs));
}

static QrsDocument *
find_document (QrsWindow *self,
               gint64     id,
               guint     *position)
{
  guint n = g_list_model_get_n_items (self->library);

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(QrsDocument) document = g_list_model_get_item (self->library, i);

      if (qrs_document_get_id (document) == id)
        {
          *position = i;
          return document; /* the library keeps its reference */
        }
    }

  return NULL;
}

typedef struct
{
  QrsWindow *window;
  gint64     id;
} RefreshOp;

static void
refresh_op_free (RefreshOp *op)
{
  g_object_unref (op->window);
  g_free (op);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (RefreshOp, refresh_op_free)

static void refresh_later_cb (gpointer user_data);

static void
refreshed_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(RefreshOp) op = user_data;
  QrsWindow *self = op->window;
  g_autoptr(QrsCode) code = NULL;
  g_autoptr(GError) error = NULL;
  QrsConnection *connection = get_open_connection (self);
  QrsDocument *old;
  QrsCode *stored;
  guint position = 0;

  code = qrs_code_store_get_finish (QRS_CODE_STORE (object), result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) || connection == NULL
      || !G_IS_LIST_STORE (self->library))
    return;
  if (code == NULL && !g_error_matches (error, QRS_DATABASE_ERROR, QRS_DATABASE_ERROR_NOT_FOUND))
    {
      g_debug ("Could not refresh code %" G_GINT64_FORMAT ": %s", op->id, error->message);
      return;
    }

  old = find_document (self, op->id, &position);

  /* A new code of another desktop's comes in at the end, as a load does;
   * while a save is under way it may be our own, not numbered here yet. */
  if (old == NULL)
    {
      if (code != NULL && self->saving)
        g_timeout_add_once (200, refresh_later_cb, g_steal_pointer (&op));
      else if (code != NULL)
        append_code (self, connection, code);
      return;
    }

  /* The one open here with unsaved edits stays: saving it meets the
   * conflict dialog, which lets the person choose. */
  if (old == self->document && document_has_edits (self, old))
    return;

  if (code == NULL)
    {
      if (old == self->document)
        return;
      g_list_store_remove (G_LIST_STORE (self->library), position);
      return;
    }

  /* Our own save, heard back: nothing new. */
  stored = qrs_document_get_stored (old);
  if (stored != NULL && qrs_code_get_version (stored) >= qrs_code_get_version (code))
    return;

  {
    g_autoptr(QrsDocument) document = document_new_from_code (self, code, &error);
    QrsDesign *design;

    if (document == NULL)
      {
        g_warning ("Skipping code %" G_GINT64_FORMAT ": %s", op->id, error->message);
        return;
      }

    design = qrs_document_get_design (document);
    if (qrs_design_get_logo_sha256 (design) != NULL && qrs_design_get_logo (design) == NULL)
      qrs_asset_store_get_async (qrs_connection_get_asset_store (connection),
                                 qrs_design_get_logo_sha256 (design), self->store_cancellable,
                                 load_logo_cb, g_object_ref (document));

    if (old == self->document)
      replace_document (self, old, document);
    else
      g_list_store_splice (G_LIST_STORE (self->library), position, 1, (gpointer *)&document, 1);
  }
}

static void
refresh (RefreshOp *op)
{
  QrsConnection *connection = get_open_connection (op->window);

  if (connection == NULL)
    {
      refresh_op_free (op);
      return;
    }

  qrs_code_store_get_async (qrs_connection_get_code_store (connection), op->id,
                            op->window->store_cancellable, refreshed_cb, op);
}

static void
refresh_later_cb (gpointer user_data)
{
  refresh (user_data);
}

static void
library_notification_cb (QrsWindow   *self,
                         const char  *channel,
                         const char  *payload,
                         QrsDatabase *database)
{
  QrsConnection *connection = get_open_connection (self);
  RefreshOp *op;
  guint64 id;

  if (connection == NULL)
    return;

  /* The listener (re)connected: what happened meanwhile went unheard. */
  if (payload == NULL)
    {
      /* The first time, the library is loading anyway. */
      if (!self->library_heard)
        {
          self->library_heard = TRUE;
          return;
        }
      qrs_connection_load_async (connection, LIBRARY_LOAD_LIMIT,
                                 self->store_cancellable, loaded_cb, g_object_ref (self));
      return;
    }

  if (!g_ascii_string_to_unsigned (payload, 10, 1, G_MAXINT64, &id, NULL))
    return;

  op = g_new0 (RefreshOp, 1);
  op->window = g_object_ref (self);
  op->id = (gint64)id;
  refresh (op);
}

static void
listen_to_library (QrsWindow     *self,
                   QrsConnection *connection)
{
  QrsDatabase *database = qrs_code_store_get_database (qrs_connection_get_code_store (connection));
  g_autoptr(GError) error = NULL;

  self->library_heard = FALSE;

  /* The database goes with the connection, and the handler with it. */
  g_signal_connect_object (database, "notification::" QRS_DATABASE_CHANNEL_LIBRARY,
                           G_CALLBACK (library_notification_cb), self, G_CONNECT_SWAPPED);
  if (!qrs_database_listen (database, QRS_DATABASE_CHANNEL_LIBRARY, &error))
    g_warning ("Cannot follow other desktops’ changes: %s", error->message);
}

static void
connection_state_changed_cb (QrsWindow *self)
{
  QrsApplication *app = get_application (self);
  QrsConnectionState state = qrs_application_get_connection_state (app);

  switch (state)
    {
    case QRS_CONNECTION_STATE_CONNECTING:
      adw_window_title_set_subtitle (self->library_title, _("Connecting…"));
      gtk_stack_set_visible_child_name (self->library_stack, "list");
      break;

    case QRS_CONNECTION_STATE_OPEN:
      adw_window_title_set_subtitle (self->library_title, NULL);
      gtk_stack_set_visible_child_name (self->library_stack, "list");
      qrs_connection_load_async (qrs_application_get_connection (app), LIBRARY_LOAD_LIMIT,
                                 self->store_cancellable, loaded_cb, g_object_ref (self));
      listen_to_library (self, qrs_application_get_connection (app));
      break;

    case QRS_CONNECTION_STATE_FAILED:
      adw_window_title_set_subtitle (self->library_title, _("Not connected"));
      _qrs_window_show_failure (self, qrs_application_get_connection_error (app));
      break;

    case QRS_CONNECTION_STATE_OFFLINE:
    default:
      adw_window_title_set_subtitle (self->library_title, NULL);
      gtk_stack_set_visible_child_name (self->library_stack, "list");
      break;
    }

  _qrs_window_actions_update (self);
}

static void
reconnect_action (GtkWidget  *widget,
                  const char *action_name,
                  GVariant   *param)
{
  QrsApplication *app = get_application (QRS_WINDOW (widget));

  if (app != NULL)
    qrs_application_reconnect (app);
}

/* Save ------------------------------------------------------------------ */

static void save_document (QrsWindow   *self,
                           QrsDocument *document);

static void
replace_document (QrsWindow   *self,
                  QrsDocument *old,
                  QrsDocument *document)
{
  guint position;

  if (G_IS_LIST_STORE (self->library) &&
      g_list_store_find (G_LIST_STORE (self->library), old, &position))
    g_list_store_splice (G_LIST_STORE (self->library), position, 1, (gpointer *)&document, 1);

  qrs_window_set_document (self, document);
}

/* What a save, and the conflict it may run into, carry along. */
typedef struct
{
  QrsWindow   *window;
  QrsDocument *document;
  gboolean     keep_mine;
} SaveOp;

static SaveOp *
save_op_new (QrsWindow   *window,
             QrsDocument *document)
{
  SaveOp *op = g_new0 (SaveOp, 1);

  op->window = g_object_ref (window);
  op->document = g_object_ref (document);

  return op;
}

static void
save_op_free (SaveOp *op)
{
  g_clear_object (&op->window);
  g_clear_object (&op->document);
  g_free (op);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SaveOp, save_op_free)

static void
theirs_loaded_cb (GObject      *object,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(SaveOp) op = user_data;
  QrsWindow *self = op->window;
  g_autoptr(QrsCode) theirs = NULL;
  g_autoptr(GError) error = NULL;

  theirs = qrs_code_store_get_finish (QRS_CODE_STORE (object), result, &error);
  if (theirs == NULL)
    {
      g_autofree char *message = NULL;

      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      message = g_strdup_printf (_("Could not read the other version: %s"), error->message);
      qrs_window_show_toast (self, message);
      return;
    }

  if (op->keep_mine)
    {
      /* Based on their version now, so the store takes it as an update. */
      qrs_document_set_stored (op->document, theirs);
      save_document (self, op->document);
    }
  else
    {
      g_autoptr(QrsDocument) document = document_new_from_code (self, theirs, &error);

      if (document == NULL)
        qrs_window_show_toast (self, error->message);
      else
        replace_document (self, op->document, document);
    }
}

static void
conflict_response_cb (AdwMessageDialog *dialog,
                      const char       *response,
                      SaveOp           *op)
{
  QrsConnection *connection = get_open_connection (op->window);

  g_signal_handlers_disconnect_by_func (dialog, conflict_response_cb, op);

  if (g_str_equal (response, "cancel") || connection == NULL)
    {
      save_op_free (op);
      return;
    }

  op->keep_mine = g_str_equal (response, "mine");
  qrs_code_store_get_async (qrs_connection_get_code_store (connection),
                            qrs_document_get_id (op->document),
                            op->window->store_cancellable, theirs_loaded_cb, op);
}

static void
show_conflict (QrsWindow   *self,
               QrsDocument *document)
{
  g_autofree char *title = qrs_document_dup_display_title (document);
  g_autofree char *body = NULL;
  GtkWidget *dialog;

  /* Translators: %s is a code's title */
  body = g_strdup_printf (_("“%s” was saved on another desktop after you opened it. "
                            "Save yours over theirs, or discard your changes and take theirs?"),
                          title);
  dialog = adw_message_dialog_new (GTK_WINDOW (self), _("Changed on Another Desktop"), body);
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog),
                                    "cancel", _("_Cancel"),
                                    "theirs", _("_Discard Mine"),
                                    "mine", _("_Save Mine"),
                                    NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "theirs",
                                              ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "mine",
                                              ADW_RESPONSE_SUGGESTED);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "mine");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "cancel");

  g_signal_connect (dialog, "response", G_CALLBACK (conflict_response_cb), save_op_new (self, document));
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
saved_cb (GObject      *object,
          GAsyncResult *result,
          gpointer      user_data)
{
  g_autoptr(SaveOp) op = user_data;
  QrsWindow *self = op->window;
  QrsDocument *document = op->document;
  g_autoptr(QrsCode) code = NULL;
  g_autoptr(GError) error = NULL;

  self->saving = FALSE;
  _qrs_window_actions_update (self);

  code = qrs_connection_save_finish (QRS_CONNECTION (object), result, &error);
  if (code != NULL)
    {
      g_autofree char *title = qrs_document_dup_display_title (document);
      g_autofree char *message = g_strdup_printf (_("Saved “%s”"), title);

      qrs_document_set_stored (document, code);
      _qrs_window_actions_update (self);
      qrs_window_show_toast (self, message);
    }
  else if (g_error_matches (error, QRS_DATABASE_ERROR, QRS_DATABASE_ERROR_CONFLICT))
    {
      show_conflict (self, document);
    }
  else if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_autofree char *message = g_strdup_printf (_("Could not save: %s"), error->message);

      qrs_window_show_toast (self, message);
    }
}

static void
save_document (QrsWindow   *self,
               QrsDocument *document)
{
  QrsConnection *connection = get_open_connection (self);

  if (connection == NULL)
    {
      qrs_window_show_toast (self, _("Not connected to the database: the code stays on this screen"));
      return;
    }

  if (qrs_document_get_error (document) != NULL)
    {
      qrs_window_show_toast (self, _("Fix the marked field before saving"));
      return;
    }

  self->saving = TRUE;
  _qrs_window_actions_update (self);
  qrs_connection_save_async (connection, document, self->store_cancellable, saved_cb,
                             save_op_new (self, document));
}

static void
deleted_cb (GObject      *object,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(QrsWindow) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!qrs_code_store_delete_finish (QRS_CODE_STORE (object), result, &error) &&
      !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_autofree char *message = g_strdup_printf (_("Could not delete from the database: %s"),
                                                  error->message);

      qrs_window_show_toast (self, message);
    }
}

/**
 * _qrs_window_delete_stored:
 * @documents: (element-type QrsDocument): codes taken out of the library
 *
 * Deletes the saved ones from the database.  Each delete names the
 * version the window knew, so a code changed elsewhere meanwhile is kept
 * and the person told.
 */
void
_qrs_window_delete_stored (QrsWindow *self,
                           GPtrArray *documents)
{
  QrsConnection *connection = get_open_connection (self);

  if (connection == NULL)
    return;

  for (guint i = 0; i < documents->len; i++)
    {
      QrsDocument *document = g_ptr_array_index (documents, i);
      QrsCode *stored = qrs_document_get_stored (document);

      if (stored == NULL || qrs_code_get_id (stored) <= 0)
        continue;

      qrs_code_store_delete_async (qrs_connection_get_code_store (connection),
                                   qrs_code_get_id (stored), qrs_code_get_version (stored),
                                   NULL, deleted_cb, g_object_ref (self));
    }
}

void
_qrs_window_save (QrsWindow *self)
{
  if (self->document != NULL && !self->saving)
    save_document (self, self->document);
}

static void
save_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *param)
{
  _qrs_window_save (QRS_WINDOW (widget));
}

static void
application_changed_cb (QrsWindow *self)
{
  QrsApplication *app = get_application (self);

  if (app == NULL || g_object_get_data (G_OBJECT (self), "qrs-watching-connection") != NULL)
    return;

  g_object_set_data (G_OBJECT (self), "qrs-watching-connection", GINT_TO_POINTER (TRUE));
  g_signal_connect_object (app, "notify::connection-state",
                           G_CALLBACK (connection_state_changed_cb), self, G_CONNECT_SWAPPED);
  connection_state_changed_cb (self);
}

/* The window learns its application after it is constructed. */
void
_qrs_window_connection_init (QrsWindow *self)
{
  self->store_cancellable = g_cancellable_new ();

  g_signal_connect (self, "notify::application", G_CALLBACK (application_changed_cb), NULL);
  application_changed_cb (self);
}

/* Back to the row as last read or saved: the unsaved edits go. */
static void
revert_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *param)
{
  QrsWindow *self = QRS_WINDOW (widget);
  QrsCode *stored = self->document ? qrs_document_get_stored (self->document) : NULL;
  g_autoptr(QrsDocument) document = NULL;
  g_autoptr(GError) error = NULL;
  QrsConnection *connection = get_open_connection (self);
  QrsDesign *design;

  if (stored == NULL)
    return;

  document = document_new_from_code (self, stored, &error);
  if (document == NULL)
    {
      qrs_window_show_toast (self, error->message);
      return;
    }

  design = qrs_document_get_design (document);
  if (connection != NULL && qrs_design_get_logo_sha256 (design) != NULL)
    qrs_asset_store_get_async (qrs_connection_get_asset_store (connection),
                               qrs_design_get_logo_sha256 (design), self->store_cancellable,
                               load_logo_cb, g_object_ref (document));

  replace_document (self, self->document, document);
  qrs_window_show_toast (self, _("Changes reverted"));
}

void
_qrs_window_class_store_init (GtkWidgetClass *widget_class)
{
  gtk_widget_class_install_action (widget_class, "win.revert", NULL, revert_action);
  gtk_widget_class_install_action (widget_class, "win.save", NULL, save_action);
  gtk_widget_class_install_action (widget_class, "win.reconnect", NULL, reconnect_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_s, GDK_CONTROL_MASK, "win.save", NULL);
}
