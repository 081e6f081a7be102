/* qrs-module-plan.c — which module is painted how, in whole modules
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>

#include "qrs-render-private.h"

#define DOT_RADIUS           0.45  /* a 0.9-module dot: round, yet still dark enough */
#define ROUND_RADIUS         0.5   /* a lone module becomes a circle */
#define SOLID_ROUND_RADIUS   0.3   /* finders only a little, so readers still see squares */

/* Modules that error correction cannot restore: the logo must never hide
 * them, whatever its size. */
#define UNCOVERABLE (QRS_MODULE_FINDER | QRS_MODULE_SEPARATOR | QRS_MODULE_TIMING | \
                     QRS_MODULE_FORMAT | QRS_MODULE_VERSION)

static gboolean
box_is_coverable (QrsSymbol *symbol,
                  guint      start,
                  guint      size)
{
  for (guint y = start; y < start + size; y++)
    for (guint x = start; x < start + size; x++)
      if (qrs_symbol_get_module (symbol, x, y) & UNCOVERABLE)
        return FALSE;

  return TRUE;
}

/* The logo sits in a square of whole modules, centred on the symbol
 * (whose width is always odd), never hiding a function pattern that the
 * reader needs before error correction can even start. */
static void
plan_logo (QrsModulePlan *plan,
           QrsDesign     *design,
           QrsSymbol     *symbol)
{
  double logo = qrs_design_get_effective_logo_ratio (design) * plan->width;
  double padding = qrs_design_get_logo_padding (design);
  int box = 2 * (int)floor ((logo + 2 * padding - 1) / 2 + 0.5) + 1;

  box = CLAMP (box, 1, (int)plan->width);

  while (box >= 1 && !box_is_coverable (symbol, (plan->width - box) / 2, box))
    box -= 2;

  if (box < 1)
    return;

  plan->has_logo = TRUE;
  plan->logo_box_size = box;
  plan->logo_box_start = (plan->width - box) / 2;

  /* The padding stays, and the logo shrinks to fit the box; only a box
   * that function patterns squeeze hard gives up padding instead. */
  plan->logo_size = MIN (logo, box - 2 * padding);
  if (plan->logo_size < MIN (logo, box) / 2)
    plan->logo_size = MIN (logo, box) / 2;
  plan->logo_offset = (plan->width - plan->logo_size) / 2;
}

/**
 * qrs_module_plan_new:
 *
 * Returns: (transfer full): what to draw for @symbol in @design
 */
QrsModulePlan *
qrs_module_plan_new (QrsDesign *design,
                     QrsSymbol *symbol)
{
  QrsModulePlan *plan = g_new0 (QrsModulePlan, 1);
  gboolean finder = qrs_design_get_finder_color (design) != NULL;
  gboolean alignment = qrs_design_get_alignment_color (design) != NULL;
  guint n = qrs_symbol_get_width (symbol);

  plan->width = n;
  plan->shape = qrs_design_get_module_shape (design);
  plan->cells = g_new0 (guint8, (gsize)n * n);

  if (qrs_design_get_logo_sha256 (design) != NULL)
    plan_logo (plan, design, symbol);

  for (guint y = 0; y < n; y++)
    for (guint x = 0; x < n; x++)
      {
        QrsModule m = qrs_symbol_get_module (symbol, x, y);
        guint8 cell;

        if (!(m & QRS_MODULE_DARK))
          continue;

        if (plan->has_logo &&
            x - plan->logo_box_start < plan->logo_box_size &&
            y - plan->logo_box_start < plan->logo_box_size)
          continue;

        if (finder && (m & QRS_MODULE_FINDER))
          cell = QRS_PAINT_FINDER;
        else if (alignment && (m & QRS_MODULE_ALIGNMENT))
          cell = QRS_PAINT_ALIGNMENT;
        else
          cell = QRS_PAINT_FOREGROUND;

        if (m & (QRS_MODULE_FINDER | QRS_MODULE_ALIGNMENT))
          cell |= QRS_CELL_SOLID;

        plan->cells[(gsize)y * n + x] = cell;
      }

  return plan;
}

void
qrs_module_plan_free (QrsModulePlan *plan)
{
  if (plan == NULL)
    return;

  g_free (plan->cells);
  g_free (plan);
}

const QrsColor *
qrs_module_plan_get_color (QrsDesign *design,
                           QrsPaint   paint)
{
  switch (paint)
    {
    case QRS_PAINT_FINDER:
      return qrs_design_get_finder_color (design);
    case QRS_PAINT_ALIGNMENT:
      return qrs_design_get_alignment_color (design);
    case QRS_PAINT_FOREGROUND:
    case QRS_PAINT_NONE:
    case QRS_N_PAINTS:
    default:
      return qrs_design_get_foreground (design);
    }
}

static inline guint8
cell_at (const QrsModulePlan *plan,
         int                  x,
         int                  y)
{
  if (x < 0 || y < 0 || x >= (int)plan->width || y >= (int)plan->width)
    return 0;

  return plan->cells[(gsize)y * plan->width + x];
}

gboolean
qrs_module_plan_has_paint (const QrsModulePlan *plan,
                           QrsPaint             paint)
{
  gsize count = (gsize)plan->width * plan->width;

  for (gsize i = 0; i < count; i++)
    if (QRS_CELL_PAINT (plan->cells[i]) == paint)
      return TRUE;

  return FALSE;
}

/* Whether every shape of @paint is a plain rectangle, so that an SVG
 * reader may render it with crisp edges. */
gboolean
qrs_module_plan_is_rectilinear (const QrsModulePlan *plan,
                                QrsPaint             paint)
{
  gsize count = (gsize)plan->width * plan->width;

  if (plan->shape == QRS_MODULE_SHAPE_SQUARE)
    return TRUE;
  if (plan->shape == QRS_MODULE_SHAPE_ROUNDED)
    return FALSE;

  for (gsize i = 0; i < count; i++)
    if (QRS_CELL_PAINT (plan->cells[i]) == paint && !(plan->cells[i] & QRS_CELL_SOLID))
      return FALSE;

  return TRUE;
}

static inline gboolean
takes_rect (const QrsModulePlan *plan,
            guint8               cell,
            QrsPaint             paint)
{
  return QRS_CELL_PAINT (cell) == paint &&
         (plan->shape == QRS_MODULE_SHAPE_SQUARE || (cell & QRS_CELL_SOLID));
}

/* Runs of a row, merged downwards while the next row has a run with the
 * same ends: a few large rectangles draw faster and write shorter SVG
 * than one per module. */
static void
foreach_rect (const QrsModulePlan *plan,
              QrsPaint             paint,
              QrsShapeFunc         func,
              gpointer             user_data)
{
  guint n = plan->width;
  g_autofree guint *open_w = g_new0 (guint, n);
  g_autofree guint *open_y = g_new0 (guint, n);
  g_autofree guint *seen = g_new0 (guint, n);
  QrsShape shape = { QRS_SHAPE_RECT, 0, };

  for (guint y = 0; y < n; y++)
    {
      const guint8 *row = plan->cells + (gsize)y * n;

      for (guint x = 0; x < n; )
        {
          guint x0 = x;

          if (!takes_rect (plan, row[x], paint))
            {
              x++;
              continue;
            }

          while (x < n && takes_rect (plan, row[x], paint))
            x++;

          if (open_w[x0] != x - x0)
            {
              if (open_w[x0] != 0)
                {
                  shape.x = x0;
                  shape.y = open_y[x0];
                  shape.w = open_w[x0];
                  shape.h = y - open_y[x0];
                  func (&shape, user_data);
                }
              open_w[x0] = x - x0;
              open_y[x0] = y;
            }
          seen[x0] = y + 1;
        }

      for (guint x = 0; x < n; x++)
        if (open_w[x] != 0 && seen[x] != y + 1)
          {
            shape.x = x;
            shape.y = open_y[x];
            shape.w = open_w[x];
            shape.h = y - open_y[x];
            func (&shape, user_data);
            open_w[x] = 0;
          }
    }

  for (guint x = 0; x < n; x++)
    if (open_w[x] != 0)
      {
        shape.x = x;
        shape.y = open_y[x];
        shape.w = open_w[x];
        shape.h = n - open_y[x];
        func (&shape, user_data);
      }
}

static void
foreach_dot (const QrsModulePlan *plan,
             QrsPaint             paint,
             QrsShapeFunc         func,
             gpointer             user_data)
{
  QrsShape shape = { QRS_SHAPE_CIRCLE, 0, 0, 1, 1, 0, DOT_RADIUS };
  guint n = plan->width;

  for (guint y = 0; y < n; y++)
    for (guint x = 0; x < n; x++)
      {
        guint8 cell = plan->cells[(gsize)y * n + x];

        if (QRS_CELL_PAINT (cell) == paint && !(cell & QRS_CELL_SOLID))
          {
            shape.x = x;
            shape.y = y;
            func (&shape, user_data);
          }
      }
}

/**
 * qrs_module_plan_get_corners:
 *
 * A corner is rounded where the module has no dark neighbour on either
 * side of it, so inside a run of modules only the run's ends round.
 *
 * Returns: the #QrsCorner flags of module (@x, @y) in the rounded shape
 */
guint
qrs_module_plan_get_corners (const QrsModulePlan *plan,
                             guint                x,
                             guint                y)
{
  int ix = x, iy = y;
  gboolean left = cell_at (plan, ix - 1, iy) != 0;
  gboolean right = cell_at (plan, ix + 1, iy) != 0;
  gboolean top = cell_at (plan, ix, iy - 1) != 0;
  gboolean bottom = cell_at (plan, ix, iy + 1) != 0;
  guint corners = 0;

  if (!left && !top)
    corners |= QRS_CORNER_TOP_LEFT;
  if (!right && !top)
    corners |= QRS_CORNER_TOP_RIGHT;
  if (!right && !bottom)
    corners |= QRS_CORNER_BOTTOM_RIGHT;
  if (!left && !bottom)
    corners |= QRS_CORNER_BOTTOM_LEFT;

  return corners;
}

/**
 * qrs_module_plan_get_radius:
 *
 * Returns: the radius, in modules, of a dot or of a rounded corner of
 *   a module of @cell
 */
double
qrs_module_plan_get_radius (const QrsModulePlan *plan,
                            guint8               cell)
{
  if (plan->shape == QRS_MODULE_SHAPE_DOT)
    return DOT_RADIUS;

  return (cell & QRS_CELL_SOLID) ? SOLID_ROUND_RADIUS : ROUND_RADIUS;
}

/* Runs of a row with the same paint; only their ends can round. */
static void
foreach_rounded (const QrsModulePlan *plan,
                 QrsPaint             paint,
                 QrsShapeFunc         func,
                 gpointer             user_data)
{
  QrsShape shape = { QRS_SHAPE_ROUNDED_RECT, 0, 0, 0, 1, 0, 0 };
  guint n = plan->width;

  for (guint y = 0; y < n; y++)
    {
      const guint8 *row = plan->cells + (gsize)y * n;

      for (guint x = 0; x < n; )
        {
          guint8 cell = row[x];
          int l, r, iy = y;

          if (QRS_CELL_PAINT (cell) != paint)
            {
              x++;
              continue;
            }

          l = x;
          while (x < n && row[x] == cell)
            x++;
          r = x - 1;

          shape.x = l;
          shape.y = y;
          shape.w = r - l + 1;
          shape.radius = qrs_module_plan_get_radius (plan, cell);
          shape.corners = 0;
          if (!cell_at (plan, l - 1, iy))
            {
              if (!cell_at (plan, l, iy - 1))
                shape.corners |= QRS_CORNER_TOP_LEFT;
              if (!cell_at (plan, l, iy + 1))
                shape.corners |= QRS_CORNER_BOTTOM_LEFT;
            }
          if (!cell_at (plan, r + 1, iy))
            {
              if (!cell_at (plan, r, iy - 1))
                shape.corners |= QRS_CORNER_TOP_RIGHT;
              if (!cell_at (plan, r, iy + 1))
                shape.corners |= QRS_CORNER_BOTTOM_RIGHT;
            }

          func (&shape, user_data);
        }
    }
}

/**
 * qrs_module_plan_foreach_shape:
 *
 * Calls @func for every shape that makes up the path of @paint; shapes
 * of one paint never overlap.
 */
void
qrs_module_plan_foreach_shape (const QrsModulePlan *plan,
                               QrsPaint             paint,
                               QrsShapeFunc         func,
                               gpointer             user_data)
{
  switch (plan->shape)
    {
    case QRS_MODULE_SHAPE_DOT:
      foreach_rect (plan, paint, func, user_data);
      foreach_dot (plan, paint, func, user_data);
      break;

    case QRS_MODULE_SHAPE_ROUNDED:
      foreach_rounded (plan, paint, func, user_data);
      break;

    case QRS_MODULE_SHAPE_SQUARE:
    default:
      foreach_rect (plan, paint, func, user_data);
      break;
    }
}
