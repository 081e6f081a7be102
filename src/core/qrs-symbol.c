/* qrs-symbol.c — one encoded QR or Micro QR symbol
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <errno.h>
#include <string.h>

#include <glib/gi18n-lib.h>
#include <qrencode.h>

#include "qrs-symbol.h"

struct _QrsSymbol
{
  GObject        parent_instance;

  GBytes        *data;
  guint8        *modules;     /* width × width QrsModule values */
  guint          width;
  int            version;
  QrsEcLevel     ec_level;
  QrsSymbolType  symbol_type;
};

G_DEFINE_FINAL_TYPE (QrsSymbol, qrs_symbol, G_TYPE_OBJECT)
G_DEFINE_QUARK (qrs-symbol-error-quark, qrs_symbol_error)

static void
qrs_symbol_finalize (GObject *object)
{
  QrsSymbol *self = (QrsSymbol *)object;

  g_clear_pointer (&self->data, g_bytes_unref);
  g_clear_pointer (&self->modules, g_free);

  G_OBJECT_CLASS (qrs_symbol_parent_class)->finalize (object);
}

static void
qrs_symbol_class_init (QrsSymbolClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = qrs_symbol_finalize;
}

static void
qrs_symbol_init (QrsSymbol *self)
{
}

static QRecLevel
to_qrencode_level (QrsEcLevel level)
{
  switch (level)
    {
    case QRS_EC_LEVEL_L: return QR_ECLEVEL_L;
    case QRS_EC_LEVEL_M: return QR_ECLEVEL_M;
    case QRS_EC_LEVEL_Q: return QR_ECLEVEL_Q;
    case QRS_EC_LEVEL_H: return QR_ECLEVEL_H;
    default: g_assert_not_reached ();
    }
}

/* libqrencode needs a NUL-free string for its mixed-mode optimisation;
 * data holding NUL bytes is encoded as plain 8-bit data. */
static QRcode *
encode_raw (const char    *data,
            gsize          length,
            QrsSymbolType  symbol_type,
            int            version,
            QrsEcLevel     level)
{
  gboolean has_nul = memchr (data, '\0', length) != NULL;
  QRecLevel qlevel = to_qrencode_level (level);

  if (symbol_type == QRS_SYMBOL_TYPE_MICRO_QR)
    {
      if (has_nul)
        return QRcode_encodeDataMQR (length, (const guchar *)data, version, qlevel);
      return QRcode_encodeStringMQR (data, version, qlevel, QR_MODE_8, TRUE);
    }

  if (has_nul)
    return QRcode_encodeData (length, (const guchar *)data, version, qlevel);
  return QRcode_encodeString (data, version, qlevel, QR_MODE_8, TRUE);
}

static gboolean
in_square (guint x,
           guint y,
           guint x0,
           guint y0,
           guint size)
{
  return x >= x0 && x < x0 + size && y >= y0 && y < y0 + size;
}

static QrsModule
classify (guint8        bits,
          guint         x,
          guint         y,
          guint         width,
          QrsSymbolType symbol_type)
{
  QrsModule module = (bits & 0x01) ? QRS_MODULE_DARK : 0;

  /* libqrencode: 0x40 finder and separator, 0x20 alignment, 0x10 timing,
   * 0x08 version, 0x04 format, 0x80 any other function module (the
   * lone dark module), else data and error correction. */
  if (bits & 0x40)
    {
      gboolean finder = in_square (x, y, 0, 0, 7);

      if (symbol_type == QRS_SYMBOL_TYPE_QR)
        finder = finder || in_square (x, y, width - 7, 0, 7) || in_square (x, y, 0, width - 7, 7);

      return module | (finder ? QRS_MODULE_FINDER : QRS_MODULE_SEPARATOR);
    }
  if (bits & 0x20)
    return module | QRS_MODULE_ALIGNMENT;
  if (bits & 0x10)
    return module | QRS_MODULE_TIMING;
  if (bits & 0x08)
    return module | QRS_MODULE_VERSION;
  if (bits & 0x04 || bits & 0x80)
    return module | QRS_MODULE_FORMAT;

  return module | QRS_MODULE_DATA;
}

/**
 * qrs_symbol_encode:
 * @data: the bytes to encode, UTF-8 text as a rule
 * @length: length of @data, or -1 when it is NUL-terminated
 * @symbol_type: QR or Micro QR
 * @ec_level: the error-correction level
 * @min_version: the smallest version to use, or 0 for the smallest that fits
 * @error: a #GError
 *
 * Encodes @data with libqrencode, optimising the mode per segment and
 * taking text as 8-bit data.  For Micro QR, tries M1 to M4 in turn.
 *
 * Returns: (transfer full): the symbol, or %NULL with @error set
 */
QrsSymbol *
qrs_symbol_encode (const char     *data,
                   gssize          length,
                   QrsSymbolType   symbol_type,
                   QrsEcLevel      ec_level,
                   int             min_version,
                   GError        **error)
{
  g_autoptr(QrsSymbol) self = NULL;
  QRcode *code = NULL;
  int max_version;
  int saved_errno = 0;

  g_return_val_if_fail (data != NULL || length == 0, NULL);
  g_return_val_if_fail (ec_level <= QRS_EC_LEVEL_H, NULL);

  if (length < 0)
    length = strlen (data);

  if (length == 0)
    {
      g_set_error_literal (error, QRS_SYMBOL_ERROR, QRS_SYMBOL_ERROR_EMPTY,
                           _("There is nothing to encode: enter some content first."));
      return NULL;
    }

  max_version = symbol_type == QRS_SYMBOL_TYPE_MICRO_QR ? MQRSPEC_VERSION_MAX : QRSPEC_VERSION_MAX;

  if (min_version < 0 || min_version > max_version)
    {
      g_set_error (error, QRS_SYMBOL_ERROR, QRS_SYMBOL_ERROR_UNSUPPORTED,
                   _("Version %d does not exist: choose a version from 1 to %d."),
                   min_version, max_version);
      return NULL;
    }

  if (symbol_type == QRS_SYMBOL_TYPE_MICRO_QR)
    {
      if (ec_level == QRS_EC_LEVEL_H)
        {
          g_set_error_literal (error, QRS_SYMBOL_ERROR, QRS_SYMBOL_ERROR_UNSUPPORTED,
                               _("Micro QR has no error-correction level H: choose L, M or Q, or a full QR code."));
          return NULL;
        }

      /* Micro QR versions are never chosen automatically by libqrencode. */
      for (int v = MAX (min_version, 1); v <= MQRSPEC_VERSION_MAX && code == NULL; v++)
        {
          code = encode_raw (data, length, symbol_type, v, ec_level);
          if (code == NULL)
            saved_errno = errno;
        }
    }
  else
    {
      code = encode_raw (data, length, symbol_type, min_version, ec_level);
      if (code == NULL)
        saved_errno = errno;
    }

  if (code == NULL)
    {
      if (saved_errno == ERANGE || saved_errno == EINVAL)
        {
          /* A plain conversion, not a G_G*_FORMAT macro: xgettext cannot
           * read through the macro, so the message would never be translated. */
          if (symbol_type == QRS_SYMBOL_TYPE_MICRO_QR)
            g_set_error (error, QRS_SYMBOL_ERROR, QRS_SYMBOL_ERROR_TOO_LONG,
                         g_dngettext (GETTEXT_PACKAGE,
                                      "The content (%zd byte) does not fit in a Micro QR code at level %s: shorten it, lower the error correction, or use a full QR code.",
                                      "The content (%zd bytes) does not fit in a Micro QR code at level %s: shorten it, lower the error correction, or use a full QR code.",
                                      (gulong)length),
                         length, qrs_ec_level_to_string (ec_level));
          else
            g_set_error (error, QRS_SYMBOL_ERROR, QRS_SYMBOL_ERROR_TOO_LONG,
                         g_dngettext (GETTEXT_PACKAGE,
                                      "The content (%zd byte) does not fit in a QR code at level %s: shorten it or lower the error correction.",
                                      "The content (%zd bytes) does not fit in a QR code at level %s: shorten it or lower the error correction.",
                                      (gulong)length),
                         length, qrs_ec_level_to_string (ec_level));
        }
      else
        g_set_error (error, QRS_SYMBOL_ERROR, QRS_SYMBOL_ERROR_FAILED,
                     _("The code could not be encoded: %s"), g_strerror (saved_errno));
      return NULL;
    }

  self = g_object_new (QRS_TYPE_SYMBOL, NULL);
  self->data = g_bytes_new (data, length);
  self->width = code->width;
  self->version = code->version;
  self->ec_level = ec_level;
  self->symbol_type = symbol_type;
  self->modules = g_new (guint8, (gsize)code->width * code->width);

  for (guint y = 0; y < self->width; y++)
    for (guint x = 0; x < self->width; x++)
      {
        gsize i = (gsize)y * self->width + x;
        self->modules[i] = classify (code->data[i], x, y, self->width, symbol_type);
      }

  QRcode_free (code);

  return g_steal_pointer (&self);
}

QrsSymbolType
qrs_symbol_get_symbol_type (QrsSymbol *self)
{
  g_return_val_if_fail (QRS_IS_SYMBOL (self), QRS_SYMBOL_TYPE_QR);

  return self->symbol_type;
}

QrsEcLevel
qrs_symbol_get_ec_level (QrsSymbol *self)
{
  g_return_val_if_fail (QRS_IS_SYMBOL (self), QRS_EC_LEVEL_M);

  return self->ec_level;
}

/**
 * qrs_symbol_get_version:
 *
 * Returns: 1 to 40 for QR, 1 to 4 (M1–M4) for Micro QR
 */
int
qrs_symbol_get_version (QrsSymbol *self)
{
  g_return_val_if_fail (QRS_IS_SYMBOL (self), 0);

  return self->version;
}

/**
 * qrs_symbol_get_width:
 *
 * Returns: the number of modules on a side, without the quiet zone
 */
guint
qrs_symbol_get_width (QrsSymbol *self)
{
  g_return_val_if_fail (QRS_IS_SYMBOL (self), 0);

  return self->width;
}

QrsModule
qrs_symbol_get_module (QrsSymbol *self,
                       guint      x,
                       guint      y)
{
  g_return_val_if_fail (QRS_IS_SYMBOL (self), 0);
  g_return_val_if_fail (x < self->width && y < self->width, 0);

  return self->modules[(gsize)y * self->width + x];
}

gboolean
qrs_symbol_is_dark (QrsSymbol *self,
                    guint      x,
                    guint      y)
{
  g_return_val_if_fail (QRS_IS_SYMBOL (self), FALSE);
  g_return_val_if_fail (x < self->width && y < self->width, FALSE);

  return (self->modules[(gsize)y * self->width + x] & QRS_MODULE_DARK) != 0;
}

/**
 * qrs_symbol_get_data:
 *
 * Returns: (transfer full): the bytes this symbol encodes
 */
GBytes *
qrs_symbol_get_data (QrsSymbol *self)
{
  g_return_val_if_fail (QRS_IS_SYMBOL (self), NULL);

  return g_bytes_ref (self->data);
}

/* The byte-mode capacity of each version and level, found once by asking
 * libqrencode itself rather than by copying the standard's tables: the
 * largest run of bytes that still encodes at exactly that version. */
static int capacity_cache[2][QRSPEC_VERSION_MAX + 1][4];  /* 0: not measured yet */

static gsize
measure_capacity (QrsSymbolType symbol_type,
                  int           version,
                  QrsEcLevel    level)
{
  g_autofree char *probe = g_malloc (8192);
  gsize lo = 0, hi = 4096;

  /* Bytes that no mode optimisation can shrink. */
  memset (probe, 0xC3, 8192);

  while (lo < hi)
    {
      gsize mid = (lo + hi + 1) / 2;
      QRcode *code;

      if (symbol_type == QRS_SYMBOL_TYPE_MICRO_QR)
        code = QRcode_encodeDataMQR (mid, (guchar *)probe, version, to_qrencode_level (level));
      else
        code = QRcode_encodeData (mid, (guchar *)probe, version, to_qrencode_level (level));

      if (code != NULL && code->version == version)
        lo = mid;
      else
        hi = mid - 1;

      g_clear_pointer (&code, QRcode_free);
    }

  return lo;
}

/**
 * qrs_symbol_get_capacity_bytes:
 *
 * Returns: how many bytes of 8-bit data this version and level hold
 */
gsize
qrs_symbol_get_capacity_bytes (QrsSymbol *self)
{
  int *slot;
  int capacity;

  g_return_val_if_fail (QRS_IS_SYMBOL (self), 0);

  slot = &capacity_cache[self->symbol_type][self->version][self->ec_level];
  capacity = g_atomic_int_get (slot);

  /* A race only measures twice; both threads store the same number. */
  if (capacity == 0)
    {
      capacity = 1 + measure_capacity (self->symbol_type, self->version, self->ec_level);
      g_atomic_int_set (slot, capacity);
    }

  return capacity - 1;
}

/**
 * qrs_symbol_get_capacity_used:
 *
 * The share of the symbol's byte-mode capacity that the data takes.  Mixed
 * mode packs digits and capitals tighter, so for such data this is an
 * upper bound.
 *
 * Returns: a number from 0 to 1
 */
double
qrs_symbol_get_capacity_used (QrsSymbol *self)
{
  gsize capacity;

  g_return_val_if_fail (QRS_IS_SYMBOL (self), 0);

  capacity = qrs_symbol_get_capacity_bytes (self);
  if (capacity == 0)
    return 1.0;

  return MIN (1.0, (double)g_bytes_get_size (self->data) / capacity);
}

/**
 * qrs_symbol_get_version_name:
 *
 * Returns: (transfer full): "7" for QR version 7, "M3" for Micro QR M3
 */
char *
qrs_symbol_get_version_name (QrsSymbol *self)
{
  g_return_val_if_fail (QRS_IS_SYMBOL (self), NULL);

  if (self->symbol_type == QRS_SYMBOL_TYPE_MICRO_QR)
    return g_strdup_printf ("M%d", self->version);

  return g_strdup_printf ("%d", self->version);
}

const char *
qrs_ec_level_to_string (QrsEcLevel level)
{
  static const char * const names[] = { "L", "M", "Q", "H" };

  g_return_val_if_fail (level <= QRS_EC_LEVEL_H, NULL);

  return names[level];
}

gboolean
qrs_ec_level_from_string (const char *str,
                          QrsEcLevel *level)
{
  static const char * const names[] = { "L", "M", "Q", "H" };

  g_return_val_if_fail (level != NULL, FALSE);

  if (str == NULL)
    return FALSE;

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    if (g_ascii_strcasecmp (str, names[i]) == 0)
      {
        *level = i;
        return TRUE;
      }

  return FALSE;
}

/**
 * qrs_ec_level_get_recovery:
 *
 * Returns: the share of codewords the level can restore (7 %, 15 %, 25 %, 30 %)
 */
double
qrs_ec_level_get_recovery (QrsEcLevel level)
{
  static const double recovery[] = { 0.07, 0.15, 0.25, 0.30 };

  g_return_val_if_fail (level <= QRS_EC_LEVEL_H, 0);

  return recovery[level];
}
