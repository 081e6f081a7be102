/* test-redirectd-db.c — qrstudio-redirectd against the real PostgreSQL
 * that tools/test starts with pg_virtualenv, connected as a login of
 * qrstudio_redirector with no more rights than the daemon gets
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
/* SCHED_IDLE. */
#define _GNU_SOURCE

#include "config.h"

#include <linux/capability.h>
#include <pwd.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

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

  /* SIGHUP reloads every route, notified or not. */
  sql (fixture, "ALTER TABLE codes DISABLE TRIGGER codes_notify");
  sql (fixture, "UPDATE codes SET target_url = 'https://example.edu/after-sighup' WHERE short_id = 'gone1234'");
  sql (fixture, "ALTER TABLE codes ENABLE TRIGGER codes_notify");
  g_usleep (200000);
  wait_for_answer (fixture, "/r/gone1234", 302, "https://example.edu/quiet-change", 0);
  g_subprocess_send_signal (fixture->daemon.process, SIGHUP);
  wait_for_answer (fixture, "/r/gone1234", 302, "https://example.edu/after-sighup", 5000);

  /* The snapshot follows the database. */
  daemon_stop (&fixture->daemon, SIGTERM);
  g_assert_true (g_file_get_contents (snapshot_path, &snapshot, NULL, NULL));
  g_assert_nonnull (strstr (snapshot, "after-sighup"));
  g_assert_nonnull (strstr (snapshot, "renamed1"));
  g_assert_null (strstr (snapshot, "open-day"));

  /* PostgreSQL down at start: every printed code still works. */
  daemon_start (&fixture->daemon, (const char *[]) { "--database=host=/nonexistent-qrstudio", "--workers=1", NULL });
  {
    g_autofree char *text = get_text (fixture, "/readyz");
    g_assert_cmpstr (text, ==, "degraded\n");
  }
  wait_for_answer (fixture, "/r/gone1234", 302, "https://example.edu/after-sighup", 0);
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

static guint64
sql_count (DbFixture  *fixture,
           const char *statement)
{
  g_autofree char *value = sql_value (fixture, statement);
  return g_ascii_strtoull (value, NULL, 10);
}

/* Waits until `statement` counts @expected, up to @timeout_ms. */
static void
wait_for_count (DbFixture  *fixture,
                const char *statement,
                guint64     expected,
                guint       timeout_ms)
{
  gint64 deadline = g_get_monotonic_time () + (gint64)timeout_ms * 1000;
  guint64 n;

  while ((n = sql_count (fixture, statement)) != expected)
    {
      if (g_get_monotonic_time () > deadline)
        {
          g_autofree char *log = read_log (&fixture->daemon);
          g_error ("%s: %" G_GUINT64_FORMAT ", not %" G_GUINT64_FORMAT " after %u ms; log:\n%s",
                   statement, n, expected, timeout_ms, log);
        }
      g_usleep (20000);
    }
}

static void
insert_two_codes (DbFixture *fixture)
{
  sql (fixture, "INSERT INTO codes (kind, payload_type, short_id, target_url) VALUES"
                " ('dynamic', 'url', 'open-day', 'https://example.edu/open-day'),"
                " ('dynamic', 'url', 'plain1', 'https://example.edu/plain')");
}

/* --database=NAME names a service of pg_service.conf (as --help and the
 * admin guide say): the routes and the scans both reach it. */
static void
test_database_by_service_name (DbFixture     *fixture,
                               gconstpointer  data)
{
  g_autofree char *service_file = g_build_filename (fixture->daemon.dir, "pg_service.conf", NULL);
  g_auto(GStrv) settings = g_strsplit (fixture->conninfo, " ", -1);
  g_autofree char *joined = g_strjoinv ("\n", settings);
  g_autofree char *contents = g_strdup_printf ("[qrs-test-service]\n%s\n", joined);

  g_assert_true (g_file_set_contents (service_file, contents, -1, NULL));
  insert_two_codes (fixture);
  /* The daemon takes our environment. */
  g_setenv ("PGSERVICEFILE", service_file, TRUE);
  daemon_start (&fixture->daemon, (const char *[]) { "--database=qrs-test-service", "--workers=1", NULL });
  g_unsetenv ("PGSERVICEFILE");
  wait_until_ready (fixture);
  {
    g_auto(Reply) reply = request (&fixture->daemon, "GET", "/r/plain1", NULL);
    g_assert_cmpuint (reply.status, ==, 302);
  }
  wait_for_count (fixture, "SELECT count(*) FROM scans", 1, 20000);
}

static void
test_scans_reach_database (DbFixture     *fixture,
                           gconstpointer  data)
{
  const char *iphone[] = { "User-Agent", "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15"
                           " (KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1",
                           "Accept-Language", "es-ES,es;q=0.9", "Referer", "https://news.example.org/a/b?c=d", NULL };
  const char *android[] = { "User-Agent", "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko)"
                            " Chrome/120.0.0.0 Mobile Safari/537.36", NULL };
  const char *bot[] = { "User-Agent", "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)", NULL };
  const char * const *who[] = { iphone, iphone, android, bot };

  insert_two_codes (fixture);
  /* A visitor hash from long ago, for the daemon's housekeeping to prune. */
  sql (fixture, "INSERT INTO scan_visitors (code_id, day, visitor_hash)"
                " VALUES (1, current_date - 30, '\\x00')");
  start_with_database (fixture, "--workers=2");
  wait_until_ready (fixture);

  for (guint i = 0; i < G_N_ELEMENTS (who); i++)
    {
      g_auto(Reply) reply = request (&fixture->daemon, "GET", "/r/open-day", who[i]);
      g_assert_cmpuint (reply.status, ==, 302);
    }

  /* Batches go out within a few hundred milliseconds on a quiet machine;
   * the first one also connects, so allow a loaded machine more. */
  wait_for_count (fixture, "SELECT count(*) FROM scans", 4, 10000);
  g_assert_cmpuint (sql_count (fixture, "SELECT count(DISTINCT event_id) FROM scans"), ==, 4);
  g_assert_cmpuint (sql_count (fixture, "SELECT count(*) FROM scans s JOIN codes c ON c.id = s.code_id"
                                        " WHERE c.short_id = 'open-day'"), ==, 4);
  /* Classified off the request path, bots kept and flagged. */
  g_assert_cmpuint (sql_count (fixture, "SELECT count(*) FROM scans WHERE device = 'mobile' AND os = 'iOS'"
                                        " AND browser = 'Mobile Safari' AND NOT is_bot"), ==, 2);
  g_assert_cmpuint (sql_count (fixture, "SELECT count(*) FROM scans WHERE os_version = '17.1'"
                                        " AND browser_version = '17.1'"), ==, 2);
  g_assert_cmpuint (sql_count (fixture, "SELECT count(*) FROM scans WHERE os = 'Android' AND os_version = '14'"
                                        " AND browser = 'Chrome Mobile' AND browser_version = '120.0'"
                                        " AND NOT is_bot"), ==, 1);
  g_assert_cmpuint (sql_count (fixture, "SELECT count(*) FROM scans WHERE is_bot"), ==, 1);
  g_assert_cmpuint (sql_count (fixture, "SELECT count(*) FROM scans WHERE language = 'es'"
                                        " AND referrer_host = 'news.example.org'"), ==, 2);
  g_assert_cmpuint (sql_count (fixture, "SELECT count(*) FROM scans WHERE octet_length (visitor_hash) = 16"), ==, 4);
  /* The rollup: three people, two of them distinct, one bot. */
  g_assert_cmpuint (sql_count (fixture, "SELECT sum(scans) FROM scan_daily"), ==, 3);
  g_assert_cmpuint (sql_count (fixture, "SELECT sum(visitors) FROM scan_daily"), ==, 2);
  g_assert_cmpuint (sql_count (fixture, "SELECT sum(bots) FROM scan_daily"), ==, 1);
  g_assert_cmpuint (metric (&fixture->daemon, "qrstudio_redirect_scans_written_total"), ==, 4);
  g_assert_cmpuint (metric (&fixture->daemon, "qrstudio_redirect_scans_pending"), ==, 0);
  /* Housekeeping after the first batch: old visitor hashes gone, the
   * partitions of the months ahead there. */
  g_assert_cmpuint (sql_count (fixture, "SELECT count(*) FROM scan_visitors WHERE day < current_date - 7"), ==, 0);
  g_assert_cmpuint (sql_count (fixture, "SELECT count(*) FROM pg_class WHERE relname ="
                                        " to_char (now () AT TIME ZONE 'UTC' + interval '3 months', '\"scans_y\"YYYY\"m\"MM')"), ==, 1);
}

/* Whether a thread may go to idle priority and come back, as the
 * daemon's writer must before it commits at idle priority. */
static gpointer
probe_idle_and_back (gpointer data)
{
  struct sched_param param = { 0 };

  return GINT_TO_POINTER (sched_setscheduler (0, SCHED_IDLE, &param) == 0 &&
                          sched_setscheduler (0, SCHED_OTHER, &param) == 0);
}

/* Holds the writer's next commit in PostgreSQL, which the rescue cannot
 * tell from a core that never comes. */
static PGconn *
lock_scans (DbFixture *fixture)
{
  const char *keywords[] = { "dbname", NULL };
  const char *values[] = { fixture->dbname, NULL };
  PGconn *lock = PQconnectdbParams (keywords, values, FALSE);
  PGresult *result;

  g_assert_cmpint (PQstatus (lock), ==, CONNECTION_OK);
  PQclear (PQexec (lock, "BEGIN"));
  result = PQexec (lock, "LOCK TABLE scans IN ACCESS EXCLUSIVE MODE");
  g_assert_cmpint (PQresultStatus (result), ==, PGRES_COMMAND_OK);
  PQclear (result);
  return lock;
}

static void
unlock_scans (PGconn *lock)
{
  PQclear (PQexec (lock, "COMMIT"));
  PQfinish (lock);
}

/* Three scans whose commit PostgreSQL holds: the rescue puts it back to
 * the normal priority once, and the scans arrive once the lock goes. */
static void
expect_held_commit_rescued (DbFixture *fixture)
{
  gint64 deadline;
  PGconn *lock;

  g_assert_cmpuint (metric (&fixture->daemon, "qrstudio_redirect_scan_commits_rescued_total"), ==, 0);
  lock = lock_scans (fixture);
  for (guint i = 0; i < 3; i++)
    {
      g_auto(Reply) reply = request (&fixture->daemon, "GET", "/r/open-day", NULL);
      g_assert_cmpuint (reply.status, ==, 302);
    }
  deadline = g_get_monotonic_time () + 20 * G_USEC_PER_SEC;
  while (metric (&fixture->daemon, "qrstudio_redirect_scan_commits_rescued_total") == 0 &&
         g_get_monotonic_time () < deadline)
    g_usleep (20000);
  g_assert_cmpuint (metric (&fixture->daemon, "qrstudio_redirect_scan_commits_rescued_total"), ==, 1);

  unlock_scans (lock);
  wait_for_count (fixture, "SELECT count(*) FROM scans", 3, 20000);
  g_assert_cmpuint (metric (&fixture->daemon, "qrstudio_redirect_scans_written_total"), ==, 3);
  assert_log_quiet (&fixture->daemon);
}

/* The writer commits at idle priority while it is caught up, where a
 * busy core could leave it for long: a commit still at idle priority
 * after 50 ms is put back to the normal one. */
static void
test_commits_come_back_from_idle (DbFixture     *fixture,
                                  gconstpointer  data)
{
  if (!GPOINTER_TO_INT (g_thread_join (g_thread_new ("probe", probe_idle_and_back, NULL))))
    {
      g_test_skip ("This process may not bring a thread back from idle priority (RLIMIT_NICE below 20, "
                   "no CAP_SYS_NICE), so the daemon commits at the normal priority");
      return;
    }

  insert_two_codes (fixture);
  start_with_database (fixture, "--workers=1");
  wait_until_ready (fixture);
  expect_held_commit_rescued (fixture);
}

/* The daemon's process as the systemd unit makes it, whatever ours is:
 * no CAP_SYS_NICE, and RLIMIT_NICE as given. */
typedef struct
{
  rlim_t   nice_limit;
  gboolean drop_sys_nice;
} NiceSetup;

#define CAP_MASK(cap) (G_GUINT64_CONSTANT (1) << (cap))

/* One capability set of a /proc/PID/status, "CapEff" and the like. */
static guint64
status_caps (const char *status,
             const char *name)
{
  g_autofree char *key = g_strdup_printf ("\n%s:", name);
  const char *line = strstr (status, key);

  g_assert_nonnull (line);
  return g_ascii_strtoull (line + strlen (key), NULL, 16);
}

/* Between fork and exec, in a process that has threads: system calls
 * only.  Their failures show in the daemon's /proc files, which the
 * tests read (assert_daemon_nice()). */
static void
limit_nice (gpointer data)
{
  const NiceSetup *setup = data;
  struct rlimit limit = { setup->nice_limit, setup->nice_limit };

  setrlimit (RLIMIT_NICE, &limit);
  if (setup->drop_sys_nice)
    {
      struct __user_cap_header_struct header = { _LINUX_CAPABILITY_VERSION_3, 0 };
      struct __user_cap_data_struct caps[_LINUX_CAPABILITY_U32S_3];

      /* Root's exec takes its capabilities from the bounding set and
       * the inheritable one: out of both. */
      prctl (PR_CAPBSET_DROP, CAP_SYS_NICE, 0, 0, 0);
      if (syscall (SYS_capget, &header, caps) == 0)
        {
          caps[CAP_TO_INDEX (CAP_SYS_NICE)].inheritable &= ~CAP_TO_MASK (CAP_SYS_NICE);
          syscall (SYS_capset, &header, caps);
        }
    }
}

/* Fills @setup for a daemon with RLIMIT_NICE @nice_limit and without
 * CAP_SYS_NICE, or skips the test when this process cannot make one. */
static gboolean
nice_setup_or_skip (NiceSetup *setup,
                    rlim_t     nice_limit)
{
  g_autofree char *status = NULL;
  struct rlimit ours;
  guint64 effective;

  g_assert_true (g_file_get_contents ("/proc/self/status", &status, NULL, NULL));
  effective = status_caps (status, "CapEff");
  g_assert_cmpint (getrlimit (RLIMIT_NICE, &ours), ==, 0);
  if (ours.rlim_max < nice_limit && (effective & CAP_MASK (CAP_SYS_RESOURCE)) == 0)
    {
      g_autofree char *reason = g_strdup_printf ("The hard RLIMIT_NICE here is %lu and this process lacks "
                                                 "CAP_SYS_RESOURCE to raise it to %lu for the daemon",
                                                 (gulong)ours.rlim_max, (gulong)nice_limit);
      g_test_skip (reason);
      return FALSE;
    }

  /* A process of root's gets every capability of its bounding set at
   * exec; another one only its ambient ones (the daemon has no file
   * capabilities). */
  setup->nice_limit = nice_limit;
  setup->drop_sys_nice = getuid () == 0 || geteuid () == 0 ||
                         (status_caps (status, "CapAmb") & CAP_MASK (CAP_SYS_NICE)) != 0;
  if (setup->drop_sys_nice && (effective & CAP_MASK (CAP_SETPCAP)) == 0)
    {
      g_test_skip ("The daemon would have CAP_SYS_NICE, and this process lacks CAP_SETPCAP "
                   "to take it out of the daemon's bounding set");
      return FALSE;
    }
  return TRUE;
}

/* Without this, a test of the daemon without CAP_SYS_NICE proves
 * nothing. */
static void
assert_daemon_nice (DbFixture *fixture,
                    rlim_t     nice_limit)
{
  g_autofree char *status = daemon_proc (&fixture->daemon, "status");
  g_autofree char *limits = daemon_proc (&fixture->daemon, "limits");
  const char *line = strstr (limits, "Max nice priority");
  char *end;

  g_assert_cmpuint (status_caps (status, "CapEff") & CAP_MASK (CAP_SYS_NICE), ==, 0);
  g_assert_cmpuint (status_caps (status, "CapPrm") & CAP_MASK (CAP_SYS_NICE), ==, 0);
  g_assert_nonnull (line);
  line += strlen ("Max nice priority");
  g_assert_cmpuint (g_ascii_strtoull (line, &end, 10), ==, nice_limit);
  g_assert_cmpuint (g_ascii_strtoull (end, NULL, 10), ==, nice_limit);
}

/* The daemon with the two codes, its RLIMIT_NICE @limit and no
 * CAP_SYS_NICE (both checked), ready. */
static void
start_with_nice (DbFixture *fixture,
                 NiceSetup *setup,
                 rlim_t     limit)
{
  insert_two_codes (fixture);
  fixture->daemon.child_setup = limit_nice;
  fixture->daemon.child_setup_data = setup;
  start_with_database (fixture, "--workers=1");
  assert_daemon_nice (fixture, limit);
  wait_until_ready (fixture);
}

/* The systemd unit's way (LimitNICE=+0, no capabilities): RLIMIT_NICE
 * alone lets a commit come back from idle priority. */
static void
test_commits_come_back_by_rlimit_nice (DbFixture     *fixture,
                                       gconstpointer  data)
{
  NiceSetup setup;

  if (!nice_setup_or_skip (&setup, 20))
    return;

  start_with_nice (fixture, &setup, 20);
  expect_held_commit_rescued (fixture);
}

/* The daemon's thread named @name; 0 if it has none. */
static pid_t
daemon_thread (DbFixture  *fixture,
               const char *name)
{
  g_autofree char *path = g_strdup_printf ("/proc/%s/task", g_subprocess_get_identifier (fixture->daemon.process));
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *tid;

  g_assert_nonnull (dir);
  while ((tid = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *comm_path = g_build_filename (path, tid, "comm", NULL);
      g_autofree char *comm = NULL;

      /* A thread may end between the listing and the read. */
      if (g_file_get_contents (comm_path, &comm, NULL, NULL) && g_strcmp0 (g_strchomp (comm), name) == 0)
        return (pid_t)g_ascii_strtoull (tid, NULL, 10);
    }
  return 0;
}

static int
thread_policy (pid_t tid)
{
  int policy = sched_getscheduler (tid);

  g_assert_cmpint (policy, >=, 0);
  return policy & ~SCHED_RESET_ON_FORK;
}

/* Neither CAP_SYS_NICE nor RLIMIT_NICE 20: a thread at idle priority
 * could never come back, nor could the rescue put it back, so the
 * writer never goes there.  A commit that PostgreSQL holds then keeps
 * the normal priority all along, and nothing is rescued.  The rescue
 * counter alone would not show a writer stuck at idle priority, since a
 * rescue that fails is not counted, and the daemon says what it chose
 * only at debug level, on the standard output the tests silence: the
 * thread's own policy is what shows. */
static void
test_commits_never_idle_without_way_back (DbFixture     *fixture,
                                          gconstpointer  data)
{
  g_autofree char *waiting = g_strdup_printf ("SELECT count(*) FROM pg_stat_activity"
                                              " WHERE usename = '%s' AND wait_event_type = 'Lock'",
                                              fixture->login);
  NiceSetup setup;
  gint64 until;
  pid_t writer;
  PGconn *lock;

  if (!nice_setup_or_skip (&setup, 0))
    return;

  start_with_nice (fixture, &setup, 0);
  writer = daemon_thread (fixture, "scan-writer");
  g_assert_cmpint (writer, >, 0);
  g_assert_cmpuint (metric (&fixture->daemon, "qrstudio_redirect_scan_commits_rescued_total"), ==, 0);

  lock = lock_scans (fixture);
  for (guint i = 0; i < 3; i++)
    {
      g_auto(Reply) reply = request (&fixture->daemon, "GET", "/r/open-day", NULL);
      g_assert_cmpuint (reply.status, ==, 302);
    }
  /* The commit under way, waiting for the lock: twenty times the 50 ms
   * after which a commit at idle priority would be rescued. */
  wait_for_count (fixture, waiting, 1, 20000);
  until = g_get_monotonic_time () + G_USEC_PER_SEC;
  while (g_get_monotonic_time () < until)
    {
      g_assert_cmpint (thread_policy (writer), ==, SCHED_OTHER);
      g_assert_cmpuint (metric (&fixture->daemon, "qrstudio_redirect_scan_commits_rescued_total"), ==, 0);
      g_usleep (20000);
    }
  g_assert_cmpuint (sql_count (fixture, waiting), ==, 1);

  unlock_scans (lock);
  wait_for_count (fixture, "SELECT count(*) FROM scans", 3, 20000);
  g_assert_cmpuint (metric (&fixture->daemon, "qrstudio_redirect_scans_written_total"), ==, 3);
  g_assert_cmpuint (metric (&fixture->daemon, "qrstudio_redirect_scan_commits_rescued_total"), ==, 0);
  g_assert_cmpint (thread_policy (writer), ==, SCHED_OTHER);
  assert_log_quiet (&fixture->daemon);
}

static void
test_graceful_stop_flushes (DbFixture     *fixture,
                            gconstpointer  data)
{
  Load load = { &fixture->daemon, NULL, 300, 0, 0, 0, 0, 0, FALSE, 0, NULL, NULL, { NULL, NULL } };

  insert_two_codes (fixture);
  /* Batches that would wait long: only the stop sends them now. */
  write_config (&fixture->daemon, "[redirectd]\nbatch-interval-ms=60000\nbatch-rows=100000\n");
  start_with_database (fixture, "--workers=2");
  wait_until_ready (fixture);
  run_load (&load, 8);
  g_assert_cmpuint (load.redirects, ==, 300);
  g_assert_cmpuint (sql_count (fixture, "SELECT count(*) FROM scans"), ==, 0);

  g_assert_cmpint (daemon_stop (&fixture->daemon, SIGTERM), <, 5 * G_USEC_PER_SEC);
  g_assert_cmpuint (sql_count (fixture, "SELECT count(DISTINCT event_id) FROM scans"), ==, 300);

  /* The ledger, which follows the database in groups, caught up before
   * the exit: a restart has nothing to send again. */
  {
    g_autoptr(GArray) pending = read_spool (&fixture->daemon);

    g_assert_cmpuint (pending->len, ==, 0);
  }
}

/* kill -9 in the middle of a load, a restart, the rest of the load: every
 * redirect the client received is in the database once. */
static void
test_kill_and_restart_loses_nothing (DbFixture     *fixture,
                                     gconstpointer  data)
{
  Load first = { &fixture->daemon, NULL, 2000, 0, 0, 0, 0, 400, FALSE, SIGKILL, NULL, NULL, { NULL, NULL } };
  Load second = { &fixture->daemon, NULL, 600, 0, 0, 0, 0, 0, FALSE, 0, NULL, NULL, { NULL, NULL } };
  g_autoptr(GError) error = NULL;
  guint concurrency = 16;
  guint64 stored, distinct;
  guint received;

  insert_two_codes (fixture);
  start_with_database (fixture, "--workers=4");
  wait_until_ready (fixture);
  run_load (&first, concurrency);
  g_assert_true (first.stopped);
  g_subprocess_wait (fixture->daemon.process, NULL, &error);
  g_assert_no_error (error);
  g_clear_object (&fixture->daemon.process);

  /* Same state directory: the new process drains what the old spooled. */
  start_with_database (fixture, "--workers=4");
  run_load (&second, concurrency);
  g_assert_cmpuint (second.redirects, ==, 600);
  received = first.redirects + second.redirects;
  daemon_stop (&fixture->daemon, SIGTERM);

  stored = sql_count (fixture, "SELECT count(*) FROM scans");
  distinct = sql_count (fixture, "SELECT count(DISTINCT event_id) FROM scans");
  g_test_message ("302s received %u, scans stored %" G_GUINT64_FORMAT, received, stored);
  g_assert_cmpuint (stored, ==, distinct);
  /* Every answered scan is stored.  A request the kill caught after its
   * scan was spooled but before its answer left is stored too, though the
   * client never saw the 302: at most one per connection in flight. */
  g_assert_cmpuint (stored, >=, received);
  g_assert_cmpuint (stored, <=, received + concurrency);
  g_assert_cmpuint (sql_count (fixture, "SELECT sum(scans) + sum(bots) FROM scan_daily"), ==, stored);
}

static void
set_login_allowed (DbFixture *fixture,
                   gboolean   allowed)
{
  g_autofree char *alter = g_strdup_printf ("ALTER ROLE \"%s\" %s", fixture->login, allowed ? "LOGIN" : "NOLOGIN");
  g_autofree char *kick = g_strdup_printf ("SELECT pg_terminate_backend (pid) FROM pg_stat_activity"
                                           " WHERE usename = '%s'", fixture->login);

  sql (fixture, alter);
  if (!allowed)
    sql (fixture, kick);
}

/* The database refuses the daemon for a while: redirects go on, scans
 * wait in the spool, and drain when it is back. */
static void
test_database_outage_drains (DbFixture     *fixture,
                             gconstpointer  data)
{
  Load load = { &fixture->daemon, NULL, 500, 0, 0, 0, 0, 0, FALSE, 0, NULL, NULL, { NULL, NULL } };

  insert_two_codes (fixture);
  start_with_database (fixture, "--workers=2");
  wait_until_ready (fixture);

  set_login_allowed (fixture, FALSE);
  run_load (&load, 8);
  g_assert_cmpuint (load.redirects, ==, 500);
  g_usleep (500000);
  g_assert_cmpuint (sql_count (fixture, "SELECT count(*) FROM scans"), ==, 0);
  g_assert_cmpuint (metric (&fixture->daemon, "qrstudio_redirect_database_up"), ==, 0);
  g_assert_cmpuint (metric (&fixture->daemon, "qrstudio_redirect_scans_pending"), ==, 500);
  g_assert_cmpuint (metric (&fixture->daemon, "qrstudio_redirect_spool_bytes"), >, 0);
  {
    g_autofree char *text = get_text (fixture, "/readyz");
    g_assert_cmpstr (text, ==, "degraded\n");
  }

  set_login_allowed (fixture, TRUE);
  wait_for_count (fixture, "SELECT count(DISTINCT event_id) FROM scans", 500, 15000);
  wait_until_ready (fixture);
  g_assert_cmpuint (sql_count (fixture, "SELECT count(*) FROM scans"), ==, 500);
}

/* A crash mid-write leaves a torn record at the end of the spool: the
 * next start skips it with a log line and stores the rest. */
static void
test_torn_record_after_crash (DbFixture     *fixture,
                              gconstpointer  data)
{
  g_autofree char *spool_dir = g_build_filename (fixture->daemon.dir, "spool", NULL);
  g_autoptr(GDir) dir = NULL;
  g_autofree char *last = NULL;
  const char *name;
  FILE *file;

  insert_two_codes (fixture);
  start_with_database (fixture, "--workers=1");
  wait_until_ready (fixture);
  set_login_allowed (fixture, FALSE);
  for (guint i = 0; i < 20; i++)
    {
      g_auto(Reply) reply = request (&fixture->daemon, "GET", "/r/plain1", NULL);
      g_assert_cmpuint (reply.status, ==, 302);
    }
  daemon_stop (&fixture->daemon, SIGKILL);

  dir = g_dir_open (spool_dir, 0, NULL);
  while ((name = g_dir_read_name (dir)) != NULL)
    if (g_str_has_suffix (name, ".spool") && (last == NULL || strcmp (name, last) > 0))
      {
        g_free (last);
        last = g_strdup (name);
      }
  g_assert_nonnull (last);
  {
    g_autofree char *path = g_build_filename (spool_dir, last, NULL);

    /* The first bytes of a record whose write never finished. */
    file = fopen (path, "ab");
    g_assert_nonnull (file);
    fwrite ("QRS1\x40\x00\x00\x00\x12\x34", 1, 10, file);
    fclose (file);
  }

  set_login_allowed (fixture, TRUE);
  start_with_database (fixture, "--workers=1");
  wait_for_count (fixture, "SELECT count(*) FROM scans", 20, 10000);
  daemon_stop (&fixture->daemon, SIGTERM);
  {
    g_autofree char *log = read_log (&fixture->daemon);
    g_assert_nonnull (strstr (log, "skipped a torn record"));
  }
  g_assert_cmpuint (sql_count (fixture, "SELECT count(*) FROM scans"), ==, 20);
}

/* The tests that stop and restart PostgreSQL get a cluster of their own,
 * with its socket in a private directory and no TCP at all: while it is
 * down, nothing else on the machine can take its place.  pg_virtualenv's
 * configuration root keeps it out of the system's clusters. */
static char *private_dir;
static char *private_cluster;

static void
run_or_fail (const char * const *argv)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *err = NULL;
  int status = 0;

  g_spawn_sync (NULL, (char **)argv, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_STDOUT_TO_DEV_NULL,
                NULL, NULL, NULL, &err, &status, &error);
  g_assert_no_error (error);
  if (!g_spawn_check_wait_status (status, NULL))
    g_error ("%s %s failed: %s", argv[0], argv[3], err);
}

static void
cluster_control (const char *action)
{
  const char *argv[] = { "pg_ctlcluster", g_getenv ("PGVERSION"), private_cluster, action,
                         "-m", "fast", NULL };

  if (g_strcmp0 (action, "start") == 0)
    argv[4] = NULL;
  run_or_fail (argv);
}

static void
private_cluster_drop (void)
{
  const char *argv[] = { "pg_dropcluster", "--stop", g_getenv ("PGVERSION"), private_cluster, NULL };

  run_or_fail (argv);
  remove_tree (private_dir);
}

/* A port nothing listens on now, from the kernel: the cluster listens on
 * a Unix socket of its own only, but pg_createcluster refuses a port that
 * another cluster or server on the machine has. */
static guint16
free_port (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocket) socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM,
                                            G_SOCKET_PROTOCOL_TCP, &error);
  g_autoptr(GSocketAddress) any = g_inet_socket_address_new_from_string ("127.0.0.1", 0);
  g_autoptr(GSocketAddress) bound = NULL;

  g_assert_no_error (error);
  g_socket_bind (socket, any, FALSE, &error);
  g_assert_no_error (error);
  bound = g_socket_get_local_address (socket, &error);
  g_assert_no_error (error);
  return g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
}

static void
private_cluster_create (void)
{
  g_autofree char *port = g_strdup_printf ("%u", free_port ());
  struct passwd *postgres = getpwnam ("postgres");
  const char *argv[] = { "pg_createcluster", g_getenv ("PGVERSION"), NULL,
                         "-d", NULL, "-s", NULL, "-l", NULL, "-p", port,
                         "-o", "listen_addresses=", "--start", "--",
                         "--auth-local=trust", "--auth-host=reject", NULL };
  g_autofree char *data = NULL;
  g_autofree char *log = NULL;

  if (g_getenv ("PGVERSION") == NULL || g_getenv ("PG_CLUSTER_CONF_ROOT") == NULL || postgres == NULL)
    {
      printf ("Bail out! The serial redirectd tests stop and start a PostgreSQL cluster of their own"
              " inside pg_virtualenv: run them with tools/test\n");
      exit (1);
    }

  private_dir = g_dir_make_tmp ("qrs-outage-XXXXXX", NULL);
  g_assert_cmpint (chown (private_dir, postgres->pw_uid, postgres->pw_gid), ==, 0);
  private_cluster = g_strdup_printf ("qrsoutage%d", (int)getpid ());
  data = g_build_filename (private_dir, "data", NULL);
  log = g_build_filename (private_dir, "log", NULL);
  argv[2] = private_cluster;
  argv[4] = data;
  argv[6] = private_dir;
  argv[8] = log;
  run_or_fail (argv);
  atexit (private_cluster_drop);

  g_setenv ("PGHOST", private_dir, TRUE);
  g_setenv ("PGPORT", port, TRUE);
  g_setenv ("PGUSER", "postgres", TRUE);
  g_setenv ("PGDATABASE", "postgres", TRUE);
  g_unsetenv ("PGPASSWORD");
}

static void
restart_async_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  gboolean *done = user_data;
  g_autoptr(GError) error = NULL;

  if (!g_subprocess_wait_check_finish (G_SUBPROCESS (source), result, &error))
    g_error ("pg_ctlcluster restart failed: %s", error->message);
  *done = TRUE;
}

static void
restart_cluster_cb (gpointer data)
{
  gboolean *done = data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GSubprocess) process = NULL;

  /* In the background: the load goes on while the server restarts. */
  process = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE, &error, "pg_ctlcluster",
                              g_getenv ("PGVERSION"), private_cluster, "restart", "-m", "fast", NULL);
  g_assert_no_error (error);
  g_subprocess_wait_check_async (process, NULL, restart_async_cb, done);
}

/* PostgreSQL restarts in the middle of a load: nothing lost, nothing twice. */
static void
test_postgres_restart_mid_load (DbFixture     *fixture,
                                gconstpointer  data)
{
  gboolean restarted = FALSE;
  Load load = { &fixture->daemon, NULL, 4000, 0, 0, 0, 0, 1000, FALSE, 0,
                restart_cluster_cb, &restarted, { NULL, NULL } };

  insert_two_codes (fixture);
  start_with_database (fixture, "--workers=2");
  wait_until_ready (fixture);
  run_load (&load, 8);
  while (!restarted)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpuint (load.redirects, ==, 4000);
  g_assert_cmpuint (load.failures, ==, 0);

  wait_for_count (fixture, "SELECT count(DISTINCT event_id) FROM scans", 4000, 30000);
  g_assert_cmpuint (sql_count (fixture, "SELECT count(*) FROM scans"), ==, 4000);
  wait_until_ready (fixture);
}

/* PostgreSQL stopped for 30 s under load, then started again. */
static void
test_postgres_stopped (DbFixture     *fixture,
                       gconstpointer  data)
{
  guint received = 0;
  gint64 until;

  insert_two_codes (fixture);
  start_with_database (fixture, "--workers=2");
  wait_until_ready (fixture);

  cluster_control ("stop");
  until = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;
  while (g_get_monotonic_time () < until)
    {
      Load load = { &fixture->daemon, NULL, 200, 0, 0, 0, 0, 0, FALSE, 0, NULL, NULL, { NULL, NULL } };

      run_load (&load, 4);
      g_assert_cmpuint (load.failures, ==, 0);
      received += load.redirects;
      g_usleep (100000);
    }
  g_assert_cmpuint (metric (&fixture->daemon, "qrstudio_redirect_database_up"), ==, 0);
  g_assert_cmpuint (metric (&fixture->daemon, "qrstudio_redirect_scans_pending"), ==, received);
  {
    g_autofree char *text = get_text (fixture, "/readyz");
    g_assert_cmpstr (text, ==, "degraded\n");
  }
  cluster_control ("start");

  wait_for_count (fixture, "SELECT count(DISTINCT event_id) FROM scans", received, 30000);
  g_assert_cmpuint (sql_count (fixture, "SELECT count(*) FROM scans"), ==, received);
  g_test_message ("%u scans answered while PostgreSQL was stopped, all stored after", received);
  wait_until_ready (fixture);
}

int
main (int   argc,
      char *argv[])
{
  gboolean serial = FALSE;

  /* "--serial": the tests that stop the shared server, run alone. */
  for (int i = 1; i < argc; i++)
    if (g_str_equal (argv[i], "--serial"))
      {
        serial = TRUE;
        memmove (argv + i, argv + i + 1, (argc - i) * sizeof (char *));
        argc--;
        break;
      }

  g_test_init (&argc, &argv, NULL);
  if (serial)
    private_cluster_create ();
  qrs_test_require_server ();

  if (serial)
    {
      g_test_add ("/redirectd-db/postgres-restart-mid-load", DbFixture, NULL, db_fixture_set_up,
                  test_postgres_restart_mid_load, db_fixture_tear_down);
      g_test_add ("/redirectd-db/postgres-stopped", DbFixture, NULL, db_fixture_set_up,
                  test_postgres_stopped, db_fixture_tear_down);
      return g_test_run ();
    }

#define ADD(path, func) \
  g_test_add (path, DbFixture, NULL, db_fixture_set_up, func, db_fixture_tear_down)

  ADD ("/redirectd-db/routes-follow-database", test_routes_follow_database);
  ADD ("/redirectd-db/hostile-ids", test_hostile_ids_stored_verbatim_never_matched);
  ADD ("/redirectd-db/scans-reach-database", test_scans_reach_database);
  ADD ("/redirectd-db/database-by-service-name", test_database_by_service_name);
  ADD ("/redirectd-db/commits-come-back-from-idle", test_commits_come_back_from_idle);
  ADD ("/redirectd-db/commits-come-back-by-rlimit-nice", test_commits_come_back_by_rlimit_nice);
  ADD ("/redirectd-db/commits-never-idle-without-way-back", test_commits_never_idle_without_way_back);
  ADD ("/redirectd-db/graceful-stop-flushes", test_graceful_stop_flushes);
  ADD ("/redirectd-db/kill-and-restart-loses-nothing", test_kill_and_restart_loses_nothing);
  ADD ("/redirectd-db/database-outage-drains", test_database_outage_drains);
  ADD ("/redirectd-db/torn-record-after-crash", test_torn_record_after_crash);

  return g_test_run ();
}
