/* qrs-document.h — one code as the app edits it: payload, design, kind, tags
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "qrs-code.h"
#include "qrs-design.h"
#include "qrs-payload.h"
#include "qrs-store-enums.h"

G_BEGIN_DECLS

/* QrsCodeKind is the store's: a document is what a row of `codes` is
 * while the app edits it. */

#define QRS_TYPE_DOCUMENT (qrs_document_get_type ())

G_DECLARE_FINAL_TYPE (QrsDocument, qrs_document, QRS, DOCUMENT, GObject)

QrsDocument         *qrs_document_new                (void);
QrsDocument         *qrs_document_duplicate          (QrsDocument        *self);
gint64               qrs_document_get_id             (QrsDocument        *self);
void                 qrs_document_set_id             (QrsDocument        *self,
                                                      gint64              id);
QrsCodeKind          qrs_document_get_kind           (QrsDocument        *self);
void                 qrs_document_set_kind           (QrsDocument        *self,
                                                      QrsCodeKind         kind);
const char          *qrs_document_get_short_id       (QrsDocument        *self);
void                 qrs_document_set_short_id       (QrsDocument        *self,
                                                      const char         *short_id);
const char          *qrs_document_get_redirect_base  (QrsDocument        *self);
void                 qrs_document_set_redirect_base  (QrsDocument        *self,
                                                      const char         *redirect_base);
char                *qrs_document_dup_short_url      (QrsDocument        *self);
QrsPayload          *qrs_document_get_payload        (QrsDocument        *self);
void                 qrs_document_set_payload        (QrsDocument        *self,
                                                      QrsPayload         *payload);
QrsDesign           *qrs_document_get_design         (QrsDocument        *self);
const char * const  *qrs_document_get_tags           (QrsDocument        *self);
void                 qrs_document_set_tags           (QrsDocument        *self,
                                                      const char * const *tags);
const char          *qrs_document_get_text           (QrsDocument        *self);
const GError        *qrs_document_get_error          (QrsDocument        *self);
char                *qrs_document_dup_display_title  (QrsDocument        *self);

QrsDocument         *qrs_document_new_from_code      (QrsCode            *code,
                                                      GError            **error);
QrsCode             *qrs_document_to_code            (QrsDocument        *self);
gboolean             qrs_document_get_modified       (QrsDocument        *self);
void                 qrs_document_set_modified       (QrsDocument        *self,
                                                      gboolean            modified);
QrsCode             *qrs_document_get_stored         (QrsDocument        *self);
void                 qrs_document_set_stored         (QrsDocument        *self,
                                                      QrsCode            *code);

G_END_DECLS
