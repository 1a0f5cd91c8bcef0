/* swarm-window.h — the dashboard
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "swarm-core.h"

G_BEGIN_DECLS

#define SWARM_TYPE_WINDOW (swarm_window_get_type ())
G_DECLARE_FINAL_TYPE (SwarmWindow, swarm_window, SWARM, WINDOW, AdwApplicationWindow)

SwarmWindow     *swarm_window_new              (GtkApplication *application,
                                                const char     *backend_url);
SwarmClient     *swarm_window_get_client       (SwarmWindow    *self);
SwarmAgentStore *swarm_window_get_store        (SwarmWindow    *self);
SwarmHistory    *swarm_window_get_history      (SwarmWindow    *self);
GListModel      *swarm_window_get_destroyed    (SwarmWindow    *self);
void             swarm_window_refresh          (SwarmWindow    *self);
void             swarm_window_reconnect        (SwarmWindow    *self);
void             swarm_window_export_async     (SwarmWindow         *self,
                                                GFile               *file,
                                                SwarmExportFormat    format,
                                                GCancellable        *cancellable,
                                                GAsyncReadyCallback  callback,
                                                gpointer             user_data);
gssize           swarm_window_export_finish    (SwarmWindow         *self,
                                                GAsyncResult        *result,
                                                GError             **error);

G_END_DECLS
