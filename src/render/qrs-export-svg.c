/* qrs-export-svg.c — compact, accessible SVG of a design
 *
 * Written by hand rather than through cairo's SVG surface: one path per
 * colour in module units, the caption as real text that screen readers
 * and search engines can read, and the logo's original bytes.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include <glib/gi18n-lib.h>

#include "qrs-render-private.h"

typedef struct
{
  GString *out;
  double   ox;   /* the symbol's top-left corner in the viewBox */
  double   oy;
} PathWriter;

/* Numbers in module units: three decimals are far below any printer's
 * resolution, and dropping "0" and trailing zeros keeps paths short. */
static const char *
format_number (char   *buf,
               gsize   size,
               double  value)
{
  gint64 thousandths, whole;
  guint frac;
  char *p = buf + size;

  g_assert (size >= 24);

  /* Thousandths of a module are finer than any printer: print at most
   * three decimals, without trailing zeros, a leading "0" or "-0".  By
   * hand, since printf's floating point is most of an SVG export's time. */
  if (!isfinite (value) || fabs (value) >= 1e12)
    value = 0;
  thousandths = llround (value * 1000);
  whole = ABS (thousandths) / 1000;
  frac = ABS (thousandths) % 1000;

  *--p = '\0';
  if (frac != 0)
    {
      int digits = 3;

      while (frac % 10 == 0)
        {
          frac /= 10;
          digits--;
        }
      for (int i = 0; i < digits; i++, frac /= 10)
        *--p = '0' + frac % 10;
      *--p = '.';
    }
  if (whole != 0 || p[0] != '.')
    {
      do
        *--p = '0' + whole % 10;
      while ((whole /= 10) != 0);
    }
  if (thousandths < 0)
    *--p = '-';

  return p;
}

static void
append_number (GString *out,
               double   value)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];

  g_string_append (out, format_number (buf, sizeof buf, value));
}

/* Path arguments: a minus sign separates numbers by itself. */
static void
append_args (GString      *out,
             guint         n,
             const double *values)
{
  for (guint i = 0; i < n; i++)
    {
      char buf[G_ASCII_DTOSTR_BUF_SIZE];
      const char *str = format_number (buf, sizeof buf, values[i]);

      if (i > 0 && str[0] != '-')
        g_string_append_c (out, ' ');
      g_string_append (out, str);
    }
}

static void
append_cmd (GString *out,
            char     cmd,
            guint    n,
            ...)
{
  double values[7];
  va_list args;

  g_assert (n <= G_N_ELEMENTS (values));

  va_start (args, n);
  for (guint i = 0; i < n; i++)
    values[i] = va_arg (args, double);
  va_end (args);

  g_string_append_c (out, cmd);
  append_args (out, n, values);
}

static void
append_corner (GString *out,
               double   r,
               double   dx,
               double   dy)
{
  append_cmd (out, 'a', 7, r, r, 0.0, 0.0, 1.0, dx, dy);
}

static void
write_shape_cb (const QrsShape *shape,
                gpointer        user_data)
{
  PathWriter *writer = user_data;
  GString *out = writer->out;
  double x = writer->ox + shape->x;
  double y = writer->oy + shape->y;
  double w = shape->w;
  double h = shape->h;

  switch (shape->kind)
    {
    case QRS_SHAPE_RECT:
      append_cmd (out, 'M', 2, x, y);
      append_cmd (out, 'h', 1, w);
      append_cmd (out, 'v', 1, h);
      append_cmd (out, 'h', 1, -w);
      g_string_append_c (out, 'z');
      break;

    case QRS_SHAPE_CIRCLE:
      {
        double r = shape->radius;

        append_cmd (out, 'M', 2, x + 0.5 - r, y + 0.5);
        append_cmd (out, 'a', 7, r, r, 0.0, 1.0, 0.0, 2 * r, 0.0);
        append_cmd (out, 'a', 7, r, r, 0.0, 1.0, 0.0, -2 * r, 0.0);
        g_string_append_c (out, 'z');
      }
      break;

    case QRS_SHAPE_ROUNDED_RECT:
      {
        double r = MIN (shape->radius, MIN (w, h) / 2);
        double tl = (shape->corners & QRS_CORNER_TOP_LEFT) ? r : 0;
        double tr = (shape->corners & QRS_CORNER_TOP_RIGHT) ? r : 0;
        double br = (shape->corners & QRS_CORNER_BOTTOM_RIGHT) ? r : 0;
        double bl = (shape->corners & QRS_CORNER_BOTTOM_LEFT) ? r : 0;

        append_cmd (out, 'M', 2, x + tl, y);
        append_cmd (out, 'h', 1, w - tl - tr);
        if (tr > 0)
          append_corner (out, tr, tr, tr);
        append_cmd (out, 'v', 1, h - tr - br);
        if (br > 0)
          append_corner (out, br, -br, br);
        append_cmd (out, 'h', 1, -(w - br - bl));
        if (bl > 0)
          append_corner (out, bl, -bl, -bl);
        append_cmd (out, 'v', 1, -(h - bl - tl));
        if (tl > 0)
          append_corner (out, tl, tl, -tl);
        g_string_append_c (out, 'z');
      }
      break;

    default:
      g_assert_not_reached ();
    }
}

/* Text for XML: valid UTF-8, no control characters XML 1.0 forbids. */
static char *
escape_text (const char *text)
{
  g_autofree char *valid = g_utf8_make_valid (text, -1);

  for (char *p = valid; *p; p++)
    if ((guchar)*p < 0x20 && *p != '\t' && *p != '\n' && *p != '\r')
      *p = ' ';

  return g_markup_escape_text (valid, -1);
}

static void
append_color (GString        *out,
              const char     *attribute,
              const QrsColor *color)
{
  g_string_append_printf (out, " %s=\"#%02x%02x%02x\"", attribute,
                          color->red, color->green, color->blue);
  if (color->alpha < 255)
    {
      g_string_append_printf (out, " %s-opacity=\"", attribute);
      append_number (out, color->alpha / 255.0);
      g_string_append_c (out, '"');
    }
}

/* Pango's generic families under the names CSS gives them, with a
 * generic fallback for viewers that lack the named font. */
static char *
css_font_family (const char *families)
{
  g_auto(GStrv) names = g_strsplit (families ? families : "Sans", ",", -1);
  g_autoptr(GString) out = g_string_new (NULL);
  gboolean generic = FALSE;

  for (guint i = 0; names[i] != NULL; i++)
    {
      const char *name = g_strstrip (names[i]);
      const char *css = NULL;

      if (name[0] == '\0')
        continue;

      if (g_ascii_strcasecmp (name, "sans") == 0 || g_ascii_strcasecmp (name, "sans-serif") == 0)
        css = "sans-serif";
      else if (g_ascii_strcasecmp (name, "serif") == 0)
        css = "serif";
      else if (g_ascii_strcasecmp (name, "monospace") == 0 || g_ascii_strcasecmp (name, "mono") == 0)
        css = "monospace";
      else if (g_ascii_strcasecmp (name, "cursive") == 0 || g_ascii_strcasecmp (name, "fantasy") == 0)
        css = name;

      if (out->len > 0)
        g_string_append (out, ", ");

      if (css != NULL)
        {
          g_string_append (out, css);
          generic = TRUE;
        }
      else
        {
          g_string_append_c (out, '\'');
          for (const char *p = name; *p; p++)
            if (*p != '\'' && *p != '\\')
              g_string_append_c (out, *p);
          g_string_append_c (out, '\'');
        }
    }

  if (!generic)
    g_string_append (out, out->len > 0 ? ", sans-serif" : "sans-serif");

  return g_string_free (g_steal_pointer (&out), FALSE);
}

static void
append_caption (GString         *out,
                QrsRenderer     *renderer,
                QrsDesign       *design,
                const QrsLayout *layout)
{
  PangoLayout *caption = qrs_renderer_get_caption_layout (renderer);
  const PangoFontDescription *desc;
  g_autoptr(PangoLayoutIter) iter = NULL;
  g_autofree char *family = NULL;
  g_autofree char *family_escaped = NULL;
  const char *text;
  double module = layout->module_size;
  double centre;
  PangoWeight weight;
  PangoStyle style;

  if (caption == NULL)
    return;

  desc = pango_layout_get_font_description (caption);
  text = pango_layout_get_text (caption);
  family = css_font_family (pango_font_description_get_family (desc));
  family_escaped = g_markup_escape_text (family, -1);
  weight = pango_font_description_get_weight (desc);
  style = pango_font_description_get_style (desc);
  centre = (layout->caption_x + layout->caption_width / 2) / module;

  g_string_append_printf (out, "<g font-family=\"%s\" font-size=\"", family_escaped);
  append_number (out, pango_font_description_get_size (desc) / (double)PANGO_SCALE / module);
  g_string_append_c (out, '"');
  if (weight != PANGO_WEIGHT_NORMAL)
    g_string_append_printf (out, " font-weight=\"%d\"", (int)weight);
  if (style == PANGO_STYLE_ITALIC)
    g_string_append (out, " font-style=\"italic\"");
  else if (style == PANGO_STYLE_OBLIQUE)
    g_string_append (out, " font-style=\"oblique\"");
  g_string_append (out, " text-anchor=\"middle\"");
  append_color (out, "fill", qrs_design_get_caption_color (design));
  g_string_append (out, ">\n");

  iter = pango_layout_get_iter (caption);
  do
    {
      PangoLayoutLine *line = pango_layout_iter_get_line_readonly (iter);
      double baseline = pango_layout_iter_get_baseline (iter) / (double)PANGO_SCALE;
      g_autofree char *line_text = g_strndup (text + line->start_index, line->length);
      g_autofree char *escaped = NULL;

      g_strstrip (line_text);
      if (line_text[0] == '\0')
        continue;

      escaped = escape_text (line_text);
      g_string_append (out, "<text x=\"");
      append_number (out, centre);
      g_string_append (out, "\" y=\"");
      append_number (out, (layout->caption_y + baseline) / module);
      g_string_append_printf (out, "\">%s</text>\n", escaped);
    }
  while (pango_layout_iter_next_line (iter));

  g_string_append (out, "</g>\n");
}

static void
append_logo (GString             *out,
             QrsDesign           *design,
             const QrsModulePlan *plan,
             double               ox,
             double               oy)
{
  GBytes *logo = qrs_design_get_logo (design);
  g_autofree char *base64 = NULL;
  gsize size;
  const guchar *data = g_bytes_get_data (logo, &size);

  base64 = g_base64_encode (data, size);

  g_string_append (out, "<image x=\"");
  append_number (out, ox + plan->logo_offset);
  g_string_append (out, "\" y=\"");
  append_number (out, oy + plan->logo_offset);
  g_string_append (out, "\" width=\"");
  append_number (out, plan->logo_size);
  g_string_append (out, "\" height=\"");
  append_number (out, plan->logo_size);
  g_string_append_printf (out, "\" preserveAspectRatio=\"xMidYMid meet\" href=\"data:%s;base64,%s\"/>\n",
                          qrs_design_get_logo_media_type (design), base64);
}

static void
append_size (GString *out,
             double   value,
             gboolean physical)
{
  append_number (out, value);
  if (physical)
    g_string_append (out, "mm");
}

/**
 * qrs_export_svg:
 *
 * Returns: (transfer full): the SVG document, or %NULL with @error set
 */
GBytes *
qrs_export_svg (QrsDesign  *design,
                QrsSymbol  *symbol,
                GError    **error)
{
  g_autoptr(QrsRenderer) renderer = qrs_renderer_new ();
  g_autoptr(QrsModulePlan) plan = NULL;
  g_autoptr(GBytes) data = NULL;
  g_autofree char *id = NULL;
  g_autofree char *title = NULL;
  g_autofree char *description = NULL;
  GString *out;
  QrsLayout layout;
  const QrsColor *background;
  gboolean physical;
  double view_w, view_h, ox, oy;
  guint quiet;

  if (!qrs_renderer_check_logo (renderer, design, error))
    return NULL;

  qrs_renderer_get_layout (renderer, design, symbol, qrs_design_get_width_px (design), &layout);
  plan = qrs_module_plan_new (design, symbol);
  quiet = qrs_design_get_effective_quiet_zone (design);

  view_w = plan->width + 2 * quiet;
  view_h = round (layout.height / layout.module_size * 1000) / 1000;
  ox = quiet;
  oy = quiet + layout.code_y / layout.module_size;

  /* Ids unique to the content, so that several codes inlined in one
   * page do not label each other. */
  data = qrs_symbol_get_data (symbol);
  id = g_compute_checksum_for_bytes (G_CHECKSUM_SHA256, data);
  id[8] = '\0';

  title = escape_text (qrs_design_get_title (design) ?: _("QR code"));
  if (qrs_design_get_description (design) != NULL)
    description = escape_text (qrs_design_get_description (design));

  physical = qrs_design_is_physical (design);

  out = g_string_sized_new (4096);
  g_string_append (out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                        "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"");
  append_size (out, physical ? qrs_design_get_width_mm (design) : layout.width, physical);
  g_string_append (out, "\" height=\"");
  append_size (out, physical ? qrs_design_get_width_mm (design) * layout.height / layout.width
                             : layout.height, physical);
  g_string_append (out, "\" viewBox=\"0 0 ");
  append_number (out, view_w);
  g_string_append_c (out, ' ');
  append_number (out, view_h);
  g_string_append_printf (out, "\" role=\"img\" aria-labelledby=\"qrs-title-%s%s%s\">\n",
                          id, description ? " qrs-desc-" : "", description ? id : "");
  g_string_append_printf (out, "<title id=\"qrs-title-%s\">%s</title>\n", id, title);
  if (description != NULL)
    g_string_append_printf (out, "<desc id=\"qrs-desc-%s\">%s</desc>\n", id, description);

  background = qrs_design_get_background (design);
  if (background->alpha > 0)
    {
      g_string_append (out, "<rect width=\"");
      append_number (out, view_w);
      g_string_append (out, "\" height=\"");
      append_number (out, view_h);
      g_string_append_c (out, '"');
      append_color (out, "fill", background);
      g_string_append (out, "/>\n");
    }

  for (QrsPaint paint = QRS_PAINT_FOREGROUND; paint < QRS_N_PAINTS; paint++)
    {
      PathWriter writer = { out, ox, oy };

      if (!qrs_module_plan_has_paint (plan, paint))
        continue;

      g_string_append (out, "<path");
      append_color (out, "fill", qrs_module_plan_get_color (design, paint));
      if (qrs_module_plan_is_rectilinear (plan, paint))
        g_string_append (out, " shape-rendering=\"crispEdges\"");
      g_string_append (out, " d=\"");
      qrs_module_plan_foreach_shape (plan, paint, write_shape_cb, &writer);
      g_string_append (out, "\"/>\n");
    }

  if (plan->has_logo && plan->logo_size > 0 && qrs_design_get_logo (design) != NULL)
    append_logo (out, design, plan, ox, oy);

  append_caption (out, renderer, design, &layout);

  g_string_append (out, "</svg>\n");

  return g_string_free_to_bytes (out);
}
