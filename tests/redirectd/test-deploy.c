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
 * daemon exports.
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
  char *text = NULL;

  g_file_get_contents (path, &text, NULL, &error);
  g_assert_no_error (error);
  return text;
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

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/deploy/prometheus/config", test_prometheus_config);
  g_test_add_func ("/deploy/prometheus/alerts-fire", test_alert_rules_fire);
  g_test_add_func ("/deploy/metrics/exposition", test_metrics_exposition);

  return g_test_run ();
}
