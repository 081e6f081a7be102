/* test-redirect-parts.c — route table, snapshot, configuration and the
 * request helpers, in process
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include <glib/gstdio.h>

#include "qrs-redirect-config.h"
#include "qrs-redirect-metrics.h"
#include "qrs-redirect-pages.h"
#include "qrs-redirect-server.h"
#include "qrs-route-table.h"
#include "qrs-visitor-hash.h"

static void
test_short_id_shape (void)
{
  g_autofree char *long_id = g_strnfill (33, 'a');

  g_assert_true (qrs_short_id_is_valid ("abcd", -1));
  g_assert_true (qrs_short_id_is_valid ("Open_Day-2025", -1));
  g_assert_true (qrs_short_id_is_valid ("abcdefghijklmnopqrstuvwxyz012345", -1));
  g_assert_false (qrs_short_id_is_valid (long_id, -1));
  g_assert_false (qrs_short_id_is_valid ("abc", -1));
  g_assert_false (qrs_short_id_is_valid ("", -1));
  g_assert_false (qrs_short_id_is_valid (NULL, -1));
  g_assert_false (qrs_short_id_is_valid ("../../etc/passwd", -1));
  g_assert_false (qrs_short_id_is_valid ("abcd'; DROP TABLE codes;--", -1));
  g_assert_false (qrs_short_id_is_valid ("abcd efg", -1));
  g_assert_false (qrs_short_id_is_valid ("abc\xff\xfe", -1));
  g_assert_false (qrs_short_id_is_valid ("añoo", -1));
  g_assert_false (qrs_short_id_is_valid ("abcd/", -1));
  /* A NUL inside the length counts as a bad character. */
  g_assert_false (qrs_short_id_is_valid ("ab\0cd", 5));
}

static void
test_route_answers (void)
{
  gint64 now = g_get_real_time ();
  g_autoptr(QrsRedirectRoute) live = qrs_redirect_route_new (1, "live", "https://a.example/", TRUE, 0, FALSE);
  g_autoptr(QrsRedirectRoute) off = qrs_redirect_route_new (2, "off1", "https://a.example/", FALSE, 0, FALSE);
  g_autoptr(QrsRedirectRoute) expired = qrs_redirect_route_new (3, "old1", "https://a.example/", TRUE, now - 1, FALSE);
  g_autoptr(QrsRedirectRoute) later = qrs_redirect_route_new (4, "soon", "https://a.example/", TRUE, now + G_USEC_PER_SEC, FALSE);

  g_assert_cmpint (qrs_redirect_route_get_answer (live, now), ==, QRS_ROUTE_ANSWER_REDIRECT);
  g_assert_cmpint (qrs_redirect_route_get_answer (off, now), ==, QRS_ROUTE_ANSWER_GONE);
  g_assert_cmpint (qrs_redirect_route_get_answer (expired, now), ==, QRS_ROUTE_ANSWER_GONE);
  g_assert_cmpint (qrs_redirect_route_get_answer (later, now), ==, QRS_ROUTE_ANSWER_REDIRECT);
  g_assert_cmpint (qrs_redirect_route_get_answer (later, now + 2 * G_USEC_PER_SEC), ==, QRS_ROUTE_ANSWER_GONE);
}

static GPtrArray *
sample_routes (void)
{
  GPtrArray *routes = g_ptr_array_new_with_free_func ((GDestroyNotify)qrs_redirect_route_unref);

  g_ptr_array_add (routes, qrs_redirect_route_new (1, "open-day", "https://example.edu/open-day", TRUE, 0, TRUE));
  g_ptr_array_add (routes, qrs_redirect_route_new (2, "off1", "https://example.edu/off", FALSE, 0, FALSE));
  g_ptr_array_add (routes, qrs_redirect_route_new (3, "old1", "http://example.edu/old", TRUE, 1000, FALSE));
  return routes;
}

static void
test_route_table (void)
{
  g_autoptr(QrsRouteTable) table = qrs_route_table_new ();
  g_autoptr(GPtrArray) routes = sample_routes ();
  g_autoptr(QrsRedirectRoute) kept = NULL;
  g_autoptr(QrsRedirectRoute) found = NULL;
  g_autoptr(QrsRedirectRoute) changed = NULL;

  g_assert_cmpint (qrs_route_table_get_source (table), ==, QRS_ROUTE_SOURCE_NONE);
  g_assert_null (qrs_route_table_lookup (table, "open-day"));

  qrs_route_table_replace_all (table, routes, QRS_ROUTE_SOURCE_DATABASE);
  g_assert_cmpint (qrs_route_table_get_source (table), ==, QRS_ROUTE_SOURCE_DATABASE);
  g_assert_cmpuint (qrs_route_table_get_size (table), ==, 3);
  g_assert_cmpint (qrs_route_table_get_loaded_at (table), >, 0);

  /* A route handed out survives its replacement. */
  kept = qrs_route_table_lookup (table, "open-day");
  g_assert_nonnull (kept);
  changed = qrs_redirect_route_new (1, "open-day", "https://example.edu/new", TRUE, 0, FALSE);
  qrs_route_table_update (table, "open-day", changed);
  found = qrs_route_table_lookup (table, "open-day");
  g_assert_cmpstr (found->target_url, ==, "https://example.edu/new");
  g_assert_cmpstr (kept->target_url, ==, "https://example.edu/open-day");

  qrs_route_table_update (table, "off1", NULL);
  g_assert_null (qrs_route_table_lookup (table, "off1"));
  g_assert_cmpuint (qrs_route_table_get_size (table), ==, 2);
  g_assert_cmpuint (qrs_route_table_get_lookups (table), ==, 4);

  g_assert_finalize_object (g_steal_pointer (&table));
}

static void
test_snapshot_round_trip (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(QrsRouteTable) table = qrs_route_table_new ();
  g_autoptr(QrsRouteTable) loaded = qrs_route_table_new ();
  g_autoptr(GPtrArray) routes = sample_routes ();
  g_autofree char *dir = g_dir_make_tmp ("qrs-snapshot-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "routes.json", NULL);
  g_autoptr(QrsRedirectRoute) route = NULL;

  qrs_route_table_replace_all (table, routes, QRS_ROUTE_SOURCE_DATABASE);
  g_assert_true (qrs_route_table_save_snapshot (table, path, &error));
  g_assert_no_error (error);

  g_assert_true (qrs_route_table_load_snapshot (loaded, path, &error));
  g_assert_no_error (error);
  g_assert_cmpint (qrs_route_table_get_source (loaded), ==, QRS_ROUTE_SOURCE_SNAPSHOT);
  g_assert_cmpuint (qrs_route_table_get_size (loaded), ==, 3);
  route = qrs_route_table_lookup (loaded, "old1");
  g_assert_cmpint (route->code_id, ==, 3);
  g_assert_cmpstr (route->target_url, ==, "http://example.edu/old");
  g_assert_true (route->enabled);
  g_assert_cmpint (route->expires_at, ==, 1000);
  g_clear_pointer (&route, qrs_redirect_route_unref);
  route = qrs_route_table_lookup (loaded, "open-day");
  g_assert_true (route->utm_passthrough);

  g_unlink (path);
  g_rmdir (dir);
}

static void
test_snapshot_rejects_bad_files (void)
{
  const char *bad[] = {
    "not json",
    "[]",
    "{\"format\":\"something-else\",\"version\":1,\"routes\":[]}",
    "{\"format\":\"qrstudio-redirectd-routes\",\"version\":2,\"routes\":[]}",
    "{\"format\":\"qrstudio-redirectd-routes\",\"version\":1}",
    "{\"format\":\"qrstudio-redirectd-routes\",\"version\":1,\"routes\":[{\"short_id\":\"../x\",\"target_url\":\"https://a/\"}]}",
    "{\"format\":\"qrstudio-redirectd-routes\",\"version\":1,\"routes\":[{\"short_id\":\"abcd\",\"target_url\":\"javascript:alert(1)\"}]}",
    "{\"format\":\"qrstudio-redirectd-routes\",\"version\":1,\"routes\":[{\"short_id\":\"abcd\",\"target_url\":\"https://a/\\r\\nSet-Cookie: x\"}]}",
  };
  g_autofree char *dir = g_dir_make_tmp ("qrs-snapshot-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "routes.json", NULL);
  g_autoptr(QrsRouteTable) table = qrs_route_table_new ();
  g_autoptr(GPtrArray) routes = sample_routes ();

  qrs_route_table_replace_all (table, routes, QRS_ROUTE_SOURCE_DATABASE);
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GError) error = NULL;

      g_assert_true (g_file_set_contents (path, bad[i], -1, NULL));
      g_assert_false (qrs_route_table_load_snapshot (table, path, &error));
      g_assert_error (error, QRS_ROUTE_TABLE_ERROR, QRS_ROUTE_TABLE_ERROR_SNAPSHOT);
      /* A bad snapshot leaves the table as it was. */
      g_assert_cmpuint (qrs_route_table_get_size (table), ==, 3);
      g_assert_cmpint (qrs_route_table_get_source (table), ==, QRS_ROUTE_SOURCE_DATABASE);
    }

  g_unlink (path);
  g_rmdir (dir);
}

static void
test_location (void)
{
  struct { const char *target; gboolean pass; const char *query; const char *expected; } cases[] = {
    { "https://a.example/x", FALSE, "utm_source=print", "https://a.example/x" },
    { "https://a.example/x", TRUE, NULL, "https://a.example/x" },
    { "https://a.example/x", TRUE, "", "https://a.example/x" },
    { "https://a.example/x", TRUE, "utm_source=print", "https://a.example/x?utm_source=print" },
    { "https://a.example/x?a=1", TRUE, "utm_source=print", "https://a.example/x?a=1&utm_source=print" },
    { "https://a.example/x?", TRUE, "b=2", "https://a.example/x?b=2" },
    { "https://a.example/x#top", TRUE, "b=2", "https://a.example/x?b=2#top" },
    { "https://a.example/x?a=1#top", TRUE, "b=2", "https://a.example/x?a=1&b=2#top" },
    /* Nothing that could split a header or smuggle a fragment passes. */
    { "https://a.example/x", TRUE, "a=1 b", "https://a.example/x" },
    { "https://a.example/x", TRUE, "a=1\r\nSet-Cookie:x", "https://a.example/x" },
    { "https://a.example/x", TRUE, "a=1#frag", "https://a.example/x" },
    { "https://a.example/x", TRUE, "a=\xc3\xb1", "https://a.example/x" },
    /* Non-ASCII in the target is percent-encoded. */
    { "https://a.example/año", FALSE, NULL, "https://a.example/a%C3%B1o" },
    { "https://a.example/x#sección", FALSE, NULL, "https://a.example/x#secci%C3%B3n" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(QrsRedirectRoute) route = qrs_redirect_route_new (1, "abcd", cases[i].target, TRUE, 0, cases[i].pass);
      g_autofree char *location = qrs_redirect_build_location (route, cases[i].query);

      g_assert_cmpstr (location, ==, cases[i].expected);
    }
}

static void
test_user_agent_cleaning (void)
{
  g_autofree char *long_agent = g_strnfill (2000, 'x');
  g_autofree char *multibyte = NULL;
  g_autofree char *a = NULL;
  g_autofree char *b = NULL;
  g_autofree char *c = NULL;
  g_autofree char *d = NULL;
  g_autofree char *e = NULL;
  GString *s = g_string_new ("x");

  for (guint i = 0; i < 400; i++)
    g_string_append (s, "ñ");
  multibyte = g_string_free (s, FALSE);

  a = qrs_redirect_clean_user_agent (NULL);
  g_assert_cmpstr (a, ==, "");
  b = qrs_redirect_clean_user_agent (long_agent);
  g_assert_cmpuint (strlen (b), ==, 512);
  /* 1 + 2×255 = 511 bytes: the 256th ñ would straddle the limit. */
  c = qrs_redirect_clean_user_agent (multibyte);
  g_assert_cmpuint (strlen (c), ==, 511);
  g_assert_true (g_utf8_validate (c, -1, NULL));
  d = qrs_redirect_clean_user_agent ("Bad\xff\xfe Agent\t1");
  g_assert_true (g_utf8_validate (d, -1, NULL));
  g_assert_null (strchr (d, '\t'));
  e = qrs_redirect_clean_user_agent ("Mozilla/5.0");
  g_assert_cmpstr (e, ==, "Mozilla/5.0");
  /* At the limit and one past it, in the fast path's plain ASCII;
   * DEL is a control character too. */
  {
    g_autofree char *at_limit = g_strnfill (512, 'y');
    g_autofree char *past_limit = g_strnfill (513, 'y');
    g_autofree char *f = qrs_redirect_clean_user_agent (at_limit);
    g_autofree char *g = qrs_redirect_clean_user_agent (past_limit);
    g_autofree char *h = qrs_redirect_clean_user_agent ("Agent\x7f/1");

    g_assert_cmpstr (f, ==, at_limit);
    g_assert_cmpstr (g, ==, at_limit);
    g_assert_cmpstr (h, ==, "Agent /1");
  }
}

static void
test_referrer_host (void)
{
  struct { const char *referer; const char *host; } cases[] = {
    { NULL, NULL },
    { "", NULL },
    { "https://News.Example.ORG/a/private/path?q=secret", "news.example.org" },
    { "http://[2001:db8::1]:8080/x", "2001:db8::1" },
    { "not a url", NULL },
    { "android-app://com.example.reader/", "com.example.reader" },
    { "https://ex%20ample.org/", NULL },
    { "https://exa'mple.org/", NULL },
    /* Credentials never: in the userinfo, nor percent-encoded where the
     * host goes. */
    { "https://user:pass@news.example.org/", "news.example.org" },
    { "https://user@pass@news.example.org/", NULL },
    { "https://user%3Apass.example/", NULL },
    { "https://user%3Apass%40news.example.org/", NULL },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *host = qrs_redirect_referrer_host (cases[i].referer);
      g_assert_cmpstr (host, ==, cases[i].host);
    }
}

static QrsRedirectConfig *
config_with_proxies (const char *proxies)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("qrs-config-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "redirectd.conf", NULL);
  g_autofree char *text = g_strdup_printf ("[redirectd]\ntrusted-proxies=%s\n", proxies);
  QrsRedirectFlags flags = { 0 };
  QrsRedirectConfig *config;

  g_assert_true (g_file_set_contents (path, text, -1, NULL));
  flags.config_file = g_strdup (path);
  config = qrs_redirect_config_load (&flags, &error);
  g_assert_no_error (error);
  qrs_redirect_flags_clear (&flags);
  g_unlink (path);
  g_rmdir (dir);
  return config;
}

static char *
client_of (QrsRedirectConfig *config,
           const char        *peer,
           const char        *forwarded_for)
{
  g_autoptr(GInetAddress) peer_address = g_inet_address_new_from_string (peer);
  g_autoptr(GInetAddress) client = qrs_redirect_client_address (config, peer_address, forwarded_for);

  return g_inet_address_to_string (client);
}

static void
test_forwarded_for (void)
{
  g_autoptr(QrsRedirectConfig) config = config_with_proxies ("10.0.0.0/8;::1/128");
  struct { const char *peer; const char *xff; const char *client; } cases[] = {
    /* Not from a trusted proxy: the header is the client's own words. */
    { "203.0.113.9", "198.51.100.7", "203.0.113.9" },
    { "10.1.2.3", NULL, "10.1.2.3" },
    { "10.1.2.3", "198.51.100.7", "198.51.100.7" },
    { "::1", "2001:db8::7", "2001:db8::7" },
    /* The rightmost untrusted hop; what the client wrote left of it is ignored. */
    { "10.1.2.3", "1.2.3.4, 198.51.100.7, 10.9.9.9", "198.51.100.7" },
    { "10.1.2.3", "garbage, 198.51.100.7", "198.51.100.7" },
    /* Our proxy wrote no address for the client: the client is unknown. */
    { "10.1.2.3", "198.51.100.7, garbage", "::" },
    { "10.1.2.3", "10.4.4.4", "10.4.4.4" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *client = client_of (config, cases[i].peer, cases[i].xff);
      g_assert_cmpstr (client, ==, cases[i].client);
    }

  /* However much the client writes on the left, the hop our proxy
   * appended on the right is the one believed. */
  {
    g_autoptr(GString) long_chain = g_string_new (NULL);
    g_autofree char *client = NULL;

    for (guint i = 0; i < 100; i++)
      g_string_append (long_chain, "192.0.2.1, ");
    g_string_append (long_chain, "198.51.100.7, 10.9.9.9");
    client = client_of (config, "10.1.2.3", long_chain->str);
    g_assert_cmpstr (client, ==, "198.51.100.7");
  }
  {
    g_autofree char *empty_hop = client_of (config, "10.1.2.3", "198.51.100.7,");
    g_autofree char *only_commas = client_of (config, "10.1.2.3", ",,,");
    g_autofree char *empty = client_of (config, "10.1.2.3", "");

    g_assert_cmpstr (empty_hop, ==, "198.51.100.7");
    g_assert_cmpstr (only_commas, ==, "10.1.2.3");
    g_assert_cmpstr (empty, ==, "10.1.2.3");
  }
}

static void
test_config_defaults_and_errors (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(QrsRedirectConfig) config = NULL;
  g_autofree char *dir = g_dir_make_tmp ("qrs-config-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "redirectd.conf", NULL);
  const char *bad[] = {
    "[redirectd]\nlisten=localhost:80\n",
    "[redirectd]\nlisten=127.0.0.1\n",
    "[redirectd]\nlisten=127.0.0.1:99999\n",
    "[redirectd]\nspool-max=lots\n",
    "[redirectd]\nspool-max=0\n",
    "[redirectd]\nspool-max=1023\n",
    "[redirectd]\nreferrer-policy=whatever\n",
    "[redirectd]\ntrusted-proxies=10.0.0.0/33\n",
    "[redirectd]\nworkers=0\n",
    "[redirectd]\nbatch-rows=-4\n",
    "[redirectd]\ncommit-batches=0\n",
    "[redirectd]\nworkers=300\n",
    "[redirectd]\nworkers=-3\n",
    "[redirectd]\nverbose=maybe\n",
    "[redirectd]\nspool-segment-size=1K\n",
    "[redirectd]\nstate-dir=state\n",
    "[redirectd]\nspool-dir=STATE-DIR/spool\n",
    "[redirectd\n",
  };
  /* Each refused as a flag as it is in the file, where it has a key. */
  const char *bad_workers[] = { "-3", "0", "257", "100000", "4294967297", "three", " 3", "" };
  QrsRedirectFlags flags = { 0 };
  guint64 size;

  flags.config_file = g_strdup (path);
  g_assert_true (g_file_set_contents (path, "", -1, NULL));
  config = qrs_redirect_config_load (&flags, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (config->listen_host, ==, "127.0.0.1");
  g_assert_cmpuint (config->listen_port, ==, 8080);
  g_assert_cmpstr (config->metrics_host, ==, "127.0.0.1");
  g_assert_cmpuint (config->metrics_port, ==, 9108);
  g_assert_cmpuint (config->spool_max, ==, G_GUINT64_CONSTANT (1) << 30);
  g_assert_cmpstr (config->referrer_policy, ==, "strict-origin-when-cross-origin");
  g_assert_null (config->hsts);
  g_assert_cmpuint (config->workers, ==, g_get_num_processors ());
  g_assert_cmpuint (config->batch_rows, ==, 1000);
  g_assert_cmpuint (config->batch_interval_ms, ==, 100);
  g_assert_cmpuint (config->commit_batches, ==, 8);
  g_assert_cmpuint (config->fsync_interval_ms, ==, 50);
  g_clear_pointer (&config, qrs_redirect_config_unref);

  /* Flags win over the file. */
  g_assert_true (g_file_set_contents (path, "[redirectd]\nlisten=[::1]:81\nworkers=3\nhsts=max-age=60\n"
                                            "metrics-listen=off\nspool-max=2M\n", -1, NULL));
  flags.listen = g_strdup ("127.0.0.2:8081");
  config = qrs_redirect_config_load (&flags, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (config->listen_host, ==, "127.0.0.2");
  g_assert_cmpuint (config->listen_port, ==, 8081);
  g_assert_cmpuint (config->workers, ==, 3);
  g_assert_cmpstr (config->hsts, ==, "max-age=60");
  g_assert_null (config->metrics_host);
  g_assert_cmpuint (config->spool_max, ==, 2 << 20);
  g_clear_pointer (&config, qrs_redirect_config_unref);
  g_clear_pointer (&flags.listen, g_free);

  /* The same range for the flag, and the flag wins over a good key. */
  for (guint i = 0; i < G_N_ELEMENTS (bad_workers); i++)
    {
      flags.workers = g_strdup (bad_workers[i]);
      config = qrs_redirect_config_load (&flags, &error);
      g_assert_null (config);
      g_assert_error (error, QRS_REDIRECT_CONFIG_ERROR, QRS_REDIRECT_CONFIG_ERROR_INVALID);
      g_assert_nonnull (strstr (error->message, "--workers"));
      g_assert_nonnull (strstr (error->message, "1 to 256"));
      g_clear_error (&error);
      g_clear_pointer (&flags.workers, g_free);
    }
  flags.workers = g_strdup ("256");
  config = qrs_redirect_config_load (&flags, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (config->workers, ==, 256);
  g_clear_pointer (&config, qrs_redirect_config_unref);
  g_clear_pointer (&flags.workers, g_free);

  /* GKeyFile's booleans, an empty value the default; -v wins over false. */
  {
    const struct { const char *text; gboolean flag; gboolean verbose; } booleans[] = {
      { "true", FALSE, TRUE }, { "false", FALSE, FALSE }, { "1", FALSE, TRUE },
      { "0", FALSE, FALSE }, { "", FALSE, FALSE }, { "false", TRUE, TRUE },
    };

    for (guint i = 0; i < G_N_ELEMENTS (booleans); i++)
      {
        g_autofree char *text = g_strdup_printf ("[redirectd]\nverbose=%s\n", booleans[i].text);

        g_assert_true (g_file_set_contents (path, text, -1, NULL));
        flags.verbose = booleans[i].flag;
        config = qrs_redirect_config_load (&flags, &error);
        g_assert_no_error (error);
        g_assert_cmpint (config->verbose, ==, booleans[i].verbose);
        g_clear_pointer (&config, qrs_redirect_config_unref);
      }
    flags.verbose = FALSE;
  }

  /* A relative directory is refused from a flag as from the file. */
  g_assert_true (g_file_set_contents (path, "", -1, NULL));
  flags.spool_dir = g_strdup ("spool");
  config = qrs_redirect_config_load (&flags, &error);
  g_assert_error (error, QRS_REDIRECT_CONFIG_ERROR, QRS_REDIRECT_CONFIG_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "absolute"));
  g_clear_error (&error);
  g_clear_pointer (&flags.spool_dir, g_free);

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_assert_true (g_file_set_contents (path, bad[i], -1, NULL));
      config = qrs_redirect_config_load (&flags, &error);
      if (config != NULL)
        g_error ("%s was taken", bad[i]);
      g_assert_nonnull (error);
      g_clear_error (&error);
    }
  /* The key and the value are named, whatever the key. */
  g_assert_true (g_file_set_contents (path, "[redirectd]\nverbose=maybe\n", -1, NULL));
  config = qrs_redirect_config_load (&flags, &error);
  g_assert_error (error, QRS_REDIRECT_CONFIG_ERROR, QRS_REDIRECT_CONFIG_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "“verbose”"));
  g_assert_nonnull (strstr (error->message, "“maybe”"));
  g_clear_error (&error);

  /* An explicit file that is missing is an error; the default may be. */
  g_unlink (path);
  config = qrs_redirect_config_load (&flags, &error);
  g_assert_error (error, QRS_REDIRECT_CONFIG_ERROR, QRS_REDIRECT_CONFIG_ERROR_FILE);
  g_clear_error (&error);
  qrs_redirect_flags_clear (&flags);
  g_rmdir (dir);

  g_assert_true (qrs_parse_byte_size ("1GiB", &size, NULL));
  g_assert_cmpuint (size, ==, G_GUINT64_CONSTANT (1) << 30);
  g_assert_true (qrs_parse_byte_size ("512 K", &size, NULL));
  g_assert_cmpuint (size, ==, 512 << 10);
  g_assert_false (qrs_parse_byte_size ("-1", &size, NULL));
  g_assert_false (qrs_parse_byte_size ("99999999999T", &size, NULL));
}

/* Every key the daemon knows is in the example, with its default, and
 * the example's defaults load. */
static void
test_config_example (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *example = g_build_filename (g_getenv ("QRS_SOURCE_ROOT"), "data", "redirectd.conf.example", NULL);
  g_autofree char *text = NULL;
  g_autoptr(GString) uncommented = g_string_new (NULL);
  g_autoptr(GPtrArray) documented = g_ptr_array_new_with_free_func (g_free);
  g_auto(GStrv) lines = NULL;
  g_autofree char *dir = g_dir_make_tmp ("qrs-config-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "redirectd.conf", NULL);
  const char * const *keys = qrs_redirect_config_get_keys ();
  QrsRedirectFlags flags = { 0 };
  QrsRedirectConfig *config;

  g_assert_true (g_file_get_contents (example, &text, NULL, &error));
  g_assert_no_error (error);
  lines = g_strsplit (text, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      const char *line = lines[i];
      const char *equals = strchr (line, '=');

      if (line[0] == '[')
        g_string_append_printf (uncommented, "%s\n", line);
      /* "#key=default" — not "# e.g. key=value". */
      if (line[0] == '#' && equals != NULL && line[1] != ' ' && strchr (line, ' ') == NULL)
        {
          char *key = g_strndup (line + 1, equals - line - 1);
          g_ptr_array_add (documented, key);
          /* Every line, uncommented as written, is the default. */
          g_string_append_printf (uncommented, "%s\n", line + 1);
        }
    }

  for (guint i = 0; keys[i] != NULL; i++)
    g_assert_true (g_ptr_array_find_with_equal_func (documented, keys[i], g_str_equal, NULL));
  g_assert_cmpuint (documented->len, ==, g_strv_length ((char **)keys));

  g_assert_true (g_file_set_contents (path, uncommented->str, -1, NULL));
  flags.config_file = g_strdup (path);
  config = qrs_redirect_config_load (&flags, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (config->spool_max, ==, G_GUINT64_CONSTANT (1) << 30);
  g_assert_cmpstr (config->state_dir, ==, "/var/lib/qrstudio-redirectd");
  g_assert_cmpstr (config->spool_dir, ==, "/var/lib/qrstudio-redirectd/spool");
  g_assert_false (config->verbose);
  qrs_redirect_config_unref (config);

  /* ProtectSystem=strict: a spool elsewhere needs the unit's word. */
  g_assert_nonnull (strstr (text, "ReadWritePaths="));

  /* A misspelt key is refused, not ignored. */
  g_assert_true (g_file_set_contents (path, "[redirectd]\nlisen=127.0.0.1:80\n", -1, NULL));
  config = qrs_redirect_config_load (&flags, &error);
  g_assert_null (config);
  g_assert_error (error, QRS_REDIRECT_CONFIG_ERROR, QRS_REDIRECT_CONFIG_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "lisen"));

  qrs_redirect_flags_clear (&flags);
  g_unlink (path);
  g_rmdir (dir);
}

/* The unit, as this build installs it, keeps its hardening and starts
 * the daemon where the build installs it. */
static void
test_systemd_unit (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *unit = g_build_filename (g_getenv ("G_TEST_BUILDDIR"), "..", "redirectd",
                                            "qrstudio-redirectd.service", NULL);
  g_autofree char *exec_start = NULL;
  g_autoptr(GKeyFile) key_file = g_key_file_new ();
  const char *expected[][2] = {
    { "DynamicUser", "yes" },
    { "StateDirectory", "qrstudio-redirectd" },
    { "ProtectSystem", "strict" },
    { "NoNewPrivileges", "yes" },
    { "RestrictAddressFamilies", "AF_INET AF_INET6 AF_UNIX" },
    { "PrivateTmp", "yes" },
    { "ProtectHome", "yes" },
    { "CapabilityBoundingSet", "" },
    { "MemoryDenyWriteExecute", "yes" },
    { "KillSignal", "SIGTERM" },
  };

  g_assert_true (g_key_file_load_from_file (key_file, unit, G_KEY_FILE_NONE, &error));
  g_assert_no_error (error);
  for (guint i = 0; i < G_N_ELEMENTS (expected); i++)
    {
      g_autofree char *value = g_key_file_get_value (key_file, "Service", expected[i][0], &error);
      g_assert_no_error (error);
      g_assert_cmpstr (value, ==, expected[i][1]);
    }

  exec_start = g_key_file_get_value (key_file, "Service", "ExecStart", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (exec_start, ==, SBINDIR "/qrstudio-redirectd --config=/etc/qrstudio/redirectd.conf");
}

typedef struct
{
  int   status;             /* the exit status, or -1 if it kept running */
  char *out;
  char *err;
} Run;

static void
run_clear (Run *run)
{
  g_clear_pointer (&run->out, g_free);
  g_clear_pointer (&run->err, g_free);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Run, run_clear)

static void
wait_cb (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  gboolean *done = user_data;

  g_subprocess_wait_finish (G_SUBPROCESS (source), result, NULL);
  *done = TRUE;
}

/* Runs the real daemon with @args after a --config file holding
 * @config_text, in a directory of its own that is also its working
 * directory and $STATE_DIRECTORY.  What should be refused at start but
 * is taken runs a daemon: it is stopped after a few seconds and its
 * status is -1, so that the test fails instead of hanging. */
static Run
run_daemon (const char         *config_text,
            const char * const *args)
{
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_NONE);
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("qrs-daemon-XXXXXX", NULL);
  g_autofree char *config = g_build_filename (dir, "redirectd.conf", NULL);
  g_autofree char *out_path = g_build_filename (dir, "out", NULL);
  g_autofree char *err_path = g_build_filename (dir, "err", NULL);
  gint64 deadline = g_get_monotonic_time () + 5 * G_USEC_PER_SEC;
  gboolean done = FALSE;
  Run run = { -1, NULL, NULL };

  g_assert_nonnull (g_getenv ("QRS_REDIRECTD"));
  g_assert_true (g_file_set_contents (config, config_text, -1, NULL));
  g_ptr_array_add (argv, g_strdup (g_getenv ("QRS_REDIRECTD")));
  g_ptr_array_add (argv, g_strdup_printf ("--config=%s", config));
  g_ptr_array_add (argv, g_strdup ("--listen=127.0.0.1:0"));
  g_ptr_array_add (argv, g_strdup ("--metrics-listen=off"));
  g_ptr_array_add (argv, g_strdup ("--database=none"));
  for (guint i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, g_strdup (args[i]));
  g_ptr_array_add (argv, NULL);

  g_subprocess_launcher_set_cwd (launcher, dir);
  g_subprocess_launcher_setenv (launcher, "STATE_DIRECTORY", dir, TRUE);
  g_subprocess_launcher_unsetenv (launcher, "G_DEBUG");
  g_subprocess_launcher_set_stdout_file_path (launcher, out_path);
  g_subprocess_launcher_set_stderr_file_path (launcher, err_path);
  process = g_subprocess_launcher_spawnv (launcher, (const char * const *)argv->pdata, &error);
  g_assert_no_error (error);

  g_subprocess_wait_async (process, NULL, wait_cb, &done);
  while (!done && g_get_monotonic_time () < deadline)
    {
      g_main_context_iteration (NULL, FALSE);
      g_usleep (10000);
    }
  if (!done)
    {
      g_subprocess_force_exit (process);
      while (!done)
        g_main_context_iteration (NULL, TRUE);
    }
  else if (g_subprocess_get_if_exited (process))
    run.status = g_subprocess_get_exit_status (process);

  g_assert_true (g_file_get_contents (out_path, &run.out, NULL, NULL));
  g_assert_true (g_file_get_contents (err_path, &run.err, NULL, NULL));
  g_test_message ("exit %d, stderr: %s", run.status, run.err);

  /* With whatever a daemon that ran left in it. */
  g_assert_true (g_spawn_sync (NULL, (char *[]) { (char *)"rm", (char *)"-rf", dir, NULL }, NULL,
                               G_SPAWN_SEARCH_PATH, NULL, NULL, NULL, NULL, NULL, NULL));
  return run;
}

/* Refused at start: exit status 2 and one line that names @words. */
static void
assert_refused (const char         *config_text,
                const char * const *args,
                const char * const *words)
{
  g_auto(Run) run = run_daemon (config_text, args);

  g_assert_cmpint (run.status, ==, 2);
  g_assert_true (g_str_has_prefix (run.err, "qrstudio-redirectd: "));
  g_assert_true (strchr (run.err, '\n') == run.err + strlen (run.err) - 1);
  for (guint i = 0; words[i] != NULL; i++)
    if (strstr (run.err, words[i]) == NULL)
      g_error ("“%s” is not in: %s", words[i], run.err);
}

#define ARGS(...) ((const char * const []) { __VA_ARGS__, NULL })
#define NO_ARGS   ((const char * const []) { NULL })

static void
test_daemon_booleans (void)
{
  assert_refused ("[redirectd]\nverbose=maybe\n", NO_ARGS, ARGS ("verbose", "maybe"));
  /* Under -v too: the file is wrong all the same. */
  assert_refused ("[redirectd]\nverbose=yes\n", ARGS ("--verbose"), ARGS ("verbose", "yes"));
}

/* A flag and its key take the same numbers and are refused alike. */
static void
test_daemon_numbers (void)
{
  assert_refused ("[redirectd]\nworkers=300\n", NO_ARGS, ARGS ("“workers”", "1 to 256", "300"));
  assert_refused ("", ARGS ("--workers=300"), ARGS ("--workers", "1 to 256", "300"));
  assert_refused ("", ARGS ("--workers=-3"), ARGS ("--workers", "1 to 256", "-3"));
  assert_refused ("", ARGS ("--workers=100000"), ARGS ("--workers", "1 to 256", "100000"));
  assert_refused ("", ARGS ("--workers=0"), ARGS ("--workers", "1 to 256"));
  assert_refused ("", ARGS ("-w", "-1"), ARGS ("--workers", "1 to 256", "-1"));
  assert_refused ("", ARGS ("--spool-max=-1"), ARGS ("-1", "not a size"));
  assert_refused ("", ARGS ("--spool-max=0"), ARGS ("spool-max", "at least 1K", "“0”"));
  assert_refused ("[redirectd]\nspool-segment-size=1K\n", NO_ARGS, ARGS ("spool-segment-size", "4K"));
}

static void
test_daemon_leftover_arguments (void)
{
  assert_refused ("", ARGS ("extra-arg"), ARGS ("“extra-arg”", "--config=FILE"));
  assert_refused ("", ARGS ("--workers=1", "/etc/qrstudio/other.conf"),
                  ARGS ("/etc/qrstudio/other.conf", "--config=FILE"));
  /* A bare "--" ends the options, and is no word left over: the daemon
   * runs (until run_daemon() stops it). */
  {
    g_auto(Run) run = run_daemon ("", ARGS ("--workers=1", "--"));

    g_assert_cmpint (run.status, ==, -1);
    g_assert_nonnull (strstr (run.err, "Answering on"));
  }
}

static void
test_daemon_version (void)
{
  g_auto(Run) run = run_daemon ("", ARGS ("--version"));

  g_assert_cmpint (run.status, ==, 0);
  g_assert_cmpstr (run.out, ==, "qrstudio-redirectd (" PACKAGE_NAME ") " PACKAGE_VERSION "\n");
  g_assert_cmpstr (run.err, ==, "");
}

/* Each option that has a default says it on its line of --help. */
static void
test_daemon_help (void)
{
  const char *with_default[] = {
    "--config", "--listen", "--database", "--state-dir", "--spool-dir", "--spool-max",
    "--metrics-listen", "--workers", "--trusted-proxy", "--referrer-policy", "--hsts",
  };
  g_auto(Run) run = run_daemon ("", ARGS ("--help"));
  g_auto(GStrv) lines = NULL;

  g_assert_cmpint (run.status, ==, 0);
  lines = g_strsplit (run.out, "\n", -1);
  for (guint i = 0; i < G_N_ELEMENTS (with_default); i++)
    {
      g_autofree char *start = g_strconcat (with_default[i], "=", NULL);
      gboolean found = FALSE;

      for (guint l = 0; lines[l] != NULL; l++)
        {
          const char *line = strstr (lines[l], "--") ? strstr (lines[l], "--") : "";

          if (!g_str_has_prefix (line, start))
            continue;
          found = TRUE;
          if (strstr (line, "default") == NULL)
            g_error ("--help says no default: %s", lines[l]);
        }
      g_assert_true (found);
    }
  g_assert_nonnull (strstr (run.out, "/var/lib/qrstudio-redirectd"));
  g_assert_nonnull (strstr (run.out, "--version"));
}

/* A relative directory is refused, and nothing is made where the daemon
 * was started. */
static void
test_daemon_relative_paths (void)
{
  assert_refused ("[redirectd]\nspool-dir=STATE-DIR/spool\n", NO_ARGS,
                  ARGS ("spool-dir", "absolute", "STATE-DIR/spool"));
  assert_refused ("[redirectd]\nstate-dir=state\n", NO_ARGS, ARGS ("state-dir", "absolute", "“state”"));
  assert_refused ("", ARGS ("--state-dir=state"), ARGS ("state-dir", "absolute"));
  assert_refused ("", ARGS ("--spool-dir=./spool"), ARGS ("spool-dir", "absolute"));
}

/* The alert rules and the dashboard speak of metrics that exist. */
static void
test_deploy_metric_names (void)
{
  const char *files[] = { "qrstudio-alerts.yml", "grafana-dashboard.json" };
  QrsRedirectGauges gauges = { 0 };
  QrsRedirectMetrics *metrics = qrs_redirect_metrics_new ();
  g_autofree char *exported = qrs_redirect_metrics_render (metrics, &gauges);
  g_autoptr(GRegex) name = g_regex_new ("qrstudio_redirect_[a-z_]+", 0, 0, NULL);
  guint checked = 0;

  for (guint i = 0; i < G_N_ELEMENTS (files); i++)
    {
      g_autofree char *path = g_build_filename (g_getenv ("QRS_SOURCE_ROOT"), "docs", "deploy", files[i], NULL);
      g_autofree char *text = NULL;
      g_autoptr(GMatchInfo) match = NULL;

      g_assert_true (g_file_get_contents (path, &text, NULL, NULL));
      g_regex_match (name, text, 0, &match);
      for (; g_match_info_matches (match); g_match_info_next (match, NULL))
        {
          g_autofree char *metric = g_match_info_fetch (match, 0);
          g_autofree char *line = g_strconcat ("\n", metric, NULL);

          if (strstr (exported, line) == NULL)
            g_error ("%s uses %s, which the daemon does not export", files[i], metric);
          checked++;
        }
    }
  g_assert_cmpuint (checked, >, 10);
  qrs_redirect_metrics_free (metrics);
}

static void
test_pages (void)
{
  gsize length;
  const char *page;

  g_assert_cmpstr (qrs_redirect_pages_pick_language (NULL), ==, "en");
  g_assert_cmpstr (qrs_redirect_pages_pick_language ("es-MX,es;q=0.9,en;q=0.5"), ==, "es");
  g_assert_cmpstr (qrs_redirect_pages_pick_language ("de-DE,en;q=0.3,es;q=0.2"), ==, "en");
  g_assert_cmpstr (qrs_redirect_pages_pick_language ("de, es;q=0.5"), ==, "es");
  g_assert_cmpstr (qrs_redirect_pages_pick_language ("fr"), ==, "en");
  g_assert_cmpstr (qrs_redirect_pages_pick_language ("en;q=0.1, es;q=0.9"), ==, "es");
  g_assert_cmpstr (qrs_redirect_pages_pick_language ("\xff\xfe;;;=,"), ==, "en");

  page = qrs_redirect_pages_get (QRS_REDIRECT_PAGE_GONE, "es", &length);
  g_assert_cmpuint (strlen (page), ==, length);
  g_assert_true (g_utf8_validate (page, length, NULL));
  g_assert_nonnull (strstr (page, "<html lang=\"es\">"));
  g_assert_nonnull (strstr (page, "ya no está activo"));
  /* Self-contained: nothing for the browser to fetch. */
  g_assert_null (strstr (page, "src="));
  g_assert_null (strstr (page, "href="));
  g_assert_null (strstr (page, "<script"));

  page = qrs_redirect_pages_get (QRS_REDIRECT_PAGE_NOT_FOUND, "en", &length);
  g_assert_nonnull (strstr (page, "<html lang=\"en\">"));

  {
    g_autofree char *a = qrs_primary_language ("es-MX,es;q=0.9");
    g_autofree char *b = qrs_primary_language ("*");
    g_autofree char *c = qrs_primary_language ("EN-gb");
    g_autofree char *d = qrs_primary_language ("x1-foo, ' OR 1=1");
    g_assert_cmpstr (a, ==, "es");
    g_assert_null (b);
    g_assert_cmpstr (c, ==, "en");
    g_assert_null (d);
  }
  {
    /* The highest weight wins, the first of equals; q=0 is a refusal. */
    struct { const char *header; const char *language; } cases[] = {
      { NULL, NULL },
      { "", NULL },
      { " , ,", NULL },
      { "en;q=0.5, es", "es" },
      { "fr;q=0.8,de;q=0.9,it;q=0.9", "de" },
      { "*, ca-ES;q=0.9, es;q=0.8", "ca" },
      { "es;q=0, fr", "fr" },
      { "es;q=0", NULL },
      { "es;q=0.000", NULL },
      { "pt-BR ; q=0.7 , en ;Q=0.71", "en" },
      { "en;level=1;q=0.2, de;q=0.1", "en" },
      { "zh_Hant_TW", "zh" },
      { "es;q=bad, en;q=0.1", "en" },
      { "toolonglang, nl", "nl" },
      { "e, nl;q=0.3", "nl" },
      { "\tSV-se\t", "sv" },
    };

    for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
      {
        g_autofree char *language = qrs_primary_language (cases[i].header);

        g_assert_cmpstr (language, ==, cases[i].language);
      }
  }
}

/* The hasher against GLib's own HMAC, an implementation of its own. */
static void
test_visitor_hash (void)
{
  g_autoptr(QrsVisitorHasher) hasher = qrs_visitor_hasher_new ();
  g_autofree char *long_agent = g_strnfill (9000, 'x');
  const char *addresses[] = { "192.0.2.7", "2001:db8::1" };
  const char *agents[] = { NULL, "", "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X)", long_agent };
  guint8 keys[2][32];

  for (guint k = 0; k < G_N_ELEMENTS (keys); k++)
    for (guint i = 0; i < sizeof keys[k]; i++)
      keys[k][i] = (guint8)(k * 101 + i * 7);

  for (guint k = 0; k < G_N_ELEMENTS (keys); k++)
    {
      qrs_visitor_hasher_set_key (hasher, keys[k], sizeof keys[k]);
      for (guint a = 0; a < G_N_ELEMENTS (addresses); a++)
        for (guint u = 0; u < G_N_ELEMENTS (agents); u++)
          {
            g_autoptr(GInetAddress) address = g_inet_address_new_from_string (addresses[a]);
            g_autoptr(GHmac) hmac = g_hmac_new (G_CHECKSUM_SHA256, keys[k], sizeof keys[k]);
            const guint8 separator = 0;
            guint8 expected[32];
            gsize expected_length = sizeof expected;
            guint8 hash[QRS_VISITOR_HASH_LENGTH];
            guint8 again[QRS_VISITOR_HASH_LENGTH];

            g_hmac_update (hmac, g_inet_address_to_bytes (address), g_inet_address_get_native_size (address));
            g_hmac_update (hmac, &separator, 1);
            if (agents[u] != NULL)
              g_hmac_update (hmac, (const guchar *)agents[u], MIN (strlen (agents[u]), 8192));
            g_hmac_get_digest (hmac, expected, &expected_length);

            qrs_visitor_hasher_hash (hasher, address, agents[u], hash);
            g_assert_cmpmem (hash, sizeof hash, expected, QRS_VISITOR_HASH_LENGTH);
            /* The keyed state is left as it was for the next request. */
            qrs_visitor_hasher_hash (hasher, address, agents[u], again);
            g_assert_cmpmem (again, sizeof again, expected, QRS_VISITOR_HASH_LENGTH);
          }
    }
}

/* The forms proxies write a hop in, and the empty elements between. */
static void
test_forwarded_for_hop_forms (void)
{
  g_autoptr(QrsRedirectConfig) config = config_with_proxies ("10.0.0.0/8;::1/128");
  struct { const char *xff; const char *client; } cases[] = {
    { "198.51.100.7:5555", "198.51.100.7" },
    { " 198.51.100.7:65535 ", "198.51.100.7" },
    { "[2001:db8::1]", "2001:db8::1" },
    { "[2001:db8::1]:443", "2001:db8::1" },
    { "\t2001:db8::1\t", "2001:db8::1" },
    { "198.51.100.7:5555, 10.9.9.9:80", "198.51.100.7" },
    { "198.51.100.7, [::1]:8080", "198.51.100.7" },
    /* Empty elements are no hops. */
    { "198.51.100.7,", "198.51.100.7" },
    { "198.51.100.7, ,", "198.51.100.7" },
    { "1.2.3.4, ,198.51.100.7", "198.51.100.7" },
    { "198.51.100.7, , 10.9.9.9", "198.51.100.7" },
    { ",198.51.100.7", "198.51.100.7" },
    { ", 10.9.9.9", "10.9.9.9" },
    /* No address where the client should be: unknown, not the proxy. */
    { "unknown", "::" },
    { "198.51.100.7, unknown", "::" },
    { "unknown, 10.9.9.9", "::" },
    { "_hidden", "::" },
    { "198.51.100.7:", "::" },
    { "198.51.100.7:65536", "::" },
    { "198.51.100.7:80x", "::" },
    { "198.51.100.7:123456", "::" },
    { "[198.51.100.7]", "::" },
    { "[198.51.100.7]:80", "::" },
    { "[2001:db8::1", "::" },
    { "[2001:db8::1]443", "::" },
    { "[2001:db8::1]:", "::" },
    { "2001:db8::1:443:x", "::" },
    { "[]", "::" },
    { "[2001:db8:0000:0000:0000:0000:0000:0000:0000:0000:0000:0001]:443", "::" },
    /* Left of the client is the client's own writing, whatever it is. */
    { "unknown, 198.51.100.7:5555", "198.51.100.7" },
    /* An IPv4 address as an IPv6 stack writes it is that IPv4 address,
     * trusted networks included. */
    { "::ffff:198.51.100.7", "198.51.100.7" },
    { "[::ffff:198.51.100.7]:443", "198.51.100.7" },
    { "198.51.100.7, ::ffff:10.9.9.9", "198.51.100.7" },
    { "::ffff:0:198.51.100.7", "::ffff:0:c633:6407" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *client = client_of (config, "10.1.2.3", cases[i].xff);
      g_assert_cmpstr (client, ==, cases[i].client);
    }

  /* Not from a trusted proxy, none of it is read. */
  {
    g_autofree char *client = client_of (config, "203.0.113.9", "unknown");
    g_assert_cmpstr (client, ==, "203.0.113.9");
  }
}

/* UTM pass-through: the scan's parameters replace the target's own of
 * the same name, so no name reaches the site twice. */
static void
test_location_merges_parameters (void)
{
  struct { const char *target; const char *query; const char *expected; } cases[] = {
    { "https://example.edu/e?utm_source=poster", "utm_source=flyer",
      "https://example.edu/e?utm_source=flyer" },
    /* The target's order, then the scan's new names, then the fragment. */
    { "https://a.example/x?utm_source=poster&lang=en&utm_medium=print#top", "utm_medium=flyer&utm_campaign=open",
      "https://a.example/x?utm_source=poster&lang=en&utm_medium=flyer&utm_campaign=open#top" },
    /* A name the scan repeats: all its values, in its order, where the target's stood. */
    { "https://a.example/x?a=1&utm_source=poster&b=2", "utm_source=flyer&c=3&utm_source=card",
      "https://a.example/x?a=1&utm_source=flyer&utm_source=card&b=2&c=3" },
    { "https://a.example/x?a=1", "c=3&d=4&c=5", "https://a.example/x?a=1&c=3&d=4&c=5" },
    /* A name the target repeats: replaced once. */
    { "https://a.example/x?utm_source=a&b=2&utm_source=c", "utm_source=flyer",
      "https://a.example/x?utm_source=flyer&b=2" },
    /* Any other parameter the target has is the owner's, and stands. */
    { "https://a.example/x?next=/home&plan=basic", "next=https://evil.example&plan=pro&utm_source=x",
      "https://a.example/x?next=/home&plan=basic&utm_source=x" },
    { "https://a.example/x?a=1", "a=2", "https://a.example/x?a=1" },
    { "https://a.example/x?preview", "preview=1", "https://a.example/x?preview" },
    { "https://a.example/x?=1", "=2", "https://a.example/x?=1" },
    /* Case counts: these are two names. */
    { "https://a.example/x?utm_source=poster", "UTM_SOURCE=flyer",
      "https://a.example/x?utm_source=poster&UTM_SOURCE=flyer" },
    { "https://a.example/x?Lang=en", "lang=fr", "https://a.example/x?Lang=en&lang=fr" },
    /* Names compare decoded, as the site will read them; what is written is the scan's text. */
    { "https://a.example/x?utm_source=poster", "utm%5Fsource=flyer", "https://a.example/x?utm%5Fsource=flyer" },
    { "https://a.example/x?utm%5fsource=poster", "utm_source=flyer", "https://a.example/x?utm_source=flyer" },
    { "https://a.example/x?utm_a+b=1", "utm_a%20b=2", "https://a.example/x?utm_a%20b=2" },
    { "https://a.example/x?a+b=1", "a%20b=2", "https://a.example/x?a+b=1" },
    { "https://a.example/x?a=1", "a%3Db=2", "https://a.example/x?a=1&a%3Db=2" },
    { "https://a.example/x?utm_a=1", "utm_a=%0D%0ASet-Cookie:x", "https://a.example/x?utm_a=%0D%0ASet-Cookie:x" },
    { "https://a.example/x?a=1", "%0D%0A=1", "https://a.example/x?a=1&%0D%0A=1" },
    { "https://a.example/x?utm_a%zz=1&utm_a%=1", "utm_a%zz=2&utm_a%=2", "https://a.example/x?utm_a%zz=2&utm_a%=2" },
    { "https://a.example/x?utm_\xc3\xb1=1&b=2", "utm_%C3%B1=2", "https://a.example/x?utm_%C3%B1=2&b=2" },
    /* A parameter without "=" is a name with no value. */
    { "https://a.example/x?utm_preview&a=1", "utm_preview=1", "https://a.example/x?utm_preview=1&a=1" },
    { "https://a.example/x?utm_preview=0", "utm_preview", "https://a.example/x?utm_preview" },
    { "https://a.example/x?preview", "previewed=1", "https://a.example/x?preview&previewed=1" },
    { "https://a.example/x?utm_a=", "utm_a=2", "https://a.example/x?utm_a=2" },
    /* Empty elements carry nothing. */
    { "https://a.example/x?a=1&&b=2&", "c=3", "https://a.example/x?a=1&b=2&c=3" },
    { "https://a.example/x?a=1", "&b=2&", "https://a.example/x?a=1&b=2" },
    { "https://a.example/x", "&&", "https://a.example/x" },
    { "https://a.example/x?", "&", "https://a.example/x?" },
    /* The fragment's "?" is the fragment's, names and all. */
    { "https://a.example/x?utm_a=1#frag?utm_a=2", "utm_a=3", "https://a.example/x?utm_a=3#frag?utm_a=2" },
    { "https://a.example/x#frag?a=2", "a=3", "https://a.example/x?a=3#frag?a=2" },
    /* Non-ASCII in the target is percent-encoded, replaced or not. */
    { "https://a.example/a\xc3\xb1o?tema=ni\xc3\xb1os&utm_source=p#secci\xc3\xb3n", "utm_source=f",
      "https://a.example/a%C3%B1o?tema=ni%C3%B1os&utm_source=f#secci%C3%B3n" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(QrsRedirectRoute) route = qrs_redirect_route_new (1, "abcd", cases[i].target, TRUE, 0, TRUE);
      g_autofree char *location = qrs_redirect_build_location (route, cases[i].query);

      g_assert_cmpstr (location, ==, cases[i].expected);
    }

  /* Too long a Location falls back to the target alone, and still in ASCII. */
  {
    g_autofree char *path = g_strnfill (7000, 'p');
    g_autofree char *query = g_strnfill (1500, 'q');
    g_autofree char *target = g_strconcat ("https://a.example/a\xc3\xb1o/", path, NULL);
    g_autofree char *expected = g_strconcat ("https://a.example/a%C3%B1o/", path, NULL);
    g_autoptr(QrsRedirectRoute) route = qrs_redirect_route_new (1, "abcd", target, TRUE, 0, TRUE);
    g_autofree char *location = qrs_redirect_build_location (route, query);

    g_assert_cmpstr (location, ==, expected);
  }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/route/short-id-shape", test_short_id_shape);
  g_test_add_func ("/route/answers", test_route_answers);
  g_test_add_func ("/route/table", test_route_table);
  g_test_add_func ("/route/snapshot-round-trip", test_snapshot_round_trip);
  g_test_add_func ("/route/snapshot-rejects-bad-files", test_snapshot_rejects_bad_files);
  g_test_add_func ("/request/location", test_location);
  g_test_add_func ("/request/user-agent-cleaning", test_user_agent_cleaning);
  g_test_add_func ("/request/referrer-host", test_referrer_host);
  g_test_add_func ("/request/forwarded-for", test_forwarded_for);
  g_test_add_func ("/request/visitor-hash", test_visitor_hash);
  g_test_add_func ("/request/forwarded-for-hop-forms", test_forwarded_for_hop_forms);
  g_test_add_func ("/request/location-merges-parameters", test_location_merges_parameters);
  g_test_add_func ("/config/defaults-and-errors", test_config_defaults_and_errors);
  g_test_add_func ("/config/example-documents-every-key", test_config_example);
  g_test_add_func ("/config/systemd-unit", test_systemd_unit);
  g_test_add_func ("/config/daemon/booleans", test_daemon_booleans);
  g_test_add_func ("/config/daemon/numbers", test_daemon_numbers);
  g_test_add_func ("/config/daemon/leftover-arguments", test_daemon_leftover_arguments);
  g_test_add_func ("/config/daemon/version", test_daemon_version);
  g_test_add_func ("/config/daemon/help-says-defaults", test_daemon_help);
  g_test_add_func ("/config/daemon/relative-paths", test_daemon_relative_paths);
  g_test_add_func ("/config/deploy-metric-names", test_deploy_metric_names);
  g_test_add_func ("/pages/languages", test_pages);

  return g_test_run ();
}
