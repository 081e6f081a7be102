/* test-potfiles.c — po/POTFILES.in names every file with a string
 * marked for translation, and nothing else; and the .ui files' shortest
 * strings say what they mean
 *
 * A file left out of it builds and runs, and its strings stay English
 * in every language without a word of warning: the catalogue never
 * hears of them.  This reads the sources as xgettext would be asked
 * to: C files with _(), N_(), C_(), NC_() or the ngettext family,
 * .ui files with translatable="yes", and the desktop entry, metainfo
 * and settings schema, whose texts are translatable by their kind.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include <gio/gio.h>

/* The folders whose files people see the strings of; tests and tools
 * speak to developers. */
static const char * const source_dirs[] = { "src", "redirectd", "resources", "data", NULL };

static const char *
source_root (void)
{
  const char *root = g_getenv ("QRS_SOURCE_ROOT");

  if (root == NULL || *root == '\0')
    g_error ("QRS_SOURCE_ROOT is not set: run this test through meson");
  return root;
}

/* Whether @path (relative to the source root) holds strings for the
 * catalogue. */
static gboolean
has_marked_strings (const char *path,
                    const char *contents)
{
  static GRegex *c_marks;
  static GRegex *c_comments;

  if (c_marks == NULL)
    {
      c_marks = g_regex_new ("(^|[^A-Za-z0-9_])(N?C?_|g_d?n?gettext|g_dpgettext2?|n?gettext)\\s*\\(",
                             G_REGEX_MULTILINE | G_REGEX_OPTIMIZE, 0, NULL);
      c_comments = g_regex_new ("/\\*.*?\\*/", G_REGEX_DOTALL | G_REGEX_OPTIMIZE, 0, NULL);
    }

  /* A comment that says "N_()" marks nothing. */
  if (g_str_has_suffix (path, ".c") || g_str_has_suffix (path, ".h"))
    {
      g_autofree char *code = g_regex_replace_literal (c_comments, contents, -1, 0, " ", 0, NULL);

      return code != NULL && g_regex_match (c_marks, code, 0, NULL);
    }
  if (g_str_has_suffix (path, ".ui"))
    return strstr (contents, "translatable=\"yes\"") != NULL;
  if (g_str_has_suffix (path, ".desktop.in") || g_str_has_suffix (path, ".metainfo.xml.in"))
    return TRUE;
  if (g_str_has_suffix (path, ".gschema.xml"))
    return strstr (contents, "gettext-domain=") != NULL;

  return FALSE;
}

static void
collect (GFile      *root,
         GFile      *dir,
         GPtrArray  *marked)
{
  g_autoptr(GFileEnumerator) children = NULL;
  g_autoptr(GError) error = NULL;
  GFileInfo *info;

  children = g_file_enumerate_children (dir, G_FILE_ATTRIBUTE_STANDARD_NAME "," G_FILE_ATTRIBUTE_STANDARD_TYPE,
                                        G_FILE_QUERY_INFO_NOFOLLOW_SYMLINKS, NULL, &error);
  g_assert_no_error (error);

  while ((info = g_file_enumerator_next_file (children, NULL, &error)) != NULL)
    {
      g_autoptr(GFileInfo) owned = info;
      g_autoptr(GFile) child = g_file_get_child (dir, g_file_info_get_name (info));
      g_autofree char *path = g_file_get_relative_path (root, child);
      g_autofree char *contents = NULL;

      if (g_file_info_get_file_type (info) == G_FILE_TYPE_DIRECTORY)
        {
          collect (root, child, marked);
          continue;
        }

      if (!g_file_load_contents (child, NULL, &contents, NULL, NULL, NULL))
        continue;
      if (has_marked_strings (path, contents))
        g_ptr_array_add (marked, g_steal_pointer (&path));
    }
  g_assert_no_error (error);
}

static GHashTable *
read_potfiles (const char *root)
{
  g_autofree char *potfiles = g_build_filename (root, "po", "POTFILES.in", NULL);
  g_autofree char *contents = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) lines = NULL;
  GHashTable *listed = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  g_file_get_contents (potfiles, &contents, NULL, &error);
  g_assert_no_error (error);
  lines = g_strsplit (contents, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      char *line = g_strstrip (lines[i]);

      if (*line != '\0' && *line != '#')
        g_hash_table_add (listed, g_strdup (line));
    }

  return listed;
}

static void
test_potfiles_complete (void)
{
  const char *root = source_root ();
  g_autoptr(GFile) root_file = g_file_new_for_path (root);
  g_autoptr(GPtrArray) marked = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GHashTable) listed = read_potfiles (root);
  g_autoptr(GString) missing = g_string_new (NULL);
  g_autoptr(GString) stale = g_string_new (NULL);
  GHashTableIter iter;
  gpointer path;

  for (guint i = 0; source_dirs[i] != NULL; i++)
    {
      g_autoptr(GFile) dir = g_file_get_child (root_file, source_dirs[i]);

      collect (root_file, dir, marked);
    }
  g_test_message ("%u files with strings for translation, %u listed",
                  marked->len, g_hash_table_size (listed));
  /* The reading found the app, the tools and the data. */
  g_assert_cmpuint (marked->len, >=, 30);

  for (guint i = 0; i < marked->len; i++)
    if (!g_hash_table_contains (listed, g_ptr_array_index (marked, i)))
      g_string_append_printf (missing, " %s", (char *)g_ptr_array_index (marked, i));

  /* A file listed must be there (else the catalogue does not build) and
   * hold strings (else it is listed by mistake, or its strings lost
   * their marks). */
  g_hash_table_iter_init (&iter, listed);
  while (g_hash_table_iter_next (&iter, &path, NULL))
    if (!g_ptr_array_find_with_equal_func (marked, path, g_str_equal, NULL))
      g_string_append_printf (stale, " %s", (char *)path);

  if (missing->len > 0 || stale->len > 0)
    g_error ("po/POTFILES.in is out of date: files with marked strings not listed:%s; "
             "listed, but missing or without marked strings:%s",
             missing->len > 0 ? missing->str : " none", stale->len > 0 ? stale->str : " none");
}

/* Short strings in the .ui files ---------------------------------------- */

typedef struct
{
  const char *path;
  gboolean    translatable;
  gboolean    has_context;
  GString    *text;
  GString    *bare;
} UiReader;

static void
ui_start_element (GMarkupParseContext  *context,
                  const char           *element,
                  const char          **names,
                  const char          **values,
                  gpointer              user_data,
                  GError              **error)
{
  UiReader *reader = user_data;

  reader->translatable = FALSE;
  reader->has_context = FALSE;
  g_string_truncate (reader->text, 0);
  for (guint i = 0; names[i] != NULL; i++)
    {
      if (g_str_equal (names[i], "translatable"))
        reader->translatable = g_str_equal (values[i], "yes") || g_str_equal (values[i], "true");
      else if (g_str_equal (names[i], "context"))
        reader->has_context = TRUE;
    }
}

static void
ui_text (GMarkupParseContext  *context,
         const char           *text,
         gsize                 length,
         gpointer              user_data,
         GError              **error)
{
  UiReader *reader = user_data;

  if (reader->translatable)
    g_string_append_len (reader->text, text, length);
}

static void
ui_end_element (GMarkupParseContext  *context,
                const char           *element,
                gpointer              user_data,
                GError              **error)
{
  UiReader *reader = user_data;

  /* Two or three letters ("in", "px") are an abbreviation or a word
   * that means several things: alone in a catalogue, a translator
   * cannot tell which, and one translation serves them all. */
  if (reader->translatable && !reader->has_context
      && reader->text->len > 0 && g_utf8_strlen (reader->text->str, -1) <= 3)
    g_string_append_printf (reader->bare, " \"%s\" (%s)", reader->text->str, reader->path);
  reader->translatable = FALSE;
}

static void
test_ui_short_strings (void)
{
  const GMarkupParser parser = { ui_start_element, ui_end_element, ui_text, NULL, NULL };
  g_autofree char *ui_dir = g_build_filename (source_root (), "resources", "ui", NULL);
  g_autoptr(GDir) dir = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GString) bare = g_string_new (NULL);
  g_autoptr(GString) text = g_string_new (NULL);
  const char *name;
  guint n_files = 0;

  dir = g_dir_open (ui_dir, 0, &error);
  g_assert_no_error (error);
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = g_build_filename (ui_dir, name, NULL);
      g_autofree char *contents = NULL;
      g_autoptr(GMarkupParseContext) context = NULL;
      UiReader reader = { name, FALSE, FALSE, text, bare };

      if (!g_str_has_suffix (name, ".ui"))
        continue;
      g_file_get_contents (path, &contents, NULL, &error);
      g_assert_no_error (error);
      context = g_markup_parse_context_new (&parser, 0, &reader, NULL);
      g_markup_parse_context_parse (context, contents, -1, &error);
      g_assert_no_error (error);
      n_files++;
    }
  g_assert_cmpuint (n_files, >=, 5);

  if (bare->len > 0)
    g_error ("Short translatable strings without a context:%s", bare->str);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/i18n/potfiles/complete", test_potfiles_complete);
  g_test_add_func ("/i18n/ui/short-strings", test_ui_short_strings);

  return g_test_run ();
}
