/* swarmd-config.c — the daemon's LLM settings and where its key comes from
 *
 * `$XDG_CONFIG_HOME/swarmyard/swarmyardd.conf`, group `[llm]`: base-url,
 * model, prompt-price-per-mtok, completion-price-per-mtok, request-timeout.
 * The key never comes from the file or argv: it comes from the
 * environment (`SWARMYARD_LLM_API_KEY`, else `OPENROUTER_API_KEY`).  The
 * file is read again for every deploy, so edits apply without a restart.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "swarmd-config"

#include "config.h"

#include <string.h>
#include <gio/gio.h>

#include "swarm-utils.h"
#include "swarmd-config.h"

char *
swarmd_config_default_path (void)
{
  return g_build_filename (g_get_user_config_dir (), "swarmyard", "swarmyardd.conf", NULL);
}

static double
get_double (GKeyFile   *file,
            const char *key,
            double      fallback)
{
  g_autofree char *text = g_key_file_get_string (file, "llm", key, NULL);
  char *end = NULL;
  double value;

  if (text == NULL)
    return fallback;

  value = g_ascii_strtod (g_strstrip (text), &end);
  if (end == text || *end != '\0' || value < 0)
    {
      g_warning ("Ignoring %s = “%s” in swarmyardd.conf: not a price", key, text);
      return fallback;
    }

  return value;
}

/**
 * swarmd_llm_config_load:
 * @path: (nullable): the configuration file; a missing file gives defaults
 *
 * Returns: (transfer full): the settings, or %NULL if the file exists but
 *   cannot be parsed
 */
SwarmdLlmConfig *
swarmd_llm_config_load (const char  *path,
                        GError     **error)
{
  g_autoptr(GKeyFile) file = g_key_file_new ();
  g_autoptr(GError) local_error = NULL;
  SwarmdLlmConfig *config = g_new0 (SwarmdLlmConfig, 1);
  const char *key;

  if (path != NULL && !g_key_file_load_from_file (file, path, G_KEY_FILE_NONE, &local_error) &&
      !g_error_matches (local_error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
    {
      g_propagate_prefixed_error (error, g_steal_pointer (&local_error), "%s: ", path);
      swarmd_llm_config_free (config);
      return NULL;
    }

  config->base_url = g_key_file_get_string (file, "llm", "base-url", NULL);
  if (config->base_url == NULL || *g_strstrip (config->base_url) == '\0')
    swarm_set_str (&config->base_url, SWARMD_DEFAULT_BASE_URL);
  while (g_str_has_suffix (config->base_url, "/"))
    config->base_url[strlen (config->base_url) - 1] = '\0';

  config->model = g_key_file_get_string (file, "llm", "model", NULL);
  if (config->model == NULL || *g_strstrip (config->model) == '\0')
    swarm_set_str (&config->model, SWARMD_DEFAULT_MODEL);

  config->prompt_price = get_double (file, "prompt-price-per-mtok", 0);
  config->completion_price = get_double (file, "completion-price-per-mtok", 0);

  config->request_timeout = 120;
  if (g_key_file_has_key (file, "llm", "request-timeout", NULL))
    {
      int timeout = g_key_file_get_integer (file, "llm", "request-timeout", NULL);
      if (timeout > 0)
        config->request_timeout = timeout;
    }

  config->retry_base_ms = 1000;
  if (g_key_file_has_key (file, "llm", "retry-base-ms", NULL))
    {
      int base = g_key_file_get_integer (file, "llm", "retry-base-ms", NULL);
      if (base > 0)
        config->retry_base_ms = base;
    }

  key = g_getenv ("SWARMYARD_LLM_API_KEY");
  if (key == NULL || *key == '\0')
    key = g_getenv ("OPENROUTER_API_KEY");
  if (key != NULL && *key != '\0')
    config->api_key = g_strdup (key);

  return config;
}

SwarmdLlmConfig *
swarmd_llm_config_copy (const SwarmdLlmConfig *config)
{
  SwarmdLlmConfig *copy = g_memdup2 (config, sizeof *config);

  copy->base_url = g_strdup (config->base_url);
  copy->model = g_strdup (config->model);
  copy->api_key = g_strdup (config->api_key);
  return copy;
}

void
swarmd_llm_config_free (SwarmdLlmConfig *config)
{
  if (config == NULL)
    return;

  g_free (config->base_url);
  g_free (config->model);
  swarm_secret_free (config->api_key);
  g_free (config);
}

static gboolean
is_loopback_url (const char *url)
{
  g_autoptr(GUri) uri = g_uri_parse (url, G_URI_FLAGS_NONE, NULL);
  const char *host;

  if (uri == NULL || (host = g_uri_get_host (uri)) == NULL)
    return FALSE;

  return g_ascii_strcasecmp (host, "localhost") == 0 ||
         g_str_has_prefix (host, "127.") ||
         g_strcmp0 (host, "::1") == 0 || g_strcmp0 (host, "[::1]") == 0;
}

/**
 * swarmd_llm_config_is_configured:
 *
 * “Configured” means a base URL and either a key or a loopback base URL
 * (a local Ollama or llama.cpp server needs no key).
 */
gboolean
swarmd_llm_config_is_configured (const SwarmdLlmConfig *config)
{
  if (config == NULL || config->base_url == NULL || *config->base_url == '\0')
    return FALSE;

  return config->api_key != NULL || is_loopback_url (config->base_url);
}
