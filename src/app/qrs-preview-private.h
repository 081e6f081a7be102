/* qrs-preview-private.h — what the tests and benchmarks look at
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "qrs-preview.h"

G_BEGIN_DECLS

typedef struct
{
  guint  n_encodes;        /* how often the symbol was encoded */
  guint  n_draws;          /* how often the renderer drew the preview */
  gint64 last_draw_usec;   /* how long the last draw took */
  int    last_width;       /* the code's drawn width in logical pixels */
  int    last_module_size; /* pixels per module, 0 when not a whole number */
} QrsPreviewStats;

void qrs_preview_get_stats (QrsPreview      *self,
                            QrsPreviewStats *stats);

G_END_DECLS
