/* swarm-records.c — plain records the backend returns besides agents
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "swarm-records"

#include "config.h"

#include "swarm-records.h"

void
swarm_deploy_result_free (SwarmDeployResult *result)
{
  if (result == NULL)
    return;

  g_free (result->agent_id);
  g_free (result->sandbox_id);
  g_free (result->status);
  g_free (result);
}

void
swarm_log_entry_free (SwarmLogEntry *entry)
{
  if (entry == NULL)
    return;

  g_clear_pointer (&entry->time, g_date_time_unref);
  g_free (entry->text);
  g_free (entry);
}

SwarmLogPage *
swarm_log_page_new (void)
{
  SwarmLogPage *page = g_new0 (SwarmLogPage, 1);

  page->entries = g_ptr_array_new_with_free_func ((GDestroyNotify) swarm_log_entry_free);
  return page;
}

void
swarm_log_page_free (SwarmLogPage *page)
{
  if (page == NULL)
    return;

  g_clear_pointer (&page->entries, g_ptr_array_unref);
  g_free (page);
}

void
swarm_health_free (SwarmHealth *health)
{
  if (health == NULL)
    return;

  g_free (health->name);
  g_free (health->version);
  g_free (health->status);
  g_strfreev (health->drivers);
  g_free (health->llm_model);
  g_free (health);
}

static const char * const log_kinds[] = {
  [SWARM_LOG_KIND_SYSTEM] = "system",
  [SWARM_LOG_KIND_LLM] = "llm",
  [SWARM_LOG_KIND_TOOL] = "tool",
  [SWARM_LOG_KIND_OUTPUT] = "output",
};

const char *
swarm_log_kind_to_string (SwarmLogKind kind)
{
  g_return_val_if_fail (kind <= SWARM_LOG_KIND_OUTPUT, NULL);

  return log_kinds[kind];
}

gboolean
swarm_log_kind_from_string (const char   *str,
                            SwarmLogKind *kind)
{
  for (guint i = 0; i < G_N_ELEMENTS (log_kinds); i++)
    {
      if (g_strcmp0 (str, log_kinds[i]) == 0)
        {
          *kind = i;
          return TRUE;
        }
    }

  return FALSE;
}
