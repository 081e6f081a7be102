/* test-help.c — Help (F1) opens the user guide: the installed copy, or,
 * when none is installed, the guide online in the default browser
 *
 * A test viewer and browser stand in for the person's: a desktop entry
 * in a private XDG_DATA_HOME, made the default in a private
 * XDG_CONFIG_HOME, that writes the URI it is given to a file.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gstdio.h>

#include "app-test-utils.h"
#include "qrs-application.h"

static char *xdg_dir;
static char *opened_path;
static char *guide_dir;

/* Must run before GIO first reads the XDG folders. */
static void
install_test_viewer (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *system_data = NULL;
  g_autofree char *data_dirs = NULL;
  const char *old_dirs = g_getenv ("XDG_DATA_DIRS");
  const char *types[] = { "text/markdown", "text/plain", "x-scheme-handler/http",
                          "x-scheme-handler/https", NULL };

  xdg_dir = g_dir_make_tmp ("qrs-help-XXXXXX", &error);
  g_assert_no_error (error);
  opened_path = app_test_install_default_handler (xdg_dir, types);
  system_data = g_build_filename (xdg_dir, "share", NULL);
  guide_dir = g_build_filename (system_data, "doc", "qrstudio", NULL);

  /* Where an installed guide is looked for first; icons and the MIME
   * database stay where they were. */
  data_dirs = g_strconcat (system_data, ":", old_dirs != NULL && *old_dirs ? old_dirs : "/usr/local/share:/usr/share",
                           NULL);
  g_setenv ("XDG_DATA_DIRS", data_dirs, TRUE);
}

static gboolean
opened (gpointer data)
{
  return g_file_test (opened_path, G_FILE_TEST_EXISTS);
}

static char *
open_help (void)
{
  char *uri = NULL;

  g_remove (opened_path);
  g_action_group_activate_action (G_ACTION_GROUP (app_test_get_application ()), "help", NULL);
  app_test_wait_until (opened, NULL, 30000);
  g_assert_true (g_file_get_contents (opened_path, &uri, NULL, NULL));

  return uri;
}

static void
test_help_shortcut (void)
{
  g_auto(GStrv) accels = gtk_application_get_accels_for_action (app_test_get_application (), "app.help");
  g_autoptr(GtkBuilder) builder = NULL;
  GObject *window;
  GSList *objects;
  gboolean listed = FALSE;

  g_assert_nonnull (accels);
  g_assert_cmpstr (accels[0], ==, "F1");

  /* The shortcuts window lists it. */
  builder = gtk_builder_new_from_resource ("/io/github/qrstudio/QrStudio/ui/qrs-shortcuts-window.ui");
  window = gtk_builder_get_object (builder, "shortcuts_window");
  objects = gtk_builder_get_objects (builder);
  for (GSList *l = objects; l != NULL; l = l->next)
    if (GTK_IS_SHORTCUTS_SHORTCUT (l->data))
      {
        g_autofree char *accelerator = NULL;
        g_autofree char *title = NULL;

        g_object_get (l->data, "accelerator", &accelerator, "title", &title, NULL);
        listed |= g_strcmp0 (accelerator, "F1") == 0 && g_strcmp0 (title, "Help") == 0;
      }
  g_slist_free (objects);
  g_assert_true (listed);
  gtk_window_destroy (GTK_WINDOW (window));
}

static void
test_help_online (void)
{
  g_autofree char *uri = NULL;

  /* No guide installed where this test looks: the one online. */
  uri = open_help ();
  g_assert_cmpstr (uri, ==, "https://github.com/qrstudio/qrstudio/blob/main/docs/user-guide.md");
}

static void
test_help_installed (void)
{
  g_autofree char *source = g_test_build_filename (G_TEST_DIST, "..", "..", "docs", "user-guide.md", NULL);
  g_autofree char *guide = g_build_filename (guide_dir, "user-guide.md", NULL);
  g_autofree char *expected = g_filename_to_uri (guide, NULL, NULL);
  g_autofree char *contents = NULL;
  g_autofree char *uri = NULL;
  gsize length;

  g_assert_true (g_file_get_contents (source, &contents, &length, NULL));
  g_assert_cmpint (g_mkdir_with_parents (guide_dir, 0700), ==, 0);
  g_assert_true (g_file_set_contents (guide, contents, length, NULL));

  /* Checked where it is chosen: the test viewer is never reached with a
   * file: URI from inside this test's session (the online case above
   * goes all the way to the browser). */
  uri = qrs_application_dup_help_uri (QRS_APPLICATION (app_test_get_application ()));
  g_assert_cmpstr (uri, ==, expected);

  g_remove (guide);
  g_free (uri);
  uri = qrs_application_dup_help_uri (QRS_APPLICATION (app_test_get_application ()));
  g_assert_true (g_str_has_prefix (uri, "https://"));
}

int
main (int   argc,
      char *argv[])
{
  int status;

  install_test_viewer ();
  app_test_init (&argc, &argv);

  g_test_add_func ("/app/help/shortcut", test_help_shortcut);
  g_test_add_func ("/app/help/online", test_help_online);
  g_test_add_func ("/app/help/installed", test_help_installed);

  status = app_test_run_tests ();

  {
    const char *leftovers[] = { "opened", "data/applications/qrs-test-handler.desktop",
                                "data/applications", "data", "config/mimeapps.list", "config",
                                "share/doc/qrstudio", "share/doc", "share", NULL };

    for (guint i = 0; leftovers[i] != NULL; i++)
      {
        g_autofree char *path = g_build_filename (xdg_dir, leftovers[i], NULL);

        g_remove (path);
      }
    g_rmdir (xdg_dir);
  }
  return status;
}
