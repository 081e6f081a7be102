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

/* An agent's versions as the scans store them, spelt once a batch:
 * a batch holds many scans of few agents. */
typedef struct
{
  char *os_version;
  char *browser_version;
} AgentVersions;

/* @scan borrows the row's strings and the agent's, and keeps what it
 * makes in @strings: it lives for one batch and is never given to
 * qrs_scan_free(), which saves a dozen strings made and freed per scan.
 * @versions maps the batch's agents to their #AgentVersions. */
static void
view_row (const QrsScanRow *row,
          GStringChunk     *strings,
          GHashTable       *versions,
          QrsScan          *scan)
{
  const QrsUserAgent *agent = row->agent;
  char event_id[QRS_UUID_STRING_LENGTH + 1];

  qrs_uuid_format (row->record.event_id, event_id);
  scan->event_id = g_string_chunk_insert_len (strings, event_id, QRS_UUID_STRING_LENGTH);
  scan->code_id = row->record.code_id;
  scan->scanned_at = row->record.scanned_at;
  scan->user_agent = row->record.user_agent ? row->record.user_agent : (char *)"";
  scan->referrer_host = row->record.referrer_host;
  scan->language = row->record.language;
  scan->visitor_hash = g_bytes_new_static (row->record.visitor_hash, sizeof row->record.visitor_hash);

  if (agent != NULL)
    {
      AgentVersions *spelt = g_hash_table_lookup (versions, agent);

      if (spelt == NULL)
        {
          char version[128];

          spelt = g_new0 (AgentVersions, 1);
          if (qrs_user_agent_format_os_version (agent, version, sizeof version))
            spelt->os_version = g_string_chunk_insert (strings, version);
          if (qrs_user_agent_format_browser_version (agent, version, sizeof version))
            spelt->browser_version = g_string_chunk_insert (strings, version);
          g_hash_table_insert (versions, (gpointer)agent, spelt);
        }

      scan->device = (char *)qrs_device_class_to_string (agent->device_class);
      scan->os = agent->os_family;
      scan->os_version = spelt->os_version;
      scan->browser = agent->browser_family;
      scan->browser_version = spelt->browser_version;
      /* Bots are kept and flagged, never dropped. */
      scan->is_bot = agent->is_bot;
    }
}

gboolean
qrs_scan_ingest_func (const QrsScanRow  *rows,
                      guint              n_rows,
                      gpointer           user_data,
                      GError           **error)
{
  QrsScanIngest *self = user_data;
  g_autofree QrsScan *views = NULL;
  g_autofree QrsScan **scans = NULL;
  g_autoptr(GStringChunk) strings = NULL;
  g_autoptr(GHashTable) versions = NULL;
  g_autofree char *next_conninfo = NULL;
  gboolean ok;

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

  views = g_new0 (QrsScan, n_rows);
  scans = g_new (QrsScan *, n_rows);
  strings = g_string_chunk_new (64 * (gsize)MAX (n_rows, 1));
  versions = g_hash_table_new_full (NULL, NULL, NULL, g_free);
  for (guint i = 0; i < n_rows; i++)
    {
      view_row (&rows[i], strings, versions, &views[i]);
      scans[i] = &views[i];
    }

  ok = qrs_scan_store_insert (self->store, scans, n_rows, NULL, NULL, error);
  for (guint i = 0; i < n_rows; i++)
    g_bytes_unref (views[i].visitor_hash);
  if (!ok)
    {
      drop_store (self);
      return FALSE;
    }
  run_housekeeping (self);
  return TRUE;
}
