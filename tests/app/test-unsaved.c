/* test-unsaved.c — unsaved edits on the real database: they survive
 * switching codes and another desktop's save, closing the window asks
 * about them, and taking theirs in a conflict brings their logo
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

static const char *
editor_title (QrsWindow *window)
{
  return qrs_design_get_title (qrs_document_get_design (qrs_window_get_document (window)));
}

typedef struct
{
  QrsWindow *window;
  gint64     id;
  guint      position;
} FindId;

static gboolean
shown (gpointer data)
{
  FindId *find = data;
  GListModel *model = G_LIST_MODEL (find->window->selection);

  for (guint i = 0; i < g_list_model_get_n_items (model); i++)
    {
      g_autoptr(QrsDocument) document = g_list_model_get_item (model, i);

      if (qrs_document_get_id (document) == find->id && !g_list_store_find (find->window->drafts, document, NULL))
        {
          find->position = i;
          return TRUE;
        }
    }

  return FALSE;
}

/* Selects the database's row of @id, as a click on it does. */
static void
click_code (QrsWindow *window,
            gint64     id)
{
  FindId find = { window, id, 0 };

  app_test_wait_until (shown, &find, 30000);
  gtk_selection_model_select_item (GTK_SELECTION_MODEL (window->selection), find.position, TRUE);
  app_test_iterate (50);
}

/* A new code, saved, and left in the editor; returns its id. */
static gint64
save_new_code (QrsWindow  *window,
               const char *url,
               const char *title)
{
  QrsDocument *document;

  gtk_widget_activate_action (GTK_WIDGET (window), "win.new-code", NULL);
  document = qrs_window_get_document (window);
  app_test_type_into (window, "url", url);
  app_test_set_title (window, title);
  gtk_widget_activate_action (GTK_WIDGET (window), "win.save", NULL);
  app_test_wait_until (app_test_document_saved, document, 30000);

  return qrs_document_get_id (document);
}

/* The row of @id on screen shows the unsaved mark. */
static gboolean
row_marked (QrsWindow *window,
            gint64     id)
{
  GHashTableIter iter;
  gpointer item;

  g_hash_table_iter_init (&iter, window->bound_rows);
  while (g_hash_table_iter_next (&iter, &item, NULL))
    {
      QrsDocument *document = gtk_list_item_get_item (item);

      if (document != NULL && qrs_document_get_id (document) == id)
        return gtk_widget_get_visible (g_object_get_data (item, "modified"));
    }

  return FALSE;
}

/* The window heard of another desktop's save of @id. */
static gboolean
heard_change (gpointer data)
{
  QrsWindow *window = data;
  gint64 id = GPOINTER_TO_INT (g_object_get_data (data, "id"));
  guint position;

  return qrs_code_list_find (window->codes, id, &position) && position == 0;
}

static void
test_unsaved_switching_keeps_edits (void)
{
  QrsWindow *window;
  gint64 a, b;

  app_test_assert_connected ();
  window = app_test_new_window (1200, 800);
  a = save_new_code (window, "https://example.edu/kept-a", "Kept A");
  b = save_new_code (window, "https://example.edu/kept-b", "Kept B");

  click_code (window, a);
  g_assert_cmpstr (editor_title (window), ==, "Kept A");
  app_test_set_title (window, "Kept A, edited");

  /* Away and back: the edit is still there, and the row says so. */
  click_code (window, b);
  g_assert_cmpstr (editor_title (window), ==, "Kept B");
  app_test_iterate (200);
  g_assert_true (row_marked (window, a));
  g_assert_false (row_marked (window, b));
  click_code (window, a);
  g_assert_cmpstr (editor_title (window), ==, "Kept A, edited");
  g_assert_true (qrs_document_get_modified (qrs_window_get_document (window)));

  /* Another desktop saves it while we are on another code: the list
   * reloads, and the edits stay. */
  click_code (window, b);
  g_object_set_data (G_OBJECT (window), "id", GINT_TO_POINTER (a));
  app_test_change_behind_back (a, "Kept A, theirs");
  app_test_wait_until (heard_change, window, 30000);
  app_test_iterate (1000);
  click_code (window, a);
  g_assert_cmpstr (editor_title (window), ==, "Kept A, edited");

  app_test_close_window (window);
}

static GBytes *
make_logo (void)
{
  cairo_surface_t *surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, 32, 32);
  g_autofree char *dir = app_test_tmpdir ();
  g_autofree char *path = g_build_filename (dir, "logo.png", NULL);
  char *data = NULL;
  gsize length;
  cairo_t *cr = cairo_create (surface);

  cairo_set_source_rgb (cr, 0.8, 0.3, 0.1);
  cairo_paint (cr);
  cairo_destroy (cr);
  g_assert_cmpint (cairo_surface_write_to_png (surface, path), ==, CAIRO_STATUS_SUCCESS);
  cairo_surface_destroy (surface);
  g_assert_true (g_file_get_contents (path, &data, &length, NULL));

  return g_bytes_new_take (data, length);
}

static gboolean
showing_title (gpointer data)
{
  QrsWindow *window = data;

  return g_strcmp0 (adw_window_title_get_title (window->window_title),
                    g_object_get_data (data, "title")) == 0;
}

static gboolean
editor_logo_loaded (gpointer data)
{
  QrsDocument *document = qrs_window_get_document (data);

  return qrs_design_get_logo (qrs_document_get_design (document)) != NULL;
}

/* Discard Mine in the conflict dialog: their version, logo and all. */
static void
test_unsaved_discard_mine_keeps_logo (void)
{
  g_autoptr(GBytes) logo = make_logo ();
  g_autoptr(GError) error = NULL;
  QrsWindow *window;
  QrsDocument *document;
  gint64 id;

  app_test_assert_connected ();
  window = app_test_new_window (1200, 800);
  document = qrs_window_get_document (window);
  app_test_type_into (window, "url", "https://example.edu/logo-conflict");
  app_test_set_title (window, "Logo, mine");
  g_assert_true (qrs_design_set_logo (qrs_document_get_design (document), logo, &error));
  g_assert_no_error (error);
  gtk_widget_activate_action (GTK_WIDGET (window), "win.save", NULL);
  app_test_wait_until (app_test_document_saved, document, 30000);
  id = qrs_document_get_id (document);

  app_test_change_behind_back (id, "Logo, theirs");
  app_test_set_title (window, "Logo, mine again");
  gtk_widget_activate_action (GTK_WIDGET (window), "win.save", NULL);
  app_test_wait_until (app_test_dialog_shown, NULL, 30000);
  app_test_respond (app_test_find_dialog (), "theirs");

  g_object_set_data (G_OBJECT (window), "title", (gpointer)"Logo, theirs");
  app_test_wait_until (showing_title, window, 30000);
  g_assert_true (qrs_window_get_document (window) != document);
  app_test_wait_until (editor_logo_loaded, window, 30000);
  g_assert_true (g_bytes_equal (qrs_design_get_logo (qrs_document_get_design (qrs_window_get_document (window))),
                                logo));

  app_test_close_window (window);
}

static gboolean
pointer_cleared (gpointer data)
{
  return *(gpointer *)data == NULL;
}

static QrsCode *
read_row (gint64 id)
{
  g_autoptr(GError) error = NULL;
  QrsCode *code;

  code = qrs_code_store_get (qrs_connection_get_code_store (qrs_application_get_connection (app ())),
                             id, NULL, &error);
  g_assert_no_error (error);

  return code;
}

/* Closing with a saved code edited and a new draft: Cancel keeps the
 * window; Save saves both, then closes it. */
static void
test_unsaved_close_saves (void)
{
  QrsWindow *window;
  AdwMessageDialog *dialog;
  g_autoptr(QrsDocument) draft = NULL;
  g_autoptr(QrsCode) row = NULL;
  g_autoptr(QrsCode) draft_row = NULL;
  g_autofree char *body = NULL;
  gint64 a;

  app_test_assert_connected ();
  window = app_test_new_window (1200, 800);
  g_object_add_weak_pointer (G_OBJECT (window), (gpointer *)&window);

  a = save_new_code (window, "https://example.edu/close-a", "Close A");
  app_test_set_title (window, "Close A, edited");
  gtk_widget_activate_action (GTK_WIDGET (window), "win.new-code", NULL);
  draft = g_object_ref (qrs_window_get_document (window));
  app_test_type_into (window, "url", "https://example.edu/close-draft");
  app_test_set_title (window, "Close draft");

  /* Ctrl+Q closes every window, each asking first. */
  g_action_group_activate_action (G_ACTION_GROUP (app ()), "quit", NULL);
  app_test_wait_until (app_test_dialog_shown, NULL, 10000);
  dialog = app_test_find_dialog ();
  g_assert_cmpstr (adw_message_dialog_get_heading (dialog), ==, "Save Changes?");
  body = g_strdup (adw_message_dialog_get_body (dialog));
  g_assert_nonnull (strstr (body, "Close A, edited"));
  g_assert_nonnull (strstr (body, "Close draft"));
  g_assert_true (adw_message_dialog_has_response (dialog, "discard"));
  app_test_respond (dialog, "cancel");
  app_test_iterate (100);
  g_assert_nonnull (window);
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (window)));

  gtk_window_close (GTK_WINDOW (window));
  app_test_wait_until (app_test_dialog_shown, NULL, 10000);
  app_test_respond (app_test_find_dialog (), "save");
  app_test_wait_until (pointer_cleared, &window, 30000);

  row = read_row (a);
  g_assert_cmpstr (qrs_code_get_title (row), ==, "Close A, edited");
  g_assert_cmpint (qrs_document_get_id (draft), >, 0);
  draft_row = read_row (qrs_document_get_id (draft));
  g_assert_cmpstr (qrs_code_get_title (draft_row), ==, "Close draft");
}

static gboolean
toast_says_fix (gpointer data)
{
  QrsWindow *window = data;

  return window->last_toast != NULL
         && g_strcmp0 (adw_toast_get_title (window->last_toast), "Fix the marked field before saving") == 0;
}

/* A save that fails keeps the window open and says why; Discard closes. */
static void
test_unsaved_close_failed_save (void)
{
  QrsWindow *window;

  app_test_assert_connected ();
  window = app_test_new_window (1200, 800);
  g_object_add_weak_pointer (G_OBJECT (window), (gpointer *)&window);
  app_test_type_into (window, "url", "not an address at all");
  app_test_set_title (window, "Broken draft");
  g_assert_nonnull (qrs_document_get_error (qrs_window_get_document (window)));

  gtk_window_close (GTK_WINDOW (window));
  app_test_wait_until (app_test_dialog_shown, NULL, 10000);
  app_test_respond (app_test_find_dialog (), "save");
  app_test_wait_until (toast_says_fix, window, 10000);
  app_test_iterate (200);
  g_assert_nonnull (window);
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (window)));

  gtk_window_close (GTK_WINDOW (window));
  app_test_wait_until (app_test_dialog_shown, NULL, 10000);
  app_test_respond (app_test_find_dialog (), "discard");
  app_test_wait_until (pointer_cleared, &window, 10000);
}

int
main (int   argc,
      char *argv[])
{
  app_test_init_with_database (&argc, &argv);

  g_test_add_func ("/app/unsaved/switching-keeps-edits", test_unsaved_switching_keeps_edits);
  g_test_add_func ("/app/unsaved/discard-mine-keeps-logo", test_unsaved_discard_mine_keeps_logo);
  g_test_add_func ("/app/unsaved/close-saves", test_unsaved_close_saves);
  g_test_add_func ("/app/unsaved/close-failed-save", test_unsaved_close_failed_save);

  return app_test_run_tests ();
}
