/* swarmd-runner.h — one agent's LLM tool-calling loop
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <libsoup/soup.h>

#include "swarm-core.h"
#include "swarmd-config.h"
#include "swarmd-sandbox.h"

G_BEGIN_DECLS

#define SWARMD_DEFAULT_MAX_STEPS       30
#define SWARMD_DEFAULT_COMMAND_TIMEOUT 120
#define SWARMD_MAX_COMMAND_TIMEOUT     600
#define SWARMD_MAX_FORMAT_ERRORS       3

#define SWARMD_TYPE_RUNNER (swarmd_runner_get_type ())
G_DECLARE_FINAL_TYPE (SwarmdRunner, swarmd_runner, SWARMD, RUNNER, GObject)

SwarmdRunner  *swarmd_runner_new          (SwarmAgent            *agent,
                                           SwarmdSandbox         *sandbox,
                                           GHashTable            *environment,
                                           const SwarmdLlmConfig *config,
                                           SoupSession           *session);
void           swarmd_runner_start        (SwarmdRunner          *self);
void           swarmd_runner_stop         (SwarmdRunner          *self,
                                           const char            *reason);
gboolean       swarmd_runner_is_finished  (SwarmdRunner          *self);
SwarmAgent    *swarmd_runner_get_agent    (SwarmdRunner          *self);
SwarmdSandbox *swarmd_runner_get_sandbox  (SwarmdRunner          *self);
char          *swarmd_runner_redact       (SwarmdRunner          *self,
                                           const char            *text);
const char    *swarmd_runner_system_prompt (const char           *agent_type);
JsonNode      *swarmd_runner_tools        (void);

G_END_DECLS
