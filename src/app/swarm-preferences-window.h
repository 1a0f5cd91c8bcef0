/* swarm-preferences-window.h — backend, keys, refresh and history settings
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "swarm-core.h"

G_BEGIN_DECLS

#define SWARM_TYPE_PREFERENCES_WINDOW (swarm_preferences_window_get_type ())
G_DECLARE_FINAL_TYPE (SwarmPreferencesWindow, swarm_preferences_window, SWARM, PREFERENCES_WINDOW,
                      AdwPreferencesWindow)

GtkWidget *swarm_preferences_window_new (GtkWindow *parent);

G_END_DECLS
