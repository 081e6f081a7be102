/* qrs-scan-ingest.h — the writer thread's way into the database
 *
 * Turns spooled, classified scans into the store's QrsScan rows and
 * hands them to QrsScanStore, whose COPY ingest is idempotent on the
 * event id and keeps the daily rollups.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "qrs-scan-writer.h"

G_BEGIN_DECLS

typedef struct _QrsScanIngest QrsScanIngest;

QrsScanIngest *qrs_scan_ingest_new  (const char        *conninfo,
                                     guint              copy_rows);
void           qrs_scan_ingest_free (QrsScanIngest     *self);
void           qrs_scan_ingest_set_conninfo (QrsScanIngest *self,
                                             const char    *conninfo);
gboolean       qrs_scan_ingest_func (const QrsScanRow  *rows,
                                     guint              n_rows,
                                     gpointer           user_data,
                                     GError           **error);

G_END_DECLS
