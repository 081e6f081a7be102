/* test-open-link.c — a dynamic code's short link opened in the browser,
 * the test scan a person makes from the desk
 *
 * The "browser" is a desktop entry of the test's own, registered as the
 * default handler of http links in XDG folders of its own: GIO finds it
 * and runs it as it would run Firefox, and it writes down the address it
 * was given.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gstdio.h>

#include "app-test-utils.h"
#include "qrs-application.h"
#include "qrs-editor-private.h"
#include "qrs-window-private.h"

static char *xdg_dir;
static char *opened_path;

/* Must run before GIO first reads the XDG folders. */
static void
install_test_browser (void)
{
  g_autoptr(GError) error = NULL;
  const char *types[] = { "x-scheme-handler/http", "x-scheme-handler/https", NULL };

  xdg_dir = g_dir_make_tmp ("qrs-open-link-XXXXXX", &error);
  g_assert_no_error (error);
  opened_path = app_test_install_default_handler (xdg_dir, types);
}

static gboolean
short_id_assigned (gpointer data)
{
  return qrs_document_get_short_id (data) != NULL;
}

static gboolean
link_opened (gpointer data)
{
  return g_file_test (opened_path, G_FILE_TEST_EXISTS);
}

static GtkWidget *
editor_child (QrsWindow  *window,
              const char *name)
{
  return GTK_WIDGET (gtk_widget_get_template_child (GTK_WIDGET (window->editor), QRS_TYPE_EDITOR, name));
}

static void
test_open_link (void)
{
  QrsWindow *window;
  QrsDocument *document;
  GtkWidget *open_button;
  g_autofree char *opened = NULL;
  g_autofree char *short_url = NULL;

  app_test_assert_connected ();

  window = app_test_new_window (1200, 800);
  document = qrs_window_get_document (window);
  open_button = editor_child (window, "open_short_url_button");

  /* A static code has no link; a dynamic one has none to open until the
   * database gives it its short id. */
  gtk_switch_set_active (GTK_SWITCH (editor_child (window, "dynamic_switch")), TRUE);
  gtk_editable_set_text (GTK_EDITABLE (qrs_editor_get_field_row (window->editor, "url", 0)),
                         "https://example.edu/open-day");
  g_assert_true (gtk_widget_get_visible (editor_child (window, "short_url_row")));
  g_assert_false (gtk_widget_get_sensitive (open_button));
  {
    g_autofree char *mismatch = gtk_test_accessible_check_property (GTK_ACCESSIBLE (open_button),
                                                                     GTK_ACCESSIBLE_PROPERTY_LABEL,
                                                                     "Open Link in Browser");
    g_assert_null (mismatch);
  }

  gtk_widget_activate_action (GTK_WIDGET (window), "win.save", NULL);
  app_test_wait_until (short_id_assigned, document, 30000);
  g_assert_true (gtk_widget_get_sensitive (open_button));

  /* A click hands the saved short link to the default browser. */
  g_signal_emit_by_name (open_button, "clicked");
  app_test_wait_until (link_opened, NULL, 30000);
  g_assert_true (g_file_get_contents (opened_path, &opened, NULL, NULL));
  short_url = qrs_document_dup_short_url (document);
  g_assert_true (g_str_has_suffix (short_url, qrs_document_get_short_id (document)));
  g_assert_cmpstr (opened, ==, short_url);

  app_test_close_window (window);
}

int
main (int   argc,
      char *argv[])
{
  int status;

  install_test_browser ();
  app_test_init_with_database (&argc, &argv);

  g_test_add_func ("/app/editor/open-link", test_open_link);

  status = app_test_run_tests ();

  {
    const char *leftovers[] = { "opened", "data/applications/qrs-test-handler.desktop",
                                "data/applications", "data", "config/mimeapps.list", "config", NULL };

    for (guint i = 0; leftovers[i] != NULL; i++)
      {
        g_autofree char *path = g_build_filename (xdg_dir, leftovers[i], NULL);

        g_remove (path);
      }
    g_rmdir (xdg_dir);
  }
  return status;
}
