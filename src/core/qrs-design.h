/* qrs-design.h — how a code looks: colours, shape, logo, caption, size
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <json-glib/json-glib.h>

#include "qrs-color.h"
#include "qrs-symbol.h"

G_BEGIN_DECLS

typedef enum
{
  QRS_MODULE_SHAPE_SQUARE,
  QRS_MODULE_SHAPE_DOT,
  QRS_MODULE_SHAPE_ROUNDED,
} QrsModuleShape;

typedef enum
{
  QRS_CAPTION_POSITION_BELOW,
  QRS_CAPTION_POSITION_ABOVE,
} QrsCaptionPosition;

typedef enum
{
  QRS_SIZE_UNIT_PX,
  QRS_SIZE_UNIT_MM,
  QRS_SIZE_UNIT_CM,
  QRS_SIZE_UNIT_IN,
} QrsSizeUnit;

#define QRS_DESIGN_FORMAT_VERSION 1
#define QRS_DESIGN_LOGO_MAX_BYTES (2 * 1024 * 1024)

#define QRS_DESIGN_ERROR (qrs_design_error_quark ())

typedef enum
{
  QRS_DESIGN_ERROR_INVALID,
  QRS_DESIGN_ERROR_UNSUPPORTED_VERSION,
} QrsDesignError;

#define QRS_TYPE_DESIGN (qrs_design_get_type ())

G_DECLARE_FINAL_TYPE (QrsDesign, qrs_design, QRS, DESIGN, GObject)

GQuark              qrs_design_error_quark              (void);
QrsDesign          *qrs_design_new                      (void);
QrsDesign          *qrs_design_copy                     (QrsDesign          *self);

const QrsColor     *qrs_design_get_foreground           (QrsDesign          *self);
void                qrs_design_set_foreground           (QrsDesign          *self,
                                                         const QrsColor     *color);
const QrsColor     *qrs_design_get_background           (QrsDesign          *self);
void                qrs_design_set_background           (QrsDesign          *self,
                                                         const QrsColor     *color);
const QrsColor     *qrs_design_get_finder_color         (QrsDesign          *self);
void                qrs_design_set_finder_color         (QrsDesign          *self,
                                                         const QrsColor     *color);
const QrsColor     *qrs_design_get_alignment_color      (QrsDesign          *self);
void                qrs_design_set_alignment_color      (QrsDesign          *self,
                                                         const QrsColor     *color);
gboolean            qrs_design_get_allow_inverted       (QrsDesign          *self);
void                qrs_design_set_allow_inverted       (QrsDesign          *self,
                                                         gboolean            allow_inverted);
QrsModuleShape      qrs_design_get_module_shape         (QrsDesign          *self);
void                qrs_design_set_module_shape         (QrsDesign          *self,
                                                         QrsModuleShape      shape);
int                 qrs_design_get_quiet_zone           (QrsDesign          *self);
void                qrs_design_set_quiet_zone           (QrsDesign          *self,
                                                         int                 modules);
guint               qrs_design_get_effective_quiet_zone (QrsDesign          *self);
QrsEcLevel          qrs_design_get_ec_level             (QrsDesign          *self);
void                qrs_design_set_ec_level             (QrsDesign          *self,
                                                         QrsEcLevel          level);
QrsSymbolType       qrs_design_get_symbol_type          (QrsDesign          *self);
void                qrs_design_set_symbol_type          (QrsDesign          *self,
                                                         QrsSymbolType       symbol_type);
int                 qrs_design_get_min_version          (QrsDesign          *self);
void                qrs_design_set_min_version          (QrsDesign          *self,
                                                         int                 version);
GBytes             *qrs_design_get_logo                 (QrsDesign          *self);
gboolean            qrs_design_set_logo                 (QrsDesign          *self,
                                                         GBytes             *logo,
                                                         GError            **error);
const char         *qrs_design_get_logo_sha256          (QrsDesign          *self);
const char         *qrs_design_get_logo_media_type      (QrsDesign          *self);
double              qrs_design_get_logo_ratio           (QrsDesign          *self);
void                qrs_design_set_logo_ratio           (QrsDesign          *self,
                                                         double              ratio);
double              qrs_design_get_effective_logo_ratio (QrsDesign          *self);
double              qrs_design_get_logo_padding         (QrsDesign          *self);
void                qrs_design_set_logo_padding         (QrsDesign          *self,
                                                         double              modules);
const char         *qrs_design_get_caption              (QrsDesign          *self);
void                qrs_design_set_caption              (QrsDesign          *self,
                                                         const char         *caption);
const char         *qrs_design_get_caption_font         (QrsDesign          *self);
void                qrs_design_set_caption_font         (QrsDesign          *self,
                                                         const char         *font);
QrsCaptionPosition  qrs_design_get_caption_position     (QrsDesign          *self);
void                qrs_design_set_caption_position     (QrsDesign          *self,
                                                         QrsCaptionPosition  position);
const QrsColor     *qrs_design_get_caption_color        (QrsDesign          *self);
void                qrs_design_set_caption_color        (QrsDesign          *self,
                                                         const QrsColor     *color);
const char         *qrs_design_get_title                (QrsDesign          *self);
void                qrs_design_set_title                (QrsDesign          *self,
                                                         const char         *title);
const char         *qrs_design_get_description          (QrsDesign          *self);
void                qrs_design_set_description          (QrsDesign          *self,
                                                         const char         *description);
double              qrs_design_get_size                 (QrsDesign          *self);
void                qrs_design_set_size                 (QrsDesign          *self,
                                                         double              size);
QrsSizeUnit         qrs_design_get_size_unit            (QrsDesign          *self);
void                qrs_design_set_size_unit            (QrsDesign          *self,
                                                         QrsSizeUnit         unit);
double              qrs_design_get_dpi                  (QrsDesign          *self);
void                qrs_design_set_dpi                  (QrsDesign          *self,
                                                         double              dpi);
gboolean            qrs_design_set_size_from_string     (QrsDesign          *self,
                                                         const char         *str,
                                                         GError            **error);
double              qrs_design_get_width_px             (QrsDesign          *self);
double              qrs_design_get_width_mm             (QrsDesign          *self);
gboolean            qrs_design_is_physical              (QrsDesign          *self);

QrsSymbol          *qrs_design_encode                   (QrsDesign          *self,
                                                         const char         *text,
                                                         GError            **error);

JsonNode           *qrs_design_to_json                  (QrsDesign          *self,
                                                         gboolean            embed_logo);
char               *qrs_design_to_data                  (QrsDesign          *self,
                                                         gsize              *length);
QrsDesign          *qrs_design_new_from_json            (JsonNode           *node,
                                                         GError            **error);
QrsDesign          *qrs_design_new_from_data            (const char         *data,
                                                         gssize              length,
                                                         GError            **error);

const char         *qrs_module_shape_to_string          (QrsModuleShape      shape);
gboolean            qrs_module_shape_from_string        (const char         *str,
                                                         QrsModuleShape     *shape);
const char         *qrs_size_unit_to_string             (QrsSizeUnit         unit);
gboolean            qrs_size_unit_from_string           (const char         *str,
                                                         QrsSizeUnit        *unit);

G_END_DECLS
