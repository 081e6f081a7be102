/* qrs-color.c — an sRGB colour with alpha, as the design stores it
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include <glib/gi18n-lib.h>

#include "qrs-color.h"
#include "qrs-design.h"

G_DEFINE_BOXED_TYPE (QrsColor, qrs_color, qrs_color_copy, qrs_color_free)

QrsColor *
qrs_color_copy (const QrsColor *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return g_memdup2 (self, sizeof *self);
}

void
qrs_color_free (QrsColor *self)
{
  g_free (self);
}

static int
hex_pair (const char *s)
{
  int hi = g_ascii_xdigit_value (s[0]);
  int lo = g_ascii_xdigit_value (s[1]);

  if (hi < 0 || lo < 0)
    return -1;

  return hi * 16 + lo;
}

/**
 * qrs_color_parse:
 * @str: "#RRGGBB" or "#RRGGBBAA" (the "#" may be left out), or "#RGB"
 * @color: (out): where to store the colour
 * @error: a #GError
 *
 * Returns: %TRUE if @str was a colour
 */
gboolean
qrs_color_parse (const char  *str,
                 QrsColor    *color,
                 GError     **error)
{
  int channels[4] = { 0, 0, 0, 255 };
  const char *given = str;
  gsize len;

  g_return_val_if_fail (color != NULL, FALSE);

  if (str == NULL)
    goto invalid;

  if (str[0] == '#')
    str++;

  len = strlen (str);

  if (len == 3)
    {
      for (guint i = 0; i < 3; i++)
        {
          int v = g_ascii_xdigit_value (str[i]);
          if (v < 0)
            goto invalid;
          channels[i] = v * 17;
        }
    }
  else if (len == 6 || len == 8)
    {
      for (guint i = 0; i < len / 2; i++)
        if ((channels[i] = hex_pair (str + 2 * i)) < 0)
          goto invalid;
    }
  else
    goto invalid;

  color->red = channels[0];
  color->green = channels[1];
  color->blue = channels[2];
  color->alpha = channels[3];

  return TRUE;

invalid:
  g_set_error (error, QRS_DESIGN_ERROR, QRS_DESIGN_ERROR_INVALID,
               _("“%s” is not a colour: write it as #RRGGBB or #RRGGBBAA, for example #1A5FB4."),
               given ? given : "");
  return FALSE;
}

/**
 * qrs_color_to_string:
 *
 * Returns: (transfer full): "#rrggbb", or "#rrggbbaa" when not opaque
 */
char *
qrs_color_to_string (const QrsColor *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  if (self->alpha == 255)
    return g_strdup_printf ("#%02x%02x%02x", self->red, self->green, self->blue);

  return g_strdup_printf ("#%02x%02x%02x%02x", self->red, self->green, self->blue, self->alpha);
}

gboolean
qrs_color_equal (const QrsColor *a,
                 const QrsColor *b)
{
  if (a == NULL || b == NULL)
    return a == b;

  return a->red == b->red && a->green == b->green && a->blue == b->blue && a->alpha == b->alpha;
}

static double
linearize (guint8 channel)
{
  double c = channel / 255.0;

  return c <= 0.04045 ? c / 12.92 : pow ((c + 0.055) / 1.055, 2.4);
}

/**
 * qrs_color_relative_luminance:
 *
 * The WCAG relative luminance of the colour, ignoring alpha.
 *
 * Returns: 0 (black) to 1 (white)
 */
double
qrs_color_relative_luminance (const QrsColor *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return 0.2126 * linearize (self->red)
       + 0.7152 * linearize (self->green)
       + 0.0722 * linearize (self->blue);
}

/**
 * qrs_color_composite:
 *
 * Returns: @over drawn on @under, opaque when @under is
 */
QrsColor
qrs_color_composite (const QrsColor *over,
                     const QrsColor *under)
{
  double a = over->alpha / 255.0;
  double b = under->alpha / 255.0;
  double out = a + b * (1 - a);
  QrsColor result = { 0, 0, 0, 0 };

  if (out <= 0)
    return result;

#define MIX(ch) (guint8) CLAMP (round ((over->ch * a + under->ch * b * (1 - a)) / out), 0, 255)
  result.red = MIX (red);
  result.green = MIX (green);
  result.blue = MIX (blue);
#undef MIX
  result.alpha = (guint8) round (out * 255);

  return result;
}

/**
 * qrs_color_contrast_ratio:
 *
 * The WCAG contrast ratio of two colours; translucent colours are first
 * composited on white paper, as they would be printed.
 *
 * Returns: 1 (none) to 21 (black on white)
 */
double
qrs_color_contrast_ratio (const QrsColor *a,
                          const QrsColor *b)
{
  static const QrsColor paper = { 255, 255, 255, 255 };
  QrsColor b_on_paper, a_on_b;
  double la, lb;

  g_return_val_if_fail (a != NULL && b != NULL, 1);

  b_on_paper = qrs_color_composite (b, &paper);
  a_on_b = qrs_color_composite (a, &b_on_paper);
  la = qrs_color_relative_luminance (&a_on_b);
  lb = qrs_color_relative_luminance (&b_on_paper);

  return (MAX (la, lb) + 0.05) / (MIN (la, lb) + 0.05);
}
