/* qrs-cli-private.h — the commands of qrstudio-cli and what they share
 *
 * A command is one file, qrs-cli-<name>.c, with one entry point that
 * takes the arguments after the command's name (argv[0] is the name).
 * To add one, declare its entry point here and list it in the table in
 * qrs-cli.c.  A command with its own subcommands (`db migrate`) passes
 * its own table to qrs_cli_dispatch().
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "qrs-code-store.h"
#include "qrs-database.h"
#include "qrs-design.h"
#include "qrs-export.h"
#include "qrs-lint.h"

G_BEGIN_DECLS

/* The exit statuses every command keeps to (docs/cli.md). */
typedef enum
{
  QRS_CLI_EXIT_OK     = 0,
  QRS_CLI_EXIT_FAILED = 1,  /* ran, but some of the work failed: rows of a batch, a lint error */
  QRS_CLI_EXIT_USAGE  = 2,  /* bad input: nothing was written */
} QrsCliExit;

typedef int (*QrsCliCommandFunc) (int    argc,
                                  char **argv);

typedef struct
{
  const char        *name;
  const char        *summary;    /* N_(), translated when shown */
  QrsCliCommandFunc  run;
} QrsCliCommand;

int             qrs_cli_main                (int                   argc,
                                             char                **argv);
int             qrs_cli_dispatch            (const char           *prefix,
                                             const QrsCliCommand  *commands,
                                             guint                 n_commands,
                                             int                   argc,
                                             char                **argv);

GOptionContext *qrs_cli_option_context_new  (const char           *parameter_string,
                                             const char           *summary,
                                             const char           *description);
gboolean        qrs_cli_parse_options       (GOptionContext       *context,
                                             const char           *command,
                                             int                  *argc,
                                             char               ***argv,
                                             GError              **error);

void            qrs_cli_print_error         (const char           *format,
                                             ...) G_GNUC_PRINTF (1, 2);
int             qrs_cli_fail                (const GError         *error);
char           *qrs_cli_one_line            (const char           *message);
gboolean        qrs_cli_stderr_is_terminal  (void);
const char     *qrs_cli_lint_severity_label (QrsLintSeverity       severity);

/* Where and how `export` and `codes export` write a code (qrs-cli-export.c):
 * -o, --format, --lint, --distance, --force, --info, --save-design. */
typedef struct
{
  char            *output;
  char            *format;
  char            *distance;
  char            *save_design;
  gboolean         lint;
  gboolean         force;
  gboolean         info;

  /* Worked out by qrs_cli_output_options_check() */
  QrsExportFormat  export_format;
  double           distance_mm;
} QrsCliOutputOptions;

void            qrs_cli_output_options_clear       (QrsCliOutputOptions  *self);
void            qrs_cli_output_options_add_entries (QrsCliOutputOptions  *self,
                                                    GOptionContext       *context);
gboolean        qrs_cli_output_options_check       (QrsCliOutputOptions  *self,
                                                    GError              **error);
int             qrs_cli_output_write               (QrsCliOutputOptions  *self,
                                                    QrsDesign            *design,
                                                    const char           *text);

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (QrsCliOutputOptions, qrs_cli_output_options_clear)

/* For g_dngettext(), which counts in unsigned long. */
static inline gulong
qrs_cli_plural (guint64 n)
{
  return n > G_MAXULONG ? G_MAXULONG : (gulong)n;
}

/* What the administration commands share (qrs-cli-admin.c) */
void            qrs_cli_add_database_option        (GOptionContext       *context,
                                                    char                **conninfo);
QrsDatabase    *qrs_cli_open_database              (const char           *conninfo,
                                                    gboolean              check_schema,
                                                    GError              **error);
int             qrs_cli_fail_store                 (const GError         *error);
char           *qrs_cli_short_url_base             (const char           *option_value,
                                                    GError              **error);
GDateTime      *qrs_cli_parse_time                 (const char           *str,
                                                    gboolean              day_end,
                                                    GError              **error);
QrsCode        *qrs_cli_find_code                  (QrsCodeStore         *store,
                                                    const char           *id,
                                                    GError              **error);
gboolean        qrs_cli_check_target_url           (const char           *url,
                                                    GError              **error);

/* The commands */
int             qrs_cli_export_run          (int                   argc,
                                             char                **argv);
int             qrs_cli_batch_run           (int                   argc,
                                             char                **argv);
int             qrs_cli_db_run              (int                   argc,
                                             char                **argv);
int             qrs_cli_codes_run           (int                   argc,
                                             char                **argv);
int             qrs_cli_scans_run           (int                   argc,
                                             char                **argv);

G_END_DECLS
