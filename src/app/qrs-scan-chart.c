/* qrs-scan-chart.c — scans per day as bars
 *
 * The chart is handed its days and never asks the database itself, so it
 * cannot hold up the main loop and tests can give it any data.  The
 * colours are libadwaita's named colours looked up on every frame, so a
 * switch to the dark style or another accent shows at once; the range is
 * read as "the last N days", which is what the editor shows.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>

#include <glib/gi18n-lib.h>

#include "qrs-scan-chart-private.h"

#define LABEL_SPACING 6
#define TARGET_TICKS  4
#define MIN_BAR_PX    2

struct _QrsScanChart
{
  GtkWidget  parent_instance;

  GArray    *days;        /* QrsScanDay, in order */
  guint64    total;
  guint64    most;
  guint      most_index;
  guint64    tick_step;
  guint64    axis_top;
  int        hover;       /* -1 for none */
  int        selected;    /* -1 for none */
  gboolean   day_chosen;  /* by the keyboard or a click, since the days came */
};

G_DEFINE_FINAL_TYPE (QrsScanChart, qrs_scan_chart, GTK_TYPE_WIDGET)

typedef struct
{
  graphene_rect_t plot;   /* where the bars stand, in widget pixels */
  float           slot;   /* one day's width */
  float           gap;    /* between bars */
  int             label_height;
} ChartLayout;

/* Steps of 1, 2 or 5 times a power of ten, whole scans, about four of
 * them to the top: the scale a person reads at a glance. */
static void
nice_scale (guint64  most,
            guint64 *step,
            guint64 *top)
{
  double raw, magnitude, residual, nice;

  if (most == 0)
    {
      *step = 1;
      *top = 1;
      return;
    }

  raw = (double)most / TARGET_TICKS;
  magnitude = pow (10, floor (log10 (raw)));
  residual = raw / magnitude;
  if (residual <= 1)
    nice = 1;
  else if (residual <= 2)
    nice = 2;
  else if (residual <= 5)
    nice = 5;
  else
    nice = 10;

  *step = MAX (1, (guint64)llround (nice * magnitude));
  *top = (most + *step - 1) / *step * *step;
}

static GDateTime *
date_time_from_day (const QrsScanDay *day)
{
  return g_date_time_new_utc (g_date_get_year (&day->day), g_date_get_month (&day->day),
                              g_date_get_day (&day->day), 0, 0, 0);
}

static char *
format_day (const QrsScanDay *day,
            const char       *format)
{
  g_autoptr(GDateTime) dt = date_time_from_day (day);

  return dt ? g_date_time_format (dt, format) : g_strdup ("");
}

static char *
format_count (guint64 count)
{
  /* The ' flag groups thousands as the locale does. */
  return g_strdup_printf ("%'" G_GUINT64_FORMAT, count);
}

static char *
dup_axis_date (const QrsScanDay *day)
{
  /* Translators: a day under the scan chart's bars, short; see
   * g_date_time_format() for the codes, e.g. "%-d %b" for "3 Mar". */
  return format_day (day, C_("scan chart axis", "%b %-d"));
}

static char *
dup_long_date (const QrsScanDay *day)
{
  /* Translators: a day in the scan chart's tooltip and its summary; see
   * g_date_time_format() for the codes. */
  return format_day (day, C_("scan chart day", "%A, %B %-d, %Y"));
}

/* Summary and accessibility ----------------------------------------- */

/**
 * qrs_scan_chart_dup_summary:
 * @self: a #QrsScanChart
 *
 * What the chart says, in one sentence, for people who cannot see it.
 *
 * Returns: (transfer full): the summary
 */
char *
qrs_scan_chart_dup_summary (QrsScanChart *self)
{
  guint n;
  g_autofree char *total = NULL;
  g_autofree char *scans = NULL;
  g_autofree char *most = NULL;
  g_autofree char *most_count = NULL;

  g_return_val_if_fail (QRS_IS_SCAN_CHART (self), NULL);

  n = self->days ? self->days->len : 0;
  if (n == 0)
    return g_strdup (_("No scan data"));

  if (self->total == 0)
    return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                         "No scans in the last %u day",
                                         "No scans in the last %u days", n),
                            n);

  total = format_count (self->total);
  scans = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%s scan", "%s scans",
                                        (gulong)MIN (self->total, G_MAXULONG)),
                           total);
  most = dup_long_date (&g_array_index (self->days, QrsScanDay, self->most_index));
  most_count = format_count (self->most);

  /* Translators: the first %s is "123 scans", %u the number of days, then
   * the busiest day and its scans: "123 scans in the last 30 days, most on
   * Monday, March 2, 2026 (17)". */
  return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                       "%s in the last %u day, most on %s (%s)",
                                       "%s in the last %u days, most on %s (%s)", n),
                          scans, n, most, most_count);
}

/**
 * qrs_scan_chart_dup_day_text:
 * @self: a #QrsScanChart
 * @index: a day
 *
 * Returns: (transfer full) (nullable): the day and its scans as the
 *   tooltip says them
 */
char *
qrs_scan_chart_dup_day_text (QrsScanChart *self,
                             guint         index)
{
  const QrsScanDay *day;
  g_autofree char *date = NULL;
  g_autofree char *count = NULL;
  g_autofree char *scans = NULL;

  g_return_val_if_fail (QRS_IS_SCAN_CHART (self), NULL);

  if (self->days == NULL || index >= self->days->len)
    return NULL;

  day = &g_array_index (self->days, QrsScanDay, index);
  date = dup_long_date (day);
  count = format_count (day->scans);
  scans = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%s scan", "%s scans",
                                        (gulong)MIN (day->scans, G_MAXULONG)),
                           count);

  return g_strdup_printf ("%s\n%s", date, scans);
}

/* The chart's name is what it is until a day is chosen, then that day
 * and its scans: the tooltip that shows them is no help to a screen
 * reader, and GTK 4.8 has nothing to announce with but a change of the
 * focused widget's name, which screen readers read out. */
static void
update_accessible (QrsScanChart *self)
{
  g_autofree char *summary = qrs_scan_chart_dup_summary (self);
  g_autofree char *label = NULL;

  if (self->day_chosen && self->selected >= 0)
    {
      const QrsScanDay *day = &g_array_index (self->days, QrsScanDay, self->selected);
      g_autofree char *date = dup_long_date (day);
      g_autofree char *count = format_count (day->scans);
      g_autofree char *scans = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%s scan", "%s scans",
                                                             (gulong)MIN (day->scans, G_MAXULONG)),
                                                count);

      /* Translators: the scan chart's name for screen readers while a
       * day is chosen: the day, then its scans, as in “Monday, March 2,
       * 2026: 17 scans” */
      label = g_strdup_printf (C_("scan chart day and its scans", "%s: %s"), date, scans);
    }

  gtk_accessible_update_property (GTK_ACCESSIBLE (self),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, label ? label : _("Scans per day"),
                                  GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, summary,
                                  -1);
}

/* Layout ------------------------------------------------------------ */

static PangoLayout *
create_layout (QrsScanChart *self,
               const char   *text,
               int          *width,
               int          *height)
{
  PangoLayout *layout = gtk_widget_create_pango_layout (GTK_WIDGET (self), text);

  pango_layout_get_pixel_size (layout, width, height);
  return layout;
}

static void
compute_layout (QrsScanChart *self,
                ChartLayout  *layout)
{
  int width = gtk_widget_get_width (GTK_WIDGET (self));
  int height = gtk_widget_get_height (GTK_WIDGET (self));
  g_autofree char *top = format_count (self->axis_top);
  g_autoptr(PangoLayout) top_layout = NULL;
  int label_width, label_height;
  guint n = self->days ? self->days->len : 0;

  top_layout = create_layout (self, top, &label_width, &label_height);

  layout->label_height = label_height;
  layout->plot.origin.x = label_width + LABEL_SPACING;
  layout->plot.origin.y = ceilf (label_height / 2.0f);
  layout->plot.size.width = MAX (0, width - layout->plot.origin.x - 1);
  layout->plot.size.height = MAX (0, height - layout->plot.origin.y - label_height - LABEL_SPACING);
  layout->slot = n > 0 ? layout->plot.size.width / n : 0;
  /* A fifth of each day between bars, while there is room for one. */
  layout->gap = layout->slot >= 4 ? MAX (1, floorf (layout->slot / 5)) : 0;
}

static void
bar_bounds (QrsScanChart      *self,
            const ChartLayout *layout,
            guint              index,
            graphene_rect_t   *bounds)
{
  guint64 scans = g_array_index (self->days, QrsScanDay, index).scans;
  float height = layout->plot.size.height * (float)((double)scans / (double)self->axis_top);
  float x0 = roundf (layout->plot.origin.x + index * layout->slot + layout->gap / 2);
  float x1 = roundf (layout->plot.origin.x + (index + 1) * layout->slot - layout->gap / 2);
  float bottom = layout->plot.origin.y + layout->plot.size.height;

  if (scans > 0)
    height = MAX (height, MIN_BAR_PX);
  height = roundf (height);

  graphene_rect_init (bounds, x0, bottom - height, MAX (1, x1 - x0), height);
}

static int
index_at (QrsScanChart *self,
          double        x)
{
  ChartLayout layout;
  int index;

  if (self->days == NULL || self->days->len == 0)
    return -1;

  compute_layout (self, &layout);
  if (layout.slot <= 0 || x < layout.plot.origin.x)
    return -1;

  index = (int)((x - layout.plot.origin.x) / layout.slot);
  return index < (int)self->days->len ? index : -1;
}

/* Drawing ----------------------------------------------------------- */

static void
get_colors (QrsScanChart *self,
            GdkRGBA      *fg,
            GdkRGBA      *accent)
{
  GtkStyleContext *context = gtk_widget_get_style_context (GTK_WIDGET (self));

  gtk_style_context_get_color (context, fg);
  if (!gtk_style_context_lookup_color (context, "accent_bg_color", accent) &&
      !gtk_style_context_lookup_color (context, "accent_color", accent))
    gdk_rgba_parse (accent, "#3584e4");
}

static void
append_text (GtkSnapshot   *snapshot,
             PangoLayout   *layout,
             float          x,
             float          y,
             const GdkRGBA *color)
{
  gtk_snapshot_save (snapshot);
  gtk_snapshot_translate (snapshot, &GRAPHENE_POINT_INIT (roundf (x), roundf (y)));
  gtk_snapshot_append_layout (snapshot, layout, color);
  gtk_snapshot_restore (snapshot);
}

static void
snapshot_empty (QrsScanChart      *self,
                GtkSnapshot       *snapshot,
                const ChartLayout *layout,
                const GdkRGBA     *dim)
{
  g_autoptr(PangoLayout) text = NULL;
  int width, height;

  text = create_layout (self, self->days && self->days->len > 0
                               ? _("No scans in this period")
                               : _("No scan data"),
                        &width, &height);
  append_text (snapshot, text,
               (gtk_widget_get_width (GTK_WIDGET (self)) - width) / 2.0f,
               (gtk_widget_get_height (GTK_WIDGET (self)) - height) / 2.0f,
               dim);
}

static void
qrs_scan_chart_snapshot (GtkWidget   *widget,
                         GtkSnapshot *snapshot)
{
  QrsScanChart *self = QRS_SCAN_CHART (widget);
  int width = gtk_widget_get_width (widget);
  ChartLayout layout;
  GdkRGBA fg, accent, dim, grid, bar, highlight;
  guint n = self->days ? self->days->len : 0;
  int label_every;
  float bottom;

  get_colors (self, &fg, &accent);
  dim = fg;
  dim.alpha *= 0.7f;
  grid = fg;
  grid.alpha *= 0.12f;
  bar = accent;
  bar.alpha *= 0.8f;
  highlight = accent;

  compute_layout (self, &layout);
  bottom = layout.plot.origin.y + layout.plot.size.height;

  if (n == 0 || self->total == 0 || layout.plot.size.width < 1 || layout.plot.size.height < 1)
    {
      gtk_snapshot_append_color (snapshot, &grid,
                                 &GRAPHENE_RECT_INIT (layout.plot.origin.x, bottom,
                                                      layout.plot.size.width, 1));
      snapshot_empty (self, snapshot, &layout, &dim);
      return;
    }

  /* The scale: a line and a number at every step. */
  for (guint64 value = 0; value <= self->axis_top; value += self->tick_step)
    {
      g_autofree char *text = format_count (value);
      g_autoptr(PangoLayout) label = NULL;
      float y = roundf (bottom - layout.plot.size.height * (float)((double)value / (double)self->axis_top));
      int w, h;

      gtk_snapshot_append_color (snapshot, &grid,
                                 &GRAPHENE_RECT_INIT (layout.plot.origin.x, y,
                                                      layout.plot.size.width, 1));
      label = create_layout (self, text, &w, &h);
      append_text (snapshot, label, layout.plot.origin.x - LABEL_SPACING - w, y - h / 2.0f, &dim);
    }

  for (guint i = 0; i < n; i++)
    {
      graphene_rect_t bounds;
      gboolean lit = (int)i == self->hover ||
                     ((int)i == self->selected && gtk_widget_has_focus (widget));

      if (g_array_index (self->days, QrsScanDay, i).scans == 0)
        continue;
      bar_bounds (self, &layout, i, &bounds);
      gtk_snapshot_append_color (snapshot, lit ? &highlight : &bar, &bounds);
    }

  /* The keyboard's bar, outlined over its whole height. */
  if (self->selected >= 0 && gtk_widget_has_visible_focus (widget))
    {
      graphene_rect_t bounds;
      GskRoundedRect outline;
      const float widths[4] = { 2, 2, 2, 2 };
      const GdkRGBA colors[4] = { fg, fg, fg, fg };

      bar_bounds (self, &layout, self->selected, &bounds);
      graphene_rect_init (&bounds, bounds.origin.x - 2, layout.plot.origin.y,
                          bounds.size.width + 4, layout.plot.size.height + 2);
      gsk_rounded_rect_init_from_rect (&outline, &bounds, 3);
      gtk_snapshot_append_border (snapshot, &outline, widths, colors);
    }

  /* Dates under the bars, as many as fit, always including the last. */
  {
    g_autofree char *sample = dup_axis_date (&g_array_index (self->days, QrsScanDay, n - 1));
    g_autoptr(PangoLayout) sample_layout = NULL;
    int sample_width, sample_height;

    sample_layout = create_layout (self, sample, &sample_width, &sample_height);
    label_every = MAX (1, (int)ceilf ((sample_width + 2 * LABEL_SPACING) / MAX (layout.slot, 0.5f)));
  }

  {
    /* Where the label to the right began: the last one, pushed left
     * to stay inside, may leave no room for its neighbour. */
    float right = G_MAXFLOAT;

    for (int i = (int)n - 1; i >= 0; i -= label_every)
      {
        g_autofree char *text = dup_axis_date (&g_array_index (self->days, QrsScanDay, i));
        g_autoptr(PangoLayout) label = NULL;
        float x;
        int w, h;

        label = create_layout (self, text, &w, &h);
        x = layout.plot.origin.x + (i + 0.5f) * layout.slot - w / 2.0f;
        x = CLAMP (x, 0, MAX (0, width - w));
        if (x + w + LABEL_SPACING > right)
          continue;
        append_text (snapshot, label, x, bottom + LABEL_SPACING / 2.0f, &dim);
        right = x;
      }
  }
}

static void
qrs_scan_chart_measure (GtkWidget      *widget,
                        GtkOrientation  orientation,
                        int             for_size,
                        int            *minimum,
                        int            *natural,
                        int            *minimum_baseline,
                        int            *natural_baseline)
{
  if (orientation == GTK_ORIENTATION_HORIZONTAL)
    {
      *minimum = 120;
      *natural = 480;
    }
  else
    {
      *minimum = 120;
      *natural = 180;
    }
}

/* Pointer and keyboard --------------------------------------------- */

static gboolean
qrs_scan_chart_query_tooltip (GtkWidget  *widget,
                              int         x,
                              int         y,
                              gboolean    keyboard_mode,
                              GtkTooltip *tooltip)
{
  QrsScanChart *self = QRS_SCAN_CHART (widget);
  g_autofree char *text = NULL;
  ChartLayout layout;
  int index;

  index = keyboard_mode ? self->selected : index_at (self, x);
  if (index < 0)
    return FALSE;

  text = qrs_scan_chart_dup_day_text (self, index);
  if (text == NULL)
    return FALSE;

  compute_layout (self, &layout);
  gtk_tooltip_set_text (tooltip, text);
  gtk_tooltip_set_tip_area (tooltip,
                            &(GdkRectangle) {
                              (int)(layout.plot.origin.x + index * layout.slot),
                              (int)layout.plot.origin.y,
                              MAX (1, (int)layout.slot),
                              MAX (1, (int)layout.plot.size.height)
                            });
  return TRUE;
}

static void
set_hover (QrsScanChart *self,
           int           index)
{
  if (self->hover == index)
    return;
  self->hover = index;
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

static void
motion_cb (QrsScanChart *self,
           double        x,
           double        y)
{
  set_hover (self, index_at (self, x));
}

static void
leave_cb (QrsScanChart *self)
{
  set_hover (self, -1);
}

static void
pressed_cb (QrsScanChart *self,
            int           n_press,
            double        x,
            double        y)
{
  int index = index_at (self, x);

  if (index >= 0)
    {
      self->day_chosen = TRUE;
      qrs_scan_chart_set_selected (self, index);
      update_accessible (self);
    }
}

static gboolean
key_pressed_cb (QrsScanChart    *self,
                guint            keyval,
                guint            keycode,
                GdkModifierType  state)
{
  int n = self->days ? (int)self->days->len : 0;
  int index = self->selected;

  if (n == 0 || (state & (GDK_CONTROL_MASK | GDK_ALT_MASK)) != 0)
    return FALSE;

  switch (keyval)
    {
    case GDK_KEY_Left:
    case GDK_KEY_KP_Left:
      index = index < 0 ? n - 1 : MAX (0, index - 1);
      break;

    case GDK_KEY_Right:
    case GDK_KEY_KP_Right:
      index = index < 0 ? n - 1 : MIN (n - 1, index + 1);
      break;

    case GDK_KEY_Home:
    case GDK_KEY_KP_Home:
      index = 0;
      break;

    case GDK_KEY_End:
    case GDK_KEY_KP_End:
      index = n - 1;
      break;

    default:
      return FALSE;
    }

  self->day_chosen = TRUE;
  qrs_scan_chart_set_selected (self, index);
  update_accessible (self);
  return TRUE;
}

static void
focus_changed_cb (QrsScanChart *self)
{
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

/* GObject ----------------------------------------------------------- */

static void
qrs_scan_chart_finalize (GObject *object)
{
  QrsScanChart *self = (QrsScanChart *)object;

  g_clear_pointer (&self->days, g_array_unref);

  G_OBJECT_CLASS (qrs_scan_chart_parent_class)->finalize (object);
}

static void
qrs_scan_chart_class_init (QrsScanChartClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->finalize = qrs_scan_chart_finalize;

  widget_class->snapshot = qrs_scan_chart_snapshot;
  widget_class->measure = qrs_scan_chart_measure;
  widget_class->query_tooltip = qrs_scan_chart_query_tooltip;

  gtk_widget_class_set_css_name (widget_class, "qrsscanchart");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_IMG);
}

static void
qrs_scan_chart_init (QrsScanChart *self)
{
  GtkEventController *motion = gtk_event_controller_motion_new ();
  GtkEventController *key = gtk_event_controller_key_new ();
  GtkEventController *focus = gtk_event_controller_focus_new ();
  GtkGesture *click = gtk_gesture_click_new ();

  self->hover = -1;
  self->selected = -1;
  self->tick_step = 1;
  self->axis_top = 1;

  gtk_widget_set_focusable (GTK_WIDGET (self), TRUE);
  gtk_widget_set_has_tooltip (GTK_WIDGET (self), TRUE);

  g_signal_connect_swapped (motion, "enter", G_CALLBACK (motion_cb), self);
  g_signal_connect_swapped (motion, "motion", G_CALLBACK (motion_cb), self);
  g_signal_connect_swapped (motion, "leave", G_CALLBACK (leave_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self), motion);

  g_signal_connect_swapped (key, "key-pressed", G_CALLBACK (key_pressed_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self), key);

  g_signal_connect_swapped (focus, "enter", G_CALLBACK (focus_changed_cb), self);
  g_signal_connect_swapped (focus, "leave", G_CALLBACK (focus_changed_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self), focus);

  g_signal_connect_swapped (click, "pressed", G_CALLBACK (pressed_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (click));

  update_accessible (self);
}

GtkWidget *
qrs_scan_chart_new (void)
{
  return g_object_new (QRS_TYPE_SCAN_CHART, NULL);
}

/**
 * qrs_scan_chart_set_days:
 * @self: a #QrsScanChart
 * @days: (nullable) (element-type QrsScanDay): the days to show, in
 *   order, as qrs_scan_store_count_by_day() returns them; copied.  %NULL
 *   for none.
 *
 * Shows the days.  A range whose days have no scans shows as empty.
 */
void
qrs_scan_chart_set_days (QrsScanChart *self,
                         GArray       *days)
{
  g_return_if_fail (QRS_IS_SCAN_CHART (self));
  g_return_if_fail (days == NULL || g_array_get_element_size (days) == sizeof (QrsScanDay));

  g_clear_pointer (&self->days, g_array_unref);
  self->total = 0;
  self->most = 0;
  self->most_index = 0;
  self->hover = -1;
  self->day_chosen = FALSE;

  if (days != NULL)
    {
      self->days = g_array_sized_new (FALSE, FALSE, sizeof (QrsScanDay), days->len);
      g_array_append_vals (self->days, days->data, days->len);

      for (guint i = 0; i < days->len; i++)
        {
          guint64 scans = g_array_index (days, QrsScanDay, i).scans;

          self->total += scans;
          /* The latest of equally busy days: it is the one people remember. */
          if (scans >= self->most && scans > 0)
            {
              self->most = scans;
              self->most_index = i;
            }
        }
    }

  /* The keyboard starts on the latest day, or stays where it was. */
  if (self->days == NULL || self->selected < 0 || self->selected >= (int)self->days->len)
    self->selected = self->days && self->days->len > 0 ? (int)self->days->len - 1 : -1;

  nice_scale (self->most, &self->tick_step, &self->axis_top);
  update_accessible (self);
  gtk_widget_queue_draw (GTK_WIDGET (self));
  gtk_widget_trigger_tooltip_query (GTK_WIDGET (self));
}

guint
qrs_scan_chart_get_n_days (QrsScanChart *self)
{
  g_return_val_if_fail (QRS_IS_SCAN_CHART (self), 0);

  return self->days ? self->days->len : 0;
}

/**
 * qrs_scan_chart_get_day:
 * @self: a #QrsScanChart
 * @index: which day, from 0
 *
 * Returns: (transfer none) (nullable): the day, or %NULL past the end
 */
const QrsScanDay *
qrs_scan_chart_get_day (QrsScanChart *self,
                        guint         index)
{
  g_return_val_if_fail (QRS_IS_SCAN_CHART (self), NULL);

  if (self->days == NULL || index >= self->days->len)
    return NULL;

  return &g_array_index (self->days, QrsScanDay, index);
}

guint64
qrs_scan_chart_get_total (QrsScanChart *self)
{
  g_return_val_if_fail (QRS_IS_SCAN_CHART (self), 0);

  return self->total;
}

/**
 * qrs_scan_chart_get_selected:
 * @self: a #QrsScanChart
 *
 * Returns: the day the keyboard is on, or -1
 */
int
qrs_scan_chart_get_selected (QrsScanChart *self)
{
  g_return_val_if_fail (QRS_IS_SCAN_CHART (self), -1);

  return self->selected;
}

void
qrs_scan_chart_set_selected (QrsScanChart *self,
                             int           index)
{
  g_return_if_fail (QRS_IS_SCAN_CHART (self));

  if (self->days == NULL || index < 0 || index >= (int)self->days->len)
    index = -1;
  if (self->selected == index)
    return;

  self->selected = index;
  update_accessible (self);
  gtk_widget_queue_draw (GTK_WIDGET (self));
  gtk_widget_trigger_tooltip_query (GTK_WIDGET (self));
}

/* For tests ---------------------------------------------------------- */

gboolean
qrs_scan_chart_get_bar_bounds (QrsScanChart    *self,
                               guint            index,
                               graphene_rect_t *bounds)
{
  ChartLayout layout;

  g_return_val_if_fail (QRS_IS_SCAN_CHART (self), FALSE);

  if (self->days == NULL || index >= self->days->len)
    return FALSE;

  compute_layout (self, &layout);
  bar_bounds (self, &layout, index, bounds);
  return TRUE;
}

guint64
qrs_scan_chart_get_axis_top (QrsScanChart *self)
{
  g_return_val_if_fail (QRS_IS_SCAN_CHART (self), 0);

  return self->axis_top;
}
