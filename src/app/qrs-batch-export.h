/* qrs-batch-export.h — many codes into one folder, one file each
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "qrs-document.h"
#include "qrs-export.h"

G_BEGIN_DECLS

#define QRS_TYPE_BATCH_EXPORT (qrs_batch_export_get_type ())

G_DECLARE_FINAL_TYPE (QrsBatchExport, qrs_batch_export, QRS, BATCH_EXPORT, GObject)

QrsBatchExport *qrs_batch_export_new          (GListModel          *documents,
                                               GFile               *folder,
                                               QrsExportFormat      format);
guint           qrs_batch_export_get_n_items  (QrsBatchExport      *self);
guint           qrs_batch_export_get_n_done   (QrsBatchExport      *self);
guint           qrs_batch_export_get_n_failed (QrsBatchExport      *self);
double          qrs_batch_export_get_fraction (QrsBatchExport      *self);
const char     *qrs_batch_export_get_first_error (QrsBatchExport   *self);
void            qrs_batch_export_run_async    (QrsBatchExport      *self,
                                               GCancellable        *cancellable,
                                               GAsyncReadyCallback  callback,
                                               gpointer             user_data);
gboolean        qrs_batch_export_run_finish   (QrsBatchExport      *self,
                                               GAsyncResult        *result,
                                               GError             **error);

char           *qrs_file_name_from_title      (const char          *title);

G_END_DECLS
