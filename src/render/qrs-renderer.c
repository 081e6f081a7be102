/* qrs-renderer.c — draws a symbol in a design onto any cairo context
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include <gdk-pixbuf/gdk-pixbuf.h>
#include <glib/gi18n-lib.h>
#include <pango/pangocairo.h>

#include "qrs-render-private.h"
#include "qrs-renderer.h"

#define DEFAULT_CAPTION_POINTS 12.0
#define LOGO_CACHE_SIZE        4
#define LOGO_MAX_PIXELS        4096
#define MAX_TILE_MASK_PIXELS   (64 * 1024 * 1024)

/* Tiles of one module's coverage for dots and rounded modules: a full
 * square, a dot, and a square with each set of rounded corners, for
 * modules and for the finders' gentler corners. */
enum
{
  TILE_FULL,
  TILE_DOT,
  TILE_ROUNDED,                     /* + corners */
  TILE_ROUNDED_SOLID = TILE_ROUNDED + 16,
  N_TILES = TILE_ROUNDED_SOLID + 16
};

typedef struct
{
  char            *sha256;
  int              size;     /* the square the image was decoded to fit */
  cairo_surface_t *surface;
} LogoCacheEntry;

/**
 * QrsRenderer:
 *
 * Draws codes, keeping what is costly to redo — the decoded logo, the
 * caption's layout, the module plan — for the next frame of a live
 * preview.  A renderer belongs to the thread that first draws with it.
 */
struct _QrsRenderer
{
  GObject         parent_instance;

  PangoContext   *pango_context;
  PangoLayout    *caption_layout;
  char           *caption_text;
  char           *caption_font;
  double          caption_font_px;
  double          caption_wrap;
  gboolean        caption_valid;

  /* The plan holds a reference on its symbol, so the pointer stays a
   * valid key for as long as the plan is cached. */
  QrsModulePlan  *plan;
  QrsSymbol      *plan_symbol;
  QrsModuleShape  plan_shape;
  double          plan_logo_ratio;
  double          plan_logo_padding;
  guint           plan_flags;

  LogoCacheEntry  logos[LOGO_CACHE_SIZE];
  guint           next_logo;
  guint           logo_decodes;

  /* Module tiles for snapped raster drawing: [width − min][height − min] */
  cairo_surface_t *tiles[2][2][N_TILES];
  double          tiles_module;
  int             tiles_min_w;
  int             tiles_min_h;
};

G_DEFINE_FINAL_TYPE (QrsRenderer, qrs_renderer, G_TYPE_OBJECT)
G_DEFINE_QUARK (qrs-render-error-quark, qrs_render_error)

static void
clear_tiles (QrsRenderer *self)
{
  for (guint w = 0; w < 2; w++)
    for (guint h = 0; h < 2; h++)
      for (guint t = 0; t < N_TILES; t++)
        g_clear_pointer (&self->tiles[w][h][t], cairo_surface_destroy);
}

static void
qrs_renderer_finalize (GObject *object)
{
  QrsRenderer *self = (QrsRenderer *)object;

  g_clear_object (&self->caption_layout);
  g_clear_object (&self->pango_context);
  g_clear_pointer (&self->caption_text, g_free);
  g_clear_pointer (&self->caption_font, g_free);
  g_clear_pointer (&self->plan, qrs_module_plan_free);
  g_clear_object (&self->plan_symbol);

  for (guint i = 0; i < LOGO_CACHE_SIZE; i++)
    {
      g_clear_pointer (&self->logos[i].sha256, g_free);
      g_clear_pointer (&self->logos[i].surface, cairo_surface_destroy);
    }

  clear_tiles (self);

  G_OBJECT_CLASS (qrs_renderer_parent_class)->finalize (object);
}

static void
qrs_renderer_class_init (QrsRendererClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = qrs_renderer_finalize;
}

static void
qrs_renderer_init (QrsRenderer *self)
{
}

QrsRenderer *
qrs_renderer_new (void)
{
  return g_object_new (QRS_TYPE_RENDERER, NULL);
}

/* Text is laid out without hinting, so the same caption breaks the same
 * way on screen, in a PNG and in a PDF, and only its scale differs. */
static PangoContext *
ensure_pango_context (QrsRenderer *self)
{
  if (self->pango_context == NULL)
    {
      cairo_font_options_t *options = cairo_font_options_create ();

      self->pango_context = pango_font_map_create_context (pango_cairo_font_map_get_default ());
      cairo_font_options_set_hint_style (options, CAIRO_HINT_STYLE_NONE);
      cairo_font_options_set_hint_metrics (options, CAIRO_HINT_METRICS_OFF);
      cairo_font_options_set_antialias (options, CAIRO_ANTIALIAS_GRAY);
      pango_cairo_context_set_font_options (self->pango_context, options);
      pango_context_set_round_glyph_positions (self->pango_context, FALSE);
      cairo_font_options_destroy (options);
    }

  return self->pango_context;
}

/* The design states the font in points of the printed output: at the
 * design's own width one point is dpi / 72 pixels, and every other width
 * scales that. */
static double
caption_font_px (QrsDesign                  *design,
                 const PangoFontDescription *desc,
                 double                      width)
{
  double size = pango_font_description_get_size (desc) / (double)PANGO_SCALE;
  double px;

  if (size <= 0)
    size = DEFAULT_CAPTION_POINTS;

  if (pango_font_description_get_size_is_absolute (desc))
    px = size;
  else
    px = size * qrs_design_get_dpi (design) / 72.0;

  return px * width / qrs_design_get_width_px (design);
}

static PangoLayout *
ensure_caption_layout (QrsRenderer *self,
                       QrsDesign   *design,
                       double       width,
                       double       wrap)
{
  const char *caption = qrs_design_get_caption (design);
  const char *font = qrs_design_get_caption_font (design);
  g_autoptr(PangoFontDescription) desc = NULL;
  g_autofree char *valid = NULL;
  double px;

  if (caption == NULL || caption[0] == '\0')
    return NULL;

  desc = pango_font_description_from_string (font ? font : "Sans");
  px = caption_font_px (design, desc, width);

  if (self->caption_valid &&
      g_strcmp0 (self->caption_text, caption) == 0 &&
      g_strcmp0 (self->caption_font, font) == 0 &&
      self->caption_font_px == px &&
      self->caption_wrap == wrap)
    return self->caption_layout;

  g_free (self->caption_text);
  self->caption_text = g_strdup (caption);
  g_free (self->caption_font);
  self->caption_font = g_strdup (font);
  self->caption_font_px = px;
  self->caption_wrap = wrap;
  self->caption_valid = TRUE;

  if (self->caption_layout == NULL)
    {
      self->caption_layout = pango_layout_new (ensure_pango_context (self));
      pango_layout_set_alignment (self->caption_layout, PANGO_ALIGN_CENTER);
      pango_layout_set_wrap (self->caption_layout, PANGO_WRAP_WORD_CHAR);
      pango_layout_set_auto_dir (self->caption_layout, TRUE);
    }

  pango_font_description_set_absolute_size (desc, px * PANGO_SCALE);
  pango_layout_set_font_description (self->caption_layout, desc);
  pango_layout_set_width (self->caption_layout, (int)(wrap * PANGO_SCALE));

  if (!g_utf8_validate (caption, -1, NULL))
    caption = valid = g_utf8_make_valid (caption, -1);
  pango_layout_set_text (self->caption_layout, caption, -1);

  return self->caption_layout;
}

PangoLayout *
qrs_renderer_get_caption_layout (QrsRenderer *self)
{
  g_return_val_if_fail (QRS_IS_RENDERER (self), NULL);

  return self->caption_valid ? self->caption_layout : NULL;
}

static const QrsModulePlan *
ensure_plan (QrsRenderer *self,
             QrsDesign   *design,
             QrsSymbol   *symbol)
{
  guint flags = (qrs_design_get_finder_color (design) != NULL) |
                (qrs_design_get_alignment_color (design) != NULL) << 1 |
                (qrs_design_get_logo_sha256 (design) != NULL) << 2;
  double ratio = qrs_design_get_effective_logo_ratio (design);
  double padding = qrs_design_get_logo_padding (design);
  QrsModuleShape shape = qrs_design_get_module_shape (design);

  if (self->plan != NULL &&
      self->plan_symbol == symbol &&
      self->plan_shape == shape &&
      self->plan_flags == flags &&
      self->plan_logo_ratio == ratio &&
      self->plan_logo_padding == padding)
    return self->plan;

  g_clear_pointer (&self->plan, qrs_module_plan_free);
  g_set_object (&self->plan_symbol, symbol);
  self->plan = qrs_module_plan_new (design, symbol);
  self->plan_shape = shape;
  self->plan_flags = flags;
  self->plan_logo_ratio = ratio;
  self->plan_logo_padding = padding;

  return self->plan;
}

/* What the renderer draws for @symbol in @design, for exporters that
 * can write it without drawing (see qrs_png_encode_plan()). */
const QrsModulePlan *
qrs_renderer_get_plan (QrsRenderer *self,
                       QrsDesign   *design,
                       QrsSymbol   *symbol)
{
  g_return_val_if_fail (QRS_IS_RENDERER (self), NULL);
  g_return_val_if_fail (QRS_IS_DESIGN (design), NULL);
  g_return_val_if_fail (QRS_IS_SYMBOL (symbol), NULL);

  return ensure_plan (self, design, symbol);
}

/**
 * qrs_renderer_get_layout:
 * @width: the image's width in the target's units, quiet zone included
 * @layout: (out caller-allocates): where things go
 *
 * Lays out the code and its caption.  The caption band is a whole number
 * of modules tall, so that the symbol stays on the module grid also when
 * the caption is above it.
 */
void
qrs_renderer_get_layout (QrsRenderer *self,
                         QrsDesign   *design,
                         QrsSymbol   *symbol,
                         double       width,
                         QrsLayout   *layout)
{
  const QrsModulePlan *plan;
  PangoLayout *caption;
  guint n, quiet;
  double module, band = 0;

  g_return_if_fail (QRS_IS_RENDERER (self));
  g_return_if_fail (QRS_IS_DESIGN (design));
  g_return_if_fail (QRS_IS_SYMBOL (symbol));
  g_return_if_fail (width > 0);
  g_return_if_fail (layout != NULL);

  n = qrs_symbol_get_width (symbol);
  quiet = qrs_design_get_effective_quiet_zone (design);
  module = width / (n + 2 * quiet);

  memset (layout, 0, sizeof *layout);
  layout->width = width;
  layout->code_size = width;
  layout->module_size = module;

  caption = ensure_caption_layout (self, design, width, n * module);
  if (caption == NULL)
    self->caption_valid = FALSE;
  else
    {
      PangoRectangle logical;
      /* Text never enters the quiet zone; without one, keep a module. */
      guint gap = quiet == 0 ? 1 : 0;
      guint margin = MAX (1, quiet / 2);
      double modules;

      pango_layout_get_extents (caption, NULL, &logical);
      layout->caption_height = logical.height / (double)PANGO_SCALE;
      layout->caption_width = n * module;
      layout->caption_x = quiet * module;

      modules = ceil (layout->caption_height / module + gap + margin - 1e-9);
      band = modules * module;

      if (qrs_design_get_caption_position (design) == QRS_CAPTION_POSITION_ABOVE)
        {
          layout->code_y = band;
          layout->caption_y = band - gap * module - layout->caption_height;
        }
      else
        layout->caption_y = width + gap * module;
    }

  layout->height = width + band;

  plan = ensure_plan (self, design, symbol);
  if (plan->has_logo && plan->logo_size > 0)
    {
      layout->logo_size = plan->logo_size * module;
      layout->logo_x = layout->code_x + (quiet + plan->logo_offset) * module;
      layout->logo_y = layout->code_y + (quiet + plan->logo_offset) * module;
    }
}

/* Module edges in user space: a crisp raster wants every edge on a whole
 * device pixel. */
typedef struct
{
  cairo_t *cr;
  double  *ex;
  double  *ey;
  double   module;
  double   dx0, dy0;   /* device position of the user origin */
  double   sx, sy;     /* device units per user unit */
  gboolean snap;
} Grid;

static double
snap_x (const Grid *grid,
        double      x)
{
  return (round (grid->dx0 + x * grid->sx) - grid->dx0) / grid->sx;
}

static double
snap_y (const Grid *grid,
        double      y)
{
  return (round (grid->dy0 + y * grid->sy) - grid->dy0) / grid->sy;
}

static void
grid_init (Grid    *grid,
           cairo_t *cr,
           double   module)
{
  cairo_surface_t *target = cairo_get_group_target (cr);
  double ax = 1, ay = 0, bx = 0, by = 1;
  double scale_x, scale_y, offset_x, offset_y;
  double dm_x, dm_y;

  grid->cr = cr;
  grid->module = module;
  grid->snap = FALSE;

  /* The CTM leads to cairo's device space; the surface's own scale and
   * offset (HiDPI, groups) lead from there to its pixels. */
  cairo_surface_get_device_scale (target, &scale_x, &scale_y);
  cairo_surface_get_device_offset (target, &offset_x, &offset_y);
  grid->dx0 = grid->dy0 = 0;
  cairo_user_to_device (cr, &grid->dx0, &grid->dy0);
  cairo_user_to_device_distance (cr, &ax, &ay);
  cairo_user_to_device_distance (cr, &bx, &by);
  grid->dx0 = grid->dx0 * scale_x + offset_x;
  grid->dy0 = grid->dy0 * scale_y + offset_y;
  grid->sx = ax * scale_x;
  grid->sy = by * scale_y;

  /* Only an unrotated, unflipped target has pixel columns to snap to. */
  if (ay != 0 || bx != 0 || grid->sx <= 0 || grid->sy <= 0)
    return;

  dm_x = module * grid->sx;
  dm_y = module * grid->sy;

  /* A whole number of pixels per module: every edge lands on a pixel.
   * On a raster of at least two pixels per module, rounding each edge
   * keeps modules within a pixel of their size and far crisper than
   * smeared edges. */
  if (dm_x >= 1 && fabs (dm_x - round (dm_x)) < 1e-6 && fabs (dm_y - round (dm_y)) < 1e-6)
    grid->snap = TRUE;
  else if (cairo_surface_get_type (target) == CAIRO_SURFACE_TYPE_IMAGE && dm_x >= 2 && dm_y >= 2)
    grid->snap = TRUE;
}

static void
add_rounded_rect (cairo_t *cr,
                  double   x0,
                  double   y0,
                  double   x1,
                  double   y1,
                  double   r,
                  guint    corners)
{
  double tl = (corners & QRS_CORNER_TOP_LEFT) ? r : 0;
  double tr = (corners & QRS_CORNER_TOP_RIGHT) ? r : 0;
  double br = (corners & QRS_CORNER_BOTTOM_RIGHT) ? r : 0;
  double bl = (corners & QRS_CORNER_BOTTOM_LEFT) ? r : 0;

  cairo_new_sub_path (cr);
  cairo_move_to (cr, x0 + tl, y0);
  cairo_line_to (cr, x1 - tr, y0);
  if (tr > 0)
    cairo_arc (cr, x1 - tr, y0 + tr, tr, -G_PI / 2, 0);
  cairo_line_to (cr, x1, y1 - br);
  if (br > 0)
    cairo_arc (cr, x1 - br, y1 - br, br, 0, G_PI / 2);
  cairo_line_to (cr, x0 + bl, y1);
  if (bl > 0)
    cairo_arc (cr, x0 + bl, y1 - bl, bl, G_PI / 2, G_PI);
  cairo_line_to (cr, x0, y0 + tl);
  if (tl > 0)
    cairo_arc (cr, x0 + tl, y0 + tl, tl, G_PI, 3 * G_PI / 2);
  cairo_close_path (cr);
}

static void
add_shape_cb (const QrsShape *shape,
              gpointer        user_data)
{
  Grid *grid = user_data;
  double x0 = grid->ex[shape->x];
  double y0 = grid->ey[shape->y];
  double x1 = grid->ex[shape->x + shape->w];
  double y1 = grid->ey[shape->y + shape->h];

  switch (shape->kind)
    {
    case QRS_SHAPE_RECT:
      cairo_rectangle (grid->cr, x0, y0, x1 - x0, y1 - y0);
      break;

    case QRS_SHAPE_ROUNDED_RECT:
      {
        double r = MIN (shape->radius * grid->module, MIN (x1 - x0, y1 - y0) / 2);

        add_rounded_rect (grid->cr, x0, y0, x1, y1, r, shape->corners);
      }
      break;

    case QRS_SHAPE_CIRCLE:
      cairo_new_sub_path (grid->cr);
      cairo_arc (grid->cr, (x0 + x1) / 2, (y0 + y1) / 2,
                 shape->radius * grid->module, 0, 2 * G_PI);
      break;

    default:
      g_assert_not_reached ();
    }
}

static cairo_surface_t *
make_tile (int    width,
           int    height,
           guint  tile,
           double radius)
{
  cairo_surface_t *surface = cairo_image_surface_create (CAIRO_FORMAT_A8, width, height);
  cairo_t *cr = cairo_create (surface);

  if (tile == TILE_FULL)
    cairo_rectangle (cr, 0, 0, width, height);
  else if (tile == TILE_DOT)
    cairo_arc (cr, width / 2.0, height / 2.0, radius, 0, 2 * G_PI);
  else
    add_rounded_rect (cr, 0, 0, width, height, MIN (radius, MIN (width, height) / 2.0),
                      (tile - TILE_ROUNDED) % 16);
  cairo_fill (cr);
  cairo_destroy (cr);
  cairo_surface_flush (surface);

  return surface;
}

/* Dots and rounded corners as paths make cairo flatten thousands of
 * curves every frame.  On a snapped raster every module is a whole
 * number of pixels, so the same shapes can be stamped from a few tiles
 * into one mask per colour, which then paints like one path. */
static gboolean
fill_with_tiles (QrsRenderer         *self,
                 cairo_t             *cr,
                 const Grid          *grid,
                 const QrsModulePlan *plan,
                 QrsPaint             paint)
{
  guint n = plan->width;
  g_autofree int *dev = g_new (int, 2 * (n + 1));
  int *dev_x = dev, *dev_y = dev + n + 1;
  int min_w = G_MAXINT, max_w = 0, min_h = G_MAXINT, max_h = 0;
  double module_px = grid->module * grid->sx;
  cairo_surface_t *mask;
  cairo_pattern_t *pattern;
  cairo_matrix_t matrix;
  guint8 *data;
  int stride;

  for (guint k = 0; k <= n; k++)
    {
      dev_x[k] = (int)round (grid->dx0 + grid->ex[k] * grid->sx);
      dev_y[k] = (int)round (grid->dy0 + grid->ey[k] * grid->sy);
      if (k > 0)
        {
          min_w = MIN (min_w, dev_x[k] - dev_x[k - 1]);
          max_w = MAX (max_w, dev_x[k] - dev_x[k - 1]);
          min_h = MIN (min_h, dev_y[k] - dev_y[k - 1]);
          max_h = MAX (max_h, dev_y[k] - dev_y[k - 1]);
        }
    }

  if (min_w < 1 || min_h < 1 || max_w - min_w > 1 || max_h - min_h > 1 ||
      (gint64)(dev_x[n] - dev_x[0]) * (dev_y[n] - dev_y[0]) > MAX_TILE_MASK_PIXELS)
    return FALSE;

  if (self->tiles_module != module_px || self->tiles_min_w != min_w || self->tiles_min_h != min_h)
    {
      clear_tiles (self);
      self->tiles_module = module_px;
      self->tiles_min_w = min_w;
      self->tiles_min_h = min_h;
    }

  mask = cairo_image_surface_create (CAIRO_FORMAT_A8, dev_x[n] - dev_x[0], dev_y[n] - dev_y[0]);
  if (cairo_surface_status (mask) != CAIRO_STATUS_SUCCESS)
    {
      cairo_surface_destroy (mask);
      return FALSE;
    }

  cairo_surface_flush (mask);
  data = cairo_image_surface_get_data (mask);
  stride = cairo_image_surface_get_stride (mask);

  for (guint y = 0; y < n; y++)
    for (guint x = 0; x < n; x++)
      {
        guint8 cell = plan->cells[(gsize)y * n + x];
        int w = dev_x[x + 1] - dev_x[x];
        int h = dev_y[y + 1] - dev_y[y];
        cairo_surface_t **slot;
        const guint8 *src;
        guint8 *dst;
        int src_stride;
        guint tile;

        if (QRS_CELL_PAINT (cell) != paint)
          continue;

        if (plan->shape == QRS_MODULE_SHAPE_DOT)
          tile = (cell & QRS_CELL_SOLID) ? TILE_FULL : TILE_DOT;
        else
          tile = ((cell & QRS_CELL_SOLID) ? TILE_ROUNDED_SOLID : TILE_ROUNDED) +
                 qrs_module_plan_get_corners (plan, x, y);

        slot = &self->tiles[w - min_w][h - min_h][tile];
        if (*slot == NULL)
          *slot = make_tile (w, h, tile, qrs_module_plan_get_radius (plan, cell) * module_px);

        src = cairo_image_surface_get_data (*slot);
        src_stride = cairo_image_surface_get_stride (*slot);
        dst = data + (gsize)(dev_y[y] - dev_y[0]) * stride + (dev_x[x] - dev_x[0]);
        for (int row = 0; row < h; row++)
          memcpy (dst + (gsize)row * stride, src + (gsize)row * src_stride, w);
      }

  cairo_surface_mark_dirty (mask);

  /* One mask pixel on one device pixel, nothing to filter. */
  pattern = cairo_pattern_create_for_surface (mask);
  cairo_matrix_init_scale (&matrix, grid->sx, grid->sy);
  cairo_matrix_translate (&matrix, -(dev_x[0] - grid->dx0) / grid->sx, -(dev_y[0] - grid->dy0) / grid->sy);
  cairo_pattern_set_matrix (pattern, &matrix);
  cairo_pattern_set_filter (pattern, CAIRO_FILTER_NEAREST);
  cairo_mask (cr, pattern);
  cairo_pattern_destroy (pattern);
  cairo_surface_destroy (mask);

  return TRUE;
}

static void
set_source_color (cairo_t        *cr,
                  const QrsColor *color)
{
  cairo_set_source_rgba (cr, color->red / 255.0, color->green / 255.0,
                         color->blue / 255.0, color->alpha / 255.0);
}

static void
size_prepared_cb (GdkPixbufLoader *loader,
                  int              width,
                  int              height,
                  gpointer         user_data)
{
  int box = GPOINTER_TO_INT (user_data);
  double scale;

  if (width <= 0 || height <= 0)
    return;

  scale = (double)box / MAX (width, height);
  gdk_pixbuf_loader_set_size (loader,
                              MAX (1, (int)round (width * scale)),
                              MAX (1, (int)round (height * scale)));
}

static cairo_surface_t *
surface_from_pixbuf (GdkPixbuf *pixbuf)
{
  int width = gdk_pixbuf_get_width (pixbuf);
  int height = gdk_pixbuf_get_height (pixbuf);
  int channels = gdk_pixbuf_get_n_channels (pixbuf);
  int stride = gdk_pixbuf_get_rowstride (pixbuf);
  gboolean alpha = gdk_pixbuf_get_has_alpha (pixbuf);
  const guint8 *pixels = gdk_pixbuf_read_pixels (pixbuf);
  cairo_surface_t *surface;
  guint8 *data;
  int dst_stride;

  surface = cairo_image_surface_create (alpha ? CAIRO_FORMAT_ARGB32 : CAIRO_FORMAT_RGB24,
                                        width, height);
  if (cairo_surface_status (surface) != CAIRO_STATUS_SUCCESS)
    return surface;

  cairo_surface_flush (surface);
  data = cairo_image_surface_get_data (surface);
  dst_stride = cairo_image_surface_get_stride (surface);

  for (int y = 0; y < height; y++)
    {
      const guint8 *src = pixels + (gsize)y * stride;
      guint32 *dst = (guint32 *)(void *)(data + (gsize)y * dst_stride);

      for (int x = 0; x < width; x++, src += channels)
        {
          guint a = alpha ? src[3] : 255;
          guint r = (src[0] * a + 127) / 255;
          guint g = (src[1] * a + 127) / 255;
          guint b = (src[2] * a + 127) / 255;

          dst[x] = a << 24 | r << 16 | g << 8 | b;
        }
    }

  cairo_surface_mark_dirty (surface);

  return surface;
}

/* Decodes the logo to fit a square of @size pixels: an SVG logo is drawn
 * at that size by its loader, so it stays sharp at any scale. */
static cairo_surface_t *
ensure_logo (QrsRenderer  *self,
             QrsDesign    *design,
             int           size,
             GError      **error)
{
  const char *sha256 = qrs_design_get_logo_sha256 (design);
  GBytes *bytes = qrs_design_get_logo (design);
  g_autoptr(GdkPixbufLoader) loader = NULL;
  g_autoptr(GError) local_error = NULL;
  LogoCacheEntry *entry;
  GdkPixbuf *pixbuf;

  for (guint i = 0; i < LOGO_CACHE_SIZE; i++)
    if (self->logos[i].surface != NULL &&
        self->logos[i].size == size &&
        g_strcmp0 (self->logos[i].sha256, sha256) == 0)
      return self->logos[i].surface;

  if (bytes == NULL)
    {
      g_set_error_literal (error, QRS_RENDER_ERROR, QRS_RENDER_ERROR_LOGO,
                           _("The logo’s image is not loaded, so the code cannot be drawn with it: choose the logo file again."));
      return NULL;
    }

  loader = gdk_pixbuf_loader_new ();
  g_signal_connect (loader, "size-prepared", G_CALLBACK (size_prepared_cb), GINT_TO_POINTER (size));

  if (!gdk_pixbuf_loader_write_bytes (loader, bytes, &local_error))
    {
      gdk_pixbuf_loader_close (loader, NULL);
    }
  else
    gdk_pixbuf_loader_close (loader, &local_error);

  pixbuf = local_error == NULL ? gdk_pixbuf_loader_get_pixbuf (loader) : NULL;
  if (pixbuf == NULL)
    {
      g_set_error (error, QRS_RENDER_ERROR, QRS_RENDER_ERROR_LOGO,
                   _("The logo (%s) could not be read: %s"),
                   qrs_design_get_logo_media_type (design) ?: _("unknown type"),
                   local_error ? local_error->message : _("the image has no pixels"));
      return NULL;
    }

  self->logo_decodes++;
  entry = &self->logos[self->next_logo];
  self->next_logo = (self->next_logo + 1) % LOGO_CACHE_SIZE;

  g_free (entry->sha256);
  entry->sha256 = g_strdup (sha256);
  entry->size = size;
  g_clear_pointer (&entry->surface, cairo_surface_destroy);
  entry->surface = surface_from_pixbuf (pixbuf);

  return entry->surface;
}

static gboolean
is_vector_target (cairo_t *cr)
{
  switch (cairo_surface_get_type (cairo_get_group_target (cr)))
    {
    case CAIRO_SURFACE_TYPE_PDF:
    case CAIRO_SURFACE_TYPE_PS:
    case CAIRO_SURFACE_TYPE_SVG:
    case CAIRO_SURFACE_TYPE_SCRIPT:
    case CAIRO_SURFACE_TYPE_RECORDING:
      return TRUE;
    default:
      return FALSE;
    }
}

/**
 * qrs_renderer_draw:
 * @cr: where to draw; the image's top-left corner is the user origin
 * @width: the image's width in user units; its height is the layout's
 *
 * Draws the background, the modules (one path per colour), the logo and
 * the caption.
 *
 * Returns: %TRUE, or %FALSE with @error set when the logo cannot be
 *   decoded or cairo fails; nothing is drawn then
 */
gboolean
qrs_renderer_draw (QrsRenderer  *self,
                   QrsDesign    *design,
                   QrsSymbol    *symbol,
                   cairo_t      *cr,
                   double        width,
                   GError      **error)
{
  const QrsModulePlan *plan;
  cairo_surface_t *logo = NULL;
  const QrsColor *background;
  QrsLayout layout;
  guint n, quiet;
  double x0, y0;
  int logo_px = 0;
  g_autofree double *edges = NULL;
  Grid grid;
  gboolean use_tiles;
  cairo_status_t status;

  g_return_val_if_fail (QRS_IS_RENDERER (self), FALSE);
  g_return_val_if_fail (QRS_IS_DESIGN (design), FALSE);
  g_return_val_if_fail (QRS_IS_SYMBOL (symbol), FALSE);
  g_return_val_if_fail (cr != NULL, FALSE);
  g_return_val_if_fail (width > 0, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  qrs_renderer_get_layout (self, design, symbol, width, &layout);
  plan = ensure_plan (self, design, symbol);
  n = plan->width;
  quiet = qrs_design_get_effective_quiet_zone (design);

  grid_init (&grid, cr, layout.module_size);
  edges = g_new (double, 2 * (n + 1));
  grid.ex = edges;
  grid.ey = edges + n + 1;
  x0 = layout.code_x + quiet * layout.module_size;
  y0 = layout.code_y + quiet * layout.module_size;
  for (guint k = 0; k <= n; k++)
    {
      grid.ex[k] = x0 + k * layout.module_size;
      grid.ey[k] = y0 + k * layout.module_size;
      if (grid.snap)
        {
          grid.ex[k] = snap_x (&grid, grid.ex[k]);
          grid.ey[k] = snap_y (&grid, grid.ey[k]);
        }
    }

  if (layout.logo_size > 0)
    {
      double scale = grid.sx;

      /* A vector target has no pixels of its own: decode the logo for the
       * design's resolution. */
      if (is_vector_target (cr))
        scale = MAX (scale, qrs_design_get_width_px (design) / width);

      logo_px = (int)ceil (layout.logo_size * scale - 1e-6);
      logo_px = CLAMP (logo_px, 1, LOGO_MAX_PIXELS);

      if (!(logo = ensure_logo (self, design, logo_px, error)))
        return FALSE;
    }

  cairo_save (cr);
  cairo_new_path (cr);

  background = qrs_design_get_background (design);
  if (background->alpha > 0)
    {
      double bx0 = 0, by0 = 0, bx1 = layout.width, by1 = layout.height;

      /* Cover the last partly covered row of pixels too. */
      if (grid.snap)
        {
          bx0 = (floor (grid.dx0 + 1e-6) - grid.dx0) / grid.sx;
          by0 = (floor (grid.dy0 + 1e-6) - grid.dy0) / grid.sy;
          bx1 = (ceil (grid.dx0 + bx1 * grid.sx - 1e-6) - grid.dx0) / grid.sx;
          by1 = (ceil (grid.dy0 + by1 * grid.sy - 1e-6) - grid.dy0) / grid.sy;
        }
      cairo_rectangle (cr, bx0, by0, bx1 - bx0, by1 - by0);
      set_source_color (cr, background);
      cairo_fill (cr);
    }

  use_tiles = grid.snap && plan->shape != QRS_MODULE_SHAPE_SQUARE &&
              cairo_surface_get_type (cairo_get_group_target (cr)) == CAIRO_SURFACE_TYPE_IMAGE;

  for (QrsPaint paint = QRS_PAINT_FOREGROUND; paint < QRS_N_PAINTS; paint++)
    {
      if (!qrs_module_plan_has_paint (plan, paint))
        continue;

      set_source_color (cr, qrs_module_plan_get_color (design, paint));

      if (use_tiles && fill_with_tiles (self, cr, &grid, plan, paint))
        continue;

      qrs_module_plan_foreach_shape (plan, paint, add_shape_cb, &grid);
      cairo_fill (cr);
    }

  if (logo != NULL)
    {
      int w = cairo_image_surface_get_width (logo);
      int h = cairo_image_surface_get_height (logo);
      double k = layout.logo_size / logo_px;
      double lx = layout.logo_x;
      double ly = layout.logo_y;

      if (grid.snap)
        {
          lx = snap_x (&grid, lx);
          ly = snap_y (&grid, ly);
        }

      cairo_save (cr);
      cairo_translate (cr, lx + floor ((logo_px - w) / 2.0) * k,
                       ly + floor ((logo_px - h) / 2.0) * k);
      cairo_scale (cr, k, k);
      cairo_set_source_surface (cr, logo, 0, 0);
      cairo_pattern_set_filter (cairo_get_source (cr), CAIRO_FILTER_GOOD);
      cairo_rectangle (cr, 0, 0, w, h);
      cairo_fill (cr);
      cairo_restore (cr);
    }

  if (layout.caption_height > 0)
    {
      cairo_move_to (cr, layout.caption_x, layout.caption_y);
      set_source_color (cr, qrs_design_get_caption_color (design));
      pango_cairo_show_layout (cr, self->caption_layout);
    }

  cairo_restore (cr);

  status = cairo_status (cr);
  if (status != CAIRO_STATUS_SUCCESS)
    {
      g_set_error (error, QRS_RENDER_ERROR, QRS_RENDER_ERROR_FAILED,
                   _("The code could not be drawn: %s"), cairo_status_to_string (status));
      return FALSE;
    }

  return TRUE;
}

/* Whether the design's logo decodes, for writers that embed its bytes
 * instead of drawing it. */
gboolean
qrs_renderer_check_logo (QrsRenderer  *self,
                         QrsDesign    *design,
                         GError      **error)
{
  g_return_val_if_fail (QRS_IS_RENDERER (self), FALSE);
  g_return_val_if_fail (QRS_IS_DESIGN (design), FALSE);

  if (qrs_design_get_logo_sha256 (design) == NULL)
    return TRUE;

  return ensure_logo (self, design, 16, error) != NULL;
}

/* For tests: how often a logo was decoded rather than found in the cache. */
guint
qrs_renderer_get_logo_decodes (QrsRenderer *self)
{
  g_return_val_if_fail (QRS_IS_RENDERER (self), 0);

  return self->logo_decodes;
}
