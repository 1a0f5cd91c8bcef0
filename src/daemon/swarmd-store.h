/* swarmd-store.h — the daemon's SQLite store: agents and their logs
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "swarm-core.h"

G_BEGIN_DECLS

#define SWARMD_STORE_ERROR (swarmd_store_error_quark ())

typedef enum
{
  SWARMD_STORE_ERROR_OPEN,
  SWARMD_STORE_ERROR_SCHEMA,
  SWARMD_STORE_ERROR_QUERY,
  SWARMD_STORE_ERROR_CORRUPT,
} SwarmdStoreError;

#define SWARMD_STORE_SCHEMA_VERSION 1

#define SWARMD_TYPE_STORE (swarmd_store_get_type ())
G_DECLARE_FINAL_TYPE (SwarmdStore, swarmd_store, SWARMD, STORE, GObject)

GQuark       swarmd_store_error_quark   (void);

SwarmdStore *swarmd_store_open          (const char     *path,
                                         GError        **error);
GPtrArray   *swarmd_store_load_agents   (SwarmdStore    *self,
                                         GError        **error);
gboolean     swarmd_store_save_agent    (SwarmdStore    *self,
                                         SwarmAgent     *agent,
                                         GError        **error);
gboolean     swarmd_store_delete_agent  (SwarmdStore    *self,
                                         const char     *agent_id,
                                         GError        **error);
gboolean     swarmd_store_append_log    (SwarmdStore    *self,
                                         const char     *agent_id,
                                         SwarmLogEntry  *entry,
                                         GError        **error);
SwarmLogPage *swarmd_store_get_logs     (SwarmdStore    *self,
                                         const char     *agent_id,
                                         gint64          after,
                                         guint           limit,
                                         guint           tail,
                                         GError        **error);
gint64       swarmd_store_get_last_seq  (SwarmdStore    *self,
                                         const char     *agent_id);

G_END_DECLS
