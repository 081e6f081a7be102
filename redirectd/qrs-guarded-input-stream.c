/* qrs-guarded-input-stream.c — a connection's input, whose end can be
 * held back from libsoup
 *
 * libsoup 3.2 never lets go of a kept-alive connection whose client
 * hangs up between requests: the message waiting for the next request
 * reads the end, and nobody is told (fixed in libsoup 3.3).  Once it has
 * read the end, the connection cannot be taken back from libsoup either.
 * So libsoup reads through this stream, which asks before it shows the
 * end of the input, or a failed read (a client that closes with data
 * unread resets the connection): while a connection idles, they are
 * held back and the connection taken back and closed instead.  A client
 * that sends part of a request line and then hangs up is so closed
 * without the 400 libsoup would answer: the part is still in the
 * SoupFilterInputStream's buffer, and the request has not started.
 *
 * It also fails every read once the client timeout has passed in the
 * middle of a request, and closes the whole connection, socket and all,
 * when libsoup closes the input.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "qrs-guarded-input-stream.h"

struct _QrsGuardedInputStream
{
  GFilterInputStream  parent_instance;

  GIOStream          *connection;
  QrsGuardedEndFunc   end_func;
  gpointer            user_data;
  gboolean            timed_out;
};

static void qrs_guarded_input_stream_pollable_init (GPollableInputStreamInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (QrsGuardedInputStream, qrs_guarded_input_stream, G_TYPE_FILTER_INPUT_STREAM,
                               G_IMPLEMENT_INTERFACE (G_TYPE_POLLABLE_INPUT_STREAM,
                                                      qrs_guarded_input_stream_pollable_init))

static GPollableInputStream *
get_base (QrsGuardedInputStream *self)
{
  return G_POLLABLE_INPUT_STREAM (g_filter_input_stream_get_base_stream (G_FILTER_INPUT_STREAM (self)));
}

static gboolean
qrs_guarded_input_stream_can_poll (GPollableInputStream *stream)
{
  return TRUE;
}

static gboolean
qrs_guarded_input_stream_is_readable (GPollableInputStream *stream)
{
  GPollableInputStream *base = get_base (QRS_GUARDED_INPUT_STREAM (stream));

  return G_POLLABLE_INPUT_STREAM_GET_INTERFACE (base)->is_readable (base);
}

/* The base stream's own source, not one more around it: libsoup's
 * SoupFilterInputStream, the only reader, puts a source of its own
 * around whatever this returns, and one source less is made and
 * attached each time a request is awaited.  The guard holds for
 * non-blocking reads alone, the only ones libsoup 3.2's server makes: a
 * reader that read asynchronously (GLib's default read_async() waits on
 * this source, which would hand it the base stream) or blocking
 * (GFilterInputStream's read_fn and skip) would read past it. */
static GSource *
qrs_guarded_input_stream_create_source (GPollableInputStream *stream,
                                        GCancellable         *cancellable)
{
  return g_pollable_input_stream_create_source (get_base (QRS_GUARDED_INPUT_STREAM (stream)), cancellable);
}

static gssize
qrs_guarded_input_stream_read_nonblocking (GPollableInputStream  *stream,
                                           void                  *buffer,
                                           gsize                  count,
                                           GError               **error)
{
  QrsGuardedInputStream *self = QRS_GUARDED_INPUT_STREAM (stream);
  GPollableInputStream *base = get_base (self);
  g_autoptr(GError) local_error = NULL;
  gssize n;

  if (G_UNLIKELY (self->timed_out))
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT, "The client took too long");
      return -1;
    }

  /* The base's own vfunc: the public call adds only checks of the
   * arguments and of a cancellable, which a vfunc is not given anyway. */
  n = G_POLLABLE_INPUT_STREAM_GET_INTERFACE (base)->read_nonblocking (base, buffer, count, &local_error);

  /* The end is a client's FIN, or its RST: a client closing with an
   * answer unread resets the connection, and the read fails instead. */
  if (((n == 0 && count > 0) ||
       (n < 0 && !g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))) &&
      self->end_func != NULL && self->end_func (self->user_data))
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK, "The end is held back");
      return -1;
    }

  if (local_error != NULL)
    g_propagate_error (error, g_steal_pointer (&local_error));
  return n;
}

static gboolean
qrs_guarded_input_stream_close (GInputStream  *stream,
                                GCancellable  *cancellable,
                                GError       **error)
{
  QrsGuardedInputStream *self = QRS_GUARDED_INPUT_STREAM (stream);
  gboolean ok;

  ok = G_INPUT_STREAM_CLASS (qrs_guarded_input_stream_parent_class)->close_fn (stream, cancellable, error);
  /* The input alone keeps the socket open: close the connection too. */
  if (self->connection != NULL)
    g_io_stream_close (self->connection, cancellable, NULL);

  return ok;
}

static void
qrs_guarded_input_stream_dispose (GObject *object)
{
  QrsGuardedInputStream *self = QRS_GUARDED_INPUT_STREAM (object);

  self->end_func = NULL;
  g_clear_object (&self->connection);

  G_OBJECT_CLASS (qrs_guarded_input_stream_parent_class)->dispose (object);
}

static void
qrs_guarded_input_stream_class_init (QrsGuardedInputStreamClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GInputStreamClass *stream_class = G_INPUT_STREAM_CLASS (klass);

  object_class->dispose = qrs_guarded_input_stream_dispose;
  stream_class->close_fn = qrs_guarded_input_stream_close;
}

static void
qrs_guarded_input_stream_pollable_init (GPollableInputStreamInterface *iface)
{
  iface->can_poll = qrs_guarded_input_stream_can_poll;
  iface->is_readable = qrs_guarded_input_stream_is_readable;
  iface->create_source = qrs_guarded_input_stream_create_source;
  iface->read_nonblocking = qrs_guarded_input_stream_read_nonblocking;
}

static void
qrs_guarded_input_stream_init (QrsGuardedInputStream *self)
{
}

/**
 * qrs_guarded_input_stream_new:
 * @connection: a connection whose input stream is pollable
 * @end_func: asked when a read finds the end of the input
 * @user_data: data for @end_func
 *
 * Returns: (transfer full): the input of @connection, which closes
 *   @connection when closed
 */
GInputStream *
qrs_guarded_input_stream_new (GIOStream         *connection,
                              QrsGuardedEndFunc  end_func,
                              gpointer           user_data)
{
  QrsGuardedInputStream *self;

  g_return_val_if_fail (G_IS_IO_STREAM (connection), NULL);
  g_return_val_if_fail (G_IS_POLLABLE_INPUT_STREAM (g_io_stream_get_input_stream (connection)), NULL);

  self = g_object_new (QRS_TYPE_GUARDED_INPUT_STREAM,
                       "base-stream", g_io_stream_get_input_stream (connection),
                       "close-base-stream", TRUE,
                       NULL);
  self->connection = g_object_ref (connection);
  self->end_func = end_func;
  self->user_data = user_data;

  return G_INPUT_STREAM (self);
}

/**
 * qrs_guarded_input_stream_time_out:
 * @self: a #QrsGuardedInputStream
 *
 * Fails every read from now on with %G_IO_ERROR_TIMED_OUT.  Shutting
 * the connection down alone would let the reader see an end, and an end
 * after whole header lines reads as the end of the headers: libsoup
 * would answer a request its client never finished.
 */
void
qrs_guarded_input_stream_time_out (QrsGuardedInputStream *self)
{
  g_return_if_fail (QRS_IS_GUARDED_INPUT_STREAM (self));

  self->timed_out = TRUE;
}

/**
 * qrs_guarded_input_stream_forget:
 * @self: a #QrsGuardedInputStream
 *
 * Stops asking about the end, for when @user_data is going away: the end
 * is then shown as it comes.
 */
void
qrs_guarded_input_stream_forget (QrsGuardedInputStream *self)
{
  g_return_if_fail (QRS_IS_GUARDED_INPUT_STREAM (self));

  self->end_func = NULL;
  self->user_data = NULL;
}
