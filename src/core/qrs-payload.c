/* qrs-payload.c — what a code says: URL, text, Wi-Fi, contact, event …
 *
 * Each payload type is a table of fields and an encoder.  Setting a field
 * checks only that the name exists and the text is UTF-8, so an editor can
 * hold half-typed input; qrs_payload_encode() is where every field is
 * judged, in table order, and the first bad one is reported by its label
 * (“Network name (SSID)”), the words a form shows; the command line adds
 * its option names to them (qrs_cli_payload_explain_error()).
 *
 * An event's start and end are a date (all day), or a date and time with
 * an offset from UTC, or a date and time without one, taken as the time
 * on this computer's clock (GLib's local time zone); the VEVENT always
 * says them in UTC.
 *
 * Free text (names, notes, SSIDs, passwords) is encoded exactly as given;
 * structured values (addresses, numbers, dates, choices) are trimmed of
 * surrounding ASCII white space first, because a stray space from a copy
 * or a spreadsheet cell never means anything there.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include <glib/gi18n-lib.h>

#include "qrs-core-enums.h"
#include "qrs-payload.h"

/* What the database will hold for a URL, and what every reader copes with. */
#define URL_MAX_LENGTH 2048

/* IEEE 802.11: an SSID is at most 32 octets. */
#define SSID_MAX_LENGTH 32

/* Messages name a field as the form labels it, in the reader's language:
 * the field's name is an identifier for the command line and CSV files. */
#define FIELD_LABEL(field) (_((field)->label))

struct _QrsPayload
{
  GObject         parent_instance;

  QrsPayloadType  payload_type;
  GPtrArray     **values;        /* one NULL-terminated array per field, NULL when empty */
};

enum {
  PROP_0,
  PROP_PAYLOAD_TYPE,
  N_PROPS
};

enum {
  CHANGED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (QrsPayload, qrs_payload, G_TYPE_OBJECT)
G_DEFINE_QUARK (qrs-payload-error-quark, qrs_payload_error)

/* The field tables.  Names are lowercase and hyphenated because the CLI
 * turns them into options (--wifi-ssid) and the batch import into CSV
 * columns; the index enums let the encoders name fields without lookups.
 * Every table ends with an entry whose name is NULL. */

enum { TEXT_TEXT, N_TEXT_FIELDS };
static const QrsPayloadField text_fields[] = {
  [TEXT_TEXT] = { "text", N_("Text"), TRUE, FALSE },
  { NULL },
};

enum { URL_URL, N_URL_FIELDS };
static const QrsPayloadField url_fields[] = {
  [URL_URL] = { "url", N_("Web address"), TRUE, FALSE },
  { NULL },
};

static const char * const wifi_auth_choices[] = { "WPA", "WEP", "nopass", NULL };
static const char * const wifi_auth_labels[] = {
  N_("WPA, WPA2 or WPA3"), N_("WEP"), N_("None (open network)"), NULL
};

enum { WIFI_SSID, WIFI_PASSWORD, WIFI_AUTH, WIFI_HIDDEN, N_WIFI_FIELDS };
static const QrsPayloadField wifi_fields[] = {
  [WIFI_SSID]     = { "ssid",     N_("Network name (SSID)"),             TRUE,  FALSE },
  [WIFI_PASSWORD] = { "password", N_("Password"),                        FALSE, FALSE },
  [WIFI_AUTH]     = { "auth",     N_("Security"),                        FALSE, FALSE,
                      wifi_auth_choices, wifi_auth_labels },
  [WIFI_HIDDEN]   = { "hidden",   N_("Hidden network"),                  FALSE, FALSE },
  { NULL },
};

enum {
  VCARD_NAME, VCARD_FAMILY_NAME, VCARD_GIVEN_NAME, VCARD_ORG, VCARD_TITLE,
  VCARD_PHONE, VCARD_EMAIL, VCARD_URL, VCARD_STREET, VCARD_CITY,
  VCARD_REGION, VCARD_POSTCODE, VCARD_COUNTRY, VCARD_BIRTHDAY, VCARD_NOTE,
  N_VCARD_FIELDS
};
static const QrsPayloadField vcard_fields[] = {
  [VCARD_NAME]        = { "name",        N_("Full name"),       TRUE,  FALSE },
  [VCARD_FAMILY_NAME] = { "family-name", N_("Family name"),     FALSE, FALSE },
  [VCARD_GIVEN_NAME]  = { "given-name",  N_("Given name"),      FALSE, FALSE },
  [VCARD_ORG]         = { "org",         N_("Organization"),    FALSE, FALSE },
  [VCARD_TITLE]       = { "title",       N_("Job title"),       FALSE, FALSE },
  [VCARD_PHONE]       = { "phone",       N_("Phone"),           FALSE, TRUE  },
  [VCARD_EMAIL]       = { "email",       N_("Email"),           FALSE, TRUE  },
  [VCARD_URL]         = { "url",         N_("Website"),         FALSE, FALSE },
  [VCARD_STREET]      = { "street",      N_("Street"),          FALSE, FALSE },
  [VCARD_CITY]        = { "city",        N_("City"),            FALSE, FALSE },
  [VCARD_REGION]      = { "region",      N_("Region or state"), FALSE, FALSE },
  [VCARD_POSTCODE]    = { "postcode",    N_("Postal code"),     FALSE, FALSE },
  [VCARD_COUNTRY]     = { "country",     N_("Country"),         FALSE, FALSE },
  [VCARD_BIRTHDAY]    = { "birthday",    N_("Birthday"),        FALSE, FALSE },
  [VCARD_NOTE]        = { "note",        N_("Note"),            FALSE, FALSE },
  { NULL },
};

enum {
  MECARD_NAME, MECARD_PHONE, MECARD_EMAIL, MECARD_URL, MECARD_ADDRESS,
  MECARD_BIRTHDAY, MECARD_NOTE, N_MECARD_FIELDS
};
static const QrsPayloadField mecard_fields[] = {
  [MECARD_NAME]     = { "name",     N_("Name"),     TRUE,  FALSE },
  [MECARD_PHONE]    = { "phone",    N_("Phone"),    FALSE, TRUE  },
  [MECARD_EMAIL]    = { "email",    N_("Email"),    FALSE, TRUE  },
  [MECARD_URL]      = { "url",      N_("Website"),  FALSE, FALSE },
  [MECARD_ADDRESS]  = { "address",  N_("Address"),  FALSE, FALSE },
  [MECARD_BIRTHDAY] = { "birthday", N_("Birthday"), FALSE, FALSE },
  [MECARD_NOTE]     = { "note",     N_("Note"),     FALSE, FALSE },
  { NULL },
};

enum { EMAIL_TO, EMAIL_SUBJECT, EMAIL_BODY, EMAIL_CC, EMAIL_BCC, N_EMAIL_FIELDS };
static const QrsPayloadField email_fields[] = {
  [EMAIL_TO]      = { "to",      N_("To"),      TRUE,  TRUE  },
  [EMAIL_SUBJECT] = { "subject", N_("Subject"), FALSE, FALSE },
  [EMAIL_BODY]    = { "body",    N_("Message"), FALSE, FALSE },
  [EMAIL_CC]      = { "cc",      N_("Cc"),      FALSE, TRUE  },
  [EMAIL_BCC]     = { "bcc",     N_("Bcc"),     FALSE, TRUE  },
  { NULL },
};

enum { PHONE_NUMBER, N_PHONE_FIELDS };
static const QrsPayloadField phone_fields[] = {
  [PHONE_NUMBER] = { "number", N_("Phone number"), TRUE, FALSE },
  { NULL },
};

enum { SMS_NUMBER, SMS_MESSAGE, N_SMS_FIELDS };
static const QrsPayloadField sms_fields[] = {
  [SMS_NUMBER]  = { "number",  N_("Phone number"), TRUE,  FALSE },
  [SMS_MESSAGE] = { "message", N_("Message"),      FALSE, FALSE },
  { NULL },
};

enum { GEO_LATITUDE, GEO_LONGITUDE, GEO_ALTITUDE, N_GEO_FIELDS };
static const QrsPayloadField geo_fields[] = {
  [GEO_LATITUDE]  = { "latitude",  N_("Latitude"),            TRUE,  FALSE },
  [GEO_LONGITUDE] = { "longitude", N_("Longitude"),           TRUE,  FALSE },
  [GEO_ALTITUDE]  = { "altitude",  N_("Altitude in metres"),  FALSE, FALSE },
  { NULL },
};

enum {
  EVENT_SUMMARY, EVENT_START, EVENT_END, EVENT_LOCATION, EVENT_DESCRIPTION,
  EVENT_ALL_DAY, N_EVENT_FIELDS
};
static const QrsPayloadField event_fields[] = {
  [EVENT_SUMMARY]     = { "summary",     N_("Title"),       TRUE,  FALSE },
  [EVENT_START]       = { "start",       N_("Start"),       TRUE,  FALSE },
  [EVENT_END]         = { "end",         N_("End"),         FALSE, FALSE },
  [EVENT_LOCATION]    = { "location",    N_("Location"),    FALSE, FALSE },
  [EVENT_DESCRIPTION] = { "description", N_("Description"), FALSE, FALSE },
  [EVENT_ALL_DAY]     = { "all-day",     N_("All day"),     FALSE, FALSE },
  { NULL },
};

G_STATIC_ASSERT (G_N_ELEMENTS (text_fields) == N_TEXT_FIELDS + 1);
G_STATIC_ASSERT (G_N_ELEMENTS (url_fields) == N_URL_FIELDS + 1);
G_STATIC_ASSERT (G_N_ELEMENTS (wifi_fields) == N_WIFI_FIELDS + 1);
G_STATIC_ASSERT (G_N_ELEMENTS (vcard_fields) == N_VCARD_FIELDS + 1);
G_STATIC_ASSERT (G_N_ELEMENTS (mecard_fields) == N_MECARD_FIELDS + 1);
G_STATIC_ASSERT (G_N_ELEMENTS (email_fields) == N_EMAIL_FIELDS + 1);
G_STATIC_ASSERT (G_N_ELEMENTS (phone_fields) == N_PHONE_FIELDS + 1);
G_STATIC_ASSERT (G_N_ELEMENTS (sms_fields) == N_SMS_FIELDS + 1);
G_STATIC_ASSERT (G_N_ELEMENTS (geo_fields) == N_GEO_FIELDS + 1);
G_STATIC_ASSERT (G_N_ELEMENTS (event_fields) == N_EVENT_FIELDS + 1);

typedef char *(*EncodeFunc) (QrsPayload  *self,
                             GError     **error);

static char *encode_text   (QrsPayload *self, GError **error);
static char *encode_url    (QrsPayload *self, GError **error);
static char *encode_wifi   (QrsPayload *self, GError **error);
static char *encode_vcard  (QrsPayload *self, GError **error);
static char *encode_mecard (QrsPayload *self, GError **error);
static char *encode_email  (QrsPayload *self, GError **error);
static char *encode_phone  (QrsPayload *self, GError **error);
static char *encode_sms    (QrsPayload *self, GError **error);
static char *encode_geo    (QrsPayload *self, GError **error);
static char *encode_event  (QrsPayload *self, GError **error);

typedef struct
{
  const char            *name;
  const QrsPayloadField *fields;
  guint                  n_fields;
  EncodeFunc             encode;
} TypeInfo;

static const TypeInfo type_infos[] = {
  [QRS_PAYLOAD_TYPE_TEXT]   = { "text",   text_fields,   N_TEXT_FIELDS,   encode_text   },
  [QRS_PAYLOAD_TYPE_URL]    = { "url",    url_fields,    N_URL_FIELDS,    encode_url    },
  [QRS_PAYLOAD_TYPE_WIFI]   = { "wifi",   wifi_fields,   N_WIFI_FIELDS,   encode_wifi   },
  [QRS_PAYLOAD_TYPE_VCARD]  = { "vcard",  vcard_fields,  N_VCARD_FIELDS,  encode_vcard  },
  [QRS_PAYLOAD_TYPE_MECARD] = { "mecard", mecard_fields, N_MECARD_FIELDS, encode_mecard },
  [QRS_PAYLOAD_TYPE_EMAIL]  = { "email",  email_fields,  N_EMAIL_FIELDS,  encode_email  },
  [QRS_PAYLOAD_TYPE_PHONE]  = { "phone",  phone_fields,  N_PHONE_FIELDS,  encode_phone  },
  [QRS_PAYLOAD_TYPE_SMS]    = { "sms",    sms_fields,    N_SMS_FIELDS,    encode_sms    },
  [QRS_PAYLOAD_TYPE_GEO]    = { "geo",    geo_fields,    N_GEO_FIELDS,    encode_geo    },
  [QRS_PAYLOAD_TYPE_EVENT]  = { "event",  event_fields,  N_EVENT_FIELDS,  encode_event  },
};

G_STATIC_ASSERT (G_N_ELEMENTS (type_infos) == QRS_PAYLOAD_TYPE_EVENT + 1);

static inline const TypeInfo *
get_info (QrsPayload *self)
{
  return &type_infos[self->payload_type];
}

static inline const QrsPayloadField *
get_field (QrsPayload *self,
           guint       idx)
{
  g_assert (idx < get_info (self)->n_fields);

  return &get_info (self)->fields[idx];
}

static GPtrArray *
new_value_array (void)
{
  return g_ptr_array_new_null_terminated (1, g_free, TRUE);
}

/* GObject */

static void
qrs_payload_constructed (GObject *object)
{
  QrsPayload *self = (QrsPayload *)object;

  G_OBJECT_CLASS (qrs_payload_parent_class)->constructed (object);

  self->values = g_new0 (GPtrArray *, get_info (self)->n_fields);
}

static void
qrs_payload_finalize (GObject *object)
{
  QrsPayload *self = (QrsPayload *)object;

  for (guint i = 0; i < get_info (self)->n_fields; i++)
    g_clear_pointer (&self->values[i], g_ptr_array_unref);
  g_clear_pointer (&self->values, g_free);

  G_OBJECT_CLASS (qrs_payload_parent_class)->finalize (object);
}

static void
qrs_payload_get_property (GObject    *object,
                          guint       prop_id,
                          GValue     *value,
                          GParamSpec *pspec)
{
  QrsPayload *self = QRS_PAYLOAD (object);

  switch (prop_id)
    {
    case PROP_PAYLOAD_TYPE:
      g_value_set_enum (value, self->payload_type);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
qrs_payload_set_property (GObject      *object,
                          guint         prop_id,
                          const GValue *value,
                          GParamSpec   *pspec)
{
  QrsPayload *self = QRS_PAYLOAD (object);

  switch (prop_id)
    {
    case PROP_PAYLOAD_TYPE:
      self->payload_type = g_value_get_enum (value);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
qrs_payload_class_init (QrsPayloadClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->constructed = qrs_payload_constructed;
  object_class->finalize = qrs_payload_finalize;
  object_class->get_property = qrs_payload_get_property;
  object_class->set_property = qrs_payload_set_property;

  /**
   * QrsPayload:payload-type:
   *
   * What kind of content the payload is; fixed at construction, because
   * the fields belong to the type.
   */
  properties[PROP_PAYLOAD_TYPE] =
    g_param_spec_enum ("payload-type", NULL, NULL,
                       QRS_TYPE_PAYLOAD_TYPE,
                       QRS_PAYLOAD_TYPE_TEXT,
                       (G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS));

  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * QrsPayload::changed:
   *
   * Emitted after qrs_payload_set() or qrs_payload_add() changed a field,
   * so an editor knows to encode and render again.
   */
  signals[CHANGED] =
    g_signal_new ("changed",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 0);
}

static void
qrs_payload_init (QrsPayload *self)
{
}

/**
 * qrs_payload_new:
 * @payload_type: what the code will say
 *
 * Returns: (transfer full): an empty payload of that type
 */
QrsPayload *
qrs_payload_new (QrsPayloadType payload_type)
{
  g_return_val_if_fail (payload_type <= QRS_PAYLOAD_TYPE_EVENT, NULL);

  return g_object_new (QRS_TYPE_PAYLOAD,
                       "payload-type", payload_type,
                       NULL);
}

/**
 * qrs_payload_copy:
 *
 * Returns: (transfer full): a payload of the same type with the same values
 */
QrsPayload *
qrs_payload_copy (QrsPayload *self)
{
  QrsPayload *copy;

  g_return_val_if_fail (QRS_IS_PAYLOAD (self), NULL);

  copy = qrs_payload_new (self->payload_type);

  for (guint i = 0; i < get_info (self)->n_fields; i++)
    for (guint j = 0; self->values[i] != NULL && j < self->values[i]->len; j++)
      {
        if (copy->values[i] == NULL)
          copy->values[i] = new_value_array ();
        g_ptr_array_add (copy->values[i], g_strdup (g_ptr_array_index (self->values[i], j)));
      }

  return copy;
}

QrsPayloadType
qrs_payload_get_payload_type (QrsPayload *self)
{
  g_return_val_if_fail (QRS_IS_PAYLOAD (self), QRS_PAYLOAD_TYPE_TEXT);

  return self->payload_type;
}

/* Field access */

static int
find_field (QrsPayloadType  payload_type,
            const char     *name)
{
  const TypeInfo *info = &type_infos[payload_type];

  for (guint i = 0; i < info->n_fields; i++)
    if (strcmp (info->fields[i].name, name) == 0)
      return i;

  return -1;
}

static char *
list_field_names (QrsPayloadType payload_type)
{
  const TypeInfo *info = &type_infos[payload_type];
  g_autoptr(GString) names = g_string_new (NULL);

  for (guint i = 0; i < info->n_fields; i++)
    {
      if (i > 0)
        g_string_append (names, ", ");
      g_string_append (names, info->fields[i].name);
    }

  return g_string_free (g_steal_pointer (&names), FALSE);
}

static int
lookup_field (QrsPayload  *self,
              const char  *name,
              GError     **error)
{
  int idx = find_field (self->payload_type, name);

  if (idx < 0)
    {
      g_autofree char *valid = list_field_names (self->payload_type);
      g_autofree char *shown = g_utf8_make_valid (name, -1);

      g_set_error (error, QRS_PAYLOAD_ERROR, QRS_PAYLOAD_ERROR_UNKNOWN_FIELD,
                   _("“%s” is not a field of %s codes: use one of %s."),
                   shown, get_info (self)->name, valid);
    }

  return idx;
}

static gboolean
check_utf8 (const QrsPayloadField  *field,
            const char             *value,
            GError                **error)
{
  if (!g_utf8_validate (value, -1, NULL))
    {
      g_set_error (error, QRS_PAYLOAD_ERROR, QRS_PAYLOAD_ERROR_INVALID_FIELD,
                   _("The “%s” field is not valid UTF-8 text: check the character encoding of the file or program it came from."),
                   FIELD_LABEL (field));
      return FALSE;
    }

  return TRUE;
}

/**
 * qrs_payload_set:
 * @self: a #QrsPayload
 * @field: a field name from qrs_payload_type_get_fields()
 * @value: (nullable): the new value; %NULL or "" clears the field
 * @error: a #GError
 *
 * Replaces every value of @field with @value.  Only the field name and
 * UTF-8 are checked here, so half-typed input can be held; the rest is
 * judged by qrs_payload_encode().
 *
 * Returns: %TRUE, or %FALSE with @error set for an unknown field
 *   (%QRS_PAYLOAD_ERROR_UNKNOWN_FIELD) or invalid UTF-8
 *   (%QRS_PAYLOAD_ERROR_INVALID_FIELD)
 */
gboolean
qrs_payload_set (QrsPayload  *self,
                 const char  *field,
                 const char  *value,
                 GError     **error)
{
  GPtrArray *values;
  int idx;

  g_return_val_if_fail (QRS_IS_PAYLOAD (self), FALSE);
  g_return_val_if_fail (field != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if ((idx = lookup_field (self, field, error)) < 0)
    return FALSE;

  if (value == NULL || value[0] == '\0')
    {
      if (self->values[idx] == NULL)
        return TRUE;

      g_clear_pointer (&self->values[idx], g_ptr_array_unref);
      g_signal_emit (self, signals[CHANGED], 0);
      return TRUE;
    }

  if (!check_utf8 (get_field (self, idx), value, error))
    return FALSE;

  values = self->values[idx];
  if (values != NULL && values->len == 1 && strcmp (g_ptr_array_index (values, 0), value) == 0)
    return TRUE;

  values = new_value_array ();
  g_ptr_array_add (values, g_strdup (value));
  g_clear_pointer (&self->values[idx], g_ptr_array_unref);
  self->values[idx] = values;

  g_signal_emit (self, signals[CHANGED], 0);

  return TRUE;
}

/**
 * qrs_payload_add:
 * @self: a #QrsPayload
 * @field: the name of a field that holds several values
 * @value: the value to append; "" is ignored
 * @error: a #GError
 *
 * Appends @value to @field, which must be a `multiple` field (a contact's
 * phones and emails, an email's recipients).
 *
 * Returns: %TRUE, or %FALSE with @error set
 */
gboolean
qrs_payload_add (QrsPayload  *self,
                 const char  *field,
                 const char  *value,
                 GError     **error)
{
  const QrsPayloadField *spec;
  int idx;

  g_return_val_if_fail (QRS_IS_PAYLOAD (self), FALSE);
  g_return_val_if_fail (field != NULL, FALSE);
  g_return_val_if_fail (value != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if ((idx = lookup_field (self, field, error)) < 0)
    return FALSE;

  spec = get_field (self, idx);

  if (!spec->multiple)
    {
      g_set_error (error, QRS_PAYLOAD_ERROR, QRS_PAYLOAD_ERROR_INVALID_FIELD,
                   _("The “%s” field holds a single value: replace it instead of adding another."),
                   FIELD_LABEL (spec));
      return FALSE;
    }

  /* An empty cell in a batch row is not a value. */
  if (value[0] == '\0')
    return TRUE;

  if (!check_utf8 (spec, value, error))
    return FALSE;

  if (self->values[idx] == NULL)
    self->values[idx] = new_value_array ();
  g_ptr_array_add (self->values[idx], g_strdup (value));

  g_signal_emit (self, signals[CHANGED], 0);

  return TRUE;
}

/**
 * qrs_payload_get:
 * @self: a #QrsPayload
 * @field: a field name of the payload's type
 *
 * Returns: (nullable): the field's value, its first one for a field with
 *   several, or %NULL when it is empty
 */
const char *
qrs_payload_get (QrsPayload *self,
                 const char *field)
{
  int idx;

  g_return_val_if_fail (QRS_IS_PAYLOAD (self), NULL);
  g_return_val_if_fail (field != NULL, NULL);

  idx = find_field (self->payload_type, field);
  g_return_val_if_fail (idx >= 0, NULL);

  if (self->values[idx] == NULL)
    return NULL;

  return g_ptr_array_index (self->values[idx], 0);
}

/**
 * qrs_payload_get_all:
 * @self: a #QrsPayload
 * @field: a field name of the payload's type
 *
 * Returns: (nullable) (array zero-terminated=1) (transfer none): every
 *   value of the field, or %NULL when it is empty; valid until the field
 *   next changes
 */
const char * const *
qrs_payload_get_all (QrsPayload *self,
                     const char *field)
{
  int idx;

  g_return_val_if_fail (QRS_IS_PAYLOAD (self), NULL);
  g_return_val_if_fail (field != NULL, NULL);

  idx = find_field (self->payload_type, field);
  g_return_val_if_fail (idx >= 0, NULL);

  if (self->values[idx] == NULL)
    return NULL;

  return (const char * const *)self->values[idx]->pdata;
}

/* Reading and checking field values for the encoders */

typedef enum
{
  TEXT_LINE,      /* one line: no line breaks, no control characters */
  TEXT_LINES,     /* line breaks (made \n) and tabs allowed */
  TEXT_ANY,       /* any UTF-8 at all: plain-text codes */
} TextKind;

static gboolean
is_blank (const char *text)
{
  for (const char *p = text; *p; p = g_utf8_next_char (p))
    if (!g_unichar_isspace (g_utf8_get_char (p)))
      return FALSE;

  return TRUE;
}

static void
set_missing_error (QrsPayload             *self,
                   const QrsPayloadField  *field,
                   GError                **error)
{
  g_set_error (error, QRS_PAYLOAD_ERROR, QRS_PAYLOAD_ERROR_MISSING_FIELD,
               _("The “%s” field is required: fill it in."),
               FIELD_LABEL (field));
}

/* Returns the value, trimmed if asked and with line breaks made \n, or
 * NULL with @error set. */
static char *
check_text (const QrsPayloadField  *field,
            const char             *value,
            TextKind                kind,
            gboolean                trim,
            GError                **error)
{
  g_autoptr(GString) out = NULL;
  const char *start = value;
  const char *end = value + strlen (value);

  if (trim)
    {
      while (start < end && g_ascii_isspace (*start))
        start++;
      while (end > start && g_ascii_isspace (end[-1]))
        end--;
    }

  out = g_string_sized_new (end - start);

  if (kind == TEXT_ANY)
    {
      g_string_append_len (out, start, end - start);
      return g_string_free (g_steal_pointer (&out), FALSE);
    }

  for (const char *p = start; p < end; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (c == '\r' || c == '\n' || c == 0x2028 || c == 0x2029)
        {
          if (kind == TEXT_LINE)
            {
              g_set_error (error, QRS_PAYLOAD_ERROR, QRS_PAYLOAD_ERROR_INVALID_FIELD,
                           _("The “%s” field must be a single line: remove the line break."),
                           FIELD_LABEL (field));
              return NULL;
            }

          if (c == '\r' && p + 1 < end && p[1] == '\n')
            p++;
          g_string_append_c (out, '\n');
          continue;
        }

      if (c == '\t' && kind == TEXT_LINES)
        {
          g_string_append_c (out, '\t');
          continue;
        }

      if (g_unichar_iscntrl (c))
        {
          g_set_error (error, QRS_PAYLOAD_ERROR, QRS_PAYLOAD_ERROR_INVALID_FIELD,
                       _("The “%s” field contains a control character (U+%04X): remove it."),
                       FIELD_LABEL (field), c);
          return NULL;
        }

      g_string_append_len (out, p, g_utf8_next_char (p) - p);
    }

  return g_string_free (g_steal_pointer (&out), FALSE);
}

/* Reads a single-valued field.  *out is NULL when the field is empty (or
 * blank after trimming) and not required. */
static gboolean
field_text (QrsPayload  *self,
            guint        idx,
            TextKind     kind,
            gboolean     trim,
            char       **out,
            GError     **error)
{
  const QrsPayloadField *field = get_field (self, idx);
  g_autofree char *text = NULL;

  g_assert (!field->multiple);

  *out = NULL;

  if (self->values[idx] != NULL)
    {
      text = check_text (field, g_ptr_array_index (self->values[idx], 0), kind, trim, error);
      if (text == NULL)
        return FALSE;
    }

  if (text == NULL || text[0] == '\0' || (field->required && is_blank (text)))
    {
      if (field->required)
        {
          set_missing_error (self, field, error);
          return FALSE;
        }
      return TRUE;
    }

  *out = g_steal_pointer (&text);

  return TRUE;
}

/* Reads every value of a multiple field, leaving out empty ones. */
static GPtrArray *
field_texts (QrsPayload  *self,
             guint        idx,
             TextKind     kind,
             gboolean     trim,
             GError     **error)
{
  const QrsPayloadField *field = get_field (self, idx);
  g_autoptr(GPtrArray) texts = g_ptr_array_new_with_free_func (g_free);

  g_assert (field->multiple);

  for (guint i = 0; self->values[idx] != NULL && i < self->values[idx]->len; i++)
    {
      char *text = check_text (field, g_ptr_array_index (self->values[idx], i), kind, trim, error);

      if (text == NULL)
        return NULL;

      if (is_blank (text))
        g_free (text);
      else
        g_ptr_array_add (texts, text);
    }

  if (texts->len == 0 && field->required)
    {
      set_missing_error (self, field, error);
      return NULL;
    }

  return g_steal_pointer (&texts);
}

static gboolean
field_bool (QrsPayload  *self,
            guint        idx,
            gboolean    *is_set,
            gboolean    *out,
            GError     **error)
{
  static const char * const yes[] = { "true", "yes", "1", "on" };
  static const char * const no[] = { "false", "no", "0", "off" };
  g_autofree char *text = NULL;

  *out = FALSE;
  *is_set = FALSE;

  if (!field_text (self, idx, TEXT_LINE, TRUE, &text, error))
    return FALSE;

  if (text == NULL)
    return TRUE;

  for (guint i = 0; i < G_N_ELEMENTS (yes); i++)
    {
      if (g_ascii_strcasecmp (text, yes[i]) == 0)
        {
          *out = *is_set = TRUE;
          return TRUE;
        }
      if (g_ascii_strcasecmp (text, no[i]) == 0)
        {
          *is_set = TRUE;
          return TRUE;
        }
    }

  g_set_error (error, QRS_PAYLOAD_ERROR, QRS_PAYLOAD_ERROR_INVALID_FIELD,
               _("The “%s” field holds “%s”: write true or false (yes/no and 1/0 work too)."),
               FIELD_LABEL (get_field (self, idx)), text);

  return FALSE;
}

/* Phone numbers: digits with an optional leading +, and the spaces,
 * dashes, dots and parentheses people write between them.  Returns the
 * digits and the +, or NULL with @error set. */
static char *
normalize_phone (const QrsPayloadField  *field,
                 const char             *text,
                 GError                **error)
{
  g_autoptr(GString) number = g_string_new (NULL);
  gboolean international = FALSE;
  guint n_digits = 0;
  guint max_digits;

  for (const char *p = text; *p; p++)
    {
      if (g_ascii_isdigit (*p))
        {
          g_string_append_c (number, *p);
          n_digits++;
        }
      else if (*p == '+' && number->len == 0)
        {
          g_string_append_c (number, '+');
          international = TRUE;
        }
      else if (strchr (" -.()", *p) == NULL)
        {
          g_set_error (error, QRS_PAYLOAD_ERROR, QRS_PAYLOAD_ERROR_INVALID_FIELD,
                       _("The “%s” field holds “%s”, which is not a phone number: use digits, an optional leading +, and spaces, dashes, dots or parentheses between them."),
                       FIELD_LABEL (field), text);
          return NULL;
        }
    }

  /* E.164 allows 15 digits after the +; dialled with an international
   * prefix such as 00 instead, two more. */
  max_digits = international ? 15 : 17;

  if (n_digits < 3 || n_digits > max_digits)
    {
      g_set_error (error, QRS_PAYLOAD_ERROR, QRS_PAYLOAD_ERROR_INVALID_FIELD,
                   g_dngettext (GETTEXT_PACKAGE,
                                "The “%s” field holds “%s”, which has %u digit: a phone number has 3 to %u.",
                                "The “%s” field holds “%s”, which has %u digits: a phone number has 3 to %u.",
                                n_digits),
                   FIELD_LABEL (field), text, n_digits, max_digits);
      return NULL;
    }

  return g_string_free (g_steal_pointer (&number), FALSE);
}

static gboolean
is_atext (char c)
{
  return g_ascii_isalnum (c) || strchr ("!#$%&'*+/=?^_`{|}~-", c) != NULL;
}

static gboolean
is_valid_domain (const char *domain)
{
  g_auto(GStrv) labels = g_strsplit (domain, ".", -1);
  guint n = g_strv_length (labels);

  if (n < 2 || strlen (domain) > 253)
    return FALSE;

  for (guint i = 0; i < n; i++)
    {
      const char *label = labels[i];
      gsize len = strlen (label);

      if (len == 0 || len > 63 || label[0] == '-' || label[len - 1] == '-')
        return FALSE;

      /* Bytes above 0x7F belong to internationalised names. */
      for (const char *p = label; *p; p++)
        if (!g_ascii_isalnum (*p) && *p != '-' && !((guchar)*p & 0x80))
          return FALSE;
    }

  return TRUE;
}

/* A plain addr-spec, as people type them: no display names, comments,
 * quoted local parts or address literals.  Non-ASCII (RFC 6531) is let
 * through. */
static gboolean
check_email_address (const QrsPayloadField  *field,
                     const char             *address,
                     GError                **error)
{
  const char *at = strchr (address, '@');
  gsize local_len;
  gboolean valid = TRUE;

  if (strpbrk (address, ",;") != NULL && at != NULL)
    {
      g_set_error (error, QRS_PAYLOAD_ERROR, QRS_PAYLOAD_ERROR_INVALID_FIELD,
                   _("The “%s” field holds “%s”, which looks like several addresses: give each address as a value of its own."),
                   FIELD_LABEL (field), address);
      return FALSE;
    }

  if (at == NULL || strchr (at + 1, '@') != NULL || strlen (address) > 254)
    valid = FALSE;
  else
    {
      local_len = at - address;

      if (local_len == 0 || local_len > 64 || address[0] == '.' || at[-1] == '.')
        valid = FALSE;

      for (const char *p = address; valid && p < at; p++)
        if (!is_atext (*p) && !((guchar)*p & 0x80) && !(*p == '.' && p[1] != '.'))
          valid = FALSE;

      if (valid)
        valid = is_valid_domain (at + 1);
    }

  if (!valid)
    {
      g_set_error (error, QRS_PAYLOAD_ERROR, QRS_PAYLOAD_ERROR_INVALID_FIELD,
                   _("The “%s” field holds “%s”, which is not an email address: write just the address, like name@example.com."),
                   FIELD_LABEL (field), address);
      return FALSE;
    }

  return TRUE;
}

static GPtrArray *
field_email_addresses (QrsPayload  *self,
                       guint        idx,
                       GError     **error)
{
  g_autoptr(GPtrArray) addresses = field_texts (self, idx, TEXT_LINE, TRUE, error);

  if (addresses == NULL)
    return NULL;

  for (guint i = 0; i < addresses->len; i++)
    if (!check_email_address (get_field (self, idx), g_ptr_array_index (addresses, i), error))
      return NULL;

  return g_steal_pointer (&addresses);
}

/* Dates are YYYY-MM-DD, or YYYYMMDD as MECARD and iCalendar write them. */
static gboolean
parse_date (const char *text,
            GDate      *date)
{
  gsize len = strlen (text);
  guint year, month, day;
  const char *digits;
  char buf[9];

  if (len == 10 && text[4] == '-' && text[7] == '-')
    {
      memcpy (buf, text, 4);
      memcpy (buf + 4, text + 5, 2);
      memcpy (buf + 6, text + 8, 2);
      buf[8] = '\0';
      digits = buf;
    }
  else if (len == 8)
    digits = text;
  else
    return FALSE;

  for (guint i = 0; i < 8; i++)
    if (!g_ascii_isdigit (digits[i]))
      return FALSE;

  year = g_ascii_digit_value (digits[0]) * 1000 + g_ascii_digit_value (digits[1]) * 100
       + g_ascii_digit_value (digits[2]) * 10 + g_ascii_digit_value (digits[3]);
  month = g_ascii_digit_value (digits[4]) * 10 + g_ascii_digit_value (digits[5]);
  day = g_ascii_digit_value (digits[6]) * 10 + g_ascii_digit_value (digits[7]);

  if (!g_date_valid_dmy (day, month, year))
    return FALSE;

  g_date_clear (date, 1);
  g_date_set_dmy (date, day, month, year);

  return TRUE;
}

/* Returns "YYYY-MM-DD" (@basic FALSE) or "YYYYMMDD", or NULL when the
 * field is empty; @error says whether it failed. */
static gboolean
field_date (QrsPayload  *self,
            guint        idx,
            gboolean     basic,
            char       **out,
            GError     **error)
{
  g_autofree char *text = NULL;
  GDate date;

  *out = NULL;

  if (!field_text (self, idx, TEXT_LINE, TRUE, &text, error))
    return FALSE;

  if (text == NULL)
    return TRUE;

  if (!parse_date (text, &date))
    {
      g_set_error (error, QRS_PAYLOAD_ERROR, QRS_PAYLOAD_ERROR_INVALID_FIELD,
                   _("The “%s” field holds “%s”, which is not a date: write it as YYYY-MM-DD, for example 1815-12-10."),
                   FIELD_LABEL (get_field (self, idx)), text);
      return FALSE;
    }

  *out = g_strdup_printf (basic ? "%04u%02u%02u" : "%04u-%02u-%02u",
                          g_date_get_year (&date), g_date_get_month (&date), g_date_get_day (&date));

  return TRUE;
}

/* Output helpers */

/* Wi-Fi and MECARD: a backslash before \ ; , : and ". */
static void
append_backslash_escaped (GString    *out,
                          const char *text)
{
  for (const char *p = text; *p; p++)
    {
      if (strchr ("\\;,:\"", *p) != NULL)
        g_string_append_c (out, '\\');
      g_string_append_c (out, *p);
    }
}

/* vCard 3.0 (RFC 2426) and iCalendar (RFC 5545) TEXT values. */
static void
append_text_value (GString    *out,
                   const char *text)
{
  for (const char *p = text; *p; p++)
    {
      switch (*p)
        {
        case '\\':
        case ';':
        case ',':
          g_string_append_c (out, '\\');
          g_string_append_c (out, *p);
          break;

        case '\n':
          g_string_append (out, "\\n");
          break;

        default:
          g_string_append_c (out, *p);
        }
    }
}

/* Appends a content line with CRLF, folded so no physical line passes 75
 * octets (RFC 2425 §5.8.1, RFC 5545 §3.1).  A fold never falls inside a
 * UTF-8 sequence, nor between a backslash and the character it escapes,
 * so readers that unfold sloppily still see whole characters. */
static void
append_folded_line (GString    *out,
                    const char *line)
{
  gsize column = 0;

  for (const char *p = line; *p;)
    {
      const char *next = g_utf8_next_char (p);
      gsize unit;

      if (*p == '\\' && *next != '\0')
        next = g_utf8_next_char (next);

      unit = next - p;

      if (column + unit > 75)
        {
          g_string_append (out, "\r\n ");
          column = 1;
        }

      g_string_append_len (out, p, unit);
      column += unit;
      p = next;
    }

  g_string_append (out, "\r\n");
}

static void
append_text_property (GString    *out,
                      const char *name,
                      const char *text)
{
  g_autoptr(GString) line = g_string_new (name);

  g_string_append_c (line, ':');
  append_text_value (line, text);
  append_folded_line (out, line->str);
}

static void
append_raw_property (GString    *out,
                     const char *name,
                     const char *value)
{
  g_autofree char *line = g_strconcat (name, ":", value, NULL);

  append_folded_line (out, line);
}

/* text */

static char *
encode_text (QrsPayload  *self,
             GError     **error)
{
  char *text = NULL;

  if (!field_text (self, TEXT_TEXT, TEXT_ANY, FALSE, &text, error))
    return NULL;

  return text;
}

/* url */

static gboolean
is_valid_host (const char *host)
{
  g_auto(GStrv) labels = NULL;
  gsize len = strlen (host);

  if (g_hostname_is_ip_address (host))
    return TRUE;

  /* A fully qualified name may end with a dot. */
  if (len > 0 && host[len - 1] == '.')
    len--;

  if (len == 0 || len > 253)
    return FALSE;

  labels = g_strsplit (host, ".", -1);

  for (guint i = 0; labels[i] != NULL; i++)
    {
      gsize label_len = strlen (labels[i]);

      if (labels[i + 1] == NULL && label_len == 0 && i > 0)
        break;   /* the trailing dot */

      if (label_len == 0 || label_len > 63 ||
          labels[i][0] == '-' || labels[i][label_len - 1] == '-')
        return FALSE;

      for (const char *p = labels[i]; *p; p++)
        if (!g_ascii_isalnum (*p) && *p != '-' && *p != '_')
          return FALSE;
    }

  return TRUE;
}

static gboolean
is_ascii (const char *text)
{
  for (const char *p = text; *p; p++)
    if ((guchar)*p & 0x80)
      return FALSE;

  return TRUE;
}

/* An IRI's non-ASCII characters as %-encoded UTF-8 (RFC 3987 §3.1),
 * which every reader follows. */
static char *
escape_non_ascii (const char *text)
{
  g_autoptr(GString) out = g_string_new (NULL);

  for (const char *p = text; *p; p++)
    {
      if ((guchar)*p & 0x80)
        g_string_append_printf (out, "%%%02X", (guchar)*p);
      else
        g_string_append_c (out, *p);
    }

  return g_string_free (g_steal_pointer (&out), FALSE);
}

static char *
check_web_url (const QrsPayloadField  *field,
               const char             *url,
               GError                **error)
{
  g_autoptr(GUri) uri = NULL;
  g_autoptr(GError) local_error = NULL;
  const char *host;

  /* ENCODED keeps the user's %-escapes as they are, and makes
   * g_uri_to_string() escape what is not ASCII. */
  uri = g_uri_parse (url, G_URI_FLAGS_ENCODED, &local_error);
  if (uri == NULL)
    {
      g_set_error (error, QRS_PAYLOAD_ERROR, QRS_PAYLOAD_ERROR_INVALID_FIELD,
                   _("The “%s” field is not a valid web address (%s): check it for typing mistakes."),
                   FIELD_LABEL (field), local_error->message);
      return NULL;
    }

  host = g_uri_get_host (uri);
  if (host == NULL || host[0] == '\0')
    {
      g_set_error (error, QRS_PAYLOAD_ERROR, QRS_PAYLOAD_ERROR_INVALID_FIELD,
                   _("The “%s” field has no host name: write the address like https://example.com/page."),
                   FIELD_LABEL (field));
      return NULL;
    }

  /* https://bank.example@evil.example/ is how links hide where they go. */
  if (g_uri_get_userinfo (uri) != NULL)
    {
      g_set_error (error, QRS_PAYLOAD_ERROR, QRS_PAYLOAD_ERROR_INVALID_FIELD,
                   _("The “%s” field has a user name or password before the host: remove it, since such addresses disguise where a link goes."),
                   FIELD_LABEL (field));
      return NULL;
    }

  if (!is_valid_host (host))
    {
      g_autofree char *shown = g_utf8_make_valid (host, -1);

      g_set_error (error, QRS_PAYLOAD_ERROR, QRS_PAYLOAD_ERROR_INVALID_FIELD,
                   _("The “%s” field has “%s” as its host, which is not a valid host name: check it for typing mistakes."),
                   FIELD_LABEL (field), shown);
      return NULL;
    }

  /* Keep what the user wrote, byte for byte, whenever it is already a
   * URI: capitals, for one, let the symbol use the compact alphanumeric
   * mode. */
  if (is_ascii (url))
    return g_strdup (url);

  return g_uri_to_string (uri);
}

static char *
check_mailto_url (const QrsPayloadField  *field,
                  const char             *url,
                  GError                **error)
{
  const char *rest = url + strlen ("mailto:");
  const char *query = strchr (rest, '?');
  g_autofree char *to = g_strndup (rest, query ? (gsize)(query - rest) : strlen (rest));
  g_autofree char *decoded = NULL;

  decoded = g_uri_unescape_string (to, NULL);
  if (decoded == NULL || !g_utf8_validate (decoded, -1, NULL))
    {
      g_set_error (error, QRS_PAYLOAD_ERROR, QRS_PAYLOAD_ERROR_INVALID_FIELD,
                   _("The “%s” field has a broken %%-escape in its mailto: address: check it for typing mistakes."),
                   FIELD_LABEL (field));
      return NULL;
    }

  if (decoded[0] == '\0' && (query == NULL || query[1] == '\0'))
    {
      g_set_error (error, QRS_PAYLOAD_ERROR, QRS_PAYLOAD_ERROR_INVALID_FIELD,
                   _("The “%s” field is a mailto: link without an address: add one, like mailto:name@example.com."),
                   FIELD_LABEL (field));
      return NULL;
    }

  if (decoded[0] != '\0')
    {
      g_auto(GStrv) addresses = g_strsplit (decoded, ",", -1);

      for (guint i = 0; addresses[i] != NULL; i++)
        if (!check_email_address (field, addresses[i], error))
          return NULL;
    }

  return escape_non_ascii (url);
}

static char *
check_tel_url (const QrsPayloadField  *field,
               const char             *url,
               GError                **error)
{
  const char *rest = url + strlen ("tel:");
  const char *params = strchr (rest, ';');
  g_autofree char *number = g_strndup (rest, params ? (gsize)(params - rest) : strlen (rest));
  g_autofree char *digits = NULL;

  if ((digits = normalize_phone (field, number, error)) == NULL)
    return NULL;

  /* Parameters such as ;ext=12 or ;phone-context= are left to the phone. */
  return escape_non_ascii (url);
}

/* Checks a URL and returns what goes in the code.  @web_only limits it to
 * http and https, as a contact's website. */
static char *
check_url (const QrsPayloadField  *field,
           const char             *url,
           gboolean                web_only,
           GError                **error)
{
  static const char * const dangerous[] = { "javascript", "vbscript", "data", "file" };
  const char *scheme;    /* interned, lowercase */
  g_autofree char *result = NULL;

  for (const char *p = url; *p; p = g_utf8_next_char (p))
    if (g_unichar_isspace (g_utf8_get_char (p)))
      {
        g_set_error (error, QRS_PAYLOAD_ERROR, QRS_PAYLOAD_ERROR_INVALID_FIELD,
                     _("The “%s” field contains a space: remove it, or write it as %%20."),
                     FIELD_LABEL (field));
        return NULL;
      }

  /* Browsers read a backslash in a web address as a slash and other
   * parsers do not, which is how links are made to lie about their host. */
  if (strchr (url, '\\') != NULL)
    {
      g_set_error (error, QRS_PAYLOAD_ERROR, QRS_PAYLOAD_ERROR_INVALID_FIELD,
                   _("The “%s” field contains a backslash (\\): use a slash (/), or write it as %%5C."),
                   FIELD_LABEL (field));
      return NULL;
    }

  scheme = g_uri_peek_scheme (url);

  if (scheme == NULL)
    {
      g_set_error (error, QRS_PAYLOAD_ERROR, QRS_PAYLOAD_ERROR_INVALID_FIELD,
                   _("The “%s” field does not start with a scheme: write it in full, like https://%s."),
                   FIELD_LABEL (field), url);
      return NULL;
    }

  for (guint i = 0; i < G_N_ELEMENTS (dangerous); i++)
    if (strcmp (scheme, dangerous[i]) == 0)
      {
        g_set_error (error, QRS_PAYLOAD_ERROR, QRS_PAYLOAD_ERROR_INVALID_FIELD,
                     _("The “%s” field is a %s: link, which could run code or open files on the phone that scans it: use an https:// address instead."),
                     FIELD_LABEL (field), scheme);
        return NULL;
      }

  if (strcmp (scheme, "http") == 0 || strcmp (scheme, "https") == 0)
    result = check_web_url (field, url, error);
  else if (!web_only && strcmp (scheme, "mailto") == 0)
    result = check_mailto_url (field, url, error);
  else if (!web_only && strcmp (scheme, "tel") == 0)
    result = check_tel_url (field, url, error);
  else
    {
      if (web_only)
        g_set_error (error, QRS_PAYLOAD_ERROR, QRS_PAYLOAD_ERROR_INVALID_FIELD,
                     _("The “%s” field is a %s: link: use an http:// or https:// address."),
                     FIELD_LABEL (field), scheme);
      else
        g_set_error (error, QRS_PAYLOAD_ERROR, QRS_PAYLOAD_ERROR_INVALID_FIELD,
                     _("The “%s” field is a %s: link, which QR Studio does not put in codes: use an http://, https://, mailto: or tel: address."),
                     FIELD_LABEL (field), scheme);
      return NULL;
    }

  if (result == NULL)
    return NULL;

  if (strlen (result) > URL_MAX_LENGTH)
    {
      /* A plain conversion, not a G_G*_FORMAT macro: xgettext cannot read
       * through the macro, so the message would never be translated. */
      g_set_error (error, QRS_PAYLOAD_ERROR, QRS_PAYLOAD_ERROR_INVALID_FIELD,
                   g_dngettext (GETTEXT_PACKAGE,
                                "The “%s” field is %zu byte long, more than the %d allowed: shorten it, or make a dynamic code with a short link.",
                                "The “%s” field is %zu bytes long, more than the %d allowed: shorten it, or make a dynamic code with a short link.",
                                strlen (result)),
                   FIELD_LABEL (field), strlen (result), URL_MAX_LENGTH);
      return NULL;
    }

  return g_steal_pointer (&result);
}

static gboolean
field_url (QrsPayload  *self,
           guint        idx,
           gboolean     web_only,
           char       **out,
           GError     **error)
{
  g_autofree char *text = NULL;

  *out = NULL;

  if (!field_text (self, idx, TEXT_LINE, TRUE, &text, error))
    return FALSE;

  if (text == NULL)
    return TRUE;

  *out = check_url (get_field (self, idx), text, web_only, error);

  return *out != NULL;
}

static char *
encode_url (QrsPayload  *self,
            GError     **error)
{
  char *url = NULL;

  if (!field_url (self, URL_URL, FALSE, &url, error))
    return NULL;

  return url;
}

/* wifi */

static gboolean
is_hex (const char *text)
{
  for (const char *p = text; *p; p++)
    if (!g_ascii_isxdigit (*p))
      return FALSE;

  return TRUE;
}

static char *
encode_wifi (QrsPayload  *self,
             GError     **error)
{
  g_autofree char *ssid = NULL;
  g_autofree char *password = NULL;
  g_autofree char *auth_text = NULL;
  g_autoptr(GString) out = NULL;
  const char *auth = NULL;
  gboolean hidden, hidden_set;

  if (!field_text (self, WIFI_SSID, TEXT_LINE, FALSE, &ssid, error) ||
      !field_text (self, WIFI_PASSWORD, TEXT_LINE, FALSE, &password, error) ||
      !field_text (self, WIFI_AUTH, TEXT_LINE, TRUE, &auth_text, error) ||
      !field_bool (self, WIFI_HIDDEN, &hidden_set, &hidden, error))
    return NULL;

  if (strlen (ssid) > SSID_MAX_LENGTH)
    {
      /* A plain conversion, not a G_G*_FORMAT macro: xgettext cannot read
       * through the macro, so the message would never be translated. */
      g_set_error (error, QRS_PAYLOAD_ERROR, QRS_PAYLOAD_ERROR_INVALID_FIELD,
                   g_dngettext (GETTEXT_PACKAGE,
                                "The “%s” field is %zu byte long, but a Wi-Fi network name has at most %d: check it.",
                                "The “%s” field is %zu bytes long, but a Wi-Fi network name has at most %d: check it.",
                                strlen (ssid)),
                   FIELD_LABEL (&wifi_fields[WIFI_SSID]), strlen (ssid), SSID_MAX_LENGTH);
      return NULL;
    }

  if (auth_text == NULL)
    auth = password != NULL ? "WPA" : "nopass";
  else if (g_ascii_strcasecmp (auth_text, "wpa") == 0 ||
           g_ascii_strcasecmp (auth_text, "wpa2") == 0 ||
           g_ascii_strcasecmp (auth_text, "wpa3") == 0)
    auth = "WPA";
  else if (g_ascii_strcasecmp (auth_text, "wep") == 0)
    auth = "WEP";
  else if (g_ascii_strcasecmp (auth_text, "nopass") == 0 ||
           g_ascii_strcasecmp (auth_text, "open") == 0 ||
           g_ascii_strcasecmp (auth_text, "none") == 0)
    auth = "nopass";
  else
    {
      /* Translators: the quoted choices are those of the Security row */
      g_set_error (error, QRS_PAYLOAD_ERROR, QRS_PAYLOAD_ERROR_INVALID_FIELD,
                   _("The “%s” field holds “%s”: choose “%s”, “%s” or “%s”."),
                   FIELD_LABEL (&wifi_fields[WIFI_AUTH]), auth_text,
                   _(wifi_auth_labels[0]), _(wifi_auth_labels[1]), _(wifi_auth_labels[2]));
      return NULL;
    }

  if (strcmp (auth, "nopass") == 0)
    {
      if (password != NULL)
        {
          g_set_error (error, QRS_PAYLOAD_ERROR, QRS_PAYLOAD_ERROR_INVALID_FIELD,
                       _("The “%s” field must be empty for an open network: remove the password, or set “%s” to “%s” or “%s”."),
                       FIELD_LABEL (&wifi_fields[WIFI_PASSWORD]), FIELD_LABEL (&wifi_fields[WIFI_AUTH]),
                       _(wifi_auth_labels[0]), _(wifi_auth_labels[1]));
          return NULL;
        }
    }
  else if (password == NULL)
    {
      g_set_error (error, QRS_PAYLOAD_ERROR, QRS_PAYLOAD_ERROR_MISSING_FIELD,
                   _("The “%s” field is empty, but a %s network needs one: enter it, or set “%s” to “%s”."),
                   FIELD_LABEL (&wifi_fields[WIFI_PASSWORD]), auth,
                   FIELD_LABEL (&wifi_fields[WIFI_AUTH]), _(wifi_auth_labels[2]));
      return NULL;
    }
  else if (strcmp (auth, "WPA") == 0)
    {
      /* Lengths in bytes, as the key derivation sees them. */
      gsize len = strlen (password);

      if (!(len >= 8 && len <= 63) && !(len == 64 && is_hex (password)))
        {
          g_set_error (error, QRS_PAYLOAD_ERROR, QRS_PAYLOAD_ERROR_INVALID_FIELD,
                       _("The “%s” field must hold 8 to 63 characters, or exactly 64 hexadecimal digits, for a WPA network: check it."),
                       FIELD_LABEL (&wifi_fields[WIFI_PASSWORD]));
          return NULL;
        }
    }
  else
    {
      gsize len = strlen (password);

      if (!(len == 5 || len == 13) && !((len == 10 || len == 26) && is_hex (password)))
        {
          g_set_error (error, QRS_PAYLOAD_ERROR, QRS_PAYLOAD_ERROR_INVALID_FIELD,
                       _("The “%s” field must hold 5 or 13 characters, or 10 or 26 hexadecimal digits, for a WEP network: check it."),
                       FIELD_LABEL (&wifi_fields[WIFI_PASSWORD]));
          return NULL;
        }
    }

  out = g_string_new ("WIFI:T:");
  g_string_append (out, auth);
  g_string_append (out, ";S:");
  append_backslash_escaped (out, ssid);
  g_string_append_c (out, ';');
  if (password != NULL)
    {
      g_string_append (out, "P:");
      append_backslash_escaped (out, password);
      g_string_append_c (out, ';');
    }
  if (hidden)
    g_string_append (out, "H:true;");
  g_string_append_c (out, ';');

  return g_string_free (g_steal_pointer (&out), FALSE);
}

/* vcard */

/* N from the full name when no parts were given: "Lovelace, Ada" is
 * family first; otherwise the first word is the given name, the last the
 * family name and any between additional names.  One word is taken as a
 * given name, which is how address books show a lone word anyway. */
static void
append_derived_n (GString    *line,
                  const char *name)
{
  g_autofree char *family = NULL;
  g_autofree char *given = NULL;
  g_autofree char *additional = NULL;
  const char *comma = strchr (name, ',');

  if (comma != NULL)
    {
      family = g_strstrip (g_strndup (name, comma - name));
      given = g_strstrip (g_strdup (comma + 1));
    }
  else
    {
      g_auto(GStrv) words = NULL;
      g_autoptr(GStrvBuilder) middle = g_strv_builder_new ();
      g_auto(GStrv) middle_words = NULL;
      g_autofree char *copy = g_strstrip (g_strdup (name));
      guint n = 0;

      words = g_regex_split_simple ("\\s+", copy, 0, 0);
      n = g_strv_length (words);

      if (n > 0)
        given = g_strdup (words[0]);
      if (n > 1)
        family = g_strdup (words[n - 1]);
      for (guint i = 1; i + 1 < n; i++)
        g_strv_builder_add (middle, words[i]);
      middle_words = g_strv_builder_end (middle);
      additional = g_strjoinv (" ", middle_words);
    }

  append_text_value (line, family ? family : "");
  g_string_append_c (line, ';');
  append_text_value (line, given ? given : "");
  g_string_append_c (line, ';');
  append_text_value (line, additional ? additional : "");
  g_string_append (line, ";;");
}

static char *
encode_vcard (QrsPayload  *self,
              GError     **error)
{
  g_autofree char *name = NULL;
  g_autofree char *family_name = NULL;
  g_autofree char *given_name = NULL;
  g_autofree char *org = NULL;
  g_autofree char *title = NULL;
  g_autoptr(GPtrArray) phones = NULL;
  g_autoptr(GPtrArray) emails = NULL;
  g_autofree char *url = NULL;
  g_autofree char *street = NULL;
  g_autofree char *city = NULL;
  g_autofree char *region = NULL;
  g_autofree char *postcode = NULL;
  g_autofree char *country = NULL;
  g_autofree char *birthday = NULL;
  g_autofree char *note = NULL;
  g_autoptr(GString) out = NULL;
  g_autoptr(GString) line = NULL;

  if (!field_text (self, VCARD_NAME, TEXT_LINE, FALSE, &name, error) ||
      !field_text (self, VCARD_FAMILY_NAME, TEXT_LINE, FALSE, &family_name, error) ||
      !field_text (self, VCARD_GIVEN_NAME, TEXT_LINE, FALSE, &given_name, error) ||
      !field_text (self, VCARD_ORG, TEXT_LINE, FALSE, &org, error) ||
      !field_text (self, VCARD_TITLE, TEXT_LINE, FALSE, &title, error))
    return NULL;

  if ((phones = field_texts (self, VCARD_PHONE, TEXT_LINE, TRUE, error)) == NULL)
    return NULL;
  for (guint i = 0; i < phones->len; i++)
    {
      g_autofree char *digits = normalize_phone (get_field (self, VCARD_PHONE),
                                                 g_ptr_array_index (phones, i), error);
      if (digits == NULL)
        return NULL;
    }

  if ((emails = field_email_addresses (self, VCARD_EMAIL, error)) == NULL)
    return NULL;

  if (!field_url (self, VCARD_URL, TRUE, &url, error) ||
      !field_text (self, VCARD_STREET, TEXT_LINES, FALSE, &street, error) ||
      !field_text (self, VCARD_CITY, TEXT_LINE, FALSE, &city, error) ||
      !field_text (self, VCARD_REGION, TEXT_LINE, FALSE, &region, error) ||
      !field_text (self, VCARD_POSTCODE, TEXT_LINE, FALSE, &postcode, error) ||
      !field_text (self, VCARD_COUNTRY, TEXT_LINE, FALSE, &country, error) ||
      !field_date (self, VCARD_BIRTHDAY, FALSE, &birthday, error) ||
      !field_text (self, VCARD_NOTE, TEXT_LINES, FALSE, &note, error))
    return NULL;

  out = g_string_new (NULL);
  append_folded_line (out, "BEGIN:VCARD");
  append_folded_line (out, "VERSION:3.0");

  /* vCard 3.0 requires N as well as FN. */
  line = g_string_new ("N:");
  if (family_name != NULL || given_name != NULL)
    {
      append_text_value (line, family_name ? family_name : "");
      g_string_append_c (line, ';');
      append_text_value (line, given_name ? given_name : "");
      g_string_append (line, ";;;");
    }
  else
    append_derived_n (line, name);
  append_folded_line (out, line->str);

  append_text_property (out, "FN", name);
  if (org != NULL)
    append_text_property (out, "ORG", org);
  if (title != NULL)
    append_text_property (out, "TITLE", title);

  /* As the person wrote it: "+44 20 7946 0958" reads better in an
   * address book than the bare digits, and every phone dials it. */
  for (guint i = 0; i < phones->len; i++)
    append_raw_property (out, "TEL", g_ptr_array_index (phones, i));
  for (guint i = 0; i < emails->len; i++)
    append_text_property (out, "EMAIL", g_ptr_array_index (emails, i));

  /* A uri value, not text: nothing to escape. */
  if (url != NULL)
    append_raw_property (out, "URL", url);

  if (street != NULL || city != NULL || region != NULL || postcode != NULL || country != NULL)
    {
      const char *parts[] = { street, city, region, postcode, country };

      /* post office box; extended address; street; locality; region;
       * postal code; country */
      g_string_assign (line, "ADR:;;");
      for (guint i = 0; i < G_N_ELEMENTS (parts); i++)
        {
          if (i > 0)
            g_string_append_c (line, ';');
          if (parts[i] != NULL)
            append_text_value (line, parts[i]);
        }
      append_folded_line (out, line->str);
    }

  if (birthday != NULL)
    append_raw_property (out, "BDAY", birthday);
  if (note != NULL)
    append_text_property (out, "NOTE", note);

  append_folded_line (out, "END:VCARD");

  return g_string_free (g_steal_pointer (&out), FALSE);
}

/* mecard */

static void
append_mecard_property (GString    *out,
                        const char *name,
                        const char *value)
{
  g_string_append (out, name);
  g_string_append_c (out, ':');
  append_backslash_escaped (out, value);
  g_string_append_c (out, ';');
}

static char *
encode_mecard (QrsPayload  *self,
               GError     **error)
{
  g_autofree char *name = NULL;
  g_autoptr(GPtrArray) phones = NULL;
  g_autoptr(GPtrArray) emails = NULL;
  g_autofree char *url = NULL;
  g_autofree char *address = NULL;
  g_autofree char *birthday = NULL;
  g_autofree char *note = NULL;
  g_autoptr(GString) out = NULL;

  if (!field_text (self, MECARD_NAME, TEXT_LINE, FALSE, &name, error))
    return NULL;

  if ((phones = field_texts (self, MECARD_PHONE, TEXT_LINE, TRUE, error)) == NULL)
    return NULL;

  /* DoCoMo's MECARD takes a telephone number as digits only. */
  for (guint i = 0; i < phones->len; i++)
    {
      char *digits = normalize_phone (get_field (self, MECARD_PHONE),
                                      g_ptr_array_index (phones, i), error);
      if (digits == NULL)
        return NULL;

      g_free (g_ptr_array_index (phones, i));
      g_ptr_array_index (phones, i) = digits;
    }

  if ((emails = field_email_addresses (self, MECARD_EMAIL, error)) == NULL)
    return NULL;

  /* MECARD has no escape for a line break: the address must be one line;
   * a note keeps its breaks as they are, which readers show as typed. */
  if (!field_url (self, MECARD_URL, TRUE, &url, error) ||
      !field_text (self, MECARD_ADDRESS, TEXT_LINE, FALSE, &address, error) ||
      !field_date (self, MECARD_BIRTHDAY, TRUE, &birthday, error) ||
      !field_text (self, MECARD_NOTE, TEXT_LINES, FALSE, &note, error))
    return NULL;

  /* In the order of DoCoMo's specification. */
  out = g_string_new ("MECARD:");
  append_mecard_property (out, "N", name);
  for (guint i = 0; i < phones->len; i++)
    append_mecard_property (out, "TEL", g_ptr_array_index (phones, i));
  for (guint i = 0; i < emails->len; i++)
    append_mecard_property (out, "EMAIL", g_ptr_array_index (emails, i));
  if (note != NULL)
    append_mecard_property (out, "NOTE", note);
  if (birthday != NULL)
    append_mecard_property (out, "BDAY", birthday);
  if (address != NULL)
    append_mecard_property (out, "ADR", address);
  if (url != NULL)
    append_mecard_property (out, "URL", url);
  g_string_append_c (out, ';');

  return g_string_free (g_steal_pointer (&out), FALSE);
}

/* email */

/* RFC 6068: an address may keep "@" and some-delims unescaped; header
 * values keep only unreserved characters, so "+" cannot be read as a
 * space and "&" cannot end the value. */
#define MAILTO_ADDRESS_ALLOWED "!$'*+@"

static void
append_addresses (GString   *out,
                  GPtrArray *addresses)
{
  for (guint i = 0; i < addresses->len; i++)
    {
      g_autofree char *escaped = g_uri_escape_string (g_ptr_array_index (addresses, i),
                                                      MAILTO_ADDRESS_ALLOWED, FALSE);
      if (i > 0)
        g_string_append_c (out, ',');
      g_string_append (out, escaped);
    }
}

static void
append_header (GString    *out,
               gboolean   *first,
               const char *name,
               const char *value)
{
  g_autofree char *escaped = g_uri_escape_string (value, NULL, FALSE);

  g_string_append_c (out, *first ? '?' : '&');
  g_string_append (out, name);
  g_string_append_c (out, '=');
  g_string_append (out, escaped);
  *first = FALSE;
}

static char *
encode_email (QrsPayload  *self,
              GError     **error)
{
  g_autoptr(GPtrArray) to = NULL;
  g_autoptr(GPtrArray) cc = NULL;
  g_autoptr(GPtrArray) bcc = NULL;
  g_autofree char *subject = NULL;
  g_autofree char *body = NULL;
  g_autoptr(GString) out = NULL;
  gboolean first = TRUE;

  if ((to = field_email_addresses (self, EMAIL_TO, error)) == NULL)
    return NULL;

  /* A line break in a subject would end the header: refuse it. */
  if (!field_text (self, EMAIL_SUBJECT, TEXT_LINE, FALSE, &subject, error) ||
      !field_text (self, EMAIL_BODY, TEXT_LINES, FALSE, &body, error))
    return NULL;

  if ((cc = field_email_addresses (self, EMAIL_CC, error)) == NULL ||
      (bcc = field_email_addresses (self, EMAIL_BCC, error)) == NULL)
    return NULL;

  out = g_string_new ("mailto:");
  append_addresses (out, to);

  if (subject != NULL)
    append_header (out, &first, "subject", subject);

  if (body != NULL)
    {
      /* RFC 6068 §5: line breaks in a body are CRLF, %0D%0A. */
      g_autoptr(GString) crlf = g_string_new (body);

      g_string_replace (crlf, "\n", "\r\n", 0);
      append_header (out, &first, "body", crlf->str);
    }

  if (cc->len > 0)
    {
      g_autoptr(GString) list = g_string_new (NULL);

      append_addresses (list, cc);
      g_string_append_printf (out, "%ccc=%s", first ? '?' : '&', list->str);
      first = FALSE;
    }

  if (bcc->len > 0)
    {
      g_autoptr(GString) list = g_string_new (NULL);

      append_addresses (list, bcc);
      g_string_append_printf (out, "%cbcc=%s", first ? '?' : '&', list->str);
      first = FALSE;
    }

  return g_string_free (g_steal_pointer (&out), FALSE);
}

/* phone */

static gboolean
field_phone (QrsPayload  *self,
             guint        idx,
             char       **out,
             GError     **error)
{
  g_autofree char *text = NULL;

  *out = NULL;

  if (!field_text (self, idx, TEXT_LINE, TRUE, &text, error))
    return FALSE;

  if (text == NULL)
    return TRUE;

  *out = normalize_phone (get_field (self, idx), text, error);

  return *out != NULL;
}

static char *
encode_phone (QrsPayload  *self,
              GError     **error)
{
  g_autofree char *number = NULL;

  if (!field_phone (self, PHONE_NUMBER, &number, error))
    return NULL;

  return g_strconcat ("tel:", number, NULL);
}

/* sms */

/* SMSTO:number:message is what ZXing writes and what the iOS camera,
 * Android's scanners and ZXing-based apps all open as a prefilled text
 * message.  The sms: URI of RFC 5724 is read inconsistently (iOS wanted
 * "&body=" where the RFC says "?body="), and it would need the message
 * %-encoded, making the code denser for no reader's benefit. */
static char *
encode_sms (QrsPayload  *self,
            GError     **error)
{
  g_autofree char *number = NULL;
  g_autofree char *message = NULL;

  if (!field_phone (self, SMS_NUMBER, &number, error) ||
      !field_text (self, SMS_MESSAGE, TEXT_LINES, FALSE, &message, error))
    return NULL;

  /* Everything after the second colon is the message: no escaping. */
  if (message != NULL)
    return g_strconcat ("SMSTO:", number, ":", message, NULL);

  return g_strconcat ("SMSTO:", number, NULL);
}

/* geo */

/* A decimal number as RFC 5870 writes it: an optional sign, digits and
 * an optional fraction, parsed without regard to the locale.  Returns it
 * in the URI's form (no "+", a digit before the dot), or NULL. */
static char *
parse_decimal (const char *text,
               double     *value)
{
  g_autoptr(GString) out = g_string_new (NULL);
  const char *p = text;
  const char *int_start, *frac_start = NULL;
  gsize int_len, frac_len = 0;
  char *end = NULL;

  if (*p == '+' || *p == '-')
    p++;

  int_start = p;
  while (g_ascii_isdigit (*p))
    p++;
  int_len = p - int_start;

  if (*p == '.')
    {
      frac_start = ++p;
      while (g_ascii_isdigit (*p))
        p++;
      frac_len = p - frac_start;
    }

  if (*p != '\0' || int_len + frac_len == 0)
    return NULL;

  *value = g_ascii_strtod (text, &end);
  if (end == NULL || *end != '\0' || !isfinite (*value))
    return NULL;

  if (text[0] == '-')
    g_string_append_c (out, '-');
  if (int_len > 0)
    g_string_append_len (out, int_start, int_len);
  else
    g_string_append_c (out, '0');
  if (frac_len > 0)
    {
      g_string_append_c (out, '.');
      g_string_append_len (out, frac_start, frac_len);
    }

  return g_string_free (g_steal_pointer (&out), FALSE);
}

static gboolean
field_coordinate (QrsPayload  *self,
                  guint        idx,
                  double       limit,
                  char       **out,
                  GError     **error)
{
  const QrsPayloadField *field = get_field (self, idx);
  g_autofree char *text = NULL;
  double value = 0;

  *out = NULL;

  if (!field_text (self, idx, TEXT_LINE, TRUE, &text, error))
    return FALSE;

  if (text == NULL)
    return TRUE;

  if ((*out = parse_decimal (text, &value)) == NULL)
    {
      g_set_error (error, QRS_PAYLOAD_ERROR, QRS_PAYLOAD_ERROR_INVALID_FIELD,
                   _("The “%s” field holds “%s”, which is not a decimal number: write it with a dot, like 48.8584."),
                   FIELD_LABEL (field), text);
      return FALSE;
    }

  if (limit > 0 && fabs (value) > limit)
    {
      g_set_error (error, QRS_PAYLOAD_ERROR, QRS_PAYLOAD_ERROR_INVALID_FIELD,
                   _("The “%s” field is %s, but it must be between −%g and %g degrees."),
                   FIELD_LABEL (field), text, limit, limit);
      g_clear_pointer (out, g_free);
      return FALSE;
    }

  return TRUE;
}

static char *
encode_geo (QrsPayload  *self,
            GError     **error)
{
  g_autofree char *latitude = NULL;
  g_autofree char *longitude = NULL;
  g_autofree char *altitude = NULL;

  if (!field_coordinate (self, GEO_LATITUDE, 90, &latitude, error) ||
      !field_coordinate (self, GEO_LONGITUDE, 180, &longitude, error) ||
      !field_coordinate (self, GEO_ALTITUDE, 0, &altitude, error))
    return NULL;

  if (altitude != NULL)
    return g_strdup_printf ("geo:%s,%s,%s", latitude, longitude, altitude);

  return g_strdup_printf ("geo:%s,%s", latitude, longitude);
}

/* event */

typedef struct
{
  gboolean   is_date;
  GDate      date;
  GDateTime *date_time;    /* UTC */
} EventTime;

static void
event_time_clear (EventTime *t)
{
  g_clear_pointer (&t->date_time, g_date_time_unref);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (EventTime, event_time_clear)

/* GLib wants seconds; people often leave them out: 10:30+01:00. */
static char *
add_missing_seconds (const char *text)
{
  const char *t = strpbrk (text, "T ");

  if (t != NULL &&
      g_ascii_isdigit (t[1]) && g_ascii_isdigit (t[2]) && t[3] == ':' &&
      g_ascii_isdigit (t[4]) && g_ascii_isdigit (t[5]) && t[6] != ':')
    return g_strdup_printf ("%.*s:00%s", (int)(t + 6 - text), text, t + 6);

  return g_strdup (text);
}

static gboolean
field_event_time (QrsPayload  *self,
                  guint        idx,
                  EventTime   *out,
                  gboolean    *is_set,
                  GError     **error)
{
  const QrsPayloadField *field = get_field (self, idx);
  g_autofree char *text = NULL;
  g_autofree char *full = NULL;
  g_autoptr(GTimeZone) local_zone = NULL;
  g_autoptr(GDateTime) parsed = NULL;

  *is_set = FALSE;

  if (!field_text (self, idx, TEXT_LINE, TRUE, &text, error))
    return FALSE;

  if (text == NULL)
    return TRUE;

  *is_set = TRUE;

  if (parse_date (text, &out->date))
    {
      out->is_date = TRUE;
      return TRUE;
    }

  /* A time without an offset is the time on this computer's clock, as
   * people write it on a poster: 2026-11-29 10:30.  The VEVENT says it in
   * UTC, so the code means the same moment wherever it is scanned. */
  full = add_missing_seconds (text);
  local_zone = g_time_zone_new_local ();
  parsed = g_date_time_new_from_iso8601 (full, local_zone);

  if (parsed == NULL)
    {
      g_set_error (error, QRS_PAYLOAD_ERROR, QRS_PAYLOAD_ERROR_INVALID_FIELD,
                   _("The “%s” field holds “%s”, which is not a date and time: write it like 2026-11-29 10:30 (or 2026-11-29 10:30+01:00 with its offset from UTC), or 2026-11-29 for an all-day event."),
                   FIELD_LABEL (field), text);
      return FALSE;
    }

  out->is_date = FALSE;
  out->date_time = g_date_time_to_utc (parsed);

  /* 9999-12-31T23:00-05:00 is in the year 10000 in UTC. */
  if (out->date_time == NULL)
    {
      g_set_error (error, QRS_PAYLOAD_ERROR, QRS_PAYLOAD_ERROR_INVALID_FIELD,
                   _("The “%s” field (“%s”) lies outside the years 1 to 9999 in UTC: check the date."),
                   FIELD_LABEL (field), text);
      return FALSE;
    }

  return TRUE;
}

static void
append_event_date (GString    *out,
                   const char *name,
                   GDate      *date)
{
  g_autofree char *line = g_strdup_printf ("%s;VALUE=DATE:%04u%02u%02u", name,
                                           g_date_get_year (date), g_date_get_month (date),
                                           g_date_get_day (date));

  append_folded_line (out, line);
}

static void
append_event_date_time (GString    *out,
                        const char *name,
                        GDateTime  *utc)
{
  /* By hand: %Y does not pad years before 1000. */
  g_autofree char *line = g_strdup_printf ("%s:%04d%02d%02dT%02d%02d%02dZ", name,
                                           g_date_time_get_year (utc), g_date_time_get_month (utc),
                                           g_date_time_get_day_of_month (utc), g_date_time_get_hour (utc),
                                           g_date_time_get_minute (utc), g_date_time_get_second (utc));

  append_folded_line (out, line);
}

/* A bare VEVENT, as ZXing writes and readers expect: without the
 * VCALENDAR wrapper, UID and DTSTAMP, so the same fields always give the
 * same code. */
static char *
encode_event (QrsPayload  *self,
              GError     **error)
{
  g_autofree char *summary = NULL;
  g_autofree char *location = NULL;
  g_autofree char *description = NULL;
  g_auto(EventTime) start = { 0 };
  g_auto(EventTime) end = { 0 };
  gboolean end_set, start_set;
  gboolean all_day, all_day_set;
  g_autoptr(GString) out = NULL;

  if (!field_text (self, EVENT_SUMMARY, TEXT_LINE, FALSE, &summary, error) ||
      !field_event_time (self, EVENT_START, &start, &start_set, error) ||
      !field_event_time (self, EVENT_END, &end, &end_set, error) ||
      !field_text (self, EVENT_LOCATION, TEXT_LINES, FALSE, &location, error) ||
      !field_text (self, EVENT_DESCRIPTION, TEXT_LINES, FALSE, &description, error) ||
      !field_bool (self, EVENT_ALL_DAY, &all_day_set, &all_day, error))
    return NULL;

  /* A bare date says "all day" by itself. */
  if (!all_day_set)
    all_day = start.is_date;

  if (all_day)
    {
      GDate end_exclusive;

      if (!start.is_date || (end_set && !end.is_date))
        {
          g_set_error (error, QRS_PAYLOAD_ERROR, QRS_PAYLOAD_ERROR_INVALID_FIELD,
                       _("The “%s” field of an all-day event must be a date without a time, like 2026-11-29: remove the time, or switch off “%s”."),
                       FIELD_LABEL (&event_fields[!start.is_date ? EVENT_START : EVENT_END]),
                       FIELD_LABEL (&event_fields[EVENT_ALL_DAY]));
          return NULL;
        }

      if (end_set && g_date_compare (&end.date, &start.date) < 0)
        {
          g_set_error (error, QRS_PAYLOAD_ERROR, QRS_PAYLOAD_ERROR_INVALID_FIELD,
                       _("The “%s” field is before the “%s” field: check the dates."),
                       FIELD_LABEL (&event_fields[EVENT_END]), FIELD_LABEL (&event_fields[EVENT_START]));
          return NULL;
        }

      /* People name the last day; iCalendar's DTEND is the day after. */
      end_exclusive = end_set ? end.date : start.date;
      g_date_add_days (&end_exclusive, 1);

      out = g_string_new (NULL);
      append_folded_line (out, "BEGIN:VEVENT");
      append_text_property (out, "SUMMARY", summary);
      append_event_date (out, "DTSTART", &start.date);
      append_event_date (out, "DTEND", &end_exclusive);
    }
  else
    {
      if (start.is_date || (end_set && end.is_date))
        {
          g_set_error (error, QRS_PAYLOAD_ERROR, QRS_PAYLOAD_ERROR_INVALID_FIELD,
                       _("The “%s” field has a date but no time: add the time, like 2026-11-29 10:30, or switch on “%s”."),
                       FIELD_LABEL (&event_fields[start.is_date ? EVENT_START : EVENT_END]),
                       FIELD_LABEL (&event_fields[EVENT_ALL_DAY]));
          return NULL;
        }

      if (end_set && g_date_time_compare (end.date_time, start.date_time) < 0)
        {
          g_set_error (error, QRS_PAYLOAD_ERROR, QRS_PAYLOAD_ERROR_INVALID_FIELD,
                       _("The “%s” field is before the “%s” field: check the dates and their times."),
                       FIELD_LABEL (&event_fields[EVENT_END]), FIELD_LABEL (&event_fields[EVENT_START]));
          return NULL;
        }

      out = g_string_new (NULL);
      append_folded_line (out, "BEGIN:VEVENT");
      append_text_property (out, "SUMMARY", summary);
      append_event_date_time (out, "DTSTART", start.date_time);
      if (end_set)
        append_event_date_time (out, "DTEND", end.date_time);
    }

  if (location != NULL)
    append_text_property (out, "LOCATION", location);
  if (description != NULL)
    append_text_property (out, "DESCRIPTION", description);
  append_folded_line (out, "END:VEVENT");

  return g_string_free (g_steal_pointer (&out), FALSE);
}

/**
 * qrs_payload_encode:
 * @self: a #QrsPayload
 * @error: a #GError
 *
 * Checks every field and writes the text that goes into the symbol.
 *
 * Returns: (transfer full): the text, or %NULL with @error set in
 *   %QRS_PAYLOAD_ERROR; the message names the field and says what to do
 */
char *
qrs_payload_encode (QrsPayload  *self,
                    GError     **error)
{
  g_return_val_if_fail (QRS_IS_PAYLOAD (self), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  return get_info (self)->encode (self, error);
}

/* JSON */

/**
 * qrs_payload_to_json:
 *
 * Writes {"type": "wifi", "fields": {"ssid": "Lab", …}}: empty fields
 * are left out, fields that may hold several values are always arrays.
 *
 * Returns: (transfer full): a JSON object node
 */
JsonNode *
qrs_payload_to_json (QrsPayload *self)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  const TypeInfo *info;

  g_return_val_if_fail (QRS_IS_PAYLOAD (self), NULL);

  info = get_info (self);

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "type");
  json_builder_add_string_value (builder, info->name);
  json_builder_set_member_name (builder, "fields");
  json_builder_begin_object (builder);

  for (guint i = 0; i < info->n_fields; i++)
    {
      GPtrArray *values = self->values[i];

      if (values == NULL)
        continue;

      json_builder_set_member_name (builder, info->fields[i].name);

      if (info->fields[i].multiple)
        {
          json_builder_begin_array (builder);
          for (guint j = 0; j < values->len; j++)
            json_builder_add_string_value (builder, g_ptr_array_index (values, j));
          json_builder_end_array (builder);
        }
      else
        json_builder_add_string_value (builder, g_ptr_array_index (values, 0));
    }

  json_builder_end_object (builder);
  json_builder_end_object (builder);

  return json_builder_get_root (builder);
}

static const char *
describe_node (JsonNode *node)
{
  switch (JSON_NODE_TYPE (node))
    {
    case JSON_NODE_OBJECT:
      return _("an object");
    case JSON_NODE_ARRAY:
      return _("an array");
    case JSON_NODE_NULL:
      return _("null");
    case JSON_NODE_VALUE:
      if (json_node_get_value_type (node) == G_TYPE_STRING)
        return _("a string");
      if (json_node_get_value_type (node) == G_TYPE_BOOLEAN)
        return _("a boolean");
      return _("a number");
    default:
      return _("something else");
    }
}

static gboolean
is_string_node (JsonNode *node)
{
  return JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING;
}

/**
 * qrs_payload_new_from_json:
 * @node: a node as qrs_payload_to_json() writes it
 * @error: a #GError
 *
 * Reads a payload back, refusing anything it does not understand rather
 * than guessing: an unknown type (%QRS_PAYLOAD_ERROR_UNKNOWN_TYPE, also
 * for a node that is no object or has no "type"), an unknown member or
 * field (%QRS_PAYLOAD_ERROR_UNKNOWN_FIELD), or a value that is not a
 * string, or for a field with several values an array of strings
 * (%QRS_PAYLOAD_ERROR_INVALID_FIELD).  A lone string is accepted for a
 * field with several values.
 *
 * Returns: (transfer full): the payload, or %NULL with @error set
 */
QrsPayload *
qrs_payload_new_from_json (JsonNode  *node,
                           GError   **error)
{
  g_autoptr(QrsPayload) self = NULL;
  g_autoptr(GList) members = NULL;
  JsonObject *object;
  JsonNode *type_node;
  JsonNode *fields_node;
  QrsPayloadType payload_type;

  g_return_val_if_fail (node != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!JSON_NODE_HOLDS_OBJECT (node))
    {
      g_set_error (error, QRS_PAYLOAD_ERROR, QRS_PAYLOAD_ERROR_UNKNOWN_TYPE,
                   _("A payload must be a JSON object like {\"type\": \"url\", \"fields\": {…}}, not %s."),
                   describe_node (node));
      return NULL;
    }

  object = json_node_get_object (node);
  type_node = json_object_get_member (object, "type");

  if (type_node == NULL || !is_string_node (type_node))
    {
      g_set_error_literal (error, QRS_PAYLOAD_ERROR, QRS_PAYLOAD_ERROR_UNKNOWN_TYPE,
                           _("The payload has no “type” string: add one of text, url, wifi, vcard, mecard, email, phone, sms, geo or event."));
      return NULL;
    }

  if (!qrs_payload_type_from_string (json_node_get_string (type_node), &payload_type))
    {
      g_autofree char *shown = g_utf8_make_valid (json_node_get_string (type_node), -1);

      g_set_error (error, QRS_PAYLOAD_ERROR, QRS_PAYLOAD_ERROR_UNKNOWN_TYPE,
                   _("“%s” is not a payload type: use one of text, url, wifi, vcard, mecard, email, phone, sms, geo or event."),
                   shown);
      return NULL;
    }

  members = json_object_get_members (object);
  for (const GList *l = members; l != NULL; l = l->next)
    if (strcmp (l->data, "type") != 0 && strcmp (l->data, "fields") != 0)
      {
        g_autofree char *shown = g_utf8_make_valid (l->data, -1);

        g_set_error (error, QRS_PAYLOAD_ERROR, QRS_PAYLOAD_ERROR_UNKNOWN_FIELD,
                     _("The payload has a member “%s”, which is not known: a payload has only “type” and “fields”."),
                     shown);
        return NULL;
      }

  self = qrs_payload_new (payload_type);
  fields_node = json_object_get_member (object, "fields");

  /* No "fields" is an empty payload, which encoding will report. */
  if (fields_node == NULL)
    return g_steal_pointer (&self);

  if (!JSON_NODE_HOLDS_OBJECT (fields_node))
    {
      g_set_error (error, QRS_PAYLOAD_ERROR, QRS_PAYLOAD_ERROR_INVALID_FIELD,
                   _("The payload’s “fields” must be a JSON object, not %s."),
                   describe_node (fields_node));
      return NULL;
    }

  g_clear_pointer (&members, g_list_free);
  members = json_object_get_members (json_node_get_object (fields_node));

  for (const GList *l = members; l != NULL; l = l->next)
    {
      const char *name = l->data;
      JsonNode *value = json_object_get_member (json_node_get_object (fields_node), name);
      const QrsPayloadField *field;
      int idx;

      if ((idx = lookup_field (self, name, error)) < 0)
        return NULL;

      field = get_field (self, idx);

      if (is_string_node (value))
        {
          if (!qrs_payload_set (self, name, json_node_get_string (value), error))
            return NULL;
        }
      else if (field->multiple && JSON_NODE_HOLDS_ARRAY (value))
        {
          JsonArray *array = json_node_get_array (value);

          for (guint i = 0; i < json_array_get_length (array); i++)
            {
              JsonNode *element = json_array_get_element (array, i);

              if (!is_string_node (element))
                {
                  g_set_error (error, QRS_PAYLOAD_ERROR, QRS_PAYLOAD_ERROR_INVALID_FIELD,
                               _("The “%s” field must be an array of strings, but item %u is %s."),
                               name, i + 1, describe_node (element));
                  return NULL;
                }

              if (!qrs_payload_add (self, name, json_node_get_string (element), error))
                return NULL;
            }
        }
      else if (field->multiple)
        {
          g_set_error (error, QRS_PAYLOAD_ERROR, QRS_PAYLOAD_ERROR_INVALID_FIELD,
                       _("The “%s” field must be a string or an array of strings, not %s."),
                       name, describe_node (value));
          return NULL;
        }
      else
        {
          g_set_error (error, QRS_PAYLOAD_ERROR, QRS_PAYLOAD_ERROR_INVALID_FIELD,
                       _("The “%s” field must be a string (like \"true\" or \"48.85\"), not %s."),
                       name, describe_node (value));
          return NULL;
        }
    }

  return g_steal_pointer (&self);
}

/* Types */

const char *
qrs_payload_type_to_string (QrsPayloadType payload_type)
{
  g_return_val_if_fail (payload_type <= QRS_PAYLOAD_TYPE_EVENT, NULL);

  return type_infos[payload_type].name;
}

/**
 * qrs_payload_type_from_string:
 * @str: (nullable): "text", "url", "wifi" … in any case
 * @payload_type: (out): where to store the type
 *
 * Returns: %TRUE if @str names a type
 */
gboolean
qrs_payload_type_from_string (const char     *str,
                              QrsPayloadType *payload_type)
{
  g_return_val_if_fail (payload_type != NULL, FALSE);

  if (str == NULL)
    return FALSE;

  for (guint i = 0; i < G_N_ELEMENTS (type_infos); i++)
    if (g_ascii_strcasecmp (str, type_infos[i].name) == 0)
      {
        *payload_type = i;
        return TRUE;
      }

  return FALSE;
}

/**
 * qrs_payload_type_get_fields:
 * @payload_type: a payload type
 * @n_fields: (out) (optional): where to store the number of fields
 *
 * The type's fields in the order forms and options should show them.
 * The labels are untranslated: pass them through _().
 *
 * Returns: (array length=n_fields) (transfer none): a static table, also
 *   ended by an entry whose name is %NULL
 */
const QrsPayloadField *
qrs_payload_type_get_fields (QrsPayloadType  payload_type,
                             guint          *n_fields)
{
  g_return_val_if_fail (payload_type <= QRS_PAYLOAD_TYPE_EVENT, NULL);

  if (n_fields != NULL)
    *n_fields = type_infos[payload_type].n_fields;

  return type_infos[payload_type].fields;
}

/**
 * qrs_payload_field_get_choice_label:
 * @field: a field from qrs_payload_type_get_fields()
 * @choice: one of the field's choices, in any case
 *
 * Returns: (nullable): the translated label a form shows for @choice, or
 *   %NULL when @field has no such choice
 */
const char *
qrs_payload_field_get_choice_label (const QrsPayloadField *field,
                                    const char            *choice)
{
  g_return_val_if_fail (field != NULL, NULL);
  g_return_val_if_fail (choice != NULL, NULL);

  for (guint i = 0; field->choices != NULL && field->choices[i] != NULL; i++)
    if (g_ascii_strcasecmp (field->choices[i], choice) == 0)
      return _(field->choice_labels[i]);

  return NULL;
}
