/* qrs-user-agent.h — what device, OS and browser sent a scan
 *
 * Built on the regular expressions of uap-core, shared by every
 * ua-parser implementation and kept current by that project.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

/* Longer user agents are cut to this many bytes, on a character boundary,
 * before analysis; the redirect daemon stores them cut at the same place. */
#define QRS_USER_AGENT_MAX_LENGTH 512

typedef enum
{
  QRS_DEVICE_CLASS_OTHER,
  QRS_DEVICE_CLASS_MOBILE,
  QRS_DEVICE_CLASS_TABLET,
  QRS_DEVICE_CLASS_DESKTOP,
  QRS_DEVICE_CLASS_BOT,
} QrsDeviceClass;

typedef struct
{
  char           *browser_family;   /* "Chrome Mobile", "Other" */
  char           *browser_major;    /* "120", or NULL */
  char           *browser_minor;
  char           *browser_patch;
  char           *browser_patch_minor;
  char           *os_family;        /* "Android", "iOS", "Other" */
  char           *os_major;
  char           *os_minor;
  char           *os_patch;
  char           *os_patch_minor;
  char           *device_family;    /* "iPhone", "Spider", "Other" */
  char           *device_brand;
  char           *device_model;
  QrsDeviceClass  device_class;
  gboolean        is_bot;
} QrsUserAgent;

#define QRS_USER_AGENT_ERROR (qrs_user_agent_error_quark ())

typedef enum
{
  QRS_USER_AGENT_ERROR_MISSING,     /* uap-core's regexes.yaml cannot be read */
  QRS_USER_AGENT_ERROR_INVALID,     /* it is not YAML of the expected shape */
} QrsUserAgentError;

#define QRS_TYPE_USER_AGENT (qrs_user_agent_get_type ())

GQuark        qrs_user_agent_error_quark         (void);
GType         qrs_user_agent_get_type            (void) G_GNUC_CONST;
QrsUserAgent *qrs_user_agent_copy                (const QrsUserAgent *self);
void          qrs_user_agent_free                (QrsUserAgent       *self);
const char   *qrs_device_class_to_string         (QrsDeviceClass      device_class);
gboolean      qrs_user_agent_format_os_version      (const QrsUserAgent *self,
                                                     char               *buffer,
                                                     gsize               size);
gboolean      qrs_user_agent_format_browser_version (const QrsUserAgent *self,
                                                     char               *buffer,
                                                     gsize               size);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (QrsUserAgent, qrs_user_agent_free)

#define QRS_TYPE_USER_AGENT_PARSER (qrs_user_agent_parser_get_type ())

G_DECLARE_FINAL_TYPE (QrsUserAgentParser, qrs_user_agent_parser, QRS, USER_AGENT_PARSER, GObject)

/* Thread-safe: one parser may serve every thread of the daemon. */
QrsUserAgentParser *qrs_user_agent_parser_new_from_file  (const char          *path,
                                                          GError             **error);
QrsUserAgentParser *qrs_user_agent_parser_get_default    (GError             **error);
QrsUserAgent       *qrs_user_agent_parser_parse          (QrsUserAgentParser  *self,
                                                          const char          *user_agent);
guint               qrs_user_agent_parser_get_cache_size (QrsUserAgentParser  *self);
void                qrs_user_agent_parser_set_cache_size (QrsUserAgentParser  *self,
                                                          guint                n_entries);
guint               qrs_user_agent_parser_get_n_cached   (QrsUserAgentParser  *self);

G_END_DECLS
