/* test-roles.c — what each QR Studio role may and may not do, proven by
 * logging in as a member of it
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "qrs-asset-store.h"
#include "qrs-code-store.h"
#include "qrs-scan-store.h"
#include "store-test-util.h"

static char *shared_name;
static QrsDatabase *admin;
static gint64 dynamic_id;
static char *dynamic_short_id;

static QrsDatabase *
login_as (const char  *group,
          char       **user)
{
  g_autofree char *login = qrs_test_create_login (group);
  g_autofree char *conninfo = qrs_test_conninfo_for (shared_name, login, QRS_TEST_PASSWORD);
  g_autoptr(GError) error = NULL;
  QrsDatabase *database;

  database = qrs_database_new (conninfo, &error);
  g_assert_no_error (error);
  g_assert_true (qrs_database_connect (database, NULL, &error));
  g_assert_no_error (error);
  if (user != NULL)
    *user = g_steal_pointer (&login);
  return database;
}

#define assert_denied(error) \
  G_STMT_START { \
    g_assert_error ((error), QRS_DATABASE_ERROR, QRS_DATABASE_ERROR_PERMISSION_DENIED); \
    g_clear_error (&(error)); \
  } G_STMT_END

/* Runs @sql as @user and expects "permission denied" (42501). */
static void
assert_sql_denied (const char *user,
                   const char *sql)
{
  const char *keywords[] = { "dbname", "user", "password", NULL };
  const char *values[] = { shared_name, user, QRS_TEST_PASSWORD, NULL };
  PGconn *conn = PQconnectdbParams (keywords, values, FALSE);
  PGresult *result;

  g_assert_cmpint (PQstatus (conn), ==, CONNECTION_OK);
  result = PQexec (conn, sql);
  if (g_strcmp0 (PQresultErrorField (result, PG_DIAG_SQLSTATE), "42501") != 0)
    g_error ("%s may: %s (%s)", user, sql, PQresultErrorMessage (result));
  PQclear (result);
  PQfinish (conn);
}

static char *
sql_as (const char *user,
        const char *sql)
{
  const char *keywords[] = { "dbname", "user", "password", NULL };
  const char *values[] = { shared_name, user, QRS_TEST_PASSWORD, NULL };
  PGconn *conn = PQconnectdbParams (keywords, values, FALSE);
  PGresult *result;
  char *value = NULL;

  g_assert_cmpint (PQstatus (conn), ==, CONNECTION_OK);
  result = PQexec (conn, sql);
  if (PQresultStatus (result) != PGRES_TUPLES_OK && PQresultStatus (result) != PGRES_COMMAND_OK)
    g_error ("%s may not: %s (%s)", user, sql, PQresultErrorMessage (result));
  if (PQntuples (result) > 0)
    value = g_strdup (PQgetvalue (result, 0, 0));
  PQclear (result);
  PQfinish (conn);
  return value;
}

static GPtrArray *
some_scans (gint64 code_id,
            int    month)
{
  GPtrArray *scans = g_ptr_array_new_with_free_func ((GDestroyNotify)qrs_scan_free);

  for (int i = 0; i < 3; i++)
    {
      g_autoptr(GDateTime) when = g_date_time_new_utc (2023, month, 10 + i, 12, 0, 0);
      QrsScan *scan = qrs_scan_new ();

      scan->event_id = g_uuid_string_random ();
      scan->code_id = code_id;
      scan->scanned_at = g_date_time_to_unix (when) * G_USEC_PER_SEC;
      scan->user_agent = g_strdup ("Mozilla/5.0");
      scan->device = g_strdup ("Smartphone");
      scan->visitor_hash = g_bytes_new ("0123456789abcdef0123456789abcdef", 32);
      g_ptr_array_add (scans, scan);
    }
  return scans;
}

static void
test_redirector (void)
{
  g_autofree char *user = NULL;
  g_autoptr(QrsDatabase) database = login_as ("qrstudio_redirector", &user);
  g_autoptr(QrsCodeStore) codes = qrs_code_store_new (database);
  g_autoptr(QrsScanStore) scans = qrs_scan_store_new (database);
  g_autoptr(QrsAssetStore) assets = qrs_asset_store_new (database);
  g_autoptr(GPtrArray) routes = NULL;
  g_autoptr(QrsRoute) route = NULL;
  g_autoptr(QrsCode) code = NULL;
  g_autoptr(QrsCode) draft = qrs_code_new (QRS_CODE_KIND_DYNAMIC);
  g_autoptr(GPtrArray) batch = some_scans (dynamic_id, 2);
  g_autoptr(GPtrArray) later = some_scans (dynamic_id, 8);
  g_autoptr(GBytes) logo = g_bytes_new ("\x89PNG", 4);
  g_autoptr(GError) error = NULL;
  g_autofree char *sha256 = NULL;
  g_autofree char *pruned = NULL;
  guint n_inserted = 0;

  /* It reads routes, and the schema version. */
  g_assert_true (qrs_database_check_schema (database, NULL, &error));
  g_assert_no_error (error);
  routes = qrs_code_store_list_routes (codes, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (routes->len, >=, 1);
  route = qrs_code_store_get_route (codes, dynamic_short_id, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (route->target_url, ==, "https://example.edu/route");

  /* It records scans, idempotently, creating partitions as needed. */
  qrs_scan_store_insert (scans, (QrsScan * const *)batch->pdata, batch->len,
                         &n_inserted, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (n_inserted, ==, 3);
  g_assert_true (qrs_scan_store_insert (scans, (QrsScan * const *)batch->pdata, batch->len,
                                        &n_inserted, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (n_inserted, ==, 0);
  g_assert_true (qrs_scan_store_insert (scans, (QrsScan * const *)later->pdata, later->len,
                                        &n_inserted, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (n_inserted, ==, 3);
  pruned = sql_as (user, "SELECT qrstudio_prune_scan_visitors(interval '7 days')");
  g_assert_cmpstr (pruned, ==, "6");

  /* It cannot read a code's payload, nor change, add or remove codes. */
  code = qrs_code_store_get (codes, dynamic_id, NULL, &error);
  g_assert_null (code);
  assert_denied (error);
  code = qrs_code_store_set_target (codes, dynamic_id, "https://evil.example/", NULL, &error);
  g_assert_null (code);
  assert_denied (error);
  code = qrs_code_store_set_enabled (codes, dynamic_id, FALSE, NULL, &error);
  g_assert_null (code);
  assert_denied (error);
  qrs_code_set_target_url (draft, "https://example.edu/");
  code = qrs_code_store_create (codes, draft, NULL, &error);
  g_assert_null (code);
  assert_denied (error);
  g_assert_false (qrs_code_store_delete (codes, dynamic_id, 0, NULL, &error));
  assert_denied (error);
  sha256 = qrs_asset_store_put (assets, logo, "image/png", NULL, &error);
  g_assert_null (sha256);
  assert_denied (error);

  assert_sql_denied (user, "UPDATE codes SET target_url = 'https://evil.example/'");
  assert_sql_denied (user, "SELECT payload FROM codes");
  assert_sql_denied (user, "SELECT title FROM codes");
  assert_sql_denied (user, "DELETE FROM scans");
  assert_sql_denied (user, "UPDATE scans SET is_bot = true");
  assert_sql_denied (user, "SELECT user_agent FROM scans");
  assert_sql_denied (user, "DELETE FROM scan_daily");
  assert_sql_denied (user, "TRUNCATE scans");
  assert_sql_denied (user, "SELECT * FROM code_events");
  assert_sql_denied (user, "INSERT INTO code_events (code_id, action) VALUES (1, 'delete')");
  assert_sql_denied (user, "CREATE TABLE public.mine (x int)");
  assert_sql_denied (user, "SELECT qrstudio_rebuild_scan_daily('2023-01-01', '2023-12-31')");
}

static void
test_viewer (void)
{
  g_autofree char *user = NULL;
  g_autoptr(QrsDatabase) database = login_as ("qrstudio_viewer", &user);
  g_autoptr(QrsCodeStore) codes = qrs_code_store_new (database);
  g_autoptr(QrsScanStore) scans = qrs_scan_store_new (database);
  g_autoptr(QrsAssetStore) assets = qrs_asset_store_new (database);
  g_autoptr(QrsCode) code = NULL;
  g_autoptr(QrsCode) changed = NULL;
  g_autoptr(QrsCode) draft = qrs_code_new (QRS_CODE_KIND_STATIC);
  g_autoptr(GPtrArray) listed = NULL;
  g_autoptr(GPtrArray) found = NULL;
  g_autoptr(GPtrArray) events = NULL;
  g_autoptr(GArray) days = NULL;
  g_autoptr(GArray) devices = NULL;
  g_autoptr(GPtrArray) batch = some_scans (dynamic_id, 3);
  g_autoptr(GOutputStream) stream = g_memory_output_stream_new_resizable ();
  g_autoptr(GBytes) logo = g_bytes_new ("\x89PNG", 4);
  g_autoptr(GError) error = NULL;
  g_autofree char *sha256 = NULL;
  GDate first, last;
  guint n_inserted = 0;
  guint n_deleted = 0;

  /* It reads everything the app shows. */
  listed = qrs_code_store_list (codes, QRS_CODE_SORT_ID, FALSE, 0, 0, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (listed->len, >=, 1);
  found = qrs_code_store_search (codes, "route", 0, 10, NULL, NULL, &error);
  g_assert_no_error (error);
  code = qrs_code_store_get (codes, dynamic_id, NULL, &error);
  g_assert_no_error (error);
  events = qrs_code_store_list_events (codes, dynamic_id, NULL, &error);
  g_assert_no_error (error);

  g_date_clear (&first, 1);
  g_date_clear (&last, 1);
  g_date_set_dmy (&first, 1, 1, 2023);
  g_date_set_dmy (&last, 31, 12, 2023);
  days = qrs_scan_store_count_by_day (scans, 0, &first, &last, NULL, &error);
  g_assert_no_error (error);
  devices = qrs_scan_store_count_by (scans, QRS_SCAN_DIMENSION_DEVICE, 0, &first, &last, 0, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (qrs_scan_store_export_csv (scans, 0, NULL, NULL, stream, NULL, NULL, &error));
  g_assert_no_error (error);

  /* It writes nothing. */
  qrs_code_set_title (code, "Viewer was here");
  changed = qrs_code_store_update (codes, code, NULL, &error);
  g_assert_null (changed);
  assert_denied (error);
  changed = qrs_code_store_set_target (codes, dynamic_id, "https://example.edu/viewer", NULL, &error);
  g_assert_null (changed);
  assert_denied (error);
  changed = qrs_code_store_set_expires_at (codes, dynamic_id, NULL, NULL, &error);
  g_assert_null (changed);
  assert_denied (error);
  qrs_code_set_encoded (draft, "x");
  changed = qrs_code_store_create (codes, draft, NULL, &error);
  g_assert_null (changed);
  assert_denied (error);
  g_assert_false (qrs_code_store_delete (codes, dynamic_id, 0, NULL, &error));
  assert_denied (error);
  sha256 = qrs_asset_store_put (assets, logo, "image/png", NULL, &error);
  g_assert_null (sha256);
  assert_denied (error);
  g_assert_false (qrs_asset_store_delete_unused (assets, &n_deleted, NULL, &error));
  assert_denied (error);
  g_assert_false (qrs_scan_store_insert (scans, (QrsScan * const *)batch->pdata, batch->len,
                                         &n_inserted, NULL, &error));
  assert_denied (error);

  assert_sql_denied (user, "DELETE FROM scans");
  assert_sql_denied (user, "INSERT INTO scan_daily (code_id, day) VALUES (1, '2023-01-01')");
  assert_sql_denied (user, "UPDATE code_events SET actor = 'nobody'");
  assert_sql_denied (user, "SELECT * FROM scan_visitors");
  assert_sql_denied (user, "SELECT qrstudio_ensure_scan_partitions(interval '1 month')");
}

static void
test_editor (void)
{
  g_autofree char *user = NULL;
  g_autoptr(QrsDatabase) database = login_as ("qrstudio_editor", &user);
  g_autoptr(QrsCodeStore) codes = qrs_code_store_new (database);
  g_autoptr(QrsScanStore) scans = qrs_scan_store_new (database);
  g_autoptr(QrsScanStore) admin_scans = qrs_scan_store_new (admin);
  g_autoptr(QrsAssetStore) assets = qrs_asset_store_new (database);
  g_autoptr(QrsCode) draft = qrs_code_new (QRS_CODE_KIND_DYNAMIC);
  g_autoptr(QrsCode) code = NULL;
  g_autoptr(QrsCode) changed = NULL;
  g_autoptr(GPtrArray) events = NULL;
  g_autoptr(GPtrArray) batch = NULL;
  g_autoptr(GBytes) logo = g_bytes_new ("\x89PNG editor", 11);
  g_autoptr(GError) error = NULL;
  g_autofree char *sha256 = NULL;
  g_autofree char *actor = NULL;
  g_autofree char *sql = NULL;
  guint n_inserted = 0;

  sha256 = qrs_asset_store_put (assets, logo, "image/png", NULL, &error);
  g_assert_no_error (error);

  qrs_code_set_target_url (draft, "https://example.edu/editor");
  qrs_code_set_logo_sha256 (draft, sha256);
  code = qrs_code_store_create (codes, draft, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (qrs_code_get_created_by (code), ==, user);

  changed = qrs_code_store_set_target (codes, qrs_code_get_id (code), "https://example.edu/editor-2", NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (qrs_code_get_updated_by (changed), ==, user);

  events = qrs_code_store_list_events (codes, qrs_code_get_id (code), NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (events->len, ==, 2);
  g_assert_cmpstr (((QrsCodeEvent *)g_ptr_array_index (events, 1))->actor, ==, user);

  /* The trail: an editor may add to it (the trigger does), but not say
   * who or when, and not change or remove anything. */
  actor = sql_as (user, "INSERT INTO code_events (code_id, action, actor, happened_at) "
                        "VALUES (1, 'update', 'someone-else', '2000-01-01') RETURNING actor");
  g_assert_cmpstr (actor, ==, user);
  assert_sql_denied (user, "UPDATE code_events SET actor = 'someone-else'");
  assert_sql_denied (user, "DELETE FROM code_events");
  /* Nor the stamp on a code. */
  g_free (actor);
  sql = g_strdup_printf ("UPDATE codes SET created_by = 'someone-else', title = 'x' "
                         "WHERE id = %" G_GINT64_FORMAT " RETURNING created_by", qrs_code_get_id (code));
  actor = sql_as (user, sql);
  g_assert_cmpstr (actor, ==, user);

  /* Scans are the daemon's to write … */
  batch = some_scans (qrs_code_get_id (code), 4);
  g_assert_false (qrs_scan_store_insert (scans, (QrsScan * const *)batch->pdata, batch->len,
                                         &n_inserted, NULL, &error));
  assert_denied (error);
  assert_sql_denied (user, "CREATE ROLE sneaky");
  assert_sql_denied (user, "DROP TABLE scans");

  /* … but deleting a code takes its scans along. */
  g_assert_true (qrs_scan_store_insert (admin_scans, (QrsScan * const *)batch->pdata, batch->len,
                                        &n_inserted, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (qrs_code_store_delete (codes, qrs_code_get_id (code), 0, NULL, &error));
  g_assert_no_error (error);
}

/* An administrator who owns the database but is no superuser can migrate
 * it (once the roles exist on the server). */
static void
test_migrate_as_owner (void)
{
  g_autofree char *owner = qrs_test_create_login (NULL);
  g_autofree char *name = qrs_test_create_database ();
  g_autofree char *sql = g_strdup_printf ("ALTER DATABASE \"%s\" OWNER TO \"%s\"", name, owner);
  g_autofree char *conninfo = qrs_test_conninfo_for (name, owner, QRS_TEST_PASSWORD);
  g_autoptr(QrsDatabase) database = NULL;
  g_autoptr(GError) error = NULL;
  guint n_applied = 0;

  PQclear (qrs_test_sql ("postgres", sql));

  database = qrs_database_new (conninfo, &error);
  g_assert_no_error (error);
  g_assert_true (qrs_database_migrate (database, &n_applied, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (n_applied, ==, qrs_database_get_program_schema_version ());
}

/* An editor's program may run the migrations at start: with nothing to
 * apply that must succeed, though an editor may create nothing. */
static void
test_migrate_up_to_date_as_editor (void)
{
  g_autoptr(QrsDatabase) editor = login_as ("qrstudio_editor", NULL);
  g_autoptr(GError) error = NULL;
  guint n_applied = 99;

  g_assert_true (qrs_database_migrate (editor, &n_applied, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (n_applied, ==, 0);
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(QrsCodeStore) codes = NULL;
  g_autoptr(QrsCode) draft = NULL;
  g_autoptr(QrsCode) code = NULL;
  g_autoptr(GError) error = NULL;
  int status;

  g_test_init (&argc, &argv, NULL);
  qrs_test_require_server ();

  admin = qrs_test_open_migrated (&shared_name);
  codes = qrs_code_store_new (admin);
  draft = qrs_code_new (QRS_CODE_KIND_DYNAMIC);
  qrs_code_set_target_url (draft, "https://example.edu/route");
  qrs_code_set_title (draft, "A route");
  code = qrs_code_store_create (codes, draft, NULL, &error);
  g_assert_no_error (error);
  dynamic_id = qrs_code_get_id (code);
  dynamic_short_id = g_strdup (qrs_code_get_short_id (code));

  g_test_add_func ("/roles/redirector", test_redirector);
  g_test_add_func ("/roles/viewer", test_viewer);
  g_test_add_func ("/roles/editor", test_editor);
  g_test_add_func ("/roles/migrate-as-database-owner", test_migrate_as_owner);
  g_test_add_func ("/roles/migrate-up-to-date-as-editor", test_migrate_up_to_date_as_editor);

  status = g_test_run ();

  g_clear_object (&admin);
  g_free (shared_name);
  g_free (dynamic_short_id);
  return status;
}
