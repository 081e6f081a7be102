/* qrs-window.h — the main window: library, editor and live preview
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "qrs-document.h"

G_BEGIN_DECLS

#define QRS_TYPE_WINDOW (qrs_window_get_type ())

G_DECLARE_FINAL_TYPE (QrsWindow, qrs_window, QRS, WINDOW, AdwApplicationWindow)

QrsWindow   *qrs_window_new               (AdwApplication *application);
QrsDocument *qrs_window_get_document      (QrsWindow      *self);
void         qrs_window_set_document      (QrsWindow      *self,
                                           QrsDocument    *document);
GListModel  *qrs_window_get_library       (QrsWindow      *self);
void         qrs_window_set_library       (QrsWindow      *self,
                                           GListModel     *library);
void         qrs_window_show_toast        (QrsWindow      *self,
                                           const char     *message);

G_END_DECLS
