/* test-editor-state.c — a saved dynamic code in the editor, on the real
 * database: switching Dynamic off asks first, and Enabled and the expiry
 * date go to the row (and its audit trail) through the store
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "app-test-utils.h"
#include "qrs-application.h"
#include "qrs-editor-private.h"
#include "qrs-window-private.h"

static QrsApplication *
app (void)
{
  return QRS_APPLICATION (app_test_get_application ());
}

static QrsCodeStore *
code_store (void)
{
  return qrs_connection_get_code_store (qrs_application_get_connection (app ()));
}

static gboolean
short_id_assigned (gpointer data)
{
  return qrs_document_get_short_id (data) != NULL;
}

/* A new window with a dynamic code saved in it. */
static QrsWindow *
new_window_with_saved_dynamic (const char *title)
{
  QrsWindow *window;
  QrsDocument *document;

  app_test_assert_connected ();
  window = app_test_new_window (1200, 800);
  document = qrs_window_get_document (window);
  gtk_switch_set_active (app_test_editor_child (window, "dynamic_switch"), TRUE);
  gtk_editable_set_text (GTK_EDITABLE (qrs_editor_get_field_row (window->editor, "url", 0)),
                         "https://example.edu/enrol");
  gtk_editable_set_text (GTK_EDITABLE (app_test_editor_child (window, "title_row")), title);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.save", NULL));
  app_test_wait_until (short_id_assigned, document, 30000);

  return window;
}

static void
test_editor_state_make_static_asks (void)
{
  QrsWindow *window = new_window_with_saved_dynamic ("Printed poster");
  QrsDocument *document = qrs_window_get_document (window);
  GtkSwitch *dynamic = app_test_editor_child (window, "dynamic_switch");
  AdwMessageDialog *dialog;

  /* Off: nothing changes until the question is answered. */
  gtk_switch_set_active (dynamic, FALSE);
  app_test_wait_until (app_test_dialog_shown, NULL, 5000);
  dialog = app_test_find_dialog ();
  g_assert_cmpstr (adw_message_dialog_get_heading (dialog), ==, "Make This Code Static?");
  g_assert_nonnull (strstr (adw_message_dialog_get_body (dialog), "stop working"));
  g_assert_cmpint (adw_message_dialog_get_response_appearance (dialog, "static"), ==, ADW_RESPONSE_DESTRUCTIVE);
  g_assert_cmpstr (adw_message_dialog_get_close_response (dialog), ==, "cancel");
  g_assert_true (gtk_switch_get_active (dynamic));
  g_assert_cmpint (qrs_document_get_kind (document), ==, QRS_CODE_KIND_DYNAMIC);

  app_test_respond (dialog, "cancel");
  app_test_iterate (10);
  g_assert_true (gtk_switch_get_active (dynamic));
  g_assert_cmpint (qrs_document_get_kind (document), ==, QRS_CODE_KIND_DYNAMIC);
  g_assert_nonnull (qrs_document_get_short_id (document));

  /* Asked again, and this time made static. */
  gtk_switch_set_active (dynamic, FALSE);
  app_test_wait_until (app_test_dialog_shown, NULL, 5000);
  app_test_respond (app_test_find_dialog (), "static");
  app_test_iterate (10);
  g_assert_false (gtk_switch_get_active (dynamic));
  g_assert_cmpint (qrs_document_get_kind (document), ==, QRS_CODE_KIND_STATIC);

  app_test_close_window (window);
}

static gboolean
state_settled (gpointer data)
{
  return qrs_editor_get_state_pending (data) == 0;
}

static gboolean
has_event (GPtrArray *events,
           int        new_enabled,
           gboolean   expiry_set)
{
  for (guint i = 0; i < events->len; i++)
    {
      QrsCodeEvent *event = g_ptr_array_index (events, i);

      if (new_enabled >= 0 && event->old_enabled != event->new_enabled && event->new_enabled == new_enabled)
        return TRUE;
      if (new_enabled < 0 && expiry_set && event->old_expires_at == NULL && event->new_expires_at != NULL)
        return TRUE;
    }

  return FALSE;
}

static gboolean
title_saved (gpointer data)
{
  g_autoptr(QrsCode) code = qrs_code_store_get (code_store (), *(gint64 *)data, NULL, NULL);

  /* A conflict would ask instead of saving. */
  g_assert_true (app_test_no_dialog (NULL));

  return code != NULL && g_strcmp0 (qrs_code_get_title (code), "Open day, later") == 0;
}

static void
test_editor_state_enabled_and_expiry (void)
{
  QrsWindow *window = new_window_with_saved_dynamic ("Open day");
  QrsDocument *document = qrs_window_get_document (window);
  AdwActionRow *expiry_row = app_test_editor_child (window, "expiry_row");
  GtkSwitch *enabled = app_test_editor_child (window, "enabled_switch");
  gint64 id = qrs_document_get_id (document);
  g_autoptr(QrsCode) row = NULL;
  g_autoptr(QrsCode) cleared = NULL;
  g_autoptr(QrsCode) saved = NULL;
  g_autoptr(GPtrArray) events = NULL;
  g_autoptr(GDateTime) day = g_date_time_new_local (2027, 3, 14, 12, 0, 0);
  g_autoptr(GDateTime) expected = g_date_time_new_local (2027, 3, 15, 0, 0, 0);
  g_autoptr(GError) error = NULL;

  g_assert_true (gtk_widget_get_visible (app_test_editor_child (window, "enabled_row")));
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (expiry_row)));
  g_assert_true (gtk_switch_get_active (enabled));
  g_assert_cmpstr (adw_action_row_get_subtitle (expiry_row), ==, "Never");

  /* Off: the row in the database says so, and the audit trail too. */
  gtk_switch_set_active (enabled, FALSE);
  app_test_wait_until (state_settled, window->editor, 30000);
  row = qrs_code_store_get (code_store (), id, NULL, &error);
  g_assert_no_error (error);
  g_assert_false (qrs_code_get_enabled (row));
  g_clear_object (&row);

  /* The chosen day is the last that works. */
  gtk_calendar_select_day (app_test_editor_child (window, "expiry_calendar"), day);
  g_signal_emit_by_name (app_test_editor_child (window, "expiry_set_button"), "clicked");
  app_test_wait_until (state_settled, window->editor, 30000);
  row = qrs_code_store_get (code_store (), id, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (qrs_code_get_expires_at (row));
  g_assert_true (g_date_time_equal (qrs_code_get_expires_at (row), expected));
  g_assert_false (qrs_code_get_enabled (row));
  g_assert_true (g_str_has_prefix (adw_action_row_get_subtitle (expiry_row), "Works until the end of "));

  events = qrs_code_store_list_events (code_store (), id, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (has_event (events, 0, FALSE));
  g_assert_true (has_event (events, -1, TRUE));

  /* Never again. */
  g_signal_emit_by_name (app_test_editor_child (window, "expiry_clear_button"), "clicked");
  app_test_wait_until (state_settled, window->editor, 30000);
  cleared = qrs_code_store_get (code_store (), id, NULL, &error);
  g_assert_no_error (error);
  g_assert_null (qrs_code_get_expires_at (cleared));
  g_assert_cmpstr (adw_action_row_get_subtitle (expiry_row), ==, "Never");

  /* The document follows the row's version: saving now is no conflict,
   * and keeps the code off. */
  gtk_editable_set_text (GTK_EDITABLE (app_test_editor_child (window, "title_row")), "Open day, later");
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.save", NULL));
  app_test_wait_until (title_saved, &id, 30000);
  g_assert_true (app_test_no_dialog (NULL));
  saved = qrs_code_store_get (code_store (), id, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (qrs_code_get_title (saved), ==, "Open day, later");
  g_assert_false (qrs_code_get_enabled (saved));

  /* And on again. */
  gtk_switch_set_active (enabled, TRUE);
  app_test_wait_until (state_settled, window->editor, 30000);
  g_clear_object (&row);
  row = qrs_code_store_get (code_store (), id, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (qrs_code_get_enabled (row));

  app_test_close_window (window);
}

/* A static code, or a dynamic one not saved yet, has no state rows. */
static void
test_editor_state_hidden_until_saved (void)
{
  QrsWindow *window = app_test_new_window (1200, 800);

  g_assert_false (gtk_widget_get_visible (app_test_editor_child (window, "enabled_row")));
  gtk_switch_set_active (app_test_editor_child (window, "dynamic_switch"), TRUE);
  g_assert_false (gtk_widget_get_visible (app_test_editor_child (window, "enabled_row")));
  g_assert_false (gtk_widget_get_visible (app_test_editor_child (window, "expiry_row")));

  app_test_close_window (window);
}

int
main (int   argc,
      char *argv[])
{
  app_test_init_with_database (&argc, &argv);

  g_test_add_func ("/app/editor-state/make-static-asks", test_editor_state_make_static_asks);
  g_test_add_func ("/app/editor-state/enabled-and-expiry", test_editor_state_enabled_and_expiry);
  g_test_add_func ("/app/editor-state/hidden-until-saved", test_editor_state_hidden_until_saved);

  return app_test_run_tests ();
}
