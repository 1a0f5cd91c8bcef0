/* swarm-records.h — plain records the backend returns besides agents
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct
{
  char *agent_id;    /* (owned) */
  char *sandbox_id;  /* (owned) (nullable): E2B creates it later */
  char *status;      /* (owned) */
} SwarmDeployResult;

typedef enum
{
  SWARM_LOG_KIND_SYSTEM,
  SWARM_LOG_KIND_LLM,
  SWARM_LOG_KIND_TOOL,
  SWARM_LOG_KIND_OUTPUT,
} SwarmLogKind;

typedef struct
{
  gint64        seq;
  GDateTime    *time;   /* (owned) */
  SwarmLogKind  kind;
  char         *text;   /* (owned) */
} SwarmLogEntry;

typedef struct
{
  GPtrArray *entries;   /* (owned) (element-type SwarmLogEntry) */
  gint64     next;
} SwarmLogPage;

typedef struct
{
  char     *name;           /* (owned) */
  char     *version;        /* (owned) */
  gint64    api_version;
  gboolean  has_details;    /* the fields below came with a token */
  char     *status;         /* (owned) (nullable) */
  char    **drivers;        /* (owned) (nullable) */
  gboolean  llm_configured;
  char     *llm_model;      /* (owned) (nullable) */
} SwarmHealth;

void          swarm_deploy_result_free (SwarmDeployResult *result);
void          swarm_log_entry_free     (SwarmLogEntry     *entry);
SwarmLogPage *swarm_log_page_new       (void);
void          swarm_log_page_free      (SwarmLogPage      *page);
void          swarm_health_free        (SwarmHealth       *health);
const char   *swarm_log_kind_to_string (SwarmLogKind       kind);
gboolean      swarm_log_kind_from_string (const char      *str,
                                          SwarmLogKind    *kind);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SwarmDeployResult, swarm_deploy_result_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SwarmLogEntry, swarm_log_entry_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SwarmLogPage, swarm_log_page_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SwarmHealth, swarm_health_free)

G_END_DECLS
