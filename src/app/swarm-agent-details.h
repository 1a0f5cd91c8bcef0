/* swarm-agent-details.h — everything about one agent, with live logs
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "swarm-core.h"

G_BEGIN_DECLS

#define SWARM_TYPE_AGENT_DETAILS (swarm_agent_details_get_type ())
G_DECLARE_FINAL_TYPE (SwarmAgentDetails, swarm_agent_details, SWARM, AGENT_DETAILS, AdwWindow)

SwarmAgentDetails *swarm_agent_details_new        (GtkWindow         *parent,
                                                   SwarmClient       *client,
                                                   SwarmHistory      *history,
                                                   const char        *backend,
                                                   SwarmAgent        *agent);
void               swarm_agent_details_set_online (SwarmAgentDetails *self,
                                                   gboolean           online);
SwarmAgent        *swarm_agent_details_get_agent  (SwarmAgentDetails *self);
char              *swarm_agent_details_get_log_text (SwarmAgentDetails *self);
const char        *swarm_agent_details_get_log_status (SwarmAgentDetails *self);
void               swarm_agent_details_set_poll_interval (SwarmAgentDetails *self,
                                                          guint              interval_ms);

G_END_DECLS
