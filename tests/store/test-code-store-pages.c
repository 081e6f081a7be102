/* test-code-store-pages.c — a library page read from the end is the page
 * read from the start, for every sort
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "qrs-code-private.h"
#include "qrs-code-store.h"
#include "store-test-util.h"

#define N_CODES 1500
#define PAGE    50

static char *db_name;
static QrsDatabase *database;

/* The store bench's codes, all made by one statement (so they share
 * created_at), then changed by a few more, each stamping the codes it
 * changes with one updated_at: ties everywhere for the id to break.  A
 * fifth of them get one title in two cases, most a word to search for,
 * a third another, and half of them 0 to 3 scans. */
static void
make_codes (void)
{
  qrs_test_make_codes (db_name, N_CODES);
  PQclear (qrs_test_sql (db_name,
                         "UPDATE codes SET title = CASE WHEN id % 2 = 0 THEN 'Same title' ELSE 'SAME TITLE' END"
                         " WHERE id % 5 = 0"));
  PQclear (qrs_test_sql (db_name,
                         "UPDATE codes SET description = description || ' lantern' WHERE id % 10 <> 3"));
  PQclear (qrs_test_sql (db_name,
                         "UPDATE codes SET description = description || ' parade' WHERE id % 3 = 0"));
  PQclear (qrs_test_sql (db_name,
                         "INSERT INTO scan_daily (code_id, day, scans, bots)"
                         " SELECT id, '2024-04-01', id % 4, 1 FROM codes WHERE id % 2 = 0"));
}

static QrsCodePage *
page_ok (QrsCodeStore       *store,
         const QrsCodeQuery *query,
         guint               offset,
         guint64             count)
{
  g_autoptr(GError) error = NULL;
  QrsCodePage *page = qrs_code_store_list_page (store, query, offset, PAGE, count, NULL, &error);

  g_assert_no_error (error);
  g_assert_nonnull (page);
  g_assert_cmpuint (page->codes->len, ==, page->scans->len);
  return page;
}

static void
assert_same_page (QrsCodePage *expected,
                  QrsCodePage *page)
{
  g_assert_cmpuint (page->codes->len, ==, expected->codes->len);
  for (guint i = 0; i < page->codes->len; i++)
    {
      g_assert_cmpint (qrs_code_get_id (g_ptr_array_index (page->codes, i)), ==,
                       qrs_code_get_id (g_ptr_array_index (expected->codes, i)));
      g_assert_cmpuint (g_array_index (page->scans, guint64, i), ==,
                        g_array_index (expected->scans, guint64, i));
    }
}

static const struct
{
  QrsCodeSort  sort;
  const char  *name;
} sorts[] = {
  { QRS_CODE_SORT_UPDATED, "updated" },
  { QRS_CODE_SORT_CREATED, "created" },
  { QRS_CODE_SORT_TITLE, "title" },
  { QRS_CODE_SORT_ID, "id" },
  { QRS_CODE_SORT_SCANS, "scans" },
  { QRS_CODE_SORT_RELEVANCE, "relevance" },
};

static void
check_query (QrsCodeQuery *query,
             const char   *what)
{
  g_autoptr(QrsCodeStore) store = qrs_code_store_new (database);
  g_autoptr(GError) error = NULL;
  guint64 count = qrs_code_store_count (store, query, NULL, &error);
  /* The start, the middle either side, the last full pages, a short
   * last page, the last row, and past the end. */
  guint offsets[] = { 0, PAGE, count / 2 - PAGE / 2, count / 2, count / 2 + 1,
                      count - 2 * PAGE, count - PAGE, count - 17, count - 1, count, count + 10 };
  guint n_from_end = 0;

  g_assert_no_error (error);
  g_assert_cmpuint (count, >, 2 * PAGE);
  g_test_message ("%s: %" G_GUINT64_FORMAT " codes", what, count);

  for (guint s = 0; s < G_N_ELEMENTS (sorts); s++)
    for (guint d = 0; d < 2; d++)
      {
        /* The ranking numbers every match first; nothing to gain there. */
        gboolean ranked = sorts[s].sort == QRS_CODE_SORT_RELEVANCE && query->search != NULL
                          && count <= QRS_CODE_SEARCH_COUNT_LIMIT;

        query->sort = sorts[s].sort;
        query->descending = d == 0;

        for (guint i = 0; i < G_N_ELEMENTS (offsets); i++)
          {
            guint offset = offsets[i];
            g_autoptr(QrsCodePage) forward = page_ok (store, query, offset, 0);
            g_autoptr(QrsCodePage) counted = NULL;
            g_autoptr(QrsCodePage) stale_high = NULL;
            g_autoptr(QrsCodePage) stale_low = NULL;
            guint before = qrs_code_store_get_n_pages_from_end (store);
            gboolean from_end = !ranked && (guint64)offset * 2 > count && offset < count;

            g_assert_cmpuint (forward->codes->len, ==,
                              offset >= count ? 0 : MIN (PAGE, count - offset));

            counted = page_ok (store, query, offset, count);
            g_assert_cmpuint (qrs_code_store_get_n_pages_from_end (store) - before, ==, from_end ? 1 : 0);
            if (from_end)
              n_from_end++;
            assert_same_page (forward, counted);

            /* A count out of date only chooses the end to read from. */
            stale_high = page_ok (store, query, offset, count + 40);
            assert_same_page (forward, stale_high);
            stale_low = page_ok (store, query, offset, count - 40);
            assert_same_page (forward, stale_low);
          }
      }

  g_test_message ("%s: %u pages read from the end", what, n_from_end);
  g_assert_cmpuint (n_from_end, >, 0);
}

static void
test_pages_all (void)
{
  g_autoptr(QrsCodeQuery) query = qrs_code_query_new ();

  check_query (query, "all codes");
}

/* Some codes hidden (deleted, undo pending): the conditions count too. */
static void
test_pages_hidden (void)
{
  g_autoptr(QrsCodeQuery) query = qrs_code_query_new ();
  g_autofree char *first = qrs_test_sql_value (db_name, "SELECT min(id) FROM codes");
  gint64 id = g_ascii_strtoll (first, NULL, 10);

  query->hidden_ids = g_array_new (FALSE, FALSE, sizeof (gint64));
  for (gint64 i = 0; i < 300; i += 7)
    {
      gint64 hidden = id + i;

      g_array_append_val (query->hidden_ids, hidden);
    }
  check_query (query, "some hidden");
}

/* A search of a few hundred matches is ranked (and read from the start
 * only); one of more than QRS_CODE_SEARCH_COUNT_LIMIT lists its best
 * matches newest first, which reads backwards like any other order. */
static void
test_pages_search (void)
{
  g_autoptr(QrsCodeQuery) few = qrs_code_query_new ();
  g_autoptr(QrsCodeQuery) many = qrs_code_query_new ();
  g_autoptr(QrsCodeStore) store = qrs_code_store_new (database);
  g_autoptr(GError) error = NULL;

  few->search = g_strdup ("parade");
  g_assert_cmpuint (qrs_code_store_count (store, few, NULL, &error), <=, QRS_CODE_SEARCH_COUNT_LIMIT);
  g_assert_no_error (error);
  check_query (few, "search, ranked");

  many->search = g_strdup ("lantern");
  g_assert_cmpuint (qrs_code_store_count (store, many, NULL, &error), >, QRS_CODE_SEARCH_COUNT_LIMIT);
  g_assert_no_error (error);
  check_query (many, "search, newest first");
}

int
main (int   argc,
      char *argv[])
{
  int status;

  g_test_init (&argc, &argv, NULL);
  qrs_test_require_server ();

  database = qrs_test_open_migrated (&db_name);
  make_codes ();

  g_test_add_func ("/code-store/pages/all", test_pages_all);
  g_test_add_func ("/code-store/pages/hidden", test_pages_hidden);
  g_test_add_func ("/code-store/pages/search", test_pages_search);

  status = g_test_run ();

  g_clear_object (&database);
  g_free (db_name);
  return status;
}
