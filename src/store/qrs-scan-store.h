/* qrs-scan-store.h — scans in the database: bulk ingest, chart queries,
 * CSV export
 *
 * Days are UTC calendar days, as the daily rollup counts them; ranges of
 * days are inclusive.  "code_id 0" means all codes.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "qrs-database.h"
#include "qrs-user-agent.h"

G_BEGIN_DECLS

/* One scan as the redirect daemon recorded it.  No IP address: the
 * visitor hash is keyed under a salt that changes every day. */
typedef struct
{
  char    *event_id;         /* a UUID, the same on every replay */
  gint64   code_id;
  gint64   scanned_at;       /* microseconds since 1970 UTC, g_get_real_time() */
  char    *user_agent;
  char    *device;
  char    *os;
  char    *os_version;
  char    *browser;
  char    *browser_version;
  gboolean is_bot;
  char    *referrer_host;
  char    *language;
  GBytes  *visitor_hash;     /* nullable */
} QrsScan;

/* What qrs_scan_store_reclassify() found and changed. */
typedef struct
{
  guint64 n_scans;           /* in the range */
  guint64 n_agents;          /* distinct user agents among them */
  guint64 n_changed;         /* scans whose analysis changed */
  guint64 n_days;            /* days whose rollups were counted again */
} QrsScanReclassification;

typedef void (*QrsScanReclassifyProgressFunc) (guint64  n_classified,
                                               guint64  n_agents,
                                               gpointer user_data);

typedef struct
{
  GDate   day;
  guint64 scans;             /* people */
  guint64 visitors;          /* distinct people that day */
  guint64 bots;
} QrsScanDay;

typedef struct
{
  guint64 scans;
  guint64 visitors;          /* the sum of each day's visitors */
  guint64 bots;
} QrsScanTotals;

typedef struct
{
  char    *label;            /* "" when unknown */
  guint64  scans;
} QrsScanCount;

/* Scans of people by ISO weekday (0 = Monday) and hour, in a time zone. */
typedef struct
{
  guint64 counts[7][24];
} QrsScanHeatmap;

typedef enum
{
  QRS_SCAN_DIMENSION_DEVICE,
  QRS_SCAN_DIMENSION_OS,
  QRS_SCAN_DIMENSION_BROWSER,
  QRS_SCAN_DIMENSION_LANGUAGE,
  QRS_SCAN_DIMENSION_REFERRER,
} QrsScanDimension;

#define QRS_TYPE_SCAN (qrs_scan_get_type ())
#define QRS_TYPE_SCAN_STORE (qrs_scan_store_get_type ())

/* The most rows one COPY statement of qrs_scan_store_insert() carries. */
#define QRS_SCAN_STORE_COPY_ROWS 1000

G_DECLARE_FINAL_TYPE (QrsScanStore, qrs_scan_store, QRS, SCAN_STORE, GObject)

GType           qrs_scan_get_type                   (void) G_GNUC_CONST;
QrsScan        *qrs_scan_new                        (void);
QrsScan        *qrs_scan_copy                       (const QrsScan        *self);
void            qrs_scan_free                       (QrsScan              *self);

QrsScanStore   *qrs_scan_store_new                  (QrsDatabase          *database);
QrsDatabase    *qrs_scan_store_get_database         (QrsScanStore         *self);
void            qrs_scan_store_set_copy_rows        (QrsScanStore         *self,
                                                     guint                 copy_rows);

gboolean        qrs_scan_store_maintain             (QrsScanStore         *self,
                                                     guint                 months_ahead,
                                                     guint                 visitor_days,
                                                     GCancellable         *cancellable,
                                                     GError              **error);
gboolean        qrs_scan_store_insert               (QrsScanStore         *self,
                                                     QrsScan * const      *scans,
                                                     guint                 n_scans,
                                                     guint                *n_inserted,
                                                     GCancellable         *cancellable,
                                                     GError              **error);
void            qrs_scan_store_insert_async         (QrsScanStore         *self,
                                                     GPtrArray            *scans,
                                                     GCancellable         *cancellable,
                                                     GAsyncReadyCallback   callback,
                                                     gpointer              user_data);
gboolean        qrs_scan_store_insert_finish        (QrsScanStore         *self,
                                                     GAsyncResult         *result,
                                                     guint                *n_inserted,
                                                     GError              **error);

GArray         *qrs_scan_store_count_by_day         (QrsScanStore         *self,
                                                     gint64                code_id,
                                                     const GDate          *first_day,
                                                     const GDate          *last_day,
                                                     GCancellable         *cancellable,
                                                     GError              **error);
void            qrs_scan_store_count_by_day_async   (QrsScanStore         *self,
                                                     gint64                code_id,
                                                     const GDate          *first_day,
                                                     const GDate          *last_day,
                                                     GCancellable         *cancellable,
                                                     GAsyncReadyCallback   callback,
                                                     gpointer              user_data);
GArray         *qrs_scan_store_count_by_day_finish  (QrsScanStore         *self,
                                                     GAsyncResult         *result,
                                                     GError              **error);
gboolean        qrs_scan_store_get_totals           (QrsScanStore         *self,
                                                     gint64                code_id,
                                                     const GDate          *first_day,
                                                     const GDate          *last_day,
                                                     QrsScanTotals        *totals,
                                                     GCancellable         *cancellable,
                                                     GError              **error);
void            qrs_scan_store_get_totals_async     (QrsScanStore         *self,
                                                     gint64                code_id,
                                                     const GDate          *first_day,
                                                     const GDate          *last_day,
                                                     GCancellable         *cancellable,
                                                     GAsyncReadyCallback   callback,
                                                     gpointer              user_data);
gboolean        qrs_scan_store_get_totals_finish    (QrsScanStore         *self,
                                                     GAsyncResult         *result,
                                                     QrsScanTotals        *totals,
                                                     GError              **error);
GArray         *qrs_scan_store_count_by            (QrsScanStore         *self,
                                                     QrsScanDimension      dimension,
                                                     gint64                code_id,
                                                     const GDate          *first_day,
                                                     const GDate          *last_day,
                                                     guint                 limit,
                                                     GCancellable         *cancellable,
                                                     GError              **error);
void            qrs_scan_store_count_by_async       (QrsScanStore         *self,
                                                     QrsScanDimension      dimension,
                                                     gint64                code_id,
                                                     const GDate          *first_day,
                                                     const GDate          *last_day,
                                                     guint                 limit,
                                                     GCancellable         *cancellable,
                                                     GAsyncReadyCallback   callback,
                                                     gpointer              user_data);
GArray         *qrs_scan_store_count_by_finish      (QrsScanStore         *self,
                                                     GAsyncResult         *result,
                                                     GError              **error);
QrsScanHeatmap *qrs_scan_store_count_by_hour        (QrsScanStore         *self,
                                                     gint64                code_id,
                                                     const GDate          *first_day,
                                                     const GDate          *last_day,
                                                     const char           *time_zone,
                                                     GCancellable         *cancellable,
                                                     GError              **error);
void            qrs_scan_store_count_by_hour_async  (QrsScanStore         *self,
                                                     gint64                code_id,
                                                     const GDate          *first_day,
                                                     const GDate          *last_day,
                                                     const char           *time_zone,
                                                     GCancellable         *cancellable,
                                                     GAsyncReadyCallback   callback,
                                                     gpointer              user_data);
QrsScanHeatmap *qrs_scan_store_count_by_hour_finish (QrsScanStore         *self,
                                                     GAsyncResult         *result,
                                                     GError              **error);
gboolean        qrs_scan_store_reclassify           (QrsScanStore         *self,
                                                     QrsUserAgentParser   *parser,
                                                     GDateTime            *since,
                                                     GDateTime            *until,
                                                     gboolean              dry_run,
                                                     QrsScanReclassification *result,
                                                     QrsScanReclassifyProgressFunc progress,
                                                     gpointer              user_data,
                                                     GCancellable         *cancellable,
                                                     GError              **error);
gboolean        qrs_scan_store_export_csv           (QrsScanStore         *self,
                                                     gint64                code_id,
                                                     GDateTime            *since,
                                                     GDateTime            *until,
                                                     GOutputStream        *stream,
                                                     guint64              *n_rows,
                                                     GCancellable         *cancellable,
                                                     GError              **error);
void            qrs_scan_store_export_csv_async     (QrsScanStore         *self,
                                                     gint64                code_id,
                                                     GDateTime            *since,
                                                     GDateTime            *until,
                                                     GOutputStream        *stream,
                                                     GCancellable         *cancellable,
                                                     GAsyncReadyCallback   callback,
                                                     gpointer              user_data);
gboolean        qrs_scan_store_export_csv_finish    (QrsScanStore         *self,
                                                     GAsyncResult         *result,
                                                     guint64              *n_rows,
                                                     GError              **error);

/* What a chart shows of a range, read from one snapshot (see
 * qrs_scan_store_get_summary()). */
typedef struct
{
  GArray        *days;       /* QrsScanDay, every day of the range */
  QrsScanTotals  totals;
  GPtrArray     *counts;     /* one GArray of QrsScanCount per dimension asked for, in order */
} QrsScanSummary;

void            qrs_scan_summary_free               (QrsScanSummary       *self);

QrsScanSummary *qrs_scan_store_get_summary          (QrsScanStore         *self,
                                                     gint64                code_id,
                                                     const GDate          *first_day,
                                                     const GDate          *last_day,
                                                     const QrsScanDimension *dimensions,
                                                     guint                 n_dimensions,
                                                     guint                 limit,
                                                     GCancellable         *cancellable,
                                                     GError              **error);
void            qrs_scan_store_get_summary_async    (QrsScanStore         *self,
                                                     gint64                code_id,
                                                     const GDate          *first_day,
                                                     const GDate          *last_day,
                                                     const QrsScanDimension *dimensions,
                                                     guint                 n_dimensions,
                                                     guint                 limit,
                                                     GCancellable         *cancellable,
                                                     GAsyncReadyCallback   callback,
                                                     gpointer              user_data);
QrsScanSummary *qrs_scan_store_get_summary_finish   (QrsScanStore         *self,
                                                     GAsyncResult         *result,
                                                     GError              **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (QrsScan, qrs_scan_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (QrsScanSummary, qrs_scan_summary_free)

G_END_DECLS
