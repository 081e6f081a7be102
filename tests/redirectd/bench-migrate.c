/* bench-migrate.c — migrates a database for the redirect benchmark with
 * the store's own migrations, as qrstudio-cli db migrate will.
 *
 * Usage: bench-migrate CONNINFO
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "qrs-database.h"

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GError) error = NULL;
  g_autoptr(QrsDatabase) database = NULL;
  guint applied = 0;

  if (argc != 2)
    {
      g_printerr ("Usage: bench-migrate CONNINFO\n");
      return 2;
    }
  database = qrs_database_new (argv[1], &error);
  if (database == NULL || !qrs_database_connect (database, NULL, &error) ||
      !qrs_database_migrate (database, &applied, NULL, &error))
    {
      g_printerr ("bench-migrate: %s\n", error->message);
      return 1;
    }
  qrs_database_close (database);
  return 0;
}
