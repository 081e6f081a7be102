/* test-redirectd-nginx.c — the daemon behind real nginx running the
 * configuration we ship in docs/deploy/nginx.conf
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <signal.h>
#include <string.h>
#include <sys/prctl.h>

#include <glib/gstdio.h>

#include "redirectd-test-util.h"

#define SNAPSHOT \
  "{\"format\":\"qrstudio-redirectd-routes\",\"version\":1,\"saved_at\":0,\"routes\":[" \
  "{\"code_id\":21,\"short_id\":\"open-day\",\"target_url\":\"https://example.edu/open-day\"," \
  " \"enabled\":true,\"expires_at\":0,\"utm_passthrough\":false}]}"

typedef struct
{
  Fixture      daemon;
  GSubprocess *nginx;
  guint16      http_port;
  guint16      https_port;
} NginxFixture;

static guint16
free_port (void)
{
  g_autoptr(GSocket) socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, 0, NULL);
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) any = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) bound = NULL;

  g_assert_true (g_socket_bind (socket, any, TRUE, NULL));
  bound = g_socket_get_local_address (socket, NULL);
  return g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
}

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
    g_error ("%s failed: %s", argv[0], err);
}

static void
die_with_parent (gpointer user_data)
{
  prctl (PR_SET_PDEATHSIG, SIGKILL);
}

static char *
replace (const char *text,
         const char *from,
         const char *to)
{
  g_auto(GStrv) parts = g_strsplit (text, from, -1);

  g_assert_cmpuint (g_strv_length (parts), >, 1);
  return g_strjoinv (to, parts);
}

static void
nginx_fixture_set_up (NginxFixture  *fixture,
                      gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autofree char *snapshot = NULL;
  g_autofree char *shipped_path = g_build_filename (g_getenv ("QRS_SOURCE_ROOT"), "docs", "deploy", "nginx.conf", NULL);
  g_autofree char *shipped = NULL;
  g_autofree char *site = NULL;
  g_autofree char *main_conf = NULL;
  g_autofree char *cert = NULL;
  g_autofree char *key = NULL;
  g_autofree char *prefix = NULL;
  g_autofree char *upstream = NULL;
  g_autofree char *listen_http = NULL;
  g_autofree char *listen_https = NULL;
  char *step;

  fixture->daemon.dir = g_dir_make_tmp ("qrs-redirectd-nginx-XXXXXX", NULL);
  fixture->daemon.config_path = g_build_filename (fixture->daemon.dir, "redirectd.conf", NULL);
  /* nginx connects from loopback: believe its X-Forwarded-For. */
  write_config (&fixture->daemon, "[redirectd]\ntrusted-proxies=127.0.0.1/32\n");
  snapshot = g_build_filename (fixture->daemon.dir, "routes.json", NULL);
  g_assert_true (g_file_set_contents (snapshot, SNAPSHOT, -1, NULL));
  /* No system proxy resolver: its lookups run on threads too. */
  fixture->daemon.session = soup_session_new_with_options ("timeout", 10, "proxy-resolver", NULL, NULL);
  daemon_start (&fixture->daemon, (const char *[]) { "--database=none", "--workers=1", NULL });

  /* A self-signed certificate for the test's nginx. */
  prefix = g_build_filename (fixture->daemon.dir, "nginx", NULL);
  g_assert_cmpint (g_mkdir (prefix, 0755), ==, 0);
  g_assert_cmpint (g_chmod (fixture->daemon.dir, 0755), ==, 0);
  cert = g_build_filename (prefix, "cert.pem", NULL);
  key = g_build_filename (prefix, "key.pem", NULL);
  run_or_fail ((const char *[]) { "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes",
                                  "-keyout", key, "-out", cert, "-days", "1",
                                  "-subj", "/CN=qr.example.edu", NULL });

  /* The shipped site, with only addresses and certificate paths changed. */
  g_assert_true (g_file_get_contents (shipped_path, &shipped, NULL, NULL));
  /* nginx must let an idle upstream connection go before the daemon's
   * client timeout (20 s by default) does, or it sends a request on a
   * connection being closed and logs a reset. */
  {
    const char *at = strstr (shipped, "\n    keepalive_timeout ");

    g_assert_nonnull (at);
    g_assert_cmpint (g_ascii_strtoll (at + strlen ("\n    keepalive_timeout "), NULL, 10), <, 20);
  }
  fixture->http_port = free_port ();
  fixture->https_port = free_port ();
  listen_http = g_strdup_printf ("listen 127.0.0.1:%u;", fixture->http_port);
  listen_https = g_strdup_printf ("listen 127.0.0.1:%u ssl http2;", fixture->https_port);
  upstream = g_strdup_printf ("server 127.0.0.1:%u;", fixture->daemon.port);
  site = replace (shipped, "listen 80;", listen_http);
  step = replace (site, "listen [::]:80;", ""); g_free (site); site = step;
  step = replace (site, "listen 443 ssl http2;", listen_https); g_free (site); site = step;
  step = replace (site, "listen [::]:443 ssl http2;", ""); g_free (site); site = step;
  step = replace (site, "server 127.0.0.1:8080;", upstream); g_free (site); site = step;
  step = replace (site, "/etc/letsencrypt/live/qr.example.edu/fullchain.pem", cert); g_free (site); site = step;
  step = replace (site, "/etc/letsencrypt/live/qr.example.edu/privkey.pem", key); g_free (site); site = step;
  {
    g_autofree char *site_path = g_build_filename (prefix, "site.conf", NULL);
    g_autofree char *main_path = g_build_filename (prefix, "nginx.conf", NULL);

    g_assert_true (g_file_set_contents (site_path, site, -1, NULL));
    main_conf = g_strdup_printf ("worker_processes 1;\n"
                                 "pid %s/nginx.pid;\n"
                                 "error_log %s/error.log;\n"
                                 "events { worker_connections 256; }\n"
                                 "http {\n"
                                 "  access_log off;\n"
                                 "  client_body_temp_path %s/body;\n"
                                 "  proxy_temp_path %s/proxy;\n"
                                 "  include %s;\n"
                                 "}\n", prefix, prefix, prefix, prefix, site_path);
    g_assert_true (g_file_set_contents (main_path, main_conf, -1, NULL));

    launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE | G_SUBPROCESS_FLAGS_STDERR_SILENCE);
    g_subprocess_launcher_set_child_setup (launcher, die_with_parent, NULL, NULL);
    fixture->nginx = g_subprocess_launcher_spawn (launcher, &error, "nginx", "-c", main_path, "-p", prefix,
                                                  "-g", "daemon off;", NULL);
    g_assert_no_error (error);
  }

  /* Up when it answers. */
  for (guint i = 0; ; i++)
    {
      g_autoptr(GSocketClient) client = g_socket_client_new ();
      g_autoptr(GSocketConnection) connection =
        g_socket_client_connect_to_host (client, "127.0.0.1", fixture->https_port, NULL, NULL);

      if (connection != NULL)
        break;
      if (i > 400 || g_subprocess_get_identifier (fixture->nginx) == NULL)
        {
          g_autofree char *log_path = g_build_filename (prefix, "error.log", NULL);
          g_autofree char *log = NULL;
          g_file_get_contents (log_path, &log, NULL, NULL);
          g_error ("nginx did not start: %s", log);
        }
      g_usleep (25000);
    }
}

static void
nginx_fixture_tear_down (NginxFixture  *fixture,
                         gconstpointer  data)
{
  if (fixture->nginx != NULL)
    {
      g_subprocess_send_signal (fixture->nginx, SIGTERM);
      g_subprocess_wait (fixture->nginx, NULL, NULL);
      g_clear_object (&fixture->nginx);
    }
  daemon_stop (&fixture->daemon, SIGTERM);
  g_clear_object (&fixture->daemon.session);
  remove_tree (fixture->daemon.dir);
  g_free (fixture->daemon.dir);
  g_free (fixture->daemon.config_path);
}

/* Through nginx with curl, in a process of its own: TLS in this process
 * would run glib-networking's handshakes on GTask threads whose GnuTLS
 * thread-locals live in dynamically loaded TLS, and LeakSanitizer's scan
 * of such a thread at exit read a range it cannot (glibc 2.36 with this
 * toolchain's sanitizer: "Tracer caught signal 11" on a "DTLS" range,
 * about one run in three under load).  The daemon speaks plain HTTP. */
/* curl, asking for @path @times in a row on one connection: one line
 * "302 https://…" per answer, the Location empty when there is none. */
static GStrv
curl_through_nginx (NginxFixture       *fixture,
                    const char         *method,
                    const char         *scheme,
                    const char         *path,
                    const char * const *headers,
                    guint               times)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func (g_free);
  guint16 port = g_str_equal (scheme, "https") ? fixture->https_port : fixture->http_port;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  GStrv lines;
  int status = 0;

  g_ptr_array_add (argv, g_strdup ("curl"));
  g_ptr_array_add (argv, g_strdup ("--silent"));
  g_ptr_array_add (argv, g_strdup ("--insecure"));
  g_ptr_array_add (argv, g_strdup ("--max-time"));
  g_ptr_array_add (argv, g_strdup ("30"));
  g_ptr_array_add (argv, g_strdup ("--write-out"));
  g_ptr_array_add (argv, g_strdup ("%{http_code} %{redirect_url}\n"));
  g_ptr_array_add (argv, g_strdup ("--header"));
  g_ptr_array_add (argv, g_strdup ("Host: qr.example.edu"));
  if (g_str_equal (method, "POST"))
    {
      g_ptr_array_add (argv, g_strdup ("--data"));
      g_ptr_array_add (argv, g_strdup (""));
    }
  else if (!g_str_equal (method, "GET"))
    {
      g_ptr_array_add (argv, g_strdup ("--request"));
      g_ptr_array_add (argv, g_strdup (method));
    }
  for (guint i = 0; headers != NULL && headers[i] != NULL; i += 2)
    {
      g_ptr_array_add (argv, g_strdup ("--header"));
      g_ptr_array_add (argv, g_strdup_printf ("%s: %s", headers[i], headers[i + 1]));
    }
  for (guint i = 0; i < times; i++)
    {
      g_ptr_array_add (argv, g_strdup ("--output"));
      g_ptr_array_add (argv, g_strdup ("/dev/null"));
      g_ptr_array_add (argv, g_strdup_printf ("%s://127.0.0.1:%u%s", scheme, port, path));
    }
  g_ptr_array_add (argv, NULL);

  g_spawn_sync (NULL, (char **)argv->pdata, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL,
                &out, &err, &status, &error);
  g_assert_no_error (error);
  if (!g_spawn_check_wait_status (status, NULL))
    g_error ("curl %s %s failed: %s", method, path, err);

  g_strchomp (out);
  lines = g_strsplit (out, "\n", -1);
  g_assert_cmpuint (g_strv_length (lines), ==, times);
  return lines;
}

static guint
status_of (const char  *line,
           char       **location)
{
  g_auto(GStrv) fields = g_strsplit (line, " ", 2);
  guint64 code = 0;

  g_assert_true (g_ascii_string_to_unsigned (fields[0], 10, 100, 599, &code, NULL));
  if (location != NULL)
    *location = fields[1] != NULL && fields[1][0] != '\0' ? g_strdup (fields[1]) : NULL;
  return (guint)code;
}

static guint
through_nginx (NginxFixture       *fixture,
               const char         *method,
               const char         *scheme,
               const char         *path,
               const char * const *headers,
               char              **location)
{
  g_auto(GStrv) lines = curl_through_nginx (fixture, method, scheme, path, headers, 1);

  return status_of (lines[0], location);
}

static void
test_behind_nginx (NginxFixture  *fixture,
                   gconstpointer  data)
{
  const char *agent[] = { "User-Agent", "Phone/1", NULL };
  const char *spoofed[] = { "User-Agent", "Phone/1", "X-Forwarded-For", "198.51.100.7", NULL };
  g_autofree char *location = NULL;
  g_autoptr(GArray) records = NULL;
  g_auto(GStrv) burst = NULL;
  guint redirects = 0;
  guint limited = 0;

  /* Plain http goes on to https first. */
  g_assert_cmpuint (through_nginx (fixture, "GET", "http", "/r/open-day", NULL, &location), ==, 301);
  g_assert_true (g_str_has_prefix (location, "https://qr.example.edu"));
  g_clear_pointer (&location, g_free);

  g_assert_cmpuint (through_nginx (fixture, "GET", "https", "/r/open-day", agent, &location), ==, 302);
  g_assert_cmpstr (location, ==, "https://example.edu/open-day");
  redirects++;
  /* A client cannot choose its own address: nginx replaces the header. */
  g_assert_cmpuint (through_nginx (fixture, "GET", "https", "/r/open-day", spoofed, NULL), ==, 302);
  redirects++;

  g_assert_cmpuint (through_nginx (fixture, "POST", "https", "/r/open-day", NULL, NULL), ==, 403);
  g_assert_cmpuint (through_nginx (fixture, "GET", "https", "/metrics", NULL, NULL), ==, 404);
  g_assert_cmpuint (through_nginx (fixture, "GET", "https", "/readyz", NULL, NULL), ==, 200);

  /* Past the burst, nginx answers 429 and the daemon never sees it.  One
   * curl on one connection: 200 requests at 20 a second with a burst of
   * 40 would have to take more than 8 s to all get through. */
  burst = curl_through_nginx (fixture, "GET", "https", "/r/open-day", agent, 200);
  for (guint i = 0; burst[i] != NULL; i++)
    {
      guint status = status_of (burst[i], NULL);

      if (status == 302)
        redirects++;
      else if (status == 429)
        limited++;
      else
        g_error ("answered %u", status);
    }
  g_test_message ("%u of %u redirected, %u limited", redirects - 2, g_strv_length (burst), limited);
  g_assert_cmpuint (limited, >, 0);

  daemon_stop (&fixture->daemon, SIGTERM);
  records = read_spool (&fixture->daemon);
  g_assert_cmpuint (records->len, ==, redirects);
  g_assert_cmpmem (g_array_index (records, QrsScanRecord, 0).visitor_hash, 16,
                   g_array_index (records, QrsScanRecord, 1).visitor_hash, 16);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add ("/redirectd-nginx/behind-nginx", NginxFixture, NULL, nginx_fixture_set_up,
              test_behind_nginx, nginx_fixture_tear_down);

  return g_test_run ();
}
