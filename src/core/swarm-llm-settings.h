/* swarm-llm-settings.h — the local daemon's LLM settings, as the app edits them
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define SWARM_LLM_DEFAULT_BASE_URL "https://openrouter.ai/api/v1"
#define SWARM_LLM_DEFAULT_MODEL    "openai/gpt-4o-mini"

typedef struct
{
  char *base_url;   /* (owned) */
  char *model;      /* (owned) */
} SwarmLlmSettings;

typedef struct
{
  guint    n_models;
  gboolean model_listed;
} SwarmLlmCheck;

char             *swarm_llm_settings_default_path (void);
void              swarm_llm_settings_free         (SwarmLlmSettings    *settings);

void              swarm_llm_settings_load_async   (const char          *path,
                                                   GCancellable        *cancellable,
                                                   GAsyncReadyCallback  callback,
                                                   gpointer             user_data);
SwarmLlmSettings *swarm_llm_settings_load_finish  (GAsyncResult        *result,
                                                   GError             **error);
void              swarm_llm_settings_save_async   (const char          *path,
                                                   const char          *base_url,
                                                   const char          *model,
                                                   GCancellable        *cancellable,
                                                   GAsyncReadyCallback  callback,
                                                   gpointer             user_data);
gboolean          swarm_llm_settings_save_finish  (GAsyncResult        *result,
                                                   GError             **error);

void              swarm_llm_check_async           (const char          *base_url,
                                                   const char          *api_key,
                                                   const char          *model,
                                                   guint                timeout_ms,
                                                   GCancellable        *cancellable,
                                                   GAsyncReadyCallback  callback,
                                                   gpointer             user_data);
gboolean          swarm_llm_check_finish          (GAsyncResult        *result,
                                                   SwarmLlmCheck       *check,
                                                   GError             **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SwarmLlmSettings, swarm_llm_settings_free)

G_END_DECLS
