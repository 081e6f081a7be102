/* test-export.c — every format through the export dialog's own code
 * path, decoded from the file written; and printing at physical size
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>

#include <glib/gstdio.h>

#include "app-test-utils.h"
#include "qrs-editor-private.h"
#include "qrs-export-dialog.h"
#include "qrs-print.h"
#include "qrs-window-private.h"

#define URL "https://example.edu/export?x=1"

typedef struct
{
  QrsExportDialog *dialog;
  gboolean done;
  gboolean ok;
  GError  *error;
} Result;

static void
exported_cb (GObject      *object,
             GAsyncResult *result,
             gpointer      user_data)
{
  Result *r = user_data;

  r->ok = qrs_export_dialog_export_finish (r->dialog, result, &r->error);
  r->done = TRUE;
}

static gboolean
result_done (gpointer data)
{
  return ((Result *)data)->done;
}

static char *
to_png (const char      *path,
        QrsExportFormat  format)
{
  g_autofree char *dir = app_test_tmpdir ();
  char *png = g_build_filename (dir, "converted.png", NULL);
  g_autofree char *tool = NULL;
  g_autofree char *out = NULL;
  g_autofree char *prefix = g_build_filename (dir, "converted", NULL);
  g_autofree char *arg = NULL;

  switch (format)
    {
    case QRS_EXPORT_FORMAT_PNG:
    case QRS_EXPORT_FORMAT_JPEG:
      g_free (png);
      return g_strdup (path);

    case QRS_EXPORT_FORMAT_SVG:
      {
        tool = app_test_find_tool ("rsvg-convert");
        const char *argv[] = { tool, "-w", "600", "-b", "white", "-o", png, path, NULL };
        out = app_test_run (argv);
      }
      break;

    case QRS_EXPORT_FORMAT_PDF:
      {
        tool = app_test_find_tool ("pdftoppm");
        const char *argv[] = { tool, "-png", "-r", "200", "-singlefile", path, prefix, NULL };
        out = app_test_run (argv);
      }
      break;

    case QRS_EXPORT_FORMAT_EPS:
      {
        tool = app_test_find_tool ("gs");
        arg = g_strdup_printf ("-sOutputFile=%s", png);
        const char *argv[] = { tool, "-q", "-dSAFER", "-dBATCH", "-dNOPAUSE", "-dEPSCrop",
                               "-sDEVICE=png16m", "-r200", arg, path, NULL };
        out = app_test_run (argv);
      }
      break;

    case QRS_EXPORT_FORMAT_WEBP:
      {
        g_autoptr(GError) error = NULL;
        g_autoptr(GdkPixbuf) pixbuf = gdk_pixbuf_new_from_file (path, &error);

        g_assert_no_error (error);
        g_assert_true (gdk_pixbuf_save (pixbuf, png, "png", &error, NULL));
        g_assert_no_error (error);
        return png;
      }

    default:
      g_assert_not_reached ();
    }

  g_assert_nonnull (out);

  return png;
}

static void
test_export_format (gconstpointer data)
{
  QrsExportFormat format = GPOINTER_TO_UINT (data);
  QrsWindow *window = app_test_new_window (1200, 800);
  QrsExportDialog *dialog;
  g_autofree char *dir = app_test_tmpdir ();
  g_autofree char *name = NULL;
  g_autofree char *path = NULL;
  g_autofree char *png = NULL;
  g_autofree char *decoded = NULL;
  g_autoptr(GFile) file = NULL;
  AdwComboRow *format_row;
  Result result = { 0 };

  gtk_editable_set_text (GTK_EDITABLE (qrs_editor_get_field_row (window->editor, "url", 0)), URL);
  qrs_design_set_title (qrs_document_get_design (window->document), "Open day: hall/2");
  qrs_design_set_caption (qrs_document_get_design (window->document), "Open day");

  dialog = qrs_export_dialog_new (window, window->document, qrs_preview_get_symbol (window->preview));
  gtk_window_present (GTK_WINDOW (dialog));
  format_row = ADW_COMBO_ROW (gtk_widget_get_template_child (GTK_WIDGET (dialog), QRS_TYPE_EXPORT_DIALOG,
                                                             "format_row"));
  adw_combo_row_set_selected (format_row, format);
  g_assert_cmpint (qrs_export_dialog_get_format (dialog), ==, format);

  /* The file is named after the title, with what a file name cannot hold
   * replaced, and the format's extension. */
  name = qrs_export_dialog_dup_file_name (dialog);
  g_assert_true (g_str_has_prefix (name, "Open day- hall-2."));
  g_assert_true (g_str_has_suffix (name, qrs_export_format_get_extension (format)));

  path = g_build_filename (dir, name, NULL);
  file = g_file_new_for_path (path);
  result.dialog = dialog;
  qrs_export_dialog_export_async (dialog, file, NULL, exported_cb, &result);
  app_test_wait_until (result_done, &result, 30000);
  g_assert_no_error (result.error);
  g_assert_true (result.ok);
  g_assert_true (g_file_test (path, G_FILE_TEST_IS_REGULAR));

  png = to_png (path, format);
  decoded = app_test_decode (png);
  g_assert_cmpstr (decoded, ==, URL);

  g_unlink (path);
  gtk_window_destroy (GTK_WINDOW (dialog));
  app_test_close_window (window);
}

static void
test_export_size (void)
{
  QrsWindow *window = app_test_new_window (1200, 800);
  QrsExportDialog *dialog;
  g_autofree char *dir = app_test_tmpdir ();
  g_autofree char *path = g_build_filename (dir, "sized.png", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (path);
  GtkSpinButton *size_spin, *dpi_spin;
  GtkDropDown *unit;
  Result result = { 0 };
  int width = 0, height = 0;

  dialog = qrs_export_dialog_new (window, window->document, qrs_preview_get_symbol (window->preview));
  qrs_export_dialog_set_format (dialog, QRS_EXPORT_FORMAT_PNG);
  size_spin = GTK_SPIN_BUTTON (gtk_widget_get_template_child (GTK_WIDGET (dialog), QRS_TYPE_EXPORT_DIALOG, "size_spin"));
  dpi_spin = GTK_SPIN_BUTTON (gtk_widget_get_template_child (GTK_WIDGET (dialog), QRS_TYPE_EXPORT_DIALOG, "dpi_spin"));
  unit = GTK_DROP_DOWN (gtk_widget_get_template_child (GTK_WIDGET (dialog), QRS_TYPE_EXPORT_DIALOG, "unit_dropdown"));

  /* 40 mm at 300 dpi is 472 pixels. */
  gtk_spin_button_set_value (dpi_spin, 300);
  gtk_drop_down_set_selected (unit, QRS_SIZE_UNIT_MM);
  gtk_spin_button_set_value (size_spin, 40);

  result.dialog = dialog;
  qrs_export_dialog_export_async (dialog, file, NULL, exported_cb, &result);
  app_test_wait_until (result_done, &result, 30000);
  g_assert_no_error (result.error);
  g_assert_nonnull (gdk_pixbuf_get_file_info (path, &width, &height));
  g_assert_cmpint (width, ==, 472);

  /* The document keeps its own size. */
  g_assert_cmpint (qrs_design_get_size_unit (qrs_document_get_design (window->document)), ==,
                   QRS_SIZE_UNIT_PX);

  gtk_window_destroy (GTK_WINDOW (dialog));
  app_test_close_window (window);
}

static void
test_export_failure (void)
{
  QrsWindow *window = app_test_new_window (1200, 800);
  QrsExportDialog *dialog;
  g_autoptr(GFile) file = g_file_new_for_path ("/nonexistent-dir-for-qrs-tests/code.png");
  Result result = { 0 };

  dialog = qrs_export_dialog_new (window, window->document, qrs_preview_get_symbol (window->preview));
  result.dialog = dialog;
  qrs_export_dialog_export_async (dialog, file, NULL, exported_cb, &result);
  app_test_wait_until (result_done, &result, 30000);
  g_assert_false (result.ok);
  g_assert_nonnull (result.error);
  g_assert_false (g_file_test ("/nonexistent-dir-for-qrs-tests/code.png", G_FILE_TEST_EXISTS));
  g_clear_error (&result.error);

  gtk_window_destroy (GTK_WINDOW (dialog));
  app_test_close_window (window);
}

/* The width of the dark modules in a grey PNG, in pixels. */
static int
dark_width (const char *png)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GdkPixbuf) pixbuf = gdk_pixbuf_new_from_file (png, &error);
  int left = G_MAXINT, right = -1;
  int n_channels, stride;
  const guint8 *pixels;

  g_assert_no_error (error);
  n_channels = gdk_pixbuf_get_n_channels (pixbuf);
  stride = gdk_pixbuf_get_rowstride (pixbuf);
  pixels = gdk_pixbuf_read_pixels (pixbuf);

  for (int y = 0; y < gdk_pixbuf_get_height (pixbuf); y++)
    for (int x = 0; x < gdk_pixbuf_get_width (pixbuf); x++)
      if (pixels[y * stride + x * n_channels] < 128)
        {
          left = MIN (left, x);
          right = MAX (right, x);
        }

  g_assert_cmpint (right, >=, left);

  return right - left + 1;
}

static void
test_print_physical_size (void)
{
  QrsWindow *window = app_test_new_window (1200, 800);
  QrsDesign *design = qrs_document_get_design (window->document);
  g_autoptr(QrsPrintOperation) operation = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = app_test_tmpdir ();
  g_autofree char *pdf = g_build_filename (dir, "print.pdf", NULL);
  g_autofree char *prefix = g_build_filename (dir, "print", NULL);
  g_autofree char *png = g_build_filename (dir, "print.png", NULL);
  g_autofree char *pdftoppm = app_test_find_tool ("pdftoppm");
  g_autofree char *out = NULL;
  g_autofree char *decoded = NULL;
  GtkPrintOperationResult result;
  guint modules;
  double expected_mm;

  gtk_editable_set_text (GTK_EDITABLE (qrs_editor_get_field_row (window->editor, "url", 0)), URL);
  qrs_design_set_dpi (design, 300);
  qrs_design_set_size_unit (design, QRS_SIZE_UNIT_MM);
  qrs_design_set_size (design, 40);

  operation = qrs_print_operation_new (design, qrs_preview_get_symbol (window->preview));
  gtk_print_operation_set_export_filename (GTK_PRINT_OPERATION (operation), pdf);
  result = gtk_print_operation_run (GTK_PRINT_OPERATION (operation), GTK_PRINT_OPERATION_ACTION_EXPORT,
                                    NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (result, ==, GTK_PRINT_OPERATION_RESULT_APPLY);

  /* At 254 dpi a millimetre is ten pixels. */
  {
    const char *argv[] = { pdftoppm, "-png", "-gray", "-r", "254", "-singlefile", pdf, prefix, NULL };
    out = app_test_run (argv);
    g_assert_nonnull (out);
  }
  decoded = app_test_decode (png);
  g_assert_cmpstr (decoded, ==, URL);

  modules = qrs_symbol_get_width (qrs_preview_get_symbol (window->preview));
  expected_mm = 40.0 * modules / (modules + 2 * qrs_design_get_effective_quiet_zone (design));
  g_test_message ("printed symbol: %.1f mm, expected %.1f mm", dark_width (png) / 10.0, expected_mm);
  g_assert_cmpfloat (fabs (dark_width (png) / 10.0 - expected_mm), <, 0.3);
  g_assert_cmpuint (qrs_print_operation_get_n_shrunk (operation), ==, 0);

  app_test_close_window (window);
}

/* Counts the symbols zbar finds: it prints one line for each. */
static guint
count_symbols (const char *png)
{
  g_autofree char *zbarimg = app_test_find_tool ("zbarimg");
  const char *argv[] = { zbarimg, "--nodbus", "--quiet", "-Sdisable", "-Sqrcode.enable", png, NULL };
  g_autofree char *out = app_test_run (argv);
  g_auto(GStrv) lines = NULL;
  guint n = 0;

  g_assert_nonnull (out);
  lines = g_strsplit (out, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    if (g_str_has_prefix (lines[i], "QR-Code:" URL))
      n++;

  return n;
}

static void
test_print_label_sheet (void)
{
  QrsWindow *window = app_test_new_window (1200, 800);
  QrsDesign *design = qrs_document_get_design (window->document);
  g_autoptr(QrsPrintOperation) operation = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = app_test_tmpdir ();
  g_autofree char *pdf = g_build_filename (dir, "labels.pdf", NULL);
  g_autofree char *prefix = g_build_filename (dir, "labels", NULL);
  g_autofree char *png = g_build_filename (dir, "labels.png", NULL);
  g_autofree char *pdftoppm = app_test_find_tool ("pdftoppm");
  g_autofree char *out = NULL;

  gtk_editable_set_text (GTK_EDITABLE (qrs_editor_get_field_row (window->editor, "url", 0)), URL);
  qrs_design_set_size_unit (design, QRS_SIZE_UNIT_MM);
  qrs_design_set_size (design, 30);
  qrs_design_set_caption (design, "Room 101");

  operation = qrs_print_operation_new (design, qrs_preview_get_symbol (window->preview));
  qrs_print_operation_set_labels (operation, 4, 3, 5);
  gtk_print_operation_set_export_filename (GTK_PRINT_OPERATION (operation), pdf);
  g_assert_cmpint (gtk_print_operation_run (GTK_PRINT_OPERATION (operation),
                                            GTK_PRINT_OPERATION_ACTION_EXPORT, NULL, &error),
                   ==, GTK_PRINT_OPERATION_RESULT_APPLY);
  g_assert_no_error (error);
  g_assert_cmpuint (qrs_print_operation_get_n_shrunk (operation), ==, 0);

  {
    const char *argv[] = { pdftoppm, "-png", "-gray", "-r", "200", "-singlefile", pdf, prefix, NULL };
    out = app_test_run (argv);
    g_assert_nonnull (out);
  }
  g_assert_cmpuint (count_symbols (png), ==, 12);

  /* Labels too small for the code shrink it rather than cut it. */
  g_clear_object (&operation);
  operation = qrs_print_operation_new (design, qrs_preview_get_symbol (window->preview));
  qrs_print_operation_set_labels (operation, 12, 8, 2);
  gtk_print_operation_set_export_filename (GTK_PRINT_OPERATION (operation), pdf);
  g_assert_cmpint (gtk_print_operation_run (GTK_PRINT_OPERATION (operation),
                                            GTK_PRINT_OPERATION_ACTION_EXPORT, NULL, &error),
                   ==, GTK_PRINT_OPERATION_RESULT_APPLY);
  g_assert_cmpuint (qrs_print_operation_get_n_shrunk (operation), ==, 12 * 8);

  app_test_close_window (window);
}

int
main (int   argc,
      char *argv[])
{
  app_test_init (&argc, &argv);

  for (QrsExportFormat f = QRS_EXPORT_FORMAT_PNG; f <= QRS_EXPORT_FORMAT_WEBP; f++)
    {
      g_autofree char *path = g_strdup_printf ("/app/export/%s", qrs_export_format_get_extension (f));

      g_test_add_data_func (path, GUINT_TO_POINTER (f), test_export_format);
    }
  g_test_add_func ("/app/export/size", test_export_size);
  g_test_add_func ("/app/export/failure", test_export_failure);
  g_test_add_func ("/app/print/physical-size", test_print_physical_size);
  g_test_add_func ("/app/print/label-sheet", test_print_label_sheet);

  return app_test_run_tests ();
}
