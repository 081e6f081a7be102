/* test-asset-store.c — logos in a real database
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "qrs-asset-store.h"
#include "qrs-code-store.h"
#include "store-test-util.h"

static char *shared_name;
static QrsDatabase *shared_database;

/* Bytes that differ from test to test, so that tests do not share logos. */
static GBytes *
make_logo (gsize size)
{
  static guint8 seed;
  guint8 *data = g_malloc (size);

  seed++;
  for (gsize i = 0; i < size; i++)
    data[i] = (guint8)(i * 31 + seed);
  if (size >= 8)
    memcpy (data, "\x89PNG\r\n\x1a\n", 8);
  return g_bytes_new_take (data, size);
}

static void
test_put_get (void)
{
  g_autoptr(QrsAssetStore) store = qrs_asset_store_new (shared_database);
  g_autoptr(GBytes) logo = make_logo (5000);
  g_autoptr(GBytes) fetched = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *sha256 = NULL;
  g_autofree char *expected = g_compute_checksum_for_bytes (G_CHECKSUM_SHA256, logo);
  g_autofree char *media_type = NULL;
  g_autofree char *upper = NULL;

  sha256 = qrs_asset_store_put (store, logo, "image/png", NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (sha256, ==, expected);

  fetched = qrs_asset_store_get (store, sha256, &media_type, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (media_type, ==, "image/png");
  g_assert_true (g_bytes_equal (fetched, logo));
  g_clear_pointer (&fetched, g_bytes_unref);

  /* Hex in capitals names the same logo. */
  upper = g_ascii_strup (sha256, -1);
  fetched = qrs_asset_store_get (store, upper, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_bytes_equal (fetched, logo));
}

static void
test_deduplicated (void)
{
  g_autoptr(QrsAssetStore) store = qrs_asset_store_new (shared_database);
  g_autoptr(GBytes) logo = make_logo (1234);
  g_autoptr(GBytes) copy = g_bytes_new (g_bytes_get_data (logo, NULL), g_bytes_get_size (logo));
  g_autoptr(GError) error = NULL;
  g_autofree char *first = NULL;
  g_autofree char *second = NULL;
  g_autofree char *sql = NULL;
  g_autofree char *count = NULL;

  first = qrs_asset_store_put (store, logo, "image/png", NULL, &error);
  g_assert_no_error (error);
  second = qrs_asset_store_put (store, copy, "image/png", NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (first, ==, second);

  sql = g_strdup_printf ("SELECT count(*) FROM assets WHERE sha256 = decode('%s', 'hex')", first);
  count = qrs_test_sql_value (shared_name, sql);
  g_assert_cmpstr (count, ==, "1");
}

static void
test_size_limit (void)
{
  g_autoptr(QrsAssetStore) store = qrs_asset_store_new (shared_database);
  g_autoptr(GBytes) largest = make_logo (QRS_ASSET_MAX_BYTES);
  g_autoptr(GBytes) too_large = make_logo (QRS_ASSET_MAX_BYTES + 1);
  g_autoptr(GBytes) empty = g_bytes_new (NULL, 0);
  g_autoptr(GError) error = NULL;
  g_autofree char *sha256 = NULL;
  g_autofree char *refused = NULL;
  g_autofree char *sql = NULL;
  g_autofree char *size = NULL;

  sha256 = qrs_asset_store_put (store, largest, "image/png", NULL, &error);
  g_assert_no_error (error);
  sql = g_strdup_printf ("SELECT byte_size FROM assets WHERE sha256 = decode('%s', 'hex')", sha256);
  size = qrs_test_sql_value (shared_name, sql);
  g_assert_cmpstr (size, ==, "2097152");

  refused = qrs_asset_store_put (store, too_large, "image/png", NULL, &error);
  g_assert_null (refused);
  g_assert_error (error, QRS_DATABASE_ERROR, QRS_DATABASE_ERROR_TOO_LARGE);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, "2 MiB"));
  g_clear_error (&error);

  refused = qrs_asset_store_put (store, empty, "image/png", NULL, &error);
  g_assert_null (refused);
  g_assert_error (error, QRS_DATABASE_ERROR, QRS_DATABASE_ERROR_INVALID);
}

/* Runs @sql as the superuser and expects @constraint to refuse it. */
static void
expect_constraint (const char *dbname,
                   const char *sql,
                   const char *constraint)
{
  const char *keywords[] = { "dbname", NULL };
  const char *values[] = { dbname, NULL };
  PGconn *conn = PQconnectdbParams (keywords, values, FALSE);
  PGresult *result;

  g_assert_cmpint (PQstatus (conn), ==, CONNECTION_OK);
  result = PQexec (conn, sql);
  g_assert_cmpint (PQresultStatus (result), ==, PGRES_FATAL_ERROR);
  g_assert_cmpstr (PQresultErrorField (result, PG_DIAG_CONSTRAINT_NAME), ==, constraint);
  PQclear (result);
  PQfinish (conn);
}

/* The table holds the line even against a client that skips our checks. */
static void
test_size_limit_in_database (void)
{
  expect_constraint (shared_name,
                     "INSERT INTO assets (sha256, media_type, data) "
                     "SELECT sha256(d), 'image/png', d "
                     "  FROM (SELECT convert_to(repeat('x', 2097153), 'UTF8') AS d) AS big",
                     "assets_size_limit");
  expect_constraint (shared_name,
                     "INSERT INTO assets (sha256, media_type, data) "
                     "VALUES (sha256('\\x01'), 'image/png', '\\x02')",
                     "assets_sha256_matches");
}

static void
test_media_type (void)
{
  g_autoptr(QrsAssetStore) store = qrs_asset_store_new (shared_database);
  g_autoptr(GBytes) logo = make_logo (100);
  g_autoptr(GError) error = NULL;
  g_autofree char *sha256 = NULL;

  sha256 = qrs_asset_store_put (store, logo, "text/html", NULL, &error);
  g_assert_null (sha256);
  g_assert_error (error, QRS_DATABASE_ERROR, QRS_DATABASE_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "image"));
  g_clear_error (&error);

  sha256 = qrs_asset_store_put (store, logo, "image/svg+xml", NULL, &error);
  g_assert_no_error (error);
}

static void
test_get_missing (void)
{
  g_autoptr(QrsAssetStore) store = qrs_asset_store_new (shared_database);
  g_autoptr(GBytes) none = NULL;
  g_autoptr(GError) error = NULL;
  char *media_type = (char *)"stale";

  none = qrs_asset_store_get (store, "ab00000000000000000000000000000000000000000000000000000000000000",
                              &media_type, NULL, &error);
  g_assert_null (none);
  g_assert_null (media_type);
  g_assert_error (error, QRS_DATABASE_ERROR, QRS_DATABASE_ERROR_NOT_FOUND);
  g_clear_error (&error);

  none = qrs_asset_store_get (store, "'; DROP TABLE assets; --", NULL, NULL, &error);
  g_assert_null (none);
  g_assert_error (error, QRS_DATABASE_ERROR, QRS_DATABASE_ERROR_INVALID);
}

/* A code refers to its logo; a logo in use cannot go. */
static void
test_used_by_code (void)
{
  g_autofree char *name = NULL;
  g_autoptr(QrsDatabase) database = qrs_test_open_migrated (&name);
  g_autoptr(QrsAssetStore) assets = qrs_asset_store_new (database);
  g_autoptr(QrsCodeStore) codes = qrs_code_store_new (database);
  g_autoptr(GBytes) used = make_logo (300);
  g_autoptr(GBytes) unused = make_logo (400);
  g_autoptr(QrsCode) draft = qrs_code_new (QRS_CODE_KIND_STATIC);
  g_autoptr(QrsCode) code = NULL;
  g_autoptr(GBytes) still = NULL;
  g_autoptr(GBytes) gone = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *used_sha = NULL;
  g_autofree char *unused_sha = NULL;
  g_autofree char *sql = NULL;
  guint n_deleted = 0;

  used_sha = qrs_asset_store_put (assets, used, "image/png", NULL, &error);
  g_assert_no_error (error);
  unused_sha = qrs_asset_store_put (assets, unused, "image/jpeg", NULL, &error);
  g_assert_no_error (error);

  qrs_code_set_encoded (draft, "with a logo");
  qrs_code_set_logo_sha256 (draft, used_sha);
  code = qrs_code_store_create (codes, draft, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (qrs_code_get_logo_sha256 (code), ==, used_sha);

  g_assert_true (qrs_asset_store_delete_unused (assets, &n_deleted, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (n_deleted, ==, 1);

  still = qrs_asset_store_get (assets, used_sha, NULL, NULL, &error);
  g_assert_no_error (error);
  gone = qrs_asset_store_get (assets, unused_sha, NULL, NULL, &error);
  g_assert_null (gone);
  g_assert_error (error, QRS_DATABASE_ERROR, QRS_DATABASE_ERROR_NOT_FOUND);
  g_clear_error (&error);

  sql = g_strdup_printf ("DELETE FROM assets WHERE sha256 = decode('%s', 'hex')", used_sha);
  expect_constraint (name, sql, "codes_logo_sha256_fkey");
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

static void
test_async (void)
{
  g_autoptr(QrsAssetStore) store = qrs_asset_store_new (shared_database);
  g_autoptr(GBytes) logo = make_logo (777);
  g_autoptr(GBytes) fetched = NULL;
  g_autoptr(GAsyncResult) put_result = NULL;
  g_autoptr(GAsyncResult) get_result = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *sha256 = NULL;
  g_autofree char *media_type = NULL;

  qrs_asset_store_put_async (store, logo, "image/webp", NULL, done_cb, &put_result);
  g_assert_true (qrs_test_wait_for (is_set, &put_result, 30000));
  sha256 = qrs_asset_store_put_finish (store, put_result, &error);
  g_assert_no_error (error);

  qrs_asset_store_get_async (store, sha256, NULL, done_cb, &get_result);
  g_assert_true (qrs_test_wait_for (is_set, &get_result, 30000));
  fetched = qrs_asset_store_get_finish (store, get_result, &media_type, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (media_type, ==, "image/webp");
  g_assert_true (g_bytes_equal (fetched, logo));
}

int
main (int   argc,
      char *argv[])
{
  int status;

  g_test_init (&argc, &argv, NULL);
  qrs_test_require_server ();

  shared_database = qrs_test_open_migrated (&shared_name);

  g_test_add_func ("/asset-store/put-get", test_put_get);
  g_test_add_func ("/asset-store/deduplicated", test_deduplicated);
  g_test_add_func ("/asset-store/size-limit", test_size_limit);
  g_test_add_func ("/asset-store/size-limit-in-database", test_size_limit_in_database);
  g_test_add_func ("/asset-store/media-type", test_media_type);
  g_test_add_func ("/asset-store/get-missing", test_get_missing);
  g_test_add_func ("/asset-store/used-by-code", test_used_by_code);
  g_test_add_func ("/asset-store/async", test_async);

  status = g_test_run ();

  g_clear_object (&shared_database);
  g_free (shared_name);
  return status;
}
