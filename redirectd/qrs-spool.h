/* qrs-spool.h — the append-only file every answered scan goes to first
 *
 * A request appends one record with write() before its response goes
 * out, so a scan that was answered survives the process; the writer
 * thread fsyncs in groups, reads the records back, copies them into the
 * database and then advances the ledger.  Records carry their length and
 * a CRC, so a record torn by a crash is recognised and skipped.
 *
 * The spool is a directory of numbered segment files and one ledger file
 * saying how far the database has everything.  Each start of the daemon
 * opens a new segment, so only the end of an old segment can be torn.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define QRS_SPOOL_ERROR (qrs_spool_error_quark ())

typedef enum
{
  QRS_SPOOL_ERROR_IO,
  QRS_SPOOL_ERROR_LEDGER,
  QRS_SPOOL_ERROR_IN_USE,
} QrsSpoolError;

#define QRS_SCAN_USER_AGENT_MAX 512
#define QRS_SCAN_REFERRER_MAX   255
#define QRS_SCAN_LANGUAGE_MAX   35
#define QRS_UUID_STRING_LENGTH  36   /* 8-4-4-4-12 hexadecimal digits */

/* One scan, as the request saw it; no IP address, ever. */
typedef struct
{
  guint8   event_id[16];      /* a UUID, version 7 */
  gint64   code_id;
  gint64   scanned_at;        /* µs since the Unix epoch */
  guint8   visitor_hash[16];
  char    *user_agent;        /* valid UTF-8, ≤ QRS_SCAN_USER_AGENT_MAX bytes */
  char    *referrer_host;     /* nullable */
  char    *language;          /* nullable, e.g. "es" */
} QrsScanRecord;

typedef struct
{
  guint64 segment;
  guint64 offset;
} QrsSpoolPosition;

typedef enum
{
  QRS_SPOOL_APPENDED,
  QRS_SPOOL_FULL,      /* dropped: --spool-max reached */
  QRS_SPOOL_FAILED,    /* dropped: the disk refused */
} QrsSpoolAppendResult;

#define QRS_TYPE_SPOOL (qrs_spool_get_type ())

G_DECLARE_FINAL_TYPE (QrsSpool, qrs_spool, QRS, SPOOL, GObject)

GQuark               qrs_spool_error_quark      (void);

void                 qrs_scan_record_clear      (QrsScanRecord          *record);
void                 qrs_scan_record_new_event_id (guint8                  event_id[16],
                                                   gint64                  now);
void                 qrs_uuid_format            (const guint8            uuid[16],
                                                 char                    text[QRS_UUID_STRING_LENGTH + 1]);
char                *qrs_uuid_to_string         (const guint8            uuid[16]);

QrsSpool            *qrs_spool_open             (const char             *directory,
                                                 guint64                 max_bytes,
                                                 guint64                 segment_size,
                                                 GError                **error);
QrsSpoolAppendResult qrs_spool_append           (QrsSpool               *self,
                                                 const QrsScanRecord    *record);
gboolean             qrs_spool_sync             (QrsSpool               *self,
                                                 GError                **error);
void                 qrs_spool_set_max_bytes    (QrsSpool               *self,
                                                 guint64                 max_bytes);
guint64              qrs_spool_get_max_bytes    (QrsSpool               *self);
guint64              qrs_spool_get_bytes        (QrsSpool               *self);
guint64              qrs_spool_get_pending_bytes (QrsSpool               *self);
guint64              qrs_spool_get_appended     (QrsSpool               *self);
guint64              qrs_spool_get_dropped      (QrsSpool               *self);
guint64              qrs_spool_get_skipped      (QrsSpool               *self);

void                 qrs_spool_get_ledger       (QrsSpool               *self,
                                                 QrsSpoolPosition       *position);
guint                qrs_spool_read             (QrsSpool               *self,
                                                 QrsSpoolPosition       *position,
                                                 guint                   max_records,
                                                 GArray                 *records,
                                                 GError                **error);
gboolean             qrs_spool_commit           (QrsSpool               *self,
                                                 const QrsSpoolPosition *position,
                                                 GError                **error);
gboolean             qrs_spool_has_pending      (QrsSpool               *self,
                                                 const QrsSpoolPosition *position);
void                 qrs_spool_close            (QrsSpool               *self);

G_END_DECLS
