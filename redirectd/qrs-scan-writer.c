/* qrs-scan-writer.c — the thread between the spool and the database
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
/* SCHED_IDLE and gettid(). */
#define _GNU_SOURCE

#include "config.h"

#include <sched.h>
#include <stdatomic.h>
#include <string.h>
#include <unistd.h>

#include "qrs-scan-writer.h"

struct _QrsScanWriter
{
  GObject               parent_instance;

  QrsSpool             *spool;
  QrsUserAgentParser   *parser;
  GHashTable           *agents;   /* user agent → QrsUserAgent; writer thread only */
  QrsScanWriterOptions  options;

  QrsScanIngestFunc     ingest;
  gpointer              ingest_data;
  GDestroyNotify        ingest_destroy;

  GThread              *thread;
  GMutex                lock;
  GCond                 cond;
  gboolean              stopping;          /* guarded by lock */
  gboolean              finished;          /* the thread is done; guarded by lock */
  gint64                drain_deadline;    /* guarded by lock */

  _Atomic guint64       written;
  atomic_bool           database_up;

  /* Commits at idle priority (options.yield_commits): the writer's
   * thread, and a source in the starting thread's context that puts it
   * back when a commit has sat at idle priority too long. */
  atomic_int            tid;
  atomic_uint           idle_commit;  /* the commit at idle priority now, numbered; 0: none */
  guint                 commits;      /* writer thread only */
  _Atomic gint64        yield_after;  /* no yielding before this time: a commit was rescued */
  _Atomic guint64       rescued;
  GSource              *rescue;
};

G_DEFINE_FINAL_TYPE (QrsScanWriter, qrs_scan_writer, G_TYPE_OBJECT)

/* How far the ledger may lag behind the database.  Advancing it costs
 * two fsyncs (the file, then its directory); a scan committed but not
 * yet passed by the ledger is only sent again after a crash, and
 * ignored. */
#define LEDGER_INTERVAL_US (250 * 1000)

/* How long a commit may wait at idle priority before it goes back to
 * the normal one: on a core that other work keeps busy, an idle thread
 * may wait long for a core. */
#define YIELD_MAX_US (50 * 1000)
/* And after such a commit, the next ones keep the normal priority for a
 * while: the core is busy, and each would wait as long. */
#define YIELD_PAUSE_US (G_USEC_PER_SEC)

/* The writer's own classifications, which rows borrow.  A day's scans
 * come from a few hundred kinds of phone; past this many the table
 * starts again.  The parser has a cache too, but every answer from it
 * is a copy, thirteen strings to make and free per scan. */
#define AGENTS_MAX_DEFAULT 4096

/* How long past the drain deadline a stop waits for the thread: a call
 * into libpq ends only when the server answers or the connection times
 * out, which for a server that hangs is far past any stop's time. */
#define STOP_GRACE_US (300 * 1000)

static gboolean stop_thread (QrsScanWriter *self,
                             guint          drain_timeout_ms,
                             gboolean       bounded);

static void
qrs_scan_writer_finalize (GObject *object)
{
  QrsScanWriter *self = (QrsScanWriter *)object;

  /* A thread left running by qrs_scan_writer_stop() uses us still: the
   * process was about to exit and should have kept us. */
  stop_thread (self, 0, FALSE);
  if (self->ingest_destroy != NULL)
    self->ingest_destroy (self->ingest_data);
  g_clear_object (&self->spool);
  g_clear_object (&self->parser);
  g_clear_pointer (&self->agents, g_hash_table_unref);
  g_mutex_clear (&self->lock);
  g_cond_clear (&self->cond);

  G_OBJECT_CLASS (qrs_scan_writer_parent_class)->finalize (object);
}

static void
qrs_scan_writer_class_init (QrsScanWriterClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = qrs_scan_writer_finalize;
}

/* The agents table's hash.  An agent is a hundred bytes or more, which
 * g_str_hash() takes one at a time: here eight go at once. */
static guint
agent_hash (gconstpointer key)
{
  const guint64 k = G_GUINT64_CONSTANT (0x9e3779b97f4a7c15);
  const char *p = key;
  gsize length = strlen (p);
  guint64 hash = length * k;
  guint64 word = 0;

  for (; length >= 8; length -= 8, p += 8)
    {
      memcpy (&word, p, sizeof word);
      hash = (hash ^ word) * k;
      hash ^= hash >> 32;
    }
  word = 0;
  memcpy (&word, p, length);
  hash = (hash ^ word) * k;
  return (guint)(hash ^ (hash >> 32));
}

static void
qrs_scan_writer_init (QrsScanWriter *self)
{
  g_mutex_init (&self->lock);
  g_cond_init (&self->cond);
  self->agents = g_hash_table_new_full (agent_hash, g_str_equal,
                                        g_free, (GDestroyNotify)qrs_user_agent_free);
}

/**
 * qrs_scan_writer_new:
 * @spool: the spool to drain
 * @parser: (nullable): classifies the user agents
 * @options: batching and timing
 */
QrsScanWriter *
qrs_scan_writer_new (QrsSpool                   *spool,
                     QrsUserAgentParser         *parser,
                     const QrsScanWriterOptions *options)
{
  QrsScanWriter *self;

  g_return_val_if_fail (QRS_IS_SPOOL (spool), NULL);
  g_return_val_if_fail (parser == NULL || QRS_IS_USER_AGENT_PARSER (parser), NULL);
  g_return_val_if_fail (options != NULL, NULL);

  self = g_object_new (QRS_TYPE_SCAN_WRITER, NULL);
  self->spool = g_object_ref (spool);
  self->parser = parser ? g_object_ref (parser) : NULL;
  self->options = *options;
  self->options.batch_rows = MAX (self->options.batch_rows, 1);
  self->options.batch_interval_ms = MAX (self->options.batch_interval_ms, 1);
  self->options.commit_batches = MAX (self->options.commit_batches, 1);
  self->options.fsync_interval_ms = MAX (self->options.fsync_interval_ms, 1);
  self->options.retry_max_ms = MAX (self->options.retry_max_ms, 100);
  if (self->options.agents_max == 0)
    self->options.agents_max = AGENTS_MAX_DEFAULT;

  return self;
}

/**
 * qrs_scan_writer_set_ingest:
 *
 * Without an ingest function the writer only makes the spool durable,
 * and the scans wait on disk for a database.  Call before starting.
 */
void
qrs_scan_writer_set_ingest (QrsScanWriter     *self,
                            QrsScanIngestFunc  ingest,
                            gpointer           user_data,
                            GDestroyNotify     destroy)
{
  g_return_if_fail (QRS_IS_SCAN_WRITER (self));
  g_return_if_fail (self->thread == NULL);

  if (self->ingest_destroy != NULL)
    self->ingest_destroy (self->ingest_data);
  self->ingest = ingest;
  self->ingest_data = user_data;
  self->ingest_destroy = destroy;
}

static void
clear_row (QrsScanRow *row)
{
  qrs_scan_record_clear (&row->record);
  row->agent = NULL;
}

static const QrsUserAgent *
classify (QrsScanWriter *self,
          const char    *user_agent)
{
  QrsUserAgent *agent;
  const char *key = user_agent ? user_agent : "";

  agent = g_hash_table_lookup (self->agents, key);
  if (agent == NULL)
    {
      agent = qrs_user_agent_parser_parse (self->parser, key);
      g_hash_table_insert (self->agents, g_strdup (key), agent);
    }
  return agent;
}

/* Waits up to @ms, or less when told to stop.  Returns TRUE when stopping. */
static gboolean
wait_for (QrsScanWriter *self,
          guint          ms)
{
  gint64 end = g_get_monotonic_time () + (gint64)ms * 1000;
  gboolean stopping;

  g_mutex_lock (&self->lock);
  while (!self->stopping)
    if (!g_cond_wait_until (&self->cond, &self->lock, end))
      break;
  stopping = self->stopping;
  g_mutex_unlock (&self->lock);

  return stopping;
}

static gint64
get_drain_deadline (QrsScanWriter *self)
{
  gint64 deadline;

  g_mutex_lock (&self->lock);
  deadline = self->drain_deadline;
  g_mutex_unlock (&self->lock);

  return deadline;
}

static gboolean
flush_batch (QrsScanWriter *self,
             GArray        *rows,
             gboolean      *logged_down)
{
  g_autoptr(GError) error = NULL;

  /* Classified here, off the request path, and again after a failed
   * commit only for the rows not done yet. */
  if (g_hash_table_size (self->agents) > self->options.agents_max)
    {
      /* Rows kept from a failed commit borrow from the table too. */
      for (guint i = 0; i < rows->len; i++)
        g_array_index (rows, QrsScanRow, i).agent = NULL;
      g_hash_table_remove_all (self->agents);
    }

  for (guint i = 0; self->parser != NULL && i < rows->len; i++)
    {
      QrsScanRow *row = &g_array_index (rows, QrsScanRow, i);

      if (row->agent == NULL)
        row->agent = classify (self, row->record.user_agent);
    }

  if (!self->ingest ((const QrsScanRow *)rows->data, rows->len, self->ingest_data, &error))
    {
      atomic_store (&self->database_up, FALSE);
      if (!*logged_down)
        g_warning ("Cannot write %u scans to the database, keeping them in the spool: %s",
                   rows->len, error->message);
      *logged_down = TRUE;
      return FALSE;
    }

  if (*logged_down)
    g_message ("The database takes scans again; draining the spool");
  *logged_down = FALSE;
  atomic_store (&self->database_up, TRUE);
  atomic_fetch_add (&self->written, rows->len);

  g_array_set_size (rows, 0);
  return TRUE;
}

/* Only with the rows committed may the ledger pass them.  If we die
 * between the two, they are sent again and ignored. */
static void
commit_ledger (QrsScanWriter          *self,
               const QrsSpoolPosition *position)
{
  g_autoptr(GError) error = NULL;

  if (!qrs_spool_commit (self->spool, position, &error))
    g_warning ("%s", error->message);
}

static gboolean
set_policy (pid_t tid,
            int   policy)
{
  struct sched_param param = { 0 };

  return sched_setscheduler (tid, policy, &param) == 0;
}

/* A thread at SCHED_IDLE may go back to SCHED_OTHER only if RLIMIT_NICE
 * allows nice 0, or with CAP_SYS_NICE (sched(7)): tried on a thread of
 * its own, which may stay idle, before the writer goes idle at all. */
static gpointer
probe_idle_and_back (gpointer data)
{
  return GINT_TO_POINTER (set_policy (0, SCHED_IDLE) && set_policy (0, SCHED_OTHER));
}

static gboolean
can_leave_idle (void)
{
  static gsize answer = 0;   /* 1: no, 2: yes */

  if (g_once_init_enter (&answer))
    {
      GThread *probe = g_thread_new ("scan-writer-probe", probe_idle_and_back, NULL);

      g_once_init_leave (&answer, GPOINTER_TO_INT (g_thread_join (probe)) ? 2 : 1);
    }
  return answer == 2;
}

/* Each commit of a writer that is caught up runs at SCHED_IDLE: a
 * request's worker that wakes meanwhile takes the core at once, instead
 * of waiting out a commit of a few milliseconds, which was what put
 * part of the tail at half the peak (docs/performance.md).  The group
 * fsync keeps the normal priority, and so does a writer behind, which
 * must keep up at the peak on the workers' own cores.  Returns whether
 * the commit went to idle priority; the writer comes back after it
 * whatever the rescue did meanwhile (commit_done()). */
static gboolean
commit_at_idle (QrsScanWriter *self)
{
  guint number = ++self->commits ? self->commits : ++self->commits;

  /* Numbered and timed first: once idle, the writer may not run again
   * until a worker lets it, and must not hold the main context's lock
   * meanwhile (g_source_set_ready_time()). */
  atomic_store (&self->idle_commit, number);
  g_source_set_ready_time (self->rescue, g_get_monotonic_time () + YIELD_MAX_US);
  /* Not once a stop has begun (qrs_scan_writer_stop()). */
  if (atomic_load (&self->yield_after) != G_MAXINT64 && set_policy (0, SCHED_IDLE))
    return TRUE;
  atomic_store (&self->idle_commit, 0);
  g_source_set_ready_time (self->rescue, -1);
  return FALSE;
}

static void
commit_done (QrsScanWriter *self)
{
  set_policy (0, SCHED_OTHER);
  atomic_store (&self->idle_commit, 0);
  g_source_set_ready_time (self->rescue, -1);
}

/* In the starting thread: a commit still at idle priority after
 * YIELD_MAX_US is put back to the normal one.  Only ever towards the
 * normal priority: a rescue that comes late, as the next commit starts,
 * at worst runs that one at the normal priority too. */
typedef struct
{
  GSource        source;
  QrsScanWriter *writer;
} RescueSource;

static gboolean
rescue_dispatch (GSource     *source,
                 GSourceFunc  callback,
                 gpointer     user_data)
{
  QrsScanWriter *self = ((RescueSource *)source)->writer;
  guint number;

  /* Cleared before the commit is read: a commit numbered and timed after
   * this is seen below, or times its own rescue after. */
  g_source_set_ready_time (source, -1);
  number = atomic_load (&self->idle_commit);
  if (number != 0 && set_policy (atomic_load (&self->tid), SCHED_OTHER) &&
      atomic_compare_exchange_strong (&self->idle_commit, &number, 0))
    {
      atomic_store (&self->yield_after, g_get_monotonic_time () + YIELD_PAUSE_US);
      atomic_fetch_add (&self->rescued, 1);
    }
  return G_SOURCE_CONTINUE;
}

static GSourceFuncs rescue_funcs = { NULL, NULL, rescue_dispatch, NULL, NULL, NULL };

static gpointer
writer_thread (gpointer data)
{
  QrsScanWriter *self = data;
  g_autoptr(GArray) rows = g_array_new (FALSE, TRUE, sizeof (QrsScanRow));
  g_autoptr(GArray) records = g_array_new (FALSE, TRUE, sizeof (QrsScanRecord));
  QrsSpoolPosition position;
  gint64 batch_started = 0;
  gint64 retry_at = 0;
  guint retry_ms = 100;
  gboolean logged_down = FALSE;
  gboolean sync_failing = FALSE;
  gboolean busy = FALSE;
  gboolean ledger_behind = FALSE;   /* rows committed the ledger has not passed */
  gint64 synced_at = 0;
  gint64 ledger_at = 0;
  guint commit_rows = self->options.batch_rows * self->options.commit_batches;

  g_array_set_clear_func (rows, (GDestroyNotify)clear_row);
  qrs_spool_get_ledger (self->spool, &position);
  atomic_store (&self->tid, (int)gettid ());

  for (;;)
    {
      g_autoptr(GError) error = NULL;
      gboolean stopping;
      gint64 now;

      /* Draining a backlog goes on without pausing. */
      stopping = busy ? wait_for (self, 0) : wait_for (self, self->options.fsync_interval_ms);

      /* One group fsync per interval, however many batches go by in it. */
      now = g_get_monotonic_time ();
      if (stopping || now - synced_at >= (gint64)self->options.fsync_interval_ms * 1000)
        {
          synced_at = now;
          if (!qrs_spool_sync (self->spool, &error))
            {
              if (!sync_failing)
                g_warning ("%s", error->message);
              sync_failing = TRUE;
              g_clear_error (&error);
            }
          else
            sync_failing = FALSE;
        }

      now = g_get_monotonic_time ();
      busy = FALSE;

      if (self->ingest != NULL && now >= retry_at)
        {
          if (rows->len < commit_rows)
            {
              guint n = qrs_spool_read (self->spool, &position, commit_rows - rows->len,
                                        records, &error);

              if (error != NULL)
                {
                  g_warning ("%s", error->message);
                  g_clear_error (&error);
                }
              if (n > 0 && rows->len == 0)
                batch_started = now;
              for (guint i = 0; i < records->len; i++)
                {
                  QrsScanRow row = { g_array_index (records, QrsScanRecord, i), NULL };
                  g_array_append_val (rows, row);
                }
              /* The rows own the strings now. */
              g_array_set_size (records, 0);
            }

          /* One commit takes what came in batch-interval-ms, or a
           * backlog's next commit_rows: the rollups cost per code and
           * day a commit touches, so this is what lets the database
           * keep up with a busy day (the store copies it batch-rows at
           * a time). */
          if (rows->len > 0 &&
              (rows->len >= commit_rows || stopping ||
               now - batch_started >= (gint64)self->options.batch_interval_ms * 1000))
            {
              gboolean idle = FALSE;
              gboolean flushed;

              if (self->rescue != NULL && rows->len < commit_rows && !stopping &&
                  now >= atomic_load (&self->yield_after))
                idle = commit_at_idle (self);
              flushed = flush_batch (self, rows, &logged_down);
              if (idle)
                commit_done (self);
              if (flushed)
                {
                  retry_ms = 100;
                  busy = qrs_spool_has_pending (self->spool, &position);
                  ledger_behind = TRUE;
                }
              else
                {
                  retry_at = g_get_monotonic_time () + (gint64)retry_ms * 1000;
                  retry_ms = MIN (retry_ms * 2, self->options.retry_max_ms);
                }
            }
        }

      /* The ledger follows in groups, at most every LEDGER_INTERVAL_US,
       * and at once when stopping.  Advancing it makes a new file and
       * syncs it and the directory: at every commit that was a tenth of
       * the writer's time, most of it in the kernel, where nothing
       * preempts it for the workers. */
      if (ledger_behind && rows->len == 0 &&
          (stopping || g_get_monotonic_time () - ledger_at >= LEDGER_INTERVAL_US))
        {
          commit_ledger (self, &position);
          ledger_at = g_get_monotonic_time ();
          ledger_behind = FALSE;
        }

      if (stopping)
        {
          /* Finish what we can before the deadline; the rest stays in
           * the spool for the next start. */
          if (self->ingest == NULL || g_get_monotonic_time () >= get_drain_deadline (self) ||
              g_get_monotonic_time () < retry_at ||
              (rows->len == 0 && !qrs_spool_has_pending (self->spool, &position)))
            break;
          busy = TRUE;
        }
    }

  g_mutex_lock (&self->lock);
  self->finished = TRUE;
  g_cond_broadcast (&self->cond);
  g_mutex_unlock (&self->lock);
  return NULL;
}

/**
 * qrs_scan_writer_start:
 *
 * Starts the writer's thread.  With options.yield_commits, the rescue of
 * commits at idle priority runs in this thread's default context, whose
 * loop must run; start, stop and the last unref in this same thread.
 */
void
qrs_scan_writer_start (QrsScanWriter *self)
{
  g_return_if_fail (QRS_IS_SCAN_WRITER (self));
  g_return_if_fail (self->thread == NULL);

  if (self->options.yield_commits && self->ingest != NULL && can_leave_idle ())
    {
      self->rescue = g_source_new (&rescue_funcs, sizeof (RescueSource));
      g_source_set_static_name (self->rescue, "qrs-scan-writer-rescue");
      ((RescueSource *)self->rescue)->writer = self;
      g_source_attach (self->rescue, g_main_context_get_thread_default ());
    }
  else if (self->options.yield_commits)
    g_debug ("Commits keep the normal priority: this process may not bring a thread back from idle priority");

  self->thread = g_thread_new ("scan-writer", writer_thread, self);
}

static gboolean
stop_thread (QrsScanWriter *self,
             guint          drain_timeout_ms,
             gboolean       bounded)
{
  g_autoptr(GError) error = NULL;
  gboolean finished;
  gint64 deadline;

  if (self->thread == NULL)
    return TRUE;

  /* The main loop may have stopped: nothing would rescue a commit at
   * idle priority now.  No more of them, and the one under way back to
   * the normal priority while its thread id is still the writer's. */
  atomic_store (&self->yield_after, G_MAXINT64);
  if (atomic_load (&self->idle_commit) != 0)
    set_policy (atomic_load (&self->tid), SCHED_OTHER);

  g_mutex_lock (&self->lock);
  self->stopping = TRUE;
  self->drain_deadline = g_get_monotonic_time () + (gint64)drain_timeout_ms * 1000;
  deadline = self->drain_deadline + STOP_GRACE_US;
  g_cond_broadcast (&self->cond);
  while (!self->finished)
    if (!g_cond_wait_until (&self->cond, &self->lock, bounded ? deadline : G_MAXINT64))
      break;
  finished = self->finished;
  g_mutex_unlock (&self->lock);

  if (finished)
    {
      g_thread_join (g_steal_pointer (&self->thread));
      /* Its thread id may be another thread's from now on. */
      if (self->rescue != NULL)
        {
          g_source_destroy (self->rescue);
          g_clear_pointer (&self->rescue, g_source_unref);
        }
    }

  /* Whether or not the thread is done: every scan answered is on disk. */
  if (!qrs_spool_sync (self->spool, &error))
    g_warning ("%s", error->message);
  return finished;
}

/**
 * qrs_scan_writer_stop:
 * @drain_timeout_ms: how long to go on writing to the database
 *
 * Makes the spool durable and writes what it can within the time given.
 * The thread may be inside a call to a database server that does not
 * answer, which only the connection's own timeout ends: then it is left
 * running, and the scans it has not committed stay in the spool for the
 * next start.
 *
 * Returns: %TRUE if the thread has ended; %FALSE if it was left running,
 *   when @self must be kept until the process exits
 */
gboolean
qrs_scan_writer_stop (QrsScanWriter *self,
                      guint          drain_timeout_ms)
{
  g_return_val_if_fail (QRS_IS_SCAN_WRITER (self), TRUE);

  return stop_thread (self, drain_timeout_ms, TRUE);
}

guint64
qrs_scan_writer_get_written (QrsScanWriter *self)
{
  g_return_val_if_fail (QRS_IS_SCAN_WRITER (self), 0);

  return atomic_load (&self->written);
}

/**
 * qrs_scan_writer_get_rescued:
 *
 * Returns: how many commits sat 50 ms at idle priority until
 *   they were put back to the normal one
 */
guint64
qrs_scan_writer_get_rescued (QrsScanWriter *self)
{
  g_return_val_if_fail (QRS_IS_SCAN_WRITER (self), 0);

  return atomic_load (&self->rescued);
}

gboolean
qrs_scan_writer_is_database_up (QrsScanWriter *self)
{
  g_return_val_if_fail (QRS_IS_SCAN_WRITER (self), FALSE);

  return atomic_load (&self->database_up);
}
