/* qrs-redirect-pages.c — the small pages a visitor sees when a code
 * does not redirect
 *
 * The pages are chosen per request from Accept-Language, on many threads
 * at once.  gettext picks its catalogue from the process's locale, which
 * one request cannot change for itself, so the page texts live in this
 * table, one row per language, and are rendered once at start.  To add a
 * language, add a row.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include <libsoup/soup.h>

#include "qrs-redirect-pages.h"

typedef struct
{
  const char *language;
  const char *title[QRS_REDIRECT_N_PAGES];
  const char *message[QRS_REDIRECT_N_PAGES];
} PageTexts;

static const PageTexts page_texts[] = {
  {
    "en",
    {
      "This code leads nowhere",
      "This code is no longer active",
      "Not allowed",
    },
    {
      "We do not know this QR code. Check that it was scanned whole, or ask whoever printed it.",
      "Whoever published this QR code has switched it off, or its time is over.",
      "This address only answers to a browser opening it.",
    },
  },
  {
    "es",
    {
      "Este código no lleva a ninguna parte",
      "Este código ya no está activo",
      "Operación no permitida",
    },
    {
      "No conocemos este código QR. Comprueba que se ha escaneado entero o pregunta a quien lo imprimió.",
      "Quien publicó este código QR lo ha desactivado o su plazo ha terminado.",
      "Esta dirección solo responde a un navegador que la abra.",
    },
  },
};

static char *pages[G_N_ELEMENTS (page_texts)][QRS_REDIRECT_N_PAGES];

static void
render_pages (void)
{
  static gsize rendered = 0;

  if (!g_once_init_enter (&rendered))
    return;

  for (guint l = 0; l < G_N_ELEMENTS (page_texts); l++)
    for (guint p = 0; p < QRS_REDIRECT_N_PAGES; p++)
      {
        g_autofree char *title = g_markup_escape_text (page_texts[l].title[p], -1);
        g_autofree char *message = g_markup_escape_text (page_texts[l].message[p], -1);

        pages[l][p] = g_strdup_printf (
          "<!DOCTYPE html>\n"
          "<html lang=\"%s\">\n"
          "<head>\n"
          "<meta charset=\"utf-8\">\n"
          "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
          "<meta name=\"robots\" content=\"noindex\">\n"
          "<title>%s</title>\n"
          "<style>"
          "body{font-family:system-ui,sans-serif;line-height:1.5;max-width:34rem;"
          "margin:18vh auto;padding:0 1.5rem;color:#222;background:#fafafa}"
          "h1{font-size:1.5rem;font-weight:600}"
          "@media (prefers-color-scheme:dark){body{color:#eee;background:#1d1d1d}}"
          "</style>\n"
          "</head>\n"
          "<body>\n<h1>%s</h1>\n<p>%s</p>\n</body>\n"
          "</html>\n",
          page_texts[l].language, title, title, message);
      }

  g_once_init_leave (&rendered, 1);
}

static int
find_language (const char *tag)
{
  gsize primary = strcspn (tag, "-_");

  for (guint l = 0; l < G_N_ELEMENTS (page_texts); l++)
    if (strlen (page_texts[l].language) == primary &&
        g_ascii_strncasecmp (tag, page_texts[l].language, primary) == 0)
      return l;
  return -1;
}

/**
 * qrs_redirect_pages_pick_language:
 * @accept_language: (nullable): the request's Accept-Language
 *
 * Returns: the best language we have a page in, English when none fits
 */
const char *
qrs_redirect_pages_pick_language (const char *accept_language)
{
  GSList *tags;
  int found = -1;

  if (accept_language == NULL || accept_language[0] == '\0')
    return page_texts[0].language;

  tags = soup_header_parse_quality_list (accept_language, NULL);
  for (GSList *l = tags; l != NULL && found < 0; l = l->next)
    found = find_language (l->data);
  soup_header_free_list (tags);

  return page_texts[MAX (found, 0)].language;
}

/**
 * qrs_redirect_pages_get:
 * @page: which page
 * @language: a language from qrs_redirect_pages_pick_language()
 * @length: (out): its length in bytes
 *
 * Returns: (transfer none): the page, rendered once for the process
 */
const char *
qrs_redirect_pages_get (QrsRedirectPage  page,
                        const char      *language,
                        gsize           *length)
{
  int l;

  g_return_val_if_fail (page < QRS_REDIRECT_N_PAGES, NULL);

  render_pages ();
  l = MAX (find_language (language ? language : ""), 0);
  *length = strlen (pages[l][page]);
  return pages[l][page];
}

/* An Accept-Language weight in thousandths (RFC 9110, 12.4.2): "1"
 * or "0" with up to three decimals.  What is not a weight counts as 0,
 * "not acceptable", as a client that writes one cannot be read. */
static int
parse_weight (const char *value)
{
  int weight = 0;
  int scale = 100;

  if (value[0] == '1')
    return 1000;
  if (value[0] != '0')
    return 0;
  if (value[1] != '.')
    return 0;
  for (const char *p = value + 2; g_ascii_isdigit (*p) && scale > 0; p++, scale /= 10)
    weight += (*p - '0') * scale;
  return weight;
}

/**
 * qrs_primary_language:
 * @accept_language: (nullable): the request's Accept-Language
 *
 * The visitor's first choice, reduced to its primary subtag ("es" from
 * "es-MX;q=0.9"), for the scan record; anything odd is dropped.  Of the
 * tags with the highest weight the first wins, and a tag that is not a
 * language ("*", digits) gives way to the next.
 *
 * Runs for every scan, so it reads the header in one pass and keeps
 * nothing but the answer (libsoup's quality list allocates per tag).
 *
 * Returns: (transfer full) (nullable): the language in lower case
 */
char *
qrs_primary_language (const char *accept_language)
{
  const char *best = NULL;
  gsize best_length = 0;
  int best_weight = 0;
  const char *p = accept_language;

  if (p == NULL)
    return NULL;

  while (*p != '\0')
    {
      const char *tag;
      gsize length;
      gsize primary = 0;
      int weight = 1000;
      gboolean ok;

      while (*p == ',' || *p == ' ' || *p == '\t')
        p++;
      tag = p;
      while (*p != '\0' && *p != ',' && *p != ';' && *p != ' ' && *p != '\t')
        p++;
      length = p - tag;

      /* Of the parameters up to the next tag, only the weight counts. */
      while (*p != '\0' && *p != ',')
        {
          if (*p++ != ';')
            continue;
          while (*p == ' ' || *p == '\t')
            p++;
          if ((p[0] == 'q' || p[0] == 'Q') && p[1] == '=')
            weight = parse_weight (p + 2);
        }

      while (primary < length && tag[primary] != '-' && tag[primary] != '_')
        primary++;
      ok = primary >= 2 && primary <= 8;
      for (gsize i = 0; ok && i < primary; i++)
        ok = g_ascii_isalpha (tag[i]);

      if (ok && weight > best_weight)
        {
          best = tag;
          best_length = primary;
          best_weight = weight;
        }
    }

  return best != NULL ? g_ascii_strdown (best, best_length) : NULL;
}
