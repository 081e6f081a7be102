/* qrs-database-private.h — what the repositories share with QrsDatabase
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <libpq-fe.h>

#include "qrs-database.h"

G_BEGIN_DECLS

/* One pooled libpq connection, lent to one thread at a time. */
typedef struct _QrsPgConnection QrsPgConnection;

QrsPgConnection *qrs_database_acquire               (QrsDatabase          *self,
                                                     GCancellable         *cancellable,
                                                     GError              **error);
void             qrs_database_release               (QrsDatabase          *self,
                                                     QrsPgConnection      *connection);
PGconn          *qrs_pg_connection_get_pgconn       (QrsPgConnection      *connection);

/* Runs one parameterised statement.  Parameters are text unless formats
 * say otherwise; the result is text unless binary_result.  A connection
 * lost outside a transaction is re-established and the statement sent
 * again, once.  Returns NULL with @error set on failure, translating the
 * server's SQLSTATE and constraint names into QrsDatabaseError. */
PGresult        *qrs_pg_connection_exec_params      (QrsPgConnection      *connection,
                                                     const char           *sql,
                                                     int                   n_params,
                                                     const char * const   *values,
                                                     const int            *lengths,
                                                     const int            *formats,
                                                     gboolean              binary_result,
                                                     GCancellable         *cancellable,
                                                     GError              **error);
PGresult        *qrs_pg_connection_exec             (QrsPgConnection      *connection,
                                                     const char           *sql,
                                                     int                   n_params,
                                                     const char * const   *values,
                                                     GCancellable         *cancellable,
                                                     GError              **error);
gboolean         qrs_pg_connection_command          (QrsPgConnection      *connection,
                                                     const char           *sql,
                                                     int                   n_params,
                                                     const char * const   *values,
                                                     GCancellable         *cancellable,
                                                     GError              **error);
gboolean         qrs_pg_connection_begin            (QrsPgConnection      *connection,
                                                     GCancellable         *cancellable,
                                                     GError              **error);
gboolean         qrs_pg_connection_commit           (QrsPgConnection      *connection,
                                                     GCancellable         *cancellable,
                                                     GError              **error);
void             qrs_pg_connection_rollback         (QrsPgConnection      *connection);

/* COPY … FROM STDIN: start with a statement, send data, then end. */
gboolean         qrs_pg_connection_copy_begin       (QrsPgConnection      *connection,
                                                     const char           *sql,
                                                     GCancellable         *cancellable,
                                                     GError              **error);
gboolean         qrs_pg_connection_copy_send        (QrsPgConnection      *connection,
                                                     const char           *data,
                                                     gsize                 length,
                                                     GError              **error);
gboolean         qrs_pg_connection_copy_end         (QrsPgConnection      *connection,
                                                     GCancellable         *cancellable,
                                                     GError              **error);

/* Errors from a failed result, for code that drives libpq directly. */
void             qrs_database_set_error_from_result (GError              **error,
                                                     PGconn               *conn,
                                                     const PGresult       *result);

/* Values coming back from a text-format result. */
char            *qrs_result_dup_string              (const PGresult       *result,
                                                     int                   row,
                                                     int                   column);
gint64           qrs_result_get_int64               (const PGresult       *result,
                                                     int                   row,
                                                     int                   column);
gboolean         qrs_result_get_boolean             (const PGresult       *result,
                                                     int                   row,
                                                     int                   column);
GDateTime       *qrs_result_dup_date_time           (const PGresult       *result,
                                                     int                   row,
                                                     int                   column);
char            *qrs_date_time_to_param             (GDateTime            *date_time);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PGresult, PQclear)

/* Runs @func on a worker thread and completes @task with what it returns;
 * every repository's _async variant is built on this. */
typedef gpointer (*QrsStoreThreadFunc) (gpointer       source_object,
                                        gpointer       task_data,
                                        GCancellable  *cancellable,
                                        GError       **error);

void             qrs_store_run_in_thread            (gpointer              source_object,
                                                     gpointer              source_tag,
                                                     QrsStoreThreadFunc    func,
                                                     gpointer              task_data,
                                                     GDestroyNotify        task_data_free,
                                                     GDestroyNotify        result_free,
                                                     GCancellable         *cancellable,
                                                     GAsyncReadyCallback   callback,
                                                     gpointer              user_data);
gpointer         qrs_store_run_finish               (gpointer              source_object,
                                                     GAsyncResult         *result,
                                                     gpointer              source_tag,
                                                     GError              **error);

/* A successful call that has no object to hand back. */
#define QRS_STORE_DONE GINT_TO_POINTER (1)

G_END_DECLS
