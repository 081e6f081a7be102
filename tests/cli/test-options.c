/* test-options.c — the payload and design options that the command line
 * and the batch CSV columns share
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include <glib/gstdio.h>

#include "qrs-cli-options-private.h"

static void
test_options_payload_keys (void)
{
  static const char * const special[] = { "type", "format", "filename" };
  static const struct { const char *name; QrsPayloadType payload_type; const char *field; gboolean multiple; gboolean flag; } known[] = {
    { "text",          QRS_PAYLOAD_TYPE_TEXT,  "text",    FALSE, FALSE },
    { "url",           QRS_PAYLOAD_TYPE_URL,   "url",     FALSE, FALSE },
    { "wifi-ssid",     QRS_PAYLOAD_TYPE_WIFI,  "ssid",    FALSE, FALSE },
    { "wifi-hidden",   QRS_PAYLOAD_TYPE_WIFI,  "hidden",  FALSE, TRUE },
    { "vcard-phone",   QRS_PAYLOAD_TYPE_VCARD, "phone",   TRUE,  FALSE },
    { "vcard-url",     QRS_PAYLOAD_TYPE_VCARD, "url",     FALSE, FALSE },
    { "email-to",      QRS_PAYLOAD_TYPE_EMAIL, "to",      TRUE,  FALSE },
    { "phone-number",  QRS_PAYLOAD_TYPE_PHONE, "number",  FALSE, FALSE },
    { "geo-latitude",  QRS_PAYLOAD_TYPE_GEO,   "latitude", FALSE, FALSE },
    { "event-summary", QRS_PAYLOAD_TYPE_EVENT, "summary", FALSE, FALSE },
    { "event-all-day", QRS_PAYLOAD_TYPE_EVENT, "all-day", FALSE, TRUE },
  };
  const QrsCliPayloadKey * const *keys;
  guint n_keys = 0;
  guint n_fields = 0;

  keys = qrs_cli_payload_keys (&n_keys);

  /* One key for every field of every type, and one name for each key. */
  for (QrsPayloadType t = QRS_PAYLOAD_TYPE_TEXT; t <= QRS_PAYLOAD_TYPE_EVENT; t++)
    {
      const QrsPayloadField *fields;
      guint n = 0;

      fields = qrs_payload_type_get_fields (t, &n);
      g_assert_cmpuint (n, >, 0);
      n_fields += n;

      for (guint i = 0; i < n; i++)
        {
          guint found = 0;

          for (guint k = 0; k < n_keys; k++)
            if (keys[k]->payload_type == t && keys[k]->field == &fields[i])
              {
                found++;
                g_assert_true (qrs_cli_payload_key_lookup (keys[k]->name) == keys[k]);
                g_assert_null (qrs_cli_design_key_lookup (keys[k]->name));
              }
          g_assert_cmpuint (found, ==, 1);
        }
    }
  g_assert_cmpuint (n_keys, ==, n_fields);

  for (guint i = 0; i < G_N_ELEMENTS (known); i++)
    {
      const QrsCliPayloadKey *key = qrs_cli_payload_key_lookup (known[i].name);

      g_assert_nonnull (key);
      g_assert_cmpstr (key->name, ==, known[i].name);
      g_assert_cmpint (key->payload_type, ==, known[i].payload_type);
      g_assert_cmpstr (key->field->name, ==, known[i].field);
      g_assert_cmpint (key->field->multiple, ==, known[i].multiple);
      g_assert_cmpint (qrs_cli_payload_key_is_flag (key), ==, known[i].flag);
    }

  g_assert_null (qrs_cli_payload_key_lookup ("ssid"));
  g_assert_null (qrs_cli_payload_key_lookup ("text-text"));
  g_assert_null (qrs_cli_payload_key_lookup (NULL));

  for (guint i = 0; i < G_N_ELEMENTS (special); i++)
    {
      g_assert_null (qrs_cli_payload_key_lookup (special[i]));
      g_assert_null (qrs_cli_design_key_lookup (special[i]));
    }
}

/* No two options share a name: GOption would refuse, and a CSV column
 * would be ambiguous. */
static void
test_options_names_unique (void)
{
  g_autoptr(GOptionContext) context = g_option_context_new (NULL);
  g_autoptr(QrsCliPayloadBuilder) builder = qrs_cli_payload_builder_new ();
  g_autoptr(QrsCliDesignOptions) design_options = qrs_cli_design_options_new ();
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  g_autofree char *help = NULL;
  g_auto(GStrv) lines = NULL;

  g_option_context_add_group (context, qrs_cli_payload_option_group_new (builder));
  g_option_context_add_group (context, qrs_cli_design_option_group_new (design_options));
  help = g_option_context_get_help (context, FALSE, NULL);
  lines = g_strsplit (help, "\n", -1);

  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_autofree char *line = g_strstrip (g_strdup (lines[i]));
      char *end;

      if (!g_str_has_prefix (line, "--") || g_str_has_prefix (line, "--help"))
        continue;

      end = line + strcspn (line, "= ");
      *end = '\0';

      if (g_hash_table_contains (seen, line))
        g_error ("option %s appears twice", line);
      g_hash_table_add (seen, g_strdup (line));
    }

  g_assert_true (g_hash_table_contains (seen, "--wifi-ssid"));
  g_assert_true (g_hash_table_contains (seen, "--vcard-title"));
  g_assert_true (g_hash_table_contains (seen, "--title"));
  g_assert_true (g_hash_table_contains (seen, "--caption-font"));
  g_assert_true (g_hash_table_contains (seen, "--design"));

  g_hash_table_foreach (seen, (GHFunc)g_free, NULL);
}

static void
test_options_builder (void)
{
  g_autoptr(GError) error = NULL;

  /* Two kinds of payload are refused, naming both. */
  {
    g_autoptr(QrsCliPayloadBuilder) builder = qrs_cli_payload_builder_new ();

    g_assert_true (qrs_cli_payload_builder_is_empty (builder));
    g_assert_true (qrs_cli_payload_builder_add (builder, qrs_cli_payload_key_lookup ("url"),
                                                "https://example.edu", "--url", &error));
    g_assert_no_error (error);
    g_assert_false (qrs_cli_payload_builder_is_empty (builder));
    g_assert_false (qrs_cli_payload_builder_add (builder, qrs_cli_payload_key_lookup ("wifi-ssid"),
                                                 "Lab", "--wifi-ssid", &error));
    g_assert_error (error, QRS_PAYLOAD_ERROR, QRS_PAYLOAD_ERROR_UNKNOWN_FIELD);
    g_assert_nonnull (strstr (error->message, "--url"));
    g_assert_nonnull (strstr (error->message, "--wifi-ssid"));
    g_clear_error (&error);
  }

  /* A type given first: other types' fields do not belong. */
  {
    g_autoptr(QrsCliPayloadBuilder) builder = qrs_cli_payload_builder_new ();

    g_assert_true (qrs_cli_payload_builder_set_type (builder, QRS_PAYLOAD_TYPE_TEXT, &error));
    g_assert_false (qrs_cli_payload_builder_add (builder, qrs_cli_payload_key_lookup ("url"),
                                                 "https://example.edu", "url", &error));
    g_assert_error (error, QRS_PAYLOAD_ERROR, QRS_PAYLOAD_ERROR_UNKNOWN_FIELD);
    g_assert_nonnull (strstr (error->message, "text code"));
    g_clear_error (&error);
  }

  /* Several values of a field that holds several; the last value of one
   * that holds one. */
  {
    g_autoptr(QrsCliPayloadBuilder) builder = qrs_cli_payload_builder_new ();
    g_autoptr(QrsPayload) payload = NULL;
    const char * const *phones;

    qrs_cli_payload_builder_add (builder, qrs_cli_payload_key_lookup ("vcard-name"), "First", "--vcard-name", NULL);
    qrs_cli_payload_builder_add (builder, qrs_cli_payload_key_lookup ("vcard-name"), "Ana", "--vcard-name", NULL);
    qrs_cli_payload_builder_add (builder, qrs_cli_payload_key_lookup ("vcard-phone"), "+34 600 000 001", "--vcard-phone", NULL);
    qrs_cli_payload_builder_add (builder, qrs_cli_payload_key_lookup ("vcard-phone"), "+34 600 000 002", "--vcard-phone", NULL);

    payload = qrs_cli_payload_builder_build (builder, &error);
    g_assert_no_error (error);
    g_assert_cmpint (qrs_payload_get_payload_type (payload), ==, QRS_PAYLOAD_TYPE_VCARD);
    g_assert_cmpstr (qrs_payload_get (payload, "name"), ==, "Ana");
    phones = qrs_payload_get_all (payload, "phone");
    g_assert_cmpuint (g_strv_length ((char **)phones), ==, 2);
  }

  /* A bad value names where it came from. */
  {
    g_autoptr(QrsCliPayloadBuilder) builder = qrs_cli_payload_builder_new ();
    g_autoptr(QrsPayload) payload = NULL;

    qrs_cli_payload_builder_add (builder, qrs_cli_payload_key_lookup ("geo-latitude"), "ninety", "geo-latitude", NULL);
    payload = qrs_cli_payload_builder_build (builder, &error);
    if (payload == NULL)
      {
        g_assert_true (g_str_has_prefix (error->message, "geo-latitude: "));
        g_clear_error (&error);
      }
    else
      {
        /* The builder may check numbers only when encoding. */
        g_autofree char *text = qrs_payload_encode (payload, &error);

        g_assert_null (text);
        g_assert_nonnull (error);
        g_clear_error (&error);
      }
  }

  /* Nothing given */
  {
    g_autoptr(QrsCliPayloadBuilder) builder = qrs_cli_payload_builder_new ();

    g_assert_null (qrs_cli_payload_builder_build (builder, &error));
    g_assert_error (error, QRS_PAYLOAD_ERROR, QRS_PAYLOAD_ERROR_MISSING_FIELD);
    g_clear_error (&error);
  }
}

static void
apply_ok (QrsDesign  *design,
          const char *name,
          const char *value)
{
  g_autoptr(GError) error = NULL;
  const QrsCliDesignKey *key = qrs_cli_design_key_lookup (name);

  g_assert_nonnull (key);
  g_assert_cmpstr (qrs_cli_design_key_get_name (key), ==, name);
  if (!qrs_cli_design_apply (design, key, value, NULL, &error))
    g_error ("--%s %s: %s", name, value, error->message);
}

static void
apply_bad (const char *name,
           const char *value)
{
  g_autoptr(QrsDesign) design = qrs_design_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *before = qrs_design_to_data (design, NULL);
  g_autofree char *after = NULL;

  g_assert_false (qrs_cli_design_apply (design, qrs_cli_design_key_lookup (name), value, NULL, &error));
  g_assert_nonnull (error);
  g_assert_null (strchr (error->message, '\n'));
  /* The message names the bad value (a colour's, perhaps without its #). */
  if (value[0] != '\0' && strstr (error->message, value + (value[0] == '#')) == NULL)
    g_error ("--%s %s: “%s” does not name the value", name, value, error->message);

  after = qrs_design_to_data (design, NULL);
  g_assert_cmpstr (before, ==, after);
}

static void
test_options_design_apply (void)
{
  g_autoptr(QrsDesign) design = qrs_design_new ();
  QrsColor blue = { 0x1A, 0x5F, 0xB4, 0xFF };
  QrsColor translucent = { 0xFF, 0xFF, 0xFF, 0x80 };

  apply_ok (design, "ec", "h");
  g_assert_cmpint (qrs_design_get_ec_level (design), ==, QRS_EC_LEVEL_H);
  apply_ok (design, "micro", "yes");
  g_assert_cmpint (qrs_design_get_symbol_type (design), ==, QRS_SYMBOL_TYPE_MICRO_QR);
  apply_ok (design, "micro", "false");
  g_assert_cmpint (qrs_design_get_symbol_type (design), ==, QRS_SYMBOL_TYPE_QR);
  apply_ok (design, "min-version", "7");
  g_assert_cmpint (qrs_design_get_min_version (design), ==, 7);
  apply_ok (design, "fg", " #1A5FB4 ");
  g_assert_true (qrs_color_equal (qrs_design_get_foreground (design), &blue));
  apply_ok (design, "bg", "#FFFFFF80");
  g_assert_true (qrs_color_equal (qrs_design_get_background (design), &translucent));
  apply_ok (design, "finder-color", "#1A5FB4");
  g_assert_true (qrs_color_equal (qrs_design_get_finder_color (design), &blue));
  apply_ok (design, "finder-color", "none");
  g_assert_null (qrs_design_get_finder_color (design));
  apply_ok (design, "alignment-color", "#1A5FB4");
  g_assert_true (qrs_color_equal (qrs_design_get_alignment_color (design), &blue));
  apply_ok (design, "allow-inverted", "true");
  g_assert_true (qrs_design_get_allow_inverted (design));
  apply_ok (design, "shape", "Dot");
  g_assert_cmpint (qrs_design_get_module_shape (design), ==, QRS_MODULE_SHAPE_DOT);
  apply_ok (design, "quiet-zone", "0");
  g_assert_cmpint (qrs_design_get_quiet_zone (design), ==, 0);
  apply_ok (design, "logo-ratio", "0.25");
  g_assert_cmpfloat (qrs_design_get_logo_ratio (design), ==, 0.25);
  apply_ok (design, "logo-padding", "2");
  g_assert_cmpfloat (qrs_design_get_logo_padding (design), ==, 2);
  apply_ok (design, "caption", "  Open day  ");
  g_assert_cmpstr (qrs_design_get_caption (design), ==, "  Open day  ");
  apply_ok (design, "caption-font", "Sans Bold 14");
  g_assert_cmpstr (qrs_design_get_caption_font (design), ==, "Sans Bold 14");
  apply_ok (design, "caption-position", "above");
  g_assert_cmpint (qrs_design_get_caption_position (design), ==, QRS_CAPTION_POSITION_ABOVE);
  apply_ok (design, "caption-color", "#1A5FB4");
  g_assert_true (qrs_color_equal (qrs_design_get_caption_color (design), &blue));
  apply_ok (design, "title", "Open day");
  g_assert_cmpstr (qrs_design_get_title (design), ==, "Open day");
  apply_ok (design, "desc", "Takes you to the open day page");
  g_assert_cmpstr (qrs_design_get_description (design), ==, "Takes you to the open day page");
  apply_ok (design, "size", "40mm");
  apply_ok (design, "dpi", "600");
  g_assert_cmpfloat_with_epsilon (qrs_design_get_width_mm (design), 40, 1e-9);
  g_assert_cmpfloat_with_epsilon (qrs_design_get_width_px (design), 40 / 25.4 * 600, 1e-9);

  apply_bad ("ec", "X");
  apply_bad ("micro", "maybe");
  apply_bad ("min-version", "41");
  apply_bad ("min-version", "7.5");
  apply_bad ("fg", "#12345");
  apply_bad ("bg", "");
  apply_bad ("finder-color", "blue-ish");
  apply_bad ("shape", "star");
  apply_bad ("quiet-zone", "-1");
  apply_bad ("quiet-zone", "65");
  apply_bad ("logo-ratio", "0.5");
  apply_bad ("logo-ratio", "nan");
  apply_bad ("logo-padding", "9");
  apply_bad ("caption-position", "left");
  apply_bad ("size", "40parsec");
  apply_bad ("dpi", "5");
  apply_bad ("dpi", "300dpi");
  apply_bad ("logo", "/nonexistent/logo.png");
}

static void
test_options_logo (void)
{
  static const char svg[] =
    "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"4\" height=\"4\"><rect width=\"4\" height=\"4\"/></svg>\n";
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("qrs-options-XXXXXX", &error);
  g_autofree char *path = g_build_filename (dir, "logo.svg", NULL);
  g_autofree char *text_path = g_build_filename (dir, "notes.txt", NULL);
  g_autoptr(GHashTable) cache = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify)g_bytes_unref);
  QrsCliDesignContext context = { dir, cache };
  const QrsCliDesignKey *logo = qrs_cli_design_key_lookup ("logo");

  g_assert_no_error (error);
  g_file_set_contents (path, svg, -1, &error);
  g_assert_no_error (error);
  g_file_set_contents (text_path, "hello", -1, &error);
  g_assert_no_error (error);

  /* Relative to the context's folder, read once. */
  for (guint i = 0; i < 2; i++)
    {
      g_autoptr(QrsDesign) design = qrs_design_new ();

      g_assert_true (qrs_cli_design_apply (design, logo, "logo.svg", &context, &error));
      g_assert_no_error (error);
      g_assert_cmpstr (qrs_design_get_logo_media_type (design), ==, "image/svg+xml");
      /* A logo raises the error correction to Q. */
      g_assert_cmpint (qrs_design_get_ec_level (design), ==, QRS_EC_LEVEL_Q);
      g_assert_cmpuint (g_hash_table_size (cache), ==, 1);
      g_unlink (path);
    }

  {
    g_autoptr(QrsDesign) design = qrs_design_new ();

    g_assert_false (qrs_cli_design_apply (design, logo, "notes.txt", &context, &error));
    g_assert_error (error, QRS_DESIGN_ERROR, QRS_DESIGN_ERROR_INVALID);
    g_clear_error (&error);
    g_assert_false (qrs_cli_design_apply (design, logo, ".", &context, &error));
    g_assert_nonnull (error);
    g_clear_error (&error);
  }

  g_unlink (text_path);
  g_rmdir (dir);
}

static void
test_options_command_line (void)
{
  g_autoptr(GOptionContext) context = g_option_context_new (NULL);
  g_autoptr(QrsCliPayloadBuilder) builder = qrs_cli_payload_builder_new ();
  g_autoptr(QrsCliDesignOptions) design_options = qrs_cli_design_options_new ();
  g_autoptr(QrsPayload) payload = NULL;
  g_autoptr(QrsDesign) design = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("qrs-options-XXXXXX", &error);
  g_autofree char *json_path = g_build_filename (dir, "design.json", NULL);
  g_autofree char *design_arg = g_strdup_printf ("--design=%s", json_path);
  g_autofree char *text = NULL;
  char *args[] = {
    (char *)"export", (char *)"--fg", (char *)"#FF0000", (char *)"--wifi-ssid", (char *)"Lab",
    design_arg, (char *)"--wifi-hidden", (char *)"--shape", (char *)"dot", (char *)"--micro", NULL
  };
  char **argv = args;
  int argc = G_N_ELEMENTS (args) - 1;
  QrsColor red = { 0xFF, 0, 0, 0xFF };
  QrsColor green = { 0x26, 0xA2, 0x69, 0xFF };

  g_assert_no_error (error);

  /* A saved design: green caption, rounded modules. */
  {
    g_autoptr(QrsDesign) saved = qrs_design_new ();
    g_autofree char *data = NULL;
    gsize length;

    qrs_design_set_caption_color (saved, &green);
    qrs_design_set_module_shape (saved, QRS_MODULE_SHAPE_ROUNDED);
    qrs_design_set_foreground (saved, &green);
    data = qrs_design_to_data (saved, &length);
    g_file_set_contents (json_path, data, length, &error);
    g_assert_no_error (error);
  }

  g_option_context_add_group (context, qrs_cli_payload_option_group_new (builder));
  g_option_context_add_group (context, qrs_cli_design_option_group_new (design_options));
  g_assert_true (g_option_context_parse (context, &argc, &argv, &error));
  g_assert_no_error (error);
  g_assert_cmpint (argc, ==, 1);

  payload = qrs_cli_payload_builder_build (builder, &error);
  g_assert_no_error (error);
  g_assert_cmpint (qrs_payload_get_payload_type (payload), ==, QRS_PAYLOAD_TYPE_WIFI);
  g_assert_cmpstr (qrs_payload_get (payload, "hidden"), ==, "true");
  text = qrs_payload_encode (payload, &error);
  g_assert_no_error (error);
  g_assert_nonnull (strstr (text, "H:true"));

  /* --design first, whatever its place; then the others in order. */
  design = qrs_cli_design_options_build (design_options, &error);
  g_assert_no_error (error);
  g_assert_true (qrs_color_equal (qrs_design_get_caption_color (design), &green));
  g_assert_true (qrs_color_equal (qrs_design_get_foreground (design), &red));
  g_assert_cmpint (qrs_design_get_module_shape (design), ==, QRS_MODULE_SHAPE_DOT);
  g_assert_cmpint (qrs_design_get_symbol_type (design), ==, QRS_SYMBOL_TYPE_MICRO_QR);

  g_unlink (json_path);
  g_rmdir (dir);
}

static void
test_options_values (void)
{
  static const struct { const char *str; double mm; } distances[] = {
    { "1m", 1000 }, { "300mm", 300 }, { "50 cm", 500 }, { "2in", 50.8 }, { "3ft", 914.4 }, { "0.5M", 500 },
  };
  static const char * const bad_distances[] = { "", "far", "1", "-1m", "0m", "1 parsec", "nanm" };
  static const char * const yes[] = { "yes", "TRUE", "1", " on ", "x", "Y" };
  static const char * const no[] = { "no", "False", "0", "off", "n" };
  g_autoptr(GError) error = NULL;
  gboolean value;
  double mm;

  for (guint i = 0; i < G_N_ELEMENTS (distances); i++)
    {
      g_assert_true (qrs_cli_parse_distance (distances[i].str, &mm, &error));
      g_assert_no_error (error);
      g_assert_cmpfloat_with_epsilon (mm, distances[i].mm, 1e-9);
    }

  for (guint i = 0; i < G_N_ELEMENTS (bad_distances); i++)
    {
      g_assert_false (qrs_cli_parse_distance (bad_distances[i], &mm, &error));
      g_assert_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE);
      g_clear_error (&error);
    }

  for (guint i = 0; i < G_N_ELEMENTS (yes); i++)
    {
      g_assert_true (qrs_cli_parse_boolean (yes[i], &value, NULL));
      g_assert_true (value);
    }
  for (guint i = 0; i < G_N_ELEMENTS (no); i++)
    {
      g_assert_true (qrs_cli_parse_boolean (no[i], &value, NULL));
      g_assert_false (value);
    }
  g_assert_false (qrs_cli_parse_boolean ("maybe", &value, &error));
  g_assert_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/options/payload-keys", test_options_payload_keys);
  g_test_add_func ("/options/names-unique", test_options_names_unique);
  g_test_add_func ("/options/builder", test_options_builder);
  g_test_add_func ("/options/design-apply", test_options_design_apply);
  g_test_add_func ("/options/logo", test_options_logo);
  g_test_add_func ("/options/command-line", test_options_command_line);
  g_test_add_func ("/options/values", test_options_values);

  return g_test_run ();
}
