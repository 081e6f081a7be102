/* qrs-redirect-server.h — the public listener: /r/{short_id}
 *
 * One SoupServer per worker thread, each with its own GMainContext and
 * its own SO_REUSEPORT socket on the same port, so the kernel spreads
 * the connections and nothing is shared on the request path but the
 * route table's read lock and the spool's append.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>
#include <libsoup/soup.h>

#include "qrs-redirect-config.h"
#include "qrs-redirect-metrics.h"
#include "qrs-route-table.h"
#include "qrs-spool.h"

G_BEGIN_DECLS

#define QRS_TYPE_REDIRECT_SERVER (qrs_redirect_server_get_type ())

G_DECLARE_FINAL_TYPE (QrsRedirectServer, qrs_redirect_server, QRS, REDIRECT_SERVER, GObject)

QrsRedirectServer *qrs_redirect_server_new        (QrsRedirectConfig  *config,
                                                   QrsRouteTable      *routes,
                                                   QrsSpool           *spool,
                                                   QrsRedirectMetrics *metrics);
gboolean           qrs_redirect_server_start      (QrsRedirectServer  *self,
                                                   GError            **error);
guint16            qrs_redirect_server_get_port   (QrsRedirectServer  *self);
void               qrs_redirect_server_set_config (QrsRedirectServer  *self,
                                                   QrsRedirectConfig  *config);
void               qrs_redirect_server_stop       (QrsRedirectServer  *self,
                                                   guint               timeout_ms);

int                qrs_redirect_listen_socket_new (const char     *host,
                                                   guint16         port,
                                                   guint16        *bound_port,
                                                   GError        **error);

/* Request helpers, public for the unit tests. */
char              *qrs_redirect_build_location    (const QrsRedirectRoute     *route,
                                                   const char         *query);
char              *qrs_redirect_clean_user_agent  (const char         *user_agent);
char              *qrs_redirect_referrer_host     (const char         *referer);
GInetAddress      *qrs_redirect_client_address    (QrsRedirectConfig  *config,
                                                   GInetAddress       *peer,
                                                   const char         *forwarded_for);
gboolean           qrs_redirect_has_negative_length (SoupServerMessage *msg);

G_END_DECLS
