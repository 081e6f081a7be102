/* render-test-utils.c — helpers shared by the render tests
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "render-test-utils.h"

static cairo_status_t
append_cb (void                *closure,
           const unsigned char *data,
           unsigned int         length)
{
  g_byte_array_append (closure, data, length);
  return CAIRO_STATUS_SUCCESS;
}

GBytes *
render_test_make_logo_png (guint32 rgb)
{
  cairo_surface_t *surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, 64, 64);
  cairo_t *cr = cairo_create (surface);
  GByteArray *png = g_byte_array_new ();

  cairo_set_source_rgb (cr, ((rgb >> 16) & 0xff) / 255.0, ((rgb >> 8) & 0xff) / 255.0,
                        (rgb & 0xff) / 255.0);
  cairo_paint (cr);
  cairo_destroy (cr);
  g_assert_cmpint (cairo_surface_write_to_png_stream (surface, append_cb, png), ==,
                   CAIRO_STATUS_SUCCESS);
  cairo_surface_destroy (surface);

  return g_byte_array_free_to_bytes (png);
}

GBytes *
render_test_make_gradient_logo_png (void)
{
  cairo_surface_t *surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, 64, 64);
  cairo_t *cr = cairo_create (surface);
  cairo_pattern_t *gradient = cairo_pattern_create_linear (0, 0, 64, 64);
  GByteArray *png = g_byte_array_new ();

  cairo_pattern_add_color_stop_rgb (gradient, 0, 1, 0, 0);
  cairo_pattern_add_color_stop_rgb (gradient, 0.5, 0, 1, 0);
  cairo_pattern_add_color_stop_rgb (gradient, 1, 0, 0, 1);
  cairo_set_source (cr, gradient);
  cairo_paint (cr);
  cairo_pattern_destroy (gradient);
  cairo_destroy (cr);
  g_assert_cmpint (cairo_surface_write_to_png_stream (surface, append_cb, png), ==,
                   CAIRO_STATUS_SUCCESS);
  cairo_surface_destroy (surface);

  return g_byte_array_free_to_bytes (png);
}

GBytes *
render_test_make_logo_svg (guint32 rgb)
{
  char *svg = g_strdup_printf ("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"10\" height=\"10\" "
                               "viewBox=\"0 0 10 10\"><circle cx=\"5\" cy=\"5\" r=\"5\" "
                               "fill=\"#%06x\"/></svg>", rgb);

  return g_bytes_new_take (svg, strlen (svg));
}

guint32
render_test_get_pixel (cairo_surface_t *surface,
                       int              x,
                       int              y)
{
  const guint8 *data;
  guint32 pixel;

  cairo_surface_flush (surface);
  g_assert_cmpint (x, >=, 0);
  g_assert_cmpint (y, >=, 0);
  g_assert_cmpint (x, <, cairo_image_surface_get_width (surface));
  g_assert_cmpint (y, <, cairo_image_surface_get_height (surface));

  data = cairo_image_surface_get_data (surface);
  memcpy (&pixel, data + (gsize)y * cairo_image_surface_get_stride (surface) + 4 * x, 4);

  if (cairo_image_surface_get_format (surface) == CAIRO_FORMAT_RGB24)
    pixel |= 0xff000000;

  return pixel;
}

guint32
render_test_color_pixel (const QrsColor *color)
{
  guint a = color->alpha;

  return a << 24 |
         ((color->red * a + 127) / 255) << 16 |
         ((color->green * a + 127) / 255) << 8 |
         ((color->blue * a + 127) / 255);
}

char *
render_test_find_tool (const char *name)
{
  char *path = g_find_program_in_path (name);

  if (path == NULL)
    g_test_fail_printf ("%s is not installed: run tools/setup, which installs every tool the tests need", name);

  return path;
}
