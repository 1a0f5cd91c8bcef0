/* swarm-application.h — the application: actions, options, windows
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define SWARM_TYPE_APPLICATION (swarm_application_get_type ())
G_DECLARE_FINAL_TYPE (SwarmApplication, swarm_application, SWARM, APPLICATION, AdwApplication)

SwarmApplication *swarm_application_new             (GApplicationFlags  flags);
char             *swarm_application_get_backend_url (SwarmApplication  *self);
void              swarm_application_set_backend_url (SwarmApplication  *self,
                                                     const char        *url);

G_END_DECLS
