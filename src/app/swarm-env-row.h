/* swarm-env-row.h — one environment variable in the deploy dialog
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define SWARM_TYPE_ENV_ROW (swarm_env_row_get_type ())
G_DECLARE_FINAL_TYPE (SwarmEnvRow, swarm_env_row, SWARM, ENV_ROW, AdwPreferencesRow)

GtkWidget  *swarm_env_row_new       (void);
const char *swarm_env_row_get_key   (SwarmEnvRow *self);
void        swarm_env_row_set_key   (SwarmEnvRow *self,
                                     const char  *key);
const char *swarm_env_row_get_value (SwarmEnvRow *self);
void        swarm_env_row_set_error (SwarmEnvRow *self,
                                     gboolean     error);
void        swarm_env_row_focus_key (SwarmEnvRow *self);
void        swarm_env_row_focus_value (SwarmEnvRow *self);

G_END_DECLS
