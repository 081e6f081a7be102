/* qrs-connection.h — the app's way to the shared database: which one,
 * connecting and migrating without blocking, and the stores on it
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "qrs-asset-store.h"
#include "qrs-code-store.h"
#include "qrs-document.h"

G_BEGIN_DECLS

#define QRS_TYPE_CONNECTION (qrs_connection_get_type ())

G_DECLARE_FINAL_TYPE (QrsConnection, qrs_connection, QRS, CONNECTION, GObject)

QrsConnection *qrs_connection_new              (const char          *conninfo,
                                                const char          *short_url_base);
const char    *qrs_connection_get_conninfo     (QrsConnection       *self);
gboolean       qrs_connection_is_private       (QrsConnection       *self);
gboolean       qrs_connection_is_open          (QrsConnection       *self);
QrsCodeStore  *qrs_connection_get_code_store   (QrsConnection       *self);
QrsAssetStore *qrs_connection_get_asset_store  (QrsConnection       *self);
void           qrs_connection_open_async       (QrsConnection       *self,
                                                GCancellable        *cancellable,
                                                GAsyncReadyCallback  callback,
                                                gpointer             user_data);
gboolean       qrs_connection_open_finish      (QrsConnection       *self,
                                                GAsyncResult        *result,
                                                GError             **error);
void           qrs_connection_save_async       (QrsConnection       *self,
                                                QrsDocument         *document,
                                                GCancellable        *cancellable,
                                                GAsyncReadyCallback  callback,
                                                gpointer             user_data);
QrsCode       *qrs_connection_save_finish      (QrsConnection       *self,
                                                GAsyncResult        *result,
                                                GError             **error);
void           qrs_connection_load_async       (QrsConnection       *self,
                                                guint                limit,
                                                GCancellable        *cancellable,
                                                GAsyncReadyCallback  callback,
                                                gpointer             user_data);
GPtrArray     *qrs_connection_load_finish      (QrsConnection       *self,
                                                GAsyncResult        *result,
                                                GError             **error);
void           qrs_connection_close            (QrsConnection       *self);

G_END_DECLS
