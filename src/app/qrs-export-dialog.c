/* qrs-export-dialog.c — format, size and file name for one export
 *
 * The file is written on a worker thread by the exporter; the dialog
 * closes at once and the window tells how it went.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>

#include <glib/gi18n-lib.h>

#include "qrs-batch-export.h"
#include "qrs-export-dialog.h"

struct _QrsExportDialog
{
  AdwWindow             parent_instance;

  QrsWindow            *window;
  QrsDocument          *document;
  QrsSymbol            *symbol;
  GSettings            *settings;
  GtkFileChooserNative *chooser;

  AdwComboRow          *format_row;
  GtkSpinButton        *size_spin;
  GtkAdjustment        *size_adjustment;
  GtkDropDown          *unit_dropdown;
  GtkSpinButton        *dpi_spin;
  AdwEntryRow          *file_name_row;
  GtkLabel             *summary_label;
  GtkButton            *export_button;
};

G_DEFINE_FINAL_TYPE (QrsExportDialog, qrs_export_dialog, ADW_TYPE_WINDOW)

/* In the order of the format row and of the schema's enum. */
static const char * const format_nicks[] = { "png", "svg", "pdf", "eps", "jpeg", "webp" };

static double
mm_per_unit (QrsSizeUnit unit)
{
  switch (unit)
    {
    case QRS_SIZE_UNIT_MM: return 1;
    case QRS_SIZE_UNIT_CM: return 10;
    case QRS_SIZE_UNIT_IN: return 25.4;
    case QRS_SIZE_UNIT_PX:
    default: return 0;
    }
}

static gboolean
format_get_mapping (GValue   *value,
                    GVariant *variant,
                    gpointer  user_data)
{
  const char *nick = g_variant_get_string (variant, NULL);

  for (guint i = 0; i < G_N_ELEMENTS (format_nicks); i++)
    if (g_str_equal (nick, format_nicks[i]))
      {
        g_value_set_uint (value, i);
        return TRUE;
      }

  return FALSE;
}

static GVariant *
format_set_mapping (const GValue       *value,
                    const GVariantType *expected_type,
                    gpointer            user_data)
{
  guint i = g_value_get_uint (value);

  if (i >= G_N_ELEMENTS (format_nicks))
    return NULL;

  return g_variant_new_string (format_nicks[i]);
}

static char *
dup_base_name (QrsExportDialog *self)
{
  g_autofree char *title = qrs_document_dup_display_title (self->document);

  return qrs_file_name_from_title (title);
}

static void
update_extension (QrsExportDialog *self)
{
  const char *ext = qrs_export_format_get_extension (qrs_export_dialog_get_format (self));
  const char *text = gtk_editable_get_text (GTK_EDITABLE (self->file_name_row));
  g_autofree char *stem = NULL;
  g_autofree char *name = NULL;
  const char *dot = strrchr (text, '.');

  stem = dot && dot != text ? g_strndup (text, dot - text) : g_strdup (text);
  if (stem[0] == '\0')
    {
      g_free (stem);
      stem = dup_base_name (self);
    }
  name = g_strconcat (stem, ".", ext, NULL);
  gtk_editable_set_text (GTK_EDITABLE (self->file_name_row), name);
}

static void
update_summary (QrsExportDialog *self)
{
  g_autoptr(QrsDesign) design = qrs_export_dialog_dup_design (self);
  g_autofree char *summary = NULL;
  QrsExportFormat format = qrs_export_dialog_get_format (self);
  double px = round (qrs_design_get_width_px (design));
  double mm = qrs_design_get_width_mm (design);
  double dpi = qrs_design_get_dpi (design);

  if (format == QRS_EXPORT_FORMAT_PNG || format == QRS_EXPORT_FORMAT_JPEG ||
      format == QRS_EXPORT_FORMAT_WEBP)
    /* Translators: “1024 pixels wide, 86.7 mm when printed at 300 dpi” */
    summary = g_strdup_printf (_("%.0f pixels wide, %.1f mm when printed at %.0f dpi"), px, mm, dpi);
  else
    /* Translators: “86.7 mm wide, drawn in vectors” */
    summary = g_strdup_printf (_("%.1f mm wide, drawn in vectors: sharp at any size"), mm);

  gtk_label_set_label (self->summary_label, summary);
}

static void
unit_changed_cb (QrsExportDialog *self)
{
  static const struct { double lower, upper, step, page; guint digits; } ranges[] = {
    [QRS_SIZE_UNIT_PX] = { 16, 20000, 1, 64, 0 },
    [QRS_SIZE_UNIT_MM] = { 2, 5000, 1, 10, 1 },
    [QRS_SIZE_UNIT_CM] = { 0.2, 500, 0.1, 1, 2 },
    [QRS_SIZE_UNIT_IN] = { 0.08, 196, 0.05, 0.5, 2 },
  };
  QrsSizeUnit old_unit = GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (self), "qrs-unit"));
  QrsSizeUnit unit = gtk_drop_down_get_selected (self->unit_dropdown);
  double value = gtk_spin_button_get_value (self->size_spin);
  double dpi = gtk_spin_button_get_value (self->dpi_spin);
  double mm;

  if (unit == old_unit)
    return;

  /* Keep the same size, said in the new unit. */
  mm = old_unit == QRS_SIZE_UNIT_PX ? value / dpi * 25.4 : value * mm_per_unit (old_unit);
  value = unit == QRS_SIZE_UNIT_PX ? round (mm / 25.4 * dpi) : mm / mm_per_unit (unit);

  gtk_spin_button_set_digits (self->size_spin, ranges[unit].digits);
  gtk_adjustment_configure (self->size_adjustment,
                            CLAMP (value, ranges[unit].lower, ranges[unit].upper),
                            ranges[unit].lower, ranges[unit].upper,
                            ranges[unit].step, ranges[unit].page, 0);
  g_object_set_data (G_OBJECT (self), "qrs-unit", GUINT_TO_POINTER (unit));
  update_summary (self);
}

static void
exported_cb (GObject      *object,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(QrsExportDialog) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *message = NULL;
  g_autofree char *name = qrs_export_dialog_dup_file_name (self);

  if (qrs_export_dialog_export_finish (self, result, &error))
    /* Translators: %s is a file name */
    message = g_strdup_printf (_("Exported “%s”"), name);
  else
    message = g_strdup_printf (_("Could not export “%s”: %s"), name, error->message);

  qrs_window_show_toast (self->window, message);
  gtk_window_destroy (GTK_WINDOW (self));
}

static void
chooser_response_cb (QrsExportDialog      *self,
                     int                   response,
                     GtkFileChooserNative *chooser)
{
  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (chooser));

      gtk_widget_set_visible (GTK_WIDGET (self), FALSE);
      qrs_export_dialog_export_async (self, file, NULL, exported_cb, g_object_ref (self));
    }

  g_clear_object (&self->chooser);
}

static void
export_clicked_cb (QrsExportDialog *self)
{
  g_autofree char *name = qrs_export_dialog_dup_file_name (self);
  g_autoptr(GtkFileFilter) filter = gtk_file_filter_new ();
  QrsExportFormat format = qrs_export_dialog_get_format (self);

  gtk_file_filter_add_mime_type (filter, qrs_export_format_get_media_type (format));
  gtk_file_filter_set_name (filter, adw_combo_row_get_selected_item (self->format_row)
                                      ? gtk_string_object_get_string (adw_combo_row_get_selected_item (self->format_row))
                                      : NULL);

  g_clear_object (&self->chooser);
  self->chooser = gtk_file_chooser_native_new (_("Export Code"), GTK_WINDOW (self),
                                               GTK_FILE_CHOOSER_ACTION_SAVE,
                                               _("_Export"), _("_Cancel"));
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (self->chooser), TRUE);
  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (self->chooser), name);
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (self->chooser), filter);
  g_signal_connect_object (self->chooser, "response", G_CALLBACK (chooser_response_cb), self,
                           G_CONNECT_SWAPPED);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (self->chooser));
}

static void
qrs_export_dialog_dispose (GObject *object)
{
  QrsExportDialog *self = (QrsExportDialog *)object;

  g_clear_object (&self->chooser);
  gtk_widget_dispose_template (GTK_WIDGET (self), QRS_TYPE_EXPORT_DIALOG);

  G_OBJECT_CLASS (qrs_export_dialog_parent_class)->dispose (object);
}

static void
qrs_export_dialog_finalize (GObject *object)
{
  QrsExportDialog *self = (QrsExportDialog *)object;

  g_clear_object (&self->window);
  g_clear_object (&self->document);
  g_clear_object (&self->symbol);
  g_clear_object (&self->settings);

  G_OBJECT_CLASS (qrs_export_dialog_parent_class)->finalize (object);
}

static void
qrs_export_dialog_class_init (QrsExportDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = qrs_export_dialog_dispose;
  object_class->finalize = qrs_export_dialog_finalize;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/qrstudio/QrStudio/ui/qrs-export-dialog.ui");
  gtk_widget_class_bind_template_child (widget_class, QrsExportDialog, format_row);
  gtk_widget_class_bind_template_child (widget_class, QrsExportDialog, size_spin);
  gtk_widget_class_bind_template_child (widget_class, QrsExportDialog, size_adjustment);
  gtk_widget_class_bind_template_child (widget_class, QrsExportDialog, unit_dropdown);
  gtk_widget_class_bind_template_child (widget_class, QrsExportDialog, dpi_spin);
  gtk_widget_class_bind_template_child (widget_class, QrsExportDialog, file_name_row);
  gtk_widget_class_bind_template_child (widget_class, QrsExportDialog, summary_label);
  gtk_widget_class_bind_template_child (widget_class, QrsExportDialog, export_button);

  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
qrs_export_dialog_init (QrsExportDialog *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  self->settings = g_settings_new (APP_ID);
  g_settings_bind_with_mapping (self->settings, "export-format",
                                self->format_row, "selected",
                                G_SETTINGS_BIND_DEFAULT,
                                format_get_mapping, format_set_mapping, NULL, NULL);

  g_signal_connect_swapped (self->format_row, "notify::selected", G_CALLBACK (update_extension), self);
  g_signal_connect_swapped (self->format_row, "notify::selected", G_CALLBACK (update_summary), self);
  g_signal_connect_swapped (self->size_spin, "value-changed", G_CALLBACK (update_summary), self);
  g_signal_connect_swapped (self->dpi_spin, "value-changed", G_CALLBACK (update_summary), self);
  g_signal_connect_swapped (self->unit_dropdown, "notify::selected", G_CALLBACK (unit_changed_cb), self);
  g_signal_connect_swapped (self->export_button, "clicked", G_CALLBACK (export_clicked_cb), self);

  /* The keyboard starts on the first choice, not on Cancel (the first
   * button, GTK's pick), and Enter in the file name goes on to Export. */
  gtk_window_set_default_widget (GTK_WINDOW (self), GTK_WIDGET (self->export_button));
  adw_entry_row_set_activates_default (self->file_name_row, TRUE);
  gtk_window_set_focus (GTK_WINDOW (self), GTK_WIDGET (self->format_row));
}

/**
 * qrs_export_dialog_new:
 * @symbol: the document's symbol as the preview encoded it
 *
 * Returns: (transfer none): a dialog owned by GTK's list of toplevels
 */
QrsExportDialog *
qrs_export_dialog_new (QrsWindow   *window,
                       QrsDocument *document,
                       QrsSymbol   *symbol)
{
  QrsExportDialog *self;
  QrsDesign *design;
  g_autofree char *base = NULL;

  g_return_val_if_fail (QRS_IS_WINDOW (window), NULL);
  g_return_val_if_fail (QRS_IS_DOCUMENT (document), NULL);
  g_return_val_if_fail (QRS_IS_SYMBOL (symbol), NULL);

  self = g_object_new (QRS_TYPE_EXPORT_DIALOG, "transient-for", window, NULL);
  self->window = g_object_ref (window);
  self->document = g_object_ref (document);
  self->symbol = g_object_ref (symbol);

  design = qrs_document_get_design (document);
  g_object_set_data (G_OBJECT (self), "qrs-unit", GUINT_TO_POINTER (QRS_SIZE_UNIT_PX));
  gtk_spin_button_set_value (self->dpi_spin, qrs_design_get_dpi (design));
  gtk_drop_down_set_selected (self->unit_dropdown, qrs_design_get_size_unit (design));
  gtk_spin_button_set_value (self->size_spin, qrs_design_get_size (design));

  base = dup_base_name (self);
  gtk_editable_set_text (GTK_EDITABLE (self->file_name_row), base);
  update_extension (self);
  update_summary (self);

  return self;
}

QrsExportFormat
qrs_export_dialog_get_format (QrsExportDialog *self)
{
  g_return_val_if_fail (QRS_IS_EXPORT_DIALOG (self), QRS_EXPORT_FORMAT_PNG);

  return MIN (adw_combo_row_get_selected (self->format_row), QRS_EXPORT_FORMAT_WEBP);
}

void
qrs_export_dialog_set_format (QrsExportDialog *self,
                              QrsExportFormat  format)
{
  g_return_if_fail (QRS_IS_EXPORT_DIALOG (self));
  g_return_if_fail (format <= QRS_EXPORT_FORMAT_WEBP);

  adw_combo_row_set_selected (self->format_row, format);
}

/**
 * qrs_export_dialog_dup_file_name:
 *
 * Returns: (transfer full): the file name offered, with the format's
 *   extension
 */
char *
qrs_export_dialog_dup_file_name (QrsExportDialog *self)
{
  g_return_val_if_fail (QRS_IS_EXPORT_DIALOG (self), NULL);

  return g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->file_name_row)));
}

/**
 * qrs_export_dialog_dup_design:
 *
 * Returns: (transfer full): the document's design at the size and
 *   resolution chosen here; the document keeps its own
 */
QrsDesign *
qrs_export_dialog_dup_design (QrsExportDialog *self)
{
  QrsDesign *design;

  g_return_val_if_fail (QRS_IS_EXPORT_DIALOG (self), NULL);

  design = qrs_design_copy (qrs_document_get_design (self->document));
  qrs_design_set_dpi (design, gtk_spin_button_get_value (self->dpi_spin));
  qrs_design_set_size_unit (design, gtk_drop_down_get_selected (self->unit_dropdown));
  qrs_design_set_size (design, gtk_spin_button_get_value (self->size_spin));

  return design;
}

void
qrs_export_dialog_export_async (QrsExportDialog     *self,
                                GFile               *file,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  g_autoptr(QrsDesign) design = NULL;
  g_autofree char *path = NULL;

  g_return_if_fail (QRS_IS_EXPORT_DIALOG (self));
  g_return_if_fail (G_IS_FILE (file));

  design = qrs_export_dialog_dup_design (self);
  path = g_file_get_path (file);

  if (path == NULL)
    {
      g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);

      g_task_set_source_tag (task, qrs_export_dialog_export_async);
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                               _("Choose a folder on this computer"));
      return;
    }

  qrs_export_to_file_async (design, self->symbol, qrs_export_dialog_get_format (self), path,
                            cancellable, callback, user_data);
}

gboolean
qrs_export_dialog_export_finish (QrsExportDialog  *self,
                                 GAsyncResult     *result,
                                 GError          **error)
{
  g_return_val_if_fail (QRS_IS_EXPORT_DIALOG (self), FALSE);

  if (g_async_result_is_tagged (result, qrs_export_dialog_export_async))
    return g_task_propagate_boolean (G_TASK (result), error);

  return qrs_export_to_file_finish (result, error);
}
