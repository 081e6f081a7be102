/* qrs-design.c — how a code looks: colours, shape, logo, caption, size
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "qrs-design.h"

G_DEFINE_QUARK (qrs-design-error-quark, qrs_design_error)
