/* qrs-window-private.h — shared by the window's files, and the tests
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "qrs-editor.h"
#include "qrs-preview.h"
#include "qrs-window.h"

G_BEGIN_DECLS

struct _QrsWindow
{
  AdwApplicationWindow  parent_instance;

  GSettings            *settings;
  GSettings            *state;        /* delayed: written when the window closes */
  GListModel           *library;      /* QrsDocument; a GListStore until the store lands */
  GtkFilterListModel   *filtered;
  GtkCustomFilter      *filter;
  GtkSingleSelection   *selection;
  QrsDocument          *document;
  GtkPrintSettings     *print_settings;

  /* template */
  AdwToastOverlay      *toast_overlay;
  AdwLeaflet           *leaflet;
  GtkWidget            *sidebar;
  GtkWidget            *content;
  AdwHeaderBar         *sidebar_header;
  AdwHeaderBar         *content_header;
  GtkWidget            *back_button;
  GtkWidget            *preview_toggle;
  guint                 folded_idle;
  GtkSearchEntry       *search_entry;
  GtkListView          *library_view;
  AdwWindowTitle       *window_title;
  AdwFlap              *flap;
  QrsEditor            *editor;
  QrsPreview           *preview;
  GtkScrolledWindow    *preview_scroller;
  GtkLabel             *preview_info;
  GtkLabel             *preview_error;
  GtkListBox           *lint_list;
};

void      _qrs_window_class_actions_init (GtkWidgetClass *widget_class);
void      _qrs_window_actions_update     (QrsWindow      *self);
void      _qrs_window_dnd_init           (QrsWindow      *self);
QrsDocument *_qrs_window_create_document (QrsWindow      *self);
void      _qrs_window_add_document       (QrsWindow      *self,
                                          QrsDocument    *document);

G_END_DECLS
