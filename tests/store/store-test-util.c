/* store-test-util.c — a real PostgreSQL database for each test program
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <glib.h>

#include "store-test-util.h"

static GPtrArray *created_databases;
static GPtrArray *created_roles;
static guint counter;

/* The maintenance database of the server in the environment. */
static PGconn *
connect_admin (void)
{
  const char *keywords[] = { "dbname", "fallback_application_name", NULL };
  const char *values[] = { g_getenv ("PGDATABASE") ? g_getenv ("PGDATABASE") : "postgres",
                           "qrstudio-tests", NULL };

  return PQconnectdbParams (keywords, values, FALSE);
}

static void
drop_everything (void)
{
  PGconn *conn = connect_admin ();

  if (PQstatus (conn) == CONNECTION_OK)
    {
      for (guint i = 0; created_databases && i < created_databases->len; i++)
        {
          g_autofree char *sql = g_strdup_printf ("DROP DATABASE IF EXISTS \"%s\" WITH (FORCE)",
                                                  (char *)g_ptr_array_index (created_databases, i));
          PQclear (PQexec (conn, sql));
        }
      for (guint i = 0; created_roles && i < created_roles->len; i++)
        {
          g_autofree char *sql = g_strdup_printf ("DROP ROLE IF EXISTS \"%s\"",
                                                  (char *)g_ptr_array_index (created_roles, i));
          PQclear (PQexec (conn, sql));
        }
    }
  PQfinish (conn);
  g_clear_pointer (&created_databases, g_ptr_array_unref);
  g_clear_pointer (&created_roles, g_ptr_array_unref);
}

/* No server is a failure, never a skip: under tools/test there is one. */
void
qrs_test_require_server (void)
{
  PGconn *conn = connect_admin ();

  if (PQstatus (conn) != CONNECTION_OK)
    {
      g_autofree char *message = g_strdup (PQerrorMessage (conn));

      g_strdelimit (message, "\n", ' ');
      printf ("Bail out! The store tests need a PostgreSQL server; run them with tools/test, "
              "which starts one with pg_virtualenv (libpq: %s)\n", message);
      fflush (stdout);
      PQfinish (conn);
      exit (1);
    }
  PQfinish (conn);

  created_databases = g_ptr_array_new_with_free_func (g_free);
  created_roles = g_ptr_array_new_with_free_func (g_free);
  atexit (drop_everything);
}

char *
qrs_test_unique_name (const char *prefix)
{
  g_autofree char *base = g_path_get_basename (g_get_prgname () ? g_get_prgname () : "test");
  g_autofree char *program = g_ascii_strdown (base, -1);

  /* Identifiers longer than 63 bytes would be cut short. */
  g_strcanon (program, "abcdefghijklmnopqrstuvwxyz0123456789", '_');
  if (strlen (program) > 24)
    program[24] = '\0';
  return g_strdup_printf ("%s_%s_%d_%u", prefix, program, (int)getpid (), ++counter);
}

static void
admin_command (const char *sql)
{
  PGconn *conn = connect_admin ();
  PGresult *result;

  g_assert_cmpint (PQstatus (conn), ==, CONNECTION_OK);
  result = PQexec (conn, sql);
  if (PQresultStatus (result) != PGRES_COMMAND_OK)
    g_error ("%s: %s", sql, PQresultErrorMessage (result));
  PQclear (result);
  PQfinish (conn);
}

/**
 * qrs_test_create_database:
 *
 * Returns: the name of a new, empty database, dropped at exit
 */
char *
qrs_test_create_database (void)
{
  g_autofree char *name = qrs_test_unique_name ("qrs");
  g_autofree char *sql = g_strdup_printf ("CREATE DATABASE \"%s\"", name);

  admin_command (sql);
  g_ptr_array_add (created_databases, g_strdup (name));
  return g_steal_pointer (&name);
}

/* The environment gives host, port and the superuser; this names the
 * database and, when asked, another user. */
char *
qrs_test_conninfo_for (const char *dbname,
                       const char *user,
                       const char *password)
{
  GString *conninfo = g_string_new (NULL);

  g_string_append_printf (conninfo, "dbname=%s", dbname);
  if (user != NULL)
    g_string_append_printf (conninfo, " user=%s", user);
  if (password != NULL)
    g_string_append_printf (conninfo, " password=%s", password);
  return g_string_free (conninfo, FALSE);
}

QrsDatabase *
qrs_test_open_database (const char *dbname)
{
  g_autofree char *conninfo = qrs_test_conninfo_for (dbname, NULL, NULL);
  g_autoptr(GError) error = NULL;
  QrsDatabase *database;

  database = qrs_database_new (conninfo, &error);
  g_assert_no_error (error);
  return database;
}

QrsDatabase *
qrs_test_open_migrated (char **dbname)
{
  g_autofree char *name = qrs_test_create_database ();
  g_autoptr(GError) error = NULL;
  QrsDatabase *database = qrs_test_open_database (name);

  qrs_database_migrate (database, NULL, NULL, &error);
  g_assert_no_error (error);

  if (dbname != NULL)
    *dbname = g_steal_pointer (&name);
  return database;
}

static void
ignore_notice (void       *data,
               const char *message)
{
}

/* Runs SQL as the superuser, for checks behind the library's back. */
PGresult *
qrs_test_sql (const char *dbname,
              const char *sql)
{
  const char *keywords[] = { "dbname", "fallback_application_name", NULL };
  const char *values[] = { dbname, "qrstudio-tests", NULL };
  PGconn *conn = PQconnectdbParams (keywords, values, FALSE);
  PGresult *result;

  g_assert_cmpint (PQstatus (conn), ==, CONNECTION_OK);
  PQsetNoticeProcessor (conn, ignore_notice, NULL);
  result = PQexec (conn, sql);
  if (PQresultStatus (result) != PGRES_COMMAND_OK && PQresultStatus (result) != PGRES_TUPLES_OK)
    g_error ("%s: %s", sql, PQresultErrorMessage (result));
  PQfinish (conn);
  return result;
}

char *
qrs_test_sql_value (const char *dbname,
                    const char *sql)
{
  PGresult *result = qrs_test_sql (dbname, sql);
  char *value = NULL;

  if (PQntuples (result) > 0 && !PQgetisnull (result, 0, 0))
    value = g_strdup (PQgetvalue (result, 0, 0));
  PQclear (result);
  return value;
}

/**
 * qrs_test_create_login:
 * @group: (nullable): a group role to join
 *
 * Returns: the name of a new login role with the password QRS_TEST_PASSWORD,
 *   dropped at exit
 */
char *
qrs_test_create_login (const char *group)
{
  g_autofree char *name = qrs_test_unique_name ("qrs_login");
  g_autofree char *sql = NULL;

  if (group != NULL)
    sql = g_strdup_printf ("CREATE ROLE \"%s\" LOGIN PASSWORD '" QRS_TEST_PASSWORD "' IN ROLE %s",
                           name, group);
  else
    sql = g_strdup_printf ("CREATE ROLE \"%s\" LOGIN PASSWORD '" QRS_TEST_PASSWORD "'", name);
  admin_command (sql);
  g_ptr_array_add (created_roles, g_strdup (name));
  return g_steal_pointer (&name);
}

/* Iterates the default main context until @condition holds. */
gboolean
qrs_test_wait_for (gboolean (*condition) (gpointer),
                   gpointer   data,
                   guint      timeout_ms)
{
  gint64 deadline = g_get_monotonic_time () + (gint64)timeout_ms * 1000;

  while (!condition (data))
    {
      if (g_get_monotonic_time () > deadline)
        return FALSE;
      g_main_context_iteration (NULL, FALSE);
      g_usleep (1000);
    }
  return TRUE;
}

/* Codes with titles, descriptions and tags drawn from 3,000 words: 50 of
 * English and Spanish (open, day, campus … semana, cultural) and 2,950
 * made of syllables, with Zipf-like frequencies — the first word is in
 * about one code in six, the 500th in a few hundred, the last in a few
 * dozen.  The server makes them in one statement: setting up is not what
 * is measured. */
void
qrs_test_make_codes (const char *dbname,
                     int         n_codes)
{
  g_autofree char *sql = g_strdup_printf (
    "SELECT setseed(0.42);"
    "CREATE TABLE bench_words AS"
    "  SELECT rank, word FROM unnest(ARRAY["
    "    'open','day','campus','library','students','research','concert','music','sports','science',"
    "    'admissions','graduation','conference','workshop','exhibition','museum','garden','parking',"
    "    'cafeteria','laboratory','día','puertas','abiertas','biblioteca','estudiantes','investigación',"
    "    'concierto','música','deportes','ciencia','admisión','graduación','congreso','taller',"
    "    'exposición','museo','jardín','aparcamiento','cafetería','laboratorio','canción','coro',"
    "    'orientación','matrícula','beca','residencia','comedor','evento','semana','cultural']"
    "    || ARRAY(SELECT s[1 + g %% 20] || s[1 + (g / 20) %% 20] || s[1 + (g / 400) %% 20] || 'n'"
    "               FROM generate_series(0, 2949) AS g,"
    "                    (SELECT ARRAY['ba','ce','di','fo','gu','la','me','ni','po','ru',"
    "                                  'sa','te','vi','zo','mar','len','tor','quin','bel','dra'] AS s) AS x"
    "              ORDER BY g))"
    "    WITH ORDINALITY AS t (word, rank);"
    "INSERT INTO codes (kind, payload_type, payload, encoded, design, title, description, tags)"
    "SELECT 'static', 'url',"
    "       jsonb_build_object('type', 'url', 'fields', jsonb_build_object('url', 'https://example.edu/' || g)),"
    "       'https://example.edu/' || g, '{\"format\": 1}',"
    "       initcap(w[z[1]]) || ' ' || w[z[2]] || ' ' || g,"
    "       w[z[3]] || ' ' || w[z[4]] || ' ' || w[z[5]] || ' ' || w[z[6]] || ' ' || w[z[7]] || ' ' || w[z[8]],"
    "       ARRAY[w[z[9]], w[z[10]]]"
    "  FROM (SELECT array_agg(word ORDER BY rank) AS w FROM bench_words) AS words,"
    "       generate_series(1, %d) AS g,"
    "       LATERAL (SELECT array_agg(least(3000, floor(10 * exp(random() * ln(301)))::int - 9)) AS z"
    "                  FROM generate_series(1, 10) WHERE g > 0) AS draws;"
    "ANALYZE codes;",
    n_codes);

  PQclear (qrs_test_sql (dbname, sql));
}
