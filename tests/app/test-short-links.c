/* test-short-links.c — a dynamic code's short link in the window: an
 * unsaved one (provisional) does not leave the app, and a new short link
 * address in Preferences reaches the codes already open
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "app-test-utils.h"
#include "qrs-editor-private.h"
#include "qrs-export-dialog.h"
#include "qrs-window-private.h"

#define SAVE_FIRST "Save the code first: its short link is assigned when saved"

static void
make_dynamic (QrsWindow *window)
{
  gtk_switch_set_active (GTK_SWITCH (gtk_widget_get_template_child (GTK_WIDGET (window->editor),
                                                                    QRS_TYPE_EDITOR, "dynamic_switch")),
                         TRUE);
  gtk_editable_set_text (GTK_EDITABLE (qrs_editor_get_field_row (window->editor, "url", 0)),
                         "https://example.edu/open-day");
  app_test_iterate (50);
}

static GtkWindow *
find_export_dialog (void)
{
  GListModel *toplevels = gtk_window_get_toplevels ();

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GObject) top = g_list_model_get_item (toplevels, i);

      if (QRS_IS_EXPORT_DIALOG (top) && gtk_widget_get_visible (GTK_WIDGET (top)))
        return GTK_WINDOW (top);
    }

  return NULL;
}

static const char *
toast_title (QrsWindow *window)
{
  return window->last_toast != NULL ? adw_toast_get_title (window->last_toast) : NULL;
}

static GdkContentProvider *
prepare_drag (QrsWindow *window)
{
  g_autoptr(GListModel) controllers = gtk_widget_observe_controllers (GTK_WIDGET (window->preview));
  GdkContentProvider *provider = NULL;

  for (guint i = 0; i < g_list_model_get_n_items (controllers); i++)
    {
      g_autoptr(GObject) controller = g_list_model_get_item (controllers, i);

      if (GTK_IS_DRAG_SOURCE (controller))
        {
          g_signal_emit_by_name (controller, "prepare", 10.0, 10.0, &provider);
          return provider;
        }
    }

  g_assert_not_reached ();
}

static void
test_short_links_unsaved_stays (void)
{
  QrsWindow *window = app_test_new_window (1200, 800);
  QrsDocument *document = qrs_window_get_document (window);
  GdkContentProvider *provider;
  GtkWindow *dialog;

  make_dynamic (window);
  g_assert_null (qrs_document_get_short_id (document));
  g_assert_nonnull (qrs_preview_get_symbol (window->preview));

  /* Export, Print, Copy Image and a drag say why, and offer Save. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.export", NULL));
  app_test_iterate (50);
  g_assert_null (find_export_dialog ());
  g_assert_cmpstr (toast_title (window), ==, SAVE_FIRST);
  g_assert_cmpstr (adw_toast_get_action_name (window->last_toast), ==, "win.save");

  qrs_window_show_toast (window, "something else");
  gtk_widget_activate_action (GTK_WIDGET (window), "win.print", NULL);
  g_assert_cmpstr (toast_title (window), ==, SAVE_FIRST);

  qrs_window_show_toast (window, "something else");
  gtk_widget_activate_action (GTK_WIDGET (window), "win.copy-image", NULL);
  g_assert_cmpstr (toast_title (window), ==, SAVE_FIRST);

  qrs_window_show_toast (window, "something else");
  g_assert_null (prepare_drag (window));
  g_assert_cmpstr (toast_title (window), ==, SAVE_FIRST);

  /* With the short link the database gave it, all of them work. */
  qrs_document_set_short_id (document, "AbCdEfGh");
  app_test_iterate (50);
  gtk_widget_activate_action (GTK_WIDGET (window), "win.copy-image", NULL);
  g_assert_cmpstr (toast_title (window), ==, "Image copied");
  provider = prepare_drag (window);
  g_assert_nonnull (provider);
  g_object_unref (provider);
  gtk_widget_activate_action (GTK_WIDGET (window), "win.export", NULL);
  app_test_iterate (50);
  dialog = find_export_dialog ();
  g_assert_nonnull (dialog);
  gtk_window_destroy (dialog);

  app_test_close_window (window);
}

static void
test_short_links_address_changes (void)
{
  QrsWindow *window = app_test_new_window (1200, 800);
  g_autoptr(GSettings) settings = g_settings_new (APP_ID);
  QrsDocument *document = qrs_window_get_document (window);
  g_autoptr(QrsDocument) other = NULL;

  make_dynamic (window);
  g_assert_true (g_str_has_prefix (qrs_document_get_text (document), "http://localhost:8080/r/"));

  /* A second code, so one is out of the editor when the address changes. */
  gtk_widget_activate_action (GTK_WIDGET (window), "win.new-code", NULL);
  other = g_object_ref (qrs_window_get_document (window));
  make_dynamic (window);

  g_settings_set_string (settings, "redirect-base-url", "https://qr.example.edu/r/");
  app_test_iterate (50);
  g_assert_true (g_str_has_prefix (qrs_document_get_text (document), "https://qr.example.edu/r/"));
  g_assert_true (g_str_has_prefix (qrs_document_get_text (other), "https://qr.example.edu/r/"));
  g_assert_cmpstr (qrs_preview_get_text (window->preview), ==, qrs_document_get_text (other));

  g_settings_reset (settings, "redirect-base-url");
  app_test_close_window (window);
}

int
main (int   argc,
      char *argv[])
{
  app_test_init (&argc, &argv);

  g_test_add_func ("/app/short-links/unsaved-stays", test_short_links_unsaved_stays);
  g_test_add_func ("/app/short-links/address-changes", test_short_links_address_changes);

  return app_test_run_tests ();
}
