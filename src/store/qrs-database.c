/* qrs-database.c — the connection to QR Studio's PostgreSQL database
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include <glib/gi18n-lib.h>
#include <glib-unix.h>

#include "qrs-database-private.h"
#include "qrs-store-resources.h"

#define MIGRATIONS_PATH "/io/github/qrstudio/QrStudio/sql"

/* pg_advisory_lock key for migrations: "qrstudio" read as a big-endian
 * 64-bit integer, so that no other application is likely to share it. */
#define MIGRATION_LOCK_KEY "8174723217653786991"

#define DEFAULT_MAX_CONNECTIONS 4
#define LISTEN_RETRY_MIN_MS 250
#define LISTEN_RETRY_MAX_MS 30000

struct _QrsPgConnection
{
  PGconn      *conn;
  QrsDatabase *database;
};

struct _QrsDatabase
{
  GObject       parent_instance;

  char         *conninfo;
  char         *application_name;

  GMutex        mutex;
  GCond         cond;
  GQueue        idle;              /* QrsPgConnection, ready to lend */
  guint         n_open;            /* lent or idle */
  guint         max_connections;

  /* The listener: its own connection, driven by the main context of the
   * thread that first called qrs_database_listen(). */
  GMainContext *listen_context;
  GHashTable   *channels;
  PGconn       *listen_conn;
  GSource      *listen_source;
  GCancellable *listen_connecting;
  guint         listen_retry_id;
  guint         listen_retry_ms;
};

enum {
  PROP_0,
  PROP_CONNINFO,
  PROP_MAX_CONNECTIONS,
  PROP_LISTENING,
  N_PROPS
};

enum {
  NOTIFICATION,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (QrsDatabase, qrs_database, G_TYPE_OBJECT)
G_DEFINE_QUARK (qrs-database-error-quark, qrs_database_error)
G_DEFINE_BOXED_TYPE (QrsMigration, qrs_migration, qrs_migration_copy, qrs_migration_free)

static void listen_connect (QrsDatabase *self);
static void listen_teardown (QrsDatabase *self);

QrsMigration *
qrs_migration_copy (const QrsMigration *self)
{
  QrsMigration *copy;

  g_return_val_if_fail (self != NULL, NULL);

  copy = g_new0 (QrsMigration, 1);
  copy->version = self->version;
  copy->name = g_strdup (self->name);
  copy->applied_at = self->applied_at ? g_date_time_ref (self->applied_at) : NULL;
  copy->applied_by = g_strdup (self->applied_by);
  return copy;
}

void
qrs_migration_free (QrsMigration *self)
{
  if (self == NULL)
    return;
  g_free (self->name);
  g_clear_pointer (&self->applied_at, g_date_time_unref);
  g_free (self->applied_by);
  g_free (self);
}

/* ------------------------------------------------------------------ */
/* The migrations compiled into the library                            */

typedef struct
{
  int     version;
  char   *name;
  GBytes *sql;
  char   *checksum;
} EmbeddedMigration;

static GPtrArray *embedded_migrations;
static GError *embedded_migrations_error;

static int
compare_names (gconstpointer a,
               gconstpointer b)
{
  return strcmp (*(const char * const *)a, *(const char * const *)b);
}

static gboolean
parse_migration_version (const char *name,
                         int        *version)
{
  const char *p = name;
  gint64 v = 0;

  while (g_ascii_isdigit (*p) && p - name < 6)
    v = v * 10 + (*p++ - '0');

  if (p == name || *p != '_' || !g_str_has_suffix (name, ".sql") || v <= 0)
    return FALSE;

  *version = (int)v;
  return TRUE;
}

static gpointer
load_embedded_migrations (gpointer data)
{
  g_autoptr(GPtrArray) migrations = g_ptr_array_new ();
  g_auto(GStrv) names = NULL;
  g_autoptr(GError) error = NULL;
  guint n;

  /* Read through the global registry, not qrs_store_get_resource():
   * GLib creates registered static resources lazily, and while another
   * thread is creating them (GTK looking up its own, say) that getter
   * returns NULL without waiting; the registry's lookups wait for it. */
  qrs_store_register_resource ();

  names = g_resources_enumerate_children (MIGRATIONS_PATH, 0, &error);
  if (names == NULL)
    {
      embedded_migrations_error = g_steal_pointer (&error);
      return NULL;
    }

  n = g_strv_length (names);
  qsort (names, n, sizeof (char *), compare_names);

  for (guint i = 0; i < n; i++)
    {
      g_autofree char *path = g_build_path ("/", MIGRATIONS_PATH, names[i], NULL);
      EmbeddedMigration *m = g_new0 (EmbeddedMigration, 1);

      m->name = g_strdup (names[i]);
      if (!parse_migration_version (names[i], &m->version)
          || (migrations->len > 0
              && ((EmbeddedMigration *)g_ptr_array_index (migrations, migrations->len - 1))->version >= m->version))
        {
          embedded_migrations_error =
            g_error_new (QRS_DATABASE_ERROR, QRS_DATABASE_ERROR_MIGRATION_FAILED,
                         "migration %s: names must be NNNN_name.sql with increasing numbers",
                         names[i]);
          return NULL;
        }

      m->sql = g_resources_lookup_data (path, 0, NULL);
      m->checksum = g_compute_checksum_for_bytes (G_CHECKSUM_SHA256, m->sql);
      g_ptr_array_add (migrations, m);
    }

  embedded_migrations = g_steal_pointer (&migrations);
  return NULL;
}

static GPtrArray *
get_embedded_migrations (GError **error)
{
  static GOnce once = G_ONCE_INIT;

  g_once (&once, load_embedded_migrations, NULL);

  if (embedded_migrations == NULL)
    {
      if (embedded_migrations_error != NULL)
        g_propagate_error (error, g_error_copy (embedded_migrations_error));
      else
        g_set_error_literal (error, QRS_DATABASE_ERROR, QRS_DATABASE_ERROR_MIGRATION_FAILED,
                             "no migrations are compiled into this program");
      return NULL;
    }
  return embedded_migrations;
}

/**
 * qrs_database_get_program_schema_version:
 *
 * Returns: the newest schema version this program knows, i.e. the number
 *   of its last migration
 */
int
qrs_database_get_program_schema_version (void)
{
  GPtrArray *migrations = get_embedded_migrations (NULL);

  if (migrations == NULL || migrations->len == 0)
    return 0;
  return ((EmbeddedMigration *)g_ptr_array_index (migrations, migrations->len - 1))->version;
}

/* ------------------------------------------------------------------ */
/* Errors                                                              */

typedef struct
{
  const char       *constraint;
  const char       *table;      /* NULL: any */
  QrsDatabaseError  code;
  const char       *message;
} ConstraintMessage;

static const ConstraintMessage constraint_messages[] = {
  { "codes_kind", NULL, QRS_DATABASE_ERROR_INVALID,
    N_("A code is either static or dynamic.") },
  { "codes_payload_type", NULL, QRS_DATABASE_ERROR_INVALID,
    N_("The payload type must be a short lower-case name such as “url” or “wifi”.") },
  { "codes_short_id_format", NULL, QRS_DATABASE_ERROR_INVALID,
    N_("A short id has 4 to 32 characters: letters, digits, “-” and “_”.") },
  { "codes_short_id_key", NULL, QRS_DATABASE_ERROR_DUPLICATE,
    N_("That short id is already taken: choose another.") },
  { "codes_target_url_http", NULL, QRS_DATABASE_ERROR_INVALID,
    N_("The target must be a web address starting with http:// or https://, with a host name and without spaces.") },
  { "codes_target_url_length", NULL, QRS_DATABASE_ERROR_INVALID,
    N_("The target address is too long: it may have at most 2,048 bytes.") },
  { "codes_kind_fields", NULL, QRS_DATABASE_ERROR_INVALID,
    N_("A dynamic code needs a short id and a target address; a static code has neither.") },
  { "codes_title_length", NULL, QRS_DATABASE_ERROR_INVALID,
    N_("The title is too long: it may have at most 500 characters.") },
  { "codes_description_length", NULL, QRS_DATABASE_ERROR_INVALID,
    N_("The description is too long: it may have at most 10,000 characters.") },
  { "codes_tags_count", NULL, QRS_DATABASE_ERROR_INVALID,
    N_("A code may have at most 50 tags.") },
  { "codes_encoded_length", NULL, QRS_DATABASE_ERROR_INVALID,
    N_("The encoded content is longer than any QR code can hold.") },
  { "codes_logo_sha256_fkey", "codes", QRS_DATABASE_ERROR_INVALID,
    N_("The code’s logo is not in the database: store the logo first.") },
  { "codes_logo_sha256_fkey", "assets", QRS_DATABASE_ERROR_IN_USE,
    N_("The logo is still used by a code.") },
  { "assets_size_limit", NULL, QRS_DATABASE_ERROR_TOO_LARGE,
    N_("A logo may be at most 2 MiB and cannot be empty.") },
  { "assets_media_type_image", NULL, QRS_DATABASE_ERROR_INVALID,
    N_("A logo must be an image, such as image/png or image/svg+xml.") },
  { "assets_sha256_matches", NULL, QRS_DATABASE_ERROR_INVALID,
    N_("The logo’s checksum does not match its contents.") },
};

static char *
first_line (const char *message)
{
  const char *end;

  if (message == NULL)
    return g_strdup ("");
  end = strchr (message, '\n');
  return end ? g_strndup (message, end - message) : g_strdup (message);
}

void
qrs_database_set_error_from_result (GError         **error,
                                    PGconn          *conn,
                                    const PGresult  *result)
{
  const char *sqlstate = result ? PQresultErrorField (result, PG_DIAG_SQLSTATE) : NULL;
  const char *primary = result ? PQresultErrorField (result, PG_DIAG_MESSAGE_PRIMARY) : NULL;
  const char *constraint = result ? PQresultErrorField (result, PG_DIAG_CONSTRAINT_NAME) : NULL;
  const char *table = result ? PQresultErrorField (result, PG_DIAG_TABLE_NAME) : NULL;
  const char *hint = result ? PQresultErrorField (result, PG_DIAG_MESSAGE_HINT) : NULL;
  g_autofree char *libpq_message = NULL;

  if (sqlstate == NULL)
    {
      /* No answer from the server: the connection is gone. */
      libpq_message = first_line (conn ? PQerrorMessage (conn) : NULL);
      g_set_error (error, QRS_DATABASE_ERROR, QRS_DATABASE_ERROR_CONNECTION_FAILED,
                   _("The connection to the database was lost: %s"), libpq_message);
      return;
    }

  if (constraint != NULL)
    {
      for (guint i = 0; i < G_N_ELEMENTS (constraint_messages); i++)
        {
          const ConstraintMessage *cm = &constraint_messages[i];

          if (strcmp (cm->constraint, constraint) == 0
              && (cm->table == NULL || g_strcmp0 (cm->table, table) == 0))
            {
              g_set_error_literal (error, QRS_DATABASE_ERROR, cm->code, _(cm->message));
              return;
            }
        }
    }

  if (strcmp (sqlstate, "57014") == 0)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_CANCELLED,
                           _("The database operation was cancelled."));
    }
  else if (strcmp (sqlstate, "42501") == 0)
    {
      g_set_error (error, QRS_DATABASE_ERROR, QRS_DATABASE_ERROR_PERMISSION_DENIED,
                   _("The database did not allow this (%s). Ask the administrator for a QR Studio role that may do it."),
                   primary);
    }
  else if (strcmp (sqlstate, "23505") == 0)
    {
      g_set_error (error, QRS_DATABASE_ERROR, QRS_DATABASE_ERROR_DUPLICATE,
                   _("This already exists in the database (%s)."), primary);
    }
  else if (strcmp (sqlstate, "23503") == 0)
    {
      g_set_error (error, QRS_DATABASE_ERROR, QRS_DATABASE_ERROR_IN_USE,
                   _("This is still referred to elsewhere in the database (%s)."), primary);
    }
  else if (g_str_has_prefix (sqlstate, "23") || g_str_has_prefix (sqlstate, "22"))
    {
      g_set_error (error, QRS_DATABASE_ERROR, QRS_DATABASE_ERROR_INVALID,
                   _("The database refused the value: %s."), primary);
    }
  else if (g_str_has_prefix (sqlstate, "08") || g_str_has_prefix (sqlstate, "57P"))
    {
      g_set_error (error, QRS_DATABASE_ERROR, QRS_DATABASE_ERROR_CONNECTION_FAILED,
                   _("The connection to the database was lost: %s"), primary);
    }
  else if (hint != NULL)
    {
      g_set_error (error, QRS_DATABASE_ERROR, QRS_DATABASE_ERROR_FAILED,
                   _("The database reported an error: %s. %s"), primary, hint);
    }
  else
    {
      g_set_error (error, QRS_DATABASE_ERROR, QRS_DATABASE_ERROR_FAILED,
                   _("The database reported an error: %s."), primary);
    }
}

static char *
describe_server (PGconn *conn)
{
  const char *host = PQhost (conn);
  const char *port = PQport (conn);

  if (host == NULL || *host == '\0' || host[0] == '/')
    return g_strdup_printf (_("the local socket in %s (port %s)"),
                            host && *host ? host : "/var/run/postgresql",
                            port && *port ? port : "5432");
  return g_strdup_printf ("%s:%s", host, port && *port ? port : "5432");
}

/* libpq reports a failed connection as text only, so what failed is read
 * from it; a ping, which answers in numbers, tells "nobody there" apart
 * whatever the language of the messages. */
static void
set_connect_error (GError      **error,
                   PGconn       *conn,
                   const char  **keywords,
                   const char  **values)
{
  const char *message = PQerrorMessage (conn);
  g_autofree char *server = describe_server (conn);
  g_autofree char *detail = NULL;
  const char *p;

  if (PQconnectionNeedsPassword (conn))
    {
      g_set_error (error, QRS_DATABASE_ERROR, QRS_DATABASE_ERROR_AUTHENTICATION_FAILED,
                   _("The database server at %s asks for a password for “%s” and none was given. Put it in ~/.pgpass (or the file PGPASSFILE names), never in the connection settings."),
                   server, PQuser (conn));
      return;
    }

  /* md5 and scram-sha-256 both say "password"; the other methods say
   * their own name, and a password is not what they want. */
  if (strstr (message, "password authentication failed") != NULL)
    {
      g_set_error (error, QRS_DATABASE_ERROR, QRS_DATABASE_ERROR_AUTHENTICATION_FAILED,
                   _("The database server at %s did not accept the password of “%s”. Check the password in ~/.pgpass (or the file PGPASSFILE names)."),
                   server, PQuser (conn));
      return;
    }

  if (strstr (message, "Peer authentication failed") != NULL)
    {
      g_set_error (error, QRS_DATABASE_ERROR, QRS_DATABASE_ERROR_AUTHENTICATION_FAILED,
                   _("The database server at %s lets “%s” in on its local socket only from the system account of that name (peer authentication). Log in as that account, or connect over TCP (host=localhost) with a password."),
                   server, PQuser (conn));
      return;
    }

  if (strstr (message, "authentication failed") != NULL)
    {
      detail = first_line (message);
      g_set_error (error, QRS_DATABASE_ERROR, QRS_DATABASE_ERROR_AUTHENTICATION_FAILED,
                   _("The database server at %s did not let “%s” in: %s"),
                   server, PQuser (conn), detail);
      return;
    }

  if ((p = strstr (message, "database \"")) != NULL && strstr (p, "does not exist") != NULL)
    {
      g_set_error (error, QRS_DATABASE_ERROR, QRS_DATABASE_ERROR_DATABASE_MISSING,
                   _("The database server at %s has no database “%s”. Create it as the administrator guide explains, or check the connection settings."),
                   server, PQdb (conn));
      return;
    }

  if ((p = strstr (message, "role \"")) != NULL && strstr (p, "does not exist") != NULL)
    {
      g_set_error (error, QRS_DATABASE_ERROR, QRS_DATABASE_ERROR_AUTHENTICATION_FAILED,
                   _("The database server at %s has no user “%s”. Check the user name in the connection settings."),
                   server, PQuser (conn));
      return;
    }

  if (strstr (message, "definition of service") != NULL)
    {
      detail = first_line (message);
      g_set_error (error, QRS_DATABASE_ERROR, QRS_DATABASE_ERROR_INVALID_CONNINFO,
                   _("The database connection settings name a service that is not defined: %s"),
                   detail);
      return;
    }

  if (PQpingParams (keywords, values, TRUE) == PQPING_NO_RESPONSE)
    {
      g_set_error (error, QRS_DATABASE_ERROR, QRS_DATABASE_ERROR_CONNECTION_REFUSED,
                   _("No database server answers at %s. Check that PostgreSQL is running there and that the connection settings are right."),
                   server);
      return;
    }

  detail = first_line (message);
  g_set_error (error, QRS_DATABASE_ERROR, QRS_DATABASE_ERROR_CONNECTION_FAILED,
               _("Could not connect to the database at %s: %s"), server, detail);
}

/* ------------------------------------------------------------------ */
/* Connections                                                         */

static void
notice_processor (void       *data,
                  const char *message)
{
  g_debug ("PostgreSQL: %s", message);
}

/* Every session reads and writes times in UTC and ISO form, which the
 * result helpers parse. */
static gboolean
setup_session (PGconn  *conn,
               GError **error)
{
  g_autoptr(PGresult) result = NULL;

  result = PQexec (conn, "SET TimeZone = 'UTC'; SET DateStyle = 'ISO, YMD'; SET IntervalStyle = 'postgres'");
  if (PQresultStatus (result) != PGRES_COMMAND_OK)
    {
      qrs_database_set_error_from_result (error, conn, result);
      return FALSE;
    }
  return TRUE;
}

static PGconn *
open_pgconn (QrsDatabase  *self,
             const char   *application_name,
             GError      **error)
{
  /* Later entries win; the caller's settings come after our defaults and
   * before what must hold for our parsing. */
  const char *keywords[] = { "fallback_application_name", "connect_timeout", "dbname", "client_encoding", NULL };
  const char *values[] = { application_name, "10", self->conninfo, "UTF8", NULL };
  PGconn *conn;

  conn = PQconnectdbParams (keywords, values, TRUE);
  if (conn == NULL)
    {
      g_set_error_literal (error, QRS_DATABASE_ERROR, QRS_DATABASE_ERROR_CONNECTION_FAILED,
                           _("Could not connect to the database: out of memory."));
      return NULL;
    }

  if (PQstatus (conn) != CONNECTION_OK)
    {
      set_connect_error (error, conn, keywords, values);
      PQfinish (conn);
      return NULL;
    }

  PQsetNoticeProcessor (conn, notice_processor, NULL);

  if (!setup_session (conn, error))
    {
      PQfinish (conn);
      return NULL;
    }

  return conn;
}

static void
connection_free (QrsPgConnection *connection)
{
  g_clear_pointer (&connection->conn, PQfinish);
  g_free (connection);
}

/* A connection that the server closed while it sat idle (a restart, an
 * administrator's pg_terminate_backend, an idle timeout) is only noticed
 * when read from: read now, before anything is sent, so a statement is
 * never sent twice. */
static gboolean
ensure_connection_alive (QrsPgConnection  *connection,
                         GError          **error)
{
  PGconn *conn = connection->conn;

  /* The server's farewell (a FATAL message) and the end of the stream
   * may take one read each. */
  if (PQtransactionStatus (conn) == PQTRANS_IDLE
      && PQconsumeInput (conn) && PQstatus (conn) == CONNECTION_OK)
    PQconsumeInput (conn);

  if (PQstatus (conn) == CONNECTION_OK)
    return TRUE;

  g_debug ("Database connection lost; reconnecting");
  PQreset (conn);
  if (PQstatus (conn) != CONNECTION_OK)
    {
      g_autofree char *detail = first_line (PQerrorMessage (conn));
      g_autofree char *server = describe_server (conn);

      g_set_error (error, QRS_DATABASE_ERROR, QRS_DATABASE_ERROR_CONNECTION_REFUSED,
                   _("Lost the connection to the database at %s and could not connect again: %s"),
                   server, detail);
      return FALSE;
    }

  PQsetNoticeProcessor (conn, notice_processor, NULL);
  return setup_session (conn, error);
}

QrsPgConnection *
qrs_database_acquire (QrsDatabase   *self,
                      GCancellable  *cancellable,
                      GError       **error)
{
  QrsPgConnection *connection = NULL;

  g_return_val_if_fail (QRS_IS_DATABASE (self), NULL);

  g_mutex_lock (&self->mutex);
  for (;;)
    {
      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        {
          g_mutex_unlock (&self->mutex);
          return NULL;
        }

      connection = g_queue_pop_head (&self->idle);
      if (connection != NULL)
        break;

      if (self->n_open < self->max_connections)
        {
          PGconn *conn;

          self->n_open++;
          g_mutex_unlock (&self->mutex);

          conn = open_pgconn (self, self->application_name, error);
          if (conn == NULL)
            {
              g_mutex_lock (&self->mutex);
              self->n_open--;
              g_cond_signal (&self->cond);
              g_mutex_unlock (&self->mutex);
              return NULL;
            }

          connection = g_new0 (QrsPgConnection, 1);
          connection->conn = conn;
          connection->database = self;
          return connection;
        }

      /* Wake up now and then to notice a cancellation. */
      g_cond_wait_until (&self->cond, &self->mutex,
                         g_get_monotonic_time () + 100 * G_TIME_SPAN_MILLISECOND);
    }
  g_mutex_unlock (&self->mutex);

  if (!ensure_connection_alive (connection, error))
    {
      qrs_database_release (self, connection);
      return NULL;
    }

  return connection;
}

void
qrs_database_release (QrsDatabase     *self,
                      QrsPgConnection *connection)
{
  g_return_if_fail (QRS_IS_DATABASE (self));

  if (connection == NULL)
    return;

  g_assert (connection->database == self);

  /* Never lend a connection in the middle of someone's transaction. */
  if (PQstatus (connection->conn) == CONNECTION_OK
      && PQtransactionStatus (connection->conn) != PQTRANS_IDLE)
    qrs_pg_connection_rollback (connection);

  g_mutex_lock (&self->mutex);
  if (PQstatus (connection->conn) == CONNECTION_OK
      && PQtransactionStatus (connection->conn) == PQTRANS_IDLE
      && self->n_open <= self->max_connections)
    {
      g_queue_push_head (&self->idle, connection);
    }
  else
    {
      self->n_open--;
      connection_free (connection);
    }
  g_cond_signal (&self->cond);
  g_mutex_unlock (&self->mutex);
}

PGconn *
qrs_pg_connection_get_pgconn (QrsPgConnection *connection)
{
  return connection->conn;
}

static void
cancel_query_cb (GCancellable *cancellable,
                 gpointer      data)
{
  char message[256];

  /* PQcancel is safe from any thread. */
  PQcancel (data, message, sizeof message);
}

PGresult *
qrs_pg_connection_exec_params (QrsPgConnection     *connection,
                               const char          *sql,
                               int                  n_params,
                               const char * const  *values,
                               const int           *lengths,
                               const int           *formats,
                               gboolean             binary_result,
                               GCancellable        *cancellable,
                               GError             **error)
{
  PGconn *conn = connection->conn;
  PGcancel *cancel = NULL;
  PGresult *result;
  gulong handler = 0;
  ExecStatusType status;

  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return NULL;

  if (cancellable != NULL)
    {
      cancel = PQgetCancel (conn);
      if (cancel != NULL)
        handler = g_cancellable_connect (cancellable, G_CALLBACK (cancel_query_cb), cancel, NULL);
    }

  result = PQexecParams (conn, sql, n_params, NULL, values, lengths, formats, binary_result ? 1 : 0);

  if (handler != 0)
    g_cancellable_disconnect (cancellable, handler);
  g_clear_pointer (&cancel, PQfreeCancel);

  status = PQresultStatus (result);
  if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK || status == PGRES_COPY_IN)
    return result;

  qrs_database_set_error_from_result (error, conn, result);
  PQclear (result);
  return NULL;
}

PGresult *
qrs_pg_connection_exec (QrsPgConnection     *connection,
                        const char          *sql,
                        int                  n_params,
                        const char * const  *values,
                        GCancellable        *cancellable,
                        GError             **error)
{
  return qrs_pg_connection_exec_params (connection, sql, n_params, values, NULL, NULL, FALSE,
                                     cancellable, error);
}

gboolean
qrs_pg_connection_command (QrsPgConnection     *connection,
                           const char          *sql,
                           int                  n_params,
                           const char * const  *values,
                           GCancellable        *cancellable,
                           GError             **error)
{
  g_autoptr(PGresult) result = NULL;

  result = qrs_pg_connection_exec (connection, sql, n_params, values, cancellable, error);
  return result != NULL;
}

gboolean
qrs_pg_connection_begin (QrsPgConnection  *connection,
                         GCancellable     *cancellable,
                         GError          **error)
{
  return qrs_pg_connection_command (connection, "BEGIN", 0, NULL, cancellable, error);
}

gboolean
qrs_pg_connection_commit (QrsPgConnection  *connection,
                          GCancellable     *cancellable,
                          GError          **error)
{
  return qrs_pg_connection_command (connection, "COMMIT", 0, NULL, cancellable, error);
}

void
qrs_pg_connection_rollback (QrsPgConnection *connection)
{
  g_autoptr(PGresult) result = NULL;

  if (PQstatus (connection->conn) != CONNECTION_OK
      || PQtransactionStatus (connection->conn) == PQTRANS_IDLE)
    return;
  result = PQexec (connection->conn, "ROLLBACK");
}

gboolean
qrs_pg_connection_copy_begin (QrsPgConnection  *connection,
                              const char       *sql,
                              GCancellable     *cancellable,
                              GError          **error)
{
  g_autoptr(PGresult) result = NULL;

  result = qrs_pg_connection_exec (connection, sql, 0, NULL, cancellable, error);
  if (result == NULL)
    return FALSE;
  if (PQresultStatus (result) != PGRES_COPY_IN)
    {
      g_set_error_literal (error, QRS_DATABASE_ERROR, QRS_DATABASE_ERROR_FAILED,
                           _("The database did not start copying data."));
      return FALSE;
    }
  return TRUE;
}

gboolean
qrs_pg_connection_copy_send (QrsPgConnection  *connection,
                             const char       *data,
                             gsize             length,
                             GError          **error)
{
  while (length > 0)
    {
      int chunk = (int)MIN (length, 1 << 20);

      if (PQputCopyData (connection->conn, data, chunk) != 1)
        {
          qrs_database_set_error_from_result (error, connection->conn, NULL);
          return FALSE;
        }
      data += chunk;
      length -= chunk;
    }
  return TRUE;
}

gboolean
qrs_pg_connection_copy_end (QrsPgConnection  *connection,
                            GCancellable     *cancellable,
                            GError          **error)
{
  PGconn *conn = connection->conn;
  PGresult *result;
  gboolean ok = TRUE;

  if (PQputCopyEnd (conn, g_cancellable_is_cancelled (cancellable) ? "cancelled" : NULL) != 1)
    {
      qrs_database_set_error_from_result (error, conn, NULL);
      return FALSE;
    }

  while ((result = PQgetResult (conn)) != NULL)
    {
      if (ok && PQresultStatus (result) != PGRES_COMMAND_OK)
        {
          qrs_database_set_error_from_result (error, conn, result);
          ok = FALSE;
        }
      PQclear (result);
    }

  if (ok && g_cancellable_set_error_if_cancelled (cancellable, error))
    ok = FALSE;

  return ok;
}

/* ------------------------------------------------------------------ */
/* Result helpers                                                      */

char *
qrs_result_dup_string (const PGresult *result,
                       int             row,
                       int             column)
{
  if (PQgetisnull (result, row, column))
    return NULL;
  return g_strdup (PQgetvalue (result, row, column));
}

gint64
qrs_result_get_int64 (const PGresult *result,
                      int             row,
                      int             column)
{
  if (PQgetisnull (result, row, column))
    return 0;
  return g_ascii_strtoll (PQgetvalue (result, row, column), NULL, 10);
}

gboolean
qrs_result_get_boolean (const PGresult *result,
                        int             row,
                        int             column)
{
  return !PQgetisnull (result, row, column) && PQgetvalue (result, row, column)[0] == 't';
}

GDateTime *
qrs_result_dup_date_time (const PGresult *result,
                          int             row,
                          int             column)
{
  g_autoptr(GTimeZone) utc = NULL;

  if (PQgetisnull (result, row, column))
    return NULL;

  utc = g_time_zone_new_utc ();
  return g_date_time_new_from_iso8601 (PQgetvalue (result, row, column), utc);
}

char *
qrs_date_time_to_param (GDateTime *date_time)
{
  g_autoptr(GDateTime) utc = NULL;

  if (date_time == NULL)
    return NULL;

  utc = g_date_time_to_utc (date_time);
  return g_date_time_format (utc, "%Y-%m-%dT%H:%M:%S.%fZ");
}

/* ------------------------------------------------------------------ */
/* Running on a worker thread                                          */

typedef struct
{
  QrsStoreThreadFunc func;
  gpointer           data;
  GDestroyNotify     data_free;
  GDestroyNotify     result_free;
} ThreadData;

static void
thread_data_free (ThreadData *td)
{
  if (td->data_free != NULL)
    td->data_free (td->data);
  g_free (td);
}

/* The store's worker threads still running.  A process must not exit
 * while one is inside libpq: exit() runs OpenSSL's cleanup, which frees
 * the locks a connection being made (SCRAM's HMAC) is about to take —
 * an app quitting while its listener connects crashed so. */
static GMutex threads_mutex;
static GCond threads_cond;
static guint threads_running;

static void
run_in_thread_cb (GTask        *task,
                  gpointer      source_object,
                  gpointer      task_data,
                  GCancellable *cancellable)
{
  ThreadData *td = task_data;
  GError *error = NULL;
  gpointer result;

  result = td->func (source_object, td->data, cancellable, &error);
  if (error != NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, result, td->result_free);

  g_mutex_lock (&threads_mutex);
  threads_running--;
  g_cond_broadcast (&threads_cond);
  g_mutex_unlock (&threads_mutex);
}

/**
 * qrs_store_wait_for_threads:
 * @timeout_ms: the longest wait
 *
 * Waits until no asynchronous store call is still working in a thread,
 * at most @timeout_ms: call it before the process exits.  Their
 * callbacks are not run.
 *
 * Returns: %TRUE if none is left
 */
gboolean
qrs_store_wait_for_threads (guint timeout_ms)
{
  gint64 deadline = g_get_monotonic_time () + (gint64)timeout_ms * 1000;
  gboolean idle = TRUE;

  g_mutex_lock (&threads_mutex);
  while (threads_running > 0 && idle)
    idle = g_cond_wait_until (&threads_cond, &threads_mutex, deadline);
  idle = threads_running == 0;
  g_mutex_unlock (&threads_mutex);
  return idle;
}

void
qrs_store_run_in_thread (gpointer             source_object,
                         gpointer             source_tag,
                         QrsStoreThreadFunc   func,
                         gpointer             task_data,
                         GDestroyNotify       task_data_free,
                         GDestroyNotify       result_free,
                         GCancellable        *cancellable,
                         GAsyncReadyCallback  callback,
                         gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  ThreadData *td;

  td = g_new0 (ThreadData, 1);
  td->func = func;
  td->data = task_data;
  td->data_free = task_data_free;
  td->result_free = result_free;

  task = g_task_new (source_object, cancellable, callback, user_data);
  g_task_set_source_tag (task, source_tag);
  g_task_set_task_data (task, td, (GDestroyNotify)thread_data_free);
  g_mutex_lock (&threads_mutex);
  threads_running++;
  g_mutex_unlock (&threads_mutex);
  g_task_run_in_thread (task, run_in_thread_cb);
}

gpointer
qrs_store_run_finish (gpointer       source_object,
                      GAsyncResult  *result,
                      gpointer       source_tag,
                      GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, source_object), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == source_tag, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/* ------------------------------------------------------------------ */
/* The object                                                          */

static void
qrs_database_dispose (GObject *object)
{
  QrsDatabase *self = (QrsDatabase *)object;

  listen_teardown (self);
  g_clear_pointer (&self->channels, g_hash_table_unref);
  g_clear_pointer (&self->listen_context, g_main_context_unref);

  G_OBJECT_CLASS (qrs_database_parent_class)->dispose (object);
}

static void
qrs_database_finalize (GObject *object)
{
  QrsDatabase *self = (QrsDatabase *)object;

  qrs_database_close (self);
  g_warn_if_fail (self->n_open == 0);

  g_free (self->conninfo);
  g_free (self->application_name);
  g_mutex_clear (&self->mutex);
  g_cond_clear (&self->cond);

  G_OBJECT_CLASS (qrs_database_parent_class)->finalize (object);
}

static void
qrs_database_get_property (GObject    *object,
                           guint       prop_id,
                           GValue     *value,
                           GParamSpec *pspec)
{
  QrsDatabase *self = QRS_DATABASE (object);

  switch (prop_id)
    {
    case PROP_CONNINFO:
      g_value_set_string (value, self->conninfo);
      break;

    case PROP_MAX_CONNECTIONS:
      g_value_set_uint (value, qrs_database_get_max_connections (self));
      break;

    case PROP_LISTENING:
      g_value_set_boolean (value, self->listen_source != NULL);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
qrs_database_set_property (GObject      *object,
                           guint         prop_id,
                           const GValue *value,
                           GParamSpec   *pspec)
{
  QrsDatabase *self = QRS_DATABASE (object);

  switch (prop_id)
    {
    case PROP_CONNINFO:
      self->conninfo = g_value_dup_string (value);
      break;

    case PROP_MAX_CONNECTIONS:
      qrs_database_set_max_connections (self, g_value_get_uint (value));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
qrs_database_class_init (QrsDatabaseClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = qrs_database_dispose;
  object_class->finalize = qrs_database_finalize;
  object_class->get_property = qrs_database_get_property;
  object_class->set_property = qrs_database_set_property;

  /**
   * QrsDatabase:conninfo:
   *
   * The libpq connection string, as given to libpq (a service name has
   * become "service=NAME").
   */
  properties[PROP_CONNINFO] =
    g_param_spec_string ("conninfo", NULL, NULL,
                         "",
                         (G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS));

  properties[PROP_MAX_CONNECTIONS] =
    g_param_spec_uint ("max-connections", NULL, NULL,
                       1, 64, DEFAULT_MAX_CONNECTIONS,
                       (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  /**
   * QrsDatabase:listening:
   *
   * Whether the listener is connected and receiving notifications.
   */
  properties[PROP_LISTENING] =
    g_param_spec_boolean ("listening", NULL, NULL,
                          FALSE,
                          (G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));

  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * QrsDatabase::notification:
   * @self: the database
   * @channel: the channel, also the signal's detail
   * @payload: (nullable): what was notified, or %NULL when the listener
   *   has just (re)connected and anything may have changed meanwhile
   *
   * Emitted in the main context of the thread that called
   * qrs_database_listen().
   */
  signals[NOTIFICATION] =
    g_signal_new ("notification",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST | G_SIGNAL_DETAILED,
                  0,
                  NULL, NULL,
                  NULL,
                  G_TYPE_NONE, 2, G_TYPE_STRING, G_TYPE_STRING);
}

static void
qrs_database_init (QrsDatabase *self)
{
  g_mutex_init (&self->mutex);
  g_cond_init (&self->cond);
  self->max_connections = DEFAULT_MAX_CONNECTIONS;
  /* What pg_stat_activity shows: the program, without its path. */
  self->application_name = g_path_get_basename (g_get_prgname () ? g_get_prgname () : "qrstudio");
}

static gboolean
looks_like_conninfo (const char *str)
{
  return strchr (str, '=') != NULL
         || g_str_has_prefix (str, "postgresql://")
         || g_str_has_prefix (str, "postgres://");
}

/**
 * qrs_database_expand_conninfo:
 * @conninfo: (nullable): a libpq connection string ("host=… dbname=…"),
 *   a postgresql:// URI, the name of a service in pg_service.conf, or
 *   %NULL or "" for libpq's defaults (the PG* environment variables)
 * @error: a #GError
 *
 * What libpq takes for @conninfo, checked: a bare service name becomes
 * "service=NAME".  Whatever opens its own connection with libpq passes
 * this, so that it reaches the server #QrsDatabase does.
 *
 * Returns: (transfer full): the connection string, or %NULL when
 *   @conninfo cannot be parsed
 */
char *
qrs_database_expand_conninfo (const char  *conninfo,
                              GError     **error)
{
  g_autofree char *full = NULL;
  char *parse_error = NULL;
  PQconninfoOption *options;

  if (conninfo == NULL)
    conninfo = "";

  if (*conninfo != '\0' && !looks_like_conninfo (conninfo))
    {
      /* A bare word is a service name; refuse what would not be one. */
      for (const char *p = conninfo; *p; p++)
        if (!g_ascii_isalnum (*p) && *p != '_' && *p != '-' && *p != '.')
          {
            g_set_error (error, QRS_DATABASE_ERROR, QRS_DATABASE_ERROR_INVALID_CONNINFO,
                         _("“%s” is neither a connection string (host=… dbname=…), a postgresql:// address nor a service name."),
                         conninfo);
            return NULL;
          }
      full = g_strdup_printf ("service=%s", conninfo);
    }
  else
    full = g_strdup (conninfo);

  if (*full != '\0')
    {
      options = PQconninfoParse (full, &parse_error);
      if (options == NULL)
        {
          g_autofree char *detail = first_line (parse_error);

          g_set_error (error, QRS_DATABASE_ERROR, QRS_DATABASE_ERROR_INVALID_CONNINFO,
                       _("The database connection settings are not valid: %s"),
                       parse_error ? detail : _("out of memory"));
          PQfreemem (parse_error);
          return NULL;
        }
      PQconninfoFree (options);
    }

  return g_steal_pointer (&full);
}

/**
 * qrs_database_new:
 * @conninfo: (nullable): as for qrs_database_expand_conninfo()
 * @error: a #GError
 *
 * Checks the connection settings; nothing connects until the first call
 * that needs the database (or qrs_database_connect()).
 *
 * Returns: (transfer full): a new #QrsDatabase, or %NULL when @conninfo
 *   cannot be parsed
 */
QrsDatabase *
qrs_database_new (const char  *conninfo,
                  GError     **error)
{
  g_autofree char *full = qrs_database_expand_conninfo (conninfo, error);

  if (full == NULL)
    return NULL;

  return g_object_new (QRS_TYPE_DATABASE,
                       "conninfo", full,
                       NULL);
}

const char *
qrs_database_get_conninfo (QrsDatabase *self)
{
  g_return_val_if_fail (QRS_IS_DATABASE (self), NULL);

  return self->conninfo;
}

guint
qrs_database_get_max_connections (QrsDatabase *self)
{
  guint max_connections;

  g_return_val_if_fail (QRS_IS_DATABASE (self), 0);

  g_mutex_lock (&self->mutex);
  max_connections = self->max_connections;
  g_mutex_unlock (&self->mutex);
  return max_connections;
}

/**
 * qrs_database_set_max_connections:
 * @self: a #QrsDatabase
 * @max_connections: how many connections the pool may open at once
 *
 * A call waits for a free connection once this many are lent out.
 */
void
qrs_database_set_max_connections (QrsDatabase *self,
                                  guint        max_connections)
{
  gboolean changed;

  g_return_if_fail (QRS_IS_DATABASE (self));
  g_return_if_fail (max_connections > 0);

  g_mutex_lock (&self->mutex);
  changed = self->max_connections != max_connections;
  self->max_connections = max_connections;
  g_cond_broadcast (&self->cond);
  g_mutex_unlock (&self->mutex);

  if (changed)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MAX_CONNECTIONS]);
}

/**
 * qrs_database_close:
 * @self: a #QrsDatabase
 *
 * Closes the idle connections; lent ones stay open until they come back.
 * The next call connects again.  The listener is not affected.
 */
void
qrs_database_close (QrsDatabase *self)
{
  QrsPgConnection *connection;

  g_return_if_fail (QRS_IS_DATABASE (self));

  g_mutex_lock (&self->mutex);
  while ((connection = g_queue_pop_head (&self->idle)) != NULL)
    {
      self->n_open--;
      connection_free (connection);
    }
  g_mutex_unlock (&self->mutex);
}

static int
read_schema_version (QrsPgConnection  *connection,
                     GCancellable     *cancellable,
                     GError          **error)
{
  g_autoptr(PGresult) result = NULL;
  g_autoptr(PGresult) exists = NULL;

  /* to_regclass() answers NULL rather than failing on a fresh database. */
  exists = qrs_pg_connection_exec (connection,
                                "SELECT to_regclass('public.schema_migrations') IS NOT NULL",
                                0, NULL, cancellable, error);
  if (exists == NULL)
    return -1;
  if (!qrs_result_get_boolean (exists, 0, 0))
    return 0;

  result = qrs_pg_connection_exec (connection,
                                "SELECT coalesce(max(version), 0) FROM public.schema_migrations",
                                0, NULL, cancellable, error);
  if (result == NULL)
    return -1;
  return (int)qrs_result_get_int64 (result, 0, 0);
}

static gboolean
refuse_newer_schema (int       version,
                     GError  **error)
{
  int known = qrs_database_get_program_schema_version ();

  if (version <= known)
    return TRUE;

  g_set_error (error, QRS_DATABASE_ERROR, QRS_DATABASE_ERROR_SCHEMA_TOO_NEW,
               _("The database has schema version %d, newer than this QR Studio understands (up to %d). Update QR Studio on this computer before using this database."),
               version, known);
  return FALSE;
}

/**
 * qrs_database_connect:
 * @self: a #QrsDatabase
 * @cancellable: (nullable): a #GCancellable
 * @error: a #GError
 *
 * Opens a connection now, so that wrong settings show up at once, and
 * refuses a database whose schema is newer than this program.
 *
 * Returns: %TRUE when connected
 */
gboolean
qrs_database_connect (QrsDatabase   *self,
                      GCancellable  *cancellable,
                      GError       **error)
{
  QrsPgConnection *connection;
  int version;

  g_return_val_if_fail (QRS_IS_DATABASE (self), FALSE);

  connection = qrs_database_acquire (self, cancellable, error);
  if (connection == NULL)
    return FALSE;

  version = read_schema_version (connection, cancellable, error);
  qrs_database_release (self, connection);

  return version >= 0 && refuse_newer_schema (version, error);
}

static gpointer
connect_thread (gpointer       source_object,
                gpointer       task_data,
                GCancellable  *cancellable,
                GError       **error)
{
  return qrs_database_connect (source_object, cancellable, error) ? QRS_STORE_DONE : NULL;
}

void
qrs_database_connect_async (QrsDatabase         *self,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  g_return_if_fail (QRS_IS_DATABASE (self));

  qrs_store_run_in_thread (self, qrs_database_connect_async, connect_thread,
                           NULL, NULL, NULL, cancellable, callback, user_data);
}

gboolean
qrs_database_connect_finish (QrsDatabase   *self,
                             GAsyncResult  *result,
                             GError       **error)
{
  return qrs_store_run_finish (self, result, qrs_database_connect_async, error) != NULL;
}

/**
 * qrs_database_get_schema_version:
 * @self: a #QrsDatabase
 * @cancellable: (nullable): a #GCancellable
 * @error: a #GError
 *
 * Returns: the database's schema version, 0 for a database that was never
 *   migrated, or -1 with @error set
 */
int
qrs_database_get_schema_version (QrsDatabase   *self,
                                 GCancellable  *cancellable,
                                 GError       **error)
{
  QrsPgConnection *connection;
  int version;

  g_return_val_if_fail (QRS_IS_DATABASE (self), -1);

  connection = qrs_database_acquire (self, cancellable, error);
  if (connection == NULL)
    return -1;
  version = read_schema_version (connection, cancellable, error);
  qrs_database_release (self, connection);
  return version;
}

/**
 * qrs_database_check_schema:
 * @self: a #QrsDatabase
 * @cancellable: (nullable): a #GCancellable
 * @error: a #GError
 *
 * For programs that do not migrate (the daemon, a desktop on a shared
 * database): is the schema exactly the one this program knows?
 *
 * Returns: %TRUE if so; otherwise %FALSE with %QRS_DATABASE_ERROR_SCHEMA_TOO_NEW
 *   or %QRS_DATABASE_ERROR_SCHEMA_TOO_OLD
 */
gboolean
qrs_database_check_schema (QrsDatabase   *self,
                           GCancellable  *cancellable,
                           GError       **error)
{
  int version;
  int known = qrs_database_get_program_schema_version ();

  version = qrs_database_get_schema_version (self, cancellable, error);
  if (version < 0 || !refuse_newer_schema (version, error))
    return FALSE;

  if (version < known)
    {
      if (version == 0)
        g_set_error_literal (error, QRS_DATABASE_ERROR, QRS_DATABASE_ERROR_SCHEMA_TOO_OLD,
                             _("The database has no QR Studio tables yet. Ask the administrator to run “qrstudio-cli db migrate”."));
      else
        g_set_error (error, QRS_DATABASE_ERROR, QRS_DATABASE_ERROR_SCHEMA_TOO_OLD,
                     _("The database has schema version %d and this QR Studio needs %d. Ask the administrator to run “qrstudio-cli db migrate”."),
                     version, known);
      return FALSE;
    }

  return TRUE;
}

static gboolean
advisory_unlock (QrsPgConnection *connection)
{
  const char *params[] = { MIGRATION_LOCK_KEY };

  return qrs_pg_connection_command (connection, "SELECT pg_advisory_unlock($1::bigint)",
                                 1, params, NULL, NULL);
}

static gboolean
apply_migration (QrsPgConnection          *connection,
                 const EmbeddedMigration  *m,
                 GCancellable             *cancellable,
                 GError                  **error)
{
  g_autofree char *version = g_strdup_printf ("%d", m->version);
  const char *params[] = { version, m->name, m->checksum };
  g_autoptr(GError) local_error = NULL;
  g_autoptr(PGresult) result = NULL;
  g_autofree char *sql = NULL;
  gsize length;
  const char *data;

  data = g_bytes_get_data (m->sql, &length);
  sql = g_strndup (data, length);

  if (!qrs_pg_connection_begin (connection, cancellable, error))
    return FALSE;

  /* The file may hold many statements: the simple query protocol, which
   * takes no parameters, is the one that runs them.  The text is ours,
   * compiled into the program. */
  result = PQexec (qrs_pg_connection_get_pgconn (connection), sql);
  if (PQresultStatus (result) != PGRES_COMMAND_OK && PQresultStatus (result) != PGRES_TUPLES_OK)
    {
      qrs_database_set_error_from_result (&local_error, qrs_pg_connection_get_pgconn (connection), result);
      qrs_pg_connection_rollback (connection);
      g_set_error (error, QRS_DATABASE_ERROR, QRS_DATABASE_ERROR_MIGRATION_FAILED,
                   _("Could not apply the migration %s: %s"), m->name, local_error->message);
      return FALSE;
    }

  if (!qrs_pg_connection_command (connection,
                               "INSERT INTO public.schema_migrations (version, name, checksum) "
                               "VALUES ($1::integer, $2, $3)",
                               3, params, cancellable, &local_error)
      || !qrs_pg_connection_commit (connection, cancellable, &local_error))
    {
      qrs_pg_connection_rollback (connection);
      g_set_error (error, QRS_DATABASE_ERROR, QRS_DATABASE_ERROR_MIGRATION_FAILED,
                   _("Could not apply the migration %s: %s"), m->name, local_error->message);
      return FALSE;
    }

  g_debug ("Applied migration %s", m->name);
  return TRUE;
}

static gboolean
migrate_locked (QrsPgConnection  *connection,
                GPtrArray        *migrations,
                guint            *n_applied,
                GCancellable     *cancellable,
                GError          **error)
{
  g_autoptr(PGresult) applied = NULL;
  g_autoptr(PGresult) exists = NULL;
  g_autoptr(GHashTable) done = g_hash_table_new (NULL, NULL);
  int newest = 0;

  /* The runner's own table; migrations build on it.  Looked for first:
   * CREATE … IF NOT EXISTS still asks for CREATE on the schema, which an
   * editor lacks even when there is nothing to migrate. */
  exists = qrs_pg_connection_exec (connection,
                                "SELECT to_regclass('public.schema_migrations') IS NOT NULL",
                                0, NULL, cancellable, error);
  if (exists == NULL)
    return FALSE;

  if (!g_str_equal (PQgetvalue (exists, 0, 0), "t") &&
      !qrs_pg_connection_command (connection,
                               "CREATE TABLE IF NOT EXISTS public.schema_migrations ("
                               "  version     integer     PRIMARY KEY,"
                               "  name        text        NOT NULL,"
                               "  checksum    text        NOT NULL,"
                               "  applied_at  timestamptz NOT NULL DEFAULT now(),"
                               "  applied_by  text        NOT NULL DEFAULT current_user)",
                               0, NULL, cancellable, error))
    return FALSE;

  applied = qrs_pg_connection_exec (connection, "SELECT version FROM public.schema_migrations",
                                 0, NULL, cancellable, error);
  if (applied == NULL)
    return FALSE;

  for (int i = 0; i < PQntuples (applied); i++)
    {
      int v = (int)qrs_result_get_int64 (applied, i, 0);

      g_hash_table_add (done, GINT_TO_POINTER (v));
      newest = MAX (newest, v);
    }

  if (!refuse_newer_schema (newest, error))
    return FALSE;

  for (guint i = 0; i < migrations->len; i++)
    {
      const EmbeddedMigration *m = g_ptr_array_index (migrations, i);

      if (g_hash_table_contains (done, GINT_TO_POINTER (m->version)))
        continue;
      if (!apply_migration (connection, m, cancellable, error))
        return FALSE;
      if (n_applied != NULL)
        (*n_applied)++;
    }

  return TRUE;
}

/**
 * qrs_database_migrate:
 * @self: a #QrsDatabase
 * @n_applied: (out) (optional): how many migrations were applied
 * @cancellable: (nullable): a #GCancellable
 * @error: a #GError
 *
 * Applies the migrations compiled into this program that the database
 * lacks, in order, each in its own transaction, while holding an advisory
 * lock so that two programs migrating at once take turns.  Refuses a
 * database whose schema is newer than this program.
 *
 * Returns: %TRUE when the schema is up to date
 */
gboolean
qrs_database_migrate (QrsDatabase   *self,
                      guint         *n_applied,
                      GCancellable  *cancellable,
                      GError       **error)
{
  const char *params[] = { MIGRATION_LOCK_KEY };
  QrsPgConnection *connection;
  GPtrArray *migrations;
  gboolean ok;

  g_return_val_if_fail (QRS_IS_DATABASE (self), FALSE);

  if (n_applied != NULL)
    *n_applied = 0;

  migrations = get_embedded_migrations (error);
  if (migrations == NULL)
    return FALSE;

  connection = qrs_database_acquire (self, cancellable, error);
  if (connection == NULL)
    return FALSE;

  if (!qrs_pg_connection_command (connection, "SELECT pg_advisory_lock($1::bigint)",
                               1, params, cancellable, error))
    {
      qrs_database_release (self, connection);
      return FALSE;
    }

  ok = migrate_locked (connection, migrations, n_applied, cancellable, error);

  advisory_unlock (connection);
  qrs_database_release (self, connection);
  return ok;
}

static gpointer
migrate_thread (gpointer       source_object,
                gpointer       task_data,
                GCancellable  *cancellable,
                GError       **error)
{
  guint n_applied = 0;

  if (!qrs_database_migrate (source_object, &n_applied, cancellable, error))
    return NULL;
  return g_memdup2 (&n_applied, sizeof n_applied);
}

void
qrs_database_migrate_async (QrsDatabase         *self,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  g_return_if_fail (QRS_IS_DATABASE (self));

  qrs_store_run_in_thread (self, qrs_database_migrate_async, migrate_thread,
                           NULL, NULL, g_free, cancellable, callback, user_data);
}

gboolean
qrs_database_migrate_finish (QrsDatabase   *self,
                             GAsyncResult  *result,
                             guint         *n_applied,
                             GError       **error)
{
  g_autofree guint *n = NULL;

  n = qrs_store_run_finish (self, result, qrs_database_migrate_async, error);
  if (n_applied != NULL)
    *n_applied = n ? *n : 0;
  return n != NULL;
}

static int
compare_migrations (gconstpointer a,
                    gconstpointer b)
{
  const QrsMigration *ma = *(QrsMigration * const *)a;
  const QrsMigration *mb = *(QrsMigration * const *)b;

  return (ma->version > mb->version) - (ma->version < mb->version);
}

/**
 * qrs_database_list_migrations:
 * @self: a #QrsDatabase
 * @cancellable: (nullable): a #GCancellable
 * @error: a #GError
 *
 * Every migration this program knows or the database has applied, in
 * order; pending ones have no applied_at.  A migration the database has
 * and this program does not means the schema is newer than the program.
 *
 * Returns: (transfer container) (element-type QrsMigration): the migrations
 */
GPtrArray *
qrs_database_list_migrations (QrsDatabase   *self,
                              GCancellable  *cancellable,
                              GError       **error)
{
  g_autoptr(GPtrArray) list = g_ptr_array_new_with_free_func ((GDestroyNotify)qrs_migration_free);
  g_autoptr(GHashTable) by_version = g_hash_table_new (NULL, NULL);
  g_autoptr(PGresult) result = NULL;
  QrsPgConnection *connection;
  GPtrArray *migrations;
  int version;

  g_return_val_if_fail (QRS_IS_DATABASE (self), NULL);

  migrations = get_embedded_migrations (error);
  if (migrations == NULL)
    return NULL;

  for (guint i = 0; i < migrations->len; i++)
    {
      const EmbeddedMigration *m = g_ptr_array_index (migrations, i);
      QrsMigration *info = g_new0 (QrsMigration, 1);

      info->version = m->version;
      info->name = g_strdup (m->name);
      g_ptr_array_add (list, info);
      g_hash_table_insert (by_version, GINT_TO_POINTER (m->version), info);
    }

  connection = qrs_database_acquire (self, cancellable, error);
  if (connection == NULL)
    return NULL;

  version = read_schema_version (connection, cancellable, error);
  if (version > 0)
    result = qrs_pg_connection_exec (connection,
                                  "SELECT version, name, applied_at, applied_by "
                                  "FROM public.schema_migrations ORDER BY version",
                                  0, NULL, cancellable, error);
  qrs_database_release (self, connection);

  if (version < 0 || (version > 0 && result == NULL))
    return NULL;

  for (int i = 0; result != NULL && i < PQntuples (result); i++)
    {
      int v = (int)qrs_result_get_int64 (result, i, 0);
      QrsMigration *info = g_hash_table_lookup (by_version, GINT_TO_POINTER (v));

      if (info == NULL)
        {
          info = g_new0 (QrsMigration, 1);
          info->version = v;
          info->name = qrs_result_dup_string (result, i, 1);
          g_ptr_array_add (list, info);
        }
      info->applied_at = qrs_result_dup_date_time (result, i, 2);
      info->applied_by = qrs_result_dup_string (result, i, 3);
    }

  g_ptr_array_sort (list, compare_migrations);
  return g_steal_pointer (&list);
}

/**
 * qrs_database_count_rows:
 * @self: a #QrsDatabase
 * @counts: (out caller-allocates): the row counts
 * @cancellable: (nullable): a #GCancellable
 * @error: a #GError
 *
 * Counts the rows of the main tables, for a status report.
 *
 * Returns: %TRUE on success
 */
gboolean
qrs_database_count_rows (QrsDatabase   *self,
                         QrsRowCounts  *counts,
                         GCancellable  *cancellable,
                         GError       **error)
{
  g_autoptr(PGresult) result = NULL;
  QrsPgConnection *connection;

  g_return_val_if_fail (QRS_IS_DATABASE (self), FALSE);
  g_return_val_if_fail (counts != NULL, FALSE);

  connection = qrs_database_acquire (self, cancellable, error);
  if (connection == NULL)
    return FALSE;

  result = qrs_pg_connection_exec (connection,
                                "SELECT (SELECT count(*) FROM public.codes),"
                                "       (SELECT count(*) FROM public.assets),"
                                "       (SELECT count(*) FROM public.code_events),"
                                "       (SELECT count(*) FROM public.scans),"
                                "       (SELECT count(*) FROM public.scan_daily)",
                                0, NULL, cancellable, error);
  qrs_database_release (self, connection);
  if (result == NULL)
    return FALSE;

  counts->codes = qrs_result_get_int64 (result, 0, 0);
  counts->assets = qrs_result_get_int64 (result, 0, 1);
  counts->code_events = qrs_result_get_int64 (result, 0, 2);
  counts->scans = qrs_result_get_int64 (result, 0, 3);
  counts->scan_daily = qrs_result_get_int64 (result, 0, 4);
  return TRUE;
}

/* ------------------------------------------------------------------ */
/* LISTEN / NOTIFY                                                     */

static gboolean
listen_exec (PGconn     *conn,
             const char *command,
             const char *channel,
             GError    **error)
{
  g_autoptr(PGresult) result = NULL;
  g_autofree char *sql = NULL;
  char *quoted;

  /* A channel is an identifier, which cannot be a parameter. */
  quoted = PQescapeIdentifier (conn, channel, strlen (channel));
  if (quoted == NULL)
    {
      qrs_database_set_error_from_result (error, conn, NULL);
      return FALSE;
    }
  sql = g_strdup_printf ("%s %s", command, quoted);
  PQfreemem (quoted);

  result = PQexec (conn, sql);
  if (PQresultStatus (result) != PGRES_COMMAND_OK)
    {
      qrs_database_set_error_from_result (error, conn, result);
      return FALSE;
    }
  return TRUE;
}

static void
listen_schedule_retry (QrsDatabase *self);

static GPtrArray *
channel_list (QrsDatabase *self)
{
  GPtrArray *channels = g_ptr_array_new_with_free_func (g_free);
  GHashTableIter iter;
  gpointer key;

  g_hash_table_iter_init (&iter, self->channels);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    g_ptr_array_add (channels, g_strdup (key));
  return channels;
}

static void
listen_dispatch (QrsDatabase *self)
{
  PGnotify *notify;

  g_object_ref (self);
  while (self->listen_conn != NULL && (notify = PQnotifies (self->listen_conn)) != NULL)
    {
      g_autofree char *channel = g_strdup (notify->relname);
      g_autofree char *payload = g_strdup (notify->extra);

      PQfreemem (notify);
      if (self->channels != NULL && g_hash_table_contains (self->channels, channel))
        g_signal_emit (self, signals[NOTIFICATION], g_quark_from_string (channel), channel, payload);
    }
  g_object_unref (self);
}

static gboolean
listen_socket_cb (int           fd,
                  GIOCondition  condition,
                  gpointer      user_data)
{
  QrsDatabase *self = user_data;

  if (!PQconsumeInput (self->listen_conn) || PQstatus (self->listen_conn) != CONNECTION_OK)
    {
      g_debug ("Listener lost its connection: %s", PQerrorMessage (self->listen_conn));
      g_object_ref (self);
      listen_teardown (self);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LISTENING]);
      listen_schedule_retry (self);
      g_object_unref (self);
      return G_SOURCE_REMOVE;
    }

  listen_dispatch (self);
  return G_SOURCE_CONTINUE;
}

typedef struct
{
  GStrv channels;
} ListenConnectData;

static void
listen_connect_data_free (ListenConnectData *data)
{
  g_strfreev (data->channels);
  g_free (data);
}

static gpointer
listen_connect_thread (gpointer       source_object,
                       gpointer       task_data,
                       GCancellable  *cancellable,
                       GError       **error)
{
  QrsDatabase *self = source_object;
  ListenConnectData *data = task_data;
  g_autofree char *application_name = g_strdup_printf ("%s-listener", self->application_name);
  PGconn *conn;

  conn = open_pgconn (self, application_name, error);
  if (conn == NULL)
    return NULL;

  for (guint i = 0; data->channels[i] != NULL; i++)
    if (!listen_exec (conn, "LISTEN", data->channels[i], error))
      {
        PQfinish (conn);
        return NULL;
      }

  return conn;
}

static void
listen_connect_cb (GObject      *object,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  QrsDatabase *self = QRS_DATABASE (object);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) channels = NULL;
  PGconn *conn;

  conn = qrs_store_run_finish (self, result, listen_connect, &error);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  g_clear_object (&self->listen_connecting);

  if (conn == NULL)
    {
      g_debug ("Listener could not connect: %s", error->message);
      listen_schedule_retry (self);
      return;
    }

  /* Channels added while connecting. */
  channels = channel_list (self);
  for (guint i = 0; i < channels->len; i++)
    if (!listen_exec (conn, "LISTEN", g_ptr_array_index (channels, i), &error))
      {
        g_debug ("Listener could not listen: %s", error->message);
        PQfinish (conn);
        listen_schedule_retry (self);
        return;
      }

  self->listen_conn = conn;
  self->listen_retry_ms = 0;
  self->listen_source = g_unix_fd_source_new (PQsocket (conn), G_IO_IN | G_IO_ERR | G_IO_HUP);
  g_source_set_callback (self->listen_source, G_SOURCE_FUNC (listen_socket_cb), self, NULL);
  g_source_set_static_name (self->listen_source, "[qrstudio] database listener");
  g_source_attach (self->listen_source, self->listen_context);

  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LISTENING]);

  /* Whatever happened before now went unheard: tell every listener to
   * reload. */
  g_object_ref (self);
  for (guint i = 0; i < channels->len; i++)
    {
      const char *channel = g_ptr_array_index (channels, i);

      if (self->channels != NULL && g_hash_table_contains (self->channels, channel))
        g_signal_emit (self, signals[NOTIFICATION], g_quark_from_string (channel), channel, NULL);
    }
  listen_dispatch (self);
  g_object_unref (self);
}

static void
listen_connect (QrsDatabase *self)
{
  ListenConnectData *data;
  g_autoptr(GPtrArray) channels = NULL;

  g_assert (self->listen_conn == NULL);
  g_assert (self->listen_connecting == NULL);

  channels = channel_list (self);
  g_ptr_array_add (channels, NULL);

  data = g_new0 (ListenConnectData, 1);
  data->channels = g_strdupv ((GStrv)channels->pdata);

  self->listen_connecting = g_cancellable_new ();
  g_main_context_push_thread_default (self->listen_context);
  qrs_store_run_in_thread (self, listen_connect, listen_connect_thread,
                           data, (GDestroyNotify)listen_connect_data_free,
                           (GDestroyNotify)PQfinish,
                           self->listen_connecting, listen_connect_cb, NULL);
  g_main_context_pop_thread_default (self->listen_context);
}

static gboolean
listen_retry_cb (gpointer user_data)
{
  QrsDatabase *self = user_data;

  self->listen_retry_id = 0;
  if (self->channels != NULL && g_hash_table_size (self->channels) > 0)
    listen_connect (self);
  return G_SOURCE_REMOVE;
}

static void
listen_schedule_retry (QrsDatabase *self)
{
  GSource *source;

  if (self->channels == NULL || g_hash_table_size (self->channels) == 0)
    return;

  self->listen_retry_ms = CLAMP (self->listen_retry_ms * 2, LISTEN_RETRY_MIN_MS, LISTEN_RETRY_MAX_MS);

  source = g_timeout_source_new (self->listen_retry_ms);
  g_source_set_callback (source, listen_retry_cb, self, NULL);
  g_source_set_static_name (source, "[qrstudio] database listener retry");
  self->listen_retry_id = g_source_attach (source, self->listen_context);
  g_source_unref (source);
}

static void
listen_teardown (QrsDatabase *self)
{
  if (self->listen_connecting != NULL)
    {
      g_cancellable_cancel (self->listen_connecting);
      g_clear_object (&self->listen_connecting);
    }
  if (self->listen_retry_id != 0)
    {
      GSource *source = g_main_context_find_source_by_id (self->listen_context, self->listen_retry_id);

      if (source != NULL)
        g_source_destroy (source);
      self->listen_retry_id = 0;
    }
  if (self->listen_source != NULL)
    {
      g_source_destroy (self->listen_source);
      g_clear_pointer (&self->listen_source, g_source_unref);
    }
  g_clear_pointer (&self->listen_conn, PQfinish);
}

/**
 * qrs_database_listen:
 * @self: a #QrsDatabase
 * @channel: a channel, such as %QRS_DATABASE_CHANNEL_CODES
 * @error: a #GError
 *
 * Starts listening on @channel with a connection of its own, which
 * connects in the background and again whenever it is lost.
 * #QrsDatabase::notification is emitted for each notification on this
 * thread's default main context, and with a %NULL payload each time the
 * listener (re)connects, because what happened in between went unheard.
 *
 * Returns: %TRUE, or %FALSE if @channel is not a valid channel name
 */
gboolean
qrs_database_listen (QrsDatabase  *self,
                     const char   *channel,
                     GError      **error)
{
  g_return_val_if_fail (QRS_IS_DATABASE (self), FALSE);
  g_return_val_if_fail (channel != NULL, FALSE);

  if (*channel == '\0' || strlen (channel) > 63 || !g_utf8_validate (channel, -1, NULL))
    {
      g_set_error (error, QRS_DATABASE_ERROR, QRS_DATABASE_ERROR_INVALID,
                   _("“%s” is not a valid notification channel."), channel);
      return FALSE;
    }

  if (self->listen_context == NULL)
    {
      self->listen_context = g_main_context_ref_thread_default ();
      self->channels = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
    }
  if (g_hash_table_contains (self->channels, channel))
    return TRUE;
  g_hash_table_add (self->channels, g_strdup (channel));

  if (self->listen_conn != NULL)
    {
      g_autoptr(GError) local_error = NULL;

      if (!listen_exec (self->listen_conn, "LISTEN", channel, &local_error))
        {
          g_debug ("Listener could not listen: %s", local_error->message);
          listen_teardown (self);
          g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LISTENING]);
          listen_schedule_retry (self);
        }
    }
  else if (self->listen_connecting == NULL && self->listen_retry_id == 0)
    {
      listen_connect (self);
    }

  return TRUE;
}

/**
 * qrs_database_unlisten:
 * @self: a #QrsDatabase
 * @channel: a channel given to qrs_database_listen()
 *
 * Stops listening on @channel; the listener's connection closes with the
 * last channel.
 */
void
qrs_database_unlisten (QrsDatabase *self,
                       const char  *channel)
{
  g_return_if_fail (QRS_IS_DATABASE (self));
  g_return_if_fail (channel != NULL);

  if (self->channels == NULL || !g_hash_table_remove (self->channels, channel))
    return;

  if (g_hash_table_size (self->channels) == 0)
    {
      gboolean was_listening = self->listen_source != NULL;

      listen_teardown (self);
      if (was_listening)
        g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LISTENING]);
    }
  else if (self->listen_conn != NULL)
    {
      listen_exec (self->listen_conn, "UNLISTEN", channel, NULL);
    }
}
