/* swarm-agent-table.h — the agent GtkColumnView with its sort and filter
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "swarm-core.h"

G_BEGIN_DECLS

#define SWARM_TYPE_AGENT_TABLE (swarm_agent_table_get_type ())
G_DECLARE_FINAL_TYPE (SwarmAgentTable, swarm_agent_table, SWARM, AGENT_TABLE, GtkWidget)

GtkWidget  *swarm_agent_table_new               (void);
void        swarm_agent_table_set_store         (SwarmAgentTable      *self,
                                                 SwarmAgentStore      *store);
void        swarm_agent_table_set_history       (SwarmAgentTable      *self,
                                                 GListModel           *history);
void        swarm_agent_table_set_show_history  (SwarmAgentTable      *self,
                                                 gboolean              show);
void        swarm_agent_table_set_search        (SwarmAgentTable      *self,
                                                 const char           *text);
void        swarm_agent_table_set_status_filter (SwarmAgentTable      *self,
                                                 int                   status);
int         swarm_agent_table_get_status_filter (SwarmAgentTable      *self);
void        swarm_agent_table_begin_fill        (SwarmAgentTable      *self);
void        swarm_agent_table_store_changed     (SwarmAgentTable      *self,
                                                 const SwarmStoreDiff *diff);
SwarmAgent *swarm_agent_table_get_selected      (SwarmAgentTable      *self);
GListModel *swarm_agent_table_get_visible_model (SwarmAgentTable      *self);
GtkColumnView *swarm_agent_table_get_column_view (SwarmAgentTable     *self);
gboolean    swarm_agent_table_get_sort          (SwarmAgentTable      *self,
                                                 char                **column_id,
                                                 gboolean             *descending);
void        swarm_agent_table_set_sort          (SwarmAgentTable      *self,
                                                 const char           *column_id,
                                                 gboolean              descending);
const char *swarm_agent_table_get_action_tooltip (SwarmAgentTable *self,
                                                  SwarmAgent      *agent,
                                                  const char      *action);
void        swarm_agent_table_set_actions_enabled (SwarmAgentTable    *self,
                                                   gboolean            enabled);

G_END_DECLS
