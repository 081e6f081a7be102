/* qrs-editor.h — the form that edits one code: content, details, design
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "qrs-document.h"
#include "qrs-scan-store.h"

G_BEGIN_DECLS

#define QRS_TYPE_EDITOR (qrs_editor_get_type ())

G_DECLARE_FINAL_TYPE (QrsEditor, qrs_editor, QRS, EDITOR, AdwBin)

GtkWidget   *qrs_editor_new           (void);
QrsDocument *qrs_editor_get_document  (QrsEditor  *self);
void         qrs_editor_set_document  (QrsEditor  *self,
                                       QrsDocument *document);
void         qrs_editor_load_logo     (QrsEditor  *self,
                                       GFile      *file);
gboolean     qrs_editor_set_logo      (QrsEditor  *self,
                                       GBytes     *bytes,
                                       GError    **error);

QrsScanStore *qrs_editor_get_scan_store (QrsEditor    *self);
void          qrs_editor_set_scan_store (QrsEditor    *self,
                                         QrsScanStore *store);
guint         qrs_editor_get_scan_range (QrsEditor    *self);
void          qrs_editor_set_scan_range (QrsEditor    *self,
                                         guint         days);
void          qrs_editor_refresh_scans  (QrsEditor    *self);

G_END_DECLS
