/* swarmd-daemon.h — the daemon's state: agents, runners, store, settings
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <libsoup/soup.h>

#include "swarm-core.h"
#include "swarmd-config.h"

G_BEGIN_DECLS

#define SWARMD_API_ERROR (swarmd_api_error_quark ())

/* The contract's error codes. */
typedef enum
{
  SWARMD_API_ERROR_INVALID_JSON,
  SWARMD_API_ERROR_INVALID_FIELD,
  SWARMD_API_ERROR_TEMPLATE_UNAVAILABLE,
  SWARMD_API_ERROR_UNAUTHORIZED,
  SWARMD_API_ERROR_NO_ROUTE,
  SWARMD_API_ERROR_NOT_FOUND,
  SWARMD_API_ERROR_NAME_TAKEN,
  SWARMD_API_ERROR_ALREADY_ENDED,
  SWARMD_API_ERROR_PAYLOAD_TOO_LARGE,
  SWARMD_API_ERROR_LLM_NOT_CONFIGURED,
  SWARMD_API_ERROR_SANDBOX_FAILED,
  SWARMD_API_ERROR_INTERNAL,
} SwarmdApiError;

#define SWARMD_TYPE_DAEMON (swarmd_daemon_get_type ())
G_DECLARE_FINAL_TYPE (SwarmdDaemon, swarmd_daemon, SWARMD, DAEMON, GObject)

GQuark        swarmd_api_error_quark        (void);
const char   *swarmd_api_error_code         (SwarmdApiError  code);
guint         swarmd_api_error_status       (SwarmdApiError  code);

SwarmdDaemon *swarmd_daemon_new             (const char     *state_dir,
                                             const char     *config_path,
                                             GError        **error);
const char   *swarmd_daemon_get_state_dir   (SwarmdDaemon   *self);
const char   *swarmd_daemon_get_token       (SwarmdDaemon   *self);
gboolean      swarmd_daemon_check_token     (SwarmdDaemon   *self,
                                             const char     *token);
void          swarmd_daemon_update_key_async  (SwarmdDaemon        *self,
                                              GCancellable        *cancellable,
                                              GAsyncReadyCallback  callback,
                                              gpointer             user_data);
gboolean      swarmd_daemon_update_key_finish (SwarmdDaemon        *self,
                                              GAsyncResult        *result,
                                              GError             **error);
SwarmdLlmConfig *swarmd_daemon_load_config  (SwarmdDaemon   *self,
                                             GError        **error);

GBytes       *swarmd_daemon_list_json       (SwarmdDaemon   *self);
SwarmAgent   *swarmd_daemon_lookup          (SwarmdDaemon   *self,
                                             const char     *agent_id);
guint         swarmd_daemon_get_n_agents    (SwarmdDaemon   *self);
SwarmAgent   *swarmd_daemon_deploy          (SwarmdDaemon   *self,
                                             SwarmDeployRequest *request,
                                             GError        **error);
SwarmAgent   *swarmd_daemon_terminate       (SwarmdDaemon   *self,
                                             const char     *agent_id,
                                             GError        **error);
gboolean      swarmd_daemon_destroy         (SwarmdDaemon   *self,
                                             const char     *agent_id,
                                             GError        **error);
SwarmLogPage *swarmd_daemon_get_logs        (SwarmdDaemon   *self,
                                             const char     *agent_id,
                                             gint64          after,
                                             guint           limit,
                                             guint           tail,
                                             GError        **error);
JsonNode     *swarmd_daemon_health          (SwarmdDaemon   *self,
                                             gboolean        authorized);
JsonNode     *swarmd_daemon_templates       (SwarmdDaemon   *self);
void          swarmd_daemon_shutdown        (SwarmdDaemon   *self);

G_END_DECLS
