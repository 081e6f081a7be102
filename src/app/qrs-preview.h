/* qrs-preview.h — the live preview of a code, drawn by the core renderer
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

#include "qrs-design.h"
#include "qrs-symbol.h"

G_BEGIN_DECLS

#define QRS_TYPE_PREVIEW (qrs_preview_get_type ())

G_DECLARE_FINAL_TYPE (QrsPreview, qrs_preview, QRS, PREVIEW, GtkWidget)

GtkWidget    *qrs_preview_new                    (void);
QrsDesign    *qrs_preview_get_design             (QrsPreview  *self);
void          qrs_preview_set_design             (QrsPreview  *self,
                                                  QrsDesign   *design);
const char   *qrs_preview_get_text               (QrsPreview  *self);
void          qrs_preview_set_text               (QrsPreview  *self,
                                                  const char  *text);
QrsSymbol    *qrs_preview_get_symbol             (QrsPreview  *self);
const GError *qrs_preview_get_error              (QrsPreview  *self);
GPtrArray    *qrs_preview_get_findings           (QrsPreview  *self);
double        qrs_preview_get_scanning_distance  (QrsPreview  *self);
void          qrs_preview_set_scanning_distance  (QrsPreview  *self,
                                                  double       distance_mm);
int           qrs_preview_get_module_size        (QrsPreview  *self);
void          qrs_preview_set_module_size        (QrsPreview  *self,
                                                  int          module_size);
void          qrs_preview_zoom_in                (QrsPreview  *self);
void          qrs_preview_zoom_out               (QrsPreview  *self);
void          qrs_preview_zoom_reset             (QrsPreview  *self);
GdkTexture   *qrs_preview_render_texture         (QrsPreview  *self,
                                                  int          width,
                                                  GError     **error);
char         *qrs_preview_dup_summary            (QrsPreview  *self);

G_END_DECLS
