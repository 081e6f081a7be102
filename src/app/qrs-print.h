/* qrs-print.h — one code on paper at its exact physical size
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

#include "qrs-design.h"

G_BEGIN_DECLS

GtkPrintOperation *qrs_print_operation_new (QrsDesign *design,
                                            QrsSymbol *symbol);

G_END_DECLS
