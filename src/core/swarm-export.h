/* swarm-export.h — the agents a table shows, as CSV or JSON
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "swarm-agent.h"

G_BEGIN_DECLS

typedef enum
{
  SWARM_EXPORT_CSV,
  SWARM_EXPORT_JSON,
} SwarmExportFormat;

GBytes     *swarm_export_agents          (GPtrArray         *agents,
                                          SwarmExportFormat  format,
                                          const char        *backend,
                                          GDateTime         *exported_at);
const char *swarm_export_format_extension (SwarmExportFormat format);

G_END_DECLS
