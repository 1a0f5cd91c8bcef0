/* swarm-deploy-request.h — the deploy body and its validation
 *
 * Shared by the deploy dialog and the daemon, so both apply one set of rules.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <json-glib/json-glib.h>

#include "swarm-agent.h"
#include "swarm-records.h"

G_BEGIN_DECLS

#define SWARM_DEPLOY_ERROR (swarm_deploy_error_quark ())

/* One code per field, so a failure always names its field. */
typedef enum
{
  SWARM_DEPLOY_ERROR_INVALID_JSON,
  SWARM_DEPLOY_ERROR_NAME,
  SWARM_DEPLOY_ERROR_AGENT_TYPE,
  SWARM_DEPLOY_ERROR_TASK,
  SWARM_DEPLOY_ERROR_TEMPLATE,
  SWARM_DEPLOY_ERROR_ENVIRONMENT,
  SWARM_DEPLOY_ERROR_CAPABILITIES,
  SWARM_DEPLOY_ERROR_TIMEOUT,
  SWARM_DEPLOY_ERROR_MODEL,
  SWARM_DEPLOY_ERROR_MAX_STEPS,
  SWARM_DEPLOY_ERROR_MAX_COST,
  SWARM_DEPLOY_ERROR_SANDBOX_DRIVER,
} SwarmDeployError;

#define SWARM_DEPLOY_NAME_MAX          64
#define SWARM_DEPLOY_TASK_MAX          8000
#define SWARM_DEPLOY_ENV_MAX           64
#define SWARM_DEPLOY_ENV_VALUE_MAX     32768
#define SWARM_DEPLOY_CAPABILITIES_MAX  32
#define SWARM_DEPLOY_CAPABILITY_MAX    64
#define SWARM_DEPLOY_TIMEOUT_DEFAULT   3600
#define SWARM_DEPLOY_TIMEOUT_MAX       86400
#define SWARM_DEPLOY_MODEL_MAX         200
#define SWARM_DEPLOY_MAX_STEPS_MAX     1000
#define SWARM_DEPLOY_MAX_COST_MAX      10000.0

typedef struct
{
  char      *name;            /* (owned) */
  char      *agent_type;      /* (owned) */
  char      *task_description;/* (owned) */
  char      *template_id;     /* (owned) */
  GPtrArray *env_keys;        /* (owned) (element-type utf8) */
  GPtrArray *env_values;      /* (owned) (element-type utf8): secrets, wiped on free */
  char     **capabilities;    /* (owned) (nullable) */
  gint64     timeout;         /* seconds */
  char      *model;           /* (owned) (nullable) */
  gint64     max_steps;       /* 0: the backend's default */
  double     max_cost_usd;    /* 0: no budget */
  char      *sandbox_driver;  /* (owned) (nullable) */
} SwarmDeployRequest;

GQuark              swarm_deploy_error_quark          (void);
const char         *swarm_deploy_error_get_field      (SwarmDeployError    code);
gboolean            swarm_deploy_error_from_field     (const char         *field,
                                                       SwarmDeployError   *code);

SwarmDeployRequest *swarm_deploy_request_new          (void);
void                swarm_deploy_request_free         (SwarmDeployRequest *self);
void                swarm_deploy_request_add_env      (SwarmDeployRequest *self,
                                                       const char         *key,
                                                       const char         *value);
gboolean            swarm_deploy_request_validate     (SwarmDeployRequest *self,
                                                       GError            **error);
JsonNode           *swarm_deploy_request_to_node      (SwarmDeployRequest *self);
char               *swarm_deploy_request_to_data      (SwarmDeployRequest *self,
                                                       gsize              *length);
SwarmDeployRequest *swarm_deploy_request_from_node    (JsonNode           *node,
                                                       GError            **error);
SwarmAgent         *swarm_deploy_request_make_agent   (SwarmDeployRequest *self,
                                                       SwarmDeployResult  *result);

gboolean  swarm_deploy_validate_name         (const char  *name,
                                              GError     **error);
gboolean  swarm_deploy_validate_agent_type   (const char  *agent_type,
                                              GError     **error);
gboolean  swarm_deploy_validate_task         (const char  *task,
                                              GError     **error);
gboolean  swarm_deploy_validate_template     (const char  *template_id,
                                              GError     **error);
gboolean  swarm_deploy_validate_env_key      (const char  *key,
                                              GError     **error);
gboolean  swarm_deploy_validate_env_value    (const char  *key,
                                              const char  *value,
                                              GError     **error);
gboolean  swarm_deploy_validate_capability   (const char  *capability,
                                              GError     **error);
gboolean  swarm_deploy_validate_timeout      (gint64       timeout,
                                              GError     **error);
gboolean  swarm_deploy_validate_model        (const char  *model,
                                              GError     **error);
gboolean  swarm_deploy_validate_max_steps    (gint64       max_steps,
                                              GError     **error);
gboolean  swarm_deploy_validate_max_cost     (double       max_cost_usd,
                                              GError     **error);

char    **swarm_deploy_split_capabilities    (const char  *text);
gboolean  swarm_deploy_is_builtin_type       (const char  *agent_type);
gboolean  swarm_deploy_is_builtin_template   (const char  *template_id);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SwarmDeployRequest, swarm_deploy_request_free)

G_END_DECLS
