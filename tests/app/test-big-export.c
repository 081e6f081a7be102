/* test-big-export.c — exporting a selection bigger than the library
 * keeps in memory: every code gets its file, whether its page was read
 * or not, the progress follows, and Cancel stops it cleanly
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gstdio.h>
#include <libpq-fe.h>

#include "app-test-utils.h"
#include "qrs-window-private.h"

/* More codes than the code list keeps pages of (20 × 200). */
#define N_CODES 4500
#define DRAFT_URL "https://example.edu/draft"

/* Code g (1 … N_CODES) is "Big export 0000g" (see
 * app_test_make_url_codes()). */
static void
assert_connected (void)
{
  static gboolean made;

  app_test_assert_connected ();
  if (made)
    return;
  made = TRUE;

  app_test_make_url_codes ("Big export", N_CODES);
}

static gboolean
batch_finished (gpointer data)
{
  return ((QrsWindow *)data)->batch_cancellable == NULL;
}

typedef struct
{
  double   last;
  gboolean went_back;
  guint    n_updates;
} Progress;

static void
fraction_changed_cb (GtkProgressBar *bar,
                     GParamSpec     *pspec,
                     Progress       *progress)
{
  double fraction = gtk_progress_bar_get_fraction (bar);

  if (fraction < progress->last)
    progress->went_back = TRUE;
  progress->last = fraction;
  progress->n_updates++;
}

/* A window showing every code, with a draft of its own besides the
 * window's first code, and all but that first code selected. */
static QrsWindow *
window_with_all_selected (void)
{
  QrsWindow *window;
  g_autoptr(QrsDocument) draft = NULL;
  g_autoptr(QrsPayload) payload = qrs_payload_new (QRS_PAYLOAD_TYPE_URL);
  g_autoptr(GtkBitset) selected = NULL;
  guint n;

  assert_connected ();
  window = app_test_new_window (1200, 800);
  app_test_wait_for_library (window, N_CODES, 60000);

  draft = _qrs_window_create_document (window);
  g_assert_true (qrs_payload_set (payload, "url", DRAFT_URL, NULL));
  qrs_document_set_payload (draft, payload);
  qrs_design_set_title (qrs_document_get_design (draft), "Draft code");
  _qrs_window_add_document (window, draft);

  n = g_list_model_get_n_items (G_LIST_MODEL (window->selection));
  g_assert_cmpuint (n, ==, N_CODES + 2);
  gtk_selection_model_select_range (GTK_SELECTION_MODEL (window->selection), 1, n - 1, TRUE);
  selected = gtk_selection_model_get_selection (GTK_SELECTION_MODEL (window->selection));
  g_assert_cmpuint (gtk_bitset_get_size (selected), ==, N_CODES + 1);

  /* Most of the selection's rows are not in memory. */
  g_assert_cmpuint (qrs_code_list_get_n_cached_pages (window->codes), <=, QRS_CODE_LIST_MAX_PAGES);

  return window;
}

static char *
make_folder (const char *name)
{
  g_autofree char *tmp = app_test_tmpdir ();
  char *dir = g_build_filename (tmp, name, NULL);

  g_assert_cmpint (g_mkdir (dir, 0700), ==, 0);
  return dir;
}

/* Every file in @dir is a whole PNG named for a code; returns how many,
 * and removes them and @dir. */
static guint
check_and_remove_files (const char *dir)
{
  g_autoptr(GDir) listing = g_dir_open (dir, 0, NULL);
  const char *name;
  guint n = 0;

  g_assert_nonnull (listing);
  while ((name = g_dir_read_name (listing)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir, name, NULL);
      g_autofree char *contents = NULL;
      gsize length = 0;

      g_assert_true (g_str_has_suffix (name, ".png"));
      g_assert_true (g_str_has_prefix (name, "Big export ") || g_str_equal (name, "Draft code.png"));
      g_assert_true (g_file_get_contents (path, &contents, &length, NULL));
      /* The signature first and the IEND chunk last: not cut short. */
      g_assert_cmpuint (length, >, 20);
      g_assert_cmpmem (contents, 8, "\x89PNG\r\n\x1a\n", 8);
      g_assert_cmpmem (contents + length - 8, 4, "IEND", 4);
      g_assert_cmpint (g_unlink (path), ==, 0);
      n++;
    }
  g_assert_cmpint (g_rmdir (dir), ==, 0);

  return n;
}

static void
assert_decodes (const char *dir,
                const char *name,
                const char *url)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);
  g_autofree char *decoded = app_test_decode (path);

  g_assert_cmpstr (decoded, ==, url);
}

static void
test_big_export_all (void)
{
  QrsWindow *window = window_with_all_selected ();
  g_autofree char *dir = make_folder ("all");
  g_autoptr(GFile) folder = g_file_new_for_path (dir);
  const guint samples[] = { 1, 2, 1999, 2200, 4001, 4499, N_CODES };
  Progress progress = { 0, };
  gint64 begin = g_get_monotonic_time ();

  g_signal_connect (window->batch_progress, "notify::fraction", G_CALLBACK (fraction_changed_cb), &progress);

  _qrs_window_start_batch_export (window, folder, QRS_EXPORT_FORMAT_PNG);
  g_assert_true (gtk_revealer_get_reveal_child (window->batch_revealer));
  app_test_wait_until (batch_finished, window, 120000);
  g_test_message ("%u codes exported in %.1f s", N_CODES + 1, (g_get_monotonic_time () - begin) / 1e6);

  g_assert_false (gtk_revealer_get_reveal_child (window->batch_revealer));
  g_assert_cmpfloat (gtk_progress_bar_get_fraction (window->batch_progress), ==, 1.0);
  g_assert_false (progress.went_back);
  g_assert_cmpuint (progress.n_updates, >, 100);
  g_assert_cmpstr (adw_toast_get_title (window->last_toast), ==, "Exported 4501 codes");

  /* The drafts come first, then the database's codes in the list's
   * order; each file holds its own code. */
  assert_decodes (dir, "Draft code.png", DRAFT_URL);
  for (guint i = 0; i < G_N_ELEMENTS (samples); i++)
    {
      g_autofree char *name = g_strdup_printf ("Big export %06u.png", samples[i]);
      g_autofree char *url = g_strdup_printf ("https://example.edu/big/%u", samples[i]);

      assert_decodes (dir, name, url);
    }

  g_assert_cmpuint (check_and_remove_files (dir), ==, N_CODES + 1);

  /* The export read its own pages: the list keeps no more than before. */
  g_assert_cmpuint (qrs_code_list_get_n_cached_pages (window->codes), <=, QRS_CODE_LIST_MAX_PAGES);

  app_test_close_window (window);
}

static gboolean
past_first_pages (gpointer data)
{
  QrsWindow *window = data;

  /* Past two pages of codes: some were read by the export itself. */
  return gtk_progress_bar_get_fraction (window->batch_progress) * (N_CODES + 1) > 450;
}

static void
test_big_export_cancel (void)
{
  QrsWindow *window = window_with_all_selected ();
  g_autofree char *dir = make_folder ("cancel");
  g_autoptr(GFile) folder = g_file_new_for_path (dir);
  g_autofree char *expected = NULL;
  guint n;

  _qrs_window_start_batch_export (window, folder, QRS_EXPORT_FORMAT_PNG);
  app_test_wait_until (past_first_pages, window, 60000);

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.cancel-batch", NULL));
  app_test_wait_until (batch_finished, window, 30000);

  /* The UI is as before the export. */
  g_assert_false (gtk_revealer_get_reveal_child (window->batch_revealer));
  g_assert_null (window->batch_cancellable);

  /* Part of it, every file whole, and the toast counts them. */
  n = check_and_remove_files (dir);
  g_test_message ("%u files before the cancel took", n);
  g_assert_cmpuint (n, >, 400);
  g_assert_cmpuint (n, <, N_CODES + 1);
  expected = g_strdup_printf ("Stopped after %u codes", n);
  g_assert_cmpstr (adw_toast_get_title (window->last_toast), ==, expected);

  /* And it can export again. */
  g_assert_cmpint (g_mkdir (dir, 0700), ==, 0);
  gtk_selection_model_select_range (GTK_SELECTION_MODEL (window->selection), 1, 1, TRUE);
  _qrs_window_start_batch_export (window, folder, QRS_EXPORT_FORMAT_PNG);
  app_test_wait_until (batch_finished, window, 30000);
  assert_decodes (dir, "Draft code.png", DRAFT_URL);
  g_assert_cmpuint (check_and_remove_files (dir), ==, 1);

  app_test_close_window (window);
}

/* The database's codes go away midway (the table renamed, as an
 * administrator might): the export stops there and says how far it got,
 * where the person looks. */
static void
test_big_export_database_gone (void)
{
  QrsWindow *window = window_with_all_selected ();
  g_autofree char *dir = make_folder ("gone");
  g_autoptr(GFile) folder = g_file_new_for_path (dir);
  g_autofree char *expected = NULL;
  const char *toast;
  guint n;

  _qrs_window_start_batch_export (window, folder, QRS_EXPORT_FORMAT_PNG);
  app_test_wait_until (past_first_pages, window, 60000);
  app_test_sql ("ALTER TABLE codes RENAME TO codes_gone");
  app_test_wait_until (batch_finished, window, 60000);
  app_test_sql ("ALTER TABLE codes_gone RENAME TO codes");

  g_assert_false (gtk_revealer_get_reveal_child (window->batch_revealer));
  n = check_and_remove_files (dir);
  toast = adw_toast_get_title (window->last_toast);
  g_test_message ("%u files; toast: %s", n, toast);
  g_assert_cmpuint (n, >, 400);
  g_assert_cmpuint (n, <, N_CODES + 1);
  expected = g_strdup_printf ("Exported %u codes, then stopped: ", n);
  g_assert_true (g_str_has_prefix (toast, expected));

  app_test_close_window (window);
}

int
main (int   argc,
      char *argv[])
{
  app_test_init_with_database (&argc, &argv);

  g_test_add_func ("/app/big-export/all", test_big_export_all);
  g_test_add_func ("/app/big-export/cancel", test_big_export_cancel);
  g_test_add_func ("/app/big-export/database-gone", test_big_export_database_gone);

  return app_test_run_tests ();
}
