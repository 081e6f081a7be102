/* qrs-cli.c — the command table of qrstudio-cli and what commands share
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <stdarg.h>
#include <string.h>
#include <unistd.h>

#include <glib/gi18n-lib.h>

#include "qrs-cli-private.h"

#define PROGRAM_NAME "qrstudio-cli"

static const QrsCliCommand commands[] = {
  { "export", N_("Export one code to a PNG, SVG, PDF, EPS, JPEG or WebP file"), qrs_cli_export_run },
  { "batch",  N_("Export one code for each row of a CSV file"),                 qrs_cli_batch_run },
  { "db",     N_("Migrate the shared database and show its state"),             qrs_cli_db_run },
  { "codes",  N_("Add, find, change and export the codes in the database"),     qrs_cli_codes_run },
  { "scans",  N_("Export the recorded scans of dynamic codes as CSV"),          qrs_cli_scans_run },
};

/**
 * qrs_cli_one_line:
 *
 * Messages of the libraries below may span lines; the tools promise
 * exactly one line per error.
 *
 * Returns: (transfer full): @message with its line breaks made spaces
 */
char *
qrs_cli_one_line (const char *message)
{
  g_autoptr(GString) line = g_string_new (NULL);
  gboolean space = FALSE;

  for (const char *p = message ? message : ""; *p; p++)
    {
      if (*p == '\n' || *p == '\r' || *p == '\t')
        {
          space = line->len > 0;
          continue;
        }
      if (space && *p != ' ')
        g_string_append_c (line, ' ');
      space = FALSE;
      g_string_append_c (line, *p);
    }

  return g_string_free (g_steal_pointer (&line), FALSE);
}

void
qrs_cli_print_error (const char *format,
                     ...)
{
  g_autofree char *message = NULL;
  g_autofree char *line = NULL;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);

  line = qrs_cli_one_line (message);
  g_printerr ("%s: %s\n", PROGRAM_NAME, line);
}

/**
 * qrs_cli_fail:
 *
 * Tells the person what went wrong, on one line.
 *
 * Returns: %QRS_CLI_EXIT_USAGE, for `return qrs_cli_fail (error);`
 */
int
qrs_cli_fail (const GError *error)
{
  qrs_cli_print_error ("%s", error ? error->message : _("failed"));
  return QRS_CLI_EXIT_USAGE;
}

gboolean
qrs_cli_stderr_is_terminal (void)
{
  return isatty (STDERR_FILENO) && g_strcmp0 (g_getenv ("TERM"), "dumb") != 0;
}

/**
 * qrs_cli_lint_severity_label:
 *
 * Returns: the word that starts a finding's line: "warning: …"
 */
const char *
qrs_cli_lint_severity_label (QrsLintSeverity severity)
{
  switch (severity)
    {
    case QRS_LINT_SEVERITY_INFO:    return _("note");
    case QRS_LINT_SEVERITY_WARNING: return _("warning");
    case QRS_LINT_SEVERITY_ERROR:   return _("error");
    default:                        g_assert_not_reached ();
    }
}

/**
 * qrs_cli_option_context_new:
 *
 * Returns: (transfer full): an option context that translates with the
 *   program's gettext domain
 */
GOptionContext *
qrs_cli_option_context_new (const char *parameter_string,
                            const char *summary,
                            const char *description)
{
  GOptionContext *context = g_option_context_new (parameter_string);

  g_option_context_set_translation_domain (context, GETTEXT_PACKAGE);
  if (summary != NULL)
    g_option_context_set_summary (context, summary);
  if (description != NULL)
    g_option_context_set_description (context, description);

  return context;
}

/**
 * qrs_cli_parse_options:
 * @command: the command's words, "export" or "db migrate"
 *
 * Parses a command's options.  --help prints the command's usage and
 * exits with status 0.
 */
gboolean
qrs_cli_parse_options (GOptionContext   *context,
                       const char       *command,
                       int              *argc,
                       char           ***argv,
                       GError          **error)
{
  g_autofree char *usage_name = g_strdup_printf ("%s %s", PROGRAM_NAME, command);
  g_autoptr(GError) local_error = NULL;
  gboolean ok;

  /* So that the usage line of --help reads "qrstudio-cli export [OPTION…]". */
  g_set_prgname (usage_name);
  ok = g_option_context_parse (context, argc, argv, &local_error);
  g_set_prgname (PROGRAM_NAME);

  if (!ok)
    {
      g_set_error (error, G_OPTION_ERROR, local_error->code,
                   _("%s (see “%s help %s”)"),
                   local_error->message, PROGRAM_NAME, command);
      return FALSE;
    }

  /* GOption keeps the "--" that ends the options when a word after it
   * starts with a dash ("codes search -- '-draft open day'"); the
   * commands want the words alone.  Like GOption, only the pointers
   * move: argv's strings are not ours to free. */
  for (int i = 1; i < *argc; i++)
    if (strcmp ((*argv)[i], "--") == 0)
      {
        memmove (*argv + i, *argv + i + 1, (*argc - i - 1) * sizeof (char *));
        (*argc)--;
        (*argv)[*argc] = NULL;
        break;
      }

  return TRUE;
}

static char *
command_path (const char *prefix)
{
  if (prefix == NULL)
    return g_strdup (PROGRAM_NAME);

  return g_strdup_printf ("%s %s", PROGRAM_NAME, prefix);
}

static void
print_commands (const char          *prefix,
                const QrsCliCommand *table,
                guint                n_commands)
{
  g_autoptr(GString) text = g_string_new (NULL);
  g_autofree char *path = command_path (prefix);
  int width = 4;

  for (guint i = 0; i < n_commands; i++)
    width = MAX (width, (int)strlen (table[i].name));
  if (prefix == NULL)
    width = MAX (width, (int)strlen ("--version"));

  g_string_append_printf (text, "%s\n  %s %s\n\n", _("Usage:"), path, _("COMMAND [OPTION…]"));
  g_string_append_printf (text, "%s\n", _("Commands:"));
  for (guint i = 0; i < n_commands; i++)
    g_string_append_printf (text, "  %-*s  %s\n", width, table[i].name, _(table[i].summary));
  g_string_append_printf (text, "  %-*s  %s\n\n", width, "help", _("Show the options of a command"));

  if (prefix == NULL)
    g_string_append_printf (text, "%s\n  %-*s  %s\n\n", _("Options:"), width, "--version",
                            _("Show the program’s version"));
  g_string_append_printf (text, _("Run “%s help COMMAND” to see the options of a command."), path);
  g_string_append_c (text, '\n');

  g_print ("%s", text->str);
}

static const QrsCliCommand *
find_command (const QrsCliCommand *table,
              guint                n_commands,
              const char          *name)
{
  for (guint i = 0; i < n_commands; i++)
    if (g_strcmp0 (table[i].name, name) == 0)
      return &table[i];

  return NULL;
}

static int
unknown_command (const char          *prefix,
                 const QrsCliCommand *table,
                 guint                n_commands,
                 const char          *name)
{
  g_autoptr(GString) names = g_string_new (NULL);
  g_autofree char *path = command_path (prefix);

  for (guint i = 0; i < n_commands; i++)
    g_string_append_printf (names, "%s%s", i ? ", " : "", table[i].name);

  if (name == NULL)
    qrs_cli_print_error (_("say which command to run: %s (see “%s --help”)"),
                         names->str, path);
  else if (name[0] == '-')
    qrs_cli_print_error (_("unknown option %s: options come after the command, one of %s (see “%s --help”)"),
                         name, names->str, path);
  else
    qrs_cli_print_error (_("“%s” is not a command: use one of %s (see “%s --help”)"),
                         name, names->str, path);

  return QRS_CLI_EXIT_USAGE;
}

/**
 * qrs_cli_dispatch:
 * @prefix: (nullable): the words before the command, %NULL at the top
 * @argv: the arguments; argv[0] is the program or the parent command
 *
 * Runs the command that argv[1] names, or `help`, or --help and
 * --version.
 *
 * Returns: the exit status
 */
int
qrs_cli_dispatch (const char           *prefix,
                  const QrsCliCommand  *table,
                  guint                 n_commands,
                  int                   argc,
                  char                **argv)
{
  const QrsCliCommand *command;
  const char *name = argc > 1 ? argv[1] : NULL;

  if (name == NULL)
    return unknown_command (prefix, table, n_commands, NULL);

  if (g_str_equal (name, "--help") || g_str_equal (name, "-h") ||
      (g_str_equal (name, "help") && argc == 2))
    {
      print_commands (prefix, table, n_commands);
      return QRS_CLI_EXIT_OK;
    }

  if (prefix == NULL && g_str_equal (name, "--version"))
    {
      g_print ("%s (%s) %s\n", PROGRAM_NAME, PACKAGE_NAME, PACKAGE_VERSION);
      return QRS_CLI_EXIT_OK;
    }

  if (g_str_equal (name, "help"))
    {
      g_autoptr(GPtrArray) help_argv = g_ptr_array_new ();

      if (!(command = find_command (table, n_commands, argv[2])))
        return unknown_command (prefix, table, n_commands, argv[2]);

      /* `help db migrate` is `db migrate --help` */
      for (int i = 2; i < argc; i++)
        g_ptr_array_add (help_argv, argv[i]);
      g_ptr_array_add (help_argv, (char *)"--help");
      g_ptr_array_add (help_argv, NULL);

      return command->run (help_argv->len - 1, (char **)help_argv->pdata);
    }

  if (!(command = find_command (table, n_commands, name)))
    return unknown_command (prefix, table, n_commands, name);

  return command->run (argc - 1, argv + 1);
}

/**
 * qrs_cli_main:
 *
 * Returns: the exit status of the command @argv names
 */
int
qrs_cli_main (int    argc,
              char **argv)
{
  return qrs_cli_dispatch (NULL, commands, G_N_ELEMENTS (commands), argc, argv);
}
