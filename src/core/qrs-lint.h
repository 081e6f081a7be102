/* qrs-lint.h — will this code scan?  Findings with a severity and a reason
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "qrs-design.h"

G_BEGIN_DECLS

typedef enum
{
  QRS_LINT_SEVERITY_INFO,
  QRS_LINT_SEVERITY_WARNING,
  QRS_LINT_SEVERITY_ERROR,
} QrsLintSeverity;

typedef enum
{
  QRS_LINT_CHECK_CONTRAST,
  QRS_LINT_CHECK_INVERTED,
  QRS_LINT_CHECK_LOGO_COVERAGE,
  QRS_LINT_CHECK_QUIET_ZONE,
  QRS_LINT_CHECK_MODULE_SIZE,
  QRS_LINT_CHECK_MICRO_QR,
} QrsLintCheck;

typedef struct
{
  QrsLintCheck     check;
  QrsLintSeverity  severity;
  char            *message;   /* translated, one sentence that says what to do */
} QrsLintFinding;

#define QRS_TYPE_LINT_FINDING (qrs_lint_finding_get_type ())

GType           qrs_lint_finding_get_type    (void) G_GNUC_CONST;
QrsLintFinding *qrs_lint_finding_copy        (const QrsLintFinding *self);
void            qrs_lint_finding_free        (QrsLintFinding       *self);
const char     *qrs_lint_severity_to_string  (QrsLintSeverity       severity);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (QrsLintFinding, qrs_lint_finding_free)

/* scanning_distance_mm: how far away people will hold their phones, or 0
 * when not known.  Returns a GPtrArray of QrsLintFinding, worst first. */
GPtrArray      *qrs_lint_check               (QrsDesign            *design,
                                              QrsSymbol            *symbol,
                                              double                scanning_distance_mm);
QrsLintSeverity qrs_lint_worst               (GPtrArray            *findings);

G_END_DECLS
