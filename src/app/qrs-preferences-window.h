/* qrs-preferences-window.h — appearance, export defaults, scanning checks
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define QRS_TYPE_PREFERENCES_WINDOW (qrs_preferences_window_get_type ())

G_DECLARE_FINAL_TYPE (QrsPreferencesWindow, qrs_preferences_window, QRS, PREFERENCES_WINDOW,
                      AdwPreferencesWindow)

GtkWidget *qrs_preferences_window_new (void);

G_END_DECLS
