/* qrs-lint.c — will this code scan?  Findings with a severity and a reason
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>

#include <glib/gi18n-lib.h>

#include "qrs-lint.h"

/* WCAG-style contrast thresholds: phone cameras in poor light need about
 * what low-vision readers need. */
#define CONTRAST_ERROR    2.0
#define CONTRAST_WARNING  4.0

/* A logo may use part of the recovery capacity; the rest must absorb
 * smudges, glare and print defects. */
#define LOGO_SHARE_WARNING 0.5
#define LOGO_SHARE_ERROR   0.8

/* A rule of thumb of every QR vendor: the symbol is at least a tenth as
 * wide as the distance it is scanned from. */
#define DISTANCE_TO_WIDTH 10.0

/* Below this a printed module is lost to ink spread. */
#define MIN_PRINTED_MODULE_MM 0.3
#define MIN_RASTER_MODULE_PX  2.0

G_DEFINE_BOXED_TYPE (QrsLintFinding, qrs_lint_finding, qrs_lint_finding_copy, qrs_lint_finding_free)

QrsLintFinding *
qrs_lint_finding_copy (const QrsLintFinding *self)
{
  QrsLintFinding *copy;

  g_return_val_if_fail (self != NULL, NULL);

  copy = g_new0 (QrsLintFinding, 1);
  copy->check = self->check;
  copy->severity = self->severity;
  copy->message = g_strdup (self->message);

  return copy;
}

void
qrs_lint_finding_free (QrsLintFinding *self)
{
  if (self == NULL)
    return;

  g_free (self->message);
  g_free (self);
}

const char *
qrs_lint_severity_to_string (QrsLintSeverity severity)
{
  switch (severity)
    {
    case QRS_LINT_SEVERITY_INFO: return "info";
    case QRS_LINT_SEVERITY_WARNING: return "warning";
    case QRS_LINT_SEVERITY_ERROR: return "error";
    default: g_return_val_if_reached (NULL);
    }
}

G_GNUC_PRINTF (4, 5)
static void
add_finding (GPtrArray       *findings,
             QrsLintCheck     check,
             QrsLintSeverity  severity,
             const char      *format,
             ...)
{
  QrsLintFinding *finding = g_new0 (QrsLintFinding, 1);
  va_list args;

  va_start (args, format);
  finding->message = g_strdup_vprintf (format, args);
  va_end (args);

  finding->check = check;
  finding->severity = severity;
  g_ptr_array_add (findings, finding);
}

static void
check_contrast (GPtrArray      *findings,
                const QrsColor *dark,
                const QrsColor *light,
                const char     *what)
{
  double ratio = qrs_color_contrast_ratio (dark, light);

  if (ratio < CONTRAST_ERROR)
    add_finding (findings, QRS_LINT_CHECK_CONTRAST, QRS_LINT_SEVERITY_ERROR,
                 /* Translators: %s names a part of the code, e.g. "the modules"; %.1f is a ratio */
                 _("The contrast between %s and the background is %.1f:1, too low to scan: aim for 4:1 or more."),
                 what, ratio);
  else if (ratio < CONTRAST_WARNING)
    add_finding (findings, QRS_LINT_CHECK_CONTRAST, QRS_LINT_SEVERITY_WARNING,
                 _("The contrast between %s and the background is %.1f:1: some phones will struggle in poor light; aim for 4:1 or more."),
                 what, ratio);
}

static void
check_colors (GPtrArray *findings,
              QrsDesign *design)
{
  static const QrsColor paper = { 255, 255, 255, 255 };
  const QrsColor *fg = qrs_design_get_foreground (design);
  const QrsColor *bg = qrs_design_get_background (design);
  const QrsColor *finder = qrs_design_get_finder_color (design);
  const QrsColor *alignment = qrs_design_get_alignment_color (design);
  QrsColor bg_on_paper = qrs_color_composite (bg, &paper);
  QrsColor fg_on_bg = qrs_color_composite (fg, &bg_on_paper);

  check_contrast (findings, fg, bg, _("the modules"));
  if (finder != NULL)
    check_contrast (findings, finder, bg, _("the finder patterns"));
  if (alignment != NULL)
    check_contrast (findings, alignment, bg, _("the alignment patterns"));

  if (qrs_color_relative_luminance (&fg_on_bg) > qrs_color_relative_luminance (&bg_on_paper))
    {
      if (qrs_design_get_allow_inverted (design))
        add_finding (findings, QRS_LINT_CHECK_INVERTED, QRS_LINT_SEVERITY_WARNING,
                     _("Light modules on a dark background are read by most phones but not by many older scanners."));
      else
        add_finding (findings, QRS_LINT_CHECK_INVERTED, QRS_LINT_SEVERITY_ERROR,
                     /* Translators: “Allow Inverted Colours” is the switch under Colours in the editor; use its translation */
                     _("The modules are lighter than the background, which many scanners cannot read: swap the colours, or switch on “Allow Inverted Colours” under Colours if you know your readers cope."));
    }
}

static void
check_logo (GPtrArray *findings,
            QrsDesign *design,
            QrsSymbol *symbol)
{
  guint width = qrs_symbol_get_width (symbol);
  double recovery = qrs_ec_level_get_recovery (qrs_symbol_get_ec_level (symbol));
  double box, share;
  guint box_modules, start, data_total = 0, data_covered = 0;

  if (qrs_design_get_logo_sha256 (design) == NULL)
    return;

  /* The box the renderer clears: logo plus padding, whole modules, centred. */
  box = qrs_design_get_effective_logo_ratio (design) * width + 2 * qrs_design_get_logo_padding (design);
  box_modules = MIN ((guint) ceil (box), width);
  if ((width - box_modules) % 2 != 0)
    box_modules++;
  start = (width - box_modules) / 2;

  for (guint y = 0; y < width; y++)
    for (guint x = 0; x < width; x++)
      if (qrs_symbol_get_module (symbol, x, y) & QRS_MODULE_DATA)
        {
          data_total++;
          if (x >= start && x < start + box_modules && y >= start && y < start + box_modules)
            data_covered++;
        }

  share = data_total ? (double) data_covered / data_total : 1.0;

  if (share > recovery * LOGO_SHARE_ERROR)
    add_finding (findings, QRS_LINT_CHECK_LOGO_COVERAGE, QRS_LINT_SEVERITY_ERROR,
                 _("The logo hides %.0f %% of the data, near the %.0f %% that level %s can recover: make the logo smaller or raise the error correction."),
                 share * 100, recovery * 100, qrs_ec_level_to_string (qrs_symbol_get_ec_level (symbol)));
  else if (share > recovery * LOGO_SHARE_WARNING)
    add_finding (findings, QRS_LINT_CHECK_LOGO_COVERAGE, QRS_LINT_SEVERITY_WARNING,
                 _("The logo hides %.0f %% of the data, more than half of the %.0f %% that level %s can recover: a smudge or glare may make the code unreadable."),
                 share * 100, recovery * 100, qrs_ec_level_to_string (qrs_symbol_get_ec_level (symbol)));
}

static void
check_quiet_zone (GPtrArray *findings,
                  QrsDesign *design,
                  QrsSymbol *symbol)
{
  guint standard = qrs_symbol_get_symbol_type (symbol) == QRS_SYMBOL_TYPE_MICRO_QR ? 2 : 4;
  guint quiet_zone = qrs_design_get_effective_quiet_zone (design);

  if (quiet_zone == 0)
    add_finding (findings, QRS_LINT_CHECK_QUIET_ZONE, QRS_LINT_SEVERITY_ERROR,
                 g_dngettext (GETTEXT_PACKAGE,
                              "The code has no quiet zone: scanners need a margin of %u module of background around it.",
                              "The code has no quiet zone: scanners need a margin of %u modules of background around it.",
                              standard),
                 standard);
  else if (quiet_zone < standard)
    /* Translators: the first %u is the quiet zone in modules, the second the standard's */
    add_finding (findings, QRS_LINT_CHECK_QUIET_ZONE, QRS_LINT_SEVERITY_WARNING,
                 g_dngettext (GETTEXT_PACKAGE,
                              "The quiet zone is %u module, less than the %u the standard asks for: leave that much background around the code when you place it.",
                              "The quiet zone is %u modules, less than the %u the standard asks for: leave that much background around the code when you place it.",
                              quiet_zone),
                 quiet_zone, standard);
}

static void
check_module_size (GPtrArray *findings,
                   QrsDesign *design,
                   QrsSymbol *symbol,
                   double     scanning_distance_mm)
{
  guint width = qrs_symbol_get_width (symbol);
  guint total = width + 2 * qrs_design_get_effective_quiet_zone (design);
  double symbol_mm = qrs_design_get_width_mm (design) * width / total;
  double module_px = qrs_design_get_width_px (design) / total;

  if (scanning_distance_mm > 0 && symbol_mm < scanning_distance_mm / DISTANCE_TO_WIDTH)
    add_finding (findings, QRS_LINT_CHECK_MODULE_SIZE, QRS_LINT_SEVERITY_WARNING,
                 _("At %.0f mm wide the code is too small to scan from %.1f m: make it at least %.0f mm wide, or shorten the content."),
                 symbol_mm, scanning_distance_mm / 1000, scanning_distance_mm / DISTANCE_TO_WIDTH);

  if (qrs_design_is_physical (design) && symbol_mm / width < MIN_PRINTED_MODULE_MM)
    add_finding (findings, QRS_LINT_CHECK_MODULE_SIZE, QRS_LINT_SEVERITY_WARNING,
                 _("Each module is %.2f mm wide, too fine for most printers: print the code larger or shorten the content."),
                 symbol_mm / width);
  else if (!qrs_design_is_physical (design) && module_px < MIN_RASTER_MODULE_PX)
    add_finding (findings, QRS_LINT_CHECK_MODULE_SIZE, QRS_LINT_SEVERITY_WARNING,
                 _("Each module is %.1f pixels wide, too few to stay sharp: make the image larger."),
                 module_px);
}

static int
compare_severity (gconstpointer a,
                  gconstpointer b)
{
  const QrsLintFinding *fa = *(const QrsLintFinding * const *) a;
  const QrsLintFinding *fb = *(const QrsLintFinding * const *) b;

  return (int) fb->severity - (int) fa->severity;
}

/**
 * qrs_lint_check:
 * @design: the design
 * @symbol: the symbol encoded with @design
 * @scanning_distance_mm: how far away the code will be scanned, or 0
 *
 * Returns: (transfer full) (element-type QrsLintFinding): the findings,
 *   errors first; empty when nothing stands in the way of a scan
 */
GPtrArray *
qrs_lint_check (QrsDesign *design,
                QrsSymbol *symbol,
                double     scanning_distance_mm)
{
  g_autoptr(GPtrArray) findings = NULL;

  g_return_val_if_fail (QRS_IS_DESIGN (design), NULL);
  g_return_val_if_fail (QRS_IS_SYMBOL (symbol), NULL);
  g_return_val_if_fail (scanning_distance_mm >= 0, NULL);

  findings = g_ptr_array_new_with_free_func ((GDestroyNotify) qrs_lint_finding_free);

  check_colors (findings, design);
  check_logo (findings, design, symbol);
  check_quiet_zone (findings, design, symbol);
  check_module_size (findings, design, symbol, scanning_distance_mm);

  if (qrs_symbol_get_symbol_type (symbol) == QRS_SYMBOL_TYPE_MICRO_QR)
    add_finding (findings, QRS_LINT_CHECK_MICRO_QR, QRS_LINT_SEVERITY_WARNING,
                 _("Phone camera apps do not read Micro QR codes: use Micro QR only where the scanners are known to support it."));

  /* g_ptr_array_sort is a stable merge sort: checks keep their order. */
  g_ptr_array_sort (findings, compare_severity);

  return g_steal_pointer (&findings);
}

/**
 * qrs_lint_worst:
 * @findings: (element-type QrsLintFinding): findings
 *
 * Returns: the highest severity in @findings, or INFO when there are none
 */
QrsLintSeverity
qrs_lint_worst (GPtrArray *findings)
{
  QrsLintSeverity worst = QRS_LINT_SEVERITY_INFO;

  g_return_val_if_fail (findings != NULL, QRS_LINT_SEVERITY_INFO);

  for (guint i = 0; i < findings->len; i++)
    {
      const QrsLintFinding *finding = g_ptr_array_index (findings, i);
      worst = MAX (worst, finding->severity);
    }

  return worst;
}
