/* test-spool.c — the spool keeps every record, and survives damage
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "qrs-scan-writer.h"
#include "qrs-spool.h"

typedef struct
{
  char *dir;
} Fixture;

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  fixture->dir = g_dir_make_tmp ("qrs-spool-XXXXXX", NULL);
  g_assert_nonnull (fixture->dir);
}

static void
remove_tree (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);
      if (g_file_test (child, G_FILE_TEST_IS_DIR))
        remove_tree (child);
      else
        g_unlink (child);
    }
  g_rmdir (path);
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  remove_tree (fixture->dir);
  g_free (fixture->dir);
}

static void
make_record (QrsScanRecord *record,
             guint          i)
{
  memset (record, 0, sizeof *record);
  qrs_scan_record_new_event_id (record->event_id, g_get_real_time ());
  record->code_id = 1000 + i;
  record->scanned_at = 1700000000000000 + i;
  memset (record->visitor_hash, (int)i, sizeof record->visitor_hash);
  record->user_agent = g_strdup_printf ("Agent/%u (ñ)", i);
  record->referrer_host = i % 2 ? g_strdup ("example.org") : NULL;
  record->language = i % 3 ? g_strdup ("es") : NULL;
}

static GArray *
new_records (void)
{
  GArray *records = g_array_new (FALSE, TRUE, sizeof (QrsScanRecord));

  g_array_set_clear_func (records, (GDestroyNotify)qrs_scan_record_clear);
  return records;
}

static void
append_n (QrsSpool *spool,
          guint     first,
          guint     n)
{
  for (guint i = first; i < first + n; i++)
    {
      QrsScanRecord record;

      make_record (&record, i);
      g_assert_cmpint (qrs_spool_append (spool, &record), ==, QRS_SPOOL_APPENDED);
      qrs_scan_record_clear (&record);
    }
}

static GPtrArray *
list_segments (const char *dir)
{
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  GPtrArray *names = g_ptr_array_new_with_free_func (g_free);
  const char *name;

  while ((name = g_dir_read_name (d)) != NULL)
    if (g_str_has_suffix (name, ".spool"))
      g_ptr_array_add (names, g_build_filename (dir, name, NULL));
  g_ptr_array_sort (names, (GCompareFunc)g_strcmp0);
  return names;
}

static void
test_spool_round_trip (Fixture       *fixture,
                       gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(QrsSpool) spool = NULL;
  g_autoptr(GArray) records = new_records ();
  QrsSpoolPosition position;
  guint n;

  spool = qrs_spool_open (fixture->dir, 1 << 20, 1 << 20, &error);
  g_assert_no_error (error);
  append_n (spool, 0, 10);
  g_assert_true (qrs_spool_sync (spool, &error));
  g_assert_cmpuint (qrs_spool_get_appended (spool), ==, 10);

  qrs_spool_get_ledger (spool, &position);
  g_assert_true (qrs_spool_has_pending (spool, &position));
  n = qrs_spool_read (spool, &position, 100, records, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (n, ==, 10);
  g_assert_false (qrs_spool_has_pending (spool, &position));

  for (guint i = 0; i < 10; i++)
    {
      QrsScanRecord *r = &g_array_index (records, QrsScanRecord, i);

      g_assert_cmpint (r->code_id, ==, 1000 + i);
      g_assert_cmpint (r->scanned_at, ==, 1700000000000000 + i);
      g_assert_cmpuint (r->visitor_hash[15], ==, i);
      g_assert_cmpuint (r->event_id[6] >> 4, ==, 7);   /* UUID version 7 */
      g_assert_cmpuint (r->event_id[8] >> 6, ==, 2);   /* RFC 4122 variant */
      {
        g_autofree char *ua = g_strdup_printf ("Agent/%u (ñ)", i);
        g_assert_cmpstr (r->user_agent, ==, ua);
      }
      g_assert_cmpstr (r->referrer_host, ==, i % 2 ? "example.org" : NULL);
      g_assert_cmpstr (r->language, ==, i % 3 ? "es" : NULL);
    }

  /* Reading in small steps gives the same records in the same order. */
  g_array_set_size (records, 0);
  qrs_spool_get_ledger (spool, &position);
  for (guint i = 0; i < 5; i++)
    g_assert_cmpuint (qrs_spool_read (spool, &position, 2, records, &error), ==, 2);
  g_assert_cmpuint (qrs_spool_read (spool, &position, 2, records, &error), ==, 0);
  g_assert_cmpint (g_array_index (records, QrsScanRecord, 9).code_id, ==, 1009);
  g_assert_finalize_object (g_steal_pointer (&spool));
}

static void
test_spool_ledger_survives_restart (Fixture       *fixture,
                                    gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) records = new_records ();
  QrsSpoolPosition position;
  QrsSpool *spool;

  spool = qrs_spool_open (fixture->dir, 1 << 20, 1 << 20, &error);
  g_assert_no_error (error);
  append_n (spool, 0, 6);
  qrs_spool_get_ledger (spool, &position);
  g_assert_cmpuint (qrs_spool_read (spool, &position, 4, records, &error), ==, 4);
  g_assert_true (qrs_spool_commit (spool, &position, &error));
  g_assert_no_error (error);
  g_object_unref (spool);

  /* Only the two uncommitted records come back, then the new ones. */
  spool = qrs_spool_open (fixture->dir, 1 << 20, 1 << 20, &error);
  g_assert_no_error (error);
  append_n (spool, 100, 3);
  g_array_set_size (records, 0);
  qrs_spool_get_ledger (spool, &position);
  g_assert_cmpuint (qrs_spool_read (spool, &position, 100, records, &error), ==, 5);
  g_assert_cmpint (g_array_index (records, QrsScanRecord, 0).code_id, ==, 1004);
  g_assert_cmpint (g_array_index (records, QrsScanRecord, 1).code_id, ==, 1005);
  g_assert_cmpint (g_array_index (records, QrsScanRecord, 2).code_id, ==, 1100);
  g_assert_cmpint (g_array_index (records, QrsScanRecord, 4).code_id, ==, 1102);

  /* Committing past the old segment deletes it. */
  g_assert_true (qrs_spool_commit (spool, &position, &error));
  {
    g_autoptr(GPtrArray) segments = list_segments (fixture->dir);
    g_assert_cmpuint (segments->len, ==, 1);
  }
  g_assert_finalize_object (spool);
}

/* CRC-32 as the format defines it (IEEE, reflected), bit by bit: what
 * every version of the daemon has written, whatever computes it. */
static guint32
reference_crc32 (const guint8 *data,
                 gsize         length)
{
  guint32 crc = 0xFFFFFFFFu;

  for (gsize i = 0; i < length; i++)
    {
      crc ^= data[i];
      for (int k = 0; k < 8; k++)
        crc = (crc >> 1) ^ (0xEDB88320u & -(crc & 1));
    }
  return ~crc;
}

static void
test_spool_record_format (Fixture       *fixture,
                          gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(QrsSpool) spool = qrs_spool_open (fixture->dir, 1 << 20, 1 << 20, &error);
  g_autoptr(GPtrArray) segments = NULL;
  g_autofree char *contents = NULL;
  gsize length;
  gsize offset = 0;
  guint n = 0;

  g_assert_no_error (error);
  append_n (spool, 0, 20);
  g_assert_true (qrs_spool_sync (spool, &error));

  segments = list_segments (fixture->dir);
  g_assert_cmpuint (segments->len, ==, 1);
  g_assert_true (g_file_get_contents (g_ptr_array_index (segments, 0), &contents, &length, NULL));

  /* Magic "QRS1", payload length, CRC-32 of the payload; little-endian. */
  while (offset < length)
    {
      const guint8 *record = (const guint8 *)contents + offset;
      guint32 payload;
      guint32 crc;

      g_assert_cmpuint (length - offset, >=, 12);
      g_assert_cmpmem (record, 4, "QRS1", 4);
      memcpy (&payload, record + 4, 4);
      memcpy (&crc, record + 8, 4);
      payload = GUINT32_FROM_LE (payload);
      crc = GUINT32_FROM_LE (crc);
      g_assert_cmpuint (offset + 12 + payload, <=, length);
      g_assert_cmphex (crc, ==, reference_crc32 (record + 12, payload));
      offset += 12 + payload;
      n++;
    }
  g_assert_cmpuint (n, ==, 20);
  /* The check itself: the standard check value of CRC-32. */
  g_assert_cmphex (reference_crc32 ((const guint8 *)"123456789", 9), ==, 0xCBF43926);
}

static void
truncate_last_segment (const char *dir,
                       goffset     cut)
{
  g_autoptr(GPtrArray) segments = list_segments (dir);
  const char *last = g_ptr_array_index (segments, segments->len - 1);
  struct stat st;

  g_assert_cmpint (stat (last, &st), ==, 0);
  g_assert_cmpint (truncate (last, st.st_size - cut), ==, 0);
}

static void
test_spool_torn_last_record (Fixture       *fixture,
                             gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) records = new_records ();
  QrsSpoolPosition position;
  QrsSpool *spool;

  if (g_test_subprocess ())
    {
      /* The process dies in the middle of its last write(). */
      spool = qrs_spool_open (fixture->dir, 1 << 20, 1 << 20, &error);
      g_assert_no_error (error);
      append_n (spool, 0, 5);
      g_object_unref (spool);
      truncate_last_segment (fixture->dir, 7);

      spool = qrs_spool_open (fixture->dir, 1 << 20, 1 << 20, &error);
      g_assert_no_error (error);
      append_n (spool, 50, 2);
      qrs_spool_get_ledger (spool, &position);
      g_assert_cmpuint (qrs_spool_read (spool, &position, 100, records, &error), ==, 6);
      g_assert_no_error (error);
      g_assert_cmpint (g_array_index (records, QrsScanRecord, 3).code_id, ==, 1003);
      g_assert_cmpint (g_array_index (records, QrsScanRecord, 4).code_id, ==, 1050);
      g_assert_cmpuint (qrs_spool_get_skipped (spool), ==, 1);
      g_assert_false (qrs_spool_has_pending (spool, &position));
      g_object_unref (spool);
      return;
    }

  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
  g_test_trap_assert_stderr ("*skipped a torn record at byte*");
}

static void
test_spool_damaged_record (Fixture       *fixture,
                           gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) records = new_records ();
  QrsSpoolPosition position;
  QrsSpool *spool;

  if (g_test_subprocess ())
    {
      g_autoptr(GPtrArray) segments = NULL;
      int fd;

      spool = qrs_spool_open (fixture->dir, 1 << 20, 1 << 20, &error);
      g_assert_no_error (error);
      append_n (spool, 0, 3);
      g_object_unref (spool);

      /* Flip one byte inside the first record's payload. */
      segments = list_segments (fixture->dir);
      fd = open (g_ptr_array_index (segments, 0), O_RDWR);
      g_assert_cmpint (fd, >=, 0);
      g_assert_cmpint (pwrite (fd, "\xff", 1, 30), ==, 1);
      close (fd);

      spool = qrs_spool_open (fixture->dir, 1 << 20, 1 << 20, &error);
      g_assert_no_error (error);
      qrs_spool_get_ledger (spool, &position);
      g_assert_cmpuint (qrs_spool_read (spool, &position, 100, records, &error), ==, 2);
      g_assert_cmpint (g_array_index (records, QrsScanRecord, 0).code_id, ==, 1001);
      g_assert_cmpuint (qrs_spool_get_skipped (spool), ==, 1);
      g_object_unref (spool);
      return;
    }

  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
  g_test_trap_assert_stderr ("*skipped a damaged record at byte 0*");
}

static void
test_spool_full (Fixture       *fixture,
                 gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(QrsSpool) spool = NULL;
  QrsScanRecord record;
  guint appended = 0;

  if (!g_test_subprocess ())
    {
      g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
      g_test_trap_assert_passed ();
      g_test_trap_assert_stderr ("*half full*");
      return;
    }

  /* The half-full warning is the point here, not a failure. */
  g_log_set_always_fatal (G_LOG_FATAL_MASK);
  spool = qrs_spool_open (fixture->dir, 2000, 1 << 20, &error);
  g_assert_no_error (error);
  make_record (&record, 1);
  for (guint i = 0; i < 100; i++)
    if (qrs_spool_append (spool, &record) == QRS_SPOOL_APPENDED)
      appended++;
  qrs_scan_record_clear (&record);

  g_assert_cmpuint (appended, >, 0);
  g_assert_cmpuint (appended, <, 100);
  g_assert_cmpuint (qrs_spool_get_dropped (spool), ==, 100 - appended);
  g_assert_cmpuint (qrs_spool_get_bytes (spool), <=, 2000);

  /* Raising the limit lets scans in again. */
  qrs_spool_set_max_bytes (spool, 1 << 20);
  make_record (&record, 2);
  g_assert_cmpint (qrs_spool_append (spool, &record), ==, QRS_SPOOL_APPENDED);
  qrs_scan_record_clear (&record);
}

static guint
count_open_fds (void)
{
  g_autoptr(GDir) dir = g_dir_open ("/proc/self/fd", 0, NULL);
  guint n = 0;

  g_assert_nonnull (dir);
  while (g_dir_read_name (dir) != NULL)
    n++;
  return n;
}

static void
test_spool_segments (Fixture       *fixture,
                     gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(QrsSpool) spool = NULL;
  g_autoptr(GArray) records = new_records ();
  g_autoptr(GPtrArray) before = NULL;
  g_autoptr(GPtrArray) after = NULL;
  QrsSpoolPosition position;

  guint fds_before = count_open_fds ();

  /* Small segments: the spool rotates many times. */
  spool = qrs_spool_open (fixture->dir, 1 << 20, 4096, &error);
  g_assert_no_error (error);
  append_n (spool, 0, 100);
  /* A segment left by a request is synced and closed by the writer's
   * group sync, not by the request. */
  g_assert_true (qrs_spool_sync (spool, &error));
  g_assert_no_error (error);
  append_n (spool, 100, 100);
  before = list_segments (fixture->dir);
  g_assert_cmpuint (before->len, >, 3);

  qrs_spool_get_ledger (spool, &position);
  g_assert_cmpuint (qrs_spool_read (spool, &position, 1000, records, &error), ==, 200);
  for (guint i = 0; i < 200; i++)
    g_assert_cmpint (g_array_index (records, QrsScanRecord, i).code_id, ==, 1000 + i);
  g_assert_true (qrs_spool_commit (spool, &position, &error));
  after = list_segments (fixture->dir);
  g_assert_cmpuint (after->len, ==, 1);
  g_assert_cmpuint (qrs_spool_get_bytes (spool), <, 4096 + 1024);

  /* Every segment the rotations left behind was closed. */
  g_clear_object (&spool);
  g_assert_cmpuint (count_open_fds (), ==, fds_before);
}

typedef struct
{
  QrsSpool *spool;
  guint     n;
  gint      done;   /* atomic */
} Appender;

static gpointer
appender_thread (gpointer data)
{
  Appender *appender = data;

  append_n (appender->spool, 0, appender->n);
  g_atomic_int_set (&appender->done, TRUE);
  return NULL;
}

/* Requests rotate the spool while the writer syncs the segment they
 * leave, twice over with segments this small: the writer's descriptor
 * is neither closed under it nor left open, and every record is kept. */
static void
test_spool_rotations_during_sync (Fixture       *fixture,
                                  gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(QrsSpool) spool = NULL;
  g_autoptr(GArray) records = new_records ();
  g_autoptr(GThread) thread = NULL;
  Appender appender = { NULL, 3000, FALSE };
  QrsSpoolPosition position;
  guint fds_before = count_open_fds ();
  guint syncs = 0;

  /* A segment holds a dozen records. */
  spool = qrs_spool_open (fixture->dir, 1 << 24, 1, &error);
  g_assert_no_error (error);
  appender.spool = spool;
  thread = g_thread_new ("appender", appender_thread, &appender);
  while (!g_atomic_int_get (&appender.done))
    {
      g_assert_true (qrs_spool_sync (spool, &error));
      g_assert_no_error (error);
      syncs++;
    }
  g_thread_join (g_steal_pointer (&thread));
  g_assert_true (qrs_spool_sync (spool, &error));
  g_assert_cmpuint (syncs, >, 1);

  qrs_spool_get_ledger (spool, &position);
  g_assert_cmpuint (qrs_spool_read (spool, &position, appender.n + 1, records, &error), ==, appender.n);
  g_assert_no_error (error);
  for (guint i = 0; i < appender.n; i++)
    g_assert_cmpint (g_array_index (records, QrsScanRecord, i).code_id, ==, 1000 + i);

  g_clear_object (&spool);
  g_assert_cmpuint (count_open_fds (), ==, fds_before);
}

/* Descriptors run out under a flood of connections, and that is just
 * when scans keep coming: the group sync must not need one of its own,
 * or answered scans are never made durable for as long as it lasts. */
static void
test_spool_sync_without_descriptors (Fixture       *fixture,
                                     gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(QrsSpool) spool = NULL;
  g_autoptr(GArray) fillers = g_array_new (FALSE, FALSE, sizeof (int));
  struct rlimit saved;
  struct rlimit lowered;
  gboolean synced;
  int fd;

  spool = qrs_spool_open (fixture->dir, 1 << 20, 1 << 20, &error);
  g_assert_no_error (error);
  append_n (spool, 0, 10);

  /* A low limit, so that filling the table takes few descriptors. */
  g_assert_cmpint (getrlimit (RLIMIT_NOFILE, &saved), ==, 0);
  lowered = saved;
  lowered.rlim_cur = MIN (saved.rlim_cur, 256);
  g_assert_cmpint (setrlimit (RLIMIT_NOFILE, &lowered), ==, 0);
  while ((fd = dup (STDERR_FILENO)) >= 0)
    g_array_append_val (fillers, fd);
  g_assert_cmpint (errno, ==, EMFILE);

  append_n (spool, 10, 10);
  synced = qrs_spool_sync (spool, &error);

  for (guint i = 0; i < fillers->len; i++)
    close (g_array_index (fillers, int, i));
  g_assert_cmpint (setrlimit (RLIMIT_NOFILE, &saved), ==, 0);

  g_assert_no_error (error);
  g_assert_true (synced);
}

static void
test_spool_damaged_ledger (Fixture       *fixture,
                           gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *ledger = g_build_filename (fixture->dir, "ledger", NULL);
  QrsSpool *spool;

  g_assert_true (g_file_set_contents (ledger, "nonsense", -1, NULL));
  spool = qrs_spool_open (fixture->dir, 1 << 20, 1 << 20, &error);
  g_assert_null (spool);
  g_assert_error (error, QRS_SPOOL_ERROR, QRS_SPOOL_ERROR_LEDGER);
}

/* A full or failing disk fails every append, thousands a second in
 * production: each is counted, but the log says so once, not once per
 * scan. */
static void
test_spool_failing_disk_warns_once (Fixture       *fixture,
                                    gconstpointer  data)
{
  if (g_test_subprocess ())
    {
      struct rlimit limit = { 4096, 4096 };
      g_autoptr(GError) error = NULL;
      g_autoptr(QrsSpool) spool = NULL;
      guint failed = 0;

      spool = qrs_spool_open (fixture->dir, 1 << 20, 1 << 20, &error);
      g_assert_no_error (error);

      /* Past 4 KiB a write fails with EFBIG, as on a full disk. */
      signal (SIGXFSZ, SIG_IGN);
      g_assert_cmpint (setrlimit (RLIMIT_FSIZE, &limit), ==, 0);
      g_log_set_always_fatal (G_LOG_FATAL_MASK);
      for (guint i = 0; i < 200; i++)
        {
          QrsScanRecord record;

          make_record (&record, i);
          if (qrs_spool_append (spool, &record) == QRS_SPOOL_FAILED)
            failed++;
          qrs_scan_record_clear (&record);
        }
      g_assert_cmpuint (failed, >, 100);
      g_assert_cmpuint (qrs_spool_get_dropped (spool), ==, failed);
      return;
    }

  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
  g_test_trap_assert_stderr ("*Cannot write a scan to the spool: File too large*");
  g_test_trap_assert_stderr_unmatched ("*Cannot write a scan*Cannot write a scan*");
}

static void
test_uuid_text (void)
{
  const guint8 uuid[16] = { 0x01, 0x9a, 0x2b, 0x3c, 0x4d, 0x5e, 0x7f, 0x60,
                            0x81, 0x92, 0xa3, 0xb4, 0xc5, 0xd6, 0xe7, 0xf8 };
  g_autofree char *text = qrs_uuid_to_string (uuid);

  g_assert_cmpstr (text, ==, "019a2b3c-4d5e-7f60-8192-a3b4c5d6e7f8");
  g_assert_true (g_uuid_string_is_valid (text));
}

/* The writer classifies each user agent once and lends the answer to
 * every row with it.  Past a few thousand kinds it starts its table
 * again, and rows kept from a failed commit must not be left pointing
 * into the old one: under AddressSanitizer that would be a read of
 * freed memory here. */
typedef struct
{
  QrsUserAgentParser *parser;
  guint               calls;
  guint               rows;
} WriterCheck;

#define IPHONE "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15" \
               " (KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1"

static gboolean
check_rows (const QrsScanRow  *rows,
            guint              n_rows,
            gpointer           user_data,
            GError           **error)
{
  WriterCheck *check = user_data;

  for (guint i = 0; i < n_rows; i++)
    {
      g_autoptr(QrsUserAgent) expected = qrs_user_agent_parser_parse (check->parser,
                                                                      rows[i].record.user_agent);

      g_assert_nonnull (rows[i].agent);
      g_assert_cmpstr (rows[i].agent->browser_family, ==, expected->browser_family);
      g_assert_cmpstr (rows[i].agent->os_family, ==, expected->os_family);
      g_assert_cmpstr (rows[i].agent->os_major, ==, expected->os_major);
      g_assert_cmpint (rows[i].agent->device_class, ==, expected->device_class);
    }

  /* The first commit fails, as if the database went away. */
  if (check->calls++ == 0)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED, "away for the test");
      return FALSE;
    }
  check->rows += n_rows;
  return TRUE;
}

static void
test_writer_lends_agents (Fixture       *fixture,
                          gconstpointer  data)
{
  const QrsScanWriterOptions options = { 1000, 10, 8, 10, 100, 50 };
  const guint n = 240;
  g_autoptr(GError) error = NULL;
  g_autoptr(QrsSpool) spool = qrs_spool_open (fixture->dir, 64 << 20, 16 << 20, &error);
  g_autoptr(QrsScanWriter) writer = NULL;
  WriterCheck check = { 0 };
  GLogLevelFlags fatal;
  gint64 deadline;

  g_assert_no_error (error);
  check.parser = qrs_user_agent_parser_get_default (&error);
  g_assert_no_error (error);

  /* A third from one phone, the rest each their own: over 50 kinds. */
  for (guint i = 0; i < n; i++)
    {
      QrsScanRecord record;

      make_record (&record, i);
      if (i % 3 == 0)
        {
          g_free (record.user_agent);
          record.user_agent = g_strdup (IPHONE);
        }
      g_assert_cmpint (qrs_spool_append (spool, &record), ==, QRS_SPOOL_APPENDED);
      qrs_scan_record_clear (&record);
    }

  /* The failed commit's warning is expected; the logs are structured,
   * which g_test_expect_message() does not see. */
  fatal = g_log_set_always_fatal (G_LOG_FATAL_MASK);
  writer = qrs_scan_writer_new (spool, check.parser, &options);
  qrs_scan_writer_set_ingest (writer, check_rows, &check, NULL);
  qrs_scan_writer_start (writer);
  deadline = g_get_monotonic_time () + 20 * G_USEC_PER_SEC;
  while (qrs_scan_writer_get_written (writer) < n && g_get_monotonic_time () < deadline)
    g_usleep (10000);
  qrs_scan_writer_stop (writer, 1000);
  g_log_set_always_fatal (fatal);

  g_assert_cmpuint (check.rows, ==, n);
  g_assert_cmpuint (check.calls, >=, 2);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add ("/spool/round-trip", Fixture, NULL, fixture_set_up, test_spool_round_trip, fixture_tear_down);
  g_test_add ("/spool/record-format", Fixture, NULL, fixture_set_up, test_spool_record_format, fixture_tear_down);
  g_test_add ("/spool/ledger-survives-restart", Fixture, NULL, fixture_set_up,
              test_spool_ledger_survives_restart, fixture_tear_down);
  g_test_add ("/spool/torn-last-record", Fixture, NULL, fixture_set_up, test_spool_torn_last_record, fixture_tear_down);
  g_test_add ("/spool/damaged-record", Fixture, NULL, fixture_set_up, test_spool_damaged_record, fixture_tear_down);
  g_test_add ("/spool/full", Fixture, NULL, fixture_set_up, test_spool_full, fixture_tear_down);
  g_test_add ("/spool/segments", Fixture, NULL, fixture_set_up, test_spool_segments, fixture_tear_down);
  g_test_add ("/spool/damaged-ledger", Fixture, NULL, fixture_set_up, test_spool_damaged_ledger, fixture_tear_down);
  g_test_add ("/spool/sync-without-descriptors", Fixture, NULL, fixture_set_up,
              test_spool_sync_without_descriptors, fixture_tear_down);
  g_test_add ("/spool/rotations-during-sync", Fixture, NULL, fixture_set_up,
              test_spool_rotations_during_sync, fixture_tear_down);

  g_test_add ("/spool/failing-disk-warns-once", Fixture, NULL, fixture_set_up,
              test_spool_failing_disk_warns_once, fixture_tear_down);

  g_test_add_func ("/spool/uuid-text", test_uuid_text);
  g_test_add ("/spool/writer-lends-agents", Fixture, NULL, fixture_set_up,
              test_writer_lends_agents, fixture_tear_down);

  return g_test_run ();
}
