/* qrs-csv-reader.c — records of an RFC 4180 CSV text, one at a time
 *
 * Fields may be quoted; a quoted field holds delimiters, doubled quotes
 * and line breaks.  Records end in CRLF, LF or a lone CR, as the
 * spreadsheets of every platform write them.  A UTF-8 byte order mark
 * at the start is skipped.  The whole text must be UTF-8.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include <glib/gi18n-lib.h>

#include "qrs-csv-reader.h"

struct _QrsCsvReader
{
  GObject      parent_instance;

  GBytes      *bytes;
  const char  *data;
  gsize        length;
  gsize        pos;

  guint        line;            /* of the next character to read, from 1 */
  guint        record_line;     /* where the record last read starts */
  guint        record_number;   /* of the record last read, from 1 */
  char         delimiter;
  guint        validated : 1;
};

G_DEFINE_FINAL_TYPE (QrsCsvReader, qrs_csv_reader, G_TYPE_OBJECT)
G_DEFINE_QUARK (qrs-csv-error-quark, qrs_csv_error)

static void
qrs_csv_reader_finalize (GObject *object)
{
  QrsCsvReader *self = (QrsCsvReader *)object;

  g_clear_pointer (&self->bytes, g_bytes_unref);

  G_OBJECT_CLASS (qrs_csv_reader_parent_class)->finalize (object);
}

static void
qrs_csv_reader_class_init (QrsCsvReaderClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = qrs_csv_reader_finalize;
}

static void
qrs_csv_reader_init (QrsCsvReader *self)
{
  self->line = 1;
}

/**
 * qrs_csv_reader_new:
 * @data: the whole CSV text
 * @delimiter: the field separator, usually ',' (or ';' or '\t')
 *
 * Returns: (transfer full): a reader positioned before the first record
 */
QrsCsvReader *
qrs_csv_reader_new (GBytes *data,
                    char    delimiter)
{
  QrsCsvReader *self;

  g_return_val_if_fail (data != NULL, NULL);
  g_return_val_if_fail (delimiter != '"' && delimiter != '\r' && delimiter != '\n', NULL);

  self = g_object_new (QRS_TYPE_CSV_READER, NULL);
  self->bytes = g_bytes_ref (data);
  self->data = g_bytes_get_data (data, &self->length);
  self->delimiter = delimiter;

  if (self->length >= 3 && memcmp (self->data, "\xEF\xBB\xBF", 3) == 0)
    self->pos = 3;

  return self;
}

static guint
count_lines (const char *data,
             gsize       length)
{
  guint line = 1;

  for (gsize i = 0; i < length; i++)
    if (data[i] == '\n' || (data[i] == '\r' && (i + 1 == length || data[i + 1] != '\n')))
      line++;

  return line;
}

/* Checked once, up front, so that a file saved in a legacy encoding is
 * refused before any record is used rather than halfway through. */
static gboolean
validate (QrsCsvReader  *self,
          GError       **error)
{
  const char *rest = self->data + self->pos;
  const char *end = NULL;

  if (g_utf8_validate_len (rest, self->length - self->pos, &end))
    {
      self->validated = TRUE;
      return TRUE;
    }

  g_set_error (error, QRS_CSV_ERROR, QRS_CSV_ERROR_INVALID_UTF8,
               _("line %u is not UTF-8 text: save the file as “CSV UTF-8”"),
               count_lines (self->data, end - self->data));
  return FALSE;
}

/* Consumes a line break at the current position, if there is one. */
static gboolean
eat_line_break (QrsCsvReader *self)
{
  if (self->pos < self->length && self->data[self->pos] == '\r')
    {
      self->pos++;
      if (self->pos < self->length && self->data[self->pos] == '\n')
        self->pos++;
      self->line++;
      return TRUE;
    }

  if (self->pos < self->length && self->data[self->pos] == '\n')
    {
      self->pos++;
      self->line++;
      return TRUE;
    }

  return FALSE;
}

static gboolean
read_quoted (QrsCsvReader  *self,
             GString       *field,
             GError       **error)
{
  guint start_line = self->line;

  g_assert (self->data[self->pos] == '"');
  self->pos++;

  for (;;)
    {
      gsize stop;
      const char *quote;

      if (self->pos >= self->length)
        {
          g_set_error (error, QRS_CSV_ERROR, QRS_CSV_ERROR_UNTERMINATED_QUOTE,
                       _("line %u: a quoted field is never closed: add the closing quote (\")"),
                       start_line);
          return FALSE;
        }

      quote = memchr (self->data + self->pos, '"', self->length - self->pos);
      stop = quote ? (gsize)(quote - self->data) : self->length;

      self->line += count_lines (self->data + self->pos, stop - self->pos) - 1;
      g_string_append_len (field, self->data + self->pos, stop - self->pos);
      self->pos = stop;

      if (quote == NULL)
        continue;

      if (self->pos + 1 < self->length && self->data[self->pos + 1] == '"')
        {
          g_string_append_c (field, '"');
          self->pos += 2;
          continue;
        }

      self->pos++;
      break;
    }

  if (self->pos < self->length &&
      self->data[self->pos] != self->delimiter &&
      self->data[self->pos] != '\r' &&
      self->data[self->pos] != '\n')
    {
      g_set_error (error, QRS_CSV_ERROR, QRS_CSV_ERROR_TEXT_AFTER_QUOTE,
                   _("line %u: text follows a closing quote: put the whole field in quotes and double the quotes inside it (\"\")"),
                   self->line);
      return FALSE;
    }

  return TRUE;
}

static void
read_plain (QrsCsvReader *self,
            GString      *field)
{
  gsize start = self->pos;

  /* A quote inside an unquoted field is taken literally, as the common
   * spreadsheets do. */
  while (self->pos < self->length &&
         self->data[self->pos] != self->delimiter &&
         self->data[self->pos] != '\r' &&
         self->data[self->pos] != '\n')
    self->pos++;

  g_string_append_len (field, self->data + start, self->pos - start);
}

/**
 * qrs_csv_reader_read_record:
 *
 * Reads the next record.  An empty line is a record of one empty field.
 *
 * Returns: (transfer full) (nullable): the record's fields, or %NULL at
 *   the end of the text or with @error set when the text is not valid
 */
char **
qrs_csv_reader_read_record (QrsCsvReader  *self,
                            GError       **error)
{
  g_autoptr(GPtrArray) fields = NULL;
  g_autoptr(GString) field = NULL;

  g_return_val_if_fail (QRS_IS_CSV_READER (self), NULL);

  if (!self->validated && !validate (self, error))
    return NULL;

  if (self->pos >= self->length)
    return NULL;

  fields = g_ptr_array_new_with_free_func (g_free);
  field = g_string_new (NULL);
  self->record_line = self->line;

  for (;;)
    {
      if (self->pos < self->length && self->data[self->pos] == '"')
        {
          if (!read_quoted (self, field, error))
            return NULL;
        }
      else
        read_plain (self, field);

      g_ptr_array_add (fields, g_strndup (field->str, field->len));
      g_string_truncate (field, 0);

      if (self->pos < self->length && self->data[self->pos] == self->delimiter)
        {
          self->pos++;
          continue;
        }

      eat_line_break (self);
      break;
    }

  self->record_number++;
  g_ptr_array_add (fields, NULL);

  return (char **)g_ptr_array_free (g_steal_pointer (&fields), FALSE);
}

/**
 * qrs_csv_reader_get_record_number:
 *
 * Returns: the number of the record last read, from 1 — the row number a
 *   spreadsheet shows, the header included
 */
guint
qrs_csv_reader_get_record_number (QrsCsvReader *self)
{
  g_return_val_if_fail (QRS_IS_CSV_READER (self), 0);

  return self->record_number;
}

/**
 * qrs_csv_reader_get_line:
 *
 * Returns: the line of the text where the record last read starts
 */
guint
qrs_csv_reader_get_line (QrsCsvReader *self)
{
  g_return_val_if_fail (QRS_IS_CSV_READER (self), 0);

  return self->record_line;
}
