/* bench-render.c — how long one frame of the live preview takes
 *
 * Draws a version-40-H symbol onto a 1024 × 1024 cairo image surface
 * again and again with one renderer, as the preview does, and prints the
 * median and other percentiles.  Run it by hand on an optimised build
 * without sanitizers:
 *
 *   bench-render [--frames N] [--shape square|dot|rounded] [--logo] [--caption]
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <stdlib.h>

#include "qrs-renderer.h"
#include "render-test-utils.h"

static int
compare_doubles (gconstpointer a,
                 gconstpointer b)
{
  double x = *(const double *)a;
  double y = *(const double *)b;

  return (x > y) - (x < y);
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GOptionContext) context = g_option_context_new (NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(QrsRenderer) renderer = qrs_renderer_new ();
  g_autoptr(QrsDesign) design = qrs_design_new ();
  g_autoptr(QrsSymbol) symbol = NULL;
  g_autofree double *times = NULL;
  g_autofree char *shape_name = NULL;
  g_autofree char *payload = NULL;
  cairo_surface_t *surface;
  QrsModuleShape shape = QRS_MODULE_SHAPE_SQUARE;
  gboolean with_logo = FALSE, with_caption = FALSE;
  int frames = 1000;
  int size = 1024;
  GOptionEntry entries[] = {
    { "frames", 'n', 0, G_OPTION_ARG_INT, &frames, "Frames to draw", "N" },
    { "size", 0, 0, G_OPTION_ARG_INT, &size, "Surface width in pixels", "PX" },
    { "shape", 0, 0, G_OPTION_ARG_STRING, &shape_name, "Module shape", "SHAPE" },
    { "logo", 0, 0, G_OPTION_ARG_NONE, &with_logo, "Draw a logo", NULL },
    { "caption", 0, 0, G_OPTION_ARG_NONE, &with_caption, "Draw a caption", NULL },
    { NULL }
  };

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("%s\n", error->message);
      return 2;
    }
  if (shape_name != NULL && !qrs_module_shape_from_string (shape_name, &shape))
    {
      g_printerr ("unknown shape %s\n", shape_name);
      return 2;
    }
  frames = MAX (frames, 1);

  qrs_design_set_ec_level (design, QRS_EC_LEVEL_H);
  qrs_design_set_module_shape (design, shape);
  qrs_design_set_size (design, size);
  if (with_logo)
    {
      g_autoptr(GBytes) logo = render_test_make_logo_png (0xd81b60);

      qrs_design_set_logo (design, logo, NULL);
    }
  if (with_caption)
    qrs_design_set_caption (design, "Scan me for the menu and the opening hours");

  /* Enough bytes for version 40 at level H (1273 bytes at most). */
  payload = g_strnfill (1200, 'x');
  for (int i = 0; i < 1200; i++)
    payload[i] = 'a' + (i * 7919) % 26;
  symbol = qrs_symbol_encode (payload, -1, QRS_SYMBOL_TYPE_QR, QRS_EC_LEVEL_H, 40, &error);
  if (symbol == NULL)
    {
      g_printerr ("%s\n", error->message);
      return 1;
    }

  surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, size, size + size / 2);
  times = g_new (double, frames);

  for (int i = -10; i < frames; i++)
    {
      cairo_t *cr = cairo_create (surface);
      gint64 start = g_get_monotonic_time ();

      if (!qrs_renderer_draw (renderer, design, symbol, cr, size, &error))
        {
          g_printerr ("%s\n", error->message);
          return 1;
        }
      cairo_surface_flush (surface);
      if (i >= 0)
        times[i] = (g_get_monotonic_time () - start) / 1000.0;
      cairo_destroy (cr);
    }

  qsort (times, frames, sizeof *times, compare_doubles);
  g_print ("version %d-%s, %u modules, %d × %d px, shape %s%s%s, %d frames: "
           "median %.3f ms, p10 %.3f ms, p90 %.3f ms, max %.3f ms\n",
           qrs_symbol_get_version (symbol), qrs_ec_level_to_string (qrs_symbol_get_ec_level (symbol)),
           qrs_symbol_get_width (symbol), size, size, qrs_module_shape_to_string (shape),
           with_logo ? ", logo" : "", with_caption ? ", caption" : "", frames,
           times[frames / 2], times[frames / 10], times[frames * 9 / 10], times[frames - 1]);

  cairo_surface_destroy (surface);
  return 0;
}
