/* test-row-selection.c — QrsRowSelection keeps GtkSelectionModel's
 * contract, alone and under a real GtkListView
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "app-test-utils.h"
#include "qrs-row-selection.h"

typedef struct
{
  guint    n_selection_changes;
  guint    position;
  guint    n_items;
  gboolean in_items_changed;
  guint    changed_inside;
} Watch;

static void
selection_changed_cb (GtkSelectionModel *model,
                      guint              position,
                      guint              n_items,
                      Watch             *watch)
{
  watch->n_selection_changes++;
  watch->position = position;
  watch->n_items = n_items;
  if (watch->in_items_changed)
    watch->changed_inside++;
}

static void
items_changing_cb (GListModel *model,
                   guint       position,
                   guint       removed,
                   guint       added,
                   Watch      *watch)
{
  watch->in_items_changed = TRUE;
}

static void
items_changed_cb (GListModel *model,
                  guint       position,
                  guint       removed,
                  guint       added,
                  Watch      *watch)
{
  watch->in_items_changed = FALSE;
}

static GtkStringList *
new_strings (guint n)
{
  GtkStringList *strings = gtk_string_list_new (NULL);

  for (guint i = 0; i < n; i++)
    {
      g_autofree char *s = g_strdup_printf ("row %u", i);

      gtk_string_list_append (strings, s);
    }
  return strings;
}

/* The selection as "1,3,4" for plain comparisons. */
static char *
selection_string (GtkSelectionModel *model)
{
  g_autoptr(GtkBitset) selected = gtk_selection_model_get_selection (model);
  GString *out = g_string_new (NULL);
  GtkBitsetIter iter;
  guint position;

  for (gboolean ok = gtk_bitset_iter_init_first (&iter, selected, &position);
       ok;
       ok = gtk_bitset_iter_next (&iter, &position))
    g_string_append_printf (out, "%s%u", out->len > 0 ? "," : "", position);
  return g_string_free (out, FALSE);
}

#define assert_selection(model, expected) \
  G_STMT_START { \
    g_autofree char *s_ = selection_string (GTK_SELECTION_MODEL (model)); \
    g_assert_cmpstr (s_, ==, expected); \
  } G_STMT_END

static void
test_row_selection_contract (void)
{
  g_autoptr(GtkStringList) strings = new_strings (10);
  g_autoptr(QrsRowSelection) selection = qrs_row_selection_new (G_LIST_MODEL (g_object_ref (strings)));
  GtkSelectionModel *model = GTK_SELECTION_MODEL (selection);
  g_autoptr(GtkBitset) range = NULL;
  Watch watch = { 0 };

  g_signal_connect (selection, "selection-changed", G_CALLBACK (selection_changed_cb), &watch);
  g_signal_connect (selection, "items-changed", G_CALLBACK (items_changing_cb), &watch);
  g_signal_connect_after (selection, "items-changed", G_CALLBACK (items_changed_cb), &watch);

  g_assert_true (g_list_model_get_item_type (G_LIST_MODEL (selection)) == g_list_model_get_item_type (G_LIST_MODEL (strings)));
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (selection)), ==, 10);

  g_assert_true (gtk_selection_model_select_item (model, 3, TRUE));
  assert_selection (model, "3");
  g_assert_cmpuint (watch.n_selection_changes, ==, 1);
  g_assert_cmpuint (watch.position, ==, 3);
  g_assert_cmpuint (watch.n_items, ==, 1);

  /* Exclusive: 3 goes, 7 comes; the signal spans both. */
  g_assert_true (gtk_selection_model_select_item (model, 7, TRUE));
  assert_selection (model, "7");
  g_assert_cmpuint (watch.position, ==, 3);
  g_assert_cmpuint (watch.n_items, ==, 5);

  g_assert_true (gtk_selection_model_select_range (model, 1, 3, FALSE));
  assert_selection (model, "1,2,3,7");
  g_assert_cmpuint (watch.position, ==, 1);
  g_assert_cmpuint (watch.n_items, ==, 3);

  /* Nothing changes, nothing is said. */
  watch.n_selection_changes = 0;
  g_assert_true (gtk_selection_model_select_item (model, 2, FALSE));
  g_assert_cmpuint (watch.n_selection_changes, ==, 0);

  g_assert_true (gtk_selection_model_unselect_item (model, 2));
  assert_selection (model, "1,3,7");
  g_assert_cmpuint (watch.position, ==, 2);
  g_assert_cmpuint (watch.n_items, ==, 1);

  /* The mask: only rows under it change, to what @selected says. */
  {
    g_autoptr(GtkBitset) selected = gtk_bitset_new_range (4, 2);
    g_autoptr(GtkBitset) mask = gtk_bitset_new_range (3, 4);

    g_assert_true (gtk_selection_model_set_selection (model, selected, mask));
    assert_selection (model, "1,4,5,7");
    g_assert_cmpuint (watch.position, ==, 3);
    g_assert_cmpuint (watch.n_items, ==, 3);
  }

  range = gtk_selection_model_get_selection_in_range (model, 2, 3);
  g_assert_false (gtk_bitset_contains (range, 1));
  g_assert_true (gtk_bitset_contains (range, 4));
  g_clear_pointer (&range, gtk_bitset_unref);
  /* Up to the end, however far that is. */
  range = gtk_selection_model_get_selection_in_range (model, 4, G_MAXUINT);
  g_assert_true (gtk_bitset_contains (range, 4));
  g_assert_true (gtk_bitset_contains (range, 7));
  g_clear_pointer (&range, gtk_bitset_unref);

  /* Rows removed lose their selection, rows added come unselected, the
   * rest move with their rows; no selection-changed meanwhile. */
  watch.n_selection_changes = 0;
  gtk_string_list_splice (strings, 3, 2, (const char *[]) { "new a", "new b", "new c", NULL });
  assert_selection (model, "1,6,8");
  gtk_string_list_remove (strings, 0);
  assert_selection (model, "0,5,7");
  g_assert_cmpuint (watch.n_selection_changes, ==, 0);
  g_assert_cmpuint (watch.changed_inside, ==, 0);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (selection)), ==, 10);

  /* All and none through the interface's defaults. */
  g_assert_true (gtk_selection_model_select_all (model));
  assert_selection (model, "0,1,2,3,4,5,6,7,8,9");
  g_assert_cmpuint (watch.position, ==, 1);
  g_assert_cmpuint (watch.n_items, ==, 9);
  g_assert_true (gtk_selection_model_unselect_all (model));
  assert_selection (model, "");
  g_assert_cmpuint (watch.position, ==, 0);
  g_assert_cmpuint (watch.n_items, ==, 10);

  /* Ranges past the end select nothing there. */
  g_assert_true (gtk_selection_model_select_range (model, 8, G_MAXUINT - 8, FALSE));
  assert_selection (model, "8,9");
  g_assert_true (gtk_selection_model_select_range (model, 5, 1, TRUE));
  assert_selection (model, "5");

  /* An empty model. */
  gtk_string_list_splice (strings, 0, 10, NULL);
  assert_selection (model, "");
  watch.n_selection_changes = 0;
  g_assert_true (gtk_selection_model_select_all (model));
  g_assert_true (gtk_selection_model_unselect_all (model));
  g_assert_true (gtk_selection_model_select_range (model, 0, G_MAXUINT, TRUE));
  g_assert_cmpuint (watch.n_selection_changes, ==, 0);
  assert_selection (model, "");
}

/* The selection gone, its model goes on without calling into it (ASan
 * would see the freed selection). */
static void
test_row_selection_dispose (void)
{
  g_autoptr(GtkStringList) strings = new_strings (3);
  QrsRowSelection *selection = qrs_row_selection_new (G_LIST_MODEL (g_object_ref (strings)));

  gtk_selection_model_select_item (GTK_SELECTION_MODEL (selection), 1, TRUE);
  g_object_unref (selection);
  gtk_string_list_remove (strings, 0);
  gtk_string_list_append (strings, "more");
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (strings)), ==, 3);
}

static void
setup_cb (GtkSignalListItemFactory *factory,
          GtkListItem              *item)
{
  gtk_list_item_set_child (item, gtk_label_new (NULL));
}

static void
bind_cb (GtkSignalListItemFactory *factory,
         GtkListItem              *item)
{
  gtk_label_set_text (GTK_LABEL (gtk_list_item_get_child (item)),
                      gtk_string_object_get_string (gtk_list_item_get_item (item)));
}

/* The row widget showing @position (the list item's widget is the
 * label's parent). */
static GtkWidget *
row_widget (GtkWidget *list_view,
            guint      position)
{
  g_autofree char *text = g_strdup_printf ("row %u", position);

  for (GtkWidget *row = gtk_widget_get_first_child (list_view); row != NULL;
       row = gtk_widget_get_next_sibling (row))
    {
      GtkWidget *label = gtk_widget_get_first_child (row);

      if (GTK_IS_LABEL (label) && g_strcmp0 (gtk_label_get_text (GTK_LABEL (label)), text) == 0)
        return row;
    }
  return NULL;
}

static void
assert_row_selected (GtkWidget *list_view,
                     guint      position,
                     gboolean   selected)
{
  GtkWidget *row = row_widget (list_view, position);

  g_assert_nonnull (row);
  /* What the row's accessible says of it is its state flag (GTK 4.8
   * sets no GTK_ACCESSIBLE_STATE_SELECTED on list rows, whatever the
   * selection model; test_row_selection_accessible compares). */
  g_assert_cmpint (!!(gtk_widget_get_state_flags (row) & GTK_STATE_FLAG_SELECTED), ==, selected);
}

static void
test_row_selection_list_view (void)
{
  g_autoptr(GtkStringList) strings = new_strings (20);
  QrsRowSelection *selection = qrs_row_selection_new (G_LIST_MODEL (g_object_ref (strings)));
  GtkListItemFactory *factory = gtk_signal_list_item_factory_new ();
  GtkWidget *window = gtk_window_new ();
  GtkWidget *list_view;

  g_signal_connect (factory, "setup", G_CALLBACK (setup_cb), NULL);
  g_signal_connect (factory, "bind", G_CALLBACK (bind_cb), NULL);
  list_view = gtk_list_view_new (GTK_SELECTION_MODEL (selection), factory);
  gtk_window_set_default_size (GTK_WINDOW (window), 300, 600);
  gtk_window_set_child (GTK_WINDOW (window), list_view);
  gtk_window_present (GTK_WINDOW (window));
  app_test_iterate (300);

  /* A click, a Ctrl-click, a Shift-click. */
  g_assert_true (gtk_widget_activate_action (list_view, "list.select-item", "(ubb)", 2, FALSE, FALSE));
  assert_selection (selection, "2");
  g_assert_true (gtk_widget_activate_action (list_view, "list.select-item", "(ubb)", 5, TRUE, FALSE));
  assert_selection (selection, "2,5");
  g_assert_true (gtk_widget_activate_action (list_view, "list.select-item", "(ubb)", 8, FALSE, TRUE));
  assert_selection (selection, "5,6,7,8");
  g_assert_true (gtk_widget_activate_action (list_view, "list.select-item", "(ubb)", 6, TRUE, FALSE));
  assert_selection (selection, "5,7,8");
  app_test_iterate (50);
  assert_row_selected (list_view, 5, TRUE);
  assert_row_selected (list_view, 6, FALSE);

  /* Ctrl+A, Ctrl+Shift+A. */
  g_assert_true (gtk_widget_activate_action (list_view, "list.select-all", NULL));
  assert_selection (selection, "0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19");
  app_test_iterate (50);
  assert_row_selected (list_view, 6, TRUE);
  g_assert_true (gtk_widget_activate_action (list_view, "list.unselect-all", NULL));
  assert_selection (selection, "");
  app_test_iterate (50);
  assert_row_selected (list_view, 5, FALSE);

  /* A row the model makes anew comes unselected, on screen too. */
  gtk_widget_activate_action (list_view, "list.select-item", "(ubb)", 1, FALSE, FALSE);
  gtk_string_list_splice (strings, 1, 1, (const char *[]) { "row 1", NULL });
  assert_selection (selection, "");
  app_test_iterate (50);
  assert_row_selected (list_view, 1, FALSE);

  gtk_window_destroy (GTK_WINDOW (window));
  app_test_iterate (50);
}

static GtkWidget *
new_list_view (GtkSelectionModel *selection)
{
  GtkListItemFactory *factory = gtk_signal_list_item_factory_new ();
  GtkWidget *window = gtk_window_new ();
  GtkWidget *list_view;

  g_signal_connect (factory, "setup", G_CALLBACK (setup_cb), NULL);
  g_signal_connect (factory, "bind", G_CALLBACK (bind_cb), NULL);
  list_view = gtk_list_view_new (selection, factory);
  gtk_window_set_default_size (GTK_WINDOW (window), 300, 600);
  gtk_window_set_child (GTK_WINDOW (window), list_view);
  gtk_window_present (GTK_WINDOW (window));
  return list_view;
}

/* Screen readers hear of a selected row as with GTK's own selection. */
static void
test_row_selection_accessible (void)
{
  g_autoptr(GtkStringList) strings = new_strings (5);
  GtkWidget *ours = new_list_view (GTK_SELECTION_MODEL (qrs_row_selection_new (G_LIST_MODEL (g_object_ref (strings)))));
  GtkWidget *gtks = new_list_view (GTK_SELECTION_MODEL (gtk_multi_selection_new (G_LIST_MODEL (g_object_ref (strings)))));

  app_test_iterate (300);
  g_assert_true (gtk_widget_activate_action (ours, "list.select-item", "(ubb)", 2, FALSE, FALSE));
  g_assert_true (gtk_widget_activate_action (gtks, "list.select-item", "(ubb)", 2, FALSE, FALSE));
  app_test_iterate (50);
  for (guint i = 0; i < 5; i++)
    {
      GtkAccessible *a = GTK_ACCESSIBLE (row_widget (ours, i));
      GtkAccessible *b = GTK_ACCESSIBLE (row_widget (gtks, i));

      g_assert_cmpint (gtk_test_accessible_has_state (a, GTK_ACCESSIBLE_STATE_SELECTED), ==,
                       gtk_test_accessible_has_state (b, GTK_ACCESSIBLE_STATE_SELECTED));
      g_assert_cmpint (gtk_widget_get_state_flags (GTK_WIDGET (a)) & GTK_STATE_FLAG_SELECTED, ==,
                       gtk_widget_get_state_flags (GTK_WIDGET (b)) & GTK_STATE_FLAG_SELECTED);
      g_assert_cmpint (!!(gtk_widget_get_state_flags (GTK_WIDGET (a)) & GTK_STATE_FLAG_SELECTED), ==, i == 2);
      g_assert_cmpint (gtk_accessible_get_accessible_role (a), ==, gtk_accessible_get_accessible_role (b));
    }

  gtk_window_destroy (GTK_WINDOW (gtk_widget_get_root (ours)));
  gtk_window_destroy (GTK_WINDOW (gtk_widget_get_root (gtks)));
  app_test_iterate (50);
}

int
main (int   argc,
      char *argv[])
{
  app_test_init (&argc, &argv);

  g_test_add_func ("/app/row-selection/contract", test_row_selection_contract);
  g_test_add_func ("/app/row-selection/dispose", test_row_selection_dispose);
  g_test_add_func ("/app/row-selection/list-view", test_row_selection_list_view);
  g_test_add_func ("/app/row-selection/accessible", test_row_selection_accessible);

  return app_test_run_tests ();
}
