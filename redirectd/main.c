/* main.c — qrstudio-redirectd: answers /r/{short_id}, records every scan
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <errno.h>
#include <locale.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <glib-unix.h>
#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>
#include <libsoup/soup.h>

#include "qrs-accept-loop.h"
#include "qrs-redirect-config.h"
#include "qrs-redirect-metrics.h"
#include "qrs-redirect-server.h"
#include "qrs-route-listener.h"
#include "qrs-route-table.h"
#include "qrs-scan-ingest.h"
#include "qrs-scan-writer.h"
#include "qrs-spool.h"
#include "qrs-user-agent.h"

/* SIGTERM to exit within 5 s: requests get 2 s; then the scan writer
 * 1.5 s to write to the database (and 0.3 s more to give up), and the
 * route listener, stopping meanwhile, as long. */
#define STOP_REQUESTS_MS  2000
#define STOP_DRAIN_MS     1500
#define STOP_THREADS_MS   1800

/* Threads a stop left inside a call to a database server that does not
 * answer: kept until the process exits. */
static QrsRouteListener *left_listener;
static QrsScanWriter *left_writer;

typedef struct
{
  QrsRedirectFlags    flags;
  QrsRedirectConfig  *config;
  QrsRedirectConfig  *started_with;   /* what the parts a reload leaves were made from */
  GMainLoop          *loop;
  QrsRouteTable      *routes;
  QrsSpool           *spool;
  QrsRedirectMetrics *metrics;
  QrsRedirectServer  *server;
  QrsRouteListener   *listener;
  QrsScanWriter      *writer;
  QrsScanIngest      *ingest;       /* owned by the writer */
  SoupServer         *metrics_server;
  QrsAcceptLoop      *metrics_accept;
  guint               metrics_port;  /* as bound, 0 when off */
  int                 exit_status;
} Daemon;

static gboolean
database_configured (const QrsRedirectConfig *config)
{
  /* "none" runs from the snapshot alone: for tests and emergencies. */
  return g_strcmp0 (config->database, "none") != 0;
}

static void
metrics_cb (SoupServer        *server,
            SoupServerMessage *msg,
            const char        *path,
            GHashTable        *query,
            gpointer           user_data)
{
  Daemon *daemon = user_data;
  QrsRedirectGauges gauges = { 0 };
  char *text;
  guint64 written;

  if (!g_str_equal (path, "/metrics"))
    {
      soup_server_message_set_status (msg, SOUP_STATUS_NOT_FOUND, NULL);
      return;
    }
  if (soup_server_message_get_method (msg) != SOUP_METHOD_GET &&
      soup_server_message_get_method (msg) != SOUP_METHOD_HEAD)
    {
      soup_server_message_set_status (msg, SOUP_STATUS_METHOD_NOT_ALLOWED, NULL);
      soup_message_headers_replace (soup_server_message_get_response_headers (msg), "Allow", "GET, HEAD");
      return;
    }

  written = daemon->writer ? qrs_scan_writer_get_written (daemon->writer) : 0;
  gauges.scans_spooled = qrs_spool_get_appended (daemon->spool);
  gauges.scans_written = written;
  gauges.commits_rescued = daemon->writer ? qrs_scan_writer_get_rescued (daemon->writer) : 0;
  gauges.scans_pending = gauges.scans_spooled > written ? gauges.scans_spooled - written : 0;
  gauges.scans_dropped = qrs_spool_get_dropped (daemon->spool);
  gauges.spool_skipped = qrs_spool_get_skipped (daemon->spool);
  gauges.spool_bytes = qrs_spool_get_bytes (daemon->spool);
  gauges.spool_pending_bytes = qrs_spool_get_pending_bytes (daemon->spool);
  gauges.spool_max_bytes = qrs_spool_get_max_bytes (daemon->spool);
  gauges.routes_loaded = qrs_route_table_get_size (daemon->routes);
  gauges.route_lookups = qrs_route_table_get_lookups (daemon->routes);
  gauges.routes_from_snapshot = qrs_route_table_get_source (daemon->routes) == QRS_ROUTE_SOURCE_SNAPSHOT;
  gauges.database_up = daemon->listener != NULL && qrs_route_listener_is_connected (daemon->listener);
  gauges.last_reload = qrs_route_table_get_loaded_at (daemon->routes);

  text = qrs_redirect_metrics_render (daemon->metrics, &gauges);
  soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
  soup_server_message_set_response (msg, "text/plain; version=0.0.4; charset=utf-8",
                                    SOUP_MEMORY_TAKE, text, strlen (text));
}

static void
metrics_request_done_cb (SoupServer        *server,
                         SoupServerMessage *msg,
                         gpointer           user_data)
{
  qrs_accept_loop_request_finished (msg);
}

/* As on the public listener: the head is whole (what follows is not
 * counted against its limit), a request body is never kept, and a
 * negative Content-Length, which would have libsoup log a warning for
 * each such request, is refused before libsoup reads on.  No scraper
 * sends one, nor a head too large: such a connection is closed without
 * an answer. */
static void
metrics_early_cb (SoupServer        *server,
                  SoupServerMessage *msg,
                  const char        *path,
                  GHashTable        *query,
                  gpointer           user_data)
{
  qrs_accept_loop_request_read (msg);
  if (qrs_redirect_has_negative_length (msg))
    {
      g_autoptr(GIOStream) stream = soup_server_message_steal_connection (msg);

      if (stream != NULL)
        g_io_stream_close (stream, NULL, NULL);
      return;
    }
  soup_message_body_set_accumulate (soup_server_message_get_request_body (msg), FALSE);
}

static gboolean
start_metrics (Daemon  *daemon,
               GError **error)
{
  g_autoptr(GInetAddress) address = NULL;
  g_autoptr(GSocketAddress) socket_address = NULL;
  g_autoptr(GSocketAddress) bound = NULL;
  g_autoptr(GSocket) socket = NULL;

  if (daemon->config->metrics_host == NULL)
    return TRUE;

  address = g_inet_address_new_from_string (daemon->config->metrics_host);
  socket_address = g_inet_socket_address_new (address, daemon->config->metrics_port);
  daemon->metrics_server = soup_server_new ("server-header", NULL, NULL);
  soup_server_add_early_handler (daemon->metrics_server, NULL, metrics_early_cb, NULL, NULL);
  soup_server_add_handler (daemon->metrics_server, NULL, metrics_cb, daemon, NULL);
  g_signal_connect (daemon->metrics_server, "request-finished", G_CALLBACK (metrics_request_done_cb), NULL);
  g_signal_connect (daemon->metrics_server, "request-aborted", G_CALLBACK (metrics_request_done_cb), NULL);

  /* A socket of our own rather than soup_server_listen(), so that the
   * port bound is read from it: libsoup 3.2 caches the listener's
   * address when soup_server_get_uris() asks and never frees it.  And
   * our own accept loop, as on the public listener: libsoup's stops
   * for good when descriptors run out once. */
  socket = g_socket_new (g_socket_address_get_family (socket_address), G_SOCKET_TYPE_STREAM,
                         G_SOCKET_PROTOCOL_TCP, error);
  if (socket == NULL ||
      (g_socket_address_get_family (socket_address) == G_SOCKET_FAMILY_IPV6 &&
       !g_socket_set_option (socket, IPPROTO_IPV6, IPV6_V6ONLY, TRUE, error)) ||
      !g_socket_bind (socket, socket_address, TRUE, error) ||
      !g_socket_listen (socket, error) ||
      (bound = g_socket_get_local_address (socket, error)) == NULL ||
      (daemon->metrics_accept = qrs_accept_loop_new (daemon->metrics_server, socket,
                                                     daemon->config->client_timeout_s,
                                                     NULL, error)) == NULL)
    {
      g_prefix_error (error, _("Cannot serve metrics on %s:%u: "),
                      daemon->config->metrics_host, daemon->config->metrics_port);
      return FALSE;
    }
  daemon->metrics_port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
  return TRUE;
}

static gboolean
write_port_file (Daemon  *daemon,
                 GError **error)
{
  g_autofree char *text = NULL;

  if (daemon->config->port_file == NULL)
    return TRUE;

  /* The public port, then the metrics port (0 when off). */
  text = g_strdup_printf ("%u\n%u\n", qrs_redirect_server_get_port (daemon->server), daemon->metrics_port);
  return g_file_set_contents_full (daemon->config->port_file, text, -1,
                                   G_FILE_SET_CONTENTS_CONSISTENT, 0644, error);
}

static gboolean
quit_cb (gpointer user_data)
{
  Daemon *daemon = user_data;

  g_message ("Stopping");
  g_main_loop_quit (daemon->loop);
  return G_SOURCE_CONTINUE;
}

static gboolean
reload_cb (gpointer user_data)
{
  Daemon *daemon = user_data;
  g_autoptr(QrsRedirectConfig) config = NULL;
  g_autoptr(GError) error = NULL;

  config = qrs_redirect_config_load (&daemon->flags, &error);
  if (config == NULL)
    {
      g_warning ("Keeping the old configuration: %s", error->message);
      return G_SOURCE_CONTINUE;
    }

  /* What the running parts were built with: named, so that nobody
   * believes a reload applied them. */
  {
    const QrsRedirectConfig *old = daemon->started_with;
    g_autoptr(GPtrArray) later = g_ptr_array_new ();

#define CHANGED(key, differs) G_STMT_START { if (differs) g_ptr_array_add (later, (gpointer)key); } G_STMT_END
    CHANGED ("listen", g_strcmp0 (config->listen_host, old->listen_host) != 0 ||
                       config->listen_port != old->listen_port);
    CHANGED ("metrics-listen", g_strcmp0 (config->metrics_host, old->metrics_host) != 0 ||
                               config->metrics_port != old->metrics_port);
    CHANGED ("workers", config->workers != old->workers);
    CHANGED ("state-dir", g_strcmp0 (config->state_dir, old->state_dir) != 0);
    CHANGED ("spool-dir", g_strcmp0 (config->spool_dir, old->spool_dir) != 0);
    CHANGED ("spool-segment-size", config->spool_segment_size != old->spool_segment_size);
    CHANGED ("database (turned on or off)", database_configured (config) != database_configured (old));
    CHANGED ("batch-rows", config->batch_rows != old->batch_rows);
    CHANGED ("batch-interval-ms", config->batch_interval_ms != old->batch_interval_ms);
    CHANGED ("commit-batches", config->commit_batches != old->commit_batches);
    CHANGED ("fsync-interval-ms", config->fsync_interval_ms != old->fsync_interval_ms);
    CHANGED ("database-retry-max-ms", config->database_retry_max_ms != old->database_retry_max_ms);
#undef CHANGED
    if (later->len > 0)
      {
        g_ptr_array_add (later, NULL);
        {
          g_autofree char *names = g_strjoinv (", ", (char **)later->pdata);

          g_warning ("Restart the daemon to apply %s: read only at start", names);
        }
      }
  }

  g_log_set_debug_enabled (config->verbose);
  qrs_redirect_server_set_config (daemon->server, config);
  if (daemon->metrics_accept != NULL)
    qrs_accept_loop_set_client_timeout (daemon->metrics_accept, config->client_timeout_s);
  qrs_spool_set_max_bytes (daemon->spool, config->spool_max);
  if (daemon->listener != NULL && database_configured (config))
    qrs_route_listener_reload (daemon->listener, config->database);
  if (daemon->ingest != NULL && database_configured (config))
    qrs_scan_ingest_set_conninfo (daemon->ingest, config->database);

  g_clear_pointer (&daemon->config, qrs_redirect_config_unref);
  daemon->config = g_steal_pointer (&config);
  g_message ("Configuration reloaded; reloading the routes");
  return G_SOURCE_CONTINUE;
}

static gboolean
start (Daemon  *daemon,
       GError **error)
{
  QrsRedirectConfig *config = daemon->config;
  g_autoptr(GError) local_error = NULL;
  g_autoptr(QrsUserAgentParser) parser = NULL;
  QrsScanWriterOptions options = { 0 };

  daemon->started_with = qrs_redirect_config_ref (config);

  if (g_mkdir_with_parents (config->state_dir, 0700) < 0)
    {
      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (errno),
                   _("Cannot create the state directory %s: %s"), config->state_dir, g_strerror (errno));
      return FALSE;
    }

  daemon->routes = qrs_route_table_new ();
  if (g_file_test (config->snapshot_path, G_FILE_TEST_EXISTS))
    {
      if (qrs_route_table_load_snapshot (daemon->routes, config->snapshot_path, &local_error))
        g_message ("Serving %u routes from the snapshot until the database answers",
                   qrs_route_table_get_size (daemon->routes));
      else
        g_warning ("%s", local_error->message);
      g_clear_error (&local_error);
    }

  daemon->spool = qrs_spool_open (config->spool_dir, config->spool_max, config->spool_segment_size, error);
  if (daemon->spool == NULL)
    return FALSE;

  parser = qrs_user_agent_parser_get_default (&local_error);
  if (parser == NULL)
    g_warning ("Scans will not be classified: %s", local_error->message);
  g_clear_error (&local_error);

  options.batch_rows = config->batch_rows;
  options.batch_interval_ms = config->batch_interval_ms;
  options.commit_batches = config->commit_batches;
  options.fsync_interval_ms = config->fsync_interval_ms;
  options.retry_max_ms = config->database_retry_max_ms;
  options.yield_commits = TRUE;
  daemon->writer = qrs_scan_writer_new (daemon->spool, parser, &options);
  if (database_configured (config))
    {
      daemon->ingest = qrs_scan_ingest_new (config->database, config->batch_rows);
      qrs_scan_writer_set_ingest (daemon->writer, qrs_scan_ingest_func, daemon->ingest,
                                  (GDestroyNotify)qrs_scan_ingest_free);
    }
  qrs_scan_writer_start (daemon->writer);

  if (database_configured (config))
    {
      daemon->listener = qrs_route_listener_new (daemon->routes, config->database,
                                                 config->snapshot_path,
                                                 config->database_retry_max_ms);
      qrs_route_listener_start (daemon->listener);
    }

  daemon->metrics = qrs_redirect_metrics_new ();
  daemon->server = qrs_redirect_server_new (config, daemon->routes, daemon->spool, daemon->metrics);
  if (!qrs_redirect_server_start (daemon->server, error))
    return FALSE;

  if (!start_metrics (daemon, error))
    return FALSE;
  if (!write_port_file (daemon, error))
    return FALSE;

  g_message ("Answering on %s port %u with %u workers", config->listen_host,
             qrs_redirect_server_get_port (daemon->server), config->workers);
  return TRUE;
}

/* Returns FALSE when a thread was left running. */
static gboolean
stop (Daemon *daemon)
{
  gint64 threads_deadline;

  g_clear_pointer (&daemon->metrics_accept, qrs_accept_loop_free);
  if (daemon->metrics_server != NULL)
    soup_server_disconnect (daemon->metrics_server);
  if (daemon->server != NULL)
    qrs_redirect_server_stop (daemon->server, STOP_REQUESTS_MS);
  threads_deadline = g_get_monotonic_time () + STOP_THREADS_MS * 1000;
  if (daemon->listener != NULL)
    qrs_route_listener_stop_begin (daemon->listener);
  if (daemon->writer != NULL && !qrs_scan_writer_stop (daemon->writer, STOP_DRAIN_MS))
    {
      g_message ("The database did not answer in time; the scans not written yet are safe "
                 "in the spool and go to the database after the next start");
      left_writer = g_steal_pointer (&daemon->writer);
    }
  if (daemon->listener != NULL &&
      !qrs_route_listener_stop (daemon->listener,
                                MAX (threads_deadline - g_get_monotonic_time (), 0) / 1000))
    left_listener = g_steal_pointer (&daemon->listener);
  /* A writer left running keeps the spool open, and a reference to it. */
  if (daemon->spool != NULL && left_writer == NULL)
    qrs_spool_close (daemon->spool);

  g_clear_object (&daemon->metrics_server);
  g_clear_object (&daemon->server);
  g_clear_object (&daemon->listener);
  g_clear_object (&daemon->writer);
  daemon->ingest = NULL;
  g_clear_object (&daemon->spool);
  g_clear_object (&daemon->routes);
  g_clear_pointer (&daemon->metrics, qrs_redirect_metrics_free);
  g_clear_pointer (&daemon->config, qrs_redirect_config_unref);
  g_clear_pointer (&daemon->started_with, qrs_redirect_config_unref);
  g_clear_pointer (&daemon->loop, g_main_loop_unref);
  return left_listener == NULL && left_writer == NULL;
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GOptionContext) context = NULL;
  g_autofree GOptionEntry *entries = NULL;
  g_autoptr(GError) error = NULL;
  Daemon daemon = { 0 };
  guint signal_ids[3];
  const char *localedir = g_getenv ("QRS_LOCALEDIR");

  setlocale (LC_ALL, "");
  /* QRS_LOCALEDIR, when set, names the locale tree to read our messages
   * from instead of the installed one: the tests point it at the build
   * tree's po/ directory, where <lang>/LC_MESSAGES/qrstudio.mo are built. */
  bindtextdomain (GETTEXT_PACKAGE, localedir != NULL ? localedir : LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  entries = qrs_redirect_flags_get_entries (&daemon.flags);
  context = g_option_context_new (NULL);
  g_option_context_set_summary (context, _("Answer the short URLs of QR Studio's dynamic codes and record every scan."));
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("qrstudio-redirectd: %s\n", error->message);
      qrs_redirect_flags_clear (&daemon.flags);
      return 2;
    }
  if (daemon.flags.version)
    {
      /* As qrstudio-cli --version says it. */
      g_print ("%s (%s) %s\n", "qrstudio-redirectd", PACKAGE_NAME, PACKAGE_VERSION);
      qrs_redirect_flags_clear (&daemon.flags);
      return 0;
    }
  /* Everything is a flag: a word left over is most likely the
   * configuration file, which would otherwise be silently the default. */
  if (argc > 1 && !(argc == 2 && g_str_equal (argv[1], "--")))
    {
      g_autofree char *message = g_strdup_printf (_("unexpected argument “%s”: the configuration file is "
                                                     "given as --config=FILE, every setting as a flag "
                                                     "(see --help)"), argv[1]);

      g_printerr ("qrstudio-redirectd: %s\n", message);
      qrs_redirect_flags_clear (&daemon.flags);
      return 2;
    }

  daemon.config = qrs_redirect_config_load (&daemon.flags, &error);
  if (daemon.config == NULL)
    {
      g_printerr ("qrstudio-redirectd: %s\n", error->message);
      qrs_redirect_flags_clear (&daemon.flags);
      return 2;
    }
  if (daemon.config->verbose)
    g_log_set_debug_enabled (TRUE);

  daemon.loop = g_main_loop_new (NULL, FALSE);
  signal_ids[0] = g_unix_signal_add (SIGTERM, quit_cb, &daemon);
  signal_ids[1] = g_unix_signal_add (SIGINT, quit_cb, &daemon);
  signal_ids[2] = g_unix_signal_add (SIGHUP, reload_cb, &daemon);

  if (!start (&daemon, &error))
    {
      g_printerr ("qrstudio-redirectd: %s\n", error->message);
      daemon.exit_status = 1;
    }
  else
    g_main_loop_run (daemon.loop);

  for (guint i = 0; i < G_N_ELEMENTS (signal_ids); i++)
    g_source_remove (signal_ids[i]);
  if (!stop (&daemon))
    {
      /* Not exit(): its handlers include OpenSSL's cleanup, which frees
       * what a thread still inside libpq may take next, and crashes it
       * (docs/architecture.md, "Exit waits for the store's threads").
       * Every scan answered is on disk already. */
      fflush (NULL);
      _exit (daemon.exit_status);
    }
  qrs_redirect_flags_clear (&daemon.flags);

  return daemon.exit_status;
}
