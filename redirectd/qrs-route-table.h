/* qrs-route-table.h — the short ids the daemon answers, in memory
 *
 * Read on every request by every worker, written rarely (a reload, a
 * notification): a read lock held for one hash lookup, and writers that
 * build whole tables outside the lock and swap them in.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* One dynamic code as the daemon sees it; immutable and refcounted, so a
 * request may keep it while the table changes. */
typedef struct
{
  gint64    code_id;
  char     *short_id;
  char     *target_url;
  char     *location;         /* target_url, ASCII: the Location without a query */
  gint64    expires_at;       /* µs since the Unix epoch; 0 when it never expires */
  gboolean  enabled;
  gboolean  utm_passthrough;
} QrsRedirectRoute;

typedef enum
{
  QRS_ROUTE_SOURCE_NONE,       /* nothing loaded yet: not ready */
  QRS_ROUTE_SOURCE_SNAPSHOT,   /* from the state directory: degraded */
  QRS_ROUTE_SOURCE_DATABASE,   /* current, kept so by LISTEN */
} QrsRouteSource;

typedef enum
{
  QRS_ROUTE_ANSWER_REDIRECT,
  QRS_ROUTE_ANSWER_GONE,
} QrsRouteAnswer;

#define QRS_ROUTE_TABLE_ERROR (qrs_route_table_error_quark ())

typedef enum
{
  QRS_ROUTE_TABLE_ERROR_SNAPSHOT,
} QrsRouteTableError;

QrsRedirectRoute *qrs_redirect_route_new        (gint64                  code_id,
                                                 const char             *short_id,
                                                 const char             *target_url,
                                                 gboolean                enabled,
                                                 gint64                  expires_at,
                                                 gboolean                utm_passthrough);
QrsRedirectRoute *qrs_redirect_route_ref        (QrsRedirectRoute       *route);
void              qrs_redirect_route_unref      (QrsRedirectRoute       *route);
QrsRouteAnswer    qrs_redirect_route_get_answer (const QrsRedirectRoute *route,
                                                 gint64                  now);
gboolean          qrs_short_id_is_valid         (const char             *text,
                                                 gssize                  length);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (QrsRedirectRoute, qrs_redirect_route_unref)

#define QRS_TYPE_ROUTE_TABLE (qrs_route_table_get_type ())

G_DECLARE_FINAL_TYPE (QrsRouteTable, qrs_route_table, QRS, ROUTE_TABLE, GObject)

GQuark            qrs_route_table_error_quark   (void);
QrsRouteTable    *qrs_route_table_new           (void);
QrsRedirectRoute *qrs_route_table_lookup        (QrsRouteTable     *self,
                                                 const char        *short_id);
void              qrs_route_table_replace_all   (QrsRouteTable     *self,
                                                 GPtrArray         *routes,
                                                 QrsRouteSource     source);
void              qrs_route_table_update        (QrsRouteTable     *self,
                                                 const char        *short_id,
                                                 QrsRedirectRoute  *route);
GPtrArray        *qrs_route_table_dup_routes    (QrsRouteTable     *self);
guint             qrs_route_table_get_size      (QrsRouteTable     *self);
QrsRouteSource    qrs_route_table_get_source    (QrsRouteTable     *self);
void              qrs_route_table_set_source    (QrsRouteTable     *self,
                                                 QrsRouteSource     source);
gint64            qrs_route_table_get_loaded_at (QrsRouteTable     *self);
guint64           qrs_route_table_get_lookups   (QrsRouteTable     *self);

gboolean          qrs_route_table_save_snapshot (QrsRouteTable     *self,
                                                 const char        *path,
                                                 GError           **error);
gboolean          qrs_route_table_load_snapshot (QrsRouteTable     *self,
                                                 const char        *path,
                                                 GError           **error);

G_END_DECLS
