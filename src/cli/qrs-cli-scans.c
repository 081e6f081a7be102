/* qrs-cli-scans.c — `qrstudio-cli scans export`: the recorded scans as
 * CSV, for a spreadsheet or another program; `scans reclassify`: their
 * user agents classified again after an update of the patterns
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>
#include <glib-unix.h>
#include <gio/gunixoutputstream.h>

#include "qrs-cli-private.h"
#include "qrs-code-store.h"
#include "qrs-scan-store.h"

typedef struct
{
  char *conninfo;
  char *code;
  char *since;
  char *until;
  char *output;
} ScansExportOptions;

static void
scans_export_options_clear (ScansExportOptions *options)
{
  g_clear_pointer (&options->conninfo, g_free);
  g_clear_pointer (&options->code, g_free);
  g_clear_pointer (&options->since, g_free);
  g_clear_pointer (&options->until, g_free);
  g_clear_pointer (&options->output, g_free);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (ScansExportOptions, scans_export_options_clear)

/* The CSV is written beside its place under a hidden name and renamed
 * over it when complete, so that FILE is whole or untouched. */
typedef struct
{
  char          *path;
  char          *temp_path;
  int            fd;
  GOutputStream *stream;
} Output;

static void
output_clear (Output *output)
{
  g_clear_object (&output->stream);
  if (output->temp_path != NULL)
    g_unlink (output->temp_path);
  g_clear_pointer (&output->temp_path, g_free);
  g_clear_pointer (&output->path, g_free);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Output, output_clear)

static gboolean
output_open (Output      *output,
             const char  *path,
             GError     **error)
{
  g_autofree char *dir = NULL;
  g_autofree char *name = NULL;
  g_autofree char *template = NULL;

  if (g_str_equal (path, "-"))
    {
      output->stream = g_unix_output_stream_new (STDOUT_FILENO, FALSE);
      return TRUE;
    }

  dir = g_path_get_dirname (path);
  name = g_path_get_basename (path);
  template = g_strdup_printf ("%s%c.%s.XXXXXX", dir, G_DIR_SEPARATOR, name);

  output->fd = g_mkstemp_full (template, O_WRONLY | O_CLOEXEC, 0666);
  if (output->fd < 0)
    {
      int saved_errno = errno;
      g_autofree char *display = g_filename_display_name (path);

      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved_errno),
                   _("-o: cannot write “%s”: %s"), display, g_strerror (saved_errno));
      return FALSE;
    }

  output->path = g_strdup (path);
  output->temp_path = g_steal_pointer (&template);
  output->stream = g_unix_output_stream_new (output->fd, TRUE);
  return TRUE;
}

static gboolean
output_commit (Output  *output,
               GError **error)
{
  g_autofree char *display = NULL;
  int saved_errno;

  if (!g_output_stream_flush (output->stream, NULL, error))
    return FALSE;

  if (output->temp_path == NULL)
    return TRUE;

  display = g_filename_display_name (output->path);

  if (fsync (output->fd) != 0 ||
      !g_output_stream_close (output->stream, NULL, NULL) ||
      g_rename (output->temp_path, output->path) != 0)
    {
      saved_errno = errno;
      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved_errno),
                   _("-o: cannot write “%s”: %s"), display, g_strerror (saved_errno));
      return FALSE;
    }

  g_clear_pointer (&output->temp_path, g_free);
  return TRUE;
}

/* --since and --until, into a range with room for a scan. */
static gboolean
parse_range (const char  *since_text,
             const char  *until_text,
             GDateTime  **since,
             GDateTime  **until,
             GError     **error)
{
  if (since_text != NULL && !(*since = qrs_cli_parse_time (since_text, FALSE, error)))
    {
      g_prefix_error (error, "--since: ");
      return FALSE;
    }
  if (until_text != NULL && !(*until = qrs_cli_parse_time (until_text, TRUE, error)))
    {
      g_prefix_error (error, "--until: ");
      return FALSE;
    }
  if (*since != NULL && *until != NULL && g_date_time_compare (*since, *until) >= 0)
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   _("--until %s is not after --since %s: no scan is in between"), until_text, since_text);
      return FALSE;
    }
  return TRUE;
}

/* The export runs on a worker thread while the main loop waits for it and
 * for Ctrl+C, which cancels it: nothing is left behind. */
typedef struct
{
  GMainLoop    *loop;
  GCancellable *cancellable;
  GError       *error;
  guint64       n_rows;
  gboolean      done;
  gboolean      interrupted;
} Export;

static void
export_done_cb (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  Export *export = user_data;

  qrs_scan_store_export_csv_finish (QRS_SCAN_STORE (object), result, &export->n_rows, &export->error);
  export->done = TRUE;
  g_main_loop_quit (export->loop);
}

static gboolean
interrupt_cb (gpointer user_data)
{
  Export *export = user_data;

  export->interrupted = TRUE;
  g_cancellable_cancel (export->cancellable);
  return G_SOURCE_CONTINUE;
}

static gboolean
check_output (const char  *path,
              GError     **error)
{
  if (path == NULL)
    {
      g_set_error_literal (error, G_OPTION_ERROR, G_OPTION_ERROR_FAILED,
                           _("say where to write the scans: -o FILE.csv, or -o - for standard output"));
      return FALSE;
    }

  if (!g_str_equal (path, "-") && g_file_test (path, G_FILE_TEST_IS_DIR))
    {
      g_autofree char *display = g_filename_display_name (path);

      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_ISDIR,
                   _("-o: “%s” is a folder: give a file name, such as %s/scans.csv"), display, display);
      return FALSE;
    }

  return TRUE;
}

static int
scans_export_run (int    argc,
                  char **argv)
{
  g_auto(ScansExportOptions) options = { NULL };
  g_auto(Output) output = { NULL, NULL, -1, NULL };
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(QrsDatabase) database = NULL;
  g_autoptr(QrsScanStore) scans = NULL;
  g_autoptr(GDateTime) since = NULL;
  g_autoptr(GDateTime) until = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GMainLoop) loop = NULL;
  g_autoptr(GCancellable) cancellable = NULL;
  Export export = { NULL };
  gint64 code_id = 0;
  guint signal_ids[3];
  const int signals[3] = { SIGINT, SIGTERM, SIGHUP };
  gboolean to_stdout;
  const GOptionEntry entries[] = {
    { "output", 'o', G_OPTION_FLAG_NONE, G_OPTION_ARG_FILENAME, &options.output,
      N_("Write the CSV to FILE, whole or not at all; “-” writes to standard output"), N_("FILE.csv") },
    { "code", 'c', G_OPTION_FLAG_NONE, G_OPTION_ARG_STRING, &options.code,
      N_("Only the scans of this code: its number or short id (default: every code)"), N_("ID") },
    { "since", 0, G_OPTION_FLAG_NONE, G_OPTION_ARG_STRING, &options.since,
      N_("From this day (2025-05-01, from its start in UTC) or time on (default: the first scan)"), N_("DATE") },
    { "until", 0, G_OPTION_FLAG_NONE, G_OPTION_ARG_STRING, &options.until,
      N_("Up to this day (2025-05-31, to its end in UTC) or time (default: now)"), N_("DATE") },
    { NULL }
  };

  context = qrs_cli_option_context_new (_("-o FILE.csv"),
                                        _("Export the recorded scans as CSV, oldest first."),
                                        _("One row per scan: event id, code id, short id, time (UTC), device, OS and\n"
                                          "its version, browser and its version, bot, referrer, language, user agent.\n"
                                          "No visitor's address or identifier is ever stored, so none is exported.\n"
                                          "\n"
                                          "Examples:\n"
                                          "  qrstudio-cli scans export --since 2025-05-01 --until 2025-05-31 -o may.csv\n"
                                          "  qrstudio-cli scans export --code aB3dE9xY -o - | head\n"
                                          "\n"
                                          "Exit status: 0 written; 1 the database failed; 2 bad input, nothing written."));
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  qrs_cli_add_database_option (context, &options.conninfo);

  if (!qrs_cli_parse_options (context, "scans export", &argc, &argv, &error))
    return qrs_cli_fail (error);

  if (argc > 1)
    {
      qrs_cli_print_error (_("unexpected argument “%s”: every value follows its option, and spaces need quotes (see “qrstudio-cli help scans export”)"),
                           argv[1]);
      return QRS_CLI_EXIT_USAGE;
    }

  if (!check_output (options.output, &error))
    return qrs_cli_fail (error);

  if (!parse_range (options.since, options.until, &since, &until, &error))
    return qrs_cli_fail (error);

  if (!(database = qrs_cli_open_database (options.conninfo, TRUE, &error)))
    return qrs_cli_fail_store (error);

  if (options.code != NULL)
    {
      g_autoptr(QrsCodeStore) codes = qrs_code_store_new (database);
      g_autoptr(QrsCode) code = qrs_cli_find_code (codes, options.code, &error);

      if (code == NULL)
        {
          g_prefix_error (&error, "--code: ");
          return qrs_cli_fail_store (error);
        }
      code_id = qrs_code_get_id (code);
    }

  if (!output_open (&output, options.output, &error))
    return qrs_cli_fail (error);

  loop = g_main_loop_new (NULL, FALSE);
  cancellable = g_cancellable_new ();
  export.loop = loop;
  export.cancellable = cancellable;
  for (guint i = 0; i < G_N_ELEMENTS (signals); i++)
    signal_ids[i] = g_unix_signal_add (signals[i], interrupt_cb, &export);

  scans = qrs_scan_store_new (database);
  qrs_scan_store_export_csv_async (scans, code_id, since, until, output.stream, cancellable,
                                   export_done_cb, &export);
  while (!export.done)
    g_main_loop_run (loop);

  for (guint i = 0; i < G_N_ELEMENTS (signals); i++)
    g_source_remove (signal_ids[i]);

  if (export.error == NULL)
    output_commit (&output, &export.error);

  if (export.error != NULL)
    {
      g_autoptr(GError) failure = g_steal_pointer (&export.error);

      if (export.interrupted)
        {
          qrs_cli_print_error (_("interrupted: nothing was written"));
          return QRS_CLI_EXIT_FAILED;
        }
      return qrs_cli_fail_store (failure);
    }

  /* The count goes where the CSV does not. */
  to_stdout = g_str_equal (options.output, "-");
  {
    g_autofree char *display = g_filename_display_name (options.output);
    g_autofree char *n = g_strdup_printf ("%" G_GUINT64_FORMAT, export.n_rows);
    gulong plural = qrs_cli_plural (export.n_rows);
    g_autofree char *summary = NULL;

    if (to_stdout)
      summary = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%s scan exported", "%s scans exported", plural),
                                 n);
    else
      summary = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%s scan written to %s", "%s scans written to %s", plural),
                                 n, display);

    if (to_stdout)
      g_printerr ("%s\n", summary);
    else
      g_print ("%s\n", summary);
  }

  return QRS_CLI_EXIT_OK;
}

typedef struct
{
  char     *conninfo;
  char     *since;
  char     *until;
  gboolean  dry_run;
} ScansReclassifyOptions;

static void
scans_reclassify_options_clear (ScansReclassifyOptions *options)
{
  g_clear_pointer (&options->conninfo, g_free);
  g_clear_pointer (&options->since, g_free);
  g_clear_pointer (&options->until, g_free);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (ScansReclassifyOptions, scans_reclassify_options_clear)

/* On a terminal, how far the classifying has come, on one line. */
static void
reclassify_progress_cb (guint64  n_classified,
                        guint64  n_agents,
                        gpointer user_data)
{
  gboolean *shown = user_data;
  g_autofree char *done = g_strdup_printf ("%" G_GUINT64_FORMAT, n_classified);
  g_autofree char *all = g_strdup_printf ("%" G_GUINT64_FORMAT, n_agents);

  g_printerr ("\r");
  /* TRANSLATORS: progress, rewritten in place: "1200 of 3400" */
  g_printerr (_("Classifying user agents: %s of %s"), done, all);
  *shown = TRUE;
}

static int
scans_reclassify_run (int    argc,
                      char **argv)
{
  g_auto(ScansReclassifyOptions) options = { NULL };
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(QrsDatabase) database = NULL;
  g_autoptr(QrsScanStore) scans = NULL;
  g_autoptr(GDateTime) since = NULL;
  g_autoptr(GDateTime) until = NULL;
  g_autoptr(GError) error = NULL;
  QrsUserAgentParser *parser;
  QrsScanReclassification result;
  gboolean progress_shown = FALSE;
  gboolean ok;
  const GOptionEntry entries[] = {
    { "since", 0, G_OPTION_FLAG_NONE, G_OPTION_ARG_STRING, &options.since,
      N_("From this day (2025-05-01, from its start in UTC) or time on (default: the first scan)"), N_("DATE") },
    { "until", 0, G_OPTION_FLAG_NONE, G_OPTION_ARG_STRING, &options.until,
      N_("Up to this day (2025-05-31, to its end in UTC) or time (default: now)"), N_("DATE") },
    { "dry-run", 'n', G_OPTION_FLAG_NONE, G_OPTION_ARG_NONE, &options.dry_run,
      N_("Count what would change, and change nothing"), NULL },
    { NULL }
  };

  context = qrs_cli_option_context_new (NULL,
                                        _("Classify the recorded scans’ user agents again."),
                                        _("Each scan keeps the user agent it was made with. After uap-core is updated\n"
                                          "(better patterns), this reads every different user agent of the scans in\n"
                                          "the range, classifies it again, and stores the new device, operating\n"
                                          "system, browser and bot flag of each scan whose analysis changed. Days\n"
                                          "where a scan became a bot, or stopped being one, have their daily counts\n"
                                          "made again. It is all done in one transaction: all of it, or nothing.\n"
                                          "It needs the database’s owner, the role that runs “db migrate”.\n"
                                          "\n"
                                          "Examples:\n"
                                          "  qrstudio-cli scans reclassify --dry-run\n"
                                          "  qrstudio-cli scans reclassify --since 2025-01-01\n"
                                          "\n"
                                          "Exit status: 0 done; 1 the database failed or refused, nothing changed;\n"
                                          "2 bad input, nothing changed."));
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  qrs_cli_add_database_option (context, &options.conninfo);

  if (!qrs_cli_parse_options (context, "scans reclassify", &argc, &argv, &error))
    return qrs_cli_fail (error);

  if (argc > 1)
    {
      qrs_cli_print_error (_("unexpected argument “%s”: every value follows its option, and spaces need quotes (see “qrstudio-cli help scans reclassify”)"),
                           argv[1]);
      return QRS_CLI_EXIT_USAGE;
    }

  if (!parse_range (options.since, options.until, &since, &until, &error))
    return qrs_cli_fail (error);

  if (!(parser = qrs_user_agent_parser_get_default (&error)))
    {
      qrs_cli_print_error ("%s", error->message);
      return QRS_CLI_EXIT_FAILED;
    }

  if (!(database = qrs_cli_open_database (options.conninfo, TRUE, &error)))
    return qrs_cli_fail_store (error);

  /* Interrupted, the process ends and PostgreSQL rolls the transaction
   * back: nothing is changed. */
  scans = qrs_scan_store_new (database);
  ok = qrs_scan_store_reclassify (scans, parser, since, until, options.dry_run, &result,
                                  qrs_cli_stderr_is_terminal () ? reclassify_progress_cb : NULL,
                                  &progress_shown, NULL, &error);
  if (progress_shown)
    g_printerr ("\n");

  if (!ok)
    {
      if (g_error_matches (error, QRS_DATABASE_ERROR, QRS_DATABASE_ERROR_PERMISSION_DENIED))
        {
          qrs_cli_print_error (_("%s Classifying scans again changes them and their daily counts, which only the database’s owner may do: run it as the role that runs “qrstudio-cli db migrate”. Nothing was changed."),
                               error->message);
          return QRS_CLI_EXIT_FAILED;
        }
      return qrs_cli_fail_store (error);
    }

  {
    g_autofree char *n_scans = g_strdup_printf ("%" G_GUINT64_FORMAT, result.n_scans);
    g_autofree char *n_agents = g_strdup_printf ("%" G_GUINT64_FORMAT, result.n_agents);
    g_autofree char *n_changed = g_strdup_printf ("%" G_GUINT64_FORMAT, result.n_changed);
    g_autofree char *n_days = g_strdup_printf ("%" G_GUINT64_FORMAT, result.n_days);

    g_print (g_dngettext (GETTEXT_PACKAGE, "%s scan in the range\n", "%s scans in the range\n",
                          qrs_cli_plural (result.n_scans)), n_scans);
    g_print (g_dngettext (GETTEXT_PACKAGE, "%s different user agent classified again\n",
                          "%s different user agents classified again\n", qrs_cli_plural (result.n_agents)), n_agents);
    if (options.dry_run)
      {
        g_print (g_dngettext (GETTEXT_PACKAGE, "%s scan would change\n", "%s scans would change\n",
                              qrs_cli_plural (result.n_changed)), n_changed);
        g_print (g_dngettext (GETTEXT_PACKAGE, "%s day would be counted again\n", "%s days would be counted again\n",
                              qrs_cli_plural (result.n_days)), n_days);
        g_print ("%s\n", _("Nothing was changed: this was a dry run."));
      }
    else
      {
        g_print (g_dngettext (GETTEXT_PACKAGE, "%s scan changed\n", "%s scans changed\n",
                              qrs_cli_plural (result.n_changed)), n_changed);
        g_print (g_dngettext (GETTEXT_PACKAGE, "%s day counted again\n", "%s days counted again\n",
                              qrs_cli_plural (result.n_days)), n_days);
      }
  }

  return QRS_CLI_EXIT_OK;
}

static const QrsCliCommand scans_commands[] = {
  { "export",     N_("Export the recorded scans as CSV"),                     scans_export_run },
  { "reclassify", N_("Classify the scans’ user agents again, after an update"), scans_reclassify_run },
};

/**
 * qrs_cli_scans_run:
 *
 * `qrstudio-cli scans export [--code ID] [--since DATE] [--until DATE] -o FILE.csv`
 * `qrstudio-cli scans reclassify [--since DATE] [--until DATE] [--dry-run]`
 *
 * Returns: the exit status
 */
int
qrs_cli_scans_run (int    argc,
                   char **argv)
{
  return qrs_cli_dispatch ("scans", scans_commands, G_N_ELEMENTS (scans_commands), argc, argv);
}
