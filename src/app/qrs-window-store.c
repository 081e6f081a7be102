/* qrs-window-store.c — the window and the shared database: the library
 * loads from it, Save writes to it, a conflict asks what to keep, and a
 * database that cannot be reached says why in the sidebar
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "qrs-application.h"
#include "qrs-document-list.h"
#include "qrs-local-cluster.h"
#include "qrs-window-private.h"

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
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  if (bytes == NULL || !qrs_design_set_logo (qrs_document_get_design (document), bytes, &error))
    g_warning ("Could not load the logo of code %" G_GINT64_FORMAT ": %s",
               qrs_document_get_id (document), error->message);
}

/* A stored code as a document, its logo fetched from the shared assets
 * (the row only names it): every way a code comes from the database
 * into the window goes through here, so none comes without its logo. */
static QrsDocument *
load_document (QrsWindow  *self,
               QrsCode    *code,
               GError    **error)
{
  g_autoptr(QrsDocument) document = document_new_from_code (self, code, error);
  QrsConnection *connection = get_open_connection (self);
  QrsDesign *design;

  if (document == NULL)
    return NULL;

  design = qrs_document_get_design (document);
  if (connection != NULL && qrs_design_get_logo_sha256 (design) != NULL && qrs_design_get_logo (design) == NULL)
    qrs_asset_store_get_async (qrs_connection_get_asset_store (connection),
                               qrs_design_get_logo_sha256 (design), self->store_cancellable,
                               load_logo_cb, g_object_ref (document));

  return g_steal_pointer (&document);
}

/* The library: the database's codes as documents ------------------------ */

static void replace_document (QrsWindow   *self,
                              QrsDocument *old,
                              QrsDocument *document);

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

/* A draft never saved is worth keeping once something was put in it:
 * the empty code every window starts with is not. */
static gboolean
draft_has_content (QrsDocument *document)
{
  QrsPayload *payload = qrs_document_get_payload (document);
  QrsDesign *design = qrs_document_get_design (document);
  const char *title = qrs_design_get_title (design);
  g_autoptr(QrsPayload) empty = qrs_payload_new (qrs_payload_get_payload_type (payload));
  g_autoptr(JsonNode) mine = qrs_payload_to_json (payload);
  g_autoptr(JsonNode) blank = qrs_payload_to_json (empty);

  return (title != NULL && title[0] != '\0')
      || qrs_document_get_tags (document)[0] != NULL
      || qrs_design_get_logo_sha256 (design) != NULL
      || !json_node_equal (mine, blank);
}

/**
 * _qrs_window_document_is_unsaved:
 *
 * Whether closing the window would lose something of @document: a saved
 * code with edits, or a draft with anything in it.
 */
gboolean
_qrs_window_document_is_unsaved (QrsWindow   *self,
                                 QrsDocument *document)
{
  if (_qrs_window_document_is_placeholder (document))
    return FALSE;
  if (qrs_document_get_stored (document) != NULL)
    return document_has_edits (self, document);

  return draft_has_content (document);
}

/**
 * _qrs_window_update_modified:
 *
 * Compares @document with its row again; a saved code with edits is
 * kept, so that its row gives it back (edits and all) when the person
 * returns to it, and live refresh leaves it alone.
 */
void
_qrs_window_update_modified (QrsWindow   *self,
                             QrsDocument *document)
{
  gboolean modified = _qrs_window_document_is_unsaved (self, document);
  gint64 id = qrs_document_get_id (document);

  qrs_document_set_modified (document, modified);
  if (id <= 0 || qrs_document_get_stored (document) == NULL)
    return;

  if (modified)
    g_hash_table_replace (self->kept, g_memdup2 (&id, sizeof id), g_object_ref (document));
  else if (g_hash_table_lookup (self->kept, &id) == document)
    g_hash_table_remove (self->kept, &id);
}

/* @document no longer stands for its code (reverted, replaced by theirs,
 * deleted): its edits go with it. */
static void
forget_kept (QrsWindow   *self,
             QrsDocument *document)
{
  gint64 id = qrs_document_get_id (document);

  if (g_hash_table_lookup (self->kept, &id) == document)
    g_hash_table_remove (self->kept, &id);
  qrs_document_set_modified (document, FALSE);
}

/**
 * _qrs_window_dup_unsaved:
 *
 * Returns: (transfer full) (element-type QrsDocument): the drafts with
 *   something in them and the codes with edits, each once
 */
GPtrArray *
_qrs_window_dup_unsaved (QrsWindow *self)
{
  GPtrArray *unsaved = g_ptr_array_new_with_free_func (g_object_unref);
  GHashTableIter iter;
  gpointer value;

  if (self->document != NULL)
    _qrs_window_update_modified (self, self->document);

  for (guint i = 0; self->drafts != NULL && i < g_list_model_get_n_items (G_LIST_MODEL (self->drafts)); i++)
    {
      g_autoptr(QrsDocument) draft = g_list_model_get_item (G_LIST_MODEL (self->drafts), i);

      if (_qrs_window_document_is_unsaved (self, draft))
        g_ptr_array_add (unsaved, g_steal_pointer (&draft));
    }

  if (self->document != NULL && qrs_document_get_modified (self->document)
      && !g_ptr_array_find (unsaved, self->document, NULL))
    g_ptr_array_add (unsaved, g_object_ref (self->document));

  g_hash_table_iter_init (&iter, self->kept);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    if (!g_ptr_array_find (unsaved, value, NULL))
      g_ptr_array_add (unsaved, g_object_ref (value));

  return unsaved;
}

typedef struct
{
  QrsWindow   *window;
  QrsDocument *document;
} ReplaceOp;

static void
replace_later_cb (gpointer data)
{
  ReplaceOp *op = data;

  if (op->window->document != op->document)
    {
      g_autoptr(QrsDocument) old = g_object_ref (op->window->document);

      if (qrs_document_get_id (old) == qrs_document_get_id (op->document))
        replace_document (op->window, old, op->document);
    }
  g_object_unref (op->window);
  g_object_unref (op->document);
  g_free (op);
}

/**
 * _qrs_window_lookup_current:
 * @code: a code as read from the database
 *
 * The document the window already has for @code and keeps in its place:
 * the editor's, or one left with unsaved edits, when it is the same
 * version (or our own save, heard back) or has edits of its own — even
 * when the row changed elsewhere (saving it meets the conflict dialog).
 *
 * Returns: (transfer none) (nullable): that document, or %NULL when a
 *   document made from @code is the current one
 */
QrsDocument *
_qrs_window_lookup_current (QrsWindow *self,
                            QrsCode   *code)
{
  gint64 id = qrs_code_get_id (code);
  QrsDocument *known;
  QrsCode *stored;

  /* The editor's document is its row's; every other row's is made as
   * the row is shown. */
  known = self->document != NULL && qrs_document_get_id (self->document) == id ? self->document : NULL;
  if (known == NULL && self->kept != NULL)
    known = g_hash_table_lookup (self->kept, &id);
  if (known == NULL)
    return NULL;

  stored = qrs_document_get_stored (known);
  if ((stored != NULL && qrs_code_get_version (stored) >= qrs_code_get_version (code))
      || (known == self->document ? document_has_edits (self, known) : qrs_document_get_modified (known)))
    return known;
  return NULL;
}

static QrsDocument *
code_to_document_cb (QrsCode  *item,
                     gpointer  user_data)
{
  g_autoptr(QrsCode) code = item;
  QrsWindow *self = user_data;
  g_autoptr(QrsDocument) document = NULL;
  g_autoptr(GError) error = NULL;
  QrsDocument *known;
  gboolean in_editor;
  gint64 id;

  if (qrs_code_list_item_is_placeholder (code))
    {
      document = qrs_document_new ();
      g_object_set_data (G_OBJECT (document), "qrs-placeholder", GINT_TO_POINTER (TRUE));
      return g_steal_pointer (&document);
    }

  known = _qrs_window_lookup_current (self, code);
  if (known != NULL)
    return g_object_ref (known);

  id = qrs_code_get_id (code);
  in_editor = self->document != NULL && qrs_document_get_id (self->document) == id;

  document = load_document (self, code, &error);
  if (document == NULL)
    {
      g_warning ("Code %" G_GINT64_FORMAT " cannot be shown: %s", id, error->message);
      document = qrs_document_new ();
      g_object_set_data (G_OBJECT (document), "qrs-placeholder", GINT_TO_POINTER (TRUE));
      return g_steal_pointer (&document);
    }

  /* Changed on another desktop while open here, unedited: the editor
   * follows, once the list is done asking for rows. */
  if (in_editor)
    {
      ReplaceOp *op = g_new0 (ReplaceOp, 1);

      op->window = g_object_ref (self);
      op->document = g_object_ref (document);
      g_idle_add_once (replace_later_cb, op);
    }

  return g_steal_pointer (&document);
}

static void
update_library_subtitle (QrsWindow *self)
{
  g_autofree char *subtitle = NULL;
  guint n;

  if (self->codes == NULL || get_open_connection (self) == NULL)
    return;

  n = g_list_model_get_n_items (G_LIST_MODEL (self->codes));
  if (qrs_code_list_get_loading (self->codes) && n == 0)
    subtitle = g_strdup (_("Loading…"));
  else
    /* Translators: the number of codes the library shows */
    subtitle = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u code", "%u codes", n), n);
  adw_window_title_set_subtitle (self->library_title, subtitle);
}

/* Rows read again lose their selection (the list model replaced them):
 * the code in the editor is selected again where it is now, or, when it
 * was just deleted, the first code. */
/* Before the list's change goes further: a saved draft leaves the drafts
 * as the list takes it in, so it is never in the library twice. */
static void
codes_changing_cb (QrsWindow *self,
                   guint      position,
                   guint      removed,
                   guint      added)
{
  for (guint i = g_list_model_get_n_items (G_LIST_MODEL (self->drafts)); i > 0; i--)
    {
      g_autoptr(QrsDocument) draft = g_list_model_get_item (G_LIST_MODEL (self->drafts), i - 1);

      if (qrs_document_get_id (draft) > 0
          && qrs_code_list_find (self->codes, qrs_document_get_id (draft), NULL))
        g_list_store_remove (self->drafts, i - 1);
    }

  /* The selection forgets the rows the list replaces; rows that stood in
   * for codes not read yet (all of a big library selected, then scrolled
   * through) are selected again once their codes arrive. */
  g_clear_pointer (&self->filled_selected, gtk_bitset_unref);
  if (self->selection != NULL && removed == added && qrs_code_list_get_filling (self->codes))
    {
      guint n_drafts = g_list_model_get_n_items (G_LIST_MODEL (self->filtered));

      self->filled_selected =
        gtk_selection_model_get_selection_in_range (GTK_SELECTION_MODEL (self->selection),
                                                    n_drafts + position, removed);
    }
}

static void
codes_changed_cb (QrsWindow *self)
{
  g_autoptr(GtkBitset) selected = NULL;
  guint n_drafts, position;
  gboolean deleted;

  if (self->filled_selected != NULL)
    {
      g_autoptr(GtkBitset) filled = g_steal_pointer (&self->filled_selected);

      if (self->selection != NULL && !gtk_bitset_is_empty (filled))
        gtk_selection_model_set_selection (GTK_SELECTION_MODEL (self->selection), filled, filled);
    }

  update_library_subtitle (self);

  if (self->document == NULL || self->selection == NULL)
    return;
  selected = gtk_selection_model_get_selection (GTK_SELECTION_MODEL (self->selection));
  if (!gtk_bitset_is_empty (selected))
    return;

  n_drafts = g_list_model_get_n_items (G_LIST_MODEL (self->filtered));
  deleted = self->deleted != NULL && g_ptr_array_find (self->deleted, self->document, NULL);
  if (!deleted && qrs_document_get_id (self->document) > 0
      && qrs_code_list_find (self->codes, qrs_document_get_id (self->document), &position))
    {
      _qrs_window_select (self, n_drafts + position);
    }
  else if (deleted && g_list_model_get_n_items (G_LIST_MODEL (self->selection)) > 0)
    {
      g_autoptr(QrsDocument) first = g_list_model_get_item (G_LIST_MODEL (self->selection), 0);

      if (!_qrs_window_document_is_placeholder (first))
        _qrs_window_select (self, 0);
    }
}

void
_qrs_window_close_library (QrsWindow *self)
{
  if (self->codes != NULL)
    g_signal_handlers_disconnect_by_data (self->codes, self);
  g_clear_object (&self->code_documents);
  g_clear_object (&self->codes);
}

static void
open_library (QrsWindow     *self,
              QrsConnection *connection)
{
  _qrs_window_close_library (self);

  self->codes = qrs_code_list_new (qrs_connection_get_code_store (connection), self->query);
  /* First of all, before the map list model below hears of a change. */
  g_signal_connect_object (self->codes, "items-changed", G_CALLBACK (codes_changing_cb), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (self->codes, "items-changed", G_CALLBACK (codes_changed_cb), self,
                           G_CONNECT_SWAPPED | G_CONNECT_AFTER);
  g_signal_connect_object (self->codes, "notify::loading", G_CALLBACK (update_library_subtitle), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (self->codes, "page-loaded", G_CALLBACK (_qrs_window_refresh_scans), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (self->codes, "page-loaded", G_CALLBACK (codes_changed_cb), self,
                           G_CONNECT_SWAPPED);
  self->code_documents = qrs_document_list_new (G_LIST_MODEL (self->codes), code_to_document_cb, self);
  _qrs_window_rebuild_library (self);
  update_library_subtitle (self);
}

/**
 * _qrs_window_apply_query:
 *
 * The search, filters and sort of self->query go to the database.
 */
void
_qrs_window_apply_query (QrsWindow *self)
{
  if (self->codes != NULL)
    qrs_code_list_set_query (self->codes, self->query);
}

/**
 * _qrs_window_search_database:
 *
 * Asks the database's full-text search (title, description, tags and
 * content, accents folded) for @query, together with the filters; the
 * library then shows its matches.  Returns %FALSE when there is no
 * database to ask.
 */
gboolean
_qrs_window_search_database (QrsWindow  *self,
                             const char *query)
{
  g_free (self->query->search);
  self->query->search = query != NULL && *query != '\0' ? g_strdup (query) : NULL;
  _qrs_window_apply_query (self);

  return self->codes != NULL;
}

/**
 * _qrs_window_hide_codes:
 * @ids: (array length=n): codes deleted with an undo pending
 * @hide: %FALSE to show them again (Undo, or kept by the database)
 *
 * Leaves the codes out of the library's query, or lets them in again.
 * Either way takes time in proportion to the ids, not their square: an
 * undo may bring back 100,000 codes.
 */
void
_qrs_window_hide_codes (QrsWindow    *self,
                        const gint64 *ids,
                        guint         n,
                        gboolean      hide)
{
  GArray *hidden;

  if (self->query == NULL)
    return;
  if (self->query->hidden_ids == NULL)
    self->query->hidden_ids = g_array_new (FALSE, FALSE, sizeof (gint64));
  hidden = self->query->hidden_ids;

  if (hide)
    {
      for (guint i = 0; i < n; i++)
        {
          QrsDocument *known;

          if (ids[i] <= 0)
            continue;
          g_array_append_val (hidden, ids[i]);
          /* Its edits go with it. */
          known = g_hash_table_lookup (self->kept, &ids[i]);
          if (known != NULL)
            forget_kept (self, known);
          if (self->document != NULL && qrs_document_get_id (self->document) == ids[i])
            forget_kept (self, self->document);
        }
    }
  else if (n > 0 && hidden->len > 0)
    {
      g_autoptr(GHashTable) shown = g_hash_table_new (g_int64_hash, g_int64_equal);
      guint kept = 0;

      for (guint i = 0; i < n; i++)
        g_hash_table_add (shown, (gpointer)&ids[i]);
      for (guint i = 0; i < hidden->len; i++)
        if (!g_hash_table_contains (shown, &g_array_index (hidden, gint64, i)))
          g_array_index (hidden, gint64, kept++) = g_array_index (hidden, gint64, i);
      g_array_set_size (hidden, kept);
    }

  _qrs_window_apply_query (self);
}

static void
tags_loaded_cb (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(QrsWindow) self = user_data;
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) tags = NULL;
  g_autoptr(GtkStringList) model = NULL;
  guint selected = 0;

  tags = qrs_code_store_list_tags_finish (QRS_CODE_STORE (object), result, &error);
  if (tags == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_warning ("Could not list the tags: %s", error->message);
      return;
    }

  model = gtk_string_list_new ((const char *[]) { _("All Tags"), NULL });
  for (guint i = 0; tags[i] != NULL; i++)
    {
      gtk_string_list_append (model, tags[i]);
      if (g_strcmp0 (tags[i], self->query->tag) == 0)
        selected = i + 1;
    }

  /* The choice stays as it was while the list is replaced. */
  g_signal_handlers_block_matched (self->tag_dropdown, G_SIGNAL_MATCH_DATA, 0, 0, NULL, NULL, self);
  gtk_drop_down_set_model (self->tag_dropdown, G_LIST_MODEL (model));
  gtk_drop_down_set_selected (self->tag_dropdown, selected);
  g_signal_handlers_unblock_matched (self->tag_dropdown, G_SIGNAL_MATCH_DATA, 0, 0, NULL, NULL, self);
}

/**
 * _qrs_window_update_tags:
 *
 * Fills the tag chooser with the tags in use.
 */
void
_qrs_window_update_tags (QrsWindow *self)
{
  QrsConnection *connection = get_open_connection (self);

  if (connection == NULL)
    return;

  g_cancellable_cancel (self->tags_cancellable);
  g_set_object (&self->tags_cancellable, g_cancellable_new ());
  qrs_code_store_list_tags_async (qrs_connection_get_code_store (connection), self->tags_cancellable,
                                  tags_loaded_cb, g_object_ref (self));
}

/* Live refresh: another desktop's changes ------------------------------- */

static void
library_notification_cb (QrsWindow   *self,
                         const char  *channel,
                         const char  *payload,
                         QrsDatabase *database)
{
  /* The listener (re)connected: what happened meanwhile went unheard.
   * The first time, the library is loading anyway. */
  if (payload == NULL && !self->library_heard)
    {
      self->library_heard = TRUE;
      return;
    }

  /* Any change may move rows (a changed code goes to the top, newest
   * first): the count and the pages kept are read again, and only rows
   * that differ change. */
  if (self->codes != NULL)
    qrs_code_list_reload (self->codes);
}

static void
scans_notification_cb (QrsWindow   *self,
                       const char  *channel,
                       const char  *payload,
                       QrsDatabase *database)
{
  g_auto(GStrv) parts = NULL;
  g_autoptr(GArray) ids = NULL;

  if (self->codes == NULL)
    return;

  if (payload == NULL || *payload == '\0')
    {
      qrs_code_list_reload (self->codes);
      return;
    }

  parts = g_strsplit (payload, ",", -1);
  ids = g_array_new (FALSE, FALSE, sizeof (gint64));
  for (guint i = 0; parts[i] != NULL; i++)
    {
      guint64 id;

      if (g_ascii_string_to_unsigned (parts[i], 10, 1, G_MAXINT64, &id, NULL))
        {
          gint64 signed_id = (gint64)id;

          g_array_append_val (ids, signed_id);
        }
    }
  qrs_code_list_reload_codes (self->codes, (const gint64 *)ids->data, ids->len);
}

static void
listen_to_library (QrsWindow     *self,
                   QrsConnection *connection)
{
  QrsDatabase *database = qrs_code_store_get_database (qrs_connection_get_code_store (connection));
  g_autoptr(GError) error = NULL;

  self->library_heard = FALSE;

  /* The database goes with the connection, and the handlers with it. */
  g_signal_connect_object (database, "notification::" QRS_DATABASE_CHANNEL_LIBRARY,
                           G_CALLBACK (library_notification_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (database, "notification::" QRS_DATABASE_CHANNEL_SCANS,
                           G_CALLBACK (scans_notification_cb), self, G_CONNECT_SWAPPED);
  if (!qrs_database_listen (database, QRS_DATABASE_CHANNEL_LIBRARY, &error)
      || !qrs_database_listen (database, QRS_DATABASE_CHANNEL_SCANS, &error))
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
      open_library (self, qrs_application_get_connection (app));
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

  /* Filters and sorts are the database's: offline there is nothing to
   * filter but the drafts, which the search does. */
  gtk_widget_set_sensitive (GTK_WIDGET (self->filter_button), state == QRS_CONNECTION_STATE_OPEN);
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

static gboolean save_document (QrsWindow   *self,
                               QrsDocument *document,
                               gboolean     closing);

static void
replace_document (QrsWindow   *self,
                  QrsDocument *old,
                  QrsDocument *document)
{
  guint position;

  forget_kept (self, old);
  if (g_list_store_find (self->drafts, old, &position))
    {
      g_list_store_splice (self->drafts, position, 1, (gpointer *)&document, 1);
      qrs_window_set_document (self, document);
      return;
    }

  qrs_window_set_document (self, document);
  if (self->code_documents != NULL && qrs_document_get_id (document) > 0)
    {
      guint n_drafts = g_list_model_get_n_items (G_LIST_MODEL (self->filtered));

      /* The row takes the new document. */
      if (qrs_code_list_find (self->codes, qrs_document_get_id (document), &position))
        {
          qrs_document_list_changed (self->code_documents, position);
          _qrs_window_select (self, n_drafts + position);
        }
    }
}

/* What a save, and the conflict it may run into, carry along. */
typedef struct
{
  QrsWindow   *window;
  QrsDocument *document;
  gboolean     keep_mine;
  gboolean     closing;   /* one of the saves Save in “Save Changes?” asked for */
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
      save_document (self, op->document, FALSE);
    }
  else
    {
      g_autoptr(QrsDocument) document = load_document (self, theirs, &error);

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

/* Closing ------------------------------------------------------------ */

static void save_next_before_close (QrsWindow *self);

/* A save asked for by closing did not happen: the window stays open, on
 * that code, and the toast or dialog already shown says why. */
static void
close_failed (QrsWindow   *self,
              QrsDocument *document)
{
  g_clear_pointer (&self->close_queue, g_ptr_array_unref);
  _qrs_window_show_document (self, document);
}

static gboolean
close_later_cb (gpointer data)
{
  gtk_window_close (GTK_WINDOW (data));

  return G_SOURCE_REMOVE;
}

static void
save_next_before_close (QrsWindow *self)
{
  g_autoptr(QrsDocument) document = NULL;

  if (self->close_queue == NULL)
    return;

  if (self->close_queue->len == 0)
    {
      g_clear_pointer (&self->close_queue, g_ptr_array_unref);
      self->close_confirmed = TRUE;
      /* Not from inside the save's callback. */
      g_idle_add_full (G_PRIORITY_DEFAULT_IDLE, close_later_cb, g_object_ref (self), g_object_unref);
      return;
    }

  /* One at a time, so the first that fails stops the rest. */
  document = g_ptr_array_steal_index (self->close_queue, 0);
  if (!save_document (self, document, TRUE))
    close_failed (self, document);
}

/**
 * _qrs_window_save_all_and_close:
 * @documents: (element-type QrsDocument): what “Save Changes?” listed
 *
 * Saves them, then closes the window; the first that cannot be saved
 * keeps it open.
 */
void
_qrs_window_save_all_and_close (QrsWindow *self,
                                GPtrArray *documents)
{
  g_clear_pointer (&self->close_queue, g_ptr_array_unref);
  self->close_queue = g_ptr_array_new_with_free_func (g_object_unref);
  for (guint i = 0; i < documents->len; i++)
    g_ptr_array_add (self->close_queue, g_object_ref (g_ptr_array_index (documents, i)));
  save_next_before_close (self);
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
      _qrs_window_update_modified (self, document);
      _qrs_window_draft_saved (self, document);
      _qrs_window_actions_update (self);
      qrs_window_show_toast (self, message);
      if (op->closing)
        save_next_before_close (self);
    }
  else if (g_error_matches (error, QRS_DATABASE_ERROR, QRS_DATABASE_ERROR_CONFLICT))
    {
      if (op->closing)
        close_failed (self, document);
      show_conflict (self, document);
    }
  else if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_autofree char *title = qrs_document_dup_display_title (document);
      /* Translators: “Could not save “Open Day”: reason” */
      g_autofree char *message = g_strdup_printf (_("Could not save “%s”: %s"), title, error->message);

      if (op->closing)
        close_failed (self, document);
      qrs_window_show_toast (self, message);
    }
}

/* Returns: whether the save started (if not, a toast says why) */
static gboolean
save_document (QrsWindow   *self,
               QrsDocument *document,
               gboolean     closing)
{
  QrsConnection *connection = get_open_connection (self);
  SaveOp *op;

  if (connection == NULL)
    {
      qrs_window_show_toast (self, _("Not connected to the database: the code stays on this screen"));
      return FALSE;
    }

  if (qrs_document_get_error (document) != NULL)
    {
      qrs_window_show_toast (self, _("Fix the marked field before saving"));
      return FALSE;
    }

  self->saving = TRUE;
  _qrs_window_actions_update (self);
  op = save_op_new (self, document);
  op->closing = closing;
  qrs_connection_save_async (connection, document, self->store_cancellable, saved_cb, op);

  return TRUE;
}

typedef struct
{
  QrsWindow *window;
  GArray    *ids;     /* gint64: the codes asked to go */
} DeleteOp;

static void
delete_op_free (DeleteOp *op)
{
  g_clear_object (&op->window);
  g_clear_pointer (&op->ids, g_array_unref);
  g_free (op);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (DeleteOp, delete_op_free)

static void
deleted_cb (GObject      *object,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(DeleteOp) op = user_data;
  QrsWindow *self = op->window;
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) kept = NULL;
  g_autofree char *message = NULL;
  guint n = op->ids->len, n_done = 0;
  gboolean ok;

  ok = qrs_code_store_delete_many_finish (QRS_CODE_STORE (object), result, &n_done, &kept, &error);

  /* The chunks before a failure are gone for good: they are counted as
   * deleted, not as kept. */
  if (!ok && n_done == kept->len)
    message = g_strdup_printf (_("Could not delete from the database: %s"), error->message);
  else if (!ok)
    /* Translators: “Only 2,000 of 4,500 codes were deleted: ” and the
     * database's reason; the plural follows the second number */
    message = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                            "Only %u of %u code was deleted: %s",
                                            "Only %u of %u codes were deleted: %s", n),
                               n_done - kept->len, n, error->message);
  else if (kept->len == 1)
    {
      /* One code: who changed it and when, as a single delete says. */
      g_autoptr(GError) conflict = qrs_code_kept_dup_error (&g_array_index (kept, QrsCodeKept, 0));

      message = g_strdup_printf (_("Could not delete from the database: %s"), conflict->message);
    }
  else if (kept->len > 1)
    message = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                            "%u code was changed elsewhere meanwhile and was kept",
                                            "%u codes were changed elsewhere meanwhile and were kept",
                                            kept->len),
                               kept->len);

  /* The delete may have come from the window closing (see
   * qrs_window_unrealize()): then there is no library to show the codes
   * in, nor anyone to tell. */
  if (self->toast_overlay == NULL || !gtk_widget_get_realized (GTK_WIDGET (self)))
    return;

  /* Every id asked for leaves the query's hidden ones: what the database
   * still has (kept, or never come to) shows again, what it deleted is
   * not there to show, and 100,000 ids left hidden would go with every
   * query of the library for as long as it is open. */
  _qrs_window_hide_codes (self, (const gint64 *)op->ids->data, n, FALSE);
  if (message != NULL)
    qrs_window_show_toast (self, message);
}

/**
 * _qrs_window_delete_stored:
 * @ids: (array length=n): codes taken out of the library
 * @versions: (array length=n): for each, the version the window knew
 *
 * Deletes them from the database, a thousand at a time.  Each delete
 * names the version the window knew, so a code changed elsewhere
 * meanwhile is kept, shown again, and the person told.
 */
void
_qrs_window_delete_stored (QrsWindow    *self,
                           const gint64 *ids,
                           const int    *versions,
                           guint         n)
{
  QrsConnection *connection = get_open_connection (self);
  GApplication *app = g_application_get_default ();
  DeleteOp *op;

  /* A window being destroyed has left its application already, yet the
   * codes it showed deleted must still go. */
  if (connection == NULL && gtk_window_get_application (GTK_WINDOW (self)) == NULL
      && QRS_IS_APPLICATION (app)
      && qrs_application_get_connection_state (QRS_APPLICATION (app)) == QRS_CONNECTION_STATE_OPEN)
    connection = qrs_application_get_connection (QRS_APPLICATION (app));
  if (connection == NULL || n == 0)
    return;

  op = g_new0 (DeleteOp, 1);
  op->window = g_object_ref (self);
  op->ids = g_array_sized_new (FALSE, FALSE, sizeof (gint64), n);
  g_array_append_vals (op->ids, ids, n);
  qrs_code_store_delete_many_async (qrs_connection_get_code_store (connection), ids, versions, n,
                                    NULL, deleted_cb, op);
}

void
_qrs_window_save (QrsWindow *self)
{
  if (self->document != NULL && !self->saving)
    save_document (self, self->document, FALSE);
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
  gtk_widget_set_sensitive (GTK_WIDGET (self->filter_button), FALSE);

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

  if (stored == NULL)
    return;

  document = load_document (self, stored, &error);
  if (document == NULL)
    {
      qrs_window_show_toast (self, error->message);
      return;
    }

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
