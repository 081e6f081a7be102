/* app-test-utils.h — a display, the application, and real pixels
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "qrs-payload.h"
#include "qrs-window.h"

G_BEGIN_DECLS

void        app_test_init              (int          *argc,
                                        char       ***argv);
void        app_test_init_with_database (int          *argc,
                                        char       ***argv);
int         app_test_run_tests         (void);
const char *app_test_get_conninfo      (void);
void        app_test_sql               (const char   *statement);
gint64      app_test_sql_int64         (const char   *statement);
void        app_test_make_url_codes    (const char   *title,
                                        guint         n);
GtkApplication *app_test_get_application (void);
QrsWindow  *app_test_new_window        (int           width,
                                        int           height);
void        app_test_close_window      (QrsWindow    *window);
void        app_test_wait_for_draw     (GtkWidget    *preview);
void        app_test_redraw            (GtkWidget    *preview);
void        app_test_iterate           (guint         msec);
void        app_test_wait_until        (gboolean    (*done) (gpointer),
                                        gpointer      data,
                                        guint         timeout_msec);
/* Waits until the window's library has finished reading and holds @n
 * codes; fails the test after @timeout_msec. */
void        app_test_wait_for_library  (QrsWindow    *window,
                                        guint         n,
                                        guint         timeout_msec);
GdkTexture *app_test_snapshot          (GtkWidget    *widget);
char       *app_test_save_snapshot     (GtkWidget    *widget,
                                        const char   *name);
char       *app_test_decode            (const char   *png_path);
char       *app_test_find_tool         (const char   *name);
char       *app_test_run               (const char * const *argv);
char       *app_test_tmpdir            (void);
/* Makes a desktop entry in @xdg_dir the default application for
 * @mime_types (XDG_DATA_HOME and XDG_CONFIG_HOME point into @xdg_dir;
 * call it before GIO first reads them).  The entry writes the URI it is
 * given to the file whose path is returned. */
char       *app_test_install_default_handler (const char         *xdg_dir,
                                              const char * const *mime_types);
/* Waits for the application's database to open; fails the test if it
 * cannot be. */
void        app_test_assert_connected  (void);
/* Dismisses the window's toasts as the app does (so not before they
 * have finished sliding in: see _qrs_window_dismiss_toast()) and waits
 * until none is on screen. */
void        app_test_clear_toasts      (QrsWindow    *window);
/* The message dialog on screen, if any, and the waits for one. */
AdwMessageDialog *app_test_find_dialog (void);
GtkWindow        *app_test_find_toplevel     (GType type);
GtkWindow        *app_test_wait_for_toplevel (GType type);
gboolean    app_test_dialog_shown      (gpointer      data);
gboolean    app_test_no_dialog         (gpointer      data);
/* As a click on a response button does: respond, then close. */
void        app_test_respond           (AdwMessageDialog *dialog,
                                        const char   *response);
/* Typing into the editor: a payload field's first row, and the title. */
void        app_test_type_into         (QrsWindow    *window,
                                        const char   *field,
                                        const char   *text);
gpointer    app_test_editor_child      (QrsWindow    *window,
                                        const char   *name);
void        app_test_select_type       (QrsWindow    *window,
                                        QrsPayloadType type);
void        app_test_change_behind_back (gint64      id,
                                        const char   *title);
void        app_test_set_title         (QrsWindow    *window,
                                        const char   *title);
/* For app_test_wait_until(): the QrsDocument @data is stored, at least
 * at the version set as its "expected-version" data, if any. */
gboolean    app_test_document_saved    (gpointer      data);

G_END_DECLS
