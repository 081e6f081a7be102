/* qrs-spool.c — the append-only file every answered scan goes to first
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>
#include <zlib.h>

#include "qrs-spool.h"
#include "qrs-utf8.h"

/* A record: magic, payload length and CRC-32 of the payload (all
 * little-endian), then the payload:
 *   u8 version, 16 event id, i64 code id, i64 scanned at (µs),
 *   16 visitor hash, u16 + user agent, u8 + referrer host, u8 + language */
#define RECORD_MAGIC        0x31535251u   /* "QRS1" on disk */
#define RECORD_HEADER       12
#define RECORD_VERSION      1
#define RECORD_PAYLOAD_MAX  1024
#define RECORD_MAX          (RECORD_HEADER + RECORD_PAYLOAD_MAX)
#define READ_CHUNK          (1 << 20)
#define LEDGER_NAME         "ledger"
#define LEDGER_TEMP_NAME    "ledger.tmp"
#define LEDGER_HEADER       "qrstudio-spool-ledger 1\n"

G_STATIC_ASSERT (RECORD_HEADER + 1 + 16 + 8 + 8 + 16 + 2 + QRS_SCAN_USER_AGENT_MAX + 1 +
                 QRS_SCAN_REFERRER_MAX + 1 + QRS_SCAN_LANGUAGE_MAX <= RECORD_MAX);

typedef struct
{
  guint64 seq;
  guint64 size;
} Segment;

/* A warning that may come with every append: logged at once, then once
 * a minute with how often it happened in between. */
typedef struct
{
  gint64  last;       /* monotonic µs, 0 for never */
  guint64 unlogged;   /* since then */
} WarningLimit;

struct _QrsSpool
{
  GObject          parent_instance;

  char            *directory;
  int              dir_fd;
  guint64          segment_size;

  /* One qrs_spool_sync() at a time: the writer thread's, and at a stop
   * that could not wait for that thread, the stopping one's. */
  GMutex           sync_lock;

  GMutex           lock;
  /* Guarded by lock. */
  GArray          *segments;        /* of Segment, by seq */
  guint64          active_seq;
  int              active_fd;
  guint64          active_size;     /* complete records only */
  guint64          bytes;           /* every segment on disk */
  guint64          written_bytes;   /* appended by this process */
  guint64          synced_bytes;
  int              retired_fd;      /* a segment left, for the writer to sync */
  int              syncing_fd;      /* in the writer's fdatasync(), -1 when none */
  gboolean         close_after_sync;  /* syncing_fd was let go: the writer closes it */
  gboolean         dir_unsynced;    /* a segment created since the last sync */
  gboolean         half_logged;
  WarningLimit     trouble_warnings;      /* the disk's */
  WarningLimit     full_warnings;         /* the spool's limit's */
  QrsSpoolPosition ledger;

  /* Only the one reader thread touches these. */
  int              read_fd;
  guint64          read_seq;
  guint8          *read_buffer;

  _Atomic guint64  max_bytes;
  _Atomic guint64  appended;
  _Atomic guint64  dropped;
  _Atomic guint64  skipped;
};

G_DEFINE_FINAL_TYPE (QrsSpool, qrs_spool, G_TYPE_OBJECT)
G_DEFINE_QUARK (qrs-spool-error-quark, qrs_spool_error)

/* CRC-32 (the IEEE polynomial, reflected): zlib's. */
static guint32
crc32_compute (const guint8 *data,
               gsize         length)
{
  /* Records are at most RECORD_MAX bytes, well within a uInt. */
  return (guint32)crc32 (0, data, (uInt)length);
}

static void
put_u32 (guint8  *p,
         guint32  v)
{
  v = GUINT32_TO_LE (v);
  memcpy (p, &v, 4);
}

static guint32
get_u32 (const guint8 *p)
{
  guint32 v;

  memcpy (&v, p, 4);
  return GUINT32_FROM_LE (v);
}

static void
put_i64 (guint8 *p,
         gint64  v)
{
  guint64 u = GUINT64_TO_LE ((guint64)v);
  memcpy (p, &u, 8);
}

static gint64
get_i64 (const guint8 *p)
{
  guint64 u;

  memcpy (&u, p, 8);
  return (gint64)GUINT64_FROM_LE (u);
}

void
qrs_scan_record_clear (QrsScanRecord *record)
{
  g_return_if_fail (record != NULL);

  g_clear_pointer (&record->user_agent, g_free);
  g_clear_pointer (&record->referrer_host, g_free);
  g_clear_pointer (&record->language, g_free);
}

static void
fill_random_from_kernel (guint8 *buffer,
                         gsize   length)
{
  while (length > 0)
    {
      ssize_t n = getrandom (buffer, length, 0);

      if (n < 0)
        {
          /* Only EINTR is possible for so few bytes after boot. */
          g_assert (errno == EINTR);
          continue;
        }
      buffer += n;
      length -= n;
    }
}

/* Random bytes for event ids without a system call per request: each
 * thread draws from the kernel's CSPRNG a block at a time. */
#define RANDOM_BLOCK 4096

typedef struct
{
  guint8 bytes[RANDOM_BLOCK];
  gsize  used;
} RandomBlock;

static void
random_block_free (gpointer data)
{
  explicit_bzero (data, sizeof (RandomBlock));
  g_free (data);
}

static GPrivate random_block = G_PRIVATE_INIT (random_block_free);

static void
fill_random (guint8 *buffer,
             gsize   length)
{
  RandomBlock *block = g_private_get (&random_block);

  g_assert (length <= RANDOM_BLOCK);
  if (block == NULL)
    {
      block = g_new (RandomBlock, 1);
      block->used = RANDOM_BLOCK;
      g_private_set (&random_block, block);
    }
  if (block->used + length > RANDOM_BLOCK)
    {
      fill_random_from_kernel (block->bytes, RANDOM_BLOCK);
      block->used = 0;
    }
  memcpy (buffer, block->bytes + block->used, length);
  /* Bytes handed out are not kept. */
  explicit_bzero (block->bytes + block->used, length);
  block->used += length;
}

/**
 * qrs_scan_record_new_event_id:
 * @event_id: (out caller-allocates): sixteen bytes
 * @now: µs since the Unix epoch
 *
 * A UUID version 7: the time in milliseconds, then 74 random bits from
 * the kernel's CSPRNG — unique across daemons and restarts, and in time
 * order, which keeps the unique index on scans compact.
 */
void
qrs_scan_record_new_event_id (guint8 event_id[16],
                              gint64 now)
{
  guint64 ms = (guint64)(now / 1000);

  for (int i = 0; i < 6; i++)
    event_id[i] = (guint8)(ms >> (40 - 8 * i));
  fill_random (event_id + 6, 10);
  event_id[6] = 0x70 | (event_id[6] & 0x0F);
  event_id[8] = 0x80 | (event_id[8] & 0x3F);
}

/* The writer formats one per scan: no printf for 16 bytes. */
void
qrs_uuid_format (const guint8 uuid[16],
                 char         text[QRS_UUID_STRING_LENGTH + 1])
{
  static const char hex[] = "0123456789abcdef";
  char *p = text;

  for (guint i = 0; i < 16; i++)
    {
      if (i == 4 || i == 6 || i == 8 || i == 10)
        *p++ = '-';
      *p++ = hex[uuid[i] >> 4];
      *p++ = hex[uuid[i] & 0x0F];
    }
  *p = '\0';
}

char *
qrs_uuid_to_string (const guint8 uuid[16])
{
  char *text = g_malloc (QRS_UUID_STRING_LENGTH + 1);

  qrs_uuid_format (uuid, text);
  return text;
}

static gsize
bounded_length (const char *s,
                gsize       max)
{
  return s == NULL ? 0 : strnlen (s, max);
}

/* Returns the record's full length in @buffer (RECORD_MAX bytes). */
static gsize
encode_record (const QrsScanRecord *record,
               guint8              *buffer)
{
  guint8 *p = buffer + RECORD_HEADER;
  gsize ua_len = bounded_length (record->user_agent, QRS_SCAN_USER_AGENT_MAX);
  gsize ref_len = bounded_length (record->referrer_host, QRS_SCAN_REFERRER_MAX);
  gsize lang_len = bounded_length (record->language, QRS_SCAN_LANGUAGE_MAX);
  gsize payload;

  *p++ = RECORD_VERSION;
  memcpy (p, record->event_id, 16); p += 16;
  put_i64 (p, record->code_id); p += 8;
  put_i64 (p, record->scanned_at); p += 8;
  memcpy (p, record->visitor_hash, 16); p += 16;
  *p++ = ua_len & 0xFF;
  *p++ = ua_len >> 8;
  if (ua_len > 0)
    memcpy (p, record->user_agent, ua_len);
  p += ua_len;
  *p++ = (guint8)ref_len;
  if (ref_len > 0)
    memcpy (p, record->referrer_host, ref_len);
  p += ref_len;
  *p++ = (guint8)lang_len;
  if (lang_len > 0)
    memcpy (p, record->language, lang_len);
  p += lang_len;

  payload = p - (buffer + RECORD_HEADER);
  put_u32 (buffer, RECORD_MAGIC);
  put_u32 (buffer + 4, (guint32)payload);
  put_u32 (buffer + 8, crc32_compute (buffer + RECORD_HEADER, payload));

  return RECORD_HEADER + payload;
}

static char *
take_string (const guint8 **p,
             const guint8  *end,
             gsize          length,
             gboolean       nullable,
             gboolean      *ok)
{
  char *s;

  if (*p + length > end || !qrs_utf8_validate_len ((const char *)*p, length))
    {
      *ok = FALSE;
      return NULL;
    }
  if (length == 0 && nullable)
    return NULL;
  s = g_strndup ((const char *)*p, length);
  *p += length;
  return s;
}

static gboolean
decode_payload (const guint8  *payload,
                gsize          length,
                QrsScanRecord *record)
{
  const guint8 *p = payload;
  const guint8 *end = payload + length;
  gboolean ok = TRUE;
  gsize ua_len;

  if (length < 1 + 16 + 8 + 8 + 16 + 2 + 1 + 1 || *p++ != RECORD_VERSION)
    return FALSE;

  memset (record, 0, sizeof *record);
  memcpy (record->event_id, p, 16); p += 16;
  record->code_id = get_i64 (p); p += 8;
  record->scanned_at = get_i64 (p); p += 8;
  memcpy (record->visitor_hash, p, 16); p += 16;
  ua_len = p[0] | (p[1] << 8); p += 2;
  record->user_agent = take_string (&p, end, ua_len, FALSE, &ok);
  if (ok && p < end)
    {
      gsize n = *p++;
      record->referrer_host = take_string (&p, end, n, TRUE, &ok);
    }
  else
    ok = FALSE;
  if (ok && p < end)
    {
      gsize n = *p++;
      record->language = take_string (&p, end, n, TRUE, &ok);
    }
  else
    ok = FALSE;

  if (!ok || p != end)
    {
      qrs_scan_record_clear (record);
      return FALSE;
    }
  return TRUE;
}

static char *
segment_name (guint64 seq)
{
  return g_strdup_printf ("scans-%020" G_GUINT64_FORMAT ".spool", seq);
}

static gboolean
parse_segment_name (const char *name,
                    guint64    *seq)
{
  g_autofree char *digits = NULL;

  if (!g_str_has_prefix (name, "scans-") || !g_str_has_suffix (name, ".spool") ||
      strlen (name) != strlen ("scans-") + 20 + strlen (".spool"))
    return FALSE;
  digits = g_strndup (name + strlen ("scans-"), 20);
  return g_ascii_string_to_unsigned (digits, 10, 0, G_MAXUINT64, seq, NULL);
}

static int
compare_segments (gconstpointer a,
                  gconstpointer b)
{
  const Segment *sa = a;
  const Segment *sb = b;

  return sa->seq < sb->seq ? -1 : sa->seq > sb->seq;
}

static gboolean
set_io_error (GError     **error,
              int          saved_errno,
              const char  *what,
              const char  *path)
{
  g_set_error (error, QRS_SPOOL_ERROR, QRS_SPOOL_ERROR_IO,
               "%s %s: %s", what, path, g_strerror (saved_errno));
  return FALSE;
}

static void
qrs_spool_finalize (GObject *object)
{
  QrsSpool *self = (QrsSpool *)object;

  qrs_spool_close (self);
  /* A sync holds a reference: none can be under way. */
  g_assert (self->syncing_fd < 0);
  if (self->read_fd >= 0)
    close (self->read_fd);
  if (self->dir_fd >= 0)
    close (self->dir_fd);
  g_clear_pointer (&self->segments, g_array_unref);
  g_clear_pointer (&self->directory, g_free);
  g_clear_pointer (&self->read_buffer, g_free);
  g_mutex_clear (&self->lock);
  g_mutex_clear (&self->sync_lock);

  G_OBJECT_CLASS (qrs_spool_parent_class)->finalize (object);
}

static void
qrs_spool_class_init (QrsSpoolClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = qrs_spool_finalize;
}

static void
qrs_spool_init (QrsSpool *self)
{
  g_mutex_init (&self->lock);
  g_mutex_init (&self->sync_lock);
  self->segments = g_array_new (FALSE, FALSE, sizeof (Segment));
  self->dir_fd = -1;
  self->active_fd = -1;
  self->retired_fd = -1;
  self->syncing_fd = -1;
  self->read_fd = -1;
}

static gboolean
load_ledger (QrsSpool  *self,
             GError   **error)
{
  g_autofree char *path = g_build_filename (self->directory, LEDGER_NAME, NULL);
  g_autofree char *text = NULL;
  g_autoptr(GError) local_error = NULL;
  g_auto(GStrv) fields = NULL;

  if (!g_file_get_contents (path, &text, NULL, &local_error))
    {
      if (g_error_matches (local_error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
        {
          /* Nothing was ever committed: start at the oldest segment. */
          self->ledger.segment = self->segments->len ? g_array_index (self->segments, Segment, 0).seq : 0;
          self->ledger.offset = 0;
          return TRUE;
        }
      g_set_error (error, QRS_SPOOL_ERROR, QRS_SPOOL_ERROR_LEDGER,
                   _("Cannot read the spool ledger: %s"), local_error->message);
      return FALSE;
    }

  if (!g_str_has_prefix (text, LEDGER_HEADER) ||
      (fields = g_strsplit (g_strstrip (text + strlen (LEDGER_HEADER)), " ", 3)) == NULL ||
      g_strv_length (fields) != 2 ||
      !g_ascii_string_to_unsigned (fields[0], 10, 0, G_MAXUINT64, &self->ledger.segment, NULL) ||
      !g_ascii_string_to_unsigned (fields[1], 10, 0, G_MAXUINT64, &self->ledger.offset, NULL))
    {
      /* The ledger is replaced by rename(), so this is not a torn write:
       * someone edited it.  Refuse rather than replay or lose scans. */
      g_set_error (error, QRS_SPOOL_ERROR, QRS_SPOOL_ERROR_LEDGER,
                   _("The spool ledger %s is damaged; move it away to replay the whole spool"
                     " (replaying is harmless: scans are unique by event id)"), path);
      return FALSE;
    }
  return TRUE;
}

/* With the lock held: the spool has no more use for segment descriptor
 * @fd.  The one qrs_spool_sync() is in fdatasync() on stays open, and
 * so keeps its number, until the writer closes it after the call. */
static void
release_segment_fd (QrsSpool *self,
                    int       fd)
{
  g_assert (fd >= 0);

  if (fd == self->syncing_fd)
    self->close_after_sync = TRUE;
  else
    close (fd);
}

/* With the lock held, or before any other thread has the spool.  With
 * @sync_directory FALSE the new name is made durable by the next
 * qrs_spool_sync(), on the writer thread, not by the request that
 * happened to fill the old segment. */
static gboolean
open_new_segment (QrsSpool  *self,
                  gboolean   sync_directory,
                  GError   **error)
{
  g_autofree char *name = NULL;
  Segment segment = { 0, 0 };
  int fd;

  segment.seq = self->segments->len ? g_array_index (self->segments, Segment, self->segments->len - 1).seq + 1 : 1;
  segment.seq = MAX (segment.seq, self->ledger.segment);
  name = segment_name (segment.seq);

  fd = openat (self->dir_fd, name, O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_CLOEXEC, 0600);
  if (fd < 0)
    return set_io_error (error, errno, _("Cannot create the spool segment"), name);
  /* The new name must survive a power cut along with its records. */
  if (sync_directory && fsync (self->dir_fd) < 0)
    {
      int saved_errno = errno;
      close (fd);
      return set_io_error (error, saved_errno, _("Cannot sync the spool directory"), self->directory);
    }
  if (!sync_directory)
    self->dir_unsynced = TRUE;

  if (self->active_fd >= 0)
    {
      if (self->retired_fd >= 0)
        {
          /* The writer has not come round since the last rotation (tiny
           * segments, or a stalled disk): sync the older one here. */
          if (fdatasync (self->retired_fd) < 0)
            g_warning ("Cannot sync the spool segment: %s", g_strerror (errno));
          release_segment_fd (self, self->retired_fd);
        }
      self->retired_fd = self->active_fd;
    }
  self->active_fd = fd;
  self->active_seq = segment.seq;
  self->active_size = 0;
  g_array_append_val (self->segments, segment);

  return TRUE;
}

/* Takes the segments the ledger has passed out of the list, with the
 * lock held; delete_segments() then unlinks them without it, since
 * freeing a large file's blocks takes a while and requests append
 * under that lock. */
static GArray *
take_consumed_segments (QrsSpool *self)
{
  GArray *consumed = g_array_new (FALSE, FALSE, sizeof (Segment));

  while (self->segments->len > 0)
    {
      Segment *segment = &g_array_index (self->segments, Segment, 0);

      if (segment->seq >= self->ledger.segment || segment->seq == self->active_seq)
        break;
      g_array_append_val (consumed, *segment);
      self->bytes -= MIN (self->bytes, segment->size);
      g_array_remove_index (self->segments, 0);
    }
  return consumed;
}

static void
delete_segments (QrsSpool *self,
                 GArray   *consumed)
{
  for (guint i = 0; i < consumed->len; i++)
    {
      Segment *segment = &g_array_index (consumed, Segment, i);
      g_autofree char *name = segment_name (segment->seq);

      if (unlinkat (self->dir_fd, name, 0) < 0 && errno != ENOENT)
        {
          g_warning ("Cannot delete the spool segment %s/%s: %s",
                     self->directory, name, g_strerror (errno));
          /* Back at the front of the list, still counted, and tried
           * again at the next commit. */
          g_mutex_lock (&self->lock);
          for (guint j = consumed->len; j > i; j--)
            {
              Segment *back = &g_array_index (consumed, Segment, j - 1);

              g_array_prepend_val (self->segments, *back);
              self->bytes += back->size;
            }
          g_mutex_unlock (&self->lock);
          break;
        }
    }
}

/**
 * qrs_spool_open:
 * @directory: the spool directory, created when missing
 * @max_bytes: refuse records beyond this many bytes on disk
 * @segment_size: start a new segment file past this size
 * @error: a #GError
 *
 * Opens the spool and starts a new segment for this process's records.
 *
 * Returns: (transfer full): the spool, or %NULL with @error set
 */
QrsSpool *
qrs_spool_open (const char  *directory,
                guint64      max_bytes,
                guint64      segment_size,
                GError     **error)
{
  g_autoptr(QrsSpool) self = NULL;
  g_autoptr(GDir) dir = NULL;
  const char *name;

  g_return_val_if_fail (directory != NULL, NULL);


  self = g_object_new (QRS_TYPE_SPOOL, NULL);
  self->directory = g_strdup (directory);
  self->segment_size = MAX (segment_size, RECORD_MAX);
  self->max_bytes = max_bytes;
  self->read_buffer = g_malloc (READ_CHUNK);

  if (g_mkdir_with_parents (directory, 0700) < 0)
    {
      set_io_error (error, errno, _("Cannot create the spool directory"), directory);
      return NULL;
    }
  self->dir_fd = open (directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (self->dir_fd < 0)
    {
      set_io_error (error, errno, _("Cannot open the spool directory"), directory);
      return NULL;
    }
  /* One spool, one process: a second daemon on the same directory would
   * delete the segments the first writes to, and lose their scans.  The
   * lock goes with the descriptor, so with the process, however it ends. */
  if (flock (self->dir_fd, LOCK_EX | LOCK_NB) < 0)
    {
      if (errno == EWOULDBLOCK)
        {
          g_set_error (error, QRS_SPOOL_ERROR, QRS_SPOOL_ERROR_IN_USE,
                       _("Another process uses the spool in %s (a second qrstudio-redirectd with the same "
                         "state directory?): stop it, or give this one a state directory of its own"),
                       directory);
          return NULL;
        }
      /* NFS takes flock() for a POSIX lock, which a directory opened
       * for reading cannot hold (EBADF): go on, unguarded. */
      g_warning ("Cannot lock the spool directory %s (%s): make sure no other daemon uses it",
                 directory, g_strerror (errno));
    }

  dir = g_dir_open (directory, 0, NULL);
  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      Segment segment;
      struct stat st;

      if (!parse_segment_name (name, &segment.seq))
        continue;
      if (fstatat (self->dir_fd, name, &st, 0) < 0 || !S_ISREG (st.st_mode))
        continue;
      segment.size = st.st_size;
      self->bytes += segment.size;
      g_array_append_val (self->segments, segment);
    }
  g_array_sort (self->segments, compare_segments);
  unlinkat (self->dir_fd, LEDGER_TEMP_NAME, 0);

  if (!load_ledger (self, error))
    return NULL;
  {
    g_autoptr(GArray) consumed = take_consumed_segments (self);
    delete_segments (self, consumed);
  }

  if (!open_new_segment (self, TRUE, error))
    return NULL;

  return g_steal_pointer (&self);
}

/* A full or failing disk fails every append, thousands a second: the
 * log says so at once, then once a minute with how often it happened in
 * between, and the dropped-scans counter keeps the exact count.  Called
 * with the lock held; returns what to log after it is released. */
#define TROUBLE_WARNING_INTERVAL (60 * G_USEC_PER_SEC)

/* Whether to log now; @more: how many went unlogged since the last. */
static gboolean
take_warning (WarningLimit *limit,
              guint64      *more)
{
  gint64 now = g_get_monotonic_time ();

  if (limit->last != 0 && now - limit->last < TROUBLE_WARNING_INTERVAL)
    {
      limit->unlogged++;
      return FALSE;
    }
  *more = limit->unlogged;
  limit->last = now;
  limit->unlogged = 0;
  return TRUE;
}

static char *
take_trouble_warning (QrsSpool   *self,
                      const char *what)
{
  guint64 more;

  if (!take_warning (&self->trouble_warnings, &more))
    return NULL;
  if (more > 0)
    return g_strdup_printf ("%s (and %" G_GUINT64_FORMAT " times more since the last such warning)",
                            what, more);
  return g_strdup (what);
}

/* Called with the lock held. */
static void
check_half_full (QrsSpool *self,
                 guint64   max_bytes)
{
  if (!self->half_logged && self->bytes > max_bytes / 2)
    {
      self->half_logged = TRUE;
      g_warning ("The scan spool is half full (%" G_GUINT64_FORMAT " of %" G_GUINT64_FORMAT
                 " bytes): is the database reachable?", self->bytes, max_bytes);
    }
}

/**
 * qrs_spool_append:
 * @self: a #QrsSpool
 * @record: the scan
 *
 * Writes @record with write(2) — in the page cache when this returns, so
 * it survives the process — and counts it dropped when the spool is full
 * or the disk refuses.  Safe from any thread.
 */
QrsSpoolAppendResult
qrs_spool_append (QrsSpool            *self,
                  const QrsScanRecord *record)
{
  guint8 buffer[RECORD_MAX];
  gsize length;
  gssize written = 0;
  guint64 max_bytes;
  int saved_errno = 0;
  g_autofree char *rotation_error = NULL;
  g_autofree char *trouble = NULL;

  g_return_val_if_fail (QRS_IS_SPOOL (self), QRS_SPOOL_FAILED);
  g_return_val_if_fail (record != NULL, QRS_SPOOL_FAILED);

  length = encode_record (record, buffer);
  max_bytes = atomic_load (&self->max_bytes);

  g_mutex_lock (&self->lock);

  /* Before the full check, so that a spool left more than half full by
   * an earlier run says so at its first scan, dropped or not; a scan
   * that passes half is told of at the next. */
  check_half_full (self, max_bytes);

  if (self->active_fd < 0 || self->bytes + length > max_bytes)
    {
      guint64 more;

      /* Its own limit: a failing disk must still be heard. */
      if (self->active_fd >= 0 && take_warning (&self->full_warnings, &more))
        {
          g_autofree char *since = more > 0 ? g_strdup_printf (" (%" G_GUINT64_FORMAT " more dropped since "
                                                               "the last such warning)", more)
                                            : NULL;

          trouble = g_strdup_printf ("The scan spool is full (%" G_GUINT64_FORMAT " of %" G_GUINT64_FORMAT
                                     " bytes, spool-max): scans are dropped until the database takes "
                                     "the ones waiting%s", self->bytes, max_bytes, since ? since : "");
        }
      g_mutex_unlock (&self->lock);
      atomic_fetch_add (&self->dropped, 1);
      if (trouble != NULL)
        g_warning ("%s", trouble);
      return QRS_SPOOL_FULL;
    }

  if (self->active_size > 0 && self->active_size + length > self->segment_size)
    {
      g_autoptr(GError) error = NULL;

      /* The old segment is complete; the writer's next group sync makes
       * it durable, as it would have the records anyway. */
      g_array_index (self->segments, Segment, self->segments->len - 1).size = self->active_size;
      if (!open_new_segment (self, FALSE, &error))
        rotation_error = g_strdup_printf ("%s; going on with the old segment", error->message);
    }

  while (written < (gssize)length)
    {
      gssize n = write (self->active_fd, buffer + written, length - written);

      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        {
          saved_errno = n < 0 ? errno : ENOSPC;
          break;
        }
      written += n;
    }

  if (written != (gssize)length)
    {
      g_autofree char *what = NULL;

      /* Cut a partial record off so the next one starts clean. */
      if (written > 0 && ftruncate (self->active_fd, self->active_size) < 0)
        g_warning ("Cannot cut a partial record off the spool: %s", g_strerror (errno));
      what = g_strdup_printf ("Cannot write a scan to the spool: %s", g_strerror (saved_errno));
      trouble = take_trouble_warning (self, what);
      g_mutex_unlock (&self->lock);
      atomic_fetch_add (&self->dropped, 1);
      if (trouble != NULL)
        g_warning ("%s", trouble);
      return QRS_SPOOL_FAILED;
    }

  self->active_size += length;
  g_array_index (self->segments, Segment, self->segments->len - 1).size = self->active_size;
  self->bytes += length;
  self->written_bytes += length;

  if (rotation_error != NULL)
    trouble = take_trouble_warning (self, rotation_error);

  g_mutex_unlock (&self->lock);

  if (trouble != NULL)
    g_warning ("%s", trouble);
  atomic_fetch_add (&self->appended, 1);
  return QRS_SPOOL_APPENDED;
}

/**
 * qrs_spool_sync:
 *
 * Makes every record appended so far durable: the group fsync, called by
 * the writer thread every few tens of milliseconds, not per request.
 * A second caller waits for the first (sync_lock).
 *
 * It syncs the active segment's own descriptor, outside the lock, and
 * needs no new one: a process out of descriptors (a flood of
 * connections) still answers scans on the connections it holds, and
 * they must still become durable.  A dup() here failed with EMFILE,
 * sync after sync, for as long as that lasted.  Instead the descriptor
 * is marked as syncing_fd under the lock, and whoever would close it
 * while it is marked leaves that to us (release_segment_fd()).  Why that is sound, with rotations by
 * requests and qrs_spool_close() at any point of the call:
 *
 * - Every close of a segment descriptor but ours goes through
 *   release_segment_fd() with the lock held, so the marked descriptor
 *   stays open, under the same number and on the same file, until we
 *   unmark it.  Our fdatasync() never lands on a closed or reused
 *   number, and `fd == syncing_fd` cannot match another segment.
 *
 * - A rotation during the call makes the marked descriptor retired_fd
 *   and closes nothing of ours.  We leave it there: the next call syncs
 *   it as the retired segment and closes it, as for any other.
 *
 * - A second rotation during the call finds the marked descriptor as
 *   retired_fd.  It fdatasync()s it as before, covering the records
 *   appended to it after we took @target, and marks it to be closed by
 *   us.  It is then in no field of the spool, so nothing else touches
 *   it; we close it after unmarking.  A third rotation finds a newer
 *   retired_fd, never ours, and closes that itself as before.
 *
 * - qrs_spool_close() during the call fdatasync()s the marked one as
 *   retired_fd or as active_fd and leaves it to us the same way.
 *
 * - The retired descriptor we take is out of the spool once taken:
 *   ours alone to sync and close, as before.
 *
 * What counts as durable is unchanged: @target was read under the lock
 * together with which segments to sync.  Records up to it are in older
 * segments already synced (by an earlier call, or by the rotation that
 * dropped their descriptor), in the retired segment or in the active
 * one, and both are fdatasync()ed, the older first, with the directory
 * fsync() for segments created since the last call, before synced_bytes
 * moves.  Records after @target wait for the next call.  An error keeps
 * synced_bytes and puts dir_unsynced back, so the next call tries again.
 */
static gboolean
sync_spool (QrsSpool  *self,
            GError   **error)
{
  guint64 target;
  gboolean sync_directory;
  gboolean close_fd = FALSE;
  int retired;
  int fd = -1;
  int saved_errno = 0;

  g_mutex_lock (&self->lock);
  g_assert (self->syncing_fd < 0);
  retired = self->retired_fd;
  self->retired_fd = -1;
  sync_directory = self->dir_unsynced;
  self->dir_unsynced = FALSE;
  target = self->written_bytes;
  if (self->written_bytes != self->synced_bytes && self->active_fd >= 0)
    {
      fd = self->active_fd;
      self->syncing_fd = fd;
      self->close_after_sync = FALSE;
    }
  g_mutex_unlock (&self->lock);

  if (retired < 0 && !sync_directory && fd < 0)
    return TRUE;

  /* The segment left first: its records are older. */
  if (retired >= 0)
    {
      if (fdatasync (retired) < 0 && saved_errno == 0)
        saved_errno = errno;
      close (retired);
    }
  if (sync_directory && fsync (self->dir_fd) < 0 && saved_errno == 0)
    saved_errno = errno;
  if (fd >= 0 && fdatasync (fd) < 0 && saved_errno == 0)
    saved_errno = errno;

  g_mutex_lock (&self->lock);
  if (fd >= 0)
    {
      close_fd = self->close_after_sync;
      self->syncing_fd = -1;
      self->close_after_sync = FALSE;
    }
  /* On failure tried again next time: a new segment's name is not
   * durable yet. */
  if (saved_errno != 0)
    self->dir_unsynced |= sync_directory;
  else
    self->synced_bytes = MAX (self->synced_bytes, target);
  g_mutex_unlock (&self->lock);

  /* Unmarked and in no field: nobody else closes it, and its number is
   * not reused before this. */
  if (close_fd)
    close (fd);

  if (saved_errno != 0)
    return set_io_error (error, saved_errno, _("Cannot sync the spool in"), self->directory);

  return TRUE;
}

gboolean
qrs_spool_sync (QrsSpool  *self,
                GError   **error)
{
  gboolean ok;

  g_return_val_if_fail (QRS_IS_SPOOL (self), FALSE);

  g_mutex_lock (&self->sync_lock);
  ok = sync_spool (self, error);
  g_mutex_unlock (&self->sync_lock);
  return ok;
}

void
qrs_spool_set_max_bytes (QrsSpool *self,
                         guint64   max_bytes)
{
  g_return_if_fail (QRS_IS_SPOOL (self));

  atomic_store (&self->max_bytes, max_bytes);
}

guint64
qrs_spool_get_max_bytes (QrsSpool *self)
{
  g_return_val_if_fail (QRS_IS_SPOOL (self), 0);

  return atomic_load (&self->max_bytes);
}

guint64
qrs_spool_get_bytes (QrsSpool *self)
{
  guint64 bytes;

  g_return_val_if_fail (QRS_IS_SPOOL (self), 0);

  g_mutex_lock (&self->lock);
  bytes = self->bytes;
  g_mutex_unlock (&self->lock);

  return bytes;
}

/**
 * qrs_spool_get_pending_bytes:
 *
 * Returns: the bytes of records past the ledger: scans not known to be
 *   in the database yet, whichever process spooled them
 */
guint64
qrs_spool_get_pending_bytes (QrsSpool *self)
{
  guint64 pending = 0;

  g_return_val_if_fail (QRS_IS_SPOOL (self), 0);

  g_mutex_lock (&self->lock);
  for (guint i = 0; i < self->segments->len; i++)
    {
      const Segment *segment = &g_array_index (self->segments, Segment, i);

      if (segment->seq > self->ledger.segment)
        pending += segment->size;
      else if (segment->seq == self->ledger.segment && segment->size > self->ledger.offset)
        pending += segment->size - self->ledger.offset;
    }
  g_mutex_unlock (&self->lock);

  return pending;
}

guint64
qrs_spool_get_appended (QrsSpool *self)
{
  g_return_val_if_fail (QRS_IS_SPOOL (self), 0);

  return atomic_load (&self->appended);
}

guint64
qrs_spool_get_dropped (QrsSpool *self)
{
  g_return_val_if_fail (QRS_IS_SPOOL (self), 0);

  return atomic_load (&self->dropped);
}

/* Damaged or torn records passed over while reading. */
guint64
qrs_spool_get_skipped (QrsSpool *self)
{
  g_return_val_if_fail (QRS_IS_SPOOL (self), 0);

  return atomic_load (&self->skipped);
}

void
qrs_spool_get_ledger (QrsSpool         *self,
                      QrsSpoolPosition *position)
{
  g_return_if_fail (QRS_IS_SPOOL (self));
  g_return_if_fail (position != NULL);

  g_mutex_lock (&self->lock);
  *position = self->ledger;
  g_mutex_unlock (&self->lock);
}

gboolean
qrs_spool_has_pending (QrsSpool               *self,
                       const QrsSpoolPosition *position)
{
  gboolean pending;

  g_return_val_if_fail (QRS_IS_SPOOL (self), FALSE);
  g_return_val_if_fail (position != NULL, FALSE);

  g_mutex_lock (&self->lock);
  pending = position->segment < self->active_seq ||
            (position->segment == self->active_seq && position->offset < self->active_size);
  g_mutex_unlock (&self->lock);

  return pending;
}

/* Where reading goes on from @position: the segment itself, or the next
 * one on disk when it is gone.  Returns FALSE when there is none. */
static gboolean
locate_segment (QrsSpool         *self,
                QrsSpoolPosition *position,
                gboolean         *is_active,
                guint64          *end)
{
  gboolean found = FALSE;

  g_mutex_lock (&self->lock);
  for (guint i = 0; i < self->segments->len; i++)
    {
      Segment *segment = &g_array_index (self->segments, Segment, i);

      if (segment->seq < position->segment)
        continue;
      if (segment->seq > position->segment)
        {
          position->segment = segment->seq;
          position->offset = 0;
        }
      *is_active = segment->seq == self->active_seq;
      *end = *is_active ? self->active_size : segment->size;
      found = TRUE;
      break;
    }
  g_mutex_unlock (&self->lock);

  return found;
}

static gboolean
ensure_read_fd (QrsSpool  *self,
                guint64    seq,
                GError   **error)
{
  g_autofree char *name = NULL;

  if (self->read_fd >= 0 && self->read_seq == seq)
    return TRUE;
  if (self->read_fd >= 0)
    close (self->read_fd);
  name = segment_name (seq);
  self->read_fd = openat (self->dir_fd, name, O_RDONLY | O_CLOEXEC);
  if (self->read_fd < 0)
    return set_io_error (error, errno, _("Cannot read the spool segment"), name);
  self->read_seq = seq;
  return TRUE;
}

static void
log_skipped (QrsSpool   *self,
             guint64     seq,
             guint64     offset,
             const char *why)
{
  g_autofree char *name = segment_name (seq);

  atomic_fetch_add (&self->skipped, 1);
  g_message ("Spool %s/%s: skipped a %s record at byte %" G_GUINT64_FORMAT,
             self->directory, name, why, offset);
}

/* The next record magic after @from in @buffer, or -1. */
static gssize
find_magic (const guint8 *buffer,
            gsize         length,
            gsize         from)
{
  for (gsize i = from; i + 4 <= length; i++)
    if (get_u32 (buffer + i) == RECORD_MAGIC)
      return i;
  return -1;
}

/**
 * qrs_spool_read:
 * @self: a #QrsSpool
 * @position: (inout): where to read from; advanced past what was read
 * @max_records: read at most this many
 * @records: (element-type QrsScanRecord): the records are appended here
 * @error: a #GError
 *
 * Reads complete records from @position on, across segments.  A torn or
 * damaged record is logged, counted and skipped.  One reader at a time.
 *
 * Returns: the number of records read; 0 with @error set on failure
 */
guint
qrs_spool_read (QrsSpool          *self,
                QrsSpoolPosition  *position,
                guint              max_records,
                GArray            *records,
                GError           **error)
{
  guint n_read = 0;

  g_return_val_if_fail (QRS_IS_SPOOL (self), 0);
  g_return_val_if_fail (position != NULL, 0);
  g_return_val_if_fail (records != NULL, 0);

  while (n_read < max_records)
    {
      gboolean is_active = FALSE;
      guint64 end = 0;
      gsize length;
      gssize got;
      gsize p = 0;

      if (!locate_segment (self, position, &is_active, &end))
        break;

      if (position->offset >= end)
        {
          if (is_active)
            break;
          /* A finished segment: go on with the next. */
          position->segment++;
          position->offset = 0;
          continue;
        }

      if (!ensure_read_fd (self, position->segment, error))
        return 0;

      length = MIN (end - position->offset, READ_CHUNK);
      do
        got = pread (self->read_fd, self->read_buffer, length, position->offset);
      while (got < 0 && errno == EINTR);
      if (got < 0)
        {
          g_autofree char *name = segment_name (position->segment);
          set_io_error (error, errno, _("Cannot read the spool segment"), name);
          return 0;
        }
      if ((gsize)got < length)
        {
          /* The file is shorter than we thought: it was cut. */
          length = got;
          end = position->offset + length;
        }

      while (n_read < max_records)
        {
          const guint8 *record = self->read_buffer + p;
          gsize remaining = length - p;
          gboolean reaches_end = position->offset + length >= end;
          guint32 payload;
          QrsScanRecord decoded;

          if (remaining == 0)
            break;
          if (remaining < RECORD_HEADER ||
              (get_u32 (record) == RECORD_MAGIC &&
               (payload = get_u32 (record + 4)) <= RECORD_PAYLOAD_MAX &&
               RECORD_HEADER + payload > remaining))
            {
              if (!reaches_end)
                break;   /* read on from this record */
              /* Only the last record of a segment can be incomplete: the
               * process died in its write(). */
              log_skipped (self, position->segment, position->offset + p, "torn");
              p = length;
              break;
            }

          payload = get_u32 (record + 4);
          if (get_u32 (record) != RECORD_MAGIC || payload > RECORD_PAYLOAD_MAX ||
              get_u32 (record + 8) != crc32_compute (record + RECORD_HEADER, payload) ||
              !decode_payload (record + RECORD_HEADER, payload, &decoded))
            {
              gssize next = find_magic (self->read_buffer, length, p + 1);

              log_skipped (self, position->segment, position->offset + p, "damaged");
              if (next < 0)
                {
                  /* Keep the last bytes: a magic may straddle the chunk. */
                  p = reaches_end ? length : MAX (p + 1, length - 3);
                  break;
                }
              p = next;
              continue;
            }

          g_array_append_val (records, decoded);
          n_read++;
          p += RECORD_HEADER + payload;
        }

      if (p == 0)
        break;
      position->offset += p;
    }

  return n_read;
}

static gboolean
write_ledger_file (QrsSpool                *self,
                   const QrsSpoolPosition  *position,
                   GError                 **error)
{
  g_autofree char *text = g_strdup_printf (LEDGER_HEADER "%" G_GUINT64_FORMAT " %" G_GUINT64_FORMAT "\n",
                                           position->segment, position->offset);
  gsize length = strlen (text);
  gsize done = 0;
  int fd;

  fd = openat (self->dir_fd, LEDGER_TEMP_NAME, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0)
    return set_io_error (error, errno, _("Cannot write the spool ledger in"), self->directory);
  while (done < length)
    {
      gssize n = write (fd, text + done, length - done);
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        {
          int saved_errno = n < 0 ? errno : ENOSPC;
          close (fd);
          return set_io_error (error, saved_errno, _("Cannot write the spool ledger in"), self->directory);
        }
      done += n;
    }
  if (fsync (fd) < 0)
    {
      int saved_errno = errno;
      close (fd);
      return set_io_error (error, saved_errno, _("Cannot sync the spool ledger in"), self->directory);
    }
  close (fd);

  if (renameat (self->dir_fd, LEDGER_TEMP_NAME, self->dir_fd, LEDGER_NAME) < 0)
    return set_io_error (error, errno, _("Cannot replace the spool ledger in"), self->directory);
  if (fsync (self->dir_fd) < 0)
    return set_io_error (error, errno, _("Cannot sync the spool directory"), self->directory);

  return TRUE;
}

/**
 * qrs_spool_commit:
 * @self: a #QrsSpool
 * @position: everything before it is in the database
 * @error: a #GError
 *
 * Advances the ledger atomically (write, fsync, rename) and deletes the
 * segments it has passed.
 */
gboolean
qrs_spool_commit (QrsSpool                *self,
                  const QrsSpoolPosition  *position,
                  GError                 **error)
{
  g_autoptr(GArray) consumed = NULL;

  g_return_val_if_fail (QRS_IS_SPOOL (self), FALSE);
  g_return_val_if_fail (position != NULL, FALSE);

  if (!write_ledger_file (self, position, error))
    return FALSE;

  g_mutex_lock (&self->lock);
  self->ledger = *position;
  consumed = take_consumed_segments (self);
  if (self->half_logged && self->bytes < atomic_load (&self->max_bytes) / 4)
    {
      self->half_logged = FALSE;
      g_message ("The scan spool has drained to %" G_GUINT64_FORMAT " bytes", self->bytes);
    }
  g_mutex_unlock (&self->lock);

  delete_segments (self, consumed);

  return TRUE;
}

/**
 * qrs_spool_close:
 *
 * Syncs and closes the active segment; later appends are dropped.
 */
void
qrs_spool_close (QrsSpool *self)
{
  g_return_if_fail (QRS_IS_SPOOL (self));

  g_mutex_lock (&self->lock);
  if (self->retired_fd >= 0)
    {
      if (fdatasync (self->retired_fd) < 0)
        g_warning ("Cannot sync the spool segment: %s", g_strerror (errno));
      release_segment_fd (self, self->retired_fd);
      self->retired_fd = -1;
    }
  if (self->dir_unsynced && fsync (self->dir_fd) < 0)
    g_warning ("Cannot sync the spool directory %s: %s", self->directory, g_strerror (errno));
  self->dir_unsynced = FALSE;
  if (self->active_fd >= 0)
    {
      if (fdatasync (self->active_fd) < 0)
        g_warning ("Cannot sync the spool segment: %s", g_strerror (errno));
      release_segment_fd (self, self->active_fd);
      self->active_fd = -1;
      self->synced_bytes = self->written_bytes;
    }
  g_mutex_unlock (&self->lock);

}
