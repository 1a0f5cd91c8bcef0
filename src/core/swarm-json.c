/* swarm-json.c — strict reading and writing of the REST contract's JSON
 *
 * Every reader checks the body is UTF-8 and not nested deeper than
 * SWARM_JSON_MAX_DEPTH *before* json-glib sees it (json-glib 1.6 recurses
 * without limit), then checks the type of every member it reads.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "swarm-json"

#include "config.h"

#include <math.h>
#include <string.h>
#include <glib/gi18n-lib.h>

#include "swarm-agent-private.h"
#include "swarm-json.h"
#include "swarm-utils.h"

G_DEFINE_QUARK (swarm-json-error-quark, swarm_json_error)

/* Whole numbers beyond 2^53 lose precision in every JSON reader. */
#define MAX_SAFE_INT G_GINT64_CONSTANT (9007199254740992)
#define MAX_AMOUNT_USD 1e9

/**
 * swarm_json_check_depth:
 * @data: the JSON text
 * @length: its length in bytes
 * @max_depth: the deepest nesting of arrays and objects allowed
 *
 * Scans the text once, without parsing it, and fails if arrays and objects
 * nest deeper than @max_depth.  Brackets inside strings are skipped.
 */
gboolean
swarm_json_check_depth (const char  *data,
                        gsize        length,
                        guint        max_depth,
                        GError     **error)
{
  guint depth = 0;
  gboolean in_string = FALSE;

  for (gsize i = 0; i < length; i++)
    {
      char c = data[i];

      if (in_string)
        {
          if (c == '\\')
            i++;
          else if (c == '"')
            in_string = FALSE;
          continue;
        }

      switch (c)
        {
        case '"':
          in_string = TRUE;
          break;
        case '[':
        case '{':
          if (++depth > max_depth)
            {
              g_set_error (error, SWARM_JSON_ERROR, SWARM_JSON_ERROR_TOO_DEEP,
                           _("The data is nested more than %u levels deep."), max_depth);
              return FALSE;
            }
          break;
        case ']':
        case '}':
          if (depth > 0)
            depth--;
          break;
        default:
          break;
        }
    }

  return TRUE;
}

/**
 * swarm_json_parse_bytes:
 *
 * Returns: (transfer full): the root node of @bytes, or %NULL with @error
 *   set when @bytes is not UTF-8, too deep, or not JSON
 */
JsonNode *
swarm_json_parse_bytes (GBytes  *bytes,
                        GError **error)
{
  g_autoptr(JsonParser) parser = NULL;
  g_autoptr(GError) local_error = NULL;
  const char *data;
  gsize length = 0;

  g_return_val_if_fail (bytes != NULL, NULL);

  data = g_bytes_get_data (bytes, &length);

  if (length == 0)
    {
      g_set_error_literal (error, SWARM_JSON_ERROR, SWARM_JSON_ERROR_SYNTAX,
                           _("The data is empty."));
      return NULL;
    }

  if (!g_utf8_validate_len (data, length, NULL))
    {
      g_set_error_literal (error, SWARM_JSON_ERROR, SWARM_JSON_ERROR_NOT_UTF8,
                           _("The data is not valid UTF-8 text."));
      return NULL;
    }

  if (!swarm_json_check_depth (data, length, SWARM_JSON_MAX_DEPTH, error))
    return NULL;

  parser = json_parser_new_immutable ();
  if (!json_parser_load_from_data (parser, data, length, &local_error))
    {
      g_set_error (error, SWARM_JSON_ERROR, SWARM_JSON_ERROR_SYNTAX,
                   _("The data is not valid JSON (%s)."), local_error->message);
      return NULL;
    }

  if (json_parser_get_root (parser) == NULL)
    {
      g_set_error_literal (error, SWARM_JSON_ERROR, SWARM_JSON_ERROR_SYNTAX,
                           _("The data is empty."));
      return NULL;
    }

  return json_parser_steal_root (parser);
}

static JsonObject *
require_object (JsonNode    *node,
                const char  *what,
                GError     **error)
{
  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    {
      g_set_error (error, SWARM_JSON_ERROR, SWARM_JSON_ERROR_WRONG_TYPE,
                   _("%s must be a JSON object."), what);
      return NULL;
    }

  return json_node_get_object (node);
}

/* Returns the member's node, or NULL when it is absent or null. */
static JsonNode *
get_member (JsonObject  *object,
            const char  *member,
            gboolean     required,
            GError     **error)
{
  JsonNode *node = json_object_get_member (object, member);

  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    {
      if (required)
        g_set_error (error, SWARM_JSON_ERROR, SWARM_JSON_ERROR_MISSING_MEMBER,
                     _("“%s” is missing."), member);
      return NULL;
    }

  return node;
}

gboolean
swarm_json_get_string (JsonObject  *object,
                       const char  *member,
                       gboolean     required,
                       char       **out,
                       GError     **error)
{
  g_autoptr(GError) local_error = NULL;
  JsonNode *node = get_member (object, member, required, &local_error);

  if (node == NULL)
    {
      *out = NULL;
      if (local_error != NULL)
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return FALSE;
        }
      return TRUE;
    }

  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    {
      g_set_error (error, SWARM_JSON_ERROR, SWARM_JSON_ERROR_WRONG_TYPE,
                   _("“%s” must be text."), member);
      *out = NULL;
      return FALSE;
    }

  *out = g_strdup (json_node_get_string (node));
  return TRUE;
}

gboolean
swarm_json_get_int (JsonObject  *object,
                    const char  *member,
                    gboolean     required,
                    gint64       min,
                    gint64       max,
                    gint64      *out,
                    GError     **error)
{
  g_autoptr(GError) local_error = NULL;
  JsonNode *node = get_member (object, member, required, &local_error);
  gint64 value;

  if (node == NULL)
    {
      if (local_error != NULL)
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return FALSE;
        }
      return TRUE;   /* *out keeps its default */
    }

  if (!JSON_NODE_HOLDS_VALUE (node))
    goto wrong_type;

  if (json_node_get_value_type (node) == G_TYPE_INT64)
    {
      value = json_node_get_int (node);
    }
  else if (json_node_get_value_type (node) == G_TYPE_DOUBLE)
    {
      double d = json_node_get_double (node);

      /* 1500.0 is a whole number; 1e300 is out of range below. */
      if (!isfinite (d) || d != floor (d))
        goto wrong_type;
      if (d < (double) G_MININT64 || d > (double) G_MAXINT64)
        goto out_of_range;
      value = (gint64) d;
    }
  else
    {
      goto wrong_type;
    }

  if (value < min || value > max)
    goto out_of_range;

  *out = value;
  return TRUE;

wrong_type:
  g_set_error (error, SWARM_JSON_ERROR, SWARM_JSON_ERROR_WRONG_TYPE,
               _("“%s” must be a whole number."), member);
  return FALSE;

out_of_range:
  g_set_error (error, SWARM_JSON_ERROR, SWARM_JSON_ERROR_OUT_OF_RANGE,
               _("“%s” must be between %lld and %lld."),
               member, (long long) min, (long long) max);
  return FALSE;
}

gboolean
swarm_json_get_double (JsonObject  *object,
                       const char  *member,
                       gboolean     required,
                       double       min,
                       double       max,
                       double      *out,
                       GError     **error)
{
  g_autoptr(GError) local_error = NULL;
  JsonNode *node = get_member (object, member, required, &local_error);
  double value;

  if (node == NULL)
    {
      if (local_error != NULL)
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return FALSE;
        }
      return TRUE;
    }

  if (!JSON_NODE_HOLDS_VALUE (node) ||
      (json_node_get_value_type (node) != G_TYPE_DOUBLE &&
       json_node_get_value_type (node) != G_TYPE_INT64))
    {
      g_set_error (error, SWARM_JSON_ERROR, SWARM_JSON_ERROR_WRONG_TYPE,
                   _("“%s” must be a number."), member);
      return FALSE;
    }

  value = json_node_get_double (node);
  if (!isfinite (value) || value < min || value > max)
    {
      g_set_error (error, SWARM_JSON_ERROR, SWARM_JSON_ERROR_OUT_OF_RANGE,
                   _("“%s” must be between %g and %g."), member, min, max);
      return FALSE;
    }

  *out = value;
  return TRUE;
}

/**
 * swarm_json_get_strv:
 *
 * Reads an array of strings; an absent or null member gives %NULL.
 */
gboolean
swarm_json_get_strv (JsonObject   *object,
                     const char   *member,
                     char       ***out,
                     GError      **error)
{
  JsonNode *node = get_member (object, member, FALSE, NULL);
  g_autoptr(GStrvBuilder) builder = NULL;
  JsonArray *array;
  guint length;

  *out = NULL;

  if (node == NULL)
    return TRUE;

  if (!JSON_NODE_HOLDS_ARRAY (node))
    goto wrong_type;

  array = json_node_get_array (node);
  length = json_array_get_length (array);
  builder = g_strv_builder_new ();

  for (guint i = 0; i < length; i++)
    {
      JsonNode *element = json_array_get_element (array, i);

      if (!JSON_NODE_HOLDS_VALUE (element) || json_node_get_value_type (element) != G_TYPE_STRING)
        goto wrong_type;

      g_strv_builder_add (builder, json_node_get_string (element));
    }

  *out = g_strv_builder_end (builder);
  return TRUE;

wrong_type:
  g_set_error (error, SWARM_JSON_ERROR, SWARM_JSON_ERROR_WRONG_TYPE,
               _("“%s” must be a list of text values."), member);
  return FALSE;
}

static gboolean
get_time (JsonObject  *object,
          const char  *member,
          gboolean     required,
          GDateTime  **out,
          GError     **error)
{
  g_autofree char *text = NULL;
  g_autoptr(GTimeZone) utc = NULL;
  g_autoptr(GDateTime) parsed = NULL;

  *out = NULL;

  if (!swarm_json_get_string (object, member, required, &text, error))
    return FALSE;

  if (text == NULL)
    return TRUE;

  utc = g_time_zone_new_utc ();
  parsed = g_date_time_new_from_iso8601 (text, utc);
  if (parsed == NULL)
    {
      g_autofree char *shown = swarm_sanitize_message (text, 40);

      g_set_error (error, SWARM_JSON_ERROR, SWARM_JSON_ERROR_INVALID_VALUE,
                   _("“%s” is not a date and time: “%s”."), member, shown);
      return FALSE;
    }

  *out = g_date_time_to_utc (parsed);
  return TRUE;
}

static gboolean
read_environment (JsonObject  *object,
                  GHashTable **out,
                  GError     **error)
{
  JsonNode *node = get_member (object, "environment", FALSE, NULL);
  g_autoptr(GHashTable) env = NULL;
  JsonObject *env_object;
  JsonObjectIter iter;
  const char *key;
  JsonNode *value;

  *out = NULL;

  if (node == NULL)
    return TRUE;

  if (!JSON_NODE_HOLDS_OBJECT (node))
    goto wrong_type;

  env = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, swarm_secret_free);
  env_object = json_node_get_object (node);

  json_object_iter_init (&iter, env_object);
  while (json_object_iter_next (&iter, &key, &value))
    {
      if (!JSON_NODE_HOLDS_VALUE (value) || json_node_get_value_type (value) != G_TYPE_STRING)
        goto wrong_type;

      g_hash_table_insert (env, g_strdup (key), g_strdup (json_node_get_string (value)));
    }

  *out = g_steal_pointer (&env);
  return TRUE;

wrong_type:
  g_set_error_literal (error, SWARM_JSON_ERROR, SWARM_JSON_ERROR_WRONG_TYPE,
                       _("“environment” must map names to text values."));
  return FALSE;
}

static gboolean
read_config (JsonObject  *object,
             SwarmAgent  *agent,
             GError     **error)
{
  JsonNode *node = get_member (object, "config", FALSE, NULL);
  JsonObject *config;

  if (node == NULL)
    return TRUE;

  if (!JSON_NODE_HOLDS_OBJECT (node))
    {
      g_set_error_literal (error, SWARM_JSON_ERROR, SWARM_JSON_ERROR_WRONG_TYPE,
                           _("“config” must be a JSON object."));
      return FALSE;
    }

  config = json_node_get_object (node);

  if (!swarm_json_get_int (config, "timeout", FALSE, 0, G_MAXINT32,
                           &agent->config_timeout, error) ||
      !swarm_json_get_string (config, "model", FALSE, &agent->config_model, error) ||
      !swarm_json_get_int (config, "max_steps", FALSE, 0, G_MAXINT32,
                           &agent->config_max_steps, error) ||
      !swarm_json_get_double (config, "max_cost_usd", FALSE, 0, MAX_AMOUNT_USD,
                              &agent->config_max_cost_usd, error))
    {
      g_prefix_error (error, "config: ");
      return FALSE;
    }

  return TRUE;
}

static int
compare_strings (gconstpointer a,
                 gconstpointer b,
                 gpointer      user_data)
{
  return g_strcmp0 (*(char * const *) a, *(char * const *) b);
}

/**
 * swarm_json_agent_from_node:
 *
 * Reads one Agent object of the contract.  `id`, `name`, `agent_type`,
 * `status` and `created_at` are required; every other field may be absent
 * or null, but when present must have the right type and a sane value.
 *
 * Returns: (transfer full): the agent, or %NULL with @error set
 */
SwarmAgent *
swarm_json_agent_from_node (JsonNode  *node,
                            GError   **error)
{
  g_autoptr(SwarmAgent) agent = NULL;
  g_autofree char *id = NULL;
  g_autofree char *status = NULL;
  g_autofree char *name = NULL;
  g_autofree char *agent_type = NULL;
  g_autofree char *task = NULL;
  JsonObject *object;

  object = require_object (node, _("An agent"), error);
  if (object == NULL)
    return NULL;

  if (!swarm_json_get_string (object, "id", TRUE, &id, error))
    return NULL;

  if (*id == '\0')
    {
      g_set_error_literal (error, SWARM_JSON_ERROR, SWARM_JSON_ERROR_INVALID_VALUE,
                           _("“id” is empty."));
      return NULL;
    }

  agent = swarm_agent_new (id);

  if (!swarm_json_get_string (object, "name", TRUE, &name, error) ||
      !swarm_json_get_string (object, "agent_type", TRUE, &agent_type, error) ||
      !swarm_json_get_string (object, "status", TRUE, &status, error) ||
      !swarm_json_get_string (object, "task_description", FALSE, &task, error))
    goto fail;

  swarm_set_str (&agent->name, name);
  swarm_set_str (&agent->agent_type, agent_type);
  swarm_set_str (&agent->task_description, task != NULL ? task : "");

  if (!swarm_agent_status_from_string (status, &agent->status))
    {
      g_autofree char *shown = swarm_sanitize_message (status, 40);

      g_set_error (error, SWARM_JSON_ERROR, SWARM_JSON_ERROR_INVALID_VALUE,
                   _("“status” is “%s”, not one of pending, running, completed or failed."),
                   shown);
      goto fail;
    }

  if (!swarm_json_get_string (object, "sandbox_id", FALSE, &agent->sandbox_id, error) ||
      !swarm_json_get_int (object, "tokens_used", FALSE, 0, MAX_SAFE_INT,
                           &agent->tokens_used, error) ||
      !swarm_json_get_double (object, "cost_usd", FALSE, 0, MAX_AMOUNT_USD,
                              &agent->cost_usd, error) ||
      !swarm_json_get_int (object, "execution_time_ms", FALSE, 0, MAX_SAFE_INT,
                           &agent->execution_time_ms, error) ||
      !get_time (object, "created_at", TRUE, &agent->created_at, error) ||
      !get_time (object, "completed_at", FALSE, &agent->completed_at, error) ||
      !swarm_json_get_string (object, "error_message", FALSE, &agent->error_message, error) ||
      !swarm_json_get_string (object, "template", FALSE, &agent->template_id, error) ||
      !swarm_json_get_strv (object, "capabilities", &agent->capabilities, error) ||
      !read_config (object, agent, error) ||
      !swarm_json_get_string (object, "model", FALSE, &agent->model, error) ||
      !swarm_json_get_int (object, "steps", FALSE, 0, G_MAXINT32, &agent->steps, error) ||
      !swarm_json_get_string (object, "result", FALSE, &agent->result, error) ||
      !get_time (object, "started_at", FALSE, &agent->started_at, error) ||
      !get_time (object, "updated_at", FALSE, &agent->updated_at, error) ||
      !swarm_json_get_string (object, "sandbox_driver", FALSE, &agent->sandbox_driver, error) ||
      !swarm_json_get_strv (object, "environment_keys", &agent->environment_keys, error) ||
      !read_environment (object, &agent->environment, error))
    goto fail;

  if (json_object_has_member (object, "result_truncated"))
    {
      JsonNode *flag = json_object_get_member (object, "result_truncated");

      if (!JSON_NODE_HOLDS_NULL (flag))
        {
          if (!JSON_NODE_HOLDS_VALUE (flag) || json_node_get_value_type (flag) != G_TYPE_BOOLEAN)
            {
              g_set_error_literal (error, SWARM_JSON_ERROR, SWARM_JSON_ERROR_WRONG_TYPE,
                                   _("“result_truncated” must be true or false."));
              goto fail;
            }
          agent->result_truncated = json_node_get_boolean (flag);
        }
    }

  /* A backend that predates the extensions: keys from the values it sent. */
  if (agent->environment_keys == NULL && agent->environment != NULL)
    {
      g_autofree gpointer *keys = g_hash_table_get_keys_as_array (agent->environment, NULL);
      g_auto(GStrv) strv = g_strdupv ((char **) keys);

      g_qsort_with_data (strv, g_strv_length (strv), sizeof (char *),
                         compare_strings, NULL);
      agent->environment_keys = g_steal_pointer (&strv);
    }

  agent->elapsed_ms = agent->execution_time_ms;
  return g_steal_pointer (&agent);

fail:
  {
    g_autofree char *shown = swarm_sanitize_message (id, 64);
    g_prefix_error (error, _("Agent “%s”: "), shown);
  }
  return NULL;
}

/**
 * swarm_json_parse_agent_list:
 *
 * Reads `{"agents":[Agent…]}`.  One malformed agent, or one id listed
 * twice, fails the whole list: a table keyed by id cannot show it.
 *
 * Returns: (transfer full) (element-type SwarmAgent): the agents
 */
GPtrArray *
swarm_json_parse_agent_list (GBytes  *bytes,
                             GError **error)
{
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(GPtrArray) agents = NULL;
  g_autoptr(GHashTable) seen = NULL;
  JsonObject *object;
  JsonNode *list;
  JsonArray *array;
  guint length;

  root = swarm_json_parse_bytes (bytes, error);
  if (root == NULL)
    return NULL;

  object = require_object (root, _("The agent list"), error);
  if (object == NULL)
    return NULL;

  list = json_object_get_member (object, "agents");
  if (list == NULL || !JSON_NODE_HOLDS_ARRAY (list))
    {
      g_set_error_literal (error, SWARM_JSON_ERROR,
                           list == NULL ? SWARM_JSON_ERROR_MISSING_MEMBER : SWARM_JSON_ERROR_WRONG_TYPE,
                           _("“agents” must be a list."));
      return NULL;
    }

  array = json_node_get_array (list);
  length = json_array_get_length (array);
  agents = g_ptr_array_new_full (length, g_object_unref);
  seen = g_hash_table_new (g_str_hash, g_str_equal);

  for (guint i = 0; i < length; i++)
    {
      SwarmAgent *agent = swarm_json_agent_from_node (json_array_get_element (array, i), error);

      if (agent == NULL)
        return NULL;

      g_ptr_array_add (agents, agent);

      if (!g_hash_table_add (seen, agent->id))
        {
          g_autofree char *shown = swarm_sanitize_message (agent->id, 64);

          g_set_error (error, SWARM_JSON_ERROR, SWARM_JSON_ERROR_INVALID_VALUE,
                       _("The agent list names agent “%s” twice."), shown);
          return NULL;
        }
    }

  return g_steal_pointer (&agents);
}

SwarmAgent *
swarm_json_parse_agent (GBytes  *bytes,
                        GError **error)
{
  g_autoptr(JsonNode) root = swarm_json_parse_bytes (bytes, error);

  if (root == NULL)
    return NULL;

  return swarm_json_agent_from_node (root, error);
}

SwarmDeployResult *
swarm_json_parse_deploy_result (GBytes  *bytes,
                                GError **error)
{
  g_autoptr(JsonNode) root = swarm_json_parse_bytes (bytes, error);
  g_autoptr(SwarmDeployResult) result = NULL;
  JsonObject *object;

  if (root == NULL)
    return NULL;

  object = require_object (root, _("The deploy reply"), error);
  if (object == NULL)
    return NULL;

  result = g_new0 (SwarmDeployResult, 1);
  if (!swarm_json_get_string (object, "agent_id", TRUE, &result->agent_id, error) ||
      !swarm_json_get_string (object, "sandbox_id", FALSE, &result->sandbox_id, error) ||
      !swarm_json_get_string (object, "status", FALSE, &result->status, error))
    return NULL;

  if (*result->agent_id == '\0')
    {
      g_set_error_literal (error, SWARM_JSON_ERROR, SWARM_JSON_ERROR_INVALID_VALUE,
                           _("“agent_id” is empty."));
      return NULL;
    }

  if (result->status == NULL)
    result->status = g_strdup ("pending");

  return g_steal_pointer (&result);
}

SwarmLogPage *
swarm_json_parse_log_page (GBytes  *bytes,
                           GError **error)
{
  g_autoptr(JsonNode) root = swarm_json_parse_bytes (bytes, error);
  g_autoptr(SwarmLogPage) page = NULL;
  JsonObject *object;
  JsonNode *entries;
  JsonArray *array;
  guint length;

  if (root == NULL)
    return NULL;

  object = require_object (root, _("The log reply"), error);
  if (object == NULL)
    return NULL;

  entries = json_object_get_member (object, "entries");
  if (entries == NULL || !JSON_NODE_HOLDS_ARRAY (entries))
    {
      g_set_error_literal (error, SWARM_JSON_ERROR, SWARM_JSON_ERROR_WRONG_TYPE,
                           _("“entries” must be a list."));
      return NULL;
    }

  page = swarm_log_page_new ();
  if (!swarm_json_get_int (object, "next", TRUE, 0, MAX_SAFE_INT, &page->next, error))
    return NULL;

  array = json_node_get_array (entries);
  length = json_array_get_length (array);

  for (guint i = 0; i < length; i++)
    {
      g_autoptr(SwarmLogEntry) entry = g_new0 (SwarmLogEntry, 1);
      g_autofree char *kind = NULL;
      JsonObject *e = require_object (json_array_get_element (array, i), _("A log entry"), error);

      if (e == NULL ||
          !swarm_json_get_int (e, "seq", TRUE, 0, MAX_SAFE_INT, &entry->seq, error) ||
          !get_time (e, "time", TRUE, &entry->time, error) ||
          !swarm_json_get_string (e, "kind", TRUE, &kind, error) ||
          !swarm_json_get_string (e, "text", TRUE, &entry->text, error))
        {
          g_prefix_error (error, _("Log entry %u: "), i + 1);
          return NULL;
        }

      if (!swarm_log_kind_from_string (kind, &entry->kind))
        entry->kind = SWARM_LOG_KIND_SYSTEM;   /* a newer server's kind: show it plainly */

      g_ptr_array_add (page->entries, g_steal_pointer (&entry));
    }

  return g_steal_pointer (&page);
}

SwarmHealth *
swarm_json_parse_health (GBytes  *bytes,
                         GError **error)
{
  g_autoptr(JsonNode) root = swarm_json_parse_bytes (bytes, error);
  g_autoptr(SwarmHealth) health = NULL;
  JsonObject *object;
  JsonNode *llm;

  if (root == NULL)
    return NULL;

  object = require_object (root, _("The health reply"), error);
  if (object == NULL)
    return NULL;

  health = g_new0 (SwarmHealth, 1);
  if (!swarm_json_get_string (object, "name", TRUE, &health->name, error) ||
      !swarm_json_get_string (object, "version", FALSE, &health->version, error) ||
      !swarm_json_get_int (object, "api_version", FALSE, 0, G_MAXINT32,
                           &health->api_version, error) ||
      !swarm_json_get_string (object, "status", FALSE, &health->status, error) ||
      !swarm_json_get_strv (object, "drivers", &health->drivers, error))
    return NULL;

  llm = json_object_get_member (object, "llm");
  if (llm != NULL && JSON_NODE_HOLDS_OBJECT (llm))
    {
      JsonObject *llm_object = json_node_get_object (llm);
      JsonNode *configured = json_object_get_member (llm_object, "configured");

      if (configured != NULL && JSON_NODE_HOLDS_VALUE (configured) &&
          json_node_get_value_type (configured) == G_TYPE_BOOLEAN)
        health->llm_configured = json_node_get_boolean (configured);

      if (!swarm_json_get_string (llm_object, "model", FALSE, &health->llm_model, error))
        return NULL;
    }

  health->has_details = health->status != NULL;

  return g_steal_pointer (&health);
}

/**
 * swarm_json_error_body:
 * @field: (nullable): the request field the error is about
 *
 * Returns: (transfer full): the contract's `{"error":{"code","message","field"}}`
 */
JsonNode *
swarm_json_error_body (const char *code,
                       const char *message,
                       const char *field)
{
  g_autoptr(JsonBuilder) builder = json_builder_new_immutable ();

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "error");
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "code");
  json_builder_add_string_value (builder, code);
  json_builder_set_member_name (builder, "message");
  json_builder_add_string_value (builder, message);
  json_builder_set_member_name (builder, "field");
  if (field != NULL)
    json_builder_add_string_value (builder, field);
  else
    json_builder_add_null_value (builder);
  json_builder_end_object (builder);
  json_builder_end_object (builder);

  return json_builder_get_root (builder);
}

/**
 * swarm_json_parse_error_body:
 *
 * Reads the contract's `{"error":{"code","message","field"}}`.  Lenient on
 * purpose: any missing part stays %NULL.
 *
 * Returns: %TRUE if @bytes had the error shape
 */
gboolean
swarm_json_parse_error_body (GBytes  *bytes,
                             char   **code,
                             char   **message,
                             char   **field)
{
  g_autoptr(JsonNode) root = NULL;
  JsonNode *error_node;
  JsonObject *error_object;

  *code = *message = *field = NULL;

  if (bytes == NULL || g_bytes_get_size (bytes) == 0)
    return FALSE;

  root = swarm_json_parse_bytes (bytes, NULL);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    return FALSE;

  error_node = json_object_get_member (json_node_get_object (root), "error");
  if (error_node == NULL || !JSON_NODE_HOLDS_OBJECT (error_node))
    return FALSE;

  error_object = json_node_get_object (error_node);
  if (!swarm_json_get_string (error_object, "code", FALSE, code, NULL))
    *code = NULL;
  if (!swarm_json_get_string (error_object, "message", FALSE, message, NULL))
    *message = NULL;
  if (!swarm_json_get_string (error_object, "field", FALSE, field, NULL))
    *field = NULL;

  return TRUE;
}

char *
swarm_json_format_time (GDateTime *time)
{
  g_autoptr(GDateTime) utc = NULL;

  if (time == NULL)
    return NULL;

  utc = g_date_time_to_utc (time);
  if (g_date_time_get_microsecond (utc) == 0)
    return g_date_time_format (utc, "%Y-%m-%dT%H:%M:%SZ");

  return g_date_time_format (utc, "%Y-%m-%dT%H:%M:%S.%fZ");
}

static void
add_string (JsonBuilder *builder,
            const char  *member,
            const char  *value)
{
  json_builder_set_member_name (builder, member);
  if (value != NULL)
    json_builder_add_string_value (builder, value);
  else
    json_builder_add_null_value (builder);
}

static void
add_time (JsonBuilder *builder,
          const char  *member,
          GDateTime   *value)
{
  g_autofree char *text = swarm_json_format_time (value);

  add_string (builder, member, text);
}

static void
add_strv (JsonBuilder        *builder,
          const char         *member,
          const char * const *values)
{
  json_builder_set_member_name (builder, member);
  json_builder_begin_array (builder);
  for (guint i = 0; values != NULL && values[i] != NULL; i++)
    json_builder_add_string_value (builder, values[i]);
  json_builder_end_array (builder);
}

/* Cuts @text to at most @max bytes without splitting a character. */
static char *
cut_utf8 (const char *text,
          gsize       max)
{
  const char *end = text + max;

  while (end > text && (*end & 0xC0) == 0x80)
    end--;

  return g_strndup (text, end - text);
}

/**
 * swarm_json_agent_to_node:
 * @list_form: cut `result` to 1 KiB and set `result_truncated`, as
 *   `GET /api/agents` does
 *
 * Writes an Agent object of the contract.  Environment values are never
 * written, only `environment_keys`.
 */
JsonNode *
swarm_json_agent_to_node (SwarmAgent *agent,
                          gboolean    list_form)
{
  g_autoptr(JsonBuilder) builder = json_builder_new_immutable ();
  g_autofree char *result = NULL;
  gboolean truncated;

  g_return_val_if_fail (SWARM_IS_AGENT (agent), NULL);

  truncated = agent->result_truncated;

  if (agent->result != NULL && list_form && strlen (agent->result) > SWARM_LIST_RESULT_MAX)
    {
      result = cut_utf8 (agent->result, SWARM_LIST_RESULT_MAX);
      truncated = TRUE;
    }
  else
    {
      result = g_strdup (agent->result);
    }

  json_builder_begin_object (builder);
  add_string (builder, "id", agent->id);
  add_string (builder, "name", agent->name);
  add_string (builder, "agent_type", agent->agent_type);
  add_string (builder, "status", swarm_agent_status_to_string (agent->status));
  add_string (builder, "sandbox_id", agent->sandbox_id);
  add_string (builder, "task_description", agent->task_description);
  json_builder_set_member_name (builder, "tokens_used");
  json_builder_add_int_value (builder, agent->tokens_used);
  json_builder_set_member_name (builder, "cost_usd");
  json_builder_add_double_value (builder, agent->cost_usd);
  json_builder_set_member_name (builder, "execution_time_ms");
  json_builder_add_int_value (builder, agent->execution_time_ms);
  add_time (builder, "created_at", agent->created_at);
  add_time (builder, "completed_at", agent->completed_at);
  add_string (builder, "error_message", agent->error_message);

  add_string (builder, "template", agent->template_id);
  add_strv (builder, "capabilities", (const char * const *) agent->capabilities);
  json_builder_set_member_name (builder, "config");
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "timeout");
  json_builder_add_int_value (builder, agent->config_timeout);
  add_string (builder, "model", agent->config_model);
  json_builder_set_member_name (builder, "max_steps");
  if (agent->config_max_steps > 0)
    json_builder_add_int_value (builder, agent->config_max_steps);
  else
    json_builder_add_null_value (builder);
  json_builder_set_member_name (builder, "max_cost_usd");
  if (agent->config_max_cost_usd > 0)
    json_builder_add_double_value (builder, agent->config_max_cost_usd);
  else
    json_builder_add_null_value (builder);
  json_builder_end_object (builder);
  add_string (builder, "model", agent->model);
  json_builder_set_member_name (builder, "steps");
  json_builder_add_int_value (builder, agent->steps);
  add_string (builder, "result", result);
  json_builder_set_member_name (builder, "result_truncated");
  json_builder_add_boolean_value (builder, truncated);
  add_time (builder, "started_at", agent->started_at);
  add_time (builder, "updated_at", agent->updated_at);
  add_string (builder, "sandbox_driver", agent->sandbox_driver);
  add_strv (builder, "environment_keys", (const char * const *) agent->environment_keys);
  json_builder_end_object (builder);

  return json_builder_get_root (builder);
}

char *
swarm_json_node_to_data (JsonNode *node,
                         gsize    *length)
{
  g_autoptr(JsonGenerator) generator = json_generator_new ();

  json_generator_set_root (generator, node);
  return json_generator_to_data (generator, length);
}

/**
 * swarm_json_agent_list_to_data:
 *
 * Returns: (transfer full): `{"agents":[…]}` in list form
 */
char *
swarm_json_agent_list_to_data (GPtrArray *agents,
                               gsize     *length)
{
  g_autoptr(JsonNode) root = json_node_new (JSON_NODE_OBJECT);
  JsonObject *object = json_object_new ();
  JsonArray *array = json_array_sized_new (agents->len);

  for (guint i = 0; i < agents->len; i++)
    json_array_add_element (array, swarm_json_agent_to_node (g_ptr_array_index (agents, i), TRUE));

  json_object_set_array_member (object, "agents", array);
  json_node_take_object (root, object);

  return swarm_json_node_to_data (root, length);
}
