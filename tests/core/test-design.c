/* test-design.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "qrs-design.h"

/* The smallest PNG there is: one transparent pixel. */
static const guint8 tiny_png[] = {
  0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d,
  0x49, 0x48, 0x44, 0x52, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01,
  0x08, 0x06, 0x00, 0x00, 0x00, 0x1f, 0x15, 0xc4, 0x89, 0x00, 0x00, 0x00,
  0x0d, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9c, 0x63, 0x00, 0x01, 0x00, 0x00,
  0x05, 0x00, 0x01, 0x0d, 0x0a, 0x2d, 0xb4, 0x00, 0x00, 0x00, 0x00, 0x49,
  0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82,
};

static void
count_notify_cb (GObject    *object,
                 GParamSpec *pspec,
                 guint      *count)
{
  (*count)++;
}

static void
test_design_defaults (void)
{
  g_autoptr(QrsDesign) design = qrs_design_new ();

  g_assert_cmpint (qrs_design_get_ec_level (design), ==, QRS_EC_LEVEL_M);
  g_assert_cmpuint (qrs_design_get_effective_quiet_zone (design), ==, 4);
  qrs_design_set_symbol_type (design, QRS_SYMBOL_TYPE_MICRO_QR);
  g_assert_cmpuint (qrs_design_get_effective_quiet_zone (design), ==, 2);
  qrs_design_set_quiet_zone (design, 6);
  g_assert_cmpuint (qrs_design_get_effective_quiet_zone (design), ==, 6);
  g_assert_cmpfloat (qrs_design_get_width_px (design), ==, 1024);
  g_assert_false (qrs_design_is_physical (design));
  g_assert_cmpuint (qrs_design_get_foreground (design)->red, ==, 0);
  g_assert_cmpuint (qrs_design_get_background (design)->red, ==, 255);
  g_assert_null (qrs_design_get_finder_color (design));
  g_assert_finalize_object (g_steal_pointer (&design));
}

static void
test_design_notify (void)
{
  g_autoptr(QrsDesign) design = qrs_design_new ();
  QrsColor red = { 255, 0, 0, 255 };
  guint count = 0;

  g_signal_connect (design, "notify", G_CALLBACK (count_notify_cb), &count);

  qrs_design_set_foreground (design, &red);
  g_assert_cmpuint (count, ==, 1);
  qrs_design_set_foreground (design, &red);
  g_assert_cmpuint (count, ==, 1);
  qrs_design_set_caption (design, "Open day");
  qrs_design_set_caption (design, "Open day");
  g_assert_cmpuint (count, ==, 2);
  g_object_set (design, "module-shape", QRS_MODULE_SHAPE_DOT, NULL);
  g_assert_cmpuint (count, ==, 3);
  g_assert_cmpint (qrs_design_get_module_shape (design), ==, QRS_MODULE_SHAPE_DOT);
}

static void
test_design_logo (void)
{
  g_autoptr(QrsDesign) design = qrs_design_new ();
  g_autoptr(GBytes) png = g_bytes_new_static (tiny_png, sizeof tiny_png);
  g_autoptr(GBytes) junk = g_bytes_new_static ("hello", 5);
  g_autoptr(GError) error = NULL;

  qrs_design_set_ec_level (design, QRS_EC_LEVEL_L);
  g_assert_true (qrs_design_set_logo (design, png, &error));
  g_assert_no_error (error);
  g_assert_cmpint (qrs_design_get_ec_level (design), ==, QRS_EC_LEVEL_Q);
  g_assert_cmpstr (qrs_design_get_logo_media_type (design), ==, "image/png");
  g_assert_cmpuint (strlen (qrs_design_get_logo_sha256 (design)), ==, 64);

  /* The level may not drop below Q while the logo is there. */
  qrs_design_set_ec_level (design, QRS_EC_LEVEL_M);
  g_assert_cmpint (qrs_design_get_ec_level (design), ==, QRS_EC_LEVEL_Q);
  qrs_design_set_ec_level (design, QRS_EC_LEVEL_H);
  g_assert_cmpint (qrs_design_get_ec_level (design), ==, QRS_EC_LEVEL_H);

  /* The logo's size is capped by what the level recovers. */
  qrs_design_set_logo_ratio (design, 0.4);
  g_assert_cmpfloat (qrs_design_get_effective_logo_ratio (design), <, 0.4);
  g_assert_cmpfloat (qrs_design_get_effective_logo_ratio (design), >, 0.3);

  g_assert_false (qrs_design_set_logo (design, junk, &error));
  g_assert_error (error, QRS_DESIGN_ERROR, QRS_DESIGN_ERROR_INVALID);
  /* … and the old logo stays. */
  g_assert_nonnull (qrs_design_get_logo (design));

  g_assert_true (qrs_design_set_logo (design, NULL, NULL));
  g_assert_null (qrs_design_get_logo_sha256 (design));
  qrs_design_set_ec_level (design, QRS_EC_LEVEL_L);
  g_assert_cmpint (qrs_design_get_ec_level (design), ==, QRS_EC_LEVEL_L);
}

static void
test_design_logo_too_big (void)
{
  g_autoptr(QrsDesign) design = qrs_design_new ();
  gsize size = QRS_DESIGN_LOGO_MAX_BYTES + 1;
  guint8 *data = g_malloc0 (size);
  g_autoptr(GBytes) big = NULL;
  g_autoptr(GError) error = NULL;

  memcpy (data, tiny_png, sizeof tiny_png);
  big = g_bytes_new_take (data, size);
  g_assert_false (qrs_design_set_logo (design, big, &error));
  g_assert_error (error, QRS_DESIGN_ERROR, QRS_DESIGN_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "2 MiB"));
}

static void
test_design_size (void)
{
  g_autoptr(QrsDesign) design = qrs_design_new ();
  const char *bad[] = { "", "abc", "-4mm", "40 furlongs", "0", "1px", "99999999", "nan", NULL };

  g_assert_true (qrs_design_set_size_from_string (design, "40mm", NULL));
  g_assert_cmpint (qrs_design_get_size_unit (design), ==, QRS_SIZE_UNIT_MM);
  g_assert_true (qrs_design_is_physical (design));
  qrs_design_set_dpi (design, 300);
  g_assert_cmpfloat_with_epsilon (qrs_design_get_width_mm (design), 40, 1e-9);
  g_assert_cmpfloat_with_epsilon (qrs_design_get_width_px (design), 40 / 25.4 * 300, 1e-9);

  g_assert_true (qrs_design_set_size_from_string (design, "1.5 in", NULL));
  g_assert_cmpfloat_with_epsilon (qrs_design_get_width_mm (design), 38.1, 1e-9);
  g_assert_true (qrs_design_set_size_from_string (design, "4cm", NULL));
  g_assert_cmpfloat_with_epsilon (qrs_design_get_width_mm (design), 40, 1e-9);
  g_assert_true (qrs_design_set_size_from_string (design, "512", NULL));
  g_assert_cmpfloat (qrs_design_get_width_px (design), ==, 512);

  for (guint i = 0; bad[i]; i++)
    {
      g_autoptr(GError) error = NULL;

      g_assert_false (qrs_design_set_size_from_string (design, bad[i], &error));
      g_assert_error (error, QRS_DESIGN_ERROR, QRS_DESIGN_ERROR_INVALID);
    }
  /* a refused size changes nothing */
  g_assert_cmpfloat (qrs_design_get_width_px (design), ==, 512);
}

static void
test_design_json_round_trip (void)
{
  g_autoptr(QrsDesign) design = qrs_design_new ();
  g_autoptr(QrsDesign) copy = NULL;
  g_autoptr(GBytes) png = g_bytes_new_static (tiny_png, sizeof tiny_png);
  g_autoptr(GError) error = NULL;
  g_autofree char *json = NULL;
  g_autofree char *json2 = NULL;
  QrsColor fg = { 0x1a, 0x5f, 0xb4, 0xff };
  QrsColor finder = { 0xc0, 0x1c, 0x28, 0x80 };

  qrs_design_set_foreground (design, &fg);
  qrs_design_set_finder_color (design, &finder);
  qrs_design_set_module_shape (design, QRS_MODULE_SHAPE_ROUNDED);
  qrs_design_set_quiet_zone (design, 3);
  qrs_design_set_logo (design, png, NULL);
  qrs_design_set_ec_level (design, QRS_EC_LEVEL_H);
  qrs_design_set_caption (design, "Día de puertas abiertas — «bienvenidos»");
  qrs_design_set_caption_position (design, QRS_CAPTION_POSITION_ABOVE);
  qrs_design_set_title (design, "Open day \"2027\"");
  qrs_design_set_description (design, "Leads to\nthe sign-up page");
  qrs_design_set_size_from_string (design, "40mm", NULL);
  qrs_design_set_dpi (design, 600);

  json = qrs_design_to_data (design, NULL);
  copy = qrs_design_new_from_data (json, -1, &error);
  g_assert_no_error (error);
  json2 = qrs_design_to_data (copy, NULL);
  g_assert_cmpstr (json, ==, json2);

  g_assert_true (qrs_color_equal (qrs_design_get_finder_color (copy), &finder));
  g_assert_null (qrs_design_get_alignment_color (copy));
  g_assert_cmpint (qrs_design_get_ec_level (copy), ==, QRS_EC_LEVEL_H);
  g_assert_cmpint (qrs_design_get_quiet_zone (copy), ==, 3);
  g_assert_cmpstr (qrs_design_get_caption (copy), ==, qrs_design_get_caption (design));
  g_assert_true (g_bytes_equal (qrs_design_get_logo (copy), png));
  g_assert_cmpfloat (qrs_design_get_dpi (copy), ==, 600);
}

static void
test_design_json_without_logo_bytes (void)
{
  g_autoptr(QrsDesign) design = qrs_design_new ();
  g_autoptr(QrsDesign) copy = NULL;
  g_autoptr(GBytes) png = g_bytes_new_static (tiny_png, sizeof tiny_png);
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(GError) error = NULL;

  qrs_design_set_logo (design, png, NULL);
  node = qrs_design_to_json (design, FALSE);
  copy = qrs_design_new_from_json (node, &error);
  g_assert_no_error (error);
  g_assert_null (qrs_design_get_logo (copy));
  g_assert_cmpstr (qrs_design_get_logo_sha256 (copy), ==, qrs_design_get_logo_sha256 (design));
  g_assert_cmpint (qrs_design_get_ec_level (copy), ==, QRS_EC_LEVEL_Q);
}

static void
test_design_json_invalid (void)
{
  const struct { const char *json; const char *needle; } cases[] = {
    { "[]", "object" },
    { "{}", "format" },
    { "{\"format\": 99}", "update" },
    { "{\"format\": 1, \"foreground\": \"blue\"}", "foreground" },
    { "{\"format\": 1, \"foreground\": 12}", "foreground" },
    { "{\"format\": 1, \"ec_level\": \"X\"}", "ec_level" },
    { "{\"format\": 1, \"module_shape\": \"star\"}", "module_shape" },
    { "{\"format\": 1, \"quiet_zone\": -1}", "quiet_zone" },
    { "{\"format\": 1, \"quiet_zone\": 2.5}", "quiet_zone" },
    { "{\"format\": 1, \"dpi\": 0}", "dpi" },
    { "{\"format\": 1, \"size_unit\": \"furlong\"}", "size_unit" },
    { "{\"format\": 1, \"colour\": \"#000\"}", "colour" },
    { "{\"format\": 1, \"symbol_type\": \"micro\", \"ec_level\": \"H\"}", "ec_level" },
    { "{\"format\": 1, \"logo\": {\"sha256\": \"abc\"}}", "logo.sha256" },
    { "{\"format\": 1, \"logo\": {\"sha256\": \"0000000000000000000000000000000000000000000000000000000000000000\", \"data\": \"aGVsbG8=\"}}", "PNG" },
    { "{\"format\": 1,", "JSON" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      QrsDesign *design = qrs_design_new_from_data (cases[i].json, -1, &error);

      g_assert_null (design);
      g_assert_nonnull (error);
      g_assert_true (error->domain == QRS_DESIGN_ERROR);
      if (strstr (error->message, cases[i].needle) == NULL)
        g_error ("case %u: “%s” does not mention “%s”", i, error->message, cases[i].needle);
    }
}

static void
test_design_encode (void)
{
  g_autoptr(QrsDesign) design = qrs_design_new ();
  g_autoptr(QrsSymbol) symbol = NULL;

  qrs_design_set_ec_level (design, QRS_EC_LEVEL_H);
  qrs_design_set_min_version (design, 5);
  symbol = qrs_design_encode (design, "https://example.edu/", NULL);
  g_assert_cmpint (qrs_symbol_get_version (symbol), ==, 5);
  g_assert_cmpint (qrs_symbol_get_ec_level (symbol), ==, QRS_EC_LEVEL_H);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/core/design/defaults", test_design_defaults);
  g_test_add_func ("/core/design/notify", test_design_notify);
  g_test_add_func ("/core/design/logo", test_design_logo);
  g_test_add_func ("/core/design/logo-too-big", test_design_logo_too_big);
  g_test_add_func ("/core/design/size", test_design_size);
  g_test_add_func ("/core/design/json-round-trip", test_design_json_round_trip);
  g_test_add_func ("/core/design/json-without-logo-bytes", test_design_json_without_logo_bytes);
  g_test_add_func ("/core/design/json-invalid", test_design_json_invalid);
  g_test_add_func ("/core/design/encode", test_design_encode);

  return g_test_run ();
}
