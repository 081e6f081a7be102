/* test-code-store-query.c — what a library asks for: counts, pages,
 * filters, sorts, scan counts and tags, in a real database
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "qrs-code-store.h"
#include "store-test-util.h"

/* Thirty codes: "Code 00" … "Code 29", every third dynamic, every fifth
 * disabled, the even ones tagged "even", the first ten also "first".
 * Code n has n × 10 scans over two days (code 29 the most), bots apart. */
#define N_CODES 30

static char *db_name;
static QrsDatabase *database;
static gint64 ids[N_CODES];

static void
make_codes (QrsCodeStore *store)
{
  g_autoptr(GString) rollups = g_string_new ("INSERT INTO scan_daily (code_id, day, scans, bots) VALUES ");

  for (guint i = 0; i < N_CODES; i++)
    {
      g_autofree char *title = g_strdup_printf ("Code %02u", i);
      g_autoptr(QrsCode) draft = qrs_code_new (i % 3 == 0 ? QRS_CODE_KIND_DYNAMIC : QRS_CODE_KIND_STATIC);
      g_autoptr(QrsCode) code = NULL;
      g_autoptr(GError) error = NULL;
      const char *tags[3] = { NULL };
      guint n_tags = 0;

      if (i % 2 == 0)
        tags[n_tags++] = "even";
      if (i < 10)
        tags[n_tags++] = "first";
      if (i % 3 == 0)
        qrs_code_set_target_url (draft, "https://example.edu/dynamic");
      else
        qrs_code_set_encoded (draft, "https://example.edu/static");
      qrs_code_set_title (draft, title);
      qrs_code_set_tags (draft, tags);
      qrs_code_set_enabled (draft, i % 5 != 0);
      code = qrs_code_store_create (store, draft, NULL, &error);
      g_assert_no_error (error);
      ids[i] = qrs_code_get_id (code);

      g_string_append_printf (rollups, "%s(%" G_GINT64_FORMAT ", '2024-04-01', %u, 7), "
                              "(%" G_GINT64_FORMAT ", '2024-04-02', %u, 0)",
                              i ? ", " : "", ids[i], i * 4, ids[i], i * 6);
    }

  PQclear (qrs_test_sql (db_name, rollups->str));
}

static QrsCodePage *
page_ok (QrsCodeStore       *store,
         const QrsCodeQuery *query,
         guint               offset,
         guint               limit)
{
  g_autoptr(GError) error = NULL;
  QrsCodePage *page = qrs_code_store_list_page (store, query, offset, limit, 0, NULL, &error);

  g_assert_no_error (error);
  g_assert_nonnull (page);
  g_assert_cmpuint (page->codes->len, ==, page->scans->len);
  return page;
}

static guint64
count_ok (QrsCodeStore       *store,
          const QrsCodeQuery *query)
{
  g_autoptr(GError) error = NULL;
  guint64 n = qrs_code_store_count (store, query, NULL, &error);

  g_assert_no_error (error);
  return n;
}

static const char *
title_at (QrsCodePage *page,
          guint        i)
{
  return qrs_code_get_title (g_ptr_array_index (page->codes, i));
}

static void
test_query_pages (void)
{
  g_autoptr(QrsCodeStore) store = qrs_code_store_new (database);
  g_autoptr(QrsCodeQuery) query = qrs_code_query_new ();
  g_autoptr(GHashTable) seen = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);

  g_assert_cmpuint (count_ok (store, query), ==, N_CODES);

  /* Newest first, by default; pages of 7 meet without overlap or gap. */
  for (guint offset = 0; offset < N_CODES + 7; offset += 7)
    {
      g_autoptr(QrsCodePage) page = page_ok (store, query, offset, 7);

      g_assert_cmpuint (page->codes->len, ==, offset >= N_CODES ? 0 : MIN (7, N_CODES - offset));
      for (guint i = 0; i < page->codes->len; i++)
        {
          gint64 id = qrs_code_get_id (g_ptr_array_index (page->codes, i));

          g_assert_cmpint (id, ==, ids[N_CODES - 1 - offset - i]);
          g_assert_false (g_hash_table_contains (seen, &id));
          g_hash_table_add (seen, g_memdup2 (&id, sizeof id));
        }
    }
  g_assert_cmpuint (g_hash_table_size (seen), ==, N_CODES);
}

static void
test_query_filters (void)
{
  g_autoptr(QrsCodeStore) store = qrs_code_store_new (database);
  g_autoptr(QrsCodeQuery) query = qrs_code_query_new ();
  g_autoptr(QrsCodePage) page = NULL;

  /* Dynamic: 0, 3, … 27. */
  query->kind = QRS_CODE_KIND_DYNAMIC;
  g_assert_cmpuint (count_ok (store, query), ==, 10);
  page = page_ok (store, query, 0, 100);
  g_assert_cmpuint (page->codes->len, ==, 10);
  for (guint i = 0; i < page->codes->len; i++)
    g_assert_cmpint (qrs_code_get_kind (g_ptr_array_index (page->codes, i)), ==, QRS_CODE_KIND_DYNAMIC);
  g_assert_cmpstr (title_at (page, 0), ==, "Code 27");

  /* Dynamic and disabled: 0, 15. */
  query->enabled = 0;
  g_assert_cmpuint (count_ok (store, query), ==, 2);
  g_clear_pointer (&page, qrs_code_page_free);
  page = page_ok (store, query, 0, 100);
  g_assert_cmpuint (page->codes->len, ==, 2);
  g_assert_cmpstr (title_at (page, 0), ==, "Code 15");
  g_assert_cmpstr (title_at (page, 1), ==, "Code 00");
  g_assert_false (qrs_code_get_enabled (g_ptr_array_index (page->codes, 0)));

  /* Static, enabled, tagged "first": 1, 2, 4, 7, 8. */
  query->kind = QRS_CODE_KIND_STATIC;
  query->enabled = 1;
  query->tag = g_strdup ("first");
  g_assert_cmpuint (count_ok (store, query), ==, 5);
  g_clear_pointer (&page, qrs_code_page_free);
  query->sort = QRS_CODE_SORT_TITLE;
  query->descending = FALSE;
  page = page_ok (store, query, 0, 100);
  g_assert_cmpuint (page->codes->len, ==, 5);
  g_assert_cmpstr (title_at (page, 0), ==, "Code 01");
  g_assert_cmpstr (title_at (page, 4), ==, "Code 08");

  /* Search meets filters: a title word, only the "even" ones. */
  qrs_code_query_free (g_steal_pointer (&query));
  query = qrs_code_query_new ();
  query->search = g_strdup ("code");
  query->tag = g_strdup ("even");
  g_assert_cmpuint (count_ok (store, query), ==, 15);

  /* A tag with a quote in it is a value, never SQL. */
  g_free (query->tag);
  query->tag = g_strdup ("x'] OR true --");
  g_assert_cmpuint (count_ok (store, query), ==, 0);
}

static void
test_query_sorts_and_scans (void)
{
  g_autoptr(QrsCodeStore) store = qrs_code_store_new (database);
  g_autoptr(QrsCodeQuery) query = qrs_code_query_new ();
  g_autoptr(QrsCodePage) page = NULL;

  /* Scan counts ride along, bots left out: code n has 10 n. */
  page = page_ok (store, query, 0, N_CODES);
  for (guint i = 0; i < N_CODES; i++)
    g_assert_cmpuint (g_array_index (page->scans, guint64, i), ==, (N_CODES - 1 - i) * 10);

  query->sort = QRS_CODE_SORT_SCANS;
  query->descending = TRUE;
  g_clear_pointer (&page, qrs_code_page_free);
  page = page_ok (store, query, 0, 3);
  g_assert_cmpstr (title_at (page, 0), ==, "Code 29");
  g_assert_cmpuint (g_array_index (page->scans, guint64, 0), ==, 290);
  g_assert_cmpstr (title_at (page, 2), ==, "Code 27");

  /* The least scanned last, across a page boundary. */
  g_clear_pointer (&page, qrs_code_page_free);
  page = page_ok (store, query, 28, 10);
  g_assert_cmpuint (page->codes->len, ==, 2);
  g_assert_cmpstr (title_at (page, 1), ==, "Code 00");
  g_assert_cmpuint (g_array_index (page->scans, guint64, 1), ==, 0);

  query->sort = QRS_CODE_SORT_CREATED;
  query->descending = FALSE;
  g_clear_pointer (&page, qrs_code_page_free);
  page = page_ok (store, query, 0, 2);
  g_assert_cmpint (qrs_code_get_id (g_ptr_array_index (page->codes, 0)), ==, ids[0]);

  query->sort = QRS_CODE_SORT_TITLE;
  query->descending = TRUE;
  g_clear_pointer (&page, qrs_code_page_free);
  page = page_ok (store, query, 0, 1);
  g_assert_cmpstr (title_at (page, 0), ==, "Code 29");
}

static void
test_query_hidden (void)
{
  g_autoptr(QrsCodeStore) store = qrs_code_store_new (database);
  g_autoptr(QrsCodeQuery) query = qrs_code_query_new ();
  g_autoptr(QrsCodeQuery) copy = NULL;
  g_autoptr(QrsCodePage) page = NULL;

  query->hidden_ids = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_array_append_val (query->hidden_ids, ids[N_CODES - 1]);
  g_array_append_val (query->hidden_ids, ids[N_CODES - 2]);
  g_assert_cmpuint (count_ok (store, query), ==, N_CODES - 2);
  page = page_ok (store, query, 0, 1);
  g_assert_cmpint (qrs_code_get_id (g_ptr_array_index (page->codes, 0)), ==, ids[N_CODES - 3]);

  copy = qrs_code_query_copy (query);
  g_assert_true (qrs_code_query_equal (query, copy));
  g_array_remove_index (copy->hidden_ids, 1);
  g_assert_false (qrs_code_query_equal (query, copy));
}

/* A hundred thousand codes deleted, undo pending: the ids go as one
 * array parameter, and a count and a page still answer. */
static void
test_query_hidden_many (void)
{
  g_autoptr(QrsCodeStore) store = qrs_code_store_new (database);
  g_autoptr(QrsCodeQuery) query = qrs_code_query_new ();
  g_autoptr(QrsCodePage) page = NULL;
  gint64 begin;

  query->hidden_ids = g_array_sized_new (FALSE, FALSE, sizeof (gint64), 100000);
  for (guint i = 0; i < N_CODES; i += 2)
    g_array_append_val (query->hidden_ids, ids[i]);
  for (gint64 id = ids[N_CODES - 1] + 1; query->hidden_ids->len < 100000; id++)
    g_array_append_val (query->hidden_ids, id);

  begin = g_get_monotonic_time ();
  g_assert_cmpuint (count_ok (store, query), ==, N_CODES / 2);
  page = page_ok (store, query, 0, 5);
  g_test_message ("count and a page with 100,000 ids hidden: %.1f ms",
                  (g_get_monotonic_time () - begin) / 1000.0);
  g_assert_cmpuint (page->codes->len, ==, 5);
  for (guint i = 0; i < page->codes->len; i++)
    {
      gint64 id = qrs_code_get_id (g_ptr_array_index (page->codes, i));

      /* Only the odd ones are left. */
      for (guint j = 0; j < N_CODES; j += 2)
        g_assert_cmpint (id, !=, ids[j]);
    }
}

static void
test_query_tags (void)
{
  g_autoptr(QrsCodeStore) store = qrs_code_store_new (database);
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) tags = qrs_code_store_list_tags (store, NULL, &error);

  g_assert_no_error (error);
  g_assert_cmpuint (g_strv_length (tags), ==, 2);
  g_assert_cmpstr (tags[0], ==, "even");
  g_assert_cmpstr (tags[1], ==, "first");
}

static void
done_cb (GObject      *object,
         GAsyncResult *result,
         gpointer      user_data)
{
  *(GAsyncResult **)user_data = g_object_ref (result);
}

static gboolean
is_set (gpointer data)
{
  return *(gpointer *)data != NULL;
}

static void
test_query_async (void)
{
  g_autoptr(QrsCodeStore) store = qrs_code_store_new (database);
  g_autoptr(QrsCodeQuery) query = qrs_code_query_new ();
  g_autoptr(GAsyncResult) counted = NULL;
  g_autoptr(GAsyncResult) paged = NULL;
  g_autoptr(GAsyncResult) tagged = NULL;
  g_autoptr(QrsCodePage) page = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) tags = NULL;
  guint64 n = 0;

  query->kind = QRS_CODE_KIND_DYNAMIC;
  qrs_code_store_count_async (store, query, NULL, done_cb, &counted);
  qrs_code_store_list_page_async (store, query, 9, 5, 0, NULL, done_cb, &paged);
  /* Copied: changing it now changes nothing asked. */
  query->kind = QRS_CODE_KIND_STATIC;
  qrs_code_store_list_tags_async (store, NULL, done_cb, &tagged);
  g_assert_true (qrs_test_wait_for (is_set, &counted, 30000));
  g_assert_true (qrs_test_wait_for (is_set, &paged, 30000));
  g_assert_true (qrs_test_wait_for (is_set, &tagged, 30000));

  g_assert_true (qrs_code_store_count_finish (store, counted, &n, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (n, ==, 10);
  page = qrs_code_store_list_page_finish (store, paged, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (page->codes->len, ==, 1);
  g_assert_cmpstr (title_at (page, 0), ==, "Code 00");
  tags = qrs_code_store_list_tags_finish (store, tagged, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_strv_length (tags), ==, 2);
}

static gint64
create_ok (QrsCodeStore *store,
           QrsCode      *draft)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(QrsCode) code = qrs_code_store_create (store, draft, NULL, &error);

  g_assert_no_error (error);
  return qrs_code_get_id (code);
}

/* Best match first: the word in the title twice beats it once in the
 * description, which beats the newest code that has it only in its
 * content; a code's own short id comes before everything. */
static void
test_query_relevance (void)
{
  g_autoptr(QrsCodeStore) store = qrs_code_store_new (database);
  g_autoptr(QrsCodeQuery) query = qrs_code_query_new ();
  g_autoptr(QrsCode) in_title = qrs_code_new (QRS_CODE_KIND_STATIC);
  g_autoptr(QrsCode) in_description = qrs_code_new (QRS_CODE_KIND_STATIC);
  g_autoptr(QrsCode) in_content = qrs_code_new (QRS_CODE_KIND_STATIC);
  g_autoptr(QrsCode) dynamic = qrs_code_new (QRS_CODE_KIND_DYNAMIC);
  g_autoptr(QrsCodePage) by_rank = NULL;
  g_autoptr(QrsCodePage) by_date = NULL;
  g_autoptr(QrsCodePage) by_short_id = NULL;
  g_autoptr(QrsCodePage) without_words = NULL;
  g_autoptr(QrsCode) stored = NULL;
  g_autoptr(GError) error = NULL;
  gint64 made[4];
  const char *short_id;

  qrs_code_set_title (in_title, "Lantern parade and lantern making");
  qrs_code_set_encoded (in_title, "https://example.edu/parade");
  qrs_code_set_title (in_description, "Winter parade");
  qrs_code_set_description (in_description, "Bring a lantern to the square");
  qrs_code_set_encoded (in_description, "https://example.edu/winter");
  qrs_code_set_title (in_content, "Autumn fair");
  qrs_code_set_encoded (in_content, "Meet us at the lantern stall");
  qrs_code_set_title (dynamic, "Lantern map");
  qrs_code_set_target_url (dynamic, "https://example.edu/map");
  made[0] = create_ok (store, in_title);
  made[1] = create_ok (store, in_description);
  made[2] = create_ok (store, in_content);
  made[3] = create_ok (store, dynamic);

  query->search = g_strdup ("lantern");
  query->sort = QRS_CODE_SORT_RELEVANCE;
  g_assert_cmpuint (count_ok (store, query), ==, 4);
  by_rank = page_ok (store, query, 0, 10);
  g_assert_cmpuint (by_rank->codes->len, ==, 4);
  g_assert_cmpstr (title_at (by_rank, 0), ==, "Lantern parade and lantern making");
  g_assert_cmpstr (title_at (by_rank, 3), ==, "Autumn fair");
  g_assert_cmpstr (title_at (by_rank, 2), ==, "Winter parade");

  /* Pages of one keep that order. */
  for (guint i = 0; i < 4; i++)
    {
      g_autoptr(QrsCodePage) one = page_ok (store, query, i, 1);

      g_assert_cmpuint (one->codes->len, ==, 1);
      g_assert_cmpstr (title_at (one, 0), ==, title_at (by_rank, i));
    }

  /* Newest first is another order: the content-only match leads there. */
  query->sort = QRS_CODE_SORT_UPDATED;
  query->descending = TRUE;
  by_date = page_ok (store, query, 0, 10);
  g_assert_cmpstr (title_at (by_date, 0), ==, "Lantern map");
  g_assert_cmpstr (title_at (by_date, 1), ==, "Autumn fair");

  /* A short id finds its code first. */
  stored = qrs_code_store_get (store, made[3], NULL, &error);
  g_assert_no_error (error);
  short_id = qrs_code_get_short_id (stored);
  g_assert_nonnull (short_id);
  g_free (query->search);
  query->search = g_strdup (short_id);
  query->sort = QRS_CODE_SORT_RELEVANCE;
  by_short_id = page_ok (store, query, 0, 10);
  g_assert_cmpuint (by_short_id->codes->len, >=, 1);
  g_assert_cmpint (qrs_code_get_id (g_ptr_array_index (by_short_id->codes, 0)), ==, made[3]);

  /* Without words, the best match is the newest. */
  g_clear_pointer (&query->search, g_free);
  without_words = page_ok (store, query, 0, 2);
  g_assert_cmpint (qrs_code_get_id (g_ptr_array_index (without_words->codes, 0)), ==, made[3]);
  g_assert_cmpint (qrs_code_get_id (g_ptr_array_index (without_words->codes, 1)), ==, made[2]);

  /* Past the ranking limit, the matches come newest first: 1,001 more
   * codes say "lantern" once in their content, the newest of them last. */
  query->search = g_strdup ("lantern");
  PQclear (qrs_test_sql (db_name,
                         "INSERT INTO codes (kind, payload_type, encoded, title, updated_at)"
                         " SELECT 'static', 'text', 'lantern ' || n, 'Many ' || n,"
                         "        now () + n * interval '1 second'"
                         "   FROM generate_series (1, " G_STRINGIFY (QRS_CODE_SEARCH_COUNT_LIMIT) " + 1) AS n"));
  {
    g_autoptr(QrsCodePage) many = page_ok (store, query, 0, 3);

    g_assert_cmpuint (count_ok (store, query), ==, QRS_CODE_SEARCH_COUNT_LIMIT + 1 + 4);
    g_assert_cmpstr (title_at (many, 0), ==, "Many 1001");
    g_assert_cmpstr (title_at (many, 1), ==, "Many 1000");
  }
  PQclear (qrs_test_sql (db_name, "DELETE FROM codes WHERE title LIKE 'Many %'"));

  for (guint i = 0; i < G_N_ELEMENTS (made); i++)
    {
      qrs_code_store_delete (store, made[i], 0, NULL, &error);
      g_assert_no_error (error);
    }
}

int
main (int   argc,
      char *argv[])
{
  int status;

  g_test_init (&argc, &argv, NULL);
  qrs_test_require_server ();

  database = qrs_test_open_migrated (&db_name);
  {
    g_autoptr(QrsCodeStore) store = qrs_code_store_new (database);

    make_codes (store);
  }

  g_test_add_func ("/code-store/query/pages", test_query_pages);
  g_test_add_func ("/code-store/query/filters", test_query_filters);
  g_test_add_func ("/code-store/query/sorts-and-scans", test_query_sorts_and_scans);
  g_test_add_func ("/code-store/query/hidden", test_query_hidden);
  g_test_add_func ("/code-store/query/hidden-many", test_query_hidden_many);
  g_test_add_func ("/code-store/query/tags", test_query_tags);
  g_test_add_func ("/code-store/query/async", test_query_async);
  g_test_add_func ("/code-store/query/relevance", test_query_relevance);

  status = g_test_run ();

  g_clear_object (&database);
  g_free (db_name);
  return status;
}
