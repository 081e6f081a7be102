/* qrs-connection.c — the app's way to the shared database: which one,
 * connecting and migrating without blocking, and the stores on it
 *
 * An empty connection string means the private cluster on this computer
 * (started under $XDG_DATA_HOME/qrstudio/db and stopped on close); any
 * other is libpq's own: "host=… dbname=…", a URI or "service=NAME", with
 * passwords from ~/.pgpass, never from the app's settings.
 *
 * Every call here runs its database work on a GTask thread (the stores'
 * _async calls): the GTK main loop never waits on PostgreSQL.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "qrs-connection.h"
#include "qrs-local-cluster.h"

struct _QrsConnection
{
  GObject          parent_instance;

  char            *conninfo;
  char            *short_url_base;
  QrsLocalCluster *cluster;
  QrsDatabase     *database;
  QrsCodeStore    *code_store;
  QrsAssetStore   *asset_store;
  gboolean         open;
};

G_DEFINE_FINAL_TYPE (QrsConnection, qrs_connection, G_TYPE_OBJECT)

static void
qrs_connection_finalize (GObject *object)
{
  QrsConnection *self = (QrsConnection *)object;

  qrs_connection_close (self);
  g_clear_pointer (&self->conninfo, g_free);
  g_clear_pointer (&self->short_url_base, g_free);

  G_OBJECT_CLASS (qrs_connection_parent_class)->finalize (object);
}

static void
qrs_connection_class_init (QrsConnectionClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = qrs_connection_finalize;
}

static void
qrs_connection_init (QrsConnection *self)
{
}

/**
 * qrs_connection_new:
 * @conninfo: (nullable): libpq's connection string, or empty for the
 *   private cluster
 * @short_url_base: the redirect daemon's address before the short id
 */
QrsConnection *
qrs_connection_new (const char *conninfo,
                    const char *short_url_base)
{
  QrsConnection *self = g_object_new (QRS_TYPE_CONNECTION, NULL);

  self->conninfo = g_strstrip (g_strdup (conninfo ? conninfo : ""));
  self->short_url_base = g_strdup (short_url_base);

  return self;
}

const char *
qrs_connection_get_conninfo (QrsConnection *self)
{
  g_return_val_if_fail (QRS_IS_CONNECTION (self), NULL);

  return self->conninfo;
}

gboolean
qrs_connection_is_private (QrsConnection *self)
{
  g_return_val_if_fail (QRS_IS_CONNECTION (self), FALSE);

  return self->conninfo[0] == '\0';
}

gboolean
qrs_connection_is_open (QrsConnection *self)
{
  g_return_val_if_fail (QRS_IS_CONNECTION (self), FALSE);

  return self->open;
}

/**
 * qrs_connection_get_code_store:
 *
 * Returns: (transfer none) (nullable): the codes, once open
 */
QrsCodeStore *
qrs_connection_get_code_store (QrsConnection *self)
{
  g_return_val_if_fail (QRS_IS_CONNECTION (self), NULL);

  return self->open ? self->code_store : NULL;
}

/**
 * qrs_connection_get_asset_store:
 *
 * Returns: (transfer none) (nullable): the logos, once open
 */
QrsAssetStore *
qrs_connection_get_asset_store (QrsConnection *self)
{
  g_return_val_if_fail (QRS_IS_CONNECTION (self), NULL);

  return self->open ? self->asset_store : NULL;
}

/* Open: [start the private cluster] → connect → migrate ------------------ */

static void
migrated_cb (GObject      *object,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  QrsConnection *self = g_task_get_source_object (task);
  g_autoptr(GError) error = NULL;

  if (!qrs_database_migrate_finish (QRS_DATABASE (object), result, NULL, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  self->code_store = qrs_code_store_new (self->database);
  self->asset_store = qrs_asset_store_new (self->database);
  if (self->short_url_base != NULL && self->short_url_base[0] != '\0')
    qrs_code_store_set_short_url_base (self->code_store, self->short_url_base);
  self->open = TRUE;

  g_task_return_boolean (task, TRUE);
}

static void
connected_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;
  GCancellable *cancellable;

  if (!qrs_database_connect_finish (QRS_DATABASE (object), result, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  /* Migrations run under an advisory lock; a schema newer than this
   * program is refused here with the store's own message. */
  cancellable = g_task_get_cancellable (task);
  qrs_database_migrate_async (QRS_DATABASE (object), cancellable, migrated_cb, g_steal_pointer (&task));
}

static void
connect_database (GTask      *task,
                  const char *conninfo)
{
  QrsConnection *self = g_task_get_source_object (task);
  g_autoptr(GError) error = NULL;

  g_clear_object (&self->database);
  self->database = qrs_database_new (conninfo, &error);
  if (self->database == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      g_object_unref (task);
      return;
    }

  qrs_database_connect_async (self->database, g_task_get_cancellable (task), connected_cb, task);
}

static void
cluster_started_cb (GObject      *object,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  GTask *task = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *conninfo = NULL;

  if (!qrs_local_cluster_start_finish (QRS_LOCAL_CLUSTER (object), result, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      g_object_unref (task);
      return;
    }

  conninfo = qrs_local_cluster_dup_conninfo (QRS_LOCAL_CLUSTER (object));
  connect_database (task, conninfo);
}

void
qrs_connection_open_async (QrsConnection       *self,
                           GCancellable        *cancellable,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  GTask *task;

  g_return_if_fail (QRS_IS_CONNECTION (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, qrs_connection_open_async);

  if (qrs_connection_is_private (self))
    {
      g_autofree char *data_dir = g_build_filename (g_get_user_data_dir (), "qrstudio", "db", NULL);
      g_autofree char *socket_dir = g_build_filename (g_get_user_runtime_dir (), "qrstudio", NULL);

      if (self->cluster == NULL)
        self->cluster = qrs_local_cluster_new (data_dir, socket_dir);
      qrs_local_cluster_start_async (self->cluster, cancellable, cluster_started_cb, task);
      return;
    }

  connect_database (task, self->conninfo);
}

gboolean
qrs_connection_open_finish (QrsConnection  *self,
                            GAsyncResult   *result,
                            GError        **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/* Save: [the logo into the assets] → create or update -------------------- */

static void
saved_cb (GObject      *object,
          GAsyncResult *result,
          gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;
  QrsCode *code;

  if (g_task_get_task_data (task) != NULL)
    code = qrs_code_store_update_finish (QRS_CODE_STORE (object), result, &error);
  else
    code = qrs_code_store_create_finish (QRS_CODE_STORE (object), result, &error);

  if (code == NULL)
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_pointer (task, code, g_object_unref);
}

static void
write_code (GTask *task)
{
  QrsConnection *self = g_task_get_source_object (task);
  QrsCode *code = g_object_get_data (G_OBJECT (task), "qrs-code");

  if (qrs_code_get_id (code) > 0)
    {
      g_task_set_task_data (task, GINT_TO_POINTER (1), NULL);
      qrs_code_store_update_async (self->code_store, code, g_task_get_cancellable (task), saved_cb, task);
    }
  else
    qrs_code_store_create_async (self->code_store, code, g_task_get_cancellable (task), saved_cb, task);
}

static void
logo_put_cb (GObject      *object,
             GAsyncResult *result,
             gpointer      user_data)
{
  GTask *task = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *sha256 = NULL;

  sha256 = qrs_asset_store_put_finish (QRS_ASSET_STORE (object), result, &error);
  if (sha256 == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      g_object_unref (task);
      return;
    }

  write_code (task);
}

/**
 * qrs_connection_save_async:
 *
 * Writes @document: a new row the first time, an update of its row after
 * that, failing with %QRS_DATABASE_ERROR_CONFLICT when someone saved the
 * row since the document read it.  The logo goes into the shared assets
 * first.  Give the returned code to qrs_document_set_stored().
 */
void
qrs_connection_save_async (QrsConnection       *self,
                           QrsDocument         *document,
                           GCancellable        *cancellable,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  QrsDesign *design;
  GTask *task;

  g_return_if_fail (QRS_IS_CONNECTION (self));
  g_return_if_fail (QRS_IS_DOCUMENT (document));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, qrs_connection_save_async);

  if (!self->open)
    {
      g_task_return_new_error (task, QRS_DATABASE_ERROR, QRS_DATABASE_ERROR_CONNECTION_FAILED,
                               _("Not connected to the database"));
      g_object_unref (task);
      return;
    }

  g_object_set_data_full (G_OBJECT (task), "qrs-code", qrs_document_to_code (document), g_object_unref);

  design = qrs_document_get_design (document);
  if (qrs_design_get_logo (design) != NULL)
    qrs_asset_store_put_async (self->asset_store, qrs_design_get_logo (design),
                               qrs_design_get_logo_media_type (design),
                               cancellable, logo_put_cb, task);
  else
    write_code (task);
}

/**
 * qrs_connection_save_finish:
 *
 * Returns: (transfer full): the code as stored, or %NULL with @error set
 */
QrsCode *
qrs_connection_save_finish (QrsConnection  *self,
                            GAsyncResult   *result,
                            GError        **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/* Load ------------------------------------------------------------------ */

static void
listed_cb (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;
  GPtrArray *codes;

  codes = qrs_code_store_list_finish (QRS_CODE_STORE (object), result, NULL, &error);
  if (codes == NULL)
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_pointer (task, codes, (GDestroyNotify)g_ptr_array_unref);
}

/**
 * qrs_connection_load_async:
 * @limit: how many codes, the most recently changed first
 */
void
qrs_connection_load_async (QrsConnection       *self,
                           guint                limit,
                           GCancellable        *cancellable,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  GTask *task;

  g_return_if_fail (QRS_IS_CONNECTION (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, qrs_connection_load_async);

  if (!self->open)
    {
      g_task_return_new_error (task, QRS_DATABASE_ERROR, QRS_DATABASE_ERROR_CONNECTION_FAILED,
                               _("Not connected to the database"));
      g_object_unref (task);
      return;
    }

  qrs_code_store_list_async (self->code_store, QRS_CODE_SORT_UPDATED, TRUE, 0, limit,
                             cancellable, listed_cb, task);
}

/**
 * qrs_connection_load_finish:
 *
 * Returns: (transfer full) (element-type QrsCode): the codes
 */
GPtrArray *
qrs_connection_load_finish (QrsConnection  *self,
                            GAsyncResult   *result,
                            GError        **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/**
 * qrs_connection_close:
 *
 * Closes the database and stops the private cluster if this connection
 * started it.  Blocks for as long as pg_ctl takes to stop: call it when
 * the app quits, not while a window is up.
 */
void
qrs_connection_close (QrsConnection *self)
{
  g_return_if_fail (QRS_IS_CONNECTION (self));

  self->open = FALSE;
  /* Quitting must not pull libpq's OpenSSL state from under a thread
   * still connecting or querying. */
  if (!qrs_store_wait_for_threads (10000))
    g_warning ("Database work still running at exit");
  g_clear_object (&self->code_store);
  g_clear_object (&self->asset_store);
  if (self->database != NULL)
    qrs_database_close (self->database);
  g_clear_object (&self->database);

  if (self->cluster != NULL && qrs_local_cluster_is_running (self->cluster))
    {
      g_autoptr(GError) error = NULL;

      if (!qrs_local_cluster_stop (self->cluster, NULL, &error))
        g_warning ("Could not stop the private database: %s", error->message);
    }
  g_clear_object (&self->cluster);
}
