/* swarmd-config.h — the daemon's LLM settings and where its key comes from
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define SWARMD_DEFAULT_BASE_URL  "https://openrouter.ai/api/v1"
#define SWARMD_DEFAULT_MODEL     "openai/gpt-4o-mini"

typedef struct
{
  char   *base_url;          /* (owned) */
  char   *model;             /* (owned) */
  char   *api_key;           /* (owned) (nullable): secret */
  double  prompt_price;      /* USD per million prompt tokens */
  double  completion_price;  /* USD per million completion tokens */
  guint   request_timeout;   /* seconds */
  guint   retry_base_ms;     /* first back-off; doubles each retry */
} SwarmdLlmConfig;

SwarmdLlmConfig *swarmd_llm_config_load          (const char      *path,
                                                  GError         **error);
SwarmdLlmConfig *swarmd_llm_config_copy          (const SwarmdLlmConfig *config);
void             swarmd_llm_config_free          (SwarmdLlmConfig *config);
gboolean         swarmd_llm_config_is_configured (const SwarmdLlmConfig *config);
char            *swarmd_config_default_path      (void);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SwarmdLlmConfig, swarmd_llm_config_free)

G_END_DECLS
