/* qrs-code-store.h — codes in the database: create, read, update with a
 * conflict instead of a silent overwrite, delete, list, search, routes
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "qrs-code.h"
#include "qrs-database.h"

G_BEGIN_DECLS

typedef enum
{
  QRS_CODE_SORT_UPDATED,
  QRS_CODE_SORT_CREATED,
  QRS_CODE_SORT_TITLE,
  QRS_CODE_SORT_ID,
  QRS_CODE_SORT_SCANS,
  QRS_CODE_SORT_RELEVANCE,  /* best match first; newest first without a search */
} QrsCodeSort;

/* Which codes a library shows, and in which order: every field is a
 * condition, and an unset one (NULL, -1, no ids) lets every code through.
 * Search, filters and sort all run in SQL, so a list of 100,000 codes
 * is never filtered in memory. */
typedef struct
{
  char        *search;         /* words as typed into a search box, or NULL */
  int          kind;           /* a QrsCodeKind, or -1 for both */
  int          enabled;        /* 1, 0, or -1 for both */
  char        *tag;            /* codes carrying this tag, or NULL */
  QrsCodeSort  sort;
  gboolean     descending;
  GArray      *hidden_ids;     /* gint64 ids left out (deleted, undo pending), or NULL */
} QrsCodeQuery;

/* A code qrs_code_store_delete_many() kept because someone saved it
 * after it was read: who and when, for the person to be told as for one
 * code. */
typedef struct
{
  gint64     id;
  char      *updated_by;
  GDateTime *updated_at;       /* or NULL */
} QrsCodeKept;

/* One page of a query: the codes and, row for row, their scans (the
 * sum of their daily rollups, bots left out). */
typedef struct
{
  GPtrArray *codes;            /* QrsCode */
  GArray    *scans;            /* guint64, one per code */
} QrsCodePage;

/* What the redirect daemon needs to answer /r/{short_id}. */
typedef struct
{
  gint64     code_id;
  char      *short_id;
  char      *target_url;
  gboolean   enabled;
  GDateTime *expires_at;       /* NULL: never */
  gboolean   utm_passthrough;
  int        version;
} QrsRoute;

/* One line of a code's audit trail. */
typedef struct
{
  gint64     id;
  gint64     code_id;
  char      *short_id;
  char      *action;           /* "create", "update" or "delete" */
  GDateTime *happened_at;
  char      *actor;            /* the database role that made the change */
  char      *old_target_url;
  char      *new_target_url;
  int        old_enabled;      /* -1 when not recorded, else 0 or 1 */
  int        new_enabled;
  GDateTime *old_expires_at;
  GDateTime *new_expires_at;
} QrsCodeEvent;

#define QRS_SHORT_ID_LENGTH 8

/* How many matches a search counts and ranks; past this, the total only
 * says "more" and matches come newest first. */
#define QRS_CODE_SEARCH_COUNT_LIMIT 1000

#define QRS_TYPE_CODE_QUERY (qrs_code_query_get_type ())
#define QRS_TYPE_CODE_PAGE (qrs_code_page_get_type ())
#define QRS_TYPE_ROUTE (qrs_route_get_type ())
#define QRS_TYPE_CODE_EVENT (qrs_code_event_get_type ())
#define QRS_TYPE_CODE_STORE (qrs_code_store_get_type ())

G_DECLARE_FINAL_TYPE (QrsCodeStore, qrs_code_store, QRS, CODE_STORE, GObject)

GType          qrs_route_get_type                  (void) G_GNUC_CONST;
QrsRoute      *qrs_route_copy                      (const QrsRoute       *self);
void           qrs_route_free                      (QrsRoute             *self);
GType          qrs_code_event_get_type             (void) G_GNUC_CONST;
QrsCodeEvent  *qrs_code_event_copy                 (const QrsCodeEvent   *self);
void           qrs_code_event_free                 (QrsCodeEvent         *self);

GType          qrs_code_query_get_type             (void) G_GNUC_CONST;
QrsCodeQuery  *qrs_code_query_new                  (void);
QrsCodeQuery  *qrs_code_query_copy                 (const QrsCodeQuery   *self);
void           qrs_code_query_free                 (QrsCodeQuery         *self);
gboolean       qrs_code_query_equal                (const QrsCodeQuery   *a,
                                                    const QrsCodeQuery   *b);
GType          qrs_code_page_get_type              (void) G_GNUC_CONST;
QrsCodePage   *qrs_code_page_copy                  (const QrsCodePage    *self);
void           qrs_code_page_free                  (QrsCodePage          *self);

char          *qrs_code_store_generate_short_id    (GError              **error);

QrsCodeStore  *qrs_code_store_new                  (QrsDatabase          *database);
QrsDatabase   *qrs_code_store_get_database         (QrsCodeStore         *self);
const char    *qrs_code_store_get_short_url_base   (QrsCodeStore         *self);
void           qrs_code_store_set_short_url_base   (QrsCodeStore         *self,
                                                    const char           *short_url_base);

QrsCode       *qrs_code_store_create               (QrsCodeStore         *self,
                                                    QrsCode              *code,
                                                    GCancellable         *cancellable,
                                                    GError              **error);
void           qrs_code_store_create_async         (QrsCodeStore         *self,
                                                    QrsCode              *code,
                                                    GCancellable         *cancellable,
                                                    GAsyncReadyCallback   callback,
                                                    gpointer              user_data);
QrsCode       *qrs_code_store_create_finish        (QrsCodeStore         *self,
                                                    GAsyncResult         *result,
                                                    GError              **error);
QrsCode       *qrs_code_store_get                  (QrsCodeStore         *self,
                                                    gint64                id,
                                                    GCancellable         *cancellable,
                                                    GError              **error);
void           qrs_code_store_get_async            (QrsCodeStore         *self,
                                                    gint64                id,
                                                    GCancellable         *cancellable,
                                                    GAsyncReadyCallback   callback,
                                                    gpointer              user_data);
QrsCode       *qrs_code_store_get_finish           (QrsCodeStore         *self,
                                                    GAsyncResult         *result,
                                                    GError              **error);
QrsCode       *qrs_code_store_get_by_short_id      (QrsCodeStore         *self,
                                                    const char           *short_id,
                                                    GCancellable         *cancellable,
                                                    GError              **error);
void           qrs_code_store_get_by_short_id_async (QrsCodeStore        *self,
                                                    const char           *short_id,
                                                    GCancellable         *cancellable,
                                                    GAsyncReadyCallback   callback,
                                                    gpointer              user_data);
QrsCode       *qrs_code_store_get_by_short_id_finish (QrsCodeStore       *self,
                                                    GAsyncResult         *result,
                                                    GError              **error);
QrsCode       *qrs_code_store_update               (QrsCodeStore         *self,
                                                    QrsCode              *code,
                                                    GCancellable         *cancellable,
                                                    GError              **error);
void           qrs_code_store_update_async         (QrsCodeStore         *self,
                                                    QrsCode              *code,
                                                    GCancellable         *cancellable,
                                                    GAsyncReadyCallback   callback,
                                                    gpointer              user_data);
QrsCode       *qrs_code_store_update_finish        (QrsCodeStore         *self,
                                                    GAsyncResult         *result,
                                                    GError              **error);
gboolean       qrs_code_store_delete               (QrsCodeStore         *self,
                                                    gint64                id,
                                                    int                   version,
                                                    GCancellable         *cancellable,
                                                    GError              **error);
void           qrs_code_store_delete_async         (QrsCodeStore         *self,
                                                    gint64                id,
                                                    int                   version,
                                                    GCancellable         *cancellable,
                                                    GAsyncReadyCallback   callback,
                                                    gpointer              user_data);
gboolean       qrs_code_store_delete_finish        (QrsCodeStore         *self,
                                                    GAsyncResult         *result,
                                                    GError              **error);
gboolean       qrs_code_store_delete_many          (QrsCodeStore         *self,
                                                    const gint64         *ids,
                                                    const int            *versions,
                                                    guint                 n,
                                                    guint                *n_done,
                                                    GArray              **kept,
                                                    GCancellable         *cancellable,
                                                    GError              **error);
void           qrs_code_store_delete_many_async    (QrsCodeStore         *self,
                                                    const gint64         *ids,
                                                    const int            *versions,
                                                    guint                 n,
                                                    GCancellable         *cancellable,
                                                    GAsyncReadyCallback   callback,
                                                    gpointer              user_data);
gboolean       qrs_code_store_delete_many_finish   (QrsCodeStore         *self,
                                                    GAsyncResult         *result,
                                                    guint                *n_done,
                                                    GArray              **kept,
                                                    GError              **error);
GError        *qrs_code_kept_dup_error             (const QrsCodeKept    *kept);
GPtrArray     *qrs_code_store_list                 (QrsCodeStore         *self,
                                                    QrsCodeSort           sort,
                                                    gboolean              descending,
                                                    guint                 offset,
                                                    guint                 limit,
                                                    guint64              *total,
                                                    GCancellable         *cancellable,
                                                    GError              **error);
void           qrs_code_store_list_async           (QrsCodeStore         *self,
                                                    QrsCodeSort           sort,
                                                    gboolean              descending,
                                                    guint                 offset,
                                                    guint                 limit,
                                                    GCancellable         *cancellable,
                                                    GAsyncReadyCallback   callback,
                                                    gpointer              user_data);
GPtrArray     *qrs_code_store_list_finish          (QrsCodeStore         *self,
                                                    GAsyncResult         *result,
                                                    guint64              *total,
                                                    GError              **error);
GPtrArray     *qrs_code_store_search               (QrsCodeStore         *self,
                                                    const char           *query,
                                                    guint                 offset,
                                                    guint                 limit,
                                                    guint64              *total,
                                                    GCancellable         *cancellable,
                                                    GError              **error);
void           qrs_code_store_search_async         (QrsCodeStore         *self,
                                                    const char           *query,
                                                    guint                 offset,
                                                    guint                 limit,
                                                    GCancellable         *cancellable,
                                                    GAsyncReadyCallback   callback,
                                                    gpointer              user_data);
GPtrArray     *qrs_code_store_search_finish        (QrsCodeStore         *self,
                                                    GAsyncResult         *result,
                                                    guint64              *total,
                                                    GError              **error);
guint64        qrs_code_store_count                (QrsCodeStore         *self,
                                                    const QrsCodeQuery   *query,
                                                    GCancellable         *cancellable,
                                                    GError              **error);
void           qrs_code_store_count_async          (QrsCodeStore         *self,
                                                    const QrsCodeQuery   *query,
                                                    GCancellable         *cancellable,
                                                    GAsyncReadyCallback   callback,
                                                    gpointer              user_data);
gboolean       qrs_code_store_count_finish         (QrsCodeStore         *self,
                                                    GAsyncResult         *result,
                                                    guint64              *count,
                                                    GError              **error);
QrsCodePage   *qrs_code_store_list_page            (QrsCodeStore         *self,
                                                    const QrsCodeQuery   *query,
                                                    guint                 offset,
                                                    guint                 limit,
                                                    guint64               count,
                                                    GCancellable         *cancellable,
                                                    GError              **error);
void           qrs_code_store_list_page_async      (QrsCodeStore         *self,
                                                    const QrsCodeQuery   *query,
                                                    guint                 offset,
                                                    guint                 limit,
                                                    guint64               count,
                                                    GCancellable         *cancellable,
                                                    GAsyncReadyCallback   callback,
                                                    gpointer              user_data);
QrsCodePage   *qrs_code_store_list_page_finish     (QrsCodeStore         *self,
                                                    GAsyncResult         *result,
                                                    GError              **error);
GStrv          qrs_code_store_list_tags            (QrsCodeStore         *self,
                                                    GCancellable         *cancellable,
                                                    GError              **error);
void           qrs_code_store_list_tags_async      (QrsCodeStore         *self,
                                                    GCancellable         *cancellable,
                                                    GAsyncReadyCallback   callback,
                                                    gpointer              user_data);
GStrv          qrs_code_store_list_tags_finish     (QrsCodeStore         *self,
                                                    GAsyncResult         *result,
                                                    GError              **error);
QrsCode       *qrs_code_store_set_target           (QrsCodeStore         *self,
                                                    gint64                id,
                                                    const char           *target_url,
                                                    GCancellable         *cancellable,
                                                    GError              **error);
void           qrs_code_store_set_target_async     (QrsCodeStore         *self,
                                                    gint64                id,
                                                    const char           *target_url,
                                                    GCancellable         *cancellable,
                                                    GAsyncReadyCallback   callback,
                                                    gpointer              user_data);
QrsCode       *qrs_code_store_set_target_finish    (QrsCodeStore         *self,
                                                    GAsyncResult         *result,
                                                    GError              **error);
QrsCode       *qrs_code_store_set_enabled          (QrsCodeStore         *self,
                                                    gint64                id,
                                                    gboolean              enabled,
                                                    GCancellable         *cancellable,
                                                    GError              **error);
void           qrs_code_store_set_enabled_async    (QrsCodeStore         *self,
                                                    gint64                id,
                                                    gboolean              enabled,
                                                    GCancellable         *cancellable,
                                                    GAsyncReadyCallback   callback,
                                                    gpointer              user_data);
QrsCode       *qrs_code_store_set_enabled_finish   (QrsCodeStore         *self,
                                                    GAsyncResult         *result,
                                                    GError              **error);
QrsCode       *qrs_code_store_set_expires_at       (QrsCodeStore         *self,
                                                    gint64                id,
                                                    GDateTime            *expires_at,
                                                    GCancellable         *cancellable,
                                                    GError              **error);
void           qrs_code_store_set_expires_at_async (QrsCodeStore         *self,
                                                    gint64                id,
                                                    GDateTime            *expires_at,
                                                    GCancellable         *cancellable,
                                                    GAsyncReadyCallback   callback,
                                                    gpointer              user_data);
QrsCode       *qrs_code_store_set_expires_at_finish (QrsCodeStore        *self,
                                                    GAsyncResult         *result,
                                                    GError              **error);
GPtrArray     *qrs_code_store_list_events          (QrsCodeStore         *self,
                                                    gint64                code_id,
                                                    GCancellable         *cancellable,
                                                    GError              **error);
void           qrs_code_store_list_events_async    (QrsCodeStore         *self,
                                                    gint64                code_id,
                                                    GCancellable         *cancellable,
                                                    GAsyncReadyCallback   callback,
                                                    gpointer              user_data);
GPtrArray     *qrs_code_store_list_events_finish   (QrsCodeStore         *self,
                                                    GAsyncResult         *result,
                                                    GError              **error);

QrsRoute      *qrs_code_store_get_route            (QrsCodeStore         *self,
                                                    const char           *short_id,
                                                    GCancellable         *cancellable,
                                                    GError              **error);
GPtrArray     *qrs_code_store_list_routes          (QrsCodeStore         *self,
                                                    GCancellable         *cancellable,
                                                    GError              **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (QrsCodeQuery, qrs_code_query_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (QrsCodePage, qrs_code_page_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (QrsRoute, qrs_route_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (QrsCodeEvent, qrs_code_event_free)

G_END_DECLS
