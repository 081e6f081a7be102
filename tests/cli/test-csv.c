/* test-csv.c — the RFC 4180 reader under the batch command
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "qrs-csv-reader.h"

static QrsCsvReader *
reader_for (const char *text,
            gssize      length,
            char        delimiter)
{
  g_autoptr(GBytes) bytes = g_bytes_new (text, length < 0 ? strlen (text) : (gsize)length);

  return qrs_csv_reader_new (bytes, delimiter);
}

/* Reads every record and joins them as "a|b / c|d" for compact checks. */
static char *
read_all (const char  *text,
          gssize       length,
          char         delimiter,
          GError     **error)
{
  g_autoptr(QrsCsvReader) reader = reader_for (text, length, delimiter);
  g_autoptr(GString) out = g_string_new (NULL);
  char **record;

  while ((record = qrs_csv_reader_read_record (reader, error)))
    {
      g_autofree char *joined = g_strjoinv ("|", record);

      if (out->len > 0)
        g_string_append (out, " / ");
      g_string_append (out, joined);
      g_strfreev (record);
    }

  if (error && *error)
    return NULL;

  return g_string_free (g_steal_pointer (&out), FALSE);
}

static void
assert_records (const char *text,
                const char *expected)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *got = read_all (text, -1, ',', &error);

  g_assert_no_error (error);
  g_assert_cmpstr (got, ==, expected);
}

static void
test_csv_plain (void)
{
  assert_records ("a,b,c\n1,2,3\n", "a|b|c / 1|2|3");
  /* No line break after the last record. */
  assert_records ("a,b\n1,2", "a|b / 1|2");
  /* Empty fields, at the start, middle and end. */
  assert_records (",x,,\n", "|x||");
  /* Spaces are part of the field. */
  assert_records (" a , b \n", " a | b ");
  assert_records ("", "");
}

static void
test_csv_quotes (void)
{
  assert_records ("\"a,b\",c\n", "a,b|c");
  assert_records ("\"say \"\"hi\"\"\",x\n", "say \"hi\"|x");
  assert_records ("\"\",\"\"\"\"\n", "|\"");
  /* A quote inside an unquoted field is taken literally. */
  assert_records ("5\" disk,x\n", "5\" disk|x");
  /* A quoted field last, at the very end of the text. */
  assert_records ("a,\"b\"", "a|b");
}

static void
test_csv_line_breaks (void)
{
  assert_records ("a,b\r\n1,2\r\n", "a|b / 1|2");
  assert_records ("a,b\r1,2\r", "a|b / 1|2");
  /* Line breaks inside quotes are kept as they are. */
  assert_records ("\"line 1\nline 2\",x\n", "line 1\nline 2|x");
  assert_records ("\"line 1\r\nline 2\",x\r\n", "line 1\r\nline 2|x");
  /* An empty line is a record of one empty field. */
  assert_records ("a\n\nb\n", "a /  / b");
}

static void
test_csv_bom_and_utf8 (void)
{
  assert_records ("\xEF\xBB\xBFurl,title\nhttps://x,Caf\xC3\xA9 \xE2\x98\x95\n",
                  "url|title / https://x|Caf\xC3\xA9 \xE2\x98\x95");
  /* Only a leading mark is one. */
  assert_records ("a,\xEF\xBB\xBF" "b\n", "a|\xEF\xBB\xBF" "b");
}

static void
test_csv_delimiters (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *semicolon = read_all ("a;\"b;c\";d,e\n", -1, ';', &error);
  g_autofree char *tab = NULL;

  g_assert_no_error (error);
  g_assert_cmpstr (semicolon, ==, "a|b;c|d,e");

  tab = read_all ("a\tb c\t\"d\te\"\n", -1, '\t', &error);
  g_assert_no_error (error);
  g_assert_cmpstr (tab, ==, "a|b c|d\te");
}

static void
test_csv_record_numbers (void)
{
  g_autoptr(QrsCsvReader) reader = reader_for ("h1,h2\n\"two\nlines\",x\r\n\nlast,y", -1, ',');
  char **record;

  record = qrs_csv_reader_read_record (reader, NULL);
  g_assert_cmpuint (qrs_csv_reader_get_record_number (reader), ==, 1);
  g_assert_cmpuint (qrs_csv_reader_get_line (reader), ==, 1);
  g_strfreev (record);

  record = qrs_csv_reader_read_record (reader, NULL);
  g_assert_cmpstr (record[0], ==, "two\nlines");
  g_assert_cmpuint (qrs_csv_reader_get_record_number (reader), ==, 2);
  g_assert_cmpuint (qrs_csv_reader_get_line (reader), ==, 2);
  g_strfreev (record);

  record = qrs_csv_reader_read_record (reader, NULL);
  g_assert_cmpstr (record[0], ==, "");
  g_assert_cmpuint (qrs_csv_reader_get_record_number (reader), ==, 3);
  g_assert_cmpuint (qrs_csv_reader_get_line (reader), ==, 4);
  g_strfreev (record);

  record = qrs_csv_reader_read_record (reader, NULL);
  g_assert_cmpstr (record[0], ==, "last");
  g_assert_cmpuint (qrs_csv_reader_get_record_number (reader), ==, 4);
  g_assert_cmpuint (qrs_csv_reader_get_line (reader), ==, 5);
  g_strfreev (record);

  g_assert_null (qrs_csv_reader_read_record (reader, NULL));
  g_assert_finalize_object (g_steal_pointer (&reader));
}

static void
assert_error (const char *text,
              gssize      length,
              int         code,
              const char *line)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *got = read_all (text, length, ',', &error);

  g_assert_null (got);
  g_assert_error (error, QRS_CSV_ERROR, code);
  g_assert_nonnull (strstr (error->message, line));
  g_assert_null (strchr (error->message, '\n'));
}

static void
test_csv_errors (void)
{
  assert_error ("a,b\n1,\"open\nstill open\n", -1, QRS_CSV_ERROR_UNTERMINATED_QUOTE, "line 2");
  assert_error ("a,b\n\"x\"y,z\n", -1, QRS_CSV_ERROR_TEXT_AFTER_QUOTE, "line 2");
  /* Latin-1 é on line 3, as a legacy spreadsheet saves it. */
  assert_error ("a\nb\ncaf\xE9\n", -1, QRS_CSV_ERROR_INVALID_UTF8, "line 3");
  assert_error ("a\n\"x\r\ny\",caf\xE9\n", -1, QRS_CSV_ERROR_INVALID_UTF8, "line 3");
  /* A NUL byte is no text either. */
  assert_error ("a,b\nc,d\0e\n", 10, QRS_CSV_ERROR_INVALID_UTF8, "line 2");
}

/* Whatever the bytes, the reader ends: with records or with an error. */
static void
test_csv_random_bytes (void)
{
  static const char alphabet[] = { 'a', ',', '"', '\r', '\n', ' ', ';' };
  GRand *rand = g_rand_new_with_seed (4180);

  for (guint round = 0; round < 2000; round++)
    {
      char text[24];
      guint length = g_rand_int_range (rand, 0, sizeof text);
      g_autoptr(QrsCsvReader) reader = NULL;
      g_autoptr(GError) error = NULL;
      guint records = 0;
      char **record;

      for (guint i = 0; i < length; i++)
        text[i] = alphabet[g_rand_int_range (rand, 0, G_N_ELEMENTS (alphabet))];

      reader = reader_for (text, length, ',');
      while ((record = qrs_csv_reader_read_record (reader, &error)))
        {
          records++;
          g_assert_cmpuint (records, <=, length);
          g_strfreev (record);
        }
      if (error != NULL)
        g_assert_true (error->domain == QRS_CSV_ERROR);
    }

  g_rand_free (rand);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/csv/plain", test_csv_plain);
  g_test_add_func ("/csv/quotes", test_csv_quotes);
  g_test_add_func ("/csv/line-breaks", test_csv_line_breaks);
  g_test_add_func ("/csv/bom-and-utf8", test_csv_bom_and_utf8);
  g_test_add_func ("/csv/delimiters", test_csv_delimiters);
  g_test_add_func ("/csv/record-numbers", test_csv_record_numbers);
  g_test_add_func ("/csv/errors", test_csv_errors);
  g_test_add_func ("/csv/random-bytes", test_csv_random_bytes);

  return g_test_run ();
}
