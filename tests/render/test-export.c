/* test-export.c — formats, physical sizes, accessibility and atomic files
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gdk-pixbuf/gdk-pixbuf.h>
#include <glib/gstdio.h>

#include "qrs-export.h"
#include "qrs-render-private.h"
#include "qrs-renderer.h"
#include "render-test-utils.h"

static const QrsColor dark_blue = { 0x1a, 0x23, 0x7e, 0xff };
static const QrsColor light_yellow = { 0xff, 0xf5, 0x9d, 0xff };

typedef struct
{
  char *dir;
} Fixture;

static void
fixture_setup (Fixture       *fixture,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  fixture->dir = g_dir_make_tmp ("qrs-export-XXXXXX", &error);
  g_assert_no_error (error);
}

static guint
count_files (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  guint count = 0;

  while (dir != NULL && g_dir_read_name (dir) != NULL)
    count++;

  return count;
}

static void
fixture_teardown (Fixture       *fixture,
                  gconstpointer  data)
{
  g_autoptr(GDir) dir = g_dir_open (fixture->dir, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)))
    {
      g_autofree char *path = g_build_filename (fixture->dir, name, NULL);

      g_assert_cmpint (g_unlink (path), ==, 0);
    }
  g_assert_cmpint (g_rmdir (fixture->dir), ==, 0);
  g_free (fixture->dir);
}

static QrsSymbol *
encode (QrsDesign  *design,
        const char *text)
{
  g_autoptr(GError) error = NULL;
  QrsSymbol *symbol = qrs_design_encode (design, text, &error);

  g_assert_no_error (error);
  return symbol;
}

static GBytes *
export_bytes (QrsDesign       *design,
              QrsSymbol       *symbol,
              QrsExportFormat  format)
{
  g_autoptr(GError) error = NULL;
  GBytes *bytes = qrs_export_to_bytes (design, symbol, format, &error);

  g_assert_no_error (error);
  g_assert_nonnull (bytes);
  return bytes;
}

static char *
bytes_to_string (GBytes *bytes)
{
  return g_strndup (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
}

/* Runs a tool and returns what it printed, or %NULL after failing. */
static char *
run_tool (const char *const *argv)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = render_test_find_tool (argv[0]);
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  int status;

  if (path == NULL)
    return NULL;

  g_spawn_sync (NULL, (char **)argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL,
                &out, &err, &status, &error);
  g_assert_no_error (error);
  if (!g_spawn_check_wait_status (status, &error))
    g_error ("%s failed: %s: %s", argv[0], error->message, err);

  return g_steal_pointer (&out);
}

static void
test_format_names (void)
{
  struct { const char *name; QrsExportFormat format; } good[] = {
    { "code.png", QRS_EXPORT_FORMAT_PNG },
    { "CODE.PNG", QRS_EXPORT_FORMAT_PNG },
    { "/tmp/a.b/code.svg", QRS_EXPORT_FORMAT_SVG },
    { "code.Pdf", QRS_EXPORT_FORMAT_PDF },
    { "code.eps", QRS_EXPORT_FORMAT_EPS },
    { "code.jpg", QRS_EXPORT_FORMAT_JPEG },
    { "code.JpEg", QRS_EXPORT_FORMAT_JPEG },
    { "code.webp", QRS_EXPORT_FORMAT_WEBP },
  };
  const char *bad[] = { "code.gif", "code", "code.", "png", ".png", "/tmp/x.png/code", "code.png.txt" };

  for (guint i = 0; i < G_N_ELEMENTS (good); i++)
    {
      g_autoptr(GError) error = NULL;
      QrsExportFormat format = -1;

      g_assert_true (qrs_export_format_from_filename (good[i].name, &format, &error));
      g_assert_no_error (error);
      g_assert_cmpint (format, ==, good[i].format);
    }

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GError) error = NULL;
      QrsExportFormat format;

      g_assert_false (qrs_export_format_from_filename (bad[i], &format, &error));
      g_assert_error (error, QRS_EXPORT_ERROR, QRS_EXPORT_ERROR_UNKNOWN_FORMAT);
      /* The message names every accepted extension. */
      for (const char *const *ext = (const char *const[]) { ".png", ".svg", ".pdf", ".eps", ".jpg", ".jpeg", ".webp", NULL };
           *ext != NULL; ext++)
        g_assert_nonnull (strstr (error->message, *ext));
    }

  for (QrsExportFormat format = QRS_EXPORT_FORMAT_PNG; format <= QRS_EXPORT_FORMAT_WEBP; format++)
    {
      const char *ext = qrs_export_format_get_extension (format);
      g_autofree char *upper = g_ascii_strup (ext, -1);
      QrsExportFormat back;

      g_assert_true (qrs_export_format_from_string (upper, &back));
      g_assert_cmpint (back, ==, format);
      g_assert_nonnull (qrs_export_format_get_media_type (format));
    }
  g_assert_false (qrs_export_format_from_string ("gif", NULL));
  g_assert_cmpstr (qrs_export_format_get_media_type (QRS_EXPORT_FORMAT_SVG), ==, "image/svg+xml");
}

/* The PNG's chunks, read by hand: IHDR's size and pHYs' resolution. */
static void
read_png_chunks (GBytes  *png,
                 guint32 *width,
                 guint32 *height,
                 guint32 *ppm_x,
                 guint32 *ppm_y,
                 guint8  *unit,
                 char   **title)
{
  gsize size;
  const guint8 *data = g_bytes_get_data (png, &size);
  gsize pos = 8;

  g_assert_cmpmem (data, 8, "\x89PNG\r\n\x1a\n", 8);
  *ppm_x = *ppm_y = 0;
  *unit = 0;

  while (pos + 12 <= size)
    {
      guint32 length;
      const guint8 *type = data + pos + 4;
      const guint8 *body = data + pos + 8;

      memcpy (&length, data + pos, 4);
      length = GUINT32_FROM_BE (length);
      g_assert_cmpuint (pos + 12 + length, <=, size);

      if (memcmp (type, "IHDR", 4) == 0)
        {
          memcpy (width, body, 4);
          memcpy (height, body + 4, 4);
          *width = GUINT32_FROM_BE (*width);
          *height = GUINT32_FROM_BE (*height);
        }
      else if (memcmp (type, "pHYs", 4) == 0)
        {
          g_assert_cmpuint (length, ==, 9);
          memcpy (ppm_x, body, 4);
          memcpy (ppm_y, body + 4, 4);
          *ppm_x = GUINT32_FROM_BE (*ppm_x);
          *ppm_y = GUINT32_FROM_BE (*ppm_y);
          *unit = body[8];
        }
      else if ((memcmp (type, "tEXt", 4) == 0 || memcmp (type, "iTXt", 4) == 0) &&
               length > 6 && memcmp (body, "Title", 6) == 0 && title != NULL)
        {
          const char *text = (const char *)body + 6;
          gsize text_length = length - 6;

          /* iTXt: compression flag, method, language and translated
           * keyword precede the text. */
          if (type[0] == 'i')
            {
              text += 2;
              text_length -= 2;
              for (int nuls = 0; nuls < 2; text++, text_length--)
                if (*text == '\0')
                  nuls++;
            }
          /* tEXt is Latin-1, iTXt UTF-8. */
          if (type[0] == 'i')
            *title = g_strndup (text, text_length);
          else
            *title = g_convert (text, text_length, "UTF-8", "ISO-8859-1", NULL, NULL, NULL);
        }

      pos += 12 + length;
    }
}

static void
test_png_size_and_dpi (void)
{
  g_autoptr(QrsDesign) design = qrs_design_new ();
  g_autoptr(QrsSymbol) symbol = NULL;
  g_autoptr(GBytes) png = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *title = NULL;
  guint32 width = 0, height = 0, ppm_x, ppm_y;
  guint8 unit;

  g_assert_true (qrs_design_set_size_from_string (design, "40mm", &error));
  g_assert_no_error (error);
  qrs_design_set_dpi (design, 300);
  qrs_design_set_title (design, "Menü");
  symbol = encode (design, "https://example.org/dpi");
  png = export_bytes (design, symbol, QRS_EXPORT_FORMAT_PNG);

  read_png_chunks (png, &width, &height, &ppm_x, &ppm_y, &unit, &title);
  /* 40 mm at 300 dpi: 472.4 pixels, and 300 / 0.0254 pixels per metre. */
  g_assert_cmpuint (width, ==, 472);
  g_assert_cmpuint (height, ==, 472);
  g_assert_cmpuint (unit, ==, 1);
  g_assert_cmpuint (ppm_x, ==, 11811);
  g_assert_cmpuint (ppm_y, ==, 11811);
  g_assert_cmpstr (title, ==, "Menü");

  /* A caption makes the image taller, never wider. */
  qrs_design_set_caption (design, "Menu");
  g_clear_pointer (&png, g_bytes_unref);
  png = export_bytes (design, symbol, QRS_EXPORT_FORMAT_PNG);
  read_png_chunks (png, &width, &height, &ppm_x, &ppm_y, &unit, NULL);
  g_assert_cmpuint (width, ==, 472);
  g_assert_cmpuint (height, >, 472);

  qrs_design_set_dpi (design, 72);
  g_clear_pointer (&png, g_bytes_unref);
  png = export_bytes (design, symbol, QRS_EXPORT_FORMAT_PNG);
  read_png_chunks (png, &width, &height, &ppm_x, &ppm_y, &unit, NULL);
  g_assert_cmpuint (width, ==, 113);
  g_assert_cmpuint (ppm_x, ==, 2835);
}

static GdkPixbuf *
pixbuf_from_bytes (GBytes *bytes)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GInputStream) stream = g_memory_input_stream_new_from_bytes (bytes);
  GdkPixbuf *pixbuf = gdk_pixbuf_new_from_stream (stream, NULL, &error);

  g_assert_no_error (error);
  return pixbuf;
}

static void
get_rgb (GdkPixbuf *pixbuf,
         int        x,
         int        y,
         guint8     rgb[3])
{
  const guint8 *p = gdk_pixbuf_read_pixels (pixbuf) + y * gdk_pixbuf_get_rowstride (pixbuf) +
                    x * gdk_pixbuf_get_n_channels (pixbuf);

  memcpy (rgb, p, 3);
}

/* The PNG holds exactly the renderer's pixels: every module centre. */
static void
test_png_pixels (void)
{
  g_autoptr(QrsDesign) design = qrs_design_new ();
  g_autoptr(QrsSymbol) symbol = NULL;
  g_autoptr(GBytes) png = NULL;
  g_autoptr(GdkPixbuf) pixbuf = NULL;
  guint n, quiet;

  qrs_design_set_foreground (design, &dark_blue);
  qrs_design_set_background (design, &light_yellow);
  symbol = encode (design, "pixels of a PNG");
  n = qrs_symbol_get_width (symbol);
  quiet = qrs_design_get_effective_quiet_zone (design);
  qrs_design_set_size (design, (n + 2 * quiet) * 10);

  png = export_bytes (design, symbol, QRS_EXPORT_FORMAT_PNG);
  pixbuf = pixbuf_from_bytes (png);
  /* An opaque background needs no alpha channel. */
  g_assert_false (gdk_pixbuf_get_has_alpha (pixbuf));
  g_assert_cmpint (gdk_pixbuf_get_width (pixbuf), ==, (n + 2 * quiet) * 10);

  for (guint y = 0; y < n; y++)
    for (guint x = 0; x < n; x++)
      {
        const QrsColor *c = qrs_symbol_is_dark (symbol, x, y) ? &dark_blue : &light_yellow;
        guint8 rgb[3];

        get_rgb (pixbuf, (quiet + x) * 10 + 5, (quiet + y) * 10 + 5, rgb);
        g_assert_cmpuint (rgb[0], ==, c->red);
        g_assert_cmpuint (rgb[1], ==, c->green);
        g_assert_cmpuint (rgb[2], ==, c->blue);
      }
}

/* Our PNG encoder picks a palette of 1 to 8 bits, or truecolour with or
 * without alpha; libpng (through gdk-pixbuf) must read every kind back
 * as exactly the pixels the renderer drew. */
static void
test_png_encodings (void)
{
  g_autoptr(GBytes) logo = render_test_make_gradient_logo_png ();
  struct { const char *name; guint8 color_type; guint8 depth; } cases[] = {
    { "two colours", 3, 1 },
    { "four colours", 3, 2 },
    { "caption", 3, 8 },
    { "logo", 2, 8 },
    { "transparent logo", 6, 8 },
    { "transparent", 3, 1 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(QrsDesign) design = qrs_design_new ();
      g_autoptr(QrsRenderer) renderer = qrs_renderer_new ();
      g_autoptr(QrsSymbol) symbol = NULL;
      g_autoptr(GBytes) png = NULL;
      g_autoptr(GdkPixbuf) pixbuf = NULL;
      g_autoptr(GError) error = NULL;
      QrsColor clear = { 0x10, 0x20, 0x30, 0 };
      QrsColor finder = { 0xc6, 0x28, 0x28, 0xff };
      QrsColor alignment = { 0x2e, 0x7d, 0x32, 0x80 };
      cairo_surface_t *surface;
      cairo_t *cr;
      const guint8 *data;
      QrsLayout layout;
      guint wrong = 0;
      int width, height;

      g_test_message ("%s", cases[i].name);
      qrs_design_set_size (design, 333);
      switch (i)
        {
        case 1:
          qrs_design_set_finder_color (design, &finder);
          qrs_design_set_alignment_color (design, &alignment);
          break;
        case 2:
          qrs_design_set_caption (design, "Grüße");
          break;
        case 3:
          g_assert_true (qrs_design_set_logo (design, logo, NULL));
          qrs_design_set_module_shape (design, QRS_MODULE_SHAPE_DOT);
          break;
        case 4:
          g_assert_true (qrs_design_set_logo (design, logo, NULL));
          qrs_design_set_module_shape (design, QRS_MODULE_SHAPE_ROUNDED);
          qrs_design_set_background (design, &clear);
          break;
        case 5:
          qrs_design_set_background (design, &clear);
          break;
        default:
          break;
        }

      symbol = qrs_design_encode (design, "https://example.org/encodings/with/alignment", &error);
      g_assert_no_error (error);
      png = export_bytes (design, symbol, QRS_EXPORT_FORMAT_PNG);
      data = g_bytes_get_data (png, NULL);
      /* IHDR: bit depth and colour type follow the 8-byte width and height. */
      g_assert_cmpmem (data + 12, 4, "IHDR", 4);
      g_assert_cmpuint (data[24], ==, cases[i].depth);
      g_assert_cmpuint (data[25], ==, cases[i].color_type);

      qrs_renderer_get_layout (renderer, design, symbol, 333, &layout);
      width = 333;
      height = (int)ceil (layout.height - 1e-6);
      surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, width, height);
      cr = cairo_create (surface);
      g_assert_true (qrs_renderer_draw (renderer, design, symbol, cr, width, &error));
      cairo_destroy (cr);

      pixbuf = pixbuf_from_bytes (png);
      g_assert_cmpint (gdk_pixbuf_get_width (pixbuf), ==, width);
      g_assert_cmpint (gdk_pixbuf_get_height (pixbuf), ==, height);

      for (int y = 0; y < height; y++)
        for (int x = 0; x < width; x++)
          {
            guint32 pixel = render_test_get_pixel (surface, x, y);
            guint a = pixel >> 24;
            const guint8 *p = gdk_pixbuf_read_pixels (pixbuf) + y * gdk_pixbuf_get_rowstride (pixbuf) +
                              x * gdk_pixbuf_get_n_channels (pixbuf);
            guint pa = gdk_pixbuf_get_has_alpha (pixbuf) ? p[3] : 255;

            if (pa != a)
              wrong++;
            else if (a != 0)
              for (int c = 0; c < 3; c++)
                {
                  guint premultiplied = (pixel >> (16 - 8 * c)) & 0xff;

                  /* Compare premultiplied, as cairo stores them. */
                  if (abs ((int)((p[c] * a + 127) / 255) - (int)premultiplied) > 1)
                    {
                      wrong++;
                      break;
                    }
                }
          }

      g_assert_cmpuint (wrong, ==, 0);
      cairo_surface_destroy (surface);
    }
}

static void
test_png_transparent (void)
{
  g_autoptr(QrsDesign) design = qrs_design_new ();
  g_autoptr(QrsSymbol) symbol = NULL;
  g_autoptr(GBytes) png = NULL;
  g_autoptr(GdkPixbuf) pixbuf = NULL;
  QrsColor clear = { 255, 255, 255, 0 };
  const guint8 *p;

  qrs_design_set_background (design, &clear);
  qrs_design_set_size (design, 290);
  symbol = encode (design, "transparent");
  png = export_bytes (design, symbol, QRS_EXPORT_FORMAT_PNG);
  pixbuf = pixbuf_from_bytes (png);
  g_assert_true (gdk_pixbuf_get_has_alpha (pixbuf));
  p = gdk_pixbuf_read_pixels (pixbuf);
  g_assert_cmpuint (p[3], ==, 0);
}

/* The SVG, parsed as XML: root attributes, accessible names and the
 * elements that draw. */
typedef struct
{
  GHashTable *root;
  char       *title_id;
  GString    *title;
  char       *desc_id;
  GString    *desc;
  GPtrArray  *texts;
  GPtrArray  *paths;      /* "fill|crisp|d" */
  char       *image_href;
  char       *text_family;
  GString    *current;
} Svg;

static void
gstring_free (gpointer string)
{
  g_string_free (string, TRUE);
}

static void
svg_free (Svg *svg)
{
  g_hash_table_unref (svg->root);
  g_free (svg->title_id);
  g_free (svg->desc_id);
  g_string_free (svg->title, TRUE);
  g_string_free (svg->desc, TRUE);
  g_ptr_array_unref (svg->texts);
  g_ptr_array_unref (svg->paths);
  g_free (svg->image_href);
  g_free (svg->text_family);
  g_free (svg);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Svg, svg_free)

static const char *
attr (const char **names,
      const char **values,
      const char  *name)
{
  for (guint i = 0; names[i] != NULL; i++)
    if (g_str_equal (names[i], name))
      return values[i];

  return NULL;
}

static void
svg_start (GMarkupParseContext  *context,
           const char           *element,
           const char          **names,
           const char          **values,
           gpointer              user_data,
           GError              **error)
{
  Svg *svg = user_data;

  if (g_str_equal (element, "svg"))
    {
      for (guint i = 0; names[i] != NULL; i++)
        g_hash_table_insert (svg->root, g_strdup (names[i]), g_strdup (values[i]));
    }
  else if (g_str_equal (element, "title"))
    {
      svg->title_id = g_strdup (attr (names, values, "id"));
      svg->current = svg->title;
    }
  else if (g_str_equal (element, "desc"))
    {
      svg->desc_id = g_strdup (attr (names, values, "id"));
      svg->current = svg->desc;
    }
  else if (g_str_equal (element, "text"))
    {
      g_ptr_array_add (svg->texts, g_string_new (NULL));
      svg->current = g_ptr_array_index (svg->texts, svg->texts->len - 1);
    }
  else if (g_str_equal (element, "g") && attr (names, values, "font-family"))
    {
      g_assert_cmpstr (attr (names, values, "text-anchor"), ==, "middle");
      svg->text_family = g_strdup (attr (names, values, "font-family"));
    }
  else if (g_str_equal (element, "path"))
    g_ptr_array_add (svg->paths, g_strdup_printf ("%s|%s|%s", attr (names, values, "fill"),
                                                  attr (names, values, "shape-rendering") ?: "",
                                                  attr (names, values, "d")));
  else if (g_str_equal (element, "image"))
    svg->image_href = g_strdup (attr (names, values, "href"));
}

static void
svg_end (GMarkupParseContext  *context,
         const char           *element,
         gpointer              user_data,
         GError              **error)
{
  ((Svg *)user_data)->current = NULL;
}

static void
svg_text (GMarkupParseContext  *context,
          const char           *text,
          gsize                 length,
          gpointer              user_data,
          GError              **error)
{
  Svg *svg = user_data;

  if (svg->current != NULL)
    g_string_append_len (svg->current, text, length);
}

static Svg *
parse_svg (GBytes *bytes)
{
  static const GMarkupParser parser = { svg_start, svg_end, svg_text, NULL, NULL };
  g_autoptr(GMarkupParseContext) context = NULL;
  g_autoptr(GError) error = NULL;
  Svg *svg = g_new0 (Svg, 1);
  gsize size;
  const char *data = g_bytes_get_data (bytes, &size);

  svg->root = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  svg->title = g_string_new (NULL);
  svg->desc = g_string_new (NULL);
  svg->texts = g_ptr_array_new_with_free_func (gstring_free);
  svg->paths = g_ptr_array_new_with_free_func (g_free);

  context = g_markup_parse_context_new (&parser, 0, svg, NULL);
  g_markup_parse_context_parse (context, data, size, &error);
  g_assert_no_error (error);
  g_markup_parse_context_end_parse (context, &error);
  g_assert_no_error (error);

  return svg;
}

/* A plain code's PNG is written from its module plan without drawing it;
 * it must be the very file the renderer's drawing gives, whatever the
 * size, quiet zone, colours and symbol. */
static void
test_png_from_plan (void)
{
  static const QrsColor red = { 0xc6, 0x28, 0x28, 0xff };
  static const QrsColor green = { 0x2e, 0x7d, 0x32, 0xff };
  static const QrsColor half_green = { 0x2e, 0x7d, 0x32, 0x80 };
  static const QrsColor clear = { 0x10, 0x20, 0x30, 0 };
  static const QrsColor misty = { 0xff, 0xff, 0xff, 0x40 };
  static const int quiet_zones[] = { -1, 0, 1, 3, 7 };
  /* Pixels a module: whole numbers, fractions from 2 up (edges rounded
   * to pixels), and fractions below 2 (drawn, never from the plan). */
  static const double scales[] = { 1, 2, 2.37, 3.5, 7, 10, 1.5 };
  guint from_plan = 0, drawn = 0;

  for (guint colours = 0; colours < 7; colours++)
    for (guint q = 0; q < G_N_ELEMENTS (quiet_zones); q++)
      for (guint k = 0; k < G_N_ELEMENTS (scales); k++)
        {
          g_autoptr(QrsDesign) design = qrs_design_new ();
          g_autoptr(QrsRenderer) renderer = qrs_renderer_new ();
          g_autoptr(QrsSymbol) symbol = NULL;
          g_autoptr(GBytes) expected = NULL;
          g_autoptr(GBytes) exported = NULL;
          g_autoptr(GError) error = NULL;
          const char *text = "https://example.org/plan/0123456789";
          gboolean plain = TRUE;
          guint n, quiet;
          int width;

          switch (colours)
            {
            case 1:
              qrs_design_set_foreground (design, &dark_blue);
              qrs_design_set_background (design, &light_yellow);
              break;
            case 2:
              qrs_design_set_finder_color (design, &red);
              qrs_design_set_alignment_color (design, &green);
              qrs_design_set_background (design, &clear);
              break;
            case 3:
              /* A finder colour that is the foreground's: one palette entry. */
              qrs_design_set_finder_color (design, qrs_design_get_foreground (design));
              qrs_design_set_title (design, "Plan “test”");
              break;
            case 4:
              qrs_design_set_symbol_type (design, QRS_SYMBOL_TYPE_MICRO_QR);
              text = "MICRO 42";
              break;
            case 5:
              /* Blended colours are drawn. */
              qrs_design_set_alignment_color (design, &half_green);
              plain = FALSE;
              break;
            case 6:
              qrs_design_set_background (design, &misty);
              plain = FALSE;
              break;
            default:
              break;
            }
          qrs_design_set_quiet_zone (design, quiet_zones[q]);

          symbol = qrs_design_encode (design, text, &error);
          g_assert_no_error (error);
          n = qrs_symbol_get_width (symbol);
          quiet = qrs_design_get_effective_quiet_zone (design);
          width = (int)round (scales[k] * (n + 2 * quiet));
          qrs_design_set_size (design, width);
          plain = plain && scales[k] >= 1 && (scales[k] >= 2 || scales[k] == floor (scales[k]));

          expected = qrs_export_png_drawn (design, symbol, &error);
          g_assert_no_error (error);
          exported = export_bytes (design, symbol, QRS_EXPORT_FORMAT_PNG);
          g_assert_true (g_bytes_equal (exported, expected));

          if (plain)
            {
              const char *keys[] = { "Software", NULL };
              const char *values[] = { PACKAGE_NAME, NULL };
              const QrsModulePlan *plan;
              QrsLayout layout;
              g_autoptr(GBytes) written = NULL;
              g_autoptr(GBytes) untitled = NULL;

              qrs_renderer_get_layout (renderer, design, symbol, width, &layout);
              plan = qrs_renderer_get_plan (renderer, design, symbol);
              written = qrs_png_encode_plan (plan, design, width, layout.module_size, quiet,
                                             qrs_design_get_dpi (design), keys, values, &error);
              g_assert_no_error (error);

              qrs_design_set_title (design, NULL);
              untitled = qrs_export_png_drawn (design, symbol, &error);
              g_assert_no_error (error);
              if (!g_bytes_equal (written, untitled))
                g_error ("colours %u, quiet zone %d, %g px a module: the PNG written "
                         "from the plan differs from the drawn one", colours,
                         quiet_zones[q], scales[k]);
              from_plan++;
            }
          else
            drawn++;
        }

  g_test_message ("%u designs written from the plan, %u only drawn, all identical", from_plan, drawn);
  g_assert_cmpuint (from_plan, >=, 100);
  g_assert_cmpuint (drawn, >=, 40);
}

static void
test_svg_physical (void)
{
  g_autoptr(QrsDesign) design = qrs_design_new ();
  g_autoptr(QrsSymbol) symbol = NULL;
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(Svg) svg = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *view_box = NULL;
  guint n;

  g_assert_true (qrs_design_set_size_from_string (design, "40mm", &error));
  symbol = encode (design, "https://example.org/svg");
  n = qrs_symbol_get_width (symbol) + 2 * qrs_design_get_effective_quiet_zone (design);
  bytes = export_bytes (design, symbol, QRS_EXPORT_FORMAT_SVG);
  svg = parse_svg (bytes);

  g_assert_cmpstr (g_hash_table_lookup (svg->root, "width"), ==, "40mm");
  g_assert_cmpstr (g_hash_table_lookup (svg->root, "height"), ==, "40mm");
  view_box = g_strdup_printf ("0 0 %u %u", n, n);
  g_assert_cmpstr (g_hash_table_lookup (svg->root, "viewBox"), ==, view_box);

  /* One compact path for the one colour, in whole modules. */
  g_assert_cmpuint (svg->paths->len, ==, 1);
  g_assert_true (g_str_has_prefix (g_ptr_array_index (svg->paths, 0), "#000000|crispEdges|M4 4h7v1h-7z"));
  g_test_message ("%" G_GSIZE_FORMAT " bytes of SVG for %u × %u modules", g_bytes_get_size (bytes), n, n);
  g_assert_cmpuint (g_bytes_get_size (bytes), <, 6000);

  /* Inches are physical too. */
  g_assert_true (qrs_design_set_size_from_string (design, "2in", &error));
  g_clear_pointer (&bytes, g_bytes_unref);
  g_clear_pointer (&svg, svg_free);
  bytes = export_bytes (design, symbol, QRS_EXPORT_FORMAT_SVG);
  svg = parse_svg (bytes);
  g_assert_cmpstr (g_hash_table_lookup (svg->root, "width"), ==, "50.8mm");

  /* Pixels stay pixels. */
  qrs_design_set_size_unit (design, QRS_SIZE_UNIT_PX);
  qrs_design_set_size (design, 512);
  g_clear_pointer (&bytes, g_bytes_unref);
  g_clear_pointer (&svg, svg_free);
  bytes = export_bytes (design, symbol, QRS_EXPORT_FORMAT_SVG);
  svg = parse_svg (bytes);
  g_assert_cmpstr (g_hash_table_lookup (svg->root, "width"), ==, "512");
  g_assert_cmpstr (g_hash_table_lookup (svg->root, "height"), ==, "512");
}

static void
test_svg_accessible (void)
{
  g_autoptr(QrsDesign) design = qrs_design_new ();
  g_autoptr(QrsSymbol) symbol = NULL;
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(Svg) svg = NULL;
  g_autofree char *raw = NULL;
  g_autofree char *labelled_by = NULL;
  const char *title = "Café <menu> & “drinks” 'today'";
  const char *description = "Opens the \"menu\" page: prices < 5 € & more";

  qrs_design_set_title (design, title);
  qrs_design_set_description (design, description);
  symbol = encode (design, "https://example.org/menu");
  bytes = export_bytes (design, symbol, QRS_EXPORT_FORMAT_SVG);
  raw = bytes_to_string (bytes);
  svg = parse_svg (bytes);

  g_assert_cmpstr (g_hash_table_lookup (svg->root, "role"), ==, "img");
  g_assert_cmpstr (svg->title->str, ==, title);
  g_assert_cmpstr (svg->desc->str, ==, description);
  g_assert_nonnull (svg->title_id);
  g_assert_nonnull (svg->desc_id);
  g_assert_cmpstr (svg->title_id, !=, svg->desc_id);
  labelled_by = g_strdup_printf ("%s %s", svg->title_id, svg->desc_id);
  g_assert_cmpstr (g_hash_table_lookup (svg->root, "aria-labelledby"), ==, labelled_by);

  /* Escaped in the file, not dropped or doubled. */
  g_assert_nonnull (strstr (raw, "Café &lt;menu&gt; &amp; “drinks”"));
  g_assert_null (strstr (raw, "<menu>"));
  g_assert_null (strstr (raw, "&amp;amp;"));

  /* Without a title, a generic one; no description, no desc. */
  qrs_design_set_title (design, NULL);
  qrs_design_set_description (design, NULL);
  g_clear_pointer (&bytes, g_bytes_unref);
  g_clear_pointer (&svg, svg_free);
  bytes = export_bytes (design, symbol, QRS_EXPORT_FORMAT_SVG);
  svg = parse_svg (bytes);
  g_assert_cmpstr (svg->title->str, ==, "QR code");
  g_assert_null (svg->desc_id);
  g_assert_cmpstr (g_hash_table_lookup (svg->root, "aria-labelledby"), ==, svg->title_id);
}

static void
test_svg_caption (void)
{
  g_autoptr(QrsDesign) design = qrs_design_new ();
  g_autoptr(QrsSymbol) symbol = NULL;
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(Svg) svg = NULL;
  g_autoptr(GString) joined = g_string_new (NULL);
  const char *caption = "Scan me & see the <menu> of Grüße café today";
  double view_h;
  g_auto(GStrv) view_box = NULL;

  qrs_design_set_caption (design, caption);
  qrs_design_set_caption_font (design, "DejaVu Serif Bold Italic 14");
  symbol = encode (design, "https://example.org/caption");
  bytes = export_bytes (design, symbol, QRS_EXPORT_FORMAT_SVG);
  svg = parse_svg (bytes);

  /* Real text, wrapped into lines, readable in order. */
  g_assert_cmpuint (svg->texts->len, >, 1);
  for (guint i = 0; i < svg->texts->len; i++)
    {
      GString *line = g_ptr_array_index (svg->texts, i);

      if (i > 0)
        g_string_append_c (joined, ' ');
      g_string_append (joined, line->str);
    }
  g_assert_cmpstr (joined->str, ==, caption);
  g_assert_cmpstr (svg->text_family, ==, "'DejaVu Serif', sans-serif");
  g_assert_nonnull (strstr (g_bytes_get_data (bytes, NULL), "font-weight=\"700\""));
  g_assert_nonnull (strstr (g_bytes_get_data (bytes, NULL), "font-style=\"italic\""));

  /* The viewBox is taller than wide: the caption is inside it. */
  view_box = g_strsplit (g_hash_table_lookup (svg->root, "viewBox"), " ", -1);
  view_h = g_ascii_strtod (view_box[3], NULL);
  g_assert_cmpfloat (view_h, >, g_ascii_strtod (view_box[2], NULL));
}

static void
test_svg_logo (void)
{
  g_autoptr(QrsDesign) design = qrs_design_new ();
  g_autoptr(QrsSymbol) symbol = NULL;
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GBytes) logo = render_test_make_logo_png (0x00ff00);
  g_autoptr(Svg) svg = NULL;
  g_autofree guchar *decoded = NULL;
  gsize length;

  g_assert_true (qrs_design_set_logo (design, logo, NULL));
  symbol = encode (design, "https://example.org/logo");
  bytes = export_bytes (design, symbol, QRS_EXPORT_FORMAT_SVG);
  svg = parse_svg (bytes);

  g_assert_nonnull (svg->image_href);
  g_assert_true (g_str_has_prefix (svg->image_href, "data:image/png;base64,"));
  decoded = g_base64_decode (svg->image_href + strlen ("data:image/png;base64,"), &length);
  g_assert_cmpmem (decoded, length, g_bytes_get_data (logo, NULL), g_bytes_get_size (logo));
}

static void
test_svg_colors_and_shapes (void)
{
  g_autoptr(QrsDesign) design = qrs_design_new ();
  g_autoptr(QrsSymbol) symbol = NULL;
  QrsColor red = { 0xc6, 0x28, 0x28, 0x80 };

  qrs_design_set_finder_color (design, &red);
  qrs_design_set_foreground (design, &dark_blue);
  symbol = encode (design, "colours and shapes");

  for (QrsModuleShape shape = QRS_MODULE_SHAPE_SQUARE; shape <= QRS_MODULE_SHAPE_ROUNDED; shape++)
    {
      g_autoptr(GBytes) bytes = NULL;
      g_autoptr(Svg) svg = NULL;
      g_autofree char *raw = NULL;
      const char *fg, *finder;

      qrs_design_set_module_shape (design, shape);
      bytes = export_bytes (design, symbol, QRS_EXPORT_FORMAT_SVG);
      raw = bytes_to_string (bytes);
      svg = parse_svg (bytes);

      /* One path per colour. */
      g_assert_cmpuint (svg->paths->len, ==, 2);
      fg = g_ptr_array_index (svg->paths, 0);
      finder = g_ptr_array_index (svg->paths, 1);
      g_assert_true (g_str_has_prefix (fg, "#1a237e|"));
      g_assert_true (g_str_has_prefix (finder, "#c62828|"));
      g_assert_nonnull (strstr (raw, "fill-opacity=\".502\""));

      switch (shape)
        {
        case QRS_MODULE_SHAPE_SQUARE:
          g_assert_true (g_str_has_prefix (fg, "#1a237e|crispEdges|"));
          g_assert_null (strchr (strrchr (fg, '|'), 'a'));
          break;
        case QRS_MODULE_SHAPE_DOT:
          /* Arcs for the dots; the finders stay square and crisp. */
          g_assert_true (g_str_has_prefix (fg, "#1a237e||"));
          g_assert_nonnull (strstr (fg, "a.45 .45 0 1 0 .9 0"));
          g_assert_true (g_str_has_prefix (finder, "#c62828|crispEdges|"));
          break;
        case QRS_MODULE_SHAPE_ROUNDED:
          g_assert_true (g_str_has_prefix (fg, "#1a237e||"));
          g_assert_nonnull (strstr (fg, "a.5 .5 0 0 1"));
          g_assert_nonnull (strstr (finder, "a.3 .3 0 0 1"));
          break;
        default:
          g_assert_not_reached ();
        }
    }
}

static void
test_pdf (void)
{
  g_autoptr(QrsDesign) design = qrs_design_new ();
  g_autoptr(QrsSymbol) symbol = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;
  g_autofree char *info = NULL;
  g_autoptr(GRegex) regex = g_regex_new ("Page size: +([0-9.]+) x ([0-9.]+) pts", 0, 0, NULL);
  g_autoptr(GMatchInfo) match = NULL;
  g_autofree char *w = NULL;
  Fixture fixture;

  fixture_setup (&fixture, NULL);
  path = g_build_filename (fixture.dir, "code.pdf", NULL);

  g_assert_true (qrs_design_set_size_from_string (design, "40mm", &error));
  qrs_design_set_title (design, "Spring menu");
  symbol = encode (design, "https://example.org/pdf");
  g_assert_true (qrs_export_to_file (design, symbol, QRS_EXPORT_FORMAT_PDF, path, &error));
  g_assert_no_error (error);

  info = run_tool ((const char *const[]) { "pdfinfo", path, NULL });
  if (info != NULL)
    {
      g_test_message ("%s", info);
      g_assert_true (g_regex_match (regex, info, 0, &match));
      w = g_match_info_fetch (match, 1);
      /* 40 mm = 113.386 pt, and square without a caption. */
      g_assert_cmpstr (w, ==, "113.386");
      g_assert_nonnull (strstr (info, "113.386 x 113.386 pts"));
      g_assert_true (g_regex_match_simple ("^Title: +Spring menu$", info, G_REGEX_MULTILINE, 0));
    }

  fixture_teardown (&fixture, NULL);
}

static void
test_eps (void)
{
  g_autoptr(QrsDesign) design = qrs_design_new ();
  g_autoptr(QrsSymbol) symbol = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) eps = NULL;
  g_autofree char *text = NULL;

  g_assert_true (qrs_design_set_size_from_string (design, "40mm", &error));
  qrs_design_set_title (design, "Grüße");
  symbol = encode (design, "https://example.org/eps");
  eps = export_bytes (design, symbol, QRS_EXPORT_FORMAT_EPS);
  text = bytes_to_string (eps);

  g_assert_true (g_str_has_prefix (text, "%!PS-Adobe-3.0 EPSF-3.0"));
  g_assert_nonnull (strstr (text, "%%BoundingBox: 0 0 114 114"));
  g_assert_nonnull (strstr (text, "%%HiResBoundingBox: 0 0 113.385827 113.385827"));
  g_assert_nonnull (strstr (text, "%%Title: Grusse"));
}

static void
test_jpeg (void)
{
  g_autoptr(QrsDesign) design = qrs_design_new ();
  g_autoptr(QrsSymbol) symbol = NULL;
  g_autoptr(GBytes) jpeg = NULL;
  g_autoptr(GdkPixbuf) pixbuf = NULL;
  QrsColor half_red = { 255, 0, 0, 128 };
  guint8 rgb[3];

  qrs_design_set_background (design, &half_red);
  qrs_design_set_size (design, 300);
  symbol = encode (design, "jpeg");
  jpeg = export_bytes (design, symbol, QRS_EXPORT_FORMAT_JPEG);
  g_assert_cmpmem (g_bytes_get_data (jpeg, NULL), 3, "\xff\xd8\xff", 3);

  pixbuf = pixbuf_from_bytes (jpeg);
  g_assert_false (gdk_pixbuf_get_has_alpha (pixbuf));
  g_assert_cmpint (gdk_pixbuf_get_width (pixbuf), ==, 300);

  /* Half-transparent red over white paper is pink. */
  get_rgb (pixbuf, 10, 10, rgb);
  g_assert_cmpint (abs (rgb[0] - 255), <=, 3);
  g_assert_cmpint (abs (rgb[1] - 127), <=, 3);
  g_assert_cmpint (abs (rgb[2] - 127), <=, 3);
}

static void
test_webp (void)
{
  g_autoptr(QrsDesign) design = qrs_design_new ();
  g_autoptr(QrsSymbol) symbol = NULL;
  g_autoptr(GBytes) webp = NULL;
  g_autoptr(GdkPixbuf) pixbuf = NULL;
  const guint8 *data;

  qrs_design_set_size (design, 300);
  symbol = encode (design, "webp");
  webp = export_bytes (design, symbol, QRS_EXPORT_FORMAT_WEBP);
  data = g_bytes_get_data (webp, NULL);
  g_assert_cmpmem (data, 4, "RIFF", 4);
  g_assert_cmpmem (data + 8, 4, "WEBP", 4);

  pixbuf = pixbuf_from_bytes (webp);
  g_assert_cmpint (gdk_pixbuf_get_width (pixbuf), ==, 300);
  g_assert_cmpint (gdk_pixbuf_get_height (pixbuf), ==, 300);
}

/* Without the WebP loader, WebP export says which package to install and
 * writes nothing.  Simulated in a child process whose loader list lacks
 * WebP; the other formats keep working there. */
static void
test_webp_missing_loader (void)
{
  if (g_test_subprocess ())
    {
      g_autoptr(QrsDesign) design = qrs_design_new ();
      g_autoptr(QrsSymbol) symbol = encode (design, "no webp here");
      g_autoptr(GError) error = NULL;
      g_autofree char *dir = g_dir_make_tmp ("qrs-webp-XXXXXX", NULL);
      g_autofree char *path = g_build_filename (dir, "code.webp", NULL);
      g_autofree char *png = g_build_filename (dir, "code.png", NULL);

      g_assert_false (qrs_export_to_file (design, symbol, QRS_EXPORT_FORMAT_WEBP, path, &error));
      g_assert_error (error, QRS_EXPORT_ERROR, QRS_EXPORT_ERROR_UNSUPPORTED);
      g_assert_cmpstr (error->message, ==,
                       "WebP export needs the WebP image loader: install the webp-pixbuf-loader package.");
      g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));

      g_assert_true (qrs_export_to_file (design, symbol, QRS_EXPORT_FORMAT_PNG, png, NULL));
      g_assert_cmpint (g_unlink (png), ==, 0);
      g_assert_cmpint (g_rmdir (dir), ==, 0);
      return;
    }
  else
    {
      g_autofree char *cache = NULL;
      g_autoptr(GString) filtered = g_string_new (NULL);
      g_autoptr(GError) error = NULL;
      g_autofree char *dir = NULL;
      g_autofree char *path = NULL;
      g_auto(GStrv) blocks = NULL;
      guint removed = 0;

      if (!g_file_get_contents (PIXBUF_LOADERS_CACHE, &cache, NULL, &error))
        {
          g_test_skip_printf ("cannot read the loader list %s to leave WebP out of it: %s",
                              PIXBUF_LOADERS_CACHE, error->message);
          return;
        }

      blocks = g_strsplit (cache, "\n\n", -1);
      for (guint i = 0; blocks[i] != NULL; i++)
        {
          if (strstr (blocks[i], "pixbufloader-webp") != NULL ||
              strstr (blocks[i], "\"webp\"") != NULL)
            {
              removed++;
              continue;
            }
          g_string_append (filtered, blocks[i]);
          g_string_append (filtered, "\n\n");
        }
      g_assert_cmpuint (removed, ==, 1);

      dir = g_dir_make_tmp ("qrs-loaders-XXXXXX", &error);
      g_assert_no_error (error);
      path = g_build_filename (dir, "loaders.cache", NULL);
      g_assert_true (g_file_set_contents (path, filtered->str, filtered->len, &error));

      g_setenv ("GDK_PIXBUF_MODULE_FILE", path, TRUE);
      g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
      g_unsetenv ("GDK_PIXBUF_MODULE_FILE");

      g_assert_cmpint (g_unlink (path), ==, 0);
      g_assert_cmpint (g_rmdir (dir), ==, 0);
      g_test_trap_assert_passed ();
    }
}

static void
test_file_missing_directory (Fixture       *fixture,
                             gconstpointer  data)
{
  g_autoptr(QrsDesign) design = qrs_design_new ();
  g_autoptr(QrsSymbol) symbol = encode (design, "nowhere");
  g_autoptr(GError) error = NULL;
  g_autofree char *path = g_build_filename (fixture->dir, "no-such-dir", "code.png", NULL);

  g_assert_false (qrs_export_to_file (design, symbol, QRS_EXPORT_FORMAT_PNG, path, &error));
  g_assert_error (error, QRS_EXPORT_ERROR, QRS_EXPORT_ERROR_FAILED);
  g_assert_nonnull (strstr (error->message, "code.png"));
  g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));
  g_assert_cmpuint (count_files (fixture->dir), ==, 0);
}

/* A failing export leaves what was there before, and no stray files. */
static void
test_file_keeps_old_on_failure (Fixture       *fixture,
                                gconstpointer  data)
{
  g_autoptr(QrsDesign) design = qrs_design_new ();
  g_autoptr(QrsSymbol) symbol = encode (design, "keep the old file");
  static const char broken[] = "\x89PNG\r\n\x1a\nnot really a PNG";
  g_autoptr(GBytes) logo = g_bytes_new_static (broken, sizeof broken - 1);
  g_autofree char *path = g_build_filename (fixture->dir, "code.png", NULL);
  g_autofree char *fresh = g_build_filename (fixture->dir, "fresh.svg", NULL);
  g_autofree char *contents = NULL;

  g_assert_true (g_file_set_contents (path, "old", -1, NULL));
  g_assert_true (qrs_design_set_logo (design, logo, NULL));

  for (QrsExportFormat format = QRS_EXPORT_FORMAT_PNG; format <= QRS_EXPORT_FORMAT_WEBP; format++)
    {
      g_autoptr(GError) error = NULL;

      g_assert_false (qrs_export_to_file (design, symbol, format, path, &error));
      g_assert_error (error, QRS_RENDER_ERROR, QRS_RENDER_ERROR_LOGO);
      g_assert_false (qrs_export_to_file (design, symbol, format, fresh, NULL));
      g_assert_false (g_file_test (fresh, G_FILE_TEST_EXISTS));
    }

  g_assert_true (g_file_get_contents (path, &contents, NULL, NULL));
  g_assert_cmpstr (contents, ==, "old");
  g_assert_cmpuint (count_files (fixture->dir), ==, 1);
}

static void
test_file_replaces (Fixture       *fixture,
                    gconstpointer  data)
{
  g_autoptr(QrsDesign) design = qrs_design_new ();
  g_autoptr(QrsSymbol) symbol = encode (design, "replace");
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) expected = NULL;
  g_autofree char *path = g_build_filename (fixture->dir, "code.svg", NULL);
  g_autofree char *contents = NULL;
  gsize length;

  g_assert_true (g_file_set_contents (path, "old", -1, NULL));
  g_assert_true (qrs_export_to_file (design, symbol, QRS_EXPORT_FORMAT_SVG, path, &error));
  g_assert_no_error (error);

  expected = export_bytes (design, symbol, QRS_EXPORT_FORMAT_SVG);
  g_assert_true (g_file_get_contents (path, &contents, &length, NULL));
  g_assert_cmpmem (contents, length, g_bytes_get_data (expected, NULL), g_bytes_get_size (expected));
  g_assert_cmpuint (count_files (fixture->dir), ==, 1);
}

static void
async_done_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  GAsyncResult **out = user_data;

  *out = g_object_ref (result);
}

static void
test_file_async (Fixture       *fixture,
                 gconstpointer  data)
{
  g_autoptr(QrsDesign) design = qrs_design_new ();
  g_autoptr(QrsSymbol) symbol = encode (design, "async");
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *path = g_build_filename (fixture->dir, "code.pdf", NULL);
  g_autofree char *cancelled = g_build_filename (fixture->dir, "cancelled.pdf", NULL);

  qrs_export_to_file_async (design, symbol, QRS_EXPORT_FORMAT_PDF, path, NULL,
                            async_done_cb, &result);
  /* The design was copied: editing it now changes nothing. */
  qrs_design_set_caption (design, "edited while exporting");
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);
  g_assert_true (qrs_export_to_file_finish (result, &error));
  g_assert_no_error (error);
  g_assert_true (g_file_test (path, G_FILE_TEST_IS_REGULAR));
  g_clear_object (&result);

  g_cancellable_cancel (cancellable);
  qrs_export_to_file_async (design, symbol, QRS_EXPORT_FORMAT_PDF, cancelled, cancellable,
                            async_done_cb, &result);
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);
  g_assert_false (qrs_export_to_file_finish (result, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_false (g_file_test (cancelled, G_FILE_TEST_EXISTS));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/export/format/names", test_format_names);
  g_test_add_func ("/export/png/size-and-dpi", test_png_size_and_dpi);
  g_test_add_func ("/export/png/pixels", test_png_pixels);
  g_test_add_func ("/export/png/transparent", test_png_transparent);
  g_test_add_func ("/export/png/encodings", test_png_encodings);
  g_test_add_func ("/export/png/from-plan", test_png_from_plan);
  g_test_add_func ("/export/svg/physical", test_svg_physical);
  g_test_add_func ("/export/svg/accessible", test_svg_accessible);
  g_test_add_func ("/export/svg/caption", test_svg_caption);
  g_test_add_func ("/export/svg/logo", test_svg_logo);
  g_test_add_func ("/export/svg/colors-and-shapes", test_svg_colors_and_shapes);
  g_test_add_func ("/export/pdf", test_pdf);
  g_test_add_func ("/export/eps", test_eps);
  g_test_add_func ("/export/jpeg", test_jpeg);
  g_test_add_func ("/export/webp", test_webp);
  g_test_add_func ("/export/webp/missing-loader", test_webp_missing_loader);
  g_test_add ("/export/file/missing-directory", Fixture, NULL,
              fixture_setup, test_file_missing_directory, fixture_teardown);
  g_test_add ("/export/file/keeps-old-on-failure", Fixture, NULL,
              fixture_setup, test_file_keeps_old_on_failure, fixture_teardown);
  g_test_add ("/export/file/replaces", Fixture, NULL,
              fixture_setup, test_file_replaces, fixture_teardown);
  g_test_add ("/export/file/async", Fixture, NULL,
              fixture_setup, test_file_async, fixture_teardown);

  return g_test_run ();
}
