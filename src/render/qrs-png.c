/* qrs-png.c — a PNG writer for codes
 *
 * gdk-pixbuf writes every PNG as 8-bit RGB(A) and spends most of an
 * export compressing three bytes a pixel.  A code has two colours, or a
 * few hundred with a caption's anti-aliasing: written with a palette of
 * 1 to 8 bits a pixel and the "Up" filter (a module's rows repeat), the
 * same image compresses in a fraction of the time and size.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include <gio/gio.h>
#include <glib/gi18n-lib.h>

#include "qrs-export.h"
#include "qrs-render-private.h"

#define MAX_PALETTE 256
#define ZLIB_LEVEL  6

static guint32 crc_table[256];

static void
init_crc_table (void)
{
  static gsize once = 0;

  if (g_once_init_enter (&once))
    {
      for (guint32 n = 0; n < 256; n++)
        {
          guint32 c = n;

          for (int k = 0; k < 8; k++)
            c = (c & 1) ? 0xedb88320u ^ (c >> 1) : c >> 1;
          crc_table[n] = c;
        }
      g_once_init_leave (&once, 1);
    }
}

static guint32
crc_update (guint32       crc,
            const guint8 *data,
            gsize         length)
{
  for (gsize i = 0; i < length; i++)
    crc = crc_table[(crc ^ data[i]) & 0xff] ^ (crc >> 8);

  return crc;
}

static void
append_be32 (GByteArray *out,
             guint32     value)
{
  guint8 be[4] = { value >> 24, value >> 16, value >> 8, value };

  g_byte_array_append (out, be, 4);
}

static void
append_chunk (GByteArray   *out,
              const char   *type,
              const guint8 *data,
              gsize         length)
{
  guint32 crc;

  append_be32 (out, length);
  g_byte_array_append (out, (const guint8 *)type, 4);
  if (length > 0)
    g_byte_array_append (out, data, length);

  crc = crc_update (0xffffffffu, (const guint8 *)type, 4);
  crc = crc_update (crc, data, length);
  append_be32 (out, crc ^ 0xffffffffu);
}

/* Latin-1 text goes in tEXt as the PNG standard asks; anything else in
 * an uncompressed iTXt. */
static void
append_text (GByteArray *out,
             const char *keyword,
             const char *value)
{
  g_autoptr(GByteArray) body = g_byte_array_new ();
  g_autofree char *latin1 = NULL;
  gsize latin1_length = 0;

  g_byte_array_append (body, (const guint8 *)keyword, strlen (keyword) + 1);

  latin1 = g_convert (value, -1, "ISO-8859-1", "UTF-8", NULL, &latin1_length, NULL);
  if (latin1 != NULL)
    {
      g_byte_array_append (body, (const guint8 *)latin1, latin1_length);
      append_chunk (out, "tEXt", body->data, body->len);
    }
  else
    {
      /* no compression, no language tag, no translated keyword */
      static const guint8 itxt_header[] = { 0, 0, 0, 0 };

      g_byte_array_append (body, itxt_header, sizeof itxt_header);
      g_byte_array_append (body, (const guint8 *)value, strlen (value));
      append_chunk (out, "iTXt", body->data, body->len);
    }
}

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

static gboolean
compress (const guint8  *raw,
          gsize          length,
          GByteArray    *out,
          GError       **error)
{
  g_autoptr(GZlibCompressor) compressor = g_zlib_compressor_new (G_ZLIB_COMPRESSOR_FORMAT_ZLIB, ZLIB_LEVEL);
  gsize offset = 0;

  for (;;)
    {
      guint8 buffer[64 * 1024];
      gsize read = 0, written = 0;
      GConverterResult result;

      result = g_converter_convert (G_CONVERTER (compressor), raw + offset, length - offset,
                                    buffer, sizeof buffer, G_CONVERTER_INPUT_AT_END,
                                    &read, &written, error);
      if (result == G_CONVERTER_ERROR)
        return FALSE;

      offset += read;
      g_byte_array_append (out, buffer, written);

      if (result == G_CONVERTER_FINISHED)
        return TRUE;
    }
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
  g_autoptr(GByteArray) out = g_byte_array_new ();
  g_autoptr(GByteArray) idat = g_byte_array_new ();
  g_autofree guint8 *raw = NULL;
  g_autofree guint8 *previous = NULL;
  g_autofree guint8 *current = NULL;
  guint32 palette[MAX_PALETTE];
  guint colours, depth, channels = 0;
  gsize row_bytes;
  guint8 ihdr[13];
  guint8 phys[9];
  guint32 ppm;
  gboolean translucent = FALSE;

  g_return_val_if_fail (cairo_image_surface_get_format (surface) == CAIRO_FORMAT_RGB24 ||
                        cairo_image_surface_get_format (surface) == CAIRO_FORMAT_ARGB32, NULL);

  init_crc_table ();
  cairo_surface_flush (surface);
  data = cairo_image_surface_get_data (surface);

  colours = find_palette (data, stride, width, height, opaque, palette);
  if (colours > 0)
    {
      depth = colours <= 2 ? 1 : colours <= 4 ? 2 : colours <= 16 ? 4 : 8;
      row_bytes = ((gsize)width * depth + 7) / 8;
      for (guint i = 0; i < colours; i++)
        translucent |= (palette[i] >> 24) != 0xff;
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

  if (row_bytes + 1 > G_MAXSIZE / MAX (height, 1))
    {
      g_set_error_literal (error, QRS_EXPORT_ERROR, QRS_EXPORT_ERROR_FAILED,
                           _("The image is too large for a PNG file: choose a smaller size."));
      return NULL;
    }

  /* Each row: filter type 2 ("Up"), then the bytes less those above. */
  raw = g_malloc ((row_bytes + 1) * height);
  previous = g_malloc0 (row_bytes);
  current = g_malloc (row_bytes);
  for (int y = 0; y < height; y++)
    {
      const guint32 *row = surface_row (data, stride, y);
      guint8 *line = raw + (row_bytes + 1) * y;
      guint8 *swap;

      if (colours > 0)
        {
          guint32 last = 0;
          guint last_index = 0;
          gboolean have_last = FALSE;

          memset (current, 0, row_bytes);
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

              current[(gsize)x * depth / 8] |= index << (8 - depth - ((gsize)x * depth) % 8);
            }
        }
      else
        {
          for (int x = 0; x < width; x++)
            {
              guint32 pixel = opaque ? row[x] : unpremultiply (row[x]);
              guint8 *p = current + (gsize)x * channels;

              p[0] = pixel >> 16;
              p[1] = pixel >> 8;
              p[2] = pixel;
              if (channels == 4)
                p[3] = pixel >> 24;
            }
        }

      line[0] = 2;
      for (gsize i = 0; i < row_bytes; i++)
        line[1 + i] = current[i] - previous[i];

      swap = previous;
      previous = current;
      current = swap;
    }

  if (!compress (raw, (row_bytes + 1) * height, idat, error))
    return NULL;

  g_byte_array_append (out, (const guint8 *)"\x89PNG\r\n\x1a\n", 8);

  ihdr[0] = width >> 24; ihdr[1] = width >> 16; ihdr[2] = width >> 8; ihdr[3] = width;
  ihdr[4] = height >> 24; ihdr[5] = height >> 16; ihdr[6] = height >> 8; ihdr[7] = height;
  ihdr[8] = depth;
  ihdr[9] = colours > 0 ? 3 : channels == 4 ? 6 : 2;
  ihdr[10] = 0;  /* deflate */
  ihdr[11] = 0;  /* adaptive filtering */
  ihdr[12] = 0;  /* not interlaced */
  append_chunk (out, "IHDR", ihdr, sizeof ihdr);

  /* Pixels per metre, as PNG states resolution. */
  ppm = (guint32)round (dpi / 0.0254);
  phys[0] = ppm >> 24; phys[1] = ppm >> 16; phys[2] = ppm >> 8; phys[3] = ppm;
  memcpy (phys + 4, phys, 4);
  phys[8] = 1;
  append_chunk (out, "pHYs", phys, sizeof phys);

  for (guint i = 0; keys != NULL && keys[i] != NULL; i++)
    append_text (out, keys[i], values[i]);

  if (colours > 0)
    {
      guint8 plte[3 * MAX_PALETTE];
      guint8 trns[MAX_PALETTE];

      for (guint i = 0; i < colours; i++)
        {
          guint32 pixel = unpremultiply (palette[i]);

          plte[3 * i] = pixel >> 16;
          plte[3 * i + 1] = pixel >> 8;
          plte[3 * i + 2] = pixel;
          trns[i] = pixel >> 24;
        }
      append_chunk (out, "PLTE", plte, 3 * colours);
      if (translucent)
        append_chunk (out, "tRNS", trns, colours);
    }

  append_chunk (out, "IDAT", idat->data, idat->len);
  append_chunk (out, "IEND", NULL, 0);

  return g_byte_array_free_to_bytes (g_steal_pointer (&out));
}
