/* qrs-print.h — codes on paper at their exact physical size: one code,
 * or a sheet of labels
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

#include "qrs-design.h"

G_BEGIN_DECLS

#define QRS_TYPE_PRINT_OPERATION (qrs_print_operation_get_type ())

G_DECLARE_FINAL_TYPE (QrsPrintOperation, qrs_print_operation, QRS, PRINT_OPERATION, GtkPrintOperation)

QrsPrintOperation *qrs_print_operation_new          (QrsDesign         *design,
                                                     QrsSymbol         *symbol);
guint              qrs_print_operation_get_rows     (QrsPrintOperation *self);
guint              qrs_print_operation_get_columns  (QrsPrintOperation *self);
double             qrs_print_operation_get_margin   (QrsPrintOperation *self);
void               qrs_print_operation_set_labels   (QrsPrintOperation *self,
                                                     guint              rows,
                                                     guint              columns,
                                                     double             margin_mm);
guint              qrs_print_operation_get_n_shrunk (QrsPrintOperation *self);

G_END_DECLS
