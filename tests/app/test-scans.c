/* test-scans.c — the scan chart on its own (pixels, keyboard, summary)
 * and in the editor of a saved dynamic code, fed by real scans in the
 * real database and refreshed by the database's notification
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include <glib/gstdio.h>

#include "app-test-utils.h"
#include "qrs-application.h"
#include "qrs-editor-private.h"
#include "qrs-scan-chart-private.h"
#include "qrs-window-private.h"

static QrsApplication *
app (void)
{
  return QRS_APPLICATION (app_test_get_application ());
}

/* Pixels ---------------------------------------------------------------- */

typedef struct
{
  guchar *pixels;
  int     width;
  int     height;
} Pixels;

static void
pixels_clear (Pixels *pixels)
{
  g_clear_pointer (&pixels->pixels, g_free);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Pixels, pixels_clear)

/* The widget rendered by the window's own renderer, written to a PNG and
 * read back: what a screenshot of it would hold. */
static void
pixels_from_widget (Pixels     *pixels,
                    GtkWidget  *widget,
                    const char *name)
{
  g_autofree char *path = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  g_autoptr(GError) error = NULL;

  gtk_widget_queue_draw (widget);
  app_test_iterate (50);
  path = app_test_save_snapshot (widget, name);
  texture = gdk_texture_new_from_filename (path, &error);
  g_assert_no_error (error);

  pixels->width = gdk_texture_get_width (texture);
  pixels->height = gdk_texture_get_height (texture);
  pixels->pixels = g_malloc ((gsize)pixels->width * pixels->height * 4);
  gdk_texture_download (texture, pixels->pixels, (gsize)pixels->width * 4);
}

static const guchar *
pixel_at (const Pixels *pixels,
          int           x,
          int           y)
{
  g_assert_cmpint (x, >=, 0);
  g_assert_cmpint (y, >=, 0);
  g_assert_cmpint (x, <, pixels->width);
  g_assert_cmpint (y, <, pixels->height);

  return pixels->pixels + ((gsize)y * pixels->width + x) * 4;
}

/* The chart draws on nothing: what it leaves alone is transparent. */
static gboolean
painted (const Pixels *pixels,
         int           x,
         int           y)
{
  return pixel_at (pixels, x, y)[3] > 0;
}

/* Days --------------------------------------------------------------------- */

static GDate
today_utc (void)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  GDate today;

  g_date_clear (&today, 1);
  g_date_set_dmy (&today, g_date_time_get_day_of_month (now), g_date_time_get_month (now),
                  g_date_time_get_year (now));
  return today;
}

static GArray *
make_days (const guint64 *counts,
           guint          n)
{
  GArray *days = g_array_new (FALSE, TRUE, sizeof (QrsScanDay));
  GDate first = today_utc ();

  g_date_subtract_days (&first, n - 1);
  for (guint i = 0; i < n; i++)
    {
      QrsScanDay day = { 0 };

      day.day = first;
      g_date_add_days (&day.day, i);
      day.scans = counts[i];
      day.visitors = counts[i];
      g_array_append_val (days, day);
    }
  return days;
}

static gboolean
allocated (gpointer data)
{
  return gtk_widget_get_mapped (data) && gtk_widget_get_width (data) > 0;
}

static GtkWidget *
chart_window (GtkWidget **chart,
              int         width)
{
  GtkWidget *window = gtk_window_new ();

  *chart = qrs_scan_chart_new ();
  gtk_window_set_child (GTK_WINDOW (window), *chart);
  gtk_window_set_default_size (GTK_WINDOW (window), width, 200);
  gtk_window_present (GTK_WINDOW (window));
  app_test_wait_until (allocated, *chart, 5000);
  return window;
}

/* The chart alone ---------------------------------------------------------- */

static void
test_scans_chart_bars (void)
{
  static const guint64 counts[] = { 0, 3, 0, 10, 1, 0, 5 };
  g_autoptr(GArray) days = make_days (counts, G_N_ELEMENTS (counts));
  g_auto(Pixels) pixels = { NULL };
  GtkWidget *chart;
  GtkWidget *window = chart_window (&chart, 360);
  graphene_rect_t tallest, small;
  g_autofree char *summary = NULL;

  qrs_scan_chart_set_days (QRS_SCAN_CHART (chart), days);
  g_assert_cmpuint (qrs_scan_chart_get_n_days (QRS_SCAN_CHART (chart)), ==, 7);
  g_assert_cmpuint (qrs_scan_chart_get_total (QRS_SCAN_CHART (chart)), ==, 19);
  /* Steps of 5 up to 10: the tallest bar reaches the top line. */
  g_assert_cmpuint (qrs_scan_chart_get_axis_top (QRS_SCAN_CHART (chart)), ==, 10);
  g_assert_cmpint (gtk_widget_get_width (chart), <=, 360);

  pixels_from_widget (&pixels, chart, "chart-bars.png");

  for (guint i = 0; i < G_N_ELEMENTS (counts); i++)
    {
      graphene_rect_t bar;
      int x, y;

      g_assert_true (qrs_scan_chart_get_bar_bounds (QRS_SCAN_CHART (chart), i, &bar));
      x = (int)(bar.origin.x + bar.size.width / 2);
      /* Just above the baseline, where every bar of a busy day stands. */
      y = (int)(bar.origin.y + bar.size.height) - 2;
      if (counts[i] > 0)
        g_assert_true (painted (&pixels, x, y));
      else
        g_assert_false (painted (&pixels, x, y));
    }

  /* Bars are as tall as their counts: near the top of the tallest, the
   * others' columns are empty. */
  qrs_scan_chart_get_bar_bounds (QRS_SCAN_CHART (chart), 3, &tallest);
  qrs_scan_chart_get_bar_bounds (QRS_SCAN_CHART (chart), 1, &small);
  g_assert_cmpfloat (tallest.size.height, >, 3 * small.size.height);
  g_assert_true (painted (&pixels, (int)(tallest.origin.x + tallest.size.width / 2),
                          (int)tallest.origin.y + 2));
  g_assert_false (painted (&pixels, (int)(small.origin.x + small.size.width / 2),
                           (int)tallest.origin.y + 2));

  /* In the accent colour, whatever the style. */
  {
    const guchar *p = pixel_at (&pixels, (int)(tallest.origin.x + tallest.size.width / 2),
                                (int)(tallest.origin.y + tallest.size.height / 2));
    GdkRGBA accent;

    g_assert_true (gtk_style_context_lookup_color (gtk_widget_get_style_context (chart),
                                                   "accent_bg_color", &accent));
    /* Download gives B8G8R8A8, premultiplied. */
    g_assert_cmpint (ABS ((int)p[2] - (int)(accent.red * p[3])), <=, 3);
    g_assert_cmpint (ABS ((int)p[0] - (int)(accent.blue * p[3])), <=, 3);
  }

  summary = qrs_scan_chart_dup_summary (QRS_SCAN_CHART (chart));
  g_assert_true (g_str_has_prefix (summary, "19 scans in the last 7 days, most on "));
  g_assert_true (g_str_has_suffix (summary, " (10)"));
  gtk_test_accessible_assert_role (chart, GTK_ACCESSIBLE_ROLE_IMG);
  gtk_test_accessible_assert_property (chart, GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, summary);
  gtk_test_accessible_assert_property (chart, GTK_ACCESSIBLE_PROPERTY_LABEL, "Scans per day");

  gtk_window_destroy (GTK_WINDOW (window));
}

static void
test_scans_chart_empty (void)
{
  static const guint64 counts[] = { 0, 0, 0, 0, 0, 0, 0 };
  g_autoptr(GArray) days = make_days (counts, G_N_ELEMENTS (counts));
  g_auto(Pixels) pixels = { NULL };
  GtkWidget *chart;
  GtkWidget *window = chart_window (&chart, 400);
  g_autofree char *summary = NULL;
  graphene_rect_t bar;
  int y;

  qrs_scan_chart_set_days (QRS_SCAN_CHART (chart), days);
  summary = qrs_scan_chart_dup_summary (QRS_SCAN_CHART (chart));
  g_assert_cmpstr (summary, ==, "No scans in the last 7 days");
  gtk_test_accessible_assert_property (chart, GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, summary);

  /* No bars; the message stands in the middle instead. */
  pixels_from_widget (&pixels, chart, "chart-empty.png");
  qrs_scan_chart_get_bar_bounds (QRS_SCAN_CHART (chart), 0, &bar);
  y = (int)(bar.origin.y + bar.size.height) - 2;
  for (int x = (int)bar.origin.x; x < pixels.width; x++)
    g_assert_false (painted (&pixels, x, y));
  {
    gboolean any = FALSE;

    for (int x = 0; x < pixels.width && !any; x++)
      any = painted (&pixels, x, pixels.height / 2);
    g_assert_true (any);
  }

  /* No data at all says so too. */
  qrs_scan_chart_set_days (QRS_SCAN_CHART (chart), NULL);
  g_clear_pointer (&summary, g_free);
  summary = qrs_scan_chart_dup_summary (QRS_SCAN_CHART (chart));
  g_assert_cmpstr (summary, ==, "No scan data");
  g_assert_false (qrs_scan_chart_get_bar_bounds (QRS_SCAN_CHART (chart), 0, &bar));

  gtk_window_destroy (GTK_WINDOW (window));
}

/* The brightest of the most opaque pixels left of the first bar: the
 * scale's numbers, unpremultiplied. */
static double
scale_text_luminance (const Pixels    *pixels,
                      graphene_rect_t *first_bar)
{
  int best_alpha = 0;
  double luminance = -1;

  for (int y = 0; y < pixels->height; y++)
    for (int x = 0; x < (int)first_bar->origin.x - 2; x++)
      {
        const guchar *p = pixel_at (pixels, x, y);

        if (p[3] > best_alpha)
          {
            best_alpha = p[3];
            luminance = (p[0] + p[1] + p[2]) / (3.0 * p[3]);
          }
      }
  g_assert_cmpint (best_alpha, >, 100);
  return luminance;
}

static void
test_scans_chart_dark (void)
{
  static const guint64 counts[] = { 1, 7, 2, 0, 3 };
  g_autoptr(GArray) days = make_days (counts, G_N_ELEMENTS (counts));
  AdwStyleManager *style = adw_style_manager_get_default ();
  g_auto(Pixels) light = { NULL };
  g_auto(Pixels) dark = { NULL };
  GtkWidget *chart;
  GtkWidget *window;
  graphene_rect_t first, tallest;
  GdkRGBA accent;
  const guchar *p;

  adw_style_manager_set_color_scheme (style, ADW_COLOR_SCHEME_FORCE_LIGHT);
  window = chart_window (&chart, 360);
  qrs_scan_chart_set_days (QRS_SCAN_CHART (chart), days);
  qrs_scan_chart_get_bar_bounds (QRS_SCAN_CHART (chart), 0, &first);
  qrs_scan_chart_get_bar_bounds (QRS_SCAN_CHART (chart), 1, &tallest);
  pixels_from_widget (&light, chart, "chart-light.png");

  adw_style_manager_set_color_scheme (style, ADW_COLOR_SCHEME_FORCE_DARK);
  app_test_iterate (300);
  pixels_from_widget (&dark, chart, "chart-dark.png");

  /* The numbers follow the style's text colour: dark on light, light on
   * dark. */
  g_assert_cmpfloat (scale_text_luminance (&light, &first), <, 0.3);
  g_assert_cmpfloat (scale_text_luminance (&dark, &first), >, 0.7);

  /* The bars are the dark style's accent. */
  g_assert_true (gtk_style_context_lookup_color (gtk_widget_get_style_context (chart),
                                                 "accent_bg_color", &accent));
  p = pixel_at (&dark, (int)(tallest.origin.x + tallest.size.width / 2),
                (int)(tallest.origin.y + tallest.size.height / 2));
  g_assert_cmpint (p[3], >, 0);
  g_assert_cmpint (ABS ((int)p[1] - (int)(accent.green * p[3])), <=, 3);

  adw_style_manager_set_color_scheme (style, ADW_COLOR_SCHEME_DEFAULT);
  gtk_window_destroy (GTK_WINDOW (window));
}

static gboolean
press_key (GtkWidget *widget,
           guint      keyval)
{
  g_autoptr(GListModel) controllers = gtk_widget_observe_controllers (widget);
  gboolean handled = FALSE;

  for (guint i = 0; i < g_list_model_get_n_items (controllers); i++)
    {
      g_autoptr(GObject) controller = g_list_model_get_item (controllers, i);

      if (GTK_IS_EVENT_CONTROLLER_KEY (controller))
        g_signal_emit_by_name (controller, "key-pressed", keyval, 0, 0, &handled);
    }
  return handled;
}

static void
test_scans_chart_keyboard (void)
{
  static const guint64 counts[] = { 4, 0, 2 };
  g_autoptr(GArray) days = make_days (counts, G_N_ELEMENTS (counts));
  GtkWidget *chart;
  GtkWidget *window = chart_window (&chart, 360);
  g_autofree char *text = NULL;
  g_autofree char *expected_date = NULL;
  g_autoptr(GDateTime) first = NULL;
  const QrsScanDay *day;

  qrs_scan_chart_set_days (QRS_SCAN_CHART (chart), days);
  g_assert_true (gtk_widget_get_focusable (chart));
  g_assert_true (gtk_widget_grab_focus (chart));
  gtk_test_accessible_assert_property (chart, GTK_ACCESSIBLE_PROPERTY_LABEL, "Scans per day");

  /* The keyboard starts on the latest day and walks the bars. */
  g_assert_cmpint (qrs_scan_chart_get_selected (QRS_SCAN_CHART (chart)), ==, 2);
  g_assert_true (press_key (chart, GDK_KEY_Left));
  g_assert_cmpint (qrs_scan_chart_get_selected (QRS_SCAN_CHART (chart)), ==, 1);
  g_assert_true (press_key (chart, GDK_KEY_Home));
  g_assert_cmpint (qrs_scan_chart_get_selected (QRS_SCAN_CHART (chart)), ==, 0);
  g_assert_true (press_key (chart, GDK_KEY_Left));
  g_assert_cmpint (qrs_scan_chart_get_selected (QRS_SCAN_CHART (chart)), ==, 0);
  g_assert_true (press_key (chart, GDK_KEY_End));
  g_assert_cmpint (qrs_scan_chart_get_selected (QRS_SCAN_CHART (chart)), ==, 2);
  g_assert_false (press_key (chart, GDK_KEY_a));

  /* A screen reader hears the day the keyboard is on: the chart's name
   * becomes that day and its scans, as its tooltip shows them; new days
   * give it its own name back. */
  g_assert_true (press_key (chart, GDK_KEY_Home));
  day = qrs_scan_chart_get_day (QRS_SCAN_CHART (chart), 0);
  first = g_date_time_new_utc (g_date_get_year (&day->day), g_date_get_month (&day->day),
                               g_date_get_day (&day->day), 0, 0, 0);
  expected_date = g_date_time_format (first, "%A, %B %-d, %Y");
  {
    g_autofree char *expected = g_strdup_printf ("%s: 4 scans", expected_date);

    gtk_test_accessible_assert_property (chart, GTK_ACCESSIBLE_PROPERTY_LABEL, expected);
  }
  g_assert_true (press_key (chart, GDK_KEY_Right));
  {
    g_autofree char *day_text = qrs_scan_chart_dup_day_text (QRS_SCAN_CHART (chart), 1);
    g_auto(GStrv) lines = g_strsplit (day_text, "\n", 2);
    g_autofree char *expected = g_strdup_printf ("%s: %s", lines[0], lines[1]);

    /* The tooltip's two lines, on one. */
    g_assert_cmpstr (lines[1], ==, "0 scans");
    gtk_test_accessible_assert_property (chart, GTK_ACCESSIBLE_PROPERTY_LABEL, expected);
  }
  qrs_scan_chart_set_days (QRS_SCAN_CHART (chart), days);
  gtk_test_accessible_assert_property (chart, GTK_ACCESSIBLE_PROPERTY_LABEL, "Scans per day");
  g_assert_true (press_key (chart, GDK_KEY_End));

  /* What the tooltip says of a bar: the day in full and its scans. */
  text = qrs_scan_chart_dup_day_text (QRS_SCAN_CHART (chart), 0);
  g_assert_true (g_str_has_prefix (text, expected_date));
  g_assert_true (g_str_has_suffix (text, "\n4 scans"));
  g_clear_pointer (&text, g_free);
  text = qrs_scan_chart_dup_day_text (QRS_SCAN_CHART (chart), 1);
  g_assert_true (g_str_has_suffix (text, "\n0 scans"));
  g_assert_null (qrs_scan_chart_dup_day_text (QRS_SCAN_CHART (chart), 3));

  gtk_window_destroy (GTK_WINDOW (window));
}

/* In the editor, on the database ------------------------------------------ */

/* Where tools/screenshots wants its pictures, else the build tree. */
static char *
screenshot_path (const char *name)
{
  const char *dir = g_getenv ("QRS_SCREENSHOT_DIR");
  g_autofree char *fallback = NULL;

  if (dir == NULL || dir[0] == '\0')
    {
      fallback = g_build_filename (g_getenv ("G_TEST_BUILDDIR") ? g_getenv ("G_TEST_BUILDDIR") : ".",
                                   "screenshots", NULL);
      dir = fallback;
    }
  g_assert_cmpint (g_mkdir_with_parents (dir, 0755), ==, 0);

  return g_build_filename (dir, name, NULL);
}

static void
shoot_editor (QrsWindow  *window,
              const char *name)
{
  g_autofree char *path = screenshot_path (name);
  g_autoptr(GdkTexture) texture = NULL;

  /* The "Saved" toast would cover the breakdown. */
  app_test_clear_toasts (window);
  adw_style_manager_set_color_scheme (adw_style_manager_get_default (), ADW_COLOR_SCHEME_FORCE_LIGHT);
  app_test_iterate (500);
  texture = app_test_snapshot (GTK_WIDGET (window));
  g_assert_true (gdk_texture_save_to_png (texture, path));
  g_test_message ("wrote %s", path);
  adw_style_manager_set_color_scheme (adw_style_manager_get_default (), ADW_COLOR_SCHEME_DEFAULT);
}

static gboolean
document_saved (gpointer data)
{
  return qrs_document_get_id (data) > 0 && qrs_document_get_short_id (data) != NULL;
}

static QrsDatabase *
database (void)
{
  return qrs_code_store_get_database (qrs_connection_get_code_store (qrs_application_get_connection (app ())));
}

static gboolean
listening (gpointer data)
{
  gboolean value = FALSE;

  g_object_get (data, "listening", &value, NULL);
  return value;
}

/* A scan of @code_id @days_ago UTC days back, a minute past midnight. */
static QrsScan *
make_scan (gint64      code_id,
           guint       days_ago,
           const char *device,
           const char *os,
           const char *browser,
           gboolean    is_bot,
           const char *visitor)
{
  QrsScan *scan = qrs_scan_new ();
  GDate day = today_utc ();
  g_autoptr(GDateTime) at = NULL;

  g_date_subtract_days (&day, days_ago);
  at = g_date_time_new_utc (g_date_get_year (&day), g_date_get_month (&day), g_date_get_day (&day),
                            0, 1, 0);
  scan->event_id = g_uuid_string_random ();
  scan->code_id = code_id;
  scan->scanned_at = g_date_time_to_unix (at) * G_USEC_PER_SEC + g_random_int_range (0, 1000000);
  scan->user_agent = g_strdup ("test");
  scan->device = g_strdup (device);
  scan->os = g_strdup (os);
  scan->browser = g_strdup (browser);
  scan->is_bot = is_bot;
  if (visitor != NULL)
    scan->visitor_hash = g_bytes_new (visitor, strlen (visitor));
  return scan;
}

static void
insert_scans (GPtrArray *scans)
{
  g_autoptr(QrsScanStore) store = qrs_scan_store_new (database ());
  g_autoptr(GError) error = NULL;
  guint n_inserted = 0;

  g_assert_true (qrs_scan_store_insert (store, (QrsScan * const *)scans->pdata, scans->len,
                                        &n_inserted, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (n_inserted, ==, scans->len);
}

typedef struct
{
  QrsEditor *editor;
  guint      loads;
  guint64    total;
} ScansWait;

static const char *label_text        (QrsEditor  *editor,
                                       const char *name);
static const char *expander_subtitle (QrsEditor  *editor,
                                       const char *name);

/* A load finished after @loads, and all of it shows @total: the chart,
 * the total and, when there are scans, every breakdown.  A load reads
 * one snapshot, so its parts agree with each other; but one that started
 * before the scans were committed shows none of them, and the reload the
 * notification brings is the one to wait for. */
static gboolean
scans_shown (gpointer data)
{
  ScansWait *wait = data;
  g_autofree char *total = g_strdup_printf ("%" G_GUINT64_FORMAT, wait->total);
  const char *rows[] = { "scans_device_row", "scans_os_row", "scans_browser_row" };

  if (qrs_editor_get_scan_loads (wait->editor) <= wait->loads ||
      qrs_scan_chart_get_total (qrs_editor_get_scan_chart (wait->editor)) != wait->total ||
      g_strcmp0 (label_text (wait->editor, "scans_total_label"), total) != 0)
    return FALSE;

  for (guint i = 0; wait->total > 0 && i < G_N_ELEMENTS (rows); i++)
    if (g_strcmp0 (expander_subtitle (wait->editor, rows[i]), "No scans yet") == 0)
      return FALSE;

  return TRUE;
}

static GtkWidget *
template_widget (QrsEditor  *editor,
                 const char *name)
{
  return GTK_WIDGET (gtk_widget_get_template_child (GTK_WIDGET (editor), QRS_TYPE_EDITOR, name));
}

static const char *
label_text (QrsEditor  *editor,
            const char *name)
{
  return gtk_label_get_label (GTK_LABEL (gtk_widget_get_template_child (GTK_WIDGET (editor),
                                                                        QRS_TYPE_EDITOR, name)));
}

static const char *
expander_subtitle (QrsEditor  *editor,
                   const char *name)
{
  return adw_expander_row_get_subtitle (ADW_EXPANDER_ROW (gtk_widget_get_template_child (GTK_WIDGET (editor),
                                                                                         QRS_TYPE_EDITOR, name)));
}

static void
assert_day (QrsScanChart *chart,
            guint         index,
            guint         days_ago,
            guint64       scans)
{
  const QrsScanDay *day = qrs_scan_chart_get_day (chart, index);
  GDate expected = today_utc ();

  g_assert_nonnull (day);
  g_date_subtract_days (&expected, days_ago);
  g_assert_cmpint (g_date_compare (&day->day, &expected), ==, 0);
  g_assert_cmpuint (day->scans, ==, scans);
}

static gboolean
folded (gpointer data)
{
  return adw_leaflet_get_folded (data);
}

static void
test_scans_editor (void)
{
  QrsWindow *window;
  QrsEditor *editor;
  QrsDocument *document;
  QrsScanChart *chart;
  g_autoptr(GPtrArray) scans = g_ptr_array_new_with_free_func ((GDestroyNotify)qrs_scan_free);
  g_autoptr(GPtrArray) more = g_ptr_array_new_with_free_func ((GDestroyNotify)qrs_scan_free);
  g_autofree char *summary = NULL;
  g_auto(Pixels) pixels = { NULL };
  ScansWait wait;
  gint64 id;

  app_test_assert_connected ();
  window = app_test_new_window (1200, 900);
  editor = window->editor;
  document = qrs_window_get_document (window);
  chart = qrs_editor_get_scan_chart (editor);

  /* A new code has no scans to show. */
  g_assert_false (gtk_widget_get_visible (template_widget (editor, "scans_group")));

  gtk_switch_set_active (GTK_SWITCH (gtk_widget_get_template_child (GTK_WIDGET (editor), QRS_TYPE_EDITOR,
                                                                    "dynamic_switch")),
                         TRUE);
  gtk_editable_set_text (GTK_EDITABLE (qrs_editor_get_field_row (editor, "url", 0)),
                         "https://example.edu/open-day");
  gtk_editable_set_text (GTK_EDITABLE (template_widget (editor, "title_row")), "Open Day posters");
  gtk_widget_activate_action (GTK_WIDGET (window), "win.save", NULL);
  app_test_wait_until (document_saved, document, 30000);
  id = qrs_document_get_id (document);

  /* Saved and dynamic: the section is there, and empty. */
  wait = (ScansWait) { editor, 0, 0 };
  app_test_wait_until (scans_shown, &wait, 30000);
  g_assert_true (gtk_widget_get_visible (template_widget (editor, "scans_group")));
  g_assert_cmpuint (qrs_editor_get_scan_range (editor), ==, 30);
  g_assert_cmpuint (qrs_scan_chart_get_n_days (chart), ==, 30);
  g_assert_cmpstr (label_text (editor, "scans_total_label"), ==, "0");

  /* Real scans, through the store the redirect daemon writes with: the
   * database's notification names this code, and the editor reloads. */
  app_test_wait_until (listening, database (), 30000);
  g_ptr_array_add (scans, make_scan (id, 0, "mobile", "iOS", "Mobile Safari", FALSE, "visitor-a"));
  g_ptr_array_add (scans, make_scan (id, 0, "mobile", "iOS", "Mobile Safari", FALSE, "visitor-a"));
  g_ptr_array_add (scans, make_scan (id, 0, "mobile", "Android", "Chrome Mobile", FALSE, "visitor-b"));
  g_ptr_array_add (scans, make_scan (id, 0, "bot", "Other", "Googlebot", TRUE, "crawler"));
  g_ptr_array_add (scans, make_scan (id, 2, "desktop", "Windows", "Chrome", FALSE, "visitor-c"));
  g_ptr_array_add (scans, make_scan (id, 2, "desktop", "Windows", "Chrome", FALSE, "visitor-d"));
  g_ptr_array_add (scans, make_scan (id, 2, "mobile", "Android", "Chrome Mobile", FALSE, "visitor-e"));
  g_ptr_array_add (scans, make_scan (id, 2, "mobile", "Android", "Chrome Mobile", FALSE, "visitor-f"));
  g_ptr_array_add (scans, make_scan (id, 2, "mobile", "iOS", "Mobile Safari", FALSE, "visitor-g"));
  g_ptr_array_add (scans, make_scan (id, 10, "mobile", "iOS", "Mobile Safari", FALSE, "visitor-h"));
  g_ptr_array_add (scans, make_scan (id, 10, "mobile", "iOS", "Mobile Safari", FALSE, "visitor-i"));
  for (guint i = 0; i < 4; i++)
    g_ptr_array_add (scans, make_scan (id, 40, "tablet", "iPadOS", "Mobile Safari", FALSE, "visitor-j"));
  /* Another code's scans are not this one's. */
  g_ptr_array_add (scans, make_scan (id + 1000, 0, "mobile", "iOS", "Mobile Safari", FALSE, "visitor-z"));

  wait = (ScansWait) { editor, qrs_editor_get_scan_loads (editor), 10 };
  insert_scans (scans);
  app_test_wait_until (scans_shown, &wait, 30000);

  /* Per day, as inserted; the last bar is today. */
  g_assert_cmpuint (qrs_scan_chart_get_n_days (chart), ==, 30);
  assert_day (chart, 29, 0, 3);
  assert_day (chart, 28, 1, 0);
  assert_day (chart, 27, 2, 5);
  assert_day (chart, 19, 10, 2);
  assert_day (chart, 0, 29, 0);

  g_assert_cmpstr (label_text (editor, "scans_total_label"), ==, "10");
  g_assert_cmpstr (label_text (editor, "scans_visitors_label"), ==, "9");
  g_assert_cmpstr (label_text (editor, "scans_bots_label"), ==, "1");
  g_assert_cmpstr (expander_subtitle (editor, "scans_device_row"), ==, "Mostly Phones");
  g_assert_cmpstr (expander_subtitle (editor, "scans_os_row"), ==, "Mostly iOS");
  g_assert_cmpstr (expander_subtitle (editor, "scans_browser_row"), ==, "Mostly Mobile Safari");

  summary = qrs_scan_chart_dup_summary (chart);
  g_assert_true (g_str_has_prefix (summary, "10 scans in the last 30 days, most on "));
  gtk_test_accessible_assert_property (chart, GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, summary);

  /* Today's bar and the one two days back are drawn, the day between not. */
  pixels_from_widget (&pixels, GTK_WIDGET (chart), "editor-chart.png");
  for (guint i = 27; i <= 29; i++)
    {
      graphene_rect_t bar;

      qrs_scan_chart_get_bar_bounds (chart, i, &bar);
      if (i == 28)
        g_assert_false (painted (&pixels, (int)(bar.origin.x + bar.size.width / 2),
                                 (int)(bar.origin.y + bar.size.height) - 2));
      else
        g_assert_true (painted (&pixels, (int)(bar.origin.x + bar.size.width / 2),
                                (int)(bar.origin.y + bar.size.height) - 2));
    }

  shoot_editor (window, "editor-scans.png");

  /* The range: 90 days take in the tablet scans, 7 days leave out the
   * day ten days back. */
  wait = (ScansWait) { editor, qrs_editor_get_scan_loads (editor), 14 };
  qrs_editor_set_scan_range (editor, 90);
  app_test_wait_until (scans_shown, &wait, 30000);
  g_assert_cmpuint (qrs_scan_chart_get_n_days (chart), ==, 90);
  assert_day (chart, 49, 40, 4);
  g_assert_cmpstr (label_text (editor, "scans_total_label"), ==, "14");
  g_assert_cmpstr (label_text (editor, "scans_visitors_label"), ==, "10");

  wait = (ScansWait) { editor, qrs_editor_get_scan_loads (editor), 8 };
  gtk_drop_down_set_selected (GTK_DROP_DOWN (gtk_widget_get_template_child (GTK_WIDGET (editor), QRS_TYPE_EDITOR,
                                                                            "scans_range_dropdown")),
                              0);
  app_test_wait_until (scans_shown, &wait, 30000);
  g_assert_cmpuint (qrs_editor_get_scan_range (editor), ==, 7);
  g_assert_cmpuint (qrs_scan_chart_get_n_days (chart), ==, 7);
  g_assert_cmpstr (label_text (editor, "scans_total_label"), ==, "8");

  /* More scans later: heard, and shown without asking. */
  g_ptr_array_add (more, make_scan (id, 0, "desktop", "Linux", "Firefox", FALSE, "visitor-k"));
  g_ptr_array_add (more, make_scan (id, 0, "desktop", "Linux", "Firefox", FALSE, "visitor-l"));
  wait = (ScansWait) { editor, qrs_editor_get_scan_loads (editor), 10 };
  insert_scans (more);
  app_test_wait_until (scans_shown, &wait, 30000);
  assert_day (chart, 6, 0, 5);
  g_assert_cmpstr (label_text (editor, "scans_total_label"), ==, "10");

  /* At 360 pixels wide the same code still charts 90 days, a bar each. */
  {
    QrsWindow *narrow = app_test_new_window (360, 720);
    QrsEditor *narrow_editor = narrow->editor;
    QrsScanChart *narrow_chart = qrs_editor_get_scan_chart (narrow_editor);
    g_auto(Pixels) narrow_pixels = { NULL };
    graphene_rect_t bar;

    qrs_editor_set_scan_range (narrow_editor, 90);
    wait = (ScansWait) { narrow_editor, qrs_editor_get_scan_loads (narrow_editor), 16 };
    qrs_window_set_document (narrow, document);
    app_test_wait_until (scans_shown, &wait, 30000);
    /* Folded, the window shows the library first: go to the editor. */
    app_test_wait_until (folded, narrow->leaflet, 5000);
    adw_leaflet_navigate (narrow->leaflet, ADW_NAVIGATION_DIRECTION_FORWARD);
    app_test_iterate (600);

    g_assert_cmpint (gtk_widget_get_width (GTK_WIDGET (narrow_chart)), >, 200);
    g_assert_cmpint (gtk_widget_get_width (GTK_WIDGET (narrow_chart)), <=, 360 - 48);
    g_assert_true (gtk_widget_get_mapped (template_widget (narrow_editor, "scans_range_dropdown")));
    pixels_from_widget (&narrow_pixels, GTK_WIDGET (narrow_chart), "narrow-chart.png");
    for (guint i = 88; i <= 89; i++)
      {
        qrs_scan_chart_get_bar_bounds (narrow_chart, i, &bar);
        g_assert_cmpfloat (bar.size.width, >=, 1);
        g_assert_cmpint (painted (&narrow_pixels, (int)(bar.origin.x + bar.size.width / 2),
                                  (int)(bar.origin.y + bar.size.height) - 1),
                         ==, i == 89);
      }
    shoot_editor (narrow, "editor-scans-narrow.png");
    app_test_close_window (narrow);
  }

  app_test_close_window (window);
}

/* A store given to the editor is where it reads, for any code id. */
static void
test_scans_editor_store_given (void)
{
  GtkWidget *window = gtk_window_new ();
  QrsEditor *editor = QRS_EDITOR (qrs_editor_new ());
  g_autoptr(QrsScanStore) store = NULL;
  g_autoptr(QrsDocument) document = qrs_document_new ();
  g_autoptr(GPtrArray) scans = g_ptr_array_new_with_free_func ((GDestroyNotify)qrs_scan_free);
  ScansWait wait;

  /* The app's database is there once its connection is open, not before
   * (run alone, this test comes first). */
  app_test_assert_connected ();
  store = qrs_scan_store_new (database ());
  gtk_window_set_child (GTK_WINDOW (window), GTK_WIDGET (editor));
  gtk_window_present (GTK_WINDOW (window));

  /* A dynamic code as stored elsewhere: the id is enough to chart it. */
  qrs_document_set_kind (document, QRS_CODE_KIND_DYNAMIC);
  qrs_document_set_id (document, 987654);
  g_ptr_array_add (scans, make_scan (987654, 1, "mobile", "iOS", "Mobile Safari", FALSE, "v"));
  insert_scans (scans);

  qrs_editor_set_scan_store (editor, store);
  g_assert_true (qrs_editor_get_scan_store (editor) == store);
  wait = (ScansWait) { editor, qrs_editor_get_scan_loads (editor), 1 };
  qrs_editor_set_document (editor, document);
  app_test_wait_until (scans_shown, &wait, 30000);
  assert_day (qrs_editor_get_scan_chart (editor), 28, 1, 1);
  g_assert_cmpstr (label_text (editor, "scans_total_label"), ==, "1");

  gtk_window_destroy (GTK_WINDOW (window));
  app_test_iterate (10);
}

/* A database that cannot be reached: the section says so. */
static void
test_scans_editor_unreachable (void)
{
  GtkWidget *window = gtk_window_new ();
  QrsEditor *editor = QRS_EDITOR (qrs_editor_new ());
  g_autoptr(QrsDatabase) nowhere = NULL;
  g_autoptr(QrsScanStore) store = NULL;
  g_autoptr(QrsDocument) document = qrs_document_new ();
  g_autoptr(GError) error = NULL;
  GtkWidget *status;
  guint loads;

  nowhere = qrs_database_new ("host=127.0.0.1 port=9 dbname=nowhere connect_timeout=2", &error);
  g_assert_no_error (error);
  store = qrs_scan_store_new (nowhere);

  gtk_window_set_child (GTK_WINDOW (window), GTK_WIDGET (editor));
  gtk_window_present (GTK_WINDOW (window));
  qrs_document_set_kind (document, QRS_CODE_KIND_DYNAMIC);
  qrs_document_set_id (document, 42);
  qrs_editor_set_scan_store (editor, store);
  loads = qrs_editor_get_scan_loads (editor);
  qrs_editor_set_document (editor, document);

  {
    ScansWait wait = { editor, loads, 0 };

    app_test_wait_until (scans_shown, &wait, 30000);
  }
  status = template_widget (editor, "scans_status_label");
  g_assert_true (gtk_widget_get_visible (status));
  g_assert_true (g_str_has_prefix (gtk_label_get_label (GTK_LABEL (status)), "Could not load the scans: "));
  g_assert_cmpuint (qrs_scan_chart_get_n_days (qrs_editor_get_scan_chart (editor)), ==, 0);

  gtk_window_destroy (GTK_WINDOW (window));
  app_test_iterate (10);
}

int
main (int   argc,
      char *argv[])
{
  app_test_init_with_database (&argc, &argv);

  g_test_add_func ("/app/scans/chart-bars", test_scans_chart_bars);
  g_test_add_func ("/app/scans/chart-empty", test_scans_chart_empty);
  g_test_add_func ("/app/scans/chart-keyboard", test_scans_chart_keyboard);
  g_test_add_func ("/app/scans/chart-dark", test_scans_chart_dark);
  g_test_add_func ("/app/scans/editor", test_scans_editor);
  g_test_add_func ("/app/scans/editor-store-given", test_scans_editor_store_given);
  g_test_add_func ("/app/scans/editor-unreachable", test_scans_editor_unreachable);

  return app_test_run_tests ();
}
