/* test-local-cluster.c — the private PostgreSQL: initdb, start, stop, in
 * temporary XDG folders
 *
 * PostgreSQL will not run as root, and CI runs as root.  Then this program
 * checks that the cluster refuses root plainly, and runs its tests again
 * as the unprivileged account qrstudio-test (tools/setup creates it),
 * from a copy of itself that account can read.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gstdio.h>
#include <libpq-fe.h>

#include "qrs-code-store.h"
#include "qrs-local-cluster.h"

#define TEST_ACCOUNT "qrstudio-test"
#define AS_UNPRIVILEGED "QRS_TEST_AS_UNPRIVILEGED"
#define ROOT_REFUSAL "QRS_TEST_ROOT_REFUSAL"

/* The server a failed assertion would leave behind, stopped on abort. */
static volatile sig_atomic_t running_postmaster;

static void
abort_handler (int signum)
{
  if (running_postmaster > 0)
    {
      kill ((pid_t)running_postmaster, SIGQUIT);
      /* It may be stopped on purpose. */
      kill ((pid_t)running_postmaster, SIGCONT);
    }
  signal (signum, SIG_DFL);
  raise (signum);
}

static void
remember_postmaster (QrsLocalCluster *cluster)
{
  g_autofree char *path = g_build_filename (qrs_local_cluster_get_data_dir (cluster), "postmaster.pid", NULL);
  g_autofree char *contents = NULL;

  running_postmaster = 0;
  if (g_file_get_contents (path, &contents, NULL, NULL))
    running_postmaster = atoi (contents);
}

static void
start_ok (QrsLocalCluster *cluster)
{
  g_autoptr(GError) error = NULL;

  gboolean started = qrs_local_cluster_start (cluster, NULL, &error);

  g_assert_no_error (error);
  g_assert_true (started);
  g_assert_true (qrs_local_cluster_is_running (cluster));
  remember_postmaster (cluster);
}

static void
stop_ok (QrsLocalCluster *cluster)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (qrs_local_cluster_stop (cluster, NULL, &error));
  g_assert_no_error (error);
  g_assert_false (qrs_local_cluster_is_running (cluster));
  running_postmaster = 0;
}

static QrsDatabase *
open_database (QrsLocalCluster *cluster)
{
  g_autofree char *conninfo = qrs_local_cluster_dup_conninfo (cluster);
  g_autoptr(GError) error = NULL;
  QrsDatabase *database;

  database = qrs_database_new (conninfo, &error);
  g_assert_no_error (error);
  return database;
}

static void
test_refuses_root (void)
{
  const char *refusal = g_getenv (ROOT_REFUSAL);

  if (refusal == NULL)
    {
      g_test_skip ("not started as root, so the refusal to run as root cannot be seen here "
                   "(tools/test in CI runs as root and checks it)");
      return;
    }
  if (strcmp (refusal, "ok") != 0)
    g_error ("as root: %s", refusal);
}

static void
test_not_installed (void)
{
  g_autoptr(QrsLocalCluster) cluster = qrs_local_cluster_new (NULL, NULL);
  g_autofree char *empty = g_build_filename (g_get_user_cache_dir (), "no-postgresql", NULL);
  g_autofree char *found = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_cmpint (g_mkdir_with_parents (empty, 0700), ==, 0);
  qrs_local_cluster_set_bin_dir (cluster, empty);
  g_assert_cmpstr (qrs_local_cluster_get_bin_dir (cluster), ==, empty);

  g_assert_false (qrs_local_cluster_start (cluster, NULL, &error));
  g_assert_error (error, QRS_LOCAL_CLUSTER_ERROR, QRS_LOCAL_CLUSTER_ERROR_NOT_INSTALLED);
  g_assert_nonnull (strstr (error->message, empty));
  g_clear_error (&error);

  /* Without the override, the search finds the installed server. */
  qrs_local_cluster_set_bin_dir (cluster, NULL);
  found = qrs_local_cluster_find_bin_dir (cluster, &error);
  g_assert_no_error (error);
  g_test_message ("server programs in %s", found);
  g_assert_true (g_file_test (found, G_FILE_TEST_IS_DIR));
  g_assert_false (qrs_local_cluster_is_running (cluster));
}

static void
test_start_stop (void)
{
  g_autoptr(QrsLocalCluster) cluster = qrs_local_cluster_new (NULL, NULL);
  g_autoptr(QrsDatabase) database = NULL;
  g_autoptr(QrsCodeStore) store = NULL;
  g_autoptr(QrsCode) draft = qrs_code_new (QRS_CODE_KIND_DYNAMIC);
  g_autoptr(QrsCode) code = NULL;
  g_autoptr(QrsCode) again = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *data_dir = g_build_filename (g_get_user_data_dir (), "qrstudio", "db", NULL);
  g_autofree char *socket_dir = g_build_filename (g_get_user_runtime_dir (), "qrstudio", NULL);
  g_autofree char *socket = g_build_filename (socket_dir, ".s.PGSQL.5432", NULL);
  g_autofree char *version_file = g_build_filename (data_dir, "PG_VERSION", NULL);
  g_autofree char *marker = g_build_filename (data_dir, "qrstudio-test-marker", NULL);
  GStatBuf st;

  g_assert_cmpstr (qrs_local_cluster_get_data_dir (cluster), ==, data_dir);
  g_assert_cmpstr (qrs_local_cluster_get_socket_dir (cluster), ==, socket_dir);
  g_assert_false (qrs_local_cluster_is_running (cluster));

  /* First use: initdb, start, create and migrate the database. */
  start_ok (cluster);
  g_assert_true (g_file_test (version_file, G_FILE_TEST_IS_REGULAR));
  g_assert_true (g_file_test (socket, G_FILE_TEST_EXISTS));
  g_assert_cmpint (g_stat (data_dir, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0700);

  database = open_database (cluster);
  g_assert_true (qrs_database_check_schema (database, NULL, &error));
  g_assert_no_error (error);

  {
    g_autofree char *conninfo = qrs_local_cluster_dup_conninfo (cluster);
    const char *keywords[] = { "dbname", NULL };
    const char *values[] = { conninfo, NULL };
    PGconn *conn = PQconnectdbParams (keywords, values, TRUE);
    PGresult *result;

    g_assert_cmpint (PQstatus (conn), ==, CONNECTION_OK);
    /* No TCP at all, and the user is this account. */
    result = PQexec (conn, "SELECT current_setting('listen_addresses'), current_user, "
                           "       current_setting('server_encoding')");
    g_assert_cmpint (PQresultStatus (result), ==, PGRES_TUPLES_OK);
    g_assert_cmpstr (PQgetvalue (result, 0, 0), ==, "");
    g_assert_cmpstr (PQgetvalue (result, 0, 1), ==, g_get_user_name ());
    g_assert_cmpstr (PQgetvalue (result, 0, 2), ==, "UTF8");
    PQclear (result);
    PQfinish (conn);
  }

  store = qrs_code_store_new (database);
  qrs_code_set_target_url (draft, "https://example.edu/local");
  qrs_code_set_title (draft, "Kept across restarts");
  code = qrs_code_store_create (store, draft, NULL, &error);
  g_assert_no_error (error);

  /* Starting what runs already is no error. */
  start_ok (cluster);

  qrs_database_close (database);
  stop_ok (cluster);
  g_assert_false (g_file_test (socket, G_FILE_TEST_EXISTS));
  /* Stopping what is stopped is no error either. */
  stop_ok (cluster);

  /* Second start: the same cluster, no initdb. */
  g_assert_true (g_file_set_contents (marker, "", 0, NULL));
  start_ok (cluster);
  g_assert_true (g_file_test (marker, G_FILE_TEST_EXISTS));
  again = qrs_code_store_get (store, qrs_code_get_id (code), NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (qrs_code_get_title (again), ==, "Kept across restarts");

  qrs_database_close (database);
  stop_ok (cluster);
}

static void
done_cb (GObject      *object,
         GAsyncResult *result,
         gpointer      user_data)
{
  *(GAsyncResult **)user_data = g_object_ref (result);
}

static void
wait_result (GAsyncResult **slot)
{
  while (*slot == NULL)
    g_main_context_iteration (NULL, TRUE);
}

static void
test_async (void)
{
  g_autofree char *data_dir = g_build_filename (g_get_user_data_dir (), "elsewhere", "db", NULL);
  g_autofree char *socket_dir = g_build_filename (g_get_user_runtime_dir (), "elsewhere", NULL);
  g_autoptr(QrsLocalCluster) cluster = qrs_local_cluster_new (data_dir, socket_dir);
  g_autoptr(GAsyncResult) started = NULL;
  g_autoptr(GAsyncResult) stopped = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *conninfo = NULL;

  g_assert_cmpstr (qrs_local_cluster_get_data_dir (cluster), ==, data_dir);

  qrs_local_cluster_start_async (cluster, NULL, done_cb, &started);
  wait_result (&started);
  g_assert_true (qrs_local_cluster_start_finish (cluster, started, &error));
  g_assert_no_error (error);
  remember_postmaster (cluster);

  conninfo = qrs_local_cluster_dup_conninfo (cluster);
  g_assert_nonnull (strstr (conninfo, socket_dir));

  qrs_local_cluster_stop_async (cluster, NULL, done_cb, &stopped);
  wait_result (&stopped);
  g_assert_true (qrs_local_cluster_stop_finish (cluster, stopped, &error));
  g_assert_no_error (error);
  running_postmaster = 0;
}

/* A folder where the cluster should go that holds something else is left
 * alone, with a message that says what to do. */
static void
test_folder_in_the_way (void)
{
  g_autofree char *data_dir = g_build_filename (g_get_user_data_dir (), "in-the-way", "db", NULL);
  g_autofree char *socket_dir = g_build_filename (g_get_user_runtime_dir (), "in-the-way", NULL);
  g_autofree char *stray = g_build_filename (data_dir, "my-notes.txt", NULL);
  g_autoptr(QrsLocalCluster) cluster = qrs_local_cluster_new (data_dir, socket_dir);
  g_autoptr(GError) error = NULL;

  g_assert_cmpint (g_mkdir_with_parents (data_dir, 0700), ==, 0);
  g_assert_true (g_file_set_contents (stray, "keep me", -1, NULL));

  g_assert_false (qrs_local_cluster_start (cluster, NULL, &error));
  g_assert_error (error, QRS_LOCAL_CLUSTER_ERROR, QRS_LOCAL_CLUSTER_ERROR_FAILED);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, "Move it away"));
  g_assert_true (g_file_test (stray, G_FILE_TEST_EXISTS));
}

static char *
pid_file_path (QrsLocalCluster *cluster)
{
  return g_build_filename (qrs_local_cluster_get_data_dir (cluster), "postmaster.pid", NULL);
}

static char *
read_text (const char *path)
{
  g_autoptr(GError) error = NULL;
  char *contents = NULL;

  g_assert_true (g_file_get_contents (path, &contents, NULL, &error));
  g_assert_no_error (error);
  return contents;
}

static void
assert_text (const char *path,
             const char *expected)
{
  g_autofree char *contents = read_text (path);

  g_assert_cmpstr (contents, ==, expected);
}

/* The PID on the first line of postmaster.pid or of a socket's lock file */
static pid_t
read_lock_pid (const char *path)
{
  g_autofree char *contents = read_text (path);

  return (pid_t)atoi (contents);
}

/* Writes @path back with @pid in place of the PID on its first line. */
static void
replace_lock_pid (const char *path,
                  pid_t       pid)
{
  g_autofree char *contents = read_text (path);
  g_autofree char *replaced = NULL;
  const char *rest = strchr (contents, '\n');

  g_assert_nonnull (rest);
  replaced = g_strdup_printf ("%d%s", (int)pid, rest);
  g_assert_true (g_file_set_contents (path, replaced, -1, NULL));
}

/* Gone, or a zombie nobody has reaped (an init that does not reap keeps
 * those around, and kill () still finds them). */
static gboolean
process_is_gone (pid_t pid)
{
  g_autofree char *path = g_strdup_printf ("/proc/%d/stat", (int)pid);
  g_autofree char *stat_line = NULL;
  const char *state;

  if (kill (pid, 0) != 0)
    return TRUE;
  return g_file_get_contents (path, &stat_line, NULL, NULL)
         && (state = strrchr (stat_line, ')')) != NULL
         && state[1] == ' ' && state[2] == 'Z';
}

static void
wait_gone (pid_t pid)
{
  for (guint i = 0; i < 200 && !process_is_gone (pid); i++)
    g_usleep (G_USEC_PER_SEC / 20);
  g_assert_true (process_is_gone (pid));
}

/* The processes whose parent is @parent, from field 4 of /proc/PID/stat. */
static GArray *
children_of (pid_t parent)
{
  g_autoptr(GDir) proc = g_dir_open ("/proc", 0, NULL);
  GArray *children = g_array_new (FALSE, FALSE, sizeof (pid_t));
  const char *name;

  g_assert_nonnull (proc);
  while ((name = g_dir_read_name (proc)) != NULL)
    {
      g_autofree char *path = g_build_filename ("/proc", name, "stat", NULL);
      g_autofree char *stat_line = NULL;
      const char *after_name;
      int ppid;

      if (!g_ascii_isdigit (name[0]) || !g_file_get_contents (path, &stat_line, NULL, NULL))
        continue;
      after_name = strrchr (stat_line, ')');
      if (after_name != NULL && sscanf (after_name, ") %*c %d", &ppid) == 1 && ppid == parent)
        {
          pid_t child = (pid_t)atoi (name);

          g_array_append_val (children, child);
        }
    }
  return children;
}

/* What a crash or a power cut does: the server and all its processes end
 * at once, and nothing cleans up after them. */
static void
kill_server_hard (pid_t postmaster)
{
  g_autoptr(GArray) children = NULL;

  /* Stopped first, so that it starts no new child meanwhile. */
  g_assert_cmpint (kill (postmaster, SIGSTOP), ==, 0);
  children = children_of (postmaster);
  g_assert_cmpuint (children->len, >, 0);
  g_assert_cmpint (kill (postmaster, SIGKILL), ==, 0);
  for (guint i = 0; i < children->len; i++)
    kill (g_array_index (children, pid_t, i), SIGKILL);

  wait_gone (postmaster);
  for (guint i = 0; i < children->len; i++)
    wait_gone (g_array_index (children, pid_t, i));
  running_postmaster = 0;
}

static void
die_with_parent (gpointer user_data)
{
  prctl (PR_SET_PDEATHSIG, SIGKILL);
}

/* Some unrelated live process of this account, as a PID that a server
 * gone for good once had may name after a restart. */
static GSubprocess *
spawn_bystander (pid_t *pid)
{
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_NONE);
  g_autoptr(GError) error = NULL;
  GSubprocess *bystander;

  g_subprocess_launcher_set_child_setup (launcher, die_with_parent, NULL, NULL);
  bystander = g_subprocess_launcher_spawn (launcher, &error, "sleep", "600", NULL);
  g_assert_no_error (error);
  *pid = (pid_t)atoi (g_subprocess_get_identifier (bystander));
  return bystander;
}

static void
assert_accepts_connections (QrsLocalCluster *cluster)
{
  g_autoptr(QrsDatabase) database = open_database (cluster);
  g_autoptr(GError) error = NULL;

  g_assert_true (qrs_database_check_schema (database, NULL, &error));
  g_assert_no_error (error);
  qrs_database_close (database);
}

/* After a crash postmaster.pid stays behind, and its PID may by then name
 * some other live process (in a Flatpak sandbox, PIDs count from 1 again
 * on every start).  That is no running server, and it must not keep one
 * from starting. */
static void
test_stale_pid_file (void)
{
  g_autofree char *data_dir = g_build_filename (g_get_user_data_dir (), "crashed", "db", NULL);
  g_autofree char *socket_dir = g_build_filename (g_get_user_runtime_dir (), "crashed", NULL);
  g_autofree char *socket_lock = g_build_filename (socket_dir, ".s.PGSQL.5432.lock", NULL);
  g_autoptr(QrsLocalCluster) cluster = qrs_local_cluster_new (data_dir, socket_dir);
  g_autofree char *pid_file = pid_file_path (cluster);
  g_autofree char *left_behind = NULL;
  g_autoptr(GSubprocess) bystander = NULL;
  g_autoptr(GError) error = NULL;
  pid_t bystander_pid;
  pid_t postmaster;

  bystander = spawn_bystander (&bystander_pid);

  start_ok (cluster);
  postmaster = read_lock_pid (pid_file);
  g_assert_cmpint (read_lock_pid (socket_lock), ==, postmaster);

  kill_server_hard (postmaster);
  g_assert_true (g_file_test (pid_file, G_FILE_TEST_EXISTS));
  g_assert_true (g_file_test (socket_lock, G_FILE_TEST_EXISTS));
  /* Both lock files name the old PID, which now is the bystander's. */
  replace_lock_pid (pid_file, bystander_pid);
  replace_lock_pid (socket_lock, bystander_pid);
  left_behind = read_text (pid_file);

  g_assert_false (qrs_local_cluster_is_running (cluster));
  start_ok (cluster);
  g_assert_cmpint (read_lock_pid (pid_file), !=, bystander_pid);
  assert_accepts_connections (cluster);
  g_assert_false (process_is_gone (bystander_pid));
  stop_ok (cluster);

  /* Stopping signals nobody on the strength of such a file. */
  g_assert_true (g_file_set_contents (pid_file, left_behind, -1, NULL));
  g_assert_false (qrs_local_cluster_is_running (cluster));
  g_assert_true (qrs_local_cluster_stop (cluster, NULL, &error));
  g_assert_no_error (error);
  g_assert_false (g_file_test (pid_file, G_FILE_TEST_EXISTS));
  g_assert_false (process_is_gone (bystander_pid));

  /* The PID may be QR Studio's own, too. */
  g_assert_true (g_file_set_contents (pid_file, left_behind, -1, NULL));
  replace_lock_pid (pid_file, getpid ());
  g_assert_false (qrs_local_cluster_is_running (cluster));
  start_ok (cluster);
  g_assert_cmpint (read_lock_pid (pid_file), !=, getpid ());
  assert_accepts_connections (cluster);
  stop_ok (cluster);

  g_subprocess_force_exit (bystander);
  g_assert_true (g_subprocess_wait (bystander, NULL, NULL));
}

/* postmaster.pid of a live server of this data directory stays, whether
 * the server answers or not: removing it could let a second server onto
 * the same data. */
static void
test_live_pid_file_kept (void)
{
  g_autofree char *data_dir = g_build_filename (g_get_user_data_dir (), "live", "db", NULL);
  g_autofree char *socket_dir = g_build_filename (g_get_user_runtime_dir (), "live", NULL);
  g_autoptr(QrsLocalCluster) cluster = qrs_local_cluster_new (data_dir, socket_dir);
  g_autoptr(QrsLocalCluster) second = qrs_local_cluster_new (data_dir, socket_dir);
  g_autofree char *pid_file = pid_file_path (cluster);
  g_autofree char *held = NULL;
  g_autofree char *pid_text = NULL;
  g_autoptr(GError) error = NULL;
  pid_t postmaster;

  start_ok (cluster);
  held = read_text (pid_file);
  postmaster = read_lock_pid (pid_file);

  /* As a second QR Studio would see it. */
  g_assert_true (qrs_local_cluster_is_running (second));
  start_ok (second);
  start_ok (cluster);
  assert_text (pid_file, held);
  g_assert_false (process_is_gone (postmaster));
  assert_accepts_connections (second);

  /* Alive but not answering (stuck; here, stopped): not running, yet its
   * file stays, and starting says what to do. */
  g_assert_cmpint (kill (postmaster, SIGSTOP), ==, 0);
  g_assert_false (qrs_local_cluster_is_running (second));
  g_assert_false (qrs_local_cluster_start (second, NULL, &error));
  g_assert_error (error, QRS_LOCAL_CLUSTER_ERROR, QRS_LOCAL_CLUSTER_ERROR_FAILED);
  g_test_message ("%s", error->message);
  pid_text = g_strdup_printf ("process %d", (int)postmaster);
  g_assert_nonnull (strstr (error->message, pid_text));
  assert_text (pid_file, held);
  g_assert_cmpint (kill (postmaster, SIGCONT), ==, 0);

  g_assert_true (qrs_local_cluster_is_running (second));
  assert_text (pid_file, held);
  assert_accepts_connections (cluster);
  stop_ok (cluster);
}

/* A power cut can leave postmaster.pid empty or cut short, naming no
 * process.  With nothing working in the data directory any more, that is
 * no running server either, and it must not keep one from starting. */
static void
test_empty_pid_file (void)
{
  g_autofree char *data_dir = g_build_filename (g_get_user_data_dir (), "power-cut", "db", NULL);
  g_autofree char *socket_dir = g_build_filename (g_get_user_runtime_dir (), "power-cut", NULL);
  g_autofree char *socket_lock = g_build_filename (socket_dir, ".s.PGSQL.5432.lock", NULL);
  g_autoptr(QrsLocalCluster) cluster = qrs_local_cluster_new (data_dir, socket_dir);
  g_autofree char *pid_file = pid_file_path (cluster);
  /* "12" is not the PID of anything working in the data directory. */
  static const char * const left_behind[] = { "", "12", "garbage\n" };

  start_ok (cluster);
  for (guint i = 0; i < G_N_ELEMENTS (left_behind); i++)
    {
      g_autofree char *escaped = g_strescape (left_behind[i], NULL);
      pid_t postmaster = read_lock_pid (pid_file);

      g_test_message ("postmaster.pid left as \"%s\"", escaped);
      kill_server_hard (postmaster);
      g_assert_true (g_file_set_contents (pid_file, left_behind[i], -1, NULL));
      /* The socket's lock file still names the dead server, which postgres
       * takes for a live one while it is a zombie; an empty one it refuses
       * outright, as it does an empty postmaster.pid. */
      g_assert_cmpint (read_lock_pid (socket_lock), ==, postmaster);
      if (i == G_N_ELEMENTS (left_behind) - 1)
        g_assert_true (g_file_set_contents (socket_lock, "", 0, NULL));

      g_assert_false (qrs_local_cluster_is_running (cluster));
      start_ok (cluster);
      g_assert_cmpint (read_lock_pid (pid_file), >, 0);
      g_assert_cmpint (read_lock_pid (pid_file), !=, postmaster);
      g_assert_cmpint (read_lock_pid (socket_lock), ==, read_lock_pid (pid_file));
      assert_accepts_connections (cluster);
    }
  stop_ok (cluster);
}

/* A harmless process working in @dir, as a server that has moved into its
 * data directory but not yet written its PID would be. */
static GSubprocess *
spawn_worker_in (const char *dir,
                 pid_t      *pid)
{
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_NONE);
  g_autoptr(GError) error = NULL;
  GSubprocess *worker;

  g_subprocess_launcher_set_child_setup (launcher, die_with_parent, NULL, NULL);
  g_subprocess_launcher_set_cwd (launcher, dir);
  worker = g_subprocess_launcher_spawn (launcher, &error, "sleep", "60", NULL);
  g_assert_no_error (error);
  *pid = (pid_t)atoi (g_subprocess_get_identifier (worker));
  return worker;
}

/* postgres moves into its data directory before it creates postmaster.pid
 * and writes its PID there, so a server starting up has an empty (or, to a
 * reader, cut short) file for a moment.  While any process works in the
 * data directory such a file stays, and nobody is told to end process 0. */
static void
test_empty_pid_file_in_use (void)
{
  g_autofree char *data_dir = g_build_filename (g_get_user_data_dir (), "starting", "db", NULL);
  g_autofree char *socket_dir = g_build_filename (g_get_user_runtime_dir (), "starting", NULL);
  g_autoptr(QrsLocalCluster) cluster = qrs_local_cluster_new (data_dir, socket_dir);
  g_autofree char *pid_file = pid_file_path (cluster);
  g_autofree char *pid_text = NULL;
  g_autofree char *cut_short = NULL;
  g_autoptr(GSubprocess) worker = NULL;
  g_autoptr(GError) error = NULL;
  pid_t worker_pid;

  /* A cluster that exists, and is stopped. */
  start_ok (cluster);
  stop_ok (cluster);

  worker = spawn_worker_in (data_dir, &worker_pid);
  pid_text = g_strdup_printf ("process %d", (int)worker_pid);
  /* The first digits of the worker's PID, as a reader may catch them. */
  cut_short = g_strdup_printf ("%d", (int)worker_pid / 10);

  g_assert_true (g_file_set_contents (pid_file, "", 0, NULL));
  g_assert_false (qrs_local_cluster_is_running (cluster));
  g_assert_false (qrs_local_cluster_start (cluster, NULL, &error));
  g_assert_error (error, QRS_LOCAL_CLUSTER_ERROR, QRS_LOCAL_CLUSTER_ERROR_FAILED);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, pid_text));
  g_assert_null (strstr (error->message, "process 0"));
  g_clear_error (&error);
  assert_text (pid_file, "");

  /* Stopping signals nobody and removes nothing either. */
  g_assert_false (qrs_local_cluster_stop (cluster, NULL, &error));
  g_assert_error (error, QRS_LOCAL_CLUSTER_ERROR, QRS_LOCAL_CLUSTER_ERROR_FAILED);
  g_test_message ("%s", error->message);
  g_assert_null (strstr (error->message, "process 0"));
  g_clear_error (&error);
  assert_text (pid_file, "");

  g_assert_true (g_file_set_contents (pid_file, cut_short, -1, NULL));
  g_assert_false (qrs_local_cluster_is_running (cluster));
  g_assert_false (qrs_local_cluster_start (cluster, NULL, &error));
  g_assert_error (error, QRS_LOCAL_CLUSTER_ERROR, QRS_LOCAL_CLUSTER_ERROR_FAILED);
  g_assert_nonnull (strstr (error->message, pid_text));
  g_clear_error (&error);
  assert_text (pid_file, cut_short);

  /* Once nothing works there any more, the file is stale. */
  g_subprocess_force_exit (worker);
  g_assert_true (g_subprocess_wait (worker, NULL, NULL));
  g_assert_false (qrs_local_cluster_is_running (cluster));
  start_ok (cluster);
  g_assert_cmpint (read_lock_pid (pid_file), >, 0);
  assert_accepts_connections (cluster);
  stop_ok (cluster);
}

/* As root: see the refusal, then run everything again as qrstudio-test. */
static int
run_unprivileged (int    argc,
                  char **argv)
{
  g_autoptr(QrsLocalCluster) cluster = NULL;
  g_autoptr(GError) refusal_error = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GFile) self_file = g_file_new_for_path ("/proc/self/exe");
  g_autoptr(GFile) copy_file = NULL;
  g_autoptr(GStrvBuilder) args = g_strv_builder_new ();
  g_auto(GStrv) child_argv = NULL;
  g_auto(GStrv) child_env = NULL;
  g_autofree char *tmp = NULL;
  g_autofree char *copy = NULL;
  g_autofree char *reuid = NULL;
  g_autofree char *regid = NULL;
  const char *refusal = "ok";
  struct passwd *account;
  int status = 1;

  cluster = qrs_local_cluster_new ("/nonexistent/qrstudio/db", "/nonexistent/qrstudio");
  if (qrs_local_cluster_start (cluster, NULL, &refusal_error))
    refusal = "the private cluster started as root";
  else if (!g_error_matches (refusal_error, QRS_LOCAL_CLUSTER_ERROR, QRS_LOCAL_CLUSTER_ERROR_RUNNING_AS_ROOT)
           || strstr (refusal_error->message, "root") == NULL)
    refusal = refusal_error->message;

  account = getpwnam (TEST_ACCOUNT);
  if (account == NULL)
    {
      printf ("Bail out! Running as root, the local cluster tests need the account "
              TEST_ACCOUNT ", which tools/setup creates.\n");
      return 1;
    }

  /* The build tree may sit where that account cannot go. */
  tmp = g_dir_make_tmp ("qrs-local-cluster-XXXXXX", &error);
  g_assert_no_error (error);
  g_assert_cmpint (g_chmod (tmp, 0755), ==, 0);
  copy = g_build_filename (tmp, "test-local-cluster", NULL);
  copy_file = g_file_new_for_path (copy);
  g_assert_true (g_file_copy (self_file, copy_file, G_FILE_COPY_NONE, NULL, NULL, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpint (g_chmod (copy, 0755), ==, 0);

  reuid = g_strdup_printf ("--reuid=%u", (guint)account->pw_uid);
  regid = g_strdup_printf ("--regid=%u", (guint)account->pw_gid);
  g_strv_builder_add_many (args, "setpriv", reuid, regid, "--init-groups", "--", copy, NULL);
  for (int i = 1; i < argc; i++)
    g_strv_builder_add (args, argv[i]);
  child_argv = g_strv_builder_end (args);

  child_env = g_get_environ ();
  child_env = g_environ_setenv (child_env, AS_UNPRIVILEGED, "1", TRUE);
  child_env = g_environ_setenv (child_env, ROOT_REFUSAL, refusal, TRUE);
  child_env = g_environ_setenv (child_env, "HOME", account->pw_dir, TRUE);
  child_env = g_environ_setenv (child_env, "USER", TEST_ACCOUNT, TRUE);
  child_env = g_environ_setenv (child_env, "LOGNAME", TEST_ACCOUNT, TRUE);
  child_env = g_environ_unsetenv (child_env, "XDG_RUNTIME_DIR");

  fflush (stdout);
  if (!g_spawn_sync ("/", child_argv, child_env, G_SPAWN_SEARCH_PATH | G_SPAWN_CHILD_INHERITS_STDIN,
                     NULL, NULL, NULL, NULL, &status, &error))
    {
      printf ("Bail out! Could not run the tests as " TEST_ACCOUNT ": %s\n", error->message);
      status = 1;
    }
  else if (WIFEXITED (status))
    status = WEXITSTATUS (status);
  else
    status = 1;

  g_unlink (copy);
  g_rmdir (tmp);
  return status;
}

static void
remove_tree (GFile *file)
{
  g_autoptr(GFileEnumerator) children = NULL;
  GFileInfo *info;

  children = g_file_enumerate_children (file, G_FILE_ATTRIBUTE_STANDARD_NAME "," G_FILE_ATTRIBUTE_STANDARD_TYPE,
                                        G_FILE_QUERY_INFO_NOFOLLOW_SYMLINKS, NULL, NULL);
  while (children != NULL && (info = g_file_enumerator_next_file (children, NULL, NULL)) != NULL)
    {
      g_autoptr(GFile) child = g_file_get_child (file, g_file_info_get_name (info));

      if (g_file_info_get_file_type (info) == G_FILE_TYPE_DIRECTORY)
        remove_tree (child);
      else
        g_file_delete (child, NULL, NULL);
      g_object_unref (info);
    }
  g_file_delete (file, NULL, NULL);
}

int
main (int   argc,
      char *argv[])
{
  static const struct { const char *variable; const char *dir; } xdg[] = {
    { "HOME", "home" },
    { "XDG_CACHE_HOME", "cache" },
    { "XDG_CONFIG_HOME", "config" },
    { "XDG_DATA_HOME", "data" },
    { "XDG_RUNTIME_DIR", "runtime" },
  };
  g_autofree char *root = NULL;
  g_autoptr(GFile) root_file = NULL;
  int status;

  if (geteuid () == 0 && g_getenv (AS_UNPRIVILEGED) == NULL)
    return run_unprivileged (argc, argv);

  signal (SIGABRT, abort_handler);

  /* Temporary XDG folders, set before GLib first reads them. */
  root = g_dir_make_tmp ("qrs-local-cluster-XXXXXX", NULL);
  g_assert_nonnull (root);
  for (guint i = 0; i < G_N_ELEMENTS (xdg); i++)
    {
      g_autofree char *dir = g_build_filename (root, xdg[i].dir, NULL);

      g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
      g_setenv (xdg[i].variable, dir, TRUE);
    }

  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/local-cluster/refuses-root", test_refuses_root);
  g_test_add_func ("/local-cluster/not-installed", test_not_installed);
  g_test_add_func ("/local-cluster/start-stop", test_start_stop);
  g_test_add_func ("/local-cluster/async", test_async);
  g_test_add_func ("/local-cluster/folder-in-the-way", test_folder_in_the_way);
  g_test_add_func ("/local-cluster/stale-pid-file", test_stale_pid_file);
  g_test_add_func ("/local-cluster/live-pid-file-kept", test_live_pid_file_kept);
  g_test_add_func ("/local-cluster/empty-pid-file", test_empty_pid_file);
  g_test_add_func ("/local-cluster/empty-pid-file-in-use", test_empty_pid_file_in_use);

  status = g_test_run ();

  root_file = g_file_new_for_path (root);
  remove_tree (root_file);
  return status;
}
