/* test-i18n.c — the Spanish translation seen from outside: qrstudio-cli
 * and qrstudio-redirectd run with LANGUAGE=es and must speak Spanish,
 * and the merged desktop entry and metainfo must carry Spanish text
 *
 * The programs read their catalogues from $QRS_LOCALEDIR, the build
 * tree's po/ directory (tests/i18n/meson.build sets it and the paths of
 * the programs and files).  With no Spanish catalogue built (po/LINGUAS
 * without "es") every Spanish check here fails.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include <gio/gio.h>

static const char *
required_env (const char *name)
{
  const char *value = g_getenv (name);

  if (value == NULL || *value == '\0')
    g_error ("%s is not set: run this test through meson", name);
  return value;
}

/* Runs @argv with LANGUAGE=@language (unset when NULL) in the C.UTF-8
 * locale, which, unlike plain "C", lets gettext follow LANGUAGE; returns
 * what it wrote on stdout and stderr together. */
static char *
run_in_language (const char         *language,
                 const char * const *argv,
                 int                *exit_status)
{
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GError) error = NULL;
  char *out = NULL;

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE
                                        | G_SUBPROCESS_FLAGS_STDERR_MERGE);
  g_subprocess_launcher_unsetenv (launcher, "LANG");
  g_subprocess_launcher_unsetenv (launcher, "LC_MESSAGES");
  g_subprocess_launcher_setenv (launcher, "LC_ALL", "C.UTF-8", TRUE);
  if (language != NULL)
    g_subprocess_launcher_setenv (launcher, "LANGUAGE", language, TRUE);
  else
    g_subprocess_launcher_unsetenv (launcher, "LANGUAGE");

  process = g_subprocess_launcher_spawnv (launcher, argv, &error);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (process, NULL, NULL, &out, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_if_exited (process));
  *exit_status = g_subprocess_get_exit_status (process);

  return out;
}

static void
test_cli_help (void)
{
  const char *argv[] = { required_env ("QRS_CLI"), "--help", NULL };
  g_autofree char *english = NULL;
  g_autofree char *spanish = NULL;
  int status;

  /* The same run without LANGUAGE is English: the Spanish below comes
   * from the catalogue, not from the program. */
  english = run_in_language (NULL, argv, &status);
  g_assert_cmpint (status, ==, 0);
  g_assert_nonnull (strstr (english, "Commands:"));
  g_assert_nonnull (strstr (english, "Export one code for each row of a CSV file"));

  spanish = run_in_language ("es", argv, &status);
  g_assert_cmpint (status, ==, 0);
  g_assert_nonnull (strstr (spanish, "Comandos:"));
  g_assert_nonnull (strstr (spanish, "Exportar un código por cada fila de un archivo CSV"));
  g_assert_null (strstr (spanish, "Export one code"));
}

static void
test_cli_error (void)
{
  const char *argv[] = { required_env ("QRS_CLI"), "bogus", NULL };
  g_autofree char *spanish = NULL;
  int status;

  /* An error built from a format with placeholders: the translated
   * format must still take the program's arguments in place. */
  spanish = run_in_language ("es", argv, &status);
  g_assert_cmpint (status, !=, 0);
  g_assert_nonnull (strstr (spanish, "«bogus» no es un comando"));
  g_assert_nonnull (strstr (spanish, "«qrstudio-cli --help»"));
}

static void
test_redirectd_help (void)
{
  const char *argv[] = { required_env ("QRS_REDIRECTD"), "--help", NULL };
  g_autofree char *spanish = NULL;
  int status;

  spanish = run_in_language ("es", argv, &status);
  g_assert_cmpint (status, ==, 0);
  g_assert_nonnull (strstr (spanish, "Atender los enlaces cortos de los códigos dinámicos"));
  /* Option names stay as they are; only their descriptions change. */
  g_assert_nonnull (strstr (spanish, "--listen"));
  g_assert_nonnull (strstr (spanish, "Atender las redirecciones en HOST:PUERTO"));
}

/* Reads @key in Spanish, failing if the file has no Spanish value for it
 * (rather than falling back to the untranslated one). */
static char *
desktop_key_in_spanish (GKeyFile   *key_file,
                        const char *key)
{
  g_autofree char *locale = NULL;
  g_autoptr(GError) error = NULL;
  char *value;

  locale = g_key_file_get_locale_for_key (key_file, G_KEY_FILE_DESKTOP_GROUP, key, "es");
  g_assert_cmpstr (locale, ==, "es");
  value = g_key_file_get_locale_string (key_file, G_KEY_FILE_DESKTOP_GROUP, key, "es", &error);
  g_assert_no_error (error);

  return value;
}

static void
test_desktop_file (void)
{
  g_autoptr(GKeyFile) key_file = g_key_file_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *name = NULL;
  g_autofree char *generic_name = NULL;
  g_autofree char *comment = NULL;
  g_autofree char *keywords = NULL;

  g_key_file_load_from_file (key_file, required_env ("QRS_DESKTOP_FILE"), G_KEY_FILE_KEEP_TRANSLATIONS, &error);
  g_assert_no_error (error);

  name = desktop_key_in_spanish (key_file, "Name");
  g_assert_cmpstr (name, ==, "QR Studio");
  generic_name = desktop_key_in_spanish (key_file, "GenericName");
  g_assert_cmpstr (generic_name, ==, "Diseñador de códigos QR");
  comment = desktop_key_in_spanish (key_file, "Comment");
  g_assert_cmpstr (comment, ==, "Diseñar, previsualizar, rotular y exportar códigos QR");
  keywords = desktop_key_in_spanish (key_file, "Keywords");
  g_assert_true (g_str_has_suffix (keywords, ";"));
}

static void
test_metainfo (void)
{
  g_autofree char *contents = NULL;
  g_autoptr(GError) error = NULL;

  g_file_get_contents (required_env ("QRS_METAINFO_FILE"), &contents, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (strstr (contents, "<summary xml:lang=\"es\">Diseñar, previsualizar y exportar códigos QR</summary>"));
  g_assert_nonnull (strstr (contents, "xml:lang=\"es\">Avisos cuando un diseño podría no escanearse</li>"));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/i18n/cli/help", test_cli_help);
  g_test_add_func ("/i18n/cli/error", test_cli_error);
  g_test_add_func ("/i18n/redirectd/help", test_redirectd_help);
  g_test_add_func ("/i18n/desktop-file", test_desktop_file);
  g_test_add_func ("/i18n/metainfo", test_metainfo);

  return g_test_run ();
}
