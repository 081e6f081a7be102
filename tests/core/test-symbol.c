/* test-symbol.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "qrs-symbol.h"

static void
test_symbol_basic (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(QrsSymbol) symbol = NULL;

  symbol = qrs_symbol_encode ("HELLO WORLD", -1, QRS_SYMBOL_TYPE_QR, QRS_EC_LEVEL_Q, 0, &error);
  g_assert_no_error (error);
  g_assert_nonnull (symbol);
  g_assert_cmpint (qrs_symbol_get_version (symbol), ==, 1);
  g_assert_cmpuint (qrs_symbol_get_width (symbol), ==, 21);
  g_assert_cmpint (qrs_symbol_get_ec_level (symbol), ==, QRS_EC_LEVEL_Q);
  g_assert_finalize_object (g_steal_pointer (&symbol));
}

static void
test_symbol_module_map (void)
{
  g_autoptr(QrsSymbol) symbol = NULL;
  guint width;
  guint counts[8] = { 0 };

  /* Version 7 and up carry version information. */
  symbol = qrs_symbol_encode ("https://example.edu/", -1, QRS_SYMBOL_TYPE_QR, QRS_EC_LEVEL_M, 7, NULL);
  g_assert_nonnull (symbol);
  g_assert_cmpint (qrs_symbol_get_version (symbol), ==, 7);
  width = qrs_symbol_get_width (symbol);
  g_assert_cmpuint (width, ==, 45);

  for (guint y = 0; y < width; y++)
    for (guint x = 0; x < width; x++)
      {
        QrsModule m = qrs_symbol_get_module (symbol, x, y) & QRS_MODULE_KIND_MASK;

        /* exactly one kind per module */
        g_assert_cmpuint (m, !=, 0);
        g_assert_true ((m & (m - 1)) == 0);
        counts[g_bit_nth_lsf (m, -1)]++;
      }

  /* Three 7×7 finders; the centre of each is dark. */
  g_assert_cmpuint (counts[g_bit_nth_lsf (QRS_MODULE_FINDER, -1)], ==, 3 * 49);
  g_assert_true (qrs_symbol_is_dark (symbol, 3, 3));
  g_assert_true (qrs_symbol_is_dark (symbol, width - 4, 3));
  g_assert_true (qrs_symbol_is_dark (symbol, 3, width - 4));
  g_assert_cmpuint (qrs_symbol_get_module (symbol, 7, 7) & QRS_MODULE_KIND_MASK, ==, QRS_MODULE_SEPARATOR);
  /* Separators: 15 modules around each of the three finders. */
  g_assert_cmpuint (counts[g_bit_nth_lsf (QRS_MODULE_SEPARATOR, -1)], ==, 3 * 15);
  /* Version 7 has six alignment patterns (7 possible − 1 … less the three
   * that would overlap finders): 6 × 25 modules. */
  g_assert_cmpuint (counts[g_bit_nth_lsf (QRS_MODULE_ALIGNMENT, -1)], ==, 6 * 25);
  /* Two 6×3 blocks of version information. */
  g_assert_cmpuint (counts[g_bit_nth_lsf (QRS_MODULE_VERSION, -1)], ==, 36);
  g_assert_cmpuint (counts[g_bit_nth_lsf (QRS_MODULE_DATA, -1)], >, 0);
  g_assert_cmpuint (counts[g_bit_nth_lsf (QRS_MODULE_TIMING, -1)], >, 0);
}

static void
test_symbol_too_long (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *big = g_strnfill (3000, 'x');
  QrsSymbol *symbol;

  symbol = qrs_symbol_encode (big, -1, QRS_SYMBOL_TYPE_QR, QRS_EC_LEVEL_H, 0, &error);
  g_assert_null (symbol);
  g_assert_error (error, QRS_SYMBOL_ERROR, QRS_SYMBOL_ERROR_TOO_LONG);
}

static void
test_symbol_empty (void)
{
  g_autoptr(GError) error = NULL;

  g_assert_null (qrs_symbol_encode ("", -1, QRS_SYMBOL_TYPE_QR, QRS_EC_LEVEL_M, 0, &error));
  g_assert_error (error, QRS_SYMBOL_ERROR, QRS_SYMBOL_ERROR_EMPTY);
}

static void
test_symbol_micro (void)
{
  struct { const char *data; QrsEcLevel level; int version; } cases[] = {
    { "12345", QRS_EC_LEVEL_L, 1 },      /* M1: 5 digits */
    { "HELLO", QRS_EC_LEVEL_L, 2 },
    { "hello micro", QRS_EC_LEVEL_M, 4 },
    { "ab", QRS_EC_LEVEL_Q, 4 },         /* only M4 has Q */
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(QrsSymbol) symbol = NULL;
      g_autofree char *name = NULL;

      symbol = qrs_symbol_encode (cases[i].data, -1, QRS_SYMBOL_TYPE_MICRO_QR, cases[i].level, 0, &error);
      g_assert_no_error (error);
      g_assert_cmpint (qrs_symbol_get_version (symbol), ==, cases[i].version);
      g_assert_cmpuint (qrs_symbol_get_width (symbol), ==, 9 + 2 * cases[i].version);
      name = qrs_symbol_get_version_name (symbol);
      g_assert_cmpint (name[0], ==, 'M');
      /* One finder only, at the top left. */
      g_assert_true (qrs_symbol_get_module (symbol, 0, 0) & QRS_MODULE_FINDER);
      g_assert_false (qrs_symbol_get_module (symbol, qrs_symbol_get_width (symbol) - 1, 0) & QRS_MODULE_FINDER);
    }
}

static void
test_symbol_micro_refused (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GError) error2 = NULL;

  g_assert_null (qrs_symbol_encode ("https://example.edu/a/long/path/that/cannot/fit", -1,
                                    QRS_SYMBOL_TYPE_MICRO_QR, QRS_EC_LEVEL_L, 0, &error));
  g_assert_error (error, QRS_SYMBOL_ERROR, QRS_SYMBOL_ERROR_TOO_LONG);
  g_assert_nonnull (strstr (error->message, "Micro QR"));

  g_assert_null (qrs_symbol_encode ("1", -1, QRS_SYMBOL_TYPE_MICRO_QR, QRS_EC_LEVEL_H, 0, &error2));
  g_assert_error (error2, QRS_SYMBOL_ERROR, QRS_SYMBOL_ERROR_UNSUPPORTED);
}

static void
test_symbol_min_version (void)
{
  g_autoptr(QrsSymbol) symbol = NULL;
  g_autoptr(GError) error = NULL;

  symbol = qrs_symbol_encode ("x", -1, QRS_SYMBOL_TYPE_QR, QRS_EC_LEVEL_L, 10, NULL);
  g_assert_cmpint (qrs_symbol_get_version (symbol), ==, 10);
  g_assert_null (qrs_symbol_encode ("x", -1, QRS_SYMBOL_TYPE_QR, QRS_EC_LEVEL_L, 41, &error));
  g_assert_error (error, QRS_SYMBOL_ERROR, QRS_SYMBOL_ERROR_UNSUPPORTED);
}

static void
test_symbol_capacity (void)
{
  g_autoptr(QrsSymbol) v1 = NULL;
  g_autoptr(QrsSymbol) v40 = NULL;
  g_autofree char *full = g_strnfill (2953, '\xc3');

  /* The standard's byte-mode capacities: 1-L holds 17 bytes, 40-L 2953. */
  v1 = qrs_symbol_encode ("a", -1, QRS_SYMBOL_TYPE_QR, QRS_EC_LEVEL_L, 0, NULL);
  g_assert_cmpuint (qrs_symbol_get_capacity_bytes (v1), ==, 17);
  v40 = qrs_symbol_encode (full, 2953, QRS_SYMBOL_TYPE_QR, QRS_EC_LEVEL_L, 0, NULL);
  g_assert_nonnull (v40);
  g_assert_cmpint (qrs_symbol_get_version (v40), ==, 40);
  g_assert_cmpuint (qrs_symbol_get_capacity_bytes (v40), ==, 2953);
  g_assert_cmpfloat (qrs_symbol_get_capacity_used (v40), ==, 1.0);
  g_assert_cmpfloat_with_epsilon (qrs_symbol_get_capacity_used (v1), 1.0 / 17, 1e-9);
}

static void
test_symbol_binary (void)
{
  static const char data[] = { 'a', '\0', 'b' };
  g_autoptr(QrsSymbol) symbol = NULL;
  g_autoptr(GBytes) bytes = NULL;

  symbol = qrs_symbol_encode (data, sizeof data, QRS_SYMBOL_TYPE_QR, QRS_EC_LEVEL_M, 0, NULL);
  g_assert_nonnull (symbol);
  bytes = qrs_symbol_get_data (symbol);
  g_assert_cmpuint (g_bytes_get_size (bytes), ==, 3);
}

static void
test_ec_level_strings (void)
{
  QrsEcLevel level;

  g_assert_true (qrs_ec_level_from_string ("q", &level));
  g_assert_cmpint (level, ==, QRS_EC_LEVEL_Q);
  g_assert_false (qrs_ec_level_from_string ("X", &level));
  g_assert_false (qrs_ec_level_from_string (NULL, &level));
  g_assert_cmpstr (qrs_ec_level_to_string (QRS_EC_LEVEL_H), ==, "H");
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/core/symbol/basic", test_symbol_basic);
  g_test_add_func ("/core/symbol/module-map", test_symbol_module_map);
  g_test_add_func ("/core/symbol/too-long", test_symbol_too_long);
  g_test_add_func ("/core/symbol/empty", test_symbol_empty);
  g_test_add_func ("/core/symbol/micro", test_symbol_micro);
  g_test_add_func ("/core/symbol/micro-refused", test_symbol_micro_refused);
  g_test_add_func ("/core/symbol/min-version", test_symbol_min_version);
  g_test_add_func ("/core/symbol/capacity", test_symbol_capacity);
  g_test_add_func ("/core/symbol/binary", test_symbol_binary);
  g_test_add_func ("/core/ec-level/strings", test_ec_level_strings);

  return g_test_run ();
}
