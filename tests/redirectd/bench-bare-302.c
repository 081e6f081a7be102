/* bench-bare-302.c — the benchmark's yardstick: libsoup answering a fixed
 * 302 on the same worker model as qrstudio-redirectd (one SoupServer per
 * thread on its own SO_REUSEPORT socket), with no lookup, no spool and no
 * headers beyond Location.  What the daemon costs is the difference.
 *
 * Usage: bench-bare-302 WORKERS PORT-FILE
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <stdlib.h>

#include <glib-unix.h>
#include <libsoup/soup.h>

#include "qrs-redirect-server.h"

static void
answer_cb (SoupServer        *server,
           SoupServerMessage *msg,
           const char        *path,
           GHashTable        *query,
           gpointer           user_data)
{
  soup_server_message_set_status (msg, SOUP_STATUS_FOUND, NULL);
  soup_message_headers_replace (soup_server_message_get_response_headers (msg),
                                "Location", "https://example.edu/target");
  soup_server_message_set_response (msg, NULL, SOUP_MEMORY_STATIC, NULL, 0);
}

static gpointer
worker (gpointer data)
{
  int fd = GPOINTER_TO_INT (data);
  g_autoptr(GMainContext) context = g_main_context_new ();
  g_autoptr(SoupServer) server = NULL;
  g_autoptr(GSocket) socket = NULL;
  g_autoptr(GError) error = NULL;

  g_main_context_push_thread_default (context);
  server = soup_server_new ("server-header", NULL, NULL);
  soup_server_add_handler (server, NULL, answer_cb, NULL, NULL);
  socket = g_socket_new_from_fd (fd, &error);
  if (socket == NULL || !soup_server_listen_socket (server, socket, 0, &error))
    g_error ("%s", error->message);
  for (;;)
    g_main_context_iteration (context, TRUE);
  return NULL;
}

static gboolean
quit_cb (gpointer data)
{
  exit (0);
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GError) error = NULL;
  g_autofree char *port_text = NULL;
  guint64 workers;
  guint16 port = 0;

  if (argc != 3 || !g_ascii_string_to_unsigned (argv[1], 10, 1, 256, &workers, NULL))
    {
      g_printerr ("Usage: bench-bare-302 WORKERS PORT-FILE\n");
      return 2;
    }

  for (guint i = 0; i < workers; i++)
    {
      int fd = qrs_redirect_listen_socket_new ("127.0.0.1", port, &port, &error);

      if (fd < 0)
        g_error ("%s", error->message);
      g_thread_unref (g_thread_new ("bare", worker, GINT_TO_POINTER (fd)));
    }

  port_text = g_strdup_printf ("%u\n", port);
  if (!g_file_set_contents (argv[2], port_text, -1, &error))
    g_error ("%s", error->message);

  g_unix_signal_add (SIGTERM, quit_cb, NULL);
  g_unix_signal_add (SIGINT, quit_cb, NULL);
  g_main_loop_run (g_main_loop_new (NULL, FALSE));
  return 0;
}
