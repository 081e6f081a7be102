/* qrs-cli-db.c — `qrstudio-cli db migrate` and `db status`: the shared
 * database's schema
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include <glib/gi18n-lib.h>

#include "qrs-cli-private.h"
#include "qrs-database.h"

/* Options of both subcommands: only --database. */
static gboolean
parse_database_options (const char   *command,
                        const char   *summary,
                        const char   *description,
                        int          *argc,
                        char       ***argv,
                        char        **conninfo,
                        GError      **error)
{
  g_autoptr(GOptionContext) context = qrs_cli_option_context_new (NULL, summary, description);

  qrs_cli_add_database_option (context, conninfo);

  if (!qrs_cli_parse_options (context, command, argc, argv, error))
    return FALSE;

  if (*argc > 1)
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_FAILED,
                   _("unexpected argument “%s” (see “qrstudio-cli help %s”)"),
                   (*argv)[1], command);
      return FALSE;
    }

  return TRUE;
}

static GHashTable *
pending_names (GPtrArray *migrations)
{
  GHashTable *names = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  for (guint i = 0; i < migrations->len; i++)
    {
      const QrsMigration *migration = g_ptr_array_index (migrations, i);

      if (migration->applied_at == NULL)
        g_hash_table_add (names, g_strdup (migration->name));
    }

  return names;
}

static int
db_migrate_run (int    argc,
                char **argv)
{
  g_autofree char *conninfo = NULL;
  g_autoptr(QrsDatabase) database = NULL;
  g_autoptr(GPtrArray) before = NULL;
  g_autoptr(GPtrArray) after = NULL;
  g_autoptr(GHashTable) pending = NULL;
  g_autoptr(GError) error = NULL;
  guint n_applied = 0;
  int version;

  if (!parse_database_options ("db migrate",
                               _("Bring the database’s schema up to date."),
                               _("Applies the migrations built into this program that the database lacks,\n"
                                 "in order, each in its own transaction.  Running it again, or from two\n"
                                 "computers at once, is harmless.  Run it as the role that owns the schema.\n"
                                 "\n"
                                 "Example:\n"
                                 "  qrstudio-cli db migrate --database \"host=db.example.edu dbname=qrstudio user=qrstudio_owner\"\n"
                                 "\n"
                                 "Exit status: 0 up to date; 1 the database could not be reached or migrated;\n"
                                 "2 bad input."),
                               &argc, &argv, &conninfo, &error))
    return qrs_cli_fail (error);

  if (!(database = qrs_cli_open_database (conninfo, FALSE, &error)) ||
      !(before = qrs_database_list_migrations (database, NULL, &error)))
    return qrs_cli_fail_store (error);

  pending = pending_names (before);

  if (!qrs_database_migrate (database, &n_applied, NULL, &error) ||
      !(after = qrs_database_list_migrations (database, NULL, &error)) ||
      (version = qrs_database_get_schema_version (database, NULL, &error)) < 0)
    return qrs_cli_fail_store (error);

  /* What this run applied: pending before, applied now.  Another
   * computer migrating at the same moment may have applied some. */
  for (guint i = 0; i < after->len; i++)
    {
      const QrsMigration *migration = g_ptr_array_index (after, i);

      if (migration->applied_at != NULL && g_hash_table_contains (pending, migration->name))
        g_print (_("applied %s\n"), migration->name);
    }

  if (n_applied == 0)
    g_print (_("up to date: schema version %d, nothing to apply\n"), version);
  else
    g_print (g_dngettext (GETTEXT_PACKAGE,
                          "up to date: schema version %d, %u migration applied\n",
                          "up to date: schema version %d, %u migrations applied\n",
                          n_applied),
             version, n_applied);

  return QRS_CLI_EXIT_OK;
}

static void
print_row_count (const char *label,
                 gint64      count)
{
  g_print ("  %s: %" G_GINT64_FORMAT "\n", label, count);
}

static int
db_status_run (int    argc,
               char **argv)
{
  g_autofree char *conninfo = NULL;
  g_autoptr(QrsDatabase) database = NULL;
  g_autoptr(GPtrArray) migrations = NULL;
  g_autoptr(GError) error = NULL;
  QrsRowCounts counts;
  guint n_pending = 0;
  int name_width = 0;
  int version;
  int known = qrs_database_get_program_schema_version ();

  if (!parse_database_options ("db status",
                               _("Show the database’s schema version, pending migrations and row counts."),
                               _("Exit status: 0 shown (even with migrations pending); 1 the database could\n"
                                 "not be reached, or its schema is newer than this program; 2 bad input."),
                               &argc, &argv, &conninfo, &error))
    return qrs_cli_fail (error);

  /* Connecting refuses a schema newer than this program, which cannot
   * tell what that schema holds. */
  if (!(database = qrs_cli_open_database (conninfo, FALSE, &error)) ||
      (version = qrs_database_get_schema_version (database, NULL, &error)) < 0 ||
      !(migrations = qrs_database_list_migrations (database, NULL, &error)))
    return qrs_cli_fail_store (error);

  for (guint i = 0; i < migrations->len; i++)
    if (((QrsMigration *)g_ptr_array_index (migrations, i))->applied_at == NULL)
      n_pending++;

  g_print (_("schema version: %d (this program knows up to %d)\n"), version, known);

  if (n_pending == 0)
    g_print (_("pending migrations: none\n"));
  else
    {
      g_print (_("pending migrations: %u (run “qrstudio-cli db migrate”)\n"), n_pending);
      for (guint i = 0; i < migrations->len; i++)
        {
          const QrsMigration *migration = g_ptr_array_index (migrations, i);

          if (migration->applied_at == NULL)
            g_print ("  %s\n", migration->name);
        }
    }

  if (version == 0)
    {
      g_print (_("rows: none, the database has no QR Studio tables yet\n"));
      return QRS_CLI_EXIT_OK;
    }

  for (guint i = 0; i < migrations->len; i++)
    name_width = MAX (name_width, (int)strlen (((QrsMigration *)g_ptr_array_index (migrations, i))->name));

  g_print (_("applied migrations:\n"));
  for (guint i = 0; i < migrations->len; i++)
    {
      const QrsMigration *migration = g_ptr_array_index (migrations, i);
      g_autofree char *when = NULL;
      g_autofree char *name = NULL;

      if (migration->applied_at == NULL)
        continue;
      when = g_date_time_format (migration->applied_at, "%Y-%m-%d %H:%M:%S UTC");
      name = g_strdup_printf ("%-*s", name_width, migration->name);
      /* TRANSLATORS: a migration (padded), when and by which database role it was applied */
      g_print (_("  %s  %s  by %s\n"), name, when,
               migration->applied_by ? migration->applied_by : "?");
    }

  if (!qrs_database_count_rows (database, &counts, NULL, &error))
    return qrs_cli_fail_store (error);

  g_print (_("rows:\n"));
  print_row_count (_("codes"), counts.codes);
  print_row_count (_("logos"), counts.assets);
  print_row_count (_("code events"), counts.code_events);
  print_row_count (_("scans"), counts.scans);
  print_row_count (_("scan days"), counts.scan_daily);

  return QRS_CLI_EXIT_OK;
}

static const QrsCliCommand db_commands[] = {
  { "migrate", N_("Bring the database’s schema up to date"),                         db_migrate_run },
  { "status",  N_("Show the schema version, pending migrations and row counts"),     db_status_run },
};

/**
 * qrs_cli_db_run:
 *
 * `qrstudio-cli db migrate|status [--database CONNINFO]`
 *
 * Returns: the exit status
 */
int
qrs_cli_db_run (int    argc,
                char **argv)
{
  return qrs_cli_dispatch ("db", db_commands, G_N_ELEMENTS (db_commands), argc, argv);
}
