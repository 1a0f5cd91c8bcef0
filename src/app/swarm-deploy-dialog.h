/* swarm-deploy-dialog.h — the form that deploys an agent
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "swarm-core.h"

G_BEGIN_DECLS

#define SWARM_TYPE_DEPLOY_DIALOG (swarm_deploy_dialog_get_type ())
G_DECLARE_FINAL_TYPE (SwarmDeployDialog, swarm_deploy_dialog, SWARM, DEPLOY_DIALOG, AdwWindow)

SwarmDeployDialog *swarm_deploy_dialog_new          (GtkWindow         *parent,
                                                     SwarmClient       *client);
SwarmDeployRequest *swarm_deploy_dialog_get_request (SwarmDeployDialog *self);
gboolean           swarm_deploy_dialog_is_valid     (SwarmDeployDialog *self);
void               swarm_deploy_dialog_prefill      (SwarmDeployDialog *self,
                                                     SwarmAgent        *agent);

G_END_DECLS
