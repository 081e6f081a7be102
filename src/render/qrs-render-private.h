/* qrs-render-private.h — geometry shared by the renderer and the SVG writer
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <pango/pango.h>

#include "qrs-renderer.h"

G_BEGIN_DECLS

/* Which colour a module is painted in.  One path is filled per paint, so
 * adjacent modules never overlap and never leave a seam. */
typedef enum
{
  QRS_PAINT_NONE,        /* light, or cleared for the logo */
  QRS_PAINT_FOREGROUND,
  QRS_PAINT_FINDER,
  QRS_PAINT_ALIGNMENT,
  QRS_N_PAINTS
} QrsPaint;

typedef enum
{
  QRS_SHAPE_RECT,
  QRS_SHAPE_ROUNDED_RECT,
  QRS_SHAPE_CIRCLE,
} QrsShapeKind;

typedef enum
{
  QRS_CORNER_TOP_LEFT     = 1 << 0,
  QRS_CORNER_TOP_RIGHT    = 1 << 1,
  QRS_CORNER_BOTTOM_RIGHT = 1 << 2,
  QRS_CORNER_BOTTOM_LEFT  = 1 << 3,
} QrsCorner;

/* One piece of a paint's path, in modules from the symbol's top-left
 * corner (quiet zone excluded): a box of whole modules and what to draw
 * in it. */
typedef struct
{
  QrsShapeKind kind;
  guint        x;
  guint        y;
  guint        w;
  guint        h;
  guint        corners;  /* QrsCorner, for rounded rectangles */
  double       radius;   /* modules, for rounded rectangles and circles */
} QrsShape;

typedef void (*QrsShapeFunc) (const QrsShape *shape,
                              gpointer        user_data);

/* What is drawn where, in whole modules: built once per frame from the
 * symbol and the design. */
typedef struct
{
  guint   width;          /* modules on a side, quiet zone excluded */
  guint8 *cells;          /* width × width: QrsPaint | QRS_CELL_SOLID */
  QrsModuleShape shape;

  gboolean has_logo;
  guint   logo_box_start; /* the cleared square, in modules */
  guint   logo_box_size;
  double  logo_offset;    /* the logo image's square, in modules */
  double  logo_size;
} QrsModulePlan;

/* Finder and alignment patterns keep a solid outline in every shape so
 * that readers still find them. */
#define QRS_CELL_SOLID 0x10
#define QRS_CELL_PAINT(c) ((QrsPaint)((c) & 0x0f))

QrsModulePlan *qrs_module_plan_new           (QrsDesign           *design,
                                              QrsSymbol           *symbol);
void           qrs_module_plan_free          (QrsModulePlan       *plan);
gboolean       qrs_module_plan_has_paint     (const QrsModulePlan *plan,
                                              QrsPaint             paint);
gboolean       qrs_module_plan_is_rectilinear (const QrsModulePlan *plan,
                                              QrsPaint             paint);
void           qrs_module_plan_foreach_shape (const QrsModulePlan *plan,
                                              QrsPaint             paint,
                                              QrsShapeFunc         func,
                                              gpointer             user_data);
guint          qrs_module_plan_get_corners   (const QrsModulePlan *plan,
                                              guint                x,
                                              guint                y);
double         qrs_module_plan_get_radius    (const QrsModulePlan *plan,
                                              guint8               cell);
const QrsColor *qrs_module_plan_get_color    (QrsDesign           *design,
                                              QrsPaint             paint);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (QrsModulePlan, qrs_module_plan_free)

/* The caption as last laid out by qrs_renderer_get_layout(), or %NULL
 * without a caption; positions are relative to the layout's caption_x
 * and caption_y. */
PangoLayout   *qrs_renderer_get_caption_layout (QrsRenderer *self);
const QrsModulePlan *qrs_renderer_get_plan     (QrsRenderer *self,
                                                QrsDesign   *design,
                                                QrsSymbol   *symbol);
guint          qrs_renderer_get_logo_decodes   (QrsRenderer *self);
gboolean       qrs_renderer_check_logo         (QrsRenderer *self,
                                                QrsDesign   *design,
                                                GError     **error);

/* qrs-export-svg.c: SVG written by hand, so that it stays compact and
 * carries real text and accessible names. */
GBytes        *qrs_export_svg                  (QrsDesign   *design,
                                                QrsSymbol   *symbol,
                                                GError     **error);

/* qrs-png.c: PNG files with a palette when the colours allow one. */
GBytes        *qrs_png_encode                  (cairo_surface_t    *surface,
                                                double              dpi,
                                                const char * const *keys,
                                                const char * const *values,
                                                GError            **error);
GBytes        *qrs_png_encode_plan             (const QrsModulePlan *plan,
                                                QrsDesign          *design,
                                                int                 width,
                                                double              module,
                                                guint               quiet,
                                                double              dpi,
                                                const char * const *keys,
                                                const char * const *values,
                                                GError            **error);

/* qrs-export.c: a PNG always drawn by the renderer, never from the plan. */
GBytes        *qrs_export_png_drawn            (QrsDesign          *design,
                                                QrsSymbol          *symbol,
                                                GError            **error);

G_END_DECLS
