/* test-narrow.c — the folded (narrow) window: one click on a code in the
 * library opens it in the editor; Enter still does
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "app-test-utils.h"
#include "qrs-window-private.h"

static gboolean
leaflet_folded (gpointer data)
{
  return adw_leaflet_get_folded (data);
}

static gboolean
rows_bound (gpointer data)
{
  QrsWindow *window = data;

  return g_hash_table_size (window->bound_rows) >= 2;
}

/* The list item on screen at @position. */
static GtkListItem *
row_at (QrsWindow *window,
        guint      position)
{
  GHashTableIter iter;
  gpointer item;

  g_hash_table_iter_init (&iter, window->bound_rows);
  while (g_hash_table_iter_next (&iter, &item, NULL))
    if (gtk_list_item_get_position (item) == position)
      return item;

  g_assert_not_reached ();
}

/* A primary-button click on the row's content, as its gestures hear it
 * (GTK 4 has no public way to put a pointer event into a window). */
static void
click_row (QrsWindow *window,
           guint      position)
{
  GtkGesture *click = g_object_get_data (G_OBJECT (row_at (window, position)), "click");

  g_assert_nonnull (click);
  g_signal_emit_by_name (click, "pressed", 1, 5.0, 5.0);
  g_signal_emit_by_name (click, "released", 1, 5.0, 5.0);
}

static void
test_narrow_single_click_opens (void)
{
  QrsWindow *window = app_test_new_window (1200, 800);
  g_autoptr(QrsDocument) second = NULL;

  /* Two codes; the second is in the editor. */
  gtk_widget_activate_action (GTK_WIDGET (window), "win.new-code", NULL);
  second = g_object_ref (qrs_window_get_document (window));
  app_test_wait_until (rows_bound, window, 5000);

  /* Wide: the click is left to the list (it selects); nothing opens. */
  click_row (window, 0);
  g_assert_true (qrs_window_get_document (window) == second);

  /* Narrow, on the library: one click opens the code in the editor. */
  gtk_window_set_default_size (GTK_WINDOW (window), 360, 640);
  app_test_wait_until (leaflet_folded, window->leaflet, 5000);
  adw_leaflet_navigate (window->leaflet, ADW_NAVIGATION_DIRECTION_BACK);
  app_test_iterate (300);
  g_assert_true (adw_leaflet_get_visible_child (window->leaflet) == window->sidebar);
  click_row (window, 0);
  app_test_iterate (300);
  g_assert_true (adw_leaflet_get_visible_child (window->leaflet) == window->content);
  g_assert_true (qrs_window_get_document (window) != second);
  {
    g_autoptr(QrsDocument) first = g_list_model_get_item (G_LIST_MODEL (window->selection), 0);

    g_assert_true (qrs_window_get_document (window) == first);
  }

  /* Enter (the list's activate) still opens one. */
  adw_leaflet_navigate (window->leaflet, ADW_NAVIGATION_DIRECTION_BACK);
  app_test_iterate (300);
  g_signal_emit_by_name (window->library_view, "activate", 1);
  app_test_iterate (300);
  g_assert_true (adw_leaflet_get_visible_child (window->leaflet) == window->content);
  g_assert_true (qrs_window_get_document (window) == second);

  app_test_close_window (window);
}

int
main (int   argc,
      char *argv[])
{
  app_test_init (&argc, &argv);

  g_test_add_func ("/app/narrow/single-click-opens", test_narrow_single_click_opens);

  return app_test_run_tests ();
}
