/* test-lint.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "qrs-lint.h"

static const guint8 tiny_png[] = {
  0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d,
  0x49, 0x48, 0x44, 0x52, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01,
  0x08, 0x06, 0x00, 0x00, 0x00, 0x1f, 0x15, 0xc4, 0x89, 0x00, 0x00, 0x00,
  0x0d, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9c, 0x63, 0x00, 0x01, 0x00, 0x00,
  0x05, 0x00, 0x01, 0x0d, 0x0a, 0x2d, 0xb4, 0x00, 0x00, 0x00, 0x00, 0x49,
  0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82,
};

static const QrsLintFinding *
find (GPtrArray    *findings,
      QrsLintCheck  check)
{
  for (guint i = 0; i < findings->len; i++)
    {
      const QrsLintFinding *f = g_ptr_array_index (findings, i);
      if (f->check == check)
        return f;
    }
  return NULL;
}

static GPtrArray *
lint (QrsDesign *design,
      double     distance_mm)
{
  g_autoptr(QrsSymbol) symbol = qrs_design_encode (design, "https://example.edu/open-day", NULL);

  g_assert_nonnull (symbol);
  return qrs_lint_check (design, symbol, distance_mm);
}

static void
test_lint_clean (void)
{
  g_autoptr(QrsDesign) design = qrs_design_new ();
  g_autoptr(GPtrArray) findings = lint (design, 0);

  g_assert_cmpuint (findings->len, ==, 0);
  g_assert_cmpint (qrs_lint_worst (findings), ==, QRS_LINT_SEVERITY_INFO);
}

static void
test_lint_contrast_thresholds (void)
{
  /* foreground grey on white: contrast just over and under each line */
  const struct { const char *fg; int severity; } cases[] = {
    { "#000000", -1 },
    { "#767676", -1 },                        /* 4.54:1 */
    { "#7a7a7a", -1 },                        /* 4.29:1 */
    { "#808080", QRS_LINT_SEVERITY_WARNING }, /* 3.95:1 */
    { "#aaaaaa", QRS_LINT_SEVERITY_WARNING }, /* 2.3:1 */
    { "#b5b5b5", QRS_LINT_SEVERITY_WARNING }, /* 2.05:1 */
    { "#bbbbbb", QRS_LINT_SEVERITY_ERROR },   /* 1.92:1 */
    { "#00000020", QRS_LINT_SEVERITY_ERROR }, /* translucent ink */
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(QrsDesign) design = qrs_design_new ();
      g_autoptr(GPtrArray) findings = NULL;
      const QrsLintFinding *f;
      QrsColor fg;

      g_assert_true (qrs_color_parse (cases[i].fg, &fg, NULL));
      qrs_design_set_foreground (design, &fg);
      findings = lint (design, 0);
      f = find (findings, QRS_LINT_CHECK_CONTRAST);

      if (cases[i].severity < 0)
        g_assert_null (f);
      else
        {
          g_assert_nonnull (f);
          g_assert_cmpint (f->severity, ==, cases[i].severity);
          g_assert_nonnull (strstr (f->message, ":1"));
        }
    }
}

static void
test_lint_finder_contrast (void)
{
  g_autoptr(QrsDesign) design = qrs_design_new ();
  g_autoptr(GPtrArray) findings = NULL;
  QrsColor pale = { 0xee, 0xee, 0xee, 0xff };

  qrs_design_set_finder_color (design, &pale);
  findings = lint (design, 0);
  g_assert_nonnull (find (findings, QRS_LINT_CHECK_CONTRAST));
  g_assert_cmpint (qrs_lint_worst (findings), ==, QRS_LINT_SEVERITY_ERROR);
}

static void
test_lint_inverted (void)
{
  g_autoptr(QrsDesign) design = qrs_design_new ();
  g_autoptr(GPtrArray) findings = NULL;
  g_autoptr(GPtrArray) allowed = NULL;
  QrsColor white = { 255, 255, 255, 255 };
  QrsColor navy = { 0, 0, 0x50, 255 };

  qrs_design_set_foreground (design, &white);
  qrs_design_set_background (design, &navy);
  findings = lint (design, 0);
  g_assert_nonnull (find (findings, QRS_LINT_CHECK_INVERTED));
  g_assert_cmpint (find (findings, QRS_LINT_CHECK_INVERTED)->severity, ==, QRS_LINT_SEVERITY_ERROR);
  g_assert_null (find (findings, QRS_LINT_CHECK_CONTRAST));
  /* The advice names the editor's switch, as the editor labels it. */
  g_assert_nonnull (strstr (find (findings, QRS_LINT_CHECK_INVERTED)->message, "“Allow Inverted Colours”"));

  qrs_design_set_allow_inverted (design, TRUE);
  allowed = lint (design, 0);
  g_assert_cmpint (find (allowed, QRS_LINT_CHECK_INVERTED)->severity, ==, QRS_LINT_SEVERITY_WARNING);
}

static void
test_lint_logo (void)
{
  g_autoptr(QrsDesign) design = qrs_design_new ();
  g_autoptr(GBytes) png = g_bytes_new_static (tiny_png, sizeof tiny_png);
  g_autoptr(GPtrArray) small = NULL;
  g_autoptr(GPtrArray) big = NULL;
  g_autoptr(GPtrArray) padded = NULL;

  qrs_design_set_logo (design, png, NULL);
  qrs_design_set_ec_level (design, QRS_EC_LEVEL_H);
  qrs_design_set_logo_ratio (design, 0.1);
  qrs_design_set_logo_padding (design, 0);
  small = lint (design, 0);
  g_assert_null (find (small, QRS_LINT_CHECK_LOGO_COVERAGE));

  qrs_design_set_logo_ratio (design, 0.4);
  qrs_design_set_logo_padding (design, 1);
  big = lint (design, 0);
  g_assert_nonnull (find (big, QRS_LINT_CHECK_LOGO_COVERAGE));

  /* Padding counts: a generous margin around the largest logo is too much. */
  qrs_design_set_logo_padding (design, 6);
  padded = lint (design, 0);
  g_assert_nonnull (find (padded, QRS_LINT_CHECK_LOGO_COVERAGE));
  g_assert_cmpint (find (padded, QRS_LINT_CHECK_LOGO_COVERAGE)->severity, ==, QRS_LINT_SEVERITY_ERROR);
}

static void
test_lint_quiet_zone (void)
{
  g_autoptr(QrsDesign) design = qrs_design_new ();
  g_autoptr(GPtrArray) two = NULL;
  g_autoptr(GPtrArray) one = NULL;
  g_autoptr(GPtrArray) none = NULL;
  g_autoptr(GPtrArray) four = NULL;

  qrs_design_set_quiet_zone (design, 2);
  two = lint (design, 0);
  g_assert_cmpint (find (two, QRS_LINT_CHECK_QUIET_ZONE)->severity, ==, QRS_LINT_SEVERITY_WARNING);
  g_assert_true (g_str_has_prefix (find (two, QRS_LINT_CHECK_QUIET_ZONE)->message, "The quiet zone is 2 modules,"));
  qrs_design_set_quiet_zone (design, 1);
  one = lint (design, 0);
  g_assert_true (g_str_has_prefix (find (one, QRS_LINT_CHECK_QUIET_ZONE)->message, "The quiet zone is 1 module,"));
  qrs_design_set_quiet_zone (design, 0);
  none = lint (design, 0);
  g_assert_cmpint (find (none, QRS_LINT_CHECK_QUIET_ZONE)->severity, ==, QRS_LINT_SEVERITY_ERROR);
  qrs_design_set_quiet_zone (design, 4);
  four = lint (design, 0);
  g_assert_null (find (four, QRS_LINT_CHECK_QUIET_ZONE));
}

static void
test_lint_distance (void)
{
  g_autoptr(QrsDesign) design = qrs_design_new ();
  g_autoptr(GPtrArray) near = NULL;
  g_autoptr(GPtrArray) far = NULL;

  /* 40 mm wide with its quiet zone: the symbol itself is ~30 mm. */
  qrs_design_set_size_from_string (design, "40mm", NULL);
  near = lint (design, 250);
  g_assert_null (find (near, QRS_LINT_CHECK_MODULE_SIZE));
  far = lint (design, 2000);
  g_assert_nonnull (find (far, QRS_LINT_CHECK_MODULE_SIZE));
  g_assert_nonnull (strstr (find (far, QRS_LINT_CHECK_MODULE_SIZE)->message, "200 mm"));
}

static void
test_lint_tiny_print (void)
{
  g_autoptr(QrsDesign) design = qrs_design_new ();
  g_autoptr(GPtrArray) findings = NULL;

  qrs_design_set_size_from_string (design, "5mm", NULL);
  findings = lint (design, 0);
  g_assert_nonnull (find (findings, QRS_LINT_CHECK_MODULE_SIZE));
}

static void
test_lint_micro (void)
{
  g_autoptr(QrsDesign) design = qrs_design_new ();
  g_autoptr(QrsSymbol) symbol = NULL;
  g_autoptr(GPtrArray) findings = NULL;

  qrs_design_set_symbol_type (design, QRS_SYMBOL_TYPE_MICRO_QR);
  symbol = qrs_design_encode (design, "12345", NULL);
  findings = qrs_lint_check (design, symbol, 0);
  g_assert_nonnull (find (findings, QRS_LINT_CHECK_MICRO_QR));
  /* Two modules is the standard quiet zone for Micro QR. */
  g_assert_null (find (findings, QRS_LINT_CHECK_QUIET_ZONE));
}

static void
test_lint_order (void)
{
  g_autoptr(QrsDesign) design = qrs_design_new ();
  g_autoptr(GPtrArray) findings = NULL;
  QrsColor grey = { 0xaa, 0xaa, 0xaa, 0xff };

  qrs_design_set_quiet_zone (design, 0);     /* error */
  qrs_design_set_foreground (design, &grey); /* warning */
  findings = lint (design, 0);
  g_assert_cmpuint (findings->len, ==, 2);
  g_assert_cmpint (((QrsLintFinding *) g_ptr_array_index (findings, 0))->severity, ==, QRS_LINT_SEVERITY_ERROR);
  g_assert_cmpint (((QrsLintFinding *) g_ptr_array_index (findings, 1))->severity, ==, QRS_LINT_SEVERITY_WARNING);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/core/lint/clean", test_lint_clean);
  g_test_add_func ("/core/lint/contrast-thresholds", test_lint_contrast_thresholds);
  g_test_add_func ("/core/lint/finder-contrast", test_lint_finder_contrast);
  g_test_add_func ("/core/lint/inverted", test_lint_inverted);
  g_test_add_func ("/core/lint/logo", test_lint_logo);
  g_test_add_func ("/core/lint/quiet-zone", test_lint_quiet_zone);
  g_test_add_func ("/core/lint/distance", test_lint_distance);
  g_test_add_func ("/core/lint/tiny-print", test_lint_tiny_print);
  g_test_add_func ("/core/lint/micro", test_lint_micro);
  g_test_add_func ("/core/lint/order", test_lint_order);

  return g_test_run ();
}
