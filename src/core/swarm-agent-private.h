/* swarm-agent-private.h — field access for the JSON reader and the daemon
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "swarm-agent.h"

G_BEGIN_DECLS

struct _SwarmAgent
{
  GObject           parent_instance;

  char             *id;                 /* (owned) */
  char             *name;               /* (owned) */
  char             *agent_type;         /* (owned) */
  SwarmAgentStatus  status;
  char             *sandbox_id;         /* (owned) (nullable) */
  char             *task_description;   /* (owned) */
  gint64            tokens_used;
  double            cost_usd;
  gint64            execution_time_ms;
  GDateTime        *created_at;         /* (owned) (nullable) */
  GDateTime        *completed_at;       /* (owned) (nullable) */
  char             *error_message;      /* (owned) (nullable) */

  char             *template_id;        /* (owned) (nullable) */
  char            **capabilities;       /* (owned) (nullable) */
  gint64            config_timeout;     /* 0 when unknown */
  char             *config_model;       /* (owned) (nullable) */
  gint64            config_max_steps;   /* 0 when unset */
  double            config_max_cost_usd;/* 0 when unset */
  char             *model;              /* (owned) (nullable) */
  gint64            steps;
  char             *result;             /* (owned) (nullable) */
  gboolean          result_truncated;
  GDateTime        *started_at;         /* (owned) (nullable) */
  GDateTime        *updated_at;         /* (owned) (nullable) */
  char             *sandbox_driver;     /* (owned) (nullable) */
  char            **environment_keys;   /* (owned) (nullable) */
  GHashTable       *environment;        /* (owned) (nullable): values are secrets */

  GDateTime        *destroyed_at;       /* (owned) (nullable): app-side history only */

  gint64            elapsed_ms;         /* derived, set by the owner of a table */
};

G_END_DECLS
