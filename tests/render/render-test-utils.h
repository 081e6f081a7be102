/* render-test-utils.h — helpers shared by the render tests
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <cairo.h>

#include "qrs-design.h"

G_BEGIN_DECLS

/* A 64 × 64 PNG: an opaque square of @rgb (0xRRGGBB), made with cairo. */
GBytes  *render_test_make_logo_png (guint32          rgb);
/* A 64 × 64 PNG of many colours: a diagonal gradient. */
GBytes  *render_test_make_gradient_logo_png (void);
/* A small SVG logo: a circle of @rgb on a transparent square. */
GBytes  *render_test_make_logo_svg (guint32          rgb);

/* The pixel at (@x, @y) as cairo stores it: premultiplied 0xAARRGGBB. */
guint32  render_test_get_pixel     (cairo_surface_t *surface,
                                    int              x,
                                    int              y);
guint32  render_test_color_pixel   (const QrsColor  *color);

/* The absolute path of a tool the tests need, or %NULL after failing
 * the test with a message that says how to install it. */
char    *render_test_find_tool     (const char      *name);

G_END_DECLS
