/* swarm-fake-llm.h — an in-process OpenAI-compatible chat-completions server
 *
 * Answers POST /chat/completions from a script of replies, the way
 * OpenRouter and llama.cpp shape them (llm-api.md), and records what it
 * was sent.  The only stand-in in the daemon tests: the runner, the
 * sandbox and the store are real.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <libsoup/soup.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

#define SWARM_TYPE_FAKE_LLM (swarm_fake_llm_get_type ())
G_DECLARE_FINAL_TYPE (SwarmFakeLlm, swarm_fake_llm, SWARM, FAKE_LLM, GObject)

SwarmFakeLlm *swarm_fake_llm_new              (void);
const char   *swarm_fake_llm_get_url          (SwarmFakeLlm *self);

void          swarm_fake_llm_push_tool_call   (SwarmFakeLlm *self,
                                               const char   *name,
                                               const char   *arguments_json,
                                               gint64        prompt_tokens,
                                               gint64        completion_tokens,
                                               double        cost);
void          swarm_fake_llm_push_raw         (SwarmFakeLlm *self,
                                               guint         status,
                                               const char   *body,
                                               const char   *retry_after);
void          swarm_fake_llm_push_text        (SwarmFakeLlm *self,
                                               const char   *content,
                                               gint64        prompt_tokens,
                                               gint64        completion_tokens);
void          swarm_fake_llm_push_hang        (SwarmFakeLlm *self);
void          swarm_fake_llm_set_fallback_tool_call (SwarmFakeLlm *self,
                                                     const char   *name,
                                                     const char   *arguments_json,
                                                     gint64        prompt_tokens,
                                                     gint64        completion_tokens);
void          swarm_fake_llm_set_delay_ms     (SwarmFakeLlm *self,
                                               guint         delay_ms);

guint         swarm_fake_llm_get_n_requests   (SwarmFakeLlm *self);
JsonNode     *swarm_fake_llm_get_request      (SwarmFakeLlm *self,
                                               guint         index);
const char   *swarm_fake_llm_get_authorization (SwarmFakeLlm *self,
                                                guint         index);
guint         swarm_fake_llm_get_n_hanging    (SwarmFakeLlm *self);
guint         swarm_fake_llm_get_n_cancelled  (SwarmFakeLlm *self);

G_END_DECLS
