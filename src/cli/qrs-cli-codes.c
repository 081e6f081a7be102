/* qrs-cli-codes.c — `qrstudio-cli codes …`: the codes in the shared
 * database, added, found, shown, redirected, switched on and off, and
 * exported
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include <glib/gi18n-lib.h>
#include <json-glib/json-glib.h>

#include "qrs-asset-store.h"
#include "qrs-cli-options-private.h"
#include "qrs-cli-private.h"
#include "qrs-code-store.h"
#include "qrs-payload.h"

/* How many codes a page of `list` and `search` shows without --limit. */
#define DEFAULT_PAGE_SIZE 50

/* Widths of the cut columns of the table, in terminal columns. */
#define TITLE_COLUMN_WIDTH 32
#define CONTENT_COLUMN_WIDTH 48

/* Attempts of set-target when someone saves the code at the same time. */
#define SET_TARGET_ATTEMPTS 3

typedef enum
{
  FORMAT_TABLE,
  FORMAT_TSV,
  FORMAT_JSON,
} OutputFormat;

static gboolean
parse_format (const char    *value,
              gboolean       allow_tsv,
              OutputFormat  *format,
              GError       **error)
{
  if (value == NULL || g_str_equal (value, "table") || (!allow_tsv && g_str_equal (value, "text")))
    *format = FORMAT_TABLE;
  else if (allow_tsv && g_str_equal (value, "tsv"))
    *format = FORMAT_TSV;
  else if (g_str_equal (value, "json"))
    *format = FORMAT_JSON;
  else
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   allow_tsv ? _("--format: “%s” is not a format: use table, tsv or json")
                             : _("--format: “%s” is not a format: use text or json"),
                   value);
      return FALSE;
    }

  return TRUE;
}

static gboolean
no_more_arguments (int          argc,
                   char       **argv,
                   int          expected,
                   const char  *command,
                   GError     **error)
{
  if (argc > expected + 1)
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_FAILED,
                   _("unexpected argument “%s”: every value follows its option, and spaces need quotes (see “qrstudio-cli help %s”)"),
                   argv[expected + 1], command);
      return FALSE;
    }

  return TRUE;
}

static gboolean
is_expired (QrsCode *code)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  GDateTime *expires_at = qrs_code_get_expires_at (code);

  return expires_at != NULL && g_date_time_compare (expires_at, now) <= 0;
}

/* "on", "off", "expired"; a static code has no switch. */
static const char *
code_state (QrsCode *code)
{
  if (qrs_code_get_kind (code) != QRS_CODE_KIND_DYNAMIC)
    return "-";
  if (!qrs_code_get_enabled (code))
    return _("off");
  if (is_expired (code))
    return _("expired");
  return _("on");
}

static char *
format_time (GDateTime *time)
{
  if (time == NULL)
    return g_strdup (_("never"));

  return g_date_time_format (time, "%Y-%m-%d %H:%M UTC");
}

static char *
format_iso8601 (GDateTime *time)
{
  return time ? g_date_time_format_iso8601 (time) : NULL;
}

/* The code's text on one line: line breaks and tabs written as \n and \t,
 * and, for TSV, backslashes doubled so that the escapes can be undone. */
static char *
one_line (const char *text,
          gboolean    escape_backslash)
{
  GString *line = g_string_new (NULL);

  for (const char *p = text ? text : ""; *p; p++)
    {
      if (*p == '\r' && p[1] == '\n')
        continue;
      if (*p == '\n' || *p == '\r')
        g_string_append (line, "\\n");
      else if (*p == '\t')
        g_string_append (line, "\\t");
      else if (*p == '\\' && escape_backslash)
        g_string_append (line, "\\\\");
      else if ((guchar)*p < ' ' || *p == 0x7f)
        g_string_append_c (line, ' ');
      else
        g_string_append_c (line, *p);
    }

  return g_string_free (line, FALSE);
}

/* Terminal columns, counting wide (CJK) characters twice and combining
 * marks not at all. */
static guint
display_width (const char *text)
{
  guint width = 0;

  for (const char *p = text; *p; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (g_unichar_iszerowidth (c))
        continue;
      width += g_unichar_iswide (c) ? 2 : 1;
    }

  return width;
}

/* @text cut to @max_width columns, "…" marking the cut. */
static char *
cut_to_width (const char *text,
              guint       max_width)
{
  GString *cut;
  guint width = 0;

  if (display_width (text) <= max_width)
    return g_strdup (text);

  cut = g_string_new (NULL);
  for (const char *p = text; *p; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);
      guint w = g_unichar_iszerowidth (c) ? 0 : g_unichar_iswide (c) ? 2 : 1;

      if (width + w > max_width - 1)
        break;
      g_string_append_unichar (cut, c);
      width += w;
    }
  g_string_append (cut, "…");

  return g_string_free (cut, FALSE);
}

static void
append_padded (GString    *line,
               const char *text,
               guint       width)
{
  guint used = display_width (text);

  g_string_append (line, text);
  for (guint i = used; i < width; i++)
    g_string_append_c (line, ' ');
}

/* What a code leads to or holds: a dynamic code's target, a static
 * code's text. */
static const char *
code_content (QrsCode *code)
{
  if (qrs_code_get_kind (code) == QRS_CODE_KIND_DYNAMIC && qrs_code_get_target_url (code) != NULL)
    return qrs_code_get_target_url (code);

  return qrs_code_get_encoded (code) ? qrs_code_get_encoded (code) : "";
}

static char *
code_label (QrsCode *code)
{
  if (qrs_code_get_short_id (code) != NULL)
    return g_strdup_printf ("%" G_GINT64_FORMAT " (%s)", qrs_code_get_id (code), qrs_code_get_short_id (code));

  return g_strdup_printf ("%" G_GINT64_FORMAT, qrs_code_get_id (code));
}

/* JSON */

static void
add_nullable_string (JsonBuilder *builder,
                     const char  *name,
                     const char  *value)
{
  json_builder_set_member_name (builder, name);
  if (value != NULL)
    json_builder_add_string_value (builder, value);
  else
    json_builder_add_null_value (builder);
}

static void
add_time (JsonBuilder *builder,
          const char  *name,
          GDateTime   *time)
{
  g_autofree char *text = format_iso8601 (time);

  add_nullable_string (builder, name, text);
}

static void
build_code_json (JsonBuilder *builder,
                 QrsCode     *code)
{
  const char * const *tags = qrs_code_get_tags (code);
  g_autoptr(JsonNode) payload = NULL;

  if (qrs_code_get_payload (code) != NULL)
    payload = json_from_string (qrs_code_get_payload (code), NULL);

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "id");
  json_builder_add_int_value (builder, qrs_code_get_id (code));
  add_nullable_string (builder, "short_id", qrs_code_get_short_id (code));
  add_nullable_string (builder, "kind", qrs_code_kind_to_string (qrs_code_get_kind (code)));
  add_nullable_string (builder, "title", qrs_code_get_title (code) ? qrs_code_get_title (code) : "");
  add_nullable_string (builder, "description", qrs_code_get_description (code) ? qrs_code_get_description (code) : "");
  json_builder_set_member_name (builder, "tags");
  json_builder_begin_array (builder);
  for (guint i = 0; tags != NULL && tags[i] != NULL; i++)
    json_builder_add_string_value (builder, tags[i]);
  json_builder_end_array (builder);
  add_nullable_string (builder, "payload_type", qrs_code_get_payload_type (code));
  json_builder_set_member_name (builder, "payload");
  if (payload != NULL)
    json_builder_add_value (builder, g_steal_pointer (&payload));
  else
    json_builder_add_null_value (builder);
  add_nullable_string (builder, "encoded", qrs_code_get_encoded (code));
  add_nullable_string (builder, "target_url", qrs_code_get_target_url (code));
  json_builder_set_member_name (builder, "enabled");
  json_builder_add_boolean_value (builder, qrs_code_get_enabled (code));
  add_time (builder, "expires_at", qrs_code_get_expires_at (code));
  add_nullable_string (builder, "logo_sha256", qrs_code_get_logo_sha256 (code));
  json_builder_set_member_name (builder, "version");
  json_builder_add_int_value (builder, qrs_code_get_version (code));
  add_time (builder, "created_at", qrs_code_get_created_at (code));
  add_nullable_string (builder, "created_by", qrs_code_get_created_by (code));
  add_time (builder, "updated_at", qrs_code_get_updated_at (code));
  add_nullable_string (builder, "updated_by", qrs_code_get_updated_by (code));
  json_builder_end_object (builder);
}

static void
print_json (JsonBuilder *builder)
{
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autoptr(JsonNode) root = json_builder_get_root (builder);
  g_autofree char *text = NULL;

  json_generator_set_pretty (generator, TRUE);
  json_generator_set_indent (generator, 2);
  json_generator_set_root (generator, root);
  text = json_generator_to_data (generator, NULL);

  g_print ("%s\n", text);
}

/* One code, as `show` and `add` print it */

static void
print_field (const char *label,
             const char *value)
{
  g_print ("%s: %s\n", label, value ? value : "");
}

static void
print_code_text (QrsCode   *code,
                 GPtrArray *events)
{
  g_autofree char *id = g_strdup_printf ("%" G_GINT64_FORMAT, qrs_code_get_id (code));
  g_autofree char *tags = qrs_code_get_tags (code) ? g_strjoinv (", ", (char **)qrs_code_get_tags (code)) : NULL;
  g_autofree char *content = one_line (qrs_code_get_encoded (code), FALSE);
  g_autofree char *description = one_line (qrs_code_get_description (code), FALSE);
  g_autofree char *expires = format_time (qrs_code_get_expires_at (code));
  g_autofree char *created = format_time (qrs_code_get_created_at (code));
  g_autofree char *updated = format_time (qrs_code_get_updated_at (code));
  gboolean dynamic = qrs_code_get_kind (code) == QRS_CODE_KIND_DYNAMIC;

  print_field (_("id"), id);
  if (dynamic)
    print_field (_("short id"), qrs_code_get_short_id (code));
  print_field (_("kind"), dynamic ? _("dynamic") : _("static"));
  print_field (_("title"), qrs_code_get_title (code));
  if (*description != '\0')
    print_field (_("description"), description);
  if (tags != NULL && *tags != '\0')
    print_field (_("tags"), tags);
  print_field (_("type"), qrs_code_get_payload_type (code));
  print_field (dynamic ? _("short URL") : _("content"), content);
  if (dynamic)
    {
      print_field (_("target"), qrs_code_get_target_url (code));
      print_field (_("state"), !qrs_code_get_enabled (code) ? _("off: the short URL does not redirect")
                               : is_expired (code) ? _("expired: the short URL does not redirect")
                               : _("on"));
      print_field (_("expires"), expires);
    }
  if (qrs_code_get_logo_sha256 (code) != NULL)
    print_field (_("logo"), qrs_code_get_logo_sha256 (code));
  g_print (_("created: %s by %s\n"), created, qrs_code_get_created_by (code));
  g_print (_("updated: %s by %s (version %d)\n"), updated, qrs_code_get_updated_by (code),
           qrs_code_get_version (code));

  if (events == NULL || events->len == 0)
    return;

  g_print (_("history:\n"));
  for (guint i = 0; i < events->len; i++)
    {
      const QrsCodeEvent *event = g_ptr_array_index (events, i);
      g_autofree char *when = format_time (event->happened_at);
      g_autoptr(GString) what = g_string_new (NULL);

      if (g_str_equal (event->action, "create"))
        g_string_append (what, _("created"));
      else if (g_str_equal (event->action, "delete"))
        g_string_append (what, _("deleted"));
      else
        {
          if (g_strcmp0 (event->old_target_url, event->new_target_url) != 0)
            g_string_append_printf (what, _("target %s → %s"),
                                    event->old_target_url ? event->old_target_url : "-",
                                    event->new_target_url ? event->new_target_url : "-");
          if (event->old_enabled != event->new_enabled && event->new_enabled >= 0)
            g_string_append_printf (what, "%s%s", what->len ? "; " : "",
                                    event->new_enabled ? _("switched on") : _("switched off"));
          if ((event->old_expires_at == NULL) != (event->new_expires_at == NULL) ||
              (event->old_expires_at != NULL && !g_date_time_equal (event->old_expires_at, event->new_expires_at)))
            {
              g_autofree char *expiry = format_time (event->new_expires_at);

              g_string_append_printf (what, "%s%s", what->len ? "; " : "", _("expires: "));
              g_string_append (what, expiry);
            }
          if (what->len == 0)
            g_string_append (what, _("changed"));
        }

      /* TRANSLATORS: a line of a code's history: when, who, what */
      g_print (_("  %s  %s  %s\n"), when, event->actor ? event->actor : "?", what->str);
    }
}

static void
print_code (QrsCode      *code,
            GPtrArray    *events,
            OutputFormat  format)
{
  if (format == FORMAT_JSON)
    {
      g_autoptr(JsonBuilder) builder = json_builder_new ();

      build_code_json (builder, code);
      print_json (builder);
    }
  else
    print_code_text (code, events);
}

/* Lists, as `list` and `search` print them */

static void
print_table (GPtrArray *codes)
{
  const char *headers[] = { _("ID"), _("SHORT ID"), _("KIND"), _("STATE"), _("TITLE"),
                            _("TARGET OR CONTENT"), _("UPDATED") };
  enum { N_COLUMNS = G_N_ELEMENTS (headers) };
  g_autoptr(GPtrArray) rows = g_ptr_array_new_with_free_func ((GDestroyNotify)g_strfreev);
  guint widths[N_COLUMNS];

  for (guint c = 0; c < N_COLUMNS; c++)
    widths[c] = display_width (headers[c]);

  for (guint i = 0; i < codes->len; i++)
    {
      QrsCode *code = g_ptr_array_index (codes, i);
      g_autofree char *title = one_line (qrs_code_get_title (code), FALSE);
      g_autofree char *content = one_line (code_content (code), FALSE);
      char **row = g_new0 (char *, N_COLUMNS + 1);

      row[0] = g_strdup_printf ("%" G_GINT64_FORMAT, qrs_code_get_id (code));
      row[1] = g_strdup (qrs_code_get_short_id (code) ? qrs_code_get_short_id (code) : "-");
      row[2] = g_strdup (qrs_code_get_kind (code) == QRS_CODE_KIND_DYNAMIC ? _("dynamic") : _("static"));
      row[3] = g_strdup (code_state (code));
      row[4] = cut_to_width (title, TITLE_COLUMN_WIDTH);
      row[5] = cut_to_width (content, CONTENT_COLUMN_WIDTH);
      row[6] = qrs_code_get_updated_at (code) ? g_date_time_format (qrs_code_get_updated_at (code), "%Y-%m-%d")
                                              : g_strdup ("-");
      for (guint c = 0; c < N_COLUMNS; c++)
        widths[c] = MAX (widths[c], display_width (row[c]));
      g_ptr_array_add (rows, row);
    }

  for (guint r = 0; r <= rows->len; r++)
    {
      const char * const *cells = r == 0 ? headers : g_ptr_array_index (rows, r - 1);
      g_autoptr(GString) line = g_string_new (NULL);

      for (guint c = 0; c < N_COLUMNS; c++)
        {
          if (c + 1 < N_COLUMNS)
            {
              append_padded (line, cells[c], widths[c]);
              g_string_append (line, "  ");
            }
          else
            g_string_append (line, cells[c]);
        }
      g_print ("%s\n", line->str);
    }
}

static void
print_tsv (GPtrArray *codes)
{
  g_print ("id\tshort_id\tkind\tenabled\texpires_at\ttitle\ttags\tpayload_type\ttarget_url\tencoded\tupdated_at\n");

  for (guint i = 0; i < codes->len; i++)
    {
      QrsCode *code = g_ptr_array_index (codes, i);
      g_autofree char *title = one_line (qrs_code_get_title (code), TRUE);
      g_autofree char *joined = qrs_code_get_tags (code) ? g_strjoinv (",", (char **)qrs_code_get_tags (code)) : NULL;
      g_autofree char *tags = one_line (joined, TRUE);
      g_autofree char *target = one_line (qrs_code_get_target_url (code), TRUE);
      g_autofree char *encoded = one_line (qrs_code_get_encoded (code), TRUE);
      g_autofree char *expires = format_iso8601 (qrs_code_get_expires_at (code));
      g_autofree char *updated = format_iso8601 (qrs_code_get_updated_at (code));

      g_print ("%" G_GINT64_FORMAT "\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n",
               qrs_code_get_id (code),
               qrs_code_get_short_id (code) ? qrs_code_get_short_id (code) : "",
               qrs_code_kind_to_string (qrs_code_get_kind (code)),
               qrs_code_get_enabled (code) ? "true" : "false",
               expires ? expires : "",
               title, tags ? tags : "",
               qrs_code_get_payload_type (code) ? qrs_code_get_payload_type (code) : "",
               target, encoded, updated ? updated : "");
    }
}

static void
print_codes (GPtrArray    *codes,
             guint64       total,
             gboolean      total_is_exact,
             guint         offset,
             guint         limit,
             const char   *query,
             OutputFormat  format)
{
  if (format == FORMAT_JSON)
    {
      g_autoptr(JsonBuilder) builder = json_builder_new ();

      json_builder_begin_object (builder);
      if (query != NULL)
        {
          json_builder_set_member_name (builder, "query");
          json_builder_add_string_value (builder, query);
        }
      json_builder_set_member_name (builder, "total");
      json_builder_add_int_value (builder, (gint64)total);
      if (query != NULL)
        {
          json_builder_set_member_name (builder, "total_is_exact");
          json_builder_add_boolean_value (builder, total_is_exact);
        }
      json_builder_set_member_name (builder, "offset");
      json_builder_add_int_value (builder, offset);
      json_builder_set_member_name (builder, "codes");
      json_builder_begin_array (builder);
      for (guint i = 0; i < codes->len; i++)
        build_code_json (builder, g_ptr_array_index (codes, i));
      json_builder_end_array (builder);
      json_builder_end_object (builder);
      print_json (builder);
      return;
    }

  if (format == FORMAT_TSV)
    {
      print_tsv (codes);
      return;
    }

  if (codes->len == 0)
    {
      if (query != NULL && total == 0)
        g_print (_("No code matches “%s”.\n"), query);
      else if (total == 0)
        g_print (_("There are no codes yet: add one with “qrstudio-cli codes add”.\n"));
      else
        {
          g_autofree char *n = g_strdup_printf ("%" G_GUINT64_FORMAT, total);

          g_print (g_dngettext (GETTEXT_PACKAGE, "No codes past number %u of %s.\n",
                                "No codes past number %u of %s.\n", qrs_cli_plural (total)),
                   offset, n);
        }
      return;
    }

  print_table (codes);

  if (!total_is_exact)
    g_print (g_dngettext (GETTEXT_PACKAGE, "%u–%u of more than %u code\n", "%u–%u of more than %u codes\n",
                          QRS_CODE_SEARCH_COUNT_LIMIT),
             offset + 1, offset + codes->len, QRS_CODE_SEARCH_COUNT_LIMIT);
  else if (offset > 0 || codes->len < total)
    {
      g_autofree char *n = g_strdup_printf ("%" G_GUINT64_FORMAT, total);

      g_print (g_dngettext (GETTEXT_PACKAGE, "%u–%u of %s code\n", "%u–%u of %s codes\n", qrs_cli_plural (total)),
               offset + 1, offset + codes->len, n);
    }
  if (limit > 0 && offset + codes->len < total)
    g_print (_("see more with --offset %u\n"), offset + codes->len);
}

/* Options of `list` and `search` */

typedef struct
{
  char     *conninfo;
  char     *format;
  char     *sort;
  int       limit;
  int       offset;
  gboolean  reverse;
} PageOptions;

static void
page_options_clear (PageOptions *options)
{
  g_clear_pointer (&options->conninfo, g_free);
  g_clear_pointer (&options->format, g_free);
  g_clear_pointer (&options->sort, g_free);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (PageOptions, page_options_clear)

static void
add_page_entries (GOptionContext *context,
                  PageOptions    *options,
                  gboolean        with_sort)
{
  const GOptionEntry entries[] = {
    { "limit", 'n', G_OPTION_FLAG_NONE, G_OPTION_ARG_INT, &options->limit,
      N_("Show at most N codes (default 50; 0 for all)"), N_("N") },
    { "offset", 0, G_OPTION_FLAG_NONE, G_OPTION_ARG_INT, &options->offset,
      N_("Skip the first N codes, to see the next page"), N_("N") },
    { "format", 0, G_OPTION_FLAG_NONE, G_OPTION_ARG_STRING, &options->format,
      N_("table (default), tsv or json: the last two for scripts"), N_("FORMAT") },
    { "sort", 0, G_OPTION_FLAG_NONE, G_OPTION_ARG_STRING, &options->sort,
      N_("updated (default, newest first), created (newest first), title (A–Z) or id"), N_("ORDER") },
    { "reverse", 'r', G_OPTION_FLAG_NONE, G_OPTION_ARG_NONE, &options->reverse,
      N_("Reverse the order"), NULL },
    { NULL }
  };
  GOptionEntry chosen[G_N_ELEMENTS (entries)] = { { NULL } };
  guint n = 0;

  for (guint i = 0; entries[i].long_name != NULL; i++)
    if (with_sort || (!g_str_equal (entries[i].long_name, "sort") && !g_str_equal (entries[i].long_name, "reverse")))
      chosen[n++] = entries[i];

  g_option_context_add_main_entries (context, chosen, GETTEXT_PACKAGE);
  qrs_cli_add_database_option (context, &options->conninfo);
}

static gboolean
check_page_options (PageOptions   *options,
                    OutputFormat  *format,
                    GError       **error)
{
  if (options->limit < 0)
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   _("--limit: %d is not a number of codes: give 1 or more, or 0 for all"), options->limit);
      return FALSE;
    }
  if (options->offset < 0)
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   _("--offset: %d is not a number of codes to skip: give 0 or more"), options->offset);
      return FALSE;
    }

  return parse_format (options->format, TRUE, format, error);
}

static gboolean
parse_sort (const char   *value,
            gboolean      reverse,
            QrsCodeSort  *sort,
            gboolean     *descending,
            GError      **error)
{
  static const struct { const char *name; QrsCodeSort sort; gboolean descending; } sorts[] = {
    { "updated", QRS_CODE_SORT_UPDATED, TRUE },
    { "created", QRS_CODE_SORT_CREATED, TRUE },
    { "title",   QRS_CODE_SORT_TITLE,   FALSE },
    { "id",      QRS_CODE_SORT_ID,      FALSE },
  };

  for (guint i = 0; i < G_N_ELEMENTS (sorts); i++)
    if (g_str_equal (value ? value : "updated", sorts[i].name))
      {
        *sort = sorts[i].sort;
        *descending = sorts[i].descending != reverse;
        return TRUE;
      }

  g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
               _("--sort: “%s” is not an order: use updated, created, title or id"), value);
  return FALSE;
}

static int
codes_list_run (int    argc,
                char **argv)
{
  g_auto(PageOptions) options = { NULL, NULL, NULL, DEFAULT_PAGE_SIZE, 0, FALSE };
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(QrsDatabase) database = NULL;
  g_autoptr(QrsCodeStore) store = NULL;
  g_autoptr(GPtrArray) codes = NULL;
  g_autoptr(GError) error = NULL;
  OutputFormat format;
  QrsCodeSort sort;
  gboolean descending;
  guint64 total = 0;

  context = qrs_cli_option_context_new (NULL,
                                        _("List the codes in the database, a page at a time."),
                                        _("Examples:\n"
                                          "  qrstudio-cli codes list\n"
                                          "  qrstudio-cli codes list --sort title --limit 20 --offset 20\n"
                                          "  qrstudio-cli codes list --limit 0 --format tsv > codes.tsv"));
  add_page_entries (context, &options, TRUE);

  if (!qrs_cli_parse_options (context, "codes list", &argc, &argv, &error) ||
      !no_more_arguments (argc, argv, 0, "codes list", &error) ||
      !check_page_options (&options, &format, &error) ||
      !parse_sort (options.sort, options.reverse, &sort, &descending, &error))
    return qrs_cli_fail (error);

  if (!(database = qrs_cli_open_database (options.conninfo, TRUE, &error)))
    return qrs_cli_fail_store (error);

  store = qrs_code_store_new (database);
  codes = qrs_code_store_list (store, sort, descending, options.offset, options.limit, &total, NULL, &error);
  if (codes == NULL)
    return qrs_cli_fail_store (error);

  print_codes (codes, total, TRUE, options.offset, options.limit, NULL, format);

  return QRS_CLI_EXIT_OK;
}

static int
codes_search_run (int    argc,
                  char **argv)
{
  g_auto(PageOptions) options = { NULL, NULL, NULL, DEFAULT_PAGE_SIZE, 0, FALSE };
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(QrsDatabase) database = NULL;
  g_autoptr(QrsCodeStore) store = NULL;
  g_autoptr(GPtrArray) codes = NULL;
  g_autoptr(GError) error = NULL;
  OutputFormat format;
  guint64 total = 0;
  const char *query;

  context = qrs_cli_option_context_new (_("QUERY"),
                                        _("Find codes by their title, tags, description, content or target."),
                                        _("Words are found in English and in Spanish alike, accents or not\n"
                                          "(“cancion” finds “Canción”), the best matches first.  A query may hold\n"
                                          "\"quoted phrases\", “or”, and -words to leave out; a short id finds its code.\n"
                                          "\n"
                                          "Examples:\n"
                                          "  qrstudio-cli codes search 'open day'\n"
                                          "  qrstudio-cli codes search 'library -wifi' --format json"));
  add_page_entries (context, &options, FALSE);

  if (!qrs_cli_parse_options (context, "codes search", &argc, &argv, &error))
    return qrs_cli_fail (error);

  if (argc < 2 || *g_strstrip (argv[1]) == '\0')
    {
      qrs_cli_print_error (_("say what to look for: qrstudio-cli codes search WORDS (codes list shows every code)"));
      return QRS_CLI_EXIT_USAGE;
    }
  query = argv[1];

  if (!no_more_arguments (argc, argv, 1, "codes search", &error) ||
      !check_page_options (&options, &format, &error))
    return qrs_cli_fail (error);

  if (!(database = qrs_cli_open_database (options.conninfo, TRUE, &error)))
    return qrs_cli_fail_store (error);

  store = qrs_code_store_new (database);
  codes = qrs_code_store_search (store, query, options.offset, options.limit, &total, NULL, &error);
  if (codes == NULL)
    return qrs_cli_fail_store (error);

  print_codes (codes, total, total <= QRS_CODE_SEARCH_COUNT_LIMIT, options.offset, options.limit,
               query, format);

  return QRS_CLI_EXIT_OK;
}

/* Options of the commands on one code: ID, --database */

typedef struct
{
  char *conninfo;
  char *format;
  char *short_url_base;
} OneCodeOptions;

static void
one_code_options_clear (OneCodeOptions *options)
{
  g_clear_pointer (&options->conninfo, g_free);
  g_clear_pointer (&options->format, g_free);
  g_clear_pointer (&options->short_url_base, g_free);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (OneCodeOptions, one_code_options_clear)

static void
add_short_url_base_option (GOptionContext  *context,
                           char           **short_url_base)
{
  const GOptionEntry entries[] = {
    { "short-url-base", 0, G_OPTION_FLAG_NONE, G_OPTION_ARG_STRING, short_url_base,
      N_("The redirect service’s public address, such as https://qr.example.edu: a dynamic code holds BASE/r/SHORT_ID (default $QRSTUDIO_SHORT_URL_BASE)"),
      N_("URL") },
    { NULL }
  };

  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
}

/* Parses the options of a command on one code and finds the code.  On
 * failure, returns %NULL with *status set. */
static QrsCodeStore *
open_one_code (const char      *conninfo,
               const char      *id,
               QrsCode        **code,
               int             *status)
{
  g_autoptr(QrsDatabase) database = NULL;
  g_autoptr(QrsCodeStore) store = NULL;
  g_autoptr(GError) error = NULL;

  if (!(database = qrs_cli_open_database (conninfo, TRUE, &error)))
    {
      *status = qrs_cli_fail_store (error);
      return NULL;
    }

  store = qrs_code_store_new (database);
  if (!(*code = qrs_cli_find_code (store, id, &error)))
    {
      *status = qrs_cli_fail_store (error);
      return NULL;
    }

  return g_steal_pointer (&store);
}

static gboolean
take_code_id (int          argc,
              char       **argv,
              int          n_more,
              const char  *command,
              const char  *usage,
              GError     **error)
{
  if (argc < 2 + n_more)
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_FAILED,
                   _("say which code: qrstudio-cli %s %s (its number or short id, as “codes list” shows)"),
                   command, usage);
      return FALSE;
    }

  return no_more_arguments (argc, argv, 1 + n_more, command, error);
}

static int
codes_show_run (int    argc,
                char **argv)
{
  g_auto(OneCodeOptions) options = { NULL };
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(QrsCodeStore) store = NULL;
  g_autoptr(QrsCode) code = NULL;
  g_autoptr(GPtrArray) events = NULL;
  g_autoptr(GError) error = NULL;
  OutputFormat format;
  int status;
  const GOptionEntry entries[] = {
    { "format", 0, G_OPTION_FLAG_NONE, G_OPTION_ARG_STRING, &options.format,
      N_("text (default) or json"), N_("FORMAT") },
    { NULL }
  };

  context = qrs_cli_option_context_new (_("ID"),
                                        _("Show one code: what it holds, where it leads, its state and its history."),
                                        _("ID is the code’s number or its short id."));
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  qrs_cli_add_database_option (context, &options.conninfo);

  if (!qrs_cli_parse_options (context, "codes show", &argc, &argv, &error) ||
      !take_code_id (argc, argv, 0, "codes show", _("ID"), &error) ||
      !parse_format (options.format, FALSE, &format, &error))
    return qrs_cli_fail (error);

  if (!(store = open_one_code (options.conninfo, argv[1], &code, &status)))
    return status;

  if (format != FORMAT_JSON &&
      !(events = qrs_code_store_list_events (store, qrs_code_get_id (code), NULL, &error)))
    return qrs_cli_fail_store (error);

  print_code (code, events, format);

  return QRS_CLI_EXIT_OK;
}

static gboolean
require_dynamic (QrsCode     *code,
                 const char  *what,
                 GError     **error)
{
  g_autofree char *label = NULL;

  if (qrs_code_get_kind (code) == QRS_CODE_KIND_DYNAMIC)
    return TRUE;

  label = code_label (code);
  /* TRANSLATORS: %s is a code's number; the second is "have a target"
   * or "be switched off" */
  g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
               _("code %s is static: what it holds is printed in it, so it cannot %s; only a dynamic code can"),
               label, what);
  return FALSE;
}

/* The code with a new target, its payload's address too, so that the app
 * shows the target the daemon redirects to. */
static QrsCode *
with_target (QrsCode     *code,
             const char  *target,
             GError     **error)
{
  g_autoptr(QrsCode) changed = qrs_code_copy (code);
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(QrsPayload) payload = NULL;

  qrs_code_set_target_url (changed, target);

  if (qrs_code_get_payload (code) != NULL &&
      (node = json_from_string (qrs_code_get_payload (code), NULL)) != NULL &&
      (payload = qrs_payload_new_from_json (node, NULL)) != NULL &&
      qrs_payload_get_payload_type (payload) == QRS_PAYLOAD_TYPE_URL)
    {
      g_autoptr(JsonNode) json = NULL;
      g_autofree char *text = NULL;

      if (!qrs_payload_set (payload, "url", target, error))
        return NULL;
      json = qrs_payload_to_json (payload);
      text = json_to_string (json, FALSE);
      qrs_code_set_payload (changed, text);
    }

  return g_steal_pointer (&changed);
}

static int
codes_set_target_run (int    argc,
                      char **argv)
{
  g_auto(OneCodeOptions) options = { NULL };
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(QrsCodeStore) store = NULL;
  g_autoptr(QrsCode) code = NULL;
  g_autoptr(QrsCode) stored = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *old_target = NULL;
  g_autofree char *label = NULL;
  const char *target;
  int status;

  context = qrs_cli_option_context_new (_("ID URL"),
                                        _("Send a dynamic code’s short URL somewhere else."),
                                        _("The printed code stays the same; its short URL now redirects to URL, an\n"
                                          "http:// or https:// address.  The change is recorded in the code’s history\n"
                                          "(codes show) and reaches the redirect services at once.\n"
                                          "\n"
                                          "Example:\n"
                                          "  qrstudio-cli codes set-target aB3dE9xY https://example.edu/open-day-2026"));
  qrs_cli_add_database_option (context, &options.conninfo);

  if (!qrs_cli_parse_options (context, "codes set-target", &argc, &argv, &error))
    return qrs_cli_fail (error);
  /* The code is named; its new target is what is missing. */
  if (argc == 2)
    {
      qrs_cli_print_error (_("say where code “%s” should lead: qrstudio-cli codes set-target ID URL, with an https:// or http:// address"),
                           argv[1]);
      return QRS_CLI_EXIT_USAGE;
    }
  if (!take_code_id (argc, argv, 1, "codes set-target", _("ID URL"), &error))
    return qrs_cli_fail (error);

  target = argv[2];
  if (!qrs_cli_check_target_url (target, &error))
    return qrs_cli_fail (error);

  if (!(store = open_one_code (options.conninfo, argv[1], &code, &status)))
    return status;

  if (!require_dynamic (code, _("have a target"), &error))
    return qrs_cli_fail (error);

  old_target = g_strdup (qrs_code_get_target_url (code));

  /* A desktop saving the same code meanwhile makes a conflict; the target
   * alone is what we change, so we read the code again and retry. */
  for (guint attempt = 0; attempt < SET_TARGET_ATTEMPTS; attempt++)
    {
      g_autoptr(QrsCode) changed = with_target (code, target, &error);

      if (changed == NULL)
        return qrs_cli_fail (error);

      stored = qrs_code_store_update (store, changed, NULL, &error);
      if (stored != NULL || !g_error_matches (error, QRS_DATABASE_ERROR, QRS_DATABASE_ERROR_CONFLICT))
        break;

      g_clear_error (&error);
      g_clear_object (&code);
      if (!(code = qrs_code_store_get (store, qrs_code_get_id (changed), NULL, &error)))
        break;
    }

  if (stored == NULL)
    return qrs_cli_fail_store (error);

  label = code_label (stored);
  if (g_strcmp0 (old_target, target) == 0)
    g_print (_("code %s already leads to %s\n"), label, target);
  else
    g_print (_("code %s now leads to %s (it led to %s)\n"), label, target, old_target ? old_target : "-");

  return QRS_CLI_EXIT_OK;
}

static int
set_enabled_run (int          argc,
                 char       **argv,
                 gboolean     enabled)
{
  const char *command = enabled ? "codes enable" : "codes disable";
  g_auto(OneCodeOptions) options = { NULL };
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(QrsCodeStore) store = NULL;
  g_autoptr(QrsCode) code = NULL;
  g_autoptr(QrsCode) stored = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *label = NULL;
  int status;

  context = qrs_cli_option_context_new (_("ID"),
                                        enabled ? _("Switch a dynamic code’s short URL back on.")
                                                : _("Switch a dynamic code’s short URL off: it stops redirecting."),
                                        _("The change is recorded in the code’s history (codes show) and reaches the\n"
                                          "redirect services at once."));
  qrs_cli_add_database_option (context, &options.conninfo);

  if (!qrs_cli_parse_options (context, command, &argc, &argv, &error) ||
      !take_code_id (argc, argv, 0, command, _("ID"), &error))
    return qrs_cli_fail (error);

  if (!(store = open_one_code (options.conninfo, argv[1], &code, &status)))
    return status;

  if (!require_dynamic (code, enabled ? _("be switched on") : _("be switched off"), &error))
    return qrs_cli_fail (error);

  label = code_label (code);
  if (qrs_code_get_enabled (code) == enabled)
    {
      g_print (enabled ? _("code %s is already on\n") : _("code %s is already off\n"), label);
      return QRS_CLI_EXIT_OK;
    }

  if (!(stored = qrs_code_store_set_enabled (store, qrs_code_get_id (code), enabled, NULL, &error)))
    return qrs_cli_fail_store (error);

  if (!enabled)
    g_print (_("code %s is off: its short URL no longer redirects\n"), label);
  else if (is_expired (stored))
    g_print (_("code %s is on, but it expired, so its short URL still does not redirect\n"), label);
  else
    g_print (_("code %s is on: its short URL redirects again\n"), label);

  return QRS_CLI_EXIT_OK;
}

static int
codes_enable_run (int    argc,
                  char **argv)
{
  return set_enabled_run (argc, argv, TRUE);
}

static int
codes_disable_run (int    argc,
                   char **argv)
{
  return set_enabled_run (argc, argv, FALSE);
}

/* add */

typedef struct
{
  char      *conninfo;
  char      *short_url_base;
  char      *description;
  char      *expires;
  char      *format;
  char     **tags;
  gboolean   dynamic;
} AddOptions;

static void
add_options_clear (AddOptions *options)
{
  g_clear_pointer (&options->conninfo, g_free);
  g_clear_pointer (&options->short_url_base, g_free);
  g_clear_pointer (&options->description, g_free);
  g_clear_pointer (&options->expires, g_free);
  g_clear_pointer (&options->format, g_free);
  g_clear_pointer (&options->tags, g_strfreev);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (AddOptions, add_options_clear)

/* Tags trimmed, each once, in the order given. */
static GStrv
clean_tags (char   **tags,
            GError **error)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_autoptr(GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  for (guint i = 0; tags != NULL && tags[i] != NULL; i++)
    {
      g_autofree char *tag = g_strstrip (g_strdup (tags[i]));

      if (*tag == '\0')
        {
          g_set_error_literal (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                               _("--tag: a tag cannot be empty"));
          return NULL;
        }
      if (g_hash_table_contains (seen, tag))
        continue;
      g_strv_builder_add (builder, tag);
      g_hash_table_add (seen, g_steal_pointer (&tag));
    }

  return g_strv_builder_end (builder);
}

static int
codes_add_run (int    argc,
               char **argv)
{
  g_auto(AddOptions) options = { NULL };
  g_autoptr(QrsCliPayloadBuilder) payload_builder = qrs_cli_payload_builder_new ();
  g_autoptr(QrsCliDesignOptions) design_options = qrs_cli_design_options_new ();
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(QrsPayload) payload = NULL;
  g_autoptr(QrsDesign) design = NULL;
  g_autoptr(QrsSymbol) symbol = NULL;
  g_autoptr(GDateTime) expires_at = NULL;
  g_autoptr(QrsDatabase) database = NULL;
  g_autoptr(QrsCodeStore) store = NULL;
  g_autoptr(QrsCode) code = NULL;
  g_autoptr(QrsCode) stored = NULL;
  g_autoptr(JsonNode) payload_json = NULL;
  g_autoptr(JsonNode) design_json = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) tags = NULL;
  g_autofree char *text = NULL;
  g_autofree char *base = NULL;
  g_autofree char *payload_text = NULL;
  g_autofree char *design_text = NULL;
  OutputFormat format;
  const GOptionEntry entries[] = {
    { "dynamic", 0, G_OPTION_FLAG_NONE, G_OPTION_ARG_NONE, &options.dynamic,
      N_("A dynamic code: it holds a short URL that redirects to --url, which can be changed later"), NULL },
    { "description", 0, G_OPTION_FLAG_NONE, G_OPTION_ARG_STRING, &options.description,
      N_("What the code is for, found by codes search (and the accessible description)"), N_("TEXT") },
    { "tag", 0, G_OPTION_FLAG_NONE, G_OPTION_ARG_STRING_ARRAY, &options.tags,
      N_("A tag to find the code by; repeat the option for several"), N_("TAG") },
    { "expires", 0, G_OPTION_FLAG_NONE, G_OPTION_ARG_STRING, &options.expires,
      N_("When a dynamic code stops redirecting: a day (2026-06-30, the whole day in UTC) or a time (2026-06-30T18:00:00+02:00)"),
      N_("DATE") },
    { "format", 0, G_OPTION_FLAG_NONE, G_OPTION_ARG_STRING, &options.format,
      N_("text (default) or json: how to print the new code"), N_("FORMAT") },
    { NULL }
  };

  context = qrs_cli_option_context_new (NULL,
                                        _("Add a code to the database."),
                                        _("Give what the code holds with one kind of payload option (--help-payload)\n"
                                          "and its looks with the design options (--help-design); --title names the\n"
                                          "code.  A --logo is stored in the database with the code.\n"
                                          "\n"
                                          "A dynamic code (--dynamic, with --url) holds a short URL, BASE/r/SHORT_ID,\n"
                                          "that the redirect service sends on to --url: the target can change after\n"
                                          "the code is printed.  BASE is --short-url-base or $QRSTUDIO_SHORT_URL_BASE.\n"
                                          "\n"
                                          "Examples:\n"
                                          "  qrstudio-cli codes add --dynamic --url https://example.edu/open-day --title 'Open day' \\\n"
                                          "      --tag events --expires 2026-06-30 --short-url-base https://qr.example.edu\n"
                                          "  qrstudio-cli codes add --wifi-ssid Library --wifi-password 'c0ffee;tea' --title 'Library Wi-Fi'\n"
                                          "\n"
                                          "Exit status: 0 added; 1 the database failed; 2 bad input, nothing added."));
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  add_short_url_base_option (context, &options.short_url_base);
  qrs_cli_add_database_option (context, &options.conninfo);
  g_option_context_add_group (context, qrs_cli_payload_option_group_new (payload_builder));
  g_option_context_add_group (context, qrs_cli_design_option_group_new (design_options));

  if (!qrs_cli_parse_options (context, "codes add", &argc, &argv, &error) ||
      !no_more_arguments (argc, argv, 0, "codes add", &error) ||
      !parse_format (options.format, FALSE, &format, &error))
    return qrs_cli_fail (error);

  /* Everything is checked before the database is asked for anything. */
  if (qrs_cli_payload_builder_is_empty (payload_builder))
    {
      qrs_cli_print_error (options.dynamic
                           ? _("say where the dynamic code leads: --url https://… (see “qrstudio-cli help codes add”)")
                           : _("say what the code holds, for example --url https://example.edu or --text Hello (see “qrstudio-cli codes add --help-payload”)"));
      return QRS_CLI_EXIT_USAGE;
    }

  if (!(payload = qrs_cli_payload_builder_build (payload_builder, &error)))
    return qrs_cli_fail (error);
  if (!(text = qrs_payload_encode (payload, &error)))
    {
      qrs_cli_payload_explain_error (payload, "--", error);
      return qrs_cli_fail (error);
    }

  if (!(tags = clean_tags (options.tags, &error)))
    return qrs_cli_fail (error);

  if (options.expires != NULL)
    {
      g_autoptr(GDateTime) now = g_date_time_new_now_utc ();

      if (!options.dynamic)
        {
          qrs_cli_print_error (_("--expires: only a dynamic code can expire (its short URL stops redirecting); add --dynamic"));
          return QRS_CLI_EXIT_USAGE;
        }
      if (!(expires_at = qrs_cli_parse_time (options.expires, TRUE, &error)))
        {
          g_prefix_error (&error, "--expires: ");
          return qrs_cli_fail (error);
        }
      if (g_date_time_compare (expires_at, now) <= 0)
        {
          qrs_cli_print_error (_("--expires: %s is already past: give a later day or time"), options.expires);
          return QRS_CLI_EXIT_USAGE;
        }
    }

  if (options.dynamic)
    {
      g_autofree char *example = NULL;
      g_autofree char *placeholder = NULL;

      if (qrs_payload_get_payload_type (payload) != QRS_PAYLOAD_TYPE_URL)
        {
          qrs_cli_print_error (_("a dynamic code leads to a web address: give it with --url, not --%s-…"),
                               qrs_payload_type_to_string (qrs_payload_get_payload_type (payload)));
          return QRS_CLI_EXIT_USAGE;
        }
      if (!qrs_cli_check_target_url (qrs_payload_get (payload, "url"), &error))
        {
          g_prefix_error (&error, "--url: ");
          return qrs_cli_fail (error);
        }
      if (!(base = qrs_cli_short_url_base (options.short_url_base, &error)))
        {
          if (error != NULL)
            return qrs_cli_fail (error);
          qrs_cli_print_error (_("a dynamic code holds the redirect service’s address: give it with --short-url-base https://qr.example.edu, or set QRSTUDIO_SHORT_URL_BASE"));
          return QRS_CLI_EXIT_USAGE;
        }

      /* The short id is drawn when the code is stored; one of the same
       * length tells now whether the short URL fits the design. */
      placeholder = g_strnfill (QRS_SHORT_ID_LENGTH, 'x');
      example = g_strconcat (base, placeholder, NULL);
      g_free (text);
      text = g_steal_pointer (&example);
    }

  if (!(design = qrs_cli_design_options_build (design_options, &error)))
    return qrs_cli_fail (error);
  if (options.description != NULL)
    qrs_design_set_description (design, options.description);
  if (!(symbol = qrs_design_encode (design, text, &error)))
    return qrs_cli_fail (error);

  if (!(database = qrs_cli_open_database (options.conninfo, TRUE, &error)))
    return qrs_cli_fail_store (error);

  /* The logo's bytes go to the shared assets; the design names them by
   * their SHA-256. */
  if (qrs_design_get_logo (design) != NULL)
    {
      g_autoptr(QrsAssetStore) assets = qrs_asset_store_new (database);
      g_autofree char *sha256 = qrs_asset_store_put (assets, qrs_design_get_logo (design),
                                                     qrs_design_get_logo_media_type (design), NULL, &error);

      if (sha256 == NULL)
        return qrs_cli_fail_store (error);
      g_assert (g_str_equal (sha256, qrs_design_get_logo_sha256 (design)));
    }

  payload_json = qrs_payload_to_json (payload);
  payload_text = json_to_string (payload_json, FALSE);
  design_json = qrs_design_to_json (design, FALSE);
  design_text = json_to_string (design_json, FALSE);

  code = qrs_code_new (options.dynamic ? QRS_CODE_KIND_DYNAMIC : QRS_CODE_KIND_STATIC);
  qrs_code_set_payload_type (code, qrs_payload_type_to_string (qrs_payload_get_payload_type (payload)));
  qrs_code_set_payload (code, payload_text);
  qrs_code_set_design (code, design_text);
  qrs_code_set_logo_sha256 (code, qrs_design_get_logo_sha256 (design));
  qrs_code_set_title (code, qrs_design_get_title (design));
  qrs_code_set_description (code, qrs_design_get_description (design));
  qrs_code_set_tags (code, (const char * const *)tags);
  if (options.dynamic)
    {
      qrs_code_set_target_url (code, qrs_payload_get (payload, "url"));
      qrs_code_set_expires_at (code, expires_at);
    }
  else
    qrs_code_set_encoded (code, text);

  store = qrs_code_store_new (database);
  qrs_code_store_set_short_url_base (store, base);
  if (!(stored = qrs_code_store_create (store, code, NULL, &error)))
    return qrs_cli_fail_store (error);

  if (format == FORMAT_JSON)
    print_code (stored, NULL, format);
  else
    {
      g_autofree char *id = g_strdup_printf ("%" G_GINT64_FORMAT, qrs_code_get_id (stored));

      print_field (_("id"), id);
      if (options.dynamic)
        {
          print_field (_("short id"), qrs_code_get_short_id (stored));
          print_field (_("short URL"), qrs_code_get_encoded (stored));
          print_field (_("target"), qrs_code_get_target_url (stored));
        }
    }

  return QRS_CLI_EXIT_OK;
}

/* export */

/* The stored design, its logo's bytes loaded from the assets. */
static QrsDesign *
load_design (QrsCodeStore  *store,
             QrsCode       *code,
             GError       **error)
{
  g_autoptr(QrsDesign) design = NULL;
  const char *json = qrs_code_get_design (code);
  const char *sha256;

  if (json != NULL && *json != '\0')
    {
      if (!(design = qrs_design_new_from_data (json, -1, error)))
        {
          g_autofree char *label = code_label (code);

          g_prefix_error (error, _("the stored design of code %s cannot be read: "), label);
          return NULL;
        }
    }
  else
    design = qrs_design_new ();

  /* The row's columns win over what the design says of them, as in the app. */
  qrs_design_set_title (design, qrs_code_get_title (code));
  qrs_design_set_description (design, qrs_code_get_description (code));

  sha256 = qrs_code_get_logo_sha256 (code) ? qrs_code_get_logo_sha256 (code)
                                           : qrs_design_get_logo_sha256 (design);
  if (sha256 != NULL && qrs_design_get_logo (design) == NULL)
    {
      g_autoptr(QrsAssetStore) assets = qrs_asset_store_new (qrs_code_store_get_database (store));
      g_autoptr(GBytes) logo = qrs_asset_store_get (assets, sha256, NULL, NULL, error);

      if (logo == NULL || !qrs_design_set_logo (design, logo, error))
        return NULL;
    }

  return g_steal_pointer (&design);
}

/* --size and --dpi of `codes export`, as the design options set them. */
static gboolean
apply_size (QrsDesign   *design,
            const char  *size,
            const char  *dpi,
            GError     **error)
{
  const char *names[] = { "size", "dpi" };
  const char *values[] = { size, dpi };

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    if (values[i] != NULL &&
        !qrs_cli_design_apply (design, qrs_cli_design_key_lookup (names[i]), values[i], NULL, error))
      {
        g_prefix_error (error, "--%s: ", names[i]);
        return FALSE;
      }

  return TRUE;
}

static int
codes_export_run (int    argc,
                  char **argv)
{
  g_auto(OneCodeOptions) options = { NULL };
  g_auto(QrsCliOutputOptions) output = { NULL };
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(QrsCodeStore) store = NULL;
  g_autoptr(QrsCode) code = NULL;
  g_autoptr(QrsDesign) design = NULL;
  g_autoptr(QrsDesign) check = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;
  g_autofree char *size = NULL;
  g_autofree char *dpi = NULL;
  int status;
  const GOptionEntry entries[] = {
    { "size", 0, G_OPTION_FLAG_NONE, G_OPTION_ARG_STRING, &size,
      N_("Width of the image: pixels (1024) or 40mm, 4cm, 1.5in (default: the stored design’s)"), N_("SIZE") },
    { "dpi", 0, G_OPTION_FLAG_NONE, G_OPTION_ARG_STRING, &dpi,
      N_("Resolution of a size in mm, cm or in, 10–4800 (default: the stored design’s)"), N_("DPI") },
    { NULL }
  };

  context = qrs_cli_option_context_new (_("ID -o FILE"),
                                        _("Export a stored code, as it was designed, to a PNG, SVG, PDF, EPS, JPEG or WebP file."),
                                        _("ID is the code’s number or its short id.\n"
                                          "\n"
                                          "Examples:\n"
                                          "  qrstudio-cli codes export aB3dE9xY -o open-day.png\n"
                                          "  qrstudio-cli codes export 42 --lint --distance 2m -o poster.pdf\n"
                                          "\n"
                                          "Exit status: 0 written; 1 --lint found an error, or the database failed;\n"
                                          "2 bad input (an unknown code), nothing written."));
  qrs_cli_output_options_add_entries (&output, context);
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  add_short_url_base_option (context, &options.short_url_base);
  qrs_cli_add_database_option (context, &options.conninfo);

  if (!qrs_cli_parse_options (context, "codes export", &argc, &argv, &error) ||
      !take_code_id (argc, argv, 0, "codes export", _("ID -o FILE"), &error) ||
      !qrs_cli_output_options_check (&output, &error))
    return qrs_cli_fail (error);

  /* Bad values are reported before the database is asked. */
  check = qrs_design_new ();
  if (!apply_size (check, size, dpi, &error))
    return qrs_cli_fail (error);

  if (!(store = open_one_code (options.conninfo, argv[1], &code, &status)))
    return status;

  if (!(design = load_design (store, code, &error)))
    return qrs_cli_fail_store (error);
  if (!apply_size (design, size, dpi, &error))
    return qrs_cli_fail (error);

  text = g_strdup (qrs_code_get_encoded (code));

  /* A dynamic code saved without a short-URL base holds no text yet. */
  if ((text == NULL || *text == '\0') && qrs_code_get_kind (code) == QRS_CODE_KIND_DYNAMIC)
    {
      g_autofree char *base = qrs_cli_short_url_base (options.short_url_base, &error);

      if (base == NULL)
        {
          if (error != NULL)
            return qrs_cli_fail (error);
          g_autofree char *label = code_label (code);

          qrs_cli_print_error (_("code %s has no short URL stored: give the redirect service’s address with --short-url-base https://qr.example.edu, or set QRSTUDIO_SHORT_URL_BASE"),
                               label);
          return QRS_CLI_EXIT_USAGE;
        }
      g_free (text);
      text = g_strconcat (base, qrs_code_get_short_id (code), NULL);
    }

  if (text == NULL || *text == '\0')
    {
      g_autofree char *label = code_label (code);

      qrs_cli_print_error (_("code %s holds nothing to encode"), label);
      return QRS_CLI_EXIT_FAILED;
    }

  return qrs_cli_output_write (&output, design, text);
}

static const QrsCliCommand codes_commands[] = {
  { "add",        N_("Add a static or dynamic code"),                           codes_add_run },
  { "list",       N_("List the codes, a page at a time"),                       codes_list_run },
  { "search",     N_("Find codes by words in their title, tags or content"),    codes_search_run },
  { "show",       N_("Show one code and its history"),                          codes_show_run },
  { "set-target", N_("Send a dynamic code’s short URL somewhere else"),         codes_set_target_run },
  { "disable",    N_("Switch a dynamic code’s short URL off"),                  codes_disable_run },
  { "enable",     N_("Switch a dynamic code’s short URL back on"),              codes_enable_run },
  { "export",     N_("Export a stored code to an image or PDF file"),           codes_export_run },
};

/**
 * qrs_cli_codes_run:
 *
 * `qrstudio-cli codes add|list|search|show|set-target|disable|enable|export`
 *
 * Returns: the exit status
 */
int
qrs_cli_codes_run (int    argc,
                   char **argv)
{
  return qrs_cli_dispatch ("codes", codes_commands, G_N_ELEMENTS (codes_commands), argc, argv);
}
