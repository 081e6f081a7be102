/* qrs-route-table.c — the short ids the daemon answers, in memory
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <stdatomic.h>
#include <string.h>

#include <glib/gi18n-lib.h>
#include <json-glib/json-glib.h>

#include "qrs-route-table.h"

#define SNAPSHOT_FORMAT "qrstudio-redirectd-routes"
#define SNAPSHOT_VERSION 1

struct _QrsRouteTable
{
  GObject      parent_instance;

  GRWLock      lock;
  GHashTable  *routes;      /* short_id → QrsRedirectRoute, guarded by lock */
  atomic_int      source;      /* QrsRouteSource */
  _Atomic gint64  loaded_at;
  _Atomic guint64 lookups;     /* for the metrics and the tests */
};

G_DEFINE_FINAL_TYPE (QrsRouteTable, qrs_route_table, G_TYPE_OBJECT)
G_DEFINE_QUARK (qrs-route-table-error-quark, qrs_route_table_error)

/* As long as qrs_redirect_build_location() lets a Location grow. */
#define LOCATION_MAX 8192

static void
route_free (QrsRedirectRoute *route)
{
  g_free (route->short_id);
  g_free (route->target_url);
  g_free (route->location);
}

/* The target with every byte outside ASCII percent-encoded, so the
 * Location header is plain ASCII: worked out once per route, not once
 * per scan. */
static char *
escape_target (const char *target)
{
  static const char hex[] = "0123456789ABCDEF";
  GString *location = g_string_sized_new (strlen (target) + 1);

  for (const char *p = target; *p; p++)
    {
      guchar c = *p;

      if (c >= 0x80)
        {
          g_string_append_c (location, '%');
          g_string_append_c (location, hex[c >> 4]);
          g_string_append_c (location, hex[c & 0x0F]);
        }
      else
        g_string_append_c (location, c);
    }
  if (location->len > LOCATION_MAX)
    {
      g_string_free (location, TRUE);
      return g_strdup (target);
    }
  return g_string_free (location, FALSE);
}

QrsRedirectRoute *
qrs_redirect_route_new (gint64      code_id,
               const char *short_id,
               const char *target_url,
               gboolean    enabled,
               gint64      expires_at,
               gboolean    utm_passthrough)
{
  QrsRedirectRoute *route;

  g_return_val_if_fail (short_id != NULL, NULL);
  g_return_val_if_fail (target_url != NULL, NULL);

  route = g_atomic_rc_box_new0 (QrsRedirectRoute);
  route->code_id = code_id;
  route->short_id = g_strdup (short_id);
  route->target_url = g_strdup (target_url);
  route->location = escape_target (target_url);
  route->enabled = !!enabled;
  route->expires_at = expires_at;
  route->utm_passthrough = !!utm_passthrough;

  return route;
}

QrsRedirectRoute *
qrs_redirect_route_ref (QrsRedirectRoute *route)
{
  g_return_val_if_fail (route != NULL, NULL);

  return g_atomic_rc_box_acquire (route);
}

void
qrs_redirect_route_unref (QrsRedirectRoute *route)
{
  g_return_if_fail (route != NULL);

  g_atomic_rc_box_release_full (route, (GDestroyNotify)route_free);
}

QrsRouteAnswer
qrs_redirect_route_get_answer (const QrsRedirectRoute *route,
                      gint64          now)
{
  g_return_val_if_fail (route != NULL, QRS_ROUTE_ANSWER_GONE);

  if (!route->enabled)
    return QRS_ROUTE_ANSWER_GONE;
  if (route->expires_at != 0 && now >= route->expires_at)
    return QRS_ROUTE_ANSWER_GONE;
  return QRS_ROUTE_ANSWER_REDIRECT;
}

/**
 * qrs_short_id_is_valid:
 * @text: a candidate short id, not necessarily NUL-terminated
 * @length: its length, or -1
 *
 * Checks ^[A-Za-z0-9_-]{4,32}$ — the shape the schema's constraint
 * enforces — without any regular-expression engine on the request path.
 */
gboolean
qrs_short_id_is_valid (const char *text,
                       gssize      length)
{
  if (text == NULL)
    return FALSE;
  if (length < 0)
    length = strnlen (text, 33);
  if (length < 4 || length > 32)
    return FALSE;
  for (gssize i = 0; i < length; i++)
    if (!g_ascii_isalnum (text[i]) && text[i] != '_' && text[i] != '-')
      return FALSE;
  return TRUE;
}

static GHashTable *
new_hash_table (void)
{
  /* The key is the route's own short id, freed with it. */
  return g_hash_table_new_full (g_str_hash, g_str_equal, NULL, (GDestroyNotify)qrs_redirect_route_unref);
}

static void
qrs_route_table_finalize (GObject *object)
{
  QrsRouteTable *self = (QrsRouteTable *)object;

  g_clear_pointer (&self->routes, g_hash_table_unref);
  g_rw_lock_clear (&self->lock);

  G_OBJECT_CLASS (qrs_route_table_parent_class)->finalize (object);
}

static void
qrs_route_table_class_init (QrsRouteTableClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = qrs_route_table_finalize;
}

static void
qrs_route_table_init (QrsRouteTable *self)
{
  g_rw_lock_init (&self->lock);
  self->routes = new_hash_table ();
}

QrsRouteTable *
qrs_route_table_new (void)
{
  return g_object_new (QRS_TYPE_ROUTE_TABLE, NULL);
}

/**
 * qrs_route_table_lookup:
 * @self: a #QrsRouteTable
 * @short_id: a valid short id
 *
 * Safe from any thread.
 *
 * Returns: (transfer full) (nullable): the route, or %NULL when unknown
 */
QrsRedirectRoute *
qrs_route_table_lookup (QrsRouteTable *self,
                        const char    *short_id)
{
  QrsRedirectRoute *route;

  g_return_val_if_fail (QRS_IS_ROUTE_TABLE (self), NULL);
  g_return_val_if_fail (short_id != NULL, NULL);

  atomic_fetch_add_explicit (&self->lookups, 1, memory_order_relaxed);

  g_rw_lock_reader_lock (&self->lock);
  route = g_hash_table_lookup (self->routes, short_id);
  if (route != NULL)
    qrs_redirect_route_ref (route);
  g_rw_lock_reader_unlock (&self->lock);

  return route;
}

/**
 * qrs_route_table_replace_all:
 * @self: a #QrsRouteTable
 * @routes: (element-type QrsRedirectRoute): every route
 * @source: where they came from
 *
 * Builds the new table before taking the lock, so readers wait only for
 * a pointer swap; the old table is freed after the lock is released.
 */
void
qrs_route_table_replace_all (QrsRouteTable  *self,
                             GPtrArray      *routes,
                             QrsRouteSource  source)
{
  GHashTable *fresh;
  GHashTable *old;

  g_return_if_fail (QRS_IS_ROUTE_TABLE (self));
  g_return_if_fail (routes != NULL);

  fresh = new_hash_table ();
  for (guint i = 0; i < routes->len; i++)
    {
      QrsRedirectRoute *route = g_ptr_array_index (routes, i);
      g_hash_table_replace (fresh, route->short_id, qrs_redirect_route_ref (route));
    }

  g_rw_lock_writer_lock (&self->lock);
  old = self->routes;
  self->routes = fresh;
  g_rw_lock_writer_unlock (&self->lock);

  g_hash_table_unref (old);

  atomic_store (&self->source, source);
  atomic_store (&self->loaded_at, g_get_real_time ());
}

/**
 * qrs_route_table_update:
 * @self: a #QrsRouteTable
 * @short_id: the short id that changed
 * @route: (nullable): its route now, or %NULL when it no longer exists
 */
void
qrs_route_table_update (QrsRouteTable *self,
                        const char    *short_id,
                        QrsRedirectRoute      *route)
{
  QrsRedirectRoute *old = NULL;

  g_return_if_fail (QRS_IS_ROUTE_TABLE (self));
  g_return_if_fail (short_id != NULL);
  g_return_if_fail (route == NULL || g_str_equal (route->short_id, short_id));

  g_rw_lock_writer_lock (&self->lock);
  g_hash_table_steal_extended (self->routes, short_id, NULL, (gpointer *)&old);
  if (route != NULL)
    g_hash_table_replace (self->routes, route->short_id, qrs_redirect_route_ref (route));
  g_rw_lock_writer_unlock (&self->lock);

  g_clear_pointer (&old, qrs_redirect_route_unref);
}

/**
 * qrs_route_table_dup_routes:
 *
 * Returns: (transfer container) (element-type QrsRedirectRoute): every route
 */
GPtrArray *
qrs_route_table_dup_routes (QrsRouteTable *self)
{
  GPtrArray *routes;
  GHashTableIter iter;
  gpointer value;

  g_return_val_if_fail (QRS_IS_ROUTE_TABLE (self), NULL);

  g_rw_lock_reader_lock (&self->lock);
  routes = g_ptr_array_new_full (g_hash_table_size (self->routes), (GDestroyNotify)qrs_redirect_route_unref);
  g_hash_table_iter_init (&iter, self->routes);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    g_ptr_array_add (routes, qrs_redirect_route_ref (value));
  g_rw_lock_reader_unlock (&self->lock);

  return routes;
}

guint
qrs_route_table_get_size (QrsRouteTable *self)
{
  guint size;

  g_return_val_if_fail (QRS_IS_ROUTE_TABLE (self), 0);

  g_rw_lock_reader_lock (&self->lock);
  size = g_hash_table_size (self->routes);
  g_rw_lock_reader_unlock (&self->lock);

  return size;
}

QrsRouteSource
qrs_route_table_get_source (QrsRouteTable *self)
{
  g_return_val_if_fail (QRS_IS_ROUTE_TABLE (self), QRS_ROUTE_SOURCE_NONE);

  return atomic_load (&self->source);
}

/* When the database goes away the routes stay, but may grow stale. */
void
qrs_route_table_set_source (QrsRouteTable  *self,
                            QrsRouteSource  source)
{
  g_return_if_fail (QRS_IS_ROUTE_TABLE (self));

  atomic_store (&self->source, source);
}

gint64
qrs_route_table_get_loaded_at (QrsRouteTable *self)
{
  g_return_val_if_fail (QRS_IS_ROUTE_TABLE (self), 0);

  return atomic_load (&self->loaded_at);
}

guint64
qrs_route_table_get_lookups (QrsRouteTable *self)
{
  g_return_val_if_fail (QRS_IS_ROUTE_TABLE (self), 0);

  return atomic_load (&self->lookups);
}

static int
compare_routes_by_short_id (gconstpointer a,
                            gconstpointer b)
{
  const QrsRedirectRoute *ra = *(const QrsRedirectRoute * const *)a;
  const QrsRedirectRoute *rb = *(const QrsRedirectRoute * const *)b;

  return strcmp (ra->short_id, rb->short_id);
}

/**
 * qrs_route_table_save_snapshot:
 *
 * Writes every route to @path as JSON, atomically and durably (a
 * temporary file, fsync, rename), so a crash leaves the old snapshot or
 * the new one, never half of one.
 */
gboolean
qrs_route_table_save_snapshot (QrsRouteTable  *self,
                               const char     *path,
                               GError        **error)
{
  g_autoptr(GPtrArray) routes = NULL;
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autofree char *text = NULL;
  gsize length;

  g_return_val_if_fail (QRS_IS_ROUTE_TABLE (self), FALSE);
  g_return_val_if_fail (path != NULL, FALSE);

  routes = qrs_route_table_dup_routes (self);
  g_ptr_array_sort (routes, compare_routes_by_short_id);

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "format");
  json_builder_add_string_value (builder, SNAPSHOT_FORMAT);
  json_builder_set_member_name (builder, "version");
  json_builder_add_int_value (builder, SNAPSHOT_VERSION);
  json_builder_set_member_name (builder, "saved_at");
  json_builder_add_int_value (builder, g_get_real_time ());
  json_builder_set_member_name (builder, "routes");
  json_builder_begin_array (builder);
  for (guint i = 0; i < routes->len; i++)
    {
      QrsRedirectRoute *route = g_ptr_array_index (routes, i);

      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "code_id");
      json_builder_add_int_value (builder, route->code_id);
      json_builder_set_member_name (builder, "short_id");
      json_builder_add_string_value (builder, route->short_id);
      json_builder_set_member_name (builder, "target_url");
      json_builder_add_string_value (builder, route->target_url);
      json_builder_set_member_name (builder, "enabled");
      json_builder_add_boolean_value (builder, route->enabled);
      json_builder_set_member_name (builder, "expires_at");
      json_builder_add_int_value (builder, route->expires_at);
      json_builder_set_member_name (builder, "utm_passthrough");
      json_builder_add_boolean_value (builder, route->utm_passthrough);
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);
  json_builder_end_object (builder);

  root = json_builder_get_root (builder);
  json_generator_set_root (generator, root);
  text = json_generator_to_data (generator, &length);

  if (!g_file_set_contents_full (path, text, length,
                                 G_FILE_SET_CONTENTS_CONSISTENT | G_FILE_SET_CONTENTS_DURABLE,
                                 0600, &local_error))
    {
      g_set_error (error, QRS_ROUTE_TABLE_ERROR, QRS_ROUTE_TABLE_ERROR_SNAPSHOT,
                   _("Cannot save the route snapshot: %s"), local_error->message);
      return FALSE;
    }
  return TRUE;
}

static gboolean
snapshot_error (GError     **error,
                const char  *path,
                const char  *why)
{
  g_set_error (error, QRS_ROUTE_TABLE_ERROR, QRS_ROUTE_TABLE_ERROR_SNAPSHOT,
               _("The route snapshot %s is unusable: %s"), path, why);
  return FALSE;
}

/**
 * qrs_route_table_load_snapshot:
 *
 * Replaces every route with those of the snapshot at @path, checking each
 * as the schema would; on any error the table is left as it was.
 */
gboolean
qrs_route_table_load_snapshot (QrsRouteTable  *self,
                               const char     *path,
                               GError        **error)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GPtrArray) routes = g_ptr_array_new_with_free_func ((GDestroyNotify)qrs_redirect_route_unref);
  g_autoptr(GError) local_error = NULL;
  JsonObject *object;
  JsonArray *array;
  JsonNode *root;

  g_return_val_if_fail (QRS_IS_ROUTE_TABLE (self), FALSE);
  g_return_val_if_fail (path != NULL, FALSE);

  if (!json_parser_load_from_file (parser, path, &local_error))
    {
      g_set_error (error, QRS_ROUTE_TABLE_ERROR, QRS_ROUTE_TABLE_ERROR_SNAPSHOT,
                   _("Cannot read the route snapshot %s: %s"), path, local_error->message);
      return FALSE;
    }

  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    return snapshot_error (error, path, _("it is not a JSON object"));
  object = json_node_get_object (root);
  if (g_strcmp0 (json_object_get_string_member_with_default (object, "format", ""), SNAPSHOT_FORMAT) != 0 ||
      json_object_get_int_member_with_default (object, "version", 0) != SNAPSHOT_VERSION)
    return snapshot_error (error, path, _("it is not a route snapshot of this version"));
  if (!json_object_has_member (object, "routes") ||
      !JSON_NODE_HOLDS_ARRAY (json_object_get_member (object, "routes")))
    return snapshot_error (error, path, _("it has no list of routes"));

  array = json_object_get_array_member (object, "routes");
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonNode *node = json_array_get_element (array, i);
      JsonObject *r;
      const char *short_id;
      const char *target;

      if (!JSON_NODE_HOLDS_OBJECT (node))
        return snapshot_error (error, path, _("a route is not an object"));
      r = json_node_get_object (node);
      short_id = json_object_get_string_member_with_default (r, "short_id", NULL);
      target = json_object_get_string_member_with_default (r, "target_url", NULL);
      if (!qrs_short_id_is_valid (short_id, -1) || target == NULL ||
          !(g_str_has_prefix (target, "http://") || g_str_has_prefix (target, "https://")))
        return snapshot_error (error, path, _("a route has no valid short id or target"));
      for (const char *p = target; *p; p++)
        if ((guchar)*p <= 0x20 || (guchar)*p == 0x7f)
          return snapshot_error (error, path, _("a target holds white space or control characters"));

      g_ptr_array_add (routes,
                       qrs_redirect_route_new (json_object_get_int_member_with_default (r, "code_id", 0),
                                      short_id, target,
                                      json_object_get_boolean_member_with_default (r, "enabled", FALSE),
                                      json_object_get_int_member_with_default (r, "expires_at", 0),
                                      json_object_get_boolean_member_with_default (r, "utm_passthrough", FALSE)));
    }

  qrs_route_table_replace_all (self, routes, QRS_ROUTE_SOURCE_SNAPSHOT);
  return TRUE;
}
