/* qrs-scan-chart-private.h — what the tests reach into
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "qrs-scan-chart.h"

G_BEGIN_DECLS

gboolean  qrs_scan_chart_get_bar_bounds  (QrsScanChart    *self,
                                          guint            index,
                                          graphene_rect_t *bounds);
guint64   qrs_scan_chart_get_axis_top    (QrsScanChart    *self);
char     *qrs_scan_chart_dup_day_text    (QrsScanChart    *self,
                                          guint            index);

G_END_DECLS
