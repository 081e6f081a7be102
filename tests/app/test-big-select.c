/* test-big-select.c — selecting all of a library bigger than the rows
 * kept in memory asks the code list for no row it would not show, so
 * the selection costs no memory per row, and rows read later stay
 * selected
 *
 * QRS_TEST_BIG_SELECT_CODES sets how many codes are made (20,000 by
 * default); the memory and the time are reported, never asserted.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "app-test-utils.h"
#include "qrs-window-private.h"

/* Five times the rows the code list keeps in memory (20 × 200). */
static guint n_codes = 20000;

static gboolean
codes_read (gpointer data)
{
  QrsWindow *window = data;

  return !qrs_code_list_get_loading (window->codes);
}

/* The resident memory, in kB, as the kernel counts it. */
static guint64
vm_rss (void)
{
  g_autofree char *status = NULL;
  const char *line;

  if (!g_file_get_contents ("/proc/self/status", &status, NULL, NULL))
    return 0;
  line = strstr (status, "VmRSS:");
  return line != NULL ? g_ascii_strtoull (line + strlen ("VmRSS:"), NULL, 10) : 0;
}

static QrsWindow *
window_over_codes (void)
{
  QrsWindow *window;

  app_test_assert_connected ();
  app_test_sql ("TRUNCATE codes, code_events");
  app_test_make_url_codes ("Big select", n_codes);

  window = app_test_new_window (1200, 800);
  app_test_wait_for_library (window, n_codes, 60000);
  app_test_iterate (500);
  app_test_wait_until (codes_read, window, 30000);

  return window;
}

static void
test_big_select_all (void)
{
  QrsWindow *window = window_over_codes ();
  g_autoptr(GtkBitset) selected = NULL;
  guint64 asked, rss_before, rss_after;
  gint64 begin, end;

  rss_before = vm_rss ();
  asked = qrs_code_list_get_n_asked (window->codes);

  /* Ctrl+A in the library, as the list view itself does it. */
  begin = g_get_monotonic_time ();
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window->library_view), "list.select-all", NULL));
  while (g_main_context_pending (NULL))
    g_main_context_iteration (NULL, FALSE);
  end = g_get_monotonic_time ();

  app_test_iterate (1000);
  app_test_wait_until (codes_read, window, 30000);
  rss_after = vm_rss ();
  g_test_message ("%u codes: selected in %.1f ms, %" G_GUINT64_FORMAT " rows asked for; "
                  "VmRSS %" G_GUINT64_FORMAT " kB before, %" G_GUINT64_FORMAT " kB after",
                  n_codes, (end - begin) / 1e3, qrs_code_list_get_n_asked (window->codes) - asked,
                  rss_before, rss_after);

  /* The list was asked only for the rows on screen, not for each row
   * (a placeholder and its document per row, and reads of pages no one
   * looks at)… */
  g_assert_cmpuint (qrs_code_list_get_n_asked (window->codes) - asked, <, QRS_CODE_LIST_PAGE_SIZE);
  g_assert_cmpuint (qrs_code_list_get_n_cached_pages (window->codes), <=, QRS_CODE_LIST_MAX_PAGES);

  /* … yet every row is selected (the new draft too). */
  selected = gtk_selection_model_get_selection (GTK_SELECTION_MODEL (window->selection));
  g_assert_cmpuint (gtk_bitset_get_size (selected), ==, n_codes + 1);

  /* Rows read after the selection, as it is scrolled through, stay
   * selected though the list makes them anew. */
  for (guint i = 0; i < 3; i++)
    {
      g_autoptr(QrsCode) row = g_list_model_get_item (G_LIST_MODEL (window->codes),
                                                      n_codes - 1 - i * QRS_CODE_LIST_PAGE_SIZE);

      g_assert_true (qrs_code_list_item_is_placeholder (row));
    }
  app_test_iterate (100);
  app_test_wait_until (codes_read, window, 30000);
  g_assert_cmpuint (qrs_code_list_get_n_cached_pages (window->codes), >=, 3);
  g_clear_pointer (&selected, gtk_bitset_unref);
  selected = gtk_selection_model_get_selection (GTK_SELECTION_MODEL (window->selection));
  g_assert_cmpuint (gtk_bitset_get_size (selected), ==, n_codes + 1);

  app_test_close_window (window);
}

int
main (int   argc,
      char *argv[])
{
  const char *n = g_getenv ("QRS_TEST_BIG_SELECT_CODES");

  if (n != NULL)
    n_codes = (guint)MAX (g_ascii_strtoull (n, NULL, 10), 1);
  app_test_init_with_database (&argc, &argv);

  g_test_add_func ("/app/big-select/all", test_big_select_all);

  return app_test_run_tests ();
}
