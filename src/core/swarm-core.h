/* swarm-core.h — everything libswarm-core offers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "swarm-agent.h"
#include "swarm-agent-store.h"
#include "swarm-client.h"
#include "swarm-core-enums.h"
#include "swarm-deploy-request.h"
#include "swarm-discovery.h"
#include "swarm-export.h"
#include "swarm-history.h"
#include "swarm-json.h"
#include "swarm-llm-settings.h"
#include "swarm-records.h"
#include "swarm-secrets.h"
#include "swarm-utils.h"
