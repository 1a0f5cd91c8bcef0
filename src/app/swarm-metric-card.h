/* swarm-metric-card.h — one figure with its caption
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define SWARM_TYPE_METRIC_CARD (swarm_metric_card_get_type ())
G_DECLARE_FINAL_TYPE (SwarmMetricCard, swarm_metric_card, SWARM, METRIC_CARD, AdwBin)

GtkWidget  *swarm_metric_card_new       (const char      *title);
const char *swarm_metric_card_get_title (SwarmMetricCard *self);
void        swarm_metric_card_set_title (SwarmMetricCard *self,
                                         const char      *title);
const char *swarm_metric_card_get_value (SwarmMetricCard *self);
void        swarm_metric_card_set_value (SwarmMetricCard *self,
                                         const char      *value);
void        swarm_metric_card_set_icon_name (SwarmMetricCard *self,
                                             const char      *icon_name);

G_END_DECLS
