/* test-big-delete.c — deleting a selection bigger than the library keeps
 * in memory: every code leaves the library at once and the database
 * when the toast goes, Undo brings them all back, Cancel while they are
 * read leaves everything as it was, and a code changed elsewhere
 * meanwhile is kept
 *
 * QRS_TEST_BIG_DELETE_CODES sets how many codes are made (4,500 by
 * default); the times are reported, never asserted.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "app-test-utils.h"
#include "qrs-window-private.h"

/* More codes than the code list keeps pages of (20 × 200). */
static guint n_codes = 4500;
#define TITLE "Big delete"

/* Every test starts from n_codes codes and an empty audit trail. */
static void
make_codes (void)
{
  app_test_assert_connected ();
  app_test_sql ("TRUNCATE codes, code_events");
  app_test_make_url_codes (TITLE, n_codes);
}

static gint64
count_codes (void)
{
  return app_test_sql_int64 ("SELECT count(*) FROM codes");
}

static gint64
count_deletes (void)
{
  return app_test_sql_int64 ("SELECT count(*) FROM code_events WHERE action = 'delete'");
}

static gboolean
database_count_is (gpointer data)
{
  return count_codes () == GPOINTER_TO_INT (data);
}

static gboolean
batch_finished (gpointer data)
{
  return ((QrsWindow *)data)->batch_cancellable == NULL;
}

/* A window showing every code, all of them selected (its own new draft
 * too), most of them not in memory. */
static QrsWindow *
window_with_all_selected (void)
{
  QrsWindow *window;
  g_autoptr(GtkBitset) selected = NULL;

  make_codes ();
  window = app_test_new_window (1200, 800);
  app_test_wait_for_library (window, n_codes, 60000);

  gtk_selection_model_select_all (GTK_SELECTION_MODEL (window->selection));
  selected = gtk_selection_model_get_selection (GTK_SELECTION_MODEL (window->selection));
  g_assert_cmpuint (gtk_bitset_get_size (selected), ==, n_codes + 1);
  g_assert_cmpuint (qrs_code_list_get_n_cached_pages (window->codes), <=, QRS_CODE_LIST_MAX_PAGES);

  return window;
}

/* Delete, and wait for the codes to be read: the toast is up. */
static void
delete_all (QrsWindow *window)
{
  g_autofree char *title = g_strdup_printf ("%u codes deleted", n_codes + 1);
  guint64 asked = qrs_code_list_get_n_asked (window->codes);

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.delete-selected", NULL));
  /* The selection is read a page at a time, not asked of the list row
   * by row (a placeholder for each row not read yet). */
  g_assert_cmpuint (qrs_code_list_get_n_asked (window->codes) - asked, <, QRS_CODE_LIST_PAGE_SIZE);
  app_test_wait_until (batch_finished, window, 60000);
  g_assert_false (gtk_revealer_get_reveal_child (window->batch_revealer));
  g_assert_nonnull (window->delete_toast);
  g_assert_cmpstr (adw_toast_get_title (window->delete_toast), ==, title);
}

typedef struct
{
  QrsWindow  *window;
  const char *title;
} Toast;

static gboolean
toast_is (gpointer data)
{
  Toast *toast = data;
  AdwToast *shown = toast->window->last_toast;

  return shown != NULL && g_strcmp0 (adw_toast_get_title (shown), toast->title) == 0;
}

static void
wait_for_toast (QrsWindow  *window,
                const char *title)
{
  Toast toast = { window, title };

  g_test_message ("waiting for the toast “%s”", title);
  app_test_wait_until (toast_is, &toast, 30000);
}

static gboolean
nothing_hidden (gpointer data)
{
  QrsWindow *window = data;

  return window->query->hidden_ids == NULL || window->query->hidden_ids->len == 0;
}

static void
test_big_delete_all (void)
{
  QrsWindow *window = window_with_all_selected ();
  gint64 begin = g_get_monotonic_time ();
  gint64 read, hidden;

  delete_all (window);
  read = g_get_monotonic_time ();

  /* Out of the library at once, still in the database while the toast
   * is up. */
  app_test_wait_for_library (window, 0, 10000);
  hidden = g_get_monotonic_time ();
  g_assert_cmpuint (window->query->hidden_ids->len, ==, n_codes);
  g_assert_cmpint (count_codes (), ==, n_codes);
  g_assert_cmpint (count_deletes (), ==, 0);

  /* The toast goes: the database's codes go, each on the audit trail. */
  _qrs_window_dismiss_toast (window, window->delete_toast);
  app_test_wait_until (database_count_is, GINT_TO_POINTER (0), 60000);
  g_test_message ("%u codes: read in %.2f s, out of the library %.2f s later, "
                  "out of the database %.2f s after the toast went",
                  n_codes, (read - begin) / 1e6, (hidden - read) / 1e6,
                  (g_get_monotonic_time () - hidden) / 1e6);
  g_assert_cmpint (count_deletes (), ==, n_codes);
  /* Their ids no longer go with every query of the library. */
  app_test_wait_until (nothing_hidden, window, 30000);

  /* Nothing comes back, not even the draft by Ctrl+Z: with its toast
   * gone, the delete is done. */
  gtk_widget_activate_action (GTK_WIDGET (window), "win.undo-delete", NULL);
  app_test_iterate (300);
  app_test_wait_for_library (window, 0, 10000);
  g_assert_cmpuint (g_list_model_get_n_items (qrs_window_get_library (window)), ==, 0);

  app_test_close_window (window);
}

static void
test_big_delete_undo (void)
{
  QrsWindow *window = window_with_all_selected ();

  delete_all (window);
  app_test_wait_for_library (window, 0, 10000);

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.undo-delete", NULL));
  app_test_wait_for_library (window, n_codes, 30000);
  g_assert_cmpuint (window->query->hidden_ids->len, ==, 0);
  /* The draft is back above them. */
  g_assert_cmpuint (g_list_model_get_n_items (qrs_window_get_library (window)), ==, n_codes + 1);

  app_test_iterate (500);
  g_assert_cmpint (count_codes (), ==, n_codes);
  g_assert_cmpint (count_deletes (), ==, 0);

  app_test_close_window (window);
}

/* Cancel, as soon as the first page of codes is read. */
static void
fraction_changed_cb (GtkProgressBar *bar,
                     GParamSpec     *pspec,
                     QrsWindow      *window)
{
  double fraction = gtk_progress_bar_get_fraction (bar);

  if (fraction > 0 && fraction < 1 && window->batch_cancellable != NULL)
    {
      /* The first page: 200 of the database's codes, the draft aside. */
      g_autofree char *expected = g_strdup_printf ("Reading 200 of %u codes to delete…", n_codes);

      g_assert_cmpstr (gtk_label_get_label (window->batch_label), ==, expected);
      g_assert_cmpfloat (fraction, ==, 200.0 / n_codes);
      g_test_message ("cancelling at %.0f %%", fraction * 100);
      g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.cancel-batch", NULL));
    }
}

static void
test_big_delete_cancel (void)
{
  QrsWindow *window = window_with_all_selected ();
  GCancellable *running;
  gulong handler;

  handler = g_signal_connect (window->batch_progress, "notify::fraction",
                              G_CALLBACK (fraction_changed_cb), window);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.delete-selected", NULL));
  g_assert_true (gtk_revealer_get_reveal_child (window->batch_revealer));
  /* The stop button's icon says nothing to a screen reader: its label does. */
  g_assert_cmpstr (gtk_widget_get_tooltip_text (window->batch_stop_button), ==, "Stop Deleting");
  gtk_test_accessible_assert_property (window->batch_stop_button, GTK_ACCESSIBLE_PROPERTY_LABEL, "Stop Deleting");
  /* Nothing else starts meanwhile. */
  running = window->batch_cancellable;
  g_assert_nonnull (running);
  gtk_widget_activate_action (GTK_WIDGET (window), "win.delete-selected", NULL);
  gtk_widget_activate_action (GTK_WIDGET (window), "win.export-selected", NULL);
  g_assert_true (window->batch_cancellable == running);
  app_test_wait_until (batch_finished, window, 60000);
  g_signal_handler_disconnect (window->batch_progress, handler);

  /* Nothing hidden, nothing deleted, and the person told. */
  g_assert_false (gtk_revealer_get_reveal_child (window->batch_revealer));
  g_assert_null (window->delete_toast);
  g_assert_cmpstr (adw_toast_get_title (window->last_toast), ==, "Delete stopped: nothing was deleted");
  g_assert_true (nothing_hidden (window));
  g_assert_cmpuint (g_list_model_get_n_items (qrs_window_get_library (window)), ==, n_codes + 1);
  app_test_iterate (300);
  g_assert_cmpint (count_codes (), ==, n_codes);
  g_assert_cmpint (count_deletes (), ==, 0);

  app_test_close_window (window);
}

/* The window closes while the codes are read: the reading stops, the
 * window is freed (no warning on the way), and nothing is deleted. */
static void
test_big_delete_close_while_reading (void)
{
  QrsWindow *window = window_with_all_selected ();

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.delete-selected", NULL));
  g_assert_nonnull (window->batch_cancellable);
  app_test_close_window (window);

  app_test_iterate (300);
  g_assert_cmpint (count_codes (), ==, n_codes);
  g_assert_cmpint (count_deletes (), ==, 0);
}

/* Someone else, as another desktop would be: the codes' trigger signs
 * their changes with the role that made them. */
#define AS_ALICE \
  "DO $$ BEGIN" \
  "  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'alice') THEN CREATE ROLE alice; END IF;" \
  " END $$;" \
  "GRANT qrstudio_editor TO alice;" \
  "SET ROLE alice;"

/* Another desktop changes two of the codes while the toast is up: those
 * are kept, shown again, and the toast counts them. */
static void
test_big_delete_changed_elsewhere (void)
{
  QrsWindow *window = window_with_all_selected ();

  delete_all (window);
  app_test_wait_for_library (window, 0, 10000);

  app_test_sql ("UPDATE codes SET title = 'Changed elsewhere'"
                " WHERE title IN ('" TITLE " 002000', '" TITLE " 004000')");
  _qrs_window_dismiss_toast (window, window->delete_toast);
  app_test_wait_until (database_count_is, GINT_TO_POINTER (2), 60000);
  wait_for_toast (window, "2 codes were changed elsewhere meanwhile and were kept");
  g_assert_cmpint (count_deletes (), ==, n_codes - 2);

  app_test_wait_for_library (window, 2, 30000);
  for (guint i = 0; i < 2; i++)
    {
      g_autoptr(QrsCode) code = g_list_model_get_item (G_LIST_MODEL (window->codes), i);

      g_assert_cmpstr (qrs_code_get_title (code), ==, "Changed elsewhere");
    }

  app_test_close_window (window);
}

static gboolean
toast_names_alice (gpointer data)
{
  AdwToast *shown = ((QrsWindow *)data)->last_toast;

  return shown != NULL && strstr (adw_toast_get_title (shown), "alice") != NULL;
}

/* One code kept: the toast says who changed it and when, as it did when
 * codes were deleted one by one. */
static void
test_big_delete_changed_elsewhere_one (void)
{
  QrsWindow *window = window_with_all_selected ();
  const char *toast;

  delete_all (window);
  app_test_wait_for_library (window, 0, 10000);

  app_test_sql (AS_ALICE "UPDATE codes SET title = 'Changed elsewhere' WHERE title = '" TITLE " 002000'");
  _qrs_window_dismiss_toast (window, window->delete_toast);
  app_test_wait_until (database_count_is, GINT_TO_POINTER (1), 60000);
  app_test_wait_until (toast_names_alice, window, 30000);
  toast = adw_toast_get_title (window->last_toast);
  g_test_message ("toast: %s", toast);
  g_assert_true (g_str_has_prefix (toast, "Could not delete from the database: Someone else (alice, at "));
  g_assert_cmpint (count_deletes (), ==, n_codes - 1);

  app_test_wait_for_library (window, 1, 30000);
  app_test_close_window (window);
}

/* The toast goes as the window closes, and a code was changed elsewhere:
 * the others are deleted, and the answer finds no window to show the
 * kept one in (no warning on the way). */
static void
test_big_delete_close_with_toast (void)
{
  QrsWindow *window = window_with_all_selected ();

  delete_all (window);
  app_test_wait_for_library (window, 0, 10000);

  app_test_sql ("UPDATE codes SET title = 'Changed elsewhere' WHERE title = '" TITLE " 002000'");
  app_test_close_window (window);
  app_test_wait_until (database_count_is, GINT_TO_POINTER (1), 60000);
  g_assert_cmpint (count_deletes (), ==, n_codes - 1);
  app_test_iterate (300);
}

static gboolean
toast_says_only (gpointer data)
{
  AdwToast *shown = ((QrsWindow *)data)->last_toast;

  return shown != NULL && g_str_has_prefix (adw_toast_get_title (shown), "Only ");
}

/* The database refuses a later chunk of the delete: the chunks before it
 * stay deleted, only what is left shows again, and the toast says how
 * many went. */
static void
test_big_delete_partly (void)
{
  QrsWindow *window = window_with_all_selected ();
  g_autofree char *prefix = NULL;
  const char *toast;
  gint64 left;

  delete_all (window);
  app_test_wait_for_library (window, 0, 10000);

  /* In the middle of the list, whichever way it is sorted: past the
   * first thousand. */
  app_test_sql ("CREATE FUNCTION refuse_one () RETURNS trigger LANGUAGE plpgsql AS"
                " $$ BEGIN RAISE EXCEPTION 'this one is under legal hold'; END $$;"
                "CREATE TRIGGER refuse_one BEFORE DELETE ON codes FOR EACH ROW"
                " WHEN (OLD.title = '" TITLE " 002250') EXECUTE FUNCTION refuse_one ()");
  _qrs_window_dismiss_toast (window, window->delete_toast);
  app_test_wait_until (toast_says_only, window, 60000);
  app_test_sql ("DROP TRIGGER refuse_one ON codes; DROP FUNCTION refuse_one ()");

  left = count_codes ();
  g_assert_cmpint (left, >, 0);
  g_assert_cmpint (left, <, n_codes);
  g_assert_cmpint (count_deletes (), ==, n_codes - left);
  toast = adw_toast_get_title (window->last_toast);
  g_test_message ("toast: %s", toast);
  prefix = g_strdup_printf ("Only %u of %u codes were deleted: ", (guint)(n_codes - left), n_codes);
  g_assert_true (g_str_has_prefix (toast, prefix));
  g_assert_nonnull (strstr (toast, "this one is under legal hold"));

  app_test_wait_for_library (window, (guint)left, 30000);
  app_test_close_window (window);
}

/* The database refuses the delete (a trigger an administrator added):
 * the codes show again, and the toast says why. */
static void
test_big_delete_database_error (void)
{
  QrsWindow *window = window_with_all_selected ();
  const char *toast;

  delete_all (window);
  app_test_wait_for_library (window, 0, 10000);

  app_test_sql ("CREATE FUNCTION pause_deletes () RETURNS trigger LANGUAGE plpgsql AS"
                " $$ BEGIN RAISE EXCEPTION 'deletes are paused for maintenance'; END $$;"
                "CREATE TRIGGER pause_deletes BEFORE DELETE ON codes"
                " FOR EACH STATEMENT EXECUTE FUNCTION pause_deletes ()");
  _qrs_window_dismiss_toast (window, window->delete_toast);
  app_test_wait_until (nothing_hidden, window, 30000);
  toast = adw_toast_get_title (window->last_toast);
  g_test_message ("toast: %s", toast);
  g_assert_true (g_str_has_prefix (toast, "Could not delete from the database: "));
  g_assert_nonnull (strstr (toast, "deletes are paused for maintenance"));
  app_test_sql ("DROP TRIGGER pause_deletes ON codes; DROP FUNCTION pause_deletes ()");

  app_test_wait_for_library (window, n_codes, 30000);
  g_assert_cmpint (count_codes (), ==, n_codes);
  g_assert_cmpint (count_deletes (), ==, 0);

  app_test_close_window (window);
}

int
main (int   argc,
      char *argv[])
{
  const char *n = g_getenv ("QRS_TEST_BIG_DELETE_CODES");

  if (n != NULL)
    n_codes = (guint)MAX (g_ascii_strtoull (n, NULL, 10), 2001);
  app_test_init_with_database (&argc, &argv);

  g_test_add_func ("/app/big-delete/all", test_big_delete_all);
  g_test_add_func ("/app/big-delete/undo", test_big_delete_undo);
  g_test_add_func ("/app/big-delete/cancel", test_big_delete_cancel);
  g_test_add_func ("/app/big-delete/close-while-reading", test_big_delete_close_while_reading);
  g_test_add_func ("/app/big-delete/changed-elsewhere", test_big_delete_changed_elsewhere);
  g_test_add_func ("/app/big-delete/changed-elsewhere-one", test_big_delete_changed_elsewhere_one);
  g_test_add_func ("/app/big-delete/close-with-toast", test_big_delete_close_with_toast);
  g_test_add_func ("/app/big-delete/partly", test_big_delete_partly);
  g_test_add_func ("/app/big-delete/database-error", test_big_delete_database_error);

  return app_test_run_tests ();
}
