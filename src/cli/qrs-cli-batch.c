/* qrs-cli-batch.c — `qrstudio-cli batch`: one code for each row of a CSV
 *
 * The whole CSV is read and checked before anything is written, so that
 * a broken file or an unknown column costs nothing.  Rows are then
 * turned into payloads and designs here, in order, and rendered on a
 * thread pool: rendering is where the time goes.  A bad row is reported
 * and skipped; the others are written.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <errno.h>
#include <string.h>

#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>

#include "qrs-cli-options-private.h"
#include "qrs-cli-private.h"
#include "qrs-csv-reader.h"
#include "qrs-export.h"
#include "qrs-lint.h"

#define MULTIPLE_VALUE_SEPARATOR "|"
#define MAX_FILE_NAME_BYTES      120
#define MAX_JOBS                 64

typedef struct
{
  char     *output_dir;
  char     *format;
  char     *delimiter;
  char     *distance;
  int       jobs;
  gboolean  lint;
  gboolean  force;
  gboolean  quiet;
} BatchOptions;

static void
batch_options_clear (BatchOptions *options)
{
  g_clear_pointer (&options->output_dir, g_free);
  g_clear_pointer (&options->format, g_free);
  g_clear_pointer (&options->delimiter, g_free);
  g_clear_pointer (&options->distance, g_free);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (BatchOptions, batch_options_clear)

typedef enum
{
  COLUMN_IGNORED,
  COLUMN_TYPE,
  COLUMN_FORMAT,
  COLUMN_FILENAME,
  COLUMN_PAYLOAD,
  COLUMN_DESIGN,
} ColumnKind;

typedef struct
{
  ColumnKind              kind;
  char                   *name;
  const QrsCliPayloadKey *payload_key;
  const QrsCliDesignKey  *design_key;
} Column;

/* One row, ready to render on any thread: it owns all it uses. */
typedef struct
{
  guint            row;
  QrsDesign       *design;
  char            *text;
  char            *path;
  QrsExportFormat  format;
  double           distance_mm;
  gboolean         lint;
  gboolean         force;
} Job;

typedef struct
{
  guint      row;
  char      *file_name;
  GError    *error;
  GPtrArray *findings;   /* lines "warning: …" */
} Result;

typedef struct
{
  guint     total;
  guint     done;
  guint     failed;
  guint     last_tenth;
  gint64    last_draw;
  gboolean  terminal;
  gboolean  quiet;
  gboolean  drawn;
} Progress;

static void
column_clear (gpointer data)
{
  Column *column = data;

  g_free (column->name);
}

static void
job_free (Job *job)
{
  g_clear_object (&job->design);
  g_free (job->text);
  g_free (job->path);
  g_free (job);
}

static void
result_free (Result *result)
{
  g_free (result->file_name);
  g_clear_error (&result->error);
  g_clear_pointer (&result->findings, g_ptr_array_unref);
  g_free (result);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Job, job_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (Result, result_free)

/* Runs on a worker thread, or on the main one with --jobs 1. */
static Result *
run_job (Job *job)
{
  g_autoptr(Result) result = g_new0 (Result, 1);
  g_autoptr(QrsSymbol) symbol = NULL;
  g_autoptr(GBytes) bytes = NULL;

  result->row = job->row;
  result->file_name = g_path_get_basename (job->path);

  if (!(symbol = qrs_design_encode (job->design, job->text, &result->error)))
    return g_steal_pointer (&result);

  if (job->lint)
    {
      g_autoptr(GPtrArray) findings = qrs_lint_check (job->design, symbol, job->distance_mm);

      result->findings = g_ptr_array_new_with_free_func (g_free);

      for (guint i = 0; i < findings->len; i++)
        {
          const QrsLintFinding *finding = g_ptr_array_index (findings, i);
          g_autofree char *message = qrs_cli_one_line (finding->message);

          if (finding->severity == QRS_LINT_SEVERITY_ERROR && !job->force && result->error == NULL)
            g_set_error (&result->error, QRS_EXPORT_ERROR, QRS_EXPORT_ERROR_FAILED,
                         _("%s: %s (not written; --force writes it anyway)"),
                         qrs_cli_lint_severity_label (finding->severity), message);
          else
            g_ptr_array_add (result->findings,
                             g_strdup_printf ("%s: %s", qrs_cli_lint_severity_label (finding->severity), message));
        }

      if (result->error != NULL)
        return g_steal_pointer (&result);
    }

  /* Whole or not at all, as qrs_export_to_file() writes, but with GLib's
   * default of syncing only a file it replaces: syncing each of a
   * thousand new files made a batch wait on the disk longer than it
   * took to render. */
  if ((bytes = qrs_export_to_bytes (job->design, symbol, job->format, &result->error)))
    {
      gsize length;
      const char *data = g_bytes_get_data (bytes, &length);

      g_file_set_contents (job->path, data, length, &result->error);
    }

  return g_steal_pointer (&result);
}

static void
pool_run_cb (gpointer data,
             gpointer user_data)
{
  g_autoptr(Job) job = data;
  GAsyncQueue *results = user_data;

  g_async_queue_push (results, run_job (job));
}

/* Progress */

static void
progress_clear_line (Progress *progress)
{
  if (progress->terminal && progress->drawn)
    {
      g_printerr ("\r\033[K");
      progress->drawn = FALSE;
    }
}

static void
progress_draw (Progress *progress,
               gboolean  force)
{
  gint64 now;

  if (progress->quiet || progress->total == 0)
    return;

  if (!progress->terminal)
    {
      guint tenth = progress->done * 10 / progress->total;

      if (tenth > progress->last_tenth)
        {
          progress->last_tenth = tenth;
          g_printerr (g_dngettext (GETTEXT_PACKAGE, "%u of %u row done", "%u of %u rows done", progress->total),
                      progress->done, progress->total);
          g_printerr ("\n");
        }
      return;
    }

  /* Redraw at most 20 times a second: a terminal is slow. */
  now = g_get_monotonic_time ();
  if (!force && progress->drawn && now - progress->last_draw < G_USEC_PER_SEC / 20)
    return;
  progress->last_draw = now;

  {
    const guint width = 30;
    guint filled = progress->done * width / progress->total;
    g_autoptr(GString) bar = g_string_new ("\r\033[K[");

    for (guint i = 0; i < width; i++)
      g_string_append (bar, i < filled ? "#" : "-");
    g_string_append_printf (bar, "] %u/%u", progress->done, progress->total);
    if (progress->failed > 0)
      g_string_append_printf (bar, _(" (%u failed)"), progress->failed);

    g_printerr ("%s", bar->str);
    progress->drawn = TRUE;
  }
}

static void
report_row (Progress   *progress,
            guint       row,
            const char *message)
{
  g_autofree char *line = qrs_cli_one_line (message);

  progress_clear_line (progress);
  g_printerr (_("row %u: %s"), row, line);
  g_printerr ("\n");
}

static void
handle_result (Progress *progress,
               Result   *result)
{
  for (guint i = 0; result->findings && i < result->findings->len; i++)
    report_row (progress, result->row, g_ptr_array_index (result->findings, i));

  if (result->error != NULL)
    {
      progress->failed++;
      report_row (progress, result->row, result->error->message);
    }

  progress->done++;
  progress_draw (progress, progress->done == progress->total);
}

/* File names */

static gboolean
is_forbidden_char (gunichar c)
{
  /* Path separators, and what Windows shares refuse, since the files
   * are often copied there. */
  return c == '/' || c == '\\' || c == ':' || c == '*' || c == '?' ||
         c == '"' || c == '<' || c == '>' || c == '|' ||
         g_unichar_iscntrl (c) || g_unichar_type (c) == G_UNICODE_FORMAT;
}

/**
 * sanitize_file_name:
 *
 * Makes a title or a file name cell one safe name inside the output
 * folder: no separators, no leading dots (no “..”, no hidden files), no
 * control characters, not too long.
 *
 * Returns: (nullable): the name, or %NULL when nothing is left of it
 */
static char *
sanitize_file_name (const char *name)
{
  g_autoptr(GString) out = g_string_new (NULL);
  gboolean space = FALSE;
  gsize start = 0;
  gsize end;

  for (const char *p = name; *p; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (g_unichar_isspace (c))
        {
          space = out->len > 0;
          continue;
        }
      if (space)
        g_string_append_c (out, ' ');
      space = FALSE;

      if (is_forbidden_char (c))
        g_string_append_c (out, '_');
      else
        g_string_append_unichar (out, c);
    }

  /* Nothing that reads as a path step, a hidden file or an option. */
  while (start < out->len && strchr ("._- ", out->str[start]))
    start++;
  g_string_erase (out, 0, start);

  if (out->len > MAX_FILE_NAME_BYTES)
    {
      const char *cut = g_utf8_find_prev_char (out->str, out->str + MAX_FILE_NAME_BYTES + 1);

      g_string_truncate (out, cut - out->str);
    }

  end = out->len;
  while (end > 0 && strchr (". ", out->str[end - 1]))
    end--;
  g_string_truncate (out, end);

  if (out->len == 0)
    return NULL;

  return g_string_free (g_steal_pointer (&out), FALSE);
}

/* Drops an extension that names an export format: the format adds its own. */
static void
strip_format_extension (char *name)
{
  char *dot = strrchr (name, '.');
  g_autofree char *extension = NULL;
  QrsExportFormat format;

  if (dot == NULL || dot == name)
    return;

  extension = g_ascii_strdown (dot + 1, -1);
  if (qrs_export_format_from_string (extension, &format))
    *dot = '\0';
}

static char *
unique_file_name (GHashTable      *taken,
                  const char      *base,
                  QrsExportFormat  format)
{
  const char *extension = qrs_export_format_get_extension (format);

  for (guint n = 1; ; n++)
    {
      g_autofree char *name = NULL;
      g_autofree char *folded = NULL;

      if (n == 1)
        name = g_strdup_printf ("%s.%s", base, extension);
      else
        name = g_strdup_printf ("%s-%u.%s", base, n, extension);

      /* Case-insensitive, for the file systems that are. */
      folded = g_utf8_casefold (name, -1);
      if (!g_hash_table_contains (taken, folded))
        {
          g_hash_table_add (taken, g_steal_pointer (&folded));
          return g_steal_pointer (&name);
        }
    }
}

/* Header */

static char *
normalize_column_name (const char *name)
{
  g_autofree char *stripped = g_strstrip (g_strdup (name));

  g_strdelimit (stripped, "_", '-');

  return g_ascii_strdown (stripped, -1);
}

static GArray *
read_header (char       **header,
             GError     **error)
{
  g_autoptr(GArray) columns = g_array_new (FALSE, TRUE, sizeof (Column));
  gboolean has_content = FALSE;

  g_array_set_clear_func (columns, column_clear);

  for (guint i = 0; header[i] != NULL; i++)
    {
      Column column = { COLUMN_IGNORED, normalize_column_name (header[i]), NULL, NULL };

      if (column.name[0] == '\0')
        column.kind = COLUMN_IGNORED;
      else if (g_str_equal (column.name, "type"))
        column.kind = COLUMN_TYPE;
      else if (g_str_equal (column.name, "format"))
        column.kind = COLUMN_FORMAT;
      else if (g_str_equal (column.name, "filename") || g_str_equal (column.name, "file-name"))
        column.kind = COLUMN_FILENAME;
      else if ((column.payload_key = qrs_cli_payload_key_lookup (column.name)))
        column.kind = COLUMN_PAYLOAD;
      else if ((column.design_key = qrs_cli_design_key_lookup (column.name)))
        column.kind = COLUMN_DESIGN;
      else
        {
          g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                       _("column “%s” is unknown: name the columns after the options of “qrstudio-cli export” (url, wifi-ssid, fg, size …) or type, format, filename"),
                       header[i]);
          g_free (column.name);
          return NULL;
        }

      has_content |= column.kind == COLUMN_PAYLOAD || column.kind == COLUMN_TYPE;

      /* A field with several values may have a column for each. */
      for (guint j = 0; j < columns->len; j++)
        {
          const Column *other = &g_array_index (columns, Column, j);

          if (column.kind != COLUMN_IGNORED && g_str_equal (other->name, column.name) &&
              !(column.kind == COLUMN_PAYLOAD && column.payload_key->field->multiple))
            {
              g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                           _("column “%s” appears twice: keep one"), column.name);
              g_free (column.name);
              return NULL;
            }
        }

      g_array_append_val (columns, column);
    }

  if (!has_content)
    {
      g_set_error_literal (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                           _("no column says what the codes hold: add one such as url, text or wifi-ssid"));
      return NULL;
    }

  return g_steal_pointer (&columns);
}

static gboolean
is_blank_record (char **record)
{
  for (guint i = 0; record[i] != NULL; i++)
    {
      for (const char *p = record[i]; *p; p++)
        if (!g_ascii_isspace (*p))
          return FALSE;
    }

  return TRUE;
}

static gboolean
cell_is_empty (const char *cell)
{
  if (cell == NULL)
    return TRUE;

  for (const char *p = cell; *p; p++)
    if (!g_ascii_isspace (*p))
      return FALSE;

  return TRUE;
}

typedef struct
{
  const BatchOptions   *options;
  GArray               *columns;
  QrsDesign            *base_design;
  QrsCliDesignContext   design_context;
  GHashTable           *taken_names;
  QrsExportFormat       default_format;
  double                distance_mm;
} Batch;

/* Turns a record into a job, on the main thread and in row order. */
static Job *
prepare_job (Batch   *batch,
             guint    row,
             char   **record,
             GError **error)
{
  g_autoptr(QrsCliPayloadBuilder) builder = qrs_cli_payload_builder_new ();
  g_autoptr(QrsPayload) payload = NULL;
  g_autoptr(QrsDesign) design = NULL;
  g_autoptr(Job) job = g_new0 (Job, 1);
  g_autofree char *base = NULL;
  g_autofree char *file_name = NULL;
  const char *format_cell = NULL;
  const char *filename_cell = NULL;
  guint n_cells = g_strv_length (record);
  QrsExportFormat format;

  for (guint i = batch->columns->len; i < n_cells; i++)
    if (!cell_is_empty (record[i]))
      {
        g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                     _("%u cells for %u columns: put quotes around a value that holds a comma"),
                     n_cells, batch->columns->len);
        return NULL;
      }

  /* The type first: it decides which payload columns belong. */
  for (guint i = 0; i < batch->columns->len && i < n_cells; i++)
    {
      const Column *column = &g_array_index (batch->columns, Column, i);
      g_autofree char *type_name = NULL;
      QrsPayloadType payload_type;

      if (column->kind != COLUMN_TYPE || cell_is_empty (record[i]))
        continue;

      type_name = g_strstrip (g_ascii_strdown (record[i], -1));
      if (!qrs_payload_type_from_string (type_name, &payload_type))
        {
          g_set_error (error, QRS_PAYLOAD_ERROR, QRS_PAYLOAD_ERROR_UNKNOWN_TYPE,
                       _("type “%s” is unknown: use text, url, wifi, vcard, mecard, email, phone, sms, geo or event"),
                       type_name);
          return NULL;
        }
      if (!qrs_cli_payload_builder_set_type (builder, payload_type, error))
        return NULL;
    }

  design = qrs_design_copy (batch->base_design);

  for (guint i = 0; i < batch->columns->len && i < n_cells; i++)
    {
      const Column *column = &g_array_index (batch->columns, Column, i);
      const char *cell = record[i];

      if (cell_is_empty (cell))
        continue;

      switch (column->kind)
        {
        case COLUMN_PAYLOAD:
          if (column->payload_key->field->multiple)
            {
              g_auto(GStrv) values = g_strsplit (cell, MULTIPLE_VALUE_SEPARATOR, -1);

              for (guint j = 0; values[j] != NULL; j++)
                {
                  g_strstrip (values[j]);
                  if (values[j][0] != '\0' &&
                      !qrs_cli_payload_builder_add (builder, column->payload_key, values[j], column->name, error))
                    return NULL;
                }
            }
          else if (!qrs_cli_payload_builder_add (builder, column->payload_key, cell, column->name, error))
            return NULL;
          break;

        case COLUMN_DESIGN:
          if (!qrs_cli_design_apply (design, column->design_key, cell, &batch->design_context, error))
            {
              g_prefix_error (error, "%s: ", column->name);
              return NULL;
            }
          break;

        case COLUMN_FORMAT:
          format_cell = cell;
          break;

        case COLUMN_FILENAME:
          filename_cell = cell;
          break;

        case COLUMN_TYPE:
        case COLUMN_IGNORED:
          break;

        default:
          g_assert_not_reached ();
        }
    }

  if (qrs_cli_payload_builder_is_empty (builder))
    {
      g_set_error_literal (error, QRS_PAYLOAD_ERROR, QRS_PAYLOAD_ERROR_MISSING_FIELD,
                           _("the row holds nothing to encode: fill in a payload column such as url or text"));
      return NULL;
    }

  if (!(payload = qrs_cli_payload_builder_build (builder, error)))
    return NULL;
  if (!(job->text = qrs_payload_encode (payload, error)))
    {
      if (error != NULL)
        qrs_cli_payload_explain_error (payload, "", *error);
      return NULL;
    }

  /* The format: its own column, else the file name's extension, else
   * --format, else PNG. */
  if (format_cell != NULL)
    {
      g_autofree char *name = g_strstrip (g_strdup (format_cell));

      if (!qrs_export_format_from_string (name, &format))
        {
          g_set_error (error, QRS_EXPORT_ERROR, QRS_EXPORT_ERROR_UNKNOWN_FORMAT,
                       _("format: “%s” is not a format: use png, svg, pdf, eps, jpeg or webp"), name);
          return NULL;
        }
    }
  else if (filename_cell == NULL || !qrs_export_format_from_filename (filename_cell, &format, NULL))
    format = batch->default_format;

  if (filename_cell != NULL)
    base = sanitize_file_name (filename_cell);
  if (base == NULL && qrs_design_get_title (design) != NULL)
    base = sanitize_file_name (qrs_design_get_title (design));
  if (base != NULL)
    strip_format_extension (base);
  if (base == NULL || base[0] == '\0')
    {
      g_free (base);
      base = g_strdup_printf ("row-%u", row);
    }

  file_name = unique_file_name (batch->taken_names, base, format);

  job->row = row;
  job->design = g_steal_pointer (&design);
  job->path = g_build_filename (batch->options->output_dir, file_name, NULL);
  job->format = format;
  job->lint = batch->options->lint;
  job->force = batch->options->force;
  job->distance_mm = batch->distance_mm;

  return g_steal_pointer (&job);
}

static GBytes *
read_input (const char  *path,
            GError     **error)
{
  g_autofree char *contents = NULL;
  gsize length;

  if (g_str_equal (path, "-"))
    {
      g_autoptr(GIOChannel) channel = g_io_channel_unix_new (0);

      if (g_io_channel_set_encoding (channel, NULL, error) != G_IO_STATUS_NORMAL ||
          g_io_channel_read_to_end (channel, &contents, &length, error) != G_IO_STATUS_NORMAL)
        return NULL;

      return g_bytes_new_take (g_steal_pointer (&contents), length);
    }

  if (!g_file_get_contents (path, &contents, &length, error))
    return NULL;

  return g_bytes_new_take (g_steal_pointer (&contents), length);
}

static gboolean
parse_delimiter (const char  *str,
                 char        *delimiter,
                 GError     **error)
{
  if (str == NULL)
    *delimiter = ',';
  else if (g_ascii_strcasecmp (str, "tab") == 0 || g_str_equal (str, "\\t") || g_str_equal (str, "\t"))
    *delimiter = '\t';
  else if (strlen (str) == 1 && strchr (",;|:", str[0]))
    *delimiter = str[0];
  else
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   _("--delimiter: “%s” is not a delimiter: use , ; | : or tab"), str);
      return FALSE;
    }

  return TRUE;
}

static gboolean
prepare_output_dir (const char  *dir,
                    GError     **error)
{
  if (g_mkdir_with_parents (dir, 0777) != 0)
    {
      int saved_errno = errno;

      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved_errno),
                   _("-o: cannot make the folder “%s”: %s"), dir, g_strerror (saved_errno));
      return FALSE;
    }

  if (!g_file_test (dir, G_FILE_TEST_IS_DIR))
    {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_NOTDIR,
                   _("-o: “%s” is not a folder: batch writes one file per row into a folder"), dir);
      return FALSE;
    }

  return TRUE;
}

/**
 * qrs_cli_batch_run:
 *
 * `qrstudio-cli batch FILE.csv -o DIR`
 *
 * Returns: the exit status
 */
int
qrs_cli_batch_run (int    argc,
                   char **argv)
{
  g_auto(BatchOptions) options = { NULL };
  g_autoptr(QrsCliDesignOptions) design_options = qrs_cli_design_options_new ();
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) input = NULL;
  g_autoptr(QrsCsvReader) reader = NULL;
  g_autoptr(GPtrArray) records = NULL;
  g_autoptr(GArray) columns = NULL;
  g_autoptr(QrsDesign) base_design = NULL;
  g_autoptr(GHashTable) logo_cache = NULL;
  g_autoptr(GHashTable) taken_names = NULL;
  g_autoptr(GAsyncQueue) results = NULL;
  g_autofree char *csv_dir = NULL;
  GThreadPool *pool = NULL;
  Progress progress = { 0 };
  Batch batch = { NULL };
  const char *csv_path;
  char delimiter;
  guint in_flight = 0;
  guint max_in_flight;
  char **record;
  const GOptionEntry entries[] = {
    { "output", 'o', G_OPTION_FLAG_NONE, G_OPTION_ARG_FILENAME, &options.output_dir,
      N_("Write the files into DIR, made if missing; files of the same name are replaced"), N_("DIR") },
    { "format", 0, G_OPTION_FLAG_NONE, G_OPTION_ARG_STRING, &options.format,
      N_("Format of rows without a format column or file name extension (default png)"), N_("FORMAT") },
    { "jobs", 'j', G_OPTION_FLAG_NONE, G_OPTION_ARG_INT, &options.jobs,
      N_("Render N codes at a time (default: one per processor)"), N_("N") },
    { "delimiter", 0, G_OPTION_FLAG_NONE, G_OPTION_ARG_STRING, &options.delimiter,
      N_("Field separator of the CSV: , ; | : or tab (default ,)"), N_("CHAR") },
    { "lint", 0, G_OPTION_FLAG_NONE, G_OPTION_ARG_NONE, &options.lint,
      N_("Check that each code will scan; a row with an error is not written and counts as failed"), NULL },
    { "distance", 0, G_OPTION_FLAG_NONE, G_OPTION_ARG_STRING, &options.distance,
      N_("How far away people will scan the codes, for --lint (implied): 1m, 300mm …"), N_("DISTANCE") },
    { "force", 0, G_OPTION_FLAG_NONE, G_OPTION_ARG_NONE, &options.force,
      N_("Write the rows even when --lint finds an error"), NULL },
    { "quiet", 'q', G_OPTION_FLAG_NONE, G_OPTION_ARG_NONE, &options.quiet,
      N_("Show no progress, only errors and the summary"), NULL },
    { NULL }
  };

  context = qrs_cli_option_context_new (_("FILE.csv -o DIR"),
                                        _("Export one code for each row of a CSV file."),
                                        _("The first line names the columns: payload fields named like the options of\n"
                                          "“qrstudio-cli export” without dashes (url, text, wifi-ssid, vcard-phone …),\n"
                                          "an optional type column (url, wifi …; else the filled-in columns tell), design\n"
                                          "options (title, caption, fg, size, logo …), format and filename.  Values of\n"
                                          "fields that hold several (vcard-phone …) are separated by |.  The design options\n"
                                          "given here apply to every row; a row’s cells override them.  Logo paths in the\n"
                                          "CSV are relative to its folder.  FILE “-” reads standard input.\n"
                                          "\n"
                                          "Example:\n"
                                          "  qrstudio-cli batch codes.csv -o codes --size 40mm --format pdf\n"
                                          "\n"
                                          "Exit status: 0 every row written; 1 some rows failed (see “row N:” lines);\n"
                                          "2 bad input, nothing written."));
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  g_option_context_add_group (context, qrs_cli_design_option_group_new (design_options));

  if (!qrs_cli_parse_options (context, "batch", &argc, &argv, &error))
    return qrs_cli_fail (error);

  if (argc < 2)
    {
      qrs_cli_print_error (_("name the CSV file to read: qrstudio-cli batch FILE.csv -o DIR"));
      return QRS_CLI_EXIT_USAGE;
    }
  if (argc > 2)
    {
      qrs_cli_print_error (_("unexpected argument “%s”: batch reads one CSV file (see “qrstudio-cli help batch”)"),
                           argv[2]);
      return QRS_CLI_EXIT_USAGE;
    }
  csv_path = argv[1];

  if (options.output_dir == NULL)
    {
      qrs_cli_print_error (_("say which folder to write the codes into: -o DIR"));
      return QRS_CLI_EXIT_USAGE;
    }

  if (options.jobs < 0 || options.jobs > MAX_JOBS)
    {
      qrs_cli_print_error (_("--jobs: %d is not a number of jobs from 1 to %d"), options.jobs, MAX_JOBS);
      return QRS_CLI_EXIT_USAGE;
    }
  if (options.jobs == 0)
    options.jobs = CLAMP (g_get_num_processors (), 1, MAX_JOBS);

  if (!parse_delimiter (options.delimiter, &delimiter, &error))
    return qrs_cli_fail (error);

  if (options.distance != NULL)
    {
      if (!qrs_cli_parse_distance (options.distance, &batch.distance_mm, &error))
        {
          g_prefix_error (&error, "--distance: ");
          return qrs_cli_fail (error);
        }
      options.lint = TRUE;
    }

  batch.default_format = QRS_EXPORT_FORMAT_PNG;
  if (options.format != NULL && !qrs_export_format_from_string (options.format, &batch.default_format))
    {
      qrs_cli_print_error (_("--format: “%s” is not a format: use png, svg, pdf, eps, jpeg or webp"),
                           options.format);
      return QRS_CLI_EXIT_USAGE;
    }

  if (!(base_design = qrs_cli_design_options_build (design_options, &error)))
    return qrs_cli_fail (error);

  /* Read and check the whole file before writing anything. */
  if (!(input = read_input (csv_path, &error)))
    return qrs_cli_fail (error);

  reader = qrs_csv_reader_new (input, delimiter);
  records = g_ptr_array_new_with_free_func ((GDestroyNotify)g_strfreev);
  while ((record = qrs_csv_reader_read_record (reader, &error)))
    g_ptr_array_add (records, record);
  if (error != NULL)
    {
      g_prefix_error (&error, "%s: ", csv_path);
      return qrs_cli_fail (error);
    }

  if (records->len == 0)
    {
      qrs_cli_print_error (_("%s is empty: its first line names the columns, for example title,url"), csv_path);
      return QRS_CLI_EXIT_USAGE;
    }

  if (!(columns = read_header (g_ptr_array_index (records, 0), &error)))
    {
      g_prefix_error (&error, "%s: ", csv_path);
      return qrs_cli_fail (error);
    }

  if (!prepare_output_dir (options.output_dir, &error))
    return qrs_cli_fail (error);

  for (guint i = 1; i < records->len; i++)
    if (!is_blank_record (g_ptr_array_index (records, i)))
      progress.total++;

  logo_cache = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify)g_bytes_unref);
  taken_names = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  if (!g_str_equal (csv_path, "-"))
    csv_dir = g_path_get_dirname (csv_path);

  batch.options = &options;
  batch.columns = columns;
  batch.base_design = base_design;
  batch.design_context.base_dir = csv_dir;
  batch.design_context.logo_cache = logo_cache;
  batch.taken_names = taken_names;

  progress.terminal = qrs_cli_stderr_is_terminal ();
  progress.quiet = options.quiet;

  results = g_async_queue_new_full ((GDestroyNotify)result_free);
  if (options.jobs > 1)
    pool = g_thread_pool_new (pool_run_cb, results, options.jobs, FALSE, NULL);
  /* Rows wait for a worker prepared, but not all at once. */
  max_in_flight = options.jobs * 4;

  for (guint i = 1; i < records->len; i++)
    {
      char **cells = g_ptr_array_index (records, i);
      g_autoptr(GError) row_error = NULL;
      Job *job;

      if (is_blank_record (cells))
        continue;

      /* The row number a spreadsheet shows: the header is row 1. */
      if (!(job = prepare_job (&batch, i + 1, cells, &row_error)))
        {
          Result failed = { i + 1, NULL, row_error, NULL };

          handle_result (&progress, &failed);
          continue;
        }

      if (pool == NULL)
        {
          g_autoptr(Result) result = run_job (job);

          job_free (job);
          handle_result (&progress, result);
          continue;
        }

      g_thread_pool_push (pool, job, NULL);
      in_flight++;

      while (in_flight >= max_in_flight)
        {
          g_autoptr(Result) result = g_async_queue_pop (results);

          in_flight--;
          handle_result (&progress, result);
        }
    }

  while (in_flight > 0)
    {
      g_autoptr(Result) result = g_async_queue_pop (results);

      in_flight--;
      handle_result (&progress, result);
    }

  if (pool != NULL)
    g_thread_pool_free (pool, FALSE, TRUE);

  progress_clear_line (&progress);
  g_print (_("%u exported, %u failed"), progress.done - progress.failed, progress.failed);
  g_print ("\n");

  return progress.failed > 0 ? QRS_CLI_EXIT_FAILED : QRS_CLI_EXIT_OK;
}
