/* qrs-document-list.h — a list of codes seen as documents, each made
 * when it is asked for
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "qrs-document.h"

G_BEGIN_DECLS

/* Returns: (transfer full): the document for @code (given in full) */
typedef QrsDocument *(*QrsDocumentListFunc) (QrsCode  *code,
                                             gpointer  user_data);

#define QRS_TYPE_DOCUMENT_LIST (qrs_document_list_get_type ())

G_DECLARE_FINAL_TYPE (QrsDocumentList, qrs_document_list, QRS, DOCUMENT_LIST, GObject)

QrsDocumentList *qrs_document_list_new     (GListModel          *codes,
                                            QrsDocumentListFunc  func,
                                            gpointer             user_data);
void             qrs_document_list_changed (QrsDocumentList     *self,
                                            guint                position);

G_END_DECLS
