/* test-editor-state.c — a saved dynamic code in the editor, on the real
 * database: switching Dynamic off asks first
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

static gboolean
connection_settled (gpointer data)
{
  QrsConnectionState state = qrs_application_get_connection_state (app ());

  return state == QRS_CONNECTION_STATE_OPEN || state == QRS_CONNECTION_STATE_FAILED;
}

static void
assert_connected (void)
{
  app_test_wait_until (connection_settled, NULL, 60000);
  if (qrs_application_get_connection_state (app ()) == QRS_CONNECTION_STATE_FAILED)
    g_error ("The test database could not be opened: %s",
             qrs_application_get_connection_error (app ())->message);
}

static gpointer
template_child (QrsWindow  *window,
                const char *name)
{
  GObject *child = gtk_widget_get_template_child (GTK_WIDGET (window->editor), QRS_TYPE_EDITOR, name);

  g_assert_nonnull (child);

  return child;
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

  assert_connected ();
  window = app_test_new_window (1200, 800);
  document = qrs_window_get_document (window);
  gtk_switch_set_active (template_child (window, "dynamic_switch"), TRUE);
  gtk_editable_set_text (GTK_EDITABLE (qrs_editor_get_field_row (window->editor, "url", 0)),
                         "https://example.edu/enrol");
  gtk_editable_set_text (GTK_EDITABLE (template_child (window, "title_row")), title);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.save", NULL));
  app_test_wait_until (short_id_assigned, document, 30000);

  return window;
}

static AdwMessageDialog *
find_dialog (void)
{
  GListModel *toplevels = gtk_window_get_toplevels ();

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GObject) top = g_list_model_get_item (toplevels, i);

      if (ADW_IS_MESSAGE_DIALOG (top) && gtk_widget_get_visible (GTK_WIDGET (top)))
        return ADW_MESSAGE_DIALOG (top);
    }

  return NULL;
}

static gboolean
dialog_shown (gpointer data)
{
  return find_dialog () != NULL;
}

/* As a click on a response button does: respond, then close. */
static void
respond (AdwMessageDialog *dialog,
         const char       *response)
{
  adw_message_dialog_response (dialog, response);
  gtk_window_destroy (GTK_WINDOW (dialog));
}

static void
test_editor_state_make_static_asks (void)
{
  QrsWindow *window = new_window_with_saved_dynamic ("Printed poster");
  QrsDocument *document = qrs_window_get_document (window);
  GtkSwitch *dynamic = template_child (window, "dynamic_switch");
  AdwMessageDialog *dialog;

  /* Off: nothing changes until the question is answered. */
  gtk_switch_set_active (dynamic, FALSE);
  app_test_wait_until (dialog_shown, NULL, 5000);
  dialog = find_dialog ();
  g_assert_cmpstr (adw_message_dialog_get_heading (dialog), ==, "Make This Code Static?");
  g_assert_nonnull (strstr (adw_message_dialog_get_body (dialog), "stop working"));
  g_assert_cmpint (adw_message_dialog_get_response_appearance (dialog, "static"), ==, ADW_RESPONSE_DESTRUCTIVE);
  g_assert_cmpstr (adw_message_dialog_get_close_response (dialog), ==, "cancel");
  g_assert_true (gtk_switch_get_active (dynamic));
  g_assert_cmpint (qrs_document_get_kind (document), ==, QRS_CODE_KIND_DYNAMIC);

  respond (dialog, "cancel");
  app_test_iterate (10);
  g_assert_true (gtk_switch_get_active (dynamic));
  g_assert_cmpint (qrs_document_get_kind (document), ==, QRS_CODE_KIND_DYNAMIC);
  g_assert_nonnull (qrs_document_get_short_id (document));

  /* Asked again, and this time made static. */
  gtk_switch_set_active (dynamic, FALSE);
  app_test_wait_until (dialog_shown, NULL, 5000);
  respond (find_dialog (), "static");
  app_test_iterate (10);
  g_assert_false (gtk_switch_get_active (dynamic));
  g_assert_cmpint (qrs_document_get_kind (document), ==, QRS_CODE_KIND_STATIC);

  app_test_close_window (window);
}

int
main (int   argc,
      char *argv[])
{
  app_test_init_with_database (&argc, &argv);

  g_test_add_func ("/app/editor-state/make-static-asks", test_editor_state_make_static_asks);

  return g_test_run ();
}
