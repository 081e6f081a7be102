/* store-test-util.h — a real PostgreSQL database for each test program
 *
 * tools/test runs the tests inside pg_virtualenv, whose PG* variables
 * point at a throwaway server.  Each program creates databases of its own
 * there and drops them at exit, so programs may run in parallel.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <libpq-fe.h>

#include "qrs-database.h"

G_BEGIN_DECLS

/* The password of every login qrs_test_create_login() makes. */
#define QRS_TEST_PASSWORD "qrs-test-password"

void         qrs_test_require_server        (void);
char        *qrs_test_create_database       (void);
char        *qrs_test_conninfo_for          (const char  *dbname,
                                             const char  *user,
                                             const char  *password);
QrsDatabase *qrs_test_open_database         (const char  *dbname);
QrsDatabase *qrs_test_open_migrated         (char       **dbname);
PGresult    *qrs_test_sql                   (const char  *dbname,
                                             const char  *sql);
char        *qrs_test_sql_value             (const char  *dbname,
                                             const char  *sql);
char        *qrs_test_create_login          (const char  *group);
char        *qrs_test_unique_name           (const char  *prefix);
void         qrs_test_make_codes            (const char  *dbname,
                                             int          n_codes);
gboolean     qrs_test_wait_for              (gboolean   (*condition) (gpointer),
                                             gpointer     data,
                                             guint        timeout_ms);

G_END_DECLS
