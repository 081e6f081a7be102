/* qrs-row-selection.c — a multiple selection that is a set of rows only
 *
 * GTK 4.8's GtkMultiSelection keeps every selected item, to find it
 * again when the model changes around it: selecting all of a list of
 * 100,000 rows asks for each of them, and holds them.  The library's
 * code rows not read yet would each become a placeholder code and its
 * document (about a kilobyte a row), and asking for them reads pages no
 * one looks at.  This selection is the set of selected positions alone,
 * whatever its size; the items stay with the model.
 *
 * Rows the model removes lose their selection, and rows it adds come
 * unselected, as with GtkMultiSelection whenever the model makes its
 * items anew (the code list always does).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "qrs-row-selection.h"

struct _QrsRowSelection
{
  GObject     parent_instance;

  GListModel *model;
  GtkBitset  *selected;
};

static void qrs_row_selection_list_model_init (GListModelInterface *iface);
static void qrs_row_selection_selection_model_init (GtkSelectionModelInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (QrsRowSelection, qrs_row_selection, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL, qrs_row_selection_list_model_init)
                               G_IMPLEMENT_INTERFACE (GTK_TYPE_SELECTION_MODEL,
                                                      qrs_row_selection_selection_model_init))

/* GListModel ---------------------------------------------------------- */

static GType
qrs_row_selection_get_item_type (GListModel *model)
{
  return g_list_model_get_item_type (QRS_ROW_SELECTION (model)->model);
}

static guint
qrs_row_selection_get_n_items (GListModel *model)
{
  return g_list_model_get_n_items (QRS_ROW_SELECTION (model)->model);
}

static gpointer
qrs_row_selection_get_item (GListModel *model,
                            guint       position)
{
  return g_list_model_get_item (QRS_ROW_SELECTION (model)->model, position);
}

static void
qrs_row_selection_list_model_init (GListModelInterface *iface)
{
  iface->get_item_type = qrs_row_selection_get_item_type;
  iface->get_n_items = qrs_row_selection_get_n_items;
  iface->get_item = qrs_row_selection_get_item;
}

/* GtkSelectionModel ---------------------------------------------------- */

static gboolean
qrs_row_selection_is_selected (GtkSelectionModel *model,
                               guint              position)
{
  return gtk_bitset_contains (QRS_ROW_SELECTION (model)->selected, position);
}

static GtkBitset *
qrs_row_selection_get_selection_in_range (GtkSelectionModel *model,
                                          guint              position,
                                          guint              n_items)
{
  QrsRowSelection *self = QRS_ROW_SELECTION (model);
  guint n_rows = g_list_model_get_n_items (self->model);
  GtkBitset *range;

  /* A range to the end may be asked for as G_MAXUINT rows from
   * anywhere, which the bitset takes for an overflow. */
  if (position >= n_rows)
    return gtk_bitset_new_empty ();
  range = gtk_bitset_new_range (position, MIN (n_items, n_rows - position));
  gtk_bitset_intersect (range, self->selected);
  return range;
}

/* Every other way to select (one row, a range, all, none) comes here
 * through GtkSelectionModel's defaults. */
static gboolean
qrs_row_selection_set_selection (GtkSelectionModel *model,
                                 GtkBitset         *selected,
                                 GtkBitset         *mask)
{
  QrsRowSelection *self = QRS_ROW_SELECTION (model);
  g_autoptr(GtkBitset) changes = gtk_bitset_copy (selected);
  g_autoptr(GtkBitset) before = gtk_bitset_copy (self->selected);
  guint n_items = g_list_model_get_n_items (self->model);
  guint first, last;

  /* The rows under the mask whose state is to flip. */
  gtk_bitset_intersect (changes, mask);
  gtk_bitset_intersect (before, mask);
  gtk_bitset_difference (changes, before);
  if (n_items < G_MAXUINT)
    gtk_bitset_remove_range_closed (changes, n_items, G_MAXUINT);
  if (gtk_bitset_is_empty (changes))
    return TRUE;

  gtk_bitset_difference (self->selected, changes);
  first = gtk_bitset_get_minimum (changes);
  last = gtk_bitset_get_maximum (changes);
  gtk_selection_model_selection_changed (model, first, last - first + 1);

  return TRUE;
}

static void
qrs_row_selection_selection_model_init (GtkSelectionModelInterface *iface)
{
  iface->is_selected = qrs_row_selection_is_selected;
  iface->get_selection_in_range = qrs_row_selection_get_selection_in_range;
  iface->set_selection = qrs_row_selection_set_selection;
}

/* GObject ------------------------------------------------------------- */

static void
model_changed_cb (QrsRowSelection *self,
                  guint            position,
                  guint            removed,
                  guint            added)
{
  gtk_bitset_splice (self->selected, position, removed, added);
  g_list_model_items_changed (G_LIST_MODEL (self), position, removed, added);
}

static void
qrs_row_selection_dispose (GObject *object)
{
  QrsRowSelection *self = (QrsRowSelection *)object;

  if (self->model != NULL)
    g_signal_handlers_disconnect_by_data (self->model, self);
  g_clear_object (&self->model);

  G_OBJECT_CLASS (qrs_row_selection_parent_class)->dispose (object);
}

static void
qrs_row_selection_finalize (GObject *object)
{
  QrsRowSelection *self = (QrsRowSelection *)object;

  g_clear_pointer (&self->selected, gtk_bitset_unref);

  G_OBJECT_CLASS (qrs_row_selection_parent_class)->finalize (object);
}

static void
qrs_row_selection_class_init (QrsRowSelectionClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = qrs_row_selection_dispose;
  object_class->finalize = qrs_row_selection_finalize;
}

static void
qrs_row_selection_init (QrsRowSelection *self)
{
  self->selected = gtk_bitset_new_empty ();
}

/**
 * qrs_row_selection_new:
 * @model: (transfer full): the rows to select among
 *
 * Returns: (transfer full): a selection of none of @model's rows
 */
QrsRowSelection *
qrs_row_selection_new (GListModel *model)
{
  QrsRowSelection *self;

  g_return_val_if_fail (G_IS_LIST_MODEL (model), NULL);

  self = g_object_new (QRS_TYPE_ROW_SELECTION, NULL);
  self->model = model;
  g_signal_connect_swapped (model, "items-changed", G_CALLBACK (model_changed_cb), self);
  return self;
}

/**
 * qrs_row_selection_get_model:
 *
 * Returns: (transfer none): the rows selected among
 */
GListModel *
qrs_row_selection_get_model (QrsRowSelection *self)
{
  g_return_val_if_fail (QRS_IS_ROW_SELECTION (self), NULL);

  return self->model;
}
