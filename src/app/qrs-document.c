/* qrs-document.c — one code as the app edits it: payload, design, kind, tags
 *
 * The library list holds these and the editor edits one at a time.  When
 * the store lands, a document is filled from and saved to a row of
 * `codes`; until then the library is a list in memory.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <json-glib/json-glib.h>

#include "qrs-document.h"

struct _QrsDocument
{
  GObject      parent_instance;

  gint64       id;
  QrsCodeKind  kind;
  char        *short_id;
  char        *provisional_short_id;
  char        *redirect_base;
  QrsPayload  *payload;
  QrsDesign   *design;
  GStrv        tags;

  QrsCode     *stored;    /* the row as the store last gave it, or NULL */
  gboolean     modified;  /* as the window last found it: unsaved edits */

  char        *text;
  GError      *error;
};

enum {
  PROP_0,
  PROP_ID,
  PROP_KIND,
  PROP_SHORT_ID,
  PROP_REDIRECT_BASE,
  PROP_PAYLOAD,
  PROP_DESIGN,
  PROP_TAGS,
  PROP_TEXT,
  PROP_ERROR,
  PROP_TITLE,
  PROP_MODIFIED,
  N_PROPS
};

G_DEFINE_FINAL_TYPE (QrsDocument, qrs_document, G_TYPE_OBJECT)

static GParamSpec *properties[N_PROPS];

#define DEFAULT_REDIRECT_BASE "http://localhost:8080/r/"

/* Short ids are minted by the store when a dynamic code is first saved.
 * Until then the preview shows a link with a provisional id of the same
 * shape, so the symbol has the size it will have. */
static char *
make_provisional_short_id (void)
{
  static const char alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  char id[9];

  for (guint i = 0; i < 8; i++)
    id[i] = alphabet[g_random_int_range (0, sizeof alphabet - 1)];
  id[8] = '\0';

  return g_strdup (id);
}

/* g_set_str() is GLib 2.76; we build against 2.74. */
static gboolean
replace_str (char       **str,
             const char  *value)
{
  if (g_strcmp0 (*str, value) == 0)
    return FALSE;

  g_free (*str);
  *str = g_strdup (value);

  return TRUE;
}

static void
qrs_document_update_text (QrsDocument *self)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;
  gboolean error_changed;

  /* For a dynamic code the payload is the destination; it is checked the
   * same way but the symbol says the short link. */
  text = qrs_payload_encode (self->payload, &error);

  if (self->kind == QRS_CODE_KIND_DYNAMIC)
    {
      g_free (text);
      text = qrs_document_dup_short_url (self);
    }

  error_changed = (error != NULL) != (self->error != NULL) ||
                  (error != NULL && g_strcmp0 (error->message, self->error->message) != 0);
  g_clear_error (&self->error);
  self->error = g_steal_pointer (&error);

  if (g_strcmp0 (text, self->text) != 0)
    {
      g_free (self->text);
      self->text = g_steal_pointer (&text);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TEXT]);
    }

  if (error_changed)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ERROR]);
}

static void
design_notify_title_cb (QrsDocument *self)
{
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TITLE]);
}

static void
qrs_document_finalize (GObject *object)
{
  QrsDocument *self = (QrsDocument *)object;

  g_clear_pointer (&self->short_id, g_free);
  g_clear_pointer (&self->provisional_short_id, g_free);
  g_clear_pointer (&self->redirect_base, g_free);
  g_clear_object (&self->payload);
  g_clear_object (&self->design);
  g_clear_pointer (&self->tags, g_strfreev);
  g_clear_object (&self->stored);
  g_clear_pointer (&self->text, g_free);
  g_clear_error (&self->error);

  G_OBJECT_CLASS (qrs_document_parent_class)->finalize (object);
}

static void
qrs_document_get_property (GObject    *object,
                           guint       prop_id,
                           GValue     *value,
                           GParamSpec *pspec)
{
  QrsDocument *self = QRS_DOCUMENT (object);

  switch (prop_id)
    {
    case PROP_ID:
      g_value_set_int64 (value, self->id);
      break;

    case PROP_KIND:
      g_value_set_enum (value, self->kind);
      break;

    case PROP_SHORT_ID:
      g_value_set_string (value, self->short_id);
      break;

    case PROP_REDIRECT_BASE:
      g_value_set_string (value, self->redirect_base);
      break;

    case PROP_PAYLOAD:
      g_value_set_object (value, self->payload);
      break;

    case PROP_DESIGN:
      g_value_set_object (value, self->design);
      break;

    case PROP_TAGS:
      g_value_set_boxed (value, self->tags);
      break;

    case PROP_TEXT:
      g_value_set_string (value, self->text);
      break;

    case PROP_ERROR:
      g_value_set_boxed (value, self->error);
      break;

    case PROP_TITLE:
      g_value_take_string (value, qrs_document_dup_display_title (self));
      break;

    case PROP_MODIFIED:
      g_value_set_boolean (value, self->modified);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
qrs_document_set_property (GObject      *object,
                           guint         prop_id,
                           const GValue *value,
                           GParamSpec   *pspec)
{
  QrsDocument *self = QRS_DOCUMENT (object);

  switch (prop_id)
    {
    case PROP_ID:
      qrs_document_set_id (self, g_value_get_int64 (value));
      break;

    case PROP_KIND:
      qrs_document_set_kind (self, g_value_get_enum (value));
      break;

    case PROP_SHORT_ID:
      qrs_document_set_short_id (self, g_value_get_string (value));
      break;

    case PROP_REDIRECT_BASE:
      qrs_document_set_redirect_base (self, g_value_get_string (value));
      break;

    case PROP_PAYLOAD:
      qrs_document_set_payload (self, g_value_get_object (value));
      break;

    case PROP_TAGS:
      qrs_document_set_tags (self, g_value_get_boxed (value));
      break;

    case PROP_MODIFIED:
      qrs_document_set_modified (self, g_value_get_boolean (value));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
qrs_document_class_init (QrsDocumentClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags flags = G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;
  GParamFlags ro = G_PARAM_READABLE | G_PARAM_STATIC_STRINGS;

  object_class->finalize = qrs_document_finalize;
  object_class->get_property = qrs_document_get_property;
  object_class->set_property = qrs_document_set_property;

  properties[PROP_ID] =
    g_param_spec_int64 ("id", NULL, NULL, 0, G_MAXINT64, 0, flags);
  properties[PROP_KIND] =
    g_param_spec_enum ("kind", NULL, NULL, QRS_TYPE_CODE_KIND, QRS_CODE_KIND_STATIC, flags);
  properties[PROP_SHORT_ID] =
    g_param_spec_string ("short-id", NULL, NULL, NULL, flags);
  properties[PROP_REDIRECT_BASE] =
    g_param_spec_string ("redirect-base", NULL, NULL, DEFAULT_REDIRECT_BASE, flags);
  properties[PROP_PAYLOAD] =
    g_param_spec_object ("payload", NULL, NULL, QRS_TYPE_PAYLOAD, flags);
  properties[PROP_DESIGN] =
    g_param_spec_object ("design", NULL, NULL, QRS_TYPE_DESIGN, ro);
  properties[PROP_TAGS] =
    g_param_spec_boxed ("tags", NULL, NULL, G_TYPE_STRV, flags);
  properties[PROP_TEXT] =
    g_param_spec_string ("text", NULL, NULL, NULL, ro);
  properties[PROP_ERROR] =
    g_param_spec_boxed ("error", NULL, NULL, G_TYPE_ERROR, ro);
  properties[PROP_TITLE] =
    g_param_spec_string ("title", NULL, NULL, NULL, ro);
  properties[PROP_MODIFIED] =
    g_param_spec_boolean ("modified", NULL, NULL, FALSE, flags);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
qrs_document_init (QrsDocument *self)
{
  self->redirect_base = g_strdup (DEFAULT_REDIRECT_BASE);
  self->provisional_short_id = make_provisional_short_id ();
  self->payload = qrs_payload_new (QRS_PAYLOAD_TYPE_URL);
  self->design = qrs_design_new ();
  self->tags = g_new0 (char *, 1);

  g_signal_connect_object (self->design, "notify::title",
                           G_CALLBACK (design_notify_title_cb), self,
                           G_CONNECT_SWAPPED);

  qrs_document_update_text (self);
}

QrsDocument *
qrs_document_new (void)
{
  return g_object_new (QRS_TYPE_DOCUMENT, NULL);
}

/**
 * qrs_document_duplicate:
 *
 * Returns: (transfer full): a new, unsaved document that looks and says
 *   the same; a dynamic code's copy gets its own short link when saved
 */
QrsDocument *
qrs_document_duplicate (QrsDocument *self)
{
  QrsDocument *copy;
  g_autoptr(QrsPayload) payload = NULL;
  g_autoptr(QrsDesign) design = NULL;

  g_return_val_if_fail (QRS_IS_DOCUMENT (self), NULL);

  copy = qrs_document_new ();
  payload = qrs_payload_copy (self->payload);
  design = qrs_design_copy (self->design);

  g_set_object (&copy->design, design);
  g_signal_connect_object (copy->design, "notify::title",
                           G_CALLBACK (design_notify_title_cb), copy,
                           G_CONNECT_SWAPPED);
  copy->kind = self->kind;
  g_free (copy->redirect_base);
  copy->redirect_base = g_strdup (self->redirect_base);
  g_strfreev (copy->tags);
  copy->tags = g_strdupv (self->tags);
  qrs_document_set_payload (copy, payload);

  return copy;
}

gint64
qrs_document_get_id (QrsDocument *self)
{
  g_return_val_if_fail (QRS_IS_DOCUMENT (self), 0);

  return self->id;
}

void
qrs_document_set_id (QrsDocument *self,
                     gint64       id)
{
  g_return_if_fail (QRS_IS_DOCUMENT (self));
  g_return_if_fail (id >= 0);

  if (self->id != id)
    {
      self->id = id;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ID]);
    }
}

QrsCodeKind
qrs_document_get_kind (QrsDocument *self)
{
  g_return_val_if_fail (QRS_IS_DOCUMENT (self), QRS_CODE_KIND_STATIC);

  return self->kind;
}

/**
 * qrs_document_set_kind:
 *
 * A dynamic code always points at a web address, and never uses Micro QR
 * (a short link does not fit one reliably); making a code dynamic turns
 * its payload into a URL, keeping the address when it had one.
 */
void
qrs_document_set_kind (QrsDocument *self,
                       QrsCodeKind  kind)
{
  g_return_if_fail (QRS_IS_DOCUMENT (self));
  g_return_if_fail (kind <= QRS_CODE_KIND_DYNAMIC);

  if (self->kind == kind)
    return;

  g_object_freeze_notify (G_OBJECT (self));

  self->kind = kind;
  if (kind == QRS_CODE_KIND_DYNAMIC)
    {
      qrs_design_set_symbol_type (self->design, QRS_SYMBOL_TYPE_QR);
      if (qrs_payload_get_payload_type (self->payload) != QRS_PAYLOAD_TYPE_URL)
        {
          g_autoptr(QrsPayload) payload = qrs_payload_new (QRS_PAYLOAD_TYPE_URL);

          g_set_object (&self->payload, payload);
          g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PAYLOAD]);
        }
    }

  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_KIND]);
  qrs_document_update_text (self);

  g_object_thaw_notify (G_OBJECT (self));
}

const char *
qrs_document_get_short_id (QrsDocument *self)
{
  g_return_val_if_fail (QRS_IS_DOCUMENT (self), NULL);

  return self->short_id;
}

void
qrs_document_set_short_id (QrsDocument *self,
                           const char  *short_id)
{
  g_return_if_fail (QRS_IS_DOCUMENT (self));

  if (replace_str (&self->short_id, short_id))
    {
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SHORT_ID]);
      qrs_document_update_text (self);
    }
}

const char *
qrs_document_get_redirect_base (QrsDocument *self)
{
  g_return_val_if_fail (QRS_IS_DOCUMENT (self), NULL);

  return self->redirect_base;
}

void
qrs_document_set_redirect_base (QrsDocument *self,
                                const char  *redirect_base)
{
  g_return_if_fail (QRS_IS_DOCUMENT (self));

  if (redirect_base == NULL || redirect_base[0] == '\0')
    redirect_base = DEFAULT_REDIRECT_BASE;

  if (replace_str (&self->redirect_base, redirect_base))
    {
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_REDIRECT_BASE]);
      qrs_document_update_text (self);
    }
}

/**
 * qrs_document_dup_short_url:
 *
 * Returns: (transfer full) (nullable): the short link a dynamic code
 *   encodes — with a provisional id until the code is saved — or %NULL
 *   for a static code
 */
char *
qrs_document_dup_short_url (QrsDocument *self)
{
  const char *id;

  g_return_val_if_fail (QRS_IS_DOCUMENT (self), NULL);

  if (self->kind != QRS_CODE_KIND_DYNAMIC)
    return NULL;

  id = self->short_id ? self->short_id : self->provisional_short_id;
  if (g_str_has_suffix (self->redirect_base, "/"))
    return g_strconcat (self->redirect_base, id, NULL);

  return g_strconcat (self->redirect_base, "/", id, NULL);
}

/**
 * qrs_document_get_payload:
 *
 * Returns: (transfer none): what the code says; for a dynamic code, its
 *   destination
 */
QrsPayload *
qrs_document_get_payload (QrsDocument *self)
{
  g_return_val_if_fail (QRS_IS_DOCUMENT (self), NULL);

  return self->payload;
}

void
qrs_document_set_payload (QrsDocument *self,
                          QrsPayload  *payload)
{
  g_return_if_fail (QRS_IS_DOCUMENT (self));
  g_return_if_fail (QRS_IS_PAYLOAD (payload));

  if (g_set_object (&self->payload, payload))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PAYLOAD]);

  /* The payload may have changed in place, so always look again. */
  qrs_document_update_text (self);
}

/**
 * qrs_document_get_design:
 *
 * Returns: (transfer none): the design, the same object for the
 *   document's whole life so views can bind to it
 */
QrsDesign *
qrs_document_get_design (QrsDocument *self)
{
  g_return_val_if_fail (QRS_IS_DOCUMENT (self), NULL);

  return self->design;
}

const char * const *
qrs_document_get_tags (QrsDocument *self)
{
  g_return_val_if_fail (QRS_IS_DOCUMENT (self), NULL);

  return (const char * const *)self->tags;
}

void
qrs_document_set_tags (QrsDocument        *self,
                       const char * const *tags)
{
  static const char * const empty[] = { NULL };

  g_return_if_fail (QRS_IS_DOCUMENT (self));

  if (tags == NULL)
    tags = empty;

  if (g_strv_equal ((const char * const *)self->tags, tags))
    return;

  g_strfreev (self->tags);
  self->tags = g_strdupv ((char **)tags);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TAGS]);
}

/**
 * qrs_document_get_text:
 *
 * Returns: (nullable): the text the symbol encodes, or %NULL while the
 *   payload is not valid (see qrs_document_get_error())
 */
const char *
qrs_document_get_text (QrsDocument *self)
{
  g_return_val_if_fail (QRS_IS_DOCUMENT (self), NULL);

  return self->text;
}

/**
 * qrs_document_get_error:
 *
 * Returns: (nullable): why the payload is not valid, naming the field
 */
const GError *
qrs_document_get_error (QrsDocument *self)
{
  g_return_val_if_fail (QRS_IS_DOCUMENT (self), NULL);

  return self->error;
}

/**
 * qrs_document_dup_display_title:
 *
 * Returns: (transfer full): the title, or a name for an untitled code
 */
char *
qrs_document_dup_display_title (QrsDocument *self)
{
  const char *title;

  g_return_val_if_fail (QRS_IS_DOCUMENT (self), NULL);

  title = qrs_design_get_title (self->design);
  if (title != NULL && title[0] != '\0')
    return g_strdup (title);

  return g_strdup (_("Untitled Code"));
}

/* The store ------------------------------------------------------------ */

static char *
node_to_string (JsonNode *node)
{
  g_autoptr(JsonGenerator) generator = json_generator_new ();

  json_generator_set_root (generator, node);

  return json_generator_to_data (generator, NULL);
}

/**
 * qrs_document_to_code:
 *
 * The code as the store should keep it, based on the stored row when the
 * document has one (so its id and version go along, for the store's
 * check that nobody changed it meanwhile).
 *
 * Returns: (transfer full): a new code value
 */
QrsCode *
qrs_document_to_code (QrsDocument *self)
{
  g_autoptr(JsonNode) payload = NULL;
  g_autoptr(JsonNode) design = NULL;
  g_autofree char *payload_json = NULL;
  g_autofree char *design_json = NULL;
  QrsCode *code;

  g_return_val_if_fail (QRS_IS_DOCUMENT (self), NULL);

  code = self->stored ? qrs_code_copy (self->stored) : qrs_code_new (self->kind);

  payload = qrs_payload_to_json (self->payload);
  payload_json = node_to_string (payload);
  /* The logo's bytes live in the shared assets table, not in every row. */
  design = qrs_design_to_json (self->design, FALSE);
  design_json = node_to_string (design);

  qrs_code_set_kind (code, self->kind);
  qrs_code_set_payload_type (code, qrs_payload_type_to_string (qrs_payload_get_payload_type (self->payload)));
  qrs_code_set_payload (code, payload_json);
  qrs_code_set_design (code, design_json);
  qrs_code_set_logo_sha256 (code, qrs_design_get_logo_sha256 (self->design));
  qrs_code_set_title (code, qrs_design_get_title (self->design));
  qrs_code_set_description (code, qrs_design_get_description (self->design));
  qrs_code_set_tags (code, (const char * const *)self->tags);

  if (self->kind == QRS_CODE_KIND_DYNAMIC)
    {
      /* The store mints the short id; the destination is the payload's URL. */
      qrs_code_set_short_id (code, self->short_id);
      qrs_code_set_target_url (code, qrs_payload_get (self->payload, "url"));
      qrs_code_set_encoded (code, self->short_id ? self->text : NULL);
    }
  else
    {
      qrs_code_set_short_id (code, NULL);
      qrs_code_set_target_url (code, NULL);
      qrs_code_set_encoded (code, self->text);
    }

  return code;
}

/**
 * qrs_document_get_modified:
 *
 * Returns: whether the document holds edits not saved yet, as whoever
 *   compares it with its stored row (the window) last said
 */
gboolean
qrs_document_get_modified (QrsDocument *self)
{
  g_return_val_if_fail (QRS_IS_DOCUMENT (self), FALSE);

  return self->modified;
}

void
qrs_document_set_modified (QrsDocument *self,
                           gboolean     modified)
{
  g_return_if_fail (QRS_IS_DOCUMENT (self));

  modified = !!modified;
  if (self->modified != modified)
    {
      self->modified = modified;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MODIFIED]);
    }
}

/**
 * qrs_document_get_stored:
 *
 * Returns: (transfer none) (nullable): the row as the store last gave it,
 *   or %NULL for a code never saved
 */
QrsCode *
qrs_document_get_stored (QrsDocument *self)
{
  g_return_val_if_fail (QRS_IS_DOCUMENT (self), NULL);

  return self->stored;
}

/**
 * qrs_document_set_stored:
 * @code: the code as qrs_code_store_create() or _update() returned it
 *
 * Takes the row's id, version and short id after a save.
 */
void
qrs_document_set_stored (QrsDocument *self,
                         QrsCode     *code)
{
  g_return_if_fail (QRS_IS_DOCUMENT (self));
  g_return_if_fail (QRS_IS_CODE (code));

  g_set_object (&self->stored, code);

  g_object_freeze_notify (G_OBJECT (self));
  qrs_document_set_id (self, qrs_code_get_id (code));
  if (qrs_code_get_kind (code) == QRS_CODE_KIND_DYNAMIC)
    qrs_document_set_short_id (self, qrs_code_get_short_id (code));
  g_object_thaw_notify (G_OBJECT (self));
}

static void
replace_design (QrsDocument *self,
                QrsDesign   *design)
{
  g_signal_handlers_disconnect_by_func (self->design, design_notify_title_cb, self);
  g_set_object (&self->design, design);
  g_signal_connect_object (self->design, "notify::title",
                           G_CALLBACK (design_notify_title_cb), self,
                           G_CONNECT_SWAPPED);
}

/**
 * qrs_document_new_from_code:
 *
 * A document to edit a stored code.  The logo's bytes are not in the row:
 * the design knows the logo's digest, and the caller loads the bytes from
 * the asset store.
 *
 * Returns: (transfer full): the document, or %NULL with @error set when
 *   the row's payload or design cannot be read
 */
QrsDocument *
qrs_document_new_from_code (QrsCode  *code,
                            GError  **error)
{
  g_autoptr(QrsDocument) self = NULL;
  g_autoptr(JsonNode) payload_node = NULL;
  g_autoptr(JsonNode) design_node = NULL;
  g_autoptr(QrsPayload) payload = NULL;
  g_autoptr(QrsDesign) design = NULL;

  g_return_val_if_fail (QRS_IS_CODE (code), NULL);

  payload_node = json_from_string (qrs_code_get_payload (code) ? qrs_code_get_payload (code) : "", error);
  if (payload_node == NULL)
    return NULL;
  payload = qrs_payload_new_from_json (payload_node, error);
  if (payload == NULL)
    return NULL;

  if (qrs_code_get_design (code) != NULL && qrs_code_get_design (code)[0] != '\0')
    {
      design_node = json_from_string (qrs_code_get_design (code), error);
      if (design_node == NULL)
        return NULL;
      design = qrs_design_new_from_json (design_node, error);
      if (design == NULL)
        return NULL;
    }
  else
    design = qrs_design_new ();

  /* A dynamic code's destination is the row's target column: the one the
   * redirect daemon serves and the audit trail follows, which
   * qrs_code_store_set_target() may have changed without the payload. */
  if (qrs_code_get_kind (code) == QRS_CODE_KIND_DYNAMIC &&
      qrs_code_get_target_url (code) != NULL &&
      qrs_payload_get_payload_type (payload) == QRS_PAYLOAD_TYPE_URL &&
      !qrs_payload_set (payload, "url", qrs_code_get_target_url (code), error))
    return NULL;

  /* The row's columns win over what the design JSON says of them. */
  qrs_design_set_title (design, qrs_code_get_title (code));
  qrs_design_set_description (design, qrs_code_get_description (code));

  self = qrs_document_new ();
  replace_design (self, design);
  self->kind = qrs_code_get_kind (code);
  qrs_document_set_tags (self, qrs_code_get_tags (code));
  qrs_document_set_stored (self, code);
  qrs_document_set_payload (self, payload);

  return g_steal_pointer (&self);
}
