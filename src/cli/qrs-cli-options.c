/* qrs-cli-options.c — payload and design options, shared by the command
 * line and the columns of a batch CSV
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <string.h>

#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>

#include "qrs-core-enums.h"
#include "qrs-cli-options-private.h"

/* Payload keys */

static GPtrArray *payload_keys;

/* --text and --url rather than --text-text; every other field is named
 * after its type: --wifi-ssid, --vcard-phone. */
static char *
payload_key_name (QrsPayloadType         payload_type,
                  const QrsPayloadField *field,
                  guint                  n_fields)
{
  const char *type_name = qrs_payload_type_to_string (payload_type);
  g_autofree char *name = NULL;

  if (g_str_equal (field->name, type_name) ||
      (n_fields == 1 && (payload_type == QRS_PAYLOAD_TYPE_TEXT || payload_type == QRS_PAYLOAD_TYPE_URL)))
    name = g_strdup (type_name);
  else
    name = g_strdup_printf ("%s-%s", type_name, field->name);

  g_strdelimit (name, "_ ", '-');

  return g_ascii_strdown (name, -1);
}

static void
ensure_payload_keys (void)
{
  static gsize initialized;

  if (g_once_init_enter (&initialized))
    {
      GEnumClass *enum_class = g_type_class_ref (QRS_TYPE_PAYLOAD_TYPE);

      payload_keys = g_ptr_array_new ();

      for (guint i = 0; i < enum_class->n_values; i++)
        {
          QrsPayloadType payload_type = enum_class->values[i].value;
          const QrsPayloadField *fields;
          guint n_fields = 0;

          fields = qrs_payload_type_get_fields (payload_type, &n_fields);

          for (guint j = 0; j < n_fields; j++)
            {
              QrsCliPayloadKey *key = g_new0 (QrsCliPayloadKey, 1);

              key->name = payload_key_name (payload_type, &fields[j], n_fields);
              key->payload_type = payload_type;
              key->field = &fields[j];
              g_ptr_array_add (payload_keys, key);
            }
        }

      g_type_class_unref (enum_class);
      g_once_init_leave (&initialized, 1);
    }
}

/**
 * qrs_cli_payload_keys:
 *
 * Returns: (transfer none): every payload field of every type, in the
 *   order of the types and their fields
 */
const QrsCliPayloadKey * const *
qrs_cli_payload_keys (guint *n_keys)
{
  ensure_payload_keys ();
  *n_keys = payload_keys->len;

  return (const QrsCliPayloadKey * const *)payload_keys->pdata;
}

const QrsCliPayloadKey *
qrs_cli_payload_key_lookup (const char *name)
{
  ensure_payload_keys ();

  for (guint i = 0; i < payload_keys->len; i++)
    {
      const QrsCliPayloadKey *key = g_ptr_array_index (payload_keys, i);

      if (g_strcmp0 (key->name, name) == 0)
        return key;
    }

  return NULL;
}

/**
 * qrs_cli_payload_key_is_flag:
 *
 * Returns: whether the field is a yes/no switch, given on the command
 *   line without a value (--wifi-hidden)
 */
gboolean
qrs_cli_payload_key_is_flag (const QrsCliPayloadKey *key)
{
  /* The payload fields that qrs-payload.c reads as yes or no. */
  static const struct { QrsPayloadType payload_type; const char *field; } flags[] = {
    { QRS_PAYLOAD_TYPE_WIFI, "hidden" },
    { QRS_PAYLOAD_TYPE_EVENT, "all-day" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (flags); i++)
    if (key->payload_type == flags[i].payload_type && g_str_equal (key->field->name, flags[i].field))
      return TRUE;

  return FALSE;
}

/* Payload builder */

typedef struct
{
  const QrsCliPayloadKey *key;
  char                   *value;
  char                   *source;
} PayloadEntry;

struct _QrsCliPayloadBuilder
{
  GPtrArray      *entries;
  char           *first_source;
  QrsPayloadType  payload_type;
  guint           has_type : 1;
  guint           type_given : 1;
};

static void
payload_entry_free (gpointer data)
{
  PayloadEntry *entry = data;

  g_free (entry->value);
  g_free (entry->source);
  g_free (entry);
}

QrsCliPayloadBuilder *
qrs_cli_payload_builder_new (void)
{
  QrsCliPayloadBuilder *self = g_new0 (QrsCliPayloadBuilder, 1);

  self->entries = g_ptr_array_new_with_free_func (payload_entry_free);

  return self;
}

void
qrs_cli_payload_builder_free (QrsCliPayloadBuilder *self)
{
  if (self == NULL)
    return;

  g_ptr_array_unref (self->entries);
  g_free (self->first_source);
  g_free (self);
}

/**
 * qrs_cli_payload_builder_set_type:
 *
 * Fixes the type before any field is added, as a `type` column does.
 */
gboolean
qrs_cli_payload_builder_set_type (QrsCliPayloadBuilder  *self,
                                  QrsPayloadType         payload_type,
                                  GError               **error)
{
  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (self->entries->len == 0, FALSE);

  self->payload_type = payload_type;
  self->has_type = TRUE;
  self->type_given = TRUE;

  return TRUE;
}

/**
 * qrs_cli_payload_builder_add:
 * @source: how the person gave the value: "--wifi-ssid" or "wifi-ssid"
 *
 * Adds a field's value.  Fields of two different payload types are an
 * error, since a code holds one payload.
 */
gboolean
qrs_cli_payload_builder_add (QrsCliPayloadBuilder    *self,
                             const QrsCliPayloadKey  *key,
                             const char              *value,
                             const char              *source,
                             GError                 **error)
{
  PayloadEntry *entry;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (key != NULL, FALSE);
  g_return_val_if_fail (value != NULL, FALSE);

  if (self->has_type && key->payload_type != self->payload_type)
    {
      if (self->type_given)
        g_set_error (error, QRS_PAYLOAD_ERROR, QRS_PAYLOAD_ERROR_UNKNOWN_FIELD,
                     _("%s is not a field of a %s code: leave it empty or change the type"),
                     source, qrs_payload_type_to_string (self->payload_type));
      else
        g_set_error (error, QRS_PAYLOAD_ERROR, QRS_PAYLOAD_ERROR_UNKNOWN_FIELD,
                     _("%s and %s are fields of two kinds of code (%s and %s): a code holds one kind, give the fields of one only"),
                     self->first_source, source,
                     qrs_payload_type_to_string (self->payload_type),
                     qrs_payload_type_to_string (key->payload_type));
      return FALSE;
    }

  if (!self->has_type)
    {
      self->payload_type = key->payload_type;
      self->has_type = TRUE;
      g_free (self->first_source);
      self->first_source = g_strdup (source);
    }

  entry = g_new0 (PayloadEntry, 1);
  entry->key = key;
  entry->value = g_strdup (value);
  entry->source = g_strdup (source);
  g_ptr_array_add (self->entries, entry);

  return TRUE;
}

gboolean
qrs_cli_payload_builder_is_empty (QrsCliPayloadBuilder *self)
{
  g_return_val_if_fail (self != NULL, TRUE);

  return !self->has_type;
}

/**
 * qrs_cli_payload_builder_build:
 *
 * Returns: (transfer full): the payload with every value given, or %NULL
 *   with @error set when a value is not valid for its field
 */
QrsPayload *
qrs_cli_payload_builder_build (QrsCliPayloadBuilder  *self,
                               GError               **error)
{
  g_autoptr(QrsPayload) payload = NULL;

  g_return_val_if_fail (self != NULL, NULL);

  if (!self->has_type)
    {
      g_set_error_literal (error, QRS_PAYLOAD_ERROR, QRS_PAYLOAD_ERROR_MISSING_FIELD,
                           _("the code holds nothing: give its content, for example --url or --text"));
      return NULL;
    }

  payload = qrs_payload_new (self->payload_type);

  for (guint i = 0; i < self->entries->len; i++)
    {
      PayloadEntry *entry = g_ptr_array_index (self->entries, i);
      gboolean ok;

      if (entry->key->field->multiple)
        ok = qrs_payload_add (payload, entry->key->field->name, entry->value, error);
      else
        ok = qrs_payload_set (payload, entry->key->field->name, entry->value, error);

      if (!ok)
        {
          g_prefix_error (error, "%s: ", entry->source);
          return NULL;
        }
    }

  return g_steal_pointer (&payload);
}

/**
 * qrs_cli_payload_explain_error:
 * @payload: the payload that failed to encode
 * @prefix: "--" for options, "" for a CSV file's columns
 * @error: (nullable): its error, rewritten in place
 *
 * The core names fields and choices as the app's form shows them (“The
 * “Security” field …”); on the command line the option or column is what
 * to change, so it goes beside each label: “Security” (--wifi-auth), and
 * a choice's word beside its label: “None (open network)” (nopass).
 */
void
qrs_cli_payload_explain_error (QrsPayload *payload,
                               const char *prefix,
                               GError     *error)
{
  QrsPayloadType payload_type;
  g_autoptr(GString) message = NULL;
  guint n_keys;
  const QrsCliPayloadKey * const *keys;

  g_return_if_fail (QRS_IS_PAYLOAD (payload));
  g_return_if_fail (prefix != NULL);

  if (error == NULL || error->domain != QRS_PAYLOAD_ERROR)
    return;

  payload_type = qrs_payload_get_payload_type (payload);
  keys = qrs_cli_payload_keys (&n_keys);
  message = g_string_new (error->message);

  for (guint i = 0; i < n_keys; i++)
    {
      const QrsPayloadField *field = keys[i]->field;
      g_autofree char *quoted = NULL;
      g_autofree char *explained = NULL;

      if (keys[i]->payload_type != payload_type)
        continue;

      quoted = g_strdup_printf ("“%s”", _(field->label));
      explained = g_strdup_printf ("%s (%s%s)", quoted, prefix, keys[i]->name);
      g_string_replace (message, quoted, explained, 0);

      for (guint j = 0; field->choices != NULL && field->choices[j] != NULL; j++)
        {
          g_autofree char *choice = g_strdup_printf ("“%s”", _(field->choice_labels[j]));
          g_autofree char *with_word = NULL;

          if (g_str_equal (_(field->choice_labels[j]), field->choices[j]))
            continue;
          with_word = g_strdup_printf ("%s (%s)", choice, field->choices[j]);
          g_string_replace (message, choice, with_word, 0);
        }
    }

  g_free (error->message);
  error->message = g_string_free (g_steal_pointer (&message), FALSE);
}

static gboolean
payload_option_cb (const char  *option_name,
                   const char  *value,
                   gpointer     data,
                   GError     **error)
{
  QrsCliPayloadBuilder *builder = data;
  const QrsCliPayloadKey *key;

  g_assert (g_str_has_prefix (option_name, "--"));

  key = qrs_cli_payload_key_lookup (option_name + 2);
  g_assert (key != NULL);

  return qrs_cli_payload_builder_add (builder, key, value ? value : "true", option_name, error);
}

static char *
payload_key_description (const QrsCliPayloadKey *key)
{
  const char *type_name = qrs_payload_type_to_string (key->payload_type);
  g_autofree char *label = NULL;

  /* The form shows a choice's label; here the word itself is typed. */
  if (key->field->choices != NULL)
    {
      g_autofree char *choices = g_strjoinv (", ", (char **)key->field->choices);

      /* Translators: “Security: WPA, WEP, nopass” */
      label = g_strdup_printf (_("%s: %s"), _(key->field->label), choices);
    }
  else
    label = g_strdup (_(key->field->label));

  if (key->field->multiple)
    return g_strdup_printf (_("%s (%s code; repeat the option for several)"), label, type_name);
  if (key->field->required)
    return g_strdup_printf (_("%s (%s code; required)"), label, type_name);

  return g_strdup_printf (_("%s (%s code)"), label, type_name);
}

/**
 * qrs_cli_payload_option_group_new:
 *
 * Returns: (transfer full): the options --text, --url, --wifi-ssid …,
 *   which add their values to @builder
 */
GOptionGroup *
qrs_cli_payload_option_group_new (QrsCliPayloadBuilder *builder)
{
  static GOptionEntry *entries;
  GOptionGroup *group;

  ensure_payload_keys ();

  /* Built once: GOption keeps pointers to the strings of its entries. */
  if (g_once_init_enter (&entries))
    {
      GOptionEntry *built = g_new0 (GOptionEntry, payload_keys->len + 1);

      for (guint i = 0; i < payload_keys->len; i++)
        {
          const QrsCliPayloadKey *key = g_ptr_array_index (payload_keys, i);
          g_autofree char *arg = g_ascii_strup (key->field->name, -1);

          built[i].long_name = key->name;
          built[i].arg = G_OPTION_ARG_CALLBACK;
          built[i].arg_data = payload_option_cb;
          built[i].description = payload_key_description (key);
          if (qrs_cli_payload_key_is_flag (key))
            built[i].flags = G_OPTION_FLAG_NO_ARG;
          else
            built[i].arg_description = g_strdelimit (g_steal_pointer (&arg), "-", '_');
        }

      g_once_init_leave (&entries, built);
    }

  group = g_option_group_new ("payload", _("Payload options: what the code holds"),
                              _("Show the payload options"), builder, NULL);
  g_option_group_add_entries (group, entries);

  return group;
}

/* Values */

static gboolean
parse_int (const char  *str,
           int          min,
           int          max,
           int         *out,
           GError     **error)
{
  gint64 value;

  if (!g_ascii_string_to_signed (str, 10, min, max, &value, NULL))
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   _("“%s” is not a whole number from %d to %d"), str, min, max);
      return FALSE;
    }

  *out = value;
  return TRUE;
}

static gboolean
parse_double (const char  *str,
              double       min,
              double       max,
              double      *out,
              GError     **error)
{
  char *end = NULL;
  double value;

  errno = 0;
  value = g_ascii_strtod (str, &end);

  if (end == str || *end != '\0' || errno != 0 || !isfinite (value) || value < min || value > max)
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   _("“%s” is not a number from %g to %g"), str, min, max);
      return FALSE;
    }

  *out = value;
  return TRUE;
}

/**
 * qrs_cli_parse_boolean:
 *
 * Reads yes/no, true/false, on/off or 1/0, as a CSV cell holds a switch.
 */
gboolean
qrs_cli_parse_boolean (const char  *str,
                       gboolean    *value,
                       GError     **error)
{
  static const char * const yes[] = { "1", "yes", "y", "true", "on", "x" };
  static const char * const no[] = { "0", "no", "n", "false", "off" };
  g_autofree char *s = g_strstrip (g_strdup (str ? str : ""));

  for (guint i = 0; i < G_N_ELEMENTS (yes); i++)
    if (g_ascii_strcasecmp (s, yes[i]) == 0)
      {
        *value = TRUE;
        return TRUE;
      }

  for (guint i = 0; i < G_N_ELEMENTS (no); i++)
    if (g_ascii_strcasecmp (s, no[i]) == 0)
      {
        *value = FALSE;
        return TRUE;
      }

  g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
               _("“%s” is neither yes nor no"), s);
  return FALSE;
}

/**
 * qrs_cli_parse_distance:
 * @str: "1m", "300mm", "50 cm", "2in", "3ft"
 *
 * Returns: %TRUE with the distance in millimetres in @mm
 */
gboolean
qrs_cli_parse_distance (const char  *str,
                        double      *mm,
                        GError     **error)
{
  static const struct { const char *unit; double mm; } units[] = {
    { "mm", 1 }, { "cm", 10 }, { "m", 1000 }, { "in", 25.4 }, { "ft", 304.8 },
  };
  g_autofree char *unit = NULL;
  char *end = NULL;
  double value;

  value = g_ascii_strtod (str, &end);
  unit = g_strstrip (g_strdup (end ? end : ""));

  if (end != str && isfinite (value) && value > 0)
    for (guint i = 0; i < G_N_ELEMENTS (units); i++)
      if (g_ascii_strcasecmp (unit, units[i].unit) == 0 && value * units[i].mm <= 1e6)
        {
          *mm = value * units[i].mm;
          return TRUE;
        }

  g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
               _("“%s” is not a distance: write a number with mm, cm, m, in or ft, for example 1m or 300mm"),
               str);
  return FALSE;
}

/* Design keys */

typedef enum
{
  DESIGN_EC,
  DESIGN_MICRO,
  DESIGN_MIN_VERSION,
  DESIGN_FG,
  DESIGN_BG,
  DESIGN_FINDER_COLOR,
  DESIGN_ALIGNMENT_COLOR,
  DESIGN_ALLOW_INVERTED,
  DESIGN_SHAPE,
  DESIGN_QUIET_ZONE,
  DESIGN_LOGO,
  DESIGN_LOGO_RATIO,
  DESIGN_LOGO_PADDING,
  DESIGN_CAPTION,
  DESIGN_CAPTION_FONT,
  DESIGN_CAPTION_POSITION,
  DESIGN_CAPTION_COLOR,
  DESIGN_TITLE,
  DESIGN_DESC,
  DESIGN_SIZE,
  DESIGN_DPI,
} DesignKeyId;

struct _QrsCliDesignKey
{
  const char  *name;
  DesignKeyId  id;
  gboolean     is_flag;
  const char  *arg_description;
  const char  *description;
};

static const QrsCliDesignKey design_keys[] = {
  { "ec", DESIGN_EC, FALSE, N_("L|M|Q|H"),
    /* xgettext:no-c-format */
    N_("Error correction: recovers 7, 15, 25 or 30 % of the code (default M; a logo needs Q or H)") },
  { "micro", DESIGN_MICRO, TRUE, NULL,
    N_("Make a Micro QR code (M1–M4) for a short payload; not every phone reads it") },
  { "min-version", DESIGN_MIN_VERSION, FALSE, N_("N"),
    N_("Smallest symbol version, 1–40 (M1–M4 for Micro QR: 1–4); 0 chooses (default)") },
  { "fg", DESIGN_FG, FALSE, N_("COLOUR"),
    N_("Colour of the dark modules, #RRGGBB or #RRGGBBAA (default #000000)") },
  { "bg", DESIGN_BG, FALSE, N_("COLOUR"),
    N_("Background colour (default #FFFFFF); #FFFFFF00 is transparent") },
  { "finder-color", DESIGN_FINDER_COLOR, FALSE, N_("COLOUR"),
    N_("Own colour of the three finder patterns, or “none” for the dark colour") },
  { "alignment-color", DESIGN_ALIGNMENT_COLOR, FALSE, N_("COLOUR"),
    N_("Own colour of the alignment patterns, or “none” for the dark colour") },
  { "allow-inverted", DESIGN_ALLOW_INVERTED, TRUE, NULL,
    N_("Allow light modules on a dark background (some readers cannot read it)") },
  { "shape", DESIGN_SHAPE, FALSE, N_("square|dot|rounded"),
    N_("Shape of the modules (default square); finder patterns stay square") },
  { "quiet-zone", DESIGN_QUIET_ZONE, FALSE, N_("N"),
    N_("Width of the empty margin in modules (default 4; 2 for Micro QR)") },
  { "logo", DESIGN_LOGO, FALSE, N_("FILE"),
    N_("Image drawn in the middle: PNG, JPEG, WebP, GIF or SVG, at most 2 MiB") },
  { "logo-ratio", DESIGN_LOGO_RATIO, FALSE, N_("RATIO"),
    N_("Width of the logo as a share of the code, 0.05–0.4 (default 0.2)") },
  { "logo-padding", DESIGN_LOGO_PADDING, FALSE, N_("MODULES"),
    N_("Empty space around the logo in modules, 0–8 (default 1)") },
  { "caption", DESIGN_CAPTION, FALSE, N_("TEXT"),
    N_("Text printed with the code, wrapped to its width") },
  { "caption-font", DESIGN_CAPTION_FONT, FALSE, N_("FONT"),
    N_("Font of the caption, for example “Sans Bold 14” (default “Sans 12”)") },
  { "caption-position", DESIGN_CAPTION_POSITION, FALSE, N_("above|below"),
    N_("Where the caption goes (default below)") },
  { "caption-color", DESIGN_CAPTION_COLOR, FALSE, N_("COLOUR"),
    N_("Colour of the caption (default #000000)") },
  { "title", DESIGN_TITLE, FALSE, N_("TEXT"),
    N_("Accessible title, read out by screen readers (SVG, PDF)") },
  { "desc", DESIGN_DESC, FALSE, N_("TEXT"),
    N_("Accessible description of the code (SVG, PDF)") },
  { "size", DESIGN_SIZE, FALSE, N_("SIZE"),
    N_("Width of the image: pixels (1024) or 40mm, 4cm, 1.5in (default 1024)") },
  { "dpi", DESIGN_DPI, FALSE, N_("DPI"),
    N_("Resolution of a size in mm, cm or in, 10–4800 (default 300)") },
};

const QrsCliDesignKey *
qrs_cli_design_key_lookup (const char *name)
{
  for (guint i = 0; i < G_N_ELEMENTS (design_keys); i++)
    if (g_strcmp0 (design_keys[i].name, name) == 0)
      return &design_keys[i];

  return NULL;
}

const char *
qrs_cli_design_key_get_name (const QrsCliDesignKey *key)
{
  return key->name;
}

static gboolean
parse_color (const char  *str,
             QrsColor    *color,
             GError     **error)
{
  g_autofree char *s = g_strstrip (g_strdup (str));

  return qrs_color_parse (s, color, error);
}

static GBytes *
load_logo (const char                *value,
           const QrsCliDesignContext *context,
           GError                   **error)
{
  g_autofree char *path = NULL;
  g_autofree char *contents = NULL;
  GBytes *bytes;
  GStatBuf st;
  gsize length;

  if (g_path_is_absolute (value) || context == NULL || context->base_dir == NULL)
    path = g_strdup (value);
  else
    path = g_build_filename (context->base_dir, value, NULL);

  if (context != NULL && context->logo_cache != NULL &&
      (bytes = g_hash_table_lookup (context->logo_cache, path)))
    return g_bytes_ref (bytes);

  if (g_stat (path, &st) != 0)
    {
      int saved_errno = errno;

      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved_errno),
                   _("cannot read the logo “%s”: %s"), path, g_strerror (saved_errno));
      return NULL;
    }

  if (!S_ISREG (st.st_mode))
    {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
                   _("the logo “%s” is not a file: give an image file"), path);
      return NULL;
    }

  /* Refused before reading: a mistaken path may name a huge file. */
  if (st.st_size > QRS_DESIGN_LOGO_MAX_BYTES)
    {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
                   _("the logo “%s” is %.1f MiB; logos may be at most 2 MiB: use a smaller image"),
                   path, st.st_size / (1024.0 * 1024.0));
      return NULL;
    }

  if (!g_file_get_contents (path, &contents, &length, error))
    return NULL;

  bytes = g_bytes_new_take (g_steal_pointer (&contents), length);

  if (context != NULL && context->logo_cache != NULL)
    g_hash_table_insert (context->logo_cache, g_strdup (path), g_bytes_ref (bytes));

  return bytes;
}

static gboolean
set_optional_color (QrsDesign   *design,
                    DesignKeyId  id,
                    const char  *value,
                    GError     **error)
{
  g_autofree char *s = g_strstrip (g_strdup (value));
  QrsColor color;
  gboolean none = g_ascii_strcasecmp (s, "none") == 0;

  if (!none && !qrs_color_parse (s, &color, error))
    return FALSE;

  if (id == DESIGN_FINDER_COLOR)
    qrs_design_set_finder_color (design, none ? NULL : &color);
  else
    qrs_design_set_alignment_color (design, none ? NULL : &color);

  return TRUE;
}

/**
 * qrs_cli_design_apply:
 * @value: the option's value; "true" or "false" for a switch
 *
 * Sets one design option.  The error names the value, not the option:
 * the caller adds "--fg: " or "column fg: ".
 */
gboolean
qrs_cli_design_apply (QrsDesign                  *design,
                      const QrsCliDesignKey      *key,
                      const char                 *value,
                      const QrsCliDesignContext  *context,
                      GError                    **error)
{
  g_autofree char *trimmed = NULL;
  QrsColor color;
  gboolean flag;
  double number;
  int integer;

  g_return_val_if_fail (QRS_IS_DESIGN (design), FALSE);
  g_return_val_if_fail (key != NULL, FALSE);
  g_return_val_if_fail (value != NULL, FALSE);

  trimmed = g_strstrip (g_strdup (value));

  switch (key->id)
    {
    case DESIGN_EC:
      {
        QrsEcLevel level;

        if (!qrs_ec_level_from_string (trimmed, &level))
          {
            g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                         _("“%s” is not an error-correction level: use L, M, Q or H"), trimmed);
            return FALSE;
          }
        qrs_design_set_ec_level (design, level);
        return TRUE;
      }

    case DESIGN_MICRO:
      if (!qrs_cli_parse_boolean (trimmed, &flag, error))
        return FALSE;
      qrs_design_set_symbol_type (design, flag ? QRS_SYMBOL_TYPE_MICRO_QR : QRS_SYMBOL_TYPE_QR);
      return TRUE;

    case DESIGN_ALLOW_INVERTED:
      if (!qrs_cli_parse_boolean (trimmed, &flag, error))
        return FALSE;
      qrs_design_set_allow_inverted (design, flag);
      return TRUE;

    case DESIGN_MIN_VERSION:
      if (!parse_int (trimmed, 0, 40, &integer, error))
        return FALSE;
      qrs_design_set_min_version (design, integer);
      return TRUE;

    case DESIGN_FG:
    case DESIGN_BG:
    case DESIGN_CAPTION_COLOR:
      if (!parse_color (trimmed, &color, error))
        return FALSE;
      if (key->id == DESIGN_FG)
        qrs_design_set_foreground (design, &color);
      else if (key->id == DESIGN_BG)
        qrs_design_set_background (design, &color);
      else
        qrs_design_set_caption_color (design, &color);
      return TRUE;

    case DESIGN_FINDER_COLOR:
    case DESIGN_ALIGNMENT_COLOR:
      return set_optional_color (design, key->id, trimmed, error);

    case DESIGN_SHAPE:
      {
        QrsModuleShape shape;

        if (!qrs_module_shape_from_string (trimmed, &shape))
          {
            g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                         _("“%s” is not a module shape: use square, dot or rounded"), trimmed);
            return FALSE;
          }
        qrs_design_set_module_shape (design, shape);
        return TRUE;
      }

    case DESIGN_QUIET_ZONE:
      if (!parse_int (trimmed, 0, 64, &integer, error))
        return FALSE;
      qrs_design_set_quiet_zone (design, integer);
      return TRUE;

    case DESIGN_LOGO:
      {
        g_autoptr(GBytes) logo = load_logo (trimmed, context, error);

        return logo != NULL && qrs_design_set_logo (design, logo, error);
      }

    case DESIGN_LOGO_RATIO:
      if (!parse_double (trimmed, 0.05, 0.4, &number, error))
        return FALSE;
      qrs_design_set_logo_ratio (design, number);
      return TRUE;

    case DESIGN_LOGO_PADDING:
      if (!parse_double (trimmed, 0, 8, &number, error))
        return FALSE;
      qrs_design_set_logo_padding (design, number);
      return TRUE;

    case DESIGN_CAPTION:
      /* Captions and titles keep their spaces: they are text. */
      qrs_design_set_caption (design, value);
      return TRUE;

    case DESIGN_CAPTION_FONT:
      qrs_design_set_caption_font (design, trimmed);
      return TRUE;

    case DESIGN_CAPTION_POSITION:
      if (g_ascii_strcasecmp (trimmed, "above") == 0)
        qrs_design_set_caption_position (design, QRS_CAPTION_POSITION_ABOVE);
      else if (g_ascii_strcasecmp (trimmed, "below") == 0)
        qrs_design_set_caption_position (design, QRS_CAPTION_POSITION_BELOW);
      else
        {
          g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                       _("“%s” is not a caption position: use above or below"), trimmed);
          return FALSE;
        }
      return TRUE;

    case DESIGN_TITLE:
      qrs_design_set_title (design, value);
      return TRUE;

    case DESIGN_DESC:
      qrs_design_set_description (design, value);
      return TRUE;

    case DESIGN_SIZE:
      return qrs_design_set_size_from_string (design, trimmed, error);

    case DESIGN_DPI:
      if (!parse_double (trimmed, 10, 4800, &number, error))
        return FALSE;
      qrs_design_set_dpi (design, number);
      return TRUE;

    default:
      g_assert_not_reached ();
    }
}

/* Design options of the command line */

typedef struct
{
  const QrsCliDesignKey *key;
  char                  *value;
} DesignSetting;

struct _QrsCliDesignOptions
{
  char   *design_file;
  GArray *settings;
};

static void
design_setting_clear (gpointer data)
{
  DesignSetting *setting = data;

  g_free (setting->value);
}

QrsCliDesignOptions *
qrs_cli_design_options_new (void)
{
  QrsCliDesignOptions *self = g_new0 (QrsCliDesignOptions, 1);

  self->settings = g_array_new (FALSE, FALSE, sizeof (DesignSetting));
  g_array_set_clear_func (self->settings, design_setting_clear);

  return self;
}

void
qrs_cli_design_options_free (QrsCliDesignOptions *self)
{
  if (self == NULL)
    return;

  g_free (self->design_file);
  g_array_unref (self->settings);
  g_free (self);
}

static gboolean
design_option_cb (const char  *option_name,
                  const char  *value,
                  gpointer     data,
                  GError     **error)
{
  QrsCliDesignOptions *self = data;
  DesignSetting setting;

  g_assert (g_str_has_prefix (option_name, "--"));

  if (g_str_equal (option_name, "--design"))
    {
      g_free (self->design_file);
      self->design_file = g_strdup (value);
      return TRUE;
    }

  setting.key = qrs_cli_design_key_lookup (option_name + 2);
  setting.value = g_strdup (value ? value : "true");
  g_assert (setting.key != NULL);
  g_array_append_val (self->settings, setting);

  return TRUE;
}

/**
 * qrs_cli_design_option_group_new:
 *
 * Returns: (transfer full): --design FILE.json and the options --ec,
 *   --fg, --logo …, which @self collects in the order given
 */
GOptionGroup *
qrs_cli_design_option_group_new (QrsCliDesignOptions *self)
{
  GOptionEntry entries[G_N_ELEMENTS (design_keys) + 2] = { { NULL } };
  GOptionGroup *group;
  guint n = 0;

  entries[n].long_name = "design";
  entries[n].arg = G_OPTION_ARG_CALLBACK;
  entries[n].flags = G_OPTION_FLAG_FILENAME;
  entries[n].arg_data = design_option_cb;
  entries[n].description = N_("Start from a design saved as JSON (--save-design, the app); the other design options change it");
  entries[n].arg_description = N_("FILE.json");
  n++;

  for (guint i = 0; i < G_N_ELEMENTS (design_keys); i++, n++)
    {
      entries[n].long_name = design_keys[i].name;
      entries[n].arg = G_OPTION_ARG_CALLBACK;
      entries[n].arg_data = design_option_cb;
      entries[n].flags = design_keys[i].is_flag ? G_OPTION_FLAG_NO_ARG : 0;
      if (design_keys[i].id == DESIGN_LOGO)
        entries[n].flags |= G_OPTION_FLAG_FILENAME;
      entries[n].description = design_keys[i].description;
      entries[n].arg_description = design_keys[i].arg_description;
    }

  group = g_option_group_new ("design", _("Design options: how the code looks"),
                              _("Show the design options"), self, NULL);
  g_option_group_set_translation_domain (group, GETTEXT_PACKAGE);
  g_option_group_add_entries (group, entries);

  return group;
}

/**
 * qrs_cli_design_options_build:
 *
 * Returns: (transfer full): the design of --design, or the default one,
 *   with every other design option applied in the order given
 */
QrsDesign *
qrs_cli_design_options_build (QrsCliDesignOptions  *self,
                              GError              **error)
{
  g_autoptr(QrsDesign) design = NULL;

  g_return_val_if_fail (self != NULL, NULL);

  if (self->design_file != NULL)
    {
      g_autofree char *data = NULL;
      gsize length;

      if (!g_file_get_contents (self->design_file, &data, &length, error))
        {
          g_prefix_error (error, "--design: ");
          return NULL;
        }

      if (!(design = qrs_design_new_from_data (data, length, error)))
        {
          g_prefix_error (error, "--design %s: ", self->design_file);
          return NULL;
        }
    }
  else
    design = qrs_design_new ();

  for (guint i = 0; i < self->settings->len; i++)
    {
      const DesignSetting *setting = &g_array_index (self->settings, DesignSetting, i);

      if (!qrs_cli_design_apply (design, setting->key, setting->value, NULL, error))
        {
          g_prefix_error (error, "--%s: ", setting->key->name);
          return NULL;
        }
    }

  return g_steal_pointer (&design);
}
