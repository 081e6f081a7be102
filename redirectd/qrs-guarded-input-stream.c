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
 * In the middle of a request, an end reads as an error, and so does
 * every read once the client timeout has passed.  The stream closes the
 * whole connection, socket and all, when libsoup closes the input; and
 * it can be told what arrives instead of polling for it
 * (qrs_guarded_input_stream_set_told()).
 *
 * It also counts what a request's head takes, the request line and the
 * header lines, and stops at a limit (qrs_guarded_input_stream_limit_head()):
 * libsoup 3.2 reads up to 64 KiB of them and then drops the connection
 * unanswered, where a client is owed a 414 or a 431.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "qrs-guarded-input-stream.h"

struct _QrsGuardedInputStream
{
  GFilterInputStream  parent_instance;

  GIOStream          *connection;
  QrsGuardedEndFunc   end_func;
  gpointer            user_data;
  gboolean            timed_out;
  /* Told rather than polled (qrs_guarded_input_stream_set_told()). */
  gboolean            told;
  gboolean            readable;   /* data may wait: cleared by a read that drains */
  gboolean            ended;      /* the client sends nothing more, for good */
  gboolean            urgent;     /* the client sent urgent data, once at least */
  /* The request's head, counted (qrs_guarded_input_stream_limit_head()). */
  gsize               head_limit; /* 0: none */
  gsize               head_bytes;
  gsize               line_end;   /* where the request line ended, 1-based; 0: not yet */
  gboolean            line_text;  /* the request line has begun: not an empty line before it */
  guint               blank;      /* 1: a line just ended; 2: and a CR followed */
  gboolean            in_head;    /* reads are of a request's head */
  QrsGuardedHead      too_large;  /* the limit was passed: no reads from then on */
  QrsGuardedEndFunc   too_large_func;
};

/* A source ready while the stream may have something to read: no file
 * descriptor of its own, so that waiting costs the context nothing. */
typedef struct
{
  GSource                source;
  QrsGuardedInputStream *stream;
} ToldSource;

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
  QrsGuardedInputStream *self = QRS_GUARDED_INPUT_STREAM (stream);
  GPollableInputStream *base;

  if (self->timed_out)
    return TRUE;
  if (self->too_large != QRS_GUARDED_HEAD_FITS)
    return FALSE;
  if (self->told)
    return self->readable || self->ended;

  base = get_base (self);
  return G_POLLABLE_INPUT_STREAM_GET_INTERFACE (base)->is_readable (base);
}

/* Timed out, every read fails at once, and libsoup lets the connection
 * go; a head too large is not read on. */
static gboolean
told_source_ready (QrsGuardedInputStream *stream)
{
  if (stream->timed_out)
    return TRUE;
  return (stream->readable || stream->ended) && stream->too_large == QRS_GUARDED_HEAD_FITS;
}

/* The flags are read again before every poll: told after this source
 * was checked, it is ready at the next prepare, and the poll does not
 * block although the epoll set that told it is drained. */
static gboolean
told_source_prepare (GSource *source,
                     gint    *timeout)
{
  QrsGuardedInputStream *stream = ((ToldSource *)source)->stream;

  *timeout = -1;
  return told_source_ready (stream);
}

static gboolean
told_source_check (GSource *source)
{
  return told_source_ready (((ToldSource *)source)->stream);
}

static gboolean
told_source_dispatch (GSource     *source,
                      GSourceFunc  callback,
                      gpointer     user_data)
{
  GPollableSourceFunc func = (GPollableSourceFunc)callback;

  return func != NULL ? func (G_OBJECT (((ToldSource *)source)->stream), user_data) : G_SOURCE_REMOVE;
}

static void
told_source_finalize (GSource *source)
{
  g_object_unref (((ToldSource *)source)->stream);
}

/* For g_source_set_dummy_callback(), which libsoup's
 * SoupFilterInputStream sets on the source it waits on. */
static gboolean
told_source_closure_callback (GObject  *stream,
                              gpointer  data)
{
  GClosure *closure = data;
  GValue param = G_VALUE_INIT;
  GValue result = G_VALUE_INIT;
  gboolean ret;

  g_value_init (&result, G_TYPE_BOOLEAN);
  g_value_init (&param, G_TYPE_OBJECT);
  g_value_set_object (&param, stream);
  g_closure_invoke (closure, &result, 1, &param, NULL);
  ret = g_value_get_boolean (&result);
  g_value_unset (&result);
  g_value_unset (&param);

  return ret;
}

static GSourceFuncs told_source_funcs = {
  told_source_prepare,
  told_source_check,
  told_source_dispatch,
  told_source_finalize,
  (GSourceFunc)told_source_closure_callback,
  NULL,
};

/* Told, a source that polls nothing (above).  Otherwise the base
 * stream's own source, not one more around it: libsoup's
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
  QrsGuardedInputStream *self = QRS_GUARDED_INPUT_STREAM (stream);
  GSource *source;

  if (!self->told)
    return g_pollable_input_stream_create_source (get_base (self), cancellable);

  source = g_source_new (&told_source_funcs, sizeof (ToldSource));
  g_source_set_static_name (source, "qrs-told-input");
  ((ToldSource *)source)->stream = g_object_ref (self);
  if (cancellable != NULL)
    {
      GSource *cancellable_source = g_cancellable_source_new (cancellable);

      g_source_set_dummy_callback (cancellable_source);
      g_source_add_child_source (source, cancellable_source);
      g_source_unref (cancellable_source);
    }
  return source;
}

/* Counts what @data holds of the request's head, up to its blank line
 * (LF LF or LF CR LF, as libsoup takes it): what follows in the same
 * read, a body or the next request, is not the head's.  Returns whether
 * the head passed the limit.  Newline to newline, so that a head costs
 * a memchr() a line. */
static gboolean
count_head (QrsGuardedInputStream *self,
            const char            *data,
            gsize                  length)
{
  const char *p = data;
  const char *end = data + length;

  while (p < end && self->in_head)
    {
      if (self->blank == 0)
        {
          const char *lf = memchr (p, '\n', end - p);

          /* libsoup skips empty lines before the request line. */
          if (self->line_end == 0 && !self->line_text)
            for (const char *q = p; q < (lf != NULL ? lf : end); q++)
              if (*q != '\r')
                {
                  self->line_text = TRUE;
                  break;
                }
          if (lf == NULL)
            {
              self->head_bytes += end - p;
              break;
            }
          self->head_bytes += lf + 1 - p;
          if (self->line_end == 0 && self->line_text)
            self->line_end = self->head_bytes;
          self->blank = 1;
          p = lf + 1;
          continue;
        }

      self->head_bytes++;
      if (*p == '\n')
        {
          /* libsoup reads on past an empty line with nothing before it
           * (soup_message_io_data_read_headers()). */
          if (self->head_bytes >= (self->blank == 1 ? 3u : 5u))
            self->in_head = FALSE;
          else
            self->blank = 1;
        }
      else if (*p == '\r' && self->blank == 1)
        self->blank = 2;
      else
        {
          /* A header line starts: look for its end as for any. */
          self->blank = 0;
          self->head_bytes--;
          continue;
        }
      p++;
    }
  return self->head_bytes > self->head_limit;
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
  if (G_UNLIKELY (self->too_large != QRS_GUARDED_HEAD_FITS))
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK, "The request's head is too large");
      return -1;
    }

  /* The base's own vfunc: the public call adds only checks of the
   * arguments and of a cancellable, which a vfunc is not given anyway. */
  n = G_POLLABLE_INPUT_STREAM_GET_INTERFACE (base)->read_nonblocking (base, buffer, count, &local_error);

  /* The end is a client's FIN, or its RST: a client closing with an
   * answer unread resets the connection, and the read fails instead. */
  if ((n == 0 && count > 0) ||
      (n < 0 && !g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK)))
    {
      if (self->end_func != NULL && self->end_func (self->user_data))
        {
          g_clear_error (&local_error);
          g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK, "The end is held back");
          return -1;
        }
      /* Shown, an end is always in the middle of a request: libsoup reads
       * a request up to its blank line and no further.  libsoup 3.2 takes
       * an end after whole header lines for the end of the headers
       * (soup_message_io_data_read_headers()), and would answer a request
       * its client never finished, and record its scan.  An error drops
       * the request unparsed. */
      if (n == 0)
        {
          g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED,
                               "The client ended the connection in the middle of a request");
          return -1;
        }
    }

  /* Drained: what comes next is told anew.  A short read drains a TCP
   * socket too, but for one thing: a read stops at urgent data's mark
   * with more to read, and no new arrival would tell of it.  Waiting
   * after a short read saves a read that would block each request: libsoup
   * waits for the next request right after an answer, without reading. */
  if (self->told && (n < 0 || ((gsize)n < count && !self->urgent)))
    self->readable = FALSE;

  if (n > 0 && self->in_head && self->head_limit > 0 && count_head (self, buffer, n))
    {
      /* Past the limit, the head is not read on: what was read is
       * dropped, and the owner refuses the request without libsoup. */
      self->too_large = self->line_end > 0 && self->line_end <= self->head_limit
                          ? QRS_GUARDED_HEAD_FIELDS_TOO_LARGE
                          : QRS_GUARDED_HEAD_LINE_TOO_LONG;
      self->readable = FALSE;
      if (self->too_large_func != NULL)
        self->too_large_func (self->user_data);
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK, "The request's head is too large");
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
  self->in_head = TRUE;
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
 * qrs_guarded_input_stream_set_told:
 * @self: a #QrsGuardedInputStream
 *
 * From now on the stream's sources wait to be told that there is
 * something to read, with qrs_guarded_input_stream_tell(), instead of
 * polling the socket.  GLib 2.74 writes to a context's wakeup descriptor
 * each time a source polling a descriptor is attached, dispatched or
 * destroyed: eight writes for each request libsoup reads.  The caller
 * must tell of every arrival after this call (an edge-triggered epoll
 * set does), and of the data already waiting.
 */
void
qrs_guarded_input_stream_set_told (QrsGuardedInputStream *self)
{
  g_return_if_fail (QRS_IS_GUARDED_INPUT_STREAM (self));

  self->told = TRUE;
  self->readable = TRUE;
}

/**
 * qrs_guarded_input_stream_tell:
 * @self: a #QrsGuardedInputStream
 * @ended: whether the client has ended its side or reset the connection
 * @urgent: whether urgent data waits (EPOLLPRI)
 *
 * Says that something came to read: data, or with @ended the end.
 */
void
qrs_guarded_input_stream_tell (QrsGuardedInputStream *self,
                               gboolean               ended,
                               gboolean               urgent)
{
  self->readable = TRUE;
  if (ended)
    self->ended = TRUE;
  if (urgent)
    self->urgent = TRUE;
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
  self->too_large_func = NULL;
  self->user_data = NULL;
}

/**
 * qrs_guarded_input_stream_limit_head:
 * @self: a #QrsGuardedInputStream
 * @limit: the most bytes a request's head may take, request line and
 *   header lines together; 0 for no limit
 * @too_large_func: (nullable): called, with the @user_data given at
 *   construction, by the read that passes @limit
 *
 * Counts what the reads of each request's head return, from the start
 * and from each qrs_guarded_input_stream_next_head() to the following
 * qrs_guarded_input_stream_head_read().  A read that passes @limit
 * drops what it read and says "would block", and so does every read
 * after it: the owner takes the connection back and answers
 * (qrs_guarded_input_stream_get_head()).
 */
void
qrs_guarded_input_stream_limit_head (QrsGuardedInputStream *self,
                                     gsize                  limit,
                                     QrsGuardedEndFunc      too_large_func)
{
  g_return_if_fail (QRS_IS_GUARDED_INPUT_STREAM (self));

  self->head_limit = limit;
  self->too_large_func = too_large_func;
}

/**
 * qrs_guarded_input_stream_head_read:
 * @self: a #QrsGuardedInputStream
 *
 * The request's head is whole: what follows (a body, the next requests)
 * is not counted.
 */
void
qrs_guarded_input_stream_head_read (QrsGuardedInputStream *self)
{
  self->in_head = FALSE;
}

/**
 * qrs_guarded_input_stream_next_head:
 * @self: a #QrsGuardedInputStream
 *
 * A request was answered: the next read may be of the next request's
 * head, counted from 0.
 */
void
qrs_guarded_input_stream_next_head (QrsGuardedInputStream *self)
{
  self->in_head = TRUE;
  self->head_bytes = 0;
  self->line_end = 0;
  self->line_text = FALSE;
  self->blank = 0;
}

/**
 * qrs_guarded_input_stream_get_head:
 * @self: a #QrsGuardedInputStream
 *
 * Returns: whether a request's head passed the limit, and where
 */
QrsGuardedHead
qrs_guarded_input_stream_get_head (QrsGuardedInputStream *self)
{
  g_return_val_if_fail (QRS_IS_GUARDED_INPUT_STREAM (self), QRS_GUARDED_HEAD_FITS);

  return self->too_large;
}
