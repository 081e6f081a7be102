/* qrs-utf8.h — UTF-8 checks on the scan path
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <string.h>

#include <glib.h>

G_BEGIN_DECLS

/**
 * qrs_utf8_validate_len:
 * @text: (array length=length): the bytes
 * @length: how many
 *
 * g_utf8_validate_len() without the end, for the strings every scan
 * carries (user agents, hosts, language tags).  Nearly all are ASCII,
 * which GLib 2.74 checks a byte at a time: here eight bytes go at once,
 * and only text with a byte above 0x7f, or a NUL, goes on to GLib.
 *
 * Returns: whether @text is valid UTF-8 without a NUL
 */
static inline gboolean
qrs_utf8_validate_len (const char *text,
                       gsize       length)
{
  const guint64 high = G_GUINT64_CONSTANT (0x8080808080808080);
  const guint64 ones = G_GUINT64_CONSTANT (0x0101010101010101);
  gsize i = 0;

  for (; i + 8 <= length; i += 8)
    {
      guint64 word;

      memcpy (&word, text + i, sizeof word);
      /* A byte above 0x7f, or a zero byte (which (word - ones) & ~word
       * marks with its top bit). */
      if (((word | ((word - ones) & ~word)) & high) != 0)
        return g_utf8_validate_len (text, length, NULL);
    }
  for (; i < length; i++)
    if ((guchar)text[i] - 1u >= 0x7fu)
      return g_utf8_validate_len (text, length, NULL);
  return TRUE;
}

G_END_DECLS
