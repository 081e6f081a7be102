/* main.c — qrstudio
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "qrs-application.h"

int
main (int   argc,
      char *argv[])
{
  g_autoptr(QrsApplication) app = NULL;
  const char *localedir = g_getenv ("QRS_LOCALEDIR");

  /* QRS_LOCALEDIR, when set, names the locale tree to read our messages
   * from instead of the installed one: the tests point it at the build
   * tree's po/ directory, where <lang>/LC_MESSAGES/qrstudio.mo are built. */
  bindtextdomain (GETTEXT_PACKAGE, localedir != NULL ? localedir : LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  g_set_application_name (_("QR Studio"));

  app = qrs_application_new ();

  return g_application_run (G_APPLICATION (app), argc, argv);
}
