/* qrs-scan-store.c — scans in the database
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>
#include <time.h>

#include <glib/gi18n-lib.h>

#include "qrs-database-private.h"
#include "qrs-scan-store.h"
#include "qrs-utf8.h"

/* What a scan's free-text fields are cut to: they come from strangers'
 * HTTP headers, and one oversized header must not take a batch down. */
#define MAX_USER_AGENT_BYTES 1024
#define MAX_NAME_BYTES       64
#define MAX_VERSION_BYTES    32
#define MAX_HOST_BYTES       255
#define MAX_LANGUAGE_BYTES   35

struct _QrsScanStore
{
  GObject      parent_instance;

  QrsDatabase *database;

  /* Months (year × 12 + month − 1) whose partition is known to exist. */
  GMutex       mutex;
  GHashTable  *known_months;

  guint        copy_rows;   /* at most this many rows per COPY */
};

enum {
  PROP_0,
  PROP_DATABASE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

G_DEFINE_FINAL_TYPE (QrsScanStore, qrs_scan_store, G_TYPE_OBJECT)
G_DEFINE_BOXED_TYPE (QrsScan, qrs_scan, qrs_scan_copy, qrs_scan_free)

/**
 * qrs_scan_new:
 *
 * Returns: (transfer full): an empty scan to fill in
 */
QrsScan *
qrs_scan_new (void)
{
  return g_new0 (QrsScan, 1);
}

QrsScan *
qrs_scan_copy (const QrsScan *self)
{
  QrsScan *copy;

  g_return_val_if_fail (self != NULL, NULL);

  copy = g_memdup2 (self, sizeof *self);
  copy->event_id = g_strdup (self->event_id);
  copy->user_agent = g_strdup (self->user_agent);
  copy->device = g_strdup (self->device);
  copy->os = g_strdup (self->os);
  copy->os_version = g_strdup (self->os_version);
  copy->browser = g_strdup (self->browser);
  copy->browser_version = g_strdup (self->browser_version);
  copy->referrer_host = g_strdup (self->referrer_host);
  copy->language = g_strdup (self->language);
  copy->visitor_hash = self->visitor_hash ? g_bytes_ref (self->visitor_hash) : NULL;
  return copy;
}

void
qrs_scan_free (QrsScan *self)
{
  if (self == NULL)
    return;
  g_free (self->event_id);
  g_free (self->user_agent);
  g_free (self->device);
  g_free (self->os);
  g_free (self->os_version);
  g_free (self->browser);
  g_free (self->browser_version);
  g_free (self->referrer_host);
  g_free (self->language);
  g_clear_pointer (&self->visitor_hash, g_bytes_unref);
  g_free (self);
}

static void
qrs_scan_store_finalize (GObject *object)
{
  QrsScanStore *self = (QrsScanStore *)object;

  g_clear_object (&self->database);
  g_clear_pointer (&self->known_months, g_hash_table_unref);
  g_mutex_clear (&self->mutex);

  G_OBJECT_CLASS (qrs_scan_store_parent_class)->finalize (object);
}

static void
qrs_scan_store_get_property (GObject    *object,
                             guint       prop_id,
                             GValue     *value,
                             GParamSpec *pspec)
{
  QrsScanStore *self = QRS_SCAN_STORE (object);

  switch (prop_id)
    {
    case PROP_DATABASE:
      g_value_set_object (value, self->database);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
qrs_scan_store_set_property (GObject      *object,
                             guint         prop_id,
                             const GValue *value,
                             GParamSpec   *pspec)
{
  QrsScanStore *self = QRS_SCAN_STORE (object);

  switch (prop_id)
    {
    case PROP_DATABASE:
      self->database = g_value_dup_object (value);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
qrs_scan_store_class_init (QrsScanStoreClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = qrs_scan_store_finalize;
  object_class->get_property = qrs_scan_store_get_property;
  object_class->set_property = qrs_scan_store_set_property;

  properties[PROP_DATABASE] =
    g_param_spec_object ("database", NULL, NULL,
                         QRS_TYPE_DATABASE,
                         (G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS));

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
qrs_scan_store_init (QrsScanStore *self)
{
  self->copy_rows = QRS_SCAN_STORE_COPY_ROWS;
  g_mutex_init (&self->mutex);
  self->known_months = g_hash_table_new (NULL, NULL);
}

QrsScanStore *
qrs_scan_store_new (QrsDatabase *database)
{
  g_return_val_if_fail (QRS_IS_DATABASE (database), NULL);

  return g_object_new (QRS_TYPE_SCAN_STORE,
                       "database", database,
                       NULL);
}

/**
 * qrs_scan_store_set_copy_rows:
 * @copy_rows: at least 1
 *
 * How many rows one COPY statement of qrs_scan_store_insert() carries at
 * most (%QRS_SCAN_STORE_COPY_ROWS unless set).  A larger insert is
 * copied in several statements, still in one transaction with one
 * rollup: the bound is on each statement's buffer, not on the commit.
 */
void
qrs_scan_store_set_copy_rows (QrsScanStore *self,
                              guint         copy_rows)
{
  g_return_if_fail (QRS_IS_SCAN_STORE (self));
  g_return_if_fail (copy_rows > 0);

  self->copy_rows = copy_rows;
}

QrsDatabase *
qrs_scan_store_get_database (QrsScanStore *self)
{
  g_return_val_if_fail (QRS_IS_SCAN_STORE (self), NULL);

  return self->database;
}

/* ------------------------------------------------------------------ */
/* Ingest                                                              */

/* g_string_append_len() without the call while the text has room: the
 * ingest appends some twenty pieces a scan.  (GLib 2.76 inlines its own.) */
static inline void
copy_append (GString    *out,
             const char *bytes,
             gsize       length)
{
  if (G_LIKELY (out->len + length < out->allocated_len))
    {
      memcpy (out->str + out->len, bytes, length);
      out->len += length;
      out->str[out->len] = '\0';
    }
  else
    g_string_append_len (out, bytes, length);
}

/* COPY's text format: \N is NULL; backslash, tab, newline and carriage
 * return are escaped.  Text is made valid UTF-8 and cut at a character
 * boundary. */
static void
append_copy_text (GString    *out,
                  const char *value,
                  gsize       max_bytes)
{
  g_autofree char *valid = NULL;
  const char *end;
  const char *p;
  gsize length;

  if (value == NULL)
    {
      g_string_append (out, "\\N");
      return;
    }

  length = strlen (value);
  if (!qrs_utf8_validate_len (value, length))
    {
      value = valid = g_utf8_make_valid (value, length);
      length = strlen (value);
    }

  end = value + length;
  if (length > max_bytes)
    {
      /* Back to the first byte of the character that would not fit. */
      end = value + max_bytes;
      while (end > value && ((guchar)*end & 0xc0) == 0x80)
        end--;
    }

  /* Plain runs in one go; they are nearly all of it.  The value ends in
   * a NUL, where strpbrk() stops at the latest. */
  for (p = value; p < end; )
    {
      const char *run = p;

      p = strpbrk (run, "\\\t\n\r");
      if (p == NULL || p > end)
        p = end;
      copy_append (out, run, p - run);
      if (p == end)
        break;
      switch (*p++)
        {
        case '\\': g_string_append (out, "\\\\"); break;
        case '\t': g_string_append (out, "\\t"); break;
        case '\n': g_string_append (out, "\\n"); break;
        default: g_string_append (out, "\\r"); break;
        }
    }
}

/* g_uuid_string_is_valid() calls a function for each of the 36
 * characters, and the ingest checks an event id per scan. */
static gboolean
uuid_string_is_valid (const char *text)
{
  for (guint i = 0; i < 36; i++)
    {
      if (i == 8 || i == 13 || i == 18 || i == 23)
        {
          if (text[i] != '-')
            return FALSE;
        }
      else if (!g_ascii_isxdigit (text[i]))
        return FALSE;
    }
  return text[36] == '\0';
}

static int
month_key_of (gint64 usec)
{
  time_t seconds = (time_t)(usec / G_USEC_PER_SEC - (usec % G_USEC_PER_SEC < 0 ? 1 : 0));
  struct tm tm;

  gmtime_r (&seconds, &tm);
  return (tm.tm_year + 1900) * 12 + tm.tm_mon;
}

/* Writes @value's @width low decimal digits, zero-padded. */
static char *
put_digits (char   *p,
            guint64 value,
            guint   width)
{
  for (guint i = width; i > 0; i--)
    {
      p[i - 1] = (char)('0' + value % 10);
      value /= 10;
    }
  return p + width;
}

static void
append_copy_int64 (GString *out,
                   gint64   value)
{
  char digits[24];
  char *end = digits + sizeof digits;
  char *p = end;
  guint64 magnitude = value < 0 ? -(guint64)value : (guint64)value;

  do
    {
      *--p = (char)('0' + magnitude % 10);
      magnitude /= 10;
    }
  while (magnitude > 0);
  if (value < 0)
    *--p = '-';
  copy_append (out, p, end - p);
}

/* The date of the last timestamp formatted: a batch's scans nearly all
 * fall on one day, and gmtime_r() takes a lock. */
typedef struct
{
  gint64 day;        /* days from 1970-01-01; G_MININT64 before the first */
  char   date[11];   /* "YYYY-MM-DD " */
} CopyDay;

/* The ingest formats one per scan, so no printf: "YYYY-MM-DD
 * HH:MM:SS.ffffff+00". */
static void
append_copy_timestamp (GString *out,
                       CopyDay *cache,
                       gint64   usec)
{
  gint64 micros = usec % G_USEC_PER_SEC;
  gint64 seconds = usec / G_USEC_PER_SEC;
  gint64 day;
  gint64 second_of_day;
  char text[32];
  char *p;

  if (micros < 0)
    {
      micros += G_USEC_PER_SEC;
      seconds--;
    }
  day = seconds / 86400 - (seconds % 86400 < 0 ? 1 : 0);
  second_of_day = seconds - day * 86400;

  if (day != cache->day)
    {
      time_t start = (time_t)(day * 86400);
      struct tm tm;

      gmtime_r (&start, &tm);
      if (tm.tm_year + 1900 < 1 || tm.tm_year + 1900 > 9999)
        {
          /* Out of the four-digit years: let printf spell it. */
          g_string_append_printf (out, "%04d-%02d-%02d %02d:%02d:%02d.%06d+00",
                                  tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                                  (int)(second_of_day / 3600), (int)(second_of_day / 60 % 60),
                                  (int)(second_of_day % 60), (int)micros);
          return;
        }
      p = put_digits (cache->date, tm.tm_year + 1900, 4);
      *p++ = '-';
      p = put_digits (p, tm.tm_mon + 1, 2);
      *p++ = '-';
      p = put_digits (p, tm.tm_mday, 2);
      *p = ' ';
      cache->day = day;
    }

  memcpy (text, cache->date, sizeof cache->date);
  p = text + sizeof cache->date;
  p = put_digits (p, second_of_day / 3600, 2);
  *p++ = ':';
  p = put_digits (p, second_of_day / 60 % 60, 2);
  *p++ = ':';
  p = put_digits (p, second_of_day % 60, 2);
  *p++ = '.';
  p = put_digits (p, (guint64)micros, 6);
  memcpy (p, "+00", 3);
  p += 3;
  copy_append (out, text, p - text);
}

static void
append_copy_row (GString       *out,
                 CopyDay       *day,
                 const QrsScan *scan)
{
  /* Checked to be 36 characters. */
  copy_append (out, scan->event_id, 36);
  g_string_append_c (out, '\t');
  append_copy_int64 (out, scan->code_id);
  g_string_append_c (out, '\t');
  append_copy_timestamp (out, day, scan->scanned_at);
  g_string_append_c (out, '\t');
  append_copy_text (out, scan->user_agent ? scan->user_agent : "", MAX_USER_AGENT_BYTES);
  g_string_append_c (out, '\t');
  append_copy_text (out, scan->device, MAX_NAME_BYTES);
  g_string_append_c (out, '\t');
  append_copy_text (out, scan->os, MAX_NAME_BYTES);
  g_string_append_c (out, '\t');
  append_copy_text (out, scan->os_version, MAX_VERSION_BYTES);
  g_string_append_c (out, '\t');
  append_copy_text (out, scan->browser, MAX_NAME_BYTES);
  g_string_append_c (out, '\t');
  append_copy_text (out, scan->browser_version, MAX_VERSION_BYTES);
  copy_append (out, scan->is_bot ? "\tt\t" : "\tf\t", 3);
  append_copy_text (out, scan->referrer_host, MAX_HOST_BYTES);
  g_string_append_c (out, '\t');
  append_copy_text (out, scan->language, MAX_LANGUAGE_BYTES);
  g_string_append_c (out, '\t');

  if (scan->visitor_hash == NULL)
    g_string_append (out, "\\N");
  else
    {
      gsize size;
      const guint8 *bytes = g_bytes_get_data (scan->visitor_hash, &size);

      static const char hex[] = "0123456789abcdef";
      gsize at;

      /* bytea's \x form, its backslash escaped for COPY. */
      g_string_append (out, "\\\\x");
      at = out->len;
      g_string_set_size (out, at + 2 * size);
      for (gsize i = 0; i < size; i++)
        {
          out->str[at + 2 * i] = hex[bytes[i] >> 4];
          out->str[at + 2 * i + 1] = hex[bytes[i] & 0xf];
        }
    }
  g_string_append_c (out, '\n');
}

/* Makes sure the months the batch falls in have partitions, in a
 * transaction of its own so that no writer waits on our DDL. */
static gboolean
ensure_partitions (QrsScanStore     *self,
                   QrsPgConnection  *connection,
                   gint64            first_usec,
                   gint64            last_usec,
                   GCancellable     *cancellable,
                   GError          **error)
{
  int first_month = month_key_of (first_usec);
  int last_month = month_key_of (last_usec);
  gboolean all_known = TRUE;
  CopyDay day = { G_MININT64, "" };
  GString *first, *last;
  const char *params[2];
  gboolean ok;

  g_mutex_lock (&self->mutex);
  for (int m = first_month; m <= last_month && all_known; m++)
    all_known = g_hash_table_contains (self->known_months, GINT_TO_POINTER (m));
  g_mutex_unlock (&self->mutex);

  if (all_known)
    return TRUE;

  first = g_string_new (NULL);
  last = g_string_new (NULL);
  append_copy_timestamp (first, &day, first_usec);
  append_copy_timestamp (last, &day, last_usec);
  params[0] = first->str;
  params[1] = last->str;

  ok = qrs_pg_connection_command (connection,
                               "SELECT public.qrstudio_ensure_scan_partitions ($1::timestamptz, $2::timestamptz)",
                               2, params, cancellable, error);
  g_string_free (first, TRUE);
  g_string_free (last, TRUE);

  if (ok)
    {
      g_mutex_lock (&self->mutex);
      for (int m = first_month; m <= last_month; m++)
        g_hash_table_add (self->known_months, GINT_TO_POINTER (m));
      g_mutex_unlock (&self->mutex);
    }
  return ok;
}

#define SCAN_COLUMNS \
  "event_id, code_id, scanned_at, user_agent, device, os, os_version, browser, " \
  "browser_version, is_bot, referrer_host, language, visitor_hash"

/* The rollups of a set of new scans, given as rows (code_id, day, is_bot,
 * visitor_hash) by the statement's first CTE, "batch": people, bots, and
 * visitor hashes not counted before for that code and day. */
#define ROLLUP_SQL \
  " ), new_visitors AS (" \
  "  INSERT INTO public.scan_visitors (code_id, day, visitor_hash)" \
  "  SELECT DISTINCT code_id, day, visitor_hash FROM batch" \
  "   WHERE NOT is_bot AND visitor_hash IS NOT NULL" \
  "  ON CONFLICT DO NOTHING" \
  "  RETURNING code_id, day" \
  " ), counts AS (" \
  "  SELECT code_id, day, count(*) FILTER (WHERE NOT is_bot) AS scans, 0 AS visitors," \
  "         count(*) FILTER (WHERE is_bot) AS bots" \
  "    FROM batch GROUP BY code_id, day" \
  "  UNION ALL" \
  "  SELECT code_id, day, 0, count(*), 0 FROM new_visitors GROUP BY code_id, day" \
  " )" \
  " INSERT INTO public.scan_daily AS d (code_id, day, scans, visitors, bots)" \
  " SELECT code_id, day, sum(scans), sum(visitors), sum(bots) FROM counts GROUP BY code_id, day" \
  " ON CONFLICT (code_id, day) DO UPDATE" \
  "   SET scans = d.scans + excluded.scans," \
  "       visitors = d.visitors + excluded.visitors," \
  "       bots = d.bots + excluded.bots"

/* The fast path: every scan of the batch was copied straight into scans,
 * and the batch's keys arrive as arrays. */
static const char rollup_arrays_sql[] =
  "WITH batch AS ("
  "  SELECT code_id, day, is_bot, visitor_hash"
  "    FROM unnest($1::bigint[], $2::date[], $3::boolean[], $4::bytea[])"
  "      AS b (code_id, day, is_bot, visitor_hash)"
  ROLLUP_SQL;

/* The careful path, for a batch with scans stored already (a replay after
 * a crash): staged, inserted where new, and only the new rows — which
 * RETURNING names — rolled up, so a replay counts nothing twice.  Scans
 * has one unique key, so ON CONFLICT needs no target, and the daemon's
 * role no SELECT on the key's columns, which a target would require. */
static const char ingest_staged_sql[] =
  "WITH inserted AS ("
  "  INSERT INTO public.scans (" SCAN_COLUMNS ")"
  "  SELECT " SCAN_COLUMNS " FROM pg_temp.qrs_scan_staging"
  "  ON CONFLICT DO NOTHING"
  "  RETURNING code_id, scanned_at, is_bot, visitor_hash"
  "), batch AS ("
  "  SELECT code_id, (scanned_at AT TIME ZONE 'UTC')::date AS day, is_bot, visitor_hash"
  "    FROM inserted"
  ROLLUP_SQL
  " RETURNING (SELECT count(*) FROM inserted)";

/* The keys the rollups need, as arrays in PostgreSQL's binary format for
 * rollup_arrays_sql: no text to parse on the server, which for 5,000
 * visitor hashes would cost more than storing them. */
typedef struct
{
  GByteArray *code_ids;
  GByteArray *days;
  GByteArray *bots;
  GByteArray *hashes;
  guint       n;
  gboolean    has_null_hash;
} RollupArrays;

#define OID_BOOL  16
#define OID_BYTEA 17
#define OID_INT8  20
#define OID_DATE  1082

/* Days from 1970-01-01, where Unix time starts, to 2000-01-01, where
 * PostgreSQL's dates do. */
#define POSTGRES_EPOCH_DAYS 10957

static void
put_int32 (GByteArray *array,
           gint32      value)
{
  guint32 be = GUINT32_TO_BE ((guint32)value);

  g_byte_array_append (array, (const guint8 *)&be, sizeof be);
}

/* A one-dimensional array's header, its length filled in at the end. */
static GByteArray *
array_new (guint32 element_oid,
           guint   n_reserved)
{
  GByteArray *array = g_byte_array_sized_new (20 + n_reserved);

  put_int32 (array, 1);               /* dimensions */
  put_int32 (array, 0);               /* has nulls */
  put_int32 (array, (gint32)element_oid);
  put_int32 (array, 0);               /* length */
  put_int32 (array, 1);               /* lower bound */
  return array;
}

static void
array_finish (GByteArray *array,
              guint       n,
              gboolean    has_null)
{
  guint32 be_n = GUINT32_TO_BE (n);
  guint32 be_null = GUINT32_TO_BE (has_null ? 1 : 0);

  memcpy (array->data + 4, &be_null, 4);
  memcpy (array->data + 12, &be_n, 4);
}

static void
rollup_arrays_init (RollupArrays *arrays,
                    guint         n_scans)
{
  arrays->code_ids = array_new (OID_INT8, 12 * n_scans);
  arrays->days = array_new (OID_DATE, 8 * n_scans);
  arrays->bots = array_new (OID_BOOL, 5 * n_scans);
  arrays->hashes = array_new (OID_BYTEA, 36 * n_scans);
  arrays->n = 0;
  arrays->has_null_hash = FALSE;
}

static void
rollup_arrays_clear (RollupArrays *arrays)
{
  g_clear_pointer (&arrays->code_ids, g_byte_array_unref);
  g_clear_pointer (&arrays->days, g_byte_array_unref);
  g_clear_pointer (&arrays->bots, g_byte_array_unref);
  g_clear_pointer (&arrays->hashes, g_byte_array_unref);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (RollupArrays, rollup_arrays_clear)

static void
put_be32 (guint8 *p,
          guint32 value)
{
  guint32 be = GUINT32_TO_BE (value);

  memcpy (p, &be, sizeof be);
}

/* Each element is its length and its bytes: one append for both. */
static void
rollup_arrays_add (RollupArrays  *arrays,
                   const QrsScan *scan)
{
  gint64 seconds = scan->scanned_at / G_USEC_PER_SEC - (scan->scanned_at % G_USEC_PER_SEC < 0 ? 1 : 0);
  gint64 day = seconds / 86400 - (seconds % 86400 < 0 ? 1 : 0);
  guint64 be_code = GUINT64_TO_BE ((guint64)scan->code_id);
  guint8 element[4 + 16];

  put_be32 (element, 8);
  memcpy (element + 4, &be_code, 8);
  g_byte_array_append (arrays->code_ids, element, 4 + 8);
  put_be32 (element, 4);
  put_be32 (element + 4, (guint32)(gint32)(day - POSTGRES_EPOCH_DAYS));
  g_byte_array_append (arrays->days, element, 4 + 4);
  put_be32 (element, 1);
  element[4] = scan->is_bot ? 1 : 0;
  g_byte_array_append (arrays->bots, element, 4 + 1);

  if (scan->visitor_hash == NULL)
    {
      put_be32 (element, (guint32)-1);
      g_byte_array_append (arrays->hashes, element, 4);
      arrays->has_null_hash = TRUE;
    }
  else
    {
      gsize size;
      const guint8 *bytes = g_bytes_get_data (scan->visitor_hash, &size);

      put_be32 (element, (guint32)size);
      if (size <= sizeof element - 4)
        {
          memcpy (element + 4, bytes, size);
          g_byte_array_append (arrays->hashes, element, 4 + size);
        }
      else
        {
          g_byte_array_append (arrays->hashes, element, 4);
          g_byte_array_append (arrays->hashes, bytes, size);
        }
    }
  arrays->n++;
}

static void
rollup_arrays_finish (RollupArrays *arrays)
{
  array_finish (arrays->code_ids, arrays->n, FALSE);
  array_finish (arrays->days, arrays->n, FALSE);
  array_finish (arrays->bots, arrays->n, FALSE);
  array_finish (arrays->hashes, arrays->n, arrays->has_null_hash);
}

/* The batch's rows in COPY's text format, cut into the pieces one COPY
 * statement each carries. */
typedef struct
{
  GString *text;
  GArray  *ends;   /* gsize: where each piece ends in text */
} CopyRows;

static void
copy_rows_clear (CopyRows *rows)
{
  if (rows->text != NULL)
    g_string_free (g_steal_pointer (&rows->text), TRUE);
  g_clear_pointer (&rows->ends, g_array_unref);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (CopyRows, copy_rows_clear)

static gboolean
copy_rows (QrsPgConnection  *connection,
           const char       *sql,
           const CopyRows   *rows,
           GCancellable     *cancellable,
           GError          **error)
{
  gsize start = 0;

  for (guint i = 0; i < rows->ends->len; i++)
    {
      gsize end = g_array_index (rows->ends, gsize, i);

      if (!qrs_pg_connection_copy_begin (connection, sql, cancellable, error)
          || !qrs_pg_connection_copy_send (connection, rows->text->str + start, end - start, error)
          || !qrs_pg_connection_copy_end (connection, cancellable, error))
        return FALSE;
      start = end;
    }
  return TRUE;
}

/* Copies the batch straight into scans and rolls it up from the arrays.
 * Sets *duplicate and fails when a scan of the batch is stored already. */
static gboolean
insert_fast (QrsPgConnection  *connection,
             const CopyRows   *rows,
             RollupArrays     *arrays,
             gboolean         *duplicate,
             GCancellable     *cancellable,
             GError          **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autoptr(PGresult) result = NULL;
  const char *params[] = { (const char *)arrays->code_ids->data, (const char *)arrays->days->data,
                           (const char *)arrays->bots->data, (const char *)arrays->hashes->data };
  const int lengths[] = { (int)arrays->code_ids->len, (int)arrays->days->len,
                          (int)arrays->bots->len, (int)arrays->hashes->len };
  const int formats[] = { 1, 1, 1, 1 };

  *duplicate = FALSE;

  if (!qrs_pg_connection_begin (connection, cancellable, error))
    return FALSE;

  if (!copy_rows (connection, "COPY public.scans (" SCAN_COLUMNS ") FROM STDIN",
                  rows, cancellable, &local_error))
    {
      qrs_pg_connection_rollback (connection);
      *duplicate = g_error_matches (local_error, QRS_DATABASE_ERROR, QRS_DATABASE_ERROR_DUPLICATE);
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }

  result = qrs_pg_connection_exec_params (connection, rollup_arrays_sql, 4, params, lengths, formats,
                                       FALSE, cancellable, error);
  return result != NULL && qrs_pg_connection_commit (connection, cancellable, error);
}

static gboolean
insert_staged (QrsPgConnection  *connection,
               const CopyRows   *rows,
               guint            *n_inserted,
               GCancellable     *cancellable,
               GError          **error)
{
  g_autoptr(PGresult) result = NULL;

  if (!qrs_pg_connection_begin (connection, cancellable, error)
      /* Kept for the session, emptied at each commit.  The columns of
       * scans, without its constraints. */
      || !qrs_pg_connection_command (connection,
                                  "CREATE TEMP TABLE IF NOT EXISTS qrs_scan_staging ("
                                  "  event_id uuid, code_id bigint, scanned_at timestamptz,"
                                  "  user_agent text, device text, os text, os_version text,"
                                  "  browser text, browser_version text, is_bot boolean,"
                                  "  referrer_host text, language text, visitor_hash bytea)"
                                  " ON COMMIT DELETE ROWS",
                                  0, NULL, cancellable, error)
      || !copy_rows (connection, "COPY pg_temp.qrs_scan_staging (" SCAN_COLUMNS ") FROM STDIN",
                     rows, cancellable, error))
    return FALSE;

  result = qrs_pg_connection_exec (connection, ingest_staged_sql, 0, NULL, cancellable, error);
  if (result == NULL || !qrs_pg_connection_commit (connection, cancellable, error))
    return FALSE;

  /* One row per rolled-up day, each with the count; none if nothing was new. */
  *n_inserted = PQntuples (result) > 0 ? (guint)qrs_result_get_int64 (result, 0, 0) : 0;
  return TRUE;
}

/**
 * qrs_scan_store_maintain:
 * @months_ahead: how many months of partitions to have ready
 * @visitor_days: how many days of visitor hashes to keep
 *
 * Creates the monthly partitions of `scans` ahead of time and forgets
 * visitor hashes older than @visitor_days (they count unique visitors of
 * a day, and the daemon's salt changes daily anyway).  The redirect daemon
 * calls this every hour; any role that may insert scans may call it.
 *
 * Returns: %TRUE, or %FALSE with @error set
 */
gboolean
qrs_scan_store_maintain (QrsScanStore  *self,
                         guint          months_ahead,
                         guint          visitor_days,
                         GCancellable  *cancellable,
                         GError       **error)
{
  g_autofree char *ahead = NULL;
  g_autofree char *keep = NULL;
  QrsPgConnection *connection;
  gboolean ok;

  g_return_val_if_fail (QRS_IS_SCAN_STORE (self), FALSE);
  g_return_val_if_fail (months_ahead <= 120, FALSE);

  ahead = g_strdup_printf ("%u months", months_ahead);
  keep = g_strdup_printf ("%u days", visitor_days);

  connection = qrs_database_acquire (self->database, cancellable, error);
  if (connection == NULL)
    return FALSE;

  {
    const char *params[] = { ahead };
    ok = qrs_pg_connection_command (connection,
                                 "SELECT public.qrstudio_ensure_scan_partitions ($1::interval)",
                                 1, params, cancellable, error);
  }
  if (ok)
    {
      const char *params[] = { keep };
      ok = qrs_pg_connection_command (connection,
                                   "SELECT public.qrstudio_prune_scan_visitors ($1::interval)",
                                   1, params, cancellable, error);
    }

  qrs_database_release (self->database, connection);

  return ok;
}

/**
 * qrs_scan_store_insert:
 * @self: a #QrsScanStore
 * @scans: (array length=n_scans): the scans
 * @n_scans: how many
 * @n_inserted: (out) (optional): how many were new
 * @cancellable: (nullable): a #GCancellable
 * @error: a #GError
 *
 * Copies a batch of scans into the database in one transaction and adds
 * them to the daily rollups.  Idempotent: a scan whose event id, code and
 * time are stored already is skipped, so a batch may be sent again after
 * a crash.  Scans without a valid event id or code are skipped too.
 *
 * A batch of new scans is copied straight into the table, in COPY
 * statements of at most qrs_scan_store_set_copy_rows() rows, and rolled
 * up once: what a rollup costs depends on how many codes and days the
 * batch touches, not on how many scans it has, so a large batch is the
 * cheap way through a backlog.  If one of the scans turns out to be
 * there already, that transaction is rolled back and the batch goes
 * through a staging table instead, which skips what is stored.
 *
 * Returns: %TRUE if the whole batch is stored
 */
gboolean
qrs_scan_store_insert (QrsScanStore    *self,
                       QrsScan * const *scans,
                       guint            n_scans,
                       guint           *n_inserted,
                       GCancellable    *cancellable,
                       GError         **error)
{
  g_auto(CopyRows) rows = { NULL, NULL };
  g_auto(RollupArrays) arrays = { NULL, NULL, NULL, NULL, 0, FALSE };
  CopyDay day = { G_MININT64, "" };
  g_autoptr(GError) local_error = NULL;
  QrsPgConnection *connection;
  gint64 first_usec = G_MAXINT64;
  gint64 last_usec = G_MININT64;
  gboolean duplicate = FALSE;
  guint n_valid = 0;
  guint n_new = 0;
  gboolean ok = FALSE;

  g_return_val_if_fail (QRS_IS_SCAN_STORE (self), FALSE);
  g_return_val_if_fail (scans != NULL || n_scans == 0, FALSE);

  if (n_inserted != NULL)
    *n_inserted = 0;

  rows.text = g_string_sized_new (256 * (gsize)n_scans + 1);
  rows.ends = g_array_new (FALSE, FALSE, sizeof (gsize));
  rollup_arrays_init (&arrays, n_scans);
  for (guint i = 0; i < n_scans; i++)
    {
      const QrsScan *scan = scans[i];

      if (scan->event_id == NULL || !uuid_string_is_valid (scan->event_id) || scan->code_id <= 0)
        {
          g_debug ("Skipping a scan without a valid event id or code");
          continue;
        }
      append_copy_row (rows.text, &day, scan);
      rollup_arrays_add (&arrays, scan);
      first_usec = MIN (first_usec, scan->scanned_at);
      last_usec = MAX (last_usec, scan->scanned_at);
      n_valid++;
      if (n_valid % self->copy_rows == 0)
        g_array_append_val (rows.ends, rows.text->len);
    }
  if (n_valid % self->copy_rows != 0)
    g_array_append_val (rows.ends, rows.text->len);
  rollup_arrays_finish (&arrays);

  if (n_valid == 0)
    return TRUE;

  connection = qrs_database_acquire (self->database, cancellable, error);
  if (connection == NULL)
    return FALSE;

  if (!ensure_partitions (self, connection, first_usec, last_usec, cancellable, error))
    goto out;

  if (insert_fast (connection, &rows, &arrays, &duplicate, cancellable, &local_error))
    {
      n_new = n_valid;
      ok = TRUE;
    }
  else if (duplicate)
    {
      g_debug ("Some scans of the batch are stored already; skipping them");
      ok = insert_staged (connection, &rows, &n_new, cancellable, error);
    }
  else
    g_propagate_error (error, g_steal_pointer (&local_error));

  if (ok && n_inserted != NULL)
    *n_inserted = n_new;

out:
  qrs_database_release (self->database, connection);
  return ok;
}

/* ------------------------------------------------------------------ */
/* Charts                                                              */

static char *
date_param (const GDate *date)
{
  return g_strdup_printf ("%04d-%02d-%02d",
                          g_date_get_year (date), g_date_get_month (date), g_date_get_day (date));
}

typedef struct
{
  char *code_id;
  char *first;
  char *last;
} RangeParams;

static void
range_params_clear (RangeParams *params)
{
  g_free (params->code_id);
  g_free (params->first);
  g_free (params->last);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (RangeParams, range_params_clear)

static gboolean
range_params_init (RangeParams  *params,
                   gint64        code_id,
                   const GDate  *first_day,
                   const GDate  *last_day,
                   GError      **error)
{
  memset (params, 0, sizeof *params);

  if (first_day == NULL || last_day == NULL
      || !g_date_valid (first_day) || !g_date_valid (last_day)
      || g_date_compare (first_day, last_day) > 0)
    {
      g_set_error_literal (error, QRS_DATABASE_ERROR, QRS_DATABASE_ERROR_INVALID,
                           _("The range of days is not valid: the first day must not come after the last."));
      return FALSE;
    }

  params->code_id = g_strdup_printf ("%" G_GINT64_FORMAT, MAX (code_id, 0));
  params->first = date_param (first_day);
  params->last = date_param (last_day);
  return TRUE;
}

static PGresult *
run_query (QrsScanStore        *self,
           const char          *sql,
           int                  n_params,
           const char * const  *params,
           GCancellable        *cancellable,
           GError             **error)
{
  QrsPgConnection *connection;
  PGresult *result;

  connection = qrs_database_acquire (self->database, cancellable, error);
  if (connection == NULL)
    return NULL;
  result = qrs_pg_connection_exec (connection, sql, n_params, params, cancellable, error);
  qrs_database_release (self->database, connection);
  return result;
}

/* The statements below take a connection, so that
 * qrs_scan_store_get_summary() can run them all in one transaction. */

static GArray *
query_days (QrsPgConnection    *connection,
            const RangeParams  *range,
            GCancellable       *cancellable,
            GError            **error)
{
  g_autoptr(PGresult) result = NULL;
  const char *params[] = { range->code_id, range->first, range->last };
  GArray *days;

  result = qrs_pg_connection_exec (connection,
                                   "WITH totals AS ("
                                   "  SELECT day, sum(scans) AS scans, sum(visitors) AS visitors, sum(bots) AS bots"
                                   "    FROM public.scan_daily"
                                   "   WHERE day BETWEEN $2::date AND $3::date"
                                   "     AND ($1::bigint = 0 OR code_id = $1::bigint)"
                                   "   GROUP BY day)"
                                   "SELECT extract(year FROM d)::int, extract(month FROM d)::int,"
                                   "       extract(day FROM d)::int,"
                                   "       coalesce(t.scans, 0), coalesce(t.visitors, 0), coalesce(t.bots, 0)"
                                   "  FROM generate_series($2::date, $3::date, interval '1 day') AS d"
                                   "  LEFT JOIN totals t ON t.day = d::date"
                                   " ORDER BY d",
                                   3, params, cancellable, error);
  if (result == NULL)
    return NULL;

  days = g_array_sized_new (FALSE, TRUE, sizeof (QrsScanDay), PQntuples (result));
  for (int i = 0; i < PQntuples (result); i++)
    {
      QrsScanDay day = { 0 };

      g_date_clear (&day.day, 1);
      g_date_set_dmy (&day.day,
                      (GDateDay)qrs_result_get_int64 (result, i, 2),
                      (GDateMonth)qrs_result_get_int64 (result, i, 1),
                      (GDateYear)qrs_result_get_int64 (result, i, 0));
      day.scans = (guint64)qrs_result_get_int64 (result, i, 3);
      day.visitors = (guint64)qrs_result_get_int64 (result, i, 4);
      day.bots = (guint64)qrs_result_get_int64 (result, i, 5);
      g_array_append_val (days, day);
    }
  return days;
}

static gboolean
query_totals (QrsPgConnection    *connection,
              const RangeParams  *range,
              QrsScanTotals      *totals,
              GCancellable       *cancellable,
              GError            **error)
{
  g_autoptr(PGresult) result = NULL;
  const char *params[] = { range->code_id, range->first, range->last };

  result = qrs_pg_connection_exec (connection,
                                   "SELECT coalesce(sum(scans), 0), coalesce(sum(visitors), 0),"
                                   "       coalesce(sum(bots), 0)"
                                   "  FROM public.scan_daily"
                                   " WHERE day BETWEEN $2::date AND $3::date"
                                   "   AND ($1::bigint = 0 OR code_id = $1::bigint)",
                                   3, params, cancellable, error);
  if (result == NULL)
    return FALSE;

  totals->scans = (guint64)qrs_result_get_int64 (result, 0, 0);
  totals->visitors = (guint64)qrs_result_get_int64 (result, 0, 1);
  totals->bots = (guint64)qrs_result_get_int64 (result, 0, 2);
  return TRUE;
}

static void
scan_count_clear (gpointer data)
{
  QrsScanCount *count = data;

  g_clear_pointer (&count->label, g_free);
}

static const char *
dimension_column (QrsScanDimension dimension)
{
  switch (dimension)
    {
    case QRS_SCAN_DIMENSION_DEVICE: return "device";
    case QRS_SCAN_DIMENSION_OS: return "os";
    case QRS_SCAN_DIMENSION_BROWSER: return "browser";
    case QRS_SCAN_DIMENSION_LANGUAGE: return "language";
    case QRS_SCAN_DIMENSION_REFERRER: return "referrer_host";
    default: return NULL;
    }
}

static GArray *
query_counts (QrsPgConnection    *connection,
              QrsScanDimension    dimension,
              const RangeParams  *range,
              guint               limit,
              GCancellable       *cancellable,
              GError            **error)
{
  g_autoptr(PGresult) result = NULL;
  g_autofree char *limit_param = limit > 0 ? g_strdup_printf ("%u", limit) : NULL;
  g_autofree char *sql = NULL;
  const char *params[] = { range->code_id, range->first, range->last, limit_param };
  const char *column = dimension_column (dimension);
  GArray *counts;

  g_assert (column != NULL);

  /* Only the fixed column name above is spliced in. */
  sql = g_strdup_printf ("SELECT coalesce(%s, ''), count(*) FROM public.scans"
                         " WHERE scanned_at >= $2::date::timestamp AT TIME ZONE 'UTC'"
                         "   AND scanned_at < ($3::date + 1)::timestamp AT TIME ZONE 'UTC'"
                         "   AND NOT is_bot"
                         "   AND ($1::bigint = 0 OR code_id = $1::bigint)"
                         " GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT $4::bigint",
                         column);
  result = qrs_pg_connection_exec (connection, sql, 4, params, cancellable, error);
  if (result == NULL)
    return NULL;

  counts = g_array_sized_new (FALSE, TRUE, sizeof (QrsScanCount), PQntuples (result));
  g_array_set_clear_func (counts, scan_count_clear);
  for (int i = 0; i < PQntuples (result); i++)
    {
      QrsScanCount count;

      count.label = qrs_result_dup_string (result, i, 0);
      count.scans = (guint64)qrs_result_get_int64 (result, i, 1);
      g_array_append_val (counts, count);
    }
  return counts;
}

/**
 * qrs_scan_store_count_by_day:
 * @self: a #QrsScanStore
 * @code_id: a code, or 0 for all
 * @first_day: the first UTC day
 * @last_day: the last UTC day, included
 * @cancellable: (nullable): a #GCancellable
 * @error: a #GError
 *
 * Reads the daily rollups: one entry for every day of the range, days
 * without scans included.
 *
 * Returns: (transfer full) (element-type QrsScanDay): the days in order
 */
GArray *
qrs_scan_store_count_by_day (QrsScanStore  *self,
                             gint64         code_id,
                             const GDate   *first_day,
                             const GDate   *last_day,
                             GCancellable  *cancellable,
                             GError       **error)
{
  g_auto(RangeParams) range = { NULL, NULL, NULL };
  QrsPgConnection *connection;
  GArray *days;

  g_return_val_if_fail (QRS_IS_SCAN_STORE (self), NULL);

  if (!range_params_init (&range, code_id, first_day, last_day, error))
    return NULL;

  connection = qrs_database_acquire (self->database, cancellable, error);
  if (connection == NULL)
    return NULL;
  days = query_days (connection, &range, cancellable, error);
  qrs_database_release (self->database, connection);
  return days;
}

/**
 * qrs_scan_store_get_totals:
 * @self: a #QrsScanStore
 * @code_id: a code, or 0 for all
 * @first_day: the first UTC day
 * @last_day: the last UTC day, included
 * @totals: (out caller-allocates): the totals
 * @cancellable: (nullable): a #GCancellable
 * @error: a #GError
 *
 * Returns: %TRUE on success
 */
gboolean
qrs_scan_store_get_totals (QrsScanStore   *self,
                           gint64          code_id,
                           const GDate    *first_day,
                           const GDate    *last_day,
                           QrsScanTotals  *totals,
                           GCancellable   *cancellable,
                           GError        **error)
{
  g_auto(RangeParams) range = { NULL, NULL, NULL };
  QrsPgConnection *connection;
  gboolean ok;

  g_return_val_if_fail (QRS_IS_SCAN_STORE (self), FALSE);
  g_return_val_if_fail (totals != NULL, FALSE);

  memset (totals, 0, sizeof *totals);

  if (!range_params_init (&range, code_id, first_day, last_day, error))
    return FALSE;

  connection = qrs_database_acquire (self->database, cancellable, error);
  if (connection == NULL)
    return FALSE;
  ok = query_totals (connection, &range, totals, cancellable, error);
  qrs_database_release (self->database, connection);
  return ok;
}

/**
 * qrs_scan_store_count_by:
 * @self: a #QrsScanStore
 * @dimension: what to count by
 * @code_id: a code, or 0 for all
 * @first_day: the first UTC day
 * @last_day: the last UTC day, included
 * @limit: how many of the most frequent values, or 0 for all
 * @cancellable: (nullable): a #GCancellable
 * @error: a #GError
 *
 * Counts the scans of people by device, operating system, browser,
 * language or referring site, most frequent first.
 *
 * Returns: (transfer full) (element-type QrsScanCount): the counts; the
 *   array frees the labels
 */
GArray *
qrs_scan_store_count_by (QrsScanStore      *self,
                         QrsScanDimension   dimension,
                         gint64             code_id,
                         const GDate       *first_day,
                         const GDate       *last_day,
                         guint              limit,
                         GCancellable      *cancellable,
                         GError           **error)
{
  g_auto(RangeParams) range = { NULL, NULL, NULL };
  QrsPgConnection *connection;
  GArray *counts;

  g_return_val_if_fail (QRS_IS_SCAN_STORE (self), NULL);
  g_return_val_if_fail (dimension_column (dimension) != NULL, NULL);

  if (!range_params_init (&range, code_id, first_day, last_day, error))
    return NULL;

  connection = qrs_database_acquire (self->database, cancellable, error);
  if (connection == NULL)
    return NULL;
  counts = query_counts (connection, dimension, &range, limit, cancellable, error);
  qrs_database_release (self->database, connection);
  return counts;
}

/**
 * qrs_scan_store_count_by_hour:
 * @self: a #QrsScanStore
 * @code_id: a code, or 0 for all
 * @first_day: the first UTC day
 * @last_day: the last UTC day, included
 * @time_zone: (nullable): an IANA time zone such as "Europe/Madrid" for
 *   the hours and weekdays, or %NULL for UTC
 * @cancellable: (nullable): a #GCancellable
 * @error: a #GError
 *
 * Returns: (transfer full): the scans of people by weekday and hour; free
 *   with g_free()
 */
QrsScanHeatmap *
qrs_scan_store_count_by_hour (QrsScanStore  *self,
                              gint64         code_id,
                              const GDate   *first_day,
                              const GDate   *last_day,
                              const char    *time_zone,
                              GCancellable  *cancellable,
                              GError       **error)
{
  g_auto(RangeParams) range = { NULL, NULL, NULL };
  g_autoptr(PGresult) result = NULL;
  const char *params[4];
  QrsScanHeatmap *heatmap;

  g_return_val_if_fail (QRS_IS_SCAN_STORE (self), NULL);

  if (!range_params_init (&range, code_id, first_day, last_day, error))
    return NULL;
  params[0] = range.code_id;
  params[1] = range.first;
  params[2] = range.last;
  params[3] = time_zone ? time_zone : "UTC";

  result = run_query (self,
                      "SELECT extract(isodow FROM scanned_at AT TIME ZONE $4)::int - 1,"
                      "       extract(hour FROM scanned_at AT TIME ZONE $4)::int, count(*)"
                      "  FROM public.scans"
                      " WHERE scanned_at >= $2::date::timestamp AT TIME ZONE 'UTC'"
                      "   AND scanned_at < ($3::date + 1)::timestamp AT TIME ZONE 'UTC'"
                      "   AND NOT is_bot"
                      "   AND ($1::bigint = 0 OR code_id = $1::bigint)"
                      " GROUP BY 1, 2",
                      4, params, cancellable, error);
  if (result == NULL)
    return NULL;

  heatmap = g_new0 (QrsScanHeatmap, 1);
  for (int i = 0; i < PQntuples (result); i++)
    {
      gint64 weekday = qrs_result_get_int64 (result, i, 0);
      gint64 hour = qrs_result_get_int64 (result, i, 1);

      if (weekday >= 0 && weekday < 7 && hour >= 0 && hour < 24)
        heatmap->counts[weekday][hour] = (guint64)qrs_result_get_int64 (result, i, 2);
    }
  return heatmap;
}

/**
 * qrs_scan_summary_free:
 * @self: (nullable): a #QrsScanSummary
 */
void
qrs_scan_summary_free (QrsScanSummary *self)
{
  if (self == NULL)
    return;
  g_clear_pointer (&self->days, g_array_unref);
  g_clear_pointer (&self->counts, g_ptr_array_unref);
  g_free (self);
}

/**
 * qrs_scan_store_get_summary:
 * @self: a #QrsScanStore
 * @code_id: a code, or 0 for all
 * @first_day: the first UTC day
 * @last_day: the last UTC day, included
 * @dimensions: (array length=n_dimensions): what to count by
 * @n_dimensions: how many
 * @limit: how many of the most frequent values of each, or 0 for all
 * @cancellable: (nullable): a #GCancellable
 * @error: a #GError
 *
 * What qrs_scan_store_count_by_day(), qrs_scan_store_get_totals() and
 * qrs_scan_store_count_by() give, read together from one snapshot of
 * the database: a batch of scans committed meanwhile is in every part or
 * in none, so the days add up to the totals and the counts of a dimension
 * (all of them, when @limit does not cut any) add up to the scans of
 * people.
 *
 * Returns: (transfer full): the summary, or %NULL with @error set
 */
QrsScanSummary *
qrs_scan_store_get_summary (QrsScanStore            *self,
                            gint64                   code_id,
                            const GDate             *first_day,
                            const GDate             *last_day,
                            const QrsScanDimension  *dimensions,
                            guint                    n_dimensions,
                            guint                    limit,
                            GCancellable            *cancellable,
                            GError                 **error)
{
  g_auto(RangeParams) range = { NULL, NULL, NULL };
  g_autoptr(QrsScanSummary) summary = NULL;
  QrsPgConnection *connection;
  gboolean ok;

  g_return_val_if_fail (QRS_IS_SCAN_STORE (self), NULL);
  g_return_val_if_fail (dimensions != NULL || n_dimensions == 0, NULL);
  for (guint i = 0; i < n_dimensions; i++)
    g_return_val_if_fail (dimension_column (dimensions[i]) != NULL, NULL);

  if (!range_params_init (&range, code_id, first_day, last_day, error))
    return NULL;

  summary = g_new0 (QrsScanSummary, 1);
  summary->counts = g_ptr_array_new_full (n_dimensions, (GDestroyNotify)g_array_unref);

  connection = qrs_database_acquire (self->database, cancellable, error);
  if (connection == NULL)
    return NULL;

  /* Under REPEATABLE READ every statement sees the snapshot the first one
   * took; a batch of scans and its rollups are committed together, so the
   * rollups and the scans read here always count the same batches. */
  ok = qrs_pg_connection_command (connection, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY",
                                  0, NULL, cancellable, error);
  if (ok)
    {
      summary->days = query_days (connection, &range, cancellable, error);
      ok = summary->days != NULL;
    }
  if (ok)
    ok = query_totals (connection, &range, &summary->totals, cancellable, error);
  for (guint i = 0; ok && i < n_dimensions; i++)
    {
      GArray *counts = query_counts (connection, dimensions[i], &range, limit, cancellable, error);

      if (counts == NULL)
        ok = FALSE;
      else
        g_ptr_array_add (summary->counts, counts);
    }
  if (ok)
    ok = qrs_pg_connection_commit (connection, cancellable, error);
  else
    qrs_pg_connection_rollback (connection);

  qrs_database_release (self->database, connection);
  return ok ? g_steal_pointer (&summary) : NULL;
}

/* ------------------------------------------------------------------ */
/* Classifying again                                                   */

/* The stored analysis of each distinct user agent, in COPY's text form
 * for pg_temp.qrs_reclassified. */
static gboolean
classify_agents (const PGresult                   *agents,
                 QrsUserAgentParser               *parser,
                 GString                          *out,
                 QrsScanReclassifyProgressFunc     progress,
                 gpointer                          user_data,
                 GCancellable                     *cancellable,
                 GError                          **error)
{
  guint64 n_agents = (guint64)PQntuples (agents);

  for (guint64 i = 0; i < n_agents; i++)
    {
      g_autoptr(QrsUserAgent) agent = NULL;
      const char *user_agent = PQgetvalue (agents, (int)i, 0);
      char version[MAX_VERSION_BYTES + 1];

      if (i % 256 == 0)
        {
          if (g_cancellable_set_error_if_cancelled (cancellable, error))
            return FALSE;
          if (progress != NULL)
            progress (i, n_agents, user_data);
        }

      agent = qrs_user_agent_parser_parse (parser, user_agent);
      /* As the daemon stores them (qrs-scan-ingest.c), and cut as every
       * stored scan is, so that an unchanged analysis compares equal. */
      append_copy_text (out, user_agent, MAX_USER_AGENT_BYTES);
      g_string_append_c (out, '\t');
      append_copy_text (out, qrs_device_class_to_string (agent->device_class), MAX_NAME_BYTES);
      g_string_append_c (out, '\t');
      append_copy_text (out, agent->os_family, MAX_NAME_BYTES);
      g_string_append_c (out, '\t');
      append_copy_text (out, qrs_user_agent_format_os_version (agent, version, sizeof version) ? version : NULL,
                        MAX_VERSION_BYTES);
      g_string_append_c (out, '\t');
      append_copy_text (out, agent->browser_family, MAX_NAME_BYTES);
      g_string_append_c (out, '\t');
      append_copy_text (out, qrs_user_agent_format_browser_version (agent, version, sizeof version) ? version : NULL,
                        MAX_VERSION_BYTES);
      g_string_append (out, agent->is_bot ? "\tt\n" : "\tf\n");
    }

  if (progress != NULL)
    progress (n_agents, n_agents, user_data);
  return TRUE;
}

/* Everything after the user agents are read, inside the transaction. */
static gboolean
reclassify_in_transaction (QrsPgConnection              *connection,
                           const char * const           *range,
                           QrsUserAgentParser           *parser,
                           gboolean                      dry_run,
                           QrsScanReclassification      *result,
                           QrsScanReclassifyProgressFunc progress,
                           gpointer                      user_data,
                           GCancellable                 *cancellable,
                           GError                      **error)
{
  g_autoptr(PGresult) agents = NULL;
  g_autoptr(PGresult) days = NULL;
  g_autoptr(PGresult) updated = NULL;
  g_autoptr(GString) rows = g_string_new (NULL);
  g_autofree char *first_day = NULL;
  g_autofree char *last_day = NULL;

#define IN_RANGE(alias) \
  " ($1::timestamptz IS NULL OR " alias "scanned_at >= $1::timestamptz)" \
  " AND ($2::timestamptz IS NULL OR " alias "scanned_at < $2::timestamptz)"

  agents = qrs_pg_connection_exec (connection,
                                   "SELECT user_agent, count(*) FROM public.scans"
                                   " WHERE" IN_RANGE ("") " GROUP BY user_agent",
                                   2, range, cancellable, error);
  if (agents == NULL)
    return FALSE;
  result->n_agents = (guint64)PQntuples (agents);
  for (int i = 0; i < PQntuples (agents); i++)
    result->n_scans += (guint64)qrs_result_get_int64 (agents, i, 1);

  if (!classify_agents (agents, parser, rows, progress, user_data, cancellable, error))
    return FALSE;
  g_clear_pointer (&agents, PQclear);

  if (!qrs_pg_connection_command (connection,
                                  "CREATE TEMP TABLE qrs_reclassified ("
                                  "  user_agent text PRIMARY KEY, device text, os text, os_version text,"
                                  "  browser text, browser_version text, is_bot boolean)"
                                  " ON COMMIT DROP",
                                  0, NULL, cancellable, error)
      || !qrs_pg_connection_copy_begin (connection, "COPY pg_temp.qrs_reclassified FROM STDIN",
                                        cancellable, error)
      || !qrs_pg_connection_copy_send (connection, rows->str, rows->len, error)
      || !qrs_pg_connection_copy_end (connection, cancellable, error)
      || !qrs_pg_connection_command (connection, "ANALYZE pg_temp.qrs_reclassified",
                                     0, NULL, cancellable, error))
    return FALSE;

  /* A bot counted as a person, or the other way, changes the day's
   * rollups: those days are counted again. */
  days = qrs_pg_connection_exec (connection,
                                 "SELECT min(s.scanned_at AT TIME ZONE 'UTC')::date,"
                                 "       max(s.scanned_at AT TIME ZONE 'UTC')::date,"
                                 "       count(DISTINCT (s.scanned_at AT TIME ZONE 'UTC')::date)"
                                 "  FROM public.scans s JOIN pg_temp.qrs_reclassified r USING (user_agent)"
                                 " WHERE" IN_RANGE ("s.") " AND s.is_bot <> r.is_bot",
                                 2, range, cancellable, error);
  if (days == NULL)
    return FALSE;
  if (!PQgetisnull (days, 0, 0))
    {
      first_day = qrs_result_dup_string (days, 0, 0);
      last_day = qrs_result_dup_string (days, 0, 1);
      result->n_days = (guint64)qrs_result_get_int64 (days, 0, 2);
    }

  updated = qrs_pg_connection_exec (connection,
                                    "UPDATE public.scans s"
                                    "   SET device = r.device, os = r.os, os_version = r.os_version,"
                                    "       browser = r.browser, browser_version = r.browser_version,"
                                    "       is_bot = r.is_bot"
                                    "  FROM pg_temp.qrs_reclassified r"
                                    " WHERE s.user_agent = r.user_agent AND" IN_RANGE ("s.")
                                    "   AND (s.device, s.os, s.os_version, s.browser, s.browser_version, s.is_bot)"
                                    "       IS DISTINCT FROM"
                                    "       (r.device, r.os, r.os_version, r.browser, r.browser_version, r.is_bot)",
                                    2, range, cancellable, error);
  if (updated == NULL)
    return FALSE;
  result->n_changed = g_ascii_strtoull (PQcmdTuples (updated), NULL, 10);

#undef IN_RANGE

  if (dry_run)
    return TRUE;

  if (first_day != NULL)
    {
      const char *day_params[] = { first_day, last_day };

      /* The daemon's batches wait meanwhile: a batch committed while the
       * days are counted again would be counted twice, or clash with the
       * new rows. */
      if (!qrs_pg_connection_command (connection, "LOCK TABLE public.scan_daily IN SHARE ROW EXCLUSIVE MODE",
                                      0, NULL, cancellable, error)
          || !qrs_pg_connection_command (connection, "SELECT public.qrstudio_rebuild_scan_daily ($1::date, $2::date)",
                                         2, day_params, cancellable, error))
        return FALSE;
    }
  else if (result->n_changed > 0)
    {
      /* Open charts redraw their devices and browsers; "" is everything. */
      if (!qrs_pg_connection_command (connection, "SELECT pg_notify ('qrstudio_scans', '')",
                                      0, NULL, cancellable, error))
        return FALSE;
    }

  return qrs_pg_connection_commit (connection, cancellable, error);
}

/**
 * qrs_scan_store_reclassify:
 * @self: a #QrsScanStore
 * @parser: the user-agent analysis to apply
 * @since: (nullable): the first moment of the scans to classify again
 * @until: (nullable): the moment after the last
 * @dry_run: count what would change, and change nothing
 * @result: (out caller-allocates): what was found and changed
 * @progress: (nullable) (scope call): called as the user agents are
 *   classified
 * @user_data: data for @progress
 * @cancellable: (nullable): a #GCancellable
 * @error: a #GError
 *
 * Classifies the stored user agents of the scans in a range again, with
 * @parser (newer patterns, say), and writes each scan whose device,
 * operating system, browser or bot flag changes; the daily rollups of the
 * days where a scan became a bot or stopped being one are counted again.
 * All in one transaction: it is all done or nothing is.  It needs the
 * database's owner, as `qrstudio_rebuild_scan_daily` does.
 *
 * Returns: %TRUE, or %FALSE with @error set
 */
gboolean
qrs_scan_store_reclassify (QrsScanStore                  *self,
                           QrsUserAgentParser            *parser,
                           GDateTime                     *since,
                           GDateTime                     *until,
                           gboolean                       dry_run,
                           QrsScanReclassification       *result,
                           QrsScanReclassifyProgressFunc  progress,
                           gpointer                       user_data,
                           GCancellable                  *cancellable,
                           GError                       **error)
{
  g_autofree char *since_param = NULL;
  g_autofree char *until_param = NULL;
  const char *range[2];
  QrsPgConnection *connection;
  gboolean ok;

  g_return_val_if_fail (QRS_IS_SCAN_STORE (self), FALSE);
  g_return_val_if_fail (QRS_IS_USER_AGENT_PARSER (parser), FALSE);
  g_return_val_if_fail (result != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  memset (result, 0, sizeof *result);
  since_param = qrs_date_time_to_param (since);
  until_param = qrs_date_time_to_param (until);
  range[0] = since_param;
  range[1] = until_param;

  connection = qrs_database_acquire (self->database, cancellable, error);
  if (connection == NULL)
    return FALSE;

  ok = qrs_pg_connection_begin (connection, cancellable, error)
       && reclassify_in_transaction (connection, range, parser, dry_run, result,
                                     progress, user_data, cancellable, error);
  /* A dry run, or a failure part way, leaves everything as it was. */
  qrs_pg_connection_rollback (connection);
  qrs_database_release (self->database, connection);

  return ok;
}

/* ------------------------------------------------------------------ */
/* CSV export                                                          */

/* RFC 4180 quoting.  Text that came from strangers (user agents,
 * referrers) and begins like a spreadsheet formula gets a leading
 * apostrophe, so that opening the file never runs it. */
static void
append_csv_field (GString    *out,
                  const char *value,
                  gboolean    untrusted)
{
  gboolean quote;

  if (value == NULL)
    return;

  quote = strpbrk (value, ",\"\r\n") != NULL || value[0] == ' ';

  if (quote)
    g_string_append_c (out, '"');
  if (untrusted && value[0] != '\0' && strchr ("=+-@\t\r", value[0]) != NULL)
    g_string_append_c (out, '\'');
  for (const char *p = value; *p; p++)
    {
      if (*p == '"')
        g_string_append_c (out, '"');
      g_string_append_c (out, *p);
    }
  if (quote)
    g_string_append_c (out, '"');
}

static void
cancel_export_cb (GCancellable *cancellable,
                  gpointer      data)
{
  char message[256];

  /* PQcancel is safe from any thread. */
  PQcancel (data, message, sizeof message);
}

static const char csv_header[] =
  "event_id,code_id,short_id,scanned_at,device,os,os_version,browser,browser_version,"
  "is_bot,referrer_host,language,user_agent\r\n";

static gboolean
flush_csv (GOutputStream  *stream,
           GString        *buffer,
           GCancellable   *cancellable,
           GError        **error)
{
  gboolean ok = g_output_stream_write_all (stream, buffer->str, buffer->len, NULL,
                                           cancellable, error);
  g_string_truncate (buffer, 0);
  return ok;
}

/**
 * qrs_scan_store_export_csv:
 * @self: a #QrsScanStore
 * @code_id: a code, or 0 for all
 * @since: (nullable): the first instant, or %NULL for the beginning
 * @until: (nullable): the instant after the last, or %NULL for now
 * @stream: where to write the CSV
 * @n_rows: (out) (optional): how many scans were written
 * @cancellable: (nullable): a #GCancellable
 * @error: a #GError
 *
 * Writes the scans as CSV (RFC 4180, a header line, times in ISO 8601
 * UTC), oldest first, streaming: a year of scans does not have to fit in
 * memory.  The visitor hash is left out.
 *
 * Returns: %TRUE on success
 */
gboolean
qrs_scan_store_export_csv (QrsScanStore   *self,
                           gint64          code_id,
                           GDateTime      *since,
                           GDateTime      *until,
                           GOutputStream  *stream,
                           guint64        *n_rows,
                           GCancellable   *cancellable,
                           GError        **error)
{
  g_autofree char *code_param = g_strdup_printf ("%" G_GINT64_FORMAT, MAX (code_id, 0));
  g_autofree char *since_param = qrs_date_time_to_param (since);
  g_autofree char *until_param = qrs_date_time_to_param (until);
  const char *params[] = { code_param, since_param, until_param };
  g_autoptr(GString) buffer = g_string_new (csv_header);
  g_autoptr(GError) local_error = NULL;
  QrsPgConnection *connection;
  PGconn *conn;
  PGcancel *cancel = NULL;
  PGresult *result;
  gulong handler = 0;
  guint64 rows = 0;
  gboolean failed = FALSE;

  g_return_val_if_fail (QRS_IS_SCAN_STORE (self), FALSE);
  g_return_val_if_fail (G_IS_OUTPUT_STREAM (stream), FALSE);

  if (n_rows != NULL)
    *n_rows = 0;

  connection = qrs_database_acquire (self->database, cancellable, error);
  if (connection == NULL)
    return FALSE;
  conn = qrs_pg_connection_get_pgconn (connection);

  /* Single-row mode streams the result instead of holding all of it. */
  if (!PQsendQueryParams (conn,
                          "SELECT s.event_id, s.code_id, c.short_id,"
                          "       to_char(s.scanned_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"'),"
                          "       s.device, s.os, s.os_version, s.browser, s.browser_version,"
                          "       CASE WHEN s.is_bot THEN 'true' ELSE 'false' END,"
                          "       s.referrer_host, s.language, s.user_agent"
                          "  FROM public.scans s LEFT JOIN public.codes c ON c.id = s.code_id"
                          " WHERE ($1::bigint = 0 OR s.code_id = $1::bigint)"
                          "   AND ($2::timestamptz IS NULL OR s.scanned_at >= $2::timestamptz)"
                          "   AND ($3::timestamptz IS NULL OR s.scanned_at < $3::timestamptz)"
                          " ORDER BY s.scanned_at, s.event_id",
                          3, NULL, params, NULL, NULL, 0)
      || !PQsetSingleRowMode (conn))
    {
      qrs_database_set_error_from_result (error, conn, NULL);
      qrs_database_release (self->database, connection);
      return FALSE;
    }

  cancel = PQgetCancel (conn);
  if (cancellable != NULL && cancel != NULL)
    handler = g_cancellable_connect (cancellable, G_CALLBACK (cancel_export_cb), cancel, NULL);

  if (!flush_csv (stream, buffer, cancellable, &local_error))
    failed = TRUE;

  while ((result = PQgetResult (conn)) != NULL)
    {
      ExecStatusType status = PQresultStatus (result);

      if (failed)
        {
          /* Drain what is left after a failure. */
        }
      else if (status == PGRES_SINGLE_TUPLE)
        {
          for (int column = 0; column < 13; column++)
            {
              /* Columns from the outside world are guarded. */
              gboolean untrusted = column >= 4 && column != 9;

              if (column > 0)
                g_string_append_c (buffer, ',');
              if (!PQgetisnull (result, 0, column))
                append_csv_field (buffer, PQgetvalue (result, 0, column), untrusted);
            }
          g_string_append (buffer, "\r\n");
          rows++;

          if ((buffer->len > 64 * 1024 && !flush_csv (stream, buffer, cancellable, &local_error))
              || g_cancellable_set_error_if_cancelled (cancellable, &local_error))
            {
              failed = TRUE;
              if (cancel != NULL)
                cancel_export_cb (cancellable, cancel);
            }
        }
      else if (status != PGRES_TUPLES_OK)
        {
          qrs_database_set_error_from_result (&local_error, conn, result);
          failed = TRUE;
        }
      PQclear (result);
    }
  if (handler != 0)
    g_cancellable_disconnect (cancellable, handler);
  g_clear_pointer (&cancel, PQfreeCancel);

  if (!failed && buffer->len > 0 && !flush_csv (stream, buffer, cancellable, &local_error))
    failed = TRUE;

  qrs_database_release (self->database, connection);

  if (failed)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }

  if (n_rows != NULL)
    *n_rows = rows;
  return TRUE;
}

/* ------------------------------------------------------------------ */
/* Asynchronous variants                                               */

typedef struct
{
  GPtrArray       *scans;
  gint64           code_id;
  GDate            first_day;
  GDate            last_day;
  QrsScanDimension dimension;
  guint            limit;
  char            *time_zone;
  GDateTime       *since;
  GDateTime       *until;
  GOutputStream   *stream;
} Args;

static void
args_free (Args *args)
{
  g_clear_pointer (&args->scans, g_ptr_array_unref);
  g_free (args->time_zone);
  g_clear_pointer (&args->since, g_date_time_unref);
  g_clear_pointer (&args->until, g_date_time_unref);
  g_clear_object (&args->stream);
  g_free (args);
}

static Args *
range_args_new (gint64       code_id,
                const GDate *first_day,
                const GDate *last_day)
{
  Args *args = g_new0 (Args, 1);

  args->code_id = code_id;
  g_date_clear (&args->first_day, 1);
  g_date_clear (&args->last_day, 1);
  if (first_day != NULL)
    args->first_day = *first_day;
  if (last_day != NULL)
    args->last_day = *last_day;
  return args;
}

static gpointer
insert_thread (gpointer source, gpointer data, GCancellable *cancellable, GError **error)
{
  Args *args = data;
  guint n_inserted = 0;

  if (!qrs_scan_store_insert (source, (QrsScan * const *)args->scans->pdata, args->scans->len,
                              &n_inserted, cancellable, error))
    return NULL;
  return g_memdup2 (&n_inserted, sizeof n_inserted);
}

/**
 * qrs_scan_store_insert_async:
 * @self: a #QrsScanStore
 * @scans: (element-type QrsScan): the scans; the array is kept until done
 *   and must not change meanwhile
 * @cancellable: (nullable): a #GCancellable
 * @callback: called when done
 * @user_data: for @callback
 *
 * Runs qrs_scan_store_insert() on a worker thread.
 */
void
qrs_scan_store_insert_async (QrsScanStore        *self,
                             GPtrArray           *scans,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  Args *args;

  g_return_if_fail (QRS_IS_SCAN_STORE (self));
  g_return_if_fail (scans != NULL);

  args = g_new0 (Args, 1);
  args->scans = g_ptr_array_ref (scans);
  qrs_store_run_in_thread (self, qrs_scan_store_insert_async, insert_thread,
                           args, (GDestroyNotify)args_free, g_free,
                           cancellable, callback, user_data);
}

gboolean
qrs_scan_store_insert_finish (QrsScanStore  *self,
                              GAsyncResult  *result,
                              guint         *n_inserted,
                              GError       **error)
{
  g_autofree guint *n = qrs_store_run_finish (self, result, qrs_scan_store_insert_async, error);

  if (n_inserted != NULL)
    *n_inserted = n ? *n : 0;
  return n != NULL;
}

static gpointer
count_by_day_thread (gpointer source, gpointer data, GCancellable *cancellable, GError **error)
{
  Args *args = data;

  return qrs_scan_store_count_by_day (source, args->code_id, &args->first_day, &args->last_day,
                                      cancellable, error);
}

void
qrs_scan_store_count_by_day_async (QrsScanStore        *self,
                                   gint64               code_id,
                                   const GDate         *first_day,
                                   const GDate         *last_day,
                                   GCancellable        *cancellable,
                                   GAsyncReadyCallback  callback,
                                   gpointer             user_data)
{
  g_return_if_fail (QRS_IS_SCAN_STORE (self));

  qrs_store_run_in_thread (self, qrs_scan_store_count_by_day_async, count_by_day_thread,
                           range_args_new (code_id, first_day, last_day),
                           (GDestroyNotify)args_free, (GDestroyNotify)g_array_unref,
                           cancellable, callback, user_data);
}

GArray *
qrs_scan_store_count_by_day_finish (QrsScanStore  *self,
                                    GAsyncResult  *result,
                                    GError       **error)
{
  return qrs_store_run_finish (self, result, qrs_scan_store_count_by_day_async, error);
}

static gpointer
get_totals_thread (gpointer source, gpointer data, GCancellable *cancellable, GError **error)
{
  Args *args = data;
  QrsScanTotals *totals = g_new0 (QrsScanTotals, 1);

  if (!qrs_scan_store_get_totals (source, args->code_id, &args->first_day, &args->last_day,
                                  totals, cancellable, error))
    g_clear_pointer (&totals, g_free);
  return totals;
}

void
qrs_scan_store_get_totals_async (QrsScanStore        *self,
                                 gint64               code_id,
                                 const GDate         *first_day,
                                 const GDate         *last_day,
                                 GCancellable        *cancellable,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data)
{
  g_return_if_fail (QRS_IS_SCAN_STORE (self));

  qrs_store_run_in_thread (self, qrs_scan_store_get_totals_async, get_totals_thread,
                           range_args_new (code_id, first_day, last_day),
                           (GDestroyNotify)args_free, g_free,
                           cancellable, callback, user_data);
}

gboolean
qrs_scan_store_get_totals_finish (QrsScanStore   *self,
                                  GAsyncResult   *result,
                                  QrsScanTotals  *totals,
                                  GError        **error)
{
  g_autofree QrsScanTotals *t = qrs_store_run_finish (self, result, qrs_scan_store_get_totals_async, error);

  g_return_val_if_fail (totals != NULL, FALSE);

  if (t == NULL)
    {
      memset (totals, 0, sizeof *totals);
      return FALSE;
    }
  *totals = *t;
  return TRUE;
}

static gpointer
count_by_thread (gpointer source, gpointer data, GCancellable *cancellable, GError **error)
{
  Args *args = data;

  return qrs_scan_store_count_by (source, args->dimension, args->code_id,
                                  &args->first_day, &args->last_day, args->limit,
                                  cancellable, error);
}

void
qrs_scan_store_count_by_async (QrsScanStore        *self,
                               QrsScanDimension     dimension,
                               gint64               code_id,
                               const GDate         *first_day,
                               const GDate         *last_day,
                               guint                limit,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  Args *args;

  g_return_if_fail (QRS_IS_SCAN_STORE (self));

  args = range_args_new (code_id, first_day, last_day);
  args->dimension = dimension;
  args->limit = limit;
  qrs_store_run_in_thread (self, qrs_scan_store_count_by_async, count_by_thread,
                           args, (GDestroyNotify)args_free, (GDestroyNotify)g_array_unref,
                           cancellable, callback, user_data);
}

GArray *
qrs_scan_store_count_by_finish (QrsScanStore  *self,
                                GAsyncResult  *result,
                                GError       **error)
{
  return qrs_store_run_finish (self, result, qrs_scan_store_count_by_async, error);
}

static gpointer
count_by_hour_thread (gpointer source, gpointer data, GCancellable *cancellable, GError **error)
{
  Args *args = data;

  return qrs_scan_store_count_by_hour (source, args->code_id, &args->first_day, &args->last_day,
                                       args->time_zone, cancellable, error);
}

void
qrs_scan_store_count_by_hour_async (QrsScanStore        *self,
                                    gint64               code_id,
                                    const GDate         *first_day,
                                    const GDate         *last_day,
                                    const char          *time_zone,
                                    GCancellable        *cancellable,
                                    GAsyncReadyCallback  callback,
                                    gpointer             user_data)
{
  Args *args;

  g_return_if_fail (QRS_IS_SCAN_STORE (self));

  args = range_args_new (code_id, first_day, last_day);
  args->time_zone = g_strdup (time_zone);
  qrs_store_run_in_thread (self, qrs_scan_store_count_by_hour_async, count_by_hour_thread,
                           args, (GDestroyNotify)args_free, g_free,
                           cancellable, callback, user_data);
}

QrsScanHeatmap *
qrs_scan_store_count_by_hour_finish (QrsScanStore  *self,
                                     GAsyncResult  *result,
                                     GError       **error)
{
  return qrs_store_run_finish (self, result, qrs_scan_store_count_by_hour_async, error);
}

static gpointer
export_csv_thread (gpointer source, gpointer data, GCancellable *cancellable, GError **error)
{
  Args *args = data;
  guint64 n_rows = 0;

  if (!qrs_scan_store_export_csv (source, args->code_id, args->since, args->until, args->stream,
                                  &n_rows, cancellable, error))
    return NULL;
  return g_memdup2 (&n_rows, sizeof n_rows);
}

/**
 * qrs_scan_store_export_csv_async:
 * @self: a #QrsScanStore
 * @code_id: a code, or 0 for all
 * @since: (nullable): the first instant, or %NULL for the beginning
 * @until: (nullable): the instant after the last, or %NULL for now
 * @stream: where to write the CSV; written from the worker thread
 * @cancellable: (nullable): a #GCancellable
 * @callback: called when done
 * @user_data: for @callback
 *
 * Runs qrs_scan_store_export_csv() on a worker thread.
 */
void
qrs_scan_store_export_csv_async (QrsScanStore        *self,
                                 gint64               code_id,
                                 GDateTime           *since,
                                 GDateTime           *until,
                                 GOutputStream       *stream,
                                 GCancellable        *cancellable,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data)
{
  Args *args;

  g_return_if_fail (QRS_IS_SCAN_STORE (self));
  g_return_if_fail (G_IS_OUTPUT_STREAM (stream));

  args = g_new0 (Args, 1);
  args->code_id = code_id;
  args->since = since ? g_date_time_ref (since) : NULL;
  args->until = until ? g_date_time_ref (until) : NULL;
  args->stream = g_object_ref (stream);
  qrs_store_run_in_thread (self, qrs_scan_store_export_csv_async, export_csv_thread,
                           args, (GDestroyNotify)args_free, g_free,
                           cancellable, callback, user_data);
}

gboolean
qrs_scan_store_export_csv_finish (QrsScanStore  *self,
                                  GAsyncResult  *result,
                                  guint64       *n_rows,
                                  GError       **error)
{
  g_autofree guint64 *n = qrs_store_run_finish (self, result, qrs_scan_store_export_csv_async, error);

  if (n_rows != NULL)
    *n_rows = n ? *n : 0;
  return n != NULL;
}

typedef struct
{
  gint64            code_id;
  GDate             first_day;
  GDate             last_day;
  QrsScanDimension *dimensions;
  guint             n_dimensions;
  guint             limit;
} SummaryArgs;

static void
summary_args_free (SummaryArgs *args)
{
  g_free (args->dimensions);
  g_free (args);
}

static gpointer
get_summary_thread (gpointer source, gpointer data, GCancellable *cancellable, GError **error)
{
  SummaryArgs *args = data;

  return qrs_scan_store_get_summary (source, args->code_id, &args->first_day, &args->last_day,
                                     args->dimensions, args->n_dimensions, args->limit,
                                     cancellable, error);
}

/**
 * qrs_scan_store_get_summary_async:
 * @self: a #QrsScanStore
 * @code_id: a code, or 0 for all
 * @first_day: the first UTC day
 * @last_day: the last UTC day, included
 * @dimensions: (array length=n_dimensions): what to count by; copied
 * @n_dimensions: how many
 * @limit: how many of the most frequent values of each, or 0 for all
 * @cancellable: (nullable): a #GCancellable
 * @callback: called when done
 * @user_data: for @callback
 *
 * Runs qrs_scan_store_get_summary() on a worker thread.
 */
void
qrs_scan_store_get_summary_async (QrsScanStore            *self,
                                  gint64                   code_id,
                                  const GDate             *first_day,
                                  const GDate             *last_day,
                                  const QrsScanDimension  *dimensions,
                                  guint                    n_dimensions,
                                  guint                    limit,
                                  GCancellable            *cancellable,
                                  GAsyncReadyCallback      callback,
                                  gpointer                 user_data)
{
  SummaryArgs *args;

  g_return_if_fail (QRS_IS_SCAN_STORE (self));
  g_return_if_fail (dimensions != NULL || n_dimensions == 0);

  args = g_new0 (SummaryArgs, 1);
  args->code_id = code_id;
  g_date_clear (&args->first_day, 1);
  g_date_clear (&args->last_day, 1);
  if (first_day != NULL)
    args->first_day = *first_day;
  if (last_day != NULL)
    args->last_day = *last_day;
  args->dimensions = g_memdup2 (dimensions, n_dimensions * sizeof *dimensions);
  args->n_dimensions = n_dimensions;
  args->limit = limit;
  qrs_store_run_in_thread (self, qrs_scan_store_get_summary_async, get_summary_thread,
                           args, (GDestroyNotify)summary_args_free,
                           (GDestroyNotify)qrs_scan_summary_free,
                           cancellable, callback, user_data);
}

/**
 * qrs_scan_store_get_summary_finish:
 * @self: a #QrsScanStore
 * @result: the result
 * @error: a #GError
 *
 * Returns: (transfer full): the summary, or %NULL with @error set
 */
QrsScanSummary *
qrs_scan_store_get_summary_finish (QrsScanStore  *self,
                                   GAsyncResult  *result,
                                   GError       **error)
{
  return qrs_store_run_finish (self, result, qrs_scan_store_get_summary_async, error);
}
