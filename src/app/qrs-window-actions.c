/* qrs-window-actions.c — what the window can do, and its shortcuts
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>

#include <glib/gi18n-lib.h>

#include "qrs-export-dialog.h"
#include "qrs-print.h"
#include "qrs-window-private.h"

#define CLIPBOARD_MIN_WIDTH 64
#define CLIPBOARD_MAX_WIDTH 4096

static void
new_code_action (GtkWidget  *widget,
                 const char *action_name,
                 GVariant   *param)
{
  QrsWindow *self = QRS_WINDOW (widget);
  g_autoptr(QrsDocument) document = _qrs_window_create_document (self);

  _qrs_window_add_document (self, document);
  qrs_window_set_document (self, document);
  adw_leaflet_navigate (self->leaflet, ADW_NAVIGATION_DIRECTION_FORWARD);
}

static void
duplicate_action (GtkWidget  *widget,
                  const char *action_name,
                  GVariant   *param)
{
  QrsWindow *self = QRS_WINDOW (widget);
  g_autoptr(QrsDocument) copy = NULL;
  g_autofree char *title = NULL;
  QrsDesign *design;
  const char *old;

  if (self->document == NULL)
    return;

  copy = qrs_document_duplicate (self->document);
  design = qrs_document_get_design (copy);
  old = qrs_design_get_title (design);
  /* Translators: the title of a duplicated code */
  title = g_strdup_printf (_("%s (Copy)"), old && *old ? old : _("Untitled Code"));
  qrs_design_set_title (design, title);

  _qrs_window_add_document (self, copy);
  qrs_window_set_document (self, copy);
  qrs_window_show_toast (self, _("Code duplicated"));
}

static void
show_library_action (GtkWidget  *widget,
                     const char *action_name,
                     GVariant   *param)
{
  QrsWindow *self = QRS_WINDOW (widget);

  adw_leaflet_navigate (self->leaflet, ADW_NAVIGATION_DIRECTION_BACK);
}

static void
search_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *param)
{
  QrsWindow *self = QRS_WINDOW (widget);

  adw_leaflet_navigate (self->leaflet, ADW_NAVIGATION_DIRECTION_BACK);
  gtk_widget_grab_focus (GTK_WIDGET (self->search_entry));
}

static void
export_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *param)
{
  QrsWindow *self = QRS_WINDOW (widget);
  QrsExportDialog *dialog;

  if (qrs_preview_get_symbol (self->preview) == NULL)
    return;

  dialog = qrs_export_dialog_new (self, self->document, qrs_preview_get_symbol (self->preview));
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
print_done_cb (GtkPrintOperation       *operation,
               GtkPrintOperationResult  result,
               QrsWindow               *self)
{
  g_autoptr(GError) error = NULL;

  if (result == GTK_PRINT_OPERATION_RESULT_ERROR)
    {
      g_autofree char *message = NULL;

      gtk_print_operation_get_error (operation, &error);
      message = g_strdup_printf (_("Could not print: %s"), error ? error->message : _("unknown error"));
      qrs_window_show_toast (self, message);
    }
  else if (result == GTK_PRINT_OPERATION_RESULT_APPLY)
    {
      g_set_object (&self->print_settings, gtk_print_operation_get_print_settings (operation));
      if (qrs_print_operation_get_n_shrunk (QRS_PRINT_OPERATION (operation)) > 0)
        qrs_window_show_toast (self, _("Printed smaller than its size: the code did not fit the page or its label"));
    }
}

static void
print_action (GtkWidget  *widget,
              const char *action_name,
              GVariant   *param)
{
  QrsWindow *self = QRS_WINDOW (widget);
  g_autoptr(QrsPrintOperation) operation = NULL;
  g_autoptr(GError) error = NULL;
  QrsSymbol *symbol = qrs_preview_get_symbol (self->preview);

  if (symbol == NULL)
    return;

  operation = qrs_print_operation_new (qrs_document_get_design (self->document), symbol);
  if (self->print_settings != NULL)
    gtk_print_operation_set_print_settings (GTK_PRINT_OPERATION (operation), self->print_settings);
  gtk_print_operation_set_allow_async (GTK_PRINT_OPERATION (operation), TRUE);
  g_signal_connect_object (operation, "done", G_CALLBACK (print_done_cb), self, 0);

  if (gtk_print_operation_run (GTK_PRINT_OPERATION (operation), GTK_PRINT_OPERATION_ACTION_PRINT_DIALOG,
                               GTK_WINDOW (self), &error) == GTK_PRINT_OPERATION_RESULT_ERROR)
    {
      g_autofree char *message = g_strdup_printf (_("Could not print: %s"), error->message);

      qrs_window_show_toast (self, message);
    }
}

static void
copy_image_action (GtkWidget  *widget,
                   const char *action_name,
                   GVariant   *param)
{
  QrsWindow *self = QRS_WINDOW (widget);
  QrsDesign *design = qrs_document_get_design (self->document);
  g_autoptr(GdkTexture) texture = NULL;
  g_autoptr(GError) error = NULL;
  int width;

  width = (int)CLAMP (round (qrs_design_get_width_px (design)), CLIPBOARD_MIN_WIDTH, CLIPBOARD_MAX_WIDTH);
  texture = qrs_preview_render_texture (self->preview, width, &error);

  if (texture == NULL)
    {
      g_autofree char *message = g_strdup_printf (_("Could not copy the image: %s"), error->message);

      qrs_window_show_toast (self, message);
      return;
    }

  gdk_clipboard_set_texture (gtk_widget_get_clipboard (widget), texture);
  qrs_window_show_toast (self, _("Image copied"));
}

static void
zoom_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *param)
{
  QrsWindow *self = QRS_WINDOW (widget);

  if (g_str_equal (action_name, "win.zoom-in"))
    qrs_preview_zoom_in (self->preview);
  else if (g_str_equal (action_name, "win.zoom-out"))
    qrs_preview_zoom_out (self->preview);
  else
    qrs_preview_zoom_reset (self->preview);
}

static void
toggle_preview_action (GtkWidget  *widget,
                       const char *action_name,
                       GVariant   *param)
{
  QrsWindow *self = QRS_WINDOW (widget);

  adw_flap_set_reveal_flap (self->flap, !adw_flap_get_reveal_flap (self->flap));
}

void
_qrs_window_actions_update (QrsWindow *self)
{
  gboolean has_symbol = qrs_preview_get_symbol (self->preview) != NULL;

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.export", has_symbol);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.print", has_symbol);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.copy-image", has_symbol);
}

void
_qrs_window_class_actions_init (GtkWidgetClass *widget_class)
{
  gtk_widget_class_install_action (widget_class, "win.new-code", NULL, new_code_action);
  gtk_widget_class_install_action (widget_class, "win.duplicate", NULL, duplicate_action);
  gtk_widget_class_install_action (widget_class, "win.show-library", NULL, show_library_action);
  gtk_widget_class_install_action (widget_class, "win.search", NULL, search_action);
  gtk_widget_class_install_action (widget_class, "win.export", NULL, export_action);
  gtk_widget_class_install_action (widget_class, "win.print", NULL, print_action);
  gtk_widget_class_install_action (widget_class, "win.copy-image", NULL, copy_image_action);
  gtk_widget_class_install_action (widget_class, "win.zoom-in", NULL, zoom_action);
  gtk_widget_class_install_action (widget_class, "win.zoom-out", NULL, zoom_action);
  gtk_widget_class_install_action (widget_class, "win.zoom-reset", NULL, zoom_action);
  gtk_widget_class_install_action (widget_class, "win.toggle-preview", NULL, toggle_preview_action);

  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_n, GDK_CONTROL_MASK, "win.new-code", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_d, GDK_CONTROL_MASK, "win.duplicate", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_f, GDK_CONTROL_MASK, "win.search", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_e, GDK_CONTROL_MASK, "win.export", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_p, GDK_CONTROL_MASK, "win.print", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_c, GDK_CONTROL_MASK | GDK_SHIFT_MASK,
                                       "win.copy-image", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_plus, GDK_CONTROL_MASK, "win.zoom-in", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_equal, GDK_CONTROL_MASK, "win.zoom-in", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_KP_Add, GDK_CONTROL_MASK, "win.zoom-in", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_minus, GDK_CONTROL_MASK, "win.zoom-out", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_KP_Subtract, GDK_CONTROL_MASK,
                                       "win.zoom-out", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_0, GDK_CONTROL_MASK, "win.zoom-reset", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_KP_0, GDK_CONTROL_MASK, "win.zoom-reset", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_F9, 0, "win.toggle-preview", NULL);
}
