/* qrs-redirect-metrics.h — counters for Prometheus
 *
 * Counted from every worker thread with relaxed atomics; read by the
 * metrics listener, which is never the public one.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _QrsRedirectMetrics QrsRedirectMetrics;

/* What the other parts report for the gauges, gathered at scrape time. */
typedef struct
{
  guint64  scans_spooled;
  guint64  scans_written;
  guint64  commits_rescued;
  guint64  scans_pending;
  guint64  scans_dropped;
  guint64  spool_skipped;
  guint64  spool_bytes;
  guint64  spool_pending_bytes;
  guint64  spool_max_bytes;
  guint    routes_loaded;
  guint64  route_lookups;
  gboolean routes_from_snapshot;
  gboolean database_up;
  gint64   last_reload;        /* µs since the epoch, 0 when never */
} QrsRedirectGauges;

QrsRedirectMetrics *qrs_redirect_metrics_new             (void);
void                qrs_redirect_metrics_free            (QrsRedirectMetrics      *self);
void                qrs_redirect_metrics_observe         (QrsRedirectMetrics      *self,
                                                          guint                    status,
                                                          gint64                   duration_us);
void                qrs_redirect_metrics_observe_aborted (QrsRedirectMetrics      *self);
void                qrs_redirect_metrics_observe_unknown_client (QrsRedirectMetrics *self);
char               *qrs_redirect_metrics_render          (QrsRedirectMetrics      *self,
                                                          const QrsRedirectGauges *gauges);

G_END_DECLS
