/* qrs-batch-export.c — many codes into one folder, one file each
 *
 * One file at a time on the exporter's worker thread, so the window
 * stays responsive and the progress moves in steps people can follow.
 * A code that cannot be exported is counted and skipped; the rest go on.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "qrs-batch-export.h"

struct _QrsBatchExport
{
  GObject          parent_instance;

  GPtrArray       *documents;   /* QrsDocument, copied from the model at the start */
  GFile           *folder;
  QrsExportFormat  format;
  GHashTable      *names;       /* file names taken in this run */
  guint            n_done;
  guint            n_failed;
  char            *first_error;
};

enum {
  PROP_0,
  PROP_N_DONE,
  PROP_FRACTION,
  N_PROPS
};

G_DEFINE_FINAL_TYPE (QrsBatchExport, qrs_batch_export, G_TYPE_OBJECT)

static GParamSpec *properties[N_PROPS];

/**
 * qrs_file_name_from_title:
 *
 * Returns: (transfer full): @title with what a file name cannot hold
 *   replaced, or a neutral name when nothing is left; no extension
 */
char *
qrs_file_name_from_title (const char *title)
{
  g_autoptr(GString) name = g_string_new (NULL);

  for (const char *p = title ? title : ""; *p; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (c == '/' || c == '\\' || c == ':' || c == '*' || c == '?' || c == '"' ||
          c == '<' || c == '>' || c == '|' || g_unichar_iscntrl (c))
        g_string_append_c (name, '-');
      else
        g_string_append_unichar (name, c);
    }

  g_strstrip (name->str);
  if (name->str[0] == '\0' || name->str[0] == '.')
    return g_strdup (_("qr-code"));

  return g_strdup (name->str);
}

static void
qrs_batch_export_finalize (GObject *object)
{
  QrsBatchExport *self = (QrsBatchExport *)object;

  g_clear_pointer (&self->documents, g_ptr_array_unref);
  g_clear_pointer (&self->names, g_hash_table_unref);
  g_clear_object (&self->folder);
  g_clear_pointer (&self->first_error, g_free);

  G_OBJECT_CLASS (qrs_batch_export_parent_class)->finalize (object);
}

static void
qrs_batch_export_get_property (GObject    *object,
                               guint       prop_id,
                               GValue     *value,
                               GParamSpec *pspec)
{
  QrsBatchExport *self = QRS_BATCH_EXPORT (object);

  switch (prop_id)
    {
    case PROP_N_DONE:
      g_value_set_uint (value, self->n_done);
      break;

    case PROP_FRACTION:
      g_value_set_double (value, qrs_batch_export_get_fraction (self));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
qrs_batch_export_class_init (QrsBatchExportClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = qrs_batch_export_finalize;
  object_class->get_property = qrs_batch_export_get_property;

  properties[PROP_N_DONE] =
    g_param_spec_uint ("n-done", NULL, NULL, 0, G_MAXUINT, 0,
                       G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_FRACTION] =
    g_param_spec_double ("fraction", NULL, NULL, 0, 1, 0,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
qrs_batch_export_init (QrsBatchExport *self)
{
  self->documents = g_ptr_array_new_with_free_func (g_object_unref);
  self->names = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
}

/**
 * qrs_batch_export_new:
 * @documents: the QrsDocument items to export; read once, now
 * @folder: where the files go
 */
QrsBatchExport *
qrs_batch_export_new (GListModel      *documents,
                      GFile           *folder,
                      QrsExportFormat  format)
{
  QrsBatchExport *self;
  guint n;

  g_return_val_if_fail (G_IS_LIST_MODEL (documents), NULL);
  g_return_val_if_fail (G_IS_FILE (folder), NULL);
  g_return_val_if_fail (format <= QRS_EXPORT_FORMAT_WEBP, NULL);

  self = g_object_new (QRS_TYPE_BATCH_EXPORT, NULL);
  self->folder = g_object_ref (folder);
  self->format = format;

  n = g_list_model_get_n_items (documents);
  for (guint i = 0; i < n; i++)
    g_ptr_array_add (self->documents, g_list_model_get_item (documents, i));

  return self;
}

guint
qrs_batch_export_get_n_items (QrsBatchExport *self)
{
  g_return_val_if_fail (QRS_IS_BATCH_EXPORT (self), 0);

  return self->documents->len;
}

guint
qrs_batch_export_get_n_done (QrsBatchExport *self)
{
  g_return_val_if_fail (QRS_IS_BATCH_EXPORT (self), 0);

  return self->n_done;
}

guint
qrs_batch_export_get_n_failed (QrsBatchExport *self)
{
  g_return_val_if_fail (QRS_IS_BATCH_EXPORT (self), 0);

  return self->n_failed;
}

double
qrs_batch_export_get_fraction (QrsBatchExport *self)
{
  g_return_val_if_fail (QRS_IS_BATCH_EXPORT (self), 0);

  if (self->documents->len == 0)
    return 1;

  return (double)self->n_done / self->documents->len;
}

/**
 * qrs_batch_export_get_first_error:
 *
 * Returns: (nullable): why the first code that failed did, naming it
 */
const char *
qrs_batch_export_get_first_error (QrsBatchExport *self)
{
  g_return_val_if_fail (QRS_IS_BATCH_EXPORT (self), NULL);

  return self->first_error;
}

static void
record_failure (QrsBatchExport *self,
                QrsDocument    *document,
                const GError   *error)
{
  self->n_failed++;

  if (self->first_error == NULL)
    {
      g_autofree char *title = qrs_document_dup_display_title (document);

      /* Translators: “Guest Wi-Fi”: the reason */
      self->first_error = g_strdup_printf (_("“%s”: %s"), title, error->message);
    }
}

/* Two codes with the same title get “Title.png” and “Title (2).png”. */
static char *
take_unique_path (QrsBatchExport *self,
                  QrsDocument    *document)
{
  g_autofree char *title = qrs_document_dup_display_title (document);
  g_autofree char *stem = qrs_file_name_from_title (title);
  const char *ext = qrs_export_format_get_extension (self->format);

  for (guint i = 1; ; i++)
    {
      g_autofree char *name = i == 1 ? g_strdup_printf ("%s.%s", stem, ext)
                                     : g_strdup_printf ("%s (%u).%s", stem, i, ext);
      g_autoptr(GFile) file = g_file_get_child (self->folder, name);

      if (!g_hash_table_contains (self->names, name) &&
          !g_file_query_exists (file, NULL))
        {
          g_hash_table_add (self->names, g_strdup (name));
          return g_file_get_path (file);
        }
    }
}

static void export_next (GTask *task);

static void
exported_cb (GObject      *object,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  QrsBatchExport *self = g_task_get_source_object (task);
  g_autoptr(GError) error = NULL;

  if (!qrs_export_to_file_finish (result, &error))
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          g_task_return_error (task, g_steal_pointer (&error));
          return;
        }
      record_failure (self, g_ptr_array_index (self->documents, self->n_done), error);
    }

  self->n_done++;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_DONE]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_FRACTION]);

  export_next (g_steal_pointer (&task));
}

static void
export_next (GTask *task)
{
  QrsBatchExport *self = g_task_get_source_object (task);

  while (self->n_done < self->documents->len)
    {
      QrsDocument *document = g_ptr_array_index (self->documents, self->n_done);
      QrsDesign *design = qrs_document_get_design (document);
      const char *text = qrs_document_get_text (document);
      g_autoptr(QrsSymbol) symbol = NULL;
      g_autoptr(GError) error = NULL;
      g_autofree char *path = NULL;

      if (g_task_return_error_if_cancelled (task))
        {
          g_object_unref (task);
          return;
        }

      if (text == NULL && qrs_document_get_error (document) != NULL)
        error = g_error_copy (qrs_document_get_error (document));
      else
        symbol = qrs_design_encode (design, text ? text : "", &error);

      if (symbol == NULL)
        {
          record_failure (self, document, error);
          self->n_done++;
          g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_DONE]);
          g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_FRACTION]);
          continue;
        }

      path = take_unique_path (self, document);
      qrs_export_to_file_async (design, symbol, self->format, path,
                                g_task_get_cancellable (task), exported_cb, task);
      return;
    }

  g_task_return_boolean (task, TRUE);
  g_object_unref (task);
}

/**
 * qrs_batch_export_run_async:
 *
 * Exports every code.  Completes with %TRUE when all were tried (see
 * qrs_batch_export_get_n_failed()), or with an error when cancelled.
 */
void
qrs_batch_export_run_async (QrsBatchExport      *self,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  GTask *task;

  g_return_if_fail (QRS_IS_BATCH_EXPORT (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, qrs_batch_export_run_async);

  export_next (task);
}

gboolean
qrs_batch_export_run_finish (QrsBatchExport  *self,
                             GAsyncResult    *result,
                             GError         **error)
{
  g_return_val_if_fail (QRS_IS_BATCH_EXPORT (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}
