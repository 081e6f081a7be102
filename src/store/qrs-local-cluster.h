/* qrs-local-cluster.h — QR Studio's private PostgreSQL, for a desktop
 * without a database server
 *
 * On first use, initdb creates a cluster under $XDG_DATA_HOME/qrstudio/db;
 * pg_ctl starts it listening on a Unix socket in $XDG_RUNTIME_DIR/qrstudio
 * only (no TCP), the database "qrstudio" is created and migrated; stop()
 * shuts it down.  Only the user's own account can reach it (peer
 * authentication on a socket in a private directory).
 *
 * It counts as running when a server answers at the socket its
 * postmaster.pid names.  A postmaster.pid a crash left behind, whose PID
 * is gone or now some other program's, is removed before starting; one
 * whose PID works in the data directory never is.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define QRS_LOCAL_CLUSTER_ERROR (qrs_local_cluster_error_quark ())

typedef enum
{
  QRS_LOCAL_CLUSTER_ERROR_RUNNING_AS_ROOT,
  QRS_LOCAL_CLUSTER_ERROR_NOT_INSTALLED,
  QRS_LOCAL_CLUSTER_ERROR_VERSION_MISMATCH,
  QRS_LOCAL_CLUSTER_ERROR_FAILED,
} QrsLocalClusterError;

/* The database the private cluster holds. */
#define QRS_LOCAL_CLUSTER_DATABASE "qrstudio"

#define QRS_TYPE_LOCAL_CLUSTER (qrs_local_cluster_get_type ())

G_DECLARE_FINAL_TYPE (QrsLocalCluster, qrs_local_cluster, QRS, LOCAL_CLUSTER, GObject)

GQuark           qrs_local_cluster_error_quark    (void);
QrsLocalCluster *qrs_local_cluster_new            (const char           *data_dir,
                                                   const char           *socket_dir);
const char      *qrs_local_cluster_get_data_dir   (QrsLocalCluster      *self);
const char      *qrs_local_cluster_get_socket_dir (QrsLocalCluster      *self);
const char      *qrs_local_cluster_get_bin_dir    (QrsLocalCluster      *self);
void             qrs_local_cluster_set_bin_dir    (QrsLocalCluster      *self,
                                                   const char           *bin_dir);
char            *qrs_local_cluster_find_bin_dir   (QrsLocalCluster      *self,
                                                   GError              **error);
gboolean         qrs_local_cluster_is_running     (QrsLocalCluster      *self);
char            *qrs_local_cluster_dup_conninfo   (QrsLocalCluster      *self);
gboolean         qrs_local_cluster_start          (QrsLocalCluster      *self,
                                                   GCancellable         *cancellable,
                                                   GError              **error);
void             qrs_local_cluster_start_async    (QrsLocalCluster      *self,
                                                   GCancellable         *cancellable,
                                                   GAsyncReadyCallback   callback,
                                                   gpointer              user_data);
gboolean         qrs_local_cluster_start_finish   (QrsLocalCluster      *self,
                                                   GAsyncResult         *result,
                                                   GError              **error);
gboolean         qrs_local_cluster_stop           (QrsLocalCluster      *self,
                                                   GCancellable         *cancellable,
                                                   GError              **error);
void             qrs_local_cluster_stop_async     (QrsLocalCluster      *self,
                                                   GCancellable         *cancellable,
                                                   GAsyncReadyCallback   callback,
                                                   gpointer              user_data);
gboolean         qrs_local_cluster_stop_finish    (QrsLocalCluster      *self,
                                                   GAsyncResult         *result,
                                                   GError              **error);

G_END_DECLS
