/* swarm-discovery.h — find, or start, the daemon on this computer
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "swarm-client.h"

G_BEGIN_DECLS

#define SWARM_DISCOVERY_WAIT_MS     5000
#define SWARM_DISCOVERY_DEFAULT_URL "http://127.0.0.1:8001"

typedef enum
{
  SWARM_DISCOVERY_FOUND,      /* swarmyardd answered; its token is set */
  SWARM_DISCOVERY_STARTED,    /* nothing answered; swarmyardd was started */
  SWARM_DISCOVERY_OTHER,      /* another backend that speaks the API */
} SwarmDiscoveryOutcome;

gboolean  swarm_discovery_is_local_default  (const char *url);
char     *swarm_discovery_default_state_dir (void);
char     *swarm_discovery_daemon_path       (void);

void      swarm_discovery_run_async   (SwarmClient          *client,
                                       const char           *state_dir,
                                       const char           *daemon_path,
                                       GCancellable         *cancellable,
                                       GAsyncReadyCallback   callback,
                                       gpointer              user_data);
gboolean  swarm_discovery_run_finish  (GAsyncResult         *result,
                                       SwarmDiscoveryOutcome *outcome,
                                       GError              **error);

G_END_DECLS
