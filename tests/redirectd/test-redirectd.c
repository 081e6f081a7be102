/* test-redirectd.c — qrstudio-redirectd run as a process on port 0 and
 * spoken to over loopback HTTP, as a phone and an attacker would
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <string.h>

#include <glib/gstdio.h>
#include <libsoup/soup.h>

#include "redirectd-test-util.h"

#define SNAPSHOT \
  "{\"format\":\"qrstudio-redirectd-routes\",\"version\":1,\"saved_at\":0,\"routes\":[" \
  "{\"code_id\":11,\"short_id\":\"open-day\",\"target_url\":\"https://example.edu/open-day?lang=en#top\"," \
  " \"enabled\":true,\"expires_at\":0,\"utm_passthrough\":true}," \
  "{\"code_id\":12,\"short_id\":\"plain1\",\"target_url\":\"https://example.edu/plain\"," \
  " \"enabled\":true,\"expires_at\":0,\"utm_passthrough\":false}," \
  "{\"code_id\":13,\"short_id\":\"off1\",\"target_url\":\"https://example.edu/off\"," \
  " \"enabled\":false,\"expires_at\":0,\"utm_passthrough\":false}," \
  "{\"code_id\":14,\"short_id\":\"old1\",\"target_url\":\"https://example.edu/old\"," \
  " \"enabled\":true,\"expires_at\":1000000,\"utm_passthrough\":false}" \
  "]}"


static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  g_autofree char *snapshot = NULL;

  fixture->dir = g_dir_make_tmp ("qrs-redirectd-XXXXXX", NULL);
  fixture->config_path = g_build_filename (fixture->dir, "redirectd.conf", NULL);
  write_config (fixture, "[redirectd]\n");
  if (data == NULL)
    {
      snapshot = g_build_filename (fixture->dir, "routes.json", NULL);
      g_assert_true (g_file_set_contents (snapshot, SNAPSHOT, -1, NULL));
    }
  fixture->session = soup_session_new_with_options ("max-conns", 64, "max-conns-per-host", 16,
                                                    "timeout", 10, NULL);
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  daemon_stop (fixture, SIGTERM);
  g_clear_object (&fixture->session);
  remove_tree (fixture->dir);
  g_free (fixture->dir);
  g_free (fixture->config_path);
}

/* Every answer of the public listener carries these. */
static void
assert_common_headers (Reply *reply)
{
  g_assert_cmpstr (response_header (reply, "Cache-Control"), ==, "no-store");
  g_assert_cmpstr (response_header (reply, "X-Content-Type-Options"), ==, "nosniff");
  g_assert_cmpstr (response_header (reply, "Referrer-Policy"), ==, "strict-origin-when-cross-origin");
  g_assert_null (response_header (reply, "Strict-Transport-Security"));
  g_assert_null (response_header (reply, "Server"));
}

static void
test_redirect (Fixture       *fixture,
               gconstpointer  data)
{
  const char *agent[] = { "User-Agent", "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X)", NULL };

  daemon_start (fixture, (const char *[]) { "--database=none", "--workers=2", NULL });

  {
    g_auto(Reply) reply = request (fixture, "GET", "/r/open-day", agent);
    g_assert_cmpuint (reply.status, ==, 302);
    g_assert_cmpstr (response_header (&reply, "Location"), ==, "https://example.edu/open-day?lang=en#top");
    g_assert_cmpuint (g_bytes_get_size (reply.body), ==, 0);
    assert_common_headers (&reply);
  }
  {
    g_auto(Reply) reply = request (fixture, "HEAD", "/r/plain1", agent);
    g_assert_cmpuint (reply.status, ==, 302);
    g_assert_cmpstr (response_header (&reply, "Location"), ==, "https://example.edu/plain");
    assert_common_headers (&reply);
  }
  {
    /* UTM pass-through only where the code asks for it. */
    g_auto(Reply) with = request (fixture, "GET", "/r/open-day?utm_source=poster&utm_medium=print", agent);
    g_auto(Reply) without = request (fixture, "GET", "/r/plain1?utm_source=poster", agent);

    g_assert_cmpstr (response_header (&with, "Location"), ==,
                     "https://example.edu/open-day?lang=en&utm_source=poster&utm_medium=print#top");
    g_assert_cmpstr (response_header (&without, "Location"), ==, "https://example.edu/plain");
  }
  {
    /* The scan's campaign tags go on; the target's own parameters stand. */
    g_auto(Reply) reply = request (fixture, "GET", "/r/open-day?utm_source=flyer&lang=fr", agent);

    g_assert_cmpstr (response_header (&reply, "Location"), ==,
                     "https://example.edu/open-day?lang=en&utm_source=flyer#top");
  }

  g_assert_cmpuint (metric (fixture, "qrstudio_redirect_scans_spooled_total"), ==, 5);
  g_assert_cmpuint (metric (fixture, "qrstudio_redirect_requests_total{status=\"302\"}"), ==, 5);
  g_assert_cmpuint (metric (fixture, "qrstudio_redirect_routes_loaded"), ==, 4);
  g_assert_cmpuint (metric (fixture, "qrstudio_redirect_routes_from_snapshot"), ==, 1);
  g_assert_cmpuint (metric (fixture, "qrstudio_redirect_database_up"), ==, 0);
}

static void
assert_page (Reply      *reply,
             guint       status,
             const char *language,
             const char *words)
{
  g_autofree char *text = body_text (reply);

  g_assert_cmpuint (reply->status, ==, status);
  assert_common_headers (reply);
  g_assert_cmpstr (response_header (reply, "Content-Security-Policy"), ==,
                   "default-src 'none'; style-src 'unsafe-inline'");
  g_assert_cmpstr (response_header (reply, "Content-Type"), ==, "text/html; charset=utf-8");
  g_assert_cmpstr (response_header (reply, "Content-Language"), ==, language);
  g_assert_null (response_header (reply, "Location"));
  g_assert_true (g_str_has_prefix (text, "<!DOCTYPE html>"));
  g_assert_nonnull (strstr (text, words));
}

static void
test_not_found_and_gone (Fixture       *fixture,
                         gconstpointer  data)
{
  const char *spanish[] = { "Accept-Language", "es-MX,es;q=0.9,en;q=0.4", NULL };
  const char *german[] = { "Accept-Language", "de-DE,de;q=0.9", NULL };

  daemon_start (fixture, (const char *[]) { "--database=none", "--workers=1", NULL });

  {
    g_auto(Reply) reply = request (fixture, "GET", "/r/unknown1", NULL);
    assert_page (&reply, 404, "en", "leads nowhere");
  }
  {
    g_auto(Reply) reply = request (fixture, "GET", "/r/unknown1", spanish);
    assert_page (&reply, 404, "es", "no lleva a ninguna parte");
  }
  {
    g_auto(Reply) reply = request (fixture, "GET", "/r/off1", NULL);
    assert_page (&reply, 410, "en", "no longer active");
  }
  {
    g_auto(Reply) reply = request (fixture, "GET", "/r/old1", spanish);
    assert_page (&reply, 410, "es", "ya no está activo");
  }
  {
    g_auto(Reply) reply = request (fixture, "HEAD", "/r/off1", german);
    g_assert_cmpuint (reply.status, ==, 410);
    g_assert_cmpstr (response_header (&reply, "Content-Language"), ==, "en");
    g_assert_cmpuint (g_bytes_get_size (reply.body), ==, 0);
  }
  {
    g_auto(Reply) reply = request (fixture, "GET", "/r/no", NULL);
    assert_page (&reply, 404, "en", "leads nowhere");
  }
  {
    g_auto(Reply) reply = request (fixture, "GET", "/", NULL);
    assert_page (&reply, 404, "en", "leads nowhere");
  }

  /* Neither 404 nor 410 is a scan. */
  g_assert_cmpuint (metric (fixture, "qrstudio_redirect_scans_spooled_total"), ==, 0);
  /* The short id that cannot be one never reached the table. */
  g_assert_cmpuint (metric (fixture, "qrstudio_redirect_route_lookups_total"), ==, 5);
}

static void
test_methods (Fixture       *fixture,
              gconstpointer  data)
{
  const char *methods[] = { "POST", "PUT", "DELETE", "PATCH", "OPTIONS" };

  daemon_start (fixture, (const char *[]) { "--database=none", "--workers=1", NULL });

  for (guint i = 0; i < G_N_ELEMENTS (methods); i++)
    {
      g_auto(Reply) reply = request (fixture, methods[i], "/r/open-day", NULL);

      g_assert_cmpuint (reply.status, ==, 405);
      g_assert_cmpstr (response_header (&reply, "Allow"), ==, "GET, HEAD");
      assert_common_headers (&reply);
    }
  {
    g_auto(Reply) reply = request (fixture, "POST", "/healthz", NULL);
    g_assert_cmpuint (reply.status, ==, 405);
  }
  g_assert_cmpuint (metric (fixture, "qrstudio_redirect_scans_spooled_total"), ==, 0);
  g_assert_cmpuint (metric (fixture, "qrstudio_redirect_requests_total{status=\"405\"}"), ==, 6);
}

static void
test_health (Fixture       *fixture,
             gconstpointer  data)
{
  daemon_start (fixture, (const char *[]) { "--database=none", "--workers=1", NULL });

  {
    g_auto(Reply) reply = request (fixture, "GET", "/healthz", NULL);
    g_autofree char *text = body_text (&reply);
    g_assert_cmpuint (reply.status, ==, 200);
    g_assert_cmpstr (text, ==, "ok\n");
  }
  {
    /* Routes from the snapshot: serving, but degraded. */
    g_auto(Reply) reply = request (fixture, "GET", "/readyz", NULL);
    g_autofree char *text = body_text (&reply);
    g_assert_cmpuint (reply.status, ==, 200);
    g_assert_cmpstr (text, ==, "degraded\n");
  }
  {
    /* Metrics live only on the metrics listener. */
    g_auto(Reply) reply = request (fixture, "GET", "/metrics", NULL);
    g_assert_cmpuint (reply.status, ==, 404);
  }
}

static void
test_not_ready_without_routes (Fixture       *fixture,
                               gconstpointer  data)
{
  /* No snapshot, and a database that is not there. */
  daemon_start (fixture, (const char *[]) { "--database=host=/nonexistent-qrstudio connect_timeout=1",
                                            "--workers=1", NULL });

  {
    g_auto(Reply) reply = request (fixture, "GET", "/readyz", NULL);
    g_autofree char *text = body_text (&reply);
    g_assert_cmpuint (reply.status, ==, 503);
    g_assert_cmpstr (text, ==, "not ready\n");
  }
  {
    g_auto(Reply) reply = request (fixture, "GET", "/healthz", NULL);
    g_assert_cmpuint (reply.status, ==, 200);
  }
  {
    g_auto(Reply) reply = request (fixture, "GET", "/r/open-day", NULL);
    g_assert_cmpuint (reply.status, ==, 404);
  }
}

/* Sends @raw as it is and returns the status of the answer, or 0 when the
 * server closed the connection without one. */
static guint
raw_request_to (guint16     port,
                const char *raw,
                gsize       length)
{
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autoptr(GSocketConnection) connection = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GByteArray) answer = g_byte_array_new ();
  GOutputStream *out;
  GInputStream *in;
  guint8 buffer[4096];
  gssize n;
  guint status = 0;

  g_socket_client_set_timeout (client, 10);
  connection = g_socket_client_connect_to_host (client, "127.0.0.1", port, NULL, &error);
  g_assert_no_error (error);
  out = g_io_stream_get_output_stream (G_IO_STREAM (connection));
  in = g_io_stream_get_input_stream (G_IO_STREAM (connection));

  /* The server may answer and close before reading all of a flood. */
  g_output_stream_write_all (out, raw, length, NULL, NULL, NULL);
  g_socket_shutdown (g_socket_connection_get_socket (connection), FALSE, TRUE, NULL);
  while ((n = g_input_stream_read (in, buffer, sizeof buffer, NULL, NULL)) > 0)
    g_byte_array_append (answer, buffer, n);

  if (answer->len > 12 && memcmp (answer->data, "HTTP/1.", 7) == 0)
    status = (guint)g_ascii_strtoull ((const char *)answer->data + 9, NULL, 10);
  return status;
}

/* The same, to the public listener. */
static guint
raw_request (Fixture    *fixture,
             const char *raw,
             gsize       length)
{
  return raw_request_to (fixture->port, raw, length);
}

static guint
raw_get (Fixture    *fixture,
         const char *path)
{
  g_autofree char *raw = g_strdup_printf ("GET %s HTTP/1.1\r\nHost: qr.example\r\nConnection: close\r\n\r\n", path);

  return raw_request (fixture, raw, strlen (raw));
}

static void
test_hostile_paths (Fixture       *fixture,
                    gconstpointer  data)
{
  const char *paths[] = {
    "/r/../../etc/passwd",
    "/r/%2e%2e/%2e%2e/etc/passwd",
    "/r/..%2F..%2Fetc%2Fpasswd",
    "/r/%00",
    "/r/abcd%00efgh",
    "/r/%FF%FE%FD%FC",
    "/r/\xff\xfe\xfd\xfc",
    "/r/open-day\xc3",
    "/r/abcd'%20OR%20'1'='1",
    "/r/abcd';DROP%20TABLE%20scans;--",
    "/r/%27%3B%20DELETE%20FROM%20codes%3B--",
    "/r/open-day/extra",
    "/r/open-day%2F",
    "/R/open-day",
    "/r//open-day",
    "/r/",
    "/r",
    "/r/open-day%20",
    "/r/<script>alert(1)</script>",
  };
  g_autofree char *long_id = NULL;
  g_autoptr(GString) flood = g_string_new ("GET /r/open-day HTTP/1.1\r\nHost: qr.example\r\n");
  g_autoptr(GString) big_header = g_string_new ("GET /r/open-day HTTP/1.1\r\nHost: qr.example\r\nX-Big: ");
  guint status;

  daemon_start (fixture, (const char *[]) { "--database=none", "--workers=2", NULL });

  for (guint i = 0; i < G_N_ELEMENTS (paths); i++)
    {
      status = raw_get (fixture, paths[i]);
      if (status != 400 && status != 404)
        g_error ("%s was answered %u", paths[i], status);
    }

  {
    g_autofree char *tail = g_strnfill (10 * 1024, 'a');
    long_id = g_strconcat ("/r/", tail, NULL);
    g_assert_cmpuint (raw_get (fixture, long_id), ==, 404);
  }

  /* Header floods: many headers, or one huge one. */
  for (guint i = 0; i < 20000; i++)
    g_string_append_printf (flood, "X-Flood-%u: a\r\n", i);
  g_string_append (flood, "\r\n");
  g_assert_cmpuint (raw_request (fixture, flood->str, flood->len), ==, 431);

  for (guint i = 0; i < 200 * 1024; i++)
    g_string_append_c (big_header, 'b');
  g_string_append (big_header, "\r\n\r\n");
  g_assert_cmpuint (raw_request (fixture, big_header->str, big_header->len), ==, 431);

  /* Not garbage in the request line either. */
  status = raw_request (fixture, "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\r\n\r\n", 15);
  g_assert_true (status == 0 || status == 400);

  /* Still alive, nothing recorded, the route table never consulted. */
  g_assert_cmpuint (metric (fixture, "qrstudio_redirect_scans_spooled_total"), ==, 0);
  g_assert_cmpuint (metric (fixture, "qrstudio_redirect_route_lookups_total"), ==, 0);
  g_assert_cmpuint (raw_get (fixture, "/r/open-day"), ==, 302);
  g_assert_cmpuint (metric (fixture, "qrstudio_redirect_route_lookups_total"), ==, 1);
  g_assert_cmpuint (metric (fixture, "qrstudio_redirect_scans_spooled_total"), ==, 1);

  daemon_stop (fixture, SIGTERM);
  {
    g_autoptr(GArray) records = read_spool (fixture);
    g_assert_cmpuint (records->len, ==, 1);
  }
}

/* The CPU time the daemon has used, in clock ticks: utime and stime,
 * fields 14 and 15 of /proc/PID/stat, the 12th and 13th after the name. */
static guint64
daemon_cpu_ticks (Fixture *fixture)
{
  g_autofree char *stat = daemon_proc (fixture, "stat");
  g_auto(GStrv) fields = g_strsplit (strrchr (stat, ')') + 2, " ", -1);

  return g_ascii_strtoull (fields[11], NULL, 10) + g_ascii_strtoull (fields[12], NULL, 10);
}

/* A value of /proc/PID/status, such as VmHWM, in kB. */
static guint64
daemon_status_kb (Fixture    *fixture,
                  const char *name)
{
  g_autofree char *status = daemon_proc (fixture, "status");
  g_autofree char *key = g_strconcat ("\n", name, ":", NULL);
  const char *line = strstr (status, key);

  g_assert_nonnull (line);
  return g_ascii_strtoull (line + strlen (key), NULL, 10);
}

static GSocketConnection *
connect_raw (Fixture *fixture)
{
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autoptr(GError) error = NULL;
  GSocketConnection *connection;

  connection = g_socket_client_connect_to_host (client, "127.0.0.1", fixture->port, NULL, &error);
  g_assert_no_error (error);
  return connection;
}

/* Reads from @connection until what came holds @ending, or the daemon
 * closes it (@ending %NULL: until it closes); returns what came. */
static char *
read_until (GSocketConnection *connection,
            const char        *ending)
{
  GInputStream *in = g_io_stream_get_input_stream (G_IO_STREAM (connection));
  GString *answer = g_string_new (NULL);
  char buffer[4096];
  gssize n;

  while ((ending == NULL || strstr (answer->str, ending) == NULL) &&
         (n = g_input_stream_read (in, buffer, sizeof buffer, NULL, NULL)) > 0)
    g_string_append_len (answer, buffer, n);
  return g_string_free (answer, FALSE);
}

/* Waits up to @timeout_us for the daemon to close @connection, reading
 * and counting what it sends first.  Returns how long it took, or -1 if
 * it stayed open. */
static gint64
wait_for_close (GSocketConnection *connection,
                gint64             timeout_us,
                gsize             *received)
{
  GSocket *socket = g_socket_connection_get_socket (connection);
  gint64 start = g_get_monotonic_time ();
  gint64 deadline = start + timeout_us;
  char buffer[4096];

  *received = 0;
  while (g_get_monotonic_time () < deadline)
    {
      g_autoptr(GError) error = NULL;
      gssize n;

      if (!g_socket_condition_timed_wait (socket, G_IO_IN, deadline - g_get_monotonic_time (), NULL, NULL))
        break;
      n = g_socket_receive (socket, buffer, sizeof buffer, NULL, &error);
      if (n <= 0)
        return g_get_monotonic_time () - start;
      *received += n;
    }
  return -1;
}

/* libsoup 3.2's own listener stops accepting for good on the first
 * failed accept(), descriptors run out or not; the daemon accepts for
 * it, waits and goes on. */
static void
test_fd_exhaustion (Fixture       *fixture,
                    gconstpointer  data)
{
  g_autoptr(GPtrArray) connections = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GSocketConnection) kept = NULL;
  g_autofree char *log = NULL;
  guint64 ticks;

  fixture->fd_limit = 64;
  daemon_start (fixture, (const char *[]) { "--database=none", "--workers=1", NULL });

  /* A connection taken before the descriptors run out, kept alive:
   * answered once here, so the daemon surely holds it. */
  kept = connect_raw (fixture);
  {
    GOutputStream *out = g_io_stream_get_output_stream (G_IO_STREAM (kept));
    const char *get = "GET /healthz HTTP/1.1\r\nHost: qr.example\r\n\r\n";
    g_autofree char *answer = NULL;

    g_assert_true (g_output_stream_write_all (out, get, strlen (get), NULL, NULL, NULL));
    answer = read_until (kept, "\r\n\r\nok\n");
    g_assert_true (g_str_has_prefix (answer, "HTTP/1.1 200 "));
  }

  /* More connections than the daemon has descriptors: the kernel queues
   * what it cannot take. */
  for (guint i = 0; i < 100; i++)
    g_ptr_array_add (connections, connect_raw (fixture));
  for (guint i = 0; i < 100; i++)
    {
      g_free (log);
      log = read_log (fixture);
      if (strstr (log, "Cannot accept connections for now") != NULL)
        break;
      g_usleep (50000);
    }

  /* Waiting for descriptors is not spinning for them. */
  ticks = daemon_cpu_ticks (fixture);
  g_usleep (G_USEC_PER_SEC);
  g_assert_cmpuint (daemon_cpu_ticks (fixture) - ticks, <, 30);

  /* Meanwhile a scan on the connection it holds is answered, and made
   * durable by the writer's group sync, which needs no descriptor: a
   * 302 is a promise that the scan is kept. */
  {
    GOutputStream *out = g_io_stream_get_output_stream (G_IO_STREAM (kept));
    const char *get = "GET /r/plain1 HTTP/1.1\r\nHost: qr.example\r\n\r\n";
    g_autofree char *answer = NULL;

    g_assert_true (g_output_stream_write_all (out, get, strlen (get), NULL, NULL, NULL));
    answer = read_until (kept, "\r\n\r\n");
    g_assert_true (g_str_has_prefix (answer, "HTTP/1.1 302 "));
  }
  /* Ten group syncs' time (fsync-interval-ms is 50), descriptors still
   * all taken. */
  g_usleep (G_USEC_PER_SEC / 2);
  {
    g_autofree char *path = g_strdup_printf ("/proc/%s/fd", g_subprocess_get_identifier (fixture->process));
    g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
    guint open_fds = 0;

    g_assert_nonnull (dir);
    while (g_dir_read_name (dir) != NULL)
      open_fds++;
    g_assert_cmpuint (open_fds, ==, fixture->fd_limit);
  }
  g_free (log);
  log = read_log (fixture);
  g_assert_nonnull (strstr (log, "Cannot accept connections for now (Too many open files)"));
  g_assert_null (strstr (log, "Cannot sync the spool"));

  /* Once they are back, it serves again. */
  g_ptr_array_set_size (connections, 0);
  g_assert_cmpuint (raw_get (fixture, "/healthz"), ==, 200);
  g_assert_cmpuint (raw_get (fixture, "/r/plain1"), ==, 302);
  g_assert_cmpuint (metric (fixture, "qrstudio_redirect_scans_spooled_total"), ==, 2);

  g_free (log);
  log = read_log (fixture);
  g_assert_null (strstr (log, "Cannot sync the spool"));
}

static gboolean
read_answer (GSocketConnection *connection,
             const char        *ending)
{
  g_autofree char *answer = read_until (connection, ending);

  return g_str_has_prefix (answer, "HTTP/1.1 200 ") && strstr (answer, ending) != NULL;
}

/* libsoup's server has no timeout of its own: without one, a client
 * that is idle or sends a byte at a time holds its connection, and a
 * descriptor, for ever. */
static void
test_client_timeout (Fixture       *fixture,
                     gconstpointer  data)
{
  const char *start = "GET /r/plain1 HTTP/1.1\r\nHost: qr.example\r\nX-Slow: ";
  gsize received;
  gint64 took;

  write_config (fixture, "[redirectd]\nclient-timeout=1\n");
  daemon_start (fixture, (const char *[]) { "--database=none", "--workers=1", NULL });

  /* Idle from the start. */
  {
    g_autoptr(GSocketConnection) idle = connect_raw (fixture);

    took = wait_for_close (idle, 5 * G_USEC_PER_SEC, &received);
    g_assert_cmpint (took, >=, 0);
    g_assert_cmpint (took, <, 3 * G_USEC_PER_SEC);
    g_assert_cmpuint (received, ==, 0);
  }

  /* Whole header lines but never the blank one: the end the timeout
   * makes is not the end of the headers, so nothing is answered, nor a
   * scan recorded (checked below). */
  {
    g_autoptr(GSocketConnection) cut = connect_raw (fixture);
    const char *lines = "GET /r/plain1 HTTP/1.1\r\nHost: qr.example\r\n";

    g_assert_true (g_output_stream_write_all (g_io_stream_get_output_stream (G_IO_STREAM (cut)),
                                              lines, strlen (lines), NULL, NULL, NULL));
    took = wait_for_close (cut, 5 * G_USEC_PER_SEC, &received);
    g_assert_cmpint (took, >=, 0);
    g_assert_cmpuint (received, ==, 0);
    g_assert_cmpuint (metric (fixture, "qrstudio_redirect_requests_total{status=\"500\"}"), ==, 0);
  }

  /* A header a byte every 100 ms: never finished, never answered. */
  {
    g_autoptr(GSocketConnection) slow = connect_raw (fixture);
    GSocket *socket = g_socket_connection_get_socket (slow);
    gint64 begin = g_get_monotonic_time ();

    g_assert_cmpint (g_socket_send (socket, start, strlen (start), NULL, NULL), ==, strlen (start));
    took = -1;
    for (guint i = 0; i < 50 && took < 0; i++)
      {
        if (g_socket_send (socket, "a", 1, NULL, NULL) != 1)
          break;
        took = wait_for_close (slow, 100000, &received);
        g_assert_cmpuint (received, ==, 0);
      }
    took = g_get_monotonic_time () - begin;
    g_assert_cmpint (took, <, 3 * G_USEC_PER_SEC);
  }

  /* Each answer gives a kept-alive connection its time again. */
  {
    g_autoptr(GSocketConnection) kept = connect_raw (fixture);
    GOutputStream *out = g_io_stream_get_output_stream (G_IO_STREAM (kept));
    const char *get = "GET /healthz HTTP/1.1\r\nHost: qr.example\r\n\r\n";

    for (guint i = 0; i < 4; i++)
      {
        g_assert_true (g_output_stream_write_all (out, get, strlen (get), NULL, NULL, NULL));
        g_assert_true (read_answer (kept, "\r\n\r\nok\n"));
        g_usleep (600000);
      }
  }

  g_assert_cmpuint (metric (fixture, "qrstudio_redirect_scans_spooled_total"), ==, 0);
  g_assert_cmpuint (raw_get (fixture, "/r/plain1"), ==, 302);
}

/* The daemon's open descriptors, /proc/PID/fd counted. */
static guint
daemon_fd_count (Fixture *fixture)
{
  g_autofree char *path = g_strdup_printf ("/proc/%s/fd", g_subprocess_get_identifier (fixture->process));
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  guint count = 0;

  g_assert_nonnull (dir);
  while (g_dir_read_name (dir) != NULL)
    count++;
  return count;
}

/* Waits up to two seconds more than @timeout_s for the daemon to be
 * back to @fds descriptors or fewer; returns what it has then. */
static guint
wait_for_fd_count (Fixture *fixture,
                   guint    fds,
                   guint    timeout_s)
{
  gint64 deadline = g_get_monotonic_time () + (timeout_s + 2) * G_USEC_PER_SEC;
  guint count;

  while ((count = daemon_fd_count (fixture)) > fds && g_get_monotonic_time () < deadline)
    g_usleep (50000);
  return count;
}

/* One GET on a kept-alive connection, answered. */
static void
get_kept_alive (GSocketConnection *connection)
{
  GOutputStream *out = g_io_stream_get_output_stream (G_IO_STREAM (connection));
  const char *get = "GET /healthz HTTP/1.1\r\nHost: qr.example\r\n\r\n";

  g_assert_true (g_output_stream_write_all (out, get, strlen (get), NULL, NULL, NULL));
  g_assert_true (read_answer (connection, "\r\n\r\nok\n"));
}

/* libsoup 3.2 never lets go of a kept-alive connection that ends while
 * it waits for the next request: it reads the end, but the waiting
 * message has nobody to tell.  Ended by the client or by the client
 * timeout, each such connection would keep its descriptor for as long
 * as the daemon runs. */
static void
test_connections_let_go (Fixture       *fixture,
                         gconstpointer  data)
{
  g_autoptr(GPtrArray) idle = g_ptr_array_new_with_free_func (g_object_unref);
  guint fds;

  write_config (fixture, "[redirectd]\nclient-timeout=2\n");
  daemon_start (fixture, (const char *[]) { "--database=none", "--workers=1", NULL });
  g_assert_cmpuint (raw_get (fixture, "/healthz"), ==, 200);
  g_usleep (200000);
  fds = daemon_fd_count (fixture);

  /* Thousands of connections ended by the client: after an answer kept
   * alive, after one with Connection: close, before any request, right
   * after sending a request, before its answer, and reset after an
   * answer kept alive, as a client closing with an answer unread does. */
  for (guint i = 0; i < 3000; i++)
    {
      g_autoptr(GSocketConnection) connection = connect_raw (fixture);

      if (i % 5 == 0)
        get_kept_alive (connection);
      else if (i % 5 == 1)
        g_assert_cmpuint (raw_get (fixture, "/healthz"), ==, 200);
      else if (i % 5 == 4)
        {
          struct linger reset = { .l_onoff = 1, .l_linger = 0 };

          get_kept_alive (connection);
          g_assert_no_errno (setsockopt (g_socket_get_fd (g_socket_connection_get_socket (connection)),
                                         SOL_SOCKET, SO_LINGER, &reset, sizeof reset));
        }
      else if (i % 5 == 3)
        {
          GOutputStream *out = g_io_stream_get_output_stream (G_IO_STREAM (connection));
          const char *get = "GET /healthz HTTP/1.1\r\nHost: qr.example\r\n\r\n";

          g_assert_true (g_output_stream_write_all (out, get, strlen (get), NULL, NULL, NULL));
          g_assert_true (g_socket_shutdown (g_socket_connection_get_socket (connection), FALSE, TRUE, NULL));
          g_assert_true (read_answer (connection, "\r\n\r\nok\n"));
        }
      g_io_stream_close (G_IO_STREAM (connection), NULL, NULL);
    }
  g_assert_cmpuint (wait_for_fd_count (fixture, fds, 0), <=, fds);

  /* Kept alive and left idle: the client timeout ends them. */
  for (guint i = 0; i < 50; i++)
    {
      GSocketConnection *connection = connect_raw (fixture);

      get_kept_alive (connection);
      g_ptr_array_add (idle, connection);
    }
  g_assert_cmpuint (daemon_fd_count (fixture), >=, fds + 50);
  g_assert_cmpuint (wait_for_fd_count (fixture, fds, 2), <=, fds);
  for (guint i = 0; i < idle->len; i++)
    {
      gsize received;

      g_assert_cmpint (wait_for_close (g_ptr_array_index (idle, i), G_USEC_PER_SEC, &received), >=, 0);
      g_assert_cmpuint (received, ==, 0);
    }

  /* Still serving; LeakSanitizer has its say when it stops. */
  g_assert_cmpuint (raw_get (fixture, "/r/plain1"), ==, 302);
  daemon_stop (fixture, SIGTERM);
}

/* Requests sent together, then more later and some cut in pieces, on
 * one kept-alive connection: each is answered, in order.  libsoup reads
 * them from its buffer, and waits on the connection only when the
 * buffer has no whole request; every arrival after that must wake it. */
static void
test_pipelined (Fixture       *fixture,
                gconstpointer  data)
{
  g_autoptr(GSocketConnection) connection = NULL;
  g_autoptr(GString) burst = g_string_new (NULL);
  g_autoptr(GString) answers = g_string_new (NULL);
  GOutputStream *out;
  GInputStream *in;
  const char *get = "GET /r/plain1 HTTP/1.1\r\nHost: qr.example\r\n\r\n";
  const char *last = "GET /healthz HTTP/1.1\r\nHost: qr.example\r\nConnection: close\r\n\r\n";
  const char *at;
  guint found = 0;
  char buffer[4096];
  gssize n;

  daemon_start (fixture, (const char *[]) { "--database=none", "--workers=1", NULL });
  connection = connect_raw (fixture);
  out = g_io_stream_get_output_stream (G_IO_STREAM (connection));
  in = g_io_stream_get_input_stream (G_IO_STREAM (connection));
  /* A request the daemon never notices fails the count, not the run. */
  g_socket_set_timeout (g_socket_connection_get_socket (connection), 5);

  for (guint i = 0; i < 50; i++)
    g_string_append (burst, get);
  g_assert_true (g_output_stream_write_all (out, burst->str, burst->len, NULL, NULL, NULL));
  g_usleep (100000);
  g_assert_true (g_output_stream_write_all (out, burst->str, burst->len, NULL, NULL, NULL));
  /* Then one request a few bytes at a time, pausing between pieces. */
  for (gsize i = 0; i < strlen (get); i += 7)
    {
      g_assert_true (g_output_stream_write_all (out, get + i, MIN (7, strlen (get) - i), NULL, NULL, NULL));
      g_usleep (20000);
    }
  g_assert_true (g_output_stream_write_all (out, last, strlen (last), NULL, NULL, NULL));

  while ((n = g_input_stream_read (in, buffer, sizeof buffer, NULL, NULL)) > 0)
    g_string_append_len (answers, buffer, n);

  for (at = answers->str; (at = strstr (at, "HTTP/1.1 302 ")) != NULL; at++)
    found++;
  g_assert_cmpuint (found, ==, 101);
  g_assert_nonnull (strstr (answers->str, "HTTP/1.1 200 "));
  g_assert_true (g_str_has_suffix (answers->str, "ok\n"));
  g_assert_cmpuint (metric (fixture, "qrstudio_redirect_scans_spooled_total"), ==, 101);
}

/* A request whose client ends the connection after whole header lines,
 * but before the blank line that ends them, was never sent: it is not
 * answered, nor its scan recorded.  libsoup alone takes that end for the
 * end of the headers. */
static void
test_truncated_request (Fixture       *fixture,
                        gconstpointer  data)
{
  const char *lines = "GET /r/plain1 HTTP/1.1\r\nHost: qr.example\r\nUser-Agent: cut/1.0\r\n";
  const char *whole = "GET /healthz HTTP/1.1\r\nHost: qr.example\r\n\r\n";

  daemon_start (fixture, (const char *[]) { "--database=none", "--workers=1", NULL });

  /* The first request of a connection, and one after a request answered. */
  for (guint kept = 0; kept < 2; kept++)
    {
      g_autoptr(GSocketConnection) connection = connect_raw (fixture);
      GOutputStream *out = g_io_stream_get_output_stream (G_IO_STREAM (connection));
      gsize received;

      if (kept)
        {
          g_assert_true (g_output_stream_write_all (out, whole, strlen (whole), NULL, NULL, NULL));
          g_assert_true (read_answer (connection, "\r\n\r\nok\n"));
        }
      g_assert_true (g_output_stream_write_all (out, lines, strlen (lines), NULL, NULL, NULL));
      g_usleep (50000);
      g_assert_true (g_socket_shutdown (g_socket_connection_get_socket (connection), FALSE, TRUE, NULL));
      g_assert_cmpint (wait_for_close (connection, 3 * G_USEC_PER_SEC, &received), >=, 0);
      g_assert_cmpuint (received, ==, 0);
    }

  g_assert_cmpuint (metric (fixture, "qrstudio_redirect_scans_spooled_total"), ==, 0);
  g_assert_cmpuint (raw_get (fixture, "/r/plain1"), ==, 302);
}

/* The client timeout counts from the previous answer while a connection
 * idles, and from its first byte once a request comes: a request that
 * starts late in a kept-alive connection's idle time still has its
 * whole time. */
static void
test_client_timeout_per_request (Fixture       *fixture,
                                 gconstpointer  data)
{
  g_autoptr(GSocketConnection) kept = NULL;
  GOutputStream *out;
  const char *first = "GET /healthz HTTP/1.1\r\n";
  const char *rest = "Host: qr.example\r\n\r\n";

  write_config (fixture, "[redirectd]\nclient-timeout=2\n");
  daemon_start (fixture, (const char *[]) { "--database=none", "--workers=1", NULL });

  kept = connect_raw (fixture);
  out = g_io_stream_get_output_stream (G_IO_STREAM (kept));
  get_kept_alive (kept);
  g_usleep (1500000);
  g_assert_true (g_output_stream_write_all (out, first, strlen (first), NULL, NULL, NULL));
  g_usleep (1000000);
  g_assert_true (g_output_stream_write_all (out, rest, strlen (rest), NULL, NULL, NULL));
  g_assert_true (read_answer (kept, "\r\n\r\nok\n"));
}

/* libsoup reads a request body whole before any handler runs, whatever
 * the answer; the daemon must not keep it. */
static void
test_request_body_not_kept (Fixture       *fixture,
                            gconstpointer  data)
{
  const gsize size = 64 << 20;
  g_autofree char *chunk = g_malloc0 (1 << 20);
  g_autofree char *head = g_strdup_printf ("POST /r/plain1 HTTP/1.1\r\nHost: qr.example\r\n"
                                           "Content-Length: %" G_GSIZE_FORMAT "\r\n\r\n", size);
  g_autoptr(GSocketConnection) connection = NULL;
  GOutputStream *out;
  GInputStream *in;
  char answer[64] = "";
  guint64 peak;

  /* Freed memory straight back to the allocator, so that the peak is
   * what the daemon holds, not AddressSanitizer's quarantine. */
  fixture->asan_options = "quarantine_size_mb=1";
  daemon_start (fixture, (const char *[]) { "--database=none", "--workers=1", NULL });
  peak = daemon_status_kb (fixture, "VmHWM");

  connection = connect_raw (fixture);
  out = g_io_stream_get_output_stream (G_IO_STREAM (connection));
  in = g_io_stream_get_input_stream (G_IO_STREAM (connection));
  g_assert_true (g_output_stream_write_all (out, head, strlen (head), NULL, NULL, NULL));
  for (gsize sent = 0; sent < size; sent += 1 << 20)
    g_assert_true (g_output_stream_write_all (out, chunk, 1 << 20, NULL, NULL, NULL));
  g_assert_cmpint (g_input_stream_read (in, answer, sizeof answer - 1, NULL, NULL), >, 12);
  g_assert_true (g_str_has_prefix (answer, "HTTP/1.1 405 "));

  g_assert_cmpuint (daemon_status_kb (fixture, "VmHWM") - peak, <, 16 * 1024);
  g_assert_cmpuint (metric (fixture, "qrstudio_redirect_scans_spooled_total"), ==, 0);
}

/* Waits until the log holds @text exactly @count times (and not more). */
static void
wait_for_log_count (Fixture    *fixture,
                    const char *text,
                    guint       count)
{
  for (guint i = 0; ; i++)
    {
      g_autofree char *log = read_log (fixture);
      guint n = 0;

      for (const char *at = strstr (log, text); at != NULL; at = strstr (at + 1, text))
        n++;
      g_assert_cmpuint (n, <=, count);
      if (n == count)
        return;
      if (i == 200)
        g_error ("“%s” %u times in the log, not %u:\n%s", text, n, count, log);
      g_usleep (10000);
    }
}

static void
test_configured_headers (Fixture       *fixture,
                         gconstpointer  data)
{
  write_config (fixture, "[redirectd]\nreferrer-policy=no-referrer\nhsts=max-age=31536000; includeSubDomains\n");
  daemon_start (fixture, (const char *[]) { "--database=none", "--workers=1", NULL });

  {
    g_auto(Reply) reply = request (fixture, "GET", "/r/open-day", NULL);
    g_assert_cmpuint (reply.status, ==, 302);
    g_assert_cmpstr (response_header (&reply, "Referrer-Policy"), ==, "no-referrer");
    g_assert_cmpstr (response_header (&reply, "Strict-Transport-Security"), ==, "max-age=31536000; includeSubDomains");
  }

  /* SIGHUP reloads the configuration; the port stays. */
  write_config (fixture, "[redirectd]\nreferrer-policy=same-origin\n");
  g_subprocess_send_signal (fixture->process, SIGHUP);
  for (guint i = 0; ; i++)
    {
      g_auto(Reply) reply = request (fixture, "GET", "/r/off1", NULL);

      g_assert_cmpuint (reply.status, ==, 410);
      if (g_strcmp0 (response_header (&reply, "Referrer-Policy"), "same-origin") == 0)
        {
          g_assert_null (response_header (&reply, "Strict-Transport-Security"));
          break;
        }
      if (i == 200)
        g_error ("SIGHUP did not reload the configuration");
      g_usleep (10000);
    }

  /* What only a start reads is named, not silently kept. */
  write_config (fixture, "[redirectd]\nreferrer-policy=same-origin\nbatch-rows=10\ncommit-batches=2\n");
  g_subprocess_send_signal (fixture->process, SIGHUP);
  for (guint i = 0; ; i++)
    {
      g_autofree char *log = read_log (fixture);

      if (strstr (log, "Restart the daemon to apply batch-rows, commit-batches: read only at start") != NULL)
        break;
      if (i == 200)
        g_error ("No word of the settings a reload does not apply:\n%s", log);
      g_usleep (10000);
    }

  /* Against what the daemon started with, not the last file read: the
   * same file again is still not applied; the first one back is. */
  g_subprocess_send_signal (fixture->process, SIGHUP);
  wait_for_log_count (fixture, "Restart the daemon to apply batch-rows, commit-batches", 2);
  write_config (fixture, "[redirectd]\nreferrer-policy=same-origin\n");
  g_subprocess_send_signal (fixture->process, SIGHUP);
  wait_for_log_count (fixture, "Configuration reloaded", 4);
  wait_for_log_count (fixture, "Restart the daemon to apply", 2);
}

static GBytes *
read_spool_bytes (Fixture *fixture)
{
  g_autofree char *dir = g_build_filename (fixture->dir, "spool", NULL);
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  GByteArray *all = g_byte_array_new ();
  const char *name;

  while ((name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir, name, NULL);
      g_autofree char *contents = NULL;
      gsize length;

      g_assert_true (g_file_get_contents (path, &contents, &length, NULL));
      g_byte_array_append (all, (guint8 *)contents, length);
    }
  return g_byte_array_free_to_bytes (all);
}

static gboolean
bytes_contain (GBytes       *haystack,
               const void   *needle,
               gsize         length)
{
  gsize size;
  const guint8 *data = g_bytes_get_data (haystack, &size);

  for (gsize i = 0; i + length <= size; i++)
    if (memcmp (data + i, needle, length) == 0)
      return TRUE;
  return FALSE;
}

static void
test_privacy (Fixture       *fixture,
              gconstpointer  data)
{
  const char *first[] = { "User-Agent", "Phone/1", "X-Forwarded-For", "198.51.100.7",
                          "Referer", "https://News.Example.org/private/path?token=secret",
                          "Accept-Language", "es-MX,es;q=0.9", NULL };
  const char *again[] = { "User-Agent", "Phone/1", "X-Forwarded-For", "198.51.100.7", NULL };
  const char *second[] = { "User-Agent", "Phone/1", "X-Forwarded-For", "203.0.113.50", NULL };
  const char *other_agent[] = { "User-Agent", "Phone/2", "X-Forwarded-For", "198.51.100.7", NULL };
  const guint8 loopback[] = { 127, 0, 0, 1 };
  const guint8 visitor[] = { 198, 51, 100, 7 };
  g_autoptr(GArray) records = NULL;
  g_autoptr(GBytes) spool = NULL;
  QrsScanRecord *r;

  write_config (fixture, "[redirectd]\ntrusted-proxies=127.0.0.0/8\n");
  daemon_start (fixture, (const char *[]) { "--database=none", "--workers=1", NULL });

  for (guint i = 0; i < 4; i++)
    {
      const char * const *headers[] = { first, again, second, other_agent };
      g_auto(Reply) reply = request (fixture, "GET", "/r/open-day", headers[i]);
      g_assert_cmpuint (reply.status, ==, 302);
    }
  daemon_stop (fixture, SIGTERM);

  records = read_spool (fixture);
  g_assert_cmpuint (records->len, ==, 4);
  r = (QrsScanRecord *)records->data;

  /* Same visitor, same day: same hash; another address or agent: another. */
  g_assert_cmpmem (r[0].visitor_hash, 16, r[1].visitor_hash, 16);
  g_assert_true (memcmp (r[0].visitor_hash, r[2].visitor_hash, 16) != 0);
  g_assert_true (memcmp (r[0].visitor_hash, r[3].visitor_hash, 16) != 0);
  g_assert_cmpint (r[0].code_id, ==, 11);
  g_assert_cmpstr (r[0].user_agent, ==, "Phone/1");
  g_assert_cmpstr (r[0].referrer_host, ==, "news.example.org");
  g_assert_cmpstr (r[0].language, ==, "es");
  g_assert_null (r[1].referrer_host);
  g_assert_null (r[1].language);
  for (guint i = 0; i < 4; i++)
    for (guint j = i + 1; j < 4; j++)
      g_assert_true (memcmp (r[i].event_id, r[j].event_id, 16) != 0);

  /* No address, in text or in bytes, and no private referrer path. */
  spool = read_spool_bytes (fixture);
  g_assert_false (bytes_contain (spool, "127.0.0.1", 9));
  g_assert_false (bytes_contain (spool, "198.51.100.7", 12));
  g_assert_false (bytes_contain (spool, "203.0.113.50", 12));
  g_assert_false (bytes_contain (spool, loopback, 4));
  g_assert_false (bytes_contain (spool, visitor, 4));
  g_assert_false (bytes_contain (spool, "secret", 6));
}

static void
test_untrusted_forwarded_for (Fixture       *fixture,
                              gconstpointer  data)
{
  const char *a[] = { "User-Agent", "Phone/1", "X-Forwarded-For", "198.51.100.7", NULL };
  const char *b[] = { "User-Agent", "Phone/1", "X-Forwarded-For", "203.0.113.50", NULL };
  g_autoptr(GArray) records = NULL;

  /* No trusted proxy: X-Forwarded-For is the client's own claim. */
  daemon_start (fixture, (const char *[]) { "--database=none", "--workers=1", NULL });
  {
    g_auto(Reply) ra = request (fixture, "GET", "/r/plain1", a);
    g_auto(Reply) rb = request (fixture, "GET", "/r/plain1", b);
    g_assert_cmpuint (ra.status, ==, 302);
    g_assert_cmpuint (rb.status, ==, 302);
  }
  daemon_stop (fixture, SIGTERM);

  records = read_spool (fixture);
  g_assert_cmpuint (records->len, ==, 2);
  g_assert_cmpmem (g_array_index (records, QrsScanRecord, 0).visitor_hash, 16,
                   g_array_index (records, QrsScanRecord, 1).visitor_hash, 16);
}

/* The hop forms proxies write, through the daemon: each visitor keeps a
 * hash of its own, and none becomes the proxy. */
static void
test_forwarded_for_hop_forms (Fixture       *fixture,
                              gconstpointer  data)
{
  enum { V4, V4_PORT, V4_TRAILING_COMMA, V4_EMPTY_HOPS, V6, V6_BRACKETS, V6_BRACKETS_PORT,
         PROXY, UNKNOWN, UNKNOWN_RIGHT, GARBAGE, UNKNOWN_OTHER_AGENT, N_REQUESTS };
  const char *forwarded[N_REQUESTS] = {
    [V4] = "198.51.100.7",
    [V4_PORT] = "198.51.100.7:5555",
    [V4_TRAILING_COMMA] = "198.51.100.7,",
    [V4_EMPTY_HOPS] = "203.0.113.50, ,198.51.100.7, , 127.0.0.9",
    [V6] = "2001:db8::1",
    [V6_BRACKETS] = "[2001:db8::1]",
    [V6_BRACKETS_PORT] = "[2001:db8::1]:443",
    [PROXY] = NULL,
    [UNKNOWN] = "unknown",
    [UNKNOWN_RIGHT] = "198.51.100.7, unknown",
    [GARBAGE] = "not-an-address",
    [UNKNOWN_OTHER_AGENT] = "unknown",
  };
  const guint8 visitor[] = { 198, 51, 100, 7 };
  const guint8 visitor6[] = { 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 };
  g_autoptr(GArray) records = NULL;
  g_autoptr(GBytes) spool = NULL;
  QrsScanRecord *r;

  write_config (fixture, "[redirectd]\ntrusted-proxies=127.0.0.0/8\n");
  daemon_start (fixture, (const char *[]) { "--database=none", "--workers=1", NULL });

  for (guint i = 0; i < N_REQUESTS; i++)
    {
      const char *headers[] = { "User-Agent", i == UNKNOWN_OTHER_AGENT ? "Phone/2" : "Phone/1",
                                forwarded[i] ? "X-Forwarded-For" : NULL, forwarded[i], NULL };
      g_auto(Reply) reply = request (fixture, "GET", "/r/plain1", headers);
      g_assert_cmpuint (reply.status, ==, 302);
    }
  /* A proxy that knows no client is worth a look: counted. */
  g_assert_cmpuint (metric (fixture, "qrstudio_redirect_unknown_clients_total"), ==, 4);
  daemon_stop (fixture, SIGTERM);

  records = read_spool (fixture);
  g_assert_cmpuint (records->len, ==, N_REQUESTS);
  r = (QrsScanRecord *)records->data;

  /* With a port, in brackets, between empty elements: the same visitor. */
  g_assert_cmpmem (r[V4_PORT].visitor_hash, 16, r[V4].visitor_hash, 16);
  g_assert_cmpmem (r[V4_TRAILING_COMMA].visitor_hash, 16, r[V4].visitor_hash, 16);
  g_assert_cmpmem (r[V4_EMPTY_HOPS].visitor_hash, 16, r[V4].visitor_hash, 16);
  g_assert_cmpmem (r[V6_BRACKETS].visitor_hash, 16, r[V6].visitor_hash, 16);
  g_assert_cmpmem (r[V6_BRACKETS_PORT].visitor_hash, 16, r[V6].visitor_hash, 16);
  g_assert_true (memcmp (r[V4].visitor_hash, r[V6].visitor_hash, 16) != 0);
  g_assert_true (memcmp (r[V4].visitor_hash, r[PROXY].visitor_hash, 16) != 0);
  g_assert_true (memcmp (r[V6].visitor_hash, r[PROXY].visitor_hash, 16) != 0);

  /* An unknown client is one of its own, told apart by its agent alone,
   * and not the proxy. */
  g_assert_cmpmem (r[UNKNOWN_RIGHT].visitor_hash, 16, r[UNKNOWN].visitor_hash, 16);
  g_assert_cmpmem (r[GARBAGE].visitor_hash, 16, r[UNKNOWN].visitor_hash, 16);
  g_assert_true (memcmp (r[UNKNOWN].visitor_hash, r[PROXY].visitor_hash, 16) != 0);
  g_assert_true (memcmp (r[UNKNOWN].visitor_hash, r[V4].visitor_hash, 16) != 0);
  g_assert_true (memcmp (r[UNKNOWN].visitor_hash, r[UNKNOWN_OTHER_AGENT].visitor_hash, 16) != 0);

  /* The address feeds the hash and nothing else. */
  spool = read_spool_bytes (fixture);
  g_assert_false (bytes_contain (spool, "198.51.100.7", 12));
  g_assert_false (bytes_contain (spool, "2001:db8", 8));
  g_assert_false (bytes_contain (spool, "unknown", 7));
  g_assert_false (bytes_contain (spool, visitor, sizeof visitor));
  g_assert_false (bytes_contain (spool, visitor6, sizeof visitor6));
}

static void
assert_spool_matches (Fixture *fixture,
                      guint    redirects)
{
  g_autoptr(GArray) records = read_spool (fixture);
  g_autoptr(GHashTable) ids = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  for (guint i = 0; i < records->len; i++)
    {
      QrsScanRecord *r = &g_array_index (records, QrsScanRecord, i);

      g_assert_true (r->code_id == 11 || r->code_id == 12);
      g_assert_true (g_hash_table_add (ids, qrs_uuid_to_string (r->event_id)));
    }
  g_assert_cmpuint (records->len, ==, redirects);
}

static void
test_graceful_stop (Fixture       *fixture,
                    gconstpointer  data)
{
  Load load = { fixture, NULL, 400, 0, 0, 0, 0, 0, FALSE, 0, NULL, NULL, { NULL, NULL } };
  gint64 took;

  daemon_start (fixture, (const char *[]) { "--database=none", "--workers=4", NULL });
  run_load (&load, 16);
  g_assert_cmpuint (load.redirects, ==, 400);
  g_assert_cmpuint (load.failures, ==, 0);

  took = daemon_stop (fixture, SIGTERM);
  g_assert_cmpint (took, <, 5 * G_USEC_PER_SEC);
  assert_spool_matches (fixture, load.redirects);
}

static void
test_stop_under_load (Fixture       *fixture,
                      gconstpointer  data)
{
  Load load = { fixture, NULL, 100000, 0, 0, 0, 0, 300, FALSE, 0, NULL, NULL, { NULL, NULL } };
  g_autoptr(GError) error = NULL;
  gint64 start;

  daemon_start (fixture, (const char *[]) { "--database=none", "--workers=4", NULL });
  run_load (&load, 16);
  g_assert_true (load.stopped);
  g_assert_cmpuint (load.redirects, >=, 300);

  start = g_get_monotonic_time ();
  g_subprocess_wait (fixture->process, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (g_get_monotonic_time () - start, <, 5 * G_USEC_PER_SEC);
  g_assert_true (g_subprocess_get_if_exited (fixture->process));
  g_assert_cmpint (g_subprocess_get_exit_status (fixture->process), ==, 0);
  g_clear_object (&fixture->process);

  /* Every answered redirect is in the spool; nothing else is. */
  assert_spool_matches (fixture, load.redirects);
}

/* A database host that takes connections and never answers (frozen, or
 * behind a firewall that drops): libpq waits out its connect timeout,
 * 10 s, well past the 5 s a stop has.  The stop does not wait for it,
 * and the scans answered are in the spool for the next start. */
static void
test_stop_while_database_hangs (Fixture       *fixture,
                                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocket) silent = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM,
                                            G_SOCKET_PROTOCOL_TCP, &error);
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) bound = NULL;
  g_autoptr(GArray) records = NULL;
  g_autofree char *database = NULL;
  g_autofree char *log = NULL;
  gint64 took;

  g_assert_no_error (error);
  g_assert_true (g_socket_bind (silent, address, FALSE, &error));
  g_assert_true (g_socket_listen (silent, &error));
  g_assert_no_error (error);
  bound = g_socket_get_local_address (silent, &error);
  g_assert_no_error (error);
  /* Never accepted: the kernel completes the handshakes, and nothing
   * ever answers libpq's startup message. */
  database = g_strdup_printf ("--database=host=127.0.0.1 port=%u dbname=qrstudio",
                              g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound)));

  daemon_start (fixture, (const char *[]) { database, "--workers=1", NULL });
  for (guint i = 0; i < 3; i++)
    {
      g_auto(Reply) reply = request (fixture, "GET", "/r/plain1", NULL);
      g_assert_cmpuint (reply.status, ==, 302);
    }
  /* The writer is connecting by now (its first batch waits at most
   * 100 ms), and so is the route listener. */
  g_usleep (500 * 1000);

  took = daemon_stop (fixture, SIGTERM);
  g_assert_cmpint (took, <, 5 * G_USEC_PER_SEC);
  records = read_spool (fixture);
  g_assert_cmpuint (records->len, ==, 3);
  log = read_log (fixture);
  g_assert_nonnull (strstr (log, "did not answer in time"));
}

static void
test_spool_full_still_redirects (Fixture       *fixture,
                                 gconstpointer  data)
{
  daemon_start (fixture, (const char *[]) { "--database=none", "--workers=1", "--spool-max=1K", NULL });

  for (guint i = 0; i < 30; i++)
    {
      g_auto(Reply) reply = request (fixture, "GET", "/r/plain1", NULL);
      g_assert_cmpuint (reply.status, ==, 302);
    }
  g_assert_cmpuint (metric (fixture, "qrstudio_redirect_scans_dropped_total"), >, 0);
  g_assert_cmpuint (metric (fixture, "qrstudio_redirect_scans_spooled_total") +
                    metric (fixture, "qrstudio_redirect_scans_dropped_total"), ==, 30);
  g_assert_cmpuint (metric (fixture, "qrstudio_redirect_spool_bytes"), <=, 1024);
  daemon_stop (fixture, SIGTERM);
  {
    g_autofree char *log = read_log (fixture);
    g_assert_nonnull (strstr (log, "half full"));
    /* Once, however many are dropped: the counter has the count. */
    g_assert_nonnull (strstr (log, "The scan spool is full"));
    g_assert_null (strstr (strstr (log, "The scan spool is full") + 1, "The scan spool is full"));
  }
}

/* A spool an earlier run left nearly full: the next run says so at its
 * first scan, and its backlog counts as pending though this run did not
 * spool it. */
static void
test_spool_left_full (Fixture       *fixture,
                      gconstpointer  data)
{
  g_autofree char *log = NULL;
  guint64 pending;

  daemon_start (fixture, (const char *[]) { "--database=none", "--workers=1", "--spool-max=4K", NULL });
  for (guint i = 0; i < 200 && metric (fixture, "qrstudio_redirect_scans_dropped_total") == 0; i++)
    {
      g_auto(Reply) reply = request (fixture, "GET", "/r/plain1", NULL);
      g_assert_cmpuint (reply.status, ==, 302);
    }
  g_assert_cmpuint (metric (fixture, "qrstudio_redirect_scans_dropped_total"), ==, 1);
  pending = metric (fixture, "qrstudio_redirect_spool_pending_bytes");
  g_assert_cmpuint (pending, >, 2048);
  g_assert_cmpuint (pending, <=, 4096);
  daemon_stop (fixture, SIGTERM);

  /* The log of the second run alone. */
  write_config (fixture, "[redirectd]\n");
  {
    g_autofree char *path = g_build_filename (fixture->dir, "log", NULL);
    g_assert_cmpint (g_unlink (path), ==, 0);
  }
  daemon_start (fixture, (const char *[]) { "--database=none", "--workers=1", "--spool-max=4K", NULL });
  g_assert_cmpuint (metric (fixture, "qrstudio_redirect_spool_pending_bytes"), ==, pending);
  g_assert_cmpuint (metric (fixture, "qrstudio_redirect_scans_pending"), ==, 0);
  {
    g_auto(Reply) reply = request (fixture, "GET", "/r/plain1", NULL);
    g_assert_cmpuint (reply.status, ==, 302);
  }
  g_assert_cmpuint (metric (fixture, "qrstudio_redirect_scans_dropped_total"), ==, 1);
  daemon_stop (fixture, SIGTERM);
  log = read_log (fixture);
  g_assert_nonnull (strstr (log, "half full"));
  g_assert_nonnull (strstr (log, "The scan spool is full"));
}

static void
test_bad_configuration (Fixture       *fixture,
                        gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSubprocess) process = NULL;
  g_autofree char *err = NULL;

  write_config (fixture, "[redirectd]\nlisten=somewhere\n");
  process = g_subprocess_new (G_SUBPROCESS_FLAGS_STDERR_PIPE, &error, g_getenv ("QRS_REDIRECTD"),
                              "--config", fixture->config_path, NULL);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (process, NULL, NULL, NULL, &err, &error);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_if_exited (process));
  g_assert_cmpint (g_subprocess_get_exit_status (process), ==, 2);
  /* One clear line. */
  g_assert_true (g_str_has_prefix (err, "qrstudio-redirectd: "));
  g_assert_nonnull (strstr (err, "somewhere"));
  g_assert_cmpuint (g_strv_length ((char *[]) { err, NULL }), ==, 1);
  g_assert_true (strchr (err, '\n') == err + strlen (err) - 1);
}

/* A second daemon on the same state directory (an administrator trying
 * one by hand beside the service) would delete the spool segments the
 * first writes to: it refuses to start instead, and the first goes on. */
static void
test_one_daemon_per_spool (Fixture       *fixture,
                           gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSubprocess) second = NULL;
  g_autofree char *state_dir = g_strdup_printf ("--state-dir=%s", fixture->dir);
  g_autofree char *config = g_strdup_printf ("--config=%s", fixture->config_path);
  g_autofree char *err = NULL;
  g_autoptr(GArray) records = NULL;

  daemon_start (fixture, (const char *[]) { "--database=none", "--workers=1", NULL });
  {
    g_auto(Reply) reply = request (fixture, "GET", "/r/plain1", NULL);
    g_assert_cmpuint (reply.status, ==, 302);
  }

  second = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE | G_SUBPROCESS_FLAGS_STDERR_PIPE, &error,
                             g_getenv ("QRS_REDIRECTD"), config, state_dir, "--database=none",
                             "--listen=127.0.0.1:0", "--metrics-listen=127.0.0.1:0", "--workers=1", NULL);
  g_assert_no_error (error);
  {
    /* One that starts would never end by itself. */
    gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;

    while (g_subprocess_get_identifier (second) != NULL && g_get_monotonic_time () < deadline)
      {
        g_main_context_iteration (NULL, FALSE);
        g_usleep (10000);
      }
    if (g_subprocess_get_identifier (second) != NULL)
      {
        g_subprocess_send_signal (second, SIGKILL);
        g_subprocess_wait (second, NULL, NULL);
        g_error ("A second daemon started on the same state directory");
      }
  }
  g_subprocess_communicate_utf8 (second, NULL, NULL, NULL, &err, &error);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_if_exited (second));
  g_assert_cmpint (g_subprocess_get_exit_status (second), ==, 1);
  g_assert_nonnull (strstr (err, "Another process uses the spool"));

  {
    g_auto(Reply) reply = request (fixture, "GET", "/r/plain1", NULL);
    g_assert_cmpuint (reply.status, ==, 302);
  }
  daemon_stop (fixture, SIGTERM);
  records = read_spool (fixture);
  g_assert_cmpuint (records->len, ==, 2);
}

/* Polls the metrics until @name is @value; returns what it is at the
 * end of a few seconds otherwise. */
static guint64
wait_for_metric (Fixture    *fixture,
                 const char *name,
                 guint64     value)
{
  gint64 deadline = g_get_monotonic_time () + 5 * G_USEC_PER_SEC;
  guint64 now;

  while ((now = metric (fixture, name)) != value && g_get_monotonic_time () < deadline)
    g_usleep (20000);
  return now;
}

/* Sends @head, which asks for "100 Continue", on a new connection, and
 * waits for it: the daemon has read the headers and waits for the body. */
static GSocketConnection *
start_request_with_body (Fixture    *fixture,
                         const char *head)
{
  GSocketConnection *connection = connect_raw (fixture);
  GInputStream *in = g_io_stream_get_input_stream (G_IO_STREAM (connection));
  char buffer[256];
  gssize n;

  g_assert_true (g_output_stream_write_all (g_io_stream_get_output_stream (G_IO_STREAM (connection)),
                                            head, strlen (head), NULL, NULL, NULL));
  n = g_input_stream_read (in, buffer, sizeof buffer - 1, NULL, NULL);
  g_assert_cmpint (n, >, 0);
  buffer[n] = '\0';
  g_assert_true (g_str_has_prefix (buffer, "HTTP/1.1 100 "));
  return connection;
}

/* Closes @connection with a reset, as a phone losing its network or a
 * client giving up does: SO_LINGER 0. */
static void
reset_connection (GSocketConnection *connection)
{
  struct linger linger = { .l_onoff = 1, .l_linger = 0 };
  int fd = g_socket_get_fd (g_socket_connection_get_socket (connection));

  g_assert_cmpint (setsockopt (fd, SOL_SOCKET, SO_LINGER, &linger, sizeof linger), ==, 0);
  g_io_stream_close (G_IO_STREAM (connection), NULL, NULL);
}

/* When a read or write fails, libsoup 3.2 sets the status to 500 and
 * emits "request-aborted": a client that hangs up is no 500 the daemon
 * sent, and must not count as one (nor raise the 5xx alert). */
static void
test_client_aborts_are_not_500 (Fixture       *fixture,
                                gconstpointer  data)
{
  const char *head = "GET /r/plain1 HTTP/1.1\r\nHost: qr.example\r\nExpect: 100-continue\r\n"
                     "Content-Length: 10\r\n\r\n";
  const char *get = "GET /r/plain1 HTTP/1.1\r\nHost: qr.example\r\n\r\n";
  const char *aborted = "qrstudio_redirect_requests_aborted_total";
  const char *found = "qrstudio_redirect_requests_total{status=\"302\"}";
  guint64 answered;

  daemon_start (fixture, (const char *[]) { "--database=none", "--workers=1", NULL });

  /* Cut in the middle of the body, by a reset or by a plain close: the
   * daemon's read fails, every time, before anything is answered. */
  for (guint i = 0; i < 6; i++)
    {
      g_autoptr(GSocketConnection) connection = start_request_with_body (fixture, head);

      g_assert_true (g_output_stream_write_all (g_io_stream_get_output_stream (G_IO_STREAM (connection)),
                                                "abc", 3, NULL, NULL, NULL));
      if (i % 2 == 0)
        reset_connection (connection);
      else
        g_io_stream_close (G_IO_STREAM (connection), NULL, NULL);
    }
  g_usleep (300000);
  g_assert_cmpuint (metric (fixture, "qrstudio_redirect_requests_total{status=\"500\"}"), ==, 0);
  g_assert_cmpuint (wait_for_metric (fixture, aborted, 6), ==, 6);
  g_assert_cmpuint (metric (fixture, found), ==, 0);

  /* A whole request and a reset right behind it, on a connection the
   * daemon has taken already: the answer's write fails, unless it went
   * out before the reset came. */
  for (guint i = 0; i < 10; i++)
    {
      g_autoptr(GSocketConnection) connection = connect_raw (fixture);

      get_kept_alive (connection);
      g_assert_true (g_output_stream_write_all (g_io_stream_get_output_stream (G_IO_STREAM (connection)),
                                                get, strlen (get), NULL, NULL, NULL));
      reset_connection (connection);
    }
  for (guint i = 0; i < 250 && metric (fixture, aborted) + metric (fixture, found) < 16; i++)
    g_usleep (20000);
  g_test_message ("%" G_GUINT64_FORMAT " of 10 answers beat the reset", metric (fixture, found));
  g_assert_cmpuint (metric (fixture, aborted) + metric (fixture, found), ==, 16);
  g_assert_cmpuint (metric (fixture, "qrstudio_redirect_requests_total{status=\"500\"}"), ==, 0);

  /* The answers' times alone: an aborted request was never answered. */
  answered = metric (fixture, "qrstudio_redirect_requests_total{status=\"200\"}") + metric (fixture, found);
  g_assert_cmpuint (answered, ==, 10 + metric (fixture, found));
  g_assert_cmpuint (metric (fixture, "qrstudio_redirect_request_duration_seconds_count"), ==, answered);

  /* And the daemon serves on. */
  g_assert_cmpuint (raw_get (fixture, "/r/plain1"), ==, 302);
}

/* libsoup 3.2 reads "Content-Length: -5" as a length of -5 and hands it
 * to its body stream, whose property refuses it with a GObject warning:
 * one log line per request for any client to send, and an abort under
 * fatal warnings.  The daemon refuses such a request first. */
static void
test_negative_content_length (Fixture       *fixture,
                              gconstpointer  data)
{
  /* The last two are 2^64 - 5 and 2^63: negative once libsoup has them. */
  const char *lengths[] = { "-5", "-1", "18446744073709551611", "9223372036854775808" };
  const char *methods[] = { "GET", "POST" };

  fixture->fatal_warnings = TRUE;
  daemon_start (fixture, (const char *[]) { "--database=none", "--workers=1", NULL });

  for (guint m = 0; m < G_N_ELEMENTS (methods); m++)
    for (guint i = 0; i < G_N_ELEMENTS (lengths); i++)
      {
        g_autofree char *raw = g_strdup_printf ("%s /r/plain1 HTTP/1.1\r\nHost: qr.example\r\n"
                                                "Content-Length: %s\r\n\r\n", methods[m], lengths[i]);

        g_assert_cmpuint (raw_request (fixture, raw, strlen (raw)), ==, 400);
      }

  /* A length of its own on a kept-alive connection: refused too, and
   * the connection closed. */
  {
    g_autoptr(GSocketConnection) connection = connect_raw (fixture);
    const char *bad = "GET /r/plain1 HTTP/1.1\r\nHost: qr.example\r\nContent-Length: -5\r\n\r\n";
    char answer[4096];
    gsize received = 0;
    gssize n;

    get_kept_alive (connection);
    g_assert_true (g_output_stream_write_all (g_io_stream_get_output_stream (G_IO_STREAM (connection)),
                                              bad, strlen (bad), NULL, NULL, NULL));
    while (received < sizeof answer - 1 &&
           (n = g_input_stream_read (g_io_stream_get_input_stream (G_IO_STREAM (connection)),
                                     answer + received, sizeof answer - 1 - received, NULL, NULL)) > 0)
      received += n;
    answer[received] = '\0';
    g_assert_true (g_str_has_prefix (answer, "HTTP/1.1 400 "));
    g_assert_nonnull (strstr (answer, "\r\nConnection: close\r\n"));
    g_assert_nonnull (strstr (answer, "\r\nCache-Control: no-store\r\n"));
  }

  /* The metrics listener closes such a connection unanswered. */
  {
    const char *bad = "GET /metrics HTTP/1.1\r\nHost: localhost\r\nContent-Length: -5\r\n\r\n";

    g_assert_cmpuint (raw_request_to (fixture->metrics_port, bad, strlen (bad)), ==, 0);
  }

  /* Alive, nothing scanned or logged, each refusal counted. */
  g_assert_cmpuint (raw_get (fixture, "/r/plain1"), ==, 302);
  g_assert_cmpuint (metric (fixture, "qrstudio_redirect_scans_spooled_total"), ==, 1);
  g_assert_cmpuint (metric (fixture, "qrstudio_redirect_requests_total{status=\"400\"}"), ==, 9);
  assert_log_quiet (fixture);
}

static guint
count_lines_starting (const char *answer,
                      const char *start)
{
  g_auto(GStrv) lines = g_strsplit (answer, "\r\n", -1);
  guint n = 0;

  for (guint i = 0; lines[i] != NULL && lines[i][0] != '\0'; i++)
    n += g_str_has_prefix (lines[i], start);
  return n;
}

/* A request's head past 32 KiB is refused, with 414 when the request
 * line alone is that long and 431 otherwise, and the answer reaches a
 * client still sending: libsoup alone reads 64 KiB and drops the
 * connection unanswered.  Only the head counts: not a body, not the
 * next request, not the requests before on a kept-alive connection. */
static void
test_head_limits (Fixture       *fixture,
                  gconstpointer  data)
{
  g_autoptr(GString) flood = g_string_new ("GET /r/plain1 HTTP/1.1\r\nHost: qr.example\r\n");
  g_autofree char *cookie = g_strnfill (20 * 1024, 'c');
  g_autofree char *near = g_strnfill (28 * 1024, 'n');
  g_autofree char *body = g_strnfill (200 * 1024, 'p');
  g_autofree char *fits = NULL;
  g_autofree char *post = NULL;

  fixture->fatal_warnings = TRUE;
  daemon_start (fixture, (const char *[]) { "--database=none", "--workers=1", NULL });

  for (guint i = 0; i < 5000; i++)
    g_string_append_printf (flood, "X-Flood-%u: a\r\n", i);
  g_string_append (flood, "\r\n");
  g_assert_cmpuint (raw_request (fixture, flood->str, flood->len), ==, 431);

  /* The request line alone: 414, whether its end comes soon after the
   * limit or never, and after an empty line, which libsoup skips. */
  for (guint i = 0; i < 3; i++)
    {
      g_autoptr(GString) line = g_string_new (i == 2 ? "\r\nGET /r/" : "GET /r/");

      for (guint j = 0; j < (i == 0 ? 33 : 80) * 1024; j++)
        g_string_append_c (line, 'a');
      g_string_append (line, " HTTP/1.1\r\nHost: qr.example\r\n\r\n");
      g_assert_cmpuint (raw_request (fixture, line->str, line->len), ==, 414);
    }

  /* Under the limit: a large cookie is served. */
  fits = g_strdup_printf ("GET /r/plain1 HTTP/1.1\r\nHost: qr.example\r\nCookie: %s\r\n"
                          "Connection: close\r\n\r\n", cookie);
  g_assert_cmpuint (raw_request (fixture, fits, strlen (fits)), ==, 302);

  /* A body is not a head: a 28 KiB head with 200 KiB of body is 405. */
  post = g_strdup_printf ("POST /r/plain1 HTTP/1.1\r\nHost: qr.example\r\nX-Near: %s\r\n"
                          "Content-Length: %zu\r\nConnection: close\r\n\r\n%s",
                          near, strlen (body), body);
  g_assert_cmpuint (raw_request (fixture, post, strlen (post)), ==, 405);

  /* Nor is the next request, sent with it: two heads of 28 and 7 KiB,
   * together past the limit, are both answered. */
  {
    g_autoptr(GSocketConnection) connection = connect_raw (fixture);
    g_autofree char *seven = g_strnfill (7 * 1024, 's');
    g_autofree char *two = g_strdup_printf ("GET /healthz HTTP/1.1\r\nHost: qr.example\r\nX-Near: %s\r\n\r\n"
                                            "GET /healthz HTTP/1.1\r\nHost: qr.example\r\nX-Seven: %s\r\n"
                                            "Connection: close\r\n\r\n", near, seven);
    g_autofree char *answers = NULL;

    g_assert_true (g_output_stream_write_all (g_io_stream_get_output_stream (G_IO_STREAM (connection)),
                                              two, strlen (two), NULL, NULL, NULL));
    answers = read_until (connection, NULL);
    g_assert_true (g_str_has_prefix (answers, "HTTP/1.1 200 "));
    g_assert_nonnull (strstr (answers + 1, "HTTP/1.1 200 "));
  }

  /* Counted afresh for each request of a kept-alive connection: 40
   * heads of 1 KiB and a redirect pass, a large head after them is
   * refused, with the headers of a refusal alone (none of the
   * redirect's before it). */
  {
    g_autoptr(GSocketConnection) connection = connect_raw (fixture);
    GOutputStream *out = g_io_stream_get_output_stream (G_IO_STREAM (connection));
    g_autofree char *pad = g_strnfill (1000, 'x');
    g_autofree char *padded = g_strdup_printf ("GET /healthz HTTP/1.1\r\nHost: qr.example\r\nX-Pad: %s\r\n\r\n", pad);
    const char *redirect = "GET /r/plain1 HTTP/1.1\r\nHost: qr.example\r\n\r\n";
    g_autofree char *answer = NULL;

    for (guint i = 0; i < 40; i++)
      {
        g_assert_true (g_output_stream_write_all (out, padded, strlen (padded), NULL, NULL, NULL));
        g_assert_true (read_answer (connection, "\r\n\r\nok\n"));
      }
    g_assert_true (g_output_stream_write_all (out, redirect, strlen (redirect), NULL, NULL, NULL));
    {
      g_autofree char *got = read_until (connection, "\r\n\r\n");

      g_assert_true (g_str_has_prefix (got, "HTTP/1.1 302 "));
    }
    g_assert_true (g_output_stream_write_all (out, flood->str, flood->len, NULL, NULL, NULL));
    answer = read_until (connection, NULL);
    g_assert_true (g_str_has_prefix (answer, "HTTP/1.1 431 Request Header Fields Too Large\r\n"));
    g_assert_cmpuint (count_lines_starting (answer, "Connection: close"), ==, 1);
    g_assert_cmpuint (count_lines_starting (answer, "Cache-Control: no-store"), ==, 1);
    g_assert_cmpuint (count_lines_starting (answer, "Content-Length: 0"), ==, 1);
    g_assert_cmpuint (count_lines_starting (answer, "Date: "), ==, 1);
    g_assert_cmpuint (count_lines_starting (answer, "Location"), ==, 0);
  }

  /* A client that stops sending after the refusal and never closes:
   * the answer ends with the daemon's end of sending, and the daemon
   * lets go of the connection within the lingering time. */
  {
    g_autoptr(GSocketConnection) connection = NULL;
    g_autofree char *answer = NULL;
    guint fds;
    gint64 deadline;

    /* The connections before let go first: the last lingers a moment. */
    for (fds = daemon_fd_count (fixture); ; )
      {
        guint now;

        g_usleep (200000);
        now = daemon_fd_count (fixture);
        if (now == fds)
          break;
        fds = now;
      }

    connection = connect_raw (fixture);
    /* No blank line: the head never ends. */
    g_assert_true (g_output_stream_write_all (g_io_stream_get_output_stream (G_IO_STREAM (connection)),
                                              flood->str, flood->len - 2, NULL, NULL, NULL));
    answer = read_until (connection, NULL);
    g_assert_true (g_str_has_prefix (answer, "HTTP/1.1 431 "));
    g_assert_cmpuint (daemon_fd_count (fixture), ==, fds + 1);
    deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;
    while (daemon_fd_count (fixture) > fds && g_get_monotonic_time () < deadline)
      g_usleep (50000);
    g_test_message ("let go %.1f s before the test's deadline", (deadline - g_get_monotonic_time ()) / 1e6);
    g_assert_cmpuint (daemon_fd_count (fixture), ==, fds);
  }

  /* The metrics listener closes such a connection unanswered, and lives. */
  {
    g_autofree char *metrics_flood = g_strdup_printf ("GET /metrics HTTP/1.1\r\nHost: localhost\r\n%s",
                                                      flood->str + strlen ("GET /r/plain1 HTTP/1.1\r\nHost: qr.example\r\n"));

    g_assert_cmpuint (raw_request_to (fixture->metrics_port, metrics_flood, strlen (metrics_flood)), ==, 0);
  }

  /* Alive, each refusal counted, nothing scanned but the three redirects
   * answered, nothing logged. */
  g_assert_cmpuint (raw_get (fixture, "/r/plain1"), ==, 302);
  g_assert_cmpuint (metric (fixture, "qrstudio_redirect_requests_total{status=\"431\"}"), ==, 3);
  g_assert_cmpuint (metric (fixture, "qrstudio_redirect_requests_total{status=\"414\"}"), ==, 3);
  g_assert_cmpuint (metric (fixture, "qrstudio_redirect_scans_spooled_total"), ==, 3);
  assert_log_quiet (fixture);
}

typedef struct
{
  guint  signals;
  char  *aborted_500;   /* the reason phrase of /500 at "request-aborted" */
  char  *aborted_cut;   /* the reason phrase of /cut at "request-aborted" */
} Seen;

static void
contract_handler_cb (SoupServer        *server,
                     SoupServerMessage *msg,
                     const char        *path,
                     GHashTable        *query,
                     gpointer           user_data)
{
  soup_server_message_set_status (msg, g_str_equal (path, "/500") ? 500 : 200, NULL);
  soup_server_message_set_response (msg, "text/plain", SOUP_MEMORY_STATIC, "x\n", 2);
}

static void
contract_finished_cb (SoupServer        *server,
                      SoupServerMessage *msg,
                      gpointer           user_data)
{
  Seen *seen = user_data;

  seen->signals++;
}

static void
contract_aborted_cb (SoupServer        *server,
                     SoupServerMessage *msg,
                     gpointer           user_data)
{
  Seen *seen = user_data;
  const char *path = g_uri_get_path (soup_server_message_get_uri (msg));

  seen->signals++;
  g_assert_cmpuint (soup_server_message_get_status (msg), ==, 500);
  if (g_str_equal (path, "/500"))
    seen->aborted_500 = g_strdup (soup_server_message_get_reason_phrase (msg));
  else
    seen->aborted_cut = g_strdup (soup_server_message_get_reason_phrase (msg));
}

/* Hands one end of a socket pair to @server, as the daemon hands it the
 * connections it accepts; returns the other end, the client's. */
static GSocketConnection *
contract_connect (SoupServer *server)
{
  g_autoptr(GSocket) ours = NULL;
  g_autoptr(GSocket) theirs = NULL;
  g_autoptr(GSocketConnection) connection = NULL;
  g_autoptr(GSocketAddress) local = NULL;
  g_autoptr(GSocketAddress) remote = NULL;
  g_autoptr(GError) error = NULL;
  int fds[2];

  g_assert_cmpint (socketpair (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds), ==, 0);
  ours = g_socket_new_from_fd (fds[0], &error);
  g_assert_no_error (error);
  theirs = g_socket_new_from_fd (fds[1], &error);
  g_assert_no_error (error);
  local = g_socket_get_local_address (theirs, &error);
  g_assert_no_error (error);
  remote = g_socket_get_remote_address (theirs, &error);
  g_assert_no_error (error);
  connection = g_socket_connection_factory_create_connection (theirs);
  g_assert_true (soup_server_accept_iostream (server, G_IO_STREAM (connection), local, remote, &error));
  g_assert_no_error (error);
  return g_socket_connection_factory_create_connection (ours);
}

/* What the daemon's metrics rely on (was_answered() in
 * qrs-redirect-server.c), held to libsoup itself: a 500 sent whole comes
 * as "request-aborted" with the standard reason phrase; a request whose
 * read fails comes as "request-aborted" with status 500 and another
 * phrase.  A libsoup that changes either fails here, not in production. */
static void
test_libsoup_aborted_contract (void)
{
  g_autoptr(SoupServer) server = soup_server_new (NULL, NULL);
  const char *whole = "GET /500 HTTP/1.1\r\nHost: qr.example\r\n\r\n";
  const char *cut = "GET /cut HTTP/1.1\r\nHost: qr.example\r\nContent-Length: 10\r\n\r\nabc";
  Seen seen = { 0 };

  soup_server_add_handler (server, NULL, contract_handler_cb, NULL, NULL);
  g_signal_connect (server, "request-finished", G_CALLBACK (contract_finished_cb), &seen);
  g_signal_connect (server, "request-aborted", G_CALLBACK (contract_aborted_cb), &seen);

  {
    g_autoptr(GSocketConnection) client = contract_connect (server);
    char answer[64] = "";

    g_assert_true (g_output_stream_write_all (g_io_stream_get_output_stream (G_IO_STREAM (client)),
                                              whole, strlen (whole), NULL, NULL, NULL));
    while (seen.signals < 1)
      g_main_context_iteration (NULL, TRUE);
    g_assert_cmpint (g_input_stream_read (g_io_stream_get_input_stream (G_IO_STREAM (client)),
                                          answer, sizeof answer - 1, NULL, NULL), >, 12);
    g_assert_true (g_str_has_prefix (answer, "HTTP/1.1 500 Internal Server Error\r\n"));
    g_assert_cmpstr (seen.aborted_500, ==, soup_status_get_phrase (500));
  }
  {
    g_autoptr(GSocketConnection) client = contract_connect (server);

    g_assert_true (g_output_stream_write_all (g_io_stream_get_output_stream (G_IO_STREAM (client)),
                                              cut, strlen (cut), NULL, NULL, NULL));
    g_io_stream_close (G_IO_STREAM (client), NULL, NULL);
    while (seen.signals < 2)
      g_main_context_iteration (NULL, TRUE);
    g_assert_nonnull (seen.aborted_cut);
    g_test_message ("A request cut mid-body: \"%s\"", seen.aborted_cut);
    g_assert_cmpstr (seen.aborted_cut, !=, soup_status_get_phrase (500));
  }

  soup_server_disconnect (server);
  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_free (seen.aborted_500);
  g_free (seen.aborted_cut);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func, data) \
  g_test_add (path, Fixture, data, fixture_set_up, func, fixture_tear_down)

  ADD ("/redirectd/redirect", test_redirect, NULL);
  ADD ("/redirectd/not-found-and-gone", test_not_found_and_gone, NULL);
  ADD ("/redirectd/methods", test_methods, NULL);
  ADD ("/redirectd/health", test_health, NULL);
  ADD ("/redirectd/not-ready-without-routes", test_not_ready_without_routes, "no snapshot");
  ADD ("/redirectd/hostile-paths", test_hostile_paths, NULL);
  ADD ("/redirectd/fd-exhaustion", test_fd_exhaustion, NULL);
  ADD ("/redirectd/client-timeout", test_client_timeout, NULL);
  ADD ("/redirectd/connections-let-go", test_connections_let_go, NULL);
  ADD ("/redirectd/client-timeout-per-request", test_client_timeout_per_request, NULL);
  ADD ("/redirectd/pipelined", test_pipelined, NULL);
  ADD ("/redirectd/truncated-request", test_truncated_request, NULL);
  ADD ("/redirectd/request-body-not-kept", test_request_body_not_kept, NULL);
  ADD ("/redirectd/configured-headers-and-sighup", test_configured_headers, NULL);
  ADD ("/redirectd/privacy", test_privacy, NULL);
  ADD ("/redirectd/untrusted-forwarded-for", test_untrusted_forwarded_for, NULL);
  ADD ("/redirectd/forwarded-for-hop-forms", test_forwarded_for_hop_forms, NULL);
  ADD ("/redirectd/graceful-stop", test_graceful_stop, NULL);
  ADD ("/redirectd/stop-under-load", test_stop_under_load, NULL);
  ADD ("/redirectd/stop-while-database-hangs", test_stop_while_database_hangs, NULL);
  ADD ("/redirectd/spool-full-still-redirects", test_spool_full_still_redirects, NULL);
  ADD ("/redirectd/spool-left-full", test_spool_left_full, NULL);
  ADD ("/redirectd/bad-configuration", test_bad_configuration, NULL);
  ADD ("/redirectd/one-daemon-per-spool", test_one_daemon_per_spool, NULL);
  ADD ("/redirectd/client-aborts-are-not-500", test_client_aborts_are_not_500, NULL);
  ADD ("/redirectd/negative-content-length", test_negative_content_length, NULL);
  ADD ("/redirectd/head-limits", test_head_limits, NULL);
  g_test_add_func ("/redirectd/libsoup-aborted-contract", test_libsoup_aborted_contract);

  return g_test_run ();
}
