/* qrs-color.h — an sRGB colour with alpha, as the design stores it
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

typedef struct
{
  guint8 red;
  guint8 green;
  guint8 blue;
  guint8 alpha;
} QrsColor;

#define QRS_TYPE_COLOR (qrs_color_get_type ())

GType     qrs_color_get_type           (void) G_GNUC_CONST;
QrsColor *qrs_color_copy               (const QrsColor *self);
void      qrs_color_free               (QrsColor       *self);
gboolean  qrs_color_parse              (const char     *str,
                                        QrsColor       *color,
                                        GError        **error);
char     *qrs_color_to_string          (const QrsColor *self);
gboolean  qrs_color_equal              (const QrsColor *a,
                                        const QrsColor *b);
double    qrs_color_relative_luminance (const QrsColor *self);
QrsColor  qrs_color_composite          (const QrsColor *over,
                                        const QrsColor *under);
double    qrs_color_contrast_ratio     (const QrsColor *a,
                                        const QrsColor *b);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (QrsColor, qrs_color_free)

G_END_DECLS
