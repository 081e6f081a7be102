/* qrs-local-cluster.c — QR Studio's private PostgreSQL
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>

#include "qrs-database-private.h"
#include "qrs-local-cluster.h"

#define MIN_MAJOR_VERSION 15
#define PID_FILE "postmaster.pid"
#define PORT "5432"
#define SERVER_LOG "server.log"
#define SETTINGS_FILE "qrstudio.conf"
#define SYSTEM_BIN_ROOT "/usr/lib/postgresql"
/* How long start() waits for a server that holds the data directory but
 * does not answer, and for one starting up or shutting down (pg_ctl's
 * own default wait). */
#define SILENT_WAIT_SECONDS 5
#define BUSY_WAIT_SECONDS 60
/* sizeof (struct sockaddr_un.sun_path) on Linux, terminator included */
#define MAX_SOCKET_PATH 108

struct _QrsLocalCluster
{
  GObject  parent_instance;

  char    *data_dir;
  char    *socket_dir;
  char    *bin_dir;

  /* Serialises start and stop, which may run on worker threads. */
  GMutex   mutex;
};

enum {
  PROP_0,
  PROP_DATA_DIR,
  PROP_SOCKET_DIR,
  PROP_BIN_DIR,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

G_DEFINE_FINAL_TYPE (QrsLocalCluster, qrs_local_cluster, G_TYPE_OBJECT)
G_DEFINE_QUARK (qrs-local-cluster-error-quark, qrs_local_cluster_error)

static void
qrs_local_cluster_finalize (GObject *object)
{
  QrsLocalCluster *self = (QrsLocalCluster *)object;

  g_free (self->data_dir);
  g_free (self->socket_dir);
  g_free (self->bin_dir);
  g_mutex_clear (&self->mutex);

  G_OBJECT_CLASS (qrs_local_cluster_parent_class)->finalize (object);
}

static void
qrs_local_cluster_constructed (GObject *object)
{
  QrsLocalCluster *self = (QrsLocalCluster *)object;

  G_OBJECT_CLASS (qrs_local_cluster_parent_class)->constructed (object);

  if (self->data_dir == NULL)
    self->data_dir = g_build_filename (g_get_user_data_dir (), "qrstudio", "db", NULL);
  if (self->socket_dir == NULL)
    self->socket_dir = g_build_filename (g_get_user_runtime_dir (), "qrstudio", NULL);
}

static void
qrs_local_cluster_get_property (GObject    *object,
                                guint       prop_id,
                                GValue     *value,
                                GParamSpec *pspec)
{
  QrsLocalCluster *self = QRS_LOCAL_CLUSTER (object);

  switch (prop_id)
    {
    case PROP_DATA_DIR:
      g_value_set_string (value, self->data_dir);
      break;

    case PROP_SOCKET_DIR:
      g_value_set_string (value, self->socket_dir);
      break;

    case PROP_BIN_DIR:
      g_value_set_string (value, self->bin_dir);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
qrs_local_cluster_set_property (GObject      *object,
                                guint         prop_id,
                                const GValue *value,
                                GParamSpec   *pspec)
{
  QrsLocalCluster *self = QRS_LOCAL_CLUSTER (object);

  switch (prop_id)
    {
    case PROP_DATA_DIR:
      self->data_dir = g_value_dup_string (value);
      break;

    case PROP_SOCKET_DIR:
      self->socket_dir = g_value_dup_string (value);
      break;

    case PROP_BIN_DIR:
      qrs_local_cluster_set_bin_dir (self, g_value_get_string (value));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
qrs_local_cluster_class_init (QrsLocalClusterClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->constructed = qrs_local_cluster_constructed;
  object_class->finalize = qrs_local_cluster_finalize;
  object_class->get_property = qrs_local_cluster_get_property;
  object_class->set_property = qrs_local_cluster_set_property;

  properties[PROP_DATA_DIR] =
    g_param_spec_string ("data-dir", NULL, NULL,
                         NULL,
                         (G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS));

  properties[PROP_SOCKET_DIR] =
    g_param_spec_string ("socket-dir", NULL, NULL,
                         NULL,
                         (G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS));

  /**
   * QrsLocalCluster:bin-dir:
   *
   * Where initdb and pg_ctl are; %NULL to look on PATH and under
   * /usr/lib/postgresql/VERSION/bin.
   */
  properties[PROP_BIN_DIR] =
    g_param_spec_string ("bin-dir", NULL, NULL,
                         NULL,
                         (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
qrs_local_cluster_init (QrsLocalCluster *self)
{
  g_mutex_init (&self->mutex);
}

/**
 * qrs_local_cluster_new:
 * @data_dir: (nullable): where the cluster lives, or %NULL for
 *   $XDG_DATA_HOME/qrstudio/db
 * @socket_dir: (nullable): where its socket goes, or %NULL for
 *   $XDG_RUNTIME_DIR/qrstudio
 *
 * Returns: (transfer full): a new #QrsLocalCluster; nothing starts yet
 */
QrsLocalCluster *
qrs_local_cluster_new (const char *data_dir,
                       const char *socket_dir)
{
  return g_object_new (QRS_TYPE_LOCAL_CLUSTER,
                       "data-dir", data_dir,
                       "socket-dir", socket_dir,
                       NULL);
}

const char *
qrs_local_cluster_get_data_dir (QrsLocalCluster *self)
{
  g_return_val_if_fail (QRS_IS_LOCAL_CLUSTER (self), NULL);

  return self->data_dir;
}

const char *
qrs_local_cluster_get_socket_dir (QrsLocalCluster *self)
{
  g_return_val_if_fail (QRS_IS_LOCAL_CLUSTER (self), NULL);

  return self->socket_dir;
}

const char *
qrs_local_cluster_get_bin_dir (QrsLocalCluster *self)
{
  g_return_val_if_fail (QRS_IS_LOCAL_CLUSTER (self), NULL);

  return self->bin_dir;
}

void
qrs_local_cluster_set_bin_dir (QrsLocalCluster *self,
                               const char      *bin_dir)
{
  g_return_if_fail (QRS_IS_LOCAL_CLUSTER (self));

  g_mutex_lock (&self->mutex);
  if (g_strcmp0 (self->bin_dir, bin_dir) == 0)
    {
      g_mutex_unlock (&self->mutex);
      return;
    }
  g_free (self->bin_dir);
  self->bin_dir = g_strdup (bin_dir);
  g_mutex_unlock (&self->mutex);

  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_BIN_DIR]);
}

/* ------------------------------------------------------------------ */
/* Finding the server programs                                         */

static gboolean
has_server_programs (const char *dir)
{
  g_autofree char *pg_ctl = g_build_filename (dir, "pg_ctl", NULL);
  g_autofree char *initdb = g_build_filename (dir, "initdb", NULL);

  return g_file_test (pg_ctl, G_FILE_TEST_IS_EXECUTABLE)
         && g_file_test (initdb, G_FILE_TEST_IS_EXECUTABLE);
}

static char *
read_data_version (QrsLocalCluster *self)
{
  g_autofree char *path = g_build_filename (self->data_dir, "PG_VERSION", NULL);
  g_autofree char *contents = NULL;

  if (!g_file_get_contents (path, &contents, NULL, NULL))
    return NULL;
  return g_strdup (g_strstrip (contents));
}

static char *
newest_system_bin_dir (void)
{
  g_autoptr(GDir) dir = g_dir_open (SYSTEM_BIN_ROOT, 0, NULL);
  g_autofree char *best = NULL;
  guint64 best_version = 0;
  const char *name;

  if (dir == NULL)
    return NULL;

  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *bin = g_build_filename (SYSTEM_BIN_ROOT, name, "bin", NULL);
      guint64 version;

      if (!g_ascii_string_to_unsigned (name, 10, MIN_MAJOR_VERSION, G_MAXUINT, &version, NULL))
        continue;
      if (version > best_version && has_server_programs (bin))
        {
          best_version = version;
          g_free (best);
          best = g_steal_pointer (&bin);
        }
    }
  return g_steal_pointer (&best);
}

static char *
find_bin_dir_locked (QrsLocalCluster  *self,
                     GError          **error)
{
  g_autofree char *data_version = NULL;
  g_autofree char *pg_ctl = NULL;
  char *found;

  if (self->bin_dir != NULL)
    {
      if (has_server_programs (self->bin_dir))
        return g_strdup (self->bin_dir);
      g_set_error (error, QRS_LOCAL_CLUSTER_ERROR, QRS_LOCAL_CLUSTER_ERROR_NOT_INSTALLED,
                   _("PostgreSQL’s server programs (initdb, pg_ctl) are not in %s."),
                   self->bin_dir);
      return NULL;
    }

  /* An existing cluster needs the server of its own major version. */
  data_version = read_data_version (self);
  if (data_version != NULL)
    {
      g_autofree char *bin = g_build_filename (SYSTEM_BIN_ROOT, data_version, "bin", NULL);

      if (has_server_programs (bin))
        return g_steal_pointer (&bin);
    }

  pg_ctl = g_find_program_in_path ("pg_ctl");
  if (pg_ctl != NULL)
    {
      g_autofree char *dir = g_path_get_dirname (pg_ctl);

      if (has_server_programs (dir))
        return g_steal_pointer (&dir);
    }

  found = newest_system_bin_dir ();
  if (found != NULL)
    return found;

  g_set_error_literal (error, QRS_LOCAL_CLUSTER_ERROR, QRS_LOCAL_CLUSTER_ERROR_NOT_INSTALLED,
                       _("QR Studio keeps its codes in PostgreSQL, but PostgreSQL’s server programs (initdb, pg_ctl) are not installed. Install the package “postgresql” (Debian, Ubuntu) or “postgresql-server” (Fedora), or connect to a database server in the preferences."));
  return NULL;
}

/**
 * qrs_local_cluster_find_bin_dir:
 * @self: a #QrsLocalCluster
 * @error: a #GError
 *
 * Finds initdb and pg_ctl: in #QrsLocalCluster:bin-dir when set; else
 * those of the existing cluster's PostgreSQL version, then on PATH, then
 * the newest under /usr/lib/postgresql/VERSION/bin.
 *
 * Returns: (transfer full): the directory, or %NULL with
 *   %QRS_LOCAL_CLUSTER_ERROR_NOT_INSTALLED
 */
char *
qrs_local_cluster_find_bin_dir (QrsLocalCluster  *self,
                                GError          **error)
{
  char *dir;

  g_return_val_if_fail (QRS_IS_LOCAL_CLUSTER (self), NULL);

  g_mutex_lock (&self->mutex);
  dir = find_bin_dir_locked (self, error);
  g_mutex_unlock (&self->mutex);
  return dir;
}

/* ------------------------------------------------------------------ */
/* Running the server programs                                         */

static gboolean
run_program (const char * const  *argv,
             char               **output,
             GCancellable        *cancellable,
             GError             **error)
{
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GSubprocess) process = NULL;
  g_autofree char *text = NULL;
  static const char * const unset[] = {
    "PGDATA", "PGHOST", "PGHOSTADDR", "PGPORT", "PGDATABASE", "PGUSER", "PGPASSWORD",
    "PGSERVICE", "PGSERVICEFILE", "PGSYSCONFDIR", "PGOPTIONS",
  };

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_MERGE);
  /* Settings meant for some other server must not leak into ours. */
  for (guint i = 0; i < G_N_ELEMENTS (unset); i++)
    g_subprocess_launcher_unsetenv (launcher, unset[i]);
  g_subprocess_launcher_set_cwd (launcher, "/");

  process = g_subprocess_launcher_spawnv (launcher, argv, error);
  if (process == NULL)
    return FALSE;

  if (!g_subprocess_communicate_utf8 (process, NULL, cancellable, &text, NULL, error))
    return FALSE;

  if (output != NULL)
    *output = g_strdup (text ? g_strstrip (text) : "");

  if (!g_subprocess_get_if_exited (process) || g_subprocess_get_exit_status (process) != 0)
    {
      g_set_error (error, QRS_LOCAL_CLUSTER_ERROR, QRS_LOCAL_CLUSTER_ERROR_FAILED,
                   _("%s failed: %s"), argv[0], text && *text ? text : _("no message"));
      return FALSE;
    }
  return TRUE;
}

static int
binaries_major_version (const char  *bin_dir,
                        GError     **error)
{
  g_autofree char *pg_ctl = g_build_filename (bin_dir, "pg_ctl", NULL);
  const char *argv[] = { pg_ctl, "--version", NULL };
  g_autofree char *output = NULL;
  const char *p;

  if (!run_program (argv, &output, NULL, error))
    return -1;

  /* "pg_ctl (PostgreSQL) 15.18 (Debian 15.18-0+deb12u1)" */
  p = strstr (output, ") ");
  if (p == NULL || !g_ascii_isdigit (p[2]))
    {
      g_set_error (error, QRS_LOCAL_CLUSTER_ERROR, QRS_LOCAL_CLUSTER_ERROR_FAILED,
                   _("Could not tell the version of %s: “%s”."), pg_ctl, output);
      return -1;
    }
  return (int)g_ascii_strtoull (p + 2, NULL, 10);
}

/* Removes a directory tree we created ourselves, without following links. */
static gboolean
remove_tree (GFile         *file,
             GCancellable  *cancellable,
             GError       **error)
{
  g_autoptr(GFileEnumerator) children = NULL;
  GFileInfo *info;

  children = g_file_enumerate_children (file, G_FILE_ATTRIBUTE_STANDARD_NAME "," G_FILE_ATTRIBUTE_STANDARD_TYPE,
                                        G_FILE_QUERY_INFO_NOFOLLOW_SYMLINKS, cancellable, NULL);
  if (children != NULL)
    {
      while ((info = g_file_enumerator_next_file (children, cancellable, NULL)) != NULL)
        {
          g_autoptr(GFile) child = g_file_get_child (file, g_file_info_get_name (info));
          gboolean is_dir = g_file_info_get_file_type (info) == G_FILE_TYPE_DIRECTORY;

          g_object_unref (info);
          if (is_dir ? !remove_tree (child, cancellable, error)
                     : !g_file_delete (child, cancellable, error))
            return FALSE;
        }
    }
  return g_file_delete (file, cancellable, error);
}

static gboolean
is_empty_or_missing (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);

  if (dir == NULL)
    return !g_file_test (path, G_FILE_TEST_EXISTS);
  return g_dir_read_name (dir) == NULL;
}

/* initdb into a fresh folder beside the final one, then rename: a failed
 * or interrupted initdb never leaves a half-made cluster where the next
 * start would trip over it. */
static gboolean
create_cluster (QrsLocalCluster  *self,
                const char       *bin_dir,
                GCancellable     *cancellable,
                GError          **error)
{
  g_autofree char *initdb = g_build_filename (bin_dir, "initdb", NULL);
  g_autofree char *staging = g_strconcat (self->data_dir, ".new", NULL);
  g_autofree char *parent = g_path_get_dirname (self->data_dir);
  g_autofree char *conf = g_build_filename (staging, "postgresql.conf", NULL);
  g_autoptr(GFile) staging_file = g_file_new_for_path (staging);
  g_autofree char *output = NULL;
  g_autofree char *contents = NULL;
  g_autofree char *appended = NULL;
  const char *argv[] = {
    initdb, "--pgdata", staging, "--encoding", "UTF8", "--no-locale",
    "--auth-local", "peer", "--auth-host", "reject", "--no-instructions", NULL
  };

  if (!is_empty_or_missing (self->data_dir))
    {
      g_set_error (error, QRS_LOCAL_CLUSTER_ERROR, QRS_LOCAL_CLUSTER_ERROR_FAILED,
                   _("The folder %s is in the way of QR Studio’s private database: it is not empty, yet it holds no PostgreSQL database. Move it away and start again."),
                   self->data_dir);
      return FALSE;
    }

  if (g_mkdir_with_parents (parent, 0700) != 0)
    {
      int saved_errno = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
                   _("Could not create the folder %s: %s"), parent, g_strerror (saved_errno));
      return FALSE;
    }

  if (g_file_test (staging, G_FILE_TEST_EXISTS) && !remove_tree (staging_file, cancellable, error))
    return FALSE;

  g_debug ("Creating the private database cluster in %s", self->data_dir);
  if (!run_program (argv, &output, cancellable, error))
    {
      remove_tree (staging_file, NULL, NULL);
      return FALSE;
    }

  /* Settings that follow the session (the socket's folder) are written
   * anew before every start into a file of their own. */
  if (!g_file_get_contents (conf, &contents, NULL, error))
    return FALSE;
  appended = g_strconcat (contents, "\n# QR Studio\ninclude_if_exists = '" SETTINGS_FILE "'\n", NULL);
  if (!g_file_set_contents (conf, appended, -1, error))
    return FALSE;

  if (g_file_test (self->data_dir, G_FILE_TEST_IS_DIR) && g_rmdir (self->data_dir) != 0)
    {
      int saved_errno = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
                   _("Could not replace the empty folder %s: %s"), self->data_dir, g_strerror (saved_errno));
      return FALSE;
    }
  if (g_rename (staging, self->data_dir) != 0)
    {
      int saved_errno = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
                   _("Could not move the new database to %s: %s"), self->data_dir, g_strerror (saved_errno));
      return FALSE;
    }

  return TRUE;
}

static char *
quote_setting (const char *value)
{
  GString *quoted = g_string_new ("'");

  for (const char *p = value; *p; p++)
    {
      if (*p == '\'' || *p == '\\')
        g_string_append_c (quoted, *p);
      g_string_append_c (quoted, *p);
    }
  g_string_append_c (quoted, '\'');
  return g_string_free (quoted, FALSE);
}

static gboolean
write_settings (QrsLocalCluster  *self,
                GError          **error)
{
  g_autofree char *path = g_build_filename (self->data_dir, SETTINGS_FILE, NULL);
  g_autofree char *socket_dir = quote_setting (self->socket_dir);
  g_autofree char *contents = NULL;

  /* No TCP at all: only this account, through the socket in its private
   * runtime folder. */
  contents = g_strdup_printf ("# Written by QR Studio before each start; changes are lost.\n"
                              "listen_addresses = ''\n"
                              "unix_socket_directories = %s\n"
                              "unix_socket_permissions = 0700\n"
                              "port = " PORT "\n"
                              "max_connections = 20\n",
                              socket_dir);
  return g_file_set_contents_full (path, contents, -1, G_FILE_SET_CONTENTS_CONSISTENT, 0600, error);
}

/* Whether a server holds the data directory, from its postmaster.pid and
 * from whether anything answers at the socket that file names. */
typedef enum
{
  SERVER_STOPPED,   /* no postmaster.pid */
  SERVER_STALE,     /* one a server that is gone left behind */
  SERVER_SILENT,    /* held by a live process, yet nothing answers */
  SERVER_BUSY,      /* starting up or shutting down */
  SERVER_READY,
} ServerState;

/* Where the process postmaster.pid names is.  When it names none (a power
 * cut can leave it empty or cut short), whether any process works in the
 * data directory: PID_GONE when none does. */
typedef enum
{
  PID_GONE,         /* no such process, or a zombie */
  PID_ELSEWHERE,    /* alive, but cannot be a server of this data directory */
  PID_IN_DATA_DIR,  /* alive and working in the data directory */
  PID_UNKNOWN,      /* cannot tell, so assume the worst */
} PidPlace;

typedef struct
{
  char     *contents;
  pid_t     pid;        /* 0 when postmaster.pid names no process */
  pid_t     worker;     /* with no PID: a process working in the data directory */
  char     *port;
  char     *socket_dir;
  PidPlace  place;
} ServerProbe;

static void
server_probe_clear (ServerProbe *probe)
{
  g_clear_pointer (&probe->contents, g_free);
  g_clear_pointer (&probe->port, g_free);
  g_clear_pointer (&probe->socket_dir, g_free);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (ServerProbe, server_probe_clear)

/* The PID on the first line of postmaster.pid or of a socket's lock file,
 * or 0.  postgres writes that line whole, newline included, so a line
 * without one is cut short and its digits may be the start of some other
 * PID. */
static pid_t
parse_lock_pid (const char *contents)
{
  const char *end = strchr (contents, '\n');
  g_autofree char *line = NULL;
  guint64 pid;

  if (end == NULL)
    return 0;
  line = g_strndup (contents, end - contents);
  if (!g_ascii_string_to_unsigned (g_strstrip (line), 10, 1, G_MAXINT, &pid, NULL))
    return 0;
  return (pid_t)pid;
}

/* postmaster.pid: pid, data folder, start time, port, socket folder, … —
 * a server writes the later lines only once it has opened its sockets.
 * Returns FALSE only when there is no such file: one that names no
 * process still keeps postgres from starting. */
static gboolean
read_pid_file (QrsLocalCluster *self,
               ServerProbe     *probe)
{
  g_autofree char *path = g_build_filename (self->data_dir, PID_FILE, NULL);
  g_autofree char *contents = NULL;
  g_auto(GStrv) lines = NULL;
  guint n_lines;

  if (!g_file_get_contents (path, &contents, NULL, NULL))
    return FALSE;

  probe->pid = parse_lock_pid (contents);
  lines = g_strsplit (contents, "\n", -1);
  /* Without a PID the rest cannot be trusted either: then the socket our
   * settings give is where a server would answer. */
  n_lines = probe->pid > 0 ? g_strv_length (lines) : 0;
  probe->contents = g_steal_pointer (&contents);
  if (n_lines > 3 && *g_strstrip (lines[3]) != '\0')
    probe->port = g_strdup (lines[3]);
  else
    probe->port = g_strdup (PORT);
  if (n_lines > 4 && *g_strstrip (lines[4]) != '\0')
    probe->socket_dir = g_strdup (lines[4]);
  else
    probe->socket_dir = g_strdup (self->socket_dir);
  return TRUE;
}

/* Whether @pid can be a server of this data directory.
 *
 * After a crash or a power cut postmaster.pid stays behind, and its PID
 * may by now name some unrelated live process — likely in a Flatpak
 * sandbox, whose PIDs count from 1 again on every start.  postgres itself
 * only asks whether that PID is alive, and then refuses to start.
 *
 * A postmaster moves into its data directory before it writes
 * postmaster.pid and works there until it exits, so a live process working
 * anywhere else is not it.  The directories are compared by device and
 * inode, which symbolic links and bind mounts do not fool.  Any process
 * working in the data directory counts as a server, whatever its name: a
 * false alarm costs an error message, a wrong guess the other way could
 * put two servers on one data directory.  Where /proc cannot tell, assume
 * the worst. */
static PidPlace
locate_pid (QrsLocalCluster *self,
            pid_t            pid)
{
  g_autofree char *stat_path = g_strdup_printf ("/proc/%d/stat", (int)pid);
  g_autofree char *cwd_path = g_strdup_printf ("/proc/%d/cwd", (int)pid);
  g_autofree char *stat_line = NULL;
  const char *state;
  GStatBuf data_st;
  GStatBuf cwd_st;

  if (g_stat (self->data_dir, &data_st) != 0)
    return PID_UNKNOWN;

  if (kill (pid, 0) != 0)
    {
      if (errno == ESRCH)
        return PID_GONE;
      /* Another account's process: postgres runs only as the owner of
       * its data directory, which is us. */
      if (errno == EPERM && data_st.st_uid == geteuid ())
        return PID_ELSEWHERE;
      return PID_UNKNOWN;
    }

  /* A zombie has ended; only its parent has not noticed yet. */
  if (g_file_get_contents (stat_path, &stat_line, NULL, NULL)
      && (state = strrchr (stat_line, ')')) != NULL
      && state[1] == ' ' && state[2] == 'Z')
    return PID_GONE;

  if (g_stat (cwd_path, &cwd_st) != 0)
    return PID_UNKNOWN;
  if (cwd_st.st_dev == data_st.st_dev && cwd_st.st_ino == data_st.st_ino)
    return PID_IN_DATA_DIR;
  return PID_ELSEWHERE;
}

/* For a postmaster.pid that names no process: whether any process works
 * in the data directory, and which.
 *
 * postgres moves into its data directory before it creates postmaster.pid
 * empty and then writes its PID, so a server just starting has an empty
 * file for a moment, and is already found here.  After a power cut nothing
 * works there.  As in locate_pid(), any process working there counts, and
 * another account's process, whose folder we may not see, cannot be a
 * server of our data directory.  We ourselves are not one either. */
static PidPlace
find_data_dir_worker (QrsLocalCluster *self,
                      pid_t           *worker)
{
  g_autoptr(GDir) proc = NULL;
  GStatBuf data_st;
  const char *name;

  *worker = 0;
  if (g_stat (self->data_dir, &data_st) != 0)
    return PID_UNKNOWN;
  proc = g_dir_open ("/proc", 0, NULL);
  if (proc == NULL)
    return PID_UNKNOWN;

  while ((name = g_dir_read_name (proc)) != NULL)
    {
      g_autofree char *cwd_path = NULL;
      GStatBuf cwd_st;
      guint64 pid;

      if (!g_ascii_string_to_unsigned (name, 10, 1, G_MAXINT, &pid, NULL)
          || (pid_t)pid == getpid ())
        continue;

      cwd_path = g_strdup_printf ("/proc/%s/cwd", name);
      if (g_stat (cwd_path, &cwd_st) != 0)
        {
          /* Ended meanwhile, or a zombie, which has no folder left. */
          if (errno == ENOENT || errno == ESRCH)
            continue;
          if ((errno == EACCES || errno == EPERM) && data_st.st_uid == geteuid ())
            continue;
          return PID_UNKNOWN;
        }
      if (cwd_st.st_dev == data_st.st_dev && cwd_st.st_ino == data_st.st_ino)
        {
          *worker = (pid_t)pid;
          return PID_IN_DATA_DIR;
        }
    }
  return PID_GONE;
}

/* A Unix-socket ping answers in milliseconds; the timeout only matters for
 * a server that is alive but stuck.  2 seconds is libpq's minimum. */
static PGPing
ping_server (const char *socket_dir,
             const char *port)
{
  const char *keywords[] = { "host", "port", "dbname", "user", "connect_timeout", NULL };
  const char *values[] = { socket_dir, port, "postgres", g_get_user_name (), "2", NULL };

  return PQpingParams (keywords, values, FALSE);
}

/* Nothing answering is not enough to call postmaster.pid stale: the server
 * may not have opened its socket yet, or be stuck.  Only when its PID is
 * gone or elsewhere too, or, when it names none, nothing works in the data
 * directory.  The file is read before /proc is: a server that wrote it has
 * moved into the data directory by then. */
static ServerState
probe_server (QrsLocalCluster *self,
              ServerProbe     *probe)
{
  if (!read_pid_file (self, probe))
    return SERVER_STOPPED;

  if (probe->pid > 0)
    probe->place = locate_pid (self, probe->pid);
  else
    probe->place = find_data_dir_worker (self, &probe->worker);

  switch (ping_server (probe->socket_dir, probe->port))
    {
    case PQPING_OK:
      return SERVER_READY;

    case PQPING_REJECT:
      return SERVER_BUSY;

    case PQPING_NO_RESPONSE:
    case PQPING_NO_ATTEMPT:
    default:
      break;
    }

  if (probe->place == PID_GONE || probe->place == PID_ELSEWHERE)
    return SERVER_STALE;
  return SERVER_SILENT;
}

/* Removes the postmaster.pid that probe_server() found stale, and the lock
 * file beside our socket if the same server left it (it names the same
 * PID, and postgres would refuse to start because of it just the same).
 * postgres's own check that no old server process is still attached to the
 * data directory's shared memory stays in force.
 *
 * Otherwise, as when postmaster.pid names no process to match, the socket
 * lock file goes when the process it names is gone: postgres removes such
 * a file itself, but takes a zombie nobody has reaped for a live server.
 * One that names some other live process stays, for that may be a server
 * that really uses our socket.  One that names no process (empty, cut short) makes postgres
 * refuse to start as well; it goes only when no process works in the data
 * directory: our socket folder is this cluster's own, so a server writing
 * that file works there. */
static gboolean
remove_stale_lock_files (QrsLocalCluster    *self,
                         const ServerProbe  *probe,
                         GError            **error)
{
  g_autofree char *path = g_build_filename (self->data_dir, PID_FILE, NULL);
  g_autofree char *socket_lock = g_build_filename (self->socket_dir, ".s.PGSQL." PORT ".lock", NULL);
  g_autofree char *current = NULL;
  g_autofree char *lock_contents = NULL;
  pid_t worker;

  /* An empty file looks just like the one a server has only now created,
   * once another QR Studio removed the old one: that server has moved into
   * the data directory already, so look there once more, right before the
   * file is compared and removed. */
  if (probe->pid == 0 && find_data_dir_worker (self, &worker) != PID_GONE)
    return TRUE;

  /* Only the very file judged stale, never one a server has just written:
   * a changed file is probed again. */
  if (!g_file_get_contents (path, &current, NULL, NULL) || strcmp (current, probe->contents) != 0)
    return TRUE;

  if (probe->pid > 0)
    g_message ("Removing %s, left behind by a database server that is gone: "
               "nothing answers at %s, and PID %d %s",
               path, probe->socket_dir, (int)probe->pid,
               probe->place == PID_GONE ? "has ended" : "is some other program");
  else
    g_message ("Removing %s, left behind by a database server that is gone: "
               "it names no process, nothing answers at %s, and no process works in %s",
               path, probe->socket_dir, self->data_dir);
  if (g_unlink (path) != 0 && errno != ENOENT)
    {
      int saved_errno = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
                   _("Could not remove the stale lock file %s: %s"), path, g_strerror (saved_errno));
      return FALSE;
    }

  if (g_file_get_contents (socket_lock, &lock_contents, NULL, NULL))
    {
      pid_t lock_pid = parse_lock_pid (lock_contents);
      const char *why = NULL;

      if (lock_pid > 0 && lock_pid == probe->pid)
        why = "left behind by the same server";
      else if (lock_pid > 0 && locate_pid (self, lock_pid) == PID_GONE)
        why = "left behind by a server that is gone";
      else if (lock_pid == 0 && find_data_dir_worker (self, &worker) == PID_GONE)
        why = "which names no process, while none works in the data directory";

      if (why != NULL)
        {
          g_message ("Removing %s, %s", socket_lock, why);
          if (g_unlink (socket_lock) != 0 && errno != ENOENT)
            {
              int saved_errno = errno;

              g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
                           _("Could not remove the stale lock file %s: %s"), socket_lock,
                           g_strerror (saved_errno));
              return FALSE;
            }
        }
    }
  return TRUE;
}

/**
 * qrs_local_cluster_is_running:
 * @self: a #QrsLocalCluster
 *
 * Whether a server answers at the socket postmaster.pid names, ready or
 * starting up or shutting down.  A postmaster.pid a crash left behind
 * does not count, even when its PID now names another live process, nor
 * does an empty one while no process works in the data directory.
 * Takes milliseconds, but up to 2 seconds when the server is stuck.
 *
 * Returns: whether the private server is running
 */
gboolean
qrs_local_cluster_is_running (QrsLocalCluster *self)
{
  g_auto(ServerProbe) probe = { 0 };
  ServerState state;

  g_return_val_if_fail (QRS_IS_LOCAL_CLUSTER (self), FALSE);

  state = probe_server (self, &probe);
  return state == SERVER_READY || state == SERVER_BUSY;
}

static char *
quote_conninfo (const char *value)
{
  GString *quoted = g_string_new ("'");

  for (const char *p = value; *p; p++)
    {
      if (*p == '\'' || *p == '\\')
        g_string_append_c (quoted, '\\');
      g_string_append_c (quoted, *p);
    }
  g_string_append_c (quoted, '\'');
  return g_string_free (quoted, FALSE);
}

/**
 * qrs_local_cluster_dup_conninfo:
 * @self: a #QrsLocalCluster
 *
 * The connection string of the private database, for qrs_database_new():
 * its socket, and this account's name, which peer authentication requires
 * whatever PGUSER says.
 *
 * Returns: (transfer full): a libpq connection string
 */
char *
qrs_local_cluster_dup_conninfo (QrsLocalCluster *self)
{
  g_auto(ServerProbe) probe = { 0 };
  g_autofree char *host = NULL;
  g_autofree char *user = NULL;
  const char *port = PORT;
  const char *socket_dir = self->socket_dir;

  g_return_val_if_fail (QRS_IS_LOCAL_CLUSTER (self), NULL);

  /* The socket of the server that holds the data directory, if any. */
  if (read_pid_file (self, &probe) && probe.pid > 0)
    {
      PidPlace place = locate_pid (self, probe.pid);

      if (place == PID_IN_DATA_DIR || place == PID_UNKNOWN)
        {
          port = probe.port;
          socket_dir = probe.socket_dir;
        }
    }

  host = quote_conninfo (socket_dir);
  user = quote_conninfo (g_get_user_name ());
  return g_strdup_printf ("host=%s port=%s dbname=" QRS_LOCAL_CLUSTER_DATABASE " user=%s",
                          host, port, user);
}

static char *
server_log_tail (QrsLocalCluster *self)
{
  g_autofree char *path = g_build_filename (self->data_dir, SERVER_LOG, NULL);
  g_autofree char *contents = NULL;
  gsize length;

  if (!g_file_get_contents (path, &contents, &length, NULL))
    return g_strdup ("");
  if (length > 2000)
    return g_strdup (contents + length - 2000);
  return g_steal_pointer (&contents);
}

static gboolean
start_server (QrsLocalCluster  *self,
              const char       *bin_dir,
              GCancellable     *cancellable,
              GError          **error)
{
  g_autofree char *pg_ctl = g_build_filename (bin_dir, "pg_ctl", NULL);
  g_autofree char *log = g_build_filename (self->data_dir, SERVER_LOG, NULL);
  g_autoptr(GError) local_error = NULL;
  const char *argv[] = {
    pg_ctl, "start", "--pgdata", self->data_dir, "--log", log, "--wait", "--timeout", "60",
    "--silent", NULL
  };

  if (strlen (self->socket_dir) + strlen ("/.s.PGSQL." PORT) + 1 > MAX_SOCKET_PATH)
    {
      g_set_error (error, QRS_LOCAL_CLUSTER_ERROR, QRS_LOCAL_CLUSTER_ERROR_FAILED,
                   _("The folder for the database’s socket, %s, has too long a name for a Unix socket."),
                   self->socket_dir);
      return FALSE;
    }

  if (g_mkdir_with_parents (self->socket_dir, 0700) != 0)
    {
      int saved_errno = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
                   _("Could not create the folder %s: %s"), self->socket_dir, g_strerror (saved_errno));
      return FALSE;
    }

  if (!write_settings (self, error))
    return FALSE;

  g_debug ("Starting the private database server in %s", self->data_dir);
  if (!run_program (argv, NULL, cancellable, &local_error))
    {
      g_autofree char *tail = server_log_tail (self);

      g_set_error (error, QRS_LOCAL_CLUSTER_ERROR, QRS_LOCAL_CLUSTER_ERROR_FAILED,
                   _("The private database server did not start. %s\n%s"),
                   local_error->message, tail);
      return FALSE;
    }
  return TRUE;
}

/* Until a server answers: starts one when none holds the data directory,
 * after removing a postmaster.pid a crash left behind; waits for one that
 * is starting up or shutting down, and a little for one that is alive but
 * silent (it may not have opened its socket yet). */
static gboolean
ensure_server_locked (QrsLocalCluster  *self,
                      const char       *bin_dir,
                      GCancellable     *cancellable,
                      GError          **error)
{
  gint64 begun = g_get_monotonic_time ();

  for (;;)
    {
      g_auto(ServerProbe) probe = { 0 };
      ServerState state = probe_server (self, &probe);
      gint64 waited = g_get_monotonic_time () - begun;

      switch (state)
        {
        case SERVER_READY:
          return TRUE;

        case SERVER_STOPPED:
          return start_server (self, bin_dir, cancellable, error);

        case SERVER_STALE:
          if (!remove_stale_lock_files (self, &probe, error))
            return FALSE;
          break;

        case SERVER_SILENT:
          if (waited <= SILENT_WAIT_SECONDS * G_USEC_PER_SEC)
            break;
          if (probe.pid > 0)
            g_set_error (error, QRS_LOCAL_CLUSTER_ERROR, QRS_LOCAL_CLUSTER_ERROR_FAILED,
                         _("The private database in %s is held by process %d, which does not answer as a database server. Wait a moment and try again; if that does not help, end process %d (or restart the computer) and try again."),
                         self->data_dir, (int)probe.pid, (int)probe.pid);
          /* Likely a terminal or a file manager open in the data directory. */
          else if (probe.worker > 0)
            g_set_error (error, QRS_LOCAL_CLUSTER_ERROR, QRS_LOCAL_CLUSTER_ERROR_FAILED,
                         _("The lock file of the private database in %s is empty or damaged, and process %d works in that folder, so it may be a database server starting up. Wait a moment and try again; if that does not help, end process %d or close whatever program has that folder open, and try again."),
                         self->data_dir, (int)probe.worker, (int)probe.worker);
          else
            g_set_error (error, QRS_LOCAL_CLUSTER_ERROR, QRS_LOCAL_CLUSTER_ERROR_FAILED,
                         _("The lock file of the private database in %s is empty or damaged, and QR Studio cannot tell whether a database server is starting up there. If none is, remove the file %s and try again."),
                         self->data_dir, PID_FILE);
          return FALSE;

        case SERVER_BUSY:
        default:
          if (waited > BUSY_WAIT_SECONDS * G_USEC_PER_SEC)
            {
              g_autofree char *log = g_build_filename (self->data_dir, SERVER_LOG, NULL);

              g_set_error (error, QRS_LOCAL_CLUSTER_ERROR, QRS_LOCAL_CLUSTER_ERROR_FAILED,
                           _("The private database server in %s is still starting up or shutting down. Try again in a moment; its log is %s."),
                           self->data_dir, log);
              return FALSE;
            }
          break;
        }

      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        return FALSE;
      if (state != SERVER_STALE)
        g_usleep (G_USEC_PER_SEC / 5);
    }
}

static gboolean
create_database_and_migrate (QrsLocalCluster  *self,
                             GCancellable     *cancellable,
                             GError          **error)
{
  g_autofree char *conninfo = qrs_local_cluster_dup_conninfo (self);
  g_autofree char *maintenance = NULL;
  g_autoptr(QrsDatabase) server = NULL;
  g_autoptr(QrsDatabase) database = NULL;
  g_autoptr(PGresult) exists = NULL;
  const char *params[] = { QRS_LOCAL_CLUSTER_DATABASE };
  QrsPgConnection *connection;
  gboolean ok = TRUE;

  /* Later keywords win: the same socket and user, the maintenance database. */
  maintenance = g_strconcat (conninfo, " dbname=postgres", NULL);
  server = qrs_database_new (maintenance, error);
  if (server == NULL)
    return FALSE;

  connection = qrs_database_acquire (server, cancellable, error);
  if (connection == NULL)
    return FALSE;
  exists = qrs_pg_connection_exec (connection, "SELECT 1 FROM pg_database WHERE datname = $1",
                                1, params, cancellable, error);
  if (exists == NULL)
    ok = FALSE;
  else if (PQntuples (exists) == 0)
    /* An identifier cannot be a parameter; this one is a constant. */
    ok = qrs_pg_connection_command (connection,
                                 "CREATE DATABASE " QRS_LOCAL_CLUSTER_DATABASE " ENCODING 'UTF8'",
                                 0, NULL, cancellable, error);
  qrs_database_release (server, connection);
  if (!ok)
    return FALSE;

  database = qrs_database_new (conninfo, error);
  return database != NULL && qrs_database_migrate (database, NULL, cancellable, error);
}

/**
 * qrs_local_cluster_start:
 * @self: a #QrsLocalCluster
 * @cancellable: (nullable): a #GCancellable
 * @error: a #GError
 *
 * Creates the cluster on first use, starts the server unless it runs
 * already, creates the database and migrates it.  Refuses to run as root,
 * which PostgreSQL does not allow.
 *
 * Returns: %TRUE when the database is ready at qrs_local_cluster_dup_conninfo()
 */
gboolean
qrs_local_cluster_start (QrsLocalCluster  *self,
                         GCancellable     *cancellable,
                         GError          **error)
{
  g_autofree char *bin_dir = NULL;
  g_autofree char *data_version = NULL;
  int major;
  gboolean ok = FALSE;

  g_return_val_if_fail (QRS_IS_LOCAL_CLUSTER (self), FALSE);

  if (geteuid () == 0)
    {
      g_set_error_literal (error, QRS_LOCAL_CLUSTER_ERROR, QRS_LOCAL_CLUSTER_ERROR_RUNNING_AS_ROOT,
                           _("QR Studio’s private database cannot start while QR Studio runs as the administrator (root): PostgreSQL refuses to run as root, for safety. Run QR Studio as an ordinary user, or connect it to a database server."));
      return FALSE;
    }

  g_mutex_lock (&self->mutex);

  bin_dir = find_bin_dir_locked (self, error);
  if (bin_dir == NULL)
    goto out;

  major = binaries_major_version (bin_dir, error);
  if (major < 0)
    goto out;
  if (major < MIN_MAJOR_VERSION)
    {
      g_set_error (error, QRS_LOCAL_CLUSTER_ERROR, QRS_LOCAL_CLUSTER_ERROR_NOT_INSTALLED,
                   _("QR Studio needs PostgreSQL %d or newer, but the server programs in %s are version %d."),
                   MIN_MAJOR_VERSION, bin_dir, major);
      goto out;
    }

  data_version = read_data_version (self);
  if (data_version == NULL)
    {
      if (!create_cluster (self, bin_dir, cancellable, error))
        goto out;
    }
  else if (g_ascii_strtoll (data_version, NULL, 10) != major)
    {
      g_set_error (error, QRS_LOCAL_CLUSTER_ERROR, QRS_LOCAL_CLUSTER_ERROR_VERSION_MISMATCH,
                   _("The private database in %s was made by PostgreSQL %s, but the server programs found are version %d. Install PostgreSQL %s as well, or upgrade the database with pg_upgrade."),
                   self->data_dir, data_version, major, data_version);
      goto out;
    }

  if (!ensure_server_locked (self, bin_dir, cancellable, error))
    goto out;

  ok = create_database_and_migrate (self, cancellable, error);

out:
  g_mutex_unlock (&self->mutex);
  return ok;
}

/**
 * qrs_local_cluster_stop:
 * @self: a #QrsLocalCluster
 * @cancellable: (nullable): a #GCancellable
 * @error: a #GError
 *
 * Shuts the private server down (open sessions are ended).
 *
 * Returns: %TRUE when it is not running any more
 */
gboolean
qrs_local_cluster_stop (QrsLocalCluster  *self,
                        GCancellable     *cancellable,
                        GError          **error)
{
  g_auto(ServerProbe) probe = { 0 };
  g_autofree char *bin_dir = NULL;
  g_autofree char *pg_ctl = NULL;
  ServerState state;
  gboolean ok = TRUE;

  g_return_val_if_fail (QRS_IS_LOCAL_CLUSTER (self), FALSE);

  g_mutex_lock (&self->mutex);

  state = probe_server (self, &probe);
  if (state == SERVER_STALE)
    ok = remove_stale_lock_files (self, &probe, error);
  /* pg_ctl signals the PID in postmaster.pid, which must be our server. */
  else if (state != SERVER_STOPPED && probe.pid == 0)
    {
      g_set_error (error, QRS_LOCAL_CLUSTER_ERROR, QRS_LOCAL_CLUSTER_ERROR_FAILED,
                   _("The lock file of the private database in %s is empty or damaged, so QR Studio cannot tell which process to stop. If a database server is starting up there, try again in a moment."),
                   self->data_dir);
      ok = FALSE;
    }
  else if (state != SERVER_STOPPED
           && (probe.place == PID_GONE || probe.place == PID_ELSEWHERE))
    {
      g_set_error (error, QRS_LOCAL_CLUSTER_ERROR, QRS_LOCAL_CLUSTER_ERROR_FAILED,
                   _("A database server answers at %s, but the lock file in %s names process %d, which is not that server, so QR Studio leaves it running."),
                   probe.socket_dir, self->data_dir, (int)probe.pid);
      ok = FALSE;
    }
  else if (state != SERVER_STOPPED)
    {
      bin_dir = find_bin_dir_locked (self, error);
      if (bin_dir == NULL)
        ok = FALSE;
      else
        {
          const char *argv[] = {
            (pg_ctl = g_build_filename (bin_dir, "pg_ctl", NULL)),
            "stop", "--pgdata", self->data_dir, "--mode", "fast", "--wait", "--timeout", "60",
            "--silent", NULL
          };

          g_debug ("Stopping the private database server in %s", self->data_dir);
          ok = run_program (argv, NULL, cancellable, error);
        }
    }

  g_mutex_unlock (&self->mutex);
  return ok;
}

static gpointer
start_thread (gpointer source, gpointer data, GCancellable *cancellable, GError **error)
{
  return qrs_local_cluster_start (source, cancellable, error) ? QRS_STORE_DONE : NULL;
}

void
qrs_local_cluster_start_async (QrsLocalCluster     *self,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  g_return_if_fail (QRS_IS_LOCAL_CLUSTER (self));

  qrs_store_run_in_thread (self, qrs_local_cluster_start_async, start_thread, NULL, NULL, NULL,
                           cancellable, callback, user_data);
}

gboolean
qrs_local_cluster_start_finish (QrsLocalCluster  *self,
                                GAsyncResult     *result,
                                GError          **error)
{
  return qrs_store_run_finish (self, result, qrs_local_cluster_start_async, error) != NULL;
}

static gpointer
stop_thread (gpointer source, gpointer data, GCancellable *cancellable, GError **error)
{
  return qrs_local_cluster_stop (source, cancellable, error) ? QRS_STORE_DONE : NULL;
}

void
qrs_local_cluster_stop_async (QrsLocalCluster     *self,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  g_return_if_fail (QRS_IS_LOCAL_CLUSTER (self));

  qrs_store_run_in_thread (self, qrs_local_cluster_stop_async, stop_thread, NULL, NULL, NULL,
                           cancellable, callback, user_data);
}

gboolean
qrs_local_cluster_stop_finish (QrsLocalCluster  *self,
                               GAsyncResult     *result,
                               GError          **error)
{
  return qrs_store_run_finish (self, result, qrs_local_cluster_stop_async, error) != NULL;
}
