/* qrs-editor-private.h — what the tests reach into
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "qrs-editor.h"
#include "qrs-scan-chart.h"

G_BEGIN_DECLS

GtkWidget  *qrs_editor_get_field_row       (QrsEditor  *self,
                                            const char *field,
                                            guint       index);
GtkWidget  *qrs_editor_get_field_add_button (QrsEditor  *self,
                                            const char *field);
const char *qrs_editor_get_field_error     (QrsEditor  *self,
                                            const char *field);
const char *qrs_editor_get_payload_type_label (QrsPayloadType type);
QrsScanChart *qrs_editor_get_scan_chart    (QrsEditor  *self);
guint       qrs_editor_get_scan_loads      (QrsEditor  *self);
guint       qrs_editor_get_state_pending   (QrsEditor  *self);
GtkCalendar *qrs_editor_get_field_calendar (QrsEditor  *self,
                                            const char *field,
                                            GtkWidget **apply);

G_END_DECLS
