/* test-utf8.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "qrs-utf8.h"

static void
assert_agrees (const char *text,
               gsize       length)
{
  gboolean expected = g_utf8_validate_len (text, length, NULL);

  if (qrs_utf8_validate_len (text, length) != expected)
    {
      g_autofree char *copy = g_strndup (text, length);
      g_autofree char *escaped = g_strescape (copy, NULL);

      g_error ("qrs_utf8_validate_len() says %s for \"%s\" (%" G_GSIZE_FORMAT " bytes), GLib %s",
               expected ? "invalid" : "valid", escaped, length, expected ? "valid" : "invalid");
    }
}

/* Each troublesome byte at each place of an ASCII text, so that it falls
 * in the whole words and in the bytes after them. */
static void
test_one_byte_everywhere (void)
{
  static const guchar odd[] = { 0x00, 0x01, 0x7f, 0x80, 0xbf, 0xc3, 0xe2, 0xf0, 0xfe, 0xff };
  char text[41];

  for (gsize length = 0; length <= sizeof text - 1; length++)
    {
      memset (text, 'a', sizeof text);
      assert_agrees (text, length);
      for (gsize at = 0; at < length; at++)
        for (gsize i = 0; i < G_N_ELEMENTS (odd); i++)
          {
            memset (text, 'a', sizeof text);
            text[at] = (char)odd[i];
            assert_agrees (text, length);
          }
    }
}

static void
test_characters (void)
{
  static const char *const texts[] = {
    "Agent/1 (ñ)",
    "Mozilla/5.0 (Linux; Android 14; 小米 13)",
    "12345678é",
    "1234567é",
    "€uro at the start, then ASCII for a while",
    "🙂 four bytes",
  };

  for (gsize i = 0; i < G_N_ELEMENTS (texts); i++)
    {
      gsize length = strlen (texts[i]);

      g_assert_true (qrs_utf8_validate_len (texts[i], length));
      /* Cut anywhere, a character may be left half. */
      for (gsize cut = 0; cut <= length; cut++)
        assert_agrees (texts[i], cut);
    }
}

static void
test_random_bytes (void)
{
  char text[64];

  for (guint round = 0; round < 200000; round++)
    {
      gsize length = g_test_rand_int_range (0, sizeof text + 1);
      /* Mostly ASCII, as agents are, with now and then a byte above it. */
      gint32 odds = g_test_rand_int_range (0, 200);

      for (gsize i = 0; i < length; i++)
        text[i] = (char)(g_test_rand_int_range (0, 1000) < odds ? g_test_rand_int_range (0, 256)
                                                                 : g_test_rand_int_range (1, 128));
      assert_agrees (text, length);
    }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/utf8/one-byte-everywhere", test_one_byte_everywhere);
  g_test_add_func ("/utf8/characters", test_characters);
  g_test_add_func ("/utf8/random-bytes", test_random_bytes);

  return g_test_run ();
}
