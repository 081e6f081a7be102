/* qrs-export.c — PNG, SVG, PDF, EPS, JPEG and WebP files of a design
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include <cairo-pdf.h>
#include <cairo-ps.h>
#include <gdk-pixbuf/gdk-pixbuf.h>
#include <glib/gi18n-lib.h>

#include "qrs-export.h"
#include "qrs-render-private.h"
#include "qrs-renderer.h"

#define JPEG_QUALITY "95"
#define POINTS_PER_MM (72.0 / 25.4)

G_DEFINE_QUARK (qrs-export-error-quark, qrs_export_error)

static const struct
{
  const char      *name;
  QrsExportFormat  format;
} format_names[] = {
  { "png",  QRS_EXPORT_FORMAT_PNG },
  { "svg",  QRS_EXPORT_FORMAT_SVG },
  { "pdf",  QRS_EXPORT_FORMAT_PDF },
  { "eps",  QRS_EXPORT_FORMAT_EPS },
  { "jpg",  QRS_EXPORT_FORMAT_JPEG },
  { "jpeg", QRS_EXPORT_FORMAT_JPEG },
  { "webp", QRS_EXPORT_FORMAT_WEBP },
};

/**
 * qrs_export_format_from_string:
 * @name: a format's name or extension, in any case: "png", "JPG", ...
 *
 * Returns: %TRUE when @name names a format we write
 */
gboolean
qrs_export_format_from_string (const char      *name,
                               QrsExportFormat *format)
{
  g_return_val_if_fail (name != NULL, FALSE);

  for (guint i = 0; i < G_N_ELEMENTS (format_names); i++)
    if (g_ascii_strcasecmp (name, format_names[i].name) == 0)
      {
        if (format != NULL)
          *format = format_names[i].format;
        return TRUE;
      }

  return FALSE;
}

/**
 * qrs_export_format_from_filename:
 *
 * Finds the format from the extension of @filename, in any case.
 *
 * Returns: %TRUE, or %FALSE with @error set to
 *   %QRS_EXPORT_ERROR_UNKNOWN_FORMAT naming the extensions we know
 */
gboolean
qrs_export_format_from_filename (const char       *filename,
                                 QrsExportFormat  *format,
                                 GError          **error)
{
  g_autofree char *basename = NULL;
  g_autofree char *display = NULL;
  const char *dot;

  g_return_val_if_fail (filename != NULL, FALSE);

  basename = g_path_get_basename (filename);
  dot = strrchr (basename, '.');
  if (dot != NULL && dot != basename && qrs_export_format_from_string (dot + 1, format))
    return TRUE;

  display = g_filename_display_name (filename);
  g_set_error (error, QRS_EXPORT_ERROR, QRS_EXPORT_ERROR_UNKNOWN_FORMAT,
               _("Cannot tell the image format of “%s”: end the file name in .png, .svg, .pdf, .eps, .jpg, .jpeg or .webp."),
               display);
  return FALSE;
}

/**
 * qrs_export_format_get_extension:
 *
 * Returns: the usual extension, without the dot: "png", "jpg", ...
 */
const char *
qrs_export_format_get_extension (QrsExportFormat format)
{
  switch (format)
    {
    case QRS_EXPORT_FORMAT_PNG:  return "png";
    case QRS_EXPORT_FORMAT_SVG:  return "svg";
    case QRS_EXPORT_FORMAT_PDF:  return "pdf";
    case QRS_EXPORT_FORMAT_EPS:  return "eps";
    case QRS_EXPORT_FORMAT_JPEG: return "jpg";
    case QRS_EXPORT_FORMAT_WEBP: return "webp";
    default: g_return_val_if_reached (NULL);
    }
}

const char *
qrs_export_format_get_media_type (QrsExportFormat format)
{
  switch (format)
    {
    case QRS_EXPORT_FORMAT_PNG:  return "image/png";
    case QRS_EXPORT_FORMAT_SVG:  return "image/svg+xml";
    case QRS_EXPORT_FORMAT_PDF:  return "application/pdf";
    case QRS_EXPORT_FORMAT_EPS:  return "application/postscript";
    case QRS_EXPORT_FORMAT_JPEG: return "image/jpeg";
    case QRS_EXPORT_FORMAT_WEBP: return "image/webp";
    default: g_return_val_if_reached (NULL);
    }
}

static gboolean
check_cairo (cairo_status_t   status,
             GError         **error)
{
  if (status == CAIRO_STATUS_SUCCESS)
    return TRUE;

  g_set_error (error, QRS_EXPORT_ERROR, QRS_EXPORT_ERROR_FAILED,
               _("The image could not be made: %s"), cairo_status_to_string (status));
  return FALSE;
}

/* Raster exports: the design's width in pixels, every pixel either
 * painted or, with a translucent background, honestly transparent. */
static cairo_surface_t *
render_raster (QrsDesign  *design,
               QrsSymbol  *symbol,
               gboolean    on_white,
               GError    **error)
{
  g_autoptr(QrsRenderer) renderer = qrs_renderer_new ();
  const QrsColor *background = qrs_design_get_background (design);
  gboolean opaque = on_white || background->alpha == 255;
  cairo_surface_t *surface;
  cairo_t *cr;
  QrsLayout layout;
  int width, height;
  gboolean ok;

  width = MAX (1, (int)round (qrs_design_get_width_px (design)));
  qrs_renderer_get_layout (renderer, design, symbol, width, &layout);
  height = MAX (1, (int)ceil (layout.height - 1e-6));

  surface = cairo_image_surface_create (opaque ? CAIRO_FORMAT_RGB24 : CAIRO_FORMAT_ARGB32,
                                        width, height);
  if (!check_cairo (cairo_surface_status (surface), error))
    {
      cairo_surface_destroy (surface);
      return NULL;
    }

  cr = cairo_create (surface);
  if (on_white)
    {
      /* JPEG has no alpha: what a translucent background shows over
       * white paper. */
      cairo_set_source_rgb (cr, 1, 1, 1);
      cairo_paint (cr);
    }

  ok = qrs_renderer_draw (renderer, design, symbol, cr, width, error);
  if (ok)
    ok = check_cairo (cairo_status (cr), error);
  cairo_destroy (cr);

  if (!ok)
    {
      cairo_surface_destroy (surface);
      return NULL;
    }

  cairo_surface_flush (surface);
  return surface;
}

static GdkPixbuf *
pixbuf_from_surface (cairo_surface_t *surface)
{
  gboolean alpha = cairo_image_surface_get_format (surface) == CAIRO_FORMAT_ARGB32;
  int width = cairo_image_surface_get_width (surface);
  int height = cairo_image_surface_get_height (surface);
  int src_stride = cairo_image_surface_get_stride (surface);
  const guint8 *data = cairo_image_surface_get_data (surface);
  GdkPixbuf *pixbuf;
  guint8 *pixels;
  int stride;

  pixbuf = gdk_pixbuf_new (GDK_COLORSPACE_RGB, alpha, 8, width, height);
  if (pixbuf == NULL)
    return NULL;

  pixels = gdk_pixbuf_get_pixels (pixbuf);
  stride = gdk_pixbuf_get_rowstride (pixbuf);

  for (int y = 0; y < height; y++)
    {
      const guint32 *src = (const guint32 *)(const void *)(data + (gsize)y * src_stride);
      guint8 *dst = pixels + (gsize)y * stride;

      for (int x = 0; x < width; x++)
        {
          guint32 p = src[x];
          guint a = p >> 24;
          guint r = (p >> 16) & 0xff;
          guint g = (p >> 8) & 0xff;
          guint b = p & 0xff;

          if (!alpha)
            {
              dst[0] = r;
              dst[1] = g;
              dst[2] = b;
              dst += 3;
              continue;
            }

          /* cairo premultiplies; image files do not. */
          if (a != 0 && a != 255)
            {
              r = (r * 255 + a / 2) / a;
              g = (g * 255 + a / 2) / a;
              b = (b * 255 + a / 2) / a;
            }
          dst[0] = r;
          dst[1] = g;
          dst[2] = b;
          dst[3] = a;
          dst += 4;
        }
    }

  return pixbuf;
}

static gboolean
webp_is_writable (void)
{
  g_autoptr(GSList) formats = gdk_pixbuf_get_formats ();

  for (GSList *l = formats; l != NULL; l = l->next)
    {
      GdkPixbufFormat *format = l->data;
      g_autofree char *name = gdk_pixbuf_format_get_name (format);

      if (g_strcmp0 (name, "webp") == 0 && gdk_pixbuf_format_is_writable (format))
        return TRUE;
    }

  return FALSE;
}

/* Older WebP loaders ignore "lossless" and write lossy VP8; ask once what
 * this one does, by looking for a lossless VP8L chunk in its output. */
static gboolean
webp_supports_lossless (void)
{
  static gsize once = 0;
  static gboolean lossless = FALSE;

  if (g_once_init_enter (&once))
    {
      g_autoptr(GdkPixbuf) probe = gdk_pixbuf_new (GDK_COLORSPACE_RGB, FALSE, 8, 2, 2);
      g_autofree char *buffer = NULL;
      gsize length = 0;

      gdk_pixbuf_fill (probe, 0x204080ff);
      if (gdk_pixbuf_save_to_buffer (probe, &buffer, &length, "webp", NULL,
                                     "lossless", "1", NULL))
        for (gsize i = 0; i + 4 <= length && !lossless; i++)
          lossless = memcmp (buffer + i, "VP8L", 4) == 0;

      g_once_init_leave (&once, 1);
    }

  return lossless;
}

static gboolean
is_opaque (const QrsColor *color)
{
  return color == NULL || color->alpha == 255;
}

/* Whether the renderer's drawing of @design is a palette image that
 * follows from its module plan alone: square modules on whole device
 * pixels (the renderer snaps every edge from 2 pixels a module up, and
 * at whole numbers of pixels below), nothing blended, no logo or
 * caption. */
static gboolean
is_plain (QrsDesign           *design,
          const QrsModulePlan *plan,
          const QrsLayout     *layout)
{
  double module = layout->module_size;

  if (plan->shape != QRS_MODULE_SHAPE_SQUARE || plan->has_logo ||
      layout->logo_size > 0 || layout->caption_height > 0 ||
      layout->height != layout->width)
    return FALSE;

  if (!(module >= 2 || (module >= 1 && fabs (module - round (module)) < 1e-6)))
    return FALSE;

  return (qrs_design_get_background (design)->alpha == 0 ||
          qrs_design_get_background (design)->alpha == 255) &&
         is_opaque (qrs_design_get_foreground (design)) &&
         is_opaque (qrs_design_get_finder_color (design)) &&
         is_opaque (qrs_design_get_alignment_color (design));
}

/* PNG: written by our own encoder, which states the DPI in pHYs and
 * uses a palette whenever the code's colours fit in one.  A plain code
 * is written straight from its module plan; the file is the same. */
static GBytes *
export_png (QrsDesign  *design,
            QrsSymbol  *symbol,
            gboolean    draw,
            GError    **error)
{
  const char *keys[4] = { "Software", NULL, };
  const char *values[4] = { PACKAGE_NAME, NULL, };
  g_autofree char *title = NULL;
  g_autofree char *description = NULL;
  cairo_surface_t *surface;
  GBytes *png;
  guint n = 1;

  if (qrs_design_get_title (design) != NULL)
    {
      keys[n] = "Title";
      values[n++] = title = g_utf8_make_valid (qrs_design_get_title (design), -1);
    }
  if (qrs_design_get_description (design) != NULL)
    {
      keys[n] = "Description";
      values[n++] = description = g_utf8_make_valid (qrs_design_get_description (design), -1);
    }

  if (!draw)
    {
      g_autoptr(QrsRenderer) renderer = qrs_renderer_new ();
      int width = MAX (1, (int)round (qrs_design_get_width_px (design)));
      const QrsModulePlan *plan;
      QrsLayout layout;

      qrs_renderer_get_layout (renderer, design, symbol, width, &layout);
      plan = qrs_renderer_get_plan (renderer, design, symbol);
      if (is_plain (design, plan, &layout))
        return qrs_png_encode_plan (plan, design, width, layout.module_size,
                                    qrs_design_get_effective_quiet_zone (design),
                                    qrs_design_get_dpi (design), keys, values, error);
    }

  surface = render_raster (design, symbol, FALSE, error);
  if (surface == NULL)
    return NULL;

  png = qrs_png_encode (surface, qrs_design_get_dpi (design), keys, values, error);
  cairo_surface_destroy (surface);

  return png;
}

static GBytes *
export_pixbuf (QrsDesign        *design,
               QrsSymbol        *symbol,
               QrsExportFormat   format,
               GError          **error)
{
  g_autoptr(GdkPixbuf) pixbuf = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autoptr(GPtrArray) keys = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) values = g_ptr_array_new_with_free_func (g_free);
  cairo_surface_t *surface;
  const char *type = NULL;
  char *buffer = NULL;
  gsize length = 0;
  int dpi = (int)round (qrs_design_get_dpi (design));

  switch (format)
    {
    case QRS_EXPORT_FORMAT_JPEG:
      type = "jpeg";
      g_ptr_array_add (keys, g_strdup ("quality"));
      g_ptr_array_add (values, g_strdup (JPEG_QUALITY));
      g_ptr_array_add (keys, g_strdup ("x-dpi"));
      g_ptr_array_add (values, g_strdup_printf ("%d", dpi));
      g_ptr_array_add (keys, g_strdup ("y-dpi"));
      g_ptr_array_add (values, g_strdup_printf ("%d", dpi));
      break;

    case QRS_EXPORT_FORMAT_WEBP:
      type = "webp";
      if (!webp_is_writable ())
        {
          g_set_error_literal (error, QRS_EXPORT_ERROR, QRS_EXPORT_ERROR_UNSUPPORTED,
                               _("WebP export needs the WebP image loader: install the webp-pixbuf-loader package."));
          return NULL;
        }
      if (webp_supports_lossless ())
        {
          g_ptr_array_add (keys, g_strdup ("lossless"));
          g_ptr_array_add (values, g_strdup ("1"));
        }
      else
        {
          g_ptr_array_add (keys, g_strdup ("quality"));
          g_ptr_array_add (values, g_strdup ("100"));
        }
      break;

    case QRS_EXPORT_FORMAT_PNG:
    case QRS_EXPORT_FORMAT_SVG:
    case QRS_EXPORT_FORMAT_PDF:
    case QRS_EXPORT_FORMAT_EPS:
    default:
      g_assert_not_reached ();
    }

  g_ptr_array_add (keys, NULL);
  g_ptr_array_add (values, NULL);

  surface = render_raster (design, symbol, format == QRS_EXPORT_FORMAT_JPEG, error);
  if (surface == NULL)
    return NULL;

  pixbuf = pixbuf_from_surface (surface);
  cairo_surface_destroy (surface);

  if (pixbuf == NULL)
    {
      g_set_error_literal (error, QRS_EXPORT_ERROR, QRS_EXPORT_ERROR_FAILED,
                           _("There is not enough memory for an image this large: choose a smaller size."));
      return NULL;
    }

  if (!gdk_pixbuf_save_to_bufferv (pixbuf, &buffer, &length, type,
                                   (char **)keys->pdata, (char **)values->pdata,
                                   &local_error))
    {
      g_set_error (error, QRS_EXPORT_ERROR, QRS_EXPORT_ERROR_FAILED,
                   _("The %s image could not be encoded: %s"),
                   qrs_export_format_get_extension (format), local_error->message);
      return NULL;
    }

  return g_bytes_new_take (buffer, length);
}

static cairo_status_t
append_cb (void                *closure,
           const unsigned char *data,
           unsigned int         length)
{
  g_byte_array_append (closure, data, length);
  return CAIRO_STATUS_SUCCESS;
}

/* DSC comments are printable ASCII on one line. */
static char *
dsc_text (const char *text)
{
  g_autofree char *ascii = g_str_to_ascii (text, "C");
  GString *out = g_string_new (NULL);

  for (const char *p = ascii; *p && out->len < 200; p++)
    g_string_append_c (out, g_ascii_isprint (*p) ? *p : ' ');

  return g_string_free (out, FALSE);
}

/* PDF and EPS: exactly the design's printed size, in points, drawn as
 * vectors by the same renderer. */
static GBytes *
export_vector (QrsDesign        *design,
               QrsSymbol        *symbol,
               QrsExportFormat   format,
               GError          **error)
{
  g_autoptr(QrsRenderer) renderer = qrs_renderer_new ();
  g_autoptr(GByteArray) buffer = g_byte_array_new ();
  const char *title = qrs_design_get_title (design);
  const char *description = qrs_design_get_description (design);
  cairo_surface_t *surface;
  cairo_t *cr;
  QrsLayout layout;
  double width;
  gboolean ok;

  /* Surfaces write as they go: a logo that fails must fail first. */
  if (!qrs_renderer_check_logo (renderer, design, error))
    return NULL;

  width = qrs_design_get_width_mm (design) * POINTS_PER_MM;
  qrs_renderer_get_layout (renderer, design, symbol, width, &layout);

  if (format == QRS_EXPORT_FORMAT_PDF)
    {
      surface = cairo_pdf_surface_create_for_stream (append_cb, buffer, width, layout.height);
      cairo_pdf_surface_set_metadata (surface, CAIRO_PDF_METADATA_CREATOR, PACKAGE_NAME);
      if (title != NULL)
        cairo_pdf_surface_set_metadata (surface, CAIRO_PDF_METADATA_TITLE, title);
      if (description != NULL)
        cairo_pdf_surface_set_metadata (surface, CAIRO_PDF_METADATA_SUBJECT, description);
    }
  else
    {
      surface = cairo_ps_surface_create_for_stream (append_cb, buffer, width, layout.height);
      cairo_ps_surface_set_eps (surface, TRUE);

      /* cairo rounds the bounding box up to whole points; the exact size
       * follows for the programs that read it.  The background fills the
       * whole page, so the box is the page. */
      if (qrs_design_get_background (design)->alpha > 0)
        {
          char w[G_ASCII_DTOSTR_BUF_SIZE], h[G_ASCII_DTOSTR_BUF_SIZE];
          g_autofree char *comment = NULL;

          g_ascii_formatd (w, sizeof w, "%.6f", width);
          g_ascii_formatd (h, sizeof h, "%.6f", layout.height);
          comment = g_strdup_printf ("%%%%HiResBoundingBox: 0 0 %s %s", w, h);
          cairo_ps_surface_dsc_comment (surface, comment);
        }
      if (title != NULL)
        {
          g_autofree char *ascii = dsc_text (title);
          g_autofree char *comment = g_strdup_printf ("%%%%Title: %s", ascii);

          cairo_ps_surface_dsc_comment (surface, comment);
        }
    }

  cr = cairo_create (surface);
  ok = qrs_renderer_draw (renderer, design, symbol, cr, width, error);
  if (ok)
    ok = check_cairo (cairo_status (cr), error);
  cairo_destroy (cr);

  cairo_surface_finish (surface);
  if (ok)
    ok = check_cairo (cairo_surface_status (surface), error);
  cairo_surface_destroy (surface);

  if (!ok)
    return NULL;

  return g_byte_array_free_to_bytes (g_steal_pointer (&buffer));
}

/* The PNG as the renderer draws it, for the tests that hold
 * qrs_png_encode_plan() to writing the same file. */
GBytes *
qrs_export_png_drawn (QrsDesign  *design,
                      QrsSymbol  *symbol,
                      GError    **error)
{
  return export_png (design, symbol, TRUE, error);
}

/**
 * qrs_export_to_bytes:
 * @design: how the code looks, including its size and DPI
 * @symbol: the encoded symbol
 *
 * Renders the whole file in memory.  Raster formats are the design's
 * width in pixels; PDF and EPS pages are its printed size in points.
 *
 * Returns: (transfer full): the file's bytes, or %NULL with @error set
 *   (%QRS_EXPORT_ERROR, or %QRS_RENDER_ERROR_LOGO for a logo that cannot
 *   be decoded)
 */
GBytes *
qrs_export_to_bytes (QrsDesign        *design,
                     QrsSymbol        *symbol,
                     QrsExportFormat   format,
                     GError          **error)
{
  g_return_val_if_fail (QRS_IS_DESIGN (design), NULL);
  g_return_val_if_fail (QRS_IS_SYMBOL (symbol), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  switch (format)
    {
    case QRS_EXPORT_FORMAT_PNG:
      return export_png (design, symbol, FALSE, error);

    case QRS_EXPORT_FORMAT_JPEG:
    case QRS_EXPORT_FORMAT_WEBP:
      return export_pixbuf (design, symbol, format, error);

    case QRS_EXPORT_FORMAT_SVG:
      return qrs_export_svg (design, symbol, error);

    case QRS_EXPORT_FORMAT_PDF:
    case QRS_EXPORT_FORMAT_EPS:
      return export_vector (design, symbol, format, error);

    default:
      g_set_error (error, QRS_EXPORT_ERROR, QRS_EXPORT_ERROR_UNKNOWN_FORMAT,
                   _("Unknown image format %d."), (int)format);
      return NULL;
    }
}

/**
 * qrs_export_to_file:
 * @path: where to write; an existing file there is replaced
 *
 * Renders in memory, then writes beside @path and renames, so that @path
 * holds either the whole new file or whatever it held before.
 *
 * Returns: %TRUE, or %FALSE with @error set
 */
gboolean
qrs_export_to_file (QrsDesign        *design,
                    QrsSymbol        *symbol,
                    QrsExportFormat   format,
                    const char       *path,
                    GError          **error)
{
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GError) local_error = NULL;
  gconstpointer data;
  gsize length;

  g_return_val_if_fail (QRS_IS_DESIGN (design), FALSE);
  g_return_val_if_fail (QRS_IS_SYMBOL (symbol), FALSE);
  g_return_val_if_fail (path != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!(bytes = qrs_export_to_bytes (design, symbol, format, error)))
    return FALSE;

  data = g_bytes_get_data (bytes, &length);
  if (!g_file_set_contents_full (path, data, length,
                                 G_FILE_SET_CONTENTS_CONSISTENT | G_FILE_SET_CONTENTS_ONLY_EXISTING,
                                 0666, &local_error))
    {
      g_autofree char *display = g_filename_display_name (path);

      g_set_error (error, QRS_EXPORT_ERROR, QRS_EXPORT_ERROR_FAILED,
                   _("Could not save “%s”: %s"), display, local_error->message);
      return FALSE;
    }

  return TRUE;
}

typedef struct
{
  QrsDesign       *design;
  QrsSymbol       *symbol;
  QrsExportFormat  format;
  char            *path;
} ExportData;

static void
export_data_free (ExportData *data)
{
  g_clear_object (&data->design);
  g_clear_object (&data->symbol);
  g_clear_pointer (&data->path, g_free);
  g_free (data);
}

static void
export_thread (GTask        *task,
               gpointer      source_object,
               gpointer      task_data,
               GCancellable *cancellable)
{
  ExportData *data = task_data;
  GError *error = NULL;

  if (g_task_return_error_if_cancelled (task))
    return;

  if (qrs_export_to_file (data->design, data->symbol, data->format, data->path, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

/**
 * qrs_export_to_file_async:
 *
 * Like qrs_export_to_file() on a worker thread.  The design is copied
 * now, so the caller may go on editing it.
 */
void
qrs_export_to_file_async (QrsDesign           *design,
                          QrsSymbol           *symbol,
                          QrsExportFormat      format,
                          const char          *path,
                          GCancellable        *cancellable,
                          GAsyncReadyCallback  callback,
                          gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  ExportData *data;

  g_return_if_fail (QRS_IS_DESIGN (design));
  g_return_if_fail (QRS_IS_SYMBOL (symbol));
  g_return_if_fail (path != NULL);
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  data = g_new0 (ExportData, 1);
  data->design = qrs_design_copy (design);
  data->symbol = g_object_ref (symbol);
  data->format = format;
  data->path = g_strdup (path);

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, qrs_export_to_file_async);
  g_task_set_task_data (task, data, (GDestroyNotify)export_data_free);
  /* Cancelled before it starts, there is no file; once started, the file
   * is written whole and reported so.  GTask's own check would call a
   * file that is on disk cancelled, and a batch would count one file
   * fewer than it left. */
  g_task_set_check_cancellable (task, FALSE);
  g_task_run_in_thread (task, export_thread);
}

gboolean
qrs_export_to_file_finish (GAsyncResult  *result,
                           GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == qrs_export_to_file_async, FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}
