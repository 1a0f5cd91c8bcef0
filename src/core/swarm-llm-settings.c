/* swarm-llm-settings.c — the local daemon's LLM settings, as the app edits them
 *
 * The daemon owns its LLM settings in swarmyardd.conf (GKeyFile, group
 * [llm]) and reads the file again at each deploy; the app's Preferences
 * edit `base-url` and `model` there and leave every other key as it was.
 * The key is never in the file: it lives in the keyring (swarm-secrets).
 *
 * swarm_llm_check_async() asks an OpenAI-compatible server for its
 * models (`GET {base}/models`), which proves the address and the key.
 * File and network work run in worker threads.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "swarm-llm-settings"

#include "config.h"

#include <errno.h>
#include <glib/gi18n-lib.h>
#include <libsoup/soup.h>

#include "swarm-json.h"
#include "swarm-llm-settings.h"
#include "swarm-utils.h"

#define MAX_MODELS_BODY (16 * 1024 * 1024)

char *
swarm_llm_settings_default_path (void)
{
  return g_build_filename (g_get_user_config_dir (), "swarmyard", "swarmyardd.conf", NULL);
}

void
swarm_llm_settings_free (SwarmLlmSettings *settings)
{
  if (settings == NULL)
    return;

  g_free (settings->base_url);
  g_free (settings->model);
  g_free (settings);
}

static void
load_thread (GTask        *task,
             gpointer      source_object,
             gpointer      task_data,
             GCancellable *cancellable)
{
  const char *path = task_data;
  g_autoptr(GKeyFile) file = g_key_file_new ();
  g_autoptr(GError) error = NULL;
  SwarmLlmSettings *settings = g_new0 (SwarmLlmSettings, 1);

  if (!g_key_file_load_from_file (file, path, G_KEY_FILE_KEEP_COMMENTS, &error) &&
      !g_error_matches (error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
    {
      swarm_llm_settings_free (settings);
      g_task_return_new_error (task, error->domain, error->code,
                               _("Cannot read “%s”: %s"), path, error->message);
      return;
    }

  settings->base_url = g_key_file_get_string (file, "llm", "base-url", NULL);
  settings->model = g_key_file_get_string (file, "llm", "model", NULL);
  if (settings->base_url == NULL || *settings->base_url == '\0')
    swarm_set_str (&settings->base_url, SWARM_LLM_DEFAULT_BASE_URL);
  if (settings->model == NULL || *settings->model == '\0')
    swarm_set_str (&settings->model, SWARM_LLM_DEFAULT_MODEL);

  g_task_return_pointer (task, settings, (GDestroyNotify) swarm_llm_settings_free);
}

/**
 * swarm_llm_settings_load_async:
 * @path: swarmyardd.conf; a missing file gives the defaults
 */
void
swarm_llm_settings_load_async (const char          *path,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (path != NULL);

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, swarm_llm_settings_load_async);
  g_task_set_task_data (task, g_strdup (path), g_free);
  g_task_run_in_thread (task, load_thread);
}

SwarmLlmSettings *
swarm_llm_settings_load_finish (GAsyncResult  *result,
                                GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

typedef struct
{
  char *path;
  char *base_url;
  char *model;
} SaveData;

static void
save_data_free (SaveData *data)
{
  g_free (data->path);
  g_free (data->base_url);
  g_free (data->model);
  g_free (data);
}

static void
save_thread (GTask        *task,
             gpointer      source_object,
             gpointer      task_data,
             GCancellable *cancellable)
{
  SaveData *data = task_data;
  g_autoptr(GKeyFile) file = g_key_file_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_path_get_dirname (data->path);

  /* Keep what the user wrote there by hand: prices, timeouts, comments. */
  if (!g_key_file_load_from_file (file, data->path, G_KEY_FILE_KEEP_COMMENTS, &error) &&
      !g_error_matches (error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
    {
      g_task_return_new_error (task, error->domain, error->code,
                               _("Cannot read “%s”: %s"), data->path, error->message);
      return;
    }
  g_clear_error (&error);

  g_key_file_set_string (file, "llm", "base-url", data->base_url);
  g_key_file_set_string (file, "llm", "model", data->model);

  if (g_mkdir_with_parents (dir, 0700) != 0 ||
      !g_key_file_save_to_file (file, data->path, &error))
    {
      g_task_return_new_error (task, G_FILE_ERROR, G_FILE_ERROR_FAILED,
                               _("Cannot save “%s”: %s"), data->path,
                               error != NULL ? error->message : g_strerror (errno));
      return;
    }

  g_task_return_boolean (task, TRUE);
}

/**
 * swarm_llm_settings_save_async:
 *
 * Writes @base_url and @model to the `[llm]` group of @path (atomically),
 * keeping everything else in the file.
 */
void
swarm_llm_settings_save_async (const char          *path,
                               const char          *base_url,
                               const char          *model,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  SaveData *data;

  g_return_if_fail (path != NULL);
  g_return_if_fail (base_url != NULL);
  g_return_if_fail (model != NULL);

  data = g_new0 (SaveData, 1);
  data->path = g_strdup (path);
  data->base_url = g_strdup (base_url);
  data->model = g_strdup (model);

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, swarm_llm_settings_save_async);
  g_task_set_task_data (task, data, (GDestroyNotify) save_data_free);
  g_task_run_in_thread (task, save_thread);
}

gboolean
swarm_llm_settings_save_finish (GAsyncResult  *result,
                                GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/* ---- The models check ---------------------------------------------------- */

typedef struct
{
  char  *base_url;
  char  *api_key;   /* secret */
  char  *model;
  guint  timeout_ms;
} CheckData;

static void
check_data_free (CheckData *data)
{
  g_free (data->base_url);
  swarm_secret_free (data->api_key);
  g_free (data->model);
  g_free (data);
}

static GBytes *
read_capped (GInputStream  *stream,
             GCancellable  *cancellable,
             GError       **error)
{
  g_autoptr(GByteArray) body = g_byte_array_new ();
  guint8 buffer[16384];

  for (;;)
    {
      gssize n = g_input_stream_read (stream, buffer, sizeof buffer, cancellable, error);

      if (n < 0)
        return NULL;
      if (n == 0)
        break;
      if (body->len + n > MAX_MODELS_BODY)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_MESSAGE_TOO_LARGE,
                       _("The answer is larger than 16 MiB."));
          return NULL;
        }
      g_byte_array_append (body, buffer, n);
    }

  return g_byte_array_free_to_bytes (g_steal_pointer (&body));
}

static void
check_thread (GTask        *task,
              gpointer      source_object,
              gpointer      task_data,
              GCancellable *cancellable)
{
  CheckData *data = task_data;
  g_autoptr(SoupSession) session = NULL;
  g_autoptr(SoupMessage) msg = NULL;
  g_autoptr(GInputStream) stream = NULL;
  g_autoptr(GBytes) body = NULL;
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *url = NULL;
  SwarmLlmCheck *check;
  JsonArray *models;
  guint status;

  url = g_str_has_suffix (data->base_url, "/") ? g_strconcat (data->base_url, "models", NULL)
                                                : g_strconcat (data->base_url, "/models", NULL);
  msg = soup_message_new (SOUP_METHOD_GET, url);
  if (msg == NULL)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                               _("“%s” is not a web address."), data->base_url);
      return;
    }

  if (data->api_key != NULL && *data->api_key != '\0')
    {
      g_autofree char *auth = g_strconcat ("Bearer ", data->api_key, NULL);

      soup_message_headers_replace (soup_message_get_request_headers (msg), "Authorization", auth);
      swarm_str_wipe (auth);
    }

  session = soup_session_new_with_options ("timeout", MAX (1u, data->timeout_ms / 1000),
                                           "user-agent", "Swarmyard/" PACKAGE_VERSION, NULL);
  stream = soup_session_send (session, msg, cancellable, &error);
  if (stream == NULL)
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_task_return_error (task, g_steal_pointer (&error));
      else
        g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_FAILED,
                                 _("Could not connect to %s: %s"), data->base_url, error->message);
      return;
    }

  status = soup_message_get_status (msg);
  if (status == SOUP_STATUS_UNAUTHORIZED || status == SOUP_STATUS_FORBIDDEN)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED,
                               _("%s refused the API key (HTTP %u)."), data->base_url, status);
      return;
    }
  if (status == SOUP_STATUS_NOT_FOUND)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                               _("%s has no model list (HTTP 404). Is the address right? "
                                 "It usually ends in /v1."), data->base_url);
      return;
    }
  if (!SOUP_STATUS_IS_SUCCESSFUL (status))
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_FAILED,
                               _("%s answered with HTTP %u."), data->base_url, status);
      return;
    }

  body = read_capped (stream, cancellable, &error);
  if (body != NULL)
    root = swarm_json_parse_bytes (body, &error);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root) ||
      !json_object_has_member (json_node_get_object (root), "data") ||
      !JSON_NODE_HOLDS_ARRAY (json_object_get_member (json_node_get_object (root), "data")))
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                               _("%s did not answer with a model list."), data->base_url);
      return;
    }

  models = json_object_get_array_member (json_node_get_object (root), "data");
  check = g_new0 (SwarmLlmCheck, 1);
  check->n_models = json_array_get_length (models);
  for (guint i = 0; i < check->n_models && data->model != NULL; i++)
    {
      JsonNode *node = json_array_get_element (models, i);

      if (JSON_NODE_HOLDS_OBJECT (node) &&
          g_strcmp0 (json_object_get_string_member_with_default (json_node_get_object (node), "id", NULL),
                     data->model) == 0)
        check->model_listed = TRUE;
    }

  g_task_return_pointer (task, check, g_free);
}

/**
 * swarm_llm_check_async:
 * @api_key: (nullable): sent as a bearer token; a secret
 * @model: (nullable): a model the list should have
 *
 * Asks the server at @base_url for its models.
 */
void
swarm_llm_check_async (const char          *base_url,
                       const char          *api_key,
                       const char          *model,
                       guint                timeout_ms,
                       GCancellable        *cancellable,
                       GAsyncReadyCallback  callback,
                       gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  CheckData *data;

  g_return_if_fail (base_url != NULL);

  data = g_new0 (CheckData, 1);
  data->base_url = g_strdup (base_url);
  data->api_key = g_strdup (api_key);
  data->model = g_strdup (model);
  data->timeout_ms = timeout_ms > 0 ? timeout_ms : 10000;

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, swarm_llm_check_async);
  g_task_set_task_data (task, data, (GDestroyNotify) check_data_free);
  g_task_run_in_thread (task, check_thread);
}

/**
 * swarm_llm_check_finish:
 * @check: (out): what the server listed
 */
gboolean
swarm_llm_check_finish (GAsyncResult   *result,
                        SwarmLlmCheck  *check,
                        GError        **error)
{
  g_autofree SwarmLlmCheck *found = NULL;

  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);
  g_return_val_if_fail (check != NULL, FALSE);

  found = g_task_propagate_pointer (G_TASK (result), error);
  if (found == NULL)
    return FALSE;

  *check = *found;
  return TRUE;
}
