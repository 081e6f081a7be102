/* qrs-document-list.c — a list of codes seen as documents, each made
 * when it is asked for
 *
 * GtkMapListModel would do, but it remembers what it made for each
 * position; a code read again in another page (it moved while the list
 * was being refreshed) must not come back as the document of its old
 * place.  This keeps nothing: the rows on screen hold their documents,
 * and the window keeps the one in the editor.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "qrs-document-list.h"

struct _QrsDocumentList
{
  GObject              parent_instance;

  GListModel          *codes;
  QrsDocumentListFunc  func;
  gpointer             user_data;
};

static void qrs_document_list_model_init (GListModelInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (QrsDocumentList, qrs_document_list, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL, qrs_document_list_model_init))

static GType
qrs_document_list_get_item_type (GListModel *model)
{
  return QRS_TYPE_DOCUMENT;
}

static guint
qrs_document_list_get_n_items (GListModel *model)
{
  return g_list_model_get_n_items (QRS_DOCUMENT_LIST (model)->codes);
}

static gpointer
qrs_document_list_get_item (GListModel *model,
                            guint       position)
{
  QrsDocumentList *self = QRS_DOCUMENT_LIST (model);
  QrsCode *code = g_list_model_get_item (self->codes, position);

  if (code == NULL)
    return NULL;

  return self->func (code, self->user_data);
}

static void
qrs_document_list_model_init (GListModelInterface *iface)
{
  iface->get_item_type = qrs_document_list_get_item_type;
  iface->get_n_items = qrs_document_list_get_n_items;
  iface->get_item = qrs_document_list_get_item;
}

static void
codes_changed_cb (QrsDocumentList *self,
                  guint            position,
                  guint            removed,
                  guint            added)
{
  g_list_model_items_changed (G_LIST_MODEL (self), position, removed, added);
}

static void
qrs_document_list_dispose (GObject *object)
{
  QrsDocumentList *self = (QrsDocumentList *)object;

  if (self->codes != NULL)
    g_signal_handlers_disconnect_by_data (self->codes, self);
  g_clear_object (&self->codes);

  G_OBJECT_CLASS (qrs_document_list_parent_class)->dispose (object);
}

static void
qrs_document_list_class_init (QrsDocumentListClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = qrs_document_list_dispose;
}

static void
qrs_document_list_init (QrsDocumentList *self)
{
}

/**
 * qrs_document_list_new:
 * @codes: a list of #QrsCode
 * @func: makes the document of a code
 * @user_data: for @func
 *
 * Returns: (transfer full): a list of #QrsDocument
 */
QrsDocumentList *
qrs_document_list_new (GListModel          *codes,
                       QrsDocumentListFunc  func,
                       gpointer             user_data)
{
  QrsDocumentList *self;

  g_return_val_if_fail (G_IS_LIST_MODEL (codes), NULL);
  g_return_val_if_fail (func != NULL, NULL);

  self = g_object_new (QRS_TYPE_DOCUMENT_LIST, NULL);
  self->codes = g_object_ref (codes);
  self->func = func;
  self->user_data = user_data;
  g_signal_connect_swapped (codes, "items-changed", G_CALLBACK (codes_changed_cb), self);
  return self;
}

/**
 * qrs_document_list_changed:
 *
 * The document at @position is to be made again (the editor took a new
 * one for its code).
 */
void
qrs_document_list_changed (QrsDocumentList *self,
                           guint            position)
{
  g_return_if_fail (QRS_IS_DOCUMENT_LIST (self));
  g_return_if_fail (position < g_list_model_get_n_items (self->codes));

  g_list_model_items_changed (G_LIST_MODEL (self), position, 1, 1);
}
