/* qrs-csv-reader.h — records of an RFC 4180 CSV text, one at a time
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

#define QRS_CSV_ERROR (qrs_csv_error_quark ())

typedef enum
{
  QRS_CSV_ERROR_INVALID_UTF8,
  QRS_CSV_ERROR_UNTERMINATED_QUOTE,
  QRS_CSV_ERROR_TEXT_AFTER_QUOTE,
} QrsCsvError;

#define QRS_TYPE_CSV_READER (qrs_csv_reader_get_type ())

G_DECLARE_FINAL_TYPE (QrsCsvReader, qrs_csv_reader, QRS, CSV_READER, GObject)

GQuark        qrs_csv_error_quark             (void);
QrsCsvReader *qrs_csv_reader_new              (GBytes        *data,
                                               char           delimiter);
char        **qrs_csv_reader_read_record      (QrsCsvReader  *self,
                                               GError       **error);
guint         qrs_csv_reader_get_record_number (QrsCsvReader *self);
guint         qrs_csv_reader_get_line         (QrsCsvReader  *self);

G_END_DECLS
