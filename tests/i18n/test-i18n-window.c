/* test-i18n-window.c — the window built in Spanish: with LANGUAGE=es and
 * the build tree's catalogues, the labels from the .ui files and from
 * the code are Spanish and none of the English ones is left
 *
 * Runs under Xvfb like tests/app, with its helpers; $QRS_LOCALEDIR is
 * the build tree's po/ directory (tests/i18n/meson.build sets it).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <locale.h>

#include <glib/gi18n-lib.h>

#include "app-test-utils.h"

static void
collect_labels (GtkWidget *widget,
                GPtrArray *labels)
{
  if (GTK_IS_LABEL (widget))
    g_ptr_array_add (labels, (gpointer)gtk_label_get_label (GTK_LABEL (widget)));

  for (GtkWidget *child = gtk_widget_get_first_child (widget);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    collect_labels (child, labels);
}

static gboolean
has_label (GPtrArray  *labels,
           const char *text)
{
  for (guint i = 0; i < labels->len; i++)
    if (g_strcmp0 (g_ptr_array_index (labels, i), text) == 0)
      return TRUE;

  return FALSE;
}

/* The widget whose tooltip is @tooltip, if any. */
static GtkWidget *
find_by_tooltip (GtkWidget  *widget,
                 const char *tooltip)
{
  if (g_strcmp0 (gtk_widget_get_tooltip_text (widget), tooltip) == 0)
    return widget;

  for (GtkWidget *child = gtk_widget_get_first_child (widget);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_by_tooltip (child, tooltip);

      if (found != NULL)
        return found;
    }

  return NULL;
}

static void
test_window_in_spanish (void)
{
  QrsWindow *window = app_test_new_window (1200, 800);
  g_autoptr(GPtrArray) labels = g_ptr_array_new ();

  app_test_iterate (100);
  collect_labels (GTK_WIDGET (window), labels);

  /* From qrs-window.ui and qrs-editor.ui. */
  g_assert_true (has_label (labels, "Biblioteca"));
  g_assert_true (has_label (labels, "Colores"));
  g_assert_false (has_label (labels, "Library"));
  g_assert_false (has_label (labels, "Colours"));
  /* From the code: the title of a code not yet named, and the label of
   * its type. */
  g_assert_true (has_label (labels, "Código sin título"));
  g_assert_true (has_label (labels, "Dirección web"));
  g_assert_false (has_label (labels, "Untitled Code"));

  /* What a screen reader says of the buttons that show only an icon is
   * Spanish too (the .ui files' accessibility labels). */
  gtk_test_accessible_assert_property (find_by_tooltip (GTK_WIDGET (window), "Código nuevo"),
                                       GTK_ACCESSIBLE_PROPERTY_LABEL, "Código nuevo");
  gtk_test_accessible_assert_property (find_by_tooltip (GTK_WIDGET (window), "Imprimir"),
                                       GTK_ACCESSIBLE_PROPERTY_LABEL, "Imprimir");

  app_test_close_window (window);
}

int
main (int   argc,
      char *argv[])
{
  const char *localedir = g_getenv ("QRS_LOCALEDIR");

  if (localedir == NULL)
    g_error ("QRS_LOCALEDIR is not set: run this test through meson");

  /* As src/app/main.c binds the domain, before GTK sets the locale from
   * LC_ALL=C.UTF-8, where gettext follows LANGUAGE. */
  g_setenv ("LANGUAGE", "es", TRUE);
  bindtextdomain (GETTEXT_PACKAGE, localedir);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  app_test_init (&argc, &argv);

  g_test_add_func ("/i18n/window/spanish", test_window_in_spanish);

  return app_test_run_tests ();
}
