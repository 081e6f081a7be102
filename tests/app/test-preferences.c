/* test-preferences.c — the Connection row refuses a password, at the row,
 * and the database's own messages send passwords to ~/.pgpass only
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "app-test-utils.h"
#include "qrs-application.h"
#include "qrs-database.h"
#include "qrs-preferences-window.h"

static gpointer
template_child (GtkWidget  *preferences,
                const char *name)
{
  GObject *child = gtk_widget_get_template_child (preferences, QRS_TYPE_PREFERENCES_WINDOW, name);

  g_assert_nonnull (child);

  return child;
}

static void
apply (GtkWidget  *preferences,
       const char *text)
{
  AdwEntryRow *row = template_child (preferences, "database_row");

  gtk_editable_set_text (GTK_EDITABLE (row), text);
  g_signal_emit_by_name (row, "apply");
}

static void
test_preferences_refuses_password (void)
{
  const char *with_password[] = {
    "host=db.example.edu dbname=qrstudio user=alice password=secret",
    "password = 'it\\'s a secret' host=db.example.edu",
    "host=db.example.edu password='with spaces' user=alice",
    "postgresql://alice:secret@db.example.edu/qrstudio",
    "postgresql://alice@db.example.edu/qrstudio?sslmode=require&password=secret",
  };
  const char *without_password[] = {
    "host=db.example.edu dbname=qrstudio user=alice",
    "service=qrstudio",
    "host=db.example.edu application_name='password=not-a-key'",
    "postgresql://alice@db.example.edu/qrstudio",
    "",
  };
  GtkWidget *preferences = qrs_preferences_window_new ();
  GtkWidget *row = template_child (preferences, "database_row");
  GtkLabel *error_label = template_child (preferences, "database_error_label");
  g_autoptr(GSettings) settings = g_settings_new (APP_ID);

  gtk_window_present (GTK_WINDOW (preferences));
  g_settings_set_string (settings, "database", "service=before");

  for (guint i = 0; i < G_N_ELEMENTS (with_password); i++)
    {
      g_autofree char *saved = NULL;

      apply (preferences, with_password[i]);
      saved = g_settings_get_string (settings, "database");
      if (!g_str_equal (saved, "service=before"))
        g_error ("“%s” was saved", with_password[i]);
      g_assert_true (gtk_widget_has_css_class (row, "error"));
      g_assert_true (gtk_widget_get_visible (GTK_WIDGET (error_label)));
      g_assert_nonnull (strstr (gtk_label_get_text (error_label), "~/.pgpass"));
    }

  for (guint i = 0; i < G_N_ELEMENTS (without_password); i++)
    {
      g_autofree char *saved = NULL;

      apply (preferences, without_password[i]);
      saved = g_settings_get_string (settings, "database");
      g_assert_cmpstr (saved, ==, without_password[i]);
      g_assert_false (gtk_widget_has_css_class (row, "error"));
      g_assert_false (gtk_widget_get_visible (GTK_WIDGET (error_label)));
    }

  gtk_window_destroy (GTK_WINDOW (preferences));
  app_test_iterate (10);
}

static void
assert_points_to_pgpass (const char *conninfo)
{
  g_autoptr(QrsDatabase) database = NULL;
  g_autoptr(GError) error = NULL;

  database = qrs_database_new (conninfo, &error);
  g_assert_no_error (error);
  g_assert_false (qrs_database_connect (database, NULL, &error));
  g_test_message ("%s: %s", conninfo, error->message);
  g_assert_error (error, QRS_DATABASE_ERROR, QRS_DATABASE_ERROR_AUTHENTICATION_FAILED);
  g_assert_nonnull (strstr (error->message, "~/.pgpass"));
  g_assert_null (strstr (error->message, "or in the connection settings"));
}

/* The real server pg_virtualenv started asks for a password over TCP. */
static void
test_preferences_database_messages (void)
{
  g_autofree char *password = g_strdup (g_getenv ("PGPASSWORD"));

  if (g_getenv ("PGHOST") == NULL || password == NULL)
    {
      g_test_skip ("no password-protected PostgreSQL server: run with tools/test (pg_virtualenv)");
      return;
    }

  assert_points_to_pgpass ("password=certainly-not-the-password");

  /* No password at all: neither in the environment nor in a file. */
  g_unsetenv ("PGPASSWORD");
  assert_points_to_pgpass ("passfile=/nonexistent/pgpass");
  g_setenv ("PGPASSWORD", password, TRUE);
}

int
main (int   argc,
      char *argv[])
{
  app_test_init (&argc, &argv);

  g_test_add_func ("/app/preferences/refuses-password", test_preferences_refuses_password);
  g_test_add_func ("/app/preferences/database-messages", test_preferences_database_messages);

  return app_test_run_tests ();
}
