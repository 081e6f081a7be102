/* qrs-database.h — the connection to QR Studio's PostgreSQL database
 *
 * A QrsDatabase is a small pool of libpq connections.  A libpq connection
 * is not thread-safe, so each call takes a connection for itself and
 * gives it back; the synchronous functions may be called from any thread,
 * and the _async variants run them on a GTask worker thread.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define QRS_DATABASE_ERROR (qrs_database_error_quark ())

typedef enum
{
  QRS_DATABASE_ERROR_INVALID_CONNINFO,
  QRS_DATABASE_ERROR_CONNECTION_REFUSED,
  QRS_DATABASE_ERROR_AUTHENTICATION_FAILED,
  QRS_DATABASE_ERROR_DATABASE_MISSING,
  QRS_DATABASE_ERROR_CONNECTION_FAILED,
  QRS_DATABASE_ERROR_SCHEMA_TOO_NEW,
  QRS_DATABASE_ERROR_SCHEMA_TOO_OLD,
  QRS_DATABASE_ERROR_MIGRATION_FAILED,
  QRS_DATABASE_ERROR_PERMISSION_DENIED,
  QRS_DATABASE_ERROR_NOT_FOUND,
  QRS_DATABASE_ERROR_CONFLICT,
  QRS_DATABASE_ERROR_DUPLICATE,
  QRS_DATABASE_ERROR_INVALID,
  QRS_DATABASE_ERROR_TOO_LARGE,
  QRS_DATABASE_ERROR_IN_USE,
  QRS_DATABASE_ERROR_FAILED,
} QrsDatabaseError;

/* The channels the schema's triggers notify. */
#define QRS_DATABASE_CHANNEL_CODES "qrstudio_codes"
#define QRS_DATABASE_CHANNEL_SCANS "qrstudio_scans"
/* Every insert, update and delete of a code, with its id: for libraries. */
#define QRS_DATABASE_CHANNEL_LIBRARY "qrstudio_library"

typedef struct
{
  int        version;
  char      *name;        /* "0001_schema.sql" */
  GDateTime *applied_at;  /* NULL while pending */
  char      *applied_by;  /* NULL while pending */
} QrsMigration;

typedef struct
{
  gint64 codes;
  gint64 assets;
  gint64 code_events;
  gint64 scans;
  gint64 scan_daily;
} QrsRowCounts;

#define QRS_TYPE_MIGRATION (qrs_migration_get_type ())
#define QRS_TYPE_DATABASE (qrs_database_get_type ())

G_DECLARE_FINAL_TYPE (QrsDatabase, qrs_database, QRS, DATABASE, GObject)

GQuark        qrs_database_error_quark                 (void);
GType         qrs_migration_get_type                   (void) G_GNUC_CONST;
QrsMigration *qrs_migration_copy                       (const QrsMigration   *self);
void          qrs_migration_free                       (QrsMigration         *self);

int           qrs_database_get_program_schema_version  (void);

char         *qrs_database_expand_conninfo             (const char           *conninfo,
                                                        GError              **error);
QrsDatabase  *qrs_database_new                         (const char           *conninfo,
                                                        GError              **error);
const char   *qrs_database_get_conninfo                (QrsDatabase          *self);
guint         qrs_database_get_max_connections         (QrsDatabase          *self);
void          qrs_database_set_max_connections         (QrsDatabase          *self,
                                                        guint                 max_connections);
gboolean      qrs_database_connect                     (QrsDatabase          *self,
                                                        GCancellable         *cancellable,
                                                        GError              **error);
void          qrs_database_connect_async               (QrsDatabase          *self,
                                                        GCancellable         *cancellable,
                                                        GAsyncReadyCallback   callback,
                                                        gpointer              user_data);
gboolean      qrs_database_connect_finish              (QrsDatabase          *self,
                                                        GAsyncResult         *result,
                                                        GError              **error);
void          qrs_database_close                       (QrsDatabase          *self);
gboolean      qrs_store_wait_for_threads               (guint                 timeout_ms);

int           qrs_database_get_schema_version          (QrsDatabase          *self,
                                                        GCancellable         *cancellable,
                                                        GError              **error);
gboolean      qrs_database_check_schema                (QrsDatabase          *self,
                                                        GCancellable         *cancellable,
                                                        GError              **error);
gboolean      qrs_database_migrate                     (QrsDatabase          *self,
                                                        guint                *n_applied,
                                                        GCancellable         *cancellable,
                                                        GError              **error);
void          qrs_database_migrate_async               (QrsDatabase          *self,
                                                        GCancellable         *cancellable,
                                                        GAsyncReadyCallback   callback,
                                                        gpointer              user_data);
gboolean      qrs_database_migrate_finish              (QrsDatabase          *self,
                                                        GAsyncResult         *result,
                                                        guint                *n_applied,
                                                        GError              **error);
GPtrArray    *qrs_database_list_migrations             (QrsDatabase          *self,
                                                        GCancellable         *cancellable,
                                                        GError              **error);
gboolean      qrs_database_count_rows                  (QrsDatabase          *self,
                                                        QrsRowCounts         *counts,
                                                        GCancellable         *cancellable,
                                                        GError              **error);

gboolean      qrs_database_listen                      (QrsDatabase          *self,
                                                        const char           *channel,
                                                        GError              **error);
void          qrs_database_unlisten                    (QrsDatabase          *self,
                                                        const char           *channel);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (QrsMigration, qrs_migration_free)

G_END_DECLS
