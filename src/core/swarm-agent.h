/* swarm-agent.h — one agent as the backend describes it
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

typedef enum
{
  SWARM_AGENT_STATUS_PENDING,
  SWARM_AGENT_STATUS_RUNNING,
  SWARM_AGENT_STATUS_COMPLETED,
  SWARM_AGENT_STATUS_FAILED,
} SwarmAgentStatus;

/* Bits returned by swarm_agent_update_from(), one per group of fields,
 * so callers know whether a sort or a filter depends on what changed. */
typedef enum
{
  SWARM_AGENT_CHANGE_NONE      = 0,
  SWARM_AGENT_CHANGE_NAME      = 1 << 0,
  SWARM_AGENT_CHANGE_STATUS    = 1 << 1,
  SWARM_AGENT_CHANGE_SANDBOX   = 1 << 2,
  SWARM_AGENT_CHANGE_TASK      = 1 << 3,
  SWARM_AGENT_CHANGE_TOKENS    = 1 << 4,
  SWARM_AGENT_CHANGE_TIME      = 1 << 5,
  SWARM_AGENT_CHANGE_COST      = 1 << 6,
  SWARM_AGENT_CHANGE_CREATED   = 1 << 7,
  SWARM_AGENT_CHANGE_OTHER     = 1 << 8,
} SwarmAgentChange;

#define SWARM_TYPE_AGENT (swarm_agent_get_type ())
G_DECLARE_FINAL_TYPE (SwarmAgent, swarm_agent, SWARM, AGENT, GObject)

SwarmAgent       *swarm_agent_new                   (const char       *id);

const char       *swarm_agent_get_id                (SwarmAgent       *self);
const char       *swarm_agent_get_name              (SwarmAgent       *self);
const char       *swarm_agent_get_agent_type        (SwarmAgent       *self);
SwarmAgentStatus  swarm_agent_get_status            (SwarmAgent       *self);
const char       *swarm_agent_get_sandbox_id        (SwarmAgent       *self);
const char       *swarm_agent_get_task_description  (SwarmAgent       *self);
gint64            swarm_agent_get_tokens_used       (SwarmAgent       *self);
double            swarm_agent_get_cost_usd          (SwarmAgent       *self);
gint64            swarm_agent_get_execution_time_ms (SwarmAgent       *self);
GDateTime        *swarm_agent_get_created_at        (SwarmAgent       *self);
GDateTime        *swarm_agent_get_completed_at      (SwarmAgent       *self);
const char       *swarm_agent_get_error_message     (SwarmAgent       *self);
const char       *swarm_agent_get_template          (SwarmAgent       *self);
const char * const *swarm_agent_get_capabilities    (SwarmAgent       *self);
gint64            swarm_agent_get_config_timeout    (SwarmAgent       *self);
const char       *swarm_agent_get_config_model      (SwarmAgent       *self);
gint64            swarm_agent_get_config_max_steps  (SwarmAgent       *self);
double            swarm_agent_get_config_max_cost_usd (SwarmAgent     *self);
const char       *swarm_agent_get_model             (SwarmAgent       *self);
gint64            swarm_agent_get_steps             (SwarmAgent       *self);
const char       *swarm_agent_get_result            (SwarmAgent       *self);
gboolean          swarm_agent_get_result_truncated  (SwarmAgent       *self);
GDateTime        *swarm_agent_get_started_at        (SwarmAgent       *self);
GDateTime        *swarm_agent_get_updated_at        (SwarmAgent       *self);
const char       *swarm_agent_get_sandbox_driver    (SwarmAgent       *self);
const char * const *swarm_agent_get_environment_keys (SwarmAgent      *self);
GHashTable       *swarm_agent_get_environment       (SwarmAgent       *self);
GDateTime        *swarm_agent_get_destroyed_at      (SwarmAgent       *self);
gint64            swarm_agent_get_elapsed_ms        (SwarmAgent       *self);
gint64            swarm_agent_get_created_unix_ms   (SwarmAgent       *self);

gboolean          swarm_agent_is_active             (SwarmAgent       *self);
gint64            swarm_agent_compute_elapsed_ms    (SwarmAgent       *self,
                                                     gint64            now_unix_us);
void              swarm_agent_set_elapsed_ms        (SwarmAgent       *self,
                                                     gint64            elapsed_ms);
void              swarm_agent_set_status            (SwarmAgent       *self,
                                                     SwarmAgentStatus  status);
void              swarm_agent_set_destroyed_at      (SwarmAgent       *self,
                                                     GDateTime        *time);
SwarmAgent       *swarm_agent_dup                   (SwarmAgent       *self);

SwarmAgentChange  swarm_agent_update_from           (SwarmAgent       *self,
                                                     SwarmAgent       *other);
guint64           swarm_agent_fingerprint           (SwarmAgent       *self);

const char       *swarm_agent_status_to_string      (SwarmAgentStatus  status);
gboolean          swarm_agent_status_from_string    (const char       *str,
                                                     SwarmAgentStatus *status);
const char       *swarm_agent_status_get_label      (SwarmAgentStatus  status);

G_END_DECLS
