/* qrs-visitor-hash.h — the keyed hash that stands for a visitor
 *
 * HMAC-SHA256 over the client address and the user agent under the
 * day's salt, cut to 16 bytes.  The key is set once per day: the inner
 * and outer pads are hashed then, so a request pays only for its own
 * bytes, with no allocation.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define QRS_VISITOR_HASH_LENGTH 16

typedef struct _QrsVisitorHasher QrsVisitorHasher;

QrsVisitorHasher *qrs_visitor_hasher_new   (void);
void              qrs_visitor_hasher_free  (QrsVisitorHasher *self);
void              qrs_visitor_hasher_set_key (QrsVisitorHasher *self,
                                            const guint8     *key,
                                            gsize             key_length);
void              qrs_visitor_hasher_hash  (const QrsVisitorHasher *self,
                                            GInetAddress           *client,
                                            const char             *user_agent,
                                            guint8                  hash[QRS_VISITOR_HASH_LENGTH]);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (QrsVisitorHasher, qrs_visitor_hasher_free)

G_END_DECLS
