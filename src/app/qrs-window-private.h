/* qrs-window-private.h — shared by the window's files, and the tests
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "qrs-code-list.h"
#include "qrs-document-list.h"
#include "qrs-editor.h"
#include "qrs-export.h"
#include "qrs-preview.h"
#include "qrs-row-selection.h"
#include "qrs-window.h"

G_BEGIN_DECLS

struct _QrsWindow
{
  AdwApplicationWindow  parent_instance;

  GSettings            *settings;
  GSettings            *state;        /* delayed: written when the window closes */
  GListModel           *library;      /* QrsDocument: the drafts, then the database's codes */
  GListStore           *drafts;       /* QrsDocument not in the database (all of them offline) */
  GListStore           *sections;     /* the drafts and the database's codes, for library */
  GListStore           *shown_sections; /* the drafts that match the search, and the codes */
  GtkFilterListModel   *filtered;     /* the drafts that match the search */
  GtkCustomFilter      *filter;
  QrsRowSelection      *selection;
  GtkBitset            *filled_selected; /* selected rows a page of codes is filling in */
  QrsCodeList          *codes;        /* the database's codes, paged; NULL offline */
  QrsDocumentList      *code_documents; /* codes as QrsDocument */
  GHashTable           *bound_rows;   /* GtkListItem on screen */
  GHashTable           *thumbnails;   /* "id updated_at" → GdkPaintable */
  GQueue                thumbnail_order;
  QrsCodeQuery         *query;        /* search, filters and sort of the library */
  GCancellable         *tags_cancellable;
  GPtrArray            *deleted;      /* QrsDocument: drafts and documents deleted, for undo */
  GArray               *deleted_ids;  /* gint64: the database's codes deleted, for undo */
  GArray               *deleted_versions; /* int, one per id: the version the window knew */
  AdwToast             *delete_toast; /* weak: the last delete's toast */
  AdwToast             *last_toast;   /* weak: the newest toast, on screen or next */
  AdwToast             *shown_toast;  /* weak: the toast the overlay shows */
  AdwToast             *queued_toast; /* weak: the one to show once it has gone */
  gint64                shown_at;     /* its frame time when it began to show */
  gboolean              shown_settled; /* a frame showed its show animation over */
  gboolean              dismiss_shown; /* it goes once its show animation is over */
  guint                 toast_tick_id; /* on toast_overlay, until then */
  GCancellable         *search_cancellable;
  GCancellable         *batch_cancellable;
  QrsDocument          *document;
  GHashTable           *kept;         /* id → QrsDocument: codes with unsaved edits left for another */
  guint                 modified_idle;
  gboolean              following;    /* a row is taking the editor's document */
  GPtrArray            *close_queue;  /* QrsDocument: still to save before the window closes */
  gboolean              close_confirmed; /* saved or discarded: the window may close */
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
  GtkMenuButton        *filter_button;
  GtkDropDown          *kind_dropdown;
  GtkDropDown          *state_dropdown;
  GtkDropDown          *tag_dropdown;
  GtkDropDown          *sort_dropdown;
  AdwWindowTitle       *window_title;
  AdwFlap              *flap;
  QrsEditor            *editor;
  QrsPreview           *preview;
  GtkScrolledWindow    *preview_scroller;
  GtkLabel             *preview_info;
  GtkLabel             *preview_error;
  GtkListBox           *lint_list;
  GtkStack             *library_stack;
  AdwStatusPage        *status_page;
  AdwWindowTitle       *library_title;
  GCancellable         *store_cancellable;
  gboolean              library_heard;  /* the library listener came up once */
  gboolean              saving;
  GtkRevealer          *batch_revealer;
  GtkProgressBar       *batch_progress;
  GtkLabel             *batch_label;
  GtkWidget            *batch_stop_button;
};

void      _qrs_window_class_actions_init (GtkWidgetClass *widget_class);
void      _qrs_window_actions_update     (QrsWindow      *self);
void      _qrs_window_dnd_init           (QrsWindow      *self);
QrsDocument *_qrs_window_create_document (QrsWindow      *self);
void      _qrs_window_add_document       (QrsWindow      *self,
                                          QrsDocument    *document);
GListModel *_qrs_window_dup_selected     (QrsWindow      *self);
QrsDocument *_qrs_window_lookup_current  (QrsWindow      *self,
                                          QrsCode        *code);
void      _qrs_window_class_store_init   (GtkWidgetClass *widget_class);
void      _qrs_window_connection_init    (QrsWindow      *self);
char     *_qrs_window_dup_redirect_base  (QrsWindow      *self);
void      _qrs_window_save               (QrsWindow      *self);
void      _qrs_window_show_failure       (QrsWindow      *self,
                                          const GError   *error);
gboolean  _qrs_window_search_database    (QrsWindow      *self,
                                          const char     *query);
void      _qrs_window_add_toast          (QrsWindow      *self,
                                          AdwToast       *toast);
void      _qrs_window_dismiss_toast      (QrsWindow      *self,
                                          AdwToast       *toast);
void      _qrs_window_delete_stored      (QrsWindow      *self,
                                          const gint64   *ids,
                                          const int      *versions,
                                          guint           n);
void      _qrs_window_delete_pending     (QrsWindow      *self);
void      _qrs_window_start_batch_export (QrsWindow      *self,
                                          GFile          *folder,
                                          QrsExportFormat format);
void      _qrs_window_select             (QrsWindow      *self,
                                          guint           position);
void      _qrs_window_apply_query        (QrsWindow      *self);
void      _qrs_window_hide_codes         (QrsWindow      *self,
                                          const gint64   *ids,
                                          guint           n,
                                          gboolean        hide);
gboolean  _qrs_window_document_is_placeholder (QrsDocument *document);
void      _qrs_window_update_tags        (QrsWindow      *self);
void      _qrs_window_rebuild_library    (QrsWindow      *self);
void      _qrs_window_refresh_scans      (QrsWindow      *self);
void      _qrs_window_close_library      (QrsWindow      *self);
void      _qrs_window_draft_saved        (QrsWindow      *self,
                                          QrsDocument    *document);
gboolean  _qrs_window_document_is_unsaved (QrsWindow     *self,
                                          QrsDocument    *document);
void      _qrs_window_update_modified    (QrsWindow      *self,
                                          QrsDocument    *document);
GPtrArray *_qrs_window_dup_unsaved       (QrsWindow      *self);
void      _qrs_window_save_all_and_close (QrsWindow      *self,
                                          GPtrArray      *documents);
void      _qrs_window_show_document      (QrsWindow      *self,
                                          QrsDocument    *document);
gboolean  _qrs_window_check_short_link   (QrsWindow      *self);

G_END_DECLS
