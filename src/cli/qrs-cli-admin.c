/* qrs-cli-admin.c — what the administration commands (db, codes, scans)
 * share: the connection, the exit status of an error, ids, times and
 * addresses
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include <glib/gi18n-lib.h>

#include "qrs-cli-private.h"
#include "qrs-design.h"
#include "qrs-payload.h"

/* The longest target the codes table accepts (codes_target_url_length). */
#define TARGET_URL_MAX_BYTES 2048

/**
 * qrs_cli_add_database_option:
 * @conninfo: (out): where --database goes
 *
 * Adds --database CONNINFO to @context's main options.
 */
void
qrs_cli_add_database_option (GOptionContext  *context,
                             char           **conninfo)
{
  const GOptionEntry entries[] = {
    { "database", 'd', G_OPTION_FLAG_NONE, G_OPTION_ARG_STRING, conninfo,
      N_("The database: a connection string (“host=db.example.edu dbname=qrstudio”), a postgresql:// address or a service name; default $QRSTUDIO_DATABASE, else libpq’s PG* variables"),
      N_("CONNINFO") },
    { NULL }
  };

  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
}

/**
 * qrs_cli_open_database:
 * @conninfo: (nullable): the value of --database
 * @check_schema: whether the schema must be the one this program knows
 *   (every command but `db`)
 *
 * Connects now, so that a wrong setting is reported before any work.
 * Without --database, $QRSTUDIO_DATABASE; without either, libpq reads its
 * own PG* variables and service file.  A schema newer than this program
 * is always refused.
 *
 * Returns: (transfer full): the database, or %NULL with @error set
 */
QrsDatabase *
qrs_cli_open_database (const char  *conninfo,
                       gboolean     check_schema,
                       GError     **error)
{
  g_autoptr(QrsDatabase) database = NULL;

  if (conninfo == NULL || *conninfo == '\0')
    conninfo = g_getenv ("QRSTUDIO_DATABASE");

  if (!(database = qrs_database_new (conninfo, error)))
    return NULL;

  if (check_schema ? !qrs_database_check_schema (database, NULL, error)
                   : !qrs_database_connect (database, NULL, error))
    return NULL;

  return g_steal_pointer (&database);
}

/* Bad input: the person can fix the command line.  Everything else (no
 * server, a refused password, a conflict, a schema to migrate) is a
 * failure of the work. */
static gboolean
is_bad_input (const GError *error)
{
  if (error->domain == QRS_DATABASE_ERROR)
    switch ((QrsDatabaseError)error->code)
      {
      case QRS_DATABASE_ERROR_INVALID_CONNINFO:
      case QRS_DATABASE_ERROR_NOT_FOUND:
      case QRS_DATABASE_ERROR_INVALID:
      case QRS_DATABASE_ERROR_TOO_LARGE:
        return TRUE;
      default:
        return FALSE;
      }

  return error->domain == G_OPTION_ERROR
         || error->domain == QRS_PAYLOAD_ERROR
         || error->domain == QRS_DESIGN_ERROR
         || error->domain == G_FILE_ERROR
         || error->domain == QRS_EXPORT_ERROR;
}

/**
 * qrs_cli_fail_store:
 *
 * Tells the person what went wrong, on one line, as qrs_cli_fail() does.
 *
 * Returns: %QRS_CLI_EXIT_USAGE for bad input (an unknown code, a value
 *   the database refuses, unreadable connection settings), otherwise
 *   %QRS_CLI_EXIT_FAILED (no server, a refused login, a conflict)
 */
int
qrs_cli_fail_store (const GError *error)
{
  g_return_val_if_fail (error != NULL, QRS_CLI_EXIT_FAILED);

  qrs_cli_print_error ("%s", error->message);

  return is_bad_input (error) ? QRS_CLI_EXIT_USAGE : QRS_CLI_EXIT_FAILED;
}

static gboolean
has_space_or_control (const char *str)
{
  for (const char *p = str; *p; p++)
    if ((guchar)*p <= ' ' || *p == 0x7f)
      return TRUE;

  return FALSE;
}

/**
 * qrs_cli_short_url_base:
 * @option_value: (nullable): the value of --short-url-base
 *
 * The start of a dynamic code's short address, from --short-url-base or
 * else $QRSTUDIO_SHORT_URL_BASE: the redirect service's public address,
 * "https://qr.example.edu", to which "/r/" is added — unless it already
 * ends in "/r", as the app's setting does.
 *
 * Returns: (transfer full) (nullable): "https://qr.example.edu/r/"; %NULL
 *   without @error when neither is set, %NULL with @error when the
 *   address is not an http or https one
 */
char *
qrs_cli_short_url_base (const char  *option_value,
                        GError     **error)
{
  const char *value = option_value;
  const char *source = "--short-url-base";
  g_autoptr(GUri) uri = NULL;
  g_autofree char *base = NULL;
  g_autofree char *path = NULL;
  gsize length;

  if (value == NULL || *value == '\0')
    {
      value = g_getenv ("QRSTUDIO_SHORT_URL_BASE");
      source = "QRSTUDIO_SHORT_URL_BASE";
    }
  if (value == NULL || *value == '\0')
    return NULL;

  uri = g_uri_parse (value, G_URI_FLAGS_ENCODED, NULL);
  if (uri == NULL || has_space_or_control (value)
      || (g_strcmp0 (g_uri_get_scheme (uri), "http") != 0 && g_strcmp0 (g_uri_get_scheme (uri), "https") != 0)
      || g_uri_get_host (uri) == NULL || *g_uri_get_host (uri) == '\0'
      || g_uri_get_query (uri) != NULL || g_uri_get_fragment (uri) != NULL
      || g_uri_get_userinfo (uri) != NULL)
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   _("%s: “%s” is not the address of a redirect service: give its public http:// or https:// address, such as https://qr.example.edu"),
                   source, value);
      return NULL;
    }

  base = g_strdup (value);
  length = strlen (base);
  while (length > 0 && base[length - 1] == '/')
    base[--length] = '\0';

  path = g_strdup (g_uri_get_path (uri));
  length = strlen (path);
  while (length > 0 && path[length - 1] == '/')
    path[--length] = '\0';

  if (g_str_has_suffix (path, "/r"))
    return g_strconcat (base, "/", NULL);

  return g_strconcat (base, "/r/", NULL);
}

static gboolean
parse_day (const char *str,
           GDate      *date)
{
  unsigned year, month, day;
  char end;

  if (strlen (str) != 10 || str[4] != '-' || str[7] != '-' ||
      sscanf (str, "%4u-%2u-%2u%c", &year, &month, &day, &end) != 3)
    return FALSE;

  for (guint i = 0; i < 10; i++)
    if (i != 4 && i != 7 && !g_ascii_isdigit (str[i]))
      return FALSE;

  if (!g_date_valid_dmy (day, month, year))
    return FALSE;

  g_date_clear (date, 1);
  g_date_set_dmy (date, day, month, year);
  return TRUE;
}

/**
 * qrs_cli_parse_time:
 * @str: "2025-05-31", or a time: "2025-05-31T18:00:00+02:00"
 * @day_end: whether a day alone means its end (the midnight after it)
 *   rather than its start
 *
 * A day alone is a UTC day, as the scan charts count days; a time
 * without an offset is UTC too.
 *
 * Returns: (transfer full): the instant, or %NULL with @error set
 */
GDateTime *
qrs_cli_parse_time (const char  *str,
                    gboolean     day_end,
                    GError     **error)
{
  g_autofree char *trimmed = g_strstrip (g_strdup (str ? str : ""));
  g_autoptr(GTimeZone) utc = g_time_zone_new_utc ();
  GDateTime *time;
  GDate date;

  if (parse_day (trimmed, &date))
    {
      g_autoptr(GDateTime) start = g_date_time_new_utc (g_date_get_year (&date),
                                                       g_date_get_month (&date),
                                                       g_date_get_day (&date), 0, 0, 0);

      if (start != NULL)
        return day_end ? g_date_time_add_days (start, 1) : g_steal_pointer (&start);
    }
  else if ((time = g_date_time_new_from_iso8601 (trimmed, utc)) != NULL)
    return time;

  g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
               _("“%s” is not a date: write a day as 2025-05-31, or a time as 2025-05-31T18:00:00+02:00"),
               trimmed);
  return NULL;
}

static gboolean
looks_like_short_id (const char *str)
{
  gsize length = strlen (str);

  if (length < 4 || length > 32)
    return FALSE;

  for (const char *p = str; *p; p++)
    if (!g_ascii_isalnum (*p) && *p != '-' && *p != '_')
      return FALSE;

  return TRUE;
}

/**
 * qrs_cli_find_code:
 * @id: a code's number (42) or a dynamic code's short id (aB3dE9xY)
 *
 * A number is tried as the id first, then as a short id: a short id may
 * be all digits.
 *
 * Returns: (transfer full): the code, or %NULL with @error set
 *   (%QRS_DATABASE_ERROR_NOT_FOUND when there is no such code)
 */
QrsCode *
qrs_cli_find_code (QrsCodeStore  *store,
                   const char    *id,
                   GError       **error)
{
  g_autoptr(GError) local_error = NULL;
  QrsCode *code = NULL;
  gint64 number;

  g_return_val_if_fail (QRS_IS_CODE_STORE (store), NULL);
  g_return_val_if_fail (id != NULL, NULL);

  if (g_ascii_string_to_signed (id, 10, 1, G_MAXINT64, &number, NULL) && g_ascii_isdigit (id[0]))
    {
      code = qrs_code_store_get (store, number, NULL, &local_error);
      if (code != NULL)
        return code;
      if (!g_error_matches (local_error, QRS_DATABASE_ERROR, QRS_DATABASE_ERROR_NOT_FOUND))
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return NULL;
        }
      g_clear_error (&local_error);
    }
  else if (!looks_like_short_id (id))
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   _("“%s” is not a code: give its number or its short id, as “qrstudio-cli codes list” shows them"),
                   id);
      return NULL;
    }

  if (looks_like_short_id (id))
    {
      code = qrs_code_store_get_by_short_id (store, id, NULL, &local_error);
      if (code != NULL)
        return code;
      if (!g_error_matches (local_error, QRS_DATABASE_ERROR, QRS_DATABASE_ERROR_NOT_FOUND))
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return NULL;
        }
    }

  g_set_error (error, QRS_DATABASE_ERROR, QRS_DATABASE_ERROR_NOT_FOUND,
               _("there is no code “%s”: give the number or the short id that “qrstudio-cli codes list” or “codes search” shows"),
               id);
  return NULL;
}

/**
 * qrs_cli_check_target_url:
 *
 * Checks, before the database does, that @url can be a dynamic code's
 * target: an http or https address with a host, without spaces, at most
 * 2,048 bytes — what the redirect daemon may put in a Location header.
 *
 * Returns: %TRUE, or %FALSE with @error set
 */
gboolean
qrs_cli_check_target_url (const char  *url,
                          GError     **error)
{
  g_autoptr(GUri) uri = NULL;
  const char *scheme;

  g_return_val_if_fail (url != NULL, FALSE);

  if (strlen (url) > TARGET_URL_MAX_BYTES)
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   g_dngettext (GETTEXT_PACKAGE,
                                "the target address is %zu byte long; it may have at most %u: use a shorter address",
                                "the target address is %zu bytes long; it may have at most %u: use a shorter address",
                                strlen (url)),
                   strlen (url), (guint)TARGET_URL_MAX_BYTES);
      return FALSE;
    }

  uri = g_uri_parse (url, G_URI_FLAGS_ENCODED | G_URI_FLAGS_NON_DNS, NULL);
  scheme = uri ? g_uri_get_scheme (uri) : NULL;

  if (uri == NULL || has_space_or_control (url)
      || (g_strcmp0 (scheme, "http") != 0 && g_strcmp0 (scheme, "https") != 0)
      || g_uri_get_host (uri) == NULL || *g_uri_get_host (uri) == '\0')
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   _("“%s” cannot be the target of a dynamic code: give a web address starting with https:// or http://, with a host name and without spaces"),
                   url);
      return FALSE;
    }

  return TRUE;
}
