/* qrs-user-agent-private.h — what the tests ask of the parser's insides
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "qrs-user-agent.h"

G_BEGIN_DECLS

char    *qrs_user_agent_pattern_literals         (const char         *pattern,
                                                  gboolean            caseless);
void     qrs_user_agent_parser_set_use_literals  (QrsUserAgentParser *self,
                                                  gboolean            use_literals);
gboolean qrs_user_agent_parser_check_literals    (QrsUserAgentParser *self,
                                                  const char         *user_agent,
                                                  char              **pattern);
void     qrs_user_agent_parser_count_literals    (QrsUserAgentParser *self,
                                                  guint              *n_patterns,
                                                  guint              *n_literals);

G_END_DECLS
