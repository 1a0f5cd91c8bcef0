/* swarm-frame-wait.h — run something once the next frame is painted
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

typedef struct _SwarmFrameWait SwarmFrameWait;

typedef void (*SwarmFrameWaitFunc) (gpointer user_data);

gboolean swarm_frame_wait_start  (SwarmFrameWait     **slot,
                                  GtkWidget           *widget,
                                  guint                timeout_ms,
                                  SwarmFrameWaitFunc   done,
                                  gpointer             user_data);
void     swarm_frame_wait_cancel (SwarmFrameWait     **slot);

G_END_DECLS
