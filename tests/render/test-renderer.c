/* test-renderer.c — layout and real pixels of the renderer
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "qrs-render-private.h"
#include "qrs-renderer.h"
#include "render-test-utils.h"

#define MODULE_PX 10

static const QrsColor dark_blue = { 0x1a, 0x23, 0x7e, 0xff };
static const QrsColor light_yellow = { 0xff, 0xf5, 0x9d, 0xff };

static QrsSymbol *
encode (const char *text,
        QrsEcLevel  level,
        int         version)
{
  g_autoptr(GError) error = NULL;
  QrsSymbol *symbol = qrs_symbol_encode (text, -1, QRS_SYMBOL_TYPE_QR, level, version, &error);

  g_assert_no_error (error);
  return symbol;
}

static QrsDesign *
coloured_design (void)
{
  QrsDesign *design = qrs_design_new ();

  qrs_design_set_foreground (design, &dark_blue);
  qrs_design_set_background (design, &light_yellow);
  return design;
}

static cairo_surface_t *
draw (QrsRenderer *renderer,
      QrsDesign   *design,
      QrsSymbol   *symbol,
      double       width,
      int          surface_w,
      int          surface_h)
{
  g_autoptr(GError) error = NULL;
  cairo_surface_t *surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, surface_w, surface_h);
  cairo_t *cr = cairo_create (surface);

  g_assert_true (qrs_renderer_draw (renderer, design, symbol, cr, width, &error));
  g_assert_no_error (error);
  g_assert_cmpint (cairo_status (cr), ==, CAIRO_STATUS_SUCCESS);
  cairo_destroy (cr);

  return surface;
}

/* Every pixel of the image is exactly the colour of the module it lies
 * in: module centres are right, and no seam or smear exists anywhere. */
static void
assert_exact_pixels (cairo_surface_t *surface,
                     QrsSymbol       *symbol,
                     guint            quiet,
                     int              module_px,
                     int              offset_x,
                     int              offset_y)
{
  guint32 fg = render_test_color_pixel (&dark_blue);
  guint32 bg = render_test_color_pixel (&light_yellow);
  int n = qrs_symbol_get_width (symbol);
  int size = (n + 2 * quiet) * module_px;
  guint wrong = 0;

  for (int y = 0; y < size; y++)
    for (int x = 0; x < size; x++)
      {
        int mx = x / module_px - quiet;
        int my = y / module_px - quiet;
        gboolean dark = mx >= 0 && my >= 0 && mx < n && my < n && qrs_symbol_is_dark (symbol, mx, my);
        guint32 pixel = render_test_get_pixel (surface, x + offset_x, y + offset_y);

        if (pixel != (dark ? fg : bg))
          {
            if (wrong++ < 5)
              g_test_message ("pixel %d,%d (module %d,%d) is %08x, expected %08x",
                              x, y, mx, my, pixel, dark ? fg : bg);
          }
      }

  g_assert_cmpuint (wrong, ==, 0);
}

static void
test_layout_basic (void)
{
  g_autoptr(QrsRenderer) renderer = qrs_renderer_new ();
  g_autoptr(QrsDesign) design = qrs_design_new ();
  g_autoptr(QrsSymbol) symbol = encode ("HELLO WORLD", QRS_EC_LEVEL_Q, 0);
  QrsLayout layout;

  g_assert_cmpuint (qrs_symbol_get_width (symbol), ==, 21);

  qrs_renderer_get_layout (renderer, design, symbol, 290, &layout);
  g_assert_cmpfloat (layout.width, ==, 290);
  g_assert_cmpfloat (layout.height, ==, 290);
  g_assert_cmpfloat (layout.code_x, ==, 0);
  g_assert_cmpfloat (layout.code_y, ==, 0);
  g_assert_cmpfloat (layout.code_size, ==, 290);
  g_assert_cmpfloat_with_epsilon (layout.module_size, 10, 1e-9);
  g_assert_cmpfloat (layout.caption_height, ==, 0);
  g_assert_cmpfloat (layout.logo_size, ==, 0);

  qrs_design_set_quiet_zone (design, 0);
  qrs_renderer_get_layout (renderer, design, symbol, 210, &layout);
  g_assert_cmpfloat_with_epsilon (layout.module_size, 10, 1e-9);

  g_assert_finalize_object (g_steal_pointer (&renderer));
}

static void
test_pixels_exact (void)
{
  g_autoptr(QrsRenderer) renderer = qrs_renderer_new ();
  g_autoptr(QrsDesign) design = coloured_design ();
  g_autoptr(QrsSymbol) symbol = encode ("https://example.org/pixels", QRS_EC_LEVEL_M, 0);
  guint quiet = qrs_design_get_effective_quiet_zone (design);
  int size = (qrs_symbol_get_width (symbol) + 2 * quiet) * MODULE_PX;
  cairo_surface_t *surface;

  surface = draw (renderer, design, symbol, size, size, size);
  assert_exact_pixels (surface, symbol, quiet, MODULE_PX, 0, 0);
  cairo_surface_destroy (surface);
}

/* The same image drawn at a whole-pixel offset, and on a HiDPI surface
 * where one user unit is two device pixels. */
static void
test_pixels_device_transform (void)
{
  g_autoptr(QrsRenderer) renderer = qrs_renderer_new ();
  g_autoptr(QrsDesign) design = coloured_design ();
  g_autoptr(QrsSymbol) symbol = encode ("device transform", QRS_EC_LEVEL_H, 0);
  guint quiet = qrs_design_get_effective_quiet_zone (design);
  int size = (qrs_symbol_get_width (symbol) + 2 * quiet) * MODULE_PX;
  g_autoptr(GError) error = NULL;
  cairo_surface_t *surface;
  cairo_t *cr;

  surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, size + 20, size + 20);
  cr = cairo_create (surface);
  cairo_translate (cr, 3, 7);
  g_assert_true (qrs_renderer_draw (renderer, design, symbol, cr, size, &error));
  g_assert_no_error (error);
  cairo_destroy (cr);
  assert_exact_pixels (surface, symbol, quiet, MODULE_PX, 3, 7);
  g_assert_cmphex (render_test_get_pixel (surface, 2, 6), ==, 0);
  cairo_surface_destroy (surface);

  surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, size, size);
  cairo_surface_set_device_scale (surface, 2, 2);
  cr = cairo_create (surface);
  g_assert_true (qrs_renderer_draw (renderer, design, symbol, cr, size / 2.0, &error));
  g_assert_no_error (error);
  cairo_destroy (cr);
  assert_exact_pixels (surface, symbol, quiet, MODULE_PX, 0, 0);
  cairo_surface_destroy (surface);
}

static void
assert_two_colours (cairo_surface_t *surface,
                    int              size,
                    guint32          fg,
                    guint32          bg)
{
  for (int y = 0; y < size; y++)
    for (int x = 0; x < size; x++)
      {
        guint32 pixel = render_test_get_pixel (surface, x, y);

        if (pixel != fg && pixel != bg)
          g_error ("pixel %d,%d is %08x: neither foreground nor background", x, y, pixel);
      }
}

/* A module size that is not a whole number of pixels still gives crisp
 * modules on an image: edges snap to pixels, so every pixel is exactly
 * foreground or background and every module centre is right. */
static void
test_pixels_fractional (void)
{
  g_autoptr(QrsRenderer) renderer = qrs_renderer_new ();
  g_autoptr(QrsDesign) design = coloured_design ();
  g_autoptr(QrsSymbol) symbol = encode ("fractional module size", QRS_EC_LEVEL_M, 3);
  guint32 fg = render_test_color_pixel (&dark_blue);
  guint32 bg = render_test_color_pixel (&light_yellow);
  guint quiet = qrs_design_get_effective_quiet_zone (design);
  guint n = qrs_symbol_get_width (symbol);
  g_autoptr(GError) error = NULL;
  double module;
  cairo_surface_t *surface;
  cairo_t *cr;
  int size = 340;

  module = (double)size / (n + 2 * quiet);
  g_assert_cmpfloat (fabs (module - round (module)), >, 0.1);

  surface = draw (renderer, design, symbol, size, size, size);
  assert_two_colours (surface, size, fg, bg);

  for (guint my = 0; my < n; my++)
    for (guint mx = 0; mx < n; mx++)
      {
        int cx = (int)((quiet + mx + 0.5) * module);
        int cy = (int)((quiet + my + 0.5) * module);

        g_assert_cmphex (render_test_get_pixel (surface, cx, cy), ==,
                         qrs_symbol_is_dark (symbol, mx, my) ? fg : bg);
      }

  cairo_surface_destroy (surface);

  /* The same on a HiDPI surface: snapped to its pixels, not to cairo's
   * device units. */
  surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, size, size);
  cairo_surface_set_device_scale (surface, 2, 2);
  cr = cairo_create (surface);
  g_assert_true (qrs_renderer_draw (renderer, design, symbol, cr, size / 2.0, &error));
  g_assert_no_error (error);
  cairo_destroy (cr);
  assert_two_colours (surface, size, fg, bg);
  cairo_surface_destroy (surface);
}

/* A translucent foreground is painted once per pixel: one path for all
 * modules of a colour, never overlapping squares. */
static void
test_pixels_translucent (void)
{
  g_autoptr(QrsRenderer) renderer = qrs_renderer_new ();
  g_autoptr(QrsDesign) design = coloured_design ();
  g_autoptr(QrsSymbol) symbol = encode ("translucent", QRS_EC_LEVEL_L, 0);
  QrsColor half = dark_blue;
  guint quiet = qrs_design_get_effective_quiet_zone (design);
  int size = (qrs_symbol_get_width (symbol) + 2 * quiet) * MODULE_PX;
  cairo_surface_t *surface;
  guint32 bg = render_test_color_pixel (&light_yellow);
  guint32 blended = 0;

  half.alpha = 128;
  qrs_design_set_foreground (design, &half);
  surface = draw (renderer, design, symbol, size, size, size);

  for (int y = 0; y < size; y++)
    for (int x = 0; x < size; x++)
      {
        guint32 pixel = render_test_get_pixel (surface, x, y);

        if (pixel == bg)
          continue;
        if (blended == 0)
          blended = pixel;
        g_assert_cmphex (pixel, ==, blended);
      }

  g_assert_cmphex (blended, !=, 0);
  g_assert_cmphex (blended >> 24, ==, 0xff);
  cairo_surface_destroy (surface);
}

static void
test_pixels_transparent_background (void)
{
  g_autoptr(QrsRenderer) renderer = qrs_renderer_new ();
  g_autoptr(QrsDesign) design = qrs_design_new ();
  g_autoptr(QrsSymbol) symbol = encode ("transparent", QRS_EC_LEVEL_L, 0);
  QrsColor clear = { 255, 255, 255, 0 };
  cairo_surface_t *surface;
  int size = 290;

  qrs_design_set_background (design, &clear);
  surface = draw (renderer, design, symbol, size, size, size);
  g_assert_cmphex (render_test_get_pixel (surface, 5, 5), ==, 0);
  g_assert_cmphex (render_test_get_pixel (surface, 45, 45), ==, 0xff000000);
  cairo_surface_destroy (surface);
}

static void
test_function_pattern_colors (void)
{
  g_autoptr(QrsRenderer) renderer = qrs_renderer_new ();
  g_autoptr(QrsDesign) design = coloured_design ();
  g_autoptr(QrsSymbol) symbol = encode ("colours", QRS_EC_LEVEL_M, 7);
  QrsColor red = { 0xc6, 0x28, 0x28, 0xff };
  QrsColor green = { 0x2e, 0x7d, 0x32, 0xff };
  guint quiet = qrs_design_get_effective_quiet_zone (design);
  guint n = qrs_symbol_get_width (symbol);
  int size = (n + 2 * quiet) * MODULE_PX;
  cairo_surface_t *surface;
  guint data_dark = 0, data_checked = 0;

  qrs_design_set_finder_color (design, &red);
  qrs_design_set_alignment_color (design, &green);
  surface = draw (renderer, design, symbol, size, size, size);

  for (guint my = 0; my < n; my++)
    for (guint mx = 0; mx < n; mx++)
      {
        QrsModule m = qrs_symbol_get_module (symbol, mx, my);
        guint32 pixel = render_test_get_pixel (surface, (quiet + mx) * MODULE_PX + 5,
                                               (quiet + my) * MODULE_PX + 5);
        const QrsColor *expected = &light_yellow;

        if (m & QRS_MODULE_DARK)
          {
            if (m & QRS_MODULE_FINDER)
              expected = &red;
            else if (m & QRS_MODULE_ALIGNMENT)
              expected = &green;
            else
              {
                expected = &dark_blue;
                data_dark++;
              }
          }

        g_assert_cmphex (pixel, ==, render_test_color_pixel (expected));
        data_checked++;
      }

  g_assert_cmpuint (data_dark, >, 0);
  g_assert_cmpuint (data_checked, ==, n * n);
  cairo_surface_destroy (surface);
}

/* A dark module none of whose four neighbours is dark. */
static gboolean
find_lone_module (QrsSymbol *symbol,
                  guint     *out_x,
                  guint     *out_y)
{
  guint n = qrs_symbol_get_width (symbol);

  for (guint y = 1; y + 1 < n; y++)
    for (guint x = 1; x + 1 < n; x++)
      if ((qrs_symbol_get_module (symbol, x, y) & (QRS_MODULE_DARK | QRS_MODULE_DATA)) ==
          (QRS_MODULE_DARK | QRS_MODULE_DATA) &&
          !qrs_symbol_is_dark (symbol, x - 1, y) && !qrs_symbol_is_dark (symbol, x + 1, y) &&
          !qrs_symbol_is_dark (symbol, x, y - 1) && !qrs_symbol_is_dark (symbol, x, y + 1))
        {
          *out_x = x;
          *out_y = y;
          return TRUE;
        }

  return FALSE;
}

/* Dots and rounded modules leave a lone module's corners light, yet draw
 * the finders as solid rings that readers find. */
static void
test_shapes (void)
{
  g_autoptr(QrsSymbol) symbol = encode ("shapes and finders", QRS_EC_LEVEL_M, 2);
  guint32 fg = render_test_color_pixel (&dark_blue);
  guint32 bg = render_test_color_pixel (&light_yellow);
  guint n = qrs_symbol_get_width (symbol);
  guint lx = 0, ly = 0;

  g_assert_true (find_lone_module (symbol, &lx, &ly));

  for (QrsModuleShape shape = QRS_MODULE_SHAPE_DOT; shape <= QRS_MODULE_SHAPE_ROUNDED; shape++)
    {
      g_autoptr(QrsRenderer) renderer = qrs_renderer_new ();
      g_autoptr(QrsDesign) design = coloured_design ();
      guint quiet = qrs_design_get_effective_quiet_zone (design);
      int size = (n + 2 * quiet) * MODULE_PX;
      int q = quiet * MODULE_PX;
      cairo_surface_t *surface;

      g_test_message ("shape %s", qrs_module_shape_to_string (shape));
      qrs_design_set_module_shape (design, shape);
      surface = draw (renderer, design, symbol, size, size, size);

      /* The lone module: dark centre, light corners. */
      g_assert_cmphex (render_test_get_pixel (surface, q + lx * 10 + 5, q + ly * 10 + 5), ==, fg);
      g_assert_cmphex (render_test_get_pixel (surface, q + lx * 10, q + ly * 10), ==, bg);
      g_assert_cmphex (render_test_get_pixel (surface, q + lx * 10 + 9, q + ly * 10 + 9), ==, bg);

      /* Each finder's ring is unbroken along its edges, the light ring
       * inside is light, and the 3 × 3 centre is solid. */
      for (guint f = 0; f < 3; f++)
        {
          int fx = q + (f == 1 ? (n - 7) * 10 : 0);
          int fy = q + (f == 2 ? (n - 7) * 10 : 0);

          for (int t = 10; t < 60; t++)
            {
              g_assert_cmphex (render_test_get_pixel (surface, fx + t, fy + 5), ==, fg);
              g_assert_cmphex (render_test_get_pixel (surface, fx + 5, fy + t), ==, fg);
              g_assert_cmphex (render_test_get_pixel (surface, fx + t, fy + 64), ==, fg);
              g_assert_cmphex (render_test_get_pixel (surface, fx + 64, fy + t), ==, fg);
            }
          g_assert_cmphex (render_test_get_pixel (surface, fx + 15, fy + 15), ==, bg);
          for (int t = 21; t < 49; t++)
            g_assert_cmphex (render_test_get_pixel (surface, fx + t, fy + t), ==, fg);

          /* The ring's outer corner: square for dots, a little round. */
          if (shape == QRS_MODULE_SHAPE_DOT)
            g_assert_cmphex (render_test_get_pixel (surface, fx, fy), ==, fg);
          else
            {
              g_assert_cmphex (render_test_get_pixel (surface, fx, fy), !=, fg);
              g_assert_cmphex (render_test_get_pixel (surface, fx + 3, fy + 3), ==, fg);
            }
        }

      cairo_surface_destroy (surface);
    }
}

/* On an image, dots and rounded modules are stamped from tiles; on any
 * other target they are paths.  Both must look the same. */
static void
test_shapes_tiles_match_paths (void)
{
  g_autoptr(QrsSymbol) symbol = encode ("tiles and paths agree", QRS_EC_LEVEL_Q, 5);

  for (QrsModuleShape shape = QRS_MODULE_SHAPE_DOT; shape <= QRS_MODULE_SHAPE_ROUNDED; shape++)
    for (int size = 450; size <= 470; size += 20)
      {
        g_autoptr(QrsRenderer) renderer = qrs_renderer_new ();
        g_autoptr(QrsDesign) design = coloured_design ();
        g_autoptr(GError) error = NULL;
        cairo_surface_t *tiles, *paths, *recording;
        cairo_t *cr;
        guint differ = 0;

        qrs_design_set_module_shape (design, shape);
        tiles = draw (renderer, design, symbol, size, size, size);

        recording = cairo_recording_surface_create (CAIRO_CONTENT_COLOR_ALPHA, NULL);
        cr = cairo_create (recording);
        g_assert_true (qrs_renderer_draw (renderer, design, symbol, cr, size, &error));
        g_assert_no_error (error);
        cairo_destroy (cr);

        paths = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, size, size);
        cr = cairo_create (paths);
        cairo_set_source_surface (cr, recording, 0, 0);
        cairo_paint (cr);
        cairo_destroy (cr);
        cairo_surface_destroy (recording);

        for (int y = 0; y < size; y++)
          for (int x = 0; x < size; x++)
            {
              guint32 a = render_test_get_pixel (tiles, x, y);
              guint32 b = render_test_get_pixel (paths, x, y);

              for (int shift = 0; shift < 24; shift += 8)
                if (abs ((int)((a >> shift) & 0xff) - (int)((b >> shift) & 0xff)) > 96)
                  {
                    differ++;
                    break;
                  }
            }

        /* 450 px is exactly 10 px a module; at 470 the paths are not
         * snapped, so only edge pixels may differ. */
        g_test_message ("%s at %d px: %u pixels differ", qrs_module_shape_to_string (shape), size, differ);
        g_assert_cmpuint (differ, <, size * size / 25);
        if (size == 450)
          g_assert_cmpuint (differ, <, size * size / 1000);

        /* On a HiDPI surface, tiles land on the same device pixels. */
        if (size == 450)
          {
            cairo_surface_t *hidpi = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, size, size);

            cairo_surface_set_device_scale (hidpi, 2, 2);
            cr = cairo_create (hidpi);
            g_assert_true (qrs_renderer_draw (renderer, design, symbol, cr, size / 2.0, &error));
            g_assert_no_error (error);
            cairo_destroy (cr);

            for (int y = 0; y < size; y++)
              for (int x = 0; x < size; x++)
                g_assert_cmphex (render_test_get_pixel (hidpi, x, y), ==, render_test_get_pixel (tiles, x, y));
            cairo_surface_destroy (hidpi);
          }

        cairo_surface_destroy (tiles);
        cairo_surface_destroy (paths);
      }
}

static void
test_caption_layout (void)
{
  g_autoptr(QrsRenderer) renderer = qrs_renderer_new ();
  g_autoptr(QrsDesign) design = qrs_design_new ();
  g_autoptr(QrsSymbol) symbol = encode ("caption", QRS_EC_LEVEL_M, 0);
  QrsLayout below, above, twice, plain;
  cairo_surface_t *surface;
  guint serial;
  double band;

  qrs_renderer_get_layout (renderer, design, symbol, 290, &plain);

  qrs_design_set_caption (design, "Scan me for the menu, the opening hours and the way to our door");
  qrs_renderer_get_layout (renderer, design, symbol, 290, &below);
  g_assert_cmpfloat (below.caption_height, >, 0);
  g_assert_cmpfloat (below.height, >, below.width);
  g_assert_cmpfloat (below.code_y, ==, 0);
  g_assert_cmpfloat (below.caption_y, >=, below.code_size);
  g_assert_cmpfloat (below.caption_y + below.caption_height, <=, below.height);
  g_assert_cmpfloat_with_epsilon (below.caption_width, 21 * below.module_size, 1e-9);
  /* The band keeps the symbol on the module grid. */
  band = (below.height - below.width) / below.module_size;
  g_assert_cmpfloat_with_epsilon (band, round (band), 1e-9);
  /* A long caption wraps to several lines. */
  g_assert_cmpint (pango_layout_get_line_count (qrs_renderer_get_caption_layout (renderer)), >, 1);

  /* Frame after frame, the layout is kept, not laid out again. */
  serial = pango_layout_get_serial (qrs_renderer_get_caption_layout (renderer));
  qrs_renderer_get_layout (renderer, design, symbol, 290, &below);
  surface = draw (renderer, design, symbol, 290, 290, (int)ceil (below.height));
  cairo_surface_destroy (surface);
  g_assert_cmpuint (pango_layout_get_serial (qrs_renderer_get_caption_layout (renderer)), ==, serial);

  qrs_design_set_caption_position (design, QRS_CAPTION_POSITION_ABOVE);
  qrs_renderer_get_layout (renderer, design, symbol, 290, &above);
  g_assert_cmpfloat (above.height, ==, below.height);
  g_assert_cmpfloat (above.code_y, ==, above.height - above.code_size);
  g_assert_cmpfloat (above.caption_y, >=, 0);
  g_assert_cmpfloat (above.caption_y + above.caption_height, <=, above.code_y);

  /* Twice as wide: everything scales, the caption too. */
  qrs_renderer_get_layout (renderer, design, symbol, 580, &twice);
  g_assert_cmpfloat_with_epsilon (twice.caption_height, 2 * above.caption_height,
                                  0.02 * above.caption_height);
  g_assert_cmpfloat_with_epsilon (twice.height, 2 * above.height, 0.02 * above.height);

  /* Points are physical: 12 pt at 300 dpi is 50 px on a design drawn at
   * its own width; a bigger font makes a taller caption. */
  qrs_design_set_caption (design, "x");
  qrs_design_set_size (design, 290);
  qrs_renderer_get_layout (renderer, design, symbol, 290, &plain);
  g_assert_cmpfloat (plain.caption_height, >, 50);
  g_assert_cmpfloat (plain.caption_height, <, 50 * 1.5);
  qrs_design_set_dpi (design, 150);
  qrs_renderer_get_layout (renderer, design, symbol, 290, &twice);
  g_assert_cmpfloat_with_epsilon (twice.caption_height, plain.caption_height / 2, 1);
}

static void
test_caption_pixels (void)
{
  g_autoptr(QrsRenderer) renderer = qrs_renderer_new ();
  g_autoptr(QrsDesign) design = coloured_design ();
  g_autoptr(QrsSymbol) symbol = encode ("caption pixels", QRS_EC_LEVEL_M, 0);
  QrsColor red = { 0xc6, 0x28, 0x28, 0xff };
  guint quiet = qrs_design_get_effective_quiet_zone (design);
  int size = (qrs_symbol_get_width (symbol) + 2 * quiet) * MODULE_PX;
  guint32 bg = render_test_color_pixel (&light_yellow);
  cairo_surface_t *surface;
  QrsLayout layout;
  guint text = 0;

  qrs_design_set_caption (design, "Menu");
  qrs_design_set_caption_color (design, &red);
  qrs_design_set_caption_font (design, "Sans Bold 6");
  qrs_design_set_size (design, size);
  qrs_renderer_get_layout (renderer, design, symbol, size, &layout);
  surface = draw (renderer, design, symbol, size, size, (int)ceil (layout.height));

  /* The code above is untouched by text... */
  assert_exact_pixels (surface, symbol, quiet, MODULE_PX, 0, 0);
  /* ...and the caption's band holds red text on the background. */
  for (int y = size; y < (int)layout.height; y++)
    for (int x = 0; x < size; x++)
      {
        guint32 pixel = render_test_get_pixel (surface, x, y);

        if (pixel == render_test_color_pixel (&red))
          text++;
        else if (x < layout.caption_x || y > layout.caption_y + layout.caption_height + 1)
          g_assert_cmphex (pixel, ==, bg);
      }

  g_assert_cmpuint (text, >, 50);
  cairo_surface_destroy (surface);
}

static void
test_logo (void)
{
  g_autoptr(QrsRenderer) renderer = qrs_renderer_new ();
  g_autoptr(QrsDesign) design = coloured_design ();
  g_autoptr(GBytes) logo = render_test_make_logo_png (0xff0000);
  g_autoptr(QrsSymbol) symbol = NULL;
  g_autoptr(GError) error = NULL;
  guint32 red = 0xffff0000;
  guint32 bg = render_test_color_pixel (&light_yellow);
  guint quiet, n;
  int size, box0, box1;
  double padding;
  cairo_surface_t *surface;
  QrsLayout layout;

  g_assert_true (qrs_design_set_logo (design, logo, &error));
  g_assert_no_error (error);
  qrs_design_set_ec_level (design, QRS_EC_LEVEL_H);
  symbol = encode ("https://example.org/a/logo/in/the/middle", QRS_EC_LEVEL_H, 0);
  quiet = qrs_design_get_effective_quiet_zone (design);
  n = qrs_symbol_get_width (symbol);
  size = (n + 2 * quiet) * MODULE_PX;
  padding = qrs_design_get_logo_padding (design);

  qrs_renderer_get_layout (renderer, design, symbol, size, &layout);
  g_assert_cmpfloat (layout.logo_size, >, 0);
  g_assert_cmpfloat (layout.logo_size, <=,
                     qrs_design_get_effective_logo_ratio (design) * n * MODULE_PX + 1e-9);
  /* Centred on the symbol. */
  g_assert_cmpfloat_with_epsilon (layout.logo_x + layout.logo_size / 2, size / 2.0, 1e-9);
  g_assert_cmpfloat_with_epsilon (layout.logo_y + layout.logo_size / 2, size / 2.0, 1e-9);

  surface = draw (renderer, design, symbol, size, size, size);
  g_assert_cmphex (render_test_get_pixel (surface, size / 2, size / 2), ==, red);
  g_assert_cmphex (render_test_get_pixel (surface, (int)layout.logo_x + 1, (int)layout.logo_y + 1), ==, red);

  /* Around the logo, the padding is background: no module drawn there.
   * The cleared box is whole modules, so its edges fall on module
   * edges. */
  box0 = (int)floor ((layout.logo_x - padding * MODULE_PX) / MODULE_PX + 1e-6) * MODULE_PX;
  box1 = size - box0;
  g_test_message ("n %u logo %g+%g box %d..%d", n, layout.logo_x, layout.logo_size, box0, box1);
  for (int y = box0; y < box1; y++)
    for (int x = box0; x < box1; x++)
      {
        gboolean in_logo = x >= layout.logo_x && x < layout.logo_x + layout.logo_size &&
                           y >= layout.logo_y && y < layout.logo_y + layout.logo_size;

        if (!in_logo)
          g_assert_cmphex (render_test_get_pixel (surface, x, y), ==, bg);
      }
  cairo_surface_destroy (surface);

  /* Decoded once, then taken from the cache frame after frame. */
  g_assert_cmpuint (qrs_renderer_get_logo_decodes (renderer), ==, 1);
  surface = draw (renderer, design, symbol, size, size, size);
  cairo_surface_destroy (surface);
  g_assert_cmpuint (qrs_renderer_get_logo_decodes (renderer), ==, 1);
  surface = draw (renderer, design, symbol, size * 2, size * 2, size * 2);
  cairo_surface_destroy (surface);
  g_assert_cmpuint (qrs_renderer_get_logo_decodes (renderer), ==, 2);
}

/* Function patterns that error correction cannot restore stay visible
 * even when a big logo would cover them on a small symbol. */
static void
test_logo_spares_function_patterns (void)
{
  g_autoptr(QrsRenderer) renderer = qrs_renderer_new ();
  g_autoptr(QrsDesign) design = qrs_design_new ();
  g_autoptr(GBytes) logo = render_test_make_logo_png (0x00ff00);
  g_autoptr(QrsModulePlan) plan = NULL;

  g_assert_true (qrs_design_set_logo (design, logo, NULL));
  qrs_design_set_ec_level (design, QRS_EC_LEVEL_H);
  qrs_design_set_logo_ratio (design, 0.4);
  qrs_design_set_logo_padding (design, 2);

  for (int version = 1; version <= 10; version++)
    {
      g_autoptr(QrsSymbol) symbol = encode ("x", QRS_EC_LEVEL_H, version);
      guint n = qrs_symbol_get_width (symbol);

      g_clear_pointer (&plan, qrs_module_plan_free);
      plan = qrs_module_plan_new (design, symbol);
      g_assert_true (plan->has_logo);
      g_assert_cmpuint (plan->logo_box_size % 2, ==, 1);
      g_assert_cmpuint (2 * plan->logo_box_start + plan->logo_box_size, ==, n);

      for (guint y = 0; y < n; y++)
        for (guint x = 0; x < n; x++)
          {
            QrsModule m = qrs_symbol_get_module (symbol, x, y);
            gboolean drawn = plan->cells[y * n + x] != QRS_PAINT_NONE;

            if ((m & QRS_MODULE_DARK) && !(m & (QRS_MODULE_DATA | QRS_MODULE_ALIGNMENT)))
              g_assert_true (drawn);
          }
    }
}

static void
test_logo_svg (void)
{
  g_autoptr(QrsRenderer) renderer = qrs_renderer_new ();
  g_autoptr(QrsDesign) design = coloured_design ();
  g_autoptr(GBytes) logo = render_test_make_logo_svg (0x00ff00);
  g_autoptr(QrsSymbol) symbol = encode ("https://example.org/svg/logo", QRS_EC_LEVEL_H, 0);
  cairo_surface_t *surface;
  QrsLayout layout;
  int size = 600;

  g_assert_true (qrs_design_set_logo (design, logo, NULL));
  g_assert_cmpstr (qrs_design_get_logo_media_type (design), ==, "image/svg+xml");
  qrs_renderer_get_layout (renderer, design, symbol, size, &layout);
  surface = draw (renderer, design, symbol, size, size, size);

  /* Drawn by librsvg's loader at the target size: the circle's edge is
   * a single soft pixel, not a blurred upscale of a 10-pixel image. */
  g_assert_cmphex (render_test_get_pixel (surface, size / 2, size / 2), ==, 0xff00ff00);
  g_assert_cmphex (render_test_get_pixel (surface, size / 2, (int)layout.logo_y + 3), ==, 0xff00ff00);
  cairo_surface_destroy (surface);
}

static void
test_logo_broken (void)
{
  g_autoptr(QrsRenderer) renderer = qrs_renderer_new ();
  g_autoptr(QrsDesign) design = qrs_design_new ();
  g_autoptr(QrsSymbol) symbol = encode ("broken logo", QRS_EC_LEVEL_H, 0);
  static const char broken[] = "\x89PNG\r\n\x1a\nthis is not a PNG at all";
  g_autoptr(GBytes) logo = g_bytes_new_static (broken, sizeof broken - 1);
  g_autoptr(GError) error = NULL;
  cairo_surface_t *surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, 100, 100);
  cairo_t *cr = cairo_create (surface);

  g_assert_true (qrs_design_set_logo (design, logo, NULL));
  g_assert_false (qrs_renderer_draw (renderer, design, symbol, cr, 100, &error));
  g_assert_error (error, QRS_RENDER_ERROR, QRS_RENDER_ERROR_LOGO);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, "logo"));
  /* Nothing drawn. */
  g_assert_cmphex (render_test_get_pixel (surface, 50, 50), ==, 0);
  g_assert_cmphex (render_test_get_pixel (surface, 0, 0), ==, 0);

  cairo_destroy (cr);
  cairo_surface_destroy (surface);
}

static void
test_micro (void)
{
  g_autoptr(QrsRenderer) renderer = qrs_renderer_new ();
  g_autoptr(QrsDesign) design = coloured_design ();
  g_autoptr(GError) error = NULL;
  g_autoptr(QrsSymbol) symbol = NULL;
  guint quiet;
  int size;
  cairo_surface_t *surface;

  qrs_design_set_symbol_type (design, QRS_SYMBOL_TYPE_MICRO_QR);
  symbol = qrs_symbol_encode ("12345", -1, QRS_SYMBOL_TYPE_MICRO_QR, QRS_EC_LEVEL_L, 0, &error);
  g_assert_no_error (error);
  quiet = qrs_design_get_effective_quiet_zone (design);
  g_assert_cmpuint (quiet, ==, 2);
  size = (qrs_symbol_get_width (symbol) + 2 * quiet) * MODULE_PX;

  surface = draw (renderer, design, symbol, size, size, size);
  assert_exact_pixels (surface, symbol, quiet, MODULE_PX, 0, 0);
  cairo_surface_destroy (surface);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/renderer/layout/basic", test_layout_basic);
  g_test_add_func ("/renderer/layout/caption", test_caption_layout);
  g_test_add_func ("/renderer/pixels/exact", test_pixels_exact);
  g_test_add_func ("/renderer/pixels/device-transform", test_pixels_device_transform);
  g_test_add_func ("/renderer/pixels/fractional", test_pixels_fractional);
  g_test_add_func ("/renderer/pixels/translucent", test_pixels_translucent);
  g_test_add_func ("/renderer/pixels/transparent-background", test_pixels_transparent_background);
  g_test_add_func ("/renderer/pixels/function-pattern-colors", test_function_pattern_colors);
  g_test_add_func ("/renderer/pixels/caption", test_caption_pixels);
  g_test_add_func ("/renderer/shapes", test_shapes);
  g_test_add_func ("/renderer/shapes/tiles-match-paths", test_shapes_tiles_match_paths);
  g_test_add_func ("/renderer/logo/png", test_logo);
  g_test_add_func ("/renderer/logo/svg", test_logo_svg);
  g_test_add_func ("/renderer/logo/broken", test_logo_broken);
  g_test_add_func ("/renderer/logo/spares-function-patterns", test_logo_spares_function_patterns);
  g_test_add_func ("/renderer/micro", test_micro);

  return g_test_run ();
}
