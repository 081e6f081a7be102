/* qrs-editor.c — the form that edits one code: content, details, design
 *
 * The payload's fields come from the core's description of each payload
 * type, so a new type or field shows up here without touching the form.
 * Every widget writes straight into the document and its design; the
 * preview listens to those, not to the form.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>
#include <stdio.h>

#include <glib/gi18n-lib.h>

#include "qrs-application.h"
#include "qrs-editor-private.h"
#include "qrs-scan-chart.h"
#include "qrs-window-private.h"

#define CONTRAST_ERROR   2.0
#define CONTRAST_WARNING 4.0

typedef struct
{
  QrsEditor             *editor;
  const QrsPayloadField *field;
  GtkWidget             *row;         /* AdwEntryRow, or AdwActionRow for a switch */
  GtkWidget             *toggle;      /* the GtkSwitch of a yes/no field */
  GtkWidget             *error_row;   /* a row below it with the reason */
  GtkWidget             *error_label;
  GtkWidget             *error_icon;
  GtkCalendar           *calendar;    /* a date field's picker, or NULL */
  GtkWidget             *calendar_apply;
  char                  *error;
  gboolean               touched;
} FieldEntry;

struct _QrsEditor
{
  AdwBin                parent_instance;

  QrsDocument          *document;
  QrsDesign            *design;
  GPtrArray            *entries;       /* FieldEntry */
  GHashTable           *add_buttons;   /* field name → GtkButton */
  GtkFileChooserNative *logo_chooser;
  GCancellable         *logo_cancellable;
  guint                 updating;

  /* template */
  AdwComboRow          *type_row;
  GtkSwitch            *dynamic_switch;
  AdwActionRow         *dynamic_row;
  AdwActionRow         *short_url_row;
  GtkButton            *copy_short_url_button;
  GtkButton            *open_short_url_button;
  AdwActionRow         *enabled_row;
  GtkSwitch            *enabled_switch;
  AdwActionRow         *expiry_row;
  GtkMenuButton        *expiry_button;
  GtkCalendar          *expiry_calendar;
  GtkButton            *expiry_set_button;
  GtkButton            *expiry_clear_button;
  AdwActionRow         *inverted_row;
  GtkSwitch            *inverted_switch;
  AdwPreferencesGroup  *fields_group;
  GtkListBox           *fields_list;
  AdwEntryRow          *title_row;
  AdwEntryRow          *description_row;
  AdwEntryRow          *tags_row;
  GtkColorButton       *foreground_button;
  GtkColorButton       *background_button;
  AdwActionRow         *contrast_row;
  GtkLabel             *contrast_label;
  GtkSwitch            *finder_switch;
  GtkColorButton       *finder_button;
  GtkSwitch            *alignment_switch;
  GtkColorButton       *alignment_button;
  AdwComboRow          *shape_row;
  AdwComboRow          *ec_row;
  GtkSpinButton        *quiet_zone_spin;
  AdwActionRow         *micro_row;
  GtkSwitch            *micro_switch;
  AdwActionRow         *logo_row;
  GtkButton            *logo_choose_button;
  GtkButton            *logo_remove_button;
  GtkSpinButton        *logo_ratio_spin;
  AdwEntryRow          *caption_row;
  GtkFontButton        *caption_font_button;
  GtkColorButton       *caption_color_button;
  AdwComboRow          *caption_position_row;
  GtkSpinButton        *size_spin;
  GtkAdjustment        *size_adjustment;
  GtkDropDown          *unit_dropdown;
  GtkSpinButton        *dpi_spin;
  AdwPreferencesGroup  *scans_group;
  GtkDropDown          *scans_range_dropdown;
  QrsScanChart         *scan_chart;
  GtkLabel             *scans_status_label;
  GtkLabel             *scans_total_label;
  GtkLabel             *scans_visitors_label;
  GtkLabel             *scans_bots_label;
  AdwExpanderRow       *scans_device_row;
  AdwExpanderRow       *scans_os_row;
  AdwExpanderRow       *scans_browser_row;

  /* Scans: the store is given, or else the application's, followed. */
  QrsScanStore         *scan_store;
  gboolean              scan_store_given;
  QrsDatabase          *listened;      /* weak: the database heard on */
  GCancellable         *scans_cancellable;
  guint                 scans_pending;
  guint                 scans_loads;   /* loads finished, for tests */
  guint                 scans_throttle_id;
  gboolean              scans_heard;   /* news while throttled */
  GPtrArray            *breakdown_rows[3];

  /* What a code held before it was made dynamic, for Undo. */
  QrsPayload           *set_aside;
  AdwToast             *set_aside_toast; /* weak */

  /* Enabled and expiry go straight to the store. */
  GCancellable         *state_cancellable;
  guint                 state_pending;   /* for tests */
};

enum {
  PROP_0,
  PROP_DOCUMENT,
  N_PROPS
};

enum {
  SHOW_MESSAGE,
  N_SIGNALS
};

G_DEFINE_FINAL_TYPE (QrsEditor, qrs_editor, ADW_TYPE_BIN)

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

static const char * const payload_type_labels[] = {
  [QRS_PAYLOAD_TYPE_TEXT]   = N_("Text"),
  [QRS_PAYLOAD_TYPE_URL]    = N_("Web Address"),
  [QRS_PAYLOAD_TYPE_WIFI]   = N_("Wi-Fi Network"),
  [QRS_PAYLOAD_TYPE_VCARD]  = N_("Contact (vCard)"),
  [QRS_PAYLOAD_TYPE_MECARD] = N_("Contact (MeCard)"),
  [QRS_PAYLOAD_TYPE_EMAIL]  = N_("Email"),
  [QRS_PAYLOAD_TYPE_PHONE]  = N_("Phone Call"),
  [QRS_PAYLOAD_TYPE_SMS]    = N_("Text Message"),
  [QRS_PAYLOAD_TYPE_GEO]    = N_("Location"),
  [QRS_PAYLOAD_TYPE_EVENT]  = N_("Calendar Event"),
};

const char *
qrs_editor_get_payload_type_label (QrsPayloadType type)
{
  g_return_val_if_fail (type < G_N_ELEMENTS (payload_type_labels), NULL);

  return _(payload_type_labels[type]);
}

static void sync_from_design   (QrsEditor  *self,
                                const char *property);
static void sync_state         (QrsEditor  *self);
static QrsApplication *get_application (void);
static void rebuild_payload    (QrsEditor  *self);

/* Colours ------------------------------------------------------------- */

static void
rgba_from_color (GdkRGBA        *rgba,
                 const QrsColor *color)
{
  rgba->red = color->red / 255.0f;
  rgba->green = color->green / 255.0f;
  rgba->blue = color->blue / 255.0f;
  rgba->alpha = color->alpha / 255.0f;
}

static QrsColor
color_from_rgba (const GdkRGBA *rgba)
{
  QrsColor color;

  color.red = (guint8)lround (CLAMP (rgba->red, 0, 1) * 255);
  color.green = (guint8)lround (CLAMP (rgba->green, 0, 1) * 255);
  color.blue = (guint8)lround (CLAMP (rgba->blue, 0, 1) * 255);
  color.alpha = (guint8)lround (CLAMP (rgba->alpha, 0, 1) * 255);

  return color;
}

static void
set_button_color (GtkColorButton *button,
                  const QrsColor *color)
{
  GdkRGBA rgba, current;

  rgba_from_color (&rgba, color);
  gtk_color_chooser_get_rgba (GTK_COLOR_CHOOSER (button), &current);
  if (!gdk_rgba_equal (&rgba, &current))
    gtk_color_chooser_set_rgba (GTK_COLOR_CHOOSER (button), &rgba);
}

static QrsColor
get_button_color (GtkColorButton *button)
{
  GdkRGBA rgba;

  gtk_color_chooser_get_rgba (GTK_COLOR_CHOOSER (button), &rgba);

  return color_from_rgba (&rgba);
}

static void
set_editable_text (gpointer    editable,
                   const char *text)
{
  /* Setting the same text again would move the cursor while typing. */
  if (g_strcmp0 (gtk_editable_get_text (GTK_EDITABLE (editable)), text ? text : "") != 0)
    gtk_editable_set_text (GTK_EDITABLE (editable), text ? text : "");
}

static void
update_contrast (QrsEditor *self)
{
  const QrsColor *fg = qrs_design_get_foreground (self->design);
  const QrsColor *bg = qrs_design_get_background (self->design);
  QrsColor opaque_bg;
  QrsColor shown_fg;
  g_autofree char *text = NULL;
  double ratio;
  const char *verdict;
  const char *css;

  /* What a scanner sees: the background over white paper, the
   * foreground over the background. */
  opaque_bg = qrs_color_composite (bg, &(QrsColor) { 255, 255, 255, 255 });
  shown_fg = qrs_color_composite (fg, &opaque_bg);
  ratio = qrs_color_contrast_ratio (&shown_fg, &opaque_bg);

  if (ratio < CONTRAST_ERROR)
    {
      verdict = _("Too low: most phones will not read this code");
      css = "error";
    }
  else if (ratio < CONTRAST_WARNING)
    {
      verdict = _("Low: some phones may not read this code");
      css = "warning";
    }
  else
    {
      verdict = _("Good");
      css = "success";
    }

  /* Translators: a contrast ratio such as “7.5 : 1” */
  text = g_strdup_printf (_("%.1f : 1"), ratio);
  gtk_label_set_label (self->contrast_label, text);
  gtk_widget_remove_css_class (GTK_WIDGET (self->contrast_label), "error");
  gtk_widget_remove_css_class (GTK_WIDGET (self->contrast_label), "warning");
  gtk_widget_remove_css_class (GTK_WIDGET (self->contrast_label), "success");
  gtk_widget_add_css_class (GTK_WIDGET (self->contrast_label), css);
  adw_action_row_set_subtitle (self->contrast_row, verdict);
}

/* Payload fields ------------------------------------------------------ */

/* A few fields take one of a handful of values; they get a switch or a
 * list instead of a text entry.  Anything else is typed. */
static const char * const yes_no_fields[] = { "hidden", "all-day", NULL };

static const char *
field_entry_get_value (FieldEntry *entry)
{
  if (entry->toggle != NULL)
    return gtk_switch_get_active (GTK_SWITCH (entry->toggle)) ? "true" : NULL;

  /* The first item, Automatic, leaves the choice to the payload. */
  if (ADW_IS_COMBO_ROW (entry->row))
    {
      guint selected = adw_combo_row_get_selected (ADW_COMBO_ROW (entry->row));

      if (selected == 0 || selected == GTK_INVALID_LIST_POSITION)
        return NULL;
      return entry->field->choices[selected - 1];
    }

  return gtk_editable_get_text (GTK_EDITABLE (entry->row));
}

static void
field_entry_add_suffix (FieldEntry *entry,
                        GtkWidget  *widget)
{
  if (ADW_IS_ENTRY_ROW (entry->row))
    adw_entry_row_add_suffix (ADW_ENTRY_ROW (entry->row), widget);
  else
    adw_action_row_add_suffix (ADW_ACTION_ROW (entry->row), widget);
}

static void
field_entry_free (gpointer data)
{
  FieldEntry *entry = data;

  g_free (entry->error);
  g_free (entry);
}

static void
field_entry_set_error (FieldEntry *entry,
                       const char *message)
{
  if (g_strcmp0 (entry->error, message) == 0)
    return;

  g_free (entry->error);
  entry->error = g_strdup (message);

  if (message != NULL)
    {
      gtk_label_set_label (GTK_LABEL (entry->error_label), message);
      gtk_widget_set_tooltip_text (entry->error_icon, message);
      gtk_widget_add_css_class (entry->row, "error");
      gtk_accessible_update_state (GTK_ACCESSIBLE (entry->row),
                                   GTK_ACCESSIBLE_STATE_INVALID, GTK_ACCESSIBLE_INVALID_TRUE,
                                   -1);
      gtk_accessible_update_property (GTK_ACCESSIBLE (entry->row),
                                      GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, message,
                                      -1);
    }
  else
    {
      gtk_widget_remove_css_class (entry->row, "error");
      gtk_accessible_reset_state (GTK_ACCESSIBLE (entry->row), GTK_ACCESSIBLE_STATE_INVALID);
      gtk_accessible_reset_property (GTK_ACCESSIBLE (entry->row),
                                     GTK_ACCESSIBLE_PROPERTY_DESCRIPTION);
    }

  gtk_widget_set_visible (entry->error_row, message != NULL);
  gtk_widget_set_visible (entry->error_icon, message != NULL);
}

static gboolean
contains_casefold (const char *haystack,
                   const char *needle)
{
  g_autofree char *h = NULL;
  g_autofree char *n = NULL;

  if (needle == NULL || needle[0] == '\0')
    return FALSE;

  h = g_utf8_casefold (haystack, -1);
  n = g_utf8_casefold (needle, -1);

  return strstr (h, n) != NULL;
}

/* The payload builders name the bad field in their message; find the
 * form row it belongs to.  The longest name that matches wins, so
 * “phone” does not take the error meant for “phones”. */
static FieldEntry *
find_entry_for_error (QrsEditor    *self,
                      const GError *error)
{
  FieldEntry *best = NULL;
  gsize best_len = 0;

  /* They quote the field's label, as its row shows it: The “Password”
   * field … */
  for (guint i = 0; i < self->entries->len; i++)
    {
      FieldEntry *entry = g_ptr_array_index (self->entries, i);
      g_autofree char *quoted = g_strdup_printf ("The “%s” field", _(entry->field->label));

      if (strstr (error->message, quoted) != NULL)
        return entry;
    }

  for (guint i = 0; i < self->entries->len; i++)
    {
      FieldEntry *entry = g_ptr_array_index (self->entries, i);
      const char *names[] = { entry->field->name, entry->field->label, _(entry->field->label) };

      for (guint j = 0; j < G_N_ELEMENTS (names); j++)
        {
          gsize len = strlen (names[j]);

          if (len > best_len && contains_casefold (error->message, names[j]))
            {
              best = entry;
              best_len = len;
            }
        }
    }

  /* A missing field with no name we know: the first empty required one. */
  if (best == NULL && g_error_matches (error, QRS_PAYLOAD_ERROR, QRS_PAYLOAD_ERROR_MISSING_FIELD))
    for (guint i = 0; i < self->entries->len; i++)
      {
        FieldEntry *entry = g_ptr_array_index (self->entries, i);

        const char *value = field_entry_get_value (entry);

        if (entry->field->required && (value == NULL || value[0] == '\0'))
          return entry;
      }

  return best;
}

static void
apply_document_error (QrsEditor *self)
{
  const GError *error = qrs_document_get_error (self->document);
  FieldEntry *entry = NULL;

  adw_preferences_group_set_description (self->fields_group, NULL);

  for (guint i = 0; i < self->entries->len; i++)
    {
      FieldEntry *e = g_ptr_array_index (self->entries, i);

      if (e->error != NULL)
        return; /* a field's own error comes first */
    }

  if (error == NULL)
    return;

  entry = find_entry_for_error (self, error);

  /* Nobody wants to be told a field is required before typing in it. */
  if (g_error_matches (error, QRS_PAYLOAD_ERROR, QRS_PAYLOAD_ERROR_MISSING_FIELD) &&
      (entry == NULL || !entry->touched))
    return;

  if (entry != NULL)
    field_entry_set_error (entry, error->message);
  else
    adw_preferences_group_set_description (self->fields_group, error->message);
}

static void
field_changed_cb (QrsEditor *self,
                  GParamSpec *pspec,
                  GtkWidget  *widget)
{
  if (self->updating)
    return;

  for (guint i = 0; i < self->entries->len; i++)
    {
      FieldEntry *entry = g_ptr_array_index (self->entries, i);

      if (entry->row == widget || entry->toggle == widget)
        entry->touched = TRUE;
    }

  rebuild_payload (self);
}

static void
entry_changed_cb (QrsEditor   *self,
                  GtkEditable *editable)
{
  field_changed_cb (self, NULL, GTK_WIDGET (editable));
}

static void
remove_value_clicked_cb (GtkButton *button,
                         QrsEditor *self)
{
  GtkWidget *row = g_object_get_data (G_OBJECT (button), "qrs-entry-row");

  for (guint i = 0; i < self->entries->len; i++)
    {
      FieldEntry *entry = g_ptr_array_index (self->entries, i);

      if (entry->row == row)
        {
          gtk_list_box_remove (self->fields_list, entry->error_row);
          gtk_list_box_remove (self->fields_list, entry->row);
          g_ptr_array_remove_index (self->entries, i);
          break;
        }
    }

  rebuild_payload (self);
}

static GtkInputPurpose
purpose_for_field (const QrsPayloadField *field)
{
  const char *name = field->name;

  if (strstr (name, "url") != NULL)
    return GTK_INPUT_PURPOSE_URL;
  if (strstr (name, "email") != NULL || g_str_equal (name, "to"))
    return GTK_INPUT_PURPOSE_EMAIL;
  if (strstr (name, "phone") != NULL || strstr (name, "tel") != NULL ||
      g_str_equal (name, "number"))
    return GTK_INPUT_PURPOSE_PHONE;
  if (g_str_equal (name, "latitude") || g_str_equal (name, "longitude") ||
      g_str_equal (name, "altitude"))
    return GTK_INPUT_PURPOSE_NUMBER;

  return GTK_INPUT_PURPOSE_FREE_FORM;
}

/* An event's start and end: a day picked here replaces the date typed
 * and keeps the time after it, so “2026-05-02 10:00” becomes
 * “2026-06-10 10:00”. */
static gboolean
is_date_field (const QrsPayloadField *field)
{
  return g_str_equal (field->name, "start") || g_str_equal (field->name, "end");
}

static void
date_picked_cb (GtkButton  *button,
                FieldEntry *entry)
{
  g_autoptr(GDateTime) day = gtk_calendar_get_date (entry->calendar);
  g_autofree char *date = g_date_time_format (day, "%Y-%m-%d");
  g_autofree char *text = NULL;
  const char *typed = gtk_editable_get_text (GTK_EDITABLE (entry->row));
  const char *rest = "";

  while (g_ascii_isspace (*typed))
    typed++;
  /* What follows a typed YYYY-MM-DD: its time and offset. */
  if (strlen (typed) >= 10 && g_ascii_isdigit (typed[0]) && typed[4] == '-' && typed[7] == '-')
    rest = typed + 10;

  text = g_strconcat (date, rest, NULL);
  gtk_popover_popdown (GTK_POPOVER (gtk_widget_get_ancestor (GTK_WIDGET (button), GTK_TYPE_POPOVER)));
  gtk_editable_set_text (GTK_EDITABLE (entry->row), text);
}

/* The picker opens on the day already typed, if any. */
static void
date_picker_shown_cb (GtkPopover *popover,
                      FieldEntry *entry)
{
  const char *typed = gtk_editable_get_text (GTK_EDITABLE (entry->row));
  int year, month, day;
  g_autoptr(GDateTime) date = NULL;

  while (g_ascii_isspace (*typed))
    typed++;
  if (sscanf (typed, "%4d-%2d-%2d", &year, &month, &day) == 3 &&
      (date = g_date_time_new_local (year, month, day, 12, 0, 0)) != NULL)
    gtk_calendar_select_day (entry->calendar, date);
}

static void
add_date_picker (FieldEntry *entry)
{
  GtkWidget *button = gtk_menu_button_new ();
  GtkWidget *popover = gtk_popover_new ();
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);
  g_autofree char *tooltip = NULL;

  entry->calendar = GTK_CALENDAR (gtk_calendar_new ());
  entry->calendar_apply = gtk_button_new_with_mnemonic (_("_Use This Day"));
  gtk_widget_add_css_class (entry->calendar_apply, "suggested-action");
  g_signal_connect (entry->calendar_apply, "clicked", G_CALLBACK (date_picked_cb), entry);
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (entry->calendar));
  gtk_box_append (GTK_BOX (box), entry->calendar_apply);
  gtk_popover_set_child (GTK_POPOVER (popover), box);
  g_signal_connect (popover, "show", G_CALLBACK (date_picker_shown_cb), entry);

  /* Translators: %s is a field such as “Start” */
  tooltip = g_strdup_printf (_("Choose the %s Date"), _(entry->field->label));
  gtk_menu_button_set_icon_name (GTK_MENU_BUTTON (button), "x-office-calendar-symbolic");
  gtk_menu_button_set_popover (GTK_MENU_BUTTON (button), popover);
  gtk_widget_set_tooltip_text (button, tooltip);
  gtk_accessible_update_property (GTK_ACCESSIBLE (button), GTK_ACCESSIBLE_PROPERTY_LABEL, tooltip, -1);
  gtk_widget_set_valign (button, GTK_ALIGN_CENTER);
  gtk_widget_add_css_class (button, "flat");
  field_entry_add_suffix (entry, button);
}

static FieldEntry *
add_field_entry (QrsEditor             *self,
                 const QrsPayloadField *field,
                 const char            *value,
                 int                    position)
{
  FieldEntry *entry = g_new0 (FieldEntry, 1);
  GtkWidget *error_box;
  GtkWidget *icon;

  entry->editor = self;
  entry->field = field;

  if (g_strv_contains (yes_no_fields, field->name))
    {
      entry->row = adw_action_row_new ();
      entry->toggle = gtk_switch_new ();
      gtk_widget_set_valign (entry->toggle, GTK_ALIGN_CENTER);
      gtk_switch_set_active (GTK_SWITCH (entry->toggle),
                             value != NULL && (g_ascii_strcasecmp (value, "true") == 0 ||
                                               g_ascii_strcasecmp (value, "yes") == 0 ||
                                               g_str_equal (value, "1")));
      adw_action_row_add_suffix (ADW_ACTION_ROW (entry->row), entry->toggle);
      adw_action_row_set_activatable_widget (ADW_ACTION_ROW (entry->row), entry->toggle);
      g_signal_connect_object (entry->toggle, "notify::active", G_CALLBACK (field_changed_cb), self,
                               G_CONNECT_SWAPPED);
    }
  else if (field->choices != NULL)
    {
      g_autoptr(GtkStringList) labels = gtk_string_list_new (NULL);
      guint selected = 0;

      gtk_string_list_append (labels, _("Automatic"));
      for (guint i = 0; field->choices[i] != NULL; i++)
        {
          gtk_string_list_append (labels, _(field->choice_labels[i]));
          if (value != NULL && g_ascii_strcasecmp (value, field->choices[i]) == 0)
            selected = i + 1;
        }

      entry->row = adw_combo_row_new ();
      adw_combo_row_set_model (ADW_COMBO_ROW (entry->row), G_LIST_MODEL (labels));
      adw_combo_row_set_selected (ADW_COMBO_ROW (entry->row), selected);
      g_signal_connect_object (entry->row, "notify::selected", G_CALLBACK (field_changed_cb), self,
                               G_CONNECT_SWAPPED);
    }
  else
    {
      if (strstr (field->name, "password") != NULL)
        entry->row = adw_password_entry_row_new ();
      else
        entry->row = adw_entry_row_new ();

      adw_entry_row_set_input_purpose (ADW_ENTRY_ROW (entry->row), purpose_for_field (field));
      set_editable_text (entry->row, value);
      g_signal_connect_object (entry->row, "changed", G_CALLBACK (entry_changed_cb), self,
                               G_CONNECT_SWAPPED);
    }

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (entry->row), _(field->label));
  gtk_widget_set_name (entry->row, field->name);

  entry->error_icon = gtk_image_new_from_icon_name ("dialog-error-symbolic");
  gtk_widget_add_css_class (entry->error_icon, "error");
  gtk_widget_set_visible (entry->error_icon, FALSE);
  field_entry_add_suffix (entry, entry->error_icon);

  if (is_date_field (field))
    add_date_picker (entry);

  if (field->multiple)
    {
      GtkWidget *remove = gtk_button_new_from_icon_name ("list-remove-symbolic");

      gtk_widget_set_valign (remove, GTK_ALIGN_CENTER);
      gtk_widget_add_css_class (remove, "flat");
      gtk_widget_set_tooltip_text (remove, _("Remove"));
      /* GTK 4.8 names an icon-only button by its icon, not its tooltip. */
      gtk_accessible_update_property (GTK_ACCESSIBLE (remove), GTK_ACCESSIBLE_PROPERTY_LABEL, _("Remove"), -1);
      g_object_set_data (G_OBJECT (remove), "qrs-entry-row", entry->row);
      g_signal_connect (remove, "clicked", G_CALLBACK (remove_value_clicked_cb), self);
      field_entry_add_suffix (entry, remove);
    }

  /* The reason sits right under the field, not in a toast that fades. */
  entry->error_label = gtk_label_new (NULL);
  gtk_label_set_wrap (GTK_LABEL (entry->error_label), TRUE);
  gtk_label_set_xalign (GTK_LABEL (entry->error_label), 0);
  gtk_widget_set_hexpand (entry->error_label, TRUE);
  icon = gtk_image_new_from_icon_name ("dialog-warning-symbolic");
  error_box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  gtk_box_append (GTK_BOX (error_box), icon);
  gtk_box_append (GTK_BOX (error_box), entry->error_label);
  gtk_widget_add_css_class (error_box, "field-error");
  entry->error_row = gtk_list_box_row_new ();
  gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (entry->error_row), FALSE);
  gtk_list_box_row_set_child (GTK_LIST_BOX_ROW (entry->error_row), error_box);
  gtk_widget_add_css_class (entry->error_row, "field-error-row");
  gtk_widget_set_visible (entry->error_row, FALSE);

  if (position < 0)
    {
      gtk_list_box_append (self->fields_list, entry->row);
      gtk_list_box_append (self->fields_list, entry->error_row);
    }
  else
    {
      gtk_list_box_insert (self->fields_list, entry->row, position);
      gtk_list_box_insert (self->fields_list, entry->error_row, position + 1);
    }

  g_ptr_array_add (self->entries, entry);

  return entry;
}

static void
add_value_clicked_cb (GtkButton *button,
                      QrsEditor *self)
{
  const QrsPayloadField *field = g_object_get_data (G_OBJECT (button), "qrs-field");
  GtkWidget *add_row = gtk_widget_get_ancestor (GTK_WIDGET (button), GTK_TYPE_LIST_BOX_ROW);
  FieldEntry *entry;

  entry = add_field_entry (self, field, NULL, gtk_list_box_row_get_index (GTK_LIST_BOX_ROW (add_row)));
  gtk_widget_grab_focus (entry->row);
}

/* A dynamic code's fields say where its short link leads, whichever way
 * it became dynamic. */
static void
sync_fields_title (QrsEditor *self)
{
  QrsPayloadType type = qrs_payload_get_payload_type (qrs_document_get_payload (self->document));

  if (qrs_document_get_kind (self->document) == QRS_CODE_KIND_DYNAMIC)
    adw_preferences_group_set_title (self->fields_group, _("Destination"));
  else
    adw_preferences_group_set_title (self->fields_group, qrs_editor_get_payload_type_label (type));
}

static void
rebuild_fields (QrsEditor  *self,
                QrsPayload *payload)
{
  QrsPayloadType type = qrs_payload_get_payload_type (payload);
  const QrsPayloadField *fields;
  GtkWidget *child;
  guint n_fields = 0;

  self->updating++;

  g_ptr_array_set_size (self->entries, 0);
  g_hash_table_remove_all (self->add_buttons);
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->fields_list))) != NULL)
    gtk_list_box_remove (self->fields_list, child);

  fields = qrs_payload_type_get_fields (type, &n_fields);

  for (guint i = 0; i < n_fields; i++)
    {
      const QrsPayloadField *field = &fields[i];

      if (field->multiple)
        {
          const char * const *values = qrs_payload_get_all (payload, field->name);
          g_autofree char *label = NULL;
          GtkWidget *button, *content, *row;

          if (values == NULL || values[0] == NULL)
            add_field_entry (self, field, NULL, -1);
          else
            for (guint j = 0; values[j] != NULL; j++)
              add_field_entry (self, field, values[j], -1);

          /* Translators: %s is a field such as “Phone” */
          label = g_strdup_printf (_("Add %s"), _(field->label));
          content = adw_button_content_new ();
          adw_button_content_set_icon_name (ADW_BUTTON_CONTENT (content), "list-add-symbolic");
          adw_button_content_set_label (ADW_BUTTON_CONTENT (content), label);
          button = gtk_button_new ();
          gtk_button_set_child (GTK_BUTTON (button), content);
          gtk_widget_add_css_class (button, "flat");
          gtk_widget_set_halign (button, GTK_ALIGN_START);
          /* GTK 4.8 would name the button after its content widget, not
           * the content's label. */
          gtk_accessible_update_property (GTK_ACCESSIBLE (button), GTK_ACCESSIBLE_PROPERTY_LABEL, label, -1);
          g_object_set_data (G_OBJECT (button), "qrs-field", (gpointer)field);
          g_signal_connect (button, "clicked", G_CALLBACK (add_value_clicked_cb), self);
          row = gtk_list_box_row_new ();
          gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (row), FALSE);
          /* Only a holder for the button: Tab goes to the button, not
           * first to an empty stop around it. */
          gtk_widget_set_focusable (row, FALSE);
          gtk_list_box_row_set_child (GTK_LIST_BOX_ROW (row), button);
          gtk_widget_add_css_class (row, "add-value-row");
          gtk_list_box_append (self->fields_list, row);
          g_hash_table_insert (self->add_buttons, (gpointer)field->name, button);
        }
      else
        {
          add_field_entry (self, field, qrs_payload_get (payload, field->name), -1);
        }
    }

  sync_fields_title (self);

  self->updating--;
}

static void
rebuild_payload (QrsEditor *self)
{
  QrsPayloadType type = qrs_payload_get_payload_type (qrs_document_get_payload (self->document));
  g_autoptr(QrsPayload) payload = qrs_payload_new (type);

  for (guint i = 0; i < self->entries->len; i++)
    {
      FieldEntry *entry = g_ptr_array_index (self->entries, i);
      const char *text = field_entry_get_value (entry);
      g_autoptr(GError) error = NULL;
      gboolean ok;

      field_entry_set_error (entry, NULL);

      if (text == NULL || text[0] == '\0')
        continue;

      if (entry->field->multiple)
        ok = qrs_payload_add (payload, entry->field->name, text, &error);
      else
        ok = qrs_payload_set (payload, entry->field->name, text, &error);

      if (!ok)
        field_entry_set_error (entry, error->message);
    }

  self->updating++;
  qrs_document_set_payload (self->document, payload);
  self->updating--;

  apply_document_error (self);
}

/* Document ------------------------------------------------------------ */

/* The saved dynamic code the state rows act on, or NULL. */
static QrsCode *
get_saved_dynamic (QrsEditor *self)
{
  QrsCode *stored = qrs_document_get_stored (self->document);

  if (stored == NULL || qrs_document_get_id (self->document) <= 0 ||
      qrs_code_get_kind (stored) != QRS_CODE_KIND_DYNAMIC ||
      qrs_document_get_kind (self->document) != QRS_CODE_KIND_DYNAMIC)
    return NULL;

  return stored;
}

/* Enabled and expiry as the database last said them. */
static void
sync_state (QrsEditor *self)
{
  QrsCode *stored = get_saved_dynamic (self);
  GDateTime *expires_at;

  gtk_widget_set_visible (GTK_WIDGET (self->enabled_row), stored != NULL);
  gtk_widget_set_visible (GTK_WIDGET (self->expiry_row), stored != NULL);
  if (stored == NULL)
    return;

  self->updating++;
  gtk_switch_set_active (self->enabled_switch, qrs_code_get_enabled (stored));

  expires_at = qrs_code_get_expires_at (stored);
  if (expires_at == NULL)
    {
      adw_action_row_set_subtitle (self->expiry_row, _("Never"));
    }
  else
    {
      /* The code works through the day before the moment it expires. */
      g_autoptr(GDateTime) local = g_date_time_to_local (expires_at);
      g_autoptr(GDateTime) last_day = g_date_time_add_seconds (local, -1);
      g_autofree char *day = g_date_time_format (last_day, "%x");
      g_autofree char *subtitle = NULL;

      /* Translators: %s is a date */
      subtitle = g_strdup_printf (_("Works until the end of %s"), day);
      adw_action_row_set_subtitle (self->expiry_row, subtitle);
      gtk_calendar_select_day (self->expiry_calendar, last_day);
    }
  gtk_widget_set_sensitive (GTK_WIDGET (self->expiry_clear_button), expires_at != NULL);
  self->updating--;
}

static void
sync_kind (QrsEditor *self)
{
  gboolean dynamic = qrs_document_get_kind (self->document) == QRS_CODE_KIND_DYNAMIC;
  g_autofree char *short_url = qrs_document_dup_short_url (self->document);

  gtk_switch_set_active (self->dynamic_switch, dynamic);
  gtk_widget_set_visible (GTK_WIDGET (self->short_url_row), dynamic);
  gtk_widget_set_sensitive (GTK_WIDGET (self->type_row), !dynamic);
  gtk_widget_set_sensitive (GTK_WIDGET (self->micro_row), !dynamic);

  if (short_url != NULL)
    adw_action_row_set_subtitle (self->short_url_row, short_url);

  if (dynamic && qrs_document_get_short_id (self->document) == NULL)
    gtk_widget_set_tooltip_text (GTK_WIDGET (self->short_url_row),
                                 _("Provisional: the short link is assigned when the code is saved"));
  else
    gtk_widget_set_tooltip_text (GTK_WIDGET (self->short_url_row), NULL);

  /* Until it is saved, the redirect daemon does not know the link. */
  gtk_widget_set_sensitive (GTK_WIDGET (self->open_short_url_button),
                            dynamic && qrs_document_get_short_id (self->document) != NULL);

  sync_fields_title (self);
  sync_state (self);
}

static void
sync_payload (QrsEditor *self)
{
  QrsPayload *payload = qrs_document_get_payload (self->document);

  self->updating++;
  adw_combo_row_set_selected (self->type_row, qrs_payload_get_payload_type (payload));
  self->updating--;

  rebuild_fields (self, payload);
  apply_document_error (self);
}

static void
sync_tags (QrsEditor *self)
{
  g_autofree char *joined = g_strjoinv (", ", (char **)qrs_document_get_tags (self->document));
  g_auto(GStrv) current = NULL;
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();

  /* Leave the row alone when it already says these tags, or typing
   * “a, ” would snap back to “a”. */
  current = g_strsplit (gtk_editable_get_text (GTK_EDITABLE (self->tags_row)), ",", -1);
  for (guint i = 0; current[i] != NULL; i++)
    {
      g_strstrip (current[i]);
      if (current[i][0] != '\0')
        g_strv_builder_add (builder, current[i]);
    }
  g_strfreev (current);
  current = g_strv_builder_end (builder);

  if (!g_strv_equal ((const char * const *)current, qrs_document_get_tags (self->document)))
    set_editable_text (self->tags_row, joined);
}

static void
document_notify_cb (QrsEditor  *self,
                    GParamSpec *pspec,
                    QrsDocument *document)
{
  if (self->updating)
    {
      if (g_str_equal (pspec->name, "error"))
        return; /* rebuild_payload() applies it */
    }

  self->updating++;

  if (g_str_equal (pspec->name, "kind") || g_str_equal (pspec->name, "short-id") ||
      g_str_equal (pspec->name, "redirect-base"))
    {
      sync_kind (self);
      if (g_str_equal (pspec->name, "kind"))
        qrs_editor_refresh_scans (self);
    }
  else if (g_str_equal (pspec->name, "id"))
    {
      sync_state (self);
      qrs_editor_refresh_scans (self);
    }
  else if (g_str_equal (pspec->name, "payload") && self->updating == 1)
    sync_payload (self);
  else if (g_str_equal (pspec->name, "tags"))
    sync_tags (self);
  else if (g_str_equal (pspec->name, "error") && self->updating == 1)
    apply_document_error (self);

  self->updating--;
}

static void
design_notify_cb (QrsEditor  *self,
                  GParamSpec *pspec,
                  QrsDesign  *design)
{
  sync_from_design (self, pspec->name);
}

/* Design -------------------------------------------------------------- */

static void
set_size_adjustment_for_unit (QrsEditor   *self,
                              QrsSizeUnit  unit)
{
  static const struct { double lower, upper, step, page; guint digits; } ranges[] = {
    [QRS_SIZE_UNIT_PX] = { 16, 20000, 1, 64, 0 },
    [QRS_SIZE_UNIT_MM] = { 2, 5000, 1, 10, 1 },
    [QRS_SIZE_UNIT_CM] = { 0.2, 500, 0.1, 1, 2 },
    [QRS_SIZE_UNIT_IN] = { 0.08, 196, 0.05, 0.5, 2 },
  };

  gtk_spin_button_set_digits (self->size_spin, ranges[unit].digits);
  gtk_adjustment_configure (self->size_adjustment,
                            CLAMP (gtk_adjustment_get_value (self->size_adjustment),
                                   ranges[unit].lower, ranges[unit].upper),
                            ranges[unit].lower, ranges[unit].upper,
                            ranges[unit].step, ranges[unit].page, 0);
}

static void
sync_logo_row (QrsEditor *self)
{
  GBytes *logo = qrs_design_get_logo (self->design);
  const char *media_type = qrs_design_get_logo_media_type (self->design);

  if (logo == NULL)
    {
      adw_action_row_set_subtitle (self->logo_row, _("None"));
    }
  else
    {
      g_autofree char *size = g_format_size (g_bytes_get_size (logo));
      g_autofree char *description = g_content_type_get_description (media_type ? media_type : "");
      g_autofree char *subtitle = NULL;

      /* Translators: “PNG image, 12.3 kB” */
      subtitle = g_strdup_printf (_("%s, %s"), description, size);
      adw_action_row_set_subtitle (self->logo_row, subtitle);
    }

  gtk_widget_set_sensitive (GTK_WIDGET (self->logo_remove_button), logo != NULL);
}

static void
sync_from_design (QrsEditor  *self,
                  const char *property)
{
  QrsDesign *design = self->design;
  gboolean all = property == NULL;

#define IS(name) (all || g_str_equal (property, name))

  self->updating++;

  if (IS ("title"))
    set_editable_text (self->title_row, qrs_design_get_title (design));
  if (IS ("description"))
    set_editable_text (self->description_row, qrs_design_get_description (design));
  if (IS ("foreground"))
    set_button_color (self->foreground_button, qrs_design_get_foreground (design));
  if (IS ("background"))
    set_button_color (self->background_button, qrs_design_get_background (design));
  if (IS ("foreground") || IS ("background"))
    update_contrast (self);
  if (IS ("finder-color"))
    {
      const QrsColor *color = qrs_design_get_finder_color (design);

      gtk_switch_set_active (self->finder_switch, color != NULL);
      set_button_color (self->finder_button, color ? color : qrs_design_get_foreground (design));
    }
  if (IS ("alignment-color"))
    {
      const QrsColor *color = qrs_design_get_alignment_color (design);

      gtk_switch_set_active (self->alignment_switch, color != NULL);
      set_button_color (self->alignment_button, color ? color : qrs_design_get_foreground (design));
    }
  if (IS ("allow-inverted"))
    gtk_switch_set_active (self->inverted_switch, qrs_design_get_allow_inverted (design));
  if (IS ("module-shape"))
    adw_combo_row_set_selected (self->shape_row, qrs_design_get_module_shape (design));
  if (IS ("ec-level"))
    adw_combo_row_set_selected (self->ec_row, qrs_design_get_ec_level (design));
  if (IS ("quiet-zone") || IS ("symbol-type"))
    gtk_spin_button_set_value (self->quiet_zone_spin, qrs_design_get_effective_quiet_zone (design));
  if (IS ("symbol-type"))
    gtk_switch_set_active (self->micro_switch,
                           qrs_design_get_symbol_type (design) == QRS_SYMBOL_TYPE_MICRO_QR);
  if (IS ("logo"))
    sync_logo_row (self);
  if (IS ("logo-ratio"))
    gtk_spin_button_set_value (self->logo_ratio_spin, qrs_design_get_logo_ratio (design) * 100);
  if (IS ("caption"))
    set_editable_text (self->caption_row, qrs_design_get_caption (design));
  if (IS ("caption-font"))
    {
      const char *font = qrs_design_get_caption_font (design);
      g_autofree char *current = gtk_font_chooser_get_font (GTK_FONT_CHOOSER (self->caption_font_button));

      if (g_strcmp0 (font, current) != 0)
        gtk_font_chooser_set_font (GTK_FONT_CHOOSER (self->caption_font_button), font);
    }
  if (IS ("caption-color"))
    set_button_color (self->caption_color_button, qrs_design_get_caption_color (design));
  if (IS ("caption-position"))
    adw_combo_row_set_selected (self->caption_position_row, qrs_design_get_caption_position (design));
  if (IS ("size-unit"))
    {
      gtk_drop_down_set_selected (self->unit_dropdown, qrs_design_get_size_unit (design));
      set_size_adjustment_for_unit (self, qrs_design_get_size_unit (design));
    }
  if (IS ("size") || IS ("size-unit"))
    gtk_spin_button_set_value (self->size_spin, qrs_design_get_size (design));
  if (IS ("dpi"))
    gtk_spin_button_set_value (self->dpi_spin, qrs_design_get_dpi (design));

#undef IS

  self->updating--;
}

/* Widget → model ------------------------------------------------------ */

static gboolean
payload_type_has_field (QrsPayloadType  type,
                        const char     *name)
{
  guint n_fields = 0;
  const QrsPayloadField *fields = qrs_payload_type_get_fields (type, &n_fields);

  for (guint i = 0; i < n_fields; i++)
    if (g_str_equal (fields[i].name, name))
      return TRUE;

  return FALSE;
}

static void
type_selected_cb (QrsEditor *self)
{
  QrsPayloadType type = adw_combo_row_get_selected (self->type_row);
  QrsPayload *old = qrs_document_get_payload (self->document);
  g_autoptr(QrsPayload) payload = NULL;
  const QrsPayloadField *fields;
  guint n_fields = 0;

  if (self->updating || type == qrs_payload_get_payload_type (old))
    return;

  /* Carry over what the fields of both types have in common. */
  payload = qrs_payload_new (type);
  fields = qrs_payload_type_get_fields (type, &n_fields);
  for (guint i = 0; i < n_fields; i++)
    {
      const char * const *values;

      if (!payload_type_has_field (qrs_payload_get_payload_type (old), fields[i].name))
        continue;

      values = qrs_payload_get_all (old, fields[i].name);

      for (guint j = 0; values != NULL && values[j] != NULL; j++)
        {
          if (fields[i].multiple)
            qrs_payload_add (payload, fields[i].name, values[j], NULL);
          else if (j == 0)
            qrs_payload_set (payload, fields[i].name, values[j], NULL);
        }
    }

  self->updating++;
  qrs_document_set_payload (self->document, payload);
  self->updating--;
  rebuild_fields (self, payload);
  apply_document_error (self);
}

static void
set_aside_undo_cb (QrsEditor *self)
{
  g_autoptr(QrsPayload) payload = g_steal_pointer (&self->set_aside);

  if (payload == NULL)
    return;

  qrs_document_set_kind (self->document, QRS_CODE_KIND_STATIC);
  qrs_document_set_payload (self->document, payload);
}

static void
forget_set_aside (QrsEditor *self)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));

  g_clear_object (&self->set_aside);
  if (self->set_aside_toast != NULL && QRS_IS_WINDOW (root))
    _qrs_window_dismiss_toast (QRS_WINDOW (root), self->set_aside_toast);
  else if (self->set_aside_toast != NULL)
    adw_toast_dismiss (self->set_aside_toast);
  g_clear_weak_pointer (&self->set_aside_toast);
}

/* A dynamic code leads to a web address, so the document drops what a
 * code of another type held; keep it for Undo rather than lose it. */
static void
make_dynamic (QrsEditor *self)
{
  QrsPayload *payload = qrs_document_get_payload (self->document);
  QrsPayloadType type = qrs_payload_get_payload_type (payload);
  g_autoptr(QrsPayload) old = NULL;
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
  g_autofree char *title = NULL;
  AdwToast *toast;

  forget_set_aside (self);

  if (type != QRS_PAYLOAD_TYPE_URL)
    old = qrs_payload_copy (payload);

  qrs_document_set_kind (self->document, QRS_CODE_KIND_DYNAMIC);

  if (old == NULL)
    return;

  self->set_aside = g_steal_pointer (&old);

  /* Translators: %s is a type of code, such as “Wi-Fi Network” */
  title = g_strdup_printf (_("A dynamic code leads to a web address: what the %s held is set aside"),
                           qrs_editor_get_payload_type_label (type));
  toast = adw_toast_new (title);
  adw_toast_set_button_label (toast, _("_Undo"));
  adw_toast_set_timeout (toast, 10);
  g_signal_connect_object (toast, "button-clicked", G_CALLBACK (set_aside_undo_cb), self,
                           G_CONNECT_SWAPPED);
  g_set_weak_pointer (&self->set_aside_toast, toast);

  if (QRS_IS_WINDOW (root))
    _qrs_window_add_toast (QRS_WINDOW (root), toast);
  else
    {
      g_signal_emit (self, signals[SHOW_MESSAGE], 0, title);
      g_object_unref (toast);
    }
}

static void
make_static_response_cb (AdwMessageDialog *dialog,
                         const char       *response,
                         QrsEditor        *self)
{
  if (g_str_equal (response, "static"))
    qrs_document_set_kind (self->document, QRS_CODE_KIND_STATIC);
}

static void
dynamic_active_cb (QrsEditor *self)
{
  GtkRoot *root;
  AdwMessageDialog *dialog;

  if (self->updating)
    return;

  if (gtk_switch_get_active (self->dynamic_switch))
    {
      make_dynamic (self);
      return;
    }

  /* Printed copies hold the short link, which stops leading anywhere once
   * the code is saved as static: ask first.  The switch stays on until
   * the answer is yes. */
  if (qrs_document_get_stored (self->document) == NULL ||
      qrs_code_get_kind (qrs_document_get_stored (self->document)) != QRS_CODE_KIND_DYNAMIC)
    {
      qrs_document_set_kind (self->document, QRS_CODE_KIND_STATIC);
      return;
    }

  self->updating++;
  gtk_switch_set_active (self->dynamic_switch, TRUE);
  self->updating--;

  root = gtk_widget_get_root (GTK_WIDGET (self));
  dialog = ADW_MESSAGE_DIALOG (adw_message_dialog_new (GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                                                       _("Make This Code Static?"), NULL));
  adw_message_dialog_set_body (dialog,
                               _("Printed copies of this code hold its short link. Once it is saved as a static code, "
                                 "the short link no longer leads anywhere and those copies stop working."));
  adw_message_dialog_add_responses (dialog,
                                    "cancel", _("_Cancel"),
                                    /* Translators: the underlined letter must differ from Cancel's */
                                    "static", _("_Make Static"),
                                    NULL);
  adw_message_dialog_set_response_appearance (dialog, "static", ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_default_response (dialog, "cancel");
  adw_message_dialog_set_close_response (dialog, "cancel");
  g_signal_connect_object (dialog, "response", G_CALLBACK (make_static_response_cb), self, 0);
  gtk_window_present (GTK_WINDOW (dialog));
}

/* Enabled and expiry ---------------------------------------------------- */

static QrsCodeStore *
get_code_store (void)
{
  QrsApplication *app = get_application ();

  if (app == NULL || qrs_application_get_connection_state (app) != QRS_CONNECTION_STATE_OPEN)
    return NULL;

  return qrs_connection_get_code_store (qrs_application_get_connection (app));
}

typedef struct
{
  QrsEditor   *self;
  QrsDocument *document;
  gboolean     enabled;    /* which call: set_enabled, else set_expires_at */
} StateOp;

static void
state_op_free (StateOp *op)
{
  g_object_unref (op->self);
  g_object_unref (op->document);
  g_free (op);
}

static void
state_done_cb (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  StateOp *op = user_data;
  QrsEditor *self = op->self;
  g_autoptr(QrsCode) code = NULL;
  g_autoptr(GError) error = NULL;

  if (op->enabled)
    code = qrs_code_store_set_enabled_finish (QRS_CODE_STORE (object), result, &error);
  else
    code = qrs_code_store_set_expires_at_finish (QRS_CODE_STORE (object), result, &error);

  self->state_pending--;

  if (code != NULL)
    {
      /* The row's version moved on: the next save must carry the new one. */
      qrs_document_set_stored (op->document, code);
    }
  else if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_autofree char *message = g_strdup_printf (_("Could not change the code: %s"), error->message);

      g_signal_emit (self, signals[SHOW_MESSAGE], 0, message);
    }

  if (op->document == self->document)
    sync_state (self);

  state_op_free (op);
}

static StateOp *
state_op_new (QrsEditor *self,
              gboolean   enabled)
{
  StateOp *op = g_new0 (StateOp, 1);

  op->self = g_object_ref (self);
  op->document = g_object_ref (self->document);
  op->enabled = enabled;
  self->state_pending++;

  return op;
}

static gboolean
check_state_store (QrsEditor     *self,
                   QrsCodeStore **store)
{
  *store = get_code_store ();
  if (*store != NULL && get_saved_dynamic (self) != NULL)
    return TRUE;

  g_signal_emit (self, signals[SHOW_MESSAGE], 0,
                 _("Not connected to the database: the code was not changed"));
  sync_state (self);
  return FALSE;
}

static void
enabled_active_cb (QrsEditor *self)
{
  QrsCodeStore *store;

  if (self->updating || !check_state_store (self, &store))
    return;

  qrs_code_store_set_enabled_async (store, qrs_document_get_id (self->document),
                                    gtk_switch_get_active (self->enabled_switch),
                                    self->state_cancellable, state_done_cb,
                                    state_op_new (self, TRUE));
}

static void
set_expiry (QrsEditor *self,
            GDateTime *expires_at)
{
  QrsCodeStore *store;

  if (!check_state_store (self, &store))
    return;

  qrs_code_store_set_expires_at_async (store, qrs_document_get_id (self->document), expires_at,
                                       self->state_cancellable, state_done_cb,
                                       state_op_new (self, FALSE));
}

/* The chosen day is the last that works: the code expires when the next
 * day starts, on this computer's clock. */
static void
expiry_set_cb (QrsEditor *self)
{
  g_autoptr(GDateTime) day = gtk_calendar_get_date (self->expiry_calendar);
  g_autoptr(GDateTime) midnight = NULL;
  g_autoptr(GDateTime) expires_at = NULL;

  midnight = g_date_time_new_local (g_date_time_get_year (day), g_date_time_get_month (day),
                                    g_date_time_get_day_of_month (day), 0, 0, 0);
  expires_at = g_date_time_add_days (midnight, 1);

  gtk_menu_button_popdown (self->expiry_button);
  set_expiry (self, expires_at);
}

static void
expiry_clear_cb (QrsEditor *self)
{
  set_expiry (self, NULL);
}

static void
inverted_active_cb (QrsEditor *self)
{
  if (self->updating)
    return;

  qrs_design_set_allow_inverted (self->design, gtk_switch_get_active (self->inverted_switch));
}

static void
copy_short_url_cb (QrsEditor *self)
{
  g_autofree char *url = qrs_document_dup_short_url (self->document);

  if (url == NULL)
    return;

  gdk_clipboard_set_text (gtk_widget_get_clipboard (GTK_WIDGET (self)), url);
  g_signal_emit (self, signals[SHOW_MESSAGE], 0, _("Link copied"));
}

static void
show_uri_cb (GObject      *object,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(QrsEditor) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!gtk_show_uri_full_finish (GTK_WINDOW (object), result, &error))
    {
      g_autofree char *message = NULL;

      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      message = g_strdup_printf (_("Could not open the link: %s"), error->message);
      g_signal_emit (self, signals[SHOW_MESSAGE], 0, message);
    }
}

/* A test scan from the desk: the browser follows the short link through
 * the redirect daemon, which counts it like any phone's. */
static void
open_short_url_cb (QrsEditor *self)
{
  g_autofree char *url = qrs_document_dup_short_url (self->document);
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));

  if (url == NULL || !GTK_IS_WINDOW (root))
    return;

  gtk_show_uri_full (GTK_WINDOW (root), url, GDK_CURRENT_TIME, NULL,
                     show_uri_cb, g_object_ref (self));
}

static void
title_changed_cb (QrsEditor *self)
{
  if (!self->updating)
    qrs_design_set_title (self->design, gtk_editable_get_text (GTK_EDITABLE (self->title_row)));
}

static void
description_changed_cb (QrsEditor *self)
{
  if (!self->updating)
    qrs_design_set_description (self->design,
                                gtk_editable_get_text (GTK_EDITABLE (self->description_row)));
}

static void
tags_changed_cb (QrsEditor *self)
{
  g_auto(GStrv) parts = NULL;
  g_autoptr(GPtrArray) tags = NULL;

  if (self->updating)
    return;

  tags = g_ptr_array_new ();
  parts = g_strsplit (gtk_editable_get_text (GTK_EDITABLE (self->tags_row)), ",", -1);
  for (guint i = 0; parts[i] != NULL; i++)
    {
      g_strstrip (parts[i]);
      if (parts[i][0] != '\0' &&
          !g_ptr_array_find_with_equal_func (tags, parts[i], g_str_equal, NULL))
        g_ptr_array_add (tags, parts[i]);
    }
  g_ptr_array_add (tags, NULL);

  self->updating++;
  qrs_document_set_tags (self->document, (const char * const *)tags->pdata);
  self->updating--;
}

static void
colors_changed_cb (QrsEditor *self)
{
  QrsColor color;

  if (self->updating)
    return;

  g_object_freeze_notify (G_OBJECT (self->design));

  color = get_button_color (self->foreground_button);
  qrs_design_set_foreground (self->design, &color);
  color = get_button_color (self->background_button);
  qrs_design_set_background (self->design, &color);
  color = get_button_color (self->caption_color_button);
  qrs_design_set_caption_color (self->design, &color);

  color = get_button_color (self->finder_button);
  qrs_design_set_finder_color (self->design,
                               gtk_switch_get_active (self->finder_switch) ? &color : NULL);
  color = get_button_color (self->alignment_button);
  qrs_design_set_alignment_color (self->design,
                                  gtk_switch_get_active (self->alignment_switch) ? &color : NULL);

  g_object_thaw_notify (G_OBJECT (self->design));
}

static void
symbol_changed_cb (QrsEditor *self)
{
  if (self->updating)
    return;

  qrs_design_set_module_shape (self->design, adw_combo_row_get_selected (self->shape_row));
  qrs_design_set_ec_level (self->design, adw_combo_row_get_selected (self->ec_row));
  qrs_design_set_symbol_type (self->design,
                              gtk_switch_get_active (self->micro_switch)
                                ? QRS_SYMBOL_TYPE_MICRO_QR : QRS_SYMBOL_TYPE_QR);
}

static void
quiet_zone_changed_cb (QrsEditor *self)
{
  if (!self->updating)
    qrs_design_set_quiet_zone (self->design, gtk_spin_button_get_value_as_int (self->quiet_zone_spin));
}

static void
logo_ratio_changed_cb (QrsEditor *self)
{
  if (!self->updating)
    qrs_design_set_logo_ratio (self->design, gtk_spin_button_get_value (self->logo_ratio_spin) / 100);
}

static void
caption_changed_cb (QrsEditor *self)
{
  const char *text;
  g_autofree char *font = NULL;

  if (self->updating)
    return;

  text = gtk_editable_get_text (GTK_EDITABLE (self->caption_row));
  font = gtk_font_chooser_get_font (GTK_FONT_CHOOSER (self->caption_font_button));

  qrs_design_set_caption (self->design, text[0] ? text : NULL);
  if (font != NULL)
    qrs_design_set_caption_font (self->design, font);
  qrs_design_set_caption_position (self->design,
                                   adw_combo_row_get_selected (self->caption_position_row));
}

static double
mm_per_unit (QrsSizeUnit unit)
{
  switch (unit)
    {
    case QRS_SIZE_UNIT_MM: return 1;
    case QRS_SIZE_UNIT_CM: return 10;
    case QRS_SIZE_UNIT_IN: return 25.4;
    case QRS_SIZE_UNIT_PX:
    default: return 0;
    }
}

static void
size_changed_cb (QrsEditor *self)
{
  if (!self->updating)
    qrs_design_set_size (self->design, gtk_spin_button_get_value (self->size_spin));
}

static void
unit_changed_cb (QrsEditor *self)
{
  QrsSizeUnit unit = gtk_drop_down_get_selected (self->unit_dropdown);
  double size;

  if (self->updating || unit == qrs_design_get_size_unit (self->design))
    return;

  /* Keep the code as big as it was, said in the new unit. */
  if (unit == QRS_SIZE_UNIT_PX)
    size = round (qrs_design_get_width_px (self->design));
  else
    size = qrs_design_get_width_mm (self->design) / mm_per_unit (unit);

  g_object_freeze_notify (G_OBJECT (self->design));
  qrs_design_set_size_unit (self->design, unit);
  qrs_design_set_size (self->design, size);
  g_object_thaw_notify (G_OBJECT (self->design));
}

static void
dpi_changed_cb (QrsEditor *self)
{
  if (!self->updating)
    qrs_design_set_dpi (self->design, gtk_spin_button_get_value (self->dpi_spin));
}

/* Logo ---------------------------------------------------------------- */

gboolean
qrs_editor_set_logo (QrsEditor  *self,
                     GBytes     *bytes,
                     GError    **error)
{
  g_return_val_if_fail (QRS_IS_EDITOR (self), FALSE);

  if (!qrs_design_set_logo (self->design, bytes, error))
    return FALSE;

  return TRUE;
}

static void
logo_loaded_cb (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(QrsEditor) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = NULL;

  bytes = g_file_load_bytes_finish (G_FILE (object), result, NULL, &error);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  if (bytes == NULL || !qrs_editor_set_logo (self, bytes, &error))
    {
      g_autofree char *message = g_strdup_printf (_("Could not use this logo: %s"), error->message);

      g_signal_emit (self, signals[SHOW_MESSAGE], 0, message);
    }
}

/**
 * qrs_editor_load_logo:
 *
 * Reads @file without blocking and makes it the design's logo, or says
 * why not.
 */
void
qrs_editor_load_logo (QrsEditor *self,
                      GFile     *file)
{
  g_return_if_fail (QRS_IS_EDITOR (self));
  g_return_if_fail (G_IS_FILE (file));

  g_cancellable_cancel (self->logo_cancellable);
  g_clear_object (&self->logo_cancellable);
  self->logo_cancellable = g_cancellable_new ();

  g_file_load_bytes_async (file, self->logo_cancellable, logo_loaded_cb, g_object_ref (self));
}

static void
logo_chooser_response_cb (QrsEditor            *self,
                          int                   response,
                          GtkFileChooserNative *chooser)
{
  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (chooser));

      qrs_editor_load_logo (self, file);
    }

  g_clear_object (&self->logo_chooser);
}

static void
logo_choose_cb (QrsEditor *self)
{
  g_autoptr(GtkFileFilter) filter = gtk_file_filter_new ();
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));

  gtk_file_filter_set_name (filter, _("Images"));
  gtk_file_filter_add_mime_type (filter, "image/png");
  gtk_file_filter_add_mime_type (filter, "image/jpeg");
  gtk_file_filter_add_mime_type (filter, "image/svg+xml");
  gtk_file_filter_add_mime_type (filter, "image/webp");
  gtk_file_filter_add_mime_type (filter, "image/gif");

  g_clear_object (&self->logo_chooser);
  self->logo_chooser = gtk_file_chooser_native_new (_("Choose a Logo"),
                                                    GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                                                    GTK_FILE_CHOOSER_ACTION_OPEN,
                                                    /* Translators: the file chooser's button: the
                                                     * underlined letter must differ from Cancel's */
                                                    _("C_hoose"), _("_Cancel"));
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (self->logo_chooser), TRUE);
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (self->logo_chooser), filter);
  g_signal_connect_object (self->logo_chooser, "response",
                           G_CALLBACK (logo_chooser_response_cb), self, G_CONNECT_SWAPPED);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (self->logo_chooser));
}

static void
logo_remove_cb (QrsEditor *self)
{
  qrs_design_set_logo (self->design, NULL, NULL);
}

/* Scans --------------------------------------------------------------- */

static const guint scan_range_days[] = { 7, 30, 90 };

static const QrsScanDimension breakdown_dimensions[] = {
  QRS_SCAN_DIMENSION_DEVICE,
  QRS_SCAN_DIMENSION_OS,
  QRS_SCAN_DIMENSION_BROWSER,
};

/* The most frequent few are what a person takes in; the rest is the CLI's
 * CSV export. */
#define BREAKDOWN_LIMIT 5

typedef struct
{
  QrsEditor    *editor;
  GCancellable *cancellable;   /* the load this result belongs to */
} ScansOp;

static ScansOp *
scans_op_new (QrsEditor *self)
{
  ScansOp *op = g_new0 (ScansOp, 1);

  op->editor = g_object_ref (self);
  op->cancellable = g_object_ref (self->scans_cancellable);
  return op;
}

static void
scans_op_free (ScansOp *op)
{
  g_object_unref (op->editor);
  g_object_unref (op->cancellable);
  g_free (op);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ScansOp, scans_op_free)

static gboolean
document_has_scans (QrsEditor *self)
{
  return self->document != NULL &&
         qrs_document_get_kind (self->document) == QRS_CODE_KIND_DYNAMIC &&
         qrs_document_get_id (self->document) > 0;
}

static QrsApplication *
get_application (void)
{
  GApplication *app = g_application_get_default ();

  return QRS_IS_APPLICATION (app) ? QRS_APPLICATION (app) : NULL;
}

static char *
format_count (guint64 count)
{
  /* The ' flag groups thousands as the locale does. */
  return g_strdup_printf ("%'" G_GUINT64_FORMAT, count);
}

static void
set_count_label (GtkLabel *label,
                 guint64   count)
{
  g_autofree char *text = format_count (count);

  gtk_label_set_label (label, text);
}

static void
show_scans_status (QrsEditor  *self,
                   const char *message)
{
  gtk_label_set_label (self->scans_status_label, message ? message : "");
  gtk_widget_set_visible (GTK_WIDGET (self->scans_status_label), message != NULL);
}

/* A busy code is rolled up every second or so: one reload a second is
 * as fresh as a person can read, and no storm of queries. */
#define SCANS_THROTTLE_MS 1000

static gboolean
scans_throttle_cb (gpointer user_data)
{
  QrsEditor *self = user_data;

  self->scans_throttle_id = 0;
  if (self->scans_heard)
    {
      self->scans_heard = FALSE;
      qrs_editor_refresh_scans (self);
      self->scans_throttle_id = g_timeout_add (SCANS_THROTTLE_MS, scans_throttle_cb, self);
    }
  return G_SOURCE_REMOVE;
}

static void
scans_heard (QrsEditor *self)
{
  if (self->scans_throttle_id != 0)
    {
      self->scans_heard = TRUE;
      return;
    }

  qrs_editor_refresh_scans (self);
  self->scans_throttle_id = g_timeout_add (SCANS_THROTTLE_MS, scans_throttle_cb, self);
}

static void
scans_notification_cb (QrsEditor   *self,
                       const char  *channel,
                       const char  *payload,
                       QrsDatabase *database)
{
  g_auto(GStrv) ids = NULL;
  gint64 id;

  if (!document_has_scans (self))
    return;

  /* No payload: the listener reconnected, and anything may have come. */
  if (payload == NULL || *payload == '\0')
    {
      scans_heard (self);
      return;
    }

  id = qrs_document_get_id (self->document);
  ids = g_strsplit (payload, ",", -1);
  for (guint i = 0; ids[i] != NULL; i++)
    {
      gint64 named;

      if (g_ascii_string_to_signed (g_strstrip (ids[i]), 10, 1, G_MAXINT64, &named, NULL) &&
          named == id)
        {
          scans_heard (self);
          return;
        }
    }
}

static void
listen_for_scans (QrsEditor *self)
{
  QrsDatabase *database = self->scan_store ? qrs_scan_store_get_database (self->scan_store) : NULL;
  g_autoptr(GError) error = NULL;

  if (database == self->listened)
    return;

  if (self->listened != NULL)
    {
      g_signal_handlers_disconnect_by_func (self->listened, scans_notification_cb, self);
      g_object_remove_weak_pointer (G_OBJECT (self->listened), (gpointer *)&self->listened);
      self->listened = NULL;
    }

  if (database == NULL)
    return;

  self->listened = database;
  g_object_add_weak_pointer (G_OBJECT (database), (gpointer *)&self->listened);
  g_signal_connect_object (database, "notification::" QRS_DATABASE_CHANNEL_SCANS,
                           G_CALLBACK (scans_notification_cb), self, G_CONNECT_SWAPPED);
  /* Never unlistened: other windows' editors hear on the same database,
   * and the listener is not counted per caller. */
  if (!qrs_database_listen (database, QRS_DATABASE_CHANNEL_SCANS, &error))
    g_warning ("Scan charts will not follow new scans: %s", error->message);
}

/* The store given to the editor, or else the open connection's database:
 * a scan store is a thin object, made again when the connection changes. */
static QrsScanStore *
ensure_scan_store (QrsEditor *self)
{
  QrsApplication *app;
  QrsDatabase *database;

  if (!self->scan_store_given)
    {
      app = get_application ();
      if (app == NULL || qrs_application_get_connection_state (app) != QRS_CONNECTION_STATE_OPEN)
        {
          g_clear_object (&self->scan_store);
        }
      else
        {
          database = qrs_code_store_get_database (qrs_connection_get_code_store (qrs_application_get_connection (app)));
          if (self->scan_store == NULL || qrs_scan_store_get_database (self->scan_store) != database)
            {
              g_clear_object (&self->scan_store);
              self->scan_store = qrs_scan_store_new (database);
            }
        }
    }

  listen_for_scans (self);
  return self->scan_store;
}

static void
scans_step_done (QrsEditor *self)
{
  if (self->scans_pending > 0 && --self->scans_pending == 0)
    self->scans_loads++;
}

/* Whether a result is the current load's: a range changed or a newer
 * load started meanwhile makes it stale. */
static gboolean
scans_op_is_current (ScansOp      *op,
                     const GError *error)
{
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return FALSE;
  return op->cancellable == op->editor->scans_cancellable;
}

static void
scans_failed (QrsEditor    *self,
              const GError *error)
{
  g_autofree char *message = g_strdup_printf (_("Could not load the scans: %s"), error->message);

  show_scans_status (self, message);
}

static const char *
breakdown_label (QrsScanDimension  dimension,
                 const char       *value)
{
  static const struct { const char *value; const char *label; } devices[] = {
    { "mobile", N_("Phones") },
    { "tablet", N_("Tablets") },
    { "desktop", N_("Computers") },
    { "bot", N_("Bots") },
    { "other", N_("Other Devices") },
  };

  if (value == NULL || *value == '\0')
    return _("Unknown");

  if (dimension == QRS_SCAN_DIMENSION_DEVICE)
    for (guint i = 0; i < G_N_ELEMENTS (devices); i++)
      if (g_str_equal (value, devices[i].value))
        return _(devices[i].label);

  /* Operating systems and browsers are names, the same in every language. */
  return value;
}

static AdwExpanderRow *
breakdown_expander (QrsEditor *self,
                    guint      index)
{
  AdwExpanderRow *rows[] = { self->scans_device_row, self->scans_os_row, self->scans_browser_row };

  g_assert (index < G_N_ELEMENTS (rows));
  return rows[index];
}

static void
clear_breakdown (QrsEditor *self,
                 guint      index)
{
  AdwExpanderRow *expander = breakdown_expander (self, index);
  GPtrArray *rows = self->breakdown_rows[index];

  for (guint i = 0; i < rows->len; i++)
    adw_expander_row_remove (expander, g_ptr_array_index (rows, i));
  g_ptr_array_set_size (rows, 0);
  adw_expander_row_set_subtitle (expander, "");
  adw_expander_row_set_enable_expansion (expander, FALSE);
}

static void
fill_breakdown (QrsEditor *self,
                guint      index,
                GArray    *counts)
{
  AdwExpanderRow *expander = breakdown_expander (self, index);
  QrsScanDimension dimension = breakdown_dimensions[index];
  /* A refresh must not fold what the person opened. */
  gboolean expanded = adw_expander_row_get_expanded (expander);

  clear_breakdown (self, index);

  if (counts->len == 0)
    {
      adw_expander_row_set_subtitle (expander, _("No scans yet"));
      return;
    }

  for (guint i = 0; i < counts->len; i++)
    {
      const QrsScanCount *count = &g_array_index (counts, QrsScanCount, i);
      GtkWidget *row = adw_action_row_new ();
      GtkWidget *label = gtk_label_new (NULL);

      /* Names come from strangers' user agents: never markup. */
      adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), breakdown_label (dimension, count->label));
      set_count_label (GTK_LABEL (label), count->scans);
      gtk_widget_add_css_class (label, "numeric");
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), label);
      adw_expander_row_add_row (expander, row);
      g_ptr_array_add (self->breakdown_rows[index], row);
    }

  {
    const QrsScanCount *top = &g_array_index (counts, QrsScanCount, 0);
    g_autofree char *escaped = g_markup_escape_text (breakdown_label (dimension, top->label), -1);
    g_autofree char *subtitle = NULL;

    /* Translators: under "Devices", "Browsers" …: the most frequent one. */
    subtitle = g_strdup_printf (_("Mostly %s"), escaped);
    adw_expander_row_set_subtitle (expander, subtitle);
    adw_expander_row_set_enable_expansion (expander, TRUE);
    adw_expander_row_set_expanded (expander, expanded);
  }
}

/* One load is one snapshot of the database (see
 * qrs_scan_store_get_summary()): the chart, the totals and the
 * breakdowns always count the same scans. */
static void
summary_cb (GObject      *object,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(ScansOp) op = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(QrsScanSummary) summary = qrs_scan_store_get_summary_finish (QRS_SCAN_STORE (object),
                                                                         result, &error);
  QrsEditor *self = op->editor;

  if (!scans_op_is_current (op, error))
    return;

  if (summary == NULL)
    scans_failed (self, error);
  else
    {
      qrs_scan_chart_set_days (self->scan_chart, summary->days);
      set_count_label (self->scans_total_label, summary->totals.scans);
      set_count_label (self->scans_visitors_label, summary->totals.visitors);
      set_count_label (self->scans_bots_label, summary->totals.bots);
      g_assert (summary->counts->len == G_N_ELEMENTS (breakdown_dimensions));
      for (guint i = 0; i < summary->counts->len; i++)
        fill_breakdown (self, i, g_ptr_array_index (summary->counts, i));
    }
  scans_step_done (self);
}

static void
clear_scans (QrsEditor *self)
{
  qrs_scan_chart_set_days (self->scan_chart, NULL);
  gtk_label_set_label (self->scans_total_label, "—");
  gtk_label_set_label (self->scans_visitors_label, "—");
  gtk_label_set_label (self->scans_bots_label, "—");
  for (guint i = 0; i < G_N_ELEMENTS (breakdown_dimensions); i++)
    clear_breakdown (self, i);
}

/**
 * qrs_editor_refresh_scans:
 * @self: a #QrsEditor
 *
 * Loads the scans of the document's code again, for the range shown, on
 * the store's worker threads.  The editor does this by itself when the
 * document or the range changes and when the database says new scans of
 * this code were rolled up; call it when you know of others.
 */
void
qrs_editor_refresh_scans (QrsEditor *self)
{
  QrsScanStore *store;
  g_autoptr(GDateTime) now = NULL;
  GDate first, last;
  guint days;
  gint64 id;

  g_return_if_fail (QRS_IS_EDITOR (self));

  g_cancellable_cancel (self->scans_cancellable);
  g_clear_object (&self->scans_cancellable);
  self->scans_pending = 0;

  /* Disposed: the template is gone. */
  if (self->scans_group == NULL)
    return;

  store = ensure_scan_store (self);
  gtk_widget_set_visible (GTK_WIDGET (self->scans_group), document_has_scans (self));
  if (!document_has_scans (self))
    return;

  if (store == NULL)
    {
      clear_scans (self);
      show_scans_status (self, _("Scans are shown while the database is connected."));
      return;
    }
  show_scans_status (self, NULL);

  id = qrs_document_get_id (self->document);
  days = qrs_editor_get_scan_range (self);

  /* UTC days, as the rollups count them; the last one is today. */
  now = g_date_time_new_now_utc ();
  g_date_clear (&last, 1);
  g_date_set_dmy (&last, g_date_time_get_day_of_month (now), g_date_time_get_month (now),
                  g_date_time_get_year (now));
  first = last;
  g_date_subtract_days (&first, days - 1);

  self->scans_cancellable = g_cancellable_new ();
  self->scans_pending = 1;
  qrs_scan_store_get_summary_async (store, id, &first, &last,
                                    breakdown_dimensions, G_N_ELEMENTS (breakdown_dimensions),
                                    BREAKDOWN_LIMIT, self->scans_cancellable,
                                    summary_cb, scans_op_new (self));
}

/**
 * qrs_editor_set_scan_store:
 * @self: a #QrsEditor
 * @store: (nullable): where to read scans, or %NULL to follow the
 *   application's connection
 */
void
qrs_editor_set_scan_store (QrsEditor    *self,
                           QrsScanStore *store)
{
  g_return_if_fail (QRS_IS_EDITOR (self));
  g_return_if_fail (store == NULL || QRS_IS_SCAN_STORE (store));

  self->scan_store_given = store != NULL;
  g_set_object (&self->scan_store, store);
  qrs_editor_refresh_scans (self);
}

/**
 * qrs_editor_get_scan_store:
 * @self: a #QrsEditor
 *
 * Returns: (transfer none) (nullable): where the scans are read from
 */
QrsScanStore *
qrs_editor_get_scan_store (QrsEditor *self)
{
  g_return_val_if_fail (QRS_IS_EDITOR (self), NULL);

  return self->scan_store;
}

/**
 * qrs_editor_get_scan_range:
 * @self: a #QrsEditor
 *
 * Returns: how many days, ending today, the scans are shown for
 */
guint
qrs_editor_get_scan_range (QrsEditor *self)
{
  guint selected;

  g_return_val_if_fail (QRS_IS_EDITOR (self), 0);

  selected = gtk_drop_down_get_selected (self->scans_range_dropdown);
  return scan_range_days[MIN (selected, G_N_ELEMENTS (scan_range_days) - 1)];
}

/**
 * qrs_editor_set_scan_range:
 * @self: a #QrsEditor
 * @days: 7, 30 or 90
 */
void
qrs_editor_set_scan_range (QrsEditor *self,
                           guint      days)
{
  g_return_if_fail (QRS_IS_EDITOR (self));

  for (guint i = 0; i < G_N_ELEMENTS (scan_range_days); i++)
    if (scan_range_days[i] == days)
      {
        gtk_drop_down_set_selected (self->scans_range_dropdown, i);
        return;
      }

  g_return_if_reached ();
}

static void
scans_range_changed_cb (QrsEditor *self)
{
  qrs_editor_refresh_scans (self);
}

/* Opened, closed or another database: the store follows. */
static void
connection_state_changed_cb (QrsEditor *self)
{
  qrs_editor_refresh_scans (self);
}

/* GObject ------------------------------------------------------------- */

static void
qrs_editor_dispose (GObject *object)
{
  QrsEditor *self = (QrsEditor *)object;

  g_cancellable_cancel (self->logo_cancellable);
  g_clear_object (&self->logo_cancellable);
  g_clear_object (&self->logo_chooser);

  g_cancellable_cancel (self->scans_cancellable);
  g_clear_object (&self->scans_cancellable);
  g_cancellable_cancel (self->state_cancellable);
  g_clear_object (&self->state_cancellable);
  g_clear_handle_id (&self->scans_throttle_id, g_source_remove);
  forget_set_aside (self);
  g_clear_object (&self->scan_store);
  listen_for_scans (self);

  if (self->document != NULL)
    {
      g_signal_handlers_disconnect_by_func (self->document, document_notify_cb, self);
      g_signal_handlers_disconnect_by_func (self->design, design_notify_cb, self);
    }
  g_clear_object (&self->document);
  g_clear_object (&self->design);

  gtk_widget_dispose_template (GTK_WIDGET (self), QRS_TYPE_EDITOR);

  G_OBJECT_CLASS (qrs_editor_parent_class)->dispose (object);
}

static void
qrs_editor_finalize (GObject *object)
{
  QrsEditor *self = (QrsEditor *)object;

  g_clear_pointer (&self->entries, g_ptr_array_unref);
  g_clear_pointer (&self->add_buttons, g_hash_table_unref);
  for (guint i = 0; i < G_N_ELEMENTS (self->breakdown_rows); i++)
    g_clear_pointer (&self->breakdown_rows[i], g_ptr_array_unref);

  G_OBJECT_CLASS (qrs_editor_parent_class)->finalize (object);
}

static void
qrs_editor_get_property (GObject    *object,
                         guint       prop_id,
                         GValue     *value,
                         GParamSpec *pspec)
{
  QrsEditor *self = QRS_EDITOR (object);

  switch (prop_id)
    {
    case PROP_DOCUMENT:
      g_value_set_object (value, self->document);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
qrs_editor_set_property (GObject      *object,
                         guint         prop_id,
                         const GValue *value,
                         GParamSpec   *pspec)
{
  QrsEditor *self = QRS_EDITOR (object);

  switch (prop_id)
    {
    case PROP_DOCUMENT:
      qrs_editor_set_document (self, g_value_get_object (value));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
qrs_editor_class_init (QrsEditorClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = qrs_editor_dispose;
  object_class->finalize = qrs_editor_finalize;
  object_class->get_property = qrs_editor_get_property;
  object_class->set_property = qrs_editor_set_property;

  properties[PROP_DOCUMENT] =
    g_param_spec_object ("document", NULL, NULL, QRS_TYPE_DOCUMENT,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * QrsEditor::show-message:
   *
   * Something the person should hear about that has no field of its
   * own, for the window to show as a toast.
   */
  signals[SHOW_MESSAGE] =
    g_signal_new ("show-message", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);

  g_type_ensure (QRS_TYPE_SCAN_CHART);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/qrstudio/QrStudio/ui/qrs-editor.ui");
  gtk_widget_class_bind_template_child (widget_class, QrsEditor, type_row);
  gtk_widget_class_bind_template_child (widget_class, QrsEditor, dynamic_row);
  gtk_widget_class_bind_template_child (widget_class, QrsEditor, dynamic_switch);
  gtk_widget_class_bind_template_child (widget_class, QrsEditor, short_url_row);
  gtk_widget_class_bind_template_child (widget_class, QrsEditor, copy_short_url_button);
  gtk_widget_class_bind_template_child (widget_class, QrsEditor, open_short_url_button);
  gtk_widget_class_bind_template_child (widget_class, QrsEditor, enabled_row);
  gtk_widget_class_bind_template_child (widget_class, QrsEditor, enabled_switch);
  gtk_widget_class_bind_template_child (widget_class, QrsEditor, expiry_row);
  gtk_widget_class_bind_template_child (widget_class, QrsEditor, expiry_button);
  gtk_widget_class_bind_template_child (widget_class, QrsEditor, expiry_calendar);
  gtk_widget_class_bind_template_child (widget_class, QrsEditor, expiry_set_button);
  gtk_widget_class_bind_template_child (widget_class, QrsEditor, expiry_clear_button);
  gtk_widget_class_bind_template_child (widget_class, QrsEditor, fields_group);
  gtk_widget_class_bind_template_child (widget_class, QrsEditor, fields_list);
  gtk_widget_class_bind_template_child (widget_class, QrsEditor, title_row);
  gtk_widget_class_bind_template_child (widget_class, QrsEditor, description_row);
  gtk_widget_class_bind_template_child (widget_class, QrsEditor, tags_row);
  gtk_widget_class_bind_template_child (widget_class, QrsEditor, foreground_button);
  gtk_widget_class_bind_template_child (widget_class, QrsEditor, background_button);
  gtk_widget_class_bind_template_child (widget_class, QrsEditor, contrast_row);
  gtk_widget_class_bind_template_child (widget_class, QrsEditor, contrast_label);
  gtk_widget_class_bind_template_child (widget_class, QrsEditor, finder_switch);
  gtk_widget_class_bind_template_child (widget_class, QrsEditor, finder_button);
  gtk_widget_class_bind_template_child (widget_class, QrsEditor, alignment_switch);
  gtk_widget_class_bind_template_child (widget_class, QrsEditor, alignment_button);
  gtk_widget_class_bind_template_child (widget_class, QrsEditor, inverted_row);
  gtk_widget_class_bind_template_child (widget_class, QrsEditor, inverted_switch);
  gtk_widget_class_bind_template_child (widget_class, QrsEditor, shape_row);
  gtk_widget_class_bind_template_child (widget_class, QrsEditor, ec_row);
  gtk_widget_class_bind_template_child (widget_class, QrsEditor, quiet_zone_spin);
  gtk_widget_class_bind_template_child (widget_class, QrsEditor, micro_row);
  gtk_widget_class_bind_template_child (widget_class, QrsEditor, micro_switch);
  gtk_widget_class_bind_template_child (widget_class, QrsEditor, logo_row);
  gtk_widget_class_bind_template_child (widget_class, QrsEditor, logo_choose_button);
  gtk_widget_class_bind_template_child (widget_class, QrsEditor, logo_remove_button);
  gtk_widget_class_bind_template_child (widget_class, QrsEditor, logo_ratio_spin);
  gtk_widget_class_bind_template_child (widget_class, QrsEditor, caption_row);
  gtk_widget_class_bind_template_child (widget_class, QrsEditor, caption_font_button);
  gtk_widget_class_bind_template_child (widget_class, QrsEditor, caption_color_button);
  gtk_widget_class_bind_template_child (widget_class, QrsEditor, caption_position_row);
  gtk_widget_class_bind_template_child (widget_class, QrsEditor, size_spin);
  gtk_widget_class_bind_template_child (widget_class, QrsEditor, size_adjustment);
  gtk_widget_class_bind_template_child (widget_class, QrsEditor, unit_dropdown);
  gtk_widget_class_bind_template_child (widget_class, QrsEditor, dpi_spin);
  gtk_widget_class_bind_template_child (widget_class, QrsEditor, scans_group);
  gtk_widget_class_bind_template_child (widget_class, QrsEditor, scans_range_dropdown);
  gtk_widget_class_bind_template_child (widget_class, QrsEditor, scan_chart);
  gtk_widget_class_bind_template_child (widget_class, QrsEditor, scans_status_label);
  gtk_widget_class_bind_template_child (widget_class, QrsEditor, scans_total_label);
  gtk_widget_class_bind_template_child (widget_class, QrsEditor, scans_visitors_label);
  gtk_widget_class_bind_template_child (widget_class, QrsEditor, scans_bots_label);
  gtk_widget_class_bind_template_child (widget_class, QrsEditor, scans_device_row);
  gtk_widget_class_bind_template_child (widget_class, QrsEditor, scans_os_row);
  gtk_widget_class_bind_template_child (widget_class, QrsEditor, scans_browser_row);
}

static void
qrs_editor_init (QrsEditor *self)
{
  g_autoptr(GtkStringList) types = gtk_string_list_new (NULL);

  gtk_widget_init_template (GTK_WIDGET (self));

  self->state_cancellable = g_cancellable_new ();
  self->entries = g_ptr_array_new_with_free_func (field_entry_free);
  self->add_buttons = g_hash_table_new (g_str_hash, g_str_equal);
  for (guint i = 0; i < G_N_ELEMENTS (self->breakdown_rows); i++)
    self->breakdown_rows[i] = g_ptr_array_new ();

  for (guint i = 0; i < G_N_ELEMENTS (payload_type_labels); i++)
    gtk_string_list_append (types, _(payload_type_labels[i]));
  adw_combo_row_set_model (self->type_row, G_LIST_MODEL (types));

  g_signal_connect_swapped (self->type_row, "notify::selected", G_CALLBACK (type_selected_cb), self);
  g_signal_connect_swapped (self->dynamic_switch, "notify::active", G_CALLBACK (dynamic_active_cb), self);
  g_signal_connect_swapped (self->copy_short_url_button, "clicked", G_CALLBACK (copy_short_url_cb), self);
  g_signal_connect_swapped (self->enabled_switch, "notify::active", G_CALLBACK (enabled_active_cb), self);
  g_signal_connect_swapped (self->expiry_set_button, "clicked", G_CALLBACK (expiry_set_cb), self);
  g_signal_connect_swapped (self->expiry_clear_button, "clicked", G_CALLBACK (expiry_clear_cb), self);
  g_signal_connect_swapped (self->open_short_url_button, "clicked", G_CALLBACK (open_short_url_cb), self);
  g_signal_connect_swapped (self->title_row, "changed", G_CALLBACK (title_changed_cb), self);
  g_signal_connect_swapped (self->description_row, "changed", G_CALLBACK (description_changed_cb), self);
  g_signal_connect_swapped (self->tags_row, "changed", G_CALLBACK (tags_changed_cb), self);
  g_signal_connect_swapped (self->foreground_button, "notify::rgba", G_CALLBACK (colors_changed_cb), self);
  g_signal_connect_swapped (self->background_button, "notify::rgba", G_CALLBACK (colors_changed_cb), self);
  g_signal_connect_swapped (self->caption_color_button, "notify::rgba", G_CALLBACK (colors_changed_cb), self);
  g_signal_connect_swapped (self->finder_button, "notify::rgba", G_CALLBACK (colors_changed_cb), self);
  g_signal_connect_swapped (self->finder_switch, "notify::active", G_CALLBACK (colors_changed_cb), self);
  g_signal_connect_swapped (self->alignment_button, "notify::rgba", G_CALLBACK (colors_changed_cb), self);
  g_signal_connect_swapped (self->alignment_switch, "notify::active", G_CALLBACK (colors_changed_cb), self);
  g_signal_connect_swapped (self->inverted_switch, "notify::active", G_CALLBACK (inverted_active_cb), self);
  g_signal_connect_swapped (self->shape_row, "notify::selected", G_CALLBACK (symbol_changed_cb), self);
  g_signal_connect_swapped (self->ec_row, "notify::selected", G_CALLBACK (symbol_changed_cb), self);
  g_signal_connect_swapped (self->micro_switch, "notify::active", G_CALLBACK (symbol_changed_cb), self);
  g_signal_connect_swapped (self->quiet_zone_spin, "value-changed", G_CALLBACK (quiet_zone_changed_cb), self);
  g_signal_connect_swapped (self->logo_ratio_spin, "value-changed", G_CALLBACK (logo_ratio_changed_cb), self);
  g_signal_connect_swapped (self->logo_choose_button, "clicked", G_CALLBACK (logo_choose_cb), self);
  g_signal_connect_swapped (self->logo_remove_button, "clicked", G_CALLBACK (logo_remove_cb), self);
  g_signal_connect_swapped (self->caption_row, "changed", G_CALLBACK (caption_changed_cb), self);
  g_signal_connect_swapped (self->caption_font_button, "notify::font", G_CALLBACK (caption_changed_cb), self);
  g_signal_connect_swapped (self->caption_position_row, "notify::selected", G_CALLBACK (caption_changed_cb), self);
  g_signal_connect_swapped (self->size_spin, "value-changed", G_CALLBACK (size_changed_cb), self);
  g_signal_connect_swapped (self->unit_dropdown, "notify::selected", G_CALLBACK (unit_changed_cb), self);
  g_signal_connect_swapped (self->dpi_spin, "value-changed", G_CALLBACK (dpi_changed_cb), self);
  g_signal_connect_swapped (self->scans_range_dropdown, "notify::selected",
                            G_CALLBACK (scans_range_changed_cb), self);
  if (get_application () != NULL)
    g_signal_connect_object (get_application (), "notify::connection-state",
                             G_CALLBACK (connection_state_changed_cb), self, G_CONNECT_SWAPPED);

  {
    g_autoptr(QrsDocument) document = qrs_document_new ();

    qrs_editor_set_document (self, document);
  }
}

GtkWidget *
qrs_editor_new (void)
{
  return g_object_new (QRS_TYPE_EDITOR, NULL);
}

/**
 * qrs_editor_get_document:
 *
 * Returns: (transfer none): the document being edited
 */
QrsDocument *
qrs_editor_get_document (QrsEditor *self)
{
  g_return_val_if_fail (QRS_IS_EDITOR (self), NULL);

  return self->document;
}

void
qrs_editor_set_document (QrsEditor   *self,
                         QrsDocument *document)
{
  g_return_if_fail (QRS_IS_EDITOR (self));
  g_return_if_fail (QRS_IS_DOCUMENT (document));

  if (self->document == document)
    return;

  if (self->document != NULL)
    {
      g_signal_handlers_disconnect_by_func (self->document, document_notify_cb, self);
      g_signal_handlers_disconnect_by_func (self->design, design_notify_cb, self);
    }

  forget_set_aside (self);
  g_set_object (&self->document, document);
  g_set_object (&self->design, qrs_document_get_design (document));

  g_signal_connect_object (document, "notify", G_CALLBACK (document_notify_cb), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (self->design, "notify", G_CALLBACK (design_notify_cb), self,
                           G_CONNECT_SWAPPED);

  self->updating++;
  sync_kind (self);
  sync_payload (self);
  set_editable_text (self->tags_row, NULL);
  sync_tags (self);
  self->updating--;
  sync_from_design (self, NULL);
  qrs_editor_refresh_scans (self);

  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_DOCUMENT]);
}

/* For tests ----------------------------------------------------------- */

static FieldEntry *
find_entry (QrsEditor  *self,
            const char *field,
            guint       index)
{
  for (guint i = 0; i < self->entries->len; i++)
    {
      FieldEntry *entry = g_ptr_array_index (self->entries, i);

      if (g_str_equal (entry->field->name, field) && index-- == 0)
        return entry;
    }

  return NULL;
}

GtkWidget *
qrs_editor_get_field_row (QrsEditor  *self,
                          const char *field,
                          guint       index)
{
  FieldEntry *entry = find_entry (self, field, index);

  return entry ? entry->row : NULL;
}

GtkWidget *
qrs_editor_get_field_add_button (QrsEditor  *self,
                                 const char *field)
{
  return g_hash_table_lookup (self->add_buttons, field);
}

const char *
qrs_editor_get_field_error (QrsEditor  *self,
                            const char *field)
{
  for (guint i = 0; i < self->entries->len; i++)
    {
      FieldEntry *entry = g_ptr_array_index (self->entries, i);

      if (g_str_equal (entry->field->name, field) && entry->error != NULL)
        return entry->error;
    }

  return NULL;
}

QrsScanChart *
qrs_editor_get_scan_chart (QrsEditor *self)
{
  return self->scan_chart;
}

guint
qrs_editor_get_scan_loads (QrsEditor *self)
{
  return self->scans_loads;
}

guint
qrs_editor_get_state_pending (QrsEditor *self)
{
  return self->state_pending;
}

GtkCalendar *
qrs_editor_get_field_calendar (QrsEditor  *self,
                               const char *field,
                               GtkWidget **apply)
{
  FieldEntry *entry = find_entry (self, field, 0);

  if (entry == NULL || entry->calendar == NULL)
    return NULL;
  if (apply != NULL)
    *apply = entry->calendar_apply;

  return entry->calendar;
}
