/* qrs-route-listener.h — keeps the route table current from PostgreSQL
 *
 * A thread of its own with a dedicated connection: it loads every route,
 * then LISTENs on qrstudio_codes and reloads the one route each
 * notification names.  Notifications are not replayed across a lost
 * connection, so every reconnect loads the whole table again.  After
 * each load the routes are saved as a snapshot for starts without a
 * database.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "qrs-route-table.h"

G_BEGIN_DECLS

#define QRS_TYPE_ROUTE_LISTENER (qrs_route_listener_get_type ())

G_DECLARE_FINAL_TYPE (QrsRouteListener, qrs_route_listener, QRS, ROUTE_LISTENER, GObject)

QrsRouteListener *qrs_route_listener_new           (QrsRouteTable    *routes,
                                                    const char       *conninfo,
                                                    const char       *snapshot_path,
                                                    guint             retry_max_ms);
void              qrs_route_listener_start         (QrsRouteListener *self);
void              qrs_route_listener_reload        (QrsRouteListener *self,
                                                    const char       *conninfo);
void              qrs_route_listener_stop_begin    (QrsRouteListener *self);
gboolean          qrs_route_listener_stop          (QrsRouteListener *self,
                                                    guint             timeout_ms);
gboolean          qrs_route_listener_is_connected  (QrsRouteListener *self);

G_END_DECLS
