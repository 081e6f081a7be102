/* qrs-scan-ingest.c — the writer thread's way into the database
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "qrs-database.h"
#include "qrs-scan-ingest.h"
#include "qrs-scan-store.h"

struct _QrsScanIngest
{
  GMutex        lock;
  char         *next_conninfo;   /* guarded by lock: from a reload */
  char         *conninfo;
  guint         copy_rows;
  QrsDatabase  *database;
  QrsScanStore *store;
  gint64        housekeeping_due;   /* monotonic µs */
};

/* Housekeeping the schema leaves to the daemon, about hourly: months of
 * scan partitions ahead, and visitor hashes older than the salt can
 * matter forgotten (qrs_scan_store_maintain). */
#define HOUSEKEEPING_INTERVAL (G_USEC_PER_SEC * G_GINT64_CONSTANT (3600))

/**
 * qrs_scan_ingest_new:
 * @conninfo: the database
 * @copy_rows: the most rows one COPY statement carries
 */
QrsScanIngest *
qrs_scan_ingest_new (const char *conninfo,
                     guint       copy_rows)
{
  QrsScanIngest *self = g_new0 (QrsScanIngest, 1);

  g_mutex_init (&self->lock);
  self->conninfo = g_strdup (conninfo);
  self->copy_rows = MAX (copy_rows, 1);
  return self;
}

void
qrs_scan_ingest_free (QrsScanIngest *self)
{
  if (self == NULL)
    return;
  g_clear_object (&self->store);
  if (self->database != NULL)
    qrs_database_close (self->database);
  g_clear_object (&self->database);
  g_free (self->conninfo);
  g_free (self->next_conninfo);
  g_mutex_clear (&self->lock);
  g_free (self);
}

/**
 * qrs_scan_ingest_set_conninfo:
 *
 * Takes a reloaded connection string; the writer thread reconnects with
 * it before its next batch.  Safe from any thread.
 */
void
qrs_scan_ingest_set_conninfo (QrsScanIngest *self,
                              const char    *conninfo)
{
  g_return_if_fail (self != NULL);
  g_return_if_fail (conninfo != NULL);

  g_mutex_lock (&self->lock);
  g_free (self->next_conninfo);
  self->next_conninfo = g_strdup (conninfo);
  g_mutex_unlock (&self->lock);
}

/* Connects on first use and again after a failure, so a daemon started
 * while the database is away begins ingesting when it comes back. */
static gboolean
ensure_store (QrsScanIngest  *self,
              GError        **error)
{
  g_autoptr(QrsDatabase) database = NULL;

  if (self->store != NULL)
    return TRUE;

  database = qrs_database_new (self->conninfo, error);
  if (database == NULL)
    return FALSE;
  /* One connection: the writer is one thread. */
  qrs_database_set_max_connections (database, 1);
  if (!qrs_database_connect (database, NULL, error) ||
      !qrs_database_check_schema (database, NULL, error))
    return FALSE;

  self->database = g_steal_pointer (&database);
  self->store = qrs_scan_store_new (self->database);
  qrs_scan_store_set_copy_rows (self->store, self->copy_rows);
  return TRUE;
}

static void
drop_store (QrsScanIngest *self)
{
  g_clear_object (&self->store);
  if (self->database != NULL)
    qrs_database_close (self->database);
  g_clear_object (&self->database);
}

static void
run_housekeeping (QrsScanIngest *self)
{
  g_autoptr(GError) error = NULL;
  gint64 now = g_get_monotonic_time ();

  if (now < self->housekeeping_due)
    return;
  self->housekeeping_due = now + HOUSEKEEPING_INTERVAL;

  if (!qrs_scan_store_maintain (self->store, 3, 7, NULL, &error))
    g_warning ("Cannot keep the scan tables: %s", error->message);
}

static char *
join_version (const char *major,
              const char *minor,
              const char *patch)
{
  if (major == NULL || major[0] == '\0')
    return NULL;
  if (minor == NULL || minor[0] == '\0')
    return g_strdup (major);
  if (patch == NULL || patch[0] == '\0')
    return g_strdup_printf ("%s.%s", major, minor);
  return g_strdup_printf ("%s.%s.%s", major, minor, patch);
}

static QrsScan *
scan_from_row (const QrsScanRow *row)
{
  QrsScan *scan = qrs_scan_new ();
  const QrsUserAgent *agent = row->agent;

  scan->event_id = qrs_uuid_to_string (row->record.event_id);
  scan->code_id = row->record.code_id;
  scan->scanned_at = row->record.scanned_at;
  scan->user_agent = g_strdup (row->record.user_agent ? row->record.user_agent : "");
  scan->referrer_host = g_strdup (row->record.referrer_host);
  scan->language = g_strdup (row->record.language);
  scan->visitor_hash = g_bytes_new (row->record.visitor_hash, sizeof row->record.visitor_hash);

  if (agent != NULL)
    {
      scan->device = g_strdup (qrs_device_class_to_string (agent->device_class));
      scan->os = g_strdup (agent->os_family);
      scan->os_version = join_version (agent->os_major, agent->os_minor, agent->os_patch);
      scan->browser = g_strdup (agent->browser_family);
      scan->browser_version = join_version (agent->browser_major, agent->browser_minor, NULL);
      /* Bots are kept and flagged, never dropped. */
      scan->is_bot = agent->is_bot;
    }
  return scan;
}

gboolean
qrs_scan_ingest_func (const QrsScanRow  *rows,
                      guint              n_rows,
                      gpointer           user_data,
                      GError           **error)
{
  QrsScanIngest *self = user_data;
  g_autoptr(GPtrArray) scans = g_ptr_array_new_full (n_rows, (GDestroyNotify)qrs_scan_free);
  g_autofree char *next_conninfo = NULL;

  g_mutex_lock (&self->lock);
  next_conninfo = g_steal_pointer (&self->next_conninfo);
  g_mutex_unlock (&self->lock);
  if (next_conninfo != NULL && g_strcmp0 (next_conninfo, self->conninfo) != 0)
    {
      drop_store (self);
      g_free (self->conninfo);
      self->conninfo = g_steal_pointer (&next_conninfo);
    }

  if (!ensure_store (self, error))
    {
      drop_store (self);
      return FALSE;
    }

  for (guint i = 0; i < n_rows; i++)
    g_ptr_array_add (scans, scan_from_row (&rows[i]));

  if (!qrs_scan_store_insert (self->store, (QrsScan * const *)scans->pdata, scans->len,
                              NULL, NULL, error))
    {
      drop_store (self);
      return FALSE;
    }
  run_housekeeping (self);
  return TRUE;
}
