/* test-editor-kind.c — making a code dynamic keeps what it held for Undo,
 * a dynamic code's fields are its Destination, the inverted-colours switch
 * the lint advice names, and event times typed as people write them
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "app-test-utils.h"
#include "qrs-editor-private.h"
#include "qrs-lint.h"
#include "qrs-window-private.h"

static void
type_into (QrsWindow  *window,
           const char *field,
           const char *text)
{
  GtkWidget *row = qrs_editor_get_field_row (window->editor, field, 0);

  g_assert_nonnull (row);
  gtk_editable_set_text (GTK_EDITABLE (row), text);
}

static const char *
fields_title (QrsWindow *window)
{
  return adw_preferences_group_get_title (app_test_editor_child (window, "fields_group"));
}

/* The heading says Destination however the code became dynamic: by the
 * switch (the payload stays a URL, so only the kind changes) or loaded. */
static void
test_editor_kind_destination_heading (void)
{
  QrsWindow *window = app_test_new_window (1200, 800);
  g_autoptr(QrsDocument) loaded = qrs_document_new ();

  app_test_select_type (window, QRS_PAYLOAD_TYPE_URL);
  g_assert_cmpstr (fields_title (window), ==, "Web Address");

  gtk_switch_set_active (app_test_editor_child (window, "dynamic_switch"), TRUE);
  g_assert_cmpint (qrs_document_get_kind (window->document), ==, QRS_CODE_KIND_DYNAMIC);
  g_assert_cmpstr (fields_title (window), ==, "Destination");

  /* Unsaved, it goes back without a question. */
  gtk_switch_set_active (app_test_editor_child (window, "dynamic_switch"), FALSE);
  g_assert_cmpint (qrs_document_get_kind (window->document), ==, QRS_CODE_KIND_STATIC);
  g_assert_cmpstr (fields_title (window), ==, "Web Address");

  qrs_document_set_kind (loaded, QRS_CODE_KIND_DYNAMIC);
  qrs_window_set_document (window, loaded);
  g_assert_cmpstr (fields_title (window), ==, "Destination");

  app_test_close_window (window);
}

/* A Wi-Fi code made dynamic becomes a web address; Undo on the toast
 * brings back the network it held. */
static void
test_editor_kind_set_aside_undo (void)
{
  QrsWindow *window = app_test_new_window (1200, 800);
  QrsPayload *payload;
  AdwToast *toast;

  app_test_select_type (window, QRS_PAYLOAD_TYPE_WIFI);
  type_into (window, "ssid", "Library Guests");
  type_into (window, "password", "read-more-books");

  gtk_switch_set_active (app_test_editor_child (window, "dynamic_switch"), TRUE);
  payload = qrs_document_get_payload (window->document);
  g_assert_cmpint (qrs_payload_get_payload_type (payload), ==, QRS_PAYLOAD_TYPE_URL);

  toast = window->last_toast;
  g_assert_nonnull (toast);
  g_assert_nonnull (strstr (adw_toast_get_title (toast), "Wi-Fi Network"));
  g_assert_cmpstr (adw_toast_get_button_label (toast), ==, "_Undo");

  g_signal_emit_by_name (toast, "button-clicked");
  g_assert_cmpint (qrs_document_get_kind (window->document), ==, QRS_CODE_KIND_STATIC);
  payload = qrs_document_get_payload (window->document);
  g_assert_cmpint (qrs_payload_get_payload_type (payload), ==, QRS_PAYLOAD_TYPE_WIFI);
  g_assert_cmpstr (qrs_payload_get (payload, "ssid"), ==, "Library Guests");
  g_assert_cmpstr (qrs_payload_get (payload, "password"), ==, "read-more-books");
  g_assert_false (gtk_switch_get_active (app_test_editor_child (window, "dynamic_switch")));
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (qrs_editor_get_field_row (window->editor, "ssid", 0))),
                   ==, "Library Guests");
  g_assert_true (g_str_has_prefix (qrs_document_get_text (window->document), "WIFI:"));

  /* A web address made dynamic loses nothing, so there is nothing to undo. */
  app_test_select_type (window, QRS_PAYLOAD_TYPE_URL);
  type_into (window, "url", "https://example.edu/open-day");
  app_test_iterate (10);
  toast = window->last_toast;
  gtk_switch_set_active (app_test_editor_child (window, "dynamic_switch"), TRUE);
  g_assert_true (window->last_toast == toast || window->last_toast == NULL);
  g_assert_cmpstr (qrs_payload_get (qrs_document_get_payload (window->document), "url"), ==,
                   "https://example.edu/open-day");

  app_test_close_window (window);
}

/* The switch the lint's advice names exists, says what the advice says,
 * and turns the error into a warning. */
static void
test_editor_kind_allow_inverted (void)
{
  QrsWindow *window = app_test_new_window (1200, 800);
  QrsDesign *design = qrs_document_get_design (window->document);
  AdwPreferencesRow *row = app_test_editor_child (window, "inverted_row");
  GtkSwitch *inverted = app_test_editor_child (window, "inverted_switch");
  QrsColor white = { 255, 255, 255, 255 };
  QrsColor navy = { 0, 0, 0x50, 255 };
  g_autoptr(QrsSymbol) symbol = NULL;
  g_autoptr(GPtrArray) findings = NULL;
  g_autofree char *label = NULL;
  g_autofree char *quoted = NULL;
  g_auto(GStrv) parts = NULL;

  qrs_design_set_foreground (design, &white);
  qrs_design_set_background (design, &navy);
  symbol = qrs_design_encode (design, "https://example.edu", NULL);
  findings = qrs_lint_check (design, symbol, 0);
  g_assert_cmpuint (findings->len, >, 0);

  /* The row as shown, without its mnemonic's underscore. */
  parts = g_strsplit (adw_preferences_row_get_title (row), "_", -1);
  label = g_strjoinv ("", parts);
  quoted = g_strdup_printf ("“%s”", label);
  for (guint i = 0; i < findings->len; i++)
    {
      const QrsLintFinding *finding = g_ptr_array_index (findings, i);

      if (finding->check == QRS_LINT_CHECK_INVERTED)
        {
          g_assert_cmpint (finding->severity, ==, QRS_LINT_SEVERITY_ERROR);
          if (strstr (finding->message, quoted) == NULL)
            g_error ("“%s” does not name the switch %s", finding->message, quoted);
        }
    }

  g_assert_false (gtk_switch_get_active (inverted));
  gtk_switch_set_active (inverted, TRUE);
  g_assert_true (qrs_design_get_allow_inverted (design));

  /* And back from the model. */
  qrs_design_set_allow_inverted (design, FALSE);
  g_assert_false (gtk_switch_get_active (inverted));

  app_test_close_window (window);
}

/* “2026-05-02 10:00” as people write it is a time on this computer's
 * clock (TZ=Europe/Madrid in main(): UTC+2 in May). */
static void
test_editor_kind_event_local_time (void)
{
  QrsWindow *window = app_test_new_window (1200, 800);
  const char *text;

  app_test_select_type (window, QRS_PAYLOAD_TYPE_EVENT);
  type_into (window, "summary", "Open day");
  type_into (window, "start", "2026-05-02 10:00");
  type_into (window, "end", "2026-05-02 14:30");

  g_assert_null (qrs_editor_get_field_error (window->editor, "start"));
  g_assert_null (qrs_editor_get_field_error (window->editor, "end"));
  text = qrs_document_get_text (window->document);
  g_assert_nonnull (text);
  g_assert_nonnull (strstr (text, "DTSTART:20260502T080000Z"));
  g_assert_nonnull (strstr (text, "DTEND:20260502T123000Z"));

  app_test_close_window (window);
}

/* The date picker beside Start and End changes the day and keeps the
 * time typed after it. */
static void
test_editor_kind_event_date_picker (void)
{
  QrsWindow *window = app_test_new_window (1200, 800);
  g_autoptr(GDateTime) june = g_date_time_new_local (2026, 6, 10, 12, 0, 0);
  GtkCalendar *calendar;
  GtkWidget *apply = NULL;
  GtkWidget *start;

  app_test_select_type (window, QRS_PAYLOAD_TYPE_EVENT);
  g_assert_null (qrs_editor_get_field_calendar (window->editor, "summary", NULL));
  type_into (window, "summary", "Open day");
  type_into (window, "start", "2026-05-02 10:00");

  calendar = qrs_editor_get_field_calendar (window->editor, "start", &apply);
  g_assert_nonnull (calendar);
  gtk_calendar_select_day (calendar, june);
  g_signal_emit_by_name (apply, "clicked");
  start = qrs_editor_get_field_row (window->editor, "start", 0);
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (start)), ==, "2026-06-10 10:00");
  g_assert_nonnull (strstr (qrs_document_get_text (window->document), "DTSTART:20260610T080000Z"));

  /* An empty End gets the day alone. */
  calendar = qrs_editor_get_field_calendar (window->editor, "end", &apply);
  gtk_calendar_select_day (calendar, june);
  g_signal_emit_by_name (apply, "clicked");
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (qrs_editor_get_field_row (window->editor, "end", 0))),
                   ==, "2026-06-10");

  app_test_close_window (window);
}

int
main (int   argc,
      char *argv[])
{
  g_setenv ("TZ", "Europe/Madrid", TRUE);
  app_test_init (&argc, &argv);

  g_test_add_func ("/app/editor-kind/destination-heading", test_editor_kind_destination_heading);
  g_test_add_func ("/app/editor-kind/set-aside-undo", test_editor_kind_set_aside_undo);
  g_test_add_func ("/app/editor-kind/allow-inverted", test_editor_kind_allow_inverted);
  g_test_add_func ("/app/editor-kind/event-local-time", test_editor_kind_event_local_time);
  g_test_add_func ("/app/editor-kind/event-date-picker", test_editor_kind_event_date_picker);

  return app_test_run_tests ();
}
