/* qrs-window-dnd.c — an image dropped on the window becomes the logo;
 * the preview can be dragged out as an image and as an SVG file
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>

#include <glib/gi18n-lib.h>

#include "qrs-export.h"
#include "qrs-window-private.h"

#define DRAG_IMAGE_WIDTH 1024
#define DRAG_ICON_WIDTH  128

static gboolean
drop_cb (GtkDropTarget *target,
         const GValue  *value,
         double         x,
         double         y,
         QrsWindow     *self)
{
  if (G_VALUE_HOLDS (value, G_TYPE_FILE))
    {
      qrs_editor_load_logo (self->editor, g_value_get_object (value));
      return TRUE;
    }

  if (G_VALUE_HOLDS (value, GDK_TYPE_TEXTURE))
    {
      g_autoptr(GBytes) png = gdk_texture_save_to_png_bytes (g_value_get_object (value));
      g_autoptr(GError) error = NULL;

      if (!qrs_editor_set_logo (self->editor, png, &error))
        {
          g_autofree char *message = g_strdup_printf (_("Could not use this logo: %s"), error->message);

          qrs_window_show_toast (self, message);
          return FALSE;
        }
      return TRUE;
    }

  return FALSE;
}

static char *
dup_drag_file_name (QrsWindow *self)
{
  g_autofree char *title = qrs_document_dup_display_title (self->document);
  g_autofree char *dir = g_build_filename (g_get_user_cache_dir (), "qrstudio", "drag", NULL);
  g_autofree char *base = NULL;

  g_strdelimit (title, "/\\:*?\"<>|", '-');
  base = g_strconcat (title, ".svg", NULL);
  g_mkdir_with_parents (dir, 0700);

  return g_build_filename (dir, base, NULL);
}

static GdkContentProvider *
drag_prepare_cb (GtkDragSource *source,
                 double         x,
                 double         y,
                 QrsWindow     *self)
{
  QrsSymbol *symbol = qrs_preview_get_symbol (self->preview);
  QrsDesign *design = qrs_document_get_design (self->document);
  g_autoptr(GdkTexture) texture = NULL;
  g_autoptr(GdkTexture) icon = NULL;
  g_autoptr(GBytes) svg = NULL;
  g_autoptr(GError) error = NULL;
  GdkContentProvider *providers[3];
  guint n = 0;

  if (symbol == NULL || !_qrs_window_check_short_link (self))
    return NULL;

  texture = qrs_preview_render_texture (self->preview, DRAG_IMAGE_WIDTH, &error);
  if (texture == NULL)
    {
      g_warning ("Could not draw the code to drag it: %s", error->message);
      return NULL;
    }
  providers[n++] = gdk_content_provider_new_typed (GDK_TYPE_TEXTURE, texture);

  /* Drop targets that want a file (a file manager, a layout program) get
   * the SVG; it is small and written in well under a frame. */
  svg = qrs_export_to_bytes (design, symbol, QRS_EXPORT_FORMAT_SVG, &error);
  if (svg != NULL)
    {
      g_autofree char *path = dup_drag_file_name (self);
      g_autoptr(GFile) file = g_file_new_for_path (path);

      if (g_file_set_contents (path, g_bytes_get_data (svg, NULL), g_bytes_get_size (svg), &error))
        {
          GdkFileList *list = gdk_file_list_new_from_array (&file, 1);

          providers[n++] = gdk_content_provider_new_typed (GDK_TYPE_FILE_LIST, list);
          g_boxed_free (GDK_TYPE_FILE_LIST, list);
          providers[n++] = gdk_content_provider_new_for_bytes ("image/svg+xml", svg);
        }
    }
  if (error != NULL)
    g_debug ("No SVG for the drag: %s", error->message);

  icon = qrs_preview_render_texture (self->preview, DRAG_ICON_WIDTH, NULL);
  if (icon != NULL)
    gtk_drag_source_set_icon (source, GDK_PAINTABLE (icon), DRAG_ICON_WIDTH / 2, DRAG_ICON_WIDTH / 2);

  return gdk_content_provider_new_union (providers, n);
}

void
_qrs_window_dnd_init (QrsWindow *self)
{
  GtkDropTarget *target;
  GtkDragSource *source;

  target = gtk_drop_target_new (G_TYPE_INVALID, GDK_ACTION_COPY);
  gtk_drop_target_set_gtypes (target, (GType[2]) { G_TYPE_FILE, GDK_TYPE_TEXTURE }, 2);
  g_signal_connect (target, "drop", G_CALLBACK (drop_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (target));

  source = gtk_drag_source_new ();
  gtk_drag_source_set_actions (source, GDK_ACTION_COPY);
  g_signal_connect (source, "prepare", G_CALLBACK (drag_prepare_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self->preview), GTK_EVENT_CONTROLLER (source));
}
