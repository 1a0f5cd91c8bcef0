/* swarm-agent-store.h — the agents a table shows, kept in place by id
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "swarm-agent.h"

G_BEGIN_DECLS

typedef struct
{
  guint  sandboxes;   /* agents with a sandbox id */
  guint  active;      /* running agents */
  gint64 tokens;
  double cost_usd;
} SwarmTotals;

typedef struct _SwarmStoreUpdate SwarmStoreUpdate;

typedef struct
{
  SwarmAgentChange changes;   /* union over every updated agent */
  guint            updated;   /* agents with at least one change */
  guint            added;
  guint            removed;
} SwarmStoreDiff;

#define SWARM_TYPE_AGENT_STORE (swarm_agent_store_get_type ())
G_DECLARE_FINAL_TYPE (SwarmAgentStore, swarm_agent_store, SWARM, AGENT_STORE, GObject)

SwarmAgentStore *swarm_agent_store_new        (void);
void             swarm_agent_store_apply      (SwarmAgentStore *self,
                                               GPtrArray       *agents,
                                               gint64           request_started_us,
                                               SwarmStoreDiff  *diff);
void             swarm_agent_store_prepare_async  (SwarmAgentStore     *self,
                                                   GPtrArray           *agents,
                                                   GCancellable        *cancellable,
                                                   GAsyncReadyCallback  callback,
                                                   gpointer             user_data);
SwarmStoreUpdate *swarm_agent_store_prepare_finish (SwarmAgentStore    *self,
                                                    GAsyncResult       *result,
                                                    GError            **error);
void             swarm_agent_store_apply_update (SwarmAgentStore  *self,
                                                 SwarmStoreUpdate *update,
                                                 gint64            request_started_us,
                                                 SwarmStoreDiff   *diff);
void             swarm_store_update_free      (SwarmStoreUpdate *update);
SwarmAgent      *swarm_agent_store_lookup     (SwarmAgentStore *self,
                                               const char      *agent_id);
void             swarm_agent_store_add        (SwarmAgentStore *self,
                                               SwarmAgent      *agent);
gboolean         swarm_agent_store_remove     (SwarmAgentStore *self,
                                               const char      *agent_id);
void             swarm_agent_store_update     (SwarmAgentStore *self,
                                               SwarmAgent      *agent);
void             swarm_agent_store_clear      (SwarmAgentStore *self);
GPtrArray       *swarm_agent_store_take_gone  (SwarmAgentStore *self);
GPtrArray       *swarm_agent_store_take_ended (SwarmAgentStore *self);
void             swarm_agent_store_get_totals (SwarmAgentStore *self,
                                               SwarmTotals     *totals);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SwarmStoreUpdate, swarm_store_update_free)

G_END_DECLS
