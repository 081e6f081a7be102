/* test-cli-admin.c — qrstudio-cli's db, codes and scans commands, run for
 * real against the PostgreSQL that tools/test starts (pg_virtualenv's PG*
 * variables), their effects read back through the store and their images
 * through zbarimg
 *
 * The path of the program is the first argument (meson passes it), or
 * $QRS_CLI.  Without a server, the program bails out: a failure, never a
 * skip.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include <gdk-pixbuf/gdk-pixbuf.h>
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>

#include "qrs-asset-store.h"
#include "qrs-code-store.h"
#include "qrs-design.h"
#include "qrs-scan-store.h"
#include "store-test-util.h"

#define SHORT_URL_BASE "https://qr.example.edu"
#define UNREACHABLE "host=127.0.0.1 port=1"

static const char *cli_path;

/* The database every codes and scans test shares, migrated once; each
 * test marks its codes with a word of its own. */
static char *shared_dbname;
static char *shared_conninfo;
static QrsDatabase *shared_database;

typedef struct
{
  char *root;        /* the working directory of every run */
  char *out;         /* root/out: where the program writes */
  char *word;        /* a word found in no other test's codes */
} Fixture;

typedef struct
{
  int     status;
  GBytes *out_bytes;
  char   *out;
  char   *err;
} Run;

static void
run_free (Run *run)
{
  g_clear_pointer (&run->out_bytes, g_bytes_unref);
  g_free (run->out);
  g_free (run->err);
  g_free (run);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Run, run_free)

static void
remove_tree (const char *path)
{
  GDir *dir = g_dir_open (path, 0, NULL);
  const char *name;

  if (dir != NULL)
    {
      while ((name = g_dir_read_name (dir)))
        {
          g_autofree char *child = g_build_filename (path, name, NULL);

          if (g_file_test (child, G_FILE_TEST_IS_DIR) && !g_file_test (child, G_FILE_TEST_IS_SYMLINK))
            remove_tree (child);
          else
            g_unlink (child);
        }
      g_dir_close (dir);
    }
  g_rmdir (path);
}

static void
fixture_setup (Fixture       *fixture,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  static const char letters[] = "abcdefghijklmnopqrstuvwxyz";
  char word[13] = "qrt";

  fixture->root = g_dir_make_tmp ("qrs-cli-admin-XXXXXX", &error);
  g_assert_no_error (error);
  fixture->out = g_build_filename (fixture->root, "out", NULL);
  g_assert_cmpint (g_mkdir (fixture->out, 0700), ==, 0);

  /* Letters only: the text search splits words at digits and dashes. */
  for (guint i = 3; i < sizeof word - 1; i++)
    word[i] = letters[g_random_int_range (0, 26)];
  word[sizeof word - 1] = '\0';
  fixture->word = g_strdup (word);
}

static void
fixture_teardown (Fixture       *fixture,
                  gconstpointer  data)
{
  remove_tree (fixture->root);
  g_free (fixture->root);
  g_free (fixture->out);
  g_free (fixture->word);
}

/* Runs qrstudio-cli with @args in the fixture's folder.  @env holds
 * NAME=VALUE pairs to set; QRSTUDIO_DATABASE and QRSTUDIO_SHORT_URL_BASE
 * are unset unless given there. */
static Run *
run_cli_env (Fixture            *fixture,
             const char * const *env,
             const char * const *args)
{
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GBytes) err = NULL;
  g_autoptr(GError) error = NULL;
  const char *lsan = g_getenv ("LSAN_OPTIONS");
  g_autofree char *lsan_options = g_strconcat (lsan ? lsan : "", lsan ? ":" : "", "print_suppressions=0", NULL);
  Run *run = g_new0 (Run, 1);
  gsize length;

  g_ptr_array_add (argv, (char *)cli_path);
  for (guint i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, (char *)args[i]);
  g_ptr_array_add (argv, NULL);

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE);
  g_subprocess_launcher_set_cwd (launcher, fixture->root);
  g_subprocess_launcher_unsetenv (launcher, "QRSTUDIO_DATABASE");
  g_subprocess_launcher_unsetenv (launcher, "QRSTUDIO_SHORT_URL_BASE");
  /* A sanitized build lists the leak suppressions it used on stderr,
   * which would hide what the program itself prints there. */
  g_subprocess_launcher_setenv (launcher, "LSAN_OPTIONS", lsan_options, TRUE);
  for (guint i = 0; env != NULL && env[i] != NULL; i++)
    {
      g_auto(GStrv) pair = g_strsplit (env[i], "=", 2);

      g_subprocess_launcher_setenv (launcher, pair[0], pair[1], TRUE);
    }

  process = g_subprocess_launcher_spawnv (launcher, (const char * const *)argv->pdata, &error);
  g_assert_no_error (error);

  g_subprocess_communicate (process, NULL, NULL, &run->out_bytes, &err, &error);
  g_assert_no_error (error);

  run->err = g_strndup (g_bytes_get_size (err) ? g_bytes_get_data (err, NULL) : "", g_bytes_get_size (err));
  length = g_bytes_get_size (run->out_bytes);
  run->out = g_strndup (length ? g_bytes_get_data (run->out_bytes, NULL) : "", length);

  if (!g_subprocess_get_if_exited (process))
    g_error ("qrstudio-cli died (signal %d): %s", g_subprocess_get_term_sig (process), run->err);
  run->status = g_subprocess_get_exit_status (process);

  return run;
}

/* On the shared database, through --database. */
#define run_cli(fixture, ...) \
  run_cli_env (fixture, NULL, (const char * const[]) { __VA_ARGS__, "--database", shared_conninfo, NULL })

/* With nothing added: the connection comes from the environment. */
#define run_cli_plain(fixture, env, ...) \
  run_cli_env (fixture, env, (const char * const[]) { __VA_ARGS__, NULL })

static void
assert_success (Run *run)
{
  if (run->status != 0)
    g_error ("qrstudio-cli exited with %d: %s", run->status, run->err);
  g_assert_cmpstr (run->err, ==, "");
}

/* @status, exactly one line on stderr that names the program, nothing on
 * stdout. */
static void
assert_error (Run        *run,
              int         status,
              const char *contains)
{
  const char *newline = strchr (run->err, '\n');

  if (run->status != status)
    g_error ("expected exit status %d, got %d: %s%s", status, run->status, run->out, run->err);
  g_assert_true (g_str_has_prefix (run->err, "qrstudio-cli: "));
  g_assert_nonnull (newline);
  g_assert_cmpstr (newline + 1, ==, "");
  g_assert_cmpuint (strlen (run->err), >, strlen ("qrstudio-cli: ") + 10);
  g_assert_cmpstr (run->out, ==, "");
  if (contains != NULL && strstr (run->err, contains) == NULL)
    g_error ("“%s” does not say “%s”", run->err, contains);
}

static int
compare_names (gconstpointer a,
               gconstpointer b)
{
  return strcmp (*(const char * const *)a, *(const char * const *)b);
}

static char *
list_dir (const char *path)
{
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  GDir *dir = g_dir_open (path, 0, NULL);
  const char *name;

  if (dir == NULL)
    return g_strdup ("(missing)");

  while ((name = g_dir_read_name (dir)))
    g_ptr_array_add (names, g_strdup (name));
  g_dir_close (dir);

  g_ptr_array_sort (names, compare_names);
  g_ptr_array_add (names, NULL);

  return g_strjoinv (" ", (char **)names->pdata);
}

static void
assert_dir (const char *path,
            const char *expected)
{
  g_autofree char *listing = list_dir (path);

  g_assert_cmpstr (listing, ==, expected);
}

/* The value of the line "LABEL: value" of @text. */
static char *
field (const char *text,
       const char *label)
{
  g_auto(GStrv) lines = g_strsplit (text, "\n", -1);
  g_autofree char *prefix = g_strconcat (label, ": ", NULL);

  for (guint i = 0; lines[i] != NULL; i++)
    if (g_str_has_prefix (lines[i], prefix))
      return g_strdup (lines[i] + strlen (prefix));

  g_error ("no “%s” in:\n%s", label, text);
}

static gint64
parse_id (const char *text)
{
  gint64 id = 0;
  g_autoptr(GError) error = NULL;

  g_ascii_string_to_signed (text, 10, 1, G_MAXINT64, &id, &error);
  g_assert_no_error (error);

  return id;
}

static JsonNode *
parse_json (const char *text)
{
  g_autoptr(GError) error = NULL;
  JsonNode *node = json_from_string (text, &error);

  g_assert_no_error (error);
  g_assert_nonnull (node);

  return node;
}

static QrsCodeStore *
shared_code_store (void)
{
  return qrs_code_store_new (shared_database);
}

static QrsCode *
get_code (gint64 id)
{
  g_autoptr(QrsCodeStore) store = shared_code_store ();
  g_autoptr(GError) error = NULL;
  QrsCode *code = qrs_code_store_get (store, id, NULL, &error);

  g_assert_no_error (error);

  return code;
}

static gint64
count_codes (void)
{
  g_autofree char *count = qrs_test_sql_value (shared_dbname, "SELECT count(*) FROM codes");

  return g_ascii_strtoll (count, NULL, 10);
}

/* Adds a dynamic code through the CLI; returns its id. */
static gint64
add_dynamic (Fixture     *fixture,
             const char  *title,
             const char  *target,
             char       **short_id)
{
  g_autoptr(Run) run = run_cli (fixture, "codes", "add", "--dynamic", "--url", target,
                                "--title", title, "--tag", fixture->word,
                                "--short-url-base", SHORT_URL_BASE);
  g_autofree char *id = NULL;

  assert_success (run);
  id = field (run->out, "id");
  if (short_id != NULL)
    *short_id = field (run->out, "short id");

  return parse_id (id);
}

static gint64
add_static (Fixture    *fixture,
            const char *title,
            const char *text)
{
  g_autoptr(Run) run = run_cli (fixture, "codes", "add", "--text", text, "--title", title,
                                "--tag", fixture->word);
  g_autofree char *id = NULL;

  assert_success (run);
  id = field (run->out, "id");

  return parse_id (id);
}

static void
assert_decodes_to (const char *png_path,
                   const char *expected)
{
  const char *argv[] = { "zbarimg", "--raw", "-q", "-Sbinary", png_path, NULL };
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GBytes) out = NULL;
  g_autoptr(GBytes) want = g_bytes_new (expected, strlen (expected));
  g_autoptr(GError) error = NULL;

  process = g_subprocess_newv (argv, G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_SILENCE, &error);
  g_assert_no_error (error);
  g_subprocess_communicate (process, NULL, NULL, &out, NULL, &error);
  g_assert_no_error (error);
  if (!g_subprocess_get_successful (process))
    g_error ("zbarimg could not read %s", png_path);

  if (!g_bytes_equal (out, want))
    g_error ("%s decodes to “%.*s”, not “%s”", png_path,
             (int)g_bytes_get_size (out), (const char *)g_bytes_get_data (out, NULL), expected);
}

/* db */

static void
test_db_migrate (Fixture       *fixture,
                 gconstpointer  data)
{
  g_autofree char *dbname = qrs_test_create_database ();
  g_autofree char *conninfo = qrs_test_conninfo_for (dbname, NULL, NULL);
  g_autofree char *env_database = g_strconcat ("QRSTUDIO_DATABASE=", conninfo, NULL);
  g_autofree char *env_pgdatabase = g_strconcat ("PGDATABASE=", dbname, NULL);
  const char *by_variable[] = { env_database, NULL };
  const char *by_libpq[] = { env_pgdatabase, NULL };
  g_autoptr(QrsDatabase) database = qrs_test_open_database (dbname);
  g_autoptr(GPtrArray) migrations = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GString) expected = g_string_new (NULL);
  int known = qrs_database_get_program_schema_version ();
  g_autofree char *version_line = g_strdup_printf ("schema version: %d (this program knows up to %d)\n",
                                                   known, known);

  migrations = qrs_database_list_migrations (database, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (migrations->len, >=, 1);

  /* An empty database: everything pending, no tables to count. */
  {
    g_autoptr(Run) run = run_cli_plain (fixture, NULL, "db", "status", "--database", conninfo);
    g_autofree char *pending = g_strdup_printf ("pending migrations: %u (run “qrstudio-cli db migrate”)\n",
                                                migrations->len);

    assert_success (run);
    g_assert_true (g_str_has_prefix (run->out, "schema version: 0 ("));
    g_assert_nonnull (strstr (run->out, pending));
    for (guint i = 0; i < migrations->len; i++)
      {
        const QrsMigration *migration = g_ptr_array_index (migrations, i);
        g_autofree char *line = g_strdup_printf ("\n  %s\n", migration->name);

        g_assert_nonnull (strstr (run->out, line));
      }
    g_assert_nonnull (strstr (run->out, "rows: none"));
  }

  /* Migrating names each migration applied, in order; the connection
   * comes from $QRSTUDIO_DATABASE. */
  {
    g_autoptr(Run) run = run_cli_plain (fixture, by_variable, "db", "migrate");

    for (guint i = 0; i < migrations->len; i++)
      g_string_append_printf (expected, "applied %s\n",
                              ((QrsMigration *)g_ptr_array_index (migrations, i))->name);
    g_string_append_printf (expected, "up to date: schema version %d, %u migrations applied\n",
                            known, migrations->len);
    assert_success (run);
    g_assert_cmpstr (run->out, ==, expected->str);
  }

  g_assert_cmpint (qrs_database_get_schema_version (database, NULL, &error), ==, known);
  g_assert_no_error (error);

  /* Again: nothing to do; the connection comes from libpq's PGDATABASE. */
  {
    g_autoptr(Run) run = run_cli_plain (fixture, by_libpq, "db", "migrate");
    g_autofree char *up_to_date = g_strdup_printf ("up to date: schema version %d, nothing to apply\n", known);

    assert_success (run);
    g_assert_cmpstr (run->out, ==, up_to_date);
  }

  /* --database wins over $QRSTUDIO_DATABASE. */
  {
    const char *env[] = { "QRSTUDIO_DATABASE=" UNREACHABLE, NULL };
    g_autoptr(Run) run = run_cli_plain (fixture, env, "db", "status", "--database", conninfo);

    assert_success (run);
    g_assert_true (g_str_has_prefix (run->out, version_line));
    g_assert_nonnull (strstr (run->out, "\npending migrations: none\n"));
    g_assert_nonnull (strstr (run->out, "\nrows:\n  codes: 0\n  logos: 0\n  code events: 0\n  scans: 0\n  scan days: 0\n"));
    for (guint i = 0; i < migrations->len; i++)
      {
        const QrsMigration *migration = g_ptr_array_index (migrations, i);
        g_autofree char *line = g_strdup_printf ("\n  %s  ", migration->name);

        g_assert_nonnull (strstr (run->out, line));
      }
  }

  /* Rows are counted. */
  {
    g_autoptr(Run) add = run_cli_plain (fixture, NULL, "codes", "add", "--text", "counted",
                                        "--database", conninfo);
    g_autoptr(Run) run = NULL;

    assert_success (add);
    run = run_cli_plain (fixture, NULL, "db", "status", "--database", conninfo);
    assert_success (run);
    g_assert_nonnull (strstr (run->out, "\n  codes: 1\n"));
    g_assert_nonnull (strstr (run->out, "\n  code events: 1\n"));
  }
}

static void
test_db_schema_too_new (Fixture       *fixture,
                        gconstpointer  data)
{
  g_autofree char *dbname = NULL;
  g_autoptr(QrsDatabase) database = qrs_test_open_migrated (&dbname);
  g_autofree char *conninfo = qrs_test_conninfo_for (dbname, NULL, NULL);
  g_autofree char *count_before = NULL;
  g_autofree char *count_after = NULL;
  const char * const commands[][3] = {
    { "db", "status", NULL },
    { "db", "migrate", NULL },
    { "codes", "list", NULL },
    { "scans", "export", "-o" },
  };

  PQclear (qrs_test_sql (dbname, "INSERT INTO schema_migrations (version, name, checksum) "
                                 "VALUES (9999, '9999_from_the_future.sql', '')"));
  count_before = qrs_test_sql_value (dbname, "SELECT count(*) FROM schema_migrations");

  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    {
      g_autoptr(Run) run = NULL;

      if (commands[i][2] != NULL)
        run = run_cli_plain (fixture, NULL, commands[i][0], commands[i][1], "--database", conninfo,
                             commands[i][2], "out/scans.csv");
      else
        run = run_cli_plain (fixture, NULL, commands[i][0], commands[i][1], "--database", conninfo);
      assert_error (run, 1, "schema version 9999, newer than this QR Studio understands");
    }

  count_after = qrs_test_sql_value (dbname, "SELECT count(*) FROM schema_migrations");
  g_assert_cmpstr (count_before, ==, count_after);
  assert_dir (fixture->out, "");
}

static void
test_db_not_migrated (Fixture       *fixture,
                      gconstpointer  data)
{
  g_autofree char *dbname = qrs_test_create_database ();
  g_autofree char *conninfo = qrs_test_conninfo_for (dbname, NULL, NULL);
  g_autoptr(Run) list = run_cli_plain (fixture, NULL, "codes", "list", "--database", conninfo);
  g_autoptr(Run) add = run_cli_plain (fixture, NULL, "codes", "add", "--text", "x", "--database", conninfo);

  assert_error (list, 1, "qrstudio-cli db migrate");
  assert_error (add, 1, "qrstudio-cli db migrate");
}

/* codes add */

static void
test_codes_add_static (Fixture       *fixture,
                       gconstpointer  data)
{
  g_autofree char *title = g_strdup_printf ("Static %s", fixture->word);
  g_autofree char *text = g_strdup_printf ("Hello %s", fixture->word);
  g_autoptr(QrsCode) code = NULL;
  g_autoptr(QrsDesign) design = NULL;
  g_autoptr(GError) error = NULL;
  gint64 id;

  {
    g_autoptr(Run) run = run_cli (fixture, "codes", "add", "--text", text, "--title", title,
                                  "--description", "Para la entrada principal", "--tag", fixture->word,
                                  "--tag", " lobby ", "--tag", fixture->word, "--fg", "#1A5FB4");
    g_autofree char *id_text = NULL;

    assert_success (run);
    id_text = field (run->out, "id");
    id = parse_id (id_text);
    g_assert_null (strstr (run->out, "short"));
  }

  code = get_code (id);
  g_assert_cmpint (qrs_code_get_kind (code), ==, QRS_CODE_KIND_STATIC);
  g_assert_null (qrs_code_get_short_id (code));
  g_assert_null (qrs_code_get_target_url (code));
  g_assert_cmpstr (qrs_code_get_encoded (code), ==, text);
  g_assert_cmpstr (qrs_code_get_payload_type (code), ==, "text");
  g_assert_cmpstr (qrs_code_get_title (code), ==, title);
  g_assert_cmpstr (qrs_code_get_description (code), ==, "Para la entrada principal");
  g_assert_cmpuint (g_strv_length ((char **)qrs_code_get_tags (code)), ==, 2);
  g_assert_cmpstr (qrs_code_get_tags (code)[0], ==, fixture->word);
  g_assert_cmpstr (qrs_code_get_tags (code)[1], ==, "lobby");
  g_assert_true (qrs_code_get_enabled (code));
  g_assert_null (qrs_code_get_expires_at (code));

  design = qrs_design_new_from_data (qrs_code_get_design (code), -1, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (qrs_design_get_foreground (design)->red, ==, 0x1A);
  g_assert_cmpstr (qrs_design_get_title (design), ==, title);

  /* codes show, by number, as text and as JSON */
  {
    g_autofree char *id_text = g_strdup_printf ("%" G_GINT64_FORMAT, id);
    g_autoptr(Run) run = run_cli (fixture, "codes", "show", id_text);
    g_autoptr(Run) json = run_cli (fixture, "codes", "show", id_text, "--format", "json");
    g_autoptr(JsonNode) root = NULL;
    g_autofree char *shown_title = NULL;
    g_autofree char *kind = NULL;
    g_autofree char *content = NULL;
    JsonObject *object;

    assert_success (run);
    shown_title = field (run->out, "title");
    kind = field (run->out, "kind");
    content = field (run->out, "content");
    g_assert_cmpstr (shown_title, ==, title);
    g_assert_cmpstr (kind, ==, "static");
    g_assert_cmpstr (content, ==, text);
    g_assert_nonnull (strstr (run->out, "\nhistory:\n"));

    assert_success (json);
    root = parse_json (json->out);
    object = json_node_get_object (root);
    g_assert_cmpint (json_object_get_int_member (object, "id"), ==, id);
    g_assert_cmpstr (json_object_get_string_member (object, "kind"), ==, "static");
    g_assert_cmpstr (json_object_get_string_member (object, "encoded"), ==, text);
    g_assert_cmpuint (json_array_get_length (json_object_get_array_member (object, "tags")), ==, 2);
  }

  /* Another payload type: the payload options are those of export. */
  {
    g_autoptr(Run) run = run_cli (fixture, "codes", "add", "--wifi-ssid", "Library", "--wifi-password",
                                  "c0ffee;tea!", "--title", title, "--format", "json");
    g_autoptr(JsonNode) root = NULL;

    assert_success (run);
    root = parse_json (run->out);
    g_assert_cmpstr (json_object_get_string_member (json_node_get_object (root), "payload_type"), ==, "wifi");
    g_assert_cmpstr (json_object_get_string_member (json_node_get_object (root), "encoded"), ==,
                     "WIFI:T:WPA;S:Library;P:c0ffee\\;tea!;;");
  }
}

static void
test_codes_add_dynamic (Fixture       *fixture,
                        gconstpointer  data)
{
  g_autofree char *title = g_strdup_printf ("Open day %s", fixture->word);
  g_autoptr(GRegex) short_id_pattern = g_regex_new ("^[A-Za-z0-9]{8}$", 0, 0, NULL);
  g_autoptr(QrsCode) code = NULL;
  g_autoptr(GDateTime) expected_expiry = g_date_time_new_utc (2100, 1, 1, 0, 0, 0);
  g_autofree char *short_id = NULL;
  g_autofree char *short_url = NULL;
  gint64 id;

  {
    g_autoptr(Run) run = run_cli (fixture, "codes", "add", "--dynamic", "--url", "https://example.edu/open-day",
                                  "--title", title, "--tag", fixture->word, "--expires", "2099-12-31",
                                  "--short-url-base", SHORT_URL_BASE "/");
    g_autofree char *id_text = NULL;
    g_autofree char *target = NULL;
    g_autofree char *expected_url = NULL;

    assert_success (run);
    id_text = field (run->out, "id");
    id = parse_id (id_text);
    short_id = field (run->out, "short id");
    short_url = field (run->out, "short URL");
    target = field (run->out, "target");
    g_assert_true (g_regex_match (short_id_pattern, short_id, 0, NULL));
    expected_url = g_strconcat (SHORT_URL_BASE "/r/", short_id, NULL);
    g_assert_cmpstr (short_url, ==, expected_url);
    g_assert_cmpstr (target, ==, "https://example.edu/open-day");
  }

  code = get_code (id);
  g_assert_cmpint (qrs_code_get_kind (code), ==, QRS_CODE_KIND_DYNAMIC);
  g_assert_cmpstr (qrs_code_get_short_id (code), ==, short_id);
  g_assert_cmpstr (qrs_code_get_encoded (code), ==, short_url);
  g_assert_cmpstr (qrs_code_get_target_url (code), ==, "https://example.edu/open-day");
  g_assert_cmpstr (qrs_code_get_payload_type (code), ==, "url");
  g_assert_cmpstr (qrs_code_get_title (code), ==, title);
  g_assert_true (qrs_code_get_enabled (code));
  g_assert_nonnull (qrs_code_get_expires_at (code));
  g_assert_true (g_date_time_equal (qrs_code_get_expires_at (code), expected_expiry));

  /* codes show by short id */
  {
    g_autoptr(Run) run = run_cli (fixture, "codes", "show", short_id);
    g_autofree char *shown_id = NULL;
    g_autofree char *shown_url = NULL;
    g_autofree char *state = NULL;

    assert_success (run);
    shown_id = field (run->out, "id");
    shown_url = field (run->out, "short URL");
    state = field (run->out, "state");
    g_assert_cmpint (parse_id (shown_id), ==, id);
    g_assert_cmpstr (shown_url, ==, short_url);
    g_assert_cmpstr (state, ==, "on");
  }

  /* The base from the environment; the app's form, ending in /r/, too. */
  {
    const char *env[] = { "QRSTUDIO_SHORT_URL_BASE=" SHORT_URL_BASE "/r/", NULL };
    g_autoptr(Run) run = run_cli_env (fixture, env,
                                      (const char * const[]) { "codes", "add", "--dynamic", "--url",
                                                               "https://example.edu/b", "--title", title,
                                                               "--database", shared_conninfo, NULL });
    g_autofree char *other_id = NULL;
    g_autofree char *other_url = NULL;
    g_autofree char *expected_url = NULL;

    assert_success (run);
    other_id = field (run->out, "short id");
    other_url = field (run->out, "short URL");
    expected_url = g_strconcat (SHORT_URL_BASE "/r/", other_id, NULL);
    g_assert_cmpstr (other_url, ==, expected_url);
    g_assert_cmpstr (other_id, !=, short_id);
  }
}

static void
test_codes_add_bad_input (Fixture       *fixture,
                          gconstpointer  data)
{
  static const struct {
    const char *args[8];
    const char *says;
  } cases[] = {
    { { "--dynamic", "--url", "https://example.edu" }, "--short-url-base" },
    { { "--dynamic", "--url", "https://example.edu", "--short-url-base", "ftp://qr.example.edu" }, "ftp://qr.example.edu" },
    { { "--dynamic", "--url", "https://example.edu", "--short-url-base", "https://qr.example.edu/?a=b" }, "redirect service" },
    { { "--dynamic", "--url", "mailto:ana@example.edu", "--short-url-base", SHORT_URL_BASE }, "target" },
    { { "--dynamic", "--url", "javascript:alert(1)", "--short-url-base", SHORT_URL_BASE }, "javascript" },
    { { "--dynamic", "--text", "hello", "--short-url-base", SHORT_URL_BASE }, "--url" },
    { { "--dynamic", "--url", "https://example.edu", "--expires", "2020-01-01", "--short-url-base", SHORT_URL_BASE }, "past" },
    { { "--dynamic", "--url", "https://example.edu", "--expires", "next week", "--short-url-base", SHORT_URL_BASE }, "not a date" },
    { { "--text", "hello", "--expires", "2099-01-01" }, "dynamic" },
    { { "--text", "hello", "--tag", " " }, "--tag" },
    { { "--text", "hello", "--fg", "#12345" }, "--fg" },
    { { "--text", "hello", "--logo", "missing.png" }, "missing.png" },
    { { "--text", "hello", "--format", "xml" }, "--format" },
    { { "--title", "nothing" }, "--url" },
    { { "--text", "hello", "surplus" }, "surplus" },
  };
  gint64 before = count_codes ();

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GPtrArray) args = g_ptr_array_new ();
      g_autoptr(Run) run = NULL;

      g_ptr_array_add (args, (char *)"codes");
      g_ptr_array_add (args, (char *)"add");
      for (guint j = 0; j < G_N_ELEMENTS (cases[i].args) && cases[i].args[j] != NULL; j++)
        g_ptr_array_add (args, (char *)cases[i].args[j]);
      g_ptr_array_add (args, (char *)"--database");
      g_ptr_array_add (args, shared_conninfo);
      g_ptr_array_add (args, NULL);

      run = run_cli_env (fixture, NULL, (const char * const *)args->pdata);
      assert_error (run, 2, cases[i].says);
    }

  g_assert_cmpint (count_codes (), ==, before);
}

static void
test_codes_add_logo (Fixture       *fixture,
                     gconstpointer  data)
{
  static const char logo[] =
    "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"10\" height=\"10\">"
    "<rect width=\"10\" height=\"10\" fill=\"#C01C28\"/></svg>\n";
  g_autofree char *logo_path = g_build_filename (fixture->root, "logo.svg", NULL);
  g_autofree char *png_path = g_build_filename (fixture->out, "logo.png", NULL);
  g_autofree char *sha256 = g_compute_checksum_for_string (G_CHECKSUM_SHA256, logo, -1);
  g_autofree char *title = g_strdup_printf ("With logo %s", fixture->word);
  g_autoptr(QrsAssetStore) assets = qrs_asset_store_new (shared_database);
  g_autoptr(QrsDesign) design = NULL;
  g_autoptr(QrsCode) code = NULL;
  g_autoptr(GBytes) stored_logo = NULL;
  g_autoptr(GdkPixbuf) pixbuf = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *short_id = NULL;
  g_autofree char *short_url = NULL;
  g_autofree char *media_type = NULL;
  gint64 id;

  g_file_set_contents (logo_path, logo, -1, &error);
  g_assert_no_error (error);

  {
    g_autoptr(Run) run = run_cli (fixture, "codes", "add", "--dynamic", "--url", "https://example.edu/logo",
                                  "--title", title, "--logo", "logo.svg", "--ec", "H",
                                  "--short-url-base", SHORT_URL_BASE);
    g_autofree char *id_text = NULL;

    assert_success (run);
    id_text = field (run->out, "id");
    id = parse_id (id_text);
    short_id = field (run->out, "short id");
    short_url = field (run->out, "short URL");
  }

  /* The bytes are in the assets; the row and its design only name them. */
  code = get_code (id);
  g_assert_cmpstr (qrs_code_get_logo_sha256 (code), ==, sha256);
  stored_logo = qrs_asset_store_get (assets, sha256, &media_type, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpmem (g_bytes_get_data (stored_logo, NULL), g_bytes_get_size (stored_logo), logo, strlen (logo));
  g_assert_cmpstr (media_type, ==, "image/svg+xml");

  design = qrs_design_new_from_data (qrs_code_get_design (code), -1, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (qrs_design_get_logo_sha256 (design), ==, sha256);
  g_assert_null (qrs_design_get_logo (design));
  g_assert_null (strstr (qrs_code_get_design (code), "PHN2Zy"));  /* "<svg" in base64 */

  /* Exported with the logo loaded from the assets: red in the middle,
   * and still the short URL to a decoder. */
  {
    g_autoptr(Run) run = run_cli (fixture, "codes", "export", short_id, "-o", "out/logo.png", "--size", "400");

    assert_success (run);
  }
  assert_decodes_to (png_path, short_url);

  pixbuf = gdk_pixbuf_new_from_file (png_path, &error);
  g_assert_no_error (error);
  {
    const guint8 *pixels = gdk_pixbuf_read_pixels (pixbuf);
    int x = gdk_pixbuf_get_width (pixbuf) / 2;
    int y = gdk_pixbuf_get_height (pixbuf) / 2;
    const guint8 *p = pixels + y * gdk_pixbuf_get_rowstride (pixbuf) + x * gdk_pixbuf_get_n_channels (pixbuf);

    g_assert_cmpuint (p[0], ==, 0xC0);
    g_assert_cmpuint (p[1], ==, 0x1C);
    g_assert_cmpuint (p[2], ==, 0x28);
  }
}

/* codes list, codes search */

static GPtrArray *
json_codes (const char *text,
            gint64     *total)
{
  g_autoptr(JsonNode) root = parse_json (text);
  JsonObject *object = json_node_get_object (root);
  JsonArray *codes = json_object_get_array_member (object, "codes");
  GPtrArray *ids = g_ptr_array_new_with_free_func (g_free);

  if (total != NULL)
    *total = json_object_get_int_member (object, "total");
  for (guint i = 0; i < json_array_get_length (codes); i++)
    {
      JsonObject *code = json_array_get_object_element (codes, i);

      g_ptr_array_add (ids, g_strdup_printf ("%" G_GINT64_FORMAT, json_object_get_int_member (code, "id")));
    }

  return ids;
}

static char *
join_ids (GPtrArray *ids)
{
  g_autoptr(GString) text = g_string_new (NULL);

  for (guint i = 0; i < ids->len; i++)
    g_string_append_printf (text, "%s%s", i ? " " : "", (char *)g_ptr_array_index (ids, i));

  return g_string_free (g_steal_pointer (&text), FALSE);
}

static char *
store_page (QrsCodeSort  sort,
            gboolean     descending,
            guint        offset,
            guint        limit,
            guint64     *total)
{
  g_autoptr(QrsCodeStore) store = shared_code_store ();
  g_autoptr(GPtrArray) codes = NULL;
  g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GError) error = NULL;

  codes = qrs_code_store_list (store, sort, descending, offset, limit, total, NULL, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < codes->len; i++)
    g_ptr_array_add (ids, g_strdup_printf ("%" G_GINT64_FORMAT, qrs_code_get_id (g_ptr_array_index (codes, i))));

  return join_ids (ids);
}

static void
test_codes_list (Fixture       *fixture,
                 gconstpointer  data)
{
  g_autofree char *title_a = g_strdup_printf ("A %s", fixture->word);
  g_autofree char *title_b = g_strdup_printf ("B %s", fixture->word);
  g_autofree char *title_c = g_strdup_printf ("C %s\twith a tab", fixture->word);

  add_static (fixture, title_b, "second");
  add_static (fixture, title_a, "first\nof two lines");
  add_static (fixture, title_c, "third");

  /* Pages in every order are the store's pages. */
  {
    static const struct { const char *sort; gboolean reverse; QrsCodeSort store_sort; gboolean descending; } orders[] = {
      { "id", FALSE, QRS_CODE_SORT_ID, FALSE },
      { "id", TRUE, QRS_CODE_SORT_ID, TRUE },
      { "title", FALSE, QRS_CODE_SORT_TITLE, FALSE },
      { "created", FALSE, QRS_CODE_SORT_CREATED, TRUE },
      { "updated", TRUE, QRS_CODE_SORT_UPDATED, FALSE },
    };

    for (guint i = 0; i < G_N_ELEMENTS (orders); i++)
      {
        g_autoptr(Run) run = NULL;
        g_autoptr(GPtrArray) ids = NULL;
        g_autofree char *got = NULL;
        g_autofree char *want = NULL;
        guint64 store_total = 0;
        gint64 total = 0;

        if (orders[i].reverse)
          run = run_cli (fixture, "codes", "list", "--sort", orders[i].sort, "--reverse",
                         "--limit", "2", "--offset", "1", "--format", "json");
        else
          run = run_cli (fixture, "codes", "list", "--sort", orders[i].sort,
                         "--limit", "2", "--offset", "1", "--format", "json");
        assert_success (run);
        ids = json_codes (run->out, &total);
        got = join_ids (ids);
        want = store_page (orders[i].store_sort, orders[i].descending, 1, 2, &store_total);
        g_assert_cmpstr (got, ==, want);
        g_assert_cmpint (total, ==, (gint64)store_total);
        g_assert_cmpuint (ids->len, ==, 2);
      }
  }

  /* TSV: a header, one line per code, tabs and line breaks escaped. */
  {
    g_autoptr(Run) run = run_cli (fixture, "codes", "list", "--format", "tsv", "--limit", "0", "--sort", "id");
    g_auto(GStrv) lines = NULL;
    g_autofree char *escaped_title = g_strdup_printf ("C %s\\twith a tab", fixture->word);
    guint64 total = 0;
    gboolean found_a = FALSE, found_c = FALSE;

    assert_success (run);
    g_free (store_page (QRS_CODE_SORT_ID, FALSE, 0, 0, &total));
    lines = g_strsplit (run->out, "\n", -1);
    g_assert_cmpstr (lines[0], ==, "id\tshort_id\tkind\tenabled\texpires_at\ttitle\ttags\tpayload_type\ttarget_url\tencoded\tupdated_at");
    g_assert_cmpuint (g_strv_length (lines), ==, total + 2);  /* and the empty string after the last \n */
    for (guint i = 1; lines[i] != NULL && *lines[i] != '\0'; i++)
      {
        g_auto(GStrv) cells = g_strsplit (lines[i], "\t", -1);

        g_assert_cmpuint (g_strv_length (cells), ==, 11);
        if (g_str_equal (cells[5], title_a))
          {
            g_assert_cmpstr (cells[9], ==, "first\\nof two lines");
            g_assert_cmpstr (cells[6], ==, fixture->word);
            found_a = TRUE;
          }
        found_c |= g_str_equal (cells[5], escaped_title);
      }
    g_assert_true (found_a);
    g_assert_true (found_c);
  }

  /* The table: headers, our codes, and how to see the next page. */
  {
    g_autoptr(Run) run = run_cli (fixture, "codes", "list", "--sort", "title", "--limit", "1");
    g_autoptr(Run) all = run_cli (fixture, "codes", "list", "--limit", "0");

    assert_success (run);
    g_assert_true (g_str_has_prefix (run->out, "ID  "));
    g_assert_nonnull (strstr (run->out, "TITLE"));
    g_assert_nonnull (strstr (run->out, "\nsee more with --offset 1\n"));

    assert_success (all);
    g_assert_nonnull (strstr (all->out, title_a));
    g_assert_nonnull (strstr (all->out, title_b));
    g_assert_null (strstr (all->out, "see more"));
  }
}

static void
test_codes_search (Fixture       *fixture,
                   gconstpointer  data)
{
  g_autofree char *song_title = g_strdup_printf ("Canción de cuna %s", fixture->word);
  g_autofree char *run_title = g_strdup_printf ("Running club %s", fixture->word);
  g_autofree char *short_id = NULL;
  g_autofree char *song_id = NULL;
  g_autofree char *run_id = NULL;
  g_autofree char *dynamic_id = NULL;

  song_id = g_strdup_printf ("%" G_GINT64_FORMAT, add_static (fixture, song_title, "Duérmete, niño"));
  run_id = g_strdup_printf ("%" G_GINT64_FORMAT, add_static (fixture, run_title, "Tuesdays at six"));
  dynamic_id = g_strdup_printf ("%" G_GINT64_FORMAT,
                                add_dynamic (fixture, "Harbour tour", "https://example.edu/elsewhere", &short_id));

  {
    static const struct { const char *words; int which; } queries[] = {
      { "cancion", 0 },          /* accents folded */
      { "CANCIÓN", 0 },
      { "canciones", 0 },        /* Spanish stems */
      { "nino", 0 },
      { "runs", 1 },             /* English stems */
      { "tuesday", 1 },
      { "harbours", 2 },
    };

    for (guint i = 0; i < G_N_ELEMENTS (queries); i++)
      {
        g_autofree char *query = g_strdup_printf ("%s %s", queries[i].words, fixture->word);
        g_autoptr(Run) run = run_cli (fixture, "codes", "search", query, "--format", "json");
        g_autoptr(GPtrArray) ids = NULL;
        g_autofree char *got = NULL;
        const char *want[] = { song_id, run_id, dynamic_id };
        gint64 total = 0;

        assert_success (run);
        ids = json_codes (run->out, &total);
        got = join_ids (ids);
        if (g_strcmp0 (got, want[queries[i].which]) != 0)
          g_error ("“%s” found “%s”, not %s", query, got, want[queries[i].which]);
        g_assert_cmpint (total, ==, 1);
      }
  }

  /* The short id finds its code; the table shows it. */
  {
    g_autoptr(Run) run = run_cli (fixture, "codes", "search", short_id);

    assert_success (run);
    g_assert_true (g_str_has_prefix (run->out, "ID  "));
    g_assert_nonnull (strstr (run->out, short_id));
    g_assert_nonnull (strstr (run->out, "https://example.edu/elsewhere"));
  }

  /* Paging, and TSV. */
  {
    g_autoptr(Run) run = run_cli (fixture, "codes", "search", fixture->word, "--limit", "2", "--offset", "1",
                                  "--format", "tsv");
    g_auto(GStrv) lines = NULL;

    assert_success (run);
    lines = g_strsplit (run->out, "\n", -1);
    g_assert_cmpuint (g_strv_length (lines), ==, 4);
  }

  {
    g_autofree char *query = g_strdup_printf ("nothingsuch %s", fixture->word);
    g_autoptr(Run) run = run_cli (fixture, "codes", "search", query);
    g_autofree char *expected = g_strdup_printf ("No code matches “%s”.\n", query);

    assert_success (run);
    g_assert_cmpstr (run->out, ==, expected);
  }

  {
    g_autoptr(Run) run = run_cli (fixture, "codes", "search", "  ");

    assert_error (run, 2, "search");
  }

  /* After "--", a query may start with a word to leave out. */
  {
    g_autofree char *query = g_strdup_printf ("-harbour %s", fixture->word);
    const char *args[] = { "codes", "search", "--database", shared_conninfo, "--format", "json",
                           "--", query, NULL };
    g_autoptr(Run) run = run_cli_env (fixture, NULL, args);
    g_autoptr(GPtrArray) ids = NULL;
    gint64 total = 0;

    assert_success (run);
    ids = json_codes (run->out, &total);
    g_assert_cmpint (total, ==, 2);
    g_assert_true (g_ptr_array_find_with_equal_func (ids, song_id, g_str_equal, NULL));
    g_assert_true (g_ptr_array_find_with_equal_func (ids, run_id, g_str_equal, NULL));
  }
}

/* codes set-target, disable, enable */

static QrsCodeEvent *
last_event (gint64 id)
{
  g_autoptr(QrsCodeStore) store = shared_code_store ();
  g_autoptr(GPtrArray) events = NULL;
  g_autoptr(GError) error = NULL;

  events = qrs_code_store_list_events (store, id, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (events->len, >, 0);

  return qrs_code_event_copy (g_ptr_array_index (events, events->len - 1));
}

static guint
count_events (gint64 id)
{
  g_autoptr(QrsCodeStore) store = shared_code_store ();
  g_autoptr(GPtrArray) events = NULL;
  g_autoptr(GError) error = NULL;

  events = qrs_code_store_list_events (store, id, NULL, &error);
  g_assert_no_error (error);

  return events->len;
}

static void
test_codes_set_target (Fixture       *fixture,
                       gconstpointer  data)
{
  g_autofree char *short_id = NULL;
  g_autofree char *title = g_strdup_printf ("Moving %s", fixture->word);
  gint64 id = add_dynamic (fixture, title, "https://example.edu/old", &short_id);
  g_autofree char *static_id = g_strdup_printf ("%" G_GINT64_FORMAT, add_static (fixture, title, "fixed"));
  g_autoptr(QrsCode) before = get_code (id);
  g_autoptr(QrsCode) after = NULL;
  g_autoptr(QrsCodeEvent) event = NULL;
  g_autoptr(JsonNode) payload = NULL;
  guint n_events;

  {
    g_autoptr(Run) run = run_cli (fixture, "codes", "set-target", short_id, "https://example.edu/new?from=qr");
    g_autofree char *expected = g_strdup_printf ("code %" G_GINT64_FORMAT " (%s) now leads to https://example.edu/new?from=qr (it led to https://example.edu/old)\n",
                                                 id, short_id);

    assert_success (run);
    g_assert_cmpstr (run->out, ==, expected);
  }

  after = get_code (id);
  g_assert_cmpstr (qrs_code_get_target_url (after), ==, "https://example.edu/new?from=qr");
  g_assert_cmpstr (qrs_code_get_encoded (after), ==, qrs_code_get_encoded (before));
  g_assert_cmpstr (qrs_code_get_short_id (after), ==, short_id);
  g_assert_cmpint (qrs_code_get_version (after), ==, qrs_code_get_version (before) + 1);
  /* The payload says the same as the target, so the app shows it. */
  payload = parse_json (qrs_code_get_payload (after));
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (json_node_get_object (payload), "fields"), "url"),
                   ==, "https://example.edu/new?from=qr");

  /* The audit trail has it, by the database's own trigger. */
  event = last_event (id);
  g_assert_cmpstr (event->action, ==, "update");
  g_assert_cmpstr (event->old_target_url, ==, "https://example.edu/old");
  g_assert_cmpstr (event->new_target_url, ==, "https://example.edu/new?from=qr");
  g_assert_cmpstr (event->actor, !=, "");

  {
    g_autofree char *id_text = g_strdup_printf ("%" G_GINT64_FORMAT, id);
    g_autoptr(Run) run = run_cli (fixture, "codes", "show", id_text);

    assert_success (run);
    g_assert_nonnull (strstr (run->out, "target https://example.edu/old → https://example.edu/new?from=qr\n"));
  }

  /* Refused, and nothing changes. */
  n_events = count_events (id);
  {
    static const struct { const char *target; const char *says; } bad[] = {
      { "javascript:alert(1)", "javascript:alert(1)" },
      { "https://exa mple.edu/", "without spaces" },
      { "ftp://example.edu/file", "https://" },
      { "example.edu", "https://" },
      { "https://", "host" },
    };

    for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
      {
        g_autoptr(Run) run = run_cli (fixture, "codes", "set-target", short_id, bad[i].target);

        assert_error (run, 2, bad[i].says);
      }
  }
  {
    g_autoptr(Run) run = run_cli (fixture, "codes", "set-target", static_id, "https://example.edu/");

    assert_error (run, 2, "static");
  }
  {
    g_autoptr(Run) run = run_cli (fixture, "codes", "set-target", "999999999", "https://example.edu/");

    assert_error (run, 2, "999999999");
  }
  {
    g_autoptr(QrsCode) unchanged = get_code (id);

    g_assert_cmpstr (qrs_code_get_target_url (unchanged), ==, "https://example.edu/new?from=qr");
    g_assert_cmpuint (count_events (id), ==, n_events);
  }
}

static void
test_codes_enable_disable (Fixture       *fixture,
                           gconstpointer  data)
{
  g_autofree char *short_id = NULL;
  g_autofree char *title = g_strdup_printf ("Switch %s", fixture->word);
  gint64 id = add_dynamic (fixture, title, "https://example.edu/switch", &short_id);
  g_autofree char *id_text = g_strdup_printf ("%" G_GINT64_FORMAT, id);
  g_autofree char *static_id = g_strdup_printf ("%" G_GINT64_FORMAT, add_static (fixture, title, "fixed"));

  {
    g_autoptr(Run) run = run_cli (fixture, "codes", "disable", id_text);
    g_autoptr(QrsCode) code = get_code (id);
    g_autoptr(QrsCodeEvent) event = last_event (id);

    assert_success (run);
    g_assert_nonnull (strstr (run->out, "is off"));
    g_assert_false (qrs_code_get_enabled (code));
    g_assert_cmpint (event->old_enabled, ==, 1);
    g_assert_cmpint (event->new_enabled, ==, 0);
  }

  {
    g_autoptr(Run) run = run_cli (fixture, "codes", "disable", short_id);
    g_autoptr(Run) show = run_cli (fixture, "codes", "show", short_id);
    g_autofree char *state = NULL;
    guint n_events = count_events (id);

    assert_success (run);
    g_assert_nonnull (strstr (run->out, "already off"));
    g_assert_cmpuint (count_events (id), ==, n_events);
    assert_success (show);
    state = field (show->out, "state");
    g_assert_true (g_str_has_prefix (state, "off"));
  }

  {
    g_autoptr(Run) run = run_cli (fixture, "codes", "enable", short_id);
    g_autoptr(QrsCode) code = get_code (id);
    g_autoptr(QrsCodeEvent) event = last_event (id);

    assert_success (run);
    g_assert_nonnull (strstr (run->out, "is on"));
    g_assert_true (qrs_code_get_enabled (code));
    g_assert_cmpint (event->new_enabled, ==, 1);
  }

  {
    g_autoptr(Run) run = run_cli (fixture, "codes", "disable", static_id);

    assert_error (run, 2, "static");
  }
  {
    g_autoptr(Run) run = run_cli (fixture, "codes", "enable", "NoSuchId9");

    assert_error (run, 2, "NoSuchId9");
  }
}

/* codes export */

static void
test_codes_export (Fixture       *fixture,
                   gconstpointer  data)
{
  g_autofree char *short_id = NULL;
  g_autofree char *title = g_strdup_printf ("Exported %s", fixture->word);
  gint64 id = add_dynamic (fixture, title, "https://example.edu/exported", &short_id);
  g_autofree char *id_text = g_strdup_printf ("%" G_GINT64_FORMAT, id);
  g_autofree char *static_id = g_strdup_printf ("%" G_GINT64_FORMAT, add_static (fixture, title, "Hola, niño"));
  g_autofree char *short_url = g_strconcat (SHORT_URL_BASE "/r/", short_id, NULL);
  g_autofree char *png = g_build_filename (fixture->out, "dynamic.png", NULL);
  g_autofree char *static_png = g_build_filename (fixture->out, "static.png", NULL);

  {
    g_autoptr(Run) run = run_cli (fixture, "codes", "export", short_id, "-o", "out/dynamic.png");

    assert_success (run);
    g_assert_cmpstr (run->out, ==, "");
  }
  assert_decodes_to (png, short_url);

  {
    g_autoptr(Run) run = run_cli (fixture, "codes", "export", static_id, "-o", "out/static.png", "--info");

    assert_success (run);
    g_assert_nonnull (strstr (run->out, "version: "));
  }
  assert_decodes_to (static_png, "Hola, niño");

  /* The export command's own options: SVG to standard output. */
  {
    g_autoptr(Run) run = run_cli (fixture, "codes", "export", id_text, "--format", "svg", "-o", "-");

    assert_success (run);
    g_assert_true (g_str_has_prefix (run->out, "<?xml") || g_str_has_prefix (run->out, "<svg"));
    g_assert_nonnull (strstr (run->out, title));
  }

  assert_dir (fixture->out, "dynamic.png static.png");

  /* Nothing is written for an unknown code, a missing folder, a bad
   * format or an unreachable database. */
  {
    g_autoptr(Run) run = run_cli (fixture, "codes", "export", "424242424", "-o", "out/unknown.png");

    assert_error (run, 2, "424242424");
  }
  {
    g_autoptr(Run) run = run_cli (fixture, "codes", "export", id_text, "-o", "out/missing/x.png");

    assert_error (run, 2, NULL);
  }
  {
    g_autoptr(Run) run = run_cli (fixture, "codes", "export", id_text, "-o", "out/x.gif");

    assert_error (run, 2, NULL);
  }
  {
    g_autoptr(Run) run = run_cli (fixture, "codes", "export", id_text);

    assert_error (run, 2, "-o FILE");
  }
  {
    g_autoptr(Run) run = run_cli_plain (fixture, NULL, "codes", "export", id_text, "-o", "out/x.png",
                                        "--database", UNREACHABLE);

    assert_error (run, 1, "No database server answers at 127.0.0.1:1");
  }
  assert_dir (fixture->out, "dynamic.png static.png");
}

/* scans export */

static QrsScan *
make_scan (gint64      code_id,
           GDateTime  *when,
           const char *browser)
{
  QrsScan *scan = qrs_scan_new ();

  scan->event_id = g_uuid_string_random ();
  scan->code_id = code_id;
  scan->scanned_at = g_date_time_to_unix (when) * G_USEC_PER_SEC + g_date_time_get_microsecond (when);
  scan->user_agent = g_strdup_printf ("Mozilla/5.0 (test) %s", browser);
  scan->device = g_strdup ("phone");
  scan->os = g_strdup ("Android");
  scan->browser = g_strdup (browser);
  scan->language = g_strdup ("es");

  return scan;
}

static char *
read_text (const char *path)
{
  g_autoptr(GError) error = NULL;
  char *contents = NULL;

  g_file_get_contents (path, &contents, NULL, &error);
  g_assert_no_error (error);

  return contents;
}

/* The event ids of a CSV, in order, checking its header. */
static char *
csv_events (const char *csv)
{
  g_auto(GStrv) lines = g_strsplit (csv, "\n", -1);
  g_autoptr(GString) ids = g_string_new (NULL);

  g_assert_true (g_str_has_prefix (lines[0], "event_id,code_id,short_id,scanned_at,"));
  for (guint i = 1; lines[i] != NULL; i++)
    {
      g_auto(GStrv) cells = NULL;
      char *line = g_strchomp (lines[i]);

      if (*line == '\0')
        continue;
      cells = g_strsplit (line, ",", 3);
      g_string_append_printf (ids, "%s%s", ids->len ? " " : "", cells[0]);
    }

  return g_string_free (g_steal_pointer (&ids), FALSE);
}

static void
test_scans_export (Fixture       *fixture,
                   gconstpointer  data)
{
  g_autofree char *short_a = NULL;
  g_autofree char *short_b = NULL;
  g_autofree char *title = g_strdup_printf ("Scanned %s", fixture->word);
  gint64 a = add_dynamic (fixture, title, "https://example.edu/a", &short_a);
  gint64 b = add_dynamic (fixture, title, "https://example.edu/b", &short_b);
  g_autofree char *a_text = g_strdup_printf ("%" G_GINT64_FORMAT, a);
  g_autoptr(GDateTime) t1 = g_date_time_new_utc (2024, 3, 10, 10, 0, 0);
  g_autoptr(GDateTime) t2 = g_date_time_new_utc (2024, 3, 11, 23, 59, 59.5);
  g_autoptr(GDateTime) t3 = g_date_time_new_utc (2024, 3, 12, 0, 0, 0);
  g_autoptr(GDateTime) t4 = g_date_time_new_utc (2024, 3, 11, 12, 0, 0);
  g_autoptr(QrsScanStore) store = qrs_scan_store_new (shared_database);
  g_autoptr(GPtrArray) scans = g_ptr_array_new_with_free_func ((GDestroyNotify)qrs_scan_free);
  g_autoptr(GError) error = NULL;
  g_autofree char *csv_path = g_build_filename (fixture->out, "scans.csv", NULL);
  g_autofree char *expected_a = NULL;
  g_autofree char *expected_all = NULL;
  guint n_inserted = 0;

  g_ptr_array_add (scans, make_scan (a, t1, "Firefox"));
  g_ptr_array_add (scans, make_scan (a, t2, "Chrome, \"quoted\""));
  g_ptr_array_add (scans, make_scan (a, t3, "Safari"));
  g_ptr_array_add (scans, make_scan (b, t4, "Samsung Internet"));
  qrs_scan_store_insert (store, (QrsScan * const *)scans->pdata, scans->len, &n_inserted, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (n_inserted, ==, 4);

#define EVENT(i) (((QrsScan *)g_ptr_array_index (scans, i))->event_id)
  expected_a = g_strdup_printf ("%s %s", EVENT (0), EVENT (1));
  expected_all = g_strdup_printf ("%s %s %s", EVENT (0), EVENT (3), EVENT (1));

  /* One code, two whole UTC days: the scan at midnight after is out. */
  {
    g_autoptr(Run) run = run_cli (fixture, "scans", "export", "--code", short_a, "--since", "2024-03-10",
                                  "--until", "2024-03-11", "-o", "out/scans.csv");
    g_autofree char *csv = NULL;
    g_autofree char *events = NULL;

    assert_success (run);
    g_assert_cmpstr (run->out, ==, "2 scans written to out/scans.csv\n");
    csv = read_text (csv_path);
    events = csv_events (csv);
    g_assert_cmpstr (events, ==, expected_a);
    g_assert_nonnull (strstr (csv, "\"Chrome, \"\"quoted\"\"\""));
    g_assert_nonnull (strstr (csv, short_a));
    g_assert_nonnull (strstr (csv, "2024-03-11T23:59:59.500000Z"));
  }

  /* Every code, by exact times, to standard output. */
  {
    g_autoptr(Run) run = run_cli (fixture, "scans", "export", "--since", "2024-03-10T10:00:00Z",
                                  "--until", "2024-03-12T01:00:00+01:00", "-o", "-");
    g_autofree char *events = NULL;

    g_assert_cmpint (run->status, ==, 0);
    g_assert_cmpstr (run->err, ==, "3 scans exported\n");
    events = csv_events (run->out);
    g_assert_cmpstr (events, ==, expected_all);
  }

  /* By number; nothing in range is an empty CSV, not an error. */
  {
    g_autoptr(Run) run = run_cli (fixture, "scans", "export", "--code", a_text, "--since", "2024-04-01",
                                  "-o", "out/empty.csv");
    g_autofree char *path = g_build_filename (fixture->out, "empty.csv", NULL);
    g_autofree char *csv = NULL;
    g_autofree char *events = NULL;

    assert_success (run);
    csv = read_text (path);
    events = csv_events (csv);
    g_assert_cmpstr (events, ==, "");
    g_unlink (path);
  }

  /* Bad input, an unreachable database: the file as it was, no other. */
  {
    static const struct { const char *args[6]; int status; const char *says; } bad[] = {
      { { "--since", "2024-02-30" }, 2, "2024-02-30" },
      { { "--until", "yesterday" }, 2, "yesterday" },
      { { "--since", "2024-03-12", "--until", "2024-03-11" }, 2, "--until" },
      { { "--code", "NoSuchCode" }, 2, "NoSuchCode" },
      { { "surplus" }, 2, "surplus" },
      { { "--database", UNREACHABLE }, 1, "127.0.0.1:1" },
    };

    g_file_set_contents (csv_path, "old\n", -1, &error);
    g_assert_no_error (error);

    for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
      {
        g_autoptr(GPtrArray) args = g_ptr_array_new ();
        g_autoptr(Run) run = NULL;
        g_autofree char *csv = NULL;
        gboolean own_database = FALSE;

        g_ptr_array_add (args, (char *)"scans");
        g_ptr_array_add (args, (char *)"export");
        for (guint j = 0; j < G_N_ELEMENTS (bad[i].args) && bad[i].args[j] != NULL; j++)
          {
            own_database |= g_str_equal (bad[i].args[j], "--database");
            g_ptr_array_add (args, (char *)bad[i].args[j]);
          }
        g_ptr_array_add (args, (char *)"-o");
        g_ptr_array_add (args, (char *)"out/scans.csv");
        if (!own_database)
          {
            g_ptr_array_add (args, (char *)"--database");
            g_ptr_array_add (args, shared_conninfo);
          }
        g_ptr_array_add (args, NULL);

        run = run_cli_env (fixture, NULL, (const char * const *)args->pdata);
        assert_error (run, bad[i].status, bad[i].says);
        csv = read_text (csv_path);
        g_assert_cmpstr (csv, ==, "old\n");
      }
  }
  {
    g_autoptr(Run) no_output = run_cli (fixture, "scans", "export");
    g_autoptr(Run) folder = run_cli (fixture, "scans", "export", "-o", "out");
    g_autoptr(Run) missing = run_cli (fixture, "scans", "export", "-o", "out/missing/scans.csv");

    assert_error (no_output, 2, "-o");
    assert_error (folder, 2, "folder");
    assert_error (missing, 2, "missing");
  }
  assert_dir (fixture->out, "scans.csv");
#undef EVENT
}

/* Everything else that must be one line and a status */

/* scans reclassify */

static const char reclassify_iphone[] =
  "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 "
  "(KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1";
static const char reclassify_bot[] =
  "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)";

/* "device is_bot" of the scans of July 2023, which only this test makes. */
static char *
july_analyses (void)
{
  return qrs_test_sql_value (shared_dbname,
                             "SELECT string_agg(device || ' ' || is_bot, ', ' ORDER BY scanned_at)"
                             "  FROM scans WHERE scanned_at >= '2023-07-01Z' AND scanned_at < '2023-08-01Z'");
}

static void
test_scans_reclassify (Fixture       *fixture,
                       gconstpointer  data)
{
  g_autofree char *title = g_strdup_printf ("Reclassified %s", fixture->word);
  gint64 code = add_dynamic (fixture, title, "https://example.edu/r", NULL);
  g_autoptr(GDateTime) t1 = g_date_time_new_utc (2023, 7, 10, 9, 0, 0);
  g_autoptr(GDateTime) t2 = g_date_time_new_utc (2023, 7, 10, 10, 0, 0);
  g_autoptr(QrsScanStore) store = qrs_scan_store_new (shared_database);
  g_autoptr(GPtrArray) scans = g_ptr_array_new_with_free_func ((GDestroyNotify)qrs_scan_free);
  g_autoptr(GError) error = NULL;
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;
  QrsScan *scan;
  guint n_inserted = 0;

  /* An iPhone taken for a desktop, Googlebot for a person. */
  scan = make_scan (code, t1, "Other");
  g_free (scan->user_agent);
  scan->user_agent = g_strdup (reclassify_iphone);
  g_free (scan->device);
  scan->device = g_strdup ("desktop");
  g_ptr_array_add (scans, scan);
  scan = make_scan (code, t2, "Other");
  g_free (scan->user_agent);
  scan->user_agent = g_strdup (reclassify_bot);
  g_ptr_array_add (scans, scan);
  qrs_scan_store_insert (store, (QrsScan * const *)scans->pdata, scans->len, &n_inserted, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (n_inserted, ==, 2);
  before = july_analyses ();
  g_assert_cmpstr (before, ==, "desktop false, phone false");

  /* Only the database's owner may: a member of qrstudio_editor is told so. */
  {
    g_autofree char *login = qrs_test_create_login ("qrstudio_editor");
    g_autofree char *conninfo = qrs_test_conninfo_for (shared_dbname, login, QRS_TEST_PASSWORD);
    g_autoptr(Run) run = run_cli_plain (fixture, NULL, "scans", "reclassify", "--since", "2023-07-10",
                                        "--until", "2023-07-10", "--database", conninfo);
    g_autofree char *unchanged = NULL;

    assert_error (run, 1, "owner");
    g_assert_nonnull (strstr (run->err, "Nothing was changed"));
    unchanged = july_analyses ();
    g_assert_cmpstr (unchanged, ==, before);
  }

  {
    g_autoptr(Run) run = run_cli (fixture, "scans", "reclassify", "--since", "2023-07-10",
                                  "--until", "2023-07-10", "--dry-run");
    g_autofree char *unchanged = NULL;

    assert_success (run);
    g_assert_cmpstr (run->out, ==,
                     "2 scans in the range\n"
                     "2 different user agents classified again\n"
                     "2 scans would change\n"
                     "1 day would be counted again\n"
                     "Nothing was changed: this was a dry run.\n");
    unchanged = july_analyses ();
    g_assert_cmpstr (unchanged, ==, before);
  }

  {
    g_autoptr(Run) run = run_cli (fixture, "scans", "reclassify", "--since", "2023-07-10",
                                  "--until", "2023-07-10");

    assert_success (run);
    g_assert_cmpstr (run->out, ==,
                     "2 scans in the range\n"
                     "2 different user agents classified again\n"
                     "2 scans changed\n"
                     "1 day counted again\n");
    after = july_analyses ();
    g_assert_cmpstr (after, ==, "mobile false, bot true");
  }

  /* Bad input changes nothing. */
  {
    g_autoptr(Run) run = run_cli (fixture, "scans", "reclassify", "--since", "2023-07-10",
                                  "--until", "2023-07-09");

    assert_error (run, 2, "--until");
  }
  {
    g_autoptr(Run) run = run_cli (fixture, "scans", "reclassify", "--since", "July");

    assert_error (run, 2, "--since");
  }
}

static void
test_bad_input (Fixture       *fixture,
                gconstpointer  data)
{
  static const struct { const char *args[6]; int status; const char *says; } cases[] = {
    { { "codes", "frobnicate" }, 2, "frobnicate" },
    { { "db" }, 2, "migrate" },
    { { "scans", "import" }, 2, "import" },
    { { "codes", "show" }, 2, "which code" },
    { { "codes", "show", "not a code!" }, 2, "not a code" },
    { { "codes", "show", "123456789" }, 2, "123456789" },
    { { "codes", "show", "1", "2" }, 2, "“2”" },
    { { "codes", "list", "--limit", "-1" }, 2, "--limit" },
    { { "codes", "list", "--limit", "many" }, 2, "many" },
    { { "codes", "list", "--sort", "colour" }, 2, "colour" },
    { { "codes", "list", "--format", "xml" }, 2, "xml" },
    { { "codes", "set-target" }, 2, "which code" },
    { { "codes", "set-target", "1" }, 2, "say where code “1” should lead" },
    { { "db", "migrate", "now" }, 2, "now" },
  };
  static const struct { const char *args[6]; } unreachable[] = {
    { { "db", "status" } },
    { { "db", "migrate" } },
    { { "codes", "list" } },
    { { "codes", "add", "--text", "hello" } },
    { { "codes", "disable", "1" } },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GPtrArray) args = g_ptr_array_new ();
      g_autoptr(Run) run = NULL;

      for (guint j = 0; j < G_N_ELEMENTS (cases[i].args) && cases[i].args[j] != NULL; j++)
        g_ptr_array_add (args, (char *)cases[i].args[j]);
      g_ptr_array_add (args, (char *)"--database");
      g_ptr_array_add (args, shared_conninfo);
      g_ptr_array_add (args, NULL);

      run = run_cli_env (fixture, NULL, (const char * const *)args->pdata);
      assert_error (run, cases[i].status, cases[i].says);
    }

  /* No server: status 1, whether the address came from --database or
   * from $QRSTUDIO_DATABASE. */
  for (guint i = 0; i < G_N_ELEMENTS (unreachable); i++)
    {
      g_autoptr(GPtrArray) args = g_ptr_array_new ();
      const char *env[] = { "QRSTUDIO_DATABASE=" UNREACHABLE, NULL };
      g_autoptr(Run) by_option = NULL;
      g_autoptr(Run) by_variable = NULL;

      for (guint j = 0; j < G_N_ELEMENTS (unreachable[i].args) && unreachable[i].args[j] != NULL; j++)
        g_ptr_array_add (args, (char *)unreachable[i].args[j]);
      g_ptr_array_add (args, NULL);
      by_variable = run_cli_env (fixture, env, (const char * const *)args->pdata);
      assert_error (by_variable, 1, "No database server answers at 127.0.0.1:1");

      g_ptr_array_remove_index (args, args->len - 1);
      g_ptr_array_add (args, (char *)"--database");
      g_ptr_array_add (args, (char *)UNREACHABLE);
      g_ptr_array_add (args, NULL);
      by_option = run_cli_env (fixture, NULL, (const char * const *)args->pdata);
      assert_error (by_option, 1, "No database server answers at 127.0.0.1:1");
    }

  /* Settings that are not a connection at all are bad input. */
  {
    g_autoptr(Run) run = run_cli_plain (fixture, NULL, "codes", "list", "--database", "not a conninfo!");

    assert_error (run, 2, "not a conninfo!");
  }
  assert_dir (fixture->out, "");
}

static void
test_help (Fixture       *fixture,
           gconstpointer  data)
{
  static const struct { const char *args[4]; const char *says; } cases[] = {
    { { "--help" }, "  codes " },
    { { "codes", "--help" }, "set-target" },
    { { "db", "help" }, "status" },
    { { "help", "codes" }, "export" },
    { { "codes", "help", "add" }, "--dynamic" },
    { { "codes", "add", "--help-design" }, "--logo" },
    { { "scans", "export", "--help" }, "--since" },
    { { "db", "migrate", "--help" }, "--database" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(Run) run = run_cli_env (fixture, NULL, cases[i].args);

      assert_success (run);
      if (strstr (run->out, cases[i].says) == NULL)
        g_error ("the help of “%s %s” does not mention %s:\n%s", cases[i].args[0],
                 cases[i].args[1] ? cases[i].args[1] : "", cases[i].says, run->out);
    }
}

int
main (int    argc,
      char **argv)
{
  g_autoptr(GError) error = NULL;
  int status;

  g_test_init (&argc, &argv, NULL);

  cli_path = argc > 1 ? argv[1] : g_getenv ("QRS_CLI");
  if (cli_path == NULL)
    g_error ("give the path of qrstudio-cli as the first argument or in QRS_CLI");

  qrs_test_require_server ();
  shared_database = qrs_test_open_migrated (&shared_dbname);
  shared_conninfo = qrs_test_conninfo_for (shared_dbname, NULL, NULL);

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_setup, func, fixture_teardown)

  ADD ("/cli-admin/db/migrate", test_db_migrate);
  ADD ("/cli-admin/db/schema-too-new", test_db_schema_too_new);
  ADD ("/cli-admin/db/not-migrated", test_db_not_migrated);
  ADD ("/cli-admin/codes/add-static", test_codes_add_static);
  ADD ("/cli-admin/codes/add-dynamic", test_codes_add_dynamic);
  ADD ("/cli-admin/codes/add-bad-input", test_codes_add_bad_input);
  ADD ("/cli-admin/codes/add-logo", test_codes_add_logo);
  ADD ("/cli-admin/codes/list", test_codes_list);
  ADD ("/cli-admin/codes/search", test_codes_search);
  ADD ("/cli-admin/codes/set-target", test_codes_set_target);
  ADD ("/cli-admin/codes/enable-disable", test_codes_enable_disable);
  ADD ("/cli-admin/codes/export", test_codes_export);
  ADD ("/cli-admin/scans/export", test_scans_export);
  ADD ("/cli-admin/scans/reclassify", test_scans_reclassify);
  ADD ("/cli-admin/bad-input", test_bad_input);
  ADD ("/cli-admin/help", test_help);

#undef ADD

  status = g_test_run ();

  g_clear_object (&shared_database);
  g_free (shared_conninfo);
  g_free (shared_dbname);

  return status;
}
