/* qrs-user-agent.c — what device, OS and browser sent a scan
 *
 * The patterns are uap-core's regexes.yaml, read at run time so that a
 * package update improves the analysis without a rebuild.  The rules
 * follow uap-core's docs/specification.md: the first matching pattern of
 * each list wins; a *_replacement, if present, gives a field with $1…$9
 * standing for the capture groups; without one, group 1 is the family
 * (and, for devices, the model) and groups 2… are the versions; results
 * are trimmed and an empty result counts as absent.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include <glib/gi18n-lib.h>
#include <yaml.h>

#include "qrs-user-agent.h"
#include "qrs-user-agent-private.h"

#define DEFAULT_CACHE_SIZE 10000
#define N_FIELDS           5

typedef enum
{
  PART_BROWSER,
  PART_OS,
  PART_DEVICE,
  N_PARTS
} Part;

typedef struct
{
  const char *list_key;
  const char *replacement_keys[N_FIELDS];
  guint       default_groups[N_FIELDS];      /* 0: absent unless replaced */
} PartSpec;

/* Fields in the order of QrsUserAgent: family, major, minor, patch,
 * patch minor; for devices family, brand, model. */
static const PartSpec part_specs[N_PARTS] = {
  [PART_BROWSER] = {
    "user_agent_parsers",
    { "family_replacement", "v1_replacement", "v2_replacement", "v3_replacement", "v4_replacement" },
    { 1, 2, 3, 4, 5 },
  },
  [PART_OS] = {
    "os_parsers",
    { "os_replacement", "os_v1_replacement", "os_v2_replacement", "os_v3_replacement", "os_v4_replacement" },
    { 1, 2, 3, 4, 5 },
  },
  [PART_DEVICE] = {
    "device_parsers",
    { "device_replacement", "brand_replacement", "model_replacement", NULL, NULL },
    { 1, 0, 1, 0, 0 },
  },
};

/* Literals one of which a pattern's every match contains (see below). */
typedef GPtrArray Clause;

typedef struct
{
  char               *pattern;
  GRegexCompileFlags  flags;
  char               *replacements[N_FIELDS];
  GPtrArray          *clauses;                /* of Clause, every match meets them all; or NULL */
  GRegex             *regex;                  /* (atomic) compiled at first use */
  int                 broken;                 /* (atomic) did not compile */
} Rule;

typedef struct
{
  GList         link;         /* in the LRU queue; data is the entry */
  char         *key;          /* the normalised user agent */
  QrsUserAgent *user_agent;
} CacheEntry;

struct _QrsUserAgentParser
{
  GObject     parent_instance;

  GArray     *rules[N_PARTS];
  gboolean    use_literals;

  /* One cache for all threads: the lock is held for a hash lookup and a
   * copy, well under a microsecond, against tens of microseconds for a
   * parse, and a shared cache hits more often than one per thread. */
  GMutex      cache_lock;
  GHashTable *cache;          /* key → CacheEntry */
  GQueue      lru;            /* most recently used first */
  guint       cache_size;
};

G_DEFINE_FINAL_TYPE (QrsUserAgentParser, qrs_user_agent_parser, G_TYPE_OBJECT)
G_DEFINE_BOXED_TYPE (QrsUserAgent, qrs_user_agent, qrs_user_agent_copy, qrs_user_agent_free)
G_DEFINE_QUARK (qrs-user-agent-error-quark, qrs_user_agent_error)

/**
 * qrs_user_agent_copy:
 * @self: a #QrsUserAgent
 *
 * Returns: (transfer full): a deep copy of @self
 */
QrsUserAgent *
qrs_user_agent_copy (const QrsUserAgent *self)
{
  QrsUserAgent *copy;

  g_return_val_if_fail (self != NULL, NULL);

  copy = g_new0 (QrsUserAgent, 1);
  copy->browser_family = g_strdup (self->browser_family);
  copy->browser_major = g_strdup (self->browser_major);
  copy->browser_minor = g_strdup (self->browser_minor);
  copy->browser_patch = g_strdup (self->browser_patch);
  copy->browser_patch_minor = g_strdup (self->browser_patch_minor);
  copy->os_family = g_strdup (self->os_family);
  copy->os_major = g_strdup (self->os_major);
  copy->os_minor = g_strdup (self->os_minor);
  copy->os_patch = g_strdup (self->os_patch);
  copy->os_patch_minor = g_strdup (self->os_patch_minor);
  copy->device_family = g_strdup (self->device_family);
  copy->device_brand = g_strdup (self->device_brand);
  copy->device_model = g_strdup (self->device_model);
  copy->device_class = self->device_class;
  copy->is_bot = self->is_bot;

  return copy;
}

void
qrs_user_agent_free (QrsUserAgent *self)
{
  if (self == NULL)
    return;

  g_free (self->browser_family);
  g_free (self->browser_major);
  g_free (self->browser_minor);
  g_free (self->browser_patch);
  g_free (self->browser_patch_minor);
  g_free (self->os_family);
  g_free (self->os_major);
  g_free (self->os_minor);
  g_free (self->os_patch);
  g_free (self->os_patch_minor);
  g_free (self->device_family);
  g_free (self->device_brand);
  g_free (self->device_model);
  g_free (self);
}

/**
 * qrs_device_class_to_string:
 * @device_class: a #QrsDeviceClass
 *
 * Returns: the stable identifier of @device_class, as stored with each
 *   scan ("mobile", "tablet", …); not for display, the UI translates it
 */
const char *
qrs_device_class_to_string (QrsDeviceClass device_class)
{
  switch (device_class)
    {
    case QRS_DEVICE_CLASS_OTHER: return "other";
    case QRS_DEVICE_CLASS_MOBILE: return "mobile";
    case QRS_DEVICE_CLASS_TABLET: return "tablet";
    case QRS_DEVICE_CLASS_DESKTOP: return "desktop";
    case QRS_DEVICE_CLASS_BOT: return "bot";
    default: g_return_val_if_reached ("other");
    }
}

/* "14", "14.2" or "14.2.1": the version as a scan stores it. */
static gboolean
format_version (const char *major,
                const char *minor,
                const char *patch,
                char       *buffer,
                gsize       size)
{
  if (major == NULL || major[0] == '\0')
    return FALSE;

  if (minor == NULL || minor[0] == '\0')
    g_strlcpy (buffer, major, size);
  else if (patch == NULL || patch[0] == '\0')
    g_snprintf (buffer, size, "%s.%s", major, minor);
  else
    g_snprintf (buffer, size, "%s.%s.%s", major, minor, patch);

  return TRUE;
}

/**
 * qrs_user_agent_format_os_version:
 * @self: a #QrsUserAgent
 * @buffer: where to write the version
 * @size: the size of @buffer, at least 1
 *
 * Writes the operating system's version as scans keep it, major, minor
 * and patch ("17.4.1"), cut to fit @size.
 *
 * Returns: %FALSE, leaving @buffer alone, if the version is unknown
 */
gboolean
qrs_user_agent_format_os_version (const QrsUserAgent *self,
                                  char               *buffer,
                                  gsize               size)
{
  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (buffer != NULL && size > 0, FALSE);

  return format_version (self->os_major, self->os_minor, self->os_patch, buffer, size);
}

/**
 * qrs_user_agent_format_browser_version:
 * @self: a #QrsUserAgent
 * @buffer: where to write the version
 * @size: the size of @buffer, at least 1
 *
 * Writes the browser's version as scans keep it, major and minor
 * ("124.0"), cut to fit @size.
 *
 * Returns: %FALSE, leaving @buffer alone, if the version is unknown
 */
gboolean
qrs_user_agent_format_browser_version (const QrsUserAgent *self,
                                       char               *buffer,
                                       gsize               size)
{
  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (buffer != NULL && size > 0, FALSE);

  return format_version (self->browser_major, self->browser_minor, NULL, buffer, size);
}

static QrsUserAgent *
user_agent_new_other (void)
{
  QrsUserAgent *ua = g_new0 (QrsUserAgent, 1);

  ua->browser_family = g_strdup ("Other");
  ua->os_family = g_strdup ("Other");
  ua->device_family = g_strdup ("Other");
  ua->device_class = QRS_DEVICE_CLASS_OTHER;

  return ua;
}

static void
rule_clear (gpointer data)
{
  Rule *rule = data;

  g_clear_pointer (&rule->pattern, g_free);
  g_clear_pointer (&rule->clauses, g_ptr_array_unref);
  for (guint i = 0; i < N_FIELDS; i++)
    g_clear_pointer (&rule->replacements[i], g_free);
  g_clear_pointer (&rule->regex, g_regex_unref);
}

static void
cache_entry_free (CacheEntry *entry)
{
  g_free (entry->key);
  qrs_user_agent_free (entry->user_agent);
  g_free (entry);
}

/* Called with the cache lock held. */
static void
cache_trim (QrsUserAgentParser *self,
            guint               n_entries)
{
  while (self->lru.length > n_entries)
    {
      GList *link = g_queue_pop_tail_link (&self->lru);
      CacheEntry *entry = link->data;

      g_hash_table_remove (self->cache, entry->key);
      cache_entry_free (entry);
    }
}

static void
qrs_user_agent_parser_finalize (GObject *object)
{
  QrsUserAgentParser *self = (QrsUserAgentParser *)object;

  cache_trim (self, 0);
  g_clear_pointer (&self->cache, g_hash_table_unref);
  g_mutex_clear (&self->cache_lock);
  for (guint i = 0; i < N_PARTS; i++)
    g_clear_pointer (&self->rules[i], g_array_unref);

  G_OBJECT_CLASS (qrs_user_agent_parser_parent_class)->finalize (object);
}

static void
qrs_user_agent_parser_class_init (QrsUserAgentParserClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = qrs_user_agent_parser_finalize;
}

static void
qrs_user_agent_parser_init (QrsUserAgentParser *self)
{
  for (guint i = 0; i < N_PARTS; i++)
    {
      self->rules[i] = g_array_new (FALSE, TRUE, sizeof (Rule));
      g_array_set_clear_func (self->rules[i], rule_clear);
    }

  self->use_literals = TRUE;
  g_mutex_init (&self->cache_lock);
  self->cache = g_hash_table_new (g_str_hash, g_str_equal);
  g_queue_init (&self->lru);
  self->cache_size = DEFAULT_CACHE_SIZE;
}

/* Literals
 *
 * A user agent is tried against some 1,200 patterns, and the first match
 * of each list wins, so nearly every pattern is tried and fails.  Most
 * name products ("SamsungBrowser", "; {0,2}DOOV", "(bingbot|Slurp|…)"),
 * and a pattern none of whose products is in the user agent cannot
 * match: looking for those texts is much cheaper than a match, above all
 * where PCRE2 runs without its JIT (under the daemon unit's
 * MemoryDenyWriteExecute).
 *
 * The texts are read from the pattern itself, cautiously: only runs of
 * characters that every match must contain count ("[Ss]" as a letter of
 * either case), anything in an optional part is left out, alternatives
 * count only if each of them has a text of its own, and a pattern using
 * syntax not understood here gets nothing, so it is always tried. */

typedef struct
{
  char     *text;
  gboolean  caseless;    /* in lower case, to be looked for in lower case */
} Literal;

static void
literal_free (gpointer data)
{
  Literal *literal = data;

  g_free (literal->text);
  g_free (literal);
}

static Clause *
clause_new (void)
{
  return g_ptr_array_new_with_free_func (literal_free);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Clause, g_ptr_array_unref)

static GPtrArray *
clause_list_new (void)
{
  return g_ptr_array_new_with_free_func ((GDestroyNotify)g_ptr_array_unref);
}

static gsize
clause_shortest (Clause *clause)
{
  gsize shortest = G_MAXSIZE;

  for (guint i = 0; i < clause->len; i++)
    shortest = MIN (shortest, strlen (((Literal *)g_ptr_array_index (clause, i))->text));

  return shortest;
}

/* Which clause is likelier to rule a user agent out: one word of three
 * characters or more ("DOOV") before alternatives (" Build", ") AppleWebKit"
 * are in most user agents), then the longer shortest literal, then fewer
 * alternatives. */
static gboolean
clause_is_better (Clause *clause,
                  Clause *than)
{
  gsize shortest, than_shortest;
  gboolean word, than_word;

  if (than == NULL)
    return TRUE;

  shortest = clause_shortest (clause);
  than_shortest = clause_shortest (than);
  word = clause->len == 1 && shortest >= 3;
  than_word = than->len == 1 && than_shortest >= 3;

  if (word != than_word)
    return word;
  if (shortest != than_shortest)
    return shortest > than_shortest;
  return clause->len < than->len;
}

static Clause *
best_clause (GPtrArray *clauses)
{
  Clause *best = NULL;

  for (guint i = 0; i < clauses->len; i++)
    if (clause_is_better (g_ptr_array_index (clauses, i), best))
      best = g_ptr_array_index (clauses, i);

  return best;
}

typedef enum
{
  ATOM_LITERAL,
  ATOM_CASELESS_LITERAL,
  ATOM_GROUP,
  ATOM_OTHER,
} AtomKind;

/* PCRE2's own limit on nested parentheses: deeper, it refuses the
 * pattern, and reading it here would only use up the stack. */
#define MAX_GROUP_DEPTH 250

typedef struct
{
  const char *p;
  gboolean    caseless;
  gboolean    refused;     /* syntax not understood: no literal at all */
  guint       depth;       /* of groups open at p */
} LiteralScanner;

static GPtrArray *scan_alternatives (LiteralScanner *scanner);

/* A run of characters being read, which becomes a clause of its own. */
typedef struct
{
  GString  *text;
  gboolean  caseless;
} Run;

static void
run_append (Run      *run,
            char      c,
            gboolean  caseless)
{
  if (caseless && !run->caseless)
    {
      for (gsize i = 0; i < run->text->len; i++)
        run->text->str[i] = g_ascii_tolower (run->text->str[i]);
      run->caseless = TRUE;
    }
  g_string_append_c (run->text, run->caseless ? g_ascii_tolower (c) : c);
}

static void
run_end (Run       *run,
         GPtrArray *clauses)
{
  Clause *clause;
  Literal *literal;

  if (run->text->len == 0)
    return;

  literal = g_new0 (Literal, 1);
  literal->text = g_strndup (run->text->str, run->text->len);
  literal->caseless = run->caseless;
  clause = clause_new ();
  g_ptr_array_add (clause, literal);
  g_ptr_array_add (clauses, clause);

  g_string_truncate (run->text, 0);
  run->caseless = FALSE;
}

/* Skips a character class; @scanner->p is past its '['.  Returns the
 * letter, in lower case, of a class of one letter in both cases ("[Ss]"),
 * or '\0'. */
static char
skip_class (LiteralScanner *scanner)
{
  const char *start = scanner->p;
  const char *p = start;

  if (*p == '^')
    p++;
  if (*p == ']')               /* a leading ']' is a member */
    p++;

  while (*p != '\0' && *p != ']')
    {
      if (*p == '\\' && p[1] != '\0')
        p += 2;
      else if (p[0] == '[' && p[1] == ':')
        {
          const char *end = strstr (p + 2, ":]");

          if (end == NULL)
            break;
          p = end + 2;
        }
      else
        p++;
    }

  if (*p != ']')
    {
      scanner->refused = TRUE;
      return '\0';
    }
  scanner->p = p + 1;

  if (p - start == 2 && g_ascii_isalpha (start[0]) && start[0] != start[1] &&
      g_ascii_tolower (start[0]) == g_ascii_tolower (start[1]))
    return g_ascii_tolower (start[0]);

  return '\0';
}

/* Reads a quantifier at @scanner->p, if any: its least count, or -1 when
 * there is none. */
static int
scan_quantifier (LiteralScanner *scanner)
{
  const char *p = scanner->p;
  int least;

  switch (*p)
    {
    case '?':
    case '*':
      least = 0;
      p++;
      break;

    case '+':
      least = 1;
      p++;
      break;

    case '{':
      /* Only {n}, {n,} and {n,m}: PCRE2 releases disagree on what else
       * is a quantifier and what is text. */
      if (!g_ascii_isdigit (p[1]))
        {
          scanner->refused = TRUE;
          return -1;
        }
      least = 0;
      for (p++; g_ascii_isdigit (*p); p++)
        least = MIN (least * 10 + (*p - '0'), 1000);
      if (*p == ',')
        for (p++; g_ascii_isdigit (*p); p++)
          ;
      if (*p != '}')
        {
          scanner->refused = TRUE;
          return -1;
        }
      p++;
      break;

    default:
      return -1;
    }

  if (*p == '?' || *p == '+')  /* lazy or possessive */
    p++;
  scanner->p = p;

  return least;
}

/* Reads one atom at @scanner->p: a character goes in @c, the clauses of
 * a group in @group_clauses. */
static AtomKind
scan_atom (LiteralScanner  *scanner,
           char            *c,
           GPtrArray      **group_clauses)
{
  const char *p = scanner->p;

  switch (*p)
    {
    case '(':
      {
        gboolean lookaround = FALSE;
        g_autoptr(GPtrArray) clauses = NULL;

        p++;
        if (p[0] == '?')
          {
            if (p[1] == ':')
              p += 2;
            else if (p[1] == '=' || p[1] == '!')
              {
                lookaround = TRUE;
                p += 2;
              }
            else if (p[1] == '<' && (p[2] == '=' || p[2] == '!'))
              {
                lookaround = TRUE;
                p += 3;
              }
            else
              {
                /* Options, names, comments, conditions… */
                scanner->refused = TRUE;
                return ATOM_OTHER;
              }
          }

        if (++scanner->depth > MAX_GROUP_DEPTH)
          {
            scanner->refused = TRUE;
            return ATOM_OTHER;
          }
        scanner->p = p;
        clauses = scan_alternatives (scanner);
        scanner->depth--;
        if (scanner->refused || *scanner->p != ')')
          {
            scanner->refused = TRUE;
            return ATOM_OTHER;
          }
        scanner->p++;

        if (lookaround)
          return ATOM_OTHER;
        *group_clauses = g_steal_pointer (&clauses);
        return ATOM_GROUP;
      }

    case '[':
      scanner->p = p + 1;
      *c = skip_class (scanner);
      return *c != '\0' ? ATOM_CASELESS_LITERAL : ATOM_OTHER;

    case '\\':
      if (p[1] == '\0')
        break;
      scanner->p = p + 2;
      /* An escaped punctuation character stands for itself. */
      if ((guchar)p[1] < 0x80 && !g_ascii_isalnum (p[1]))
        {
          *c = p[1];
          return ATOM_LITERAL;
        }
      /* Classes, assertions and back references of one character. */
      if (strchr ("dDwWsSbBhHvVRAzZG123456789", p[1]) != NULL)
        return ATOM_OTHER;
      break;

    case '.':
    case '^':
    case '$':
      scanner->p = p + 1;
      return ATOM_OTHER;

    case '*':
    case '+':
    case '?':
    case '{':
      /* A quantifier with nothing before it. */
      break;

    default:
      scanner->p = p + 1;
      /* Bytes of other characters are left out: caseless matching of
       * those is Unicode's, not ASCII's. */
      if ((guchar)*p >= 0x80 || !g_ascii_isprint (*p))
        return ATOM_OTHER;
      *c = *p;
      return ATOM_LITERAL;
    }

  scanner->refused = TRUE;
  return ATOM_OTHER;
}

/* Scans one alternative, up to a '|', a ')' or the end of the pattern:
 * the clauses every match of it meets. */
static GPtrArray *
scan_sequence (LiteralScanner *scanner)
{
  GPtrArray *clauses = clause_list_new ();
  g_autoptr(GString) text = g_string_new (NULL);
  Run run = { text, FALSE };

  while (!scanner->refused && *scanner->p != '\0' && *scanner->p != ')' && *scanner->p != '|')
    {
      g_autoptr(GPtrArray) group_clauses = NULL;
      AtomKind kind;
      char c = '\0';
      int least;

      kind = scan_atom (scanner, &c, &group_clauses);
      if (scanner->refused)
        break;
      least = scan_quantifier (scanner);
      if (scanner->refused)
        break;

      switch (kind)
        {
        case ATOM_LITERAL:
        case ATOM_CASELESS_LITERAL:
          /* "ab?c" needs only "a" and "c"; "ab+c" needs "ab" and "c". */
          if (least != 0)
            run_append (&run, c, scanner->caseless || kind == ATOM_CASELESS_LITERAL);
          if (least >= 0)
            run_end (&run, clauses);
          break;

        case ATOM_GROUP:
          run_end (&run, clauses);
          if (least != 0)
            g_ptr_array_extend_and_steal (clauses, g_steal_pointer (&group_clauses));
          break;

        case ATOM_OTHER:
        default:
          run_end (&run, clauses);
          break;
        }
    }

  run_end (&run, clauses);
  return clauses;
}

/* Scans alternatives up to the ')' that ends them or the end of the
 * pattern.  With one, its clauses; with several, one clause that unites
 * the best of each, or none if one alternative has none. */
static GPtrArray *
scan_alternatives (LiteralScanner *scanner)
{
  g_autoptr(GPtrArray) alternatives = clause_list_new ();
  g_autoptr(Clause) united = clause_new ();
  GPtrArray *clauses = clause_list_new ();

  for (;;)
    {
      g_ptr_array_add (alternatives, scan_sequence (scanner));
      if (scanner->refused || *scanner->p != '|')
        break;
      scanner->p++;
    }

  if (alternatives->len == 1)
    {
      g_ptr_array_extend_and_steal (clauses, g_ptr_array_steal_index (alternatives, 0));
      return clauses;
    }

  for (guint i = 0; i < alternatives->len; i++)
    {
      Clause *best = best_clause (g_ptr_array_index (alternatives, i));

      if (best == NULL)
        return clauses;
      for (guint j = 0; j < best->len; j++)
        {
          Literal *literal = g_ptr_array_index (best, j);
          Literal *copy = g_new0 (Literal, 1);

          copy->text = g_strdup (literal->text);
          copy->caseless = literal->caseless;
          g_ptr_array_add (united, copy);
        }
    }

  g_ptr_array_add (clauses, g_steal_pointer (&united));
  return clauses;
}

static int
compare_clauses (gconstpointer a,
                 gconstpointer b)
{
  Clause *first = *(Clause **)a;
  Clause *second = *(Clause **)b;

  if (clause_is_better (first, second))
    return -1;
  if (clause_is_better (second, first))
    return 1;
  return 0;
}

/* The clauses every match of @pattern meets, those likely to rule out the
 * most subjects first; %NULL when none is certain. */
static GPtrArray *
pattern_clauses (const char *pattern,
                 gboolean    caseless)
{
  LiteralScanner scanner = { pattern, caseless, FALSE, 0 };
  g_autoptr(GPtrArray) clauses = scan_alternatives (&scanner);

  /* A ')' with no '(' before it: not understood. */
  if (scanner.refused || *scanner.p != '\0' || clauses->len == 0)
    return NULL;

  /* Stable, so that among equals the pattern's order stays. */
  g_ptr_array_sort (clauses, compare_clauses);
  return g_steal_pointer (&clauses);
}

/**
 * qrs_user_agent_pattern_literals:
 * @pattern: a PCRE pattern, as uap-core writes them
 * @caseless: whether @pattern is matched without regard to case
 *
 * For the tests: what every match of @pattern contains, as the parser
 * looks for it, in the order it looks: clauses separated by " & ", each
 * one or more texts separated by " | ", a text after a "~" if it is
 * looked for without regard to case (in lower case).
 *
 * Returns: (transfer full) (nullable): the clauses, or %NULL when none is
 *   certain
 */
char *
qrs_user_agent_pattern_literals (const char *pattern,
                                 gboolean    caseless)
{
  g_autoptr(GPtrArray) clauses = NULL;
  GString *out;

  g_return_val_if_fail (pattern != NULL, NULL);

  clauses = pattern_clauses (pattern, caseless);
  if (clauses == NULL)
    return NULL;

  out = g_string_new (NULL);
  for (guint c = 0; c < clauses->len; c++)
    {
      Clause *clause = g_ptr_array_index (clauses, c);

      if (c > 0)
        g_string_append (out, " & ");
      for (guint i = 0; i < clause->len; i++)
        {
          Literal *literal = g_ptr_array_index (clause, i);

          g_string_append_printf (out, "%s%s%s", i > 0 ? " | " : "",
                                  literal->caseless ? "~" : "", literal->text);
        }
    }

  return g_string_free (out, FALSE);
}

/* Loading regexes.yaml */

static void
set_invalid (GError     **error,
             const char  *path,
             const char  *problem)
{
  g_set_error (error, QRS_USER_AGENT_ERROR, QRS_USER_AGENT_ERROR_INVALID,
               _("The user-agent patterns in “%s” cannot be used (%s): reinstall the uap-core package."),
               path, problem);
}

static gboolean
scalar_equals (yaml_node_t *node,
               const char  *text)
{
  return node != NULL &&
         node->type == YAML_SCALAR_NODE &&
         node->data.scalar.length == strlen (text) &&
         memcmp (node->data.scalar.value, text, node->data.scalar.length) == 0;
}

static char *
scalar_dup (yaml_node_t *node)
{
  g_assert (node->type == YAML_SCALAR_NODE);

  return g_strndup ((const char *)node->data.scalar.value, node->data.scalar.length);
}

static yaml_node_t *
mapping_lookup (yaml_document_t *document,
                yaml_node_t     *mapping,
                const char      *key)
{
  g_assert (mapping->type == YAML_MAPPING_NODE);

  for (yaml_node_pair_t *pair = mapping->data.mapping.pairs.start;
       pair < mapping->data.mapping.pairs.top;
       pair++)
    {
      if (scalar_equals (yaml_document_get_node (document, pair->key), key))
        return yaml_document_get_node (document, pair->value);
    }

  return NULL;
}

static gboolean
load_rules (QrsUserAgentParser  *self,
            yaml_document_t     *document,
            yaml_node_t         *root,
            Part                 part,
            const char          *path,
            GError             **error)
{
  const PartSpec *spec = &part_specs[part];
  yaml_node_t *list = mapping_lookup (document, root, spec->list_key);

  if (list == NULL || list->type != YAML_SEQUENCE_NODE)
    {
      g_autofree char *problem = g_strdup_printf (_("no list “%s”"), spec->list_key);

      set_invalid (error, path, problem);
      return FALSE;
    }

  for (yaml_node_item_t *item = list->data.sequence.items.start;
       item < list->data.sequence.items.top;
       item++)
    {
      yaml_node_t *entry = yaml_document_get_node (document, *item);
      yaml_node_t *node;
      Rule rule = { 0 };

      if (entry == NULL || entry->type != YAML_MAPPING_NODE ||
          (node = mapping_lookup (document, entry, "regex")) == NULL ||
          node->type != YAML_SCALAR_NODE)
        {
          g_autofree char *problem = NULL;

          problem = g_strdup_printf (_("an entry of “%s” near line %lu has no regex"),
                                     spec->list_key,
                                     entry != NULL ? (gulong)entry->start_mark.line + 1 : 0ul);
          set_invalid (error, path, problem);
          return FALSE;
        }

      rule.pattern = scalar_dup (node);

      /* The only flag uap-core defines; others would be newer than us. */
      node = mapping_lookup (document, entry, "regex_flag");
      if (scalar_equals (node, "i"))
        rule.flags |= G_REGEX_CASELESS;

      rule.clauses = pattern_clauses (rule.pattern, (rule.flags & G_REGEX_CASELESS) != 0);

      for (guint i = 0; i < N_FIELDS; i++)
        {
          if (spec->replacement_keys[i] == NULL)
            continue;
          node = mapping_lookup (document, entry, spec->replacement_keys[i]);
          if (node != NULL && node->type == YAML_SCALAR_NODE)
            rule.replacements[i] = scalar_dup (node);
        }

      g_array_append_val (self->rules[part], rule);
    }

  return TRUE;
}

static gboolean
load_file (QrsUserAgentParser  *self,
           const char          *path,
           GError             **error)
{
  g_autofree char *contents = NULL;
  g_autoptr(GError) local_error = NULL;
  yaml_parser_t parser;
  yaml_document_t document;
  yaml_node_t *root;
  gboolean ok = FALSE;
  gsize length;

  if (!g_file_get_contents (path, &contents, &length, &local_error))
    {
      g_set_error (error, QRS_USER_AGENT_ERROR, QRS_USER_AGENT_ERROR_MISSING,
                   _("The user-agent patterns cannot be read (%s): install the uap-core package."),
                   local_error->message);
      return FALSE;
    }

  if (!yaml_parser_initialize (&parser))
    g_error ("%s: out of memory", G_STRFUNC);
  yaml_parser_set_input_string (&parser, (const unsigned char *)contents, length);

  if (!yaml_parser_load (&parser, &document))
    {
      g_autofree char *problem = NULL;

      problem = g_strdup_printf (_("line %lu: %s"),
                                 (gulong)parser.problem_mark.line + 1,
                                 parser.problem != NULL ? parser.problem : "?");
      set_invalid (error, path, problem);
      yaml_parser_delete (&parser);
      return FALSE;
    }

  root = yaml_document_get_root_node (&document);
  if (root == NULL || root->type != YAML_MAPPING_NODE)
    set_invalid (error, path, _("it does not hold the three lists of patterns"));
  else
    ok = load_rules (self, &document, root, PART_BROWSER, path, error) &&
         load_rules (self, &document, root, PART_OS, path, error) &&
         load_rules (self, &document, root, PART_DEVICE, path, error);

  yaml_document_delete (&document);
  yaml_parser_delete (&parser);

  if (ok && self->rules[PART_BROWSER]->len == 0)
    {
      set_invalid (error, path, _("it holds no browser patterns"));
      ok = FALSE;
    }

  return ok;
}

/**
 * qrs_user_agent_parser_new_from_file:
 * @path: a uap-core regexes.yaml
 * @error: a #GError
 *
 * Reads the patterns of @path.  Each is compiled when a user agent first
 * reaches it, which keeps start-up short; a pattern GRegex refuses is
 * reported once with g_warning() and skipped.
 *
 * Returns: (transfer full): a new parser, or %NULL with @error set
 */
QrsUserAgentParser *
qrs_user_agent_parser_new_from_file (const char  *path,
                                     GError     **error)
{
  g_autoptr(QrsUserAgentParser) self = NULL;

  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  self = g_object_new (QRS_TYPE_USER_AGENT_PARSER, NULL);
  if (!load_file (self, path, error))
    return NULL;

  return g_steal_pointer (&self);
}

typedef struct
{
  QrsUserAgentParser *parser;
  GError             *error;
} DefaultParser;

static gpointer
load_default_cb (gpointer data)
{
  DefaultParser *result = g_new0 (DefaultParser, 1);

  result->parser = qrs_user_agent_parser_new_from_file (UAP_REGEXES_PATH, &result->error);
  return result;
}

/**
 * qrs_user_agent_parser_get_default:
 * @error: a #GError
 *
 * The parser of the uap-core patterns installed on the system, loaded at
 * the first call and kept for the life of the process.  A failure is kept
 * too, and repeated to every caller: after installing uap-core, restart.
 *
 * Returns: (transfer none): the shared parser, or %NULL with @error set
 */
QrsUserAgentParser *
qrs_user_agent_parser_get_default (GError **error)
{
  static GOnce once = G_ONCE_INIT;
  DefaultParser *result;

  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  result = g_once (&once, load_default_cb, NULL);
  if (result->parser == NULL)
    {
      g_propagate_error (error, g_error_copy (result->error));
      return NULL;
    }

  return result->parser;
}

/* Matching */

static GRegex *
rule_get_regex (Rule *rule)
{
  g_autoptr(GError) error = NULL;
  GRegex *regex;

  regex = g_atomic_pointer_get (&rule->regex);
  if (G_LIKELY (regex != NULL))
    return regex;
  if (g_atomic_int_get (&rule->broken))
    return NULL;

  regex = g_regex_new (rule->pattern, rule->flags | G_REGEX_OPTIMIZE, 0, &error);
  if (regex == NULL)
    {
      if (g_atomic_int_compare_and_exchange (&rule->broken, 0, 1))
        g_warning ("Skipping the uap-core pattern “%s”: %s", rule->pattern, error->message);
      return NULL;
    }

  /* Newer GLib compiles a pattern for the JIT at its first match, writing
   * into the GRegex; PCRE2 forbids doing that from two threads at once.
   * Match once here, before any other thread can see this GRegex. */
  g_regex_match (regex, "", 0, NULL);

  /* Two threads may compile the same pattern; the first to publish wins. */
  if (!g_atomic_pointer_compare_and_exchange (&rule->regex, NULL, regex))
    {
      g_regex_unref (regex);
      regex = g_atomic_pointer_get (&rule->regex);
    }

  return regex;
}

static char *
take_trimmed (GString *text)
{
  g_strstrip (text->str);
  text->len = strlen (text->str);

  if (text->len == 0)
    {
      g_string_free (text, TRUE);
      return NULL;
    }

  return g_string_free (text, FALSE);
}

static void
append_group (GString    *out,
              GMatchInfo *match_info,
              const char *subject,
              guint       group)
{
  int start = -1;
  int end = -1;

  if (g_match_info_fetch_pos (match_info, group, &start, &end) && start >= 0)
    g_string_append_len (out, subject + start, end - start);
}

static char *
expand_replacement (const char *replacement,
                    GMatchInfo *match_info,
                    const char *subject)
{
  GString *out = g_string_new (NULL);

  for (const char *p = replacement; *p != '\0'; p++)
    {
      if (p[0] == '$' && p[1] >= '1' && p[1] <= '9')
        {
          append_group (out, match_info, subject, p[1] - '0');
          p++;
        }
      else
        g_string_append_c (out, *p);
    }

  return take_trimmed (out);
}

static char *
fetch_group (GMatchInfo *match_info,
             const char *subject,
             guint       group)
{
  GString *out = g_string_new (NULL);

  append_group (out, match_info, subject, group);
  return take_trimmed (out);
}

/* A user agent being analysed, with what its literals are looked for in. */
typedef struct
{
  const char *text;
  char       *lower;     /* in ASCII lower case, or NULL if not all ASCII */
} Subject;

static void
subject_init (Subject    *subject,
              const char *text)
{
  gboolean ascii = TRUE;

  subject->text = text;
  for (const char *p = text; *p != '\0' && ascii; p++)
    ascii = (guchar)*p < 0x80;
  subject->lower = ascii ? g_ascii_strdown (text, -1) : NULL;
}

static void
subject_clear (Subject *subject)
{
  g_clear_pointer (&subject->lower, g_free);
}

static gboolean
clause_is_met (const Clause  *clause,
               const Subject *subject)
{
  for (guint i = 0; i < clause->len; i++)
    {
      const Literal *literal = g_ptr_array_index ((GPtrArray *)clause, i);

      if (!literal->caseless)
        {
          if (strstr (subject->text, literal->text) != NULL)
            return TRUE;
        }
      else if (subject->lower == NULL || strstr (subject->lower, literal->text) != NULL)
        return TRUE;
    }

  return FALSE;
}

/* Whether @rule may match @subject: FALSE only if a clause of its
 * literals is not met.  Caseless, a pattern can match a non-ASCII
 * character for an ASCII one (the Kelvin sign for "k"), so a caseless
 * literal rules nothing out in such a subject. */
static gboolean
rule_may_match (const Rule    *rule,
                const Subject *subject)
{
  if (rule->clauses == NULL)
    return TRUE;

  for (guint c = 0; c < rule->clauses->len; c++)
    if (!clause_is_met (g_ptr_array_index (rule->clauses, c), subject))
      return FALSE;

  return TRUE;
}

/* Fills @fields with the answer of the first pattern of @part that matches
 * @subject, or leaves them NULL when none does. */
static void
match_part (QrsUserAgentParser *self,
            Part                part,
            const Subject      *subject,
            char               *fields[N_FIELDS])
{
  const PartSpec *spec = &part_specs[part];
  GArray *rules = self->rules[part];

  for (guint r = 0; r < rules->len; r++)
    {
      Rule *rule = &g_array_index (rules, Rule, r);
      g_autoptr(GMatchInfo) match_info = NULL;
      GRegex *regex;

      if (self->use_literals && !rule_may_match (rule, subject))
        continue;

      regex = rule_get_regex (rule);
      if (regex == NULL || !g_regex_match (regex, subject->text, 0, &match_info))
        continue;

      for (guint i = 0; i < N_FIELDS; i++)
        {
          if (rule->replacements[i] != NULL)
            fields[i] = expand_replacement (rule->replacements[i], match_info, subject->text);
          else if (spec->default_groups[i] != 0)
            fields[i] = fetch_group (match_info, subject->text, spec->default_groups[i]);
        }
      return;
    }
}

static gboolean
is_one_of (const char         *text,
           const char * const *list)
{
  return text != NULL && g_strv_contains (list, text);
}

/* uap names the device, OS and browser; which of our few classes that
 * makes is decided here, in this order:
 *  - bot: uap's marker for crawlers, device (or browser) family "Spider";
 *  - tablet: iPad, Kindle, a family or brand uap calls a tablet, and
 *    Android without "Mobile", Android's own convention for tablets;
 *  - mobile: Android with "Mobile", iPhone and iPod, uap's generic phones,
 *    the phone operating systems, and browsers uap calls "… Mobile";
 *  - desktop: a desktop operating system on no particular device (uap
 *    says "Other", or "Mac" for Macs);
 *  - other: anything else, TVs, consoles, libraries such as curl. */
static QrsDeviceClass
classify (const QrsUserAgent *ua,
          const char         *subject)
{
  static const char * const tablet_os[] = { "Kindle", "BlackBerry Tablet OS", NULL };
  static const char * const mobile_devices[] = { "Generic Smartphone", "Generic Feature Phone", NULL };
  static const char * const mobile_os[] = {
    "iOS", "Windows Phone", "Windows Mobile", "BlackBerry OS", "KaiOS", "Firefox OS",
    "Symbian OS", "Symbian^3", "Symbian^3 Anna", "Symbian^3 Belle", NULL
  };
  static const char * const mobile_browsers[] = { "Mobile Safari", "Opera Mini", NULL };
  static const char * const plain_devices[] = { "Other", "Mac", NULL };
  static const char * const desktop_os[] = {
    "Windows", "Mac OS X", "Mac OS", "Linux", "Chrome OS", "Ubuntu", "Debian", "Fedora",
    "Red Hat", "Gentoo", "FreeBSD", "OpenBSD", "NetBSD", "Solaris", NULL
  };
  const char *device = ua->device_family;
  const char *os = ua->os_family;
  const char *browser = ua->browser_family;

  if (ua->is_bot)
    return QRS_DEVICE_CLASS_BOT;

  if (g_str_has_prefix (device, "iPad") ||
      g_str_has_prefix (device, "Kindle") ||
      strstr (device, "Tablet") != NULL ||
      g_strcmp0 (ua->device_brand, "Generic_Android_Tablet") == 0 ||
      is_one_of (os, tablet_os))
    return QRS_DEVICE_CLASS_TABLET;

  if (g_str_equal (os, "Android"))
    return strstr (subject, "Mobile") != NULL ? QRS_DEVICE_CLASS_MOBILE : QRS_DEVICE_CLASS_TABLET;

  if (g_str_has_prefix (device, "iPhone") ||
      g_str_has_prefix (device, "iPod") ||
      is_one_of (device, mobile_devices) ||
      is_one_of (os, mobile_os) ||
      is_one_of (browser, mobile_browsers) ||
      g_str_has_suffix (browser, " Mobile"))
    return QRS_DEVICE_CLASS_MOBILE;

  if (is_one_of (device, plain_devices) && is_one_of (os, desktop_os))
    return QRS_DEVICE_CLASS_DESKTOP;

  return QRS_DEVICE_CLASS_OTHER;
}

static QrsUserAgent *
analyse (QrsUserAgentParser *self,
         const char         *subject)
{
  char *browser[N_FIELDS] = { NULL };
  char *os[N_FIELDS] = { NULL };
  char *device[N_FIELDS] = { NULL };
  QrsUserAgent *ua = g_new0 (QrsUserAgent, 1);
  Subject analysed;

  subject_init (&analysed, subject);
  match_part (self, PART_BROWSER, &analysed, browser);
  match_part (self, PART_OS, &analysed, os);
  match_part (self, PART_DEVICE, &analysed, device);
  subject_clear (&analysed);

  ua->browser_family = browser[0] != NULL ? browser[0] : g_strdup ("Other");
  ua->browser_major = browser[1];
  ua->browser_minor = browser[2];
  ua->browser_patch = browser[3];
  ua->browser_patch_minor = browser[4];
  ua->os_family = os[0] != NULL ? os[0] : g_strdup ("Other");
  ua->os_major = os[1];
  ua->os_minor = os[2];
  ua->os_patch = os[3];
  ua->os_patch_minor = os[4];
  ua->device_family = device[0] != NULL ? device[0] : g_strdup ("Other");
  ua->device_brand = device[1];
  ua->device_model = device[2];

  ua->is_bot = g_str_equal (ua->device_family, "Spider") ||
               g_str_equal (ua->browser_family, "Spider");
  ua->device_class = classify (ua, subject);

  return ua;
}

/* Cuts @user_agent to QRS_USER_AGENT_MAX_LENGTH bytes without splitting a
 * character, and replaces invalid UTF-8, which GRegex cannot match. */
static char *
normalise (const char *user_agent)
{
  gsize length = strlen (user_agent);
  gsize cut = MIN (length, QRS_USER_AGENT_MAX_LENGTH);
  const char *end = NULL;
  char *valid;
  gsize valid_length;

  if (g_utf8_validate_len (user_agent, cut, &end))
    return g_strndup (user_agent, cut);

  /* Valid text with its last character cut by the limit. */
  if (cut < length)
    {
      gunichar c = g_utf8_get_char_validated (end, length - (end - user_agent));

      if (c != (gunichar)-1 && c != (gunichar)-2 &&
          (gsize)(g_utf8_next_char (end) - user_agent) > cut)
        return g_strndup (user_agent, end - user_agent);
    }

  /* Each replacement character takes three bytes where the bad one took
   * one: cut again, on a character boundary. */
  valid = g_utf8_make_valid (user_agent, cut);
  valid_length = strlen (valid);
  if (valid_length > QRS_USER_AGENT_MAX_LENGTH)
    {
      char *boundary = g_utf8_find_prev_char (valid, valid + QRS_USER_AGENT_MAX_LENGTH + 1);

      *boundary = '\0';
    }

  return valid;
}

static QrsUserAgent *
cache_lookup (QrsUserAgentParser *self,
              const char         *key)
{
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&self->cache_lock);
  CacheEntry *entry = g_hash_table_lookup (self->cache, key);

  if (entry == NULL)
    return NULL;

  g_queue_unlink (&self->lru, &entry->link);
  g_queue_push_head_link (&self->lru, &entry->link);

  return qrs_user_agent_copy (entry->user_agent);
}

static void
cache_insert (QrsUserAgentParser *self,
              char               *key,
              const QrsUserAgent *user_agent)
{
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&self->cache_lock);
  CacheEntry *entry;

  /* Another thread may have parsed the same string meanwhile. */
  if (self->cache_size == 0 || g_hash_table_contains (self->cache, key))
    {
      g_free (key);
      return;
    }

  entry = g_new0 (CacheEntry, 1);
  entry->link.data = entry;
  entry->key = key;
  entry->user_agent = qrs_user_agent_copy (user_agent);

  g_hash_table_insert (self->cache, entry->key, entry);
  g_queue_push_head_link (&self->lru, &entry->link);
  cache_trim (self, self->cache_size);
}

/**
 * qrs_user_agent_parser_parse:
 * @self: a #QrsUserAgentParser
 * @user_agent: (nullable): the User-Agent header of a request
 *
 * Tells the browser, operating system and device that sent @user_agent.
 * Safe to call from any thread.  Text past QRS_USER_AGENT_MAX_LENGTH bytes
 * is ignored and invalid UTF-8 replaced; %NULL or "" gives "Other"
 * everywhere.
 *
 * Returns: (transfer full): the analysis; free with qrs_user_agent_free()
 */
QrsUserAgent *
qrs_user_agent_parser_parse (QrsUserAgentParser *self,
                             const char         *user_agent)
{
  g_autofree char *key = NULL;
  QrsUserAgent *ua;

  g_return_val_if_fail (QRS_IS_USER_AGENT_PARSER (self), NULL);

  if (user_agent == NULL || user_agent[0] == '\0')
    return user_agent_new_other ();

  key = normalise (user_agent);

  ua = cache_lookup (self, key);
  if (ua != NULL)
    return ua;

  ua = analyse (self, key);
  cache_insert (self, g_steal_pointer (&key), ua);

  return ua;
}

guint
qrs_user_agent_parser_get_cache_size (QrsUserAgentParser *self)
{
  g_autoptr(GMutexLocker) locker = NULL;

  g_return_val_if_fail (QRS_IS_USER_AGENT_PARSER (self), 0);

  locker = g_mutex_locker_new (&self->cache_lock);
  return self->cache_size;
}

/**
 * qrs_user_agent_parser_set_cache_size:
 * @self: a #QrsUserAgentParser
 * @n_entries: how many analyses to keep, 0 for none
 *
 * Bounds the cache of recent analyses, forgetting the least recently used
 * ones first.  Each entry takes up to about 1 KiB.
 */
void
qrs_user_agent_parser_set_cache_size (QrsUserAgentParser *self,
                                      guint               n_entries)
{
  g_autoptr(GMutexLocker) locker = NULL;

  g_return_if_fail (QRS_IS_USER_AGENT_PARSER (self));

  locker = g_mutex_locker_new (&self->cache_lock);
  self->cache_size = n_entries;
  cache_trim (self, n_entries);
}

/**
 * qrs_user_agent_parser_get_n_cached:
 * @self: a #QrsUserAgentParser
 *
 * Returns: how many analyses the cache holds now
 */
guint
qrs_user_agent_parser_get_n_cached (QrsUserAgentParser *self)
{
  g_autoptr(GMutexLocker) locker = NULL;

  g_return_val_if_fail (QRS_IS_USER_AGENT_PARSER (self), 0);

  locker = g_mutex_locker_new (&self->cache_lock);
  return self->lru.length;
}

/* For the tests: analyse with every pattern tried, as without literals. */
void
qrs_user_agent_parser_set_use_literals (QrsUserAgentParser *self,
                                        gboolean            use_literals)
{
  g_return_if_fail (QRS_IS_USER_AGENT_PARSER (self));

  self->use_literals = !!use_literals;
}

/* For the tests: tries every pattern of every list on @user_agent, and
 * returns FALSE, with the first such pattern in @pattern, if a pattern
 * whose literal rules it out matches it all the same. */
gboolean
qrs_user_agent_parser_check_literals (QrsUserAgentParser  *self,
                                      const char          *user_agent,
                                      char               **pattern)
{
  g_autofree char *key = NULL;
  Subject subject;
  gboolean ok = TRUE;

  g_return_val_if_fail (QRS_IS_USER_AGENT_PARSER (self), FALSE);
  g_return_val_if_fail (user_agent != NULL, FALSE);

  key = normalise (user_agent);
  subject_init (&subject, key);

  for (guint part = 0; part < N_PARTS && ok; part++)
    {
      GArray *rules = self->rules[part];

      for (guint r = 0; r < rules->len && ok; r++)
        {
          Rule *rule = &g_array_index (rules, Rule, r);
          GRegex *regex;

          if (rule_may_match (rule, &subject))
            continue;
          regex = rule_get_regex (rule);
          if (regex != NULL && g_regex_match (regex, subject.text, 0, NULL))
            {
              ok = FALSE;
              if (pattern != NULL)
                *pattern = g_strdup (rule->pattern);
            }
        }
    }

  subject_clear (&subject);
  return ok;
}

/* For the tests: how many patterns there are, and how many have a literal. */
void
qrs_user_agent_parser_count_literals (QrsUserAgentParser *self,
                                      guint              *n_patterns,
                                      guint              *n_literals)
{
  g_return_if_fail (QRS_IS_USER_AGENT_PARSER (self));

  *n_patterns = 0;
  *n_literals = 0;
  for (guint part = 0; part < N_PARTS; part++)
    {
      GArray *rules = self->rules[part];

      *n_patterns += rules->len;
      for (guint r = 0; r < rules->len; r++)
        if (g_array_index (rules, Rule, r).clauses != NULL)
          (*n_literals)++;
    }
}
