/* qrs-code.c — one stored QR code
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "qrs-code-private.h"
#include "qrs-store-enums.h"

struct _QrsCode
{
  GObject      parent_instance;

  gint64       id;
  int          version;
  GDateTime   *created_at;
  char        *created_by;
  GDateTime   *updated_at;
  char        *updated_by;

  QrsCodeKind  kind;
  char        *short_id;
  char        *payload_type;
  char        *payload;
  char        *encoded;
  char        *target_url;
  char        *design;
  char        *logo_sha256;
  char        *title;
  char        *description;
  GStrv        tags;
  GDateTime   *expires_at;
  guint        enabled : 1;
  guint        utm_passthrough : 1;
};

enum {
  PROP_0,
  PROP_ID,
  PROP_VERSION,
  PROP_CREATED_AT,
  PROP_CREATED_BY,
  PROP_UPDATED_AT,
  PROP_UPDATED_BY,
  PROP_KIND,
  PROP_SHORT_ID,
  PROP_PAYLOAD_TYPE,
  PROP_PAYLOAD,
  PROP_ENCODED,
  PROP_TARGET_URL,
  PROP_DESIGN,
  PROP_LOGO_SHA256,
  PROP_TITLE,
  PROP_DESCRIPTION,
  PROP_TAGS,
  PROP_ENABLED,
  PROP_EXPIRES_AT,
  PROP_UTM_PASSTHROUGH,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

G_DEFINE_FINAL_TYPE (QrsCode, qrs_code, G_TYPE_OBJECT)

/* Empty means absent for the optional text fields. */
static gboolean
set_optional_string (char       **field,
                     const char  *value)
{
  if (value != NULL && *value == '\0')
    value = NULL;
  if (g_strcmp0 (*field, value) == 0)
    return FALSE;
  g_free (*field);
  *field = g_strdup (value);
  return TRUE;
}

static gboolean
set_string (char       **field,
            const char  *value,
            const char  *fallback)
{
  if (value == NULL)
    value = fallback;
  if (g_strcmp0 (*field, value) == 0)
    return FALSE;
  g_free (*field);
  *field = g_strdup (value);
  return TRUE;
}

static gboolean
set_date_time (GDateTime **field,
               GDateTime  *value)
{
  if (*field == value || (*field != NULL && value != NULL && g_date_time_equal (*field, value)))
    return FALSE;
  g_clear_pointer (field, g_date_time_unref);
  *field = value ? g_date_time_ref (value) : NULL;
  return TRUE;
}

static void
qrs_code_finalize (GObject *object)
{
  QrsCode *self = (QrsCode *)object;

  g_clear_pointer (&self->created_at, g_date_time_unref);
  g_clear_pointer (&self->updated_at, g_date_time_unref);
  g_clear_pointer (&self->expires_at, g_date_time_unref);
  g_free (self->created_by);
  g_free (self->updated_by);
  g_free (self->short_id);
  g_free (self->payload_type);
  g_free (self->payload);
  g_free (self->encoded);
  g_free (self->target_url);
  g_free (self->design);
  g_free (self->logo_sha256);
  g_free (self->title);
  g_free (self->description);
  g_strfreev (self->tags);

  G_OBJECT_CLASS (qrs_code_parent_class)->finalize (object);
}

static void
qrs_code_get_property (GObject    *object,
                       guint       prop_id,
                       GValue     *value,
                       GParamSpec *pspec)
{
  QrsCode *self = QRS_CODE (object);

  switch (prop_id)
    {
    case PROP_ID: g_value_set_int64 (value, self->id); break;
    case PROP_VERSION: g_value_set_int (value, self->version); break;
    case PROP_CREATED_AT: g_value_set_boxed (value, self->created_at); break;
    case PROP_CREATED_BY: g_value_set_string (value, self->created_by); break;
    case PROP_UPDATED_AT: g_value_set_boxed (value, self->updated_at); break;
    case PROP_UPDATED_BY: g_value_set_string (value, self->updated_by); break;
    case PROP_KIND: g_value_set_enum (value, self->kind); break;
    case PROP_SHORT_ID: g_value_set_string (value, self->short_id); break;
    case PROP_PAYLOAD_TYPE: g_value_set_string (value, self->payload_type); break;
    case PROP_PAYLOAD: g_value_set_string (value, self->payload); break;
    case PROP_ENCODED: g_value_set_string (value, self->encoded); break;
    case PROP_TARGET_URL: g_value_set_string (value, self->target_url); break;
    case PROP_DESIGN: g_value_set_string (value, self->design); break;
    case PROP_LOGO_SHA256: g_value_set_string (value, self->logo_sha256); break;
    case PROP_TITLE: g_value_set_string (value, self->title); break;
    case PROP_DESCRIPTION: g_value_set_string (value, self->description); break;
    case PROP_TAGS: g_value_set_boxed (value, self->tags); break;
    case PROP_ENABLED: g_value_set_boolean (value, self->enabled); break;
    case PROP_EXPIRES_AT: g_value_set_boxed (value, self->expires_at); break;
    case PROP_UTM_PASSTHROUGH: g_value_set_boolean (value, self->utm_passthrough); break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
qrs_code_set_property (GObject      *object,
                       guint         prop_id,
                       const GValue *value,
                       GParamSpec   *pspec)
{
  QrsCode *self = QRS_CODE (object);

  switch (prop_id)
    {
    case PROP_KIND: qrs_code_set_kind (self, g_value_get_enum (value)); break;
    case PROP_SHORT_ID: qrs_code_set_short_id (self, g_value_get_string (value)); break;
    case PROP_PAYLOAD_TYPE: qrs_code_set_payload_type (self, g_value_get_string (value)); break;
    case PROP_PAYLOAD: qrs_code_set_payload (self, g_value_get_string (value)); break;
    case PROP_ENCODED: qrs_code_set_encoded (self, g_value_get_string (value)); break;
    case PROP_TARGET_URL: qrs_code_set_target_url (self, g_value_get_string (value)); break;
    case PROP_DESIGN: qrs_code_set_design (self, g_value_get_string (value)); break;
    case PROP_LOGO_SHA256: qrs_code_set_logo_sha256 (self, g_value_get_string (value)); break;
    case PROP_TITLE: qrs_code_set_title (self, g_value_get_string (value)); break;
    case PROP_DESCRIPTION: qrs_code_set_description (self, g_value_get_string (value)); break;
    case PROP_TAGS: qrs_code_set_tags (self, g_value_get_boxed (value)); break;
    case PROP_ENABLED: qrs_code_set_enabled (self, g_value_get_boolean (value)); break;
    case PROP_EXPIRES_AT: qrs_code_set_expires_at (self, g_value_get_boxed (value)); break;
    case PROP_UTM_PASSTHROUGH: qrs_code_set_utm_passthrough (self, g_value_get_boolean (value)); break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
qrs_code_class_init (QrsCodeClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags ro = G_PARAM_READABLE | G_PARAM_STATIC_STRINGS;
  GParamFlags rw = G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  object_class->finalize = qrs_code_finalize;
  object_class->get_property = qrs_code_get_property;
  object_class->set_property = qrs_code_set_property;

  /* 0 until stored. */
  properties[PROP_ID] = g_param_spec_int64 ("id", NULL, NULL, 0, G_MAXINT64, 0, ro);
  /* The row version read; an update succeeds only if it is still current. */
  properties[PROP_VERSION] = g_param_spec_int ("version", NULL, NULL, 0, G_MAXINT, 0, ro);
  properties[PROP_CREATED_AT] = g_param_spec_boxed ("created-at", NULL, NULL, G_TYPE_DATE_TIME, ro);
  properties[PROP_CREATED_BY] = g_param_spec_string ("created-by", NULL, NULL, NULL, ro);
  properties[PROP_UPDATED_AT] = g_param_spec_boxed ("updated-at", NULL, NULL, G_TYPE_DATE_TIME, ro);
  properties[PROP_UPDATED_BY] = g_param_spec_string ("updated-by", NULL, NULL, NULL, ro);
  properties[PROP_KIND] = g_param_spec_enum ("kind", NULL, NULL,
                                             QRS_TYPE_CODE_KIND, QRS_CODE_KIND_STATIC, rw);
  properties[PROP_SHORT_ID] = g_param_spec_string ("short-id", NULL, NULL, NULL, rw);
  properties[PROP_PAYLOAD_TYPE] = g_param_spec_string ("payload-type", NULL, NULL, "text", rw);
  properties[PROP_PAYLOAD] = g_param_spec_string ("payload", NULL, NULL, "{}", rw);
  properties[PROP_ENCODED] = g_param_spec_string ("encoded", NULL, NULL, "", rw);
  properties[PROP_TARGET_URL] = g_param_spec_string ("target-url", NULL, NULL, NULL, rw);
  properties[PROP_DESIGN] = g_param_spec_string ("design", NULL, NULL, "{}", rw);
  properties[PROP_LOGO_SHA256] = g_param_spec_string ("logo-sha256", NULL, NULL, NULL, rw);
  properties[PROP_TITLE] = g_param_spec_string ("title", NULL, NULL, "", rw);
  properties[PROP_DESCRIPTION] = g_param_spec_string ("description", NULL, NULL, "", rw);
  properties[PROP_TAGS] = g_param_spec_boxed ("tags", NULL, NULL, G_TYPE_STRV, rw);
  properties[PROP_ENABLED] = g_param_spec_boolean ("enabled", NULL, NULL, TRUE, rw);
  properties[PROP_EXPIRES_AT] = g_param_spec_boxed ("expires-at", NULL, NULL, G_TYPE_DATE_TIME, rw);
  properties[PROP_UTM_PASSTHROUGH] = g_param_spec_boolean ("utm-passthrough", NULL, NULL, FALSE, rw);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
qrs_code_init (QrsCode *self)
{
  self->payload_type = g_strdup ("text");
  self->payload = g_strdup ("{}");
  self->encoded = g_strdup ("");
  self->design = g_strdup ("{}");
  self->title = g_strdup ("");
  self->description = g_strdup ("");
  self->tags = g_new0 (char *, 1);
  self->enabled = TRUE;
}

/**
 * qrs_code_new:
 * @kind: static or dynamic
 *
 * A new code, not stored yet.  A dynamic code's payload type is "url".
 *
 * Returns: (transfer full): a new #QrsCode
 */
QrsCode *
qrs_code_new (QrsCodeKind kind)
{
  QrsCode *self = g_object_new (QRS_TYPE_CODE, NULL);

  self->kind = kind;
  if (kind == QRS_CODE_KIND_DYNAMIC)
    set_string (&self->payload_type, "url", NULL);
  return self;
}

/**
 * qrs_code_copy:
 * @self: a #QrsCode
 *
 * Returns: (transfer full): a copy of @self, stored fields included
 */
QrsCode *
qrs_code_copy (QrsCode *self)
{
  QrsCode *copy;

  g_return_val_if_fail (QRS_IS_CODE (self), NULL);

  copy = g_object_new (QRS_TYPE_CODE, NULL);
  copy->id = self->id;
  copy->version = self->version;
  copy->created_at = self->created_at ? g_date_time_ref (self->created_at) : NULL;
  copy->created_by = g_strdup (self->created_by);
  copy->updated_at = self->updated_at ? g_date_time_ref (self->updated_at) : NULL;
  copy->updated_by = g_strdup (self->updated_by);
  copy->kind = self->kind;
  copy->short_id = g_strdup (self->short_id);
  set_string (&copy->payload_type, self->payload_type, NULL);
  set_string (&copy->payload, self->payload, NULL);
  set_string (&copy->encoded, self->encoded, NULL);
  copy->target_url = g_strdup (self->target_url);
  set_string (&copy->design, self->design, NULL);
  copy->logo_sha256 = g_strdup (self->logo_sha256);
  set_string (&copy->title, self->title, NULL);
  set_string (&copy->description, self->description, NULL);
  g_strfreev (copy->tags);
  copy->tags = g_strdupv (self->tags);
  copy->enabled = self->enabled;
  copy->expires_at = self->expires_at ? g_date_time_ref (self->expires_at) : NULL;
  copy->utm_passthrough = self->utm_passthrough;
  return copy;
}

void
qrs_code_set_stored (QrsCode    *self,
                     gint64      id,
                     int         version,
                     GDateTime  *created_at,
                     const char *created_by,
                     GDateTime  *updated_at,
                     const char *updated_by)
{
  g_return_if_fail (QRS_IS_CODE (self));

  self->id = id;
  self->version = version;
  set_date_time (&self->created_at, created_at);
  set_string (&self->created_by, created_by, NULL);
  set_date_time (&self->updated_at, updated_at);
  set_string (&self->updated_by, updated_by, NULL);
}

gint64
qrs_code_get_id (QrsCode *self)
{
  g_return_val_if_fail (QRS_IS_CODE (self), 0);
  return self->id;
}

int
qrs_code_get_version (QrsCode *self)
{
  g_return_val_if_fail (QRS_IS_CODE (self), 0);
  return self->version;
}

GDateTime *
qrs_code_get_created_at (QrsCode *self)
{
  g_return_val_if_fail (QRS_IS_CODE (self), NULL);
  return self->created_at;
}

const char *
qrs_code_get_created_by (QrsCode *self)
{
  g_return_val_if_fail (QRS_IS_CODE (self), NULL);
  return self->created_by;
}

GDateTime *
qrs_code_get_updated_at (QrsCode *self)
{
  g_return_val_if_fail (QRS_IS_CODE (self), NULL);
  return self->updated_at;
}

const char *
qrs_code_get_updated_by (QrsCode *self)
{
  g_return_val_if_fail (QRS_IS_CODE (self), NULL);
  return self->updated_by;
}

QrsCodeKind
qrs_code_get_kind (QrsCode *self)
{
  g_return_val_if_fail (QRS_IS_CODE (self), QRS_CODE_KIND_STATIC);
  return self->kind;
}

void
qrs_code_set_kind (QrsCode     *self,
                   QrsCodeKind  kind)
{
  g_return_if_fail (QRS_IS_CODE (self));
  g_return_if_fail (kind == QRS_CODE_KIND_STATIC || kind == QRS_CODE_KIND_DYNAMIC);

  if (self->kind == kind)
    return;
  self->kind = kind;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_KIND]);
}

#define DEFINE_STRING_ACCESSORS(field, PROP, setter_body)                    \
  const char *                                                               \
  qrs_code_get_##field (QrsCode *self)                                       \
  {                                                                          \
    g_return_val_if_fail (QRS_IS_CODE (self), NULL);                         \
    return self->field;                                                      \
  }                                                                          \
                                                                             \
  void                                                                       \
  qrs_code_set_##field (QrsCode    *self,                                    \
                        const char *value)                                   \
  {                                                                          \
    g_return_if_fail (QRS_IS_CODE (self));                                   \
    if (setter_body)                                                         \
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP]);          \
  }

DEFINE_STRING_ACCESSORS (short_id, PROP_SHORT_ID, set_optional_string (&self->short_id, value))
DEFINE_STRING_ACCESSORS (payload_type, PROP_PAYLOAD_TYPE, set_string (&self->payload_type, value, "text"))
DEFINE_STRING_ACCESSORS (payload, PROP_PAYLOAD, set_string (&self->payload, value, "{}"))
DEFINE_STRING_ACCESSORS (encoded, PROP_ENCODED, set_string (&self->encoded, value, ""))
DEFINE_STRING_ACCESSORS (target_url, PROP_TARGET_URL, set_optional_string (&self->target_url, value))
DEFINE_STRING_ACCESSORS (design, PROP_DESIGN, set_string (&self->design, value, "{}"))
DEFINE_STRING_ACCESSORS (logo_sha256, PROP_LOGO_SHA256, set_optional_string (&self->logo_sha256, value))
DEFINE_STRING_ACCESSORS (title, PROP_TITLE, set_string (&self->title, value, ""))
DEFINE_STRING_ACCESSORS (description, PROP_DESCRIPTION, set_string (&self->description, value, ""))

#undef DEFINE_STRING_ACCESSORS

const char * const *
qrs_code_get_tags (QrsCode *self)
{
  g_return_val_if_fail (QRS_IS_CODE (self), NULL);
  return (const char * const *)self->tags;
}

void
qrs_code_set_tags (QrsCode            *self,
                   const char * const *tags)
{
  static const char * const no_tags[] = { NULL };

  g_return_if_fail (QRS_IS_CODE (self));

  /* Static: a compound literal would end with the if's block. */
  if (tags == NULL)
    tags = no_tags;
  if (g_strv_equal ((const char * const *)self->tags, tags))
    return;
  g_strfreev (self->tags);
  self->tags = g_strdupv ((char **)tags);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TAGS]);
}

gboolean
qrs_code_get_enabled (QrsCode *self)
{
  g_return_val_if_fail (QRS_IS_CODE (self), FALSE);
  return self->enabled;
}

void
qrs_code_set_enabled (QrsCode  *self,
                      gboolean  enabled)
{
  g_return_if_fail (QRS_IS_CODE (self));

  enabled = !!enabled;
  if (self->enabled == enabled)
    return;
  self->enabled = enabled;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ENABLED]);
}

GDateTime *
qrs_code_get_expires_at (QrsCode *self)
{
  g_return_val_if_fail (QRS_IS_CODE (self), NULL);
  return self->expires_at;
}

void
qrs_code_set_expires_at (QrsCode   *self,
                         GDateTime *expires_at)
{
  g_return_if_fail (QRS_IS_CODE (self));

  if (set_date_time (&self->expires_at, expires_at))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_EXPIRES_AT]);
}

gboolean
qrs_code_get_utm_passthrough (QrsCode *self)
{
  g_return_val_if_fail (QRS_IS_CODE (self), FALSE);
  return self->utm_passthrough;
}

void
qrs_code_set_utm_passthrough (QrsCode  *self,
                              gboolean  utm_passthrough)
{
  g_return_if_fail (QRS_IS_CODE (self));

  utm_passthrough = !!utm_passthrough;
  if (self->utm_passthrough == utm_passthrough)
    return;
  self->utm_passthrough = utm_passthrough;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_UTM_PASSTHROUGH]);
}

/**
 * qrs_code_kind_to_string:
 * @kind: a #QrsCodeKind
 *
 * Returns: "static" or "dynamic", as the database spells it
 */
const char *
qrs_code_kind_to_string (QrsCodeKind kind)
{
  return kind == QRS_CODE_KIND_DYNAMIC ? "dynamic" : "static";
}

gboolean
qrs_code_kind_from_string (const char  *str,
                           QrsCodeKind *kind)
{
  g_return_val_if_fail (kind != NULL, FALSE);

  if (g_strcmp0 (str, "static") == 0)
    *kind = QRS_CODE_KIND_STATIC;
  else if (g_strcmp0 (str, "dynamic") == 0)
    *kind = QRS_CODE_KIND_DYNAMIC;
  else
    return FALSE;
  return TRUE;
}
