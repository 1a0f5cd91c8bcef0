/* swarm-history.h — every agent the app has seen, kept for offline browsing
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "swarm-agent.h"
#include "swarm-records.h"

G_BEGIN_DECLS

#define SWARM_HISTORY_SCHEMA_VERSION 1
#define SWARM_HISTORY_MAX_LOGS       200

#define SWARM_HISTORY_ERROR (swarm_history_error_quark ())

typedef enum
{
  SWARM_HISTORY_ERROR_OPEN,     /* the file cannot be opened or created */
  SWARM_HISTORY_ERROR_SCHEMA,   /* a newer or broken schema */
  SWARM_HISTORY_ERROR_QUERY,    /* a statement failed: disk full, say */
} SwarmHistoryError;

typedef struct
{
  GPtrArray *agents;            /* (owned) (element-type SwarmAgent): not destroyed */
  GPtrArray *destroyed;         /* (owned) (element-type SwarmAgent) */
  gint64     last_success_us;   /* wall clock of the last complete list; 0 if none */
} SwarmHistorySnapshot;

#define SWARM_TYPE_HISTORY (swarm_history_get_type ())
G_DECLARE_FINAL_TYPE (SwarmHistory, swarm_history, SWARM, HISTORY, GObject)

GQuark        swarm_history_error_quark       (void);
char         *swarm_history_default_path      (void);

SwarmHistory *swarm_history_new               (const char    *path,
                                               guint          retention_days);
const char   *swarm_history_get_path          (SwarmHistory  *self);

void          swarm_history_load_async        (SwarmHistory        *self,
                                               const char          *backend,
                                               GCancellable        *cancellable,
                                               GAsyncReadyCallback  callback,
                                               gpointer             user_data);
SwarmHistorySnapshot *swarm_history_load_finish (SwarmHistory      *self,
                                                 GAsyncResult      *result,
                                                 GError           **error);

void          swarm_history_record_list_async (SwarmHistory        *self,
                                               const char          *backend,
                                               GPtrArray           *agents,
                                               gint64               listed_at_us,
                                               GCancellable        *cancellable,
                                               GAsyncReadyCallback  callback,
                                               gpointer             user_data);
gboolean      swarm_history_record_list_finish (SwarmHistory       *self,
                                                GAsyncResult       *result,
                                                GError            **error);

void          swarm_history_record_agent      (SwarmHistory  *self,
                                               const char    *backend,
                                               SwarmAgent    *agent);
void          swarm_history_mark_destroyed    (SwarmHistory  *self,
                                               const char    *backend,
                                               const char    *agent_id,
                                               gint64         destroyed_at_us);
void          swarm_history_record_logs       (SwarmHistory  *self,
                                               const char    *backend,
                                               const char    *agent_id,
                                               GPtrArray     *entries);

void          swarm_history_load_logs_async   (SwarmHistory        *self,
                                               const char          *backend,
                                               const char          *agent_id,
                                               GCancellable        *cancellable,
                                               GAsyncReadyCallback  callback,
                                               gpointer             user_data);
SwarmLogPage *swarm_history_load_logs_finish  (SwarmHistory        *self,
                                               GAsyncResult        *result,
                                               GError             **error);

void          swarm_history_sync_async        (SwarmHistory        *self,
                                               GCancellable        *cancellable,
                                               GAsyncReadyCallback  callback,
                                               gpointer             user_data);
gboolean      swarm_history_sync_finish       (SwarmHistory        *self,
                                               GAsyncResult        *result,
                                               GError             **error);

void          swarm_history_snapshot_free     (SwarmHistorySnapshot *snapshot);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SwarmHistorySnapshot, swarm_history_snapshot_free)

G_END_DECLS
