/* bench-seed.c — a migrated database of N codes for tools/bench app
 *
 * Not a test: it makes a fresh database on the server libpq's PG*
 * variables name, fills it with the store bench's codes, keeps a copy
 * named qrs_bench_app (the test helpers drop their databases at exit) and
 * prints that name, which the app's bench then opens.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include "store-test-util.h"

int
main (int   argc,
      char *argv[])
{
  g_autoptr(QrsDatabase) database = NULL;
  g_autofree char *name = NULL;
  g_autofree char *sql = NULL;
  gint64 n_codes = 100000;

  if (argc > 2 || (argc == 2 && !g_ascii_string_to_signed (argv[1], 10, 1, G_MAXINT, &n_codes, NULL)))
    {
      fprintf (stderr, "Usage: %s [N-CODES]\n", argv[0]);
      return 2;
    }

  qrs_test_require_server ();
  database = qrs_test_open_migrated (&name);
  qrs_database_close (database);
  qrs_test_make_codes (name, (int)n_codes);
  PQclear (qrs_test_sql (name, "VACUUM ANALYZE codes"));
  PQclear (qrs_test_sql ("postgres", "DROP DATABASE IF EXISTS qrs_bench_app"));
  sql = g_strdup_printf ("CREATE DATABASE qrs_bench_app TEMPLATE %s", name);
  PQclear (qrs_test_sql ("postgres", sql));

  printf ("qrs_bench_app\n");
  return 0;
}
