/* qrs-png.c — a PNG writer for codes
 *
 * gdk-pixbuf writes every PNG as 8-bit RGB(A) and spends most of an
 * export compressing three bytes a pixel.  A code has two colours, or a
 * few hundred with a caption's anti-aliasing: handed to libpng with a
 * palette of 1 to 8 bits a pixel, the same image compresses in a fraction
 * of the time and size.  No row filter: a module's pixel rows repeat
 * whole, which deflate finds by itself (files a quarter smaller than with
 * "Up", at the same speed).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include <glib/gi18n-lib.h>
#include <png.h>

#include "qrs-export.h"
#include "qrs-render-private.h"

#define MAX_PALETTE 256
#define ZLIB_LEVEL  6

static inline guint32
unpremultiply (guint32 pixel)
{
  guint a = pixel >> 24;
  guint r = (pixel >> 16) & 0xff;
  guint g = (pixel >> 8) & 0xff;
  guint b = pixel & 0xff;

  if (a == 0)
    return 0;
  if (a == 255)
    return pixel;

  r = (r * 255 + a / 2) / a;
  g = (g * 255 + a / 2) / a;
  b = (b * 255 + a / 2) / a;

  return a << 24 | r << 16 | g << 8 | b;
}

static inline const guint32 *
surface_row (const guint8 *data,
             int           stride,
             int           y)
{
  return (const guint32 *)(const void *)(data + (gsize)y * stride);
}

/* The image's colours, if there are few enough for a palette. */
static guint
find_palette (const guint8 *data,
              int           stride,
              int           width,
              int           height,
              gboolean      opaque,
              guint32      *palette)
{
  guint count = 0;
  guint32 last = 0;
  gboolean have_last = FALSE;

  for (int y = 0; y < height; y++)
    {
      const guint32 *row = surface_row (data, stride, y);

      if (y > 0 && memcmp (row, surface_row (data, stride, y - 1), (gsize)width * 4) == 0)
        continue;

      for (int x = 0; x < width; x++)
        {
          guint32 pixel = opaque ? row[x] | 0xff000000u : row[x];
          guint i;

          if (have_last && pixel == last)
            continue;

          for (i = 0; i < count; i++)
            if (palette[i] == pixel)
              break;

          if (i == count)
            {
              if (count == MAX_PALETTE)
                return 0;
              palette[count++] = pixel;
            }

          last = pixel;
          have_last = TRUE;
        }
    }

  return count;
}

typedef struct
{
  GByteArray *out;
  char       *message;
} PngWriter;

static void
png_write_cb (png_structp  png,
              png_bytep    data,
              png_size_t   length)
{
  PngWriter *writer = png_get_io_ptr (png);

  g_byte_array_append (writer->out, data, length);
}

static void
png_flush_cb (png_structp png)
{
}

G_GNUC_NORETURN
static void
png_error_cb (png_structp     png,
              png_const_charp message)
{
  PngWriter *writer = png_get_error_ptr (png);

  g_free (writer->message);
  writer->message = g_strdup (message);
  png_longjmp (png, 1);
}

static void
png_warning_cb (png_structp     png,
                png_const_charp message)
{
  g_debug ("libpng: %s", message);
}

/* Rows as libpng takes them: palette indices packed to @depth bits, or
 * straight (not premultiplied) RGB(A). */
static guint8 *
pack_rows (const guint8  *data,
           int            stride,
           int            width,
           int            height,
           gboolean       opaque,
           const guint32 *palette,
           guint          colours,
           guint          depth,
           guint          channels,
           gsize          row_bytes)
{
  guint8 *rows = g_malloc0 (row_bytes * height);

  for (int y = 0; y < height; y++)
    {
      const guint32 *row = surface_row (data, stride, y);
      guint8 *line = rows + row_bytes * y;

      /* A module is many pixel rows tall: pack each distinct row once. */
      if (y > 0 && memcmp (row, surface_row (data, stride, y - 1), (gsize)width * 4) == 0)
        {
          memcpy (line, line - row_bytes, row_bytes);
          continue;
        }

      if (colours > 0)
        {
          guint32 last = 0;
          guint last_index = 0;
          gboolean have_last = FALSE;

          for (int x = 0; x < width; x++)
            {
              guint32 pixel = opaque ? row[x] | 0xff000000u : row[x];
              guint index;

              if (have_last && pixel == last)
                index = last_index;
              else
                {
                  for (index = 0; palette[index] != pixel; index++)
                    ;
                  last = pixel;
                  last_index = index;
                  have_last = TRUE;
                }

              line[(gsize)x * depth / 8] |= index << (8 - depth - ((gsize)x * depth) % 8);
            }
        }
      else
        {
          for (int x = 0; x < width; x++)
            {
              guint32 pixel = opaque ? row[x] : unpremultiply (row[x]);
              guint8 *p = line + (gsize)x * channels;

              p[0] = pixel >> 16;
              p[1] = pixel >> 8;
              p[2] = pixel;
              if (channels == 4)
                p[3] = pixel >> 24;
            }
        }
    }

  return rows;
}

/* Kept apart from qrs_png_encode() so that nothing libpng's longjmp()
 * crosses is a local changed after setjmp(). */
static gboolean
write_png (GByteArray  *out,
           int          width,
           int          height,
           guint        depth,
           int          color_type,
           png_color   *plte,
           png_byte    *trns,
           guint        colours,
           double       dpi,
           png_text    *text,
           guint        n_text,
           png_bytep   *row_pointers,
           GError     **error)
{
  PngWriter writer = { out, NULL };
  png_uint_32 ppm = (png_uint_32)round (dpi / 0.0254);
  png_structp png;
  png_infop info;

  png = png_create_write_struct (PNG_LIBPNG_VER_STRING, &writer, png_error_cb, png_warning_cb);
  info = png ? png_create_info_struct (png) : NULL;
  if (info == NULL)
    {
      png_destroy_write_struct (&png, NULL);
      g_set_error_literal (error, QRS_EXPORT_ERROR, QRS_EXPORT_ERROR_FAILED,
                           _("Out of memory while writing the PNG file."));
      return FALSE;
    }

  if (setjmp (png_jmpbuf (png)))
    {
      png_destroy_write_struct (&png, &info);
      g_set_error (error, QRS_EXPORT_ERROR, QRS_EXPORT_ERROR_FAILED,
                   _("The PNG file could not be written: %s"),
                   writer.message ? writer.message : "");
      g_free (writer.message);
      return FALSE;
    }

  png_set_write_fn (png, &writer, png_write_cb, png_flush_cb);
  png_set_compression_level (png, ZLIB_LEVEL);
  png_set_filter (png, PNG_FILTER_TYPE_BASE, PNG_FILTER_NONE);
  png_set_IHDR (png, info, width, height, depth, color_type,
                PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_BASE, PNG_FILTER_TYPE_BASE);
  if (colours > 0)
    {
      png_set_PLTE (png, info, plte, colours);
      if (trns != NULL)
        png_set_tRNS (png, info, trns, colours, NULL);
    }
  /* PNG states resolution in pixels per metre. */
  png_set_pHYs (png, info, ppm, ppm, PNG_RESOLUTION_METER);
  if (n_text > 0)
    png_set_text (png, info, text, n_text);

  png_set_rows (png, info, row_pointers);
  png_write_png (png, info, PNG_TRANSFORM_IDENTITY, NULL);
  png_destroy_write_struct (&png, &info);
  g_free (writer.message);

  return TRUE;
}

/* The text chunks libpng is to write; the strings stay the caller's. */
static png_text *
make_text (const char * const *keys,
           const char * const *values,
           guint              *n_text)
{
  png_text *text;
  guint n = 0;

  while (keys != NULL && keys[n] != NULL)
    n++;

  text = g_new0 (png_text, MAX (n, 1));
  for (guint i = 0; i < n; i++)
    {
      gboolean ascii = TRUE;

      for (const char *c = values[i]; *c && ascii; c++)
        ascii = (guchar)*c < 0x80;

      /* tEXt is Latin-1 by the standard; anything else goes in iTXt. */
      text[i].compression = ascii ? PNG_TEXT_COMPRESSION_NONE : PNG_ITXT_COMPRESSION_NONE;
      text[i].key = (png_charp)keys[i];
      text[i].text = (png_charp)values[i];
      text[i].text_length = ascii ? strlen (values[i]) : 0;
      text[i].itxt_length = ascii ? 0 : strlen (values[i]);
    }

  *n_text = n;
  return text;
}

static inline guint
palette_depth (guint colours)
{
  return colours <= 2 ? 1 : colours <= 4 ? 2 : colours <= 16 ? 4 : 8;
}

/* A palette image from its (premultiplied) colours and packed rows. */
static GBytes *
write_palette_png (int                 width,
                   int                 height,
                   const guint32      *palette,
                   guint               colours,
                   png_bytep          *row_pointers,
                   double              dpi,
                   const char * const *keys,
                   const char * const *values,
                   GError            **error)
{
  g_autoptr(GByteArray) out = g_byte_array_new ();
  g_autofree png_text *text = NULL;
  png_color plte[MAX_PALETTE];
  png_byte trns[MAX_PALETTE];
  gboolean translucent = FALSE;
  guint n_text;

  for (guint i = 0; i < colours; i++)
    {
      guint32 pixel = unpremultiply (palette[i]);

      plte[i].red = pixel >> 16;
      plte[i].green = pixel >> 8;
      plte[i].blue = pixel;
      trns[i] = pixel >> 24;
      translucent |= trns[i] != 0xff;
    }

  text = make_text (keys, values, &n_text);
  if (!write_png (out, width, height, palette_depth (colours), PNG_COLOR_TYPE_PALETTE,
                  plte, translucent ? trns : NULL, colours, dpi, text, n_text,
                  row_pointers, error))
    return NULL;

  return g_byte_array_free_to_bytes (g_steal_pointer (&out));
}

/**
 * qrs_png_encode:
 * @surface: an RGB24 or ARGB32 image surface
 * @dpi: the resolution pHYs states
 * @keys: (array zero-terminated=1): text chunk keywords
 * @values: (array zero-terminated=1): their UTF-8 values
 *
 * Returns: (transfer full): the PNG file, or %NULL with @error set
 */
GBytes *
qrs_png_encode (cairo_surface_t    *surface,
                double              dpi,
                const char * const *keys,
                const char * const *values,
                GError            **error)
{
  int width = cairo_image_surface_get_width (surface);
  int height = cairo_image_surface_get_height (surface);
  int stride = cairo_image_surface_get_stride (surface);
  gboolean opaque = cairo_image_surface_get_format (surface) == CAIRO_FORMAT_RGB24;
  const guint8 *data;
  g_autoptr(GByteArray) out = NULL;
  g_autofree guint8 *rows = NULL;
  g_autofree png_bytep *row_pointers = NULL;
  g_autofree png_text *text = NULL;
  guint32 palette[MAX_PALETTE];
  guint colours, depth, channels = 0, n_text = 0;
  gsize row_bytes;
  gboolean translucent = FALSE;

  g_return_val_if_fail (cairo_image_surface_get_format (surface) == CAIRO_FORMAT_RGB24 ||
                        cairo_image_surface_get_format (surface) == CAIRO_FORMAT_ARGB32, NULL);

  cairo_surface_flush (surface);
  data = cairo_image_surface_get_data (surface);

  colours = find_palette (data, stride, width, height, opaque, palette);
  if (colours > 0)
    {
      depth = palette_depth (colours);
      row_bytes = ((gsize)width * depth + 7) / 8;
    }
  else
    {
      depth = 8;
      if (!opaque)
        {
          /* Truecolour needs alpha only if some pixel is not opaque. */
          for (int y = 0; y < height && !translucent; y++)
            {
              const guint32 *row = surface_row (data, stride, y);

              for (int x = 0; x < width && !translucent; x++)
                translucent = (row[x] >> 24) != 0xff;
            }
        }
      channels = translucent ? 4 : 3;
      row_bytes = (gsize)width * channels;
    }

  if (row_bytes > G_MAXSIZE / MAX (height, 1))
    {
      g_set_error_literal (error, QRS_EXPORT_ERROR, QRS_EXPORT_ERROR_FAILED,
                           _("The image is too large for a PNG file: choose a smaller size."));
      return NULL;
    }

  rows = pack_rows (data, stride, width, height, opaque, palette, colours, depth, channels, row_bytes);
  row_pointers = g_new (png_bytep, MAX (height, 1));
  for (int y = 0; y < height; y++)
    row_pointers[y] = rows + row_bytes * y;

  if (colours > 0)
    return write_palette_png (width, height, palette, colours, row_pointers,
                              dpi, keys, values, error);

  out = g_byte_array_new ();
  text = make_text (keys, values, &n_text);
  if (!write_png (out, width, height, depth,
                  channels == 4 ? PNG_COLOR_TYPE_RGB_ALPHA : PNG_COLOR_TYPE_RGB,
                  NULL, NULL, 0, dpi, text, n_text, row_pointers, error))
    return NULL;

  return g_byte_array_free_to_bytes (g_steal_pointer (&out));
}

static inline guint32
color_pixel (const QrsColor *color)
{
  return 0xff000000u | (guint32)color->red << 16 | (guint32)color->green << 8 | color->blue;
}

/* Sets pixels [@x0, @x1) of a packed row to palette entry @index. */
static void
fill_run (guint8 *line,
          guint   depth,
          int     x0,
          int     x1,
          guint   index)
{
  if (index == 0)
    return;

  for (int x = x0; x < x1; x++)
    line[(gsize)x * depth / 8] |= index << (8 - depth - ((gsize)x * depth) % 8);
}

/**
 * qrs_png_encode_plan:
 * @plan: the modules of a square-module design without logo or caption
 * @design: its colours: opaque, but for a background that may be clear
 * @width: the image's width and height in pixels
 * @module: pixels a module: a whole number, or at least 2
 * @quiet: the quiet zone in modules
 *
 * Writes, byte for byte, the file qrs_png_encode() makes of the
 * renderer's drawing of such a design, without drawing it.  Those
 * conditions are what make the drawing a pure palette image: every
 * module edge falls on a pixel edge, nothing is blended, and the image
 * is the symbol and its quiet zone only.  A batch of plain codes spends
 * a third of its time drawing and then reading back pixels that follow
 * from the plan alone; this writes each module row once and lets every
 * pixel row of it point at the same bytes.
 *
 * Returns: (transfer full): the PNG file, or %NULL with @error set
 */
GBytes *
qrs_png_encode_plan (const QrsModulePlan *plan,
                     QrsDesign          *design,
                     int                 width,
                     double              module,
                     guint               quiet,
                     double              dpi,
                     const char * const *keys,
                     const char * const *values,
                     GError            **error)
{
  const QrsColor *background = qrs_design_get_background (design);
  guint n = plan->width;
  guint32 pixel_of[QRS_N_PAINTS];
  guint index_of[QRS_N_PAINTS] = { 0, };
  gboolean seen[QRS_N_PAINTS] = { FALSE, };
  guint32 palette[MAX_PALETTE];
  guint colours = 0, depth;
  gsize row_bytes;
  g_autofree int *edges = g_new (int, n + 1);
  g_autofree guint8 *lines = NULL;
  g_autofree png_bytep *row_pointers = NULL;
  double x0 = quiet * module;

  g_return_val_if_fail (plan->shape == QRS_MODULE_SHAPE_SQUARE && !plan->has_logo, NULL);
  g_return_val_if_fail (width > 0 && module >= 1, NULL);

  /* The renderer's edges: the same arithmetic, rounded to device pixels
   * as its grid snaps them. */
  for (guint k = 0; k <= n; k++)
    edges[k] = (int)round (x0 + k * module);

  pixel_of[QRS_PAINT_NONE] = background->alpha == 0 ? 0 : color_pixel (background);
  for (QrsPaint paint = QRS_PAINT_FOREGROUND; paint < QRS_N_PAINTS; paint++)
    {
      const QrsColor *color = qrs_module_plan_get_color (design, paint);

      pixel_of[paint] = color != NULL ? color_pixel (color) : 0;
    }

  /* Palette entries in the order the pixels first show them, as
   * find_palette() reads the drawn image: row by row from the top left. */
#define SEE(paint)                                                      \
  G_STMT_START {                                                        \
    QrsPaint p_ = (paint);                                              \
    if (!seen[p_])                                                      \
      {                                                                 \
        guint i_;                                                       \
        for (i_ = 0; i_ < colours && palette[i_] != pixel_of[p_]; i_++) \
          ;                                                             \
        if (i_ == colours)                                              \
          palette[colours++] = pixel_of[p_];                            \
        index_of[p_] = i_;                                              \
        seen[p_] = TRUE;                                                \
      }                                                                 \
  } G_STMT_END

  if (edges[0] > 0)
    SEE (QRS_PAINT_NONE);
  for (guint y = 0; y < n; y++)
    {
      for (guint x = 0; x < n; x++)
        SEE (QRS_CELL_PAINT (plan->cells[(gsize)y * n + x]));
      if (edges[n] < width)
        SEE (QRS_PAINT_NONE);
    }
#undef SEE

  depth = palette_depth (colours);
  row_bytes = ((gsize)width * depth + 7) / 8;

  /* One packed line per module row and one for the quiet zone. */
  lines = g_malloc0 (row_bytes * (n + 1));
  for (guint y = 0; y <= n; y++)
    {
      guint8 *line = lines + row_bytes * y;

      if (y == n)
        {
          fill_run (line, depth, 0, width, index_of[QRS_PAINT_NONE]);
          break;
        }

      if (seen[QRS_PAINT_NONE])
        {
          fill_run (line, depth, 0, edges[0], index_of[QRS_PAINT_NONE]);
          fill_run (line, depth, edges[n], width, index_of[QRS_PAINT_NONE]);
        }
      for (guint x = 0; x < n; x++)
        fill_run (line, depth, edges[x], edges[x + 1],
                  index_of[QRS_CELL_PAINT (plan->cells[(gsize)y * n + x])]);
    }

  row_pointers = g_new (png_bytep, width);
  for (int y = 0, r = 0; y < width; y++)
    {
      while (r < (int)n && y >= edges[r + 1])
        r++;
      row_pointers[y] = lines + row_bytes * (y >= edges[0] && y < edges[n] ? (guint)r : n);
    }

  return write_palette_png (width, width, palette, colours, row_pointers,
                            dpi, keys, values, error);
}
