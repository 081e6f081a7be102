/* qrs-asset-store.c — logos in the database, stored once per content
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include <glib/gi18n-lib.h>

#include "qrs-asset-store.h"
#include "qrs-database-private.h"

struct _QrsAssetStore
{
  GObject      parent_instance;

  QrsDatabase *database;
};

enum {
  PROP_0,
  PROP_DATABASE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

G_DEFINE_FINAL_TYPE (QrsAssetStore, qrs_asset_store, G_TYPE_OBJECT)

static void
qrs_asset_store_finalize (GObject *object)
{
  QrsAssetStore *self = (QrsAssetStore *)object;

  g_clear_object (&self->database);

  G_OBJECT_CLASS (qrs_asset_store_parent_class)->finalize (object);
}

static void
qrs_asset_store_get_property (GObject    *object,
                              guint       prop_id,
                              GValue     *value,
                              GParamSpec *pspec)
{
  QrsAssetStore *self = QRS_ASSET_STORE (object);

  switch (prop_id)
    {
    case PROP_DATABASE:
      g_value_set_object (value, self->database);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
qrs_asset_store_set_property (GObject      *object,
                              guint         prop_id,
                              const GValue *value,
                              GParamSpec   *pspec)
{
  QrsAssetStore *self = QRS_ASSET_STORE (object);

  switch (prop_id)
    {
    case PROP_DATABASE:
      self->database = g_value_dup_object (value);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
qrs_asset_store_class_init (QrsAssetStoreClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = qrs_asset_store_finalize;
  object_class->get_property = qrs_asset_store_get_property;
  object_class->set_property = qrs_asset_store_set_property;

  properties[PROP_DATABASE] =
    g_param_spec_object ("database", NULL, NULL,
                         QRS_TYPE_DATABASE,
                         (G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS));

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
qrs_asset_store_init (QrsAssetStore *self)
{
}

QrsAssetStore *
qrs_asset_store_new (QrsDatabase *database)
{
  g_return_val_if_fail (QRS_IS_DATABASE (database), NULL);

  return g_object_new (QRS_TYPE_ASSET_STORE,
                       "database", database,
                       NULL);
}

QrsDatabase *
qrs_asset_store_get_database (QrsAssetStore *self)
{
  g_return_val_if_fail (QRS_IS_ASSET_STORE (self), NULL);

  return self->database;
}

static gboolean
is_sha256_hex (const char *str)
{
  guint n = 0;

  for (; str[n] != '\0'; n++)
    if (!g_ascii_isxdigit (str[n]))
      return FALSE;
  return n == 64;
}

/**
 * qrs_asset_store_put:
 * @self: a #QrsAssetStore
 * @data: the image file's bytes, at most %QRS_ASSET_MAX_BYTES
 * @media_type: its media type, such as "image/png"
 * @cancellable: (nullable): a #GCancellable
 * @error: a #GError
 *
 * Stores a logo unless the same bytes are stored already.
 *
 * Returns: (transfer full): the SHA-256 of @data in lower-case hex, which
 *   is how codes refer to it
 */
char *
qrs_asset_store_put (QrsAssetStore  *self,
                     GBytes         *data,
                     const char     *media_type,
                     GCancellable   *cancellable,
                     GError        **error)
{
  g_autofree char *sha256 = NULL;
  g_autofree char *size_text = NULL;
  g_autoptr(PGresult) result = NULL;
  QrsPgConnection *connection;
  const char *values[3];
  int lengths[3] = { 0, 0, 0 };
  int formats[3] = { 0, 0, 1 };
  gsize size;

  g_return_val_if_fail (QRS_IS_ASSET_STORE (self), NULL);
  g_return_val_if_fail (data != NULL, NULL);
  g_return_val_if_fail (media_type != NULL, NULL);

  size = g_bytes_get_size (data);
  if (size > QRS_ASSET_MAX_BYTES)
    {
      size_text = g_format_size_full (size, G_FORMAT_SIZE_IEC_UNITS);
      g_set_error (error, QRS_DATABASE_ERROR, QRS_DATABASE_ERROR_TOO_LARGE,
                   _("The logo is %s; a logo may be at most 2 MiB. Use a smaller image."),
                   size_text);
      return NULL;
    }
  if (size == 0)
    {
      g_set_error_literal (error, QRS_DATABASE_ERROR, QRS_DATABASE_ERROR_INVALID,
                           _("The logo file is empty."));
      return NULL;
    }

  sha256 = g_compute_checksum_for_bytes (G_CHECKSUM_SHA256, data);

  values[0] = sha256;
  values[1] = media_type;
  values[2] = g_bytes_get_data (data, NULL);
  lengths[2] = (int)size;

  connection = qrs_database_acquire (self->database, cancellable, error);
  if (connection == NULL)
    return NULL;
  result = qrs_pg_connection_exec_params (connection,
                                       "INSERT INTO public.assets (sha256, media_type, data) "
                                       "VALUES (decode($1, 'hex'), $2, $3::bytea) "
                                       "ON CONFLICT (sha256) DO NOTHING",
                                       3, values, lengths, formats, FALSE,
                                       cancellable, error);
  qrs_database_release (self->database, connection);

  if (result == NULL)
    return NULL;
  return g_steal_pointer (&sha256);
}

/**
 * qrs_asset_store_get:
 * @self: a #QrsAssetStore
 * @sha256: the logo's SHA-256 in hex
 * @media_type: (out) (optional) (transfer full): its media type
 * @cancellable: (nullable): a #GCancellable
 * @error: a #GError
 *
 * Returns: (transfer full): the logo's bytes, or %NULL with
 *   %QRS_DATABASE_ERROR_NOT_FOUND
 */
GBytes *
qrs_asset_store_get (QrsAssetStore  *self,
                     const char     *sha256,
                     char          **media_type,
                     GCancellable   *cancellable,
                     GError        **error)
{
  g_autofree char *lower = NULL;
  g_autoptr(PGresult) result = NULL;
  QrsPgConnection *connection;
  const char *params[1];

  g_return_val_if_fail (QRS_IS_ASSET_STORE (self), NULL);
  g_return_val_if_fail (sha256 != NULL, NULL);

  if (media_type != NULL)
    *media_type = NULL;

  if (!is_sha256_hex (sha256))
    {
      g_set_error (error, QRS_DATABASE_ERROR, QRS_DATABASE_ERROR_INVALID,
                   _("“%s” is not a SHA-256 checksum."), sha256);
      return NULL;
    }
  lower = g_ascii_strdown (sha256, -1);
  params[0] = lower;

  connection = qrs_database_acquire (self->database, cancellable, error);
  if (connection == NULL)
    return NULL;
  /* Binary results: the bytes as they are, no hex round trip. */
  result = qrs_pg_connection_exec_params (connection,
                                       "SELECT media_type, data FROM public.assets "
                                       " WHERE sha256 = decode($1, 'hex')",
                                       1, params, NULL, NULL, TRUE, cancellable, error);
  qrs_database_release (self->database, connection);

  if (result == NULL)
    return NULL;
  if (PQntuples (result) == 0)
    {
      g_set_error (error, QRS_DATABASE_ERROR, QRS_DATABASE_ERROR_NOT_FOUND,
                   _("The logo %s is not in the database."), lower);
      return NULL;
    }

  if (media_type != NULL)
    *media_type = g_strndup (PQgetvalue (result, 0, 0), PQgetlength (result, 0, 0));
  return g_bytes_new (PQgetvalue (result, 0, 1), PQgetlength (result, 0, 1));
}

/**
 * qrs_asset_store_delete_unused:
 * @self: a #QrsAssetStore
 * @n_deleted: (out) (optional): how many logos were deleted
 * @cancellable: (nullable): a #GCancellable
 * @error: a #GError
 *
 * Deletes the logos no code uses any more.
 *
 * Returns: %TRUE on success
 */
gboolean
qrs_asset_store_delete_unused (QrsAssetStore  *self,
                               guint          *n_deleted,
                               GCancellable   *cancellable,
                               GError        **error)
{
  g_autoptr(PGresult) result = NULL;
  QrsPgConnection *connection;

  g_return_val_if_fail (QRS_IS_ASSET_STORE (self), FALSE);

  if (n_deleted != NULL)
    *n_deleted = 0;

  connection = qrs_database_acquire (self->database, cancellable, error);
  if (connection == NULL)
    return FALSE;
  result = qrs_pg_connection_exec (connection,
                                "DELETE FROM public.assets a "
                                " WHERE NOT EXISTS (SELECT FROM public.codes c "
                                "                    WHERE c.logo_sha256 = a.sha256)",
                                0, NULL, cancellable, error);
  qrs_database_release (self->database, connection);

  if (result == NULL)
    return FALSE;
  if (n_deleted != NULL)
    *n_deleted = (guint)g_ascii_strtoull (PQcmdTuples (result), NULL, 10);
  return TRUE;
}

/* ------------------------------------------------------------------ */

typedef struct
{
  GBytes *data;
  char   *text;
} Args;

static void
args_free (Args *args)
{
  g_clear_pointer (&args->data, g_bytes_unref);
  g_free (args->text);
  g_free (args);
}

static gpointer
put_thread (gpointer source, gpointer data, GCancellable *cancellable, GError **error)
{
  Args *args = data;

  return qrs_asset_store_put (source, args->data, args->text, cancellable, error);
}

void
qrs_asset_store_put_async (QrsAssetStore       *self,
                           GBytes              *data,
                           const char          *media_type,
                           GCancellable        *cancellable,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  Args *args;

  g_return_if_fail (QRS_IS_ASSET_STORE (self));
  g_return_if_fail (data != NULL);
  g_return_if_fail (media_type != NULL);

  args = g_new0 (Args, 1);
  args->data = g_bytes_ref (data);
  args->text = g_strdup (media_type);
  qrs_store_run_in_thread (self, qrs_asset_store_put_async, put_thread,
                           args, (GDestroyNotify)args_free, g_free,
                           cancellable, callback, user_data);
}

char *
qrs_asset_store_put_finish (QrsAssetStore  *self,
                            GAsyncResult   *result,
                            GError        **error)
{
  return qrs_store_run_finish (self, result, qrs_asset_store_put_async, error);
}

typedef struct
{
  GBytes *data;
  char   *media_type;
} Logo;

static void
logo_free (Logo *logo)
{
  g_clear_pointer (&logo->data, g_bytes_unref);
  g_free (logo->media_type);
  g_free (logo);
}

static gpointer
get_thread (gpointer source, gpointer data, GCancellable *cancellable, GError **error)
{
  Args *args = data;
  Logo *logo = g_new0 (Logo, 1);

  logo->data = qrs_asset_store_get (source, args->text, &logo->media_type, cancellable, error);
  if (logo->data == NULL)
    g_clear_pointer (&logo, logo_free);
  return logo;
}

void
qrs_asset_store_get_async (QrsAssetStore       *self,
                           const char          *sha256,
                           GCancellable        *cancellable,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  Args *args;

  g_return_if_fail (QRS_IS_ASSET_STORE (self));
  g_return_if_fail (sha256 != NULL);

  args = g_new0 (Args, 1);
  args->text = g_strdup (sha256);
  qrs_store_run_in_thread (self, qrs_asset_store_get_async, get_thread,
                           args, (GDestroyNotify)args_free, (GDestroyNotify)logo_free,
                           cancellable, callback, user_data);
}

GBytes *
qrs_asset_store_get_finish (QrsAssetStore  *self,
                            GAsyncResult   *result,
                            char          **media_type,
                            GError        **error)
{
  Logo *logo = qrs_store_run_finish (self, result, qrs_asset_store_get_async, error);
  GBytes *data;

  if (media_type != NULL)
    *media_type = logo ? g_steal_pointer (&logo->media_type) : NULL;
  if (logo == NULL)
    return NULL;
  data = g_steal_pointer (&logo->data);
  logo_free (logo);
  return data;
}
