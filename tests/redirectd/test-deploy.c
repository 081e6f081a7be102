/* test-deploy.c — docs/deploy's monitoring, checked by Prometheus's own
 * promtool against the daemon's real /metrics
 *
 * An alert on a metric the daemon never exports stays silent forever;
 * a dashboard panel on one stays empty.  These tests run what an
 * administrator would deploy: the scrape configuration and its rules
 * through `promtool check config`, the rules through unit tests of when
 * each alert fires (tests/redirectd/alerts-test.yml), and a running
 * daemon's exposition through `promtool check metrics`; then every
 * metric name the rules and the Grafana dashboard use must be one the
 * daemon exports.  Traefik, which Debian 12 does not package, is held to
 * SchemaStore's schema of its configuration by the TypeScript compiler.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <signal.h>
#include <string.h>

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

#include "redirectd-test-util.h"

#define SNAPSHOT \
  "{\"format\":\"qrstudio-redirectd-routes\",\"version\":1,\"saved_at\":0,\"routes\":[" \
  "{\"code_id\":21,\"short_id\":\"poster1\",\"target_url\":\"https://example.edu/poster\"," \
  " \"enabled\":true,\"expires_at\":0,\"utm_passthrough\":false}" \
  "]}"

static char *
deploy_path (const char *name)
{
  const char *root = g_getenv ("QRS_SOURCE_ROOT");

  g_assert_nonnull (root);
  return g_build_filename (root, "docs", "deploy", name, NULL);
}

static char *
read_text (const char *path)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;

  g_file_get_contents (path, &text, NULL, &error);
  g_assert_no_error (error);
  return g_steal_pointer (&text);
}

/* promtool, or the test fails saying how to get it. */
static char *
find_promtool (void)
{
  char *path = g_find_program_in_path ("promtool");

  if (path == NULL)
    g_error ("promtool is missing: install Debian's prometheus package (tools/setup does)");
  return path;
}

/* Runs promtool in @dir; returns its exit status, its output in @output. */
static int
promtool (const char  *dir,
          const char  *input,
          char       **output,
          ...)
{
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *tool = find_promtool ();
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  const char *arg;
  va_list args;

  g_ptr_array_add (argv, tool);
  va_start (args, output);
  while ((arg = va_arg (args, const char *)) != NULL)
    g_ptr_array_add (argv, (gpointer)arg);
  va_end (args);
  g_ptr_array_add (argv, NULL);

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDIN_PIPE |
                                        G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                                        G_SUBPROCESS_FLAGS_STDERR_PIPE);
  g_subprocess_launcher_set_cwd (launcher, dir);
  process = g_subprocess_launcher_spawnv (launcher, (const char * const *)argv->pdata, &error);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (process, input, NULL, &out, &err, &error);
  g_assert_no_error (error);

  *output = g_strconcat (out ? out : "", err ? err : "", NULL);
  g_assert_true (g_subprocess_get_if_exited (process));
  return g_subprocess_get_exit_status (process);
}

/* A scratch folder holding copies of docs/deploy's files, as an
 * administrator would put them side by side in /etc/prometheus. */
static char *
scratch_with (const char * const *names)
{
  g_autoptr(GError) error = NULL;
  char *dir = g_dir_make_tmp ("qrs-deploy-XXXXXX", &error);

  g_assert_no_error (error);
  for (guint i = 0; names[i] != NULL; i++)
    {
      const char *root = g_getenv ("QRS_SOURCE_ROOT");
      g_autofree char *source = g_str_has_suffix (names[i], "-test.yml")
        ? g_build_filename (root, "tests", "redirectd", names[i], NULL)
        : deploy_path (names[i]);
      g_autofree char *text = read_text (source);
      g_autofree char *copy = g_build_filename (dir, names[i], NULL);

      g_assert_true (g_file_set_contents (copy, text, -1, NULL));
    }
  return dir;
}

static void
test_prometheus_config (void)
{
  g_autofree char *dir = scratch_with ((const char *[]) { "prometheus.yml", "qrstudio-alerts.yml", NULL });
  g_autofree char *output = NULL;
  int status;

  status = promtool (dir, NULL, &output, "check", "config", "prometheus.yml", NULL);
  g_test_message ("%s", output);
  g_assert_cmpint (status, ==, 0);
  /* The configuration really loads the rules file. */
  g_assert_nonnull (strstr (output, "1 rule files found"));
  g_assert_nonnull (strstr (output, "7 rules found"));
  remove_tree (dir);
}

static void
test_alert_rules_fire (void)
{
  g_autofree char *dir = scratch_with ((const char *[]) { "qrstudio-alerts.yml", "alerts-test.yml", NULL });
  g_autofree char *output = NULL;
  int status;

  status = promtool (dir, NULL, &output, "test", "rules", "alerts-test.yml", NULL);
  g_test_message ("%s", output);
  g_assert_cmpint (status, ==, 0);
  g_assert_nonnull (strstr (output, "SUCCESS"));
  remove_tree (dir);
}

/* Every qrstudio_… name in @text. */
static void
collect_names (const char *text,
               GHashTable *names)
{
  g_autoptr(GRegex) regex = g_regex_new ("qrstudio_[a-z_]+", 0, 0, NULL);
  g_autoptr(GMatchInfo) match = NULL;

  g_regex_match (regex, text, 0, &match);
  while (g_match_info_matches (match))
    {
      g_hash_table_add (names, g_match_info_fetch (match, 0));
      g_match_info_next (match, NULL);
    }
}

static void
collect_dashboard_names (JsonNode   *node,
                         GHashTable *names)
{
  if (JSON_NODE_HOLDS_OBJECT (node))
    {
      JsonObject *object = json_node_get_object (node);
      g_autoptr(GList) members = json_object_get_members (object);

      for (GList *l = members; l != NULL; l = l->next)
        collect_dashboard_names (json_object_get_member (object, l->data), names);
    }
  else if (JSON_NODE_HOLDS_ARRAY (node))
    {
      JsonArray *array = json_node_get_array (node);

      for (guint i = 0; i < json_array_get_length (array); i++)
        collect_dashboard_names (json_array_get_element (array, i), names);
    }
  else if (JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING)
    collect_names (json_node_get_string (node), names);
}

static void
test_metrics_exposition (void)
{
  Fixture fixture = { 0, };
  g_autoptr(GError) error = NULL;
  g_autofree char *snapshot = NULL;
  g_autofree char *uri = NULL;
  g_autofree char *exposition = NULL;
  g_autofree char *output = NULL;
  g_autofree char *rules = NULL;
  g_autofree char *rules_path = deploy_path ("qrstudio-alerts.yml");
  g_autofree char *dashboard_path = deploy_path ("grafana-dashboard.json");
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GHashTable) used = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(SoupMessage) msg = NULL;
  g_autoptr(GBytes) body = NULL;
  GHashTableIter iter;
  const char *name;
  guint missing = 0;
  int status;

  fixture.dir = g_dir_make_tmp ("qrs-redirectd-XXXXXX", NULL);
  fixture.config_path = g_build_filename (fixture.dir, "redirectd.conf", NULL);
  write_config (&fixture, "[redirectd]\n");
  snapshot = g_build_filename (fixture.dir, "routes.json", NULL);
  g_assert_true (g_file_set_contents (snapshot, SNAPSHOT, -1, NULL));
  fixture.session = soup_session_new_with_options ("timeout", 10, NULL);
  daemon_start (&fixture, (const char *[]) { "--database=none", "--workers=2", NULL });

  /* Some traffic, so that the labelled series and the histogram exist. */
  {
    g_auto(Reply) found = request (&fixture, "GET", "/r/poster1", NULL);
    g_auto(Reply) unknown = request (&fixture, "GET", "/r/nothing", NULL);
    g_auto(Reply) wrong = request (&fixture, "POST", "/r/poster1", NULL);

    g_assert_cmpuint (found.status, ==, 302);
    g_assert_cmpuint (unknown.status, ==, 404);
    g_assert_cmpuint (wrong.status, ==, 405);
  }

  uri = g_strdup_printf ("http://127.0.0.1:%u/metrics", fixture.metrics_port);
  msg = soup_message_new ("GET", uri);
  body = soup_session_send_and_read (fixture.session, msg, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (soup_message_get_status (msg), ==, 200);
  exposition = g_strndup (g_bytes_get_data (body, NULL), g_bytes_get_size (body));

  /* Prometheus's own parser and linter (naming, units, HELP and TYPE). */
  status = promtool (fixture.dir, exposition, &output, "check", "metrics", NULL);
  if (status != 0 || *output != '\0')
    g_error ("promtool check metrics (exit status %d):\n%s\nof:\n%s", status, output, exposition);

  /* Every name the alert rules and the dashboard query is exported. */
  rules = read_text (rules_path);
  collect_names (rules, used);
  json_parser_load_from_file (parser, dashboard_path, &error);
  g_assert_no_error (error);
  collect_dashboard_names (json_parser_get_root (parser), used);
  g_assert_cmpuint (g_hash_table_size (used), >=, 10);

  g_hash_table_iter_init (&iter, used);
  while (g_hash_table_iter_next (&iter, (gpointer *)&name, NULL))
    {
      g_autofree char *as_line = g_strdup_printf ("\n%s ", name);
      g_autofree char *as_labelled = g_strdup_printf ("\n%s{", name);

      if (strstr (exposition, as_line) == NULL && strstr (exposition, as_labelled) == NULL)
        {
          g_test_message ("%s is queried but not exported", name);
          missing++;
        }
    }
  g_test_message ("%u metric names used by the rules and the dashboard, %u missing",
                  g_hash_table_size (used), missing);
  g_assert_cmpuint (missing, ==, 0);

  daemon_stop (&fixture, SIGTERM);
  g_clear_object (&fixture.session);
  remove_tree (fixture.dir);
  g_free (fixture.dir);
  g_free (fixture.config_path);
}

/* Traefik is not packaged in Debian 12, so its two configurations are held
 * to the TypeScript types that SchemaStore generates from its Traefik v3
 * schema (tests/deploy/package.json pins them and the compiler): each
 * YAML file, as JSON, is an object literal assigned to the declared type,
 * so tsc --strict rejects a misspelt key, a wrong type or an option a
 * middleware does not have.  This checks the configurations' shape, not a
 * running Traefik. */

static char *
node_modules_path (const char *first,
                   ...)
{
  const char *root = g_getenv ("QRS_SOURCE_ROOT");
  g_autoptr(GPtrArray) parts = g_ptr_array_new ();
  const char *part;
  va_list args;

  g_assert_nonnull (root);
  g_ptr_array_add (parts, (gpointer)root);
  g_ptr_array_add (parts, (gpointer)"tests");
  g_ptr_array_add (parts, (gpointer)"deploy");
  g_ptr_array_add (parts, (gpointer)"node_modules");
  va_start (args, first);
  for (part = first; part != NULL; part = va_arg (args, const char *))
    g_ptr_array_add (parts, (gpointer)part);
  va_end (args);
  g_ptr_array_add (parts, NULL);
  return g_build_filenamev ((char **)parts->pdata);
}

/* node and the pinned tsc; without them the test is skipped, saying why,
 * rather than passed. */
static gboolean
find_typescript (char **node,
                 char **tsc)
{
  *node = g_find_program_in_path ("node");
  if (*node == NULL)
    {
      g_test_skip ("node is missing: install Debian's nodejs and npm, then run tools/setup");
      return FALSE;
    }
  *tsc = node_modules_path ("typescript", "bin", "tsc", NULL);
  if (!g_file_test (*tsc, G_FILE_TEST_EXISTS))
    {
      g_test_skip ("tests/deploy/node_modules is missing: run tools/setup (npm ci in tests/deploy)");
      g_clear_pointer (node, g_free);
      g_clear_pointer (tsc, g_free);
      return FALSE;
    }
  return TRUE;
}

/* Runs @argv in @dir with @input on its standard input; returns its exit
 * status, its standard output in @out and its standard error in @err. */
static int
run_tool (const char         *dir,
          const char * const *argv,
          const char         *input,
          char              **out,
          char              **err)
{
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GError) error = NULL;

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDIN_PIPE |
                                        G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                                        G_SUBPROCESS_FLAGS_STDERR_PIPE);
  g_subprocess_launcher_set_cwd (launcher, dir);
  process = g_subprocess_launcher_spawnv (launcher, argv, &error);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (process, input, NULL, out, err, &error);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_if_exited (process));
  return g_subprocess_get_exit_status (process);
}

/* YAML as Traefik's file provider reads it, as JSON, by Debian's
 * python3-yaml. */
static char *
yaml_to_json (const char *yaml)
{
  g_autofree char *python = g_find_program_in_path ("python3");
  g_autofree char *err = NULL;
  char *json = NULL;
  int status;

  if (python == NULL)
    g_error ("python3 is missing: install Debian's python3-yaml (tools/setup does)");
  status = run_tool (g_get_tmp_dir (),
                     (const char *[]) { python, "-c",
                                        "import json, sys, yaml\n"
                                        "json.dump(yaml.safe_load(sys.stdin), sys.stdout, indent=2)\n",
                                        NULL },
                     yaml, &json, &err);
  if (status != 0)
    g_error ("python3 could not read the YAML (exit status %d): %s", status, err);
  return json;
}

/* Type-checks each of @yamls against @type_name of the SchemaStore
 * package @package, in @dir as @names[i].ts, in one run of tsc; returns
 * its exit status, what it said in @output.
 *
 * Twice: against the types as published, and against a copy without the
 * index signatures ([k: string]: unknown) the schema leaves on some
 * nested objects (a router's tls, a health check, the top level of the
 * static configuration), where a misspelt key is a mistake all the same. */
static int
typecheck (const char         *dir,
           const char         *package,
           const char         *type_name,
           const char * const *names,
           const char * const *yamls,
           char              **output)
{
  g_autofree char *node = NULL;
  g_autofree char *tsc = NULL;
  g_autofree char *published = node_modules_path ("@schemastore", package, NULL);
  g_autofree char *types_path = node_modules_path ("@schemastore", package, "index.d.ts", NULL);
  g_autofree char *types = read_text (types_path);
  g_autofree char *strict_types = NULL;
  g_autofree char *strict_path = g_build_filename (dir, "strict.d.ts", NULL);
  g_autoptr(GRegex) open_keys = g_regex_new ("^\\s*\\[k: string\\]: unknown \\| undefined;\\n",
                                              G_REGEX_MULTILINE, 0, NULL);
  g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  int status;

  g_assert_true (find_typescript (&node, &tsc));
  strict_types = g_regex_replace_literal (open_keys, types, -1, 0, "", 0, NULL);
  g_assert_cmpuint (strlen (strict_types), <, strlen (types));
  g_assert_true (g_file_set_contents (strict_path, strict_types, -1, NULL));

  g_ptr_array_add (argv, g_strdup (node));
  g_ptr_array_add (argv, g_strdup (tsc));
  g_ptr_array_add (argv, g_strdup ("--strict"));
  g_ptr_array_add (argv, g_strdup ("--noEmit"));
  g_ptr_array_add (argv, g_strdup ("--pretty"));
  g_ptr_array_add (argv, g_strdup ("false"));
  for (guint i = 0; names[i] != NULL; i++)
    {
      g_autofree char *json = yaml_to_json (yamls[i]);
      g_autofree char *file = g_strconcat (names[i], ".ts", NULL);
      g_autofree char *path = g_build_filename (dir, file, NULL);
      g_autofree char *source = NULL;

      source = g_strdup_printf ("import type { %s as Published } from \"%s\";\n"
                                "import type { %s as Strict } from \"./strict\";\n"
                                "export const published: Published = %s;\n"
                                "export const strict: Strict = %s;\n",
                                type_name, published, type_name, json, json);
      g_assert_true (g_file_set_contents (path, source, -1, NULL));
      g_ptr_array_add (argv, g_steal_pointer (&file));
    }
  g_ptr_array_add (argv, NULL);

  status = run_tool (dir, (const char * const *)argv->pdata, NULL, &out, &err);
  *output = g_strconcat (out ? out : "", err ? err : "", NULL);
  return status;
}

/* The value at @path (members separated by '/') in @root, which must
 * exist. */
static JsonNode *
json_at (JsonNode   *root,
         const char *path)
{
  g_auto(GStrv) members = g_strsplit (path, "/", -1);
  JsonNode *node = root;

  for (guint i = 0; members[i] != NULL; i++)
    {
      JsonObject *object;

      if (!JSON_NODE_HOLDS_OBJECT (node))
        g_error ("%s: %s is not an object", path, members[i]);
      object = json_node_get_object (node);
      if (!json_object_has_member (object, members[i]))
        g_error ("%s: no %s", path, members[i]);
      node = json_object_get_member (object, members[i]);
    }
  return node;
}

static JsonParser *
parse_yaml (const char *name)
{
  g_autofree char *path = deploy_path (name);
  g_autofree char *yaml = read_text (path);
  g_autofree char *json = yaml_to_json (yaml);
  g_autoptr(GError) error = NULL;
  JsonParser *parser = json_parser_new ();

  json_parser_load_from_data (parser, json, -1, &error);
  g_assert_no_error (error);
  return parser;
}

/* The first number after @pattern's group in nginx.conf. */
static gint64
nginx_number (const char *nginx,
              const char *pattern)
{
  g_autoptr(GRegex) regex = g_regex_new (pattern, 0, 0, NULL);
  g_autoptr(GMatchInfo) match = NULL;
  g_autofree char *digits = NULL;

  if (!g_regex_match (regex, nginx, 0, &match))
    g_error ("nginx.conf has no %s", pattern);
  digits = g_match_info_fetch (match, 1);
  return g_ascii_strtoll (digits, NULL, 10);
}

static void
test_traefik_dynamic (void)
{
  g_autofree char *node = NULL;
  g_autofree char *tsc = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *path = deploy_path ("traefik.yml");
  g_autofree char *yaml = read_text (path);
  g_autofree char *output = NULL;
  g_autofree char *nginx_path = deploy_path ("nginx.conf");
  g_autofree char *nginx = read_text (nginx_path);
  g_autoptr(JsonParser) parser = NULL;
  JsonNode *root;
  JsonNode *middlewares;
  int status;

  if (!find_typescript (&node, &tsc))
    return;
  dir = g_dir_make_tmp ("qrs-traefik-XXXXXX", &error);
  g_assert_no_error (error);
  status = typecheck (dir, "traefik-v3-file-provider", "HttpsJsonSchemastoreOrgTraefikV3FileProviderJson",
                      (const char *[]) { "traefik", NULL }, (const char *[]) { yaml, NULL }, &output);
  g_test_message ("tsc (exit status %d): %s", status, output);
  g_assert_cmpint (status, ==, 0);
  remove_tree (dir);

  /* The limits say what nginx.conf says, which the README promises. */
  parser = parse_yaml ("traefik.yml");
  root = json_parser_get_root (parser);
  middlewares = json_at (root, "http/middlewares");
  g_assert_cmpint (json_node_get_int (json_at (middlewares, "qrstudio-ratelimit/rateLimit/average")), ==,
                   nginx_number (nginx, "rate=([0-9]+)r/s"));
  g_assert_cmpstr (json_node_get_string (json_at (middlewares, "qrstudio-ratelimit/rateLimit/period")), ==, "1s");
  g_assert_cmpint (json_node_get_int (json_at (middlewares, "qrstudio-ratelimit/rateLimit/burst")), ==,
                   nginx_number (nginx, "limit_req zone=qrstudio_redirects burst=([0-9]+)"));
  g_assert_cmpint (json_node_get_int (json_at (middlewares, "qrstudio-inflight/inFlightReq/amount")), ==,
                   nginx_number (nginx, "limit_conn qrstudio_conns ([0-9]+)"));
  g_assert_cmpint (json_node_get_int (json_at (middlewares, "qrstudio-hsts/headers/stsSeconds")), ==,
                   nginx_number (nginx, "Strict-Transport-Security \"max-age=([0-9]+); includeSubDomains\""));
  g_assert_true (json_node_get_boolean (json_at (middlewares, "qrstudio-hsts/headers/stsIncludeSubdomains")));
}

/* Every name in the array @member of @router is a member of @defined. */
static void
assert_defined (JsonObject *router,
                const char *member,
                JsonObject *defined,
                const char *what)
{
  JsonArray *names;

  if (!json_object_has_member (router, member))
    return;
  names = json_object_get_array_member (router, member);
  for (guint i = 0; i < json_array_get_length (names); i++)
    {
      const char *name = json_array_get_string_element (names, i);

      if (!json_object_has_member (defined, name))
        g_error ("a router uses the %s %s, which is not defined", what, name);
    }
}

static void
test_traefik_static (void)
{
  g_autofree char *node = NULL;
  g_autofree char *tsc = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *path = deploy_path ("traefik-static.yml");
  g_autofree char *yaml = read_text (path);
  g_autofree char *output = NULL;
  g_autoptr(JsonParser) static_parser = NULL;
  g_autoptr(JsonParser) dynamic_parser = NULL;
  JsonObject *entry_points;
  JsonObject *resolvers;
  JsonObject *http;
  JsonObject *routers;
  g_autoptr(GList) names = NULL;
  int status;

  if (!find_typescript (&node, &tsc))
    return;
  dir = g_dir_make_tmp ("qrs-traefik-XXXXXX", &error);
  g_assert_no_error (error);
  status = typecheck (dir, "traefik-v3", "TraefikV3StaticConfiguration",
                      (const char *[]) { "traefik-static", NULL }, (const char *[]) { yaml, NULL }, &output);
  g_test_message ("tsc (exit status %d): %s", status, output);
  g_assert_cmpint (status, ==, 0);
  remove_tree (dir);

  /* What the types cannot see: the two halves refer to each other by
   * name, and Traefik drops a router whose names lead nowhere. */
  static_parser = parse_yaml ("traefik-static.yml");
  dynamic_parser = parse_yaml ("traefik.yml");
  entry_points = json_node_get_object (json_at (json_parser_get_root (static_parser), "entryPoints"));
  g_assert_cmpstr (json_node_get_string (json_at (json_parser_get_root (static_parser), "entryPoints/web/address")), ==, ":80");
  g_assert_cmpstr (json_node_get_string (json_at (json_parser_get_root (static_parser), "entryPoints/websecure/address")), ==, ":443");
  g_assert_nonnull (json_at (json_parser_get_root (static_parser), "providers/file"));
  resolvers = json_node_get_object (json_at (json_parser_get_root (static_parser), "certificatesResolvers"));
  http = json_node_get_object (json_at (json_parser_get_root (dynamic_parser), "http"));
  routers = json_object_get_object_member (http, "routers");
  names = json_object_get_members (routers);
  g_assert_cmpuint (g_list_length (names), ==, 2);
  for (GList *l = names; l != NULL; l = l->next)
    {
      JsonObject *router = json_object_get_object_member (routers, l->data);
      const char *service = json_object_get_string_member (router, "service");

      assert_defined (router, "entryPoints", entry_points, "entry point");
      assert_defined (router, "middlewares", json_object_get_object_member (http, "middlewares"), "middleware");
      g_assert_true (json_object_has_member (json_object_get_object_member (http, "services"), service));
      if (json_object_has_member (router, "tls"))
        {
          JsonObject *tls = json_object_get_object_member (router, "tls");

          g_assert_true (json_object_has_member (resolvers, json_object_get_string_member (tls, "certResolver")));
        }
    }
}

/* A broken copy of one of the files, and what breaks it. */
typedef struct
{
  const char *name;
  const char *file;
  const char *from;
  const char *to;
} Breakage;

static void
test_traefik_rejects (void)
{
  static const Breakage breakages[] = {
    /* A misspelt option of a middleware. */
    { "misspelt", "traefik.yml", "average: 20", "averge: 20" },
    /* A word where the schema wants a number. */
    { "wrong-type", "traefik.yml", "burst: 40", "burst: forty" },
    /* An option the headers middleware does not have. */
    { "no-such-option", "traefik.yml", "stsSeconds: 31536000",
      "allowedMethods: [GET, HEAD]\n        stsSeconds: 31536000" },
    /* A misspelt key where the published schema allows any: only the
     * stricter copy refuses it. */
    { "open-nested", "traefik.yml", "interval: 5s", "intervall: 5s" },
    { "static-wrong-type", "traefik-static.yml", "readTimeout: 10s", "readTimeout: 10" },
    { "static-open-top", "traefik-static.yml", "\nentryPoints:", "\nentrypoints:" },
  };
  g_autofree char *node = NULL;
  g_autofree char *tsc = NULL;

  if (!find_typescript (&node, &tsc))
    return;

  for (guint pass = 0; pass < 2; pass++)
    {
      const char *file = pass == 0 ? "traefik.yml" : "traefik-static.yml";
      g_autofree char *path = deploy_path (file);
      g_autofree char *original = read_text (path);
      g_autoptr(GPtrArray) names = g_ptr_array_new ();
      g_autoptr(GPtrArray) yamls = g_ptr_array_new_with_free_func (g_free);
      g_autoptr(GError) error = NULL;
      g_autofree char *dir = g_dir_make_tmp ("qrs-traefik-XXXXXX", &error);
      g_autofree char *output = NULL;
      int status;

      g_assert_no_error (error);
      for (guint i = 0; i < G_N_ELEMENTS (breakages); i++)
        {
          const char *at = strstr (original, breakages[i].from);
          GString *broken;

          if (strcmp (breakages[i].file, file) != 0)
            continue;
          /* The file changed under the test: say so, never pass. */
          if (at == NULL)
            g_error ("%s no longer has \"%s\" to break", file, breakages[i].from);
          broken = g_string_new_len (original, at - original);
          g_string_append (broken, breakages[i].to);
          g_string_append (broken, at + strlen (breakages[i].from));
          g_ptr_array_add (names, (gpointer)breakages[i].name);
          g_ptr_array_add (yamls, g_string_free (broken, FALSE));
        }
      g_ptr_array_add (names, NULL);
      g_ptr_array_add (yamls, NULL);

      status = typecheck (dir, pass == 0 ? "traefik-v3-file-provider" : "traefik-v3",
                          pass == 0 ? "HttpsJsonSchemastoreOrgTraefikV3FileProviderJson"
                                    : "TraefikV3StaticConfiguration",
                          (const char * const *)names->pdata, (const char * const *)yamls->pdata,
                          &output);
      g_test_message ("tsc on broken copies of %s (exit status %d):\n%s", file, status, output);
      g_assert_cmpint (status, !=, 0);
      /* Each copy fails on its own account. */
      for (guint i = 0; i + 1 < names->len; i++)
        {
          g_autofree char *error_of = g_strdup_printf ("%s.ts(", (const char *)names->pdata[i]);
          g_autofree char *line = NULL;
          const char *at = strstr (output, error_of);

          g_assert_nonnull (at);
          line = g_strndup (at, strcspn (at, "\n"));
          g_assert_nonnull (strstr (line, "error TS"));
        }
      remove_tree (dir);
    }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/deploy/prometheus/config", test_prometheus_config);
  g_test_add_func ("/deploy/prometheus/alerts-fire", test_alert_rules_fire);
  g_test_add_func ("/deploy/metrics/exposition", test_metrics_exposition);
  g_test_add_func ("/deploy/traefik/dynamic", test_traefik_dynamic);
  g_test_add_func ("/deploy/traefik/static", test_traefik_static);
  g_test_add_func ("/deploy/traefik/rejects", test_traefik_rejects);

  return g_test_run ();
}
