/* test-scan-snapshot.c — one chart load reads one snapshot, while scans
 * are being committed
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "qrs-code-store.h"
#include "qrs-scan-store.h"
#include "store-test-util.h"

static const QrsScanDimension dimensions[] = {
  QRS_SCAN_DIMENSION_DEVICE,
  QRS_SCAN_DIMENSION_OS,
  QRS_SCAN_DIMENSION_BROWSER,
};

/* Fewer values of each than any limit below, so the counts of a
 * dimension always add up to every scan of people. */
static const char *devices[] = { "mobile", "desktop", "tablet" };
static const char *oses[] = { "iOS", "Android" };
static const char *browsers[] = { "Safari", "Chrome", "Firefox" };

static gint64
make_code (QrsDatabase *database)
{
  g_autoptr(QrsCodeStore) store = qrs_code_store_new (database);
  g_autoptr(QrsCode) draft = qrs_code_new (QRS_CODE_KIND_DYNAMIC);
  g_autoptr(QrsCode) code = NULL;
  g_autoptr(GError) error = NULL;

  qrs_code_set_target_url (draft, "https://example.edu/");
  qrs_code_set_title (draft, "Snapshot");
  code = qrs_code_store_create (store, draft, NULL, &error);
  g_assert_no_error (error);
  return qrs_code_get_id (code);
}

/* Scans spread over 2024-03-01 … 03-05, one in @n a bot. */
static GPtrArray *
make_batch (gint64 code_id,
            guint  seed,
            guint  n)
{
  GPtrArray *scans = g_ptr_array_new_with_free_func ((GDestroyNotify)qrs_scan_free);

  for (guint i = 0; i < n; i++)
    {
      guint k = seed + i;
      g_autoptr(GDateTime) when = g_date_time_new_utc (2024, 3, 1 + k % 5, k % 24, k % 60, 1.0);
      QrsScan *scan = qrs_scan_new ();
      guint8 hash[16];

      memset (hash, (int)(k % 7), sizeof hash);
      scan->event_id = g_uuid_string_random ();
      scan->code_id = code_id;
      scan->scanned_at = g_date_time_to_unix (when) * G_USEC_PER_SEC;
      scan->device = g_strdup (devices[k % G_N_ELEMENTS (devices)]);
      scan->os = g_strdup (oses[k % G_N_ELEMENTS (oses)]);
      scan->browser = g_strdup (browsers[k % G_N_ELEMENTS (browsers)]);
      scan->is_bot = i == 0;
      scan->visitor_hash = g_bytes_new (hash, sizeof hash);
      g_ptr_array_add (scans, scan);
    }
  return scans;
}

static void
set_range (GDate *first,
           GDate *last)
{
  g_date_clear (first, 1);
  g_date_clear (last, 1);
  g_date_set_dmy (first, 1, G_DATE_MARCH, 2024);
  g_date_set_dmy (last, 31, G_DATE_MARCH, 2024);
}

static guint64
sum_counts (GArray *counts)
{
  guint64 sum = 0;

  for (guint i = 0; i < counts->len; i++)
    sum += g_array_index (counts, QrsScanCount, i).scans;
  return sum;
}

static guint64
sum_days (GArray *days)
{
  guint64 sum = 0;

  for (guint i = 0; i < days->len; i++)
    sum += g_array_index (days, QrsScanDay, i).scans;
  return sum;
}

/* The summary says what the separate calls say when nothing moves. */
static void
test_summary_matches_parts (void)
{
  g_autofree char *name = NULL;
  g_autoptr(QrsDatabase) database = qrs_test_open_migrated (&name);
  g_autoptr(QrsScanStore) store = qrs_scan_store_new (database);
  gint64 code = make_code (database);
  gint64 other = make_code (database);
  g_autoptr(GPtrArray) batch = make_batch (code, 0, 40);
  g_autoptr(GPtrArray) noise = make_batch (other, 3, 10);
  g_autoptr(QrsScanSummary) summary = NULL;
  g_autoptr(GArray) days = NULL;
  g_autoptr(GError) error = NULL;
  QrsScanTotals totals;
  GDate first, last;

  g_assert_true (qrs_scan_store_insert (store, (QrsScan * const *)batch->pdata, batch->len, NULL, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (qrs_scan_store_insert (store, (QrsScan * const *)noise->pdata, noise->len, NULL, NULL, &error));
  g_assert_no_error (error);
  set_range (&first, &last);

  summary = qrs_scan_store_get_summary (store, code, &first, &last, dimensions,
                                        G_N_ELEMENTS (dimensions), 2, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (summary);

  days = qrs_scan_store_count_by_day (store, code, &first, &last, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (summary->days->len, ==, 31);
  g_assert_cmpuint (days->len, ==, 31);
  g_assert_cmpmem (summary->days->data, days->len * sizeof (QrsScanDay), days->data, days->len * sizeof (QrsScanDay));

  g_assert_true (qrs_scan_store_get_totals (store, code, &first, &last, &totals, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (summary->totals.scans, ==, 39);
  g_assert_cmpuint (summary->totals.bots, ==, 1);
  g_assert_cmpuint (summary->totals.scans, ==, totals.scans);
  g_assert_cmpuint (summary->totals.visitors, ==, totals.visitors);
  g_assert_cmpuint (summary->totals.bots, ==, totals.bots);

  g_assert_cmpuint (summary->counts->len, ==, G_N_ELEMENTS (dimensions));
  for (guint i = 0; i < G_N_ELEMENTS (dimensions); i++)
    {
      g_autoptr(GArray) counts = qrs_scan_store_count_by (store, dimensions[i], code, &first, &last,
                                                          2, NULL, &error);
      GArray *got = g_ptr_array_index (summary->counts, i);

      g_assert_no_error (error);
      g_assert_cmpuint (got->len, ==, 2);   /* cut by the limit */
      g_assert_cmpuint (got->len, ==, counts->len);
      for (guint j = 0; j < counts->len; j++)
        {
          g_assert_cmpstr (g_array_index (got, QrsScanCount, j).label, ==,
                           g_array_index (counts, QrsScanCount, j).label);
          g_assert_cmpuint (g_array_index (got, QrsScanCount, j).scans, ==,
                            g_array_index (counts, QrsScanCount, j).scans);
        }
    }

  /* A range the wrong way round is refused, as by the other calls. */
  g_clear_pointer (&summary, qrs_scan_summary_free);
  summary = qrs_scan_store_get_summary (store, code, &last, &first, dimensions,
                                        G_N_ELEMENTS (dimensions), 5, NULL, &error);
  g_assert_error (error, QRS_DATABASE_ERROR, QRS_DATABASE_ERROR_INVALID);
  g_assert_null (summary);
}

static void
done_cb (GObject      *object,
         GAsyncResult *result,
         gpointer      user_data)
{
  *(GAsyncResult **)user_data = g_object_ref (result);
}

static void
test_summary_async (void)
{
  g_autofree char *name = NULL;
  g_autoptr(QrsDatabase) database = qrs_test_open_migrated (&name);
  g_autoptr(QrsScanStore) store = qrs_scan_store_new (database);
  gint64 code = make_code (database);
  g_autoptr(GPtrArray) batch = make_batch (code, 0, 12);
  g_autoptr(QrsScanSummary) summary = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  QrsScanDimension one = QRS_SCAN_DIMENSION_OS;
  GDate first, last;

  g_assert_true (qrs_scan_store_insert (store, (QrsScan * const *)batch->pdata, batch->len, NULL, NULL, &error));
  g_assert_no_error (error);
  set_range (&first, &last);

  qrs_scan_store_get_summary_async (store, code, &first, &last, &one, 1, 0, NULL, done_cb, &result);
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);
  summary = qrs_scan_store_get_summary_finish (store, result, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (summary->totals.scans, ==, 11);
  g_assert_cmpuint (sum_days (summary->days), ==, 11);
  g_assert_cmpuint (summary->counts->len, ==, 1);
  g_assert_cmpuint (sum_counts (g_ptr_array_index (summary->counts, 0)), ==, 11);
}

typedef struct
{
  char     *dbname;
  gint64    code;
  gint      stop;
  gint      committed;   /* batches */
} Writer;

static gpointer
writer_thread (gpointer data)
{
  Writer *writer = data;
  g_autoptr(QrsDatabase) database = qrs_test_open_database (writer->dbname);
  g_autoptr(QrsScanStore) store = qrs_scan_store_new (database);

  for (guint seed = 0; !g_atomic_int_get (&writer->stop); seed += 7)
    {
      g_autoptr(GPtrArray) batch = make_batch (writer->code, seed, 1 + seed % 9);
      g_autoptr(GError) error = NULL;

      g_assert_true (qrs_scan_store_insert (store, (QrsScan * const *)batch->pdata, batch->len,
                                            NULL, NULL, &error));
      g_assert_no_error (error);
      g_atomic_int_inc (&writer->committed);
    }
  return NULL;
}

/* Another connection commits batches of scans in a loop while loads are
 * taken: each load must add up — the days to the totals (both from the
 * rollups) and every breakdown to the totals (from the scans themselves)
 * — which only holds if every part counts the same batches. */
static void
test_consistent_under_commits (void)
{
  g_autofree char *name = NULL;
  g_autoptr(QrsDatabase) database = qrs_test_open_migrated (&name);
  g_autoptr(QrsScanStore) store = qrs_scan_store_new (database);
  Writer writer = { 0 };
  guint64 previous = 0;
  guint changes = 0;
  GThread *thread;
  guint loads = 0;
  gint64 deadline;
  GDate first, last;

  set_range (&first, &last);
  writer.dbname = name;
  writer.code = make_code (database);
  thread = g_thread_new ("scan-writer", writer_thread, &writer);

  /* Enough loads, over enough commits, to meet them mid-load many times
   * (the old side-by-side loads came apart within a few dozen here). */
  deadline = g_get_monotonic_time () + 20 * G_USEC_PER_SEC;
  while (loads < 300 || g_atomic_int_get (&writer.committed) < 100)
    {
      g_autoptr(QrsScanSummary) summary = NULL;
      g_autoptr(GError) error = NULL;

      if (g_get_monotonic_time () > deadline)
        break;

      summary = qrs_scan_store_get_summary (store, writer.code, &first, &last, dimensions,
                                            G_N_ELEMENTS (dimensions), 5, NULL, &error);
      g_assert_no_error (error);
      loads++;

      g_assert_cmpuint (sum_days (summary->days), ==, summary->totals.scans);
      for (guint i = 0; i < G_N_ELEMENTS (dimensions); i++)
        {
          guint64 sum = sum_counts (g_ptr_array_index (summary->counts, i));

          if (sum != summary->totals.scans)
            g_test_message ("load %u: the totals count %" G_GUINT64_FORMAT " scans, the"
                            " breakdown by dimension %u %" G_GUINT64_FORMAT,
                            loads, summary->totals.scans, i, sum);
          g_assert_cmpuint (sum, ==, summary->totals.scans);
        }

      /* Scans are only ever added, so each new total is a new snapshot. */
      g_assert_cmpuint (summary->totals.scans, >=, previous);
      if (summary->totals.scans != previous)
        changes++;
      previous = summary->totals.scans;
    }

  g_atomic_int_set (&writer.stop, 1);
  g_thread_join (thread);

  g_test_message ("%u loads over %d commits saw %u different totals", loads,
                  g_atomic_int_get (&writer.committed), changes);
  /* The loads really did run among the commits. */
  g_assert_cmpint (g_atomic_int_get (&writer.committed), >=, 20);
  g_assert_cmpuint (changes, >=, 10);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  qrs_test_require_server ();

  g_test_add_func ("/scan-snapshot/summary-matches-parts", test_summary_matches_parts);
  g_test_add_func ("/scan-snapshot/summary-async", test_summary_async);
  g_test_add_func ("/scan-snapshot/consistent-under-commits", test_consistent_under_commits);

  return g_test_run ();
}
