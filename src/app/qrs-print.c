/* qrs-print.c — codes on paper at their exact physical size: one code,
 * or a sheet of labels
 *
 * The print dialog gets a “Layout” tab: one code in the middle of the
 * page, or rows × columns of the same code with a margin around each, for
 * sheets of sticky labels.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "qrs-print.h"
#include "qrs-renderer.h"

#define POINTS_PER_MM (72.0 / 25.4)
#define MAX_LABELS 40

struct _QrsPrintOperation
{
  GtkPrintOperation  parent_instance;

  QrsDesign         *design;
  QrsSymbol         *symbol;
  QrsRenderer       *renderer;
  guint              rows;
  guint              columns;
  double             margin_mm;
  guint              n_shrunk;

  /* the Layout tab, while the dialog is up */
  GtkSpinButton     *rows_spin;
  GtkSpinButton     *columns_spin;
  GtkSpinButton     *margin_spin;
};

G_DEFINE_FINAL_TYPE (QrsPrintOperation, qrs_print_operation, GTK_TYPE_PRINT_OPERATION)

static void
qrs_print_operation_begin_print (GtkPrintOperation *operation,
                                 GtkPrintContext   *context)
{
  QRS_PRINT_OPERATION (operation)->n_shrunk = 0;
  gtk_print_operation_set_n_pages (operation, 1);
}

/* Draws the code centred in the cell, at its own size, or shrunk to the
 * cell when it would not fit: a smaller code beats a cut one. */
static void
draw_in_cell (QrsPrintOperation *self,
              cairo_t           *cr,
              double             x,
              double             y,
              double             cell_width,
              double             cell_height)
{
  g_autoptr(GError) error = NULL;
  double width = qrs_design_get_width_mm (self->design) * POINTS_PER_MM;
  QrsLayout layout;

  qrs_renderer_get_layout (self->renderer, self->design, self->symbol, width, &layout);
  if (layout.width > cell_width + 0.01 || layout.height > cell_height + 0.01)
    {
      width *= MIN (cell_width / layout.width, cell_height / layout.height);
      qrs_renderer_get_layout (self->renderer, self->design, self->symbol, width, &layout);
      self->n_shrunk++;
    }

  cairo_save (cr);
  cairo_translate (cr, x + (cell_width - layout.width) / 2, y + (cell_height - layout.height) / 2);
  if (!qrs_renderer_draw (self->renderer, self->design, self->symbol, cr, width, &error))
    g_warning ("Could not draw the code for printing: %s", error->message);
  cairo_restore (cr);
}

static void
qrs_print_operation_draw_page (GtkPrintOperation *operation,
                               GtkPrintContext   *context,
                               int                page_nr)
{
  QrsPrintOperation *self = QRS_PRINT_OPERATION (operation);
  cairo_t *cr = gtk_print_context_get_cairo_context (context);
  double page_width = gtk_print_context_get_width (context);
  double page_height = gtk_print_context_get_height (context);
  double margin = self->margin_mm * POINTS_PER_MM;
  double cell_width, cell_height;

  if (self->rows * self->columns <= 1)
    {
      draw_in_cell (self, cr, 0, 0, page_width, page_height);
      return;
    }

  cell_width = MAX (1, (page_width - (self->columns + 1) * margin) / self->columns);
  cell_height = MAX (1, (page_height - (self->rows + 1) * margin) / self->rows);

  for (guint row = 0; row < self->rows; row++)
    for (guint column = 0; column < self->columns; column++)
      draw_in_cell (self, cr,
                    margin + column * (cell_width + margin),
                    margin + row * (cell_height + margin),
                    cell_width, cell_height);
}

static GtkWidget *
make_spin_row (GtkGrid     *grid,
               int          row,
               const char  *label,
               double       lower,
               double       upper,
               double       step,
               guint        digits,
               double       value)
{
  GtkWidget *title = gtk_label_new_with_mnemonic (label);
  GtkWidget *spin = gtk_spin_button_new_with_range (lower, upper, step);

  gtk_spin_button_set_digits (GTK_SPIN_BUTTON (spin), digits);
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (spin), value);
  gtk_label_set_mnemonic_widget (GTK_LABEL (title), spin);
  gtk_label_set_xalign (GTK_LABEL (title), 0);
  gtk_grid_attach (grid, title, 0, row, 1, 1);
  gtk_grid_attach (grid, spin, 1, row, 1, 1);

  return spin;
}

static GtkWidget *
qrs_print_operation_create_custom_widget (GtkPrintOperation *operation)
{
  QrsPrintOperation *self = QRS_PRINT_OPERATION (operation);
  GtkWidget *grid = gtk_grid_new ();
  GtkWidget *hint;

  gtk_print_operation_set_custom_tab_label (operation, _("Layout"));
  gtk_grid_set_row_spacing (GTK_GRID (grid), 6);
  gtk_grid_set_column_spacing (GTK_GRID (grid), 12);
  g_object_set (grid, "margin-top", 12, "margin-bottom", 12, "margin-start", 12, "margin-end", 12, NULL);

  self->rows_spin = GTK_SPIN_BUTTON (make_spin_row (GTK_GRID (grid), 0, _("_Rows of labels"),
                                                    1, MAX_LABELS, 1, 0, self->rows));
  /* Translators: the underlined letter must differ from those of the
   * other rows here and of the print dialog's buttons (Cancel, Print,
   * Preview) */
  self->columns_spin = GTK_SPIN_BUTTON (make_spin_row (GTK_GRID (grid), 1, _("Co_lumns of labels"),
                                                       1, MAX_LABELS, 1, 0, self->columns));
  self->margin_spin = GTK_SPIN_BUTTON (make_spin_row (GTK_GRID (grid), 2, _("_Margin around each (mm)"),
                                                      0, 50, 0.5, 1, self->margin_mm));

  hint = gtk_label_new (_("One row and one column prints a single code in the middle of the page. "
                          "Each code keeps its exact size unless it would not fit its label."));
  gtk_label_set_wrap (GTK_LABEL (hint), TRUE);
  gtk_label_set_max_width_chars (GTK_LABEL (hint), 50);
  gtk_label_set_xalign (GTK_LABEL (hint), 0);
  gtk_widget_add_css_class (hint, "dim-label");
  gtk_grid_attach (GTK_GRID (grid), hint, 0, 3, 2, 1);

  return grid;
}

static void
qrs_print_operation_custom_widget_apply (GtkPrintOperation *operation,
                                         GtkWidget         *widget)
{
  QrsPrintOperation *self = QRS_PRINT_OPERATION (operation);

  qrs_print_operation_set_labels (self,
                                  gtk_spin_button_get_value_as_int (self->rows_spin),
                                  gtk_spin_button_get_value_as_int (self->columns_spin),
                                  gtk_spin_button_get_value (self->margin_spin));
  self->rows_spin = self->columns_spin = self->margin_spin = NULL;
}

static void
qrs_print_operation_finalize (GObject *object)
{
  QrsPrintOperation *self = (QrsPrintOperation *)object;

  g_clear_object (&self->design);
  g_clear_object (&self->symbol);
  g_clear_object (&self->renderer);

  G_OBJECT_CLASS (qrs_print_operation_parent_class)->finalize (object);
}

static void
qrs_print_operation_class_init (QrsPrintOperationClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkPrintOperationClass *operation_class = GTK_PRINT_OPERATION_CLASS (klass);

  object_class->finalize = qrs_print_operation_finalize;

  operation_class->begin_print = qrs_print_operation_begin_print;
  operation_class->draw_page = qrs_print_operation_draw_page;
  operation_class->create_custom_widget = qrs_print_operation_create_custom_widget;
  operation_class->custom_widget_apply = qrs_print_operation_custom_widget_apply;
}

static void
qrs_print_operation_init (QrsPrintOperation *self)
{
  self->rows = 1;
  self->columns = 1;
  self->margin_mm = 5;
  self->renderer = qrs_renderer_new ();
}

/**
 * qrs_print_operation_new:
 *
 * Returns: (transfer full): an operation that prints @design's code at
 *   its physical width (its pixel size at its DPI when the design is in
 *   pixels), one in the middle of the page until told otherwise
 */
QrsPrintOperation *
qrs_print_operation_new (QrsDesign *design,
                         QrsSymbol *symbol)
{
  QrsPrintOperation *self;
  const char *title;

  g_return_val_if_fail (QRS_IS_DESIGN (design), NULL);
  g_return_val_if_fail (QRS_IS_SYMBOL (symbol), NULL);

  self = g_object_new (QRS_TYPE_PRINT_OPERATION, NULL);
  self->design = qrs_design_copy (design);
  self->symbol = g_object_ref (symbol);

  gtk_print_operation_set_unit (GTK_PRINT_OPERATION (self), GTK_UNIT_POINTS);
  gtk_print_operation_set_use_full_page (GTK_PRINT_OPERATION (self), FALSE);
  gtk_print_operation_set_embed_page_setup (GTK_PRINT_OPERATION (self), TRUE);
  title = qrs_design_get_title (design);
  gtk_print_operation_set_job_name (GTK_PRINT_OPERATION (self),
                                    title && *title ? title : _("QR Code"));

  return self;
}

guint
qrs_print_operation_get_rows (QrsPrintOperation *self)
{
  g_return_val_if_fail (QRS_IS_PRINT_OPERATION (self), 1);

  return self->rows;
}

guint
qrs_print_operation_get_columns (QrsPrintOperation *self)
{
  g_return_val_if_fail (QRS_IS_PRINT_OPERATION (self), 1);

  return self->columns;
}

double
qrs_print_operation_get_margin (QrsPrintOperation *self)
{
  g_return_val_if_fail (QRS_IS_PRINT_OPERATION (self), 0);

  return self->margin_mm;
}

/**
 * qrs_print_operation_set_labels:
 * @margin_mm: the space around each label, and along the page's edges
 *
 * Prints @rows × @columns copies of the code, one in the middle of each
 * label; 1 × 1 prints a single code in the middle of the page.
 */
void
qrs_print_operation_set_labels (QrsPrintOperation *self,
                                guint              rows,
                                guint              columns,
                                double             margin_mm)
{
  g_return_if_fail (QRS_IS_PRINT_OPERATION (self));
  g_return_if_fail (rows >= 1 && rows <= MAX_LABELS);
  g_return_if_fail (columns >= 1 && columns <= MAX_LABELS);
  g_return_if_fail (margin_mm >= 0);

  self->rows = rows;
  self->columns = columns;
  self->margin_mm = margin_mm;
}

/**
 * qrs_print_operation_get_n_shrunk:
 *
 * Returns: how many codes of the last print were shrunk to fit their
 *   label or the page, so the app can say so
 */
guint
qrs_print_operation_get_n_shrunk (QrsPrintOperation *self)
{
  g_return_val_if_fail (QRS_IS_PRINT_OPERATION (self), 0);

  return self->n_shrunk;
}
