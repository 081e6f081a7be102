/* qrs-symbol.h — one encoded QR or Micro QR symbol
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

typedef enum
{
  QRS_EC_LEVEL_L,
  QRS_EC_LEVEL_M,
  QRS_EC_LEVEL_Q,
  QRS_EC_LEVEL_H,
} QrsEcLevel;

typedef enum
{
  QRS_SYMBOL_TYPE_QR,
  QRS_SYMBOL_TYPE_MICRO_QR,
} QrsSymbolType;

/* What one module of the symbol is, so the renderer can colour and shape
 * the function patterns apart from the data. */
typedef enum /*< flags >*/
{
  QRS_MODULE_DARK      = 1 << 0,
  QRS_MODULE_FINDER    = 1 << 1,
  QRS_MODULE_SEPARATOR = 1 << 2,
  QRS_MODULE_TIMING    = 1 << 3,
  QRS_MODULE_ALIGNMENT = 1 << 4,
  QRS_MODULE_FORMAT    = 1 << 5,
  QRS_MODULE_VERSION   = 1 << 6,
  QRS_MODULE_DATA      = 1 << 7,
} QrsModule;

#define QRS_MODULE_KIND_MASK (~(guint)QRS_MODULE_DARK)

#define QRS_SYMBOL_ERROR (qrs_symbol_error_quark ())

typedef enum
{
  QRS_SYMBOL_ERROR_EMPTY,
  QRS_SYMBOL_ERROR_TOO_LONG,
  QRS_SYMBOL_ERROR_UNSUPPORTED,
  QRS_SYMBOL_ERROR_FAILED,
} QrsSymbolError;

#define QRS_TYPE_SYMBOL (qrs_symbol_get_type ())

G_DECLARE_FINAL_TYPE (QrsSymbol, qrs_symbol, QRS, SYMBOL, GObject)

GQuark         qrs_symbol_error_quark        (void);
QrsSymbol     *qrs_symbol_encode             (const char    *data,
                                              gssize         length,
                                              QrsSymbolType  symbol_type,
                                              QrsEcLevel     ec_level,
                                              int            min_version,
                                              GError       **error);
QrsSymbolType  qrs_symbol_get_symbol_type    (QrsSymbol     *self);
QrsEcLevel     qrs_symbol_get_ec_level       (QrsSymbol     *self);
int            qrs_symbol_get_version        (QrsSymbol     *self);
guint          qrs_symbol_get_width          (QrsSymbol     *self);
QrsModule      qrs_symbol_get_module         (QrsSymbol     *self,
                                              guint          x,
                                              guint          y);
gboolean       qrs_symbol_is_dark            (QrsSymbol     *self,
                                              guint          x,
                                              guint          y);
GBytes        *qrs_symbol_get_data           (QrsSymbol     *self);
gsize          qrs_symbol_get_capacity_bytes (QrsSymbol     *self);
double         qrs_symbol_get_capacity_used  (QrsSymbol     *self);
char          *qrs_symbol_get_version_name   (QrsSymbol     *self);

const char    *qrs_ec_level_to_string        (QrsEcLevel     level);
gboolean       qrs_ec_level_from_string      (const char    *str,
                                              QrsEcLevel    *level);
double         qrs_ec_level_get_recovery     (QrsEcLevel     level);

G_END_DECLS
