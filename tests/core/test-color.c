/* test-color.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "qrs-color.h"
#include "qrs-design.h"

static void
test_color_parse (void)
{
  QrsColor c;
  g_autoptr(GError) error = NULL;
  g_autofree char *s = NULL;

  g_assert_true (qrs_color_parse ("#1A5FB4", &c, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (c.red, ==, 0x1a);
  g_assert_cmpuint (c.green, ==, 0x5f);
  g_assert_cmpuint (c.blue, ==, 0xb4);
  g_assert_cmpuint (c.alpha, ==, 0xff);

  g_assert_true (qrs_color_parse ("11223344", &c, NULL));
  g_assert_cmpuint (c.alpha, ==, 0x44);
  s = qrs_color_to_string (&c);
  g_assert_cmpstr (s, ==, "#11223344");

  g_assert_true (qrs_color_parse ("#fff", &c, NULL));
  g_assert_cmpuint (c.red, ==, 255);
}

static void
test_color_parse_invalid (void)
{
  const char *bad[] = { "", "#", "#12345", "red", "#GGGGGG", "#1234567", "#123456789", NULL };
  QrsColor c;

  for (guint i = 0; bad[i]; i++)
    {
      g_autoptr(GError) error = NULL;

      g_assert_false (qrs_color_parse (bad[i], &c, &error));
      g_assert_error (error, QRS_DESIGN_ERROR, QRS_DESIGN_ERROR_INVALID);
      g_assert_nonnull (strstr (error->message, "#RRGGBB"));
      /* the message quotes what was typed, "#" and all */
      if (bad[i][0] != '\0')
        g_assert_nonnull (strstr (error->message, bad[i]));
    }
}

static void
test_color_contrast (void)
{
  QrsColor black = { 0, 0, 0, 255 };
  QrsColor white = { 255, 255, 255, 255 };
  QrsColor grey = { 0x77, 0x77, 0x77, 255 };
  QrsColor clear_black = { 0, 0, 0, 0 };

  g_assert_cmpfloat_with_epsilon (qrs_color_contrast_ratio (&black, &white), 21.0, 0.01);
  g_assert_cmpfloat_with_epsilon (qrs_color_contrast_ratio (&white, &white), 1.0, 0.001);
  /* #777 on white is the classic 4.48:1 */
  g_assert_cmpfloat_with_epsilon (qrs_color_contrast_ratio (&grey, &white), 4.48, 0.01);
  /* A transparent foreground has no contrast at all. */
  g_assert_cmpfloat_with_epsilon (qrs_color_contrast_ratio (&clear_black, &white), 1.0, 0.001);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/core/color/parse", test_color_parse);
  g_test_add_func ("/core/color/parse-invalid", test_color_parse_invalid);
  g_test_add_func ("/core/color/contrast", test_color_contrast);

  return g_test_run ();
}
