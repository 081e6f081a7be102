/* qrs-redirect-config.h — what qrstudio-redirectd was told to do
 *
 * Settings come from a key file (/etc/qrstudio/redirectd.conf by
 * default, every key documented in data/redirectd.conf.example) with the
 * command-line flags on top.  A configuration is immutable once loaded
 * and reference-counted, so a reload builds a new one and each thread
 * swaps it in when it is ready.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define QRS_REDIRECT_CONFIG_ERROR (qrs_redirect_config_error_quark ())

typedef enum
{
  QRS_REDIRECT_CONFIG_ERROR_INVALID,
  QRS_REDIRECT_CONFIG_ERROR_FILE,
} QrsRedirectConfigError;

#define QRS_REDIRECT_CONFIG_DEFAULT_FILE "/etc/qrstudio/redirectd.conf"
#define QRS_REDIRECT_CONFIG_GROUP        "redirectd"

/* What was given on the command line; NULL when not given, so the key
 * file and the defaults can fill in.  Numbers stay text until loaded, to
 * be checked by the key file's rules: a flag and a key take the same
 * values. */
typedef struct
{
  char   *config_file;
  char   *listen;
  char   *database;
  char   *state_dir;
  char   *spool_dir;
  char   *spool_max;
  char   *metrics_listen;
  char   *port_file;
  char   *referrer_policy;
  char   *hsts;
  char  **trusted_proxies;
  char   *workers;
  gboolean verbose;
  gboolean version;
} QrsRedirectFlags;

typedef struct
{
  char        *listen_host;
  guint16      listen_port;
  char        *database;          /* libpq conninfo or service; "" means libpq's defaults */
  char        *state_dir;
  char        *spool_dir;
  char        *snapshot_path;
  guint64      spool_max;
  guint64      spool_segment_size;
  char        *metrics_host;      /* NULL when metrics are off */
  guint16      metrics_port;
  char        *port_file;
  char        *referrer_policy;
  char        *hsts;              /* NULL when off */
  GPtrArray   *trusted_proxies;   /* of GInetAddressMask */
  guint        workers;
  guint        batch_rows;
  guint        batch_interval_ms;
  guint        commit_batches;
  guint        fsync_interval_ms;
  guint        database_retry_max_ms;
  guint        client_timeout_s;  /* to send a request and read its answer */
  gboolean     verbose;
} QrsRedirectConfig;

GQuark             qrs_redirect_config_error_quark (void);

const char * const *qrs_redirect_config_get_keys (void);

void               qrs_redirect_flags_clear        (QrsRedirectFlags        *flags);
GOptionEntry      *qrs_redirect_flags_get_entries  (QrsRedirectFlags        *flags);

QrsRedirectConfig *qrs_redirect_config_load        (const QrsRedirectFlags  *flags,
                                                    GError                 **error);
QrsRedirectConfig *qrs_redirect_config_ref         (QrsRedirectConfig       *self);
void               qrs_redirect_config_unref       (QrsRedirectConfig       *self);
gboolean           qrs_redirect_config_is_trusted_proxy (QrsRedirectConfig *self,
                                                         GInetAddress      *address);

gboolean           qrs_parse_host_port             (const char              *text,
                                                    char                   **host,
                                                    guint16                 *port,
                                                    GError                 **error);
gboolean           qrs_parse_byte_size             (const char              *text,
                                                    guint64                 *size,
                                                    GError                 **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (QrsRedirectConfig, qrs_redirect_config_unref)

G_END_DECLS
