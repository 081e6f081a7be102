/* qrs-code-list.h — every code of the database as a list model, read a
 * page at a time as rows come into view
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "qrs-code-store.h"

G_BEGIN_DECLS

/* Rows read from the database at a time, and pages kept in memory. */
#define QRS_CODE_LIST_PAGE_SIZE 200
#define QRS_CODE_LIST_MAX_PAGES 20

#define QRS_TYPE_CODE_LIST (qrs_code_list_get_type ())

G_DECLARE_FINAL_TYPE (QrsCodeList, qrs_code_list, QRS, CODE_LIST, GObject)

QrsCodeList        *qrs_code_list_new              (QrsCodeStore        *store,
                                                    const QrsCodeQuery  *query);
QrsCodeStore       *qrs_code_list_get_store        (QrsCodeList         *self);
const QrsCodeQuery *qrs_code_list_get_query        (QrsCodeList         *self);
void                qrs_code_list_set_query        (QrsCodeList         *self,
                                                    const QrsCodeQuery  *query);
gboolean            qrs_code_list_get_loading      (QrsCodeList         *self);
guint               qrs_code_list_get_n_cached_pages (QrsCodeList       *self);
guint64             qrs_code_list_get_n_asked      (QrsCodeList         *self);
gboolean            qrs_code_list_get_filling      (QrsCodeList         *self);
void                qrs_code_list_reload           (QrsCodeList         *self);
void                qrs_code_list_reload_codes     (QrsCodeList         *self,
                                                    const gint64        *ids,
                                                    guint                n_ids);
gboolean            qrs_code_list_lookup_scans     (QrsCodeList         *self,
                                                    gint64               id,
                                                    guint64             *scans);
gboolean            qrs_code_list_find             (QrsCodeList         *self,
                                                    gint64               id,
                                                    guint               *position);
gboolean            qrs_code_list_item_is_placeholder (QrsCode          *code);
guint               qrs_code_list_page_of          (guint                position,
                                                    guint               *row);
guint               qrs_code_list_page_offset      (guint                page);

G_END_DECLS
