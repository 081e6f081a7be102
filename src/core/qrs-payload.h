/* qrs-payload.h — what a code says: URL, text, Wi-Fi, contact, event …
 *
 * A payload is a type and a set of named fields.  Fields hold UTF-8
 * strings; a few (a contact's phones and emails) hold several values.
 * qrs_payload_encode() validates every field and returns the text that
 * goes into the symbol.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

typedef enum
{
  QRS_PAYLOAD_TYPE_TEXT,
  QRS_PAYLOAD_TYPE_URL,
  QRS_PAYLOAD_TYPE_WIFI,
  QRS_PAYLOAD_TYPE_VCARD,
  QRS_PAYLOAD_TYPE_MECARD,
  QRS_PAYLOAD_TYPE_EMAIL,
  QRS_PAYLOAD_TYPE_PHONE,
  QRS_PAYLOAD_TYPE_SMS,
  QRS_PAYLOAD_TYPE_GEO,
  QRS_PAYLOAD_TYPE_EVENT,
} QrsPayloadType;

/* Describes one field of a payload type, for option parsers, CSV columns
 * and editor forms alike. */
typedef struct
{
  const char *name;        /* "ssid", "password", "phone" … */
  const char *label;       /* translatable, untranslated here: use _() on it */
  gboolean    required;
  gboolean    multiple;    /* may hold several values */
  /* A field that takes one of a few words: the words as written in the
   * payload, on the command line and in CSV files, and beside them the
   * labels a form shows for them (translatable, untranslated here), which
   * the messages use too.  NULL for free text. */
  const char * const *choices;
  const char * const *choice_labels;
} QrsPayloadField;

#define QRS_PAYLOAD_ERROR (qrs_payload_error_quark ())

typedef enum
{
  QRS_PAYLOAD_ERROR_MISSING_FIELD,
  QRS_PAYLOAD_ERROR_INVALID_FIELD,
  QRS_PAYLOAD_ERROR_UNKNOWN_FIELD,
  QRS_PAYLOAD_ERROR_UNKNOWN_TYPE,
} QrsPayloadError;

#define QRS_TYPE_PAYLOAD (qrs_payload_get_type ())

G_DECLARE_FINAL_TYPE (QrsPayload, qrs_payload, QRS, PAYLOAD, GObject)

GQuark                 qrs_payload_error_quark      (void);
QrsPayload            *qrs_payload_new              (QrsPayloadType   payload_type);
QrsPayload            *qrs_payload_copy             (QrsPayload      *self);
QrsPayloadType         qrs_payload_get_payload_type (QrsPayload      *self);
gboolean               qrs_payload_set              (QrsPayload      *self,
                                                     const char      *field,
                                                     const char      *value,
                                                     GError         **error);
gboolean               qrs_payload_add              (QrsPayload      *self,
                                                     const char      *field,
                                                     const char      *value,
                                                     GError         **error);
const char            *qrs_payload_get              (QrsPayload      *self,
                                                     const char      *field);
const char * const    *qrs_payload_get_all          (QrsPayload      *self,
                                                     const char      *field);
char                  *qrs_payload_encode           (QrsPayload      *self,
                                                     GError         **error);
JsonNode              *qrs_payload_to_json          (QrsPayload      *self);
QrsPayload            *qrs_payload_new_from_json    (JsonNode        *node,
                                                     GError         **error);

const char            *qrs_payload_type_to_string   (QrsPayloadType   payload_type);
gboolean               qrs_payload_type_from_string (const char      *str,
                                                     QrsPayloadType  *payload_type);
const QrsPayloadField *qrs_payload_type_get_fields  (QrsPayloadType   payload_type,
                                                     guint           *n_fields);
const char            *qrs_payload_field_get_choice_label (const QrsPayloadField *field,
                                                     const char      *choice);

G_END_DECLS
