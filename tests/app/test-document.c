/* test-document.c — a document and a stored code say the same thing
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "qrs-code-private.h"
#include "qrs-document.h"

static QrsDocument *
make_wifi_document (void)
{
  QrsDocument *document = qrs_document_new ();
  QrsDesign *design = qrs_document_get_design (document);
  g_autoptr(QrsPayload) payload = qrs_payload_new (QRS_PAYLOAD_TYPE_WIFI);
  static const QrsColor navy = { 0x1c, 0x2b, 0x5a, 0xff };
  static const char * const tags[] = { "guests", "lobby", NULL };

  g_assert_true (qrs_payload_set (payload, "ssid", "Campus Guests", NULL));
  g_assert_true (qrs_payload_set (payload, "password", "welcome; 2025", NULL));
  qrs_document_set_payload (document, payload);
  qrs_document_set_tags (document, tags);
  qrs_design_set_title (design, "Guest Wi-Fi");
  qrs_design_set_description (design, "On the lobby posters");
  qrs_design_set_foreground (design, &navy);
  qrs_design_set_caption (design, "Free Wi-Fi");
  qrs_design_set_module_shape (design, QRS_MODULE_SHAPE_DOT);

  return document;
}

static void
test_document_static_round_trip (void)
{
  g_autoptr(QrsDocument) document = make_wifi_document ();
  g_autoptr(QrsDocument) back = NULL;
  g_autoptr(QrsCode) code = NULL;
  g_autoptr(GError) error = NULL;
  QrsDesign *design;

  code = qrs_document_to_code (document);
  g_assert_cmpint (qrs_code_get_kind (code), ==, QRS_CODE_KIND_STATIC);
  g_assert_cmpstr (qrs_code_get_payload_type (code), ==, "wifi");
  g_assert_cmpstr (qrs_code_get_encoded (code), ==, qrs_document_get_text (document));
  g_assert_null (qrs_code_get_target_url (code));
  g_assert_null (qrs_code_get_short_id (code));
  g_assert_cmpstr (qrs_code_get_title (code), ==, "Guest Wi-Fi");
  g_assert_cmpstr (qrs_code_get_description (code), ==, "On the lobby posters");
  g_assert_cmpstr (qrs_code_get_tags (code)[1], ==, "lobby");
  g_assert_cmpint (qrs_code_get_id (code), ==, 0);

  /* As the store hands it back after saving. */
  qrs_code_set_stored (code, 42, 1, NULL, "editor", NULL, "editor");
  back = qrs_document_new_from_code (code, &error);
  g_assert_no_error (error);
  g_assert_cmpint (qrs_document_get_id (back), ==, 42);
  g_assert_true (qrs_document_get_stored (back) == code);
  g_assert_cmpstr (qrs_document_get_text (back), ==, qrs_document_get_text (document));
  g_assert_cmpstr (qrs_payload_get (qrs_document_get_payload (back), "password"), ==, "welcome; 2025");
  g_assert_true (g_strv_equal (qrs_document_get_tags (back), qrs_document_get_tags (document)));

  design = qrs_document_get_design (back);
  g_assert_cmpstr (qrs_design_get_title (design), ==, "Guest Wi-Fi");
  g_assert_cmpstr (qrs_design_get_caption (design), ==, "Free Wi-Fi");
  g_assert_cmpint (qrs_design_get_module_shape (design), ==, QRS_MODULE_SHAPE_DOT);
  g_assert_cmpuint (qrs_design_get_foreground (design)->blue, ==, 0x5a);

  /* The next save is an update of that row, at that version. */
  {
    g_autoptr(QrsCode) again = NULL;

    qrs_design_set_title (design, "Guest Wi-Fi (lobby)");
    again = qrs_document_to_code (back);
    g_assert_cmpint (qrs_code_get_id (again), ==, 42);
    g_assert_cmpint (qrs_code_get_version (again), ==, 1);
    g_assert_cmpstr (qrs_code_get_title (again), ==, "Guest Wi-Fi (lobby)");
  }

  g_assert_finalize_object (g_steal_pointer (&back));
}

static void
test_document_dynamic (void)
{
  g_autoptr(QrsDocument) document = qrs_document_new ();
  g_autoptr(QrsPayload) payload = qrs_payload_new (QRS_PAYLOAD_TYPE_URL);
  g_autoptr(QrsCode) code = NULL;
  g_autoptr(QrsCode) stored = NULL;

  g_assert_true (qrs_payload_set (payload, "url", "https://example.edu/enrol", NULL));
  qrs_document_set_payload (document, payload);
  qrs_document_set_kind (document, QRS_CODE_KIND_DYNAMIC);
  qrs_document_set_redirect_base (document, "https://qr.example.edu/r/");

  /* Unsaved: the store mints the short id. */
  code = qrs_document_to_code (document);
  g_assert_cmpint (qrs_code_get_kind (code), ==, QRS_CODE_KIND_DYNAMIC);
  g_assert_cmpstr (qrs_code_get_target_url (code), ==, "https://example.edu/enrol");
  g_assert_null (qrs_code_get_short_id (code));
  g_assert_cmpstr (qrs_code_get_encoded (code), ==, "");

  /* Saved: the document takes the short id and encodes the short link. */
  stored = qrs_code_copy (code);
  qrs_code_set_short_id (stored, "Ab3dE6gH");
  qrs_code_set_stored (stored, 7, 1, NULL, NULL, NULL, NULL);
  qrs_document_set_stored (document, stored);
  g_assert_cmpint (qrs_document_get_id (document), ==, 7);
  g_assert_cmpstr (qrs_document_get_text (document), ==, "https://qr.example.edu/r/Ab3dE6gH");

  g_clear_object (&code);
  code = qrs_document_to_code (document);
  g_assert_cmpstr (qrs_code_get_short_id (code), ==, "Ab3dE6gH");
  g_assert_cmpstr (qrs_code_get_encoded (code), ==, "https://qr.example.edu/r/Ab3dE6gH");

  /* Someone changed only the target column (qrstudio-cli, the store's
   * set_target): the document takes the target, and saving keeps it. */
  {
    g_autoptr(QrsDocument) reloaded = NULL;
    g_autoptr(QrsCode) again = NULL;
    g_autoptr(GError) error = NULL;

    qrs_code_set_target_url (stored, "https://example.edu/enrol-2027");
    reloaded = qrs_document_new_from_code (stored, &error);
    g_assert_no_error (error);
    g_assert_cmpstr (qrs_payload_get (qrs_document_get_payload (reloaded), "url"), ==,
                     "https://example.edu/enrol-2027");
    again = qrs_document_to_code (reloaded);
    g_assert_cmpstr (qrs_code_get_target_url (again), ==, "https://example.edu/enrol-2027");
  }
}

static void
test_document_bad_row (void)
{
  g_autoptr(QrsCode) code = qrs_code_new (QRS_CODE_KIND_STATIC);
  g_autoptr(GError) error = NULL;
  QrsDocument *document;

  qrs_code_set_payload (code, "{\"type\": \"text\", \"fields\": {\"text\": \"hi\"}}");
  qrs_code_set_design (code, "{\"format\": 1, \"quiet_zone\": \"wide\"}");
  document = qrs_document_new_from_code (code, &error);
  g_assert_null (document);
  g_assert_nonnull (error);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/app/document/static-round-trip", test_document_static_round_trip);
  g_test_add_func ("/app/document/dynamic", test_document_dynamic);
  g_test_add_func ("/app/document/bad-row", test_document_bad_row);

  return g_test_run ();
}
