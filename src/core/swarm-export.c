/* swarm-export.c — the agents a table shows, as CSV or JSON
 *
 * CSV follows RFC 4180 (CRLF line ends, fields with a comma, a quote or
 * a line break quoted, quotes doubled), with a last row of totals.  A
 * text field that a spreadsheet would take for a formula (it starts with
 * = + - @, a tab or a carriage return) gets a leading apostrophe: a task
 * description must not run as a formula in the user's spreadsheet.
 *
 * JSON is `{"exported_at", "backend", "agents": [Agent…], "totals"}`
 * with agents in the contract's full form plus `destroyed_at`.
 * Environment values are never written, only their names.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "swarm-export"

#include "config.h"

#include <json-glib/json-glib.h>

#include "swarm-export.h"
#include "swarm-json.h"

static void
csv_field (GString    *out,
           const char *value)
{
  gboolean formula;

  if (value == NULL || *value == '\0')
    return;

  formula = strchr ("=+-@\t\r", value[0]) != NULL;

  if (formula || strpbrk (value, ",\"\r\n") != NULL)
    {
      g_string_append_c (out, '"');
      if (formula)
        g_string_append_c (out, '\'');
      for (const char *p = value; *p != '\0'; p++)
        {
          if (*p == '"')
            g_string_append_c (out, '"');
          g_string_append_c (out, *p);
        }
      g_string_append_c (out, '"');
    }
  else
    {
      g_string_append (out, value);
    }
}

static void
csv_time (GString   *out,
          GDateTime *time)
{
  g_autofree char *text = time != NULL ? swarm_json_format_time (time) : NULL;

  csv_field (out, text);
}

static void
csv_cost (GString *out,
          double   cost)
{
  char buffer[G_ASCII_DTOSTR_BUF_SIZE];

  /* Not the locale's decimal comma: the comma separates fields. */
  g_string_append (out, g_ascii_formatd (buffer, sizeof buffer, "%.6f", cost));
}

static GBytes *
export_csv (GPtrArray *agents)
{
  GString *out = g_string_new ("id,name,agent_type,status,destroyed_at,sandbox_id,"
                               "task_description,tokens_used,cost_usd,execution_time_ms,"
                               "created_at,completed_at,model,error_message\r\n");
  gint64 tokens = 0;
  double cost = 0;

  for (guint i = 0; i < agents->len; i++)
    {
      SwarmAgent *agent = g_ptr_array_index (agents, i);

      csv_field (out, swarm_agent_get_id (agent));
      g_string_append_c (out, ',');
      csv_field (out, swarm_agent_get_name (agent));
      g_string_append_c (out, ',');
      csv_field (out, swarm_agent_get_agent_type (agent));
      g_string_append_c (out, ',');
      csv_field (out, swarm_agent_status_to_string (swarm_agent_get_status (agent)));
      g_string_append_c (out, ',');
      csv_time (out, swarm_agent_get_destroyed_at (agent));
      g_string_append_c (out, ',');
      csv_field (out, swarm_agent_get_sandbox_id (agent));
      g_string_append_c (out, ',');
      csv_field (out, swarm_agent_get_task_description (agent));
      g_string_append_printf (out, ",%" G_GINT64_FORMAT ",", swarm_agent_get_tokens_used (agent));
      csv_cost (out, swarm_agent_get_cost_usd (agent));
      g_string_append_printf (out, ",%" G_GINT64_FORMAT ",",
                              swarm_agent_get_execution_time_ms (agent));
      csv_time (out, swarm_agent_get_created_at (agent));
      g_string_append_c (out, ',');
      csv_time (out, swarm_agent_get_completed_at (agent));
      g_string_append_c (out, ',');
      csv_field (out, swarm_agent_get_model (agent));
      g_string_append_c (out, ',');
      csv_field (out, swarm_agent_get_error_message (agent));
      g_string_append (out, "\r\n");

      tokens += swarm_agent_get_tokens_used (agent);
      cost += swarm_agent_get_cost_usd (agent);
    }

  /* The totals row: the id column says what it is. */
  g_string_append_printf (out, "TOTAL (%u agents),,,,,,,%" G_GINT64_FORMAT ",", agents->len, tokens);
  csv_cost (out, cost);
  g_string_append (out, ",,,,,\r\n");

  return g_string_free_to_bytes (out);
}

static GBytes *
export_json (GPtrArray  *agents,
             const char *backend,
             GDateTime  *exported_at)
{
  g_autoptr(JsonBuilder) builder = json_builder_new_immutable ();
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *time = swarm_json_format_time (exported_at);
  gint64 tokens = 0;
  double cost = 0;
  char *data;
  gsize length;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "exported_at");
  json_builder_add_string_value (builder, time);
  json_builder_set_member_name (builder, "backend");
  json_builder_add_string_value (builder, backend);
  json_builder_set_member_name (builder, "agents");
  json_builder_begin_array (builder);

  for (guint i = 0; i < agents->len; i++)
    {
      SwarmAgent *agent = g_ptr_array_index (agents, i);
      JsonNode *node = swarm_json_agent_to_node (agent, FALSE);
      GDateTime *destroyed = swarm_agent_get_destroyed_at (agent);

      if (destroyed != NULL)
        {
          g_autofree char *when = swarm_json_format_time (destroyed);

          json_object_set_string_member (json_node_get_object (node), "destroyed_at", when);
        }
      else
        {
          json_object_set_null_member (json_node_get_object (node), "destroyed_at");
        }

      json_builder_add_value (builder, node);
      tokens += swarm_agent_get_tokens_used (agent);
      cost += swarm_agent_get_cost_usd (agent);
    }

  json_builder_end_array (builder);
  json_builder_set_member_name (builder, "totals");
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "agents");
  json_builder_add_int_value (builder, agents->len);
  json_builder_set_member_name (builder, "tokens_used");
  json_builder_add_int_value (builder, tokens);
  json_builder_set_member_name (builder, "cost_usd");
  json_builder_add_double_value (builder, cost);
  json_builder_end_object (builder);
  json_builder_end_object (builder);

  root = json_builder_get_root (builder);
  data = swarm_json_node_to_data (root, &length);

  return g_bytes_new_take (data, length);
}

/**
 * swarm_export_agents:
 * @agents: (element-type SwarmAgent): the rows, in the order shown; no
 *   one may change them during the call (it may run in a worker)
 * @backend: the backend they come from, for the JSON form
 * @exported_at: the time of the export, for the JSON form
 *
 * Returns: (transfer full): the file's contents
 */
GBytes *
swarm_export_agents (GPtrArray         *agents,
                     SwarmExportFormat  format,
                     const char        *backend,
                     GDateTime         *exported_at)
{
  g_return_val_if_fail (agents != NULL, NULL);
  g_return_val_if_fail (backend != NULL, NULL);
  g_return_val_if_fail (exported_at != NULL, NULL);

  if (format == SWARM_EXPORT_CSV)
    return export_csv (agents);

  return export_json (agents, backend, exported_at);
}

const char *
swarm_export_format_extension (SwarmExportFormat format)
{
  return format == SWARM_EXPORT_CSV ? "csv" : "json";
}
