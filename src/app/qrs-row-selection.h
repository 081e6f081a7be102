/* qrs-row-selection.h — a multiple selection that is a set of rows only
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define QRS_TYPE_ROW_SELECTION (qrs_row_selection_get_type ())

G_DECLARE_FINAL_TYPE (QrsRowSelection, qrs_row_selection, QRS, ROW_SELECTION, GObject)

QrsRowSelection *qrs_row_selection_new       (GListModel      *model);
GListModel      *qrs_row_selection_get_model (QrsRowSelection *self);

G_END_DECLS
