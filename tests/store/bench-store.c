/* bench-store.c — how fast the store ingests, searches, charts and pages
 *
 * Not a test: tools/bench store runs it on a release build against a
 * throwaway PostgreSQL and prints a Markdown table for docs/performance.md.
 * Timings are measured here and never asserted anywhere.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "qrs-code-store.h"
#include "qrs-scan-store.h"
#include "store-test-util.h"

static int n_codes = 100000;
static int n_scanned_codes = 1000;
static int n_scans = 1000000;
static int batch_size = 5000;
static int rounds = 20;
static gboolean pages_only = FALSE;

static const GOptionEntry entries[] = {
  { "codes", 0, 0, G_OPTION_ARG_INT, &n_codes, "Codes to search among (100000)", "N" },
  { "scanned-codes", 0, 0, G_OPTION_ARG_INT, &n_scanned_codes, "Codes the scans spread over (1000)", "N" },
  { "scans", 0, 0, G_OPTION_ARG_INT, &n_scans, "Scans to ingest (1000000)", "N" },
  { "batch", 0, 0, G_OPTION_ARG_INT, &batch_size, "Scans per COPY batch (5000)", "N" },
  { "rounds", 0, 0, G_OPTION_ARG_INT, &rounds, "Repetitions of each query (20)", "N" },
  { "pages", 0, 0, G_OPTION_ARG_NONE, &pages_only, "Only the library's pages: first, middle and last, read from the start and from the nearer end", NULL },
  { NULL }
};

static const char *user_agents[] = {
  "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1",
  "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.6099.43 Mobile Safari/537.36",
  "Mozilla/5.0 (Linux; Android 13; SM-A536B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/23.0 Chrome/115.0.0.0 Mobile Safari/537.36",
  "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36 Edg/120.0.0.0",
  "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
};
static const char *devices[] = { "Smartphone", "Smartphone", "Smartphone", "Desktop", "Spider" };
static const char *oses[] = { "iOS", "Android", "Android", "Windows", "Other" };
static const char *browsers[] = { "Mobile Safari", "Chrome Mobile", "Samsung Internet", "Edge", "Googlebot" };

/* The scans are spread over April 2024, 30 days. */
#define FIRST_DAY_UNIX G_GINT64_CONSTANT (1711929600)   /* 2024-04-01 00:00 UTC */
#define N_DAYS 30

typedef struct
{
  double p50;
  double p95;
  double max;
  double mean;
} Stats;

static int
compare_doubles (gconstpointer a,
                 gconstpointer b)
{
  double x = *(const double *)a;
  double y = *(const double *)b;

  return (x > y) - (x < y);
}

static Stats
stats_of (GArray *samples)
{
  Stats s = { 0 };
  double sum = 0;

  g_array_sort (samples, compare_doubles);
  for (guint i = 0; i < samples->len; i++)
    sum += g_array_index (samples, double, i);
  s.p50 = g_array_index (samples, double, samples->len / 2);
  s.p95 = g_array_index (samples, double, MIN (samples->len - 1, (guint)(samples->len * 0.95)));
  s.max = g_array_index (samples, double, samples->len - 1);
  s.mean = sum / samples->len;
  return s;
}

/* Other work on the machine shows in every number: say how much. */
static char *
load_average (void)
{
  g_autofree char *contents = NULL;
  g_auto(GStrv) fields = NULL;

  if (!g_file_get_contents ("/proc/loadavg", &contents, NULL, NULL))
    return g_strdup ("?");
  fields = g_strsplit (contents, " ", 2);
  return g_strdup (fields[0]);
}

static double
ms_since (gint64 start)
{
  return (g_get_monotonic_time () - start) / 1000.0;
}

/* Scans arrive in time order, as the daemon writes them: the i-th of n
 * falls i/n of the way through the 30 days. */
static QrsScan *
random_scan (GRand *rand,
             int    index)
{
  QrsScan *scan = qrs_scan_new ();
  int kind = g_rand_int_range (rand, 0, 100);
  int agent = kind < 45 ? 0 : kind < 75 ? 1 : kind < 85 ? 2 : kind < 97 ? 3 : 4;
  guint8 hash[32];
  guint32 visitor = (guint32)g_rand_int_range (rand, 0, 200000);

  /* A few codes are popular: the square skews towards low ids. */
  double r = g_rand_double (rand);

  scan->event_id = g_uuid_string_random ();
  scan->code_id = 1 + (gint64)(r * r * n_scanned_codes);
  scan->scanned_at = FIRST_DAY_UNIX * G_USEC_PER_SEC
                     + (gint64)((double)index / n_scans * N_DAYS * 86400 * G_USEC_PER_SEC);
  scan->user_agent = g_strdup (user_agents[agent]);
  scan->device = g_strdup (devices[agent]);
  scan->os = g_strdup (oses[agent]);
  scan->os_version = g_strdup ("17.1");
  scan->browser = g_strdup (browsers[agent]);
  scan->browser_version = g_strdup ("120.0");
  scan->is_bot = agent == 4;
  scan->referrer_host = kind % 3 == 0 ? g_strdup ("news.example.edu") : NULL;
  scan->language = g_strdup (kind % 2 ? "es-ES" : "en-GB");
  memset (hash, 0, sizeof hash);
  memcpy (hash, &visitor, sizeof visitor);
  scan->visitor_hash = g_bytes_new (hash, sizeof hash);
  return scan;
}

static char *
word_of_rank (const char *dbname,
              int         rank)
{
  g_autofree char *sql = g_strdup_printf ("SELECT word FROM bench_words WHERE rank = %d", rank);

  return qrs_test_sql_value (dbname, sql);
}

/* The library's pages of 200 at the start, the middle and the end of
 * each order, read as before (the count not given: always skipping from
 * the start) and as the library reads them now (given the count: from
 * the nearer end). */
static int
bench_pages (void)
{
  static const struct
  {
    QrsCodeSort  sort;
    gboolean     descending;
    const char  *name;
  } orders[] = {
    { QRS_CODE_SORT_TITLE, FALSE, "title" },
    { QRS_CODE_SORT_UPDATED, TRUE, "last changed" },
    { QRS_CODE_SORT_CREATED, TRUE, "created" },
    { QRS_CODE_SORT_SCANS, TRUE, "scans" },
  };
  const guint page_size = 200;
  g_autofree char *name = NULL;
  g_autoptr(QrsDatabase) database = NULL;
  g_autoptr(QrsCodeStore) codes = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *server = NULL;
  g_autofree char *load_before = load_average ();
  g_autofree char *load_after = NULL;
  g_autoptr(GString) table = g_string_new (NULL);
  guint64 count;

  qrs_test_require_server ();
  database = qrs_test_open_migrated (&name);
  codes = qrs_code_store_new (database);
  server = qrs_test_sql_value (name, "SELECT split_part(version(), ' on ', 1)");

  g_printerr ("Making %d codes …\n", n_codes);
  qrs_test_make_codes (name, n_codes);
  PQclear (qrs_test_sql (name, "VACUUM ANALYZE codes"));

  for (guint o = 0; o < G_N_ELEMENTS (orders); o++)
    {
      g_autoptr(QrsCodeQuery) query = qrs_code_query_new ();
      guint offsets[3];
      const char *where[] = { "first", "middle", "last" };

      query->sort = orders[o].sort;
      query->descending = orders[o].descending;
      count = qrs_code_store_count (codes, query, NULL, &error);
      if (error != NULL)
        g_error ("%s", error->message);
      offsets[0] = 0;
      offsets[1] = (guint)(count / 2 / page_size * page_size);
      offsets[2] = (guint)((count - 1) / page_size * page_size);

      g_printerr ("Paging by %s …\n", orders[o].name);
      for (guint w = 0; w < G_N_ELEMENTS (offsets); w++)
        {
          Stats stats[2];

          for (guint given = 0; given < 2; given++)
            {
              g_autoptr(GArray) samples = g_array_new (FALSE, FALSE, sizeof (double));

              for (int r = -1; r < rounds; r++)
                {
                  g_autoptr(QrsCodePage) page = NULL;
                  gint64 start = g_get_monotonic_time ();
                  double ms;

                  page = qrs_code_store_list_page (codes, query, offsets[w], page_size,
                                                   given ? count : 0, NULL, &error);
                  ms = ms_since (start);
                  if (page == NULL)
                    g_error ("%s", error->message);
                  /* The first read warms the caches and is not counted. */
                  if (r >= 0)
                    g_array_append_val (samples, ms);
                }
              stats[given] = stats_of (samples);
            }
          g_string_append_printf (table, "| %s | %s page (offset %u) | p50 %.1f ms, max %.1f ms | p50 %.1f ms, max %.1f ms |\n",
                                  orders[o].name, where[w], offsets[w],
                                  stats[0].p50, stats[0].max, stats[1].p50, stats[1].max);
        }
    }

  load_after = load_average ();
  printf ("Server: %s; %u CPUs; load average %s before, %s after; %d codes, pages of %u, %d reads each\n\n",
          server, g_get_num_processors (), load_before, load_after, n_codes, page_size, rounds);
  printf ("| order | page | from the start (count not given) | from the nearer end (count given) |\n");
  printf ("| --- | --- | --- | --- |\n");
  printf ("%s", table->str);
  return 0;
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GOptionContext) context = g_option_context_new ("— benchmark the QR Studio store");
  g_autoptr(GError) error = NULL;
  g_autofree char *name = NULL;
  g_autoptr(QrsDatabase) database = NULL;
  g_autoptr(QrsCodeStore) codes = NULL;
  g_autoptr(QrsScanStore) scans = NULL;
  g_autoptr(GRand) rand = g_rand_new_with_seed (42);
  g_autoptr(GArray) batch_ms = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GArray) search_ms = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GArray) chart_all_ms = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GArray) chart_one_ms = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GArray) totals_ms = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GPtrArray) last_batch = NULL;
  g_autofree char *server = NULL;
  g_autofree char *fsync_setting = NULL;
  g_autofree char *rollup_rows = NULL;
  g_autofree char *load_before = NULL;
  g_autofree char *load_after = NULL;
  /* Common words, accents left out, stems, two words, a phrase, an
   * exclusion, and four rarer words looked up by rank below. */
  const char *queries[] = {
    "open day", "biblioteca", "musica", "música concierto", "abierto", "students", "graduacion",
    "laboratory", "evento cultural", "jardin", "research -science", "\"open day\"", "coro",
    "cafeteria", "matricula beca", "exhibitions", NULL, NULL, NULL, NULL,
  };
  g_autofree char *rare[4] = { NULL, NULL, NULL, NULL };
  double ingest_ms = 0, replay_ms = 0, slowest_ms = 0;
  const char *slowest = "";
  guint64 inserted = 0;
  guint n_inserted = 0;
  GDate first, last;
  Stats ingest_stats, search_stats, all_stats, one_stats, totals_stats;
  gint64 start;
  guint64 matches = 0;

  g_set_prgname ("bench-store");
  load_before = load_average ();
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("bench-store: %s\n", error->message);
      return 2;
    }
  if (pages_only)
    return bench_pages ();

  qrs_test_require_server ();
  database = qrs_test_open_migrated (&name);
  codes = qrs_code_store_new (database);
  scans = qrs_scan_store_new (database);
  server = qrs_test_sql_value (name, "SELECT split_part(version(), ' on ', 1)");
  fsync_setting = qrs_test_sql_value (name, "SELECT current_setting('fsync') || ', synchronous_commit '"
                                            " || current_setting('synchronous_commit') || ', shared_buffers '"
                                            " || current_setting('shared_buffers')");

  /* 1. Ingest, batch by batch, as the daemon's writer does. */
  g_printerr ("Ingesting %d scans in batches of %d …\n", n_scans, batch_size);
  for (int done = 0; done < n_scans; done += batch_size)
    {
      g_autoptr(GPtrArray) batch = g_ptr_array_new_with_free_func ((GDestroyNotify)qrs_scan_free);
      double ms;

      for (int i = 0; i < batch_size && done + i < n_scans; i++)
        g_ptr_array_add (batch, random_scan (rand, done + i));

      start = g_get_monotonic_time ();
      if (!qrs_scan_store_insert (scans, (QrsScan * const *)batch->pdata, batch->len, &n_inserted, NULL, &error))
        g_error ("%s", error->message);
      ms = ms_since (start);
      ingest_ms += ms;
      inserted += n_inserted;
      g_array_append_val (batch_ms, ms);

      g_clear_pointer (&last_batch, g_ptr_array_unref);
      last_batch = g_steal_pointer (&batch);
    }

  /* The last batch again: all of it known, nothing inserted. */
  start = g_get_monotonic_time ();
  if (!qrs_scan_store_insert (scans, (QrsScan * const *)last_batch->pdata, last_batch->len, &n_inserted, NULL, &error))
    g_error ("%s", error->message);
  replay_ms = ms_since (start);
  g_assert_cmpuint (n_inserted, ==, 0);

  /* 2. Full-text search. */
  g_printerr ("Making %d codes …\n", n_codes);
  qrs_test_make_codes (name, n_codes);
  /* What autovacuum does soon after a bulk load: among other things it
   * merges the GIN index's pending list. */
  PQclear (qrs_test_sql (name, "VACUUM ANALYZE codes"));
  PQclear (qrs_test_sql (name, "VACUUM ANALYZE scans"));
  PQclear (qrs_test_sql (name, "VACUUM ANALYZE scan_daily"));

  rare[0] = word_of_rank (name, 100);
  rare[1] = word_of_rank (name, 400);
  rare[2] = word_of_rank (name, 1200);
  rare[3] = word_of_rank (name, 2800);
  for (guint i = 0; i < 4; i++)
    queries[16 + i] = rare[i];

  g_printerr ("Searching …\n");
  for (int r = -1; r < rounds; r++)
    for (guint q = 0; q < G_N_ELEMENTS (queries); q++)
      {
        g_autoptr(GPtrArray) found = NULL;
        guint64 total = 0;
        double ms;

        start = g_get_monotonic_time ();
        found = qrs_code_store_search (codes, queries[q], 0, 50, &total, NULL, &error);
        ms = ms_since (start);
        if (found == NULL)
          g_error ("%s", error->message);
        /* The first round warms the caches and is not counted. */
        if (r >= 0)
          {
            g_array_append_val (search_ms, ms);
            matches += total;
            if (ms > slowest_ms)
              {
                slowest_ms = ms;
                slowest = queries[q];
              }
          }
      }

  /* 3. Charts over the 30 days, from the daily rollups. */
  g_printerr ("Charting …\n");
  g_date_clear (&first, 1);
  g_date_clear (&last, 1);
  g_date_set_dmy (&first, 1, 4, 2024);
  g_date_set_dmy (&last, 30, 4, 2024);
  for (int r = -1; r < rounds * 10; r++)
    {
      g_autoptr(GArray) days = NULL;
      g_autoptr(GArray) one = NULL;
      QrsScanTotals totals;
      double ms;

      start = g_get_monotonic_time ();
      days = qrs_scan_store_count_by_day (scans, 0, &first, &last, NULL, &error);
      ms = ms_since (start);
      if (days == NULL)
        g_error ("%s", error->message);
      if (r >= 0)
        g_array_append_val (chart_all_ms, ms);

      start = g_get_monotonic_time ();
      one = qrs_scan_store_count_by_day (scans, 1 + MAX (r, 0) % 50, &first, &last, NULL, &error);
      ms = ms_since (start);
      if (one == NULL)
        g_error ("%s", error->message);
      if (r >= 0)
        g_array_append_val (chart_one_ms, ms);

      start = g_get_monotonic_time ();
      if (!qrs_scan_store_get_totals (scans, 0, &first, &last, &totals, NULL, &error))
        g_error ("%s", error->message);
      ms = ms_since (start);
      if (r >= 0)
        g_array_append_val (totals_ms, ms);
      if (r == 0 && totals.scans + totals.bots != inserted)
        g_error ("the rollups count %" G_GUINT64_FORMAT " scans, not %" G_GUINT64_FORMAT,
                 totals.scans + totals.bots, inserted);
    }
  rollup_rows = qrs_test_sql_value (name, "SELECT count(*) FROM scan_daily");

  ingest_stats = stats_of (batch_ms);
  search_stats = stats_of (search_ms);
  all_stats = stats_of (chart_all_ms);
  one_stats = stats_of (chart_one_ms);
  totals_stats = stats_of (totals_ms);

  load_after = load_average ();
  printf ("Server: %s (fsync %s); %u CPUs; load average %s before, %s after\n\n",
          server, fsync_setting, g_get_num_processors (), load_before, load_after);
  printf ("| measure | data | result | target |\n");
  printf ("| --- | --- | --- | --- |\n");
  printf ("| COPY ingest, whole run | %" G_GUINT64_FORMAT " scans over %d codes, %d days, batches of %d | **%.0f scans/s** (%.1f s) | ≥ 50,000 scans/s |\n",
          inserted, n_scanned_codes, N_DAYS, batch_size, inserted / (ingest_ms / 1000.0), ingest_ms / 1000.0);
  printf ("| COPY ingest, one batch | %d scans | p50 %.1f ms, p95 %.1f ms, max %.1f ms | |\n",
          batch_size, ingest_stats.p50, ingest_stats.p95, ingest_stats.max);
  printf ("| replayed batch (all duplicates) | %u scans | %.1f ms, 0 inserted | |\n",
          last_batch->len, replay_ms);
  printf ("| full-text search, 50 per page with total | %d codes, %u queries × %d | p50 %.2f ms, **p95 %.2f ms**, max %.2f ms (%.0f matches per query) | p95 ≤ 20 ms |\n",
          n_codes, (guint)G_N_ELEMENTS (queries), rounds, search_stats.p50, search_stats.p95, search_stats.max,
          (double)matches / search_ms->len);
  printf ("| slowest search | “%s” | %.2f ms | |\n", slowest, slowest_ms);
  printf ("| 30-day chart, all codes (scan_daily) | %" G_GUINT64_FORMAT " scans, %s rollup rows | p50 %.2f ms, **p95 %.2f ms**, max %.2f ms | ≤ 50 ms |\n",
          inserted, rollup_rows, all_stats.p50, all_stats.p95, all_stats.max);
  printf ("| 30-day chart, one code (scan_daily) | | p50 %.2f ms, p95 %.2f ms, max %.2f ms | |\n",
          one_stats.p50, one_stats.p95, one_stats.max);
  printf ("| 30-day totals, all codes (scan_daily) | | p50 %.2f ms, p95 %.2f ms | |\n",
          totals_stats.p50, totals_stats.p95);

  return 0;
}
