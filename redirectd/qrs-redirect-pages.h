/* qrs-redirect-pages.h — the small pages a visitor sees when a code
 * does not redirect
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef enum
{
  QRS_REDIRECT_PAGE_NOT_FOUND,
  QRS_REDIRECT_PAGE_GONE,
  QRS_REDIRECT_PAGE_METHOD_NOT_ALLOWED,
  QRS_REDIRECT_N_PAGES,
} QrsRedirectPage;

/* No external resources at all: the pages must pass this policy. */
#define QRS_REDIRECT_PAGE_CSP "default-src 'none'; style-src 'unsafe-inline'"

const char *qrs_redirect_pages_pick_language (const char      *accept_language);
const char *qrs_redirect_pages_get           (QrsRedirectPage  page,
                                              const char      *language,
                                              gsize           *length);
char       *qrs_primary_language             (const char      *accept_language);

G_END_DECLS
