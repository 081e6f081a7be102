/* qrs-redirect-metrics.c — counters for Prometheus
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <stdatomic.h>

#include "qrs-redirect-metrics.h"

static const guint statuses[] = { 200, 302, 400, 404, 405, 410, 413, 414, 431, 500, 503 };
#define N_STATUSES (G_N_ELEMENTS (statuses) + 1)   /* and "other" */

/* Upper bounds in µs; one more bucket is +Inf. */
static const gint64 buckets[] = { 50, 100, 250, 500, 1000, 2500, 5000, 10000, 50000, 250000 };
#define N_BUCKETS (G_N_ELEMENTS (buckets) + 1)

struct _QrsRedirectMetrics
{
  _Atomic guint64 requests[N_STATUSES];
  _Atomic guint64 aborted;
  _Atomic guint64 unknown_clients;
  _Atomic guint64 latency[N_BUCKETS];
  _Atomic guint64 latency_sum_us;
  _Atomic guint64 latency_count;
};

QrsRedirectMetrics *
qrs_redirect_metrics_new (void)
{
  return g_new0 (QrsRedirectMetrics, 1);
}

void
qrs_redirect_metrics_free (QrsRedirectMetrics *self)
{
  g_free (self);
}

/**
 * qrs_redirect_metrics_observe:
 * @status: the status of the answer, sent whole
 * @duration_us: from the request read to the answer sent
 *
 * Counts an answered request and its time.
 */
void
qrs_redirect_metrics_observe (QrsRedirectMetrics *self,
                              guint               status,
                              gint64              duration_us)
{
  guint s = G_N_ELEMENTS (statuses);
  guint b = G_N_ELEMENTS (buckets);

  g_return_if_fail (self != NULL);

  for (guint i = 0; i < G_N_ELEMENTS (statuses); i++)
    if (statuses[i] == status)
      s = i;
  atomic_fetch_add_explicit (&self->requests[s], 1, memory_order_relaxed);

  duration_us = MAX (duration_us, 0);
  for (guint i = 0; i < G_N_ELEMENTS (buckets); i++)
    if (duration_us <= buckets[i])
      {
        b = i;
        break;
      }
  atomic_fetch_add_explicit (&self->latency[b], 1, memory_order_relaxed);
  atomic_fetch_add_explicit (&self->latency_sum_us, duration_us, memory_order_relaxed);
  atomic_fetch_add_explicit (&self->latency_count, 1, memory_order_relaxed);
}

/**
 * qrs_redirect_metrics_observe_aborted:
 *
 * Counts a request whose answer was never sent whole: the connection
 * failed or was closed under it.  It has no status, and its time is the
 * client's, not ours, so the histogram does not see it.
 */
void
qrs_redirect_metrics_observe_aborted (QrsRedirectMetrics *self)
{
  g_return_if_fail (self != NULL);

  atomic_fetch_add_explicit (&self->aborted, 1, memory_order_relaxed);
}

/**
 * qrs_redirect_metrics_observe_unknown_client:
 *
 * Counts a scan whose X-Forwarded-For, from a trusted proxy, named no
 * address for the client: a proxy to look at, and visitors counted
 * apart by their user agent alone.
 */
void
qrs_redirect_metrics_observe_unknown_client (QrsRedirectMetrics *self)
{
  g_return_if_fail (self != NULL);

  atomic_fetch_add_explicit (&self->unknown_clients, 1, memory_order_relaxed);
}

static void
append_counter (GString    *out,
                const char *name,
                const char *help,
                const char *type,
                guint64     value)
{
  g_string_append_printf (out, "# HELP %s %s\n# TYPE %s %s\n%s %" G_GUINT64_FORMAT "\n",
                          name, help, name, type, name, value);
}

/**
 * qrs_redirect_metrics_render:
 *
 * Returns: (transfer full): the Prometheus text exposition format
 */
char *
qrs_redirect_metrics_render (QrsRedirectMetrics      *self,
                             const QrsRedirectGauges *gauges)
{
  GString *out = g_string_new (NULL);
  guint64 cumulative = 0;

  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (gauges != NULL, NULL);

  g_string_append (out,
                   "# HELP qrstudio_redirect_requests_total Requests answered on the public listener, by the status sent.\n"
                   "# TYPE qrstudio_redirect_requests_total counter\n");
  for (guint i = 0; i < N_STATUSES; i++)
    {
      g_autofree char *label = i < G_N_ELEMENTS (statuses) ? g_strdup_printf ("%u", statuses[i]) : g_strdup ("other");

      g_string_append_printf (out, "qrstudio_redirect_requests_total{status=\"%s\"} %" G_GUINT64_FORMAT "\n",
                              label, atomic_load (&self->requests[i]));
    }

  append_counter (out, "qrstudio_redirect_requests_aborted_total",
                  "Requests not answered: the client reset or closed the connection, or the client timeout "
                  "ended it, before the answer was sent whole. Counted in no status.", "counter",
                  atomic_load (&self->aborted));
  append_counter (out, "qrstudio_redirect_unknown_clients_total",
                  "Scans whose X-Forwarded-For, from a trusted proxy, named no address for the client.",
                  "counter", atomic_load (&self->unknown_clients));

  g_string_append (out,
                   "# HELP qrstudio_redirect_request_duration_seconds From the request read to the answer sent, "
                   "answered requests only.\n"
                   "# TYPE qrstudio_redirect_request_duration_seconds histogram\n");
  for (guint i = 0; i < N_BUCKETS; i++)
    {
      char le[G_ASCII_DTOSTR_BUF_SIZE] = "+Inf";

      cumulative += atomic_load (&self->latency[i]);
      if (i < G_N_ELEMENTS (buckets))
        g_ascii_formatd (le, sizeof le, "%g", buckets[i] / 1e6);
      g_string_append_printf (out, "qrstudio_redirect_request_duration_seconds_bucket{le=\"%s\"} %" G_GUINT64_FORMAT "\n",
                              le, cumulative);
    }
  {
    char sum[G_ASCII_DTOSTR_BUF_SIZE];

    g_ascii_formatd (sum, sizeof sum, "%.6f", atomic_load (&self->latency_sum_us) / 1e6);
    g_string_append_printf (out, "qrstudio_redirect_request_duration_seconds_sum %s\n"
                                 "qrstudio_redirect_request_duration_seconds_count %" G_GUINT64_FORMAT "\n",
                            sum, atomic_load (&self->latency_count));
  }

  append_counter (out, "qrstudio_redirect_scans_spooled_total",
                  "Scans appended to the spool.", "counter", gauges->scans_spooled);
  append_counter (out, "qrstudio_redirect_scans_written_total",
                  "Scans committed to the database.", "counter", gauges->scans_written);
  append_counter (out, "qrstudio_redirect_scan_commits_rescued_total",
                  "Commits of the scan writer put back to the normal priority after 50 ms at idle priority "
                  "(a busy core, or a slow database).", "counter", gauges->commits_rescued);
  append_counter (out, "qrstudio_redirect_scans_dropped_total",
                  "Scans answered but not spooled (spool full or disk error).", "counter", gauges->scans_dropped);
  append_counter (out, "qrstudio_redirect_spool_records_skipped_total",
                  "Torn or damaged spool records skipped.", "counter", gauges->spool_skipped);
  append_counter (out, "qrstudio_redirect_scans_pending",
                  "Scans spooled by this process since it started and not yet in the database.", "gauge",
                  gauges->scans_pending);
  append_counter (out, "qrstudio_redirect_spool_bytes",
                  "Bytes of spool segments on disk.", "gauge", gauges->spool_bytes);
  append_counter (out, "qrstudio_redirect_spool_pending_bytes",
                  "Bytes of scans in the spool not yet known to be in the database, whichever run of the "
                  "daemon spooled them.", "gauge", gauges->spool_pending_bytes);
  append_counter (out, "qrstudio_redirect_spool_max_bytes",
                  "The --spool-max limit.", "gauge", gauges->spool_max_bytes);
  append_counter (out, "qrstudio_redirect_routes_loaded",
                  "Routes in memory.", "gauge", gauges->routes_loaded);
  append_counter (out, "qrstudio_redirect_route_lookups_total",
                  "Lookups in the route table.", "counter", gauges->route_lookups);
  append_counter (out, "qrstudio_redirect_routes_from_snapshot",
                  "1 while the routes may be stale: read from the snapshot, or kept from before the "
                  "connection to the database was lost.", "gauge",
                  gauges->routes_from_snapshot ? 1 : 0);
  append_counter (out, "qrstudio_redirect_database_up",
                  "1 when the route listener is connected to PostgreSQL.", "gauge",
                  gauges->database_up ? 1 : 0);
  {
    char value[G_ASCII_DTOSTR_BUF_SIZE];

    g_ascii_formatd (value, sizeof value, "%.3f", gauges->last_reload / 1e6);
    g_string_append_printf (out,
                            "# HELP qrstudio_redirect_last_reload_timestamp_seconds When the routes were last loaded whole.\n"
                            "# TYPE qrstudio_redirect_last_reload_timestamp_seconds gauge\n"
                            "qrstudio_redirect_last_reload_timestamp_seconds %s\n", value);
  }

  return g_string_free (out, FALSE);
}
