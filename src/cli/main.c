/* main.c — qrstudio-cli
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <locale.h>

#include <glib/gi18n-lib.h>

#include "qrs-cli-private.h"

int
main (int    argc,
      char **argv)
{
  const char *localedir = g_getenv ("QRS_LOCALEDIR");

  setlocale (LC_ALL, "");
  /* QRS_LOCALEDIR, when set, names the locale tree to read our messages
   * from instead of the installed one: the tests point it at the build
   * tree's po/ directory, where <lang>/LC_MESSAGES/qrstudio.mo are built. */
  bindtextdomain (GETTEXT_PACKAGE, localedir != NULL ? localedir : LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);
  g_set_prgname ("qrstudio-cli");

  return qrs_cli_main (argc, argv);
}
