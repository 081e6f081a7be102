/* redirectd-test-util.c — qrstudio-redirectd run as a process on port 0
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>

#include <glib/gstdio.h>

#include "redirectd-test-util.h"

void
remove_tree (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);
      if (g_file_test (child, G_FILE_TEST_IS_DIR))
        remove_tree (child);
      else
        g_unlink (child);
    }
  g_rmdir (path);
}

void
write_config (Fixture    *fixture,
              const char *text)
{
  g_assert_true (g_file_set_contents (fixture->config_path, text, -1, NULL));
}

char *
read_log (Fixture *fixture)
{
  g_autofree char *path = g_build_filename (fixture->dir, "log", NULL);
  char *text = NULL;

  g_file_get_contents (path, &text, NULL, NULL);
  return text ? text : g_strdup ("");
}

void
assert_log_quiet (Fixture *fixture)
{
  g_autofree char *log = read_log (fixture);

  if (strstr (log, "WARNING") != NULL || strstr (log, "CRITICAL") != NULL)
    g_error ("The daemon logged:\n%s", log);
}

/* A test that fails must not leave its daemon behind. */
static void
die_with_parent (gpointer user_data)
{
  Fixture *fixture = user_data;

  prctl (PR_SET_PDEATHSIG, SIGKILL);
  if (fixture->fd_limit > 0)
    {
      struct rlimit limit = { fixture->fd_limit, fixture->fd_limit };

      setrlimit (RLIMIT_NOFILE, &limit);
    }
  if (fixture->child_setup != NULL)
    fixture->child_setup (fixture->child_setup_data);
}

void
daemon_start (Fixture            *fixture,
              const char * const *extra)
{
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE);
  g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GError) error = NULL;
  g_autofree char *port_file = g_build_filename (fixture->dir, "port", NULL);
  g_autofree char *log_file = g_build_filename (fixture->dir, "log", NULL);
  const char *binary = g_getenv ("QRS_REDIRECTD");
  gint64 deadline = g_get_monotonic_time () + 20 * G_USEC_PER_SEC;

  g_assert_nonnull (binary);
  g_unlink (port_file);

  g_ptr_array_add (argv, g_strdup (binary));
  g_ptr_array_add (argv, g_strdup_printf ("--config=%s", fixture->config_path));
  g_ptr_array_add (argv, g_strdup ("--listen=127.0.0.1:0"));
  g_ptr_array_add (argv, g_strdup ("--metrics-listen=127.0.0.1:0"));
  g_ptr_array_add (argv, g_strdup_printf ("--state-dir=%s", fixture->dir));
  g_ptr_array_add (argv, g_strdup_printf ("--port-file=%s", port_file));
  for (guint i = 0; extra != NULL && extra[i] != NULL; i++)
    g_ptr_array_add (argv, g_strdup (extra[i]));
  g_ptr_array_add (argv, NULL);

  /* The daemon's warnings are for its log, not fatal as in the tests,
   * unless the test is about one. */
  if (fixture->fatal_warnings)
    g_subprocess_launcher_setenv (launcher, "G_DEBUG", "gc-friendly,fatal-warnings", TRUE);
  else
    g_subprocess_launcher_unsetenv (launcher, "G_DEBUG");
  if (fixture->asan_options != NULL)
    {
      const char *ours = g_getenv ("ASAN_OPTIONS");
      g_autofree char *options = ours && ours[0] ? g_strconcat (ours, ":", fixture->asan_options, NULL)
                                                 : g_strdup (fixture->asan_options);

      g_subprocess_launcher_setenv (launcher, "ASAN_OPTIONS", options, TRUE);
    }
  g_subprocess_launcher_set_stderr_file_path (launcher, log_file);
  g_subprocess_launcher_set_child_setup (launcher, die_with_parent, fixture, NULL);
  fixture->process = g_subprocess_launcher_spawnv (launcher, (const char * const *)argv->pdata, &error);
  g_assert_no_error (error);

  for (;;)
    {
      g_autofree char *text = NULL;
      g_auto(GStrv) lines = NULL;

      if (g_file_get_contents (port_file, &text, NULL, NULL) &&
          (lines = g_strsplit (text, "\n", 3)) != NULL && g_strv_length (lines) >= 2)
        {
          fixture->port = (guint16)g_ascii_strtoull (lines[0], NULL, 10);
          fixture->metrics_port = (guint16)g_ascii_strtoull (lines[1], NULL, 10);
          break;
        }
      if (g_subprocess_get_identifier (fixture->process) == NULL || g_get_monotonic_time () > deadline)
        {
          g_autofree char *log = read_log (fixture);
          g_error ("qrstudio-redirectd did not start:\n%s", log);
        }
      g_usleep (20000);
    }
  g_assert_cmpuint (fixture->port, >, 0);
}

/* Returns how long the daemon took to exit, in µs. */
gint64
daemon_stop (Fixture *fixture,
             int      signal_number)
{
  g_autoptr(GError) error = NULL;
  gint64 start = g_get_monotonic_time ();

  if (fixture->process == NULL)
    return 0;
  g_subprocess_send_signal (fixture->process, signal_number);
  g_subprocess_wait (fixture->process, NULL, &error);
  g_assert_no_error (error);
  if (signal_number != SIGKILL)
    {
      if (!g_subprocess_get_if_exited (fixture->process) || g_subprocess_get_exit_status (fixture->process) != 0)
        {
          g_autofree char *log = read_log (fixture);
          g_error ("qrstudio-redirectd did not exit cleanly:\n%s", log);
        }
    }
  g_clear_object (&fixture->process);
  return g_get_monotonic_time () - start;
}

/* The daemon's /proc/PID/FILE, whole. */
char *
daemon_proc (Fixture    *fixture,
             const char *file)
{
  g_autofree char *path = NULL;
  char *text = NULL;

  g_assert_nonnull (fixture->process);
  path = g_strdup_printf ("/proc/%s/%s", g_subprocess_get_identifier (fixture->process), file);
  g_assert_true (g_file_get_contents (path, &text, NULL, NULL));
  return text;
}

void
reply_clear (Reply *reply)
{
  g_clear_pointer (&reply->body, g_bytes_unref);
  g_clear_object (&reply->msg);
}

Reply
request (Fixture            *fixture,
         const char         *method,
         const char         *path,
         const char * const *headers)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *uri = g_strdup_printf ("http://127.0.0.1:%u%s", fixture->port, path);
  Reply reply = { 0 };

  reply.msg = soup_message_new (method, uri);
  g_assert_nonnull (reply.msg);
  soup_message_add_flags (reply.msg, SOUP_MESSAGE_NO_REDIRECT);
  for (guint i = 0; headers != NULL && headers[i] != NULL; i += 2)
    soup_message_headers_replace (soup_message_get_request_headers (reply.msg), headers[i], headers[i + 1]);
  reply.body = soup_session_send_and_read (fixture->session, reply.msg, NULL, &error);
  g_assert_no_error (error);
  reply.status = soup_message_get_status (reply.msg);
  return reply;
}

const char *
response_header (Reply      *reply,
                 const char *name)
{
  return soup_message_headers_get_one (soup_message_get_response_headers (reply->msg), name);
}

char *
body_text (Reply *reply)
{
  gsize length;
  const char *data = g_bytes_get_data (reply->body, &length);

  return g_strndup (data, length);
}

guint64
metric (Fixture    *fixture,
        const char *name)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *uri = g_strdup_printf ("http://127.0.0.1:%u/metrics", fixture->metrics_port);
  g_autoptr(SoupMessage) msg = soup_message_new ("GET", uri);
  g_autoptr(GBytes) body = soup_session_send_and_read (fixture->session, msg, NULL, &error);
  g_autofree char *text = NULL;
  g_auto(GStrv) lines = NULL;
  gsize length;
  const char *data;

  g_assert_no_error (error);
  g_assert_cmpuint (soup_message_get_status (msg), ==, 200);
  data = g_bytes_get_data (body, &length);
  text = g_strndup (data, length);
  lines = g_strsplit (text, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    if (g_str_has_prefix (lines[i], name) && lines[i][strlen (name)] == ' ')
      return g_ascii_strtoull (lines[i] + strlen (name) + 1, NULL, 10);
  g_error ("No metric %s in:\n%s", name, text);
}

GArray *
read_spool (Fixture *fixture)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_build_filename (fixture->dir, "spool", NULL);
  g_autoptr(QrsSpool) spool = NULL;
  GArray *records = g_array_new (FALSE, TRUE, sizeof (QrsScanRecord));
  QrsSpoolPosition position;

  g_array_set_clear_func (records, (GDestroyNotify)qrs_scan_record_clear);
  spool = qrs_spool_open (dir, G_MAXUINT64, 1 << 20, &error);
  g_assert_no_error (error);
  qrs_spool_get_ledger (spool, &position);
  while (qrs_spool_read (spool, &position, 10000, records, &error) > 0)
    ;
  g_assert_no_error (error);
  return records;
}

static void send_next (Load *load);



static void
load_done_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  Load *load = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) body = soup_session_send_and_read_finish (SOUP_SESSION (source), result, &error);
  SoupMessage *msg = soup_session_get_async_result_message (SOUP_SESSION (source), result);

  load->pending--;
  if (body != NULL && soup_message_get_status (msg) == 302)
    load->redirects++;
  else
    load->failures++;

  if (!load->stopped && load->stop_after > 0 && load->redirects >= load->stop_after)
    {
      /* A stop in the middle of the load. */
      load->stopped = TRUE;
      if (load->at_threshold != NULL)
        load->at_threshold (load->at_threshold_data);
      else
        g_subprocess_send_signal (load->fixture->process, load->stop_signal ? load->stop_signal : SIGTERM);
    }

  send_next (load);
  if (load->pending == 0)
    g_main_loop_quit (load->loop);
}

static void
send_next (Load *load)
{
  g_autofree char *uri = NULL;
  g_autoptr(SoupMessage) msg = NULL;

  if (load->sent >= load->to_send || (load->stopped && load->failures > 0 && load->at_threshold == NULL))
    return;
  uri = g_strdup_printf ("http://127.0.0.1:%u/r/%s", load->fixture->port,
                         load->short_ids[load->sent % 2] ? load->short_ids[load->sent % 2]
                                                         : load->sent % 2 ? "open-day" : "plain1");
  msg = soup_message_new ("GET", uri);
  soup_message_add_flags (msg, SOUP_MESSAGE_NO_REDIRECT);
  load->sent++;
  load->pending++;
  soup_session_send_and_read_async (load->fixture->session, msg, G_PRIORITY_DEFAULT, NULL, load_done_cb, load);
}

void
run_load (Load *load,
          guint concurrency)
{
  load->loop = g_main_loop_new (NULL, FALSE);
  for (guint i = 0; i < concurrency; i++)
    send_next (load);
  g_main_loop_run (load->loop);
  g_main_loop_unref (load->loop);
}
