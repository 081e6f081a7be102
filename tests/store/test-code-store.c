/* test-code-store.c — codes in a real database
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <json-glib/json-glib.h>

#include "qrs-code-store.h"
#include "store-test-util.h"

static char *shared_name;
static QrsDatabase *shared_database;

static QrsCodeStore *
shared_store (void)
{
  return qrs_code_store_new (shared_database);
}

static QrsCode *
new_dynamic (const char *target,
             const char *title)
{
  QrsCode *code = qrs_code_new (QRS_CODE_KIND_DYNAMIC);

  qrs_code_set_target_url (code, target);
  qrs_code_set_title (code, title);
  return code;
}

static QrsCode *
new_static (const char *encoded,
            const char *title)
{
  QrsCode *code = qrs_code_new (QRS_CODE_KIND_STATIC);

  qrs_code_set_encoded (code, encoded);
  qrs_code_set_title (code, title);
  return code;
}

static QrsCode *
create_ok (QrsCodeStore *store,
           QrsCode      *draft)
{
  g_autoptr(GError) error = NULL;
  QrsCode *code;

  code = qrs_code_store_create (store, draft, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (code);
  return code;
}

static void
assert_json_equal (const char *a,
                   const char *b)
{
  g_autoptr(JsonNode) na = json_from_string (a, NULL);
  g_autoptr(JsonNode) nb = json_from_string (b, NULL);

  g_assert_nonnull (na);
  g_assert_nonnull (nb);
  if (!json_node_equal (na, nb))
    g_error ("JSON differs: %s vs %s", a, b);
}

static gboolean
is_short_id (const char *id)
{
  if (id == NULL || strlen (id) != QRS_SHORT_ID_LENGTH)
    return FALSE;
  for (const char *p = id; *p; p++)
    if (!g_ascii_isalnum (*p))
      return FALSE;
  return TRUE;
}

static void
test_create_static (void)
{
  g_autoptr(QrsCodeStore) store = shared_store ();
  g_autoptr(QrsCode) draft = new_static ("WIFI:S:Campus;T:WPA;P:secret;;", "Campus Wi-Fi");
  g_autoptr(QrsCode) code = NULL;
  g_autoptr(QrsCode) fetched = NULL;
  g_autoptr(GError) error = NULL;
  const char *tags[] = { "wifi", "campus", NULL };

  qrs_code_set_payload_type (draft, "wifi");
  qrs_code_set_payload (draft, "{\"ssid\": \"Campus\", \"security\": \"WPA\", \"password\": \"secret\"}");
  qrs_code_set_design (draft, "{\"format\": 1, \"foreground\": \"#112233\", \"module-shape\": \"dot\"}");
  qrs_code_set_description (draft, "For visitors in the library");
  qrs_code_set_tags (draft, tags);

  code = create_ok (store, draft);
  g_assert_cmpint (qrs_code_get_id (code), >, 0);
  g_assert_cmpint (qrs_code_get_version (code), ==, 1);
  g_assert_cmpint (qrs_code_get_kind (code), ==, QRS_CODE_KIND_STATIC);
  g_assert_null (qrs_code_get_short_id (code));
  g_assert_null (qrs_code_get_target_url (code));
  g_assert_cmpstr (qrs_code_get_created_by (code), ==, g_getenv ("PGUSER"));
  g_assert_cmpstr (qrs_code_get_updated_by (code), ==, g_getenv ("PGUSER"));
  g_assert_nonnull (qrs_code_get_created_at (code));
  g_assert_true (qrs_code_get_enabled (code));

  fetched = qrs_code_store_get (store, qrs_code_get_id (code), NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (qrs_code_get_payload_type (fetched), ==, "wifi");
  assert_json_equal (qrs_code_get_payload (fetched), qrs_code_get_payload (draft));
  assert_json_equal (qrs_code_get_design (fetched), qrs_code_get_design (draft));
  g_assert_cmpstr (qrs_code_get_encoded (fetched), ==, "WIFI:S:Campus;T:WPA;P:secret;;");
  g_assert_cmpstr (qrs_code_get_title (fetched), ==, "Campus Wi-Fi");
  g_assert_cmpstr (qrs_code_get_description (fetched), ==, "For visitors in the library");
  g_assert_true (g_strv_equal (qrs_code_get_tags (fetched), tags));
  g_assert_true (g_date_time_equal (qrs_code_get_created_at (fetched), qrs_code_get_created_at (code)));
  g_assert_finalize_object (g_steal_pointer (&fetched));
}

static void
test_create_dynamic (void)
{
  g_autoptr(QrsCodeStore) store = shared_store ();
  g_autoptr(QrsCode) draft = new_dynamic ("https://example.edu/open-day", "Open day");
  g_autoptr(QrsCode) code = NULL;
  g_autoptr(QrsCode) by_short_id = NULL;
  g_autoptr(QrsRoute) route = NULL;
  g_autoptr(GPtrArray) routes = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *expected_encoded = NULL;
  gboolean listed = FALSE;

  qrs_code_store_set_short_url_base (store, "https://qr.example.edu/r/");
  g_assert_cmpstr (qrs_code_store_get_short_url_base (store), ==, "https://qr.example.edu/r/");
  qrs_code_set_utm_passthrough (draft, TRUE);

  code = create_ok (store, draft);
  g_assert_true (is_short_id (qrs_code_get_short_id (code)));
  g_assert_cmpstr (qrs_code_get_payload_type (code), ==, "url");
  expected_encoded = g_strconcat ("https://qr.example.edu/r/", qrs_code_get_short_id (code), NULL);
  g_assert_cmpstr (qrs_code_get_encoded (code), ==, expected_encoded);
  g_assert_true (qrs_code_get_utm_passthrough (code));

  by_short_id = qrs_code_store_get_by_short_id (store, qrs_code_get_short_id (code), NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (qrs_code_get_id (by_short_id), ==, qrs_code_get_id (code));
  g_assert_cmpstr (qrs_code_get_target_url (by_short_id), ==, "https://example.edu/open-day");

  route = qrs_code_store_get_route (store, qrs_code_get_short_id (code), NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (route->code_id, ==, qrs_code_get_id (code));
  g_assert_cmpstr (route->target_url, ==, "https://example.edu/open-day");
  g_assert_true (route->enabled);
  g_assert_true (route->utm_passthrough);
  g_assert_null (route->expires_at);

  routes = qrs_code_store_list_routes (store, NULL, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < routes->len; i++)
    {
      QrsRoute *r = g_ptr_array_index (routes, i);

      g_assert_nonnull (r->short_id);
      if (r->code_id == qrs_code_get_id (code))
        listed = TRUE;
    }
  g_assert_true (listed);

  g_clear_object (&by_short_id);
  by_short_id = qrs_code_store_get_by_short_id (store, "NoSuchId", NULL, &error);
  g_assert_null (by_short_id);
  g_assert_error (error, QRS_DATABASE_ERROR, QRS_DATABASE_ERROR_NOT_FOUND);
  g_clear_error (&error);

  g_clear_pointer (&route, qrs_route_free);
  route = qrs_code_store_get_route (store, "NoSuchId", NULL, &error);
  g_assert_null (route);
  g_assert_error (error, QRS_DATABASE_ERROR, QRS_DATABASE_ERROR_NOT_FOUND);
}

static void
test_create_chosen_short_id (void)
{
  g_autoptr(QrsCodeStore) store = shared_store ();
  g_autoptr(QrsCode) draft = new_dynamic ("https://example.edu/", "Chosen");
  g_autoptr(QrsCode) code = NULL;
  g_autoptr(QrsCode) again = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *short_id = qrs_test_unique_name ("Open-day");

  g_strcanon (short_id, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-", '-');
  short_id[MIN (strlen (short_id), 32)] = '\0';
  qrs_code_set_short_id (draft, short_id);
  code = create_ok (store, draft);
  g_assert_cmpstr (qrs_code_get_short_id (code), ==, short_id);

  again = qrs_code_store_create (store, draft, NULL, &error);
  g_assert_null (again);
  g_assert_error (error, QRS_DATABASE_ERROR, QRS_DATABASE_ERROR_DUPLICATE);
  g_assert_nonnull (strstr (error->message, "taken"));
}

static void
test_generate_short_ids (void)
{
  g_autoptr(GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  guint letters[128] = { 0 };
  guint n_letters = 0;

  for (guint i = 0; i < 2000; i++)
    {
      g_autoptr(GError) error = NULL;
      char *id = qrs_code_store_generate_short_id (&error);

      g_assert_no_error (error);
      g_assert_true (is_short_id (id));
      for (const char *p = id; *p; p++)
        letters[(guint)*p]++;
      g_assert_false (g_hash_table_contains (seen, id));
      g_hash_table_add (seen, id);
    }

  /* 16,000 draws from 62 letters: each appears about 258 times. */
  for (guint c = 0; c < 128; c++)
    if (letters[c] > 0)
      {
        n_letters++;
        g_assert_cmpuint (letters[c], >, 150);
        g_assert_cmpuint (letters[c], <, 380);
      }
  g_assert_cmpuint (n_letters, ==, 62);
}

static void
test_update_conflict (void)
{
  g_autoptr(QrsCodeStore) store = shared_store ();
  g_autoptr(QrsCode) draft = new_static ("hello", "Original");
  g_autoptr(QrsCode) stored = NULL;
  g_autoptr(QrsCode) mine = NULL;
  g_autoptr(QrsCode) theirs = NULL;
  g_autoptr(QrsCode) saved = NULL;
  g_autoptr(QrsCode) refused = NULL;
  g_autoptr(QrsCode) current = NULL;
  g_autoptr(QrsCode) retried = NULL;
  g_autoptr(GDateTime) saved_local = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *saved_when = NULL;
  g_autofree char *tz = NULL;

  stored = create_ok (store, draft);

  /* Two desktops open the same code. */
  mine = qrs_code_copy (stored);
  theirs = qrs_code_copy (stored);

  qrs_code_set_title (theirs, "Their title");
  saved = qrs_code_store_update (store, theirs, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (qrs_code_get_version (saved), ==, 2);
  g_assert_cmpstr (qrs_code_get_title (saved), ==, "Their title");
  g_assert_true (g_date_time_equal (qrs_code_get_created_at (saved), qrs_code_get_created_at (stored)));

  /* Told in the person's own time, here 13 hours ahead of UTC. */
  qrs_code_set_title (mine, "My title");
  tz = g_strdup (g_getenv ("TZ"));
  g_setenv ("TZ", "Pacific/Auckland", TRUE);
  refused = qrs_code_store_update (store, mine, NULL, &error);
  saved_local = g_date_time_to_local (qrs_code_get_updated_at (saved));
  saved_when = g_date_time_format (saved_local, "at %Y-%m-%d %H:%M)");
  if (tz != NULL)
    g_setenv ("TZ", tz, TRUE);
  else
    g_unsetenv ("TZ");
  g_assert_null (refused);
  g_assert_error (error, QRS_DATABASE_ERROR, QRS_DATABASE_ERROR_CONFLICT);
  g_assert_nonnull (strstr (error->message, g_getenv ("PGUSER")));
  g_test_message ("%s", error->message);
  g_assert_cmpint (g_date_time_get_utc_offset (saved_local) / G_TIME_SPAN_HOUR, >=, 12);
  g_assert_nonnull (strstr (error->message, saved_when));
  g_clear_error (&error);

  /* Nothing was overwritten. */
  current = qrs_code_store_get (store, qrs_code_get_id (stored), NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (qrs_code_get_title (current), ==, "Their title");
  g_assert_cmpint (qrs_code_get_version (current), ==, 2);

  /* Reloaded, the edit goes through. */
  qrs_code_set_title (current, "My title");
  retried = qrs_code_store_update (store, current, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (qrs_code_get_version (retried), ==, 3);
  g_assert_cmpstr (qrs_code_get_title (retried), ==, "My title");
}

static void
test_update_missing (void)
{
  g_autoptr(QrsCodeStore) store = shared_store ();
  g_autoptr(QrsCode) draft = new_static ("gone", "Gone");
  g_autoptr(QrsCode) stored = NULL;
  g_autoptr(QrsCode) updated = NULL;
  g_autoptr(GError) error = NULL;

  updated = qrs_code_store_update (store, draft, NULL, &error);
  g_assert_null (updated);
  g_assert_error (error, QRS_DATABASE_ERROR, QRS_DATABASE_ERROR_NOT_FOUND);
  g_clear_error (&error);

  stored = create_ok (store, draft);
  g_assert_true (qrs_code_store_delete (store, qrs_code_get_id (stored), 0, NULL, &error));
  g_assert_no_error (error);

  updated = qrs_code_store_update (store, stored, NULL, &error);
  g_assert_null (updated);
  g_assert_error (error, QRS_DATABASE_ERROR, QRS_DATABASE_ERROR_NOT_FOUND);
}

static void
test_delete (void)
{
  g_autoptr(QrsCodeStore) store = shared_store ();
  g_autoptr(QrsCode) draft = new_dynamic ("https://example.edu/delete-me", "Delete me");
  g_autoptr(QrsCode) stored = NULL;
  g_autoptr(QrsCode) changed = NULL;
  g_autoptr(QrsCode) fetched = NULL;
  g_autoptr(GPtrArray) events = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *sql = NULL;
  g_autofree char *left = NULL;
  gint64 id;

  stored = create_ok (store, draft);
  id = qrs_code_get_id (stored);

  /* Scans and rollups of the code, behind the library's back. */
  sql = g_strdup_printf ("INSERT INTO scans (event_id, code_id, scanned_at) "
                         "VALUES (gen_random_uuid(), %" G_GINT64_FORMAT ", now());"
                         "INSERT INTO scan_daily (code_id, day, scans) "
                         "VALUES (%" G_GINT64_FORMAT ", current_date, 1);"
                         "INSERT INTO scan_visitors (code_id, day, visitor_hash) "
                         "VALUES (%" G_GINT64_FORMAT ", current_date, '\\x01')",
                         id, id, id);
  PQclear (qrs_test_sql (shared_name, sql));

  changed = qrs_code_store_set_enabled (store, id, FALSE, NULL, &error);
  g_assert_no_error (error);

  /* The version read is stale now. */
  g_assert_false (qrs_code_store_delete (store, id, qrs_code_get_version (stored), NULL, &error));
  g_assert_error (error, QRS_DATABASE_ERROR, QRS_DATABASE_ERROR_CONFLICT);
  g_clear_error (&error);

  g_assert_true (qrs_code_store_delete (store, id, qrs_code_get_version (changed), NULL, &error));
  g_assert_no_error (error);

  fetched = qrs_code_store_get (store, id, NULL, &error);
  g_assert_null (fetched);
  g_assert_error (error, QRS_DATABASE_ERROR, QRS_DATABASE_ERROR_NOT_FOUND);
  g_clear_error (&error);

  g_assert_false (qrs_code_store_delete (store, id, 0, NULL, &error));
  g_assert_error (error, QRS_DATABASE_ERROR, QRS_DATABASE_ERROR_NOT_FOUND);
  g_clear_error (&error);

  g_free (sql);
  sql = g_strdup_printf ("SELECT (SELECT count(*) FROM scans WHERE code_id = %1$" G_GINT64_FORMAT ")"
                         "     + (SELECT count(*) FROM scan_daily WHERE code_id = %1$" G_GINT64_FORMAT ")"
                         "     + (SELECT count(*) FROM scan_visitors WHERE code_id = %1$" G_GINT64_FORMAT ")",
                         id);
  left = qrs_test_sql_value (shared_name, sql);
  g_assert_cmpstr (left, ==, "0");

  /* The audit trail outlives the code. */
  events = qrs_code_store_list_events (store, id, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (events->len, ==, 3);
  g_assert_cmpstr (((QrsCodeEvent *)g_ptr_array_index (events, 2))->action, ==, "delete");
}

/* More than one chunk of the bulk delete (a thousand rows each). */
#define N_MANY 2500

static gint64
sql_int64 (const char *dbname,
           const char *sql)
{
  g_autofree char *value = qrs_test_sql_value (dbname, sql);

  g_assert_nonnull (value);
  return g_ascii_strtoll (value, NULL, 10);
}

static void
test_delete_many (void)
{
  g_autofree char *name = NULL;
  g_autoptr(QrsDatabase) database = qrs_test_open_migrated (&name);
  g_autoptr(QrsCodeStore) store = qrs_code_store_new (database);
  g_autoptr(GArray) kept = NULL;
  g_autoptr(GError) error = NULL;
  PGresult *rows;
  g_autofree char *conninfo = qrs_test_conninfo_for (name, NULL, NULL);
  g_autofree char *sql = NULL;
  g_autofree gint64 *ids = NULL;
  g_autofree int *versions = NULL;
  PGconn *listener;
  PGnotify *notify;
  gint64 changed_id, scanned_id;
  guint n, n_done = 0, n_notified = 0;

  /* Every tenth dynamic, so the redirect daemons hear of it too. */
  PQclear (qrs_test_sql (name,
    "INSERT INTO codes (kind, short_id, payload_type, payload, encoded, target_url, design, title, tags)"
    "SELECT CASE WHEN g % 10 = 0 THEN 'dynamic' ELSE 'static' END,"
    "       CASE WHEN g % 10 = 0 THEN 'many' || lpad(g::text, 4, '0') END,"
    "       'url', jsonb_build_object('type', 'url', 'fields',"
    "                                 jsonb_build_object('url', 'https://example.edu/many/' || g)),"
    "       'https://example.edu/many/' || g,"
    "       CASE WHEN g % 10 = 0 THEN 'https://example.edu/many/' || g END,"
    "       '{\"format\": 1}', 'Many ' || g, '{}'"
    "  FROM generate_series(1, " G_STRINGIFY (N_MANY) ") AS g"));

  /* The ids and versions as read, then one code changed by someone
   * else, and one with scans. */
  rows = qrs_test_sql (name, "SELECT id, version FROM codes ORDER BY id");
  n = (guint)PQntuples (rows);
  g_assert_cmpuint (n, ==, N_MANY);
  ids = g_new (gint64, n + 1);
  versions = g_new (int, n + 1);
  for (guint i = 0; i < n; i++)
    {
      ids[i] = g_ascii_strtoll (PQgetvalue (rows, (int)i, 0), NULL, 10);
      versions[i] = (int)g_ascii_strtoll (PQgetvalue (rows, (int)i, 1), NULL, 10);
    }
  PQclear (rows);
  changed_id = ids[1500];
  scanned_id = ids[7];
  sql = g_strdup_printf ("UPDATE codes SET title = 'Changed elsewhere' WHERE id = %1$" G_GINT64_FORMAT ";"
                         "INSERT INTO scans (event_id, code_id, scanned_at) "
                         "VALUES (gen_random_uuid(), %2$" G_GINT64_FORMAT ", now());"
                         "INSERT INTO scan_daily (code_id, day, scans) "
                         "VALUES (%2$" G_GINT64_FORMAT ", current_date, 1);"
                         "INSERT INTO scan_visitors (code_id, day, visitor_hash) "
                         "VALUES (%2$" G_GINT64_FORMAT ", current_date, '\\x01')",
                         changed_id, scanned_id);
  PQclear (qrs_test_sql (name, sql));

  /* A code gone already is no failure. */
  ids[n] = ids[n - 1] + 1000;
  versions[n] = 1;

  listener = PQconnectdb (conninfo);
  g_assert_cmpint (PQstatus (listener), ==, CONNECTION_OK);
  PQclear (PQexec (listener, "LISTEN " QRS_DATABASE_CHANNEL_LIBRARY));

  g_assert_true (qrs_code_store_delete_many (store, ids, versions, n + 1, &n_done, &kept, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (n_done, ==, n + 1);
  g_assert_nonnull (kept);
  g_assert_cmpuint (kept->len, ==, 1);
  g_assert_cmpint (g_array_index (kept, QrsCodeKept, 0).id, ==, changed_id);
  /* Who saved it, and when, for the person to be told. */
  rows = qrs_test_sql (name, "SELECT current_user");
  g_assert_cmpstr (g_array_index (kept, QrsCodeKept, 0).updated_by, ==, PQgetvalue (rows, 0, 0));
  PQclear (rows);
  g_assert_nonnull (g_array_index (kept, QrsCodeKept, 0).updated_at);
  {
    g_autoptr(GError) conflict = qrs_code_kept_dup_error (&g_array_index (kept, QrsCodeKept, 0));

    g_assert_error (conflict, QRS_DATABASE_ERROR, QRS_DATABASE_ERROR_CONFLICT);
    g_assert_nonnull (strstr (conflict->message, g_array_index (kept, QrsCodeKept, 0).updated_by));
  }

  g_assert_cmpint (sql_int64 (name, "SELECT count(*) FROM codes"), ==, 1);
  g_assert_cmpint (sql_int64 (name, "SELECT count(*) FROM code_events WHERE action = 'delete'"),
                   ==, N_MANY - 1);
  g_free (sql);
  sql = g_strdup_printf ("SELECT count(*) FROM code_events WHERE action = 'delete' AND code_id = %"
                         G_GINT64_FORMAT, changed_id);
  g_assert_cmpint (sql_int64 (name, sql), ==, 0);
  g_assert_cmpint (sql_int64 (name, "SELECT (SELECT count(*) FROM scans)"
                                    "     + (SELECT count(*) FROM scan_daily)"
                                    "     + (SELECT count(*) FROM scan_visitors)"), ==, 0);
  /* As for one code: the short id and the old target are on the trail. */
  g_assert_cmpint (sql_int64 (name, "SELECT count(*) FROM code_events WHERE action = 'delete'"
                                    " AND short_id LIKE 'many%' AND old_target_url LIKE 'https://example.edu/many/%'"),
                   ==, N_MANY / 10);

  /* Every library hears of every code deleted. */
  for (guint i = 0; i < 100 && n_notified < N_MANY - 1; i++)
    {
      g_assert_cmpint (PQconsumeInput (listener), ==, 1);
      while ((notify = PQnotifies (listener)) != NULL)
        {
          n_notified++;
          PQfreemem (notify);
        }
      if (n_notified < N_MANY - 1)
        g_usleep (50000);
    }
  g_assert_cmpuint (n_notified, ==, N_MANY - 1);
  PQfinish (listener);

  /* Nothing to delete is no failure either. */
  g_clear_pointer (&kept, g_array_unref);
  g_assert_true (qrs_code_store_delete_many (store, NULL, NULL, 0, &n_done, &kept, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (n_done, ==, 0);
  g_assert_nonnull (kept);
  g_assert_cmpuint (kept->len, ==, 0);

  /* The kept code, at its new version (0: whichever it is). */
  g_clear_pointer (&kept, g_array_unref);
  versions[1500] = 0;
  g_assert_true (qrs_code_store_delete_many (store, &ids[1500], &versions[1500], 1, NULL, &kept, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (kept->len, ==, 0);
  g_assert_cmpint (sql_int64 (name, "SELECT count(*) FROM codes"), ==, 0);
}

/* A chunk fails after one has committed: that one stays deleted, and
 * the caller hears how far it went and which of those were kept, so a
 * library can show again exactly what is left. */
static void
test_delete_many_partial (void)
{
  g_autofree char *name = NULL;
  g_autoptr(QrsDatabase) database = qrs_test_open_migrated (&name);
  g_autoptr(QrsCodeStore) store = qrs_code_store_new (database);
  g_autoptr(GArray) kept = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree gint64 *ids = NULL;
  g_autofree int *versions = NULL;
  g_autofree char *sql = NULL;
  PGresult *rows;
  guint n, n_done = 0;

  PQclear (qrs_test_sql (name,
    "INSERT INTO codes (kind, payload_type, payload, encoded, design, title, tags)"
    "SELECT 'static', 'url', jsonb_build_object('type', 'url', 'fields',"
    "                                 jsonb_build_object('url', 'https://example.edu/part/' || g)),"
    "       'https://example.edu/part/' || g, '{\"format\": 1}', 'Part ' || g, '{}'"
    "  FROM generate_series(1, 2500) AS g"));
  rows = qrs_test_sql (name, "SELECT id, version FROM codes ORDER BY id");
  n = (guint)PQntuples (rows);
  ids = g_new (gint64, n);
  versions = g_new (int, n);
  for (guint i = 0; i < n; i++)
    {
      ids[i] = g_ascii_strtoll (PQgetvalue (rows, (int)i, 0), NULL, 10);
      versions[i] = (int)g_ascii_strtoll (PQgetvalue (rows, (int)i, 1), NULL, 10);
    }
  PQclear (rows);

  /* One kept in the first chunk, one changed in the second, which the
   * database refuses. */
  sql = g_strdup_printf ("UPDATE codes SET title = 'Changed' WHERE id IN (%" G_GINT64_FORMAT ", %" G_GINT64_FORMAT ");"
                         "CREATE FUNCTION refuse () RETURNS trigger LANGUAGE plpgsql AS"
                         " $$ BEGIN RAISE EXCEPTION 'refused here'; END $$;"
                         "CREATE TRIGGER refuse BEFORE DELETE ON codes FOR EACH ROW"
                         " WHEN (OLD.id = %" G_GINT64_FORMAT ") EXECUTE FUNCTION refuse ()",
                         ids[500], ids[1200], ids[1499]);
  PQclear (qrs_test_sql (name, sql));

  g_assert_false (qrs_code_store_delete_many (store, ids, versions, n, &n_done, &kept, NULL, &error));
  g_assert_nonnull (error);
  g_assert_nonnull (strstr (error->message, "refused here"));
  g_assert_cmpuint (n_done, ==, 1000);
  g_assert_cmpuint (kept->len, ==, 1);
  g_assert_cmpint (g_array_index (kept, QrsCodeKept, 0).id, ==, ids[500]);
  g_assert_cmpint (sql_int64 (name, "SELECT count(*) FROM codes"), ==, n - 999);
  g_assert_cmpint (sql_int64 (name, "SELECT count(*) FROM code_events WHERE action = 'delete'"), ==, 999);
}

static void
delete_many_done_cb (GObject      *object,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  *(GAsyncResult **)user_data = g_object_ref (result);
}

static gboolean
result_is_set (gpointer data)
{
  return *(gpointer *)data != NULL;
}

/* The asynchronous form, and a database error: the table is not there. */
static void
test_delete_many_async (void)
{
  g_autofree char *name = NULL;
  g_autoptr(QrsDatabase) database = qrs_test_open_migrated (&name);
  g_autoptr(QrsCodeStore) store = qrs_code_store_new (database);
  g_autoptr(QrsCode) draft = new_static ("https://example.edu/async-many", "Async many");
  g_autoptr(QrsCode) code = create_ok (store, draft);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GArray) kept = NULL;
  g_autoptr(GError) error = NULL;
  gint64 id = qrs_code_get_id (code);
  int version = qrs_code_get_version (code);
  guint n_done = 1;

  PQclear (qrs_test_sql (name, "ALTER TABLE codes RENAME TO codes_gone"));
  qrs_code_store_delete_many_async (store, &id, &version, 1, NULL, delete_many_done_cb, &result);
  g_assert_true (qrs_test_wait_for (result_is_set, &result, 30000));
  g_assert_false (qrs_code_store_delete_many_finish (store, result, &n_done, &kept, &error));
  g_assert_cmpuint (n_done, ==, 0);
  g_assert_cmpuint (kept->len, ==, 0);
  g_clear_pointer (&kept, g_array_unref);
  g_assert_nonnull (error);
  g_clear_error (&error);
  g_clear_object (&result);
  PQclear (qrs_test_sql (name, "ALTER TABLE codes_gone RENAME TO codes"));

  qrs_code_store_delete_many_async (store, &id, &version, 1, NULL, delete_many_done_cb, &result);
  g_assert_true (qrs_test_wait_for (result_is_set, &result, 30000));
  g_assert_true (qrs_code_store_delete_many_finish (store, result, &n_done, &kept, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (n_done, ==, 1);
  g_assert_cmpuint (kept->len, ==, 0);
  g_assert_cmpint (sql_int64 (name, "SELECT count(*) FROM codes"), ==, 0);
}

static void
test_list (void)
{
  g_autofree char *name = NULL;
  g_autoptr(QrsDatabase) database = qrs_test_open_migrated (&name);
  g_autoptr(QrsCodeStore) store = qrs_code_store_new (database);
  g_autoptr(GPtrArray) page = NULL;
  g_autoptr(GError) error = NULL;
  guint64 total = 0;
  gint64 first_id = 0;

  for (guint i = 0; i < 25; i++)
    {
      g_autofree char *title = g_strdup_printf ("%c code %02u", i % 2 ? 'b' : 'A', i);
      g_autoptr(QrsCode) draft = new_static ("x", title);
      g_autoptr(QrsCode) code = create_ok (store, draft);

      if (i == 0)
        first_id = qrs_code_get_id (code);
    }

  for (guint offset = 0; offset < 30; offset += 10)
    {
      g_clear_pointer (&page, g_ptr_array_unref);
      page = qrs_code_store_list (store, QRS_CODE_SORT_ID, FALSE, offset, 10, &total, NULL, &error);
      g_assert_no_error (error);
      g_assert_cmpuint (total, ==, 25);
      g_assert_cmpuint (page->len, ==, offset < 20 ? 10 : 5);
      g_assert_cmpint (qrs_code_get_id (g_ptr_array_index (page, 0)), ==, first_id + offset);
    }

  g_clear_pointer (&page, g_ptr_array_unref);
  page = qrs_code_store_list (store, QRS_CODE_SORT_ID, FALSE, 40, 10, &total, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (page->len, ==, 0);
  g_assert_cmpuint (total, ==, 25);

  /* Titles sort without regard to case: all the "a"s, then the "b"s. */
  g_clear_pointer (&page, g_ptr_array_unref);
  page = qrs_code_store_list (store, QRS_CODE_SORT_TITLE, FALSE, 0, 0, &total, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (page->len, ==, 25);
  g_assert_cmpstr (qrs_code_get_title (g_ptr_array_index (page, 0)), ==, "A code 00");
  g_assert_cmpstr (qrs_code_get_title (g_ptr_array_index (page, 12)), ==, "A code 24");
  g_assert_cmpstr (qrs_code_get_title (g_ptr_array_index (page, 13)), ==, "b code 01");

  g_clear_pointer (&page, g_ptr_array_unref);
  page = qrs_code_store_list (store, QRS_CODE_SORT_TITLE, TRUE, 0, 1, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (qrs_code_get_title (g_ptr_array_index (page, 0)), ==, "b code 23");

  /* Newest first. */
  g_clear_pointer (&page, g_ptr_array_unref);
  page = qrs_code_store_list (store, QRS_CODE_SORT_CREATED, TRUE, 0, 3, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (qrs_code_get_id (g_ptr_array_index (page, 0)), ==, first_id + 24);

  g_clear_pointer (&page, g_ptr_array_unref);
  page = qrs_code_store_list (store, QRS_CODE_SORT_UPDATED, FALSE, 0, 3, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (qrs_code_get_id (g_ptr_array_index (page, 0)), ==, first_id);
}

static GPtrArray *
search (QrsCodeStore *store,
        const char   *query,
        guint64      *total)
{
  g_autoptr(GError) error = NULL;
  GPtrArray *found;

  found = qrs_code_store_search (store, query, 0, 20, total, NULL, &error);
  g_assert_no_error (error);
  return found;
}

static void
assert_finds (QrsCodeStore *store,
              const char   *query,
              const char   *first_title,
              guint64       n_expected)
{
  g_autoptr(GPtrArray) found = NULL;
  guint64 total = 0;

  found = search (store, query, &total);
  g_test_message ("“%s”: %" G_GUINT64_FORMAT " found", query, total);
  g_assert_cmpuint (total, ==, n_expected);
  g_assert_cmpuint (found->len, ==, n_expected);
  if (first_title != NULL)
    g_assert_cmpstr (qrs_code_get_title (g_ptr_array_index (found, 0)), ==, first_title);
}

static void
test_search (void)
{
  g_autofree char *name = NULL;
  g_autoptr(QrsDatabase) database = qrs_test_open_migrated (&name);
  g_autoptr(QrsCodeStore) store = qrs_code_store_new (database);
  g_autoptr(QrsCode) a = new_static ("https://example.edu/puertas", "Día de puertas abiertas");
  g_autoptr(QrsCode) b = new_dynamic ("https://example.edu/open-day", "Open day for new students");
  g_autoptr(QrsCode) c = new_static ("text", "Coro");
  g_autoptr(QrsCode) d = new_static ("text", "Concierto");
  g_autoptr(QrsCode) stored = NULL;
  g_autoptr(GPtrArray) found = NULL;
  const char *tags[] = { "evento", "Música", NULL };
  guint64 total = 0;

  qrs_code_set_description (a, "Visitas guiadas por el campus.");
  qrs_code_set_tags (a, tags);
  qrs_code_set_description (b, "Opening ceremony, campus tours and talks.");
  qrs_code_set_description (c, "Canciones del coro universitario.");
  qrs_code_set_description (d, "El coro canta en el auditorio.");
  g_clear_object (&stored);
  stored = create_ok (store, a);
  g_clear_object (&stored);
  stored = create_ok (store, b);
  g_clear_object (&stored);
  stored = create_ok (store, c);
  g_clear_object (&stored);
  stored = create_ok (store, d);

  /* Accents folded, either way round, any case. */
  assert_finds (store, "dia", "Día de puertas abiertas", 1);
  assert_finds (store, "DÍA", "Día de puertas abiertas", 1);
  assert_finds (store, "musica", "Día de puertas abiertas", 1);
  /* Spanish stems: "abierto" meets "abiertas", "canción" meets "canciones". */
  assert_finds (store, "abierto", "Día de puertas abiertas", 1);
  assert_finds (store, "canción", "Coro", 1);
  /* English stems: "opened" meets "open" and "opening", "student" "students". */
  assert_finds (store, "opened", "Open day for new students", 1);
  assert_finds (store, "student", "Open day for new students", 1);
  /* Both languages in one query, and in one field. */
  assert_finds (store, "campus", NULL, 2);
  assert_finds (store, "campus -puertas", "Open day for new students", 1);
  assert_finds (store, "\"puertas abiertas\"", "Día de puertas abiertas", 1);
  /* A title outranks a description. */
  assert_finds (store, "coro", "Coro", 2);
  /* Encoded text and targets. */
  assert_finds (store, "example.edu", NULL, 2);
  assert_finds (store, "zzzyzzy", NULL, 0);

  found = search (store, "   ", &total);
  g_assert_cmpuint (total, ==, 4);
  g_assert_cmpuint (found->len, ==, 4);
  g_clear_pointer (&found, g_ptr_array_unref);

  /* Paging of matches. */
  found = qrs_code_store_search (store, "campus", 1, 1, &total, NULL, NULL);
  g_assert_cmpuint (total, ==, 2);
  g_assert_cmpuint (found->len, ==, 1);
}

/* A word in more codes than are ranked: a total that says "more", and
 * the newest first. */
static void
test_search_broad (void)
{
  g_autofree char *name = NULL;
  g_autoptr(QrsDatabase) database = qrs_test_open_migrated (&name);
  g_autoptr(QrsCodeStore) store = qrs_code_store_new (database);
  g_autoptr(QrsCode) first = NULL;
  g_autoptr(QrsCode) renamed = NULL;
  g_autoptr(GPtrArray) found = NULL;
  g_autoptr(GError) error = NULL;
  guint64 total = 0;

  PQclear (qrs_test_sql (name, "INSERT INTO codes (kind, payload_type, title) "
                               "SELECT 'static', 'text', 'Campus map ' || g FROM generate_series(1, 1200) AS g"));

  found = qrs_code_store_search (store, "campus", 0, 10, &total, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (total, ==, QRS_CODE_SEARCH_COUNT_LIMIT + 1);
  g_assert_cmpuint (found->len, ==, 10);
  g_assert_cmpstr (qrs_code_get_title (g_ptr_array_index (found, 0)), ==, "Campus map 1200");
  g_clear_pointer (&found, g_ptr_array_unref);

  /* The code changed last comes first. */
  first = qrs_code_store_get (store, 1, NULL, &error);
  g_assert_no_error (error);
  qrs_code_set_description (first, "Updated just now");
  renamed = qrs_code_store_update (store, first, NULL, &error);
  g_assert_no_error (error);
  found = qrs_code_store_search (store, "campus", 0, 10, &total, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (qrs_code_get_id (g_ptr_array_index (found, 0)), ==, 1);
  g_clear_pointer (&found, g_ptr_array_unref);

  /* A rarer word is counted exactly and ranked. */
  found = qrs_code_store_search (store, "\"map 1200\"", 0, 10, &total, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (total, ==, 1);
}

static void
test_search_short_id (void)
{
  g_autoptr(QrsCodeStore) store = shared_store ();
  g_autoptr(QrsCode) draft = new_dynamic ("https://example.edu/", "Nothing in common");
  g_autoptr(QrsCode) code = create_ok (store, draft);
  g_autoptr(GPtrArray) found = NULL;
  guint64 total = 0;

  found = search (store, qrs_code_get_short_id (code), &total);
  g_assert_cmpuint (found->len, >=, 1);
  g_assert_cmpint (qrs_code_get_id (g_ptr_array_index (found, 0)), ==, qrs_code_get_id (code));
}

static void
test_set_fields_and_audit (void)
{
  g_autoptr(QrsCodeStore) store = shared_store ();
  g_autoptr(QrsCode) draft = new_dynamic ("https://example.edu/a", "Audited");
  g_autoptr(QrsCode) code = NULL;
  g_autoptr(QrsCode) step = NULL;
  g_autoptr(QrsCode) edited = NULL;
  g_autoptr(GPtrArray) events = NULL;
  g_autoptr(GDateTime) expiry = g_date_time_new_utc (2031, 12, 31, 23, 59, 58.123456);
  g_autoptr(GError) error = NULL;
  g_autoptr(QrsCode) static_code = NULL;
  g_autoptr(QrsCode) static_draft = new_static ("plain", "Static");
  QrsCodeEvent *event;
  gint64 id;

  code = create_ok (store, draft);
  id = qrs_code_get_id (code);

  step = qrs_code_store_set_target (store, id, "https://example.edu/b", NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (qrs_code_get_target_url (step), ==, "https://example.edu/b");
  g_assert_cmpint (qrs_code_get_version (step), ==, 2);
  g_clear_object (&step);

  step = qrs_code_store_set_enabled (store, id, FALSE, NULL, &error);
  g_assert_no_error (error);
  g_assert_false (qrs_code_get_enabled (step));
  g_clear_object (&step);

  step = qrs_code_store_set_expires_at (store, id, expiry, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_date_time_equal (qrs_code_get_expires_at (step), expiry));
  g_assert_cmpint (g_date_time_get_microsecond (qrs_code_get_expires_at (step)), ==, 123456);

  /* A change that does not touch the redirect is not audited. */
  edited = qrs_code_copy (step);
  qrs_code_set_description (edited, "Only words");
  g_clear_object (&step);
  step = qrs_code_store_update (store, edited, NULL, &error);
  g_assert_no_error (error);
  g_clear_object (&step);

  step = qrs_code_store_set_expires_at (store, id, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_null (qrs_code_get_expires_at (step));
  g_assert_cmpint (qrs_code_get_version (step), ==, 6);
  g_clear_object (&step);

  step = qrs_code_store_set_enabled (store, -5, TRUE, NULL, &error);
  g_assert_null (step);
  g_assert_error (error, QRS_DATABASE_ERROR, QRS_DATABASE_ERROR_NOT_FOUND);
  g_clear_error (&error);

  /* A static code has no target to set. */
  static_code = create_ok (store, static_draft);
  step = qrs_code_store_set_target (store, qrs_code_get_id (static_code), "https://example.edu/", NULL, &error);
  g_assert_null (step);
  g_assert_error (error, QRS_DATABASE_ERROR, QRS_DATABASE_ERROR_INVALID);
  g_clear_error (&error);

  events = qrs_code_store_list_events (store, id, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (events->len, ==, 5);

  event = g_ptr_array_index (events, 0);
  g_assert_cmpstr (event->action, ==, "create");
  g_assert_cmpstr (event->actor, ==, g_getenv ("PGUSER"));
  g_assert_cmpstr (event->short_id, ==, qrs_code_get_short_id (code));
  g_assert_null (event->old_target_url);
  g_assert_cmpstr (event->new_target_url, ==, "https://example.edu/a");
  g_assert_cmpint (event->old_enabled, ==, -1);
  g_assert_cmpint (event->new_enabled, ==, 1);

  event = g_ptr_array_index (events, 1);
  g_assert_cmpstr (event->action, ==, "update");
  g_assert_cmpstr (event->old_target_url, ==, "https://example.edu/a");
  g_assert_cmpstr (event->new_target_url, ==, "https://example.edu/b");

  event = g_ptr_array_index (events, 2);
  g_assert_cmpint (event->old_enabled, ==, 1);
  g_assert_cmpint (event->new_enabled, ==, 0);

  event = g_ptr_array_index (events, 3);
  g_assert_null (event->old_expires_at);
  g_assert_true (g_date_time_equal (event->new_expires_at, expiry));

  event = g_ptr_array_index (events, 4);
  g_assert_true (g_date_time_equal (event->old_expires_at, expiry));
  g_assert_null (event->new_expires_at);
  g_assert_nonnull (event->happened_at);
}

typedef struct
{
  const char *what;
  void      (*change) (QrsCode *code);
  int         code;
  const char *fragment;
} Violation;

static void target_javascript (QrsCode *c) { qrs_code_set_target_url (c, "javascript:alert(1)"); }
static void target_ftp (QrsCode *c) { qrs_code_set_target_url (c, "ftp://example.edu/file"); }
static void target_space (QrsCode *c) { qrs_code_set_target_url (c, "https://exa mple.edu/"); }
static void target_header (QrsCode *c) { qrs_code_set_target_url (c, "https://example.edu/\r\nSet-Cookie: a=b"); }
static void target_no_host (QrsCode *c) { qrs_code_set_target_url (c, "https:///path"); }
static void target_missing (QrsCode *c) { qrs_code_set_target_url (c, NULL); }
static void short_id_short (QrsCode *c) { qrs_code_set_short_id (c, "abc"); }
static void short_id_spaces (QrsCode *c) { qrs_code_set_short_id (c, "a b c d"); }
static void short_id_quote (QrsCode *c) { qrs_code_set_short_id (c, "x'; DROP TABLE codes; --"); }
static void short_id_long (QrsCode *c) { qrs_code_set_short_id (c, "abcdefghijklmnopqrstuvwxyz0123456"); }
static void static_with_target (QrsCode *c) { qrs_code_set_kind (c, QRS_CODE_KIND_STATIC); }
static void payload_not_json (QrsCode *c) { qrs_code_set_payload (c, "{not json"); }
static void payload_type_odd (QrsCode *c) { qrs_code_set_payload_type (c, "URL!"); }
static void logo_unknown (QrsCode *c) { qrs_code_set_logo_sha256 (c, "00000000000000000000000000000000000000000000000000000000000000ff"); }
static void logo_not_hex (QrsCode *c) { qrs_code_set_logo_sha256 (c, "zz"); }

static void
too_many_tags (QrsCode *c)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_auto(GStrv) tags = NULL;

  for (guint i = 0; i < 51; i++)
    {
      g_autofree char *tag = g_strdup_printf ("tag%u", i);

      g_strv_builder_add (builder, tag);
    }
  tags = g_strv_builder_end (builder);
  qrs_code_set_tags (c, (const char * const *)tags);
}

static void
target_too_long (QrsCode *c)
{
  g_autofree char *path = g_strnfill (2049 - strlen ("https://example.edu/"), 'a');
  g_autofree char *url = g_strconcat ("https://example.edu/", path, NULL);

  g_assert_cmpuint (strlen (url), ==, 2049);
  qrs_code_set_target_url (c, url);
}

static void
test_constraints (void)
{
  static const Violation violations[] = {
    { "javascript: target", target_javascript, QRS_DATABASE_ERROR_INVALID, "http" },
    { "ftp target", target_ftp, QRS_DATABASE_ERROR_INVALID, "http" },
    { "space in target", target_space, QRS_DATABASE_ERROR_INVALID, "spaces" },
    { "header in target", target_header, QRS_DATABASE_ERROR_INVALID, "spaces" },
    { "target without host", target_no_host, QRS_DATABASE_ERROR_INVALID, "host" },
    { "target too long", target_too_long, QRS_DATABASE_ERROR_INVALID, "2,048" },
    { "dynamic without target", target_missing, QRS_DATABASE_ERROR_INVALID, "dynamic code needs" },
    { "short id too short", short_id_short, QRS_DATABASE_ERROR_INVALID, "4 to 32" },
    { "short id with spaces", short_id_spaces, QRS_DATABASE_ERROR_INVALID, "4 to 32" },
    { "short id with SQL", short_id_quote, QRS_DATABASE_ERROR_INVALID, "4 to 32" },
    { "short id too long", short_id_long, QRS_DATABASE_ERROR_INVALID, "4 to 32" },
    { "static with target", static_with_target, QRS_DATABASE_ERROR_INVALID, "static code has neither" },
    { "payload not JSON", payload_not_json, QRS_DATABASE_ERROR_INVALID, "json" },
    { "odd payload type", payload_type_odd, QRS_DATABASE_ERROR_INVALID, "payload type" },
    { "unknown logo", logo_unknown, QRS_DATABASE_ERROR_INVALID, "logo" },
    { "logo not hex", logo_not_hex, QRS_DATABASE_ERROR_INVALID, "hexadecimal" },
    { "too many tags", too_many_tags, QRS_DATABASE_ERROR_INVALID, "50 tags" },
  };
  g_autoptr(QrsCodeStore) store = shared_store ();
  g_autoptr(GError) error = NULL;
  g_autofree char *before = qrs_test_sql_value (shared_name, "SELECT count(*) FROM codes");
  g_autofree char *after = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (violations); i++)
    {
      g_autoptr(QrsCode) draft = new_dynamic ("https://example.edu/fine", "Violation");
      g_autoptr(QrsCode) code = NULL;

      violations[i].change (draft);
      code = qrs_code_store_create (store, draft, NULL, &error);
      g_test_message ("%s: %s", violations[i].what, error ? error->message : "(stored!)");
      g_assert_null (code);
      g_assert_error (error, QRS_DATABASE_ERROR, violations[i].code);
      if (strstr (error->message, violations[i].fragment) == NULL)
        g_error ("%s: “%s” does not say “%s”", violations[i].what, error->message, violations[i].fragment);
      g_clear_error (&error);
    }

  after = qrs_test_sql_value (shared_name, "SELECT count(*) FROM codes");
  g_assert_cmpstr (before, ==, after);
}

static void
test_target_at_limit (void)
{
  g_autoptr(QrsCodeStore) store = shared_store ();
  g_autofree char *path = g_strnfill (2048 - strlen ("https://example.edu/"), 'b');
  g_autofree char *url = g_strconcat ("https://example.edu/", path, NULL);
  g_autoptr(QrsCode) draft = new_dynamic (url, "Longest target");
  g_autoptr(QrsCode) code = create_ok (store, draft);

  g_assert_cmpuint (strlen (qrs_code_get_target_url (code)), ==, 2048);
}

/* Text that looks like SQL, quoting or format strings is data. */
static void
test_injection_stored_verbatim (void)
{
  static const char *nasty[] = {
    "Robert'); DROP TABLE codes;--",
    "' OR '1'='1",
    "$1 $2 %s %n %x \\ \\\\ \" '",
    "{a,b} {\"c\"} NULL",
    "tab\there, newline\nthere, nul-ish \\0",
    "日本語 — ünïcödé ☃",
    "",
  };
  g_autoptr(QrsCodeStore) store = shared_store ();
  g_autoptr(QrsCode) draft = new_dynamic ("https://example.edu/?q='\";--&x=%27", nasty[0]);
  g_autoptr(QrsCode) code = NULL;
  g_autoptr(QrsCode) fetched = NULL;
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) payload = NULL;
  g_autofree char *payload_json = NULL;
  g_autoptr(GPtrArray) found = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *tables = NULL;

  json_builder_begin_object (builder);
  for (guint i = 0; i < G_N_ELEMENTS (nasty); i++)
    {
      json_builder_set_member_name (builder, nasty[i][0] ? nasty[i] : "empty");
      json_builder_add_string_value (builder, nasty[i]);
    }
  json_builder_end_object (builder);
  payload = json_builder_get_root (builder);
  payload_json = json_to_string (payload, FALSE);

  qrs_code_set_description (draft, nasty[2]);
  qrs_code_set_encoded (draft, nasty[4]);
  qrs_code_set_tags (draft, nasty);
  qrs_code_set_payload (draft, payload_json);
  qrs_code_set_design (draft, payload_json);

  code = create_ok (store, draft);
  fetched = qrs_code_store_get (store, qrs_code_get_id (code), NULL, &error);
  g_assert_no_error (error);

  g_assert_cmpstr (qrs_code_get_title (fetched), ==, nasty[0]);
  g_assert_cmpstr (qrs_code_get_description (fetched), ==, nasty[2]);
  g_assert_cmpstr (qrs_code_get_target_url (fetched), ==, "https://example.edu/?q='\";--&x=%27");
  g_assert_true (g_strv_equal (qrs_code_get_tags (fetched), nasty));
  assert_json_equal (qrs_code_get_payload (fetched), payload_json);
  assert_json_equal (qrs_code_get_design (fetched), payload_json);

  /* The same strings as search queries are just words. */
  for (guint i = 0; i < G_N_ELEMENTS (nasty); i++)
    {
      g_clear_pointer (&found, g_ptr_array_unref);
      found = qrs_code_store_search (store, nasty[i], 0, 5, NULL, NULL, &error);
      g_assert_no_error (error);
    }

  tables = qrs_test_sql_value (shared_name, "SELECT count(*) FROM pg_tables WHERE tablename = 'codes'");
  g_assert_cmpstr (tables, ==, "1");
}

static void
done_cb (GObject      *object,
         GAsyncResult *result,
         gpointer      user_data)
{
  *(GAsyncResult **)user_data = g_object_ref (result);
}

static gboolean
is_set (gpointer data)
{
  return *(gpointer *)data != NULL;
}

static GAsyncResult *
wait_result (GAsyncResult **slot)
{
  g_assert_true (qrs_test_wait_for (is_set, slot, 30000));
  return *slot;
}

static void
test_async (void)
{
  g_autoptr(QrsCodeStore) store = shared_store ();
  g_autoptr(QrsCode) draft = new_dynamic ("https://example.edu/async", "Async title");
  g_autoptr(QrsCode) code = NULL;
  g_autoptr(QrsCode) fetched = NULL;
  g_autoptr(QrsCode) updated = NULL;
  g_autoptr(QrsCode) targeted = NULL;
  g_autoptr(QrsCode) disabled = NULL;
  g_autoptr(QrsCode) expiring = NULL;
  g_autoptr(GPtrArray) listed = NULL;
  g_autoptr(GPtrArray) found = NULL;
  g_autoptr(GPtrArray) events = NULL;
  g_autoptr(GDateTime) expiry = g_date_time_new_utc (2030, 1, 1, 0, 0, 0);
  g_autoptr(GError) error = NULL;
  GAsyncResult *results[11] = { NULL };
  guint64 total = 0;

  qrs_code_store_create_async (store, draft, NULL, done_cb, &results[0]);
  /* The draft was copied: changing it now changes nothing stored. */
  qrs_code_set_title (draft, "Changed too late");
  code = qrs_code_store_create_finish (store, wait_result (&results[0]), &error);
  g_assert_no_error (error);
  g_assert_cmpstr (qrs_code_get_title (code), ==, "Async title");

  qrs_code_store_get_async (store, qrs_code_get_id (code), NULL, done_cb, &results[1]);
  fetched = qrs_code_store_get_finish (store, wait_result (&results[1]), &error);
  g_assert_no_error (error);
  g_assert_cmpint (qrs_code_get_id (fetched), ==, qrs_code_get_id (code));

  qrs_code_set_title (fetched, "Async title, edited");
  qrs_code_store_update_async (store, fetched, NULL, done_cb, &results[2]);
  updated = qrs_code_store_update_finish (store, wait_result (&results[2]), &error);
  g_assert_no_error (error);
  g_assert_cmpint (qrs_code_get_version (updated), ==, 2);

  /* The stale copy conflicts, asynchronously too. */
  qrs_code_store_update_async (store, fetched, NULL, done_cb, &results[3]);
  g_assert_null (qrs_code_store_update_finish (store, wait_result (&results[3]), &error));
  g_assert_error (error, QRS_DATABASE_ERROR, QRS_DATABASE_ERROR_CONFLICT);
  g_clear_error (&error);

  qrs_code_store_list_async (store, QRS_CODE_SORT_UPDATED, TRUE, 0, 5, NULL, done_cb, &results[4]);
  listed = qrs_code_store_list_finish (store, wait_result (&results[4]), &total, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (total, >=, 1);
  g_assert_cmpint (qrs_code_get_id (g_ptr_array_index (listed, 0)), ==, qrs_code_get_id (code));

  qrs_code_store_search_async (store, "edited", 0, 5, NULL, done_cb, &results[5]);
  found = qrs_code_store_search_finish (store, wait_result (&results[5]), &total, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (found->len, >=, 1);

  qrs_code_store_set_target_async (store, qrs_code_get_id (code), "https://example.edu/async-2",
                                   NULL, done_cb, &results[6]);
  targeted = qrs_code_store_set_target_finish (store, wait_result (&results[6]), &error);
  g_assert_no_error (error);
  g_assert_cmpstr (qrs_code_get_target_url (targeted), ==, "https://example.edu/async-2");

  qrs_code_store_set_enabled_async (store, qrs_code_get_id (code), FALSE, NULL, done_cb, &results[7]);
  disabled = qrs_code_store_set_enabled_finish (store, wait_result (&results[7]), &error);
  g_assert_no_error (error);
  g_assert_false (qrs_code_get_enabled (disabled));

  qrs_code_store_set_expires_at_async (store, qrs_code_get_id (code), expiry, NULL, done_cb, &results[8]);
  expiring = qrs_code_store_set_expires_at_finish (store, wait_result (&results[8]), &error);
  g_assert_no_error (error);
  g_assert_true (g_date_time_equal (qrs_code_get_expires_at (expiring), expiry));

  qrs_code_store_list_events_async (store, qrs_code_get_id (code), NULL, done_cb, &results[9]);
  events = qrs_code_store_list_events_finish (store, wait_result (&results[9]), &error);
  g_assert_no_error (error);
  g_assert_cmpuint (events->len, ==, 4);

  qrs_code_store_delete_async (store, qrs_code_get_id (code), 0, NULL, done_cb, &results[10]);
  g_assert_true (qrs_code_store_delete_finish (store, wait_result (&results[10]), &error));
  g_assert_no_error (error);

  for (guint i = 0; i < G_N_ELEMENTS (results); i++)
    g_clear_object (&results[i]);
}

static gpointer
create_many_thread (gpointer data)
{
  QrsCodeStore *store = data;

  for (guint i = 0; i < 25; i++)
    {
      g_autoptr(QrsCode) draft = new_dynamic ("https://example.edu/threads", "From a thread");
      g_autoptr(QrsCode) code = create_ok (store, draft);
    }
  return NULL;
}

/* One store, several threads, a pool smaller than the crowd. */
static void
test_threads (void)
{
  g_autofree char *name = NULL;
  g_autoptr(QrsDatabase) database = qrs_test_open_migrated (&name);
  g_autoptr(QrsCodeStore) store = qrs_code_store_new (database);
  g_autofree char *count = NULL;
  GThread *threads[4];

  qrs_database_set_max_connections (database, 2);
  for (guint i = 0; i < G_N_ELEMENTS (threads); i++)
    threads[i] = g_thread_new ("create", create_many_thread, store);
  for (guint i = 0; i < G_N_ELEMENTS (threads); i++)
    g_thread_join (threads[i]);

  count = qrs_test_sql_value (name, "SELECT count(DISTINCT short_id) FROM codes");
  g_assert_cmpstr (count, ==, "100");
}

int
main (int   argc,
      char *argv[])
{
  int status;

  g_test_init (&argc, &argv, NULL);
  qrs_test_require_server ();

  shared_database = qrs_test_open_migrated (&shared_name);

  g_test_add_func ("/code-store/create/static", test_create_static);
  g_test_add_func ("/code-store/create/dynamic", test_create_dynamic);
  g_test_add_func ("/code-store/create/chosen-short-id", test_create_chosen_short_id);
  g_test_add_func ("/code-store/short-id/generate", test_generate_short_ids);
  g_test_add_func ("/code-store/update/conflict", test_update_conflict);
  g_test_add_func ("/code-store/update/missing", test_update_missing);
  g_test_add_func ("/code-store/delete", test_delete);
  g_test_add_func ("/code-store/delete-many", test_delete_many);
  g_test_add_func ("/code-store/delete-many/async", test_delete_many_async);
  g_test_add_func ("/code-store/delete-many/partial", test_delete_many_partial);
  g_test_add_func ("/code-store/list", test_list);
  g_test_add_func ("/code-store/search/languages", test_search);
  g_test_add_func ("/code-store/search/short-id", test_search_short_id);
  g_test_add_func ("/code-store/search/broad", test_search_broad);
  g_test_add_func ("/code-store/set-fields-and-audit", test_set_fields_and_audit);
  g_test_add_func ("/code-store/constraints/violations", test_constraints);
  g_test_add_func ("/code-store/constraints/target-at-limit", test_target_at_limit);
  g_test_add_func ("/code-store/injection", test_injection_stored_verbatim);
  g_test_add_func ("/code-store/async", test_async);
  g_test_add_func ("/code-store/threads", test_threads);

  status = g_test_run ();

  g_clear_object (&shared_database);
  g_free (shared_name);
  return status;
}
