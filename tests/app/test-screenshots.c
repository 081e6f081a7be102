/* test-screenshots.c — the main view, light, dark and narrow, as people
 * see it; written where QRS_SCREENSHOT_DIR says (tools/screenshots sets
 * it to docs/screenshots), else into the build tree
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gstdio.h>

#include "app-test-utils.h"
#include "qrs-database.h"
#include "qrs-editor-private.h"
#include "qrs-export-dialog.h"
#include "qrs-preferences-window.h"
#include "qrs-window-private.h"

static QrsDocument *
add_code (QrsWindow      *window,
          QrsPayloadType  type,
          const char     *title,
          const char * const *fields)
{
  QrsDocument *document = _qrs_window_create_document (window);
  g_autoptr(QrsPayload) payload = qrs_payload_new (type);

  for (guint i = 0; fields[i] != NULL; i += 2)
    g_assert_true (qrs_payload_set (payload, fields[i], fields[i + 1], NULL));
  qrs_document_set_payload (document, payload);
  qrs_design_set_title (qrs_document_get_design (document), title);
  _qrs_window_add_document (window, document);

  return document;
}

static void
populate (QrsWindow *window)
{
  QrsDocument *document = qrs_window_get_document (window);
  QrsDesign *design = qrs_document_get_design (document);
  g_autoptr(QrsDocument) wifi = NULL;
  g_autoptr(QrsDocument) contact = NULL;
  g_autoptr(QrsDocument) event = NULL;
  static const char * const tags[] = { "events", "posters", NULL };
  static const QrsColor navy = { 0x1c, 0x2b, 0x5a, 0xff };
  static const QrsColor accent = { 0xc0, 0x1c, 0x28, 0xff };

  qrs_design_set_title (design, "Open Day 2025");
  qrs_design_set_description (design, "Posters in the main hall");
  qrs_document_set_tags (document, tags);

  wifi = add_code (window, QRS_PAYLOAD_TYPE_WIFI, "Guest Wi-Fi",
                   (const char *[]) { "ssid", "Campus Guests", "password", "welcome-2025", NULL });
  contact = add_code (window, QRS_PAYLOAD_TYPE_MECARD, "Front desk",
                      (const char *[]) { "name", "Front desk", NULL });
  event = add_code (window, QRS_PAYLOAD_TYPE_URL, "Library opening hours",
                    (const char *[]) { "url", "https://example.edu/library/hours", NULL });

  /* Back to the first code, designed through the editor's fields. */
  _qrs_window_select (window, 0);
  gtk_editable_set_text (GTK_EDITABLE (qrs_editor_get_field_row (window->editor, "url", 0)),
                         "https://example.edu/open-day");
  qrs_design_set_foreground (design, &navy);
  qrs_design_set_finder_color (design, &accent);
  qrs_design_set_module_shape (design, QRS_MODULE_SHAPE_ROUNDED);
  qrs_design_set_caption (design, "Scan for the programme");
  qrs_design_set_caption_color (design, &navy);
}

static char *
output_path (const char *name)
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

static double
corner_luminance (GdkTexture *texture)
{
  int width = gdk_texture_get_width (texture);
  int height = gdk_texture_get_height (texture);
  g_autofree guchar *pixels = g_malloc ((gsize)width * height * 4);
  const guchar *pixel;

  gdk_texture_download (texture, pixels, width * 4);

  /* Near the bottom right corner: the editor's background, away from
   * any widget. */
  pixel = pixels + ((gsize)(height - 8) * width + (width - 8)) * 4;

  return (pixel[0] + pixel[1] + pixel[2]) / (3.0 * 255);
}

static void
shoot (QrsWindow  *window,
       const char *name,
       gboolean    dark)
{
  g_autoptr(GdkTexture) texture = NULL;
  g_autofree char *path = output_path (name);
  g_autofree char *decoded = NULL;

  adw_style_manager_set_color_scheme (adw_style_manager_get_default (),
                                      dark ? ADW_COLOR_SCHEME_FORCE_DARK : ADW_COLOR_SCHEME_FORCE_LIGHT);
  app_test_iterate (300);
  app_test_redraw (GTK_WIDGET (window->preview));
  app_test_iterate (100);

  texture = app_test_snapshot (GTK_WIDGET (window));
  g_assert_true (gdk_texture_save_to_png (texture, path));
  g_test_message ("wrote %s", path);

  if (dark)
    g_assert_cmpfloat (corner_luminance (texture), <, 0.35);
  else
    g_assert_cmpfloat (corner_luminance (texture), >, 0.65);

  /* What is on screen scans, whichever style surrounds it; the library's
   * thumbnails scan too, so look for the preview's among them. */
  decoded = app_test_decode (path);
  g_assert_nonnull (decoded);
  g_assert_nonnull (strstr (decoded, "https://example.edu/open-day"));
}

static void
test_screenshots_main (void)
{
  QrsWindow *window = app_test_new_window (1180, 760);

  populate (window);
  shoot (window, "main-light.png", FALSE);
  shoot (window, "main-dark.png", TRUE);

  adw_style_manager_set_color_scheme (adw_style_manager_get_default (), ADW_COLOR_SCHEME_DEFAULT);
  app_test_close_window (window);
}

static gboolean
mapped (gpointer data)
{
  return gtk_widget_get_mapped (data);
}

/* The dialogs people meet, to look at them; not for the README. */
static void
test_screenshots_dialogs (void)
{
  QrsWindow *window = app_test_new_window (1180, 760);
  g_autoptr(GdkTexture) texture = NULL;
  g_autofree char *path = NULL;
  QrsExportDialog *dialog;
  GtkWidget *preferences;

  populate (window);
  adw_style_manager_set_color_scheme (adw_style_manager_get_default (), ADW_COLOR_SCHEME_FORCE_LIGHT);

  dialog = qrs_export_dialog_new (window, window->document, qrs_preview_get_symbol (window->preview));
  gtk_window_present (GTK_WINDOW (dialog));
  app_test_wait_until (mapped, dialog, 5000);
  app_test_iterate (300);
  texture = app_test_snapshot (GTK_WIDGET (dialog));
  path = output_path ("dialog-export.png");
  g_assert_true (gdk_texture_save_to_png (texture, path));
  gtk_window_destroy (GTK_WINDOW (dialog));

  preferences = qrs_preferences_window_new ();
  gtk_window_set_transient_for (GTK_WINDOW (preferences), GTK_WINDOW (window));
  gtk_window_present (GTK_WINDOW (preferences));
  app_test_wait_until (mapped, preferences, 5000);
  app_test_iterate (300);
  g_clear_object (&texture);
  texture = app_test_snapshot (preferences);
  g_free (path);
  path = output_path ("dialog-preferences.png");
  g_assert_true (gdk_texture_save_to_png (texture, path));
  gtk_window_destroy (GTK_WINDOW (preferences));

  adw_style_manager_set_color_scheme (adw_style_manager_get_default (), ADW_COLOR_SCHEME_DEFAULT);
  app_test_close_window (window);
}

/* What the sidebar says when the database cannot be reached. */
static void
test_screenshots_status (void)
{
  QrsWindow *window = app_test_new_window (1180, 760);
  g_autoptr(GError) error = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  g_autofree char *path = output_path ("status-unreachable.png");

  populate (window);
  g_set_error_literal (&error, QRS_DATABASE_ERROR, QRS_DATABASE_ERROR_CONNECTION_REFUSED,
                       "Nothing answers at db.example.edu, port 5432: is the server running?");
  _qrs_window_show_failure (window, error);
  adw_style_manager_set_color_scheme (adw_style_manager_get_default (), ADW_COLOR_SCHEME_FORCE_LIGHT);
  app_test_iterate (300);
  app_test_redraw (GTK_WIDGET (window->preview));

  texture = app_test_snapshot (GTK_WIDGET (window));
  g_assert_true (gdk_texture_save_to_png (texture, path));
  g_assert_cmpstr (adw_status_page_get_title (window->status_page), ==, "Cannot Reach the Database");

  adw_style_manager_set_color_scheme (adw_style_manager_get_default (), ADW_COLOR_SCHEME_DEFAULT);
  app_test_close_window (window);
}

static gboolean
folded (gpointer data)
{
  return adw_leaflet_get_folded (data);
}

static void
test_screenshots_narrow (void)
{
  QrsWindow *window = app_test_new_window (360, 720);
  g_autoptr(GdkTexture) texture = NULL;
  g_autofree char *path = output_path ("narrow-light.png");

  populate (window);
  app_test_wait_until (folded, window->leaflet, 5000);
  adw_leaflet_navigate (window->leaflet, ADW_NAVIGATION_DIRECTION_FORWARD);
  adw_flap_set_reveal_flap (window->flap, TRUE);
  adw_style_manager_set_color_scheme (adw_style_manager_get_default (), ADW_COLOR_SCHEME_FORCE_LIGHT);
  app_test_iterate (600);

  texture = app_test_snapshot (GTK_WIDGET (window));
  g_assert_cmpint (gdk_texture_get_width (texture), <=, 400);
  g_assert_true (gdk_texture_save_to_png (texture, path));

  adw_style_manager_set_color_scheme (adw_style_manager_get_default (), ADW_COLOR_SCHEME_DEFAULT);
  app_test_close_window (window);
}

/* The scanning checks under the preview and the contrast readout beside
 * them, for the user guide: a pale foreground and a thin quiet zone. */
static void
test_screenshots_checks (void)
{
  QrsWindow *window = app_test_new_window (1180, 760);
  QrsDesign *design;
  g_autoptr(GdkTexture) texture = NULL;
  g_autofree char *path = output_path ("preview-checks.png");
  GtkWidget *contrast_row;
  GtkWidget *scroller;
  graphene_point_t point;
  static const QrsColor pale = { 0x8f, 0x9f, 0xbf, 0xff };

  populate (window);
  design = qrs_document_get_design (qrs_window_get_document (window));
  qrs_design_set_foreground (design, &pale);
  qrs_design_set_finder_color (design, NULL);
  qrs_design_set_quiet_zone (design, 1);
  adw_style_manager_set_color_scheme (adw_style_manager_get_default (), ADW_COLOR_SCHEME_FORCE_LIGHT);
  app_test_iterate (300);

  /* The editor scrolled to its Colours, where the contrast is read out. */
  contrast_row = GTK_WIDGET (gtk_widget_get_template_child (GTK_WIDGET (window->editor), QRS_TYPE_EDITOR,
                                                             "contrast_row"));
  scroller = gtk_widget_get_ancestor (GTK_WIDGET (window->editor), GTK_TYPE_SCROLLED_WINDOW);
  g_assert_true (gtk_widget_compute_point (contrast_row, GTK_WIDGET (window->editor),
                                           &GRAPHENE_POINT_INIT (0, 0), &point));
  gtk_adjustment_set_value (gtk_scrolled_window_get_vadjustment (GTK_SCROLLED_WINDOW (scroller)),
                            point.y - 240);
  app_test_iterate (300);
  app_test_redraw (GTK_WIDGET (window->preview));
  app_test_iterate (100);

  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (window->lint_list)));
  g_assert_true (gtk_widget_has_css_class (GTK_WIDGET (gtk_widget_get_template_child (GTK_WIDGET (window->editor),
                                                                                       QRS_TYPE_EDITOR,
                                                                                       "contrast_label")),
                                           "warning"));
  texture = app_test_snapshot (GTK_WIDGET (window));
  g_assert_true (gdk_texture_save_to_png (texture, path));
  g_test_message ("wrote %s", path);

  adw_style_manager_set_color_scheme (adw_style_manager_get_default (), ADW_COLOR_SCHEME_DEFAULT);
  app_test_close_window (window);
}

static gboolean
allocated (gpointer data)
{
  return gtk_widget_get_width (data) > 0;
}

/* The library's Filter and Sort popover, for the user guide. */
static void
test_screenshots_filters (void)
{
  QrsWindow *window = app_test_new_window (1180, 760);
  GtkWidget *popover = GTK_WIDGET (gtk_menu_button_get_popover (window->filter_button));
  g_autoptr(GdkTexture) texture = NULL;
  g_autofree char *path = output_path ("library-filters.png");

  populate (window);
  adw_style_manager_set_color_scheme (adw_style_manager_get_default (), ADW_COLOR_SCHEME_FORCE_LIGHT);
  gtk_drop_down_set_selected (window->kind_dropdown, 2);
  gtk_drop_down_set_selected (window->sort_dropdown, 3);
  /* As with a database connected: the button is off without one. */
  gtk_widget_set_sensitive (GTK_WIDGET (window->filter_button), TRUE);
  gtk_menu_button_popup (window->filter_button);
  app_test_wait_until (mapped, popover, 5000);
  app_test_wait_until (allocated, popover, 5000);
  app_test_iterate (300);

  texture = app_test_snapshot (popover);
  g_assert_true (gdk_texture_save_to_png (texture, path));
  g_test_message ("wrote %s", path);
  gtk_popover_popdown (GTK_POPOVER (popover));

  adw_style_manager_set_color_scheme (adw_style_manager_get_default (), ADW_COLOR_SCHEME_DEFAULT);
  app_test_close_window (window);
}

int
main (int   argc,
      char *argv[])
{
  app_test_init (&argc, &argv);

  g_test_add_func ("/app/screenshots/main", test_screenshots_main);
  g_test_add_func ("/app/screenshots/narrow", test_screenshots_narrow);
  g_test_add_func ("/app/screenshots/dialogs", test_screenshots_dialogs);
  g_test_add_func ("/app/screenshots/status", test_screenshots_status);
  g_test_add_func ("/app/screenshots/checks", test_screenshots_checks);
  g_test_add_func ("/app/screenshots/filters", test_screenshots_filters);

  return app_test_run_tests ();
}
