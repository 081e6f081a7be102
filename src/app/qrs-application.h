/* qrs-application.h — QR Studio, the desktop application
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define QRS_TYPE_APPLICATION (qrs_application_get_type ())

G_DECLARE_FINAL_TYPE (QrsApplication, qrs_application, QRS, APPLICATION, AdwApplication)

QrsApplication *qrs_application_new          (void);
GSettings      *qrs_application_get_settings (QrsApplication *self);

G_END_DECLS
