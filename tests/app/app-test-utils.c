/* app-test-utils.c — a display, the application, and real pixels
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gstdio.h>
#include <libpq-fe.h>
#include <unistd.h>

#include "app-test-utils.h"
#include "qrs-application.h"
#include "qrs-code-store.h"
#include "qrs-database.h"
#include "qrs-editor-private.h"
#include "qrs-preview-private.h"
#include "qrs-window-private.h"

static GtkApplication *application;
static char *tmpdir;

/* The codes of the windows closed so far, watched with weak pointers:
 * all of them are gone once the application is. */
static GPtrArray *closed_documents;

static void
watch_closed_document (QrsDocument *document)
{
  GObject **slot = g_new0 (GObject *, 1);

  if (closed_documents == NULL)
    closed_documents = g_ptr_array_new ();
  *slot = G_OBJECT (document);
  g_object_add_weak_pointer (*slot, (gpointer *)slot);
  g_ptr_array_add (closed_documents, slot);
}

static gboolean
closed_documents_freed (gpointer data)
{
  for (guint i = 0; closed_documents != NULL && i < closed_documents->len; i++)
    if (*(GObject **)g_ptr_array_index (closed_documents, i) != NULL)
      return FALSE;

  return TRUE;
}

static gboolean wait_until (gboolean (*done) (gpointer),
                            gpointer   data,
                            guint      timeout_msec);

/* A load or a save still under way holds its code until it is done. */
static void
assert_closed_documents_freed (void)
{
  wait_until (closed_documents_freed, NULL, 10000);

  for (guint i = 0; closed_documents != NULL && i < closed_documents->len; i++)
    {
      GObject **slot = g_ptr_array_index (closed_documents, i);

      if (*slot != NULL)
        g_error ("A closed window's %s was never freed: %u references left",
                 G_OBJECT_TYPE_NAME (*slot), (*slot)->ref_count);
      g_free (slot);
    }
  g_clear_pointer (&closed_documents, g_ptr_array_unref);
}

static void
remove_tmpdir (void)
{
  if (tmpdir != NULL)
    {
      g_autoptr(GDir) dir = g_dir_open (tmpdir, 0, NULL);
      const char *name;

      while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
        {
          g_autofree char *path = g_build_filename (tmpdir, name, NULL);
          g_unlink (path);
        }
      g_rmdir (tmpdir);
      g_clear_pointer (&tmpdir, g_free);
    }
}

/* A test that needs a display and has none fails, loudly: a skip would
 * hide that the app was never tested. */
static void init_app (gboolean use_database);

void
app_test_init (int    *argc,
               char ***argv)
{
  g_test_init (argc, argv, NULL);
  init_app (FALSE);
}

/* A database of its own on the PostgreSQL server pg_virtualenv started
 * for tools/test (libpq finds it through PGHOST, PGPORT, PGUSER …). */
static char *
create_database (void)
{
  g_autofree char *name = g_strdup_printf ("qrs_app_test_%d", (int)getpid ());
  g_autofree char *sql = NULL;
  PGconn *conn;
  PGresult *result;

  if (g_getenv ("PGHOST") == NULL && g_getenv ("PGPORT") == NULL)
    {
      g_print ("Bail out! These tests need a PostgreSQL server: run them with tools/test, "
               "which starts one with pg_virtualenv\n");
      exit (1);
    }

  conn = PQconnectdb ("dbname=postgres");
  if (PQstatus (conn) != CONNECTION_OK)
    {
      g_print ("Bail out! Cannot reach the test PostgreSQL server: %s\n", PQerrorMessage (conn));
      exit (1);
    }

  sql = g_strdup_printf ("DROP DATABASE IF EXISTS %s", name);
  PQclear (PQexec (conn, sql));
  g_free (sql);
  sql = g_strdup_printf ("CREATE DATABASE %s", name);
  result = PQexec (conn, sql);
  if (PQresultStatus (result) != PGRES_COMMAND_OK)
    {
      g_print ("Bail out! Cannot create the test database: %s\n", PQerrorMessage (conn));
      exit (1);
    }
  PQclear (result);
  PQfinish (conn);

  return g_strdup_printf ("dbname=%s", name);
}

static char *test_conninfo;

static void
drop_database (void)
{
  const char *name = strstr (test_conninfo, "=") + 1;
  g_autofree char *sql = g_strdup_printf ("DROP DATABASE IF EXISTS %s WITH (FORCE)", name);
  PGconn *conn = PQconnectdb ("dbname=postgres");

  if (PQstatus (conn) == CONNECTION_OK)
    PQclear (PQexec (conn, sql));
  PQfinish (conn);
}

const char *
app_test_get_conninfo (void)
{
  return test_conninfo;
}

/* Runs @statement on the test database, on a connection of its own. */
void
app_test_sql (const char *statement)
{
  PGconn *conn = PQconnectdb (app_test_get_conninfo ());
  PGresult *result;

  g_assert_cmpint (PQstatus (conn), ==, CONNECTION_OK);
  result = PQexec (conn, statement);
  if (PQresultStatus (result) != PGRES_COMMAND_OK && PQresultStatus (result) != PGRES_TUPLES_OK)
    g_error ("%s: %s", statement, PQerrorMessage (conn));
  PQclear (result);
  PQfinish (conn);
}

/* The first column of @statement's first row, as a number. */
gint64
app_test_sql_int64 (const char *statement)
{
  PGconn *conn = PQconnectdb (app_test_get_conninfo ());
  PGresult *result;
  gint64 value;

  g_assert_cmpint (PQstatus (conn), ==, CONNECTION_OK);
  result = PQexec (conn, statement);
  if (PQresultStatus (result) != PGRES_TUPLES_OK || PQntuples (result) < 1)
    g_error ("%s: %s", statement, PQerrorMessage (conn));
  value = g_ascii_strtoll (PQgetvalue (result, 0, 0), NULL, 10);
  PQclear (result);
  PQfinish (conn);

  return value;
}

/* Code g (1 … @n) is "@title 00000g", a static URL code for
 * https://example.edu/big/g, all in one statement: thousands in a
 * moment. */
void
app_test_make_url_codes (const char *title,
                         guint       n)
{
  g_autofree char *statement = g_strdup_printf (
    "INSERT INTO codes (kind, payload_type, payload, encoded, design, title, tags, enabled)"
    "SELECT 'static', 'url',"
    "       jsonb_build_object('type', 'url', 'fields',"
    "                          jsonb_build_object('url', 'https://example.edu/big/' || g)),"
    "       'https://example.edu/big/' || g, '{\"format\": 1}',"
    "       '%s ' || lpad(g::text, 6, '0'), '{}', true"
    "  FROM generate_series(1, %u) AS g;"
    "ANALYZE codes;", title, n);

  app_test_sql (statement);
}

void
app_test_init_with_database (int    *argc,
                             char ***argv)
{
  g_autoptr(GSettings) settings = NULL;

  g_test_init (argc, argv, NULL);
  test_conninfo = create_database ();
  atexit (drop_database);

  if (g_getenv ("GSETTINGS_SCHEMA_DIR") != NULL)
    {
      settings = g_settings_new (APP_ID);
      g_settings_set_string (settings, "database", test_conninfo);
      g_settings_set_string (settings, "redirect-base-url", "http://localhost:8080/r/");
    }

  init_app (TRUE);
}

static gboolean
is_null (gpointer data)
{
  return *(gpointer *)data == NULL;
}

static void
quit_instead_cb (GApplication *app)
{
  g_signal_stop_emission_by_name (app, "activate");
  g_application_quit (app);
}

/* Runs at exit, before LeakSanitizer looks (it registered its own check
 * first, and atexit runs the last registered first).  The application
 * is let go as when people quit: its windows closed, its shutdown run
 * and its last reference dropped.  Kept in this file's static pointer,
 * everything it still held would count as reachable, and a leak through
 * it would go unseen. */
static void
release_app (void)
{
  GList *windows;

  if (application == NULL)
    return;

  while ((windows = gtk_application_get_windows (application)) != NULL)
    gtk_window_destroy (windows->data);

  /* g_application_run() is what unregisters and shuts down: it is given
   * nothing to do, so that it quits at once. */
  g_signal_connect (application, "activate", G_CALLBACK (quit_instead_cb), NULL);
  g_application_run (G_APPLICATION (application), 0, NULL);

  g_object_add_weak_pointer (G_OBJECT (application), (gpointer *)&application);
  g_object_unref (application);
  if (!wait_until (is_null, &application, 10000))
    g_error ("The application was not freed: %u references left",
             G_OBJECT (application)->ref_count);

  assert_closed_documents_freed ();
}

/**
 * app_test_run_tests:
 *
 * g_test_run(), then the application let go and the store's threads
 * waited for while the process is whole: exit() runs OpenSSL's cleanup
 * (registered at the first connection, so before release_app() would
 * run) and a thread still inside libpq would crash on it.
 */
int
app_test_run_tests (void)
{
  int status = g_test_run ();

  release_app ();
  if (!qrs_store_wait_for_threads (10000))
    g_printerr ("Database work still running at exit\n");
  return status;
}

static void
init_app (gboolean use_database)
{
  g_autoptr(GError) error = NULL;

  if (g_getenv ("GSETTINGS_SCHEMA_DIR") == NULL)
    {
      g_print ("Bail out! GSETTINGS_SCHEMA_DIR is not set: run the app tests with meson test\n");
      exit (1);
    }

  if (!gtk_init_check ())
    {
      g_print ("Bail out! No display (DISPLAY=%s): the app tests run under Xvfb; "
               "install it with tools/setup and run them with meson test\n",
               g_getenv ("DISPLAY") ? g_getenv ("DISPLAY") : "");
      exit (1);
    }

  adw_init ();

  /* As GNOME lays out window buttons, not as a bare X server does. */
  g_object_set (gtk_settings_get_default (), "gtk-decoration-layout", "appmenu:close", NULL);

  /* The real application, so its style sheet and icons are loaded as
   * they are for people; non-unique, so no session bus is needed. */
  application = g_object_new (QRS_TYPE_APPLICATION,
                              "application-id", APP_ID,
                              "flags", G_APPLICATION_NON_UNIQUE,
                              "use-database", use_database,
                              "resource-base-path", "/io/github/qrstudio/QrStudio",
                              NULL);
  if (!g_application_register (G_APPLICATION (application), NULL, &error))
    {
      g_print ("Bail out! Could not start the application: %s\n", error->message);
      exit (1);
    }

  tmpdir = g_dir_make_tmp ("qrs-app-test-XXXXXX", &error);
  g_assert_no_error (error);
  atexit (remove_tmpdir);
  atexit (release_app);
}

GtkApplication *
app_test_get_application (void)
{
  return application;
}

char *
app_test_tmpdir (void)
{
  return g_strdup (tmpdir);
}

void
app_test_iterate (guint msec)
{
  gint64 end = g_get_monotonic_time () + msec * G_TIME_SPAN_MILLISECOND;

  while (g_get_monotonic_time () < end)
    g_main_context_iteration (NULL, FALSE);
  while (g_main_context_pending (NULL))
    g_main_context_iteration (NULL, FALSE);
}

static gboolean
timeout_cb (gpointer data)
{
  gboolean *timed_out = data;

  *timed_out = TRUE;

  return G_SOURCE_REMOVE;
}

/* FALSE when @timeout_msec passed first. */
static gboolean
wait_until (gboolean (*done) (gpointer),
            gpointer   data,
            guint      timeout_msec)
{
  gboolean timed_out = FALSE;
  guint id = g_timeout_add (timeout_msec, timeout_cb, &timed_out);

  while (!done (data) && !timed_out)
    g_main_context_iteration (NULL, TRUE);

  if (!timed_out)
    g_source_remove (id);

  return !timed_out;
}

void
app_test_wait_until (gboolean (*done) (gpointer),
                     gpointer   data,
                     guint      timeout_msec)
{
  if (!wait_until (done, data, timeout_msec))
    g_error ("Timed out after %u ms waiting for the app", timeout_msec);
}

typedef struct
{
  QrsWindow *window;
  guint      n;
} LibraryCount;

static gboolean
library_counted (gpointer data)
{
  LibraryCount *count = data;

  return count->window->codes != NULL
      && !qrs_code_list_get_loading (count->window->codes)
      && g_list_model_get_n_items (G_LIST_MODEL (count->window->codes)) == count->n;
}

void
app_test_wait_for_library (QrsWindow *window,
                           guint      n,
                           guint      timeout_msec)
{
  LibraryCount count = { window, n };

  g_test_message ("waiting for the library to hold %u codes", n);
  app_test_wait_until (library_counted, &count, timeout_msec);
}

static gboolean
window_mapped (gpointer data)
{
  QrsWindow *window = data;
  QrsPreviewStats stats;

  qrs_preview_get_stats (window->preview, &stats);

  return gtk_widget_get_mapped (GTK_WIDGET (window)) && stats.n_draws > 0;
}

QrsWindow *
app_test_new_window (int width,
                     int height)
{
  QrsWindow *window = qrs_window_new (ADW_APPLICATION (application));

  /* GTK 4.8 drops the nodes drawn under an empty clip without freeing
   * them (gtk_snapshot_collect_clip), and libadwaita 1.2's leaflet clips
   * to nothing at the ends of an "over" transition: a few kilobytes each
   * time a narrow window moves between its pages, which LeakSanitizer
   * reports with no frame of GTK's to suppress them by.  Sliding, the
   * leaflet draws without that clip, and once the transition is over
   * the pixels the tests look at are the same. */
  adw_leaflet_set_transition_type (window->leaflet, ADW_LEAFLET_TRANSITION_TYPE_SLIDE);
  gtk_window_set_default_size (GTK_WINDOW (window), width, height);
  gtk_window_present (GTK_WINDOW (window));

  /* The first document is empty: give it something to draw so the
   * window counts as up. */
  {
    QrsDocument *document = qrs_window_get_document (window);
    g_autoptr(QrsPayload) payload = qrs_payload_new (QRS_PAYLOAD_TYPE_URL);

    qrs_payload_set (payload, "url", "https://example.edu/", NULL);
    qrs_document_set_payload (document, payload);
  }

  app_test_wait_until (window_mapped, window, 10000);

  return window;
}

/* Closing a window frees it, and its code once no other window shows
 * it: a reference left behind anywhere fails, by name, here or at exit.
 * LeakSanitizer alone would miss it, as GLib's table of signal handlers
 * keeps any object with a handler connected reachable. */
void
app_test_close_window (QrsWindow *window)
{
  GObject *object = G_OBJECT (window);

  watch_closed_document (qrs_window_get_document (window));
  g_object_add_weak_pointer (object, (gpointer *)&object);
  gtk_window_destroy (GTK_WINDOW (window));
  app_test_iterate (10);

  /* A save or a load still running holds the window until it is done. */
  if (!wait_until (is_null, &object, 10000))
    g_error ("The closed window was not freed: %u references left", object->ref_count);
}

typedef struct
{
  QrsPreview *preview;
  guint       n_draws;
} DrawWait;

static gboolean
preview_drew (gpointer data)
{
  DrawWait *wait = data;
  QrsPreviewStats stats;

  qrs_preview_get_stats (wait->preview, &stats);

  return stats.n_draws > wait->n_draws;
}

/* Returns once the preview has drawn a frame after this call. */
void
app_test_wait_for_draw (GtkWidget *preview)
{
  QrsPreviewStats stats;
  DrawWait wait;

  qrs_preview_get_stats (QRS_PREVIEW (preview), &stats);
  wait.preview = QRS_PREVIEW (preview);
  wait.n_draws = stats.n_draws;

  app_test_wait_until (preview_drew, &wait, 5000);
}

static void
after_paint_cb (GdkFrameClock *clock,
                gboolean      *painted)
{
  *painted = TRUE;
}

static gboolean
is_true (gpointer data)
{
  return *(gboolean *)data;
}

/* Returns once the window holding @widget has painted a frame.  A widget
 * waiting to be drawn has no picture of itself yet, which a loaded
 * machine shows far more often than an idle one. */
static void
wait_for_paint (GtkWidget *widget)
{
  GdkFrameClock *clock = gtk_widget_get_frame_clock (widget);
  gboolean painted = FALSE;
  gulong id;

  g_assert_nonnull (clock);
  id = g_signal_connect (clock, "after-paint", G_CALLBACK (after_paint_cb), &painted);
  gtk_widget_queue_draw (widget);
  app_test_wait_until (is_true, &painted, 10000);
  g_signal_handler_disconnect (clock, id);
}

static GskRenderNode *
snapshot_node (GtkWidget *widget,
               int        width,
               int        height)
{
  g_autoptr(GdkPaintable) paintable = gtk_widget_paintable_new (widget);
  g_autoptr(GtkSnapshot) snapshot = gtk_snapshot_new ();

  gdk_paintable_snapshot (paintable, snapshot, width, height);

  return gtk_snapshot_free_to_node (g_steal_pointer (&snapshot));
}

/* What the widget shows, drawn by the window's own GSK renderer. */
GdkTexture *
app_test_snapshot (GtkWidget *widget)
{
  g_autoptr(GskRenderNode) node = NULL;
  GskRenderer *renderer = gtk_native_get_renderer (gtk_widget_get_native (widget));
  int width = gtk_widget_get_width (widget);
  int height = gtk_widget_get_height (widget);

  g_assert_cmpint (width, >, 0);
  g_assert_cmpint (height, >, 0);

  node = snapshot_node (widget, width, height);
  if (node == NULL)
    {
      wait_for_paint (widget);
      node = snapshot_node (widget, width, height);
    }
  g_assert_nonnull (node);

  return gsk_renderer_render_texture (renderer, node, &GRAPHENE_RECT_INIT (0, 0, width, height));
}

char *
app_test_save_snapshot (GtkWidget  *widget,
                        const char *name)
{
  g_autoptr(GdkTexture) texture = app_test_snapshot (widget);
  char *path = g_build_filename (tmpdir, name, NULL);

  g_assert_true (gdk_texture_save_to_png (texture, path));

  return path;
}

char *
app_test_find_tool (const char *name)
{
  char *path = g_find_program_in_path (name);

  if (path == NULL)
    g_error ("%s is not installed: run tools/setup, which installs every tool the tests need", name);

  return path;
}

char *
app_test_run (const char * const *argv)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *err = NULL;
  char *out = NULL;
  int status = 0;

  if (!g_spawn_sync (NULL, (char **)argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL,
                     &out, &err, &status, &error))
    g_error ("Could not run %s: %s", argv[0], error->message);

  if (!g_spawn_check_wait_status (status, NULL))
    {
      g_test_message ("%s failed: %s", argv[0], err);
      g_clear_pointer (&out, g_free);
    }

  return out;
}

/* The payload zbar reads from the image, or NULL when it reads none. */
char *
app_test_decode (const char *png_path)
{
  g_autofree char *zbarimg = app_test_find_tool ("zbarimg");
  /* --raw -Sbinary: the symbol's bytes, no character set guessed. */
  const char *argv[] = { zbarimg, "--nodbus", "--quiet", "--raw", "-Sbinary",
                         "-Sdisable", "-Sqrcode.enable", png_path, NULL };

  /* With -Sbinary nothing is added: no newline, no separator between
   * two symbols found in one image. */
  return app_test_run (argv);
}

/* Draws the preview again, whether or not anything changed. */
void
app_test_redraw (GtkWidget *preview)
{
  gtk_widget_queue_draw (preview);
  app_test_wait_for_draw (preview);
}

static gboolean
connection_settled (gpointer data)
{
  QrsApplication *app = QRS_APPLICATION (app_test_get_application ());
  QrsConnectionState state = qrs_application_get_connection_state (app);

  return state == QRS_CONNECTION_STATE_OPEN || state == QRS_CONNECTION_STATE_FAILED;
}

void
app_test_assert_connected (void)
{
  QrsApplication *app = QRS_APPLICATION (app_test_get_application ());

  app_test_wait_until (connection_settled, NULL, 60000);
  if (qrs_application_get_connection_state (app) == QRS_CONNECTION_STATE_FAILED)
    g_error ("The test database could not be opened: %s",
             qrs_application_get_connection_error (app)->message);
}

static gboolean
no_toast_on_screen (gpointer data)
{
  QrsWindow *window = data;
  GtkWidget *content = adw_toast_overlay_get_child (window->toast_overlay);

  /* Besides its content, the overlay holds the toasts shown or hiding. */
  for (GtkWidget *child = gtk_widget_get_first_child (GTK_WIDGET (window->toast_overlay));
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    if (child != content)
      return FALSE;

  return TRUE;
}

void
app_test_clear_toasts (QrsWindow *window)
{
  if (window->queued_toast != NULL)
    _qrs_window_dismiss_toast (window, window->queued_toast);
  if (window->shown_toast != NULL)
    _qrs_window_dismiss_toast (window, window->shown_toast);
  app_test_wait_until (no_toast_on_screen, window, 10000);
}

/* A shown (mapped) toplevel of @type, or NULL. */
GtkWindow *
app_test_find_toplevel (GType type)
{
  GListModel *toplevels = gtk_window_get_toplevels ();

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GObject) top = g_list_model_get_item (toplevels, i);

      if (G_TYPE_CHECK_INSTANCE_TYPE (top, type) && gtk_widget_get_mapped (GTK_WIDGET (top)))
        return GTK_WINDOW (top);
    }

  return NULL;
}

static gboolean
toplevel_shown (gpointer data)
{
  return app_test_find_toplevel (GPOINTER_TO_SIZE (data)) != NULL;
}

/* Waits for a toplevel of @type to be shown, and for it to draw. */
GtkWindow *
app_test_wait_for_toplevel (GType type)
{
  app_test_wait_until (toplevel_shown, GSIZE_TO_POINTER (type), 30000);
  app_test_iterate (50);

  return app_test_find_toplevel (type);
}

AdwMessageDialog *
app_test_find_dialog (void)
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

gboolean
app_test_dialog_shown (gpointer data)
{
  return app_test_find_dialog () != NULL;
}

gboolean
app_test_no_dialog (gpointer data)
{
  return app_test_find_dialog () == NULL;
}

void
app_test_respond (AdwMessageDialog *dialog,
                  const char       *response)
{
  adw_message_dialog_response (dialog, response);
  gtk_window_destroy (GTK_WINDOW (dialog));
}

char *
app_test_install_default_handler (const char         *xdg_dir,
                                  const char * const *mime_types)
{
  g_autofree char *data = g_build_filename (xdg_dir, "data", NULL);
  g_autofree char *config = g_build_filename (xdg_dir, "config", NULL);
  g_autofree char *applications = g_build_filename (data, "applications", NULL);
  g_autofree char *entry_path = g_build_filename (applications, "qrs-test-handler.desktop", NULL);
  g_autofree char *mimeapps_path = g_build_filename (config, "mimeapps.list", NULL);
  g_autofree char *quoted = NULL;
  g_autofree char *types = NULL;
  g_autoptr(GString) entry = g_string_new (NULL);
  g_autoptr(GString) mimeapps = g_string_new ("[Default Applications]\n");
  char *opened_path = g_build_filename (xdg_dir, "opened", NULL);

  g_assert_cmpint (g_mkdir_with_parents (applications, 0700), ==, 0);
  g_assert_cmpint (g_mkdir_with_parents (config, 0700), ==, 0);

  quoted = g_shell_quote (opened_path);
  types = g_strjoinv (";", (char **)mime_types);
  g_string_append_printf (entry,
                          "[Desktop Entry]\n"
                          "Type=Application\n"
                          "Name=Test Handler\n"
                          "Exec=sh -c 'printf %%s \"$1\" > %s.part && mv %s.part %s' sh %%u\n"
                          "MimeType=%s;\n",
                          quoted, quoted, quoted, types);
  g_assert_true (g_file_set_contents (entry_path, entry->str, -1, NULL));

  for (guint i = 0; mime_types[i] != NULL; i++)
    g_string_append_printf (mimeapps, "%s=qrs-test-handler.desktop\n", mime_types[i]);
  g_assert_true (g_file_set_contents (mimeapps_path, mimeapps->str, -1, NULL));

  g_setenv ("XDG_DATA_HOME", data, TRUE);
  g_setenv ("XDG_CONFIG_HOME", config, TRUE);

  return opened_path;
}

void
app_test_type_into (QrsWindow  *window,
                    const char *field,
                    const char *text)
{
  gtk_editable_set_text (GTK_EDITABLE (qrs_editor_get_field_row (window->editor, field, 0)), text);
}

/* One of the editor's template children, by its name in the .ui file. */
gpointer
app_test_editor_child (QrsWindow  *window,
                       const char *name)
{
  GObject *child = gtk_widget_get_template_child (GTK_WIDGET (window->editor), QRS_TYPE_EDITOR, name);

  g_assert_nonnull (child);

  return child;
}

void
app_test_select_type (QrsWindow      *window,
                      QrsPayloadType  type)
{
  adw_combo_row_set_selected (app_test_editor_child (window, "type_row"), type);
  g_assert_cmpint (qrs_payload_get_payload_type (qrs_document_get_payload (window->document)), ==, type);
}

void
app_test_set_title (QrsWindow  *window,
                    const char *title)
{
  gtk_editable_set_text (GTK_EDITABLE (app_test_editor_child (window, "title_row")), title);
}

/* Someone else saves the code @id behind the window's back, on a
 * connection of its own. */
void
app_test_change_behind_back (gint64      id,
                             const char *title)
{
  g_autoptr(QrsDatabase) database = NULL;
  g_autoptr(QrsCodeStore) store = NULL;
  g_autoptr(QrsCode) code = NULL;
  g_autoptr(QrsCode) updated = NULL;
  g_autoptr(GError) error = NULL;

  database = qrs_database_new (app_test_get_conninfo (), &error);
  g_assert_no_error (error);
  g_assert_true (qrs_database_connect (database, NULL, &error));
  store = qrs_code_store_new (database);
  code = qrs_code_store_get (store, id, NULL, &error);
  g_assert_no_error (error);
  qrs_code_set_title (code, title);
  updated = qrs_code_store_update (store, code, NULL, &error);
  g_assert_no_error (error);
  qrs_database_close (database);
}

/* The version check lets a test wait for a second save of a code that
 * is stored already; without "expected-version", any stored version
 * will do. */
gboolean
app_test_document_saved (gpointer data)
{
  QrsDocument *document = data;
  QrsCode *stored = qrs_document_get_stored (document);
  int expected = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (document), "expected-version"));

  return stored != NULL && qrs_code_get_version (stored) >= MAX (expected, 1);
}
