/* qrs-export.h — PNG, SVG, PDF, EPS, JPEG and WebP files of a design
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "qrs-design.h"

G_BEGIN_DECLS

typedef enum
{
  QRS_EXPORT_FORMAT_PNG,
  QRS_EXPORT_FORMAT_SVG,
  QRS_EXPORT_FORMAT_PDF,
  QRS_EXPORT_FORMAT_EPS,
  QRS_EXPORT_FORMAT_JPEG,
  QRS_EXPORT_FORMAT_WEBP,
} QrsExportFormat;

#define QRS_EXPORT_ERROR (qrs_export_error_quark ())

typedef enum
{
  QRS_EXPORT_ERROR_UNKNOWN_FORMAT,
  QRS_EXPORT_ERROR_UNSUPPORTED,     /* e.g. no WebP pixbuf loader installed */
  QRS_EXPORT_ERROR_FAILED,
} QrsExportError;

GQuark       qrs_export_error_quark             (void);
gboolean     qrs_export_format_from_filename    (const char       *filename,
                                                 QrsExportFormat  *format,
                                                 GError          **error);
gboolean     qrs_export_format_from_string      (const char       *name,
                                                 QrsExportFormat  *format);
const char  *qrs_export_format_get_extension    (QrsExportFormat   format);
const char  *qrs_export_format_get_media_type   (QrsExportFormat   format);

/* The file is complete or absent: written beside its place and renamed. */
GBytes      *qrs_export_to_bytes                (QrsDesign        *design,
                                                 QrsSymbol        *symbol,
                                                 QrsExportFormat   format,
                                                 GError          **error);
gboolean     qrs_export_to_file                 (QrsDesign        *design,
                                                 QrsSymbol        *symbol,
                                                 QrsExportFormat   format,
                                                 const char       *path,
                                                 GError          **error);
void         qrs_export_to_file_async           (QrsDesign        *design,
                                                 QrsSymbol        *symbol,
                                                 QrsExportFormat   format,
                                                 const char       *path,
                                                 GCancellable     *cancellable,
                                                 GAsyncReadyCallback callback,
                                                 gpointer          user_data);
gboolean     qrs_export_to_file_finish          (GAsyncResult     *result,
                                                 GError          **error);

G_END_DECLS
