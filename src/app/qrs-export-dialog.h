/* qrs-export-dialog.h — format, size and file name for one export
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "qrs-document.h"
#include "qrs-export.h"
#include "qrs-window.h"

G_BEGIN_DECLS

#define QRS_TYPE_EXPORT_DIALOG (qrs_export_dialog_get_type ())

G_DECLARE_FINAL_TYPE (QrsExportDialog, qrs_export_dialog, QRS, EXPORT_DIALOG, AdwWindow)

QrsExportDialog *qrs_export_dialog_new            (QrsWindow        *window,
                                                   QrsDocument      *document,
                                                   QrsSymbol        *symbol);
QrsExportFormat  qrs_export_dialog_get_format     (QrsExportDialog  *self);
void             qrs_export_dialog_set_format     (QrsExportDialog  *self,
                                                   QrsExportFormat   format);
char            *qrs_export_dialog_dup_file_name  (QrsExportDialog  *self);
QrsDesign       *qrs_export_dialog_dup_design     (QrsExportDialog  *self);
void             qrs_export_dialog_export_async   (QrsExportDialog  *self,
                                                   GFile            *file,
                                                   GCancellable     *cancellable,
                                                   GAsyncReadyCallback callback,
                                                   gpointer          user_data);
gboolean         qrs_export_dialog_export_finish  (QrsExportDialog  *self,
                                                   GAsyncResult     *result,
                                                   GError          **error);

G_END_DECLS
