/* qrs-visitor-hash.c — the keyed hash that stands for a visitor
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include <nettle/hmac.h>

#include "qrs-visitor-hash.h"

/* The longest user agent that goes into the hash; the record keeps less. */
#define USER_AGENT_HASHED_MAX 8192

struct _QrsVisitorHasher
{
  /* Keyed once; each hash works on a copy, so the keyed state is never
   * touched by a request and a hash needs no lock. */
  struct hmac_sha256_ctx keyed;
};

QrsVisitorHasher *
qrs_visitor_hasher_new (void)
{
  return g_new0 (QrsVisitorHasher, 1);
}

void
qrs_visitor_hasher_free (QrsVisitorHasher *self)
{
  if (self == NULL)
    return;
  /* The keyed state is as good as the salt. */
  explicit_bzero (self, sizeof *self);
  g_free (self);
}

/**
 * qrs_visitor_hasher_set_key:
 * @key: (array length=key_length): the day's salt
 *
 * Not safe against concurrent hashing: each worker keeps its own hasher.
 */
void
qrs_visitor_hasher_set_key (QrsVisitorHasher *self,
                            const guint8     *key,
                            gsize             key_length)
{
  g_return_if_fail (self != NULL);
  g_return_if_fail (key != NULL || key_length == 0);

  hmac_sha256_set_key (&self->keyed, key_length, key);
}

/**
 * qrs_visitor_hasher_hash:
 * @client: the visitor's address
 * @user_agent: (nullable): the User-Agent as sent
 * @hash: (out caller-allocates): the first 16 bytes of
 *   HMAC-SHA256(key, address bytes ‖ 0x00 ‖ user agent)
 */
void
qrs_visitor_hasher_hash (const QrsVisitorHasher *self,
                         GInetAddress           *client,
                         const char             *user_agent,
                         guint8                  hash[QRS_VISITOR_HASH_LENGTH])
{
  struct hmac_sha256_ctx ctx;
  const guint8 separator = 0;

  g_return_if_fail (self != NULL);
  g_return_if_fail (G_IS_INET_ADDRESS (client));

  ctx = self->keyed;
  hmac_sha256_update (&ctx, g_inet_address_get_native_size (client), g_inet_address_to_bytes (client));
  hmac_sha256_update (&ctx, 1, &separator);
  if (user_agent != NULL)
    hmac_sha256_update (&ctx, strnlen (user_agent, USER_AGENT_HASHED_MAX), (const guint8 *)user_agent);
  /* nettle truncates the MAC to the length asked for. */
  hmac_sha256_digest (&ctx, QRS_VISITOR_HASH_LENGTH, hash);
  explicit_bzero (&ctx, sizeof ctx);
}
