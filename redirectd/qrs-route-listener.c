/* qrs-route-listener.c — keeps the route table current from PostgreSQL
 *
 * The routes come from the store's QrsCodeStore.  LISTEN needs one
 * connection held for as long as the daemon runs, watched with poll()
 * beside a wake-up descriptor, so this thread also owns a plain libpq
 * connection for the notifications alone: LISTEN there first, then load
 * through the store, and no change can fall between the two.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <libpq-fe.h>

#include "qrs-code-store.h"
#include "qrs-database.h"

#include "qrs-route-listener.h"

#define CHANNEL              "qrstudio_codes"
#define SNAPSHOT_DELAY_US    (2 * G_USEC_PER_SEC)
#define HEARTBEAT_US         (30 * G_USEC_PER_SEC)

struct _QrsRouteListener
{
  GObject         parent_instance;

  QrsRouteTable  *routes;
  char           *snapshot_path;
  guint           retry_max_ms;
  int             wake_fd;
  GThread        *thread;

  GMutex          lock;
  char           *conninfo;        /* guarded by lock */
  gboolean        reload;          /* guarded by lock */
  gboolean        reconnect;       /* guarded by lock */
  gboolean        stopping;        /* guarded by lock */
  gboolean        finished;        /* the thread is done; guarded by lock */
  GCond           finished_cond;

  atomic_bool     connected;
};

G_DEFINE_FINAL_TYPE (QrsRouteListener, qrs_route_listener, G_TYPE_OBJECT)

static gboolean stop_thread (QrsRouteListener *self,
                             gint64            deadline);

static void
qrs_route_listener_finalize (GObject *object)
{
  QrsRouteListener *self = (QrsRouteListener *)object;

  /* A thread left running by qrs_route_listener_stop() uses us still:
   * the process was about to exit and should have kept us. */
  stop_thread (self, G_MAXINT64);
  if (self->wake_fd >= 0)
    close (self->wake_fd);
  g_clear_object (&self->routes);
  g_clear_pointer (&self->snapshot_path, g_free);
  g_clear_pointer (&self->conninfo, g_free);
  g_mutex_clear (&self->lock);
  g_cond_clear (&self->finished_cond);

  G_OBJECT_CLASS (qrs_route_listener_parent_class)->finalize (object);
}

static void
qrs_route_listener_class_init (QrsRouteListenerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = qrs_route_listener_finalize;
}

static void
qrs_route_listener_init (QrsRouteListener *self)
{
  g_mutex_init (&self->lock);
  g_cond_init (&self->finished_cond);
  self->wake_fd = eventfd (0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (self->wake_fd < 0)
    g_error ("Cannot create an eventfd: %s", g_strerror (errno));
}

QrsRouteListener *
qrs_route_listener_new (QrsRouteTable *routes,
                        const char    *conninfo,
                        const char    *snapshot_path,
                        guint          retry_max_ms)
{
  QrsRouteListener *self;

  g_return_val_if_fail (QRS_IS_ROUTE_TABLE (routes), NULL);
  g_return_val_if_fail (conninfo != NULL, NULL);

  self = g_object_new (QRS_TYPE_ROUTE_LISTENER, NULL);
  self->routes = g_object_ref (routes);
  self->conninfo = g_strdup (conninfo);
  self->snapshot_path = g_strdup (snapshot_path);
  self->retry_max_ms = MAX (retry_max_ms, 100);

  return self;
}

static void
wake (QrsRouteListener *self)
{
  guint64 one = 1;

  if (write (self->wake_fd, &one, sizeof one) < 0 && errno != EAGAIN)
    g_warning ("Cannot wake the route listener: %s", g_strerror (errno));
}

static void
drain_wake (QrsRouteListener *self)
{
  guint64 value;

  while (read (self->wake_fd, &value, sizeof value) > 0)
    ;
}

/* What the thread should do next, taken under the lock. */
typedef struct
{
  gboolean stopping;
  gboolean reload;
  gboolean reconnect;
} Requests;

static Requests
take_requests (QrsRouteListener *self)
{
  Requests requests;

  g_mutex_lock (&self->lock);
  requests.stopping = self->stopping;
  requests.reload = self->reload;
  requests.reconnect = self->reconnect;
  self->reload = FALSE;
  self->reconnect = FALSE;
  g_mutex_unlock (&self->lock);

  return requests;
}

/* Sleeps up to @us unless woken; TRUE when stopping. */
static gboolean
sleep_unless_woken (QrsRouteListener *self,
                    gint64            us)
{
  struct pollfd pfd = { self->wake_fd, POLLIN, 0 };

  if (poll (&pfd, 1, (int)(us / 1000)) > 0)
    drain_wake (self);

  g_mutex_lock (&self->lock);
  us = self->stopping;
  g_mutex_unlock (&self->lock);
  return us != 0;
}

static PGconn *
connect_database (QrsRouteListener  *self,
                  GError           **error)
{
  g_autofree char *conninfo = NULL;
  g_autofree char *expanded = NULL;
  const char *keywords[] = { "dbname", "connect_timeout", "fallback_application_name",
                             "keepalives", "keepalives_idle", "keepalives_interval",
                             "keepalives_count", NULL };
  const char *values[G_N_ELEMENTS (keywords)];
  PGconn *conn;

  g_mutex_lock (&self->lock);
  conninfo = g_strdup (self->conninfo);
  g_mutex_unlock (&self->lock);
  /* As the scan writer's connection reads it: a bare word is a service. */
  expanded = qrs_database_expand_conninfo (conninfo, error);
  if (expanded == NULL)
    return NULL;

  values[0] = expanded;
  values[1] = "2";
  values[2] = "qrstudio-redirectd";
  values[3] = "1";
  values[4] = "10";
  values[5] = "5";
  values[6] = "3";
  values[7] = NULL;

  conn = PQconnectdbParams (keywords, values, TRUE);
  if (PQstatus (conn) != CONNECTION_OK)
    {
      g_autofree char *message = g_strdup (PQerrorMessage (conn));

      g_set_error (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED, "%s", g_strstrip (message));
      PQfinish (conn);
      return NULL;
    }
  return conn;
}

/* The queries go through the store, on one connection of their own. */
static QrsDatabase *
open_store_database (QrsRouteListener  *self,
                     GError           **error)
{
  g_autoptr(QrsDatabase) database = NULL;
  g_autofree char *conninfo = NULL;

  g_mutex_lock (&self->lock);
  conninfo = g_strdup (self->conninfo);
  g_mutex_unlock (&self->lock);

  database = qrs_database_new (conninfo, error);
  if (database == NULL)
    return NULL;
  qrs_database_set_max_connections (database, 1);
  if (!qrs_database_connect (database, NULL, error))
    return NULL;
  return g_steal_pointer (&database);
}

static gboolean
command_ok (PGconn      *conn,
            const char  *sql,
            GError     **error)
{
  PGresult *result = PQexec (conn, sql);
  gboolean ok = PQresultStatus (result) == PGRES_COMMAND_OK || PQresultStatus (result) == PGRES_TUPLES_OK;

  if (!ok)
    {
      g_autofree char *message = g_strdup (PQerrorMessage (conn));
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "%s", g_strstrip (message));
    }
  PQclear (result);
  return ok;
}

static QrsRedirectRoute *
route_from_store (const QrsRoute *route)
{
  gint64 expires_at = 0;

  if (route->expires_at != NULL)
    expires_at = MAX (g_date_time_to_unix (route->expires_at) * G_USEC_PER_SEC +
                      g_date_time_get_microsecond (route->expires_at), 1);
  return qrs_redirect_route_new (route->code_id, route->short_id, route->target_url,
                                 route->enabled, expires_at, route->utm_passthrough);
}

static void
save_snapshot (QrsRouteListener *self)
{
  g_autoptr(GError) error = NULL;

  if (self->snapshot_path == NULL)
    return;
  if (!qrs_route_table_save_snapshot (self->routes, self->snapshot_path, &error))
    g_warning ("%s", error->message);
}

static gboolean
load_all_routes (QrsRouteListener  *self,
                 QrsCodeStore      *store,
                 GError           **error)
{
  g_autoptr(GPtrArray) stored = NULL;
  g_autoptr(GPtrArray) routes = NULL;

  stored = qrs_code_store_list_routes (store, NULL, error);
  if (stored == NULL)
    return FALSE;

  routes = g_ptr_array_new_full (stored->len, (GDestroyNotify)qrs_redirect_route_unref);
  for (guint i = 0; i < stored->len; i++)
    g_ptr_array_add (routes, route_from_store (g_ptr_array_index (stored, i)));

  qrs_route_table_replace_all (self->routes, routes, QRS_ROUTE_SOURCE_DATABASE);
  g_message ("Loaded %u routes from the database", routes->len);
  save_snapshot (self);
  return TRUE;
}

static gboolean
load_one_route (QrsRouteListener  *self,
                QrsCodeStore      *store,
                const char        *short_id,
                GError           **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autoptr(QrsRoute) stored = NULL;

  if (!qrs_short_id_is_valid (short_id, -1))
    return TRUE;

  stored = qrs_code_store_get_route (store, short_id, NULL, &local_error);
  if (stored != NULL)
    {
      g_autoptr(QrsRedirectRoute) route = route_from_store (stored);
      qrs_route_table_update (self->routes, short_id, route);
    }
  else if (g_error_matches (local_error, QRS_DATABASE_ERROR, QRS_DATABASE_ERROR_NOT_FOUND))
    qrs_route_table_update (self->routes, short_id, NULL);
  else
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }

  g_debug ("Route %s reloaded", short_id);
  return TRUE;
}

/* Serves one connection until it fails or we stop; FALSE when stopping. */
static gboolean
serve_connection (QrsRouteListener *self,
                  PGconn           *conn,
                  QrsCodeStore     *store)
{
  g_autoptr(GError) error = NULL;
  gint64 snapshot_due = 0;
  gint64 heartbeat_due = g_get_monotonic_time () + HEARTBEAT_US;

  /* LISTEN first, then load: a change in between is then both in the
   * load and in a notification, never in neither. */
  atomic_store (&self->connected, TRUE);
  if (!command_ok (conn, "LISTEN " CHANNEL, &error) || !load_all_routes (self, store, &error))
    {
      g_warning ("Cannot load the routes: %s", error->message);
      return TRUE;
    }

  for (;;)
    {
      struct pollfd pfds[2] = {
        { PQsocket (conn), POLLIN, 0 },
        { self->wake_fd, POLLIN, 0 },
      };
      gint64 now = g_get_monotonic_time ();
      gint64 next = heartbeat_due;
      PGnotify *notify;
      Requests requests;

      if (snapshot_due != 0)
        next = MIN (next, snapshot_due);
      if (poll (pfds, 2, (int)MAX ((next - now) / 1000, 0)) < 0 && errno != EINTR)
        break;
      if (pfds[1].revents)
        drain_wake (self);

      requests = take_requests (self);
      if (requests.stopping)
        break;
      if (requests.reconnect)
        return TRUE;
      if (requests.reload && !load_all_routes (self, store, &error))
        break;

      if (pfds[0].revents && !PQconsumeInput (conn))
        break;
      while ((notify = PQnotifies (conn)) != NULL)
        {
          gboolean ok = load_one_route (self, store, notify->extra, &error);

          PQfreemem (notify);
          if (!ok)
            break;
          if (snapshot_due == 0)
            snapshot_due = g_get_monotonic_time () + SNAPSHOT_DELAY_US;
        }
      if (error != NULL)
        break;

      now = g_get_monotonic_time ();
      if (snapshot_due != 0 && now >= snapshot_due)
        {
          save_snapshot (self);
          snapshot_due = 0;
        }
      /* A quiet connection to a vanished server looks healthy until
       * something is sent on it. */
      if (now >= heartbeat_due)
        {
          if (!command_ok (conn, "SELECT 1", &error))
            break;
          heartbeat_due = now + HEARTBEAT_US;
        }
      if (PQstatus (conn) != CONNECTION_OK)
        break;
    }

  if (snapshot_due != 0)
    save_snapshot (self);
  if (error != NULL)
    g_warning ("Lost the database connection of the route listener: %s", error->message);
  else if (PQstatus (conn) != CONNECTION_OK)
    g_warning ("Lost the database connection of the route listener: %s", PQerrorMessage (conn));

  return !take_requests (self).stopping;
}

static gpointer
listener_thread (gpointer data)
{
  QrsRouteListener *self = data;
  guint retry_ms = 100;
  gboolean logged = FALSE;

  for (;;)
    {
      g_autoptr(GError) error = NULL;
      QrsDatabase *database;
      QrsCodeStore *store;
      PGconn *conn;
      gboolean go_on;

      if (take_requests (self).stopping)
        break;

      conn = connect_database (self, &error);
      if (conn == NULL)
        {
          if (!logged)
            g_warning ("Cannot reach the database for routes, serving %s: %s",
                       qrs_route_table_get_source (self->routes) == QRS_ROUTE_SOURCE_NONE
                         ? "nothing yet" : "the routes in memory",
                       error->message);
          logged = TRUE;
          if (sleep_unless_woken (self, (gint64)retry_ms * 1000))
            break;
          retry_ms = MIN (retry_ms * 2, self->retry_max_ms);
          continue;
        }

      database = open_store_database (self, &error);
      if (database == NULL)
        {
          PQfinish (conn);
          if (!logged)
            g_warning ("Cannot read routes from the database: %s", error->message);
          logged = TRUE;
          if (sleep_unless_woken (self, (gint64)retry_ms * 1000))
            break;
          retry_ms = MIN (retry_ms * 2, self->retry_max_ms);
          continue;
        }

      logged = FALSE;
      retry_ms = 100;
      store = qrs_code_store_new (database);
      go_on = serve_connection (self, conn, store);
      PQfinish (conn);
      g_clear_object (&store);
      qrs_database_close (database);
      g_clear_object (&database);

      atomic_store (&self->connected, FALSE);
      /* Still serving, but no longer sure to be current. */
      if (qrs_route_table_get_source (self->routes) == QRS_ROUTE_SOURCE_DATABASE)
        qrs_route_table_set_source (self->routes, QRS_ROUTE_SOURCE_SNAPSHOT);
      if (!go_on)
        break;
      if (sleep_unless_woken (self, (gint64)retry_ms * 1000))
        break;
    }

  g_mutex_lock (&self->lock);
  self->finished = TRUE;
  g_cond_broadcast (&self->finished_cond);
  g_mutex_unlock (&self->lock);
  return NULL;
}

void
qrs_route_listener_start (QrsRouteListener *self)
{
  g_return_if_fail (QRS_IS_ROUTE_LISTENER (self));
  g_return_if_fail (self->thread == NULL);

  self->thread = g_thread_new ("route-listener", listener_thread, self);
}

/**
 * qrs_route_listener_reload:
 * @conninfo: (nullable): a new connection string, or %NULL for the same
 *
 * Loads every route again (SIGHUP); reconnects first when @conninfo
 * differs from the one in use.
 */
void
qrs_route_listener_reload (QrsRouteListener *self,
                           const char       *conninfo)
{
  g_return_if_fail (QRS_IS_ROUTE_LISTENER (self));

  g_mutex_lock (&self->lock);
  self->reload = TRUE;
  if (conninfo != NULL && g_strcmp0 (conninfo, self->conninfo) != 0)
    {
      g_free (self->conninfo);
      self->conninfo = g_strdup (conninfo);
      self->reconnect = TRUE;
    }
  g_mutex_unlock (&self->lock);
  wake (self);
}

static gboolean
stop_thread (QrsRouteListener *self,
             gint64            deadline)
{
  gboolean finished;

  if (self->thread == NULL)
    return TRUE;

  qrs_route_listener_stop_begin (self);

  g_mutex_lock (&self->lock);
  while (!self->finished)
    if (!g_cond_wait_until (&self->finished_cond, &self->lock, deadline))
      break;
  finished = self->finished;
  g_mutex_unlock (&self->lock);

  if (finished)
    g_thread_join (g_steal_pointer (&self->thread));
  return finished;
}

/**
 * qrs_route_listener_stop_begin:
 *
 * Tells the thread to stop, without waiting: a stop may then see to
 * other things while it ends.
 */
void
qrs_route_listener_stop_begin (QrsRouteListener *self)
{
  g_return_if_fail (QRS_IS_ROUTE_LISTENER (self));

  if (self->thread == NULL)
    return;

  g_mutex_lock (&self->lock);
  self->stopping = TRUE;
  g_mutex_unlock (&self->lock);
  wake (self);
}

/**
 * qrs_route_listener_stop:
 * @timeout_ms: how long to wait for the thread
 *
 * The thread may be connecting to a database server that does not
 * answer, which only the connection's timeout ends: past @timeout_ms it
 * is left running.
 *
 * Returns: %TRUE if the thread has ended; %FALSE if it was left running,
 *   when @self must be kept until the process exits
 */
gboolean
qrs_route_listener_stop (QrsRouteListener *self,
                         guint             timeout_ms)
{
  g_return_val_if_fail (QRS_IS_ROUTE_LISTENER (self), TRUE);

  return stop_thread (self, g_get_monotonic_time () + (gint64)timeout_ms * 1000);
}

gboolean
qrs_route_listener_is_connected (QrsRouteListener *self)
{
  g_return_val_if_fail (QRS_IS_ROUTE_LISTENER (self), FALSE);

  return atomic_load (&self->connected);
}
