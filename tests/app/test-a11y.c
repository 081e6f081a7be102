/* test-a11y.c — what a screen reader and a keyboard find: a name on
 * every control that shows no text, the Keyboard Shortcuts window
 * telling the shortcuts as they are, and where each dialog starts
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "app-test-utils.h"
#include "qrs-editor-private.h"
#include "qrs-export-dialog.h"
#include "qrs-window-private.h"

/* Names ---------------------------------------------------------------- */

static gboolean
has_name (GtkWidget *widget)
{
  return gtk_test_accessible_has_property (GTK_ACCESSIBLE (widget), GTK_ACCESSIBLE_PROPERTY_LABEL);
}

/* A name another widget gives: a row's title (its activatable widget) or
 * a label's mnemonic.  GTK 4.8 also points a button at its own icon this
 * way, which names nothing, so buttons need a label of their own. */
static gboolean
has_name_or_labeller (GtkWidget *widget)
{
  return has_name (widget)
         || gtk_test_accessible_has_relation (GTK_ACCESSIBLE (widget), GTK_ACCESSIBLE_RELATION_LABELLED_BY);
}

static void
describe (GtkWidget *widget,
          GString   *out)
{
  const char *tooltip = gtk_widget_get_tooltip_text (widget);
  GtkWidget *row = gtk_widget_get_ancestor (widget, ADW_TYPE_PREFERENCES_ROW);

  g_string_append_printf (out, "\n  %s (tooltip: %s, in the row “%s”)", G_OBJECT_TYPE_NAME (widget),
                          tooltip ? tooltip : "none",
                          row ? adw_preferences_row_get_title (ADW_PREFERENCES_ROW (row)) : "none");
}

/* Walks @widget's tree and lists the controls with nothing for a screen
 * reader to say.  The insides of GTK's and libadwaita's own composite
 * widgets are theirs (see the report in the commit), not ours. */
static void
find_unnamed (GtkWidget *widget,
              GString   *out,
              guint     *n_checked)
{
  gboolean descend = TRUE;

  if (GTK_IS_MENU_BUTTON (widget))
    {
      if (gtk_menu_button_get_label (GTK_MENU_BUTTON (widget)) == NULL)
        {
          (*n_checked)++;
          if (!has_name (widget))
            describe (widget, out);
        }
      /* Its own toggle button is GTK's; its popover is ours. */
      for (GtkWidget *child = gtk_widget_get_first_child (widget);
           child != NULL;
           child = gtk_widget_get_next_sibling (child))
        if (GTK_IS_POPOVER (child))
          find_unnamed (child, out, n_checked);
      return;
    }

  if (GTK_IS_BUTTON (widget)
      && gtk_button_get_label (GTK_BUTTON (widget)) == NULL
      && GTK_IS_IMAGE (gtk_button_get_child (GTK_BUTTON (widget))))
    {
      /* libadwaita's own: the entry row's ✓ (Apply) button, and the
       * preferences window's search button outside its pages. */
      gboolean libadwaitas =
        g_strcmp0 (gtk_button_get_icon_name (GTK_BUTTON (widget)), "adw-entry-apply-symbolic") == 0
        || (ADW_IS_PREFERENCES_WINDOW (gtk_widget_get_root (widget))
            && gtk_widget_get_ancestor (widget, ADW_TYPE_PREFERENCES_PAGE) == NULL);

      if (!libadwaitas)
        {
          (*n_checked)++;
          if (!has_name (widget))
            describe (widget, out);
        }
    }
  else if (GTK_IS_SWITCH (widget) && !gtk_widget_get_visible (widget)
           && gtk_widget_get_ancestor (widget, ADW_TYPE_EXPANDER_ROW) != NULL)
    {
      /* libadwaita's expander row's own switch, shown only with
       * show-enable-switch, which the app does not use. */
      descend = FALSE;
    }
  else if (GTK_IS_DROP_DOWN (widget) || GTK_IS_SPIN_BUTTON (widget) || GTK_IS_SWITCH (widget)
           || GTK_IS_COLOR_BUTTON (widget) || GTK_IS_FONT_BUTTON (widget))
    {
      (*n_checked)++;
      if (!has_name_or_labeller (widget))
        describe (widget, out);
      descend = FALSE;
    }
  else if (GTK_IS_CALENDAR (widget) || GTK_IS_SEARCH_ENTRY (widget) || GTK_IS_WINDOW_CONTROLS (widget))
    {
      descend = FALSE;
    }

  for (GtkWidget *child = gtk_widget_get_first_child (widget);
       descend && child != NULL;
       child = gtk_widget_get_next_sibling (child))
    find_unnamed (child, out, n_checked);
}

static void
assert_all_named (GtkWidget *root,
                  guint      min_checked)
{
  g_autoptr(GString) unnamed = g_string_new (NULL);
  guint n_checked = 0;

  find_unnamed (root, unnamed, &n_checked);
  g_test_message ("%u controls without text checked in %s", n_checked, G_OBJECT_TYPE_NAME (root));
  /* The walk must have found the controls it is about. */
  g_assert_cmpuint (n_checked, >=, min_checked);
  if (unnamed->len > 0)
    g_error ("Controls a screen reader cannot name:%s", unnamed->str);
}

static GtkWindow *
find_toplevel (GType type)
{
  g_autoptr(GList) toplevels = gtk_window_list_toplevels ();

  for (GList *l = toplevels; l != NULL; l = l->next)
    if (G_TYPE_CHECK_INSTANCE_TYPE (l->data, type) && gtk_widget_get_visible (l->data))
      return l->data;

  return NULL;
}

static gboolean
toplevel_shown (gpointer data)
{
  return find_toplevel (GPOINTER_TO_SIZE (data)) != NULL;
}

static GtkWindow *
wait_for_toplevel (GType type)
{
  app_test_wait_until (toplevel_shown, GSIZE_TO_POINTER (type), 10000);
  app_test_iterate (50);

  return find_toplevel (type);
}

static void
test_a11y_names_window (void)
{
  QrsWindow *window = app_test_new_window (1200, 800);

  /* A contact: values that come several at a time (their remove
   * buttons) and a date (its picker). */
  app_test_select_type (window, QRS_PAYLOAD_TYPE_VCARD);
  app_test_iterate (50);

  /* New code, main menu, filter, back, preview, print, stop, the short
   * link's buttons, expiry, remove logo, the calendar and remove buttons,
   * the dropdowns, switches, spin and colour buttons. */
  assert_all_named (GTK_WIDGET (window), 30);

  app_test_close_window (window);
}

static void
test_a11y_names_dialogs (void)
{
  QrsWindow *window = app_test_new_window (1200, 800);
  GtkWindow *dialog;

  gtk_widget_activate_action (GTK_WIDGET (window), "win.export", NULL);
  dialog = wait_for_toplevel (QRS_TYPE_EXPORT_DIALOG);
  assert_all_named (GTK_WIDGET (dialog), 3);
  gtk_window_destroy (dialog);

  g_action_group_activate_action (G_ACTION_GROUP (app_test_get_application ()), "preferences", NULL);
  dialog = wait_for_toplevel (ADW_TYPE_PREFERENCES_WINDOW);
  assert_all_named (GTK_WIDGET (dialog), 4);
  gtk_window_destroy (dialog);

  app_test_close_window (window);
}

int
main (int   argc,
      char *argv[])
{
  app_test_init (&argc, &argv);

  g_test_add_func ("/app/a11y/names/window", test_a11y_names_window);
  g_test_add_func ("/app/a11y/names/dialogs", test_a11y_names_dialogs);

  return app_test_run_tests ();
}
