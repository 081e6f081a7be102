/* test-editor.c — the editor's real widgets drive the document and the
 * preview, and what the preview shows scans
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "app-test-utils.h"
#include "qrs-editor-private.h"
#include "qrs-preview-private.h"
#include "qrs-window-private.h"

static void
type_into (QrsWindow  *window,
           const char *field,
           guint       index,
           const char *text)
{
  GtkWidget *row = qrs_editor_get_field_row (window->editor, field, index);

  g_assert_nonnull (row);
  gtk_widget_grab_focus (row);
  gtk_editable_set_text (GTK_EDITABLE (row), text);
}

static void
assert_preview_scans_as (QrsWindow  *window,
                         const char *expected)
{
  g_autofree char *png = NULL;
  g_autofree char *decoded = NULL;

  app_test_wait_for_draw (GTK_WIDGET (window->preview));
  png = app_test_save_snapshot (GTK_WIDGET (window->preview), "preview.png");
  decoded = app_test_decode (png);
  g_assert_cmpstr (decoded, ==, expected);
}

static void
test_editor_url (void)
{
  QrsWindow *window = app_test_new_window (1200, 800);
  const char *url = "https://example.edu/open-day?from=poster&lang=es";
  QrsPreviewStats before, after;

  app_test_select_type (window, QRS_PAYLOAD_TYPE_URL);
  qrs_preview_get_stats (window->preview, &before);
  type_into (window, "url", 0, url);

  g_assert_cmpstr (qrs_document_get_text (window->document), ==, url);
  g_assert_null (qrs_editor_get_field_error (window->editor, "url"));
  assert_preview_scans_as (window, url);

  /* One keystroke, one encode. */
  qrs_preview_get_stats (window->preview, &after);
  g_assert_cmpuint (after.n_encodes, ==, before.n_encodes + 1);
  g_assert_cmpuint (after.n_draws, >, before.n_draws);

  app_test_close_window (window);
}

static void
test_editor_invalid_field (void)
{
  QrsWindow *window = app_test_new_window (1200, 800);
  GtkWidget *row;
  const char *error;

  app_test_select_type (window, QRS_PAYLOAD_TYPE_PHONE);
  row = qrs_editor_get_field_row (window->editor, "number", 0);

  /* Untouched, a required field does not complain yet. */
  g_assert_null (qrs_editor_get_field_error (window->editor, "number"));
  g_assert_false (gtk_widget_has_css_class (row, "error"));

  type_into (window, "number", 0, "call me maybe");
  error = qrs_editor_get_field_error (window->editor, "number");
  g_assert_nonnull (error);
  /* It names the field as its row is labelled. */
  g_assert_nonnull (strstr (error, "The “Phone number” field"));
  g_assert_true (gtk_widget_has_css_class (row, "error"));
  g_assert_null (qrs_document_get_text (window->document));
  g_assert_null (qrs_preview_get_symbol (window->preview));

  /* Emptied after typing, it says it is needed. */
  type_into (window, "number", 0, "");
  g_assert_nonnull (qrs_editor_get_field_error (window->editor, "number"));

  type_into (window, "number", 0, "+34 600 000 000");
  g_assert_null (qrs_editor_get_field_error (window->editor, "number"));
  g_assert_false (gtk_widget_has_css_class (row, "error"));
  g_assert_true (g_str_has_prefix (qrs_document_get_text (window->document), "tel:+34"));
  assert_preview_scans_as (window, qrs_document_get_text (window->document));

  app_test_close_window (window);
}

static void
test_editor_multiple_values (void)
{
  QrsWindow *window = app_test_new_window (1200, 800);
  GtkWidget *add;
  const char *text;

  app_test_select_type (window, QRS_PAYLOAD_TYPE_VCARD);
  type_into (window, "name", 0, "Ada Lovelace");
  type_into (window, "phone", 0, "+44 20 7946 0000");

  add = qrs_editor_get_field_add_button (window->editor, "phone");
  g_assert_nonnull (add);
  g_assert_null (qrs_editor_get_field_row (window->editor, "phone", 1));
  g_signal_emit_by_name (add, "clicked");
  g_assert_nonnull (qrs_editor_get_field_row (window->editor, "phone", 1));
  type_into (window, "phone", 1, "+44 20 7946 0001");

  text = qrs_document_get_text (window->document);
  g_assert_nonnull (text);
  g_assert_nonnull (strstr (text, "FN:Ada Lovelace"));
  g_assert_nonnull (strstr (text, "7946 0000"));
  g_assert_nonnull (strstr (text, "7946 0001"));
  assert_preview_scans_as (window, qrs_document_get_text (window->document));

  app_test_close_window (window);
}

static void
test_editor_wifi (void)
{
  QrsWindow *window = app_test_new_window (1200, 800);
  GtkWidget *hidden;

  app_test_select_type (window, QRS_PAYLOAD_TYPE_WIFI);
  type_into (window, "ssid", 0, "Café; \"Guests\"");
  type_into (window, "password", 0, "s3cret:,");
  hidden = qrs_editor_get_field_row (window->editor, "hidden", 0);
  g_assert_true (ADW_IS_ACTION_ROW (hidden));
  adw_combo_row_set_selected (ADW_COMBO_ROW (qrs_editor_get_field_row (window->editor, "auth", 0)), 1);

  g_assert_true (g_str_has_prefix (qrs_document_get_text (window->document), "WIFI:"));
  g_assert_nonnull (strstr (qrs_document_get_text (window->document), "T:WPA;"));
  g_assert_nonnull (strstr (qrs_document_get_text (window->document), "S:Café"));
  assert_preview_scans_as (window, qrs_document_get_text (window->document));

  app_test_close_window (window);
}

static void
test_editor_design_redraws_without_encoding (void)
{
  QrsWindow *window = app_test_new_window (1200, 800);
  QrsDesign *design = qrs_document_get_design (window->document);
  GdkRGBA navy = { 0.1f, 0.15f, 0.4f, 1 };
  QrsPreviewStats before, after;
  GtkLabel *contrast;

  qrs_preview_get_stats (window->preview, &before);
  gtk_color_chooser_set_rgba (app_test_editor_child (window, "foreground_button"), &navy);
  g_assert_cmpuint (qrs_design_get_foreground (design)->blue, ==, 102);
  app_test_wait_for_draw (GTK_WIDGET (window->preview));
  qrs_preview_get_stats (window->preview, &after);
  g_assert_cmpuint (after.n_encodes, ==, before.n_encodes);

  contrast = app_test_editor_child (window, "contrast_label");
  g_assert_true (gtk_widget_has_css_class (GTK_WIDGET (contrast), "success"));

  /* The error-correction level changes the symbol itself. */
  adw_combo_row_set_selected (app_test_editor_child (window, "ec_row"), QRS_EC_LEVEL_H);
  g_assert_cmpint (qrs_design_get_ec_level (design), ==, QRS_EC_LEVEL_H);
  qrs_preview_get_stats (window->preview, &after);
  g_assert_cmpuint (after.n_encodes, ==, before.n_encodes + 1);
  g_assert_cmpint (qrs_symbol_get_ec_level (qrs_preview_get_symbol (window->preview)), ==, QRS_EC_LEVEL_H);

  /* A pale foreground is flagged at the colour and in the findings. */
  gtk_color_chooser_set_rgba (app_test_editor_child (window, "foreground_button"),
                              &(GdkRGBA) { 0.85f, 0.85f, 0.85f, 1 });
  g_assert_true (gtk_widget_has_css_class (GTK_WIDGET (contrast), "error"));
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (window->lint_list)));
  g_assert_nonnull (gtk_widget_get_first_child (GTK_WIDGET (window->lint_list)));

  app_test_close_window (window);
}

static void
test_editor_dynamic (void)
{
  QrsWindow *window = app_test_new_window (1200, 800);
  GtkWidget *short_url_row = app_test_editor_child (window, "short_url_row");
  g_autofree char *short_url = NULL;

  app_test_select_type (window, QRS_PAYLOAD_TYPE_TEXT);
  g_assert_false (gtk_widget_get_visible (short_url_row));

  gtk_switch_set_active (app_test_editor_child (window, "dynamic_switch"), TRUE);
  g_assert_cmpint (qrs_document_get_kind (window->document), ==, QRS_CODE_KIND_DYNAMIC);
  g_assert_true (gtk_widget_get_visible (short_url_row));
  g_assert_false (gtk_widget_get_sensitive (app_test_editor_child (window, "micro_row")));
  g_assert_cmpint (qrs_payload_get_payload_type (qrs_document_get_payload (window->document)), ==,
                   QRS_PAYLOAD_TYPE_URL);

  /* The destination is checked; the symbol says the short link. */
  type_into (window, "url", 0, "https://example.edu/enrol");
  short_url = qrs_document_dup_short_url (window->document);
  g_assert_true (g_str_has_prefix (short_url, "http://localhost:8080/r/"));
  g_assert_cmpstr (qrs_document_get_text (window->document), ==, short_url);
  g_assert_cmpstr (adw_action_row_get_subtitle (ADW_ACTION_ROW (short_url_row)), ==, short_url);
  assert_preview_scans_as (window, short_url);

  app_test_close_window (window);
}

static void
test_editor_micro_qr (void)
{
  QrsWindow *window = app_test_new_window (1200, 800);
  QrsSymbol *symbol;

  app_test_select_type (window, QRS_PAYLOAD_TYPE_TEXT);
  type_into (window, "text", 0, "HELLO");
  gtk_switch_set_active (app_test_editor_child (window, "micro_switch"), TRUE);

  symbol = qrs_preview_get_symbol (window->preview);
  g_assert_nonnull (symbol);
  g_assert_cmpint (qrs_symbol_get_symbol_type (symbol), ==, QRS_SYMBOL_TYPE_MICRO_QR);
  g_assert_true (strstr (gtk_label_get_label (window->preview_info), "Micro QR") != NULL);

  /* Too much for Micro QR is said beside the preview. */
  type_into (window, "text", 0, "https://example.edu/this-is-far-too-long-for-micro-qr");
  g_assert_null (qrs_preview_get_symbol (window->preview));
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (window->preview_error)));

  app_test_close_window (window);
}

static void
test_editor_details (void)
{
  QrsWindow *window = app_test_new_window (1200, 800);
  QrsDesign *design = qrs_document_get_design (window->document);
  const char * const *tags;

  gtk_editable_set_text (app_test_editor_child (window, "title_row"), "Open day");
  gtk_editable_set_text (app_test_editor_child (window, "description_row"), "Posters in the hall");
  gtk_editable_set_text (app_test_editor_child (window, "tags_row"), "events, posters , ,events");
  gtk_editable_set_text (app_test_editor_child (window, "caption_row"), "Scan me");

  g_assert_cmpstr (qrs_design_get_title (design), ==, "Open day");
  g_assert_cmpstr (qrs_design_get_description (design), ==, "Posters in the hall");
  g_assert_cmpstr (qrs_design_get_caption (design), ==, "Scan me");
  g_assert_cmpstr (adw_window_title_get_title (window->window_title), ==, "Open day");
  tags = qrs_document_get_tags (window->document);
  g_assert_cmpuint (g_strv_length ((char **)tags), ==, 2);
  g_assert_cmpstr (tags[0], ==, "events");
  g_assert_cmpstr (tags[1], ==, "posters");

  /* Switching units keeps the physical size. */
  qrs_design_set_dpi (design, 254);
  qrs_design_set_size (design, 1000);
  gtk_drop_down_set_selected (app_test_editor_child (window, "unit_dropdown"), QRS_SIZE_UNIT_MM);
  g_assert_cmpint (qrs_design_get_size_unit (design), ==, QRS_SIZE_UNIT_MM);
  g_assert_cmpfloat_with_epsilon (qrs_design_get_size (design), 100.0, 0.01);

  app_test_close_window (window);
}

static void
test_editor_accessible (void)
{
  QrsWindow *window = app_test_new_window (1200, 800);
  g_autofree char *summary = NULL;

  type_into (window, "url", 0, "https://example.edu/a11y");
  summary = qrs_preview_dup_summary (window->preview);
  g_assert_nonnull (strstr (summary, "https://example.edu/a11y"));
  g_assert_nonnull (strstr (summary, "QR code version"));
  gtk_test_accessible_assert_role (window->preview, GTK_ACCESSIBLE_ROLE_IMG);
  gtk_test_accessible_assert_property (window->preview, GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, summary);

  app_test_close_window (window);
}

int
main (int   argc,
      char *argv[])
{
  app_test_init (&argc, &argv);

  g_test_add_func ("/app/editor/url", test_editor_url);
  g_test_add_func ("/app/editor/invalid-field", test_editor_invalid_field);
  g_test_add_func ("/app/editor/multiple-values", test_editor_multiple_values);
  g_test_add_func ("/app/editor/wifi", test_editor_wifi);
  g_test_add_func ("/app/editor/design-redraws-without-encoding",
                   test_editor_design_redraws_without_encoding);
  g_test_add_func ("/app/editor/dynamic", test_editor_dynamic);
  g_test_add_func ("/app/editor/micro-qr", test_editor_micro_qr);
  g_test_add_func ("/app/editor/details", test_editor_details);
  g_test_add_func ("/app/editor/accessible", test_editor_accessible);

  return app_test_run_tests ();
}
