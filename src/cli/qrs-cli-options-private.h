/* qrs-cli-options-private.h — payload and design options, shared by the
 * command line and the columns of a batch CSV
 *
 * Every option has one name, used as the long option (--wifi-ssid) and
 * as the CSV column (wifi-ssid), so the two can never drift apart.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "qrs-design.h"
#include "qrs-payload.h"

G_BEGIN_DECLS

/* Payload options, generated from qrs_payload_type_get_fields() */

typedef struct
{
  char                  *name;          /* "wifi-ssid", "url" */
  QrsPayloadType         payload_type;
  const QrsPayloadField *field;
} QrsCliPayloadKey;

typedef struct _QrsCliPayloadBuilder QrsCliPayloadBuilder;

const QrsCliPayloadKey *qrs_cli_payload_key_lookup        (const char             *name);
const QrsCliPayloadKey * const *
                        qrs_cli_payload_keys              (guint                  *n_keys);
gboolean                qrs_cli_payload_key_is_flag       (const QrsCliPayloadKey *key);

QrsCliPayloadBuilder   *qrs_cli_payload_builder_new       (void);
void                    qrs_cli_payload_builder_free      (QrsCliPayloadBuilder   *self);
gboolean                qrs_cli_payload_builder_set_type  (QrsCliPayloadBuilder   *self,
                                                           QrsPayloadType          payload_type,
                                                           GError                **error);
gboolean                qrs_cli_payload_builder_add       (QrsCliPayloadBuilder   *self,
                                                           const QrsCliPayloadKey *key,
                                                           const char             *value,
                                                           const char             *source,
                                                           GError                **error);
gboolean                qrs_cli_payload_builder_is_empty  (QrsCliPayloadBuilder   *self);
QrsPayload             *qrs_cli_payload_builder_build     (QrsCliPayloadBuilder   *self,
                                                           GError                **error);
GOptionGroup           *qrs_cli_payload_option_group_new  (QrsCliPayloadBuilder   *builder);
void                    qrs_cli_payload_explain_error     (QrsPayload             *payload,
                                                           const char             *prefix,
                                                           GError                 *error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (QrsCliPayloadBuilder, qrs_cli_payload_builder_free)

/* Design options */

typedef struct _QrsCliDesignKey QrsCliDesignKey;
typedef struct _QrsCliDesignOptions QrsCliDesignOptions;

/* Where a value comes from: relative logo paths resolve against
 * base_dir; a batch reads each logo once through logo_cache. */
typedef struct
{
  const char *base_dir;        /* nullable: the working directory */
  GHashTable *logo_cache;      /* nullable: path → GBytes */
} QrsCliDesignContext;

const QrsCliDesignKey  *qrs_cli_design_key_lookup         (const char             *name);
const char             *qrs_cli_design_key_get_name       (const QrsCliDesignKey  *key);
gboolean                qrs_cli_design_apply              (QrsDesign              *design,
                                                           const QrsCliDesignKey  *key,
                                                           const char             *value,
                                                           const QrsCliDesignContext *context,
                                                           GError                **error);

QrsCliDesignOptions    *qrs_cli_design_options_new        (void);
void                    qrs_cli_design_options_free       (QrsCliDesignOptions    *self);
GOptionGroup           *qrs_cli_design_option_group_new   (QrsCliDesignOptions    *self);
QrsDesign              *qrs_cli_design_options_build      (QrsCliDesignOptions    *self,
                                                           GError                **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (QrsCliDesignOptions, qrs_cli_design_options_free)

/* Values */

gboolean                qrs_cli_parse_distance            (const char             *str,
                                                           double                 *mm,
                                                           GError                **error);
gboolean                qrs_cli_parse_boolean             (const char             *str,
                                                           gboolean               *value,
                                                           GError                **error);

G_END_DECLS
