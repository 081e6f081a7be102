/* qrs-code.h — one stored QR code: what it says, how it looks, where it
 * redirects, and who changed it when
 *
 * A QrsCode is a plain value: changing its properties changes nothing in
 * the database until it is given to qrs_code_store_create() or
 * qrs_code_store_update(), which hand back a fresh QrsCode as stored.
 * The payload and the design travel as JSON text (what qrs_payload_to_json()
 * and the design's JSON form produce), stored as jsonb.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

typedef enum
{
  QRS_CODE_KIND_STATIC,
  QRS_CODE_KIND_DYNAMIC,
} QrsCodeKind;

#define QRS_TYPE_CODE (qrs_code_get_type ())

G_DECLARE_FINAL_TYPE (QrsCode, qrs_code, QRS, CODE, GObject)

QrsCode            *qrs_code_new                 (QrsCodeKind   kind);
QrsCode            *qrs_code_copy                (QrsCode      *self);

gint64              qrs_code_get_id              (QrsCode      *self);
int                 qrs_code_get_version         (QrsCode      *self);
GDateTime          *qrs_code_get_created_at      (QrsCode      *self);
const char         *qrs_code_get_created_by      (QrsCode      *self);
GDateTime          *qrs_code_get_updated_at      (QrsCode      *self);
const char         *qrs_code_get_updated_by      (QrsCode      *self);

QrsCodeKind         qrs_code_get_kind            (QrsCode      *self);
void                qrs_code_set_kind            (QrsCode      *self,
                                                  QrsCodeKind   kind);
const char         *qrs_code_get_short_id        (QrsCode      *self);
void                qrs_code_set_short_id        (QrsCode      *self,
                                                  const char   *short_id);
const char         *qrs_code_get_payload_type    (QrsCode      *self);
void                qrs_code_set_payload_type    (QrsCode      *self,
                                                  const char   *payload_type);
const char         *qrs_code_get_payload         (QrsCode      *self);
void                qrs_code_set_payload         (QrsCode      *self,
                                                  const char   *payload_json);
const char         *qrs_code_get_encoded         (QrsCode      *self);
void                qrs_code_set_encoded         (QrsCode      *self,
                                                  const char   *encoded);
const char         *qrs_code_get_target_url      (QrsCode      *self);
void                qrs_code_set_target_url      (QrsCode      *self,
                                                  const char   *target_url);
const char         *qrs_code_get_design          (QrsCode      *self);
void                qrs_code_set_design          (QrsCode      *self,
                                                  const char   *design_json);
const char         *qrs_code_get_logo_sha256     (QrsCode      *self);
void                qrs_code_set_logo_sha256     (QrsCode      *self,
                                                  const char   *sha256);
const char         *qrs_code_get_title           (QrsCode      *self);
void                qrs_code_set_title           (QrsCode      *self,
                                                  const char   *title);
const char         *qrs_code_get_description     (QrsCode      *self);
void                qrs_code_set_description     (QrsCode      *self,
                                                  const char   *description);
const char * const *qrs_code_get_tags            (QrsCode      *self);
void                qrs_code_set_tags            (QrsCode      *self,
                                                  const char * const *tags);
gboolean            qrs_code_get_enabled         (QrsCode      *self);
void                qrs_code_set_enabled         (QrsCode      *self,
                                                  gboolean      enabled);
GDateTime          *qrs_code_get_expires_at      (QrsCode      *self);
void                qrs_code_set_expires_at      (QrsCode      *self,
                                                  GDateTime    *expires_at);
gboolean            qrs_code_get_utm_passthrough (QrsCode      *self);
void                qrs_code_set_utm_passthrough (QrsCode      *self,
                                                  gboolean      utm_passthrough);

const char         *qrs_code_kind_to_string      (QrsCodeKind   kind);
gboolean            qrs_code_kind_from_string    (const char   *str,
                                                  QrsCodeKind  *kind);

G_END_DECLS
