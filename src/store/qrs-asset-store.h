/* qrs-asset-store.h — logos in the database, stored once per content
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "qrs-database.h"

G_BEGIN_DECLS

/* The same limit as QRS_DESIGN_LOGO_MAX_BYTES, enforced again by the
 * assets table. */
#define QRS_ASSET_MAX_BYTES (2 * 1024 * 1024)

#define QRS_TYPE_ASSET_STORE (qrs_asset_store_get_type ())

G_DECLARE_FINAL_TYPE (QrsAssetStore, qrs_asset_store, QRS, ASSET_STORE, GObject)

QrsAssetStore *qrs_asset_store_new            (QrsDatabase          *database);
QrsDatabase   *qrs_asset_store_get_database   (QrsAssetStore        *self);
char          *qrs_asset_store_put            (QrsAssetStore        *self,
                                               GBytes               *data,
                                               const char           *media_type,
                                               GCancellable         *cancellable,
                                               GError              **error);
void           qrs_asset_store_put_async      (QrsAssetStore        *self,
                                               GBytes               *data,
                                               const char           *media_type,
                                               GCancellable         *cancellable,
                                               GAsyncReadyCallback   callback,
                                               gpointer              user_data);
char          *qrs_asset_store_put_finish     (QrsAssetStore        *self,
                                               GAsyncResult         *result,
                                               GError              **error);
GBytes        *qrs_asset_store_get            (QrsAssetStore        *self,
                                               const char           *sha256,
                                               char                **media_type,
                                               GCancellable         *cancellable,
                                               GError              **error);
void           qrs_asset_store_get_async      (QrsAssetStore        *self,
                                               const char           *sha256,
                                               GCancellable         *cancellable,
                                               GAsyncReadyCallback   callback,
                                               gpointer              user_data);
GBytes        *qrs_asset_store_get_finish     (QrsAssetStore        *self,
                                               GAsyncResult         *result,
                                               char                **media_type,
                                               GError              **error);
gboolean       qrs_asset_store_delete_unused  (QrsAssetStore        *self,
                                               guint                *n_deleted,
                                               GCancellable         *cancellable,
                                               GError              **error);

G_END_DECLS
