/* qrs-window.c — the main window: library, editor and live preview
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "qrs-application.h"
#include "qrs-editor-private.h"
#include "qrs-lint.h"
#include "qrs-window-private.h"

G_DEFINE_FINAL_TYPE (QrsWindow, qrs_window, ADW_TYPE_APPLICATION_WINDOW)

/* Where the short links of dynamic codes start: the application may carry
 * an address for this run only (tools/run's local redirect daemon). */
char *
_qrs_window_dup_redirect_base (QrsWindow *self)
{
  GtkApplication *app = gtk_window_get_application (GTK_WINDOW (self));

  if (QRS_IS_APPLICATION (app))
    return qrs_application_dup_redirect_base_url (QRS_APPLICATION (app));

  return g_settings_get_string (self->settings, "redirect-base-url");
}

static QrsDocument *
create_document (QrsWindow *self)
{
  QrsDocument *document = qrs_document_new ();
  QrsDesign *design = qrs_document_get_design (document);
  g_autofree char *base = _qrs_window_dup_redirect_base (self);

  /* New codes start from the defaults in Preferences. */
  g_object_freeze_notify (G_OBJECT (design));
  qrs_design_set_size_unit (design, g_settings_get_enum (self->settings, "export-size-unit"));
  qrs_design_set_size (design, g_settings_get_double (self->settings, "export-size"));
  qrs_design_set_dpi (design, g_settings_get_double (self->settings, "export-dpi"));
  g_object_thaw_notify (G_OBJECT (design));
  qrs_document_set_redirect_base (document, base);

  return document;
}

/* Preview details ----------------------------------------------------- */

static const char *
icon_for_severity (QrsLintSeverity severity)
{
  switch (severity)
    {
    case QRS_LINT_SEVERITY_ERROR: return "dialog-error-symbolic";
    case QRS_LINT_SEVERITY_WARNING: return "dialog-warning-symbolic";
    case QRS_LINT_SEVERITY_INFO:
    default: return "dialog-information-symbolic";
    }
}

static const char *
css_for_severity (QrsLintSeverity severity)
{
  switch (severity)
    {
    case QRS_LINT_SEVERITY_ERROR: return "error";
    case QRS_LINT_SEVERITY_WARNING: return "warning";
    case QRS_LINT_SEVERITY_INFO:
    default: return "accent";
    }
}

static const char *
name_for_severity (QrsLintSeverity severity)
{
  switch (severity)
    {
    case QRS_LINT_SEVERITY_ERROR: return _("Will not scan");
    case QRS_LINT_SEVERITY_WARNING: return _("May not scan");
    case QRS_LINT_SEVERITY_INFO:
    default:
      /* Translators: the mildest of the scanning checks' findings, not a
       * contact's note */
      return C_("scanning check", "Note");
    }
}

static void
update_findings (QrsWindow *self)
{
  GPtrArray *findings = qrs_preview_get_findings (self->preview);
  g_autoptr(GString) key = g_string_new (NULL);
  const char *old_key;
  GtkWidget *child;

  for (guint i = 0; i < findings->len; i++)
    {
      const QrsLintFinding *finding = g_ptr_array_index (findings, i);

      g_string_append_printf (key, "%d:%s\n", finding->severity, finding->message);
    }

  /* Findings are checked on every keystroke; rebuild the rows only when
   * they say something new. */
  old_key = g_object_get_data (G_OBJECT (self->lint_list), "qrs-key");
  if (g_strcmp0 (old_key, key->str) == 0)
    return;
  g_object_set_data_full (G_OBJECT (self->lint_list), "qrs-key",
                          g_strdup (key->str), g_free);

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->lint_list))) != NULL)
    gtk_list_box_remove (self->lint_list, child);

  for (guint i = 0; i < findings->len; i++)
    {
      const QrsLintFinding *finding = g_ptr_array_index (findings, i);
      GtkWidget *row = adw_action_row_new ();
      GtkWidget *icon = gtk_image_new_from_icon_name (icon_for_severity (finding->severity));

      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), finding->message);
      adw_action_row_set_subtitle (ADW_ACTION_ROW (row), name_for_severity (finding->severity));
      adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
      gtk_widget_add_css_class (icon, css_for_severity (finding->severity));
      gtk_accessible_update_property (GTK_ACCESSIBLE (icon),
                                      GTK_ACCESSIBLE_PROPERTY_LABEL,
                                      name_for_severity (finding->severity), -1);
      adw_action_row_add_prefix (ADW_ACTION_ROW (row), icon);
      gtk_widget_add_css_class (row, "lint-finding");
      gtk_list_box_append (self->lint_list, row);
    }

  gtk_widget_set_visible (GTK_WIDGET (self->lint_list), findings->len > 0);
}

static void
update_preview_info (QrsWindow *self)
{
  QrsSymbol *symbol = qrs_preview_get_symbol (self->preview);
  const GError *error = qrs_preview_get_error (self->preview);
  const GError *payload_error = qrs_document_get_error (self->document);

  if (symbol != NULL)
    {
      g_autofree char *version = qrs_symbol_get_version_name (symbol);
      g_autofree char *info = NULL;
      guint width = qrs_symbol_get_width (symbol);
      double used = qrs_symbol_get_capacity_used (symbol);

      if (qrs_symbol_get_symbol_type (symbol) == QRS_SYMBOL_TYPE_MICRO_QR)
        /* Translators: “Micro QR M3 · 15 × 15 modules · 40 % of capacity” */
        info = g_strdup_printf (_("Micro QR %s · %u × %u modules · %.0f %% of capacity"),
                                version, width, width, used * 100);
      else
        /* Translators: “Version 3 · 29 × 29 modules · 40 % of capacity” */
        info = g_strdup_printf (_("Version %s · %u × %u modules · %.0f %% of capacity"),
                                version, width, width, used * 100);
      gtk_label_set_label (self->preview_info, info);
    }
  else if (payload_error == NULL && error == NULL)
    {
      gtk_label_set_label (self->preview_info, _("Fill in what the code should say"));
    }
  else
    {
      gtk_label_set_label (self->preview_info, NULL);
    }

  if (error != NULL)
    gtk_label_set_label (self->preview_error, error->message);
  gtk_widget_set_visible (GTK_WIDGET (self->preview_error), error != NULL);
  gtk_widget_set_visible (GTK_WIDGET (self->preview_info),
                          gtk_label_get_label (self->preview_info)[0] != '\0');
}

static void
document_text_changed_cb (QrsWindow *self)
{
  qrs_preview_set_text (self->preview, qrs_document_get_text (self->document));
  update_preview_info (self);
}

static void
document_title_changed_cb (QrsWindow *self)
{
  g_autofree char *title = qrs_document_dup_display_title (self->document);
  QrsPayload *payload = qrs_document_get_payload (self->document);
  const char *type = qrs_editor_get_payload_type_label (qrs_payload_get_payload_type (payload));
  g_autofree char *subtitle = NULL;

  if (qrs_document_get_kind (self->document) == QRS_CODE_KIND_DYNAMIC)
    /* Translators: “Web Address, dynamic” */
    subtitle = g_strdup_printf (_("%s, dynamic"), type);
  else
    subtitle = g_strdup (type);

  adw_window_title_set_title (self->window_title, title);
  adw_window_title_set_subtitle (self->window_title, subtitle);
}

/* Whether the document in the editor has unsaved edits is found by
 * comparing it with its row: once per burst of changes, not per key. */
static gboolean
modified_idle_cb (gpointer data)
{
  QrsWindow *self = data;

  self->modified_idle = 0;
  if (self->document != NULL)
    _qrs_window_update_modified (self, self->document);

  return G_SOURCE_REMOVE;
}

static void
document_changed_cb (QrsWindow  *self,
                     GParamSpec *pspec)
{
  if (g_str_equal (pspec->name, "modified"))
    return;
  if (self->modified_idle == 0)
    self->modified_idle = g_timeout_add (100, modified_idle_cb, self);
}

/* Library ------------------------------------------------------------- */

/* Thumbnails drawn once per code and version, kept for this many codes. */
#define THUMBNAIL_CACHE_SIZE 600
#define THUMBNAIL_SIZE 40

gboolean
_qrs_window_document_is_placeholder (QrsDocument *document)
{
  return g_object_get_data (G_OBJECT (document), "qrs-placeholder") != NULL;
}

static void library_activate_cb (QrsWindow *self,
                                 guint      position);

/* Narrow, the library is all there is on screen: one click or tap on a
 * code opens it, as in GNOME's other folded lists.  (GtkListView's
 * single-click-activate would also select rows under a moving pointer,
 * changing the code in the editor as the mouse passes.)  Wide, a click
 * selects, and Enter or a double click opens. */
static gboolean
row_opens_on_click (QrsWindow       *self,
                    GtkGestureClick *gesture,
                    int              n_press)
{
  GdkModifierType state = gtk_event_controller_get_current_event_state (GTK_EVENT_CONTROLLER (gesture));

  return adw_leaflet_get_folded (self->leaflet) && n_press == 1
         && (state & (GDK_CONTROL_MASK | GDK_SHIFT_MASK)) == 0;
}

/* Claimed before the row's own selecting click, which would otherwise
 * take the press and cancel this gesture. */
static void
row_pressed_cb (GtkGestureClick *gesture,
                int              n_press,
                double           x,
                double           y,
                GtkListItem     *item)
{
  QrsWindow *self = g_object_get_data (G_OBJECT (gesture), "qrs-window");

  if (row_opens_on_click (self, gesture, n_press))
    gtk_gesture_set_state (GTK_GESTURE (gesture), GTK_EVENT_SEQUENCE_CLAIMED);
}

static void
row_released_cb (GtkGestureClick *gesture,
                 int              n_press,
                 double           x,
                 double           y,
                 GtkListItem     *item)
{
  QrsWindow *self = g_object_get_data (G_OBJECT (gesture), "qrs-window");
  guint position = gtk_list_item_get_position (item);

  if (!row_opens_on_click (self, gesture, n_press) || position == GTK_INVALID_LIST_POSITION)
    return;

  library_activate_cb (self, position);
}

static void
append_row_part (char       **name,
                 const char  *part)
{
  char *joined;

  if (part == NULL || *part == '\0')
    return;
  if (*name == NULL)
    {
      *name = g_strdup (part);
      return;
    }

  /* Translators: two parts of a library row as a screen reader reads
   * it, such as “Open Day, Web Address · https://example.edu/” */
  joined = g_strdup_printf (C_("library row", "%s, %s"), *name, part);
  g_free (*name);
  *name = joined;
}

/* GTK 4.8 gives a list's row no name of its own (a list item's
 * accessible label came in 4.12), so a screen reader landing on it has
 * nothing to say: the row takes the words it shows, in their order —
 * the title, what the code is, its scans, and the unsaved mark. */
static void
update_row_name_cb (GtkWidget *box)
{
  GtkWidget *row = gtk_widget_get_parent (box);
  g_autofree char *name = NULL;

  if (row == NULL)
    return;

  for (GtkWidget *child = gtk_widget_get_first_child (box);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      if (!gtk_widget_get_visible (child))
        continue;

      if (GTK_IS_LABEL (child))
        append_row_part (&name, gtk_label_get_label (GTK_LABEL (child)));
      else if (GTK_IS_IMAGE (child))
        append_row_part (&name, gtk_widget_get_tooltip_text (child));
      else if (GTK_IS_BOX (child))
        for (GtkWidget *line = gtk_widget_get_first_child (child);
             line != NULL;
             line = gtk_widget_get_next_sibling (line))
          append_row_part (&name, gtk_label_get_label (GTK_LABEL (line)));
    }

  if (name != NULL)
    gtk_accessible_update_property (GTK_ACCESSIBLE (row), GTK_ACCESSIBLE_PROPERTY_LABEL, name, -1);
  else
    gtk_accessible_reset_property (GTK_ACCESSIBLE (row), GTK_ACCESSIBLE_PROPERTY_LABEL);
}

static void
library_row_setup_cb (GtkSignalListItemFactory *factory,
                      GtkListItem              *item,
                      QrsWindow                *self)
{
  GtkGesture *click = gtk_gesture_click_new ();
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 12);
  GtkWidget *labels = gtk_box_new (GTK_ORIENTATION_VERTICAL, 2);
  GtkWidget *thumbnail = g_object_new (QRS_TYPE_PREVIEW, "compact", TRUE, NULL);
  GtkWidget *picture = gtk_picture_new ();
  GtkWidget *title = gtk_label_new (NULL);
  GtkWidget *subtitle = gtk_label_new (NULL);
  GtkWidget *scans = gtk_label_new (NULL);
  GtkWidget *modified = gtk_image_new_from_icon_name ("document-edit-symbolic");

  gtk_widget_set_valign (thumbnail, GTK_ALIGN_CENTER);
  gtk_widget_set_focusable (thumbnail, FALSE);
  gtk_widget_set_can_target (thumbnail, FALSE);
  gtk_widget_add_css_class (thumbnail, "thumbnail");
  gtk_widget_set_size_request (picture, THUMBNAIL_SIZE, THUMBNAIL_SIZE);
  gtk_widget_set_valign (picture, GTK_ALIGN_CENTER);
  gtk_picture_set_can_shrink (GTK_PICTURE (picture), TRUE);
  gtk_widget_set_visible (picture, FALSE);
  gtk_label_set_xalign (GTK_LABEL (title), 0);
  gtk_label_set_ellipsize (GTK_LABEL (title), PANGO_ELLIPSIZE_END);
  gtk_label_set_xalign (GTK_LABEL (subtitle), 0);
  gtk_label_set_ellipsize (GTK_LABEL (subtitle), PANGO_ELLIPSIZE_END);
  gtk_widget_add_css_class (subtitle, "dim-label");
  gtk_widget_add_css_class (subtitle, "caption");
  gtk_widget_set_valign (labels, GTK_ALIGN_CENTER);
  gtk_widget_set_hexpand (labels, TRUE);
  gtk_widget_set_valign (scans, GTK_ALIGN_CENTER);
  gtk_widget_add_css_class (scans, "dim-label");
  gtk_widget_add_css_class (scans, "caption");
  gtk_widget_add_css_class (scans, "numeric");
  gtk_widget_add_css_class (scans, "scan-count");
  /* Edits not saved yet, as gnome-text-editor marks a modified tab. */
  gtk_widget_set_valign (modified, GTK_ALIGN_CENTER);
  gtk_widget_set_visible (modified, FALSE);
  gtk_widget_add_css_class (modified, "accent");
  gtk_widget_set_tooltip_text (modified, _("Unsaved changes"));
  gtk_accessible_update_property (GTK_ACCESSIBLE (modified),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, _("Unsaved changes"), -1);

  gtk_box_append (GTK_BOX (labels), title);
  gtk_box_append (GTK_BOX (labels), subtitle);
  gtk_box_append (GTK_BOX (box), thumbnail);
  gtk_box_append (GTK_BOX (box), picture);
  gtk_box_append (GTK_BOX (box), labels);
  gtk_box_append (GTK_BOX (box), scans);
  gtk_box_append (GTK_BOX (box), modified);
  gtk_list_item_set_child (item, box);

  g_signal_connect_swapped (title, "notify::label", G_CALLBACK (update_row_name_cb), box);
  g_signal_connect_swapped (subtitle, "notify::label", G_CALLBACK (update_row_name_cb), box);
  g_signal_connect_swapped (scans, "notify::label", G_CALLBACK (update_row_name_cb), box);
  g_signal_connect_swapped (scans, "notify::visible", G_CALLBACK (update_row_name_cb), box);
  g_signal_connect_swapped (modified, "notify::visible", G_CALLBACK (update_row_name_cb), box);

  gtk_gesture_single_set_button (GTK_GESTURE_SINGLE (click), GDK_BUTTON_PRIMARY);
  g_object_set_data (G_OBJECT (click), "qrs-window", self);
  g_signal_connect (click, "pressed", G_CALLBACK (row_pressed_cb), item);
  g_signal_connect (click, "released", G_CALLBACK (row_released_cb), item);
  gtk_widget_add_controller (box, GTK_EVENT_CONTROLLER (click));
  g_object_set_data (G_OBJECT (item), "click", click);

  g_object_set_data (G_OBJECT (item), "thumbnail", thumbnail);
  g_object_set_data (G_OBJECT (item), "picture", picture);
  g_object_set_data (G_OBJECT (item), "title", title);
  g_object_set_data (G_OBJECT (item), "subtitle", subtitle);
  g_object_set_data (G_OBJECT (item), "scans", scans);
  g_object_set_data (G_OBJECT (item), "modified", modified);
}

static gboolean
transform_text_to_subtitle (GBinding     *binding,
                            const GValue *from,
                            GValue       *to,
                            gpointer      user_data)
{
  QrsDocument *document = QRS_DOCUMENT (g_binding_dup_source (binding));
  QrsPayloadType type = qrs_payload_get_payload_type (qrs_document_get_payload (document));
  const char *text = g_value_get_string (from);

  /* Only what is safe to show on a screen others can see: a Wi-Fi
   * password or a contact's details stay in the editor. */
  if (text != NULL && (type == QRS_PAYLOAD_TYPE_URL || type == QRS_PAYLOAD_TYPE_TEXT ||
                       qrs_document_get_kind (document) == QRS_CODE_KIND_DYNAMIC))
    g_value_take_string (to, g_strdup_printf ("%s · %s",
                                              qrs_editor_get_payload_type_label (type), text));
  else
    g_value_set_string (to, qrs_editor_get_payload_type_label (type));
  g_object_unref (document);

  return TRUE;
}

/* The row's scans, from the page its code came in. */
static void
update_row_scans (QrsWindow   *self,
                  GtkListItem *item)
{
  QrsDocument *document = gtk_list_item_get_item (item);
  GtkLabel *label = g_object_get_data (G_OBJECT (item), "scans");
  guint64 scans = 0;

  /* Only a dynamic code's scans are counted (the redirect daemon counts
   * them): a static code's row says nothing rather than "0 scans". */
  if (document != NULL && self->codes != NULL && qrs_document_get_id (document) > 0
      && qrs_document_get_kind (document) == QRS_CODE_KIND_DYNAMIC
      && qrs_code_list_lookup_scans (self->codes, qrs_document_get_id (document), &scans))
    {
      /* Thousands grouped as the locale does, as the editor's totals
       * and the scan chart write them: "1,234 scans", not "1234". */
      g_autofree char *count = g_strdup_printf ("%'" G_GUINT64_FORMAT, scans);
      /* Translators: how many times a code was scanned, in a library row */
      g_autofree char *text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%s scan", "%s scans",
                                                            (gulong)MIN (scans, G_MAXULONG)),
                                               count);

      gtk_label_set_label (label, text);
      gtk_widget_set_visible (GTK_WIDGET (label), TRUE);
    }
  else
    {
      gtk_label_set_label (label, NULL);
      gtk_widget_set_visible (GTK_WIDGET (label), FALSE);
    }
}

void
_qrs_window_refresh_scans (QrsWindow *self)
{
  GHashTableIter iter;
  gpointer item;

  g_hash_table_iter_init (&iter, self->bound_rows);
  while (g_hash_table_iter_next (&iter, &item, NULL))
    update_row_scans (self, item);
}

/* A stored code's thumbnail, drawn once for each version of it. */
static GdkPaintable *
lookup_thumbnail (QrsWindow   *self,
                  QrsDocument *document,
                  int          scale)
{
  QrsCode *stored = qrs_document_get_stored (document);
  g_autofree char *key = NULL;
  g_autoptr(GError) error = NULL;
  GdkTexture *texture;
  QrsPreview *renderer;

  if (stored == NULL || qrs_code_get_updated_at (stored) == NULL)
    return NULL;

  key = g_strdup_printf ("%" G_GINT64_FORMAT " %" G_GINT64_FORMAT " %d", qrs_code_get_id (stored),
                         g_date_time_to_unix (qrs_code_get_updated_at (stored)) * G_USEC_PER_SEC
                         + g_date_time_get_microsecond (qrs_code_get_updated_at (stored)), scale);
  texture = g_hash_table_lookup (self->thumbnails, key);
  if (texture != NULL)
    return g_object_ref (GDK_PAINTABLE (texture));

  renderer = g_object_get_data (G_OBJECT (self), "qrs-thumbnail-renderer");
  if (renderer == NULL)
    {
      renderer = g_object_new (QRS_TYPE_PREVIEW, "compact", TRUE, NULL);
      g_object_set_data_full (G_OBJECT (self), "qrs-thumbnail-renderer",
                              g_object_ref_sink (renderer), g_object_unref);
    }
  qrs_preview_set_design (renderer, qrs_document_get_design (document));
  qrs_preview_set_text (renderer, qrs_document_get_text (document));
  texture = qrs_preview_render_texture (renderer, THUMBNAIL_SIZE * scale, &error);
  /* What a screen reader says of it, as of the live thumbnail: kept with
   * the picture, since the symbol it is read from is not. */
  if (texture != NULL)
    g_object_set_data_full (G_OBJECT (texture), "qrs-summary",
                            qrs_preview_dup_summary (renderer), g_free);
  qrs_preview_set_design (renderer, NULL);
  qrs_preview_set_text (renderer, NULL);
  if (texture == NULL)
    return NULL;

  g_hash_table_insert (self->thumbnails, g_strdup (key), texture);
  g_queue_push_tail (&self->thumbnail_order, g_steal_pointer (&key));
  while (g_queue_get_length (&self->thumbnail_order) > THUMBNAIL_CACHE_SIZE)
    {
      g_autofree char *oldest = g_queue_pop_head (&self->thumbnail_order);

      g_hash_table_remove (self->thumbnails, oldest);
    }

  return g_object_ref (GDK_PAINTABLE (texture));
}

static void
library_row_bind_cb (GtkSignalListItemFactory *factory,
                     GtkListItem              *item,
                     QrsWindow                *self)
{
  QrsDocument *document = gtk_list_item_get_item (item);
  GPtrArray *bindings = g_ptr_array_new ();
  GObject *thumbnail = g_object_get_data (G_OBJECT (item), "thumbnail");
  GtkWidget *picture = g_object_get_data (G_OBJECT (item), "picture");
  GtkLabel *title = g_object_get_data (G_OBJECT (item), "title");
  GtkLabel *subtitle = g_object_get_data (G_OBJECT (item), "subtitle");
  GtkWidget *modified = g_object_get_data (G_OBJECT (item), "modified");
  g_autoptr(GdkPaintable) cached = NULL;

  g_hash_table_add (self->bound_rows, item);
  update_row_scans (self, item);

  if (_qrs_window_document_is_placeholder (document))
    {
      gtk_widget_set_visible (modified, FALSE);
      gtk_label_set_label (title, _("Loading…"));
      gtk_label_set_label (subtitle, NULL);
      gtk_widget_set_visible (GTK_WIDGET (thumbnail), FALSE);
      gtk_widget_set_visible (picture, TRUE);
      gtk_picture_set_paintable (GTK_PICTURE (picture), NULL);
      g_object_set_data_full (G_OBJECT (item), "bindings", bindings,
                              (GDestroyNotify)g_ptr_array_unref);
      return;
    }

  /* A saved code that is not being edited draws from the cache; the
   * drafts and the code in the editor draw live, as they change. */
  if (document != self->document && qrs_document_get_stored (document) != NULL
      && g_strcmp0 (qrs_document_get_text (document),
                    qrs_code_get_encoded (qrs_document_get_stored (document))) == 0)
    cached = lookup_thumbnail (self, document, gtk_widget_get_scale_factor (GTK_WIDGET (self)));
  gtk_widget_set_visible (GTK_WIDGET (thumbnail), cached == NULL);
  gtk_widget_set_visible (picture, cached != NULL);
  gtk_picture_set_paintable (GTK_PICTURE (picture), cached);
  if (cached != NULL)
    {
      const char *name = qrs_design_get_title (qrs_document_get_design (document));

      /* Named as the live thumbnail (QrsPreview) names itself. */
      gtk_accessible_update_property (GTK_ACCESSIBLE (picture),
                                      GTK_ACCESSIBLE_PROPERTY_LABEL,
                                      name && *name ? name : _("QR code preview"),
                                      GTK_ACCESSIBLE_PROPERTY_DESCRIPTION,
                                      g_object_get_data (G_OBJECT (cached), "qrs-summary"),
                                      -1);
    }
  if (cached == NULL)
    {
      qrs_preview_set_design (QRS_PREVIEW (thumbnail), qrs_document_get_design (document));
      g_ptr_array_add (bindings,
                       g_object_bind_property (document, "text", thumbnail, "text",
                                               G_BINDING_SYNC_CREATE));
    }
  g_ptr_array_add (bindings,
                   g_object_bind_property (document, "title", title, "label",
                                           G_BINDING_SYNC_CREATE));
  g_ptr_array_add (bindings,
                   g_object_bind_property (document, "modified", modified, "visible",
                                           G_BINDING_SYNC_CREATE));
  g_ptr_array_add (bindings,
                   g_object_bind_property_full (document, "text", subtitle, "label",
                                                G_BINDING_SYNC_CREATE,
                                                transform_text_to_subtitle, NULL, NULL, NULL));
  g_object_set_data_full (G_OBJECT (item), "bindings", bindings,
                          (GDestroyNotify)g_ptr_array_unref);
}

static void
library_row_unbind_cb (GtkSignalListItemFactory *factory,
                       GtkListItem              *item,
                       QrsWindow                *self)
{
  GPtrArray *bindings = g_object_get_data (G_OBJECT (item), "bindings");
  GObject *thumbnail = g_object_get_data (G_OBJECT (item), "thumbnail");

  g_hash_table_remove (self->bound_rows, item);
  for (guint i = 0; bindings != NULL && i < bindings->len; i++)
    g_binding_unbind (g_ptr_array_index (bindings, i));
  g_object_set_data (G_OBJECT (item), "bindings", NULL);
  qrs_preview_set_design (QRS_PREVIEW (thumbnail), NULL);
  qrs_preview_set_text (QRS_PREVIEW (thumbnail), NULL);
  gtk_picture_set_paintable (GTK_PICTURE (g_object_get_data (G_OBJECT (item), "picture")), NULL);
}

/* The drafts match the search here; the database's codes match it in
 * SQL (the filter never sees them). */
static gboolean
library_filter_func (gpointer item,
                     gpointer user_data)
{
  QrsWindow *self = user_data;
  QrsDocument *document = item;
  const char *search = gtk_editable_get_text (GTK_EDITABLE (self->search_entry));
  g_autofree char *needle = NULL;
  g_autofree char *title = NULL;
  g_autofree char *haystack = NULL;
  g_autofree char *tags = NULL;
  g_autofree char *folded = NULL;

  if (search[0] == '\0')
    return TRUE;

  needle = g_utf8_casefold (search, -1);
  title = qrs_document_dup_display_title (document);
  tags = g_strjoinv (" ", (char **)qrs_document_get_tags (document));
  haystack = g_strjoin ("\n", title,
                        qrs_design_get_description (qrs_document_get_design (document)) ?: "",
                        qrs_document_get_text (document) ?: "",
                        tags, NULL);
  folded = g_utf8_casefold (haystack, -1);

  return strstr (folded, needle) != NULL;
}

static void
search_changed_cb (QrsWindow *self)
{
  const char *query = gtk_editable_get_text (GTK_EDITABLE (self->search_entry));
  g_autoptr(GPtrArray) kept = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GtkBitset) reselect = gtk_bitset_new_empty ();
  guint n_drafts = g_list_model_get_n_items (G_LIST_MODEL (self->filtered));

  /* The filter tells of all the drafts between the first and the last
   * whose match changed as made anew, and the selection (positions
   * only) forgets them: the selected drafts still matching are selected
   * again, as they were with GtkMultiSelection.  Drafts are few. */
  if (self->selection != NULL)
    {
      g_autoptr(GtkBitset) selected =
        gtk_selection_model_get_selection_in_range (GTK_SELECTION_MODEL (self->selection), 0, n_drafts);
      GtkBitsetIter iter;
      guint position;

      for (gboolean ok = gtk_bitset_iter_init_first (&iter, selected, &position);
           ok && position < n_drafts;
           ok = gtk_bitset_iter_next (&iter, &position))
        g_ptr_array_add (kept, g_list_model_get_item (G_LIST_MODEL (self->filtered), position));
    }

  gtk_filter_changed (GTK_FILTER (self->filter), GTK_FILTER_CHANGE_DIFFERENT);

  n_drafts = g_list_model_get_n_items (G_LIST_MODEL (self->filtered));
  for (guint i = 0; i < n_drafts && kept->len > 0; i++)
    {
      g_autoptr(QrsDocument) draft = g_list_model_get_item (G_LIST_MODEL (self->filtered), i);

      if (g_ptr_array_find (kept, draft, NULL))
        gtk_bitset_add (reselect, i);
    }
  if (self->selection != NULL && !gtk_bitset_is_empty (reselect))
    gtk_selection_model_set_selection (GTK_SELECTION_MODEL (self->selection), reselect, reselect);

  _qrs_window_search_database (self, query);
}

/* Best Match first: a search lists what it matches best first, and
 * without one the best match is the newest. */
static const QrsCodeSort sorts[] = {
  QRS_CODE_SORT_RELEVANCE, QRS_CODE_SORT_UPDATED, QRS_CODE_SORT_TITLE, QRS_CODE_SORT_CREATED,
  QRS_CODE_SORT_SCANS,
};

/* The popover's choices into the library's query. */
static void
filters_changed_cb (QrsWindow *self)
{
  guint kind = gtk_drop_down_get_selected (self->kind_dropdown);
  guint state = gtk_drop_down_get_selected (self->state_dropdown);
  guint tag = gtk_drop_down_get_selected (self->tag_dropdown);
  guint sort = gtk_drop_down_get_selected (self->sort_dropdown);
  GListModel *tags = gtk_drop_down_get_model (self->tag_dropdown);

  self->query->kind = kind == 1 ? QRS_CODE_KIND_STATIC : kind == 2 ? QRS_CODE_KIND_DYNAMIC : -1;
  self->query->enabled = state == 1 ? 1 : state == 2 ? 0 : -1;
  g_clear_pointer (&self->query->tag, g_free);
  if (tags != NULL && tag != GTK_INVALID_LIST_POSITION && tag > 0)
    self->query->tag = g_strdup (gtk_string_list_get_string (GTK_STRING_LIST (tags), tag));
  self->query->sort = sorts[MIN (sort, G_N_ELEMENTS (sorts) - 1)];
  self->query->descending = self->query->sort != QRS_CODE_SORT_TITLE;

  /* The button says when the list is filtered. */
  if (self->query->kind >= 0 || self->query->enabled >= 0 || self->query->tag != NULL)
    gtk_widget_add_css_class (GTK_WIDGET (self->filter_button), "accent");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (self->filter_button), "accent");

  _qrs_window_apply_query (self);
}

static void
filter_popover_shown_cb (QrsWindow *self)
{
  _qrs_window_update_tags (self);
}
/* A database row on screen was made before its code went into the
 * editor, as a document of its own: it takes the editor's, so that it
 * shows the edits as they are typed and marks them unsaved. */
static void
row_follow_editor (QrsWindow *self,
                   guint      position)
{
  guint n_drafts = g_list_model_get_n_items (G_LIST_MODEL (self->filtered));
  GHashTableIter iter;
  gpointer item;

  if (self->code_documents == NULL || position < n_drafts || self->following)
    return;

  g_hash_table_iter_init (&iter, self->bound_rows);
  while (g_hash_table_iter_next (&iter, &item, NULL))
    if (gtk_list_item_get_position (item) == position)
      {
        if (gtk_list_item_get_item (item) != self->document)
          {
            /* The row is made again (and so unselected): select it again. */
            self->following = TRUE;
            qrs_document_list_changed (self->code_documents, position - n_drafts);
            _qrs_window_select (self, position);
            self->following = FALSE;
          }
        return;
      }
}

/* One code selected: the editor shows it.  Several: it keeps showing
 * the last one, and the selection is for batch export and delete. */
static void
selection_changed_cb (QrsWindow *self)
{
  g_autoptr(GtkBitset) selected = gtk_selection_model_get_selection (GTK_SELECTION_MODEL (self->selection));
  guint64 n = gtk_bitset_get_size (selected);

  if (n == 1)
    {
      g_autoptr(QrsDocument) document =
        g_list_model_get_item (G_LIST_MODEL (self->selection), gtk_bitset_get_nth (selected, 0));

      /* A row still loading has no code to show yet. */
      if (!_qrs_window_document_is_placeholder (document))
        {
          qrs_window_set_document (self, document);
          row_follow_editor (self, gtk_bitset_get_nth (selected, 0));
        }
    }

  _qrs_window_actions_update (self);
}

static void
library_activate_cb (QrsWindow *self,
                     guint      position)
{
  _qrs_window_select (self, position);
  adw_leaflet_navigate (self->leaflet, ADW_NAVIGATION_DIRECTION_FORWARD);
}

void
_qrs_window_select (QrsWindow *self,
                    guint      position)
{
  gtk_selection_model_select_item (GTK_SELECTION_MODEL (self->selection), position, TRUE);
}

static gboolean find_shown (QrsWindow   *self,
                            QrsDocument *document,
                            guint       *position);

/* The editor shows @document, selected in the library if it is there. */
void
_qrs_window_show_document (QrsWindow   *self,
                           QrsDocument *document)
{
  guint position;

  qrs_window_set_document (self, document);
  if (find_shown (self, document, &position))
    _qrs_window_select (self, position);
}

/**
 * _qrs_window_dup_selected:
 *
 * Returns: (transfer full): the selected codes, in the list's order
 */
GListModel *
_qrs_window_dup_selected (QrsWindow *self)
{
  g_autoptr(GtkBitset) selected = gtk_selection_model_get_selection (GTK_SELECTION_MODEL (self->selection));
  GListStore *store = g_list_store_new (QRS_TYPE_DOCUMENT);
  GtkBitsetIter iter;
  guint position;

  for (gboolean ok = gtk_bitset_iter_init_first (&iter, selected, &position);
       ok;
       ok = gtk_bitset_iter_next (&iter, &position))
    {
      g_autoptr(QrsDocument) document = g_list_model_get_item (G_LIST_MODEL (self->selection), position);

      /* Rows whose page is not read yet (a selection of thousands) are
       * left out rather than exported or deleted as empty codes. */
      if (!_qrs_window_document_is_placeholder (document))
        g_list_store_append (store, document);
    }

  return G_LIST_MODEL (store);
}

/* Window -------------------------------------------------------------- */

/* The leaflet and the flap fold while they allocate; showing the back
 * button then would change their children's size mid-allocation (GTK
 * warns it snapshots header bars without an allocation), so the header
 * bars follow on the next turn of the main loop. */
static gboolean
update_folded_cb (gpointer data)
{
  QrsWindow *self = data;
  gboolean folded = adw_leaflet_get_folded (self->leaflet);

  self->folded_idle = 0;

  gtk_widget_set_visible (self->back_button, folded);
  adw_header_bar_set_show_start_title_buttons (self->content_header, folded);
  adw_header_bar_set_show_end_title_buttons (self->sidebar_header, folded);
  gtk_widget_set_visible (self->preview_toggle, adw_flap_get_folded (self->flap));

  return G_SOURCE_REMOVE;
}

static void
folded_changed_cb (QrsWindow *self)
{
  if (self->folded_idle == 0)
    self->folded_idle = g_idle_add (update_folded_cb, self);
}

static void
show_message_cb (QrsWindow  *self,
                 const char *message)
{
  qrs_window_show_toast (self, message);
}

static gboolean
close_later_cb (gpointer data)
{
  gtk_window_close (GTK_WINDOW (data));

  return G_SOURCE_REMOVE;
}

static void
close_response_cb (AdwMessageDialog *dialog,
                   const char       *response,
                   QrsWindow        *self)
{
  GPtrArray *unsaved = g_object_get_data (G_OBJECT (dialog), "qrs-unsaved");

  if (g_str_equal (response, "discard"))
    {
      /* After the dialog is gone, which goes with its window. */
      self->close_confirmed = TRUE;
      g_idle_add_full (G_PRIORITY_DEFAULT_IDLE, close_later_cb, g_object_ref (self), g_object_unref);
    }
  else if (g_str_equal (response, "save"))
    {
      _qrs_window_save_all_and_close (self, unsaved);
    }
}

/* “Save Changes?”, as GNOME's editors ask it, naming the codes. */
static void
confirm_close (QrsWindow *self,
               GPtrArray *unsaved)
{
  g_autoptr(GString) body = g_string_new (NULL);
  GtkWidget *dialog;

  g_string_append (body, g_dngettext (GETTEXT_PACKAGE,
                                      "This code has changes that are not saved:",
                                      "These codes have changes that are not saved:",
                                      unsaved->len));
  g_string_append_c (body, '\n');
  for (guint i = 0; i < unsaved->len; i++)
    {
      g_autofree char *title = qrs_document_dup_display_title (g_ptr_array_index (unsaved, i));

      /* Translators: one line of the list of unsaved codes */
      g_string_append_printf (body, _("\n• %s"), title);
    }
  g_string_append (body, _("\n\nDiscarded changes are lost for good."));

  dialog = adw_message_dialog_new (GTK_WINDOW (self), _("Save Changes?"), body->str);
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog),
                                    "cancel", _("_Cancel"),
                                    "discard", _("_Discard"),
                                    "save", _("_Save"),
                                    NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "discard",
                                              ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "save",
                                              ADW_RESPONSE_SUGGESTED);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "save");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  g_object_set_data_full (G_OBJECT (dialog), "qrs-unsaved", g_ptr_array_ref (unsaved),
                          (GDestroyNotify)g_ptr_array_unref);
  g_signal_connect_object (dialog, "response", G_CALLBACK (close_response_cb), self, 0);
  gtk_window_present (GTK_WINDOW (dialog));
}

static gboolean
qrs_window_close_request (GtkWindow *window)
{
  QrsWindow *self = QRS_WINDOW (window);

  /* Saving before closing: the last save closes the window. */
  if (self->close_queue != NULL)
    return TRUE;

  if (!self->close_confirmed)
    {
      g_autoptr(GPtrArray) unsaved = _qrs_window_dup_unsaved (self);

      if (unsaved->len > 0)
        {
          confirm_close (self, unsaved);
          return TRUE;
        }
    }

  g_settings_apply (self->state);

  return GTK_WINDOW_CLASS (qrs_window_parent_class)->close_request (window);
}

/* Where short links start changed (Preferences), or the window met its
 * application (which may carry an address for this run) after its first
 * document was made: every document the window holds says its short
 * link anew; rows made later take it from _qrs_window_dup_redirect_base(). */
static void
redirect_base_changed_cb (QrsWindow *self)
{
  g_autofree char *base = _qrs_window_dup_redirect_base (self);
  guint n = self->drafts != NULL ? g_list_model_get_n_items (G_LIST_MODEL (self->drafts)) : 0;
  GHashTableIter iter;
  gpointer item;

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(QrsDocument) document = g_list_model_get_item (G_LIST_MODEL (self->drafts), i);

      qrs_document_set_redirect_base (document, base);
    }

  g_hash_table_iter_init (&iter, self->kept);
  while (g_hash_table_iter_next (&iter, NULL, &item))
    qrs_document_set_redirect_base (item, base);

  g_hash_table_iter_init (&iter, self->bound_rows);
  while (g_hash_table_iter_next (&iter, &item, NULL))
    {
      QrsDocument *document = gtk_list_item_get_item (item);

      if (document != NULL && !_qrs_window_document_is_placeholder (document))
        qrs_document_set_redirect_base (document, base);
    }

  if (self->document != NULL)
    qrs_document_set_redirect_base (self->document, base);
}

static void
qrs_window_constructed (GObject *object)
{
  QrsWindow *self = (QrsWindow *)object;
  g_autoptr(GListStore) drafts = g_list_store_new (QRS_TYPE_DOCUMENT);
  g_autoptr(QrsDocument) document = NULL;

  G_OBJECT_CLASS (qrs_window_parent_class)->constructed (object);

  g_settings_bind (self->state, "window-width", self, "default-width", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (self->state, "window-height", self, "default-height", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (self->state, "window-maximized", self, "maximized", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (self->settings, "scanning-distance", self->preview, "scanning-distance",
                   G_SETTINGS_BIND_GET);

  document = create_document (self);
  g_list_store_append (drafts, document);
  qrs_window_set_library (self, G_LIST_MODEL (drafts));
  g_signal_connect (self, "notify::application", G_CALLBACK (redirect_base_changed_cb), NULL);
  g_signal_connect_object (self->settings, "changed::redirect-base-url",
                           G_CALLBACK (redirect_base_changed_cb), self, G_CONNECT_SWAPPED);

  _qrs_window_connection_init (self);
}

static void
qrs_window_dispose (GObject *object)
{
  QrsWindow *self = (QrsWindow *)object;

  /* First, while the window still knows its codes (a window never
   * realized has not been through qrs_window_unrealize()). */
  _qrs_window_delete_pending (self);
  g_clear_handle_id (&self->folded_idle, g_source_remove);
  g_clear_handle_id (&self->modified_idle, g_source_remove);
  if (self->document != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->document, self);
      g_signal_handlers_disconnect_by_data (qrs_document_get_design (self->document), self);
    }
  g_clear_object (&self->document);
  if (self->kept != NULL)
    g_hash_table_remove_all (self->kept);
  g_clear_pointer (&self->close_queue, g_ptr_array_unref);
  g_cancellable_cancel (self->batch_cancellable);
  g_clear_object (&self->batch_cancellable);
  g_cancellable_cancel (self->store_cancellable);
  g_clear_object (&self->store_cancellable);
  g_clear_weak_pointer (&self->delete_toast);
  g_clear_weak_pointer (&self->last_toast);
  g_clear_weak_pointer (&self->shown_toast);
  g_clear_weak_pointer (&self->queued_toast);
  if (self->toast_tick_id != 0)
    gtk_widget_remove_tick_callback (GTK_WIDGET (self->toast_overlay), self->toast_tick_id);
  self->toast_tick_id = 0;
  g_cancellable_cancel (self->search_cancellable);
  g_clear_object (&self->search_cancellable);
  g_cancellable_cancel (self->tags_cancellable);
  g_clear_object (&self->tags_cancellable);
  g_clear_pointer (&self->deleted, g_ptr_array_unref);
  g_clear_pointer (&self->deleted_ids, g_array_unref);
  g_clear_pointer (&self->deleted_versions, g_array_unref);
  g_clear_object (&self->selection);
  g_clear_pointer (&self->filled_selected, gtk_bitset_unref);
  g_clear_object (&self->filtered);
  g_clear_object (&self->filter);
  g_clear_object (&self->library);
  g_clear_object (&self->sections);
  g_clear_object (&self->shown_sections);
  _qrs_window_close_library (self);
  g_clear_object (&self->drafts);
  g_clear_object (&self->print_settings);

  gtk_widget_dispose_template (GTK_WIDGET (self), QRS_TYPE_WINDOW);

  G_OBJECT_CLASS (qrs_window_parent_class)->dispose (object);
}

/* gtk_window_destroy() unrealizes the window but leaves it to its last
 * reference, and a batch's job or a save may hold one long after: its
 * dispose comes too late to stop the batch, or to delete what the Undo
 * toast still holds before the toast is lost, so closing does it here. */
static void
qrs_window_unrealize (GtkWidget *widget)
{
  QrsWindow *self = QRS_WINDOW (widget);

  g_cancellable_cancel (self->batch_cancellable);
  _qrs_window_delete_pending (self);

  GTK_WIDGET_CLASS (qrs_window_parent_class)->unrealize (widget);
}

static void
qrs_window_finalize (GObject *object)
{
  QrsWindow *self = (QrsWindow *)object;

  g_clear_object (&self->settings);
  g_clear_object (&self->state);
  g_clear_pointer (&self->query, qrs_code_query_free);
  g_clear_pointer (&self->bound_rows, g_hash_table_unref);
  g_clear_pointer (&self->thumbnails, g_hash_table_unref);
  g_clear_pointer (&self->kept, g_hash_table_unref);
  g_queue_clear_full (&self->thumbnail_order, g_free);

  G_OBJECT_CLASS (qrs_window_parent_class)->finalize (object);
}

static void
qrs_window_class_init (QrsWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  GtkWindowClass *window_class = GTK_WINDOW_CLASS (klass);

  object_class->constructed = qrs_window_constructed;
  object_class->dispose = qrs_window_dispose;
  object_class->finalize = qrs_window_finalize;

  widget_class->unrealize = qrs_window_unrealize;
  window_class->close_request = qrs_window_close_request;

  g_type_ensure (QRS_TYPE_EDITOR);
  g_type_ensure (QRS_TYPE_PREVIEW);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/qrstudio/QrStudio/ui/qrs-window.ui");
  gtk_widget_class_bind_template_child (widget_class, QrsWindow, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, QrsWindow, leaflet);
  gtk_widget_class_bind_template_child (widget_class, QrsWindow, sidebar);
  gtk_widget_class_bind_template_child (widget_class, QrsWindow, content);
  gtk_widget_class_bind_template_child (widget_class, QrsWindow, sidebar_header);
  gtk_widget_class_bind_template_child (widget_class, QrsWindow, content_header);
  gtk_widget_class_bind_template_child (widget_class, QrsWindow, back_button);
  gtk_widget_class_bind_template_child (widget_class, QrsWindow, preview_toggle);
  gtk_widget_class_bind_template_child (widget_class, QrsWindow, search_entry);
  gtk_widget_class_bind_template_child (widget_class, QrsWindow, library_view);
  gtk_widget_class_bind_template_child (widget_class, QrsWindow, filter_button);
  gtk_widget_class_bind_template_child (widget_class, QrsWindow, kind_dropdown);
  gtk_widget_class_bind_template_child (widget_class, QrsWindow, state_dropdown);
  gtk_widget_class_bind_template_child (widget_class, QrsWindow, tag_dropdown);
  gtk_widget_class_bind_template_child (widget_class, QrsWindow, sort_dropdown);
  gtk_widget_class_bind_template_child (widget_class, QrsWindow, window_title);
  gtk_widget_class_bind_template_child (widget_class, QrsWindow, flap);
  gtk_widget_class_bind_template_child (widget_class, QrsWindow, editor);
  gtk_widget_class_bind_template_child (widget_class, QrsWindow, preview);
  gtk_widget_class_bind_template_child (widget_class, QrsWindow, preview_scroller);
  gtk_widget_class_bind_template_child (widget_class, QrsWindow, preview_info);
  gtk_widget_class_bind_template_child (widget_class, QrsWindow, preview_error);
  gtk_widget_class_bind_template_child (widget_class, QrsWindow, lint_list);
  gtk_widget_class_bind_template_child (widget_class, QrsWindow, library_stack);
  gtk_widget_class_bind_template_child (widget_class, QrsWindow, status_page);
  gtk_widget_class_bind_template_child (widget_class, QrsWindow, library_title);
  gtk_widget_class_bind_template_child (widget_class, QrsWindow, batch_revealer);
  gtk_widget_class_bind_template_child (widget_class, QrsWindow, batch_progress);
  gtk_widget_class_bind_template_child (widget_class, QrsWindow, batch_label);
  gtk_widget_class_bind_template_child (widget_class, QrsWindow, batch_stop_button);

  _qrs_window_class_actions_init (widget_class);
  _qrs_window_class_store_init (widget_class);
}

static void
qrs_window_init (QrsWindow *self)
{
  g_autoptr(GtkListItemFactory) factory = gtk_signal_list_item_factory_new ();

  gtk_widget_init_template (GTK_WIDGET (self));

  self->deleted = g_ptr_array_new_with_free_func (g_object_unref);
  self->deleted_ids = g_array_new (FALSE, FALSE, sizeof (gint64));
  self->deleted_versions = g_array_new (FALSE, FALSE, sizeof (int));
  self->query = qrs_code_query_new ();
  self->query->sort = sorts[0];
  self->bound_rows = g_hash_table_new (NULL, NULL);
  self->kept = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, g_object_unref);
  self->thumbnails = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_object_unref);
  g_queue_init (&self->thumbnail_order);
  self->settings = g_settings_new (APP_ID);
  self->state = g_settings_new (APP_ID);
  g_settings_delay (self->state);

  g_signal_connect (factory, "setup", G_CALLBACK (library_row_setup_cb), self);
  g_signal_connect (factory, "bind", G_CALLBACK (library_row_bind_cb), self);
  g_signal_connect (factory, "unbind", G_CALLBACK (library_row_unbind_cb), self);
  gtk_list_view_set_factory (self->library_view, factory);

  self->filter = gtk_custom_filter_new (library_filter_func, self, NULL);
  g_signal_connect_swapped (self->search_entry, "search-changed", G_CALLBACK (search_changed_cb), self);
  {
    g_autoptr(GtkStringList) tags = gtk_string_list_new ((const char *[]) { _("All Tags"), NULL });
    g_autoptr(GtkExpression) tag_name = gtk_property_expression_new (GTK_TYPE_STRING_OBJECT, NULL, "string");

    gtk_drop_down_set_model (self->tag_dropdown, G_LIST_MODEL (tags));
    gtk_drop_down_set_expression (self->tag_dropdown, tag_name);
  }
  g_signal_connect_swapped (self->kind_dropdown, "notify::selected", G_CALLBACK (filters_changed_cb), self);
  g_signal_connect_swapped (self->state_dropdown, "notify::selected", G_CALLBACK (filters_changed_cb), self);
  g_signal_connect_swapped (self->tag_dropdown, "notify::selected", G_CALLBACK (filters_changed_cb), self);
  g_signal_connect_swapped (self->sort_dropdown, "notify::selected", G_CALLBACK (filters_changed_cb), self);
  g_signal_connect_swapped (gtk_menu_button_get_popover (self->filter_button), "show",
                            G_CALLBACK (filter_popover_shown_cb), self);
  g_signal_connect_swapped (self->library_view, "activate", G_CALLBACK (library_activate_cb), self);
  g_signal_connect_swapped (self->editor, "show-message", G_CALLBACK (show_message_cb), self);
  g_signal_connect_swapped (self->preview, "notify::findings", G_CALLBACK (update_findings), self);
  g_signal_connect_swapped (self->preview, "notify::symbol", G_CALLBACK (update_preview_info), self);
  g_signal_connect_swapped (self->preview, "notify::error", G_CALLBACK (update_preview_info), self);
  g_signal_connect_swapped (self->preview, "notify::symbol", G_CALLBACK (_qrs_window_actions_update), self);

  {
    GtkEventController *shortcuts = gtk_shortcut_controller_new ();

    gtk_shortcut_controller_add_shortcut (GTK_SHORTCUT_CONTROLLER (shortcuts),
                                          gtk_shortcut_new (gtk_keyval_trigger_new (GDK_KEY_Delete, 0),
                                                            gtk_named_action_new ("win.delete-selected")));
    gtk_widget_add_controller (GTK_WIDGET (self->library_view), shortcuts);
  }

  g_signal_connect_swapped (self->leaflet, "notify::folded", G_CALLBACK (folded_changed_cb), self);
  g_signal_connect_swapped (self->flap, "notify::folded", G_CALLBACK (folded_changed_cb), self);

  _qrs_window_dnd_init (self);
}

QrsWindow *
qrs_window_new (AdwApplication *application)
{
  return g_object_new (QRS_TYPE_WINDOW, "application", application, NULL);
}

/**
 * qrs_window_get_document:
 *
 * Returns: (transfer none): the code shown in the editor
 */
QrsDocument *
qrs_window_get_document (QrsWindow *self)
{
  g_return_val_if_fail (QRS_IS_WINDOW (self), NULL);

  return self->document;
}

void
qrs_window_set_document (QrsWindow   *self,
                         QrsDocument *document)
{
  g_return_if_fail (QRS_IS_WINDOW (self));
  g_return_if_fail (QRS_IS_DOCUMENT (document));

  if (self->document == document)
    return;

  /* The one left keeps its edits (see code_to_document_cb()). */
  g_clear_handle_id (&self->modified_idle, g_source_remove);
  if (self->document != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->document, self);
      g_signal_handlers_disconnect_by_data (qrs_document_get_design (self->document), self);
      _qrs_window_update_modified (self, self->document);
    }

  g_set_object (&self->document, document);

  g_signal_connect_object (document, "notify::text", G_CALLBACK (document_text_changed_cb), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (document, "notify::error", G_CALLBACK (update_preview_info), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (document, "notify::title", G_CALLBACK (document_title_changed_cb), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (document, "notify::payload", G_CALLBACK (document_title_changed_cb), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (document, "notify::kind", G_CALLBACK (document_title_changed_cb), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (document, "notify::id", G_CALLBACK (_qrs_window_actions_update), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (document, "notify", G_CALLBACK (document_changed_cb), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (qrs_document_get_design (document), "notify",
                           G_CALLBACK (document_changed_cb), self, G_CONNECT_SWAPPED);

  qrs_editor_set_document (self->editor, document);
  qrs_preview_set_design (self->preview, qrs_document_get_design (document));
  document_text_changed_cb (self);
  document_title_changed_cb (self);
  update_findings (self);
  _qrs_window_actions_update (self);
}

/**
 * qrs_window_get_library:
 *
 * Returns: (transfer none): the codes in the sidebar, QrsDocument items
 */
GListModel *
qrs_window_get_library (QrsWindow *self)
{
  g_return_val_if_fail (QRS_IS_WINDOW (self), NULL);

  return self->library;
}

/* The position of @document among the rows shown, if it is there. */
static gboolean
find_shown (QrsWindow   *self,
            QrsDocument *document,
            guint       *position)
{
  guint n_drafts = g_list_model_get_n_items (G_LIST_MODEL (self->filtered));
  guint at;

  for (guint i = 0; i < n_drafts; i++)
    {
      g_autoptr(QrsDocument) item = g_list_model_get_item (G_LIST_MODEL (self->filtered), i);

      if (item == document)
        {
          *position = i;
          return TRUE;
        }
    }

  if (self->codes != NULL && qrs_document_get_id (document) > 0
      && qrs_code_list_find (self->codes, qrs_document_get_id (document), &at))
    {
      *position = n_drafts + at;
      return TRUE;
    }

  return FALSE;
}

/**
 * _qrs_window_rebuild_library:
 *
 * The sidebar shows the drafts that match the search, then the
 * database's codes (searched, filtered and sorted in SQL, paged).
 */
void
_qrs_window_rebuild_library (QrsWindow *self)
{
  g_autoptr(GListStore) sections = g_list_store_new (G_TYPE_LIST_MODEL);
  g_autoptr(GListStore) shown = g_list_store_new (G_TYPE_LIST_MODEL);
  GtkFlattenListModel *shown_model;
  guint position;

  if (self->selection != NULL)
    g_signal_handlers_disconnect_by_data (self->selection, self);
  g_clear_object (&self->selection);
  g_clear_object (&self->filtered);

  self->filtered = gtk_filter_list_model_new (g_object_ref (G_LIST_MODEL (self->drafts)),
                                              GTK_FILTER (g_object_ref (self->filter)));
  g_list_store_append (sections, self->drafts);
  g_list_store_append (shown, self->filtered);
  if (self->code_documents != NULL)
    {
      g_list_store_append (sections, self->code_documents);
      g_list_store_append (shown, self->code_documents);
    }

  g_clear_object (&self->library);
  self->library = G_LIST_MODEL (gtk_flatten_list_model_new (G_LIST_MODEL (g_object_ref (sections))));
  g_set_object (&self->sections, sections);
  g_set_object (&self->shown_sections, shown);

  shown_model = gtk_flatten_list_model_new (G_LIST_MODEL (g_object_ref (shown)));
  self->selection = qrs_row_selection_new (G_LIST_MODEL (shown_model));
  g_signal_connect_swapped (self->selection, "selection-changed",
                            G_CALLBACK (selection_changed_cb), self);
  gtk_list_view_set_model (self->library_view, GTK_SELECTION_MODEL (self->selection));

  if (self->document != NULL && find_shown (self, self->document, &position))
    _qrs_window_select (self, position);
  else if (self->document == NULL && g_list_model_get_n_items (G_LIST_MODEL (self->selection)) > 0)
    _qrs_window_select (self, 0);
}

/**
 * qrs_window_set_library:
 * @library: a #GListStore of QrsDocument
 *
 * The codes not in the database (all of them, offline); once the
 * database opens, its codes follow them, read a page at a time.
 */
void
qrs_window_set_library (QrsWindow  *self,
                        GListModel *library)
{
  g_return_if_fail (QRS_IS_WINDOW (self));
  g_return_if_fail (G_IS_LIST_STORE (library));
  g_return_if_fail (g_list_model_get_item_type (library) == QRS_TYPE_DOCUMENT);

  g_set_object (&self->drafts, G_LIST_STORE (library));
  _qrs_window_rebuild_library (self);
}

/* Toasts ------------------------------------------------------------- */

/* libadwaita 1.2's AdwToastOverlay frees a toast's record (its ToastInfo)
 * when the toast's hide animation ends, in hide_done_cb(), even if the
 * toast's show animation is still playing: that animation's "done"
 * handler, show_done_cb(), then unrefs through the freed record, and the
 * app crashes when the show animation ends, or is skipped as the window
 * closes.  The show animation lasts 300 ms, 500 ms when the toast
 * replaced one still hiding; the hide, 300 ms.  So a toast dismissed in
 * its first 200 ms after replacing another is enough, and one dismissed
 * in the frame it appeared in can be: both animations end in one frame
 * (libadwaita 1.2.2, src/adw-toast-overlay.c).  Two saves in a row do
 * it.  The window therefore lets the toast on screen go only once a
 * frame has shown that its show animation is over; a toast still queued
 * has no animation and goes at once. */
#define TOAST_SHOW_USEC (500 * G_TIME_SPAN_MILLISECOND) /* REPLACE_DURATION */

static gint64
toast_frame_time (QrsWindow *self)
{
  GdkFrameClock *clock = gtk_widget_get_frame_clock (GTK_WIDGET (self->toast_overlay));

  return clock != NULL ? gdk_frame_clock_get_frame_time (clock) : g_get_monotonic_time ();
}

static gboolean
toast_tick_cb (GtkWidget     *overlay,
               GdkFrameClock *clock,
               gpointer       data)
{
  QrsWindow *self = data;

  if (self->shown_toast != NULL
      && gdk_frame_clock_get_frame_time (clock) < self->shown_at + TOAST_SHOW_USEC)
    return G_SOURCE_CONTINUE;

  /* The show animation ended in this frame at the latest, before or
   * after this callback: a hide started now ends frames later. */
  self->toast_tick_id = 0;
  self->shown_settled = TRUE;
  if (self->shown_toast != NULL && self->dismiss_shown)
    adw_toast_dismiss (self->shown_toast);

  return G_SOURCE_REMOVE;
}

/* @toast is the one the overlay shows from now on. */
static void
set_shown_toast (QrsWindow *self,
                 AdwToast  *toast)
{
  g_set_weak_pointer (&self->shown_toast, toast);
  self->dismiss_shown = FALSE;
  self->shown_settled = FALSE;
  if (toast == NULL)
    return;

  /* Read after libadwaita read it for the show animation: never earlier. */
  self->shown_at = toast_frame_time (self);
  if (self->toast_tick_id == 0)
    self->toast_tick_id = gtk_widget_add_tick_callback (GTK_WIDGET (self->toast_overlay),
                                                        toast_tick_cb, self, NULL);
}

/* Connected after the overlay's own handler, which has by now shown the
 * toast queued, if any. */
static void
toast_dismissed_cb (AdwToast  *toast,
                    QrsWindow *self)
{
  if (toast == self->queued_toast)
    g_clear_weak_pointer (&self->queued_toast);
  else if (toast == self->shown_toast)
    {
      AdwToast *next = self->queued_toast;

      g_clear_weak_pointer (&self->queued_toast);
      set_shown_toast (self, next);
    }
}

/**
 * _qrs_window_dismiss_toast:
 *
 * adw_toast_dismiss(), or, for the toast on screen while its show
 * animation may still be playing, as soon as it is over (see above).
 */
void
_qrs_window_dismiss_toast (QrsWindow *self,
                           AdwToast  *toast)
{
  g_return_if_fail (QRS_IS_WINDOW (self));
  g_return_if_fail (ADW_IS_TOAST (toast));

  /* An overlay that is not mapped has skipped its animations, and skips
   * any it starts. */
  if (toast == self->shown_toast
      && !self->shown_settled
      && self->toast_overlay != NULL
      && gtk_widget_get_mapped (GTK_WIDGET (self->toast_overlay)))
    {
      self->dismiss_shown = TRUE;
      return;
    }

  adw_toast_dismiss (toast);
}

/* The newest news replaces what is on screen rather than queueing behind
 * it.  (Toast priorities would do it, but libadwaita 1.2 trips over a
 * displaced toast that comes back.)  Until the toast on screen may go,
 * the new one waits next in the overlay's queue, alone. */
void
_qrs_window_add_toast (QrsWindow *self,
                       AdwToast  *toast)
{
  g_set_weak_pointer (&self->last_toast, toast);
  adw_toast_overlay_add_toast (self->toast_overlay, toast);
  g_signal_connect_object (toast, "dismissed", G_CALLBACK (toast_dismissed_cb), self, 0);

  if (self->shown_toast == NULL)
    {
      set_shown_toast (self, toast);
      return;
    }

  if (self->queued_toast != NULL)
    adw_toast_dismiss (self->queued_toast);
  g_set_weak_pointer (&self->queued_toast, toast);
  _qrs_window_dismiss_toast (self, self->shown_toast);
}

void
qrs_window_show_toast (QrsWindow  *self,
                       const char *message)
{
  AdwToast *toast;

  g_return_if_fail (QRS_IS_WINDOW (self));
  g_return_if_fail (message != NULL);

  g_debug ("Toast: %s", message);
  toast = adw_toast_new (message);
  adw_toast_set_timeout (toast, 4);
  _qrs_window_add_toast (self, toast);
}

/* A new code goes among the drafts, at the top, until it is saved. */
void
_qrs_window_add_document (QrsWindow   *self,
                          QrsDocument *document)
{
  guint position;

  if (qrs_document_get_id (document) <= 0 || self->codes == NULL)
    g_list_store_append (self->drafts, document);

  /* Clear the search, or the new code might be filtered out of sight. */
  gtk_editable_set_text (GTK_EDITABLE (self->search_entry), "");
  if (find_shown (self, document, &position))
    _qrs_window_select (self, position);
}

/* A draft just saved stays among the drafts until the database's list
 * holds it (at the top, newest first), then leaves them: the list's row
 * is the same object (see code_to_document_cb()). */
void
_qrs_window_draft_saved (QrsWindow   *self,
                         QrsDocument *document)
{
  if (self->codes != NULL && g_list_store_find (self->drafts, document, NULL))
    qrs_code_list_reload (self->codes);
}

QrsDocument *
_qrs_window_create_document (QrsWindow *self)
{
  return create_document (self);
}
