/* swarmd-llm.h — one OpenAI-compatible chat-completions request
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

#include "swarmd-config.h"

G_BEGIN_DECLS

#define SWARMD_LLM_ERROR (swarmd_llm_error_quark ())

typedef enum
{
  SWARMD_LLM_ERROR_UNAUTHORIZED,   /* 401, 403: the key is wrong */
  SWARMD_LLM_ERROR_PAYMENT,        /* 402: no credits */
  SWARMD_LLM_ERROR_REJECTED,       /* other 4xx */
  SWARMD_LLM_ERROR_UNAVAILABLE,    /* 429/5xx/network after every retry */
  SWARMD_LLM_ERROR_TIMED_OUT,
  SWARMD_LLM_ERROR_BAD_RESPONSE,
} SwarmdLlmError;

typedef struct
{
  JsonNode *message;           /* (owned): the assistant message, as sent back next turn */
  char     *content;           /* (owned) (nullable) */
  JsonArray *tool_calls;       /* (owned) (nullable) */
  char     *finish_reason;     /* (owned) (nullable) */
  gint64    prompt_tokens;
  gint64    completion_tokens;
  gint64    total_tokens;
  double    cost_usd;          /* from usage.cost, or -1 */
  guint     attempts;
} SwarmdLlmReply;

GQuark          swarmd_llm_error_quark  (void);
void            swarmd_llm_reply_free   (SwarmdLlmReply   *reply);

void            swarmd_llm_chat_async   (SoupSession           *session,
                                         const SwarmdLlmConfig *config,
                                         const char            *model,
                                         JsonNode              *messages,
                                         JsonNode              *tools,
                                         GCancellable          *cancellable,
                                         GAsyncReadyCallback    callback,
                                         gpointer               user_data);
SwarmdLlmReply *swarmd_llm_chat_finish  (GAsyncResult          *result,
                                         GError               **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SwarmdLlmReply, swarmd_llm_reply_free)

G_END_DECLS
