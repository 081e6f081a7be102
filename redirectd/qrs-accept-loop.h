/* qrs-accept-loop.h — the connections of a listening socket, handed to
 * a SoupServer
 *
 * libsoup 3.2's own listener gives up for good on the first failed
 * accept(): one moment out of file descriptors and the socket is never
 * polled again, while the kernel still queues connections on it.  This
 * loop accepts for the server instead: it waits and tries again when
 * descriptors or memory run out, and closes a connection that takes
 * longer than the client timeout to send a request and read its answer.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <libsoup/soup.h>

G_BEGIN_DECLS

typedef struct _QrsAcceptLoop QrsAcceptLoop;

/* RFC 6585's, which libsoup 3.2 has no name for. */
#define QRS_STATUS_REQUEST_HEADER_FIELDS_TOO_LARGE 431

typedef void (*QrsAcceptLoopRefuseFunc) (SoupServerMessage *msg,
                                         guint              status,
                                         gpointer           user_data);

QrsAcceptLoop *qrs_accept_loop_new                (SoupServer        *server,
                                                   GSocket           *socket,
                                                   guint              client_timeout_s,
                                                   GMainContext      *context,
                                                   GError           **error);
void           qrs_accept_loop_free               (QrsAcceptLoop     *self);
void           qrs_accept_loop_set_client_timeout (QrsAcceptLoop     *self,
                                                   guint              client_timeout_s);
void           qrs_accept_loop_shutdown           (QrsAcceptLoop     *self);
void           qrs_accept_loop_request_finished   (SoupServerMessage *msg);
void           qrs_accept_loop_request_read       (SoupServerMessage *msg);
void           qrs_accept_loop_set_refuse_func    (QrsAcceptLoop     *self,
                                                   QrsAcceptLoopRefuseFunc func,
                                                   gpointer           user_data);
void           qrs_accept_loop_refuse             (SoupServerMessage *msg,
                                                   const char        *answer,
                                                   gsize              length);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (QrsAcceptLoop, qrs_accept_loop_free)

G_END_DECLS
