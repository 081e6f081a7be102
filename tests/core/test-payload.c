/* test-payload.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "qrs-payload.h"

/* Builds a payload from name/value pairs; a field that holds several
 * values gets each pair appended. */
static QrsPayload *
payload_new_with (QrsPayloadType      payload_type,
                  const char * const *pairs)
{
  g_autoptr(QrsPayload) payload = qrs_payload_new (payload_type);
  const QrsPayloadField *fields = qrs_payload_type_get_fields (payload_type, NULL);

  for (guint i = 0; pairs[i] != NULL; i += 2)
    {
      g_autoptr(GError) error = NULL;
      gboolean multiple = FALSE;

      for (guint j = 0; fields[j].name != NULL; j++)
        if (strcmp (fields[j].name, pairs[i]) == 0)
          multiple = fields[j].multiple;

      if (multiple)
        qrs_payload_add (payload, pairs[i], pairs[i + 1], &error);
      else
        qrs_payload_set (payload, pairs[i], pairs[i + 1], &error);
      g_assert_no_error (error);
    }

  return g_steal_pointer (&payload);
}

#define PAIRS(...) ((const char * const[]) { __VA_ARGS__, NULL })

static char *
encode_ok (QrsPayloadType      payload_type,
           const char * const *pairs)
{
  g_autoptr(QrsPayload) payload = payload_new_with (payload_type, pairs);
  g_autoptr(GError) error = NULL;
  char *text;

  text = qrs_payload_encode (payload, &error);
  g_assert_no_error (error);
  g_assert_nonnull (text);
  g_assert_true (g_utf8_validate (text, -1, NULL));

  return text;
}

/* A message names a field as the form labels it (“Network name (SSID)”),
 * never by its identifier (“ssid”); a name that is no field at all
 * (a typo) is quoted as given. */
static void
assert_names_field (const GError *error,
                    const char   *field)
{
  g_autofree char *quoted = g_strdup_printf ("“%s”", field);
  gboolean known = FALSE;

  for (QrsPayloadType t = QRS_PAYLOAD_TYPE_TEXT; t <= QRS_PAYLOAD_TYPE_EVENT; t++)
    {
      guint n_fields;
      const QrsPayloadField *fields = qrs_payload_type_get_fields (t, &n_fields);

      for (guint i = 0; i < n_fields; i++)
        {
          g_autofree char *label = NULL;

          if (!g_str_equal (fields[i].name, field))
            continue;
          known = TRUE;
          label = g_strdup_printf ("“%s”", fields[i].label);
          if (strstr (error->message, label) != NULL)
            {
              if (strstr (error->message, quoted) != NULL)
                g_error ("message “%s” names the field by its identifier %s", error->message, quoted);
              return;
            }
        }
    }

  if (known)
    g_error ("message “%s” does not name the field %s by its label", error->message, field);
  if (strstr (error->message, quoted) == NULL)
    g_error ("message “%s” does not name the field %s", error->message, quoted);
}

static void
assert_payload_error (QrsPayload *payload,
                      int         code,
                      const char *field)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *text = qrs_payload_encode (payload, &error);

  if (text != NULL)
    g_error ("expected an error naming “%s”, got %s", field, text);
  g_assert_error (error, QRS_PAYLOAD_ERROR, code);
  assert_names_field (error, field);
}

static void
assert_encode_error (QrsPayloadType      payload_type,
                     const char * const *pairs,
                     int                 code,
                     const char         *field)
{
  g_autoptr(QrsPayload) payload = payload_new_with (payload_type, pairs);

  assert_payload_error (payload, code, field);
}

/* Each physical line at most 75 octets and whole UTF-8; unfolded, the
 * lines are @expected. */
static void
assert_folded (const char *text,
               const char *expected_unfolded)
{
  g_auto(GStrv) lines = NULL;
  g_autoptr(GString) unfolded = g_string_new (text);
  guint n;

  g_assert_true (g_str_has_suffix (text, "\r\n"));
  lines = g_strsplit (text, "\r\n", -1);
  n = g_strv_length (lines);
  g_assert_cmpstr (lines[n - 1], ==, "");

  for (guint i = 0; i + 1 < n; i++)
    {
      g_assert_cmpuint (strlen (lines[i]), <=, 75);
      g_assert_cmpuint (strlen (lines[i]), >, 0);
      g_assert_true (g_utf8_validate (lines[i], -1, NULL));
      /* no bare LF or CR inside a line */
      g_assert_null (strpbrk (lines[i], "\r\n"));
    }

  g_string_replace (unfolded, "\r\n ", "", 0);
  g_assert_cmpstr (unfolded->str, ==, expected_unfolded);
}

/* Types and field tables */

static void
test_payload_types (void)
{
  static const char * const names[] = {
    "text", "url", "wifi", "vcard", "mecard", "email", "phone", "sms", "geo", "event",
  };
  QrsPayloadType payload_type;

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autofree char *upper = g_ascii_strup (names[i], -1);

      g_assert_cmpstr (qrs_payload_type_to_string (i), ==, names[i]);
      g_assert_true (qrs_payload_type_from_string (names[i], &payload_type));
      g_assert_cmpint (payload_type, ==, i);
      g_assert_true (qrs_payload_type_from_string (upper, &payload_type));
      g_assert_cmpint (payload_type, ==, i);
    }

  g_assert_false (qrs_payload_type_from_string ("vcalendar", &payload_type));
  g_assert_false (qrs_payload_type_from_string ("", &payload_type));
  g_assert_false (qrs_payload_type_from_string (NULL, &payload_type));
}

static void
test_payload_field_tables (void)
{
  struct { QrsPayloadType type; const char *names; const char *required; const char *multiple; } cases[] = {
    { QRS_PAYLOAD_TYPE_TEXT, "text", "text", "" },
    { QRS_PAYLOAD_TYPE_URL, "url", "url", "" },
    { QRS_PAYLOAD_TYPE_WIFI, "ssid password auth hidden", "ssid", "" },
    { QRS_PAYLOAD_TYPE_VCARD,
      "name family-name given-name org title phone email url street city region postcode country birthday note",
      "name", "phone email" },
    { QRS_PAYLOAD_TYPE_MECARD, "name phone email url address birthday note", "name", "phone email" },
    { QRS_PAYLOAD_TYPE_EMAIL, "to subject body cc bcc", "to", "to cc bcc" },
    { QRS_PAYLOAD_TYPE_PHONE, "number", "number", "" },
    { QRS_PAYLOAD_TYPE_SMS, "number message", "number", "" },
    { QRS_PAYLOAD_TYPE_GEO, "latitude longitude altitude", "latitude longitude", "" },
    { QRS_PAYLOAD_TYPE_EVENT, "summary start end location description all-day", "summary start", "" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GString) names = g_string_new (NULL);
      g_autoptr(GString) required = g_string_new (NULL);
      g_autoptr(GString) multiple = g_string_new (NULL);
      const QrsPayloadField *fields;
      guint n_fields = 0;

      fields = qrs_payload_type_get_fields (cases[i].type, &n_fields);
      g_assert_nonnull (fields);
      g_assert_null (fields[n_fields].name);

      for (guint j = 0; j < n_fields; j++)
        {
          g_assert_true (g_regex_match_simple ("^[a-z]+(-[a-z]+)*$", fields[j].name, 0, 0));
          g_assert_nonnull (fields[j].label);
          g_assert_cmpstr (fields[j].label, !=, "");
          for (guint k = 0; k < j; k++)
            g_assert_cmpstr (fields[k].name, !=, fields[j].name);

          g_string_append_printf (names, "%s%s", j ? " " : "", fields[j].name);
          if (fields[j].required)
            g_string_append_printf (required, "%s%s", required->len ? " " : "", fields[j].name);
          if (fields[j].multiple)
            g_string_append_printf (multiple, "%s%s", multiple->len ? " " : "", fields[j].name);
        }

      g_assert_cmpstr (names->str, ==, cases[i].names);
      g_assert_cmpstr (required->str, ==, cases[i].required);
      g_assert_cmpstr (multiple->str, ==, cases[i].multiple);
    }
}

/* Setting, adding, reading */

static void
count_changed_cb (QrsPayload *payload,
                  guint      *count)
{
  (*count)++;
}

static void
test_payload_set_get (void)
{
  g_autoptr(QrsPayload) payload = qrs_payload_new (QRS_PAYLOAD_TYPE_VCARD);
  g_autoptr(GError) error = NULL;
  const char * const *all;
  guint changed = 0;

  g_signal_connect (payload, "changed", G_CALLBACK (count_changed_cb), &changed);

  g_assert_cmpint (qrs_payload_get_payload_type (payload), ==, QRS_PAYLOAD_TYPE_VCARD);
  g_assert_null (qrs_payload_get (payload, "name"));
  g_assert_null (qrs_payload_get_all (payload, "phone"));

  g_assert_true (qrs_payload_set (payload, "name", "Ada", &error));
  g_assert_no_error (error);
  g_assert_cmpstr (qrs_payload_get (payload, "name"), ==, "Ada");
  g_assert_cmpuint (changed, ==, 1);

  /* the same value again is no change */
  g_assert_true (qrs_payload_set (payload, "name", "Ada", NULL));
  g_assert_cmpuint (changed, ==, 1);

  g_assert_true (qrs_payload_set (payload, "name", "Ada Lovelace", NULL));
  g_assert_cmpstr (qrs_payload_get (payload, "name"), ==, "Ada Lovelace");
  g_assert_cmpuint (changed, ==, 2);

  g_assert_true (qrs_payload_add (payload, "phone", "+1 555 0100", NULL));
  g_assert_true (qrs_payload_add (payload, "phone", "+1 555 0101", NULL));
  g_assert_true (qrs_payload_add (payload, "phone", "", NULL));   /* ignored */
  g_assert_cmpuint (changed, ==, 4);
  all = qrs_payload_get_all (payload, "phone");
  g_assert_nonnull (all);
  g_assert_cmpstr (all[0], ==, "+1 555 0100");
  g_assert_cmpstr (all[1], ==, "+1 555 0101");
  g_assert_null (all[2]);
  g_assert_cmpstr (qrs_payload_get (payload, "phone"), ==, "+1 555 0100");

  /* set replaces every value */
  g_assert_true (qrs_payload_set (payload, "phone", "+1 555 0102", NULL));
  all = qrs_payload_get_all (payload, "phone");
  g_assert_cmpstr (all[0], ==, "+1 555 0102");
  g_assert_null (all[1]);

  /* a single field through get_all */
  all = qrs_payload_get_all (payload, "name");
  g_assert_cmpstr (all[0], ==, "Ada Lovelace");
  g_assert_null (all[1]);

  /* NULL and "" clear */
  g_assert_true (qrs_payload_set (payload, "phone", NULL, NULL));
  g_assert_null (qrs_payload_get_all (payload, "phone"));
  g_assert_true (qrs_payload_set (payload, "name", "", NULL));
  g_assert_null (qrs_payload_get (payload, "name"));
  g_assert_cmpuint (changed, ==, 7);
  g_assert_true (qrs_payload_set (payload, "name", NULL, NULL));
  g_assert_cmpuint (changed, ==, 7);

  /* add to a single field */
  g_assert_false (qrs_payload_add (payload, "name", "Ada", &error));
  g_assert_error (error, QRS_PAYLOAD_ERROR, QRS_PAYLOAD_ERROR_INVALID_FIELD);
  assert_names_field (error, "name");
  g_assert_null (qrs_payload_get (payload, "name"));
  g_assert_cmpuint (changed, ==, 7);
}

static void
test_payload_unknown_field (void)
{
  g_autoptr(QrsPayload) payload = qrs_payload_new (QRS_PAYLOAD_TYPE_WIFI);
  g_autoptr(GError) error = NULL;
  g_autoptr(GError) error2 = NULL;

  g_assert_false (qrs_payload_set (payload, "pasword", "x", &error));
  g_assert_error (error, QRS_PAYLOAD_ERROR, QRS_PAYLOAD_ERROR_UNKNOWN_FIELD);
  assert_names_field (error, "pasword");
  g_assert_nonnull (strstr (error->message, "ssid, password, auth, hidden"));

  g_assert_false (qrs_payload_add (payload, "phone", "1", &error2));
  g_assert_error (error2, QRS_PAYLOAD_ERROR, QRS_PAYLOAD_ERROR_UNKNOWN_FIELD);
  g_assert_nonnull (strstr (error2->message, "ssid, password, auth, hidden"));
}

/* Invalid UTF-8 is refused on the way in, for every field of every type. */
static void
test_payload_invalid_utf8 (void)
{
  for (QrsPayloadType t = QRS_PAYLOAD_TYPE_TEXT; t <= QRS_PAYLOAD_TYPE_EVENT; t++)
    {
      g_autoptr(QrsPayload) payload = qrs_payload_new (t);
      guint n_fields;
      const QrsPayloadField *fields = qrs_payload_type_get_fields (t, &n_fields);

      for (guint i = 0; i < n_fields; i++)
        {
          g_autoptr(GError) error = NULL;
          gboolean ok;

          if (fields[i].multiple)
            ok = qrs_payload_add (payload, fields[i].name, "caf\xc3", &error);
          else
            ok = qrs_payload_set (payload, fields[i].name, "ok \xff\xfe", &error);

          g_assert_false (ok);
          g_assert_error (error, QRS_PAYLOAD_ERROR, QRS_PAYLOAD_ERROR_INVALID_FIELD);
          assert_names_field (error, fields[i].name);
          g_assert_null (qrs_payload_get (payload, fields[i].name));
        }
    }
}

static void
test_payload_copy (void)
{
  g_autoptr(QrsPayload) payload = NULL;
  g_autoptr(QrsPayload) copy = NULL;
  g_autoptr(GObject) plain = NULL;
  const char * const *phones;
  QrsPayloadType payload_type;

  payload = payload_new_with (QRS_PAYLOAD_TYPE_MECARD,
                              PAIRS ("name", "Ada", "phone", "+1 555 0100", "phone", "+1 555 0101"));
  copy = qrs_payload_copy (payload);

  g_assert_cmpint (qrs_payload_get_payload_type (copy), ==, QRS_PAYLOAD_TYPE_MECARD);
  g_assert_cmpstr (qrs_payload_get (copy, "name"), ==, "Ada");
  phones = qrs_payload_get_all (copy, "phone");
  g_assert_cmpstr (phones[0], ==, "+1 555 0100");
  g_assert_cmpstr (phones[1], ==, "+1 555 0101");
  g_assert_null (phones[2]);

  /* deep: changing one leaves the other */
  qrs_payload_set (payload, "name", "Bob", NULL);
  qrs_payload_add (copy, "phone", "+1 555 0102", NULL);
  g_assert_cmpstr (qrs_payload_get (copy, "name"), ==, "Ada");
  g_assert_null (qrs_payload_get_all (payload, "phone")[2]);

  g_assert_finalize_object (g_steal_pointer (&copy));
  g_assert_finalize_object (g_steal_pointer (&payload));

  /* g_object_new works as well, for GtkBuilder and bindings */
  plain = g_object_new (QRS_TYPE_PAYLOAD, "payload-type", QRS_PAYLOAD_TYPE_GEO, NULL);
  g_object_get (plain, "payload-type", &payload_type, NULL);
  g_assert_cmpint (payload_type, ==, QRS_PAYLOAD_TYPE_GEO);
  g_assert_true (qrs_payload_set (QRS_PAYLOAD (plain), "latitude", "1", NULL));
}

/* Every field of every type is checked by encode: a control character in
 * any of them, with the required ones valid, fails naming that field. */
static void
test_payload_every_field_checked (void)
{
  const char * const *valid[] = {
    [QRS_PAYLOAD_TYPE_TEXT] = PAIRS ("text", "Hello"),
    [QRS_PAYLOAD_TYPE_URL] = PAIRS ("url", "https://example.com/"),
    [QRS_PAYLOAD_TYPE_WIFI] = PAIRS ("ssid", "Lab", "password", "correct horse"),
    [QRS_PAYLOAD_TYPE_VCARD] = PAIRS ("name", "Ada Lovelace"),
    [QRS_PAYLOAD_TYPE_MECARD] = PAIRS ("name", "Ada"),
    [QRS_PAYLOAD_TYPE_EMAIL] = PAIRS ("to", "ada@example.com"),
    [QRS_PAYLOAD_TYPE_PHONE] = PAIRS ("number", "+15551234"),
    [QRS_PAYLOAD_TYPE_SMS] = PAIRS ("number", "+15551234"),
    [QRS_PAYLOAD_TYPE_GEO] = PAIRS ("latitude", "1", "longitude", "2"),
    [QRS_PAYLOAD_TYPE_EVENT] = PAIRS ("summary", "Launch", "start", "2026-11-29T10:30:00Z"),
  };
  guint checked = 0;

  for (QrsPayloadType t = QRS_PAYLOAD_TYPE_TEXT; t <= QRS_PAYLOAD_TYPE_EVENT; t++)
    {
      guint n_fields;
      const QrsPayloadField *fields = qrs_payload_type_get_fields (t, &n_fields);
      g_autofree char *baseline = encode_ok (t, valid[t]);

      for (guint i = 0; i < n_fields; i++)
        {
          g_autoptr(QrsPayload) payload = payload_new_with (t, valid[t]);
          g_autoptr(QrsPayload) missing = NULL;

          /* Plain text takes any character at all. */
          if (t == QRS_PAYLOAD_TYPE_TEXT)
            continue;

          g_assert_true (qrs_payload_set (payload, fields[i].name, "x\x01y", NULL));
          assert_payload_error (payload, QRS_PAYLOAD_ERROR_INVALID_FIELD, fields[i].name);

          /* …and a required field left out is missing, by name. */
          if (fields[i].required)
            {
              missing = payload_new_with (t, valid[t]);
              qrs_payload_set (missing, fields[i].name, NULL, NULL);
              assert_payload_error (missing, QRS_PAYLOAD_ERROR_MISSING_FIELD, fields[i].name);
              qrs_payload_set (missing, fields[i].name, "   ", NULL);
              assert_payload_error (missing, QRS_PAYLOAD_ERROR_MISSING_FIELD, fields[i].name);
            }
          checked++;
        }
    }

  g_assert_cmpuint (checked, ==, 4 + 15 + 7 + 5 + 1 + 2 + 3 + 6 + 1);
}

/* text */

static void
test_payload_text (void)
{
  g_autofree char *a = encode_ok (QRS_PAYLOAD_TYPE_TEXT, PAIRS ("text", "Hello, world"));
  g_autofree char *b = encode_ok (QRS_PAYLOAD_TYPE_TEXT,
                                  PAIRS ("text", " line 1\r\nline 2\n\ttab \\ ; , : \" ä 😀\x01 "));

  g_assert_cmpstr (a, ==, "Hello, world");
  /* exactly as given: no escaping, no trimming, no line-break changes */
  g_assert_cmpstr (b, ==, " line 1\r\nline 2\n\ttab \\ ; , : \" ä 😀\x01 ");

  assert_encode_error (QRS_PAYLOAD_TYPE_TEXT, PAIRS ("text", " \n "), QRS_PAYLOAD_ERROR_MISSING_FIELD, "text");
}

/* url */

static void
test_payload_url (void)
{
  g_autofree char *path = g_strnfill (2048 - 20, 'a');
  g_autofree char *longest = NULL;
  struct { const char *in; const char *out; } good[] = {
    { "https://example.com/path?q=1&r=a+b#frag", "https://example.com/path?q=1&r=a+b#frag" },
    { "  https://example.com/\n", "https://example.com/" },
    { "http://example.com", "http://example.com" },
    { "HTTPS://EXAMPLE.COM/ABC", "HTTPS://EXAMPLE.COM/ABC" },
    { "https://example.com:8443/a%20b", "https://example.com:8443/a%20b" },
    { "http://[::1]:8080/", "http://[::1]:8080/" },
    { "http://192.0.2.1/", "http://192.0.2.1/" },
    { "https://example.com./", "https://example.com./" },
    { "https://intranet/", "https://intranet/" },
    { "https://de.wikipedia.org/wiki/Äpfel?q=ö#ü", "https://de.wikipedia.org/wiki/%C3%84pfel?q=%C3%B6#%C3%BC" },
    { "https://bücher.example/😀", "https://xn--bcher-kva.example/%F0%9F%98%80" },
    { "mailto:ada@example.com", "mailto:ada@example.com" },
    { "mailto:ada@example.com,bob@example.org?subject=Hi%20there", "mailto:ada@example.com,bob@example.org?subject=Hi%20there" },
    { "mailto:?subject=Hi", "mailto:?subject=Hi" },
    { "MAILTO:jörg@example.com", "MAILTO:j%C3%B6rg@example.com" },
    { "tel:+1-555-123-4567", "tel:+1-555-123-4567" },
    { "tel:+1(555)1234567;ext=12", "tel:+1(555)1234567;ext=12" },
  };
  struct { const char *in; const char *hint; } bad[] = {
    { "javascript:alert(1)", "run code" },
    { "JavaScript:alert(document.cookie)", "javascript: link, which could run code" },
    { "data:text/html,<script>alert(1)</script>", "run code" },
    { "vbscript:msgbox", "run code" },
    { "file:///etc/passwd", "open files" },
    { "ftp://example.com/", "ftp: link, which QR Studio does not" },
    { "intent://scan/#Intent;scheme=zxing;end", "intent" },
    { "example.com", "https://example.com" },
    { "www.example.com/page", "https://" },
    { "https://exa mple.com/", "%20" },
    { "https://example.com/a b", "%20" },
    { "https://example.com/\u00a0", "%20" },
    { "https://example.com/\nx", "single line" },
    { "https://", "host" },
    { "https:example.com", "host" },
    { "https:///path", "host" },
    { "https://user:secret@example.com/", "user name" },
    { "https://bank.example@evil.example/", "user name" },
    { "https://exa<mple.com/", "host" },
    { "https://-/", "host" },
    { "https://a..b/", "host" },
    { "https://example.com/%zz", "%" },
    { "https://example.com:99999/", "99999" },
    { "https://example.com\\@evil.example/", "backslash" },
    { "https://example.com/a\\b", "backslash" },
    { "mailto:", "address" },
    { "mailto:ada", "ada" },
    { "mailto:ada@example.com,bob", "bob" },
    { "mailto:%ff@example.com", "%" },
    { "tel:", "phone" },
    { "tel:call-me", "phone" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (good); i++)
    {
      g_autofree char *out = encode_ok (QRS_PAYLOAD_TYPE_URL, PAIRS ("url", good[i].in));

      g_assert_cmpstr (out, ==, good[i].out);
    }

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(QrsPayload) payload = payload_new_with (QRS_PAYLOAD_TYPE_URL, PAIRS ("url", bad[i].in));
      g_autoptr(GError) error = NULL;
      g_autofree char *out = qrs_payload_encode (payload, &error);

      if (out != NULL)
        g_error ("%s was accepted as %s", bad[i].in, out);
      g_assert_error (error, QRS_PAYLOAD_ERROR, QRS_PAYLOAD_ERROR_INVALID_FIELD);
      assert_names_field (error, "url");
      if (strstr (error->message, bad[i].hint) == NULL)
        g_error ("message for %s lacks “%s”: %s", bad[i].in, bad[i].hint, error->message);
    }

  /* 2048 bytes is the most */
  longest = g_strconcat ("https://example.com/", path, NULL);
  g_assert_cmpuint (strlen (longest), ==, 2048);
  {
    g_autofree char *out = encode_ok (QRS_PAYLOAD_TYPE_URL, PAIRS ("url", longest));
    g_autofree char *too_long = g_strconcat (longest, "b", NULL);

    g_assert_cmpstr (out, ==, longest);
    assert_encode_error (QRS_PAYLOAD_TYPE_URL, PAIRS ("url", too_long), QRS_PAYLOAD_ERROR_INVALID_FIELD, "url");
  }

  assert_encode_error (QRS_PAYLOAD_TYPE_URL, PAIRS ("url", "   "), QRS_PAYLOAD_ERROR_MISSING_FIELD, "url");
}

/* wifi */

static void
test_payload_wifi (void)
{
  struct { const char * const *in; const char *out; } cases[] = {
    { PAIRS ("ssid", "Lab", "password", "correct horse", "auth", "WPA", "hidden", "true"),
      "WIFI:T:WPA;S:Lab;P:correct horse;H:true;;" },
    /* a password without auth is WPA; no password is an open network */
    { PAIRS ("ssid", "Lab", "password", "correct horse"), "WIFI:T:WPA;S:Lab;P:correct horse;;" },
    { PAIRS ("ssid", "Café"), "WIFI:T:nopass;S:Café;;" },
    { PAIRS ("ssid", "Lab", "hidden", "false"), "WIFI:T:nopass;S:Lab;;" },
    /* every special character, in SSID and password */
    { PAIRS ("ssid", "a\\b;c,d:e\"f", "password", "p\\;,:\"ssword"),
      "WIFI:T:WPA;S:a\\\\b\\;c\\,d\\:e\\\"f;P:p\\\\\\;\\,\\:\\\"ssword;;" },
    { PAIRS ("ssid", "Ünïcødé 😀", "password", "pässwörd😀"), "WIFI:T:WPA;S:Ünïcødé 😀;P:pässwörd😀;;" },
    /* free text is kept as it is, spaces included */
    { PAIRS ("ssid", " Lab ", "password", " 12345678 "), "WIFI:T:WPA;S: Lab ;P: 12345678 ;;" },
    { PAIRS ("ssid", "Lab", "password", "12345", "auth", "wep"), "WIFI:T:WEP;S:Lab;P:12345;;" },
    { PAIRS ("ssid", "Lab", "password", "0123456789", "auth", "WEP"), "WIFI:T:WEP;S:Lab;P:0123456789;;" },
    { PAIRS ("ssid", "Lab", "password", "abcdefghijklm", "auth", "WEP"), "WIFI:T:WEP;S:Lab;P:abcdefghijklm;;" },
    { PAIRS ("ssid", "Lab", "password", "0123456789abcdef0123456789", "auth", "WEP"),
      "WIFI:T:WEP;S:Lab;P:0123456789abcdef0123456789;;" },
  };
  struct { const char *auth; const char *expected; } auths[] = {
    { "wpa", "WPA" }, { "WPA2", "WPA" }, { "wpa3", "WPA" }, { " Wpa2 ", "WPA" },
    { "wep", "WEP" },
    { "nopass", "nopass" }, { "NOPASS", "nopass" }, { "open", "nopass" }, { "None", "nopass" },
  };
  struct { const char *value; gboolean hidden; } bools[] = {
    { "true", TRUE }, { "TRUE", TRUE }, { "yes", TRUE }, { "Yes", TRUE }, { "1", TRUE }, { "on", TRUE },
    { " true\n", TRUE },
    { "false", FALSE }, { "False", FALSE }, { "no", FALSE }, { "0", FALSE }, { "off", FALSE },
  };
  g_autofree char *pw63 = g_strnfill (63, 'x');
  g_autofree char *pw64_hex = g_strnfill (64, 'a');
  g_autofree char *pw64 = g_strnfill (64, 'x');
  g_autofree char *pw65_hex = g_strnfill (65, 'a');
  g_autofree char *ssid32 = g_strnfill (32, 's');
  g_autofree char *ssid33 = g_strnfill (33, 's');

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *out = encode_ok (QRS_PAYLOAD_TYPE_WIFI, cases[i].in);

      g_assert_cmpstr (out, ==, cases[i].out);
    }

  for (guint i = 0; i < G_N_ELEMENTS (auths); i++)
    {
      const char *pw = strcmp (auths[i].expected, "nopass") == 0 ? NULL
                     : strcmp (auths[i].expected, "WEP") == 0 ? "12345" : "12345678";
      g_autofree char *out = encode_ok (QRS_PAYLOAD_TYPE_WIFI,
                                        PAIRS ("ssid", "L", "auth", auths[i].auth, "password", pw));
      g_autofree char *expected = pw ? g_strdup_printf ("WIFI:T:%s;S:L;P:%s;;", auths[i].expected, pw)
                                     : g_strdup ("WIFI:T:nopass;S:L;;");

      g_assert_cmpstr (out, ==, expected);
    }

  for (guint i = 0; i < G_N_ELEMENTS (bools); i++)
    {
      g_autofree char *out = encode_ok (QRS_PAYLOAD_TYPE_WIFI, PAIRS ("ssid", "L", "hidden", bools[i].value));

      g_assert_cmpstr (out, ==, bools[i].hidden ? "WIFI:T:nopass;S:L;H:true;;" : "WIFI:T:nopass;S:L;;");
    }

  /* the limits of WPA passwords and SSIDs */
  {
    g_autofree char *a = encode_ok (QRS_PAYLOAD_TYPE_WIFI, PAIRS ("ssid", ssid32, "password", pw63));
    g_autofree char *b = encode_ok (QRS_PAYLOAD_TYPE_WIFI, PAIRS ("ssid", "L", "password", pw64_hex));
    g_autofree char *c = encode_ok (QRS_PAYLOAD_TYPE_WIFI, PAIRS ("ssid", "L", "password", "12345678"));

    g_assert_true (g_str_has_prefix (a, "WIFI:T:WPA;S:ssssssssssssssssssssssssssssssss;P:xxx"));
    g_assert_true (g_str_has_suffix (b, "aaaa;;"));
    g_assert_cmpstr (c, ==, "WIFI:T:WPA;S:L;P:12345678;;");
  }

  assert_encode_error (QRS_PAYLOAD_TYPE_WIFI, PAIRS ("password", "12345678"),
                       QRS_PAYLOAD_ERROR_MISSING_FIELD, "ssid");
  assert_encode_error (QRS_PAYLOAD_TYPE_WIFI, PAIRS ("ssid", ssid33), QRS_PAYLOAD_ERROR_INVALID_FIELD, "ssid");
  assert_encode_error (QRS_PAYLOAD_TYPE_WIFI, PAIRS ("ssid", "La\nb"), QRS_PAYLOAD_ERROR_INVALID_FIELD, "ssid");
  assert_encode_error (QRS_PAYLOAD_TYPE_WIFI, PAIRS ("ssid", "Lab", "password", "1234567"),
                       QRS_PAYLOAD_ERROR_INVALID_FIELD, "password");
  assert_encode_error (QRS_PAYLOAD_TYPE_WIFI, PAIRS ("ssid", "Lab", "password", pw64),
                       QRS_PAYLOAD_ERROR_INVALID_FIELD, "password");
  assert_encode_error (QRS_PAYLOAD_TYPE_WIFI, PAIRS ("ssid", "Lab", "password", pw65_hex),
                       QRS_PAYLOAD_ERROR_INVALID_FIELD, "password");
  assert_encode_error (QRS_PAYLOAD_TYPE_WIFI, PAIRS ("ssid", "Lab", "password", "pass\tword"),
                       QRS_PAYLOAD_ERROR_INVALID_FIELD, "password");
  assert_encode_error (QRS_PAYLOAD_TYPE_WIFI, PAIRS ("ssid", "Lab", "auth", "WPA"),
                       QRS_PAYLOAD_ERROR_MISSING_FIELD, "password");
  assert_encode_error (QRS_PAYLOAD_TYPE_WIFI, PAIRS ("ssid", "Lab", "auth", "WEP"),
                       QRS_PAYLOAD_ERROR_MISSING_FIELD, "password");
  assert_encode_error (QRS_PAYLOAD_TYPE_WIFI, PAIRS ("ssid", "Lab", "password", "123456", "auth", "WEP"),
                       QRS_PAYLOAD_ERROR_INVALID_FIELD, "password");
  assert_encode_error (QRS_PAYLOAD_TYPE_WIFI, PAIRS ("ssid", "Lab", "password", "012345678g", "auth", "WEP"),
                       QRS_PAYLOAD_ERROR_INVALID_FIELD, "password");
  assert_encode_error (QRS_PAYLOAD_TYPE_WIFI, PAIRS ("ssid", "Lab", "password", "12345678", "auth", "nopass"),
                       QRS_PAYLOAD_ERROR_INVALID_FIELD, "password");
  assert_encode_error (QRS_PAYLOAD_TYPE_WIFI, PAIRS ("ssid", "Lab", "password", "12345678", "auth", "WPA2-EAP"),
                       QRS_PAYLOAD_ERROR_INVALID_FIELD, "auth");
  assert_encode_error (QRS_PAYLOAD_TYPE_WIFI, PAIRS ("ssid", "Lab", "hidden", "maybe"),
                       QRS_PAYLOAD_ERROR_INVALID_FIELD, "hidden");
  assert_encode_error (QRS_PAYLOAD_TYPE_WIFI, PAIRS ("ssid", "   "), QRS_PAYLOAD_ERROR_MISSING_FIELD, "ssid");
}

/* vcard */

static void
test_payload_vcard (void)
{
  g_autofree char *full = NULL;
  g_autofree char *minimal = NULL;

  full = encode_ok (QRS_PAYLOAD_TYPE_VCARD,
                    PAIRS ("name", "Ada Lovelace",
                           "org", "Analytical Engines Ltd",
                           "title", "Countess",
                           "phone", "+44 20 7946 0958",
                           "phone", " (020) 7946-0959 ",
                           "email", "ada@example.com",
                           "email", "ada.lovelace+qr@example.org",
                           "url", "https://example.com/ada",
                           "street", "12 St James's Square",
                           "city", "London",
                           "postcode", "SW1Y 4JH",
                           "country", "United Kingdom",
                           "birthday", "18151210",
                           "note", "Poet of science"));
  g_assert_cmpstr (full, ==,
                   "BEGIN:VCARD\r\n"
                   "VERSION:3.0\r\n"
                   "N:Lovelace;Ada;;;\r\n"
                   "FN:Ada Lovelace\r\n"
                   "ORG:Analytical Engines Ltd\r\n"
                   "TITLE:Countess\r\n"
                   "TEL:+44 20 7946 0958\r\n"
                   "TEL:(020) 7946-0959\r\n"
                   "EMAIL:ada@example.com\r\n"
                   "EMAIL:ada.lovelace+qr@example.org\r\n"
                   "URL:https://example.com/ada\r\n"
                   "ADR:;;12 St James's Square;London;;SW1Y 4JH;United Kingdom\r\n"
                   "BDAY:1815-12-10\r\n"
                   "NOTE:Poet of science\r\n"
                   "END:VCARD\r\n");

  minimal = encode_ok (QRS_PAYLOAD_TYPE_VCARD, PAIRS ("name", "Ada", "region", "Greater London"));
  g_assert_cmpstr (minimal, ==,
                   "BEGIN:VCARD\r\nVERSION:3.0\r\nN:;Ada;;;\r\nFN:Ada\r\n"
                   "ADR:;;;;Greater London;;\r\nEND:VCARD\r\n");
}

static void
test_payload_vcard_n (void)
{
  struct { const char * const *in; const char *n; } cases[] = {
    { PAIRS ("name", "Ada Lovelace"), "N:Lovelace;Ada;;;" },
    { PAIRS ("name", "Lovelace, Ada"), "N:Lovelace;Ada;;;" },
    { PAIRS ("name", "Ada"), "N:;Ada;;;" },
    { PAIRS ("name", "  Augusta  Ada King  "), "N:King;Augusta;Ada;;" },
    { PAIRS ("name", "Ada Byron King Lovelace"), "N:Lovelace;Ada;Byron King;;" },
    { PAIRS ("name", "Jean-Luc Picard"), "N:Picard;Jean-Luc;;;" },
    { PAIRS ("name", "Zoë Ñúñez"), "N:Ñúñez;Zoë;;;" },
    { PAIRS ("name", "A;B"), "N:;A\\;B;;;" },
    /* given parts win over the derivation */
    { PAIRS ("name", "Countess of Lovelace", "family-name", "King", "given-name", "Augusta Ada"),
      "N:King;Augusta Ada;;;" },
    { PAIRS ("name", "Ada Lovelace", "given-name", "Ada"), "N:;Ada;;;" },
    { PAIRS ("name", "Ada Lovelace", "family-name", "Byron;King"), "N:Byron\\;King;;;;" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *out = encode_ok (QRS_PAYLOAD_TYPE_VCARD, cases[i].in);
      g_auto(GStrv) lines = g_strsplit (out, "\r\n", -1);

      g_assert_cmpstr (lines[2], ==, cases[i].n);
    }
}

static void
test_payload_vcard_escaping (void)
{
  g_autofree char *out = NULL;

  /* \ ; , and line breaks are escaped; : and " are not (RFC 2426 §4) */
  out = encode_ok (QRS_PAYLOAD_TYPE_VCARD,
                   PAIRS ("name", "a\\b;c,d:e\"f",
                          "org", "Smith, Jones & Co; Ltd",
                          "street", "Flat 2\r\nRose Court\n1 High St",
                          "city", "Saint-Étienne",
                          "note", "Line 1\nLine 2\rLine 3\r\n😀 \\n is not a newline"));
  g_assert_cmpstr (out, ==,
                   "BEGIN:VCARD\r\n"
                   "VERSION:3.0\r\n"
                   /* the comma reads as "Family, Given" */
                   "N:a\\\\b\\;c;d:e\"f;;;\r\n"
                   "FN:a\\\\b\\;c\\,d:e\"f\r\n"
                   "ORG:Smith\\, Jones & Co\\; Ltd\r\n"
                   "ADR:;;Flat 2\\nRose Court\\n1 High St;Saint-Étienne;;;\r\n"
                   "NOTE:Line 1\\nLine 2\\nLine 3\\n😀 \\\\n is not a newline\r\n"
                   "END:VCARD\r\n");
}

static char *
vcard_with_note (const char *note)
{
  return encode_ok (QRS_PAYLOAD_TYPE_VCARD, PAIRS ("name", "A", "note", note));
}

static const char *
note_line_of (const char *vcard)
{
  const char *p = strstr (vcard, "NOTE:");

  g_assert_nonnull (p);
  return p;
}

static void
test_payload_vcard_folding (void)
{
  g_autofree char *a69 = g_strnfill (69, 'a');
  g_autofree char *a68 = g_strnfill (68, 'a');
  g_autofree char *a70 = g_strnfill (70, 'a');
  g_autofree char *x150 = g_strnfill (150, 'x');

  /* "NOTE:" and 70 octets fill the line exactly: no fold */
  {
    g_autofree char *out = vcard_with_note (a70);
    g_autofree char *expected = g_strdup_printf ("NOTE:%s\r\nEND:VCARD\r\n", a70);

    g_assert_cmpstr (note_line_of (out), ==, expected);
  }

  /* 150 octets: 70 after "NOTE:", then 74 after each leading space */
  {
    g_autofree char *out = vcard_with_note (x150);
    g_autofree char *expected = g_strdup_printf ("NOTE:%.70s\r\n %.74s\r\n %.6s\r\nEND:VCARD\r\n",
                                                 x150, x150, x150);

    g_assert_cmpstr (note_line_of (out), ==, expected);
  }

  /* a three-octet € would straddle octet 75: it moves whole */
  {
    g_autofree char *note = g_strconcat (a69, "€b", NULL);
    g_autofree char *out = vcard_with_note (note);
    g_autofree char *expected = g_strdup_printf ("NOTE:%s\r\n €b\r\nEND:VCARD\r\n", a69);

    g_assert_cmpstr (note_line_of (out), ==, expected);
  }

  /* so does a four-octet emoji, at either offset */
  {
    g_autofree char *note = g_strconcat (a68, "😀", NULL);
    g_autofree char *out = vcard_with_note (note);
    g_autofree char *expected = g_strdup_printf ("NOTE:%s\r\n 😀\r\nEND:VCARD\r\n", a68);

    g_assert_cmpstr (note_line_of (out), ==, expected);
  }
  {
    g_autofree char *note = g_strconcat (a70, "😀", NULL);
    g_autofree char *out = vcard_with_note (note);
    g_autofree char *expected = g_strdup_printf ("NOTE:%s\r\n 😀\r\nEND:VCARD\r\n", a70);

    g_assert_cmpstr (note_line_of (out), ==, expected);
  }

  /* an escape stays with its backslash */
  {
    g_autofree char *note = g_strconcat (a69, ",", NULL);
    g_autofree char *out = vcard_with_note (note);
    g_autofree char *expected = g_strdup_printf ("NOTE:%s\r\n \\,\r\nEND:VCARD\r\n", a69);

    g_assert_cmpstr (note_line_of (out), ==, expected);
  }

  /* Many lengths of mixed text: every line fits and is whole UTF-8. */
  for (guint shift = 0; shift < 12; shift++)
    {
      g_autoptr(GString) note = g_string_new (NULL);
      g_autoptr(GString) expected = g_string_new ("BEGIN:VCARD\r\nVERSION:3.0\r\nN:;A;;;\r\nFN:A\r\nNOTE:");
      g_autofree char *out = NULL;

      for (guint i = 0; i < shift; i++)
        g_string_append_c (note, '.');
      for (guint i = 0; i < 40; i++)
        g_string_append (note, (const char *[]) { "ä", "€", "😀", "x", ",", "\n", "\\" }[i % 7]);

      out = vcard_with_note (note->str);

      for (const char *p = note->str; *p; p++)
        {
          if (*p == '\n')
            g_string_append (expected, "\\n");
          else if (*p == ',' || *p == '\\')
            g_string_append_printf (expected, "\\%c", *p);
          else
            g_string_append_c (expected, *p);
        }
      g_string_append (expected, "\r\nEND:VCARD\r\n");

      assert_folded (out, expected->str);
    }
}

static void
test_payload_vcard_errors (void)
{
  assert_encode_error (QRS_PAYLOAD_TYPE_VCARD, PAIRS ("org", "Acme"), QRS_PAYLOAD_ERROR_MISSING_FIELD, "name");
  assert_encode_error (QRS_PAYLOAD_TYPE_VCARD, PAIRS ("name", "Ada\nLovelace"),
                       QRS_PAYLOAD_ERROR_INVALID_FIELD, "name");
  assert_encode_error (QRS_PAYLOAD_TYPE_VCARD, PAIRS ("name", "Ada", "given-name", "A\nB"),
                       QRS_PAYLOAD_ERROR_INVALID_FIELD, "given-name");
  assert_encode_error (QRS_PAYLOAD_TYPE_VCARD, PAIRS ("name", "Ada", "phone", "+1 555 0100", "phone", "call me"),
                       QRS_PAYLOAD_ERROR_INVALID_FIELD, "phone");
  assert_encode_error (QRS_PAYLOAD_TYPE_VCARD, PAIRS ("name", "Ada", "email", "ada@example.com", "email", "ada@"),
                       QRS_PAYLOAD_ERROR_INVALID_FIELD, "email");
  assert_encode_error (QRS_PAYLOAD_TYPE_VCARD, PAIRS ("name", "Ada", "email", "Ada <ada@example.com>"),
                       QRS_PAYLOAD_ERROR_INVALID_FIELD, "email");
  assert_encode_error (QRS_PAYLOAD_TYPE_VCARD, PAIRS ("name", "Ada", "url", "javascript:alert(1)"),
                       QRS_PAYLOAD_ERROR_INVALID_FIELD, "url");
  /* a contact's website is a web page */
  assert_encode_error (QRS_PAYLOAD_TYPE_VCARD, PAIRS ("name", "Ada", "url", "mailto:ada@example.com"),
                       QRS_PAYLOAD_ERROR_INVALID_FIELD, "url");
  assert_encode_error (QRS_PAYLOAD_TYPE_VCARD, PAIRS ("name", "Ada", "city", "London\nUK"),
                       QRS_PAYLOAD_ERROR_INVALID_FIELD, "city");
  assert_encode_error (QRS_PAYLOAD_TYPE_VCARD, PAIRS ("name", "Ada", "birthday", "2023-02-29"),
                       QRS_PAYLOAD_ERROR_INVALID_FIELD, "birthday");
  assert_encode_error (QRS_PAYLOAD_TYPE_VCARD, PAIRS ("name", "Ada", "birthday", "10/12/1815"),
                       QRS_PAYLOAD_ERROR_INVALID_FIELD, "birthday");
}

/* mecard */

static void
test_payload_mecard (void)
{
  g_autofree char *full = NULL;
  g_autofree char *escaped = NULL;
  g_autofree char *minimal = NULL;

  full = encode_ok (QRS_PAYLOAD_TYPE_MECARD,
                    PAIRS ("name", "Ada Lovelace",
                           "phone", "+44 (20) 7946-0958",
                           "phone", "020.7946.0959",
                           "email", "ada@example.com",
                           "url", "https://example.com/ada",
                           "address", "12 St James's Square, London",
                           "birthday", "1815-12-10",
                           "note", "Line 1\r\nLine 2"));
  g_assert_cmpstr (full, ==,
                   "MECARD:N:Ada Lovelace;TEL:+442079460958;TEL:02079460959;EMAIL:ada@example.com;"
                   "NOTE:Line 1\nLine 2;BDAY:18151210;ADR:12 St James's Square\\, London;"
                   "URL:https\\://example.com/ada;;");

  /* every special character, non-ASCII and emoji */
  escaped = encode_ok (QRS_PAYLOAD_TYPE_MECARD,
                       PAIRS ("name", "a\\b;c,d:e\"f", "note", "Zoë 😀 \\;,:\""));
  g_assert_cmpstr (escaped, ==,
                   "MECARD:N:a\\\\b\\;c\\,d\\:e\\\"f;NOTE:Zoë 😀 \\\\\\;\\,\\:\\\";;");

  minimal = encode_ok (QRS_PAYLOAD_TYPE_MECARD, PAIRS ("name", "Ada", "birthday", "20000229"));
  g_assert_cmpstr (minimal, ==, "MECARD:N:Ada;BDAY:20000229;;");

  assert_encode_error (QRS_PAYLOAD_TYPE_MECARD, PAIRS ("phone", "+1 555 0100"),
                       QRS_PAYLOAD_ERROR_MISSING_FIELD, "name");
  assert_encode_error (QRS_PAYLOAD_TYPE_MECARD, PAIRS ("name", "Ada", "birthday", "19991301"),
                       QRS_PAYLOAD_ERROR_INVALID_FIELD, "birthday");
  assert_encode_error (QRS_PAYLOAD_TYPE_MECARD, PAIRS ("name", "Ada", "birthday", "1999-1-1"),
                       QRS_PAYLOAD_ERROR_INVALID_FIELD, "birthday");
  assert_encode_error (QRS_PAYLOAD_TYPE_MECARD, PAIRS ("name", "Ada", "address", "1 High St\nLondon"),
                       QRS_PAYLOAD_ERROR_INVALID_FIELD, "address");
  assert_encode_error (QRS_PAYLOAD_TYPE_MECARD, PAIRS ("name", "Ada", "phone", "12"),
                       QRS_PAYLOAD_ERROR_INVALID_FIELD, "phone");
  assert_encode_error (QRS_PAYLOAD_TYPE_MECARD, PAIRS ("name", "Ada", "email", "ada.example.com"),
                       QRS_PAYLOAD_ERROR_INVALID_FIELD, "email");
  assert_encode_error (QRS_PAYLOAD_TYPE_MECARD, PAIRS ("name", "Ada", "url", "example.com"),
                       QRS_PAYLOAD_ERROR_INVALID_FIELD, "url");
}

/* email */

static void
test_payload_email (void)
{
  g_autofree char *full = NULL;
  g_autofree char *plain = NULL;
  g_autofree char *several = NULL;

  full = encode_ok (QRS_PAYLOAD_TYPE_EMAIL,
                    PAIRS ("to", " ada@example.com ",
                           "subject", "Hello there & more? 100%",
                           "body", "Line 1\nLine 2 = ok+fine é 😀\r\nEnd#",
                           "cc", "bob@example.com",
                           "bcc", "eve+qr@example.com"));
  g_assert_cmpstr (full, ==,
                   "mailto:ada@example.com"
                   "?subject=Hello%20there%20%26%20more%3F%20100%25"
                   "&body=Line%201%0D%0ALine%202%20%3D%20ok%2Bfine%20%C3%A9%20%F0%9F%98%80%0D%0AEnd%23"
                   "&cc=bob@example.com"
                   "&bcc=eve+qr@example.com");

  plain = encode_ok (QRS_PAYLOAD_TYPE_EMAIL, PAIRS ("to", "ada@example.com"));
  g_assert_cmpstr (plain, ==, "mailto:ada@example.com");

  several = encode_ok (QRS_PAYLOAD_TYPE_EMAIL,
                       PAIRS ("to", "ada@example.com", "to", "jörg@bücher.example", "body", "Hi",
                              "bcc", "x@example.com", "bcc", "y@example.com"));
  g_assert_cmpstr (several, ==,
                   "mailto:ada@example.com,j%C3%B6rg@b%C3%BCcher.example?body=Hi&bcc=x@example.com,y@example.com");

  assert_encode_error (QRS_PAYLOAD_TYPE_EMAIL, PAIRS ("subject", "Hi"), QRS_PAYLOAD_ERROR_MISSING_FIELD, "to");
  assert_encode_error (QRS_PAYLOAD_TYPE_EMAIL, PAIRS ("to", "ada"), QRS_PAYLOAD_ERROR_INVALID_FIELD, "to");
  assert_encode_error (QRS_PAYLOAD_TYPE_EMAIL, PAIRS ("to", "ada@example"), QRS_PAYLOAD_ERROR_INVALID_FIELD, "to");
  assert_encode_error (QRS_PAYLOAD_TYPE_EMAIL, PAIRS ("to", "ada@@example.com"), QRS_PAYLOAD_ERROR_INVALID_FIELD, "to");
  assert_encode_error (QRS_PAYLOAD_TYPE_EMAIL, PAIRS ("to", "a..b@example.com"), QRS_PAYLOAD_ERROR_INVALID_FIELD, "to");
  assert_encode_error (QRS_PAYLOAD_TYPE_EMAIL, PAIRS ("to", ".ab@example.com"), QRS_PAYLOAD_ERROR_INVALID_FIELD, "to");
  assert_encode_error (QRS_PAYLOAD_TYPE_EMAIL, PAIRS ("to", "ada@-example.com"), QRS_PAYLOAD_ERROR_INVALID_FIELD, "to");
  assert_encode_error (QRS_PAYLOAD_TYPE_EMAIL, PAIRS ("to", "ada lovelace@example.com"),
                       QRS_PAYLOAD_ERROR_INVALID_FIELD, "to");
  {
    g_autoptr(QrsPayload) payload = payload_new_with (QRS_PAYLOAD_TYPE_EMAIL,
                                                      PAIRS ("to", "a@example.com, b@example.com"));
    g_autoptr(GError) error = NULL;

    g_assert_null (qrs_payload_encode (payload, &error));
    g_assert_error (error, QRS_PAYLOAD_ERROR, QRS_PAYLOAD_ERROR_INVALID_FIELD);
    assert_names_field (error, "to");
    g_assert_nonnull (strstr (error->message, "several addresses"));
  }
  assert_encode_error (QRS_PAYLOAD_TYPE_EMAIL, PAIRS ("to", "ada@example.com", "subject", "Hi\nBcc: spam@example.com"),
                       QRS_PAYLOAD_ERROR_INVALID_FIELD, "subject");
  assert_encode_error (QRS_PAYLOAD_TYPE_EMAIL, PAIRS ("to", "ada@example.com", "cc", "bob"),
                       QRS_PAYLOAD_ERROR_INVALID_FIELD, "cc");
  assert_encode_error (QRS_PAYLOAD_TYPE_EMAIL, PAIRS ("to", "ada@example.com", "bcc", "eve@"),
                       QRS_PAYLOAD_ERROR_INVALID_FIELD, "bcc");
}

/* phone and sms */

static void
test_payload_phone (void)
{
  struct { const char *in; const char *out; } good[] = {
    { "+1 (555) 123-4567", "tel:+15551234567" },
    { " +44 20 7946 0958 ", "tel:+442079460958" },
    { "0049 30.1234.5678", "tel:00493012345678" },
    { "(+33) 1 23 45 67 89", "tel:+33123456789" },
    { "112", "tel:112" },
    { "+123456789012345", "tel:+123456789012345" },
  };
  const char *bad[] = {
    "555-CALL-NOW", "1+2", "++1555", "+1 555 / 123", "12", "+1234567890123456",
    "123456789012345678", "+1 555 0100 ext. 2", "١٢٣٤٥", "-- ()",
  };

  for (guint i = 0; i < G_N_ELEMENTS (good); i++)
    {
      g_autofree char *out = encode_ok (QRS_PAYLOAD_TYPE_PHONE, PAIRS ("number", good[i].in));

      g_assert_cmpstr (out, ==, good[i].out);
    }

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    assert_encode_error (QRS_PAYLOAD_TYPE_PHONE, PAIRS ("number", bad[i]),
                         QRS_PAYLOAD_ERROR_INVALID_FIELD, "number");

  assert_encode_error (QRS_PAYLOAD_TYPE_PHONE, PAIRS ("number", " "), QRS_PAYLOAD_ERROR_MISSING_FIELD, "number");
}

static void
test_payload_sms (void)
{
  g_autofree char *a = encode_ok (QRS_PAYLOAD_TYPE_SMS,
                                  PAIRS ("number", "+1 555-1234", "message", "Hello: world; 100% \\ \"ok\", 😀"));
  g_autofree char *b = encode_ok (QRS_PAYLOAD_TYPE_SMS, PAIRS ("number", "+15551234"));
  g_autofree char *c = encode_ok (QRS_PAYLOAD_TYPE_SMS, PAIRS ("number", "5551234", "message", "Line 1\r\nLine 2"));

  /* after the second colon everything is the message: nothing escaped */
  g_assert_cmpstr (a, ==, "SMSTO:+15551234:Hello: world; 100% \\ \"ok\", 😀");
  g_assert_cmpstr (b, ==, "SMSTO:+15551234");
  g_assert_cmpstr (c, ==, "SMSTO:5551234:Line 1\nLine 2");

  assert_encode_error (QRS_PAYLOAD_TYPE_SMS, PAIRS ("message", "Hi"), QRS_PAYLOAD_ERROR_MISSING_FIELD, "number");
  assert_encode_error (QRS_PAYLOAD_TYPE_SMS, PAIRS ("number", "call me"), QRS_PAYLOAD_ERROR_INVALID_FIELD, "number");
  assert_encode_error (QRS_PAYLOAD_TYPE_SMS, PAIRS ("number", "5551234", "message", "bell\a"),
                       QRS_PAYLOAD_ERROR_INVALID_FIELD, "message");
}

/* geo */

static void
test_payload_geo (void)
{
  struct { const char *lat; const char *lon; const char *alt; const char *out; } good[] = {
    { "48.8584", "2.2945", NULL, "geo:48.8584,2.2945" },
    { "-33.8568", "151.2153", "58.5", "geo:-33.8568,151.2153,58.5" },
    { " +10 ", "-0.5", "-12", "geo:10,-0.5,-12" },
    { ".5", "5.", NULL, "geo:0.5,5" },
    { "90", "-180", NULL, "geo:90,-180" },
    { "-90.000", "180.0", "0", "geo:-90.000,180.0,0" },
  };
  struct { const char *lat; const char *lon; const char *alt; const char *field; } bad[] = {
    { "90.0001", "0", NULL, "latitude" },
    { "-91", "0", NULL, "latitude" },
    { "0", "180.5", NULL, "longitude" },
    { "0", "-181", NULL, "longitude" },
    { "48,8584", "2.2945", NULL, "latitude" },
    { "48.8584", "2,2945", NULL, "longitude" },
    { "1e1", "0", NULL, "latitude" },
    { "nan", "0", NULL, "latitude" },
    { "0", "inf", NULL, "longitude" },
    { "0x10", "0", NULL, "latitude" },
    { "north", "0", NULL, "latitude" },
    { ".", "0", NULL, "latitude" },
    { "-", "0", NULL, "latitude" },
    { "1.2.3", "0", NULL, "latitude" },
    { "48°51′", "0", NULL, "latitude" },
    { "0", "0", "high", "altitude" },
    { "0", "0", "1e400", "altitude" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (good); i++)
    {
      g_autofree char *out = encode_ok (QRS_PAYLOAD_TYPE_GEO,
                                        PAIRS ("latitude", good[i].lat, "longitude", good[i].lon,
                                               "altitude", good[i].alt));
      g_assert_cmpstr (out, ==, good[i].out);
    }

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    assert_encode_error (QRS_PAYLOAD_TYPE_GEO,
                         PAIRS ("latitude", bad[i].lat, "longitude", bad[i].lon, "altitude", bad[i].alt),
                         QRS_PAYLOAD_ERROR_INVALID_FIELD, bad[i].field);

  assert_encode_error (QRS_PAYLOAD_TYPE_GEO, PAIRS ("latitude", "1"), QRS_PAYLOAD_ERROR_MISSING_FIELD, "longitude");
  assert_encode_error (QRS_PAYLOAD_TYPE_GEO, PAIRS ("longitude", "1"), QRS_PAYLOAD_ERROR_MISSING_FIELD, "latitude");
}

/* event */

static void
test_payload_event (void)
{
  struct { const char * const *in; const char *out; } cases[] = {
    { PAIRS ("summary", "Launch", "start", "2026-11-29T11:30:00+01:00", "end", "2026-11-29T13:00+01:00",
             "location", "Hall A", "description", "Bring a badge"),
      "BEGIN:VEVENT\r\nSUMMARY:Launch\r\nDTSTART:20261129T103000Z\r\nDTEND:20261129T120000Z\r\n"
      "LOCATION:Hall A\r\nDESCRIPTION:Bring a badge\r\nEND:VEVENT\r\n" },
    /* Z, and an offset that moves the date and the year */
    { PAIRS ("summary", "New year", "start", "2027-01-01T00:30:00+01:00", "end", "2027-01-01T01:00:00Z"),
      "BEGIN:VEVENT\r\nSUMMARY:New year\r\nDTSTART:20261231T233000Z\r\nDTEND:20270101T010000Z\r\nEND:VEVENT\r\n" },
    { PAIRS ("summary", "West", "start", " 2026-11-29 10:30-08:00 "),
      "BEGIN:VEVENT\r\nSUMMARY:West\r\nDTSTART:20261129T183000Z\r\nEND:VEVENT\r\n" },
    /* without an offset, the time on the computer's clock (TZ=Europe/Madrid
     * in main(): UTC+2 in May, UTC+1 in November) */
    { PAIRS ("summary", "Open day", "start", "2026-05-02 10:00", "end", "2026-05-02T14:30"),
      "BEGIN:VEVENT\r\nSUMMARY:Open day\r\nDTSTART:20260502T080000Z\r\nDTEND:20260502T123000Z\r\nEND:VEVENT\r\n" },
    { PAIRS ("summary", "Talk", "start", "2026-11-29T10:30:00", "end", "2026-11-29T11:00:00+01:00"),
      "BEGIN:VEVENT\r\nSUMMARY:Talk\r\nDTSTART:20261129T093000Z\r\nDTEND:20261129T100000Z\r\nEND:VEVENT\r\n" },
    { PAIRS ("summary", "Instant", "start", "2026-11-29T10:30:00Z", "end", "2026-11-29T10:30:00Z"),
      "BEGIN:VEVENT\r\nSUMMARY:Instant\r\nDTSTART:20261129T103000Z\r\nDTEND:20261129T103000Z\r\nEND:VEVENT\r\n" },
    /* a bare date is all day; DTEND is the day after the last */
    { PAIRS ("summary", "Fair", "start", "2026-11-29"),
      "BEGIN:VEVENT\r\nSUMMARY:Fair\r\nDTSTART;VALUE=DATE:20261129\r\nDTEND;VALUE=DATE:20261130\r\nEND:VEVENT\r\n" },
    { PAIRS ("summary", "Fair", "start", "20261230", "end", "2026-12-31", "all-day", "yes"),
      "BEGIN:VEVENT\r\nSUMMARY:Fair\r\nDTSTART;VALUE=DATE:20261230\r\nDTEND;VALUE=DATE:20270101\r\nEND:VEVENT\r\n" },
    { PAIRS ("summary", "Leap", "start", "2028-02-28", "end", "2028-02-29", "all-day", "true"),
      "BEGIN:VEVENT\r\nSUMMARY:Leap\r\nDTSTART;VALUE=DATE:20280228\r\nDTEND;VALUE=DATE:20280301\r\nEND:VEVENT\r\n" },
    /* RFC 5545 text: \ ; , and line breaks escaped, : and " not */
    { PAIRS ("summary", "a\\b;c,d:e\"f 😀", "start", "2026-11-29T10:30:00Z",
             "location", "Hall A,\nFloor 2", "description", "Line 1\r\nLine 2;\\n"),
      "BEGIN:VEVENT\r\nSUMMARY:a\\\\b\\;c\\,d:e\"f 😀\r\nDTSTART:20261129T103000Z\r\n"
      "LOCATION:Hall A\\,\\nFloor 2\r\nDESCRIPTION:Line 1\\nLine 2\\;\\\\n\r\nEND:VEVENT\r\n" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *out = encode_ok (QRS_PAYLOAD_TYPE_EVENT, cases[i].in);

      g_assert_cmpstr (out, ==, cases[i].out);
    }

  /* folding of a long description, never inside a character */
  {
    g_autoptr(GString) description = g_string_new (NULL);
    g_autoptr(GString) expected = g_string_new ("BEGIN:VEVENT\r\nSUMMARY:Talk\r\nDTSTART:20261129T103000Z\r\n"
                                                "DESCRIPTION:");
    g_autofree char *out = NULL;

    for (guint i = 0; i < 60; i++)
      g_string_append (description, "Grüße 😀 ");
    g_string_append (expected, description->str);
    g_string_append (expected, "\r\nEND:VEVENT\r\n");

    out = encode_ok (QRS_PAYLOAD_TYPE_EVENT, PAIRS ("summary", "Talk", "start", "2026-11-29T10:30:00Z",
                                                    "description", description->str));
    assert_folded (out, expected->str);
    g_assert_cmpuint (strlen (out), >, strlen (expected->str));
  }
}

static void
test_payload_event_errors (void)
{
  struct { const char * const *in; int code; const char *field; } cases[] = {
    { PAIRS ("start", "2026-11-29T10:30:00Z"), QRS_PAYLOAD_ERROR_MISSING_FIELD, "summary" },
    { PAIRS ("summary", "Launch"), QRS_PAYLOAD_ERROR_MISSING_FIELD, "start" },
    { PAIRS ("summary", "Launch\nParty", "start", "2026-11-29T10:30:00Z"), QRS_PAYLOAD_ERROR_INVALID_FIELD, "summary" },
    /* no offset is local time (Madrid: UTC+1 in November), and still
     * compared with the other end in UTC */
    { PAIRS ("summary", "Launch", "start", "2026-11-29T10:30:00Z", "end", "2026-11-29 11:00"),
      QRS_PAYLOAD_ERROR_INVALID_FIELD, "end" },
    { PAIRS ("summary", "Launch", "start", "tomorrow"), QRS_PAYLOAD_ERROR_INVALID_FIELD, "start" },
    { PAIRS ("summary", "Launch", "start", "2026-02-30T10:00:00Z"), QRS_PAYLOAD_ERROR_INVALID_FIELD, "start" },
    { PAIRS ("summary", "Launch", "start", "2026-02-30"), QRS_PAYLOAD_ERROR_INVALID_FIELD, "start" },
    { PAIRS ("summary", "Launch", "start", "2026-11-29T25:00:00Z"), QRS_PAYLOAD_ERROR_INVALID_FIELD, "start" },
    { PAIRS ("summary", "Launch", "start", "9999-12-31T23:00:00-05:00"), QRS_PAYLOAD_ERROR_INVALID_FIELD, "start" },
    { PAIRS ("summary", "Launch", "start", "2026-11-29T10:00:00Z", "end", "0001-01-01T00:30:00+01:00"),
      QRS_PAYLOAD_ERROR_INVALID_FIELD, "end" },
    /* end before start, also when only the offsets make it so */
    { PAIRS ("summary", "Launch", "start", "2026-11-29T10:30:00Z", "end", "2026-11-29T10:29:59Z"),
      QRS_PAYLOAD_ERROR_INVALID_FIELD, "end" },
    { PAIRS ("summary", "Launch", "start", "2026-11-29T10:30:00+00:00", "end", "2026-11-29T11:00:00+01:00"),
      QRS_PAYLOAD_ERROR_INVALID_FIELD, "end" },
    { PAIRS ("summary", "Fair", "start", "2026-11-29", "end", "2026-11-28"), QRS_PAYLOAD_ERROR_INVALID_FIELD, "end" },
    /* dates and times mixed up */
    { PAIRS ("summary", "Fair", "start", "2026-11-29T10:30:00Z", "all-day", "true"),
      QRS_PAYLOAD_ERROR_INVALID_FIELD, "start" },
    { PAIRS ("summary", "Fair", "start", "2026-11-29", "end", "2026-11-30T10:00:00Z"),
      QRS_PAYLOAD_ERROR_INVALID_FIELD, "end" },
    { PAIRS ("summary", "Fair", "start", "2026-11-29", "all-day", "false"), QRS_PAYLOAD_ERROR_INVALID_FIELD, "start" },
    { PAIRS ("summary", "Fair", "start", "2026-11-29T10:00:00Z", "end", "2026-11-30"),
      QRS_PAYLOAD_ERROR_INVALID_FIELD, "end" },
    { PAIRS ("summary", "Fair", "start", "2026-11-29", "all-day", "sometimes"), QRS_PAYLOAD_ERROR_INVALID_FIELD, "all-day" },
    { PAIRS ("summary", "Fair", "start", "2026-11-29", "location", "Hall\x7f"), QRS_PAYLOAD_ERROR_INVALID_FIELD, "location" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    assert_encode_error (QRS_PAYLOAD_TYPE_EVENT, cases[i].in, cases[i].code, cases[i].field);
}

/* JSON */

static char *
node_to_string (JsonNode *node)
{
  return json_to_string (node, FALSE);
}

static JsonNode *
parse_json (const char *text)
{
  g_autoptr(GError) error = NULL;
  JsonNode *node = json_from_string (text, &error);

  g_assert_no_error (error);
  return node;
}

static void
test_payload_json_format (void)
{
  g_autoptr(QrsPayload) wifi = NULL;
  g_autoptr(QrsPayload) vcard = NULL;
  g_autoptr(QrsPayload) empty = qrs_payload_new (QRS_PAYLOAD_TYPE_GEO);
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(JsonNode) node2 = NULL;
  g_autoptr(JsonNode) node3 = NULL;
  g_autofree char *text = NULL;
  g_autofree char *text2 = NULL;
  g_autofree char *text3 = NULL;

  /* fields in table order, whatever the order they were set in */
  wifi = payload_new_with (QRS_PAYLOAD_TYPE_WIFI, PAIRS ("hidden", "true", "ssid", "Lab"));
  node = qrs_payload_to_json (wifi);
  text = node_to_string (node);
  g_assert_cmpstr (text, ==, "{\"type\":\"wifi\",\"fields\":{\"ssid\":\"Lab\",\"hidden\":\"true\"}}");

  /* several-valued fields are arrays, even with one value */
  vcard = payload_new_with (QRS_PAYLOAD_TYPE_VCARD,
                            PAIRS ("name", "Ada", "phone", "+1 555", "phone", "+1 556", "email", "a@example.com"));
  node2 = qrs_payload_to_json (vcard);
  text2 = node_to_string (node2);
  g_assert_cmpstr (text2, ==,
                   "{\"type\":\"vcard\",\"fields\":{\"name\":\"Ada\",\"phone\":[\"+1 555\",\"+1 556\"],"
                   "\"email\":[\"a@example.com\"]}}");

  node3 = qrs_payload_to_json (empty);
  text3 = node_to_string (node3);
  g_assert_cmpstr (text3, ==, "{\"type\":\"geo\",\"fields\":{}}");
}

/* Every type, with every field filled, survives JSON text and back. */
static void
test_payload_json_round_trip (void)
{
  const char * const *full[] = {
    [QRS_PAYLOAD_TYPE_TEXT] = PAIRS ("text", "Hello \\ ; , : \" ä 😀\nline 2"),
    [QRS_PAYLOAD_TYPE_URL] = PAIRS ("url", "https://example.com/Äpfel?q=1"),
    [QRS_PAYLOAD_TYPE_WIFI] = PAIRS ("ssid", "Lab;1", "password", "p:\"w\\d,12", "auth", "wpa2", "hidden", "yes"),
    [QRS_PAYLOAD_TYPE_VCARD] = PAIRS ("name", "Ada Lovelace", "family-name", "Lovelace", "given-name", "Ada",
                                      "org", "Engines", "title", "Countess", "phone", "+44 20 7946 0958",
                                      "phone", "+44 20 7946 0959", "email", "ada@example.com",
                                      "email", "ada2@example.com", "url", "https://example.com/",
                                      "street", "12 St James's Square\nFlat 1", "city", "London",
                                      "region", "Greater London", "postcode", "SW1Y 4JH",
                                      "country", "UK", "birthday", "1815-12-10", "note", "Poet 😀"),
    [QRS_PAYLOAD_TYPE_MECARD] = PAIRS ("name", "Ada", "phone", "+1 555 0100", "email", "ada@example.com",
                                       "url", "https://example.com/", "address", "1 High St, London",
                                       "birthday", "18151210", "note", "Hi;there"),
    [QRS_PAYLOAD_TYPE_EMAIL] = PAIRS ("to", "ada@example.com", "to", "bob@example.com", "subject", "Hi & bye",
                                      "body", "Line 1\nLine 2", "cc", "c@example.com", "bcc", "d@example.com"),
    [QRS_PAYLOAD_TYPE_PHONE] = PAIRS ("number", "+1 (555) 123-4567"),
    [QRS_PAYLOAD_TYPE_SMS] = PAIRS ("number", "+15551234", "message", "See you: 10:30"),
    [QRS_PAYLOAD_TYPE_GEO] = PAIRS ("latitude", "48.8584", "longitude", "2.2945", "altitude", "330"),
    [QRS_PAYLOAD_TYPE_EVENT] = PAIRS ("summary", "Launch", "start", "2026-11-29T10:30:00+01:00",
                                      "end", "2026-11-29T12:00:00+01:00", "location", "Hall A",
                                      "description", "Bring a badge", "all-day", "false"),
  };

  for (QrsPayloadType t = QRS_PAYLOAD_TYPE_TEXT; t <= QRS_PAYLOAD_TYPE_EVENT; t++)
    {
      g_autoptr(QrsPayload) payload = payload_new_with (t, full[t]);
      g_autoptr(QrsPayload) back = NULL;
      g_autoptr(JsonNode) node = qrs_payload_to_json (payload);
      g_autoptr(JsonNode) parsed = NULL;
      g_autoptr(JsonNode) node_back = NULL;
      g_autoptr(GError) error = NULL;
      g_autofree char *text = node_to_string (node);
      g_autofree char *text_back = NULL;
      g_autofree char *encoded = NULL;
      g_autofree char *encoded_back = NULL;
      guint n_fields;
      const QrsPayloadField *fields = qrs_payload_type_get_fields (t, &n_fields);

      parsed = parse_json (text);
      back = qrs_payload_new_from_json (parsed, &error);
      g_assert_no_error (error);
      g_assert_nonnull (back);
      g_assert_cmpint (qrs_payload_get_payload_type (back), ==, t);

      /* every field was filled, and every one came back */
      for (guint i = 0; i < n_fields; i++)
        {
          const char * const *a = qrs_payload_get_all (payload, fields[i].name);
          const char * const *b = qrs_payload_get_all (back, fields[i].name);

          g_assert_nonnull (a);
          g_assert_nonnull (b);
          g_assert_true (g_strv_equal ((const char **)a, (const char **)b));
        }

      node_back = qrs_payload_to_json (back);
      text_back = node_to_string (node_back);
      g_assert_cmpstr (text_back, ==, text);

      encoded = qrs_payload_encode (payload, &error);
      g_assert_no_error (error);
      encoded_back = qrs_payload_encode (back, &error);
      g_assert_no_error (error);
      g_assert_cmpstr (encoded, ==, encoded_back);

      g_assert_finalize_object (g_steal_pointer (&back));
    }
}

static void
test_payload_json_lenient_but_not_guessing (void)
{
  g_autoptr(JsonNode) node = parse_json ("{\"type\":\"VCARD\",\"fields\":{\"name\":\"Ada\",\"phone\":\"+1 555\","
                                         "\"email\":[],\"note\":\"\"}}");
  g_autoptr(JsonNode) no_fields = parse_json ("{\"type\":\"text\"}");
  g_autoptr(QrsPayload) payload = NULL;
  g_autoptr(QrsPayload) empty = NULL;
  g_autoptr(GError) error = NULL;

  /* a lone string for a several-valued field; empty values are no values */
  payload = qrs_payload_new_from_json (node, &error);
  g_assert_no_error (error);
  g_assert_cmpint (qrs_payload_get_payload_type (payload), ==, QRS_PAYLOAD_TYPE_VCARD);
  g_assert_cmpstr (qrs_payload_get_all (payload, "phone")[0], ==, "+1 555");
  g_assert_null (qrs_payload_get_all (payload, "email"));
  g_assert_null (qrs_payload_get (payload, "note"));

  /* no fields is an empty payload, which then fails to encode */
  empty = qrs_payload_new_from_json (no_fields, &error);
  g_assert_no_error (error);
  assert_payload_error (empty, QRS_PAYLOAD_ERROR_MISSING_FIELD, "text");
}

static void
test_payload_json_errors (void)
{
  struct { const char *json; int code; const char *needle; } cases[] = {
    { "[]", QRS_PAYLOAD_ERROR_UNKNOWN_TYPE, "an array" },
    { "\"wifi\"", QRS_PAYLOAD_ERROR_UNKNOWN_TYPE, "a string" },
    { "{}", QRS_PAYLOAD_ERROR_UNKNOWN_TYPE, "“type”" },
    { "{\"type\":3}", QRS_PAYLOAD_ERROR_UNKNOWN_TYPE, "“type”" },
    { "{\"type\":null}", QRS_PAYLOAD_ERROR_UNKNOWN_TYPE, "“type”" },
    { "{\"type\":\"vcalendar\",\"fields\":{}}", QRS_PAYLOAD_ERROR_UNKNOWN_TYPE, "“vcalendar”" },
    { "{\"type\":\"wifi\",\"feilds\":{\"ssid\":\"Lab\"}}", QRS_PAYLOAD_ERROR_UNKNOWN_FIELD, "“feilds”" },
    { "{\"type\":\"wifi\",\"fields\":{\"ssid\":\"Lab\",\"pasword\":\"x\"}}", QRS_PAYLOAD_ERROR_UNKNOWN_FIELD,
      "ssid, password, auth, hidden" },
    { "{\"type\":\"wifi\",\"fields\":[\"Lab\"]}", QRS_PAYLOAD_ERROR_INVALID_FIELD, "“fields”" },
    { "{\"type\":\"wifi\",\"fields\":null}", QRS_PAYLOAD_ERROR_INVALID_FIELD, "“fields”" },
    { "{\"type\":\"wifi\",\"fields\":{\"ssid\":\"Lab\",\"hidden\":true}}", QRS_PAYLOAD_ERROR_INVALID_FIELD, "“hidden”" },
    { "{\"type\":\"geo\",\"fields\":{\"latitude\":48.85}}", QRS_PAYLOAD_ERROR_INVALID_FIELD, "“latitude”" },
    { "{\"type\":\"wifi\",\"fields\":{\"ssid\":null}}", QRS_PAYLOAD_ERROR_INVALID_FIELD, "“ssid”" },
    { "{\"type\":\"wifi\",\"fields\":{\"ssid\":[\"Lab\"]}}", QRS_PAYLOAD_ERROR_INVALID_FIELD, "“ssid”" },
    { "{\"type\":\"wifi\",\"fields\":{\"ssid\":{\"x\":1}}}", QRS_PAYLOAD_ERROR_INVALID_FIELD, "“ssid”" },
    { "{\"type\":\"vcard\",\"fields\":{\"phone\":[\"1\",2]}}", QRS_PAYLOAD_ERROR_INVALID_FIELD, "“phone”" },
    { "{\"type\":\"vcard\",\"fields\":{\"phone\":5551234}}", QRS_PAYLOAD_ERROR_INVALID_FIELD, "“phone”" },
    { "{\"type\":\"vcard\",\"fields\":{\"email\":[[\"a@example.com\"]]}}", QRS_PAYLOAD_ERROR_INVALID_FIELD, "“email”" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(JsonNode) node = parse_json (cases[i].json);
      g_autoptr(GError) error = NULL;
      QrsPayload *payload = qrs_payload_new_from_json (node, &error);

      if (payload != NULL)
        g_error ("%s was accepted", cases[i].json);
      g_assert_error (error, QRS_PAYLOAD_ERROR, cases[i].code);
      if (strstr (error->message, cases[i].needle) == NULL)
        g_error ("message for %s lacks %s: %s", cases[i].json, cases[i].needle, error->message);
    }

  /* invalid UTF-8 that got into a node is refused by name */
  {
    g_autoptr(JsonBuilder) builder = json_builder_new ();
    g_autoptr(JsonNode) node = NULL;
    g_autoptr(GError) error = NULL;

    json_builder_begin_object (builder);
    json_builder_set_member_name (builder, "type");
    json_builder_add_string_value (builder, "text");
    json_builder_set_member_name (builder, "fields");
    json_builder_begin_object (builder);
    json_builder_set_member_name (builder, "text");
    json_builder_add_string_value (builder, "caf\xe9");
    json_builder_end_object (builder);
    json_builder_end_object (builder);
    node = json_builder_get_root (builder);

    g_assert_null (qrs_payload_new_from_json (node, &error));
    g_assert_error (error, QRS_PAYLOAD_ERROR, QRS_PAYLOAD_ERROR_INVALID_FIELD);
    assert_names_field (error, "text");
  }
}

/* Messages tell the fix in the form's own words: the labels of its rows
 * and of the choices in them. */
static void
test_payload_messages_use_labels (void)
{
  struct { QrsPayloadType type; const char * const *in; const char *says; } cases[] = {
    { QRS_PAYLOAD_TYPE_WIFI, PAIRS ("ssid", "Lab", "auth", "WPA"),
      "The “Password” field is empty, but a WPA network needs one: enter it, or set “Security” to “None (open network)”." },
    { QRS_PAYLOAD_TYPE_WIFI, PAIRS ("ssid", "Lab", "password", "12345678", "auth", "nopass"),
      "set “Security” to “WPA, WPA2 or WPA3” or “WEP”" },
    { QRS_PAYLOAD_TYPE_URL, PAIRS ("url", "example.edu/x"), "The “Web address” field does not start" },
    { QRS_PAYLOAD_TYPE_EVENT, PAIRS ("summary", "Fair", "start", "2026-11-29", "all-day", "false"),
      "or switch on “All day”" },
    { QRS_PAYLOAD_TYPE_EVENT, PAIRS ("summary", "Fair", "start", "2026-11-29", "end", "2026-11-28"),
      "The “End” field is before the “Start” field" },
    { QRS_PAYLOAD_TYPE_PHONE, PAIRS ("number", "+1"), "which has 1 digit:" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(QrsPayload) payload = payload_new_with (cases[i].type, cases[i].in);
      g_autoptr(GError) error = NULL;
      g_autofree char *out = qrs_payload_encode (payload, &error);

      g_assert_null (out);
      if (strstr (error->message, cases[i].says) == NULL)
        g_error ("“%s” does not say “%s”", error->message, cases[i].says);
    }

  /* The choices' labels, for forms and for the command line's messages. */
  {
    guint n_fields;
    const QrsPayloadField *fields = qrs_payload_type_get_fields (QRS_PAYLOAD_TYPE_WIFI, &n_fields);

    g_assert_cmpstr (fields[2].name, ==, "auth");
    g_assert_cmpstr (qrs_payload_field_get_choice_label (&fields[2], "nopass"), ==, "None (open network)");
    g_assert_cmpstr (qrs_payload_field_get_choice_label (&fields[2], "wpa"), ==, "WPA, WPA2 or WPA3");
    g_assert_null (qrs_payload_field_get_choice_label (&fields[2], "WPA2-EAP"));
    g_assert_null (qrs_payload_field_get_choice_label (&fields[0], "Lab"));
  }
}

int
main (int   argc,
      char *argv[])
{
  /* Events without an offset are in local time: make it known. */
  g_setenv ("TZ", "Europe/Madrid", TRUE);
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/core/payload/types", test_payload_types);
  g_test_add_func ("/core/payload/messages-use-labels", test_payload_messages_use_labels);
  g_test_add_func ("/core/payload/field-tables", test_payload_field_tables);
  g_test_add_func ("/core/payload/set-get", test_payload_set_get);
  g_test_add_func ("/core/payload/unknown-field", test_payload_unknown_field);
  g_test_add_func ("/core/payload/invalid-utf8", test_payload_invalid_utf8);
  g_test_add_func ("/core/payload/copy", test_payload_copy);
  g_test_add_func ("/core/payload/every-field-checked", test_payload_every_field_checked);
  g_test_add_func ("/core/payload/text", test_payload_text);
  g_test_add_func ("/core/payload/url", test_payload_url);
  g_test_add_func ("/core/payload/wifi", test_payload_wifi);
  g_test_add_func ("/core/payload/vcard", test_payload_vcard);
  g_test_add_func ("/core/payload/vcard-n", test_payload_vcard_n);
  g_test_add_func ("/core/payload/vcard-escaping", test_payload_vcard_escaping);
  g_test_add_func ("/core/payload/vcard-folding", test_payload_vcard_folding);
  g_test_add_func ("/core/payload/vcard-errors", test_payload_vcard_errors);
  g_test_add_func ("/core/payload/mecard", test_payload_mecard);
  g_test_add_func ("/core/payload/email", test_payload_email);
  g_test_add_func ("/core/payload/phone", test_payload_phone);
  g_test_add_func ("/core/payload/sms", test_payload_sms);
  g_test_add_func ("/core/payload/geo", test_payload_geo);
  g_test_add_func ("/core/payload/event", test_payload_event);
  g_test_add_func ("/core/payload/event-errors", test_payload_event_errors);
  g_test_add_func ("/core/payload/json-format", test_payload_json_format);
  g_test_add_func ("/core/payload/json-round-trip", test_payload_json_round_trip);
  g_test_add_func ("/core/payload/json-lenient", test_payload_json_lenient_but_not_guessing);
  g_test_add_func ("/core/payload/json-errors", test_payload_json_errors);

  return g_test_run ();
}
