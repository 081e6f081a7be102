/* qrs-application.h — QR Studio, the desktop application
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "qrs-connection.h"

G_BEGIN_DECLS

#define QRS_TYPE_APPLICATION (qrs_application_get_type ())

G_DECLARE_FINAL_TYPE (QrsApplication, qrs_application, QRS, APPLICATION, AdwApplication)

typedef enum
{
  QRS_CONNECTION_STATE_OFFLINE,     /* no database: the library lives in memory */
  QRS_CONNECTION_STATE_CONNECTING,
  QRS_CONNECTION_STATE_OPEN,
  QRS_CONNECTION_STATE_FAILED,
} QrsConnectionState;

QrsApplication     *qrs_application_new                  (void);
GSettings          *qrs_application_get_settings         (QrsApplication *self);
QrsConnection      *qrs_application_get_connection       (QrsApplication *self);
QrsConnectionState  qrs_application_get_connection_state (QrsApplication *self);
const GError       *qrs_application_get_connection_error (QrsApplication *self);
void                qrs_application_reconnect            (QrsApplication *self);
char               *qrs_application_dup_redirect_base_url (QrsApplication *self);
char               *qrs_application_dup_help_uri          (QrsApplication *self);

G_END_DECLS
