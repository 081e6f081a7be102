/* qrs-code-list.c — every code of the database as a list model, read a
 * page at a time as rows come into view
 *
 * The model's length comes from a count query; a row asked for before
 * its page is read is a placeholder (a code that was never stored, id 0),
 * and items-changed replaces it when the page lands.  Pages are read on
 * the store's worker threads, the most recently asked first, at most two
 * at a time, and at most QRS_CODE_LIST_MAX_PAGES stay in memory (the least
 * recently used go first).
 *
 * Paging is by OFFSET over the query's order with the id as tie-breaker.
 * A list model is positional: a scroll bar dragged to row 73,000 needs
 * that row without the 72,999 before it, which keyset paging cannot give
 * without the key at the page boundary.  The store reads only ids (and
 * the sort key) while skipping rows, along the (updated_at, id),
 * (created_at, id) and (lower(title), id) indexes, and reads a page past
 * the middle from the end (given the count), so the last page of 100,000
 * costs what the first does — see docs/performance.md.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "qrs-code-list.h"

/* Reads in flight at once: one for the rows in view, one for the next. */
#define MAX_FETCHES 2

typedef struct
{
  guint      index;
  GPtrArray *codes;     /* QrsCode */
  GArray    *scans;     /* guint64 */
  guint64    used;      /* the list's tick when last asked for */
  guint      serial;    /* the list's reload serial it was read under */
} Page;

struct _QrsCodeList
{
  GObject        parent_instance;

  QrsCodeStore  *store;
  QrsCodeQuery  *query;
  GCancellable  *cancellable;   /* replaced with each new query */

  guint          n_items;
  gboolean       resetting;     /* a new query's count is on its way */
  gboolean       counted;       /* … and here, waiting for the first page */
  guint          new_n_items;
  guint          counting;      /* count queries in flight */

  GHashTable    *pages;         /* index → Page */
  GQueue         wanted;        /* page indices to read, most wanted first */
  GHashTable    *fetching;      /* index → the serial it is read under */
  guint64        tick;
  guint          serial;        /* bumped by every reload */
  guint          generation;    /* bumped by every new query */
  guint          reload_source;
  guint64        n_asked;       /* rows asked for, ever */
  gboolean       filling;       /* telling of rows that were placeholders */
};

enum {
  PROP_0,
  PROP_STORE,
  PROP_LOADING,
  N_PROPS
};

enum {
  PAGE_LOADED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

static void qrs_code_list_model_init (GListModelInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (QrsCodeList, qrs_code_list, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL, qrs_code_list_model_init))

static void
page_free (Page *page)
{
  g_clear_pointer (&page->codes, g_ptr_array_unref);
  g_clear_pointer (&page->scans, g_array_unref);
  g_free (page);
}

static void start_fetches (QrsCodeList *self);
static void start_count (QrsCodeList *self);
static void want_page (QrsCodeList *self,
                       guint        index);
static void apply_count (QrsCodeList *self,
                         guint        n);

/* Reads in flight ---------------------------------------------------- */

typedef struct
{
  QrsCodeList *list;
  guint        index;
  guint        serial;
  guint        generation;
} Fetch;

static void
fetch_free (Fetch *fetch)
{
  g_clear_object (&fetch->list);
  g_free (fetch);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Fetch, fetch_free)

static void
notify_loading (QrsCodeList *self)
{
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LOADING]);
}

static gboolean
same_row (QrsCode *a,
          guint64  scans_a,
          QrsCode *b,
          guint64  scans_b)
{
  return qrs_code_get_id (a) == qrs_code_get_id (b)
      && qrs_code_get_version (a) == qrs_code_get_version (b)
      && scans_a == scans_b;
}

static void
evict_pages (QrsCodeList *self,
             guint        keep)
{
  while (g_hash_table_size (self->pages) > QRS_CODE_LIST_MAX_PAGES)
    {
      GHashTableIter iter;
      Page *page, *oldest = NULL;

      g_hash_table_iter_init (&iter, self->pages);
      while (g_hash_table_iter_next (&iter, NULL, (gpointer *)&page))
        if (page->index != keep && (oldest == NULL || page->used < oldest->used))
          oldest = page;
      if (oldest == NULL)
        break;
      g_hash_table_remove (self->pages, GUINT_TO_POINTER (oldest->index));
    }
}

static void
page_loaded_cb (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(Fetch) fetch = user_data;
  QrsCodeList *self = fetch->list;
  g_autoptr(QrsCodePage) loaded = NULL;
  g_autoptr(GError) error = NULL;
  Page *old, *page;
  guint start, first = G_MAXUINT, last = 0, n;

  loaded = qrs_code_store_list_page_finish (QRS_CODE_STORE (object), result, &error);

  /* An answer to an older query changes nothing. */
  if (fetch->generation != self->generation)
    return;

  g_hash_table_remove (self->fetching, GUINT_TO_POINTER (fetch->index));

  if (loaded == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_warning ("Could not read codes %u to %u: %s",
                   fetch->index * QRS_CODE_LIST_PAGE_SIZE,
                   (fetch->index + 1) * QRS_CODE_LIST_PAGE_SIZE - 1, error->message);
      if (self->counted)
        apply_count (self, self->new_n_items);
      start_fetches (self);
      notify_loading (self);
      return;
    }

  old = g_hash_table_lookup (self->pages, GUINT_TO_POINTER (fetch->index));
  page = g_new0 (Page, 1);
  page->index = fetch->index;
  page->codes = g_steal_pointer (&loaded->codes);
  page->scans = g_steal_pointer (&loaded->scans);
  page->used = old != NULL ? old->used : ++self->tick;
  page->serial = fetch->serial;

  /* Only the rows that differ change: a refreshed page whose rows are
   * as they were leaves the rows on screen alone. */
  n = MAX (page->codes->len, old != NULL ? old->codes->len : 0);
  for (guint i = 0; i < n; i++)
    {
      gboolean differs;

      if (old == NULL || i >= old->codes->len || i >= page->codes->len)
        differs = TRUE;
      else
        differs = !same_row (g_ptr_array_index (old->codes, i), g_array_index (old->scans, guint64, i),
                             g_ptr_array_index (page->codes, i), g_array_index (page->scans, guint64, i));
      if (differs)
        {
          first = MIN (first, i);
          last = i;
        }
    }

  g_hash_table_replace (self->pages, GUINT_TO_POINTER (page->index), page);
  evict_pages (self, page->index);

  start = qrs_code_list_page_offset (page->index);
  if (!self->resetting && first != G_MAXUINT && start + first < self->n_items)
    {
      guint changed = MIN (last + 1, self->n_items - start) - first;

      self->filling = old == NULL;
      g_list_model_items_changed (G_LIST_MODEL (self), start + first, changed, changed);
      self->filling = FALSE;
    }

  if (self->counted)
    apply_count (self, self->new_n_items);
  g_signal_emit (self, signals[PAGE_LOADED], 0, start, page->codes->len);

  /* Reloaded while this read was in flight: read it once more. */
  if (page->serial != self->serial)
    want_page (self, page->index);
  start_fetches (self);
  notify_loading (self);
}

/* The count of the query the pages are read for, or 0 while a new
 * query's count is on its way: the store reads pages past the middle
 * from the end when it knows there is one. */
static guint64
known_count (QrsCodeList *self)
{
  if (self->resetting)
    return self->counted ? self->new_n_items : 0;
  return self->n_items;
}

static void
start_fetches (QrsCodeList *self)
{
  while (g_hash_table_size (self->fetching) < MAX_FETCHES && !g_queue_is_empty (&self->wanted))
    {
      guint index = GPOINTER_TO_UINT (g_queue_pop_head (&self->wanted));
      Fetch *fetch;

      if (g_hash_table_contains (self->fetching, GUINT_TO_POINTER (index)))
        continue;

      fetch = g_new0 (Fetch, 1);
      fetch->list = g_object_ref (self);
      fetch->index = index;
      fetch->serial = self->serial;
      fetch->generation = self->generation;
      g_hash_table_insert (self->fetching, GUINT_TO_POINTER (index), GUINT_TO_POINTER (self->serial));
      qrs_code_store_list_page_async (self->store, self->query,
                                      qrs_code_list_page_offset (index), QRS_CODE_LIST_PAGE_SIZE,
                                      known_count (self), self->cancellable, page_loaded_cb, fetch);
    }
}

/* Asked for rows of this page: read it next, ahead of pages asked for
 * earlier (scrolling leaves those behind); pages asked for long ago fall
 * off the end of the queue. */
static void
want_page (QrsCodeList *self,
           guint        index)
{
  gpointer fetching_serial;

  if (g_hash_table_lookup_extended (self->fetching, GUINT_TO_POINTER (index), NULL, &fetching_serial)
      && GPOINTER_TO_UINT (fetching_serial) == self->serial)
    return;

  g_queue_remove (&self->wanted, GUINT_TO_POINTER (index));
  g_queue_push_head (&self->wanted, GUINT_TO_POINTER (index));
  while (g_queue_get_length (&self->wanted) > QRS_CODE_LIST_MAX_PAGES)
    g_queue_pop_tail (&self->wanted);

  start_fetches (self);
}

/* Counting ------------------------------------------------------------ */

typedef struct
{
  QrsCodeList *list;
  guint        generation;
} Count;

/* The new count takes effect: all rows change at once when a new query
 * is shown, or rows come or go at the end. */
static void
apply_count (QrsCodeList *self,
             guint        n)
{
  guint old = self->n_items;
  GHashTableIter iter;
  Page *page;

  self->n_items = n;
  self->counted = FALSE;

  /* Pages past the end are gone. */
  g_hash_table_iter_init (&iter, self->pages);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *)&page))
    if ((guint64)page->index * QRS_CODE_LIST_PAGE_SIZE >= n)
      g_hash_table_iter_remove (&iter);

  /* A new query's rows replace all the old ones: told as all gone, then
   * all new.  Told as one change, GTK's list view would look through
   * every new row for the old row it was scrolled to (asking for each,
   * so reading every page), and never find it. */
  if (self->resetting)
    {
      self->resetting = FALSE;
      if (old > 0)
        {
          self->n_items = 0;
          g_list_model_items_changed (G_LIST_MODEL (self), 0, old, 0);
          self->n_items = n;
        }
      if (n > 0)
        g_list_model_items_changed (G_LIST_MODEL (self), 0, 0, n);
    }
  else if (self->n_items > old)
    g_list_model_items_changed (G_LIST_MODEL (self), old, 0, self->n_items - old);
  else if (self->n_items < old)
    g_list_model_items_changed (G_LIST_MODEL (self), self->n_items, old - self->n_items, 0);
}

static void
counted_cb (GObject      *object,
            GAsyncResult *result,
            gpointer      user_data)
{
  Count *count = user_data;
  g_autoptr(QrsCodeList) self = count->list;
  g_autoptr(GError) error = NULL;
  guint generation = count->generation;
  guint64 n = 0;

  g_free (count);

  if (!qrs_code_store_count_finish (QRS_CODE_STORE (object), result, &n, &error))
    {
      if (generation == self->generation)
        {
          self->counting--;
          notify_loading (self);
        }
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_warning ("Could not count the codes: %s", error->message);
      return;
    }

  if (generation != self->generation)
    return;
  self->counting--;

  n = MIN (n, (guint64)G_MAXUINT);

  /* A new query shows its first rows with its count, not placeholders
   * a moment before them. */
  if (self->resetting && n > 0 && !g_hash_table_contains (self->pages, GUINT_TO_POINTER (0))
      && g_hash_table_contains (self->fetching, GUINT_TO_POINTER (0)))
    {
      self->counted = TRUE;
      self->new_n_items = (guint)n;
    }
  else
    apply_count (self, (guint)n);

  notify_loading (self);
}

static void
start_count (QrsCodeList *self)
{
  Count *count = g_new0 (Count, 1);

  count->list = g_object_ref (self);
  count->generation = self->generation;
  self->counting++;
  qrs_code_store_count_async (self->store, self->query, self->cancellable, counted_cb, count);
  notify_loading (self);
}

/* GListModel ---------------------------------------------------------- */

static GType
qrs_code_list_get_item_type (GListModel *model)
{
  return QRS_TYPE_CODE;
}

static guint
qrs_code_list_get_n_items (GListModel *model)
{
  return QRS_CODE_LIST (model)->n_items;
}

static gpointer
qrs_code_list_get_item (GListModel *model,
                        guint       position)
{
  QrsCodeList *self = QRS_CODE_LIST (model);
  guint row;
  guint index = qrs_code_list_page_of (position, &row);
  Page *page;

  if (position >= self->n_items)
    return NULL;

  self->n_asked++;

  page = self->resetting ? NULL : g_hash_table_lookup (self->pages, GUINT_TO_POINTER (index));
  if (page != NULL)
    {
      page->used = ++self->tick;
      if (page->serial != self->serial)
        want_page (self, index);
      if (row < page->codes->len)
        return g_object_ref (g_ptr_array_index (page->codes, row));
      /* The count grew past what the page held when read. */
      want_page (self, index);
    }
  else if (!self->resetting)
    {
      want_page (self, index);
    }

  /* Rows come before their page does: an empty code stands in. */
  return qrs_code_new (QRS_CODE_KIND_STATIC);
}

static void
qrs_code_list_model_init (GListModelInterface *iface)
{
  iface->get_item_type = qrs_code_list_get_item_type;
  iface->get_n_items = qrs_code_list_get_n_items;
  iface->get_item = qrs_code_list_get_item;
}

/* GObject ------------------------------------------------------------- */

static void
qrs_code_list_dispose (GObject *object)
{
  QrsCodeList *self = (QrsCodeList *)object;

  g_cancellable_cancel (self->cancellable);
  g_clear_handle_id (&self->reload_source, g_source_remove);

  G_OBJECT_CLASS (qrs_code_list_parent_class)->dispose (object);
}

static void
qrs_code_list_finalize (GObject *object)
{
  QrsCodeList *self = (QrsCodeList *)object;

  g_clear_object (&self->store);
  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->query, qrs_code_query_free);
  g_clear_pointer (&self->pages, g_hash_table_unref);
  g_clear_pointer (&self->fetching, g_hash_table_unref);
  g_queue_clear (&self->wanted);

  G_OBJECT_CLASS (qrs_code_list_parent_class)->finalize (object);
}

static void
qrs_code_list_get_property (GObject    *object,
                            guint       prop_id,
                            GValue     *value,
                            GParamSpec *pspec)
{
  QrsCodeList *self = QRS_CODE_LIST (object);

  switch (prop_id)
    {
    case PROP_STORE:
      g_value_set_object (value, self->store);
      break;
    case PROP_LOADING:
      g_value_set_boolean (value, qrs_code_list_get_loading (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
qrs_code_list_set_property (GObject      *object,
                            guint         prop_id,
                            const GValue *value,
                            GParamSpec   *pspec)
{
  QrsCodeList *self = QRS_CODE_LIST (object);

  switch (prop_id)
    {
    case PROP_STORE:
      self->store = g_value_dup_object (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
qrs_code_list_class_init (QrsCodeListClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = qrs_code_list_dispose;
  object_class->finalize = qrs_code_list_finalize;
  object_class->get_property = qrs_code_list_get_property;
  object_class->set_property = qrs_code_list_set_property;

  properties[PROP_STORE] =
    g_param_spec_object ("store", NULL, NULL, QRS_TYPE_CODE_STORE,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_LOADING] =
    g_param_spec_boolean ("loading", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * QrsCodeList::page-loaded:
   * @first: the position of the page's first row
   * @n: how many rows it holds
   *
   * A page was read (or read again), and with it the rows' scan counts.
   */
  signals[PAGE_LOADED] =
    g_signal_new ("page-loaded", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 2, G_TYPE_UINT, G_TYPE_UINT);
}

static void
qrs_code_list_init (QrsCodeList *self)
{
  self->pages = g_hash_table_new_full (NULL, NULL, NULL, (GDestroyNotify)page_free);
  self->fetching = g_hash_table_new (NULL, NULL);
  self->cancellable = g_cancellable_new ();
  g_queue_init (&self->wanted);
}

/**
 * qrs_code_list_new:
 * @store: where the codes are
 * @query: (nullable): which codes, in which order; %NULL for all, the
 *   most recently changed first
 *
 * The list starts empty, and counts and reads its first page at once.
 *
 * Returns: (transfer full): a list model of #QrsCode
 */
QrsCodeList *
qrs_code_list_new (QrsCodeStore       *store,
                   const QrsCodeQuery *query)
{
  QrsCodeList *self;

  g_return_val_if_fail (QRS_IS_CODE_STORE (store), NULL);

  self = g_object_new (QRS_TYPE_CODE_LIST, "store", store, NULL);
  self->query = query != NULL ? qrs_code_query_copy (query) : qrs_code_query_new ();
  self->resetting = TRUE;
  start_count (self);
  want_page (self, 0);
  return self;
}

QrsCodeStore *
qrs_code_list_get_store (QrsCodeList *self)
{
  g_return_val_if_fail (QRS_IS_CODE_LIST (self), NULL);

  return self->store;
}

const QrsCodeQuery *
qrs_code_list_get_query (QrsCodeList *self)
{
  g_return_val_if_fail (QRS_IS_CODE_LIST (self), NULL);

  return self->query;
}

/**
 * qrs_code_list_set_query:
 *
 * Shows what @query asks for instead: the rows shown stay until the new
 * count arrives, then all change at once.
 */
void
qrs_code_list_set_query (QrsCodeList        *self,
                         const QrsCodeQuery *query)
{
  g_return_if_fail (QRS_IS_CODE_LIST (self));
  g_return_if_fail (query != NULL);

  if (qrs_code_query_equal (self->query, query))
    return;

  qrs_code_query_free (self->query);
  self->query = qrs_code_query_copy (query);

  g_cancellable_cancel (self->cancellable);
  g_set_object (&self->cancellable, g_cancellable_new ());
  self->generation++;
  self->counting = 0;
  self->resetting = TRUE;
  self->counted = FALSE;
  g_hash_table_remove_all (self->pages);
  g_hash_table_remove_all (self->fetching);
  g_queue_clear (&self->wanted);

  start_count (self);
  want_page (self, 0);
}

/**
 * qrs_code_list_get_loading:
 *
 * Returns: whether a count or a page is on its way
 */
gboolean
qrs_code_list_get_loading (QrsCodeList *self)
{
  g_return_val_if_fail (QRS_IS_CODE_LIST (self), FALSE);

  return self->counting > 0 || self->counted || g_hash_table_size (self->fetching) > 0;
}

guint
qrs_code_list_get_n_cached_pages (QrsCodeList *self)
{
  g_return_val_if_fail (QRS_IS_CODE_LIST (self), 0);

  return g_hash_table_size (self->pages);
}

/**
 * qrs_code_list_get_n_asked:
 *
 * Every row asked for costs an item (a placeholder when its page is not
 * in memory, and a read of that page): tests see by this that what
 * looks at many rows at once (a selection of all) does not ask for each.
 *
 * Returns: how many rows were asked for since the list was made
 */
guint64
qrs_code_list_get_n_asked (QrsCodeList *self)
{
  g_return_val_if_fail (QRS_IS_CODE_LIST (self), 0);

  return self->n_asked;
}

/**
 * qrs_code_list_get_filling:
 *
 * While the list tells of a change (in an items-changed handler), says
 * whether the rows changed only stood in for rows not read yet: a page
 * that was not in memory arrived.  What the old rows meant (that they
 * were selected) may then go on for the new ones.
 *
 * Returns: whether the change fills placeholders in
 */
gboolean
qrs_code_list_get_filling (QrsCodeList *self)
{
  g_return_val_if_fail (QRS_IS_CODE_LIST (self), FALSE);

  return self->filling;
}

static gboolean
reload_cb (gpointer data)
{
  QrsCodeList *self = data;
  GHashTableIter iter;
  gpointer key;

  self->reload_source = 0;
  self->serial++;
  start_count (self);

  /* Every page kept may have moved (a changed code goes to the top of
   * the newest first): each is read again, and only rows that differ
   * change. */
  g_hash_table_iter_init (&iter, self->pages);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    want_page (self, GPOINTER_TO_UINT (key));
  if (g_hash_table_size (self->pages) == 0)
    want_page (self, 0);

  return G_SOURCE_REMOVE;
}

/**
 * qrs_code_list_reload:
 *
 * Counts again and reads the kept pages again, as after another
 * desktop's change.  Calls in quick succession (a batch of changes) are
 * folded into one.
 */
void
qrs_code_list_reload (QrsCodeList *self)
{
  g_return_if_fail (QRS_IS_CODE_LIST (self));

  if (self->reload_source == 0)
    self->reload_source = g_timeout_add (50, reload_cb, self);
}

/**
 * qrs_code_list_reload_codes:
 * @ids: (array length=n_ids): codes whose scans changed
 *
 * Reads again the pages that hold any of @ids.  When the list is in
 * order of scans, any of them may move anywhere, so it all reloads.
 */
void
qrs_code_list_reload_codes (QrsCodeList  *self,
                            const gint64 *ids,
                            guint         n_ids)
{
  GHashTableIter iter;
  Page *page;
  gboolean any = FALSE;

  g_return_if_fail (QRS_IS_CODE_LIST (self));

  if (self->query->sort == QRS_CODE_SORT_SCANS)
    {
      qrs_code_list_reload (self);
      return;
    }

  g_hash_table_iter_init (&iter, self->pages);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *)&page))
    for (guint i = 0; i < page->codes->len; i++)
      {
        gint64 id = qrs_code_get_id (g_ptr_array_index (page->codes, i));
        gboolean named = FALSE;

        for (guint j = 0; j < n_ids && !named; j++)
          named = ids[j] == id;
        if (named)
          {
            /* Read under a new serial, so that a read in flight under
             * the old one does not stand for it. */
            if (!any)
              self->serial++;
            any = TRUE;
            page->serial = self->serial - 1;
            want_page (self, page->index);
            break;
          }
      }
}

/**
 * qrs_code_list_lookup_scans:
 * @id: a code's id
 * @scans: (out): its scans, when its page is in memory
 *
 * Returns: whether the code's page is in memory
 */
gboolean
qrs_code_list_lookup_scans (QrsCodeList *self,
                            gint64       id,
                            guint64     *scans)
{
  GHashTableIter iter;
  Page *page;

  g_return_val_if_fail (QRS_IS_CODE_LIST (self), FALSE);

  g_hash_table_iter_init (&iter, self->pages);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *)&page))
    for (guint i = 0; i < page->codes->len; i++)
      if (qrs_code_get_id (g_ptr_array_index (page->codes, i)) == id)
        {
          if (scans != NULL)
            *scans = g_array_index (page->scans, guint64, i);
          return TRUE;
        }

  return FALSE;
}

/**
 * qrs_code_list_find:
 * @id: a code's id
 * @position: (out): where it is
 *
 * Looks among the pages in memory only.
 *
 * Returns: whether it was found
 */
gboolean
qrs_code_list_find (QrsCodeList *self,
                    gint64       id,
                    guint       *position)
{
  GHashTableIter iter;
  Page *page;

  g_return_val_if_fail (QRS_IS_CODE_LIST (self), FALSE);

  if (self->resetting)
    return FALSE;

  g_hash_table_iter_init (&iter, self->pages);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *)&page))
    for (guint i = 0; i < page->codes->len; i++)
      if (qrs_code_get_id (g_ptr_array_index (page->codes, i)) == id)
        {
          guint at = page->index * QRS_CODE_LIST_PAGE_SIZE + i;

          if (at >= self->n_items)
            return FALSE;
          if (position != NULL)
            *position = at;
          return TRUE;
        }

  return FALSE;
}

/**
 * qrs_code_list_item_is_placeholder:
 * @code: an item of a #QrsCodeList
 *
 * Returns: whether @code only stands in for a row not read yet
 */
gboolean
qrs_code_list_item_is_placeholder (QrsCode *code)
{
  g_return_val_if_fail (QRS_IS_CODE (code), FALSE);

  return qrs_code_get_id (code) <= 0;
}

/**
 * qrs_code_list_page_of:
 * @position: a row of the list, which is its offset in the list's query
 * @row: (out) (optional): where it is in its page
 *
 * Others who read the list's query a page at a time (a batch export of
 * rows not in memory) read the pages the list itself would.
 *
 * Returns: the page that holds @position
 */
guint
qrs_code_list_page_of (guint  position,
                       guint *row)
{
  if (row != NULL)
    *row = position % QRS_CODE_LIST_PAGE_SIZE;
  return position / QRS_CODE_LIST_PAGE_SIZE;
}

/**
 * qrs_code_list_page_offset:
 * @page: a page of the list
 *
 * Returns: the offset in the list's query (and the position in the
 *   list) of @page's first row
 */
guint
qrs_code_list_page_offset (guint page)
{
  return page * QRS_CODE_LIST_PAGE_SIZE;
}
