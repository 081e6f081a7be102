/* qrs-accept-loop.c — the connections of a listening socket, handed to
 * a SoupServer
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <glib-unix.h>

#include "qrs-accept-loop.h"
#include "qrs-guarded-input-stream.h"

/* One wakeup takes a burst of waiting connections, not all of them: the
 * requests of those already taken want the thread too. */
#define ACCEPT_BURST      32
/* How long to leave the queue alone when descriptors run out: long
 * enough not to spin, short enough that nobody waits for long once
 * connections close. */
#define RETRY_MS          100
#define WARNING_INTERVAL  (60 * G_USEC_PER_SEC)
#define ARRIVALS_BURST    64
/* The most a request's head may take, request line and header lines: a
 * little more than nginx's default four 8 KiB buffers, half libsoup's
 * own limit, past which it drops the connection unanswered. */
#define HEAD_LIMIT        (32 * 1024)
/* After refusing a request, what the client still sends is read and
 * dropped before the connection closes, for this long at most: closed
 * with data unread, the connection would be reset, and a reset can
 * lose the answer on its way. */
#define LINGER_MS         2000
#define LINGER_BYTES      (1024 * 1024)

/* The epoll set that tells the loop's connections what arrives for
 * them, so that libsoup's waits on them poll nothing of their own
 * (qrs_guarded_input_stream_set_told()); shared with the connections,
 * which may outlive the loop. */
typedef struct
{
  gint ref_count;
  int  fd;
} Arrivals;

static Arrivals *
arrivals_ref (Arrivals *arrivals)
{
  arrivals->ref_count++;
  return arrivals;
}

static void
arrivals_unref (Arrivals *arrivals)
{
  if (--arrivals->ref_count == 0)
    {
      close (arrivals->fd);
      g_free (arrivals);
    }
}

typedef struct
{
  GSource   source;
  Arrivals *arrivals;
  gpointer  tag;
} ArrivalsSource;

struct _QrsAcceptLoop
{
  SoupServer   *server;
  GSocket      *socket;
  GMainContext *context;
  GSource      *accept_source;
  GSource      *retry_source;
  gint          client_timeout_s;   /* atomic */
  gulong        request_started_id;
  Arrivals     *arrivals;
  GSource      *arrivals_source;
  gint64        last_warning;
  QrsAcceptLoopRefuseFunc refuse_func;
  gpointer      refuse_data;
};

/* What we know of one connection.  It is kept on the connection's
 * remote address, the one object libsoup 3.2 gives back for a message
 * of a connection handed over with soup_server_accept_iostream():
 * soup_server_message_get_socket() is NULL for those.
 *
 * libsoup 3.2 never lets go of a kept-alive connection whose client
 * hangs up while it waits for the next request, and cannot give it back
 * once it has read the end (qrs-guarded-input-stream.c).  So libsoup
 * reads through a stream that asks here before it shows the end: while
 * the connection idles, between an answer and the next request, the end
 * is held back, and the connection is taken back and closed, as it is
 * when it idles past its deadline. */
typedef struct
{
  GSocket               *socket;
  Arrivals              *arrivals;
  GSource               *source;     /* the deadline */
  GSource               *end_source; /* taking back a connection that ended */
  GSource               *refuse_source; /* taking back one whose request's head is too large */
  QrsAcceptLoopRefuseFunc refuse_func;
  gpointer               refuse_data;
  QrsGuardedInputStream *input;
  SoupServerMessage     *message;    /* the connection's first, to take it back */
  gulong                 disconnected_id;
  gint64                 timeout_us; /* 0: none */
  gint64                 expires;
  gboolean               idle;       /* between an answer and the next request */
} Client;

static void start_accepting (QrsAcceptLoop *self);

static GQuark
client_quark (void)
{
  static gsize quark = 0;

  if (g_once_init_enter (&quark))
    g_once_init_leave (&quark, g_quark_from_static_string ("qrs-accept-loop-client"));
  return (GQuark)quark;
}

static Client *
client_of (SoupServerMessage *msg)
{
  GSocketAddress *remote = soup_server_message_get_remote_address (msg);

  return remote != NULL ? g_object_get_qdata (G_OBJECT (remote), client_quark ()) : NULL;
}

static void
renew_deadline (Client *client)
{
  if (client->timeout_us > 0)
    client->expires = g_get_monotonic_time () + client->timeout_us;
}

/* The connection ended, or timed out, while libsoup waited for its next
 * request: taken from libsoup, which forgets it, and closed.  @client
 * may be gone on return. */
static void
let_go (Client *client)
{
  g_autoptr(SoupServerMessage) message = g_object_ref (client->message);
  g_autoptr(GIOStream) stream = NULL;

  client->idle = FALSE;
  stream = soup_server_message_steal_connection (message);
  if (stream != NULL)
    g_io_stream_close (stream, NULL, NULL);
}

static gboolean
client_dispatch (GSource     *source,
                 GSourceFunc  callback,
                 gpointer     user_data)
{
  return callback (user_data);
}

/* A source that wakes at its ready time alone, so that renewing the
 * deadline after each request costs one store, not a new timer. */
static GSourceFuncs client_funcs = { NULL, NULL, client_dispatch, NULL, NULL, NULL };

static gboolean
client_cb (gpointer data)
{
  Client *client = data;

  if (g_source_get_ready_time (client->source) < 0)
    return G_SOURCE_CONTINUE;
  if (g_get_monotonic_time () < client->expires)
    {
      /* A request came or was answered since the timer was set. */
      g_source_set_ready_time (client->source, client->expires);
      return G_SOURCE_CONTINUE;
    }

  g_debug ("Closing a connection idle or too slow for %" G_GINT64_FORMAT " s",
           client->timeout_us / G_USEC_PER_SEC);
  g_source_set_ready_time (client->source, -1);
  if (client->idle)
    {
      let_go (client);
      return G_SOURCE_CONTINUE;
    }
  /* In the middle of a request: its reads fail from now on, and the
   * connection is shut down, not closed under libsoup's feet, so that
   * libsoup reads (or writes) once more, fails, and lets it go. */
  if (client->input != NULL)
    qrs_guarded_input_stream_time_out (client->input);
  g_socket_shutdown (client->socket, TRUE, TRUE, NULL);
  return G_SOURCE_CONTINUE;
}

static gboolean
end_cb (gpointer data)
{
  Client *client = data;

  g_clear_pointer (&client->end_source, g_source_unref);
  if (client->idle)
    let_go (client);
  return G_SOURCE_REMOVE;
}

/* Runs @func for @client first thing in the next pass of its loop,
 * outside libsoup's read that asked for it.  Returns the source, to
 * keep until it ran or the client goes. */
static GSource *
first_thing (Client      *client,
             const char  *name,
             GSourceFunc  func)
{
  GSource *source = g_idle_source_new ();

  g_source_set_static_name (source, name);
  g_source_set_priority (source, G_PRIORITY_HIGH);
  g_source_set_callback (source, func, client, NULL);
  g_source_attach (source, g_source_get_context (client->source));
  return source;
}

/* A read found the client's end.  In the middle of a request libsoup
 * sees it and lets the connection go; idle, the end is held back until
 * the connection has been taken back, first thing in the next pass of
 * the loop. */
static gboolean
client_ended (gpointer data)
{
  Client *client = data;

  if (!client->idle)
    return FALSE;

  if (client->end_source == NULL)
    client->end_source = first_thing (client, "qrs-client-end", end_cb);
  return TRUE;
}

/* A request's head passed the limit: the connection is taken back and
 * the request refused, first thing in the next pass of the loop.  By
 * then libsoup has said the request started (the limit is larger than a
 * read), so the connection has its message. */
static gboolean
refuse_cb (gpointer data)
{
  Client *client = data;
  g_autoptr(SoupServerMessage) message = NULL;
  guint status;

  g_clear_pointer (&client->refuse_source, g_source_unref);
  if (client->message == NULL)
    {
      /* Never seen: then libsoup is left to fail and let it go (a timed
       * out stream is ready, and fails every read). */
      qrs_guarded_input_stream_time_out (client->input);
      g_socket_shutdown (client->socket, TRUE, TRUE, NULL);
      return G_SOURCE_REMOVE;
    }

  status = qrs_guarded_input_stream_get_head (client->input) == QRS_GUARDED_HEAD_LINE_TOO_LONG
             ? SOUP_STATUS_REQUEST_URI_TOO_LONG
             : QRS_STATUS_REQUEST_HEADER_FIELDS_TOO_LARGE;
  message = g_object_ref (client->message);
  client->idle = FALSE;
  /* @client may be gone from here on. */
  if (client->refuse_func != NULL)
    client->refuse_func (message, status, client->refuse_data);
  else
    {
      g_autoptr(GIOStream) stream = soup_server_message_steal_connection (message);

      if (stream != NULL)
        g_io_stream_close (stream, NULL, NULL);
    }
  return G_SOURCE_REMOVE;
}

static gboolean
client_too_large (gpointer data)
{
  Client *client = data;

  if (client->refuse_source == NULL)
    {
      g_debug ("Refusing a request whose head passed %d bytes", HEAD_LIMIT);
      client->refuse_source = first_thing (client, "qrs-client-refuse", refuse_cb);
    }
  return TRUE;
}

static void
message_disconnected_cb (SoupServerMessage *message,
                         gpointer           data)
{
  Client *client = data;

  client->idle = FALSE;
  g_signal_handler_disconnect (message, client->disconnected_id);
  client->disconnected_id = 0;
  /* Last: the message holds the connection, which holds @client. */
  g_clear_object (&client->message);
}

static void
request_started_cb (SoupServer        *server,
                    SoupServerMessage *msg,
                    gpointer           user_data)
{
  Client *client = client_of (msg);

  if (client == NULL)
    return;

  client->idle = FALSE;
  renew_deadline (client);
  if (client->message == NULL)
    {
      /* Kept for the connection's life: any of its messages can take it
       * from libsoup, and this one says when libsoup let it go. */
      client->message = g_object_ref (msg);
      client->disconnected_id = g_signal_connect (msg, "disconnected",
                                                  G_CALLBACK (message_disconnected_cb), client);
    }
}

static void
client_free (Client *client)
{
  g_assert (client->message == NULL);

  if (client->end_source != NULL)
    {
      g_source_destroy (client->end_source);
      g_source_unref (client->end_source);
    }
  if (client->refuse_source != NULL)
    {
      g_source_destroy (client->refuse_source);
      g_source_unref (client->refuse_source);
    }
  if (client->input != NULL)
    {
      qrs_guarded_input_stream_forget (client->input);
      g_object_unref (client->input);
    }
  /* Closing the descriptor takes it out of the epoll set; open still, it
   * must not be left there pointing at a freed client. */
  if (!g_socket_is_closed (client->socket))
    epoll_ctl (client->arrivals->fd, EPOLL_CTL_DEL, g_socket_get_fd (client->socket), NULL);
  arrivals_unref (client->arrivals);
  g_source_destroy (client->source);
  g_source_unref (client->source);
  g_object_unref (client->socket);
  g_free (client);
}

static Client *
watch_client (QrsAcceptLoop  *self,
              GSocket        *socket,
              GSocketAddress *remote)
{
  Client *client;
  guint timeout_s = g_atomic_int_get (&self->client_timeout_s);

  client = g_new0 (Client, 1);
  client->socket = g_object_ref (socket);
  client->arrivals = arrivals_ref (self->arrivals);
  client->timeout_us = (gint64)timeout_s * G_USEC_PER_SEC;
  client->refuse_func = self->refuse_func;
  client->refuse_data = self->refuse_data;
  client->source = g_source_new (&client_funcs, sizeof (GSource));
  g_source_set_static_name (client->source, "qrs-client");
  g_source_set_callback (client->source, client_cb, client, NULL);
  if (timeout_s > 0)
    {
      renew_deadline (client);
      g_source_set_ready_time (client->source, client->expires);
    }
  g_source_attach (client->source, self->context);
  /* Freed when libsoup lets the connection go. */
  g_object_set_qdata_full (G_OBJECT (remote), client_quark (), client, (GDestroyNotify)client_free);

  return client;
}

static void
serve (QrsAcceptLoop *self,
       int            fd)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocket) socket = NULL;
  g_autoptr(GSocketAddress) local = NULL;
  g_autoptr(GSocketAddress) remote = NULL;
  g_autoptr(GSocketConnection) connection = NULL;
  g_autoptr(GInputStream) input = NULL;
  g_autoptr(GIOStream) stream = NULL;
  Client *client;

  socket = g_socket_new_from_fd (fd, &error);
  if (socket == NULL)
    {
      close (fd);
      g_debug ("Dropping a connection: %s", error->message);
      return;
    }
  /* An answer is written in more than one piece: no waiting for ACKs. */
  g_socket_set_option (socket, IPPROTO_TCP, TCP_NODELAY, TRUE, NULL);

  /* Gone already, when the client hung up while it waited in the queue. */
  local = g_socket_get_local_address (socket, NULL);
  remote = g_socket_get_remote_address (socket, NULL);
  if (local == NULL || remote == NULL)
    return;

  client = watch_client (self, socket, remote);
  connection = g_socket_connection_factory_create_connection (socket);
  input = qrs_guarded_input_stream_new (G_IO_STREAM (connection), client_ended, client);
  client->input = QRS_GUARDED_INPUT_STREAM (g_object_ref (input));
  qrs_guarded_input_stream_limit_head (client->input, HEAD_LIMIT, client_too_large);
  /* Edge-triggered: each arrival is told once, and the stream knows when
   * a read has drained the socket.  Already readable, it is told at once. */
  {
    struct epoll_event event = { .events = EPOLLIN | EPOLLPRI | EPOLLRDHUP | EPOLLET, .data.ptr = client };

    if (epoll_ctl (self->arrivals->fd, EPOLL_CTL_ADD, fd, &event) == 0)
      qrs_guarded_input_stream_set_told (client->input);
    else
      g_debug ("Polling a connection itself: %s", g_strerror (errno));
  }
  stream = g_simple_io_stream_new (input, g_io_stream_get_output_stream (G_IO_STREAM (connection)));
  if (!soup_server_accept_iostream (self->server, stream, local, remote, &error))
    g_debug ("Dropping a connection: %s", error->message);
}

static gboolean
retry_cb (gpointer data)
{
  QrsAcceptLoop *self = data;

  g_clear_pointer (&self->retry_source, g_source_unref);
  start_accepting (self);
  return G_SOURCE_REMOVE;
}

/* The connection that could not be accepted stays queued, so the socket
 * stays readable: polling it now would spin. */
static void
pause_accepting (QrsAcceptLoop *self,
                 int            saved_errno)
{
  gint64 now = g_get_monotonic_time ();

  if (self->last_warning == 0 || now - self->last_warning >= WARNING_INTERVAL)
    {
      g_warning ("Cannot accept connections for now (%s); trying again every %u ms",
                 g_strerror (saved_errno), RETRY_MS);
      self->last_warning = now;
    }

  g_source_destroy (self->accept_source);
  g_clear_pointer (&self->accept_source, g_source_unref);
  self->retry_source = g_timeout_source_new (RETRY_MS);
  g_source_set_static_name (self->retry_source, "qrs-accept-retry");
  g_source_set_callback (self->retry_source, retry_cb, self, NULL);
  g_source_attach (self->retry_source, self->context);
}

static gboolean
accept_cb (GSocket      *socket,
           GIOCondition  condition,
           gpointer      user_data)
{
  QrsAcceptLoop *self = user_data;

  for (guint i = 0; i < ACCEPT_BURST; i++)
    {
      /* Not g_socket_accept(): its GError says ENOBUFS and ECONNABORTED
       * alike, and only one of them calls for a pause.  The GSocket made
       * of the descriptor makes it non-blocking. */
      int fd = accept (g_socket_get_fd (self->socket), NULL, NULL);

      if (fd >= 0)
        {
          fcntl (fd, F_SETFD, FD_CLOEXEC);
          serve (self, fd);
          continue;
        }

      switch (errno)
        {
        case EAGAIN:
          return G_SOURCE_CONTINUE;

        case EMFILE:
        case ENFILE:
        case ENOBUFS:
        case ENOMEM:
          pause_accepting (self, errno);
          return G_SOURCE_REMOVE;

        case EBADF:
        case EINVAL:
        case ENOTSOCK:
          /* Shut down by qrs_accept_loop_shutdown(): no more connections. */
          g_clear_pointer (&self->accept_source, g_source_unref);
          return G_SOURCE_REMOVE;

        default:
          /* EINTR, or one connection that died in the queue
           * (ECONNABORTED, EPROTO, a network error, see accept(2)):
           * the next may be fine. */
          break;
        }
    }
  return G_SOURCE_CONTINUE;
}

/* libsoup 3.2 keeps a connection open after an answer only when the
 * server has a listener of its own (request_finished() in
 * soup-server.c): without one, every request would cost a connection.
 * It gets a listener that can never accept anything, a loopback socket
 * shut down as soon as libsoup has it. */
static gboolean
add_decoy_listener (SoupServer  *server,
                    GError     **error)
{
  g_autoptr(GSocket) decoy = NULL;
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new (loopback, 0);

  decoy = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, error);
  if (decoy == NULL ||
      !g_socket_bind (decoy, address, FALSE, error) ||
      !g_socket_listen (decoy, error) ||
      !soup_server_listen_socket (server, decoy, 0, error))
    return FALSE;
  return g_socket_shutdown (decoy, TRUE, TRUE, error);
}

/* Checked before the sources of the connections, which come after it in
 * its priority: it tells them what arrived, and they are ready in the
 * same pass of the loop.  Should a source of higher priority be ready,
 * neither this nor they are checked, and the epoll set, still readable,
 * is read in the next pass. */
static gboolean
arrivals_check (GSource *source)
{
  ArrivalsSource *self = (ArrivalsSource *)source;
  struct epoll_event events[ARRIVALS_BURST];
  int n;

  if ((g_source_query_unix_fd (source, self->tag) & G_IO_IN) == 0)
    return FALSE;

  do
    {
      n = epoll_wait (self->arrivals->fd, events, ARRIVALS_BURST, 0);
      for (int i = 0; i < n; i++)
        {
          Client *client = events[i].data.ptr;

          qrs_guarded_input_stream_tell (client->input,
                                         (events[i].events & (EPOLLRDHUP | EPOLLHUP | EPOLLERR)) != 0,
                                         (events[i].events & EPOLLPRI) != 0);
        }
    }
  while (n == ARRIVALS_BURST);

  return FALSE;
}

/* GLib dispatches a source whose descriptor polled ready whatever its
 * check said; there is nothing left to do then. */
static gboolean
arrivals_dispatch (GSource     *source,
                   GSourceFunc  callback,
                   gpointer     user_data)
{
  return G_SOURCE_CONTINUE;
}

static void
arrivals_finalize (GSource *source)
{
  arrivals_unref (((ArrivalsSource *)source)->arrivals);
}

static GSourceFuncs arrivals_funcs = { NULL, arrivals_check, arrivals_dispatch, arrivals_finalize, NULL, NULL };

static void
start_accepting (QrsAcceptLoop *self)
{
  self->accept_source = g_socket_create_source (self->socket, G_IO_IN, NULL);
  g_source_set_static_name (self->accept_source, "qrs-accept");
  g_source_set_callback (self->accept_source, G_SOURCE_FUNC (accept_cb), self, NULL);
  g_source_attach (self->accept_source, self->context);
}

/**
 * qrs_accept_loop_new:
 * @server: the server the connections go to
 * @socket: a listening socket
 * @client_timeout_s: how long a connection may idle, from its start or
 *   from the previous answer, and take to send a request and read its
 *   answer, from the request's first byte; 0 for no limit
 * @context: (nullable): the context @server runs in
 * @error: a #GError
 *
 * Starts accepting connections on @socket in @context.
 *
 * Returns: (transfer full): the loop, to free in @context's thread; or
 *   %NULL with @error set
 */
QrsAcceptLoop *
qrs_accept_loop_new (SoupServer    *server,
                     GSocket       *socket,
                     guint          client_timeout_s,
                     GMainContext  *context,
                     GError       **error)
{
  QrsAcceptLoop *self;

  g_return_val_if_fail (SOUP_IS_SERVER (server), NULL);
  g_return_val_if_fail (G_IS_SOCKET (socket), NULL);

  if (!add_decoy_listener (server, error))
    return NULL;

  self = g_new0 (QrsAcceptLoop, 1);
  self->arrivals = g_new0 (Arrivals, 1);
  self->arrivals->ref_count = 1;
  self->arrivals->fd = epoll_create1 (EPOLL_CLOEXEC);
  if (self->arrivals->fd < 0)
    {
      int saved_errno = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
                   "epoll_create1: %s", g_strerror (saved_errno));
      g_free (self->arrivals);
      g_free (self);
      return NULL;
    }
  self->server = g_object_ref (server);
  self->socket = g_object_ref (socket);
  self->context = context ? g_main_context_ref (context) : g_main_context_ref_thread_default ();
  self->client_timeout_s = (gint)MIN (client_timeout_s, G_MAXINT);
  self->request_started_id = g_signal_connect (server, "request-started",
                                               G_CALLBACK (request_started_cb), NULL);
  /* Attached before any connection's source, so checked before theirs
   * in its priority: what it tells is seen in the same pass of the loop
   * (and if not, at the next prepare).  Never blocked while dispatched,
   * since blocking a source with a descriptor is what costs a wakeup
   * write. */
  self->arrivals_source = g_source_new (&arrivals_funcs, sizeof (ArrivalsSource));
  g_source_set_static_name (self->arrivals_source, "qrs-arrivals");
  g_source_set_can_recurse (self->arrivals_source, TRUE);
  ((ArrivalsSource *)self->arrivals_source)->arrivals = arrivals_ref (self->arrivals);
  ((ArrivalsSource *)self->arrivals_source)->tag =
    g_source_add_unix_fd (self->arrivals_source, self->arrivals->fd, G_IO_IN);
  g_source_attach (self->arrivals_source, self->context);
  start_accepting (self);

  return self;
}

void
qrs_accept_loop_free (QrsAcceptLoop *self)
{
  if (self == NULL)
    return;

  if (self->accept_source != NULL)
    g_source_destroy (self->accept_source);
  g_clear_pointer (&self->accept_source, g_source_unref);
  if (self->retry_source != NULL)
    g_source_destroy (self->retry_source);
  g_clear_pointer (&self->retry_source, g_source_unref);
  g_socket_close (self->socket, NULL);
  g_clear_object (&self->socket);
  g_clear_signal_handler (&self->request_started_id, self->server);
  g_source_destroy (self->arrivals_source);
  g_clear_pointer (&self->arrivals_source, g_source_unref);
  arrivals_unref (self->arrivals);
  g_clear_object (&self->server);
  g_clear_pointer (&self->context, g_main_context_unref);
  g_free (self);
}

/**
 * qrs_accept_loop_set_client_timeout:
 *
 * For the connections accepted from now on.  Safe from any thread.
 */
void
qrs_accept_loop_set_client_timeout (QrsAcceptLoop *self,
                                    guint          client_timeout_s)
{
  g_return_if_fail (self != NULL);

  g_atomic_int_set (&self->client_timeout_s, (gint)MIN (client_timeout_s, G_MAXINT));
}

/**
 * qrs_accept_loop_shutdown:
 *
 * Refuses new connections at once, while the descriptor stays valid for
 * the thread still polling it.  Safe from any thread.
 */
void
qrs_accept_loop_shutdown (QrsAcceptLoop *self)
{
  g_return_if_fail (self != NULL);

  shutdown (g_socket_get_fd (self->socket), SHUT_RDWR);
}

/**
 * qrs_accept_loop_request_finished:
 * @msg: a message whose answer was sent
 *
 * Gives the connection of @msg a whole client timeout again, for its
 * next request.  Call it from the server's "request-finished" and
 * "request-aborted" both: libsoup keeps a connection alive after some
 * aborted requests too (a complete exchange answered 500).
 */
void
qrs_accept_loop_request_finished (SoupServerMessage *msg)
{
  Client *client = client_of (msg);

  if (client == NULL)
    return;

  renew_deadline (client);
  if (client->input != NULL)
    qrs_guarded_input_stream_next_head (client->input);
  /* Kept alive, the connection idles until its next request; not kept,
   * libsoup disconnects it right after this (message_disconnected_cb()). */
  if (client->message != NULL)
    client->idle = TRUE;
}

/**
 * qrs_accept_loop_request_read:
 * @msg: a message whose request's head was read whole
 *
 * Stops counting what is read of @msg's connection against the limit of
 * a request's head, until the request is finished.  Call it from an
 * early handler.
 */
void
qrs_accept_loop_request_read (SoupServerMessage *msg)
{
  Client *client = client_of (msg);

  if (client != NULL && client->input != NULL)
    qrs_guarded_input_stream_head_read (client->input);
}

/**
 * qrs_accept_loop_set_refuse_func:
 * @self: a #QrsAcceptLoop
 * @func: (nullable): called with a message whose request's head passed
 *   the limit, and the status to refuse it with
 *   (%SOUP_STATUS_REQUEST_URI_TOO_LONG, %QRS_STATUS_REQUEST_HEADER_FIELDS_TOO_LARGE)
 * @user_data: data for @func
 *
 * @func answers, with qrs_accept_loop_refuse().  Without it, such a
 * connection is closed unanswered.  For the connections accepted from
 * now on.
 */
void
qrs_accept_loop_set_refuse_func (QrsAcceptLoop           *self,
                                 QrsAcceptLoopRefuseFunc  func,
                                 gpointer                 user_data)
{
  g_return_if_fail (self != NULL);

  self->refuse_func = func;
  self->refuse_data = user_data;
}

typedef struct
{
  GIOStream *stream;
  int        fd;
  gint64     deadline;
  gsize      dropped;
} Linger;

static void
linger_free (Linger *linger)
{
  g_io_stream_close (linger->stream, NULL, NULL);
  g_object_unref (linger->stream);
  g_free (linger);
}

/* A GUnixFDSource, not a GSocket's: a GSocket source forgets its ready
 * time each time it is dispatched (socket_source_dispatch()), and the
 * deadline with it. */
static gboolean
linger_cb (gint          fd,
           GIOCondition  condition,
           gpointer      data)
{
  Linger *linger = data;
  char buffer[16 * 1024];
  gssize n;

  if (g_get_monotonic_time () >= linger->deadline)
    return G_SOURCE_REMOVE;
  while ((n = recv (fd, buffer, sizeof buffer, MSG_DONTWAIT)) > 0)
    {
      linger->dropped += n;
      if (linger->dropped > LINGER_BYTES)
        return G_SOURCE_REMOVE;
    }
  /* Done at the client's end or a failure; waiting while nothing came. */
  return n < 0 && (errno == EAGAIN || errno == EINTR) ? G_SOURCE_CONTINUE : G_SOURCE_REMOVE;
}

/**
 * qrs_accept_loop_refuse:
 * @msg: a message of a connection accepted by a #QrsAcceptLoop, whose
 *   request is refused before libsoup answers it
 * @answer: the whole answer, status line, headers and body
 * @length: its length
 *
 * Takes the connection of @msg from libsoup, writes @answer without
 * waiting, and closes the connection gracefully: the sending side at
 * once, the receiving side when the client has sent everything, or
 * after a while (nginx's lingering close).  Closed outright with data
 * unread, the connection would be reset, and a reset that reaches the
 * client before it read the answer can lose it.  No "request-finished"
 * or "request-aborted" follows.
 */
void
qrs_accept_loop_refuse (SoupServerMessage *msg,
                        const char        *answer,
                        gsize              length)
{
  Client *client = client_of (msg);
  g_autoptr(GSocket) socket = client != NULL ? g_object_ref (client->socket) : NULL;
  g_autoptr(GIOStream) stream = NULL;
  GOutputStream *out;
  Linger *linger;
  GSource *source;

  stream = soup_server_message_steal_connection (msg);
  if (stream == NULL)
    return;
  out = g_io_stream_get_output_stream (stream);
  if (G_IS_POLLABLE_OUTPUT_STREAM (out))
    g_pollable_output_stream_write_nonblocking (G_POLLABLE_OUTPUT_STREAM (out), answer, length, NULL, NULL);
  if (socket == NULL || !g_socket_shutdown (socket, FALSE, TRUE, NULL))
    {
      g_io_stream_close (stream, NULL, NULL);
      return;
    }

  linger = g_new0 (Linger, 1);
  linger->stream = g_steal_pointer (&stream);
  linger->fd = g_socket_get_fd (socket);
  linger->deadline = g_get_monotonic_time () + LINGER_MS * 1000;
  source = g_unix_fd_source_new (linger->fd, G_IO_IN | G_IO_HUP | G_IO_ERR);
  g_source_set_static_name (source, "qrs-linger");
  g_source_set_ready_time (source, linger->deadline);
  g_source_set_callback (source, G_SOURCE_FUNC (linger_cb), linger, (GDestroyNotify)linger_free);
  g_source_attach (source, g_main_context_get_thread_default ());
  g_source_unref (source);
}
