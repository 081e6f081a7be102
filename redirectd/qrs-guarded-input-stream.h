/* qrs-guarded-input-stream.h — a connection's input, whose end can be
 * held back from libsoup
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define QRS_TYPE_GUARDED_INPUT_STREAM (qrs_guarded_input_stream_get_type ())

G_DECLARE_FINAL_TYPE (QrsGuardedInputStream, qrs_guarded_input_stream, QRS, GUARDED_INPUT_STREAM, GFilterInputStream)

/* Called when a read finds the end of the input, or fails: %TRUE holds it back
 * (the read says "would block"), %FALSE lets the reader see it. */
typedef gboolean (*QrsGuardedEndFunc) (gpointer user_data);

typedef enum
{
  QRS_GUARDED_HEAD_FITS,
  QRS_GUARDED_HEAD_LINE_TOO_LONG,     /* the request line alone passed the limit */
  QRS_GUARDED_HEAD_FIELDS_TOO_LARGE,  /* the request line and header lines */
} QrsGuardedHead;

GInputStream *qrs_guarded_input_stream_new      (GIOStream             *connection,
                                                 QrsGuardedEndFunc      end_func,
                                                 gpointer               user_data);
void          qrs_guarded_input_stream_set_told (QrsGuardedInputStream *self);
void          qrs_guarded_input_stream_tell     (QrsGuardedInputStream *self,
                                                 gboolean               ended,
                                                 gboolean               urgent);
void          qrs_guarded_input_stream_time_out (QrsGuardedInputStream *self);
void          qrs_guarded_input_stream_forget   (QrsGuardedInputStream *self);
void          qrs_guarded_input_stream_limit_head (QrsGuardedInputStream *self,
                                                   gsize                  limit,
                                                   QrsGuardedEndFunc      too_large_func);
void          qrs_guarded_input_stream_head_read  (QrsGuardedInputStream *self);
void          qrs_guarded_input_stream_next_head  (QrsGuardedInputStream *self);
QrsGuardedHead qrs_guarded_input_stream_get_head  (QrsGuardedInputStream *self);

G_END_DECLS
