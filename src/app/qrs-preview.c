/* qrs-preview.c — the live preview of a code, drawn by the core renderer
 *
 * The same renderer draws every export, so what the person sees is what
 * they get.  Encoding is the expensive part and only happens when the
 * text, the error-correction level or the symbol type change; everything
 * else (colours, shape, caption, size) just redraws.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>

#include <glib/gi18n-lib.h>

#include "qrs-export.h"
#include "qrs-lint.h"
#include "qrs-preview-private.h"
#include "qrs-renderer.h"

#define MIN_MODULE_SIZE 1
#define MAX_MODULE_SIZE 64
#define FIT_NATURAL_SIZE 320
#define FIT_MIN_SIZE 96
#define SHADOW_BLUR 12
#define COMPACT_SIZE 40

struct _QrsPreview
{
  GtkWidget        parent_instance;

  QrsRenderer     *renderer;
  QrsDesign       *design;
  char            *text;
  QrsSymbol       *symbol;
  GError          *error;
  GPtrArray       *findings;
  double           scanning_distance;
  int              module_size;
  gboolean         compact;

  QrsPreviewStats  stats;
};

enum {
  PROP_0,
  PROP_DESIGN,
  PROP_TEXT,
  PROP_SYMBOL,
  PROP_ERROR,
  PROP_FINDINGS,
  PROP_SCANNING_DISTANCE,
  PROP_MODULE_SIZE,
  PROP_COMPACT,
  N_PROPS
};

G_DEFINE_FINAL_TYPE (QrsPreview, qrs_preview, GTK_TYPE_WIDGET)

static GParamSpec *properties[N_PROPS];

static void
qrs_preview_update_accessible (QrsPreview *self)
{
  g_autofree char *summary = qrs_preview_dup_summary (self);
  const char *title = self->design ? qrs_design_get_title (self->design) : NULL;

  gtk_accessible_update_property (GTK_ACCESSIBLE (self),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  title && *title ? title : _("QR code preview"),
                                  GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, summary,
                                  -1);
}

static void
qrs_preview_update_findings (QrsPreview *self)
{
  g_autoptr(GPtrArray) findings = NULL;

  if (self->design != NULL && self->symbol != NULL)
    findings = qrs_lint_check (self->design, self->symbol, self->scanning_distance);
  else
    findings = g_ptr_array_new_with_free_func ((GDestroyNotify)qrs_lint_finding_free);

  g_clear_pointer (&self->findings, g_ptr_array_unref);
  self->findings = g_steal_pointer (&findings);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_FINDINGS]);
}

static void
qrs_preview_encode (QrsPreview *self)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(QrsSymbol) symbol = NULL;
  gboolean had_error = self->error != NULL;

  if (self->design != NULL && self->text != NULL && self->text[0] != '\0')
    {
      symbol = qrs_design_encode (self->design, self->text, &error);
      self->stats.n_encodes++;
    }

  g_set_object (&self->symbol, symbol);
  g_clear_error (&self->error);
  self->error = g_steal_pointer (&error);

  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SYMBOL]);
  if (had_error || self->error != NULL)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ERROR]);

  qrs_preview_update_findings (self);
  qrs_preview_update_accessible (self);
  gtk_widget_queue_resize (GTK_WIDGET (self));
}

static void
design_notify_cb (QrsPreview *self,
                  GParamSpec *pspec,
                  QrsDesign  *design)
{
  const char *name = pspec->name;

  if (g_str_equal (name, "ec-level") ||
      g_str_equal (name, "symbol-type") ||
      g_str_equal (name, "min-version"))
    {
      qrs_preview_encode (self);
      return;
    }

  qrs_preview_update_findings (self);
  if (g_str_equal (name, "title"))
    qrs_preview_update_accessible (self);

  /* The caption and quiet zone change the code's proportions. */
  if (self->module_size > 0 ||
      g_str_equal (name, "caption") ||
      g_str_equal (name, "caption-font") ||
      g_str_equal (name, "quiet-zone"))
    gtk_widget_queue_resize (GTK_WIDGET (self));
  else
    gtk_widget_queue_draw (GTK_WIDGET (self));
}

/* How wide the whole image is, at @module_size pixels per module, and
 * how tall (a caption makes it taller). */
static void
size_for_module_size (QrsPreview *self,
                      int         module_size,
                      double     *width,
                      double     *height)
{
  QrsLayout layout;
  double reference = 1000;
  double modules;

  qrs_renderer_get_layout (self->renderer, self->design, self->symbol, reference, &layout);
  modules = layout.code_size / layout.module_size;
  *width = module_size * modules * (layout.width / layout.code_size);
  qrs_renderer_get_layout (self->renderer, self->design, self->symbol, *width, &layout);
  *height = layout.height;
}

/* The largest size that fits @avail_width × @avail_height, with a whole
 * number of pixels per module when the modules are at least that big so
 * the edges stay crisp. */
static void
fit_layout (QrsPreview *self,
            double      avail_width,
            double      avail_height,
            QrsLayout  *layout,
            int        *module_size)
{
  QrsLayout ref;
  double modules;
  double scale;
  double width;
  double module;

  qrs_renderer_get_layout (self->renderer, self->design, self->symbol, avail_width, &ref);
  scale = MIN (1.0, avail_height / ref.height);
  width = avail_width * scale;

  qrs_renderer_get_layout (self->renderer, self->design, self->symbol, width, &ref);
  modules = ref.code_size / ref.module_size;
  module = ref.module_size;
  *module_size = 0;

  if (module >= 1)
    {
      *module_size = (int)floor (module);
      width = *module_size * modules * (ref.width / ref.code_size);
      /* A caption's height need not scale with the width; check again. */
      qrs_renderer_get_layout (self->renderer, self->design, self->symbol, width, &ref);
      while (ref.height > avail_height && *module_size > 1)
        {
          (*module_size)--;
          width = *module_size * modules * (ref.width / ref.code_size);
          qrs_renderer_get_layout (self->renderer, self->design, self->symbol, width, &ref);
        }
    }

  *layout = ref;
}

static void
qrs_preview_measure (GtkWidget      *widget,
                     GtkOrientation  orientation,
                     int             for_size,
                     int            *minimum,
                     int            *natural,
                     int            *minimum_baseline,
                     int            *natural_baseline)
{
  QrsPreview *self = QRS_PREVIEW (widget);

  if (self->compact)
    {
      *minimum = *natural = COMPACT_SIZE;
      return;
    }

  if (self->symbol != NULL && self->module_size > 0)
    {
      double width, height;

      size_for_module_size (self, self->module_size, &width, &height);
      *minimum = *natural = (int)ceil (orientation == GTK_ORIENTATION_HORIZONTAL ? width : height)
                            + 2 * SHADOW_BLUR;
      return;
    }

  *minimum = FIT_MIN_SIZE;
  *natural = FIT_NATURAL_SIZE;
}

static void
snapshot_placeholder (QrsPreview  *self,
                      GtkSnapshot *snapshot,
                      int          width,
                      int          height)
{
  GdkRGBA color;
  GskRoundedRect outline;
  float side = MIN (width, height) * 0.8f;
  graphene_rect_t rect;

  side = MIN (side, FIT_NATURAL_SIZE);
  rect = GRAPHENE_RECT_INIT ((width - side) / 2, (height - side) / 2, side, side);
  gtk_style_context_get_color (gtk_widget_get_style_context (GTK_WIDGET (self)), &color);
  color.alpha *= 0.25f;

  gsk_rounded_rect_init_from_rect (&outline, &rect, 12);
  gtk_snapshot_append_border (snapshot, &outline,
                              (float[4]) { 2, 2, 2, 2 },
                              (GdkRGBA[4]) { color, color, color, color });
}

static void
qrs_preview_snapshot (GtkWidget   *widget,
                      GtkSnapshot *snapshot)
{
  QrsPreview *self = QRS_PREVIEW (widget);
  g_autoptr(GError) error = NULL;
  int width = gtk_widget_get_width (widget);
  int height = gtk_widget_get_height (widget);
  QrsLayout layout;
  int module_size = 0;
  double x, y;
  gint64 begin;
  cairo_t *cr;

  /* A stored code's logo arrives from the shared assets a moment after
   * the code; until then there is nothing right to draw. */
  if (self->symbol == NULL || self->design == NULL ||
      (qrs_design_get_logo_sha256 (self->design) != NULL && qrs_design_get_logo (self->design) == NULL))
    {
      snapshot_placeholder (self, snapshot, width, height);
      return;
    }

  begin = g_get_monotonic_time ();

  if (self->module_size > 0)
    {
      double w, h;

      module_size = self->module_size;
      size_for_module_size (self, module_size, &w, &h);
      qrs_renderer_get_layout (self->renderer, self->design, self->symbol, w, &layout);
    }
  else
    {
      int margin = self->compact ? 0 : 2 * SHADOW_BLUR;

      fit_layout (self, MAX (1, width - margin), MAX (1, height - margin), &layout, &module_size);
    }

  /* Whole pixels, or the modules would straddle them. */
  x = floor ((width - layout.width) / 2);
  y = floor ((height - layout.height) / 2);

  if (!self->compact)
    gtk_snapshot_append_outset_shadow (snapshot,
                                       &GSK_ROUNDED_RECT_INIT (x, y, layout.width, layout.height),
                                       &(GdkRGBA) { 0, 0, 0, 0.18f },
                                       0, 2, 0, SHADOW_BLUR / 2.0f);

  cr = gtk_snapshot_append_cairo (snapshot,
                                  &GRAPHENE_RECT_INIT (x, y, layout.width, layout.height));
  cairo_translate (cr, x, y);
  if (!qrs_renderer_draw (self->renderer, self->design, self->symbol, cr, layout.width, &error))
    g_warning ("Could not draw the preview: %s", error->message);
  cairo_destroy (cr);

  self->stats.n_draws++;
  self->stats.last_draw_usec = g_get_monotonic_time () - begin;
  self->stats.last_width = (int)round (layout.width);
  self->stats.last_module_size = module_size;
}

static void
qrs_preview_dispose (GObject *object)
{
  QrsPreview *self = (QrsPreview *)object;

  qrs_preview_set_design (self, NULL);

  G_OBJECT_CLASS (qrs_preview_parent_class)->dispose (object);
}

static void
qrs_preview_finalize (GObject *object)
{
  QrsPreview *self = (QrsPreview *)object;

  g_clear_object (&self->renderer);
  g_clear_object (&self->symbol);
  g_clear_pointer (&self->text, g_free);
  g_clear_pointer (&self->findings, g_ptr_array_unref);
  g_clear_error (&self->error);

  G_OBJECT_CLASS (qrs_preview_parent_class)->finalize (object);
}

static void
qrs_preview_get_property (GObject    *object,
                          guint       prop_id,
                          GValue     *value,
                          GParamSpec *pspec)
{
  QrsPreview *self = QRS_PREVIEW (object);

  switch (prop_id)
    {
    case PROP_DESIGN:
      g_value_set_object (value, self->design);
      break;

    case PROP_TEXT:
      g_value_set_string (value, self->text);
      break;

    case PROP_SYMBOL:
      g_value_set_object (value, self->symbol);
      break;

    case PROP_ERROR:
      g_value_set_boxed (value, self->error);
      break;

    case PROP_FINDINGS:
      g_value_set_boxed (value, self->findings);
      break;

    case PROP_SCANNING_DISTANCE:
      g_value_set_double (value, self->scanning_distance);
      break;

    case PROP_MODULE_SIZE:
      g_value_set_int (value, self->module_size);
      break;

    case PROP_COMPACT:
      g_value_set_boolean (value, self->compact);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
qrs_preview_set_property (GObject      *object,
                          guint         prop_id,
                          const GValue *value,
                          GParamSpec   *pspec)
{
  QrsPreview *self = QRS_PREVIEW (object);

  switch (prop_id)
    {
    case PROP_DESIGN:
      qrs_preview_set_design (self, g_value_get_object (value));
      break;

    case PROP_TEXT:
      qrs_preview_set_text (self, g_value_get_string (value));
      break;

    case PROP_SCANNING_DISTANCE:
      qrs_preview_set_scanning_distance (self, g_value_get_double (value));
      break;

    case PROP_MODULE_SIZE:
      qrs_preview_set_module_size (self, g_value_get_int (value));
      break;

    case PROP_COMPACT:
      self->compact = g_value_get_boolean (value);
      gtk_widget_queue_resize (GTK_WIDGET (self));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
qrs_preview_class_init (QrsPreviewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  GParamFlags flags = G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;
  GParamFlags ro = G_PARAM_READABLE | G_PARAM_STATIC_STRINGS;

  object_class->dispose = qrs_preview_dispose;
  object_class->finalize = qrs_preview_finalize;
  object_class->get_property = qrs_preview_get_property;
  object_class->set_property = qrs_preview_set_property;

  widget_class->measure = qrs_preview_measure;
  widget_class->snapshot = qrs_preview_snapshot;

  properties[PROP_DESIGN] =
    g_param_spec_object ("design", NULL, NULL, QRS_TYPE_DESIGN, flags);
  properties[PROP_TEXT] =
    g_param_spec_string ("text", NULL, NULL, NULL, flags);
  properties[PROP_SYMBOL] =
    g_param_spec_object ("symbol", NULL, NULL, QRS_TYPE_SYMBOL, ro);
  properties[PROP_ERROR] =
    g_param_spec_boxed ("error", NULL, NULL, G_TYPE_ERROR, ro);
  properties[PROP_FINDINGS] =
    g_param_spec_boxed ("findings", NULL, NULL, G_TYPE_PTR_ARRAY, ro);
  properties[PROP_SCANNING_DISTANCE] =
    g_param_spec_double ("scanning-distance", NULL, NULL, 0, G_MAXDOUBLE, 0, flags);
  properties[PROP_MODULE_SIZE] =
    g_param_spec_int ("module-size", NULL, NULL, 0, MAX_MODULE_SIZE, 0, flags);
  /* A thumbnail: small, fixed size, no shadow; for lists. */
  properties[PROP_COMPACT] =
    g_param_spec_boolean ("compact", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_css_name (widget_class, "qrspreview");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_IMG);
}

static void
qrs_preview_init (QrsPreview *self)
{
  self->renderer = qrs_renderer_new ();
  self->findings = g_ptr_array_new_with_free_func ((GDestroyNotify)qrs_lint_finding_free);
  gtk_widget_set_focusable (GTK_WIDGET (self), TRUE);
  qrs_preview_update_accessible (self);
}

GtkWidget *
qrs_preview_new (void)
{
  return g_object_new (QRS_TYPE_PREVIEW, NULL);
}

/**
 * qrs_preview_get_design:
 *
 * Returns: (transfer none) (nullable): the design drawn
 */
QrsDesign *
qrs_preview_get_design (QrsPreview *self)
{
  g_return_val_if_fail (QRS_IS_PREVIEW (self), NULL);

  return self->design;
}

void
qrs_preview_set_design (QrsPreview *self,
                        QrsDesign  *design)
{
  g_return_if_fail (QRS_IS_PREVIEW (self));
  g_return_if_fail (!design || QRS_IS_DESIGN (design));

  if (self->design == design)
    return;

  if (self->design != NULL)
    g_signal_handlers_disconnect_by_func (self->design, design_notify_cb, self);

  g_set_object (&self->design, design);

  if (design != NULL)
    g_signal_connect_object (design, "notify", G_CALLBACK (design_notify_cb), self,
                             G_CONNECT_SWAPPED);

  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_DESIGN]);
  qrs_preview_encode (self);
}

const char *
qrs_preview_get_text (QrsPreview *self)
{
  g_return_val_if_fail (QRS_IS_PREVIEW (self), NULL);

  return self->text;
}

void
qrs_preview_set_text (QrsPreview *self,
                      const char *text)
{
  g_return_if_fail (QRS_IS_PREVIEW (self));

  if (g_strcmp0 (self->text, text) == 0)
    return;

  g_free (self->text);
  self->text = g_strdup (text);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TEXT]);
  qrs_preview_encode (self);
}

/**
 * qrs_preview_get_symbol:
 *
 * Returns: (transfer none) (nullable): the symbol drawn, or %NULL when
 *   there is nothing to draw or it could not be encoded
 */
QrsSymbol *
qrs_preview_get_symbol (QrsPreview *self)
{
  g_return_val_if_fail (QRS_IS_PREVIEW (self), NULL);

  return self->symbol;
}

/**
 * qrs_preview_get_error:
 *
 * Returns: (nullable): why the text could not be encoded (too long for
 *   the symbol type, for example)
 */
const GError *
qrs_preview_get_error (QrsPreview *self)
{
  g_return_val_if_fail (QRS_IS_PREVIEW (self), NULL);

  return self->error;
}

/**
 * qrs_preview_get_findings:
 *
 * Returns: (transfer none) (element-type QrsLintFinding): what may keep
 *   the code from scanning, worst first
 */
GPtrArray *
qrs_preview_get_findings (QrsPreview *self)
{
  g_return_val_if_fail (QRS_IS_PREVIEW (self), NULL);

  return self->findings;
}

double
qrs_preview_get_scanning_distance (QrsPreview *self)
{
  g_return_val_if_fail (QRS_IS_PREVIEW (self), 0);

  return self->scanning_distance;
}

void
qrs_preview_set_scanning_distance (QrsPreview *self,
                                   double      distance_mm)
{
  g_return_if_fail (QRS_IS_PREVIEW (self));
  g_return_if_fail (distance_mm >= 0);

  if (self->scanning_distance != distance_mm)
    {
      self->scanning_distance = distance_mm;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SCANNING_DISTANCE]);
      qrs_preview_update_findings (self);
    }
}

/**
 * qrs_preview_get_module_size:
 *
 * Returns: the zoom as pixels per module, or 0 when the code is scaled
 *   to fit
 */
int
qrs_preview_get_module_size (QrsPreview *self)
{
  g_return_val_if_fail (QRS_IS_PREVIEW (self), 0);

  return self->module_size;
}

void
qrs_preview_set_module_size (QrsPreview *self,
                             int         module_size)
{
  g_return_if_fail (QRS_IS_PREVIEW (self));

  module_size = CLAMP (module_size, 0, MAX_MODULE_SIZE);
  if (self->module_size != module_size)
    {
      self->module_size = module_size;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MODULE_SIZE]);
      gtk_widget_queue_resize (GTK_WIDGET (self));
    }
}

/* Zooming steps whole pixels per module, starting from what fitting
 * shows, so every step stays crisp. */
static int
current_module_size (QrsPreview *self)
{
  if (self->module_size > 0)
    return self->module_size;

  if (self->stats.last_module_size > 0)
    return self->stats.last_module_size;

  return 4;
}

void
qrs_preview_zoom_in (QrsPreview *self)
{
  g_return_if_fail (QRS_IS_PREVIEW (self));

  qrs_preview_set_module_size (self, MIN (current_module_size (self) + 1, MAX_MODULE_SIZE));
}

void
qrs_preview_zoom_out (QrsPreview *self)
{
  g_return_if_fail (QRS_IS_PREVIEW (self));

  qrs_preview_set_module_size (self, MAX (current_module_size (self) - 1, MIN_MODULE_SIZE));
}

void
qrs_preview_zoom_reset (QrsPreview *self)
{
  g_return_if_fail (QRS_IS_PREVIEW (self));

  qrs_preview_set_module_size (self, 0);
}

/**
 * qrs_preview_render_texture:
 * @width: the image's width in pixels
 *
 * Draws the code as an image for the clipboard and for dragging out.
 *
 * Returns: (transfer full) (nullable): the image, or %NULL with @error set
 */
GdkTexture *
qrs_preview_render_texture (QrsPreview  *self,
                            int          width,
                            GError     **error)
{
  g_autoptr(GBytes) bytes = NULL;
  cairo_surface_t *surface;
  QrsLayout layout;
  cairo_t *cr;
  int height;
  int stride;
  gboolean ok;

  g_return_val_if_fail (QRS_IS_PREVIEW (self), NULL);
  g_return_val_if_fail (width > 0, NULL);

  if (self->symbol == NULL)
    {
      if (self->error != NULL)
        g_propagate_error (error, g_error_copy (self->error));
      else
        g_set_error_literal (error, QRS_RENDER_ERROR, QRS_RENDER_ERROR_FAILED,
                             _("There is nothing to draw yet: fill in what the code should say."));
      return NULL;
    }

  qrs_renderer_get_layout (self->renderer, self->design, self->symbol, width, &layout);
  height = (int)ceil (layout.height);

  surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, width, height);
  cr = cairo_create (surface);
  ok = qrs_renderer_draw (self->renderer, self->design, self->symbol, cr, width, error);
  cairo_destroy (cr);
  cairo_surface_flush (surface);

  if (!ok)
    {
      cairo_surface_destroy (surface);
      return NULL;
    }

  /* GDK_MEMORY_DEFAULT is cairo's ARGB32 layout on either byte order. */
  stride = cairo_image_surface_get_stride (surface);
  bytes = g_bytes_new_with_free_func (cairo_image_surface_get_data (surface),
                                      (gsize)stride * height,
                                      (GDestroyNotify)cairo_surface_destroy,
                                      surface);

  return gdk_memory_texture_new (width, height, GDK_MEMORY_DEFAULT, bytes, stride);
}

/**
 * qrs_preview_dup_summary:
 *
 * Returns: (transfer full): one sentence that says what the code is and
 *   contains, for screen readers and the status line
 */
char *
qrs_preview_dup_summary (QrsPreview *self)
{
  g_autofree char *version = NULL;
  g_autofree char *content = NULL;
  guint width;

  g_return_val_if_fail (QRS_IS_PREVIEW (self), NULL);

  if (self->symbol == NULL)
    {
      if (self->error != NULL)
        return g_strdup_printf (_("No code: %s"), self->error->message);
      return g_strdup (_("No code yet"));
    }

  version = qrs_symbol_get_version_name (self->symbol);
  width = qrs_symbol_get_width (self->symbol);

  /* Long payloads (a contact card) are cut: a screen reader reading a
   * kilobyte of vCard helps nobody. */
  if (g_utf8_strlen (self->text, -1) > 160)
    {
      g_autofree char *head = g_utf8_substring (self->text, 0, 160);
      content = g_strconcat (head, "…", NULL);
    }
  else
    content = g_strdup (self->text);

  if (qrs_symbol_get_symbol_type (self->symbol) == QRS_SYMBOL_TYPE_MICRO_QR)
    /* Translators: the first %s is a Micro QR version such as M3 */
    return g_strdup_printf (_("Micro QR code %s, %u × %u modules, containing “%s”"),
                            version, width, width, content);

  return g_strdup_printf (_("QR code version %s, %u × %u modules, containing “%s”"),
                          version, width, width, content);
}

void
qrs_preview_get_stats (QrsPreview      *self,
                       QrsPreviewStats *stats)
{
  g_return_if_fail (QRS_IS_PREVIEW (self));
  g_return_if_fail (stats != NULL);

  *stats = self->stats;
}
