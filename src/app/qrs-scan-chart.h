/* qrs-scan-chart.h — scans per day as bars
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

#include "qrs-scan-store.h"

G_BEGIN_DECLS

#define QRS_TYPE_SCAN_CHART (qrs_scan_chart_get_type ())

G_DECLARE_FINAL_TYPE (QrsScanChart, qrs_scan_chart, QRS, SCAN_CHART, GtkWidget)

GtkWidget        *qrs_scan_chart_new           (void);
void              qrs_scan_chart_set_days      (QrsScanChart *self,
                                                GArray       *days);
guint             qrs_scan_chart_get_n_days    (QrsScanChart *self);
const QrsScanDay *qrs_scan_chart_get_day       (QrsScanChart *self,
                                                guint         index);
guint64           qrs_scan_chart_get_total     (QrsScanChart *self);
int               qrs_scan_chart_get_selected  (QrsScanChart *self);
void              qrs_scan_chart_set_selected  (QrsScanChart *self,
                                                int           index);
char             *qrs_scan_chart_dup_summary   (QrsScanChart *self);

G_END_DECLS
