/* swarm-client.h — the backend's REST API, asynchronously
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "swarm-agent.h"
#include "swarm-deploy-request.h"
#include "swarm-records.h"

G_BEGIN_DECLS

#define SWARM_CLIENT_ERROR (swarm_client_error_quark ())

typedef enum
{
  SWARM_CLIENT_ERROR_INVALID_REQUEST,      /* 400 invalid_json / invalid_field */
  SWARM_CLIENT_ERROR_TEMPLATE_UNAVAILABLE, /* 400 template_unavailable */
  SWARM_CLIENT_ERROR_UNAUTHORIZED,         /* 401 / 403 */
  SWARM_CLIENT_ERROR_NO_ROUTE,             /* 404 no_route: the server lacks the endpoint */
  SWARM_CLIENT_ERROR_NOT_FOUND,            /* 404 not_found: no such agent */
  SWARM_CLIENT_ERROR_NAME_TAKEN,           /* 409 name_taken */
  SWARM_CLIENT_ERROR_ALREADY_ENDED,        /* 409 already_ended */
  SWARM_CLIENT_ERROR_PAYLOAD_TOO_LARGE,    /* 413 */
  SWARM_CLIENT_ERROR_RATE_LIMITED,         /* 429 */
  SWARM_CLIENT_ERROR_LLM_NOT_CONFIGURED,   /* 503 llm_not_configured */
  SWARM_CLIENT_ERROR_SANDBOX_FAILED,       /* 502 sandbox_failed */
  SWARM_CLIENT_ERROR_SERVER,               /* 500 internal and other 5xx */
  SWARM_CLIENT_ERROR_HTTP,                 /* any other unexpected status */
  SWARM_CLIENT_ERROR_UNREACHABLE,          /* refused, no route to host, DNS, TLS */
  SWARM_CLIENT_ERROR_TIMED_OUT,            /* the whole exchange took too long */
  SWARM_CLIENT_ERROR_BAD_RESPONSE,         /* malformed body */
  SWARM_CLIENT_ERROR_RESPONSE_TOO_LARGE,   /* body past the read limit */
  SWARM_CLIENT_ERROR_UNTRUSTED_CERTIFICATE,/* TLS: a certificate nobody vouches for, not pinned */
} SwarmClientError;

#define SWARM_CLIENT_DEFAULT_TIMEOUT_MS   5000
#define SWARM_CLIENT_DEFAULT_MAX_BODY     ((gsize) 64 * 1024 * 1024)

#define SWARM_TYPE_CLIENT (swarm_client_get_type ())
G_DECLARE_FINAL_TYPE (SwarmClient, swarm_client, SWARM, CLIENT, GObject)

GQuark       swarm_client_error_quark      (void);

SwarmClient *swarm_client_new              (const char          *base_url);
const char  *swarm_client_get_base_url     (SwarmClient         *self);
void         swarm_client_set_base_url     (SwarmClient         *self,
                                            const char          *base_url);
void         swarm_client_set_token        (SwarmClient         *self,
                                            const char          *token);
gboolean     swarm_client_has_token        (SwarmClient         *self);
void         swarm_client_set_pinned_certificate (SwarmClient    *self,
                                                  const char     *sha256);
char        *swarm_client_dup_untrusted_certificate (SwarmClient *self);
char        *swarm_certificate_fingerprint (GTlsCertificate     *certificate);
guint        swarm_client_get_timeout_ms   (SwarmClient         *self);
void         swarm_client_set_timeout_ms   (SwarmClient         *self,
                                            guint                timeout_ms);
void         swarm_client_set_max_body_size (SwarmClient        *self,
                                             gsize               max_body);

void         swarm_client_list_agents_async   (SwarmClient         *self,
                                               GCancellable        *cancellable,
                                               GAsyncReadyCallback  callback,
                                               gpointer             user_data);
GPtrArray   *swarm_client_list_agents_finish  (SwarmClient         *self,
                                               GAsyncResult        *result,
                                               GError             **error);

void         swarm_client_get_agent_async     (SwarmClient         *self,
                                               const char          *agent_id,
                                               GCancellable        *cancellable,
                                               GAsyncReadyCallback  callback,
                                               gpointer             user_data);
SwarmAgent  *swarm_client_get_agent_finish    (SwarmClient         *self,
                                               GAsyncResult        *result,
                                               GError             **error);

void         swarm_client_deploy_async        (SwarmClient         *self,
                                               SwarmDeployRequest  *request,
                                               GCancellable        *cancellable,
                                               GAsyncReadyCallback  callback,
                                               gpointer             user_data);
SwarmDeployResult *swarm_client_deploy_finish (SwarmClient         *self,
                                               GAsyncResult        *result,
                                               char               **error_field,
                                               GError             **error);

void         swarm_client_terminate_async     (SwarmClient         *self,
                                               const char          *agent_id,
                                               GCancellable        *cancellable,
                                               GAsyncReadyCallback  callback,
                                               gpointer             user_data);
gboolean     swarm_client_terminate_finish    (SwarmClient         *self,
                                               GAsyncResult        *result,
                                               SwarmAgent         **agent,
                                               GError             **error);

void         swarm_client_destroy_async       (SwarmClient         *self,
                                               const char          *agent_id,
                                               GCancellable        *cancellable,
                                               GAsyncReadyCallback  callback,
                                               gpointer             user_data);
gboolean     swarm_client_destroy_finish      (SwarmClient         *self,
                                               GAsyncResult        *result,
                                               GError             **error);

void         swarm_client_get_logs_async      (SwarmClient         *self,
                                               const char          *agent_id,
                                               gint64               after,
                                               guint                limit,
                                               guint                tail,
                                               GCancellable        *cancellable,
                                               GAsyncReadyCallback  callback,
                                               gpointer             user_data);
SwarmLogPage *swarm_client_get_logs_finish    (SwarmClient         *self,
                                               GAsyncResult        *result,
                                               GError             **error);

void         swarm_client_health_async        (SwarmClient         *self,
                                               GCancellable        *cancellable,
                                               GAsyncReadyCallback  callback,
                                               gpointer             user_data);
SwarmHealth *swarm_client_health_finish       (SwarmClient         *self,
                                               GAsyncResult        *result,
                                               GError             **error);

G_END_DECLS
