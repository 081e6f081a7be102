/* qrs-code-store.c — codes in the database
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <sys/random.h>

#include <glib/gi18n-lib.h>
#include <json-glib/json-glib.h>

#include "qrs-code-private.h"
#include "qrs-code-store.h"
#include "qrs-database-private.h"

/* How often a freshly drawn short id may collide before we give up: with
 * 62^8 ids, even a million codes make one collision in 200 million. */
#define SHORT_ID_ATTEMPTS 8

struct _QrsCodeStore
{
  GObject      parent_instance;

  QrsDatabase *database;
  GMutex       mutex;
  char        *short_url_base;
  gint         pages_from_end;   /* read in reverse, for tests */
};

enum {
  PROP_0,
  PROP_DATABASE,
  PROP_SHORT_URL_BASE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

G_DEFINE_FINAL_TYPE (QrsCodeStore, qrs_code_store, G_TYPE_OBJECT)
G_DEFINE_BOXED_TYPE (QrsCodeQuery, qrs_code_query, qrs_code_query_copy, qrs_code_query_free)
G_DEFINE_BOXED_TYPE (QrsCodePage, qrs_code_page, qrs_code_page_copy, qrs_code_page_free)
G_DEFINE_BOXED_TYPE (QrsRoute, qrs_route, qrs_route_copy, qrs_route_free)
G_DEFINE_BOXED_TYPE (QrsCodeEvent, qrs_code_event, qrs_code_event_copy, qrs_code_event_free)

/* The columns of a code, in the order code_from_result() reads them. */
#define CODE_COLUMNS \
  "id, version, created_at, created_by, updated_at, updated_by, kind, short_id, " \
  "payload_type, payload::text, encoded, target_url, design::text, " \
  "encode(logo_sha256, 'hex'), title, description, array_to_json(tags)::text, " \
  "enabled, expires_at, utm_passthrough"
#define N_CODE_COLUMNS 20

/* The same columns of a code under the alias @t. */
#define CODE_COLUMNS_OF(t) \
  t ".id, " t ".version, " t ".created_at, " t ".created_by, " t ".updated_at, " \
  t ".updated_by, " t ".kind, " t ".short_id, " t ".payload_type, " t ".payload::text, " \
  t ".encoded, " t ".target_url, " t ".design::text, encode(" t ".logo_sha256, 'hex'), " \
  t ".title, " t ".description, array_to_json(" t ".tags)::text, " t ".enabled, " \
  t ".expires_at, " t ".utm_passthrough"

/* Tags travel as a JSON array both ways, which spares us the quoting
 * rules of PostgreSQL's array literals. */
#define TAGS_PARAM(n) "ARRAY(SELECT jsonb_array_elements_text($" #n "::jsonb))"

QrsRoute *
qrs_route_copy (const QrsRoute *self)
{
  QrsRoute *copy;

  g_return_val_if_fail (self != NULL, NULL);

  copy = g_memdup2 (self, sizeof *self);
  copy->short_id = g_strdup (self->short_id);
  copy->target_url = g_strdup (self->target_url);
  copy->expires_at = self->expires_at ? g_date_time_ref (self->expires_at) : NULL;
  return copy;
}

void
qrs_route_free (QrsRoute *self)
{
  if (self == NULL)
    return;
  g_free (self->short_id);
  g_free (self->target_url);
  g_clear_pointer (&self->expires_at, g_date_time_unref);
  g_free (self);
}

QrsCodeEvent *
qrs_code_event_copy (const QrsCodeEvent *self)
{
  QrsCodeEvent *copy;

  g_return_val_if_fail (self != NULL, NULL);

  copy = g_memdup2 (self, sizeof *self);
  copy->short_id = g_strdup (self->short_id);
  copy->action = g_strdup (self->action);
  copy->happened_at = self->happened_at ? g_date_time_ref (self->happened_at) : NULL;
  copy->actor = g_strdup (self->actor);
  copy->old_target_url = g_strdup (self->old_target_url);
  copy->new_target_url = g_strdup (self->new_target_url);
  copy->old_expires_at = self->old_expires_at ? g_date_time_ref (self->old_expires_at) : NULL;
  copy->new_expires_at = self->new_expires_at ? g_date_time_ref (self->new_expires_at) : NULL;
  return copy;
}

void
qrs_code_event_free (QrsCodeEvent *self)
{
  if (self == NULL)
    return;
  g_free (self->short_id);
  g_free (self->action);
  g_clear_pointer (&self->happened_at, g_date_time_unref);
  g_free (self->actor);
  g_free (self->old_target_url);
  g_free (self->new_target_url);
  g_clear_pointer (&self->old_expires_at, g_date_time_unref);
  g_clear_pointer (&self->new_expires_at, g_date_time_unref);
  g_free (self);
}

/**
 * qrs_code_store_generate_short_id:
 * @error: a #GError
 *
 * Draws %QRS_SHORT_ID_LENGTH characters from [A-Za-z0-9] with the
 * system's cryptographic random source, so that short ids cannot be
 * guessed from one another.
 *
 * Returns: (transfer full): a new short id, or %NULL if the system could
 *   not provide randomness
 */
char *
qrs_code_store_generate_short_id (GError **error)
{
  static const char alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  char id[QRS_SHORT_ID_LENGTH + 1];
  guint n = 0;

  G_STATIC_ASSERT (sizeof alphabet - 1 == 62);

  while (n < QRS_SHORT_ID_LENGTH)
    {
      guint8 bytes[32];
      ssize_t got = getrandom (bytes, sizeof bytes, 0);

      if (got < 0)
        {
          int saved_errno = errno;

          if (saved_errno == EINTR)
            continue;
          g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
                       _("Could not draw a random short id: %s"), g_strerror (saved_errno));
          return NULL;
        }

      /* Reject 248…255 so that every letter is equally likely (248 = 4 × 62). */
      for (ssize_t i = 0; i < got && n < QRS_SHORT_ID_LENGTH; i++)
        if (bytes[i] < 248)
          id[n++] = alphabet[bytes[i] % 62];
    }
  id[n] = '\0';
  return g_strdup (id);
}

/* ------------------------------------------------------------------ */

static void
qrs_code_store_finalize (GObject *object)
{
  QrsCodeStore *self = (QrsCodeStore *)object;

  g_clear_object (&self->database);
  g_free (self->short_url_base);
  g_mutex_clear (&self->mutex);

  G_OBJECT_CLASS (qrs_code_store_parent_class)->finalize (object);
}

static void
qrs_code_store_get_property (GObject    *object,
                             guint       prop_id,
                             GValue     *value,
                             GParamSpec *pspec)
{
  QrsCodeStore *self = QRS_CODE_STORE (object);

  switch (prop_id)
    {
    case PROP_DATABASE:
      g_value_set_object (value, self->database);
      break;

    case PROP_SHORT_URL_BASE:
      g_mutex_lock (&self->mutex);
      g_value_set_string (value, self->short_url_base);
      g_mutex_unlock (&self->mutex);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
qrs_code_store_set_property (GObject      *object,
                             guint         prop_id,
                             const GValue *value,
                             GParamSpec   *pspec)
{
  QrsCodeStore *self = QRS_CODE_STORE (object);

  switch (prop_id)
    {
    case PROP_DATABASE:
      self->database = g_value_dup_object (value);
      break;

    case PROP_SHORT_URL_BASE:
      qrs_code_store_set_short_url_base (self, g_value_get_string (value));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
qrs_code_store_class_init (QrsCodeStoreClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = qrs_code_store_finalize;
  object_class->get_property = qrs_code_store_get_property;
  object_class->set_property = qrs_code_store_set_property;

  properties[PROP_DATABASE] =
    g_param_spec_object ("database", NULL, NULL,
                         QRS_TYPE_DATABASE,
                         (G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS));

  /**
   * QrsCodeStore:short-url-base:
   *
   * The address the redirect daemon answers under, such as
   * "https://qr.example.edu/r/".  When set, the store writes a dynamic
   * code's encoded text itself: this base followed by the short id.
   */
  properties[PROP_SHORT_URL_BASE] =
    g_param_spec_string ("short-url-base", NULL, NULL,
                         NULL,
                         (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
qrs_code_store_init (QrsCodeStore *self)
{
  g_mutex_init (&self->mutex);
}

QrsCodeStore *
qrs_code_store_new (QrsDatabase *database)
{
  g_return_val_if_fail (QRS_IS_DATABASE (database), NULL);

  return g_object_new (QRS_TYPE_CODE_STORE,
                       "database", database,
                       NULL);
}

QrsDatabase *
qrs_code_store_get_database (QrsCodeStore *self)
{
  g_return_val_if_fail (QRS_IS_CODE_STORE (self), NULL);

  return self->database;
}

/**
 * qrs_code_store_get_short_url_base:
 * @self: a #QrsCodeStore
 *
 * Returns: (nullable): the short address base; read it from the thread
 *   that sets it
 */
const char *
qrs_code_store_get_short_url_base (QrsCodeStore *self)
{
  g_return_val_if_fail (QRS_IS_CODE_STORE (self), NULL);

  return self->short_url_base;
}

void
qrs_code_store_set_short_url_base (QrsCodeStore *self,
                                   const char   *short_url_base)
{
  gboolean changed;

  g_return_if_fail (QRS_IS_CODE_STORE (self));

  if (short_url_base != NULL && *short_url_base == '\0')
    short_url_base = NULL;

  g_mutex_lock (&self->mutex);
  changed = g_strcmp0 (self->short_url_base, short_url_base) != 0;
  if (changed)
    {
      g_free (self->short_url_base);
      self->short_url_base = g_strdup (short_url_base);
    }
  g_mutex_unlock (&self->mutex);

  if (changed)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SHORT_URL_BASE]);
}

static char *
dup_short_url_base (QrsCodeStore *self)
{
  char *base;

  g_mutex_lock (&self->mutex);
  base = g_strdup (self->short_url_base);
  g_mutex_unlock (&self->mutex);
  return base;
}

/* ------------------------------------------------------------------ */
/* Rows                                                                */

static char **
tags_from_json (const char *json)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  JsonNode *root;

  if (json != NULL && json_parser_load_from_data (parser, json, -1, NULL)
      && (root = json_parser_get_root (parser)) != NULL
      && JSON_NODE_HOLDS_ARRAY (root))
    {
      JsonArray *array = json_node_get_array (root);

      for (guint i = 0; i < json_array_get_length (array); i++)
        {
          const char *tag = json_array_get_string_element (array, i);

          if (tag != NULL)
            g_strv_builder_add (builder, tag);
        }
    }

  return g_strv_builder_end (builder);
}

static char *
tags_to_json (const char * const *tags)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autoptr(JsonNode) root = NULL;

  json_builder_begin_array (builder);
  for (guint i = 0; tags != NULL && tags[i] != NULL; i++)
    json_builder_add_string_value (builder, tags[i]);
  json_builder_end_array (builder);

  root = json_builder_get_root (builder);
  json_generator_set_root (generator, root);
  return json_generator_to_data (generator, NULL);
}

static QrsCode *
code_from_result (const PGresult *result,
                  int             row)
{
  g_autoptr(GDateTime) created_at = qrs_result_dup_date_time (result, row, 2);
  g_autoptr(GDateTime) updated_at = qrs_result_dup_date_time (result, row, 4);
  g_autoptr(GDateTime) expires_at = qrs_result_dup_date_time (result, row, 18);
  g_auto(GStrv) tags = tags_from_json (PQgetvalue (result, row, 16));
  QrsCodeKind kind = QRS_CODE_KIND_STATIC;
  QrsCode *code;

  qrs_code_kind_from_string (PQgetvalue (result, row, 6), &kind);

  code = qrs_code_new (kind);
  qrs_code_set_stored (code,
                       qrs_result_get_int64 (result, row, 0),
                       (int)qrs_result_get_int64 (result, row, 1),
                       created_at, PQgetvalue (result, row, 3),
                       updated_at, PQgetvalue (result, row, 5));
  qrs_code_set_short_id (code, PQgetvalue (result, row, 7));
  qrs_code_set_payload_type (code, PQgetvalue (result, row, 8));
  qrs_code_set_payload (code, PQgetvalue (result, row, 9));
  qrs_code_set_encoded (code, PQgetvalue (result, row, 10));
  qrs_code_set_target_url (code, PQgetvalue (result, row, 11));
  qrs_code_set_design (code, PQgetvalue (result, row, 12));
  qrs_code_set_logo_sha256 (code, PQgetvalue (result, row, 13));
  qrs_code_set_title (code, PQgetvalue (result, row, 14));
  qrs_code_set_description (code, PQgetvalue (result, row, 15));
  qrs_code_set_tags (code, (const char * const *)tags);
  qrs_code_set_enabled (code, qrs_result_get_boolean (result, row, 17));
  qrs_code_set_expires_at (code, expires_at);
  qrs_code_set_utm_passthrough (code, qrs_result_get_boolean (result, row, 19));
  return code;
}

static GPtrArray *
codes_from_result (const PGresult *result)
{
  GPtrArray *codes = g_ptr_array_new_with_free_func (g_object_unref);

  for (int i = 0; i < PQntuples (result); i++)
    g_ptr_array_add (codes, code_from_result (result, i));

  return codes;
}

/* The values of a code as statement parameters, in the order of
 * INSERT_CODE: kind, short id, payload type, payload, encoded, target,
 * design, logo, title, description, tags, enabled, expiry, UTM. */
#define N_CODE_PARAMS 14

typedef struct
{
  char *owned[N_CODE_PARAMS];
  const char *values[N_CODE_PARAMS];
} CodeParams;

static void
code_params_clear (CodeParams *params)
{
  for (guint i = 0; i < N_CODE_PARAMS; i++)
    g_free (params->owned[i]);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (CodeParams, code_params_clear)

static void
code_params_init (CodeParams *params,
                  QrsCode    *code,
                  const char *short_id,
                  const char *encoded)
{
  memset (params, 0, sizeof *params);

  params->values[0] = qrs_code_kind_to_string (qrs_code_get_kind (code));
  params->values[1] = short_id;
  params->values[2] = qrs_code_get_payload_type (code);
  params->values[3] = qrs_code_get_payload (code);
  params->values[4] = encoded;
  params->values[5] = qrs_code_get_target_url (code);
  params->values[6] = qrs_code_get_design (code);
  params->values[7] = qrs_code_get_logo_sha256 (code);
  params->values[8] = qrs_code_get_title (code);
  params->values[9] = qrs_code_get_description (code);
  params->values[10] = params->owned[10] = tags_to_json (qrs_code_get_tags (code));
  params->values[11] = qrs_code_get_enabled (code) ? "true" : "false";
  params->values[12] = params->owned[12] = qrs_date_time_to_param (qrs_code_get_expires_at (code));
  params->values[13] = qrs_code_get_utm_passthrough (code) ? "true" : "false";
}

static const char insert_code_sql[] =
  "INSERT INTO public.codes (kind, short_id, payload_type, payload, encoded, target_url, design, "
  "                          logo_sha256, title, description, tags, enabled, expires_at, "
  "                          utm_passthrough) "
  "VALUES ($1, $2, $3, $4::jsonb, $5, $6, $7::jsonb, decode($8, 'hex'), $9, $10, "
  "        " TAGS_PARAM (11) ", $12::boolean, $13::timestamptz, $14::boolean) "
  "RETURNING " CODE_COLUMNS;

static const char update_code_sql[] =
  "UPDATE public.codes "
  "   SET kind = $1, short_id = $2, payload_type = $3, payload = $4::jsonb, encoded = $5, "
  "       target_url = $6, design = $7::jsonb, logo_sha256 = decode($8, 'hex'), title = $9, "
  "       description = $10, tags = " TAGS_PARAM (11) ", enabled = $12::boolean, "
  "       expires_at = $13::timestamptz, utm_passthrough = $14::boolean "
  " WHERE id = $15::bigint AND version = $16::integer "
  "RETURNING " CODE_COLUMNS;

/* A code changed by someone else since it was read: one message for an
 * update or delete refused, and for a code a bulk delete kept. */
static void
set_conflict_error (GError     **error,
                    const char  *updated_by,
                    GDateTime   *updated_at)
{
  g_autoptr(GDateTime) local = updated_at ? g_date_time_to_local (updated_at) : NULL;
  /* TRANSLATORS: when someone else saved a code (g_date_time_format) */
  g_autofree char *when = local ? g_date_time_format (local, _("%Y-%m-%d %H:%M")) : g_strdup ("?");

  g_set_error (error, QRS_DATABASE_ERROR, QRS_DATABASE_ERROR_CONFLICT,
               _("Someone else (%s, at %s) saved this code after you opened it. Reload it to see their changes, then make yours again."),
               updated_by, when);
}

/* Why an update or delete touched no row: gone, or changed by someone
 * else since it was read. */
static void
set_missing_or_conflict_error (QrsPgConnection  *connection,
                               gint64            id,
                               GCancellable     *cancellable,
                               GError          **error)
{
  g_autofree char *id_param = g_strdup_printf ("%" G_GINT64_FORMAT, id);
  const char *params[] = { id_param };
  g_autoptr(PGresult) result = NULL;
  g_autoptr(GDateTime) updated_at = NULL;

  result = qrs_pg_connection_exec (connection,
                                "SELECT updated_by, updated_at FROM public.codes WHERE id = $1::bigint",
                                1, params, cancellable, error);
  if (result == NULL)
    return;

  if (PQntuples (result) == 0)
    {
      /* A plain conversion, not a G_G*_FORMAT macro: xgettext cannot read
       * through the macro, so the message would never be translated. */
      g_set_error (error, QRS_DATABASE_ERROR, QRS_DATABASE_ERROR_NOT_FOUND,
                   _("The code %lld does not exist (any more)."), (long long)id);
      return;
    }

  updated_at = qrs_result_dup_date_time (result, 0, 1);
  set_conflict_error (error, PQgetvalue (result, 0, 0), updated_at);
}

/* Inserts or updates @code.  A dynamic code without a short id gets a
 * random one, drawn again if it happens to be taken. */
static QrsCode *
write_code (QrsCodeStore  *self,
            QrsCode       *code,
            gboolean       update,
            GCancellable  *cancellable,
            GError       **error)
{
  g_autofree char *base = dup_short_url_base (self);
  gboolean dynamic = qrs_code_get_kind (code) == QRS_CODE_KIND_DYNAMIC;
  gboolean draw = dynamic && qrs_code_get_short_id (code) == NULL;
  g_autofree char *id_param = g_strdup_printf ("%" G_GINT64_FORMAT, qrs_code_get_id (code));
  g_autofree char *version_param = g_strdup_printf ("%d", qrs_code_get_version (code));
  QrsPgConnection *connection;
  QrsCode *stored = NULL;

  connection = qrs_database_acquire (self->database, cancellable, error);
  if (connection == NULL)
    return NULL;

  for (guint attempt = 0; attempt < SHORT_ID_ATTEMPTS; attempt++)
    {
      g_auto(CodeParams) params = { { NULL }, { NULL } };
      g_autoptr(PGresult) result = NULL;
      g_autoptr(GError) local_error = NULL;
      g_autofree char *short_id = NULL;
      g_autofree char *encoded = NULL;
      const char *values[N_CODE_PARAMS + 2];

      if (draw)
        {
          short_id = qrs_code_store_generate_short_id (error);
          if (short_id == NULL)
            break;
        }
      else
        short_id = g_strdup (qrs_code_get_short_id (code));

      if (dynamic && base != NULL && short_id != NULL)
        encoded = g_strconcat (base, short_id, NULL);
      else
        encoded = g_strdup (qrs_code_get_encoded (code));

      code_params_init (&params, code, short_id, encoded);
      memcpy (values, params.values, sizeof params.values);
      values[N_CODE_PARAMS] = id_param;
      values[N_CODE_PARAMS + 1] = version_param;

      result = qrs_pg_connection_exec (connection,
                                    update ? update_code_sql : insert_code_sql,
                                    update ? N_CODE_PARAMS + 2 : N_CODE_PARAMS,
                                    values, cancellable, &local_error);
      if (result != NULL)
        {
          if (PQntuples (result) == 1)
            stored = code_from_result (result, 0);
          else
            set_missing_or_conflict_error (connection, qrs_code_get_id (code), cancellable, error);
          break;
        }

      if (!draw || !g_error_matches (local_error, QRS_DATABASE_ERROR, QRS_DATABASE_ERROR_DUPLICATE))
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          break;
        }
      g_debug ("Short id %s is taken; drawing another", short_id);
    }

  if (stored == NULL && error != NULL && *error == NULL)
    g_set_error_literal (error, QRS_DATABASE_ERROR, QRS_DATABASE_ERROR_DUPLICATE,
                         _("Could not find a free short id; try again."));

  qrs_database_release (self->database, connection);
  return stored;
}

/**
 * qrs_code_store_create:
 * @self: a #QrsCodeStore
 * @code: the code to store; its id and version are ignored
 * @cancellable: (nullable): a #GCancellable
 * @error: a #GError
 *
 * Stores a new code.  A dynamic code without a short id gets a random one
 * (see qrs_code_store_generate_short_id()); one with a short id keeps it,
 * or fails with %QRS_DATABASE_ERROR_DUPLICATE when it is taken.
 *
 * Returns: (transfer full): the code as stored, with its id, version 1
 *   and timestamps
 */
QrsCode *
qrs_code_store_create (QrsCodeStore  *self,
                       QrsCode       *code,
                       GCancellable  *cancellable,
                       GError       **error)
{
  g_return_val_if_fail (QRS_IS_CODE_STORE (self), NULL);
  g_return_val_if_fail (QRS_IS_CODE (code), NULL);

  return write_code (self, code, FALSE, cancellable, error);
}

/**
 * qrs_code_store_update:
 * @self: a #QrsCodeStore
 * @code: a code read from the store and changed
 * @cancellable: (nullable): a #GCancellable
 * @error: a #GError
 *
 * Saves @code if nobody saved it since it was read (its version is still
 * the current one); otherwise fails with %QRS_DATABASE_ERROR_CONFLICT and
 * changes nothing.
 *
 * Returns: (transfer full): the code as stored, with its new version
 */
QrsCode *
qrs_code_store_update (QrsCodeStore  *self,
                       QrsCode       *code,
                       GCancellable  *cancellable,
                       GError       **error)
{
  g_return_val_if_fail (QRS_IS_CODE_STORE (self), NULL);
  g_return_val_if_fail (QRS_IS_CODE (code), NULL);

  if (qrs_code_get_id (code) <= 0)
    {
      g_set_error_literal (error, QRS_DATABASE_ERROR, QRS_DATABASE_ERROR_NOT_FOUND,
                           _("This code was never saved, so it cannot be updated."));
      return NULL;
    }

  return write_code (self, code, TRUE, cancellable, error);
}

static QrsCode *
fetch_one_code (QrsCodeStore  *self,
                const char    *sql,
                const char    *param,
                GCancellable  *cancellable,
                GError       **error)
{
  const char *params[] = { param };
  g_autoptr(PGresult) result = NULL;
  QrsPgConnection *connection;

  connection = qrs_database_acquire (self->database, cancellable, error);
  if (connection == NULL)
    return NULL;
  result = qrs_pg_connection_exec (connection, sql, 1, params, cancellable, error);
  qrs_database_release (self->database, connection);

  if (result == NULL)
    return NULL;
  if (PQntuples (result) == 0)
    {
      g_set_error_literal (error, QRS_DATABASE_ERROR, QRS_DATABASE_ERROR_NOT_FOUND,
                           _("There is no such code."));
      return NULL;
    }
  return code_from_result (result, 0);
}

QrsCode *
qrs_code_store_get (QrsCodeStore  *self,
                    gint64         id,
                    GCancellable  *cancellable,
                    GError       **error)
{
  g_autofree char *param = g_strdup_printf ("%" G_GINT64_FORMAT, id);

  g_return_val_if_fail (QRS_IS_CODE_STORE (self), NULL);

  return fetch_one_code (self,
                         "SELECT " CODE_COLUMNS " FROM public.codes WHERE id = $1::bigint",
                         param, cancellable, error);
}

QrsCode *
qrs_code_store_get_by_short_id (QrsCodeStore  *self,
                                const char    *short_id,
                                GCancellable  *cancellable,
                                GError       **error)
{
  g_return_val_if_fail (QRS_IS_CODE_STORE (self), NULL);
  g_return_val_if_fail (short_id != NULL, NULL);

  return fetch_one_code (self,
                         "SELECT " CODE_COLUMNS " FROM public.codes WHERE short_id = $1",
                         short_id, cancellable, error);
}

/**
 * qrs_code_store_delete:
 * @self: a #QrsCodeStore
 * @id: the code's id
 * @version: the version read, or 0 to delete whatever the current one is
 * @cancellable: (nullable): a #GCancellable
 * @error: a #GError
 *
 * Deletes a code with its scans and rollups; its audit trail stays.
 *
 * Returns: %TRUE if deleted
 */
gboolean
qrs_code_store_delete (QrsCodeStore  *self,
                       gint64         id,
                       int            version,
                       GCancellable  *cancellable,
                       GError       **error)
{
  g_autofree char *id_param = g_strdup_printf ("%" G_GINT64_FORMAT, id);
  g_autofree char *version_param = version > 0 ? g_strdup_printf ("%d", version) : NULL;
  const char *params[] = { id_param, version_param };
  g_autoptr(PGresult) result = NULL;
  QrsPgConnection *connection;
  gboolean ok = FALSE;

  g_return_val_if_fail (QRS_IS_CODE_STORE (self), FALSE);

  connection = qrs_database_acquire (self->database, cancellable, error);
  if (connection == NULL)
    return FALSE;

  if (!qrs_pg_connection_begin (connection, cancellable, error))
    goto out;

  result = qrs_pg_connection_exec (connection,
                                "DELETE FROM public.codes "
                                " WHERE id = $1::bigint AND ($2::integer IS NULL OR version = $2::integer) "
                                "RETURNING id",
                                2, params, cancellable, error);
  if (result == NULL)
    goto out;
  if (PQntuples (result) == 0)
    {
      set_missing_or_conflict_error (connection, id, cancellable, error);
      goto out;
    }

  /* No foreign keys lead from scans to codes (see sql/0001_schema.sql),
   * so the store removes them. */
  if (!qrs_pg_connection_command (connection, "DELETE FROM public.scan_daily WHERE code_id = $1::bigint",
                               1, params, cancellable, error)
      || !qrs_pg_connection_command (connection, "DELETE FROM public.scan_visitors WHERE code_id = $1::bigint",
                                  1, params, cancellable, error)
      || !qrs_pg_connection_command (connection, "DELETE FROM public.scans WHERE code_id = $1::bigint",
                                  1, params, cancellable, error))
    goto out;

  ok = qrs_pg_connection_commit (connection, cancellable, error);

out:
  qrs_database_release (self->database, connection);
  return ok;
}

/* Rows deleted in one transaction by qrs_code_store_delete_many(): a
 * transaction holds its rows' locks, and their notifications, until it
 * commits. */
#define DELETE_MANY_CHUNK 1000

/* "{1,2,3}": an array parameter, so a thousand rows are one statement
 * with two parameters, not a thousand literals. */
static char *
int64_array_param (const gint64 *values,
                   guint         n)
{
  GString *param = g_string_sized_new (2 + n * 8);

  g_string_append_c (param, '{');
  for (guint i = 0; i < n; i++)
    g_string_append_printf (param, "%s%" G_GINT64_FORMAT, i > 0 ? "," : "", values[i]);
  g_string_append_c (param, '}');

  return g_string_free (param, FALSE);
}

static char *
int_array_param (const int *values,
                 guint      n)
{
  g_autofree gint64 *wide = g_new (gint64, MAX (n, 1));

  for (guint i = 0; i < n; i++)
    wide[i] = values[i];
  return int64_array_param (wide, n);
}

/* One chunk of qrs_code_store_delete_many(), in one transaction: what
 * qrs_code_store_delete() does for each row (the triggers write the
 * audit trail and notify, the store removes the scans), and the rows
 * kept because their version is not the one named appended to @kept. */
static gboolean
delete_chunk (QrsPgConnection  *connection,
              const gint64     *ids,
              const int        *versions,
              guint             n,
              GArray           *kept,
              GCancellable     *cancellable,
              GError          **error)
{
  g_autofree char *ids_param = int64_array_param (ids, n);
  g_autofree char *versions_param = int_array_param (versions, n);
  g_autofree char *deleted_param = NULL;
  g_autoptr(PGresult) deleted = NULL;
  g_autoptr(PGresult) left = NULL;
  g_autoptr(GArray) deleted_ids = g_array_sized_new (FALSE, FALSE, sizeof (gint64), n);
  const char *params[] = { ids_param, versions_param };
  const char *deleted_params[1];

  if (!qrs_pg_connection_begin (connection, cancellable, error))
    return FALSE;

  deleted = qrs_pg_connection_exec (connection,
                                    "DELETE FROM public.codes AS c "
                                    " USING unnest($1::bigint[], $2::integer[]) AS w (id, version) "
                                    " WHERE c.id = w.id AND (w.version = 0 OR c.version = w.version) "
                                    "RETURNING c.id",
                                    2, params, cancellable, error);
  if (deleted == NULL)
    return FALSE;

  for (int i = 0; i < PQntuples (deleted); i++)
    {
      gint64 id = qrs_result_get_int64 (deleted, i, 0);

      g_array_append_val (deleted_ids, id);
    }
  deleted_params[0] = deleted_param = int64_array_param ((const gint64 *)deleted_ids->data, deleted_ids->len);

  /* No foreign keys lead from scans to codes (see sql/0001_schema.sql),
   * so the store removes them, as for one code. */
  if (deleted_ids->len > 0
      && (!qrs_pg_connection_command (connection,
                                      "DELETE FROM public.scan_daily WHERE code_id = ANY ($1::bigint[])",
                                      1, deleted_params, cancellable, error)
          || !qrs_pg_connection_command (connection,
                                         "DELETE FROM public.scan_visitors WHERE code_id = ANY ($1::bigint[])",
                                         1, deleted_params, cancellable, error)
          || !qrs_pg_connection_command (connection,
                                         "DELETE FROM public.scans WHERE code_id = ANY ($1::bigint[])",
                                         1, deleted_params, cancellable, error)))
    return FALSE;

  /* Whatever asked for is still there was changed since it was read; a
   * row already gone is as deleted as it can be. */
  left = qrs_pg_connection_exec (connection,
                                 "SELECT id, updated_by, updated_at FROM public.codes "
                                 " WHERE id = ANY ($1::bigint[]) ORDER BY id",
                                 1, params, cancellable, error);
  if (left == NULL || !qrs_pg_connection_commit (connection, cancellable, error))
    return FALSE;

  for (int i = 0; i < PQntuples (left); i++)
    {
      QrsCodeKept one = {
        .id = qrs_result_get_int64 (left, i, 0),
        .updated_by = g_strdup (PQgetvalue (left, i, 1)),
        .updated_at = qrs_result_dup_date_time (left, i, 2),
      };

      g_array_append_val (kept, one);
    }
  return TRUE;
}

static void
code_kept_clear (QrsCodeKept *kept)
{
  g_clear_pointer (&kept->updated_by, g_free);
  g_clear_pointer (&kept->updated_at, g_date_time_unref);
}

/**
 * qrs_code_kept_dup_error:
 * @kept: a code qrs_code_store_delete_many() kept
 *
 * Returns: (transfer full): the error qrs_code_store_delete() would have
 *   given for it, naming who saved it and when
 */
GError *
qrs_code_kept_dup_error (const QrsCodeKept *kept)
{
  GError *error = NULL;

  g_return_val_if_fail (kept != NULL, NULL);

  set_conflict_error (&error, kept->updated_by, kept->updated_at);
  return error;
}

/**
 * qrs_code_store_delete_many:
 * @self: a #QrsCodeStore
 * @ids: (array length=n): the codes' ids
 * @versions: (array length=n): for each, the version read, or 0 to
 *   delete whatever the current one is
 * @n: how many
 * @n_done: (out) (optional): how many of @ids, from the first, were
 *   dealt with (deleted or kept), on failure too
 * @kept: (out) (optional) (transfer full) (element-type QrsCodeKept): the
 *   codes among those kept because they changed since they were read
 *   (often none), on failure too
 * @cancellable: (nullable): a #GCancellable, looked at between chunks
 * @error: a #GError
 *
 * Deletes codes as qrs_code_store_delete() deletes one — with their
 * scans and rollups, the audit trail and the notifications written by
 * the same triggers — a thousand per transaction, each in a few
 * statements rather than a round trip per code.  A code whose version is
 * no longer the one named is kept; one already gone is taken as deleted.
 * On failure the chunks before it stay deleted, so @n_done and @kept
 * still say what became of them: the caller must not take a failure to
 * mean nothing was deleted.
 *
 * Returns: %TRUE if every code was dealt with
 */
gboolean
qrs_code_store_delete_many (QrsCodeStore  *self,
                            const gint64  *ids,
                            const int     *versions,
                            guint          n,
                            guint         *n_done,
                            GArray       **kept,
                            GCancellable  *cancellable,
                            GError       **error)
{
  g_autoptr(GArray) kept_codes = NULL;
  QrsPgConnection *connection = NULL;
  guint start = 0;
  gboolean ok = TRUE;

  g_return_val_if_fail (QRS_IS_CODE_STORE (self), FALSE);
  g_return_val_if_fail (n == 0 || (ids != NULL && versions != NULL), FALSE);

  kept_codes = g_array_new (FALSE, FALSE, sizeof (QrsCodeKept));
  g_array_set_clear_func (kept_codes, (GDestroyNotify)code_kept_clear);

  if (n > 0)
    {
      connection = qrs_database_acquire (self->database, cancellable, error);
      ok = connection != NULL;
    }

  /* A chunk counts only once committed: a failed one kept nothing. */
  while (ok && start < n)
    {
      guint len = MIN (DELETE_MANY_CHUNK, n - start);
      guint n_kept = kept_codes->len;

      ok = !g_cancellable_set_error_if_cancelled (cancellable, error)
           && delete_chunk (connection, ids + start, versions + start, len,
                            kept_codes, cancellable, error);
      if (ok)
        start += len;
      else
        g_array_set_size (kept_codes, n_kept);
    }

  /* A failed chunk's transaction is rolled back as the connection goes. */
  qrs_database_release (self->database, connection);

  if (n_done != NULL)
    *n_done = start;
  if (kept != NULL)
    *kept = g_steal_pointer (&kept_codes);
  return ok;
}

/* A page of codes, and how many there are in all, in two statements: a
 * window count would make the server build every row of every page. */
static GPtrArray *
fetch_codes (QrsCodeStore        *self,
             const char          *page_sql,
             const char          *count_sql,
             int                  n_params,
             const char * const  *params,
             guint64             *total,
             GCancellable        *cancellable,
             GError             **error)
{
  g_autoptr(PGresult) result = NULL;
  g_autoptr(PGresult) count = NULL;
  QrsPgConnection *connection;

  connection = qrs_database_acquire (self->database, cancellable, error);
  if (connection == NULL)
    return NULL;

  if (total != NULL)
    count = qrs_pg_connection_exec (connection, count_sql, n_params - 2, params, cancellable, error);
  if (total == NULL || count != NULL)
    result = qrs_pg_connection_exec (connection, page_sql, n_params, params, cancellable, error);
  qrs_database_release (self->database, connection);

  if (result == NULL)
    return NULL;
  if (total != NULL)
    *total = (guint64)qrs_result_get_int64 (count, 0, 0);
  return codes_from_result (result);
}

/**
 * qrs_code_store_list:
 * @self: a #QrsCodeStore
 * @sort: the order
 * @descending: newest or last first
 * @offset: how many codes to skip
 * @limit: how many codes at most, or 0 for all
 * @total: (out) (optional): how many codes there are in all
 * @cancellable: (nullable): a #GCancellable
 * @error: a #GError
 *
 * Returns: (transfer container) (element-type QrsCode): one page of codes
 */
GPtrArray *
qrs_code_store_list (QrsCodeStore  *self,
                     QrsCodeSort    sort,
                     gboolean       descending,
                     guint          offset,
                     guint          limit,
                     guint64       *total,
                     GCancellable  *cancellable,
                     GError       **error)
{
  g_autofree char *limit_param = limit > 0 ? g_strdup_printf ("%u", limit) : NULL;
  g_autofree char *offset_param = g_strdup_printf ("%u", offset);
  const char *params[] = { limit_param, offset_param };
  g_autofree char *sql = NULL;
  const char *column;
  const char *direction = descending ? "DESC" : "ASC";

  g_return_val_if_fail (QRS_IS_CODE_STORE (self), NULL);

  switch (sort)
    {
    case QRS_CODE_SORT_UPDATED: column = "updated_at"; break;
    case QRS_CODE_SORT_CREATED: column = "created_at"; break;
    case QRS_CODE_SORT_TITLE: column = "lower(title)"; break;
    case QRS_CODE_SORT_ID: column = "id"; break;
    default:
      g_return_val_if_reached (NULL);
    }

  /* Only the fixed column and direction above are spliced in; values
   * travel as parameters. */
  sql = g_strdup_printf ("SELECT " CODE_COLUMNS " FROM public.codes "
                         "ORDER BY %s %s, id %s LIMIT $1::bigint OFFSET $2::bigint",
                         column, direction, direction);

  return fetch_codes (self, sql, "SELECT count(*) FROM public.codes",
                      2, params, total, cancellable, error);
}

#define SEARCH_QUERY \
  "(websearch_to_tsquery('public.qrstudio_english', $1) " \
  " || websearch_to_tsquery('public.qrstudio_spanish', $1))"
#define SEARCH_MATCHES "(search @@ " SEARCH_QUERY " OR short_id = $1)"

/* One statement for the common case: up to the limit, matches are
 * gathered once, counted, and ranked — the short id itself first, then
 * by ts_rank_cd (title over tags over description over the rest) — and
 * the codes' columns are read for the page only.  Gathering stops past
 * the limit, so that a word found in every other code costs no more than
 * a rare one; then the page is empty and the count says "more".  The
 * count rides on a row of its own, there even when the page is empty. */
static const char search_ranked_sql[] =
  "WITH hits AS MATERIALIZED ("
  "  SELECT id, (short_id = $1) IS TRUE AS exact, search, updated_at AS touched"
  "    FROM public.codes WHERE " SEARCH_MATCHES
  "   LIMIT " G_STRINGIFY (QRS_CODE_SEARCH_COUNT_LIMIT) " + 1"
  "), counted AS ("
  "  SELECT count(*) AS n FROM hits"
  "), page AS ("
  "  SELECT h.id, h.exact, ts_rank_cd(h.search, " SEARCH_QUERY ") AS rank, h.touched"
  "    FROM hits h, counted WHERE counted.n <= " G_STRINGIFY (QRS_CODE_SEARCH_COUNT_LIMIT)
  "   ORDER BY h.exact DESC, rank DESC, h.touched DESC, h.id DESC"
  "   LIMIT $2::bigint OFFSET $3::bigint"
  ")"
  "SELECT " CODE_COLUMNS ", counted.n"
  "  FROM counted LEFT JOIN (page JOIN public.codes USING (id)) ON true"
  " ORDER BY page.exact DESC, page.rank DESC, page.touched DESC, id DESC";

/* Past the limit, ranking thousands of matches would cost more than it
 * tells: the newest first, read along the index on updated_at. */
static const char search_recent_sql[] =
  "SELECT " CODE_COLUMNS " FROM public.codes WHERE " SEARCH_MATCHES
  " ORDER BY updated_at DESC, id DESC LIMIT $2::bigint OFFSET $3::bigint";

/**
 * qrs_code_store_search:
 * @self: a #QrsCodeStore
 * @query: words to look for, as typed into a search box: words, "quoted
 *   phrases", "or", and -excluded words
 * @offset: how many matches to skip
 * @limit: how many matches at most, or 0 for all
 * @total: (out) (optional): how many codes match, counted up to
 *   %QRS_CODE_SEARCH_COUNT_LIMIT; a larger number means "more than that"
 * @cancellable: (nullable): a #GCancellable
 * @error: a #GError
 *
 * Searches titles, tags, descriptions, encoded texts and targets in
 * English and in Spanish at once, accents folded; a short id matches
 * itself.  Up to %QRS_CODE_SEARCH_COUNT_LIMIT matches come best first;
 * beyond that, newest first.  An empty query lists every code, newest
 * first.
 *
 * Returns: (transfer container) (element-type QrsCode): one page of matches
 */
GPtrArray *
qrs_code_store_search (QrsCodeStore  *self,
                       const char    *query,
                       guint          offset,
                       guint          limit,
                       guint64       *total,
                       GCancellable  *cancellable,
                       GError       **error)
{
  g_autofree char *limit_param = limit > 0 ? g_strdup_printf ("%u", limit) : NULL;
  g_autofree char *offset_param = g_strdup_printf ("%u", offset);
  g_autofree char *stripped = NULL;
  g_autoptr(PGresult) ranked = NULL;
  g_autoptr(PGresult) recent = NULL;
  QrsPgConnection *connection;
  const char *params[3];
  guint64 n_matches = 0;
  GPtrArray *codes;

  g_return_val_if_fail (QRS_IS_CODE_STORE (self), NULL);
  g_return_val_if_fail (query != NULL, NULL);

  stripped = g_strstrip (g_strdup (query));
  if (*stripped == '\0')
    return qrs_code_store_list (self, QRS_CODE_SORT_UPDATED, TRUE, offset, limit, total,
                                cancellable, error);

  params[0] = stripped;
  params[1] = limit_param;
  params[2] = offset_param;

  connection = qrs_database_acquire (self->database, cancellable, error);
  if (connection == NULL)
    return NULL;

  /* The planner prices a text-search match like a comparison of two
   * integers, and so often prefers reading the whole table to the GIN
   * index, which is many times slower once there are thousands of codes;
   * for these two statements only, it is told not to. */
  if (qrs_pg_connection_begin (connection, cancellable, error)
      && qrs_pg_connection_command (connection, "SET LOCAL enable_seqscan = off", 0, NULL,
                                 cancellable, error))
    ranked = qrs_pg_connection_exec (connection, search_ranked_sql, 3, params, cancellable, error);
  if (ranked != NULL)
    {
      n_matches = (guint64)qrs_result_get_int64 (ranked, 0, N_CODE_COLUMNS);
      if (n_matches > QRS_CODE_SEARCH_COUNT_LIMIT)
        recent = qrs_pg_connection_exec (connection, search_recent_sql, 3, params, cancellable, error);
    }
  if (ranked == NULL || (n_matches > QRS_CODE_SEARCH_COUNT_LIMIT && recent == NULL)
      || !qrs_pg_connection_commit (connection, cancellable, error))
    g_clear_pointer (&ranked, PQclear);
  qrs_database_release (self->database, connection);

  if (ranked == NULL || (n_matches > QRS_CODE_SEARCH_COUNT_LIMIT && recent == NULL))
    return NULL;
  if (total != NULL)
    *total = n_matches;

  if (recent != NULL)
    return codes_from_result (recent);

  codes = g_ptr_array_new_with_free_func (g_object_unref);
  for (int i = 0; i < PQntuples (ranked); i++)
    if (!PQgetisnull (ranked, i, 0))
      g_ptr_array_add (codes, code_from_result (ranked, i));
  return codes;
}

/* ------------------------------------------------------------------ */
/* Queries: what a library shows, a page at a time                     */

QrsCodeQuery *
qrs_code_query_new (void)
{
  QrsCodeQuery *self = g_new0 (QrsCodeQuery, 1);

  self->kind = -1;
  self->enabled = -1;
  self->sort = QRS_CODE_SORT_UPDATED;
  self->descending = TRUE;
  return self;
}

QrsCodeQuery *
qrs_code_query_copy (const QrsCodeQuery *self)
{
  QrsCodeQuery *copy;

  g_return_val_if_fail (self != NULL, NULL);

  copy = g_memdup2 (self, sizeof *self);
  copy->search = g_strdup (self->search);
  copy->tag = g_strdup (self->tag);
  if (self->hidden_ids != NULL)
    {
      copy->hidden_ids = g_array_sized_new (FALSE, FALSE, sizeof (gint64), self->hidden_ids->len);
      g_array_append_vals (copy->hidden_ids, self->hidden_ids->data, self->hidden_ids->len);
    }
  return copy;
}

void
qrs_code_query_free (QrsCodeQuery *self)
{
  if (self == NULL)
    return;
  g_free (self->search);
  g_free (self->tag);
  g_clear_pointer (&self->hidden_ids, g_array_unref);
  g_free (self);
}

static gboolean
empty_string (const char *s)
{
  return s == NULL || *s == '\0';
}

gboolean
qrs_code_query_equal (const QrsCodeQuery *a,
                      const QrsCodeQuery *b)
{
  guint na, nb;

  g_return_val_if_fail (a != NULL && b != NULL, FALSE);

  na = a->hidden_ids ? a->hidden_ids->len : 0;
  nb = b->hidden_ids ? b->hidden_ids->len : 0;
  if (na != nb || (na > 0 && memcmp (a->hidden_ids->data, b->hidden_ids->data, na * sizeof (gint64)) != 0))
    return FALSE;

  return (empty_string (a->search) ? empty_string (b->search) : g_strcmp0 (a->search, b->search) == 0)
      && (empty_string (a->tag) ? empty_string (b->tag) : g_strcmp0 (a->tag, b->tag) == 0)
      && a->kind == b->kind
      && a->enabled == b->enabled
      && a->sort == b->sort
      && !a->descending == !b->descending;
}

QrsCodePage *
qrs_code_page_copy (const QrsCodePage *self)
{
  QrsCodePage *copy;

  g_return_val_if_fail (self != NULL, NULL);

  copy = g_new0 (QrsCodePage, 1);
  copy->codes = g_ptr_array_ref (self->codes);
  copy->scans = g_array_ref (self->scans);
  return copy;
}

void
qrs_code_page_free (QrsCodePage *self)
{
  if (self == NULL)
    return;
  g_clear_pointer (&self->codes, g_ptr_array_unref);
  g_clear_pointer (&self->scans, g_array_unref);
  g_free (self);
}

/* The conditions of a query, as parameters $1 … $5 of every statement
 * below: each is switched off by a NULL, which the planner folds away
 * since libpq's unnamed statements are planned with their values.  The
 * hidden ids are NOT (= ANY), the same test as <> ALL, NULLs and an
 * empty array alike: PostgreSQL 15 hashes the array for either (100,000
 * hidden in /code-store/query/hidden-many: 174 ms, against 201 ms for
 * <> ALL, one run on two cores). */
#define QUERY_CONDITIONS \
  "($1::text IS NULL OR search @@ " SEARCH_QUERY " OR short_id = $1)" \
  " AND ($2::text IS NULL OR kind = $2)" \
  " AND ($3::boolean IS NULL OR enabled = $3)" \
  " AND ($4::text IS NULL OR tags @> ARRAY[$4::text])" \
  " AND ($5::bigint[] IS NULL OR NOT (id = ANY ($5::bigint[])))"
#define N_QUERY_PARAMS 5

typedef struct
{
  char       *owned[N_QUERY_PARAMS + 2];
  const char *values[N_QUERY_PARAMS + 2];
} QueryParams;

static void
query_params_clear (QueryParams *params)
{
  for (guint i = 0; i < G_N_ELEMENTS (params->owned); i++)
    g_free (params->owned[i]);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (QueryParams, query_params_clear)

static void
query_params_init (QueryParams        *params,
                   const QrsCodeQuery *query)
{
  memset (params, 0, sizeof *params);

  if (!empty_string (query->search))
    {
      params->owned[0] = g_strstrip (g_strdup (query->search));
      if (*params->owned[0] != '\0')
        params->values[0] = params->owned[0];
    }
  if (query->kind >= 0)
    params->values[1] = qrs_code_kind_to_string (query->kind);
  if (query->enabled >= 0)
    params->values[2] = query->enabled ? "true" : "false";
  if (!empty_string (query->tag))
    params->values[3] = query->tag;
  if (query->hidden_ids != NULL && query->hidden_ids->len > 0)
    {
      params->values[4] = params->owned[4] =
        int64_array_param ((const gint64 *)query->hidden_ids->data, query->hidden_ids->len);
    }
}

/* A search goes through the GIN index, never the whole table (see
 * qrs_code_store_search()). */
static PGresult *
exec_query (QrsPgConnection     *connection,
            const char          *sql,
            int                  n_params,
            const char * const  *params,
            GCancellable        *cancellable,
            GError             **error)
{
  g_autoptr(PGresult) result = NULL;

  if (params[0] == NULL)
    return qrs_pg_connection_exec (connection, sql, n_params, params, cancellable, error);

  if (qrs_pg_connection_begin (connection, cancellable, error)
      && qrs_pg_connection_command (connection, "SET LOCAL enable_seqscan = off", 0, NULL,
                                 cancellable, error))
    result = qrs_pg_connection_exec (connection, sql, n_params, params, cancellable, error);
  if (result == NULL || !qrs_pg_connection_commit (connection, cancellable, error))
    {
      qrs_pg_connection_rollback (connection);
      return NULL;
    }
  return g_steal_pointer (&result);
}

/**
 * qrs_code_store_count:
 * @self: a #QrsCodeStore
 * @query: which codes
 * @cancellable: (nullable): a #GCancellable
 * @error: a #GError
 *
 * Counts every code @query lets through (a search is not capped here).
 *
 * Returns: the count; 0 with @error set on failure
 */
guint64
qrs_code_store_count (QrsCodeStore        *self,
                      const QrsCodeQuery  *query,
                      GCancellable        *cancellable,
                      GError             **error)
{
  g_auto(QueryParams) params;
  g_autoptr(PGresult) result = NULL;
  QrsPgConnection *connection;

  g_return_val_if_fail (QRS_IS_CODE_STORE (self), 0);
  g_return_val_if_fail (query != NULL, 0);

  query_params_init (&params, query);
  connection = qrs_database_acquire (self->database, cancellable, error);
  if (connection == NULL)
    return 0;
  result = exec_query (connection,
                       "SELECT count(*) FROM public.codes WHERE " QUERY_CONDITIONS,
                       N_QUERY_PARAMS, params.values, cancellable, error);
  qrs_database_release (self->database, connection);

  return result != NULL ? (guint64)qrs_result_get_int64 (result, 0, 0) : 0;
}

/* How many codes a relevance sort would rank, counted up to one past
 * the limit. */
static const char relevance_count_sql[] =
  "SELECT count(*) FROM (SELECT 1 FROM public.codes WHERE " QUERY_CONDITIONS
  " LIMIT " G_STRINGIFY (QRS_CODE_SEARCH_COUNT_LIMIT) " + 1) AS matches";

/**
 * qrs_code_store_list_page:
 * @self: a #QrsCodeStore
 * @query: which codes, in which order
 * @offset: how many to skip
 * @limit: how many at most (0 is taken as 1)
 * @count: how many codes @query lets through as far as the caller knows
 *   (qrs_code_store_count()), or 0 if it does not know
 * @cancellable: (nullable): a #GCancellable
 * @error: a #GError
 *
 * One page of @query's codes with their scan counts.  The id breaks ties,
 * so pages never overlap.  Only ids (and the sort key) are read while
 * skipping @offset rows; the columns and the scans are fetched for the
 * page alone.  Sorting by scans sums the rollups of every code first.
 * %QRS_CODE_SORT_RELEVANCE ranks a search's matches as
 * qrs_code_store_search() does when there are at most
 * %QRS_CODE_SEARCH_COUNT_LIMIT of them, and lists them newest first past
 * that or without a search.
 *
 * Skipping rows walks the index, so a page past the middle is read from
 * the other end, in the reverse order, skipping the rows after it
 * instead: the dearest page is the middle one, not the last.  @count only
 * says when that is worth it; the store counts again in the snapshot it
 * reads the page from, so the page is the same whichever end it is read
 * from, even if @count is out of date.
 *
 * Returns: (transfer full): the page, or %NULL with @error set
 */
QrsCodePage *
qrs_code_store_list_page (QrsCodeStore        *self,
                          const QrsCodeQuery  *query,
                          guint                offset,
                          guint                limit,
                          guint64              count,
                          GCancellable        *cancellable,
                          GError             **error)
{
  g_auto(QueryParams) params;
  g_autoptr(PGresult) result = NULL;
  g_autofree char *sql = NULL;
  QrsPgConnection *connection;
  const char *inner_key, *outer_key, *from;
  const char *direction, *inner_direction;
  gboolean from_end = FALSE;
  gboolean in_snapshot = FALSE;
  guint64 skip = offset;
  guint64 take = MAX (limit, 1);
  QrsCodeSort sort;
  QrsCodePage *page;

  g_return_val_if_fail (QRS_IS_CODE_STORE (self), NULL);
  g_return_val_if_fail (query != NULL, NULL);

  direction = query->descending ? "DESC" : "ASC";
  from = "public.codes";
  sort = query->sort;
  query_params_init (&params, query);

  connection = qrs_database_acquire (self->database, cancellable, error);
  if (connection == NULL)
    return NULL;

  /* Ranking reads every match; past the limit that costs more than it
   * tells (as in qrs_code_store_search()), and without words to match
   * the best match is simply the newest. */
  if (sort == QRS_CODE_SORT_RELEVANCE && query->search != NULL)
    {
      g_autoptr(PGresult) counted = exec_query (connection, relevance_count_sql, N_QUERY_PARAMS,
                                                params.values, cancellable, error);

      if (counted == NULL)
        {
          qrs_database_release (self->database, connection);
          return NULL;
        }
      if (qrs_result_get_int64 (counted, 0, 0) > QRS_CODE_SEARCH_COUNT_LIMIT)
        sort = QRS_CODE_SORT_UPDATED;
    }
  if (sort == QRS_CODE_SORT_RELEVANCE && query->search == NULL)
    sort = QRS_CODE_SORT_UPDATED;
  if (sort != query->sort && query->sort == QRS_CODE_SORT_RELEVANCE)
    direction = "DESC";

  switch (sort)
    {
    case QRS_CODE_SORT_UPDATED: inner_key = "updated_at"; outer_key = "c.updated_at"; break;
    case QRS_CODE_SORT_CREATED: inner_key = "created_at"; outer_key = "c.created_at"; break;
    case QRS_CODE_SORT_TITLE: inner_key = "lower(title)"; outer_key = "lower(c.title)"; break;
    case QRS_CODE_SORT_ID: inner_key = "id"; outer_key = "c.id"; break;
    case QRS_CODE_SORT_SCANS:
      inner_key = "coalesce(totals.scans, 0)";
      outer_key = "p.page_key";
      from = "public.codes LEFT JOIN (SELECT code_id, sum(scans) AS scans FROM public.scan_daily"
             "                        GROUP BY code_id) AS totals ON totals.code_id = codes.id";
      break;
    case QRS_CODE_SORT_RELEVANCE:
      /* As qrs_code_store_search() ranks: the short id itself, then
       * ts_rank_cd, then the newest.  Numbered once over the matches, so
       * that the page and its rows keep that order. */
      inner_key = "row_number () OVER (ORDER BY (short_id = $1) IS TRUE DESC,"
                  " ts_rank_cd (search, " SEARCH_QUERY ") DESC NULLS LAST,"
                  " updated_at DESC, codes.id DESC)";
      outer_key = "p.page_key";
      direction = "ASC";
      break;
    default:
      qrs_database_release (self->database, connection);
      g_return_val_if_reached (NULL);
    }

  /* Every order but the ranking is a key and the id, each ascending or
   * descending, and so reads backwards as the same rows reversed (NULLs
   * too: first when descending, last when ascending).  The ranking is
   * left alone: it numbers every match before any page is cut, so
   * skipping from either end costs the same. */
  inner_direction = direction;
  if (sort != QRS_CODE_SORT_RELEVANCE && count > 0 && (guint64)offset * 2 > count)
    {
      g_autoptr(PGresult) counted = NULL;
      guint64 exact;

      /* The count and the page from one snapshot, so that the skip
       * from the end lands where the skip from the start would. */
      if (!qrs_pg_connection_command (connection, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY",
                                      0, NULL, cancellable, error)
          || (params.values[0] != NULL
              && !qrs_pg_connection_command (connection, "SET LOCAL enable_seqscan = off",
                                             0, NULL, cancellable, error))
          || (counted = qrs_pg_connection_exec (connection,
                                                "SELECT count(*) FROM public.codes WHERE " QUERY_CONDITIONS,
                                                N_QUERY_PARAMS, params.values, cancellable, error)) == NULL)
        {
          qrs_pg_connection_rollback (connection);
          qrs_database_release (self->database, connection);
          return NULL;
        }
      in_snapshot = TRUE;
      exact = (guint64)MAX (qrs_result_get_int64 (counted, 0, 0), 0);

      /* Rows offset … offset + take - 1 are, counted from the end,
       * exact - offset - take … exact - offset - 1; a short last page
       * starts at the end itself. */
      if (offset < exact)
        {
          guint64 end = MIN ((guint64)offset + take, exact);

          take = end - offset;
          skip = exact - end;
          from_end = TRUE;
          inner_direction = g_str_equal (direction, "DESC") ? "ASC" : "DESC";
        }
      else
        {
          /* Nothing there, as the forward read would say. */
          take = 0;
          skip = 0;
        }
    }

  params.values[5] = params.owned[5] = g_strdup_printf ("%" G_GUINT64_FORMAT, take);
  params.values[6] = params.owned[6] = g_strdup_printf ("%" G_GUINT64_FORMAT, skip);

  /* Only the fixed fragments above are spliced in; values travel as
   * parameters.  The outer ORDER BY puts a page read from the end back
   * in the query's order. */
  sql = g_strdup_printf ("SELECT " CODE_COLUMNS_OF ("c") ","
                         "       coalesce((SELECT sum(d.scans) FROM public.scan_daily d"
                         "                  WHERE d.code_id = c.id), 0)"
                         "  FROM (SELECT codes.id AS page_id, %s AS page_key FROM %s"
                         "         WHERE " QUERY_CONDITIONS
                         "         ORDER BY %s %s, codes.id %s LIMIT $6::bigint OFFSET $7::bigint) AS p"
                         "  JOIN public.codes c ON c.id = p.page_id"
                         " ORDER BY %s %s, c.id %s",
                         inner_key, from, inner_key, inner_direction, inner_direction,
                         outer_key, direction, direction);

  if (in_snapshot)
    {
      result = qrs_pg_connection_exec (connection, sql, N_QUERY_PARAMS + 2, params.values,
                                       cancellable, error);
      if (result == NULL || !qrs_pg_connection_commit (connection, cancellable, error))
        {
          g_clear_pointer (&result, PQclear);
          qrs_pg_connection_rollback (connection);
        }
    }
  else
    result = exec_query (connection, sql, N_QUERY_PARAMS + 2, params.values,
                         cancellable, error);
  qrs_database_release (self->database, connection);
  if (result == NULL)
    return NULL;
  if (from_end)
    g_atomic_int_inc (&self->pages_from_end);

  page = g_new0 (QrsCodePage, 1);
  page->codes = codes_from_result (result);
  page->scans = g_array_sized_new (FALSE, FALSE, sizeof (guint64), PQntuples (result));
  for (int i = 0; i < PQntuples (result); i++)
    {
      guint64 scans = (guint64)qrs_result_get_int64 (result, i, N_CODE_COLUMNS);

      g_array_append_val (page->scans, scans);
    }
  return page;
}

/**
 * qrs_code_store_list_tags:
 * @self: a #QrsCodeStore
 * @cancellable: (nullable): a #GCancellable
 * @error: a #GError
 *
 * Every tag in use, sorted, for a tag chooser (at most 1,000).
 *
 * Returns: (transfer full): the tags, or %NULL with @error set
 */
GStrv
qrs_code_store_list_tags (QrsCodeStore  *self,
                          GCancellable  *cancellable,
                          GError       **error)
{
  g_autoptr(PGresult) result = NULL;
  g_autoptr(GStrvBuilder) builder = NULL;
  QrsPgConnection *connection;

  g_return_val_if_fail (QRS_IS_CODE_STORE (self), NULL);

  connection = qrs_database_acquire (self->database, cancellable, error);
  if (connection == NULL)
    return NULL;
  result = qrs_pg_connection_exec (connection,
                                "SELECT DISTINCT tag FROM public.codes, unnest(tags) AS tag"
                                " WHERE tag <> '' ORDER BY tag LIMIT 1000",
                                0, NULL, cancellable, error);
  qrs_database_release (self->database, connection);
  if (result == NULL)
    return NULL;

  builder = g_strv_builder_new ();
  for (int i = 0; i < PQntuples (result); i++)
    g_strv_builder_add (builder, PQgetvalue (result, i, 0));
  return g_strv_builder_end (builder);
}

static QrsCode *
update_one_field (QrsCodeStore  *self,
                  const char    *sql,
                  gint64         id,
                  const char    *value,
                  GCancellable  *cancellable,
                  GError       **error)
{
  g_autofree char *id_param = g_strdup_printf ("%" G_GINT64_FORMAT, id);
  const char *params[] = { id_param, value };
  g_autoptr(PGresult) result = NULL;
  QrsPgConnection *connection;

  connection = qrs_database_acquire (self->database, cancellable, error);
  if (connection == NULL)
    return NULL;
  result = qrs_pg_connection_exec (connection, sql, 2, params, cancellable, error);
  qrs_database_release (self->database, connection);

  if (result == NULL)
    return NULL;
  if (PQntuples (result) == 0)
    {
      /* A plain conversion, not a G_G*_FORMAT macro: xgettext cannot read
       * through the macro, so the message would never be translated. */
      g_set_error (error, QRS_DATABASE_ERROR, QRS_DATABASE_ERROR_NOT_FOUND,
                   _("The code %lld does not exist (any more)."), (long long)id);
      return NULL;
    }
  return code_from_result (result, 0);
}

/**
 * qrs_code_store_set_target:
 * @self: a #QrsCodeStore
 * @id: a dynamic code's id
 * @target_url: where its short address should lead now
 * @cancellable: (nullable): a #GCancellable
 * @error: a #GError
 *
 * Changes only the target, whatever else changed meanwhile; the redirect
 * daemons hear of it at once.
 *
 * Returns: (transfer full): the code as stored
 */
QrsCode *
qrs_code_store_set_target (QrsCodeStore  *self,
                           gint64         id,
                           const char    *target_url,
                           GCancellable  *cancellable,
                           GError       **error)
{
  g_return_val_if_fail (QRS_IS_CODE_STORE (self), NULL);
  g_return_val_if_fail (target_url != NULL, NULL);

  return update_one_field (self,
                           "UPDATE public.codes SET target_url = $2 WHERE id = $1::bigint "
                           "RETURNING " CODE_COLUMNS,
                           id, target_url, cancellable, error);
}

QrsCode *
qrs_code_store_set_enabled (QrsCodeStore  *self,
                            gint64         id,
                            gboolean       enabled,
                            GCancellable  *cancellable,
                            GError       **error)
{
  g_return_val_if_fail (QRS_IS_CODE_STORE (self), NULL);

  return update_one_field (self,
                           "UPDATE public.codes SET enabled = $2::boolean WHERE id = $1::bigint "
                           "RETURNING " CODE_COLUMNS,
                           id, enabled ? "true" : "false", cancellable, error);
}

/**
 * qrs_code_store_set_expires_at:
 * @self: a #QrsCodeStore
 * @id: a code's id
 * @expires_at: (nullable): when the code stops redirecting, or %NULL for never
 * @cancellable: (nullable): a #GCancellable
 * @error: a #GError
 *
 * Returns: (transfer full): the code as stored
 */
QrsCode *
qrs_code_store_set_expires_at (QrsCodeStore  *self,
                               gint64         id,
                               GDateTime     *expires_at,
                               GCancellable  *cancellable,
                               GError       **error)
{
  g_autofree char *param = qrs_date_time_to_param (expires_at);

  g_return_val_if_fail (QRS_IS_CODE_STORE (self), NULL);

  return update_one_field (self,
                           "UPDATE public.codes SET expires_at = $2::timestamptz WHERE id = $1::bigint "
                           "RETURNING " CODE_COLUMNS,
                           id, param, cancellable, error);
}

static int
nullable_boolean (const PGresult *result,
                  int             row,
                  int             column)
{
  if (PQgetisnull (result, row, column))
    return -1;
  return qrs_result_get_boolean (result, row, column) ? 1 : 0;
}

/**
 * qrs_code_store_list_events:
 * @self: a #QrsCodeStore
 * @code_id: a code's id, which need not exist any more
 * @cancellable: (nullable): a #GCancellable
 * @error: a #GError
 *
 * Returns: (transfer container) (element-type QrsCodeEvent): the code's
 *   audit trail, oldest first
 */
GPtrArray *
qrs_code_store_list_events (QrsCodeStore  *self,
                            gint64         code_id,
                            GCancellable  *cancellable,
                            GError       **error)
{
  g_autofree char *param = g_strdup_printf ("%" G_GINT64_FORMAT, code_id);
  const char *params[] = { param };
  g_autoptr(PGresult) result = NULL;
  QrsPgConnection *connection;
  GPtrArray *events;

  g_return_val_if_fail (QRS_IS_CODE_STORE (self), NULL);

  connection = qrs_database_acquire (self->database, cancellable, error);
  if (connection == NULL)
    return NULL;
  result = qrs_pg_connection_exec (connection,
                                "SELECT id, code_id, short_id, action, happened_at, actor, "
                                "       old_target_url, new_target_url, old_enabled, new_enabled, "
                                "       old_expires_at, new_expires_at "
                                "  FROM public.code_events WHERE code_id = $1::bigint ORDER BY id",
                                1, params, cancellable, error);
  qrs_database_release (self->database, connection);
  if (result == NULL)
    return NULL;

  events = g_ptr_array_new_with_free_func ((GDestroyNotify)qrs_code_event_free);
  for (int i = 0; i < PQntuples (result); i++)
    {
      QrsCodeEvent *event = g_new0 (QrsCodeEvent, 1);

      event->id = qrs_result_get_int64 (result, i, 0);
      event->code_id = qrs_result_get_int64 (result, i, 1);
      event->short_id = qrs_result_dup_string (result, i, 2);
      event->action = qrs_result_dup_string (result, i, 3);
      event->happened_at = qrs_result_dup_date_time (result, i, 4);
      event->actor = qrs_result_dup_string (result, i, 5);
      event->old_target_url = qrs_result_dup_string (result, i, 6);
      event->new_target_url = qrs_result_dup_string (result, i, 7);
      event->old_enabled = nullable_boolean (result, i, 8);
      event->new_enabled = nullable_boolean (result, i, 9);
      event->old_expires_at = qrs_result_dup_date_time (result, i, 10);
      event->new_expires_at = qrs_result_dup_date_time (result, i, 11);
      g_ptr_array_add (events, event);
    }
  return events;
}

/* ------------------------------------------------------------------ */
/* Routes, for the redirect daemon: only the columns its role may read */

#define ROUTE_COLUMNS "id, short_id, target_url, enabled, expires_at, utm_passthrough, version"

static QrsRoute *
route_from_result (const PGresult *result,
                   int             row)
{
  QrsRoute *route = g_new0 (QrsRoute, 1);

  route->code_id = qrs_result_get_int64 (result, row, 0);
  route->short_id = qrs_result_dup_string (result, row, 1);
  route->target_url = qrs_result_dup_string (result, row, 2);
  route->enabled = qrs_result_get_boolean (result, row, 3);
  route->expires_at = qrs_result_dup_date_time (result, row, 4);
  route->utm_passthrough = qrs_result_get_boolean (result, row, 5);
  route->version = (int)qrs_result_get_int64 (result, row, 6);
  return route;
}

/**
 * qrs_code_store_get_route:
 * @self: a #QrsCodeStore
 * @short_id: a short id
 * @cancellable: (nullable): a #GCancellable
 * @error: a #GError
 *
 * Returns: (transfer full): the route of the dynamic code with @short_id,
 *   or %NULL with %QRS_DATABASE_ERROR_NOT_FOUND
 */
QrsRoute *
qrs_code_store_get_route (QrsCodeStore  *self,
                          const char    *short_id,
                          GCancellable  *cancellable,
                          GError       **error)
{
  const char *params[] = { short_id };
  g_autoptr(PGresult) result = NULL;
  QrsPgConnection *connection;

  g_return_val_if_fail (QRS_IS_CODE_STORE (self), NULL);
  g_return_val_if_fail (short_id != NULL, NULL);

  connection = qrs_database_acquire (self->database, cancellable, error);
  if (connection == NULL)
    return NULL;
  result = qrs_pg_connection_exec (connection,
                                "SELECT " ROUTE_COLUMNS " FROM public.codes "
                                " WHERE kind = 'dynamic' AND short_id = $1",
                                1, params, cancellable, error);
  qrs_database_release (self->database, connection);

  if (result == NULL)
    return NULL;
  if (PQntuples (result) == 0)
    {
      g_set_error (error, QRS_DATABASE_ERROR, QRS_DATABASE_ERROR_NOT_FOUND,
                   _("There is no dynamic code “%s”."), short_id);
      return NULL;
    }
  return route_from_result (result, 0);
}

/**
 * qrs_code_store_list_routes:
 * @self: a #QrsCodeStore
 * @cancellable: (nullable): a #GCancellable
 * @error: a #GError
 *
 * Returns: (transfer container) (element-type QrsRoute): the routes of
 *   every dynamic code, disabled and expired ones included
 */
GPtrArray *
qrs_code_store_list_routes (QrsCodeStore  *self,
                            GCancellable  *cancellable,
                            GError       **error)
{
  g_autoptr(PGresult) result = NULL;
  QrsPgConnection *connection;
  GPtrArray *routes;

  g_return_val_if_fail (QRS_IS_CODE_STORE (self), NULL);

  connection = qrs_database_acquire (self->database, cancellable, error);
  if (connection == NULL)
    return NULL;
  result = qrs_pg_connection_exec (connection,
                                "SELECT " ROUTE_COLUMNS " FROM public.codes WHERE kind = 'dynamic'",
                                0, NULL, cancellable, error);
  qrs_database_release (self->database, connection);
  if (result == NULL)
    return NULL;

  routes = g_ptr_array_new_full (PQntuples (result), (GDestroyNotify)qrs_route_free);
  for (int i = 0; i < PQntuples (result); i++)
    g_ptr_array_add (routes, route_from_result (result, i));
  return routes;
}

/* ------------------------------------------------------------------ */
/* Asynchronous variants                                               */

typedef struct
{
  QrsCode     *code;
  gint64       id;
  int          version;
  char        *text;
  GDateTime   *date_time;
  gboolean     flag;
  QrsCodeSort  sort;
  guint        offset;
  guint        limit;
} Args;

static void
args_free (Args *args)
{
  g_clear_object (&args->code);
  g_free (args->text);
  g_clear_pointer (&args->date_time, g_date_time_unref);
  g_free (args);
}

typedef struct
{
  GPtrArray *items;
  guint64    total;
} Page;

static void
page_free (Page *page)
{
  g_clear_pointer (&page->items, g_ptr_array_unref);
  g_free (page);
}

static Args *
args_new (void)
{
  return g_new0 (Args, 1);
}

static void
run (QrsCodeStore        *self,
     gpointer             source_tag,
     QrsStoreThreadFunc   func,
     Args                *args,
     GDestroyNotify       result_free,
     GCancellable        *cancellable,
     GAsyncReadyCallback  callback,
     gpointer             user_data)
{
  qrs_store_run_in_thread (self, source_tag, func, args, (GDestroyNotify)args_free, result_free,
                           cancellable, callback, user_data);
}

static gpointer
create_thread (gpointer source, gpointer data, GCancellable *cancellable, GError **error)
{
  return qrs_code_store_create (source, ((Args *)data)->code, cancellable, error);
}

/**
 * qrs_code_store_create_async:
 * @self: a #QrsCodeStore
 * @code: the code to store; copied, so it may change meanwhile
 * @cancellable: (nullable): a #GCancellable
 * @callback: called when done
 * @user_data: for @callback
 *
 * Runs qrs_code_store_create() on a worker thread.
 */
void
qrs_code_store_create_async (QrsCodeStore        *self,
                             QrsCode             *code,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  Args *args = args_new ();

  g_return_if_fail (QRS_IS_CODE_STORE (self));
  g_return_if_fail (QRS_IS_CODE (code));

  args->code = qrs_code_copy (code);
  run (self, qrs_code_store_create_async, create_thread, args, g_object_unref,
       cancellable, callback, user_data);
}

QrsCode *
qrs_code_store_create_finish (QrsCodeStore  *self,
                              GAsyncResult  *result,
                              GError       **error)
{
  return qrs_store_run_finish (self, result, qrs_code_store_create_async, error);
}

static gpointer
get_thread (gpointer source, gpointer data, GCancellable *cancellable, GError **error)
{
  return qrs_code_store_get (source, ((Args *)data)->id, cancellable, error);
}

void
qrs_code_store_get_async (QrsCodeStore        *self,
                          gint64               id,
                          GCancellable        *cancellable,
                          GAsyncReadyCallback  callback,
                          gpointer             user_data)
{
  Args *args = args_new ();

  g_return_if_fail (QRS_IS_CODE_STORE (self));

  args->id = id;
  run (self, qrs_code_store_get_async, get_thread, args, g_object_unref,
       cancellable, callback, user_data);
}

QrsCode *
qrs_code_store_get_finish (QrsCodeStore  *self,
                           GAsyncResult  *result,
                           GError       **error)
{
  return qrs_store_run_finish (self, result, qrs_code_store_get_async, error);
}

static gpointer
get_by_short_id_thread (gpointer source, gpointer data, GCancellable *cancellable, GError **error)
{
  return qrs_code_store_get_by_short_id (source, ((Args *)data)->text, cancellable, error);
}

void
qrs_code_store_get_by_short_id_async (QrsCodeStore        *self,
                                      const char          *short_id,
                                      GCancellable        *cancellable,
                                      GAsyncReadyCallback  callback,
                                      gpointer             user_data)
{
  Args *args = args_new ();

  g_return_if_fail (QRS_IS_CODE_STORE (self));
  g_return_if_fail (short_id != NULL);

  args->text = g_strdup (short_id);
  run (self, qrs_code_store_get_by_short_id_async, get_by_short_id_thread, args, g_object_unref,
       cancellable, callback, user_data);
}

QrsCode *
qrs_code_store_get_by_short_id_finish (QrsCodeStore  *self,
                                       GAsyncResult  *result,
                                       GError       **error)
{
  return qrs_store_run_finish (self, result, qrs_code_store_get_by_short_id_async, error);
}

static gpointer
update_thread (gpointer source, gpointer data, GCancellable *cancellable, GError **error)
{
  return qrs_code_store_update (source, ((Args *)data)->code, cancellable, error);
}

/**
 * qrs_code_store_update_async:
 * @self: a #QrsCodeStore
 * @code: the code to save; copied, so it may change meanwhile
 * @cancellable: (nullable): a #GCancellable
 * @callback: called when done
 * @user_data: for @callback
 *
 * Runs qrs_code_store_update() on a worker thread.
 */
void
qrs_code_store_update_async (QrsCodeStore        *self,
                             QrsCode             *code,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  Args *args = args_new ();

  g_return_if_fail (QRS_IS_CODE_STORE (self));
  g_return_if_fail (QRS_IS_CODE (code));

  args->code = qrs_code_copy (code);
  run (self, qrs_code_store_update_async, update_thread, args, g_object_unref,
       cancellable, callback, user_data);
}

QrsCode *
qrs_code_store_update_finish (QrsCodeStore  *self,
                              GAsyncResult  *result,
                              GError       **error)
{
  return qrs_store_run_finish (self, result, qrs_code_store_update_async, error);
}

static gpointer
delete_thread (gpointer source, gpointer data, GCancellable *cancellable, GError **error)
{
  Args *args = data;

  return qrs_code_store_delete (source, args->id, args->version, cancellable, error)
         ? QRS_STORE_DONE : NULL;
}

void
qrs_code_store_delete_async (QrsCodeStore        *self,
                             gint64               id,
                             int                  version,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  Args *args = args_new ();

  g_return_if_fail (QRS_IS_CODE_STORE (self));

  args->id = id;
  args->version = version;
  run (self, qrs_code_store_delete_async, delete_thread, args, NULL,
       cancellable, callback, user_data);
}

gboolean
qrs_code_store_delete_finish (QrsCodeStore  *self,
                              GAsyncResult  *result,
                              GError       **error)
{
  return qrs_store_run_finish (self, result, qrs_code_store_delete_async, error) != NULL;
}

typedef struct
{
  GArray *ids;        /* gint64 */
  GArray *versions;   /* int */
} DeleteManyArgs;

static void
delete_many_args_free (DeleteManyArgs *args)
{
  g_clear_pointer (&args->ids, g_array_unref);
  g_clear_pointer (&args->versions, g_array_unref);
  g_free (args);
}

/* What a delete_many_thread() did, failure and all: a failure after
 * some chunks still says which went. */
typedef struct
{
  guint   n_done;
  GArray *kept;       /* QrsCodeKept */
  GError *error;
} DeleteManyResult;

static void
delete_many_result_free (DeleteManyResult *result)
{
  g_clear_pointer (&result->kept, g_array_unref);
  g_clear_error (&result->error);
  g_free (result);
}

static gpointer
delete_many_thread (gpointer source, gpointer data, GCancellable *cancellable, GError **error)
{
  DeleteManyArgs *args = data;
  DeleteManyResult *result = g_new0 (DeleteManyResult, 1);

  qrs_code_store_delete_many (source, (const gint64 *)args->ids->data,
                              (const int *)args->versions->data, args->ids->len,
                              &result->n_done, &result->kept, cancellable, &result->error);
  return result;
}

/**
 * qrs_code_store_delete_many_async:
 * @self: a #QrsCodeStore
 * @ids: (array length=n): the codes' ids; copied
 * @versions: (array length=n): for each, the version read, or 0; copied
 * @n: how many
 * @cancellable: (nullable): a #GCancellable
 * @callback: called when done
 * @user_data: for @callback
 *
 * Runs qrs_code_store_delete_many() on a worker thread.
 */
void
qrs_code_store_delete_many_async (QrsCodeStore        *self,
                                  const gint64        *ids,
                                  const int           *versions,
                                  guint                n,
                                  GCancellable        *cancellable,
                                  GAsyncReadyCallback  callback,
                                  gpointer             user_data)
{
  DeleteManyArgs *args;

  g_return_if_fail (QRS_IS_CODE_STORE (self));
  g_return_if_fail (n == 0 || (ids != NULL && versions != NULL));

  args = g_new0 (DeleteManyArgs, 1);
  args->ids = g_array_sized_new (FALSE, FALSE, sizeof (gint64), n);
  args->versions = g_array_sized_new (FALSE, FALSE, sizeof (int), n);
  if (n > 0)
    {
      g_array_append_vals (args->ids, ids, n);
      g_array_append_vals (args->versions, versions, n);
    }
  qrs_store_run_in_thread (self, qrs_code_store_delete_many_async, delete_many_thread, args,
                           (GDestroyNotify)delete_many_args_free, (GDestroyNotify)delete_many_result_free,
                           cancellable, callback, user_data);
}

/**
 * qrs_code_store_delete_many_finish:
 * @n_done: (out) (optional): as qrs_code_store_delete_many()
 * @kept: (out) (optional) (transfer full) (element-type QrsCodeKept): as
 *   qrs_code_store_delete_many()
 *
 * Returns: as qrs_code_store_delete_many()
 */
gboolean
qrs_code_store_delete_many_finish (QrsCodeStore  *self,
                                   GAsyncResult  *result,
                                   guint         *n_done,
                                   GArray       **kept,
                                   GError       **error)
{
  DeleteManyResult *done = qrs_store_run_finish (self, result, qrs_code_store_delete_many_async, error);
  gboolean ok;

  /* GTask drops the result of a task whose cancellable was cancelled,
   * whatever the thread did: then what was deleted is unknown, which is
   * why the library passes none. */
  if (done == NULL)
    {
      if (n_done != NULL)
        *n_done = 0;
      if (kept != NULL)
        {
          *kept = g_array_new (FALSE, FALSE, sizeof (QrsCodeKept));
          g_array_set_clear_func (*kept, (GDestroyNotify)code_kept_clear);
        }
      return FALSE;
    }

  ok = done->error == NULL;
  if (!ok)
    g_propagate_error (error, g_steal_pointer (&done->error));
  if (n_done != NULL)
    *n_done = done->n_done;
  if (kept != NULL)
    *kept = g_steal_pointer (&done->kept);
  delete_many_result_free (done);
  return ok;
}

static gpointer
list_thread (gpointer source, gpointer data, GCancellable *cancellable, GError **error)
{
  Args *args = data;
  Page *page = g_new0 (Page, 1);

  if (args->text != NULL)
    page->items = qrs_code_store_search (source, args->text, args->offset, args->limit,
                                         &page->total, cancellable, error);
  else
    page->items = qrs_code_store_list (source, args->sort, args->flag, args->offset, args->limit,
                                       &page->total, cancellable, error);
  if (page->items == NULL)
    g_clear_pointer (&page, page_free);
  return page;
}

static GPtrArray *
page_finish (QrsCodeStore  *self,
             GAsyncResult  *result,
             gpointer       source_tag,
             guint64       *total,
             GError       **error)
{
  Page *page = qrs_store_run_finish (self, result, source_tag, error);
  GPtrArray *items;

  if (total != NULL)
    *total = page ? page->total : 0;
  if (page == NULL)
    return NULL;
  items = g_steal_pointer (&page->items);
  page_free (page);
  return items;
}

void
qrs_code_store_list_async (QrsCodeStore        *self,
                           QrsCodeSort          sort,
                           gboolean             descending,
                           guint                offset,
                           guint                limit,
                           GCancellable        *cancellable,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  Args *args = args_new ();

  g_return_if_fail (QRS_IS_CODE_STORE (self));

  args->sort = sort;
  args->flag = descending;
  args->offset = offset;
  args->limit = limit;
  run (self, qrs_code_store_list_async, list_thread, args, (GDestroyNotify)page_free,
       cancellable, callback, user_data);
}

GPtrArray *
qrs_code_store_list_finish (QrsCodeStore  *self,
                            GAsyncResult  *result,
                            guint64       *total,
                            GError       **error)
{
  return page_finish (self, result, qrs_code_store_list_async, total, error);
}

void
qrs_code_store_search_async (QrsCodeStore        *self,
                             const char          *query,
                             guint                offset,
                             guint                limit,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  Args *args = args_new ();

  g_return_if_fail (QRS_IS_CODE_STORE (self));
  g_return_if_fail (query != NULL);

  args->text = g_strdup (query);
  args->offset = offset;
  args->limit = limit;
  run (self, qrs_code_store_search_async, list_thread, args, (GDestroyNotify)page_free,
       cancellable, callback, user_data);
}

GPtrArray *
qrs_code_store_search_finish (QrsCodeStore  *self,
                              GAsyncResult  *result,
                              guint64       *total,
                              GError       **error)
{
  return page_finish (self, result, qrs_code_store_search_async, total, error);
}

static gpointer
count_thread (gpointer source, gpointer data, GCancellable *cancellable, GError **error)
{
  GError *local_error = NULL;
  guint64 *count = g_new0 (guint64, 1);

  *count = qrs_code_store_count (source, data, cancellable, &local_error);
  if (local_error != NULL)
    {
      g_propagate_error (error, local_error);
      g_clear_pointer (&count, g_free);
    }
  return count;
}

void
qrs_code_store_count_async (QrsCodeStore        *self,
                            const QrsCodeQuery  *query,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  g_return_if_fail (QRS_IS_CODE_STORE (self));
  g_return_if_fail (query != NULL);

  qrs_store_run_in_thread (self, qrs_code_store_count_async, count_thread,
                           qrs_code_query_copy (query), (GDestroyNotify)qrs_code_query_free,
                           g_free, cancellable, callback, user_data);
}

gboolean
qrs_code_store_count_finish (QrsCodeStore  *self,
                             GAsyncResult  *result,
                             guint64       *count,
                             GError       **error)
{
  guint64 *n = qrs_store_run_finish (self, result, qrs_code_store_count_async, error);

  if (count != NULL)
    *count = n != NULL ? *n : 0;
  if (n == NULL)
    return FALSE;
  g_free (n);
  return TRUE;
}

typedef struct
{
  QrsCodeQuery *query;
  guint         offset;
  guint         limit;
  guint64       count;
} PageArgs;

static void
page_args_free (PageArgs *args)
{
  qrs_code_query_free (args->query);
  g_free (args);
}

static gpointer
list_page_thread (gpointer source, gpointer data, GCancellable *cancellable, GError **error)
{
  PageArgs *args = data;

  return qrs_code_store_list_page (source, args->query, args->offset, args->limit,
                                   args->count, cancellable, error);
}

void
qrs_code_store_list_page_async (QrsCodeStore        *self,
                                const QrsCodeQuery  *query,
                                guint                offset,
                                guint                limit,
                                guint64              count,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  PageArgs *args;

  g_return_if_fail (QRS_IS_CODE_STORE (self));
  g_return_if_fail (query != NULL);

  args = g_new0 (PageArgs, 1);
  args->query = qrs_code_query_copy (query);
  args->offset = offset;
  args->limit = limit;
  args->count = count;
  qrs_store_run_in_thread (self, qrs_code_store_list_page_async, list_page_thread,
                           args, (GDestroyNotify)page_args_free,
                           (GDestroyNotify)qrs_code_page_free, cancellable, callback, user_data);
}

QrsCodePage *
qrs_code_store_list_page_finish (QrsCodeStore  *self,
                                 GAsyncResult  *result,
                                 GError       **error)
{
  return qrs_store_run_finish (self, result, qrs_code_store_list_page_async, error);
}

static gpointer
list_tags_thread (gpointer source, gpointer data, GCancellable *cancellable, GError **error)
{
  return qrs_code_store_list_tags (source, cancellable, error);
}

void
qrs_code_store_list_tags_async (QrsCodeStore        *self,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  g_return_if_fail (QRS_IS_CODE_STORE (self));

  qrs_store_run_in_thread (self, qrs_code_store_list_tags_async, list_tags_thread,
                           NULL, NULL, (GDestroyNotify)g_strfreev, cancellable, callback, user_data);
}

GStrv
qrs_code_store_list_tags_finish (QrsCodeStore  *self,
                                 GAsyncResult  *result,
                                 GError       **error)
{
  return qrs_store_run_finish (self, result, qrs_code_store_list_tags_async, error);
}

static gpointer
set_target_thread (gpointer source, gpointer data, GCancellable *cancellable, GError **error)
{
  Args *args = data;

  return qrs_code_store_set_target (source, args->id, args->text, cancellable, error);
}

void
qrs_code_store_set_target_async (QrsCodeStore        *self,
                                 gint64               id,
                                 const char          *target_url,
                                 GCancellable        *cancellable,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data)
{
  Args *args = args_new ();

  g_return_if_fail (QRS_IS_CODE_STORE (self));
  g_return_if_fail (target_url != NULL);

  args->id = id;
  args->text = g_strdup (target_url);
  run (self, qrs_code_store_set_target_async, set_target_thread, args, g_object_unref,
       cancellable, callback, user_data);
}

QrsCode *
qrs_code_store_set_target_finish (QrsCodeStore  *self,
                                  GAsyncResult  *result,
                                  GError       **error)
{
  return qrs_store_run_finish (self, result, qrs_code_store_set_target_async, error);
}

static gpointer
set_enabled_thread (gpointer source, gpointer data, GCancellable *cancellable, GError **error)
{
  Args *args = data;

  return qrs_code_store_set_enabled (source, args->id, args->flag, cancellable, error);
}

void
qrs_code_store_set_enabled_async (QrsCodeStore        *self,
                                  gint64               id,
                                  gboolean             enabled,
                                  GCancellable        *cancellable,
                                  GAsyncReadyCallback  callback,
                                  gpointer             user_data)
{
  Args *args = args_new ();

  g_return_if_fail (QRS_IS_CODE_STORE (self));

  args->id = id;
  args->flag = enabled;
  run (self, qrs_code_store_set_enabled_async, set_enabled_thread, args, g_object_unref,
       cancellable, callback, user_data);
}

QrsCode *
qrs_code_store_set_enabled_finish (QrsCodeStore  *self,
                                   GAsyncResult  *result,
                                   GError       **error)
{
  return qrs_store_run_finish (self, result, qrs_code_store_set_enabled_async, error);
}

static gpointer
set_expires_at_thread (gpointer source, gpointer data, GCancellable *cancellable, GError **error)
{
  Args *args = data;

  return qrs_code_store_set_expires_at (source, args->id, args->date_time, cancellable, error);
}

void
qrs_code_store_set_expires_at_async (QrsCodeStore        *self,
                                     gint64               id,
                                     GDateTime           *expires_at,
                                     GCancellable        *cancellable,
                                     GAsyncReadyCallback  callback,
                                     gpointer             user_data)
{
  Args *args = args_new ();

  g_return_if_fail (QRS_IS_CODE_STORE (self));

  args->id = id;
  args->date_time = expires_at ? g_date_time_ref (expires_at) : NULL;
  run (self, qrs_code_store_set_expires_at_async, set_expires_at_thread, args, g_object_unref,
       cancellable, callback, user_data);
}

QrsCode *
qrs_code_store_set_expires_at_finish (QrsCodeStore  *self,
                                      GAsyncResult  *result,
                                      GError       **error)
{
  return qrs_store_run_finish (self, result, qrs_code_store_set_expires_at_async, error);
}

static gpointer
list_events_thread (gpointer source, gpointer data, GCancellable *cancellable, GError **error)
{
  return qrs_code_store_list_events (source, ((Args *)data)->id, cancellable, error);
}

void
qrs_code_store_list_events_async (QrsCodeStore        *self,
                                  gint64               code_id,
                                  GCancellable        *cancellable,
                                  GAsyncReadyCallback  callback,
                                  gpointer             user_data)
{
  Args *args = args_new ();

  g_return_if_fail (QRS_IS_CODE_STORE (self));

  args->id = code_id;
  run (self, qrs_code_store_list_events_async, list_events_thread, args,
       (GDestroyNotify)g_ptr_array_unref, cancellable, callback, user_data);
}

GPtrArray *
qrs_code_store_list_events_finish (QrsCodeStore  *self,
                                   GAsyncResult  *result,
                                   GError       **error)
{
  return qrs_store_run_finish (self, result, qrs_code_store_list_events_async, error);
}

/* How many pages were read from the end (see qrs_code_store_list_page()),
 * for tests that must know the other path was taken. */
guint
qrs_code_store_get_n_pages_from_end (QrsCodeStore *self)
{
  g_return_val_if_fail (QRS_IS_CODE_STORE (self), 0);

  return (guint)g_atomic_int_get (&self->pages_from_end);
}
