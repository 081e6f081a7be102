/* test-redirectd-db.c — qrstudio-redirectd against the real PostgreSQL
 * that tools/test starts with pg_virtualenv, connected as a login of
 * qrstudio_redirector with no more rights than the daemon gets
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <signal.h>
#include <string.h>

#include <glib/gstdio.h>

#include "redirectd-test-util.h"
#include "store-test-util.h"

typedef struct
{
  Fixture  daemon;
  char    *dbname;
  char    *conninfo;
  char    *login;
} DbFixture;

static void
db_fixture_set_up (DbFixture     *fixture,
                   gconstpointer  data)
{
  g_autoptr(QrsDatabase) database = NULL;
  g_autofree char *database_flag = NULL;

  fixture->daemon.dir = g_dir_make_tmp ("qrs-redirectd-db-XXXXXX", NULL);
  fixture->daemon.config_path = g_build_filename (fixture->daemon.dir, "redirectd.conf", NULL);
  write_config (&fixture->daemon, "[redirectd]\n");
  fixture->daemon.session = soup_session_new_with_options ("max-conns", 64, "max-conns-per-host", 16,
                                                           "timeout", 10, NULL);

  database = qrs_test_open_migrated (&fixture->dbname);
  qrs_database_close (database);
  fixture->login = qrs_test_create_login ("qrstudio_redirector");
  fixture->conninfo = qrs_test_conninfo_for (fixture->dbname, fixture->login, QRS_TEST_PASSWORD);
}

static void
db_fixture_tear_down (DbFixture     *fixture,
                      gconstpointer  data)
{
  daemon_stop (&fixture->daemon, SIGTERM);
  g_clear_object (&fixture->daemon.session);
  remove_tree (fixture->daemon.dir);
  g_free (fixture->daemon.dir);
  g_free (fixture->daemon.config_path);
  g_free (fixture->dbname);
  g_free (fixture->conninfo);
  g_free (fixture->login);
}

static void
sql (DbFixture  *fixture,
     const char *statement)
{
  PGresult *result = qrs_test_sql (fixture->dbname, statement);
  PQclear (result);
}

static char *
sql_value (DbFixture  *fixture,
           const char *statement)
{
  return qrs_test_sql_value (fixture->dbname, statement);
}

static void
start_with_database (DbFixture  *fixture,
                     const char *workers)
{
  g_autofree char *database = g_strdup_printf ("--database=%s", fixture->conninfo);

  daemon_start (&fixture->daemon, (const char *[]) { database, workers, NULL });
}

static char *
get_text (DbFixture  *fixture,
          const char *path)
{
  g_auto(Reply) reply = request (&fixture->daemon, "GET", path, NULL);
  return body_text (&reply);
}

/* Polls until @path answers @status (and @location, when given); returns
 * how long that took, in µs, or fails after @timeout_ms. */
static gint64
wait_for_answer (DbFixture  *fixture,
                 const char *path,
                 guint       status,
                 const char *location,
                 guint       timeout_ms)
{
  gint64 start = g_get_monotonic_time ();
  gint64 deadline = start + (gint64)timeout_ms * 1000;

  for (;;)
    {
      g_auto(Reply) reply = request (&fixture->daemon, "GET", path, NULL);

      if (reply.status == status &&
          (location == NULL || g_strcmp0 (response_header (&reply, "Location"), location) == 0))
        return g_get_monotonic_time () - start;
      if (g_get_monotonic_time () > deadline)
        {
          g_autofree char *log = read_log (&fixture->daemon);
          g_error ("%s answered %u %s, not %u %s, after %u ms; log:\n%s", path, reply.status,
                   response_header (&reply, "Location"), status, location, timeout_ms, log);
        }
      g_usleep (5000);
    }
}

static void
wait_until_ready (DbFixture *fixture)
{
  for (guint i = 0; i < 1000; i++)
    {
      g_autofree char *text = get_text (fixture, "/readyz");

      if (g_strcmp0 (text, "ready\n") == 0)
        return;
      g_usleep (10000);
    }
  g_error ("qrstudio-redirectd never became ready");
}

static void
test_routes_follow_database (DbFixture     *fixture,
                             gconstpointer  data)
{
  g_autofree char *snapshot_path = g_build_filename (fixture->daemon.dir, "routes.json", NULL);
  g_autofree char *snapshot = NULL;
  gint64 took;

  sql (fixture, "INSERT INTO codes (kind, payload_type, short_id, target_url, utm_passthrough) VALUES"
                " ('dynamic', 'url', 'open-day', 'https://example.edu/open-day', true),"
                " ('dynamic', 'url', 'menu1234', 'https://example.edu/menu', false),"
                " ('dynamic', 'url', 'gone1234', 'https://example.edu/gone', false),"
                " ('static', 'text', NULL, NULL, false)");
  sql (fixture, "UPDATE codes SET expires_at = now() - interval '1 day' WHERE short_id = 'gone1234'");

  start_with_database (fixture, "--workers=2");
  wait_until_ready (fixture);

  wait_for_answer (fixture, "/r/open-day?utm_campaign=x", 302, "https://example.edu/open-day?utm_campaign=x", 0);
  wait_for_answer (fixture, "/r/menu1234?utm_campaign=x", 302, "https://example.edu/menu", 0);
  wait_for_answer (fixture, "/r/gone1234", 410, NULL, 0);
  wait_for_answer (fixture, "/r/nothere1", 404, NULL, 0);
  g_assert_cmpuint (metric (&fixture->daemon, "qrstudio_redirect_routes_loaded"), ==, 3);
  g_assert_cmpuint (metric (&fixture->daemon, "qrstudio_redirect_database_up"), ==, 1);
  g_assert_cmpuint (metric (&fixture->daemon, "qrstudio_redirect_routes_from_snapshot"), ==, 0);

  /* A change saved on a desktop takes effect within a second. */
  sql (fixture, "UPDATE codes SET target_url = 'https://example.edu/menu-winter' WHERE short_id = 'menu1234'");
  took = wait_for_answer (fixture, "/r/menu1234", 302, "https://example.edu/menu-winter", 1000);
  g_test_message ("target change served after %" G_GINT64_FORMAT " µs", took);

  sql (fixture, "UPDATE codes SET enabled = false WHERE short_id = 'menu1234'");
  wait_for_answer (fixture, "/r/menu1234", 410, NULL, 1000);
  sql (fixture, "UPDATE codes SET enabled = true, expires_at = NULL WHERE short_id IN ('menu1234', 'gone1234')");
  wait_for_answer (fixture, "/r/gone1234", 302, "https://example.edu/gone", 1000);
  sql (fixture, "INSERT INTO codes (kind, payload_type, short_id, target_url) VALUES"
                " ('dynamic', 'url', 'new-one1', 'https://example.edu/new')");
  wait_for_answer (fixture, "/r/new-one1", 302, "https://example.edu/new", 1000);
  sql (fixture, "UPDATE codes SET short_id = 'renamed1' WHERE short_id = 'new-one1'");
  wait_for_answer (fixture, "/r/new-one1", 404, NULL, 1000);
  wait_for_answer (fixture, "/r/renamed1", 302, "https://example.edu/new", 1000);
  sql (fixture, "DELETE FROM codes WHERE short_id = 'open-day'");
  wait_for_answer (fixture, "/r/open-day", 404, NULL, 1000);

  /* Notifications are lost with the connection: after a reconnect the
   * whole table is loaded again, changes made meanwhile included. */
  sql (fixture, "ALTER TABLE codes DISABLE TRIGGER codes_notify");
  sql (fixture, "UPDATE codes SET target_url = 'https://example.edu/quiet-change' WHERE short_id = 'gone1234'");
  sql (fixture, "ALTER TABLE codes ENABLE TRIGGER codes_notify");
  sql (fixture, "SELECT pg_terminate_backend (pid) FROM pg_stat_activity"
                " WHERE application_name = 'qrstudio-redirectd'");
  wait_for_answer (fixture, "/r/gone1234", 302, "https://example.edu/quiet-change", 10000);
  wait_until_ready (fixture);

  /* The snapshot follows the database. */
  daemon_stop (&fixture->daemon, SIGTERM);
  g_assert_true (g_file_get_contents (snapshot_path, &snapshot, NULL, NULL));
  g_assert_nonnull (strstr (snapshot, "quiet-change"));
  g_assert_nonnull (strstr (snapshot, "renamed1"));
  g_assert_null (strstr (snapshot, "open-day"));

  /* PostgreSQL down at start: every printed code still works. */
  daemon_start (&fixture->daemon, (const char *[]) { "--database=host=/nonexistent-qrstudio", "--workers=1", NULL });
  {
    g_autofree char *text = get_text (fixture, "/readyz");
    g_assert_cmpstr (text, ==, "degraded\n");
  }
  wait_for_answer (fixture, "/r/gone1234", 302, "https://example.edu/quiet-change", 0);
  wait_for_answer (fixture, "/r/renamed1", 302, "https://example.edu/new", 0);
  wait_for_answer (fixture, "/r/menu1234", 302, "https://example.edu/menu-winter", 0);
}

static void
test_hostile_ids_stored_verbatim_never_matched (DbFixture     *fixture,
                                                gconstpointer  data)
{
  /* A code whose target carries SQL metacharacters is served as is. */
  sql (fixture, "INSERT INTO codes (kind, payload_type, short_id, target_url) VALUES"
                " ('dynamic', 'url', 'quote-it', 'https://example.edu/?q=%27%3B--&x=1')");
  start_with_database (fixture, "--workers=1");
  wait_until_ready (fixture);
  wait_for_answer (fixture, "/r/quote-it", 302, "https://example.edu/?q=%27%3B--&x=1", 0);
  wait_for_answer (fixture, "/r/quote-it';--", 404, NULL, 0);
  wait_for_answer (fixture, "/r/quote-it%27%20OR%201=1", 404, NULL, 0);
  {
    g_autofree char *count = sql_value (fixture, "SELECT count(*) FROM codes");
    g_assert_cmpstr (count, ==, "1");
  }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  qrs_test_require_server ();

#define ADD(path, func) \
  g_test_add (path, DbFixture, NULL, db_fixture_set_up, func, db_fixture_tear_down)

  ADD ("/redirectd-db/routes-follow-database", test_routes_follow_database);
  ADD ("/redirectd-db/hostile-ids", test_hostile_ids_stored_verbatim_never_matched);

  return g_test_run ();
}
