/* qrs-redirect-config.c — flags and key file of qrstudio-redirectd
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <glib/gi18n-lib.h>

#include "qrs-redirect-config.h"

G_DEFINE_QUARK (qrs-redirect-config-error-quark, qrs_redirect_config_error)

#define DEFAULT_LISTEN          "127.0.0.1:8080"
#define DEFAULT_METRICS_LISTEN  "127.0.0.1:9108"
#define DEFAULT_STATE_DIR       "/var/lib/qrstudio-redirectd"
#define DEFAULT_SPOOL_MAX       (G_GUINT64_CONSTANT (1) << 30)
#define DEFAULT_SEGMENT_SIZE    (G_GUINT64_CONSTANT (64) << 20)
#define DEFAULT_REFERRER_POLICY "strict-origin-when-cross-origin"
#define DEFAULT_CLIENT_TIMEOUT  20

static const char * const referrer_policies[] = {
  "no-referrer", "no-referrer-when-downgrade", "origin", "origin-when-cross-origin",
  "same-origin", "strict-origin", "strict-origin-when-cross-origin", "unsafe-url",
  NULL
};

static const char * const known_keys[] = {
  "listen", "database", "state-dir", "spool-dir", "spool-max", "spool-segment-size",
  "metrics-listen", "workers", "trusted-proxies", "referrer-policy", "hsts",
  "batch-rows", "batch-interval-ms", "commit-batches", "fsync-interval-ms", "database-retry-max-ms",
  "client-timeout", "verbose",
  NULL
};

/**
 * qrs_redirect_config_get_keys:
 *
 * Returns: (transfer none): every key the configuration file may hold
 */
const char * const *
qrs_redirect_config_get_keys (void)
{
  return known_keys;
}

/* A misspelt key would silently keep its default: refuse it instead. */
static gboolean
check_keys (GKeyFile    *key_file,
            const char  *path,
            GError     **error)
{
  g_auto(GStrv) groups = g_key_file_get_groups (key_file, NULL);
  g_auto(GStrv) keys = NULL;

  for (guint i = 0; groups[i] != NULL; i++)
    if (!g_str_equal (groups[i], QRS_REDIRECT_CONFIG_GROUP))
      {
        g_set_error (error, QRS_REDIRECT_CONFIG_ERROR, QRS_REDIRECT_CONFIG_ERROR_INVALID,
                     _("%s: unknown group [%s]; the settings go in [%s]"),
                     path, groups[i], QRS_REDIRECT_CONFIG_GROUP);
        return FALSE;
      }

  keys = g_key_file_get_keys (key_file, QRS_REDIRECT_CONFIG_GROUP, NULL, NULL);
  for (guint i = 0; keys != NULL && keys[i] != NULL; i++)
    if (!g_strv_contains (known_keys, keys[i]))
      {
        g_set_error (error, QRS_REDIRECT_CONFIG_ERROR, QRS_REDIRECT_CONFIG_ERROR_INVALID,
                     _("%s: unknown key “%s”; every key is described in redirectd.conf.example"),
                     path, keys[i]);
        return FALSE;
      }
  return TRUE;
}

void
qrs_redirect_flags_clear (QrsRedirectFlags *flags)
{
  g_return_if_fail (flags != NULL);

  g_clear_pointer (&flags->config_file, g_free);
  g_clear_pointer (&flags->listen, g_free);
  g_clear_pointer (&flags->database, g_free);
  g_clear_pointer (&flags->state_dir, g_free);
  g_clear_pointer (&flags->spool_dir, g_free);
  g_clear_pointer (&flags->spool_max, g_free);
  g_clear_pointer (&flags->metrics_listen, g_free);
  g_clear_pointer (&flags->port_file, g_free);
  g_clear_pointer (&flags->referrer_policy, g_free);
  g_clear_pointer (&flags->hsts, g_free);
  g_clear_pointer (&flags->trusted_proxies, g_strfreev);
  g_clear_pointer (&flags->workers, g_free);
}

/**
 * qrs_redirect_flags_get_entries:
 * @flags: where the parsed flags go, zeroed
 *
 * Returns: (transfer full): option entries writing into @flags
 */
GOptionEntry *
qrs_redirect_flags_get_entries (QrsRedirectFlags *flags)
{
  /* The defaults are written out in the descriptions, not pasted from
   * the macros above: xgettext cannot read through a macro, and the
   * message would never be translated.  Keep them in step. */
  const GOptionEntry entries[] = {
    { "config", 'c', 0, G_OPTION_ARG_FILENAME, &flags->config_file,
      N_("Read settings from FILE (default /etc/qrstudio/redirectd.conf)"), N_("FILE") },
    { "listen", 'l', 0, G_OPTION_ARG_STRING, &flags->listen,
      N_("Answer redirects on HOST:PORT (default 127.0.0.1:8080)"), N_("HOST:PORT") },
    { "database", 'd', 0, G_OPTION_ARG_STRING, &flags->database,
      N_("PostgreSQL connection string or service (default: libpq's PG* variables)"), N_("CONNINFO") },
    { "state-dir", 0, 0, G_OPTION_ARG_FILENAME, &flags->state_dir,
      N_("Keep the route snapshot and the spool under DIR (default $STATE_DIRECTORY, else /var/lib/qrstudio-redirectd)"),
      N_("DIR") },
    { "spool-dir", 0, 0, G_OPTION_ARG_FILENAME, &flags->spool_dir,
      N_("Keep the scan spool in DIR (default STATE-DIR/spool)"), N_("DIR") },
    { "spool-max", 0, 0, G_OPTION_ARG_STRING, &flags->spool_max,
      N_("Stop spooling scans beyond SIZE (default 1GiB)"), N_("SIZE") },
    { "metrics-listen", 0, 0, G_OPTION_ARG_STRING, &flags->metrics_listen,
      N_("Serve Prometheus metrics on HOST:PORT, or \"off\" (default 127.0.0.1:9108)"), N_("HOST:PORT") },
    { "workers", 'w', 0, G_OPTION_ARG_STRING, &flags->workers,
      N_("Answer requests on N threads, 1 to 256 (default: one per core)"), N_("N") },
    { "trusted-proxy", 0, 0, G_OPTION_ARG_STRING_ARRAY, &flags->trusted_proxies,
      N_("Believe X-Forwarded-For from CIDR (repeatable; default: from no one)"), N_("CIDR") },
    { "referrer-policy", 0, 0, G_OPTION_ARG_STRING, &flags->referrer_policy,
      N_("Referrer-Policy of every answer (default strict-origin-when-cross-origin)"), N_("POLICY") },
    { "hsts", 0, 0, G_OPTION_ARG_STRING, &flags->hsts,
      N_("Send Strict-Transport-Security with VALUE (default: not sent)"), N_("VALUE") },
    { "port-file", 0, 0, G_OPTION_ARG_FILENAME, &flags->port_file,
      N_("Write the port listened on to FILE (for tests)"), N_("FILE") },
    { "verbose", 'v', 0, G_OPTION_ARG_NONE, &flags->verbose,
      N_("Log debugging messages"), NULL },
    { "version", 0, 0, G_OPTION_ARG_NONE, &flags->version,
      N_("Print the version and exit"), NULL },
    { NULL }
  };

  return g_memdup2 (entries, sizeof entries);
}

gboolean
qrs_parse_host_port (const char  *text,
                     char       **host,
                     guint16     *port,
                     GError     **error)
{
  const char *colon;
  g_autofree char *h = NULL;
  guint64 p;

  g_return_val_if_fail (text != NULL, FALSE);

  if (text[0] == '[')
    {
      const char *end = strchr (text, ']');

      if (end == NULL || end[1] != ':')
        goto invalid;
      h = g_strndup (text + 1, end - text - 1);
      colon = end + 1;
    }
  else
    {
      colon = strrchr (text, ':');
      if (colon == NULL || colon == text)
        goto invalid;
      h = g_strndup (text, colon - text);
    }

  if (!g_ascii_string_to_unsigned (colon + 1, 10, 0, 65535, &p, NULL))
    goto invalid;

  {
    g_autoptr(GInetAddress) address = g_inet_address_new_from_string (h);

    if (address == NULL)
      {
        g_set_error (error, QRS_REDIRECT_CONFIG_ERROR, QRS_REDIRECT_CONFIG_ERROR_INVALID,
                     _("“%s” is not an IP address: give a numeric address such as 127.0.0.1 or [::1]"), h);
        return FALSE;
      }
  }

  *host = g_steal_pointer (&h);
  *port = (guint16)p;
  return TRUE;

invalid:
  g_set_error (error, QRS_REDIRECT_CONFIG_ERROR, QRS_REDIRECT_CONFIG_ERROR_INVALID,
               _("“%s” is not HOST:PORT, such as 127.0.0.1:8080 or [::1]:8080"), text);
  return FALSE;
}

gboolean
qrs_parse_byte_size (const char  *text,
                     guint64     *size,
                     GError     **error)
{
  static const struct { const char *suffix; guint64 factor; } units[] = {
    { "", 1 }, { "B", 1 },
    { "K", 1 << 10 }, { "KiB", 1 << 10 },
    { "M", 1 << 20 }, { "MiB", 1 << 20 },
    { "G", 1 << 30 }, { "GiB", 1 << 30 },
    { "T", G_GUINT64_CONSTANT (1) << 40 }, { "TiB", G_GUINT64_CONSTANT (1) << 40 },
  };
  g_autofree char *stripped = g_strstrip (g_strdup (text));
  char *end = NULL;
  guint64 n;

  errno = 0;
  n = g_ascii_strtoull (stripped, &end, 10);
  if (errno == 0 && end != stripped && g_ascii_isdigit (stripped[0]))
    {
      while (*end == ' ')
        end++;
      for (guint i = 0; i < G_N_ELEMENTS (units); i++)
        if (g_ascii_strcasecmp (end, units[i].suffix) == 0 && n <= G_MAXUINT64 / units[i].factor)
          {
            *size = n * units[i].factor;
            return TRUE;
          }
    }

  g_set_error (error, QRS_REDIRECT_CONFIG_ERROR, QRS_REDIRECT_CONFIG_ERROR_INVALID,
               _("“%s” is not a size: give bytes, or a number with K, M, G or T (powers of 1024)"),
               text);
  return FALSE;
}

static void
config_free (QrsRedirectConfig *self)
{
  g_free (self->listen_host);
  g_free (self->database);
  g_free (self->state_dir);
  g_free (self->spool_dir);
  g_free (self->snapshot_path);
  g_free (self->metrics_host);
  g_free (self->port_file);
  g_free (self->referrer_policy);
  g_free (self->hsts);
  g_clear_pointer (&self->trusted_proxies, g_ptr_array_unref);
}

QrsRedirectConfig *
qrs_redirect_config_ref (QrsRedirectConfig *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return g_atomic_rc_box_acquire (self);
}

void
qrs_redirect_config_unref (QrsRedirectConfig *self)
{
  g_return_if_fail (self != NULL);

  g_atomic_rc_box_release_full (self, (GDestroyNotify)config_free);
}

/* A string setting: the flag, else the key file, else the default. */
static char *
pick_string (const char *flag,
             GKeyFile   *key_file,
             const char *key,
             const char *fallback)
{
  g_autofree char *value = NULL;

  if (flag != NULL)
    return g_strdup (flag);
  if (key_file != NULL)
    value = g_key_file_get_string (key_file, QRS_REDIRECT_CONFIG_GROUP, key, NULL);
  /* An empty value, as in the example file, means the default. */
  if (value != NULL && g_strstrip (value)[0] != '\0')
    return g_steal_pointer (&value);
  return g_strdup (fallback);
}

/* A number setting: the flag (@flag, NULL when not given), else the key
 * file, else @fallback.  Both are held to the same range, and the key
 * is checked even under a flag, so that a bad file is found now and not
 * on the first start without the flag. */
static gboolean
pick_uint (const char  *flag,
           GKeyFile    *key_file,
           const char  *key,
           guint        fallback,
           guint        min,
           guint        max,
           guint       *out,
           GError     **error)
{
  g_autofree char *text = NULL;
  guint64 value = fallback;

  if (key_file != NULL)
    text = g_key_file_get_string (key_file, QRS_REDIRECT_CONFIG_GROUP, key, NULL);
  if (text != NULL && g_strstrip (text)[0] != '\0' &&
      !g_ascii_string_to_unsigned (text, 10, min, max, &value, NULL))
    {
      g_set_error (error, QRS_REDIRECT_CONFIG_ERROR, QRS_REDIRECT_CONFIG_ERROR_INVALID,
                   _("The key “%s” must be a whole number from %u to %u, not “%s”"),
                   key, min, max, text);
      return FALSE;
    }

  if (flag != NULL)
    {
      /* g_ascii_string_to_unsigned() takes neither spaces nor a sign. */
      if (!g_ascii_string_to_unsigned (flag, 10, min, max, &value, NULL))
        {
          g_set_error (error, QRS_REDIRECT_CONFIG_ERROR, QRS_REDIRECT_CONFIG_ERROR_INVALID,
                       _("The flag --%s must be a whole number from %u to %u, not “%s”"),
                       key, min, max, flag);
          return FALSE;
        }
    }

  *out = (guint)value;
  return TRUE;
}

/* A yes-or-no key: GKeyFile's true/false (or 1/0), or empty for false.
 * Anything else is refused, not read as false. */
static gboolean
pick_boolean (GKeyFile    *key_file,
              const char  *key,
              gboolean    *out,
              GError     **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autofree char *text = NULL;

  *out = FALSE;
  if (key_file != NULL)
    text = g_key_file_get_string (key_file, QRS_REDIRECT_CONFIG_GROUP, key, NULL);
  if (text == NULL || g_strstrip (text)[0] == '\0')
    return TRUE;
  *out = g_key_file_get_boolean (key_file, QRS_REDIRECT_CONFIG_GROUP, key, &local_error);
  if (local_error != NULL)
    {
      g_set_error (error, QRS_REDIRECT_CONFIG_ERROR, QRS_REDIRECT_CONFIG_ERROR_INVALID,
                   _("The key “%s” must be true or false, not “%s”"), key, text);
      return FALSE;
    }
  return TRUE;
}

/* A daemon's directories do not depend on where it was started from:
 * under systemd that is /, read-only, and a relative path typed in the
 * file would quietly mean something else in a shell.  Refusing it says
 * so at start, where guessing would fail later or write elsewhere. */
static gboolean
check_absolute_dir (const char  *what,
                    const char  *example,
                    const char  *path,
                    GError     **error)
{
  if (g_path_is_absolute (path))
    return TRUE;
  g_set_error (error, QRS_REDIRECT_CONFIG_ERROR, QRS_REDIRECT_CONFIG_ERROR_INVALID,
               _("%s must be an absolute path such as %s, not “%s”"), what, example, path);
  return FALSE;
}

static gboolean
parse_trusted_proxies (char       **cidrs,
                       GPtrArray   *masks,
                       GError     **error)
{
  for (guint i = 0; cidrs != NULL && cidrs[i] != NULL; i++)
    {
      g_autoptr(GError) local_error = NULL;
      g_autofree char *cidr = g_strstrip (g_strdup (cidrs[i]));
      GInetAddressMask *mask;

      if (cidr[0] == '\0')
        continue;
      mask = g_inet_address_mask_new_from_string (cidr, &local_error);
      if (mask == NULL)
        {
          g_set_error (error, QRS_REDIRECT_CONFIG_ERROR, QRS_REDIRECT_CONFIG_ERROR_INVALID,
                       _("“%s” is not a trusted proxy network such as 10.0.0.0/8 or ::1/128: %s"),
                       cidr, local_error->message);
          return FALSE;
        }
      g_ptr_array_add (masks, mask);
    }
  return TRUE;
}

/* A header value we put into every answer must not split headers. */
static gboolean
is_header_safe (const char *value)
{
  for (const char *p = value; *p; p++)
    if ((guchar)*p < 0x20 || (guchar)*p == 0x7f)
      return FALSE;
  return TRUE;
}

/**
 * qrs_redirect_config_load:
 * @flags: the command-line flags
 * @error: a #GError
 *
 * Reads the key file named by @flags (or the default one, which may be
 * missing) and lays the flags over it.
 *
 * Returns: (transfer full): the configuration, or %NULL with @error set
 */
QrsRedirectConfig *
qrs_redirect_config_load (const QrsRedirectFlags  *flags,
                          GError                 **error)
{
  g_autoptr(QrsRedirectConfig) self = NULL;
  g_autoptr(GKeyFile) key_file = g_key_file_new ();
  g_autoptr(GError) local_error = NULL;
  g_autofree char *listen = NULL;
  g_autofree char *metrics = NULL;
  g_autofree char *spool_max = NULL;
  g_autofree char *segment_size = NULL;
  g_auto(GStrv) proxies = NULL;
  const char *path;
  const char *state_default;

  g_return_val_if_fail (flags != NULL, NULL);

  path = flags->config_file ? flags->config_file : QRS_REDIRECT_CONFIG_DEFAULT_FILE;
  if (!g_key_file_load_from_file (key_file, path, G_KEY_FILE_NONE, &local_error))
    {
      /* Only the default file may be missing. */
      if (flags->config_file != NULL ||
          !g_error_matches (local_error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
        {
          g_set_error (error, QRS_REDIRECT_CONFIG_ERROR, QRS_REDIRECT_CONFIG_ERROR_FILE,
                       _("Cannot read the configuration %s: %s"), path, local_error->message);
          return NULL;
        }
      g_clear_pointer (&key_file, g_key_file_unref);
    }
  if (key_file != NULL && !check_keys (key_file, path, error))
    return NULL;

  self = g_atomic_rc_box_new0 (QrsRedirectConfig);
  self->trusted_proxies = g_ptr_array_new_with_free_func (g_object_unref);

  listen = pick_string (flags->listen, key_file, "listen", DEFAULT_LISTEN);
  if (!qrs_parse_host_port (listen, &self->listen_host, &self->listen_port, error))
    return NULL;

  metrics = pick_string (flags->metrics_listen, key_file, "metrics-listen", DEFAULT_METRICS_LISTEN);
  if (metrics[0] != '\0' && g_ascii_strcasecmp (metrics, "off") != 0 &&
      !qrs_parse_host_port (metrics, &self->metrics_host, &self->metrics_port, error))
    return NULL;

  self->database = pick_string (flags->database, key_file, "database", "");

  /* systemd's StateDirectory= says where our state goes. */
  state_default = g_getenv ("STATE_DIRECTORY");
  if (state_default == NULL || state_default[0] == '\0' || strchr (state_default, ':') != NULL)
    state_default = DEFAULT_STATE_DIR;
  self->state_dir = pick_string (flags->state_dir, key_file, "state-dir", state_default);
  {
    g_autofree char *spool_default = g_build_filename (self->state_dir, "spool", NULL);
    self->spool_dir = pick_string (flags->spool_dir, key_file, "spool-dir", spool_default);
  }
  if (!check_absolute_dir ("state-dir", "/var/lib/qrstudio-redirectd", self->state_dir, error) ||
      !check_absolute_dir ("spool-dir", "/var/lib/qrstudio-redirectd/spool", self->spool_dir, error))
    return NULL;
  self->snapshot_path = g_build_filename (self->state_dir, "routes.json", NULL);

  spool_max = pick_string (flags->spool_max, key_file, "spool-max", NULL);
  self->spool_max = DEFAULT_SPOOL_MAX;
  if (spool_max != NULL && !qrs_parse_byte_size (spool_max, &self->spool_max, error))
    return NULL;
  /* A spool that holds no scan drops every one, and says so only in a
   * counter: a typo, not a setting. */
  if (self->spool_max < 1024)
    {
      g_set_error (error, QRS_REDIRECT_CONFIG_ERROR, QRS_REDIRECT_CONFIG_ERROR_INVALID,
                   _("The spool limit “%s” (spool-max) must be at least 1K; the default is 1G"), spool_max);
      return NULL;
    }

  segment_size = pick_string (NULL, key_file, "spool-segment-size", NULL);
  self->spool_segment_size = DEFAULT_SEGMENT_SIZE;
  if (segment_size != NULL && !qrs_parse_byte_size (segment_size, &self->spool_segment_size, error))
    return NULL;
  if (self->spool_segment_size < 4096)
    {
      g_set_error (error, QRS_REDIRECT_CONFIG_ERROR, QRS_REDIRECT_CONFIG_ERROR_INVALID,
                   _("The key “%s” must be at least 4K, not “%s”"), "spool-segment-size", segment_size);
      return NULL;
    }

  self->referrer_policy = pick_string (flags->referrer_policy, key_file, "referrer-policy",
                                       DEFAULT_REFERRER_POLICY);
  if (!g_strv_contains (referrer_policies, self->referrer_policy))
    {
      g_set_error (error, QRS_REDIRECT_CONFIG_ERROR, QRS_REDIRECT_CONFIG_ERROR_INVALID,
                   _("“%s” is not a referrer policy: use one of %s"),
                   self->referrer_policy, "no-referrer, no-referrer-when-downgrade, origin, "
                   "origin-when-cross-origin, same-origin, strict-origin, "
                   "strict-origin-when-cross-origin, unsafe-url");
      return NULL;
    }

  self->hsts = pick_string (flags->hsts, key_file, "hsts", NULL);
  if (self->hsts != NULL && self->hsts[0] == '\0')
    g_clear_pointer (&self->hsts, g_free);
  if (self->hsts != NULL && !is_header_safe (self->hsts))
    {
      g_set_error_literal (error, QRS_REDIRECT_CONFIG_ERROR, QRS_REDIRECT_CONFIG_ERROR_INVALID,
                           _("The HSTS value must be one line of printable text, such as max-age=31536000"));
      return NULL;
    }

  if (flags->trusted_proxies != NULL)
    proxies = g_strdupv (flags->trusted_proxies);
  else if (key_file != NULL)
    proxies = g_key_file_get_string_list (key_file, QRS_REDIRECT_CONFIG_GROUP, "trusted-proxies",
                                          NULL, NULL);
  if (!parse_trusted_proxies (proxies, self->trusted_proxies, error))
    return NULL;

  if (!pick_uint (flags->workers, key_file, "workers", MIN (g_get_num_processors (), 256), 1, 256,
                  &self->workers, error) ||
      !pick_uint (NULL, key_file, "batch-rows", 1000, 1, 100000, &self->batch_rows, error) ||
      !pick_uint (NULL, key_file, "batch-interval-ms", 100, 1, 60000, &self->batch_interval_ms, error) ||
      !pick_uint (NULL, key_file, "commit-batches", 8, 1, 1000, &self->commit_batches, error) ||
      !pick_uint (NULL, key_file, "fsync-interval-ms", 50, 1, 10000, &self->fsync_interval_ms, error) ||
      !pick_uint (NULL, key_file, "database-retry-max-ms", 5000, 100, 600000,
                  &self->database_retry_max_ms, error) ||
      !pick_uint (NULL, key_file, "client-timeout", DEFAULT_CLIENT_TIMEOUT, 1, 3600,
                  &self->client_timeout_s, error))
    return NULL;

  self->port_file = g_strdup (flags->port_file);
  if (!pick_boolean (key_file, "verbose", &self->verbose, error))
    return NULL;
  self->verbose |= flags->verbose;

  return g_steal_pointer (&self);
}

gboolean
qrs_redirect_config_is_trusted_proxy (QrsRedirectConfig *self,
                                      GInetAddress      *address)
{
  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (G_IS_INET_ADDRESS (address), FALSE);

  for (guint i = 0; i < self->trusted_proxies->len; i++)
    if (g_inet_address_mask_matches (g_ptr_array_index (self->trusted_proxies, i), address))
      return TRUE;
  return FALSE;
}
