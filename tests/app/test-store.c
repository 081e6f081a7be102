/* test-store.c — the app on the real database: save, load in another
 * window, dynamic short links, the conflict dialog, logos in the shared
 * assets, and a database that cannot be reached
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

typedef struct
{
  QrsWindow *window;
  gint64     id;
} FindId;

static gboolean
library_has (gpointer data)
{
  FindId *find = data;
  GListModel *library = qrs_window_get_library (find->window);

  for (guint i = 0; i < g_list_model_get_n_items (library); i++)
    {
      g_autoptr(QrsDocument) document = g_list_model_get_item (library, i);

      if (qrs_document_get_id (document) == find->id)
        return TRUE;
    }

  return FALSE;
}

/* Returns: (transfer full): the document the library shows for @id */
static QrsDocument *
find_in_library (QrsWindow *window,
                 gint64     id)
{
  FindId find = { window, id };
  GListModel *library = qrs_window_get_library (window);

  app_test_wait_until (library_has, &find, 30000);
  for (guint i = 0; i < g_list_model_get_n_items (library); i++)
    {
      g_autoptr(QrsDocument) document = g_list_model_get_item (library, i);

      if (qrs_document_get_id (document) == id)
        return g_steal_pointer (&document);
    }

  g_assert_not_reached ();
}

static void
test_store_save_and_reload (void)
{
  QrsWindow *window, *other;
  QrsDocument *document;
  g_autoptr(QrsDocument) loaded = NULL;
  g_autoptr(QrsCode) row = NULL;
  g_autoptr(GError) error = NULL;

  app_test_assert_connected ();
  window = app_test_new_window (1200, 800);
  document = qrs_window_get_document (window);
  app_test_type_into (window, "url", "https://example.edu/saved");
  app_test_set_title (window, "Saved poster");

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.save", NULL));
  app_test_wait_until (app_test_document_saved, document, 30000);

  /* It is in the database as the editor said it. */
  row = qrs_code_store_get (qrs_connection_get_code_store (qrs_application_get_connection (app ())),
                            qrs_document_get_id (document), NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (qrs_code_get_title (row), ==, "Saved poster");
  g_assert_cmpstr (qrs_code_get_encoded (row), ==, "https://example.edu/saved");

  /* Revert drops unsaved edits. */
  app_test_set_title (window, "Not saved");
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.revert", NULL));
  g_assert_cmpstr (adw_window_title_get_title (window->window_title), ==, "Saved poster");
  document = qrs_window_get_document (window);
  g_assert_cmpstr (qrs_design_get_title (qrs_document_get_design (document)), ==, "Saved poster");

  /* Another window finds it in its library. */
  other = app_test_new_window (1200, 800);
  loaded = find_in_library (other, qrs_document_get_id (document));
  g_assert_cmpstr (qrs_document_get_text (loaded), ==, "https://example.edu/saved");

  app_test_close_window (other);
  app_test_close_window (window);
}

static gboolean
short_id_assigned (gpointer data)
{
  return qrs_document_get_short_id (data) != NULL;
}

static void
test_store_dynamic (void)
{
  QrsWindow *window;
  QrsDocument *document;
  g_autofree char *png = NULL;
  g_autofree char *decoded = NULL;
  const char *text;

  app_test_assert_connected ();
  window = app_test_new_window (1200, 800);
  document = qrs_window_get_document (window);
  gtk_switch_set_active (GTK_SWITCH (gtk_widget_get_template_child (GTK_WIDGET (window->editor),
                                                                    QRS_TYPE_EDITOR, "dynamic_switch")),
                         TRUE);
  app_test_type_into (window, "url", "https://example.edu/enrol");
  app_test_set_title (window, "Enrolment");

  gtk_widget_activate_action (GTK_WIDGET (window), "win.save", NULL);
  app_test_wait_until (short_id_assigned, document, 30000);
  g_assert_cmpuint (strlen (qrs_document_get_short_id (document)), ==, 8);

  /* The symbol says the short link the database gave it. */
  text = qrs_document_get_text (document);
  g_assert_true (g_str_has_prefix (text, "http://localhost:8080/r/"));
  g_assert_true (g_str_has_suffix (text, qrs_document_get_short_id (document)));
  app_test_wait_for_draw (GTK_WIDGET (window->preview));
  png = app_test_save_snapshot (GTK_WIDGET (window->preview), "dynamic.png");
  decoded = app_test_decode (png);
  g_assert_cmpstr (decoded, ==, text);

  app_test_close_window (window);
}

static gboolean
stored_version_is (gpointer data)
{
  QrsDocument *document = data;
  QrsCode *stored = qrs_document_get_stored (document);
  int expected = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (document), "expected-version"));

  return stored != NULL && qrs_code_get_version (stored) == expected;
}

static gboolean
showing_theirs (gpointer data)
{
  QrsWindow *window = data;

  return g_strcmp0 (adw_window_title_get_title (window->window_title), "Theirs again") == 0;
}

static void
test_store_conflict (void)
{
  QrsWindow *window;
  QrsDocument *document;
  AdwMessageDialog *dialog;
  g_autoptr(QrsCode) row = NULL;
  g_autoptr(GError) error = NULL;
  QrsCodeStore *store;

  app_test_assert_connected ();
  store = qrs_connection_get_code_store (qrs_application_get_connection (app ()));
  window = app_test_new_window (1200, 800);
  document = qrs_window_get_document (window);
  app_test_type_into (window, "url", "https://example.edu/conflict");
  app_test_set_title (window, "Mine");
  gtk_widget_activate_action (GTK_WIDGET (window), "win.save", NULL);
  app_test_wait_until (app_test_document_saved, document, 30000);
  g_assert_cmpint (qrs_code_get_version (qrs_document_get_stored (document)), ==, 1);

  /* Theirs (version 2), then mine on top of version 1: a conflict. */
  app_test_change_behind_back (qrs_document_get_id (document), "Theirs");
  app_test_set_title (window, "Mine, edited");
  gtk_widget_activate_action (GTK_WIDGET (window), "win.save", NULL);
  app_test_wait_until (app_test_dialog_shown, NULL, 30000);
  dialog = app_test_find_dialog ();
  g_assert_true (adw_message_dialog_has_response (dialog, "mine"));
  g_assert_true (adw_message_dialog_has_response (dialog, "theirs"));

  /* Keep mine: saved over theirs, as version 3. */
  g_object_set_data (G_OBJECT (document), "expected-version", GINT_TO_POINTER (3));
  app_test_respond (dialog, "mine");
  app_test_wait_until (stored_version_is, document, 30000);
  row = qrs_code_store_get (store, qrs_document_get_id (document), NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (qrs_code_get_title (row), ==, "Mine, edited");
  app_test_wait_until (app_test_no_dialog, NULL, 10000);

  /* Another conflict; this time take theirs. */
  app_test_change_behind_back (qrs_document_get_id (document), "Theirs again");
  app_test_set_title (window, "Mine again");
  gtk_widget_activate_action (GTK_WIDGET (window), "win.save", NULL);
  app_test_wait_until (app_test_dialog_shown, NULL, 30000);
  {
    gint64 id = qrs_document_get_id (document);
    g_autoptr(QrsDocument) theirs = NULL;

    app_test_respond (app_test_find_dialog (), "theirs");
    app_test_wait_until (showing_theirs, window, 30000);
    theirs = find_in_library (window, id);
    g_assert_true (qrs_window_get_document (window) == theirs);
    g_assert_true (theirs != document);
    g_assert_cmpint (qrs_code_get_version (qrs_document_get_stored (theirs)), ==, 4);
  }

  app_test_close_window (window);
}

static gboolean
logo_loaded (gpointer data)
{
  return qrs_design_get_logo (qrs_document_get_design (data)) != NULL;
}

static void
test_store_logo (void)
{
  QrsWindow *window, *other;
  QrsDocument *document;
  g_autoptr(QrsDocument) loaded = NULL;
  cairo_surface_t *surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, 32, 32);
  g_autofree char *dir = app_test_tmpdir ();
  g_autofree char *path = g_build_filename (dir, "logo.png", NULL);
  g_autofree char *data = NULL;
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GError) error = NULL;
  gsize length;
  cairo_t *cr = cairo_create (surface);

  cairo_set_source_rgb (cr, 0.2, 0.5, 0.8);
  cairo_paint (cr);
  cairo_destroy (cr);
  g_assert_cmpint (cairo_surface_write_to_png (surface, path), ==, CAIRO_STATUS_SUCCESS);
  cairo_surface_destroy (surface);
  g_assert_true (g_file_get_contents (path, &data, &length, NULL));
  bytes = g_bytes_new_take (g_steal_pointer (&data), length);

  app_test_assert_connected ();
  window = app_test_new_window (1200, 800);
  document = qrs_window_get_document (window);
  app_test_type_into (window, "url", "https://example.edu/logo");
  g_assert_true (qrs_design_set_logo (qrs_document_get_design (document), bytes, &error));
  gtk_widget_activate_action (GTK_WIDGET (window), "win.save", NULL);
  app_test_wait_until (app_test_document_saved, document, 30000);

  other = app_test_new_window (1200, 800);
  loaded = find_in_library (other, qrs_document_get_id (document));
  app_test_wait_until (logo_loaded, loaded, 30000);
  g_assert_true (g_bytes_equal (qrs_design_get_logo (qrs_document_get_design (loaded)), bytes));

  app_test_close_window (other);
  app_test_close_window (window);
}

static gboolean
row_gone (gpointer data)
{
  QrsCodeStore *store = qrs_connection_get_code_store (qrs_application_get_connection (app ()));
  g_autoptr(QrsCode) code = NULL;
  g_autoptr(GError) error = NULL;

  code = qrs_code_store_get (store, GPOINTER_TO_INT (data), NULL, &error);

  return code == NULL && g_error_matches (error, QRS_DATABASE_ERROR, QRS_DATABASE_ERROR_NOT_FOUND);
}

static void
test_store_delete (void)
{
  QrsWindow *window;
  QrsDocument *document;
  gint64 id;

  app_test_assert_connected ();
  window = app_test_new_window (1200, 800);
  document = qrs_window_get_document (window);
  app_test_type_into (window, "url", "https://example.edu/short-lived");
  gtk_widget_activate_action (GTK_WIDGET (window), "win.save", NULL);
  app_test_wait_until (app_test_document_saved, document, 30000);
  id = qrs_document_get_id (document);

  /* Undo keeps it, in the list and in the database. */
  gtk_selection_model_unselect_all (GTK_SELECTION_MODEL (window->selection));
  gtk_selection_model_select_item (GTK_SELECTION_MODEL (window->selection), 0, TRUE);
  g_assert_true (qrs_window_get_document (window) == document);
  gtk_widget_activate_action (GTK_WIDGET (window), "win.delete-selected", NULL);
  gtk_widget_activate_action (GTK_WIDGET (window), "win.undo-delete", NULL);
  app_test_iterate (300);
  g_assert_false (row_gone (GINT_TO_POINTER (id)));

  /* Without Undo, it goes from the database when the toast goes. */
  gtk_selection_model_unselect_all (GTK_SELECTION_MODEL (window->selection));
  {
    GListModel *model = G_LIST_MODEL (window->selection);

    /* The database's rows are documents made as they are shown: the
     * code is found by its id. */
    for (guint i = 0; i < g_list_model_get_n_items (model); i++)
      {
        g_autoptr(QrsDocument) item = g_list_model_get_item (model, i);

        if (qrs_document_get_id (item) == id)
          gtk_selection_model_select_item (GTK_SELECTION_MODEL (window->selection), i, TRUE);
      }
  }
  gtk_widget_activate_action (GTK_WIDGET (window), "win.delete-selected", NULL);
  g_assert_nonnull (window->delete_toast);
  _qrs_window_dismiss_toast (window, window->delete_toast);
  app_test_wait_until (row_gone, GINT_TO_POINTER (id), 30000);

  app_test_close_window (window);
}

static gboolean
one_match (gpointer data)
{
  QrsWindow *window = data;

  return g_list_model_get_n_items (G_LIST_MODEL (window->selection)) == 1;
}

static void
test_store_search (void)
{
  QrsWindow *window, *other;
  const char *titles[] = { "Biblioteca: horario de verano", "Cafeteria menu" };
  gint64 ids[2];

  app_test_assert_connected ();
  window = app_test_new_window (1200, 800);
  for (guint i = 0; i < G_N_ELEMENTS (titles); i++)
    {
      QrsDocument *document;

      if (i > 0)
        gtk_widget_activate_action (GTK_WIDGET (window), "win.new-code", NULL);
      document = qrs_window_get_document (window);
      app_test_type_into (window, "url", i == 0 ? "https://example.edu/biblioteca" : "https://example.edu/menu");
      app_test_set_title (window, titles[i]);
      gtk_widget_activate_action (GTK_WIDGET (window), "win.save", NULL);
      app_test_wait_until (app_test_document_saved, document, 30000);
      ids[i] = qrs_document_get_id (document);
    }

  /* Another desktop searches the database, accents folded. */
  other = app_test_new_window (1200, 800);
  g_object_unref (find_in_library (other, ids[1]));
  gtk_editable_set_text (GTK_EDITABLE (other->search_entry), "horário");
  app_test_wait_until (one_match, other, 30000);
  {
    g_autoptr(QrsDocument) match = g_list_model_get_item (G_LIST_MODEL (other->selection), 0);

    g_assert_cmpint (qrs_document_get_id (match), ==, ids[0]);
  }
  gtk_editable_set_text (GTK_EDITABLE (other->search_entry), "");
  app_test_iterate (300);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (other->selection)), >=, 2);

  app_test_close_window (other);
  app_test_close_window (window);
}

static gboolean
library_at_least (gpointer data)
{
  QrsWindow *window = data;
  guint wanted = GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (window), "wanted"));

  return g_list_model_get_n_items (qrs_window_get_library (window)) >= wanted;
}

/* How soon a window is up with many codes in the database, and how soon
 * its library is filled: measured and reported; the bounds only catch a
 * window that waits on the database. */
static void
test_store_launch_with_many_codes (void)
{
  g_autoptr(QrsDatabase) database = NULL;
  g_autoptr(QrsCodeStore) store = NULL;
  g_autoptr(GError) error = NULL;
  const guint n = 2000;
  QrsWindow *window;
  gint64 begin, first_frame, filled;

  app_test_assert_connected ();
  database = qrs_database_new (app_test_get_conninfo (), &error);
  g_assert_no_error (error);
  g_assert_true (qrs_database_connect (database, NULL, &error));
  store = qrs_code_store_new (database);
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(QrsDocument) document = qrs_document_new ();
      g_autoptr(QrsPayload) payload = qrs_payload_new (QRS_PAYLOAD_TYPE_URL);
      g_autofree char *url = g_strdup_printf ("https://example.edu/code/%u", i);
      g_autofree char *title = g_strdup_printf ("Code number %u", i);
      g_autoptr(QrsCode) code = NULL;
      g_autoptr(QrsCode) created = NULL;

      g_assert_true (qrs_payload_set (payload, "url", url, NULL));
      qrs_document_set_payload (document, payload);
      qrs_design_set_title (qrs_document_get_design (document), title);
      code = qrs_document_to_code (document);
      created = qrs_code_store_create (store, code, NULL, &error);
      g_assert_no_error (error);
    }
  qrs_database_close (database);

  begin = g_get_monotonic_time ();
  window = app_test_new_window (1200, 800);
  first_frame = g_get_monotonic_time () - begin;
  /* The drafts and every code: the list counts them once its first page
   * is read. */
  g_object_set_data (G_OBJECT (window), "wanted", GUINT_TO_POINTER (n + 1));
  app_test_wait_until (library_at_least, window, 60000);
  filled = g_get_monotonic_time () - begin;

  g_test_message ("window to first frame with %u codes in the database: %.1f ms", n, first_frame / 1000.0);
  g_test_message ("window to a library of all %u codes, its first page read: %.1f ms", n, filled / 1000.0);
  g_assert_cmpint (first_frame, <, 5 * G_TIME_SPAN_SECOND);

  app_test_close_window (window);
}

static gboolean
connection_failed (gpointer data)
{
  return qrs_application_get_connection_state (app ()) == QRS_CONNECTION_STATE_FAILED;
}

static void
test_store_unreachable (void)
{
  QrsWindow *window = app_test_new_window (1200, 800);
  g_autoptr(GSettings) settings = g_settings_new (APP_ID);

  app_test_assert_connected ();

  /* No server listens there: the sidebar says so, the editor goes on. */
  g_settings_set_string (settings, "database", "host=/nonexistent-qrs-socket-dir port=1 dbname=x");
  qrs_application_reconnect (app ());
  app_test_wait_until (connection_failed, NULL, 60000);
  g_assert_cmpstr (gtk_stack_get_visible_child_name (window->library_stack), ==, "status");
  g_assert_cmpstr (adw_status_page_get_title (window->status_page), ==, "Cannot Reach the Database");
  app_test_type_into (window, "url", "https://example.edu/offline");
  g_assert_cmpstr (qrs_document_get_text (qrs_window_get_document (window)), ==,
                   "https://example.edu/offline");

  /* Saving says why it cannot, and nothing breaks. */
  gtk_widget_activate_action (GTK_WIDGET (window), "win.save", NULL);
  g_assert_cmpint (qrs_document_get_id (qrs_window_get_document (window)), ==, 0);

  /* Back to the right database: Try Again brings the library back. */
  g_settings_set_string (settings, "database", app_test_get_conninfo ());
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.reconnect", NULL));
  app_test_assert_connected ();
  g_assert_cmpstr (gtk_stack_get_visible_child_name (window->library_stack), ==, "list");

  app_test_close_window (window);
}


typedef struct
{
  QrsWindow  *window;
  gint64      id;
  const char *title;  /* NULL: the row must be gone */
} LibraryRow;

static gboolean
library_shows (gpointer data)
{
  LibraryRow *row = data;
  guint n = g_list_model_get_n_items (row->window->library);

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(QrsDocument) document = g_list_model_get_item (row->window->library, i);

      if (qrs_document_get_id (document) == row->id)
        return row->title != NULL &&
               g_strcmp0 (qrs_design_get_title (qrs_document_get_design (document)), row->title) == 0;
    }

  return row->title == NULL;
}

/* Another desktop adds, renames and deletes a code: the open library
 * follows without a restart. */
static void
test_store_live_refresh (void)
{
  g_autoptr(QrsDatabase) database = NULL;
  g_autoptr(QrsCodeStore) store = NULL;
  g_autoptr(QrsDocument) theirs = qrs_document_new ();
  g_autoptr(QrsPayload) payload = qrs_payload_new (QRS_PAYLOAD_TYPE_TEXT);
  g_autoptr(QrsCode) draft = NULL;
  g_autoptr(QrsCode) created = NULL;
  g_autoptr(QrsCode) renamed = NULL;
  g_autoptr(QrsCode) edited = NULL;
  g_autoptr(GError) error = NULL;
  QrsWindow *window;
  LibraryRow row;

  app_test_assert_connected ();
  window = app_test_new_window (1200, 800);
  app_test_iterate (500);

  database = qrs_database_new (app_test_get_conninfo (), &error);
  g_assert_no_error (error);
  g_assert_true (qrs_database_connect (database, NULL, &error));
  store = qrs_code_store_new (database);

  /* As the other desktop's app would write it. */
  qrs_payload_set (payload, "text", "Room 101", NULL);
  qrs_document_set_payload (theirs, payload);
  qrs_design_set_title (qrs_document_get_design (theirs), "Made on another desktop");
  draft = qrs_document_to_code (theirs);
  created = qrs_code_store_create (store, draft, NULL, &error);
  g_assert_no_error (error);

  row = (LibraryRow) { window, qrs_code_get_id (created), "Made on another desktop" };
  app_test_wait_until (library_shows, &row, 30000);

  edited = qrs_code_copy (created);
  qrs_code_set_title (edited, "Renamed on another desktop");
  renamed = qrs_code_store_update (store, edited, NULL, &error);
  g_assert_no_error (error);
  row.title = "Renamed on another desktop";
  app_test_wait_until (library_shows, &row, 30000);

  g_assert_true (qrs_code_store_delete (store, qrs_code_get_id (renamed),
                                        qrs_code_get_version (renamed), NULL, &error));
  g_assert_no_error (error);
  row.title = NULL;
  app_test_wait_until (library_shows, &row, 30000);

  qrs_database_close (database);
  app_test_close_window (window);
}

/* tools/run points short links at its own daemon for one run with
 * --redirect-base-url: the symbol and the stored row both follow it, and
 * the saved preference stays as it was. */
static void
test_store_run_short_links (void)
{
  g_autoptr(GVariantDict) bad = g_variant_dict_new (NULL);
  g_autoptr(GVariantDict) good = g_variant_dict_new (NULL);
  g_autofree char *saved = NULL;
  g_autofree char *expected = NULL;
  QrsWindow *window;
  QrsDocument *document;
  QrsCode *stored;
  int status = 0;

  g_variant_dict_insert (bad, "redirect-base-url", "s", "ftp://127.0.0.1/r/");
  g_signal_emit_by_name (app (), "handle-local-options", bad, &status);
  g_assert_cmpint (status, ==, 2);

  g_variant_dict_insert (good, "redirect-base-url", "s", "http://127.0.0.1:9/r/");
  g_signal_emit_by_name (app (), "handle-local-options", good, &status);
  g_assert_cmpint (status, ==, -1);
  qrs_application_reconnect (app ());
  app_test_assert_connected ();

  window = app_test_new_window (1200, 800);
  document = qrs_window_get_document (window);
  gtk_switch_set_active (GTK_SWITCH (gtk_widget_get_template_child (GTK_WIDGET (window->editor),
                                                                    QRS_TYPE_EDITOR, "dynamic_switch")),
                         TRUE);
  app_test_type_into (window, "url", "https://example.edu/run");
  app_test_set_title (window, "Test-scan on localhost");
  gtk_widget_activate_action (GTK_WIDGET (window), "win.save", NULL);
  app_test_wait_until (short_id_assigned, document, 30000);

  expected = g_strconcat ("http://127.0.0.1:9/r/", qrs_document_get_short_id (document), NULL);
  g_assert_cmpstr (qrs_document_get_text (document), ==, expected);
  app_test_wait_until (app_test_document_saved, document, 30000);
  stored = qrs_document_get_stored (document);
  g_assert_nonnull (stored);
  g_assert_cmpstr (qrs_code_get_encoded (stored), ==, expected);

  saved = g_settings_get_string (qrs_application_get_settings (app ()), "redirect-base-url");
  g_assert_cmpstr (saved, ==, "http://localhost:8080/r/");

  app_test_close_window (window);
}

int
main (int   argc,
      char *argv[])
{
  app_test_init_with_database (&argc, &argv);

  g_test_add_func ("/app/store/save-and-reload", test_store_save_and_reload);
  g_test_add_func ("/app/store/dynamic", test_store_dynamic);
  g_test_add_func ("/app/store/conflict", test_store_conflict);
  g_test_add_func ("/app/store/logo", test_store_logo);
  g_test_add_func ("/app/store/delete", test_store_delete);
  g_test_add_func ("/app/store/search", test_store_search);
  g_test_add_func ("/app/store/launch-with-many-codes", test_store_launch_with_many_codes);
  g_test_add_func ("/app/store/live-refresh", test_store_live_refresh);
  g_test_add_func ("/app/store/run-short-links", test_store_run_short_links);
  g_test_add_func ("/app/store/unreachable", test_store_unreachable);

  return app_test_run_tests ();
}
