/* test-database.c — connections, migrations, schema versions, listening
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "qrs-code-store.h"
#include "qrs-database.h"
#include "qrs-database-private.h"
#include "store-test-util.h"

#define LOCK_KEY "8174723217653786991"

static void
test_migrate_from_empty (void)
{
  g_autofree char *name = qrs_test_create_database ();
  g_autoptr(QrsDatabase) database = qrs_test_open_database (name);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) migrations = NULL;
  g_autofree char *tables = NULL;
  int known = qrs_database_get_program_schema_version ();
  QrsRowCounts counts = { -1, -1, -1, -1, -1 };
  guint n_applied = 99;

  g_assert_cmpint (known, >=, 2);
  g_assert_cmpint (qrs_database_get_schema_version (database, NULL, &error), ==, 0);
  g_assert_no_error (error);

  g_assert_true (qrs_database_migrate (database, &n_applied, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (n_applied, ==, known);
  g_assert_cmpint (qrs_database_get_schema_version (database, NULL, &error), ==, known);
  g_assert_true (qrs_database_check_schema (database, NULL, &error));
  g_assert_no_error (error);

  tables = qrs_test_sql_value (name,
                               "SELECT string_agg(tablename, ',' ORDER BY tablename) FROM pg_tables "
                               " WHERE schemaname = 'public' AND tablename NOT LIKE 'scans_y%'");
  g_assert_cmpstr (tables, ==, "assets,code_events,codes,scan_daily,scan_visitors,scans,schema_migrations");

  /* Again: nothing to do. */
  g_assert_true (qrs_database_migrate (database, &n_applied, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (n_applied, ==, 0);

  migrations = qrs_database_list_migrations (database, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (migrations->len, ==, known);
  for (guint i = 0; i < migrations->len; i++)
    {
      QrsMigration *m = g_ptr_array_index (migrations, i);

      g_assert_cmpint (m->version, ==, i + 1);
      g_assert_nonnull (m->applied_at);
      g_assert_cmpstr (m->applied_by, ==, g_getenv ("PGUSER"));
    }
  g_assert_cmpstr (((QrsMigration *)g_ptr_array_index (migrations, 0))->name, ==, "0001_schema.sql");

  g_assert_true (qrs_database_count_rows (database, &counts, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpint (counts.codes + counts.assets + counts.code_events + counts.scans + counts.scan_daily, ==, 0);
}

/* Every file in sql/ must be compiled in (listed in the GResource XML). */
static void
test_migrate_embeds_every_file (void)
{
  g_autofree char *name = qrs_test_create_database ();
  g_autoptr(QrsDatabase) database = qrs_test_open_database (name);
  g_autofree char *sql_dir = g_test_build_filename (G_TEST_DIST, "..", "sql", NULL);
  g_autoptr(GDir) dir = NULL;
  g_autoptr(GPtrArray) migrations = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GHashTable) embedded = g_hash_table_new (g_str_hash, g_str_equal);
  const char *file;
  guint n_files = 0;

  migrations = qrs_database_list_migrations (database, NULL, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < migrations->len; i++)
    {
      QrsMigration *m = g_ptr_array_index (migrations, i);

      g_assert_null (m->applied_at);
      g_hash_table_add (embedded, m->name);
    }

  dir = g_dir_open (sql_dir, 0, &error);
  g_assert_no_error (error);
  while ((file = g_dir_read_name (dir)) != NULL)
    {
      if (!g_str_has_suffix (file, ".sql"))
        continue;
      n_files++;
      if (!g_hash_table_contains (embedded, file))
        g_error ("sql/%s is not listed in src/store/qrs-store.gresource.xml", file);
    }
  g_assert_cmpuint (n_files, ==, migrations->len);
}

typedef struct
{
  char     *name;
  gboolean  ok;
  GError   *error;
} MigrateThread;

static gpointer
migrate_thread (gpointer data)
{
  MigrateThread *t = data;
  g_autoptr(QrsDatabase) database = qrs_test_open_database (t->name);

  t->ok = qrs_database_migrate (database, NULL, NULL, &t->error);
  return NULL;
}

/* Two programs migrating one database at once take turns. */
static void
test_migrate_concurrently (void)
{
  g_autofree char *name = qrs_test_create_database ();
  g_autofree char *count = NULL;
  g_autofree char *expected = g_strdup_printf ("%d", qrs_database_get_program_schema_version ());
  MigrateThread threads[3];
  GThread *handles[3];

  for (guint i = 0; i < G_N_ELEMENTS (threads); i++)
    {
      threads[i] = (MigrateThread) { name, FALSE, NULL };
      handles[i] = g_thread_new ("migrate", migrate_thread, &threads[i]);
    }
  for (guint i = 0; i < G_N_ELEMENTS (threads); i++)
    {
      g_thread_join (handles[i]);
      g_assert_no_error (threads[i].error);
      g_assert_true (threads[i].ok);
    }

  count = qrs_test_sql_value (name, "SELECT count(*) FROM schema_migrations");
  g_assert_cmpstr (count, ==, expected);
}

static void
test_schema_too_new (void)
{
  g_autofree char *name = NULL;
  g_autoptr(QrsDatabase) migrated = qrs_test_open_migrated (&name);
  g_autoptr(QrsDatabase) database = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) migrations = NULL;
  g_autofree char *newer = g_strdup_printf ("%d", qrs_database_get_program_schema_version () + 1);
  QrsMigration *last;

  PQclear (qrs_test_sql (name, "INSERT INTO schema_migrations (version, name, checksum) "
                               "VALUES (9999, '9999_from_the_future.sql', '')"));

  database = qrs_test_open_database (name);
  g_assert_false (qrs_database_connect (database, NULL, &error));
  g_assert_error (error, QRS_DATABASE_ERROR, QRS_DATABASE_ERROR_SCHEMA_TOO_NEW);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, "9999"));
  g_assert_nonnull (strstr (error->message, "Update QR Studio"));
  g_clear_error (&error);

  g_assert_false (qrs_database_migrate (database, NULL, NULL, &error));
  g_assert_error (error, QRS_DATABASE_ERROR, QRS_DATABASE_ERROR_SCHEMA_TOO_NEW);
  g_clear_error (&error);

  g_assert_false (qrs_database_check_schema (database, NULL, &error));
  g_assert_error (error, QRS_DATABASE_ERROR, QRS_DATABASE_ERROR_SCHEMA_TOO_NEW);
  g_clear_error (&error);

  /* The status lists the unknown migration. */
  migrations = qrs_database_list_migrations (database, NULL, &error);
  g_assert_no_error (error);
  last = g_ptr_array_index (migrations, migrations->len - 1);
  g_assert_cmpint (last->version, ==, 9999);
  g_assert_cmpstr (last->name, ==, "9999_from_the_future.sql");
  g_assert_nonnull (last->applied_at);
}

static void
test_schema_too_old (void)
{
  g_autofree char *name = qrs_test_create_database ();
  g_autoptr(QrsDatabase) database = qrs_test_open_database (name);
  g_autoptr(GError) error = NULL;

  g_assert_true (qrs_database_connect (database, NULL, &error));
  g_assert_no_error (error);

  g_assert_false (qrs_database_check_schema (database, NULL, &error));
  g_assert_error (error, QRS_DATABASE_ERROR, QRS_DATABASE_ERROR_SCHEMA_TOO_OLD);
  g_assert_nonnull (strstr (error->message, "qrstudio-cli db migrate"));
}

static int
unused_port (void)
{
  struct sockaddr_in address = { 0 };
  socklen_t length = sizeof address;
  int fd = socket (AF_INET, SOCK_STREAM, 0);
  int port;

  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
  g_assert_cmpint (bind (fd, (struct sockaddr *)&address, sizeof address), ==, 0);
  g_assert_cmpint (getsockname (fd, (struct sockaddr *)&address, &length), ==, 0);
  port = ntohs (address.sin_port);
  close (fd);
  return port;
}

static void
assert_connect_error (const char *conninfo,
                      int         code,
                      const char *fragment)
{
  g_autoptr(QrsDatabase) database = NULL;
  g_autoptr(GError) error = NULL;

  database = qrs_database_new (conninfo, &error);
  g_assert_no_error (error);
  g_assert_false (qrs_database_connect (database, NULL, &error));
  g_assert_error (error, QRS_DATABASE_ERROR, code);
  g_test_message ("%s → %s", conninfo, error->message);
  g_assert_nonnull (strstr (error->message, fragment));
}

static void
test_connect_refused (void)
{
  g_autofree char *conninfo = g_strdup_printf ("host=127.0.0.1 port=%d dbname=x connect_timeout=5",
                                               unused_port ());

  assert_connect_error (conninfo, QRS_DATABASE_ERROR_CONNECTION_REFUSED, "Check that PostgreSQL is running");
}

static void
test_connect_bad_password (void)
{
  g_autofree char *login = qrs_test_create_login (NULL);
  g_autofree char *conninfo = qrs_test_conninfo_for ("postgres", login, "not-the-password");

  assert_connect_error (conninfo, QRS_DATABASE_ERROR_AUTHENTICATION_FAILED, login);
}

/* A local socket that wants the system account of the same name: the
 * person is told so, not that a password was wrong.  The cluster's
 * pg_hba.conf gets a line for one database name no other test uses. */
static void
test_connect_peer_refused (void)
{
  g_autofree char *hba = qrs_test_sql_value ("postgres", "SHOW hba_file");
  g_autofree char *sockets = qrs_test_sql_value ("postgres", "SHOW unix_socket_directories");
  g_autofree char *original = NULL;
  g_autofree char *with_peer = NULL;
  g_autofree char *conninfo = NULL;
  g_autofree char *reloaded = NULL;
  g_auto(GStrv) socket_dirs = g_strsplit (sockets, ",", 2);
  g_autoptr(GError) error = NULL;
  g_autoptr(QrsDatabase) database = NULL;
  gboolean refused = FALSE;

  g_assert_true (g_file_get_contents (hba, &original, NULL, &error));
  g_assert_no_error (error);
  with_peer = g_strconcat ("local qrs_peer_only all peer\n", original, NULL);
  if (!g_file_set_contents (hba, with_peer, -1, &error))
    g_error ("cannot add a peer line to %s, which the test cluster's owner should be able to: %s",
             hba, error->message);
  reloaded = qrs_test_sql_value ("postgres", "SELECT pg_reload_conf()");

  /* No system account has this name, whoever runs the test. */
  conninfo = g_strdup_printf ("host=%s dbname=qrs_peer_only user=qrs_no_such_account connect_timeout=5",
                              g_strstrip (socket_dirs[0]));
  database = qrs_database_new (conninfo, &error);
  g_assert_no_error (error);
  /* The server rereads its configuration when it gets to it. */
  for (guint i = 0; i < 50 && !refused; i++)
    {
      g_clear_error (&error);
      g_assert_false (qrs_database_connect (database, NULL, &error));
      refused = strstr (error->message, "peer authentication") != NULL;
      if (!refused)
        g_usleep (100 * 1000);
    }

  g_file_set_contents (hba, original, -1, NULL);
  g_free (qrs_test_sql_value ("postgres", "SELECT pg_reload_conf()"));

  g_test_message ("%s → %s", conninfo, error->message);
  g_assert_error (error, QRS_DATABASE_ERROR, QRS_DATABASE_ERROR_AUTHENTICATION_FAILED);
  g_assert_nonnull (strstr (error->message, "peer authentication"));
  g_assert_null (strstr (error->message, "password of"));
}

static void
test_connect_missing_database (void)
{
  assert_connect_error ("dbname=qrs_there_is_no_such_database",
                        QRS_DATABASE_ERROR_DATABASE_MISSING, "qrs_there_is_no_such_database");
}

static void
test_connect_invalid_settings (void)
{
  g_autoptr(QrsDatabase) database = NULL;
  g_autoptr(GError) error = NULL;

  database = qrs_database_new ("dbname='unterminated", &error);
  g_assert_null (database);
  g_assert_error (error, QRS_DATABASE_ERROR, QRS_DATABASE_ERROR_INVALID_CONNINFO);
  g_clear_error (&error);

  database = qrs_database_new ("not a service name", &error);
  g_assert_null (database);
  g_assert_error (error, QRS_DATABASE_ERROR, QRS_DATABASE_ERROR_INVALID_CONNINFO);
  g_clear_error (&error);

  /* A bare word names a service in pg_service.conf. */
  database = qrs_database_new ("qrs_no_such_service", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (qrs_database_get_conninfo (database), ==, "service=qrs_no_such_service");
  g_assert_false (qrs_database_connect (database, NULL, &error));
  g_assert_error (error, QRS_DATABASE_ERROR, QRS_DATABASE_ERROR_INVALID_CONNINFO);
}

static void
terminate_backends (const char *name,
                    const char *application_name)
{
  g_autofree char *sql = g_strdup_printf ("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                                          " WHERE datname = '%s' AND application_name = '%s'",
                                          name, application_name);
  g_autofree char *count = qrs_test_sql_value ("postgres", sql);

  g_assert_cmpint (atoi (count), >=, 1);
}

/* A connection the server closed while idle is replaced quietly. */
static void
test_reconnect (void)
{
  g_autofree char *name = NULL;
  g_autoptr(QrsDatabase) database = qrs_test_open_migrated (&name);
  g_autoptr(GError) error = NULL;
  g_autofree char *program = g_path_get_basename (g_get_prgname ());

  g_assert_true (qrs_database_connect (database, NULL, &error));
  g_assert_no_error (error);

  terminate_backends (name, program);
  g_usleep (100 * 1000);

  g_assert_cmpint (qrs_database_get_schema_version (database, NULL, &error), ==,
                   qrs_database_get_program_schema_version ());
  g_assert_no_error (error);
}

static gpointer
cancel_later (gpointer data)
{
  g_usleep (300 * 1000);
  g_cancellable_cancel (data);
  return NULL;
}

/* A migration waits for another's lock, and can be cancelled meanwhile. */
static void
test_migrate_cancelled_while_waiting (void)
{
  g_autofree char *name = qrs_test_create_database ();
  g_autoptr(QrsDatabase) database = qrs_test_open_database (name);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) error = NULL;
  const char *keywords[] = { "dbname", NULL };
  const char *values[] = { name, NULL };
  PGconn *holder = PQconnectdbParams (keywords, values, FALSE);
  GThread *thread;

  g_assert_cmpint (PQstatus (holder), ==, CONNECTION_OK);
  PQclear (PQexec (holder, "SELECT pg_advisory_lock(" LOCK_KEY ")"));

  thread = g_thread_new ("cancel", cancel_later, cancellable);
  g_assert_false (qrs_database_migrate (database, NULL, cancellable, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_thread_join (thread);
  g_clear_error (&error);

  PQfinish (holder);

  /* Nothing was applied; now it can be. */
  g_assert_cmpint (qrs_database_get_schema_version (database, NULL, &error), ==, 0);
  g_assert_true (qrs_database_migrate (database, NULL, NULL, &error));
  g_assert_no_error (error);
}

static void
async_done_cb (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  GAsyncResult **out = user_data;

  *out = g_object_ref (result);
}

static gboolean
is_set (gpointer data)
{
  return *(gpointer *)data != NULL;
}

static void
test_async (void)
{
  g_autofree char *name = qrs_test_create_database ();
  g_autoptr(QrsDatabase) database = qrs_test_open_database (name);
  g_autoptr(GAsyncResult) connected = NULL;
  g_autoptr(GAsyncResult) migrated = NULL;
  g_autoptr(GError) error = NULL;
  guint n_applied = 0;

  qrs_database_connect_async (database, NULL, async_done_cb, &connected);
  g_assert_true (qrs_test_wait_for (is_set, &connected, 30000));
  g_assert_true (qrs_database_connect_finish (database, connected, &error));
  g_assert_no_error (error);

  qrs_database_migrate_async (database, NULL, async_done_cb, &migrated);
  g_assert_true (qrs_test_wait_for (is_set, &migrated, 30000));
  g_assert_true (qrs_database_migrate_finish (database, migrated, &n_applied, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (n_applied, ==, qrs_database_get_program_schema_version ());
}

typedef struct
{
  guint done;
  guint failed;
} PoolState;

static void
pool_connect_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  PoolState *state = user_data;

  if (!qrs_database_connect_finish (QRS_DATABASE (object), result, NULL))
    state->failed++;
  state->done++;
}

static gboolean
pool_done (gpointer data)
{
  return ((PoolState *)data)->done == 12;
}

/* Many calls at once share a few connections. */
static void
test_pool (void)
{
  g_autofree char *name = NULL;
  g_autoptr(QrsDatabase) database = qrs_test_open_migrated (&name);
  g_autofree char *program = g_path_get_basename (g_get_prgname ());
  g_autofree char *sql = NULL;
  g_autofree char *count = NULL;
  PoolState state = { 0 };

  qrs_database_close (database);
  qrs_database_set_max_connections (database, 2);
  g_assert_cmpuint (qrs_database_get_max_connections (database), ==, 2);

  for (guint i = 0; i < 12; i++)
    qrs_database_connect_async (database, NULL, pool_connect_cb, &state);
  g_assert_true (qrs_test_wait_for (pool_done, &state, 60000));
  g_assert_cmpuint (state.failed, ==, 0);

  sql = g_strdup_printf ("SELECT count(*) FROM pg_stat_activity WHERE datname = '%s' "
                         "AND application_name = '%s'", name, program);
  count = qrs_test_sql_value ("postgres", sql);
  g_assert_cmpint (atoi (count), >=, 1);
  g_assert_cmpint (atoi (count), <=, 2);
}

static void
waited_connect_cb (GObject      *object,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(GError) error = NULL;
  gboolean *done = user_data;

  g_assert_true (qrs_database_connect_finish (QRS_DATABASE (object), result, &error));
  g_assert_no_error (error);
  *done = TRUE;
}

static gboolean
is_true (gpointer data)
{
  return *(gboolean *)data;
}

/* qrs_store_wait_for_threads() waits for a call still in its thread:
 * here one waiting for the only connection of the pool, which the test
 * holds. */
static void
test_wait_for_threads (void)
{
  g_autofree char *name = NULL;
  g_autoptr(QrsDatabase) database = qrs_test_open_migrated (&name);
  g_autoptr(GError) error = NULL;
  QrsPgConnection *held;
  gboolean done = FALSE;

  qrs_database_close (database);
  qrs_database_set_max_connections (database, 1);
  held = qrs_database_acquire (database, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (held);

  qrs_database_connect_async (database, NULL, waited_connect_cb, &done);
  g_assert_false (qrs_store_wait_for_threads (300));

  qrs_database_release (database, held);
  g_assert_true (qrs_store_wait_for_threads (10000));
  /* Its callback still comes, from the main context. */
  g_assert_true (qrs_test_wait_for (is_true, &done, 10000));
}

typedef struct
{
  GPtrArray *payloads;   /* "(null)" for a reconnect */
} Heard;

static void
notification_cb (QrsDatabase *database,
                 const char  *channel,
                 const char  *payload,
                 gpointer     user_data)
{
  Heard *heard = user_data;

  g_assert_cmpstr (channel, ==, QRS_DATABASE_CHANNEL_CODES);
  g_ptr_array_add (heard->payloads, g_strdup (payload ? payload : "(null)"));
}

static gboolean
heard_something (gpointer data)
{
  return ((Heard *)data)->payloads->len > 0;
}

static char *
next_heard (Heard *heard)
{
  g_assert_true (qrs_test_wait_for (heard_something, heard, 30000));
  return g_ptr_array_steal_index (heard->payloads, 0);
}

static void
test_listen (void)
{
  g_autofree char *name = NULL;
  g_autoptr(QrsDatabase) database = qrs_test_open_migrated (&name);
  g_autoptr(QrsCodeStore) store = qrs_code_store_new (database);
  g_autoptr(QrsCode) draft = qrs_code_new (QRS_CODE_KIND_DYNAMIC);
  g_autoptr(QrsCode) first = NULL;
  g_autoptr(QrsCode) second = NULL;
  g_autoptr(QrsCode) changed = NULL;
  g_autoptr(QrsCode) edited = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) payloads = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *program = g_path_get_basename (g_get_prgname ());
  g_autofree char *listener = g_strdup_printf ("%s-listener", program);
  Heard heard = { payloads };
  QrsRowCounts counts;
  char *payload;

  g_signal_connect (database, "notification::" QRS_DATABASE_CHANNEL_CODES,
                    G_CALLBACK (notification_cb), &heard);
  g_assert_true (qrs_database_listen (database, QRS_DATABASE_CHANNEL_CODES, &error));
  g_assert_no_error (error);

  /* Connected: "reload everything". */
  payload = next_heard (&heard);
  g_assert_cmpstr (payload, ==, "(null)");
  g_free (payload);

  qrs_code_set_target_url (draft, "https://example.edu/one");
  first = qrs_code_store_create (store, draft, NULL, &error);
  g_assert_no_error (error);
  second = qrs_code_store_create (store, draft, NULL, &error);
  g_assert_no_error (error);

  payload = next_heard (&heard);
  g_assert_cmpstr (payload, ==, qrs_code_get_short_id (first));
  g_free (payload);
  payload = next_heard (&heard);
  g_assert_cmpstr (payload, ==, qrs_code_get_short_id (second));
  g_free (payload);

  /* A title does not change a redirect; a target does.  Notifications
   * arrive in commit order, so the first one heard is the target's. */
  edited = qrs_code_copy (first);
  qrs_code_set_title (edited, "Only the title");
  changed = qrs_code_store_update (store, edited, NULL, &error);
  g_assert_no_error (error);
  g_clear_object (&changed);
  changed = qrs_code_store_set_target (store, qrs_code_get_id (second), "https://example.edu/two", NULL, &error);
  g_assert_no_error (error);
  payload = next_heard (&heard);
  g_assert_cmpstr (payload, ==, qrs_code_get_short_id (second));
  g_free (payload);

  /* The listener's connection dies; it comes back and says so. */
  terminate_backends (name, listener);
  payload = next_heard (&heard);
  g_assert_cmpstr (payload, ==, "(null)");
  g_free (payload);

  g_clear_object (&changed);
  changed = qrs_code_store_set_enabled (store, qrs_code_get_id (first), FALSE, NULL, &error);
  g_assert_no_error (error);
  payload = next_heard (&heard);
  g_assert_cmpstr (payload, ==, qrs_code_get_short_id (first));
  g_free (payload);

  qrs_database_unlisten (database, QRS_DATABASE_CHANNEL_CODES);
  g_assert_false (qrs_database_listen (database, "", &error));
  g_assert_error (error, QRS_DATABASE_ERROR, QRS_DATABASE_ERROR_INVALID);
  g_clear_error (&error);

  /* Two codes, each created and then changed once in a way the trail keeps. */
  g_assert_true (qrs_database_count_rows (database, &counts, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpint (counts.codes, ==, 2);
  g_assert_cmpint (counts.code_events, ==, 4);
  g_assert_cmpint (counts.scans, ==, 0);
}

typedef struct
{
  GPtrArray *payloads;
  gboolean   connected;  /* a NULL payload: the listener is up */
} HeardLibrary;

static void
library_notification_cb (QrsDatabase *database,
                         const char  *channel,
                         const char  *payload,
                         gpointer     user_data)
{
  HeardLibrary *heard = user_data;

  g_assert_cmpstr (channel, ==, QRS_DATABASE_CHANNEL_LIBRARY);
  if (payload != NULL)
    g_ptr_array_add (heard->payloads, g_strdup (payload));
  else
    heard->connected = TRUE;
}

static gboolean
heard_library (gpointer data)
{
  return ((HeardLibrary *)data)->payloads->len > 0;
}

static gboolean
library_connected (gpointer data)
{
  return ((HeardLibrary *)data)->connected;
}

static void
assert_heard_id (HeardLibrary *heard,
                 gint64        id)
{
  g_autofree char *expected = g_strdup_printf ("%" G_GINT64_FORMAT, id);
  g_autofree char *payload = NULL;

  g_assert_true (qrs_test_wait_for (heard_library, heard, 30000));
  payload = g_ptr_array_steal_index (heard->payloads, 0);
  g_assert_cmpstr (payload, ==, expected);
}

/* Libraries hear of every change of a code, by id: also those that change
 * no redirect (a title, a static code) and a delete. */
static void
test_listen_library (void)
{
  g_autofree char *name = NULL;
  g_autoptr(QrsDatabase) database = qrs_test_open_migrated (&name);
  g_autoptr(QrsCodeStore) store = qrs_code_store_new (database);
  g_autoptr(QrsCode) draft = qrs_code_new (QRS_CODE_KIND_STATIC);
  g_autoptr(QrsCode) created = NULL;
  g_autoptr(QrsCode) edited = NULL;
  g_autoptr(QrsCode) changed = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) payloads = g_ptr_array_new_with_free_func (g_free);
  HeardLibrary heard = { payloads, FALSE };

  g_signal_connect (database, "notification::" QRS_DATABASE_CHANNEL_LIBRARY,
                    G_CALLBACK (library_notification_cb), &heard);
  g_assert_true (qrs_database_listen (database, QRS_DATABASE_CHANNEL_LIBRARY, &error));
  g_assert_no_error (error);
  g_assert_true (qrs_test_wait_for (library_connected, &heard, 30000));

  qrs_code_set_payload_type (draft, "text");
  qrs_code_set_payload (draft, "{\"type\": \"text\", \"fields\": {\"text\": \"Room 101\"}}");
  qrs_code_set_encoded (draft, "Room 101");
  created = qrs_code_store_create (store, draft, NULL, &error);
  g_assert_no_error (error);
  assert_heard_id (&heard, qrs_code_get_id (created));

  edited = qrs_code_copy (created);
  qrs_code_set_title (edited, "Only the title");
  changed = qrs_code_store_update (store, edited, NULL, &error);
  g_assert_no_error (error);
  assert_heard_id (&heard, qrs_code_get_id (created));

  g_assert_true (qrs_code_store_delete (store, qrs_code_get_id (changed),
                                        qrs_code_get_version (changed), NULL, &error));
  g_assert_no_error (error);
  assert_heard_id (&heard, qrs_code_get_id (created));

  g_assert_cmpuint (payloads->len, ==, 0);
  qrs_database_unlisten (database, QRS_DATABASE_CHANNEL_LIBRARY);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  qrs_test_require_server ();

  g_test_add_func ("/database/migrate/from-empty", test_migrate_from_empty);
  g_test_add_func ("/database/migrate/embeds-every-file", test_migrate_embeds_every_file);
  g_test_add_func ("/database/migrate/concurrently", test_migrate_concurrently);
  g_test_add_func ("/database/migrate/cancelled-while-waiting", test_migrate_cancelled_while_waiting);
  g_test_add_func ("/database/schema/too-new", test_schema_too_new);
  g_test_add_func ("/database/schema/too-old", test_schema_too_old);
  g_test_add_func ("/database/connect/refused", test_connect_refused);
  g_test_add_func ("/database/connect/bad-password", test_connect_bad_password);
  g_test_add_func ("/database/connect/peer-refused", test_connect_peer_refused);
  g_test_add_func ("/database/connect/missing-database", test_connect_missing_database);
  g_test_add_func ("/database/connect/invalid-settings", test_connect_invalid_settings);
  g_test_add_func ("/database/reconnect", test_reconnect);
  g_test_add_func ("/database/async", test_async);
  g_test_add_func ("/database/pool", test_pool);
  g_test_add_func ("/database/wait-for-threads", test_wait_for_threads);
  g_test_add_func ("/database/listen", test_listen);
  g_test_add_func ("/database/listen-library", test_listen_library);

  return g_test_run ();
}
