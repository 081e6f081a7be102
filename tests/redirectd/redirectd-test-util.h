/* redirectd-test-util.h — qrstudio-redirectd run as a process on port 0
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <libsoup/soup.h>

#include "qrs-spool.h"

G_BEGIN_DECLS

typedef struct
{
  char        *dir;
  char        *config_path;
  GSubprocess *process;
  guint16      port;
  guint16      metrics_port;
  SoupSession *session;
  guint        fd_limit;        /* RLIMIT_NOFILE of the daemon; 0: as ours */
  const char  *asan_options;    /* ASAN_OPTIONS of the daemon; NULL: as ours */
  gboolean     fatal_warnings;  /* a warning the daemon logs aborts it */
  /* Run in the daemon's process between fork and exec, where only
   * async-signal-safe calls may be made; NULL: nothing more. */
  GSpawnChildSetupFunc child_setup;
  gpointer             child_setup_data;
} Fixture;

typedef struct
{
  guint        status;
  GBytes      *body;
  SoupMessage *msg;
} Reply;

/* The daemon writes its log to FIXTURE->dir/log and its ports to a port
 * file; it dies with the test process.  A stop that is not SIGKILL must
 * end with exit status 0.  Returns how long the stop took, in µs. */
void         remove_tree     (const char         *path);
void         write_config    (Fixture            *fixture,
                              const char         *text);
char        *read_log        (Fixture            *fixture);
/* Fails when the daemon logged a warning or worse. */
void         assert_log_quiet (Fixture           *fixture);
void         daemon_start    (Fixture            *fixture,
                              const char * const *extra);
gint64       daemon_stop     (Fixture            *fixture,
                              int                 signal_number);
char        *daemon_proc     (Fixture            *fixture,
                              const char         *file);

/* A steady load of GETs alternating between /r/open-day and /r/plain1;
 * with stop_after set, the daemon gets stop_signal once that many
 * redirects were answered. */
typedef struct
{
  Fixture    *fixture;
  GMainLoop  *loop;
  guint       to_send;
  guint       sent;
  guint       pending;
  guint       redirects;
  guint       failures;
  guint       stop_after;
  gboolean    stopped;
  int         stop_signal;     /* 0: SIGTERM */
  void      (*at_threshold) (gpointer data);   /* instead of a signal */
  gpointer    at_threshold_data;
  const char *short_ids[2];    /* NULL: open-day and plain1 */
} Load;

void         run_load        (Load               *load,
                              guint               concurrency);

void         reply_clear     (Reply              *reply);
Reply        request         (Fixture            *fixture,
                              const char         *method,
                              const char         *path,
                              const char * const *headers);
const char  *response_header (Reply              *reply,
                              const char         *name);
char        *body_text       (Reply              *reply);
guint64      metric          (Fixture            *fixture,
                              const char         *name);
GArray      *read_spool      (Fixture            *fixture);

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Reply, reply_clear)

G_END_DECLS
