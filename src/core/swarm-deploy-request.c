/* swarm-deploy-request.c — the deploy body and its validation
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "swarm-deploy-request"

#include "config.h"

#include <math.h>
#include <string.h>
#include <glib/gi18n-lib.h>

#include "swarm-agent-private.h"
#include "swarm-deploy-request.h"
#include "swarm-json.h"
#include "swarm-utils.h"

G_DEFINE_QUARK (swarm-deploy-error-quark, swarm_deploy_error)

static const char * const builtin_types[] = { "researcher", "coder", "analyst", "tester", NULL };
static const char * const builtin_templates[] = { "base", "nodejs", "python", "react", NULL };

static const char * const field_names[] = {
  [SWARM_DEPLOY_ERROR_INVALID_JSON] = NULL,
  [SWARM_DEPLOY_ERROR_NAME] = "agent_name",
  [SWARM_DEPLOY_ERROR_AGENT_TYPE] = "agent_type",
  [SWARM_DEPLOY_ERROR_TASK] = "task_description",
  [SWARM_DEPLOY_ERROR_TEMPLATE] = "template",
  [SWARM_DEPLOY_ERROR_ENVIRONMENT] = "environment",
  [SWARM_DEPLOY_ERROR_CAPABILITIES] = "capabilities",
  [SWARM_DEPLOY_ERROR_TIMEOUT] = "config.timeout",
  [SWARM_DEPLOY_ERROR_MODEL] = "config.model",
  [SWARM_DEPLOY_ERROR_MAX_STEPS] = "config.max_steps",
  [SWARM_DEPLOY_ERROR_MAX_COST] = "config.max_cost_usd",
  [SWARM_DEPLOY_ERROR_SANDBOX_DRIVER] = "sandbox_driver",
};

/**
 * swarm_deploy_error_get_field:
 *
 * Returns: (nullable): the name of the deploy body's field a code is
 *   about, as the REST contract's `error.field` spells it
 */
const char *
swarm_deploy_error_get_field (SwarmDeployError code)
{
  g_return_val_if_fail (code <= SWARM_DEPLOY_ERROR_SANDBOX_DRIVER, NULL);

  return field_names[code];
}

/**
 * swarm_deploy_error_from_field:
 *
 * The reverse of swarm_deploy_error_get_field(); accepts `timeout` and
 * `config.timeout` alike, and `environment.KEY` as `environment`.
 */
gboolean
swarm_deploy_error_from_field (const char       *field,
                               SwarmDeployError *code)
{
  g_return_val_if_fail (code != NULL, FALSE);

  if (field == NULL)
    return FALSE;

  if (g_str_has_prefix (field, "environment"))
    {
      *code = SWARM_DEPLOY_ERROR_ENVIRONMENT;
      return TRUE;
    }

  for (guint i = 1; i < G_N_ELEMENTS (field_names); i++)
    {
      const char *name = field_names[i];

      if (strcmp (field, name) == 0 ||
          (g_str_has_prefix (name, "config.") && strcmp (field, name + strlen ("config.")) == 0))
        {
          *code = i;
          return TRUE;
        }
    }

  if (strcmp (field, "name") == 0)
    {
      *code = SWARM_DEPLOY_ERROR_NAME;
      return TRUE;
    }

  return FALSE;
}

gboolean
swarm_deploy_is_builtin_type (const char *agent_type)
{
  return agent_type != NULL && g_strv_contains (builtin_types, agent_type);
}

gboolean
swarm_deploy_is_builtin_template (const char *template_id)
{
  return template_id != NULL && g_strv_contains (builtin_templates, template_id);
}

static gboolean
is_lower_or_digit (char c)
{
  return g_ascii_islower (c) || g_ascii_isdigit (c);
}

gboolean
swarm_deploy_validate_name (const char  *name,
                            GError     **error)
{
  gsize length = name != NULL ? strlen (name) : 0;

  if (length == 0)
    {
      g_set_error_literal (error, SWARM_DEPLOY_ERROR, SWARM_DEPLOY_ERROR_NAME,
                           _("Enter a name for the agent."));
      return FALSE;
    }

  if (length > SWARM_DEPLOY_NAME_MAX)
    {
      g_set_error (error, SWARM_DEPLOY_ERROR, SWARM_DEPLOY_ERROR_NAME,
                   _("The name can have at most %d characters."), SWARM_DEPLOY_NAME_MAX);
      return FALSE;
    }

  for (gsize i = 0; i < length; i++)
    {
      char c = name[i];

      if (!g_ascii_isalnum (c) && c != '.' && c != '_' && c != '-')
        {
          g_set_error_literal (error, SWARM_DEPLOY_ERROR, SWARM_DEPLOY_ERROR_NAME,
                               _("The name can only contain letters, digits, dots, hyphens and underscores."));
          return FALSE;
        }
    }

  return TRUE;
}

gboolean
swarm_deploy_validate_agent_type (const char  *agent_type,
                                  GError     **error)
{
  gsize length = agent_type != NULL ? strlen (agent_type) : 0;

  if (length == 0)
    {
      g_set_error_literal (error, SWARM_DEPLOY_ERROR, SWARM_DEPLOY_ERROR_AGENT_TYPE,
                           _("Choose a type for the agent."));
      return FALSE;
    }

  if (swarm_deploy_is_builtin_type (agent_type))
    return TRUE;

  if (length > 32 || !g_ascii_islower (agent_type[0]))
    goto invalid;

  for (gsize i = 1; i < length; i++)
    {
      char c = agent_type[i];

      if (!is_lower_or_digit (c) && c != '_' && c != '-')
        goto invalid;
    }

  return TRUE;

invalid:
  g_set_error_literal (error, SWARM_DEPLOY_ERROR, SWARM_DEPLOY_ERROR_AGENT_TYPE,
                       _("A custom type starts with a lower-case letter and has at most 32 lower-case letters, digits, hyphens and underscores."));
  return FALSE;
}

gboolean
swarm_deploy_validate_task (const char  *task,
                            GError     **error)
{
  glong length;

  if (task == NULL || !g_utf8_validate (task, -1, NULL))
    {
      g_set_error_literal (error, SWARM_DEPLOY_ERROR, SWARM_DEPLOY_ERROR_TASK,
                           _("Describe the task for the agent."));
      return FALSE;
    }

  length = g_utf8_strlen (task, -1);

  {
    g_autofree char *trimmed = g_strstrip (g_strdup (task));

    if (*trimmed == '\0')
      {
        g_set_error_literal (error, SWARM_DEPLOY_ERROR, SWARM_DEPLOY_ERROR_TASK,
                             _("Describe the task for the agent."));
        return FALSE;
      }
  }

  if (length > SWARM_DEPLOY_TASK_MAX)
    {
      g_set_error (error, SWARM_DEPLOY_ERROR, SWARM_DEPLOY_ERROR_TASK,
                   _("The task can have at most %d characters; this one has %ld."),
                   SWARM_DEPLOY_TASK_MAX, length);
      return FALSE;
    }

  return TRUE;
}

/* An E2B-style template reference: [team/]name[:tag]. */
static gboolean
is_template_ref (const char *ref)
{
  const char *slash = strchr (ref, '/');
  const char *name = slash != NULL ? slash + 1 : ref;
  const char *colon = strchr (name, ':');
  gsize name_len = colon != NULL ? (gsize) (colon - name) : strlen (name);

  if (slash != NULL)
    {
      gsize team_len = slash - ref;

      if (team_len == 0 || team_len > 64 || !is_lower_or_digit (ref[0]))
        return FALSE;
      for (gsize i = 0; i < team_len; i++)
        if (!is_lower_or_digit (ref[i]) && ref[i] != '-' && ref[i] != '_')
          return FALSE;
    }

  if (name_len == 0 || name_len > 64 || !is_lower_or_digit (name[0]))
    return FALSE;
  for (gsize i = 0; i < name_len; i++)
    if (!is_lower_or_digit (name[i]) && name[i] != '-' && name[i] != '_' && name[i] != '.')
      return FALSE;

  if (colon != NULL)
    {
      const char *tag = colon + 1;
      gsize tag_len = strlen (tag);

      if (tag_len == 0 || tag_len > 64)
        return FALSE;
      for (gsize i = 0; i < tag_len; i++)
        if (!g_ascii_isalnum (tag[i]) && tag[i] != '-' && tag[i] != '_' && tag[i] != '.')
          return FALSE;
    }

  return TRUE;
}

gboolean
swarm_deploy_validate_template (const char  *template_id,
                                GError     **error)
{
  if (template_id == NULL || *template_id == '\0')
    {
      g_set_error_literal (error, SWARM_DEPLOY_ERROR, SWARM_DEPLOY_ERROR_TEMPLATE,
                           _("Choose a template."));
      return FALSE;
    }

  if (swarm_deploy_is_builtin_template (template_id) || is_template_ref (template_id))
    return TRUE;

  g_set_error_literal (error, SWARM_DEPLOY_ERROR, SWARM_DEPLOY_ERROR_TEMPLATE,
                       _("A template is base, nodejs, python, react or a template id such as “my-team/my-template:v2”."));
  return FALSE;
}

gboolean
swarm_deploy_validate_env_key (const char  *key,
                               GError     **error)
{
  gsize length = key != NULL ? strlen (key) : 0;

  if (length == 0)
    {
      g_set_error_literal (error, SWARM_DEPLOY_ERROR, SWARM_DEPLOY_ERROR_ENVIRONMENT,
                           _("Enter a name for the environment variable."));
      return FALSE;
    }

  if (length > 128 || !(g_ascii_isalpha (key[0]) || key[0] == '_'))
    goto invalid;

  for (gsize i = 1; i < length; i++)
    if (!g_ascii_isalnum (key[i]) && key[i] != '_')
      goto invalid;

  return TRUE;

invalid:
  {
    g_autofree char *shown = swarm_sanitize_message (key, 40);

    g_set_error (error, SWARM_DEPLOY_ERROR, SWARM_DEPLOY_ERROR_ENVIRONMENT,
                 _("“%s” is not a valid variable name: use letters, digits and underscores, not starting with a digit."),
                 shown);
  }
  return FALSE;
}

gboolean
swarm_deploy_validate_env_value (const char  *key,
                                 const char  *value,
                                 GError     **error)
{
  if (value == NULL || !g_utf8_validate (value, -1, NULL))
    {
      g_set_error (error, SWARM_DEPLOY_ERROR, SWARM_DEPLOY_ERROR_ENVIRONMENT,
                   _("The value of %s must be text."), key);
      return FALSE;
    }

  if (strlen (value) > SWARM_DEPLOY_ENV_VALUE_MAX)
    {
      g_set_error (error, SWARM_DEPLOY_ERROR, SWARM_DEPLOY_ERROR_ENVIRONMENT,
                   _("The value of %s is longer than %d bytes."), key, SWARM_DEPLOY_ENV_VALUE_MAX);
      return FALSE;
    }

  return TRUE;
}

gboolean
swarm_deploy_validate_capability (const char  *capability,
                                  GError     **error)
{
  gsize length = capability != NULL ? strlen (capability) : 0;

  if (length == 0 || length > SWARM_DEPLOY_CAPABILITY_MAX)
    goto invalid;

  for (gsize i = 0; i < length; i++)
    if (!is_lower_or_digit (capability[i]) && capability[i] != '_')
      goto invalid;

  return TRUE;

invalid:
  {
    g_autofree char *shown = swarm_sanitize_message (capability, 40);

    g_set_error (error, SWARM_DEPLOY_ERROR, SWARM_DEPLOY_ERROR_CAPABILITIES,
                 _("“%s” is not a capability: use lower-case letters, digits and underscores, at most %d."),
                 shown, SWARM_DEPLOY_CAPABILITY_MAX);
  }
  return FALSE;
}

gboolean
swarm_deploy_validate_timeout (gint64   timeout,
                               GError **error)
{
  if (timeout >= 1 && timeout <= SWARM_DEPLOY_TIMEOUT_MAX)
    return TRUE;

  g_set_error (error, SWARM_DEPLOY_ERROR, SWARM_DEPLOY_ERROR_TIMEOUT,
               _("The timeout must be between 1 and %d seconds."), SWARM_DEPLOY_TIMEOUT_MAX);
  return FALSE;
}

gboolean
swarm_deploy_validate_model (const char  *model,
                             GError     **error)
{
  gsize length;

  if (model == NULL)
    return TRUE;

  length = strlen (model);
  if (length == 0 || length > SWARM_DEPLOY_MODEL_MAX)
    goto invalid;

  for (gsize i = 0; i < length; i++)
    if (!g_ascii_isgraph (model[i]))
      goto invalid;

  return TRUE;

invalid:
  g_set_error (error, SWARM_DEPLOY_ERROR, SWARM_DEPLOY_ERROR_MODEL,
               _("A model is a name such as “openai/gpt-4o-mini”: no spaces, at most %d characters."),
               SWARM_DEPLOY_MODEL_MAX);
  return FALSE;
}

gboolean
swarm_deploy_validate_max_steps (gint64   max_steps,
                                 GError **error)
{
  if (max_steps == 0 || (max_steps >= 1 && max_steps <= SWARM_DEPLOY_MAX_STEPS_MAX))
    return TRUE;

  g_set_error (error, SWARM_DEPLOY_ERROR, SWARM_DEPLOY_ERROR_MAX_STEPS,
               _("The step limit must be between 1 and %d."), SWARM_DEPLOY_MAX_STEPS_MAX);
  return FALSE;
}

gboolean
swarm_deploy_validate_max_cost (double   max_cost_usd,
                                GError **error)
{
  if (max_cost_usd == 0.0 ||
      (isfinite (max_cost_usd) && max_cost_usd > 0 && max_cost_usd <= SWARM_DEPLOY_MAX_COST_MAX))
    return TRUE;

  g_set_error (error, SWARM_DEPLOY_ERROR, SWARM_DEPLOY_ERROR_MAX_COST,
               _("The cost limit must be more than $0 and at most $%.0f."), SWARM_DEPLOY_MAX_COST_MAX);
  return FALSE;
}

/**
 * swarm_deploy_split_capabilities:
 * @text: capabilities as a person types them: “api_analysis, security_audit”
 *
 * Returns: (transfer full): the words, split at commas and whitespace
 */
char **
swarm_deploy_split_capabilities (const char *text)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_auto(GStrv) parts = g_strsplit_set (text != NULL ? text : "", ", \t\n", -1);

  for (guint i = 0; parts[i] != NULL; i++)
    if (*parts[i] != '\0')
      g_strv_builder_add (builder, parts[i]);

  return g_strv_builder_end (builder);
}

SwarmDeployRequest *
swarm_deploy_request_new (void)
{
  SwarmDeployRequest *self = g_new0 (SwarmDeployRequest, 1);

  self->env_keys = g_ptr_array_new_with_free_func (g_free);
  self->env_values = g_ptr_array_new_with_free_func (swarm_secret_free);
  self->timeout = SWARM_DEPLOY_TIMEOUT_DEFAULT;
  self->template_id = g_strdup ("base");

  return self;
}

void
swarm_deploy_request_free (SwarmDeployRequest *self)
{
  if (self == NULL)
    return;

  g_free (self->name);
  g_free (self->agent_type);
  g_free (self->task_description);
  g_free (self->template_id);
  g_ptr_array_unref (self->env_keys);
  g_ptr_array_unref (self->env_values);
  g_strfreev (self->capabilities);
  g_free (self->model);
  g_free (self->sandbox_driver);
  g_free (self);
}

void
swarm_deploy_request_add_env (SwarmDeployRequest *self,
                              const char         *key,
                              const char         *value)
{
  g_return_if_fail (self != NULL);
  g_return_if_fail (key != NULL);
  g_return_if_fail (value != NULL);

  g_ptr_array_add (self->env_keys, g_strdup (key));
  g_ptr_array_add (self->env_values, g_strdup (value));
}

/**
 * swarm_deploy_request_validate:
 *
 * Applies every rule to every field; the error names the first field
 * that breaks one (its code, see swarm_deploy_error_get_field()).
 */
gboolean
swarm_deploy_request_validate (SwarmDeployRequest  *self,
                               GError             **error)
{
  g_autoptr(GHashTable) seen = NULL;

  g_return_val_if_fail (self != NULL, FALSE);

  if (!swarm_deploy_validate_name (self->name, error) ||
      !swarm_deploy_validate_agent_type (self->agent_type, error) ||
      !swarm_deploy_validate_task (self->task_description, error) ||
      !swarm_deploy_validate_template (self->template_id, error))
    return FALSE;

  if (self->env_keys->len > SWARM_DEPLOY_ENV_MAX)
    {
      g_set_error (error, SWARM_DEPLOY_ERROR, SWARM_DEPLOY_ERROR_ENVIRONMENT,
                   _("At most %d environment variables can be set."), SWARM_DEPLOY_ENV_MAX);
      return FALSE;
    }

  seen = g_hash_table_new (g_str_hash, g_str_equal);
  for (guint i = 0; i < self->env_keys->len; i++)
    {
      const char *key = g_ptr_array_index (self->env_keys, i);

      if (!swarm_deploy_validate_env_key (key, error) ||
          !swarm_deploy_validate_env_value (key, g_ptr_array_index (self->env_values, i), error))
        return FALSE;

      if (!g_hash_table_add (seen, (gpointer) key))
        {
          g_set_error (error, SWARM_DEPLOY_ERROR, SWARM_DEPLOY_ERROR_ENVIRONMENT,
                       _("The variable %s is set twice."), key);
          return FALSE;
        }
    }

  if (self->capabilities != NULL)
    {
      guint n = g_strv_length (self->capabilities);

      if (n > SWARM_DEPLOY_CAPABILITIES_MAX)
        {
          g_set_error (error, SWARM_DEPLOY_ERROR, SWARM_DEPLOY_ERROR_CAPABILITIES,
                       _("At most %d capabilities can be given."), SWARM_DEPLOY_CAPABILITIES_MAX);
          return FALSE;
        }

      g_hash_table_remove_all (seen);
      for (guint i = 0; i < n; i++)
        {
          if (!swarm_deploy_validate_capability (self->capabilities[i], error))
            return FALSE;

          if (!g_hash_table_add (seen, self->capabilities[i]))
            {
              g_set_error (error, SWARM_DEPLOY_ERROR, SWARM_DEPLOY_ERROR_CAPABILITIES,
                           _("The capability “%s” is listed twice."), self->capabilities[i]);
              return FALSE;
            }
        }
    }

  if (!swarm_deploy_validate_timeout (self->timeout, error) ||
      !swarm_deploy_validate_model (self->model, error) ||
      !swarm_deploy_validate_max_steps (self->max_steps, error) ||
      !swarm_deploy_validate_max_cost (self->max_cost_usd, error))
    return FALSE;

  if (self->sandbox_driver != NULL &&
      g_strcmp0 (self->sandbox_driver, "local") != 0 &&
      g_strcmp0 (self->sandbox_driver, "e2b") != 0)
    {
      g_set_error_literal (error, SWARM_DEPLOY_ERROR, SWARM_DEPLOY_ERROR_SANDBOX_DRIVER,
                           _("The sandbox driver must be “local” or “e2b”."));
      return FALSE;
    }

  return TRUE;
}

/**
 * swarm_deploy_request_to_node:
 *
 * Writes the seed's deploy body, member for member in the seed's order:
 * `agent_name agent_type task_description template environment
 * capabilities config{timeout}`; the optional `config` members and
 * `sandbox_driver` only when set.
 */
JsonNode *
swarm_deploy_request_to_node (SwarmDeployRequest *self)
{
  g_autoptr(JsonBuilder) builder = json_builder_new_immutable ();

  g_return_val_if_fail (self != NULL, NULL);

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "agent_name");
  json_builder_add_string_value (builder, self->name);
  json_builder_set_member_name (builder, "agent_type");
  json_builder_add_string_value (builder, self->agent_type);
  json_builder_set_member_name (builder, "task_description");
  json_builder_add_string_value (builder, self->task_description);
  json_builder_set_member_name (builder, "template");
  json_builder_add_string_value (builder, self->template_id);

  json_builder_set_member_name (builder, "environment");
  json_builder_begin_object (builder);
  for (guint i = 0; i < self->env_keys->len; i++)
    {
      json_builder_set_member_name (builder, g_ptr_array_index (self->env_keys, i));
      json_builder_add_string_value (builder, g_ptr_array_index (self->env_values, i));
    }
  json_builder_end_object (builder);

  json_builder_set_member_name (builder, "capabilities");
  json_builder_begin_array (builder);
  for (guint i = 0; self->capabilities != NULL && self->capabilities[i] != NULL; i++)
    json_builder_add_string_value (builder, self->capabilities[i]);
  json_builder_end_array (builder);

  json_builder_set_member_name (builder, "config");
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "timeout");
  json_builder_add_int_value (builder, self->timeout);
  if (self->model != NULL)
    {
      json_builder_set_member_name (builder, "model");
      json_builder_add_string_value (builder, self->model);
    }
  if (self->max_steps > 0)
    {
      json_builder_set_member_name (builder, "max_steps");
      json_builder_add_int_value (builder, self->max_steps);
    }
  if (self->max_cost_usd > 0)
    {
      json_builder_set_member_name (builder, "max_cost_usd");
      json_builder_add_double_value (builder, self->max_cost_usd);
    }
  json_builder_end_object (builder);

  if (self->sandbox_driver != NULL)
    {
      json_builder_set_member_name (builder, "sandbox_driver");
      json_builder_add_string_value (builder, self->sandbox_driver);
    }

  json_builder_end_object (builder);

  return json_builder_get_root (builder);
}

/**
 * swarm_deploy_request_to_data:
 *
 * Returns: (transfer full): the body as JSON text.  It holds the
 *   environment values: wipe it with swarm_secret_free().
 */
char *
swarm_deploy_request_to_data (SwarmDeployRequest *self,
                              gsize              *length)
{
  g_autoptr(JsonNode) node = swarm_deploy_request_to_node (self);

  return swarm_json_node_to_data (node, length);
}

/* Turns a JSON reading error into the deploy domain, naming @code's field. */
static gpointer
field_error (GError           **error,
             GError            *json_error,
             SwarmDeployError   code)
{
  g_set_error_literal (error, SWARM_DEPLOY_ERROR, code, json_error->message);
  g_error_free (json_error);
  return NULL;
}

/**
 * swarm_deploy_request_from_node:
 *
 * Reads a deploy body (as the daemon receives it) and validates it.
 * `agent_name`, `agent_type` and `task_description` are required;
 * `template` defaults to base, `config.timeout` to 3600.
 *
 * Returns: (transfer full): the request, or %NULL with @error set in
 *   %SWARM_DEPLOY_ERROR, its code naming the field
 */
SwarmDeployRequest *
swarm_deploy_request_from_node (JsonNode  *node,
                                GError   **error)
{
  g_autoptr(SwarmDeployRequest) self = swarm_deploy_request_new ();
  GError *local_error = NULL;
  JsonObject *object;
  JsonNode *member;
  g_autofree char *template_id = NULL;

  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    {
      g_set_error_literal (error, SWARM_DEPLOY_ERROR, SWARM_DEPLOY_ERROR_INVALID_JSON,
                           _("The deploy request must be a JSON object."));
      return NULL;
    }

  object = json_node_get_object (node);

  if (!swarm_json_get_string (object, "agent_name", TRUE, &self->name, &local_error))
    return field_error (error, local_error, SWARM_DEPLOY_ERROR_NAME);
  if (!swarm_json_get_string (object, "agent_type", TRUE, &self->agent_type, &local_error))
    return field_error (error, local_error, SWARM_DEPLOY_ERROR_AGENT_TYPE);
  if (!swarm_json_get_string (object, "task_description", TRUE, &self->task_description,
                              &local_error))
    return field_error (error, local_error, SWARM_DEPLOY_ERROR_TASK);
  if (!swarm_json_get_string (object, "template", FALSE, &template_id, &local_error))
    return field_error (error, local_error, SWARM_DEPLOY_ERROR_TEMPLATE);
  if (template_id != NULL)
    swarm_set_str (&self->template_id, template_id);

  member = json_object_get_member (object, "environment");
  if (member != NULL && !JSON_NODE_HOLDS_NULL (member))
    {
      JsonObjectIter iter;
      const char *key;
      JsonNode *value;

      if (!JSON_NODE_HOLDS_OBJECT (member))
        {
          g_set_error_literal (error, SWARM_DEPLOY_ERROR, SWARM_DEPLOY_ERROR_ENVIRONMENT,
                               _("“environment” must map names to text values."));
          return NULL;
        }

      json_object_iter_init (&iter, json_node_get_object (member));
      while (json_object_iter_next (&iter, &key, &value))
        {
          if (!JSON_NODE_HOLDS_VALUE (value) || json_node_get_value_type (value) != G_TYPE_STRING)
            {
              g_set_error (error, SWARM_DEPLOY_ERROR, SWARM_DEPLOY_ERROR_ENVIRONMENT,
                           _("The value of %s must be text."), key);
              return NULL;
            }
          swarm_deploy_request_add_env (self, key, json_node_get_string (value));
        }
    }

  if (!swarm_json_get_strv (object, "capabilities", &self->capabilities, &local_error))
    return field_error (error, local_error, SWARM_DEPLOY_ERROR_CAPABILITIES);

  member = json_object_get_member (object, "config");
  if (member != NULL && !JSON_NODE_HOLDS_NULL (member))
    {
      JsonObject *config;

      if (!JSON_NODE_HOLDS_OBJECT (member))
        {
          g_set_error_literal (error, SWARM_DEPLOY_ERROR, SWARM_DEPLOY_ERROR_TIMEOUT,
                               _("“config” must be a JSON object."));
          return NULL;
        }

      config = json_node_get_object (member);
      if (!swarm_json_get_int (config, "timeout", FALSE, G_MININT64, G_MAXINT64,
                               &self->timeout, &local_error))
        return field_error (error, local_error, SWARM_DEPLOY_ERROR_TIMEOUT);
      if (!swarm_json_get_string (config, "model", FALSE, &self->model, &local_error))
        return field_error (error, local_error, SWARM_DEPLOY_ERROR_MODEL);
      if (!swarm_json_get_int (config, "max_steps", FALSE, G_MININT64, G_MAXINT64,
                               &self->max_steps, &local_error))
        return field_error (error, local_error, SWARM_DEPLOY_ERROR_MAX_STEPS);
      if (!swarm_json_get_double (config, "max_cost_usd", FALSE, -G_MAXDOUBLE, G_MAXDOUBLE,
                                  &self->max_cost_usd, &local_error))
        return field_error (error, local_error, SWARM_DEPLOY_ERROR_MAX_COST);
      if (self->max_steps == 0 && json_object_has_member (config, "max_steps") &&
          !JSON_NODE_HOLDS_NULL (json_object_get_member (config, "max_steps")))
        self->max_steps = -1;   /* an explicit 0 is out of range, not “unset” */
      if (self->max_cost_usd == 0 && json_object_has_member (config, "max_cost_usd") &&
          !JSON_NODE_HOLDS_NULL (json_object_get_member (config, "max_cost_usd")))
        self->max_cost_usd = -1;
    }

  if (!swarm_json_get_string (object, "sandbox_driver", FALSE, &self->sandbox_driver, &local_error))
    return field_error (error, local_error, SWARM_DEPLOY_ERROR_SANDBOX_DRIVER);

  if (!swarm_deploy_request_validate (self, error))
    return NULL;

  return g_steal_pointer (&self);
}

/**
 * swarm_deploy_request_make_agent:
 * @result: what the backend answered to the deploy
 *
 * Builds the agent a table shows right after a deploy, before the backend
 * lists it: pending, created now, with the request's fields and the keys
 * (never the values) of its environment.
 *
 * Returns: (transfer full): the new agent
 */
SwarmAgent *
swarm_deploy_request_make_agent (SwarmDeployRequest *self,
                                 SwarmDeployResult  *result)
{
  SwarmAgent *agent;
  g_autoptr(GStrvBuilder) keys = g_strv_builder_new ();

  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (result != NULL, NULL);

  agent = swarm_agent_new (result->agent_id);
  swarm_set_str (&agent->name, self->name);
  swarm_set_str (&agent->agent_type, self->agent_type);
  swarm_set_str (&agent->task_description, self->task_description);
  agent->template_id = g_strdup (self->template_id);
  agent->sandbox_id = g_strdup (result->sandbox_id);
  agent->status = SWARM_AGENT_STATUS_PENDING;
  agent->created_at = g_date_time_new_now_utc ();
  agent->capabilities = g_strdupv (self->capabilities);
  agent->config_timeout = self->timeout;
  agent->config_model = g_strdup (self->model);
  agent->config_max_steps = self->max_steps;
  agent->config_max_cost_usd = self->max_cost_usd;
  agent->sandbox_driver = g_strdup (self->sandbox_driver);

  for (guint i = 0; i < self->env_keys->len; i++)
    g_strv_builder_add (keys, g_ptr_array_index (self->env_keys, i));
  agent->environment_keys = g_strv_builder_end (keys);

  return agent;
}
