/* swarm-fake-backend.h — an in-process backend that follows the REST contract
 *
 * Used by the client and window tests, and (as the swarm-fake-backend
 * program) by the accessibility tests, the screenshot and the benchmark.
 * It keeps agents in memory and can be told to misbehave.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <libsoup/soup.h>

#include "swarm-core.h"

G_BEGIN_DECLS

typedef enum
{
  SWARM_FAKE_MODE_NORMAL,
  SWARM_FAKE_MODE_HANG,            /* accept, never answer */
  SWARM_FAKE_MODE_TRICKLE,         /* answer 200, then one byte a second */
  SWARM_FAKE_MODE_HUGE_CHUNKED,    /* 100 MiB, chunked, no length */
  SWARM_FAKE_MODE_HUGE_DECLARED,   /* Content-Length: 100 MiB */
} SwarmFakeMode;

#define SWARM_TYPE_FAKE_BACKEND (swarm_fake_backend_get_type ())
G_DECLARE_FINAL_TYPE (SwarmFakeBackend, swarm_fake_backend, SWARM, FAKE_BACKEND, GObject)

SwarmFakeBackend *swarm_fake_backend_new           (guint             port);
SwarmFakeBackend *swarm_fake_backend_new_tls       (guint             port,
                                                    GTlsCertificate  *certificate);
const char       *swarm_fake_backend_get_url       (SwarmFakeBackend *self);
void              swarm_fake_backend_stop          (SwarmFakeBackend *self);
gboolean          swarm_fake_backend_restart       (SwarmFakeBackend *self);
void              swarm_fake_backend_set_token     (SwarmFakeBackend *self,
                                                    const char       *token);
void              swarm_fake_backend_set_seed_only (SwarmFakeBackend *self,
                                                    gboolean          seed_only);
void              swarm_fake_backend_set_mode      (SwarmFakeBackend *self,
                                                    SwarmFakeMode     mode);
void              swarm_fake_backend_set_cache_list (SwarmFakeBackend *self,
                                                     gboolean          cache);
void              swarm_fake_backend_invalidate_list (SwarmFakeBackend *self);
void              swarm_fake_backend_warm_list (SwarmFakeBackend *self);
void              swarm_fake_backend_set_list_delay_ms (SwarmFakeBackend *self,
                                                        guint             delay_ms);

SwarmAgent       *swarm_fake_backend_add_agent     (SwarmFakeBackend *self,
                                                    const char       *id,
                                                    const char       *name,
                                                    SwarmAgentStatus  status);
SwarmAgent       *swarm_fake_backend_lookup        (SwarmFakeBackend *self,
                                                    const char       *id);
guint             swarm_fake_backend_get_n_agents  (SwarmFakeBackend *self);
GPtrArray        *swarm_fake_backend_get_agents    (SwarmFakeBackend *self);
void              swarm_fake_backend_add_sample_agents (SwarmFakeBackend *self,
                                                        guint             n,
                                                        guint             seed);
void              swarm_fake_backend_add_log       (SwarmFakeBackend *self,
                                                    const char       *id,
                                                    SwarmLogKind      kind,
                                                    const char       *text);

void              swarm_fake_backend_override      (SwarmFakeBackend *self,
                                                    const char       *method,
                                                    const char       *path,
                                                    guint             status,
                                                    const char       *body,
                                                    const char       *header_name,
                                                    const char       *header_value,
                                                    guint             count);
void              swarm_fake_backend_fail          (SwarmFakeBackend *self,
                                                    const char       *method,
                                                    const char       *path,
                                                    guint             status,
                                                    const char       *code,
                                                    const char       *message,
                                                    const char       *field,
                                                    guint             count);
void              swarm_fake_backend_clear_overrides (SwarmFakeBackend *self);

GPtrArray        *swarm_fake_backend_get_requests  (SwarmFakeBackend *self);
guint             swarm_fake_backend_count_requests (SwarmFakeBackend *self,
                                                     const char       *prefix);
const char       *swarm_fake_backend_get_last_body (SwarmFakeBackend *self);
const char       *swarm_fake_backend_get_last_authorization (SwarmFakeBackend *self);

G_END_DECLS
