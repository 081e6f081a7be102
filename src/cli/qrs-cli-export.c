/* qrs-cli-export.c — `qrstudio-cli export`: one code to one file
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <unistd.h>

#include <glib/gi18n-lib.h>

#include "qrs-cli-options-private.h"
#include "qrs-cli-private.h"
#include "qrs-export.h"
#include "qrs-lint.h"
#include "qrs-renderer.h"

/* Reports go to standard output, unless the image goes there. */
static void G_GNUC_PRINTF (2, 3)
report (gboolean    to_stderr,
        const char *format,
        ...)
{
  g_autofree char *text = NULL;
  va_list args;

  va_start (args, format);
  text = g_strdup_vprintf (format, args);
  va_end (args);

  if (to_stderr)
    g_printerr ("%s\n", text);
  else
    g_print ("%s\n", text);
}

static void
print_info (QrsDesign *design,
            QrsSymbol *symbol,
            gboolean   to_stderr)
{
  g_autoptr(QrsRenderer) renderer = qrs_renderer_new ();
  g_autoptr(GBytes) data = qrs_symbol_get_data (symbol);
  g_autofree char *version = qrs_symbol_get_version_name (symbol);
  double width_px = qrs_design_get_width_px (design);
  QrsLayout layout;

  qrs_renderer_get_layout (renderer, design, symbol, width_px, &layout);

  report (to_stderr, _("version: %s"), version);
  report (to_stderr, _("modules: %u × %u"), qrs_symbol_get_width (symbol), qrs_symbol_get_width (symbol));
  report (to_stderr, _("error correction: %s"), qrs_ec_level_to_string (qrs_symbol_get_ec_level (symbol)));
  report (to_stderr,
          g_dngettext (GETTEXT_PACKAGE, "capacity used: %.0f %% (%zu of %zu byte)", "capacity used: %.0f %% (%zu of %zu bytes)",
                       qrs_symbol_get_capacity_bytes (symbol)),
          100 * qrs_symbol_get_capacity_used (symbol),
          g_bytes_get_size (data), qrs_symbol_get_capacity_bytes (symbol));

  if (qrs_design_is_physical (design))
    {
      double mm_per_px = qrs_design_get_width_mm (design) / layout.width;

      report (to_stderr, _("image: %.1f × %.1f mm (%.0f × %.0f px at %g dpi)"),
              layout.width * mm_per_px, layout.height * mm_per_px,
              round (layout.width), round (layout.height), qrs_design_get_dpi (design));
    }
  else
    report (to_stderr, _("image: %.0f × %.0f px"), round (layout.width), round (layout.height));
}

/* Returns whether the export may go ahead. */
static gboolean
lint (QrsDesign *design,
      QrsSymbol *symbol,
      double     distance_mm,
      gboolean   force,
      gboolean   to_stderr)
{
  g_autoptr(GPtrArray) findings = qrs_lint_check (design, symbol, distance_mm);

  for (guint i = 0; i < findings->len; i++)
    {
      const QrsLintFinding *finding = g_ptr_array_index (findings, i);
      g_autofree char *message = qrs_cli_one_line (finding->message);

      report (to_stderr, "%s: %s", qrs_cli_lint_severity_label (finding->severity), message);
    }

  if (findings->len > 0 && qrs_lint_worst (findings) == QRS_LINT_SEVERITY_ERROR && !force)
    {
      qrs_cli_print_error (_("the code may not scan, so nothing was written: fix the errors above, or add --force"));
      return FALSE;
    }

  return TRUE;
}

static gboolean
write_stdout (GBytes  *bytes,
              GError **error)
{
  gsize length;
  const guint8 *data = g_bytes_get_data (bytes, &length);

  while (length > 0)
    {
      gssize written = write (STDOUT_FILENO, data, length);

      if (written < 0)
        {
          int saved_errno = errno;

          if (saved_errno == EINTR)
            continue;

          g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
                       _("cannot write to standard output: %s"), g_strerror (saved_errno));
          return FALSE;
        }

      data += written;
      length -= written;
    }

  return TRUE;
}

static gboolean
choose_format (const QrsCliOutputOptions  *options,
               QrsExportFormat            *format,
               GError                    **error)
{
  gboolean to_stdout = g_strcmp0 (options->output, "-") == 0;

  if (options->format != NULL)
    {
      if (!qrs_export_format_from_string (options->format, format))
        {
          g_set_error (error, QRS_EXPORT_ERROR, QRS_EXPORT_ERROR_UNKNOWN_FORMAT,
                       _("--format: “%s” is not a format: use png, svg, pdf, eps, jpeg or webp"),
                       options->format);
          return FALSE;
        }
    }
  else if (options->output != NULL && !to_stdout)
    {
      if (!qrs_export_format_from_filename (options->output, format, error))
        return FALSE;
    }
  else
    *format = QRS_EXPORT_FORMAT_PNG;

  /* Text formats are fine on a terminal; images would garble it. */
  if (to_stdout && isatty (STDOUT_FILENO) &&
      *format != QRS_EXPORT_FORMAT_SVG && *format != QRS_EXPORT_FORMAT_EPS)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   _("standard output is a terminal: redirect it to a file or a pipe, or write to a file with -o FILE"));
      return FALSE;
    }

  return TRUE;
}

void
qrs_cli_output_options_clear (QrsCliOutputOptions *self)
{
  g_clear_pointer (&self->output, g_free);
  g_clear_pointer (&self->format, g_free);
  g_clear_pointer (&self->distance, g_free);
  g_clear_pointer (&self->save_design, g_free);
}

/**
 * qrs_cli_output_options_add_entries:
 *
 * Adds -o, --format, --lint, --distance, --force, --info and
 * --save-design to @context's main options, filling in @self.
 */
void
qrs_cli_output_options_add_entries (QrsCliOutputOptions *self,
                                    GOptionContext      *context)
{
  const GOptionEntry entries[] = {
    { "output", 'o', G_OPTION_FLAG_NONE, G_OPTION_ARG_FILENAME, &self->output,
      N_("Write the code to FILE, whole or not at all; “-” writes to standard output"), N_("FILE") },
    { "format", 0, G_OPTION_FLAG_NONE, G_OPTION_ARG_STRING, &self->format,
      N_("png, svg, pdf, eps, jpeg or webp (default: the file’s extension; png on standard output)"), N_("FORMAT") },
    { "lint", 0, G_OPTION_FLAG_NONE, G_OPTION_ARG_NONE, &self->lint,
      N_("Check that the code will scan and print each finding; on an error write nothing and exit with status 1"), NULL },
    { "distance", 0, G_OPTION_FLAG_NONE, G_OPTION_ARG_STRING, &self->distance,
      N_("How far away people will scan the code, for --lint (implied): 1m, 300mm …"), N_("DISTANCE") },
    { "force", 0, G_OPTION_FLAG_NONE, G_OPTION_ARG_NONE, &self->force,
      N_("Write the file even when --lint finds an error"), NULL },
    { "info", 0, G_OPTION_FLAG_NONE, G_OPTION_ARG_NONE, &self->info,
      N_("Print the symbol’s version, size in modules and capacity used"), NULL },
    { "save-design", 0, G_OPTION_FLAG_NONE, G_OPTION_ARG_FILENAME, &self->save_design,
      N_("Also save the design as JSON, for --design or the app"), N_("FILE.json") },
    { NULL }
  };

  g_return_if_fail (self != NULL);

  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
}

/**
 * qrs_cli_output_options_check:
 *
 * Checks the output options before any work is done, and works out the
 * format and the scanning distance.
 *
 * Returns: %TRUE, or %FALSE with @error set for a bad value
 */
gboolean
qrs_cli_output_options_check (QrsCliOutputOptions  *self,
                              GError              **error)
{
  g_return_val_if_fail (self != NULL, FALSE);

  if (self->output == NULL && !self->lint && self->distance == NULL &&
      !self->info && self->save_design == NULL)
    {
      g_set_error_literal (error, G_OPTION_ERROR, G_OPTION_ERROR_FAILED,
                           _("say where to write the code: -o FILE, or -o - for standard output"));
      return FALSE;
    }

  self->distance_mm = 0;
  if (self->distance != NULL)
    {
      if (!qrs_cli_parse_distance (self->distance, &self->distance_mm, error))
        {
          g_prefix_error (error, "--distance: ");
          return FALSE;
        }
      self->lint = TRUE;
    }

  return choose_format (self, &self->export_format, error);
}

/**
 * qrs_cli_output_write:
 * @self: options that passed qrs_cli_output_options_check()
 * @design: how the code looks, its logo loaded
 * @text: what the code holds
 *
 * Encodes @text with @design, prints --info and --lint, and writes the
 * file and the design that the options ask for.
 *
 * Returns: the exit status
 */
int
qrs_cli_output_write (QrsCliOutputOptions *self,
                      QrsDesign           *design,
                      const char          *text)
{
  g_autoptr(QrsSymbol) symbol = NULL;
  g_autoptr(GError) error = NULL;
  gboolean to_stdout;

  g_return_val_if_fail (self != NULL, QRS_CLI_EXIT_FAILED);
  g_return_val_if_fail (QRS_IS_DESIGN (design), QRS_CLI_EXIT_FAILED);
  g_return_val_if_fail (text != NULL, QRS_CLI_EXIT_FAILED);

  if (!(symbol = qrs_design_encode (design, text, &error)))
    return qrs_cli_fail (error);

  to_stdout = g_strcmp0 (self->output, "-") == 0;

  if (self->info)
    print_info (design, symbol, to_stdout);

  if (self->lint && !lint (design, symbol, self->distance_mm, self->force, to_stdout))
    return QRS_CLI_EXIT_FAILED;

  if (to_stdout)
    {
      g_autoptr(GBytes) bytes = qrs_export_to_bytes (design, symbol, self->export_format, &error);

      if (bytes == NULL || !write_stdout (bytes, &error))
        return qrs_cli_fail (error);
    }
  else if (self->output != NULL &&
           !qrs_export_to_file (design, symbol, self->export_format, self->output, &error))
    return qrs_cli_fail (error);

  if (self->save_design != NULL)
    {
      gsize length;
      g_autofree char *data = qrs_design_to_data (design, &length);

      if (!g_file_set_contents (self->save_design, data, length, &error))
        {
          g_prefix_error (&error, "--save-design: ");
          return qrs_cli_fail (error);
        }
    }

  return QRS_CLI_EXIT_OK;
}

/**
 * qrs_cli_export_run:
 *
 * `qrstudio-cli export [payload options] [design options] -o FILE`
 *
 * Returns: the exit status
 */
int
qrs_cli_export_run (int    argc,
                    char **argv)
{
  g_auto(QrsCliOutputOptions) output = { NULL };
  g_autoptr(QrsCliPayloadBuilder) payload_builder = qrs_cli_payload_builder_new ();
  g_autoptr(QrsCliDesignOptions) design_options = qrs_cli_design_options_new ();
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(QrsPayload) payload = NULL;
  g_autoptr(QrsDesign) design = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;

  context = qrs_cli_option_context_new (_("-o FILE"),
                                        _("Export one QR code to a PNG, SVG, PDF, EPS, JPEG or WebP file."),
                                        _("Give the code’s content with one kind of payload option (--help-payload)\n"
                                          "and change its looks with the design options (--help-design).\n"
                                          "\n"
                                          "Examples:\n"
                                          "  qrstudio-cli export --url https://example.edu/open-day -o open-day.png\n"
                                          "  qrstudio-cli export --wifi-ssid Library --wifi-password 'c0ffee;tea' \\\n"
                                          "      --wifi-auth WPA --caption 'Library Wi-Fi' --size 40mm -o wifi.pdf\n"
                                          "  qrstudio-cli export --text Hello --fg '#1A5FB4' --shape dot --lint -o - > hello.png\n"
                                          "\n"
                                          "Exit status: 0 written; 1 --lint found an error; 2 bad input, nothing written."));
  qrs_cli_output_options_add_entries (&output, context);
  g_option_context_add_group (context, qrs_cli_payload_option_group_new (payload_builder));
  g_option_context_add_group (context, qrs_cli_design_option_group_new (design_options));

  if (!qrs_cli_parse_options (context, "export", &argc, &argv, &error))
    return qrs_cli_fail (error);

  if (argc > 1)
    {
      qrs_cli_print_error (_("unexpected argument “%s”: every value follows its option, and spaces need quotes (see “qrstudio-cli help export”)"),
                           argv[1]);
      return QRS_CLI_EXIT_USAGE;
    }

  if (!qrs_cli_output_options_check (&output, &error))
    return qrs_cli_fail (error);

  if (qrs_cli_payload_builder_is_empty (payload_builder))
    {
      qrs_cli_print_error (_("say what the code holds, for example --url https://example.edu or --text Hello (see “qrstudio-cli export --help-payload”)"));
      return QRS_CLI_EXIT_USAGE;
    }

  if (!(payload = qrs_cli_payload_builder_build (payload_builder, &error)))
    return qrs_cli_fail (error);
  if (!(text = qrs_payload_encode (payload, &error)))
    {
      qrs_cli_payload_explain_error (payload, "--", error);
      return qrs_cli_fail (error);
    }

  if (!(design = qrs_cli_design_options_build (design_options, &error)))
    return qrs_cli_fail (error);

  return qrs_cli_output_write (&output, design, text);
}
