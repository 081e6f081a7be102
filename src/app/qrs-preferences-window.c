/* qrs-preferences-window.c — appearance, export defaults, scanning checks
 *
 * Every row is bound to its setting, so changes apply at once.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include <glib/gi18n-lib.h>

#include "qrs-application.h"
#include "qrs-preferences-window.h"

struct _QrsPreferencesWindow
{
  AdwPreferencesWindow  parent_instance;

  GSettings            *settings;

  AdwComboRow          *color_scheme_row;
  AdwComboRow          *format_row;
  GtkSpinButton        *size_spin;
  GtkDropDown          *unit_dropdown;
  GtkSpinButton        *dpi_spin;
  GtkSpinButton        *distance_spin;
  AdwEntryRow          *redirect_base_row;
  AdwEntryRow          *database_row;
  GtkLabel             *database_error_label;
};

G_DEFINE_FINAL_TYPE (QrsPreferencesWindow, qrs_preferences_window, ADW_TYPE_PREFERENCES_WINDOW)

static const char * const color_scheme_nicks[] = { "default", "light", "dark", NULL };
static const char * const format_nicks[] = { "png", "svg", "pdf", "eps", "jpeg", "webp", NULL };
static const char * const unit_nicks[] = { "px", "mm", "cm", "in", NULL };

/* An enum setting shown as the selected item of a list, both in the
 * order of the schema's enum. */
static gboolean
nick_get_mapping (GValue   *value,
                  GVariant *variant,
                  gpointer  user_data)
{
  const char * const *nicks = user_data;
  const char *nick = g_variant_get_string (variant, NULL);

  for (guint i = 0; nicks[i] != NULL; i++)
    if (g_str_equal (nick, nicks[i]))
      {
        g_value_set_uint (value, i);
        return TRUE;
      }

  return FALSE;
}

static GVariant *
nick_set_mapping (const GValue       *value,
                  const GVariantType *expected_type,
                  gpointer            user_data)
{
  const char * const *nicks = user_data;
  guint i = g_value_get_uint (value);

  if (i >= g_strv_length ((char **)nicks))
    return NULL;

  return g_variant_new_string (nicks[i]);
}

static void
bind_nick (QrsPreferencesWindow *self,
           const char           *key,
           gpointer              object,
           const char * const   *nicks)
{
  g_settings_bind_with_mapping (self->settings, key, object, "selected",
                                G_SETTINGS_BIND_DEFAULT,
                                nick_get_mapping, nick_set_mapping,
                                (gpointer)nicks, NULL);
}

static void
redirect_base_apply_cb (QrsPreferencesWindow *self)
{
  g_autofree char *text = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->redirect_base_row))));
  g_autoptr(GUri) uri = g_uri_parse (text, G_URI_FLAGS_NONE, NULL);
  const char *scheme = uri ? g_uri_get_scheme (uri) : NULL;

  if (uri == NULL || (g_strcmp0 (scheme, "http") != 0 && g_strcmp0 (scheme, "https") != 0) ||
      g_uri_get_host (uri) == NULL || g_uri_get_host (uri)[0] == '\0')
    {
      gtk_widget_add_css_class (GTK_WIDGET (self->redirect_base_row), "error");
      adw_preferences_window_add_toast (ADW_PREFERENCES_WINDOW (self),
                                        adw_toast_new (_("Enter an http or https address, such as https://qr.example.edu/r/")));
      return;
    }

  gtk_widget_remove_css_class (GTK_WIDGET (self->redirect_base_row), "error");
  g_settings_set_string (self->settings, "redirect-base-url", text);
}

/* A conninfo value as libpq reads it: bare up to white space, or in single
 * quotes with backslash escapes.  Returns where the value ends. */
static const char *
skip_conninfo_value (const char *p)
{
  if (*p != '\'')
    {
      while (*p != '\0' && !g_ascii_isspace (*p))
        p++;
      return p;
    }

  for (p++; *p != '\0' && *p != '\''; p++)
    if (*p == '\\' && p[1] != '\0')
      p++;

  return *p == '\'' ? p + 1 : p;
}

/* Whether a connection string carries a password: password=… in the
 * key=value form, or in a URI as user:password@ or ?password=. */
static gboolean
conninfo_has_password (const char *conninfo)
{
  const char *p = conninfo;

  if (g_str_has_prefix (conninfo, "postgresql://") || g_str_has_prefix (conninfo, "postgres://"))
    {
      const char *authority = strstr (conninfo, "://") + 3;
      const char *end = authority + strcspn (authority, "/?");
      const char *query = strchr (conninfo, '?');
      const char *at = g_strrstr_len (authority, end - authority, "@");

      if (at != NULL && memchr (authority, ':', at - authority) != NULL)
        return TRUE;

      if (query != NULL)
        {
          g_auto(GStrv) params = g_strsplit (query + 1, "&", -1);

          for (guint i = 0; params[i] != NULL; i++)
            if (g_ascii_strncasecmp (params[i], "password=", strlen ("password=")) == 0)
              return TRUE;
        }

      return FALSE;
    }

  while (*p != '\0')
    {
      const char *key;
      gsize key_len;

      while (g_ascii_isspace (*p))
        p++;
      if (*p == '\0')
        break;

      key = p;
      while (*p != '\0' && *p != '=' && !g_ascii_isspace (*p))
        p++;
      key_len = p - key;
      while (g_ascii_isspace (*p))
        p++;
      if (*p != '=')
        return FALSE; /* not a connection string libpq would take anyway */
      p++;
      while (g_ascii_isspace (*p))
        p++;

      if (key_len == strlen ("password") && strncmp (key, "password", key_len) == 0)
        return TRUE;

      p = skip_conninfo_value (p);
    }

  return FALSE;
}

static void
set_database_error (QrsPreferencesWindow *self,
                    const char           *message)
{
  GtkWidget *row = GTK_WIDGET (self->database_row);

  gtk_label_set_text (self->database_error_label, message ? message : "");
  gtk_widget_set_visible (GTK_WIDGET (self->database_error_label), message != NULL);

  if (message != NULL)
    {
      gtk_widget_add_css_class (row, "error");
      gtk_accessible_update_state (GTK_ACCESSIBLE (row), GTK_ACCESSIBLE_STATE_INVALID,
                                   GTK_ACCESSIBLE_INVALID_TRUE, -1);
      gtk_accessible_update_property (GTK_ACCESSIBLE (row), GTK_ACCESSIBLE_PROPERTY_DESCRIPTION,
                                      message, -1);
    }
  else
    {
      gtk_widget_remove_css_class (row, "error");
      gtk_accessible_reset_state (GTK_ACCESSIBLE (row), GTK_ACCESSIBLE_STATE_INVALID);
      gtk_accessible_reset_property (GTK_ACCESSIBLE (row), GTK_ACCESSIBLE_PROPERTY_DESCRIPTION);
    }
}

static void
database_apply_cb (QrsPreferencesWindow *self)
{
  g_autofree char *text = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->database_row))));
  GApplication *app = g_application_get_default ();

  /* The setting is kept as typed, in plain text: a password does not
   * belong there, and libpq reads ~/.pgpass by itself. */
  if (conninfo_has_password (text))
    {
      set_database_error (self, _("A password here would be kept in plain text. Remove it, and put it in ~/.pgpass instead "
                                  "(one line: host:port:database:user:password, readable only by you)."));
      return;
    }

  set_database_error (self, NULL);
  g_settings_set_string (self->settings, "database", text);

  /* Straight away, so the person sees at once whether it works. */
  if (QRS_IS_APPLICATION (app))
    qrs_application_reconnect (QRS_APPLICATION (app));
}

static void
qrs_preferences_window_dispose (GObject *object)
{
  gtk_widget_dispose_template (GTK_WIDGET (object), QRS_TYPE_PREFERENCES_WINDOW);

  G_OBJECT_CLASS (qrs_preferences_window_parent_class)->dispose (object);
}

static void
qrs_preferences_window_finalize (GObject *object)
{
  QrsPreferencesWindow *self = (QrsPreferencesWindow *)object;

  g_clear_object (&self->settings);

  G_OBJECT_CLASS (qrs_preferences_window_parent_class)->finalize (object);
}

static void
qrs_preferences_window_class_init (QrsPreferencesWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = qrs_preferences_window_dispose;
  object_class->finalize = qrs_preferences_window_finalize;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/qrstudio/QrStudio/ui/qrs-preferences-window.ui");
  gtk_widget_class_bind_template_child (widget_class, QrsPreferencesWindow, color_scheme_row);
  gtk_widget_class_bind_template_child (widget_class, QrsPreferencesWindow, format_row);
  gtk_widget_class_bind_template_child (widget_class, QrsPreferencesWindow, size_spin);
  gtk_widget_class_bind_template_child (widget_class, QrsPreferencesWindow, unit_dropdown);
  gtk_widget_class_bind_template_child (widget_class, QrsPreferencesWindow, dpi_spin);
  gtk_widget_class_bind_template_child (widget_class, QrsPreferencesWindow, distance_spin);
  gtk_widget_class_bind_template_child (widget_class, QrsPreferencesWindow, redirect_base_row);
  gtk_widget_class_bind_template_child (widget_class, QrsPreferencesWindow, database_row);
  gtk_widget_class_bind_template_child (widget_class, QrsPreferencesWindow, database_error_label);
}

static void
qrs_preferences_window_init (QrsPreferencesWindow *self)
{
  g_autofree char *base = NULL;

  gtk_widget_init_template (GTK_WIDGET (self));

  self->settings = g_settings_new (APP_ID);

  bind_nick (self, "color-scheme", self->color_scheme_row, color_scheme_nicks);
  bind_nick (self, "export-format", self->format_row, format_nicks);
  bind_nick (self, "export-size-unit", self->unit_dropdown, unit_nicks);
  g_settings_bind (self->settings, "export-size", self->size_spin, "value", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (self->settings, "export-dpi", self->dpi_spin, "value", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (self->settings, "scanning-distance", self->distance_spin, "value",
                   G_SETTINGS_BIND_DEFAULT);

  /* Applied with Enter or the apply button, not on every keystroke: a
   * half-typed address is not worth saving. */
  base = g_settings_get_string (self->settings, "redirect-base-url");
  gtk_editable_set_text (GTK_EDITABLE (self->redirect_base_row), base);
  g_signal_connect_swapped (self->redirect_base_row, "apply", G_CALLBACK (redirect_base_apply_cb), self);

  {
    g_autofree char *database = g_settings_get_string (self->settings, "database");

    gtk_editable_set_text (GTK_EDITABLE (self->database_row), database);
    g_signal_connect_swapped (self->database_row, "apply", G_CALLBACK (database_apply_cb), self);
  }
}

GtkWidget *
qrs_preferences_window_new (void)
{
  return g_object_new (QRS_TYPE_PREFERENCES_WINDOW, NULL);
}
