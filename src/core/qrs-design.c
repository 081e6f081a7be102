/* qrs-design.c — how a code looks: colours, shape, logo, caption, size
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include <glib/gi18n-lib.h>

#include "qrs-core-enums.h"
#include "qrs-design.h"

#define DEFAULT_SIZE_PX    1024.0
#define DEFAULT_DPI         300.0
#define DEFAULT_LOGO_RATIO    0.2
#define DEFAULT_LOGO_PADDING  1.0
#define DEFAULT_CAPTION_FONT "Sans 12"
#define MAX_QUIET_ZONE       64
#define MIN_LOGO_RATIO        0.05
#define MAX_LOGO_RATIO        0.4
#define MAX_TEXT_BYTES     4096

/* The share of its recovery capacity that a logo may take: error
 * correction must still absorb print defects and smudges on top of it. */
#define LOGO_RECOVERY_SHARE   0.4

struct _QrsDesign
{
  GObject             parent_instance;

  QrsColor            foreground;
  QrsColor            background;
  QrsColor           *finder_color;
  QrsColor           *alignment_color;
  QrsColor            caption_color;

  GBytes             *logo;
  char               *logo_sha256;
  char               *logo_media_type;
  double              logo_ratio;
  double              logo_padding;

  char               *caption;
  char               *caption_font;
  char               *title;
  char               *description;

  double              size;
  double              dpi;
  int                 quiet_zone;
  int                 min_version;

  QrsModuleShape      module_shape;
  QrsEcLevel          ec_level;
  QrsSymbolType       symbol_type;
  QrsCaptionPosition  caption_position;
  QrsSizeUnit         size_unit;

  guint               allow_inverted : 1;
};

enum {
  PROP_0,
  PROP_FOREGROUND,
  PROP_BACKGROUND,
  PROP_FINDER_COLOR,
  PROP_ALIGNMENT_COLOR,
  PROP_ALLOW_INVERTED,
  PROP_MODULE_SHAPE,
  PROP_QUIET_ZONE,
  PROP_EC_LEVEL,
  PROP_SYMBOL_TYPE,
  PROP_MIN_VERSION,
  PROP_LOGO,
  PROP_LOGO_SHA256,
  PROP_LOGO_MEDIA_TYPE,
  PROP_LOGO_RATIO,
  PROP_LOGO_PADDING,
  PROP_CAPTION,
  PROP_CAPTION_FONT,
  PROP_CAPTION_POSITION,
  PROP_CAPTION_COLOR,
  PROP_TITLE,
  PROP_DESCRIPTION,
  PROP_SIZE,
  PROP_SIZE_UNIT,
  PROP_DPI,
  N_PROPS
};

G_DEFINE_FINAL_TYPE (QrsDesign, qrs_design, G_TYPE_OBJECT)
G_DEFINE_QUARK (qrs-design-error-quark, qrs_design_error)

static GParamSpec *properties[N_PROPS];

static const QrsColor black = { 0, 0, 0, 255 };
static const QrsColor white = { 255, 255, 255, 255 };

static void
qrs_design_finalize (GObject *object)
{
  QrsDesign *self = (QrsDesign *)object;

  g_clear_pointer (&self->finder_color, qrs_color_free);
  g_clear_pointer (&self->alignment_color, qrs_color_free);
  g_clear_pointer (&self->logo, g_bytes_unref);
  g_clear_pointer (&self->logo_sha256, g_free);
  g_clear_pointer (&self->logo_media_type, g_free);
  g_clear_pointer (&self->caption, g_free);
  g_clear_pointer (&self->caption_font, g_free);
  g_clear_pointer (&self->title, g_free);
  g_clear_pointer (&self->description, g_free);

  G_OBJECT_CLASS (qrs_design_parent_class)->finalize (object);
}

static void
qrs_design_get_property (GObject    *object,
                         guint       prop_id,
                         GValue     *value,
                         GParamSpec *pspec)
{
  QrsDesign *self = QRS_DESIGN (object);

  switch (prop_id)
    {
    case PROP_FOREGROUND:
      g_value_set_boxed (value, &self->foreground);
      break;

    case PROP_BACKGROUND:
      g_value_set_boxed (value, &self->background);
      break;

    case PROP_FINDER_COLOR:
      g_value_set_boxed (value, self->finder_color);
      break;

    case PROP_ALIGNMENT_COLOR:
      g_value_set_boxed (value, self->alignment_color);
      break;

    case PROP_ALLOW_INVERTED:
      g_value_set_boolean (value, self->allow_inverted);
      break;

    case PROP_MODULE_SHAPE:
      g_value_set_enum (value, self->module_shape);
      break;

    case PROP_QUIET_ZONE:
      g_value_set_int (value, self->quiet_zone);
      break;

    case PROP_EC_LEVEL:
      g_value_set_enum (value, self->ec_level);
      break;

    case PROP_SYMBOL_TYPE:
      g_value_set_enum (value, self->symbol_type);
      break;

    case PROP_MIN_VERSION:
      g_value_set_int (value, self->min_version);
      break;

    case PROP_LOGO:
      g_value_set_boxed (value, self->logo);
      break;

    case PROP_LOGO_SHA256:
      g_value_set_string (value, self->logo_sha256);
      break;

    case PROP_LOGO_MEDIA_TYPE:
      g_value_set_string (value, self->logo_media_type);
      break;

    case PROP_LOGO_RATIO:
      g_value_set_double (value, self->logo_ratio);
      break;

    case PROP_LOGO_PADDING:
      g_value_set_double (value, self->logo_padding);
      break;

    case PROP_CAPTION:
      g_value_set_string (value, self->caption);
      break;

    case PROP_CAPTION_FONT:
      g_value_set_string (value, self->caption_font);
      break;

    case PROP_CAPTION_POSITION:
      g_value_set_enum (value, self->caption_position);
      break;

    case PROP_CAPTION_COLOR:
      g_value_set_boxed (value, &self->caption_color);
      break;

    case PROP_TITLE:
      g_value_set_string (value, self->title);
      break;

    case PROP_DESCRIPTION:
      g_value_set_string (value, self->description);
      break;

    case PROP_SIZE:
      g_value_set_double (value, self->size);
      break;

    case PROP_SIZE_UNIT:
      g_value_set_enum (value, self->size_unit);
      break;

    case PROP_DPI:
      g_value_set_double (value, self->dpi);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
qrs_design_set_property (GObject      *object,
                         guint         prop_id,
                         const GValue *value,
                         GParamSpec   *pspec)
{
  QrsDesign *self = QRS_DESIGN (object);

  switch (prop_id)
    {
    case PROP_FOREGROUND:
      qrs_design_set_foreground (self, g_value_get_boxed (value));
      break;

    case PROP_BACKGROUND:
      qrs_design_set_background (self, g_value_get_boxed (value));
      break;

    case PROP_FINDER_COLOR:
      qrs_design_set_finder_color (self, g_value_get_boxed (value));
      break;

    case PROP_ALIGNMENT_COLOR:
      qrs_design_set_alignment_color (self, g_value_get_boxed (value));
      break;

    case PROP_ALLOW_INVERTED:
      qrs_design_set_allow_inverted (self, g_value_get_boolean (value));
      break;

    case PROP_MODULE_SHAPE:
      qrs_design_set_module_shape (self, g_value_get_enum (value));
      break;

    case PROP_QUIET_ZONE:
      qrs_design_set_quiet_zone (self, g_value_get_int (value));
      break;

    case PROP_EC_LEVEL:
      qrs_design_set_ec_level (self, g_value_get_enum (value));
      break;

    case PROP_SYMBOL_TYPE:
      qrs_design_set_symbol_type (self, g_value_get_enum (value));
      break;

    case PROP_MIN_VERSION:
      qrs_design_set_min_version (self, g_value_get_int (value));
      break;

    case PROP_LOGO:
      {
        g_autoptr(GError) error = NULL;

        if (!qrs_design_set_logo (self, g_value_get_boxed (value), &error))
          g_warning ("%s", error->message);
      }
      break;

    case PROP_LOGO_RATIO:
      qrs_design_set_logo_ratio (self, g_value_get_double (value));
      break;

    case PROP_LOGO_PADDING:
      qrs_design_set_logo_padding (self, g_value_get_double (value));
      break;

    case PROP_CAPTION:
      qrs_design_set_caption (self, g_value_get_string (value));
      break;

    case PROP_CAPTION_FONT:
      qrs_design_set_caption_font (self, g_value_get_string (value));
      break;

    case PROP_CAPTION_POSITION:
      qrs_design_set_caption_position (self, g_value_get_enum (value));
      break;

    case PROP_CAPTION_COLOR:
      qrs_design_set_caption_color (self, g_value_get_boxed (value));
      break;

    case PROP_TITLE:
      qrs_design_set_title (self, g_value_get_string (value));
      break;

    case PROP_DESCRIPTION:
      qrs_design_set_description (self, g_value_get_string (value));
      break;

    case PROP_SIZE:
      qrs_design_set_size (self, g_value_get_double (value));
      break;

    case PROP_SIZE_UNIT:
      qrs_design_set_size_unit (self, g_value_get_enum (value));
      break;

    case PROP_DPI:
      qrs_design_set_dpi (self, g_value_get_double (value));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
qrs_design_class_init (QrsDesignClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags flags = G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;
  GParamFlags ro = G_PARAM_READABLE | G_PARAM_STATIC_STRINGS;

  object_class->finalize = qrs_design_finalize;
  object_class->get_property = qrs_design_get_property;
  object_class->set_property = qrs_design_set_property;

  properties[PROP_FOREGROUND] =
    g_param_spec_boxed ("foreground", NULL, NULL, QRS_TYPE_COLOR, flags);
  properties[PROP_BACKGROUND] =
    g_param_spec_boxed ("background", NULL, NULL, QRS_TYPE_COLOR, flags);
  properties[PROP_FINDER_COLOR] =
    g_param_spec_boxed ("finder-color", NULL, NULL, QRS_TYPE_COLOR, flags);
  properties[PROP_ALIGNMENT_COLOR] =
    g_param_spec_boxed ("alignment-color", NULL, NULL, QRS_TYPE_COLOR, flags);
  properties[PROP_ALLOW_INVERTED] =
    g_param_spec_boolean ("allow-inverted", NULL, NULL, FALSE, flags);
  properties[PROP_MODULE_SHAPE] =
    g_param_spec_enum ("module-shape", NULL, NULL,
                       QRS_TYPE_MODULE_SHAPE, QRS_MODULE_SHAPE_SQUARE, flags);
  properties[PROP_QUIET_ZONE] =
    g_param_spec_int ("quiet-zone", NULL, NULL, -1, MAX_QUIET_ZONE, -1, flags);
  properties[PROP_EC_LEVEL] =
    g_param_spec_enum ("ec-level", NULL, NULL, QRS_TYPE_EC_LEVEL, QRS_EC_LEVEL_M, flags);
  properties[PROP_SYMBOL_TYPE] =
    g_param_spec_enum ("symbol-type", NULL, NULL,
                       QRS_TYPE_SYMBOL_TYPE, QRS_SYMBOL_TYPE_QR, flags);
  properties[PROP_MIN_VERSION] =
    g_param_spec_int ("min-version", NULL, NULL, 0, 40, 0, flags);
  properties[PROP_LOGO] =
    g_param_spec_boxed ("logo", NULL, NULL, G_TYPE_BYTES, flags);
  properties[PROP_LOGO_SHA256] =
    g_param_spec_string ("logo-sha256", NULL, NULL, NULL, ro);
  properties[PROP_LOGO_MEDIA_TYPE] =
    g_param_spec_string ("logo-media-type", NULL, NULL, NULL, ro);
  properties[PROP_LOGO_RATIO] =
    g_param_spec_double ("logo-ratio", NULL, NULL,
                         MIN_LOGO_RATIO, MAX_LOGO_RATIO, DEFAULT_LOGO_RATIO, flags);
  properties[PROP_LOGO_PADDING] =
    g_param_spec_double ("logo-padding", NULL, NULL, 0, 8, DEFAULT_LOGO_PADDING, flags);
  properties[PROP_CAPTION] =
    g_param_spec_string ("caption", NULL, NULL, NULL, flags);
  properties[PROP_CAPTION_FONT] =
    g_param_spec_string ("caption-font", NULL, NULL, DEFAULT_CAPTION_FONT, flags);
  properties[PROP_CAPTION_POSITION] =
    g_param_spec_enum ("caption-position", NULL, NULL,
                       QRS_TYPE_CAPTION_POSITION, QRS_CAPTION_POSITION_BELOW, flags);
  properties[PROP_CAPTION_COLOR] =
    g_param_spec_boxed ("caption-color", NULL, NULL, QRS_TYPE_COLOR, flags);
  properties[PROP_TITLE] =
    g_param_spec_string ("title", NULL, NULL, NULL, flags);
  properties[PROP_DESCRIPTION] =
    g_param_spec_string ("description", NULL, NULL, NULL, flags);
  properties[PROP_SIZE] =
    g_param_spec_double ("size", NULL, NULL, 0.001, 100000, DEFAULT_SIZE_PX, flags);
  properties[PROP_SIZE_UNIT] =
    g_param_spec_enum ("size-unit", NULL, NULL, QRS_TYPE_SIZE_UNIT, QRS_SIZE_UNIT_PX, flags);
  properties[PROP_DPI] =
    g_param_spec_double ("dpi", NULL, NULL, 10, 4800, DEFAULT_DPI, flags);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
qrs_design_init (QrsDesign *self)
{
  self->foreground = black;
  self->background = white;
  self->caption_color = black;
  self->caption_font = g_strdup (DEFAULT_CAPTION_FONT);
  self->logo_ratio = DEFAULT_LOGO_RATIO;
  self->logo_padding = DEFAULT_LOGO_PADDING;
  self->quiet_zone = -1;
  self->ec_level = QRS_EC_LEVEL_M;
  self->symbol_type = QRS_SYMBOL_TYPE_QR;
  self->size = DEFAULT_SIZE_PX;
  self->size_unit = QRS_SIZE_UNIT_PX;
  self->dpi = DEFAULT_DPI;
}

QrsDesign *
qrs_design_new (void)
{
  return g_object_new (QRS_TYPE_DESIGN, NULL);
}

/**
 * qrs_design_copy:
 *
 * Returns: (transfer full): an independent design that looks the same
 */
QrsDesign *
qrs_design_copy (QrsDesign *self)
{
  QrsDesign *copy;

  g_return_val_if_fail (QRS_IS_DESIGN (self), NULL);

  copy = qrs_design_new ();
  copy->foreground = self->foreground;
  copy->background = self->background;
  copy->finder_color = self->finder_color ? qrs_color_copy (self->finder_color) : NULL;
  copy->alignment_color = self->alignment_color ? qrs_color_copy (self->alignment_color) : NULL;
  copy->caption_color = self->caption_color;
  copy->logo = self->logo ? g_bytes_ref (self->logo) : NULL;
  copy->logo_sha256 = g_strdup (self->logo_sha256);
  copy->logo_media_type = g_strdup (self->logo_media_type);
  copy->logo_ratio = self->logo_ratio;
  copy->logo_padding = self->logo_padding;
  copy->caption = g_strdup (self->caption);
  g_free (copy->caption_font);
  copy->caption_font = g_strdup (self->caption_font);
  copy->title = g_strdup (self->title);
  copy->description = g_strdup (self->description);
  copy->size = self->size;
  copy->dpi = self->dpi;
  copy->quiet_zone = self->quiet_zone;
  copy->min_version = self->min_version;
  copy->module_shape = self->module_shape;
  copy->ec_level = self->ec_level;
  copy->symbol_type = self->symbol_type;
  copy->caption_position = self->caption_position;
  copy->size_unit = self->size_unit;
  copy->allow_inverted = self->allow_inverted;

  return copy;
}

static gboolean
set_color (QrsDesign      *self,
           QrsColor       *slot,
           const QrsColor *color,
           GParamSpec     *pspec)
{
  if (color == NULL || qrs_color_equal (slot, color))
    return FALSE;

  *slot = *color;
  g_object_notify_by_pspec (G_OBJECT (self), pspec);
  return TRUE;
}

static void
set_optional_color (QrsDesign       *self,
                    QrsColor       **slot,
                    const QrsColor  *color,
                    GParamSpec      *pspec)
{
  if (qrs_color_equal (*slot, color))
    return;

  g_clear_pointer (slot, qrs_color_free);
  if (color != NULL)
    *slot = qrs_color_copy (color);
  g_object_notify_by_pspec (G_OBJECT (self), pspec);
}

/* g_set_str() arrives only with GLib 2.76. */
static gboolean
replace_str (char       **slot,
             const char  *value)
{
  if (g_strcmp0 (*slot, value) == 0)
    return FALSE;

  g_free (*slot);
  *slot = g_strdup (value);
  return TRUE;
}

static void
set_string (QrsDesign   *self,
            char       **slot,
            const char  *value,
            GParamSpec  *pspec)
{
  if (value != NULL && value[0] == '\0')
    value = NULL;

  if (replace_str (slot, value))
    g_object_notify_by_pspec (G_OBJECT (self), pspec);
}

const QrsColor *
qrs_design_get_foreground (QrsDesign *self)
{
  g_return_val_if_fail (QRS_IS_DESIGN (self), NULL);

  return &self->foreground;
}

void
qrs_design_set_foreground (QrsDesign      *self,
                           const QrsColor *color)
{
  g_return_if_fail (QRS_IS_DESIGN (self));
  g_return_if_fail (color != NULL);

  set_color (self, &self->foreground, color, properties[PROP_FOREGROUND]);
}

const QrsColor *
qrs_design_get_background (QrsDesign *self)
{
  g_return_val_if_fail (QRS_IS_DESIGN (self), NULL);

  return &self->background;
}

void
qrs_design_set_background (QrsDesign      *self,
                           const QrsColor *color)
{
  g_return_if_fail (QRS_IS_DESIGN (self));
  g_return_if_fail (color != NULL);

  set_color (self, &self->background, color, properties[PROP_BACKGROUND]);
}

/**
 * qrs_design_get_finder_color:
 *
 * Returns: (nullable): the finder patterns' own colour, or %NULL when they
 *   take the foreground colour
 */
const QrsColor *
qrs_design_get_finder_color (QrsDesign *self)
{
  g_return_val_if_fail (QRS_IS_DESIGN (self), NULL);

  return self->finder_color;
}

void
qrs_design_set_finder_color (QrsDesign      *self,
                             const QrsColor *color)
{
  g_return_if_fail (QRS_IS_DESIGN (self));

  set_optional_color (self, &self->finder_color, color, properties[PROP_FINDER_COLOR]);
}

/**
 * qrs_design_get_alignment_color:
 *
 * Returns: (nullable): the alignment patterns' own colour, or %NULL
 */
const QrsColor *
qrs_design_get_alignment_color (QrsDesign *self)
{
  g_return_val_if_fail (QRS_IS_DESIGN (self), NULL);

  return self->alignment_color;
}

void
qrs_design_set_alignment_color (QrsDesign      *self,
                                const QrsColor *color)
{
  g_return_if_fail (QRS_IS_DESIGN (self));

  set_optional_color (self, &self->alignment_color, color, properties[PROP_ALIGNMENT_COLOR]);
}

gboolean
qrs_design_get_allow_inverted (QrsDesign *self)
{
  g_return_val_if_fail (QRS_IS_DESIGN (self), FALSE);

  return self->allow_inverted;
}

void
qrs_design_set_allow_inverted (QrsDesign *self,
                               gboolean   allow_inverted)
{
  g_return_if_fail (QRS_IS_DESIGN (self));

  allow_inverted = !!allow_inverted;
  if (self->allow_inverted != allow_inverted)
    {
      self->allow_inverted = allow_inverted;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ALLOW_INVERTED]);
    }
}

QrsModuleShape
qrs_design_get_module_shape (QrsDesign *self)
{
  g_return_val_if_fail (QRS_IS_DESIGN (self), QRS_MODULE_SHAPE_SQUARE);

  return self->module_shape;
}

void
qrs_design_set_module_shape (QrsDesign      *self,
                             QrsModuleShape  shape)
{
  g_return_if_fail (QRS_IS_DESIGN (self));
  g_return_if_fail (shape <= QRS_MODULE_SHAPE_ROUNDED);

  if (self->module_shape != shape)
    {
      self->module_shape = shape;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MODULE_SHAPE]);
    }
}

/**
 * qrs_design_get_quiet_zone:
 *
 * Returns: the quiet zone in modules, or -1 for the standard's (4 for QR,
 *   2 for Micro QR)
 */
int
qrs_design_get_quiet_zone (QrsDesign *self)
{
  g_return_val_if_fail (QRS_IS_DESIGN (self), -1);

  return self->quiet_zone;
}

void
qrs_design_set_quiet_zone (QrsDesign *self,
                           int        modules)
{
  g_return_if_fail (QRS_IS_DESIGN (self));
  g_return_if_fail (modules >= -1 && modules <= MAX_QUIET_ZONE);

  if (self->quiet_zone != modules)
    {
      self->quiet_zone = modules;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_QUIET_ZONE]);
    }
}

guint
qrs_design_get_effective_quiet_zone (QrsDesign *self)
{
  g_return_val_if_fail (QRS_IS_DESIGN (self), 4);

  if (self->quiet_zone >= 0)
    return self->quiet_zone;

  return self->symbol_type == QRS_SYMBOL_TYPE_MICRO_QR ? 2 : 4;
}

QrsEcLevel
qrs_design_get_ec_level (QrsDesign *self)
{
  g_return_val_if_fail (QRS_IS_DESIGN (self), QRS_EC_LEVEL_M);

  return self->ec_level;
}

/**
 * qrs_design_set_ec_level:
 *
 * Sets the error-correction level.  While the design has a logo, the level
 * stays at Q or above: the logo hides modules that only error correction
 * can restore.
 */
void
qrs_design_set_ec_level (QrsDesign  *self,
                         QrsEcLevel  level)
{
  g_return_if_fail (QRS_IS_DESIGN (self));
  g_return_if_fail (level <= QRS_EC_LEVEL_H);

  if (self->logo_sha256 != NULL && level < QRS_EC_LEVEL_Q)
    level = QRS_EC_LEVEL_Q;

  if (self->ec_level != level)
    {
      self->ec_level = level;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_EC_LEVEL]);
    }
}

QrsSymbolType
qrs_design_get_symbol_type (QrsDesign *self)
{
  g_return_val_if_fail (QRS_IS_DESIGN (self), QRS_SYMBOL_TYPE_QR);

  return self->symbol_type;
}

void
qrs_design_set_symbol_type (QrsDesign     *self,
                            QrsSymbolType  symbol_type)
{
  g_return_if_fail (QRS_IS_DESIGN (self));
  g_return_if_fail (symbol_type <= QRS_SYMBOL_TYPE_MICRO_QR);

  if (self->symbol_type != symbol_type)
    {
      self->symbol_type = symbol_type;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SYMBOL_TYPE]);
    }
}

int
qrs_design_get_min_version (QrsDesign *self)
{
  g_return_val_if_fail (QRS_IS_DESIGN (self), 0);

  return self->min_version;
}

void
qrs_design_set_min_version (QrsDesign *self,
                            int        version)
{
  g_return_if_fail (QRS_IS_DESIGN (self));
  g_return_if_fail (version >= 0 && version <= 40);

  if (self->min_version != version)
    {
      self->min_version = version;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MIN_VERSION]);
    }
}

/**
 * qrs_design_get_logo:
 *
 * Returns: (nullable) (transfer none): the logo's image bytes (PNG, JPEG,
 *   WebP, GIF or SVG), or %NULL
 */
GBytes *
qrs_design_get_logo (QrsDesign *self)
{
  g_return_val_if_fail (QRS_IS_DESIGN (self), NULL);

  return self->logo;
}

static const char *
sniff_image_type (GBytes *bytes)
{
  gsize len;
  const guint8 *d = g_bytes_get_data (bytes, &len);

  if (len >= 8 && memcmp (d, "\x89PNG\r\n\x1a\n", 8) == 0)
    return "image/png";
  if (len >= 3 && memcmp (d, "\xff\xd8\xff", 3) == 0)
    return "image/jpeg";
  if (len >= 12 && memcmp (d, "RIFF", 4) == 0 && memcmp (d + 8, "WEBP", 4) == 0)
    return "image/webp";
  if (len >= 6 && (memcmp (d, "GIF87a", 6) == 0 || memcmp (d, "GIF89a", 6) == 0))
    return "image/gif";

  /* SVG is text: an <svg element near the start, after any prolog. */
  if (len >= 5)
    {
      g_autofree char *head = g_strndup ((const char *)d, MIN (len, 1024));

      if (strstr (head, "<svg") != NULL)
        return "image/svg+xml";
    }

  return NULL;
}

/**
 * qrs_design_set_logo:
 * @logo: (nullable): image bytes, or %NULL to remove the logo
 *
 * Sets the logo drawn in the middle of the code.  A logo raises the
 * error-correction level to at least Q.
 *
 * Returns: %TRUE, or %FALSE with @error set when @logo is not an image we
 *   can draw or is larger than 2 MiB
 */
gboolean
qrs_design_set_logo (QrsDesign  *self,
                     GBytes     *logo,
                     GError    **error)
{
  const char *media_type = NULL;
  g_autofree char *sha256 = NULL;

  g_return_val_if_fail (QRS_IS_DESIGN (self), FALSE);

  if (logo != NULL)
    {
      gsize size = g_bytes_get_size (logo);

      if (size > QRS_DESIGN_LOGO_MAX_BYTES)
        {
          g_set_error (error, QRS_DESIGN_ERROR, QRS_DESIGN_ERROR_INVALID,
                       _("The logo is %.1f MiB; logos may be at most 2 MiB: use a smaller image."),
                       size / (1024.0 * 1024.0));
          return FALSE;
        }

      if (!(media_type = sniff_image_type (logo)))
        {
          g_set_error_literal (error, QRS_DESIGN_ERROR, QRS_DESIGN_ERROR_INVALID,
                               _("The logo is not a PNG, JPEG, WebP, GIF or SVG image."));
          return FALSE;
        }

      sha256 = g_compute_checksum_for_bytes (G_CHECKSUM_SHA256, logo);
    }

  if (g_strcmp0 (sha256, self->logo_sha256) == 0 && (logo == NULL) == (self->logo == NULL))
    return TRUE;

  g_object_freeze_notify (G_OBJECT (self));

  g_clear_pointer (&self->logo, g_bytes_unref);
  self->logo = logo ? g_bytes_ref (logo) : NULL;
  replace_str (&self->logo_sha256, sha256);
  replace_str (&self->logo_media_type, media_type);

  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LOGO]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LOGO_SHA256]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LOGO_MEDIA_TYPE]);

  if (logo != NULL && self->ec_level < QRS_EC_LEVEL_Q)
    qrs_design_set_ec_level (self, QRS_EC_LEVEL_Q);

  g_object_thaw_notify (G_OBJECT (self));

  return TRUE;
}

/**
 * qrs_design_get_logo_sha256:
 *
 * The logo's SHA-256, also when the design came from the database and the
 * image bytes are not loaded yet.
 *
 * Returns: (nullable): a hexadecimal digest, or %NULL without a logo
 */
const char *
qrs_design_get_logo_sha256 (QrsDesign *self)
{
  g_return_val_if_fail (QRS_IS_DESIGN (self), NULL);

  return self->logo_sha256;
}

const char *
qrs_design_get_logo_media_type (QrsDesign *self)
{
  g_return_val_if_fail (QRS_IS_DESIGN (self), NULL);

  return self->logo_media_type;
}

double
qrs_design_get_logo_ratio (QrsDesign *self)
{
  g_return_val_if_fail (QRS_IS_DESIGN (self), DEFAULT_LOGO_RATIO);

  return self->logo_ratio;
}

void
qrs_design_set_logo_ratio (QrsDesign *self,
                           double     ratio)
{
  g_return_if_fail (QRS_IS_DESIGN (self));

  ratio = CLAMP (ratio, MIN_LOGO_RATIO, MAX_LOGO_RATIO);
  if (self->logo_ratio != ratio)
    {
      self->logo_ratio = ratio;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LOGO_RATIO]);
    }
}

/**
 * qrs_design_get_effective_logo_ratio:
 *
 * The logo's width as a share of the symbol's, capped so that the logo
 * covers at most 40 % of what the error-correction level can recover.
 *
 * Returns: the ratio the renderer draws
 */
double
qrs_design_get_effective_logo_ratio (QrsDesign *self)
{
  double cap;

  g_return_val_if_fail (QRS_IS_DESIGN (self), 0);

  cap = sqrt (LOGO_RECOVERY_SHARE * qrs_ec_level_get_recovery (self->ec_level));

  return MIN (self->logo_ratio, cap);
}

double
qrs_design_get_logo_padding (QrsDesign *self)
{
  g_return_val_if_fail (QRS_IS_DESIGN (self), DEFAULT_LOGO_PADDING);

  return self->logo_padding;
}

void
qrs_design_set_logo_padding (QrsDesign *self,
                             double     modules)
{
  g_return_if_fail (QRS_IS_DESIGN (self));

  modules = CLAMP (modules, 0, 8);
  if (self->logo_padding != modules)
    {
      self->logo_padding = modules;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LOGO_PADDING]);
    }
}

const char *
qrs_design_get_caption (QrsDesign *self)
{
  g_return_val_if_fail (QRS_IS_DESIGN (self), NULL);

  return self->caption;
}

void
qrs_design_set_caption (QrsDesign  *self,
                        const char *caption)
{
  g_return_if_fail (QRS_IS_DESIGN (self));

  set_string (self, &self->caption, caption, properties[PROP_CAPTION]);
}

const char *
qrs_design_get_caption_font (QrsDesign *self)
{
  g_return_val_if_fail (QRS_IS_DESIGN (self), NULL);

  return self->caption_font;
}

void
qrs_design_set_caption_font (QrsDesign  *self,
                             const char *font)
{
  g_return_if_fail (QRS_IS_DESIGN (self));

  if (font == NULL || font[0] == '\0')
    font = DEFAULT_CAPTION_FONT;

  set_string (self, &self->caption_font, font, properties[PROP_CAPTION_FONT]);
}

QrsCaptionPosition
qrs_design_get_caption_position (QrsDesign *self)
{
  g_return_val_if_fail (QRS_IS_DESIGN (self), QRS_CAPTION_POSITION_BELOW);

  return self->caption_position;
}

void
qrs_design_set_caption_position (QrsDesign          *self,
                                 QrsCaptionPosition  position)
{
  g_return_if_fail (QRS_IS_DESIGN (self));
  g_return_if_fail (position <= QRS_CAPTION_POSITION_ABOVE);

  if (self->caption_position != position)
    {
      self->caption_position = position;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CAPTION_POSITION]);
    }
}

const QrsColor *
qrs_design_get_caption_color (QrsDesign *self)
{
  g_return_val_if_fail (QRS_IS_DESIGN (self), NULL);

  return &self->caption_color;
}

void
qrs_design_set_caption_color (QrsDesign      *self,
                              const QrsColor *color)
{
  g_return_if_fail (QRS_IS_DESIGN (self));
  g_return_if_fail (color != NULL);

  set_color (self, &self->caption_color, color, properties[PROP_CAPTION_COLOR]);
}

/**
 * qrs_design_get_title:
 *
 * Returns: (nullable): the accessible title, written into SVG's `<title>`
 */
const char *
qrs_design_get_title (QrsDesign *self)
{
  g_return_val_if_fail (QRS_IS_DESIGN (self), NULL);

  return self->title;
}

void
qrs_design_set_title (QrsDesign  *self,
                      const char *title)
{
  g_return_if_fail (QRS_IS_DESIGN (self));

  set_string (self, &self->title, title, properties[PROP_TITLE]);
}

/**
 * qrs_design_get_description:
 *
 * Returns: (nullable): the accessible description, written into `<desc>`
 */
const char *
qrs_design_get_description (QrsDesign *self)
{
  g_return_val_if_fail (QRS_IS_DESIGN (self), NULL);

  return self->description;
}

void
qrs_design_set_description (QrsDesign  *self,
                            const char *description)
{
  g_return_if_fail (QRS_IS_DESIGN (self));

  set_string (self, &self->description, description, properties[PROP_DESCRIPTION]);
}

/**
 * qrs_design_get_size:
 *
 * Returns: the output's width, quiet zone included, in the size unit
 */
double
qrs_design_get_size (QrsDesign *self)
{
  g_return_val_if_fail (QRS_IS_DESIGN (self), DEFAULT_SIZE_PX);

  return self->size;
}

void
qrs_design_set_size (QrsDesign *self,
                     double     size)
{
  g_return_if_fail (QRS_IS_DESIGN (self));
  g_return_if_fail (size > 0 && isfinite (size));

  if (self->size != size)
    {
      self->size = size;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SIZE]);
    }
}

QrsSizeUnit
qrs_design_get_size_unit (QrsDesign *self)
{
  g_return_val_if_fail (QRS_IS_DESIGN (self), QRS_SIZE_UNIT_PX);

  return self->size_unit;
}

void
qrs_design_set_size_unit (QrsDesign   *self,
                          QrsSizeUnit  unit)
{
  g_return_if_fail (QRS_IS_DESIGN (self));
  g_return_if_fail (unit <= QRS_SIZE_UNIT_IN);

  if (self->size_unit != unit)
    {
      self->size_unit = unit;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SIZE_UNIT]);
    }
}

double
qrs_design_get_dpi (QrsDesign *self)
{
  g_return_val_if_fail (QRS_IS_DESIGN (self), DEFAULT_DPI);

  return self->dpi;
}

void
qrs_design_set_dpi (QrsDesign *self,
                    double     dpi)
{
  g_return_if_fail (QRS_IS_DESIGN (self));
  g_return_if_fail (dpi >= 10 && dpi <= 4800);

  if (self->dpi != dpi)
    {
      self->dpi = dpi;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_DPI]);
    }
}

static double
mm_per_unit (QrsSizeUnit unit)
{
  switch (unit)
    {
    case QRS_SIZE_UNIT_MM: return 1.0;
    case QRS_SIZE_UNIT_CM: return 10.0;
    case QRS_SIZE_UNIT_IN: return 25.4;
    case QRS_SIZE_UNIT_PX:
    default: g_assert_not_reached ();
    }
}

/**
 * qrs_design_set_size_from_string:
 * @str: "1024", "1024px", "40mm", "4 cm", "1.5in"
 *
 * Returns: %TRUE, or %FALSE with @error set when @str is no size
 */
gboolean
qrs_design_set_size_from_string (QrsDesign   *self,
                                 const char  *str,
                                 GError     **error)
{
  g_autofree char *unit_str = NULL;
  QrsSizeUnit unit = QRS_SIZE_UNIT_PX;
  char *end = NULL;
  double value;

  g_return_val_if_fail (QRS_IS_DESIGN (self), FALSE);

  if (str == NULL)
    str = "";

  value = g_ascii_strtod (str, &end);
  unit_str = g_strstrip (g_strdup (end ? end : ""));

  if (end == str || !isfinite (value) || value <= 0 ||
      (unit_str[0] != '\0' && !qrs_size_unit_from_string (unit_str, &unit)))
    {
      g_set_error (error, QRS_DESIGN_ERROR, QRS_DESIGN_ERROR_INVALID,
                   _("“%s” is not a size: write a positive number with px, mm, cm or in, for example 1024 or 40mm."),
                   str);
      return FALSE;
    }

  if ((unit == QRS_SIZE_UNIT_PX && (value < 16 || value > 20000)) ||
      (unit != QRS_SIZE_UNIT_PX && (value * mm_per_unit (unit) < 2 || value * mm_per_unit (unit) > 5000)))
    {
      g_set_error (error, QRS_DESIGN_ERROR, QRS_DESIGN_ERROR_INVALID,
                   _("The size “%s” is out of range: use 16 to 20000 px, or 2 mm to 5 m."),
                   str);
      return FALSE;
    }

  g_object_freeze_notify (G_OBJECT (self));
  qrs_design_set_size (self, value);
  qrs_design_set_size_unit (self, unit);
  g_object_thaw_notify (G_OBJECT (self));

  return TRUE;
}

/**
 * qrs_design_get_width_px:
 *
 * Returns: the output's width in pixels at the design's DPI
 */
double
qrs_design_get_width_px (QrsDesign *self)
{
  g_return_val_if_fail (QRS_IS_DESIGN (self), DEFAULT_SIZE_PX);

  if (self->size_unit == QRS_SIZE_UNIT_PX)
    return self->size;

  return self->size * mm_per_unit (self->size_unit) / 25.4 * self->dpi;
}

/**
 * qrs_design_get_width_mm:
 *
 * Returns: the output's printed width in millimetres at the design's DPI
 */
double
qrs_design_get_width_mm (QrsDesign *self)
{
  g_return_val_if_fail (QRS_IS_DESIGN (self), 0);

  if (self->size_unit == QRS_SIZE_UNIT_PX)
    return self->size / self->dpi * 25.4;

  return self->size * mm_per_unit (self->size_unit);
}

/**
 * qrs_design_is_physical:
 *
 * Returns: %TRUE when the size was given in mm, cm or inches
 */
gboolean
qrs_design_is_physical (QrsDesign *self)
{
  g_return_val_if_fail (QRS_IS_DESIGN (self), FALSE);

  return self->size_unit != QRS_SIZE_UNIT_PX;
}

/**
 * qrs_design_encode:
 * @text: the payload's encoded text
 *
 * Encodes @text with the design's symbol type, error-correction level and
 * minimum version.
 *
 * Returns: (transfer full): the symbol, or %NULL with @error set
 */
QrsSymbol *
qrs_design_encode (QrsDesign   *self,
                   const char  *text,
                   GError     **error)
{
  g_return_val_if_fail (QRS_IS_DESIGN (self), NULL);
  g_return_val_if_fail (text != NULL, NULL);

  return qrs_symbol_encode (text, -1, self->symbol_type, self->ec_level,
                            self->min_version, error);
}

/* JSON */

static const char * const shape_names[] = { "square", "dot", "rounded" };
static const char * const position_names[] = { "below", "above" };
static const char * const unit_names[] = { "px", "mm", "cm", "in" };
static const char * const symbol_type_names[] = { "qr", "micro" };

static gboolean
name_lookup (const char * const *names,
             guint               n_names,
             const char         *str,
             guint              *out)
{
  if (str == NULL)
    return FALSE;

  for (guint i = 0; i < n_names; i++)
    if (g_ascii_strcasecmp (names[i], str) == 0)
      {
        *out = i;
        return TRUE;
      }

  return FALSE;
}

const char *
qrs_module_shape_to_string (QrsModuleShape shape)
{
  g_return_val_if_fail (shape < G_N_ELEMENTS (shape_names), NULL);

  return shape_names[shape];
}

gboolean
qrs_module_shape_from_string (const char     *str,
                              QrsModuleShape *shape)
{
  guint v;

  g_return_val_if_fail (shape != NULL, FALSE);

  if (!name_lookup (shape_names, G_N_ELEMENTS (shape_names), str, &v))
    return FALSE;

  *shape = v;
  return TRUE;
}

const char *
qrs_size_unit_to_string (QrsSizeUnit unit)
{
  g_return_val_if_fail (unit < G_N_ELEMENTS (unit_names), NULL);

  return unit_names[unit];
}

gboolean
qrs_size_unit_from_string (const char  *str,
                           QrsSizeUnit *unit)
{
  guint v;

  g_return_val_if_fail (unit != NULL, FALSE);

  if (!name_lookup (unit_names, G_N_ELEMENTS (unit_names), str, &v))
    return FALSE;

  *unit = v;
  return TRUE;
}

static void
add_color (JsonBuilder    *builder,
           const char     *key,
           const QrsColor *color)
{
  json_builder_set_member_name (builder, key);
  if (color == NULL)
    json_builder_add_null_value (builder);
  else
    {
      g_autofree char *str = qrs_color_to_string (color);
      json_builder_add_string_value (builder, str);
    }
}

static void
add_string (JsonBuilder *builder,
            const char  *key,
            const char  *value)
{
  json_builder_set_member_name (builder, key);
  if (value == NULL)
    json_builder_add_null_value (builder);
  else
    json_builder_add_string_value (builder, value);
}

/**
 * qrs_design_to_json:
 * @embed_logo: whether to carry the logo's bytes (base64) or only its digest
 *
 * Returns: (transfer full): the design as a JSON object carrying
 *   `"format": 1`
 */
JsonNode *
qrs_design_to_json (QrsDesign *self,
                    gboolean   embed_logo)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();

  g_return_val_if_fail (QRS_IS_DESIGN (self), NULL);

  json_builder_begin_object (builder);

  json_builder_set_member_name (builder, "format");
  json_builder_add_int_value (builder, QRS_DESIGN_FORMAT_VERSION);

  add_color (builder, "foreground", &self->foreground);
  add_color (builder, "background", &self->background);
  add_color (builder, "finder_color", self->finder_color);
  add_color (builder, "alignment_color", self->alignment_color);

  json_builder_set_member_name (builder, "allow_inverted");
  json_builder_add_boolean_value (builder, self->allow_inverted);

  add_string (builder, "module_shape", shape_names[self->module_shape]);

  json_builder_set_member_name (builder, "quiet_zone");
  if (self->quiet_zone < 0)
    json_builder_add_null_value (builder);
  else
    json_builder_add_int_value (builder, self->quiet_zone);

  add_string (builder, "ec_level", qrs_ec_level_to_string (self->ec_level));
  add_string (builder, "symbol_type", symbol_type_names[self->symbol_type]);

  json_builder_set_member_name (builder, "min_version");
  json_builder_add_int_value (builder, self->min_version);

  json_builder_set_member_name (builder, "logo");
  if (self->logo_sha256 == NULL)
    json_builder_add_null_value (builder);
  else
    {
      json_builder_begin_object (builder);
      add_string (builder, "sha256", self->logo_sha256);
      add_string (builder, "media_type", self->logo_media_type);
      if (embed_logo && self->logo != NULL)
        {
          gsize len;
          const guchar *data = g_bytes_get_data (self->logo, &len);
          g_autofree char *b64 = g_base64_encode (data, len);

          add_string (builder, "data", b64);
        }
      json_builder_end_object (builder);
    }

  json_builder_set_member_name (builder, "logo_ratio");
  json_builder_add_double_value (builder, self->logo_ratio);
  json_builder_set_member_name (builder, "logo_padding");
  json_builder_add_double_value (builder, self->logo_padding);

  add_string (builder, "caption", self->caption);
  add_string (builder, "caption_font", self->caption_font);
  add_string (builder, "caption_position", position_names[self->caption_position]);
  add_color (builder, "caption_color", &self->caption_color);

  add_string (builder, "title", self->title);
  add_string (builder, "description", self->description);

  json_builder_set_member_name (builder, "size");
  json_builder_add_double_value (builder, self->size);
  add_string (builder, "size_unit", unit_names[self->size_unit]);
  json_builder_set_member_name (builder, "dpi");
  json_builder_add_double_value (builder, self->dpi);

  json_builder_end_object (builder);

  return json_builder_get_root (builder);
}

/**
 * qrs_design_to_data:
 *
 * Returns: (transfer full): the design as pretty-printed JSON, logo included
 */
char *
qrs_design_to_data (QrsDesign *self,
                    gsize     *length)
{
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(JsonGenerator) generator = json_generator_new ();

  g_return_val_if_fail (QRS_IS_DESIGN (self), NULL);

  node = qrs_design_to_json (self, TRUE);
  json_generator_set_root (generator, node);
  json_generator_set_pretty (generator, TRUE);

  return json_generator_to_data (generator, length);
}

G_GNUC_PRINTF (3, 4)
static gboolean
invalid (GError     **error,
         const char  *member,
         const char  *format,
         ...)
{
  g_autofree char *reason = NULL;
  va_list args;

  va_start (args, format);
  reason = g_strdup_vprintf (format, args);
  va_end (args);

  g_set_error (error, QRS_DESIGN_ERROR, QRS_DESIGN_ERROR_INVALID,
               _("The design’s “%s” is invalid: %s"), member, reason);
  return FALSE;
}

static gboolean
read_string (JsonNode    *node,
             const char  *member,
             gboolean     nullable,
             const char **out,
             GError     **error)
{
  if (JSON_NODE_HOLDS_NULL (node) && nullable)
    {
      *out = NULL;
      return TRUE;
    }

  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    return invalid (error, member, _("expected a string"));

  *out = json_node_get_string (node);

  if (strlen (*out) > MAX_TEXT_BYTES)
    return invalid (error, member, _("longer than %d bytes"), MAX_TEXT_BYTES);

  return TRUE;
}

static gboolean
read_number (JsonNode    *node,
             const char  *member,
             double       min,
             double       max,
             double      *out,
             GError     **error)
{
  GType type;

  if (!JSON_NODE_HOLDS_VALUE (node))
    return invalid (error, member, _("expected a number"));

  type = json_node_get_value_type (node);
  if (type == G_TYPE_INT64)
    *out = json_node_get_int (node);
  else if (type == G_TYPE_DOUBLE)
    *out = json_node_get_double (node);
  else
    return invalid (error, member, _("expected a number"));

  if (!isfinite (*out) || *out < min || *out > max)
    return invalid (error, member, _("%g is outside %g to %g"), *out, min, max);

  return TRUE;
}

static gboolean
read_color (JsonNode    *node,
            const char  *member,
            gboolean     nullable,
            QrsColor    *out,
            gboolean    *is_null,
            GError     **error)
{
  const char *str = NULL;
  g_autoptr(GError) local_error = NULL;

  if (!read_string (node, member, nullable, &str, error))
    return FALSE;

  *is_null = str == NULL;
  if (str == NULL)
    return TRUE;

  if (!qrs_color_parse (str, out, &local_error))
    return invalid (error, member, "%s", local_error->message);

  return TRUE;
}

static gboolean
read_enum (JsonNode           *node,
           const char         *member,
           const char * const *names,
           guint               n_names,
           guint              *out,
           GError            **error)
{
  const char *str;

  if (!read_string (node, member, FALSE, &str, error))
    return FALSE;

  if (!name_lookup (names, n_names, str, out))
    {
      g_autofree char *choices = g_strjoinv (", ", (char **)names);
      return invalid (error, member, _("“%s” is not one of %s"), str, choices);
    }

  return TRUE;
}

static gboolean
read_logo (QrsDesign  *self,
           JsonNode   *node,
           GError    **error)
{
  g_autoptr(GList) members = NULL;
  JsonObject *obj;
  const char *sha256 = NULL, *media_type = NULL, *data = NULL;

  if (JSON_NODE_HOLDS_NULL (node))
    return TRUE;

  if (!JSON_NODE_HOLDS_OBJECT (node))
    return invalid (error, "logo", _("expected an object or null"));

  obj = json_node_get_object (node);

  members = json_object_get_members (obj);

  for (const GList *l = members; l; l = l->next)
    {
      const char *key = l->data;
      JsonNode *value = json_object_get_member (obj, key);
      gboolean ok;

      if (g_str_equal (key, "sha256"))
        ok = read_string (value, "logo.sha256", FALSE, &sha256, error);
      else if (g_str_equal (key, "media_type"))
        ok = read_string (value, "logo.media_type", TRUE, &media_type, error);
      else if (g_str_equal (key, "data"))
        {
          ok = JSON_NODE_HOLDS_VALUE (value) && json_node_get_value_type (value) == G_TYPE_STRING;
          if (ok)
            data = json_node_get_string (value);
          else
            invalid (error, "logo.data", _("expected a base64 string"));
        }
      else
        ok = invalid (error, "logo", _("unknown member “%s”"), key);

      if (!ok)
        return FALSE;
    }

  if (sha256 == NULL || strlen (sha256) != 64 ||
      strspn (sha256, "0123456789abcdef") != 64)
    return invalid (error, "logo.sha256", _("expected 64 lowercase hexadecimal digits"));

  if (data != NULL)
    {
      g_autoptr(GBytes) bytes = NULL;
      guchar *decoded;
      gsize len;

      decoded = g_base64_decode (data, &len);
      bytes = g_bytes_new_take (decoded, len);

      if (!qrs_design_set_logo (self, bytes, error))
        return FALSE;

      if (g_strcmp0 (self->logo_sha256, sha256) != 0)
        return invalid (error, "logo.sha256", _("the digest does not match the logo’s data"));
    }
  else
    {
      /* The bytes live in the shared assets table; the store loads them. */
      replace_str (&self->logo_sha256, sha256);
      replace_str (&self->logo_media_type, media_type);
    }

  return TRUE;
}

/**
 * qrs_design_new_from_json:
 * @node: a JSON object as qrs_design_to_json() writes it
 *
 * Members left out keep their defaults; an unknown member, a value of the
 * wrong type or out of range is an error, never silently replaced.
 *
 * Returns: (transfer full): the design, or %NULL with @error set
 */
QrsDesign *
qrs_design_new_from_json (JsonNode  *node,
                          GError   **error)
{
  g_autoptr(QrsDesign) self = NULL;
  g_autoptr(GList) members = NULL;
  JsonObject *obj;
  JsonNode *logo_node = NULL;
  JsonNode *format;
  QrsEcLevel ec_level = QRS_EC_LEVEL_M;

  g_return_val_if_fail (node != NULL, NULL);

  if (!JSON_NODE_HOLDS_OBJECT (node))
    {
      g_set_error_literal (error, QRS_DESIGN_ERROR, QRS_DESIGN_ERROR_INVALID,
                           _("A design must be a JSON object."));
      return NULL;
    }

  obj = json_node_get_object (node);
  format = json_object_get_member (obj, "format");

  if (format == NULL || !JSON_NODE_HOLDS_VALUE (format) ||
      json_node_get_value_type (format) != G_TYPE_INT64)
    {
      g_set_error_literal (error, QRS_DESIGN_ERROR, QRS_DESIGN_ERROR_INVALID,
                           _("The design has no “format” version number."));
      return NULL;
    }

  if (json_node_get_int (format) != QRS_DESIGN_FORMAT_VERSION)
    {
      /* A plain conversion, not a G_G*_FORMAT macro: xgettext cannot read
       * through the macro, so the message would never be translated. */
      g_set_error (error, QRS_DESIGN_ERROR, QRS_DESIGN_ERROR_UNSUPPORTED_VERSION,
                   _("The design is in format %lld, but this version of QR Studio reads format %d: update QR Studio."),
                   (long long)json_node_get_int (format), QRS_DESIGN_FORMAT_VERSION);
      return NULL;
    }

  self = qrs_design_new ();
  members = json_object_get_members (obj);

  for (const GList *l = members; l; l = l->next)
    {
      const char *key = l->data;
      JsonNode *value = json_object_get_member (obj, key);
      gboolean ok = TRUE;
      gboolean is_null = FALSE;
      const char *str = NULL;
      double num = 0;
      guint e = 0;
      QrsColor color;

      if (g_str_equal (key, "format"))
        continue;
      else if (g_str_equal (key, "foreground"))
        ok = read_color (value, key, FALSE, &self->foreground, &is_null, error);
      else if (g_str_equal (key, "background"))
        ok = read_color (value, key, FALSE, &self->background, &is_null, error);
      else if (g_str_equal (key, "caption_color"))
        ok = read_color (value, key, FALSE, &self->caption_color, &is_null, error);
      else if (g_str_equal (key, "finder_color"))
        {
          if ((ok = read_color (value, key, TRUE, &color, &is_null, error)))
            qrs_design_set_finder_color (self, is_null ? NULL : &color);
        }
      else if (g_str_equal (key, "alignment_color"))
        {
          if ((ok = read_color (value, key, TRUE, &color, &is_null, error)))
            qrs_design_set_alignment_color (self, is_null ? NULL : &color);
        }
      else if (g_str_equal (key, "allow_inverted"))
        {
          if ((ok = JSON_NODE_HOLDS_VALUE (value) && json_node_get_value_type (value) == G_TYPE_BOOLEAN))
            self->allow_inverted = json_node_get_boolean (value);
          else
            invalid (error, key, _("expected true or false"));
        }
      else if (g_str_equal (key, "module_shape"))
        {
          if ((ok = read_enum (value, key, shape_names, G_N_ELEMENTS (shape_names), &e, error)))
            self->module_shape = e;
        }
      else if (g_str_equal (key, "quiet_zone"))
        {
          if (JSON_NODE_HOLDS_NULL (value))
            self->quiet_zone = -1;
          else if ((ok = read_number (value, key, 0, MAX_QUIET_ZONE, &num, error)))
            {
              if (num != floor (num))
                ok = invalid (error, key, _("expected a whole number of modules"));
              self->quiet_zone = num;
            }
        }
      else if (g_str_equal (key, "ec_level"))
        {
          if ((ok = read_string (value, key, FALSE, &str, error)) &&
              !qrs_ec_level_from_string (str, &ec_level))
            ok = invalid (error, key, _("“%s” is not one of L, M, Q, H"), str);
        }
      else if (g_str_equal (key, "symbol_type"))
        {
          if ((ok = read_enum (value, key, symbol_type_names, G_N_ELEMENTS (symbol_type_names), &e, error)))
            self->symbol_type = e;
        }
      else if (g_str_equal (key, "min_version"))
        {
          if ((ok = read_number (value, key, 0, 40, &num, error)))
            {
              if (num != floor (num))
                ok = invalid (error, key, _("expected a whole number"));
              self->min_version = num;
            }
        }
      else if (g_str_equal (key, "logo"))
        logo_node = value;
      else if (g_str_equal (key, "logo_ratio"))
        {
          if ((ok = read_number (value, key, MIN_LOGO_RATIO, MAX_LOGO_RATIO, &num, error)))
            self->logo_ratio = num;
        }
      else if (g_str_equal (key, "logo_padding"))
        {
          if ((ok = read_number (value, key, 0, 8, &num, error)))
            self->logo_padding = num;
        }
      else if (g_str_equal (key, "caption"))
        {
          if ((ok = read_string (value, key, TRUE, &str, error)))
            qrs_design_set_caption (self, str);
        }
      else if (g_str_equal (key, "caption_font"))
        {
          if ((ok = read_string (value, key, TRUE, &str, error)))
            qrs_design_set_caption_font (self, str);
        }
      else if (g_str_equal (key, "caption_position"))
        {
          if ((ok = read_enum (value, key, position_names, G_N_ELEMENTS (position_names), &e, error)))
            self->caption_position = e;
        }
      else if (g_str_equal (key, "title"))
        {
          if ((ok = read_string (value, key, TRUE, &str, error)))
            qrs_design_set_title (self, str);
        }
      else if (g_str_equal (key, "description"))
        {
          if ((ok = read_string (value, key, TRUE, &str, error)))
            qrs_design_set_description (self, str);
        }
      else if (g_str_equal (key, "size"))
        {
          if ((ok = read_number (value, key, 0.001, 100000, &num, error)))
            self->size = num;
        }
      else if (g_str_equal (key, "size_unit"))
        {
          if ((ok = read_enum (value, key, unit_names, G_N_ELEMENTS (unit_names), &e, error)))
            self->size_unit = e;
        }
      else if (g_str_equal (key, "dpi"))
        {
          if ((ok = read_number (value, key, 10, 4800, &num, error)))
            self->dpi = num;
        }
      else
        ok = invalid (error, key, _("this is not a design setting; check its spelling"));

      if (!ok)
        return NULL;
    }

  if (self->symbol_type == QRS_SYMBOL_TYPE_MICRO_QR && ec_level == QRS_EC_LEVEL_H)
    {
      invalid (error, "ec_level", _("Micro QR has no level H"));
      return NULL;
    }

  /* Read the logo before the level: a logo raises the level to Q. */
  if (logo_node != NULL && !read_logo (self, logo_node, error))
    return NULL;

  qrs_design_set_ec_level (self, ec_level);

  return g_steal_pointer (&self);
}

/**
 * qrs_design_new_from_data:
 * @data: JSON text
 * @length: its length, or -1 when NUL-terminated
 *
 * Returns: (transfer full): the design, or %NULL with @error set
 */
QrsDesign *
qrs_design_new_from_data (const char  *data,
                          gssize       length,
                          GError     **error)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) local_error = NULL;

  g_return_val_if_fail (data != NULL, NULL);

  if (!json_parser_load_from_data (parser, data, length, &local_error))
    {
      g_set_error (error, QRS_DESIGN_ERROR, QRS_DESIGN_ERROR_INVALID,
                   _("The design is not valid JSON: %s"), local_error->message);
      return NULL;
    }

  return qrs_design_new_from_json (json_parser_get_root (parser), error);
}
