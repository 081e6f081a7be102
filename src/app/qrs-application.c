/* qrs-application.c — QR Studio, the desktop application
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "qrs-application.h"
#include "qrs-preferences-window.h"
#include "qrs-window.h"

struct _QrsApplication
{
  AdwApplication      parent_instance;

  GSettings          *settings;
  gboolean            use_database;
  QrsConnection      *connection;
  QrsConnectionState  state;
  GError             *connection_error;
  GCancellable       *cancellable;
  char               *redirect_base_url; /* --redirect-base-url, for this run only */
  gboolean            bench_first_frame; /* --bench-first-frame: tools/bench app */
  gint64              bench_start;       /* µs of CLOCK_MONOTONIC */
  gboolean            bench_painted;
};

enum {
  PROP_0,
  PROP_USE_DATABASE,
  PROP_CONNECTION_STATE,
  N_PROPS
};

G_DEFINE_FINAL_TYPE (QrsApplication, qrs_application, ADW_TYPE_APPLICATION)

static GParamSpec *properties[N_PROPS];

static void
set_state (QrsApplication     *self,
           QrsConnectionState  state,
           GError             *error)
{
  g_clear_error (&self->connection_error);
  self->connection_error = error;
  self->state = state;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CONNECTION_STATE]);
}

static void
connection_opened_cb (GObject      *object,
                      GAsyncResult *result,
                      gpointer      user_data)
{
  g_autoptr(QrsApplication) self = user_data;
  GError *error = NULL;

  if (QRS_CONNECTION (object) != self->connection)
    return; /* a reconnect replaced it meanwhile */

  if (qrs_connection_open_finish (QRS_CONNECTION (object), result, &error))
    set_state (self, QRS_CONNECTION_STATE_OPEN, NULL);
  else if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    g_clear_error (&error);
  else
    set_state (self, QRS_CONNECTION_STATE_FAILED, error);
}

/**
 * qrs_application_reconnect:
 *
 * Connects again with the settings as they are now: after a change in
 * Preferences, or when the person asks to try again.
 */
void
qrs_application_reconnect (QrsApplication *self)
{
  g_autofree char *conninfo = NULL;
  g_autofree char *base = NULL;

  g_return_if_fail (QRS_IS_APPLICATION (self));

  if (!self->use_database)
    return;

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  if (self->connection != NULL)
    qrs_connection_close (self->connection);
  g_clear_object (&self->connection);

  conninfo = g_settings_get_string (self->settings, "database");
  base = qrs_application_dup_redirect_base_url (self);
  self->connection = qrs_connection_new (conninfo, base);
  self->cancellable = g_cancellable_new ();
  set_state (self, QRS_CONNECTION_STATE_CONNECTING, NULL);
  qrs_connection_open_async (self->connection, self->cancellable, connection_opened_cb,
                             g_object_ref (self));
}

/**
 * qrs_application_get_connection:
 *
 * Returns: (transfer none) (nullable): the database connection, open or
 *   not; %NULL when the app runs without a database
 */
QrsConnection *
qrs_application_get_connection (QrsApplication *self)
{
  g_return_val_if_fail (QRS_IS_APPLICATION (self), NULL);

  return self->connection;
}

QrsConnectionState
qrs_application_get_connection_state (QrsApplication *self)
{
  g_return_val_if_fail (QRS_IS_APPLICATION (self), QRS_CONNECTION_STATE_OFFLINE);

  return self->state;
}

/**
 * qrs_application_get_connection_error:
 *
 * Returns: (nullable): why the database could not be opened
 */
const GError *
qrs_application_get_connection_error (QrsApplication *self)
{
  g_return_val_if_fail (QRS_IS_APPLICATION (self), NULL);

  return self->connection_error;
}

static void
color_scheme_changed_cb (QrsApplication *self)
{
  static const AdwColorScheme schemes[] = {
    ADW_COLOR_SCHEME_DEFAULT,
    ADW_COLOR_SCHEME_FORCE_LIGHT,
    ADW_COLOR_SCHEME_FORCE_DARK,
  };
  guint scheme = g_settings_get_enum (self->settings, "color-scheme");

  adw_style_manager_set_color_scheme (adw_style_manager_get_default (),
                                      schemes[MIN (scheme, G_N_ELEMENTS (schemes) - 1)]);
}

static void
quit_action (GSimpleAction *action,
             GVariant      *param,
             gpointer       user_data)
{
  GtkApplication *app = user_data;
  GList *windows = g_list_copy (gtk_application_get_windows (app));

  /* Close the windows properly so each saves its state; the application
   * ends with its last window. */
  for (GList *l = windows; l != NULL; l = l->next)
    gtk_window_close (l->data);
  g_list_free (windows);
}

static void
about_action (GSimpleAction *action,
              GVariant      *param,
              gpointer       user_data)
{
  static const char *developers[] = { "The QR Studio developers", NULL };
  GtkApplication *app = user_data;
  GtkWidget *about;

  about = g_object_new (ADW_TYPE_ABOUT_WINDOW,
                        "transient-for", gtk_application_get_active_window (app),
                        "application-icon", APP_ID,
                        "application-name", _("QR Studio"),
                        "developer-name", _("The QR Studio developers"),
                        "version", PACKAGE_VERSION,
                        "comments", _("Design, preview and export QR codes, and keep them in one shared library."),
                        "website", "https://github.com/qrstudio/qrstudio",
                        "issue-url", "https://github.com/qrstudio/qrstudio/issues",
                        "license-type", GTK_LICENSE_GPL_3_0,
                        "copyright", "© 2024 The QR Studio developers",
                        "developers", developers,
                        /* Translators: put your names here, one per line */
                        "translator-credits", _("translator-credits"),
                        NULL);
  gtk_window_present (GTK_WINDOW (about));
}

static void
preferences_action (GSimpleAction *action,
                    GVariant      *param,
                    gpointer       user_data)
{
  GtkApplication *app = user_data;
  GtkWindow *window = GTK_WINDOW (qrs_preferences_window_new ());

  gtk_window_set_transient_for (window, gtk_application_get_active_window (app));
  gtk_window_present (window);
}

static void
shortcuts_action (GSimpleAction *action,
                  GVariant      *param,
                  gpointer       user_data)
{
  GtkApplication *app = user_data;
  g_autoptr(GtkBuilder) builder = NULL;
  GtkWindow *window;

  builder = gtk_builder_new_from_resource ("/io/github/qrstudio/QrStudio/ui/qrs-shortcuts-window.ui");
  window = GTK_WINDOW (gtk_builder_get_object (builder, "shortcuts_window"));
  gtk_window_set_transient_for (window, gtk_application_get_active_window (app));
  gtk_window_present (window);
}

/* The guide as installed (in the XDG data folders first, where a Flatpak
 * or a prefix in XDG_DATA_DIRS puts it, then where this build installs
 * it), else the copy online: help should work without a network, and
 * still work from a build that was never installed. */
/**
 * qrs_application_dup_help_uri:
 *
 * Returns: (transfer full): where Help (F1) takes the person
 */
char *
qrs_application_dup_help_uri (QrsApplication *self)
{
  const char * const *dirs = g_get_system_data_dirs ();
  g_autofree char *installed = g_build_filename (DATADIR, "doc", "qrstudio", "user-guide.md", NULL);

  g_return_val_if_fail (QRS_IS_APPLICATION (self), NULL);

  for (guint i = 0; dirs[i] != NULL; i++)
    {
      g_autofree char *path = g_build_filename (dirs[i], "doc", "qrstudio", "user-guide.md", NULL);

      if (g_file_test (path, G_FILE_TEST_IS_REGULAR))
        return g_filename_to_uri (path, NULL, NULL);
    }

  if (g_file_test (installed, G_FILE_TEST_IS_REGULAR))
    return g_filename_to_uri (installed, NULL, NULL);

  return g_strdup (HELP_URL);
}

static void
help_action (GSimpleAction *action,
             GVariant      *param,
             gpointer       user_data)
{
  GtkApplication *app = user_data;
  g_autofree char *uri = qrs_application_dup_help_uri (QRS_APPLICATION (app));

  gtk_show_uri (gtk_application_get_active_window (app), uri, GDK_CURRENT_TIME);
}

static const GActionEntry app_actions[] = {
  { "quit", quit_action },
  { "help", help_action },
  { "about", about_action },
  { "preferences", preferences_action },
  { "shortcuts", shortcuts_action },
};

static void
qrs_application_startup (GApplication *application)
{
  QrsApplication *self = QRS_APPLICATION (application);
  static const char *quit_accels[] = { "<Control>q", NULL };
  static const char *preferences_accels[] = { "<Control>comma", NULL };
  static const char *shortcuts_accels[] = { "<Control>question", NULL };
  static const char *help_accels[] = { "F1", NULL };

  G_APPLICATION_CLASS (qrs_application_parent_class)->startup (application);

  g_action_map_add_action_entries (G_ACTION_MAP (self), app_actions,
                                   G_N_ELEMENTS (app_actions), self);
  gtk_application_set_accels_for_action (GTK_APPLICATION (self), "app.quit", quit_accels);
  gtk_application_set_accels_for_action (GTK_APPLICATION (self), "app.preferences", preferences_accels);
  gtk_application_set_accels_for_action (GTK_APPLICATION (self), "app.shortcuts", shortcuts_accels);
  gtk_application_set_accels_for_action (GTK_APPLICATION (self), "app.help", help_accels);

  self->settings = g_settings_new (APP_ID);
  g_signal_connect_object (self->settings, "changed::color-scheme",
                           G_CALLBACK (color_scheme_changed_cb), self, G_CONNECT_SWAPPED);
  color_scheme_changed_cb (self);

  gtk_window_set_default_icon_name (APP_ID);

  /* The library's database opens while the first window comes up. */
  qrs_application_reconnect (self);
}

static int
qrs_application_handle_local_options (GApplication *application,
                                      GVariantDict *options)
{
  QrsApplication *self = QRS_APPLICATION (application);
  const char *base = NULL;

  if (g_variant_dict_lookup (options, "redirect-base-url", "&s", &base))
    {
      if (!g_str_has_prefix (base, "http://") && !g_str_has_prefix (base, "https://"))
        {
          g_printerr (_("--redirect-base-url must start with http:// or https://, not “%s”.\n"), base);
          return 2;
        }
      g_free (self->redirect_base_url);
      self->redirect_base_url = g_strdup (base);
    }
  self->bench_first_frame = g_variant_dict_contains (options, "bench-first-frame");

  return -1;
}

static void
qrs_application_shutdown (GApplication *application)
{
  QrsApplication *self = QRS_APPLICATION (application);

  /* Stops the private cluster, if we started it. */
  g_cancellable_cancel (self->cancellable);
  if (self->connection != NULL)
    qrs_connection_close (self->connection);

  G_APPLICATION_CLASS (qrs_application_parent_class)->shutdown (application);
}

static void
qrs_application_get_property (GObject    *object,
                              guint       prop_id,
                              GValue     *value,
                              GParamSpec *pspec)
{
  QrsApplication *self = QRS_APPLICATION (object);

  switch (prop_id)
    {
    case PROP_USE_DATABASE:
      g_value_set_boolean (value, self->use_database);
      break;

    case PROP_CONNECTION_STATE:
      g_value_set_int (value, self->state);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
qrs_application_set_property (GObject      *object,
                              guint         prop_id,
                              const GValue *value,
                              GParamSpec   *pspec)
{
  QrsApplication *self = QRS_APPLICATION (object);

  switch (prop_id)
    {
    case PROP_USE_DATABASE:
      self->use_database = g_value_get_boolean (value);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

/* tools/bench app: from the process's start (QRS_BENCH_START, µs of
 * CLOCK_MONOTONIC, as the bench took it before starting us) to the first
 * frame painted, and to the first frame with the library's rows. */
static void
bench_after_paint_cb (GdkFrameClock *clock,
                      QrsWindow     *window)
{
  QrsApplication *self = QRS_APPLICATION (gtk_window_get_application (GTK_WINDOW (window)));
  double ms = (g_get_monotonic_time () - self->bench_start) / 1000.0;

  if (!self->bench_painted)
    {
      self->bench_painted = TRUE;
      g_print ("first-frame-ms %.1f\n", ms);
    }

  if (self->state == QRS_CONNECTION_STATE_FAILED)
    {
      g_printerr ("%s\n", self->connection_error->message);
      g_application_quit (G_APPLICATION (self));
    }
  else if (g_list_model_get_n_items (qrs_window_get_library (window)) > 1)
    {
      g_print ("library-ms %.1f\n", ms);
      g_signal_handlers_disconnect_by_func (clock, bench_after_paint_cb, window);
      g_application_quit (G_APPLICATION (self));
    }
}

static void
bench_realize_cb (GtkWidget *window)
{
  g_signal_connect_object (gtk_widget_get_frame_clock (window), "after-paint",
                           G_CALLBACK (bench_after_paint_cb), window, 0);
}

static void
qrs_application_activate (GApplication *application)
{
  QrsApplication *self = QRS_APPLICATION (application);
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (application));

  if (window == NULL)
    {
      window = GTK_WINDOW (qrs_window_new (ADW_APPLICATION (application)));
      if (self->bench_first_frame)
        g_signal_connect_after (window, "realize", G_CALLBACK (bench_realize_cb), NULL);
    }

  gtk_window_present (window);
}

static void
qrs_application_finalize (GObject *object)
{
  QrsApplication *self = (QrsApplication *)object;

  g_clear_object (&self->settings);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->connection);
  g_clear_error (&self->connection_error);
  g_clear_pointer (&self->redirect_base_url, g_free);

  G_OBJECT_CLASS (qrs_application_parent_class)->finalize (object);
}

static void
qrs_application_class_init (QrsApplicationClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GApplicationClass *app_class = G_APPLICATION_CLASS (klass);

  object_class->finalize = qrs_application_finalize;
  object_class->get_property = qrs_application_get_property;
  object_class->set_property = qrs_application_set_property;
  app_class->startup = qrs_application_startup;
  app_class->shutdown = qrs_application_shutdown;
  app_class->activate = qrs_application_activate;
  app_class->handle_local_options = qrs_application_handle_local_options;

  /* Off, the library lives in memory: for tests of everything but the
   * database, and never a silent fallback when the database fails. */
  properties[PROP_USE_DATABASE] =
    g_param_spec_boolean ("use-database", NULL, NULL, TRUE,
                          G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_CONNECTION_STATE] =
    g_param_spec_int ("connection-state", NULL, NULL,
                      QRS_CONNECTION_STATE_OFFLINE, QRS_CONNECTION_STATE_FAILED,
                      QRS_CONNECTION_STATE_OFFLINE,
                      G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
qrs_application_init (QrsApplication *self)
{
  const char *start = g_getenv ("QRS_BENCH_START");

  /* tools/run points the short links at the redirect daemon it starts on
   * localhost, without touching the person's saved preference. */
  static const GOptionEntry entries[] = {
    { "redirect-base-url", 0, G_OPTION_FLAG_NONE, G_OPTION_ARG_STRING, NULL,
      N_("Make short links of dynamic codes start with URL for this run, instead of the address in Preferences"),
      N_("URL") },
    { "bench-first-frame", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_NONE, NULL,
      N_("Print the time to the first frame and to a filled library, then quit"), NULL },
    { NULL }
  };

  g_application_add_main_option_entries (G_APPLICATION (self), entries);

  self->bench_start = g_get_monotonic_time ();
  if (start != NULL)
    self->bench_start = g_ascii_strtoll (start, NULL, 10);
}

QrsApplication *
qrs_application_new (void)
{
  return g_object_new (QRS_TYPE_APPLICATION,
                       "application-id", APP_ID,
                       "flags", G_APPLICATION_DEFAULT_FLAGS,
                       "resource-base-path", "/io/github/qrstudio/QrStudio",
                       NULL);
}

/**
 * qrs_application_get_settings:
 *
 * Returns: (transfer none): the application's settings, once started
 */
GSettings *
qrs_application_get_settings (QrsApplication *self)
{
  g_return_val_if_fail (QRS_IS_APPLICATION (self), NULL);

  return self->settings;
}

/**
 * qrs_application_dup_redirect_base_url:
 *
 * Returns: (transfer full): where short links of dynamic codes start: the
 *   address given with --redirect-base-url, else the one in Preferences
 */
char *
qrs_application_dup_redirect_base_url (QrsApplication *self)
{
  g_return_val_if_fail (QRS_IS_APPLICATION (self), NULL);

  if (self->redirect_base_url != NULL)
    return g_strdup (self->redirect_base_url);

  return g_settings_get_string (self->settings, "redirect-base-url");
}
