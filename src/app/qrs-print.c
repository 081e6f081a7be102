/* qrs-print.c — one code on paper at its exact physical size
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "qrs-print.h"
#include "qrs-renderer.h"

#define POINTS_PER_MM (72.0 / 25.4)

typedef struct
{
  QrsDesign   *design;
  QrsSymbol   *symbol;
  QrsRenderer *renderer;
} PrintJob;

static void
print_job_free (gpointer data)
{
  PrintJob *job = data;

  g_clear_object (&job->design);
  g_clear_object (&job->symbol);
  g_clear_object (&job->renderer);
  g_free (job);
}

static void
begin_print_cb (GtkPrintOperation *operation,
                GtkPrintContext   *context,
                PrintJob          *job)
{
  gtk_print_operation_set_n_pages (operation, 1);
}

static void
draw_page_cb (GtkPrintOperation *operation,
              GtkPrintContext   *context,
              int                page_nr,
              PrintJob          *job)
{
  g_autoptr(GError) error = NULL;
  cairo_t *cr = gtk_print_context_get_cairo_context (context);
  double page_width = gtk_print_context_get_width (context);
  double page_height = gtk_print_context_get_height (context);
  double width = qrs_design_get_width_mm (job->design) * POINTS_PER_MM;
  QrsLayout layout;

  qrs_renderer_get_layout (job->renderer, job->design, job->symbol, width, &layout);

  /* The exact size is the point of printing from here; only a code that
   * would not fit the printable area at all is shrunk, rather than cut. */
  if (layout.width > page_width || layout.height > page_height)
    {
      double scale = MIN (page_width / layout.width, page_height / layout.height);

      g_message ("The code is larger than the page; printing it at %.0f %%", scale * 100);
      width *= scale;
      qrs_renderer_get_layout (job->renderer, job->design, job->symbol, width, &layout);
    }

  cairo_save (cr);
  cairo_translate (cr, (page_width - layout.width) / 2, (page_height - layout.height) / 2);
  if (!qrs_renderer_draw (job->renderer, job->design, job->symbol, cr, width, &error))
    g_warning ("Could not draw the code for printing: %s", error->message);
  cairo_restore (cr);
}

/**
 * qrs_print_operation_new:
 *
 * Returns: (transfer full): an operation that prints one code, centred,
 *   at the design's physical width (its pixel size at its DPI when the
 *   design is in pixels)
 */
GtkPrintOperation *
qrs_print_operation_new (QrsDesign *design,
                         QrsSymbol *symbol)
{
  GtkPrintOperation *operation;
  PrintJob *job;
  const char *title;

  g_return_val_if_fail (QRS_IS_DESIGN (design), NULL);
  g_return_val_if_fail (QRS_IS_SYMBOL (symbol), NULL);

  job = g_new0 (PrintJob, 1);
  job->design = qrs_design_copy (design);
  job->symbol = g_object_ref (symbol);
  job->renderer = qrs_renderer_new ();

  operation = gtk_print_operation_new ();
  gtk_print_operation_set_unit (operation, GTK_UNIT_POINTS);
  gtk_print_operation_set_use_full_page (operation, FALSE);
  gtk_print_operation_set_embed_page_setup (operation, TRUE);
  title = qrs_design_get_title (design);
  gtk_print_operation_set_job_name (operation, title && *title ? title : _("QR Code"));

  g_object_set_data_full (G_OBJECT (operation), "qrs-print-job", job, print_job_free);
  g_signal_connect (operation, "begin-print", G_CALLBACK (begin_print_cb), job);
  g_signal_connect (operation, "draw-page", G_CALLBACK (draw_page_cb), job);

  return operation;
}
