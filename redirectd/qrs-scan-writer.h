/* qrs-scan-writer.h — the thread between the spool and the database
 *
 * Off the request path: it fsyncs the spool in groups, reads the records
 * back, classifies their user agents, hands them to the database in
 * batches, and advances the spool's ledger once they are committed.
 * While the database is away it retries with a growing pause and the
 * spool grows; when it is back, the spool drains.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "qrs-spool.h"
#include "qrs-user-agent.h"

G_BEGIN_DECLS

typedef struct
{
  QrsScanRecord       record;
  const QrsUserAgent *agent;   /* nullable: no parser; the writer's, valid during the call */
} QrsScanRow;

/* Commits @n_rows rows, idempotent on their event ids: the same rows may
 * come again after a crash.  Called on the writer thread. */
typedef gboolean (*QrsScanIngestFunc) (const QrsScanRow  *rows,
                                       guint              n_rows,
                                       gpointer           user_data,
                                       GError           **error);

typedef struct
{
  guint  batch_rows;          /* ≤ this many rows per COPY */
  guint  batch_interval_ms;   /* a batch waits no longer than this */
  guint  commit_batches;      /* ≤ this many batches per commit */
  guint  fsync_interval_ms;   /* the group fsync */
  guint  retry_max_ms;        /* the longest pause between database retries */
  guint  agents_max;          /* user agents classified and kept; 0: 4,096 */
  gboolean yield_commits;     /* commit at idle priority while caught up
                               * (needs a main loop in the starting thread) */
} QrsScanWriterOptions;

#define QRS_TYPE_SCAN_WRITER (qrs_scan_writer_get_type ())

G_DECLARE_FINAL_TYPE (QrsScanWriter, qrs_scan_writer, QRS, SCAN_WRITER, GObject)

QrsScanWriter *qrs_scan_writer_new          (QrsSpool                   *spool,
                                             QrsUserAgentParser         *parser,
                                             const QrsScanWriterOptions *options);
void           qrs_scan_writer_set_ingest   (QrsScanWriter              *self,
                                             QrsScanIngestFunc           ingest,
                                             gpointer                    user_data,
                                             GDestroyNotify              destroy);
void           qrs_scan_writer_start        (QrsScanWriter              *self);
gboolean       qrs_scan_writer_stop         (QrsScanWriter              *self,
                                             guint                       drain_timeout_ms);
guint64        qrs_scan_writer_get_written  (QrsScanWriter              *self);
guint64        qrs_scan_writer_get_rescued  (QrsScanWriter              *self);
gboolean       qrs_scan_writer_is_database_up (QrsScanWriter            *self);

G_END_DECLS
