/* test-scan-store.c — scans in a real database: ingest, rollups, charts,
 * export
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "qrs-code-store.h"
#include "qrs-scan-store.h"
#include "store-test-util.h"

/* A scan at a UTC time, with a visitor byte (0: no hash). */
static QrsScan *
make_scan (gint64      code_id,
           int         year,
           int         month,
           int         day,
           int         hour,
           const char *device,
           const char *os,
           const char *browser,
           gboolean    is_bot,
           guint8      visitor)
{
  g_autoptr(GDateTime) when = g_date_time_new_utc (year, month, day, hour, 17, 42.5);
  QrsScan *scan = qrs_scan_new ();

  scan->event_id = g_uuid_string_random ();
  scan->code_id = code_id;
  scan->scanned_at = g_date_time_to_unix (when) * G_USEC_PER_SEC + g_date_time_get_microsecond (when);
  scan->user_agent = g_strdup_printf ("Mozilla/5.0 (%s; %s) %s", device, os, browser);
  scan->device = g_strdup (device);
  scan->os = g_strdup (os);
  scan->os_version = g_strdup ("17.1");
  scan->browser = g_strdup (browser);
  scan->browser_version = g_strdup ("120.0");
  scan->is_bot = is_bot;
  scan->referrer_host = g_strdup ("news.example.edu");
  scan->language = g_strdup ("es-ES");
  if (visitor != 0)
    {
      guint8 hash[32];

      memset (hash, visitor, sizeof hash);
      scan->visitor_hash = g_bytes_new (hash, sizeof hash);
    }
  return scan;
}

static gint64
make_code (QrsDatabase *database,
           const char  *title)
{
  g_autoptr(QrsCodeStore) store = qrs_code_store_new (database);
  g_autoptr(QrsCode) draft = qrs_code_new (QRS_CODE_KIND_DYNAMIC);
  g_autoptr(QrsCode) code = NULL;
  g_autoptr(GError) error = NULL;

  qrs_code_set_target_url (draft, "https://example.edu/");
  qrs_code_set_title (draft, title);
  code = qrs_code_store_create (store, draft, NULL, &error);
  g_assert_no_error (error);
  return qrs_code_get_id (code);
}

static guint
insert (QrsScanStore *store,
        GPtrArray    *scans)
{
  g_autoptr(GError) error = NULL;
  guint n_inserted = 999;

  g_assert_true (qrs_scan_store_insert (store, (QrsScan * const *)scans->pdata, scans->len,
                                        &n_inserted, NULL, &error));
  g_assert_no_error (error);
  return n_inserted;
}

static char *
daily (const char *dbname,
       gint64      code_id)
{
  g_autofree char *sql = g_strdup_printf ("SELECT coalesce(string_agg(format('%%s:%%s/%%s/%%s', day, scans, visitors, bots), ' ' ORDER BY day), '') "
                                          "  FROM scan_daily WHERE code_id = %" G_GINT64_FORMAT,
                                          code_id);
  return qrs_test_sql_value (dbname, sql);
}

/* Day one: two people (one twice) and a bot; day two: one of them again. */
static GPtrArray *
two_days (gint64 code_id)
{
  GPtrArray *scans = g_ptr_array_new_with_free_func ((GDestroyNotify)qrs_scan_free);

  g_ptr_array_add (scans, make_scan (code_id, 2024, 1, 1, 9, "Smartphone", "iOS", "Safari", FALSE, 1));
  g_ptr_array_add (scans, make_scan (code_id, 2024, 1, 1, 10, "Smartphone", "iOS", "Safari", FALSE, 1));
  g_ptr_array_add (scans, make_scan (code_id, 2024, 1, 1, 11, "Smartphone", "Android", "Chrome", FALSE, 2));
  g_ptr_array_add (scans, make_scan (code_id, 2024, 1, 1, 12, "Spider", "Other", "Googlebot", TRUE, 3));
  g_ptr_array_add (scans, make_scan (code_id, 2024, 1, 2, 23, "Smartphone", "Android", "Chrome", FALSE, 2));
  return scans;
}

static void
test_insert_and_rollup (void)
{
  g_autofree char *name = NULL;
  g_autoptr(QrsDatabase) database = qrs_test_open_migrated (&name);
  g_autoptr(QrsScanStore) store = qrs_scan_store_new (database);
  gint64 code = make_code (database, "Rolled up");
  g_autoptr(GPtrArray) scans = two_days (code);
  g_autofree char *rows = NULL;
  g_autofree char *stored = NULL;

  g_assert_cmpuint (insert (store, scans), ==, 5);

  rows = daily (name, code);
  g_assert_cmpstr (rows, ==, "2024-01-01:3/2/1 2024-01-02:1/1/0");

  stored = qrs_test_sql_value (name, "SELECT format('%s|%s|%s|%s|%s|%s|%s|%s', count(*), min(scanned_at), "
                                     "  min(device), min(os_version), min(browser_version), "
                                     "  min(referrer_host), min(language), min(length(visitor_hash))) "
                                     "  FROM scans");
  g_assert_cmpstr (stored, ==, "5|2024-01-01 09:17:42.5+00|Smartphone|17.1|120.0|news.example.edu|es-ES|32");
}

static void
test_idempotent (void)
{
  g_autofree char *name = NULL;
  g_autoptr(QrsDatabase) database = qrs_test_open_migrated (&name);
  g_autoptr(QrsScanStore) store = qrs_scan_store_new (database);
  gint64 code = make_code (database, "Replayed");
  g_autoptr(GPtrArray) scans = two_days (code);
  g_autoptr(GPtrArray) mixed = g_ptr_array_new_with_free_func ((GDestroyNotify)qrs_scan_free);
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;
  g_autofree char *count = NULL;

  g_assert_cmpuint (insert (store, scans), ==, 5);
  before = daily (name, code);

  /* The whole batch again, as after a crash before the ledger moved. */
  g_assert_cmpuint (insert (store, scans), ==, 0);
  after = daily (name, code);
  g_assert_cmpstr (before, ==, after);

  /* Half old, half new, and one new scan twice in the same batch. */
  g_ptr_array_add (mixed, qrs_scan_copy (g_ptr_array_index (scans, 0)));
  g_ptr_array_add (mixed, qrs_scan_copy (g_ptr_array_index (scans, 3)));
  g_ptr_array_add (mixed, make_scan (code, 2024, 1, 2, 8, "Tablet", "iPadOS", "Safari", FALSE, 9));
  g_ptr_array_add (mixed, qrs_scan_copy (g_ptr_array_index (mixed, 2)));
  g_assert_cmpuint (insert (store, mixed), ==, 1);

  g_free (after);
  after = daily (name, code);
  g_assert_cmpstr (after, ==, "2024-01-01:3/2/1 2024-01-02:2/2/0");
  count = qrs_test_sql_value (name, "SELECT count(*) FROM scans");
  g_assert_cmpstr (count, ==, "6");
}

/* A batch larger than one COPY statement takes goes in pieces, every
 * piece stored and the whole rolled up once; a replay goes through the
 * staging table in pieces too. */
static void
test_copy_in_pieces (void)
{
  const guint sizes[] = { 1, 2, 4, 5, 6 };

  for (guint i = 0; i < G_N_ELEMENTS (sizes); i++)
    {
      g_autofree char *name = NULL;
      g_autoptr(QrsDatabase) database = qrs_test_open_migrated (&name);
      g_autoptr(QrsScanStore) store = qrs_scan_store_new (database);
      gint64 code = make_code (database, "In pieces");
      g_autoptr(GPtrArray) scans = two_days (code);
      g_autoptr(GPtrArray) replay = g_ptr_array_new_with_free_func ((GDestroyNotify)qrs_scan_free);
      g_autofree char *rows = NULL;
      g_autofree char *count = NULL;

      g_test_message ("COPY pieces of %u rows", sizes[i]);
      qrs_scan_store_set_copy_rows (store, sizes[i]);
      g_assert_cmpuint (insert (store, scans), ==, 5);
      rows = daily (name, code);
      g_assert_cmpstr (rows, ==, "2024-01-01:3/2/1 2024-01-02:1/1/0");

      /* All of it again with one new scan last, in the last piece. */
      for (guint j = 0; j < scans->len; j++)
        g_ptr_array_add (replay, qrs_scan_copy (g_ptr_array_index (scans, j)));
      g_ptr_array_add (replay, make_scan (code, 2024, 1, 2, 8, "Tablet", "iPadOS", "Safari", FALSE, 9));
      g_assert_cmpuint (insert (store, replay), ==, 1);

      g_free (rows);
      rows = daily (name, code);
      g_assert_cmpstr (rows, ==, "2024-01-01:3/2/1 2024-01-02:2/2/0");
      count = qrs_test_sql_value (name, "SELECT count(DISTINCT event_id) || '/' || count(*) FROM scans");
      g_assert_cmpstr (count, ==, "6/6");
    }
}

/* One visitor, two batches, same day: one visitor.  Another day: again. */
static void
test_visitors_across_batches (void)
{
  g_autofree char *name = NULL;
  g_autoptr(QrsDatabase) database = qrs_test_open_migrated (&name);
  g_autoptr(QrsScanStore) store = qrs_scan_store_new (database);
  gint64 code = make_code (database, "Visitors");
  gint64 other = make_code (database, "Other code");
  g_autofree char *rows = NULL;
  g_autofree char *other_rows = NULL;

  for (int hour = 1; hour <= 3; hour++)
    {
      g_autoptr(GPtrArray) batch = g_ptr_array_new_with_free_func ((GDestroyNotify)qrs_scan_free);

      g_ptr_array_add (batch, make_scan (code, 2024, 3, 5, hour, "Smartphone", "iOS", "Safari", FALSE, 7));
      g_ptr_array_add (batch, make_scan (other, 2024, 3, 5, hour, "Smartphone", "iOS", "Safari", FALSE, 7));
      g_ptr_array_add (batch, make_scan (code, 2024, 3, 6, hour, "Smartphone", "iOS", "Safari", FALSE, 7));
      /* A scan without a hash is a person we cannot tell apart. */
      g_ptr_array_add (batch, make_scan (code, 2024, 3, 6, hour, "Desktop", "Linux", "Firefox", FALSE, 0));
      g_assert_cmpuint (insert (store, batch), ==, 4);
    }

  rows = daily (name, code);
  g_assert_cmpstr (rows, ==, "2024-03-05:3/1/0 2024-03-06:6/1/0");
  other_rows = daily (name, other);
  g_assert_cmpstr (other_rows, ==, "2024-03-05:3/1/0");
}

static void
test_partitions (void)
{
  g_autofree char *name = NULL;
  g_autoptr(QrsDatabase) database = qrs_test_open_migrated (&name);
  g_autoptr(QrsScanStore) store = qrs_scan_store_new (database);
  gint64 code = make_code (database, "Old scans");
  g_autoptr(GPtrArray) scans = g_ptr_array_new_with_free_func ((GDestroyNotify)qrs_scan_free);
  g_autoptr(GPtrArray) absurd = g_ptr_array_new_with_free_func ((GDestroyNotify)qrs_scan_free);
  g_autoptr(GError) error = NULL;
  g_autofree char *partitions = NULL;
  g_autofree char *brin = NULL;
  guint n_inserted;

  g_ptr_array_add (scans, make_scan (code, 2019, 3, 31, 23, "Smartphone", "iOS", "Safari", FALSE, 1));
  g_ptr_array_add (scans, make_scan (code, 2019, 5, 1, 0, "Smartphone", "iOS", "Safari", FALSE, 1));
  g_assert_cmpuint (insert (store, scans), ==, 2);

  partitions = qrs_test_sql_value (name, "SELECT string_agg(c.relname, ',' ORDER BY c.relname) "
                                         "  FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
                                         " WHERE i.inhparent = 'scans'::regclass AND c.relname LIKE 'scans_y2019%'");
  g_assert_cmpstr (partitions, ==, "scans_y2019m03,scans_y2019m04,scans_y2019m05");

  /* The time index is BRIN, on every partition. */
  brin = qrs_test_sql_value (name, "SELECT count(*) FROM pg_indexes WHERE tablename = 'scans_y2019m04' "
                                   "AND indexdef LIKE '%USING brin (scanned_at)%'");
  g_assert_cmpstr (brin, ==, "1");

  /* Partitions ahead of time, as the daemon asks for them. */
  PQclear (qrs_test_sql (name, "SELECT qrstudio_ensure_scan_partitions(interval '14 months')"));
  g_free (partitions);
  partitions = qrs_test_sql_value (name, "SELECT count(*) FROM pg_inherits WHERE inhparent = 'scans'::regclass "
                                         "AND inhrelid::regclass::text = 'scans_y' || to_char(now() + interval '14 months', 'YYYY\"m\"MM')");
  g_assert_cmpstr (partitions, ==, "1");

  /* A batch spanning decades is refused as a whole, clearly. */
  g_ptr_array_add (absurd, make_scan (code, 2001, 1, 1, 0, "Smartphone", "iOS", "Safari", FALSE, 1));
  g_ptr_array_add (absurd, make_scan (code, 2024, 1, 1, 0, "Smartphone", "iOS", "Safari", FALSE, 1));
  g_assert_false (qrs_scan_store_insert (store, (QrsScan * const *)absurd->pdata, absurd->len,
                                         &n_inserted, NULL, &error));
  g_assert_error (error, QRS_DATABASE_ERROR, QRS_DATABASE_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "ten years"));
}

static void
test_maintain (void)
{
  g_autofree char *name = NULL;
  g_autoptr(QrsDatabase) database = qrs_test_open_migrated (&name);
  g_autoptr(QrsScanStore) store = qrs_scan_store_new (database);
  g_autoptr(GError) error = NULL;
  g_autofree char *ahead = NULL;
  g_autofree char *beyond = NULL;

  g_assert_true (qrs_scan_store_maintain (store, 5, 7, NULL, &error));
  g_assert_no_error (error);

  ahead = qrs_test_sql_value (name, "SELECT count(*) FROM pg_inherits WHERE inhparent = 'scans'::regclass "
                                    "AND inhrelid::regclass::text = 'scans_y' || to_char(now() + interval '5 months', 'YYYY\"m\"MM')");
  g_assert_cmpstr (ahead, ==, "1");
  beyond = qrs_test_sql_value (name, "SELECT count(*) FROM pg_inherits WHERE inhparent = 'scans'::regclass "
                                     "AND inhrelid::regclass::text = 'scans_y' || to_char(now() + interval '7 months', 'YYYY\"m\"MM')");
  g_assert_cmpstr (beyond, ==, "0");

  /* Running it again changes nothing and is no error. */
  g_assert_true (qrs_scan_store_maintain (store, 5, 7, NULL, &error));
  g_assert_no_error (error);
}

typedef struct
{
  GPtrArray *payloads;
  gboolean   connected;
} HeardScans;

static void
scans_notification_cb (QrsDatabase *database,
                       const char  *channel,
                       const char  *payload,
                       gpointer     user_data)
{
  HeardScans *heard = user_data;

  g_assert_cmpstr (channel, ==, QRS_DATABASE_CHANNEL_SCANS);
  if (payload != NULL)
    g_ptr_array_add (heard->payloads, g_strdup (payload));
  else
    heard->connected = TRUE;
}

static gboolean
scans_connected (gpointer data)
{
  return ((HeardScans *)data)->connected;
}

static gboolean
heard_scans (gpointer data)
{
  return ((HeardScans *)data)->payloads->len > 0;
}

static int
compare_strings (gconstpointer a,
                 gconstpointer b)
{
  return strcmp (*(const char * const *)a, *(const char * const *)b);
}

/* The ids in every payload heard so far, sorted as text and joined. */
static char *
heard_ids (HeardScans *heard)
{
  g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);

  for (guint i = 0; i < heard->payloads->len; i++)
    {
      g_auto(GStrv) parts = g_strsplit (g_ptr_array_index (heard->payloads, i), ",", -1);

      for (guint j = 0; parts[j] != NULL; j++)
        if (!g_ptr_array_find_with_equal_func (ids, parts[j], g_str_equal, NULL))
          g_ptr_array_add (ids, g_strdup (parts[j]));
    }
  g_ptr_array_sort (ids, compare_strings);
  g_ptr_array_add (ids, NULL);
  g_ptr_array_set_size (heard->payloads, 0);

  return g_strjoinv (",", (char **)ids->pdata);
}

/* Open charts hear which codes were scanned, whether a batch made new
 * rollup rows or added to existing ones. */
static void
test_notify_codes (void)
{
  g_autofree char *name = NULL;
  g_autoptr(QrsDatabase) database = qrs_test_open_migrated (&name);
  g_autoptr(QrsScanStore) store = qrs_scan_store_new (database);
  g_autoptr(GPtrArray) scans = g_ptr_array_new_with_free_func ((GDestroyNotify)qrs_scan_free);
  g_autoptr(GPtrArray) more = g_ptr_array_new_with_free_func ((GDestroyNotify)qrs_scan_free);
  g_autoptr(GPtrArray) payloads = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GError) error = NULL;
  HeardScans heard = { payloads, FALSE };
  gint64 a = make_code (database, "Scanned A");
  gint64 b = make_code (database, "Scanned B");
  g_autofree char *a_str = g_strdup_printf ("%" G_GINT64_FORMAT, a);
  g_autofree char *b_str = g_strdup_printf ("%" G_GINT64_FORMAT, b);
  g_autofree char *expected = NULL;
  g_autofree char *ids = NULL;
  g_autofree char *ids_again = NULL;

  expected = strcmp (a_str, b_str) < 0 ? g_strjoin (",", a_str, b_str, NULL)
                                       : g_strjoin (",", b_str, a_str, NULL);

  g_signal_connect (database, "notification::" QRS_DATABASE_CHANNEL_SCANS,
                    G_CALLBACK (scans_notification_cb), &heard);
  g_assert_true (qrs_database_listen (database, QRS_DATABASE_CHANNEL_SCANS, &error));
  g_assert_no_error (error);
  g_assert_true (qrs_test_wait_for (scans_connected, &heard, 30000));

  g_ptr_array_add (scans, make_scan (a, 2024, 2, 1, 9, "Smartphone", "iOS", "Safari", FALSE, 1));
  g_ptr_array_add (scans, make_scan (b, 2024, 2, 1, 9, "Smartphone", "iOS", "Safari", FALSE, 2));
  g_assert_cmpuint (insert (store, scans), ==, 2);
  g_assert_true (qrs_test_wait_for (heard_scans, &heard, 30000));
  ids = heard_ids (&heard);
  g_assert_cmpstr (ids, ==, expected);

  /* The same day again: the rollups are updated, not inserted. */
  g_ptr_array_add (more, make_scan (a, 2024, 2, 1, 11, "Smartphone", "iOS", "Safari", FALSE, 3));
  g_ptr_array_add (more, make_scan (b, 2024, 2, 1, 11, "Smartphone", "iOS", "Safari", FALSE, 4));
  g_assert_cmpuint (insert (store, more), ==, 2);
  g_assert_true (qrs_test_wait_for (heard_scans, &heard, 30000));
  ids_again = heard_ids (&heard);
  g_assert_cmpstr (ids_again, ==, expected);

  qrs_database_unlisten (database, QRS_DATABASE_CHANNEL_SCANS);
}

static void
test_text_fields (void)
{
  g_autofree char *name = NULL;
  g_autoptr(QrsDatabase) database = qrs_test_open_migrated (&name);
  g_autoptr(QrsScanStore) store = qrs_scan_store_new (database);
  gint64 code = make_code (database, "Odd headers");
  g_autoptr(GPtrArray) scans = g_ptr_array_new_with_free_func ((GDestroyNotify)qrs_scan_free);
  g_autofree char *long_agent = g_strnfill (5000, 'a');
  g_autofree char *value = NULL;
  QrsScan *scan;

  scan = make_scan (code, 2024, 6, 1, 12, "Smartphone", "iOS", "Safari", FALSE, 1);
  g_free (scan->user_agent);
  scan->user_agent = g_strdup ("tab\there\nnewline\r\\N back\\slash 'quote\" \\. done");
  g_free (scan->referrer_host);
  scan->referrer_host = g_strdup ("\\N");
  g_ptr_array_add (scans, scan);

  scan = make_scan (code, 2024, 6, 1, 13, "Smartphone", "iOS", "Safari", FALSE, 1);
  g_free (scan->user_agent);
  scan->user_agent = g_strdup ("bad \xff\xfe bytes é");
  g_clear_pointer (&scan->language, g_free);
  g_ptr_array_add (scans, scan);

  scan = make_scan (code, 2024, 6, 1, 14, "Smartphone", "iOS", "Safari", FALSE, 1);
  g_free (scan->user_agent);
  scan->user_agent = g_strconcat ("é", long_agent, NULL);
  g_ptr_array_add (scans, scan);

  /* Past the first eight bytes, and in the last few. */
  scan = make_scan (code, 2024, 6, 1, 15, "Smartphone", "iOS", "Safari", FALSE, 1);
  g_free (scan->user_agent);
  scan->user_agent = g_strdup ("Mozilla/5.0 \xff (ñ) half \xc3");
  g_ptr_array_add (scans, scan);

  g_assert_cmpuint (insert (store, scans), ==, 4);

  value = qrs_test_sql_value (name, "SELECT user_agent || '|' || referrer_host FROM scans "
                                    "WHERE extract(hour FROM scanned_at) = 12");
  g_assert_cmpstr (value, ==, "tab\there\nnewline\r\\N back\\slash 'quote\" \\. done|\\N");
  g_free (value);

  value = qrs_test_sql_value (name, "SELECT user_agent || '|' || (language IS NULL) FROM scans "
                                    "WHERE extract(hour FROM scanned_at) = 13");
  g_assert_cmpstr (value, ==, "bad \xef\xbf\xbd\xef\xbf\xbd bytes é|true");
  g_free (value);

  /* Cut at 1,024 bytes without splitting a character. */
  value = qrs_test_sql_value (name, "SELECT octet_length(user_agent) FROM scans "
                                    "WHERE extract(hour FROM scanned_at) = 14");
  g_assert_cmpstr (value, ==, "1024");
  g_free (value);

  value = qrs_test_sql_value (name, "SELECT user_agent FROM scans "
                                    "WHERE extract(hour FROM scanned_at) = 15");
  g_assert_cmpstr (value, ==, "Mozilla/5.0 \xef\xbf\xbd (ñ) half \xef\xbf\xbd");
}

/* A batch's times are spelt for COPY a day at a time: times on either
 * side of midnight, out of order, and before 1970 (where division rounds
 * the other way) keep their every microsecond, and their days roll up. */
static void
test_timestamps (void)
{
  static const struct
  {
    gint64      usec;
    const char *text;
  } times[][4] = {
    {
      { G_GINT64_CONSTANT (1717286399999999), "2024-06-01 23:59:59.999999" },
      { G_GINT64_CONSTANT (1717286400000001), "2024-06-02 00:00:00.000001" },
      { G_GINT64_CONSTANT (1717200000000000), "2024-06-01 00:00:00.000000" },
      { G_GINT64_CONSTANT (1717331696789012), "2024-06-02 12:34:56.789012" },
    },
    {
      { G_GINT64_CONSTANT (-500000), "1969-12-31 23:59:59.500000" },
      { G_GINT64_CONSTANT (250000), "1970-01-01 00:00:00.250000" },
      { G_GINT64_CONSTANT (-86400000001), "1969-12-30 23:59:59.999999" },
      { G_GINT64_CONSTANT (-1), "1969-12-31 23:59:59.999999" },
    },
  };
  g_autofree char *name = NULL;
  g_autoptr(QrsDatabase) database = qrs_test_open_migrated (&name);
  g_autoptr(QrsScanStore) store = qrs_scan_store_new (database);
  gint64 code = make_code (database, "Around midnight");
  g_autofree char *sql = NULL;

  for (guint b = 0; b < G_N_ELEMENTS (times); b++)
    {
      g_autoptr(GPtrArray) scans = g_ptr_array_new_with_free_func ((GDestroyNotify)qrs_scan_free);

      for (guint i = 0; i < G_N_ELEMENTS (times[b]); i++)
        {
          QrsScan *scan = make_scan (code, 2024, 6, 1, 12, "Smartphone", "iOS", "Safari", FALSE, i + 1);

          scan->scanned_at = times[b][i].usec;
          g_ptr_array_add (scans, scan);
        }
      g_assert_cmpuint (insert (store, scans), ==, G_N_ELEMENTS (times[b]));
    }

  sql = g_strdup_printf ("SELECT string_agg(to_char (scanned_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US'), ',' ORDER BY scanned_at)"
                         "  FROM scans WHERE code_id = %" G_GINT64_FORMAT, code);
  {
    g_autofree char *stored = qrs_test_sql_value (name, sql);
    g_autoptr(GPtrArray) expected = g_ptr_array_new ();
    g_autofree char *joined = NULL;

    /* In time order, as the query gives them. */
    g_ptr_array_add (expected, (gpointer)times[1][2].text);
    g_ptr_array_add (expected, (gpointer)times[1][0].text);
    g_ptr_array_add (expected, (gpointer)times[1][3].text);
    g_ptr_array_add (expected, (gpointer)times[1][1].text);
    g_ptr_array_add (expected, (gpointer)times[0][2].text);
    g_ptr_array_add (expected, (gpointer)times[0][0].text);
    g_ptr_array_add (expected, (gpointer)times[0][1].text);
    g_ptr_array_add (expected, (gpointer)times[0][3].text);
    g_ptr_array_add (expected, NULL);
    joined = g_strjoinv (",", (char **)expected->pdata);
    g_assert_cmpstr (stored, ==, joined);
  }
  {
    g_autofree char *days = daily (name, code);

    g_assert_cmpstr (days, ==, "1969-12-30:1/1/0 1969-12-31:2/2/0 1970-01-01:1/1/0 2024-06-01:2/2/0 2024-06-02:2/2/0");
  }
}

static void
test_invalid_rows_skipped (void)
{
  static const char *const bad_ids[] = {
    "",
    "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4",     /* one short */
    "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d0",   /* one long */
    "0a1b2c3d4e5f-4a6b-8c7d-9e0f1a2b3c4d-",    /* a dash out of place */
    "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4g",    /* not hex */
    "0a1b2c3d-4e5f-4a6b-8c7d 9e0f1a2b3c4d",
  };
  g_autofree char *name = NULL;
  g_autoptr(QrsDatabase) database = qrs_test_open_migrated (&name);
  g_autoptr(QrsScanStore) store = qrs_scan_store_new (database);
  gint64 code = make_code (database, "Skipping");
  g_autoptr(GPtrArray) scans = g_ptr_array_new_with_free_func ((GDestroyNotify)qrs_scan_free);
  g_autoptr(GError) error = NULL;
  QrsScan *scan;
  guint n_inserted = 0;

  scan = make_scan (code, 2024, 2, 1, 1, "Smartphone", "iOS", "Safari", FALSE, 1);
  g_free (scan->event_id);
  scan->event_id = g_strdup ("not-a-uuid'); DROP TABLE scans; --");
  g_ptr_array_add (scans, scan);
  scan = make_scan (0, 2024, 2, 1, 1, "Smartphone", "iOS", "Safari", FALSE, 1);
  g_ptr_array_add (scans, scan);
  for (guint i = 0; i < G_N_ELEMENTS (bad_ids); i++)
    {
      scan = make_scan (code, 2024, 2, 1, 1, "Smartphone", "iOS", "Safari", FALSE, 1);
      g_free (scan->event_id);
      scan->event_id = g_strdup (bad_ids[i]);
      g_ptr_array_add (scans, scan);
    }
  g_ptr_array_add (scans, make_scan (code, 2024, 2, 1, 2, "Smartphone", "iOS", "Safari", FALSE, 1));
  /* Either case is a UUID. */
  scan = make_scan (code, 2024, 2, 1, 3, "Smartphone", "iOS", "Safari", FALSE, 1);
  g_free (scan->event_id);
  scan->event_id = g_strdup ("0A1B2C3D-4E5F-4A6B-8C7D-9E0F1A2B3C4D");
  g_ptr_array_add (scans, scan);

  g_assert_true (qrs_scan_store_insert (store, (QrsScan * const *)scans->pdata, scans->len,
                                        &n_inserted, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (n_inserted, ==, 2);

  /* Nothing to do is no error either. */
  g_assert_true (qrs_scan_store_insert (store, NULL, 0, &n_inserted, NULL, &error));
  g_assert_cmpuint (n_inserted, ==, 0);
}

/* A month of two codes for the chart tests. */
static QrsDatabase *
charts_database (char   **name,
                 gint64  *code_a,
                 gint64  *code_b)
{
  QrsDatabase *database = qrs_test_open_migrated (name);
  g_autoptr(QrsScanStore) store = qrs_scan_store_new (database);
  g_autoptr(GPtrArray) scans = g_ptr_array_new_with_free_func ((GDestroyNotify)qrs_scan_free);

  *code_a = make_code (database, "Chart A");
  *code_b = make_code (database, "Chart B");

  /* 2024-01-01 is a Monday. */
  g_ptr_array_add (scans, make_scan (*code_a, 2024, 1, 1, 9, "Smartphone", "iOS", "Safari", FALSE, 1));
  g_ptr_array_add (scans, make_scan (*code_a, 2024, 1, 1, 9, "Smartphone", "iOS", "Safari", FALSE, 2));
  g_ptr_array_add (scans, make_scan (*code_a, 2024, 1, 1, 23, "Smartphone", "Android", "Chrome", FALSE, 3));
  g_ptr_array_add (scans, make_scan (*code_a, 2024, 1, 3, 12, "Desktop", "Windows", "Edge", FALSE, 4));
  g_ptr_array_add (scans, make_scan (*code_a, 2024, 1, 3, 12, "Spider", "Other", "Googlebot", TRUE, 5));
  g_ptr_array_add (scans, make_scan (*code_b, 2024, 1, 7, 18, "Tablet", "iPadOS", "Safari", FALSE, 6));
  g_assert_cmpuint (insert (store, scans), ==, 6);
  return database;
}

static void
test_count_by_day (void)
{
  g_autofree char *name = NULL;
  gint64 a, b;
  g_autoptr(QrsDatabase) database = charts_database (&name, &a, &b);
  g_autoptr(QrsScanStore) store = qrs_scan_store_new (database);
  g_autoptr(GArray) days = NULL;
  g_autoptr(GError) error = NULL;
  GDate first, last;
  QrsScanTotals totals;
  QrsScanDay *day;

  g_date_clear (&first, 1);
  g_date_clear (&last, 1);
  g_date_set_dmy (&first, 31, 12, 2023);
  g_date_set_dmy (&last, 7, 1, 2024);

  days = qrs_scan_store_count_by_day (store, a, &first, &last, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (days->len, ==, 8);
  day = &g_array_index (days, QrsScanDay, 0);
  g_assert_cmpint (g_date_get_day (&day->day), ==, 31);
  g_assert_cmpuint (day->scans, ==, 0);
  day = &g_array_index (days, QrsScanDay, 1);
  g_assert_cmpint (g_date_get_year (&day->day), ==, 2024);
  g_assert_cmpint (g_date_get_day (&day->day), ==, 1);
  g_assert_cmpuint (day->scans, ==, 3);
  g_assert_cmpuint (day->visitors, ==, 3);
  day = &g_array_index (days, QrsScanDay, 3);
  g_assert_cmpuint (day->scans, ==, 1);
  g_assert_cmpuint (day->bots, ==, 1);
  day = &g_array_index (days, QrsScanDay, 7);
  g_assert_cmpuint (day->scans, ==, 0);
  g_clear_pointer (&days, g_array_unref);

  /* All codes. */
  days = qrs_scan_store_count_by_day (store, 0, &first, &last, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_array_index (days, QrsScanDay, 7).scans, ==, 1);

  g_assert_true (qrs_scan_store_get_totals (store, a, &first, &last, &totals, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (totals.scans, ==, 4);
  g_assert_cmpuint (totals.visitors, ==, 4);
  g_assert_cmpuint (totals.bots, ==, 1);

  g_assert_true (qrs_scan_store_get_totals (store, 0, &first, &last, &totals, NULL, &error));
  g_assert_cmpuint (totals.scans, ==, 5);

  /* A reversed range is an error, not an empty chart. */
  g_clear_pointer (&days, g_array_unref);
  days = qrs_scan_store_count_by_day (store, a, &last, &first, NULL, &error);
  g_assert_null (days);
  g_assert_error (error, QRS_DATABASE_ERROR, QRS_DATABASE_ERROR_INVALID);
}

static void
assert_count (GArray     *counts,
              guint       index,
              const char *label,
              guint64     scans)
{
  QrsScanCount *count;

  g_assert_cmpuint (index, <, counts->len);
  count = &g_array_index (counts, QrsScanCount, index);
  g_assert_cmpstr (count->label, ==, label);
  g_assert_cmpuint (count->scans, ==, scans);
}

static void
test_count_by (void)
{
  g_autofree char *name = NULL;
  gint64 a, b;
  g_autoptr(QrsDatabase) database = charts_database (&name, &a, &b);
  g_autoptr(QrsScanStore) store = qrs_scan_store_new (database);
  g_autoptr(GArray) counts = NULL;
  g_autoptr(GError) error = NULL;
  GDate first, last;

  g_date_clear (&first, 1);
  g_date_clear (&last, 1);
  g_date_set_dmy (&first, 1, 1, 2024);
  g_date_set_dmy (&last, 31, 1, 2024);

  counts = qrs_scan_store_count_by (store, QRS_SCAN_DIMENSION_DEVICE, a, &first, &last, 0, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (counts->len, ==, 2);
  assert_count (counts, 0, "Smartphone", 3);
  assert_count (counts, 1, "Desktop", 1);
  g_clear_pointer (&counts, g_array_unref);

  counts = qrs_scan_store_count_by (store, QRS_SCAN_DIMENSION_OS, 0, &first, &last, 2, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (counts->len, ==, 2);
  assert_count (counts, 0, "iOS", 2);
  g_clear_pointer (&counts, g_array_unref);

  counts = qrs_scan_store_count_by (store, QRS_SCAN_DIMENSION_BROWSER, b, &first, &last, 0, NULL, &error);
  g_assert_no_error (error);
  assert_count (counts, 0, "Safari", 1);
  g_clear_pointer (&counts, g_array_unref);

  counts = qrs_scan_store_count_by (store, QRS_SCAN_DIMENSION_LANGUAGE, 0, &first, &last, 0, NULL, &error);
  g_assert_no_error (error);
  assert_count (counts, 0, "es-ES", 5);
  g_clear_pointer (&counts, g_array_unref);

  counts = qrs_scan_store_count_by (store, QRS_SCAN_DIMENSION_REFERRER, 0, &first, &last, 0, NULL, &error);
  g_assert_no_error (error);
  assert_count (counts, 0, "news.example.edu", 5);
}

static void
test_count_by_hour (void)
{
  g_autofree char *name = NULL;
  gint64 a, b;
  g_autoptr(QrsDatabase) database = charts_database (&name, &a, &b);
  g_autoptr(QrsScanStore) store = qrs_scan_store_new (database);
  g_autofree QrsScanHeatmap *utc = NULL;
  g_autofree QrsScanHeatmap *madrid = NULL;
  g_autofree QrsScanHeatmap *none = NULL;
  g_autoptr(GError) error = NULL;
  GDate first, last;

  g_date_clear (&first, 1);
  g_date_clear (&last, 1);
  g_date_set_dmy (&first, 1, 1, 2024);
  g_date_set_dmy (&last, 31, 1, 2024);

  utc = qrs_scan_store_count_by_hour (store, a, &first, &last, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (utc->counts[0][9], ==, 2);      /* Monday 09:00 */
  g_assert_cmpuint (utc->counts[0][23], ==, 1);     /* Monday 23:00 */
  g_assert_cmpuint (utc->counts[2][12], ==, 1);     /* Wednesday, the bot left out */

  /* An hour later in Madrid in winter: Monday 23:00 becomes Tuesday 00:00. */
  madrid = qrs_scan_store_count_by_hour (store, a, &first, &last, "Europe/Madrid", NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (madrid->counts[0][10], ==, 2);
  g_assert_cmpuint (madrid->counts[0][23], ==, 0);
  g_assert_cmpuint (madrid->counts[1][0], ==, 1);

  none = qrs_scan_store_count_by_hour (store, a, &first, &last, "Mars/Olympus_Mons", NULL, &error);
  g_assert_null (none);
  g_assert_error (error, QRS_DATABASE_ERROR, QRS_DATABASE_ERROR_INVALID);
}

static char *
export (QrsScanStore *store,
        gint64        code_id,
        GDateTime    *since,
        GDateTime    *until,
        guint64      *n_rows)
{
  g_autoptr(GOutputStream) stream = g_memory_output_stream_new_resizable ();
  g_autoptr(GError) error = NULL;

  g_assert_true (qrs_scan_store_export_csv (store, code_id, since, until, stream, n_rows, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (g_output_stream_write_all (stream, "", 1, NULL, NULL, NULL));
  g_output_stream_close (stream, NULL, NULL);
  return g_memory_output_stream_steal_data (G_MEMORY_OUTPUT_STREAM (stream));
}

static void
test_export_csv (void)
{
  g_autofree char *name = NULL;
  gint64 a, b;
  g_autoptr(QrsDatabase) database = charts_database (&name, &a, &b);
  g_autoptr(QrsScanStore) store = qrs_scan_store_new (database);
  g_autoptr(QrsCodeStore) codes = qrs_code_store_new (database);
  g_autoptr(QrsCode) code_b = NULL;
  g_autoptr(GPtrArray) odd = g_ptr_array_new_with_free_func ((GDestroyNotify)qrs_scan_free);
  g_autoptr(GDateTime) since = g_date_time_new_utc (2024, 1, 2, 0, 0, 0);
  g_autoptr(GDateTime) until = g_date_time_new_utc (2024, 1, 7, 0, 0, 0);
  g_autoptr(GError) error = NULL;
  g_autofree char *all = NULL;
  g_autofree char *some = NULL;
  g_autofree char *only_b = NULL;
  g_autofree char *expected_b = NULL;
  g_auto(GStrv) lines = NULL;
  QrsScan *scan;
  guint64 n_rows = 0;

  scan = make_scan (a, 2024, 1, 5, 10, "Smartphone", "iOS", "Safari", FALSE, 1);
  g_free (scan->user_agent);
  scan->user_agent = g_strdup ("=HYPERLINK(\"http://evil\"),\"quoted\", comma");
  g_free (scan->referrer_host);
  scan->referrer_host = g_strdup ("@sum");
  g_ptr_array_add (odd, scan);
  g_assert_cmpuint (insert (store, odd), ==, 1);

  all = export (store, 0, NULL, NULL, &n_rows);
  g_assert_cmpuint (n_rows, ==, 7);
  lines = g_strsplit (all, "\r\n", -1);
  g_assert_cmpuint (g_strv_length (lines), ==, 9);   /* header, 7 rows, "" */
  g_assert_cmpstr (lines[0], ==, "event_id,code_id,short_id,scanned_at,device,os,os_version,browser,"
                                 "browser_version,is_bot,referrer_host,language,user_agent");
  g_assert_true (g_str_has_suffix (lines[1], ",2024-01-01T09:17:42.500000Z,Smartphone,iOS,17.1,Safari,"
                                             "120.0,false,news.example.edu,es-ES,Mozilla/5.0 (Smartphone; iOS) Safari"));
  /* Formulas are defused, quotes doubled, commas quoted. */
  g_assert_true (g_str_has_suffix (lines[6], ",false,'@sum,es-ES,\"'=HYPERLINK(\"\"http://evil\"\"),\"\"quoted\"\", comma\""));
  g_assert_true (strstr (lines[4], ",true,") != NULL || strstr (lines[5], ",true,") != NULL);

  some = export (store, 0, since, until, &n_rows);
  g_assert_cmpuint (n_rows, ==, 3);

  code_b = qrs_code_store_get (codes, b, NULL, &error);
  g_assert_no_error (error);
  only_b = export (store, b, NULL, NULL, &n_rows);
  g_assert_cmpuint (n_rows, ==, 1);
  expected_b = g_strdup_printf (",%" G_GINT64_FORMAT ",%s,2024-01-07T18:", b, qrs_code_get_short_id (code_b));
  g_assert_nonnull (strstr (only_b, expected_b));
}

/* After the user agents are classified anew, the rollups follow. */
static void
test_rebuild_rollups (void)
{
  g_autofree char *name = NULL;
  gint64 a, b;
  g_autoptr(QrsDatabase) database = charts_database (&name, &a, &b);
  g_autofree char *before = daily (name, a);
  g_autofree char *after = NULL;
  g_autofree char *rebuilt = NULL;

  g_assert_cmpstr (before, ==, "2024-01-01:3/3/0 2024-01-03:1/1/1");

  PQclear (qrs_test_sql (name, "UPDATE scans SET is_bot = true WHERE browser = 'Edge'"));
  rebuilt = qrs_test_sql_value (name, "SELECT qrstudio_rebuild_scan_daily('2024-01-01', '2024-01-31')");
  g_assert_cmpstr (rebuilt, ==, "3");

  after = daily (name, a);
  g_assert_cmpstr (after, ==, "2024-01-01:3/3/0 2024-01-03:0/0/2");
}

static const char iphone_agent[] =
  "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 "
  "(KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1";
static const char googlebot_agent[] =
  "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)";

/* A scan of @agent, stored with whatever analysis the caller gives. */
static QrsScan *
make_agent_scan (gint64      code_id,
                 int         month,
                 int         day,
                 const char *agent,
                 const char *device,
                 gboolean    is_bot,
                 guint8      visitor)
{
  QrsScan *scan = make_scan (code_id, 2024, month, day, 9, device, "Other", "Other", is_bot, visitor);

  g_free (scan->user_agent);
  scan->user_agent = g_strdup (agent);
  return scan;
}

/* One analysis per row: "device os os_version browser browser_version is_bot". */
static void
assert_analyses (const char *dbname,
                 const char *where,
                 const char *expected)
{
  g_autofree char *sql = g_strdup_printf ("SELECT string_agg(concat_ws(' ', device, os, os_version, browser,"
                                          "                            browser_version, is_bot), ', '"
                                          "                  ORDER BY scanned_at)"
                                          "  FROM scans WHERE %s", where);
  g_autofree char *value = qrs_test_sql_value (dbname, sql);

  g_assert_cmpstr (value, ==, expected);
}

static void
assert_daily (const char *dbname,
              gint64      code_id,
              const char *expected)
{
  g_autofree char *value = daily (dbname, code_id);

  g_assert_cmpstr (value, ==, expected);
}

static void
count_progress (guint64  n_classified,
                guint64  n_agents,
                gpointer user_data)
{
  guint64 *last = user_data;

  g_assert_cmpuint (n_classified, <=, n_agents);
  *last = n_classified;
}

/* Scans stored with an analysis the patterns no longer give: an iPhone
 * taken for a desktop, Googlebot for a person. */
static void
test_reclassify (void)
{
  g_autofree char *name = NULL;
  g_autoptr(QrsDatabase) database = qrs_test_open_migrated (&name);
  g_autoptr(QrsScanStore) store = qrs_scan_store_new (database);
  g_autoptr(GPtrArray) scans = g_ptr_array_new_with_free_func ((GDestroyNotify)qrs_scan_free);
  g_autoptr(GDateTime) since = g_date_time_new_utc (2024, 1, 1, 0, 0, 0);
  g_autoptr(GDateTime) until = g_date_time_new_utc (2024, 2, 1, 0, 0, 0);
  g_autoptr(QrsUserAgent) iphone = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *iphone_row = NULL;
  g_autofree char *expected = NULL;
  QrsUserAgentParser *parser;
  QrsScanReclassification result;
  QrsScan *right;
  char os_version[64], browser_version[64];
  guint64 last_progress = 0;
  gint64 code = make_code (database, "Classified again");

  parser = qrs_user_agent_parser_get_default (&error);
  g_assert_no_error (error);

  /* The same iPhone, stored wrong on the 1st and right on the 3rd. */
  iphone = qrs_user_agent_parser_parse (parser, iphone_agent);
  g_assert_cmpstr (qrs_device_class_to_string (iphone->device_class), ==, "mobile");
  g_assert_true (qrs_user_agent_format_os_version (iphone, os_version, sizeof os_version));
  g_assert_true (qrs_user_agent_format_browser_version (iphone, browser_version, sizeof browser_version));
  iphone_row = g_strdup_printf ("mobile %s %s %s %s f", iphone->os_family, os_version,
                                iphone->browser_family, browser_version);

  g_ptr_array_add (scans, make_agent_scan (code, 1, 1, iphone_agent, "desktop", FALSE, 1));
  g_ptr_array_add (scans, make_agent_scan (code, 1, 1, googlebot_agent, "mobile", FALSE, 2));
  right = make_agent_scan (code, 1, 3, iphone_agent, "mobile", FALSE, 1);
  g_free (right->os);
  right->os = g_strdup (iphone->os_family);
  g_free (right->os_version);
  right->os_version = g_strdup (os_version);
  g_free (right->browser);
  right->browser = g_strdup (iphone->browser_family);
  g_free (right->browser_version);
  right->browser_version = g_strdup (browser_version);
  g_ptr_array_add (scans, right);
  /* Outside the range. */
  g_ptr_array_add (scans, make_agent_scan (code, 2, 10, googlebot_agent, "mobile", FALSE, 3));
  g_assert_cmpuint (insert (store, scans), ==, 4);
  assert_daily (name, code, "2024-01-01:2/2/0 2024-01-03:1/1/0 2024-02-10:1/1/0");

  /* A dry run counts and changes nothing. */
  g_assert_true (qrs_scan_store_reclassify (store, parser, since, until, TRUE, &result,
                                            count_progress, &last_progress, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (result.n_scans, ==, 3);
  g_assert_cmpuint (result.n_agents, ==, 2);
  g_assert_cmpuint (result.n_changed, ==, 2);
  g_assert_cmpuint (result.n_days, ==, 1);
  g_assert_cmpuint (last_progress, ==, 2);
  assert_analyses (name, "device = 'desktop'", "desktop Other 17.1 Other 120.0 f");
  assert_daily (name, code, "2024-01-01:2/2/0 2024-01-03:1/1/0 2024-02-10:1/1/0");

  g_assert_true (qrs_scan_store_reclassify (store, parser, since, until, FALSE, &result,
                                            NULL, NULL, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (result.n_changed, ==, 2);
  g_assert_cmpuint (result.n_days, ==, 1);
  expected = g_strdup_printf ("%s, bot Other Googlebot 2.1 t, %s", iphone_row, iphone_row);
  assert_analyses (name, "scanned_at < '2024-02-01'", expected);
  /* Googlebot counts as a bot on the 1st; February is left alone. */
  assert_daily (name, code, "2024-01-01:1/1/1 2024-01-03:1/1/0 2024-02-10:1/1/0");
  assert_analyses (name, "scanned_at >= '2024-02-01'", "mobile Other 17.1 Other 120.0 f");

  /* Again: nothing left to change. */
  g_assert_true (qrs_scan_store_reclassify (store, parser, since, until, FALSE, &result,
                                            NULL, NULL, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (result.n_changed, ==, 0);
  g_assert_cmpuint (result.n_days, ==, 0);

  /* No range: every scan. */
  g_assert_true (qrs_scan_store_reclassify (store, parser, NULL, NULL, FALSE, &result,
                                            NULL, NULL, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (result.n_scans, ==, 4);
  g_assert_cmpuint (result.n_changed, ==, 1);
  assert_daily (name, code, "2024-01-01:1/1/1 2024-01-03:1/1/0 2024-02-10:0/0/1");
}

static void
done_cb (GObject      *object,
         GAsyncResult *result,
         gpointer      user_data)
{
  *(GAsyncResult **)user_data = g_object_ref (result);
}

static gboolean
is_set (gpointer data)
{
  return *(gpointer *)data != NULL;
}

static GAsyncResult *
wait_result (GAsyncResult **slot)
{
  g_assert_true (qrs_test_wait_for (is_set, slot, 30000));
  return *slot;
}

static void
test_async (void)
{
  g_autofree char *name = NULL;
  g_autoptr(QrsDatabase) database = qrs_test_open_migrated (&name);
  g_autoptr(QrsScanStore) store = qrs_scan_store_new (database);
  gint64 code = make_code (database, "Async charts");
  g_autoptr(GPtrArray) scans = two_days (code);
  g_autoptr(GArray) days = NULL;
  g_autoptr(GArray) counts = NULL;
  g_autofree QrsScanHeatmap *heatmap = NULL;
  g_autoptr(GOutputStream) stream = g_memory_output_stream_new_resizable ();
  g_autoptr(GError) error = NULL;
  GAsyncResult *results[6] = { NULL };
  QrsScanTotals totals;
  GDate first, last;
  guint n_inserted = 0;
  guint64 n_rows = 0;

  g_date_clear (&first, 1);
  g_date_clear (&last, 1);
  g_date_set_dmy (&first, 1, 1, 2024);
  g_date_set_dmy (&last, 2, 1, 2024);

  qrs_scan_store_insert_async (store, scans, NULL, done_cb, &results[0]);
  g_assert_true (qrs_scan_store_insert_finish (store, wait_result (&results[0]), &n_inserted, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (n_inserted, ==, 5);

  qrs_scan_store_count_by_day_async (store, code, &first, &last, NULL, done_cb, &results[1]);
  days = qrs_scan_store_count_by_day_finish (store, wait_result (&results[1]), &error);
  g_assert_no_error (error);
  g_assert_cmpuint (days->len, ==, 2);

  qrs_scan_store_get_totals_async (store, code, &first, &last, NULL, done_cb, &results[2]);
  g_assert_true (qrs_scan_store_get_totals_finish (store, wait_result (&results[2]), &totals, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (totals.scans, ==, 4);
  g_assert_cmpuint (totals.visitors, ==, 3);
  g_assert_cmpuint (totals.bots, ==, 1);

  qrs_scan_store_count_by_async (store, QRS_SCAN_DIMENSION_OS, code, &first, &last, 0, NULL,
                                 done_cb, &results[3]);
  counts = qrs_scan_store_count_by_finish (store, wait_result (&results[3]), &error);
  g_assert_no_error (error);
  assert_count (counts, 0, "Android", 2);

  qrs_scan_store_count_by_hour_async (store, code, &first, &last, "UTC", NULL, done_cb, &results[4]);
  heatmap = qrs_scan_store_count_by_hour_finish (store, wait_result (&results[4]), &error);
  g_assert_no_error (error);
  g_assert_cmpuint (heatmap->counts[1][23], ==, 1);

  qrs_scan_store_export_csv_async (store, code, NULL, NULL, stream, NULL, done_cb, &results[5]);
  g_assert_true (qrs_scan_store_export_csv_finish (store, wait_result (&results[5]), &n_rows, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (n_rows, ==, 5);

  for (guint i = 0; i < G_N_ELEMENTS (results); i++)
    g_clear_object (&results[i]);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  qrs_test_require_server ();

  g_test_add_func ("/scan-store/insert-and-rollup", test_insert_and_rollup);
  g_test_add_func ("/scan-store/idempotent", test_idempotent);
  g_test_add_func ("/scan-store/copy-in-pieces", test_copy_in_pieces);
  g_test_add_func ("/scan-store/maintain", test_maintain);
  g_test_add_func ("/scan-store/notify-codes", test_notify_codes);
  g_test_add_func ("/scan-store/visitors-across-batches", test_visitors_across_batches);
  g_test_add_func ("/scan-store/partitions", test_partitions);
  g_test_add_func ("/scan-store/text-fields", test_text_fields);
  g_test_add_func ("/scan-store/timestamps", test_timestamps);
  g_test_add_func ("/scan-store/invalid-rows-skipped", test_invalid_rows_skipped);
  g_test_add_func ("/scan-store/count-by-day", test_count_by_day);
  g_test_add_func ("/scan-store/count-by", test_count_by);
  g_test_add_func ("/scan-store/count-by-hour", test_count_by_hour);
  g_test_add_func ("/scan-store/export-csv", test_export_csv);
  g_test_add_func ("/scan-store/rebuild-rollups", test_rebuild_rollups);
  g_test_add_func ("/scan-store/reclassify", test_reclassify);
  g_test_add_func ("/scan-store/async", test_async);

  return g_test_run ();
}
