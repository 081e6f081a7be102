/* qrs-renderer.h — draws a symbol in a design onto any cairo context
 *
 * The same code draws the app's live preview and every export.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <cairo.h>

#include "qrs-design.h"

G_BEGIN_DECLS

/* Where things go, in the units of the target (pixels for a raster,
 * points for PDF and EPS), for an image @width wide. */
typedef struct
{
  double width;            /* the whole image */
  double height;           /* taller than wide when there is a caption */
  double code_x;           /* the symbol with its quiet zone */
  double code_y;
  double code_size;
  double module_size;
  double caption_x;
  double caption_y;
  double caption_width;
  double caption_height;   /* 0 without a caption */
  double logo_x;           /* the square the logo image fits in */
  double logo_y;
  double logo_size;        /* 0 without a logo */
} QrsLayout;

#define QRS_RENDER_ERROR (qrs_render_error_quark ())

typedef enum
{
  QRS_RENDER_ERROR_LOGO,
  QRS_RENDER_ERROR_FAILED,
} QrsRenderError;

#define QRS_TYPE_RENDERER (qrs_renderer_get_type ())

G_DECLARE_FINAL_TYPE (QrsRenderer, qrs_renderer, QRS, RENDERER, GObject)

GQuark       qrs_render_error_quark  (void);
QrsRenderer *qrs_renderer_new        (void);
void         qrs_renderer_get_layout (QrsRenderer  *self,
                                      QrsDesign    *design,
                                      QrsSymbol    *symbol,
                                      double        width,
                                      QrsLayout    *layout);
gboolean     qrs_renderer_draw       (QrsRenderer  *self,
                                      QrsDesign    *design,
                                      QrsSymbol    *symbol,
                                      cairo_t      *cr,
                                      double        width,
                                      GError      **error);

G_END_DECLS
