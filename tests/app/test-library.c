/* test-library.c — the sidebar over a big shared database: every code
 * reachable a page at a time, filters and sorts in SQL, scan counts, and
 * another desktop's changes
 *
 * QRS_TEST_LIBRARY_CODES sets how many codes are made (5,000 by default);
 * the scroll to the end is timed and reported, never asserted.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <libpq-fe.h>

#include "app-test-utils.h"
#include "qrs-application.h"
#include "qrs-scan-store.h"
#include "qrs-window-private.h"

static guint n_codes = 5000;

static void make_codes (void);

/* Connected, the schema migrated by the app, and the codes made once. */
static void
assert_connected (void)
{
  static gboolean made;

  app_test_assert_connected ();
  if (!made)
    make_codes ();
  made = TRUE;
}

static gint64
id_of (const char *title)
{
  PGconn *conn = PQconnectdb (app_test_get_conninfo ());
  const char *params[] = { title };
  PGresult *result;
  gint64 id;

  result = PQexecParams (conn, "SELECT id FROM codes WHERE title = $1", 1, NULL, params, NULL, NULL, 0);
  g_assert_cmpint (PQresultStatus (result), ==, PGRES_TUPLES_OK);
  g_assert_cmpint (PQntuples (result), ==, 1);
  id = g_ascii_strtoll (PQgetvalue (result, 0, 0), NULL, 10);
  PQclear (result);
  PQfinish (conn);
  return id;
}

/* Code g (1 … n) is "Library code 0000g"; every fourth is dynamic, every
 * seventh disabled, every tenth tagged "tenth".  One statement, so all
 * share updated_at and the newest first is the highest id first. */
static void
make_codes (void)
{
  g_autofree char *statement = g_strdup_printf (
    "INSERT INTO codes (kind, short_id, payload_type, payload, encoded, target_url, design,"
    "                   title, tags, enabled)"
    "SELECT CASE WHEN g %% 4 = 0 THEN 'dynamic' ELSE 'static' END,"
    "       CASE WHEN g %% 4 = 0 THEN 'lib' || lpad(g::text, 6, '0') END,"
    "       'url', jsonb_build_object('type', 'url', 'fields',"
    "                                 jsonb_build_object('url', 'https://example.edu/lib/' || g)),"
    "       'https://example.edu/lib/' || g,"
    "       CASE WHEN g %% 4 = 0 THEN 'https://example.edu/lib/' || g END,"
    "       '{\"format\": 1}', 'Library code ' || lpad(g::text, 6, '0'),"
    "       CASE WHEN g %% 10 = 0 THEN ARRAY['tenth'] ELSE '{}' END, g %% 7 <> 0"
    "  FROM generate_series(1, %u) AS g;"
    "ANALYZE codes;", n_codes);

  app_test_sql (statement);
}

static char *
title_for (guint g)
{
  return g_strdup_printf ("Library code %06u", g);
}

typedef struct
{
  QrsWindow  *window;
  guint       position;
  const char *title;
} Row;

/* The code list's row, read without asking for it (asking would fetch). */
static gboolean
row_is (gpointer data)
{
  Row *row = data;
  QrsCodeList *codes = row->window->codes;
  g_autoptr(QrsCode) code = NULL;
  guint position;

  if (codes == NULL || qrs_code_list_get_loading (codes))
    return FALSE;
  code = g_list_model_get_item (G_LIST_MODEL (codes), row->position);
  if (code == NULL || qrs_code_list_item_is_placeholder (code))
    return FALSE;

  return g_strcmp0 (qrs_code_get_title (code), row->title) == 0
      && qrs_code_list_find (codes, qrs_code_get_id (code), &position)
      && position == row->position;
}

static void
wait_for_row (QrsWindow  *window,
              guint       position,
              const char *title)
{
  Row row = { window, position, title };

  g_test_message ("waiting for “%s” at %u", title, position);
  app_test_wait_until (row_is, &row, 60000);
}

static QrsCode *
code_at (QrsWindow *window,
         guint      position)
{
  return g_list_model_get_item (G_LIST_MODEL (window->codes), position);
}

/* A row on screen showing @title, and its scan count label. */
static GtkListItem *
bound_row (QrsWindow  *window,
           const char *title)
{
  GHashTableIter iter;
  gpointer item;

  g_hash_table_iter_init (&iter, window->bound_rows);
  while (g_hash_table_iter_next (&iter, &item, NULL))
    {
      GtkLabel *label = g_object_get_data (item, "title");

      if (g_strcmp0 (gtk_label_get_label (label), title) == 0)
        return item;
    }

  return NULL;
}

static gboolean
row_on_screen (gpointer data)
{
  Row *row = data;

  return bound_row (row->window, row->title) != NULL;
}

static gboolean
at_the_end (gpointer data)
{
  Row *row = data;
  GtkAdjustment *adjustment = gtk_scrollable_get_vadjustment (GTK_SCROLLABLE (row->window->library_view));

  if (row_on_screen (row))
    return TRUE;
  gtk_adjustment_set_value (adjustment, gtk_adjustment_get_upper (adjustment));
  return FALSE;
}

static void
test_library_all_codes (void)
{
  g_autofree char *first = title_for (n_codes);
  g_autofree char *last = title_for (1);
  GtkAdjustment *adjustment;
  QrsWindow *window;
  Row row;
  gint64 begin, reached, last_id;

  assert_connected ();
  last_id = id_of (last);
  window = app_test_new_window (1200, 800);
  app_test_wait_for_library (window, n_codes, 60000);

  /* Every code is in the model, the draft of the new window above them. */
  g_assert_cmpuint (g_list_model_get_n_items (qrs_window_get_library (window)), ==, n_codes + 1);
  wait_for_row (window, 0, first);
  row = (Row) { window, 0, first };
  app_test_wait_until (row_on_screen, &row, 30000);

  /* Only what was shown was read. */
  g_assert_false (qrs_code_list_find (window->codes, last_id, NULL));
  g_assert_cmpuint (qrs_code_list_get_n_cached_pages (window->codes), <=, 2);

  /* Scrolling to the end reads the last page.  (Rows measured as they
   * come may move the end: the scroll bar is kept there.) */
  begin = g_get_monotonic_time ();
  adjustment = gtk_scrollable_get_vadjustment (GTK_SCROLLABLE (window->library_view));
  gtk_adjustment_set_value (adjustment, gtk_adjustment_get_upper (adjustment));
  row = (Row) { window, 0, last };
  app_test_wait_until (at_the_end, &row, 60000);
  reached = g_get_monotonic_time () - begin;
  g_test_message ("scroll to the last of %u codes until it is drawn: %.1f ms", n_codes, reached / 1000.0);

  g_assert_true (qrs_code_list_find (window->codes, last_id, NULL));

  /* Thumbnails were drawn for the rows bound, not for the rows passed
   * (GTK 4.8's list view binds up to 200 rows around what it shows, at
   * the top and now at the end). */
  g_test_message ("thumbnails drawn: %u", g_hash_table_size (window->thumbnails));
  g_assert_cmpuint (g_hash_table_size (window->thumbnails), >, 0);
  g_assert_cmpuint (g_hash_table_size (window->thumbnails), <=, 2 * 200 + 50);
  {
    g_autoptr(QrsCode) code = code_at (window, n_codes - 1);

    g_assert_cmpstr (qrs_code_get_title (code), ==, last);
  }
  g_assert_cmpuint (qrs_code_list_get_n_cached_pages (window->codes), <=, QRS_CODE_LIST_MAX_PAGES);

  /* (Deleting a selection of rows not read yet: test-big-delete.c.) */

  app_test_close_window (window);
}

static gboolean
tags_listed (gpointer data)
{
  QrsWindow *window = data;

  return g_list_model_get_n_items (gtk_drop_down_get_model (window->tag_dropdown)) == 2;
}

static void
assert_first (QrsWindow   *window,
              const char  *title,
              QrsCodeKind  kind,
              gboolean     enabled)
{
  g_autoptr(QrsCode) code = NULL;

  wait_for_row (window, 0, title);
  code = code_at (window, 0);
  g_assert_cmpint (qrs_code_get_kind (code), ==, kind);
  g_assert_cmpint (qrs_code_get_enabled (code), ==, enabled);
}

static void
test_library_filters_and_sort (void)
{
  g_autofree char *newest = title_for (n_codes);
  guint g = n_codes - n_codes % 4;
  gint64 begin;
  g_autofree char *newest_dynamic = title_for (g);
  QrsWindow *window;

  assert_connected ();
  window = app_test_new_window (1200, 800);
  app_test_wait_for_library (window, n_codes, 60000);
  /* Best Match by default: the newest first while nothing is searched. */
  g_assert_cmpuint (gtk_drop_down_get_selected (window->sort_dropdown), ==, 0);
  g_assert_cmpint (window->query->sort, ==, QRS_CODE_SORT_RELEVANCE);

  /* Dynamic codes: every fourth, newest first. */
  begin = g_get_monotonic_time ();
  gtk_drop_down_set_selected (window->kind_dropdown, 2);
  app_test_wait_for_library (window, n_codes / 4, 60000);
  assert_first (window, newest_dynamic, QRS_CODE_KIND_DYNAMIC, g % 7 != 0);
  g_test_message ("filter by kind over %u codes, to its first rows: %.1f ms", n_codes,
                  (g_get_monotonic_time () - begin) / 1000.0);
  {
    g_autoptr(QrsCode) code = code_at (window, 1);

    if (!qrs_code_list_item_is_placeholder (code))
      g_assert_cmpint (qrs_code_get_kind (code), ==, QRS_CODE_KIND_DYNAMIC);
  }

  /* … and disabled: every 28th. */
  gtk_drop_down_set_selected (window->state_dropdown, 2);
  app_test_wait_for_library (window, n_codes / 28, 60000);

  /* By title, A to Z: code 28 first. */
  gtk_drop_down_set_selected (window->sort_dropdown, 2);
  assert_first (window, "Library code 000028", QRS_CODE_KIND_DYNAMIC, FALSE);

  /* Tagged "tenth" too, from the tags in use: every 140th. */
  gtk_menu_button_popup (window->filter_button);
  app_test_wait_until (tags_listed, window, 30000);
  g_assert_cmpstr (gtk_string_list_get_string (GTK_STRING_LIST (gtk_drop_down_get_model (window->tag_dropdown)), 1),
                   ==, "tenth");
  gtk_drop_down_set_selected (window->tag_dropdown, 1);
  app_test_wait_for_library (window, n_codes / 140, 60000);
  assert_first (window, "Library code 000140", QRS_CODE_KIND_DYNAMIC, FALSE);
  gtk_menu_button_popdown (window->filter_button);
  g_assert_true (gtk_widget_has_css_class (GTK_WIDGET (window->filter_button), "accent"));

  /* With a search on top: the database answers in full text, best
   * match first unless another order was chosen. */
  g_assert_cmpint (window->query->sort, ==, QRS_CODE_SORT_TITLE);
  gtk_editable_set_text (GTK_EDITABLE (window->search_entry), "000280");
  app_test_wait_for_library (window, 1, 60000);
  assert_first (window, "Library code 000280", QRS_CODE_KIND_DYNAMIC, FALSE);
  gtk_editable_set_text (GTK_EDITABLE (window->search_entry), "");

  /* Back to everything, the newest first; then the oldest first. */
  gtk_drop_down_set_selected (window->tag_dropdown, 0);
  gtk_drop_down_set_selected (window->state_dropdown, 0);
  gtk_drop_down_set_selected (window->kind_dropdown, 0);
  gtk_drop_down_set_selected (window->sort_dropdown, 0);
  app_test_wait_for_library (window, n_codes, 60000);
  assert_first (window, newest, n_codes % 4 ? QRS_CODE_KIND_STATIC : QRS_CODE_KIND_DYNAMIC, n_codes % 7 != 0);
  g_assert_false (gtk_widget_has_css_class (GTK_WIDGET (window->filter_button), "accent"));

  /* All codes by title, A to Z: code 1 first. */
  begin = g_get_monotonic_time ();
  gtk_drop_down_set_selected (window->sort_dropdown, 2);
  assert_first (window, "Library code 000001", QRS_CODE_KIND_STATIC, TRUE);
  g_test_message ("sort %u codes by title, to its first rows: %.1f ms", n_codes,
                  (g_get_monotonic_time () - begin) / 1000.0);
  gtk_drop_down_set_selected (window->sort_dropdown, 0);
  wait_for_row (window, 0, newest);

  /* The choices are labelled for screen readers and reachable by key. */
  g_assert_true (gtk_widget_get_focusable (GTK_WIDGET (window->filter_button))
                 || gtk_widget_get_focusable (gtk_widget_get_first_child (GTK_WIDGET (window->filter_button))));
  g_assert_cmpstr (gtk_widget_get_tooltip_text (GTK_WIDGET (window->filter_button)), ==, "Filter and Sort");

  app_test_close_window (window);
}

static gboolean
scans_shown (gpointer data)
{
  Row *row = data;
  GtkListItem *item = bound_row (row->window, row->title);
  GtkLabel *label;

  if (item == NULL)
    return FALSE;
  label = g_object_get_data (G_OBJECT (item), "scans");
  return gtk_widget_get_visible (GTK_WIDGET (label))
         && g_strcmp0 (gtk_label_get_label (label), "3 scans") == 0;
}

static void
test_library_scan_counts (void)
{
  /* A dynamic code (scans come through its short link), fifth or so from
   * the top. */
  g_autofree char *title = title_for (n_codes - n_codes % 4 - 4);
  g_autoptr(QrsDatabase) database = NULL;
  g_autoptr(QrsScanStore) store = NULL;
  g_autoptr(GPtrArray) scans = g_ptr_array_new_with_free_func ((GDestroyNotify)qrs_scan_free);
  g_autoptr(GError) error = NULL;
  QrsWindow *window;
  guint64 counted = 0;
  guint inserted = 0;
  gint64 id, begin;
  Row row;

  assert_connected ();
  id = id_of (title);
  window = app_test_new_window (1200, 800);
  app_test_wait_for_library (window, n_codes, 60000);
  row = (Row) { window, 0, title };
  app_test_wait_until (row_on_screen, &row, 30000);
  g_assert_true (qrs_code_list_lookup_scans (window->codes, id, &counted));
  g_assert_cmpuint (counted, ==, 0);
  g_assert_false (scans_shown (&row));

  /* The redirect daemon's way in: three people scan it. */
  database = qrs_database_new (app_test_get_conninfo (), &error);
  g_assert_no_error (error);
  g_assert_true (qrs_database_connect (database, NULL, &error));
  store = qrs_scan_store_new (database);
  g_assert_true (qrs_scan_store_maintain (store, 1, 7, NULL, &error));
  g_assert_no_error (error);
  for (guint i = 0; i < 3; i++)
    {
      QrsScan *scan = qrs_scan_new ();

      scan->event_id = g_uuid_string_random ();
      scan->code_id = id;
      scan->scanned_at = g_get_real_time ();
      scan->user_agent = g_strdup ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X)");
      scan->device = g_strdup ("mobile");
      scan->os = g_strdup ("iOS");
      scan->os_version = g_strdup ("17.0");
      scan->browser = g_strdup ("Mobile Safari");
      scan->browser_version = g_strdup ("17.0");
      scan->referrer_host = g_strdup ("");
      scan->language = g_strdup ("en");
      g_ptr_array_add (scans, scan);
    }
  g_assert_true (qrs_scan_store_insert (store, (QrsScan * const *)scans->pdata, scans->len,
                                        &inserted, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (inserted, ==, 3);

  /* qrstudio_scans names it: its row says so. */
  app_test_wait_until (scans_shown, &row, 30000);
  g_assert_true (qrs_code_list_lookup_scans (window->codes, id, &counted));
  g_assert_cmpuint (counted, ==, 3);

  /* The most scanned first. */
  begin = g_get_monotonic_time ();
  gtk_drop_down_set_selected (window->sort_dropdown, 4);
  wait_for_row (window, 0, title);
  g_test_message ("sort %u codes by scans, to its first rows: %.1f ms", n_codes,
                  (g_get_monotonic_time () - begin) / 1000.0);
  gtk_drop_down_set_selected (window->sort_dropdown, 0);

  qrs_database_close (database);
  app_test_close_window (window);
}

static void
test_library_notification (void)
{
  g_autoptr(QrsDatabase) database = NULL;
  g_autoptr(QrsCodeStore) store = NULL;
  g_autoptr(QrsCode) code = NULL;
  g_autoptr(QrsCode) renamed = NULL;
  g_autoptr(QrsCode) draft = qrs_code_new (QRS_CODE_KIND_STATIC);
  g_autoptr(QrsCode) created = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *title = title_for (n_codes - 10);
  g_autofree char *newest = NULL;
  QrsWindow *window;
  guint n;

  assert_connected ();
  window = app_test_new_window (1200, 800);
  n = g_list_model_get_n_items (G_LIST_MODEL (window->codes));
  app_test_wait_for_library (window, n > 0 ? n : n_codes, 60000);
  n = g_list_model_get_n_items (G_LIST_MODEL (window->codes));
  newest = title_for (n_codes);
  wait_for_row (window, 0, newest);
  wait_for_row (window, 10, title);
  g_assert_cmpstr (newest, !=, "Renamed elsewhere");

  database = qrs_database_new (app_test_get_conninfo (), &error);
  g_assert_no_error (error);
  g_assert_true (qrs_database_connect (database, NULL, &error));
  store = qrs_code_store_new (database);

  /* Renamed on another desktop: it is the most recently changed now. */
  code = qrs_code_store_get (store, id_of (title), NULL, &error);
  g_assert_no_error (error);
  qrs_code_set_title (code, "Renamed elsewhere");
  renamed = qrs_code_store_update (store, code, NULL, &error);
  g_assert_no_error (error);
  wait_for_row (window, 0, "Renamed elsewhere");
  wait_for_row (window, 1, newest);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (window->codes)), ==, n);
  app_test_wait_until (row_on_screen, &(Row) { window, 0, "Renamed elsewhere" }, 30000);

  /* A new code comes in at the top, and the count grows. */
  qrs_code_set_encoded (draft, "https://example.edu/new");
  qrs_code_set_payload_type (draft, "url");
  qrs_code_set_payload (draft, "{\"type\": \"url\", \"fields\": {\"url\": \"https://example.edu/new\"}}");
  qrs_code_set_design (draft, "{\"format\": 1}");
  qrs_code_set_title (draft, "Made elsewhere");
  created = qrs_code_store_create (store, draft, NULL, &error);
  g_assert_no_error (error);
  wait_for_row (window, 0, "Made elsewhere");
  app_test_wait_for_library (window, n + 1, 60000);
  wait_for_row (window, 1, "Renamed elsewhere");

  /* Gone elsewhere: gone here. */
  g_assert_true (qrs_code_store_delete (store, qrs_code_get_id (created), 0, NULL, &error));
  g_assert_no_error (error);
  app_test_wait_for_library (window, n, 60000);
  wait_for_row (window, 0, "Renamed elsewhere");

  qrs_database_close (database);
  app_test_close_window (window);
}

int
main (int   argc,
      char *argv[])
{
  const char *wanted = g_getenv ("QRS_TEST_LIBRARY_CODES");

  if (wanted != NULL)
    n_codes = MAX (200, (guint)g_ascii_strtoull (wanted, NULL, 10));

  app_test_init_with_database (&argc, &argv);

  g_test_add_func ("/app/library/all-codes", test_library_all_codes);
  g_test_add_func ("/app/library/filters-and-sort", test_library_filters_and_sort);
  g_test_add_func ("/app/library/scan-counts", test_library_scan_counts);
  g_test_add_func ("/app/library/notification", test_library_notification);

  return app_test_run_tests ();
}
