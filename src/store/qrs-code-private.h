/* qrs-code-private.h — what the code store sets on the codes it reads
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "qrs-code.h"
#include "qrs-code-store.h"

G_BEGIN_DECLS

void qrs_code_set_stored (QrsCode    *self,
                          gint64      id,
                          int         version,
                          GDateTime  *created_at,
                          const char *created_by,
                          GDateTime  *updated_at,
                          const char *updated_by);

guint qrs_code_store_get_n_pages_from_end (QrsCodeStore *self);

G_END_DECLS
