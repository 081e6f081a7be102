/* qrs-redirect-server.c — the public listener: /r/{short_id}
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <unistd.h>

#include <glib/gi18n-lib.h>
#include <libsoup/soup.h>

#include "qrs-accept-loop.h"
#include "qrs-redirect-pages.h"
#include "qrs-redirect-server.h"
#include "qrs-visitor-hash.h"

#define SALT_LENGTH     32
#define LOCATION_MAX    8192
#define QUERY_MAX       2048
/* More proxies of ours than this in a row is no deployment we know. */
#define FORWARDED_HOPS_MAX 64
#define USEC_PER_DAY    (G_USEC_PER_SEC * G_GINT64_CONSTANT (86400))

typedef struct
{
  QrsRedirectServer *server;        /* not a reference: it owns us */
  guint              index;
  int                fd;
  GThread           *thread;
  GMainContext      *context;
  SoupServer        *soup;
  QrsAcceptLoop     *accept_loop;
  QrsRedirectConfig *config;        /* the worker thread's own */
  GError            *start_error;
  gboolean           started;
  atomic_int         in_flight;
  atomic_bool        draining;
  atomic_bool        quit;
  gint64             salt_day;
  QrsVisitorHasher  *hasher;        /* keyed with the day's salt */
} Worker;

struct _QrsRedirectServer
{
  GObject             parent_instance;

  QrsRedirectConfig  *config;
  QrsRouteTable      *routes;
  QrsSpool           *spool;
  QrsRedirectMetrics *metrics;
  GPtrArray          *workers;
  guint16             port;

  GMutex              start_lock;
  GCond               start_cond;

  /* The visitor-hash salt: random, one per UTC day, in memory only. */
  GMutex              salt_lock;
  gint64              salt_day;
  guint8              salt[SALT_LENGTH];
};

G_DEFINE_FINAL_TYPE (QrsRedirectServer, qrs_redirect_server, G_TYPE_OBJECT)

static GQuark started_quark;

static void
qrs_redirect_server_finalize (GObject *object)
{
  QrsRedirectServer *self = (QrsRedirectServer *)object;

  qrs_redirect_server_stop (self, 0);
  g_clear_pointer (&self->workers, g_ptr_array_unref);
  g_clear_pointer (&self->config, qrs_redirect_config_unref);
  g_clear_object (&self->routes);
  g_clear_object (&self->spool);
  g_mutex_clear (&self->start_lock);
  g_cond_clear (&self->start_cond);
  g_mutex_clear (&self->salt_lock);
  explicit_bzero (self->salt, sizeof self->salt);

  G_OBJECT_CLASS (qrs_redirect_server_parent_class)->finalize (object);
}

static void
qrs_redirect_server_class_init (QrsRedirectServerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = qrs_redirect_server_finalize;

  started_quark = g_quark_from_static_string ("qrs-redirect-started");
}

static void
worker_free (Worker *worker)
{
  if (worker->fd >= 0)
    close (worker->fd);
  g_clear_pointer (&worker->config, qrs_redirect_config_unref);
  g_clear_pointer (&worker->context, g_main_context_unref);
  g_clear_error (&worker->start_error);
  g_clear_pointer (&worker->hasher, qrs_visitor_hasher_free);
  g_free (worker);
}

static void
qrs_redirect_server_init (QrsRedirectServer *self)
{
  g_mutex_init (&self->start_lock);
  g_cond_init (&self->start_cond);
  g_mutex_init (&self->salt_lock);
  self->salt_day = -1;
  self->workers = g_ptr_array_new_with_free_func ((GDestroyNotify)worker_free);
}

/**
 * qrs_redirect_server_new:
 * @metrics: (transfer none): lives as long as the server
 */
QrsRedirectServer *
qrs_redirect_server_new (QrsRedirectConfig  *config,
                         QrsRouteTable      *routes,
                         QrsSpool           *spool,
                         QrsRedirectMetrics *metrics)
{
  QrsRedirectServer *self;

  g_return_val_if_fail (config != NULL, NULL);
  g_return_val_if_fail (QRS_IS_ROUTE_TABLE (routes), NULL);
  g_return_val_if_fail (QRS_IS_SPOOL (spool), NULL);
  g_return_val_if_fail (metrics != NULL, NULL);

  self = g_object_new (QRS_TYPE_REDIRECT_SERVER, NULL);
  self->config = qrs_redirect_config_ref (config);
  self->routes = g_object_ref (routes);
  self->spool = g_object_ref (spool);
  self->metrics = metrics;

  return self;
}

/* ------------------------------------------------------------------ */
/* What a request tells us, cleaned for the scan record                */

/**
 * qrs_redirect_clean_user_agent:
 *
 * Valid UTF-8 without control characters, at most 512 bytes, cut at a
 * character boundary.
 *
 * Returns: (transfer full): the user agent, "" when there is none
 */
char *
qrs_redirect_clean_user_agent (const char *user_agent)
{
  char *clean;
  gsize length;

  if (user_agent == NULL)
    return g_strdup ("");

  /* Nearly every user agent is short printable ASCII, clean already:
   * one pass and a copy, for every scan. */
  length = strnlen (user_agent, QRS_SCAN_USER_AGENT_MAX + 1);
  if (length <= QRS_SCAN_USER_AGENT_MAX)
    {
      gsize i = 0;

      while (i < length && (guchar)user_agent[i] >= 0x20 && (guchar)user_agent[i] < 0x7f)
        i++;
      if (i == length)
        return g_strndup (user_agent, length);
    }

  clean = g_utf8_make_valid (user_agent, strnlen (user_agent, QRS_SCAN_USER_AGENT_MAX * 4));
  for (char *p = clean; *p; p++)
    if ((guchar)*p < 0x20 || (guchar)*p == 0x7f)
      *p = ' ';

  length = strlen (clean);
  if (length > QRS_SCAN_USER_AGENT_MAX)
    {
      gsize cut = QRS_SCAN_USER_AGENT_MAX;

      /* Back off to the first byte of the character that does not fit. */
      while (cut > 0 && ((guchar)clean[cut] & 0xC0) == 0x80)
        cut--;
      clean[cut] = '\0';
    }
  return clean;
}

/**
 * qrs_redirect_referrer_host:
 *
 * Only the host of the Referer is kept: the path may be private.
 *
 * Returns: (transfer full) (nullable): the host in lower case
 */
char *
qrs_redirect_referrer_host (const char *referer)
{
  g_autoptr(GUri) uri = NULL;
  const char *host;

  if (referer == NULL || referer[0] == '\0' || strlen (referer) > 4096)
    return NULL;

  uri = g_uri_parse (referer, G_URI_FLAGS_NONE, NULL);
  if (uri == NULL || (host = g_uri_get_host (uri)) == NULL || host[0] == '\0' ||
      strlen (host) > QRS_SCAN_REFERRER_MAX)
    return NULL;

  for (const char *p = host; *p; p++)
    if (!g_ascii_isalnum (*p) && strchr (".-:[]", *p) == NULL)
      return NULL;
  /* A colon belongs in an IPv6 address alone: "user:pass" written
   * percent-encoded where the host goes decodes to one, and
   * credentials are never stored. */
  if (strchr (host, ':') != NULL && !g_hostname_is_ip_address (host))
    return NULL;

  return g_ascii_strdown (host, -1);
}

/* One hop of X-Forwarded-For as proxies write it: a bare address, an
 * IPv4 address with a port, or an IPv6 address in brackets with or
 * without one.  NULL for anything else: "unknown", an obfuscated name
 * or garbage.  The longest form, "[" + 45 + "]:65535", fits the buffer,
 * so no hop costs an allocation however long the header. */
static GInetAddress *
forwarded_hop_address (const char *text,
                       gsize       length)
{
  char buffer[64];
  const char *address = text;
  gsize address_length;
  const char *port = NULL;
  gsize port_length = 0;
  GSocketFamily family = G_SOCKET_FAMILY_INVALID;
  GInetAddress *hop;

  if (length == 0 || length >= sizeof buffer)
    return NULL;

  if (text[0] == '[')
    {
      const char *close = memchr (text, ']', length);

      if (close == NULL)
        return NULL;
      address = text + 1;
      address_length = close - address;
      if (close + 1 < text + length)
        {
          if (close[1] != ':')
            return NULL;
          port = close + 2;
          port_length = text + length - port;
        }
      family = G_SOCKET_FAMILY_IPV6;
    }
  else
    {
      const char *colon = memchr (text, ':', length);

      address_length = length;
      /* One colon is an IPv4 address and its port; more is IPv6, whose
       * port would need the brackets. */
      if (colon != NULL && memchr (colon + 1, ':', text + length - colon - 1) == NULL)
        {
          address_length = colon - text;
          port = colon + 1;
          port_length = text + length - port;
          family = G_SOCKET_FAMILY_IPV4;
        }
    }

  if (port != NULL)
    {
      guint value = 0;

      if (port_length == 0 || port_length > 5)
        return NULL;
      for (gsize i = 0; i < port_length; i++)
        {
          if (!g_ascii_isdigit (port[i]))
            return NULL;
          value = value * 10 + (port[i] - '0');
        }
      if (value > G_MAXUINT16)
        return NULL;
    }

  memcpy (buffer, address, address_length);
  buffer[address_length] = '\0';
  hop = g_inet_address_new_from_string (buffer);
  if (hop != NULL && family != G_SOCKET_FAMILY_INVALID && g_inet_address_get_family (hop) != family)
    g_clear_object (&hop);

  /* "::ffff:198.51.100.7" is 198.51.100.7 as an IPv6 stack writes it:
   * one visitor, and one match against the trusted networks. */
  if (hop != NULL && g_inet_address_get_family (hop) == G_SOCKET_FAMILY_IPV6)
    {
      static const guint8 mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
      const guint8 *bytes = g_inet_address_to_bytes (hop);

      if (memcmp (bytes, mapped, sizeof mapped) == 0)
        {
          GInetAddress *v4 = g_inet_address_new_from_bytes (bytes + sizeof mapped, G_SOCKET_FAMILY_IPV4);

          g_object_unref (hop);
          hop = v4;
        }
    }
  return hop;
}

/**
 * qrs_redirect_client_address:
 * @config: the configuration with the trusted proxies
 * @peer: the address the connection came from
 * @forwarded_for: (nullable): the X-Forwarded-For header, all of it
 *
 * Believes X-Forwarded-For only when @peer is a trusted proxy, and then
 * only up to the first address, from the right, that is not one: what is
 * left of that was written by the client and may be anything.  Empty
 * elements ("a,", "a, ,b") are no hops and are passed over.
 *
 * A hop that is no address ("unknown", garbage) where the client should
 * be was still written by a proxy we trust, which did not know the
 * client.  The client is then unknown, and the answer is the
 * unspecified address "::": those visitors are told apart by their user
 * agent alone, under a name of their own.  Not the proxy's address,
 * which would mix them with the proxy's own requests and split them by
 * which proxy relayed them; not a value new for every request, which
 * would count one phone scanning twice as two visitors, and a whole
 * misconfigured proxy's traffic as that many.
 *
 * Returns: (transfer full): the visitor's address, or "::" when a
 *   trusted proxy vouched for no address
 */
GInetAddress *
qrs_redirect_client_address (QrsRedirectConfig *config,
                             GInetAddress      *peer,
                             const char        *forwarded_for)
{
  GInetAddress *client;
  const char *end;

  g_return_val_if_fail (config != NULL, NULL);
  g_return_val_if_fail (G_IS_INET_ADDRESS (peer), NULL);

  client = g_object_ref (peer);
  if (forwarded_for == NULL || !qrs_redirect_config_is_trusted_proxy (config, peer))
    return client;

  /* Read from the right, where our proxies appended their hops, and
   * never split whole: the client writes the left part, as long as it
   * likes, and a split with a cap would lump the right end together.
   * Empty elements count against the cap too, so a header of commas
   * costs no more than one of hops. */
  end = forwarded_for + strlen (forwarded_for);
  for (guint n = 0; n < FORWARDED_HOPS_MAX && end > forwarded_for; n++)
    {
      const char *start = end;
      const char *first;
      const char *last;
      GInetAddress *hop;

      while (start > forwarded_for && start[-1] != ',')
        start--;
      for (first = start; first < end && (*first == ' ' || *first == '\t'); first++)
        ;
      for (last = end; last > first && (last[-1] == ' ' || last[-1] == '\t'); last--)
        ;
      hop = forwarded_hop_address (first, last - first);
      end = start > forwarded_for ? start - 1 : start;

      if (first == last)
        continue;
      g_object_unref (client);
      if (hop == NULL)
        return g_inet_address_new_any (G_SOCKET_FAMILY_IPV6);
      client = hop;
      if (!qrs_redirect_config_is_trusted_proxy (config, hop))
        break;
    }
  return client;
}

static gboolean
is_query_safe (const char *query)
{
  gsize length = 0;

  for (const char *p = query; *p; p++, length++)
    if ((guchar)*p <= 0x20 || (guchar)*p >= 0x7f || *p == '#' || length >= QUERY_MAX)
      return FALSE;
  return TRUE;
}

/* One parameter of a query: the text as written, and its name as the
 * site reading the query will see it. */
typedef struct
{
  const char *text;
  gsize       length;
  GString    *name;
  gboolean    written;
} QueryParameter;

static void
query_parameter_clear (gpointer data)
{
  QueryParameter *parameter = data;

  g_string_free (parameter->name, TRUE);
}

/* A name compares decoded, "%XX" and "+" as a form decoder reads them,
 * because that is how the target site will read it: "utm%5Fsource" is
 * its "utm_source", and leaving both would bring the duplicate back.
 * Case counts, as it does for every query parser we know. */
static GString *
query_parameter_name (const char *text,
                      gsize       length)
{
  const char *equals = memchr (text, '=', length);
  gsize end = equals ? (gsize)(equals - text) : length;
  GString *name = g_string_sized_new (end);

  for (gsize i = 0; i < end; i++)
    {
      int high, low;

      if (text[i] == '%' && i + 2 < end &&
          (high = g_ascii_xdigit_value (text[i + 1])) >= 0 &&
          (low = g_ascii_xdigit_value (text[i + 2])) >= 0)
        {
          g_string_append_c (name, (char)(high << 4 | low));
          i += 2;
        }
      else
        g_string_append_c (name, text[i] == '+' ? ' ' : text[i]);
    }
  return name;
}

/* Parameters are split at "&" alone; empty ones carry nothing and are
 * left out. */
static GArray *
query_parameters (const char *query,
                  gsize       length)
{
  GArray *parameters = g_array_new (FALSE, FALSE, sizeof (QueryParameter));
  const char *end = query + length;

  g_array_set_clear_func (parameters, query_parameter_clear);
  for (const char *start = query; start < end; )
    {
      const char *amp = memchr (start, '&', end - start);
      const char *stop = amp ? amp : end;

      if (stop > start)
        {
          QueryParameter parameter = { start, stop - start, query_parameter_name (start, stop - start), FALSE };
          g_array_append_val (parameters, parameter);
        }
      start = stop + 1;
    }
  return parameters;
}

/* The target's bytes outside ASCII, percent-encoded: the Location is
 * plain ASCII. */
static void
append_ascii (GString    *location,
              const char *text,
              gsize       length)
{
  for (gsize i = 0; i < length; i++)
    {
      guchar c = text[i];

      if (c >= 0x80)
        g_string_append_printf (location, "%%%02X", c);
      else
        g_string_append_c (location, c);
    }
}

static void
append_parameter (GString    *location,
                  gboolean   *first,
                  const char *text,
                  gsize       length)
{
  if (!*first)
    g_string_append_c (location, '&');
  *first = FALSE;
  append_ascii (location, text, length);
}

/**
 * qrs_redirect_build_location:
 * @route: the route
 * @query: (nullable): the request's query, still percent-encoded
 *
 * The target, with the query passed on when the code asks for it (UTM
 * pass-through), and any byte outside ASCII percent-encoded, so the
 * Location header is always plain ASCII.
 *
 * A campaign tag the scanned URL carries (a name starting "utm_")
 * replaces the target's parameters of the same name, where the first of
 * them stood: a code printed with "?utm_source=poster" and scanned from
 * a flyer as "?utm_source=flyer" goes to "?utm_source=flyer", since most
 * analytics read the first value of a name and the scan's own campaign
 * would otherwise be lost.  When the scan repeats a tag, all its values
 * go there, in its order.  Any other parameter the target has is the
 * code owner's and stands: the scan's value of it is dropped, so that a
 * link on our short domain cannot change "next=" or "plan=" of a page
 * the owner chose.  The target's parameters keep their order; the
 * scan's new ones follow them, in the scan's order; the target's
 * fragment stays at the end.  A parameter without "=" is a name with no
 * value ("?preview" and "?preview=1" share the name "preview"); empty
 * ones ("a=1&&b=2&") are none and are left out.  Names are compared
 * decoded and case-sensitively (query_parameter_name()).
 *
 * Returns: (transfer full): the Location
 */
char *
qrs_redirect_build_location (const QrsRedirectRoute *route,
                             const char     *query)
{
  g_autoptr(GArray) scanned = NULL;
  g_autoptr(GArray) targeted = NULL;
  GString *location;
  const char *target;
  const char *fragment;
  const char *question;
  gsize before_fragment;
  gsize before_query;
  gboolean first = TRUE;

  g_return_val_if_fail (route != NULL, NULL);

  if (!route->utm_passthrough || query == NULL || query[0] == '\0' || !is_query_safe (query))
    return g_strdup (route->location);

  target = route->target_url;
  fragment = strchr (target, '#');
  before_fragment = fragment ? (gsize)(fragment - target) : strlen (target);
  /* A "?" in the fragment is the fragment's. */
  question = memchr (target, '?', before_fragment);
  before_query = question ? (gsize)(question - target) : before_fragment;

  scanned = query_parameters (query, strlen (query));
  targeted = question ? query_parameters (question + 1, before_fragment - before_query - 1)
                      : g_array_new (FALSE, FALSE, sizeof (QueryParameter));

  location = g_string_sized_new (before_fragment + strlen (query) + 64);
  append_ascii (location, target, before_query);
  if (question != NULL || scanned->len > 0)
    g_string_append_c (location, '?');

  for (guint t = 0; t < targeted->len; t++)
    {
      QueryParameter *own = &g_array_index (targeted, QueryParameter, t);
      gboolean campaign = g_str_has_prefix (own->name->str, "utm_");
      gboolean replaced = FALSE;

      for (guint s = 0; s < scanned->len; s++)
        {
          QueryParameter *scan = &g_array_index (scanned, QueryParameter, s);

          if (!g_string_equal (scan->name, own->name))
            continue;
          /* Not a campaign tag: the owner's value stands, the scan's goes. */
          if (campaign && !scan->written)
            {
              append_parameter (location, &first, scan->text, scan->length);
              replaced = TRUE;
            }
          else if (campaign)
            replaced = TRUE;
          scan->written = TRUE;
        }
      if (!replaced)
        append_parameter (location, &first, own->text, own->length);
    }
  for (guint s = 0; s < scanned->len; s++)
    {
      QueryParameter *scan = &g_array_index (scanned, QueryParameter, s);

      if (!scan->written)
        append_parameter (location, &first, scan->text, scan->length);
    }

  if (fragment != NULL)
    append_ascii (location, fragment, strlen (fragment));

  /* Too long for the headers: the target alone, and in ASCII too. */
  if (location->len > LOCATION_MAX)
    {
      g_string_free (location, TRUE);
      return g_strdup (route->location);
    }
  return g_string_free (location, FALSE);
}

/* ------------------------------------------------------------------ */
/* The visitor hash                                                    */

static void
refresh_salt (Worker *worker,
              gint64  day)
{
  QrsRedirectServer *self = worker->server;

  g_mutex_lock (&self->salt_lock);
  if (self->salt_day != day)
    {
      /* A new day, a new salt: yesterday's visitors can no longer be
       * linked to today's, and a restart forgets them all. */
      if (getrandom (self->salt, sizeof self->salt, 0) != sizeof self->salt)
        g_error ("The kernel gave no random bytes for the visitor salt: %s", g_strerror (errno));
      self->salt_day = day;
    }
  qrs_visitor_hasher_set_key (worker->hasher, self->salt, sizeof self->salt);
  worker->salt_day = day;
  g_mutex_unlock (&self->salt_lock);
}

static void
compute_visitor_hash (Worker       *worker,
                      gint64        now,
                      GInetAddress *client,
                      const char   *user_agent,
                      guint8        hash[16])
{
  gint64 day = now / USEC_PER_DAY;

  if (worker->salt_day != day)
    refresh_salt (worker, day);

  qrs_visitor_hasher_hash (worker->hasher, client, user_agent, hash);
}

/* ------------------------------------------------------------------ */
/* Answers                                                             */

/* Not inlined, so that tools/bench redirect-cost can count it. */
G_GNUC_NO_INLINE static void
add_common_headers (Worker             *worker,
                    SoupMessageHeaders *headers)
{
  /* Called once per answer, on headers of ours alone: append, not replace. */
  soup_message_headers_append (headers, "Cache-Control", "no-store");
  soup_message_headers_append (headers, "X-Content-Type-Options", "nosniff");
  soup_message_headers_append (headers, "Referrer-Policy", worker->config->referrer_policy);
  if (worker->config->hsts != NULL)
    soup_message_headers_append (headers, "Strict-Transport-Security", worker->config->hsts);
  if (atomic_load (&worker->draining))
    soup_message_headers_append (headers, "Connection", "close");
}

static void
answer_page (Worker            *worker,
             SoupServerMessage *msg,
             guint              status,
             QrsRedirectPage    page)
{
  SoupMessageHeaders *request = soup_server_message_get_request_headers (msg);
  SoupMessageHeaders *headers = soup_server_message_get_response_headers (msg);
  const char *language;
  const char *body;
  gsize length;

  language = qrs_redirect_pages_pick_language (soup_message_headers_get_one (request, "Accept-Language"));
  body = qrs_redirect_pages_get (page, language, &length);

  soup_server_message_set_status (msg, status, NULL);
  add_common_headers (worker, soup_server_message_get_response_headers (msg));
  soup_message_headers_replace (headers, "Content-Security-Policy", QRS_REDIRECT_PAGE_CSP);
  soup_message_headers_replace (headers, "Content-Language", language);
  soup_message_headers_replace (headers, "Vary", "Accept-Language");
  if (status == SOUP_STATUS_METHOD_NOT_ALLOWED)
    soup_message_headers_replace (headers, "Allow", "GET, HEAD");
  soup_server_message_set_response (msg, "text/html; charset=utf-8", SOUP_MEMORY_STATIC, body, length);
}

static void
answer_text (Worker            *worker,
             SoupServerMessage *msg,
             guint              status,
             const char        *text)
{
  soup_server_message_set_status (msg, status, NULL);
  add_common_headers (worker, soup_server_message_get_response_headers (msg));
  soup_server_message_set_response (msg, "text/plain; charset=utf-8", SOUP_MEMORY_STATIC,
                                    text, strlen (text));
}

static void
record_scan (Worker            *worker,
             SoupServerMessage *msg,
             const QrsRedirectRoute    *route,
             gint64             now)
{
  SoupMessageHeaders *request = soup_server_message_get_request_headers (msg);
  const char *user_agent = soup_message_headers_get_one (request, "User-Agent");
  GSocketAddress *remote = soup_server_message_get_remote_address (msg);
  g_autofree char *clean_agent = qrs_redirect_clean_user_agent (user_agent);
  g_autofree char *referrer = qrs_redirect_referrer_host (soup_message_headers_get_one (request, "Referer"));
  g_autofree char *language = qrs_primary_language (soup_message_headers_get_one (request, "Accept-Language"));
  g_autoptr(GInetAddress) client = NULL;
  QrsScanRecord record = { 0 };

  if (G_IS_INET_SOCKET_ADDRESS (remote))
    client = qrs_redirect_client_address (worker->config,
                                          g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (remote)),
                                          soup_message_headers_get_list (request, "X-Forwarded-For"));
  else
    client = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  /* Only a trusted proxy's word makes the client unknown ("::"). */
  if (g_inet_address_get_is_any (client))
    qrs_redirect_metrics_observe_unknown_client (worker->server->metrics);

  qrs_scan_record_new_event_id (record.event_id, now);
  record.code_id = route->code_id;
  record.scanned_at = now;
  compute_visitor_hash (worker, now, client, user_agent, record.visitor_hash);
  record.user_agent = clean_agent;
  record.referrer_host = referrer;
  record.language = language;

  /* Dropped scans are counted by the spool; the visitor is redirected
   * all the same. */
  qrs_spool_append (worker->server->spool, &record);
}

static void
answer_redirect (Worker            *worker,
                 SoupServerMessage *msg,
                 const char        *short_id)
{
  g_autoptr(QrsRedirectRoute) route = NULL;
  g_autofree char *built = NULL;
  const char *location;
  const char *query;
  gint64 now = g_get_real_time ();

  route = qrs_route_table_lookup (worker->server->routes, short_id);
  if (route == NULL)
    {
      answer_page (worker, msg, SOUP_STATUS_NOT_FOUND, QRS_REDIRECT_PAGE_NOT_FOUND);
      return;
    }
  if (qrs_redirect_route_get_answer (route, now) == QRS_ROUTE_ANSWER_GONE)
    {
      answer_page (worker, msg, SOUP_STATUS_GONE, QRS_REDIRECT_PAGE_GONE);
      return;
    }

  /* Most codes pass no query on: their Location is the route's own. */
  query = route->utm_passthrough ? g_uri_get_query (soup_server_message_get_uri (msg)) : NULL;
  if (query != NULL && query[0] != '\0')
    location = built = qrs_redirect_build_location (route, query);
  else
    location = route->location;

  /* The scan is in the spool before the visitor has the answer. */
  record_scan (worker, msg, route, now);

  soup_server_message_set_status (msg, SOUP_STATUS_FOUND, NULL);
  add_common_headers (worker, soup_server_message_get_response_headers (msg));
  soup_message_headers_append (soup_server_message_get_response_headers (msg), "Location", location);
  soup_server_message_set_response (msg, NULL, SOUP_MEMORY_STATIC, NULL, 0);
}

static gboolean
is_get_or_head (SoupServerMessage *msg)
{
  const char *method = soup_server_message_get_method (msg);

  return method == SOUP_METHOD_GET || method == SOUP_METHOD_HEAD;
}

static gboolean
is_known_path (const char *path)
{
  return g_str_has_prefix (path, "/r/") || g_str_equal (path, "/healthz") || g_str_equal (path, "/readyz");
}

/* libsoup 3.2 reads Content-Length with g_ascii_strtoull(), so "-5",
 * "-1" or anything past G_MAXINT64 becomes a negative length
 * (soup_message_headers_set(), soup-message-headers.c:157), and hands it
 * to the body stream it makes right after the early handler
 * (io_read(), soup-server-message-io-http1.c:781 and 790), whose
 * "content-length" property refuses it with a GObject warning
 * (soup-body-input-stream.c:406 and 525): one log line for any client
 * that asks, an abort under fatal warnings.  An answer set here does
 * not stop that read; taking the connection back does: io_run() looks
 * whether the message still has its connection before each step and
 * stops there (soup-server-message-io-http1.c:861, 878 and 929), as
 * for a connection taken back in a handler (libsoup's CONNECT test).
 * The metrics listener uses it too (main.c). */
gboolean
qrs_redirect_has_negative_length (SoupServerMessage *msg)
{
  SoupMessageHeaders *request = soup_server_message_get_request_headers (msg);

  return soup_message_headers_get_encoding (request) == SOUP_ENCODING_CONTENT_LENGTH &&
         soup_message_headers_get_content_length (request) < 0;
}

/* Refuses @msg's request with @status (a 4xx) before libsoup answers
 * it: on the connection taken from libsoup, which closes after the
 * answer (qrs_accept_loop_refuse()).  For a request libsoup cannot read
 * safely, or whose head is too large (qrs-accept-loop.c). */
static void
refuse_without_libsoup (Worker            *worker,
                        SoupServerMessage *msg,
                        guint              status)
{
  /* Headers of its own: @msg may be a kept-alive connection's first
   * message, answered long ago (qrs_accept_loop_set_refuse_func()). */
  g_autoptr(SoupMessageHeaders) headers = soup_message_headers_new (SOUP_MESSAGE_HEADERS_RESPONSE);
  g_autoptr(GString) answer = g_string_new (NULL);
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  g_autofree char *date = soup_date_time_to_string (now, SOUP_DATE_HTTP);
  SoupMessageHeadersIter iter;
  const char *name;
  const char *value;

  g_string_printf (answer, "HTTP/1.1 %u %s\r\n", status,
                   status == QRS_STATUS_REQUEST_HEADER_FIELDS_TOO_LARGE ? "Request Header Fields Too Large"
                                                                       : soup_status_get_phrase (status));
  soup_message_headers_append (headers, "Date", date);
  add_common_headers (worker, headers);
  soup_message_headers_replace (headers, "Connection", "close");
  soup_message_headers_replace (headers, "Content-Length", "0");
  soup_message_headers_iter_init (&iter, headers);
  while (soup_message_headers_iter_next (&iter, &name, &value))
    g_string_append_printf (answer, "%s: %s\r\n", name, value);
  g_string_append (answer, "\r\n");

  /* No "request-finished" or "request-aborted" follows a message whose
   * connection is taken: counted here.  In flight, it leaves too. */
  if (g_object_steal_qdata (G_OBJECT (msg), started_quark) != NULL)
    atomic_fetch_sub (&worker->in_flight, 1);
  qrs_redirect_metrics_observe (worker->server->metrics, status, 0);

  qrs_accept_loop_refuse (msg, answer->str, answer->len);
}

static void
refuse_head_cb (SoupServerMessage *msg,
                guint              status,
                gpointer           user_data)
{
  refuse_without_libsoup (user_data, msg, status);
}

/* Before the body is read: a method we do not serve gets its 405 without
 * the server reading a body nobody wants.  Every request passes here
 * once, so this is also where its time starts (a signal handler on
 * "request-read" would cost a signal emission per request more). */
static void
early_request_cb (SoupServer        *soup,
                  SoupServerMessage *msg,
                  const char        *path,
                  GHashTable        *query,
                  gpointer           user_data)
{
  Worker *worker = user_data;
  /* The low bits of the clock, never 0: enough for durations under an
   * hour without an allocation per request. */
  guint32 started = (guint32)g_get_monotonic_time () | 1;

  qrs_accept_loop_request_read (msg);
  if (qrs_redirect_has_negative_length (msg))
    {
      refuse_without_libsoup (worker, msg, SOUP_STATUS_BAD_REQUEST);
      return;
    }

  /* Marks the message in flight until it is finished or aborted; a
   * connection idling in keep-alive has a message that was never read. */
  g_object_set_qdata (G_OBJECT (msg), started_quark, GUINT_TO_POINTER (started));
  atomic_fetch_add (&worker->in_flight, 1);

  /* No answer needs a request body, and libsoup reads one whole before
   * any handler runs, whatever the early handler answered: kept, a
   * body of a gigabyte would be a gigabyte of memory.  Read and let go,
   * chunk by chunk, within the client timeout. */
  soup_message_body_set_accumulate (soup_server_message_get_request_body (msg), FALSE);

  if (!is_get_or_head (msg))
    {
      if (is_known_path (path))
        answer_page (worker, msg, SOUP_STATUS_METHOD_NOT_ALLOWED, QRS_REDIRECT_PAGE_METHOD_NOT_ALLOWED);
      else
        answer_page (worker, msg, SOUP_STATUS_NOT_FOUND, QRS_REDIRECT_PAGE_NOT_FOUND);
    }
}

static void
request_cb (SoupServer        *soup,
            SoupServerMessage *msg,
            const char        *path,
            GHashTable        *query,
            gpointer           user_data)
{
  Worker *worker = user_data;

  if (!is_known_path (path))
    {
      answer_page (worker, msg, SOUP_STATUS_NOT_FOUND, QRS_REDIRECT_PAGE_NOT_FOUND);
      return;
    }
  if (!is_get_or_head (msg))
    {
      answer_page (worker, msg, SOUP_STATUS_METHOD_NOT_ALLOWED, QRS_REDIRECT_PAGE_METHOD_NOT_ALLOWED);
      return;
    }

  if (g_str_has_prefix (path, "/r/"))
    {
      const char *short_id = path + strlen ("/r/");

      /* Anything that cannot be a short id never reaches the table. */
      if (!qrs_short_id_is_valid (short_id, -1) || short_id[strlen (short_id)] != '\0' ||
          strlen (short_id) > 32)
        answer_page (worker, msg, SOUP_STATUS_NOT_FOUND, QRS_REDIRECT_PAGE_NOT_FOUND);
      else
        answer_redirect (worker, msg, short_id);
    }
  else if (g_str_equal (path, "/healthz"))
    answer_text (worker, msg, SOUP_STATUS_OK, "ok\n");
  else
    {
      switch (qrs_route_table_get_source (worker->server->routes))
        {
        case QRS_ROUTE_SOURCE_DATABASE:
          answer_text (worker, msg, SOUP_STATUS_OK, "ready\n");
          break;
        case QRS_ROUTE_SOURCE_SNAPSHOT:
          /* Still serving every printed code, from the snapshot. */
          answer_text (worker, msg, SOUP_STATUS_OK, "degraded\n");
          break;
        case QRS_ROUTE_SOURCE_NONE:
        default:
          answer_text (worker, msg, SOUP_STATUS_SERVICE_UNAVAILABLE, "not ready\n");
          break;
        }
    }
}

/* The end of a request, answered or not: it leaves the in-flight count
 * and its connection gets a whole client timeout again.  Returns how
 * long it took, 0 when the early handler never saw it. */
static gint64
request_done (Worker            *worker,
              SoupServerMessage *msg)
{
  guint32 started = GPOINTER_TO_UINT (g_object_steal_qdata (G_OBJECT (msg), started_quark));
  gint64 duration = 0;

  if (started != 0)
    {
      duration = (guint32)((guint32)g_get_monotonic_time () - started);
      atomic_fetch_sub (&worker->in_flight, 1);
    }
  qrs_accept_loop_request_finished (msg);
  return duration;
}

/* The answer went out whole, with the status it has. */
static void
request_finished_cb (SoupServer        *soup,
                     SoupServerMessage *msg,
                     gpointer           user_data)
{
  Worker *worker = user_data;
  gint64 duration = request_done (worker, msg);

  qrs_redirect_metrics_observe (worker->server->metrics, soup_server_message_get_status (msg), duration);
}

/* libsoup 3.2.3 says "request-aborted" for two things, both with status
 * 500 (request_finished(), soup-server.c:1077): a read or write that
 * failed, after which io_run() has set the status to 500 and the reason
 * phrase to the error's message (soup-server-message-io-http1.c:950),
 * and nothing was answered whole; and an answer whose status is 500,
 * sent whole, with the reason phrase it was given.  A 500 of ours, or
 * libsoup's for a request no handler answered (write_headers(), :346),
 * has the standard phrase: that phrase tells an answer from a client
 * that hung up, reset, or ran out of its client timeout. */
static gboolean
was_answered (SoupServerMessage *msg)
{
  return soup_server_message_get_status (msg) == SOUP_STATUS_INTERNAL_SERVER_ERROR &&
         g_strcmp0 (soup_server_message_get_reason_phrase (msg),
                    soup_status_get_phrase (SOUP_STATUS_INTERNAL_SERVER_ERROR)) == 0;
}

static void
request_aborted_cb (SoupServer        *soup,
                    SoupServerMessage *msg,
                    gpointer           user_data)
{
  Worker *worker = user_data;
  gint64 duration = request_done (worker, msg);

  if (was_answered (msg))
    qrs_redirect_metrics_observe (worker->server->metrics, SOUP_STATUS_INTERNAL_SERVER_ERROR, duration);
  else
    qrs_redirect_metrics_observe_aborted (worker->server->metrics);
}

/* ------------------------------------------------------------------ */
/* Workers                                                             */

static gpointer
worker_thread (gpointer data)
{
  Worker *worker = data;
  QrsRedirectServer *self = worker->server;
  g_autoptr(GSocket) socket = NULL;
  g_autoptr(GError) error = NULL;

  g_main_context_push_thread_default (worker->context);

  /* No Server header: the software and its version are nobody's business. */
  worker->soup = soup_server_new ("server-header", NULL, NULL);
  soup_server_add_early_handler (worker->soup, NULL, early_request_cb, worker, NULL);
  soup_server_add_handler (worker->soup, NULL, request_cb, worker, NULL);
  g_signal_connect (worker->soup, "request-finished", G_CALLBACK (request_finished_cb), worker);
  g_signal_connect (worker->soup, "request-aborted", G_CALLBACK (request_aborted_cb), worker);

  socket = g_socket_new_from_fd (worker->fd, &error);
  if (socket != NULL)
    {
      /* The GSocket owns the descriptor now. */
      worker->fd = -1;
      worker->accept_loop = qrs_accept_loop_new (worker->soup, socket, worker->config->client_timeout_s,
                                                 worker->context, &error);
      if (worker->accept_loop != NULL)
        qrs_accept_loop_set_refuse_func (worker->accept_loop, refuse_head_cb, worker);
    }

  g_mutex_lock (&self->start_lock);
  worker->started = TRUE;
  if (error != NULL)
    worker->start_error = g_steal_pointer (&error);
  g_cond_broadcast (&self->start_cond);
  g_mutex_unlock (&self->start_lock);

  while (worker->start_error == NULL && !atomic_load (&worker->quit))
    g_main_context_iteration (worker->context, TRUE);

  g_clear_pointer (&worker->accept_loop, qrs_accept_loop_free);
  if (worker->soup != NULL)
    soup_server_disconnect (worker->soup);
  /* Let the connections we closed finish their teardown. */
  while (g_main_context_iteration (worker->context, FALSE))
    ;
  g_clear_object (&worker->soup);
  while (g_main_context_iteration (worker->context, FALSE))
    ;

  g_main_context_pop_thread_default (worker->context);
  return NULL;
}

/**
 * qrs_redirect_listen_socket_new:
 * @host: a numeric address
 * @port: the port, 0 for any
 * @bound_port: (out): the port bound
 * @error: a #GError
 *
 * A listening TCP socket with SO_REUSEPORT, so that several sockets,
 * one per worker, share the port and the kernel spreads connections.
 *
 * Returns: the descriptor, or -1 with @error set
 */
int
qrs_redirect_listen_socket_new (const char  *host,
                                guint16      port,
                                guint16     *bound_port,
                                GError     **error)
{
  g_autoptr(GInetAddress) address = g_inet_address_new_from_string (host);
  g_autoptr(GSocketAddress) socket_address = NULL;
  struct sockaddr_storage native;
  socklen_t native_length = sizeof native;
  int family;
  int one = 1;
  int fd;

  if (address == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   _("“%s” is not an IP address"), host);
      return -1;
    }
  family = g_inet_address_get_family (address) == G_SOCKET_FAMILY_IPV6 ? AF_INET6 : AF_INET;
  socket_address = g_inet_socket_address_new (address, port);
  if (!g_socket_address_to_native (socket_address, &native, sizeof native, error))
    return -1;

  /* Not g_socket_bind(): it clears SO_REUSEPORT on stream sockets. */
  fd = socket (family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0)
    goto failed;
  if (setsockopt (fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0 ||
      setsockopt (fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) < 0)
    goto failed;
  if (family == AF_INET6 && setsockopt (fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one) < 0)
    goto failed;
  if (bind (fd, (struct sockaddr *)&native, g_socket_address_get_native_size (socket_address)) < 0)
    goto failed;
  if (listen (fd, 4096) < 0)
    goto failed;

  if (getsockname (fd, (struct sockaddr *)&native, &native_length) < 0)
    goto failed;
  *bound_port = g_ntohs (family == AF_INET6 ? ((struct sockaddr_in6 *)&native)->sin6_port
                                            : ((struct sockaddr_in *)&native)->sin_port);
  return fd;

failed:
  {
    int saved_errno = errno;

    if (fd >= 0)
      close (fd);
    g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
                 _("Cannot listen on %s port %u: %s"), host, port, g_strerror (saved_errno));
    return -1;
  }
}

/**
 * qrs_redirect_server_start:
 *
 * Binds one SO_REUSEPORT socket per worker (the first decides the port
 * when the configuration says 0) and starts the workers.
 */
gboolean
qrs_redirect_server_start (QrsRedirectServer  *self,
                           GError            **error)
{
  guint16 port;

  g_return_val_if_fail (QRS_IS_REDIRECT_SERVER (self), FALSE);
  g_return_val_if_fail (self->workers->len == 0, FALSE);

  port = self->config->listen_port;
  for (guint i = 0; i < self->config->workers; i++)
    {
      Worker *worker = g_new0 (Worker, 1);

      worker->server = self;
      worker->index = i;
      worker->salt_day = -1;
      worker->hasher = qrs_visitor_hasher_new ();
      worker->config = qrs_redirect_config_ref (self->config);
      worker->context = g_main_context_new ();
      g_ptr_array_add (self->workers, worker);

      worker->fd = qrs_redirect_listen_socket_new (self->config->listen_host, port, &port, error);
      if (worker->fd < 0)
        return FALSE;
    }
  self->port = port;

  for (guint i = 0; i < self->workers->len; i++)
    {
      Worker *worker = g_ptr_array_index (self->workers, i);
      g_autofree char *name = g_strdup_printf ("redirect-%u", i);

      worker->thread = g_thread_new (name, worker_thread, worker);
    }

  g_mutex_lock (&self->start_lock);
  for (guint i = 0; i < self->workers->len; i++)
    {
      Worker *worker = g_ptr_array_index (self->workers, i);

      while (!worker->started)
        g_cond_wait (&self->start_cond, &self->start_lock);
    }
  g_mutex_unlock (&self->start_lock);

  for (guint i = 0; i < self->workers->len; i++)
    {
      Worker *worker = g_ptr_array_index (self->workers, i);

      if (worker->start_error != NULL)
        {
          g_propagate_error (error, g_steal_pointer (&worker->start_error));
          qrs_redirect_server_stop (self, 0);
          return FALSE;
        }
    }

  return TRUE;
}

guint16
qrs_redirect_server_get_port (QrsRedirectServer *self)
{
  g_return_val_if_fail (QRS_IS_REDIRECT_SERVER (self), 0);

  return self->port;
}

typedef struct
{
  Worker            *worker;
  QrsRedirectConfig *config;
} ConfigSwap;

static gboolean
swap_config_cb (gpointer data)
{
  ConfigSwap *swap = data;

  g_clear_pointer (&swap->worker->config, qrs_redirect_config_unref);
  swap->worker->config = g_steal_pointer (&swap->config);
  if (swap->worker->accept_loop != NULL)
    qrs_accept_loop_set_client_timeout (swap->worker->accept_loop, swap->worker->config->client_timeout_s);
  g_free (swap);
  return G_SOURCE_REMOVE;
}

/**
 * qrs_redirect_server_set_config:
 *
 * Hands a reloaded configuration to every worker, in its own thread, so
 * no request ever looks at a configuration being replaced.  The listen
 * address and the number of workers stay as they were.
 */
void
qrs_redirect_server_set_config (QrsRedirectServer *self,
                                QrsRedirectConfig *config)
{
  g_return_if_fail (QRS_IS_REDIRECT_SERVER (self));
  g_return_if_fail (config != NULL);

  g_clear_pointer (&self->config, qrs_redirect_config_unref);
  self->config = qrs_redirect_config_ref (config);

  for (guint i = 0; i < self->workers->len; i++)
    {
      Worker *worker = g_ptr_array_index (self->workers, i);
      ConfigSwap *swap = g_new0 (ConfigSwap, 1);

      swap->worker = worker;
      swap->config = qrs_redirect_config_ref (config);
      g_main_context_invoke (worker->context, swap_config_cb, swap);
    }
}

static gboolean
wake_cb (gpointer data)
{
  return G_SOURCE_REMOVE;
}

/**
 * qrs_redirect_server_stop:
 * @timeout_ms: how long requests in flight may take to finish
 *
 * Stops accepting at once, lets the requests in flight finish (telling
 * their clients not to keep the connection), then closes every
 * connection and joins the workers.
 */
void
qrs_redirect_server_stop (QrsRedirectServer *self,
                          guint              timeout_ms)
{
  gint64 deadline = g_get_monotonic_time () + (gint64)timeout_ms * 1000;

  g_return_if_fail (QRS_IS_REDIRECT_SERVER (self));

  for (guint i = 0; i < self->workers->len; i++)
    {
      Worker *worker = g_ptr_array_index (self->workers, i);

      atomic_store (&worker->draining, TRUE);
      if (worker->accept_loop != NULL)
        qrs_accept_loop_shutdown (worker->accept_loop);
    }

  for (guint i = 0; i < self->workers->len; i++)
    {
      Worker *worker = g_ptr_array_index (self->workers, i);

      while (atomic_load (&worker->in_flight) > 0 && g_get_monotonic_time () < deadline)
        g_usleep (2000);
    }

  for (guint i = 0; i < self->workers->len; i++)
    {
      Worker *worker = g_ptr_array_index (self->workers, i);

      if (worker->thread == NULL)
        continue;
      atomic_store (&worker->quit, TRUE);
      g_main_context_invoke (worker->context, wake_cb, NULL);
      g_thread_join (g_steal_pointer (&worker->thread));
    }
}
