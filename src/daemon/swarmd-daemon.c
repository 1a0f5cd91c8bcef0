/* swarmd-daemon.c — the daemon's state: agents, runners, store, settings
 *
 * Agents live in memory (canonical) and in SQLite (durable); every change
 * is written through before it is served.  Each agent's list-form JSON is
 * kept until the agent changes, so listing 10,000 agents is a
 * concatenation, not 10,000 serialisations.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "swarmd-daemon"

#include "config.h"

#include <errno.h>
#include <string.h>
#include <sys/random.h>
#include <glib/gstdio.h>

#include "swarm-agent-private.h"
#include "swarmd-daemon.h"
#include "swarmd-local-sandbox.h"
#include "swarmd-runner.h"
#include "swarmd-store.h"

#define TOKEN_BYTES 32

struct _SwarmdDaemon
{
  GObject      parent_instance;

  char        *state_dir;      /* (owned) */
  char        *sandboxes_dir;  /* (owned) */
  char        *config_path;    /* (owned) */
  char        *token;          /* (owned): secret */
  SwarmdStore *store;          /* (owned) */
  SoupSession *llm_session;    /* (owned) */

  GPtrArray   *agents;         /* (owned) (element-type SwarmAgent): oldest first */
  GHashTable  *by_id;          /* id → SwarmAgent (borrowed) */
  GHashTable  *by_name;        /* name → SwarmAgent (borrowed) */
  GHashTable  *json_cache;     /* id → list-form JSON (owned string) */
  GBytes      *list_cache;     /* (owned) (nullable): the whole list, until something changes */
  GHashTable  *runners;        /* id → SwarmdRunner (owned), while active */
  GHashTable  *log_seq;        /* id → last seq (gint64 *) */

  char        *keyring_key;    /* (owned) (nullable): secret, the app's llm-key item */
  gint64       keyring_retry_us; /* monotonic; no lookup before, after a failure */
  gboolean     keyring_reported;
};

G_DEFINE_FINAL_TYPE (SwarmdDaemon, swarmd_daemon, G_TYPE_OBJECT)
G_DEFINE_QUARK (swarmd-api-error-quark, swarmd_api_error)

static const struct {
  const char *code;
  guint       status;
} api_errors[] = {
  [SWARMD_API_ERROR_INVALID_JSON] = { "invalid_json", 400 },
  [SWARMD_API_ERROR_INVALID_FIELD] = { "invalid_field", 400 },
  [SWARMD_API_ERROR_TEMPLATE_UNAVAILABLE] = { "template_unavailable", 400 },
  [SWARMD_API_ERROR_UNAUTHORIZED] = { "unauthorized", 401 },
  [SWARMD_API_ERROR_NO_ROUTE] = { "no_route", 404 },
  [SWARMD_API_ERROR_NOT_FOUND] = { "not_found", 404 },
  [SWARMD_API_ERROR_NAME_TAKEN] = { "name_taken", 409 },
  [SWARMD_API_ERROR_ALREADY_ENDED] = { "already_ended", 409 },
  [SWARMD_API_ERROR_PAYLOAD_TOO_LARGE] = { "payload_too_large", 413 },
  [SWARMD_API_ERROR_LLM_NOT_CONFIGURED] = { "llm_not_configured", 503 },
  [SWARMD_API_ERROR_SANDBOX_FAILED] = { "sandbox_failed", 502 },
  [SWARMD_API_ERROR_INTERNAL] = { "internal", 500 },
};

const char *
swarmd_api_error_code (SwarmdApiError code)
{
  g_return_val_if_fail (code < G_N_ELEMENTS (api_errors), "internal");

  return api_errors[code].code;
}

guint
swarmd_api_error_status (SwarmdApiError code)
{
  g_return_val_if_fail (code < G_N_ELEMENTS (api_errors), 500);

  return api_errors[code].status;
}

/* Agents ----------------------------------------------------------------------- */

static void
invalidate (SwarmdDaemon *self,
            SwarmAgent   *agent)
{
  g_hash_table_remove (self->json_cache, agent->id);
  g_clear_pointer (&self->list_cache, g_bytes_unref);
}

static void
save (SwarmdDaemon *self,
      SwarmAgent   *agent)
{
  g_autoptr(GError) error = NULL;

  invalidate (self, agent);
  if (!swarmd_store_save_agent (self->store, agent, &error))
    g_warning ("Could not save agent %s: %s", agent->id, error->message);
}

static void
add_agent (SwarmdDaemon *self,
           SwarmAgent   *agent)
{
  g_clear_pointer (&self->list_cache, g_bytes_unref);
  g_ptr_array_add (self->agents, g_object_ref (agent));
  g_hash_table_insert (self->by_id, agent->id, agent);
  g_hash_table_insert (self->by_name, agent->name, agent);
}

static void
remove_agent (SwarmdDaemon *self,
              SwarmAgent   *agent)
{
  invalidate (self, agent);
  g_hash_table_remove (self->log_seq, agent->id);
  g_hash_table_remove (self->by_name, agent->name);
  g_hash_table_remove (self->by_id, agent->id);
  g_ptr_array_remove (self->agents, agent);
}

SwarmAgent *
swarmd_daemon_lookup (SwarmdDaemon *self,
                      const char   *agent_id)
{
  g_return_val_if_fail (SWARMD_IS_DAEMON (self), NULL);

  return g_hash_table_lookup (self->by_id, agent_id);
}

guint
swarmd_daemon_get_n_agents (SwarmdDaemon *self)
{
  return self->agents->len;
}

/**
 * swarmd_daemon_list_json:
 *
 * Returns: (transfer full): `{"agents":[…]}` in list form
 */
GBytes *
swarmd_daemon_list_json (SwarmdDaemon *self)
{
  GString *out;

  /* Unchanged since the last list: the same bytes again. */
  if (self->list_cache != NULL)
    return g_bytes_ref (self->list_cache);

  out = g_string_sized_new (64 + self->agents->len * 800);

  g_string_append (out, "{\"agents\":[");
  for (guint i = 0; i < self->agents->len; i++)
    {
      SwarmAgent *agent = g_ptr_array_index (self->agents, i);
      const char *json = g_hash_table_lookup (self->json_cache, agent->id);

      if (json == NULL)
        {
          g_autoptr(JsonNode) node = swarm_json_agent_to_node (agent, TRUE);
          char *data = swarm_json_node_to_data (node, NULL);

          g_hash_table_insert (self->json_cache, g_strdup (agent->id), data);
          json = data;
        }

      if (i > 0)
        g_string_append_c (out, ',');
      g_string_append (out, json);
    }
  g_string_append (out, "]}");

  self->list_cache = g_string_free_to_bytes (out);
  return g_bytes_ref (self->list_cache);
}

/* Logs ---------------------------------------------------------------------------- */

static void
append_log (SwarmdDaemon *self,
            SwarmAgent   *agent,
            SwarmLogKind  kind,
            const char   *text)
{
  g_autoptr(GError) error = NULL;
  gint64 *seq = g_hash_table_lookup (self->log_seq, agent->id);
  SwarmLogEntry entry = { 0, };

  if (seq == NULL)
    {
      seq = g_new0 (gint64, 1);
      *seq = swarmd_store_get_last_seq (self->store, agent->id);
      g_hash_table_insert (self->log_seq, g_strdup (agent->id), seq);
    }

  entry.seq = ++(*seq);
  entry.time = g_date_time_new_now_utc ();
  entry.kind = kind;
  entry.text = (char *) text;

  if (!swarmd_store_append_log (self->store, agent->id, &entry, &error))
    g_warning ("Could not save a log entry of %s: %s", agent->id, error->message);

  g_date_time_unref (entry.time);
}

SwarmLogPage *
swarmd_daemon_get_logs (SwarmdDaemon  *self,
                        const char    *agent_id,
                        gint64         after,
                        guint          limit,
                        guint          tail,
                        GError       **error)
{
  g_autoptr(GError) local_error = NULL;
  SwarmLogPage *page;

  if (swarmd_daemon_lookup (self, agent_id) == NULL)
    {
      g_set_error (error, SWARMD_API_ERROR, SWARMD_API_ERROR_NOT_FOUND,
                   "There is no agent with the id “%s”.",
                   agent_id);
      return NULL;
    }

  page = swarmd_store_get_logs (self->store, agent_id, after, limit, tail, &local_error);
  if (page == NULL)
    g_set_error (error, SWARMD_API_ERROR, SWARMD_API_ERROR_INTERNAL,
                 "The logs could not be read: %s",
                 local_error->message);

  return page;
}

/* Runners ------------------------------------------------------------------------- */

static void
on_runner_changed_cb (SwarmdRunner *runner,
                      SwarmdDaemon *self)
{
  save (self, swarmd_runner_get_agent (runner));
}

static void
on_runner_log_cb (SwarmdRunner *runner,
                  int           kind,
                  const char   *text,
                  SwarmdDaemon *self)
{
  append_log (self, swarmd_runner_get_agent (runner), (SwarmLogKind) kind, text);
}

typedef struct
{
  SwarmdDaemon *self;    /* (owned) */
  SwarmdRunner *runner;  /* (owned) */
} Drop;

static gboolean
drop_runner_cb (gpointer user_data)
{
  Drop *drop = user_data;
  SwarmAgent *agent = swarmd_runner_get_agent (drop->runner);

  if (drop->self->runners != NULL && g_hash_table_lookup (drop->self->runners,
                                                          agent->id) == drop->runner)
    g_hash_table_remove (drop->self->runners, agent->id);

  g_object_unref (drop->runner);
  g_object_unref (drop->self);
  g_free (drop);
  return G_SOURCE_REMOVE;
}

static void
on_runner_finished_cb (SwarmdRunner *runner,
                       SwarmdDaemon *self)
{
  Drop *drop = g_new0 (Drop, 1);

  /* Not from inside the runner's own emission. */
  drop->self = g_object_ref (self);
  drop->runner = g_object_ref (runner);
  g_idle_add (drop_runner_cb, drop);
}

static gboolean
start_runner_cb (gpointer user_data)
{
  g_autoptr(SwarmdRunner) runner = user_data;

  swarmd_runner_start (runner);
  return G_SOURCE_REMOVE;
}

static SwarmdSandbox *
sandbox_for (SwarmdDaemon *self,
             SwarmAgent   *agent)
{
  SwarmdRunner *runner = g_hash_table_lookup (self->runners, agent->id);

  if (runner != NULL)
    return g_object_ref (swarmd_runner_get_sandbox (runner));

  if (agent->sandbox_id != NULL && g_str_has_prefix (agent->sandbox_id, "local-"))
    return swarmd_local_sandbox_new (self->sandboxes_dir, agent->sandbox_id);

  return NULL;
}

/* Operations ------------------------------------------------------------------------ */

/**
 * swarmd_daemon_load_config:
 *
 * Reads swarmyardd.conf again (the app writes it) and takes the key the
 * app saved in the keyring, as last looked up, else the environment's.
 */
SwarmdLlmConfig *
swarmd_daemon_load_config (SwarmdDaemon  *self,
                           GError       **error)
{
  SwarmdLlmConfig *config = swarmd_llm_config_load (self->config_path, error);

  if (config != NULL && self->keyring_key != NULL)
    {
      swarm_secret_free (config->api_key);
      config->api_key = g_strdup (self->keyring_key);
    }

  return config;
}

#define KEYRING_TIMEOUT_MS 2000
#define KEYRING_RETRY_US   (30 * G_USEC_PER_SEC)

static void
key_lookup_cb (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  SwarmdDaemon *self = g_task_get_source_object (task);
  g_autoptr(GError) error = NULL;
  char *key = swarm_secrets_lookup_finish (result, &error);

  if (error != NULL)
    {
      /* Not every few seconds: a keyring that did not answer in time
       * would slow every deploy down. */
      self->keyring_retry_us = g_get_monotonic_time () + KEYRING_RETRY_US;
      if (!self->keyring_reported)
        g_message ("The keyring cannot be read, so the LLM key comes from the environment: %s",
                   error->message);
      self->keyring_reported = TRUE;
    }
  else
    {
      /* No item (any more): the environment's key counts again. */
      swarm_secret_free (self->keyring_key);
      self->keyring_key = key;
      self->keyring_reported = FALSE;
    }

  g_task_return_boolean (task, TRUE);
}

/**
 * swarmd_daemon_update_key_async:
 *
 * Looks the app's LLM key up in the keyring, so a key saved in the app's
 * Preferences is used by the next agent.  Never fails: without a keyring
 * the environment's key is used.
 */
void
swarmd_daemon_update_key_async (SwarmdDaemon        *self,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (SWARMD_IS_DAEMON (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, swarmd_daemon_update_key_async);

  if (g_get_monotonic_time () < self->keyring_retry_us)
    {
      g_task_return_boolean (task, TRUE);
      return;
    }

  swarm_secrets_lookup_async (SWARM_SECRET_LLM_KEY, NULL, KEYRING_TIMEOUT_MS, cancellable,
                              key_lookup_cb, g_steal_pointer (&task));
}

gboolean
swarmd_daemon_update_key_finish (SwarmdDaemon  *self,
                                 GAsyncResult  *result,
                                 GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/**
 * swarmd_daemon_deploy:
 * @request: a validated request
 *
 * Creates the agent and, for the local driver, its workspace; commits it;
 * and starts its runner from an idle callback, after the caller has
 * answered.
 *
 * Returns: (transfer none): the new agent, pending
 */
SwarmAgent *
swarmd_daemon_deploy (SwarmdDaemon        *self,
                      SwarmDeployRequest  *request,
                      GError             **error)
{
  g_autoptr(SwarmdLlmConfig) config = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autoptr(SwarmAgent) agent = NULL;
  g_autoptr(SwarmdSandbox) sandbox = NULL;
  g_autoptr(GHashTable) environment = NULL;
  g_autoptr(SwarmDeployResult) result = NULL;
  g_autofree char *reason = NULL;
  g_autofree char *sandbox_id = NULL;
  SwarmdRunner *runner;

  g_return_val_if_fail (SWARMD_IS_DAEMON (self), NULL);

  if (g_hash_table_contains (self->by_name, request->name))
    {
      g_set_error (error, SWARMD_API_ERROR, SWARMD_API_ERROR_NAME_TAKEN,
                   "An agent named “%s” already exists. Choose another name, or destroy that agent first.",
                   request->name);
      return NULL;
    }

  config = swarmd_daemon_load_config (self, &local_error);
  if (config == NULL)
    {
      g_set_error (error, SWARMD_API_ERROR, SWARMD_API_ERROR_LLM_NOT_CONFIGURED,
                   "The language model settings cannot be read: %s", local_error->message);
      return NULL;
    }

  if (!swarmd_llm_config_is_configured (config))
    {
      g_set_error (error, SWARMD_API_ERROR, SWARMD_API_ERROR_LLM_NOT_CONFIGURED,
                   "No language model is configured: save an API key in Swarmyard's Preferences "
                   "(or set SWARMYARD_LLM_API_KEY), or a local server's base-url in swarmyardd.conf.");
      return NULL;
    }

  if (g_strcmp0 (request->sandbox_driver, "e2b") == 0)
    {
      g_set_error (error, SWARMD_API_ERROR, SWARMD_API_ERROR_TEMPLATE_UNAVAILABLE,
                   "The e2b driver is not configured on this daemon.");
      return NULL;
    }

  if (!swarmd_local_template_available (request->template_id, &reason))
    {
      g_set_error (error, SWARMD_API_ERROR, SWARMD_API_ERROR_TEMPLATE_UNAVAILABLE,
                   "The template “%s” cannot run here: %s.", request->template_id, reason);
      return NULL;
    }

  sandbox_id = swarmd_local_sandbox_new_id ();
  sandbox = swarmd_local_sandbox_new (self->sandboxes_dir, sandbox_id);
  if (!swarmd_sandbox_create (sandbox, &local_error))
    {
      g_set_error (error, SWARMD_API_ERROR, SWARMD_API_ERROR_SANDBOX_FAILED,
                   "The sandbox could not be created: %s", local_error->message);
      return NULL;
    }

  result = g_new0 (SwarmDeployResult, 1);
  result->agent_id = g_uuid_string_random ();
  result->sandbox_id = g_strdup (sandbox_id);
  agent = swarm_deploy_request_make_agent (request, result);
  swarm_set_str (&agent->sandbox_driver, "local");
  agent->updated_at = g_date_time_ref (agent->created_at);

  if (!swarmd_store_save_agent (self->store, agent, &local_error))
    {
      swarmd_sandbox_destroy (sandbox, NULL);
      g_set_error (error, SWARMD_API_ERROR, SWARMD_API_ERROR_INTERNAL,
                   "The agent could not be saved: %s", local_error->message);
      return NULL;
    }

  add_agent (self, agent);

  /* The values live here, in memory, and in the runner's sandbox only. */
  environment = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, swarm_secret_free);
  for (guint i = 0; i < request->env_keys->len; i++)
    g_hash_table_insert (environment, g_strdup (g_ptr_array_index (request->env_keys, i)),
                         g_strdup (g_ptr_array_index (request->env_values, i)));
  swarmd_sandbox_set_environment (sandbox, environment);
  swarmd_sandbox_set_network (sandbox, request->capabilities != NULL &&
                                       g_strv_contains ((const char * const *) request->capabilities, "network"));

  runner = swarmd_runner_new (agent, sandbox, environment, config, self->llm_session);
  g_signal_connect_object (runner, "changed", G_CALLBACK (on_runner_changed_cb), self, 0);
  g_signal_connect_object (runner, "log", G_CALLBACK (on_runner_log_cb), self, 0);
  g_signal_connect_object (runner, "finished", G_CALLBACK (on_runner_finished_cb), self, 0);
  g_hash_table_insert (self->runners, g_strdup (agent->id), runner);
  g_idle_add_full (G_PRIORITY_DEFAULT, start_runner_cb, g_object_ref (runner), NULL);

  return agent;
}

/**
 * swarmd_daemon_terminate:
 *
 * Returns: (transfer none): the agent after terminate
 */
SwarmAgent *
swarmd_daemon_terminate (SwarmdDaemon  *self,
                         const char    *agent_id,
                         GError       **error)
{
  SwarmAgent *agent = swarmd_daemon_lookup (self, agent_id);
  SwarmdRunner *runner;

  if (agent == NULL)
    {
      g_set_error (error, SWARMD_API_ERROR, SWARMD_API_ERROR_NOT_FOUND,
                   "There is no agent with the id “%s”.", agent_id);
      return NULL;
    }

  if (!swarm_agent_is_active (agent))
    {
      g_set_error (error, SWARMD_API_ERROR, SWARMD_API_ERROR_ALREADY_ENDED,
                   "The agent “%s” has already ended (%s).", agent->name,
                   swarm_agent_status_to_string (agent->status));
      return NULL;
    }

  runner = g_hash_table_lookup (self->runners, agent_id);
  if (runner != NULL)
    {
      swarmd_runner_stop (runner, "terminated by user");
    }
  else
    {
      agent->status = SWARM_AGENT_STATUS_FAILED;
      swarm_set_str (&agent->error_message, "terminated by user");
      agent->completed_at = g_date_time_new_now_utc ();
      save (self, agent);
    }

  return agent;
}

gboolean
swarmd_daemon_destroy (SwarmdDaemon  *self,
                       const char    *agent_id,
                       GError       **error)
{
  g_autoptr(SwarmAgent) agent = NULL;
  g_autoptr(SwarmdSandbox) sandbox = NULL;
  g_autoptr(GError) local_error = NULL;
  SwarmdRunner *runner;

  if (swarmd_daemon_lookup (self, agent_id) == NULL)
    {
      g_set_error (error, SWARMD_API_ERROR, SWARMD_API_ERROR_NOT_FOUND,
                   "There is no agent with the id “%s”.", agent_id);
      return FALSE;
    }

  agent = g_object_ref (swarmd_daemon_lookup (self, agent_id));
  runner = g_hash_table_lookup (self->runners, agent_id);
  if (runner != NULL)
    swarmd_runner_stop (runner, "terminated by user");

  sandbox = sandbox_for (self, agent);
  if (sandbox != NULL && !swarmd_sandbox_destroy (sandbox, &local_error))
    {
      g_set_error (error, SWARMD_API_ERROR, SWARMD_API_ERROR_SANDBOX_FAILED,
                   "The sandbox of “%s” could not be deleted: %s", agent->name, local_error->message);
      return FALSE;
    }

  if (!swarmd_store_delete_agent (self->store, agent_id, &local_error))
    {
      g_set_error (error, SWARMD_API_ERROR, SWARMD_API_ERROR_INTERNAL,
                   "The agent could not be removed: %s", local_error->message);
      return FALSE;
    }

  g_hash_table_remove (self->runners, agent_id);
  remove_agent (self, agent);
  return TRUE;
}

JsonNode *
swarmd_daemon_health (SwarmdDaemon *self,
                      gboolean      authorized)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "name");
  json_builder_add_string_value (builder, "swarmyardd");
  json_builder_set_member_name (builder, "version");
  json_builder_add_string_value (builder, PACKAGE_VERSION);
  json_builder_set_member_name (builder, "api_version");
  json_builder_add_int_value (builder, 1);

  if (authorized)
    {
      g_autoptr(SwarmdLlmConfig) config = swarmd_daemon_load_config (self, NULL);

      json_builder_set_member_name (builder, "status");
      json_builder_add_string_value (builder, "ok");
      json_builder_set_member_name (builder, "drivers");
      json_builder_begin_array (builder);
      if (swarmd_local_driver_available (NULL))
        json_builder_add_string_value (builder, "local");
      json_builder_end_array (builder);
      json_builder_set_member_name (builder, "llm");
      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "configured");
      json_builder_add_boolean_value (builder, swarmd_llm_config_is_configured (config));
      json_builder_set_member_name (builder, "model");
      json_builder_add_string_value (builder,
                                     config != NULL ? config->model : SWARMD_DEFAULT_MODEL);
      json_builder_end_object (builder);
    }

  json_builder_end_object (builder);
  return json_builder_get_root (builder);
}

JsonNode *
swarmd_daemon_templates (SwarmdDaemon *self)
{
  static const char * const templates[] = { "base", "nodejs", "python", "react" };
  g_autoptr(JsonBuilder) builder = json_builder_new ();

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "templates");
  json_builder_begin_array (builder);
  for (guint i = 0; i < G_N_ELEMENTS (templates); i++)
    {
      g_autofree char *reason = NULL;
      gboolean available = swarmd_local_template_available (templates[i], &reason);

      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "id");
      json_builder_add_string_value (builder, templates[i]);
      json_builder_set_member_name (builder, "driver");
      json_builder_add_string_value (builder, "local");
      json_builder_set_member_name (builder, "available");
      json_builder_add_boolean_value (builder, available);
      json_builder_set_member_name (builder, "reason");
      if (available)
        json_builder_add_null_value (builder);
      else
        json_builder_add_string_value (builder, reason);
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);
  json_builder_end_object (builder);

  return json_builder_get_root (builder);
}

/* Token ------------------------------------------------------------------------------- */

static gboolean
is_token (const char *text)
{
  if (text == NULL || strlen (text) != TOKEN_BYTES * 2)
    return FALSE;

  for (const char *p = text; *p != '\0'; p++)
    if (!g_ascii_isxdigit (*p))
      return FALSE;

  return TRUE;
}

static char *
load_or_create_token (const char  *path,
                      GError     **error)
{
  g_autofree char *contents = NULL;
  guint8 bytes[TOKEN_BYTES];
  GString *token;

  if (g_file_get_contents (path, &contents, NULL, NULL) && is_token (g_strstrip (contents)))
    return g_steal_pointer (&contents);

  if (getrandom (bytes, sizeof bytes, 0) != (ssize_t) sizeof bytes)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                   "Cannot read random bytes for the token: %s",
                   g_strerror (errno));
      return NULL;
    }

  token = g_string_new (NULL);
  for (guint i = 0; i < sizeof bytes; i++)
    g_string_append_printf (token, "%02x", bytes[i]);
  explicit_bzero (bytes, sizeof bytes);

  if (!g_file_set_contents_full (path, token->str, token->len, G_FILE_SET_CONTENTS_CONSISTENT,
                                 0600, error))
    {
      swarm_secret_free (g_string_free (token, FALSE));
      return NULL;
    }

  return g_string_free (token, FALSE);
}

const char *
swarmd_daemon_get_token (SwarmdDaemon *self)
{
  return self->token;
}

/**
 * swarmd_daemon_check_token:
 *
 * Compares in constant time, so timing tells nothing about the token.
 */
gboolean
swarmd_daemon_check_token (SwarmdDaemon *self,
                           const char   *token)
{
  gsize expected = strlen (self->token);
  guint8 diff = 0;

  if (token == NULL || strlen (token) != expected)
    return FALSE;

  for (gsize i = 0; i < expected; i++)
    diff |= (guint8) (token[i] ^ self->token[i]);

  return diff == 0;
}

/* Object ------------------------------------------------------------------------------- */

static void
swarmd_daemon_dispose (GObject *object)
{
  SwarmdDaemon *self = SWARMD_DAEMON (object);

  g_clear_pointer (&self->runners, g_hash_table_unref);

  G_OBJECT_CLASS (swarmd_daemon_parent_class)->dispose (object);
}

static void
swarmd_daemon_finalize (GObject *object)
{
  SwarmdDaemon *self = SWARMD_DAEMON (object);

  g_clear_pointer (&self->by_id, g_hash_table_unref);
  g_clear_pointer (&self->by_name, g_hash_table_unref);
  g_clear_pointer (&self->json_cache, g_hash_table_unref);
  g_clear_pointer (&self->list_cache, g_bytes_unref);
  g_clear_pointer (&self->log_seq, g_hash_table_unref);
  g_clear_pointer (&self->agents, g_ptr_array_unref);
  g_clear_object (&self->store);
  g_clear_object (&self->llm_session);
  g_free (self->state_dir);
  g_free (self->sandboxes_dir);
  g_free (self->config_path);
  swarm_secret_free (self->keyring_key);
  swarm_secret_free (self->token);

  G_OBJECT_CLASS (swarmd_daemon_parent_class)->finalize (object);
}

static void
swarmd_daemon_class_init (SwarmdDaemonClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = swarmd_daemon_dispose;
  object_class->finalize = swarmd_daemon_finalize;
}

static void
swarmd_daemon_init (SwarmdDaemon *self)
{
  self->agents = g_ptr_array_new_with_free_func (g_object_unref);
  self->by_id = g_hash_table_new (g_str_hash, g_str_equal);
  self->by_name = g_hash_table_new (g_str_hash, g_str_equal);
  self->json_cache = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->runners = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_object_unref);
  self->log_seq = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
}

/**
 * swarmd_daemon_new:
 * @state_dir: STATE: the token, the database and the sandboxes live here
 * @config_path: (nullable): swarmyardd.conf; %NULL for the default place
 *
 * Opens the store and loads every agent.  Agents found pending or running
 * were interrupted by the last exit: they end failed, with the reason.
 */
SwarmdDaemon *
swarmd_daemon_new (const char  *state_dir,
                   const char  *config_path,
                   GError     **error)
{
  g_autoptr(SwarmdDaemon) self = g_object_new (SWARMD_TYPE_DAEMON, NULL);
  g_autofree char *token_path = NULL;
  g_autofree char *db_path = NULL;
  g_autoptr(GPtrArray) agents = NULL;

  self->state_dir = g_canonicalize_filename (state_dir, NULL);
  self->sandboxes_dir = g_build_filename (self->state_dir, "sandboxes", NULL);
  self->config_path = config_path != NULL ? g_strdup (config_path) : swarmd_config_default_path ();

  if (g_mkdir_with_parents (self->sandboxes_dir, 0700) != 0)
    {
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errno), "Cannot create %s: %s",
                   self->sandboxes_dir, g_strerror (errno));
      return NULL;
    }
  g_chmod (self->state_dir, 0700);

  token_path = g_build_filename (self->state_dir, "token", NULL);
  self->token = load_or_create_token (token_path, error);
  if (self->token == NULL)
    return NULL;

  db_path = g_build_filename (self->state_dir, "swarmyardd.db", NULL);
  self->store = swarmd_store_open (db_path, error);
  if (self->store == NULL)
    return NULL;

  agents = swarmd_store_load_agents (self->store, error);
  if (agents == NULL)
    return NULL;

  for (guint i = 0; i < agents->len; i++)
    {
      SwarmAgent *agent = g_ptr_array_index (agents, i);

      add_agent (self, agent);

      if (swarm_agent_is_active (agent))
        {
          agent->status = SWARM_AGENT_STATUS_FAILED;
          swarm_set_str (&agent->error_message, "interrupted: daemon restarted");
          agent->completed_at = g_date_time_new_now_utc ();
          g_clear_pointer (&agent->updated_at, g_date_time_unref);
          agent->updated_at = g_date_time_ref (agent->completed_at);
          save (self, agent);
          append_log (self, agent, SWARM_LOG_KIND_SYSTEM, "interrupted: daemon restarted");
        }
    }

  self->llm_session = soup_session_new_with_options ("user-agent", "swarmyardd/" PACKAGE_VERSION,
                                                     "max-conns-per-host", 16,
                                                     NULL);

  return g_steal_pointer (&self);
}

const char *
swarmd_daemon_get_state_dir (SwarmdDaemon *self)
{
  return self->state_dir;
}

/**
 * swarmd_daemon_shutdown:
 *
 * Stops every running agent, as a clean exit does.
 */
void
swarmd_daemon_shutdown (SwarmdDaemon *self)
{
  GHashTableIter iter;
  gpointer runner;

  g_hash_table_iter_init (&iter, self->runners);
  while (g_hash_table_iter_next (&iter, NULL, &runner))
    swarmd_runner_stop (runner, "interrupted: daemon stopped");
}
